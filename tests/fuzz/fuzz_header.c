/*
 * fuzz_header.c - libFuzzer target for header parsing (src/lib/header.c).
 *
 * Feeds the input line by line, as qmail-inject does, and checks that
 * every field is within the limits, holds no NUL, ends with '\n', and
 * starts a valid field (or an MBOX-Line); each field's value then goes
 * through the address list parser, as qmail-inject's rewriting does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct strbuf *f)
{
	struct addr_list l = ADDR_LIST_INIT;
	size_t v;

	if (f->len == 0 || f->len > HEADER_FIELD_MAX + 16 ||
	    f->data[f->len - 1] != '\n' ||
	    memchr(f->data, '\0', f->len) != NULL ||
	    !header_field_valid(f->data, f->len))
		abort();
	v = header_value(f->data, f->len);
	if (v > f->len)
		abort();
	addr_parse_list(&l, f->data + v, f->len - v);
	addr_list_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct header h = HEADER_INIT;
	struct strbuf field = STRBUF_INIT;
	const char *s = (const char *)data;
	size_t pos = 0, total = 0;

	while (pos < size) {
		const char *nl = memchr(s + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (s + pos)) + 1 : size - pos;
		enum header_status st = header_line(&h, s + pos, n, &field);

		if (st == HEADER_FIELD) {
			check(&field);
			total += field.len;
		}
		if (st == HEADER_ERROR || st == HEADER_END)
			break;
		pos += n;
	}
	if (header_finish(&h, &field)) {
		check(&field);
		total += field.len;
	}
	if (total > HEADER_MAX)
		abort();
	strbuf_free(&field);
	header_free(&h);
	return 0;
}
