/*
 * digest.c - message digests and HMAC through libcrypto; see digest.h.
 *
 * EVP_Digest and HMAC are the one-shot interfaces that OpenSSL 3 keeps
 * undeprecated. MD5 exists here only because CRAM-MD5 and qmail-authuser's
 * %hash format require it; nothing uses it for new designs.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "digest.h"

static const EVP_MD *
evp(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_MD5:
		return EVP_md5();
	case DIGEST_SHA1:
		return EVP_sha1();
	case DIGEST_SHA256:
		return EVP_sha256();
	}
	return NULL;
}

size_t
digest_len(enum digest_alg alg)
{
	switch (alg) {
	case DIGEST_MD5:
		return DIGEST_MD5_LEN;
	case DIGEST_SHA1:
		return DIGEST_SHA1_LEN;
	case DIGEST_SHA256:
		return DIGEST_SHA256_LEN;
	}
	return 0;
}

bool
digest_raw(enum digest_alg alg, const void *data, size_t len,
    unsigned char out[DIGEST_MAX_LEN])
{
	const EVP_MD *md = evp(alg);
	unsigned int n = 0;

	if (md == NULL || EVP_Digest(data, len, out, &n, md, NULL) != 1)
		return false;
	return n == digest_len(alg);
}

bool
digest_hex(enum digest_alg alg, const void *data, size_t len,
    char out[DIGEST_MAX_HEX])
{
	unsigned char raw[DIGEST_MAX_LEN];

	if (!digest_raw(alg, data, len, raw))
		return false;
	digest_hex_encode(out, raw, digest_len(alg));
	return true;
}

bool
digest_hmac_md5(const void *key, size_t keylen, const void *data,
    size_t len, unsigned char out[DIGEST_MD5_LEN])
{
	unsigned int n = 0;

	/* HMAC takes an int key length */
	if (keylen > 0x7fffffff)
		return false;
	if (HMAC(EVP_md5(), key, (int)keylen, data, len, out, &n) == NULL)
		return false;
	return n == DIGEST_MD5_LEN;
}

bool
digest_hmac_md5_hex(const void *key, size_t keylen, const void *data,
    size_t len, char out[2 * DIGEST_MD5_LEN + 1])
{
	unsigned char raw[DIGEST_MD5_LEN];

	if (!digest_hmac_md5(key, keylen, data, len, raw))
		return false;
	digest_hex_encode(out, raw, sizeof raw);
	return true;
}

bool
digest_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
digest_hex_encode(char *out, const unsigned char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
digest_hex_decode(unsigned char *out, size_t outlen, const char *hex,
    size_t hexlen)
{
	size_t i;
	int hi, lo;

	if (outlen > hexlen / 2 || hexlen != 2 * outlen)
		return false;
	for (i = 0; i < outlen; i++) {
		if ((hi = nibble(hex[2 * i])) < 0 ||
		    (lo = nibble(hex[2 * i + 1])) < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}
