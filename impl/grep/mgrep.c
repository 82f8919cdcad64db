/* mgrep: print the lines of files that contain one of a set of fixed
 * strings. Behaves as GNU grep 3.8 -F does in the C locale, byte for byte:
 * output, messages, exit status (see specs/grep.md and README.md).
 *
 * The work is split three ways. lib/lines.c turns reads into blocks of
 * whole lines in a bounded, growing buffer; lib/match.c finds the selected
 * lines of a block with memmem; this file is the program around them: the
 * command line, which files to read (operands, standard input, -r), the
 * per-file rules GNU grep has (binary files, counts, names, -q, the exit
 * status) and the output buffer. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "lines.h"
#include "match.h"

/* Output is gathered here and written in big pieces. */
#define OUT_CAP (64u * 1024)
/* The longest line mgrep reads; past it, the file gets an error. */
#define LINE_LIMIT ((size_t)1 << 30)

/* What a run callback returns to end the scan (besides a negative errno). */
enum {
    SCAN_STOP = 1, /* this file is done: its first selected line was enough */
    SCAN_QUIT = 2, /* -q found a selected line: the program is done, status 0 */
};

struct grep {
    const char *prog;

    /* The options. */
    bool icase, invert, number, count, list, quiet, recursive;
    int with_name; /* -H: 1, -h: 0, neither: -1 */

    /* Derived as GNU grep derives them. */
    int out_file;         /* prefix lines with the file name: 1, 0, or -1 "decide
                             at the first file" (-r with one operand) */
    bool done_on_match;   /* stop reading a file at its first selected line */
    bool out_quiet;       /* print no lines */
    bool dev_null_output; /* stdout is /dev/null: nobody reads the lines */
    bool out_isreg;       /* stdout is a regular file, out_dev/out_ino */
    dev_t out_dev;
    ino_t out_ino;

    struct match m;
    struct lines in;
    bool errseen; /* an error was reported: exit status 2 */
    bool matched; /* some file had a selected line */

    char out[OUT_CAP];
    size_t outlen;
    int out_err; /* the first failed write to stdout (negative errno), sticky */
};

/* One file being searched. */
struct file {
    struct grep *g;
    const char *name;
    uintmax_t count;  /* selected lines */
    uintmax_t lineno; /* lines before the block being scanned */
    bool quiet, done; /* the file's own out_quiet and done_on_match: a binary
                         file prints no lines and stops at its first one */
};

/* ---- output ------------------------------------------------------------ */

static int out_flush(struct grep *g)
{
    int rc;

    if (g->out_err != 0)
        return g->out_err;
    if (g->outlen == 0)
        return 0;
    rc = fdio_write_all(STDOUT_FILENO, g->out, g->outlen);
    g->outlen = 0;
    if (rc < 0)
        g->out_err = rc;
    return rc;
}

static int out_put(struct grep *g, const void *p, size_t n)
{
    int rc;

    if (g->out_err != 0)
        return g->out_err;
    if (n > OUT_CAP - g->outlen) {
        rc = out_flush(g);
        if (rc < 0)
            return rc;
        if (n >= OUT_CAP) {
            /* A long line goes out directly, without a copy. */
            rc = fdio_write_all(STDOUT_FILENO, p, n);
            if (rc < 0)
                g->out_err = rc;
            return rc;
        }
    }
    memcpy(g->out + g->outlen, p, n);
    g->outlen += n;
    return 0;
}

static int out_str(struct grep *g, const char *s)
{
    return out_put(g, s, strlen(s));
}

/* "NAME:" when names are shown. */
static int out_prefix_name(struct grep *g, const char *name)
{
    int rc = 0;

    if (g->out_file > 0) {
        rc = out_str(g, name);
        if (rc == 0)
            rc = out_put(g, ":", 1);
    }
    return rc;
}

/* N followed by sep: line numbers and counts. */
static int out_number(struct grep *g, uintmax_t n, char sep)
{
    char tmp[24];
    int len = snprintf(tmp, sizeof(tmp), "%" PRIuMAX "%c", n, sep);

    return out_put(g, tmp, (size_t)len);
}

/* A message on stderr, "PROG: ...". Like GNU's error(), it first writes
 * what stdout holds, so that on a terminal the lines and the messages
 * appear in the order they happened. A failure of that write is not
 * reported here: it is remembered, and ends the program at the next
 * output or at exit with "write error", as GNU grep does. */
static void message(struct grep *g, const char *name, const char *text)
{
    out_flush(g);
    fprintf(stderr, "%s: %s: %s\n", g->prog, name, text);
}

static void file_error(struct grep *g, const char *name, int err)
{
    message(g, name, strerror(err));
    g->errseen = true;
}

/* ---- searching one file ------------------------------------------------- */

/* match_block's callback: a run of selected lines. */
static int on_run(void *ctx, const char *p, size_t len, uintmax_t nlines, uintmax_t first)
{
    struct file *f = ctx;
    struct grep *g = f->g;
    int rc = 0;

    f->count += nlines;
    if (g->quiet)
        return SCAN_QUIT;
    if (!f->quiet) {
        if (g->out_file <= 0 && !g->number) {
            rc = out_put(g, p, len);
        } else {
            const char *end = p + len;
            while (p < end && rc == 0) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = (size_t)(nl - p) + 1;
                rc = out_prefix_name(g, f->name);
                if (rc == 0 && g->number)
                    rc = out_number(g, first++, ':');
                if (rc == 0)
                    rc = out_put(g, p, n);
                p += n;
            }
        }
        if (rc < 0)
            return rc;
    }
    return f->done ? SCAN_STOP : 0;
}

static int scan(struct grep *g, struct file *f, const char *block, size_t n)
{
    return match_block(&g->m, g->invert, g->number && !f->quiet, block, n, &f->lineno, on_run, f);
}

/* Standard input left unread (a binary match stopped early): GNU grep
 * moves to its end, or reads a pipe out, so that a second "-" operand, or
 * the process that feeds the pipe, sees what it would after a full read. */
static void finish_stdin(struct grep *g, int fd)
{
    char *tail;
    size_t avail;
    ssize_t got;

    if (lseek(fd, 0, SEEK_END) >= 0 || errno == EINVAL)
        return;
    lines_reset(&g->in);
    if (lines_reserve(&g->in, &tail, &avail) < 0)
        return;
    while ((got = fdio_read(fd, tail, avail)) > 0)
        ;
    if (got < 0)
        file_error(g, "(standard input)", (int)-got);
}

/* Searches the open file fd, whose status is *st, named name in output and
 * messages. Returns 0 (errors of the file are reported and recorded),
 * SCAN_QUIT when -q found a line, or the negative errno of a failed write
 * to stdout. */
static int grep_fd(struct grep *g, int fd, const char *name, const struct stat *st)
{
    struct file f = {g, name, 0, 0, g->out_quiet, g->done_on_match};
    uintmax_t count_at_binary = 0;
    bool eof = false;
    int rc = 0;

    /* With stdout appended to one of the inputs, grep would read back what
     * it writes and never end. */
    if (!g->out_quiet && g->out_isreg && S_ISREG(st->st_mode) && st->st_dev == g->out_dev &&
        st->st_ino == g->out_ino) {
        message(g, name, "input file is also the output");
        g->errseen = true;
        return 0;
    }

    lines_reset(&g->in);
    for (;;) {
        const char *block;
        char *tail;
        size_t avail, n;
        ssize_t got;
        bool was_binary;

        rc = lines_reserve(&g->in, &tail, &avail);
        if (rc < 0) {
            if (rc == -ENOBUFS) {
                message(g, name, "line too long");
                g->errseen = true;
            } else {
                file_error(g, name, -rc);
            }
            rc = 0;
            break;
        }
        got = fdio_read(fd, tail, avail);
        if (got < 0) {
            /* The lines before the failed read are already out; the
             * partial line after them is dropped, as GNU grep does. */
            file_error(g, name, (int)-got);
            break;
        }
        if (got == 0) {
            eof = true;
            n = lines_take_last(&g->in, &block);
            if (n > 0)
                rc = scan(g, &f, block, n);
            break;
        }
        was_binary = g->in.binary;
        lines_commit(&g->in, (size_t)got);
        if (!was_binary && g->in.binary) {
            /* From here on the file is binary: its lines are not printed,
             * and one selected line settles it (-c still counts them all). */
            count_at_binary = f.count;
            if (!g->count) {
                f.quiet = true;
                f.done = true;
            }
        }
        n = lines_take(&g->in, &block);
        if (n > 0) {
            rc = scan(g, &f, block, n);
            if (rc != 0)
                break;
        }
    }
    if (rc < 0 || rc == SCAN_QUIT)
        return rc;

    if (!g->out_quiet && g->in.binary && f.count > count_at_binary)
        message(g, name, "binary file matches");
    if (g->count) {
        rc = out_prefix_name(g, name);
        if (rc == 0)
            rc = out_number(g, f.count, '\n');
        if (rc < 0)
            return rc;
    }
    if (f.count > 0) {
        g->matched = true;
        if (g->list) {
            rc = out_str(g, name);
            if (rc == 0)
                rc = out_put(g, "\n", 1);
            if (rc < 0)
                return rc;
        }
    }
    if (fd == STDIN_FILENO && !g->list && !eof)
        finish_stdin(g, fd);
    return 0;
}

/* fstat, the first-file decision about names, then grep_fd. */
static int grep_open_fd(struct grep *g, int fd, const char *name, struct stat *st)
{
    if (fstat(fd, st) < 0) {
        file_error(g, name, errno);
        return 0;
    }
    if (g->out_file < 0)
        g->out_file = S_ISDIR(st->st_mode) ? 1 : 0;
    return grep_fd(g, fd, name, st);
}

/* ---- -r ------------------------------------------------------------------ */

struct entry {
    char *name;
    unsigned char type; /* d_type */
};

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void entries_free(struct entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
}

/* path + "/" + name, without doubling a trailing slash; just name when
 * path is NULL (the top of "mgrep -r PAT" without operands, where GNU grep
 * prints "sub/f", not "./sub/f"). NULL when out of memory. */
static char *path_join(const char *path, const char *name)
{
    size_t pl = path != NULL ? strlen(path) : 0, nl = strlen(name);
    bool slash = pl > 0 && path[pl - 1] != '/';
    char *s = malloc(pl + slash + nl + 1);

    if (s == NULL)
        return NULL;
    if (pl > 0)
        memcpy(s, path, pl);
    if (slash)
        s[pl] = '/';
    memcpy(s + pl + slash, name, nl + 1);
    return s;
}

/* Reads the names in directory dfd (which it closes), sorted: the order of
 * readdir is the file system's, and a sorted walk makes runs repeatable. */
static int read_dir(struct grep *g, int dfd, const char *path, struct entry **out, size_t *nout)
{
    DIR *d = fdopendir(dfd);
    struct entry *e = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;

    if (d == NULL) {
        file_error(g, path, errno);
        close(dfd);
        return -1;
    }
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            if (errno != 0)
                file_error(g, path, errno);
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct entry *ne = realloc(e, ncap * sizeof(*e));
            if (ne == NULL)
                goto nomem;
            e = ne;
            cap = ncap;
        }
        e[n].name = strdup(de->d_name);
        if (e[n].name == NULL)
            goto nomem;
        e[n].type = de->d_type;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(e, n, sizeof(*e), entry_cmp);
    *out = e;
    *nout = n;
    return 0;

nomem:
    file_error(g, path, ENOMEM);
    closedir(d);
    entries_free(e, n);
    return -1;
}

/* Searches directory dfd (closed here), shown as path, recursively. Each
 * entry is opened relative to its directory with O_NOFOLLOW: symbolic
 * links found inside are skipped, as GNU grep -r does, and a file swapped
 * for a link between the listing and the open is not followed either.
 * Devices, FIFOs and sockets found inside are skipped too (a FIFO would
 * block). path NULL: the top of a walk without operands. Returns as
 * grep_fd. */
static int walk(struct grep *g, int dfd, const char *path)
{
    const char *shown = path != NULL ? path : ".";
    struct entry *e;
    size_t n;
    int rc = 0, sub;

    /* The listing is read whole and its stream closed before descending,
     * so each level of the tree holds one descriptor (sub, to open the
     * entries relative to it), not a stream and its buffer. */
    sub = dup(dfd);
    if (sub < 0) {
        file_error(g, shown, errno);
        close(dfd);
        return 0;
    }
    if (read_dir(g, dfd, shown, &e, &n) < 0) {
        close(sub);
        return 0;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *child = path_join(path, e[i].name);
        unsigned char type = e[i].type;
        struct stat st;
        int fd;

        if (child == NULL) {
            file_error(g, shown, ENOMEM);
            break;
        }
        if (type == DT_UNKNOWN) {
            /* Some file systems do not say in readdir: ask. */
            if (fstatat(sub, e[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                file_error(g, child, errno);
                free(child);
                continue;
            }
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR || type == DT_REG) {
            int flags = O_RDONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC;
            fd = openat(sub, e[i].name, type == DT_DIR ? flags | O_DIRECTORY : flags);
            if (fd < 0) {
                /* ELOOP: it became a symbolic link meanwhile: skip it. */
                if (errno != ELOOP)
                    file_error(g, child, errno);
            } else if (type == DT_DIR) {
                rc = walk(g, fd, child);
            } else {
                if (fstat(fd, &st) < 0)
                    file_error(g, child, errno);
                else
                    rc = grep_fd(g, fd, child, &st);
                close(fd);
            }
        }
        free(child);
    }
    entries_free(e, n);
    close(sub);
    return rc;
}

/* A FILE operand: "-" is standard input; a directory is walked with -r
 * and read (giving EISDIR, as GNU grep) without. */
static int grep_operand(struct grep *g, const char *arg)
{
    struct stat st;
    int fd, rc;

    if (strcmp(arg, "-") == 0)
        return grep_open_fd(g, STDIN_FILENO, "(standard input)", &st);
    fd = open(arg, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        file_error(g, arg, errno);
        return 0;
    }
    if (fstat(fd, &st) < 0) {
        file_error(g, arg, errno);
        close(fd);
        return 0;
    }
    if (g->out_file < 0)
        g->out_file = S_ISDIR(st.st_mode) ? 1 : 0;
    if (g->recursive && S_ISDIR(st.st_mode)) {
        /* GNU grep (fts) names the files below "d//" as "d/f". */
        size_t len = strlen(arg);
        char *path = strdup(arg);
        if (path == NULL) {
            file_error(g, arg, ENOMEM);
            close(fd);
            return 0;
        }
        while (len > 1 && path[len - 1] == '/' && path[len - 2] == '/')
            path[--len] = '\0';
        rc = walk(g, fd, path);
        free(path);
        return rc;
    }
    rc = grep_fd(g, fd, arg, &st);
    close(fd);
    return rc;
}

/* ---- the command line ------------------------------------------------------ */

static void usage_error(const char *prog)
{
    fprintf(stderr, "Usage: %s [OPTION]... PATTERNS [FILE]...\n", prog);
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
}

static void help(const char *prog)
{
    printf("Usage: %s [OPTION]... PATTERNS [FILE]...\n"
           "Search for PATTERNS (fixed strings, one per line) in each FILE.\n"
           "\n"
           "  -e, --regexp=PATTERNS     use PATTERNS for matching\n"
           "  -F, --fixed-strings       PATTERNS are strings (always so here)\n"
           "  -i, --ignore-case         ignore case distinctions (ASCII letters)\n"
           "  -v, --invert-match        select non-matching lines\n"
           "  -n, --line-number         print line number with output lines\n"
           "  -c, --count               print only a count of selected lines per FILE\n"
           "  -l, --files-with-matches  print only names of FILEs with selected lines\n"
           "  -H, --with-filename       print file name with output lines\n"
           "  -h, --no-filename         suppress the file name prefix on output\n"
           "  -r, --recursive           search directories recursively\n"
           "  -q, --quiet, --silent     suppress all normal output\n"
           "\n"
           "With no FILE, read standard input (with -r, the current directory);\n"
           "FILE - is standard input. Exit status is 0 if a line is selected, 1 if\n"
           "none, 2 if an error occurred (but 0 with -q and a selected line).\n",
           prog);
}

enum { OPT_HELP = 256 };

/* Parses the options into g and the pattern arguments into pats (argv
 * pointers). Returns -1 to go on, or the exit status. */
static int parse_args(struct grep *g, int argc, char **argv, const char ***pats, size_t *npats)
{
    static const struct option longopts[] = {
        {"regexp", required_argument, NULL, 'e'},
        {"fixed-strings", no_argument, NULL, 'F'},
        {"ignore-case", no_argument, NULL, 'i'},
        {"invert-match", no_argument, NULL, 'v'},
        {"line-number", no_argument, NULL, 'n'},
        {"count", no_argument, NULL, 'c'},
        {"files-with-matches", no_argument, NULL, 'l'},
        {"with-filename", no_argument, NULL, 'H'},
        {"no-filename", no_argument, NULL, 'h'},
        {"recursive", no_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"silent", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char **p = NULL;
    size_t n = 0;
    int c;

    /* getopt's own messages would name the program by its full path. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":e:FivnclHhrq", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': {
            const char **np = realloc(p, (n + 1) * sizeof(*p));
            if (np == NULL) {
                fprintf(stderr, "%s: memory exhausted\n", g->prog);
                free(p);
                return 2;
            }
            p = np;
            p[n++] = optarg;
            break;
        }
        case 'F':
            break;
        case 'i':
            g->icase = true;
            break;
        case 'v':
            g->invert = true;
            break;
        case 'n':
            g->number = true;
            break;
        case 'c':
            g->count = true;
            break;
        case 'l':
            g->list = true;
            break;
        case 'H':
            g->with_name = 1;
            break;
        case 'h':
            g->with_name = 0;
            break;
        case 'r':
            g->recursive = true;
            break;
        case 'q':
            g->quiet = true;
            break;
        case OPT_HELP:
            help(g->prog);
            free(p);
            return 0;
        case ':':
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                fprintf(stderr, "%s: option '%s' requires an argument\n", g->prog,
                        argv[optind - 1]);
            else
                fprintf(stderr, "%s: option requires an argument -- '%c'\n", g->prog, optopt);
            usage_error(g->prog);
            free(p);
            return 2;
        default:
            if (optopt != 0)
                fprintf(stderr, "%s: invalid option -- '%c'\n", g->prog, optopt);
            else
                fprintf(stderr, "%s: unrecognized option '%s'\n", g->prog, argv[optind - 1]);
            usage_error(g->prog);
            free(p);
            return 2;
        }
    }
    if (n == 0) {
        /* No -e: the first operand is the pattern. */
        if (optind >= argc) {
            usage_error(g->prog);
            return 2;
        }
        p = malloc(sizeof(*p));
        if (p == NULL) {
            fprintf(stderr, "%s: memory exhausted\n", g->prog);
            return 2;
        }
        p[n++] = argv[optind++];
    }
    *pats = p;
    *npats = n;
    return -1;
}

/* Looks at stdout once, as GNU grep does: a regular file must not also be
 * an input; /dev/null means nobody reads the lines, so each file can stop
 * at its first selected line. */
static void inspect_stdout(struct grep *g)
{
    struct stat out, null;

    if (g->quiet || fstat(STDOUT_FILENO, &out) < 0)
        return;
    if (S_ISREG(out.st_mode)) {
        g->out_isreg = true;
        g->out_dev = out.st_dev;
        g->out_ino = out.st_ino;
    } else if (S_ISCHR(out.st_mode) && stat("/dev/null", &null) == 0 &&
               out.st_rdev == null.st_rdev && out.st_ino == null.st_ino) {
        g->dev_null_output = true;
    }
}

int main(int argc, char **argv)
{
    static struct grep g; /* the output buffer: not on the stack */
    const char *slash = strrchr(argv[0], '/');
    const char **pats;
    size_t npats;
    int nops, rc;

    g.prog = slash != NULL ? slash + 1 : argv[0];
    g.with_name = -1;
    rc = parse_args(&g, argc, argv, &pats, &npats);
    if (rc >= 0)
        return rc;
    rc = match_init(&g.m, pats, npats, g.icase);
    free(pats);
    if (rc < 0) {
        fprintf(stderr, "%s: memory exhausted\n", g.prog);
        return 2;
    }
    /* -v with the empty pattern alone selects nothing, whatever the files
     * hold: GNU grep exits 1 at once, without opening them (so a missing
     * file gets no message, and -c prints no counts). */
    if (g.invert && g.m.all && g.m.npat == 0) {
        match_free(&g.m);
        return 1;
    }

    inspect_stdout(&g);
    /* -q wins over -l, which wins over -c (GNU grep's order). */
    if (g.quiet || g.dev_null_output)
        g.list = false;
    if (g.quiet || g.dev_null_output || g.list) {
        g.count = false;
        g.done_on_match = true;
    }
    g.out_quiet = g.count || g.done_on_match;

    nops = argc - optind;
    if (g.with_name < 0 && nops <= 1)
        g.out_file = g.recursive ? -1 : 0;
    else
        g.out_file = g.with_name != 0;

    lines_init(&g.in, LINE_LIMIT + LINES_READ_MIN + 1);
    rc = 0;
    if (nops == 0 && g.recursive) {
        int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            file_error(&g, ".", errno);
        } else {
            g.out_file = g.out_file < 0 ? 1 : g.out_file;
            rc = walk(&g, fd, NULL);
        }
    } else if (nops == 0) {
        rc = grep_operand(&g, "-");
    }
    for (int i = optind; i < argc && rc == 0; i++)
        rc = grep_operand(&g, argv[i]);

    match_free(&g.m);
    lines_free(&g.in);
    if (rc == SCAN_QUIT)
        return 0;
    if (rc == 0)
        rc = out_flush(&g);
    if (rc < 0) {
        fprintf(stderr, "%s: write error: %s\n", g.prog, strerror(-rc));
        return 2;
    }
    return g.errseen ? 2 : g.matched ? 0 : 1;
}
