/*
 * smtpd.h - qmail-smtpd's session state, shared by the files of the
 * program (main.c: setup and the command loop; envelope.c: MAIL, RCPT and
 * the policy checks; data.c: DATA and queueing; starttls.c: TLS; out.c:
 * replies and the log). Not a library header: one struct smtpd lives in
 * main() and is passed to everything; auth.c: SMTP AUTH. doc/qmail-smtpd.8
 * is the contract.
 */
#ifndef SMTPD_H
#define SMTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cdbx.h"
#include "die.h"
#include "iobuf.h"
#include "ipaddr.h"
#include "mimescan.h"
#include "policy.h"
#include "qhpsi.h"
#include "sasl.h"
#include "smtpaddr.h"
#include "strbuf.h"

#define SMTPD_LINE_MAX 512	/* RFC 5321 4.5.3.1.4, with the CRLF */
#define SMTPD_RCPT_MAX 1000	/* per message, whatever MAXRECIPIENTS says */
#define SMTPD_ERRORS_MAX 10	/* protocol errors before we hang up */
#define SMTPD_HOPS_MAX 100	/* Received + Delivered-To: mail loop */

/* UCSPITLS: "" offer, "!" require, "-" off, "?" require and relay a
 * verified client certificate, "@" as "?" and take the identity too */
enum ucspitls { TLS_OFFER, TLS_REQUIRE, TLS_OFF, TLS_CERT, TLS_CERTAUTH };

struct smtpd {
	struct iobuf in, out;
	char inbuf[8192], outbuf[4096];
	int timeout;
	unsigned long pid;

	/* from tcpserver */
	const char *remoteip, *remotehost, *remoteinfo, *localip, *localport;
	const char *relayclient; /* NULL when unset */
	const char *relay_env, *remoteinfo_env; /* as tcpserver set them */

	/* control files */
	struct strbuf me, greeting, localiphost;
	struct strlist rcpthosts, badmailfrom, badrcptto, badhelo;
	bool rcpthosts_missing; /* neither rcpthosts nor morercpthosts.cdb */
	unsigned long long databytes;

	/* policy variables */
	const char *helocheck;	/* NULL when unset */
	unsigned long maxrcpt, tarpitcount, tarpitdelay;
	const char *mfdnscheck, *localmfcheck; /* NULL when unset */
	struct strlist recipients; /* control/recipients */
	bool recipients450;
	unsigned mimeflags, loaderflags; /* MIMESCAN_* */
	bool mime_relay_off, loader_relay_off;
	char loader;
	struct cdbx *badmimetypes, *badloadertypes;
	struct cdbx *mfrules; /* LOCALMFCHECK=!: control/mailfromrules.cdb */
	const char *deliverto, *rblinfo; /* DELIVERTO, RBLSMTPD; or NULL */
	struct qhpsi qhpsi; /* QHPSI: the scanner, or argv NULL */
	bool qhpsi_base64; /* BASE64: scan only messages with base64 */
	bool postgrey; /* POSTGREY: ask the policy server at each RCPT */
	struct ipaddr postgrey_addr;
	unsigned postgrey_port;
	unsigned spf; /* SPF level 0..6 */
	struct strbuf spfexplain, spflocalrules;

	/* SMTP AUTH */
	char **checkprogram; /* argv[1..], NULL without a checkprogram */
	struct sasl_policy auth;
	unsigned long authsleep, authtries, authfails;
	bool authenticated; /* by AUTH or by a client certificate */
	bool auth_a; /* protocol word gets "A" */
	struct strbuf authuser;
	const char *authmech;

	/* TLS */
	enum ucspitls ucspitls;
	bool smtps;
	const char *certfile, *keyfile, *cafile;
	struct strbuf certmail; /* e-mail of a verified client cert */
	bool tls_available;	/* certificate present */
	struct tls *tls;
	char tls_info[128];

	/* session */
	struct strbuf helo;
	bool seenhelo, ehlo;
	unsigned errors;
	unsigned long invalid_rcpts;

	/* transaction */
	bool seenmail, mail_utf8, bmf_reject, bmf_skip, mf_dnsbad, mav_reject;
	bool spf_done; /* SPF evaluated for this transaction */
	int spf_result; /* enum spf_result once spf_done */
	struct strbuf spf_header; /* Received-SPF: ... for the message */
	char bmf_form;
	struct strbuf mailfrom;
	struct strlist rcpts;
	unsigned long rcpt_tries;
};

/* out.c */
void smtpd_reply(struct smtpd *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* smtpd_reply_text: CODE then the REPLY_* override VAR or DEFAULT */
void smtpd_reply_text(
    struct smtpd *s, const char *code, const char *var, const char *dflt);
bool smtpd_flush(struct smtpd *s);
/* smtpd_log: "pid N Action::Type::Condition: S:ip:host P: H: F: T:",
 * plus " A:user" once a client authenticated */
void smtpd_log(struct smtpd *s, const char *action, const char *type,
    const char *cond, const char *rcpt);
/* smtpd_log_user: as smtpd_log with " A:USER" (a failed AUTH) */
void smtpd_log_user(struct smtpd *s, const char *action, const char *type,
    const char *cond, const char *user);
/* smtpd_error: counts a protocol error; 421 and hang up at the limit */
void smtpd_error(struct smtpd *s);
/* smtpd_tls_required: UCSPITLS demands STARTTLS before MAIL and AUTH */
bool smtpd_tls_required(const struct smtpd *s);
/* smtpd_safe: appends TEXT with anything outside a conservative set
 * replaced by '?', at most MAX bytes (for Received and the log) */
void smtpd_safe(struct strbuf *out, const char *text, size_t max);
_Noreturn void smtpd_quit(struct smtpd *s, int code);
_Noreturn void smtpd_die_temp(
    struct smtpd *s, const char *reply, const char *why);
/* smtpd_bad_variable: a bad value of the environment variable NAME: logged,
 * then 421 and exit (temporary: a configuration problem) */
_Noreturn void smtpd_bad_variable(struct smtpd *s, const char *name);
/* smtpd_env_ulong: the number in the environment variable NAME, DFLT when
 * unset or empty; anything else, or above MAX, is smtpd_bad_variable */
unsigned long smtpd_env_ulong(struct smtpd *s, const char *name,
    unsigned long dflt, unsigned long max);
const char *smtpd_protocol(const struct smtpd *s);

/* envelope.c */
void smtpd_reset_transaction(struct smtpd *s);
void smtpd_mail(struct smtpd *s, const char *arg, size_t len);
void smtpd_rcpt(struct smtpd *s, const char *arg, size_t len);

/* data.c */
void smtpd_data(struct smtpd *s);

/* auth.c */
void smtpd_auth_setup(struct smtpd *s, char **checkprogram);
/* smtpd_auth_offered: AUTH belongs in the EHLO reply now */
bool smtpd_auth_offered(const struct smtpd *s);
void smtpd_auth(struct smtpd *s, const char *arg, size_t len);
/* smtpd_auth_reset: forgets an AUTH (STARTTLS, RFC 3207 4.2) */
void smtpd_auth_reset(struct smtpd *s);
/* smtpd_auth_set: records USER as authenticated by MECH and relays */
void smtpd_auth_set(
    struct smtpd *s, const char *user, const char *mech, bool protocol_a);

/* hooks.c: UTF8, DELIVERTO, RBLSMTPD, LOCALMFCHECK=!, QHPSI, POSTGREY */
struct qq;
struct smtpd_spool {
	int fd; /* -1: no spool (no QHPSI, or past QHPSIMAXSIZE) */
	bool broken;
	off_t size;	    /* of the whole message, spooled or not */
	unsigned long max; /* QHPSIMAXSIZE: past it the spool is closed */
	char path[256];
};
void smtpd_hooks_setup(struct smtpd *s);
/* smtpd_mfrules: LOCALMFCHECK=! for SENDER; *TEMP on a cdb error */
enum policy_verdict smtpd_mfrules(
    struct smtpd *s, const char *sender, bool *temp);
/* smtpd_postgrey_refused: true after a 450 for a greylisted RCPT */
bool smtpd_postgrey_refused(struct smtpd *s, const char *rcpt);
/* smtpd_headers: the X-RBL-Info line for the queued message */
void smtpd_headers(struct smtpd *s, struct qq *qq);
/* smtpd_spool_*: a private copy of the message for the QHPSI scanner */
bool smtpd_spool_open(struct smtpd *s, struct smtpd_spool *sp);
void smtpd_spool_put(struct smtpd_spool *sp, const char *p, size_t n);
void smtpd_spool_close(struct smtpd_spool *sp);
/* smtpd_qhpsi: runs the scanner on the spool (BASE64: only when BASE64
 * says the message had a base64 block) */
enum qhpsi_verdict smtpd_qhpsi(
    struct smtpd *s, struct smtpd_spool *sp, bool base64);

/* spf.c: SPF=0..6 */
void smtpd_spf_setup(struct smtpd *s);
/* smtpd_spf_refused: evaluates SPF once per transaction; true after a
 * 550 or 451 reply */
bool smtpd_spf_refused(struct smtpd *s, const char *rcpt);
/* smtpd_spf_header: the Received-SPF line for the queued message */
void smtpd_spf_header(struct smtpd *s, struct qq *qq);

/* starttls.c */
void smtpd_tls_setup(struct smtpd *s);
void smtpd_starttls(struct smtpd *s);
void smtpd_starttls_resume(struct smtpd *s);
void smtpd_smtps(struct smtpd *s);

/* handoff.c: the plain (musl) build and the full build (SMTPD_PLAIN) */
/* smtpd_handoff: after setup; the plain build execs the full one when
 * the session needs it from the start; the full build resumes a STARTTLS
 * handed over and returns true (no greeting then) */
bool smtpd_handoff(struct smtpd *s, char **argv);
/* smtpd_handoff_starttls: the plain build after "220 ready for TLS" */
_Noreturn void smtpd_handoff_starttls(struct smtpd *s);
/* smtpd_handoff_helper: first thing in main; the full build serves the
 * plain build's IDN requests here and exits */
void smtpd_handoff_helper(void);

#endif
