/*
 * recipients.c - control/recipients lookups; see recipients.h.
 *
 * s/qmail compares a "domain:" line with the tail of the recipient's
 * domain byte-wise, so "example.com:" also covered "badexample.com"; here
 * the tail must start at a label boundary. s/qmail also skipped a cdb it
 * could not open, which turns a typo into 550 for every recipient; here
 * that is a temporary failure.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "cdbx.h"
#include "checkpw.h"
#include "policy.h"
#include "recipients.h"

struct keys {
	struct strbuf addr; /* qualified address, as given */
	struct strbuf key; /* ":" + lower-cased address */
	struct strbuf vaddr; /* VERP form "prefix-@domain", or empty */
	struct strbuf vkey; /* ":" + lower-cased vaddr, or empty */
	const char *domain; /* lower-case, inside key */
};

static void
keys_free(struct keys *k)
{
	strbuf_free(&k->addr);
	strbuf_free(&k->key);
	strbuf_free(&k->vaddr);
	strbuf_free(&k->vkey);
}

static bool
keys_make(struct keys *k, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t local = at ? (size_t)(at - addr) : strlen(addr), i;

	if (!strbuf_copys(&k->addr, addr) ||
	    (at == NULL && !strbuf_appends(&k->addr, "@localhost")))
		return false;
	if (!strbuf_copys(&k->key, ":") ||
	    !strbuf_append(&k->key, k->addr.data, k->addr.len))
		return false;
	strbuf_lower(&k->key);
	k->domain = k->key.data + 1 + local + 1;
	if (!strbuf_terminate(&k->vaddr) || !strbuf_terminate(&k->vkey))
		return false;
	for (i = 0; i < local; i++)
		if (addr[i] == RECIPIENTS_BREAK)
			break;
	if (i < local) {
		if (!strbuf_copy(&k->vaddr, addr, i + 1) ||
		    !strbuf_appendc(&k->vaddr, '@') ||
		    !strbuf_appends(&k->vaddr, k->domain) ||
		    !strbuf_copys(&k->vkey, ":") ||
		    !strbuf_append(&k->vkey, k->vaddr.data, k->vaddr.len))
			return false;
		strbuf_lower(&k->vkey);
	}
	return true;
}

static enum recipients_result
lookup_cdb(const char *path, const struct keys *k)
{
	struct strbuf val = STRBUF_INIT;
	enum cdbx_status st;
	struct cdbx *db;

	if ((db = cdbx_open(path)) == NULL)
		return RECIPIENTS_TEMP;
	st = cdbx_find(db, k->key.data, k->key.len, &val);
	if (st == CDBX_NOTFOUND && k->vkey.len > 0)
		st = cdbx_find(db, k->vkey.data, k->vkey.len, &val);
	cdbx_close(db);
	strbuf_free(&val);
	if (st == CDBX_ERROR)
		return RECIPIENTS_TEMP;
	return st == CDBX_FOUND ? RECIPIENTS_CDB : RECIPIENTS_NOTFOUND;
}

/* ask: runs ARGV with "ADDR\0\0\0" on fd 3 */
static enum recipients_result
ask(char *const argv[], const struct strbuf *addr, unsigned timeout)
{
	char data[CHECKPW_MAX];
	int code;

	if (addr->len + 3 > sizeof data)
		return RECIPIENTS_NOTFOUND; /* no mailbox has such a name */
	memcpy(data, addr->data, addr->len);
	memset(data + addr->len, 0, 3);
	if (checkpw_run(argv, data, addr->len + 3, timeout, &code) ==
	    CHECKPW_OK)
		return RECIPIENTS_PAM;
	return (code == 111 || code < 0) ? RECIPIENTS_TEMP
					 : RECIPIENTS_NOTFOUND;
}

static enum recipients_result
lookup_program(const char *cmd, const struct keys *k, unsigned timeout)
{
	char *argv[RECIPIENTS_ARGS_MAX + 1];
	struct strbuf copy = STRBUF_INIT;
	enum recipients_result r;
	size_t n = 0;
	char *p;

	if (!strbuf_copys(&copy, cmd))
		return RECIPIENTS_TEMP;
	for (p = copy.data; *p != '\0' && n < RECIPIENTS_ARGS_MAX;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	argv[n] = NULL;
	if (n == 0) {
		strbuf_free(&copy);
		errno = EINVAL;
		return RECIPIENTS_TEMP; /* "dom|" is a broken file */
	}
	r = ask(argv, &k->addr, timeout);
	if (r == RECIPIENTS_NOTFOUND && k->vaddr.len > 0)
		r = ask(argv, &k->vaddr, timeout);
	strbuf_free(&copy);
	return r;
}

/* domain_matches: SPEC (LEN bytes: "@dom", "dom" or "*") covers DOMAIN */
static bool
domain_matches(const char *spec, size_t len, const char *domain)
{
	char buf[256];

	if (len == 1 && spec[0] == '*')
		return true;
	if (len > 0 && spec[0] == '@') {
		return len - 1 == strlen(domain) &&
		    strncasecmp(spec + 1, domain, len - 1) == 0;
	}
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, spec, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] + 32);
	return policy_domain_tail(domain, buf);
}

enum recipients_result
recipients_check(
    const struct strlist *lines, const char *addr, unsigned timeout)
{
	struct keys k = {
	    STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, NULL};
	enum recipients_result r = RECIPIENTS_NOTFOUND;
	bool seenhost = false;
	size_t i;

	if (lines->len == 0)
		return RECIPIENTS_PASS;
	if (!keys_make(&k, addr)) {
		keys_free(&k);
		return RECIPIENTS_TEMP;
	}
	for (i = 0; i < lines->len && r == RECIPIENTS_NOTFOUND; i++) {
		const char *l = lines->items[i];
		size_t sep = strcspn(l, ":|");

		if (l[0] == '!') {
			if (strcmp(l, "!*") == 0) {
				if (!seenhost)
					r = RECIPIENTS_PASS;
			} else if (strcasecmp(l + 1, k.domain) == 0) {
				r = RECIPIENTS_WILD;
			}
			continue;
		}
		if (l[sep] == '\0') {
			if (!seenhost)
				r = lookup_cdb(l, &k); /* legacy */
			continue;
		}
		if (!domain_matches(l, sep, k.domain))
			continue;
		if (!(sep == 1 && l[0] == '*'))
			seenhost = true;
		r = l[sep] == ':' ? lookup_cdb(l + sep + 1, &k)
				  : lookup_program(l + sep + 1, &k, timeout);
	}
	keys_free(&k);
	return r;
}

const char *
recipients_name(enum recipients_result r)
{
	switch (r) {
	case RECIPIENTS_CDB:
		return "Recipients_Cdb";
	case RECIPIENTS_PAM:
		return "Recipients_Pam";
	case RECIPIENTS_WILD:
		return "Recipients_Wild";
	case RECIPIENTS_PASS:
		return "Rcpthosts_Rcptto";
	case RECIPIENTS_TEMP:
		return "Recipients_Temp";
	case RECIPIENTS_NOTFOUND:
		break;
	}
	return "Failed_Rcptto";
}
