/*
 * smtpd.h - qmail-smtpd's session state, shared by the files of the
 * program (main.c: setup and the command loop; envelope.c: MAIL, RCPT and
 * the policy checks; data.c: DATA and queueing; starttls.c: TLS; out.c:
 * replies and the log). Not a library header: one struct smtpd lives in
 * main() and is passed to everything. doc/qmail-smtpd.8 is the contract.
 */
#ifndef SMTPD_H
#define SMTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "cdbx.h"
#include "die.h"
#include "iobuf.h"
#include "smtpaddr.h"
#include "strbuf.h"

#define SMTPD_LINE_MAX 512	/* RFC 5321 4.5.3.1.4, with the CRLF */
#define SMTPD_RCPT_MAX 1000	/* per message, whatever MAXRECIPIENTS says */
#define SMTPD_ERRORS_MAX 10	/* protocol errors before we hang up */
#define SMTPD_HOPS_MAX 100	/* Received + Delivered-To: mail loop */

enum ucspitls { TLS_OFFER, TLS_REQUIRE, TLS_OFF };

struct smtpd {
	struct iobuf in, out;
	char inbuf[8192], outbuf[4096];
	int timeout;
	unsigned long pid;

	/* from tcpserver */
	const char *remoteip, *remotehost, *remoteinfo, *localip, *localport;
	const char *relayclient; /* NULL when unset */

	/* control files */
	struct strbuf me, greeting, localiphost;
	struct strlist rcpthosts, badmailfrom, badrcptto, badhelo;
	bool rcpthosts_missing; /* neither rcpthosts nor morercpthosts.cdb */
	unsigned long long databytes;

	/* policy variables */
	const char *helocheck;	/* NULL when unset */
	unsigned long maxrcpt, tarpitcount, tarpitdelay;

	/* TLS */
	enum ucspitls ucspitls;
	bool smtps;
	const char *certfile, *keyfile;
	bool tls_available;	/* certificate present */
	struct tls *tls;
	char tls_info[128];

	/* session */
	struct strbuf helo;
	bool seenhelo, ehlo;
	unsigned errors;
	unsigned long invalid_rcpts;

	/* transaction */
	bool seenmail, mail_utf8, bmf_reject, bmf_skip;
	char bmf_form;
	struct strbuf mailfrom;
	struct strlist rcpts;
	unsigned long rcpt_tries;
};

/* out.c */
void smtpd_reply(struct smtpd *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* smtpd_reply_text: CODE then the REPLY_* override VAR or DEFAULT */
void smtpd_reply_text(struct smtpd *s, const char *code, const char *var,
    const char *dflt);
bool smtpd_flush(struct smtpd *s);
/* smtpd_log: "pid N Action::Type::Condition: S:ip:host H: F: T:" */
void smtpd_log(struct smtpd *s, const char *action, const char *type,
    const char *cond, const char *rcpt);
/* smtpd_safe: appends TEXT with anything outside a conservative set
 * replaced by '?', at most MAX bytes (for Received and the log) */
void smtpd_safe(struct strbuf *out, const char *text, size_t max);
_Noreturn void smtpd_quit(struct smtpd *s, int code);
_Noreturn void smtpd_die_temp(struct smtpd *s, const char *reply,
    const char *why);
const char *smtpd_protocol(const struct smtpd *s);

/* envelope.c */
void smtpd_reset_transaction(struct smtpd *s);
void smtpd_mail(struct smtpd *s, const char *arg, size_t len);
void smtpd_rcpt(struct smtpd *s, const char *arg, size_t len);

/* data.c */
void smtpd_data(struct smtpd *s);

/* starttls.c */
void smtpd_tls_setup(struct smtpd *s);
void smtpd_starttls(struct smtpd *s);
void smtpd_smtps(struct smtpd *s);

#endif
