/* t_bounce.c - unit tests for QSBMF bounce composition (src/lib/bounce.c) */
#include <string.h>

#include "bounce.h"
#include "tap.h"

static void
test_classify(void)
{
	struct strbuf sb = STRBUF_INIT;

	is_num(bounce_classify("joe@example.com"), BOUNCE_SINGLE, "single");
	is_num(bounce_classify(""), BOUNCE_DOUBLE, "double");
	is_num(bounce_classify("#@[]"), BOUNCE_TRIPLE, "triple");
	bounce_unverp(&sb, "owner-@list.example-@[]");
	is_str(sb.data, "owner-@list.example", "VERP sender reduced");
	bounce_unverp(&sb, "joe@example.com");
	is_str(sb.data, "joe@example.com", "plain sender kept");
	bounce_unverp(&sb, "");
	is_str(sb.data, "", "empty sender kept");
	bounce_unverp(&sb, "-@[]");
	is_str(sb.data, "", "bare -@[]");
	strbuf_free(&sb);
}

static void
test_report(void)
{
	static const struct {
		const char *name, *recip, *report, *want;
	} cases[] = {
	    {"one line", "joe@example.com",
	     "Sorry, no mailbox here by that name. (#5.1.1)\n",
	     "<joe@example.com>:\n"
	     "Sorry, no mailbox here by that name. (#5.1.1)\n\n"},
	    {"newline added", "a@b", "no", "<a@b>:\nno\n\n"},
	    {"empty report", "a@b", "", "<a@b>:\n\n"},
	    {"blank lines become /", "a@b", "x\n\ny\n\n\nz\n",
	     "<a@b>:\nx\n/y\n//z\n\n"}, /* as qmail's addbounce */
	    {"newline in address", "a\nb@c", "r\n", "<a_b@c>:\nr\n\n"},
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sb.len = 0;
		ok(bounce_append_report(&sb, cases[i].recip, cases[i].report),
		   "%s: ok", cases[i].name);
		is_str(sb.data, cases[i].want, cases[i].name);
	}
	/* two reports follow each other as paragraphs */
	sb.len = 0;
	bounce_append_report(&sb, "a@b", "one\n");
	bounce_append_report(&sb, "c@d", "two\n");
	is_str(sb.data, "<a@b>:\none\n\n<c@d>:\ntwo\n\n", "two paragraphs");
	strbuf_free(&sb);
}

static void
test_quote(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"joe@example.com", "joe@example.com"},
	    {"", ""},
	    {"#@[]", "#@[]"},
	    {"joe smith@example.com", "\"joe smith\"@example.com"},
	    {"a.b@c", "a.b@c"},
	    {".a@c", "\".a\"@c"},
	    {"a..b@c", "\"a..b\"@c"},
	    {"a\"b@c", "\"a\\\"b\"@c"},
	    {"nodomain", "nodomain"},
	    {"x@y@z", "\"x@y\"@z"},
	    {"j\xc3\xb6rg@x", "j\xc3\xb6rg@x"}, /* UTF-8: RFC 6531 atext */
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sb.len = 0;
		bounce_quote(&sb, cases[i].in);
		strbuf_terminate(&sb);
		is_str(sb.data, cases[i].want, cases[i].in);
	}
	strbuf_free(&sb);
}

static void
test_message(void)
{
	struct strbuf sb = STRBUF_INIT;

	bounce_date(&sb, 0);
	is_str(sb.data, "Date: 1 Jan 1970 00:00:00 -0000\n", "epoch");
	sb.len = 0;
	bounce_date(&sb, 1707474153);
	is_str(sb.data, "Date: 9 Feb 2024 10:22:33 -0000\n", "a 2024 date");

	sb.len = 0;
	ok(bounce_head(&sb, BOUNCE_SINGLE, "MAILER-DAEMON", "host.example",
		       "joe@example.com", 1707474153),
	   "single head");
	is_str(sb.data,
	       "Date: 9 Feb 2024 10:22:33 -0000\n"
	       "From: MAILER-DAEMON@host.example\n"
	       "To: joe@example.com\n"
	       "Subject: failure notice\n"
	       "\n"
	       "Hi. This is the qmail-send program at host.example.\n"
	       "I'm afraid I wasn't able to deliver your message to the "
	       "following addresses.\n"
	       "This is a permanent error; I've given up. Sorry it didn't work "
	       "out.\n"
	       "\n",
	       "QSBMF head of a bounce");
	sb.len = 0;
	bounce_separator(&sb, BOUNCE_SINGLE, "joe@example.com");
	is_str(sb.data,
	       "--- Below this line is a copy of the message.\n\n"
	       "Return-Path: <joe@example.com>\n",
	       "bounce separator");

	sb.len = 0;
	bounce_head(&sb, BOUNCE_DOUBLE, "MAILER-DAEMON", "host.example",
		    "postmaster@host.example", 0);
	ok(strstr(sb.data, "To: postmaster@host.example\n") != NULL,
	   "double bounce to doublebounceto");
	ok(strstr(sb.data,
		  "Hi. This is the qmail-send program at "
		  "host.example.\nI tried to deliver a bounce message "
		  "to this address, but the bounce bounced!\n\n") != NULL,
	   "double bounce text");
	sb.len = 0;
	bounce_separator(&sb, BOUNCE_DOUBLE, "");
	is_str(sb.data,
	       "--- Below this line is the original bounce.\n\n"
	       "Return-Path: <>\n",
	       "double bounce separator");
	sb.len = 0;
	bounce_head(&sb, BOUNCE_SINGLE, "odd from", "h", "a b@c", 0);
	ok(strstr(sb.data, "From: \"odd from\"@h\nTo: \"a b\"@c\n") != NULL,
	   "From and To are quoted");
	/* bouncefrom is a local part as a whole, even with an '@' or empty */
	sb.len = 0;
	bounce_head(&sb, BOUNCE_SINGLE, "x@y", "h", "a@c", 0);
	ok(strstr(sb.data, "From: \"x@y\"@h\n") != NULL,
	   "an '@' in bouncefrom is quoted");
	sb.len = 0;
	bounce_head(&sb, BOUNCE_SINGLE, "", "h", "a@c", 0);
	ok(strstr(sb.data, "From: \"\"@h\n") != NULL,
	   "an empty bouncefrom is \"\"");
	strbuf_free(&sb);
}

int
main(void)
{
	test_classify();
	test_report();
	test_quote();
	test_message();
	return done_testing();
}
