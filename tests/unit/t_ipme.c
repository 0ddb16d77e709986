/* t_ipme.c - unit tests for "is this address mine" (src/lib/ipme.c), the
 * check that keeps qmail-remote from delivering to an MX that is this
 * host. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ipaddr.h"
#include "ipme.h"
#include "tap.h"

static void
test_table(const struct ipme *me)
{
	static const struct {
		const char *addr;
		int mine;
	} cases[] = {
		{ "127.0.0.1", 1 },
		{ "127.1.2.3", 1 },
		{ "0.0.0.0", 1 },
		{ "::", 1 },
		/* IPv4-mapped: an AF_INET6 socket connects to the IPv4
		 * address, so these reach this host too */
		{ "::ffff:127.0.0.1", 1 },
		{ "::ffff:127.9.9.9", 1 },
		{ "::ffff:0.0.0.0", 1 },
		/* documentation ranges, on no interface of a test machine */
		{ "192.0.2.200", 0 },
		{ "::ffff:192.0.2.200", 0 },
		{ "2001:db8::dead", 0 },
		/* not mapped: ::ffff:0:0/96 only */
		{ "::fffe:7f00:1", 0 },
		{ "64:ff9b::7f00:1", 0 },
	};
	struct ipaddr ip;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!ok(ipaddr_parse(&ip, cases[i].addr), "parse %s",
			cases[i].addr))
			continue;
		is_num(ipme_is(me, &ip), cases[i].mine, cases[i].addr);
	}
}

/* every IPv4 interface address is mine, and so is its mapped form */
static void
test_interfaces(const struct ipme *me)
{
	struct ipaddr m;
	size_t i, n = 0;

	for (i = 0; i < me->len; i++) {
		const struct ipaddr *a = &me->items[i].addr;

		ok(ipme_is(me, a), "interface address %zu is mine", i);
		if (a->family != AF_INET)
			continue;
		memset(&m, 0, sizeof m);
		m.family = AF_INET6;
		m.bytes[10] = m.bytes[11] = 0xff;
		memcpy(m.bytes + 12, a->bytes, 4);
		ok(ipme_is(me, &m), "mapped form of IPv4 address %zu", i);
		n++;
	}
	ok(n > 0, "at least one IPv4 interface address");
}

int
main(void)
{
	struct ipme me = IPME_INIT;

	if (!ok(ipme_load(&me), "load"))
		return done_testing();
	test_table(&me);
	test_interfaces(&me);
	ipme_free(&me);
	return done_testing();
}
