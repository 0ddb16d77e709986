/* t_queuehead.c - the head of a channel file (src/lib/queue.c): written
 * and read back, the older layout told apart, and every damaged head
 * refused without reading past it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "tap.h"

struct mem {
	const char *p;
	size_t len, pos;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t len)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	if (n > 3)
		n = 3; /* small reads: a head crosses refills */
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* parse: queue_head_read on the LEN bytes at P */
static int
parse(const char *p, size_t len, struct strbuf *sender, time_t *birth,
      size_t *used)
{
	struct mem m = {p, len, 0};
	struct iobuf in;
	char buf[64];

	iobuf_init(&in, -1, buf, sizeof buf, 0);
	in.read_fn = mem_read;
	in.ctx = &m;
	return queue_head_read(&in, sender, birth, used);
}

int
main(void)
{
	struct strbuf s = STRBUF_INIT;
	char path[] = "/tmp/t_queuehead.XXXXXX", buf[4096], file[4096];
	struct iobuf out;
	time_t birth;
	size_t used;
	ssize_t n;
	int fd;
	char *big;

	/* written through an iobuf on a real file, then read back */
	fd = mkstemp(path);
	if (fd == -1)
		return 1;
	unlink(path);
	iobuf_init_file(&out, fd, buf, sizeof buf);
	ok(queue_head_put(&out, "a@b.example", 11, 1700000000) &&
	       iobuf_put(&out, "Tc@d\0", 5) && iobuf_flush(&out),
	   "head and a record written");
	n = pread(fd, file, sizeof file, 0);
	is_num(n, 30, "the file's length");
	ok(n == 30 && memcmp(file, "Fa@b.example\0B1700000000\0Tc@d\0", 30) == 0,
	   "the bytes of the head");
	is_num(parse(file, (size_t)n, &s, &birth, &used), 1, "read back");
	is_str(s.data, "a@b.example", "the sender");
	is_num((long long)s.len, 11, "the sender's length");
	is_num((long long)birth, 1700000000, "the birth");
	is_num((long long)used, 25, "its bytes");
	close(fd);

	/* the null sender, a zero birth */
	iobuf_init(&out, -1, buf, sizeof buf, 0);
	ok(queue_head_put(&out, "", 0, 0) && out.len == 5 &&
	       memcmp(buf, "F\0B0\0", 5) == 0,
	   "the null sender and birth 0");
	is_num(parse("F\0B0\0", 5, &s, &birth, &used), 1, "<> read back");
	ok(s.len == 0 && s.data[0] == '\0' && birth == 0 && used == 5,
	   "<> and 0");

	/* the older layout, or nothing: 0, nothing taken */
	is_num(parse("Tc@d\0", 5, &s, &birth, &used), 0, "a T record first");
	is_num(parse("Dc@d\0", 5, &s, &birth, &used), 0, "a D record first");
	is_num(parse("", 0, &s, &birth, &used), 0, "an empty file");

	/* damage */
	is_num(parse("Fa@b", 4, &s, &birth, &used), -1, "sender cut short");
	is_num(parse("Fa@b\0", 5, &s, &birth, &used), -1, "no birth");
	is_num(parse("Fa@b\0Tc@d\0", 10, &s, &birth, &used), -1,
	       "a recipient where the birth belongs");
	is_num(parse("Fa@b\0B\0", 7, &s, &birth, &used), -1, "an empty birth");
	is_num(parse("Fa@b\0B12x\0", 10, &s, &birth, &used), -1,
	       "a birth that is no number");
	is_num(parse("Fa@b\0B-5\0", 9, &s, &birth, &used), -1,
	       "a negative birth");
	is_num(parse("Fa@b\0B99999999999999999999999\0", 29, &s, &birth,
		     &used),
	       -1, "a birth too long");
	is_num(parse("Fa@b\0B17000", 11, &s, &birth, &used), -1,
	       "a birth cut short");
	/* a sender of 1000 bytes is the most qmail-queue takes */
	big = malloc(2 + 1001 + 4);
	if (big == NULL)
		return 1;
	big[0] = 'F';
	memset(big + 1, 'x', 1000);
	memcpy(big + 1001, "\0B1\0", 4);
	is_num(parse(big, 1005, &s, &birth, &used), 1, "a sender of 1000");
	is_num((long long)s.len, 1000, "all of it");
	memset(big + 1, 'x', 1001);
	memcpy(big + 1002, "\0B1\0", 4);
	is_num(parse(big, 1006, &s, &birth, &used), -1, "a sender of 1001");
	free(big);
	strbuf_free(&s);
	return done_testing();
}
