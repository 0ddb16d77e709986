/*
 * smtpdata.c - DATA decoding. See smtpdata.h.
 *
 * States, with the byte that moves on:
 *   LINE  at the start of a line (after CR LF or at the beginning)
 *   DOT   after a leading '.', which is dropped
 *   DOTCR after ".CR" at the start of a line: LF here ends the data
 *   TEXT  inside a line
 *   CR    after a CR inside a line: LF ends the line, anything else
 *         makes that CR a bare CR
 */
#include <string.h>

#include "smtpdata.h"

enum { S_LINE, S_DOT, S_DOTCR, S_TEXT, S_CR };

void
smtpdata_init(struct smtpdata *d, unsigned long long maxbytes,
    smtpdata_out_fn *out, void *ctx)
{
	memset(d, 0, sizeof *d);
	d->state = S_LINE;
	d->in_header = true;
	d->line_start = true;
	d->maxbytes = maxbytes;
	d->out = out;
	d->ctx = ctx;
}

void
smtpdata_flush(struct smtpdata *d)
{
	if (d->outlen > 0 && d->out != NULL)
		d->out(d->ctx, d->outbuf, d->outlen);
	d->outlen = 0;
}

static void
field_end(struct smtpdata *d)
{
	static const char *const hopfields[] = { "received:",
		"delivered-to:" };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		n = strlen(hopfields[i]);
		if (d->fieldlen >= n && memcmp(d->field, hopfields[i], n) == 0)
			d->hops++;
	}
	d->fieldlen = 0;
}

/* emit: one decoded byte; tracks header fields and the size limit */
static void
emit(struct smtpdata *d, char c)
{
	if (d->in_header) {
		if (c == '\n') {
			if (d->line_start)
				d->in_header = false;
			else if (d->fieldlen <= sizeof d->field)
				field_end(d);
			d->fieldlen = 0;
		} else if (d->fieldlen < sizeof d->field) {
			d->field[d->fieldlen++] =
			    (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		} else if (d->fieldlen == sizeof d->field) {
			field_end(d); /* long enough to decide */
			d->fieldlen = sizeof d->field + 1; /* counted */
		}
	}
	d->line_start = c == '\n';
	d->bytes++;
	if (d->maxbytes != 0 && d->bytes > d->maxbytes)
		d->flags |= SMTPDATA_TOOBIG;
	if (d->flags & SMTPDATA_TOOBIG)
		return;
	d->outbuf[d->outlen++] = c;
	if (d->outlen == sizeof d->outbuf)
		smtpdata_flush(d);
}

size_t
smtpdata_feed(struct smtpdata *d, const char *in, size_t len)
{
	size_t i;
	char c;

	for (i = 0; i < len && !d->done; i++) {
		c = in[i];
		switch (d->state) {
		case S_LINE:
			if (c == '.') {
				d->state = S_DOT;
				break;
			}
			d->state = S_TEXT;
			goto text;
		case S_DOT:
			if (c == '\r') {
				d->state = S_DOTCR;
				break;
			}
			d->state = S_TEXT;
			goto text;
		case S_DOTCR:
			if (c == '\n') {
				d->done = true;
				break;
			}
			/* ".CR" then something else: a bare CR */
			d->flags |= SMTPDATA_BARECR;
			emit(d, '\r');
			d->state = S_TEXT;
			goto text;
		case S_CR:
			if (c == '\n') {
				emit(d, '\n');
				d->state = S_LINE;
				break;
			}
			d->flags |= SMTPDATA_BARECR;
			emit(d, '\r');
			d->state = S_TEXT;
			goto text;
		case S_TEXT:
		text:
			if (c == '\r') {
				d->state = S_CR;
			} else if (c == '\n') {
				d->flags |= SMTPDATA_BARELF;
				emit(d, '\n');
				/* not a line start: ".\n" must never end */
				d->state = S_TEXT;
			} else {
				emit(d, c);
			}
			break;
		}
	}
	if (d->done)
		smtpdata_flush(d);
	return i;
}
