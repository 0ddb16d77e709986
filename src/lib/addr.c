/*
 * addr.c - mail addresses. See addr.h.
 *
 * The list parser works in two passes: a tokenizer (RFC 5322 lexical
 * tokens; comments and white space are dropped) and a loop over the
 * tokens that finds groups, <angle addresses> and bare addr-specs. It is
 * as lenient as qmail's token822: two words with nothing between them
 * ("joe bob") are two addresses, a missing ';' at the end of a group is
 * forgiven, and a display name may hold dots and '@'s. Nothing recurses;
 * comment nesting is a counter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

enum tok_type {
	T_ATOM,
	T_QUOTE,
	T_LITERAL,
	T_DOT,
	T_AT,
	T_COMMA,
	T_SEMI,
	T_COLON,
	T_LT,
	T_GT
};

struct tok {
	enum tok_type type;
	size_t start, end; /* raw bytes, quotes and brackets included */
};

struct toks {
	struct tok *t;
	size_t len, cap;
};

static bool
is_control(unsigned char c)
{
	return c < 32 || c == 127;
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 5322 atext, plus 8-bit bytes (RFC 6532 allows UTF-8 there) */
static bool
is_atext(unsigned char c)
{
	if (c >= 128)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* bytes that may appear in an atom for the lenient parser: anything but
 * white space, controls and specials */
static bool
is_atom_byte(unsigned char c)
{
	return !is_space(c) && !is_control(c) &&
	    strchr("()<>@,;:\\\".[]", c) == NULL;
}

static bool
toks_push(struct toks *tk, enum tok_type type, size_t start, size_t end)
{
	if (tk->len == tk->cap) {
		size_t cap = tk->cap ? tk->cap : 16;
		size_t bytes;
		struct tok *p;

		if (tk->cap && __builtin_mul_overflow(cap, 2, &cap))
			return false;
		if (__builtin_mul_overflow(cap, sizeof *p, &bytes))
			return false;
		if ((p = realloc(tk->t, bytes)) == NULL)
			return false;
		tk->t = p;
		tk->cap = cap;
	}
	tk->t[tk->len].type = type;
	tk->t[tk->len].start = start;
	tk->t[tk->len].end = end;
	tk->len++;
	return true;
}

/* skips a quoted-string, domain-literal or comment starting at *I (the
 * opening byte); *I ends after the closing byte */
static enum addr_status
skip_delimited(const char *s, size_t len, size_t *i, char open, char close)
{
	size_t depth = 1, k = *i + 1;

	while (depth) {
		if (k >= len)
			return ADDR_SYNTAX;
		if (s[k] == '\0')
			return ADDR_CONTROL;
		if (s[k] == '\\') {
			if (k + 1 >= len)
				return ADDR_SYNTAX;
			k += 2;
			continue;
		}
		if (s[k] == close)
			depth--;
		else if (open == '(' && s[k] == '(')
			depth++; /* only comments nest */
		else if (open == '[' && s[k] == '[')
			return ADDR_SYNTAX;
		k++;
	}
	*i = k;
	return ADDR_OK;
}

static enum addr_status
tokenize(struct toks *tk, const char *s, size_t len)
{
	enum addr_status st;
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t start = i;

		if (is_space(c)) {
			i++;
			continue;
		}
		switch (c) {
		case '(':
			if ((st = skip_delimited(s, len, &i, '(', ')')))
				return st;
			continue;
		case '"':
		case '[':
			if ((st = skip_delimited(s, len, &i, c,
				 c == '"' ? '"' : ']')))
				return st;
			if (!toks_push(tk, c == '"' ? T_QUOTE : T_LITERAL,
				start, i))
				return ADDR_NOMEM;
			continue;
		case ')':
		case ']':
			return ADDR_SYNTAX;
		case '.':
		case '@':
		case ',':
		case ';':
		case ':':
		case '<':
		case '>': {
			static const char sp[] = ".@,;:<>";
			static const enum tok_type ty[] = { T_DOT, T_AT,
				T_COMMA, T_SEMI, T_COLON, T_LT, T_GT };
			if (!toks_push(tk, ty[strchr(sp, c) - sp], i, i + 1))
				return ADDR_NOMEM;
			i++;
			continue;
		}
		default:
			break;
		}
		if (is_control(c))
			return ADDR_CONTROL;
		/* an atom; a backslash quotes the next byte, as in token822 */
		while (i < len) {
			c = (unsigned char)s[i];
			if (c == '\\') {
				if (i + 1 >= len)
					return ADDR_SYNTAX;
				if (is_control((unsigned char)s[i + 1]))
					return ADDR_CONTROL;
				i += 2;
			} else if (is_atom_byte(c))
				i++;
			else
				break;
		}
		if (!toks_push(tk, T_ATOM, start, i))
			return ADDR_NOMEM;
	}
	return ADDR_OK;
}

/* appends the text of token T: quotes removed, backslashes resolved, and
 * folding (CR, LF) inside quoted strings and literals dropped */
static enum addr_status
tok_text(struct strbuf *out, const char *s, const struct tok *t)
{
	size_t i = t->start, end = t->end;

	if (t->type == T_QUOTE) {
		i++;
		end--;
	}
	for (; i < end; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' && i + 1 < end)
			c = (unsigned char)s[++i];
		else if ((c == '\r' || c == '\n') && t->type != T_ATOM)
			continue;
		if (is_control(c) && c != '\t')
			return ADDR_CONTROL;
		if (c == '\t' && t->type == T_ATOM)
			return ADDR_CONTROL;
		if (out->len >= ADDR_MAX)
			return ADDR_TOOLONG;
		if (!strbuf_appendc(out, (char)c))
			return ADDR_NOMEM;
	}
	return ADDR_OK;
}

static bool
is_word(const struct tok *t)
{
	return t->type == T_ATOM || t->type == T_QUOTE ||
	    t->type == T_LITERAL;
}

/* builds A from the addr-spec tokens [FROM, TO) */
static enum addr_status
build(struct addr *a, const char *s, const struct tok *t, size_t from,
    size_t to)
{
	size_t k, lastat = to;

	strbuf_truncate(&a->text, 0);
	a->at = 0;
	if (!strbuf_terminate(&a->text))
		return ADDR_NOMEM;
	for (k = from; k < to; k++)
		if (t[k].type == T_AT)
			lastat = k;
	if (lastat < to && lastat == from)
		return ADDR_SYNTAX; /* "@host": no local part */
	for (k = from; k < to; k++) {
		enum addr_status st;

		if (k == lastat)
			a->at = a->text.len;
		if ((st = tok_text(&a->text, s, &t[k])))
			return st;
	}
	if (lastat == to)
		a->at = a->text.len;
	return ADDR_OK;
}

static enum addr_status
list_add(struct addr_list *out, const char *s, const struct tok *t,
    size_t from, size_t to, size_t start, size_t end, bool angle, bool split)
{
	struct addr_item *item;
	enum addr_status st;

	if (out->len == out->cap) {
		size_t cap = out->cap ? out->cap : 8, bytes;
		struct addr_item *p;

		if (out->cap && __builtin_mul_overflow(cap, 2, &cap))
			return ADDR_NOMEM;
		if (__builtin_mul_overflow(cap, sizeof *p, &bytes))
			return ADDR_NOMEM;
		if ((p = realloc(out->items, bytes)) == NULL)
			return ADDR_NOMEM;
		out->items = p;
		out->cap = cap;
	}
	item = &out->items[out->len];
	memset(item, 0, sizeof *item);
	st = build(&item->addr, s, t, from, to);
	if (st == ADDR_OK && !angle && item->addr.text.len == 0)
		st = ADDR_SYNTAX; /* a bare "": only <> is the null address */
	if (st) {
		addr_free(&item->addr);
		return st;
	}
	item->start = start;
	item->end = end;
	item->angle = angle;
	item->split = split;
	out->len++;
	return ADDR_OK;
}

/* parses <[@route,@route:]addr-spec> whose '<' is token J; *NEXT is the
 * token after the '>' */
static enum addr_status
parse_angle(struct addr_list *out, const char *s, const struct tok *t,
    size_t n, size_t j, bool split, size_t *next)
{
	size_t k = j + 1, from;

	if (k < n && t[k].type == T_AT) {
		/* obsolete source route: dropped, as RFC 5321 C. allows */
		while (k < n && t[k].type != T_COLON) {
			if (t[k].type != T_AT && t[k].type != T_ATOM &&
			    t[k].type != T_DOT && t[k].type != T_COMMA &&
			    t[k].type != T_LITERAL)
				return ADDR_SYNTAX;
			k++;
		}
		if (k == n)
			return ADDR_SYNTAX;
		k++;
	}
	from = k;
	while (k < n && t[k].type != T_GT) {
		if (!is_word(&t[k]) && t[k].type != T_DOT &&
		    t[k].type != T_AT)
			return ADDR_SYNTAX;
		k++;
	}
	if (k == n)
		return ADDR_SYNTAX;
	*next = k + 1;
	return list_add(out, s, t, from, k, t[j].end, t[k].start, true,
	    split);
}

enum addr_status
addr_parse_list(struct addr_list *out, const char *s, size_t len)
{
	struct toks tk = { NULL, 0, 0 };
	enum addr_status st;
	bool ingroup = false, need_sep = false;
	size_t i = 0, j, k, from, n;
	const struct tok *t;

	if ((st = tokenize(&tk, s, len)))
		goto done;
	t = tk.t;
	n = tk.len;
	while (i < n) {
		if (t[i].type == T_COMMA || t[i].type == T_SEMI) {
			if (t[i].type == T_SEMI) {
				if (!ingroup) {
					st = ADDR_SYNTAX;
					goto done;
				}
				ingroup = false;
			}
			need_sep = false;
			i++;
			continue;
		}
		for (j = i; j < n; j++)
			if (t[j].type == T_COMMA || t[j].type == T_SEMI ||
			    t[j].type == T_LT || t[j].type == T_COLON ||
			    t[j].type == T_GT)
				break;
		if (j < n && t[j].type == T_COLON) {
			/* "display-name:" starts a group; groups don't nest */
			if (ingroup) {
				st = ADDR_SYNTAX;
				goto done;
			}
			ingroup = true;
			need_sep = false;
			i = j + 1;
			continue;
		}
		if (j < n && t[j].type == T_GT) {
			st = ADDR_SYNTAX;
			goto done;
		}
		if (j < n && t[j].type == T_LT) {
			/* tokens before '<' are the display name */
			if ((st = parse_angle(out, s, t, n, j, need_sep, &i)))
				goto done;
			need_sep = true;
			continue;
		}
		/* bare addr-specs in [i, j); adjacent words split them */
		for (from = i, k = i + 1; k <= j; k++) {
			if (k < j && !(is_word(&t[k]) && is_word(&t[k - 1])))
				continue;
			if ((st = list_add(out, s, t, from, k, t[from].start,
				 t[k - 1].end, false, need_sep)))
				goto done;
			need_sep = true;
			from = k;
		}
		i = j;
	}
	st = ADDR_OK; /* a group without its ';' is forgiven */
done:
	free(tk.t);
	return st;
}

bool
addr_list_format(struct strbuf *out, const char *s, size_t len,
    const struct addr_list *list)
{
	size_t pos = 0, i;

	for (i = 0; i < list->len; i++) {
		const struct addr_item *it = &list->items[i];

		if (it->start < pos || it->end < it->start || it->end > len)
			return false; /* not a list parsed from S */
		if (it->split && i > 0) {
			/* after the previous address, and after its '>' */
			const struct addr_item *prev = &list->items[i - 1];
			size_t e = prev->end + (prev->angle ? 1 : 0);

			if (e > it->start || !strbuf_append(out, s + pos,
						 e - pos) ||
			    !strbuf_appendc(out, ','))
				return false;
			pos = e;
		}
		if (!strbuf_append(out, s + pos, it->start - pos) ||
		    !addr_quote(out, &it->addr))
			return false;
		pos = it->end;
	}
	return strbuf_append(out, s + pos, len - pos) && strbuf_terminate(out);
}

size_t
addr_split(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0)
		if (s[--i] == '@')
			return i;
	return len;
}

enum addr_status
addr_set(struct addr *a, const char *s, size_t len)
{
	size_t i;

	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s++;
		len -= 2;
	}
	if (len > ADDR_MAX)
		return ADDR_TOOLONG;
	for (i = 0; i < len; i++)
		if (is_control((unsigned char)s[i]))
			return ADDR_CONTROL;
	if (!strbuf_copy(&a->text, s, len) || !strbuf_terminate(&a->text))
		return ADDR_NOMEM;
	a->at = addr_split(s, len);
	return ADDR_OK;
}

static bool
append_part(struct addr *a, const char *sep, const char *part)
{
	return strbuf_appends(&a->text, sep) &&
	    strbuf_appends(&a->text, part ? part : "");
}

static enum addr_status
qualify(struct addr *a, const struct addr_defaults *d)
{
	struct strbuf *t = &a->text;
	const char *domain;
	size_t dlen;

	if (a->at < t->len && t->len - 1 > a->at &&
	    t->data[t->len - 1] == '.')
		strbuf_truncate(t, t->len - 1);
	if (a->at < t->len && a->at == t->len - 1)
		strbuf_truncate(t, a->at);
	if (a->at >= t->len) {
		a->at = t->len;
		if (!append_part(a, "@", d->defaulthost))
			return ADDR_NOMEM;
	}
	domain = t->data + a->at + 1;
	dlen = t->len - a->at - 1;
	if (dlen && domain[dlen - 1] == '+') {
		strbuf_truncate(t, t->len - 1);
		if (!append_part(a, ".", d->plusdomain))
			return ADDR_NOMEM;
	} else if (domain[0] != '[' && memchr(domain, '.', dlen) == NULL) {
		if (!append_part(a, ".", d->defaultdomain))
			return ADDR_NOMEM;
	}
	if (t->len > ADDR_MAX)
		return ADDR_TOOLONG;
	return ADDR_OK;
}

enum addr_status
addr_qualify(struct addr *a, const struct addr_defaults *d)
{
	struct addr work = ADDR_INIT;
	enum addr_status st;

	if (a->text.len == 0)
		return ADDR_OK; /* <> */
	if (a->at < a->text.len && a->text.len - a->at == 3 &&
	    memcmp(a->text.data + a->at, "@[]", 3) == 0)
		return ADDR_OK; /* qmail's VERP marker */
	/* work on a copy: on failure A is unchanged */
	if (!strbuf_copy(&work.text, a->text.data, a->text.len) ||
	    !strbuf_terminate(&work.text)) {
		strbuf_free(&work.text);
		return ADDR_NOMEM;
	}
	work.at = a->at;
	if ((st = qualify(&work, d)) != ADDR_OK) {
		addr_free(&work);
		return st;
	}
	addr_free(a);
	*a = work;
	return ADDR_OK;
}

static bool
local_needs_quotes(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return true;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return true;
		} else if (!is_atext(c))
			return true;
	}
	return false;
}

bool
addr_quote_local(struct strbuf *out, const char *local, size_t len)
{
	size_t i;

	if (!local_needs_quotes(local, len))
		return strbuf_append(out, local, len);
	if (!strbuf_appendc(out, '"'))
		return false;
	for (i = 0; i < len; i++) {
		if ((local[i] == '"' || local[i] == '\\' || local[i] == '\r' ||
			local[i] == '\n') &&
		    !strbuf_appendc(out, '\\'))
			return false;
		if (!strbuf_appendc(out, local[i]))
			return false;
	}
	return strbuf_appendc(out, '"');
}

bool
addr_quote_str(struct strbuf *out, const char *s, size_t len)
{
	size_t at;

	if (len == 0)
		return strbuf_terminate(out);
	at = addr_split(s, len);
	return addr_quote_local(out, s, at) &&
	    strbuf_append(out, s + at, len - at);
}

bool
addr_quote(struct strbuf *out, const struct addr *a)
{
	return addr_quote_str(out, a->text.data, a->text.len);
}

enum addr_status
addr_unquote_local(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	if (len > ADDR_MAX)
		return ADDR_TOOLONG;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		for (i = 1; i < len - 1; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '"')
				return ADDR_SYNTAX;
			if (c == '\\') {
				if (i + 1 >= len - 1)
					return ADDR_SYNTAX;
				c = (unsigned char)s[++i];
			}
			if (is_control(c))
				return ADDR_CONTROL;
			if (!strbuf_appendc(out, (char)c))
				return ADDR_NOMEM;
		}
		return strbuf_terminate(out) ? ADDR_OK : ADDR_NOMEM;
	}
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return ADDR_SYNTAX;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_control(c))
			return ADDR_CONTROL;
		if (c == '.' ? s[i + 1] == '.' : !is_atext(c))
			return ADDR_SYNTAX;
	}
	return strbuf_append(out, s, len) && strbuf_terminate(out)
	    ? ADDR_OK
	    : ADDR_NOMEM;
}

const char *
addr_strerror(enum addr_status status)
{
	switch (status) {
	case ADDR_OK:
		return "ok";
	case ADDR_SYNTAX:
		return "address syntax error";
	case ADDR_TOOLONG:
		return "address longer than 1000 bytes";
	case ADDR_CONTROL:
		return "control character in address";
	case ADDR_NOMEM:
		return "out of memory";
	}
	return "unknown address error";
}

void
addr_free(struct addr *a)
{
	strbuf_free(&a->text);
	a->at = 0;
}

void
addr_list_free(struct addr_list *list)
{
	size_t i;

	for (i = 0; i < list->len; i++)
		addr_free(&list->items[i].addr);
	free(list->items);
	list->items = NULL;
	list->len = list->cap = 0;
}
