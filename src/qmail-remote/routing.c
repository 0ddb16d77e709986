/*
 * routing.c - qmail-remote's routing: the control files that choose the
 * peer and set up the connection (qmtproutes, smtproutes, authsenders,
 * tlsdestinations, domaincerts, domainips, the timeouts), and the peers
 * themselves (a relay's addresses, or the MX records). See remote.h.
 *
 * A broken control file or a name that cannot be looked up just now ends
 * the delivery with a Z through remote_fail (deliver.c), never a D; a
 * domain that has no mail host, or a null MX, is a D. Nothing here keeps
 * state between deliveries.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "dns.h"
#include "idn.h"
#include "ipme.h"
#include "remote.h"
#include "routes.h"

#define fail	     remote_fail
#define fail_control remote_fail_control

bool
remote_name_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* fail_bad_line: the report for line BAD (from 0) of control file PATH */
static _Noreturn void
fail_bad_line(const char *path, size_t bad)
{
	struct strbuf t = STRBUF_INIT;

	xstrbuf_appends(&t, "Unable to parse ");
	xstrbuf_appends(&t, path);
	xstrbuf_appends(&t, " line ");
	xstrbuf_append_ulong(&t, (unsigned long)bad + 1);
	xstrbuf_appends(&t, ". (#4.3.0)");
	fail('Z', t.data);
}

/* read_lines: reads the control file PATH (missing: empty) and checks
 * every line with CHECK; a bad line defers the delivery */
static void
read_lines(struct strlist *sl, const char *path,
    bool (*check)(const struct strlist *, size_t *))
{
	size_t bad;

	switch (ctl_read_lines(sl, path)) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		return;
	case CTL_ERROR:
		fail_control();
	}
	if (!check(sl, &bad))
		fail_bad_line(path, bad);
}

/* the line checks of routes.h, one per file kind */
static bool
check_routes(const struct strlist *sl, size_t *bad)
{
	return routes_check(sl, 's', bad);
}

static bool
check_authsenders(const struct strlist *sl, size_t *bad)
{
	return routes_check(sl, 'a', bad);
}

static bool
check_domainips(const struct strlist *sl, size_t *bad)
{
	return routes_check(sl, 'd', bad);
}

int
remote_read_timeout(const char *path, unsigned long def)
{
	unsigned long v;

	switch (ctl_read_ulong(&v, path, 1, 86400)) {
	case CTL_OK:
		return (int)v;
	case CTL_MISSING:
		return (int)def;
	default:
		fail_control();
	}
}

/* OUT = the A-label, lower-case form of NAME */
bool
remote_ascii_name(const char *name, struct strbuf *out)
{
	const char *p;

	for (p = name; *p; p++)
		if ((unsigned char)*p >= 0x80)
			break;
	if (*p) {
		if (!idn_domain_to_ascii(name, out))
			return false;
	} else {
		xstrbuf_copys(out, name);
	}
	strbuf_lower(out);
	return true;
}

/* the peers of a relay given in a routing file */
void
remote_relay_peers(const struct route *route, struct dns_peers *peers,
    const char *file)
{
	struct strbuf name = STRBUF_INIT, t = STRBUF_INIT;
	const char *h = route->host;
	struct ipaddr ip;

	peers->len = 0;
	if (route->bracketed && strncasecmp(h, "IPv6:", 5) == 0)
		h += 5;
	if (ipaddr_parse(&ip, h)) {
		peers->items[0].addr = ip;
		peers->items[0].pref = 0;
		peers->len = 1;
		return;
	}
	if (!route->bracketed && remote_ascii_name(h, &name)) {
		switch (dns_host_addrs(name.data, 0, peers)) {
		case DNS_OK:
			return;
		case DNS_SOFT:
			fail('Z', "Sorry, I couldn't find any host by that"
			    " name. (#4.1.2)");
		default:
			break;
		}
	}
	/* a broken routing file must not bounce mail */
	xstrbuf_appends(&t, "Sorry, the relay ");
	xstrbuf_appends(&t, route->host);
	xstrbuf_appends(&t, " in ");
	xstrbuf_appends(&t, file);
	xstrbuf_appends(&t, " has no address. (#4.4.3)");
	fail('Z', t.data);
}

/* the MX peers of DOMAIN, without those at or behind this host */
void
remote_mx_peers(const char *domain, struct dns_peers *peers,
    const char *host)
{
	struct ipme me = IPME_INIT;
	struct strbuf t = STRBUF_INIT;
	struct ipaddr ip;
	unsigned prefme = 100000;
	size_t i, n;

	peers->len = 0;
	if (ipaddr_parse_literal(&ip, host)) {
		peers->items[0].addr = ip;
		peers->items[0].pref = 0;
		peers->len = 1;
	} else {
		switch (dns_mx_addrs(domain, peers)) {
		case DNS_OK:
			break;
		case DNS_SOFT:
			fail('Z', "Sorry, I couldn't find any host by that"
			    " name. (#4.1.2)");
		case DNS_NULLMX:
			xstrbuf_appends(&t, "Sorry, ");
			xstrbuf_appends(&t, host);
			xstrbuf_appends(&t, " does not accept mail"
			    " (null MX). (#5.1.10)");
			fail('D', t.data);
		case DNS_HARD:
			xstrbuf_appends(&t, "Sorry, I couldn't find any host"
			    " named ");
			xstrbuf_appends(&t, host);
			xstrbuf_appends(&t, ". (#5.1.2)");
			fail('D', t.data);
		}
	}
	if (!ipme_load(&me))
		fail('Z', "System resources temporarily unavailable."
		    " (#4.3.0)");
	/* qmail: never deliver to an MX at or below our own preference */
	for (i = 0; i < peers->len; i++)
		if (peers->items[i].pref < prefme &&
		    ipme_is(&me, &peers->items[i].addr))
			prefme = peers->items[i].pref;
	ipme_free(&me);
	for (i = n = 0; i < peers->len; i++)
		if (peers->items[i].pref < prefme)
			peers->items[n++] = peers->items[i];
	peers->len = n;
	if (n == 0)
		fail('D', "Sorry. Although I'm listed as a best-preference"
		    " MX or A for that host,\nit isn't in my control/locals"
		    " file, so I don't treat it as local. (#5.4.6)");
}

/* control/domainips: the source address and HELO for the sender's domain */
bool
remote_source_address(const struct remote *rm, struct ipaddr *local,
    struct strbuf *helo)
{
	struct strlist lines = STRLIST_INIT;
	struct strbuf domain = STRBUF_INIT, t = STRBUF_INIT;
	struct domainip di;
	const char *at = strrchr(rm->sender, '@');
	bool have = false;

	read_lines(&lines, "control/domainips", check_domainips);
	xstrbuf_copys(&domain, at ? at + 1 : "");
	strbuf_lower(&domain);
	switch (domainip_lookup(&lines, domain.data, &di)) {
	case ROUTE_NONE:
		break;
	case ROUTE_INVALID:
		fail_control();
	case ROUTE_FOUND:
		if (di.helo[0]) {
			if (!remote_name_ok(di.helo))
				fail_control();
			xstrbuf_copys(helo, di.helo);
		}
		if (di.ip[0] == '\0')
			break;
		xstrbuf_appends(&t, "The local address ");
		xstrbuf_appends(&t, di.ip);
		xstrbuf_appends(&t, " in control/domainips ");
		if (!ipaddr_parse(local, di.ip)) {
			xstrbuf_appends(&t, "is not a valid address or names"
			    " an unknown interface. (#4.3.0)");
			fail('Z', t.data);
		}
		/* whether this host has the address is seen when binding
		 * to it (net_connect): getifaddrs does not show all of
		 * 127.0.0.0/8, for one */
		have = true;
		break;
	}
	strlist_free(&lines);
	strbuf_free(&domain);
	strbuf_free(&t);
	return have;
}

/* qmtproutes, then smtproutes, then MX */
void
remote_choose_route(const struct remote *rm, const struct remote_files *f,
    const char *domain, struct route *route, bool *is_qmtp)
{
	*is_qmtp = false;
	switch (route_lookup(&f->qmtp, domain, false, route)) {
	case ROUTE_FOUND:
		*is_qmtp = true;
		return;
	case ROUTE_INVALID:
		fail_control();
	case ROUTE_NONE:
		break;
	}
	switch (route_lookup(&f->smtp, domain, rm->sender[0] == '\0', route)) {
	case ROUTE_INVALID:
		fail_control();
	case ROUTE_NONE:
		memset(route, 0, sizeof *route);
		route->use_mx = true;
		break;
	case ROUTE_FOUND:
		break;
	}
}

/* copies S lower-cased into DST of CAP bytes; false when too long */
static bool
lower_copy(char *dst, size_t cap, const char *s, size_t len)
{
	size_t i;

	if (len >= cap)
		return false;
	for (i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[len] = '\0';
	return true;
}

/*
 * The TLS policy and credentials for this delivery: the tlsdestinations
 * rule for the relay (or, without one, the recipients' domain) and the
 * sender's domain, its port, SMTPS/QMTPS, the client certificate.
 */
void
remote_tls_policy(struct remote *rm, const struct remote_files *f,
    const struct route *route, const char *domain, unsigned *port,
    bool is_qmtp)
{
	struct strbuf t = STRBUF_INIT;
	char sender_domain[TLSDEST_FIELD_MAX + 1] = "";
	const char *at = strrchr(rm->sender, '@');
	const char *host = route->use_mx ? domain : route->host;
	size_t len = strlen(host);

	if (host[0] == '[' && len > 1 && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len > 5 && strncasecmp(host, "IPv6:", 5) == 0) {
		host += 5;
		len -= 5;
	}
	if (!lower_copy(rm->tls_host, sizeof rm->tls_host, host, len))
		fail_control();
	if (at != NULL &&
	    !lower_copy(sender_domain, sizeof sender_domain, at + 1,
		strlen(at + 1)))
		sender_domain[0] = '\0'; /* too long to be in any rule */
	if (tlsdest_lookup(&f->tlsd, rm->tls_host, sender_domain, &rm->tls) ==
	    TLSDEST_INVALID)
		fail_control();
	if (rm->tls.port != 0)
		*port = (unsigned)rm->tls.port;
	rm->tls_implicit = is_qmtp ? *port == 6209 : *port == 465;
	xstrbuf_appends(&t, "Sorry, ");
	if (rm->tls_implicit && rm->tls.level == TLSDEST_NEVER) {
		xstrbuf_appends(&t, "control/tlsdestinations says never TLS"
		    " for ");
		xstrbuf_appends(&t, rm->tls_host);
		xstrbuf_appends(&t, ", but its port is TLS only. (#4.3.0)");
		fail('Z', t.data);
	}
	if (is_qmtp && !rm->tls_implicit &&
	    rm->tls.level >= TLSDEST_MUST_ANON) {
		xstrbuf_appends(&t, "TLS is required for ");
		xstrbuf_appends(&t, rm->tls_host);
		xstrbuf_appends(&t, ", but QMTP has it only on port 6209."
		    " (#4.7.5)");
		fail('Z', t.data);
	}
	if (is_qmtp && route->auth)
		fail('Z', "Sorry, control/qmtproutes gives credentials, but"
		    " QMTP has no AUTH. (#4.3.5)");
	strbuf_free(&t);
	if (rm->tls.level != TLSDEST_NEVER) {
		switch (domaincert_lookup(&f->certs, sender_domain, &rm->cert)) {
		case TLSDEST_FOUND:
			rm->have_cert = true;
			report_secret(rm, rm->cert.password,
			    strlen(rm->cert.password));
			break;
		case TLSDEST_INVALID:
			fail_control();
		case TLSDEST_NONE:
			break;
		}
	}
	rm->auth = route->auth;
	if (rm->auth) {
		rm->user = route->user;
		rm->password = route->password;
		report_secret(rm, rm->password, strlen(rm->password));
	}
}

void
remote_read_files(struct remote_files *f)
{
	strlist_free(&f->qmtp);
	strlist_free(&f->smtp);
	strlist_free(&f->auths);
	strlist_free(&f->tlsd);
	strlist_free(&f->certs);
	read_lines(&f->qmtp, "control/qmtproutes", check_routes);
	read_lines(&f->smtp, "control/smtproutes", check_routes);
	read_lines(&f->auths, "control/authsenders", check_authsenders);
	read_lines(&f->tlsd, "control/tlsdestinations", tlsdest_check);
	read_lines(&f->certs, "control/domaincerts", domaincerts_check);
}
