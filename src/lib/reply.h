/*
 * reply.h - reading SMTP replies from a peer, with bounds.
 *
 * A reply is one or more lines "DDD-text" ending with "DDD text" (or just
 * "DDD"), RFC 5321 4.2. reply_feed takes one line at a time (without its
 * CR LF) and is pure, so the fuzzer can drive it; reply_read reads lines
 * from an iobuf and feeds them. Everything the peer says is hostile:
 *   - a line longer than REPLY_MAX_LINE is cut (the rest is read and
 *     dropped), a reply of more than REPLY_MAX_LINES lines or
 *     REPLY_MAX_BYTES bytes is garbage;
 *   - a code that is not three digits 2xx-5xx, a fourth byte other than
 *     '-' or ' ', or codes that differ between lines make the reply
 *     garbage (the caller treats that as a temporary failure);
 *   - the text kept in struct reply is the full lines, each ending in
 *     '\n', capped at REPLY_MAX_TEXT bytes ("..." marks a cut), with every
 *     byte outside printable ASCII replaced by '?', so it is safe to put
 *     in a report, a log or a bounce.
 * The caller owns struct reply (reply_free). Nothing here exits.
 */
#ifndef REPLY_H
#define REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "iobuf.h"
#include "strbuf.h"

#define REPLY_MAX_LINE	1000
#define REPLY_MAX_LINES 200
#define REPLY_MAX_BYTES (64UL * 1024)
#define REPLY_MAX_TEXT	2000

struct reply {
	int code;	    /* the reply code once complete, else 0 */
	size_t lines;	    /* lines fed so far */
	size_t bytes;	    /* bytes read so far, for REPLY_MAX_BYTES */
	bool cut;	    /* text was capped */
	struct strbuf text; /* sanitized lines, '\n'-terminated */
};
#define REPLY_INIT { 0, 0, 0, false, STRBUF_INIT }

enum reply_status {
	REPLY_MORE,    /* feed: a continuation line; read the next */
	REPLY_DONE,    /* the reply is complete: code is set */
	REPLY_GARBAGE, /* malformed or oversized */
	REPLY_EOF,     /* read: the peer closed */
	REPLY_TIMEOUT, /* read: no data within the iobuf's timeout */
	REPLY_IOERR    /* read: an I/O error or ENOMEM (errno set) */
};

/* reply_reset: forgets the previous reply, keeping the allocation */
void reply_reset(struct reply *r);
/* reply_feed: adds LINE (LEN bytes, no CR LF); returns MORE, DONE or
 * GARBAGE; on ENOMEM the text is capped, never an error */
enum reply_status reply_feed(struct reply *r, const char *line, size_t len);
/* reply_read: resets R and reads one whole reply from IN */
enum reply_status reply_read(struct reply *r, struct iobuf *in);
/* reply_sanitize: appends LEN bytes of S to OUT with every byte outside
 * printable ASCII replaced by '?'; false on ENOMEM */
bool reply_sanitize(struct strbuf *out, const char *s, size_t len);
void reply_free(struct reply *r);

#endif
