/*
 * rewrite.c - locals, virtualdomains and percenthack. See rewrite.h.
 *
 * A table is a sorted array searched by binary search: lookups happen a
 * few times per recipient, and a sorted array costs one allocation per
 * line and no rehashing on a HUP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* cmp_key: compares S (LEN bytes, any case) with lower-case KEY */
static int
cmp_key(const char *s, size_t len, const char *key, size_t keylen)
{
	size_t i, n = len < keylen ? len : keylen;
	unsigned char a, b;

	for (i = 0; i < n; i++) {
		a = lower((unsigned char)s[i]);
		b = (unsigned char)key[i];
		if (a != b)
			return a < b ? -1 : 1;
	}
	if (len == keylen)
		return 0;
	return len < keylen ? -1 : 1;
}

struct sortable {
	struct rewrite_entry e;
	size_t line;
};

static int
cmp_sortable(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	int c = cmp_key(x->e.key, x->e.keylen, y->e.key, y->e.keylen);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void
map_free(struct rewrite_map *map)
{
	size_t i;

	for (i = 0; i < map->len; i++)
		free(map->e[i].key);
	free(map->e);
	map->e = NULL;
	map->len = 0;
}

/* map_build: WITHCOLON splits "key:value" at the first ':' and skips lines
 * without one; otherwise the whole line is the key and the value is "" */
static bool
map_build(struct rewrite_map *out, const struct strlist *lines, bool withcolon)
{
	struct sortable *s;
	struct rewrite_map map = {NULL, 0};
	size_t i, n = 0, keylen, linelen, bytes;
	const char *colon;
	char *copy;

	if (lines->len == 0) {
		map_free(out);
		return true;
	}
	if (__builtin_mul_overflow(lines->len, sizeof *s, &bytes) ||
	    (s = malloc(bytes)) == NULL) {
		errno = ENOMEM;
		return false;
	}
	for (i = 0; i < lines->len; i++) {
		const char *line = lines->items[i];

		linelen = strlen(line);
		if (withcolon) {
			colon = memchr(line, ':', linelen);
			if (colon == NULL)
				continue;
			keylen = (size_t)(colon - line);
		} else
			keylen = linelen;
		/* "key\0value\0" in one allocation */
		if ((copy = malloc(linelen + 2)) == NULL)
			goto nomem;
		for (size_t k = 0; k < keylen; k++)
			copy[k] = (char)lower((unsigned char)line[k]);
		copy[keylen] = '\0';
		if (withcolon) {
			memcpy(copy + keylen + 1, line + keylen + 1,
			       linelen - keylen - 1);
			copy[linelen] = '\0';
		} else
			copy[keylen + 1] = '\0';
		s[n].e.key = copy;
		s[n].e.keylen = keylen;
		s[n].e.value = copy + keylen + 1;
		s[n].line = i;
		n++;
	}
	qsort(s, n, sizeof *s, cmp_sortable);
	if (n && (map.e = malloc(n * sizeof *map.e)) == NULL)
		goto nomem;
	/* keep only the last of equal keys: qmail's constmap lets the later
	 * line shadow the earlier one */
	for (i = 0; i < n; i++) {
		if (i + 1 < n &&
		    cmp_key(s[i].e.key, s[i].e.keylen, s[i + 1].e.key,
			    s[i + 1].e.keylen) == 0) {
			free(s[i].e.key);
			continue;
		}
		map.e[map.len++] = s[i].e;
	}
	free(s);
	map_free(out);
	*out = map;
	return true;
nomem:
	while (n-- > 0)
		free(s[n].e.key);
	free(s);
	errno = ENOMEM;
	return false;
}

const char *
rewrite_lookup(const struct rewrite_map *map, const char *s, size_t len)
{
	size_t lo = 0, hi = map->len, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp_key(s, len, map->e[mid].key, map->e[mid].keylen);
		if (c == 0)
			return map->e[mid].value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
rewrite_init(struct rewrite *rw)
{
	memset(rw, 0, sizeof *rw);
}

void
rewrite_free(struct rewrite *rw)
{
	map_free(&rw->locals);
	map_free(&rw->vdoms);
	map_free(&rw->percenthack);
	strbuf_free(&rw->envnoathost);
}

bool
rewrite_set_locals(struct rewrite *rw, const struct strlist *lines)
{
	return map_build(&rw->locals, lines, false);
}

bool
rewrite_set_vdoms(struct rewrite *rw, const struct strlist *lines)
{
	return map_build(&rw->vdoms, lines, true);
}

bool
rewrite_set_percenthack(struct rewrite *rw, const struct strlist *lines)
{
	return map_build(&rw->percenthack, lines, false);
}

bool
rewrite_set_envnoathost(struct rewrite *rw, const char *host)
{
	return strbuf_copys(&rw->envnoathost, host);
}

static const char *
memrchr_c(const char *s, size_t len, char c)
{
	while (len-- > 0)
		if (s[len] == c)
			return s + len;
	return NULL;
}

enum rewrite_route
rewrite_addr(const struct rewrite *rw, const char *addr, size_t len,
	     struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT;
	const char *p, *value;
	size_t i, at;
	enum rewrite_route route = REWRITE_REMOTE;

	if (!strbuf_copy(&a, addr, len))
		goto nomem;
	if ((p = memrchr_c(a.data, a.len, '@')) == NULL) {
		if (!strbuf_appendc(&a, '@') ||
		    !strbuf_append(&a, rw->envnoathost.data,
				   rw->envnoathost.len))
			goto nomem;
		p = a.data + len;
	}
	at = (size_t)(p - a.data);
	while (rewrite_lookup(&rw->percenthack, a.data + at + 1,
			      a.len - at - 1) != NULL) {
		if ((p = memrchr_c(a.data, at, '%')) == NULL)
			break;
		strbuf_truncate(&a, at);
		at = (size_t)(p - a.data);
		a.data[at] = '@';
	}
	if (rewrite_lookup(&rw->locals, a.data + at + 1, a.len - at - 1)) {
		route = REWRITE_LOCAL;
		goto copy;
	}
	for (i = 0; i <= a.len; i++) {
		if (!(i == 0 || i == at + 1 || i == a.len ||
		      (i > at && a.data[i] == '.')))
			continue;
		value = rewrite_lookup(&rw->vdoms, a.data + i, a.len - i);
		if (value == NULL)
			continue;
		if (*value == '\0')
			break; /* an exception: remote */
		out->len = 0;
		if (!strbuf_appends(out, value) || !strbuf_appendc(out, '-') ||
		    !strbuf_append(out, a.data, a.len))
			goto nomem;
		strbuf_free(&a);
		return REWRITE_LOCAL;
	}
copy:
	if (!strbuf_copy(out, a.data, a.len))
		goto nomem;
	strbuf_free(&a);
	return route;
nomem:
	strbuf_free(&a);
	return REWRITE_NOMEM;
}

const char *
rewrite_strip_vdom(const struct rewrite *rw, const char *recip)
{
	const char *at = strrchr(recip, '@'), *domain, *prefix;
	size_t i, dlen, plen;

	if (at == NULL)
		return recip;
	domain = at + 1;
	dlen = strlen(domain);
	for (i = 0; i <= dlen; i++) {
		if (!(i == 0 || i == dlen || domain[i] == '.'))
			continue;
		prefix = rewrite_lookup(&rw->vdoms, domain + i, dlen - i);
		if (prefix == NULL)
			continue;
		if (*prefix == '\0')
			break;
		plen = strlen(prefix);
		if (strncmp(recip, prefix, plen) != 0 || recip[plen] != '-')
			break;
		return recip + plen + 1;
	}
	return recip;
}

bool
rewrite_verp_sender(struct strbuf *out, const char *sender, const char *recip)
{
	size_t i = strlen(sender), j, k;
	const char *p, *q;

	if (i >= 4 && strcmp(sender + i - 4, "-@[]") == 0) {
		p = memrchr_c(sender, i - 4, '@');
		q = strrchr(recip, '@');
		j = p ? (size_t)(p - sender) : i - 4;
		if (q && j + 5 <= i) {
			k = (size_t)(q - recip);
			return strbuf_append(out, sender, j) &&
			       strbuf_append(out, recip, k) &&
			       strbuf_appendc(out, '=') &&
			       strbuf_appends(out, recip + k + 1) &&
			       strbuf_appendc(out, '@') &&
			       strbuf_append(out, sender + j + 1, i - 5 - j);
		}
	}
	return strbuf_appends(out, sender);
}

/* read_list: reads a list file; MISSING gives DEF (if not NULL) */
static enum ctl_status
read_list(struct strlist *out, const char *home, const char *name,
	  const char *def, struct strbuf *path)
{
	enum ctl_status st;

	path->len = 0;
	if (!strbuf_appends(path, home) || !strbuf_appends(path, "/control/") ||
	    !strbuf_appends(path, name))
		return CTL_ERROR;
	st = ctl_read_lines(out, path->data);
	if (st == CTL_MISSING && def != NULL && *def != '\0') {
		if (!strlist_pushs(out, def))
			return CTL_ERROR;
	}
	return st == CTL_MISSING ? CTL_OK : st;
}

enum ctl_status
rewrite_load(struct rewrite *rw, const char *home, const char **failed)
{
	struct strlist locals = STRLIST_INIT, vdoms = STRLIST_INIT,
		       percent = STRLIST_INIT;
	struct strbuf me = STRBUF_INIT, path = STRBUF_INIT,
		      noathost = STRBUF_INIT;
	enum ctl_status st, ret = CTL_ERROR;
	bool have_me;

	*failed = "control/me";
	if (!strbuf_appends(&path, home) ||
	    !strbuf_appends(&path, "/control/me"))
		goto out;
	st = ctl_read_line(&me, path.data);
	if (st == CTL_ERROR || !strbuf_terminate(&me))
		goto out;
	have_me = st == CTL_OK && me.len > 0;
	*failed = "control/locals";
	if (read_list(&locals, home, "locals", have_me ? me.data : NULL,
		      &path) != CTL_OK)
		goto out;
	*failed = "control/virtualdomains";
	if (read_list(&vdoms, home, "virtualdomains", NULL, &path) != CTL_OK)
		goto out;
	*failed = "control/percenthack";
	if (read_list(&percent, home, "percenthack", NULL, &path) != CTL_OK)
		goto out;
	*failed = "control/envnoathost";
	path.len = 0;
	if (!strbuf_appends(&path, home) ||
	    !strbuf_appends(&path, "/control/envnoathost"))
		goto out;
	st = ctl_read_line(&noathost, path.data);
	if (st == CTL_ERROR)
		goto out;
	if (st == CTL_MISSING &&
	    !strbuf_copys(&noathost, have_me ? me.data : "envnoathost"))
		goto out;
	if (!strbuf_terminate(&noathost))
		goto out;
	*failed = "memory";
	if (!rewrite_set_locals(rw, &locals) ||
	    !rewrite_set_vdoms(rw, &vdoms) ||
	    !rewrite_set_percenthack(rw, &percent) ||
	    !rewrite_set_envnoathost(rw, noathost.data))
		goto out;
	*failed = NULL;
	ret = CTL_OK;
out:
	strlist_free(&locals);
	strlist_free(&vdoms);
	strlist_free(&percent);
	strbuf_free(&me);
	strbuf_free(&path);
	strbuf_free(&noathost);
	return ret;
}
