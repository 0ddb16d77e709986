/*
 * out.c - qmail-smtpd's replies and log lines. See smtpd.h.
 *
 * Replies are buffered and flushed before the server waits for input, so
 * a pipelining client gets its replies in one packet. Log lines go to
 * stderr (multilog) in s/qmail's Action::Type::Condition format; every
 * peer-supplied text in them is made safe first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"
#include "tls.h"

void
smtpd_reply(struct smtpd *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - 3)
		n = (int)(sizeof line - 3);
	line[n++] = '\r';
	line[n++] = '\n';
	if (!iobuf_put(&s->out, line, (size_t)n))
		smtpd_quit(s, 1);
}

void
smtpd_reply_text(
    struct smtpd *s, const char *code, const char *var, const char *dflt)
{
	const char *text = var ? getenv(var) : NULL;
	struct strbuf safe = STRBUF_INIT;

	if (text == NULL || *text == '\0') {
		smtpd_reply(s, "%s %s", code, dflt);
		return;
	}
	/* an override must not break the reply into two */
	for (; *text != '\0' && safe.len < 400; text++)
		if (!strbuf_appendc(&safe,
			(unsigned char)*text < ' ' || *text == 127 ? '?'
								   : *text))
			break;
	(void)strbuf_terminate(&safe);
	smtpd_reply(s, "%s %s", code, safe.data ? safe.data : "");
	strbuf_free(&safe);
}

bool
smtpd_flush(struct smtpd *s)
{
	return iobuf_flush(&s->out);
}

void
smtpd_safe(struct strbuf *out, const char *text, size_t max)
{
	size_t i;

	for (i = 0; text[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)text[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    (c != '\0' && strchr("-._:@+=[]/#,!%~*'", c) != NULL);

		if (!strbuf_appendc(out, ok ? (char)c : '?'))
			return;
	}
	(void)strbuf_terminate(out);
}

static void
log_line(struct smtpd *s, const char *action, const char *type,
    const char *cond, const char *rcpt, const char *user)
{
	struct strbuf l = STRBUF_INIT;

	(void)strbuf_printf(&l, "%s: pid %lu %s::%s::%s: S:", die_progname(),
	    s->pid, action, type, cond);
	smtpd_safe(&l, s->remoteip, 64);
	(void)strbuf_appendc(&l, ':');
	smtpd_safe(&l, s->remotehost, 255);
	(void)strbuf_appends(&l, " P:");
	(void)strbuf_appends(&l, smtpd_protocol(s));
	(void)strbuf_appends(&l, " H:");
	smtpd_safe(&l, s->helo.data ? s->helo.data : "", 255);
	(void)strbuf_appends(&l, " F:");
	smtpd_safe(&l, s->mailfrom.data ? s->mailfrom.data : "", 300);
	(void)strbuf_appends(&l, " T:");
	smtpd_safe(&l, rcpt ? rcpt : "", 300);
	if (user != NULL) {
		(void)strbuf_appends(&l, " A:");
		smtpd_safe(&l, user, 300);
	}
	if (strbuf_appendc(&l, '\n'))
		(void)fd_write_all(2, l.data, l.len);
	strbuf_free(&l);
}

void
smtpd_log(struct smtpd *s, const char *action, const char *type,
    const char *cond, const char *rcpt)
{
	log_line(s, action, type, cond, rcpt,
	    s->authenticated && s->authuser.len > 0 ? s->authuser.data : NULL);
}

void
smtpd_log_user(struct smtpd *s, const char *action, const char *type,
    const char *cond, const char *user)
{
	log_line(s, action, type, cond, NULL, user);
}

const char *
smtpd_protocol(const struct smtpd *s)
{
	/* RFC 3848 and RFC 6531 with-protocol types: ESMTP, ESMTPS,
	 * ESMTPA, ESMTPSA, UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA */
	static const char *const names[2][2][2] = {
	    {{"ESMTP", "ESMTPA"}, {"ESMTPS", "ESMTPSA"}},
	    {{"UTF8SMTP", "UTF8SMTPA"}, {"UTF8SMTPS", "UTF8SMTPSA"}},
	};

	if (!s->ehlo && !s->mail_utf8)
		return "SMTP";
	return names[s->mail_utf8][s->tls != NULL][s->auth_a];
}

_Noreturn void
smtpd_quit(struct smtpd *s, int code)
{
	(void)iobuf_flush(&s->out);
	if (s->tls != NULL)
		tls_close(s->tls);
	_exit(code);
}

_Noreturn void
smtpd_die_temp(struct smtpd *s, const char *reply, const char *why)
{
	smtpd_log(s, "Reject", "SMTP", why, NULL);
	smtpd_reply(s, "%s", reply);
	smtpd_quit(s, EXIT_TEMP);
}
