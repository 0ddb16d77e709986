/*
 * ehlo.h - the client's reading of an EHLO reply (RFC 5321 4.1.1.1): which
 * of the service extensions qmail-remote uses the peer offers.
 *
 * The input is the reply text as reply.h keeps it: sanitized lines, each
 * ending in '\n', the first being the greeting line ("250-name ...") and
 * every other "250-KEYWORD params" or "250 KEYWORD params". Keywords are
 * matched case-insensitively and must end at a space or the line end
 * ("SIZEX" is not SIZE). Unknown keywords and lines too short to hold
 * one are ignored; a last line without '\n' (a capped reply) is ignored.
 * Peer input is hostile: nothing here reads past the terminating NUL.
 * Pure: no I/O, no allocation, never exits; safe to fuzz.
 */
#ifndef EHLO_H
#define EHLO_H

#include <stdbool.h>

struct ehlo {
	bool pipelining;   /* RFC 2920 */
	bool eightbitmime; /* RFC 6152 */
	bool smtputf8;	   /* RFC 6531 */
	bool starttls;	   /* RFC 3207 */
	bool size_offered; /* RFC 1870 */
	unsigned long size_limit; /* SIZE's parameter; 0: none given */
	bool auth_cram, auth_login, auth_plain; /* RFC 4954 mechanisms */
};

/* ehlo_parse: sets E from the EHLO reply TEXT (NUL-terminated; NULL is an
 * empty reply); every field is reset first */
void ehlo_parse(struct ehlo *e, const char *text);

#endif
