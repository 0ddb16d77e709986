/* t_sasl.c - unit tests for the SMTP AUTH state machines (src/lib/sasl.c):
 * PLAIN, LOGIN and CRAM-MD5 exchanges as tables of client lines and the
 * replies and checkpassword data they must produce, plus SMTPAUTH parsing.
 * In the tables '|' stands for a NUL byte, and client text marked E is
 * base64-encoded by the test before it is fed in. */
#include <string.h>

#include "base64.h"
#include "sasl.h"
#include "tap.h"

#define ALL                                                    \
	(SASL_MECH_BIT(SASL_PLAIN) | SASL_MECH_BIT(SASL_LOGIN) | \
	    SASL_MECH_BIT(SASL_CRAM_MD5))
#define CHAL "<1896.697170952@postoffice.reston.mci.net>"
#define CRAM_B64 "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
#define P_USER "334 VXNlcm5hbWU6"
#define P_PASS "334 UGFzc3dvcmQ6"

#define R_BASE64 "501 malformed base64 (#5.5.2)"
#define R_PLAIN "501 malformed AUTH PLAIN response (#5.5.2)"
#define R_LOGIN "501 malformed AUTH LOGIN response (#5.5.2)"
#define R_CRAM "501 malformed AUTH CRAM-MD5 response (#5.5.2)"
#define R_CANCEL "501 AUTH exchange cancelled (#5.0.0)"
#define R_UNKNOWN "504 unrecognized authentication type (#5.5.4)"
#define R_SYNTAX "501 syntax: AUTH mechanism [initial-response] (#5.5.4)"

enum { RAW, E };

struct step {
	int enc;
	const char *text; /* NULL ends the list */
	enum sasl_status st;
	const char *reply;
};

static const struct {
	const char *name;
	unsigned allowed;
	int enc;	 /* how the initial response in ARG is given */
	const char *arg; /* AUTH argument; after the first space, if E,
			    the rest is encoded */
	enum sasl_status st;
	const char *reply;
	struct step steps[4];
	const char *cred; /* on SASL_DONE, with '|' for NUL */
	const char *user;
} exchanges[] = {
	/* PLAIN, RFC 4616 */
	{ "plain initial", ALL, E, "PLAIN |tim|tanstaaftanstaaf", SASL_DONE,
	    "", { { 0 } }, "tim|tanstaaftanstaaf|", "tim" },
	{ "plain lower case mech", ALL, E, "plain |tim|pw", SASL_DONE, "",
	    { { 0 } }, "tim|pw|", "tim" },
	{ "plain authzid = authcid", ALL, E, "PLAIN tim|tim|pw", SASL_DONE,
	    "", { { 0 } }, "tim|pw|", "tim" },
	{ "plain other authzid", ALL, E, "PLAIN bob|tim|pw", SASL_FAIL,
	    "535 authorization identity not permitted (#5.7.8)", { { 0 } },
	    NULL, NULL },
	{ "plain prefix authzid", ALL, E, "PLAIN ti|tim|pw", SASL_FAIL,
	    "535 authorization identity not permitted (#5.7.8)", { { 0 } },
	    NULL, NULL },
	{ "plain empty pass", ALL, E, "PLAIN |tim|", SASL_FAIL, R_PLAIN,
	    { { 0 } }, NULL, NULL },
	{ "plain empty user", ALL, E, "PLAIN ||pw", SASL_FAIL, R_PLAIN,
	    { { 0 } }, NULL, NULL },
	{ "plain one NUL", ALL, E, "PLAIN tim|pw", SASL_FAIL, R_PLAIN,
	    { { 0 } }, NULL, NULL },
	{ "plain no NUL", ALL, E, "PLAIN timpw", SASL_FAIL, R_PLAIN,
	    { { 0 } }, NULL, NULL },
	{ "plain three NULs", ALL, E, "PLAIN |tim|pw|x", SASL_FAIL, R_PLAIN,
	    { { 0 } }, NULL, NULL },
	{ "plain control char in user", ALL, E, "PLAIN |t\x01m|pw",
	    SASL_FAIL, R_PLAIN, { { 0 } }, NULL, NULL },
	{ "plain CR LF in user", ALL, E, "PLAIN |tim\r\nX: y|pw", SASL_FAIL,
	    R_PLAIN, { { 0 } }, NULL, NULL },
	{ "plain utf-8 user", ALL, E, "PLAIN |j\xc3\xb6rg|pw", SASL_DONE,
	    "", { { 0 } }, "j\xc3\xb6rg|pw|", "j\xc3\xb6rg" },
	{ "plain '=' is empty", ALL, RAW, "PLAIN =", SASL_FAIL, R_PLAIN,
	    { { 0 } }, NULL, NULL },
	{ "plain bad base64", ALL, RAW, "PLAIN AHRpbQB0aW0", SASL_FAIL,
	    R_BASE64, { { 0 } }, NULL, NULL },
	{ "plain non-canonical", ALL, RAW, "PLAIN dGh=", SASL_FAIL, R_BASE64,
	    { { 0 } }, NULL, NULL },
	{ "plain two spaces", ALL, E, "PLAIN  |tim|pw", SASL_DONE, "",
	    { { 0 } }, "tim|pw|", "tim" },
	{ "plain trailing space", ALL, RAW, "PLAIN ", SASL_CONTINUE, "334 ",
	    { { E, "|tim|pw", SASL_DONE, "" }, { 0 } }, "tim|pw|", "tim" },
	{ "plain two arguments", ALL, RAW, "PLAIN AHRpbQBwdw== x", SASL_FAIL,
	    R_SYNTAX, { { 0 } }, NULL, NULL },
	{ "plain prompt", ALL, RAW, "PLAIN", SASL_CONTINUE, "334 ",
	    { { E, "|tim|pw", SASL_DONE, "" }, { 0 } }, "tim|pw|", "tim" },
	{ "plain prompt cancel", ALL, RAW, "PLAIN", SASL_CONTINUE, "334 ",
	    { { RAW, "*", SASL_FAIL, R_CANCEL }, { 0 } }, NULL, NULL },
	{ "plain prompt empty line", ALL, RAW, "PLAIN", SASL_CONTINUE, "334 ",
	    { { RAW, "", SASL_FAIL, R_PLAIN }, { 0 } }, NULL, NULL },
	{ "plain prompt bad base64", ALL, RAW, "PLAIN", SASL_CONTINUE, "334 ",
	    { { RAW, "AHRpbQ B0aW0=", SASL_FAIL, R_BASE64 }, { 0 } }, NULL,
	    NULL },
	{ "plain prompt '**'", ALL, RAW, "PLAIN", SASL_CONTINUE, "334 ",
	    { { RAW, "**", SASL_FAIL, R_BASE64 }, { 0 } }, NULL, NULL },
	{ "plain not allowed", SASL_MECH_BIT(SASL_CRAM_MD5), E,
	    "PLAIN |tim|pw", SASL_FAIL, R_UNKNOWN, { { 0 } }, NULL, NULL },

	/* LOGIN */
	{ "login", ALL, RAW, "LOGIN", SASL_CONTINUE, P_USER,
	    { { E, "tim", SASL_CONTINUE, P_PASS },
		{ E, "tanstaaf", SASL_DONE, "" }, { 0 } },
	    "tim|tanstaaf|", "tim" },
	{ "login initial user", ALL, E, "LOGIN tim", SASL_CONTINUE, P_PASS,
	    { { E, "pw", SASL_DONE, "" }, { 0 } }, "tim|pw|", "tim" },
	{ "login initial '='", ALL, RAW, "LOGIN =", SASL_FAIL, R_LOGIN,
	    { { 0 } }, NULL, NULL },
	{ "login cancel at user", ALL, RAW, "LOGIN", SASL_CONTINUE, P_USER,
	    { { RAW, "*", SASL_FAIL, R_CANCEL }, { 0 } }, NULL, NULL },
	{ "login cancel at password", ALL, RAW, "LOGIN", SASL_CONTINUE,
	    P_USER,
	    { { E, "tim", SASL_CONTINUE, P_PASS },
		{ RAW, "*", SASL_FAIL, R_CANCEL }, { 0 } },
	    NULL, NULL },
	{ "login empty user", ALL, RAW, "LOGIN", SASL_CONTINUE, P_USER,
	    { { RAW, "", SASL_FAIL, R_LOGIN }, { 0 } }, NULL, NULL },
	{ "login NUL in user", ALL, RAW, "LOGIN", SASL_CONTINUE, P_USER,
	    { { E, "t|m", SASL_FAIL, R_LOGIN }, { 0 } }, NULL, NULL },
	{ "login empty password", ALL, RAW, "LOGIN", SASL_CONTINUE, P_USER,
	    { { E, "tim", SASL_CONTINUE, P_PASS },
		{ RAW, "", SASL_FAIL, R_LOGIN }, { 0 } },
	    NULL, NULL },
	{ "login NUL in password", ALL, RAW, "LOGIN", SASL_CONTINUE, P_USER,
	    { { E, "tim", SASL_CONTINUE, P_PASS },
		{ E, "p|w", SASL_FAIL, R_LOGIN }, { 0 } },
	    NULL, NULL },
	{ "login bad base64 password", ALL, RAW, "LOGIN", SASL_CONTINUE,
	    P_USER,
	    { { E, "tim", SASL_CONTINUE, P_PASS },
		{ RAW, "cHc", SASL_FAIL, R_BASE64 }, { 0 } },
	    NULL, NULL },
	{ "login password with spaces and colon", ALL, RAW, "LOGIN",
	    SASL_CONTINUE, P_USER,
	    { { E, "tim@example.org", SASL_CONTINUE, P_PASS },
		{ E, "a b:c", SASL_DONE, "" }, { 0 } },
	    "tim@example.org|a b:c|", "tim@example.org" },

	/* CRAM-MD5, RFC 2195 */
	{ "cram rfc 2195", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "tim b913a602c7eda7a495b4e6e7334d3890", SASL_DONE, "" },
		{ 0 } },
	    "tim|b913a602c7eda7a495b4e6e7334d3890|" CHAL "|", "tim" },
	{ "cram upper-case digest", ALL, RAW, "cram-md5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "tim B913A602C7EDA7A495B4E6E7334D3890", SASL_DONE, "" },
		{ 0 } },
	    "tim|b913a602c7eda7a495b4e6e7334d3890|" CHAL "|", "tim" },
	{ "cram user with space", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "t m b913a602c7eda7a495b4e6e7334d3890", SASL_DONE, "" },
		{ 0 } },
	    "t m|b913a602c7eda7a495b4e6e7334d3890|" CHAL "|", "t m" },
	{ "cram initial response", ALL, E, "CRAM-MD5 x", SASL_FAIL,
	    "501 CRAM-MD5 takes no initial response (#5.5.2)", { { 0 } },
	    NULL, NULL },
	{ "cram short digest", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "tim b913a602c7eda7a495b4e6e7334d389", SASL_FAIL, R_CRAM },
		{ 0 } },
	    NULL, NULL },
	{ "cram long digest", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "tim b913a602c7eda7a495b4e6e7334d38900", SASL_FAIL,
		  R_CRAM },
		{ 0 } },
	    NULL, NULL },
	{ "cram non-hex digest", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "tim g913a602c7eda7a495b4e6e7334d3890", SASL_FAIL, R_CRAM },
		{ 0 } },
	    NULL, NULL },
	{ "cram no user", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, " b913a602c7eda7a495b4e6e7334d3890", SASL_FAIL, R_CRAM },
		{ 0 } },
	    NULL, NULL },
	{ "cram no space", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "timb913a602c7eda7a495b4e6e7334d3890", SASL_FAIL, R_CRAM },
		{ 0 } },
	    NULL, NULL },
	{ "cram NUL in user", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64,
	    { { E, "t|m b913a602c7eda7a495b4e6e7334d3890", SASL_FAIL, R_CRAM },
		{ 0 } },
	    NULL, NULL },
	{ "cram cancel", ALL, RAW, "CRAM-MD5", SASL_CONTINUE,
	    "334 " CRAM_B64, { { RAW, "*", SASL_FAIL, R_CANCEL }, { 0 } },
	    NULL, NULL },
	{ "cram not allowed", SASL_MECH_BIT(SASL_PLAIN), RAW, "CRAM-MD5",
	    SASL_FAIL, R_UNKNOWN, { { 0 } }, NULL, NULL },

	/* the AUTH argument */
	{ "unknown mechanism", ALL, RAW, "DIGEST-MD5", SASL_FAIL, R_UNKNOWN,
	    { { 0 } }, NULL, NULL },
	{ "prefix of a mechanism", ALL, RAW, "PLAI", SASL_FAIL, R_UNKNOWN,
	    { { 0 } }, NULL, NULL },
	{ "no mechanism", ALL, RAW, "", SASL_FAIL, R_SYNTAX, { { 0 } }, NULL,
	    NULL },
	{ "leading space", ALL, RAW, " PLAIN", SASL_FAIL, R_SYNTAX, { { 0 } },
	    NULL, NULL },
};

/* unbar: copies S to OUT with '|' turned into NUL; returns the length */
static size_t
unbar(char *out, const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		out[i] = s[i] == '|' ? '\0' : s[i];
	return i;
}

static void
bar(char *out, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = p[i] == '\0' ? '|' : p[i];
	out[len] = '\0';
}

static void
line_for(struct strbuf *out, int enc, const char *text)
{
	char raw[256];
	size_t n;

	strbuf_truncate(out, 0);
	if (enc == RAW) {
		strbuf_appends(out, text);
		return;
	}
	n = unbar(raw, text);
	base64_encode_sb(out, raw, n);
}

static void
test_exchanges(void)
{
	struct sasl s = SASL_INIT;
	struct strbuf arg = STRBUF_INIT, line = STRBUF_INIT;
	char got[600];
	enum sasl_status st;
	size_t i, j;

	for (i = 0; i < sizeof exchanges / sizeof exchanges[0]; i++) {
		const char *a = exchanges[i].arg, *sp = strchr(a, ' ');

		strbuf_truncate(&arg, 0);
		if (exchanges[i].enc == E && sp != NULL) {
			strbuf_append(&arg, a, (size_t)(sp - a) + 1);
			while (sp[1] == ' ') /* keep extra spaces raw */
				strbuf_appendc(&arg, *++sp);
			line_for(&line, E, sp + 1);
			strbuf_append(&arg, line.data, line.len);
		} else {
			strbuf_appends(&arg, a);
		}
		strbuf_terminate(&arg);
		st = sasl_begin(&s, arg.data, arg.len, exchanges[i].allowed, CHAL);
		is_num(st, exchanges[i].st, exchanges[i].name);
		is_str(s.reply.data ? s.reply.data : "", exchanges[i].reply,
		    "begin reply");
		for (j = 0; st == SASL_CONTINUE && exchanges[i].steps[j].text;
		     j++) {
			const struct step *stp = &exchanges[i].steps[j];

			line_for(&line, stp->enc, stp->text);
			st = sasl_step(&s, line.data ? line.data : "",
			    line.len);
			is_num(st, stp->st, "step status");
			is_str(s.reply.data ? s.reply.data : "", stp->reply,
			    "step reply");
		}
		if (exchanges[i].cred != NULL) {
			ok(st == SASL_DONE, "%s: done", exchanges[i].name);
			bar(got, s.cred.data ? s.cred.data : "", s.cred.len);
			is_str(got, exchanges[i].cred, "checkpassword data");
			is_str(s.user.data, exchanges[i].user, "user");
		} else {
			ok(st == SASL_FAIL, "%s: failed", exchanges[i].name);
			ok(s.cred.len == 0, "no checkpassword data");
		}
		/* after the end, a stray line is refused */
		is_num(sasl_step(&s, "dGlt", 4), SASL_FAIL, "step when idle");
		is_str(s.reply.data, "503 no AUTH exchange in progress (#5.5.1)",
		    "idle reply");
	}
	sasl_free(&s);
	strbuf_free(&arg);
	strbuf_free(&line);
}

static void
test_limits(void)
{
	struct sasl s = SASL_INIT;
	struct strbuf line = STRBUF_INIT;
	char user[600];

	/* user + pass + 2 NULs must fit the 512 bytes of checkpassword */
	memset(user, 'u', sizeof user);
	user[0] = '\0';
	memset(user + 1, 'u', 505);
	user[506] = '\0';
	memcpy(user + 507, "pwpwp", 5); /* 512 bytes of data ... */
	base64_encode_sb(&line, user, 512);
	is_num(sasl_start(&s, SASL_PLAIN, line.data, line.len, NULL),
	    SASL_DONE, "505-byte user, 5-byte pass: 512 bytes fit");
	is_num((long long)s.cred.len, 512, "cred is 512 bytes");
	strbuf_truncate(&line, 0);
	user[512] = 'p';
	base64_encode_sb(&line, user, 513);
	is_num(sasl_start(&s, SASL_PLAIN, line.data, line.len, NULL),
	    SASL_FAIL, "513 bytes do not");
	is_str(s.reply.data, "501 AUTH credentials too long (#5.5.4)",
	    "too long reply");

	strbuf_truncate(&line, 0);
	while (line.len <= SASL_LINE_MAX)
		strbuf_appends(&line, "QUFB");
	is_num(sasl_start(&s, SASL_LOGIN, NULL, 0, NULL), SASL_CONTINUE,
	    "login starts");
	is_num(sasl_step(&s, line.data, line.len), SASL_FAIL, "long line");
	is_str(s.reply.data, "500 AUTH exchange line too long (#5.5.6)",
	    "long line reply");
	is_num(sasl_start(&s, SASL_PLAIN, line.data, line.len, NULL),
	    SASL_FAIL, "long initial response");

	is_num(sasl_start(&s, SASL_CRAM_MD5, NULL, 0, NULL), SASL_FAIL,
	    "cram without a challenge");
	is_str(s.reply.data, "454 temporary authentication failure (#4.3.0)",
	    "no challenge is temporary");
	sasl_free(&s);
	strbuf_free(&line);
}

static void
test_policy(void)
{
	static const struct {
		const char *value;
		bool enabled, required;
		unsigned mechs;
		const char *ehlo;
	} cases[] = {
		{ NULL, false, false, 0, "AUTH" },
		{ "-", false, false, 0, "AUTH" },
		{ "", true, false, 3, "AUTH LOGIN PLAIN" },
		{ "1", true, false, 3, "AUTH LOGIN PLAIN" },
		{ "!", true, true, 3, "AUTH LOGIN PLAIN" },
		{ "cram", true, false, 4, "AUTH CRAM-MD5" },
		{ "CRAM-MD5", true, false, 4, "AUTH CRAM-MD5" },
		{ "+cram", true, false, 7, "AUTH LOGIN PLAIN CRAM-MD5" },
		{ "!cram", true, true, 4, "AUTH CRAM-MD5" },
		{ "!+cram", true, true, 7, "AUTH LOGIN PLAIN CRAM-MD5" },
		{ "!+CRAM", true, true, 7, "AUTH LOGIN PLAIN CRAM-MD5" },
	};
	struct sasl_policy p;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *v = cases[i].value ? cases[i].value : "(unset)";

		sasl_policy_parse(&p, cases[i].value);
		ok(p.enabled == cases[i].enabled, "SMTPAUTH=%s enabled", v);
		ok(p.required == cases[i].required, "SMTPAUTH=%s required", v);
		is_num(p.mechs, cases[i].mechs, "mechanisms");
		strbuf_truncate(&sb, 0);
		ok(sasl_ehlo(&sb, p.mechs), "ehlo");
		is_str(sb.data, cases[i].ehlo, "ehlo keyword");
	}
	strbuf_free(&sb);
}

static void
test_challenge(void)
{
	struct strbuf sb = STRBUF_INIT;
	char host[600];
	enum sasl_mech m;

	ok(sasl_cram_challenge(&sb, "1896", 697170952,
	       "postoffice.reston.mci.net"),
	    "challenge");
	is_str(sb.data, CHAL, "RFC 2195 form");
	ok(!sasl_cram_challenge(&sb, "", 1, "h"), "empty unique");
	ok(!sasl_cram_challenge(&sb, "a.b", 1, "h"), "dot in unique");
	ok(!sasl_cram_challenge(&sb, "1", 1, ""), "empty host");
	ok(!sasl_cram_challenge(&sb, "1", 1, "h>x"), "'>' in host");
	ok(!sasl_cram_challenge(&sb, "1", 1, "h x"), "space in host");
	ok(!sasl_cram_challenge(&sb, "1", 1, "h\r\n"), "CRLF in host");
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	ok(!sasl_cram_challenge(&sb, "1", 1, host), "huge host");
	ok(sasl_mech_parse("Cram-Md5", 8, &m) && m == SASL_CRAM_MD5,
	    "mech parse any case");
	ok(!sasl_mech_parse("CRAM", 4, &m), "mech prefix");
	is_str(sasl_mech_name(SASL_LOGIN), "LOGIN", "mech name");
	strbuf_free(&sb);
}

int
main(void)
{
	test_exchanges();
	test_limits();
	test_policy();
	test_challenge();
	return done_testing();
}
