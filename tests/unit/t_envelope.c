/* t_envelope.c - unit tests for the envelope parser (src/lib/envelope.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "tap.h"

#define E(s) s, sizeof(s) - 1 /* a literal with embedded NULs */

struct client_case {
	const char *name;
	const char *input;
	size_t len;
	enum envelope_status want;
	size_t used;	    /* *used after the whole input */
	const char *sender; /* when DONE */
	size_t nrcpt;
	const char *last; /* last recipient, when any */
};

static const struct client_case client_cases[] = {
	{ "sender and one rcpt", E("Fa@b\0Tc@d\0\0"), ENVELOPE_DONE, 11,
	    "a@b", 1, "c@d" },
	{ "null sender", E("F\0Tc@d\0\0"), ENVELOPE_DONE, 8, "", 1, "c@d" },
	{ "no recipients", E("Fa@b\0\0"), ENVELOPE_DONE, 6, "a@b", 0, NULL },
	{ "three recipients", E("Fs\0Tx\0Ty\0Tz\0\0"), ENVELOPE_DONE, 13, "s",
	    3, "z" },
	{ "empty recipient", E("Fs\0T\0\0"), ENVELOPE_DONE, 6, "s", 1, "" },
	{ "bytes after the end ignored", E("Fs\0Tr\0\0garbage"),
	    ENVELOPE_DONE, 7, "s", 1, "r" },
	{ "any non-NUL byte in addresses", E("F\n\r\xff\0T \t<>\0\0"),
	    ENVELOPE_DONE, 12, "\n\r\xff", 1, " \t<>" },
	{ "empty input", E(""), ENVELOPE_TRUNCATED, 0, NULL, 0, NULL },
	{ "missing final NUL", E("Fa@b\0Tc@d\0"), ENVELOPE_TRUNCATED, 10,
	    NULL, 0, NULL },
	{ "cut inside sender", E("Fa@"), ENVELOPE_TRUNCATED, 3, NULL, 0,
	    NULL },
	{ "cut inside recipient", E("Fa\0Tc@"), ENVELOPE_TRUNCATED, 6, NULL,
	    0, NULL },
	{ "no F", E("Tc@d\0\0"), ENVELOPE_FORMAT, 0, NULL, 0, NULL },
	{ "lone NUL", E("\0"), ENVELOPE_FORMAT, 0, NULL, 0, NULL },
	{ "lower-case f", E("fa\0\0"), ENVELOPE_FORMAT, 0, NULL, 0, NULL },
	{ "second F", E("Fa\0Fb\0\0"), ENVELOPE_FORMAT, 3, NULL, 0, NULL },
	{ "garbage record", E("Fa\0Xb\0\0"), ENVELOPE_FORMAT, 3, NULL, 0,
	    NULL },
	{ "queue form is not client form", E("u0\0p1\0Fa\0\0"),
	    ENVELOPE_FORMAT, 0, NULL, 0, NULL },
	{ "garbage", E("GET / HTTP/1.0\r\n\r\n"), ENVELOPE_FORMAT, 0, NULL, 0,
	    NULL },
};

/* feed: runs the streaming parser over IN in pieces of CHUNK bytes */
static enum envelope_status
feed(const char *in, size_t len, size_t chunk, size_t *total)
{
	struct envelope_parser p;
	size_t off = 0, used;

	envelope_parser_init(&p);
	*total = 0;
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		enum envelope_status st = envelope_feed(&p, in + off, n, &used);

		*total += used;
		off += n;
		if (st != ENVELOPE_MORE)
			return st;
	}
	return envelope_finish(&p);
}

static void
test_client(void)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4096 };
	struct envelope env = ENVELOPE_INIT;
	size_t i, j, used;
	char name[200];

	for (i = 0; i < sizeof client_cases / sizeof client_cases[0]; i++) {
		const struct client_case *c = &client_cases[i];
		enum envelope_status st;

		st = envelope_parse(&env, c->input, c->len, &used);
		is_num(st, c->want, c->name);
		snprintf(name, sizeof name, "%s: used", c->name);
		is_num((long long)used, (long long)c->used, name);
		if (c->want == ENVELOPE_DONE) {
			snprintf(name, sizeof name, "%s: sender", c->name);
			is_str(env.sender.data, c->sender, name);
			snprintf(name, sizeof name, "%s: nrcpt", c->name);
			is_num((long long)env.rcpts.len, (long long)c->nrcpt,
			    name);
			if (c->last) {
				snprintf(name, sizeof name, "%s: last",
				    c->name);
				is_str(env.rcpts.items[env.rcpts.len - 1],
				    c->last, name);
			}
		} else {
			snprintf(name, sizeof name, "%s: nothing kept",
			    c->name);
			ok(env.rcpts.len == 0 && env.sender.len == 0, "%s",
			    name);
		}
		for (j = 0; j < sizeof chunks / sizeof chunks[0]; j++) {
			size_t total;

			st = feed(c->input, c->len, chunks[j], &total);
			snprintf(name, sizeof name, "%s: streamed by %zu",
			    c->name, chunks[j]);
			ok(st == c->want && total == c->used, "%s", name);
		}
	}
	envelope_free(&env);
}

/* test_limits: addresses of exactly ENVELOPE_ADDR_MAX bytes pass, one more
 * fails, for the sender and for a recipient, whole and byte by byte */
static void
test_limits(void)
{
	size_t max = ENVELOPE_ADDR_MAX, len, used, total;
	struct envelope env = ENVELOPE_INIT;
	enum envelope_status st;
	char *buf = malloc(2 * max + 32);
	int sender;

	if (buf == NULL)
		exit(2);
	for (sender = 0; sender <= 1; sender++) {
		size_t extra;

		for (extra = 0; extra <= 1; extra++) {
			len = 0;
			if (!sender) {
				memcpy(buf, "Fs\0", 3);
				len = 3;
			}
			buf[len++] = sender ? 'F' : 'T';
			memset(buf + len, 'x', max + extra);
			len += max + extra;
			buf[len++] = '\0';
			if (sender) {
				memcpy(buf + len, "Tr\0", 3);
				len += 3;
			}
			buf[len++] = '\0';
			st = envelope_parse(&env, buf, len, &used);
			is_num(st, extra ? ENVELOPE_TOOLONG : ENVELOPE_DONE,
			    sender ? (extra ? "sender of max+1 bytes"
					    : "sender of max bytes")
				   : (extra ? "recipient of max+1 bytes"
					    : "recipient of max bytes"));
			if (extra)
				is_num((long long)used,
				    (long long)((sender ? 1 : 4) + max),
				    "stops at the first byte too many");
			else if (sender)
				is_num((long long)env.sender.len,
				    (long long)max, "sender kept whole");
			else
				is_num((long long)strlen(env.rcpts.items[0]),
				    (long long)max, "recipient kept whole");
			st = feed(buf, len, 1, &total);
			is_num(st, extra ? ENVELOPE_TOOLONG : ENVELOPE_DONE,
			    "same result byte by byte");
		}
	}
	/* a long address split over many feeds is still counted whole */
	memset(buf, 'x', 2 * max);
	{
		struct envelope_parser p;

		envelope_parser_init(&p);
		envelope_feed(&p, "F", 1, &used);
		st = envelope_feed(&p, buf, max / 2, &used);
		is_num(st, ENVELOPE_MORE, "half an address");
		st = envelope_feed(&p, buf, max / 2 + 1, &used);
		is_num(st, ENVELOPE_TOOLONG, "two halves plus one");
		is_num((long long)used, (long long)(max - max / 2),
		    "used stops at the limit");
		st = envelope_feed(&p, "\0\0", 2, &used);
		is_num(st, ENVELOPE_TOOLONG, "errors are sticky");
		is_num((long long)used, 0, "nothing used after an error");
		is_num(envelope_finish(&p), ENVELOPE_TOOLONG,
		    "finish keeps the error");
	}
	envelope_free(&env);
	free(buf);
}

static void
test_counts(void)
{
	struct envelope_parser p;
	size_t used;

	envelope_parser_init(&p);
	is_num(envelope_feed(&p, E("Fs\0Ta\0Tb\0"), &used), ENVELOPE_MORE,
	    "two rcpts, not yet ended");
	is_num((long long)p.nrcpt, 2, "nrcpt counts complete recipients");
	is_num(envelope_feed(&p, E("\0tail"), &used), ENVELOPE_DONE,
	    "then the final NUL");
	is_num((long long)used, 1, "used ends at the final NUL");
	is_num(envelope_feed(&p, E("Tc\0"), &used), ENVELOPE_DONE,
	    "done is sticky");
	is_num((long long)used, 0, "nothing used once done");
	is_num(envelope_finish(&p), ENVELOPE_DONE, "finish after done");
}

static void
test_queue(void)
{
	static const struct {
		const char *name, *input;
		size_t len;
		enum envelope_status want;
		unsigned long uid, pid;
		size_t nrcpt;
	} cases[] = {
		{ "queue file", E("u0\0p123\0Fa@b\0Tc@d\0Te@f\0"),
		    ENVELOPE_DONE, 0, 123, 2 },
		{ "no recipients", E("u1000\0p7\0F\0"), ENVELOPE_DONE, 1000, 7,
		    0 },
		{ "recipients already done (D) are foreign here",
		    E("u1\0p2\0Fa\0Db\0"), ENVELOPE_FORMAT, 0, 0, 0 },
		{ "missing u", E("p2\0Fa\0"), ENVELOPE_FORMAT, 0, 0, 0 },
		{ "empty uid", E("u\0p2\0Fa\0"), ENVELOPE_FORMAT, 0, 0, 0 },
		{ "signed uid", E("u-1\0p2\0Fa\0"), ENVELOPE_FORMAT, 0, 0, 0 },
		{ "uid overflow", E("u99999999999999999999999\0p2\0Fa\0"),
		    ENVELOPE_FORMAT, 0, 0, 0 },
		{ "client terminator inside", E("u1\0p2\0Fa\0\0"),
		    ENVELOPE_FORMAT, 0, 0, 0 },
		{ "cut in a record", E("u1\0p2\0Fa\0Tb"), ENVELOPE_TRUNCATED, 0,
		    0, 0 },
		{ "no F record", E("u1\0p2\0"), ENVELOPE_TRUNCATED, 0, 0, 0 },
		{ "empty file", E(""), ENVELOPE_TRUNCATED, 0, 0, 0 },
	};
	struct envelope env = ENVELOPE_INIT;
	enum envelope_status st;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		st = envelope_parse_queue(&env, cases[i].input, cases[i].len);
		is_num(st, cases[i].want, cases[i].name);
		if (st != ENVELOPE_DONE)
			continue;
		is_num((long long)env.uid, (long long)cases[i].uid, "uid");
		is_num((long long)env.pid, (long long)cases[i].pid, "pid");
		is_num((long long)env.rcpts.len, (long long)cases[i].nrcpt,
		    "nrcpt");
	}
	st = envelope_parse_queue(&env, E("u5\0p6\0Fs@x\0Tr@y\0"));
	is_num(st, ENVELOPE_DONE, "queue file parsed");
	is_str(env.sender.data, "s@x", "queue sender");
	is_str(env.rcpts.len ? env.rcpts.items[0] : NULL, "r@y",
	    "queue recipient");
	envelope_free(&env);
	is_str(envelope_strerror(ENVELOPE_TOOLONG),
	    "envelope address too long", "strerror");
}

int
main(void)
{
	test_client();
	test_limits();
	test_counts();
	test_queue();
	return done_testing();
}
