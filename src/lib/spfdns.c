/*
 * spfdns.c - the real resolver for lib/spf.c, over lib/dns.c (res_query).
 * No resolver header here: the plain (musl) qmail-smtpd links this file
 * against handoff.c's stubs and never calls it (SPF sessions run in the
 * full build).
 */
#include "dns.h"
#include "spf.h"

static enum spf_dns
map(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return SPF_DNS_OK;
	case DNS_HARD:
	case DNS_NULLMX:
		return SPF_DNS_VOID;
	case DNS_SOFT:
		break;
	}
	return SPF_DNS_TEMP;
}

static enum spf_dns
txt(void *ctx, const char *name, struct strlist *out)
{
	(void)ctx;
	return map(dns_txt(name, out));
}

static enum spf_dns
addrs(void *ctx, const char *name, int family, struct ipaddr *out, size_t max,
    size_t *n)
{
	(void)ctx;
	return map(dns_addrs(name, family, out, max, n));
}

static enum spf_dns
mx(void *ctx, const char *name, struct strlist *out)
{
	(void)ctx;
	return map(dns_mx_names(name, out));
}

static enum spf_dns
ptr(void *ctx, const struct ipaddr *ip, struct strlist *out)
{
	(void)ctx;
	return map(dns_ptr(ip, out));
}

const struct spf_resolver spf_dns_resolver = {txt, addrs, mx, ptr, NULL};
