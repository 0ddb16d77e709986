/* t_addr.c - unit tests for address handling (src/lib/addr.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"

/* "a|b|c" for the addresses of S, or "ERR <status>" */
static void
parse(struct strbuf *out, const char *s, size_t len)
{
	struct addr_list l = ADDR_LIST_INIT;
	enum addr_status st;
	size_t i;

	strbuf_copys(out, "");
	st = addr_parse_list(&l, s, len);
	if (st != ADDR_OK) {
		strbuf_printf(out, "ERR %s", addr_strerror(st));
	} else {
		for (i = 0; i < l.len; i++) {
			if (i)
				strbuf_appendc(out, '|');
			strbuf_append(out, l.items[i].addr.text.data,
			    l.items[i].addr.text.len);
		}
	}
	addr_list_free(&l);
	strbuf_terminate(out);
}

static void
test_parse(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "joe@example.com", "joe@example.com" },
		{ "  joe@example.com  ", "joe@example.com" },
		{ "", "" },
		{ "   ", "" },
		{ "a@x, b@y", "a@x|b@y" },
		{ "a@x,,, b@y,", "a@x|b@y" },
		{ "Joe Bloggs <joe@example.com>", "joe@example.com" },
		{ "\"Bloggs, Joe\" <joe@example.com>, x@y",
		    "joe@example.com|x@y" },
		{ "joe@example.com (Joe Bloggs)", "joe@example.com" },
		{ "joe(a (nested) comment)@example.com", "joe@example.com" },
		{ "\"joe smith\"@example.com", "joe smith@example.com" },
		{ "\"a\\\"b\"@x", "a\"b@x" },
		{ "\"a@b\"@c", "a@b@c" },
		{ "<@r1,@r2:joe@example.com>", "joe@example.com" },
		{ "Joe <@route.example:joe@example.com>", "joe@example.com" },
		{ "<>", "" },
		{ "Undisclosed recipients:;", "" },
		{ "undisclosed-recipients:", "" },
		{ "friends: a@x, B <b@y>;, c@z", "a@x|b@y|c@z" },
		{ "joe", "joe" },
		{ "joe bob", "joe|bob" },
		{ "joe . bob @ example . com", "joe.bob@example.com" },
		{ "<a@x> <b@y>", "a@x|b@y" },
		{ "joe@[192.0.2.1]", "joe@[192.0.2.1]" },
		{ "joe@host+", "joe@host+" },
		{ "j\\ oe@x", "j oe@x" },
		{ "\"folded\r\n name\"@x", "folded name@x" },
		{ "=?utf-8?q?J=C3=B6?= <j@x>", "j@x" },
		{ "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc.example>",
		    "j\xc3\xb6rg@b\xc3\xbc.example" },
		{ "a@b.c, \"Last, First\" <f@l.example> (c), g: h@i;",
		    "a@b.c|f@l.example|h@i" },
		/* errors */
		{ "<joe@example.com", "ERR address syntax error" },
		{ "joe@example.com>", "ERR address syntax error" },
		{ "\"unterminated@x", "ERR address syntax error" },
		{ "joe (unterminated", "ERR address syntax error" },
		{ "joe@[1.2.3.4", "ERR address syntax error" },
		{ "a: b: c@d;;", "ERR address syntax error" },
		{ "a@b;", "ERR address syntax error" },
		{ "@host", "ERR address syntax error" },
		{ "<<a@b>>", "ERR address syntax error" },
		{ "<a@b, c@d>", "ERR address syntax error" },
		{ "<@route-without-colon.example>", "ERR address syntax error" },
		{ "joe)@x", "ERR address syntax error" },
		{ "jo\x01e@x", "ERR control character in address" },
		{ "\"a\\\x01\"@x", "ERR control character in address" },
		{ "trailing\\", "ERR address syntax error" },
		{ "\"\"", "ERR address syntax error" },
		{ "\"\"@x", "@x" },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[80];
		size_t k;

		/* TAP names must stay on one line */
		snprintf(name, sizeof name, "%s", cases[i].in);
		for (k = 0; name[k]; k++)
			if ((unsigned char)name[k] < 32)
				name[k] = '?';
		parse(&sb, cases[i].in, strlen(cases[i].in));
		is_str(sb.data, cases[i].want, name);
	}
	/* a NUL byte is a control character, even in a comment */
	parse(&sb, "a@b (x\0y)", 9);
	is_str(sb.data, "ERR control character in address", "NUL in comment");
	parse(&sb, "a\0b@c", 5);
	is_str(sb.data, "ERR control character in address", "NUL in atom");
	strbuf_free(&sb);
}

static void
test_spans(void)
{
	const char *s = "Joe <joe@x>, bob (B) ,\"q r\"@y z";
	struct addr_list l = ADDR_LIST_INIT;

	is_num(addr_parse_list(&l, s, strlen(s)), ADDR_OK, "spans: parse");
	is_num((long long)l.len, 4, "spans: four addresses");
	if (l.len == 4) {
		is_num((long long)l.items[0].start, 5, "angle start");
		is_num((long long)l.items[0].end, 10, "angle end");
		ok(l.items[0].angle, "angle flag");
		is_num((long long)l.items[1].start, 13, "bare start");
		is_num((long long)l.items[1].end, 16, "bare end");
		ok(!l.items[1].split && !l.items[2].split, "comma seen");
		is_num((long long)l.items[2].start, 22, "quoted start");
		is_num((long long)l.items[2].end, 29, "quoted end");
		ok(l.items[3].split, "z follows a word without a comma");
		is_num((long long)l.items[2].addr.at, 3, "at of q r@y");
	}
	addr_list_free(&l);
}

static void
test_qualify(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "joe", "joe@dhost.ddom" },
		{ "joe@host", "joe@host.ddom" },
		{ "joe@host.example", "joe@host.example" },
		{ "joe@host+", "joe@host.pdom" },
		{ "joe@host.sub+", "joe@host.sub.pdom" },
		{ "joe@", "joe@dhost.ddom" },
		{ "joe@host.example.", "joe@host.example" },
		{ "joe@.", "joe@dhost.ddom" },
		{ "joe@[192.0.2.1]", "joe@[192.0.2.1]" },
		{ "list-@example.com-@[]", "list-@example.com-@[]" },
		{ "", "" },
		{ "<>", "" },
		{ "<joe@x.y>", "joe@x.y" },
		{ "a@b@c", "a@b@c.ddom" },
	};
	struct addr_defaults d = { "dhost", "ddom", "pdom" };
	struct addr_defaults dp = { "h+", "ddom", "pdom" };
	struct addr a = ADDR_INIT;
	char big[1200];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_num(addr_set(&a, cases[i].in, strlen(cases[i].in)),
		    ADDR_OK, cases[i].in);
		is_num(addr_qualify(&a, &d), ADDR_OK, cases[i].in);
		is_str(a.text.data, cases[i].want, cases[i].in);
	}
	addr_set(&a, "joe", 3);
	addr_qualify(&a, &dp);
	is_str(a.text.data, "joe@h.pdom", "defaulthost ending in +");

	memset(big, 'x', sizeof big);
	is_num(addr_set(&a, big, 1001), ADDR_TOOLONG, "1001 bytes");
	is_num(addr_set(&a, big, 1000), ADDR_OK, "1000 bytes");
	is_num(addr_qualify(&a, &d), ADDR_TOOLONG, "too long once qualified");
	is_num((long long)a.text.len, 1000, "unchanged after a failure");
	is_num((long long)a.at, 1000, "at unchanged after a failure");
	memcpy(big + 990, "@x.example", 10);
	is_num(addr_set(&a, big, 1000), ADDR_OK, "1000 bytes with domain");
	is_num(addr_qualify(&a, &d), ADDR_OK, "1000 bytes qualified");
	is_num(addr_set(&a, "a\nb@c", 5), ADDR_CONTROL, "newline in arg");
	addr_free(&a);

	{
		/* a 1001-byte address inside a header field */
		struct addr_list l = ADDR_LIST_INIT;
		memset(big, 'y', 1001);
		memcpy(big + 1001, "@z", 2);
		is_num(addr_parse_list(&l, big, 1003), ADDR_TOOLONG,
		    "header address too long");
		addr_list_free(&l);
	}
}

static void
test_quote(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "joe@x", "joe@x" },
		{ "joe.bloggs@x", "joe.bloggs@x" },
		{ "joe smith@x", "\"joe smith\"@x" },
		{ ".joe@x", "\".joe\"@x" },
		{ "joe.@x", "\"joe.\"@x" },
		{ "jo..e@x", "\"jo..e\"@x" },
		{ "a\"b@x", "\"a\\\"b\"@x" },
		{ "a\\b@x", "\"a\\\\b\"@x" },
		{ "a@b@x", "\"a@b\"@x" },
		{ "@x", "\"\"@x" },
		{ "joe", "joe" },
		{ "j(o)e", "\"j(o)e\"" },
		{ "", "" },
		{ "user+ext=x@y", "user+ext=x@y" },
	};
	struct strbuf sb = STRBUF_INIT;
	struct addr a = ADDR_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		addr_set(&a, cases[i].in, strlen(cases[i].in));
		strbuf_copys(&sb, "");
		ok(addr_quote(&sb, &a), "quote %s", cases[i].in);
		is_str(sb.data, cases[i].want, cases[i].in);
	}
	addr_free(&a);

	/* addr_quote_str: raw envelope addresses (Return-Path, bounces):
	 * CR and LF escaped inside quotes as qmail's quote.c does, UTF-8 is
	 * atext (RFC 6531), the last '@' splits */
	static const struct {
		const char *in, *want;
	} raw[] = {
		{ "a\rb@x", "\"a\\\rb\"@x" },
		{ "a\nb@x", "\"a\\\nb\"@x" },
		{ "j\xc3\xb6rg@x", "j\xc3\xb6rg@x" },
		{ "x@y@z", "\"x@y\"@z" },
		{ "", "" },
	};
	for (i = 0; i < sizeof raw / sizeof raw[0]; i++) {
		strbuf_copys(&sb, "");
		ok(addr_quote_str(&sb, raw[i].in, strlen(raw[i].in)),
		   "quote_str %zu", i);
		is_str(sb.data, raw[i].want, "quote_str result");
	}

	static const struct {
		const char *in, *want;
		enum addr_status st;
	} uq[] = {
		{ "joe", "joe", ADDR_OK },
		{ "joe.bloggs", "joe.bloggs", ADDR_OK },
		{ "\"joe smith\"", "joe smith", ADDR_OK },
		{ "\"a\\\"b\"", "a\"b", ADDR_OK },
		{ "\"\"", "", ADDR_OK },
		{ "joe smith", NULL, ADDR_SYNTAX },
		{ ".joe", NULL, ADDR_SYNTAX },
		{ "jo..e", NULL, ADDR_SYNTAX },
		{ "\"a\"b\"", NULL, ADDR_SYNTAX },
		{ "\"a\\\"", NULL, ADDR_SYNTAX },
		{ "\"a\x01\"", NULL, ADDR_CONTROL },
		{ "", NULL, ADDR_SYNTAX },
	};
	for (i = 0; i < sizeof uq / sizeof uq[0]; i++) {
		enum addr_status st;

		strbuf_copys(&sb, "");
		st = addr_unquote_local(&sb, uq[i].in, strlen(uq[i].in));
		is_num(st, uq[i].st, uq[i].in);
		if (uq[i].want)
			is_str(sb.data, uq[i].want, uq[i].in);
	}
	is_num((long long)addr_split("a@b@c", 5), 3, "split at last @");
	is_num((long long)addr_split("abc", 3), 3, "split without @");
	strbuf_free(&sb);
}

static void
test_hostile(void)
{
	/* long runs of each special: bounded, no crash */
	static const char specials[] = "()<>@,;:\\\".[] a\"";
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(200000);
	size_t i;

	for (i = 0; i < sizeof specials - 1; i++) {
		memset(big, specials[i], 200000);
		parse(&sb, big, 200000);
		ok(sb.data != NULL, "200000 x '%c'", specials[i]);
	}
	for (i = 0; i < 200000; i++)
		big[i] = "(\\"[i % 2]; /* (\(\(\... */
	parse(&sb, big, 200000);
	is_str(sb.data, "ERR address syntax error", "deep comment");
	for (i = 0; i < 200000; i++)
		big[i] = "a,"[i % 2];
	parse(&sb, big, 200000);
	ok(strlen(sb.data) == 199999, "100000 addresses");
	free(big);
	strbuf_free(&sb);
}

int
main(void)
{
	test_parse();
	test_spans();
	test_qualify();
	test_quote();
	test_hostile();
	return done_testing();
}
