/*
 * tls.h - the one wrapper around OpenSSL's TLS (server and client side).
 *
 * No other file includes OpenSSL's TLS headers. A struct tls_ctx holds the
 * configuration (certificate, CA, protocol floor, ciphers); a struct tls is
 * one connection on a socket that this module switches to non-blocking mode
 * so that every read, write and handshake honours a timeout in seconds
 * (0 = none) and a slow peer cannot hold a process forever.
 *
 * Protocol floor is TLS 1.2 unless TLS_CLIENT_LEGACY asks for TLS 1.0 (for
 * opportunistic SMTP client TLS, where any encryption beats plaintext).
 * Renegotiation and compression are off.
 *
 * Plug a connection into iobufs with tls_attach: the iobuf read/write hooks
 * then go through TLS. tls_attach also discards plaintext the input iobuf
 * had buffered before the handshake (CVE-2011-0411); callers that read
 * from a raw fd must discard such bytes themselves.
 *
 * Errors: functions return NULL/false/-1 and put a one-line reason in ERR
 * (a caller-owned strbuf, may be NULL) or set errno (read/write: ETIMEDOUT
 * on a timeout, EPROTO on a TLS error, 0 bytes on a clean close_notify).
 * Nothing here exits or is safe in a signal handler. Handles are owned by
 * the caller: free with tls_free / tls_ctx_free.
 */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "iobuf.h"
#include "strbuf.h"

struct tls_ctx;
struct tls;

/* flags for tls_client_ctx */
enum {
	TLS_CLIENT_LEGACY = 1, /* allow TLS 1.0 and 1.1 (opportunistic) */
};

/*
 * Server side.
 */
/* tls_server_ctx: returns a context with the certificate chain from
 * CERTFILE and the key from KEYFILE (NULL: CERTFILE holds both); NULL with
 * ERR set when a file is unreadable or the key does not match */
struct tls_ctx *tls_server_ctx(const char *certfile, const char *keyfile,
    struct strbuf *err);
/* tls_accept: runs the server handshake on RFD/WFD (the same socket for
 * tcpserver's 0 and 1); returns a connection or NULL with ERR set */
struct tls *tls_accept(struct tls_ctx *ctx, int rfd, int wfd, int timeout,
    struct strbuf *err);

/*
 * Client side (qmail-remote).
 */
/* tls_client_ctx: returns a client context that trusts CAFILE and/or
 * CAPATH (both NULL: the system's default store), optionally presenting
 * the client certificate CERTFILE (key in the same file; NULL: none).
 * The handshake never fails on verification: the caller asks
 * tls_verify_ok afterwards and decides (opportunistic vs. required TLS) */
struct tls_ctx *tls_client_ctx(const char *cafile, const char *capath,
    const char *certfile, unsigned flags, struct strbuf *err);
/* tls_connect: client handshake on FD, sending SNI (may be NULL; skipped
 * for IP literals) and checking the peer name against VERIFY_HOST (NULL:
 * chain only); returns a connection or NULL with ERR set */
struct tls *tls_connect(struct tls_ctx *ctx, int fd, const char *sni,
    const char *verify_host, int timeout, struct strbuf *err);
/* tls_verify_ok: true when the peer's chain verified against the CA store
 * and (if asked) matched the host name; else false and WHY (if not NULL)
 * points to a static reason */
bool tls_verify_ok(const struct tls *t, const char **why);
/* tls_peer_fingerprint: OUT = lower-case hex digest (ALG "sha256",
 * "sha512", "sha1") of the peer's certificate (SPKI false) or of its
 * SubjectPublicKeyInfo (SPKI true); false without a peer certificate */
bool tls_peer_fingerprint(const struct tls *t, const char *alg, bool spki,
    struct strbuf *out);
/* tls_peer_der: OUT = DER of chain element INDEX (0 = peer) as sent by
 * the peer, whole certificate or SPKI only (for DANE TLSA matching);
 * false past the end of the chain */
bool tls_peer_der(const struct tls *t, size_t index, bool spki,
    struct strbuf *out);

/*
 * Both sides.
 */
/* tls_attach: routes IN and OUT (either may be NULL) through T, with
 * their timeouts; discards IN's buffered plaintext (CVE-2011-0411) */
void tls_attach(struct tls *t, struct iobuf *in, struct iobuf *out);
/* tls_read, tls_write: iobuf hooks with read(2)/write(2) conventions;
 * CTX is the struct tls */
ssize_t tls_read(void *ctx, void *buf, size_t len);
ssize_t tls_write(void *ctx, const void *buf, size_t len);
/* tls_set_timeout: per-call timeout for later reads and writes */
void tls_set_timeout(struct tls *t, int timeout);
/* tls_version, tls_cipher: static strings such as "TLSv1.3" and
 * "TLS_AES_256_GCM_SHA384" */
const char *tls_version(const struct tls *t);
const char *tls_cipher(const struct tls *t);
/* tls_peer_subject: OUT = the peer certificate's subject as one line;
 * false without a peer certificate */
bool tls_peer_subject(const struct tls *t, struct strbuf *out);
/* tls_request_client_cert: servers ask the client for a certificate
 * verified against CAFILE (ucspi-ssl's CCAFILE); false with ERR set */
bool tls_request_client_cert(struct tls_ctx *ctx, const char *cafile,
    struct strbuf *err);
/* tls_close: sends close_notify (best effort, bounded by the timeout) */
void tls_close(struct tls *t);
void tls_free(struct tls *t);
void tls_ctx_free(struct tls_ctx *ctx);

/*
 * Client policy knobs (qmail-remote's tlsdestinations and domaincerts).
 */
/* tls_ctx_set_ciphers: replaces the TLS <= 1.2 cipher list; false with
 * ERR set when OpenSSL accepts none of it */
bool tls_ctx_set_ciphers(struct tls_ctx *ctx, const char *ciphers,
    struct strbuf *err);
/* tls_ctx_set_verify_depth: limits the verified chain to DEPTH CAs */
void tls_ctx_set_verify_depth(struct tls_ctx *ctx, int depth);
/* tls_ctx_use_cert: presents the chain in CERTFILE with the key in
 * KEYFILE (NULL: CERTFILE), decrypted with PASSWORD (NULL: none); false
 * with ERR set when unreadable, undecryptable or not matching */
bool tls_ctx_use_cert(struct tls_ctx *ctx, const char *certfile,
    const char *keyfile, const char *password, struct strbuf *err);
/* tls_peer_name_exact: true when the peer certificate names HOST (a DNS
 * name or IP address) exactly, without wildcards */
bool tls_peer_name_exact(const struct tls *t, const char *host);

#endif
