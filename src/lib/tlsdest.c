/*
 * tlsdest.c - control/tlsdestinations and control/domaincerts. See
 * tlsdest.h.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "tlsdest.h"

struct key {
	char kind;	  /* 'g' general, else '!', '%', '=', '~', '-', 0 */
	enum tlsdest_level level;
	const char *dest; /* not NUL-terminated */
	size_t destlen;
	const char *value;
};

static const struct {
	const char *key;
	enum tlsdest_level level;
} general_keys[] = {
	/* in the order they are tried */
	{ "=*", TLSDEST_MUST_NAME },
	{ "~*", TLSDEST_MUST_WILD },
	{ "+*", TLSDEST_MUST_CERT },
	{ "-*", TLSDEST_MUST_ANON },
	{ "*", TLSDEST_VERIFY },
	{ "-", TLSDEST_ANON },
};
#define NGENERAL (sizeof general_keys / sizeof general_keys[0])

/* a file name, cipher list or similar: printable, no blanks, no '|' */
static bool
field_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '|' || s[i] == ';')
			return false;
	return true;
}

static bool
copy_field(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* a host name, ".suffix" (when SUFFIX_OK) or IPv4 address */
static bool
dest_ok(const char *s, size_t len, bool suffix_ok)
{
	size_t i;

	if (len == 0 || len > TLSDEST_FIELD_MAX)
		return false;
	if (s[0] == '.' && (!suffix_ok || len == 1))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != '_')
			return false;
	return true;
}

static bool
ipv6_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TLSDEST_FIELD_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
		    s[i] != '.')
			return false;
	return true;
}

static enum tlsdest_level
kind_level(char kind)
{
	switch (kind) {
	case '!':
		return TLSDEST_NEVER;
	case '%':
		return TLSDEST_PIN;
	case '=':
		return TLSDEST_MUST_NAME;
	case '~':
		return TLSDEST_MUST_WILD;
	case '-':
		return TLSDEST_MUST_ANON;
	default:
		return TLSDEST_MUST_CERT;
	}
}

static bool
split_key(const char *line, struct key *k)
{
	const char *rest = line, *end;
	size_t i;

	for (i = 0; i < NGENERAL; i++) {
		size_t n = strlen(general_keys[i].key);

		if (strncmp(line, general_keys[i].key, n) == 0 &&
		    line[n] == ':') {
			k->kind = 'g';
			k->level = general_keys[i].level;
			k->dest = line;
			k->destlen = n;
			k->value = line + n + 1;
			return true;
		}
	}
	k->kind = 0;
	if (strchr("!%=~-", *line) != NULL && *line != '\0') {
		k->kind = *line;
		rest = line + 1;
	}
	k->level = kind_level(k->kind);
	if (*rest == '[') {
		if ((end = strchr(rest, ']')) == NULL || end[1] != ':')
			return false;
		k->dest = rest + 1;
		k->destlen = (size_t)(end - rest - 1);
		k->value = end + 2;
		return ipv6_ok(k->dest, k->destlen);
	}
	if ((end = strchr(rest, ':')) == NULL)
		return false;
	k->dest = rest;
	k->destlen = (size_t)(end - rest);
	k->value = end + 1;
	return dest_ok(k->dest, k->destlen, k->kind != '%' && k->kind != '=');
}

static bool
parse_digits(const char *s, size_t len, unsigned long max,
    unsigned long *out)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n == 0 || n > max)
		return false;
	*out = n;
	return true;
}

const char *
tlsdest_fingerprint_alg(size_t len)
{
	switch (len) {
	case 40:
		return "sha1";
	case 56:
		return "sha224";
	case 64:
		return "sha256";
	case 128:
		return "sha512";
	default:
		return NULL;
	}
}

/* the first field: "cafile" or "=fingerprint" */
static bool
parse_ca(const char *s, size_t len, const struct key *k, struct tlsdest *out)
{
	size_t i;

	if (len > 0 && s[0] == '=') {
		/* pinning needs one destination */
		if (k->kind == 'g' || k->kind == '!' ||
		    tlsdest_fingerprint_alg(len - 1) == NULL)
			return false;
		for (i = 1; i < len; i++) {
			if (!isxdigit((unsigned char)s[i]))
				return false;
			out->fingerprint[i - 1] =
			    (char)tolower((unsigned char)s[i]);
		}
		out->fingerprint[len - 1] = '\0';
		out->level = TLSDEST_PIN;
		return true;
	}
	if (k->kind == '%')
		return false; /* "%dest" without a fingerprint */
	return field_ok(s, len) &&
	    copy_field(out->cafile, sizeof out->cafile, s, len);
}

/* "[verifydepth][;port]" */
static bool
parse_depth_port(const char *s, size_t len, struct tlsdest *out)
{
	const char *semi = memchr(s, ';', len);
	size_t dlen = semi ? (size_t)(semi - s) : len;
	unsigned long v;

	if (dlen > 0) {
		if (!parse_digits(s, dlen, 100, &v))
			return false;
		out->verifydepth = (unsigned)v;
	}
	if (semi == NULL)
		return true;
	return parse_digits(semi + 1, len - dlen - 1, 65535, &out->port);
}

static bool
parse_value(const struct key *k, struct tlsdest *out)
{
	const char *f[4], *v = k->value, *bar;
	size_t flen[4], n = 0, i;
	const char *semi;

	memset(out, 0, sizeof *out);
	out->level = k->level;
	if (k->kind == '!')
		return *v == '\0'; /* nothing to configure for "never" */
	for (;;) {
		if (n == 4)
			return false;
		bar = strchr(v, '|');
		f[n] = v;
		flen[n] = bar ? (size_t)(bar - v) : strlen(v);
		n++;
		if (bar == NULL)
			break;
		v = bar + 1;
	}
	/* the shortcut "[cafile];port" */
	if (n == 1 && (semi = memchr(f[0], ';', flen[0])) != NULL) {
		size_t calen = (size_t)(semi - f[0]);

		return parse_ca(f[0], calen, k, out) &&
		    parse_digits(semi + 1, flen[0] - calen - 1, 65535,
			&out->port);
	}
	if (!parse_ca(f[0], flen[0], k, out))
		return false;
	if (out->level == TLSDEST_PIN && out->fingerprint[0] == '\0')
		return false;
	if (n > 1 && !(field_ok(f[1], flen[1]) &&
			 copy_field(out->ciphers, sizeof out->ciphers, f[1],
			     flen[1])))
		return false;
	if (n > 2 && !parse_depth_port(f[2], flen[2], out))
		return false;
	if (n > 3) {
		if (!dest_ok(f[3], flen[3], false))
			return false;
		(void)copy_field(out->sender_domain, sizeof out->sender_domain,
		    f[3], flen[3]);
		for (i = 0; out->sender_domain[i]; i++)
			out->sender_domain[i] = (char)tolower(
			    (unsigned char)out->sender_domain[i]);
	}
	return true;
}

bool
tlsdest_parse_line(const char *line, struct tlsdest *out, char *dest)
{
	struct key k;

	if (!split_key(line, &k) || !parse_value(&k, out))
		return false;
	if (dest != NULL)
		(void)copy_field(dest, TLSDEST_FIELD_MAX + 1, k.dest,
		    k.kind == 'g' ? 0 : k.destlen);
	return true;
}

bool
tlsdest_check(const struct strlist *lines, size_t *bad)
{
	struct tlsdest t;
	size_t i;

	for (i = 0; i < lines->len; i++)
		if (!tlsdest_parse_line(lines->items[i], &t, NULL)) {
			*bad = i;
			return false;
		}
	return true;
}

static bool
sender_matches(const struct tlsdest *t, const char *sender_domain)
{
	return t->sender_domain[0] == '\0' ||
	    strcasecmp(t->sender_domain, sender_domain) == 0;
}

/* the first usable line of KIND whose destination is NAME (LEN bytes) */
static enum tlsdest_status
find_rule(const struct strlist *lines, char kind, const char *name,
    size_t len, const char *sender_domain, struct tlsdest *out)
{
	struct key k;
	size_t i;

	for (i = 0; i < lines->len; i++) {
		if (!split_key(lines->items[i], &k))
			return TLSDEST_INVALID;
		if (k.kind != kind || k.destlen != len ||
		    strncasecmp(k.dest, name, len) != 0)
			continue;
		if (!parse_value(&k, out))
			return TLSDEST_INVALID;
		if (sender_matches(out, sender_domain))
			return TLSDEST_FOUND;
	}
	return TLSDEST_NONE;
}

enum tlsdest_status
tlsdest_lookup(const struct strlist *lines, const char *host,
    const char *sender_domain, struct tlsdest *out)
{
	static const char kinds[] = { '!', '%', '=', '~', 0, '-' };
	size_t len = strlen(host), i, k;
	enum tlsdest_status st;

	memset(out, 0, sizeof *out);
	out->level = TLSDEST_DEFAULT;
	for (k = 0; k < sizeof kinds; k++) {
		bool suffixes = kinds[k] != '%' && kinds[k] != '=';

		for (i = 0; i < len; i++) {
			if (i > 0 && (!suffixes || host[i] != '.'))
				continue;
			st = find_rule(lines, kinds[k], host + i, len - i,
			    sender_domain, out);
			if (st != TLSDEST_NONE)
				return st;
		}
	}
	for (k = 0; k < NGENERAL; k++) {
		st = find_rule(lines, 'g', general_keys[k].key,
		    strlen(general_keys[k].key), sender_domain, out);
		if (st != TLSDEST_NONE)
			return st;
	}
	memset(out, 0, sizeof *out);
	out->level = TLSDEST_DEFAULT;
	return TLSDEST_NONE;
}

bool
domaincert_parse(const char *value, struct domaincert *out)
{
	const char *bar1 = strchr(value, '|'), *bar2 = NULL, *p;
	size_t certlen = bar1 ? (size_t)(bar1 - value) : strlen(value);

	memset(out, 0, sizeof *out);
	if (certlen == 0 || !field_ok(value, certlen) ||
	    !copy_field(out->certfile, sizeof out->certfile, value, certlen))
		return false;
	if (bar1 == NULL)
		return true;
	bar2 = strchr(bar1 + 1, '|');
	if (bar2 == NULL)
		bar2 = bar1 + 1 + strlen(bar1 + 1);
	if (!field_ok(bar1 + 1, (size_t)(bar2 - bar1 - 1)) ||
	    !copy_field(out->keyfile, sizeof out->keyfile, bar1 + 1,
		(size_t)(bar2 - bar1 - 1)))
		return false;
	if (*bar2 == '\0')
		return true;
	/* the password is the rest of the line, '|' included */
	for (p = bar2 + 1; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return false;
	return copy_field(out->password, sizeof out->password, bar2 + 1,
	    strlen(bar2 + 1));
}

static bool
domaincert_key(const char *line, const char **value, size_t *keylen)
{
	if (!ctl_split_key(line, value, keylen))
		return false;
	return (*keylen == 1 && line[0] == '*') ||
	    dest_ok(line, *keylen, true);
}

bool
domaincerts_check(const struct strlist *lines, size_t *bad)
{
	struct domaincert d;
	const char *value;
	size_t i, keylen;

	for (i = 0; i < lines->len; i++)
		if (!domaincert_key(lines->items[i], &value, &keylen) ||
		    !domaincert_parse(value, &d)) {
			*bad = i;
			return false;
		}
	return true;
}

enum tlsdest_status
domaincert_lookup(const struct strlist *lines, const char *domain,
    struct domaincert *out)
{
	const char *value = ctl_find_domain(lines, domain);

	if (value == NULL)
		value = ctl_find_key(lines, "*", 1);
	if (value == NULL)
		return TLSDEST_NONE;
	return domaincert_parse(value, out) ? TLSDEST_FOUND : TLSDEST_INVALID;
}
