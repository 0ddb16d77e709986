/*
 * strbuf.c - growable byte strings. See strbuf.h for the contract.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "strbuf.h"

bool
strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (__builtin_add_overflow(sb->len, extra, &need) ||
	    __builtin_add_overflow(need, 1, &need)) {
		errno = EOVERFLOW;
		return false;
	}
	if (need <= sb->cap)
		return true;
	for (cap = sb->cap ? sb->cap : 64; cap < need;)
		if (__builtin_mul_overflow(cap, 2, &cap)) {
			errno = EOVERFLOW;
			return false;
		}
	if ((p = realloc(sb->data, cap)) == NULL)
		return false;
	sb->data = p;
	sb->cap = cap;
	return true;
}

bool
strbuf_append(struct strbuf *sb, const void *p, size_t len)
{
	if (!strbuf_reserve(sb, len))
		return false;
	if (len)
		memcpy(sb->data + sb->len, p, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
	return true;
}

bool
strbuf_appends(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

bool
strbuf_appendc(struct strbuf *sb, char c)
{
	return strbuf_append(sb, &c, 1);
}

size_t
fmt_ulong(char *out, unsigned long n)
{
	char digits[FMT_ULONG];
	size_t i = sizeof digits;

	do {
		digits[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	memcpy(out, digits + i, sizeof digits - i);
	return sizeof digits - i;
}

bool
strbuf_append_ulong(struct strbuf *sb, unsigned long n)
{
	char digits[FMT_ULONG];

	return strbuf_append(sb, digits, fmt_ulong(digits, n));
}

bool
strbuf_copy(struct strbuf *sb, const void *p, size_t len)
{
	size_t old = sb->len;

	sb->len = 0;
	if (!strbuf_append(sb, p, len)) {
		sb->len = old;
		return false;
	}
	return true;
}

bool
strbuf_copys(struct strbuf *sb, const char *s)
{
	return strbuf_copy(sb, s, strlen(s));
}

bool
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(sb, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return true;
}

bool
strbuf_terminate(struct strbuf *sb)
{
	if (!strbuf_reserve(sb, 0))
		return false;
	sb->data[sb->len] = '\0';
	return true;
}

void
strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->data[len] = '\0';
	}
}

void
strbuf_lower(struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < sb->len; i++)
		if (sb->data[i] >= 'A' && sb->data[i] <= 'Z')
			sb->data[i] = (char)(sb->data[i] - 'A' + 'a');
}

void
strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

void
xstrbuf_append(struct strbuf *sb, const void *p, size_t len)
{
	if (!strbuf_append(sb, p, len))
		die_nomem();
}

void
xstrbuf_appends(struct strbuf *sb, const char *s)
{
	if (!strbuf_appends(sb, s))
		die_nomem();
}

void
xstrbuf_appendc(struct strbuf *sb, char c)
{
	if (!strbuf_appendc(sb, c))
		die_nomem();
}

void
xstrbuf_append_ulong(struct strbuf *sb, unsigned long n)
{
	if (!strbuf_append_ulong(sb, n))
		die_nomem();
}

void
xstrbuf_copys(struct strbuf *sb, const char *s)
{
	if (!strbuf_copys(sb, s))
		die_nomem();
}

void
xstrbuf_terminate(struct strbuf *sb)
{
	if (!strbuf_terminate(sb))
		die_nomem();
}

bool
strlist_push(struct strlist *sl, const char *s, size_t len)
{
	char *copy;
	size_t cap, bytes;

	if (sl->len == sl->cap) {
		cap = sl->cap ? sl->cap : 8;
		if (sl->cap && __builtin_mul_overflow(cap, 2, &cap))
			goto overflow;
		if (__builtin_mul_overflow(cap, sizeof *sl->items, &bytes))
			goto overflow;
		char **items = realloc(sl->items, bytes);
		if (items == NULL)
			return false;
		sl->items = items;
		sl->cap = cap;
	}
	if (__builtin_add_overflow(len, 1, &bytes))
		goto overflow;
	if ((copy = malloc(bytes)) == NULL)
		return false;
	memcpy(copy, s, len);
	copy[len] = '\0';
	sl->items[sl->len++] = copy;
	return true;
overflow:
	errno = EOVERFLOW;
	return false;
}

bool
strlist_pushs(struct strlist *sl, const char *s)
{
	return strlist_push(sl, s, strlen(s));
}

void
xstrlist_pushs(struct strlist *sl, const char *s)
{
	if (!strlist_pushs(sl, s))
		die_nomem();
}

void
strlist_free(struct strlist *sl)
{
	size_t i;

	for (i = 0; i < sl->len; i++)
		free(sl->items[i]);
	free(sl->items);
	sl->items = NULL;
	sl->len = sl->cap = 0;
}
