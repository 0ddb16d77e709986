/*
 * netstring.c - bounded netstring decoder. See netstring.h.
 */
#include <errno.h>

#include "netstring.h"

enum { NS_LEN, NS_BODY, NS_COMMA, NS_END };

void
netstring_start(struct netstring *ns, struct strbuf *out, size_t max)
{
	size_t m;

	ns->max = max;
	for (ns->maxdigits = 1, m = max; m >= 10; m /= 10)
		ns->maxdigits++;
	ns->len = ns->digits = 0;
	ns->state = NS_LEN;
	ns->out = out;
	strbuf_truncate(out, 0);
}

enum netstring_status
netstring_feed(struct netstring *ns, unsigned char c)
{
	switch (ns->state) {
	case NS_LEN:
		if (c == ':') {
			if (ns->digits == 0)
				goto garbage;
			ns->state = ns->len ? NS_BODY : NS_COMMA;
			if (!strbuf_terminate(ns->out))
				return NETSTRING_IOERR;
			return NETSTRING_MORE;
		}
		/* at most MAXDIGITS digits, so LEN never overflows */
		if (c < '0' || c > '9' || ++ns->digits > ns->maxdigits)
			goto garbage;
		ns->len = ns->len * 10 + (size_t)(c - '0');
		if (ns->len > ns->max)
			goto garbage;
		return NETSTRING_MORE;
	case NS_BODY:
		if (!strbuf_appendc(ns->out, (char)c))
			return NETSTRING_IOERR;
		if (--ns->len == 0)
			ns->state = NS_COMMA;
		return NETSTRING_MORE;
	case NS_COMMA:
		if (c != ',')
			goto garbage;
		ns->state = NS_END;
		return NETSTRING_DONE;
	default:
		goto garbage;
	}
garbage:
	ns->state = NS_END;
	return NETSTRING_GARBAGE;
}

enum netstring_status
netstring_get(struct iobuf *in, struct strbuf *out, size_t max)
{
	struct netstring ns;
	enum netstring_status st;
	int c;

	netstring_start(&ns, out, max);
	do {
		if ((c = iobuf_getc(in)) < 0) {
			if (c == -2 && errno == ETIMEDOUT)
				return NETSTRING_TIMEOUT;
			return c == -1 ? NETSTRING_EOF : NETSTRING_IOERR;
		}
		st = netstring_feed(&ns, (unsigned char)c);
	} while (st == NETSTRING_MORE);
	return st;
}
