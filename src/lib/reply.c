/*
 * reply.c - reading SMTP replies with bounds. See reply.h.
 */
#include <errno.h>
#include <string.h>

#include "reply.h"

void
reply_reset(struct reply *r)
{
	r->code = 0;
	r->lines = 0;
	r->bytes = 0;
	r->cut = false;
	strbuf_truncate(&r->text, 0);
}

bool
reply_sanitize(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	if (!strbuf_reserve(out, len))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		out->data[out->len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out->data[out->len] = '\0';
	return true;
}

static void
keep_text(struct reply *r, const char *line, size_t len)
{
	size_t room;

	if (r->cut)
		return;
	/* until the cut, text.len <= REPLY_MAX_TEXT - 4: room for "...\n" */
	room = REPLY_MAX_TEXT - r->text.len;
	if (len + 1 + 4 > room) {
		len = room - 4;
		r->cut = true;
	}
	if (!reply_sanitize(&r->text, line, len) ||
	    (r->cut && !strbuf_appends(&r->text, "...")) ||
	    !strbuf_appendc(&r->text, '\n'))
		r->cut = true;
}

enum reply_status
reply_feed(struct reply *r, const char *line, size_t len)
{
	int code;

	if (++r->lines > REPLY_MAX_LINES)
		return REPLY_GARBAGE;
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9')
		return REPLY_GARBAGE;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len > 3 && line[3] != '-' && line[3] != ' ')
		return REPLY_GARBAGE;
	/* r->code holds the code of the first line until the reply ends */
	if (r->lines > 1 && code != -r->code)
		return REPLY_GARBAGE;
	keep_text(r, line, len);
	if (len > 3 && line[3] == '-') {
		r->code = -code;
		return REPLY_MORE;
	}
	r->code = code;
	return REPLY_DONE;
}

/* skips the rest of an overlong line; returns IO_OK at its end */
static enum io_status
skip_line(struct reply *r, struct iobuf *in)
{
	struct strbuf junk = STRBUF_INIT;
	enum io_status st;

	for (;;) {
		strbuf_truncate(&junk, 0);
		st = iobuf_getline(in, &junk, 4096, '\n');
		r->bytes += junk.len;
		if (st != IO_TOOLONG || r->bytes > REPLY_MAX_BYTES)
			break;
	}
	strbuf_free(&junk);
	return st;
}

enum reply_status
reply_read(struct reply *r, struct iobuf *in)
{
	struct strbuf line = STRBUF_INIT;
	enum reply_status rs = REPLY_IOERR;
	enum io_status st;
	size_t len;

	reply_reset(r);
	for (;;) {
		strbuf_truncate(&line, 0);
		st = iobuf_getline(in, &line, REPLY_MAX_LINE, '\n');
		r->bytes += line.len;
		if (st == IO_TOOLONG) {
			st = skip_line(r, in);
			if (st == IO_TOOLONG) {
				rs = REPLY_GARBAGE;
				break;
			}
		}
		if (st == IO_EOF) {
			rs = REPLY_EOF;
			break;
		}
		if (st == IO_TIMEOUT) {
			rs = REPLY_TIMEOUT;
			break;
		}
		if (st != IO_OK) {
			rs = REPLY_IOERR;
			break;
		}
		if (r->bytes > REPLY_MAX_BYTES) {
			rs = REPLY_GARBAGE;
			break;
		}
		len = line.len;
		if (len && line.data[len - 1] == '\n')
			len--;
		if (len && line.data[len - 1] == '\r')
			len--;
		rs = reply_feed(r, line.data, len);
		if (rs != REPLY_MORE)
			break;
	}
	strbuf_free(&line);
	if (rs != REPLY_DONE && r->code < 0)
		r->code = 0;
	return rs;
}

void
reply_free(struct reply *r)
{
	strbuf_free(&r->text);
}
