/* t_digest.c - unit tests for the libcrypto wrapper (src/lib/digest.c)
 * against the published vectors: RFC 1321 (MD5), FIPS 180 (SHA-1,
 * SHA-256), RFC 2202 (HMAC-MD5) and the CRAM-MD5 example of RFC 2195. */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "tap.h"

static void
test_digests(void)
{
	static const struct {
		enum digest_alg alg;
		const char *in;
		size_t repeat;
		const char *want;
	} cases[] = {
		/* RFC 1321 A.5 */
		{ DIGEST_MD5, "", 1, "d41d8cd98f00b204e9800998ecf8427e" },
		{ DIGEST_MD5, "a", 1, "0cc175b9c0f1b6a831c399e269772661" },
		{ DIGEST_MD5, "abc", 1, "900150983cd24fb0d6963f7d28e17f72" },
		{ DIGEST_MD5, "message digest", 1,
		    "f96b697d7cb7938d525a2f31aaf161d0" },
		{ DIGEST_MD5, "abcdefghijklmnopqrstuvwxyz", 1,
		    "c3fcd3d76192e4007dfb496cca67e13b" },
		{ DIGEST_MD5,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789",
		    1, "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ DIGEST_MD5, "1234567890", 8,
		    "57edf4a22be3c955ac49da2e2107b67a" },
		/* FIPS 180-2 appendix A and B */
		{ DIGEST_SHA1, "abc", 1,
		    "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ DIGEST_SHA1,
		    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ DIGEST_SHA1, "a", 1000000,
		    "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
		{ DIGEST_SHA256, "", 1,
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		    "7852b855" },
		{ DIGEST_SHA256, "abc", 1,
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
		    "f20015ad" },
		{ DIGEST_SHA256,
		    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    1,
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		    "19db06c1" },
		{ DIGEST_SHA256, "a", 1000000,
		    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39cc"
		    "c7112cd0" },
	};
	char hex[DIGEST_MAX_HEX];
	size_t i, j, len;
	char *buf;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = strlen(cases[i].in) * cases[i].repeat;
		buf = malloc(len + 1);
		for (j = 0; j < cases[i].repeat; j++)
			memcpy(buf + j * strlen(cases[i].in), cases[i].in,
			    strlen(cases[i].in));
		ok(digest_hex(cases[i].alg, buf, len, hex), "digest %zu", i);
		is_str(hex, cases[i].want, cases[i].in);
		is_num((long long)strlen(hex),
		    (long long)(2 * digest_len(cases[i].alg)), "hex length");
		free(buf);
	}
}

static void
fill(unsigned char *p, int c, size_t n)
{
	memset(p, c, n);
}

static void
test_hmac(void)
{
	/* RFC 2202 section 2 */
	unsigned char k1[16], k3[16], d3[50], k4[25], d4[50], k5[16], k6[80];
	size_t i;
	char hex[33];
	const struct {
		const void *key;
		size_t keylen;
		const void *data;
		size_t len;
		const char *want;
	} cases[] = {
		{ k1, 16, "Hi There", 8, "9294727a3638bb1c13f48ef8158bfc9d" },
		{ "Jefe", 4, "what do ya want for nothing?", 28,
		    "750c783e6ab0b503eaa86e310a5db738" },
		{ k3, 16, d3, 50, "56be34521d144c88dbb8c733f0e8b3f6" },
		{ k4, 25, d4, 50, "697eaf0aca3a3aea3a75164746ffaa79" },
		{ k5, 16, "Test With Truncation", 20,
		    "56461ef2342edc00f9bab995690efd4c" },
		{ k6, 80, "Test Using Larger Than Block-Size Key - Hash Key First",
		    54, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd" },
		{ k6, 80,
		    "Test Using Larger Than Block-Size Key and Larger Than One "
		    "Block-Size Data",
		    73, "6f630fad67cda0ee1fb1f562db3aa53e" },
		/* RFC 2195 section 2: the CRAM-MD5 example */
		{ "tanstaaftanstaaf", 16,
		    "<1896.697170952@postoffice.reston.mci.net>", 42,
		    "b913a602c7eda7a495b4e6e7334d3890" },
	};

	fill(k1, 0x0b, sizeof k1);
	fill(k3, 0xaa, sizeof k3);
	fill(d3, 0xdd, sizeof d3);
	for (i = 0; i < sizeof k4; i++)
		k4[i] = (unsigned char)(i + 1);
	fill(d4, 0xcd, sizeof d4);
	fill(k5, 0x0c, sizeof k5);
	fill(k6, 0xaa, sizeof k6);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ok(digest_hmac_md5_hex(cases[i].key, cases[i].keylen,
		       cases[i].data, cases[i].len, hex),
		    "hmac %zu", i);
		is_str(hex, cases[i].want, "hmac-md5 vector");
	}
}

static void
test_helpers(void)
{
	unsigned char raw[4];
	char hex[9];

	ok(digest_equal("abcd", "abcd", 4), "equal");
	ok(!digest_equal("abcd", "abce", 4), "differ in last byte");
	ok(!digest_equal("xbcd", "abcd", 4), "differ in first byte");
	ok(digest_equal("", "", 0), "empty equal");
	ok(digest_hex_decode(raw, 4, "DeadBeef", 8) && raw[0] == 0xde &&
		raw[3] == 0xef,
	    "hex decode, mixed case");
	digest_hex_encode(hex, raw, 4);
	is_str(hex, "deadbeef", "hex encode is lower case");
	ok(!digest_hex_decode(raw, 4, "deadbee", 7), "odd length");
	ok(!digest_hex_decode(raw, 4, "deadbeef00", 10), "too long");
	ok(!digest_hex_decode(raw, 4, "deadbeeg", 8), "non-hex digit");
	ok(!digest_hex_decode(raw, 4, "dead bee", 8), "space");
	is_num((long long)digest_len(DIGEST_SHA1), 20, "sha1 length");
}

int
main(void)
{
	test_digests();
	test_hmac();
	test_helpers();
	return done_testing();
}
