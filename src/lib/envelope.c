/*
 * envelope.c - qmail-queue's envelope format. See envelope.h.
 *
 * The rules are qmail-queue's: the first record must be F, every later one
 * T, each ends at a NUL, and an empty record (a lone NUL) ends the
 * envelope. The only change is the address limit, 1000 bytes as
 * doc/INTERNALS.md says (qmail allowed 1002).
 */
#include <errno.h>
#include <string.h>

#include "envelope.h"

enum {
	ST_FIRST,  /* expecting 'F' */
	ST_RECORD, /* expecting 'T' or the final NUL */
	ST_SENDER, /* inside the sender address */
	ST_RCPT,   /* inside a recipient address */
	ST_DONE,
	ST_TOOLONG,
	ST_FORMAT
};

void
envelope_parser_init(struct envelope_parser *p)
{
	p->state = ST_FIRST;
	p->addrlen = 0;
	p->nrcpt = 0;
}

static enum envelope_status
sticky(const struct envelope_parser *p)
{
	switch (p->state) {
	case ST_DONE:
		return ENVELOPE_DONE;
	case ST_TOOLONG:
		return ENVELOPE_TOOLONG;
	case ST_FORMAT:
		return ENVELOPE_FORMAT;
	default:
		return ENVELOPE_MORE;
	}
}

enum envelope_status
envelope_feed(struct envelope_parser *p, const void *buf, size_t len,
    size_t *used)
{
	const unsigned char *s = buf;
	const unsigned char *nul;
	size_t i = 0, room, span;

	*used = 0;
	if (sticky(p) != ENVELOPE_MORE)
		return sticky(p);
	while (i < len) {
		switch (p->state) {
		case ST_FIRST:
			if (s[i] != 'F') {
				p->state = ST_FORMAT;
				goto out;
			}
			p->state = ST_SENDER;
			p->addrlen = 0;
			i++;
			break;
		case ST_RECORD:
			if (s[i] == '\0') {
				p->state = ST_DONE;
				i++;
				goto out;
			}
			if (s[i] != 'T') {
				p->state = ST_FORMAT;
				goto out;
			}
			p->state = ST_RCPT;
			p->addrlen = 0;
			i++;
			break;
		default: /* inside an address: find its end, bounded */
			room = ENVELOPE_ADDR_MAX - p->addrlen;
			span = len - i;
			nul = memchr(s + i, '\0', span);
			if (nul != NULL)
				span = (size_t)(nul - (s + i));
			if (span > room) {
				i += room;
				p->state = ST_TOOLONG;
				goto out;
			}
			p->addrlen += span;
			i += span;
			if (nul != NULL) {
				if (p->state == ST_RCPT)
					p->nrcpt++;
				p->state = ST_RECORD;
				i++;
			}
			break;
		}
	}
out:
	*used = i;
	return sticky(p);
}

enum envelope_status
envelope_finish(const struct envelope_parser *p)
{
	enum envelope_status st = sticky(p);

	return st == ENVELOPE_MORE ? ENVELOPE_TRUNCATED : st;
}

/* split_records: fills ENV from already validated records F..\0 T..\0 */
static enum envelope_status
split_records(struct envelope *env, const char *s, size_t len)
{
	const char *end = s + len, *nul;

	while (s < end) {
		nul = memchr(s, '\0', (size_t)(end - s));
		if (nul == NULL) /* cannot happen: the parser checked */
			return ENVELOPE_FORMAT;
		if (*s == 'F') {
			if (!strbuf_copy(&env->sender, s + 1,
				(size_t)(nul - s - 1)))
				return ENVELOPE_NOMEM;
		} else if (!strlist_push(&env->rcpts, s + 1,
			       (size_t)(nul - s - 1))) {
			return ENVELOPE_NOMEM;
		}
		s = nul + 1;
	}
	return ENVELOPE_DONE;
}

static void
envelope_clear(struct envelope *env)
{
	envelope_free(env);
	env->uid = env->pid = 0;
}

enum envelope_status
envelope_parse(struct envelope *env, const void *buf, size_t len,
    size_t *used)
{
	struct envelope_parser p;
	enum envelope_status st;

	envelope_clear(env);
	envelope_parser_init(&p);
	st = envelope_feed(&p, buf, len, used);
	if (st == ENVELOPE_MORE)
		return ENVELOPE_TRUNCATED;
	if (st != ENVELOPE_DONE)
		return st;
	if (!strbuf_terminate(&env->sender))
		return ENVELOPE_NOMEM;
	/* the records, without the final NUL */
	st = split_records(env, buf, *used - 1);
	if (st != ENVELOPE_DONE)
		envelope_clear(env);
	return st;
}

/* queue_number: parses "<tag><digits>\0" at *S; advances *S past it */
static bool
queue_number(const char **s, const char *end, char tag, unsigned long *out)
{
	const char *p = *s;
	unsigned long n = 0;
	size_t digits = 0;

	if (p >= end || *p++ != tag)
		return false;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, (unsigned long)(*p - '0'), &n))
			return false;
	if (digits == 0 || p >= end || *p != '\0')
		return false;
	*s = p + 1;
	*out = n;
	return true;
}

enum envelope_status
envelope_parse_queue(struct envelope *env, const void *buf, size_t len)
{
	const char *s = buf, *end = s + len;
	struct envelope_parser p;
	enum envelope_status st;
	unsigned long uid, pid;
	size_t used;

	envelope_clear(env);
	if (!queue_number(&s, end, 'u', &uid) ||
	    !queue_number(&s, end, 'p', &pid))
		return s >= end ? ENVELOPE_TRUNCATED : ENVELOPE_FORMAT;
	/* the records end at end of file: feed them, then the final NUL
	 * the client form would have had */
	envelope_parser_init(&p);
	st = envelope_feed(&p, s, (size_t)(end - s), &used);
	if (st == ENVELOPE_DONE) /* a NUL where a record should start */
		return ENVELOPE_FORMAT;
	if (st != ENVELOPE_MORE)
		return st;
	if (p.state != ST_RECORD)
		return ENVELOPE_TRUNCATED;
	st = envelope_feed(&p, "", 1, &used);
	if (st != ENVELOPE_DONE)
		return ENVELOPE_FORMAT;
	if (!strbuf_terminate(&env->sender))
		return ENVELOPE_NOMEM;
	st = split_records(env, s, (size_t)(end - s));
	if (st != ENVELOPE_DONE) {
		envelope_clear(env);
		return st;
	}
	env->uid = uid;
	env->pid = pid;
	return ENVELOPE_DONE;
}

void
envelope_free(struct envelope *env)
{
	strbuf_free(&env->sender);
	strlist_free(&env->rcpts);
}

const char *
envelope_strerror(enum envelope_status st)
{
	switch (st) {
	case ENVELOPE_MORE:
		return "envelope incomplete";
	case ENVELOPE_DONE:
		return "envelope complete";
	case ENVELOPE_TOOLONG:
		return "envelope address too long";
	case ENVELOPE_FORMAT:
		return "envelope format error";
	case ENVELOPE_TRUNCATED:
		return "envelope truncated";
	case ENVELOPE_NOMEM:
		return "out of memory";
	}
	return "unknown envelope status";
}
