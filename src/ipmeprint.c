/*
 * ipmeprint - prints every local address qmail-remote can bind to.
 *
 * One address per line: IPv4, then IPv6 with "%ifname" for scoped
 * (link-local) addresses, in the order getifaddrs(3) reports them. These
 * are the values control/domainips may name. Exit 0, or 111 when the
 * interfaces cannot be listed. See doc/ipmeprint.8.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "die.h"
#include "ipme.h"

int
main(int argc, char **argv)
{
	struct ipme me = IPME_INIT;
	char text[IPADDR_STRLEN];
	size_t i;
	int pass;

	(void)argv;
	die_init("ipmeprint");
	if (argc > 1)
		die_perm("usage: ipmeprint");
	if (!ipme_load(&me))
		die_temp_sys("cannot list the local addresses");
	for (pass = 0; pass < 2; pass++) {
		int family = pass == 0 ? AF_INET : AF_INET6;

		for (i = 0; i < me.len; i++) {
			const struct ipme_entry *e = &me.items[i];

			if (e->addr.family != family)
				continue;
			if (inet_ntop(family, e->addr.bytes, text,
				sizeof text) == NULL)
				continue;
			if (family == AF_INET6 && e->addr.scope != 0)
				printf("%s%%%s\n", text, e->ifname);
			else
				printf("%s\n", text);
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die_temp_sys("cannot write");
	ipme_free(&me);
	return 0;
}
