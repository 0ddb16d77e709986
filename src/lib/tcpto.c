/*
 * tcpto.c - queue/lock/tcpto. See tcpto.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpto.h"

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool
all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static bool
same_addr(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, addr_len(a->family)) == 0;
}

bool
tcpto_parse(struct tcpto *out, const unsigned char *buf, size_t len)
{
	const unsigned char *r;
	struct tcpto_entry *e;
	size_t i, j;

	memset(out, 0, sizeof *out);
	if (len % TCPTO_RECLEN != 0 || len > TCPTO_MAXLEN)
		goto bad;
	for (i = 0; i < len / TCPTO_RECLEN; i++) {
		r = buf + i * TCPTO_RECLEN;
		e = &out->slot[i];
		if (r[0] == 0) {
			if (!all_zero(r, TCPTO_RECLEN))
				goto bad;
			continue;
		}
		if ((r[0] != 4 && r[0] != 6) || r[1] > TCPTO_MAXERR ||
		    !all_zero(r + 2, 6))
			goto bad;
		e->addr.family = r[0] == 4 ? AF_INET : AF_INET6;
		if (r[0] == 4 && !all_zero(r + 20, 12))
			goto bad;
		memcpy(e->addr.bytes, r + 16, addr_len(e->addr.family));
		e->errors = r[1];
		for (j = 0; j < 8; j++)
			e->when = (e->when << 8) | r[8 + j];
	}
	out->len = len / TCPTO_RECLEN;
	return true;
bad:
	memset(out, 0, sizeof *out);
	errno = EPROTO;
	return false;
}

size_t
tcpto_format(const struct tcpto *t, unsigned char *buf)
{
	const struct tcpto_entry *e;
	unsigned char *r;
	uint64_t when;
	size_t i, j;

	memset(buf, 0, TCPTO_MAXLEN);
	for (i = 0; i < t->len && i < TCPTO_SLOTS; i++) {
		e = &t->slot[i];
		r = buf + i * TCPTO_RECLEN;
		if (e->addr.family == 0)
			continue;
		r[0] = e->addr.family == AF_INET ? 4 : 6;
		r[1] = (unsigned char)(e->errors > TCPTO_MAXERR ? TCPTO_MAXERR
								: e->errors);
		for (when = e->when, j = 8; j-- > 0; when >>= 8)
			r[8 + j] = (unsigned char)(when & 0xff);
		memcpy(r + 16, e->addr.bytes, addr_len(e->addr.family));
	}
	return (t->len > TCPTO_SLOTS ? TCPTO_SLOTS : t->len) * TCPTO_RECLEN;
}

static const struct tcpto_entry *
find(const struct tcpto *t, const struct ipaddr *ip)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (t->slot[i].addr.family != 0 &&
		    same_addr(&t->slot[i].addr, ip))
			return &t->slot[i];
	return NULL;
}

unsigned
tcpto_errors(const struct tcpto *t, const struct ipaddr *ip)
{
	const struct tcpto_entry *e = find(t, ip);

	return e ? e->errors : 0;
}

bool
tcpto_blocked(const struct tcpto *t, const struct ipaddr *ip, uint64_t now,
    uint64_t window)
{
	const struct tcpto_entry *e = find(t, ip);

	/* a time in the future (clock stepped back) blocks nothing */
	return e != NULL && e->errors >= 2 && e->when <= now &&
	    now - e->when < window;
}

bool
tcpto_note(struct tcpto *t, const struct ipaddr *ip, bool timedout,
    uint64_t now)
{
	struct tcpto_entry *e = (struct tcpto_entry *)find(t, ip);
	uint64_t age, best = 0;
	size_t i, pick;

	if (e != NULL) {
		if (!timedout) {
			if (e->errors == 0)
				return false;
			e->errors = 0;
			return true;
		}
		if (e->errors > 0 && now >= e->when &&
		    now - e->when < TCPTO_BURST)
			return false;
		if (e->errors < TCPTO_MAXERR)
			e->errors++;
		e->when = now;
		return true;
	}
	if (!timedout)
		return false;
	/* a free slot, a new one, or evict the oldest (qmail's weighting:
	 * each counted timeout makes a record 1024 s younger) */
	for (pick = 0; pick < t->len; pick++)
		if (t->slot[pick].addr.family == 0 || t->slot[pick].errors == 0)
			break;
	if (pick == t->len && t->len == TCPTO_SLOTS) {
		for (i = 0; i < t->len; i++) {
			age = t->slot[i].when + ((uint64_t)t->slot[i].errors << 10);
			if (i == 0 || age < best) {
				best = age;
				pick = i;
			}
		}
	} else if (pick == t->len) {
		t->len++;
	}
	e = &t->slot[pick];
	memset(e, 0, sizeof *e);
	e->addr = *ip;
	e->addr.scope = 0;
	e->errors = 1;
	e->when = now;
	return true;
}

/* reads at most TCPTO_MAXLEN + 1 bytes from FD at offset 0 */
static ssize_t
read_all(int fd, unsigned char *buf, size_t size)
{
	size_t got = 0;
	ssize_t r;

	while (got < size) {
		r = pread(fd, buf + got, size - got, (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

bool
tcpto_read(struct tcpto *out, const char *path)
{
	unsigned char buf[TCPTO_MAXLEN + 1];
	ssize_t n;
	int fd, err;

	memset(out, 0, sizeof *out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT;
	n = read_all(fd, buf, sizeof buf);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return false;
	}
	return tcpto_parse(out, buf, (size_t)n);
}

static bool
lock_open(const char *path, int *fd)
{
	if ((*fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return false;
	while (flock(*fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			int err = errno;

			close(*fd);
			errno = err;
			return false;
		}
	}
	return true;
}

bool
tcpto_update(const char *path, const struct ipaddr *ip, bool timedout,
    uint64_t now)
{
	unsigned char buf[TCPTO_MAXLEN + 1];
	struct tcpto t;
	ssize_t n;
	size_t len, off;
	int fd, err;
	bool ok = true, bad;

	if (!lock_open(path, &fd))
		return false;
	n = read_all(fd, buf, sizeof buf);
	if (n < 0) {
		/* an I/O error: T would be left uninitialized */
		err = errno;
		close(fd);
		errno = err;
		return false;
	}
	/* a malformed file is replaced: it only ever saves time */
	bad = !tcpto_parse(&t, buf, (size_t)n);
	if (!tcpto_note(&t, ip, timedout, now) && !bad) {
		close(fd);
		return true;
	}
	len = tcpto_format(&t, buf);
	for (off = 0; off < len;) {
		n = pwrite(fd, buf + off, len - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = false;
			break;
		}
		off += (size_t)n;
	}
	if (ok && ftruncate(fd, (off_t)len) == -1)
		ok = false;
	err = errno;
	close(fd); /* releases the lock */
	errno = err;
	return ok;
}

bool
tcpto_clear(const char *path)
{
	int fd, err;
	bool ok;

	if (!lock_open(path, &fd))
		return false;
	ok = ftruncate(fd, 0) == 0;
	err = errno;
	close(fd);
	errno = err;
	return ok;
}
