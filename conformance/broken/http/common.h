/* Shared, correct plumbing for the deliberately broken HTTP servers.
 *
 * This is a whole, correct HTTP/1.1 static server (specs/http.md): one
 * thread per connection on blocking sockets (poll() before each read gives
 * the timeouts), request heads parsed with the limits (414, 431, 400, 501,
 * 505, Host rules), keep-alive, pipelining, Content-Length and chunked bodies
 * read in full, 413, 100-continue, static files under --root with
 * Last-Modified, If-Modified-Since and Range, the test router
 * (/_osnet/items/..., /_osnet/echo), the access log, SIGTERM -> exit 0.
 *
 * Each broken program replaces one piece through the `http` hook table (or
 * one setting) with its own, which carries the bug (marked BUG), so that it
 * differs from a correct server in exactly that piece. The pieces are cut
 * small (the Date field, the status line's version, the versions served,
 * ...) so that a replacement is a few lines, often a wrapper around the
 * correct one, and not a copy. It is not a reference (impl/http/ is):
 * simple and plain beats fast here.
 */
#ifndef OSNET_BROKEN_HTTP_COMMON_H
#define OSNET_BROKEN_HTTP_COMMON_H

#include "../broken.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define HTTP_MAX_FIELDS_CAP 100000 /* array size bound even with no limit */

struct http_field {
	char *name, *value; /* NUL-terminated, inside the request's head copy */
};

struct http_req {
	char *head;           /* a NUL-terminated copy of the head, cut into lines */
	char *line;           /* the request line as sent (for the access log) */
	char *method, *target;
	int minor;            /* HTTP/1.<minor> */
	int is_head;          /* HEAD: the headers GET would get, no body */
	struct http_field *fields;
	int nfields;
	char *path;           /* the target's path, still percent-encoded */
	char *query;          /* after '?', or NULL */
	long long clen;       /* Content-Length, -1 when absent */
	int chunked;
	int conn_close, conn_keep_alive; /* Connection: close / keep-alive */
	int expect_continue;
	char *body;
	size_t bodylen;
	int close;            /* close the connection after the response */
	int status;           /* what was answered (access log) */
	long long sent;       /* body bytes sent (access log) */
};

struct http_conn {
	int fd;
	char peer[INET6_ADDRSTRLEN];
	char *buf;            /* buf[0..len) read, not yet used */
	size_t len, cap;
	int64_t first_byte;   /* ms: when the current head started, 0 none yet */
	int served;           /* requests answered on this connection */
};

/* What a handler answers: status, headers, and a body in memory or a file
 * range. http.respond() writes it. */
struct http_res {
	int status;
	const char *type;     /* Content-Type, or NULL */
	char extra[9000];     /* more header lines, each ending in CRLF */
	size_t extralen;
	const char *body;     /* memory body ... */
	size_t len;
	int fd;               /* ... or bytes [off, off+len) of this file (-1 none) */
	off_t off;
	int no_body;          /* 304: no body and no Content-Length */
	char page[64];        /* the text of a status page (http_res_page) */
};

/* A response head being written (http_head_add): the status line, then
 * the header fields, each ending in CRLF. */
struct http_head {
	char buf[10240];
	size_t len;
	int full;             /* something did not fit: the head is not sent */
};

/* The pieces the broken programs replace. */
struct http_hooks {
	const char *fixed_port;  /* listen here instead of --port */
	int max_conns;           /* 0: no limit */
	void (*on_sigterm)(int); /* SIGTERM's handler */
	int (*spawn)(struct http_conn *c); /* start serving an accepted connection */
	void (*accept_failed)(int err); /* accept4() failed with err */
	size_t max_request_line; /* 414 past it */
	size_t max_field_line;   /* 431 past it */
	size_t max_head;         /* 431 past it */
	int max_fields;          /* 431 past it */
	int (*wait_ms)(const struct http_conn *c);
	int (*check_limits)(const char *buf, size_t len);
	/* the request line, in the order it is parsed */
	int (*split_request_line)(char *line, char **method, char **target, char **version);
	int (*parse_version)(const char *v, int *major, int *minor);
	int (*version_ok)(int major, int minor);
	int (*method_known)(const char *method);
	int (*parse_field_line)(struct http_req *r, char *line);
	int (*check_fields)(struct http_req *r);
	int (*host_rule)(const struct http_req *r, int hosts);
	int (*content_length)(const char *v, long long *n);
	int (*framing)(struct http_req *r, const char *te);
	int (*too_large)(const struct http_req *r, unsigned long long total);
	int (*body_length)(struct http_conn *c, struct http_req *r);
	int (*body_chunked)(struct http_conn *c, struct http_req *r);
	int (*chunk_size)(const char *line, unsigned long long *size);
	int (*trailers)(struct http_conn *c);
	void (*send_continue)(struct http_conn *c, struct http_req *r);
	int (*keep_alive)(const struct http_req *r);
	void (*dispatch)(struct http_conn *c, struct http_req *r);
	int (*decode)(char *s, int plus_is_space, int allow_nul);
	int (*decode_path)(char *s);
	int (*decode_param)(char *s);
	int (*normalize)(char *path);
	void (*serve_static)(struct http_conn *c, struct http_req *r, char *path);
	const char *(*mime_type)(const char *path);
	void (*file_headers)(struct http_res *res, const struct stat *st);
	int (*not_modified)(const struct http_req *r, time_t mtime);
	int (*range)(const struct http_req *r, off_t size, off_t *first, off_t *last);
	void (*not_allowed)(struct http_conn *c, struct http_req *r, const char *allow);
	/* the response head, piece by piece (the Content-Type and res->extra
	 * lines have no hook); a length_field that writes no Content-Length
	 * must set r->close, since then only the close ends the body */
	const char *(*status_version)(const struct http_req *r);
	void (*date_field)(struct http_head *h);
	void (*length_field)(struct http_head *h, struct http_req *r, const struct http_res *res);
	void (*connection_field)(struct http_head *h, const struct http_req *r);
	int (*sends_body)(const struct http_req *r, const struct http_res *res); /* does a body follow? */
	int (*respond)(struct http_conn *c, struct http_req *r, struct http_res *res);
	void (*request_done)(struct http_conn *c);
	void (*log)(const struct http_conn *c, const struct http_req *r);
	void (*close_after)(struct http_conn *c); /* before close() of a connection that ends after a response */
};

extern struct http_hooks http;

static const char *http_root;
static int http_header_timeout = 10, http_idle_timeout = 15;
static long long http_max_body = 1048576;
static int http_log_fd = -1;
static int http_nconns; /* open connections (for max_conns) */

/* ---- small helpers ---- */

static inline int64_t http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". */
static inline void http_fmt_date(char *buf, size_t n, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Parses an IMF-fixdate; returns 0 and *t, or -1 when it is not one. */
static inline int http_parse_date(const char *s, time_t *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t = timegm(&tm);
	return 0;
}

static inline const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* Sends all of buf; returns 0 or -1. */
static inline int http_send_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Appends printf output to the text buf[0..*len) of capacity cap. Returns
 * 0, or -1 (and appends nothing) when it does not fit. */
static inline int http_vadd(char *buf, size_t cap, size_t *len, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static inline int http_vadd(char *buf, size_t cap, size_t *len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	if (n < 0 || *len + (size_t)n >= cap) {
		buf[*len] = '\0';
		return -1;
	}
	*len += (size_t)n;
	return 0;
}

/* Appends one header line to res (dropped when it does not fit). */
static inline void http_res_header(struct http_res *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void http_res_header(struct http_res *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	http_vadd(res->extra, sizeof res->extra, &res->extralen, fmt, ap);
	va_end(ap);
}

/* Appends to the response head h; what does not fit marks it full. */
static inline void http_head_add(struct http_head *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void http_head_add(struct http_head *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (http_vadd(h->buf, sizeof h->buf, &h->len, fmt, ap) < 0)
		h->full = 1;
	va_end(ap);
}

static inline void http_res_init(struct http_res *res, int status)
{
	memset(res, 0, sizeof *res);
	res->status = status;
	res->fd = -1;
}

/* Makes res's body a text/plain page that names its status ("404 Not
 * Found\n"); the header lines already in res stay. */
static inline void http_res_page(struct http_res *res, int status)
{
	res->status = status;
	res->type = "text/plain";
	res->len = (size_t)snprintf(res->page, sizeof res->page, "%d %s\n", status, http_reason(status));
	res->body = res->page;
}

/* The first field named name (case ignored), or NULL. */
static inline const char *http_field(const struct http_req *r, const char *name)
{
	for (int i = 0; i < r->nfields; i++)
		if (strcasecmp(r->fields[i].name, name) == 0)
			return r->fields[i].value;
	return NULL;
}

/* Does the comma-separated list s hold token tok (case ignored)? */
static inline int http_has_token(const char *s, const char *tok)
{
	size_t n = strlen(tok);
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		const char *e = s;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if ((size_t)(t - s) == n && strncasecmp(s, tok, n) == 0)
			return 1;
		s = e;
	}
	return 0;
}

static inline int http_is_tchar(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* ---- reading ---- */

/* How long to wait for the next bytes: before a request's first byte the
 * idle timeout (the header timeout on a fresh connection), then what is
 * left of the header timeout counted from that first byte (a total, so a
 * client that dribbles one byte at a time cannot hold the connection). */
static inline int http_wait_ms(const struct http_conn *c)
{
	if (c->first_byte == 0)
		return (c->served ? http_idle_timeout : http_header_timeout) * 1000;
	int64_t left = c->first_byte + (int64_t)http_header_timeout * 1000 - http_now_ms();
	return left > 0 ? (int)left : 0;
}

/* Reads what arrives within ms into c->buf. Returns bytes read, 0 on EOF,
 * -1 on error, -2 on timeout. */
static inline ssize_t http_fill(struct http_conn *c, int ms)
{
	if (c->cap - c->len < 16384) {
		size_t cap = c->cap ? c->cap * 2 : 32768;
		char *p = realloc(c->buf, cap);
		if (p == NULL)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int rc;
	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -2;
	if (rc < 0)
		return -1;
	ssize_t n;
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->len += (size_t)n;
	return n < 0 ? -1 : n;
}

static inline void http_consume(struct http_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Length of the head at buf[0..len) (through its empty line), or 0 when
 * the empty line has not arrived. Lines end in CRLF or a bare LF. */
static inline size_t http_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Checks the (possibly partial) head at buf[0..len) against the limits:
 * 414 for a request line too long, 431 for a field line or the head too
 * long, 0 when within them. A line still arriving counts too, so nothing
 * grows past a limit before it is refused. */
static inline int http_check_limits(const char *buf, size_t len)
{
	size_t start = 0, lineno = 0;
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - start;
		if (nl && n > 0 && buf[end - 1] == '\r')
			n--;
		size_t max = lineno == 0 ? http.max_request_line : http.max_field_line;
		if (n > max + (nl ? 0 : 1))
			return lineno == 0 ? 414 : 431;
		if (nl && n == 0 && lineno > 0)
			break; /* the empty line: the head is over */
		start = end + 1;
		lineno++;
	}
	return start > http.max_head ? 431 : 0;
}

/* Waits for a whole request head. Returns 0 with *headlen, a status owed
 * (408, 414, 431), or -1 to close without a word (EOF, idle, error). */
static inline int http_read_head(struct http_conn *c, size_t *headlen)
{
	for (;;) {
		/* RFC 9112 §2.2: empty lines before a request line are ignored. */
		size_t skip = 0;
		while (skip < c->len && (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;
		if (skip)
			http_consume(c, skip);
		if (c->len > 0 && c->first_byte == 0)
			c->first_byte = http_now_ms();
		size_t end = http_head_end(c->buf, c->len);
		int st = http.check_limits(c->buf, end ? end : c->len);
		if (st)
			return st;
		if (end) {
			*headlen = end;
			return 0;
		}
		int ms = http.wait_ms(c);
		ssize_t n = ms == 0 ? -2 : http_fill(c, ms);
		if (n == -2)
			return c->first_byte ? 408 : -1;
		if (n <= 0)
			return -1;
	}
}

/* ---- parsing ---- */

/* Cuts "METHOD SP target SP HTTP/x.y" at its two spaces, exactly one each
 * (RFC 9112 §3). Returns 0 with the three parts, or -1. */
static inline int http_split_request_line(char *line, char **method, char **target, char **version)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return -1;
	*sp1 = *sp2 = '\0';
	*method = line;
	*target = sp1 + 1;
	*version = sp2 + 1;
	return 0;
}

/* "HTTP/x.y", case-sensitive, one digit each side (RFC 9112 §2.3).
 * Returns 0 with the numbers, or -1. */
static inline int http_parse_version(const char *v, int *major, int *minor)
{
	if (strncmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) || v[6] != '.' ||
	    !isdigit((unsigned char)v[7]) || v[8] != '\0')
		return -1;
	*major = v[5] - '0';
	*minor = v[7] - '0';
	return 0;
}

/* The versions served: HTTP/1.0 and HTTP/1.1. */
static inline int http_version_ok(int major, int minor)
{
	return major == 1 && (minor == 0 || minor == 1);
}

/* The methods implemented (others get 501, RFC 9110 §9.1: 405 would say
 * only this resource refuses it). */
static inline int http_method_known(const char *method)
{
	static const char *known[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
				      "OPTIONS", "PATCH", "TRACE", "CONNECT", NULL};
	for (int i = 0; known[i]; i++)
		if (strcmp(known[i], method) == 0)
			return 1;
	return 0;
}

/* Is s a non-empty run of tchars (a token, RFC 9110 §5.6.2)? */
static inline int http_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!http_is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* The request line. Returns 0 or the status owed: 400 malformed, 505 a
 * version not served, 501 a method not implemented. */
static inline int http_parse_request_line(struct http_req *r, char *line)
{
	char *version;
	int major, minor;
	if (http.split_request_line(line, &r->method, &r->target, &version) < 0 ||
	    !http_is_token(r->method))
		return 400;
	for (const char *p = r->target; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 400;
	if (http.parse_version(version, &major, &minor) < 0)
		return 400;
	if (!http.version_ok(major, minor))
		return 505;
	r->minor = minor;
	if (!http.method_known(r->method))
		return 501;
	r->is_head = strcmp(r->method, "HEAD") == 0;
	return 0;
}

/* "name: value". Returns 0 or the status owed. */
static inline int http_parse_field_line(struct http_req *r, char *line)
{
	if (line[0] == ' ' || line[0] == '\t')
		return 400; /* obs-fold (RFC 9112 §5.2) */
	char *colon = strchr(line, ':');
	if (colon == NULL)
		return 400;
	*colon = '\0';
	if (!http_is_token(line))
		return 400; /* includes whitespace before the colon (§5.1) */
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	for (const char *p = v; *p; p++)
		if (*p == '\r' || *p == '\0')
			return 400;
	if (r->nfields >= http.max_fields || r->nfields >= HTTP_MAX_FIELDS_CAP)
		return 431;
	r->fields[r->nfields].name = line;
	r->fields[r->nfields].value = v;
	r->nfields++;
	return 0;
}

/* HTTP/1.1 needs exactly one Host; HTTP/1.0 at most one (RFC 9112 §3.2).
 * Returns 0 or 400. */
static inline int http_host_rule(const struct http_req *r, int hosts)
{
	return hosts > 1 || (r->minor == 1 && hosts == 0) ? 400 : 0;
}

/* A Content-Length value: one decimal number, nothing else (RFC 9112
 * §6.3: a sign, a list or a letter make the framing unknowable). Returns 0
 * and *n, or -1. */
static inline int http_content_length(const char *v, long long *n)
{
	if (*v == '\0' || strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))
		return -1;
	*n = atoll(v);
	return 0;
}

/* How the body is delimited, from Content-Length (r->clen) and the
 * Transfer-Encoding value te (NULL: none). Returns 0 or the status owed:
 * both at once is 400 (a smuggling attempt, RFC 9112 §6.3 item 3), a coding
 * other than chunked 501. */
static inline int http_framing(struct http_req *r, const char *te)
{
	if (te && r->clen >= 0)
		return 400;
	if (te && strcasecmp(te, "chunked") != 0)
		return 501;
	r->chunked = te != NULL;
	return 0;
}

/* The rules across fields: Host, body framing, Connection, Expect. Returns
 * 0 or the status owed. */
static inline int http_check_fields(struct http_req *r)
{
	int hosts = 0;
	const char *te = NULL;
	r->clen = -1;
	for (int i = 0; i < r->nfields; i++) {
		const char *name = r->fields[i].name, *v = r->fields[i].value;
		long long n;
		if (strcasecmp(name, "Host") == 0) {
			hosts++;
		} else if (strcasecmp(name, "Content-Length") == 0) {
			if (http.content_length(v, &n) < 0 || (r->clen >= 0 && r->clen != n))
				return 400;
			r->clen = n;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			if (te)
				return 501;
			te = v;
		} else if (strcasecmp(name, "Connection") == 0) {
			r->conn_close |= http_has_token(v, "close");
			r->conn_keep_alive |= http_has_token(v, "keep-alive");
		} else if (strcasecmp(name, "Expect") == 0) {
			r->expect_continue = strcasecmp(v, "100-continue") == 0;
		}
	}
	int st = http.host_rule(r, hosts);
	return st ? st : http.framing(r, te);
}

/* Cuts the head copy into lines and parses them. Returns 0 or a status. */
static inline int http_parse_head(struct http_req *r)
{
	char *p = r->head;
	int lineno = 0;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (memchr(p, '\r', strlen(p)))
			return 400; /* a bare CR */
		if (*p == '\0')
			break;
		int st;
		if (lineno++ == 0) {
			r->line = strdup(p);
			if (r->line == NULL)
				return 500;
			st = http_parse_request_line(r, p);
		} else {
			st = http.parse_field_line(r, p);
		}
		if (st)
			return st;
		p = nl + 1;
	}
	int st = http.check_fields(r);
	if (st)
		return st;
	/* The target: origin-form, or absolute-form (its path; RFC 9112 §3.2.2). */
	char *t = r->target;
	if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
		t = strstr(t, "//") + 2;
		t += strcspn(t, "/?");
		if (*t != '/') {
			static char slash[] = "/";
			t = slash; /* "http://h" or "http://h?q": the path is "/" */
		}
	}
	if (t[0] != '/')
		return 400;
	r->path = t;
	char *q = strchr(t, '?');
	if (q) {
		*q = '\0';
		r->query = q + 1;
	}
	return 0;
}

/* ---- bodies ---- */

/* RFC 9110 §10.1.1: a client that waits for it gets 100 Continue before
 * the body is read; none when the body has already started arriving. */
static inline void http_send_continue(struct http_conn *c, struct http_req *r)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (r->expect_continue && r->minor == 1 && c->len == 0)
		http_send_all(c->fd, cont, sizeof cont - 1);
}

/* Waits for at least one more byte of a body. Returns 0, or -1 (EOF, error,
 * the idle timeout: the client stopped sending). */
static inline int http_fill_body(struct http_conn *c)
{
	ssize_t n = http_fill(c, http_idle_timeout * 1000);
	return n > 0 ? 0 : -1;
}

/* Is a body of total bytes (declared, or decoded so far) over --max-body? */
static inline int http_too_large(const struct http_req *r, unsigned long long total)
{
	(void)r;
	return total > (unsigned long long)http_max_body;
}

/* Moves body bytes from the connection into r->body (which has room)
 * until r->bodylen is want, reading as needed. Returns 0 or -1. */
static inline int http_read_body(struct http_conn *c, struct http_req *r, size_t want)
{
	while (r->bodylen < want) {
		if (c->len == 0 && http_fill_body(c) < 0)
			return -1;
		size_t n = want - r->bodylen;
		if (n > c->len)
			n = c->len;
		memcpy(r->body + r->bodylen, c->buf, n);
		r->bodylen += n;
		http_consume(c, n);
	}
	return 0;
}

/* Reads a Content-Length body whole into r->body. Returns 0, 413, or -1. */
static inline int http_body_length(struct http_conn *c, struct http_req *r)
{
	if (http.too_large(r, (unsigned long long)r->clen))
		return 413;
	r->body = malloc((size_t)r->clen + 1);
	if (r->body == NULL)
		return -1;
	http.send_continue(c, r);
	return http_read_body(c, r, (size_t)r->clen);
}

/* Reads one line (through LF, CRLF removed) of at most 4096 bytes of a
 * chunked body into line. Returns 0, 400, or -1. */
static inline int http_chunk_line(struct http_conn *c, char *line)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			if (n > 4096)
				return 400;
			memcpy(line, c->buf, n);
			line[n] = '\0';
			if (n > 0 && line[n - 1] == '\r')
				line[n - 1] = '\0';
			http_consume(c, n + 1);
			return 0;
		}
		if (c->len > 4096)
			return 400;
		if (http_fill_body(c) < 0)
			return -1;
	}
}

/* A chunk-size line: hex digits, then optional whitespace and extensions
 * (";name=value", ignored: RFC 9112 §7.1.1). Returns 0 and *size, or -1. */
static inline int http_chunk_size(const char *line, unsigned long long *size)
{
	unsigned long long n = 0;
	const char *p = line;
	if (!isxdigit((unsigned char)*p))
		return -1;
	for (; isxdigit((unsigned char)*p); p++) {
		if (n >> 56)
			return -1; /* overflow */
		int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
		n = n * 16 + (unsigned)d;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';')
		return -1;
	*size = n;
	return 0;
}

/* Reads the trailer section after the last chunk, through its empty line,
 * and drops it (RFC 9112 §7.1.2). Returns 0, 400, 431, or -1. */
static inline int http_trailers(struct http_conn *c)
{
	char line[4097];
	size_t total = 0;
	do {
		int st = http_chunk_line(c, line);
		if (st)
			return st;
		total += strlen(line);
		if (total > http.max_head)
			return 431;
	} while (line[0] != '\0');
	return 0;
}

/* Reads a chunked body whole (trailers skipped). Returns 0, 400, 413, -1. */
static inline int http_body_chunked(struct http_conn *c, struct http_req *r)
{
	char line[4097];
	size_t cap = 0;
	http.send_continue(c, r);
	for (;;) {
		unsigned long long size;
		int st = http_chunk_line(c, line);
		if (st)
			return st;
		if (http.chunk_size(line, &size) < 0)
			return 400;
		if (size == 0)
			break;
		if (size > (unsigned long long)LLONG_MAX || http.too_large(r, r->bodylen + size))
			return 413;
		if (r->bodylen + size + 1 > cap) {
			cap = r->bodylen + size + 1 > cap * 2 ? r->bodylen + size + 1 : cap * 2;
			char *p = realloc(r->body, cap);
			if (p == NULL)
				return -1;
			r->body = p;
		}
		if (http_read_body(c, r, r->bodylen + size) < 0)
			return -1;
		st = http_chunk_line(c, line);
		if (st)
			return st;
		if (line[0] != '\0')
			return 400; /* chunk data must end with CRLF */
	}
	return http.trailers(c);
}

/* ---- decoding and paths ---- */

static inline int http_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Decodes %XX escapes in s in place ('+' is a space when plus_is_space).
 * Returns the new length, or -1 on a malformed escape or a %00 when NULs
 * are not allowed. */
static inline int http_decode(char *s, int plus_is_space, int allow_nul)
{
	char *out = s;
	for (char *p = s; *p; p++) {
		if (*p == '%') {
			int hi = http_hexval((unsigned char)p[1]);
			int lo = hi < 0 ? -1 : http_hexval((unsigned char)p[2]);
			if (lo < 0 || (!allow_nul && hi == 0 && lo == 0))
				return -1;
			*out++ = (char)(hi * 16 + lo);
			p += 2;
		} else if (*p == '+' && plus_is_space) {
			*out++ = ' ';
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	return (int)(out - s);
}

static inline int http_decode_path(char *s)
{
	return http.decode(s, 0, 0);
}

static inline int http_decode_param(char *s)
{
	return http.decode(s, 0, 0);
}

/* Resolves "." and ".." segments and empty segments of an absolute path in
 * place (RFC 3986 §5.2.4). Returns 0, or -1 when ".." would climb above
 * the root. A path whose last segment was "." or ".." ends with '/'. */
static inline int http_normalize(char *path)
{
	char *out = path; /* path[0] == '/' stays */
	char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		char *seg = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - seg);
		int last = *p == '\0';
		if (n == 0)
			break;
		if (n == 1 && seg[0] == '.') {
			if (last)
				*out++ = '/';
			continue;
		}
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (out == path)
				return -1;
			while (out > path && *--out != '/')
				;
			if (last)
				*out++ = '/';
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
		const char *rest = p;
		while (*rest == '/')
			rest++;
		if (*p == '/' && *rest == '\0')
			*out++ = '/'; /* "/dir/" keeps its slash: it means the index */
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
	return 0;
}

static inline const char *http_mime_type(const char *path)
{
	static const char *types[][2] = {
		{"html", "text/html"}, {"htm", "text/html"}, {"css", "text/css"},
		{"js", "application/javascript"}, {"json", "application/json"},
		{"txt", "text/plain"}, {"png", "image/png"}, {"jpg", "image/jpeg"},
		{"jpeg", "image/jpeg"}, {"gif", "image/gif"}, {"svg", "image/svg+xml"},
		{"ico", "image/x-icon"}, {"pdf", "application/pdf"},
		{"wasm", "application/wasm"}, {"xml", "text/xml"},
	};
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (dot)
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot + 1, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

/* ---- responses ---- */

/* The version in the status line: the server's own, whatever the
 * request's (RFC 9110 §6.2). */
static inline const char *http_status_version(const struct http_req *r)
{
	(void)r;
	return "HTTP/1.1";
}

/* Date, in IMF-fixdate: an origin server with a clock sends it in every
 * response (RFC 9110 §6.6.1). */
static inline void http_date_field(struct http_head *h)
{
	char date[64];
	http_fmt_date(date, sizeof date, time(NULL));
	http_head_add(h, "Date: %s\r\n", date);
}

/* Content-Length on every response with a body, and for HEAD the length
 * GET would send (RFC 9110 §8.6, §9.3.2); none on a 304. */
static inline void http_length_field(struct http_head *h, struct http_req *r,
				     const struct http_res *res)
{
	(void)r;
	if (!res->no_body)
		http_head_add(h, "Content-Length: %zu\r\n", res->len);
}

/* "Connection: close" when the connection ends after this response (RFC
 * 9112 §9.6); "keep-alive" to an HTTP/1.0 client whose connection stays. */
static inline void http_connection_field(struct http_head *h, const struct http_req *r)
{
	if (r->close)
		http_head_add(h, "Connection: close\r\n");
	else if (r->minor == 0)
		http_head_add(h, "Connection: keep-alive\r\n");
}

/* Writes the status line and the header fields of res. Returns 0 or -1. */
static inline int http_send_head(struct http_conn *c, struct http_req *r, const struct http_res *res)
{
	struct http_head h = {.len = 0};
	http_head_add(&h, "%s %d %s\r\n", http.status_version(r), res->status,
		      http_reason(res->status));
	http.date_field(&h);
	if (res->type)
		http_head_add(&h, "Content-Type: %s\r\n", res->type);
	http.length_field(&h, r, res);
	http.connection_field(&h, r);
	http_head_add(&h, "%.*s\r\n", (int)res->extralen, res->extra);
	return h.full ? -1 : http_send_all(c->fd, h.buf, h.len);
}

/* Does a body follow the head? Not for HEAD, not for a 304 (RFC 9110
 * §9.3.2, §15.4.5). */
static inline int http_sends_body(const struct http_req *r, const struct http_res *res)
{
	return !r->is_head && !res->no_body;
}

/* Sends res: the head, then (when http.sends_body) the body. Returns 0 or -1. */
static inline int http_respond(struct http_conn *c, struct http_req *r, struct http_res *res)
{
	r->status = res->status;
	if (http_send_head(c, r, res) < 0)
		return -1;
	if (!http.sends_body(r, res))
		return 0;
	if (res->fd < 0) {
		r->sent = (long long)res->len;
		return http_send_all(c->fd, res->body, res->len);
	}
	off_t off = res->off;
	size_t left = res->len;
	while (left > 0) {
		ssize_t n = sendfile(c->fd, res->fd, &off, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		left -= (size_t)n;
		r->sent += n;
	}
	return 0;
}

/* A status page. After a protocol error (or a failure of ours) the
 * connection is closed: what follows in it cannot be trusted to start a
 * request. */
static inline int http_error(struct http_conn *c, struct http_req *r, int status)
{
	struct http_res res;
	if (status == 400 || (status >= 408 && status != 416))
		r->close = 1;
	http_res_init(&res, status);
	http_res_page(&res, status);
	return http.respond(c, r, &res);
}

static inline void http_not_allowed(struct http_conn *c, struct http_req *r, const char *allow)
{
	struct http_res res;
	http_res_init(&res, 405);
	http_res_page(&res, 405);
	http_res_header(&res, "Allow: %s\r\n", allow);
	http.respond(c, r, &res);
}

/* ---- static files ---- */

/* The validator and range support every answer about a file carries. */
static inline void http_file_headers(struct http_res *res, const struct stat *st)
{
	char date[64];
	http_fmt_date(date, sizeof date, st->st_mtime);
	http_res_header(res, "Last-Modified: %s\r\n", date);
	http_res_header(res, "Accept-Ranges: bytes\r\n");
}

/* If-Modified-Since (RFC 9110 §13.1.3): not modified when the file is no
 * newer than the date; an invalid date is ignored. */
static inline int http_not_modified(const struct http_req *r, time_t mtime)
{
	const char *ims = http_field(r, "If-Modified-Since");
	time_t t;
	return ims != NULL && http_parse_date(ims, &t) == 0 && mtime <= t;
}

/* Range (RFC 9110 §14.2): one "bytes=" range. Returns 1 with [*first,
 * *last], 0 to send the whole file (no Range, a form we do not do, several
 * ranges), -1 when unsatisfiable (416). */
static inline int http_range(const struct http_req *r, off_t size, off_t *first, off_t *last)
{
	const char *v = http_field(r, "Range");
	if (v == NULL || strncasecmp(v, "bytes=", 6) != 0 || strchr(v, ',') || r->is_head)
		return 0;
	v += 6;
	char *end;
	if (*v == '-') {
		if (!isdigit((unsigned char)v[1]))
			return 0;
		long long n = strtoll(v + 1, &end, 10);
		if (*end)
			return 0;
		if (n == 0 || size == 0)
			return -1;
		*first = n >= size ? 0 : size - n;
		*last = size - 1;
		return 1;
	}
	if (!isdigit((unsigned char)*v))
		return 0;
	long long a = strtoll(v, &end, 10), b;
	if (*end != '-')
		return 0;
	if (end[1] == '\0') {
		b = size - 1;
	} else {
		if (!isdigit((unsigned char)end[1]))
			return 0;
		b = strtoll(end + 1, &end, 10);
		if (*end || b < a)
			return 0;
	}
	if (a >= size)
		return -1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}

/* Serves the file at path (decoded, normalized, under --root): 200, 206,
 * 304, 416, 301 for a directory without its slash, 403/404. */
static inline void http_serve_static(struct http_conn *c, struct http_req *r, char *path)
{
	size_t plen = strlen(path);
	char *full = malloc(strlen(http_root) + plen + sizeof "index.html");
	if (full == NULL) {
		http_error(c, r, 500);
		return;
	}
	sprintf(full, "%s%s", http_root, path);
	if (path[plen - 1] == '/')
		strcat(full, "index.html");
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 || !S_ISREG(st.st_mode)) {
		int is_dir = fd >= 0 && S_ISDIR(st.st_mode);
		int denied = fd < 0 && errno == EACCES;
		if (fd >= 0)
			close(fd);
		free(full);
		if (is_dir && path[plen - 1] != '/') {
			struct http_res res;
			http_res_init(&res, 301);
			http_res_page(&res, 301);
			http_res_header(&res, "Location: %s/\r\n", r->path);
			http.respond(c, r, &res);
		} else {
			http_error(c, r, denied ? 403 : 404);
		}
		return;
	}
	struct http_res res;
	http_res_init(&res, 200);
	http.file_headers(&res, &st);
	off_t first = 0, last = st.st_size - 1;
	int rg;
	if (http.not_modified(r, st.st_mtime)) {
		res.status = 304;
		res.no_body = 1;
	} else if ((rg = http.range(r, st.st_size, &first, &last)) < 0) {
		http_res_page(&res, 416); /* the file's fields stay */
		http_res_header(&res, "Content-Range: bytes */%lld\r\n", (long long)st.st_size);
	} else {
		res.type = http.mime_type(full);
		res.fd = fd;
		res.off = first;
		res.len = (size_t)(last - first + 1);
		if (rg > 0) {
			res.status = 206;
			http_res_header(&res, "Content-Range: bytes %lld-%lld/%lld\r\n",
					(long long)first, (long long)last, (long long)st.st_size);
		}
	}
	http.respond(c, r, &res);
	close(fd);
	free(full);
}

/* ---- the router ---- */

/* Splits "a/b/c" (no leading slash) into at most max segments in place.
 * Returns the count, or -1 when there are more or one is empty. */
static inline int http_segments(char *s, char **seg, int max)
{
	int n = 0;
	for (;;) {
		if (n == max)
			return -1;
		seg[n++] = s;
		char *slash = strchr(s, '/');
		if (slash == NULL)
			break;
		*slash = '\0';
		s = slash + 1;
	}
	for (int i = 0; i < n; i++)
		if (*seg[i] == '\0')
			return -1;
	return n;
}

/* Appends printf output to the growable text at *buf (*len used, *cap). */
static inline int http_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int http_append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return 0;
		}
		size_t cap2 = (*cap + (size_t)n) * 2;
		char *p = realloc(*buf, cap2);
		if (p == NULL)
			return -1;
		*buf = p;
		*cap = cap2;
	}
}

/* GET|HEAD /_osnet/items/:id[/tags/:tag]: the decoded parameters, then the
 * decoded query pairs, one line each. */
static inline void http_items(struct http_conn *c, struct http_req *r, char **seg, int nseg)
{
	if (strcmp(r->method, "GET") != 0 && !r->is_head) {
		http.not_allowed(c, r, "GET, HEAD");
		return;
	}
	size_t len = 0, cap = 256;
	char *out = malloc(cap);
	if (out == NULL) {
		http_error(c, r, 500);
		return;
	}
	out[0] = '\0';
	int bad = 0;
	const char *names[] = {"id", "tag"};
	for (int i = 2, k = 0; i < nseg; i += 2, k++) {
		bad |= http.decode_param(seg[i]) < 0;
		bad |= http_append(&out, &len, &cap, "param %s %s\n", names[k], seg[i]) < 0;
	}
	for (char *q = r->query; q && *q && !bad;) {
		char *amp = q + strcspn(q, "&");
		int more = *amp == '&';
		*amp = '\0';
		if (*q) {
			char *eq = strchr(q, '=');
			char *v = (char *)"";
			if (eq) {
				*eq = '\0';
				v = eq + 1;
			}
			bad |= http.decode(q, 1, 0) < 0 || (*v && http.decode(v, 1, 0) < 0);
			bad |= http_append(&out, &len, &cap, "query %s %s\n", q, v) < 0;
		}
		q = more ? amp + 1 : amp;
	}
	if (bad) {
		free(out);
		http_error(c, r, 400);
		return;
	}
	struct http_res res;
	http_res_init(&res, 200);
	res.type = "text/plain";
	res.body = out;
	res.len = len;
	http.respond(c, r, &res);
	free(out);
}

/* Routes first (matched on the still-encoded path, so an escaped '/' stays
 * inside its parameter), then static files. */
static inline void http_dispatch(struct http_conn *c, struct http_req *r)
{
	if (strcmp(r->path, "/_osnet/echo") == 0) {
		if (strcmp(r->method, "POST") != 0) {
			http.not_allowed(c, r, "POST");
			return;
		}
		struct http_res res;
		http_res_init(&res, 200);
		res.type = "application/octet-stream";
		res.body = r->body ? r->body : "";
		res.len = r->bodylen;
		http.respond(c, r, &res);
		return;
	}
	char *copy = strdup(r->path);
	if (copy == NULL) {
		http_error(c, r, 500);
		return;
	}
	char *seg[5];
	int n = http_segments(copy + 1, seg, 5);
	if ((n == 3 || (n == 5 && strcmp(seg[3], "tags") == 0)) &&
	    strcmp(seg[0], "_osnet") == 0 && strcmp(seg[1], "items") == 0) {
		http_items(c, r, seg, n);
		free(copy);
		return;
	}
	strcpy(copy, r->path);
	if (strcmp(r->method, "GET") != 0 && !r->is_head)
		http.not_allowed(c, r, "GET, HEAD");
	else if (http.decode_path(copy) < 0 || http.normalize(copy) < 0)
		http_error(c, r, 400);
	else
		http.serve_static(c, r, copy);
	free(copy);
}

/* ---- connections ---- */

/* HTTP/1.1 persists unless "Connection: close"; HTTP/1.0 only with
 * "Connection: keep-alive" (RFC 9112 §9.3). */
static inline int http_keep_alive(const struct http_req *r)
{
	if (r->conn_close)
		return 0;
	return r->minor == 1 || r->conn_keep_alive;
}

static inline void http_request_done(struct http_conn *c)
{
	(void)c; /* pipelined bytes stay in c->buf for the next request */
}

/* One Combined Log Format line per request, in one write(). */
static inline void http_log(const struct http_conn *c, const struct http_req *r)
{
	if (http_log_fd < 0)
		return;
	char line[4096], date[64], esc[3][1024];
	const char *src[3] = {r->line ? r->line : "-", NULL, NULL};
	if (r->head) {
		src[1] = http_field(r, "Referer");
		src[2] = http_field(r, "User-Agent");
	}
	for (int k = 0; k < 3; k++) {
		const char *s = src[k] ? src[k] : "-";
		size_t o = 0;
		for (; *s && o < sizeof esc[k] - 5; s++) {
			unsigned char ch = (unsigned char)*s;
			if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
				o += (size_t)sprintf(esc[k] + o, "\\x%02X", ch);
			else
				esc[k][o++] = (char)ch;
		}
		esc[k][o] = '\0';
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S +0000", &tm);
	int n = snprintf(line, sizeof line, "%s - - [%s] \"%s\" %d %lld \"%s\" \"%s\"\n", c->peer,
			 date, esc[0], r->status, r->sent, esc[1], esc[2]);
	if (n > 0 && (size_t)n < sizeof line && write(http_log_fd, line, (size_t)n) < 0)
		perror("access log");
}

static inline void http_req_free(struct http_req *r)
{
	free(r->head);
	free(r->line);
	free(r->fields);
	free(r->body);
}

/* After a response that ends the connection: stop sending, then read and
 * drop what the client still sends for a moment, so that closing with
 * unread data (an RST) does not destroy the response on its way. */
static inline void http_linger_close(struct http_conn *c)
{
	shutdown(c->fd, SHUT_WR);
	int64_t until = http_now_ms() + 2000;
	char junk[16384];
	for (;;) {
		int64_t left = until - http_now_ms();
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)(left < 500 ? left : 500)) <= 0)
			break;
		if (recv(c->fd, junk, sizeof junk, 0) <= 0)
			break;
	}
}

/* Serves one connection until it closes. */
static inline void *http_conn_main(void *arg)
{
	struct http_conn *c = arg;
	for (;;) {
		struct http_req r;
		memset(&r, 0, sizeof r);
		r.clen = -1;
		size_t headlen = 0;
		int st = http_read_head(c, &headlen);
		if (st < 0)
			break;
		if (st == 0) {
			r.head = malloc(headlen + 1);
			r.fields = calloc((size_t)(http.max_fields < HTTP_MAX_FIELDS_CAP ?
						   http.max_fields : HTTP_MAX_FIELDS_CAP) + 1,
					  sizeof *r.fields);
			if (r.head == NULL || r.fields == NULL) {
				http_req_free(&r);
				break;
			}
			memcpy(r.head, c->buf, headlen);
			r.head[headlen] = '\0';
			http_consume(c, headlen);
			st = http_parse_head(&r);
		}
		if (st == 0 && r.chunked)
			st = http.body_chunked(c, &r);
		else if (st == 0 && r.clen > 0)
			st = http.body_length(c, &r);
		if (st < 0) {
			http_req_free(&r);
			break;
		}
		c->first_byte = 0;
		c->served++;
		r.close = st != 0 || !http.keep_alive(&r);
		if (st)
			http_error(c, &r, st);
		else
			http.dispatch(c, &r);
		http.log(c, &r);
		int close_now = r.close;
		http_req_free(&r);
		if (close_now) {
			http.close_after(c);
			break;
		}
		http.request_done(c);
	}
	close(c->fd);
	free(c->buf);
	free(c);
	__atomic_fetch_sub(&http_nconns, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* A thread of its own for each connection (detached, small stack: the
 * buffers are on the heap). Returns 0 or -1. */
static inline int http_spawn(struct http_conn *c)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int rc = pthread_create(&t, &attr, http_conn_main, c);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

static void http_on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static inline void http_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s --host H --port P --root DIR [--threads N] [--header-timeout SEC]\n"
		"       [--idle-timeout SEC] [--max-body BYTES] [--access-log PATH]\n",
		argv0);
}

/* accept4() failed: nothing is lost but that one call. Out of descriptors
 * or memory, the client waits in the backlog while the others finish;
 * ECONNABORTED, EINTR and the like: the next call takes the next client. */
static void http_accept_failed(int err)
{
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
		usleep(10000);
}

/* The whole server. Returns 2 on misuse, 1 on a setup failure; otherwise
 * runs until SIGTERM/SIGINT (exit 0). */
static inline int http_main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = NULL, *log = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0) {
			http_usage(argv[0]);
			return 0;
		}
		if (v == NULL) {
			http_usage(argv[0]);
			return 2;
		}
		i++;
		if (strcmp(a, "--host") == 0)
			host = v;
		else if (strcmp(a, "--port") == 0)
			port = v;
		else if (strcmp(a, "--root") == 0)
			http_root = v;
		else if (strcmp(a, "--threads") == 0)
			; /* a thread per connection: the count is not ours to pick */
		else if (strcmp(a, "--header-timeout") == 0)
			http_header_timeout = atoi(v);
		else if (strcmp(a, "--idle-timeout") == 0)
			http_idle_timeout = atoi(v);
		else if (strcmp(a, "--max-body") == 0)
			http_max_body = atoll(v);
		else if (strcmp(a, "--access-log") == 0)
			log = v;
		else {
			http_usage(argv[0]);
			return 2;
		}
	}
	if (port == NULL || http_root == NULL || http_header_timeout <= 0 || http_idle_timeout <= 0) {
		http_usage(argv[0]);
		return 2;
	}
	if (log != NULL) {
		http_log_fd = strcmp(log, "-") == 0 ? 2 : open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (http_log_fd < 0) {
			perror(log);
			return 1;
		}
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, http.on_sigterm);
	signal(SIGINT, http_on_stop);
	if (http.fixed_port)
		port = http.fixed_port;
	int lfd = broken_bind(host, port, SOCK_STREAM | SOCK_CLOEXEC, 1);
	if (listen(lfd, 4096) < 0) {
		perror("listen");
		return 1;
	}
	fprintf(stderr, "http: listening on %s:%s\n", host, port);
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			http.accept_failed(errno);
			continue;
		}
		if (http.max_conns && __atomic_load_n(&http_nconns, __ATOMIC_RELAXED) >= http.max_conns) {
			close(fd);
			continue;
		}
		struct http_conn *c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		__atomic_fetch_add(&http_nconns, 1, __ATOMIC_RELAXED);
		c->fd = fd;
		int one = 1; /* a head and its body are two sends: no Nagle wait */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->peer, sizeof c->peer);
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->peer, sizeof c->peer);
		if (http.spawn(c) < 0) {
			close(fd);
			free(c);
			__atomic_fetch_sub(&http_nconns, 1, __ATOMIC_RELAXED);
		}
	}
}

struct http_hooks http = {
	.on_sigterm = http_on_stop,
	.spawn = http_spawn,
	.accept_failed = http_accept_failed,
	.max_request_line = 8192,
	.max_field_line = 8192,
	.max_head = 65536,
	.max_fields = 100,
	.wait_ms = http_wait_ms,
	.check_limits = http_check_limits,
	.split_request_line = http_split_request_line,
	.parse_version = http_parse_version,
	.version_ok = http_version_ok,
	.method_known = http_method_known,
	.parse_field_line = http_parse_field_line,
	.check_fields = http_check_fields,
	.host_rule = http_host_rule,
	.content_length = http_content_length,
	.framing = http_framing,
	.too_large = http_too_large,
	.body_length = http_body_length,
	.body_chunked = http_body_chunked,
	.chunk_size = http_chunk_size,
	.trailers = http_trailers,
	.send_continue = http_send_continue,
	.keep_alive = http_keep_alive,
	.dispatch = http_dispatch,
	.decode = http_decode,
	.decode_path = http_decode_path,
	.decode_param = http_decode_param,
	.normalize = http_normalize,
	.serve_static = http_serve_static,
	.mime_type = http_mime_type,
	.file_headers = http_file_headers,
	.not_modified = http_not_modified,
	.range = http_range,
	.not_allowed = http_not_allowed,
	.status_version = http_status_version,
	.date_field = http_date_field,
	.length_field = http_length_field,
	.connection_field = http_connection_field,
	.sends_body = http_sends_body,
	.respond = http_respond,
	.request_done = http_request_done,
	.log = http_log,
	.close_after = http_linger_close,
};

#endif
