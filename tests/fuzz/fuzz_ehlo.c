/*
 * fuzz_ehlo.c - the EHLO reply reader (ehlo_parse) on arbitrary text, and
 * the SMTPUTF8 address classes and header check (smtputf8.c) on the same
 * bytes.
 *
 * Checks: no out-of-bounds read (ASan); a reply without SIZE has no
 * limit; an address classed ASCII or DOMAIN has an all-ASCII form, and an
 * ASCII one is unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ehlo.h"
#include "smtputf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	struct ehlo e;
	enum smtputf8_class c;
	char *text;
	size_t i;

	/* the reply text is a C string: the bytes up to the first NUL */
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ehlo_parse(&e, text);
	if (!e.size_offered && e.size_limit != 0)
		abort();

	c = smtputf8_address(text, &out);
	if (c == SMTPUTF8_ASCII || c == SMTPUTF8_DOMAIN) {
		if (out.data == NULL && strlen(text) > 0)
			abort();
		for (i = 0; i < out.len; i++)
			if ((unsigned char)out.data[i] >= 0x80)
				abort();
	}
	if (c == SMTPUTF8_ASCII && strcmp(out.data ? out.data : "", text) != 0)
		abort();
	(void)smtputf8_header((const char *)data, size);
	strbuf_free(&out);
	free(text);
	return 0;
}
