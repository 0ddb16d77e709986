/*
 * ctl.h - reading control files (qmail's control/ directory).
 *
 * Paths are relative to the current directory; programs chdir to auto_qmail
 * first. A missing file is CTL_MISSING: the caller applies the default. An
 * unreadable, oversized (CTL_MAX_BYTES) or invalid file is CTL_ERROR, which
 * callers must treat as a temporary failure, never as a reason to bounce.
 * Trailing blanks (space, tab, CR) are stripped from every line. In list
 * files, empty lines and lines starting with '#' are skipped, as qmail's
 * control_readfile does. A NUL byte in a line that is used makes the file
 * invalid (CTL_ERROR). Output buffers are owned by the caller. Nothing
 * here exits.
 */
#ifndef CTL_H
#define CTL_H

#include "strbuf.h"

enum ctl_status { CTL_OK, CTL_MISSING, CTL_ERROR };

#define CTL_MAX_BYTES (64UL * 1024 * 1024)

/* ctl_read_file: reads the whole file into OUT (no stripping) */
enum ctl_status ctl_read_file(struct strbuf *out, const char *path);
/* ctl_read_line: the first line, blanks stripped; an empty file is CTL_OK
 * with an empty OUT */
enum ctl_status ctl_read_line(struct strbuf *out, const char *path);
/* ctl_read_lines: every non-empty, non-comment line, appended to OUT */
enum ctl_status ctl_read_lines(struct strlist *out, const char *path);
/* ctl_read_ulong: the first line as a decimal number in [MIN, MAX];
 * garbage or a number out of range is CTL_ERROR */
enum ctl_status ctl_read_ulong(unsigned long *out, const char *path,
    unsigned long min, unsigned long max);
/* ctl_split_lines: splits TEXT into lines as ctl_read_lines does; false
 * with errno EINVAL when a kept line holds a NUL, ENOMEM when out of memory */
bool ctl_split_lines(struct strlist *out, const char *text, size_t len);
/* ctl_split_key: for a "key:value" LINE, sets *VALUE after the first ':'
 * and *KEYLEN to the key's length; false when there is no ':' */
bool ctl_split_key(const char *line, const char **value, size_t *keylen);
/* ctl_find_key: the value of the first "key:value" line in LINES whose key
 * is KEY (KEYLEN bytes, ASCII case ignored), or NULL */
const char *ctl_find_key(const struct strlist *lines, const char *key,
    size_t keylen);
/* ctl_find_domain: qmail's search of "domain:value" lines: the value for
 * DOMAIN itself, else for each ".suffix" of it, longest first; or NULL */
const char *ctl_find_domain(const struct strlist *lines, const char *domain);
/* scan_ulong: parses a decimal number from all of S; false on garbage or
 * overflow */
bool scan_ulong(const char *s, unsigned long *out);

#endif
