/*
 * queue.c - queue path names. See queue.h.
 */
#include "auto.h"
#include "ctl.h"
#include "queue.h"

unsigned long
queue_split(unsigned long id)
{
	return id % (auto_split ? auto_split : 1);
}

bool
queue_path(struct strbuf *out, const char *dir, unsigned long id)
{
	out->len = 0;
	return strbuf_appends(out, dir) && strbuf_appendc(out, '/') &&
	    strbuf_append_ulong(out, queue_split(id)) &&
	    strbuf_appendc(out, '/') && strbuf_append_ulong(out, id);
}

bool
queue_parse_id(const char *s, unsigned long *id)
{
	return scan_ulong(s, id) && *id != 0;
}
