/* t_reply.c - unit tests for the SMTP reply parser (src/lib/reply.c) and
 * the DATA encoder (src/lib/dotstuff.c). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dotstuff.h"
#include "reply.h"
#include "tap.h"

/* feeds TEXT (lines separated by '\n') through reply_read on a pipe */
static enum reply_status
read_text(struct reply *r, const char *text, size_t len)
{
	char buf[512];
	struct iobuf in;
	int fds[2];
	enum reply_status st;

	if (pipe(fds) == -1)
		return REPLY_IOERR;
	if (write(fds[1], text, len) != (ssize_t)len)
		return REPLY_IOERR;
	close(fds[1]);
	iobuf_init(&in, fds[0], buf, sizeof buf, 5);
	st = reply_read(r, &in);
	close(fds[0]);
	return st;
}

static void
test_replies(void)
{
	static const struct {
		const char *name, *in;
		enum reply_status st;
		int code;
		const char *text;
	} cases[] = {
		{ "simple", "250 ok\r\n", REPLY_DONE, 250, "250 ok\n" },
		{ "bare code", "220\r\n", REPLY_DONE, 220, "220\n" },
		{ "LF only", "250 ok\n", REPLY_DONE, 250, "250 ok\n" },
		{ "multiline", "250-a\r\n250-b\r\n250 c\r\n", REPLY_DONE, 250,
		    "250-a\n250-b\n250 c\n" },
		{ "codes differ", "250-a\r\n251 b\r\n", REPLY_GARBAGE, 0,
		    NULL },
		{ "not digits", "2x0 ok\r\n", REPLY_GARBAGE, 0, NULL },
		{ "1xx", "150 ok\r\n", REPLY_GARBAGE, 0, NULL },
		{ "short", "25\r\n", REPLY_GARBAGE, 0, NULL },
		{ "bad separator", "250x\r\n", REPLY_GARBAGE, 0, NULL },
		{ "controls sanitized", "550 a\x1b[1m\xff\r\n", REPLY_DONE, 550,
		    "550 a?[1m?\n" },
		{ "eof mid-reply", "250-a\r\n", REPLY_EOF, 0, NULL },
		{ "empty", "", REPLY_EOF, 0, NULL },
		{ "partial line", "250 ok", REPLY_EOF, 0, NULL },
	};
	struct reply r = REPLY_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum reply_status st = read_text(&r, cases[i].in,
		    strlen(cases[i].in));

		is_num(st, cases[i].st, cases[i].name);
		if (st == REPLY_DONE) {
			is_num(r.code, cases[i].code, cases[i].name);
			is_str(r.text.data, cases[i].text, cases[i].name);
		}
	}
	reply_free(&r);
}

static void
test_bounds(void)
{
	struct reply r = REPLY_INIT;
	char big[8000];
	size_t i, n;

	/* one overlong line: cut and kept */
	memset(big, 'x', sizeof big);
	memcpy(big, "250 ", 4);
	memcpy(big + 3000, "\r\n", 2);
	is_num(read_text(&r, big, 3002), REPLY_DONE, "long line read");
	ok(r.text.len <= REPLY_MAX_LINE + 4, "long line cut (%zu)",
	    r.text.len);
	/* many lines: text capped with "..." */
	for (n = 0, i = 0; i < 60; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "250-%s\r\n", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
	n += (size_t)snprintf(big + n, sizeof big - n, "250 end\r\n");
	is_num(read_text(&r, big, n), REPLY_DONE, "many lines read");
	ok(r.text.len <= REPLY_MAX_TEXT, "text capped (%zu)", r.text.len);
	ok(strstr(r.text.data, "...\n") != NULL, "cut marked");
	/* too many lines: garbage */
	for (n = 0, i = 0; i <= REPLY_MAX_LINES; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "250-z\r\n");
	n += (size_t)snprintf(big + n, sizeof big - n, "250 z\r\n");
	is_num(read_text(&r, big, n), REPLY_GARBAGE, "too many lines");
	reply_free(&r);
}

static void
test_dotstuff(void)
{
	static const struct {
		const char *name, *in, *want;
		size_t size;
	} cases[] = {
		{ "empty", "", ".\r\n", 0 },
		{ "lf", "a\nb\n", "a\r\nb\r\n.\r\n", 6 },
		{ "crlf kept", "a\r\nb\r\n", "a\r\nb\r\n.\r\n", 6 },
		{ "no final newline", "a", "a\r\n.\r\n", 3 },
		{ "leading dot", ".a\n..b\n", "..a\r\n...b\r\n.\r\n", 9 },
		{ "lone dot line", "a\n.\nb\n", "a\r\n..\r\nb\r\n.\r\n", 9 },
		{ "bare cr dot", "a\r.\r\nb\n", "a\r\n..\r\nb\r\n.\r\n", 9 },
		{ "bare lf dot", "a\n.\r\n", "a\r\n..\r\n.\r\n", 6 },
		{ "cr cr", "a\r\r.\n", "a\r\n\r\n..\r\n.\r\n", 8 },
		{ "dot at end", "a\n.", "a\r\n..\r\n.\r\n", 6 },
	};
	struct strbuf out = STRBUF_INIT;
	struct dotstuff_info info;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		strbuf_truncate(&out, 0);
		ok(dotstuff_encode(&out, cases[i].in, strlen(cases[i].in),
		       &info),
		    "%s encodes", cases[i].name);
		is_str(out.data, cases[i].want, cases[i].name);
		is_num((long long)info.size, (long long)cases[i].size,
		    cases[i].name);
	}
	strbuf_truncate(&out, 0);
	dotstuff_encode(&out, "a\xc3\xa4\n", 4, &info);
	ok(info.eightbit, "eight-bit seen");
	strbuf_free(&out);
}

int
main(void)
{
	test_replies();
	test_bounds();
	test_dotstuff();
	return done_testing();
}
