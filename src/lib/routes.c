/*
 * routes.c - smtproutes, qmtproutes, authsenders and domainips. See
 * routes.h.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "routes.h"

/* copies LEN bytes of S into DST of size CAP; false when too long */
static bool
copy_field(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

static bool
parse_port(const char *s, size_t len, unsigned long *port)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n == 0 || n > 65535)
		return false;
	*port = n;
	return true;
}

/* a host name or address: no blanks, controls, or separators left over */
static bool
host_ok(const char *s, bool bracketed)
{
	const unsigned char *p;

	if (*s == '\0')
		return false;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '|' || *p == ';' ||
		    *p == '[' || *p == ']' || *p == '@' || *p == '/' ||
		    *p == '\\')
			return false;
		if (*p == ':' && !bracketed)
			return false;
	}
	return true;
}

/* credentials: "user|password" with a non-empty user */
static bool
parse_credentials(struct route *out, const char *s)
{
	const char *bar = strchr(s, '|');

	if (bar == NULL || bar == s)
		return false;
	if (!copy_field(out->user, sizeof out->user, s, (size_t)(bar - s)) ||
	    !copy_field(out->password, sizeof out->password, bar + 1,
		strlen(bar + 1)))
		return false;
	out->auth = true;
	return true;
}

bool
route_parse_relay(struct route *out, const char *s)
{
	const char *hostend, *rest, *bar, *colon;
	size_t hostlen;

	memset(out, 0, sizeof *out);
	bar = strchr(s, '|');
	if (s[0] == '[') {
		if ((hostend = strchr(s, ']')) == NULL ||
		    (bar && bar < hostend))
			return false;
		out->bracketed = true;
		if (!copy_field(out->host, sizeof out->host, s + 1,
			(size_t)(hostend - s - 1)))
			return false;
		rest = hostend + 1;
	} else {
		hostlen = strcspn(s, ";|");
		colon = memchr(s, ':', hostlen);
		/* qmail's relay:port, only when the colon is the one colon
		 * and digits follow: an unbracketed IPv6 is rejected */
		if (colon) {
			unsigned long port;

			if (memchr(colon + 1, ':', hostlen -
				(size_t)(colon - s) - 1) ||
			    !parse_port(colon + 1,
				hostlen - (size_t)(colon - s) - 1, &port) ||
			    s[hostlen] == ';')
				return false;
			out->port = port;
			hostlen = (size_t)(colon - s);
			if (hostlen == 0)
				return false;
		}
		if (!copy_field(out->host, sizeof out->host, s, hostlen))
			return false;
		rest = s + strcspn(s, ";|");
	}
	if (*rest == '\0' && out->host[0] == '\0') {
		out->use_mx = true;
		return true;
	}
	if (!host_ok(out->host, out->bracketed))
		return false;
	if (*rest == ';') {
		size_t plen = strcspn(rest + 1, "|");

		if (out->port || !parse_port(rest + 1, plen, &out->port))
			return false;
		rest += 1 + plen;
	}
	if (*rest == '|')
		return parse_credentials(out, rest + 1);
	return *rest == '\0';
}

bool
route_parse_domainip(struct domainip *out, const char *s)
{
	size_t iplen = strcspn(s, "|");
	const char *helo = s[iplen] == '|' ? s + iplen + 1 : "";
	const char *p;

	memset(out, 0, sizeof *out);
	if (iplen >= 2 && s[0] == '[' && s[iplen - 1] == ']') {
		s++;
		iplen -= 2;
	}
	if (!copy_field(out->ip, sizeof out->ip, s, iplen) ||
	    !copy_field(out->helo, sizeof out->helo, helo, strlen(helo)))
		return false;
	for (p = out->ip; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != '.' && *p != ':' &&
		    *p != '%' && !isalnum((unsigned char)*p) && *p != '-' &&
		    *p != '_')
			return false;
	for (p = out->helo; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return out->ip[0] != '\0' || out->helo[0] != '\0';
}

bool
routes_check(const struct strlist *lines, char what, size_t *bad)
{
	struct route r;
	struct domainip d;
	const char *value;
	size_t i, keylen;
	bool good;

	for (i = 0; i < lines->len; i++) {
		if (!ctl_split_key(lines->items[i], &value, &keylen)) {
			*bad = i;
			return false;
		}
		if (what == 'd')
			good = keylen > 0 && route_parse_domainip(&d, value);
		else if (what == 'a')
			good = route_parse_relay(&r, value) && !r.use_mx &&
			    r.auth;
		else
			good = route_parse_relay(&r, value);
		if (!good) {
			*bad = i;
			return false;
		}
	}
	return true;
}


static enum route_status
relay_result(const char *value, struct route *out)
{
	if (value == NULL)
		return ROUTE_NONE;
	return route_parse_relay(out, value) ? ROUTE_FOUND : ROUTE_INVALID;
}

enum route_status
route_lookup(const struct strlist *lines, const char *domain,
    bool null_sender, struct route *out)
{
	const char *value = NULL;

	if (null_sender)
		value = ctl_find_key(lines, "!@", 2);
	if (value == NULL)
		value = ctl_find_domain(lines, domain);
	if (value == NULL)
		value = ctl_find_key(lines, "", 0);
	return relay_result(value, out);
}

enum route_status
authsender_lookup(const struct strlist *lines, const char *sender,
    struct route *out)
{
	const char *at = strrchr(sender, '@');
	const char *value = NULL;

	if (*sender)
		value = ctl_find_key(lines, sender, strlen(sender));
	if (value == NULL && at)
		value = ctl_find_key(lines, at, strlen(at));
	if (value == NULL)
		value = ctl_find_key(lines, "", 0);
	return relay_result(value, out);
}

enum route_status
domainip_lookup(const struct strlist *lines, const char *domain,
    struct domainip *out)
{
	const char *value = NULL;

	if (*domain)
		value = ctl_find_domain(lines, domain);
	if (value == NULL)
		value = ctl_find_key(lines, "*", 1);
	if (value == NULL)
		return ROUTE_NONE;
	return route_parse_domainip(out, value) ? ROUTE_FOUND : ROUTE_INVALID;
}
