/*
 * wildmat.c - pattern matching. See wildmat.h.
 *
 * Only '*' matches a variable length, so remembering the last '*' and
 * retrying from one byte further is enough (a later '*' subsumes every
 * choice made for an earlier one): at most len(text) restarts, each
 * walking at most len(pattern) bytes.
 */
#include <string.h>

#include "wildmat.h"

/* class: matches C against the set at P (just after '['); returns the
 * byte after the closing ']' in *END, or false with *END NULL when the
 * set is not closed (then '[' is literal) */
static bool
class_match(const char *p, unsigned char c, const char **end)
{
	bool negate = false, hit = false;
	unsigned char lo, hi;

	*end = NULL;
	if (*p == '!' || *p == '^') {
		negate = true;
		p++;
	}
	/* a ']' right after '[' or '[!' is a member, not the end */
	if (*p == ']') {
		hit = c == ']';
		p++;
	}
	while (*p != '\0' && *p != ']') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		lo = (unsigned char)*p++;
		hi = lo;
		if (*p == '-' && p[1] != '\0' && p[1] != ']') {
			p++;
			if (*p == '\\' && p[1] != '\0')
				p++;
			hi = (unsigned char)*p++;
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	if (*p != ']')
		return false;
	*end = p + 1;
	return hit != negate;
}

/* one: matches one pattern element at *PP against C; advances *PP */
static bool
one(const char **pp, unsigned char c)
{
	const char *p = *pp, *end;
	bool m;

	switch (*p) {
	case '?':
		*pp = p + 1;
		return true;
	case '[':
		m = class_match(p + 1, c, &end);
		if (end != NULL) {
			*pp = end;
			return m;
		}
		*pp = p + 1;
		return c == '[';
	case '\\':
		if (p[1] != '\0') {
			*pp = p + 2;
			return c == (unsigned char)p[1];
		}
		*pp = p + 1;
		return c == '\\';
	default:
		*pp = p + 1;
		return c == (unsigned char)*p;
	}
}

bool
wildmat(const char *pattern, const char *text)
{
	const char *p = pattern, *t = text;
	const char *star_p = NULL, *star_t = NULL;

	while (*t != '\0') {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return true;
			star_p = p;
			star_t = t;
			continue;
		}
		if (*p != '\0' && one(&p, (unsigned char)*t)) {
			t++;
			continue;
		}
		if (star_p == NULL)
			return false;
		p = star_p;
		t = ++star_t;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

bool
wildmat_is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}
