/*
 * smtpaddr.h - RFC 5321 envelope paths: the argument of MAIL FROM: and
 * RCPT TO: up to the ESMTP parameters.
 *
 * Accepts "<path>" (RFC 5321) and, as qmail did, a bare "path" ending at a
 * space. A source route ("<@a,@b:u@c>") is checked and dropped; a quoted
 * local part is unquoted as it goes into the envelope ("a b"@c -> a b@c);
 * a trailing dot on the domain is dropped. Domains are host names (LDH
 * labels of 1..63 bytes, at most 255 in all) or address literals
 * ([1.2.3.4], [IPv6:...]). Non-ASCII bytes are allowed only when UTF8 is
 * true (SMTPUTF8, RFC 6531): the local part must then be valid UTF-8 and
 * the domain a valid IDNA2008 name. Nothing is ever truncated: too long is
 * an error. Parsed addresses never contain control characters.
 *
 * The output is owned by the struct (smtpaddr_free). Returns an enum
 * smtpaddr_status; never exits; not for signal handlers.
 */
#ifndef SMTPADDR_H
#define SMTPADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define SMTPADDR_LOCAL_MAX 256 /* RFC 5321 says 64; VERP/SRS need more */
#define SMTPADDR_DOMAIN_MAX 255

enum smtpaddr_status {
	SMTPADDR_OK,
	SMTPADDR_SYNTAX,  /* 501 */
	SMTPADDR_TOOLONG, /* 553 */
	SMTPADDR_8BIT,	  /* 553 5.6.7: non-ASCII without SMTPUTF8 */
	SMTPADDR_BADIDN,  /* 553: non-ASCII domain that is not IDNA2008 */
	SMTPADDR_NOMEM
};

struct smtpaddr {
	struct strbuf addr; /* unquoted local@domain; "" for <> */
	size_t at;	    /* offset of the '@'; addr.len when none */
	bool utf8;	    /* contains non-ASCII bytes */
	bool routing;	    /* local part holds '@', '%' or '!' */
	bool literal;	    /* the domain is an address literal */
};
#define SMTPADDR_INIT { STRBUF_INIT, 0, false, false, false }

/* smtpaddr_parse: parses the path at S[0..LEN) (leading spaces allowed);
 * *REST is the offset just after it, where parameters may follow */
enum smtpaddr_status smtpaddr_parse(struct smtpaddr *a, const char *s,
    size_t len, bool utf8, size_t *rest);
/* smtpaddr_domain: returns the domain (after the '@'), "" when none */
const char *smtpaddr_domain(const struct smtpaddr *a);
void smtpaddr_free(struct smtpaddr *a);

#endif
