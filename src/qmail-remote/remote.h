/*
 * remote.h - qmail-remote's parts: the delivery state shared by deliver.c
 * (arguments, control files, routing, the loop over peers and the report),
 * smtp.c and qmtp.c (one session with one peer) and connect.c.
 *
 * The report is qmail's (doc/qmail-remote.8): one report per recipient
 * that reached the RCPT stage ('r' accepted, 'h' permanent, 's'
 * temporary), in argument order, then one message report ('K', 'Z', 'D'),
 * each followed by '\0'. All of it is collected here and written once at
 * the end, so each recipient's result is recorded exactly once.
 */
#ifndef REMOTE_H
#define REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "ipaddr.h"
#include "reply.h"
#include "routes.h"
#include "dotstuff.h"
#include "smtputf8.h"
#include "strbuf.h"
#include "tls.h"
#include "tlsdest.h"

enum session_result {
	SESSION_DONE, /* the message report is final */
	SESSION_NEXT, /* 5xx to greeting or HELO: try the next peer */
	SESSION_STALE /* a kept session had gone before MAIL's reply, or
			 refused MAIL or every recipient: nothing was
			 delivered, connect anew */
};

struct session; /* one SMTP session (smtp.c) */

struct remote {
	/* what to deliver */
	const char *sender;
	char **rcpts;
	size_t nrcpt;
	const char *msg; /* the message as queued */
	size_t msglen;
	struct strbuf wire; /* its SMTP DATA form, built on first use */
	struct dotstuff_info info;
	bool wire_ready;
	/* SMTPUTF8 (smtputf8.h): each address's class and its form for a
	 * session without SMTPUTF8; needs_utf8 when an address is not
	 * ASCII or the header is UTF-8 (then SMTPUTF8 is used if offered) */
	enum smtputf8_class sender_class;
	const char *sender_ascii;
	enum smtputf8_class *rcpt_class;
	char **rcpt_ascii;
	bool needs_utf8;
	/* how */
	const char *helo;
	int timeout_remote;
	unsigned session_limit; /* seconds for one whole session (deliver.c) */
	/* TLS (tlsclient.c): the tlsdestinations rule for this destination,
	 * the name it was looked up by (SNI, name checks), whether the port
	 * is TLS-only (SMTPS 465, QMTPS 6209), the domaincerts entry */
	struct tlsdest tls;
	char tls_host[TLSDEST_FIELD_MAX + 1];
	bool tls_implicit;
	bool have_cert;
	struct domaincert cert;
	/* AUTH: credentials from authsenders or smtproutes */
	bool auth;
	const char *user, *password;
	struct strlist secrets; /* never printed: redacted from the report */
	/* the current peer, for reports: its address as text */
	char peer[IPADDR_STRLEN];
	/* results */
	char *rstatus;		/* per recipient: 0, 'r', 'h' or 's' */
	struct strbuf *rtext;	/* per recipient report text */
	char mstatus;		/* 'K', 'Z', 'D' or 0 */
	struct strbuf mtext;
};

/* report_rcpt: records recipient I's result KIND with TEXT and, when
 * REPLY is not NULL, "Remote host said: " and the reply's text */
void report_rcpt(struct remote *rm, size_t i, char kind, const char *text,
    const struct reply *reply);
/* report_msg: sets the message report: KIND, PREFIX, the peer's address,
 * SUFFIX and a newline; with REPLY as above */
void report_msg(struct remote *rm, char kind, const char *prefix,
    const char *suffix, const struct reply *reply);
/* report_plain: sets the message report KIND with TEXT only */
void report_plain(struct remote *rm, char kind, const char *text);
/* report_clear_rcpts: forgets recipient results (before a new peer) */
void report_clear_rcpts(struct remote *rm);
/* report_secret: S (a password or an encoding of one) must never appear
 * in the report; finish() replaces any occurrence */
void report_secret(struct remote *rm, const char *s, size_t len);

/* tls_required: true when this destination may not be reached without
 * TLS (a mandatory rule, or credentials without a "!" rule) */
bool tls_required(const struct remote *rm);
/* tlsc_start: runs the TLS handshake on FD and checks the peer as
 * rm->tls says; returns the connection, or NULL with the message report
 * set and *NEXT true when another peer may do better */
struct tls *tlsc_start(struct remote *rm, int fd, bool *next);
/* tlsc_end: close_notify (bounded) and free; T may be NULL */
void tlsc_end(struct tls *t);

/* qmtp_session: delivers over the connected socket FD */
enum session_result qmtp_session(struct remote *rm, int fd);
/* smtp_session: the same over SMTP. KEEP NULL: one session, ended with
 * QUIT. Else *KEEP is the session an earlier delivery kept open on FD
 * (NULL: FD is a new connection); when the peer accepts the message the
 * session stays open, without QUIT, in *KEEP; otherwise it is ended and
 * *KEEP is NULL. SESSION_STALE only for a kept session. */
enum session_result smtp_session(struct remote *rm, int fd,
    struct session **keep);
/* smtp_end: ends a kept session S (may be NULL), with QUIT when SAY_QUIT
 * (the socket is the caller's to close) */
void smtp_end(struct session *s, bool say_quit);
/* smtp_reusable: a kept session on FD has nothing unread: a peer that
 * closed or said 421 while it was idle is seen here */
bool smtp_reusable(const struct session *s, int fd);

/* remote_fail: sets the message report KIND with TEXT and ends the
 * delivery (deliver.c: the report is written, then the process or, in a
 * kept process, the job ends); remote_fail_control: the Z for control
 * files that cannot be read or parsed */
_Noreturn void remote_fail(char kind, const char *text);
_Noreturn void remote_fail_control(void);

/* routing.c. The routing files, read again for every delivery */
struct remote_files {
	struct strlist qmtp, smtp, auths, tlsd, certs;
};
/* remote_read_files: (re)reads qmtproutes, smtproutes, authsenders,
 * tlsdestinations and domaincerts into F (a missing file is empty);
 * remote_fail_control on trouble or a bad line */
void remote_read_files(struct remote_files *f);
/* remote_read_timeout: a timeout file in seconds (1..86400), DEF when
 * missing */
int remote_read_timeout(const char *path, unsigned long def);
/* remote_name_ok: NAME is a non-empty name without blanks or controls */
bool remote_name_ok(const char *name);
/* remote_ascii_name: OUT = the A-label, lower-case form of NAME; false
 * when it is not a valid IDN */
bool remote_ascii_name(const char *name, struct strbuf *out);
/* remote_source_address: control/domainips for RM's sender: sets *LOCAL
 * and returns true when it names a source address; replaces HELO when it
 * names one */
bool remote_source_address(const struct remote *rm, struct ipaddr *local,
    struct strbuf *helo);
/* remote_choose_route: qmtproutes, then smtproutes, then MX (use_mx) */
void remote_choose_route(const struct remote *rm,
    const struct remote_files *f, const char *domain, struct route *route,
    bool *is_qmtp);
/* remote_tls_policy: the tlsdestinations rule, port, SMTPS/QMTPS, client
 * certificate and credentials for this delivery, into RM */
void remote_tls_policy(struct remote *rm, const struct remote_files *f,
    const struct route *route, const char *domain, unsigned *port,
    bool is_qmtp);
/* remote_relay_peers: the addresses of a relay from FILE's ROUTE;
 * remote_mx_peers: DOMAIN's MX peers, without this host or those behind
 * it (HOST as given, for an address literal and the reports) */
void remote_relay_peers(const struct route *route, struct dns_peers *peers,
    const char *file);
void remote_mx_peers(const char *domain, struct dns_peers *peers,
    const char *host);

/* deliver.c: the whole of qmail-remote (argv as the program's); writes
 * the report to fd 1 and ends the process: never returns */
_Noreturn void remote_main(int argc, char **argv);
/* deliver.c: a process qmail-rspawn keeps (kept.h): runs the job of
 * fields host, sender and recipient it reads from SOCK, one after another,
 * with the SMTP session to a destination kept open between them; the
 * answer is always 0 (the report says how it went). Closes every other
 * descriptor first; ends the process when let go. */
_Noreturn void remote_serve(int sock);

/* net_connect: returns a connected socket to PEER:PORT, bound to LOCAL
 * when not NULL, within TIMEOUT seconds; -1 (errno set) when the connect
 * failed, -2 when binding to LOCAL failed */
int net_connect(const struct ipaddr *peer, unsigned port,
    const struct ipaddr *local, int timeout);

#endif
