/*
 * fuzz_ctl.c - libFuzzer target for the control file reader (ctl.c):
 * line splitting, blank stripping, comment skipping and number parsing.
 * Invariants: every kept line is non-empty, has no newline or NUL, does not
 * start with '#', does not end in a blank, and the lines fit in the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist lines = STRLIST_INIT;
	size_t i, total = 0, n;
	unsigned long value;

	if (!ctl_split_lines(&lines, (const char *)data, size)) {
		strlist_free(&lines);
		return 0;
	}
	for (i = 0; i < lines.len; i++) {
		const char *s = lines.items[i];

		n = strlen(s);
		total += n;
		if (n == 0 || s[0] == '#' || memchr(s, '\n', n) != NULL ||
		    s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')
			abort();
		if (scan_ulong(s, &value)) {
			struct strbuf sb = STRBUF_INIT;

			/* a number that scans must print back the same */
			if (!strbuf_append_ulong(&sb, value))
				abort();
			if (strcmp(sb.data, s) != 0 && s[0] != '0')
				abort();
			strbuf_free(&sb);
		}
	}
	if (total > size)
		abort();
	strlist_free(&lines);
	return 0;
}
