/*
 * fuzz_envelope.c - libFuzzer target for src/lib/envelope.c.
 *
 * The input is an envelope in the client form. The whole-buffer parser, the
 * streaming parser fed in pieces (sizes taken from the input itself) and
 * the queue-form parser must agree with each other and never read out of
 * bounds; any disagreement aborts. The first byte chooses the piece size
 * and is not part of the envelope.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope env = ENVELOPE_INIT, qenv = ENVELOPE_INIT;
	struct envelope_parser p;
	enum envelope_status whole, streamed;
	size_t chunk, off = 0, used, wused, total = 0;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 17 + 1;
	data++;
	size--;

	whole = envelope_parse(&env, data, size, &wused);
	if (wused > size)
		abort();

	envelope_parser_init(&p);
	streamed = ENVELOPE_MORE;
	while (off < size && streamed == ENVELOPE_MORE) {
		size_t n = size - off < chunk ? size - off : chunk;
		streamed = envelope_feed(&p, data + off, n, &used);
		if (used > n)
			abort();
		total += used;
		off += n;
	}
	if (streamed == ENVELOPE_MORE)
		streamed = envelope_finish(&p);
	if (streamed != whole || total != wused)
		abort();

	if (whole == ENVELOPE_DONE) {
		enum envelope_status queued;
		char *qbuf;
		size_t i;

		/* the recipients must be exactly the T records */
		if (env.rcpts.len != p.nrcpt || env.sender.data == NULL)
			abort();
		for (i = 0; i < env.rcpts.len; i++)
			if (strlen(env.rcpts.items[i]) > ENVELOPE_ADDR_MAX)
				abort();
		/* the same records as a queue file parse the same */
		qbuf = malloc(wused + 16);
		if (qbuf == NULL)
			abort();
		memcpy(qbuf, "u12\0p345\0", 9);
		memcpy(qbuf + 9, data, wused - 1);
		queued = envelope_parse_queue(&qenv, qbuf, 9 + wused - 1);
		if (queued != ENVELOPE_DONE || qenv.uid != 12 ||
		    qenv.pid != 345 || qenv.rcpts.len != env.rcpts.len ||
		    qenv.sender.len != env.sender.len ||
		    memcmp(qenv.sender.data, env.sender.data,
			env.sender.len) != 0)
			abort();
		free(qbuf);
	}
	/* and the raw input as a queue file must not crash either */
	(void)envelope_parse_queue(&qenv, data, size);
	envelope_free(&env);
	envelope_free(&qenv);
	return 0;
}
