/*
 * qxattr.c - see qxattr.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "qxattr.h"

static const unsigned char key[16] = "qmail queue v1\0";

static void
put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* value_hash: the hash of a value's bytes except its own 8 at 44 */
static uint64_t
value_hash(const unsigned char *v, size_t len)
{
	struct siphash h;

	siphash_init(&h, key);
	siphash_update(&h, v, 44);
	siphash_update(&h, v + QXATTR_HEAD, len - QXATTR_HEAD);
	return siphash_final(&h);
}

void
qxattr_msg_init(struct siphash *h)
{
	siphash_init(h, key);
}

bool
qxattr_encode(struct strbuf *out, const struct qxattr *meta)
{
	unsigned char *v;
	size_t len;

	if (meta->envlen > QXATTR_MAX - QXATTR_HEAD) {
		errno = E2BIG;
		return false;
	}
	len = QXATTR_HEAD + meta->envlen;
	out->len = 0;
	if (!strbuf_reserve(out, len))
		return false;
	v = (unsigned char *)out->data;
	memcpy(v, "QMQ1", 4);
	memcpy(v + 4, meta->boot, 16);
	put64(v + 20, meta->id);
	put64(v + 28, meta->msglen);
	put64(v + 36, meta->msghash);
	memcpy(v + QXATTR_HEAD, meta->env, meta->envlen);
	put64(v + 44, value_hash(v, len));
	out->len = len;
	out->data[len] = '\0';
	return true;
}

bool
qxattr_decode(struct qxattr *meta, const void *value, size_t len)
{
	const unsigned char *v = value;

	if (len <= QXATTR_HEAD || len > QXATTR_MAX ||
	    memcmp(v, "QMQ1", 4) != 0 || siphash_le64(v + 44) != value_hash(v, len) ||
	    v[len - 1] != '\0')
		return false;
	memcpy(meta->boot, v + 4, 16);
	meta->id = siphash_le64(v + 20);
	meta->msglen = siphash_le64(v + 28);
	meta->msghash = siphash_le64(v + 36);
	meta->env = (const char *)v + QXATTR_HEAD;
	meta->envlen = len - QXATTR_HEAD;
	return true;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* read_boot_id: the kernel's boot id, or false */
static bool
read_boot_id(unsigned char out[16])
{
	char buf[64];
	ssize_t r;
	size_t i, n = 0;
	int fd, hi = -1;

	memset(out, 0, 16);
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	r = read(fd, buf, sizeof buf);
	close(fd);
	if (r <= 0)
		return false;
	for (i = 0; i < (size_t)r && n < 16; i++) {
		int d = hexval(buf[i]);

		if (d < 0)
			continue; /* the dashes and the newline */
		if (hi < 0) {
			hi = d;
		} else {
			out[n++] = (unsigned char)(hi << 4 | d);
			hi = -1;
		}
	}
	if (n < 16) {
		memset(out, 0, 16);
		return false;
	}
	return true;
}

bool
qxattr_boot_id(unsigned char out[16])
{
	/* it cannot change while the process lives, and a qmail-queued
	 * worker asks once per message: read once, kept when found */
	static unsigned char id[16];
	static bool known;

	if (!known)
		known = read_boot_id(id);
	memcpy(out, id, 16);
	return known;
}

bool
qxattr_boot_known(const unsigned char b[16])
{
	static const unsigned char zero[16];

	return memcmp(b, zero, 16) != 0;
}

bool
qxattr_same_boot(const unsigned char a[16], const unsigned char b[16])
{
	return qxattr_boot_known(a) && memcmp(a, b, 16) == 0;
}

bool
qxattr_set(int fd, const void *value, size_t len)
{
	return fsetxattr(fd, QXATTR_NAME, value, len, XATTR_CREATE) == 0;
}

ssize_t
qxattr_get(int fd, unsigned char *buf)
{
	ssize_t r = fgetxattr(fd, QXATTR_NAME, buf, QXATTR_MAX);

	if (r >= 0)
		return r;
	if (errno == ENODATA || errno == ENOTSUP)
		return 0;
	return -1;
}

int
qxattr_check_message(int fd, const struct qxattr *meta)
{
	unsigned char buf[65536];
	struct siphash h;
	uint64_t total = 0;
	off_t off = 0;

	qxattr_msg_init(&h);
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof buf, off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		siphash_update(&h, buf, (size_t)r);
		total += (uint64_t)r;
		off += r;
		if (total > meta->msglen)
			return 0; /* longer than recorded: no need to go on */
	}
	return total == meta->msglen && siphash_final(&h) == meta->msghash;
}
