/* Shared, correct plumbing for the deliberately broken syscalls programs.
 *
 * This is a whole, correct `syscalls [--sleep-ms MS] FILE` (specs/syscalls.md)
 * in one header: open FILE read-only, read() it into a growing buffer with
 * 64 KiB asked per call until read() returns 0, close it, sleep MS
 * milliseconds with nanosleep() (resumed with what remains after EINTR;
 * the "remaining" argument starts as the request, so an EINTR that never
 * ran the call - strace's injection - resumes with the whole time), then
 * write() the bytes to fd 1, however many calls that takes. Any error: a
 * message `PROG: FILE: strerror`, exit 1, and nothing on stdout; a bad
 * command line: exit 2 before FILE is opened.
 *
 * Each broken program replaces one piece through the `sc` hook table and
 * marks its lines BUG, so that it differs from a correct program in
 * exactly that piece.
 */
#ifndef OSNET_BROKEN_SYSCALLS_COMMON_H
#define OSNET_BROKEN_SYSCALLS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SC_READ_SIZE 65536        /* bytes asked of one read() */
#define SC_MAX_MS 86400000L       /* a day */

/* FILE's content: len bytes at p. */
struct sc_buf {
	char *p;
	size_t len, cap;
};

struct sc_hooks {
	/* --sleep-ms's value: 0, or -1 if it is not a whole number of ms. */
	int (*parse_ms)(const char *s, long *ms);
	long default_ms;
	/* Opens FILE: a descriptor, or -errno. */
	int (*open_file)(const char *path);
	/* Reads fd to its end into b: 0 or -errno. */
	int (*slurp)(int fd, struct sc_buf *b);
	/* What to do with the bytes read before a read error: -errno to report
	 * the error (and print nothing), 0 to go on as if at end of file. */
	int (*read_failed)(int err, struct sc_buf *b);
	/* Sleeps ms milliseconds: 0 or -errno. */
	int (*sleep_ms)(long ms);
	/* Writes n bytes to fd 1: 0 or -errno. */
	int (*emit)(const char *p, size_t n);
	/* Reports FILE's open or read error: the message. */
	void (*file_error)(const char *path, int err);
	bool close_after_sleep; /* BUG switch: close(F) once printed */
	bool print_before_sleep; /* BUG switch: write, then sleep */
};

extern struct sc_hooks sc;
static const char *sc_prog = "syscalls";

/* ---- the correct pieces ---- */

static int sc_parse_ms(const char *s, long *ms)
{
	long v = 0;
	if (*s == '\0')
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > SC_MAX_MS)
			return -1;
	}
	*ms = v;
	return 0;
}

static int sc_open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Appends n bytes to b: 0 or -ENOMEM. */
static int sc_buf_reserve(struct sc_buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : SC_READ_SIZE;
	while (cap < b->len + n)
		cap *= 2;
	char *q = realloc(b->p, cap);
	if (q == NULL)
		return -ENOMEM;
	b->p = q;
	b->cap = cap;
	return 0;
}

/* read() until it returns 0: the only end of a file read() knows. */
static int sc_slurp(int fd, struct sc_buf *b)
{
	for (;;) {
		if (sc_buf_reserve(b, SC_READ_SIZE) < 0)
			return -ENOMEM;
		ssize_t got = read(fd, b->p + b->len, SC_READ_SIZE);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return sc.read_failed(-errno, b);
		}
		if (got == 0)
			return 0;
		b->len += (size_t)got;
	}
}

static int sc_read_failed(int err, struct sc_buf *b)
{
	(void)b;
	return err;
}

/* One nanosleep(), resumed with the remaining time after EINTR. */
static int sc_sleep_ms(long ms)
{
	struct timespec req = {ms / 1000, (ms % 1000) * 1000000L}, rem = req;
	while (nanosleep(&req, &rem) < 0) {
		if (errno != EINTR)
			return -errno;
		req = rem;
	}
	return 0;
}

/* write() may take fewer bytes than given: go on from there. */
static int sc_emit(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t put = write(1, p, n);
		if (put < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += put;
		n -= (size_t)put;
	}
	return 0;
}

static void sc_file_error(const char *path, int err)
{
	fprintf(stderr, "%s: %s: %s\n", sc_prog, path, strerror(-err));
}

struct sc_hooks sc = {
	.parse_ms = sc_parse_ms,
	.default_ms = 100,
	.open_file = sc_open_file,
	.slurp = sc_slurp,
	.read_failed = sc_read_failed,
	.sleep_ms = sc_sleep_ms,
	.emit = sc_emit,
	.file_error = sc_file_error,
};

static int sc_usage(void)
{
	fprintf(stderr, "usage: %s [--sleep-ms MS] FILE\n", sc_prog);
	return 2;
}

/* The whole program. */
static int sc_main(int argc, char **argv)
{
	long ms = sc.default_ms;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sleep-ms") == 0) {
			if (i + 1 == argc || sc.parse_ms(argv[++i], &ms) < 0)
				return sc_usage();
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return sc_usage();
		} else if (path == NULL) {
			path = argv[i];
		} else {
			return sc_usage();
		}
	}
	if (path == NULL)
		return sc_usage();

	int fd = sc.open_file(path);
	if (fd < 0) {
		sc.file_error(path, fd);
		return 1;
	}
	struct sc_buf b = {0};
	int rc = sc.slurp(fd, &b);
	if (rc < 0) {
		sc.file_error(path, rc);
		close(fd);
		return 1;
	}
	if (!sc.close_after_sleep)
		close(fd);
	if (sc.print_before_sleep)
		rc = sc.emit(b.p, b.len);
	int slept = sc.sleep_ms(ms);
	if (slept < 0) {
		fprintf(stderr, "%s: sleep: %s\n", sc_prog, strerror(-slept));
		return 1;
	}
	if (!sc.print_before_sleep)
		rc = sc.emit(b.p, b.len);
	if (sc.close_after_sleep)
		close(fd);
	free(b.p);
	if (rc < 0) {
		fprintf(stderr, "%s: write error: %s\n", sc_prog, strerror(-rc));
		return 1;
	}
	return 0;
}

#endif
