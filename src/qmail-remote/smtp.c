/*
 * smtp.c - one SMTP session (RFC 5321) with one peer.
 *
 * The order of events and the texts are qmail-remote's: greeting, EHLO
 * (HELO when EHLO is refused), MAIL, RCPT for every recipient, DATA, the
 * message, QUIT. Differences, each for a reason:
 *   - a 5xx greeting or a refused HELO moves on to the next peer (one bad
 *     MX must not stop delivery); qmail gave up with a Z;
 *   - with PIPELINING, MAIL and the RCPTs go out in batches of
 *     PIPE_BATCH commands (bounded so neither side blocks on a full
 *     socket buffer); DATA waits for their replies, so the message is
 *     never sent when no recipient was accepted;
 *   - SIZE: a message over the peer's advertised limit fails at once
 *     (permanently) instead of after the transfer;
 *   - a malformed reply ends the session with a Z, and the peer's text
 *     is always capped and sanitized (reply.h);
 *   - SMTPUTF8 (RFC 6531) when the message needs it and the peer offers
 *     it, else ASCII addresses (A-label domains) and a 5.6.7 failure for
 *     an address that has no ASCII form (plan_utf8).
 * TLS and AUTH (s/qmail's, doc/qmail-remote.8): STARTTLS when offered
 * unless tlsdestinations says never; where TLS is required and missing or
 * failing, a Z before MAIL, never a plaintext fallback. After the
 * handshake the buffered plaintext is dropped (CVE-2011-0411, tls_attach)
 * and EHLO is said again. AUTH uses the strongest of CRAM-MD5, LOGIN and
 * PLAIN that the peer offers, only over TLS unless the relay has a "!"
 * rule; a refusal is a Z (the fix is local configuration, so the mail
 * waits for it rather than bouncing). Credentials never enter a report.
 * A kept session (qmail-rspawn's, remote.h) skips QUIT after a message the
 * peer accepted and starts the next delivery at MAIL; when the peer turns
 * out to have gone (no reply to MAIL), refuses MAIL or every recipient
 * there, nothing was delivered and the delivery goes on over a new
 * connection, whose answer counts (a limit per connection must not
 * bounce mail).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "digest.h"
#include "ehlo.h"
#include "iobuf.h"
#include "remote.h"

#define PIPE_BATCH 100

struct session {
	struct remote *rm;
	struct iobuf in, out;
	char inbuf[4096];
	char outbuf[16384];
	struct reply reply;
	struct ehlo ext;   /* what the last EHLO reply offered */
	bool utf8;	   /* MAIL ... SMTPUTF8 */
	size_t *send;	   /* the recipients to send RCPT for */
	size_t nsend;
	struct tls *tls;
	bool critical; /* the message is sent, its reply not yet read */
	bool keeping;  /* a K leaves the session open (no QUIT) */
	bool kept;     /* ...and it did */
	bool reused;   /* this delivery runs on a kept session */
};

/* the connection failed: the report says how, and whether the peer may
 * already have the message */
static enum session_result
died(struct session *s, enum reply_status st)
{
	if (st == REPLY_GARBAGE) {
		report_msg(s->rm, 'Z', "Connected to ", " but sent a malformed reply. (#4.4.2)",
		    &s->reply);
		return SESSION_DONE;
	}
	report_msg(s->rm, 'Z', "Connected to ",
	    s->critical ? " but connection died. Possible duplicate! (#4.4.2)"
			: " but connection died. (#4.4.2)",
	    NULL);
	return SESSION_DONE;
}

/* sends QUIT without waiting for its reply (as qmail) */
static void
send_quit(struct session *s)
{
	if (iobuf_puts(&s->out, "QUIT\r\n"))
		(void)iobuf_flush(&s->out);
}

/* sends QUIT (not after a K on a kept session) and sets the message
 * report */
static enum session_result
quit(struct session *s, char kind, const char *prefix, const char *suffix,
    bool with_reply)
{
	if (kind == 'K' && s->keeping)
		s->kept = true;
	else
		send_quit(s);
	report_msg(s->rm, kind, prefix, suffix, with_reply ? &s->reply : NULL);
	return SESSION_DONE;
}

static bool
send_cmd(struct session *s, const char *a, const char *b, const char *c)
{
	return iobuf_puts(&s->out, a) && (b == NULL || iobuf_puts(&s->out, b)) &&
	    (c == NULL || iobuf_puts(&s->out, c)) &&
	    iobuf_puts(&s->out, "\r\n");
}

static enum reply_status
get_reply(struct session *s)
{
	if (!iobuf_flush(&s->out))
		return REPLY_EOF;
	return reply_read(&s->reply, &s->in);
}

static enum session_result
greet(struct session *s)
{
	enum reply_status st;

	if ((st = reply_read(&s->reply, &s->in)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code >= 500) {
		/* RFC 5321 3.1: 554 here means "no service"; next MX */
		(void)quit(s, 'Z', "Connected to ", " but greeting failed.", true);
		return SESSION_NEXT;
	}
	if (s->reply.code != 220)
		return quit(s, 'Z', "Connected to ", " but greeting failed.", true);
	if (!send_cmd(s, "EHLO ", s->rm->helo, NULL))
		return died(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code == 250) {
		ehlo_parse(&s->ext, s->reply.text.data);
		return SESSION_DONE; /* mstatus still 0: go on */
	}
	if (s->reply.code == 421)
		return quit(s, 'Z', "Connected to ", " but my name was rejected.", true);
	if (!send_cmd(s, "HELO ", s->rm->helo, NULL))
		return died(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code == 250)
		return SESSION_DONE;
	if (s->reply.code >= 500) {
		(void)quit(s, 'Z', "Connected to ", " but my name was rejected.", true);
		return SESSION_NEXT;
	}
	return quit(s, 'Z', "Connected to ", " but my name was rejected.", true);
}

/*
 * STARTTLS (RFC 3207) when the policy allows it and the peer offers it.
 * Returns SESSION_DONE with mstatus still 0 to go on (with or without
 * TLS), SESSION_DONE with mstatus set when the session is over, or
 * SESSION_NEXT when another peer may do better.
 */
static enum session_result
secure(struct session *s, int fd)
{
	struct remote *rm = s->rm;
	enum reply_status st;
	bool next;

	if (s->tls != NULL || rm->tls.level == TLSDEST_NEVER)
		return SESSION_DONE;
	if (!s->ext.starttls) {
		if (!tls_required(rm))
			return SESSION_DONE;
		(void)quit(s, 'Z', "Connected to ",
		    " but it does not offer STARTTLS, and TLS is required for"
		    " this destination. (#4.7.5)",
		    false);
		return SESSION_NEXT;
	}
	if (!send_cmd(s, "STARTTLS", NULL, NULL))
		return died(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code != 220) {
		if (!tls_required(rm))
			return SESSION_DONE; /* opportunistic: go on as is */
		(void)quit(s, 'Z', "Connected to ",
		    " but STARTTLS was refused.", true);
		return SESSION_NEXT;
	}
	if ((s->tls = tlsc_start(rm, fd, &next)) == NULL)
		return next ? SESSION_NEXT : SESSION_DONE;
	/* drops whatever plaintext came after the 220 (CVE-2011-0411) */
	tls_attach(s->tls, &s->in, &s->out);
	if (!send_cmd(s, "EHLO ", rm->helo, NULL))
		return died(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code != 250)
		return quit(s, 'Z', "Connected to ",
		    " but my name was rejected after STARTTLS.", true);
	ehlo_parse(&s->ext, s->reply.text.data);
	return SESSION_DONE;
}

/* sends LEN bytes of DATA base64-encoded as one line (after PREFIX),
 * remembered as a secret */
static bool
send_b64(struct session *s, const char *prefix, const void *data,
    size_t len)
{
	struct strbuf b = STRBUF_INIT;
	bool ok;

	if (!base64_encode_sb(&b, data, len) || !strbuf_terminate(&b)) {
		strbuf_free(&b);
		return false;
	}
	report_secret(s->rm, b.data, b.len);
	ok = send_cmd(s, prefix, b.data, NULL);
	memset(b.data, 0, b.len);
	strbuf_free(&b);
	return ok;
}

/* OUT = the decoded challenge of a 334 reply */
static bool
challenge(const struct session *s, struct strbuf *out)
{
	const char *p = s->reply.text.data;
	size_t n;

	if (p == NULL || s->reply.lines != 1 || strlen(p) < 4)
		return false;
	p += 4;
	n = strcspn(p, "\n");
	return base64_decode_sb(out, p, n) == BASE64_OK;
}

/* one AUTH exchange; returns the final reply's status */
static enum reply_status
auth_exchange(struct session *s, const char *mech, bool *bad_challenge)
{
	struct remote *rm = s->rm;
	struct strbuf chal = STRBUF_INIT, resp = STRBUF_INIT;
	char hex[2 * DIGEST_MD5_LEN + 1];
	size_t ulen = strlen(rm->user), plen = strlen(rm->password);
	enum reply_status st;

	*bad_challenge = false;
	if (strcmp(mech, "PLAIN") == 0) {
		/* RFC 4616: authzid NUL authcid NUL passwd, as an initial
		 * response (RFC 4954) */
		xstrbuf_appendc(&resp, '\0');
		xstrbuf_append(&resp, rm->user, ulen);
		xstrbuf_appendc(&resp, '\0');
		xstrbuf_append(&resp, rm->password, plen);
		st = send_b64(s, "AUTH PLAIN ", resp.data, resp.len) ?
		    get_reply(s) : REPLY_EOF;
		goto out;
	}
	if (!send_cmd(s, "AUTH ", mech, NULL))
		return REPLY_EOF;
	if ((st = get_reply(s)) != REPLY_DONE || s->reply.code != 334)
		goto out;
	if (strcmp(mech, "LOGIN") == 0) {
		if (!send_b64(s, "", rm->user, ulen))
			return REPLY_EOF;
		if ((st = get_reply(s)) != REPLY_DONE ||
		    s->reply.code != 334)
			goto out;
		st = send_b64(s, "", rm->password, plen) ? get_reply(s)
							  : REPLY_EOF;
		goto out;
	}
	/* CRAM-MD5, RFC 2195: "user hex(HMAC-MD5(password, challenge))" */
	if (!challenge(s, &chal)) {
		*bad_challenge = true;
		(void)send_cmd(s, "*", NULL, NULL); /* cancels (RFC 4954) */
		goto out;
	}
	if (!digest_hmac_md5_hex(rm->password, plen, chal.data, chal.len,
		hex)) {
		st = REPLY_IOERR;
		goto out;
	}
	xstrbuf_append(&resp, rm->user, ulen);
	xstrbuf_appendc(&resp, ' ');
	xstrbuf_appends(&resp, hex);
	st = send_b64(s, "", resp.data, resp.len) ? get_reply(s) : REPLY_EOF;
out:
	if (resp.data != NULL)
		memset(resp.data, 0, resp.len);
	strbuf_free(&resp);
	strbuf_free(&chal);
	return st;
}

/* AUTH with the strongest mechanism offered; mstatus stays 0 on success */
static enum session_result
authenticate(struct session *s)
{
	struct remote *rm = s->rm;
	enum reply_status st;
	const char *mech;
	char text[128];
	bool bad;

	if (!rm->auth)
		return SESSION_DONE;
	if (s->tls == NULL && rm->tls.level != TLSDEST_NEVER)
		return quit(s, 'Z', "Connected to ",
		    " but I send credentials only over TLS. (#4.7.5)", false);
	mech = s->ext.auth_cram ? "CRAM-MD5" : s->ext.auth_login ? "LOGIN" :
	    s->ext.auth_plain ? "PLAIN" : NULL;
	if (mech == NULL)
		return quit(s, 'Z', "Connected to ",
		    " but it offers no AUTH mechanism I use (CRAM-MD5, LOGIN,"
		    " PLAIN). (#4.7.4)",
		    false);
	st = auth_exchange(s, mech, &bad);
	if (st == REPLY_IOERR)
		return quit(s, 'Z', "Connected to ",
		    " but I could not compute the AUTH response. (#4.3.0)",
		    false);
	if (st != REPLY_DONE)
		return died(s, st);
	if (bad) {
		snprintf(text, sizeof text, " but sent a malformed %s"
		    " challenge. (#4.7.0)", mech);
		return quit(s, 'Z', "Connected to ", text, false);
	}
	if (s->reply.code == 235)
		return SESSION_DONE;
	snprintf(text, sizeof text, " but authentication was rejected (%s).",
	    mech);
	return quit(s, 'Z', "Connected to ", text, true);
}

/*
 * SMTPUTF8 (RFC 6531): used when the message needs it (a non-ASCII
 * address or UTF-8 in the header, remote.h) and the peer offers it;
 * addresses then go as queued. Otherwise every address goes in its ASCII
 * form (non-ASCII domains as A-labels), and one that has no ASCII form
 * cannot go: a sender makes the message fail, a recipient fails alone,
 * both permanently (5.6.7). Fills s->send with the recipients to send.
 * Returns SESSION_DONE with mstatus set when the session is over.
 */
static enum session_result
plan_utf8(struct session *s)
{
	struct remote *rm = s->rm;
	size_t i;

	s->utf8 = rm->needs_utf8 && s->ext.smtputf8;
	if (!s->utf8 && rm->sender_class == SMTPUTF8_NEEDED)
		return quit(s, 'D', "Connected to ",
		    " but it does not support SMTPUTF8, which the sender"
		    " address needs. (#5.6.7)",
		    false);
	if ((s->send = calloc(rm->nrcpt + 1, sizeof *s->send)) == NULL) {
		report_plain(rm, 'Z',
		    "System resources temporarily unavailable. (#4.3.0)");
		return SESSION_DONE;
	}
	for (i = 0; i < rm->nrcpt; i++) {
		if (!s->utf8 && rm->rcpt_class[i] == SMTPUTF8_NEEDED)
			report_rcpt(rm, i, 'h', " does not support SMTPUTF8,"
			    " which the recipient address needs. (#5.6.7)",
			    NULL);
		else
			s->send[s->nsend++] = i;
	}
	if (s->nsend == 0)
		return quit(s, 'D', "Giving up on ", ".", false);
	return SESSION_DONE;
}

static bool
send_mail(struct session *s)
{
	struct remote *rm = s->rm;
	char param[64] = "";

	if (s->ext.size_offered)
		snprintf(param, sizeof param, " SIZE=%zu", rm->info.size);
	/* a server offering SMTPUTF8 supports 8BITMIME (RFC 6531 3.1) */
	if ((s->ext.eightbitmime || s->utf8) && rm->info.eightbit)
		strncat(param, " BODY=8BITMIME",
		    sizeof param - strlen(param) - 1);
	if (s->utf8)
		strncat(param, " SMTPUTF8", sizeof param - strlen(param) - 1);
	return iobuf_puts(&s->out, "MAIL FROM:<") &&
	    iobuf_puts(&s->out, s->utf8 ? rm->sender : rm->sender_ascii) &&
	    iobuf_puts(&s->out, ">") && send_cmd(s, param, NULL, NULL);
}

/* RCPT for the Nth recipient to send */
static bool
send_rcpt(struct session *s, size_t n)
{
	size_t i = s->send[n];

	return send_cmd(s, "RCPT TO:<", s->utf8 ? s->rm->rcpts[i] :
	    s->rm->rcpt_ascii[i], ">");
}

/* records the reply to RCPT number I */
static void
rcpt_result(struct session *s, size_t i)
{
	int code = s->reply.code;

	if (code >= 500)
		report_rcpt(s->rm, i, 'h', " does not like recipient.",
		    &s->reply);
	else if (code >= 400)
		report_rcpt(s->rm, i, 's', " does not like recipient.",
		    &s->reply);
	else if (code >= 200 && code < 300)
		report_rcpt(s->rm, i, 'r', NULL, NULL);
	else
		report_rcpt(s->rm, i, 's', " gave an odd reply to RCPT.",
		    &s->reply);
}

/* the connection failed before MAIL's reply: on a kept session the peer
 * has gone while it was idle, and nothing was delivered */
static enum session_result
died_early(struct session *s, enum reply_status st)
{
	return s->reused ? SESSION_STALE : died(s, st);
}

/*
 * MAIL and the RCPTs. Without PIPELINING each command waits for its reply
 * (batch of 1); with it, up to PIPE_BATCH RCPTs follow MAIL at once.
 * Returns SESSION_DONE with mstatus set when the session is over, else
 * SESSION_NEXT meaning "go on to DATA" (never returned to the caller).
 */
static enum session_result
envelope(struct session *s)
{
	struct remote *rm = s->rm;
	size_t batch = s->ext.pipelining ? PIPE_BATCH : 1;
	size_t i, sent = 0;
	enum reply_status st;

	if (!send_mail(s))
		return died_early(s, REPLY_EOF);
	if (s->ext.pipelining)
		for (; sent < s->nsend && sent < batch; sent++)
			if (!send_rcpt(s, sent))
				return died_early(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died_early(s, st);
	if (s->reused && (s->reply.code < 200 || s->reply.code >= 300))
		return SESSION_STALE; /* 421 while we were idle, or a limit
					 per connection: ask a new one */
	if (s->reply.code >= 500)
		return quit(s, 'D', "Connected to ", " but sender was rejected.", true);
	if (s->reply.code < 200 || s->reply.code >= 300)
		return quit(s, 'Z', "Connected to ", " but sender was rejected.", true);
	for (i = 0; i < s->nsend; i++) {
		if (i == sent)
			for (; sent < s->nsend && sent < i + batch; sent++)
				if (!send_rcpt(s, sent))
					return died(s, REPLY_EOF);
		if ((st = get_reply(s)) != REPLY_DONE)
			return died(s, st);
		rcpt_result(s, s->send[i]);
	}
	for (i = 0; i < rm->nrcpt; i++)
		if (rm->rstatus[i] == 'r')
			return SESSION_NEXT;
	if (s->reused)
		return SESSION_STALE; /* the answer that counts is a new
					 connection's */
	return quit(s, 'D', "Giving up on ", ".", false);
}

static enum session_result
data(struct session *s)
{
	struct remote *rm = s->rm;
	enum reply_status st;

	if (!send_cmd(s, "DATA", NULL, NULL))
		return died(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code >= 500)
		return quit(s, 'D', "", " failed on DATA command.", true);
	if (s->reply.code != 354)
		return quit(s, 'Z', "", " failed on DATA command.", true);
	if (!iobuf_put(&s->out, rm->wire.data, rm->wire.len) ||
	    !iobuf_flush(&s->out))
		return died(s, REPLY_EOF);
	s->critical = true;
	if ((st = reply_read(&s->reply, &s->in)) != REPLY_DONE)
		return died(s, st);
	s->critical = false;
	if (s->reply.code >= 500)
		return quit(s, 'D', "", " failed after I sent the message.", true);
	if (s->reply.code < 200 || s->reply.code >= 300)
		return quit(s, 'Z', "", " failed after I sent the message.", true);
	if (s->tls != NULL) {
		char text[160];

		snprintf(text, sizeof text, " accepted message. (%s %s)",
		    tls_version(s->tls), tls_cipher(s->tls));
		return quit(s, 'K', "", text, true);
	}
	return quit(s, 'K', "", " accepted message.", true);
}

void
smtp_end(struct session *s, bool say_quit)
{
	if (s == NULL)
		return;
	if (say_quit)
		send_quit(s);
	tlsc_end(s->tls);
	reply_free(&s->reply);
	free(s->send);
	free(s);
}

bool
smtp_reusable(const struct session *s, int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};

	return s->in.pos == s->in.len && poll(&pfd, 1, 0) == 0;
}

enum session_result
smtp_session(struct remote *rm, int fd, struct session **keep)
{
	struct session *s;
	enum session_result r;
	char text[160];

	if (keep != NULL && *keep != NULL) {
		/* the next delivery on a kept session: from MAIL on */
		s = *keep;
		*keep = NULL;
		s->rm = rm;
		s->reused = true;
		s->kept = s->critical = false;
		free(s->send);
		s->send = NULL;
		s->nsend = 0;
		goto transaction;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		report_plain(rm, 'Z',
		    "System resources temporarily unavailable. (#4.3.0)");
		return SESSION_DONE;
	}
	s->rm = rm;
	s->keeping = keep != NULL;
	iobuf_init(&s->in, fd, s->inbuf, sizeof s->inbuf, rm->timeout_remote);
	iobuf_init(&s->out, fd, s->outbuf, sizeof s->outbuf,
	    rm->timeout_remote);
	if (rm->tls_implicit) {
		bool next;

		/* SMTPS: TLS from the first byte */
		if ((s->tls = tlsc_start(rm, fd, &next)) == NULL) {
			r = next ? SESSION_NEXT : SESSION_DONE;
			goto out;
		}
		tls_attach(s->tls, &s->in, &s->out);
	}
	r = greet(s);
	if (r != SESSION_DONE || rm->mstatus != 0)
		goto out;
	r = secure(s, fd);
	if (r != SESSION_DONE || rm->mstatus != 0)
		goto out;
	r = authenticate(s);
	if (r != SESSION_DONE || rm->mstatus != 0)
		goto out;
transaction:
	if (s->ext.size_offered && s->ext.size_limit > 0 &&
	    rm->info.size > s->ext.size_limit) {
		snprintf(text, sizeof text,
		    " but the message (%zu bytes) is larger than its limit"
		    " (%lu bytes). (#5.3.4)",
		    rm->info.size, s->ext.size_limit);
		r = quit(s, 'D', "Connected to ", text, false);
		goto out;
	}
	r = plan_utf8(s);
	if (r != SESSION_DONE || rm->mstatus != 0)
		goto out;
	r = envelope(s);
	if (r == SESSION_NEXT)
		r = data(s);
out:
	if (r == SESSION_DONE && s->kept) {
		*keep = s;
		return r;
	}
	smtp_end(s, r == SESSION_STALE);
	return r;
}
