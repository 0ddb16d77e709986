/*
 * deliver.c - qmail-remote's delivery: remote_main(), run by the
 * qmail-remote program (program.c) and, without an exec, by qmail-rspawn
 * in a forked child (doc/PERFORMANCE.md "Relay without exec").
 *
 *   qmail-remote host sender recip...
 *
 * The message is on fd 0. HOST is the recipients' domain (or an address
 * literal); the peer is chosen by control/authsenders (by the sender),
 * control/qmtproutes, control/smtproutes, then MX and A/AAAA records;
 * control/tlsdestinations and control/domaincerts set the TLS policy for
 * it (routing.c), and queue/lock/tcpto skips addresses that timed out
 * lately. The
 * result goes to fd 1 as qmail's report (remote.h, doc/qmail-remote.8),
 * and the exit code is 0 whatever happened: only a usage error exits 100.
 * Peer data never reaches a shell or a format string; every text from the
 * peer is sanitized. Besides the timeout on each read and write, a whole
 * session has a time limit (session_limit), so a peer that trickles a
 * byte just inside every timeout cannot hold a delivery for ever.
 *
 * remote_serve runs the same delivery for one job after another in a
 * process qmail-rspawn keeps (kept.h), and keeps the SMTP session to a
 * destination open between them (doc/qmail-remote.8, "Kept sessions"):
 * a delivery whose destination (dest_key: everything that chose and set
 * up the connection) is the open session's goes out on it from MAIL on,
 * and over a new connection when the peer turns out to have gone. Every
 * job reads the control files again, as the program does.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "ctl.h"
#include "die.h"
#include "dns.h"
#include "kept.h"
#include "monotonic.h"
#include "remote.h"
#include "routes.h"
#include "smtputf8.h"
#include "spawner.h"
#include "tcpto.h"

#define ADDR_MAX	1000
#define KEPT_SESSION_MS 60000 /* a kept session is not reused after this */
#define KEPT_BUF_MAX	(1024 * 1024) /* a job's bigger buffers are freed */

static struct remote rm;
static char **all_rcpts;   /* the arguments */
static size_t *rcpt_index; /* argument -> valid recipient, or SIZE_MAX */
static size_t all_nrcpt;
static const char **bad_reason; /* argument -> why it is unusable */

/* the SMTP session kept open between jobs (remote_serve) */
static struct {
	bool on;	   /* this process keeps sessions */
	struct session *s; /* NULL: none open */
	int fd;
	struct strbuf dest; /* the dest_key it was opened for */
	char peer[IPADDR_STRLEN];
	long long since; /* monotonic ms of the connect */
} kept = {false, NULL, -1, STRBUF_INIT, "", 0};

/* with kept.on, finish() ends the job here instead of the process */
static sigjmp_buf job_end;

/* the session deadline: SIGALRM shuts the socket down, which every read
 * and write (plain or TLS) sees at once as a dead connection */
static volatile sig_atomic_t deadline_fd = -1;
static volatile sig_atomic_t deadline_hit;

static void
on_alarm(int sig)
{
	(void)sig;
	deadline_hit = 1;
	if (deadline_fd >= 0)
		(void)shutdown(deadline_fd, SHUT_RDWR); /* async-signal-safe */
}

static void
append_said(struct strbuf *sb, const struct reply *reply)
{
	if (reply == NULL || reply->text.len == 0)
		return;
	xstrbuf_appends(sb, "Remote host said: ");
	xstrbuf_append(sb, reply->text.data, reply->text.len);
}

void
report_rcpt(struct remote *r, size_t i, char kind, const char *text,
    const struct reply *reply)
{
	struct strbuf *sb = &r->rtext[i];

	r->rstatus[i] = kind;
	strbuf_truncate(sb, 0);
	xstrbuf_terminate(sb);
	if (text == NULL)
		return;
	xstrbuf_appends(sb, r->peer);
	xstrbuf_appends(sb, text);
	xstrbuf_appendc(sb, '\n');
	append_said(sb, reply);
}

void
report_msg(struct remote *r, char kind, const char *prefix,
    const char *suffix, const struct reply *reply)
{
	r->mstatus = kind;
	strbuf_truncate(&r->mtext, 0);
	xstrbuf_appends(&r->mtext, prefix);
	xstrbuf_appends(&r->mtext, r->peer);
	xstrbuf_appends(&r->mtext, suffix);
	xstrbuf_appendc(&r->mtext, '\n');
	append_said(&r->mtext, reply);
}

void
report_plain(struct remote *r, char kind, const char *text)
{
	r->mstatus = kind;
	strbuf_truncate(&r->mtext, 0);
	xstrbuf_appends(&r->mtext, text);
	xstrbuf_appendc(&r->mtext, '\n');
}

void
report_clear_rcpts(struct remote *r)
{
	size_t i;

	for (i = 0; i < r->nrcpt; i++) {
		r->rstatus[i] = 0;
		strbuf_truncate(&r->rtext[i], 0);
	}
}

void
report_secret(struct remote *r, const char *s, size_t len)
{
	if (!strlist_push(&r->secrets, s, len))
		die_temp("out of memory");
}

/* replaces every secret in OUT; short ones (under 4 bytes) would match
 * ordinary text and are left alone: we never print them ourselves, this
 * only catches a peer that echoes what it was sent */
static void
redact(struct strbuf *out)
{
	static const char mark[] = "[redacted]";
	struct strbuf t = STRBUF_INIT;
	const char *p, *hit;
	size_t i, n;

	for (i = 0; i < rm.secrets.len; i++) {
		n = strlen(rm.secrets.items[i]);
		if (n < 4 || out->len == 0)
			continue;
		strbuf_truncate(&t, 0);
		for (p = out->data; (hit = memmem(p, out->len -
			(size_t)(p - out->data), rm.secrets.items[i], n)) !=
		    NULL; p = hit + n) {
			xstrbuf_append(&t, p, (size_t)(hit - p));
			xstrbuf_appends(&t, mark);
		}
		if (p == out->data)
			continue;
		xstrbuf_append(&t, p, out->len - (size_t)(p - out->data));
		strbuf_truncate(out, 0);
		xstrbuf_append(out, t.data, t.len);
	}
	strbuf_free(&t);
}

/* writes the reports and exits 0 (qmail's contract) */
static _Noreturn void
finish(void)
{
	struct strbuf out = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < all_nrcpt && rm.mstatus != 0; i++) {
		j = rcpt_index ? rcpt_index[i] : SIZE_MAX;
		if (j == SIZE_MAX) {
			if (rcpt_index == NULL)
				break;
			xstrbuf_appendc(&out, 'h');
			xstrbuf_appends(&out, bad_reason[i]);
			xstrbuf_appendc(&out, '\0');
			continue;
		}
		if (rm.rstatus[j] == 0)
			continue;
		xstrbuf_appendc(&out, rm.rstatus[j]);
		xstrbuf_append(&out, rm.rtext[j].data, rm.rtext[j].len);
		xstrbuf_appendc(&out, '\0');
	}
	if (rm.mstatus == 0)
		report_plain(&rm, 'Z', "qmail-remote ended without a result."
		    " (#4.3.0)");
	xstrbuf_appendc(&out, rm.mstatus);
	xstrbuf_append(&out, rm.mtext.data, rm.mtext.len);
	xstrbuf_appendc(&out, '\0');
	redact(&out);
	if (!fd_write_all(1, out.data, out.len))
		_exit(111);
	strbuf_free(&out);
	if (kept.on)
		siglongjmp(job_end, 1);
	_exit(0);
}

_Noreturn void
remote_fail(char kind, const char *text)
{
	report_plain(&rm, kind, text);
	finish();
}

_Noreturn void
remote_fail_control(void)
{
	remote_fail('Z', "Unable to read control files. (#4.3.0)");
}

/* the local names for them here */
#define fail	     remote_fail
#define fail_control remote_fail_control

/* an address we put on the wire: printable, no controls, bounded */
static bool
addr_ok(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '<' ||
		    *s == '>' || n >= ADDR_MAX)
			return false;
	return true;
}

static void
read_message(void)
{
	static struct strbuf msg = STRBUF_INIT;
	char chunk[65536];
	ssize_t r;

	if (msg.cap > KEPT_BUF_MAX)
		strbuf_free(&msg); /* a kept process holds no big message */
	strbuf_truncate(&msg, 0);
	for (;;) {
		r = read(0, chunk, sizeof chunk);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail('Z', "Unable to read message. (#4.3.0)");
		}
		if (!strbuf_append(&msg, chunk, (size_t)r))
			fail('Z', "Out of memory. (#4.3.0)");
	}
	rm.msg = msg.data ? msg.data : "";
	rm.msglen = msg.len;
}

/* the class of ADDR for SMTPUTF8 (smtputf8.h); *ASCII = its form for a
 * session without SMTPUTF8 (allocated) */
static enum smtputf8_class
classify(const char *addr, char **ascii)
{
	struct strbuf t = STRBUF_INIT;
	enum smtputf8_class c;

	c = smtputf8_address(addr, &t);
	if (c == SMTPUTF8_NOMEM) {
		rcpt_index = NULL; /* no recipient reports: all temporary */
		fail('Z', "Out of memory. (#4.3.0)");
	}
	if (c == SMTPUTF8_DOMAIN || c == SMTPUTF8_NEEDED)
		rm.needs_utf8 = true;
	xstrbuf_terminate(&t);
	*ascii = t.data;
	return c;
}

static void
set_rcpts(int argc, char **argv)
{
	enum smtputf8_class c;
	char *ascii;
	size_t i;

	all_rcpts = argv;
	all_nrcpt = (size_t)argc;
	rcpt_index = xmalloc(all_nrcpt * sizeof *rcpt_index);
	bad_reason = xmalloc(all_nrcpt * sizeof *bad_reason);
	rm.rcpts = xmalloc(all_nrcpt * sizeof *rm.rcpts);
	rm.rcpt_ascii = xmalloc(all_nrcpt * sizeof *rm.rcpt_ascii);
	rm.rcpt_class = xmalloc(all_nrcpt * sizeof *rm.rcpt_class);
	rm.nrcpt = 0;
	for (i = 0; i < all_nrcpt; i++) {
		rcpt_index[i] = SIZE_MAX;
		if (!addr_ok(argv[i])) {
			bad_reason[i] = "Recipient address has a control"
			    " character or is too long. (#5.1.3)\n";
			continue;
		}
		if ((c = classify(argv[i], &ascii)) == SMTPUTF8_INVALID) {
			bad_reason[i] = "Recipient address has non-ASCII bytes"
			    " that are not UTF-8. (#5.1.3)\n";
			free(ascii);
			continue;
		}
		rcpt_index[i] = rm.nrcpt;
		rm.rcpt_class[rm.nrcpt] = c;
		rm.rcpt_ascii[rm.nrcpt] = ascii;
		rm.rcpts[rm.nrcpt++] = argv[i];
	}
	rm.rstatus = xmalloc(rm.nrcpt + 1);
	memset(rm.rstatus, 0, rm.nrcpt + 1);
	rm.rtext = xmalloc((rm.nrcpt + 1) * sizeof *rm.rtext);
	for (i = 0; i <= rm.nrcpt; i++)
		rm.rtext[i] = (struct strbuf)STRBUF_INIT;
}

/*
 * The time one session may take, start to end: three times timeoutremote
 * (a peer may rightly use a whole timeout before its greeting, after the
 * message and once more anywhere else), plus a second per KB of the
 * message (no slower than 1 KB/s on average) and a second per recipient;
 * at most a week. Documented in doc/qmail-remote.8.
 */
static unsigned
session_limit(void)
{
	uint64_t limit = 3 * (uint64_t)rm.timeout_remote +
	    (uint64_t)rm.msglen / 1024 + 1 + (uint64_t)rm.nrcpt;

	return limit > 7 * 86400 ? 7 * 86400 : (unsigned)limit;
}

/* runs one session on FD under the deadline; a session that ran out of
 * time ends the delivery with a Z (like a timeout, not the next peer).
 * KEEP as smtp_session's (NULL for QMTP and for the program). */
static enum session_result
run_session(int fd, bool is_qmtp, struct session **keep)
{
	enum session_result r;
	bool duplicate;
	char text[160];

	deadline_hit = 0;
	deadline_fd = fd;
	alarm(rm.session_limit);
	r = is_qmtp ? qmtp_session(&rm, fd) : smtp_session(&rm, fd, keep);
	alarm(0);
	deadline_fd = -1;
	if (!deadline_hit || rm.mstatus == 'K' || rm.mstatus == 'D')
		return r;
	if (keep != NULL) {
		smtp_end(*keep, false); /* the deadline shut the socket */
		*keep = NULL;
	}
	duplicate = rm.mtext.data != NULL &&
	    strstr(rm.mtext.data, "Possible duplicate!") != NULL;
	snprintf(text, sizeof text, " but the session took longer than its"
	    " limit of %u seconds.%s (#4.4.2)", rm.session_limit,
	    duplicate ? " Possible duplicate!" : "");
	report_msg(&rm, 'Z', "Connected to ", text, NULL);
	return SESSION_DONE;
}

/* kept_close: ends the kept session, with QUIT when SAY_QUIT */
static void
kept_close(bool say_quit)
{
	smtp_end(kept.s, say_quit);
	kept.s = NULL;
	if (kept.fd != -1)
		close(kept.fd);
	kept.fd = -1;
}

/* adds S and its terminating \0 to the key K */
static void
key_add(struct strbuf *k, const char *s)
{
	xstrbuf_append(k, s, strlen(s) + 1);
}

/* dest_key: K = everything that chooses and sets up the connection for
 * this delivery: port, relay or domain, source address and HELO, the TLS
 * rule and client certificate, the credentials */
static void
dest_key(struct strbuf *k, const struct route *route, const char *domain,
    unsigned port, const struct ipaddr *local)
{
	char n[64];

	strbuf_truncate(k, 0);
	snprintf(n, sizeof n, "%u %d %d %u %d %d", port, route->use_mx,
	    route->bracketed, rm.tls.verifydepth, (int)rm.tls.level,
	    rm.tls_implicit);
	key_add(k, n);
	key_add(k, route->use_mx ? domain : route->host);
	if (local != NULL)
		ipaddr_format(local, n);
	key_add(k, local != NULL ? n : "");
	key_add(k, rm.helo);
	key_add(k, rm.tls_host);
	key_add(k, rm.tls.cafile);
	key_add(k, rm.tls.ciphers);
	key_add(k, rm.tls.fingerprint);
	key_add(k, rm.have_cert ? rm.cert.certfile : "");
	key_add(k, rm.have_cert ? rm.cert.keyfile : "");
	key_add(k, rm.have_cert ? rm.cert.password : "");
	key_add(k, rm.auth ? rm.user : "");
	key_add(k, rm.auth ? rm.password : "");
}

/* try_kept: delivers on the kept session when it is for DEST and still
 * there; false when the delivery must connect (the session, if any, is
 * then gone). True: the report is set. */
static bool
try_kept(const struct strbuf *dest)
{
	if (kept.s == NULL)
		return false;
	if (kept.dest.len != dest->len ||
	    memcmp(kept.dest.data, dest->data, dest->len) != 0 ||
	    monotonic_ms() - kept.since > KEPT_SESSION_MS ||
	    !smtp_reusable(kept.s, kept.fd)) {
		kept_close(true);
		return false;
	}
	memcpy(rm.peer, kept.peer, sizeof rm.peer);
	rm.mstatus = 0;
	report_clear_rcpts(&rm);
	if (run_session(kept.fd, false, &kept.s) == SESSION_STALE) {
		kept_close(false);
		rm.mstatus = 0;
		report_clear_rcpts(&rm);
		return false;
	}
	if (kept.s == NULL)
		kept_close(false);
	return true;
}

/* what one delivery reads and builds, kept across jobs so that the end
 * of a job (finish, from anywhere) leaves these behind to be reused; a
 * few small buffers of failure paths (fail() from inside a function that
 * allocated them) are lost, at most one set per job and 1000 jobs per
 * process (KEPT_REMOTE_USES) */
static struct {
	struct remote_files files;
	struct strbuf tcpto_path, domain, helo, saved, t, dest;
} job;

/* job_reset: forgets the last job's delivery state (remote_serve) */
static void
job_reset(void)
{
	struct strbuf wire = rm.wire, mtext = rm.mtext;
	size_t i;

	if (rcpt_index != NULL)
		for (i = 0; i < rm.nrcpt; i++)
			free(rm.rcpt_ascii[i]);
	if (rm.rtext != NULL)
		for (i = 0; i <= rm.nrcpt; i++)
			strbuf_free(&rm.rtext[i]);
	free(rcpt_index);
	free(bad_reason);
	free(rm.rcpts);
	free(rm.rcpt_ascii);
	free(rm.rcpt_class);
	free(rm.rstatus);
	free(rm.rtext);
	free((char *)rm.sender_ascii);
	strlist_free(&rm.secrets);
	rcpt_index = NULL;
	bad_reason = NULL;
	memset(&rm, 0, sizeof rm);
	if (wire.cap > KEPT_BUF_MAX)
		strbuf_free(&wire);
	strbuf_truncate(&wire, 0);
	strbuf_truncate(&mtext, 0);
	rm.wire = wire;
	rm.mtext = mtext;
	strbuf_truncate(&job.tcpto_path, 0);
	strbuf_truncate(&job.domain, 0);
	strbuf_truncate(&job.helo, 0);
	strbuf_truncate(&job.saved, 0);
	strbuf_truncate(&job.t, 0);
}

/* deliver: one delivery, argv as the program's; ends in finish() */
static _Noreturn void
deliver(int argc, char **argv)
{
	static struct dns_peers peers;
	static struct tcpto tt;
	uint64_t now, window;
	const char *route_file = NULL;
	struct route route;
	struct ipaddr local;
	bool have_local, is_qmtp = false, tried = false;
	long long connected;
	char saved_kind = 0;
	int timeout_connect, fd;
	unsigned port;
	size_t i, n;

	rm.sender = argv[2];
	set_rcpts(argc - 3, argv + 3);
	if (chdir(auto_qmail) == -1)
		fail('Z', "Unable to switch to home directory. (#4.3.0)");
	if (!addr_ok(rm.sender))
		fail('D', "Sender address has a control character or is too"
		    " long. (#5.1.7)");
	{
		char *ascii;

		rm.sender_class = classify(rm.sender, &ascii);
		rm.sender_ascii = ascii;
	}
	if (rm.sender_class == SMTPUTF8_INVALID)
		fail('D', "Sender address has non-ASCII bytes that are not"
		    " UTF-8. (#5.1.7)");
	if (rm.nrcpt == 0)
		fail('D', "No valid recipient address. (#5.1.3)");
	switch (ctl_read_line(&job.helo, "control/helohost")) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		if (ctl_read_line(&job.helo, "control/me") != CTL_OK)
			fail_control();
		break;
	case CTL_ERROR:
		fail_control();
	}
	timeout_connect = remote_read_timeout("control/timeoutconnect", 60);
	rm.timeout_remote = remote_read_timeout("control/timeoutremote",
	    1200);
	have_local = remote_source_address(&rm, &local, &job.helo);
	if (!remote_name_ok(job.helo.data ? job.helo.data : ""))
		fail_control();
	rm.helo = job.helo.data;
	read_message();
	/* RFC 6532 header fields: SMTPUTF8 when offered; without it the
	 * message goes as qmail always sent 8-bit headers (doc) */
	if (smtputf8_header(rm.msg, rm.msglen))
		rm.needs_utf8 = true;
	rm.session_limit = session_limit();

	if (!remote_ascii_name(argv[1], &job.domain)) {
		xstrbuf_appends(&job.t, "Sorry, the domain name ");
		(void)reply_sanitize(&job.t, argv[1], strlen(argv[1]));
		xstrbuf_appends(&job.t, " is not a valid IDN. (#5.1.2)");
		fail('D', job.t.data);
	}
	remote_read_files(&job.files);
	/* s/qmail: a sender with an authsenders entry goes to its relay */
	switch (authsender_lookup(&job.files.auths, rm.sender, &route)) {
	case ROUTE_FOUND:
		route_file = "control/authsenders";
		break;
	case ROUTE_INVALID:
		fail_control();
	case ROUTE_NONE:
		remote_choose_route(&rm, &job.files, job.domain.data, &route,
		    &is_qmtp);
		break;
	}
	port = route.port ? (unsigned)route.port : is_qmtp ? 209 : 25;
	remote_tls_policy(&rm, &job.files, &route, job.domain.data, &port,
	    is_qmtp);
	if (!is_qmtp && !dotstuff_encode(&rm.wire, rm.msg, rm.msglen,
	    &rm.info))
		fail('Z', "Out of memory. (#4.3.0)");
	if (kept.on && !is_qmtp) {
		dest_key(&job.dest, &route, job.domain.data, port,
		    have_local ? &local : NULL);
		if (try_kept(&job.dest))
			finish();
	}
	if (route.use_mx) {
		remote_mx_peers(job.domain.data, &peers, argv[1]);
	} else {
		remote_relay_peers(&route, &peers, route_file ? route_file :
		    is_qmtp ? "control/qmtproutes" : "control/smtproutes");
	}
	if (have_local) {
		for (i = n = 0; i < peers.len; i++)
			if (peers.items[i].addr.family == local.family)
				peers.items[n++] = peers.items[i];
		peers.len = n;
		if (n == 0)
			fail('Z', "No address of the remote host has the"
			    " address family of the local address in"
			    " control/domainips. (#4.4.1)");
	}

	/* lock/tcpto: skip addresses whose connects timed out lately */
	xstrbuf_appends(&job.tcpto_path, auto_queue);
	xstrbuf_appends(&job.tcpto_path, "/lock/tcpto");
	if (!tcpto_read(&tt, job.tcpto_path.data))
		memset(&tt, 0, sizeof tt); /* malformed: it only saves time */
	now = (uint64_t)time(NULL);
	window = TCPTO_WINDOW + (uint64_t)(getpid() & 31) * 64;

	for (i = 0; i < peers.len; i++) {
		if (tcpto_blocked(&tt, &peers.items[i].addr, now, window))
			continue;
		fd = net_connect(&peers.items[i].addr, port,
		    have_local ? &local : NULL, timeout_connect);
		if (fd == -2) {
			ipaddr_format(&local, rm.peer);
			xstrbuf_appends(&job.t, "Unable to bind to the local"
			    " address ");
			xstrbuf_appends(&job.t, rm.peer);
			xstrbuf_appends(&job.t, " from control/domainips: ");
			xstrbuf_appends(&job.t, errno == EADDRNOTAVAIL ?
			    "it is not configured on this host (see ipmeprint)"
			    : strerror(errno));
			xstrbuf_appends(&job.t, ". (#4.3.0)");
			fail('Z', job.t.data);
		}
		if (fd < 0) {
			if (errno == ETIMEDOUT)
				(void)tcpto_update(job.tcpto_path.data,
				    &peers.items[i].addr, true, now);
			continue;
		}
		if (tcpto_errors(&tt, &peers.items[i].addr) > 0)
			(void)tcpto_update(job.tcpto_path.data,
			    &peers.items[i].addr, false, now);
		tried = true;
		connected = monotonic_ms();
		ipaddr_format(&peers.items[i].addr, rm.peer);
		rm.mstatus = 0;
		report_clear_rcpts(&rm);
		if (run_session(fd, is_qmtp, kept.on && !is_qmtp ? &kept.s :
		    NULL) == SESSION_DONE) {
			if (kept.s != NULL) {
				kept.fd = fd;
				strbuf_truncate(&kept.dest, 0);
				xstrbuf_append(&kept.dest, job.dest.data,
				    job.dest.len);
				memcpy(kept.peer, rm.peer, sizeof kept.peer);
				kept.since = connected;
			} else {
				close(fd);
			}
			finish();
		}
		close(fd);
		/* keep this refusal in case no other peer does better */
		saved_kind = rm.mstatus;
		xstrbuf_copys(&job.saved, rm.mtext.data ? rm.mtext.data : "");
	}
	report_clear_rcpts(&rm);
	if (tried && saved_kind) {
		rm.mstatus = saved_kind;
		xstrbuf_copys(&rm.mtext, job.saved.data);
		finish();
	}
	fail('Z', is_qmtp ? "Sorry, I wasn't able to establish a QMTP"
			    " connection. (#4.4.1)"
			  : "Sorry, I wasn't able to establish an SMTP"
			    " connection. (#4.4.1)");
}

/* what the program and a kept process set up once */
static void
setup(void)
{
	struct sigaction sa;

	die_init("qmail-remote");
	signal(SIGPIPE, SIG_IGN);
	/* no SA_RESTART: a blocked write returns as soon as it fires */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		fail('Z', "System resources temporarily unavailable."
		    " (#4.3.0)");
}

_Noreturn void
remote_main(int argc, char **argv)
{
	if (argc < 4) {
		static const char usage[] = "Dqmail-remote was invoked"
		    " improperly. (#5.3.5)\n";

		die_init("qmail-remote");
		(void)fd_write_all(1, usage, sizeof usage);
		die_perm("usage: qmail-remote host sender recip...");
	}
	setup();
	deliver(argc, argv);
}

_Noreturn void
remote_serve(int sock)
{
	char buf[3 * (SPAWN_FIELD_MAX + 1)];
	const char *field[3];
	struct kept_worker w;
	char *args[5];

	if (!kept_worker_init(&w, sock))
		_exit(111);
	setup();
	kept.on = true; /* from here finish() ends a job, not the process */
	for (;;) {
		switch (kept_job(&w, buf, sizeof buf, field, 3)) {
		case 1:
			break;
		case 0:
			kept_close(true); /* let go */
			_exit(0);
		default:
			_exit(111);
		}
		args[0] = (char *)"qmail-remote";
		args[1] = (char *)field[0];
		args[2] = (char *)field[1];
		args[3] = (char *)field[2];
		args[4] = NULL;
		job_reset();
		if (sigsetjmp(job_end, 1) == 0)
			deliver(4, args);
		if (!kept_answer(&w, 0)) {
			kept_close(true);
			_exit(0);
		}
	}
}
