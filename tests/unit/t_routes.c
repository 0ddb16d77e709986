/* t_routes.c - unit tests for smtproutes, authsenders and domainips
 * parsing and lookup (src/lib/routes.c). */
#include <stdio.h>
#include <string.h>

#include "routes.h"
#include "tap.h"

static void
test_relay(void)
{
	static const struct {
		const char *in;
		int ok;
		const char *host;
		unsigned long port;
		const char *user, *password;
		int use_mx;
	} cases[] = {
		{ "relay.example", 1, "relay.example", 0, "", "", 0 },
		{ "relay.example;2525", 1, "relay.example", 2525, "", "", 0 },
		{ "relay.example:2525", 1, "relay.example", 2525, "", "", 0 },
		{ "1.2.3.4;26|user|pa|ss:w", 1, "1.2.3.4", 26, "user",
		    "pa|ss:w", 0 },
		{ "relay|u|", 1, "relay", 0, "u", "", 0 },
		{ "[2001:db8::1];25", 1, "2001:db8::1", 25, "", "", 0 },
		{ "[::1]", 1, "::1", 0, "", "", 0 },
		{ "", 1, "", 0, "", "", 1 },
		{ "2001:db8::1", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay;0", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay;65536", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay;25x", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay:25;26", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay;", 0, NULL, 0, NULL, NULL, 0 },
		{ ";25", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay|user", 0, NULL, 0, NULL, NULL, 0 },
		{ "relay||pw", 0, NULL, 0, NULL, NULL, 0 },
		{ "re lay", 0, NULL, 0, NULL, NULL, 0 },
		{ "[::1", 0, NULL, 0, NULL, NULL, 0 },
		{ "[::1]x", 0, NULL, 0, NULL, NULL, 0 },
		{ ":25", 0, NULL, 0, NULL, NULL, 0 },
	};
	struct route r;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = route_parse_relay(&r, cases[i].in);

		snprintf(name, sizeof name, "relay '%s'", cases[i].in);
		is_num(got, cases[i].ok, name);
		if (!got || !cases[i].ok)
			continue;
		is_str(r.host, cases[i].host, name);
		is_num((long long)r.port, (long long)cases[i].port, name);
		is_str(r.user, cases[i].user, name);
		is_str(r.password, cases[i].password, name);
		is_num(r.auth, cases[i].user[0] != '\0', name);
		is_num(r.use_mx, cases[i].use_mx, name);
	}
}

static void
test_lookup(void)
{
	static char *lines[] = {
		"example.com:exact.relay",
		".example.com:suffix.relay;26",
		"mx.example.org:",
		"!@:bounce.relay",
		":default.relay",
	};
	static const struct {
		const char *domain;
		int null_sender;
		const char *host; /* "" with use_mx */
	} cases[] = {
		{ "example.com", 0, "exact.relay" },
		{ "EXAMPLE.com", 0, "exact.relay" },
		{ "a.example.com", 0, "suffix.relay" },
		{ "a.b.example.com", 0, "suffix.relay" },
		{ "badexample.com", 0, "default.relay" },
		{ "mx.example.org", 0, "" },
		{ "other.net", 0, "default.relay" },
		{ "example.com", 1, "bounce.relay" },
	};
	struct strlist sl = { lines, 5, 5 };
	struct strlist empty = STRLIST_INIT;
	struct route r;
	size_t i, bad;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_num(route_lookup(&sl, cases[i].domain,
			   cases[i].null_sender, &r),
		    ROUTE_FOUND, cases[i].domain);
		is_str(r.host, cases[i].host, cases[i].domain);
		is_num(r.use_mx, cases[i].host[0] == '\0', cases[i].domain);
	}
	is_num(route_lookup(&empty, "x.net", 0, &r), ROUTE_NONE, "no file");
	ok(routes_check(&sl, 's', &bad), "smtproutes lines check");
	lines[1] = "nocolon";
	ok(!routes_check(&sl, 's', &bad) && bad == 1, "bad line found");
	lines[1] = ".example.com:suffix.relay;26";
}

static void
test_authsenders(void)
{
	static char *lines[] = {
		"@example.com:relay.example.com|user|passwd",
		"info@example.com:relay.example.com;26|infouser|infopasswd",
		":mailrelay.example.com|e=mc2|testpass",
	};
	struct strlist sl = { lines, 3, 3 };
	struct route r;
	size_t bad;

	is_num(authsender_lookup(&sl, "info@example.com", &r), ROUTE_FOUND,
	    "full address");
	is_str(r.user, "infouser", "full address user");
	is_num((long long)r.port, 26, "full address port");
	authsender_lookup(&sl, "other@example.com", &r);
	is_str(r.user, "user", "@domain");
	authsender_lookup(&sl, "x@elsewhere.net", &r);
	is_str(r.host, "mailrelay.example.com", "default");
	is_str(r.password, "testpass", "default password");
	authsender_lookup(&sl, "", &r);
	is_str(r.user, "e=mc2", "null sender uses the default");
	ok(routes_check(&sl, 'a', &bad), "authsenders check");
	lines[2] = ":relay.without.credentials";
	ok(!routes_check(&sl, 'a', &bad) && bad == 2,
	    "authsenders needs credentials");
}

static void
test_domainips(void)
{
	static char *lines[] = {
		"example.com:2001::ee01|mail.example.com",
		"security.mil:fe80::ee01%eth0",
		".sub.example.net:[10.0.0.1]",
		"helo.only:|helo.example",
		"*:1.2.3.34",
	};
	static const struct {
		const char *domain, *ip, *helo;
	} cases[] = {
		{ "example.com", "2001::ee01", "mail.example.com" },
		{ "security.mil", "fe80::ee01%eth0", "" },
		{ "a.sub.example.net", "10.0.0.1", "" },
		{ "sub.example.net", "1.2.3.34", "" },
		{ "notexample.com", "1.2.3.34", "" },
		{ "helo.only", "", "helo.example" },
		{ "", "1.2.3.34", "" },
	};
	struct strlist sl = { lines, 5, 5 };
	struct domainip d;
	size_t i, bad;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		is_num(domainip_lookup(&sl, cases[i].domain, &d), ROUTE_FOUND,
		    cases[i].domain);
		is_str(d.ip, cases[i].ip, cases[i].domain);
		is_str(d.helo, cases[i].helo, cases[i].domain);
	}
	ok(routes_check(&sl, 'd', &bad), "domainips check");
	lines[3] = "bad:1.2.3.4|helo with space";
	ok(!routes_check(&sl, 'd', &bad) && bad == 3, "bad helo");
	lines[3] = "bad:";
	ok(!routes_check(&sl, 'd', &bad) && bad == 3, "empty entry");
	lines[3] = ":1.2.3.4";
	ok(!routes_check(&sl, 'd', &bad) && bad == 3, "empty key");
	sl.len = 2;
	is_num(domainip_lookup(&sl, "x.net", &d), ROUTE_NONE, "no default");
}

int
main(void)
{
	test_relay();
	test_lookup();
	test_authsenders();
	test_domainips();
	return done_testing();
}
