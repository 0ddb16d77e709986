/*
 * rewrite.h - routing a recipient: locals, virtualdomains, percenthack.
 *
 * This is qmail-send's rewrite() (qmail-send(8), seed 002):
 *   1. An address without '@' gets "@envnoathost".
 *   2. While the domain is listed in percenthack and the local part has a
 *      '%', the last '%' becomes the '@' (user%host@relay -> user@host).
 *   3. A domain listed in locals is local; the address is unchanged.
 *   4. Otherwise virtualdomains is searched, longest match first: the
 *      whole address (user@domain:prefix), the domain (domain:prefix),
 *      each dotted suffix (.domain:prefix), and the empty pattern
 *      (:prefix). A match with an empty prefix is an exception: the
 *      address is remote. A match with a prefix makes it local, rewritten
 *      to prefix-address.
 *   5. Anything else is remote.
 * Matching is case-insensitive; when a pattern is listed twice the last
 * line wins (as qmail's constmap). The struct owns its tables; set them
 * from control-file lines and free with rewrite_free. Functions return
 * false (errno ENOMEM) on allocation failure and never exit; nothing is
 * safe in a signal handler.
 */
#ifndef REWRITE_H
#define REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl.h"
#include "strbuf.h"

struct rewrite_entry {
	char *key; /* lower-cased pattern */
	size_t keylen;
	const char *value; /* points into key's allocation */
};

struct rewrite_map {
	struct rewrite_entry *e;
	size_t len;
};

struct rewrite {
	struct rewrite_map locals;
	struct rewrite_map vdoms;
	struct rewrite_map percenthack;
	struct strbuf envnoathost;
};

enum rewrite_route { REWRITE_LOCAL, REWRITE_REMOTE, REWRITE_NOMEM };

void rewrite_init(struct rewrite *rw);
void rewrite_free(struct rewrite *rw);
/* rewrite_set_locals: replaces the locals table with LINES (domains) */
bool rewrite_set_locals(struct rewrite *rw, const struct strlist *lines);
/* rewrite_set_vdoms: replaces virtualdomains with "pattern:prefix" LINES;
 * lines without ':' are ignored, as qmail does */
bool rewrite_set_vdoms(struct rewrite *rw, const struct strlist *lines);
bool rewrite_set_percenthack(struct rewrite *rw, const struct strlist *lines);
bool rewrite_set_envnoathost(struct rewrite *rw, const char *host);

/*
 * rewrite_load: reads control/me, locals, virtualdomains, percenthack and
 * envnoathost under HOME (the qmail home) into RW, which must be freshly
 * initialised. Defaults as qmail: locals and envnoathost default to me.
 * CTL_ERROR sets *FAILED to the file that could not be read.
 */
enum ctl_status rewrite_load(struct rewrite *rw, const char *home,
			     const char **failed);

/* rewrite_addr: routes ADDR (LEN bytes); OUT gets the rewritten address */
enum rewrite_route rewrite_addr(const struct rewrite *rw, const char *addr,
				size_t len, struct strbuf *out);
/* rewrite_strip_vdom: returns RECIP without the virtualdomains prefix that
 * rewrite_addr added (a pointer into RECIP), for bounce messages */
const char *rewrite_strip_vdom(const struct rewrite *rw, const char *recip);
/* rewrite_lookup: returns the value for pattern S (LEN bytes) in MAP, or
 * NULL when it is not listed */
const char *rewrite_lookup(const struct rewrite_map *map, const char *s,
			   size_t len);
/* rewrite_verp_sender: appends the envelope sender for a delivery of a
 * message from SENDER to RECIP: "owner-@host-@[]" becomes
 * "owner-recipbox=reciphost@host" (qmail's VERP), else SENDER as is */
bool rewrite_verp_sender(struct strbuf *out, const char *sender,
			 const char *recip);

#endif
