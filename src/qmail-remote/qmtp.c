/*
 * qmtp.c - one QMTP session (http://cr.yp.to/proto/qmtp.txt).
 *
 * The client sends one netstring with the message (as queued, LF line
 * ends), one with the sender and one holding a netstring per recipient;
 * the server answers with one netstring per recipient whose first byte is
 * K (accepted), Z (temporary) or D (permanent). An answer longer than
 * QMTP_MAX_ANSWER, a bad netstring or an unknown status byte is garbage
 * (Z). Once the whole request is written the peer may have the message,
 * so a connection lost then is reported as a possible duplicate.
 * QMTPS (port 6209, s/qmail): the same inside TLS from the first byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iobuf.h"
#include "netstring.h"
#include "remote.h"

#define QMTP_MAX_ANSWER 1000

static bool
put_netstring(struct iobuf *out, const char *p, size_t len)
{
	char head[32];

	snprintf(head, sizeof head, "%zu:", len);
	return iobuf_puts(out, head) && iobuf_put(out, p, len) &&
	    iobuf_put(out, ",", 1);
}

enum session_result
qmtp_session(struct remote *rm, int fd)
{
	static char inbuf[1024], outbuf[16384];
	struct iobuf in, out;
	struct strbuf answer = STRBUF_INIT, rcpts = STRBUF_INIT;
	struct reply said = REPLY_INIT;
	enum netstring_status st = NETSTRING_DONE;
	size_t i;
	bool any = false;
	char head[32];
	struct tls *tls = NULL;

	iobuf_init(&in, fd, inbuf, sizeof inbuf, rm->timeout_remote);
	iobuf_init(&out, fd, outbuf, sizeof outbuf, rm->timeout_remote);
	if (rm->tls_implicit) {
		bool next;

		if ((tls = tlsc_start(rm, fd, &next)) == NULL)
			return next ? SESSION_NEXT : SESSION_DONE;
		tls_attach(tls, &in, &out);
	}
	for (i = 0; i < rm->nrcpt; i++) {
		snprintf(head, sizeof head, "%zu:", strlen(rm->rcpts[i]));
		if (!strbuf_appends(&rcpts, head) ||
		    !strbuf_appends(&rcpts, rm->rcpts[i]) ||
		    !strbuf_appendc(&rcpts, ',')) {
			report_plain(rm, 'Z', "System resources temporarily"
			    " unavailable. (#4.3.0)");
			goto out;
		}
	}
	if (!put_netstring(&out, rm->msg, rm->msglen) ||
	    !put_netstring(&out, rm->sender, strlen(rm->sender)) ||
	    !put_netstring(&out, rcpts.data ? rcpts.data : "", rcpts.len) ||
	    !iobuf_flush(&out)) {
		report_msg(rm, 'Z', "Connected to ",
		    " but connection died. (#4.4.2)", NULL);
		goto out;
	}
	for (i = 0; i < rm->nrcpt; i++) {
		if ((st = netstring_get(&in, &answer, QMTP_MAX_ANSWER)) !=
		    NETSTRING_DONE)
			break;
		if (answer.len == 0 || (answer.data[0] != 'K' &&
		    answer.data[0] != 'Z' && answer.data[0] != 'D')) {
			st = NETSTRING_GARBAGE;
			break;
		}
		/* present the peer's text like an SMTP reply's */
		reply_reset(&said);
		if (!reply_sanitize(&said.text, answer.data + 1,
			answer.len - 1) ||
		    !strbuf_appendc(&said.text, '\n')) {
			st = NETSTRING_IOERR;
			break;
		}
		if (answer.data[0] == 'K') {
			report_rcpt(rm, i, 'r', NULL, NULL);
			if (!any)
				report_msg(rm, 'K', "", " accepted message.",
				    &said);
			any = true;
		} else {
			report_rcpt(rm, i, answer.data[0] == 'D' ? 'h' : 's',
			    " does not like recipient.", &said);
		}
	}
	if (st == NETSTRING_GARBAGE)
		report_msg(rm, 'Z', "Connected to ",
		    " but sent a malformed reply. Possible duplicate!"
		    " (#4.4.2)", NULL);
	else if (st != NETSTRING_DONE)
		report_msg(rm, 'Z', "Connected to ",
		    " but connection died. Possible duplicate! (#4.4.2)",
		    NULL);
	else if (!any)
		report_msg(rm, 'D', "Giving up on ", ".", NULL);
out:
	tlsc_end(tls);
	strbuf_free(&answer);
	strbuf_free(&rcpts);
	reply_free(&said);
	return SESSION_DONE;
}
