/* t_tlsdest.c - unit tests for control/tlsdestinations and
 * control/domaincerts parsing and lookup (src/lib/tlsdest.c). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "tap.h"
#include "tlsdest.h"

#define FP40 "0123456789ABCDEF0123456789abcdef01234567"
#define FP64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
test_parse(void)
{
	static const struct {
		const char *line;
		int ok;
		int level;
		const char *dest, *cafile, *ciphers;
		unsigned depth;
		unsigned long port;
		const char *sender;
	} cases[] = {
		/* the general keys */
		{ "-:", 1, TLSDEST_ANON, "", "", "", 0, 0, "" },
		{ "*:", 1, TLSDEST_VERIFY, "", "", "", 0, 0, "" },
		{ "*:/etc/ca.pem", 1, TLSDEST_VERIFY, "", "/etc/ca.pem", "", 0,
		    0, "" },
		{ "-*:", 1, TLSDEST_MUST_ANON, "", "", "", 0, 0, "" },
		{ "+*:", 1, TLSDEST_MUST_CERT, "", "", "", 0, 0, "" },
		{ "~*:", 1, TLSDEST_MUST_WILD, "", "", "", 0, 0, "" },
		{ "=*:", 1, TLSDEST_MUST_NAME, "", "", "", 0, 0, "" },
		/* per destination */
		{ "!mx.example:", 1, TLSDEST_NEVER, "mx.example", "", "", 0, 0,
		    "" },
		{ "!.example:", 1, TLSDEST_NEVER, ".example", "", "", 0, 0, "" },
		{ "mx.example:", 1, TLSDEST_MUST_CERT, "mx.example", "", "", 0,
		    0, "" },
		{ "~.example:ca/|HIGH:!aNULL|3;587|sender.test", 1,
		    TLSDEST_MUST_WILD, ".example", "ca/", "HIGH:!aNULL", 3, 587,
		    "sender.test" },
		{ "=mx.example:ca.pem||2", 1, TLSDEST_MUST_NAME, "mx.example",
		    "ca.pem", "", 2, 0, "" },
		{ "-mx.example:", 1, TLSDEST_MUST_ANON, "mx.example", "", "", 0,
		    0, "" },
		{ "mx.example:;465", 1, TLSDEST_MUST_CERT, "mx.example", "", "",
		    0, 465, "" },
		{ "-127.0.0.1:ca.pem;465", 1, TLSDEST_MUST_ANON, "127.0.0.1",
		    "ca.pem", "", 0, 465, "" },
		{ "[2001:db8::1]:||;25", 1, TLSDEST_MUST_CERT, "2001:db8::1",
		    "", "", 0, 25, "" },
		{ "%mx.example:=" FP40, 1, TLSDEST_PIN, "mx.example", "", "", 0,
		    0, "" },
		{ "%mx.example:=" FP64 "|HIGH|;465", 1, TLSDEST_PIN,
		    "mx.example", "", "HIGH", 0, 465, "" },
		{ "mx.example:=" FP64, 1, TLSDEST_PIN, "mx.example", "", "", 0,
		    0, "" },
		/* malformed */
		{ "", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ ":ca.pem", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "!mx.example:ca.pem", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "%mx.example:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "%mx.example:ca.pem", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "%.example:=" FP40, 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "=.example:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "%mx.example:=0123", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "%mx.example:=" FP40 "x", 0, 0, NULL, NULL, NULL, 0, 0,
		    NULL },
		{ "*:=" FP40, 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:;0", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:;65536", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:;", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:ca|c|101", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:ca|c|x", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:ca|c|1;25|", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:ca|c|1|s.test|x", 0, 0, NULL, NULL, NULL, 0, 0,
		    NULL },
		{ "mx.example:ca;25|c", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx.example:c a.pem", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "m x.example:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "mx/x:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ ".:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "[2001:db8::1:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "[2001:db8::g]:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
		{ "[]:", 0, 0, NULL, NULL, NULL, 0, 0, NULL },
	};
	struct tlsdest t;
	char dest[TLSDEST_FIELD_MAX + 1], name[160];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = tlsdest_parse_line(cases[i].line, &t, dest);

		snprintf(name, sizeof name, "parse '%s'", cases[i].line);
		is_num(got, cases[i].ok, name);
		if (!got || !cases[i].ok)
			continue;
		is_num(t.level, cases[i].level, name);
		is_str(dest, cases[i].dest, name);
		is_str(t.cafile, cases[i].cafile, name);
		is_str(t.ciphers, cases[i].ciphers, name);
		is_num(t.verifydepth, cases[i].depth, name);
		is_num((long long)t.port, (long long)cases[i].port, name);
		is_str(t.sender_domain, cases[i].sender, name);
	}
	ok(tlsdest_parse_line("%mx:=" FP40, &t, NULL) &&
	    strcmp(t.fingerprint, "0123456789abcdef0123456789abcdef01234567")
		== 0, "fingerprint is lower-cased");
}

static void
test_lookup(void)
{
	static const char file[] =
	    "!plain.example:\n"
	    "=mx.example:exact.pem\n"
	    "~.example:wild.pem\n"
	    "-anon.example:\n"
	    "relay.test:;465\n"
	    "%pin.test:=" FP40 "\n"
	    "~only.test:ca1|||a.test\n"
	    "~only.test:ca2|||b.test\n"
	    "[2001:db8::1]:v6.pem\n"
	    "*:default.pem\n";
	static const struct {
		const char *host, *sender;
		int found, level;
		const char *cafile;
		unsigned long port;
	} cases[] = {
		{ "plain.example", "", 1, TLSDEST_NEVER, "", 0 },
		{ "mx.example", "", 1, TLSDEST_MUST_NAME, "exact.pem", 0 },
		{ "MX.EXAMPLE", "", 1, TLSDEST_MUST_NAME, "exact.pem", 0 },
		{ "a.b.example", "", 1, TLSDEST_MUST_WILD, "wild.pem", 0 },
		{ "anon.example", "", 1, TLSDEST_MUST_WILD, "wild.pem", 0 },
		{ "example", "", 1, TLSDEST_VERIFY, "default.pem", 0 },
		{ "notexample", "", 1, TLSDEST_VERIFY, "default.pem", 0 },
		{ "relay.test", "", 1, TLSDEST_MUST_CERT, "", 465 },
		{ "pin.test", "", 1, TLSDEST_PIN, "", 0 },
		{ "only.test", "a.test", 1, TLSDEST_MUST_WILD, "ca1", 0 },
		{ "only.test", "B.TEST", 1, TLSDEST_MUST_WILD, "ca2", 0 },
		{ "only.test", "c.test", 1, TLSDEST_VERIFY, "default.pem", 0 },
		{ "2001:db8::1", "", 1, TLSDEST_MUST_CERT, "v6.pem", 0 },
	};
	struct strlist lines = STRLIST_INIT, empty = STRLIST_INIT;
	struct tlsdest t;
	char name[160];
	size_t i, bad = 99;

	ok(ctl_split_lines(&lines, file, sizeof file - 1), "split");
	ok(tlsdest_check(&lines, &bad), "whole file checks");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum tlsdest_status st = tlsdest_lookup(&lines, cases[i].host,
		    cases[i].sender, &t);

		snprintf(name, sizeof name, "lookup %s from %s", cases[i].host,
		    cases[i].sender);
		is_num(st == TLSDEST_FOUND, cases[i].found, name);
		is_num(t.level, cases[i].level, name);
		is_str(t.cafile, cases[i].cafile, name);
		is_num((long long)t.port, (long long)cases[i].port, name);
	}
	/* kinds come first, then specificity: "~.example" beats
	 * "-anon.example" (s/qmail's order; see anon.example above) */
	is_num(tlsdest_lookup(&empty, "x.test", "", &t), TLSDEST_NONE,
	    "no file: no rule");
	is_num(t.level, TLSDEST_DEFAULT, "no file: default level");
	strlist_free(&lines);
	ok(ctl_split_lines(&lines, "*:\nbad line\n", 11), "split bad");
	ok(!tlsdest_check(&lines, &bad) && bad == 1, "bad line found");
	strlist_free(&lines);
}

static void
test_domaincerts(void)
{
	static const char file[] = "example.com:ex.pem\n"
				   ".sub.test:sub.pem|sub.key\n"
				   "*:def.pem|def.key|pa|ss word\n";
	static const struct {
		const char *domain;
		int found;
		const char *cert, *key, *password;
	} cases[] = {
		{ "example.com", 1, "ex.pem", "", "" },
		{ "EXAMPLE.COM", 1, "ex.pem", "", "" },
		{ "a.sub.test", 1, "sub.pem", "sub.key", "" },
		{ "sub.test", 1, "def.pem", "def.key", "pa|ss word" },
		{ "notexample.com", 1, "def.pem", "def.key", "pa|ss word" },
		{ "", 1, "def.pem", "def.key", "pa|ss word" },
	};
	static const struct {
		const char *line;
		int ok;
	} checks[] = {
		{ "a.test:c.pem", 1 },
		{ "*:c.pem||pw", 1 },
		{ "a.test:", 0 },
		{ "a.test:|k.pem", 0 },
		{ ":c.pem", 0 },
		{ "a test:c.pem", 0 },
		{ "a.test", 0 },
		{ "a.test:c.pem|k.pem|p\tw", 0 },
	};
	struct strlist lines = STRLIST_INIT;
	struct domaincert d;
	char name[160];
	size_t i, bad;

	ok(ctl_split_lines(&lines, file, sizeof file - 1), "split certs");
	ok(domaincerts_check(&lines, &bad), "domaincerts check");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(name, sizeof name, "domaincert '%s'",
		    cases[i].domain);
		is_num(domaincert_lookup(&lines, cases[i].domain, &d) ==
			TLSDEST_FOUND,
		    cases[i].found, name);
		is_str(d.certfile, cases[i].cert, name);
		is_str(d.keyfile, cases[i].key, name);
		is_str(d.password, cases[i].password, name);
	}
	strlist_free(&lines);
	for (i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		ok(ctl_split_lines(&lines, checks[i].line,
		       strlen(checks[i].line)),
		    "split");
		snprintf(name, sizeof name, "domaincerts '%s'",
		    checks[i].line);
		is_num(domaincerts_check(&lines, &bad), checks[i].ok, name);
		strlist_free(&lines);
	}
}

int
main(void)
{
	test_parse();
	test_lookup();
	test_domaincerts();
	return done_testing();
}
