/* lb: the reference HTTP load balancer: the proxy's forwarding engine
 * (impl/proxy/lib/fwd.h) with hooks that spread requests over several
 * backends and keep the broken ones out of rotation.
 *
 * Everything runs on one event loop: the engine (clients, upstream
 * connections and their pools), the active health checker (lib/health.c)
 * and the stop signal. The hooks below are the whole of the load balancer
 * proper; the decisions themselves live in lib/backends.c, which is
 * tested on its own with a fake clock:
 *
 *   choose          the policy picks a backend in rotation; none at all:
 *                   FWD_UNAVAILABLE, the engine answers 503;
 *   local           GET /lb/status is answered here (lib/status.c);
 *   begin, end      requests in flight per backend, for least-conn;
 *   connect_failed  passive ejection, then the engine retries elsewhere;
 *   done            failures after the connection, for /lb/status.
 *
 * When a backend leaves the rotation its idle pooled connections are
 * dropped (fwd_pool_flush): they lead to a backend that is failing, and a
 * backend that comes back should be reached on fresh connections. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "backends.h"
#include "fwd.h"
#include "health.h"
#include "log.h"
#include "loop.h"
#include "sig.h"
#include "status.h"

_Static_assert(LB_MAX_BACKENDS == FWD_MAX_UPSTREAMS, "one bit of `tried` per backend");

struct lb {
    struct loop *loop;
    struct fwd *fwd;
    struct health *health;
    struct fwd_upstream *ups;
    unsigned n;
    unsigned eject_ms;
    struct lb_table table;
    const char *names[LB_MAX_BACKENDS];
    struct health_target targets[LB_MAX_BACKENDS];
};

/* The table's clock: CLOCK_MONOTONIC in milliseconds (it never jumps, so
 * an ejection deadline means what it says). */
static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int hook_choose(void *ctx, struct fwd_info *x, uint64_t tried)
{
    struct lb *lb = ctx;
    uint64_t now = now_ms();
    int i = lb_choose(&lb->table, tried, now);

    if (i >= 0)
        return i;
    if (lb_count_available(&lb->table, now) > 0) {
        /* The backends in rotation all failed this request already (an
         * idempotent request cut before its response, on each): the
         * engine's 502 says what happened. */
        log_debug("%s %s: every backend in rotation failed it", x->method, x->path);
        return -1;
    }
    /* Nothing in rotation, possibly because this very request's connects
     * just ejected the last ones: 503, whatever was tried (LB-015). */
    log_debug("%s %s: no backend in rotation", x->method, x->path);
    return FWD_UNAVAILABLE;
}

static int hook_local(void *ctx, struct fwd_info *x, struct buf *out)
{
    static const char err500[] = "HTTP/1.1 500 Internal Server Error\r\n"
                                 "Content-Type: text/plain\r\nContent-Length: 22\r\n"
                                 "Connection: close\r\n\r\nInternal Server Error\n";
    struct lb *lb = ctx;
    const struct http_request *req = x->req;
    int rc;

    if (strcmp(x->method, "GET") != 0 || strcmp(x->path, "/lb/status") != 0)
        return 0;
    /* The engine keeps the client connection exactly when the request
     * asked for it (see fwd.h), so the response says the same: an
     * HTTP/1.0 client hears "keep-alive", or it would wait for a close. */
    rc = lb_status_response(&lb->table, now_ms(),
                            !req->keep_alive ? "close"
                            : req->minor == 0 ? "keep-alive"
                                              : NULL,
                            out);
    if (rc == 0) {
        x->status = 200;
        return 1;
    }
    log_warn("GET /lb/status: %s", strerror(-rc));
    /* Not even a small error fits: let the engine forward the request
     * (a backend answers 404) rather than send nothing. */
    if (buf_append(out, err500, sizeof(err500) - 1) < 0)
        return 0;
    x->status = 500;
    return 1;
}

static void hook_begin(void *ctx, int upstream)
{
    struct lb *lb = ctx;

    lb_begin(&lb->table, (unsigned)upstream);
}

static void hook_end(void *ctx, int upstream)
{
    struct lb *lb = ctx;

    lb_end(&lb->table, (unsigned)upstream);
}

static void hook_connect_failed(void *ctx, int upstream, int err)
{
    struct lb *lb = ctx;
    const char *name = lb->names[upstream];

    if (lb_connect_failed(&lb->table, (unsigned)upstream, now_ms()) != LB_WENT_DOWN)
        return;
    if (lb->health != NULL)
        log_warn("backend %s down: connect: %s (back after %u passed checks)", name, strerror(err),
                 lb->table.rise);
    else
        log_warn("backend %s ejected for %u ms: connect: %s", name, lb->eject_ms, strerror(err));
    fwd_pool_flush(lb->fwd, upstream);
}

static void hook_done(void *ctx, struct fwd_info *x, enum fwd_outcome outcome)
{
    struct lb *lb = ctx;

    /* Connect failures were counted in hook_connect_failed, one per
     * attempt; this is the one failure after the connection was made. */
    if (outcome == FWD_UPSTREAM_FAILED && x->upstream >= 0)
        lb_upstream_failed(&lb->table, (unsigned)x->upstream);
}

static void health_result(void *ctx, unsigned i, bool pass, const char *why)
{
    struct lb *lb = ctx;

    switch (lb_check_result(&lb->table, i, pass)) {
    case LB_WENT_DOWN:
        log_warn("backend %s down: %u failed checks in a row (last: %s)", lb->names[i],
                 lb->table.fall, why);
        fwd_pool_flush(lb->fwd, (int)i);
        break;
    case LB_CAME_UP:
        log_info("backend %s up: %u passed checks in a row", lb->names[i], lb->table.rise);
        break;
    default:
        break;
    }
}

struct options {
    struct args_server srv;
    struct fwd_cli common; /* the options proxy and sidecar take too */
    const char *backends, *policy, *health_path, *health_interval, *eject_time;
    unsigned rise, fall;
};

/* Parses one of lb's own duration options (seconds, decimals allowed) into
 * ms. Returns 0, or -1 after logging what is wrong. */
static int seconds_opt(const char *name, const char *value, unsigned *ms)
{
    if (fwd_parse_seconds(value, ms) < 0) {
        log_error("--%s: expected seconds (such as 5 or 0.5), got '%s' (try --help)", name, value);
        return -1;
    }
    return 0;
}

static uint64_t random_seed(void)
{
    uint64_t seed;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = now_ms() ^ ((uint64_t)getpid() << 32);
    return seed;
}

int main(int argc, char **argv)
{
    struct options o = {
        .common = FWD_CLI_DEFAULTS,
        .policy = "round-robin",
        .health_interval = "2",
        .eject_time = "10",
        .rise = 2,
        .fall = 3,
    };
    const struct args_opt extra[] = {
        {"backends", ARGS_STRING, &o.backends, 0, 0, "LIST",
         "the backends, HOST:PORT[,HOST:PORT...], in order (required)"},
        {"policy", ARGS_STRING, &o.policy, 0, 0, "NAME",
         "round-robin, random or least-conn (default round-robin)"},
        FWD_CLI_OPTIONS(o.common, "backend"),
        {"health-path", ARGS_STRING, &o.health_path, 0, 0, "PATH",
         "check every backend with GET PATH; 2xx and 3xx pass (default: no checks)"},
        {"health-interval", ARGS_STRING, &o.health_interval, 0, 0, "SEC",
         "seconds between checks of one backend, and a check's timeout (default 2)"},
        {"rise", ARGS_UINT, &o.rise, 1, 1000, "N",
         "passed checks in a row that put a down backend back (default 2)"},
        {"fall", ARGS_UINT, &o.fall, 1, 1000, "N",
         "failed checks in a row that take an up backend out (default 3)"},
        {"eject-time", ARGS_STRING, &o.eject_time, 0, 0, "SEC",
         "after a connect failure a backend is out this long; with checks, until they "
         "pass --rise times (default 10)"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct fwd_config cfg = {.via_name = "osnet-lb"};
    struct fwd_hooks hooks = {
        .choose = hook_choose,
        .local = hook_local,
        .begin = hook_begin,
        .end = hook_end,
        .connect_failed = hook_connect_failed,
        .done = hook_done,
    };
    struct lb lb = {0};
    unsigned interval_ms = 0;
    int policy, rc, sig_fd = -1, status = 1;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &o.srv, extra, "lb",
                         "HTTP load balancer: forwards each request to one of --backends, "
                         "by --policy, and keeps failing backends out of rotation.");
    if (rc >= 0)
        return rc;
    if (fwd_parse_common_options(&o.common, true, &cfg) < 0)
        return 2;
    if (o.backends == NULL) {
        log_error("--backends is required (try --help)");
        return 2;
    }
    policy = lb_policy_parse(o.policy);
    if (policy < 0) {
        log_error("--policy: expected round-robin, random or least-conn, got '%s' (try --help)",
                  o.policy);
        return 2;
    }
    if (o.health_path != NULL && o.health_path[0] != '/') {
        log_error("--health-path: expected a path starting with '/', got '%s' (try --help)",
                  o.health_path);
        return 2;
    }
    if (seconds_opt("health-interval", o.health_interval, &interval_ms) < 0 ||
        seconds_opt("eject-time", o.eject_time, &lb.eject_ms) < 0)
        return 2;
    if (o.health_path != NULL && interval_ms == 0) {
        log_error("--health-interval: must be more than 0 (try --help)");
        return 2;
    }
    rc = fwd_parse_upstreams(o.backends, &lb.ups, &lb.n);
    if (rc < 0) {
        if (rc == -EINVAL)
            log_error("--backends: expected host:port[,host:port...] (at most %d), got '%s' "
                      "(try --help)",
                      FWD_MAX_UPSTREAMS, o.backends);
        else
            log_error("--backends '%s': %s", o.backends,
                      rc == -EADDRNOTAVAIL ? "a host name does not resolve" : strerror(-rc));
        return 2;
    }

    for (unsigned i = 0; i < lb.n; i++) {
        lb.names[i] = lb.ups[i].name;
        lb.targets[i] = (struct health_target){
            lb.ups[i].name, (const struct sockaddr *)&lb.ups[i].addr, lb.ups[i].addr_len};
    }
    rc = lb_table_init(&lb.table, lb.names, lb.n, (enum lb_policy)policy, o.health_path != NULL,
                       o.rise, o.fall, lb.eject_ms, random_seed());
    if (rc < 0) {
        log_error("cannot set up the backend table: %s", strerror(-rc));
        goto out;
    }

    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = loop_create(&lb.loop);
    if (rc == 0)
        rc = sig_watch_stop(lb.loop, &sig_fd);
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        goto out;
    }
    cfg.host = o.srv.host;
    cfg.port = o.srv.port;
    cfg.upstreams = lb.ups;
    cfg.nupstreams = lb.n;
    hooks.ctx = &lb;
    rc = fwd_create(lb.loop, &cfg, &hooks, &lb.fwd);
    if (rc < 0)
        goto out; /* the acceptor said why */
    if (o.health_path != NULL) {
        rc = health_start(lb.loop, lb.targets, lb.n, o.health_path, interval_ms, health_result, &lb,
                          &lb.health);
        if (rc < 0) {
            log_error("cannot start the health checks: %s", strerror(-rc));
            goto out;
        }
    }
    log_info("%u backends, %s%s%s", lb.n, o.policy,
             o.health_path != NULL ? ", checks GET " : ", no active checks",
             o.health_path != NULL ? o.health_path : "");

    rc = loop_run(lb.loop);
    if (rc < 0)
        log_error("epoll_wait: %s", strerror(-rc));
    else
        status = 0;
out:
    health_destroy(lb.health);
    fwd_destroy(lb.fwd);
    if (lb.loop != NULL)
        loop_destroy(lb.loop);
    if (sig_fd >= 0)
        close(sig_fd);
    free(lb.ups);
    return status;
}
