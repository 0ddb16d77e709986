/*
 * idn.c - libidn2 wrapper. See idn.h. idn_utf8_valid, which needs no
 * libidn2, is in idnutf8.c, so that the static musl build of qmail-smtpd
 * has it too.
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
