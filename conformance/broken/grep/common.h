/* Shared, correct plumbing for the deliberately broken grep programs.
 *
 * This is a whole, correct mgrep (specs/grep.md: GNU grep 3.8 in the C
 * locale, fixed strings only) in one header, written to be read rather
 * than to be fast. Each file is read through a buffer that grows until it
 * holds the longest line; complete lines are searched as soon as they are
 * in, so a read error drops only the unfinished line. Output goes through
 * a 64 KiB buffer written with write(); a failed write ends the program
 * with "write error" and status 2.
 *
 * Each broken program replaces one piece through the `grep` hook table (or
 * flips one of its values) and marks its lines BUG, so that it differs
 * from a correct grep in exactly that piece.
 */
#ifndef OSNET_BROKEN_GREP_COMMON_H
#define OSNET_BROKEN_GREP_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define GREP_CHUNK (64 * 1024) /* the least a read() is asked for */

/* One file being searched: the bytes buf[start..len) are not handled yet,
 * and buf[start..scan) is known to hold no newline. */
struct grep_file {
	int fd;
	const char *name;      /* as messages and prefixes show it */
	char *buf;
	size_t cap, start, scan, len;
	long long count;       /* selected lines */
	int binary;            /* a NUL byte was seen: lines are not printed */
	int binary_matched;    /* ... and one was selected */
	int short_reads;       /* free for a broken reader's bookkeeping */
};

/* The pieces the broken programs replace. */
struct grep_hooks {
	int usage_status;                 /* exit status of a bad command line */
	int (*parse)(int argc, char **argv); /* the options and the pattern: the index
					      * of the first file operand */
	const char *stdin_name;           /* the name of standard input */
	void (*add_pattern)(const char *s);  /* one -e (or the PATTERN operand) */
	void (*prepare)(void);            /* after parsing: fold the patterns for -i */
	unsigned char (*fold)(unsigned char c); /* -i: the byte both sides are compared as */
	int (*match)(const char *p, size_t n);  /* does a pattern occur in the text? */
	int (*show_names)(int nops, char **ops); /* the NAME: prefix on lines and counts? */
	char *(*root_prefix)(const char *operand); /* what -r puts before a name found in the
						    * operand (NULL: no operand); malloc'd */
	int (*lstat_at)(int dirfd, const char *name, struct stat *st); /* -r: an entry */
	void (*open_error)(const char *name, int err);
	void (*search)(int fd, const char *name); /* one open file, start to end */
	void (*file_start)(struct grep_file *f);
	/* more bytes into p[0..n): the count, 0 at the end, -errno */
	long (*fill)(struct grep_file *f, char *p, size_t n);
	int (*is_binary)(const char *p, size_t n); /* a freshly read chunk */
	int (*line)(struct grep_file *f, const char *p, size_t n); /* 1: stop reading the file */
	void (*last_line)(struct grep_file *f, const char *p, size_t n); /* one without '\n' */
	void (*read_error)(struct grep_file *f, int err);
	void (*file_end)(struct grep_file *f); /* -c's count, -l's name, the binary message */
	void (*quiet_match)(void);        /* -q and a line selected */
	void (*binary_matches)(struct grep_file *f);
	void (*write_out)(const void *p, size_t n); /* writes all of it, or fails */
	int (*final_status)(void);
};

extern struct grep_hooks grep;

/* ---- settings and state ---- */

static struct {
	int icase, invert, number, count, list, quiet, recursive;
	int names;          /* -H: 1, -h: -1, neither: 0 (the last one given wins) */
} grep_opt;

static struct {
	char **p;
	size_t *n;
	size_t len, cap;
} grep_pats;

static const char *grep_prog = "mgrep";
static int grep_errseen;      /* a file could not be opened or read */
static int grep_selected;     /* a line was selected somewhere */
static int grep_names;        /* the NAME: prefix is shown */
static long long grep_lineno; /* in the current file */

static struct {
	char buf[64 * 1024];
	size_t len;
} grep_out;

/* ---- small helpers ---- */

/* Exits with status 2 after a message: nothing sensible is left to do. */
static void grep_die_nomem(void) __attribute__((noreturn));
static void grep_die_nomem(void)
{
	fprintf(stderr, "%s: memory exhausted\n", grep_prog);
	exit(2);
}

static void *grep_xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		grep_die_nomem();
	return p;
}

/* The message every failure on a file gets: `PROG: NAME: strerror`. */
static void grep_file_error(const char *name, int err)
{
	fprintf(stderr, "%s: %s: %s\n", grep_prog, name, strerror(err));
	grep_errseen = 1;
}

/* ---- output ---- */

static void grep_write_all(const void *p, size_t n)
{
	const char *q = p;
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			/* GNU grep's wording; the status says "trouble" */
			fprintf(stderr, "%s: write error: %s\n", grep_prog, strerror(errno));
			exit(2);
		}
		q += w;
		n -= (size_t)w;
	}
}

static void grep_flush(void)
{
	size_t n = grep_out.len;
	grep_out.len = 0;
	if (n > 0)
		grep.write_out(grep_out.buf, n);
}

/* Queues n bytes for stdout; writes straight through what does not fit. */
static void grep_put(const void *p, size_t n)
{
	if (grep_out.len + n > sizeof grep_out.buf) {
		grep_flush();
		if (n > sizeof grep_out.buf) {
			grep.write_out(p, n);
			return;
		}
	}
	memcpy(grep_out.buf + grep_out.len, p, n);
	grep_out.len += n;
}

static void grep_puts(const char *s)
{
	grep_put(s, strlen(s));
}

/* ---- patterns ---- */

static void grep_push_pattern(const char *s, size_t n)
{
	if (grep_pats.len == grep_pats.cap) {
		grep_pats.cap = grep_pats.cap ? 2 * grep_pats.cap : 8;
		grep_pats.p = grep_xrealloc(grep_pats.p, grep_pats.cap * sizeof *grep_pats.p);
		grep_pats.n = grep_xrealloc(grep_pats.n, grep_pats.cap * sizeof *grep_pats.n);
	}
	char *copy = malloc(n + 1);
	if (copy == NULL)
		grep_die_nomem();
	memcpy(copy, s, n);
	copy[n] = '\0';
	grep_pats.p[grep_pats.len] = copy;
	grep_pats.n[grep_pats.len++] = n;
}

/* A pattern argument is a list: every newline-separated part, empty ones
 * included, is a pattern of its own. */
static void grep_add_pattern(const char *s)
{
	for (;;) {
		const char *nl = strchr(s, '\n');
		if (nl == NULL) {
			grep_push_pattern(s, strlen(s));
			return;
		}
		grep_push_pattern(s, (size_t)(nl - s));
		s = nl + 1;
	}
}

/* In the C locale only A-Z are capitals. */
static unsigned char grep_fold_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* With -i the patterns are folded once here; lines are folded as they are
 * compared. */
static void grep_prepare(void)
{
	if (!grep_opt.icase)
		return;
	for (size_t i = 0; i < grep_pats.len; i++)
		for (size_t j = 0; j < grep_pats.n[i]; j++)
			grep_pats.p[i][j] = (char)grep.fold((unsigned char)grep_pats.p[i][j]);
}

/* -i: every byte as grep.fold() sees it, looked up rather than called
 * (a 100 MB line is searched byte by byte). */
static unsigned char grep_folded[256];

/* Does pat[0..m) occur in p[0..n)? The empty pattern occurs everywhere. */
static int grep_find(const char *p, size_t n, const char *pat, size_t m)
{
	if (m == 0)
		return 1;
	if (!grep_opt.icase)
		return memmem(p, n, pat, m) != NULL;
	const unsigned char *s = (const unsigned char *)p, *t = (const unsigned char *)pat;
	for (size_t i = 0; i + m <= n; i++) {
		if (grep_folded[s[i]] != t[0])
			continue;
		size_t j = 1;
		while (j < m && grep_folded[s[i + j]] == t[j])
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

static int grep_match(const char *p, size_t n)
{
	for (size_t i = 0; i < grep_pats.len; i++)
		if (grep_find(p, n, grep_pats.p[i], grep_pats.n[i]))
			return 1;
	return 0;
}

/* ---- lines ---- */

/* `NAME:` and `N:` as asked, then the text and a newline. */
static void grep_print_line(struct grep_file *f, const char *p, size_t n)
{
	if (grep_names) {
		grep_puts(f->name);
		grep_put(":", 1);
	}
	if (grep_opt.number) {
		char num[32];
		snprintf(num, sizeof num, "%lld:", grep_lineno);
		grep_puts(num);
	}
	grep_put(p, n);
	grep_put("\n", 1);
}

static int grep_line(struct grep_file *f, const char *p, size_t n)
{
	grep_lineno++;
	if (grep.match(p, n) == grep_opt.invert)
		return 0; /* not selected */
	f->count++;
	grep_selected = 1;
	if (grep_opt.quiet)
		grep.quiet_match();
	if (grep_opt.list)
		return 1; /* the name is all -l wants: it is printed at the end */
	if (grep_opt.count)
		return 0;
	if (f->binary) {
		f->binary_matched = 1; /* GNU grep says so once and stops reading */
		return 1;
	}
	grep_print_line(f, p, n);
	return 0;
}

static void grep_last_line(struct grep_file *f, const char *p, size_t n)
{
	grep.line(f, p, n);
}

static void grep_file_start(struct grep_file *f)
{
	(void)f;
	grep_lineno = 0;
}

static long grep_fill(struct grep_file *f, char *p, size_t n)
{
	for (;;) {
		ssize_t r = read(f->fd, p, n);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return -errno;
	}
}

static int grep_is_binary(const char *p, size_t n)
{
	return memchr(p, '\0', n) != NULL;
}

/* The lines already searched stay printed; the unfinished one is dropped. */
static void grep_read_error(struct grep_file *f, int err)
{
	grep_file_error(f->name, err);
}

static void grep_quiet_match(void)
{
	exit(0); /* even after an error: the question was answered */
}

static void grep_binary_matches(struct grep_file *f)
{
	fprintf(stderr, "%s: %s: binary file matches\n", grep_prog, f->name);
}

/* What is printed once a file has been searched: its count (-c) or its
 * name (-l), and the binary file's message. */
static void grep_file_end(struct grep_file *f)
{
	if (grep_opt.quiet) {
		/* -q prints nothing, not even counts or names */
	} else if (grep_opt.list) {
		if (f->count > 0) {
			grep_puts(f->name);
			grep_put("\n", 1);
		}
	} else if (grep_opt.count) {
		char num[32];
		if (grep_names) {
			grep_puts(f->name);
			grep_put(":", 1);
		}
		snprintf(num, sizeof num, "%lld\n", f->count);
		grep_puts(num);
	}
	if (f->binary_matched)
		grep.binary_matches(f);
}

/* Searches the open file fd, called name; reads it to its end unless a
 * line stops it (-l, -q, a binary file). */
static void grep_fd(int fd, const char *name)
{
	struct grep_file f = {.fd = fd, .name = name, .cap = 2 * GREP_CHUNK};
	int stop = 0;
	f.buf = grep_xrealloc(NULL, f.cap);
	grep.file_start(&f);
	for (;;) {
		while (!stop) {
			char *nl = memchr(f.buf + f.scan, '\n', f.len - f.scan);
			if (nl == NULL) {
				f.scan = f.len;
				break;
			}
			size_t end = (size_t)(nl - f.buf);
			stop = grep.line(&f, f.buf + f.start, end - f.start);
			f.start = f.scan = end + 1;
		}
		if (stop)
			break;
		if (f.start > 0) { /* keep only the unfinished line */
			memmove(f.buf, f.buf + f.start, f.len - f.start);
			f.len -= f.start;
			f.scan -= f.start;
			f.start = 0;
		}
		if (f.cap - f.len < GREP_CHUNK) { /* a line longer than the buffer: grow it */
			f.cap *= 2;
			f.buf = grep_xrealloc(f.buf, f.cap);
		}
		long r = grep.fill(&f, f.buf + f.len, f.cap - f.len);
		if (r < 0) {
			grep.read_error(&f, (int)-r);
			break;
		}
		if (r == 0) {
			if (f.len > f.start)
				grep.last_line(&f, f.buf + f.start, f.len - f.start);
			break;
		}
		if (!f.binary && grep.is_binary(f.buf + f.len, (size_t)r))
			f.binary = 1;
		if (f.binary) { /* GNU grep then takes a NUL for a line end (-c counts the parts) */
			char *z = f.buf + f.len, *e = z + r;
			while ((z = memchr(z, '\0', (size_t)(e - z))) != NULL)
				*z++ = '\n';
		}
		f.len += (size_t)r;
	}
	free(f.buf);
	grep.file_end(&f);
}

/* ---- files and directories ---- */

static void grep_open_error(const char *name, int err)
{
	grep_file_error(name, err);
}

/* -r: an entry of a directory, not following a symbolic link. */
static int grep_lstat_at(int dirfd, const char *name, struct stat *st)
{
	return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* The operand as written, then a `/` unless it ends with one; without
 * operands, nothing (names are `sub/f.txt`, not `./sub/f.txt`). */
static char *grep_root_prefix(const char *operand)
{
	if (operand == NULL)
		return strdup("");
	size_t n = strlen(operand);
	char *s = malloc(n + 2);
	if (s == NULL)
		return NULL;
	memcpy(s, operand, n + 1);
	if (n == 0 || s[n - 1] != '/')
		strcpy(s + n, "/");
	return s;
}

/* Searches the directory open as fd, whose entries are named prefix+name;
 * takes fd over. Symbolic links are skipped, and so are devices, FIFOs and
 * sockets (GNU grep's -D read only reads those named on the command line). */
static void grep_dir(int fd, const char *prefix)
{
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		size_t n = strlen(prefix) + strlen(e->d_name) + 2;
		char *path = malloc(n);
		if (path == NULL)
			grep_die_nomem();
		snprintf(path, n, "%s%s", prefix, e->d_name);
		struct stat st;
		int rc = grep.lstat_at(dirfd(d), e->d_name, &st);
		if (rc < 0) {
			grep.open_error(path, -rc);
		} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			int flags = O_RDONLY | O_NOCTTY | O_CLOEXEC;
			int sub = openat(dirfd(d), e->d_name, flags);
			if (sub < 0) {
				grep.open_error(path, errno);
			} else if (S_ISDIR(st.st_mode)) {
				strcat(path, "/");
				grep_dir(sub, path);
			} else {
				grep.search(sub, path);
				close(sub);
			}
		}
		free(path);
	}
	if (errno != 0)
		grep_file_error(prefix, errno);
	closedir(d);
}

/* One operand ("-" is standard input), or NULL for -r without operands. */
static void grep_operand(const char *name)
{
	if (name != NULL && strcmp(name, "-") == 0) {
		grep.search(STDIN_FILENO, grep.stdin_name);
		return;
	}
	const char *path = name ? name : ".";
	int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC); /* follows a symlink operand */
	if (fd < 0) {
		grep.open_error(path, errno);
		return;
	}
	struct stat st;
	if (grep_opt.recursive && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *prefix = grep.root_prefix(name);
		if (prefix == NULL)
			grep_die_nomem();
		grep_dir(fd, prefix);
		free(prefix);
		return;
	}
	/* without -r a directory is read like a file: read() says EISDIR */
	grep.search(fd, path);
	close(fd);
}

/* More than one operand, or -r over a directory; -H and -h overrule. */
static int grep_show_names(int nops, char **ops)
{
	if (grep_opt.names != 0)
		return grep_opt.names > 0;
	if (nops > 1)
		return 1;
	if (!grep_opt.recursive)
		return 0;
	if (nops == 0)
		return 1;
	struct stat st;
	return strcmp(ops[0], "-") != 0 && stat(ops[0], &st) == 0 && S_ISDIR(st.st_mode);
}

static int grep_final_status(void)
{
	if (grep_errseen)
		return 2;
	return grep_selected ? 0 : 1;
}

/* ---- the command line ---- */

static void grep_usage(const char *why) __attribute__((noreturn));
static void grep_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "%s: %s\n", grep_prog, why);
	fprintf(stderr, "Usage: %s [-ivnclHhrFq] [-e PATTERN]... PATTERN [FILE]...\n", grep_prog);
	exit(grep.usage_status);
}

/* Sets what one option letter without an argument asks for (not -e);
 * an unknown one is a usage error. */
static void grep_option(char c)
{
	switch (c) {
	case 'i': grep_opt.icase = 1; break;
	case 'v': grep_opt.invert = 1; break;
	case 'n': grep_opt.number = 1; break;
	case 'c': grep_opt.count = 1; break;
	case 'l': grep_opt.list = 1; break;
	case 'q': grep_opt.quiet = 1; break;
	case 'r': grep_opt.recursive = 1; break;
	case 'F': break; /* fixed strings is all there is */
	case 'H': grep_opt.names = 1; break;
	case 'h': grep_opt.names = -1; break;
	default:
		fprintf(stderr, "%s: invalid option -- '%c'\n", grep_prog, c);
		grep_usage(NULL);
	}
}

/* -e at c inside argv[*i]: its pattern is the rest of the argument, or
 * the next argument (which may start with '-'). */
static void grep_option_e(int argc, char **argv, int *i, const char *c)
{
	if (c[1] == '\0' && *i + 1 >= argc) {
		fprintf(stderr, "%s: option requires an argument -- 'e'\n", grep_prog);
		grep_usage(NULL);
	}
	grep.add_pattern(c[1] != '\0' ? c + 1 : argv[++*i]);
}

/* Parses the options (they end at `--` or the first operand; several
 * letters may share one argument) and returns the index of the first
 * operand after the pattern. */
static int grep_parse(int argc, char **argv)
{
	int i = 1, have_e = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'e') { /* takes the rest of the argument */
				grep_option_e(argc, argv, &i, c);
				have_e = 1;
				break;
			}
			grep_option(*c);
		}
	}
	if (!have_e) {
		if (i >= argc)
			grep_usage(NULL);
		grep.add_pattern(argv[i++]);
	}
	return i;
}

/* -v with only empty patterns: every line matches, none can be selected. */
static int grep_nothing_selectable(void)
{
	for (size_t i = 0; i < grep_pats.len; i++)
		if (grep_pats.n[i] > 0)
			return 0;
	return 1;
}

/* The whole program: parse, search every operand, flush, say how it went. */
static int grep_main(int argc, char **argv)
{
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
	if (argc > 0)
		grep_prog = slash ? slash + 1 : argv[0];
	int first = grep.parse(argc, argv);
	int nops = argc - first;
	char **ops = argv + first;
	for (int c = 0; c < 256; c++)
		grep_folded[c] = grep.fold((unsigned char)c);
	grep.prepare();
	if (grep_opt.invert && grep_nothing_selectable())
		return 1; /* GNU grep's shortcut: no file is even opened */
	grep_names = grep.show_names(nops, ops);
	if (nops == 0)
		grep_operand(grep_opt.recursive ? NULL : "-");
	for (int i = 0; i < nops; i++)
		grep_operand(ops[i]);
	grep_flush();
	return grep.final_status();
}

struct grep_hooks grep = {
	.usage_status = 2,
	.parse = grep_parse,
	.stdin_name = "(standard input)",
	.add_pattern = grep_add_pattern,
	.prepare = grep_prepare,
	.fold = grep_fold_ascii,
	.match = grep_match,
	.show_names = grep_show_names,
	.root_prefix = grep_root_prefix,
	.lstat_at = grep_lstat_at,
	.open_error = grep_open_error,
	.search = grep_fd,
	.file_start = grep_file_start,
	.fill = grep_fill,
	.is_binary = grep_is_binary,
	.line = grep_line,
	.last_line = grep_last_line,
	.read_error = grep_read_error,
	.file_end = grep_file_end,
	.quiet_match = grep_quiet_match,
	.binary_matches = grep_binary_matches,
	.write_out = grep_write_all,
	.final_status = grep_final_status,
};

#endif
