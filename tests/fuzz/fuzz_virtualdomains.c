/*
 * fuzz_virtualdomains.c - libFuzzer target for recipient routing
 * (src/lib/rewrite.c): control/virtualdomains and control/locals parsing,
 * and rewrite_addr's longest-match search.
 *
 * Input: the text of control/virtualdomains, a NUL, the text of
 * control/locals, a NUL, then addresses, one per line. Every address is
 * routed and compared with a slow reference written from qmail-send(8):
 * locals first, then the whole address, the domain, each ".suffix" and
 * the empty pattern, the first one listed winning, its last line counting,
 * and an empty prefix meaning "remote". It also checks that
 * rewrite_strip_vdom returns a suffix of its argument.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
eqi(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

/* ref_lookup: the last line whose key equals S, as qmail's constmap */
static const char *
ref_lookup(const struct strlist *sl, int colon, const char *s, size_t len)
{
	const char *found = NULL, *c;
	size_t i, klen;

	for (i = 0; i < sl->len; i++) {
		const char *line = sl->items[i];

		if (colon) {
			if ((c = strchr(line, ':')) == NULL)
				continue;
			klen = (size_t)(c - line);
		} else {
			klen = strlen(line);
			c = line + klen - 1;
		}
		if (eqi(line, klen, s, len))
			found = colon ? c + 1 : "";
	}
	return found;
}

static void
check(const struct rewrite *rw, const struct strlist *vd,
      const struct strlist *loc, const char *addr, size_t len)
{
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	enum rewrite_route r, wr = REWRITE_REMOTE;
	const char *at, *v, *stripped;
	size_t i, a;

	r = rewrite_addr(rw, addr, len, &out);
	if (r == REWRITE_NOMEM)
		goto done;
	strbuf_append(&want, addr, len);
	at = NULL;
	for (i = len; i-- > 0;)
		if (addr[i] == '@') {
			at = addr + i;
			break;
		}
	if (at == NULL)
		strbuf_appends(&want, "@envnoathost");
	strbuf_terminate(&want);
	for (i = want.len; i-- > 0;)
		if (want.data[i] == '@')
			break;
	a = i;
	if (ref_lookup(loc, 0, want.data + a + 1, want.len - a - 1)) {
		wr = REWRITE_LOCAL;
	} else {
		for (i = 0; i <= want.len; i++) {
			if (!(i == 0 || i == a + 1 || i == want.len ||
			      (i > a && want.data[i] == '.')))
				continue;
			v = ref_lookup(vd, 1, want.data + i, want.len - i);
			if (v == NULL)
				continue;
			if (*v) {
				struct strbuf p = STRBUF_INIT;

				strbuf_appends(&p, v);
				strbuf_appendc(&p, '-');
				strbuf_append(&p, want.data, want.len);
				strbuf_free(&want);
				want = p;
				wr = REWRITE_LOCAL;
			}
			break;
		}
	}
	strbuf_terminate(&want);
	strbuf_terminate(&out);
	if (r != wr || out.len != want.len ||
	    memcmp(out.data, want.data, out.len) != 0)
		abort();
	stripped = rewrite_strip_vdom(rw, out.data);
	if (stripped < out.data || stripped > out.data + out.len ||
	    strcmp(stripped, out.data + (stripped - out.data)) != 0)
		abort();
done:
	strbuf_free(&out);
	strbuf_free(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nul, *nl;
	struct strlist vd = STRLIST_INIT, loc = STRLIST_INIT;
	struct rewrite rw;

	if ((nul = memchr(p, '\0', size)) == NULL)
		return 0;
	ctl_split_lines(&vd, p, (size_t)(nul - p));
	p = nul + 1;
	if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
		nul = end;
	ctl_split_lines(&loc, p, (size_t)(nul - p));
	p = nul < end ? nul + 1 : end;
	rewrite_init(&rw);
	if (!rewrite_set_vdoms(&rw, &vd) || !rewrite_set_locals(&rw, &loc) ||
	    !rewrite_set_envnoathost(&rw, "envnoathost"))
		goto out;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) == NULL)
			check(&rw, &vd, &loc, p, (size_t)(nl - p));
		p = nl + 1;
	}
out:
	rewrite_free(&rw);
	strlist_free(&vd);
	strlist_free(&loc);
	return 0;
}
