/*
 * base64.c - strict RFC 4648 base64; see base64.h for the contract.
 *
 * The decoder maps every byte to its 6-bit value or to BAD (not in the
 * alphabet) or PAD ('='), with no locale or table state. A quantum of four characters is
 * checked completely before anything is written, so a rejected input never
 * leaves partial output that a careless caller might use.
 */
#include <string.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum { BAD = 0xff, PAD = 0xfe };

/* sextet: the 6-bit value of C, PAD for '=', BAD for anything else */
static unsigned char
sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned char)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return c == '=' ? PAD : BAD;
}

bool
base64_encoded_len(size_t len, size_t *out)
{
	size_t quanta = len / 3 + (len % 3 != 0);

	return !__builtin_mul_overflow(quanta, 4, out);
}

size_t
base64_decoded_max(size_t len)
{
	return len / 4 * 3;
}

static void
encode(char *out, const unsigned char *in, size_t len)
{
	size_t i, o = 0;
	unsigned long v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned long)in[i] << 16;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

bool
base64_encode(char *out, size_t outsize, const void *in, size_t len,
    size_t *outlen)
{
	size_t need;

	if (!base64_encoded_len(len, &need) || need >= outsize)
		return false;
	encode(out, in, len);
	if (outlen != NULL)
		*outlen = need;
	return true;
}

bool
base64_encode_sb(struct strbuf *sb, const void *in, size_t len)
{
	size_t need;

	if (!base64_encoded_len(len, &need) || !strbuf_reserve(sb, need))
		return false;
	encode(sb->data + sb->len, in, len);
	sb->len += need;
	return true;
}

enum base64_status
base64_decode(void *out, size_t outsize, size_t *outlen, const char *in,
    size_t len)
{
	unsigned char *dst = out, q[4];
	size_t i, o = 0, pad, k;

	*outlen = 0;
	if (len % 4 != 0)
		return BASE64_BADLEN;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			q[k] = sextet((unsigned char)in[i + k]);
			if (q[k] == BAD)
				return BASE64_BADCHAR;
			if (q[k] == PAD)
				pad++;
			else if (pad)
				return BASE64_BADPAD; /* data after '=' */
		}
		if (pad > 2 || (pad && i + 4 != len))
			return BASE64_BADPAD;
		/* padding leaves 4 (one '=') or 2 (two) bits that must be 0 */
		if ((pad == 1 && (q[2] & 3)) || (pad == 2 && (q[1] & 15)))
			return BASE64_NONCANON;
		if (3 - pad > outsize - o)
			return BASE64_TOOBIG;
		dst[o++] = (unsigned char)(q[0] << 2 | q[1] >> 4);
		if (pad < 2)
			dst[o++] = (unsigned char)((q[1] & 15) << 4 | q[2] >> 2);
		if (pad < 1)
			dst[o++] = (unsigned char)((q[2] & 3) << 6 | q[3]);
	}
	*outlen = o;
	return BASE64_OK;
}

enum base64_status
base64_decode_sb(struct strbuf *sb, const char *in, size_t len)
{
	enum base64_status st;
	size_t max = base64_decoded_max(len), n;

	strbuf_truncate(sb, 0);
	if (!strbuf_reserve(sb, max))
		return BASE64_TOOBIG;
	st = base64_decode(sb->data, max, &n, in, len);
	sb->len = st == BASE64_OK ? n : 0;
	sb->data[sb->len] = '\0';
	return st;
}

const char *
base64_strerror(enum base64_status status)
{
	switch (status) {
	case BASE64_OK:
		return "ok";
	case BASE64_BADLEN:
		return "length is not a multiple of 4";
	case BASE64_BADCHAR:
		return "character outside the base64 alphabet";
	case BASE64_BADPAD:
		return "misplaced padding";
	case BASE64_NONCANON:
		return "non-zero bits before the padding";
	case BASE64_TOOBIG:
		return "decoded data too long";
	}
	return "unknown error";
}
