/*
 * header.c - message header parsing. See header.h.
 */
#include <string.h>

#include "header.h"

bool
header_field_valid(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t i, n;

	if (colon == NULL)
		return false;
	n = (size_t)(colon - s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127)
			return false;
	return true;
}

bool
header_name_is(const char *field, size_t len, const char *name)
{
	size_t i, n = strlen(name);

	if (len <= n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char a = (unsigned char)field[i];
		unsigned char b = (unsigned char)name[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	for (; i < len; i++) {
		if (field[i] == ':')
			return true;
		if (field[i] != ' ' && field[i] != '\t')
			return false;
	}
	return false;
}

size_t
header_value(const char *field, size_t len)
{
	const char *colon = memchr(field, ':', len);

	return colon ? (size_t)(colon - field) + 1 : len;
}

static bool
is_blank_line(const char *line, size_t len)
{
	return (len == 1 && line[0] == '\n') ||
	    (len == 2 && line[0] == '\r' && line[1] == '\n');
}

/* appends LINE to the pending field, with a '\n' if it has none */
static enum header_status
pend(struct header *h, const char *prefix, const char *line, size_t len)
{
	size_t plen = strlen(prefix), add;
	bool nl = len > 0 && line[len - 1] == '\n';

	add = plen + len + (nl ? 0 : 1);
	if (memchr(line, '\0', len) != NULL) {
		h->error = HEADER_ERR_NUL;
		return HEADER_ERROR;
	}
	if (h->pending.len + add > HEADER_FIELD_MAX) {
		h->error = HEADER_ERR_FIELD;
		return HEADER_ERROR;
	}
	if (h->total + add > HEADER_MAX) {
		h->error = HEADER_ERR_SIZE;
		return HEADER_ERROR;
	}
	if (!strbuf_append(&h->pending, prefix, plen) ||
	    !strbuf_append(&h->pending, line, len) ||
	    (!nl && !strbuf_appendc(&h->pending, '\n'))) {
		h->error = HEADER_ERR_NOMEM;
		return HEADER_ERROR;
	}
	h->total += add;
	return HEADER_MORE;
}

enum header_status
header_line(struct header *h, const char *line, size_t len,
    struct strbuf *out)
{
	bool had, mbox;

	if (h->error != HEADER_ERR_NONE)
		return HEADER_ERROR;
	if (h->ended)
		return HEADER_END;
	if (len > HEADER_LINE_MAX) {
		h->error = HEADER_ERR_LINE;
		return HEADER_ERROR;
	}
	if (len == 0 || is_blank_line(line, len)) {
		h->ended = true;
		h->body_line = false;
		return HEADER_END;
	}
	if ((line[0] == ' ' || line[0] == '\t') && h->pending.len > 0)
		return pend(h, "", line, len);
	/* qmail's headerbody keeps an mbox "From " line as a field */
	mbox = len >= 5 && memcmp(line, "From ", 5) == 0;
	if (!mbox && !header_field_valid(line, len)) {
		h->ended = true;
		h->body_line = true;
		return HEADER_END;
	}
	had = h->pending.len > 0;
	if (had) {
		if (!strbuf_copy(out, h->pending.data, h->pending.len) ||
		    !strbuf_terminate(out)) {
			h->error = HEADER_ERR_NOMEM;
			return HEADER_ERROR;
		}
		strbuf_truncate(&h->pending, 0);
	}
	if (pend(h, mbox ? "MBOX-Line: " : "", line, len) == HEADER_ERROR)
		return HEADER_ERROR;
	return had ? HEADER_FIELD : HEADER_MORE;
}

bool
header_finish(struct header *h, struct strbuf *out)
{
	if (h->error != HEADER_ERR_NONE || h->pending.len == 0)
		return false;
	if (!strbuf_copy(out, h->pending.data, h->pending.len) ||
	    !strbuf_terminate(out)) {
		h->error = HEADER_ERR_NOMEM;
		return false;
	}
	strbuf_truncate(&h->pending, 0);
	return true;
}

const char *
header_strerror(enum header_error err)
{
	switch (err) {
	case HEADER_ERR_NONE:
		return "no error";
	case HEADER_ERR_NUL:
		return "NUL byte in the header";
	case HEADER_ERR_LINE:
		return "header line too long";
	case HEADER_ERR_FIELD:
		return "header field too long";
	case HEADER_ERR_SIZE:
		return "header too large";
	case HEADER_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown header error";
}

void
header_free(struct header *h)
{
	strbuf_free(&h->pending);
	h->total = 0;
}
