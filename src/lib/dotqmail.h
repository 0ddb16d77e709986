/*
 * dotqmail.h - .qmail files (dot-qmail(5), qmail-local(8)).
 *
 * Lookup: for an address with DASH and EXT, qmail-local tries
 * .qmail<dash><ext>, then .qmail<dash><ext-prefix>default for each prefix
 * of ext ending in '-', longest first, down to .qmail<dash>default. The
 * extension is lower-cased and '.' becomes ':' in file names. When a
 * -default file matches, DEFAULT is the part of ext it stood for.
 * dotqmail_candidates lists the names in that order; dotqmail_find opens
 * the first regular file among them relative to a directory.
 *
 * Lines: trailing blanks are ignored; `#` comment; `|` program; `.` or
 * `/` a file: a Maildir if it ends in '/', else an mbox; `&` forward
 * (the '&' is dropped); `+list` makes the file forward-only; other `+`
 * lines are ignored; anything else is a forward to that address. A blank
 * first line is an error (qmail: the file is probably being edited).
 * dotqmail_parse splits a buffer in place; lines point into it.
 *
 * Memory: the caller owns the buffers; free with the _free functions.
 * Return conventions per function. Nothing here exits.
 */
#ifndef DOTQMAIL_H
#define DOTQMAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum dq_type {
	DQ_BLANK,
	DQ_COMMENT,
	DQ_PROGRAM,
	DQ_MAILDIR,
	DQ_MBOX,
	DQ_FORWARD,
	DQ_LIST,  /* +list: forward-only */
	DQ_IGNORE /* other + lines */
};

struct dq_line {
	enum dq_type type;
	char *arg; /* program, path or address; NUL-terminated */
	size_t len;
};

struct dotqmail {
	struct dq_line *lines;
	size_t n;
};
#define DOTQMAIL_INIT                                                          \
	{                                                                      \
		NULL, 0                                                        \
	}

enum dq_parse { DQ_PARSE_OK, DQ_PARSE_BLANK_FIRST, DQ_PARSE_NOMEM };

struct dq_candidate {
	char *name;         /* ".qmail-..." */
	bool is_default;    /* a -default name: DEFAULT is set */
	size_t default_off; /* DEFAULT = ext + default_off */
};

struct dq_candidates {
	struct dq_candidate *items;
	size_t n;
};
#define DQ_CANDIDATES_INIT                                                     \
	{                                                                      \
		NULL, 0                                                        \
	}

enum dq_find {
	DQ_FOUND,
	DQ_NONE,
	DQ_ERROR,   /* cannot open or stat a file (errno set): temporary */
	DQ_WRITABLE /* the file is world-writable: temporary */
};

/* dotqmail_classify: the type of LINE (LEN bytes, blanks stripped);
 * *ARGOFF is where its argument starts */
enum dq_type dotqmail_classify(const char *line, size_t len, size_t *argoff);

/* dotqmail_parse: splits TEXT (LEN bytes, modified) into DQ's lines */
enum dq_parse dotqmail_parse(struct dotqmail *dq, char *text, size_t len);
/* dotqmail_free: frees the line array (not the text) */
void dotqmail_free(struct dotqmail *dq);

/* dotqmail_safeext: OUT = EXT lower-cased with '.' as ':' */
bool dotqmail_safeext(struct strbuf *out, const char *ext);

/* dotqmail_candidates: the lookup order for DASH and EXT; false on ENOMEM */
bool dotqmail_candidates(struct dq_candidates *out, const char *dash,
			 const char *ext);
/* dotqmail_candidates_free: frees the names and the array */
void dotqmail_candidates_free(struct dq_candidates *c);

/*
 * dotqmail_find: opens the first candidate that is a regular file in
 * directory DIRFD (AT_FDCWD: the current one). DQ_FOUND: *FD is open,
 * *EXECUTABLE tells the user x bit (forward-only), *WHICH the index in
 * CANDS. On DQ_ERROR and DQ_WRITABLE, *WHICH names the file.
 */
enum dq_find dotqmail_find(int dirfd, const struct dq_candidates *cands,
			   int *fd, bool *executable, size_t *which);

/* dotqmail_exists: 1 when .qmail<DASH><safe EXT><SUFFIX> exists, 0 when
 * not, -1 on a temporary error (errno set) */
int dotqmail_exists(int dirfd, const char *dash, const char *ext,
		    const char *suffix);

#endif
