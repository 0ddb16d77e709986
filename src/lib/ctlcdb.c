/*
 * ctlcdb.c - list file to cdb; see ctlcdb.h.
 */
#include <errno.h>
#include <string.h>

#include "cdbx.h"
#include "ctl.h"
#include "ctlcdb.h"

bool
ctlcdb_build(const char *src, const char *dst, const char *prefix,
    size_t keylen, bool lower, size_t *skipped)
{
	struct strlist lines = STRLIST_INIT;
	struct strbuf key = STRBUF_INIT;
	struct cdbx_make *mk;
	size_t i, n, skip = 0;
	int saved;

	switch (ctl_read_lines(&lines, src)) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		errno = ENOENT;
		return false;
	case CTL_ERROR:
		strlist_free(&lines);
		return false;
	}
	if ((mk = cdbx_make_start(dst)) == NULL)
		goto fail;
	for (i = 0; i < lines.len; i++) {
		n = strlen(lines.items[i]);
		if (n < keylen) {
			skip++;
			continue;
		}
		if (keylen > 0)
			n = keylen;
		if (!strbuf_copys(&key, prefix) ||
		    !strbuf_append(&key, lines.items[i], n))
			goto abort;
		if (lower)
			strbuf_lower(&key);
		if (!cdbx_make_add(mk, key.data, key.len, "", 0))
			goto abort;
	}
	if (!cdbx_make_finish(mk))
		goto fail;
	if (skipped != NULL)
		*skipped = skip;
	strlist_free(&lines);
	strbuf_free(&key);
	return true;
abort:
	saved = errno;
	cdbx_make_abort(mk);
	errno = saved;
fail:
	saved = errno;
	strlist_free(&lines);
	strbuf_free(&key);
	errno = saved;
	return false;
}
