/*
 * auth.c - SMTP AUTH (RFC 4954) for qmail-smtpd, s/qmail style:
 *
 *   qmail-smtpd checkprogram subprogram [args]
 *
 * The exchange itself is lib/sasl.c (PLAIN, LOGIN, CRAM-MD5; strict
 * base64; "*" cancels). The credentials go to the checkpassword-compatible
 * CHECKPROGRAM on fd 3 (lib/checkpw.c): exit 0 is success, 1 bad
 * credentials (535 after AUTHSLEEP seconds; after AUTHTRIES of them the
 * connection is closed), anything else a temporary failure (454).
 * Success relays, like RELAYCLIENT="", and sets AUTHUSER, AUTHPROTOCOL and
 * TCPREMOTEINFO for the queue program. Passwords live only in the sasl
 * buffers, which sasl_free wipes; the log gets the user name, never a
 * password or the base64 that carries it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "ctl.h"
#include "smtpd.h"

#define AUTHSLEEP_DEFAULT 5
#define AUTHTRIES_DEFAULT 3

static unsigned long
env_num(const char *name, unsigned long dflt, unsigned long max)
{
	const char *v = getenv(name);
	unsigned long n;

	if (v == NULL || *v == '\0' || !scan_ulong(v, &n))
		return dflt;
	return n > max ? max : n;
}

void
smtpd_auth_setup(struct smtpd *s, char **checkprogram)
{
	s->checkprogram = (checkprogram != NULL && checkprogram[0] != NULL)
	    ? checkprogram
	    : NULL;
	/* with a checkprogram, unset SMTPAUTH means LOGIN and PLAIN; without
	 * one there is nobody to ask, so AUTH is off whatever it says */
	if (s->checkprogram != NULL) {
		const char *v = getenv("SMTPAUTH");

		sasl_policy_parse(&s->auth, v != NULL ? v : "");
	} else {
		sasl_policy_parse(&s->auth, NULL);
		if (getenv("SMTPAUTH") != NULL &&
		    strcmp(getenv("SMTPAUTH"), "-") != 0)
			warn("SMTPAUTH is set but no checkprogram was given: "
			     "AUTH is off");
	}
	s->authsleep = env_num("AUTHSLEEP", AUTHSLEEP_DEFAULT, 60);
	s->authtries = env_num("AUTHTRIES", AUTHTRIES_DEFAULT, 100);
	if (s->authtries == 0)
		s->authtries = 1;
}

bool
smtpd_auth_offered(const struct smtpd *s)
{
	if (!s->auth.enabled || s->authenticated)
		return false;
	/* RFC 3207 5: nothing secret before the required STARTTLS */
	return !(smtpd_tls_required(s) && s->tls == NULL);
}

void
smtpd_auth_set(
    struct smtpd *s, const char *user, const char *mech, bool protocol_a)
{
	if (!strbuf_copys(&s->authuser, user))
		die_nomem();
	s->authenticated = true;
	s->auth_a = protocol_a;
	s->authmech = mech;
	if (s->relayclient == NULL)
		s->relayclient = "";
	s->remoteinfo = s->authuser.data;
	if (setenv("AUTHUSER", user, 1) == -1 ||
	    setenv("AUTHPROTOCOL", mech, 1) == -1 ||
	    setenv("TCPREMOTEINFO", user, 1) == -1)
		die_nomem();
}

void
smtpd_auth_reset(struct smtpd *s)
{
	s->authenticated = false;
	s->auth_a = false;
	s->authmech = NULL;
	strbuf_truncate(&s->authuser, 0);
	s->relayclient = s->relay_env;
	s->remoteinfo = s->remoteinfo_env;
	(void)unsetenv("AUTHUSER");
	(void)unsetenv("AUTHPROTOCOL");
}

/* auth_getline: the next exchange line without CR LF into LINE; false after
 * replying (too long) or at EOF/timeout (the session ends) */
static bool
auth_getline(struct smtpd *s, struct strbuf *line)
{
	struct strbuf junk = STRBUF_INIT;
	enum io_status st;

	if (!smtpd_flush(s))
		smtpd_quit(s, 0);
	line->len = 0;
	st = iobuf_getline(&s->in, line, SASL_LINE_MAX + 2, '\n');
	if (st == IO_TOOLONG) {
		do {
			junk.len = 0;
			st =
			    iobuf_getline(&s->in, &junk, sizeof s->inbuf, '\n');
		} while (st == IO_TOOLONG);
		strbuf_free(&junk);
		if (st != IO_OK)
			smtpd_quit(s, 0);
		smtpd_reply(s, "500 AUTH exchange line too long (#5.5.6)");
		return false;
	}
	if (st == IO_TIMEOUT) {
		smtpd_reply(s, "451 timeout (#4.4.2)");
		smtpd_quit(s, 0);
	}
	if (st != IO_OK)
		smtpd_quit(s, 0);
	line->len--; /* the LF */
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		line->len--;
	line->data[line->len] = '\0';
	return true;
}

/* mech_lower: the mechanism as s/qmail logs and exports it */
static const char *
mech_lower(enum sasl_mech m)
{
	switch (m) {
	case SASL_PLAIN:
		return "plain";
	case SASL_LOGIN:
		return "login";
	case SASL_CRAM_MD5:
		return "cram-md5";
	}
	return "unknown";
}

static void
check(struct smtpd *s, struct sasl *x)
{
	const char *mech = mech_lower(x->mech);
	enum checkpw_result r;
	int code;

	r = checkpw_run(s->checkprogram, x->cred.data, x->cred.len,
	    (unsigned)s->timeout, &code);
	switch (r) {
	case CHECKPW_OK:
		smtpd_auth_set(s, x->user.data, mech, true);
		smtpd_log(s, "Accept", "AUTH", mech, NULL);
		smtpd_reply(s, "235 ok, go ahead (#2.0.0)");
		return;
	case CHECKPW_BAD:
		smtpd_log_user(s, "Reject", "AUTH", mech, x->user.data);
		/* slow down guessing; the client waits for the reply */
		if (s->authsleep > 0) {
			(void)smtpd_flush(s);
			sleep((unsigned)s->authsleep);
		}
		if (++s->authfails >= s->authtries) {
			smtpd_log_user(s, "Reject", "AUTH", "Too_Many_Fails",
			    x->user.data);
			smtpd_reply(s,
			    "421 too many failed authentication "
			    "attempts, closing connection "
			    "(#4.7.0)");
			sasl_free(x);
			smtpd_quit(s, 0);
		}
		smtpd_reply(s, "535 authentication failed (#5.7.8)");
		return;
	case CHECKPW_MISUSE:
	case CHECKPW_TEMP:
		break;
	}
	smtpd_log_user(s, "Reject", "AUTH", "Temp_Fail", x->user.data);
	warn("checkprogram %s failed temporarily (exit %d)", s->checkprogram[0],
	    code);
	smtpd_reply(s, "454 temporary authentication failure (#4.3.0)");
}

void
smtpd_auth(struct smtpd *s, const char *arg, size_t len)
{
	struct strbuf chal = STRBUF_INIT, line = STRBUF_INIT;
	struct sasl x = SASL_INIT;
	enum sasl_status st;
	char pid[32];

	if (!s->auth.enabled) {
		smtpd_reply(s, "503 auth not available (#5.3.3)");
		smtpd_error(s);
		return;
	}
	if (smtpd_tls_required(s) && s->tls == NULL) {
		smtpd_log(s, "Reject", "AUTH", "TLS_Required", NULL);
		smtpd_reply(s,
		    "530 must issue a STARTTLS command first "
		    "(#5.7.0)");
		return;
	}
	if (s->authenticated) {
		smtpd_reply(s, "503 you're already authenticated (#5.5.0)");
		smtpd_error(s);
		return;
	}
	if (s->seenmail) {
		smtpd_reply(s, "503 no auth during mail transaction (#5.5.0)");
		smtpd_error(s);
		return;
	}
	if (!s->ehlo) {
		smtpd_reply(s, "503 EHLO first (#5.5.1)");
		smtpd_error(s);
		return;
	}
	if (s->auth.mechs & SASL_MECH_BIT(SASL_CRAM_MD5)) {
		(void)snprintf(pid, sizeof pid, "%lu", s->pid);
		/* a name sasl refuses (odd control/me) still gets a
		 * challenge: CRAM-MD5 only needs it unique */
		if (!sasl_cram_challenge(
			&chal, pid, (unsigned long)time(NULL), s->me.data) &&
		    !sasl_cram_challenge(
			&chal, pid, (unsigned long)time(NULL), "localhost"))
			die_nomem();
	}
	st = sasl_begin(&x, arg, len, s->auth.mechs, chal.data);
	while (st == SASL_CONTINUE) {
		smtpd_reply(s, "%s", x.reply.data);
		if (!auth_getline(s, &line)) {
			smtpd_error(s);
			goto out;
		}
		st = sasl_step(&x, line.data, line.len);
		explicit_bzero(line.data, line.len);
	}
	if (st == SASL_FAIL) {
		smtpd_log(s, "Reject", "AUTH", "Protocol", NULL);
		smtpd_reply(s, "%s", x.reply.data);
		smtpd_error(s);
		goto out;
	}
	check(s, &x);
out:
	sasl_free(&x);
	if (line.data != NULL)
		explicit_bzero(line.data, line.cap);
	strbuf_free(&line);
	strbuf_free(&chal);
}
