#ifndef OSNET_ITEMS_CLI_H
#define OSNET_ITEMS_CLI_H

#include <stddef.h>

#include "api.h"
#include "args.h"

/* The command line both front ends accept (items and items-mhd take the
 * same flags, so a test or a benchmark can swap one for the other), and the
 * start and end of their log: JSON lines from before the service core
 * exists to write them, and from after it is closed. */

struct items_options {
    struct args_server srv;    /* --host, --port */
    struct items_config app;   /* --storage, --db, --max-items, --rate, --burst, --log-level */
    unsigned threads;          /* --threads: worker threads (default: online CPUs) */
    size_t max_body;           /* --max-body: larger request bodies get 413 */
    unsigned shutdown_timeout; /* --shutdown-timeout: seconds a graceful stop may take */
    unsigned idle_timeout;     /* --idle-timeout: seconds a connection may wait for a request */
};

#define ITEMS_MAX_THREADS 256

/* The start both front ends share: parses the command line into *o
 * (defaults first), opens the service core into *app, and from then on
 * turns the messages of impl/lib's text logger (log.h: the acceptor's "out
 * of descriptors: pausing accept", the worker's handler failures) into
 * JSON lines of the app's log, filtered by --log-level, so that every line
 * on stderr is one JSON object. A usage error or a failed start is logged
 * as a JSON line; --help prints the usage to stdout. Returns -1 when main()
 * should go on, or the status main() should exit with at once: 0 after
 * --help, 2 after a usage error (a bad value, --storage sqlite without
 * --db), 1 when the core could not be opened (the database, say). */
int items_cli_start(int argc, char **argv, const char *prog, const char *summary,
                    struct items_options *o, struct items_app **app);

/* The end both share, once nothing runs that could log: detaches the text
 * logger from app, closes app (SQLite: closing every connection
 * checkpoints and removes the WAL), and logs "stopped" when main() exits
 * with status 0. */
void items_cli_finish(struct items_app *app, int status);

#endif
