/*
 * ipaddr.c - IPv4 and IPv6 addresses as plain values. See ipaddr.h.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ipaddr.h"

bool
ipaddr_parse(struct ipaddr *out, const char *s)
{
	char buf[IPADDR_STRLEN];
	const char *pct;
	size_t len = strlen(s);

	memset(out, 0, sizeof *out);
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len + 1);
	if (inet_pton(AF_INET, buf, out->bytes) == 1) {
		out->family = AF_INET;
		return true;
	}
	if ((pct = strchr(s, '%')) != NULL) {
		buf[pct - s] = '\0';
		if (pct[1] == '\0')
			return false;
		if ((out->scope = if_nametoindex(pct + 1)) == 0)
			return false;
	}
	if (inet_pton(AF_INET6, buf, out->bytes) != 1)
		return false;
	out->family = AF_INET6;
	return true;
}

bool
ipaddr_parse_literal(struct ipaddr *out, const char *s)
{
	char buf[IPADDR_STRLEN];
	size_t len = strlen(s);

	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return false;
	s++;
	len -= 2;
	if (len >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
		if (len == 0 || len >= sizeof buf)
			return false;
		memcpy(buf, s, len);
		buf[len] = '\0';
		memset(out, 0, sizeof *out);
		if (inet_pton(AF_INET6, buf, out->bytes) != 1)
			return false;
		out->family = AF_INET6;
		return true;
	}
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->bytes) != 1)
		return false;
	out->family = AF_INET;
	return true;
}

void
ipaddr_format(const struct ipaddr *ip, char out[IPADDR_STRLEN])
{
	size_t len;

	if (inet_ntop(ip->family, ip->bytes, out, IPADDR_STRLEN) == NULL) {
		snprintf(out, IPADDR_STRLEN, "?");
		return;
	}
	if (ip->family == AF_INET6 && ip->scope != 0) {
		len = strlen(out);
		snprintf(out + len, IPADDR_STRLEN - len, "%%%lu",
		    (unsigned long)ip->scope);
	}
}

bool
ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return memcmp(a->bytes, b->bytes, 4) == 0;
	if (a->scope && b->scope && a->scope != b->scope)
		return false;
	return memcmp(a->bytes, b->bytes, 16) == 0;
}

socklen_t
ipaddr_sockaddr(const struct ipaddr *ip, unsigned port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	memset(ss, 0, sizeof *ss);
	if (ip->family == AF_INET) {
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, ip->bytes, 4);
		return sizeof *sin;
	}
	sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	memcpy(&sin6->sin6_addr, ip->bytes, 16);
	sin6->sin6_scope_id = ip->scope;
	return sizeof *sin6;
}

bool
ipaddr_from_sockaddr(struct ipaddr *out, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		out->family = AF_INET;
		memcpy(out->bytes, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		out->family = AF_INET6;
		memcpy(out->bytes, &sin6->sin6_addr, 16);
		out->scope = sin6->sin6_scope_id;
		return true;
	}
	return false;
}
