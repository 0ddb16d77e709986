/*
 * idn.c - libidn2 wrapper. See idn.h.
 */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"

bool
idn_domain_to_ascii(const char *s, struct strbuf *out)
{
	struct strbuf low = STRBUF_INIT;
	char *ascii = NULL;
	bool ok;
	int r;

	if (!idn_utf8_valid(s, strlen(s)))
		return false;
	/* strict IDNA2008 (no UTS #46 mapping: a soft hyphen or an
	 * upper-case U-label is refused, not silently rewritten); only
	 * ASCII case is folded, as DNS does */
	if (!strbuf_copys(&low, s))
		return false;
	strbuf_lower(&low);
	r = idn2_to_ascii_8z(low.data, &ascii, IDN2_NO_TR46);
	strbuf_free(&low);
	if (r != IDN2_OK)
		return false;
	ok = strbuf_copys(out, ascii);
	idn2_free(ascii);
	return ok;
}

bool
idn_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	unsigned long cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1, cp = p[i] & 0x1f, min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2, cp = p[i] & 0x0f, min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3, cp = p[i] & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return false;
		i += n + 1;
	}
	return true;
}
