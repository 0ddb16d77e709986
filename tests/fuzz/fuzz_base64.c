/*
 * fuzz_base64.c - strict base64 (base64_decode, base64_encode) on
 * arbitrary bytes.
 *
 * Checks the round-trip properties that make the decoder canonical: any
 * input that decodes re-encodes to exactly the same text, and every byte
 * string encodes to text that decodes back to it; lengths stay within
 * base64_decoded_max and the encoder's bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf enc = STRBUF_INIT, dec = STRBUF_INIT;
	unsigned char *out;
	size_t max = base64_decoded_max(size), n = 0, need;
	enum base64_status st;

	/* decode, then re-encode: canonical inputs only */
	out = malloc(max + 1);
	if (out == NULL)
		return 0;
	st = base64_decode(out, max, &n, (const char *)data, size);
	if (st == BASE64_TOOBIG)
		abort(); /* base64_decoded_max is always enough */
	if (st == BASE64_OK) {
		if (n > max || !base64_encode_sb(&enc, out, n) ||
		    enc.len != size || memcmp(enc.data, data, size) != 0)
			abort();
		/* one byte less room must fail cleanly when n > 0 */
		if (n > 0 && base64_decode(out, n - 1, &need,
				 (const char *)data, size) != BASE64_TOOBIG)
			abort();
	} else if (n != 0) {
		abort();
	}

	/* encode, then decode: every byte string round-trips */
	strbuf_truncate(&enc, 0);
	if (!base64_encode_sb(&enc, data, size) ||
	    !base64_encoded_len(size, &need) || enc.len != need ||
	    enc.len % 4 != 0)
		abort();
	if (base64_decode_sb(&dec, enc.data, enc.len) != BASE64_OK ||
	    dec.len != size || (size && memcmp(dec.data, data, size) != 0))
		abort();
	free(out);
	strbuf_free(&enc);
	strbuf_free(&dec);
	return 0;
}
