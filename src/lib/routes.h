/*
 * routes.h - s/qmail's routing control files, parsed and looked up.
 *
 * Formats (doc/qmail-remote.8 is the reference; one rule per line):
 *   smtproutes, qmtproutes   domain:relay[;port][|user|password]
 *   authsenders              sender:relay[;port]|user|password
 *   domainips                domain:localip[%ifname][|helohost]
 * In smtproutes and qmtproutes a key "domain" matches that domain only,
 * ".suffix" every domain below it, an empty key every domain, and "!@"
 * (smtproutes) every message with the null sender (bounces). An empty relay
 * ("domain:") means "look up MX as usual". A relay is a host name, an IPv4
 * address or an IPv6 address in brackets "[2001:db8::1]"; qmail's
 * "relay:port" form is accepted when the relay has no other colon. The
 * password is everything after the second '|', so it may contain '|'.
 * In domainips the key is the sender's domain with the same suffix rules,
 * and "*" is the default. In authsenders the key is a full address, then
 * "@domain", then the empty default.
 *
 * A malformed line anywhere makes the whole file invalid: the caller fails
 * temporarily (a typo must not bounce mail or send it the wrong way). The
 * lines come from ctl_read_lines; results point into them or are copied
 * into fixed-size fields. Nothing here allocates or exits.
 */
#ifndef ROUTES_H
#define ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define ROUTE_HOST_MAX 255
#define ROUTE_CRED_MAX 255

struct route {
	bool use_mx;			  /* empty relay: MX as usual */
	bool bracketed;			  /* relay was "[address]" */
	char host[ROUTE_HOST_MAX + 1];	  /* relay, without brackets */
	unsigned long port;		  /* 0: the protocol's default */
	bool auth;			  /* credentials given */
	char user[ROUTE_CRED_MAX + 1];
	char password[ROUTE_CRED_MAX + 1];
};

struct domainip {
	char ip[ROUTE_HOST_MAX + 1];	/* "" when only the HELO is set */
	char helo[ROUTE_HOST_MAX + 1];	/* "" when not set */
};

enum route_status { ROUTE_NONE, ROUTE_FOUND, ROUTE_INVALID };

/* route_parse_relay: parses "relay[;port][|user|password]" (or
 * "relay:port") from S; false on malformed input */
bool route_parse_relay(struct route *out, const char *s);
/* route_parse_domainip: parses "localip[%ifname][|helohost]" */
bool route_parse_domainip(struct domainip *out, const char *s);
/* routes_check: true when every line of an smtproutes-style file (WHAT
 * is 's'), an authsenders file ('a') or a domainips file ('d') parses;
 * *BAD is then the index of the first bad line */
bool routes_check(const struct strlist *lines, char what, size_t *bad);
/* route_lookup: finds the route for DOMAIN in smtproutes-style LINES;
 * NULL_SENDER enables the "!@" rule */
enum route_status route_lookup(const struct strlist *lines,
    const char *domain, bool null_sender, struct route *out);
/* authsender_lookup: finds the route for SENDER in authsenders LINES */
enum route_status authsender_lookup(const struct strlist *lines,
    const char *sender, struct route *out);
/* domainip_lookup: finds the entry for the sending DOMAIN in domainips */
enum route_status domainip_lookup(const struct strlist *lines,
    const char *domain, struct domainip *out);

#endif
