/*
 * fuzz_domainips.c - control/domainips parsing and lookup on arbitrary
 * lines, and the address parser it feeds (ipaddr_parse, literals).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ipaddr.h"
#include "routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *domains[] = { "example.com", "a.sub.example.com",
		"", "*" };
	struct strlist lines = STRLIST_INIT;
	struct domainip d;
	struct ipaddr ip;
	char text[IPADDR_STRLEN];
	size_t i, bad;

	if (!ctl_split_lines(&lines, (const char *)data, size))
		return 0;
	(void)routes_check(&lines, 'd', &bad);
	for (i = 0; i < lines.len; i++) {
		if (ipaddr_parse(&ip, lines.items[i]) ||
		    ipaddr_parse_literal(&ip, lines.items[i])) {
			ipaddr_format(&ip, text);
			if (memchr(text, '\0', sizeof text) == NULL)
				abort();
		}
	}
	for (i = 0; i < sizeof domains / sizeof domains[0]; i++)
		if (domainip_lookup(&lines, domains[i], &d) == ROUTE_FOUND) {
			if (memchr(d.ip, '\0', sizeof d.ip) == NULL ||
			    memchr(d.helo, '\0', sizeof d.helo) == NULL)
				abort();
			if (d.ip[0] && ipaddr_parse(&ip, d.ip))
				ipaddr_format(&ip, text);
		}
	strlist_free(&lines);
	return 0;
}
