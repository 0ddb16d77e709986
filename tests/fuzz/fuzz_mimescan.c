/* fuzz_mimescan.c - the BADMIMETYPE/BADLOADERTYPE scanner: fed whole and
 * in chunks whose sizes come from the input, it must reach the same
 * verdict with the same finding, and every key it looks up must have the
 * length of its kind. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mimescan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
lookup(void *ctx, enum mimescan_kind kind, const char *key, size_t len)
{
	(void)ctx;
	if (len != (kind == MIMESCAN_KIND_TYPE ? MIMESCAN_TYPE_LEN :
						 MIMESCAN_LOADER_LEN))
		__builtin_trap();
	/* a few keys are "listed", one is an error */
	if (memcmp(key, "TVqQA", 5) == 0)
		return 1;
	if (memcmp(key, "TEEEE", 5) == 0)
		return -1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mimescan a, b;
	size_t pos = 0, step;

	mimescan_init(&a, 7, 'T', lookup, NULL);
	mimescan_feed(&a, (const char *)data, size);
	mimescan_init(&b, 7, 'T', lookup, NULL);
	while (pos < size) {
		step = 1 + data[pos] % 13;
		if (step > size - pos)
			step = size - pos;
		mimescan_feed(&b, (const char *)data + pos, step);
		pos += step;
	}
	if (a.verdict != b.verdict || strcmp(a.found, b.found) != 0 ||
	    a.lineno != b.lineno)
		__builtin_trap();
	return 0;
}
