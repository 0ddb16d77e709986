/*
 * starttls.c - STARTTLS (RFC 3207) and SMTPS (RFC 8314) for qmail-smtpd,
 * with s/qmail's UCSPITLS values: unset or "" offers STARTTLS, "!"
 * requires it before MAIL, "-" turns it off. The certificate and key come
 * from $CERTFILE/$KEYFILE (ucspi-ssl's names) or control/servercert.pem.
 *
 * After the handshake, plaintext the client pipelined behind STARTTLS is
 * thrown away (CVE-2011-0411) and the session starts over (RFC 3207 4.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"
#include "tls.h"

void
smtpd_tls_setup(struct smtpd *s)
{
	const char *v;

	v = getenv("CERTFILE");
	s->certfile = (v && *v) ? v : "control/servercert.pem";
	v = getenv("KEYFILE");
	s->keyfile = (v && *v) ? v : NULL;
	if (s->ucspitls == TLS_OFF && !s->smtps)
		return;
	if (access(s->certfile, R_OK) == 0) {
		s->tls_available = s->ucspitls != TLS_OFF || s->smtps;
		return;
	}
	/* quiet when nobody asked for TLS; loud when UCSPITLS was set */
	if (getenv("UCSPITLS") != NULL || s->smtps)
		warn("TLS certificate %s is not readable: STARTTLS not "
		     "offered", s->certfile);
	if (s->smtps || s->ucspitls == TLS_REQUIRE)
		smtpd_die_temp(s, "421 TLS not available (#4.7.0)",
		    "No_Certificate");
	s->ucspitls = TLS_OFF;
}

static void
handshake(struct smtpd *s)
{
	struct strbuf err = STRBUF_INIT;
	struct tls_ctx *ctx;

	ctx = tls_server_ctx(s->certfile, s->keyfile, &err);
	if (ctx == NULL) {
		warn("%s", err.data ? err.data : "TLS setup failed");
		smtpd_die_temp(s, "454 TLS not available (#4.7.0)",
		    "TLS_Setup");
	}
	s->tls = tls_accept(ctx, 0, 1, s->timeout, &err);
	if (s->tls == NULL) {
		/* the client is mid-handshake: no plaintext reply is
		 * possible, so log and hang up */
		smtpd_log(s, "Reject", "TLS", "Handshake_Failed", NULL);
		warn("%s", err.data ? err.data : "TLS handshake failed");
		_exit(0);
	}
	tls_attach(s->tls, &s->in, &s->out);
	(void)snprintf(s->tls_info, sizeof s->tls_info, "%s %s",
	    tls_version(s->tls), tls_cipher(s->tls));
	strbuf_free(&err);
}

void
smtpd_starttls(struct smtpd *s)
{
	if (s->tls != NULL || !s->tls_available) {
		smtpd_reply(s, "502 STARTTLS not available (#5.5.1)");
		return;
	}
	smtpd_reply(s, "220 ready for TLS");
	if (!smtpd_flush(s))
		smtpd_quit(s, 0);
	handshake(s);
	/* RFC 3207 4.2: forget everything learned before TLS */
	smtpd_reset_transaction(s);
	s->seenhelo = false;
	s->ehlo = false;
	s->helo.len = 0;
	(void)strbuf_terminate(&s->helo);
	smtpd_log(s, "Accept", "TLS", "Starttls", NULL);
}

void
smtpd_smtps(struct smtpd *s)
{
	handshake(s);
	smtpd_log(s, "Accept", "TLS", "Smtps", NULL);
}
