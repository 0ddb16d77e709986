/*
 * fuzz_queuehead.c - libFuzzer target for the head of a channel file
 * (queue_head_read, src/lib/queue.c).
 *
 * The input is the start of a local/S/N or remote/S/N as qmail-send or
 * qmail-qread reads it: anything at all, fed in small reads. What is
 * accepted must fit the input, hold a sender of at most QUEUE_SENDER_MAX
 * bytes without a NUL, and write back (queue_head_put) to a head that
 * reads the same again; a refusal must say -1 or 0, and 0 only when the
 * input does not begin with 'F'. Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t len, pos;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t len)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	if (n > 7)
		n = 7;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static int
parse(const uint8_t *p, size_t len, struct strbuf *sender, time_t *birth,
      size_t *used)
{
	struct mem m = {p, len, 0};
	struct iobuf in;
	char buf[1100];

	iobuf_init(&in, -1, buf, sizeof buf, 0);
	in.read_fn = mem_read;
	in.ctx = &m;
	return queue_head_read(&in, sender, birth, used);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf s = STRBUF_INIT, s2 = STRBUF_INIT;
	struct iobuf out;
	char buf[1100];
	time_t birth, birth2;
	size_t used, used2;
	int r = parse(data, size, &s, &birth, &used);

	if (r == 0 && size > 0 && data[0] == 'F')
		abort();
	if (r == 1) {
		if (used > size || s.len > QUEUE_SENDER_MAX ||
		    memchr(s.data, '\0', s.len) != NULL || birth < 0)
			abort();
		iobuf_init(&out, -1, buf, sizeof buf, 0);
		if (!queue_head_put(&out, s.data, s.len, birth) ||
		    parse((const uint8_t *)buf, out.len, &s2, &birth2,
			  &used2) != 1 ||
		    used2 != out.len || birth2 != birth || s2.len != s.len ||
		    memcmp(s2.data, s.data, s.len) != 0)
			abort();
	} else if (r != 0 && r != -1)
		abort();
	strbuf_free(&s);
	strbuf_free(&s2);
	return 0;
}
