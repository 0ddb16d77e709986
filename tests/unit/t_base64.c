/* t_base64.c - unit tests for strict base64 (src/lib/base64.c): the RFC
 * 4648 section 10 vectors, every bad length, every bad padding form,
 * non-canonical trailing bits, bad characters and bounded output. */
#include <string.h>

#include "base64.h"
#include "tap.h"

static const struct {
	const char *plain, *encoded;
} vectors[] = {
	/* RFC 4648 10. */
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	/* the LOGIN prompts and the RFC 4616 example */
	{ "Username:", "VXNlcm5hbWU6" },
	{ "Password:", "UGFzc3dvcmQ6" },
	{ "\xfb\xff\xbf", "+/+/" },
};

static void
test_vectors(void)
{
	char out[64];
	unsigned char dec[64];
	size_t i, n;
	struct strbuf sb = STRBUF_INIT;

	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const char *p = vectors[i].plain, *e = vectors[i].encoded;

		ok(base64_encode(out, sizeof out, p, strlen(p), &n) &&
			n == strlen(e),
		    "encode '%s' length", e);
		is_str(out, e, "encode matches");
		ok(base64_decode(dec, sizeof dec, &n, e, strlen(e)) ==
			    BASE64_OK &&
			n == strlen(p) && memcmp(dec, p, n) == 0,
		    "decode '%s'", e);
		strbuf_truncate(&sb, 0);
		ok(base64_encode_sb(&sb, p, strlen(p)) && sb.len == strlen(e) &&
			memcmp(sb.data, e, sb.len) == 0,
		    "encode_sb '%s'", e);
		ok(base64_decode_sb(&sb, e, strlen(e)) == BASE64_OK &&
			sb.len == strlen(p) && memcmp(sb.data, p, sb.len) == 0,
		    "decode_sb '%s'", e);
	}
	strbuf_free(&sb);
}

static void
test_rejects(void)
{
	static const struct {
		const char *name, *in;
		enum base64_status want;
	} cases[] = {
		/* every length that is not a multiple of 4 */
		{ "len 1", "Z", BASE64_BADLEN },
		{ "len 2", "Zg", BASE64_BADLEN },
		{ "len 3", "Zm8", BASE64_BADLEN },
		{ "len 5", "Zm9vY", BASE64_BADLEN },
		{ "len 6", "Zm9vYg", BASE64_BADLEN },
		{ "len 7", "Zm9vYmE", BASE64_BADLEN },
		{ "len 9", "Zm9vYmFyZ", BASE64_BADLEN },
		{ "lone pad", "=", BASE64_BADLEN },
		{ "two pads", "==", BASE64_BADLEN },
		{ "len 1 with newline", "Zm9v\n", BASE64_BADLEN },
		/* every bad padding form */
		{ "pad only", "====", BASE64_BADPAD },
		{ "three pads", "Z===", BASE64_BADPAD },
		{ "pad first", "=Zm9", BASE64_BADPAD },
		{ "pad second", "Z=m9", BASE64_BADPAD },
		{ "pad third then data", "Zm=v", BASE64_BADPAD },
		{ "pad in middle quantum", "Zg==Zm9v", BASE64_BADPAD },
		{ "single pad mid", "Zm8=Zm9v", BASE64_BADPAD },
		{ "pad then pad data", "Zg=a", BASE64_BADPAD },
		{ "trailing pad quantum", "Zm9v====", BASE64_BADPAD },
		/* non-canonical: bits under the padding set */
		{ "Zh== (4 bits)", "Zh==", BASE64_NONCANON },
		{ "Zv== (4 bits)", "Zv==", BASE64_NONCANON },
		{ "Zm9= (2 bits)", "Zm9=", BASE64_NONCANON },
		{ "Zm+= (2 bits)", "Zm+=", BASE64_NONCANON },
		/* characters outside the alphabet */
		{ "space", "Zm9 ", BASE64_BADCHAR },
		{ "CRLF inside", "Zm\r\n", BASE64_BADCHAR },
		{ "url-safe -", "-_-_", BASE64_BADCHAR },
		{ "NUL", "Zm\0v", BASE64_BADCHAR },
		{ "high byte", "Zm\xc3\xa9", BASE64_BADCHAR },
		{ "star", "****", BASE64_BADCHAR },
		{ "dot", "Zm9.", BASE64_BADCHAR },
	};
	unsigned char dec[16];
	size_t i, n, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = strlen(cases[i].in);
		if (strcmp(cases[i].name, "NUL") == 0)
			len = 4;
		n = 99;
		is_num(base64_decode(dec, sizeof dec, &n, cases[i].in, len),
		    cases[i].want, cases[i].name);
		ok(n == 0, "%s: no output length", cases[i].name);
	}
}

static void
test_bounds(void)
{
	char out[9];
	unsigned char dec[6];
	size_t n, len;

	ok(!base64_encode(out, 8, "foobar", 6, &n),
	    "encode needs room for the NUL");
	ok(base64_encode(out, 9, "foobar", 6, &n) && n == 8,
	    "encode fits exactly");
	ok(!base64_encode(out, 0, "", 0, &n), "encode into nothing");
	is_num(base64_decode(dec, 5, &n, "Zm9vYmFy", 8), BASE64_TOOBIG,
	    "decode one byte short");
	ok(n == 0, "no length after TOOBIG");
	is_num(base64_decode(dec, 6, &n, "Zm9vYmFy", 8), BASE64_OK,
	    "decode fits exactly");
	is_num(base64_decode(dec, 4, &n, "Zm9vYg==", 8), BASE64_OK,
	    "padding counts: 4 bytes fit");
	is_num(base64_decode(dec, 0, &n, "", 0), BASE64_OK, "empty");
	ok(base64_encoded_len(0, &len) && len == 0, "encoded_len 0");
	ok(base64_encoded_len(4, &len) && len == 8, "encoded_len 4");
	ok(!base64_encoded_len((size_t)-1, &len), "encoded_len overflow");
	is_num((long long)base64_decoded_max(8), 6, "decoded_max 8");
	is_num((long long)base64_decoded_max(7), 3, "decoded_max 7");
	ok(strcmp(base64_strerror(BASE64_BADPAD), "misplaced padding") == 0,
	    "strerror");
}

static void
test_all_bytes(void)
{
	unsigned char in[256], dec[256];
	struct strbuf sb = STRBUF_INIT;
	size_t i, n;

	for (i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)i;
	for (i = 0; i <= sizeof in; i += 37) {
		strbuf_truncate(&sb, 0);
		ok(base64_encode_sb(&sb, in, sizeof in - i) &&
			base64_decode(dec, sizeof dec, &n, sb.data, sb.len) ==
			    BASE64_OK &&
			n == sizeof in - i && memcmp(dec, in, n) == 0,
		    "round trip of %zu bytes", sizeof in - i);
	}
	strbuf_free(&sb);
}

int
main(void)
{
	test_vectors();
	test_rejects();
	test_bounds();
	test_all_bytes();
	return done_testing();
}
