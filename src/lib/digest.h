/*
 * digest.h - the one wrapper around libcrypto's message digests and HMAC.
 *
 * MD5, SHA-1 and SHA-256 (EVP), HMAC-MD5 for CRAM-MD5 (RFC 2104, 2195),
 * lower-case hex encoding, strict hex decoding and a constant-time compare
 * (CRYPTO_memcmp) for secrets. No other file includes an OpenSSL digest
 * header. Output buffers are supplied by the caller and sized with the
 * DIGEST_* constants. Functions return false when libcrypto fails (which
 * callers treat as temporary) and never exit. Not for signal handlers.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stdbool.h>
#include <stddef.h>

enum digest_alg { DIGEST_MD5, DIGEST_SHA1, DIGEST_SHA256 };

#define DIGEST_MD5_LEN	  16
#define DIGEST_SHA1_LEN	  20
#define DIGEST_SHA256_LEN 32
#define DIGEST_MAX_LEN	  32
#define DIGEST_MAX_HEX	  (2 * DIGEST_MAX_LEN + 1) /* hex plus NUL */

/* digest_len: returns the size in bytes of ALG's output */
size_t digest_len(enum digest_alg alg);
/* digest_raw: OUT (DIGEST_MAX_LEN bytes) gets ALG of DATA; false when
 * libcrypto fails */
bool digest_raw(enum digest_alg alg, const void *data, size_t len,
    unsigned char out[DIGEST_MAX_LEN]);
/* digest_hex: as digest_raw, in lower-case hex with a NUL */
bool digest_hex(enum digest_alg alg, const void *data, size_t len,
    char out[DIGEST_MAX_HEX]);
/* digest_hmac_md5: OUT gets HMAC-MD5 of DATA under KEY (RFC 2104) */
bool digest_hmac_md5(const void *key, size_t keylen, const void *data,
    size_t len, unsigned char out[DIGEST_MD5_LEN]);
/* digest_hmac_md5_hex: as digest_hmac_md5, 32 lower-case hex + NUL, the
 * form of a CRAM-MD5 response (RFC 2195) */
bool digest_hmac_md5_hex(const void *key, size_t keylen, const void *data,
    size_t len, char out[2 * DIGEST_MD5_LEN + 1]);
/* digest_equal: returns true when the LEN bytes at A and B are equal, in
 * time that depends only on LEN */
bool digest_equal(const void *a, const void *b, size_t len);
/* digest_hex_encode: writes 2*LEN lower-case hex digits and a NUL */
void digest_hex_encode(char *out, const unsigned char *in, size_t len);
/* digest_hex_decode: decodes exactly 2*OUTLEN hex digits (either case)
 * from HEX (HEXLEN bytes) into OUT; false on a wrong length or a non-hex
 * byte */
bool digest_hex_decode(unsigned char *out, size_t outlen, const char *hex,
    size_t hexlen);

#endif
