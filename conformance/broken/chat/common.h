/* Shared, correct plumbing for the deliberately broken chat servers.
 *
 * This is a whole, correct chat server (specs/chat.md): one thread, one
 * epoll loop, non-blocking sockets, line framing with a 1000-byte limit, a
 * bounded output queue per client (256 KiB, then LEAVE slow), SIGPIPE
 * ignored, accept errors survived. Each broken program replaces one piece
 * through the `chat` hook table (or one setting) and marks its lines BUG, so
 * that it differs from a correct server in exactly that piece.
 */
#ifndef OSNET_BROKEN_CHAT_COMMON_H
#define OSNET_BROKEN_CHAT_COMMON_H

#include "../broken.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define CHAT_MAX_LINE 1000
#define CHAT_MAX_NICK 16
#define CHAT_OUT_CAP (256 * 1024)

struct chat_client {
	int fd;
	int joined;
	const char *dead;   /* non-NULL: to be closed, with this LEAVE reason */
	char nick[CHAT_MAX_NICK + 1];
	char in[CHAT_MAX_LINE + 2]; /* the line so far (1000 bytes + a '\r') */
	size_t inlen;
	int discarding;     /* inside an over-long line: drop up to its '\n' */
	char *out;          /* out[off..len) is queued, not yet sent */
	size_t off, len, cap;
	uint32_t events;
	struct chat_client *next, **pprev;
};

/* The pieces the broken programs replace. */
struct chat_hooks {
	const char *fixed_port;  /* listen here instead of --port */
	size_t out_cap;          /* bytes queued per client before LEAVE slow */
	int max_clients;         /* 0: no limit */
	int keep_sigpipe;        /* leave SIGPIPE at its default action */
	void (*accepted)(int fd);
	void (*accept_error)(int err);
	void (*on_data)(struct chat_client *c, const char *buf, size_t n);
	void (*line)(struct chat_client *c, char *line, size_t len);
	void (*join)(struct chat_client *c, const char *nick);
	void (*message)(struct chat_client *c, const char *text, size_t len);
	void (*cmd_nick)(struct chat_client *c, const char *nick);
	void (*cmd_who)(struct chat_client *c);
	void (*cmd_quit)(struct chat_client *c);
	int (*nick_taken)(const struct chat_client *self, const char *nick);
	void (*broadcast)(const struct chat_client *except, const char *line, size_t len);
	int (*deliver)(struct chat_client *c, const char *line, size_t len);
	int (*flush)(struct chat_client *c);
};

extern struct chat_hooks chat;

static struct chat_client *chat_clients;   /* in accept order */
static struct chat_client **chat_tail = &chat_clients;
static int chat_nclients, chat_ep, chat_lfd, chat_paused;

/* ---- output ---- */

/* Watches c for EPOLLIN, plus EPOLLOUT while output is queued. */
static inline void chat_rearm(struct chat_client *c)
{
	uint32_t want = EPOLLIN | (c->len > c->off ? EPOLLOUT : 0);
	if (c->dead || want == c->events)
		return;
	struct epoll_event e = {.events = want, .data.ptr = c};
	c->events = want;
	if (epoll_ctl(chat_ep, EPOLL_CTL_MOD, c->fd, &e) < 0)
		c->dead = "closed";
}

/* Sends what the kernel takes now. Returns 0, or -1 (c marked dead) when
 * the connection failed. */
static inline int chat_flush(struct chat_client *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, 0);
		if (n >= 0) {
			c->off += (size_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			c->dead = "closed";
			return -1;
		}
	}
	if (c->off == c->len)
		c->off = c->len = 0;
	chat_rearm(c);
	return 0;
}

/* Appends one line to c's queue and sends what fits. Over the queue bound,
 * or out of memory, the client is dropped (never left with a gap). Returns
 * 0, or -1 when c is (now) dead. */
static inline int chat_deliver(struct chat_client *c, const char *line, size_t len)
{
	if (c->dead)
		return -1;
	if (chat.out_cap && c->len - c->off + len > chat.out_cap) {
		c->dead = "slow";
		return -1;
	}
	if (c->len + len > c->cap) {
		if (c->off > 0) {
			memmove(c->out, c->out + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len + len > c->cap) {
			size_t cap = c->cap ? c->cap : 4096;
			while (cap < c->len + len)
				cap *= 2;
			char *p = realloc(c->out, cap);
			if (p == NULL) {
				c->dead = "closed";
				return -1;
			}
			c->out = p;
			c->cap = cap;
		}
	}
	memcpy(c->out + c->len, line, len);
	c->len += len;
	return chat.flush(c);
}

/* Queues line to every joined client but `except`. */
static inline void chat_broadcast(const struct chat_client *except, const char *line, size_t len)
{
	for (struct chat_client *c = chat_clients; c != NULL; c = c->next)
		if (c->joined && !c->dead && c != except)
			chat.deliver(c, line, len);
}

/* printf into a line and hand it to one client (to != NULL) or broadcast. */
static inline void chat_sayf(struct chat_client *to, const struct chat_client *except,
			     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void chat_sayf(struct chat_client *to, const struct chat_client *except,
			     const char *fmt, ...)
{
	char buf[2 * CHAT_MAX_LINE];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return;
	if (to != NULL)
		chat.deliver(to, buf, (size_t)n);
	else
		chat.broadcast(except, buf, (size_t)n);
}

/* ---- commands ---- */

static inline int chat_nick_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > CHAT_MAX_NICK)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* Is nick used by a joined client other than self, ignoring ASCII case? */
static inline int chat_nick_taken(const struct chat_client *self, const char *nick)
{
	for (struct chat_client *c = chat_clients; c != NULL; c = c->next)
		if (c != self && c->joined && !c->dead && strcasecmp(c->nick, nick) == 0)
			return 1;
	return 0;
}

static inline void chat_join(struct chat_client *c, const char *nick)
{
	strcpy(c->nick, nick);
	c->joined = 1;
	chat_sayf(c, NULL, "WELCOME %s\n", nick);
	chat_sayf(NULL, c, "JOIN %s\n", nick);
}

static inline void chat_message(struct chat_client *c, const char *text, size_t len)
{
	char buf[2 * CHAT_MAX_LINE];
	int n = snprintf(buf, sizeof buf, "MSG %s ", c->nick);
	memcpy(buf + n, text, len);
	buf[n + len] = '\n';
	chat.broadcast(c, buf, n + len + 1);
}

static inline void chat_cmd_nick(struct chat_client *c, const char *nick)
{
	if (!chat_nick_valid(nick)) {
		chat_sayf(c, NULL, "ERR nick-invalid\n");
	} else if (chat.nick_taken(c, nick)) {
		chat_sayf(c, NULL, "ERR nick-taken\n");
	} else {
		char old[CHAT_MAX_NICK + 1];
		strcpy(old, c->nick);
		strcpy(c->nick, nick);
		chat_sayf(NULL, NULL, "NICK %s %s\n", old, nick);
	}
}

static inline int chat_cmp_nicks(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline void chat_cmd_who(struct chat_client *c)
{
	const char **v = malloc(sizeof *v * (size_t)(chat_nclients + 1));
	char *line = malloc((size_t)chat_nclients * (CHAT_MAX_NICK + 1) + 8);
	if (v == NULL || line == NULL) {
		free(v);
		free(line);
		c->dead = "closed";
		return;
	}
	int n = 0;
	for (struct chat_client *p = chat_clients; p != NULL; p = p->next)
		if (p->joined && !p->dead)
			v[n++] = p->nick;
	qsort(v, (size_t)n, sizeof *v, chat_cmp_nicks);
	size_t len = 0;
	memcpy(line, "WHO", 3);
	len = 3;
	for (int i = 0; i < n; i++) {
		line[len++] = ' ';
		size_t k = strlen(v[i]);
		memcpy(line + len, v[i], k);
		len += k;
	}
	line[len++] = '\n';
	chat.deliver(c, line, len);
	free(v);
	free(line);
}

static inline void chat_cmd_quit(struct chat_client *c)
{
	chat_sayf(c, NULL, "BYE\n");
	if (!c->dead)
		c->dead = "quit";
}

/* One whole line (line end removed; line[len] == '\0' but text may hold
 * other bytes). */
static inline void chat_line(struct chat_client *c, char *line, size_t len)
{
	if (!c->joined) {
		if (memchr(line, '\0', len) != NULL || !chat_nick_valid(line))
			chat_sayf(c, NULL, "ERR nick-invalid\n");
		else if (chat.nick_taken(c, line))
			chat_sayf(c, NULL, "ERR nick-taken\n");
		else
			chat.join(c, line);
		return;
	}
	if (len == 0)
		return;
	if (line[0] != '/')
		chat.message(c, line, len);
	else if (strncmp(line, "/nick ", 6) == 0)
		chat.cmd_nick(c, line + 6);
	else if (strcmp(line, "/who") == 0)
		chat.cmd_who(c);
	else if (strcmp(line, "/quit") == 0)
		chat.cmd_quit(c);
	else
		chat_sayf(c, NULL, "ERR unknown-command\n");
}

/* Frames bytes into lines: each '\n' ends one; a '\r' before it is dropped;
 * a line over 1000 bytes gets ERR line-too-long and is discarded whole. */
static inline void chat_on_data(struct chat_client *c, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !c->dead; i++) {
		char ch = buf[i];
		if (ch == '\n') {
			size_t len = c->inlen;
			if (len > 0 && c->in[len - 1] == '\r')
				len--;
			int too_long = c->discarding || len > CHAT_MAX_LINE;
			c->inlen = 0;
			c->discarding = 0;
			if (too_long) {
				chat_sayf(c, NULL, "ERR line-too-long\n");
				continue;
			}
			c->in[len] = '\0';
			chat.line(c, c->in, len);
		} else if (c->discarding) {
			continue;
		} else if (c->inlen == CHAT_MAX_LINE + 1) {
			c->discarding = 1;
		} else {
			c->in[c->inlen++] = ch;
		}
	}
}

/* ---- connections ---- */

/* Closes every dead client; each joined one costs a LEAVE to the others,
 * which may kill more (loop until none is left). Events still to be handled
 * in this round (evs[0..n)) that point at a freed client are dropped. */
static inline void chat_reap(struct epoll_event *evs, int n)
{
	for (;;) {
		struct chat_client *c = chat_clients;
		while (c != NULL && !c->dead)
			c = c->next;
		if (c == NULL)
			return;
		if (strcmp(c->dead, "quit") == 0)
			chat.flush(c); /* BYE goes out before the close */
		*c->pprev = c->next;
		if (c->next)
			c->next->pprev = c->pprev;
		else
			chat_tail = c->pprev;
		chat_nclients--;
		close(c->fd);
		if (c->joined) {
			char nick[CHAT_MAX_NICK + 1];
			strcpy(nick, c->nick);
			const char *why = strcmp(c->dead, "quit") == 0 ? "quit" : c->dead;
			c->joined = 0;
			chat_sayf(NULL, NULL, "LEAVE %s %s\n", nick, why);
		}
		for (int i = 0; i < n; i++)
			if (evs[i].data.ptr == c)
				evs[i].data.ptr = &chat_lfd; /* gone: skip */
		free(c->out);
		free(c);
	}
}

static inline void chat_client_event(struct chat_client *c, uint32_t ev)
{
	if (c->dead)
		return;
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		char buf[16384];
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		if (n > 0)
			chat.on_data(c, buf, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK))
			c->dead = "closed";
	}
	if (!c->dead && (ev & EPOLLOUT))
		chat.flush(c);
}

static inline void chat_open(int fd)
{
	if (chat.max_clients && chat_nclients >= chat.max_clients) {
		close(fd);
		return;
	}
	struct chat_client *c = calloc(1, sizeof *c);
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(chat_ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->pprev = chat_tail;
	*chat_tail = c;
	chat_tail = &c->next;
	chat_nclients++;
	if (chat.accepted)
		chat.accepted(fd);
}

/* Out of descriptors or memory the pending client stays in the backlog:
 * pause the listener (the loop resumes it 10 ms later). Per-connection
 * errors (ECONNABORTED, EINTR, EPROTO, ...) skip to the next one. */
static inline void chat_accept_error(int err)
{
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		chat_paused = 1;
		epoll_ctl(chat_ep, EPOLL_CTL_DEL, chat_lfd, NULL);
	}
}

static inline void chat_accept_all(void)
{
	for (int n = 0; n < 64 && !chat_paused; n++) {
		int fd = accept4(chat_lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			chat_open(fd);
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		else
			chat.accept_error(errno);
	}
}

static inline int chat_listen(const char *host, const char *port)
{
	int fd = broken_bind(host, port, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 1);
	if (listen(fd, 4096) < 0) {
		fprintf(stderr, "listen %s:%s: %s\n", host, port, strerror(errno));
		exit(1);
	}
	fprintf(stderr, "listening on %s:%s\n", host, port);
	return fd;
}

static inline void chat_watch_listener(void)
{
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(chat_ep, EPOLL_CTL_ADD, chat_lfd, &e);
}

/* The whole server: `--host H --port P`, then the loop. Returns 1 when
 * epoll fails; otherwise runs until a signal ends it (SIGTERM's default
 * action: exit by the signal, which the spec allows). */
static inline int chat_main(int argc, char **argv)
{
	const char *host, *port;
	broken_parse_addr(argc, argv, &host, &port);
	if (!chat.keep_sigpipe)
		signal(SIGPIPE, SIG_IGN);
	chat_lfd = chat_listen(host, chat.fixed_port ? chat.fixed_port : port);
	chat_ep = epoll_create1(EPOLL_CLOEXEC);
	if (chat_ep < 0) {
		perror("epoll_create1");
		return 1;
	}
	chat_watch_listener();
	for (;;) {
		struct epoll_event evs[256];
		int n = epoll_wait(chat_ep, evs, 256, chat_paused ? 10 : -1);
		if (chat_paused) {
			chat_paused = 0;
			chat_watch_listener();
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				chat_accept_all();
			else if (evs[i].data.ptr != &chat_lfd)
				chat_client_event(evs[i].data.ptr, evs[i].events);
			chat_reap(evs + i + 1, n - i - 1);
		}
	}
}

struct chat_hooks chat = {
	.out_cap = CHAT_OUT_CAP,
	.accept_error = chat_accept_error,
	.on_data = chat_on_data,
	.line = chat_line,
	.join = chat_join,
	.message = chat_message,
	.cmd_nick = chat_cmd_nick,
	.cmd_who = chat_cmd_who,
	.cmd_quit = chat_cmd_quit,
	.nick_taken = chat_nick_taken,
	.broadcast = chat_broadcast,
	.deliver = chat_deliver,
	.flush = chat_flush,
};

#endif
