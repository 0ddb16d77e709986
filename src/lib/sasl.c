/*
 * sasl.c - SMTP AUTH exchanges as pure state machines; see sasl.h.
 *
 * Every client line goes through step_decode first: "*" cancels, an
 * overlong line is refused, and base64 must be canonical. The mechanisms
 * then check the decoded bytes: a NUL inside a user name or password
 * would shift the fields of the checkpassword data, and a control
 * character in a user name would end up in logs and in AUTHUSER, so both
 * are refused here, before any program sees them.
 */
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "sasl.h"

enum {
	ST_IDLE,
	ST_PLAIN,      /* waiting for the PLAIN response */
	ST_LOGIN_USER, /* waiting for the LOGIN user name */
	ST_LOGIN_PASS, /* waiting for the LOGIN password */
	ST_CRAM	       /* waiting for the CRAM-MD5 response */
};

static const struct {
	const char *name;
	enum sasl_mech mech;
} mechs[] = {
	{ "LOGIN", SASL_LOGIN },
	{ "PLAIN", SASL_PLAIN },
	{ "CRAM-MD5", SASL_CRAM_MD5 },
};

#define R_NOMEM	    "454 out of memory (#4.3.0)"
#define R_CANCEL    "501 AUTH exchange cancelled (#5.0.0)"
#define R_BASE64    "501 malformed base64 (#5.5.2)"
#define R_LONGLINE  "500 AUTH exchange line too long (#5.5.6)"
#define R_TOOLONG   "501 AUTH credentials too long (#5.5.4)"
#define R_PLAIN	    "501 malformed AUTH PLAIN response (#5.5.2)"
#define R_LOGIN	    "501 malformed AUTH LOGIN response (#5.5.2)"
#define R_CRAM	    "501 malformed AUTH CRAM-MD5 response (#5.5.2)"
#define R_CRAMINIT  "501 CRAM-MD5 takes no initial response (#5.5.2)"
#define R_AUTHZID   "535 authorization identity not permitted (#5.7.8)"
#define R_UNKNOWN   "504 unrecognized authentication type (#5.5.4)"
#define R_SYNTAX    "501 syntax: AUTH mechanism [initial-response] (#5.5.4)"
#define R_NOCHAL    "454 temporary authentication failure (#4.3.0)"
#define R_NOTACTIVE "503 no AUTH exchange in progress (#5.5.1)"

void
sasl_policy_parse(struct sasl_policy *p, const char *v)
{
	p->enabled = false;
	p->required = false;
	p->mechs = 0;
	if (v == NULL || strcmp(v, "-") == 0)
		return;
	p->enabled = true;
	p->mechs = SASL_MECH_BIT(SASL_LOGIN) | SASL_MECH_BIT(SASL_PLAIN);
	if (*v == '!') {
		p->required = true;
		v++;
	}
	if (strncasecmp(v, "+cram", 5) == 0)
		p->mechs |= SASL_MECH_BIT(SASL_CRAM_MD5);
	else if (strncasecmp(v, "cram", 4) == 0)
		p->mechs = SASL_MECH_BIT(SASL_CRAM_MD5);
}

bool
sasl_ehlo(struct strbuf *out, unsigned allowed)
{
	size_t i, len = out->len;

	if (!strbuf_appends(out, "AUTH"))
		return false;
	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if ((allowed & SASL_MECH_BIT(mechs[i].mech)) &&
		    (!strbuf_appendc(out, ' ') ||
			!strbuf_appends(out, mechs[i].name))) {
			strbuf_truncate(out, len);
			return false;
		}
	return true;
}

bool
sasl_mech_parse(const char *name, size_t len, enum sasl_mech *mech)
{
	size_t i;

	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (strlen(mechs[i].name) == len &&
		    strncasecmp(mechs[i].name, name, len) == 0) {
			*mech = mechs[i].mech;
			return true;
		}
	return false;
}

const char *
sasl_mech_name(enum sasl_mech mech)
{
	size_t i;

	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (mechs[i].mech == mech)
			return mechs[i].name;
	return "UNKNOWN";
}

static bool
token_ok(const char *s, const char *forbidden)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr(forbidden, *s) != NULL)
			return false;
	return true;
}

bool
sasl_cram_challenge(struct strbuf *out, const char *unique,
    unsigned long timestamp, const char *host)
{
	strbuf_truncate(out, 0);
	if (!token_ok(unique, "<>@.") || !token_ok(host, "<>"))
		return false;
	if (!strbuf_printf(out, "<%s.%lu@%s>", unique, timestamp, host))
		return false;
	/* user\0digest\0challenge\0 must still fit for a short user */
	if (out->len + 1 + 32 + 1 + 1 + 1 > SASL_CRED_MAX) {
		strbuf_truncate(out, 0);
		return false;
	}
	return true;
}

static void
wipe(struct strbuf *sb)
{
	if (sb->data != NULL)
		explicit_bzero(sb->data, sb->cap);
	sb->len = 0;
}

static enum sasl_status
fail(struct sasl *s, const char *reply)
{
	s->state = ST_IDLE;
	wipe(&s->pass);
	wipe(&s->cred);
	wipe(&s->decoded);
	if (!strbuf_copys(&s->reply, reply))
		strbuf_truncate(&s->reply, 0);
	return SASL_FAIL;
}

/* prompt: a 334 reply carrying TEXT in base64 */
static enum sasl_status
prompt(struct sasl *s, int state, const char *text, size_t len)
{
	s->state = state;
	if (!strbuf_copys(&s->reply, "334 ") ||
	    !base64_encode_sb(&s->reply, text, len))
		return fail(s, R_NOMEM);
	return SASL_CONTINUE;
}

/* decode: s->decoded = base64 LINE; false after fail() set the reply */
static bool
decode(struct sasl *s, const char *line, size_t len)
{
	switch (base64_decode_sb(&s->decoded, line, len)) {
	case BASE64_OK:
		return true;
	case BASE64_TOOBIG:
		fail(s, R_NOMEM);
		return false;
	default:
		fail(s, R_BASE64);
		return false;
	}
}

/* user_ok: non-empty, no NUL and no ASCII control characters */
static bool
user_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/* finish: builds the checkpassword data from user, pass (and challenge) */
static enum sasl_status
finish(struct sasl *s, bool with_challenge)
{
	size_t total = s->user.len + 1 + s->pass.len + 1;

	if (with_challenge)
		total += s->challenge.len + 1;
	if (total > SASL_CRED_MAX)
		return fail(s, R_TOOLONG);
	strbuf_truncate(&s->cred, 0);
	if (!strbuf_reserve(&s->cred, total))
		return fail(s, R_NOMEM);
	strbuf_append(&s->cred, s->user.data, s->user.len);
	strbuf_appendc(&s->cred, '\0');
	strbuf_append(&s->cred, s->pass.data, s->pass.len);
	strbuf_appendc(&s->cred, '\0');
	if (with_challenge) {
		strbuf_append(&s->cred, s->challenge.data, s->challenge.len);
		strbuf_appendc(&s->cred, '\0');
	}
	wipe(&s->decoded);
	strbuf_truncate(&s->reply, 0);
	s->state = ST_IDLE;
	return SASL_DONE;
}

static bool
set(struct strbuf *sb, const char *p, size_t len)
{
	wipe(sb);
	return strbuf_copy(sb, p, len);
}

/* RFC 4616: [authzid] NUL authcid NUL passwd, each SAFE (not NUL) */
static enum sasl_status
plain(struct sasl *s)
{
	const char *d = s->decoded.data, *end, *nul1, *nul2;

	if (s->decoded.len == 0) /* and perhaps d == NULL */
		return fail(s, R_PLAIN);
	end = d + s->decoded.len;
	if ((nul1 = memchr(d, '\0', s->decoded.len)) == NULL ||
	    (nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1))) ==
		NULL ||
	    memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1)) != NULL)
		return fail(s, R_PLAIN);
	if (!user_ok(nul1 + 1, (size_t)(nul2 - nul1 - 1)) || nul2 + 1 == end)
		return fail(s, R_PLAIN);
	/* acting for someone else is not supported: authzid must be empty
	 * or the authcid itself */
	if (nul1 != d && ((size_t)(nul1 - d) != (size_t)(nul2 - nul1 - 1) ||
			     memcmp(d, nul1 + 1, (size_t)(nul1 - d)) != 0))
		return fail(s, R_AUTHZID);
	if (!set(&s->user, nul1 + 1, (size_t)(nul2 - nul1 - 1)) ||
	    !set(&s->pass, nul2 + 1, (size_t)(end - nul2 - 1)))
		return fail(s, R_NOMEM);
	return finish(s, false);
}

static enum sasl_status
login_user(struct sasl *s)
{
	if (!user_ok(s->decoded.data, s->decoded.len))
		return fail(s, R_LOGIN);
	if (!set(&s->user, s->decoded.data, s->decoded.len))
		return fail(s, R_NOMEM);
	return prompt(s, ST_LOGIN_PASS, "Password:", 9);
}

static enum sasl_status
login_pass(struct sasl *s)
{
	if (s->decoded.len == 0 ||
	    memchr(s->decoded.data, '\0', s->decoded.len) != NULL)
		return fail(s, R_LOGIN);
	if (!set(&s->pass, s->decoded.data, s->decoded.len))
		return fail(s, R_NOMEM);
	return finish(s, false);
}

/* RFC 2195: "user SP digest", digest 32 lower-case hex digits */
static enum sasl_status
cram(struct sasl *s)
{
	const char *d = s->decoded.data, *sp;
	char digest[32];
	size_t ulen, i;

	if (s->decoded.len < 34 || d[s->decoded.len - 33] != ' ')
		return fail(s, R_CRAM);
	sp = d + s->decoded.len - 33;
	ulen = (size_t)(sp - d);
	for (i = 0; i < 32; i++) {
		char c = sp[1 + i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return fail(s, R_CRAM);
		digest[i] = c;
	}
	if (!user_ok(d, ulen))
		return fail(s, R_CRAM);
	if (!set(&s->user, d, ulen) || !set(&s->pass, digest, sizeof digest))
		return fail(s, R_NOMEM);
	return finish(s, true);
}

enum sasl_status
sasl_start(struct sasl *s, enum sasl_mech mech, const char *initial,
    size_t initial_len, const char *challenge)
{
	s->mech = mech;
	s->state = ST_IDLE;
	wipe(&s->user);
	wipe(&s->pass);
	wipe(&s->cred);
	strbuf_truncate(&s->challenge, 0);
	if (initial != NULL && initial_len > SASL_LINE_MAX)
		return fail(s, R_LONGLINE);
	/* RFC 4954 4.: "=" is an initial response of zero length */
	if (initial != NULL && initial_len == 1 && initial[0] == '=')
		initial_len = 0;
	else if (initial != NULL && !decode(s, initial, initial_len))
		return SASL_FAIL;
	else if (initial == NULL)
		strbuf_truncate(&s->decoded, 0);
	switch (mech) {
	case SASL_PLAIN:
		if (initial == NULL)
			return prompt(s, ST_PLAIN, "", 0);
		if (initial_len == 0)
			strbuf_truncate(&s->decoded, 0);
		return plain(s);
	case SASL_LOGIN:
		if (initial == NULL)
			return prompt(s, ST_LOGIN_USER, "Username:", 9);
		if (initial_len == 0)
			strbuf_truncate(&s->decoded, 0);
		return login_user(s);
	case SASL_CRAM_MD5:
		if (initial != NULL)
			return fail(s, R_CRAMINIT);
		if (challenge == NULL || *challenge == '\0' ||
		    strlen(challenge) + 1 + 32 + 3 > SASL_CRED_MAX)
			return fail(s, R_NOCHAL);
		if (!strbuf_copys(&s->challenge, challenge))
			return fail(s, R_NOMEM);
		return prompt(s, ST_CRAM, s->challenge.data,
		    s->challenge.len);
	}
	return fail(s, R_UNKNOWN);
}

enum sasl_status
sasl_begin(struct sasl *s, const char *arg, size_t len, unsigned allowed,
    const char *challenge)
{
	const char *sp, *end = arg + len, *init;
	enum sasl_mech mech;
	size_t mlen;

	sp = memchr(arg, ' ', len);
	mlen = sp ? (size_t)(sp - arg) : len;
	if (mlen == 0)
		return fail(s, R_SYNTAX);
	if (!sasl_mech_parse(arg, mlen, &mech) ||
	    !(allowed & SASL_MECH_BIT(mech)))
		return fail(s, R_UNKNOWN);
	if (sp == NULL)
		return sasl_start(s, mech, NULL, 0, challenge);
	for (init = sp; init < end && *init == ' '; init++)
		;
	if (init == end)
		return sasl_start(s, mech, NULL, 0, challenge);
	if (memchr(init, ' ', (size_t)(end - init)) != NULL)
		return fail(s, R_SYNTAX);
	return sasl_start(s, mech, init, (size_t)(end - init), challenge);
}

enum sasl_status
sasl_step(struct sasl *s, const char *line, size_t len)
{
	if (s->state == ST_IDLE)
		return fail(s, R_NOTACTIVE);
	/* RFC 4954 4.: "*" cancels, answered with 501 */
	if (len == 1 && line[0] == '*')
		return fail(s, R_CANCEL);
	if (len > SASL_LINE_MAX)
		return fail(s, R_LONGLINE);
	if (!decode(s, line, len))
		return SASL_FAIL;
	switch (s->state) {
	case ST_PLAIN:
		return plain(s);
	case ST_LOGIN_USER:
		return login_user(s);
	case ST_LOGIN_PASS:
		return login_pass(s);
	case ST_CRAM:
		return cram(s);
	}
	return fail(s, R_NOTACTIVE);
}

static void
wipe_free(struct strbuf *sb)
{
	wipe(sb);
	strbuf_free(sb);
}

void
sasl_free(struct sasl *s)
{
	wipe_free(&s->user);
	wipe_free(&s->pass);
	wipe_free(&s->challenge);
	wipe_free(&s->cred);
	wipe_free(&s->reply);
	wipe_free(&s->decoded);
	s->state = ST_IDLE;
}
