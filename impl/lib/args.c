#include "args.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A server's options are looked up in two tables: the shared ones and the
 * program's own. */
#define ARGS_TABLES 2

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static const struct args_opt *find(const struct args_opt *const tables[ARGS_TABLES],
                                   const char *name, size_t len)
{
    for (size_t t = 0; t < ARGS_TABLES; t++) {
        for (const struct args_opt *o = tables[t]; o != NULL && o->name != NULL; o++) {
            if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
                return o;
        }
    }
    return NULL;
}

/* Writes v as the shortest exact form with a suffix: 262144 -> "256k". */
static void format_size(char *out, size_t outlen, unsigned long long v)
{
    static const char suffixes[] = "kmg";
    int i = -1;

    while (i < 2 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        i++;
    }
    if (i < 0)
        snprintf(out, outlen, "%llu", v);
    else
        snprintf(out, outlen, "%llu%c", v, suffixes[i]);
}

/* Parses a decimal number without sign or spaces, with an optional size
 * suffix. Returns 0 or -EINVAL (also on overflow). */
static int parse_number(const char *s, bool suffix_ok, unsigned long long *out)
{
    unsigned long long v, mult = 1;
    char *end;

    if (s[0] < '0' || s[0] > '9')
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return -EINVAL;
    if (suffix_ok && *end != '\0' && end[1] == '\0') {
        switch (*end) {
        case 'k': case 'K': mult = 1ULL << 10; break;
        case 'm': case 'M': mult = 1ULL << 20; break;
        case 'g': case 'G': mult = 1ULL << 30; break;
        default: return -EINVAL;
        }
        end++;
    }
    if (*end != '\0' || v > ULLONG_MAX / mult)
        return -EINVAL;
    *out = v * mult;
    return 0;
}

static int set_value(const struct args_opt *o, const char *value, char *err, size_t errlen)
{
    unsigned long long v;
    char lo[32], hi[32];

    switch (o->type) {
    case ARGS_FLAG:
        *(bool *)o->dst = true;
        return 0;
    case ARGS_STRING:
        *(const char **)o->dst = value;
        return 0;
    case ARGS_UINT:
        if (parse_number(value, false, &v) < 0 || v < o->min || v > o->max)
            return fail(err, errlen, "--%s: expected %llu..%llu, got '%s'", o->name, o->min,
                        o->max, value);
        *(unsigned *)o->dst = (unsigned)v;
        return 0;
    case ARGS_SIZE:
        if (parse_number(value, true, &v) < 0 || v < o->min || v > o->max) {
            format_size(lo, sizeof(lo), o->min);
            format_size(hi, sizeof(hi), o->max);
            return fail(err, errlen,
                        "--%s: expected a byte count %s..%s (suffix k, m or g allowed), got '%s'",
                        o->name, lo, hi, value);
        }
        *(size_t *)o->dst = (size_t)v;
        return 0;
    }
    return fail(err, errlen, "--%s: bad option table", o->name);
}

static int parse_tables(int argc, char **argv, const struct args_opt *const tables[ARGS_TABLES],
                        char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *name, *eq, *value = NULL;
        const struct args_opt *o;
        size_t len;
        int rc;

        if (strcmp(arg, "-h") == 0)
            arg = "--help";
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
            return fail(err, errlen, "unexpected argument '%s'", arg);

        name = arg + 2;
        eq = strchr(name, '=');
        len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        o = find(tables, name, len);
        if (o == NULL)
            return fail(err, errlen, "unknown option '--%.*s'", (int)len, name);

        if (o->type == ARGS_FLAG) {
            if (eq != NULL)
                return fail(err, errlen, "--%s: takes no value", o->name);
        } else if (eq != NULL) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return fail(err, errlen, "--%s: missing value", o->name);
        }
        rc = set_value(o, value, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int args_parse(int argc, char **argv, const struct args_opt *opts, char *err, size_t errlen)
{
    const struct args_opt *const tables[ARGS_TABLES] = {opts, NULL};

    return parse_tables(argc, argv, tables, err, errlen);
}

/* The shared server options point into *srv, so the table is built per call. */
static void server_opts(struct args_opt opts[4], struct args_server *srv)
{
    const struct args_opt table[4] = {
        {"host", ARGS_STRING, &srv->host, 0, 0, "HOST",
         "address to listen on (default " ARGS_DEFAULT_HOST ")"},
        {"port", ARGS_UINT, &srv->port, 0, 65535, "PORT",
         "port to listen on, 0 picks a free one (default 7007)"},
        {"help", ARGS_FLAG, &srv->help, 0, 0, NULL, "print this help and exit"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };

    memcpy(opts, table, sizeof(table));
}

int args_parse_server(int argc, char **argv, struct args_server *srv,
                      const struct args_opt *extra, char *err, size_t errlen)
{
    struct args_opt shared[4];
    const struct args_opt *tables[ARGS_TABLES];

    srv->host = ARGS_DEFAULT_HOST;
    srv->port = ARGS_DEFAULT_PORT;
    srv->help = false;
    server_opts(shared, srv);
    tables[0] = shared;
    tables[1] = extra;
    return parse_tables(argc, argv, tables, err, errlen);
}

static void print_opt(FILE *out, const struct args_opt *o)
{
    char left[64];

    if (o->metavar != NULL)
        snprintf(left, sizeof(left), "--%s %s", o->name, o->metavar);
    else
        snprintf(left, sizeof(left), "--%s", o->name);
    fprintf(out, "  %-22s %s\n", left, o->help != NULL ? o->help : "");
}

static void print_opts(FILE *out, const struct args_opt *opts)
{
    for (const struct args_opt *o = opts; o != NULL && o->name != NULL; o++)
        print_opt(out, o);
}

void args_usage(FILE *out, const char *prog, const char *summary, const struct args_opt *opts)
{
    fprintf(out, "usage: %s [options]\n", prog);
    if (summary != NULL)
        fprintf(out, "%s\n", summary);
    fprintf(out, "\noptions:\n");
    print_opts(out, opts);
}

void args_usage_server(FILE *out, const char *prog, const char *summary,
                       const struct args_opt *extra)
{
    struct args_server unused;
    struct args_opt shared[4];

    server_opts(shared, &unused);
    fprintf(out, "usage: %s [--host HOST] [--port PORT] [options]\n", prog);
    if (summary != NULL)
        fprintf(out, "%s\n", summary);
    fprintf(out, "\noptions:\n");
    print_opt(out, &shared[0]);
    print_opt(out, &shared[1]);
    print_opts(out, extra);
    print_opt(out, &shared[2]);
}

int args_server_cli(int argc, char **argv, struct args_server *srv,
                    const struct args_opt *extra, const char *prog, const char *summary)
{
    char err[256];

    if (args_parse_server(argc, argv, srv, extra, err, sizeof(err)) < 0) {
        log_error("%s (try --help)", err);
        return 2;
    }
    if (srv->help) {
        args_usage_server(stdout, prog, summary, extra);
        return 0;
    }
    return -1;
}
