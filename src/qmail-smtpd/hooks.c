/*
 * hooks.c - s/qmail's optional per-connection hooks: UTF8, DELIVERTO,
 * RBLSMTPD, LOCALMFCHECK=! (control/mailfromrules.cdb), QHPSI with BASE64,
 * and POSTGREY. qmail-smtpd(8) documents each; the library modules
 * mfrules, qhpsi and postgrey hold the parts worth testing alone.
 *
 * All variables are read once at start-up. A malformed value is a
 * configuration error: 421 and exit 111, as for a bad numeric variable.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "mfrules.h"
#include "postgrey.h"
#include "qq.h"
#include "smtpd.h"

#define POSTGREY_TIMEOUT 10 /* seconds for one policy question */

/* deliverto_ok: a plain mailbox: no blanks, controls or '<>', one '@'
 * at most, within qmail-queue's address limit */
static bool
deliverto_ok(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > 900 || v[0] == '@' || v[n - 1] == '@')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c == 127 || c == '<' || c == '>' || c == '"')
			return false;
	}
	return true;
}

static void
qhpsi_setup_env(struct smtpd *s)
{
	const char *spec = getenv("QHPSI");
	const char *args[3] = {
	    getenv("QHPSIARG1"), getenv("QHPSIARG2"), getenv("QHPSIARG3")};
	unsigned long rc;

	if (spec == NULL || *spec == '\0')
		return;
	if (!qhpsi_setup(&s->qhpsi, spec, args)) {
		if (errno == ENOMEM)
			die_nomem();
		smtpd_bad_variable(s, "QHPSI");
	}
	rc = smtpd_env_ulong(s, "QHPSIRC", 1, 255);
	if (rc == 0)
		smtpd_bad_variable(s, "QHPSIRC");
	s->qhpsi.virus_rc = (int)rc;
	s->qhpsi.minsize = smtpd_env_ulong(s, "QHPSIMINSIZE", 0, ULONG_MAX);
	s->qhpsi.maxsize = smtpd_env_ulong(s, "QHPSIMAXSIZE", 0, ULONG_MAX);
	s->qhpsi_base64 = getenv("BASE64") != NULL;
}

void
smtpd_hooks_setup(struct smtpd *s)
{
	const char *v;

	/* UTF8: s/qmail 4 accepts it; we are 8-bit clean and offer
	 * SMTPUTF8 anyway, so it changes nothing (qmail-smtpd(8)) */
	if ((v = getenv("DELIVERTO")) != NULL && *v != '\0') {
		if (!deliverto_ok(v))
			smtpd_bad_variable(s, "DELIVERTO");
		s->deliverto = v;
	}
	if ((v = getenv("RBLSMTPD")) != NULL && *v != '\0') {
		/* rblsmtpd's text, "-" first for a permanent listing; s/qmail
		 * takes what follows "[source] " when there is one */
		const char *b = strchr(v, ']');

		if (*v == '-')
			v++;
		if (b != NULL)
			for (v = b + 1; *v == ' ';)
				v++;
		if (*v != '\0')
			s->rblinfo = v;
	}
	v = getenv("LOCALMFCHECK");
	if (v != NULL && strcmp(v, "!") == 0) {
		if ((s->mfrules = cdbx_open("control/mailfromrules.cdb")) ==
		    NULL) {
			if (errno != ENOENT) {
				warn(
				    "unable to read control/mailfromrules.cdb");
				smtpd_die_temp(s,
				    "421 unable to read controls (#4.3.0)",
				    "Control_Files");
			}
			/* s/qmail: without the cdb "!" acts as "set" */
			warn("LOCALMFCHECK=! but control/mailfromrules.cdb "
			     "does not exist: checking against rcpthosts");
		}
	}
	qhpsi_setup_env(s);
	if ((v = getenv("POSTGREY")) != NULL && *v != '\0') {
		if (!postgrey_parse_spec(
			v, &s->postgrey_addr, &s->postgrey_port))
			smtpd_bad_variable(s, "POSTGREY");
		s->postgrey = true;
	}
	smtpd_spf_setup(s);
}

static int
mfrules_lookup(void *ctx, const char *key, size_t len, struct strbuf *out)
{
	struct smtpd *s = ctx;

	switch (cdbx_find(s->mfrules, key, len, out)) {
	case CDBX_FOUND:
		return 1;
	case CDBX_NOTFOUND:
		return 0;
	case CDBX_ERROR:
		break;
	}
	return -1;
}

enum policy_verdict
smtpd_mfrules(struct smtpd *s, const char *sender, bool *temp)
{
	struct mfrules_client c = {s->remoteip, s->remotehost, s->remoteinfo};

	*temp = false;
	switch (mfrules_check(mfrules_lookup, s, &c, sender)) {
	case MFRULES_ALLOW:
		return POLICY_PASS;
	case MFRULES_DENY:
		return POLICY_REJECT;
	case MFRULES_ERROR:
		break;
	}
	*temp = true;
	return POLICY_REJECT;
}

bool
smtpd_postgrey_refused(struct smtpd *s, const char *rcpt)
{
	struct postgrey_query q;

	if (!s->postgrey)
		return false;
	q.client_address = s->remoteip;
	q.client_name = s->remotehost;
	q.helo_name = s->helo.data ? s->helo.data : "";
	q.sender = s->mailfrom.data ? s->mailfrom.data : "";
	q.recipient = rcpt;
	q.protocol_name = s->ehlo ? "ESMTP" : "SMTP";
	q.recipient_count = (unsigned long)s->rcpts.len;
	switch (postgrey_ask(
	    &s->postgrey_addr, s->postgrey_port, &q, POSTGREY_TIMEOUT)) {
	case POSTGREY_PASS:
		return false;
	case POSTGREY_GREYLISTED:
		smtpd_log(s, "Reject", "RCPT", "Greylisted", rcpt);
		smtpd_reply_text(s, "450", "REPLY_GREYLISTED",
		    "greylisted, please try again later (#4.7.1)");
		return true;
	case POSTGREY_ERROR:
		break;
	}
	/* a dead policy server must not stop the mail: accept, loudly */
	smtpd_log(s, "Warning", "RCPT", "Postgrey_Unavailable", rcpt);
	return false;
}

void
smtpd_headers(struct smtpd *s, struct qq *qq)
{
	struct strbuf h = STRBUF_INIT;
	const char *p;

	if (s->rblinfo == NULL)
		return;
	/* a header line of safe text: no line breaks from the variable */
	(void)strbuf_appends(&h, "X-RBL-Info: ");
	for (p = s->rblinfo; *p != '\0' && p - s->rblinfo < 300; p++)
		(void)strbuf_appendc(
		    &h, (unsigned char)*p < ' ' || *p == 127 ? '?' : *p);
	(void)strbuf_appendc(&h, '\n');
	qq_put(qq, h.data, h.len);
	strbuf_free(&h);
}

bool
smtpd_spool_open(struct smtpd *s, struct smtpd_spool *sp)
{
	const char *dir = getenv("TMPDIR");

	sp->fd = -1;
	sp->broken = false;
	sp->size = 0;
	sp->max = s->qhpsi.maxsize;
	if (s->qhpsi.argv == NULL)
		return true;
	if (dir == NULL || dir[0] != '/' || strlen(dir) > 200)
		dir = "/tmp";
	(void)snprintf(sp->path, sizeof sp->path, "%s/qmail-smtpd.XXXXXX", dir);
	sp->fd = mkostemp(sp->path, O_CLOEXEC);
	return sp->fd != -1;
}

void
smtpd_spool_put(struct smtpd_spool *sp, const char *p, size_t n)
{
	if (sp->fd == -1 || sp->broken)
		return;
	sp->size += (off_t)n;
	/* too big to be scanned: the spool goes, so that no part of the
	 * message is ever scanned as if it were all of it (smtpd_qhpsi
	 * skips a message without a spool), and the disk is spared */
	if (sp->max != 0 && (unsigned long)sp->size > sp->max) {
		smtpd_spool_close(sp);
		return;
	}
	if (!fd_write_all(sp->fd, p, n))
		sp->broken = true;
}

void
smtpd_spool_close(struct smtpd_spool *sp)
{
	if (sp->fd == -1)
		return;
	(void)unlink(sp->path);
	(void)close(sp->fd);
	sp->fd = -1;
}

enum qhpsi_verdict
smtpd_qhpsi(struct smtpd *s, struct smtpd_spool *sp, bool base64)
{
	enum qhpsi_verdict v;
	int status;

	if (sp->fd == -1)
		return QHPSI_SKIPPED;
	if (sp->broken) {
		smtpd_log(s, "Reject", "DATA", "Qhpsi_Spool", NULL);
		return QHPSI_ERROR;
	}
	if (s->qhpsi_base64 && !base64)
		return QHPSI_SKIPPED; /* BASE64: no base64 attachment */
	v = qhpsi_scan(&s->qhpsi, sp->fd, sp->path, sp->size,
	    (unsigned)s->timeout, &status);
	if (v == QHPSI_ERROR) {
		char cond[48];

		(void)snprintf(cond, sizeof cond, "Qhpsi_Failed_%d", status);
		smtpd_log(s, "Reject", "DATA", cond, NULL);
	}
	return v;
}
