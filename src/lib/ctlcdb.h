/*
 * ctlcdb.h - compiling a list file into a cdb for fast lookups, as
 * qmail-newmrh, qmail-recipients, qmail-badmimetypes and
 * qmail-badloadertypes do.
 *
 * The list is read with ctl_read_lines (comments, blank lines and trailing
 * blanks dropped). Each line gives one key, PREFIX followed by the line
 * (or only its first KEYLEN bytes when KEYLEN is not 0: the rest of the
 * line is a comment then), lower-cased when LOWER; the value is empty.
 * Lines shorter than KEYLEN are skipped and counted. The cdb is written
 * through cdbx_make, so readers see the old or the new file, never half
 * of one. Returns false with errno set (ENOENT for a missing list); the
 * old cdb is untouched then. Nothing exits.
 */
#ifndef CTLCDB_H
#define CTLCDB_H

#include <stdbool.h>
#include <stddef.h>

/* ctlcdb_build: compiles SRC into DST; *SKIPPED (may be NULL) gets the
 * number of lines shorter than KEYLEN */
bool ctlcdb_build(const char *src, const char *dst, const char *prefix,
    size_t keylen, bool lower, size_t *skipped);

#endif
