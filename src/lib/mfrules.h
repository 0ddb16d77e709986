/*
 * mfrules.h - s/qmail's control/mailfromrules: which envelope senders a
 * relay client may use (LOCALMFCHECK=!, qmail-smtpd(8), qmail-mfrules(8)).
 *
 * Source lines are "key&sender1,sender2,..." (or "key&" for any sender).
 * A key is TCPREMOTEINFO (the AUTH user), "info@IP", "info@=host", an IP
 * address, an IPv4 prefix ending in '.' ("192.168.1.", with "10.0.1-3."
 * expanding to three keys), an IPv6 prefix ending in ':', "=host", a host
 * suffix "=.example.com", or "=" alone (any client with a DNS name). Keys
 * and senders are lower-cased. A sender entry matches right-anchored: the
 * entry "@example.com" allows every sender ending in it, "u@example.com"
 * that address (and any address ending in it).
 *
 * mfrules_check tries the keys in s/qmail's order (info, info@ip,
 * info@=host, ip, =host, IPv6 prefixes longest first, IPv4 prefixes
 * longest first, =.suffixes longest first, "="); the first key whose list
 * allows the sender (or is empty) passes; keys that exist but do not list
 * it are skipped; when nothing allowed it, the sender is refused. LOOKUP
 * is the caller's cdb access. Pure functions: nothing exits, buffers are
 * bounded (MFRULES_KEY_MAX), values are copied into caller storage.
 */
#ifndef MFRULES_H
#define MFRULES_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define MFRULES_KEY_MAX 512

enum mfrules_result { MFRULES_ALLOW, MFRULES_DENY, MFRULES_ERROR };

/* mfrules_lookup_fn: 1 and the value in OUT when KEY exists, 0 when it
 * does not, -1 on a read error */
typedef int mfrules_lookup_fn(
    void *ctx, const char *key, size_t len, struct strbuf *out);

struct mfrules_client {
	const char *ip;   /* TCPREMOTEIP; "::ffff:" is stripped */
	const char *host; /* TCPREMOTEHOST or NULL/"unknown" */
	const char *info; /* TCPREMOTEINFO / AUTH user, or NULL */
};

/* mfrules_check: MFRULES_ALLOW when SENDER (any case; "" always passes)
 * may be used by the client; MFRULES_ERROR when a lookup failed */
enum mfrules_result mfrules_check(mfrules_lookup_fn *lookup, void *ctx,
    const struct mfrules_client *c, const char *sender);

/* mfrules_list_allows: true when the comma list LIST (LEN bytes) is
 * empty or holds an entry SENDER (lower case) ends with */
bool mfrules_list_allows(const char *list, size_t len, const char *sender);

/* mfrules_parse: splits one source LINE into its keys (range expanded,
 * lower case) and the value (the lower-case comma list); false with
 * *WHY set when the line is malformed; blank and '#' lines give no keys */
bool mfrules_parse(const char *line, struct strlist *keys, struct strbuf *value,
    const char **why);

#endif
