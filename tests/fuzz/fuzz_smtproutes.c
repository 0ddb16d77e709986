/*
 * fuzz_smtproutes.c - smtproutes/qmtproutes and authsenders parsing and
 * lookup on arbitrary lines.
 *
 * The input is split into lines; every line is parsed as a relay, the
 * whole is checked as an smtproutes and an authsenders file, and a few
 * domains are looked up. Checks: parsed fields are NUL-terminated within
 * their arrays and a port, when set, is 1..65535.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct route *r)
{
	if (memchr(r->host, '\0', sizeof r->host) == NULL ||
	    memchr(r->user, '\0', sizeof r->user) == NULL ||
	    memchr(r->password, '\0', sizeof r->password) == NULL ||
	    r->port > 65535)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *domains[] = { "example.com", "a.example.com", "",
		"x" };
	struct strlist lines = STRLIST_INIT;
	struct route r;
	size_t i, bad;

	if (!ctl_split_lines(&lines, (const char *)data, size))
		return 0;
	for (i = 0; i < lines.len; i++) {
		const char *colon = strchr(lines.items[i], ':');

		if (route_parse_relay(&r, colon ? colon + 1 : lines.items[i]))
			check(&r);
	}
	(void)routes_check(&lines, 's', &bad);
	(void)routes_check(&lines, 'a', &bad);
	for (i = 0; i < sizeof domains / sizeof domains[0]; i++) {
		if (route_lookup(&lines, domains[i], i & 1, &r) == ROUTE_FOUND)
			check(&r);
		if (authsender_lookup(&lines, domains[i], &r) == ROUTE_FOUND)
			check(&r);
	}
	strlist_free(&lines);
	return 0;
}
