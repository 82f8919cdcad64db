/* Shared, correct plumbing for the deliberately broken lsof programs.
 *
 * This is a whole, correct mlsof (specs/lsof.md) in one header, written to
 * be read rather than to be fast. The operands are checked first (decimal
 * digits only, else usage and exit 2) and sorted; without operands the
 * PIDs are the numeric entries of /proc. For each process the entries of
 * /proc/PID/fd are read, sorted as numbers, and each is shown as `PID FD
 * TYPE NAME`: NAME from readlink() (grown until it fits: a target can be
 * 4 KB, and readlink does not terminate it), TYPE from stat(), which
 * follows the link to the open file even when its name is gone; a target
 * `anon_inode:...` whose stat has no type is `a_inode`.
 *
 * What vanishes while it is read (ENOENT, ESRCH: a process that ended, a
 * descriptor just closed) is left out without a word; any other error is
 * reported and makes the exit status 1. A PID operand with no /proc/PID is
 * `PROG: PID: No such process`.
 *
 * Each broken program replaces one piece through the `lsof` hook table and
 * marks its lines BUG, so that it differs from a correct program in
 * exactly that piece.
 */
#ifndef OSNET_BROKEN_LSOF_COMMON_H
#define OSNET_BROKEN_LSOF_COMMON_H

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

struct lsof_hooks {
	/* An operand as a PID: 0, or -1 if it is not a decimal number. */
	int (*parse_pid)(const char *s, int *pid);
	/* Every PID of /proc (no operands): 0 or -errno. */
	int (*all_pids)(int **pids, size_t *n);
	/* Puts the PIDs, then one process's fds, in the order they are listed. */
	void (*order_pids)(int *pids, size_t n);
	void (*order_fds)(int *fds, size_t n);
	/* The descriptors of pid (the entries of /proc/PID/fd): 0 or -errno. */
	int (*list_fds)(int pid, int **fds, size_t *n);
	/* readlink(path) into a malloc'd, NUL-terminated *name: 0 or -errno. */
	int (*read_link)(const char *path, char **name, size_t *len);
	/* TYPE of the descriptor at path whose target is name; NULL when
	 * stat says it has just been closed. */
	const char *(*type_of)(const char *path, const char *name);
	/* True when err means "it has just ended or been closed": skip quietly. */
	bool (*gone)(int err);
	/* Prints one line (NAME's control bytes as '?'). */
	void (*print_line)(int pid, int fd, const char *type, const char *name, size_t len);
	/* Flushes stdout at the end: 0, or -1 after a message. */
	int (*finish)(void);
	int missing_pid_status; /* exit status after `PID: No such process` */
};

extern struct lsof_hooks lsof;
static const char *lsof_prog = "mlsof";

/* ---- the correct pieces ---- */

static int lsof_parse_pid(const char *s, int *pid)
{
	long v = 0;
	if (*s == '\0')
		return -1;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 1 << 30)
			v = 1 << 30; /* far above pid_max: simply no such process */
	}
	*pid = (int)v;
	return 0;
}

/* The numeric entries of `dir` (as ints) into *out: 0 or -errno. A failing
 * readdir (getdents64) is told from the end by errno. */
static int lsof_numeric_entries(const char *dir, int **out, size_t *n)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	size_t cap = 64;
	*n = 0;
	*out = malloc(cap * sizeof **out);
	if (*out == NULL) {
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
			int *q = realloc(*out, 2 * cap * sizeof *q);
			if (q == NULL) {
				closedir(d);
				return -ENOMEM;
			}
			*out = q;
			cap *= 2;
		}
		(*out)[(*n)++] = atoi(e->d_name);
	}
}

static int lsof_all_pids(int **pids, size_t *n)
{
	return lsof_numeric_entries("/proc", pids, n);
}

static int lsof_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void lsof_sort(int *v, size_t n)
{
	qsort(v, n, sizeof *v, lsof_int_cmp);
}

static int lsof_list_fds(int pid, int **fds, size_t *n)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
	return lsof_numeric_entries(dir, fds, n);
}

/* readlink() fills at most the size it is given and adds no NUL: a result
 * as long as the buffer may be cut, so grow and ask again. */
static int lsof_read_link(const char *path, char **name, size_t *len)
{
	size_t cap = 256;
	for (;;) {
		char *buf = malloc(cap);
		if (buf == NULL)
			return -ENOMEM;
		ssize_t got = readlink(path, buf, cap);
		if (got < 0) {
			int err = errno;
			free(buf);
			return -err;
		}
		if ((size_t)got < cap) {
			buf[got] = '\0';
			*name = buf;
			*len = (size_t)got;
			return 0;
		}
		free(buf);
		cap *= 2;
	}
}

static const char *lsof_type_of(const char *path, const char *name)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		switch (st.st_mode & S_IFMT) {
		case S_IFREG: return "REG";
		case S_IFDIR: return "DIR";
		case S_IFCHR: return "CHR";
		case S_IFBLK: return "BLK";
		case S_IFIFO: return "FIFO";
		case S_IFSOCK: return "SOCK";
		case S_IFLNK: return "LNK";
		}
	} else if (errno == ENOENT) {
		return NULL; /* closed between readlink and stat */
	}
	return strncmp(name, "anon_inode:", 11) == 0 ? "a_inode" : "unknown";
}

static bool lsof_gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

static void lsof_print_line(int pid, int fd, const char *type, const char *name, size_t len)
{
	printf("%d %d %s ", pid, fd, type);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		putchar(c < 0x20 || c == 0x7f ? '?' : c);
	}
	putchar('\n');
}

static int lsof_finish(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", lsof_prog, strerror(errno));
		return -1;
	}
	return 0;
}

struct lsof_hooks lsof = {
	.parse_pid = lsof_parse_pid,
	.all_pids = lsof_all_pids,
	.order_pids = lsof_sort,
	.order_fds = lsof_sort,
	.list_fds = lsof_list_fds,
	.read_link = lsof_read_link,
	.type_of = lsof_type_of,
	.gone = lsof_gone,
	.print_line = lsof_print_line,
	.finish = lsof_finish,
	.missing_pid_status = 1,
};

/* One process: its lines; returns the exit status it calls for (0 or 1). */
static int lsof_process(int pid, bool operand)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d", pid);
	if (operand && stat(path, &st) < 0) {
		fprintf(stderr, "%s: %d: No such process\n", lsof_prog, pid);
		return lsof.missing_pid_status;
	}
	int *fds = NULL;
	size_t n = 0;
	int rc = lsof.list_fds(pid, &fds, &n);
	if (rc < 0) {
		free(fds);
		if (lsof.gone(rc))
			return 0;
		fprintf(stderr, "%s: /proc/%d/fd: %s\n", lsof_prog, pid, strerror(-rc));
		return 1;
	}
	lsof.order_fds(fds, n);
	int status = 0;
	for (size_t i = 0; i < n; i++) {
		char *name;
		size_t len;
		snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fds[i]);
		rc = lsof.read_link(path, &name, &len);
		if (rc < 0) {
			if (!lsof.gone(rc)) {
				fprintf(stderr, "%s: %s: %s\n", lsof_prog, path, strerror(-rc));
				status = 1;
			}
			continue;
		}
		const char *type = lsof.type_of(path, name);
		if (type != NULL)
			lsof.print_line(pid, fds[i], type, name, len);
		free(name);
	}
	free(fds);
	return status;
}

/* The whole program: `mlsof [PID...]`. */
static int lsof_main(int argc, char **argv)
{
	int *pids = NULL;
	size_t n = 0;
	bool operands = argc > 1;
	if (operands) {
		pids = malloc((size_t)argc * sizeof *pids);
		if (pids == NULL)
			return 1;
		for (int i = 1; i < argc; i++)
			if (lsof.parse_pid(argv[i], &pids[n++]) < 0) {
				fprintf(stderr, "usage: %s [PID...]\n", lsof_prog);
				return 2;
			}
	} else {
		int rc = lsof.all_pids(&pids, &n);
		if (rc < 0) {
			fprintf(stderr, "%s: /proc: %s\n", lsof_prog, strerror(-rc));
			return 1;
		}
	}
	lsof.order_pids(pids, n);
	int status = 0;
	printf("PID FD TYPE NAME\n");
	for (size_t i = 0; i < n; i++)
		if (lsof_process(pids[i], operands) != 0)
			status = 1;
	free(pids);
	if (lsof.finish() < 0)
		return 1;
	return status;
}

#endif
