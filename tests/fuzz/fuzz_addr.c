/*
 * fuzz_addr.c - libFuzzer target for the address parser (src/lib/addr.c).
 *
 * Parses the input as a header address list and as a command-line address,
 * qualifies and quotes every address, and checks invariants: no address
 * over ADDR_MAX, no control characters, '@' at the recorded offset, spans
 * inside the input, that a quoted address parses back to itself, and that
 * a list rewritten in place (addr_list_format) parses back to the same
 * addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct addr_defaults defaults = { "host", "example.com",
	"plus.example" };

static bool
plain_domain(const struct addr *a)
{
	size_t i;

	for (i = a->at + 1; i < a->text.len; i++) {
		unsigned char c = (unsigned char)a->text.data[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '-' ||
			c == '_' || c >= 128))
			return false;
	}
	return a->at < a->text.len;
}

static void
check(const struct addr *a)
{
	size_t i;

	if (a->text.len > ADDR_MAX || a->at > a->text.len)
		abort();
	if (a->at < a->text.len && a->text.data[a->at] != '@')
		abort();
	for (i = 0; i < a->text.len; i++)
		if ((unsigned char)a->text.data[i] < 32 &&
		    a->text.data[i] != '\t')
			abort();
}

static void
roundtrip(const struct addr *a)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct strbuf q = STRBUF_INIT;

	if (a->text.len == 0 || !plain_domain(a) ||
	    memchr(a->text.data, '\t', a->text.len))
		return;
	if (!addr_quote(&q, a))
		abort();
	if (addr_parse_list(&l, q.data, q.len) != ADDR_OK || l.len != 1 ||
	    l.items[0].addr.text.len != a->text.len ||
	    memcmp(l.items[0].addr.text.data, a->text.data, a->text.len) ||
	    l.items[0].addr.at != a->at)
		abort();
	addr_list_free(&l);
	strbuf_free(&q);
}

/* formatting a qualified list and parsing it again gives the same
 * addresses (when every domain is plain enough to survive unquoted) */
static void
reformat(const char *s, size_t size, const struct addr_list *l)
{
	struct addr_list again = ADDR_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	size_t i;

	if (!addr_list_format(&out, s, size, l))
		abort();
	for (i = 0; i < l->len; i++) {
		const struct addr *a = &l->items[i].addr;

		if (a->text.len && (!plain_domain(a) ||
				       memchr(a->text.data, '\t', a->text.len)))
			goto done;
	}
	if (addr_parse_list(&again, out.data, out.len) != ADDR_OK ||
	    again.len != l->len)
		abort();
	for (i = 0; i < l->len; i++)
		if (again.items[i].addr.text.len !=
			l->items[i].addr.text.len ||
		    memcmp(again.items[i].addr.text.data,
			l->items[i].addr.text.data, l->items[i].addr.text.len))
			abort();
done:
	addr_list_free(&again);
	strbuf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct addr a = ADDR_INIT;
	const char *s = (const char *)data;
	size_t i;

	if (addr_parse_list(&l, s, size) == ADDR_OK) {
		for (i = 0; i < l.len; i++) {
			struct addr_item *it = &l.items[i];

			if (it->start > it->end || it->end > size)
				abort();
			if (i == 0 && it->split)
				abort();
			check(&it->addr);
			roundtrip(&it->addr);
			if (addr_qualify(&it->addr, &defaults) == ADDR_OK) {
				check(&it->addr);
				roundtrip(&it->addr);
			}
		}
		reformat(s, size, &l);
	}
	addr_list_free(&l);
	if (addr_set(&a, s, size) == ADDR_OK) {
		check(&a);
		if (addr_qualify(&a, &defaults) == ADDR_OK)
			check(&a);
		addr_quote(&sb, &a);
	}
	addr_free(&a);
	strbuf_copys(&sb, "");
	addr_unquote_local(&sb, s, size);
	strbuf_free(&sb);
	return 0;
}
