/*
 * fuzz_tcpto.c - the queue/lock/tcpto parser on arbitrary bytes.
 *
 * Checks: a parsed table re-encodes to exactly the input (the format has
 * one encoding per table), and noting timeouts keeps it within its
 * bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tcpto t;
	unsigned char out[TCPTO_MAXLEN];
	struct ipaddr ip;
	size_t n;

	if (!tcpto_parse(&t, data, size))
		return 0;
	n = tcpto_format(&t, out);
	if (n != size || memcmp(out, data, n) != 0)
		abort();
	memset(&ip, 0, sizeof ip);
	ip.family = AF_INET;
	ip.bytes[0] = size & 0xff;
	(void)tcpto_note(&t, &ip, true, 1000);
	(void)tcpto_note(&t, &ip, true, 2000);
	if (t.len > TCPTO_SLOTS || tcpto_errors(&t, &ip) > TCPTO_MAXERR)
		abort();
	(void)tcpto_format(&t, out);
	return 0;
}
