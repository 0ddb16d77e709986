/*
 * authuser.h - the users/authuser table of qmail-authuser (s/qmail).
 *
 * Each line is "authuser:password" (split at the first colon; ctl_read_lines
 * has already dropped comments, blank lines and trailing blanks). The
 * authuser is "user@dom", "user", "@dom", "@" (any user with a domain),
 * "*" (anyone), or "!user@dom" / "!@dom", which disables that user or
 * domain whatever else the file says. Keys compare without regard to
 * ASCII case. The most specific key wins irrespective of order (user, then
 * @dom, then @, then *); among equal keys the first line wins. Passwords:
 * "%" + 32, 40 or 64 hex digits (MD5, SHA1, SHA256 of the password), "?"
 * (the Unix password), "!" (the same, plus the user's environment), "+",
 * "&", "=" (vmailmgr, vpopmail, dovecot: not supported here), or a clear
 * password of two or more characters; anything else is invalid, which the
 * program treats as a temporary error. Entries point into the caller's
 * lines; nothing is allocated and nothing exits.
 */
#ifndef AUTHUSER_H
#define AUTHUSER_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "strbuf.h"

enum authuser_method {
	AUTHUSER_CLEAR,
	AUTHUSER_MD5,
	AUTHUSER_SHA1,
	AUTHUSER_SHA256,
	AUTHUSER_UNIX,	   /* "?" */
	AUTHUSER_UNIX_ENV, /* "!" */
	AUTHUSER_UNSUPPORTED,
	AUTHUSER_INVALID
};

enum authuser_status { AUTHUSER_FOUND, AUTHUSER_NOTFOUND, AUTHUSER_DISABLED };

enum authuser_verdict { AUTHUSER_GOOD, AUTHUSER_BAD, AUTHUSER_TEMP };

struct authuser_entry {
	enum authuser_method method;
	const char *key; /* the matching line's authuser, for messages */
	size_t keylen;
	const char *secret; /* the password token */
	size_t secretlen;
	unsigned char hash[DIGEST_MAX_LEN]; /* the %hash, decoded */
};

/* authuser_method: classifies the password token PW (LEN bytes); fills
 * HASH (DIGEST_MAX_LEN bytes) for the %hash methods */
enum authuser_method authuser_method(const char *pw, size_t len,
    unsigned char *hash);
/* authuser_lookup: finds the entry for USER in LINES; FOUND fills *OUT;
 * a USER that is empty or starts with '@' or '!' is NOTFOUND */
enum authuser_status authuser_lookup(const struct strlist *lines,
    const char *user, struct authuser_entry *out);
/* authuser_localpart: the length of USER before its last '@' (all of it
 * when there is none): the system user name for "?" and "!" */
size_t authuser_localpart(const char *user);
/*
 * authuser_verify: checks RESPONSE against a clear or %hash entry. A clear
 * password matches RESPONSE itself or, when CHALLENGE is not empty, the
 * CRAM-MD5 digest HMAC-MD5(password, CHALLENGE) in hex (either case). A
 * %hash matches the digest of RESPONSE whatever the challenge (so a
 * CRAM-MD5 response never matches one: CRAM-MD5 needs clear passwords). TEMP for other methods or when libcrypto
 * fails. Comparisons take time independent of the secret.
 */
enum authuser_verdict authuser_verify(const struct authuser_entry *e,
    const char *response, size_t rlen, const char *challenge, size_t clen);

#endif
