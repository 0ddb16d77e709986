/*
 * smtpdata.h - decoding the DATA stream of an SMTP session (RFC 5321
 * 4.1.1.4, 4.5.2) into a message with LF line ends, as the queue stores it.
 *
 * The decoder is a byte-level state machine fed with whatever the network
 * delivered. Only CR LF "." CR LF ends the data: a bare LF or a bare CR
 * anywhere (including every "LF.LF", "CR.CR", "LF.CRLF" variant) never ends
 * it, so SMTP smuggling is impossible; such bytes set SMTPDATA_BARELF or
 * SMTPDATA_BARECR and the server refuses the message after the real end.
 * Leading dots are removed. The decoder also counts the decoded bytes (and
 * sets SMTPDATA_TOOBIG past MAXBYTES, 0 = no limit; output stops then) and
 * the Received: and Delivered-To: header fields (hops). Memory is fixed:
 * nothing is buffered beyond OUTBUF. Nothing allocates or exits.
 */
#ifndef SMTPDATA_H
#define SMTPDATA_H

#include <stdbool.h>
#include <stddef.h>

enum {
	SMTPDATA_BARELF = 1,
	SMTPDATA_BARECR = 2,
	SMTPDATA_TOOBIG = 4
};

typedef void smtpdata_out_fn(void *ctx, const char *p, size_t n);

struct smtpdata {
	int state;
	unsigned flags;
	bool done;	     /* CR LF . CR LF seen */
	bool in_header;
	bool line_start;     /* on the decoded output */
	unsigned long long bytes; /* decoded bytes */
	unsigned long long maxbytes;
	unsigned long hops;
	char field[16];	     /* lower-cased start of a header line */
	size_t fieldlen;
	smtpdata_out_fn *out;
	void *ctx;
	char outbuf[4096];
	size_t outlen;
};

/* smtpdata_init: starts a message; OUT(CTX, p, n) receives decoded bytes */
void smtpdata_init(struct smtpdata *d, unsigned long long maxbytes,
    smtpdata_out_fn *out, void *ctx);
/* smtpdata_feed: decodes up to LEN bytes of IN and returns how many it
 * used: all of them, or fewer when the end of data came first (the rest
 * belongs to the next command) */
size_t smtpdata_feed(struct smtpdata *d, const char *in, size_t len);
/* smtpdata_flush: hands buffered output to OUT (done also at the end) */
void smtpdata_flush(struct smtpdata *d);

#endif
