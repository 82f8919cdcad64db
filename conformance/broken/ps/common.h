/* Shared, correct plumbing for the deliberately broken ps programs.
 *
 * This is a whole, correct mps (specs/ps.md) in one header, written to be
 * read rather than to be fast: list the numeric entries of /proc, then for
 * each PID read /proc/PID/stat (comm from the first '(' to the LAST ')',
 * then the state and the PPID) and /proc/PID/cmdline (read until read()
 * returns 0, however long), and print `PID PPID STAT ARGS`. ARGS is the
 * command line with its NULs as spaces, `[comm]` when it is empty, `[comm]
 * <defunct>` for a zombie, each byte sequence that is not a printable
 * UTF-8 character shown as '?'. A process whose files vanish (ENOENT,
 * ESRCH, an empty stat) has ended: it is left out without a word. Any other
 * error on its files is reported and makes the exit status 1; /proc itself
 * failing is fatal (status 1, no process line).
 *
 * Each broken program replaces one piece through the `ps` hook table and
 * marks its lines BUG, so that it differs from a correct program in
 * exactly that piece.
 */
#ifndef OSNET_BROKEN_PS_COMMON_H
#define OSNET_BROKEN_PS_COMMON_H

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A growing byte buffer: len bytes at p (not NUL-terminated). */
struct ps_buf {
	char *p;
	size_t len, cap;
};

/* What the program knows of one process. */
struct ps_row {
	int pid, ppid;
	char state;
	char comm[64];     /* field (2) of stat, without its parentheses */
	size_t commlen;
	struct ps_buf cmd; /* /proc/PID/cmdline as read */
};

struct ps_hooks {
	/* Every PID of /proc, in the order of the directory: 0 or -errno. */
	int (*list_pids)(int **pids, size_t *n);
	/* The whole file at path into b (b->len = 0 first): 0 or -errno. */
	int (*read_file)(const char *path, struct ps_buf *b);
	/* Fields (2) to (4) of a /proc/PID/stat text: 0, or -1 if malformed. */
	int (*parse_stat)(const char *s, size_t n, struct ps_row *r);
	/* One process: 0, or -errno with the file that failed in path. */
	int (*read_row)(int pid, struct ps_row *r, char *path, size_t pathsz);
	/* True when err means "the process has ended": leave it out quietly. */
	bool (*gone)(int err);
	/* Appends n raw bytes to out as they may be shown (controls, bad UTF-8 -> '?'). */
	void (*show)(struct ps_buf *out, const unsigned char *s, size_t n);
	/* Appends ARGS of r to out. */
	void (*args)(struct ps_buf *out, const struct ps_row *r);
	/* Prints r's line (and nothing when it should not be listed). */
	void (*print_row)(const struct ps_row *r);
	/* Flushes stdout at the end: 0, or -1 after a message. */
	int (*finish)(void);
	int error_status; /* exit status after a process's file failed */
	const char *header; /* the first line, without its newline */
};

extern struct ps_hooks ps;
static const char *ps_prog = "mps";

/* ---- small tools ---- */

/* Appends n bytes to b; exits 1 when memory runs out. */
static void ps_buf_add(struct ps_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (q == NULL) {
			fprintf(stderr, "%s: out of memory\n", ps_prog);
			exit(1);
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void ps_buf_addc(struct ps_buf *b, char c)
{
	ps_buf_add(b, &c, 1);
}

/* ---- the correct pieces ---- */

/* The numeric entries of /proc: processes (threads are not listed there).
 * readdir() returning NULL with errno set is a failed getdents64. */
static int ps_list_pids(int **pids, size_t *n)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return -errno;
	size_t cap = 256;
	*n = 0;
	*pids = malloc(cap * sizeof **pids);
	if (*pids == NULL) {
		closedir(d);
		return -ENOMEM;
	}
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (e == NULL) {
			int err = errno;
			closedir(d);
			return err ? -err : 0;
		}
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (*n == cap) {
			int *q = realloc(*pids, 2 * cap * sizeof *q);
			if (q == NULL) {
				closedir(d);
				return -ENOMEM;
			}
			*pids = q;
			cap *= 2;
		}
		(*pids)[(*n)++] = atoi(e->d_name);
	}
}

/* Reads until read() returns 0: /proc files have no size, and a command
 * line can be 100 KB. */
static int ps_read_file(const char *path, struct ps_buf *b)
{
	b->len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		char chunk[16384];
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
		if (got == 0)
			break;
		ps_buf_add(b, chunk, (size_t)got);
	}
	close(fd);
	return 0;
}

/* comm runs from the first '(' to the last ')': it may itself hold spaces
 * and parentheses (proc(5)). After it: " state ppid ...". */
static int ps_parse_stat(const char *s, size_t n, struct ps_row *r)
{
	const char *lo = memchr(s, '(', n), *hi = NULL;
	for (const char *p = s + n; p > s; p--)
		if (p[-1] == ')') {
			hi = p - 1;
			break;
		}
	if (lo == NULL || hi == NULL || hi < lo || (size_t)(s + n - hi) < 5)
		return -1;
	r->commlen = (size_t)(hi - lo - 1);
	if (r->commlen >= sizeof r->comm)
		r->commlen = sizeof r->comm - 1;
	memcpy(r->comm, lo + 1, r->commlen);
	char rest[64];
	size_t m = (size_t)(s + n - hi - 1) < sizeof rest - 1 ? (size_t)(s + n - hi - 1) : sizeof rest - 1;
	memcpy(rest, hi + 1, m);
	rest[m] = '\0';
	return sscanf(rest, " %c %d", &r->state, &r->ppid) == 2 ? 0 : -1;
}

static int ps_read_row(int pid, struct ps_row *r, char *path, size_t pathsz)
{
	struct ps_buf st = {0};
	r->pid = pid;
	snprintf(path, pathsz, "/proc/%d/stat", pid);
	int rc = ps.read_file(path, &st);
	if (rc == 0 && (st.len == 0 || ps.parse_stat(st.p, st.len, r) < 0))
		rc = st.len == 0 ? -ESRCH : -EINVAL; /* empty: it has just ended */
	free(st.p);
	if (rc < 0)
		return rc;
	snprintf(path, pathsz, "/proc/%d/cmdline", pid);
	return ps.read_file(path, &r->cmd);
}

static bool ps_gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

/* The length of a valid UTF-8 character at s (n bytes left), or 0: the
 * lead byte gives the length, every continuation byte must be 10xxxxxx,
 * and overlong forms, surrogates and code points past U+10FFFF are out. */
static size_t ps_utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/* Printable characters as they are; C0 controls, DEL, C1 controls (c2 80
 * to c2 9f) and every byte that starts no valid character: one '?'. */
static void ps_show(struct ps_buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = ps_utf8_len(s + i, n - i);
		if (len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7f)) ||
		    (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			ps_buf_addc(out, '?');
			i += len ? len : 1;
		} else {
			ps_buf_add(out, s + i, len);
			i += len;
		}
	}
}

/* The command line with its NULs as spaces, the last one dropped; an
 * empty one (kernel thread, zombie) as [comm]. */
static void ps_args(struct ps_buf *out, const struct ps_row *r)
{
	size_t n = r->cmd.len;
	if (r->state == 'Z' || n == 0) {
		ps_buf_addc(out, '[');
		ps.show(out, (const unsigned char *)r->comm, r->commlen);
		ps_buf_addc(out, ']');
		if (r->state == 'Z')
			ps_buf_add(out, " <defunct>", 10);
		return;
	}
	if (r->cmd.p[n - 1] == '\0')
		n--;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && r->cmd.p[i] != '\0')
			continue;
		if (start)
			ps_buf_addc(out, ' ');
		ps.show(out, (const unsigned char *)r->cmd.p + start, i - start);
		start = i + 1;
	}
}

static void ps_print_row(const struct ps_row *r)
{
	struct ps_buf a = {0};
	ps.args(&a, r);
	printf("%7d %7d %c    ", r->pid, r->ppid, r->state);
	fwrite(a.p, 1, a.len, stdout);
	putchar('\n');
	free(a.p);
}

static int ps_finish(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", ps_prog, strerror(errno));
		return -1;
	}
	return 0;
}

struct ps_hooks ps = {
	.list_pids = ps_list_pids,
	.read_file = ps_read_file,
	.parse_stat = ps_parse_stat,
	.read_row = ps_read_row,
	.gone = ps_gone,
	.show = ps_show,
	.args = ps_args,
	.print_row = ps_print_row,
	.finish = ps_finish,
	.error_status = 1,
	.header = "    PID    PPID STAT COMMAND",
};

/* The whole program: `mps`, no arguments. */
static int ps_main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: %s\n", ps_prog);
		return 2;
	}
	int *pids = NULL;
	size_t n = 0;
	int rc = ps.list_pids(&pids, &n);
	if (rc < 0) {
		fprintf(stderr, "%s: /proc: %s\n", ps_prog, strerror(-rc));
		return 1;
	}
	int status = 0;
	printf("%s\n", ps.header);
	for (size_t i = 0; i < n; i++) {
		struct ps_row r = {0};
		char path[64];
		rc = ps.read_row(pids[i], &r, path, sizeof path);
		if (rc == 0) {
			ps.print_row(&r);
		} else if (!ps.gone(rc)) {
			fprintf(stderr, "%s: %s: %s\n", ps_prog, path, strerror(-rc));
			status = ps.error_status;
		}
		free(r.cmd.p);
	}
	free(pids);
	if (ps.finish() < 0)
		return 1;
	return status;
}

#endif
