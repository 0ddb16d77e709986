/*
 * ipme.h - the addresses of this host ("ip me", as qmail calls it).
 *
 * ipme_load enumerates the local interface addresses with getifaddrs(3),
 * IPv4 and IPv6, keeping each IPv6 address's scope and the interface name.
 * qmail-remote uses the list to notice an MX that points back at this host
 * and to check that a control/domainips source address exists; ipmeprint
 * prints it. The list is owned by the caller (ipme_free). Functions return
 * false with errno set and never exit. Not for signal handlers.
 */
#ifndef IPME_H
#define IPME_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "ipaddr.h"

struct ipme_entry {
	struct ipaddr addr;
	char ifname[IF_NAMESIZE];
};

struct ipme {
	struct ipme_entry *items;
	size_t len;
};
#define IPME_INIT { NULL, 0 }

/* ipme_load: fills ME with every local address; false on failure */
bool ipme_load(struct ipme *me);
/* ipme_is: true when IP is one of ours; the wildcard addresses 0.0.0.0
 * and :: and all of 127.0.0.0/8 count as ours, since a connection to
 * them reaches this host; an IPv4-mapped IPv6 address counts as its IPv4
 * address */
bool ipme_is(const struct ipme *me, const struct ipaddr *ip);
void ipme_free(struct ipme *me);

#endif
