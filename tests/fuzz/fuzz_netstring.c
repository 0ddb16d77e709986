/*
 * fuzz_netstring.c - the netstring decoder (netstring_feed) on arbitrary
 * bytes: the first byte picks the cap (0 to 1020 in steps of 4), the rest
 * is fed byte by byte, starting over after each netstring or garbage.
 *
 * Checks: a decoded string is never longer than the cap; and re-encoding
 * it as "LEN:BYTES," gives back exactly the bytes that were consumed when
 * the length had no leading zeros (which are tolerated, netstring.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	struct netstring ns;
	enum netstring_status st;
	size_t max, i, start;
	char head[32];
	int n;

	if (size == 0)
		return 0;
	max = (size_t)data[0] * 4;
	netstring_start(&ns, &out, max);
	for (i = start = 1; i < size; i++) {
		st = netstring_feed(&ns, data[i]);
		if (st == NETSTRING_MORE)
			continue;
		if (st == NETSTRING_IOERR)
			abort();
		if (st == NETSTRING_DONE) {
			if (out.len > max)
				abort();
			n = snprintf(head, sizeof head, "%zu:", out.len);
			/* "0003:" is tolerated but re-encodes as "3:" */
			if (data[start] != '0' || data[start + 1] == ':') {
				if (i + 1 - start != (size_t)n + out.len + 1 ||
				    memcmp(data + start, head, (size_t)n) != 0 ||
				    (out.len > 0 && memcmp(data + start + n,
				    out.data, out.len) != 0) ||
				    data[i] != ',')
					abort();
			}
		}
		netstring_start(&ns, &out, max);
		start = i + 1;
	}
	strbuf_free(&out);
	return 0;
}
