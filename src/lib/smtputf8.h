/*
 * smtputf8.h - what an SMTP client needs to send a message with non-ASCII
 * addresses or header fields (RFC 6531, RFC 6532).
 *
 * smtputf8_address sorts an envelope address (as queued: local@domain,
 * no brackets, possibly empty) into one of four classes and gives the
 * form to use without SMTPUTF8: an address whose only non-ASCII part is
 * the domain can go out with the domain as A-labels (RFC 5890), so it
 * needs SMTPUTF8 only when the domain is not a valid IDNA2008 name. A
 * non-ASCII local part can go out only with SMTPUTF8 (RFC 6531 3.4:
 * otherwise 5.6.7). A non-ASCII address that is not UTF-8 can go out in
 * neither form. smtputf8_header says whether the header section holds
 * UTF-8 (RFC 6532). Buffers belong to the caller; functions never exit;
 * not for signal handlers.
 */
#ifndef SMTPUTF8_H
#define SMTPUTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum smtputf8_class {
	SMTPUTF8_ASCII,	  /* all ASCII: ASCII form = the address */
	SMTPUTF8_DOMAIN,  /* non-ASCII domain only: ASCII form has A-labels */
	SMTPUTF8_NEEDED,  /* valid UTF-8 that only SMTPUTF8 can carry */
	SMTPUTF8_INVALID, /* non-ASCII but not UTF-8: cannot be sent */
	SMTPUTF8_NOMEM
};

/* smtputf8_address: classifies ADDR; for ASCII and DOMAIN sets ASCII to
 * the form to send without SMTPUTF8 (domain lower-cased when converted) */
enum smtputf8_class smtputf8_address(const char *addr, struct strbuf *ascii);
/* smtputf8_header: true when the header section of MSG (up to the first
 * empty line) has a non-ASCII byte and is valid UTF-8 */
bool smtputf8_header(const char *msg, size_t len);

#endif
