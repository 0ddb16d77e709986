/*
 * strbuf.h - growable byte strings and string lists that cannot overflow.
 *
 * A strbuf owns its data (free with strbuf_free). Once anything has been
 * allocated, data[len] is '\0', but len is authoritative, so binary data
 * with NUL bytes is safe. Every size computation is overflow-checked.
 * Functions return false (errno ENOMEM or EOVERFLOW) and leave the buffer
 * unchanged, never exit. The xstrbuf_* forms die_temp("out of memory")
 * instead, for short-lived programs. A strlist owns an array of
 * NUL-terminated copies. Not safe in signal handlers.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *data;
	size_t len;
	size_t cap;
};
#define STRBUF_INIT { NULL, 0, 0 }

/* strbuf_reserve: returns true when EXTRA more bytes (plus NUL) fit */
bool strbuf_reserve(struct strbuf *sb, size_t extra);
/* strbuf_append: appends LEN bytes; fails on overflow or ENOMEM */
bool strbuf_append(struct strbuf *sb, const void *p, size_t len);
/* strbuf_appends: appends a C string */
bool strbuf_appends(struct strbuf *sb, const char *s);
/* strbuf_appendc: appends one byte */
bool strbuf_appendc(struct strbuf *sb, char c);
/* fmt_ulong: writes N in decimal at OUT (FMT_ULONG bytes of room, no
 * NUL); returns the number of digits */
#define FMT_ULONG (3 * sizeof(unsigned long))
size_t fmt_ulong(char *out, unsigned long n);
/* strbuf_append_ulong: appends N in decimal */
bool strbuf_append_ulong(struct strbuf *sb, unsigned long n);
/* strbuf_copys: replaces the contents with a C string */
bool strbuf_copys(struct strbuf *sb, const char *s);
/* strbuf_copy: replaces the contents with LEN bytes */
bool strbuf_copy(struct strbuf *sb, const void *p, size_t len);
/* strbuf_printf: appends formatted text */
bool strbuf_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* strbuf_terminate: makes sure data is allocated and NUL-terminated */
bool strbuf_terminate(struct strbuf *sb);
/* strbuf_truncate: shortens to LEN (LEN <= len) */
void strbuf_truncate(struct strbuf *sb, size_t len);
/* strbuf_lower: lower-cases ASCII letters in place */
void strbuf_lower(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

void xstrbuf_append(struct strbuf *sb, const void *p, size_t len);
void xstrbuf_appends(struct strbuf *sb, const char *s);
void xstrbuf_appendc(struct strbuf *sb, char c);
void xstrbuf_append_ulong(struct strbuf *sb, unsigned long n);
void xstrbuf_copys(struct strbuf *sb, const char *s);
void xstrbuf_terminate(struct strbuf *sb);

struct strlist {
	char **items;
	size_t len;
	size_t cap;
};
#define STRLIST_INIT { NULL, 0, 0 }

/* strlist_push: appends a copy of LEN bytes as a NUL-terminated string */
bool strlist_push(struct strlist *sl, const char *s, size_t len);
bool strlist_pushs(struct strlist *sl, const char *s);
void xstrlist_pushs(struct strlist *sl, const char *s);
void strlist_free(struct strlist *sl);

#endif
