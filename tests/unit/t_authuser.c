/* t_authuser.c - unit tests for the users/authuser table
 * (src/lib/authuser.c): password token kinds, lookup precedence and
 * disabling, and verification of clear, %hash and CRAM-MD5 responses. */
#include <string.h>

#include "authuser.h"
#include "ctl.h"
#include "tap.h"

#define MD5_SECRET    "5ebe2294ecd0e0f08eab7690d2a6ee69"
#define SHA1_SECRET   "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"
#define SHA256_SECRET "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"

static void
test_methods(void)
{
	static const struct {
		const char *pw;
		enum authuser_method want;
	} cases[] = {
		{ "clearpw", AUTHUSER_CLEAR },
		{ "ab", AUTHUSER_CLEAR },
		{ "a:b c", AUTHUSER_CLEAR },
		{ "%" MD5_SECRET, AUTHUSER_MD5 },
		{ "%5EBE2294ECD0E0F08EAB7690D2A6EE69", AUTHUSER_MD5 },
		{ "%" SHA1_SECRET, AUTHUSER_SHA1 },
		{ "%" SHA256_SECRET, AUTHUSER_SHA256 },
		{ "?", AUTHUSER_UNIX },
		{ "!", AUTHUSER_UNIX_ENV },
		{ "+", AUTHUSER_UNSUPPORTED },
		{ "&", AUTHUSER_UNSUPPORTED },
		{ "=", AUTHUSER_UNSUPPORTED },
		{ "", AUTHUSER_INVALID },
		{ "x", AUTHUSER_INVALID },
		{ "%", AUTHUSER_INVALID },
		{ "%abc", AUTHUSER_INVALID },
		{ "%5ebe2294ecd0e0f08eab7690d2a6ee6", AUTHUSER_INVALID },
		{ "%5ebe2294ecd0e0f08eab7690d2a6ee6g", AUTHUSER_INVALID },
		{ "%" SHA1_SECRET "0", AUTHUSER_INVALID },
	};
	unsigned char hash[DIGEST_MAX_LEN];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_num(authuser_method(cases[i].pw, strlen(cases[i].pw), hash),
		    cases[i].want, cases[i].pw);
}

static const char table[] =
    "# comment\n"
    "tim@example.org:timpw\n"
    "TIM@example.org:second-line-loses\n"
    "@example.org:domainpw\n"
    "!bad@example.org\n"
    "!@blocked.example:\n"
    "ann@blocked.example:annpw\n"
    "root:?\n"
    "pop@example.com:!\n"
    "*:starpw\n"
    "@:atpw\n"
    "md5@example.net:%" MD5_SECRET "\n"
    "sha1@example.net:%" SHA1_SECRET "\n"
    "sha256@example.net:%" SHA256_SECRET "\n"
    "bad@example.org:badpw\n";

static void
test_lookup(void)
{
	static const struct {
		const char *user;
		enum authuser_status st;
		const char *key, *secret;
	} cases[] = {
		{ "tim@example.org", AUTHUSER_FOUND, "tim@example.org",
		    "timpw" },
		{ "Tim@Example.ORG", AUTHUSER_FOUND, "tim@example.org",
		    "timpw" },
		{ "joe@example.org", AUTHUSER_FOUND, "@example.org",
		    "domainpw" },
		{ "joe@EXAMPLE.org", AUTHUSER_FOUND, "@example.org",
		    "domainpw" },
		{ "joe@sub.example.org", AUTHUSER_FOUND, "@", "atpw" },
		{ "joe@other.test", AUTHUSER_FOUND, "@", "atpw" },
		{ "joe", AUTHUSER_FOUND, "*", "starpw" },
		{ "root", AUTHUSER_FOUND, "root", "?" },
		{ "pop@example.com", AUTHUSER_FOUND, "pop@example.com", "!" },
		{ "bad@example.org", AUTHUSER_DISABLED, NULL, NULL },
		{ "BAD@example.org", AUTHUSER_DISABLED, NULL, NULL },
		{ "ann@blocked.example", AUTHUSER_DISABLED, NULL, NULL },
		{ "x@blocked.example", AUTHUSER_DISABLED, NULL, NULL },
		{ "a@b@example.org", AUTHUSER_FOUND, "@example.org",
		    "domainpw" },
		{ "", AUTHUSER_NOTFOUND, NULL, NULL },
		{ "!bad@example.org", AUTHUSER_NOTFOUND, NULL, NULL },
		{ "@example.org", AUTHUSER_NOTFOUND, NULL, NULL },
		{ "@", AUTHUSER_NOTFOUND, NULL, NULL },
		{ "md5@example.net", AUTHUSER_FOUND, "md5@example.net",
		    "%" MD5_SECRET },
	};
	struct strlist lines = STRLIST_INIT, few = STRLIST_INIT;
	struct authuser_entry e;
	char key[128];
	size_t i;
	enum authuser_status st;

	ctl_split_lines(&lines, table, strlen(table));
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		st = authuser_lookup(&lines, cases[i].user, &e);
		is_num(st, cases[i].st, cases[i].user);
		if (st != AUTHUSER_FOUND || cases[i].key == NULL)
			continue;
		memcpy(key, e.key, e.keylen);
		key[e.keylen] = '\0';
		is_str(key, cases[i].key, "key");
		is_str(e.secret, cases[i].secret, "secret");
	}
	/* without wildcards, unknown users are not found */
	strlist_pushs(&few, "tim@example.org:timpw");
	strlist_pushs(&few, "nocolon");
	is_num(authuser_lookup(&few, "joe@example.org", &e), AUTHUSER_NOTFOUND,
	    "no wildcard");
	is_num(authuser_lookup(&few, "joe", &e), AUTHUSER_NOTFOUND,
	    "no wildcard, no domain");
	is_num(authuser_lookup(&few, "nocolon", &e), AUTHUSER_FOUND,
	    "line without colon");
	is_num(e.method, AUTHUSER_INVALID, "... has an invalid password");
	/* "@" does not match names without a domain */
	strlist_free(&few);
	strlist_pushs(&few, "@:atpw");
	is_num(authuser_lookup(&few, "joe", &e), AUTHUSER_NOTFOUND,
	    "@ needs a domain");
	is_num((long long)authuser_localpart("a@b@c"), 3, "localpart");
	is_num((long long)authuser_localpart("abc"), 3, "localpart no @");
	strlist_free(&few);
	strlist_free(&lines);
}

static void
test_verify(void)
{
	static const struct {
		const char *pw, *response, *challenge;
		enum authuser_verdict want;
	} cases[] = {
		{ "clearpw", "clearpw", "", AUTHUSER_GOOD },
		{ "clearpw", "clearp", "", AUTHUSER_BAD },
		{ "clearpw", "clearpw ", "", AUTHUSER_BAD },
		{ "clearpw", "CLEARPW", "", AUTHUSER_BAD },
		{ "clearpw", "", "", AUTHUSER_BAD },
		/* a challenge with a clear password (qmail-popup sends one) */
		{ "clearpw", "clearpw", "<1.2@h>", AUTHUSER_GOOD },
		/* CRAM-MD5 */
		{ "clearpw", "e69a4eface5fd9128b60fba9d4174493", "<1.2@h>",
		    AUTHUSER_GOOD },
		{ "clearpw", "E69A4EFACE5FD9128B60FBA9D4174493", "<1.2@h>",
		    AUTHUSER_GOOD },
		{ "clearpw", "e69a4eface5fd9128b60fba9d4174494", "<1.2@h>",
		    AUTHUSER_BAD },
		{ "clearpw", "e69a4eface5fd9128b60fba9d4174493", "<1.3@h>",
		    AUTHUSER_BAD },
		{ "clearpw", "e69a4eface5fd9128b60fba9d4174493", "",
		    AUTHUSER_BAD },
		{ "tanstaaftanstaaf", "b913a602c7eda7a495b4e6e7334d3890",
		    "<1896.697170952@postoffice.reston.mci.net>",
		    AUTHUSER_GOOD },
		/* hashes */
		{ "%" MD5_SECRET, "secret", "", AUTHUSER_GOOD },
		{ "%" MD5_SECRET, "Secret", "", AUTHUSER_BAD },
		{ "%5EBE2294ECD0E0F08EAB7690D2A6EE69", "secret", "",
		    AUTHUSER_GOOD },
		{ "%" SHA1_SECRET, "secret", "", AUTHUSER_GOOD },
		{ "%" SHA1_SECRET, "secret2", "", AUTHUSER_BAD },
		{ "%" SHA256_SECRET, "secret", "", AUTHUSER_GOOD },
		{ "%" SHA256_SECRET, "", "", AUTHUSER_BAD },
		{ "%" SHA256_SECRET, "secret", "<1.2@h>", AUTHUSER_GOOD },
		/* the hash itself is not a password (s/qmail fell through) */
		{ "%" MD5_SECRET, "%" MD5_SECRET, "", AUTHUSER_BAD },
		{ "%" MD5_SECRET, MD5_SECRET, "", AUTHUSER_BAD },
		/* CRAM-MD5 cannot work with a hash */
		{ "%" MD5_SECRET, "0123456789abcdef0123456789abcdef", "<1.2@h>",
		    AUTHUSER_BAD },
		/* not for authuser_verify */
		{ "?", "x", "", AUTHUSER_TEMP },
		{ "+", "x", "", AUTHUSER_TEMP },
		{ "x", "x", "", AUTHUSER_TEMP },
	};
	struct authuser_entry e;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&e, 0, sizeof e);
		e.secret = cases[i].pw;
		e.secretlen = strlen(cases[i].pw);
		e.method = authuser_method(e.secret, e.secretlen, e.hash);
		is_num(authuser_verify(&e, cases[i].response,
			   strlen(cases[i].response), cases[i].challenge,
			   strlen(cases[i].challenge)),
		    cases[i].want, cases[i].response);
	}
}

int
main(void)
{
	test_methods();
	test_lookup();
	test_verify();
	return done_testing();
}
