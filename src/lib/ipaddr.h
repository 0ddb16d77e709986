/*
 * ipaddr.h - IPv4 and IPv6 addresses as plain values.
 *
 * A struct ipaddr holds one address of either family in network byte
 * order, plus the IPv6 scope (interface index; 0 when none). Parsing takes
 * the textual forms of inet_pton, an optional "%ifname" scope for IPv6, and
 * the SMTP address literals "[1.2.3.4]" and "[IPv6:...]" (RFC 5321 4.1.3).
 * Everything here works on caller-owned memory, returns false on bad input
 * and never exits. Safe in signal handlers: no.
 */
#ifndef IPADDR_H
#define IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "ffff:...:255.255.255.255%" plus an interface name */
#define IPADDR_STRLEN 64

struct ipaddr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
	uint32_t scope;
};

/* ipaddr_parse: parses "1.2.3.4", "::1" or "fe80::1%eth0"; false on
 * garbage or an unknown interface name */
bool ipaddr_parse(struct ipaddr *out, const char *s);
/* ipaddr_parse_literal: parses "[1.2.3.4]" or "[IPv6:::1]" (case-
 * insensitive tag); false when S is not such a literal */
bool ipaddr_parse_literal(struct ipaddr *out, const char *s);
/* ipaddr_format: writes the address (with %scope index when set) to OUT */
void ipaddr_format(const struct ipaddr *ip, char out[IPADDR_STRLEN]);
/* ipaddr_equal: same family and bytes (scope ignored unless both set) */
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* ipaddr_sockaddr: fills SS for IP and PORT; returns its length */
socklen_t ipaddr_sockaddr(const struct ipaddr *ip, unsigned port,
    struct sockaddr_storage *ss);
/* ipaddr_from_sockaddr: the reverse; false for other families */
bool ipaddr_from_sockaddr(struct ipaddr *out, const struct sockaddr *sa);

#endif
