/* t_policy.c - LOCALMFCHECK (policy_localmf) against a table. The
 * badmailfrom/badrcptto matchers are covered end to end in
 * tests/e2e/test_smtpd.py and by the wildmat fuzzer. */
#include <string.h>

#include "policy.h"
#include "tap.h"

static bool
ours(void *ctx, const char *domain)
{
	(void)ctx;
	return strcmp(domain, "example.com") == 0 ||
	    strcmp(domain, "example.net") == 0;
}

static const struct {
	const char *check, *sender, *authuser, *certmail;
	enum policy_verdict want;
} cases[] = {
    {"", "u@example.com", NULL, NULL, POLICY_PASS},
    {"", "u@Example.NET", NULL, NULL, POLICY_PASS},
    {"", "u@other.example", NULL, NULL, POLICY_REJECT},
    {"", "", NULL, NULL, POLICY_PASS},
    {"", "unqualified", NULL, NULL, POLICY_PASS},
    {"", "u@", NULL, NULL, POLICY_REJECT},
    {"1", "u@other.example", NULL, NULL, POLICY_REJECT},
    {"!", "u@example.com", NULL, NULL, POLICY_PASS},
    {"other.example", "u@other.example", NULL, NULL, POLICY_PASS},
    {"other.example", "u@OTHER.example", NULL, NULL, POLICY_PASS},
    {"other.example", "u@example.com", NULL, NULL, POLICY_PASS},
    {"other.example", "u@sub.other.example", NULL, NULL, POLICY_REJECT},
    {"other.example", "u@third.example", NULL, NULL, POLICY_REJECT},
    {"=", "me@example.com", "me@example.com", NULL, POLICY_PASS},
    {"=", "Me@Example.com", "me@example.com", NULL, POLICY_PASS},
    {"=", "you@example.com", "me@example.com", NULL, POLICY_REJECT},
    {"=", "me@example.com", NULL, NULL, POLICY_REJECT},
    {"=", "", "me@example.com", NULL, POLICY_PASS},
    {"?", "c@example.com", NULL, "c@example.com", POLICY_PASS},
    {"?", "d@example.com", NULL, "c@example.com", POLICY_REJECT},
    {"?", "c@example.com", "c@example.com", NULL, POLICY_REJECT},
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct policy_mav m = {cases[i].check, cases[i].sender,
		    cases[i].authuser, cases[i].certmail, ours, NULL};

		is_num(policy_localmf(&m), cases[i].want, cases[i].sender);
	}
	return done_testing();
}
