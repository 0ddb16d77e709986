/*
 * smtputf8.c - envelope addresses and headers for SMTPUTF8. See
 * smtputf8.h.
 */
#include <string.h>

#include "idn.h"
#include "smtputf8.h"

static bool
has_8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

enum smtputf8_class
smtputf8_address(const char *addr, struct strbuf *ascii)
{
	struct strbuf domain = STRBUF_INIT;
	const char *at = strrchr(addr, '@');
	size_t len = strlen(addr), local;
	bool ok;

	strbuf_truncate(ascii, 0);
	if (!has_8bit(addr, len))
		return strbuf_copys(ascii, addr) ? SMTPUTF8_ASCII
						 : SMTPUTF8_NOMEM;
	if (!idn_utf8_valid(addr, len))
		return SMTPUTF8_INVALID;
	local = at ? (size_t)(at - addr) : len;
	/* a non-ASCII local part, or no domain to convert (a qmail
	 * address may lack one), or a domain that is no IDNA2008 name */
	if (at == NULL || has_8bit(addr, local))
		return SMTPUTF8_NEEDED;
	if (!idn_domain_to_ascii(at + 1, &domain)) {
		strbuf_free(&domain);
		return SMTPUTF8_NEEDED;
	}
	strbuf_lower(&domain);
	ok = strbuf_append(ascii, addr, local + 1) &&
	    strbuf_append(ascii, domain.data, domain.len) &&
	    strbuf_terminate(ascii);
	strbuf_free(&domain);
	return ok ? SMTPUTF8_DOMAIN : SMTPUTF8_NOMEM;
}

bool
smtputf8_header(const char *msg, size_t len)
{
	const char *p, *end = msg + len;
	size_t hlen;

	/* the header ends at the first empty line (LF or CR LF) */
	for (p = msg; p < end; p++) {
		if (*p != '\n')
			continue;
		if (p + 1 < end && p[1] == '\n')
			break;
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			break;
	}
	hlen = p < end ? (size_t)(p - msg) : len;
	if (len > 0 && (msg[0] == '\n' || msg[0] == '\r'))
		hlen = 0; /* no header at all */
	return has_8bit(msg, hlen) && idn_utf8_valid(msg, hlen);
}
