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
 *     is always capped and sanitized (reply.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "iobuf.h"
#include "remote.h"

#define PIPE_BATCH 100

struct session {
	struct remote *rm;
	struct iobuf in, out;
	char inbuf[4096];
	char outbuf[16384];
	struct reply reply;
	bool pipelining, eightbitmime, size_offered;
	unsigned long size_limit;
	bool critical; /* the message is sent, its reply not yet read */
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

/* sends QUIT without waiting for its reply (as qmail) and sets the
 * message report */
static enum session_result
quit(struct session *s, char kind, const char *prefix, const char *suffix,
    bool with_reply)
{
	if (iobuf_puts(&s->out, "QUIT\r\n"))
		(void)iobuf_flush(&s->out);
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

/* reads the EHLO keywords we use from the reply text */
static void
parse_ehlo(struct session *s)
{
	const char *line = s->reply.text.data, *end, *kw;
	bool first = true;

	for (; line && *line; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			break;
		if (first || (size_t)(end - line) < 4) {
			first = false;
			continue;
		}
		kw = line + 4;
		if (strncasecmp(kw, "PIPELINING", 10) == 0 &&
		    (kw[10] == '\n' || kw[10] == ' '))
			s->pipelining = true;
		else if (strncasecmp(kw, "8BITMIME", 8) == 0 &&
		    (kw[8] == '\n' || kw[8] == ' '))
			s->eightbitmime = true;
		else if (strncasecmp(kw, "SIZE", 4) == 0 &&
		    (kw[4] == '\n' || kw[4] == ' ')) {
			s->size_offered = true;
			if (kw[4] == ' ')
				s->size_limit = strtoul(kw + 5, NULL, 10);
		}
	}
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
		parse_ehlo(s);
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

static bool
send_mail(struct session *s)
{
	struct remote *rm = s->rm;
	char param[64] = "";

	if (s->size_offered)
		snprintf(param, sizeof param, " SIZE=%zu", rm->info.size);
	if (s->eightbitmime && rm->info.eightbit)
		strncat(param, " BODY=8BITMIME",
		    sizeof param - strlen(param) - 1);
	return iobuf_puts(&s->out, "MAIL FROM:<") &&
	    iobuf_puts(&s->out, rm->sender) && iobuf_puts(&s->out, ">") &&
	    send_cmd(s, param, NULL, NULL);
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
	size_t batch = s->pipelining ? PIPE_BATCH : 1;
	size_t i, sent = 0;
	enum reply_status st;

	if (!send_mail(s))
		return died(s, REPLY_EOF);
	if (s->pipelining)
		for (; sent < rm->nrcpt && sent < batch; sent++)
			if (!send_cmd(s, "RCPT TO:<", rm->rcpts[sent], ">"))
				return died(s, REPLY_EOF);
	if ((st = get_reply(s)) != REPLY_DONE)
		return died(s, st);
	if (s->reply.code >= 500)
		return quit(s, 'D', "Connected to ", " but sender was rejected.", true);
	if (s->reply.code < 200 || s->reply.code >= 300)
		return quit(s, 'Z', "Connected to ", " but sender was rejected.", true);
	for (i = 0; i < rm->nrcpt; i++) {
		if (i == sent)
			for (; sent < rm->nrcpt && sent < i + batch; sent++)
				if (!send_cmd(s, "RCPT TO:<", rm->rcpts[sent],
					">"))
					return died(s, REPLY_EOF);
		if ((st = get_reply(s)) != REPLY_DONE)
			return died(s, st);
		rcpt_result(s, i);
	}
	for (i = 0; i < rm->nrcpt; i++)
		if (rm->rstatus[i] == 'r')
			return SESSION_NEXT;
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
	return quit(s, 'K', "", " accepted message.", true);
}

enum session_result
smtp_session(struct remote *rm, int fd)
{
	struct session *s;
	enum session_result r;
	char text[160];

	if ((s = calloc(1, sizeof *s)) == NULL) {
		report_plain(rm, 'Z',
		    "System resources temporarily unavailable. (#4.3.0)");
		return SESSION_DONE;
	}
	s->rm = rm;
	iobuf_init(&s->in, fd, s->inbuf, sizeof s->inbuf, rm->timeout_remote);
	iobuf_init(&s->out, fd, s->outbuf, sizeof s->outbuf,
	    rm->timeout_remote);
	r = greet(s);
	if (r != SESSION_DONE || rm->mstatus != 0)
		goto out;
	if (s->size_offered && s->size_limit > 0 &&
	    rm->info.size > s->size_limit) {
		snprintf(text, sizeof text,
		    " but the message (%zu bytes) is larger than its limit"
		    " (%lu bytes). (#5.3.4)",
		    rm->info.size, s->size_limit);
		r = quit(s, 'D', "Connected to ", text, false);
		goto out;
	}
	r = envelope(s);
	if (r == SESSION_NEXT)
		r = data(s);
out:
	reply_free(&s->reply);
	free(s);
	return r;
}
