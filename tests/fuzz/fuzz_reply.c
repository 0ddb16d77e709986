/*
 * fuzz_reply.c - the SMTP reply parser (reply_feed) and the DATA encoder
 * (dotstuff_encode) on arbitrary bytes.
 *
 * Checks: the kept text stays within REPLY_MAX_TEXT and holds only
 * printable ASCII and '\n'; and the encoded body contains "\r\n.\r\n"
 * only at its very end (no smuggling), with no bare CR or LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply r = REPLY_INIT;
	struct strbuf out = STRBUF_INIT;
	struct dotstuff_info info;
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (reply_feed(&r, p, (size_t)(nl - p)) != REPLY_MORE)
			reply_reset(&r);
		if (r.text.len > REPLY_MAX_TEXT)
			abort();
		for (i = 0; i < r.text.len; i++)
			if (r.text.data[i] != '\n' &&
			    (r.text.data[i] < 0x20 || r.text.data[i] > 0x7e))
				abort();
		p = nl + 1;
	}
	reply_free(&r);

	if (!dotstuff_encode(&out, (const char *)data, size, &info))
		abort();
	for (i = 0; i < out.len; i++) {
		if (out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r'))
			abort();
		if (out.data[i] == '\r' &&
		    (i + 1 >= out.len || out.data[i + 1] != '\n'))
			abort();
	}
	/* the terminator is the only dot line */
	if (out.len < 3 || memcmp(out.data + out.len - 3, ".\r\n", 3) != 0)
		abort();
	if (out.len == 3)
		goto done;
	if (out.len < 5 || memcmp(out.data + out.len - 5, "\r\n", 2) != 0)
		abort();
	for (i = 0; i + 5 < out.len; i++)
		if (memcmp(out.data + i, "\r\n.\r\n", 5) == 0)
			abort();
	if (out.data[0] == '.' && out.data[1] == '\r')
		abort();
done:
	strbuf_free(&out);
	return 0;
}
