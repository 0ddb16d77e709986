/*
 * base64.h - strict RFC 4648 base64 (the standard alphabet, with padding).
 *
 * Encoding writes into a caller-supplied buffer of known size, or appends
 * to a strbuf. Decoding is strict, as SMTP AUTH must be (RFC 4954 4.):
 * the length must be a multiple of 4, only the 64 alphabet characters are
 * allowed (no white space, no line breaks), '=' may appear only as one or
 * two final padding characters, and the bits that padding leaves unused
 * must be zero, so that every byte string has exactly one encoding. The
 * empty string decodes to zero bytes. Nothing here allocates except
 * base64_encode_sb, nothing exits; everything is safe in a signal handler
 * except base64_encode_sb.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum base64_status {
	BASE64_OK,
	BASE64_BADLEN,	 /* length not a multiple of 4 */
	BASE64_BADCHAR,	 /* a byte outside the alphabet */
	BASE64_BADPAD,	 /* '=' anywhere but the last one or two places */
	BASE64_NONCANON, /* unused bits before the padding are not zero */
	BASE64_TOOBIG	 /* the result does not fit in the output buffer */
};

/* base64_encoded_len: returns the encoded size of LEN bytes (without NUL);
 * fails (false) when that overflows size_t */
bool base64_encoded_len(size_t len, size_t *out);
/* base64_decoded_max: returns the most bytes LEN characters decode to */
size_t base64_decoded_max(size_t len);
/* base64_encode: writes the encoding of IN and a NUL into OUT; false
 * (nothing usable written) when OUTSIZE is too small */
bool base64_encode(char *out, size_t outsize, const void *in, size_t len,
    size_t *outlen);
/* base64_encode_sb: appends the encoding of IN to SB; false on ENOMEM or
 * overflow, SB unchanged */
bool base64_encode_sb(struct strbuf *sb, const void *in, size_t len);
/* base64_decode: decodes IN into OUT (at most OUTSIZE bytes) and sets
 * *OUTLEN; anything but BASE64_OK leaves *OUTLEN 0 and OUT unspecified */
enum base64_status base64_decode(void *out, size_t outsize, size_t *outlen,
    const char *in, size_t len);
/* base64_decode_sb: replaces SB with the decoding of IN; BASE64_TOOBIG also
 * stands for ENOMEM here */
enum base64_status base64_decode_sb(struct strbuf *sb, const char *in,
    size_t len);
/* base64_strerror: a short lower-case description of STATUS */
const char *base64_strerror(enum base64_status status);

#endif
