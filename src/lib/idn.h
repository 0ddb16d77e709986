/*
 * idn.h - the one wrapper around libidn2 (internationalised domain names).
 *
 * Used for SMTPUTF8 (RFC 6531): a non-ASCII domain must be a valid IDNA2008
 * name, which is checked by converting it to its A-label (xn--) form.
 * Output buffers belong to the caller. Functions return false on invalid
 * input or ENOMEM and never exit; not for signal handlers.
 */
#ifndef IDN_H
#define IDN_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* idn_domain_to_ascii: OUT = the A-label form of the UTF-8 domain S;
 * false when S is not a valid IDNA2008 domain name */
bool idn_domain_to_ascii(const char *s, struct strbuf *out);
/* idn_utf8_valid: true when S[0..LEN) is well-formed UTF-8 (no overlong
 * forms, no surrogates, nothing above U+10FFFF, no C1 controls) */
bool idn_utf8_valid(const char *s, size_t len);

#endif
