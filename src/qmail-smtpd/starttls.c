/*
 * starttls.c - STARTTLS (RFC 3207) and SMTPS (RFC 8314) for qmail-smtpd,
 * with s/qmail's UCSPITLS values: unset or "" offers STARTTLS, "!"
 * requires it before MAIL, "-" turns it off; "?" and "@" require it too,
 * ask for a client certificate verified against $CCAFILE or
 * control/clientca.pem, and relay a client whose certificate verifies
 * ("@" also takes the certificate's CN as AUTHUSER and its e-mail for
 * LOCALMFCHECK="?"). A client without a certificate, or with one that
 * does not verify, is an ordinary client. The certificate and key come
 * from $CERTFILE/$KEYFILE (ucspi-ssl's names) or control/servercert.pem.
 *
 * After the handshake, plaintext the client pipelined behind STARTTLS is
 * thrown away (CVE-2011-0411) and the session starts over (RFC 3207 4.2).
 * The plain build (SMTPD_PLAIN, handoff.c) has no OpenSSL: it says 220
 * and hands the session to the full build, which does the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"
#ifndef SMTPD_PLAIN
#include "tls.h"
#endif

void
smtpd_tls_setup(struct smtpd *s)
{
	const char *v;

	v = getenv("CERTFILE");
	s->certfile = (v && *v) ? v : "control/servercert.pem";
	v = getenv("KEYFILE");
	s->keyfile = (v && *v) ? v : NULL;
	v = getenv("CCAFILE");
	s->cafile = (v && *v) ? v : "control/clientca.pem";
	if (s->ucspitls == TLS_OFF && !s->smtps)
		return;
	if (access(s->certfile, R_OK) == 0) {
		s->tls_available = s->ucspitls != TLS_OFF || s->smtps;
		return;
	}
	/* quiet when nobody asked for TLS; loud when UCSPITLS was set */
	if (getenv("UCSPITLS") != NULL || s->smtps)
		warn("TLS certificate %s is not readable: STARTTLS not "
		     "offered",
		    s->certfile);
	if (s->smtps || s->ucspitls == TLS_REQUIRE)
		smtpd_die_temp(
		    s, "421 TLS not available (#4.7.0)", "No_Certificate");
	s->ucspitls = TLS_OFF;
}

#ifndef SMTPD_PLAIN
/* subject_field: OUT = the value of "/NAME=" in a one-line subject */
static bool
subject_field(const char *subject, const char *name, struct strbuf *out)
{
	const char *p = strstr(subject, name), *end;

	if (p == NULL)
		return false;
	p += strlen(name);
	end = strchr(p, '/');
	return strbuf_copy(out, p, end ? (size_t)(end - p) : strlen(p)) &&
	    out->len > 0;
}

/* client_cert: relays a client whose certificate verified */
static void
client_cert(struct smtpd *s)
{
	struct strbuf subject = STRBUF_INIT, cn = STRBUF_INIT;
	const char *why;

	if (!tls_verify_ok(s->tls, &why)) {
		if (strcmp(why, "no peer certificate") != 0)
			smtpd_log(s, "Reject", "TLS", "Client_Cert", NULL);
		return;
	}
	if (!tls_peer_subject(s->tls, &subject))
		die_nomem();
	if (s->ucspitls == TLS_CERTAUTH) {
		if (!subject_field(subject.data, "/CN=", &cn) &&
		    !strbuf_copys(&cn, subject.data))
			die_nomem();
		if (!subject_field(
			subject.data, "/emailAddress=", &s->certmail))
			strbuf_truncate(&s->certmail, 0);
		smtpd_auth_set(s, cn.data, "cert", true);
	} else {
		s->authenticated = true;
		s->authmech = "cert";
		if (s->relayclient == NULL)
			s->relayclient = "";
	}
	smtpd_log(s, "Accept", "TLS", "Client_Cert", NULL);
	strbuf_free(&subject);
	strbuf_free(&cn);
}

static void
handshake(struct smtpd *s)
{
	struct strbuf err = STRBUF_INIT;
	struct tls_ctx *ctx;
	bool certs = s->ucspitls == TLS_CERT || s->ucspitls == TLS_CERTAUTH;

	ctx = tls_server_ctx(s->certfile, s->keyfile, &err);
	if (ctx != NULL && certs &&
	    !tls_request_client_cert(ctx, s->cafile, &err)) {
		warn("%s: %s", s->cafile, err.data ? err.data : "unusable");
		tls_ctx_free(ctx);
		ctx = NULL;
	}
	if (ctx == NULL) {
		warn("%s", err.data ? err.data : "TLS setup failed");
		smtpd_die_temp(
		    s, "454 TLS not available (#4.7.0)", "TLS_Setup");
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
	if (certs)
		client_cert(s);
}

/* smtpd_starttls_resume: the handshake after "220 ready for TLS", here
 * or in the full build that the plain build handed the session to */
void
smtpd_starttls_resume(struct smtpd *s)
{
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
#endif /* SMTPD_PLAIN: handoff.c runs the full build for SMTPS */

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
	/* RFC 3207 4.2: an AUTH before TLS counts no more */
	smtpd_auth_reset(s);
#ifdef SMTPD_PLAIN
	smtpd_handoff_starttls(s); /* execs the full build */
#else
	smtpd_starttls_resume(s);
#endif
}
