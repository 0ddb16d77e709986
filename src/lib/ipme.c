/*
 * ipme.c - the addresses of this host. See ipme.h.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipme.h"

bool
ipme_load(struct ipme *me)
{
	struct ifaddrs *list, *ifa;
	struct ipme_entry *items;
	size_t n = 0, i = 0;
	size_t bytes;

	me->items = NULL;
	me->len = 0;
	if (getifaddrs(&list) == -1)
		return false;
	for (ifa = list; ifa; ifa = ifa->ifa_next)
		if (ifa->ifa_addr && (ifa->ifa_addr->sa_family == AF_INET ||
					 ifa->ifa_addr->sa_family == AF_INET6))
			n++;
	if (__builtin_mul_overflow(n ? n : 1, sizeof *items, &bytes) ||
	    (items = calloc(1, bytes)) == NULL) {
		freeifaddrs(list);
		errno = ENOMEM;
		return false;
	}
	for (ifa = list; ifa && i < n; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL ||
		    !ipaddr_from_sockaddr(&items[i].addr, ifa->ifa_addr))
			continue;
		if (ifa->ifa_name) {
			strncpy(items[i].ifname, ifa->ifa_name,
			    sizeof items[i].ifname - 1);
		}
		i++;
	}
	freeifaddrs(list);
	me->items = items;
	me->len = i;
	return true;
}

bool
ipme_is(const struct ipme *me, const struct ipaddr *ip)
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0xff, 0xff };
	struct ipaddr v4;
	size_t i;

	/* ::ffff:a.b.c.d reaches a.b.c.d (an AF_INET6 socket connects to it
	 * as IPv4): judge it as that address, or an MX of ::ffff:127.0.0.1
	 * would loop back to this host */
	if (ip->family == AF_INET6 && memcmp(ip->bytes, mapped, 12) == 0) {
		memset(&v4, 0, sizeof v4);
		v4.family = AF_INET;
		memcpy(v4.bytes, ip->bytes + 12, 4);
		return ipme_is(me, &v4);
	}
	if (memcmp(ip->bytes, zero, ip->family == AF_INET ? 4 : 16) == 0)
		return true;
	/* all of 127.0.0.0/8 reaches this host, listed or not */
	if (ip->family == AF_INET && ip->bytes[0] == 127)
		return true;
	for (i = 0; i < me->len; i++) {
		const struct ipaddr *a = &me->items[i].addr;

		/* the scope is not compared: an MX naming our own
		 * link-local address is ours on any interface */
		if (a->family == ip->family &&
		    memcmp(a->bytes, ip->bytes,
			ip->family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

void
ipme_free(struct ipme *me)
{
	free(me->items);
	me->items = NULL;
	me->len = 0;
}
