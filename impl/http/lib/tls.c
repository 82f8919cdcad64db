#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include <openssl/err.h>

/* The protocols this server speaks, in ALPN wire format (length-prefixed). */
static const unsigned char alpn_ours[] = "\x08http/1.1";

/* ALPN (RFC 7301): pick "http/1.1" when the client offers it. A client
 * that offers only other protocols (h2) gets the no_application_protocol
 * alert, as §3.2 asks, rather than a connection where both sides believe
 * they speak something else. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    unsigned char *sel;
    unsigned char sellen;

    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto(&sel, &sellen, alpn_ours, sizeof(alpn_ours) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    *outlen = sellen;
    return SSL_TLSEXT_ERR_OK;
}

/* Writes the oldest queued OpenSSL error (or what) into err. */
static void ssl_error(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[256];

    if (e == 0) {
        snprintf(err, errlen, "%s", what);
        return;
    }
    ERR_error_string_n(e, reason, sizeof(reason));
    snprintf(err, errlen, "%s: %s", what, reason);
    ERR_clear_error();
}

SSL_CTX *tls_ctx_new(const char *cert_pem, const char *key_pem, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    if (ctx == NULL) {
        ssl_error(err, errlen, "SSL_CTX_new");
        return NULL;
    }
    /* RFC 8996: TLS 1.0 and 1.1 must not be negotiated. */
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
        ssl_error(err, errlen, "cannot limit the TLS versions");
        goto fail;
    }
    /* TLS 1.2 with forward-secret AEAD suites only: the CBC suites OpenSSL
     * also enables are the ones padding-oracle attacks (Lucky13) target.
     * TLS 1.3 suites are all AEAD and are configured apart. */
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20") != 1) {
        ssl_error(err, errlen, "cannot set the TLS 1.2 cipher suites");
        goto fail;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_pem) != 1) {
        ssl_error(err, errlen, cert_pem);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_pem, SSL_FILETYPE_PEM) != 1) {
        ssl_error(err, errlen, key_pem);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_error(err, errlen, "the key does not match the certificate");
        goto fail;
    }
    /* A client-started renegotiation (TLS 1.2) costs the server a full
     * handshake for free: refuse it. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Partial writes: SSL_write returns once some records are out, like
     * send(). Moving buffer: the bytes of a retried write may sit at another
     * address (the output buffer compacts or grows between calls). */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL *tls_conn_new(SSL_CTX *ctx, int fd)
{
    SSL *ssl = SSL_new(ctx);

    if (ssl == NULL)
        return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    return ssl;
}

/* Maps the outcome of an SSL_* I/O call (its return value r) to 0 for a
 * clean end of stream, -EAGAIN with *want, or a negative errno. The
 * thread's OpenSSL error queue is cleared so a failure on one connection is
 * never blamed on the next. */
static int map_error(SSL *ssl, int r, unsigned *want)
{
    int e = SSL_get_error(ssl, r);
    int saved = errno;

    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want = EPOLLIN;
        return -EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        *want = EPOLLOUT;
        return -EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        /* errno 0: the peer closed the TCP connection without close_notify
         * (OpenSSL 3 reports it as SSL_ERROR_SSL "unexpected eof" unless
         * SSL_OP_IGNORE_UNEXPECTED_EOF; either way it is an end). */
        return saved != 0 ? -saved : -ECONNRESET;
    default:
        ERR_clear_error();
        return -EPROTO;
    }
}

int tls_handshake(SSL *ssl, unsigned *want)
{
    int r;

    ERR_clear_error();
    r = SSL_do_handshake(ssl);
    if (r == 1)
        return 1;
    r = map_error(ssl, r, want);
    return r == -EAGAIN ? r : -EPROTO;
}

ssize_t tls_read(SSL *ssl, char *p, size_t n, unsigned *want)
{
    size_t got = 0;
    int r;

    ERR_clear_error();
    errno = 0;
    r = SSL_read_ex(ssl, p, n, &got);
    if (r == 1)
        return (ssize_t)got;
    return map_error(ssl, r, want);
}

ssize_t tls_write(SSL *ssl, const char *p, size_t n, unsigned *want)
{
    size_t put = 0;
    int r;

    ERR_clear_error();
    errno = 0;
    r = SSL_write_ex(ssl, p, n, &put);
    if (r == 1)
        return (ssize_t)put;
    r = map_error(ssl, r, want);
    return r == 0 ? -EPIPE : r;
}

void tls_close_notify(SSL *ssl)
{
    ERR_clear_error();
    if (SSL_is_init_finished(ssl))
        (void)SSL_shutdown(ssl);
    ERR_clear_error();
}

const char *tls_alpn(SSL *ssl)
{
    static __thread char name[32];
    const unsigned char *p;
    unsigned int n;

    SSL_get0_alpn_selected(ssl, &p, &n);
    if (p == NULL || n >= sizeof(name))
        return "";
    memcpy(name, p, n);
    name[n] = '\0';
    return name;
}
