/*
 * smtpcmd.c - SMTP command line parsing. See smtpcmd.h.
 */
#include <string.h>
#include <strings.h>

#include "smtpcmd.h"

static const struct {
	const char *name;
	enum smtpcmd cmd;
} verbs[] = {
	{ "HELO", SMTPCMD_HELO },
	{ "EHLO", SMTPCMD_EHLO },
	{ "MAIL", SMTPCMD_MAIL },
	{ "RCPT", SMTPCMD_RCPT },
	{ "DATA", SMTPCMD_DATA },
	{ "RSET", SMTPCMD_RSET },
	{ "NOOP", SMTPCMD_NOOP },
	{ "QUIT", SMTPCMD_QUIT },
	{ "VRFY", SMTPCMD_VRFY },
	{ "EXPN", SMTPCMD_EXPN },
	{ "HELP", SMTPCMD_HELP },
	{ "STARTTLS", SMTPCMD_STARTTLS },
	{ "AUTH", SMTPCMD_AUTH },
	{ "BDAT", SMTPCMD_BDAT },
};

enum smtpcmd_status
smtpcmd_parse(const char *line, size_t len, enum smtpcmd *cmd, size_t *arg,
    size_t *arglen)
{
	size_t i, v;

	*cmd = SMTPCMD_UNKNOWN;
	*arg = *arglen = 0;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\0')
			return SMTPCMD_NUL;
		if ((ch < ' ' && ch != '\t') || ch == 127)
			return SMTPCMD_CTRL;
	}
	if (len == 0)
		return SMTPCMD_EMPTY;
	for (v = 0; v < len && line[v] != ' '; v++)
		;
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strlen(verbs[i].name) == v &&
		    strncasecmp(line, verbs[i].name, v) == 0) {
			*cmd = verbs[i].cmd;
			break;
		}
	if (v < len) {
		*arg = v + 1;
		*arglen = len - v - 1;
	} else {
		*arg = len;
	}
	return SMTPCMD_OK;
}

const char *
smtpcmd_name(enum smtpcmd cmd)
{
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (verbs[i].cmd == cmd)
			return verbs[i].name;
	return "?";
}

size_t
smtpcmd_prefix(const char *arg, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	if (len < n || strncasecmp(arg, prefix, n) != 0)
		return 0;
	return n;
}

static bool
scan_size(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (unsigned)(s[i] - '0'), &v))
			return false;
	}
	*out = v;
	return true;
}

static bool
key_is(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && strncasecmp(k, name, klen) == 0;
}

static bool
val_is(const char *v, size_t vlen, const char *name)
{
	return key_is(v, vlen, name);
}

enum smtpcmd_param_status
smtpcmd_mail_params(const char *s, size_t len, struct smtpcmd_mailparams *p)
{
	size_t i = 0, start, klen, vlen;
	const char *key, *val;

	memset(p, 0, sizeof *p);
	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		key = s + start;
		val = memchr(key, '=', i - start);
		klen = val ? (size_t)(val - key) : i - start;
		vlen = val ? i - start - klen - 1 : 0;
		if (val)
			val++;
		if (klen == 0)
			return SMTPCMD_PARAM_SYNTAX;
		if (key_is(key, klen, "SIZE")) {
			if (p->has_size || val == NULL ||
			    !scan_size(val, vlen, &p->size))
				return SMTPCMD_PARAM_SYNTAX;
			p->has_size = true;
		} else if (key_is(key, klen, "BODY")) {
			if (p->body != SMTPCMD_BODY_NONE || val == NULL)
				return SMTPCMD_PARAM_SYNTAX;
			if (val_is(val, vlen, "7BIT"))
				p->body = SMTPCMD_BODY_7BIT;
			else if (val_is(val, vlen, "8BITMIME"))
				p->body = SMTPCMD_BODY_8BITMIME;
			else
				return SMTPCMD_PARAM_SYNTAX;
		} else if (key_is(key, klen, "SMTPUTF8")) {
			if (p->smtputf8 || val != NULL)
				return SMTPCMD_PARAM_SYNTAX;
			p->smtputf8 = true;
		} else if (key_is(key, klen, "AUTH")) {
			/* RFC 4954 5: may be ignored; we trust no claim */
			if (val == NULL)
				return SMTPCMD_PARAM_SYNTAX;
		} else {
			return SMTPCMD_PARAM_UNKNOWN;
		}
	}
	return SMTPCMD_PARAM_OK;
}

enum smtpcmd_param_status
smtpcmd_rcpt_params(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ')
			return SMTPCMD_PARAM_UNKNOWN;
	return SMTPCMD_PARAM_OK;
}
