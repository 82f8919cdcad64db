/* Shared, correct plumbing for the deliberately broken items services.
 *
 * This is a whole, correct items service (specs/items.md) in one header:
 * a plain HTTP/1.1 server, one thread per connection on blocking sockets
 * (poll() before each read gives the timeouts and the stop signal), heads
 * parsed with the limits (414, 431) and the framing rules (400, 501, 505),
 * keep-alive, Content-Length and chunked bodies read in full (413 past
 * --max-body), the routes of the items API with jansson for the JSON, the
 * items in memory, a token bucket per client address (429 + Retry-After,
 * idle buckets swept), the metrics in the Prometheus text format, one JSON
 * log line per response on stderr (trace_id from traceparent), and a
 * graceful SIGTERM: stop listening, close idle connections, finish what has
 * begun, exit 0.
 *
 * Each broken program replaces one piece through the `items` hook table
 * with its own, which carries the bug (marked BUG), so that it differs from
 * a correct service in exactly that piece. The pieces are cut small (a
 * handler, one member's check, the page query, the bucket key, ...) so that
 * a replacement is a few lines, often a wrapper around the correct one. It
 * is not a reference (impl/items/ is): simple and plain beats fast here.
 *
 * The items live in memory (an array in id order under one mutex), and with
 * --storage sqlite --db PATH also in an SQLite database (WAL,
 * synchronous=FULL, AUTOINCREMENT ids): each change is committed there
 * before it is made in the array and acknowledged, and the array is loaded
 * from the database at start. --threads is accepted and ignored: each
 * connection has a thread of its own.
 */
#ifndef OSNET_BROKEN_ITEMS_COMMON_H
#define OSNET_BROKEN_ITEMS_COMMON_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
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
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define IT_MAX_LINE 8192       /* request line (414) and field line (431) */
#define IT_MAX_HEAD 65536      /* whole head (431) */
#define IT_MAX_FIELDS 100      /* field lines (431) */
#define IT_HEADER_TIMEOUT 10   /* seconds from a head's first byte to its end (408) */
#define IT_NAME_MAX 100        /* characters (code points) of a name */
#define IT_TAGS_MAX 10
#define IT_TAG_MAX 30          /* characters of a tag */
#define IT_LIMIT_DEFAULT 20
#define IT_LIMIT_MAX 100       /* items per page */
#define IT_MAX_BUCKETS 100000  /* client addresses holding a token bucket */
#define IT_RL_SLOTS 4096       /* hash slots of the bucket table */
#define IT_NLE 14              /* histogram buckets before +Inf */
#define IT_NMETHODS 8          /* method labels */
#define IT_MAX_COUNTERS 1024   /* (method, route, status) series */

enum it_route { IT_R_LIST, IT_R_ITEM, IT_R_METRICS, IT_R_HEALTH, IT_R_OTHER, IT_NROUTES };
enum it_level { IT_DEBUG, IT_INFO, IT_WARN, IT_ERROR };
enum it_kind { IT_POST, IT_PUT, IT_PATCH };
enum it_store_err {
	IT_OK = 0,
	IT_ENOTFOUND = -1,
	IT_ECONFLICT = -2,
	IT_EFULL = -3,   /* --max-items reached, or the disk is full: 503 */
	IT_ENOMEM = -4,
	IT_EBUSY = -5,   /* the database is locked: 503 */
	IT_EIO = -6,     /* the database failed (I/O error, corruption): 500 */
};
enum it_op { IT_OP_CREATE, IT_OP_REPLACE, IT_OP_REMOVE }; /* a change written to the database */

/* A growable text; oom is set (and the text left as it was) when an
 * append could not get memory. */
struct it_sb {
	char *s;
	size_t len, cap;
	int oom;
};

struct it_item {
	int64_t id;
	char name[4 * IT_NAME_MAX + 1]; /* 4 bytes per character of UTF-8 at most */
	double price;
	int64_t quantity;
	int ntags;
	char tags[IT_TAGS_MAX][4 * IT_TAG_MAX + 1];
};

struct it_conn {
	int fd;
	char peer[INET6_ADDRSTRLEN];
	char *buf;            /* buf[0..len) read, not yet used */
	size_t len, cap;
	int served;           /* requests answered on this connection */
};

struct it_field {
	char *name, *value;   /* NUL-terminated, inside the request's head copy */
};

struct it_req {
	const char *peer;     /* the client's address (the rate limit's key) */
	char *head;           /* a NUL-terminated copy of the head, cut into lines */
	char *method, *target;
	char *path, *query;   /* the target's path (still encoded) and query, or NULL */
	int minor;            /* HTTP/1.<minor> */
	int is_head;
	struct it_field fields[IT_MAX_FIELDS];
	int nfields;
	long long clen;       /* Content-Length, -1 when absent */
	int chunked;
	int conn_close, conn_keep_alive, expect_continue;
	const char *ctype;    /* Content-Type, or NULL */
	const char *traceparent;
	int ntraceparent;     /* how many traceparent fields came */
	char *body;
	size_t bodylen;
	int route;            /* enum it_route */
	const char *id;       /* the {id} path segment (raw), for IT_R_ITEM */
	int64_t t0;           /* ns: when the head was complete */
	int close;            /* close the connection after the response */
};

/* What a handler answers. */
struct it_reply {
	int status;
	const char *ctype;    /* a static string, or NULL */
	char *body;           /* malloc'd, or NULL */
	size_t len;
	char location[32];    /* "" or the Location value */
	unsigned retry_after; /* 0, or the Retry-After value */
	const char *allow;    /* the Allow value of a 405, or NULL */
};

/* The pieces the broken programs replace. */
struct it_hooks {
	const char *fixed_port;           /* listen here instead of --port */
	void (*on_sigterm)(int);          /* SIGTERM's handler */
	void (*on_sigint)(int);           /* SIGINT's handler */
	void (*stop_listening)(int lfd);  /* at the start of a graceful stop */
	int (*spawn)(struct it_conn *c);  /* start serving an accepted connection: 0 or -1 */
	int close_idle;                   /* a stop closes connections between requests */
	int (*closing)(const struct it_req *r); /* stopping: is this the last response? */
	long (*drain)(int seconds);       /* waits for the connections; returns how many are left */
	int (*too_large)(unsigned long long total); /* a body of total bytes: 413? */
	int (*take_body)(struct it_conn *c, struct it_req *r, size_t want); /* 0, or -1: cut */
	void (*dispatch)(struct it_req *r, struct it_reply *rp);
	void (*not_allowed)(struct it_req *r, struct it_reply *rp, const char *allow);
	void (*error)(struct it_reply *rp, int status, const char *field, const char *message);
	int (*respond)(struct it_conn *c, struct it_req *r, struct it_reply *rp);
	void (*conn_end)(struct it_conn *c); /* a connection is about to close */
	/* the API, one handler per route and method */
	void (*create)(struct it_req *r, struct it_reply *rp);
	void (*list)(struct it_req *r, struct it_reply *rp);
	void (*get)(struct it_req *r, struct it_reply *rp);
	void (*replace)(struct it_req *r, struct it_reply *rp);
	void (*patch)(struct it_req *r, struct it_reply *rp);
	void (*remove)(struct it_req *r, struct it_reply *rp);
	void (*metrics_page)(struct it_req *r, struct it_reply *rp);
	void (*health)(struct it_req *r, struct it_reply *rp);
	/* their pieces */
	int (*route_of)(struct it_req *r); /* enum it_route of r->path; sets r->id */
	int (*path_id)(const struct it_req *r, struct it_reply *rp, int64_t *id); /* -1: rp is a 404 */
	int (*media_ok)(const char *ctype, int patch);
	json_t *(*body_object)(const struct it_req *r, int *status); /* or NULL and 400 / 500 */
	int (*check_name)(json_t *v, struct it_item *item);
	int (*check_price)(json_t *v, struct it_item *item);
	int (*check_quantity)(json_t *v, struct it_item *item);
	int (*check_tags)(json_t *v, struct it_item *item);
	int (*patch_null)(const char *member, struct it_item *item); /* 0, or -1: 422 */
	int (*limit_ok)(long long limit);
	int (*parse_cursor)(const char *v, int64_t *cursor); /* 0, or -1: 400 */
	/* out[0..*n) = up to limit items after the cursor; *more when others
	 * follow them; *next = the cursor of the next page */
	int (*page)(int64_t cursor, size_t limit, struct it_item *out, size_t *n, int *more,
		    int64_t *next);
	/* storage (called with the store locked) */
	int64_t (*next_id)(void);
	int (*name_taken)(const char *name, int64_t except);
	int (*full)(size_t n);            /* with n items stored, is there room for none? */
	size_t (*stored)(void);           /* the items_stored gauge */
	/* SQLite (--storage sqlite) */
	const char *db_pragmas;           /* run once the database is open */
	const char *db_schema;            /* creates the table if it is not there */
	int (*db_open)(const char *path); /* open, configure, load the items: 0 or -1 (logged) */
	int64_t (*db_last_id)(void);      /* the largest id ever given out, or -1 */
	/* writes one change in a transaction of its own (store locked): IT_OK or IT_E* */
	int (*db_write)(int op, const struct it_item *item);
	int (*db_commit)(void);           /* COMMIT: an SQLite result code */
	/* rate limiting */
	int (*limited_route)(int route);
	int (*limit)(const struct it_req *r, struct it_reply *rp); /* 1: rp is the 429 */
	const char *(*bucket_key)(const char *peer);
	double (*initial_tokens)(void);   /* what a new bucket holds */
	int (*take_token)(const char *key, unsigned *retry_after); /* 1 taken, 0 none left */
	void (*sweep)(double now);
	/* metrics and logs */
	void (*observe)(const struct it_req *r, int status);
	void (*count)(const char *method, int route, int status, double seconds);
	void (*metrics)(struct it_sb *b);
	void (*log_request)(const struct it_req *r, int status, double ms);
	void (*log_write)(const char *line, size_t n); /* one line, without its \n */
	int (*level_of)(int status);      /* a request line's level */
	int (*level_on)(int level);       /* is a line of this level written? */
	void (*trace_id)(const char *traceparent, char out[33]);
};

extern struct it_hooks items;

static struct {
	const char *host, *port;
	long long max_body, max_items;
	double rate, burst;
	int log_level;
	int shutdown_timeout, idle_timeout;
} it_cfg = {
	.host = "127.0.0.1",
	.max_body = 65536,
	.max_items = 1000000,
	.log_level = IT_INFO,
	.shutdown_timeout = 10,
	.idle_timeout = 15,
};

static int it_stop_pipe[2] = {-1, -1}; /* readable once SIGTERM/SIGINT came */
static int it_stopping;

static const char *const it_route_label[IT_NROUTES] = {"/items", "/items/{id}", "/metrics",
						       "/healthz", "other"};
static const char *const it_level_name[] = {"debug", "info", "warn", "error"};

/* ---- small helpers ---- */

static inline int64_t it_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t it_now_ms(void)
{
	return it_now_ns() / 1000000;
}

static inline double it_now_s(void)
{
	return (double)it_now_ns() / 1e9;
}

static inline void it_sb_mem(struct it_sb *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
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

static inline void it_sb_add(struct it_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void it_sb_add(struct it_sb *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		it_sb_mem(b, small, (size_t)n);
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
	it_sb_mem(b, big, (size_t)n);
	free(big);
}

/* Sends all of buf; returns 0 or -1. */
static inline int it_send_all(int fd, const void *buf, size_t n)
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

static inline int it_is_tchar(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Is s a non-empty run of tchars (a token, RFC 9110 §5.6.2)? */
static inline int it_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!it_is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* Does the comma-separated list s hold token tok (case ignored)? */
static inline int it_has_token(const char *s, const char *tok)
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

/* A decimal number without sign, of at most maxdigits digits. Returns 0
 * and *out, or -1. */
static inline int it_parse_digits(const char *s, size_t len, size_t maxdigits, long long *out)
{
	if (len == 0 || len > maxdigits)
		return -1;
	long long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* An id or a cursor: decimal, no sign, no leading zero, within int64
 * (min is 1 for an id, 0 for a cursor). Returns 0 and *out, or -1. */
static inline int it_parse_id(const char *s, size_t len, int64_t min, int64_t *out)
{
	if (len == 0 || len > 19 || (s[0] == '0' && len > 1))
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX || (int64_t)v < min)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static inline int it_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Decodes %XX escapes of s into out (room for strlen(s) + 1). Returns the
 * decoded length, or -1 on a malformed escape. */
static inline int it_decode(const char *s, char *out)
{
	char *o = out;
	for (; *s; s++) {
		if (*s == '%') {
			int hi = it_hexval((unsigned char)s[1]);
			int lo = hi < 0 ? -1 : it_hexval((unsigned char)s[2]);
			if (lo < 0)
				return -1;
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return (int)(o - out);
}

/* ---- JSON text ---- */

static inline int it_dump_part(const char *buf, size_t n, void *data)
{
	struct it_sb *b = data;
	it_sb_mem(b, buf, n);
	return b->oom ? -1 : 0;
}

/* The JSON text of v (malloc'd), or NULL. Not json_dumps(): when memory
 * runs out in the middle, jansson 2.14 can drop a piece (the quote after a
 * member name) and still return the text; here any failed append fails
 * the whole text. */
static inline char *it_dumps(const json_t *v, size_t flags)
{
	struct it_sb b = {0};
	if (v == NULL || json_dump_callback(v, it_dump_part, &b, flags) < 0 || b.oom || b.s == NULL) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- logs: one JSON object per line on stderr ---- */

static pthread_mutex_t it_log_lock = PTHREAD_MUTEX_INITIALIZER;

/* RFC 3339 UTC with milliseconds: "2026-11-22T03:00:00.123Z". */
static inline void it_time_text(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Writes one log line; a line that cannot be written (a full disk, a
 * pipe nobody reads) is dropped: the service goes on. */
static inline void it_log_write(const char *line, size_t n)
{
	struct iovec iov[2] = {{(char *)line, n}, {(char *)"\n", 1}};
	pthread_mutex_lock(&it_log_lock);
	ssize_t rc = writev(2, iov, 2);
	pthread_mutex_unlock(&it_log_lock);
	(void)rc;
}

/* Writes the JSON object o (its reference taken) as one line, in one
 * write, when its level passes --log-level. */
static inline void it_log_json(int level, json_t *o)
{
	if (o == NULL)
		return;
	if (items.level_on(level)) {
		char *s = it_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (s)
			items.log_write(s, strlen(s));
		free(s);
	}
	json_decref(o);
}

/* A line of the service's own ("listening on ..."). */
static inline void it_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void it_log(int level, const char *fmt, ...)
{
	char msg[512], t[40];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	it_time_text(t, sizeof t);
	it_log_json(level, json_pack("{s:s,s:s,s:s}", "time", t, "level", it_level_name[level],
				     "msg", msg));
}

static inline int it_lowhex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

static inline int it_all_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

/* A W3C traceparent (Trace Context §3.2): version-traceid-parentid-flags
 * in lowercase hex; version ff and all-zero ids are invalid; version 00 is
 * exactly 55 characters, a higher version may carry more after a '-'. */
static inline int it_traceparent_ok(const char *v)
{
	size_t n = strlen(v);
	if (n < 55 || !it_lowhex(v, 2) || v[2] != '-' || !it_lowhex(v + 3, 32) || v[35] != '-' ||
	    !it_lowhex(v + 36, 16) || v[52] != '-' || !it_lowhex(v + 53, 2))
		return 0;
	if (strncmp(v, "ff", 2) == 0 || it_all_zero(v + 3, 32) || it_all_zero(v + 36, 16))
		return 0;
	if (strncmp(v, "00", 2) == 0)
		return n == 55;
	return n == 55 || v[55] == '-';
}

/* The trace-id of a valid traceparent, else a fresh random one (never all
 * zeros). */
static inline void it_trace_id(const char *traceparent, char out[33])
{
	if (traceparent && it_traceparent_ok(traceparent)) {
		memcpy(out, traceparent + 3, 32);
		out[32] = '\0';
		return;
	}
	unsigned char rnd[16];
	int zero;
	do {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			for (size_t i = 0; i < sizeof rnd; i++)
				rnd[i] = (unsigned char)random();
		zero = 1;
		for (size_t i = 0; i < sizeof rnd; i++)
			zero &= rnd[i] == 0;
	} while (zero);
	for (size_t i = 0; i < sizeof rnd; i++)
		sprintf(out + 2 * i, "%02x", rnd[i]);
}

/* info below 400, warn for 4xx, error for 5xx. */
static inline int it_level_of(int status)
{
	return status >= 500 ? IT_ERROR : status >= 400 ? IT_WARN : IT_INFO;
}

/* --log-level: the lowest level written. */
static inline int it_level_on(int level)
{
	return level >= it_cfg.log_level;
}

/* The request line of a response. */
static inline void it_log_request(const struct it_req *r, int status, double ms)
{
	int level = items.level_of(status);
	if (!items.level_on(level))
		return;
	char t[40], tid[33];
	it_time_text(t, sizeof t);
	items.trace_id(r->ntraceparent == 1 ? r->traceparent : NULL, tid);
	it_log_json(level, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:f,s:s}", "time", t,
				     "level", it_level_name[level], "msg", "request", "trace_id", tid,
				     "method", r->method ? r->method : "", "route",
				     it_route_label[r->route], "path", r->path ? r->path : "",
				     "status", status, "latency_ms", ms, "client", r->peer));
}

/* ---- metrics ---- */

static const double it_le[IT_NLE] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static const char *const it_method_names[IT_NMETHODS] = {"GET",   "HEAD",   "POST",    "PUT",
							 "PATCH", "DELETE", "OPTIONS", "other"};

static struct {
	pthread_mutex_t lock;
	struct {
		int method, route, status;
		uint64_t n;
	} counter[IT_MAX_COUNTERS];
	int ncounters;
	struct {
		uint64_t le[IT_NLE]; /* cumulative: observations <= it_le[i] */
		uint64_t n;
		double sum;
	} hist[IT_NMETHODS][IT_NROUTES];
	long conns; /* active_connections */
} it_m = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The method label: the standard methods by name, everything else (and a
 * head that could not be parsed) "other". */
static inline int it_method_index(const char *method)
{
	for (int i = 0; method && i < IT_NMETHODS - 1; i++)
		if (strcmp(method, it_method_names[i]) == 0)
			return i;
	return IT_NMETHODS - 1;
}

/* Counts one response: http_requests_total and the duration histogram. */
static inline void it_count(const char *method, int route, int status, double seconds)
{
	int m = it_method_index(method);
	pthread_mutex_lock(&it_m.lock);
	int i = 0;
	while (i < it_m.ncounters && !(it_m.counter[i].method == m && it_m.counter[i].route == route &&
				      it_m.counter[i].status == status))
		i++;
	if (i == it_m.ncounters && i < IT_MAX_COUNTERS) {
		it_m.counter[i].method = m;
		it_m.counter[i].route = route;
		it_m.counter[i].status = status;
		it_m.counter[i].n = 0;
		it_m.ncounters++;
	}
	if (i < IT_MAX_COUNTERS)
		it_m.counter[i].n++;
	for (int k = 0; k < IT_NLE; k++)
		if (seconds <= it_le[k])
			it_m.hist[m][route].le[k]++;
	it_m.hist[m][route].n++;
	it_m.hist[m][route].sum += seconds;
	pthread_mutex_unlock(&it_m.lock);
}

/* Adds delta to the open connections (active_connections, and what a
 * graceful stop waits for). */
static pthread_cond_t it_conns_zero = PTHREAD_COND_INITIALIZER;
static inline void it_conns_add(int delta)
{
	pthread_mutex_lock(&it_m.lock);
	it_m.conns += delta;
	if (it_m.conns == 0)
		pthread_cond_broadcast(&it_conns_zero);
	pthread_mutex_unlock(&it_m.lock);
}

/* Counts and logs the response to r, before it leaves (so a client that has
 * its answer finds it counted). */
static inline void it_observe(const struct it_req *r, int status)
{
	double seconds = (double)(it_now_ns() - r->t0) / 1e9;
	items.count(r->method, r->route, status, seconds);
	items.log_request(r, status, seconds * 1000);
}

/* ---- the store: items in memory, ascending id ---- */

static struct {
	pthread_mutex_t lock;
	struct it_item *v;
	size_t n, cap;
	int64_t last_id; /* the largest id ever given out */
} it_store = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The SQLite database behind the array (see "SQLite storage" below). */
static struct {
	sqlite3 *h;
	int on;          /* --storage sqlite: every change goes through db_write */
} it_db;

/* With SQLite, writes the change to the database first (store locked): a
 * change the database refused is made nowhere. Returns IT_OK or IT_E*. */
static inline int it_persist(int op, const struct it_item *item)
{
	return it_db.on ? items.db_write(op, item) : IT_OK;
}

/* The index of the first item whose id is > after. */
static inline size_t it_store_after(int64_t after)
{
	size_t lo = 0, hi = it_store.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (it_store.v[mid].id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The index of item id, or -1. */
static inline long it_store_find(int64_t id)
{
	size_t i = it_store_after(id - 1);
	return i < it_store.n && it_store.v[i].id == id ? (long)i : -1;
}

/* A new id: one more than any given out before, so never reused. */
static inline int64_t it_next_id(void)
{
	return ++it_store.last_id;
}

/* --max-items reached? */
static inline int it_full(size_t n)
{
	return (long long)n >= it_cfg.max_items;
}

/* Does an item other than except have this name (exact bytes)? */
static inline int it_name_taken(const char *name, int64_t except)
{
	for (size_t i = 0; i < it_store.n; i++)
		if (it_store.v[i].id != except && strcmp(it_store.v[i].name, name) == 0)
			return 1;
	return 0;
}

static inline int it_store_create(struct it_item *item)
{
	int rc = IT_OK;
	pthread_mutex_lock(&it_store.lock);
	if (items.full(it_store.n)) {
		rc = IT_EFULL;
	} else if (items.name_taken(item->name, 0)) {
		rc = IT_ECONFLICT;
	} else {
		if (it_store.n == it_store.cap) {
			size_t cap = it_store.cap ? it_store.cap * 2 : 64;
			struct it_item *v = realloc(it_store.v, cap * sizeof *v);
			if (v == NULL)
				rc = IT_ENOMEM;
			else
				it_store.v = v, it_store.cap = cap;
		}
		if (rc == IT_OK) { /* room made first: once committed, nothing can fail */
			item->id = items.next_id();
			rc = it_persist(IT_OP_CREATE, item);
		}
		if (rc == IT_OK)
			it_store.v[it_store.n++] = *item;
	}
	pthread_mutex_unlock(&it_store.lock);
	return rc;
}

static inline int it_store_get(int64_t id, struct it_item *item)
{
	pthread_mutex_lock(&it_store.lock);
	long i = it_store_find(id);
	if (i >= 0)
		*item = it_store.v[i];
	pthread_mutex_unlock(&it_store.lock);
	return i >= 0 ? IT_OK : IT_ENOTFOUND;
}

/* out[0..*n) = up to max items with id > after, ascending; *more when an
 * item with a larger id than the last one returned exists. */
static inline int it_store_list(int64_t after, size_t max, struct it_item *out, size_t *n, int *more)
{
	pthread_mutex_lock(&it_store.lock);
	size_t i = it_store_after(after), k = 0;
	while (k < max && i + k < it_store.n) {
		out[k] = it_store.v[i + k];
		k++;
	}
	*n = k;
	*more = i + k < it_store.n;
	pthread_mutex_unlock(&it_store.lock);
	return IT_OK;
}

static inline int it_store_replace(const struct it_item *item)
{
	int rc = IT_OK;
	pthread_mutex_lock(&it_store.lock);
	long i = it_store_find(item->id);
	if (i < 0)
		rc = IT_ENOTFOUND;
	else if (items.name_taken(item->name, item->id))
		rc = IT_ECONFLICT;
	else if ((rc = it_persist(IT_OP_REPLACE, item)) == IT_OK)
		it_store.v[i] = *item;
	pthread_mutex_unlock(&it_store.lock);
	return rc;
}

static inline int it_store_remove(int64_t id)
{
	int rc = IT_ENOTFOUND;
	pthread_mutex_lock(&it_store.lock);
	long i = it_store_find(id);
	if (i >= 0 && (rc = it_persist(IT_OP_REMOVE, &it_store.v[i])) == IT_OK) {
		memmove(&it_store.v[i], &it_store.v[i + 1], (it_store.n - (size_t)i - 1) * sizeof *it_store.v);
		it_store.n--;
	}
	pthread_mutex_unlock(&it_store.lock);
	return rc;
}

static inline size_t it_store_count(void)
{
	pthread_mutex_lock(&it_store.lock);
	size_t n = it_store.n;
	pthread_mutex_unlock(&it_store.lock);
	return n;
}

/* ---- SQLite storage (--storage sqlite --db PATH) ----
 *
 * The array above stays where every read looks; the database makes it
 * durable. Each change is written there first, in a transaction of its own
 * (BEGIN IMMEDIATE, the statement, COMMIT) with the store locked, and made
 * in the array only once COMMIT returned OK. With journal_mode=WAL and
 * synchronous=FULL, COMMIT returns after the log was synced: an
 * acknowledged change survives SIGKILL, and a change the database refused
 * (an I/O error, a full disk) is made nowhere. At start the array is loaded
 * from the database. One connection, used under the store's lock: simple
 * rather than fast.
 */

/* The table: AUTOINCREMENT keeps the largest id ever inserted in
 * sqlite_sequence, deleted rows' included, so ids are not reused after a
 * restart. The tags are a JSON array of strings. Names are unique, but
 * that is name_taken()'s check on the array (the store is locked, and the
 * array and the table hold the same items): no UNIQUE here, so that the
 * check has one place. */
#define IT_DB_SCHEMA                                                            \
	"CREATE TABLE IF NOT EXISTS items ("                                    \
	"id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "            \
	"price REAL NOT NULL, quantity INTEGER NOT NULL, tags TEXT NOT NULL)"

/* WAL, and the log synced at every COMMIT (NORMAL would sync only at
 * checkpoints: a commit could be lost by a power cut, though not by a
 * kill). busy_timeout: wait for another process's lock rather than fail
 * at once. */
#define IT_DB_PRAGMAS "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"

/* A failed SQLite call as the store's error (and so its status). */
static inline int it_db_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: return IT_EFULL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return IT_EBUSY;
	case SQLITE_NOMEM: return IT_ENOMEM;
	default: return IT_EIO;
	}
}

/* The item's tags as a JSON array (malloc'd), or NULL when memory ran out. */
static inline char *it_tags_text(const struct it_item *item)
{
	json_t *a = json_array();
	for (int i = 0; a && i < item->ntags; i++)
		if (json_array_append_new(a, json_string(item->tags[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	char *s = it_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* Reads the tags column back into item. Returns 0, or -1 when it is not
 * what it_tags_text() writes. */
static inline int it_tags_read(const char *text, struct it_item *item)
{
	json_t *a = json_loads(text ? text : "", 0, NULL);
	int rc = json_is_array(a) && json_array_size(a) <= IT_TAGS_MAX ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < json_array_size(a); i++) {
		json_t *t = json_array_get(a, i);
		if (!json_is_string(t) || json_string_length(t) >= sizeof item->tags[i])
			rc = -1;
		else
			memcpy(item->tags[i], json_string_value(t), json_string_length(t) + 1);
	}
	if (rc == 0)
		item->ntags = (int)json_array_size(a);
	json_decref(a);
	return rc;
}

/* The largest id ever given out: sqlite_sequence's, which AUTOINCREMENT
 * keeps. Returns it (0 for a table that never had a row), or -1. */
static inline int64_t it_db_last_id(void)
{
	sqlite3_stmt *st = NULL;
	int64_t last = -1;
	if (sqlite3_prepare_v2(it_db.h, "SELECT seq FROM sqlite_sequence WHERE name = 'items'", -1,
			       &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return last;
}

/* Loads every item of the database into the (empty) array, and the id
 * counter. Returns 0 or -1 (logged). */
static inline int it_db_load(void)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(it_db.h, "SELECT id, name, price, quantity, tags FROM items ORDER BY id",
				    -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct it_item item;
		memset(&item, 0, sizeof item);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		item.id = sqlite3_column_int64(st, 0);
		item.price = sqlite3_column_double(st, 2);
		item.quantity = sqlite3_column_int64(st, 3);
		if (name == NULL || strlen(name) >= sizeof item.name ||
		    it_tags_read((const char *)sqlite3_column_text(st, 4), &item) < 0) {
			rc = SQLITE_CORRUPT;
			break;
		}
		memcpy(item.name, name, strlen(name) + 1);
		if (it_store.n == it_store.cap) {
			size_t cap = it_store.cap ? it_store.cap * 2 : 64;
			struct it_item *v = realloc(it_store.v, cap * sizeof *v);
			if (v == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			it_store.v = v;
			it_store.cap = cap;
		}
		it_store.v[it_store.n++] = item;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		it_log(IT_ERROR, "cannot read the items from the database: %s", sqlite3_errstr(rc));
		return -1;
	}
	int64_t last = items.db_last_id();
	if (last < 0) {
		it_log(IT_ERROR, "cannot read the last id from the database: %s",
		       sqlite3_errmsg(it_db.h));
		return -1;
	}
	it_store.last_id = last;
	if (it_store.n && it_store.v[it_store.n - 1].id > last)
		it_store.last_id = it_store.v[it_store.n - 1].id;
	return 0;
}

/* Opens (or creates) the database at path, configures it, creates the
 * table and loads the items. Returns 0, or -1 after logging why. */
static inline int it_db_open(const char *path)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(h, 1);
		rc = sqlite3_exec(h, items.db_pragmas, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, items.db_schema, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		it_log(IT_ERROR, "cannot open the database %s: %s", path,
		       h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return -1;
	}
	it_db.h = h;
	if (it_db_load() < 0) {
		sqlite3_close(h);
		it_db.h = NULL;
		return -1;
	}
	it_db.on = 1;
	return 0;
}

/* Runs the statement of one change. Returns an SQLite result code. */
static inline int it_db_change(int op, const struct it_item *item)
{
	static const char *const sql[] = {
		[IT_OP_CREATE] = "INSERT INTO items (id, name, price, quantity, tags) VALUES (?1, ?2, ?3, ?4, ?5)",
		[IT_OP_REPLACE] = "UPDATE items SET name = ?2, price = ?3, quantity = ?4, tags = ?5 WHERE id = ?1",
		[IT_OP_REMOVE] = "DELETE FROM items WHERE id = ?1",
	};
	char *tags = NULL;
	if (op != IT_OP_REMOVE && (tags = it_tags_text(item)) == NULL)
		return SQLITE_NOMEM;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(it_db.h, sql[op], -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, item->id);
	if (rc == SQLITE_OK && tags)
		rc = sqlite3_bind_text(st, 2, item->name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && tags)
		rc = sqlite3_bind_double(st, 3, item->price);
	if (rc == SQLITE_OK && tags)
		rc = sqlite3_bind_int64(st, 4, item->quantity);
	if (rc == SQLITE_OK && tags)
		rc = sqlite3_bind_text(st, 5, tags, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	free(tags);
	return rc;
}

/* COMMIT: returns only once the log is synced (synchronous=FULL). */
static inline int it_db_commit(void)
{
	return sqlite3_exec(it_db.h, "COMMIT", NULL, NULL, NULL);
}

/* Writes one change in a transaction of its own; anything that fails rolls
 * it back, so the database holds all of the change or none. Called with
 * the store locked. Returns IT_OK or IT_E*. */
static inline int it_db_write(int op, const struct it_item *item)
{
	sqlite3 *h = it_db.h;
	if (h == NULL)
		return IT_EIO;
	if (!sqlite3_get_autocommit(h)) /* a failed ROLLBACK before left it open */
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	int rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = it_db_change(op, item);
	if (rc == SQLITE_OK)
		rc = items.db_commit();
	if (rc == SQLITE_OK)
		return IT_OK;
	if (!sqlite3_get_autocommit(h))
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	it_log(IT_ERROR, "the database refused a change: %s", sqlite3_errstr(rc));
	return it_db_status(rc);
}

/* Closes the database at the end of a graceful stop: closing the last
 * connection checkpoints the log into the database and removes it. */
static inline void it_db_close(void)
{
	pthread_mutex_lock(&it_store.lock);
	if (it_db.h) {
		if (!sqlite3_get_autocommit(it_db.h))
			sqlite3_exec(it_db.h, "ROLLBACK", NULL, NULL, NULL);
		int rc = sqlite3_close(it_db.h);
		if (rc != SQLITE_OK)
			it_log(IT_ERROR, "closing the database: %s", sqlite3_errstr(rc));
		it_db.h = NULL;
	}
	pthread_mutex_unlock(&it_store.lock);
}

/* ---- rate limiting: a token bucket per client address ---- */

struct it_bucket {
	struct it_bucket *next;
	double tokens, last; /* tokens as of last (seconds, monotonic) */
	char key[INET6_ADDRSTRLEN + 8];
};

static struct {
	pthread_mutex_t lock;
	struct it_bucket *slot[IT_RL_SLOTS];
	size_t n;
} it_rl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static inline unsigned it_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % IT_RL_SLOTS;
}

/* Tokens b holds at now. */
static inline double it_tokens_at(const struct it_bucket *b, double now)
{
	double t = b->tokens + (now - b->last) * it_cfg.rate;
	return t > it_cfg.burst ? it_cfg.burst : t;
}

/* The table is full: drops a bucket that is full again (as good as none),
 * else the least recently used one. Called locked. */
static inline void it_bucket_evict(double now)
{
	struct it_bucket **victim = NULL;
	for (int s = 0; s < IT_RL_SLOTS; s++)
		for (struct it_bucket **pp = &it_rl.slot[s]; *pp; pp = &(*pp)->next) {
			if (it_tokens_at(*pp, now) >= it_cfg.burst) {
				victim = pp;
				goto found;
			}
			if (victim == NULL || (*pp)->last < (*victim)->last)
				victim = pp;
		}
found:
	if (victim) {
		struct it_bucket *b = *victim;
		*victim = b->next;
		free(b);
		it_rl.n--;
	}
}

/* A new bucket starts full. */
static inline double it_initial_tokens(void)
{
	return it_cfg.burst;
}

/* The client whose bucket a request draws from: its address. */
static inline const char *it_bucket_key(const char *peer)
{
	return peer;
}

/* Takes a token from key's bucket (a new bucket starts full). Returns 1,
 * or 0 with *retry_after = whole seconds until a token is back (>= 1). */
static inline int it_take_token(const char *key, unsigned *retry_after)
{
	double now = it_now_s();
	int ok = 1;
	pthread_mutex_lock(&it_rl.lock);
	unsigned h = it_hash(key);
	struct it_bucket *b = it_rl.slot[h];
	while (b && strcmp(b->key, key) != 0)
		b = b->next;
	if (b == NULL) {
		if (it_rl.n >= IT_MAX_BUCKETS)
			it_bucket_evict(now);
		b = calloc(1, sizeof *b);
		if (b == NULL) {
			pthread_mutex_unlock(&it_rl.lock);
			return 1; /* no memory for a bucket: serve rather than refuse */
		}
		snprintf(b->key, sizeof b->key, "%s", key);
		b->tokens = items.initial_tokens();
		b->last = now;
		b->next = it_rl.slot[h];
		it_rl.slot[h] = b;
		it_rl.n++;
	}
	b->tokens = it_tokens_at(b, now);
	b->last = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
	} else {
		double wait = (1 - b->tokens) / it_cfg.rate;
		unsigned s = (unsigned)wait;
		if ((double)s < wait)
			s++;
		*retry_after = s < 1 ? 1 : s;
		ok = 0;
	}
	pthread_mutex_unlock(&it_rl.lock);
	return ok;
}

/* Drops every bucket that is full again: it is the same as none. */
static inline void it_sweep(double now)
{
	pthread_mutex_lock(&it_rl.lock);
	for (int s = 0; s < IT_RL_SLOTS; s++)
		for (struct it_bucket **pp = &it_rl.slot[s]; *pp;) {
			if (it_tokens_at(*pp, now) >= it_cfg.burst) {
				struct it_bucket *b = *pp;
				*pp = b->next;
				free(b);
				it_rl.n--;
			} else {
				pp = &(*pp)->next;
			}
		}
	pthread_mutex_unlock(&it_rl.lock);
}

static inline size_t it_bucket_count(void)
{
	pthread_mutex_lock(&it_rl.lock);
	size_t n = it_rl.n;
	pthread_mutex_unlock(&it_rl.lock);
	return n;
}

/* The sweeper: four times a second. */
static inline void *it_sweeper_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = {0, 250000000};
		nanosleep(&ts, NULL);
		if (it_cfg.rate > 0)
			items.sweep(it_now_s());
	}
	return NULL;
}

/* Only the /items routes are limited; /metrics and /healthz never. */
static inline int it_limited_route(int route)
{
	return route == IT_R_LIST || route == IT_R_ITEM;
}

/* Takes the request's token. Returns 0, or 1 with rp the 429. */
static inline int it_limit(const struct it_req *r, struct it_reply *rp)
{
	unsigned retry = 1;
	if (it_cfg.rate <= 0 || items.take_token(items.bucket_key(r->peer), &retry))
		return 0;
	items.error(rp, 429, NULL, "too many requests from this address");
	rp->retry_after = retry;
	return 1;
}

/* The exposition (Prometheus text format 0.0.4). */
static inline void it_metrics(struct it_sb *b)
{
	size_t buckets = it_bucket_count(), stored = items.stored();
	pthread_mutex_lock(&it_m.lock);
	it_sb_add(b, "# HELP http_requests_total Requests answered, by method, route and status.\n"
		     "# TYPE http_requests_total counter\n");
	for (int i = 0; i < it_m.ncounters; i++)
		it_sb_add(b, "http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %" PRIu64 "\n",
			  it_method_names[it_m.counter[i].method], it_route_label[it_m.counter[i].route],
			  it_m.counter[i].status, it_m.counter[i].n);
	it_sb_add(b, "# HELP http_request_duration_seconds Time from a complete request head to its "
		     "response, by method and route.\n"
		     "# TYPE http_request_duration_seconds histogram\n");
	for (int m = 0; m < IT_NMETHODS; m++)
		for (int rt = 0; rt < IT_NROUTES; rt++) {
			const char *ml = it_method_names[m], *rl = it_route_label[rt];
			if (it_m.hist[m][rt].n == 0)
				continue;
			for (int k = 0; k < IT_NLE; k++)
				it_sb_add(b, "http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
					  ml, rl, it_le[k], it_m.hist[m][rt].le[k]);
			it_sb_add(b, "http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
				  ml, rl, it_m.hist[m][rt].n);
			it_sb_add(b, "http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.9f\n",
				  ml, rl, it_m.hist[m][rt].sum);
			it_sb_add(b, "http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %" PRIu64 "\n",
				  ml, rl, it_m.hist[m][rt].n);
		}
	it_sb_add(b, "# HELP active_connections Client connections open now.\n"
		     "# TYPE active_connections gauge\n"
		     "active_connections %ld\n", it_m.conns);
	pthread_mutex_unlock(&it_m.lock);
	it_sb_add(b, "# HELP rate_limit_clients Client addresses holding a token bucket.\n"
		     "# TYPE rate_limit_clients gauge\n"
		     "rate_limit_clients %zu\n", buckets);
	it_sb_add(b, "# HELP items_stored Items in the store.\n"
		     "# TYPE items_stored gauge\n"
		     "items_stored %zu\n", stored);
}

/* ---- replies ---- */

static inline const char *it_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static inline const char *it_error_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 408: return "request_timeout";
	case 409: return "conflict";
	case 413: return "payload_too_large";
	case 414: return "uri_too_long";
	case 415: return "unsupported_media_type";
	case 422: return "validation_failed";
	case 429: return "rate_limited";
	case 431: return "headers_too_large";
	case 501: return "not_implemented";
	case 503: return "unavailable";
	case 505: return "version_not_supported";
	default: return "internal_error";
	}
}

static inline void it_reply_init(struct it_reply *rp)
{
	memset(rp, 0, sizeof *rp);
	rp->status = 500;
}

/* Makes rp a JSON response of v (its reference taken). */
static inline void it_reply_json(struct it_reply *rp, int status, json_t *v)
{
	static const char oom[] = "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}";
	free(rp->body);
	rp->body = it_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(v);
	rp->status = status;
	rp->ctype = "application/json";
	if (rp->body == NULL) {
		rp->status = 500;
		rp->body = strdup(oom);
	}
	rp->len = rp->body ? strlen(rp->body) : 0;
}

/* An error response: {"error":{"code","message"[,"field"]}}. */
static inline void it_error(struct it_reply *rp, int status, const char *field, const char *message)
{
	json_t *e = json_pack("{s:s,s:s}", "code", it_error_code(status), "message",
			      message ? message : it_reason(status));
	if (e && field && json_object_set_new(e, "field", json_string(field)) < 0) {
		json_decref(e);
		e = NULL; /* a 422 without its field would be wrong: 500 */
	}
	it_reply_json(rp, status, e ? json_pack("{s:o}", "error", e) : NULL);
}

/* 405 with the methods the path allows (RFC 9110 §15.5.6). */
static inline void it_not_allowed(struct it_req *r, struct it_reply *rp, const char *allow)
{
	(void)r;
	items.error(rp, 405, NULL, "method not allowed on this path");
	rp->allow = allow;
}

/* ---- the items API ---- */

/* Is the media type application/json (or, for PATCH, merge-patch+json),
 * case ignored, parameters allowed? */
static inline int it_media_ok(const char *ctype, int patch)
{
	if (ctype == NULL)
		return 0;
	size_t n = strcspn(ctype, ";");
	while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	return (n == 16 && strncasecmp(ctype, "application/json", n) == 0) ||
	       (patch && n == 28 && strncasecmp(ctype, "application/merge-patch+json", n) == 0);
}

/* The body as one JSON object (UTF-8, no duplicate member names), or
 * NULL with *status 400, or 500 when memory ran out while parsing (the
 * body may be fine). */
static inline json_t *it_body_object(const struct it_req *r, int *status)
{
	json_error_t err;
	json_t *v = json_loadb(r->body ? r->body : "", r->bodylen,
			       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	*status = v == NULL && json_error_code(&err) == json_error_out_of_memory ? 500 : 400;
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* s[0..len) (valid UTF-8) has min..max characters and no control ones. */
static inline int it_text_ok(const char *s, size_t len, size_t min, size_t max)
{
	size_t chars = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			return 0;
		chars += (ch & 0xc0) != 0x80;
	}
	return chars >= min && chars <= max;
}

static inline int it_check_name(json_t *v, struct it_item *item)
{
	if (!json_is_string(v) || !it_text_ok(json_string_value(v), json_string_length(v), 1, IT_NAME_MAX))
		return -1;
	memcpy(item->name, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static inline int it_check_price(json_t *v, struct it_item *item)
{
	if (!json_is_number(v))
		return -1;
	double p = json_number_value(v);
	if (!(p >= 0 && p <= 1000000))
		return -1;
	item->price = p;
	return 0;
}

static inline int it_check_quantity(json_t *v, struct it_item *item)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000000)
		return -1;
	item->quantity = json_integer_value(v);
	return 0;
}

static inline int it_check_tags(json_t *v, struct it_item *item)
{
	if (!json_is_array(v) || json_array_size(v) > IT_TAGS_MAX)
		return -1;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *t = json_array_get(v, i);
		if (!json_is_string(t) || !it_text_ok(json_string_value(t), json_string_length(t), 1, IT_TAG_MAX))
			return -1;
	}
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *t = json_array_get(v, i);
		memcpy(item->tags[i], json_string_value(t), json_string_length(t) + 1);
	}
	item->ntags = (int)json_array_size(v);
	return 0;
}

/* PATCH's null (RFC 7396): an optional member back to its default; name
 * and price have none, so null for them is invalid. */
static inline int it_patch_null(const char *member, struct it_item *item)
{
	if (strcmp(member, "quantity") == 0)
		item->quantity = 0;
	else if (strcmp(member, "tags") == 0)
		item->ntags = 0;
	else
		return -1;
	return 0;
}

/* Applies the members of obj to *item: a whole item for POST and PUT
 * (optional members not given take their defaults), a merge patch for
 * PATCH. Returns NULL, or the member at fault (a 422's "field"). */
static inline const char *it_apply(json_t *obj, enum it_kind kind, int64_t path_id, struct it_item *item)
{
	static const char *const members[] = {"name", "price", "quantity", "tags"};
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		int known = strcmp(key, "id") == 0;
		for (int k = 0; k < 4; k++)
			known |= strcmp(key, members[k]) == 0;
		if (!known)
			return key;
	}
	v = json_object_get(obj, "id");
	if (v && (kind == IT_POST || !json_is_integer(v) || json_integer_value(v) != path_id))
		return "id";
	if (kind != IT_PATCH) {
		item->quantity = 0;
		item->ntags = 0;
	}
	for (int k = 0; k < 4; k++) {
		v = json_object_get(obj, members[k]);
		if (v == NULL) {
			if (kind != IT_PATCH && k < 2)
				return members[k]; /* name and price are required */
			continue;
		}
		int rc;
		if (kind == IT_PATCH && json_is_null(v))
			rc = items.patch_null(members[k], item);
		else if (k == 0)
			rc = items.check_name(v, item);
		else if (k == 1)
			rc = items.check_price(v, item);
		else if (k == 2)
			rc = items.check_quantity(v, item);
		else
			rc = items.check_tags(v, item);
		if (rc < 0)
			return members[k];
	}
	return NULL;
}

/* The item as JSON, or NULL when memory ran out (a tag left out would
 * make a wrong item, not a smaller one). */
static inline json_t *it_item_json(const struct it_item *item)
{
	json_t *tags = json_array();
	for (int i = 0; tags && i < item->ntags; i++)
		if (json_array_append_new(tags, json_string(item->tags[i])) < 0) {
			json_decref(tags);
			tags = NULL;
		}
	if (tags == NULL)
		return NULL;
	return json_pack("{s:I,s:s,s:f,s:I,s:o}", "id", (json_int_t)item->id, "name", item->name,
			 "price", item->price, "quantity", (json_int_t)item->quantity, "tags", tags);
}

static inline void it_reply_item(struct it_reply *rp, int status, const struct it_item *item)
{
	it_reply_json(rp, status, it_item_json(item));
}

/* A store failure as its status. */
static inline void it_store_error(struct it_reply *rp, int rc)
{
	switch (rc) {
	case IT_ENOTFOUND: items.error(rp, 404, NULL, "no such item"); break;
	case IT_ECONFLICT: items.error(rp, 409, NULL, "another item has this name"); break;
	case IT_EFULL: items.error(rp, 503, NULL, "the store is full"); break;
	case IT_EBUSY: items.error(rp, 503, NULL, "the store is busy"); break;
	default: items.error(rp, 500, NULL, "the store failed"); break;
	}
}

static inline void it_invalid(struct it_reply *rp, const char *field)
{
	items.error(rp, 422, field, "a member is missing, unknown or invalid");
}

/* The {id} of the path: a decimal integer 1..2^63-1 (percent-decoded), or
 * a 404 in rp. Returns 0 or -1. */
static inline int it_path_id(const struct it_req *r, struct it_reply *rp, int64_t *id)
{
	char dec[64]; /* an id has 19 digits at most, each at most 3 bytes encoded */
	int n = strlen(r->id) < sizeof dec ? it_decode(r->id, dec) : -1;
	int rc = n < 0 || it_parse_id(dec, (size_t)n, 1, id) < 0 ? -1 : 0;
	if (rc < 0)
		items.error(rp, 404, NULL, "no such item");
	return rc;
}

/* Checks the Content-Type and parses the body. Returns the object, or
 * NULL with a 415 or 400 in rp. */
static inline json_t *it_request_object(const struct it_req *r, struct it_reply *rp, int patch)
{
	if (!items.media_ok(r->ctype, patch)) {
		items.error(rp, 415, NULL, patch ? "Content-Type must be application/json or "
						   "application/merge-patch+json"
						 : "Content-Type must be application/json");
		return NULL;
	}
	int status = 400;
	json_t *obj = items.body_object(r, &status);
	if (obj == NULL)
		items.error(rp, status, NULL, status == 400 ? "the body must be one JSON object"
							    : "out of memory");
	return obj;
}

/* POST /items */
static inline void it_create(struct it_req *r, struct it_reply *rp)
{
	json_t *obj = it_request_object(r, rp, 0);
	if (obj == NULL)
		return;
	struct it_item item;
	memset(&item, 0, sizeof item);
	const char *bad = it_apply(obj, IT_POST, 0, &item);
	int rc;
	if (bad) {
		it_invalid(rp, bad);
	} else if ((rc = it_store_create(&item)) != IT_OK) {
		it_store_error(rp, rc);
	} else {
		it_reply_item(rp, 201, &item);
		snprintf(rp->location, sizeof rp->location, "/items/%" PRId64, item.id);
	}
	json_decref(obj);
}

/* GET /items/{id} */
static inline void it_get(struct it_req *r, struct it_reply *rp)
{
	int64_t id;
	struct it_item item;
	if (items.path_id(r, rp, &id) < 0)
		return;
	int rc = it_store_get(id, &item);
	if (rc)
		it_store_error(rp, rc);
	else
		it_reply_item(rp, 200, &item);
}

/* PUT and PATCH: the same steps but for where the new item starts from:
 * nothing (PUT: a full replace, no create) or the stored item (PATCH: a
 * JSON merge patch, RFC 7396). */
static inline void it_update(struct it_req *r, struct it_reply *rp, enum it_kind kind)
{
	int64_t id;
	if (items.path_id(r, rp, &id) < 0)
		return;
	json_t *obj = it_request_object(r, rp, kind == IT_PATCH);
	if (obj == NULL)
		return;
	struct it_item item;
	const char *bad;
	int rc = IT_OK;
	memset(&item, 0, sizeof item);
	item.id = id;
	if (kind == IT_PATCH)
		rc = it_store_get(id, &item);
	if (rc)
		it_store_error(rp, rc);
	else if ((bad = it_apply(obj, kind, id, &item)) != NULL)
		it_invalid(rp, bad);
	else if ((rc = it_store_replace(&item)) != IT_OK)
		it_store_error(rp, rc);
	else
		it_reply_item(rp, 200, &item);
	json_decref(obj);
}

/* PUT /items/{id} */
static inline void it_replace(struct it_req *r, struct it_reply *rp)
{
	it_update(r, rp, IT_PUT);
}

/* PATCH /items/{id} */
static inline void it_patch(struct it_req *r, struct it_reply *rp)
{
	it_update(r, rp, IT_PATCH);
}

/* DELETE /items/{id} */
static inline void it_remove(struct it_req *r, struct it_reply *rp)
{
	int64_t id;
	if (items.path_id(r, rp, &id) < 0)
		return;
	int rc = it_store_remove(id);
	if (rc) {
		it_store_error(rp, rc);
		return;
	}
	rp->status = 204;
	rp->ctype = NULL;
}

/* The value of query parameter name (the first one), in out. Returns 1,
 * 0 when absent, -1 when too long. */
static inline int it_query_param(const char *q, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	while (q && *q) {
		size_t n = strcspn(q, "&");
		if (n > nlen && strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
			size_t vlen = n - nlen - 1;
			if (vlen >= outlen)
				return -1;
			memcpy(out, q + nlen + 1, vlen);
			out[vlen] = '\0';
			return 1;
		}
		if (n == nlen && strncmp(q, name, nlen) == 0) {
			out[0] = '\0';
			return 1;
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

static inline int it_limit_ok(long long limit)
{
	return limit >= 1 && limit <= IT_LIMIT_MAX;
}

/* Our cursor: the last id of the previous page, in decimal. */
static inline int it_parse_cursor(const char *v, int64_t *cursor)
{
	return it_parse_id(v, strlen(v), 0, cursor);
}

/* Keyset pagination: the page holds the items with id > the cursor (the
 * last id of the previous page), so an item that exists throughout is
 * listed exactly once whatever happens in between. */
static inline int it_page(int64_t cursor, size_t limit, struct it_item *out, size_t *n, int *more,
			  int64_t *next)
{
	int rc = it_store_list(cursor, limit, out, n, more);
	*next = *n ? out[*n - 1].id : cursor;
	return rc;
}

/* GET /items?limit=N&cursor=C */
static inline void it_list(struct it_req *r, struct it_reply *rp)
{
	char v[32];
	long long limit = IT_LIMIT_DEFAULT;
	int64_t cursor = 0;
	int has = it_query_param(r->query, "limit", v, sizeof v);
	if (has < 0 || (has && (it_parse_digits(v, strlen(v), 18, &limit) < 0 || !items.limit_ok(limit)))) {
		items.error(rp, 400, NULL, "limit must be an integer from 1 to 100");
		return;
	}
	has = it_query_param(r->query, "cursor", v, sizeof v);
	if (has < 0 || (has && items.parse_cursor(v, &cursor) < 0)) {
		items.error(rp, 400, NULL, "invalid cursor");
		return;
	}
	struct it_item *page = malloc((size_t)limit * sizeof *page);
	size_t n = 0;
	int more = 0;
	int64_t next = 0;
	if (page == NULL || items.page(cursor, (size_t)limit, page, &n, &more, &next) != IT_OK) {
		free(page);
		items.error(rp, 500, NULL, "the store failed");
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, it_item_json(&page[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	free(page);
	char nc[24];
	snprintf(nc, sizeof nc, "%" PRId64, next);
	json_t *o = arr ? json_pack("{s:o,s:o}", "items", arr, "next_cursor",
				    more ? json_string(nc) : json_null())
			: NULL;
	it_reply_json(rp, 200, o);
}

/* GET /metrics */
static inline void it_metrics_page(struct it_req *r, struct it_reply *rp)
{
	(void)r;
	struct it_sb b = {0};
	items.metrics(&b);
	if (b.oom) {
		free(b.s);
		items.error(rp, 500, NULL, "out of memory");
		return;
	}
	rp->status = 200;
	rp->ctype = "text/plain; version=0.0.4; charset=utf-8";
	rp->body = b.s;
	rp->len = b.len;
}

/* GET /healthz */
static inline void it_health(struct it_req *r, struct it_reply *rp)
{
	(void)r;
	it_reply_json(rp, 200, json_pack("{s:s}", "status", "ok"));
}

/* Routes a parsed request: 404 for an unknown path, 405 for a method the
 * path does not allow, 429 when the client's bucket is empty, else the
 * handler. */
static inline void it_dispatch(struct it_req *r, struct it_reply *rp)
{
	const char *m = r->method;
	int get = strcmp(m, "GET") == 0 || r->is_head;
	switch (r->route) {
	case IT_R_LIST:
		if (!get && strcmp(m, "POST") != 0) {
			items.not_allowed(r, rp, "GET, HEAD, POST");
			return;
		}
		break;
	case IT_R_ITEM:
		if (!get && strcmp(m, "PUT") != 0 && strcmp(m, "PATCH") != 0 && strcmp(m, "DELETE") != 0) {
			items.not_allowed(r, rp, "GET, HEAD, PUT, PATCH, DELETE");
			return;
		}
		break;
	case IT_R_METRICS:
	case IT_R_HEALTH:
		if (!get) {
			items.not_allowed(r, rp, "GET, HEAD");
			return;
		}
		break;
	default:
		items.error(rp, 404, NULL, "no such path");
		return;
	}
	if (items.limited_route(r->route) && items.limit(r, rp))
		return;
	if (r->route == IT_R_LIST)
		(get ? items.list : items.create)(r, rp);
	else if (r->route == IT_R_METRICS)
		items.metrics_page(r, rp);
	else if (r->route == IT_R_HEALTH)
		items.health(r, rp);
	else if (get)
		items.get(r, rp);
	else if (strcmp(m, "PUT") == 0)
		items.replace(r, rp);
	else if (strcmp(m, "PATCH") == 0)
		items.patch(r, rp);
	else
		items.remove(r, rp);
}

/* ---- HTTP: reading ---- */

/* Waits up to ms for bytes and appends what arrives to c->buf. Returns the
 * count read, 0 at EOF, -1 on error, -2 on timeout, -3 when the service is
 * stopping and nothing arrived (only with watch_stop). */
static inline ssize_t it_fill(struct it_conn *c, int ms, int watch_stop)
{
	if (c->cap - c->len < 16384) {
		size_t cap = c->cap ? c->cap * 2 : 32768;
		char *p = realloc(c->buf, cap);
		if (p == NULL)
			return -1;
		c->buf = p;
		c->cap = cap;
	}
	struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = it_stop_pipe[0], .events = POLLIN}};
	int rc;
	do
		rc = poll(p, watch_stop ? 2 : 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return -2;
	if (p[0].revents == 0)
		return -3;
	ssize_t n;
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->len += (size_t)n;
	return n < 0 ? -1 : n;
}

static inline void it_consume(struct it_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Length of the head at buf[0..len) through its empty line, or 0. */
static inline size_t it_head_end(const char *buf, size_t len)
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

/* 414 for a request line too long, 431 for a field line or the head, 0
 * when within the limits (a line still arriving counts too). */
static inline int it_check_limits(const char *buf, size_t len)
{
	size_t start = 0;
	int lineno = 0;
	while (start < len) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		if (end - start > IT_MAX_LINE)
			return lineno == 0 ? 414 : 431;
		if (nl == NULL)
			break;
		start = end + 1;
		lineno++;
	}
	return len > IT_MAX_HEAD ? 431 : 0;
}

/* Reads a request head into c->buf. Returns 0 and *headlen; -1 to close
 * quietly (EOF, error, idle timeout, or a stop between requests); or the
 * status owed: 408, 414, 431. */
static inline int it_read_head(struct it_conn *c, size_t *headlen)
{
	int64_t first = 0;
	for (;;) {
		while (c->len > 0 && (c->buf[0] == '\r' || c->buf[0] == '\n'))
			it_consume(c, 1); /* empty lines before a request (RFC 9112 §2.2) */
		if (c->len > 0 && first == 0)
			first = it_now_ms();
		size_t end = it_head_end(c->buf, c->len);
		int st = it_check_limits(c->buf, end ? end : c->len);
		if (st)
			return st;
		if (end) {
			*headlen = end;
			return 0;
		}
		int ms = it_cfg.idle_timeout * 1000;
		if (c->len > 0) {
			int64_t left = first + IT_HEADER_TIMEOUT * 1000 - it_now_ms();
			ms = left > 0 ? (int)left : 0;
		}
		ssize_t n = it_fill(c, ms, c->len == 0 && items.close_idle);
		if (n == -2 && c->len > 0)
			return 408;
		if (n <= 0)
			return -1;
	}
}

static inline int it_method_known(const char *method)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
					    "PATCH", "TRACE", "CONNECT", NULL};
	for (int i = 0; known[i]; i++)
		if (strcmp(known[i], method) == 0)
			return 1;
	return 0;
}

/* "METHOD SP target SP HTTP/1.x". Returns 0 or the status owed. */
static inline int it_parse_request_line(struct it_req *r, char *line)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return 400;
	*sp1 = *sp2 = '\0';
	r->method = line;
	r->target = sp1 + 1;
	const char *v = sp2 + 1;
	if (!it_is_token(r->method))
		return 400;
	for (const char *p = r->target; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 400;
	if (strncmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) || v[6] != '.' ||
	    !isdigit((unsigned char)v[7]) || v[8] != '\0')
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	r->minor = v[7] - '0';
	if (!it_method_known(r->method))
		return 501;
	r->is_head = strcmp(r->method, "HEAD") == 0;
	return 0;
}

/* "name: value". Returns 0 or the status owed. */
static inline int it_parse_field(struct it_req *r, char *line)
{
	if (line[0] == ' ' || line[0] == '\t')
		return 400; /* obs-fold (RFC 9112 §5.2) */
	char *colon = strchr(line, ':');
	if (colon == NULL)
		return 400;
	*colon = '\0';
	if (!it_is_token(line))
		return 400;
	char *v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	if (r->nfields >= IT_MAX_FIELDS)
		return 431;
	r->fields[r->nfields].name = line;
	r->fields[r->nfields].value = v;
	r->nfields++;
	return 0;
}

/* The rules across fields (Host, framing) and the target. Returns 0 or
 * the status owed. */
static inline int it_check_fields(struct it_req *r)
{
	int hosts = 0;
	const char *te = NULL;
	for (int i = 0; i < r->nfields; i++) {
		const char *name = r->fields[i].name, *v = r->fields[i].value;
		long long n;
		if (strcasecmp(name, "Host") == 0) {
			hosts++;
		} else if (strcasecmp(name, "Content-Length") == 0) {
			if (it_parse_digits(v, strlen(v), 18, &n) < 0 || (r->clen >= 0 && r->clen != n))
				return 400;
			r->clen = n;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			if (te)
				return 501;
			te = v;
		} else if (strcasecmp(name, "Connection") == 0) {
			r->conn_close |= it_has_token(v, "close");
			r->conn_keep_alive |= it_has_token(v, "keep-alive");
		} else if (strcasecmp(name, "Expect") == 0) {
			r->expect_continue = strcasecmp(v, "100-continue") == 0;
		} else if (strcasecmp(name, "Content-Type") == 0) {
			if (r->ctype == NULL)
				r->ctype = v;
		} else if (strcasecmp(name, "traceparent") == 0) {
			r->traceparent = v;
			r->ntraceparent++;
		}
	}
	if (hosts > 1 || (r->minor == 1 && hosts == 0))
		return 400;
	if (te && r->clen >= 0)
		return 400; /* both: a smuggling attempt (RFC 9112 §6.3) */
	if (te && strcasecmp(te, "chunked") != 0)
		return 501;
	r->chunked = te != NULL;
	char *t = r->target; /* origin-form, or absolute-form: its path */
	if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
		t = strstr(t, "//") + 2;
		t += strcspn(t, "/?");
		if (*t != '/')
			return 400;
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

/* Cuts the head copy into lines and parses them. Returns 0 or a status. */
static inline int it_parse_head(struct it_req *r, size_t headlen)
{
	if (memchr(r->head, '\0', headlen))
		return 400;
	char *p = r->head;
	int lineno = 0;
	for (;;) {
		char *nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (strchr(p, '\r'))
			return 400; /* a bare CR */
		if (*p == '\0')
			break;
		int st = lineno++ == 0 ? it_parse_request_line(r, p) : it_parse_field(r, p);
		if (st)
			return st;
		p = nl + 1;
	}
	return it_check_fields(r);
}

/* The route of a path (still encoded: an escaped '/' stays in the id). */
static inline int it_route_of(struct it_req *r)
{
	const char *p = r->path;
	if (strcmp(p, "/items") == 0)
		return IT_R_LIST;
	if (strncmp(p, "/items/", 7) == 0 && p[7] != '\0' && strchr(p + 7, '/') == NULL) {
		r->id = p + 7;
		return IT_R_ITEM;
	}
	if (strcmp(p, "/metrics") == 0)
		return IT_R_METRICS;
	if (strcmp(p, "/healthz") == 0)
		return IT_R_HEALTH;
	return IT_R_OTHER;
}

/* Is a body of total bytes (declared, or decoded so far) over --max-body? */
static inline int it_too_large(unsigned long long total)
{
	return total > (unsigned long long)it_cfg.max_body;
}

/* Waits for more body bytes. Returns 0, or -1 (EOF, error, the client
 * stopped sending for the idle timeout). */
static inline int it_fill_body(struct it_conn *c)
{
	return it_fill(c, it_cfg.idle_timeout * 1000, 0) > 0 ? 0 : -1;
}

/* RFC 9110 §10.1.1: 100 Continue before reading a body the client waits
 * to send. */
static inline void it_send_continue(struct it_conn *c, struct it_req *r)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (r->expect_continue && r->minor == 1 && c->len == 0)
		it_send_all(c->fd, cont, sizeof cont - 1);
}

/* Moves body bytes from the connection into r->body (which has room) until
 * r->bodylen is want. Returns 0 or -1. */
static inline int it_take_body(struct it_conn *c, struct it_req *r, size_t want)
{
	while (r->bodylen < want) {
		if (c->len == 0 && it_fill_body(c) < 0)
			return -1;
		size_t n = want - r->bodylen;
		if (n > c->len)
			n = c->len;
		memcpy(r->body + r->bodylen, c->buf, n);
		r->bodylen += n;
		it_consume(c, n);
	}
	return 0;
}

/* One line (CRLF removed) of at most 4096 bytes of a chunked body.
 * Returns 0, 400, or -1. */
static inline int it_chunk_line(struct it_conn *c, char *line)
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
			it_consume(c, n + 1);
			return 0;
		}
		if (c->len > 4096)
			return 400;
		if (it_fill_body(c) < 0)
			return -1;
	}
}

/* Reads the body (Content-Length or chunked) whole into r->body. Returns
 * 0, 400, 413, or -1 (the connection is lost). */
static inline int it_read_body(struct it_conn *c, struct it_req *r)
{
	if (!r->chunked) {
		if (items.too_large((unsigned long long)r->clen))
			return 413;
		r->body = malloc((size_t)r->clen + 1);
		if (r->body == NULL)
			return -1;
		it_send_continue(c, r);
		return items.take_body(c, r, (size_t)r->clen);
	}
	char line[4097];
	size_t cap = 0;
	it_send_continue(c, r);
	for (;;) {
		int st = it_chunk_line(c, line);
		if (st)
			return st;
		char *end;
		if (!isxdigit((unsigned char)line[0]) || strspn(line, "0123456789abcdefABCDEF") > 15)
			return 400;
		unsigned long long size = strtoull(line, &end, 16);
		end += strspn(end, " \t");
		if (*end != '\0' && *end != ';')
			return 400; /* extensions (";name=value") are ignored */
		if (size == 0)
			break;
		if (items.too_large(r->bodylen + size))
			return 413;
		if (r->bodylen + size + 1 > cap) {
			cap = (r->bodylen + size + 1) * 2;
			char *p = realloc(r->body, cap);
			if (p == NULL)
				return -1;
			r->body = p;
		}
		if (items.take_body(c, r, r->bodylen + (size_t)size) < 0)
			return -1;
		st = it_chunk_line(c, line);
		if (st)
			return st;
		if (line[0] != '\0')
			return 400; /* chunk data ends with CRLF */
	}
	size_t total = 0; /* the trailer section, dropped (RFC 9112 §7.1.2) */
	do {
		int st = it_chunk_line(c, line);
		if (st)
			return st;
		total += strlen(line);
		if (total > IT_MAX_HEAD)
			return 431;
	} while (line[0] != '\0');
	return 0;
}

/* ---- HTTP: responding ---- */

/* Writes the response: status line, Date, the fields, then the body (not
 * for HEAD or 204). It is counted and logged before it leaves. Returns 0 or
 * -1. */
static inline int it_respond(struct it_conn *c, struct it_req *r, struct it_reply *rp)
{
	if (items.closing(r))
		r->close = 1;
	struct it_sb h = {0};
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	it_sb_add(&h, "HTTP/1.1 %d %s\r\nDate: %s\r\n", rp->status, it_reason(rp->status), date);
	if (rp->status != 204) {
		if (rp->ctype)
			it_sb_add(&h, "Content-Type: %s\r\n", rp->ctype);
		it_sb_add(&h, "Content-Length: %zu\r\n", rp->len);
	}
	if (rp->location[0])
		it_sb_add(&h, "Location: %s\r\n", rp->location);
	if (rp->retry_after)
		it_sb_add(&h, "Retry-After: %u\r\n", rp->retry_after);
	if (rp->allow)
		it_sb_add(&h, "Allow: %s\r\n", rp->allow);
	if (r->close)
		it_sb_add(&h, "Connection: close\r\n");
	else if (r->minor == 0)
		it_sb_add(&h, "Connection: keep-alive\r\n");
	it_sb_add(&h, "\r\n");
	if (!r->is_head && rp->status != 204 && rp->len)
		it_sb_mem(&h, rp->body, rp->len);
	items.observe(r, rp->status);
	int rc = h.oom ? -1 : it_send_all(c->fd, h.s, h.len);
	free(h.s);
	return rc;
}

/* HTTP/1.1 persists unless "Connection: close"; HTTP/1.0 only with
 * "Connection: keep-alive" (RFC 9112 §9.3). */
static inline int it_keep_alive(const struct it_req *r)
{
	if (r->conn_close)
		return 0;
	return r->minor == 1 || r->conn_keep_alive;
}

/* After a response that ends the connection: stop sending, then read and
 * drop what the client still sends for a moment, so that closing with
 * unread data (an RST) does not destroy the response on its way. */
static inline void it_linger_close(struct it_conn *c)
{
	shutdown(c->fd, SHUT_WR);
	int64_t until = it_now_ms() + 2000;
	char junk[16384];
	for (;;) {
		int64_t left = until - it_now_ms();
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)(left < 500 ? left : 500)) <= 0)
			break;
		if (recv(c->fd, junk, sizeof junk, 0) <= 0)
			break;
	}
}

/* Once the service is stopping, every response is its connection's last. */
static inline int it_closing(const struct it_req *r)
{
	(void)r;
	return __atomic_load_n(&it_stopping, __ATOMIC_SEQ_CST);
}

static inline void it_conn_end(struct it_conn *c)
{
	(void)c;
	it_conns_add(-1);
}

/* Serves one connection until it closes. */
static inline void *it_conn_main(void *arg)
{
	struct it_conn *c = arg;
	for (;;) {
		struct it_req r;
		memset(&r, 0, sizeof r);
		r.clen = -1;
		r.peer = c->peer;
		size_t headlen = 0;
		int st = it_read_head(c, &headlen);
		if (st < 0)
			break;
		r.t0 = it_now_ns();
		if (st == 0) {
			r.head = malloc(headlen + 1);
			if (r.head == NULL)
				break;
			memcpy(r.head, c->buf, headlen);
			r.head[headlen] = '\0';
			it_consume(c, headlen);
			st = it_parse_head(&r, headlen);
		}
		if (st) { /* not parsed: method and route "other" */
			r.method = r.path = r.query = NULL;
			r.is_head = 0;
			r.route = IT_R_OTHER;
		} else {
			r.route = items.route_of(&r);
			if (r.chunked || r.clen > 0)
				st = it_read_body(c, &r);
		}
		if (st < 0) {
			free(r.head);
			free(r.body);
			break;
		}
		c->served++;
		r.close = st != 0 || !it_keep_alive(&r);
		struct it_reply rp;
		it_reply_init(&rp);
		if (st)
			items.error(&rp, st, NULL, NULL);
		else
			items.dispatch(&r, &rp);
		int rc = items.respond(c, &r, &rp);
		free(rp.body);
		free(r.head);
		free(r.body);
		if (rc < 0)
			break;
		if (r.close) {
			it_linger_close(c);
			break;
		}
	}
	items.conn_end(c);
	close(c->fd);
	free(c->buf);
	free(c);
	return NULL;
}

static inline int it_thread(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	int rc = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

/* A thread of its own for each connection. */
static inline int it_spawn(struct it_conn *c)
{
	return it_thread(it_conn_main, c);
}

/* ---- the program ---- */

static void it_on_stop(int sig)
{
	(void)sig;
	__atomic_store_n(&it_stopping, 1, __ATOMIC_SEQ_CST);
	ssize_t rc = write(it_stop_pipe[1], "x", 1);
	(void)rc;
}

/* Stop accepting: closing the listening socket makes new connects fail
 * (refused) at once. */
static inline void it_stop_listening(int lfd)
{
	close(lfd);
}

/* Accepts until the stop signal; a thread per connection. */
static inline void it_accept_loop(int lfd)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = it_stop_pipe[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0)
			continue; /* EINTR: the signal's byte is in the pipe */
		if (p[1].revents)
			return;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(10000);
			continue; /* the next call takes the next client */
		}
		struct it_conn *c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->peer, sizeof c->peer);
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->peer, sizeof c->peer);
		it_conns_add(1);
		if (items.spawn(c) < 0) {
			it_conns_add(-1);
			close(fd);
			free(c);
		}
	}
}

/* Waits up to seconds for every connection to close. Returns how many are
 * left. */
static inline long it_drain(int seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&it_m.lock);
	while (it_m.conns > 0)
		if (pthread_cond_timedwait(&it_conns_zero, &it_m.lock, &until) == ETIMEDOUT)
			break;
	long left = it_m.conns;
	pthread_mutex_unlock(&it_m.lock);
	return left;
}

/* A listening TCP socket on host:port. Returns it, or -1 after logging. */
static inline int it_listen(const char *host, const char *port)
{
	struct addrinfo hints, *res;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		it_log(IT_ERROR, "cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 4096) < 0) {
		it_log(IT_ERROR, "cannot listen on %s:%s: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static inline int it_usage(const char *argv0, int rc)
{
	static const char text[] =
		"usage: %s --host H --port P [--storage memory|sqlite] [--db PATH] [--threads N] "
		"[--max-body BYTES] [--max-items N] [--rate N] [--burst N] "
		"[--log-level debug|info|warn|error] [--shutdown-timeout SEC] [--idle-timeout SEC]";
	if (rc == 0)
		printf(text, argv0), printf("\n");
	else
		it_log(IT_ERROR, text, argv0);
	return rc;
}

/* A number option in [min, max]. Returns 0 and *out, or -1. */
static inline int it_num_opt(const char *v, long long min, long long max, long long *out)
{
	long long n;
	if (it_parse_digits(v, strlen(v), 18, &n) < 0 || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* The whole service. Returns 2 on misuse, 1 when it cannot start; else
 * runs until SIGTERM/SIGINT and returns 0 after a graceful stop. */
static inline int items_main(int argc, char **argv)
{
	const char *storage = "memory", *db = NULL;
	long long n, rate = 0, burst = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0)
			return it_usage(argv[0], 0);
		if (v == NULL)
			return it_usage(argv[0], 2);
		i++;
		int bad = 0;
		if (strcmp(a, "--host") == 0)
			it_cfg.host = v;
		else if (strcmp(a, "--port") == 0)
			it_cfg.port = v;
		else if (strcmp(a, "--storage") == 0)
			storage = v;
		else if (strcmp(a, "--db") == 0)
			db = v;
		else if (strcmp(a, "--threads") == 0)
			bad = it_num_opt(v, 1, 4096, &n); /* a thread per connection instead */
		else if (strcmp(a, "--max-body") == 0)
			bad = it_num_opt(v, 0, LLONG_MAX / 4, &it_cfg.max_body);
		else if (strcmp(a, "--max-items") == 0)
			bad = it_num_opt(v, 0, LLONG_MAX / 4, &it_cfg.max_items);
		else if (strcmp(a, "--rate") == 0)
			bad = it_num_opt(v, 0, 1000000000, &rate);
		else if (strcmp(a, "--burst") == 0)
			bad = it_num_opt(v, 1, 1000000000, &burst);
		else if (strcmp(a, "--shutdown-timeout") == 0)
			bad = it_num_opt(v, 0, 86400, &n) < 0 || (it_cfg.shutdown_timeout = (int)n) < 0;
		else if (strcmp(a, "--idle-timeout") == 0)
			bad = it_num_opt(v, 1, 86400, &n) < 0 || (it_cfg.idle_timeout = (int)n) < 0;
		else if (strcmp(a, "--log-level") == 0) {
			int l = 0;
			while (l < 4 && strcmp(v, it_level_name[l]) != 0)
				l++;
			bad = l == 4;
			it_cfg.log_level = l;
		} else
			bad = 1;
		if (bad)
			return it_usage(argv[0], 2);
	}
	if (it_cfg.port == NULL || (strcmp(storage, "memory") != 0 && strcmp(storage, "sqlite") != 0) ||
	    (strcmp(storage, "sqlite") == 0 && db == NULL))
		return it_usage(argv[0], 2);
	it_cfg.rate = (double)rate;
	it_cfg.burst = burst > 0 ? (double)burst : rate > 0 ? (double)rate : 1;
	if (pipe2(it_stop_pipe, O_CLOEXEC) < 0) {
		it_log(IT_ERROR, "pipe: %s", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = items.on_sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = items.on_sigint;
	sigaction(SIGINT, &sa, NULL);
	if (strcmp(storage, "sqlite") == 0 && items.db_open(db) < 0)
		return 1;
	int lfd = it_listen(it_cfg.host, items.fixed_port ? items.fixed_port : it_cfg.port);
	if (lfd < 0) {
		it_db_close();
		return 1;
	}
	if (it_thread(it_sweeper_main, NULL) < 0) {
		it_log(IT_ERROR, "cannot start the bucket sweeper");
		return 1;
	}
	it_log(IT_INFO, "listening on %s:%s", it_cfg.host, it_cfg.port);
	it_accept_loop(lfd);
	items.stop_listening(lfd);
	it_log(IT_INFO, "stopping");
	long left = items.drain(it_cfg.shutdown_timeout);
	if (left > 0)
		it_log(IT_WARN, "%ld connections cut after the shutdown timeout", left);
	it_db_close();
	it_log(IT_INFO, "stopped");
	_exit(0); /* threads still cut mid-request must not run atexit code with us */
}

struct it_hooks items = {
	.on_sigterm = it_on_stop,
	.on_sigint = it_on_stop,
	.stop_listening = it_stop_listening,
	.spawn = it_spawn,
	.close_idle = 1,
	.closing = it_closing,
	.drain = it_drain,
	.too_large = it_too_large,
	.take_body = it_take_body,
	.dispatch = it_dispatch,
	.not_allowed = it_not_allowed,
	.error = it_error,
	.respond = it_respond,
	.conn_end = it_conn_end,
	.create = it_create,
	.list = it_list,
	.get = it_get,
	.replace = it_replace,
	.patch = it_patch,
	.remove = it_remove,
	.metrics_page = it_metrics_page,
	.health = it_health,
	.route_of = it_route_of,
	.path_id = it_path_id,
	.media_ok = it_media_ok,
	.body_object = it_body_object,
	.check_name = it_check_name,
	.check_price = it_check_price,
	.check_quantity = it_check_quantity,
	.check_tags = it_check_tags,
	.patch_null = it_patch_null,
	.limit_ok = it_limit_ok,
	.parse_cursor = it_parse_cursor,
	.page = it_page,
	.next_id = it_next_id,
	.name_taken = it_name_taken,
	.full = it_full,
	.stored = it_store_count,
	.db_pragmas = IT_DB_PRAGMAS,
	.db_schema = IT_DB_SCHEMA,
	.db_open = it_db_open,
	.db_last_id = it_db_last_id,
	.db_write = it_db_write,
	.db_commit = it_db_commit,
	.limited_route = it_limited_route,
	.limit = it_limit,
	.bucket_key = it_bucket_key,
	.initial_tokens = it_initial_tokens,
	.take_token = it_take_token,
	.sweep = it_sweep,
	.observe = it_observe,
	.count = it_count,
	.metrics = it_metrics,
	.log_request = it_log_request,
	.log_write = it_log_write,
	.level_of = it_level_of,
	.level_on = it_level_on,
	.trace_id = it_trace_id,
};

#endif
