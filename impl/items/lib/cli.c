#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "reqlog.h"

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return n > ITEMS_MAX_THREADS ? ITEMS_MAX_THREADS : (unsigned)n;
}

/* The same lines as the core's items_log() (reqlog.c builds both), with
 * the minimum level --log-level gives once it is parsed: what is said
 * before the core exists (usage errors, a start that failed) and after it
 * is gone ("stopped"). */
static struct reqlog early = {.fd = STDERR_FILENO, .min = ITEMS_INFO};

static void cli_log(enum items_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void cli_log(enum items_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reqlog_vmsg(&early, level, fmt, ap);
    va_end(ap);
}

/* Silences impl/lib's text logger (log.h: "items: warn: ..."), which the
 * shared code under the front ends (acceptor, worker) writes to: items
 * promises one JSON object per stderr line and nothing else. While no app
 * exists those messages are dropped. */
static void text_log_quiet(void)
{
    log_set_sink(NULL, NULL);
    log_set_level((enum log_level)(LOG_LEVEL_ERROR + 1));
}

static void text_line(enum log_level level, const char *msg, void *ctx)
{
    items_log(ctx, (enum items_level)level, "%s", msg);
}

/* From now on, the text logger's messages (the acceptor's "out of
 * descriptors: pausing accept", the worker's handler failures) become JSON
 * lines of app's log, at their own level, filtered by level. */
static void text_log_to(struct items_app *app, enum items_level level)
{
    /* The two enums list the same levels in the same order. */
    log_set_sink(text_line, app);
    log_set_level((enum log_level)level);
}

/* Parses the command line into *o (defaults first). Returns -1 when main()
 * should go on, or the status to exit with: 0 after --help, 2 after a
 * usage error. */
static int parse(int argc, char **argv, const char *prog, const char *summary,
                 struct items_options *o)
{
    const char *storage = "memory", *level = "info";
    unsigned max_items = 1000000, burst = 0;
    char err[256];
    const struct args_opt extra[] = {
        {"storage", ARGS_STRING, &storage, 0, 0, "memory|sqlite",
         "where items live (default memory: nothing survives a restart)"},
        {"db", ARGS_STRING, &o->app.db_path, 0, 0, "PATH",
         "the SQLite database file (required with --storage sqlite; created when missing)"},
        {"threads", ARGS_UINT, &o->threads, 1, ITEMS_MAX_THREADS, "N",
         "worker threads (default: online CPUs)"},
        {"max-body", ARGS_SIZE, &o->max_body, 0, 1ULL << 30, "BYTES",
         "larger request bodies get 413 (default 64k)"},
        {"max-items", ARGS_UINT, &max_items, 0, 4294967295ULL, "N",
         "a create past N stored items gets 503 (default 1000000)"},
        {"rate", ARGS_UINT, &o->app.rate, 0, 1000000000, "N",
         "requests per second per client address on /items routes; 0 (default): no limit"},
        {"burst", ARGS_UINT, &burst, 1, 1000000000, "N",
         "tokens a client's bucket holds (default: --rate, at least 1)"},
        {"log-level", ARGS_STRING, &level, 0, 0, "debug|info|warn|error",
         "print log lines at this level or above (default info)"},
        {"shutdown-timeout", ARGS_UINT, &o->shutdown_timeout, 0, 3600, "SEC",
         "on SIGTERM, requests still unfinished after SEC seconds are cut (default 10)"},
        {"idle-timeout", ARGS_UINT, &o->idle_timeout, 1, 3600, "SEC",
         "close a connection that waits SEC seconds for a request (default 15)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    int lv;

    memset(o, 0, sizeof(*o));
    o->app.storage = ITEMS_MEMORY;
    o->app.log_fd = STDERR_FILENO;
    o->max_body = 64 * 1024;
    o->shutdown_timeout = 10;
    o->idle_timeout = 15;
    if (args_parse_server(argc, argv, &o->srv, extra, err, sizeof(err)) < 0) {
        cli_log(ITEMS_ERROR, "%s (try --help)", err);
        return 2;
    }
    if (o->srv.help) {
        args_usage_server(stdout, prog, summary, extra);
        return 0;
    }
    if (strcmp(storage, "memory") == 0) {
        o->app.storage = ITEMS_MEMORY;
    } else if (strcmp(storage, "sqlite") == 0) {
        o->app.storage = ITEMS_SQLITE;
    } else {
        cli_log(ITEMS_ERROR, "--storage: expected memory or sqlite, got '%s' (try --help)",
                storage);
        return 2;
    }
    if (o->app.storage == ITEMS_SQLITE && (o->app.db_path == NULL || o->app.db_path[0] == '\0')) {
        cli_log(ITEMS_ERROR, "--storage sqlite needs --db PATH (try --help)");
        return 2;
    }
    lv = log_parse_level(level);
    if (lv < 0) {
        cli_log(ITEMS_ERROR,
                "--log-level: expected debug, info, warn or error, got '%s' (try --help)", level);
        return 2;
    }
    /* log.h and api.h list the levels in the same order. */
    o->app.log_level = (enum items_level)lv;
    early.min = o->app.log_level;
    o->app.max_items = max_items;
    o->app.burst = burst != 0 ? burst : (o->app.rate > 0 ? o->app.rate : 1);
    if (o->threads == 0)
        o->threads = online_cpus();
    return -1;
}

int items_cli_start(int argc, char **argv, const char *prog, const char *summary,
                    struct items_options *o, struct items_app **app)
{
    char err[512];
    int rc = parse(argc, argv, prog, summary, o);

    if (rc >= 0)
        return rc;
    text_log_quiet();
    rc = items_app_open(&o->app, app, err, sizeof(err));
    if (rc < 0) {
        cli_log(ITEMS_ERROR, "cannot start: %s", err);
        return 1;
    }
    text_log_to(*app, o->app.log_level);
    return -1;
}

void items_cli_finish(struct items_app *app, int status)
{
    text_log_quiet(); /* its sink writes through the app */
    items_app_close(app);
    if (status == 0)
        cli_log(ITEMS_INFO, "stopped");
}
