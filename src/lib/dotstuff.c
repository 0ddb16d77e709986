/*
 * dotstuff.c - queued message to SMTP DATA body. See dotstuff.h.
 */
#include <string.h>

#include "dotstuff.h"

bool
dotstuff_encode(struct strbuf *out, const char *msg, size_t len,
    struct dotstuff_info *info)
{
	size_t start = out->len, i = 0, run, extra;
	bool bol = true;

	info->size = 0;
	info->eightbit = false;
	/* worst case: every byte is a line of its own needing a dot, and
	 * ".\r\n" at the end */
	if (__builtin_mul_overflow(len, 3, &extra) ||
	    __builtin_add_overflow(extra, 5, &extra) ||
	    !strbuf_reserve(out, extra))
		return false;
	while (i < len) {
		if (bol && msg[i] == '.')
			out->data[out->len++] = '.';
		/* copy up to the next CR or LF */
		for (run = i; run < len && msg[run] != '\r' && msg[run] != '\n';
		    run++)
			if ((unsigned char)msg[run] >= 0x80)
				info->eightbit = true;
		memcpy(out->data + out->len, msg + i, run - i);
		out->len += run - i;
		info->size += run - i;
		if (run == len) {
			bol = false;
			break;
		}
		if (msg[run] == '\r' && run + 1 < len && msg[run + 1] == '\n')
			run++;
		out->data[out->len++] = '\r';
		out->data[out->len++] = '\n';
		info->size += 2;
		bol = true;
		i = run + 1;
	}
	if (!bol && out->len > start) {
		out->data[out->len++] = '\r';
		out->data[out->len++] = '\n';
		info->size += 2;
	}
	memcpy(out->data + out->len, ".\r\n", 3);
	out->len += 3;
	out->data[out->len] = '\0';
	return true;
}
