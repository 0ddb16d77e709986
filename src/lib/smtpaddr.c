/*
 * smtpaddr.c - RFC 5321 envelope path parser. See smtpaddr.h.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "idn.h"
#include "smtpaddr.h"

struct cursor {
	const char *s;
	size_t len, i;
};

static int
peek(const struct cursor *c)
{
	return c->i < c->len ? (unsigned char)c->s[c->i] : -1;
}

static bool
is_atext(int ch)
{
	if (ch < 0)
		return false;
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch != 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

static bool
is_let_dig(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9');
}

/* domain: parses a host name or address literal into OUT (may be NULL
 * for a source route); stops at the first byte that cannot belong */
static enum smtpaddr_status
domain(struct cursor *c, bool utf8, struct strbuf *out, bool *literal,
    bool *nonascii)
{
	size_t start = c->i, label = 0, n;
	int ch;

	*literal = false;
	*nonascii = false;
	if (peek(c) == '[') {
		char buf[SMTPADDR_DOMAIN_MAX + 1];
		unsigned char ip[16];

		c->i++; /* the '[' */
		while (c->i < c->len && c->s[c->i] != ']') {
			ch = (unsigned char)c->s[c->i];
			if (ch <= ' ' || ch >= 127 || ch == '[' || ch == '\\')
				return SMTPADDR_SYNTAX;
			c->i++;
		}
		if (c->i >= c->len)
			return SMTPADDR_SYNTAX;
		c->i++;
		n = c->i - start;
		if (n > SMTPADDR_DOMAIN_MAX)
			return SMTPADDR_TOOLONG;
		memcpy(buf, c->s + start + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET, buf, ip) != 1 &&
		    !(strncasecmp(buf, "IPv6:", 5) == 0 &&
			inet_pton(AF_INET6, buf + 5, ip) == 1))
			return SMTPADDR_SYNTAX;
		*literal = true;
		if (out && !strbuf_append(out, c->s + start, n))
			return SMTPADDR_NOMEM;
		return SMTPADDR_OK;
	}
	for (;;) {
		ch = peek(c);
		if (is_let_dig(ch) || (ch >= 0x80 && utf8)) {
			if (ch >= 0x80)
				*nonascii = true;
			label++;
		} else if (ch >= 0x80) {
			return SMTPADDR_8BIT;
		} else if (ch == '-') {
			if (label == 0)
				return SMTPADDR_SYNTAX;
			label++;
		} else if (ch == '.') {
			if (label == 0 || c->s[c->i - 1] == '-')
				return SMTPADDR_SYNTAX;
			label = 0;
		} else {
			break;
		}
		if (label > 63)
			return SMTPADDR_TOOLONG;
		c->i++;
		if (c->i - start > SMTPADDR_DOMAIN_MAX + 1)
			return SMTPADDR_TOOLONG;
	}
	n = c->i - start;
	if (n == 0)
		return SMTPADDR_SYNTAX;
	if (c->s[c->i - 1] == '-')
		return SMTPADDR_SYNTAX;
	if (c->s[c->i - 1] == '.') {
		/* "a.b." is a fully qualified name; ".." was refused above */
		n--;
		if (n == 0)
			return SMTPADDR_SYNTAX;
	}
	if (n > SMTPADDR_DOMAIN_MAX)
		return SMTPADDR_TOOLONG;
	if (out && !strbuf_append(out, c->s + start, n))
		return SMTPADDR_NOMEM;
	return SMTPADDR_OK;
}

static enum smtpaddr_status
local_part(struct cursor *c, bool utf8, struct smtpaddr *a)
{
	size_t start = a->addr.len;
	int ch;

	if (peek(c) == '"') {
		c->i++;
		for (;;) {
			ch = peek(c);
			if (ch < 0)
				return SMTPADDR_SYNTAX;
			c->i++;
			if (ch == '"')
				break;
			if (ch == '\\') {
				ch = peek(c);
				if (ch < 0)
					return SMTPADDR_SYNTAX;
				c->i++;
			}
			if (ch < ' ' || ch == 127)
				return SMTPADDR_SYNTAX;
			if (ch >= 0x80 && !utf8)
				return SMTPADDR_8BIT;
			if (!strbuf_appendc(&a->addr, (char)ch))
				return SMTPADDR_NOMEM;
			if (a->addr.len - start > SMTPADDR_LOCAL_MAX)
				return SMTPADDR_TOOLONG;
		}
	} else {
		for (;;) {
			ch = peek(c);
			if (ch >= 0x80 && !utf8)
				return SMTPADDR_8BIT;
			if (!is_atext(ch) && ch != '.' && ch < 0x80)
				break;
			c->i++;
			if (!strbuf_appendc(&a->addr, (char)ch))
				return SMTPADDR_NOMEM;
			if (a->addr.len - start > SMTPADDR_LOCAL_MAX)
				return SMTPADDR_TOOLONG;
		}
	}
	if (a->addr.len == start)
		return SMTPADDR_SYNTAX;
	if (!idn_utf8_valid(a->addr.data + start, a->addr.len - start))
		return SMTPADDR_SYNTAX;
	return SMTPADDR_OK;
}

enum smtpaddr_status
smtpaddr_parse(struct smtpaddr *a, const char *s, size_t len, bool utf8,
    size_t *rest)
{
	struct cursor c = { s, len, 0 };
	enum smtpaddr_status st;
	bool angle = false, lit, nonascii;
	size_t i;

	a->addr.len = 0;
	a->at = 0;
	a->utf8 = a->routing = a->literal = false;
	if (!strbuf_terminate(&a->addr))
		return SMTPADDR_NOMEM;
	while (peek(&c) == ' ')
		c.i++;
	if (peek(&c) == '<') {
		angle = true;
		c.i++;
		if (peek(&c) == '>') {
			c.i++;
			*rest = c.i;
			return SMTPADDR_OK;
		}
		/* source route: @a,@b: (RFC 5321 4.1.2, to be ignored) */
		if (peek(&c) == '@') {
			for (;;) {
				c.i++; /* the '@' */
				st = domain(&c, utf8, NULL, &lit, &nonascii);
				if (st != SMTPADDR_OK)
					return st;
				if (peek(&c) == ':')
					break;
				if (peek(&c) != ',')
					return SMTPADDR_SYNTAX;
				c.i++;
				if (peek(&c) != '@')
					return SMTPADDR_SYNTAX;
			}
			c.i++; /* the ':' */
		}
	}
	if ((st = local_part(&c, utf8, a)) != SMTPADDR_OK)
		return st;
	a->at = a->addr.len;
	if (peek(&c) == '@') {
		c.i++;
		if (!strbuf_appendc(&a->addr, '@'))
			return SMTPADDR_NOMEM;
		st = domain(&c, utf8, &a->addr, &lit, &nonascii);
		if (st != SMTPADDR_OK)
			return st;
		a->literal = lit;
		if (nonascii) {
			struct strbuf ascii = STRBUF_INIT;
			bool ok = idn_domain_to_ascii(a->addr.data + a->at + 1,
			    &ascii);

			strbuf_free(&ascii);
			if (!ok)
				return SMTPADDR_BADIDN;
		}
	}
	if (angle) {
		if (peek(&c) != '>')
			return SMTPADDR_SYNTAX;
		c.i++;
	}
	if (c.i < c.len && c.s[c.i] != ' ')
		return SMTPADDR_SYNTAX;
	for (i = 0; i < a->addr.len; i++) {
		unsigned char ch = (unsigned char)a->addr.data[i];

		if (ch >= 0x80)
			a->utf8 = true;
		if (i < a->at && (ch == '@' || ch == '%' || ch == '!'))
			a->routing = true;
	}
	*rest = c.i;
	return SMTPADDR_OK;
}

const char *
smtpaddr_domain(const struct smtpaddr *a)
{
	if (a->addr.data == NULL || a->at >= a->addr.len)
		return "";
	return a->addr.data + a->at + 1;
}

void
smtpaddr_free(struct smtpaddr *a)
{
	strbuf_free(&a->addr);
}
