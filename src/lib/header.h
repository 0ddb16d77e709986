/*
 * header.h - bounded parsing of a message header (RFC 5322 section 2.2),
 * with qmail's rules for where the header ends.
 *
 * The caller reads physical lines (with iobuf_getline, at most
 * HEADER_LINE_MAX bytes each) and feeds them to header_line, which joins
 * folded continuation lines into fields. The header ends at an empty line
 * ("\n" or "\r\n"), or, as in qmail's headerbody, at the first line that is
 * neither a field nor a continuation: that line belongs to the body. A
 * "From " line (an mbox separator) becomes an "MBOX-Line: From ..." field.
 * A last line without its newline gets one, as qmail-inject does.
 *
 * Limits: a line of HEADER_LINE_MAX bytes, a field of HEADER_FIELD_MAX, a
 * header of HEADER_MAX; a NUL in a field is an error. The struct owns its
 * buffers (header_free); completed fields are copied into the caller's
 * strbuf. Nothing here exits or is safe in a signal handler.
 */
#ifndef HEADER_H
#define HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define HEADER_LINE_MAX 8192UL
#define HEADER_FIELD_MAX (64UL * 1024)
#define HEADER_MAX (1024UL * 1024)

enum header_status {
	HEADER_MORE,  /* the line was taken; feed the next one */
	HEADER_FIELD, /* the line was taken, and OUT holds the field that
			 it completed */
	HEADER_END,   /* the header is over; call header_finish for the
			 last field. body_line tells whether the line was the
			 first body line (else: the empty separator line) */
	HEADER_ERROR  /* see error */
};

enum header_error {
	HEADER_ERR_NONE,
	HEADER_ERR_NUL,	  /* a NUL byte in a header field */
	HEADER_ERR_LINE,  /* a line longer than HEADER_LINE_MAX */
	HEADER_ERR_FIELD, /* a field longer than HEADER_FIELD_MAX */
	HEADER_ERR_SIZE,  /* a header longer than HEADER_MAX */
	HEADER_ERR_NOMEM
};

struct header {
	struct strbuf pending; /* the field being assembled */
	size_t total;	       /* header bytes so far */
	bool ended;
	bool body_line;
	enum header_error error;
};
#define HEADER_INIT { STRBUF_INIT, 0, false, false, HEADER_ERR_NONE }

/* header_line: feeds one physical line of LEN bytes (its '\n' included,
 * if any); a field completed by it is copied to OUT */
enum header_status header_line(struct header *h, const char *line,
    size_t len, struct strbuf *out);
/* header_finish: moves the last pending field to OUT; false if none */
bool header_finish(struct header *h, struct strbuf *out);
/* header_field_valid: returns true if S starts a field: a name of
 * printable ASCII, optional blanks, ':' (qmail's hfield_valid) */
bool header_field_valid(const char *s, size_t len);
/* header_name_is: returns true if FIELD's name is NAME (ASCII case
 * folded; blanks before the ':' allowed) */
bool header_name_is(const char *field, size_t len, const char *name);
/* header_value: returns the offset of the value (after the ':') */
size_t header_value(const char *field, size_t len);
/* header_strerror: returns a short text for ERR */
const char *header_strerror(enum header_error err);
void header_free(struct header *h);

#endif
