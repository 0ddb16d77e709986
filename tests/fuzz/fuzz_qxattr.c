/*
 * fuzz_qxattr.c - libFuzzer target for src/lib/qxattr.c.
 *
 * The input is a "user.qmail" value as qmail-todo reads it after a crash:
 * anything at all. qxattr_decode must never read out of bounds; what it
 * accepts must encode back to the same bytes, and its envelope part must
 * be a whole number of NUL-ended records; any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qxattr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf again = STRBUF_INIT;
	struct qxattr meta;

	if (!qxattr_decode(&meta, data, size))
		return 0;
	if (meta.envlen == 0 || meta.env[meta.envlen - 1] != '\0' ||
	    meta.env != (const char *)data + QXATTR_HEAD ||
	    meta.envlen + QXATTR_HEAD != size)
		abort();
	if (!qxattr_encode(&again, &meta) || again.len != size ||
	    memcmp(again.data, data, size) != 0)
		abort();
	strbuf_free(&again);
	return 0;
}
