/*
 * users.c - users/assign parsing and users/cdb lookup. See users.h and
 * qmail-users(5).
 */
#include <errno.h>
#include <string.h>

#include "ctl.h"
#include "users.h"

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
number_ok(const char *s, unsigned long max, unsigned long *out)
{
	return scan_ulong(s, out) && *out <= max;
}

/* check_fields: DATA holds user\0uid\0gid\0home\0dash\0ext */
static const char *
check_fields(const char *data)
{
	const char *user = data, *uid, *gid, *home;
	unsigned long n;

	uid = user + strlen(user) + 1;
	gid = uid + strlen(uid) + 1;
	home = gid + strlen(gid) + 1;
	if (*user == '\0')
		return "empty user name";
	if (!number_ok(uid, (uid_t)-1 - 1, &n))
		return "uid is not a number";
	if (n == 0)
		return "uid 0: qmail never delivers as root";
	if (!number_ok(gid, (gid_t)-1 - 1, &n))
		return "gid is not a number";
	if (*home != '/')
		return "home directory is not an absolute path";
	return NULL;
}

enum users_parse_status
users_parse(const char *text, size_t len, users_add_fn add, void *ctx,
	    size_t *lineno, const char **why)
{
	struct strbuf key = STRBUF_INIT, data = STRBUF_INIT;
	struct strbuf wild = STRBUF_INIT;
	enum users_parse_status st = USERS_PARSE_SYNTAX;
	const char *line, *nl, *colon;
	size_t pos = 0, llen, i, colons;

	*lineno = 0;
	*why = NULL;
	for (;;) {
		++*lineno;
		if (pos >= len) {
			*why = "missing the final `.' line";
			goto out;
		}
		line = text + pos;
		if (line[0] == '.')
			break;
		nl = memchr(line, '\n', len - pos);
		if (nl == NULL) {
			*why = "missing the final `.' line";
			goto out;
		}
		llen = (size_t)(nl - line);
		pos += llen + 1;
		if (memchr(line, '\0', llen) != NULL) {
			*why = "NUL byte in line";
			goto out;
		}
		if (llen == 0 || (line[0] != '=' && line[0] != '+')) {
			*why = "line does not start with = or +";
			goto out;
		}
		colon = memchr(line, ':', llen);
		if (colon == NULL) {
			*why = "no colon";
			goto out;
		}
		key.len = 0;
		if (!strbuf_appendc(&key, '!') ||
		    !strbuf_append(&key, line + 1, (size_t)(colon - line - 1)))
			goto nomem;
		for (i = 0; i < key.len; i++)
			key.data[i] = lower(key.data[i]);
		if (line[0] == '=') {
			if (!strbuf_appendc(&key, '\0'))
				goto nomem;
		} else if (key.len >= 2 &&
			   memchr(wild.data ? wild.data : "",
				  key.data[key.len - 1], wild.len) == NULL) {
			if (!strbuf_appendc(&wild, key.data[key.len - 1]))
				goto nomem;
		}
		if (!strbuf_copy(&data, colon + 1,
				 llen - (size_t)(colon + 1 - line)))
			goto nomem;
		for (i = 0, colons = 0; i < data.len; i++)
			if (data.data[i] == ':') {
				data.data[i] = '\0';
				if (++colons == 6)
					break;
			}
		if (colons < 6) {
			*why = "fewer than 7 fields";
			goto out;
		}
		/* qmail-newu ignores anything after the seventh colon */
		strbuf_truncate(&data, i);
		if ((*why = check_fields(data.data)) != NULL)
			goto out;
		if (!add(ctx, key.data, key.len, data.data, data.len)) {
			st = USERS_PARSE_ADD;
			goto out;
		}
	}
	if (!add(ctx, "", 0, wild.data ? wild.data : "", wild.len)) {
		st = USERS_PARSE_ADD;
		goto out;
	}
	st = USERS_PARSE_OK;
	goto out;
nomem:
	st = USERS_PARSE_NOMEM;
out:
	strbuf_free(&key);
	strbuf_free(&data);
	strbuf_free(&wild);
	return st;
}

void
users_entry_free(struct users_entry *e)
{
	strbuf_free(&e->buf);
	e->user = e->home = e->dash = e->ext = NULL;
}

bool
users_decode(struct users_entry *out, const char *data, size_t len)
{
	const char *field[6];
	unsigned long n;
	size_t pos = 0, i;
	const char *nul;

	if (!strbuf_copy(&out->buf, data, len))
		return false;
	for (i = 0; i < 6; i++) {
		if (pos >= out->buf.len)
			return false;
		field[i] = out->buf.data + pos;
		nul = memchr(field[i], '\0', out->buf.len - pos);
		if (nul == NULL)
			return false;
		pos = (size_t)(nul - out->buf.data) + 1;
	}
	if (pos != out->buf.len)
		return false; /* more than six fields */
	out->user = field[0];
	if (!number_ok(field[1], (uid_t)-1 - 1, &n))
		return false;
	out->uid = (uid_t)n;
	if (!number_ok(field[2], (gid_t)-1 - 1, &n))
		return false;
	out->gid = (gid_t)n;
	out->home = field[3];
	out->dash = field[4];
	out->ext = field[5];
	return *out->user != '\0';
}

enum users_status
users_lookup(struct cdbx *db, const char *local, struct users_entry *out)
{
	struct strbuf key = STRBUF_INIT, wild = STRBUF_INIT;
	struct strbuf val = STRBUF_INIT;
	enum users_status result = USERS_ERROR;
	enum cdbx_status st;
	bool flagwild = false;
	size_t i;

	if (cdbx_find(db, "", 0, &wild) != CDBX_FOUND) {
		errno = EPROTO; /* not a users/cdb, or unreadable */
		goto out;
	}
	if (!strbuf_appendc(&key, '!') || !strbuf_appends(&key, local) ||
	    !strbuf_appendc(&key, '\0'))
		goto out;
	for (i = 0; i < key.len; i++)
		key.data[i] = lower(key.data[i]);
	i = key.len;
	do {
		/* only prefixes ending in a character some + line ends in */
		if (!flagwild || i == 1 ||
		    (wild.len > 0 &&
		     memchr(wild.data, key.data[i - 1], wild.len) != NULL)) {
			st = cdbx_find(db, key.data, i, &val);
			if (st == CDBX_ERROR)
				goto out;
			if (st == CDBX_FOUND) {
				/* qmail-newu stores values without their
				 * final \0; a + line gets the rest of the
				 * local part appended to its pre field */
				if (flagwild &&
				    !strbuf_appends(&val, local + i - 1))
					goto out;
				if (!strbuf_appendc(&val, '\0'))
					goto out;
				if (!users_decode(out, val.data, val.len)) {
					errno = EPROTO;
					goto out;
				}
				result = USERS_FOUND;
				goto out;
			}
		}
		--i;
		flagwild = true;
	} while (i > 0);
	result = USERS_NOTFOUND;
out:
	strbuf_free(&key);
	strbuf_free(&wild);
	strbuf_free(&val);
	return result;
}
