/*
 * authuser.c - lookups in users/authuser and password checks; see
 * authuser.h.
 *
 * Differences from s/qmail's qmail-authuser, all of them refusals: "@"
 * matches only names that have a domain (s/qmail lets it shadow "*"); a
 * %hash that does not match is not retried as a clear password (s/qmail
 * falls through, so the hash itself worked as a password); empty and
 * single-character passwords are invalid rather than matching an empty
 * response; and a name starting with '!' or '@' never matches (s/qmail
 * would look "!bob" up as the disable key).
 */
#include <string.h>
#include <strings.h>

#include "authuser.h"

/* ranks of key kinds; a lower rank is more specific */
enum { RANK_USER, RANK_DOMAIN, RANK_AT, RANK_STAR, RANK_NONE };

enum authuser_method
authuser_method(const char *pw, size_t len, unsigned char *hash)
{
	if (len == 1) {
		switch (pw[0]) {
		case '?':
			return AUTHUSER_UNIX;
		case '!':
			return AUTHUSER_UNIX_ENV;
		case '+':
		case '&':
		case '=':
			return AUTHUSER_UNSUPPORTED;
		default:
			return AUTHUSER_INVALID;
		}
	}
	if (len == 0)
		return AUTHUSER_INVALID;
	if (pw[0] != '%')
		return AUTHUSER_CLEAR;
	switch (len - 1) {
	case 2 * DIGEST_MD5_LEN:
		return digest_hex_decode(hash, DIGEST_MD5_LEN, pw + 1, len - 1)
		    ? AUTHUSER_MD5
		    : AUTHUSER_INVALID;
	case 2 * DIGEST_SHA1_LEN:
		return digest_hex_decode(hash, DIGEST_SHA1_LEN, pw + 1,
			   len - 1)
		    ? AUTHUSER_SHA1
		    : AUTHUSER_INVALID;
	case 2 * DIGEST_SHA256_LEN:
		return digest_hex_decode(hash, DIGEST_SHA256_LEN, pw + 1,
			   len - 1)
		    ? AUTHUSER_SHA256
		    : AUTHUSER_INVALID;
	default:
		return AUTHUSER_INVALID;
	}
}

size_t
authuser_localpart(const char *user)
{
	const char *at = strrchr(user, '@');

	return at ? (size_t)(at - user) : strlen(user);
}

static bool
key_is(const char *key, size_t keylen, const char *prefix, size_t plen,
    const char *s, size_t len)
{
	return keylen == plen + len && strncasecmp(key, prefix, plen) == 0 &&
	    strncasecmp(key + plen, s, len) == 0;
}

enum authuser_status
authuser_lookup(const struct strlist *lines, const char *user,
    struct authuser_entry *out)
{
	size_t i, keylen, ulen = strlen(user), dlen = 0;
	const char *line, *colon, *domain = NULL;
	const char *best = NULL, *bestcolon = NULL;
	int rank, bestrank = RANK_NONE;

	if (ulen == 0 || user[0] == '!' || user[0] == '@')
		return AUTHUSER_NOTFOUND;
	if ((domain = strrchr(user, '@')) != NULL)
		dlen = strlen(domain);
	for (i = 0; i < lines->len; i++) {
		line = lines->items[i];
		colon = strchr(line, ':');
		keylen = colon ? (size_t)(colon - line) : strlen(line);
		if (key_is(line, keylen, "!", 1, user, ulen) ||
		    (domain && key_is(line, keylen, "!", 1, domain, dlen)))
			return AUTHUSER_DISABLED;
		if (key_is(line, keylen, "", 0, user, ulen))
			rank = RANK_USER;
		else if (domain && key_is(line, keylen, "", 0, domain, dlen))
			rank = RANK_DOMAIN;
		else if (domain && keylen == 1 && line[0] == '@')
			rank = RANK_AT;
		else if (keylen == 1 && line[0] == '*')
			rank = RANK_STAR;
		else
			continue;
		if (rank < bestrank) {
			bestrank = rank;
			best = line;
			bestcolon = colon;
		}
	}
	if (best == NULL)
		return AUTHUSER_NOTFOUND;
	out->key = best;
	if (bestcolon != NULL) {
		out->keylen = (size_t)(bestcolon - best);
		out->secret = bestcolon + 1;
	} else {
		out->keylen = strlen(best);
		out->secret = best + out->keylen;
	}
	out->secretlen = strlen(out->secret);
	out->method = authuser_method(out->secret, out->secretlen, out->hash);
	return AUTHUSER_FOUND;
}

/* same_secret: compares two strings of any lengths through their SHA-256
 * digests, so that the time taken says nothing about either */
static enum authuser_verdict
same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char da[DIGEST_MAX_LEN], db[DIGEST_MAX_LEN];

	if (!digest_raw(DIGEST_SHA256, a, alen, da) ||
	    !digest_raw(DIGEST_SHA256, b, blen, db))
		return AUTHUSER_TEMP;
	return digest_equal(da, db, DIGEST_SHA256_LEN) ? AUTHUSER_GOOD
						       : AUTHUSER_BAD;
}

static enum authuser_verdict
verify_hash(enum digest_alg alg, const unsigned char *want,
    const char *response, size_t rlen)
{
	unsigned char got[DIGEST_MAX_LEN];

	if (!digest_raw(alg, response, rlen, got))
		return AUTHUSER_TEMP;
	return digest_equal(got, want, digest_len(alg)) ? AUTHUSER_GOOD
							: AUTHUSER_BAD;
}

enum authuser_verdict
authuser_verify(const struct authuser_entry *e, const char *response,
    size_t rlen, const char *challenge, size_t clen)
{
	unsigned char got[DIGEST_MD5_LEN], want[DIGEST_MD5_LEN];
	enum authuser_verdict v;

	if (rlen == 0 && (e->method == AUTHUSER_CLEAR ||
			     e->method == AUTHUSER_MD5 ||
			     e->method == AUTHUSER_SHA1 ||
			     e->method == AUTHUSER_SHA256))
		return AUTHUSER_BAD;
	switch (e->method) {
	case AUTHUSER_CLEAR:
		v = same_secret(e->secret, e->secretlen, response, rlen);
		if (v != AUTHUSER_BAD || clen == 0 ||
		    !digest_hex_decode(got, sizeof got, response, rlen))
			return v;
		if (!digest_hmac_md5(e->secret, e->secretlen, challenge, clen,
			want))
			return AUTHUSER_TEMP;
		return digest_equal(got, want, sizeof want) ? AUTHUSER_GOOD
							    : AUTHUSER_BAD;
	case AUTHUSER_MD5:
		return verify_hash(DIGEST_MD5, e->hash, response, rlen);
	case AUTHUSER_SHA1:
		return verify_hash(DIGEST_SHA1, e->hash, response, rlen);
	case AUTHUSER_SHA256:
		return verify_hash(DIGEST_SHA256, e->hash, response, rlen);
	default:
		return AUTHUSER_TEMP;
	}
}
