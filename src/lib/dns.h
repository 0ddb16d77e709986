/*
 * dns.h - finding the SMTP peers of a domain (RFC 5321 section 5).
 *
 * Queries go through libc's resolver (res_query) and answers are parsed
 * with ns_initparse/ns_parserr (-lresolv) with every length checked:
 * records of the wrong type, class or owner are skipped, CNAME chains are
 * followed (at most DNS_MAX_CNAME links; the name the caller asked for is
 * never replaced), and at most DNS_MAX_ADDRS addresses are kept.
 *
 * dns_mx_addrs returns the addresses of the MX hosts of a domain, lowest
 * preference first, hosts of equal preference in random order, each
 * host's IPv6 addresses before its IPv4 ones; with no MX record the domain
 * itself is the one MX of preference 0 (implicit MX). Names must already
 * be in A-label (ASCII) form. The result lives in caller memory.
 *
 * Status: DNS_OK; DNS_HARD when the name does not exist or has no usable
 * address (the caller bounces); DNS_NULLMX for an RFC 7505 null MX;
 * DNS_SOFT for a temporary failure (SERVFAIL, timeout, ENOMEM; the caller
 * retries). Nothing here exits; not for signal handlers.
 */
#ifndef DNS_H
#define DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "ipaddr.h"
#include "strbuf.h"

#define DNS_MAX_ADDRS 64
#define DNS_MAX_MX    32
#define DNS_MAX_CNAME 8
#define DNS_NAME_MAX  1025

enum dns_status { DNS_OK, DNS_HARD, DNS_SOFT, DNS_NULLMX };

struct dns_peer {
	struct ipaddr addr;
	unsigned pref;
	char name[DNS_NAME_MAX]; /* the MX host name (for messages) */
};

struct dns_peers {
	struct dns_peer items[DNS_MAX_ADDRS];
	size_t len;
};

struct dns_mx {
	unsigned pref;
	char name[DNS_NAME_MAX];
};

/* dns_mx_addrs: fills OUT with the peers of DOMAIN */
enum dns_status dns_mx_addrs(const char *domain, struct dns_peers *out);
/* dns_host_addrs: appends the AAAA then A addresses of HOST with PREF */
enum dns_status dns_host_addrs(const char *host, unsigned pref,
    struct dns_peers *out);

/*
 * The parsers, exposed for the fuzzer and unit tests. ANSWER is a DNS
 * message of LEN bytes for QNAME. Each returns the number of records
 * stored (at most MAX), 0 for none, -1 when the message is malformed.
 */
int dns_parse_mx(const unsigned char *answer, size_t len, const char *qname,
    struct dns_mx *out, size_t max);
/* dns_parse_addrs: TYPE is ns_t_a or ns_t_aaaa */
int dns_parse_addrs(const unsigned char *answer, size_t len,
    const char *qname, int type, struct ipaddr *out, size_t max);

/* For SPF (lib/spf.c): DNS_OK with at least one record, DNS_HARD for
 * NXDOMAIN or none of the type, DNS_SOFT for a failure, and for more
 * than DNS_MAX_TXT TXT records (refused, not cut short: a record past
 * the limit could change the SPF result). The limit is far above what
 * real domains publish (their verification records run to dozens), so
 * that the refusal, a lasting 451 under SPF >= 2, never meets one; the
 * 64 KB answer bounds the memory in any case. */
#define DNS_MAX_TXT 1024
/* dns_txt: appends each TXT record (its strings joined) to OUT */
enum dns_status dns_txt(const char *name, struct strlist *out);
/* dns_addrs: the A (FAMILY AF_INET) or AAAA (AF_INET6) records of NAME */
enum dns_status dns_addrs(const char *name, int family, struct ipaddr *out,
    size_t max, size_t *n);
/* dns_mx_names: appends the MX exchange names of DOMAIN to OUT */
enum dns_status dns_mx_names(const char *domain, struct strlist *out);
/* dns_ptr: appends the PTR names of IP to OUT */
enum dns_status dns_ptr(const struct ipaddr *ip, struct strlist *out);
/* dns_parse_txt: the TXT records of ANSWER into OUT (-1: malformed) */
int dns_parse_txt(const unsigned char *answer, size_t len,
    const char *qname, struct strlist *out);

#endif
