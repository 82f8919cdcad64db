#ifndef OSNET_HTTP_TLS_H
#define OSNET_HTTP_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

/* TLS for the server, with OpenSSL 3, on non-blocking sockets driven by an
 * event loop. OpenSSL never blocks here: when a call cannot go on it says
 * which way the socket must become ready (SSL_ERROR_WANT_READ/WRITE), and
 * these wrappers turn that into -EAGAIN plus the epoll event to wait for.
 * Note that the answer is not always the obvious one: a read may need the
 * socket writable (to send a KeyUpdate or alert) and a write may need it
 * readable. */

/* Creates the server context: TLS 1.2 to 1.3, the certificate chain in
 * cert_pem (leaf first, then intermediates) and its private key, ALPN that
 * selects "http/1.1" or refuses the handshake with no_application_protocol
 * when the client offers only other protocols, no renegotiation, and
 * partial writes from a buffer that may move between retries. On failure
 * writes OpenSSL's reason into err and returns NULL. */
SSL_CTX *tls_ctx_new(const char *cert_pem, const char *key_pem, char *err, size_t errlen);

/* Creates the TLS state of an accepted connection fd (server side).
 * Returns NULL when out of memory. */
SSL *tls_conn_new(SSL_CTX *ctx, int fd);

/* Advances the handshake. Returns 1 when it is done, -EAGAIN with *want
 * set to EPOLLIN or EPOLLOUT when it must wait, or -EPROTO when it failed
 * (a plaintext request, an old protocol version, garbage, a reset). */
int tls_handshake(SSL *ssl, unsigned *want);

/* Reads up to n decrypted bytes. Returns the count (> 0), 0 at the end of
 * the stream (close_notify, or a FIN without it), -EAGAIN with *want set,
 * or another negative errno. */
ssize_t tls_read(SSL *ssl, char *p, size_t n, unsigned *want);

/* Writes up to n bytes; with partial writes on, the count may be less than
 * n. Returns the count (> 0), -EAGAIN with *want set, or a negative errno.
 * After -EAGAIN the caller must retry with at least the same bytes (they
 * may have moved). */
ssize_t tls_write(SSL *ssl, const char *p, size_t n, unsigned *want);

/* Sends close_notify if it can be sent at once (a best effort: the server
 * closes right after). */
void tls_close_notify(SSL *ssl);

/* Returns the name of the ALPN protocol selected ("http/1.1") or "". For
 * logs and tests. */
const char *tls_alpn(SSL *ssl);

#endif
