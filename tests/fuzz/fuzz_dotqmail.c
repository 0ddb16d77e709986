/*
 * fuzz_dotqmail.c - libFuzzer target for .qmail parsing and the lookup
 * order (src/lib/dotqmail.c).
 *
 * The input is a .qmail file. Every line's argument must lie inside the
 * copy being parsed and be NUL-terminated at its length; types must be
 * consistent with the first byte. The first line of the input, used as an
 * extension, must give a candidate list that starts with the exact name
 * and ends with .qmail-default; a violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotqmail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lookup_order(const char *ext)
{
	struct dq_candidates c = DQ_CANDIDATES_INIT;

	if (!dotqmail_candidates(&c, "-", ext))
		return;
	if (c.n < 2 || strncmp(c.items[0].name, ".qmail-", 7) != 0 ||
	    strcmp(c.items[c.n - 1].name, ".qmail-default") != 0 ||
	    !c.items[c.n - 1].is_default || c.items[c.n - 1].default_off != 0)
		abort();
	for (size_t i = 1; i < c.n; i++)
		if (!c.items[i].is_default ||
		    c.items[i].default_off > strlen(ext))
			abort();
	dotqmail_candidates_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotqmail dq = DOTQMAIL_INIT;
	char *text, *ext;
	size_t i, extlen;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	extlen = strcspn(text, "\n");
	ext = strndup(text, extlen);
	if (ext != NULL)
		lookup_order(ext);
	free(ext);

	if (dotqmail_parse(&dq, text, size) == DQ_PARSE_OK) {
		for (i = 0; i < dq.n; i++) {
			const struct dq_line *l = &dq.lines[i];

			if (l->arg < text || l->arg + l->len > text + size)
				abort();
			if (l->arg[l->len] != '\0')
				abort();
			if (l->type == DQ_PROGRAM && l->arg[-1] != '|')
				abort();
			if (l->type == DQ_MAILDIR &&
			    (l->len == 0 || l->arg[l->len - 1] != '/'))
				abort();
			if (l->type == DQ_BLANK && (i == 0 || l->len != 0))
				abort();
		}
		dotqmail_free(&dq);
	}
	free(text);
	return 0;
}
