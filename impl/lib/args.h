#ifndef OSNET_ARGS_H
#define OSNET_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Long-option parsing for the osnet programs: "--name value" or
 * "--name=value", and "-h" as a synonym of "--help". Nothing here prints to
 * stderr or exits: errors come back as a message for main() to print before
 * it exits with status 2. */

enum args_type {
    ARGS_FLAG,   /* bool *: set to true; takes no value */
    ARGS_STRING, /* const char **: points into argv */
    ARGS_UINT,   /* unsigned *: decimal within [min, max] */
    ARGS_SIZE,   /* size_t *: decimal with an optional k, m or g suffix
                    (powers of 1024), within [min, max] */
};

/* One option. A table of options ends with an entry whose name is NULL. */
struct args_opt {
    const char *name; /* without the leading "--" */
    enum args_type type;
    void *dst;
    unsigned long long min, max; /* for ARGS_UINT and ARGS_SIZE; max must fit
                                    in the destination type */
    const char *metavar;         /* the value's name in the usage text */
    const char *help;
};

/* The options every server accepts. */
struct args_server {
    const char *host; /* --host, default "127.0.0.1" */
    unsigned port;    /* --port, default 7007; 0 means any free port */
    bool help;        /* --help or -h was given */
};

#define ARGS_DEFAULT_HOST "127.0.0.1"
#define ARGS_DEFAULT_PORT 7007

/* Parses argv[1..argc-1] against opts, storing values through each option's
 * dst; options that do not appear keep whatever dst held. Returns 0, or
 * -EINVAL with a one-line message in err, such as
 * "--port: expected 0..65535, got 'abc'". */
int args_parse(int argc, char **argv, const struct args_opt *opts, char *err, size_t errlen);

/* Sets the defaults of *srv, then parses --host, --port, --help and the
 * program's own options in extra (NULL for none). Returns as args_parse. */
int args_parse_server(int argc, char **argv, struct args_server *srv,
                      const struct args_opt *extra, char *err, size_t errlen);

/* The command line of a server's main(): parses it as args_parse_server
 * and does what every server does with the outcome: a usage error is logged
 * ("<what is wrong> (try --help)") and --help prints args_usage_server(prog,
 * summary, extra) to stdout. Returns -1 when main() should go on, or the
 * status main() should exit with at once: 0 after --help, 2 on an error. */
int args_server_cli(int argc, char **argv, struct args_server *srv,
                    const struct args_opt *extra, const char *prog, const char *summary);

/* Prints "usage: <prog> [options]", the summary, and one line per option. */
void args_usage(FILE *out, const char *prog, const char *summary, const struct args_opt *opts);

/* Prints the usage of a server: --host, --port, the options in extra (NULL
 * for none), --help. */
void args_usage_server(FILE *out, const char *prog, const char *summary,
                       const struct args_opt *extra);

#endif
