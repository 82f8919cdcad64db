/* mcat: concatenate files to standard output. Behaves as GNU cat 9.1 does
 * in the C locale, byte for byte: -n -b -s -E -T, messages, exit status
 * (see specs/cat.md and README.md).
 *
 * Without options cat is a copy loop, and the whole art is to keep it one:
 * read 128 KiB, write 128 KiB, nothing per byte. When stdout is a regular
 * file it asks the kernel to copy (copy_file_range), which moves no data
 * through the program at all. The options need a look at every byte; that
 * is lib/catfmt.c, whose state goes on from one read, and one file, to the
 * next. File names in messages are quoted by lib/quote.c. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catfmt.h"
#include "fdio.h"
#include "quote.h"

/* One read, and the formatter's output buffer. */
#define CHUNK (128u * 1024)

struct cat {
    const char *prog;
    bool format; /* an option that needs a look at the bytes */
    struct catfmt fmt;
    bool out_isreg; /* stdout is a regular file: out_dev/out_ino */
    dev_t out_dev;
    ino_t out_ino;
    char *buf;
    bool read_stdin; /* "-" was an operand (or there were none) */
    bool failed;     /* some file failed: exit status 1 */
};

/* "PROG: NAME: text" on stderr, with NAME quoted as GNU cat quotes it. */
static void file_error(struct cat *c, const char *name, const char *text)
{
    char small[256];
    size_t n = quote_name(name, small, sizeof(small));
    char *q = small;

    if (n >= sizeof(small)) {
        q = malloc(n + 1);
        if (q != NULL)
            quote_name(name, q, n + 1);
        else
            q = (char *)name;
    }
    fprintf(stderr, "%s: %s: %s\n", c->prog, q, text);
    if (q != small && q != name)
        free(q);
    c->failed = true;
}

static int write_out(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    return fdio_write_all(STDOUT_FILENO, p, n);
}

/* Lets the kernel copy fd to stdout (both regular files), GNU cat's way.
 * Returns 1 when the file was copied to its end, 0 when read/write must do
 * the job (the file systems cannot do it, or the file looked empty: /proc
 * files claim size 0 and copy_file_range returns 0 for them), -1 after an
 * error, reported with the input's name since we cannot tell which side
 * failed. */
static int copy_range(struct cat *c, int fd, const char *name)
{
    /* As big as a call can be, rounded down to a whole GiB. */
    const size_t most = (size_t)SSIZE_MAX >> 30 << 30;

    for (bool some = false;; some = true) {
        ssize_t n = copy_file_range(fd, NULL, STDOUT_FILENO, NULL, most, 0);
        if (n == 0)
            return some ? 1 : 0;
        if (n < 0) {
            if (errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL || errno == EBADF ||
                errno == EXDEV || errno == ETXTBSY || errno == EPERM)
                return 0;
            file_error(c, name, strerror(errno));
            return -1;
        }
    }
}

/* Copies fd to stdout, formatted or not. A read error is reported and
 * ends this file only (what was read before it has been written). Returns
 * 0, or the negative errno of a failed write, which ends the program. */
static int copy(struct cat *c, int fd, const char *name)
{
    int rc;

    for (;;) {
        ssize_t n = fdio_read(fd, c->buf, CHUNK);
        if (n <= 0) {
            if (n < 0)
                file_error(c, name, strerror((int)-n));
            return c->format ? catfmt_flush(&c->fmt) : 0;
        }
        if (!c->format)
            rc = fdio_write_all(STDOUT_FILENO, c->buf, (size_t)n);
        else if ((rc = catfmt_feed(&c->fmt, c->buf, (size_t)n)) == 0)
            /* Out before the next read, which may wait (a terminal, a
             * pipe): the lines typed so far should show. */
            rc = catfmt_flush(&c->fmt);
        if (rc < 0)
            return rc;
    }
}

/* One operand. Returns 0 or the negative errno of a failed write. */
static int cat_file(struct cat *c, const char *name)
{
    bool is_stdin = strcmp(name, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int rc = 0;

    c->read_stdin |= is_stdin;
    if (fd < 0) {
        file_error(c, name, strerror(errno));
        return 0;
    }
    if (fstat(fd, &st) < 0) {
        file_error(c, name, strerror(errno));
        goto out;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    /* "cat f >> f" would read back what it writes until the disk is full. */
    if (c->out_isreg && st.st_dev == c->out_dev && st.st_ino == c->out_ino &&
        lseek(fd, 0, SEEK_CUR) < st.st_size) {
        file_error(c, name, "input file is output file");
        goto out;
    }
    if (!c->format && c->out_isreg && S_ISREG(st.st_mode)) {
        int done = copy_range(c, fd, name);
        if (done != 0)
            goto out;
    }
    rc = copy(c, fd, name);
out:
    if (!is_stdin)
        close(fd);
    return rc;
}

static void usage_error(const char *prog)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
}

static void help(const char *prog)
{
    printf("Usage: %s [OPTION]... [FILE]...\n"
           "Concatenate FILE(s) to standard output.\n"
           "\n"
           "With no FILE, or when FILE is -, read standard input.\n"
           "\n"
           "  -b, --number-nonblank    number nonempty output lines, overrides -n\n"
           "  -E, --show-ends          display $ at end of each line\n"
           "  -n, --number             number all output lines\n"
           "  -s, --squeeze-blank      suppress repeated empty output lines\n"
           "  -T, --show-tabs          display TAB characters as ^I\n"
           "  -u                       (ignored)\n",
           prog);
}

enum { OPT_HELP = 256 };

/* Parses the options into *o. Returns -1 to go on, or the exit status. */
static int parse_args(const char *prog, int argc, char **argv, struct catfmt_opts *o)
{
    static const struct option longopts[] = {
        {"number-nonblank", no_argument, NULL, 'b'},
        {"number", no_argument, NULL, 'n'},
        {"squeeze-blank", no_argument, NULL, 's'},
        {"show-ends", no_argument, NULL, 'E'},
        {"show-tabs", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int ch;

    /* getopt's own messages would name the program by its full path. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "bnsETu", longopts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            o->nonblank = true;
            break;
        case 'n':
            o->number = true;
            break;
        case 's':
            o->squeeze = true;
            break;
        case 'E':
            o->ends = true;
            break;
        case 'T':
            o->tabs = true;
            break;
        case 'u':
            break;
        case OPT_HELP:
            help(prog);
            return 0;
        default:
            if (optopt != 0)
                fprintf(stderr, "%s: invalid option -- '%c'\n", prog, optopt);
            else
                fprintf(stderr, "%s: unrecognized option '%s'\n", prog, argv[optind - 1]);
            usage_error(prog);
            return 1;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    static struct cat c;
    const char *slash = strrchr(argv[0], '/');
    struct catfmt_opts o = {0};
    struct stat out;
    int rc;

    c.prog = slash != NULL ? slash + 1 : argv[0];
    rc = parse_args(c.prog, argc, argv, &o);
    if (rc >= 0)
        return rc;
    c.format = o.number || o.nonblank || o.squeeze || o.ends || o.tabs;

    /* GNU cat looks at stdout first, and stops at once if it is not open. */
    if (fstat(STDOUT_FILENO, &out) < 0) {
        fprintf(stderr, "%s: standard output: %s\n", c.prog, strerror(errno));
        return 1;
    }
    if (S_ISREG(out.st_mode)) {
        c.out_isreg = true;
        c.out_dev = out.st_dev;
        c.out_ino = out.st_ino;
    }

    c.buf = malloc(CHUNK);
    if (c.buf == NULL || (c.format && catfmt_init(&c.fmt, &o, CHUNK, write_out, NULL) < 0)) {
        fprintf(stderr, "%s: memory exhausted\n", c.prog);
        return 1;
    }

    rc = 0;
    if (optind == argc)
        rc = cat_file(&c, "-");
    for (int i = optind; i < argc && rc == 0; i++)
        rc = cat_file(&c, argv[i]);
    if (rc == 0 && c.format)
        rc = catfmt_finish(&c.fmt);
    if (c.format)
        catfmt_free(&c.fmt);
    free(c.buf);
    if (rc < 0) {
        fprintf(stderr, "%s: write error: %s\n", c.prog, strerror(-rc));
        return 1;
    }
    /* Closing tells whether standard input was a valid descriptor at all
     * (cat <&- reads nothing, and GNU cat says so twice). */
    if (c.read_stdin && close(STDIN_FILENO) < 0) {
        fprintf(stderr, "%s: closing standard input: %s\n", c.prog, strerror(errno));
        return 1;
    }
    return c.failed ? 1 : 0;
}
