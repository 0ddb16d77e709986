/* t_qxattr.c - the envelope record: encode/decode round trip, every kind
 * of damage refused, the size limit, the boot id, and the attribute on a
 * real file (skipped where the file system has no user xattrs). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qxattr.h"
#include "tap.h"

static const char env[] = "u0\0p42\0Fa@b\0Tc@d\0";

static void
sample(struct qxattr *m, const char *msg)
{
	struct siphash h;

	memset(m, 0, sizeof *m);
	memset(m->boot, 7, 16);
	m->id = 123456789;
	qxattr_msg_init(&h);
	siphash_update(&h, msg, strlen(msg));
	m->msglen = strlen(msg);
	m->msghash = siphash_final(&h);
	m->env = env;
	m->envlen = sizeof env - 1;
}

int
main(void)
{
	struct strbuf v = STRBUF_INIT;
	struct qxattr m, d;
	unsigned char boot[16], buf[QXATTR_MAX];
	char path[] = "/tmp/t_qxattr.XXXXXX";
	size_t i;
	int bad = 0, fd;
	char *big;

	sample(&m, "Subject: x\n\nbody\n");
	ok(qxattr_encode(&v, &m), "encodes");
	ok(v.len == QXATTR_HEAD + sizeof env - 1, "length is head + envelope");
	ok(qxattr_decode(&d, v.data, v.len), "decodes");
	ok(d.id == m.id && d.msglen == m.msglen && d.msghash == m.msghash &&
	       memcmp(d.boot, m.boot, 16) == 0 && d.envlen == m.envlen &&
	       memcmp(d.env, env, d.envlen) == 0,
	   "round trip keeps every field");
	/* any one flipped byte is refused */
	for (i = 0; i < v.len; i++) {
		v.data[i] ^= 0x20;
		if (qxattr_decode(&d, v.data, v.len))
			bad++;
		v.data[i] ^= 0x20;
	}
	ok(bad == 0, "every flipped byte is refused (%d accepted)", bad);
	ok(!qxattr_decode(&d, v.data, v.len - 1), "a cut value is refused");
	ok(!qxattr_decode(&d, v.data, QXATTR_HEAD), "no envelope: refused");
	ok(!qxattr_decode(&d, "", 0), "empty: refused");
	m.env = "";
	m.envlen = 1; /* the smallest envelope part: one NUL */
	ok(qxattr_encode(&v, &m) && v.len == QXATTR_HEAD + 1 &&
	       qxattr_decode(&d, v.data, v.len) && d.envlen == 1,
	   "a 53-byte value decodes");
	sample(&m, "Subject: x\n\nbody\n");
	/* the envelope must end in NUL, even with a matching hash */
	m.envlen--;
	ok(qxattr_encode(&v, &m) && !qxattr_decode(&d, v.data, v.len),
	   "an envelope not ending in NUL is refused");
	big = calloc(QXATTR_MAX, 1);
	m.env = big;
	m.envlen = QXATTR_MAX - QXATTR_HEAD;
	ok(big && qxattr_encode(&v, &m) && v.len == QXATTR_MAX &&
	       qxattr_decode(&d, v.data, v.len),
	   "the largest value round-trips");
	m.envlen++;
	errno = 0;
	ok(!qxattr_encode(&v, &m) && errno == E2BIG, "one byte more: E2BIG");
	free(big);

	ok(qxattr_boot_id(boot), "this boot's id is readable");
	ok(qxattr_same_boot(boot, boot), "a boot is itself");
	memset(buf, 0, 16);
	ok(!qxattr_same_boot(buf, buf), "an unknown boot is never the same");
	ok(!qxattr_boot_known(buf) && qxattr_boot_known(boot),
	   "zeros are no boot; this boot's id is");

	/* on a real file, where the file system allows it */
	sample(&m, "hello\n");
	fd = mkstemp(path);
	if (fd == -1 || write(fd, "hello\n", 6) != 6) {
		ok(0, "temporary file");
	} else if (qxattr_encode(&v, &m), !qxattr_set(fd, v.data, v.len)) {
		if (errno == ENOTSUP)
			printf("# skipped: no user xattrs on /tmp\n");
		else
			ok(0, "setting the record: %s", strerror(errno));
	} else {
		ssize_t n = qxattr_get(fd, buf);

		ok(n == (ssize_t)v.len && memcmp(buf, v.data, v.len) == 0,
		   "the attribute reads back");
		ok(qxattr_decode(&d, buf, (size_t)n) &&
		       qxattr_check_message(fd, &d) == 1,
		   "the message matches its record");
		ok(write(fd, "!", 1) == 1 && qxattr_check_message(fd, &d) == 0,
		   "a longer message does not");
		ok(!qxattr_set(fd, v.data, v.len) && errno == EEXIST,
		   "the record is never replaced");
	}
	if (fd != -1) {
		close(fd);
		unlink(path);
	}
	fd = open("/dev/null", O_RDONLY);
	ok(fd != -1 && qxattr_get(fd, buf) == 0, "no record on /dev/null");
	if (fd != -1)
		close(fd);
	strbuf_free(&v);
	return done_testing();
}
