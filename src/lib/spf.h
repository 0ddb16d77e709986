/*
 * spf.h - Sender Policy Framework (RFC 7208): check_host() for the
 * MAIL FROM identity (or postmaster@HELO for <>), as qmail-smtpd's SPF
 * levels use it (qmail-smtpd(8)).
 *
 * Mechanisms all, include, a, mx, ptr, ip4, ip6, exists; modifiers
 * redirect and exp (others are ignored); macros %{slodiphcrtv} with
 * digit and 'r' transformers and the delimiters .-+,/_= (upper case
 * letters URL-escape; %{p} expands to "unknown", which RFC 7208 7.3
 * allows). Limits: 10 DNS-querying terms (include, a, mx, ptr, exists,
 * redirect), 10 MX and 10 PTR names per term, 2 void lookups; beyond
 * them the result is permerror. A syntax error anywhere in a record is
 * permerror before anything is evaluated (4.6).
 *
 * DNS comes from a caller-supplied resolver (spf_resolver) so that the
 * evaluator can be tested without a network; spf_dns_resolver is the
 * real one over res_query (lib/dns.c). LOCALRULES, when not NULL, are
 * extra mechanisms tried in the top-level record just before its "all"
 * or redirect or its end (s/qmail's control/spflocalrules). Nothing here
 * exits; memory belongs to the caller (spf_outcome_free).
 */
#ifndef SPF_H
#define SPF_H

#include <stdbool.h>
#include <stddef.h>

#include "ipaddr.h"
#include "strbuf.h"

#define SPF_MAX_LOOKUPS 10
#define SPF_MAX_VOID    2
#define SPF_MAX_NAMES   10  /* MX or PTR names looked at per term */
#define SPF_MAX_TERMS   128 /* terms in one record */
#define SPF_MAX_DEPTH                                                          \
	20 /* nested include/redirect (the lookup                              \
	      limit stops loops first) */

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

/* resolver answers: SPF_DNS_OK with at least one record, SPF_DNS_VOID for
 * NXDOMAIN or no records of the type, SPF_DNS_TEMP for a failure */
enum spf_dns { SPF_DNS_OK, SPF_DNS_VOID, SPF_DNS_TEMP };

struct spf_resolver {
	/* txt: one string per TXT record (its strings concatenated) */
	enum spf_dns (*txt)(void *ctx, const char *name, struct strlist *out);
	/* addrs: A (AF_INET) or AAAA (AF_INET6) records, at most MAX */
	enum spf_dns (*addrs)(void *ctx, const char *name, int family,
	    struct ipaddr *out, size_t max, size_t *n);
	/* mx: the exchange names (all of them: more than SPF_MAX_NAMES
	   is the evaluator's permerror) */
	enum spf_dns (*mx)(void *ctx, const char *name, struct strlist *out);
	/* ptr: the names of IP */
	enum spf_dns (*ptr)(
	    void *ctx, const struct ipaddr *ip, struct strlist *out);
	void *ctx;
};

struct spf_query {
	struct ipaddr ip;       /* the client (IPv4-mapped IPv6 is IPv4) */
	const char *sender;     /* MAIL FROM, "" for <> */
	const char *helo;       /* HELO/EHLO argument */
	const char *receiver;   /* our name, for %{r} */
	const char *localrules; /* mechanisms, or NULL */
};

struct spf_outcome {
	enum spf_result result;
	char domain[256];          /* the domain checked first */
	char mechanism[128];       /* what decided, for the header */
	char problem[128];         /* why temperror/permerror */
	struct strbuf explanation; /* fail: exp= text, if any */
};

/* spf_check: evaluates Q; the result is also in OUT->result */
enum spf_result spf_check(const struct spf_resolver *r,
    const struct spf_query *q, struct spf_outcome *out);
void spf_outcome_free(struct spf_outcome *out);
/* spf_result_name: "pass", "fail", ... (RFC 7208 names) */
const char *spf_result_name(enum spf_result r);

/* spf_record_valid: true when TEXT is a syntactically valid SPF record
 * ("v=spf1" and terms); the parser the fuzzer drives */
bool spf_record_valid(const char *text);
/* spf_expand: expands the macro-string TEXT for Q and DOMAIN into OUT;
 * EXP allows c, r, t; false on a syntax error */
bool spf_expand(struct strbuf *out, const char *text, size_t len,
    const struct spf_query *q, const char *domain, bool exp);

/* spf_dns_resolver: the real resolver (res_query) */
extern const struct spf_resolver spf_dns_resolver;

#endif
