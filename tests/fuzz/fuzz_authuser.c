/*
 * fuzz_authuser.c - users/authuser lookups and password checks on
 * arbitrary input.
 *
 * The input is "user\nresponse\nchallenge\n" followed by the table. Checks:
 * a found entry points into the table, its key is what was asked for (the
 * user, its @domain, "@" or "*", in any case), and verification returns a
 * known verdict, GOOD only for clear or hash entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authuser.h"
#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* field: the next '\n'-terminated piece of *P as a C string */
static char *
field(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p = nl ? nl + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *at;
	struct strlist lines = STRLIST_INIT;
	struct authuser_entry e;
	enum authuser_verdict v;
	char *user, *resp, *chal;
	size_t i, ulen;
	bool inside = false;

	user = field(&p, end);
	resp = field(&p, end);
	chal = field(&p, end);
	if (!ctl_split_lines(&lines, p, (size_t)(end - p)))
		goto out;
	if (authuser_lookup(&lines, user, &e) != AUTHUSER_FOUND)
		goto out;
	for (i = 0; i < lines.len; i++)
		if (e.key == lines.items[i])
			inside = true;
	if (!inside || e.secret < e.key + e.keylen ||
	    strlen(e.secret) != e.secretlen)
		abort();
	ulen = strlen(user);
	at = strrchr(user, '@');
	if (!((e.keylen == ulen && strncasecmp(e.key, user, ulen) == 0) ||
		(at && e.keylen == strlen(at) &&
		    strncasecmp(e.key, at, e.keylen) == 0) ||
		(at && e.keylen == 1 && e.key[0] == '@') ||
		(e.keylen == 1 && e.key[0] == '*')))
		abort();
	if (authuser_localpart(user) > ulen)
		abort();
	v = authuser_verify(&e, resp, strlen(resp), chal, strlen(chal));
	if (v != AUTHUSER_GOOD && v != AUTHUSER_BAD && v != AUTHUSER_TEMP)
		abort();
	if (v == AUTHUSER_GOOD && e.method != AUTHUSER_CLEAR &&
	    e.method != AUTHUSER_MD5 && e.method != AUTHUSER_SHA1 &&
	    e.method != AUTHUSER_SHA256)
		abort();
	if (v == AUTHUSER_GOOD && *resp == '\0')
		abort();
out:
	strlist_free(&lines);
	free(user);
	free(resp);
	free(chal);
	return 0;
}
