/* Shared, correct plumbing for the deliberately broken kv servers.
 *
 * This is a whole, correct kv server (specs/kv.md, a mini redis) in one
 * header, written to be read rather than to be fast: one thread, one
 * level-triggered epoll loop, non-blocking sockets. Requests are RESP2
 * multibulk or inline commands (redis's quoting), parsed again from the
 * start of the client's buffer each time bytes arrive; replies go to an
 * output buffer that is sent before the loop sleeps, after the append-only
 * file has been written (and, with `always`, fdatasync'd), so that no reply
 * leaves before the change it acknowledges is in the file. A client with
 * more than 1 MiB of replies waiting is paused (not read, its requests not
 * run) until they are sent; a subscriber with more than --pubsub-limit is
 * closed instead.
 *
 * The keyspace is one hash table with chaining, resized all at once, and
 * SCAN walks it with redis's reverse-binary cursor, which returns every key
 * present from start to end however the table grows or shrinks between
 * calls. Deadlines are absolute (unix ms): a key is expired lazily when a
 * command finds it, and actively by a sweep hz times a second. The
 * append-only file is DIR/appendonly.aof, RESP records of the changes with
 * absolute deadlines (SET k v PXAT ms, PEXPIREAT, DEL, PERSIST, MSET,
 * FLUSHDB); at start it is replayed through the command table, a torn last
 * record cut off.
 *
 * Each broken program replaces one piece through the `kv` hook table (or a
 * command's handler, found with kv_cmd_find()) and marks its lines BUG, so
 * that it differs from a correct server in exactly that piece.
 */
#ifndef OSNET_BROKEN_KV_COMMON_H
#define OSNET_BROKEN_KV_COMMON_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define KV_READ_CHUNK (64 * 1024)     /* bytes asked of one recv() */
#define KV_HIGH_WATER (1024 * 1024)   /* output waiting that pauses a client */
#define KV_MAX_EVENTS 128

/* ---- types ---- */

/* A byte buffer: the bytes are p[off..len). */
struct kv_buf {
	char *p;
	size_t off, len, cap;
};

/* One argument of a request: n bytes at p (any bytes, not NUL-terminated). */
struct kv_arg {
	const char *p;
	size_t n;
};

/* A C string as an argument (a literal). */
#define KV_S(s) ((struct kv_arg){(s), sizeof(s) - 1})

struct kv_client {
	int fd;                   /* -1: the client that replays the AOF */
	long long id;
	struct kv_buf in, out;
	struct kv_buf scratch;    /* an inline request's unquoted arguments */
	struct kv_arg *argv;      /* the request being run */
	int argc, argcap;
	const char *perr;         /* a protocol error's message (NULL: out of memory) */
	char perrbuf[64];
	int close_asap;           /* close at the end of this loop turn */
	int close_after_reply;    /* close once the output is sent (QUIT, protocol error) */
	int paused;               /* too much output waiting: not read, requests not run */
	int nsubs;                /* channels + patterns subscribed */
	int was_subscribed;       /* has ever subscribed */
	uint32_t events;          /* what epoll watches for it */
	int64_t last_ms;          /* last read or write (monotonic), for --timeout */
	struct kv_client *next, **pprev;
};

/* A key and its value in one allocation; values are never changed in
 * place: a new value is a new entry (so a change is allocated before it is
 * made, and making it cannot fail). */
struct kv_entry {
	struct kv_entry *next;
	uint64_t hash;
	int64_t when;             /* deadline, unix ms; 0: none */
	size_t klen, vlen;
	char *val;                /* points after the key */
	char key[];
};

struct kv_cmd {
	const char *name;         /* lower case, as redis's errors show it */
	int arity;                /* n: exactly n arguments; -n: at least n */
	int flags;
	void (*proc)(struct kv_client *c);
};
#define KV_WRITE 1            /* changes the keyspace: refused while the AOF fails */
#define KV_PUBSUB 2           /* allowed in subscribed mode */

/* SET's options, parsed. */
struct kv_setopt {
	int nx, xx, get, keepttl, has_when;
	int64_t when;             /* with has_when: the deadline, unix ms */
};

/* The pieces the broken programs replace. */
struct kv_hooks {
	/* the process */
	int usage_status;         /* exit status of a bad command line */
	int bind_fail_status;     /* exit status when the address cannot be had */
	int stop_status;          /* exit status after SIGTERM/SIGINT */
	int (*parse_size)(const char *s, unsigned long long *out); /* 0 or -1 */
	/* the protocol */
	long long max_bulk, max_args;
	size_t max_inline;
	int (*read_number)(const char *p, size_t n, long long *out); /* a "*N" / "$N" line */
	/* one request at p[0..n): bytes used (> 0; c->argc == 0 for an empty
	 * one), 0 if incomplete, -1 with c->perr */
	long (*parse)(struct kv_client *c, const char *p, size_t n);
	int (*split_inline)(struct kv_client *c, const char *line, size_t len); /* 0, -1 quotes, -2 memory */
	void (*protocol_error)(struct kv_client *c);
	void (*run_input)(struct kv_client *c);   /* runs the complete requests buffered */
	void (*read_error)(struct kv_client *c, int err);
	void (*send_error)(struct kv_client *c, int err);
	/* replies */
	int (*out_add)(struct kv_client *c, const void *p, size_t n); /* 0 or -1 */
	void (*reply_int)(struct kv_client *c, long long v);
	/* commands */
	struct kv_cmd *(*lookup)(const char *name, size_t n);
	void (*unknown)(struct kv_client *c);
	void (*arity_error)(struct kv_client *c, const struct kv_cmd *cmd);
	int (*allowed_subscribed)(const struct kv_cmd *cmd);
	int (*set_options)(struct kv_client *c, struct kv_setopt *o); /* 0, or -1 replied */
	/* an EX/PX/EXAT/PXAT value of SET -> deadline; 0, or -1 replied */
	int (*set_expire)(struct kv_client *c, const struct kv_arg *a, long long unit, int relative,
			  int64_t *when);
	long long (*ttl_of)(int64_t left_ms, int in_ms); /* TTL/PTTL of a key with a deadline */
	int (*add)(long long a, long long b, long long *out); /* 0, or -1 on overflow */
	void (*incr)(struct kv_client *c, long long by); /* INCR and friends, argument parsed */
	/* keyspace */
	struct kv_entry *(*new_entry)(const struct kv_arg *k, const char *v, size_t vlen, int64_t when);
	int (*expired)(const struct kv_entry *e, int64_t now);
	void (*active_expire)(void);
	int (*match)(const char *pat, size_t pn, const char *s, size_t sn); /* redis glob */
	unsigned long (*scan_next)(unsigned long cursor, unsigned long mask);
	/* clients */
	void (*accept_error)(int err);  /* accept() failed with err (not EAGAIN) */
	int (*too_many)(int nclients);  /* refuse one more? */
	int (*idle)(const struct kv_client *c, int64_t now_mono); /* close for --timeout? */
	int (*subscribed)(const struct kv_client *c); /* in subscribed mode? */
	/* pub/sub */
	void (*deliver)(struct kv_client *to, const struct kv_arg *pat, const struct kv_arg *ch,
			const struct kv_arg *msg);
	int (*over_limit)(const struct kv_client *c);
	void (*forget)(struct kv_client *c); /* a closing client's subscriptions */
	/* the append-only file */
	int (*aof_start)(void);         /* replay and open: 0 or -1 */
	int (*aof_record)(struct kv_client *c, int argc, const struct kv_arg *argv); /* 0, -1 */
	int (*aof_flush)(int from_tick);
	int (*aof_torn)(off_t good, off_t size); /* a torn tail: 0 go on, -1 refuse to start */
	void (*aof_stop)(void);
};

extern struct kv_hooks kv;

/* ---- settings and state ---- */

static struct {
	const char *host, *port, *dir;
	int appendonly;
	int fsync;                  /* KV_FSYNC_* */
	unsigned long long pubsub_limit;
	long long hz, maxclients, timeout;
} kv_cfg = {
	.host = "127.0.0.1",
	.dir = ".",
	.fsync = 1,
	.pubsub_limit = 32ULL * 1024 * 1024,
	.hz = 10,
	.maxclients = 10000,
};
enum { KV_FSYNC_ALWAYS, KV_FSYNC_EVERYSEC, KV_FSYNC_NO };
static const char *const kv_fsync_names[] = {"always", "everysec", "no"};

static struct {
	int ep, lfd, sfd;
	int listen_paused;
	int nclients;
	long long next_id;
	int wake;                   /* run the loop again without sleeping */
	struct kv_client *clients;
} kv_srv = {.ep = -1, .lfd = -1, .sfd = -1};

static struct {
	struct kv_entry **slot;
	size_t size, count;         /* size: a power of two */
	unsigned long sweep;        /* the active expiry's cursor */
} kv_db;

static struct {
	int fd;                     /* -1: no append-only file */
	struct kv_buf buf;          /* records not yet written */
	off_t size;                 /* bytes in the file */
	int err;                    /* errno of the last failed write or sync; 0 */
	int unsynced;
	int64_t synced_ms;
	int loading;
	char path[4096];
} kv_aof = {.fd = -1};

struct kv_sub {
	char *name;
	size_t n;
	int pattern;
	struct kv_client *c;
};
static struct {
	struct kv_sub *v;           /* in subscription order */
	size_t n, cap;
} kv_subs;

static void kv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kv_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "kv: %s\n", line);
}

static int64_t kv_now_ms(void) /* unix time, for deadlines */
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t kv_mono_ms(void) /* for timers and idle times */
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- buffers ---- */

/* Makes room for n more bytes at b->p + b->len. Returns 0 or -1. */
static int kv_buf_reserve(struct kv_buf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return 0;
	if (b->off > 0) { /* slide the live bytes down first */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= n)
			return 0;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (p == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int kv_buf_add(struct kv_buf *b, const void *p, size_t n)
{
	if (kv_buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static size_t kv_pending(const struct kv_buf *b)
{
	return b->len - b->off;
}

static void kv_buf_free(struct kv_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- numbers and strings ---- */

/* redis's string2ll: an optional '-', no '+', no spaces, no leading zeros,
 * within long long. Returns 0 and *out, or -1. */
static int kv_str2ll(const char *p, size_t n, long long *out)
{
	if (n == 0 || n > 20)
		return -1;
	if (n == 1 && p[0] == '0') {
		*out = 0;
		return 0;
	}
	size_t i = p[0] == '-';
	if (i == n || p[i] < '1' || p[i] > '9')
		return -1;
	unsigned long long v = 0;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (ULLONG_MAX - (unsigned)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (p[0] == '-') {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return -1;
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	} else {
		if (v > LLONG_MAX)
			return -1;
		*out = (long long)v;
	}
	return 0;
}

static int kv_read_number(const char *p, size_t n, long long *out)
{
	return kv_str2ll(p, n, out);
}

/* Is argument a, ignoring ASCII case, the word s? */
static int kv_is(const struct kv_arg *a, const char *s)
{
	return a->n == strlen(s) && strncasecmp(a->p, s, a->n) == 0;
}

static int kv_add_checked(long long a, long long b, long long *out)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

/* A decimal option within [min, max]. Returns 0 or -1. */
static int kv_parse_num(const char *s, long long min, long long max, long long *out)
{
	long long v;
	if (kv_str2ll(s, strlen(s), &v) < 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A size: digits with an optional k, m or g (powers of 1024, a 'b' after
 * them allowed), as impl/lib's ARGS_SIZE. Returns 0 or -1. */
static int kv_parse_size(const char *s, unsigned long long *out)
{
	char *end;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10), mul = 1;
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 'k': mul = 1ULL << 10; end++; break;
	case 'm': mul = 1ULL << 20; end++; break;
	case 'g': mul = 1ULL << 30; end++; break;
	}
	if (mul > 1 && tolower((unsigned char)*end) == 'b')
		end++;
	if (*end != '\0' || v > ULLONG_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* ---- replies ---- */

static int kv_out_add(struct kv_client *c, const void *p, size_t n)
{
	if (c->fd < 0 || c->close_asap)
		return 0; /* the AOF's client hears nothing; a closing one nothing more */
	if (kv_buf_add(&c->out, p, n) < 0) {
		c->close_asap = 1; /* never leave a client with half a reply */
		return -1;
	}
	return 0;
}

static void kv_reply_raw(struct kv_client *c, const char *s)
{
	kv.out_add(c, s, strlen(s));
}

static void kv_reply_status(struct kv_client *c, const char *s)
{
	char line[128];
	int n = snprintf(line, sizeof line, "+%s\r\n", s);
	kv.out_add(c, line, (size_t)n);
}

/* "-<message>\r\n"; CR and LF in the message become spaces, as redis does. */
static void kv_reply_error(struct kv_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv_reply_error(struct kv_client *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + 1, sizeof line - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - 4)
		n = (int)(sizeof line - 4);
	line[0] = '-';
	for (int i = 1; i <= n; i++)
		if (line[i] == '\r' || line[i] == '\n')
			line[i] = ' ';
	memcpy(line + 1 + n, "\r\n", 2);
	kv.out_add(c, line, (size_t)n + 3);
}

static void kv_reply_int_default(struct kv_client *c, long long v)
{
	char line[32];
	int n = snprintf(line, sizeof line, ":%lld\r\n", v);
	kv.out_add(c, line, (size_t)n);
}

static void kv_reply_header(struct kv_client *c, char type, long long n)
{
	char line[32];
	int len = snprintf(line, sizeof line, "%c%lld\r\n", type, n);
	kv.out_add(c, line, (size_t)len);
}

static void kv_reply_bulk(struct kv_client *c, const void *p, size_t n)
{
	kv_reply_header(c, '$', (long long)n);
	kv.out_add(c, p, n);
	kv.out_add(c, "\r\n", 2);
}

static void kv_reply_nil(struct kv_client *c)
{
	kv_reply_raw(c, "$-1\r\n");
}

static void kv_reply_array(struct kv_client *c, long long n)
{
	kv_reply_header(c, '*', n);
}

static void kv_reply_ok(struct kv_client *c)
{
	kv_reply_raw(c, "+OK\r\n");
}

static void kv_reply_oom(struct kv_client *c)
{
	kv_reply_raw(c, "-OOM out of memory\r\n");
}

static void kv_reply_not_int(struct kv_client *c)
{
	kv_reply_raw(c, "-ERR value is not an integer or out of range\r\n");
}

static void kv_reply_syntax(struct kv_client *c)
{
	kv_reply_raw(c, "-ERR syntax error\r\n");
}

/* An argument as an integer, or the redis error. Returns 0 or -1. */
static int kv_arg_ll(struct kv_client *c, const struct kv_arg *a, long long *v)
{
	if (kv_str2ll(a->p, a->n, v) == 0)
		return 0;
	kv_reply_not_int(c);
	return -1;
}

/* ---- glob patterns (redis's stringmatchlen) ---- */

/* *give_up: the rest of the pattern after a '*' matched nowhere in the
 * rest of the string, so no earlier '*' can help by matching more. */
static int kv_glob(const char *p, size_t pn, const char *s, size_t sn, int *give_up, int depth)
{
	if (depth > 1000)
		return 0; /* an abusive pattern */
	while (pn > 0 && sn > 0) {
		switch (p[0]) {
		case '*':
			while (pn > 1 && p[1] == '*')
				p++, pn--;
			if (pn == 1)
				return 1;
			for (; sn > 0; s++, sn--) {
				if (kv_glob(p + 1, pn - 1, s, sn, give_up, depth + 1))
					return 1;
				if (*give_up)
					return 0;
			}
			*give_up = 1;
			return 0;
		case '?':
			s++, sn--;
			break;
		case '[': {
			p++, pn--;
			int negate = pn > 0 && p[0] == '^', hit = 0;
			if (negate)
				p++, pn--;
			for (;;) {
				if (pn == 0) { /* no ']': the last byte closes it */
					p--, pn++;
					break;
				} else if (p[0] == '\\' && pn >= 2) {
					p++, pn--;
					hit |= p[0] == s[0];
				} else if (p[0] == ']') {
					break;
				} else if (pn >= 3 && p[1] == '-') {
					/* as redis: plain (signed) chars, ends in either order */
					int lo = (signed char)p[0], hi = (signed char)p[2], ch = (signed char)s[0];
					if (lo > hi) {
						int t = lo;
						lo = hi;
						hi = t;
					}
					hit |= ch >= lo && ch <= hi;
					p += 2, pn -= 2;
				} else {
					hit |= p[0] == s[0];
				}
				p++, pn--;
			}
			if (negate)
				hit = !hit;
			if (!hit)
				return 0;
			s++, sn--;
			break;
		}
		case '\\':
			if (pn >= 2)
				p++, pn--;
			/* fall through */
		default:
			if (p[0] != s[0])
				return 0;
			s++, sn--;
			break;
		}
		p++, pn--;
		if (sn == 0) {
			while (pn > 0 && p[0] == '*')
				p++, pn--;
			break;
		}
	}
	return pn == 0 && sn == 0;
}

static int kv_match(const char *pat, size_t pn, const char *s, size_t sn)
{
	int give_up = 0;
	return kv_glob(pat, pn, s, sn, &give_up, 0);
}

/* ---- the keyspace ---- */

static uint64_t kv_hash(const char *p, size_t n) /* FNV-1a */
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static struct kv_entry *kv_new_entry(const struct kv_arg *k, const char *v, size_t vlen, int64_t when)
{
	struct kv_entry *e = malloc(sizeof *e + k->n + vlen + 1);
	if (e == NULL)
		return NULL;
	e->next = NULL;
	e->hash = kv_hash(k->p, k->n);
	e->when = when;
	e->klen = k->n;
	e->vlen = vlen;
	memcpy(e->key, k->p, k->n);
	e->val = e->key + k->n;
	memcpy(e->val, v, vlen);
	e->val[vlen] = '\0';
	return e;
}

/* Moves every entry to a table of size slots (a power of two); keeps the
 * old table if the new one cannot be had (chains just get longer). */
static void kv_db_resize(size_t size)
{
	struct kv_entry **slot = calloc(size, sizeof *slot);
	if (slot == NULL)
		return;
	for (size_t i = 0; i < kv_db.size; i++) {
		struct kv_entry *e = kv_db.slot[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			e->next = slot[e->hash & (size - 1)];
			slot[e->hash & (size - 1)] = e;
		}
	}
	free(kv_db.slot);
	kv_db.slot = slot;
	kv_db.size = size;
}

/* Grows the table when full, shrinks it when under an eighth used. */
static void kv_db_fit(void)
{
	if (kv_db.count >= kv_db.size)
		kv_db_resize(kv_db.size * 2);
	else if (kv_db.size > 16 && kv_db.count < kv_db.size / 8)
		kv_db_resize(kv_db.size / 2);
}

static struct kv_entry **kv_db_where(const char *key, size_t n)
{
	uint64_t h = kv_hash(key, n);
	struct kv_entry **pe = &kv_db.slot[h & (kv_db.size - 1)];
	for (; *pe != NULL; pe = &(*pe)->next)
		if ((*pe)->hash == h && (*pe)->klen == n && memcmp((*pe)->key, key, n) == 0)
			break;
	return pe;
}

/* Removes and frees key's entry; no resize. Returns 1 if it was there. */
static int kv_db_unlink(const char *key, size_t n)
{
	struct kv_entry **pe = kv_db_where(key, n), *e = *pe;
	if (e == NULL)
		return 0;
	*pe = e->next;
	free(e);
	kv_db.count--;
	return 1;
}

static int kv_db_delete(const struct kv_arg *k)
{
	int r = kv_db_unlink(k->p, k->n);
	kv_db_fit();
	return r;
}

/* Stores e, replacing (and freeing) the entry of the same key. Cannot fail. */
static void kv_db_put(struct kv_entry *e)
{
	struct kv_entry **pe = kv_db_where(e->key, e->klen);
	if (*pe != NULL) {
		e->next = (*pe)->next;
		free(*pe);
		*pe = e;
		return;
	}
	e->next = kv_db.slot[e->hash & (kv_db.size - 1)];
	kv_db.slot[e->hash & (kv_db.size - 1)] = e;
	kv_db.count++;
	kv_db_fit();
}

static int kv_expired(const struct kv_entry *e, int64_t now)
{
	return e->when != 0 && now > e->when;
}

/* The live entry of a key: an expired one is deleted here (lazy expiry). */
static struct kv_entry *kv_lookup(const struct kv_arg *k)
{
	struct kv_entry *e = *kv_db_where(k->p, k->n);
	if (e != NULL && kv.expired(e, kv_now_ms())) {
		kv_db_delete(k);
		return NULL;
	}
	return e;
}

static void kv_db_flush(void)
{
	for (size_t i = 0; i < kv_db.size; i++) {
		struct kv_entry *e = kv_db.slot[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		kv_db.slot[i] = NULL;
	}
	kv_db.count = 0;
	kv_db_resize(16);
}

static unsigned long kv_rev(unsigned long v)
{
	unsigned long r = 0;
	for (unsigned i = 0; i < sizeof v * CHAR_BIT; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

/* The next cursor after visiting slot (cursor & mask): the high bits are
 * incremented, so a slot's entries, which a grown table spreads over slots
 * that differ in high bits and a shrunk one gathers, are never skipped. */
static unsigned long kv_scan_next(unsigned long cursor, unsigned long mask)
{
	cursor |= ~mask;
	return kv_rev(kv_rev(cursor) + 1);
}

/* Active expiry: hz times a second, deletes the expired entries of the
 * next slots, up to 2000 entries looked at; a whole pass when it wraps. */
static void kv_active_expire(void)
{
	int64_t now = kv_now_ms();
	size_t looked = 0, slots = 0;
	do {
		struct kv_entry **pe = &kv_db.slot[kv_db.sweep & (kv_db.size - 1)];
		while (*pe != NULL) {
			struct kv_entry *e = *pe;
			looked++;
			if (kv.expired(e, now)) {
				*pe = e->next;
				free(e);
				kv_db.count--;
			} else {
				pe = &e->next;
			}
		}
		kv_db.sweep = kv.scan_next(kv_db.sweep, kv_db.size - 1);
	} while (kv_db.sweep != 0 && looked < 2000 && ++slots < 20000);
	kv_db_fit();
}

/* ---- the append-only file ---- */

/* Appends one RESP record to the bytes waiting. Returns 0 or -1 (nothing
 * appended). */
static int kv_aof_append(int argc, const struct kv_arg *argv)
{
	size_t need = 24;
	for (int i = 0; i < argc; i++)
		need += argv[i].n + 24;
	if (kv_buf_reserve(&kv_aof.buf, need) < 0)
		return -1;
	char *p = kv_aof.buf.p + kv_aof.buf.len;
	p += sprintf(p, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		p += sprintf(p, "$%zu\r\n", argv[i].n);
		memcpy(p, argv[i].p, argv[i].n);
		p += argv[i].n;
		*p++ = '\r';
		*p++ = '\n';
	}
	kv_aof.buf.len = (size_t)(p - kv_aof.buf.p);
	return 0;
}

static int kv_aof_record(struct kv_client *c, int argc, const struct kv_arg *argv)
{
	(void)c;
	if (kv_aof.fd < 0 || kv_aof.loading)
		return 0;
	return kv_aof_append(argc, argv);
}

/* Logs a change before it is made: 0, or -1 after replying -OOM. */
static int kv_record(struct kv_client *c, int argc, const struct kv_arg *argv)
{
	if (kv.aof_record(c, argc, argv) == 0)
		return 0;
	kv_reply_oom(c);
	return -1;
}

/* Writes the waiting records; on failure cuts the file back to its length
 * before (no half record stays) and keeps them for a later try. */
static int kv_aof_write(void)
{
	size_t done = 0, n = kv_pending(&kv_aof.buf);
	while (done < n) {
		ssize_t w = write(kv_aof.fd, kv_aof.buf.p + kv_aof.buf.off + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;
			if (ftruncate(kv_aof.fd, kv_aof.size) < 0)
				kv_log("appendonly.aof: cannot cut a failed write back: %s", strerror(errno));
			return -err;
		}
		done += (size_t)w;
	}
	kv_aof.size += (off_t)n;
	kv_aof.buf.off = kv_aof.buf.len = 0;
	if (n > 0)
		kv_aof.unsynced = 1;
	return 0;
}

static int kv_aof_sync(void)
{
	if (!kv_aof.unsynced)
		return 0;
	if (fdatasync(kv_aof.fd) < 0)
		return -errno;
	kv_aof.unsynced = 0;
	kv_aof.synced_ms = kv_mono_ms();
	return 0;
}

/* Before the replies go out (from_tick 0): writes what this turn logged,
 * and with `always` syncs it; a failure there is fatal, as in redis (no
 * reply has left). With everysec/no, a failure refuses writes (MISCONF)
 * and the tick (from_tick 1) retries; the tick also syncs everysec. */
static int kv_aof_flush(int from_tick)
{
	if (kv_aof.fd < 0)
		return 0;
	int rc = 0;
	if (!from_tick) {
		if (kv_aof.err != 0 || kv_pending(&kv_aof.buf) == 0)
			return 0;
		rc = kv_aof_write();
		if (rc == 0 && kv_cfg.fsync == KV_FSYNC_ALWAYS)
			rc = kv_aof_sync();
		if (rc < 0 && kv_cfg.fsync == KV_FSYNC_ALWAYS) {
			kv_log("appendonly.aof: %s with appendfsync always: exiting", strerror(-rc));
			_exit(1);
		}
	} else if (kv_aof.err != 0) {
		rc = kv_aof_write();
		if (rc == 0 && kv_cfg.fsync != KV_FSYNC_NO)
			rc = kv_aof_sync();
		if (rc == 0)
			kv_log("appendonly.aof: written again, writes accepted");
	} else if (kv_cfg.fsync == KV_FSYNC_EVERYSEC && kv_mono_ms() - kv_aof.synced_ms >= 1000) {
		rc = kv_aof_sync();
	}
	if (rc < 0 && kv_aof.err == 0)
		kv_log("appendonly.aof: %s: refusing writes", strerror(-rc));
	kv_aof.err = -rc;
	return rc;
}

static int kv_aof_torn(off_t good, off_t size)
{
	kv_log("appendonly.aof: a torn last record (%lld bytes at offset %lld) dropped",
	       (long long)(size - good), (long long)good);
	if (truncate(kv_aof.path, good) < 0) {
		kv_log("appendonly.aof: cannot truncate: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct kv_client *kv_client_new(int fd);
static void kv_client_free(struct kv_client *c);
static void kv_call(struct kv_client *c);

/* Replays the file through the command table with a client of its own
 * whose replies go nowhere. Returns 0 or -1 (logged). */
static int kv_aof_load(void)
{
	int fd = open(kv_aof.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		kv_log("%s: %s", kv_aof.path, strerror(errno));
		return -1;
	}
	struct stat st;
	char *data = NULL;
	size_t size = 0;
	if (fstat(fd, &st) == 0 && (data = malloc((size_t)st.st_size + 1)) != NULL) {
		while (size < (size_t)st.st_size) {
			ssize_t r = read(fd, data + size, (size_t)st.st_size - size);
			if (r <= 0)
				break;
			size += (size_t)r;
		}
	}
	close(fd);
	struct kv_client *c = kv_client_new(-1);
	if (data == NULL || c == NULL || size < (size_t)st.st_size) {
		kv_log("%s: cannot read it", kv_aof.path);
		return -1;
	}
	int rc = 0;
	size_t pos = 0;
	kv_aof.loading = 1;
	while (pos < size) {
		long r = data[pos] == '*' ? kv.parse(c, data + pos, size - pos) : -1;
		if (r == 0) {
			rc = kv.aof_torn((off_t)pos, (off_t)size);
			break;
		}
		if (r < 0) {
			kv_log("%s: not a RESP record at offset %zu: refusing to start", kv_aof.path, pos);
			rc = -1;
			break;
		}
		if (c->argc > 0)
			kv_call(c);
		pos += (size_t)r;
	}
	kv_aof.loading = 0;
	free(data);
	kv_client_free(c);
	return rc;
}

static int kv_aof_open(void)
{
	snprintf(kv_aof.path, sizeof kv_aof.path, "%s/appendonly.aof", kv_cfg.dir);
	kv_aof.fd = open(kv_aof.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	if (kv_aof.fd < 0 || fstat(kv_aof.fd, &st) < 0) {
		kv_log("%s: %s", kv_aof.path, strerror(errno));
		return -1;
	}
	kv_aof.size = st.st_size;
	kv_aof.synced_ms = kv_mono_ms();
	return 0;
}

static int kv_aof_start(void)
{
	if (!kv_cfg.appendonly)
		return 0;
	snprintf(kv_aof.path, sizeof kv_aof.path, "%s/appendonly.aof", kv_cfg.dir);
	if (kv_aof_load() < 0)
		return -1;
	if (kv_db.count > 0)
		kv_log("%zu keys loaded from %s", kv_db.count, kv_aof.path);
	return kv_aof_open();
}

static void kv_aof_stop(void)
{
	if (kv_aof.fd < 0)
		return;
	int rc = kv_aof_write();
	kv_aof.unsynced = 1;
	if (rc == 0)
		rc = kv_aof_sync();
	if (rc < 0)
		kv_log("appendonly.aof: %s at stop", strerror(-rc));
	close(kv_aof.fd);
	kv_aof.fd = -1;
}

/* ---- the protocol ---- */

static int kv_push_arg(struct kv_client *c, const char *p, size_t n)
{
	if (c->argc == c->argcap) {
		int cap = c->argcap ? c->argcap * 2 : 8;
		struct kv_arg *v = realloc(c->argv, (size_t)cap * sizeof *v);
		if (v == NULL)
			return -1;
		c->argv = v;
		c->argcap = cap;
	}
	c->argv[c->argc++] = (struct kv_arg){p, n};
	return 0;
}

static long kv_perr(struct kv_client *c, const char *msg)
{
	c->perr = msg;
	return -1;
}

/* A multibulk request, as redis's processMultibulkBuffer reads it: each
 * count or length line checked when its CRLF is there; the two bytes after
 * a bulk skipped unchecked. */
static long kv_parse_multibulk(struct kv_client *c, const char *p, size_t n)
{
	const char *cr = memchr(p, '\r', n);
	if (cr == NULL)
		return n > kv.max_inline ? kv_perr(c, "Protocol error: too big mbulk count string") : 0;
	size_t line = (size_t)(cr - p);
	if (line + 2 > n)
		return 0;
	long long count, len;
	if (kv.read_number(p + 1, line - 1, &count) < 0 || count > kv.max_args)
		return kv_perr(c, "Protocol error: invalid multibulk length");
	size_t pos = line + 2;
	for (long long i = 0; i < count; i++) {
		cr = memchr(p + pos, '\r', n - pos);
		if (cr == NULL)
			return n - pos > kv.max_inline ? kv_perr(c, "Protocol error: too big bulk count string") : 0;
		line = (size_t)(cr - (p + pos));
		if (pos + line + 2 > n)
			return 0;
		if (p[pos] != '$') {
			snprintf(c->perrbuf, sizeof c->perrbuf, "Protocol error: expected '$', got '%c'",
				 p[pos] == '\n' ? ' ' : p[pos]);
			return kv_perr(c, c->perrbuf);
		}
		if (kv.read_number(p + pos + 1, line - 1, &len) < 0 || len < 0 || len > kv.max_bulk)
			return kv_perr(c, "Protocol error: invalid bulk length");
		pos += line + 2;
		if (n - pos < (size_t)len + 2)
			return 0;
		if (kv_push_arg(c, p + pos, (size_t)len) < 0)
			return kv_perr(c, NULL);
		pos += (size_t)len + 2;
	}
	return (long)pos;
}

static int kv_hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : tolower(ch) >= 'a' && tolower(ch) <= 'f' ? tolower(ch) - 'a' + 10 : -1;
}

/* Splits an inline line into arguments as redis's sdssplitargs: blanks
 * between them; "..." with \n \r \t \b \a \xHH \<any>; '...' with \';
 * a closing quote must be followed by a blank or the end. The unquoted
 * bytes go to c->scratch (never longer than the line). Returns 0, -1 for
 * unbalanced quotes, -2 out of memory. */
static int kv_split_inline(struct kv_client *c, const char *line, size_t len)
{
	len = strnlen(line, len); /* the line is a C string to redis */
	c->scratch.off = c->scratch.len = 0;
	if (kv_buf_reserve(&c->scratch, len + 1) < 0)
		return -2;
	char *out = c->scratch.p;
	size_t i = 0, o = 0;
#define AT(k) ((k) < len ? line[k] : '\0')
	for (;;) {
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i == len)
			return 0;
		size_t start = o;
		int inq = 0, insq = 0, done = 0;
		while (!done) {
			char ch = AT(i);
			if (inq) {
				if (ch == '\\' && AT(i + 1) == 'x' && kv_hexval(AT(i + 2)) >= 0 && kv_hexval(AT(i + 3)) >= 0) {
					out[o++] = (char)(kv_hexval(AT(i + 2)) * 16 + kv_hexval(AT(i + 3)));
					i += 3;
				} else if (ch == '\\' && AT(i + 1) != '\0') {
					ch = line[++i];
					out[o++] = ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch == 't' ? '\t' :
						   ch == 'b' ? '\b' : ch == 'a' ? '\a' : ch;
				} else if (ch == '"') {
					if (AT(i + 1) != '\0' && !isspace((unsigned char)AT(i + 1)))
						return -1;
					done = 1;
				} else if (ch == '\0') {
					return -1;
				} else {
					out[o++] = ch;
				}
			} else if (insq) {
				if (ch == '\\' && AT(i + 1) == '\'') {
					i++;
					out[o++] = '\'';
				} else if (ch == '\'') {
					if (AT(i + 1) != '\0' && !isspace((unsigned char)AT(i + 1)))
						return -1;
					done = 1;
				} else if (ch == '\0') {
					return -1;
				} else {
					out[o++] = ch;
				}
			} else if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\0') {
				done = 1;
			} else if (ch == '"') {
				inq = 1;
			} else if (ch == '\'') {
				insq = 1;
			} else {
				out[o++] = ch;
			}
			if (i < len)
				i++;
		}
		if (kv_push_arg(c, out + start, o - start) < 0)
			return -2;
	}
#undef AT
}

/* An inline request: one line up to LF (a CR before it dropped). */
static long kv_parse_inline(struct kv_client *c, const char *p, size_t n)
{
	const char *lf = memchr(p, '\n', n);
	if (lf == NULL)
		return n > kv.max_inline ? kv_perr(c, "Protocol error: too big inline request") : 0;
	size_t len = (size_t)(lf - p);
	if (len > kv.max_inline) /* redis reads 16 KiB at a time: it would have seen no LF yet */
		return kv_perr(c, "Protocol error: too big inline request");
	if (len > 0 && p[len - 1] == '\r')
		len--;
	int rc = kv.split_inline(c, p, len);
	if (rc == -1)
		return kv_perr(c, "Protocol error: unbalanced quotes in request");
	if (rc < 0)
		return kv_perr(c, NULL);
	return lf - p + 1;
}

static long kv_parse(struct kv_client *c, const char *p, size_t n)
{
	c->argc = 0;
	return p[0] == '*' ? kv_parse_multibulk(c, p, n) : kv_parse_inline(c, p, n);
}

/* redis answers a protocol error, then closes once the replies before it
 * are sent; it reads nothing more. */
static void kv_protocol_error(struct kv_client *c)
{
	if (c->perr == NULL) {
		c->close_asap = 1; /* out of memory */
		return;
	}
	kv_reply_error(c, "ERR %s", c->perr);
	c->close_after_reply = 1;
}

static void kv_rearm(struct kv_client *c)
{
	if (c->fd < 0 || c->close_asap)
		return;
	uint32_t want = (c->paused || c->close_after_reply ? 0 : EPOLLIN) |
			(kv_pending(&c->out) > 0 ? EPOLLOUT : 0);
	if (want == c->events)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = c};
	if (epoll_ctl(kv_srv.ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		c->close_asap = 1;
	else
		c->events = want;
}

/* Runs every complete request in c->in, in order, unless the replies
 * waiting pass the high-water mark: then c is paused until they are sent. */
static void kv_run_input(struct kv_client *c)
{
	while (!c->close_asap && !c->close_after_reply && kv_pending(&c->in) > 0) {
		if (kv_pending(&c->out) > KV_HIGH_WATER) {
			c->paused = 1;
			break;
		}
		long r = kv.parse(c, c->in.p + c->in.off, kv_pending(&c->in));
		if (r == 0)
			break;
		if (r < 0) {
			kv.protocol_error(c);
			break;
		}
		if (c->argc > 0)
			kv_call(c);
		c->in.off += (size_t)r; /* after the call: its arguments point here */
	}
	if (c->in.off == c->in.len)
		c->in.off = c->in.len = 0;
	kv_rearm(c);
}

static void kv_close_on_error(struct kv_client *c, int err)
{
	(void)err;
	c->close_asap = 1;
}

/* ---- clients ---- */

static struct kv_client *kv_client_new(int fd)
{
	struct kv_client *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->fd = fd;
	c->id = ++kv_srv.next_id;
	c->last_ms = kv_mono_ms();
	return c;
}

static void kv_client_free(struct kv_client *c)
{
	kv.forget(c);
	if (c->fd >= 0) {
		epoll_ctl(kv_srv.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		*c->pprev = c->next;
		if (c->next != NULL)
			c->next->pprev = c->pprev;
		kv_srv.nclients--;
	}
	kv_buf_free(&c->in);
	kv_buf_free(&c->out);
	kv_buf_free(&c->scratch);
	free(c->argv);
	free(c);
}

/* Sends what the kernel takes now. */
static void kv_send(struct kv_client *c)
{
	while (kv_pending(&c->out) > 0) {
		ssize_t n = send(c->fd, c->out.p + c->out.off, kv_pending(&c->out), MSG_NOSIGNAL);
		if (n > 0) {
			c->out.off += (size_t)n;
			c->last_ms = kv_mono_ms();
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else {
			kv.send_error(c, n < 0 ? errno : EPIPE);
			return;
		}
	}
	if (c->out.off == c->out.len) {
		c->out.off = c->out.len = 0;
		if (c->out.cap > KV_HIGH_WATER) /* give a big reply's memory back */
			kv_buf_free(&c->out);
	}
}

static void kv_on_readable(struct kv_client *c)
{
	if (c->close_asap || c->close_after_reply || c->paused)
		return;
	if (kv_buf_reserve(&c->in, KV_READ_CHUNK) < 0) {
		c->close_asap = 1;
		return;
	}
	ssize_t n = recv(c->fd, c->in.p + c->in.len, KV_READ_CHUNK, 0);
	if (n > 0) {
		c->in.len += (size_t)n;
		c->last_ms = kv_mono_ms();
		kv.run_input(c);
	} else if (n == 0) {
		c->close_asap = 1;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		kv.read_error(c, errno);
	}
}

/* EMFILE, ENFILE, ENOBUFS...: the connection waits in the backlog, and
 * the listener is left alone until the next tick (level-triggered epoll
 * would report it again at once). */
static void kv_accept_error(int err)
{
	kv_log("accept: %s", strerror(err));
	struct epoll_event ev = {.events = 0, .data.ptr = &kv_srv.lfd};
	epoll_ctl(kv_srv.ep, EPOLL_CTL_MOD, kv_srv.lfd, &ev);
	kv_srv.listen_paused = 1;
}

static int kv_too_many(int nclients)
{
	return nclients >= kv_cfg.maxclients;
}

static void kv_accept_all(void)
{
	for (;;) {
		int fd = accept4(kv_srv.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				kv.accept_error(errno);
			return;
		}
		if (kv.too_many(kv_srv.nclients)) {
			static const char msg[] = "-ERR max number of clients reached\r\n";
			if (send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				kv_log("send: %s", strerror(errno));
			close(fd);
			continue;
		}
		struct kv_client *c = kv_client_new(fd);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (c == NULL || epoll_ctl(kv_srv.ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			kv_log("cannot take a client: %s", c == NULL ? "out of memory" : strerror(errno));
			free(c);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->events = EPOLLIN;
		c->next = kv_srv.clients;
		if (c->next != NULL)
			c->next->pprev = &c->next;
		c->pprev = &kv_srv.clients;
		kv_srv.clients = c;
		kv_srv.nclients++;
	}
}

static int kv_subscribed(const struct kv_client *c)
{
	return c->nsubs > 0;
}

static int kv_idle(const struct kv_client *c, int64_t now)
{
	return kv_cfg.timeout > 0 && !kv.subscribed(c) && now - c->last_ms > kv_cfg.timeout * 1000;
}

/* ---- pub/sub ---- */

static long kv_sub_find(const struct kv_client *c, const struct kv_arg *name, int pattern)
{
	for (size_t i = 0; i < kv_subs.n; i++) {
		const struct kv_sub *s = &kv_subs.v[i];
		if (s->c == c && s->pattern == pattern && s->n == name->n && memcmp(s->name, name->p, s->n) == 0)
			return (long)i;
	}
	return -1;
}

/* Subscribes c: 1 done, 0 already, -1 out of memory. */
static int kv_sub_add(struct kv_client *c, const struct kv_arg *name, int pattern)
{
	if (kv_sub_find(c, name, pattern) >= 0)
		return 0;
	if (kv_subs.n == kv_subs.cap) {
		size_t cap = kv_subs.cap ? kv_subs.cap * 2 : 16;
		struct kv_sub *v = realloc(kv_subs.v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		kv_subs.v = v;
		kv_subs.cap = cap;
	}
	char *copy = malloc(name->n + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, name->p, name->n);
	kv_subs.v[kv_subs.n++] = (struct kv_sub){copy, name->n, pattern, c};
	c->nsubs++;
	c->was_subscribed = 1;
	return 1;
}

static void kv_sub_remove_at(size_t i)
{
	struct kv_sub *s = &kv_subs.v[i];
	if (s->c != NULL)
		s->c->nsubs--;
	free(s->name);
	memmove(s, s + 1, (kv_subs.n - i - 1) * sizeof *s);
	kv_subs.n--;
}

static void kv_forget(struct kv_client *c)
{
	for (size_t i = kv_subs.n; i-- > 0;)
		if (kv_subs.v[i].c == c)
			kv_sub_remove_at(i);
}

/* [message, ch, msg] or [pmessage, pat, ch, msg] to a subscriber; past
 * --pubsub-limit of output waiting, it is closed (after this command). */
static void kv_deliver(struct kv_client *to, const struct kv_arg *pat, const struct kv_arg *ch,
		       const struct kv_arg *msg)
{
	if (to->close_asap)
		return;
	kv_reply_array(to, pat ? 4 : 3);
	if (pat) {
		kv_reply_bulk(to, "pmessage", 8);
		kv_reply_bulk(to, pat->p, pat->n);
	} else {
		kv_reply_bulk(to, "message", 7);
	}
	kv_reply_bulk(to, ch->p, ch->n);
	kv_reply_bulk(to, msg->p, msg->n);
	if (kv.over_limit(to)) {
		kv_log("client %lld: %zu bytes waiting, over --pubsub-limit: closed", to->id,
		       kv_pending(&to->out));
		to->close_asap = 1;
	}
}

static int kv_over_limit(const struct kv_client *c)
{
	return kv_cfg.pubsub_limit > 0 && kv_pending(&c->out) > kv_cfg.pubsub_limit;
}

/* ---- commands ---- */

extern struct kv_cmd kv_commands[];

static struct kv_cmd *kv_lookup_cmd(const char *name, size_t n)
{
	for (struct kv_cmd *cmd = kv_commands; cmd->name != NULL; cmd++)
		if (strlen(cmd->name) == n && strncasecmp(cmd->name, name, n) == 0)
			return cmd;
	return NULL;
}

/* The handler table entry of a command, for a broken program to patch. */
static struct kv_cmd *kv_cmd_find(const char *name)
{
	return kv_lookup_cmd(name, strlen(name));
}

/* "unknown command 'x', with args beginning with: 'a' 'b' ", as redis 7.0
 * builds it: the name and the arguments up to 128 bytes, each as a C string. */
static void kv_unknown(struct kv_client *c)
{
	char args[160] = "";
	size_t len = 0;
	for (int i = 1; i < c->argc && len < 128; i++) {
		int n = (int)strnlen(c->argv[i].p, c->argv[i].n);
		len += (size_t)snprintf(args + len, sizeof args - len, "'%.*s' ",
					n < (int)(128 - len) ? n : (int)(128 - len), c->argv[i].p);
	}
	int n = (int)strnlen(c->argv[0].p, c->argv[0].n);
	kv_reply_error(c, "ERR unknown command '%.*s', with args beginning with: %s", n < 128 ? n : 128,
		       c->argv[0].p, args);
}

static void kv_arity_error(struct kv_client *c, const struct kv_cmd *cmd)
{
	kv_reply_error(c, "ERR wrong number of arguments for '%s' command", cmd->name);
}

static int kv_allowed_subscribed(const struct kv_cmd *cmd)
{
	return (cmd->flags & KV_PUBSUB) != 0;
}

/* Runs c->argv as redis's processCommand: unknown, arity, write refused
 * while the AOF fails, subscribed mode; then the handler. */
static void kv_call(struct kv_client *c)
{
	struct kv_cmd *cmd = kv.lookup(c->argv[0].p, c->argv[0].n);
	if (cmd == NULL) {
		kv.unknown(c);
		return;
	}
	if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity) {
		kv.arity_error(c, cmd);
		return;
	}
	if ((cmd->flags & KV_WRITE) && kv_aof.err != 0 && !kv_aof.loading) {
		kv_reply_error(c, "MISCONF Errors writing to the AOF file: %s", strerror(kv_aof.err));
		return;
	}
	if (kv.subscribed(c) && !kv.allowed_subscribed(cmd)) {
		kv_reply_error(c, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
			       "QUIT / RESET are allowed in this context", cmd->name);
		return;
	}
	cmd->proc(c);
}

static int kv_set_expire(struct kv_client *c, const struct kv_arg *a, long long unit, int relative,
			 int64_t *when)
{
	long long v;
	if (kv_arg_ll(c, a, &v) < 0)
		return -1;
	long long ms;
	if (v <= 0 || __builtin_mul_overflow(v, unit, &ms) ||
	    (relative && __builtin_add_overflow(ms, kv_now_ms(), &ms))) {
		kv_reply_error(c, "ERR invalid expire time in 'set' command");
		return -1;
	}
	*when = ms;
	return 0;
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL], as
 * redis 7.0 parses them: a syntax error first, then the expire value. */
static int kv_set_options(struct kv_client *c, struct kv_setopt *o)
{
	static const char *const kinds[] = {"ex", "px", "exat", "pxat"};
	int kind = -1;
	const struct kv_arg *expire = NULL;
	memset(o, 0, sizeof *o);
	for (int j = 3; j < c->argc; j++) {
		const struct kv_arg *a = &c->argv[j];
		int k = 0;
		while (k < 4 && !kv_is(a, kinds[k]))
			k++;
		if (kv_is(a, "nx") && !o->xx)
			o->nx = 1;
		else if (kv_is(a, "xx") && !o->nx)
			o->xx = 1;
		else if (kv_is(a, "get"))
			o->get = 1;
		else if (kv_is(a, "keepttl") && kind < 0)
			o->keepttl = 1;
		else if (k < 4 && j + 1 < c->argc && !o->keepttl && (kind < 0 || kind == k))
			kind = k, expire = &c->argv[++j];
		else {
			kv_reply_syntax(c);
			return -1;
		}
	}
	if (expire != NULL &&
	    kv.set_expire(c, expire, kind % 2 == 0 ? 1000 : 1, kind < 2, &o->when) < 0)
		return -1;
	o->has_when = expire != NULL;
	return 0;
}

/* Logs "SET key value [PXAT when]" and builds the new entry: the entry,
 * or NULL after replying -OOM. */
static struct kv_entry *kv_prepare_set(struct kv_client *c, const struct kv_arg *k, const char *v,
				       size_t vlen, int64_t when)
{
	struct kv_entry *e = kv.new_entry(k, v, vlen, when);
	if (e == NULL) {
		kv_reply_oom(c);
		return NULL;
	}
	char ms[24];
	int n = snprintf(ms, sizeof ms, "%lld", (long long)when);
	struct kv_arg rec[] = {KV_S("SET"), *k, {v, vlen}, KV_S("PXAT"), {ms, (size_t)n}};
	if (kv_record(c, when ? 5 : 3, rec) < 0) {
		free(e);
		return NULL;
	}
	return e;
}

static void kv_cmd_set(struct kv_client *c)
{
	struct kv_setopt o;
	if (kv.set_options(c, &o) < 0)
		return;
	struct kv_entry *old = kv_lookup(&c->argv[1]);
	if ((o.nx && old != NULL) || (o.xx && old == NULL)) {
		if (o.get)
			old ? kv_reply_bulk(c, old->val, old->vlen) : kv_reply_nil(c);
		else
			kv_reply_nil(c);
		return;
	}
	int64_t when = o.has_when ? o.when : o.keepttl && old != NULL ? old->when : 0;
	struct kv_entry *e = kv_prepare_set(c, &c->argv[1], c->argv[2].p, c->argv[2].n, when);
	if (e == NULL)
		return;
	if (o.get) /* the old value, before kv_db_put frees it */
		old ? kv_reply_bulk(c, old->val, old->vlen) : kv_reply_nil(c);
	kv_db_put(e);
	if (!o.get)
		kv_reply_ok(c);
}

static void kv_cmd_get(struct kv_client *c)
{
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	e ? kv_reply_bulk(c, e->val, e->vlen) : kv_reply_nil(c);
}

static void kv_cmd_mget(struct kv_client *c)
{
	kv_reply_array(c, c->argc - 1);
	for (int i = 1; i < c->argc; i++) {
		struct kv_entry *e = kv_lookup(&c->argv[i]);
		e ? kv_reply_bulk(c, e->val, e->vlen) : kv_reply_nil(c);
	}
}

/* All or nothing: every entry allocated and the change logged first. */
static void kv_cmd_mset(struct kv_client *c)
{
	if (c->argc % 2 == 0) {
		kv.arity_error(c, kv_cmd_find("mset"));
		return;
	}
	int n = c->argc / 2;
	struct kv_entry **e = calloc((size_t)n, sizeof *e);
	int ok = e != NULL;
	for (int i = 0; ok && i < n; i++)
		ok = (e[i] = kv.new_entry(&c->argv[1 + 2 * i], c->argv[2 + 2 * i].p, c->argv[2 + 2 * i].n, 0)) != NULL;
	if (ok && kv.aof_record(c, c->argc, c->argv) < 0)
		ok = 0;
	for (int i = 0; e != NULL && i < n; i++)
		ok ? kv_db_put(e[i]) : free(e[i]);
	free(e);
	ok ? kv_reply_ok(c) : kv_reply_oom(c);
}

static void kv_cmd_del(struct kv_client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++)
		n += kv_lookup(&c->argv[i]) != NULL;
	if (n > 0 && kv.aof_record(c, c->argc, c->argv) < 0) {
		kv_reply_oom(c);
		return;
	}
	n = 0;
	for (int i = 1; i < c->argc; i++)
		n += kv_db_delete(&c->argv[i]);
	kv.reply_int(c, n);
}

static void kv_cmd_exists(struct kv_client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++)
		n += kv_lookup(&c->argv[i]) != NULL;
	kv.reply_int(c, n);
}

/* INCR and friends: a missing key is 0; the deadline is kept. */
static void kv_incr(struct kv_client *c, long long by)
{
	struct kv_entry *old = kv_lookup(&c->argv[1]);
	long long v = 0, r;
	if (old != NULL && kv_str2ll(old->val, old->vlen, &v) < 0) {
		kv_reply_not_int(c);
		return;
	}
	if (kv.add(v, by, &r) < 0) {
		kv_reply_error(c, "ERR increment or decrement would overflow");
		return;
	}
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", r);
	struct kv_entry *e = kv_prepare_set(c, &c->argv[1], num, (size_t)n, old ? old->when : 0);
	if (e == NULL)
		return;
	kv_db_put(e);
	kv.reply_int(c, r);
}

static void kv_cmd_incr(struct kv_client *c) { kv.incr(c, 1); }
static void kv_cmd_decr(struct kv_client *c) { kv.incr(c, -1); }

static void kv_cmd_incrby(struct kv_client *c)
{
	long long by;
	if (kv_arg_ll(c, &c->argv[2], &by) == 0)
		kv.incr(c, by);
}

static void kv_cmd_decrby(struct kv_client *c)
{
	long long by;
	if (kv_arg_ll(c, &c->argv[2], &by) < 0)
		return;
	if (by == LLONG_MIN)
		kv_reply_error(c, "ERR decrement would overflow");
	else
		kv.incr(c, -by);
}

/* EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT key time [NX|XX|GT|LT] */
static void kv_expire_generic(struct kv_client *c, long long unit, int relative)
{
	int nx = 0, xx = 0, gt = 0, lt = 0;
	for (int j = 3; j < c->argc; j++) {
		const struct kv_arg *a = &c->argv[j];
		if (kv_is(a, "nx"))
			nx = 1;
		else if (kv_is(a, "xx"))
			xx = 1;
		else if (kv_is(a, "gt"))
			gt = 1;
		else if (kv_is(a, "lt"))
			lt = 1;
		else {
			kv_reply_error(c, "ERR Unsupported option %.*s", (int)strnlen(a->p, a->n), a->p);
			return;
		}
	}
	if (nx && (xx || gt || lt)) {
		kv_reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
		return;
	}
	if (gt && lt) {
		kv_reply_error(c, "ERR GT and LT options at the same time are not compatible");
		return;
	}
	long long v, when;
	if (kv_arg_ll(c, &c->argv[2], &v) < 0)
		return;
	if (__builtin_mul_overflow(v, unit, &when) ||
	    __builtin_add_overflow(when, relative ? kv_now_ms() : 0, &when)) {
		char name[16];
		snprintf(name, sizeof name, "%s", kv.lookup(c->argv[0].p, c->argv[0].n)->name);
		kv_reply_error(c, "ERR invalid expire time in '%s' command", name);
		return;
	}
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	if (e == NULL || (nx && e->when) || (xx && !e->when) || (gt && (!e->when || when <= e->when)) ||
	    (lt && e->when && when >= e->when)) {
		kv.reply_int(c, 0);
		return;
	}
	char ms[24];
	int n = snprintf(ms, sizeof ms, "%lld", when);
	if (when <= kv_now_ms()) { /* already past: the key goes now */
		if (kv_record(c, 2, (struct kv_arg[]){KV_S("DEL"), c->argv[1]}) < 0)
			return;
		kv_db_delete(&c->argv[1]);
	} else {
		if (kv_record(c, 3, (struct kv_arg[]){KV_S("PEXPIREAT"), c->argv[1], {ms, (size_t)n}}) < 0)
			return;
		e->when = when;
	}
	kv.reply_int(c, 1);
}

static void kv_cmd_expire(struct kv_client *c) { kv_expire_generic(c, 1000, 1); }
static void kv_cmd_pexpire(struct kv_client *c) { kv_expire_generic(c, 1, 1); }
static void kv_cmd_expireat(struct kv_client *c) { kv_expire_generic(c, 1000, 0); }
static void kv_cmd_pexpireat(struct kv_client *c) { kv_expire_generic(c, 1, 0); }

static long long kv_ttl_of(int64_t left_ms, int in_ms)
{
	if (left_ms < 0)
		left_ms = 0;
	return in_ms ? left_ms : (left_ms + 500) / 1000;
}

static void kv_ttl(struct kv_client *c, int in_ms)
{
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	if (e == NULL)
		kv.reply_int(c, -2);
	else if (e->when == 0)
		kv.reply_int(c, -1);
	else
		kv.reply_int(c, kv.ttl_of(e->when - kv_now_ms(), in_ms));
}

static void kv_cmd_ttl(struct kv_client *c) { kv_ttl(c, 0); }
static void kv_cmd_pttl(struct kv_client *c) { kv_ttl(c, 1); }

static void kv_cmd_persist(struct kv_client *c)
{
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	if (e == NULL || e->when == 0) {
		kv.reply_int(c, 0);
		return;
	}
	if (kv_record(c, 2, (struct kv_arg[]){KV_S("PERSIST"), c->argv[1]}) < 0)
		return;
	e->when = 0;
	kv.reply_int(c, 1);
}

static int kv_pattern_all(const struct kv_arg *p)
{
	return p->n == 1 && p->p[0] == '*';
}

static void kv_cmd_keys(struct kv_client *c)
{
	const struct kv_arg *pat = &c->argv[1];
	int64_t now = kv_now_ms();
	for (int pass = 0; pass < 2; pass++) { /* count, then write */
		long long n = 0;
		for (size_t i = 0; i < kv_db.size; i++)
			for (struct kv_entry *e = kv_db.slot[i]; e != NULL; e = e->next) {
				if (kv.expired(e, now) ||
				    (!kv_pattern_all(pat) && !kv.match(pat->p, pat->n, e->key, e->klen)))
					continue;
				if (pass == 1)
					kv_reply_bulk(c, e->key, e->klen);
				n++;
			}
		if (pass == 0)
			kv_reply_array(c, n);
	}
}

/* SCAN cursor [MATCH pattern] [COUNT n] [TYPE string] */
static void kv_cmd_scan(struct kv_client *c)
{
	const struct kv_arg *pat = NULL;
	long long count = 10;
	int other_type = 0;
	char *end, cur[24];
	snprintf(cur, sizeof cur, "%.*s", (int)(c->argv[1].n < 23 ? c->argv[1].n : 23), c->argv[1].p);
	errno = 0;
	unsigned long cursor = strtoul(cur, &end, 10);
	if (c->argv[1].n > 23 || isspace((unsigned char)cur[0]) || *end != '\0' || errno == ERANGE ||
	    strlen(cur) != c->argv[1].n) {
		kv_reply_error(c, "ERR invalid cursor");
		return;
	}
	for (int j = 2; j < c->argc; j += 2) {
		const struct kv_arg *a = &c->argv[j];
		if (j + 1 < c->argc && kv_is(a, "count")) {
			if (kv_arg_ll(c, &c->argv[j + 1], &count) < 0)
				return;
			if (count < 1) {
				kv_reply_syntax(c);
				return;
			}
		} else if (j + 1 < c->argc && kv_is(a, "match")) {
			pat = kv_pattern_all(&c->argv[j + 1]) ? NULL : &c->argv[j + 1];
		} else if (j + 1 < c->argc && kv_is(a, "type")) {
			other_type = !kv_is(&c->argv[j + 1], "string");
		} else {
			kv_reply_syntax(c);
			return;
		}
	}
	/* visit slots until count entries are seen (or 10 * count empty slots) */
	size_t cap = 16, n = 0;
	struct kv_entry **seen = malloc(cap * sizeof *seen);
	if (seen == NULL) {
		kv_reply_oom(c);
		return;
	}
	long long slots = 0;
	do {
		for (struct kv_entry *e = kv_db.slot[cursor & (kv_db.size - 1)]; e != NULL; e = e->next) {
			if (n == cap) {
				struct kv_entry **v = realloc(seen, 2 * cap * sizeof *v);
				if (v == NULL) {
					free(seen);
					kv_reply_oom(c);
					return;
				}
				seen = v;
				cap *= 2;
			}
			seen[n++] = e;
		}
		cursor = kv.scan_next(cursor, kv_db.size - 1);
	} while (cursor != 0 && (long long)n < count && ++slots < (count < LLONG_MAX / 10 ? count * 10 : LLONG_MAX));
	int64_t now = kv_now_ms();
	size_t keep = 0;
	for (size_t i = 0; i < n; i++)
		if (!other_type && !kv.expired(seen[i], now) &&
		    (pat == NULL || kv.match(pat->p, pat->n, seen[i]->key, seen[i]->klen)))
			seen[keep++] = seen[i];
	int len = snprintf(cur, sizeof cur, "%lu", cursor);
	kv_reply_array(c, 2);
	kv_reply_bulk(c, cur, (size_t)len);
	kv_reply_array(c, (long long)keep);
	for (size_t i = 0; i < keep; i++)
		kv_reply_bulk(c, seen[i]->key, seen[i]->klen);
	free(seen);
}

static void kv_cmd_dbsize(struct kv_client *c)
{
	kv.reply_int(c, (long long)kv_db.count);
}

static void kv_cmd_flushdb(struct kv_client *c)
{
	if (c->argc > 2 || (c->argc == 2 && !kv_is(&c->argv[1], "async") && !kv_is(&c->argv[1], "sync"))) {
		kv_reply_syntax(c);
		return;
	}
	if (kv_record(c, 1, (struct kv_arg[]){KV_S("FLUSHDB")}) < 0)
		return;
	kv_db_flush();
	kv_reply_ok(c);
}

static void kv_cmd_ping(struct kv_client *c)
{
	if (c->argc > 2) {
		kv.arity_error(c, kv_cmd_find("ping"));
		return;
	}
	if (kv.subscribed(c)) {
		kv_reply_array(c, 2);
		kv_reply_bulk(c, "pong", 4);
		kv_reply_bulk(c, c->argc == 2 ? c->argv[1].p : "", c->argc == 2 ? c->argv[1].n : 0);
	} else if (c->argc == 2) {
		kv_reply_bulk(c, c->argv[1].p, c->argv[1].n);
	} else {
		kv_reply_status(c, "PONG");
	}
}

static void kv_cmd_echo(struct kv_client *c)
{
	kv_reply_bulk(c, c->argv[1].p, c->argv[1].n);
}

static void kv_cmd_quit(struct kv_client *c)
{
	kv_reply_ok(c);
	c->close_after_reply = 1;
}

/* HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only. */
static void kv_cmd_hello(struct kv_client *c)
{
	long long ver = 2;
	if (c->argc >= 2 && kv_str2ll(c->argv[1].p, c->argv[1].n, &ver) < 0) {
		kv_reply_error(c, "ERR Protocol version is not an integer or out of range");
		return;
	}
	if (ver != 2) {
		kv_reply_error(c, "NOPROTO unsupported protocol version");
		return;
	}
	for (int j = 2; j < c->argc; j++) {
		int more = c->argc - 1 - j;
		if (kv_is(&c->argv[j], "auth") && more >= 2)
			j += 2;
		else if (kv_is(&c->argv[j], "setname") && more >= 1)
			j++;
		else {
			kv_reply_error(c, "ERR Syntax error in HELLO option '%.*s'",
				       (int)strnlen(c->argv[j].p, c->argv[j].n), c->argv[j].p);
			return;
		}
	}
	kv_reply_array(c, 14);
	kv_reply_bulk(c, "server", 6);
	kv_reply_bulk(c, "redis", 5);
	kv_reply_bulk(c, "version", 7);
	kv_reply_bulk(c, "7.0.15", 6);
	kv_reply_bulk(c, "proto", 5);
	kv.reply_int(c, 2);
	kv_reply_bulk(c, "id", 2);
	kv.reply_int(c, c->id);
	kv_reply_bulk(c, "mode", 4);
	kv_reply_bulk(c, "standalone", 10);
	kv_reply_bulk(c, "role", 4);
	kv_reply_bulk(c, "master", 6);
	kv_reply_bulk(c, "modules", 7);
	kv_reply_array(c, 0);
}

static void kv_unknown_sub(struct kv_client *c, const char *cmd)
{
	kv_reply_error(c, "ERR unknown subcommand '%.*s'. Try %s HELP.",
		       (int)(c->argv[1].n < 128 ? c->argv[1].n : 128), c->argv[1].p, cmd);
}

/* COMMAND [COUNT | DOCS ... | INFO ...]: no documentation here. */
static void kv_cmd_command(struct kv_client *c)
{
	if (c->argc == 1) {
		kv_reply_array(c, 0);
	} else if (kv_is(&c->argv[1], "count")) {
		long long n = 0;
		while (kv_commands[n].name != NULL)
			n++;
		if (c->argc == 2)
			kv.reply_int(c, n);
		else
			kv_reply_error(c, "ERR wrong number of arguments for 'command|count' command");
	} else if (kv_is(&c->argv[1], "docs") || kv_is(&c->argv[1], "info")) {
		kv_reply_array(c, 0);
	} else {
		kv_unknown_sub(c, "COMMAND");
	}
}

/* CONFIG GET pattern...: the few parameters there are. */
static void kv_cmd_config(struct kv_client *c)
{
	if (!kv_is(&c->argv[1], "get")) {
		kv_unknown_sub(c, "CONFIG");
		return;
	}
	if (c->argc < 3) {
		kv_reply_error(c, "ERR wrong number of arguments for 'config|get' command");
		return;
	}
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%lld", kv_cfg.hz);
	snprintf(num[1], sizeof num[1], "%lld", kv_cfg.maxclients);
	snprintf(num[2], sizeof num[2], "%lld", kv_cfg.timeout);
	const char *params[][2] = {
		{"appendonly", kv_cfg.appendonly ? "yes" : "no"},
		{"appendfsync", kv_fsync_names[kv_cfg.fsync]},
		{"save", ""},
		{"hz", num[0]},
		{"maxclients", num[1]},
		{"timeout", num[2]},
		{"databases", "1"},
	};
	size_t np = sizeof params / sizeof params[0];
	int hit[sizeof params / sizeof params[0]] = {0}, n = 0;
	for (int j = 2; j < c->argc; j++) {
		char pat[128]; /* parameter names are matched ignoring case */
		size_t pn = c->argv[j].n < sizeof pat ? c->argv[j].n : sizeof pat;
		for (size_t k = 0; k < pn; k++)
			pat[k] = (char)tolower((unsigned char)c->argv[j].p[k]);
		for (size_t i = 0; i < np; i++)
			if (!hit[i] && kv.match(pat, pn, params[i][0], strlen(params[i][0]))) {
				hit[i] = 1;
				n++;
			}
	}
	kv_reply_array(c, 2 * n);
	for (size_t i = 0; i < np; i++)
		if (hit[i]) {
			kv_reply_bulk(c, params[i][0], strlen(params[i][0]));
			kv_reply_bulk(c, params[i][1], strlen(params[i][1]));
		}
}

static void kv_cmd_select(struct kv_client *c)
{
	long long id;
	if (kv_arg_ll(c, &c->argv[1], &id) < 0)
		return;
	if (id != 0)
		kv_reply_error(c, "ERR DB index is out of range");
	else
		kv_reply_ok(c);
}

/* [kind, name, count] for one (un)subscription; a NULL name is nil. */
static void kv_reply_sub(struct kv_client *c, const char *kind, const char *name, size_t n, int count)
{
	kv_reply_array(c, 3);
	kv_reply_bulk(c, kind, strlen(kind));
	name ? kv_reply_bulk(c, name, n) : kv_reply_nil(c);
	kv.reply_int(c, count);
}

static void kv_subscribe(struct kv_client *c, int pattern)
{
	for (int j = 1; j < c->argc; j++) {
		if (kv_sub_add(c, &c->argv[j], pattern) < 0) {
			kv_reply_oom(c);
			continue;
		}
		kv_reply_sub(c, pattern ? "psubscribe" : "subscribe", c->argv[j].p, c->argv[j].n, c->nsubs);
	}
}

/* Without names: every subscription of the kind, or [kind, nil, count]. */
static void kv_unsubscribe(struct kv_client *c, int pattern, int quiet)
{
	const char *kind = pattern ? "punsubscribe" : "unsubscribe";
	if (c->argc > 1 && !quiet) {
		for (int j = 1; j < c->argc; j++) {
			long i = kv_sub_find(c, &c->argv[j], pattern);
			if (i >= 0)
				kv_sub_remove_at((size_t)i);
			kv_reply_sub(c, kind, c->argv[j].p, c->argv[j].n, c->nsubs);
		}
		return;
	}
	int any = 0;
	for (size_t i = 0; i < kv_subs.n;) {
		struct kv_sub *s = &kv_subs.v[i];
		if (s->c != c || s->pattern != pattern) {
			i++;
			continue;
		}
		if (!quiet)
			kv_reply_sub(c, kind, s->name, s->n, c->nsubs - 1);
		kv_sub_remove_at(i);
		any = 1;
	}
	if (!any && !quiet)
		kv_reply_sub(c, kind, NULL, 0, c->nsubs);
}

static void kv_cmd_subscribe(struct kv_client *c) { kv_subscribe(c, 0); }
static void kv_cmd_psubscribe(struct kv_client *c) { kv_subscribe(c, 1); }
static void kv_cmd_unsubscribe(struct kv_client *c) { kv_unsubscribe(c, 0, 0); }
static void kv_cmd_punsubscribe(struct kv_client *c) { kv_unsubscribe(c, 1, 0); }

/* Channel subscribers first, then patterns; each subscription counts. */
static void kv_cmd_publish(struct kv_client *c)
{
	const struct kv_arg *ch = &c->argv[1], *msg = &c->argv[2];
	long long n = 0;
	for (size_t i = 0; i < kv_subs.n; i++) {
		struct kv_sub *s = &kv_subs.v[i];
		if (!s->pattern && s->n == ch->n && memcmp(s->name, ch->p, ch->n) == 0) {
			if (s->c != NULL)
				kv.deliver(s->c, NULL, ch, msg);
			n++;
		}
	}
	for (size_t i = 0; i < kv_subs.n; i++) {
		struct kv_sub *s = &kv_subs.v[i];
		if (s->pattern && kv.match(s->name, s->n, ch->p, ch->n)) {
			if (s->c != NULL)
				kv.deliver(s->c, &(struct kv_arg){s->name, s->n}, ch, msg);
			n++;
		}
	}
	kv.reply_int(c, n);
}

static void kv_cmd_reset(struct kv_client *c)
{
	kv_unsubscribe(c, 0, 1);
	kv_unsubscribe(c, 1, 1);
	kv_reply_status(c, "RESET");
}

struct kv_cmd kv_commands[] = {
	{"ping", -1, KV_PUBSUB, kv_cmd_ping},
	{"echo", 2, 0, kv_cmd_echo},
	{"set", -3, KV_WRITE, kv_cmd_set},
	{"get", 2, 0, kv_cmd_get},
	{"mget", -2, 0, kv_cmd_mget},
	{"mset", -3, KV_WRITE, kv_cmd_mset},
	{"del", -2, KV_WRITE, kv_cmd_del},
	{"exists", -2, 0, kv_cmd_exists},
	{"incr", 2, KV_WRITE, kv_cmd_incr},
	{"decr", 2, KV_WRITE, kv_cmd_decr},
	{"incrby", 3, KV_WRITE, kv_cmd_incrby},
	{"decrby", 3, KV_WRITE, kv_cmd_decrby},
	{"expire", -3, KV_WRITE, kv_cmd_expire},
	{"pexpire", -3, KV_WRITE, kv_cmd_pexpire},
	{"expireat", -3, KV_WRITE, kv_cmd_expireat},
	{"pexpireat", -3, KV_WRITE, kv_cmd_pexpireat},
	{"ttl", 2, 0, kv_cmd_ttl},
	{"pttl", 2, 0, kv_cmd_pttl},
	{"persist", 2, KV_WRITE, kv_cmd_persist},
	{"keys", 2, 0, kv_cmd_keys},
	{"scan", -2, 0, kv_cmd_scan},
	{"dbsize", 1, 0, kv_cmd_dbsize},
	{"flushdb", -1, KV_WRITE, kv_cmd_flushdb},
	{"quit", -1, KV_PUBSUB, kv_cmd_quit},
	{"hello", -1, 0, kv_cmd_hello},
	{"command", -1, 0, kv_cmd_command},
	{"config", -2, 0, kv_cmd_config},
	{"select", 2, 0, kv_cmd_select},
	{"subscribe", -2, KV_PUBSUB, kv_cmd_subscribe},
	{"unsubscribe", -1, KV_PUBSUB, kv_cmd_unsubscribe},
	{"psubscribe", -2, KV_PUBSUB, kv_cmd_psubscribe},
	{"punsubscribe", -1, KV_PUBSUB, kv_cmd_punsubscribe},
	{"publish", 3, 0, kv_cmd_publish},
	{"reset", 1, KV_PUBSUB, kv_cmd_reset},
	{NULL, 0, 0, NULL},
};

/* ---- the loop ---- */

/* Before sleeping: the AOF written first, then the replies sent; clients
 * to close closed; a paused client whose replies are all out resumed. */
static void kv_before_sleep(void)
{
	kv.aof_flush(0);
	struct kv_client *c = kv_srv.clients, *next;
	for (; c != NULL; c = next) {
		next = c->next;
		if (!c->close_asap && kv_pending(&c->out) > 0)
			kv_send(c);
		if (!c->close_asap && c->close_after_reply && kv_pending(&c->out) == 0)
			c->close_asap = 1;
		if (c->close_asap) {
			kv_client_free(c);
			continue;
		}
		if (c->paused && kv_pending(&c->out) == 0) {
			c->paused = 0;
			kv.run_input(c); /* its replies go out next turn, after the AOF */
			kv_srv.wake = 1;
		}
		kv_rearm(c);
	}
}

static void kv_tick(void)
{
	kv.active_expire();
	int64_t now = kv_mono_ms();
	for (struct kv_client *c = kv_srv.clients; c != NULL; c = c->next)
		if (!c->close_asap && kv.idle(c, now))
			c->close_asap = 1;
	kv.aof_flush(1);
	if (kv_srv.listen_paused) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &kv_srv.lfd};
		if (epoll_ctl(kv_srv.ep, EPOLL_CTL_MOD, kv_srv.lfd, &ev) == 0)
			kv_srv.listen_paused = 0;
	}
}

static int kv_listen(void)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
	int rc = getaddrinfo(kv_cfg.host, kv_cfg.port, &hints, &res);
	if (rc != 0) {
		kv_log("%s:%s: %s", kv_cfg.host, kv_cfg.port, gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 511) < 0) {
		kv_log("cannot listen on %s:%s: %s", kv_cfg.host, kv_cfg.port, strerror(errno));
		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int kv_usage(const char *argv0, const char *why)
{
	if (why != NULL)
		kv_log("%s", why);
	fprintf(stderr, "usage: %s --port P [--host H] [--dir DIR] [--appendonly yes|no] "
		"[--appendfsync always|everysec|no] [--pubsub-limit BYTES] [--hz N] "
		"[--maxclients N] [--timeout SEC]\n", argv0);
	return kv.usage_status;
}

/* The whole server. Returns 2 on a bad command line, 1 when it cannot
 * start; otherwise serves until SIGTERM/SIGINT and exits 0. */
static int kv_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = v == NULL;
		if (bad)
			;
		else if (strcmp(o, "--host") == 0)
			kv_cfg.host = v;
		else if (strcmp(o, "--port") == 0)
			kv_cfg.port = v;
		else if (strcmp(o, "--dir") == 0)
			kv_cfg.dir = v;
		else if (strcmp(o, "--appendonly") == 0)
			bad = strcmp(v, "yes") != 0 && strcmp(v, "no") != 0, kv_cfg.appendonly = strcmp(v, "yes") == 0;
		else if (strcmp(o, "--appendfsync") == 0) {
			kv_cfg.fsync = 0;
			while (kv_cfg.fsync < 3 && strcmp(v, kv_fsync_names[kv_cfg.fsync]) != 0)
				kv_cfg.fsync++;
			bad = kv_cfg.fsync == 3;
		} else if (strcmp(o, "--pubsub-limit") == 0)
			bad = kv.parse_size(v, &kv_cfg.pubsub_limit) < 0;
		else if (strcmp(o, "--hz") == 0)
			bad = kv_parse_num(v, 1, 500, &kv_cfg.hz) < 0;
		else if (strcmp(o, "--maxclients") == 0)
			bad = kv_parse_num(v, 1, 1000000, &kv_cfg.maxclients) < 0;
		else if (strcmp(o, "--timeout") == 0)
			bad = kv_parse_num(v, 0, 100000000, &kv_cfg.timeout) < 0;
		else
			return kv_usage(argv[0], "unknown option");
		if (bad) {
			char why[160];
			snprintf(why, sizeof why, "bad value for %s", o);
			return kv_usage(argv[0], why);
		}
	}
	if (kv_cfg.port == NULL)
		return kv_usage(argv[0], "--port is required");
	signal(SIGPIPE, SIG_IGN);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	kv_db_resize(16);
	if (kv_db.slot == NULL || kv.aof_start() < 0)
		return 1;
	kv_srv.lfd = kv_listen();
	if (kv_srv.lfd < 0)
		return kv.bind_fail_status;
	kv_srv.sfd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
	kv_srv.ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &kv_srv.lfd};
	struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &kv_srv.sfd};
	if (kv_srv.sfd < 0 || kv_srv.ep < 0 || epoll_ctl(kv_srv.ep, EPOLL_CTL_ADD, kv_srv.lfd, &lev) < 0 ||
	    epoll_ctl(kv_srv.ep, EPOLL_CTL_ADD, kv_srv.sfd, &sev) < 0) {
		kv_log("cannot start the loop: %s", strerror(errno));
		return 1;
	}
	kv_log("listening on %s:%s", kv_cfg.host, kv_cfg.port);
	int64_t period = 1000 / kv_cfg.hz, next_tick = kv_mono_ms() + period;
	for (int stopping = 0; !stopping;) {
		int64_t wait = next_tick - kv_mono_ms();
		struct epoll_event ev[KV_MAX_EVENTS];
		int n = epoll_wait(kv_srv.ep, ev, KV_MAX_EVENTS, kv_srv.wake ? 0 : wait < 0 ? 0 : (int)wait);
		kv_srv.wake = 0;
		if (n < 0 && errno != EINTR) {
			kv_log("epoll_wait: %s", strerror(errno));
			n = 0;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &kv_srv.lfd) {
				kv_accept_all();
			} else if (ev[i].data.ptr == &kv_srv.sfd) {
				stopping = 1;
			} else {
				struct kv_client *c = ev[i].data.ptr;
				if (c->events & EPOLLIN) {
					if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
						kv_on_readable(c);
				} else if (ev[i].events & (EPOLLHUP | EPOLLERR)) {
					c->close_asap = 1; /* not reading it: nothing more to do */
				}
			}
		}
		if (kv_mono_ms() >= next_tick) {
			kv_tick();
			next_tick = kv_mono_ms() + period;
		}
		kv_before_sleep();
	}
	kv_log("stopping");
	close(kv_srv.lfd);
	kv.aof_stop();
	while (kv_srv.clients != NULL)
		kv_client_free(kv_srv.clients);
	kv_log("stopped");
	return kv.stop_status;
}

struct kv_hooks kv = {
	.usage_status = 2,
	.bind_fail_status = 1,
	.stop_status = 0,
	.parse_size = kv_parse_size,
	.max_bulk = 512LL * 1024 * 1024,
	.max_args = INT_MAX, /* redis 7.0: "*N" up to INT_MAX */
	.max_inline = 64 * 1024,
	.read_number = kv_read_number,
	.parse = kv_parse,
	.split_inline = kv_split_inline,
	.protocol_error = kv_protocol_error,
	.run_input = kv_run_input,
	.read_error = kv_close_on_error,
	.send_error = kv_close_on_error,
	.out_add = kv_out_add,
	.reply_int = kv_reply_int_default,
	.lookup = kv_lookup_cmd,
	.unknown = kv_unknown,
	.arity_error = kv_arity_error,
	.allowed_subscribed = kv_allowed_subscribed,
	.set_options = kv_set_options,
	.set_expire = kv_set_expire,
	.ttl_of = kv_ttl_of,
	.add = kv_add_checked,
	.incr = kv_incr,
	.new_entry = kv_new_entry,
	.expired = kv_expired,
	.active_expire = kv_active_expire,
	.match = kv_match,
	.scan_next = kv_scan_next,
	.accept_error = kv_accept_error,
	.too_many = kv_too_many,
	.idle = kv_idle,
	.subscribed = kv_subscribed,
	.deliver = kv_deliver,
	.over_limit = kv_over_limit,
	.forget = kv_forget,
	.aof_start = kv_aof_start,
	.aof_record = kv_aof_record,
	.aof_flush = kv_aof_flush,
	.aof_torn = kv_aof_torn,
	.aof_stop = kv_aof_stop,
};

#endif
