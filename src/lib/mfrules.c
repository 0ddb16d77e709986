/*
 * mfrules.c - control/mailfromrules lookups and source parsing; see
 * mfrules.h. The order of the keys is s/qmail's mfrules.c.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mfrules.h"

static char
lc(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool
mfrules_list_allows(const char *list, size_t len, const char *sender)
{
	size_t slen = strlen(sender), start = 0, i;

	if (len == 0)
		return true;
	for (i = 0; i <= len; i++) {
		size_t n;

		if (i < len && list[i] != ',')
			continue;
		n = i - start;
		if (n > 0 && n <= slen &&
		    memcmp(list + start, sender + (slen - n), n) == 0)
			return true;
		start = i + 1;
	}
	return false;
}

struct search {
	mfrules_lookup_fn *lookup;
	void *ctx;
	const char *sender;
	struct strbuf val;
	bool error;
};

/* try: 1 when KEY exists and allows the sender, 0 otherwise (a missing
 * key, a key that does not list the sender, or an error: see s->error) */
static int
try(struct search *s, const char *key)
{
	size_t n = strlen(key);
	int r;

	if (n == 0 || n >= MFRULES_KEY_MAX)
		return 0;
	s->val.len = 0;
	r = s->lookup(s->ctx, key, n, &s->val);
	if (r < 0) {
		s->error = true;
		return 1; /* stop searching */
	}
	return r > 0 && mfrules_list_allows(s->val.data ? s->val.data : "",
			    s->val.len, s->sender);
}

static void
keyf(char *key, const char *a, const char *b, const char *c)
{
	if ((size_t)snprintf(key, MFRULES_KEY_MAX, "%s%s%s", a, b, c) >=
	    MFRULES_KEY_MAX)
		key[0] = '\0'; /* too long: never a key */
}

static enum mfrules_result
search(struct search *s, const struct mfrules_client *c)
{
	char key[MFRULES_KEY_MAX];
	const char *ip = c->ip ? c->ip : "";
	const char *host = c->host;
	size_t n;

	if (strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.'))
		ip += 7;
	if (host != NULL && (host[0] == '\0' || strcmp(host, "unknown") == 0))
		host = NULL;
#define TRY(k)                                                                 \
	do {                                                                   \
		if (try(s, (k)))                                               \
			return s->error ? MFRULES_ERROR : MFRULES_ALLOW;       \
	} while (0)
	if (c->info != NULL && c->info[0] != '\0') {
		keyf(key, c->info, "", "");
		TRY(key);
		keyf(key, c->info, "@", ip);
		TRY(key);
		if (host != NULL) {
			keyf(key, c->info, "@=", host);
			TRY(key);
		}
	}
	TRY(ip);
	if (host != NULL) {
		keyf(key, "=", host, "");
		TRY(key);
	}
	/* prefixes, longest first: "2001:db8:1:", "192.168.1." */
	for (n = strlen(ip); n > 0; n--) {
		if (ip[n - 1] != ':' || n >= MFRULES_KEY_MAX)
			continue;
		memcpy(key, ip, n);
		key[n] = '\0';
		TRY(key);
	}
	for (n = strlen(ip); n > 0; n--) {
		if (ip[n - 1] != '.' || n >= MFRULES_KEY_MAX)
			continue;
		memcpy(key, ip, n);
		key[n] = '\0';
		TRY(key);
	}
	if (host != NULL) {
		const char *h;

		for (h = host; *h; h++)
			if (*h == '.') {
				keyf(key, "=", h, "");
				TRY(key);
			}
		TRY("=");
	}
#undef TRY
	return MFRULES_DENY;
}

enum mfrules_result
mfrules_check(mfrules_lookup_fn *lookup, void *ctx,
    const struct mfrules_client *c, const char *sender)
{
	struct search s = {lookup, ctx, NULL, STRBUF_INIT, false};
	struct strbuf low = STRBUF_INIT;
	enum mfrules_result r;

	if (sender[0] == '\0')
		return MFRULES_ALLOW;
	if (!strbuf_copys(&low, sender))
		return MFRULES_ERROR;
	strbuf_lower(&low);
	s.sender = low.data;
	r = search(&s, c);
	strbuf_free(&low);
	strbuf_free(&s.val);
	return r;
}

static bool
is_word_char(char c)
{
	return (unsigned char)c > ' ' && c != 127;
}

/* range: "a.b.c1-c2.rest" (no '=' or '@'): expands into KEYS */
static bool
push_range(struct strlist *keys, const char *k, size_t n, const char **why)
{
	const char *dash = memchr(k, '-', n), *p;
	size_t left, right;
	unsigned long bot = 0, top = 0;
	char buf[MFRULES_KEY_MAX];

	if (dash == NULL || memchr(k, '=', n) || memchr(k, '@', n)) {
		if (strlist_push(keys, k, n))
			return true;
		*why = "out of memory";
		return false;
	}
	for (left = (size_t)(dash - k); left > 0 && k[left - 1] != '.'; left--)
		;
	for (right = (size_t)(dash - k) + 1; right < n && k[right] != '.';
	     right++)
		;
	if (left == (size_t)(dash - k) || right == (size_t)(dash - k) + 1) {
		*why = "bad address range";
		return false;
	}
	for (p = k + left; p < dash; p++) {
		if (*p < '0' || *p > '9' || bot > 255) {
			*why = "bad address range";
			return false;
		}
		bot = bot * 10 + (unsigned long)(*p - '0');
	}
	for (p = dash + 1; p < k + right; p++) {
		if (*p < '0' || *p > '9' || top > 255) {
			*why = "bad address range";
			return false;
		}
		top = top * 10 + (unsigned long)(*p - '0');
	}
	if (top > 255)
		top = 255;
	if (bot > top) {
		*why = "bad address range";
		return false;
	}
	for (; bot <= top; bot++) {
		int m = snprintf(buf, sizeof buf, "%.*s%lu%.*s", (int)left, k,
		    bot, (int)(n - right), k + right);

		if (m < 0 || (size_t)m >= sizeof buf) {
			*why = "key too long";
			return false;
		}
		if (!strlist_pushs(keys, buf)) {
			*why = "out of memory";
			return false;
		}
	}
	return true;
}

bool
mfrules_parse(const char *line, struct strlist *keys, struct strbuf *value,
    const char **why)
{
	size_t n = strlen(line), amp, i, entry = 0;
	char key[MFRULES_KEY_MAX];

	value->len = 0;
	if (!strbuf_terminate(value)) {
		*why = "out of memory";
		return false;
	}
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
			    line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n == 0 || line[0] == '#')
		return true;
	for (amp = 0; amp < n && line[amp] != '&'; amp++)
		;
	if (amp == n || amp == 0) {
		*why = "no key&senders";
		return false;
	}
	if (amp >= sizeof key) {
		*why = "key too long";
		return false;
	}
	for (i = 0; i < amp; i++) {
		if (!is_word_char(line[i])) {
			*why = "blank or control character in key";
			return false;
		}
		key[i] = lc(line[i]);
	}
	for (i = amp + 1; i <= n; i++) {
		if (i < n && line[i] != ',') {
			if (!is_word_char(line[i])) {
				*why = "blank or control character in "
				       "senders";
				return false;
			}
			if (!strbuf_appendc(value, lc(line[i]))) {
				*why = "out of memory";
				return false;
			}
			entry++;
			continue;
		}
		if (entry == 0 && !(i == n && value->len == 0)) {
			*why = "empty sender entry";
			return false;
		}
		if (i < n && !strbuf_appendc(value, ',')) {
			*why = "out of memory";
			return false;
		}
		entry = 0;
	}
	return push_range(keys, key, amp, why);
}
