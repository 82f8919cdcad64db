/* Shared, correct plumbing for the deliberately broken https servers.
 *
 * This is a whole, correct (if plain) HTTPS static file server
 * (specs/https.md): a thread per connection, blocking sockets, OpenSSL with
 * TLS 1.2 and 1.3 only, ALPN "http/1.1", the whole certificate chain of
 * --cert, a handshake deadline (--handshake-timeout), keep-alive and
 * pipelining (bytes OpenSSL has already decrypted are served before waiting
 * on the socket again), files read and written through SSL_write, SIGPIPE
 * ignored, close_notify before every close. Each broken program replaces
 * one piece through the `https` hook table and marks its lines BUG, so that
 * it differs from a correct server in exactly that piece.
 *
 * Command line (the reference's): --host H --port P --root DIR --cert PEM
 * --key PEM [--handshake-timeout SEC] [--idle-timeout SEC]; the other http
 * options are accepted and ignored.
 */
#ifndef OSNET_BROKEN_HTTPS_COMMON_H
#define OSNET_BROKEN_HTTPS_COMMON_H

#include "../broken.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTPS_MAX_HEAD 16384

struct https_conn {
	int fd;
	SSL *ssl;    /* NULL: a plain connection (only plaintext-fallback has those) */
	int failed;  /* a fatal TLS error happened: no close_notify may follow */
	char in[HTTPS_MAX_HEAD];
	size_t inlen;
};

/* The pieces the broken programs replace. */
struct https_hooks {
	/* Called on the context after the correct settings: versions, ciphers, modes. */
	void (*configure)(SSL_CTX *ctx);
	/* Loads --cert and --key into the context; 0 or -1. */
	int (*load_cert)(SSL_CTX *ctx, const char *cert, const char *key);
	/* ALPN selection (SSL_CTX_set_alpn_select_cb); NULL: no ALPN at all. */
	SSL_CTX_alpn_select_cb_func alpn_select;
	int handshake_deadline;  /* apply --handshake-timeout (1) or wait forever (0) */
	int keep_sigpipe;        /* leave SIGPIPE at its default action */
	/* Before TLS starts on an accepted socket: returns 1 when it has dealt
	 * with the connection itself (it is then closed), 0 to go on with TLS. */
	int (*before_tls)(struct https_conn *c);
	/* A handshake failed or timed out. */
	void (*handshake_failed)(struct https_conn *c, const char *why);
	/* Waits until a request byte can be read: 1 yes, 0 timeout or error. */
	int (*wait_readable)(struct https_conn *c, int timeout_ms);
	/* SSL_write failed (the client reset or went away); the write then
	 * returns -1 and the connection is dropped. NULL: nothing more. */
	void (*write_failed)(struct https_conn *c);
	/* Sends size bytes of the open file fd as the response body; 0 or -1. */
	int (*send_body)(struct https_conn *c, int fd, off_t size);
	/* Ends the connection (close_notify, then close). */
	void (*finish)(struct https_conn *c);
};

extern struct https_hooks https;

static const char *https_root;
static int https_handshake_timeout = 10;
static int https_idle_timeout = 15;

/* ---- reading and writing, through TLS or (plaintext-fallback) not ---- */

/* Reads up to n bytes: >0 bytes, 0 the peer closed, -1 an error. */
static inline ssize_t https_read(struct https_conn *c, void *buf, size_t n)
{
	if (c->ssl == NULL) {
		ssize_t r;
		do
			r = recv(c->fd, buf, n, 0);
		while (r < 0 && errno == EINTR);
		return r;
	}
	int r = SSL_read(c->ssl, buf, (int)(n > INT_MAX ? INT_MAX : n));
	if (r > 0)
		return r;
	int err = SSL_get_error(c->ssl, r);
	if (err == SSL_ERROR_ZERO_RETURN)
		return 0;  /* the client's close_notify */
	c->failed = 1;
	return -1;
}

/* Writes all n bytes: 0, or -1 when the connection failed. */
static inline int https_write_all(struct https_conn *c, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		int chunk = (int)(n > (1 << 20) ? (1 << 20) : n);
		ssize_t w;
		if (c->ssl != NULL) {
			/* Blocking, no partial-write mode: SSL_write returns once
			 * every byte of chunk is out, or fails. */
			w = SSL_write(c->ssl, p, chunk);
			if (w <= 0) {
				c->failed = 1;
				if (https.write_failed != NULL)
					https.write_failed(c);
				return -1;
			}
		} else {
			w = send(c->fd, p, (size_t)chunk, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Decrypted bytes waiting inside OpenSSL count as readable: poll() on the
 * socket cannot see them (a pipelined request in the same record). */
static inline int https_wait_readable(struct https_conn *c, int timeout_ms)
{
	if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
		return 1;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static inline int https_send_body(struct https_conn *c, int fd, off_t size)
{
	static __thread char buf[65536];
	while (size > 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (https_write_all(c, buf, (size_t)n) < 0)
			return -1;
		size -= n;
	}
	return 0;
}

static inline void https_finish(struct https_conn *c)
{
	/* One SSL_shutdown sends close_notify; not waiting for the client's
	 * answer is allowed (RFC 8446 §6.1). Never after a fatal error. */
	if (c->ssl != NULL && !c->failed)
		SSL_shutdown(c->ssl);
	close(c->fd);
}

/* ---- TLS setup ---- */

static inline int https_load_cert(SSL_CTX *ctx, const char *cert, const char *key)
{
	/* _chain_: the leaf and every intermediate after it in the file. */
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return -1;
	return 0;
}

static inline int https_alpn_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
				    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x08http/1.1";
	unsigned char *sel;
	(void)ssl;
	(void)arg;
	/* SSL_select_next_proto points sel somewhere even when nothing
	 * matches: only OPENSSL_NPN_NEGOTIATED means a real match. */
	if (SSL_select_next_proto(&sel, outlen, ours, sizeof ours - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;  /* no_application_protocol, RFC 7301 §3.2 */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static inline void https_handshake_failed(struct https_conn *c, const char *why)
{
	(void)c;
	unsigned long e = ERR_get_error();
	fprintf(stderr, "https: handshake failed: %s%s%s\n", why, e ? ": " : "",
		e ? ERR_reason_error_string(e) : "");
	ERR_clear_error();
}

/* Runs the server side of the handshake on the non-blocking fd, within the
 * deadline (if any). Returns 0 or -1. */
static inline int https_handshake(struct https_conn *c)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		int r = SSL_accept(c->ssl);
		if (r == 1)
			break;
		int err = SSL_get_error(c->ssl, r);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			c->failed = 1;
			https.handshake_failed(c, "SSL_accept");
			return -1;
		}
		int wait = -1;
		if (https.handshake_deadline) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long ms = (now.tv_sec - start.tv_sec) * 1000 +
				  (now.tv_nsec - start.tv_nsec) / 1000000;
			wait = (int)(https_handshake_timeout * 1000L - ms);
			if (wait <= 0) {
				c->failed = 1;
				https.handshake_failed(c, "timed out");
				return -1;
			}
		}
		struct pollfd p = {.fd = c->fd,
				   .events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			return -1;
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	return 0;
}

/* ---- HTTP ---- */

static inline const char *https_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	static const char *const map[][2] = {
		{".html", "text/html"}, {".htm", "text/html"}, {".txt", "text/plain"},
		{".css", "text/css"}, {".js", "application/javascript"},
		{".json", "application/json"}, {".png", "image/png"}, {".jpg", "image/jpeg"},
	};
	if (dot != NULL)
		for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
			if (strcasecmp(dot, map[i][0]) == 0)
				return map[i][1];
	return "application/octet-stream";
}

/* Sends a response head (and a short body of text, if any). */
static inline int https_respond(struct https_conn *c, int status, const char *reason,
				const char *type, long long length, const char *extra,
				int close_after, const char *body)
{
	char date[64], head[1024];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: osnet-broken\r\n"
			 "Content-Type: %s\r\nContent-Length: %lld\r\n%s%s\r\n",
			 status, reason, date, type, length, extra ? extra : "",
			 close_after ? "Connection: close\r\n" : "");
	if (https_write_all(c, head, (size_t)n) < 0)
		return -1;
	if (body != NULL && https_write_all(c, body, strlen(body)) < 0)
		return -1;
	return 0;
}

static inline int https_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Serves GET/HEAD of target under the root. Returns 0, or -1 to close. */
static inline int https_serve_file(struct https_conn *c, const char *target, int head,
				   int close_after)
{
	char path[PATH_MAX], rel[PATH_MAX];
	size_t n = 0;
	for (const char *p = target; *p && *p != '?' && n + 1 < sizeof rel; p++) {
		int ch = (unsigned char)*p;
		if (ch == '%' && https_hexval(p[1]) >= 0 && https_hexval(p[2]) >= 0) {
			ch = https_hexval(p[1]) * 16 + https_hexval(p[2]);
			p += 2;
		}
		if (ch == 0) {
			https_respond(c, 400, "Bad Request", "text/plain", 12, NULL, 1,
				      "bad request\n");
			return -1;
		}
		rel[n++] = (char)ch;
	}
	rel[n] = '\0';
	if (rel[0] != '/' || strstr(rel, "/../") || (n >= 3 && strcmp(rel + n - 3, "/..") == 0))
		return https_respond(c, 404, "Not Found", "text/plain", 10, NULL, close_after,
				     head ? NULL : "not found\n");
	int plen = snprintf(path, sizeof path, "%s%s%s", https_root, rel,
			    rel[n - 1] == '/' ? "index.html" : "");
	if (plen < 0 || (size_t)plen >= sizeof path)
		return https_respond(c, 404, "Not Found", "text/plain", 10, NULL, close_after,
				     head ? NULL : "not found\n");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int isdir = fd >= 0 && S_ISDIR(st.st_mode);
		if (fd >= 0)
			close(fd);
		if (isdir) {
			char loc[PATH_MAX + 16];
			snprintf(loc, sizeof loc, "Location: %s/\r\n", rel);
			return https_respond(c, 301, "Moved Permanently", "text/plain", 0, loc,
					     close_after, NULL);
		}
		return https_respond(c, 404, "Not Found", "text/plain", 10, NULL, close_after,
				     head ? NULL : "not found\n");
	}
	int rc = https_respond(c, 200, "OK", https_type(path), (long long)st.st_size, NULL,
			       close_after, NULL);
	if (rc == 0 && !head)
		rc = https.send_body(c, fd, st.st_size);
	close(fd);
	return rc;
}

/* Finds header `name` in the head [start, end); copies its value to out. */
static inline int https_header(const char *head, const char *name, char *out, size_t cap)
{
	size_t len = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t i = 0;
			while (v[i] && v[i] != '\r' && i + 1 < cap) {
				out[i] = v[i];
				i++;
			}
			out[i] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Answers the requests of one connection until it is to be closed. */
static inline void https_http_loop(struct https_conn *c)
{
	for (;;) {
		char *end;
		while ((end = memmem(c->in, c->inlen, "\r\n\r\n", 4)) == NULL) {
			if (c->inlen >= sizeof c->in - 1) {
				https_respond(c, 431, "Request Header Fields Too Large", "text/plain",
					      0, NULL, 1, NULL);
				return;
			}
			if (!https.wait_readable(c, https_idle_timeout * 1000))
				return;
			ssize_t r = https_read(c, c->in + c->inlen, 4096 < sizeof c->in - 1 - c->inlen
								? 4096 : sizeof c->in - 1 - c->inlen);
			if (r <= 0)
				return;
			c->inlen += (size_t)r;
		}
		size_t headlen = (size_t)(end - c->in) + 4;
		char head[HTTPS_MAX_HEAD];
		memcpy(head, c->in, headlen - 2);
		head[headlen - 2] = '\0';
		memmove(c->in, c->in + headlen, c->inlen - headlen);
		c->inlen -= headlen;

		char method[16], target[8192], version[16], value[256];
		if (sscanf(head, "%15s %8191s %15s", method, target, version) != 3 ||
		    strncmp(version, "HTTP/1.", 7) != 0) {
			https_respond(c, 400, "Bad Request", "text/plain", 12, NULL, 1, "bad request\n");
			return;
		}
		int close_after = strcmp(version, "HTTP/1.0") == 0;
		if (https_header(head, "Connection", value, sizeof value))
			close_after = strcasestr(value, "close") != NULL ? 1 :
				      strcasestr(value, "keep-alive") != NULL ? 0 : close_after;
		/* A body is read and dropped, so the next request starts where it should. */
		long long body = 0;
		if (https_header(head, "Content-Length", value, sizeof value))
			body = atoll(value);
		while (body > 0) {
			if (c->inlen > 0) {
				size_t k = (size_t)body < c->inlen ? (size_t)body : c->inlen;
				memmove(c->in, c->in + k, c->inlen - k);
				c->inlen -= k;
				body -= (long long)k;
				continue;
			}
			ssize_t r = https_read(c, c->in, sizeof c->in - 1);
			if (r <= 0)
				return;
			c->inlen = (size_t)r;
		}
		int rc;
		if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
			rc = https_serve_file(c, target, method[0] == 'H', close_after);
		else
			rc = https_respond(c, 405, "Method Not Allowed", "text/plain", 0,
					   "Allow: GET, HEAD\r\n", close_after, NULL);
		if (rc < 0 || close_after)
			return;
	}
}

/* ---- connections and main ---- */

static SSL_CTX *https_ctx;

static void *https_conn_thread(void *arg)
{
	struct https_conn *c = arg;
	if (https.before_tls != NULL && https.before_tls(c)) {
		close(c->fd);
		free(c);
		return NULL;
	}
	c->ssl = SSL_new(https_ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		close(c->fd);
	} else if (https_handshake(c) < 0) {
		close(c->fd);
	} else {
		https_http_loop(c);
		https.finish(c);
	}
	SSL_free(c->ssl);
	free(c);
	ERR_clear_error();
	return NULL;
}

static inline const char *https_arg(int argc, char **argv, const char *name, const char *dflt)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return dflt;
}

static inline int https_main(int argc, char **argv)
{
	const char *host = https_arg(argc, argv, "--host", "127.0.0.1");
	const char *port = https_arg(argc, argv, "--port", NULL);
	const char *cert = https_arg(argc, argv, "--cert", NULL);
	const char *key = https_arg(argc, argv, "--key", NULL);
	https_root = https_arg(argc, argv, "--root", NULL);
	https_handshake_timeout = atoi(https_arg(argc, argv, "--handshake-timeout", "10"));
	https_idle_timeout = atoi(https_arg(argc, argv, "--idle-timeout", "15"));
	if (port == NULL || cert == NULL || key == NULL || https_root == NULL) {
		fprintf(stderr, "usage: %s --host H --port P --root DIR --cert PEM --key PEM "
				"[--handshake-timeout SEC] [--idle-timeout SEC]\n", argv[0]);
		return 2;
	}
	if (!https.keep_sigpipe)
		signal(SIGPIPE, SIG_IGN);

	https_ctx = SSL_CTX_new(TLS_server_method());
	if (https_ctx == NULL)
		return 1;
	SSL_CTX_set_min_proto_version(https_ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(https_ctx, TLS1_3_VERSION);
	if (https.configure != NULL)
		https.configure(https_ctx);
	if (https.load_cert(https_ctx, cert, key) < 0) {
		fprintf(stderr, "https: cannot load %s / %s\n", cert, key);
		ERR_print_errors_fp(stderr);
		return 1;
	}
	if (https.alpn_select != NULL)
		SSL_CTX_set_alpn_select_cb(https_ctx, https.alpn_select, NULL);

	int lfd = broken_bind(host, port, SOCK_STREAM | SOCK_CLOEXEC, 1);
	if (listen(lfd, 1024) < 0) {
		perror("listen");
		return 1;
	}
	fprintf(stderr, "https: listening on %s:%s\n", host, port);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(10000);
			continue;
		}
		struct https_conn *c = calloc(1, sizeof *c);
		pthread_t t;
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if (pthread_create(&t, &attr, https_conn_thread, c) != 0) {
			close(fd);
			free(c);
		}
	}
}

struct https_hooks https = {
	.load_cert = https_load_cert,
	.alpn_select = https_alpn_http11,
	.handshake_deadline = 1,
	.handshake_failed = https_handshake_failed,
	.wait_readable = https_wait_readable,
	.send_body = https_send_body,
	.finish = https_finish,
};

#endif
