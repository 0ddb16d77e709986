/*
 * tlsclient.c - qmail-remote's side of TLS: the handshake and the checks
 * that control/tlsdestinations asks for (doc/qmail-remote.8).
 *
 *   level                   verified chain   peer name     fingerprint
 *   default, "-", "-*"      no               no            no
 *   "*", "+*", "dest"       yes              no            no
 *   "~*", "~dest"           yes              wildcards ok  no
 *   "=*", "=dest"           yes              exactly       no
 *   "%dest", "=fp" value    no               no            yes
 * The chain is checked against the rule's CA file or directory, else the
 * system's store. Every failure here is a Z for this peer (the next MX
 * may do better); nothing ever falls back to plaintext on the same
 * connection. Opportunistic levels accept TLS 1.0 and up (any encryption
 * beats none), mandatory ones TLS 1.2 and up.
 */
#include <string.h>

#include "remote.h"

bool
tls_required(const struct remote *rm)
{
	if (rm->tls.level == TLSDEST_NEVER)
		return false;
	return rm->tls_implicit || rm->tls.level >= TLSDEST_MUST_ANON ||
	    rm->auth;
}

/* sets the message report "Connected to PEER but WHAT: DETAIL. (#CODE)" */
static void
tls_fail(struct remote *rm, const char *what, const char *detail,
    const char *code)
{
	struct strbuf t = STRBUF_INIT;

	xstrbuf_appends(&t, " but ");
	xstrbuf_appends(&t, what);
	if (detail != NULL && *detail != '\0') {
		xstrbuf_appends(&t, ": ");
		if (!reply_sanitize(&t, detail, strlen(detail)))
			xstrbuf_appends(&t, "?");
	}
	xstrbuf_appends(&t, ". (#");
	xstrbuf_appends(&t, code);
	xstrbuf_appends(&t, ")");
	report_msg(rm, 'Z', "Connected to ", t.data, NULL);
	strbuf_free(&t);
}

static struct tls_ctx *
make_ctx(struct remote *rm)
{
	const struct tlsdest *p = &rm->tls;
	const char *cafile = NULL, *capath = NULL;
	struct strbuf err = STRBUF_INIT;
	struct tls_ctx *ctx;
	size_t n = strlen(p->cafile);

	if (n > 0 && p->cafile[n - 1] == '/')
		capath = p->cafile;
	else if (n > 0)
		cafile = p->cafile;
	ctx = tls_client_ctx(cafile, capath, NULL,
	    tls_required(rm) ? 0 : TLS_CLIENT_LEGACY, &err);
	if (ctx != NULL && p->ciphers[0] != '\0' &&
	    !tls_ctx_set_ciphers(ctx, p->ciphers, &err))
		goto fail;
	if (ctx != NULL && p->verifydepth > 0)
		tls_ctx_set_verify_depth(ctx, (int)p->verifydepth);
	if (ctx != NULL && rm->have_cert &&
	    !tls_ctx_use_cert(ctx, rm->cert.certfile,
		rm->cert.keyfile[0] ? rm->cert.keyfile : NULL,
		rm->cert.password[0] ? rm->cert.password : NULL, &err))
		goto fail;
	if (ctx == NULL)
		goto fail;
	strbuf_free(&err);
	return ctx;
fail:
	tls_ctx_free(ctx);
	/* a local configuration problem: the same for every peer */
	tls_fail(rm, "TLS could not be set up", err.data, "4.3.0");
	strbuf_free(&err);
	return NULL;
}

/* checks the peer as the level asks; false with the report set */
static bool
check_peer(struct remote *rm, const struct tls *t)
{
	const struct tlsdest *p = &rm->tls;
	struct strbuf fp = STRBUF_INIT;
	const char *why, *alg;
	bool ok;

	switch (p->level) {
	case TLSDEST_PIN:
		alg = tlsdest_fingerprint_alg(strlen(p->fingerprint));
		ok = alg != NULL && tls_peer_fingerprint(t, alg, false, &fp) &&
		    strcmp(fp.data, p->fingerprint) == 0;
		strbuf_free(&fp);
		if (!ok)
			tls_fail(rm, "its TLS certificate does not match the"
			    " pinned fingerprint", NULL, "4.7.5");
		return ok;
	case TLSDEST_VERIFY:
	case TLSDEST_MUST_CERT:
	case TLSDEST_MUST_WILD:
	case TLSDEST_MUST_NAME:
		if (!tls_verify_ok(t, &why)) {
			tls_fail(rm, "its TLS certificate did not verify", why,
			    "4.7.5");
			return false;
		}
		if (p->level == TLSDEST_MUST_NAME &&
		    !tls_peer_name_exact(t, rm->tls_host)) {
			tls_fail(rm, "its TLS certificate does not name",
			    rm->tls_host, "4.7.5");
			return false;
		}
		return true;
	default:
		return true;
	}
}

struct tls *
tlsc_start(struct remote *rm, int fd, bool *next)
{
	struct strbuf err = STRBUF_INIT;
	struct tls_ctx *ctx;
	struct tls *t;
	bool name = rm->tls.level == TLSDEST_MUST_WILD ||
	    rm->tls.level == TLSDEST_MUST_NAME;

	*next = false;
	if ((ctx = make_ctx(rm)) == NULL)
		return NULL;
	t = tls_connect(ctx, fd, rm->tls_host, name ? rm->tls_host : NULL,
	    rm->timeout_remote, &err);
	tls_ctx_free(ctx); /* the connection keeps its own reference */
	*next = true;
	if (t == NULL) {
		tls_fail(rm, "the TLS handshake failed", err.data, "4.7.5");
		strbuf_free(&err);
		return NULL;
	}
	strbuf_free(&err);
	if (!check_peer(rm, t)) {
		tlsc_end(t);
		return NULL;
	}
	return t;
}

void
tlsc_end(struct tls *t)
{
	if (t == NULL)
		return;
	tls_close(t);
	tls_free(t);
}
