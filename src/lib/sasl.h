/*
 * sasl.h - the SMTP AUTH server exchanges (RFC 4954) without any I/O.
 *
 * Mechanisms: PLAIN (RFC 4616, with or without an initial response),
 * LOGIN (the "VXNlcm5hbWU6"/"UGFzc3dvcmQ6" prompts; an initial response is
 * the user name) and CRAM-MD5 (RFC 2195). The caller starts an exchange
 * with sasl_start, sends s->reply, and feeds each client line (CRLF
 * removed) to sasl_step until the status is SASL_DONE or SASL_FAIL:
 *   SASL_CONTINUE  send s->reply (a "334 ..." line) and read the next line;
 *   SASL_DONE      s->cred is the checkpassword data for fd 3 (PLAIN and
 *                  LOGIN: user\0pass\0; CRAM-MD5: user\0hexdigest\0
 *                  challenge\0, s/qmail's convention), s->user the name;
 *   SASL_FAIL      send s->reply, a complete 5xx reply; the exchange ended.
 * Replies have no CRLF and use the qmail form "501 text (#5.5.2)". Base64
 * is decoded strictly, "*" cancels (501), and s->cred never exceeds
 * SASL_CRED_MAX. Whether credentials are good is the checkpassword
 * program's business: 535 (#5.7.8) and the sleep after it are the
 * caller's. The struct owns its buffers; sasl_free wipes and frees them
 * (they hold passwords). Nothing exits; not for signal handlers.
 */
#ifndef SASL_H
#define SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum sasl_mech { SASL_PLAIN, SASL_LOGIN, SASL_CRAM_MD5 };
#define SASL_MECH_BIT(m) (1u << (m))

/* checkpassword reads at most 512 bytes on fd 3 */
#define SASL_CRED_MAX 512
/* the longest client line accepted in an exchange (RFC 4954 4.) */
#define SASL_LINE_MAX 12288

enum sasl_status { SASL_CONTINUE, SASL_DONE, SASL_FAIL };

struct sasl {
	enum sasl_mech mech;
	int state;
	struct strbuf user;	 /* authentication identity, no NUL in it */
	struct strbuf pass;	 /* password or CRAM-MD5 hex digest */
	struct strbuf challenge; /* CRAM-MD5: <unique.timestamp@host> */
	struct strbuf cred;	 /* SASL_DONE: the data for checkpassword */
	struct strbuf reply;	 /* the line to send, without CRLF */
	struct strbuf decoded;	 /* scratch */
};
#define SASL_INIT                                                      \
	{                                                              \
		SASL_PLAIN, 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,  \
		    STRBUF_INIT, STRBUF_INIT, STRBUF_INIT              \
	}

/* SMTPAUTH as s/qmail reads it: unset = off, "-" = off, anything else
 * LOGIN PLAIN; "cram*" CRAM-MD5 only, "+cram*" all three; a leading "!"
 * ("!", "!cram*", "!+cram*") makes AUTH required */
struct sasl_policy {
	bool enabled;
	bool required;
	unsigned mechs; /* SASL_MECH_BIT()s */
};

/* sasl_policy_parse: decodes an SMTPAUTH value (NULL when unset) */
void sasl_policy_parse(struct sasl_policy *p, const char *smtpauth);
/* sasl_ehlo: appends "AUTH LOGIN PLAIN CRAM-MD5" (the mechanisms in MECHS)
 * to OUT; false on ENOMEM */
bool sasl_ehlo(struct strbuf *out, unsigned mechs);
/* sasl_mech_parse: recognises a mechanism name (any case) */
bool sasl_mech_parse(const char *name, size_t len, enum sasl_mech *mech);
/* sasl_mech_name: "PLAIN", "LOGIN" or "CRAM-MD5" (for AUTHPROTOCOL) */
const char *sasl_mech_name(enum sasl_mech mech);
/* sasl_cram_challenge: OUT = "<UNIQUE.TIMESTAMP@HOST>"; false when UNIQUE
 * or HOST is empty, holds a byte outside printable ASCII or one of "<>@ "
 * (UNIQUE) / "<> " (HOST), or the result would not fit SASL_CRED_MAX */
bool sasl_cram_challenge(struct strbuf *out, const char *unique,
    unsigned long timestamp, const char *host);
/*
 * sasl_begin: starts an exchange from the argument of AUTH ("MECH" or
 * "MECH initial-response") when MECH is one of ALLOWED (SASL_MECH_BITs);
 * CHALLENGE is the sasl_cram_challenge text, used only by CRAM-MD5.
 * An unknown or disallowed mechanism fails with 504.
 */
enum sasl_status sasl_begin(struct sasl *s, const char *arg, size_t len,
    unsigned allowed, const char *challenge);
/* sasl_start: as sasl_begin with the mechanism parsed; INITIAL is the
 * initial response (NULL when none; "=" is the empty response) */
enum sasl_status sasl_start(struct sasl *s, enum sasl_mech mech,
    const char *initial, size_t initial_len, const char *challenge);
/* sasl_step: feeds one client LINE (without CRLF) to the exchange */
enum sasl_status sasl_step(struct sasl *s, const char *line, size_t len);
/* sasl_free: wipes and frees every buffer; S can be started again */
void sasl_free(struct sasl *s);

#endif
