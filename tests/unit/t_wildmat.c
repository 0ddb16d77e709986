/* t_wildmat.c - wildmat and the policy matchers, table-driven. */
#include <string.h>

#include "policy.h"
#include "tap.h"
#include "wildmat.h"

static const struct {
	const char *pattern, *text;
	bool want;
} wm[] = {
	{ "*", "", true },
	{ "*", "anything", true },
	{ "a*b", "ab", true },
	{ "a*b", "axxb", true },
	{ "a*b", "axxbc", false },
	{ "*@*.example", "u@x.example", true },
	{ "*@*.example", "u@example", false },
	{ "?", "", false },
	{ "?x", "ax", true },
	{ "[abc]x", "bx", true },
	{ "[!abc]x", "bx", false },
	{ "[^abc]x", "dx", true },
	{ "[a-c]", "b", true },
	{ "[a-c]", "d", false },
	{ "[]]", "]", true },
	{ "[", "[", true },
	{ "a[", "a[", true },
	{ "\\*", "*", true },
	{ "\\*", "x", false },
	{ "*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    false },
	{ "**x", "yyx", true },
	{ "abc", "abcd", false },
};

static const struct {
	const char *sender, *host;
	bool relay;
	enum policy_verdict want;
	char form;
} bmf[] = {
	{ "spam@bad.example", "h.example", false, POLICY_REJECT, 'a' },
	{ "x@baddom.example", "h.example", false, POLICY_REJECT, '@' },
	{ "spam@baddom.example", "h.example", false, POLICY_SKIP, '?' },
	{ "x@wild.example", "h.example", false, POLICY_REJECT, '*' },
	{ "ok@wild.example", "h.example", false, POLICY_PASS, ' ' },
	{ "x@own.example", "h.example", false, POLICY_REJECT, '+' },
	{ "x@own.example", "h.example", true, POLICY_PASS, ' ' },
	{ "x@unk.example", "unknown", false, POLICY_REJECT, '-' },
	{ "x@unk.example", "mx.unk.example", false, POLICY_PASS, ' ' },
	{ "x@wk.example", "mx.evil.example", false, POLICY_REJECT, '=' },
	{ "x@wk.example", "out.wk.example", false, POLICY_PASS, ' ' },
	{ "x@wk.example", "out.notwk.example", false, POLICY_REJECT, '=' },
	{ "x@other.example", "mx1.mta.example", false, POLICY_REJECT, '~' },
	{ "x@mta.example", "mx1.mta.example", false, POLICY_PASS, ' ' },
	{ "", "h.example", false, POLICY_PASS, ' ' },
};

static const char *const bmf_lines[] = { "spam@bad.example",
	"@baddom.example", "*@wild.example", "!ok@wild.example",
	"@own.example+", "@unk.example-", "@wk.example=", "~mta.example",
	"?spam@baddom.example" };

int
main(void)
{
	struct strlist lines = STRLIST_INIT, hosts = STRLIST_INIT;
	size_t i;
	char form;

	for (i = 0; i < sizeof wm / sizeof wm[0]; i++)
		ok(wildmat(wm[i].pattern, wm[i].text) == wm[i].want,
		    "wildmat(%s, %s)", wm[i].pattern, wm[i].text);

	for (i = 0; i < sizeof bmf_lines / sizeof bmf_lines[0]; i++)
		strlist_pushs(&lines, bmf_lines[i]);
	for (i = 0; i < sizeof bmf / sizeof bmf[0]; i++) {
		struct policy_sender ps = { bmf[i].sender, bmf[i].host,
			bmf[i].relay };
		enum policy_verdict v = policy_badmailfrom(&lines, &ps, &form);

		ok(v == bmf[i].want && form == bmf[i].form,
		    "badmailfrom %s from %s%s: verdict %d form '%c'",
		    bmf[i].sender, bmf[i].host, bmf[i].relay ? " (relay)" : "",
		    (int)v, form);
	}
	strlist_free(&lines);

	/* badrcptto-style whitelisting: least to most significant */
	strlist_pushs(&lines, "*");
	strlist_pushs(&lines, "!*@example.com");
	strlist_pushs(&lines, "root@example.com");
	is_num(policy_list_match(&lines, "u@example.com"), POLICY_NONE,
	    "whitelisted recipient");
	is_num(policy_list_match(&lines, "root@example.com"), POLICY_EXACT,
	    "exact line beats the whitelist");
	is_num(policy_list_match(&lines, "u@far.example"), POLICY_WILDMAT,
	    "everything else refused");
	strlist_free(&lines);

	strlist_pushs(&hosts, "example.com");
	strlist_pushs(&hosts, ".sub.example.net");
	ok(policy_rcpthosts(&hosts, "example.com"), "rcpthosts exact");
	ok(!policy_rcpthosts(&hosts, "x.example.com"), "no implicit subdomain");
	ok(policy_rcpthosts(&hosts, "a.b.sub.example.net"), "dot suffix");
	ok(!policy_rcpthosts(&hosts, "sub.example.net"), "dot is not exact");
	ok(!policy_rcpthosts(&hosts, "xsub.example.net"), "label boundary");
	strlist_free(&hosts);
	ok(policy_domain_tail("mx.a.example", "a.example"), "tail");
	ok(!policy_domain_tail("mxa.example", "a.example"), "tail boundary");
	return done_testing();
}
