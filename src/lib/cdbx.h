/*
 * cdbx.h - cdb files: our reader, and the one wrapper around tinycdb
 * (libcdb), the writer.
 *
 * Reading (cdbx.c, our own small reader of the public format, so that
 * static musl builds need no libcdb): cdbx_open opens a cdb file;
 * cdbx_find looks a key up and copies
 * the first value into OUT (bounded by CDBX_MAX_VALUE); cdbx_close closes
 * it.
 * A corrupt file shows as CDBX_ERROR, which callers treat as temporary.
 *
 * Writing (cdbxmake.c, tinycdb): cdbx_make_start creates PATH.tmp, cdbx_make_add adds records,
 * cdbx_make_finish fsyncs and renames it over PATH atomically (readers see
 * the old or the new file, never half of one); cdbx_make_abort removes the
 * temporary file. All functions return false/CDBX_ERROR with errno set and
 * never exit.
 */
#ifndef CDBX_H
#define CDBX_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define CDBX_MAX_VALUE (1024UL * 1024)

enum cdbx_status { CDBX_FOUND, CDBX_NOTFOUND, CDBX_ERROR };

struct cdbx;

/* cdbx_open: returns a handle, or NULL (errno ENOENT when missing) */
struct cdbx *cdbx_open(const char *path);
enum cdbx_status cdbx_find(struct cdbx *db, const void *key, size_t klen,
    struct strbuf *out);
void cdbx_close(struct cdbx *db);
/* cdbx_lookup: opens PATH, finds KEY, closes; missing file = NOTFOUND
 * only if MISSING_OK, else CDBX_ERROR */
enum cdbx_status cdbx_lookup(const char *path, const void *key, size_t klen,
    struct strbuf *out, bool missing_ok);

struct cdbx_make;
struct cdbx_make *cdbx_make_start(const char *path);
bool cdbx_make_add(struct cdbx_make *mk, const void *key, size_t klen,
    const void *val, size_t vlen);
bool cdbx_make_finish(struct cdbx_make *mk);
void cdbx_make_abort(struct cdbx_make *mk);

#endif
