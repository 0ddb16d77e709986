/*
 * data.c - DATA: the Received line, the message through the smtpdata
 * decoder into qmail-queue, and the reply from qmail-queue's exit code.
 *
 * qmail-queue is started before 354 so that a queue problem is reported
 * at once. The whole DATA stream is always read up to the real CR LF . CR
 * LF, whatever was wrong with it; a refused message is never handed to
 * qmail-queue (qq_abort closes its pipes before the envelope is complete,
 * which makes it exit without queueing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qq.h"
#include "smtpd.h"
#include "smtpdata.h"
#include "tls.h"

struct sink {
	struct qq *qq;
	struct mimescan *scan; /* NULL: no content checks */
	struct smtpd_spool *spool; /* the copy for QHPSI */
};

static void
to_qq(void *ctx, const char *p, size_t n)
{
	struct sink *k = ctx;

	qq_put(k->qq, p, n);
	smtpd_spool_put(k->spool, p, n);
	if (k->scan != NULL)
		mimescan_feed(k->scan, p, n);
}

static int
content_lookup(void *ctx, enum mimescan_kind kind, const char *key, size_t len)
{
	struct smtpd *s = ctx;
	struct strbuf val = STRBUF_INIT;
	enum cdbx_status st;

	st = cdbx_find(
	    kind == MIMESCAN_KIND_TYPE ? s->badmimetypes : s->badloadertypes,
	    key, len, &val);
	strbuf_free(&val);
	return st == CDBX_FOUND ? 1 : st == CDBX_NOTFOUND ? 0 : -1;
}

/* content_flags: the BADMIMETYPE/BADLOADERTYPE checks for this client */
static unsigned
content_flags(const struct smtpd *s)
{
	unsigned f = 0;

	if (s->relayclient == NULL || !s->mime_relay_off)
		f |= s->mimeflags;
	if (s->relayclient == NULL || !s->loader_relay_off)
		f |= s->loaderflags;
	if (s->qhpsi.argv != NULL && s->qhpsi_base64)
		f |= MIMESCAN_BASE64; /* BASE64: is there an attachment? */
	return f;
}

static void
received(struct smtpd *s, struct qq *qq)
{
	struct strbuf r = STRBUF_INIT;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	/* qmail's format; every peer-supplied part is made safe */
	(void)strbuf_appends(&r, "Received: from ");
	smtpd_safe(&r, s->remotehost, 255);
	if (s->helo.len == 0 || strcasecmp(s->helo.data, s->remotehost) != 0) {
		(void)strbuf_appends(&r, " (HELO ");
		smtpd_safe(&r, s->helo.data ? s->helo.data : "", 255);
		(void)strbuf_appendc(&r, ')');
	}
	(void)strbuf_appends(&r, " (");
	if (s->remoteinfo != NULL) {
		smtpd_safe(&r, s->remoteinfo, 64);
		(void)strbuf_appendc(&r, '@');
	}
	smtpd_safe(&r, s->remoteip, 64);
	(void)strbuf_appends(&r, ")\n  by ");
	smtpd_safe(&r, s->me.data, 255);
	(void)strbuf_appends(&r, " with ");
	(void)strbuf_appends(&r, smtpd_protocol(s));
	if (s->tls != NULL) {
		(void)strbuf_appends(&r, " (");
		smtpd_safe(&r, s->tls_info, sizeof s->tls_info);
		(void)strbuf_appendc(&r, ')');
	}
	gmtime_r(&now, &tm);
	if (strftime(date, sizeof date, "%d %b %Y %H:%M:%S -0000", &tm) == 0)
		date[0] = '\0';
	(void)strbuf_printf(&r, "; %s\n", date);
	qq_put(qq, r.data, r.len);
	strbuf_free(&r);
}

static void
export_env(struct smtpd *s)
{
	struct strbuf rc = STRBUF_INIT;
	size_t i;

	/* for the queue program (QMAILQUEUE filters); RCPTTO is one
	 * recipient per line */
	for (i = 0; i < s->rcpts.len; i++) {
		if (i > 0)
			(void)strbuf_appendc(&rc, '\n');
		(void)strbuf_appends(&rc, s->rcpts.items[i]);
	}
	(void)strbuf_terminate(&rc);
	if (setenv("HELOHOST", s->helo.data ? s->helo.data : "", 1) == -1 ||
	    setenv("MAILFROM", s->mailfrom.data ? s->mailfrom.data : "", 1) ==
		-1 ||
	    setenv("RCPTTO", rc.data, 1) == -1)
		die_nomem();
	strbuf_free(&rc);
}

/* add_deliverto: DELIVERTO is one more envelope recipient of every
 * message (the seed's "additional address to fork the message to") */
static void
add_deliverto(struct smtpd *s)
{
	size_t i;

	if (s->deliverto == NULL)
		return;
	for (i = 0; i < s->rcpts.len; i++)
		if (strcasecmp(s->rcpts.items[i], s->deliverto) == 0)
			return;
	if (!strlist_pushs(&s->rcpts, s->deliverto))
		die_nomem();
	smtpd_log(s, "Accept", "RCPT", "Deliverto", s->deliverto);
}

void
smtpd_data(struct smtpd *s)
{
	const struct qq_code *code;
	static struct mimescan scan;
	struct smtpd_spool spool;
	enum qhpsi_verdict qv = QHPSI_SKIPPED;
	struct smtpdata d;
	struct sink sink;
	struct qq qq;
	size_t used;
	ssize_t r;
	int exitcode;

	if (!s->seenmail) {
		smtpd_reply(s, "503 MAIL first (#5.5.1)");
		return;
	}
	if (s->rcpts.len == 0) {
		smtpd_reply(s, "554 no valid recipients (#5.5.1)");
		return;
	}
	add_deliverto(s);
	export_env(s);
	if (!smtpd_spool_open(s, &spool)) {
		smtpd_log(s, "Reject", "DATA", "Qhpsi_Spool", NULL);
		warn_sys("unable to create a spool file for QHPSI");
		smtpd_reply(s, "451 temporary problem (#4.3.0)");
		return;
	}
	if (!qq_start(&qq)) {
		smtpd_spool_close(&spool);
		smtpd_log(s, "Reject", "DATA", "Qq_Start", NULL);
		smtpd_reply(s, "451 qq temporary problem (#4.3.0)");
		return;
	}
	smtpd_reply(s, "354 go ahead");
	if (!smtpd_flush(s)) {
		(void)qq_abort(&qq);
		smtpd_spool_close(&spool);
		smtpd_quit(s, 0);
	}
	smtpd_spf_header(s, &qq);
	received(s, &qq);
	smtpd_headers(s, &qq);
	sink.qq = &qq;
	sink.spool = &spool;
	sink.scan = NULL;
	if (content_flags(s) != 0) {
		mimescan_init(
		    &scan, content_flags(s), s->loader, content_lookup, s);
		sink.scan = &scan;
	}
	smtpdata_init(&d, s->databytes, to_qq, &sink);
	while (!d.done) {
		if (iobuf_buffered(&s->in) == 0) {
			r = iobuf_fill(&s->in);
			if (r <= 0) {
				(void)qq_abort(&qq);
				smtpd_spool_close(&spool);
				smtpd_log(s, "Reject", "DATA",
				    r == 0                   ? "Eof_In_Data"
					: errno == ETIMEDOUT ? "Timeout"
							     : "Read_Error",
				    NULL);
				if (r < 0 && errno == ETIMEDOUT)
					smtpd_reply(s, "451 timeout (#4.4.2)");
				smtpd_quit(s, 0);
			}
		}
		used = smtpdata_feed(
		    &d, s->in.buf + s->in.pos, s->in.len - s->in.pos);
		s->in.pos += used;
	}
	if (d.flags & (SMTPDATA_BARELF | SMTPDATA_BARECR)) {
		(void)qq_abort(&qq);
		smtpd_log(s, "Reject", "DATA",
		    d.flags & SMTPDATA_BARELF ? "Bare_LF" : "Bare_CR", NULL);
		smtpd_reply(s,
		    "451 See https://cr.yp.to/docs/smtplf.html: "
			       "bare LF or CR in message refused (#4.6.0)");
		(void)s->errors++;
	} else if (d.flags & SMTPDATA_TOOBIG) {
		(void)qq_abort(&qq);
		smtpd_log(s, "Reject", "DATA", "Too_Big", NULL);
		smtpd_reply_text(s, "552", "REPLY_MAXSIZE",
		    "sorry, that message size exceeds my databytes limit "
		    "(#5.3.4)");
	} else if (sink.scan != NULL && scan.verdict == MIMESCAN_ERROR) {
		(void)qq_abort(&qq);
		smtpd_log(s, "Reject", "DATA", "Content_Check", NULL);
		smtpd_reply(s,
		    "451 temporary problem checking the message "
		    "content (#4.3.0)");
	} else if (sink.scan != NULL && scan.verdict != MIMESCAN_OK) {
		(void)qq_abort(&qq);
		smtpd_log(s, "Reject", "DATA",
		    scan.verdict == MIMESCAN_BADLOADER ? "Bad_Loader"
						       : "Bad_MIME",
		    scan.found);
		smtpd_reply_text(s, "554", "REPLY_CONTENT",
		    "sorry, invalid message content (#5.3.2)");
	} else if (d.hops >= SMTPD_HOPS_MAX) {
		(void)qq_abort(&qq);
		smtpd_log(s, "Reject", "DATA", "Too_Many_Hops", NULL);
		smtpd_reply(s,
		    "554 too many hops, this message is looping "
			       "(#5.4.6)");
	} else if ((qv = smtpd_qhpsi(s, &spool,
			sink.scan != NULL && scan.base64)) == QHPSI_VIRUS) {
		(void)qq_abort(&qq);
		code = qq_lookup(QQ_EXIT_VIRUS);
		smtpd_log(s, "Reject", "DATA", "Virus_Infected", NULL);
		smtpd_reply(s, "554 %s (#%s)", code->reason, code->status);
	} else if (qv == QHPSI_ERROR) {
		(void)qq_abort(&qq);
		smtpd_reply(s,
		    "451 temporary problem scanning the message "
		    "(#4.3.0)");
	} else {
		exitcode = qq_finish(
		    &qq, s->mailfrom.data, s->rcpts.items, s->rcpts.len);
		code = qq_lookup(exitcode);
		if (code->class == QQ_OK) {
			smtpd_log(s, "Accept", "DATA", "Queued", NULL);
			smtpd_reply(s, "250 ok %lld qp %lu",
			    (long long)time(NULL), (unsigned long)qq.pid);
		} else {
			char cond[32];

			(void)snprintf(cond, sizeof cond, "Qq_%d", exitcode);
			smtpd_log(s, "Reject", "DATA", cond, NULL);
			smtpd_reply(s, "%s %s (#%s)",
			    code->class == QQ_PERM ? "554" : "451",
			    code->reason, code->status);
		}
	}
	smtpd_spool_close(&spool);
	smtpd_reset_transaction(s);
}
