/*
 * tls.c - OpenSSL wrapper. See tls.h.
 *
 * Sockets are switched to O_NONBLOCK and every SSL call is retried after
 * poll() on WANT_READ/WANT_WRITE, so that timeouts hold in the middle of a
 * record or a handshake too (a blocking SSL_read would wait forever for
 * the rest of a record a slow-loris peer never sends).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

struct tls_ctx {
	SSL_CTX *ssl;
	bool server;
};

struct tls {
	SSL *ssl;
	int rfd, wfd;
	int timeout;
	bool host_checked;
};

/* Forward secrecy and AEAD first; nothing anonymous, export or broken. */
static const char tls_ciphers[] =
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:ECDHE+AES:"
    "DHE+AES:!aNULL:!eNULL:!MD5:!RC4:!3DES:!DES:!EXP:!PSK:!SRP:!DSS";
static const char tls_ciphers_legacy[] =
    "HIGH:MEDIUM:!aNULL:!eNULL:!MD5:!RC4:!EXP:!PSK:!SRP";

static void
set_err(struct strbuf *err, const char *what)
{
	unsigned long e;
	char buf[256];

	if (err == NULL)
		return;
	err->len = 0;
	e = ERR_peek_last_error();
	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof buf);
		(void)strbuf_printf(err, "%s: %s", what, buf);
	} else if (errno != 0) {
		(void)strbuf_printf(err, "%s: %s", what, strerror(errno));
	} else {
		(void)strbuf_appends(err, what);
	}
	ERR_clear_error();
}

static struct tls_ctx *
ctx_new(const SSL_METHOD *method, bool server, bool legacy,
    struct strbuf *err)
{
	struct tls_ctx *ctx;

	if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
		set_err(err, "out of memory");
		return NULL;
	}
	ctx->server = server;
	if ((ctx->ssl = SSL_CTX_new(method)) == NULL) {
		set_err(err, "SSL_CTX_new");
		free(ctx);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx->ssl,
	    legacy ? TLS1_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_options(ctx->ssl, SSL_OP_NO_COMPRESSION |
		SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (!SSL_CTX_set_cipher_list(ctx->ssl,
		legacy ? tls_ciphers_legacy : tls_ciphers)) {
		set_err(err, "cipher list");
		tls_ctx_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

struct tls_ctx *
tls_server_ctx(const char *certfile, const char *keyfile, struct strbuf *err)
{
	struct tls_ctx *ctx;

	errno = 0;
	if ((ctx = ctx_new(TLS_server_method(), true, false, err)) == NULL)
		return NULL;
	SSL_CTX_set_dh_auto(ctx->ssl, 1);
	if (SSL_CTX_use_certificate_chain_file(ctx->ssl, certfile) != 1) {
		set_err(err, "cannot load certificate");
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx->ssl,
		keyfile ? keyfile : certfile, SSL_FILETYPE_PEM) != 1) {
		set_err(err, "cannot load private key");
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx->ssl) != 1) {
		set_err(err, "private key does not match certificate");
		goto fail;
	}
	return ctx;
fail:
	tls_ctx_free(ctx);
	return NULL;
}

static int always_continue(int preverify, X509_STORE_CTX *store);

bool
tls_request_client_cert(struct tls_ctx *ctx, const char *cafile,
    struct strbuf *err)
{
	STACK_OF(X509_NAME) *names;

	errno = 0;
	if (SSL_CTX_load_verify_locations(ctx->ssl, cafile, NULL) != 1) {
		set_err(err, "cannot load client CA file");
		return false;
	}
	if ((names = SSL_load_client_CA_file(cafile)) != NULL)
		SSL_CTX_set_client_CA_list(ctx->ssl, names);
	/* ask, but let the handshake succeed: the caller checks the result
	 * with tls_verify_ok (a NULL callback would abort the handshake on
	 * a certificate that does not verify) */
	SSL_CTX_set_verify(ctx->ssl, SSL_VERIFY_PEER, always_continue);
	SSL_CTX_set_verify_depth(ctx->ssl, 5);
	return true;
}

static int
always_continue(int preverify, X509_STORE_CTX *store)
{
	(void)preverify;
	(void)store;
	return 1;
}

struct tls_ctx *
tls_client_ctx(const char *cafile, const char *capath, const char *certfile,
    unsigned flags, struct strbuf *err)
{
	struct tls_ctx *ctx;
	int ok;

	errno = 0;
	ctx = ctx_new(TLS_client_method(), false,
	    (flags & TLS_CLIENT_LEGACY) != 0, err);
	if (ctx == NULL)
		return NULL;
	if (cafile == NULL && capath == NULL)
		ok = SSL_CTX_set_default_verify_paths(ctx->ssl);
	else
		ok = SSL_CTX_load_verify_locations(ctx->ssl, cafile, capath);
	if (ok != 1) {
		set_err(err, "cannot load CA certificates");
		goto fail;
	}
	if (certfile != NULL &&
	    (SSL_CTX_use_certificate_chain_file(ctx->ssl, certfile) != 1 ||
		SSL_CTX_use_PrivateKey_file(ctx->ssl, certfile,
		    SSL_FILETYPE_PEM) != 1 ||
		SSL_CTX_check_private_key(ctx->ssl) != 1)) {
		set_err(err, "cannot load client certificate");
		goto fail;
	}
	/* verify, record the result, never abort: tls_verify_ok decides */
	SSL_CTX_set_verify(ctx->ssl, SSL_VERIFY_PEER, always_continue);
	return ctx;
fail:
	tls_ctx_free(ctx);
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

static bool
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl != -1 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != -1;
}

/* wait_io: after an SSL call returned R, waits for what it wants; returns
 * 1 to retry, 0 for a clean close, -1 on error (errno set) */
static int
wait_io(struct tls *t, int r)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return fd_wait(t->rfd, false, t->timeout) ? 1 : -1;
	case SSL_ERROR_WANT_WRITE:
		return fd_wait(t->wfd, true, t->timeout) ? 1 : -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == EINTR)
			return 1;
		if (errno == 0)
			errno = EPIPE; /* EOF without close_notify */
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

static struct tls *
conn_new(struct tls_ctx *ctx, int rfd, int wfd, int timeout,
    struct strbuf *err)
{
	struct tls *t;

	if ((t = calloc(1, sizeof *t)) == NULL) {
		set_err(err, "out of memory");
		return NULL;
	}
	t->rfd = rfd;
	t->wfd = wfd;
	t->timeout = timeout;
	if ((t->ssl = SSL_new(ctx->ssl)) == NULL ||
	    SSL_set_rfd(t->ssl, rfd) != 1 || SSL_set_wfd(t->ssl, wfd) != 1) {
		set_err(err, "SSL_new");
		tls_free(t);
		return NULL;
	}
	if (!set_nonblock(rfd) || !set_nonblock(wfd)) {
		set_err(err, "fcntl");
		tls_free(t);
		return NULL;
	}
	return t;
}

static bool
handshake(struct tls *t, bool server, struct strbuf *err)
{
	int r, w;

	for (;;) {
		errno = 0;
		r = server ? SSL_accept(t->ssl) : SSL_connect(t->ssl);
		if (r == 1)
			return true;
		w = wait_io(t, r);
		if (w == 1)
			continue;
		if (w == 0)
			errno = EPIPE;
		set_err(err, errno == ETIMEDOUT ? "TLS handshake timed out" :
							"TLS handshake failed");
		return false;
	}
}

struct tls *
tls_accept(struct tls_ctx *ctx, int rfd, int wfd, int timeout,
    struct strbuf *err)
{
	struct tls *t;

	if ((t = conn_new(ctx, rfd, wfd, timeout, err)) == NULL)
		return NULL;
	if (!handshake(t, true, err)) {
		tls_free(t);
		return NULL;
	}
	return t;
}

static bool
is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

struct tls *
tls_connect(struct tls_ctx *ctx, int fd, const char *sni,
    const char *verify_host, int timeout, struct strbuf *err)
{
	struct tls *t;

	if ((t = conn_new(ctx, fd, fd, timeout, err)) == NULL)
		return NULL;
	if (sni != NULL && *sni != '\0' && !is_ip_literal(sni) &&
	    SSL_set_tlsext_host_name(t->ssl, sni) != 1) {
		set_err(err, "cannot set SNI");
		tls_free(t);
		return NULL;
	}
	if (verify_host != NULL) {
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if ((is_ip_literal(verify_host) ?
			    X509_VERIFY_PARAM_set1_ip_asc(
				SSL_get0_param(t->ssl), verify_host) :
			    SSL_set1_host(t->ssl, verify_host)) != 1) {
			set_err(err, "cannot set verification host");
			tls_free(t);
			return NULL;
		}
		t->host_checked = true;
	}
	if (!handshake(t, false, err)) {
		tls_free(t);
		return NULL;
	}
	return t;
}

bool
tls_verify_ok(const struct tls *t, const char **why)
{
	X509 *peer;
	long r;

	peer = SSL_get1_peer_certificate(t->ssl);
	if (peer == NULL) {
		if (why)
			*why = "no peer certificate";
		return false;
	}
	X509_free(peer);
	r = SSL_get_verify_result(t->ssl);
	if (r != X509_V_OK) {
		if (why)
			*why = X509_verify_cert_error_string(r);
		return false;
	}
	if (why)
		*why = "ok";
	return true;
}

static bool
append_hex(struct strbuf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++)
		if (!strbuf_appendc(out, hex[p[i] >> 4]) ||
		    !strbuf_appendc(out, hex[p[i] & 15]))
			return false;
	return true;
}

static bool
der_of(X509 *cert, bool spki, struct strbuf *out)
{
	unsigned char *der = NULL;
	int n;

	n = spki ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der) :
		   i2d_X509(cert, &der);
	if (n <= 0)
		return false;
	out->len = 0;
	if (!strbuf_append(out, der, (size_t)n)) {
		OPENSSL_free(der);
		return false;
	}
	OPENSSL_free(der);
	return true;
}

bool
tls_peer_fingerprint(const struct tls *t, const char *alg, bool spki,
    struct strbuf *out)
{
	struct strbuf der = STRBUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *type;
	X509 *peer;
	bool ok;

	if ((type = EVP_get_digestbyname(alg)) == NULL)
		return false;
	if ((peer = SSL_get1_peer_certificate(t->ssl)) == NULL)
		return false;
	ok = der_of(peer, spki, &der) &&
	    EVP_Digest(der.data, der.len, md, &mdlen, type, NULL) == 1;
	X509_free(peer);
	strbuf_free(&der);
	if (!ok)
		return false;
	out->len = 0;
	return append_hex(out, md, mdlen) && strbuf_terminate(out);
}

bool
tls_peer_der(const struct tls *t, size_t index, bool spki,
    struct strbuf *out)
{
	STACK_OF(X509) *chain;
	X509 *cert;
	bool ok;

	if (index == 0 || SSL_is_server(t->ssl)) {
		/* a server's chain lacks the client's own certificate */
		if (index != 0)
			return false;
		if ((cert = SSL_get1_peer_certificate(t->ssl)) == NULL)
			return false;
		ok = der_of(cert, spki, out);
		X509_free(cert);
		return ok;
	}
	/* on the client side the sent chain includes the peer at 0 */
	chain = SSL_get_peer_cert_chain(t->ssl);
	if (chain == NULL || index >= (size_t)sk_X509_num(chain))
		return false;
	return der_of(sk_X509_value(chain, (int)index), spki, out);
}

void
tls_attach(struct tls *t, struct iobuf *in, struct iobuf *out)
{
	if (in != NULL) {
		iobuf_discard(in); /* CVE-2011-0411: no plaintext survives */
		in->read_fn = tls_read;
		in->ctx = t;
		t->timeout = in->timeout;
	}
	if (out != NULL) {
		out->write_fn = tls_write;
		out->ctx = t;
		if (in == NULL)
			t->timeout = out->timeout;
	}
}

ssize_t
tls_read(void *ctx, void *buf, size_t len)
{
	struct tls *t = ctx;
	int r, w;

	if (len > 0x7fffffff)
		len = 0x7fffffff;
	for (;;) {
		errno = 0;
		r = SSL_read(t->ssl, buf, (int)len);
		if (r > 0)
			return r;
		w = wait_io(t, r);
		if (w == 1)
			continue;
		return w == 0 ? 0 : -1;
	}
}

ssize_t
tls_write(void *ctx, const void *buf, size_t len)
{
	struct tls *t = ctx;
	int r, w;

	if (len > 0x7fffffff)
		len = 0x7fffffff;
	for (;;) {
		errno = 0;
		r = SSL_write(t->ssl, buf, (int)len);
		if (r > 0)
			return r;
		w = wait_io(t, r);
		if (w == 1)
			continue;
		if (w == 0)
			errno = EPIPE;
		return -1;
	}
}

void
tls_set_timeout(struct tls *t, int timeout)
{
	t->timeout = timeout;
}

const char *
tls_version(const struct tls *t)
{
	return SSL_get_version(t->ssl);
}

const char *
tls_cipher(const struct tls *t)
{
	const char *c = SSL_get_cipher_name(t->ssl);

	return c ? c : "unknown";
}

bool
tls_peer_subject(const struct tls *t, struct strbuf *out)
{
	X509 *peer;
	char *s;
	bool ok;

	if ((peer = SSL_get1_peer_certificate(t->ssl)) == NULL)
		return false;
	s = X509_NAME_oneline(X509_get_subject_name(peer), NULL, 0);
	X509_free(peer);
	if (s == NULL)
		return false;
	ok = strbuf_copys(out, s);
	OPENSSL_free(s);
	return ok;
}

void
tls_close(struct tls *t)
{
	int r, tries;

	/* two rounds at most: send ours, maybe read theirs; never hang */
	for (tries = 0; tries < 4; tries++) {
		errno = 0;
		r = SSL_shutdown(t->ssl);
		if (r != 0 && r != -1)
			return;
		if (r == 0)
			return; /* ours is sent; not waiting for theirs */
		if (wait_io(t, r) != 1)
			return;
	}
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

bool
tls_ctx_set_ciphers(struct tls_ctx *ctx, const char *ciphers,
    struct strbuf *err)
{
	errno = 0;
	if (SSL_CTX_set_cipher_list(ctx->ssl, ciphers) != 1) {
		set_err(err, "no usable cipher in the list");
		return false;
	}
	return true;
}

void
tls_ctx_set_verify_depth(struct tls_ctx *ctx, int depth)
{
	SSL_CTX_set_verify_depth(ctx->ssl, depth);
}

bool
tls_ctx_use_cert(struct tls_ctx *ctx, const char *certfile,
    const char *keyfile, const char *password, struct strbuf *err)
{
	char *pw = NULL;
	bool ok;

	errno = 0;
	if (SSL_CTX_use_certificate_chain_file(ctx->ssl, certfile) != 1) {
		set_err(err, "cannot load client certificate");
		return false;
	}
	/* OpenSSL's default callback takes the user data as the password;
	 * it is needed only while the key is read */
	if (password != NULL && (pw = strdup(password)) == NULL) {
		set_err(err, "out of memory");
		return false;
	}
	SSL_CTX_set_default_passwd_cb_userdata(ctx->ssl, pw);
	ok = SSL_CTX_use_PrivateKey_file(ctx->ssl,
		 keyfile ? keyfile : certfile, SSL_FILETYPE_PEM) == 1;
	SSL_CTX_set_default_passwd_cb_userdata(ctx->ssl, NULL);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
	if (!ok) {
		set_err(err, "cannot load client key");
		return false;
	}
	if (SSL_CTX_check_private_key(ctx->ssl) != 1) {
		set_err(err, "client key does not match certificate");
		return false;
	}
	return true;
}

bool
tls_peer_name_exact(const struct tls *t, const char *host)
{
	X509 *peer;
	int r;

	if ((peer = SSL_get1_peer_certificate(t->ssl)) == NULL)
		return false;
	r = is_ip_literal(host) ?
	    X509_check_ip_asc(peer, host, 0) :
	    X509_check_host(peer, host, strlen(host),
		X509_CHECK_FLAG_NO_WILDCARDS, NULL);
	X509_free(peer);
	return r == 1;
}
