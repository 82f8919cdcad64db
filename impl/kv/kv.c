/* kv: a mini Redis. One string type, RESP2, pub/sub, expiry, an optional
 * append-only file; redis-cli and redis-benchmark work with it unchanged.
 *
 * This file is the command line and nothing else: the server is
 * lib/server.c (connections, requests, the timer), lib/commands.c (what
 * each command does), lib/pubsub.c, lib/db.c (the keyspace), lib/aof.c
 * (the append-only file) and lib/resp.c (the protocol). See README.md. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "aof.h"
#include "args.h"
#include "log.h"
#include "server.h"
#include "sig.h"

#define DEFAULT_PUBSUB_LIMIT (32u * 1024 * 1024)

/* The hash seed: random per process, so that no client can choose keys
 * (or channel names) that all land in one bucket. */
static int random_seed(uint8_t seed[16])
{
    size_t got = 0;

    while (got < 16) {
        ssize_t n = getrandom(seed + got, 16 - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)n;
    }
    return 0;
}

/* "yes" or "no" -> *out. */
static int parse_yes_no(const char *s, bool *out)
{
    if (strcmp(s, "yes") == 0)
        *out = true;
    else if (strcmp(s, "no") == 0)
        *out = false;
    else
        return -EINVAL;
    return 0;
}

int main(int argc, char **argv)
{
    static struct server s; /* large (scratch buffer): not on the stack */
    static struct kv_config cfg;
    const char *appendonly = "no", *appendfsync = "everysec";
    struct args_server a;
    uint8_t seed[16];
    struct stat st;
    int rc;

    cfg.dir = ".";
    cfg.pubsub_limit = DEFAULT_PUBSUB_LIMIT;
    cfg.hz = 10;
    cfg.maxclients = 10000;
    cfg.timeout = 0;
    const struct args_opt extra[] = {
        {"dir", ARGS_STRING, &cfg.dir, 0, 0, "DIR",
         "directory of the append-only file (default .)"},
        {"appendonly", ARGS_STRING, &appendonly, 0, 0, "yes|no",
         "log every change to DIR/appendonly.aof and replay it on start (default no)"},
        {"appendfsync", ARGS_STRING, &appendfsync, 0, 0, "always|everysec|no",
         "when the log reaches the disk (default everysec)"},
        {"pubsub-limit", ARGS_SIZE, &cfg.pubsub_limit, 0, SIZE_MAX, "BYTES",
         "disconnect a subscriber with more than BYTES of messages waiting; 0: no limit "
         "(default 32m)"},
        {"hz", ARGS_UINT, &cfg.hz, 1, 500, "N",
         "active-expiry and timeout checks per second (default 10)"},
        {"maxclients", ARGS_UINT, &cfg.maxclients, 1, 1000000, "N",
         "refuse clients beyond N at once (default 10000)"},
        {"timeout", ARGS_UINT, &cfg.timeout, 0, 100000000, "SEC",
         "close a client idle SEC seconds, not subscribers; 0: never (default 0)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, extra, "kv",
                         "A mini Redis: strings, expiry, pub/sub and an append-only file, "
                         "over RESP2.");
    if (rc >= 0)
        return rc;
    if (parse_yes_no(appendonly, &cfg.appendonly) < 0) {
        log_error("--appendonly: expected yes or no, got '%s' (try --help)", appendonly);
        return 2;
    }
    if (aof_fsync_parse(appendfsync, &cfg.appendfsync) < 0) {
        log_error("--appendfsync: expected always, everysec or no, got '%s' (try --help)",
                  appendfsync);
        return 2;
    }
    cfg.host = a.host;
    cfg.port = a.port;
    /* Before anything else, as redis's chdir to --dir: a typo in the path
     * is a clear error, not an empty keyspace and a failure later. */
    if (stat(cfg.dir, &st) != 0) {
        log_error("--dir %s: %s", cfg.dir, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        log_error("--dir %s: not a directory", cfg.dir);
        return 1;
    }

    rc = random_seed(seed);
    if (rc < 0) {
        log_error("getrandom: %s", strerror(-rc));
        return 1;
    }
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = server_start(&s, &cfg, seed);
    if (rc == 0)
        rc = server_run(&s);
    if (server_free(&s) < 0 && rc == 0)
        rc = -EIO; /* the last changes may not be on disk: say so */
    return rc < 0 ? 1 : 0;
}
