/*
 * dotqmail.c - .qmail lookup and line classification. See dotqmail.h and
 * dot-qmail(5).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotqmail.h"

enum dq_type
dotqmail_classify(const char *line, size_t len, size_t *argoff)
{
	*argoff = 0;
	if (len == 0)
		return DQ_BLANK;
	switch (line[0]) {
	case '#':
		return DQ_COMMENT;
	case '|':
		*argoff = 1;
		return DQ_PROGRAM;
	case '.':
	case '/':
		return line[len - 1] == '/' ? DQ_MAILDIR : DQ_MBOX;
	case '+':
		*argoff = 1;
		return (len == 5 && memcmp(line, "+list", 5) == 0) ? DQ_LIST
								   : DQ_IGNORE;
	case '&':
		*argoff = 1;
		return DQ_FORWARD;
	default:
		return DQ_FORWARD;
	}
}

enum dq_parse
dotqmail_parse(struct dotqmail *dq, char *text, size_t len)
{
	size_t start = 0, end, n = 0, cap = 0, off;
	struct dq_line *lines = NULL, *grown;
	char *nl;

	dq->lines = NULL;
	dq->n = 0;
	while (start < len) {
		nl = memchr(text + start, '\n', len - start);
		end = nl ? (size_t)(nl - text) : len;
		if (nl)
			*nl = '\0';
		/* qmail strips trailing spaces and tabs only */
		while (end > start &&
		       (text[end - 1] == ' ' || text[end - 1] == '\t'))
			text[--end] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = reallocarray(lines, cap, sizeof *lines);
			if (grown == NULL) {
				free(lines);
				return DQ_PARSE_NOMEM;
			}
			lines = grown;
		}
		lines[n].type =
		    dotqmail_classify(text + start, end - start, &off);
		if (lines[n].type == DQ_BLANK && n == 0) {
			free(lines);
			return DQ_PARSE_BLANK_FIRST;
		}
		lines[n].arg = text + start + off;
		lines[n].len = end - start - off;
		n++;
		if (nl == NULL)
			break;
		start = (size_t)(nl - text) + 1;
	}
	dq->lines = lines;
	dq->n = n;
	return DQ_PARSE_OK;
}

void
dotqmail_free(struct dotqmail *dq)
{
	free(dq->lines);
	dq->lines = NULL;
	dq->n = 0;
}

bool
dotqmail_safeext(struct strbuf *out, const char *ext)
{
	size_t i;

	if (!strbuf_copys(out, ext))
		return false;
	for (i = 0; i < out->len; i++) {
		char c = out->data[i];

		if (c >= 'A' && c <= 'Z')
			out->data[i] = (char)(c - 'A' + 'a');
		else if (c == '.')
			out->data[i] = ':';
	}
	return true;
}

static bool
push(struct dq_candidates *c, size_t *cap, const char *dash, const char *ext,
     size_t extlen, bool is_default, size_t off)
{
	struct strbuf name = STRBUF_INIT;
	struct dq_candidate *grown;

	if (c->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		grown = reallocarray(c->items, *cap, sizeof *grown);
		if (grown == NULL)
			return false;
		c->items = grown;
	}
	if (!strbuf_appends(&name, ".qmail") || !strbuf_appends(&name, dash) ||
	    !strbuf_append(&name, ext, extlen) ||
	    (is_default && !strbuf_appends(&name, "default")) ||
	    !strbuf_terminate(&name)) {
		strbuf_free(&name);
		return false;
	}
	c->items[c->n].name = name.data;
	c->items[c->n].is_default = is_default;
	c->items[c->n].default_off = off;
	c->n++;
	return true;
}

bool
dotqmail_candidates(struct dq_candidates *out, const char *dash,
		    const char *ext)
{
	struct strbuf safe = STRBUF_INIT;
	size_t cap = 0, i, extlen = strlen(ext);
	bool ok = false;

	out->items = NULL;
	out->n = 0;
	if (!dotqmail_safeext(&safe, ext) || !strbuf_terminate(&safe))
		goto out;
	/* the exact name; when it ends in "default" it sets DEFAULT too */
	if (!push(out, &cap, dash, safe.data, safe.len, false,
		  safe.len >= 7 ? safe.len - 7 : 0))
		goto out;
	out->items[0].is_default =
	    safe.len >= 7 && safe.len - 7 <= extlen &&
	    memcmp(safe.data + safe.len - 7, "default", 7) == 0;
	for (i = safe.len + 1; i-- > 0;)
		if (i == 0 || safe.data[i - 1] == '-')
			if (!push(out, &cap, dash, safe.data, i, true, i))
				goto out;
	ok = true;
out:
	strbuf_free(&safe);
	if (!ok)
		dotqmail_candidates_free(out);
	return ok;
}

void
dotqmail_candidates_free(struct dq_candidates *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->items[i].name);
	free(c->items);
	c->items = NULL;
	c->n = 0;
}

enum dq_find
dotqmail_find(int dirfd, const struct dq_candidates *cands, int *fd,
	      bool *executable, size_t *which)
{
	struct stat st;
	size_t i;
	int f, saved;

	for (i = 0; i < cands->n; i++) {
		*which = i;
		f = openat(dirfd, cands->items[i].name,
			   O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (f == -1) {
			/* qmail: a missing file is "none"; anything else,
			 * EACCES and EPERM included, must wait */
			if (errno == ENOENT || errno == ENOTDIR ||
			    errno == ELOOP || errno == ENAMETOOLONG)
				continue;
			return DQ_ERROR;
		}
		if (fstat(f, &st) == -1) {
			saved = errno;
			close(f);
			errno = saved;
			return DQ_ERROR;
		}
		if (!S_ISREG(st.st_mode)) {
			close(f);
			continue;
		}
		if (st.st_mode & S_IWOTH) {
			close(f);
			return DQ_WRITABLE;
		}
		*executable = (st.st_mode & S_IXUSR) != 0;
		*fd = f;
		return DQ_FOUND;
	}
	return DQ_NONE;
}

int
dotqmail_exists(int dirfd, const char *dash, const char *ext,
		const char *suffix)
{
	struct strbuf name = STRBUF_INIT, safe = STRBUF_INIT;
	struct stat st;
	int r;

	if (!dotqmail_safeext(&safe, ext) || !strbuf_appends(&name, ".qmail") ||
	    !strbuf_appends(&name, dash) ||
	    !strbuf_append(&name, safe.data, safe.len) ||
	    !strbuf_appends(&name, suffix) || !strbuf_terminate(&name)) {
		errno = ENOMEM;
		r = -1;
	} else if (fstatat(dirfd, name.data, &st, 0) == 0) {
		r = 1;
	} else if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		   errno == ENAMETOOLONG) {
		r = 0;
	} else {
		r = -1;
	}
	strbuf_free(&name);
	strbuf_free(&safe);
	return r;
}
