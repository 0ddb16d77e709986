/*
 * users.h - users/assign and users/cdb (qmail-users(5)).
 *
 * users/assign holds `=local:user:uid:gid:home:dash:ext:` lines (one exact
 * address) and `+prefix:user:uid:gid:home:dash:pre:` lines (every local
 * part starting with prefix; what follows the prefix is appended to pre),
 * ended by a line `.`. qmail-newu compiles it into users/cdb with qmail's
 * keys: `!local\0` for `=` lines, `!prefix` (no \0) for `+` lines, both
 * lower-cased, and the empty key holding the set of last characters of
 * all `+` prefixes ("wildchars"). Values are `user\0uid\0gid\0home\0dash\0
 * ext` without a final \0, exactly as qmail-newu writes them.
 *
 * users_parse reports each record through a callback; users_lookup does
 * qmail-lspawn's search: the exact key first, then the longest `+` prefix.
 * A users/cdb that cannot be read or decoded is USERS_ERROR, which callers
 * must treat as temporary. Memory: struct users_entry owns its buffer
 * (users_entry_free). Nothing here exits; not for signal handlers.
 */
#ifndef USERS_H
#define USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cdbx.h"
#include "strbuf.h"

enum users_status { USERS_FOUND, USERS_NOTFOUND, USERS_ERROR };

enum users_parse_status {
	USERS_PARSE_OK,
	USERS_PARSE_SYNTAX, /* malformed line or no final `.` */
	USERS_PARSE_NOMEM,
	USERS_PARSE_ADD /* the callback failed (errno set) */
};

struct users_entry {
	struct strbuf buf; /* user\0uid\0gid\0home\0dash\0ext\0 */
	const char *user;
	uid_t uid;
	gid_t gid;
	const char *home;
	const char *dash;
	const char *ext;
};
#define USERS_ENTRY_INIT                                                       \
	{                                                                      \
		STRBUF_INIT, NULL, 0, 0, NULL, NULL, NULL                      \
	}

typedef bool (*users_add_fn)(void *ctx, const char *key, size_t klen,
			     const char *val, size_t vlen);

/*
 * users_parse: parses users/assign TEXT, calling ADD for every record and
 * last for the wildchars key; on USERS_PARSE_SYNTAX, *LINENO is the line
 * (1-based; the line after the last for a missing `.`) and *WHY says what
 * is wrong.
 */
enum users_parse_status users_parse(const char *text, size_t len,
				    users_add_fn add, void *ctx, size_t *lineno,
				    const char **why);

/* users_decode: fills OUT from DATA, six \0-terminated fields as
 * qmail-getpw prints them; false when fields or numbers are malformed */
bool users_decode(struct users_entry *out, const char *data, size_t len);

/* users_lookup: finds LOCAL in DB as qmail-lspawn does */
enum users_status users_lookup(struct cdbx *db, const char *local,
			       struct users_entry *out);

/* users_entry_free: frees E's buffer; E can be reused */
void users_entry_free(struct users_entry *e);

#endif
