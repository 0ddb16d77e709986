/* t_smtpdata.c - the DATA decoder: dot-unstuffing, the only real end,
 * smuggling variants, hops and size. Every case is also fed one byte at
 * a time, so chunk boundaries cannot change the result. */
#include <string.h>

#include "smtpdata.h"
#include "strbuf.h"
#include "tap.h"

static void
collect(void *ctx, const char *p, size_t n)
{
	strbuf_append(ctx, p, n);
}

static const struct {
	const char *name, *in;
	bool done;
	unsigned flags;
	const char *out;
} cases[] = {
	{ "simple", "a\r\nb\r\n.\r\n", true, 0, "a\nb\n" },
	{ "empty", ".\r\n", true, 0, "" },
	{ "dot stuffed", "..x\r\n.\r\n", true, 0, ".x\n" },
	{ "LF.LF does not end", "a\n.\nb\r\n.\r\n", true, SMTPDATA_BARELF,
	    NULL },
	{ "LF.CRLF does not end", "a\n.\r\nb\r\n.\r\n", true, SMTPDATA_BARELF,
	    NULL },
	{ "CRLF.LF does not end", "a\r\n.\nb\r\n.\r\n", true, SMTPDATA_BARELF,
	    NULL },
	{ "CR.CR does not end", "a\r.\rb\r\n.\r\n", true, SMTPDATA_BARECR,
	    NULL },
	{ "CRLF.CR does not end", "a\r\n.\rb\r\n.\r\n", true, SMTPDATA_BARECR,
	    NULL },
	{ "no end yet", "a\r\n.\n", false, SMTPDATA_BARELF, NULL },
	{ "NUL kept", "a\0b\r\n.\r\n", true, 0, NULL },
};

static void
run(const char *name, const char *in, size_t len, bool bytewise,
    bool done, unsigned flags, const char *out)
{
	struct strbuf got = STRBUF_INIT;
	struct smtpdata d;
	size_t i, used = 0;

	smtpdata_init(&d, 0, collect, &got);
	if (bytewise)
		for (i = 0; i < len && !d.done; i++)
			used += smtpdata_feed(&d, in + i, 1);
	else
		used = smtpdata_feed(&d, in, len);
	smtpdata_flush(&d);
	ok(d.done == done && d.flags == flags, "%s%s: done %d flags %u", name,
	    bytewise ? " (bytewise)" : "", d.done, d.flags);
	if (out != NULL)
		ok(got.len == strlen(out) &&
		    (got.len == 0 || memcmp(got.data, out, got.len) == 0),
		    "%s%s: output", name, bytewise ? " (bytewise)" : "");
	if (done)
		is_num((long long)used, (long long)len, "consumed to the end");
	strbuf_free(&got);
}

int
main(void)
{
	struct strbuf msg = STRBUF_INIT, got = STRBUF_INIT;
	struct smtpdata d;
	size_t i, used;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = strlen(cases[i].in);

		if (strcmp(cases[i].name, "NUL kept") == 0)
			len = 8;
		run(cases[i].name, cases[i].in, len, false, cases[i].done,
		    cases[i].flags, cases[i].out);
		run(cases[i].name, cases[i].in, len, true, cases[i].done,
		    cases[i].flags, cases[i].out);
	}

	/* the end leaves pipelined commands unread */
	smtpdata_init(&d, 0, collect, &got);
	used = smtpdata_feed(&d, "x\r\n.\r\nQUIT\r\n", 12);
	is_num((long long)used, 6, "stops right after the end");

	/* hops: 100 Received/Delivered-To in the header, none after it */
	for (i = 0; i < 60; i++)
		strbuf_appends(&msg, "Received: from x\r\n");
	for (i = 0; i < 40; i++)
		strbuf_appends(&msg, "DELIVERED-TO: y\r\n");
	strbuf_appends(&msg, "\r\nReceived: in the body\r\n.\r\n");
	smtpdata_init(&d, 0, NULL, NULL);
	smtpdata_feed(&d, msg.data, msg.len);
	is_num((long long)d.hops, 100, "hops counted in the header only");

	/* size: past the limit output stops, the end is still found */
	got.len = 0;
	smtpdata_init(&d, 5, collect, &got);
	smtpdata_feed(&d, "123456789\r\n.\r\n", 14);
	smtpdata_flush(&d);
	ok(d.done && (d.flags & SMTPDATA_TOOBIG) && got.len == 5,
	    "TOOBIG after 5 bytes");
	strbuf_free(&msg);
	strbuf_free(&got);
	return done_testing();
}
