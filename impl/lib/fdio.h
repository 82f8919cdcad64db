#ifndef OSNET_FDIO_H
#define OSNET_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* Blocking file-descriptor I/O for the command-line programs (cat, grep,
 * sumsq, syscalls, psum, locality): the two loops every such program needs
 * and most get subtly wrong, a read that survives EINTR and a write that
 * survives short writes; their error line, "PROG: message", in one
 * write(); and their answer to a bad command line. */

/* The size of fdio_say()'s line: a line it writes, newline included, is
 * shorter than this, which leaves room for a path of PATH_MAX bytes and an
 * error text. */
#define FDIO_SAY_MAX 8192

/* Reads up to n bytes from fd into p, retrying when a signal interrupts
 * the call. Returns the number of bytes read (0 at end of file) or a
 * negative errno. */
ssize_t fdio_read(int fd, void *p, size_t n);

/* Writes all n bytes of p to fd, looping over short writes and EINTR.
 * Returns 0, or a negative errno (-ENOSPC for a full disk, -EPIPE when the
 * reader went away and SIGPIPE is ignored). A write that returns 0 for a
 * non-zero count, which POSIX allows but Linux never does for files and
 * pipes, is reported as -EIO rather than looping forever. */
int fdio_write_all(int fd, const void *p, size_t n);

/* Prints "PROG: <message>\n" on stderr, PROG being the program's name
 * (program_invocation_short_name, cut at 64 bytes), with a single write(),
 * so that the line is never split or interleaved with another process's
 * or thread's (stdio's stderr is unbuffered and may write it in pieces).
 * A message too long for FDIO_SAY_MAX is cut. Keeps errno. */
void fdio_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reports a bad command line: "PROG: <message>\n" as fdio_say() does, then
 * "usage: PROG <synopsis>\n", both on stderr; nothing on stdout. Returns 2,
 * the exit status of a usage error, so that main can `return
 * fdio_usage_error(SYNOPSIS, "bad N '%s'", arg);`. The synopsis is plain
 * text, not a format: the program's name is put in front of it here. */
int fdio_usage_error(const char *synopsis, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The usage error for what getopt_long returned when it stopped at a bad
 * option (the program calls it with opterr = 0 and an optstring starting
 * with ':'): c == ':' an option without its value, otherwise an option it
 * does not know. Returns 2, as fdio_usage_error(). */
int fdio_getopt_error(const char *synopsis, int c, char **argv);

#endif
