/* http: the reference HTTP/1.1 server (and, given --cert and --key, HTTPS),
 * with a small router and static files.
 *
 * main() reads the options, opens the document root, the access log and
 * the TLS context, blocks SIGTERM and SIGINT (before any thread exists, so
 * every thread inherits the mask), opens one listening socket per worker
 * on the same address with SO_REUSEPORT (lib/listeners.c), and starts
 * the workers (lib/worker.c): each one runs its own event loop on its own
 * socket, and the kernel spreads new connections over the sockets. The
 * main thread then only waits for a stop signal, wakes every worker
 * through its eventfd, joins them and exits 0. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "listeners.h"
#include "log.h"
#include "net.h"
#include "routes.h"
#include "sig.h"
#include "tls.h"
#include "worker.h"

#define MAX_THREADS 256

struct options {
    struct args_server srv;
    const char *root;
    unsigned threads;
    unsigned header_timeout, idle_timeout, handshake_timeout, send_timeout;
    size_t max_body;
    const char *access_log;
    const char *cert, *key;
};

static void *worker_main(void *arg)
{
    int rc = worker_run(arg);

    if (rc < 0)
        log_error("worker: epoll_wait: %s", strerror(-rc));
    return NULL;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* Opens what the configuration names: the root, the access log, the TLS
 * context. Returns 0, or -1 after logging why. */
static int config_open(const struct options *o, struct http_config *cfg)
{
    char err[512];

    cfg->root_fd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cfg->root_fd < 0) {
        log_error("--root %s: %s", o->root, strerror(errno));
        return -1;
    }
    if (o->access_log != NULL) {
        if (strcmp(o->access_log, "-") == 0) {
            cfg->log_fd = STDERR_FILENO;
        } else {
            cfg->log_fd = open(o->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            if (cfg->log_fd < 0) {
                log_error("--access-log %s: %s", o->access_log, strerror(errno));
                return -1;
            }
        }
    }
    if ((o->cert == NULL) != (o->key == NULL)) {
        log_error("--cert and --key go together");
        return -1;
    }
    if (o->cert != NULL) {
        cfg->tls = tls_ctx_new(o->cert, o->key, err, sizeof(err));
        if (cfg->tls == NULL) {
            log_error("TLS: %s", err);
            return -1;
        }
    }
    return 0;
}

static void config_close(struct http_config *cfg)
{
    if (cfg->root_fd >= 0)
        close(cfg->root_fd);
    if (cfg->log_fd > STDERR_FILENO)
        close(cfg->log_fd);
    SSL_CTX_free(cfg->tls);
}

int main(int argc, char **argv)
{
    struct options o = {
        .threads = 0,
        .header_timeout = 10,
        .idle_timeout = 15,
        .handshake_timeout = 10,
        .send_timeout = 60,
        .max_body = 1024 * 1024,
    };
    const struct args_opt extra[] = {
        {"root", ARGS_STRING, &o.root, 0, 0, "DIR", "serve static files from DIR (required)"},
        {"threads", ARGS_UINT, &o.threads, 1, MAX_THREADS, "N",
         "worker threads, each with its own listening socket (default: online CPUs)"},
        {"header-timeout", ARGS_UINT, &o.header_timeout, 1, 3600, "SEC",
         "a request head must be complete SEC seconds after its first byte (default 10)"},
        {"idle-timeout", ARGS_UINT, &o.idle_timeout, 1, 3600, "SEC",
         "close a connection idle between requests for SEC seconds (default 15)"},
        {"send-timeout", ARGS_UINT, &o.send_timeout, 1, 3600, "SEC",
         "close a connection whose body or response makes no progress for SEC seconds "
         "(default 60)"},
        {"max-body", ARGS_SIZE, &o.max_body, 0, 1ULL << 40, "BYTES",
         "larger request bodies get 413 (default 1m)"},
        {"access-log", ARGS_STRING, &o.access_log, 0, 0, "PATH",
         "one Combined Log Format line per request to PATH ('-': stderr)"},
        {"cert", ARGS_STRING, &o.cert, 0, 0, "PEM", "serve HTTPS: certificate chain, leaf first"},
        {"key", ARGS_STRING, &o.key, 0, 0, "PEM", "the private key of --cert"},
        {"handshake-timeout", ARGS_UINT, &o.handshake_timeout, 1, 3600, "SEC",
         "drop a TLS handshake not done SEC seconds after accept (default 10)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct http_config cfg = {.root_fd = -1, .log_fd = -1};
    struct router router;
    struct worker *workers[MAX_THREADS] = {0};
    pthread_t tids[MAX_THREADS];
    int fds[MAX_THREADS];
    unsigned started = 0, nfds = 0;
    char addr[NET_ADDR_MAX];
    int rc, status = 1;

    log_init(argv[0]);
    router_init(&router);
    rc = args_server_cli(argc, argv, &o.srv, extra, "http",
                         "HTTP/1.1 server (HTTPS with --cert and --key): a router, then static "
                         "files under --root.");
    if (rc >= 0)
        return rc;
    if (o.root == NULL) {
        log_error("--root is required (try --help)");
        return 2;
    }
    if (o.threads == 0)
        o.threads = default_threads();

    if (config_open(&o, &cfg) < 0)
        goto out;
    rc = routes_register(&router);
    if (rc < 0) {
        log_error("cannot set up the routes: %s", strerror(-rc));
        goto out;
    }
    cfg.router = &router;
    cfg.header_timeout_ms = o.header_timeout * 1000;
    cfg.idle_timeout_ms = o.idle_timeout * 1000;
    cfg.handshake_timeout_ms = o.handshake_timeout * 1000;
    cfg.send_timeout_ms = o.send_timeout * 1000;
    cfg.max_body = o.max_body;
    cfg.limits = http_reference_limits;

    /* Before any thread: the signals stay blocked in all of them, and only
     * this thread takes them (sigwait below). SIGPIPE would kill the process
     * when OpenSSL writes to a connection the peer reset. */
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = sig_block_stop();
    if (rc < 0) {
        log_error("cannot set up signals: %s", strerror(-rc));
        goto out;
    }
    rc = listeners_open(o.srv.host, o.srv.port, fds, o.threads);
    if (rc < 0) {
        log_error("cannot listen on %s:%u: %s", o.srv.host, o.srv.port, strerror(-rc));
        goto out;
    }
    nfds = o.threads;
    for (unsigned i = 0; i < o.threads; i++) {
        rc = worker_create(&cfg, fds[i], &workers[i]);
        if (rc == 0)
            rc = -pthread_create(&tids[i], NULL, worker_main, workers[i]);
        if (rc < 0) {
            log_error("cannot start worker %u: %s", i, strerror(-rc));
            goto stop;
        }
        started++;
    }
    if (net_local_addr(fds[0], addr, sizeof(addr)) == 0)
        log_info("listening on %s (%u %s%s)", addr, o.threads,
                 o.threads == 1 ? "worker" : "workers", cfg.tls != NULL ? ", TLS" : "");

    rc = sig_wait_stop();
    if (rc > 0)
        log_info("%s: stopping", rc == SIGTERM ? "SIGTERM" : "SIGINT");
    status = 0;
stop:
    for (unsigned i = 0; i < started; i++)
        worker_stop(workers[i]);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
out:
    for (unsigned i = 0; i < o.threads && i < MAX_THREADS; i++)
        worker_destroy(workers[i]);
    for (unsigned i = 0; i < nfds; i++)
        close(fds[i]);
    router_free(&router);
    config_close(&cfg);
    return status;
}
