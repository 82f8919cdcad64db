/* Shared, correct plumbing for the deliberately broken cat programs.
 *
 * This is a whole, correct mcat (specs/cat.md: GNU cat 9.1 in the C locale,
 * options -n -b -s -E -T) in one header, written to be read rather than to
 * be fast. Each file is read in 64 KiB chunks; without options a chunk is
 * copied as it is, with options it goes byte by byte through a small state
 * machine that lives across reads and files, as GNU cat's does: the line
 * number, where the output is (in a line, or at the start of one after a
 * non-empty line, one empty line or more), and a CR held back by -E until
 * the next byte says whether it ends a line. Output is buffered and
 * written before each read, so nothing waits while cat waits for input; a
 * failed write ends the program with "write error" and status 1.
 *
 * Each broken program replaces one piece through the `cat` hook table (or
 * flips one of its values) and marks its lines BUG, so that it differs
 * from a correct cat in exactly that piece.
 */
#ifndef OSNET_BROKEN_CAT_COMMON_H
#define OSNET_BROKEN_CAT_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CAT_CHUNK (64 * 1024)

/* The pieces the broken programs replace. */
struct cat_hooks {
	int usage_status;                    /* exit status of a bad command line */
	int (*parse)(int argc, char **argv); /* the options: the index of the first operand */
	int (*option)(int c);                /* one option letter: 0, or -1 if unknown */
	int (*open_operand)(const char *name);  /* an fd, or -errno */
	void (*open_error)(const char *name, int err);
	void (*file_start)(void);            /* before each file's first byte */
	/* copies the open file fd to the output: 0, or -errno of a failed read */
	int (*copy)(int fd, const char *name);
	void (*read_error)(const char *name, int err);
	void (*process)(const unsigned char *p, size_t n); /* bytes through the options */
	void (*blank_line)(void);            /* an empty line is about to be written */
	void (*put_number)(void);            /* the next line number and its TAB */
	void (*put_char)(unsigned char c);   /* a byte of a line (not its newline) */
	void (*end_line)(void);              /* the newline of a line */
	void (*write_out)(const void *p, size_t n); /* writes all of it, or fails */
	int (*final_status)(int failed);
};

extern struct cat_hooks cat;

/* ---- settings and state ---- */

static struct {
	int number, nonblank, squeeze, ends, tabs;
} cat_opt;

/* The state that spans reads and files. nl is GNU cat's count: -1 in the
 * middle of a line, 0 at the start of one after a non-empty line (and at
 * the very start), 1 after one empty line, 2 after two or more. */
static struct {
	long long lineno;
	int nl;
	int pending_cr;      /* -E: a CR not written yet */
} cat_st;

static const char *cat_prog = "mcat";
static int cat_failed;   /* some file could not be opened or read */

static struct {
	char buf[CAT_CHUNK];
	size_t len;
} cat_out;

/* ---- output ---- */

static void cat_write_all(const void *p, size_t n)
{
	const char *q = p;
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "%s: write error: %s\n", cat_prog, strerror(errno));
			exit(1);
		}
		q += w;
		n -= (size_t)w;
	}
}

static void cat_flush(void)
{
	size_t n = cat_out.len;
	cat_out.len = 0;
	if (n > 0)
		cat.write_out(cat_out.buf, n);
}

/* Queues n bytes for stdout; writes straight through what does not fit. */
static void cat_put(const void *p, size_t n)
{
	if (cat_out.len + n > sizeof cat_out.buf) {
		cat_flush();
		if (n > sizeof cat_out.buf) {
			cat.write_out(p, n);
			return;
		}
	}
	memcpy(cat_out.buf + cat_out.len, p, n);
	cat_out.len += n;
}

/* ---- the options ---- */

static void cat_put_number(void)
{
	char num[32];
	int n = snprintf(num, sizeof num, "%6lld\t", ++cat_st.lineno);
	cat_put(num, (size_t)n);
}

/* -n numbers empty lines, -b does not. */
static void cat_blank_line(void)
{
	if (cat_opt.number && !cat_opt.nonblank)
		cat.put_number();
}

static void cat_put_char(unsigned char c)
{
	if (cat_st.pending_cr) { /* no newline after it: an ordinary CR */
		cat_put("\r", 1);
		cat_st.pending_cr = 0;
	}
	if (c == '\t' && cat_opt.tabs)
		cat_put("^I", 2);
	else if (c == '\r' && cat_opt.ends)
		cat_st.pending_cr = 1; /* ^M if a newline comes next, even in the next file */
	else
		cat_put(&c, 1);
}

static void cat_end_line(void)
{
	if (cat_opt.ends) {
		if (cat_st.pending_cr)
			cat_put("^M", 2);
		cat_st.pending_cr = 0;
		cat_put("$", 1);
	}
	cat_put("\n", 1);
}

static void cat_process(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (++cat_st.nl > 0) { /* an empty line */
				if (cat_st.nl >= 2) {
					cat_st.nl = 2;
					if (cat_opt.squeeze)
						continue; /* the second of a run */
				}
				cat.blank_line();
			}
			cat.end_line();
		} else {
			if (cat_st.nl >= 0 && cat_opt.number)
				cat.put_number(); /* the first byte of a non-empty line */
			cat_st.nl = -1;
			cat.put_char(p[i]);
		}
	}
}

/* ---- files ---- */

static void cat_file_start(void)
{
}

static long cat_read(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return -errno;
	}
}

static int cat_copy(int fd, const char *name)
{
	static unsigned char buf[CAT_CHUNK];
	int plain = !(cat_opt.number || cat_opt.squeeze || cat_opt.ends || cat_opt.tabs);
	(void)name;
	for (;;) {
		cat_flush(); /* before waiting for more input */
		long r = cat_read(fd, buf, sizeof buf);
		if (r <= 0)
			return (int)r;
		if (plain)
			cat_put(buf, (size_t)r);
		else
			cat.process(buf, (size_t)r);
	}
}

static void cat_file_error(const char *name, int err)
{
	cat_flush(); /* what came before the failure goes out first */
	fprintf(stderr, "%s: %s: %s\n", cat_prog, name, strerror(err));
	cat_failed = 1;
}

static int cat_open_operand(const char *name)
{
	if (strcmp(name, "-") == 0)
		return STDIN_FILENO;
	int fd = open(name, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One operand: open it, copy it, say what went wrong, go on. */
static void cat_operand(const char *name)
{
	int fd = cat.open_operand(name);
	if (fd < 0) {
		cat.open_error(name, -fd);
		return;
	}
	cat.file_start();
	int rc = cat.copy(fd, name); /* a directory: read() says EISDIR */
	if (rc < 0)
		cat.read_error(name, -rc);
	if (fd != STDIN_FILENO)
		close(fd);
}

static int cat_final_status(int failed)
{
	return failed ? 1 : 0;
}

/* ---- the command line ---- */

static void cat_usage(char c) __attribute__((noreturn));
static void cat_usage(char c)
{
	fprintf(stderr, "%s: invalid option -- '%c'\n", cat_prog, c);
	fprintf(stderr, "Usage: %s [-nbsET] [FILE]...\n", cat_prog);
	exit(cat.usage_status);
}

/* Sets what one option letter asks for. -b implies -n and wins over it
 * whatever their order: number is on, nonblank is never turned off. */
static int cat_option(int c)
{
	switch (c) {
	case 'n': cat_opt.number = 1; break;
	case 'b': cat_opt.number = cat_opt.nonblank = 1; break;
	case 's': cat_opt.squeeze = 1; break;
	case 'E': cat_opt.ends = 1; break;
	case 'T': cat_opt.tabs = 1; break;
	default: return -1;
	}
	return 0;
}

/* Parses the options (they end at `--` or the first operand; several
 * letters may share one argument) and returns the index of the first
 * operand. */
static int cat_parse(int argc, char **argv)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || a[1] == '\0')
			break;
		for (const char *c = a + 1; *c; c++)
			if (cat.option((unsigned char)*c) < 0)
				cat_usage(*c);
	}
	return i;
}

/* The whole program: parse, copy every operand, flush, say how it went. */
static int cat_main(int argc, char **argv)
{
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
	if (argc > 0)
		cat_prog = slash ? slash + 1 : argv[0];
	int first = cat.parse(argc, argv);
	if (first >= argc)
		cat_operand("-");
	for (int i = first; i < argc; i++)
		cat_operand(argv[i]);
	if (cat_st.pending_cr) /* the input ended just after a CR */
		cat_put("\r", 1);
	cat_flush();
	return cat.final_status(cat_failed);
}

struct cat_hooks cat = {
	.usage_status = 1,
	.parse = cat_parse,
	.option = cat_option,
	.open_operand = cat_open_operand,
	.open_error = cat_file_error,
	.file_start = cat_file_start,
	.copy = cat_copy,
	.read_error = cat_file_error,
	.process = cat_process,
	.blank_line = cat_blank_line,
	.put_number = cat_put_number,
	.put_char = cat_put_char,
	.end_line = cat_end_line,
	.write_out = cat_write_all,
	.final_status = cat_final_status,
};

#endif
