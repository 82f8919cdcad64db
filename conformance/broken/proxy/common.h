/* Shared, correct plumbing for the deliberately broken proxies, load
 * balancers and sidecars.
 *
 * This is one whole, correct reverse proxy (specs/proxy.md) that is also a
 * load balancer (specs/lb.md) and a tracing sidecar (specs/sidecar.md),
 * depending on the mode px_main() is given. It is small and plain rather
 * than fast: one thread per client connection on blocking sockets, poll()
 * before each read for the timeouts (and to watch the other side of the
 * exchange meanwhile), request heads parsed with the limits and the
 * smuggling rules (400, 414, 431, 501, 505), hop-by-hop fields removed both
 * ways, X-Forwarded-For / -Proto and Via added, bodies streamed both ways
 * through bounded buffers (chunked decoded and encoded again), 1xx relayed,
 * a keep-alive pool of upstream connections per backend, 502 / 503 / 504,
 * and SIGTERM -> exit 0.
 *   lb: round-robin, random, least-conn; active health checks (a thread per
 * backend), passive ejection, retries, GET /lb/status.
 *   sidecar: W3C traceparent / tracestate, X-Request-Id, a JSON access log
 * line per request, Prometheus metrics on a second port.
 *
 * Each broken program replaces one piece through the `px` hook table (or
 * one setting) with its own, which carries the bug (marked BUG), so it
 * differs from a correct program in exactly that piece. It is not a
 * reference (impl/proxy, impl/lb and impl/sidecar are).
 */
#ifndef OSNET_BROKEN_PROXY_COMMON_H
#define OSNET_BROKEN_PROXY_COMMON_H

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
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum px_mode { PX_PROXY, PX_LB, PX_SIDECAR };

#define PX_BUFSZ (96 * 1024)   /* each read buffer: a whole head (64 KiB) and more */
#define PX_MAX_LINE 8192       /* request line (414) and field line (431) */
#define PX_MAX_HEAD 65536      /* whole head (431; 502 for a response) */
#define PX_MAX_FIELDS 100      /* request fields (431) */
#define PX_MSG_FIELDS 256      /* room for a response's fields */
#define PX_CHUNK_LINE 8192     /* chunk-size and trailer lines */
#define PX_MAX_BACKENDS 64
#define PX_POOL 64             /* idle upstream connections kept per backend */
#define PX_NBUCKETS 13
#define PX_REPLAY_MAX 65536    /* request body bytes kept for a retry */

/* What the exchange functions return. */
enum {
	PX_KEEP = 1,        /* exchange over, the client connection stays */
	PX_CLOSE = 0,       /* exchange over, close the client connection */
	PX_RETRY_SAME = 2,  /* a pooled connection was stale: again, new connection */
	PX_RETRY_NEXT = 3,  /* lb: again, on another backend */
};

/* Why a body relay or a wait stopped. */
enum {
	PX_E_EOF = -10,       /* the side being read closed */
	PX_E_TIMEOUT = -11,   /* the side being read was silent too long */
	PX_E_ERROR = -12,     /* read error (a reset) */
	PX_E_WRITE = -13,     /* the side being written failed */
	PX_E_MALFORMED = -14, /* bad framing */
	PX_E_GONE = -15,      /* the client went away while the upstream was read */
	PX_E_EARLY = -16,     /* a final response came before the request body ended */
	PX_E_UPSTREAM = -17,  /* the upstream broke while the request body was relayed */
};

struct px_field {
	char *name, *value; /* NUL-terminated, inside the message's head copy */
};

/* A request or response head, parsed. */
struct px_msg {
	char *head;             /* a NUL-terminated copy, cut into lines */
	char *method, *target;  /* request */
	char *path_end;         /* request: where the path ends in target ('?' or NUL) */
	int status;             /* response */
	char *reason;
	int minor;              /* HTTP/1.<minor> */
	struct px_field f[PX_MSG_FIELDS];
	int nf;
	long long clen;         /* Content-Length, -1 when absent */
	int te;                 /* a Transfer-Encoding field is there */
	int chunked;            /* ... and chunked is its (last) coding */
	int conn_close, conn_keep_alive;
};

/* A read buffer on one socket. */
struct px_rd {
	int fd;
	size_t len;
	struct px_sb *tap;    /* when set, what is consumed is copied there */
	char buf[PX_BUFSZ];
};

/* A write buffer: bytes are sent once flush_at of them are pending (1: at
 * once, so nothing is held), chunk-encoded when chunked is set. */
struct px_out {
	int fd;
	char *buf;
	size_t len, cap;
	size_t flush_at;
	int chunked;
	long long body; /* body bytes written (before chunk framing) */
};

/* A growable text (heads, JSON, metrics). */
struct px_sb {
	char *s;
	size_t len, cap;
	int oom;
};

struct px_backend {
	char name[128]; /* "127.0.0.1:8001" as given */
	struct sockaddr_storage addr;
	socklen_t alen;
	/* the rest under px_lock */
	int idle[PX_POOL];        /* the keep-alive pool, most recent last */
	int64_t idle_since[PX_POOL];
	int nidle;
	int up;                   /* lb: in rotation as far as checks go */
	int64_t ejected_until;    /* lb: out of rotation until then (passive) */
	int passes, fails;        /* lb: consecutive check results */
	long active, requests, failures;
};

/* One client connection (its thread owns it). */
struct px_client {
	struct px_rd rd;      /* the client's bytes */
	struct px_rd up;      /* the upstream's bytes, per exchange */
	char ip[INET6_ADDRSTRLEN];
	int64_t first_byte;   /* ms: when the current head started, 0 none yet */
	int served;
	struct px_msg req, res;
};

/* One exchange: a request and its response. */
struct px_ex {
	struct px_client *c;
	struct px_msg *req, *res;
	struct px_backend *b;
	int fd;               /* upstream socket, -1 none */
	int reused;           /* fd came from the pool */
	int has_body;         /* the request has a body */
	struct px_sb replay;  /* the body bytes taken from the client (oom: too many) */
	int body_done;        /* all of it was relayed */
	int got_response;     /* bytes of a response came from the upstream */
	int watch_client;     /* watch the client for a hangup while reading upstream */
	int watch_upstream;   /* watch the upstream while relaying the request body */
	int close;            /* the client connection ends after this exchange */
	int close_asked;      /* ... because the request said so */
	int status;           /* sent to the client, 0 none */
	int upstream_error;   /* failed on the upstream side (sidecar metric) */
	long long bytes_in, bytes_out;
	double start;         /* seconds, monotonic: the head was complete */
	/* sidecar */
	char trace_id[33], span_id[17], parent_id[17], flags[3];
	char *tracestate;     /* forwarded as is, or NULL */
	char request_id[208];
};

/* The pieces the broken programs replace. */
struct px_hooks {
	const char *fixed_port;  /* listen here instead of --port */
	const char *via_name;    /* NULL: osnet-proxy / osnet-lb / osnet-sidecar */
	void (*on_sigterm)(int);
	int (*spawn)(void *(*fn)(void *), void *arg); /* serve an accepted client */
	size_t req_flush_at;     /* request bytes held before a send (1: none) */
	size_t res_flush_at;     /* response bytes held before a send (1: none) */
	size_t replay_max;       /* request body bytes kept for a retry */
	/* the command line */
	int (*seconds)(const char *v, double *out);
	int (*backends_parse)(const char *list);
	/* reading and parsing the request */
	size_t max_request_line;  /* 414 past it */
	size_t max_field_line;    /* head_too_large past it */
	size_t max_head;          /* head_too_large past it */
	int head_too_large;       /* 431 */
	int (*head_wait_ms)(const struct px_client *c);
	int (*split_request_line)(char *line, char **method, char **target, char **version);
	int (*version_ok)(int major, int minor);
	int (*content_length)(const char *v, long long *n);
	int (*framing)(struct px_msg *r, const char *te);
	int (*host_rule)(const struct px_msg *r, int hosts);
	int (*field_line)(struct px_msg *m, char *line);
	void (*take_head)(struct px_rd *rd, size_t headlen);
	int (*keep_alive)(const struct px_msg *r);
	/* forwarding */
	void (*request_line)(struct px_sb *h, const struct px_msg *r);
	int (*send_head)(struct px_ex *ex, struct px_out *o);
	int (*chunk_head)(char *buf, size_t cap, size_t n);
	int (*is_hop)(const struct px_msg *m, const char *name);
	void (*forwarded)(struct px_sb *h, const struct px_ex *ex);
	void (*via)(struct px_sb *h, const struct px_msg *m);
	int (*own_field)(const char *name, int response); /* fields the hooks rewrite */
	void (*request_fields)(struct px_sb *h, struct px_ex *ex);
	void (*response_fields)(struct px_sb *h, struct px_ex *ex);
	void (*interim)(struct px_ex *ex);
	int (*client_chunked)(const struct px_msg *r);
	int (*client_framing)(struct px_ex *ex, int kind);
	int (*client_gone)(struct px_ex *ex);
	int (*body_cut)(struct px_ex *ex, struct px_out *o, int why);
	void (*upload_cut)(struct px_ex *ex, struct px_out *o, int why);
	int (*upstream_wait_ms)(void);
	int (*timeout_status)(void);
	void (*connect_error)(struct px_ex *ex, int err);
	int (*no_head)(struct px_ex *ex, int why);
	/* upstream connections */
	int (*connect)(struct px_backend *b, int ms);
	int (*idle_dead)(int fd);
	int (*pool_get)(struct px_backend *b);
	void (*pool_put)(struct px_backend *b, int fd);
	int (*pool_expired)(int64_t idle_ms);
	int (*may_retry)(const struct px_ex *ex);
	/* lb (all called with px_lock held, except status and health_check) */
	int (*choose)(struct px_ex *ex, uint64_t tried);
	int (*round_robin)(uint64_t tried, int64_t now);
	int (*least_conn)(uint64_t tried, int64_t now);
	int (*random)(uint64_t tried, int64_t now);
	int (*usable)(const struct px_backend *b, int64_t now);
	void (*connect_failed)(struct px_backend *b, int err);
	void (*check_result)(struct px_backend *b, int pass);
	int (*health_check)(struct px_backend *b);
	int (*check_passes)(int status);
	int all_down_status;
	void (*status)(struct px_ex *ex);
	const char *status_type;
	const char *(*state)(const struct px_backend *b, int64_t now);
	/* sidecar */
	int (*traceparent_ok)(const char *v);
	void (*trace)(struct px_ex *ex);
	int (*request_id_ok)(const char *v);
	void (*request_id)(struct px_ex *ex);
	void (*count)(const struct px_ex *ex);
	const char *(*method_label)(const char *method);
	void (*service_label)(char *out, size_t n);
	void (*metrics)(struct px_sb *out);
	int (*metrics_path)(const char *target);
	const char *metrics_type;
	void (*log)(const struct px_ex *ex);
	double (*duration_ms)(const struct px_ex *ex);
	void (*json_str)(struct px_sb *b, const char *s, size_t n);
	/* requests answered here, not forwarded (lb: /lb/status) */
	int (*local)(struct px_ex *ex);
};

extern struct px_hooks px;

/* The command line. Durations in seconds. */
static struct {
	enum px_mode mode;
	const char *host, *port;
	double connect_timeout, upstream_timeout, header_timeout, idle_timeout, max_idle;
	const char *policy, *health_path;
	double health_interval, eject_time;
	int rise, fall;
	const char *metrics_port, *service, *access_log;
} px_cfg = {
	.host = "127.0.0.1", .connect_timeout = 5, .upstream_timeout = 60, .header_timeout = 15,
	.idle_timeout = 60, .max_idle = 60, .policy = "round-robin", .health_interval = 2,
	.eject_time = 10, .rise = 2, .fall = 3, .service = "sidecar", .access_log = "-",
};

static struct px_backend px_backends[PX_MAX_BACKENDS];
static int px_nbackends;
static int px_rr; /* lb: where round-robin goes next */
static int px_log_fd = 1;
/* One lock for everything threads share: pools, lb state, metrics. */
static pthread_mutex_t px_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- small helpers ---- */

static inline int64_t px_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline double px_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int px_ms(double seconds)
{
	double ms = seconds * 1000;
	return ms > INT_MAX ? INT_MAX : ms < 1 ? 1 : (int)ms;
}

static inline const char *px_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* Sends all of buf; returns 0 or -1. */
static inline int px_send_all(int fd, const void *buf, size_t n)
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

/* Appends n bytes to b (b->oom set, nothing appended, when memory runs out). */
static inline void px_sb_mem(struct px_sb *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Appends printf output to b. */
static inline void px_sb_add(struct px_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void px_sb_add(struct px_sb *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		px_sb_mem(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (big == NULL) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	px_sb_mem(b, big, (size_t)n);
	free(big);
}

/* Does the comma-separated list s hold token tok (case ignored)? */
static inline int px_has_token(const char *s, const char *tok)
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

static inline int px_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return 0;
	return 1;
}

/* The first field named name (case ignored), or NULL. */
static inline const char *px_field(const struct px_msg *m, const char *name)
{
	for (int i = 0; i < m->nf; i++)
		if (strcasecmp(m->f[i].name, name) == 0)
			return m->f[i].value;
	return NULL;
}

static inline int px_field_count(const struct px_msg *m, const char *name)
{
	int n = 0;
	for (int i = 0; i < m->nf; i++)
		n += strcasecmp(m->f[i].name, name) == 0;
	return n;
}

/* Appends every value of field name to b, joined with ", " (RFC 9110
 * §5.3: several field lines are one list). */
static inline void px_field_join(const struct px_msg *m, const char *name, struct px_sb *b)
{
	for (int i = 0; i < m->nf; i++) {
		if (strcasecmp(m->f[i].name, name) != 0)
			continue;
		if (b->len)
			px_sb_add(b, ", ");
		px_sb_add(b, "%s", m->f[i].value);
	}
}

static inline int px_idempotent(const char *method)
{
	static const char *m[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", NULL};
	for (int i = 0; m[i]; i++)
		if (strcmp(m[i], method) == 0)
			return 1;
	return 0;
}

/* n random bytes as 2n lowercase hex digits, never all zeros. */
static inline void px_random_hex(char *out, size_t n)
{
	unsigned char b[32];
	int zero;
	do {
		if (getrandom(b, n, 0) != (ssize_t)n)
			for (size_t i = 0; i < n; i++)
				b[i] = (unsigned char)rand();
		zero = 1;
		for (size_t i = 0; i < n; i++)
			zero &= b[i] == 0;
	} while (zero);
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static inline unsigned px_random_below(unsigned n)
{
	uint32_t r;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)rand();
	return r % n;
}

/* ---- reading ---- */

/* Waits up to ms (-1: forever) for bytes on rd->fd, watching watch_fd for
 * watch_ev meanwhile. Returns bytes read, 0 on EOF, -1 on error, -2 on
 * timeout, -3 when watch_fd fired first. */
static inline ssize_t px_fill(struct px_rd *rd, int ms, int watch_fd, short watch_ev)
{
	if (rd->len == sizeof rd->buf)
		return -1;
	struct pollfd p[2] = {{.fd = rd->fd, .events = POLLIN}, {.fd = watch_fd, .events = watch_ev}};
	int rc;
	do
		rc = poll(p, watch_fd >= 0 ? 2 : 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -2;
	if (rc < 0)
		return -1;
	if (watch_fd >= 0 && p[1].revents)
		return -3;
	ssize_t n;
	do
		n = recv(rd->fd, rd->buf + rd->len, sizeof rd->buf - rd->len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		rd->len += (size_t)n;
	return n < 0 ? -1 : n;
}

static inline void px_consume(struct px_rd *rd, size_t n)
{
	if (rd->tap && rd->tap->len + n > px.replay_max)
		rd->tap->oom = 1;
	else if (rd->tap)
		px_sb_mem(rd->tap, rd->buf, n);
	memmove(rd->buf, rd->buf + n, rd->len - n);
	rd->len -= n;
}

/* Length of the head at buf[0..len) through its empty line, or 0 when that
 * has not arrived. Lines end in CRLF or a bare LF. */
static inline size_t px_head_end(const char *buf, size_t len)
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

/* Checks the (possibly partial) request head buf[0..len) against the
 * limits: 414 for the request line, 431 for a field line or the head, 0
 * within them. A line still arriving counts, so nothing grows past a limit. */
static inline int px_check_limits(const char *buf, size_t len)
{
	size_t start = 0, lineno = 0;
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - start;
		if (nl && n > 0 && buf[end - 1] == '\r')
			n--;
		size_t max = lineno == 0 ? px.max_request_line : px.max_field_line;
		if (n > max + (nl ? 0 : 1))
			return lineno == 0 ? 414 : px.head_too_large;
		if (nl && n == 0 && lineno > 0)
			break;
		start = end + 1;
		lineno++;
	}
	return start > px.max_head ? px.head_too_large : 0;
}

/* How long to wait for more of a request head: before its first byte the
 * idle timeout (the header timeout on a new connection), then what is left
 * of the header timeout counted from that byte (a total: a client that
 * dribbles its head a byte at a time cannot hold the connection). */
static inline int px_head_wait_ms(const struct px_client *c)
{
	if (c->first_byte == 0)
		return px_ms(c->served ? px_cfg.idle_timeout : px_cfg.header_timeout);
	int64_t left = c->first_byte + px_ms(px_cfg.header_timeout) - px_now_ms();
	return left > 0 ? (int)left : 0;
}

/* Waits for a whole request head (px.head_wait_ms). Returns 0 with
 * *headlen, a status owed (408, 414, 431), or
 * -1 to close without a word. */
static inline int px_read_request_head(struct px_client *c, size_t *headlen)
{
	for (;;) {
		size_t skip = 0; /* RFC 9112 §2.2: empty lines before a request are ignored */
		while (skip < c->rd.len && (c->rd.buf[skip] == '\r' || c->rd.buf[skip] == '\n'))
			skip++;
		if (skip)
			px_consume(&c->rd, skip);
		if (c->rd.len > 0 && c->first_byte == 0)
			c->first_byte = px_now_ms();
		size_t end = px_head_end(c->rd.buf, c->rd.len);
		int st = px_check_limits(c->rd.buf, end ? end : c->rd.len);
		if (st)
			return st;
		if (end) {
			*headlen = end;
			return 0;
		}
		int ms = px.head_wait_ms(c);
		ssize_t n = ms == 0 ? -2 : px_fill(&c->rd, ms, -1, 0);
		if (n == -2)
			return c->first_byte ? 408 : -1;
		if (n <= 0)
			return -1;
	}
}

/* ---- parsing ---- */

/* A Content-Length value: one decimal number, nothing else (no sign, no
 * list: RFC 9112 §6.3). Returns 0 and *n, or -1. */
static inline int px_content_length(const char *v, long long *n)
{
	if (*v == '\0' || strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))
		return -1;
	*n = atoll(v);
	return 0;
}

/* "name: value" into m's fields. Returns 0 or 400 (431 past the count). */
static inline int px_field_line(struct px_msg *m, char *line)
{
	if (line[0] == ' ' || line[0] == '\t')
		return 400; /* obs-fold (RFC 9112 §5.2) */
	char *colon = strchr(line, ':');
	if (colon == NULL)
		return 400;
	*colon = '\0';
	if (!px_is_token(line))
		return 400; /* whitespace before the colon included (§5.1) */
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	if (m->nf >= PX_MSG_FIELDS)
		return 431;
	m->f[m->nf].name = line;
	m->f[m->nf].value = v;
	m->nf++;
	return 0;
}

/* HTTP/1.1 needs exactly one Host, HTTP/1.0 at most one (RFC 9112 §3.2). */
static inline int px_host_rule(const struct px_msg *r, int hosts)
{
	return hosts > 1 || (r->minor == 1 && hosts == 0) ? 400 : 0;
}

/* How the request body is delimited: both Content-Length and
 * Transfer-Encoding is 400 (smuggling, RFC 9112 §6.3), a coding other than
 * chunked 501. */
static inline int px_framing(struct px_msg *r, const char *te)
{
	if (te && r->clen >= 0)
		return 400;
	if (te && strcasecmp(te, "chunked") != 0)
		return 501;
	r->chunked = te != NULL;
	r->te = te != NULL;
	return 0;
}

/* Copies head[0..len) into m and cuts it into the first line (returned in
 * *first) and fields. Returns 0 or a status (400, 431, 500). */
static inline int px_split_head(struct px_msg *m, const char *head, size_t len, char **first)
{
	free(m->head);
	memset(m, 0, sizeof *m);
	m->clen = -1;
	m->head = malloc(len + 1);
	if (m->head == NULL)
		return 500;
	memcpy(m->head, head, len);
	m->head[len] = '\0';
	*first = NULL;
	char *p = m->head;
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
		if (*first == NULL) {
			*first = p;
		} else {
			int st = px.field_line(m, p);
			if (st)
				return st;
		}
		p = nl + 1;
	}
	return *first ? 0 : 400;
}

/* Cuts "METHOD SP target SP HTTP/x.y" at its two spaces, exactly one each
 * (RFC 9112 §3). Returns 0 with the three parts, or -1. */
static inline int px_split_request_line(char *line, char **method, char **target, char **version)
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

/* The versions served: HTTP/1.0 and HTTP/1.1 (others get 505). */
static inline int px_version_ok(int major, int minor)
{
	return major == 1 && (minor == 0 || minor == 1);
}

/* Parses a request head. Returns 0 or the status owed. */
static inline int px_parse_request(struct px_msg *r, const char *head, size_t len)
{
	char *line, *v;
	int st = px_split_head(r, head, len, &line);
	if (st)
		return st;
	if (r->nf > PX_MAX_FIELDS)
		return 431;
	if (px.split_request_line(line, &r->method, &r->target, &v) < 0 || !px_is_token(r->method))
		return 400;
	for (const char *t = r->target; *t; t++) /* bytes >= 0x80 pass, as most servers let them */
		if ((unsigned char)*t <= ' ' || (unsigned char)*t == 0x7f)
			return 400;
	/* "HTTP/d.d", case-sensitive (RFC 9112 §2.3) */
	if (strncmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) || v[6] != '.' ||
	    !isdigit((unsigned char)v[7]) || v[8] != '\0')
		return 400;
	if (!px.version_ok(v[5] - '0', v[7] - '0'))
		return 505;
	r->minor = v[7] - '0';
	/* absolute-form becomes origin-form (RFC 9112 §3.2.2) */
	if (strncasecmp(r->target, "http://", 7) == 0) {
		char *t = r->target + 7;
		t += strcspn(t, "/?");
		if (*t == '/') {
			r->target = t;
		} else {
			static char root[] = "/";
			r->target = root;
		}
	}
	if (r->target[0] != '/' && !(strcmp(r->target, "*") == 0 && strcmp(r->method, "OPTIONS") == 0))
		return 400;
	r->path_end = r->target + strcspn(r->target, "?");
	int hosts = 0;
	const char *te = NULL;
	for (int i = 0; i < r->nf; i++) {
		const char *name = r->f[i].name, *val = r->f[i].value;
		long long n;
		if (strcasecmp(name, "Host") == 0) {
			hosts++;
		} else if (strcasecmp(name, "Content-Length") == 0) {
			if (px.content_length(val, &n) < 0 || (r->clen >= 0 && r->clen != n))
				return 400;
			r->clen = n;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			if (te)
				return 501;
			te = val;
		} else if (strcasecmp(name, "Connection") == 0) {
			r->conn_close |= px_has_token(val, "close");
			r->conn_keep_alive |= px_has_token(val, "keep-alive");
		}
	}
	st = px.host_rule(r, hosts);
	return st ? st : px.framing(r, te);
}

/* Parses a response head. Returns 0, or -1 when it is malformed. */
static inline int px_parse_response(struct px_msg *s, const char *head, size_t len)
{
	char *line;
	if (px_split_head(s, head, len, &line))
		return -1;
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) || line[8] != ' ' ||
	    !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]) || (line[12] != ' ' && line[12] != '\0'))
		return -1;
	s->minor = line[7] - '0';
	s->status = atoi(line + 9);
	s->reason = line[12] ? line + 13 : line + 12;
	if (s->status < 100)
		return -1;
	for (int i = 0; i < s->nf; i++) {
		const char *name = s->f[i].name, *val = s->f[i].value;
		long long n;
		if (strcasecmp(name, "Content-Length") == 0) {
			if (px_content_length(val, &n) < 0 || (s->clen >= 0 && s->clen != n))
				return -1;
			s->clen = n;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			/* chunked must be the last coding, else the body runs to the close */
			const char *last = strrchr(val, ',');
			last = last ? last + 1 : val;
			while (*last == ' ' || *last == '\t')
				last++;
			s->te = 1;
			s->chunked = strcasecmp(last, "chunked") == 0;
		} else if (strcasecmp(name, "Connection") == 0) {
			s->conn_close |= px_has_token(val, "close");
			s->conn_keep_alive |= px_has_token(val, "keep-alive");
		}
	}
	return 0;
}

/* ---- writing ---- */

static inline int px_out_flush(struct px_out *o)
{
	int rc = px_send_all(o->fd, o->buf, o->len);
	o->len = 0;
	return rc;
}

/* Appends raw bytes (a head, framing) without sending. Returns 0 or -1. */
static inline int px_out_put(struct px_out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = (o->len + n) * 2;
		char *b = realloc(o->buf, cap);
		if (b == NULL)
			return -1;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

/* Sends what is pending once there is flush_at of it. */
static inline int px_out_check(struct px_out *o)
{
	return o->len > 0 && o->len >= o->flush_at ? px_out_flush(o) : 0;
}

/* Writes the line that starts a chunk of n bytes into buf: its size in
 * hex (RFC 9112 §7.1). Returns its length. */
static inline int px_chunk_head(char *buf, size_t cap, size_t n)
{
	return snprintf(buf, cap, "%zx\r\n", n);
}

/* Writes body bytes (as one chunk when chunked). Returns 0 or -1. */
static inline int px_out_body(struct px_out *o, const char *p, size_t n)
{
	if (o->chunked) {
		char size[32];
		int k = px.chunk_head(size, sizeof size, n);
		if (px_out_put(o, size, (size_t)k) < 0 || px_out_put(o, p, n) < 0 ||
		    px_out_put(o, "\r\n", 2) < 0)
			return -1;
	} else if (px_out_put(o, p, n) < 0) {
		return -1;
	}
	o->body += (long long)n;
	return px_out_check(o);
}

/* The end of a body: the last chunk when chunked, then everything pending. */
static inline int px_out_end(struct px_out *o)
{
	if (o->chunked && px_out_put(o, "0\r\n\r\n", 5) < 0)
		return -1;
	return px_out_flush(o);
}

/* ---- bodies ---- */

enum { PX_BODY_NONE, PX_BODY_LENGTH, PX_BODY_CHUNKED, PX_BODY_CLOSE };
enum { PX_CH_SIZE, PX_CH_DATA, PX_CH_DATA_END, PX_CH_TRAILER };

/* Where a body being relayed is: its framing and what is left of it. */
struct px_body {
	int kind, state, done;
	unsigned long long left; /* LENGTH: bytes to go; CHUNKED: of this chunk */
};

/* A chunk-size line: hex digits, then optional whitespace and extensions
 * (ignored, RFC 9112 §7.1.1). Returns 0 and *size, or -1. */
static inline int px_chunk_size(const char *line, unsigned long long *size)
{
	unsigned long long n = 0;
	const char *p = line;
	if (!isxdigit((unsigned char)*p))
		return -1;
	for (; isxdigit((unsigned char)*p); p++) {
		if (n >> 56)
			return -1;
		n = n * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10));
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';')
		return -1;
	*size = n;
	return 0;
}

/* Moves what rd holds of the body to out: data through, chunked framing
 * decoded (out encodes its own), trailers dropped (RFC 9112 §7.1.2 lets a
 * recipient that removes the coding discard them). Returns 0 (bd->done
 * says whether the body ended), -1 when the framing is bad, -2 when out
 * could not be written. */
static inline int px_body_step(struct px_body *bd, struct px_rd *rd, struct px_out *out)
{
	for (;;) {
		if (bd->kind == PX_BODY_NONE || (bd->kind == PX_BODY_LENGTH && bd->left == 0)) {
			bd->done = 1;
			return 0;
		}
		if (bd->kind != PX_BODY_CHUNKED || bd->state == PX_CH_DATA) {
			size_t n = rd->len;
			if (bd->kind != PX_BODY_CLOSE && n > bd->left)
				n = (size_t)bd->left;
			if (n == 0)
				return 0;
			if (px_out_body(out, rd->buf, n) < 0)
				return -2;
			px_consume(rd, n);
			if (bd->kind != PX_BODY_CLOSE)
				bd->left -= n;
			if (bd->kind == PX_BODY_CHUNKED && bd->left == 0)
				bd->state = PX_CH_DATA_END;
			continue;
		}
		char *nl = memchr(rd->buf, '\n', rd->len);
		if (nl == NULL)
			return rd->len > PX_CHUNK_LINE ? -1 : 0;
		size_t n = (size_t)(nl - rd->buf);
		if (n > PX_CHUNK_LINE)
			return -1;
		char line[PX_CHUNK_LINE + 1];
		memcpy(line, rd->buf, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		px_consume(rd, n + 1);
		if (bd->state == PX_CH_SIZE) {
			if (px_chunk_size(line, &bd->left) < 0)
				return -1;
			bd->state = bd->left ? PX_CH_DATA : PX_CH_TRAILER;
		} else if (bd->state == PX_CH_DATA_END) {
			if (line[0] != '\0')
				return -1;
			bd->state = PX_CH_SIZE;
		} else if (line[0] == '\0') { /* PX_CH_TRAILER: its empty line ends the body */
			bd->done = 1;
			return 0;
		}
	}
}

/* Relays one body from rd to out, calling wait() for more bytes. Returns 0
 * (the whole body went out), or a PX_E_* code. */
static inline int px_relay(struct px_ex *ex, struct px_body *bd, struct px_rd *rd, struct px_out *out,
			   int (*wait)(struct px_ex *))
{
	for (;;) {
		int rc = px_body_step(bd, rd, out);
		if (rc == -1)
			return PX_E_MALFORMED;
		if (rc == -2)
			return PX_E_WRITE;
		if (bd->done)
			return px_out_end(out) < 0 ? PX_E_WRITE : 0;
		rc = wait(ex);
		if (rc == 0) {
			if (bd->kind == PX_BODY_CLOSE) {
				bd->done = 1;
				continue;
			}
			return PX_E_EOF;
		}
		if (rc < 0)
			return rc;
	}
}

/* ---- heads we write ---- */

/* Hop-by-hop: meant for one connection, never forwarded (RFC 9110 §7.6.1). */
static const char *const px_hop_fields[] = {
	"Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection",
	"Proxy-Authorization", "Proxy-Authenticate", "Transfer-Encoding", NULL,
};

/* Is field name hop-by-hop in m: one of the list above, or named by m's
 * Connection fields? */
static inline int px_is_hop(const struct px_msg *m, const char *name)
{
	for (int i = 0; px_hop_fields[i]; i++)
		if (strcasecmp(name, px_hop_fields[i]) == 0)
			return 1;
	for (int i = 0; i < m->nf; i++)
		if (strcasecmp(m->f[i].name, "Connection") == 0 && px_has_token(m->f[i].value, name))
			return 1;
	return 0;
}

/* Fields px rewrites rather than forwards as they came: X-Forwarded-* and
 * Via; the sidecar's trace fields and request id. */
static inline int px_own_field(const char *name, int response)
{
	if (strcasecmp(name, "Via") == 0)
		return 1;
	if (!response && (strcasecmp(name, "X-Forwarded-For") == 0 ||
			  strcasecmp(name, "X-Forwarded-Proto") == 0))
		return 1;
	if (px_cfg.mode != PX_SIDECAR)
		return 0;
	if (strcasecmp(name, "X-Request-Id") == 0)
		return 1;
	return !response && (strcasecmp(name, "traceparent") == 0 || strcasecmp(name, "tracestate") == 0);
}

/* X-Forwarded-For: the client's list with its address appended;
 * X-Forwarded-Proto: http, whatever the client said. */
static inline void px_forwarded(struct px_sb *h, const struct px_ex *ex)
{
	struct px_sb in = {0};
	px_field_join(ex->req, "X-Forwarded-For", &in);
	px_sb_add(h, "X-Forwarded-For: %s%s%s\r\n", in.len ? in.s : "", in.len ? ", " : "", ex->c->ip);
	free(in.s);
	px_sb_add(h, "X-Forwarded-Proto: http\r\n");
}

/* Via: the members m came with, then ours (RFC 9110 §7.6.3). */
static inline void px_via(struct px_sb *h, const struct px_msg *m)
{
	struct px_sb in = {0};
	px_field_join(m, "Via", &in);
	px_sb_add(h, "Via: %s%s1.1 %s\r\n", in.len ? in.s : "", in.len ? ", " : "", px.via_name);
	free(in.s);
}

/* The request line for the upstream: our own version, HTTP/1.1, whatever
 * the client's (RFC 9110 §6.2). */
static inline void px_request_line(struct px_sb *h, const struct px_msg *r)
{
	px_sb_add(h, "%s %s HTTP/1.1\r\n", r->method, r->target);
}

/* The request head for the upstream: the client's, minus the hop-by-hop
 * fields, with ours. */
static inline void px_request_head(struct px_ex *ex, struct px_sb *h)
{
	struct px_msg *r = ex->req;
	px.request_line(h, r);
	for (int i = 0; i < r->nf; i++) {
		const char *name = r->f[i].name;
		if (!px.is_hop(r, name) && !px.own_field(name, 0))
			px_sb_add(h, "%s: %s\r\n", name, r->f[i].value);
	}
	px.forwarded(h, ex);
	px.via(h, r);
	if (r->chunked)
		px_sb_add(h, "Transfer-Encoding: chunked\r\n");
	px.request_fields(h, ex);
	px_sb_add(h, "\r\n");
}

/* The Connection field of a response to the client. */
static inline void px_connection_field(struct px_sb *h, const struct px_ex *ex)
{
	if (ex->close)
		px_sb_add(h, "Connection: close\r\n");
	else if (ex->req->minor == 0)
		px_sb_add(h, "Connection: keep-alive\r\n");
}

/* The response head for the client: the upstream's, minus the hop-by-hop
 * fields (and Content-Length when chunked said otherwise), with ours. */
static inline void px_response_head(struct px_ex *ex, struct px_sb *h, int chunked)
{
	struct px_msg *s = ex->res;
	px_sb_add(h, "HTTP/1.1 %d %s\r\n", s->status, s->reason);
	for (int i = 0; i < s->nf; i++) {
		const char *name = s->f[i].name;
		if (px.is_hop(s, name) || px.own_field(name, 1) ||
		    (s->te && strcasecmp(name, "Content-Length") == 0))
			continue;
		px_sb_add(h, "%s: %s\r\n", name, s->f[i].value);
	}
	px.via(h, s);
	if (chunked)
		px_sb_add(h, "Transfer-Encoding: chunked\r\n");
	px.response_fields(h, ex);
	px_connection_field(h, ex);
	px_sb_add(h, "\r\n");
}

/* A response of our own (errors, /lb/status): body delimited by
 * Content-Length; none for HEAD. */
static inline void px_respond(struct px_ex *ex, int status, const char *type, const char *body, size_t len)
{
	ex->status = status;
	if (ex->has_body && !ex->body_done)
		ex->close = 1; /* the body is still in the stream: no next request can be found */
	struct px_sb h = {0};
	px_sb_add(&h, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", status,
		  px_reason(status), type, len);
	px.response_fields(&h, ex);
	px_connection_field(&h, ex);
	px_sb_add(&h, "\r\n");
	if (strcmp(ex->req->method, "HEAD") != 0)
		px_sb_mem(&h, body, len);
	if (!h.oom)
		px_send_all(ex->c->rd.fd, h.s, h.len);
	else
		ex->close = 1; /* no memory for the answer: the close says it failed */
	free(h.s);
}

/* An error page: "502 Bad Gateway\n". */
static inline void px_error(struct px_ex *ex, int status)
{
	char body[64];
	int n = snprintf(body, sizeof body, "%d %s\n", status, px_reason(status));
	px_respond(ex, status, "text/plain", body, (size_t)n);
}

/* Relays an interim (1xx) response (RFC 9110 §15.2); HTTP/1.0 clients get
 * none. */
static inline void px_interim(struct px_ex *ex)
{
	struct px_msg *s = ex->res;
	if (ex->req->minor == 0 || s->status == 101)
		return;
	struct px_sb h = {0};
	px_sb_add(&h, "HTTP/1.1 %d %s\r\n", s->status, s->reason);
	for (int i = 0; i < s->nf; i++)
		if (!px.is_hop(s, s->f[i].name))
			px_sb_add(&h, "%s: %s\r\n", s->f[i].name, s->f[i].value);
	px_sb_add(&h, "\r\n");
	if (!h.oom)
		px_send_all(ex->c->rd.fd, h.s, h.len);
	free(h.s);
}

/* Can the client read a chunked body? HTTP/1.0 ones cannot (RFC 9112
 * §6.1): their body ends with the connection. */
static inline int px_client_chunked(const struct px_msg *r)
{
	return r->minor == 1;
}

/* How a response body the origin delimited with kind (PX_BODY_*) goes to
 * the client: returns 1 to chunk it; 0 to send it as it is, and then a
 * chunked or close-delimited one the client cannot read chunked must end
 * with the client connection (RFC 9112 §6.3 items 7, 8). */
static inline int px_client_framing(struct px_ex *ex, int kind)
{
	if (kind != PX_BODY_CHUNKED && kind != PX_BODY_CLOSE)
		return 0;
	if (px.client_chunked(ex->req))
		return 1;
	ex->close = 1;
	return 0;
}

/* Does the client connection stay open after this request's response?
 * HTTP/1.1 unless the request says close; HTTP/1.0 only when it asks for
 * keep-alive (RFC 9112 §9.3). */
static inline int px_keep_alive(const struct px_msg *r)
{
	return !r->conn_close && (r->minor == 1 || r->conn_keep_alive);
}

/* Sends the request head queued in o at once, before any of the body: the
 * origin may answer an Expect: 100-continue, or refuse the request, on
 * seeing the head alone (RFC 9110 §10.1.1). Returns 0 or -1. */
static inline int px_send_head(struct px_ex *ex, struct px_out *o)
{
	(void)ex;
	return px_out_check(o);
}

/* ---- the exchange ---- */

/* Takes response heads out of the upstream's buffer, relaying 1xx ones.
 * Returns 1 when a final one is in ex->res, 0 when more bytes are needed,
 * -1 when it is malformed. */
static inline int px_take_response_head(struct px_ex *ex)
{
	struct px_rd *u = &ex->c->up;
	for (;;) {
		size_t end = px_head_end(u->buf, u->len);
		if (end == 0)
			return u->len >= PX_MAX_HEAD ? -1 : 0;
		if (end > PX_MAX_HEAD || px_parse_response(ex->res, u->buf, end) < 0)
			return -1;
		px_consume(u, end);
		if (ex->res->status >= 200)
			return 1;
		px.interim(ex);
	}
}

/* Request side: more bytes from the client (idle timeout). Meanwhile
 * what the upstream sends is read: 1xx relayed, a final response stops the
 * body (PX_E_EARLY), a broken upstream too (PX_E_UPSTREAM). */
static inline int px_wait_client(struct px_ex *ex)
{
	for (;;) {
		ssize_t n = px_fill(&ex->c->rd, px_ms(px_cfg.idle_timeout),
				    ex->watch_upstream ? ex->fd : -1, POLLIN);
		if (n == -3) {
			ssize_t k = px_fill(&ex->c->up, 0, -1, 0);
			if (k == -2)
				continue;
			if (k <= 0)
				return PX_E_UPSTREAM;
			ex->got_response = 1;
			int st = px_take_response_head(ex);
			if (st != 0)
				return st > 0 ? PX_E_EARLY : PX_E_UPSTREAM;
			continue;
		}
		return n >= 0 ? (int)n : n == -2 ? PX_E_TIMEOUT : PX_E_ERROR;
	}
}

/* Response side: more bytes from the upstream (upstream timeout), the
 * client watched for a hangup meanwhile (PX_E_GONE). */
static inline int px_wait_upstream(struct px_ex *ex)
{
	for (;;) {
		ssize_t n = px_fill(&ex->c->up, px.upstream_wait_ms(),
				    ex->watch_client ? ex->c->rd.fd : -1, POLLRDHUP);
		if (n == -3) {
			if (px.client_gone(ex))
				return PX_E_GONE;
			ex->watch_client = 0;
			continue;
		}
		if (n > 0)
			ex->got_response = 1;
		return n >= 0 ? (int)n : n == -2 ? PX_E_TIMEOUT : PX_E_ERROR;
	}
}

static inline int px_upstream_wait_ms(void)
{
	return px_ms(px_cfg.upstream_timeout);
}

static inline int px_timeout_status(void)
{
	return 504;
}

/* The client hung up while its response was awaited: give up the exchange
 * (the upstream connection is then closed, not pooled). */
static inline int px_client_gone(struct px_ex *ex)
{
	(void)ex;
	return 1;
}

/* The upstream died, stalled or garbled the body half-way: pass on what
 * came, then close the client connection so that it sees the message is
 * incomplete (no last chunk). */
static inline int px_body_cut(struct px_ex *ex, struct px_out *o, int why)
{
	(void)ex;
	(void)why;
	px_out_flush(o);
	return PX_CLOSE;
}

/* The client's side of the request body failed half-way (it closed, reset,
 * went silent or garbled the chunked framing): the upstream connection is
 * closed with the body unfinished, so that the origin sees an incomplete
 * request, never a whole one. */
static inline void px_upload_cut(struct px_ex *ex, struct px_out *o, int why)
{
	(void)o;
	(void)why;
	close(ex->fd);
}

/* Can the request body bytes taken from the client so far be put back
 * (px_replay) for another attempt? */
static inline int px_can_replay(const struct px_ex *ex)
{
	return !ex->replay.oom && ex->c->rd.len + ex->replay.len <= sizeof ex->c->rd.buf;
}

/* Puts the body bytes taken from the client back in front of what is still
 * unread, so that the next attempt reads the same stream. */
static inline void px_replay(struct px_ex *ex)
{
	struct px_rd *rd = &ex->c->rd;
	memmove(rd->buf + ex->replay.len, rd->buf, rd->len);
	if (ex->replay.len)
		memcpy(rd->buf, ex->replay.s, ex->replay.len);
	rd->len += ex->replay.len;
	ex->replay.len = 0;
}

/* May a request whose upstream connection broke before any response be
 * sent again? Only an idempotent one (RFC 9110 §9.2.2, RFC 9112 §9.3.1),
 * and only when what it took of its body can be put back. */
static inline int px_may_retry(const struct px_ex *ex)
{
	return px_idempotent(ex->req->method) && px_can_replay(ex);
}

/* The upstream failed before a complete response head (why: a PX_E_*
 * code): 504 for a timeout, else 502 (RFC 9110 §15.6.3, §15.6.5).
 * Returns PX_KEEP or PX_CLOSE. */
static inline int px_no_head(struct px_ex *ex, int why)
{
	px_error(ex, why == PX_E_TIMEOUT ? px.timeout_status() : 502);
	return ex->close ? PX_CLOSE : PX_KEEP;
}

/* The connection to the upstream failed (err: an errno): 504 for a
 * timeout, else 502. */
static inline void px_connect_error(struct px_ex *ex, int err)
{
	ex->upstream_error = 1;
	px_error(ex, err == ETIMEDOUT ? px.timeout_status() : 502);
}

/* Reads the response head (1xx relayed). Returns 0 or a PX_E_* code. */
static inline int px_read_response_head(struct px_ex *ex)
{
	for (;;) {
		int st = px_take_response_head(ex);
		if (st > 0)
			return 0;
		if (st < 0)
			return PX_E_MALFORMED;
		int rc = px_wait_upstream(ex);
		if (rc == 0)
			return PX_E_EOF;
		if (rc < 0)
			return rc;
	}
}

static inline void px_count_failure(struct px_backend *b)
{
	pthread_mutex_lock(&px_lock);
	b->failures++;
	pthread_mutex_unlock(&px_lock);
}

/* One attempt on upstream socket ex->fd: the request goes up, its response
 * comes back. Returns PX_KEEP, PX_CLOSE, PX_RETRY_SAME or PX_RETRY_NEXT. */
static inline int px_exchange(struct px_ex *ex)
{
	struct px_client *c = ex->c;
	struct px_msg *r = ex->req;
	c->up.fd = ex->fd;
	c->up.len = 0;
	ex->got_response = 0;
	ex->watch_client = 1;
	ex->watch_upstream = 1;
	ex->res->status = 0;

	struct px_sb h = {0};
	px_request_head(ex, &h);
	struct px_out o = {.fd = ex->fd, .flush_at = px.req_flush_at, .chunked = r->chunked};
	struct px_body bd = {.kind = r->chunked ? PX_BODY_CHUNKED : r->clen > 0 ? PX_BODY_LENGTH : PX_BODY_NONE,
			     .left = r->clen > 0 ? (unsigned long long)r->clen : 0};
	int rc = h.oom || px_out_put(&o, h.s, h.len) < 0 ? PX_E_WRITE : px.send_head(ex, &o) < 0 ? PX_E_WRITE : 0;
	free(h.s);
	pthread_mutex_lock(&px_lock);
	ex->b->requests++;
	pthread_mutex_unlock(&px_lock);
	ex->replay.len = 0;
	ex->replay.oom = 0;
	c->rd.tap = &ex->replay;
	if (rc == 0)
		rc = px_relay(ex, &bd, &c->rd, &o, px_wait_client);
	c->rd.tap = NULL;
	ex->bytes_in = o.body;
	ex->body_done = rc == 0;
	if (rc == PX_E_MALFORMED || rc == PX_E_EOF || rc == PX_E_TIMEOUT || rc == PX_E_ERROR) {
		/* the client's side of the body failed: nothing more to do */
		px.upload_cut(ex, &o, rc);
		free(o.buf);
		ex->close = 1;
		if (rc == PX_E_MALFORMED)
			px_error(ex, 400);
		return PX_CLOSE;
	}
	free(o.buf);
	if (rc != 0)
		ex->close = 1; /* the rest of the request body stays unread */

	rc = ex->res->status >= 200 ? 0 : px_read_response_head(ex); /* PX_E_EARLY: it is there */
	if (rc < 0) {
		close(ex->fd);
		if (rc == PX_E_GONE)
			return PX_CLOSE;
		if (rc != PX_E_TIMEOUT && rc != PX_E_MALFORMED && !ex->got_response && px.may_retry(ex)) {
			if (ex->reused)
				return PX_RETRY_SAME; /* a pooled connection the upstream had closed */
			if (px_cfg.mode == PX_LB)
				return PX_RETRY_NEXT;
		}
		if (px_cfg.mode == PX_LB)
			px_count_failure(ex->b);
		ex->upstream_error = 1;
		return px.no_head(ex, rc);
	}

	struct px_msg *s = ex->res;
	int no_body = strcmp(r->method, "HEAD") == 0 || s->status == 204 || s->status == 304;
	struct px_body rb = {.kind = no_body ? PX_BODY_NONE
				: s->te ? (s->chunked ? PX_BODY_CHUNKED : PX_BODY_CLOSE)
				: s->clen >= 0 ? PX_BODY_LENGTH : PX_BODY_CLOSE,
			     .left = s->clen > 0 ? (unsigned long long)s->clen : 0};
	int chunked = px.client_framing(ex, rb.kind);
	int reusable = !s->conn_close && (s->minor == 1 || s->conn_keep_alive) &&
		       rb.kind != PX_BODY_CLOSE && ex->body_done;
	ex->status = s->status;
	h = (struct px_sb){0};
	px_response_head(ex, &h, chunked);
	struct px_out co = {.fd = c->rd.fd, .flush_at = px.res_flush_at, .chunked = chunked};
	rc = h.oom || px_out_put(&co, h.s, h.len) < 0 ? PX_E_WRITE : px_out_check(&co) < 0 ? PX_E_WRITE : 0;
	free(h.s);
	if (rc == 0)
		rc = px_relay(ex, &rb, &c->up, &co, px_wait_upstream);
	ex->bytes_out = co.body;
	if (rc == 0) {
		free(co.buf);
		if (reusable && c->up.len == 0)
			px.pool_put(ex->b, ex->fd);
		else
			close(ex->fd);
		return ex->close ? PX_CLOSE : PX_KEEP;
	}
	close(ex->fd);
	if (rc == PX_E_WRITE || rc == PX_E_GONE) {
		free(co.buf);
		return PX_CLOSE; /* the client went away */
	}
	ex->upstream_error = 1;
	if (px_cfg.mode == PX_LB)
		px_count_failure(ex->b);
	rc = px.body_cut(ex, &co, rc);
	free(co.buf);
	return rc;
}

/* ---- upstream connections ---- */

/* Connects to b within ms. Returns a blocking socket, or -errno
 * (-ETIMEDOUT when ms passed first). */
static inline int px_connect(struct px_backend *b, int ms)
{
	int fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&b->addr, b->alen) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int rc;
	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	int err = 0;
	socklen_t len = sizeof err;
	if (rc > 0)
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (rc <= 0 || err) {
		close(fd);
		return rc == 0 ? -ETIMEDOUT : -(err ? err : EIO);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* an upstream that stops reading the request cannot hold us forever */
	int t = px_ms(px_cfg.upstream_timeout);
	struct timeval tv = {.tv_sec = t / 1000, .tv_usec = (t % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

/* Is an idle pooled connection unusable: closed by the upstream, or
 * holding bytes nobody asked for? */
static inline int px_idle_dead(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
	return poll(&p, 1, 0) != 0;
}

/* Has a pooled connection been idle too long (--max-idle)? */
static inline int px_pool_expired(int64_t idle_ms)
{
	return idle_ms >= px_ms(px_cfg.max_idle);
}

/* An idle connection to b from the pool (the most recent one that is
 * still alive and younger than --max-idle), or -1. */
static inline int px_pool_get(struct px_backend *b)
{
	int64_t now = px_now_ms();
	int fd = -1;
	pthread_mutex_lock(&px_lock);
	while (fd < 0 && b->nidle > 0) {
		b->nidle--;
		fd = b->idle[b->nidle];
		if (px.pool_expired(now - b->idle_since[b->nidle]) || px.idle_dead(fd)) {
			close(fd);
			fd = -1;
		}
	}
	pthread_mutex_unlock(&px_lock);
	return fd;
}

/* Keeps fd, whose exchange is over, for a later request to b. */
static inline void px_pool_put(struct px_backend *b, int fd)
{
	pthread_mutex_lock(&px_lock);
	if (b->nidle < PX_POOL) {
		b->idle[b->nidle] = fd;
		b->idle_since[b->nidle] = px_now_ms();
		b->nidle++;
		fd = -1;
	}
	pthread_mutex_unlock(&px_lock);
	if (fd >= 0)
		close(fd);
}

/* Closes the pooled connections past --max-idle, or closed by the
 * upstream, a few times a second. */
static inline void *px_reaper_main(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(100000);
		int64_t now = px_now_ms();
		pthread_mutex_lock(&px_lock);
		for (int i = 0; i < px_nbackends; i++) {
			struct px_backend *b = &px_backends[i];
			int k = 0;
			for (int j = 0; j < b->nidle; j++) {
				if (px.pool_expired(now - b->idle_since[j]) || px.idle_dead(b->idle[j])) {
					close(b->idle[j]);
					continue;
				}
				b->idle[k] = b->idle[j];
				b->idle_since[k] = b->idle_since[j];
				k++;
			}
			b->nidle = k;
		}
		pthread_mutex_unlock(&px_lock);
	}
	return NULL;
}

/* ---- lb: choosing a backend ---- */

/* Is b in rotation: up by its checks, and not ejected? */
static inline int px_usable(const struct px_backend *b, int64_t now)
{
	return b->up && now >= b->ejected_until;
}

/* The next usable backend in cyclic order (strict: a down one is skipped
 * and the cycle goes on after the one chosen). */
static inline int px_round_robin(uint64_t tried, int64_t now)
{
	for (int i = 0; i < px_nbackends; i++) {
		int k = (px_rr + i) % px_nbackends;
		if (!(tried >> k & 1) && px.usable(&px_backends[k], now)) {
			px_rr = (k + 1) % px_nbackends;
			return k;
		}
	}
	return -1;
}

/* The usable backend with the fewest requests in flight; among equals the
 * first in round-robin order. */
static inline int px_least_conn(uint64_t tried, int64_t now)
{
	int best = -1;
	for (int i = 0; i < px_nbackends; i++) {
		int k = (px_rr + i) % px_nbackends;
		if ((tried >> k & 1) || !px.usable(&px_backends[k], now))
			continue;
		if (best < 0 || px_backends[k].active < px_backends[best].active)
			best = k;
	}
	if (best >= 0)
		px_rr = (best + 1) % px_nbackends;
	return best;
}

/* A usable backend chosen uniformly. */
static inline int px_random(uint64_t tried, int64_t now)
{
	int ok[PX_MAX_BACKENDS], n = 0;
	for (int k = 0; k < px_nbackends; k++)
		if (!(tried >> k & 1) && px.usable(&px_backends[k], now))
			ok[n++] = k;
	return n ? ok[px_random_below((unsigned)n)] : -1;
}

/* The backend for this attempt (tried: those that failed it already), its
 * in-flight count raised under the same lock, so that two requests choosing
 * at once see each other; -1 when none is left. The proxy and the sidecar
 * have their one upstream. */
static inline int px_choose(struct px_ex *ex, uint64_t tried)
{
	(void)ex;
	int k;
	int64_t now = px_now_ms();
	if (px_cfg.mode != PX_LB)
		k = tried & 1 ? -1 : 0;
	else if (strcmp(px_cfg.policy, "least-conn") == 0)
		k = px.least_conn(tried, now);
	else if (strcmp(px_cfg.policy, "random") == 0)
		k = px.random(tried, now);
	else
		k = px.round_robin(tried, now);
	if (k >= 0)
		px_backends[k].active++;
	return k;
}

/* A connection to b failed (passive ejection): out of rotation for
 * --eject-time, or with active checks down until they pass --rise times. */
static inline void px_connect_failed(struct px_backend *b, int err)
{
	(void)err;
	b->failures++;
	if (px_cfg.health_path) {
		b->up = 0;
		b->passes = 0;
	} else {
		b->ejected_until = px_now_ms() + px_ms(px_cfg.eject_time);
	}
}

/* A health check's result: --fall failures in a row take an up backend
 * out, --rise passes in a row bring a down one back. */
static inline void px_check_result(struct px_backend *b, int pass)
{
	if (pass) {
		b->fails = 0;
		if (!b->up && ++b->passes >= px_cfg.rise) {
			b->up = 1;
			b->passes = 0;
		}
	} else {
		b->failures++;
		b->passes = 0;
		if (b->up && ++b->fails >= px_cfg.fall) {
			b->up = 0;
			b->fails = 0;
		}
	}
}

/* Does a check answered with status pass? 2xx and 3xx do. */
static inline int px_check_passes(int status)
{
	return status >= 200 && status < 400;
}

/* One health check: GET --health-path on a connection of its own; passes
 * (px.check_passes) on the status line that comes within --health-interval. */
static inline int px_health_check(struct px_backend *b)
{
	int ms = px_ms(px_cfg.health_interval);
	int64_t deadline = px_now_ms() + ms;
	int fd = px.connect(b, ms);
	if (fd < 0)
		return 0;
	char req[1024], resp[64];
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: osnet-broken-lb\r\n\r\n",
			 px_cfg.health_path, b->name);
	size_t got = 0;
	if (n > 0 && (size_t)n < sizeof req && px_send_all(fd, req, (size_t)n) == 0) {
		while (got < 13) { /* "HTTP/1.1 200 " */
			int64_t left = deadline - px_now_ms();
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			ssize_t k = recv(fd, resp + got, sizeof resp - 1 - got, 0);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
	}
	close(fd);
	resp[got] = '\0';
	if (got < 12 || strncmp(resp, "HTTP/1.", 7) != 0)
		return 0;
	return px.check_passes(atoi(resp + 9));
}

/* Checks one backend every --health-interval, forever. */
static inline void *px_health_main(void *arg)
{
	struct px_backend *b = arg;
	for (;;) {
		int pass = px.health_check(b);
		pthread_mutex_lock(&px_lock);
		px.check_result(b, pass);
		pthread_mutex_unlock(&px_lock);
		int ms = px_ms(px_cfg.health_interval);
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

/* A backend's state on /lb/status: "up" when in rotation. */
static inline const char *px_state(const struct px_backend *b, int64_t now)
{
	return px.usable(b, now) ? "up" : "down";
}

/* GET /lb/status: the policy and every backend's state and counters. */
static inline void px_status(struct px_ex *ex)
{
	struct px_sb b = {0};
	int64_t now = px_now_ms();
	px_sb_add(&b, "{\"policy\": \"%s\", \"backends\": [", px_cfg.policy);
	pthread_mutex_lock(&px_lock);
	for (int i = 0; i < px_nbackends; i++) {
		struct px_backend *k = &px_backends[i];
		px_sb_add(&b, "%s\n {\"address\": \"%s\", \"state\": \"%s\", \"active\": %ld, \"requests\": %ld, "
			  "\"failures\": %ld}", i ? "," : "", k->name, px.state(k, now),
			  k->active, k->requests, k->failures);
	}
	pthread_mutex_unlock(&px_lock);
	px_sb_add(&b, "]}\n");
	if (b.oom)
		px_error(ex, 500);
	else
		px_respond(ex, 200, px.status_type, b.s, b.len);
	free(b.s);
}

/* ---- sidecar: trace context and request id ---- */

static inline int px_lowhex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

static inline int px_all_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

/* Is v a traceparent to keep (W3C Trace Context §3.2)? Version 00: exactly
 * "00-<32 hex>-<16 hex>-<2 hex>", lowercase, ids not all zeros; a higher
 * version (not ff) is read as 00's fields when the 56th character, if
 * any, is a dash (§3.2.4). */
static inline int px_traceparent_ok(const char *v)
{
	size_t n = strlen(v);
	if (n < 55 || !px_lowhex(v, 2) || strncmp(v, "ff", 2) == 0)
		return 0;
	if (strncmp(v, "00", 2) == 0 ? n != 55 : (n > 55 && v[55] != '-'))
		return 0;
	return v[2] == '-' && v[35] == '-' && v[52] == '-' && px_lowhex(v + 3, 32) &&
	       px_lowhex(v + 36, 16) && px_lowhex(v + 53, 2) && !px_all_zero(v + 3, 32) &&
	       !px_all_zero(v + 36, 16);
}

/* The trace of this request: a valid incoming traceparent's trace-id and
 * flags (its parent-id is our parent), else a new trace-id with flags 03
 * (sampled, random trace-id); our span id is always new. tracestate is
 * kept only with a valid traceparent (§3.3). */
static inline void px_trace(struct px_ex *ex)
{
	const char *tp = px_field(ex->req, "traceparent");
	if (tp && px_field_count(ex->req, "traceparent") == 1 && px.traceparent_ok(tp)) {
		memcpy(ex->trace_id, tp + 3, 32);
		memcpy(ex->parent_id, tp + 36, 16);
		memcpy(ex->flags, tp + 53, 2);
		if (px_field(ex->req, "tracestate")) {
			struct px_sb ts = {0};
			px_field_join(ex->req, "tracestate", &ts);
			ex->tracestate = ts.s;
		}
	} else {
		px_random_hex(ex->trace_id, 16);
		strcpy(ex->flags, "03");
	}
	px_random_hex(ex->span_id, 8);
}

/* Is v a request id to keep: 1 to 200 printable ASCII characters? */
static inline int px_request_id_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return 0;
	return 1;
}

/* The client's X-Request-Id when it sent one good one, else a new one. */
static inline void px_request_id(struct px_ex *ex)
{
	const char *id = px_field(ex->req, "X-Request-Id");
	if (id && px_field_count(ex->req, "X-Request-Id") == 1 && px.request_id_ok(id))
		snprintf(ex->request_id, sizeof ex->request_id, "%s", id);
	else
		px_random_hex(ex->request_id, 16);
}

/* The sidecar's request fields: traceparent, tracestate, X-Request-Id. */
static inline void px_sidecar_request_fields(struct px_sb *h, struct px_ex *ex)
{
	if (px_cfg.mode != PX_SIDECAR)
		return;
	px_sb_add(h, "traceparent: 00-%s-%s-%s\r\n", ex->trace_id, ex->span_id, ex->flags);
	if (ex->tracestate)
		px_sb_add(h, "tracestate: %s\r\n", ex->tracestate);
	if (ex->request_id[0])
		px_sb_add(h, "X-Request-Id: %s\r\n", ex->request_id);
}

/* The sidecar's response field: the request's id (none when the head was
 * refused before there was one). */
static inline void px_sidecar_response_fields(struct px_sb *h, struct px_ex *ex)
{
	if (px_cfg.mode != PX_SIDECAR || ex->request_id[0] == '\0')
		return;
	px_sb_add(h, "X-Request-Id: %s\r\n", ex->request_id);
}

/* ---- sidecar: metrics ---- */

static const double px_buckets[PX_NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					       0.25, 0.5, 1, 2.5, 5, 10};
static struct {
	struct {
		char method[16];
		int code;
		unsigned long long n;
	} req[256];
	int nreq;
	unsigned long long bucket[PX_NBUCKETS]; /* requests with a duration <= the bound */
	unsigned long long count, upstream_errors;
	double sum;
	long in_flight;
} px_m;

/* The method label: the standard methods as sent, OTHER for the rest (a
 * bounded label set). */
static inline const char *px_method_label(const char *m)
{
	static const char *std[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
				    "OPTIONS", "TRACE", "PATCH", NULL};
	for (int i = 0; std[i]; i++)
		if (strcmp(std[i], m) == 0)
			return std[i];
	return "OTHER";
}

/* Counts a finished request (with px_lock held). */
static inline void px_count(const struct px_ex *ex)
{
	double d = px_now_s() - ex->start;
	if (ex->status) {
		const char *m = px.method_label(ex->req->method);
		int i;
		for (i = 0; i < px_m.nreq; i++)
			if (px_m.req[i].code == ex->status && strcmp(px_m.req[i].method, m) == 0)
				break;
		if (i == px_m.nreq && px_m.nreq < 256) {
			snprintf(px_m.req[i].method, sizeof px_m.req[i].method, "%s", m);
			px_m.req[i].code = ex->status;
			px_m.nreq++;
		}
		if (i < px_m.nreq)
			px_m.req[i].n++;
	}
	for (int k = 0; k < PX_NBUCKETS; k++)
		if (d <= px_buckets[k])
			px_m.bucket[k]++;
	px_m.count++;
	px_m.sum += d;
	px_m.upstream_errors += (unsigned long long)ex->upstream_error;
}

/* The service label's value with the text format's escapes. */
static inline void px_service_label(char *out, size_t n)
{
	size_t o = 0;
	for (const char *s = px_cfg.service; *s && o + 3 < n; s++) {
		if (*s == '\\' || *s == '"')
			out[o++] = '\\', out[o++] = *s;
		else if (*s == '\n')
			out[o++] = '\\', out[o++] = 'n';
		else
			out[o++] = *s;
	}
	out[o] = '\0';
}

/* The Prometheus text format 0.0.4 exposition of everything counted. */
static inline void px_metrics(struct px_sb *b)
{
	char svc[512];
	px.service_label(svc, sizeof svc);
	pthread_mutex_lock(&px_lock);
	px_sb_add(b, "# HELP sidecar_requests_total Requests forwarded, by method and response status code.\n"
		  "# TYPE sidecar_requests_total counter\n");
	for (int i = 0; i < px_m.nreq; i++)
		px_sb_add(b, "sidecar_requests_total{service=\"%s\",method=\"%s\",code=\"%d\"} %llu\n", svc,
			  px_m.req[i].method, px_m.req[i].code, px_m.req[i].n);
	px_sb_add(b, "# HELP sidecar_request_duration_seconds Time from a complete request head "
		  "to the end of its exchange.\n"
		  "# TYPE sidecar_request_duration_seconds histogram\n");
	for (int k = 0; k < PX_NBUCKETS; k++)
		px_sb_add(b, "sidecar_request_duration_seconds_bucket{service=\"%s\",le=\"%g\"} %llu\n", svc,
			  px_buckets[k], px_m.bucket[k]);
	px_sb_add(b, "sidecar_request_duration_seconds_bucket{service=\"%s\",le=\"+Inf\"} %llu\n", svc,
		  px_m.count);
	px_sb_add(b, "sidecar_request_duration_seconds_sum{service=\"%s\"} %.9f\n", svc, px_m.sum);
	px_sb_add(b, "sidecar_request_duration_seconds_count{service=\"%s\"} %llu\n", svc, px_m.count);
	px_sb_add(b, "# HELP sidecar_upstream_errors_total Requests that failed on the upstream side "
		  "(connect, reset, timeout).\n"
		  "# TYPE sidecar_upstream_errors_total counter\n"
		  "sidecar_upstream_errors_total{service=\"%s\"} %llu\n", svc, px_m.upstream_errors);
	px_sb_add(b, "# HELP sidecar_in_flight Requests received and not finished yet.\n"
		  "# TYPE sidecar_in_flight gauge\n"
		  "sidecar_in_flight{service=\"%s\"} %ld\n", svc, px_m.in_flight);
	pthread_mutex_unlock(&px_lock);
}

static inline int px_metrics_path(const char *target)
{
	return strcmp(target, "/metrics") == 0 || strncmp(target, "/metrics?", 9) == 0;
}

/* Serves one metrics connection: GET /metrics, keep-alive, 404 otherwise. */
static inline void *px_metrics_conn(void *arg)
{
	struct px_client *c = arg;
	for (;;) {
		size_t headlen;
		if (px_read_request_head(c, &headlen) != 0)
			break;
		struct px_ex ex = {.c = c, .req = &c->req};
		int st = px_parse_request(&c->req, c->rd.buf, headlen);
		px_consume(&c->rd, headlen);
		c->first_byte = 0;
		c->served++;
		ex.close = st || c->req.conn_close || (c->req.minor == 0 && !c->req.conn_keep_alive);
		ex.has_body = c->req.chunked || c->req.clen > 0;
		if (st) {
			px_error(&ex, st);
			break;
		}
		struct px_sb b = {0};
		if (!ex.has_body && (strcmp(c->req.method, "GET") == 0 || strcmp(c->req.method, "HEAD") == 0) &&
		    px.metrics_path(c->req.target)) {
			px.metrics(&b);
			if (b.oom)
				px_error(&ex, 500);
			else
				px_respond(&ex, 200, px.metrics_type, b.s, b.len);
		} else {
			px_error(&ex, 404);
		}
		free(b.s);
		if (ex.close)
			break;
	}
	close(c->rd.fd);
	free(c->req.head);
	free(c);
	return NULL;
}

/* ---- sidecar: the access log ---- */

/* Appends s as a JSON string: escapes for '"', '\' and controls, and each
 * byte that is not part of valid UTF-8 replaced by U+FFFD (RFC 8259 §7, §8.1). */
static inline void px_json_str(struct px_sb *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	px_sb_mem(b, "\"", 1);
	while (p < end) {
		unsigned ch = *p;
		if (ch == '"' || ch == '\\') {
			char e[2] = {'\\', (char)ch};
			px_sb_mem(b, e, 2);
			p++;
		} else if (ch < 0x20 || ch == 0x7f) {
			px_sb_add(b, "\\u%04x", ch);
			p++;
		} else if (ch < 0x80) {
			px_sb_mem(b, p, 1);
			p++;
		} else {
			/* a whole, shortest-form UTF-8 sequence goes through as is */
			int k = ch >= 0xf0 && ch <= 0xf4 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc2 && ch <= 0xdf ? 2 : 0;
			int ok = k > 0 && end - p >= k;
			for (int i = 1; ok && i < k; i++)
				ok = (p[i] & 0xc0) == 0x80;
			if (ok && k == 3)
				ok = !(ch == 0xe0 && p[1] < 0xa0) && !(ch == 0xed && p[1] >= 0xa0);
			if (ok && k == 4)
				ok = !(ch == 0xf0 && p[1] < 0x90) && !(ch == 0xf4 && p[1] >= 0x90);
			if (ok) {
				px_sb_mem(b, p, (size_t)k);
				p += k;
			} else {
				px_sb_mem(b, "\xef\xbf\xbd", 3);
				p++;
			}
		}
	}
	px_sb_mem(b, "\"", 1);
}

/* The log's duration_ms: milliseconds from the complete request head to
 * now, the end of the exchange. */
static inline double px_duration_ms(const struct px_ex *ex)
{
	return (px_now_s() - ex->start) * 1000;
}

/* One JSON object per line per request, written in one write(). */
static inline void px_log(const struct px_ex *ex)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[64];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	struct px_sb b = {0};
	px_sb_add(&b, "{\"time\":\"%s.%03ldZ\",\"level\":\"info\",\"service\":", when, ts.tv_nsec / 1000000);
	px.json_str(&b, px_cfg.service, strlen(px_cfg.service));
	px_sb_add(&b, ",\"trace_id\":\"%s\",\"span_id\":\"%s\",\"parent_id\":", ex->trace_id, ex->span_id);
	if (ex->parent_id[0])
		px_sb_add(&b, "\"%s\"", ex->parent_id);
	else
		px_sb_add(&b, "null");
	px_sb_add(&b, ",\"request_id\":");
	px.json_str(&b, ex->request_id, strlen(ex->request_id));
	px_sb_add(&b, ",\"method\":");
	px.json_str(&b, ex->req->method, strlen(ex->req->method));
	px_sb_add(&b, ",\"path\":");
	px.json_str(&b, ex->req->target, (size_t)(ex->req->path_end - ex->req->target));
	px_sb_add(&b, ",\"status\":%d,\"duration_ms\":%.3f,\"bytes_in\":%lld,\"bytes_out\":%lld,\"upstream\":",
		  ex->status, px.duration_ms(ex), ex->bytes_in, ex->bytes_out);
	px.json_str(&b, px_backends[0].name, strlen(px_backends[0].name));
	px_sb_add(&b, ",\"client\":\"%s\"}\n", ex->c->ip);
	if (!b.oom && write(px_log_fd, b.s, b.len) < 0)
		perror("access log");
	free(b.s);
}

/* ---- a client connection ---- */

/* Answers the requests that are not forwarded: GET /lb/status on the lb.
 * Returns 1 when it answered. */
static inline int px_local(struct px_ex *ex)
{
	const struct px_msg *r = ex->req;
	if (px_cfg.mode != PX_LB || (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) ||
	    strncmp(r->target, "/lb/status", 10) != 0 || (r->target[10] != '\0' && r->target[10] != '?'))
		return 0;
	px.status(ex);
	return 1;
}

/* Forwards one request: a backend chosen, a connection (pooled or new),
 * the exchange, and the retries the rules allow. Returns PX_KEEP or
 * PX_CLOSE. */
static inline int px_forward(struct px_ex *ex)
{
	uint64_t tried = 0;
	int same = -1; /* after a stale pooled connection: this backend, anew */
	for (;;) {
		int k;
		pthread_mutex_lock(&px_lock);
		if (same >= 0)
			px_backends[k = same].active++;
		else
			k = px.choose(ex, tried);
		pthread_mutex_unlock(&px_lock);
		if (k < 0) {
			px_error(ex, px_cfg.mode == PX_LB ? px.all_down_status : 502);
			return ex->close ? PX_CLOSE : PX_KEEP;
		}
		struct px_backend *b = ex->b = &px_backends[k];
		ex->fd = same >= 0 ? -1 : px.pool_get(b);
		ex->reused = ex->fd >= 0;
		same = -1;
		if (ex->fd < 0)
			ex->fd = px.connect(b, px_ms(px_cfg.connect_timeout));
		int rc;
		if (ex->fd < 0) {
			pthread_mutex_lock(&px_lock);
			b->active--;
			if (px_cfg.mode == PX_LB)
				px.connect_failed(b, -ex->fd);
			pthread_mutex_unlock(&px_lock);
			if (px_cfg.mode == PX_LB) {
				tried |= 1ull << k;
				continue;
			}
			px.connect_error(ex, -ex->fd);
			return ex->close ? PX_CLOSE : PX_KEEP;
		}
		rc = px_exchange(ex);
		pthread_mutex_lock(&px_lock);
		b->active--;
		pthread_mutex_unlock(&px_lock);
		if (rc == PX_RETRY_SAME || rc == PX_RETRY_NEXT) {
			px_replay(ex); /* the next attempt reads the same body */
			ex->close = ex->close_asked;
		}
		if (rc == PX_RETRY_SAME) {
			same = k;
		} else if (rc == PX_RETRY_NEXT) {
			px_count_failure(b);
			tried |= 1ull << k;
		} else {
			return rc;
		}
	}
}

/* After a response that ends the connection: stop sending, then drop what
 * the client still sends for a moment, so that closing with unread bytes
 * (an RST) does not destroy the response on its way. */
static inline void px_linger_close(int fd)
{
	shutdown(fd, SHUT_WR);
	int64_t until = px_now_ms() + 2000;
	char junk[16384];
	for (;;) {
		int64_t left = until - px_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)(left < 500 ? left : 500)) <= 0)
			break;
		if (recv(fd, junk, sizeof junk, 0) <= 0)
			break;
	}
}

/* Serves one client connection until it closes. */
static inline void *px_client_main(void *arg)
{
	struct px_client *c = arg;
	int linger = 0;
	for (;;) {
		size_t headlen = 0;
		int st = px_read_request_head(c, &headlen);
		if (st < 0)
			break;
		struct px_ex ex = {.c = c, .req = &c->req, .res = &c->res, .fd = -1};
		if (st == 0) {
			st = px_parse_request(&c->req, c->rd.buf, headlen);
			px.take_head(&c->rd, headlen);
		}
		c->first_byte = 0;
		c->served++;
		if (st) {
			/* refused: answered, and nothing after it is read (RFC 9112 §11.2) */
			struct px_msg none = {.method = (char *)"GET", .minor = 1};
			ex.req = &none;
			ex.close = 1;
			px_error(&ex, st);
			linger = 1;
			break;
		}
		struct px_msg *r = &c->req;
		ex.start = px_now_s();
		ex.close = ex.close_asked = !px.keep_alive(r);
		ex.has_body = r->chunked || r->clen > 0;
		c->res.status = 0;
		int rc;
		if (px.local(&ex)) {
			rc = ex.close ? PX_CLOSE : PX_KEEP;
		} else if (px_cfg.mode == PX_SIDECAR) {
			pthread_mutex_lock(&px_lock);
			px_m.in_flight++;
			pthread_mutex_unlock(&px_lock);
			px.trace(&ex);
			px.request_id(&ex);
			rc = px_forward(&ex);
			pthread_mutex_lock(&px_lock);
			px_m.in_flight--;
			px.count(&ex);
			pthread_mutex_unlock(&px_lock);
			px.log(&ex);
			free(ex.tracestate);
		} else {
			rc = px_forward(&ex);
		}
		free(ex.replay.s);
		if (rc != PX_KEEP) {
			linger = ex.status != 0;
			break;
		}
	}
	if (linger)
		px_linger_close(c->rd.fd);
	close(c->rd.fd);
	free(c->req.head);
	free(c->res.head);
	free(c);
	return NULL;
}

/* A detached thread running fn(arg). Returns 0 or -1. */
static inline int px_thread(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	int rc = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

/* Accepts on lfd forever, each connection served by fn, started by
 * spawn (a thread of its own). */
static inline void px_accept_loop(int lfd, void *(*fn)(void *), int (*spawn)(void *(*)(void *), void *))
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(10000);
			continue;
		}
		struct px_client *c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->rd.fd = fd;
		c->up.fd = -1;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->ip, sizeof c->ip);
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->ip, sizeof c->ip);
		if (spawn(fn, c) < 0) {
			close(fd);
			free(c);
		}
	}
}

static inline void *px_metrics_main(void *arg)
{
	px_accept_loop((int)(intptr_t)arg, px_metrics_conn, px_thread);
	return NULL;
}

/* ---- the command line ---- */

static void px_on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static inline void px_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s --host H --port P (--upstream H:P | --backends H:P[,H:P...])\n"
		"  [--connect-timeout S] [--upstream-timeout S] [--header-timeout S] [--idle-timeout S]\n"
		"  [--max-idle S] [--log-level L] [--policy round-robin|random|least-conn]\n"
		"  [--health-path PATH] [--health-interval S] [--rise N] [--fall N] [--eject-time S]\n"
		"  [--metrics-port P] [--service NAME] [--access-log PATH|-]\n",
		argv0);
}

/* A duration in seconds ("5", "0.5"). Returns 0, or -1. */
static inline int px_seconds(const char *v, double *out)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end || !(d >= 0) || d > 86400)
		return -1;
	*out = d;
	return 0;
}

/* Resolves "host:port" ("[v6]:port" too) into backend b. Returns 0 or -1. */
static inline int px_backend_init(struct px_backend *b, const char *hp, size_t n)
{
	char tmp[128];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, hp, n);
	tmp[n] = '\0';
	memcpy(b->name, tmp, n + 1);
	char *colon = strrchr(tmp, ':');
	if (colon == NULL || colon[1] == '\0')
		return -1;
	*colon = '\0';
	char *host = tmp;
	if (*host == '[' && colon[-1] == ']') {
		host++;
		colon[-1] = '\0';
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
	b->alen = res->ai_addrlen;
	freeaddrinfo(res);
	b->up = 1;
	return 0;
}

static inline int px_backends_parse(const char *list)
{
	px_nbackends = 0;
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		if (px_nbackends == PX_MAX_BACKENDS || px_backend_init(&px_backends[px_nbackends], p, n) < 0)
			return -1;
		px_nbackends++;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* The whole program in the given mode. Returns 2 on misuse, 1 on a setup
 * failure; otherwise runs until SIGTERM/SIGINT (exit 0). */
static inline int px_main(int argc, char **argv, enum px_mode mode)
{
	const char *list = NULL;
	px_cfg.mode = mode;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0) {
			px_usage(argv[0]);
			return 0;
		}
		if (v == NULL) {
			px_usage(argv[0]);
			return 2;
		}
		i++;
		int bad = 0;
		if (strcmp(a, "--host") == 0)
			px_cfg.host = v;
		else if (strcmp(a, "--port") == 0)
			px_cfg.port = v;
		else if (strcmp(a, "--upstream") == 0 || strcmp(a, "--backends") == 0)
			list = v;
		else if (strcmp(a, "--connect-timeout") == 0)
			bad = px.seconds(v, &px_cfg.connect_timeout);
		else if (strcmp(a, "--upstream-timeout") == 0)
			bad = px.seconds(v, &px_cfg.upstream_timeout);
		else if (strcmp(a, "--header-timeout") == 0)
			bad = px.seconds(v, &px_cfg.header_timeout);
		else if (strcmp(a, "--idle-timeout") == 0)
			bad = px.seconds(v, &px_cfg.idle_timeout);
		else if (strcmp(a, "--max-idle") == 0)
			bad = px.seconds(v, &px_cfg.max_idle);
		else if (strcmp(a, "--log-level") == 0)
			; /* nothing is logged but the access log */
		else if (strcmp(a, "--policy") == 0)
			px_cfg.policy = v, bad = strcmp(v, "round-robin") && strcmp(v, "random") && strcmp(v, "least-conn");
		else if (strcmp(a, "--health-path") == 0)
			px_cfg.health_path = v;
		else if (strcmp(a, "--health-interval") == 0)
			bad = px.seconds(v, &px_cfg.health_interval);
		else if (strcmp(a, "--rise") == 0)
			bad = (px_cfg.rise = atoi(v)) < 1;
		else if (strcmp(a, "--fall") == 0)
			bad = (px_cfg.fall = atoi(v)) < 1;
		else if (strcmp(a, "--eject-time") == 0)
			bad = px.seconds(v, &px_cfg.eject_time);
		else if (strcmp(a, "--metrics-port") == 0)
			px_cfg.metrics_port = v;
		else if (strcmp(a, "--service") == 0)
			px_cfg.service = v;
		else if (strcmp(a, "--access-log") == 0)
			px_cfg.access_log = v;
		else
			bad = 1;
		if (bad) {
			px_usage(argv[0]);
			return 2;
		}
	}
	if (px_cfg.port == NULL || list == NULL || px.backends_parse(list) < 0) {
		px_usage(argv[0]);
		return 2;
	}
	if (px.via_name == NULL)
		px.via_name = mode == PX_LB ? "osnet-lb" : mode == PX_SIDECAR ? "osnet-sidecar" : "osnet-proxy";
	if (mode == PX_SIDECAR && strcmp(px_cfg.access_log, "-") != 0) {
		px_log_fd = open(px_cfg.access_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (px_log_fd < 0) {
			perror(px_cfg.access_log);
			return 1;
		}
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, px.on_sigterm);
	signal(SIGINT, px_on_stop);
	const char *port = px.fixed_port ? px.fixed_port : px_cfg.port;
	int lfd = broken_bind(px_cfg.host, port, SOCK_STREAM | SOCK_CLOEXEC, 1);
	if (listen(lfd, 4096) < 0) {
		perror("listen");
		return 1;
	}
	if (mode == PX_SIDECAR && px_cfg.metrics_port) {
		int mfd = broken_bind(px_cfg.host, px_cfg.metrics_port, SOCK_STREAM | SOCK_CLOEXEC, 1);
		if (listen(mfd, 128) < 0 || px_thread(px_metrics_main, (void *)(intptr_t)mfd) < 0) {
			perror("metrics");
			return 1;
		}
	}
	if (mode == PX_LB && px_cfg.health_path)
		for (int i = 0; i < px_nbackends; i++)
			if (px_thread(px_health_main, &px_backends[i]) < 0)
				return 1;
	if (px_thread(px_reaper_main, NULL) < 0)
		return 1;
	fprintf(stderr, "%s: listening on %s:%s\n", px.via_name, px_cfg.host, port);
	px_accept_loop(lfd, px_client_main, px.spawn);
	return 1;
}

struct px_hooks px = {
	.on_sigterm = px_on_stop,
	.spawn = px_thread,
	.max_request_line = PX_MAX_LINE,
	.max_field_line = PX_MAX_LINE,
	.max_head = PX_MAX_HEAD,
	.head_too_large = 431,
	.head_wait_ms = px_head_wait_ms,
	.split_request_line = px_split_request_line,
	.version_ok = px_version_ok,
	.req_flush_at = 1,
	.res_flush_at = 1,
	.replay_max = PX_REPLAY_MAX,
	.seconds = px_seconds,
	.backends_parse = px_backends_parse,
	.take_head = px_consume,
	.keep_alive = px_keep_alive,
	.send_head = px_send_head,
	.chunk_head = px_chunk_head,
	.client_framing = px_client_framing,
	.connect_error = px_connect_error,
	.no_head = px_no_head,
	.idle_dead = px_idle_dead,
	.duration_ms = px_duration_ms,
	.content_length = px_content_length,
	.framing = px_framing,
	.host_rule = px_host_rule,
	.field_line = px_field_line,
	.request_line = px_request_line,
	.is_hop = px_is_hop,
	.forwarded = px_forwarded,
	.via = px_via,
	.own_field = px_own_field,
	.request_fields = px_sidecar_request_fields,
	.response_fields = px_sidecar_response_fields,
	.interim = px_interim,
	.client_chunked = px_client_chunked,
	.client_gone = px_client_gone,
	.body_cut = px_body_cut,
	.upload_cut = px_upload_cut,
	.upstream_wait_ms = px_upstream_wait_ms,
	.timeout_status = px_timeout_status,
	.connect = px_connect,
	.pool_get = px_pool_get,
	.pool_put = px_pool_put,
	.pool_expired = px_pool_expired,
	.may_retry = px_may_retry,
	.choose = px_choose,
	.round_robin = px_round_robin,
	.least_conn = px_least_conn,
	.random = px_random,
	.usable = px_usable,
	.connect_failed = px_connect_failed,
	.check_result = px_check_result,
	.health_check = px_health_check,
	.check_passes = px_check_passes,
	.all_down_status = 503,
	.status = px_status,
	.status_type = "application/json",
	.state = px_state,
	.traceparent_ok = px_traceparent_ok,
	.trace = px_trace,
	.request_id_ok = px_request_id_ok,
	.request_id = px_request_id,
	.count = px_count,
	.method_label = px_method_label,
	.service_label = px_service_label,
	.metrics = px_metrics,
	.metrics_path = px_metrics_path,
	.metrics_type = "text/plain; version=0.0.4; charset=utf-8",
	.log = px_log,
	.json_str = px_json_str,
	.local = px_local,
};

#endif
