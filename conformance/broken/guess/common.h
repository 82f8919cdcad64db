/* Shared, correct plumbing for the deliberately broken guess servers.
 *
 * This is a whole correct server (specs/guess.md), cut into small functions
 * that a broken program may replace through `struct guess_hooks`: each
 * program in this folder supplies exactly one replacement, with its bug
 * marked BUG, and calls guess_main() with it. Everything it does not
 * replace is right on purpose, so that it fails for its own reason.
 */
#ifndef OSNET_BROKEN_GUESS_COMMON_H
#define OSNET_BROKEN_GUESS_COMMON_H

#include "../broken.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define GUESS_DGRAM_MAX 65536

struct guess_opts {
	const char *host;
	const char *port;
	uint64_t max;
	double idle;
	size_t max_sessions;
};

struct session {
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint64_t secret;
	uint32_t tries;
	uint32_t last_seq; /* 0: nothing counted yet */
	int won;
	char last_reply[48];
	size_t last_len;
	double last_used; /* monotonic seconds */
	double created;
};

struct guess_server {
	int fd;
	struct guess_opts o;
	struct session *s;
	size_t n, cap;
};

/* The replaceable parts; NULL means the correct default below. */
struct guess_hooks {
	/* Parses a datagram: 0 and *seq, *n for a well-formed request, or -1
	 * (malformed) with *seq the request's seq when readable, else 0. */
	int (*parse)(const char *p, size_t len, uint32_t *seq, uint64_t *n);
	/* Whether session s belongs to the client at `peer`. */
	int (*same_client)(const struct session *s, const struct sockaddr_storage *peer,
			   socklen_t peerlen);
	/* Whether s has been idle too long at `now`. */
	int (*expired)(const struct guess_server *g, const struct session *s, double now);
	/* Called when a new client arrives and g->n == max_sessions: returns the
	 * slot to reuse, or NULL to grow the table. */
	struct session *(*make_room)(struct guess_server *g);
	/* What seq says before the guess is played: a retransmission gets the
	 * stored reply, an older seq gets ERR stale. Writes that answer into
	 * out and returns its length, or returns 0 for a new guess. */
	size_t (*seq_check)(struct session *s, uint32_t seq, char *out);
	/* Starts the next game of s (after a win). */
	void (*new_game)(struct guess_server *g, struct session *s);
	/* The hint word for guess n when the secret is `secret`. */
	const char *(*hint)(uint64_t secret, uint64_t n);
	/* Sends one reply. */
	void (*reply)(int fd, const char *out, size_t len, const struct sockaddr *to,
		      socklen_t tolen);
};

static struct guess_hooks guess_h;

static inline double guess_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline uint64_t guess_random_secret(uint64_t max)
{
	static uint64_t x;
	if (x == 0)
		x = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ull;
	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	return 1 + x % max;
}

/* Parses --host --port --max --idle --max-sessions; exits 2 on misuse. */
static inline void guess_parse_args(int argc, char **argv, struct guess_opts *o)
{
	o->host = "127.0.0.1";
	o->port = NULL;
	o->max = 100;
	o->idle = 60;
	o->max_sessions = 65536;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			goto usage;
		if (strcmp(a, "--host") == 0)
			o->host = v;
		else if (strcmp(a, "--port") == 0)
			o->port = v;
		else if (strcmp(a, "--max") == 0)
			o->max = strtoull(v, NULL, 10);
		else if (strcmp(a, "--idle") == 0)
			o->idle = strtod(v, NULL);
		else if (strcmp(a, "--max-sessions") == 0)
			o->max_sessions = strtoull(v, NULL, 10);
		else
			goto usage;
		i++;
	}
	if (o->port && o->max >= 2 && o->idle > 0 && o->max_sessions > 0)
		return;
usage:
	fprintf(stderr, "usage: %s --host H --port P [--max N] [--idle S] [--max-sessions N]\n",
		argv[0]);
	exit(2);
}

static inline int guess_bind(const char *host, const char *port)
{
	int fd = broken_bind(host, port, SOCK_DGRAM, 0);
	int size = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return fd;
}

/* Reads a plain decimal number (digits only) of p[*i..len) up to `stop`
 * (a space, or the end). Returns 0 and *v, or -1. */
static inline int guess_number(const char *p, size_t len, size_t *i, uint64_t limit, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;
	while (*i < len && p[*i] >= '0' && p[*i] <= '9') {
		uint64_t d = (uint64_t)(p[*i] - '0');
		if (x > (limit - d) / 10)
			return -1;
		x = x * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return -1;
	*v = x;
	return 0;
}

static inline int guess_parse_default(const char *p, size_t len, uint32_t *seq, uint64_t *n)
{
	size_t i = 6;
	uint64_t s, v;
	*seq = 0;
	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len < 6 || memcmp(p, "GUESS ", 6) != 0)
		return -1;
	if (guess_number(p, len, &i, UINT32_MAX, &s) < 0 || s == 0 || i >= len || p[i] != ' ')
		return -1;
	*seq = (uint32_t)s;
	i++;
	if (guess_number(p, len, &i, UINT64_MAX, &v) < 0 || i != len)
		return -1;
	*n = v;
	return 0;
}

static inline int guess_same_client_default(const struct session *s,
					    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	return s->peerlen == peerlen && memcmp(&s->peer, peer, peerlen) == 0;
}

static inline int guess_expired_default(const struct guess_server *g, const struct session *s,
					double now)
{
	return now - s->last_used > g->o.idle;
}

/* The least recently used session. */
static inline struct session *guess_make_room_default(struct guess_server *g)
{
	struct session *lru = &g->s[0];
	for (size_t i = 1; i < g->n; i++)
		if (g->s[i].last_used < lru->last_used)
			lru = &g->s[i];
	return lru;
}

static inline const char *guess_hint_default(uint64_t secret, uint64_t n)
{
	return secret > n ? "HIGHER" : secret < n ? "LOWER" : "CORRECT";
}

static inline const char *guess_hint(uint64_t secret, uint64_t n)
{
	return (guess_h.hint ? guess_h.hint : guess_hint_default)(secret, n);
}

static inline void guess_new_game(struct guess_server *g, struct session *s)
{
	s->secret = guess_random_secret(g->o.max);
	s->tries = 0;
	s->won = 0;
}

static inline size_t guess_seq_check_default(struct session *s, uint32_t seq, char *out)
{
	if (s->last_seq != 0 && seq == s->last_seq) { /* a retransmission: the same answer */
		memcpy(out, s->last_reply, s->last_len);
		return s->last_len;
	}
	if (seq < s->last_seq)
		return (size_t)sprintf(out, "ERR %u stale\n", seq);
	return 0;
}

/* The game: writes the reply to request (seq, n) of session s into out. */
static inline size_t guess_play(struct guess_server *g, struct session *s, uint32_t seq,
				uint64_t n, char *out)
{
	size_t len = (guess_h.seq_check ? guess_h.seq_check : guess_seq_check_default)(s, seq, out);
	if (len > 0)
		return len;
	if (n < 1 || n > g->o.max)
		return (size_t)sprintf(out, "ERR %u range\n", seq);
	if (s->won)
		(guess_h.new_game ? guess_h.new_game : guess_new_game)(g, s);
	s->tries++;
	s->last_seq = seq;
	const char *word = guess_hint(s->secret, n);
	s->won = strcmp(word, "CORRECT") == 0;
	s->last_len = (size_t)sprintf(s->last_reply, "%s %u %u\n", word, seq, s->tries);
	memcpy(out, s->last_reply, s->last_len);
	return s->last_len;
}

static inline void guess_reply_default(int fd, const char *out, size_t len,
				       const struct sockaddr *to, socklen_t tolen)
{
	sendto(fd, out, len, 0, to, tolen);
}

/* The session of the client at peer: found (expired ones start afresh) or created. */
static inline struct session *guess_session(struct guess_server *g,
					    const struct sockaddr_storage *peer, socklen_t peerlen,
					    double now)
{
	int (*same)(const struct session *, const struct sockaddr_storage *, socklen_t) =
		guess_h.same_client ? guess_h.same_client : guess_same_client_default;
	int (*expired)(const struct guess_server *, const struct session *, double) =
		guess_h.expired ? guess_h.expired : guess_expired_default;
	struct session *s = NULL;
	for (size_t i = 0; i < g->n && !s; i++)
		if (same(&g->s[i], peer, peerlen))
			s = &g->s[i];
	if (s && expired(g, s, now)) {
		s->last_seq = 0;
		guess_new_game(g, s);
	}
	if (!s) {
		if (g->n >= g->o.max_sessions)
			s = (guess_h.make_room ? guess_h.make_room : guess_make_room_default)(g);
		if (!s) {
			if (g->n == g->cap) {
				size_t cap = g->cap ? 2 * g->cap : 64;
				struct session *ns = realloc(g->s, cap * sizeof *ns);
				if (!ns)
					return NULL;
				g->s = ns, g->cap = cap;
			}
			s = &g->s[g->n++];
		}
		memset(s, 0, sizeof *s);
		memcpy(&s->peer, peer, peerlen);
		s->peerlen = peerlen;
		s->created = now;
		guess_new_game(g, s);
	}
	s->last_used = now;
	return s;
}

static inline void guess_handle(struct guess_server *g, const char *buf, size_t len,
				const struct sockaddr_storage *from, socklen_t fromlen)
{
	char out[64];
	size_t outlen;
	uint32_t seq;
	uint64_t n;
	int rc = (guess_h.parse ? guess_h.parse : guess_parse_default)(buf, len, &seq, &n);
	if (rc < 0) {
		outlen = (size_t)sprintf(out, "ERR %u malformed\n", seq);
	} else {
		struct session *s = guess_session(g, from, fromlen, guess_now());
		if (!s)
			return;
		outlen = guess_play(g, s, seq, n, out);
	}
	(guess_h.reply ? guess_h.reply : guess_reply_default)(g->fd, out, outlen,
							       (const struct sockaddr *)from, fromlen);
}

/* Serves with options o until killed (SIGTERM's default action). */
static inline int guess_serve(const struct guess_opts *o, const struct guess_hooks *hooks)
{
	static struct guess_server g;
	static char buf[GUESS_DGRAM_MAX];
	if (hooks)
		guess_h = *hooks;
	g.o = *o;
	g.fd = guess_bind(g.o.host, g.o.port);
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof from;
		ssize_t n = recvfrom(g.fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			perror("recvfrom");
			return 1;
		}
		guess_handle(&g, buf, (size_t)n, &from, fromlen);
	}
}

/* Parses the arguments and serves. */
static inline int guess_main(int argc, char **argv, const struct guess_hooks *hooks)
{
	struct guess_opts o;
	guess_parse_args(argc, argv, &o);
	return guess_serve(&o, hooks);
}

#endif
