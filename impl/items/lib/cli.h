#ifndef OSNET_ITEMS_CLI_H
#define OSNET_ITEMS_CLI_H

#include <stddef.h>

#include "api.h"
#include "args.h"

/* The command line both front ends accept (items and items-mhd take the
 * same flags, so a test or a benchmark can swap one for the other), and the
 * JSON lines they write before the service core exists to write them. */

struct items_options {
    struct args_server srv;    /* --host, --port */
    struct items_config app;   /* --storage, --db, --max-items, --rate, --burst, --log-level */
    unsigned threads;          /* --threads: worker threads (default: online CPUs) */
    size_t max_body;           /* --max-body: larger request bodies get 413 */
    unsigned shutdown_timeout; /* --shutdown-timeout: seconds a graceful stop may take */
    unsigned idle_timeout;     /* --idle-timeout: seconds a connection may wait for a request */
};

#define ITEMS_MAX_THREADS 256

/* Parses the command line into *o (defaults first). A usage error is
 * logged as a JSON line; --help prints the usage to stdout. Returns -1 when
 * main() should go on, or the status main() should exit with at once: 0
 * after --help, 2 after a usage error (a bad value, --storage sqlite
 * without --db). */
int items_cli_parse(int argc, char **argv, const char *prog, const char *summary,
                    struct items_options *o);

/* Writes one JSON line {"time":..,"level":..,"msg":..} to stderr (when
 * level is at or above --log-level), for what
 * is said before items_app_open() succeeded (and so before items_log() can
 * be used): usage errors, a start that failed. printf-style. */
void items_cli_log(enum items_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Silences impl/lib's text logger (log.h: "items: warn: ..."), which the
 * shared code under the front ends (acceptor, worker) writes to: items
 * promises one JSON object per stderr line and nothing else. Until the
 * app exists those messages are dropped. */
void items_cli_quiet_text_log(void);

/* From now on, the text logger's messages (the acceptor's "out of
 * descriptors: pausing accept", the worker's handler failures) become JSON
 * lines of app's log, at their own level, filtered by level. */
void items_cli_text_log(struct items_app *app, enum items_level level);

#endif
