/* fuzz_smtpdata.c - the DATA decoder: fed whole and in chunks whose sizes
 * come from the input, it must reach the same result; the output never
 * holds a CR LF pair and never exceeds the input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtpdata.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
collect(void *ctx, const char *p, size_t n)
{
	strbuf_append(ctx, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct smtpdata d1, d2;
	size_t used1, used2 = 0, step;

	smtpdata_init(&d1, size / 2, collect, &a);
	used1 = smtpdata_feed(&d1, (const char *)data, size);
	smtpdata_flush(&d1);
	smtpdata_init(&d2, size / 2, collect, &b);
	while (used2 < size && !d2.done) {
		step = 1 + data[used2] % 7;
		if (step > size - used2)
			step = size - used2;
		used2 += smtpdata_feed(&d2, (const char *)data + used2, step);
	}
	smtpdata_flush(&d2);
	if (used1 != used2 || d1.done != d2.done || d1.flags != d2.flags ||
	    d1.hops != d2.hops || a.len != b.len ||
	    (a.len && memcmp(a.data, b.data, a.len) != 0) || a.len > size)
		__builtin_trap();
	if (a.len && !(d1.flags & SMTPDATA_BARECR) &&
	    memmem(a.data, a.len, "\r\n", 2) != NULL)
		__builtin_trap();
	strbuf_free(&a);
	strbuf_free(&b);
	return 0;
}
