/* proxy: the reference reverse proxy. One upstream, one event loop, one
 * thread: main() reads the options, resolves --upstream, creates the
 * forwarding engine (lib/fwd.c) with no hooks, and runs the loop until
 * SIGTERM or SIGINT, then closes everything and exits 0. Everything a
 * request goes through is in lib/: see README.md. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "fwd.h"
#include "log.h"
#include "loop.h"
#include "sig.h"

int main(int argc, char **argv)
{
    struct args_server srv;
    const char *upstream = NULL;
    struct fwd_cli d = FWD_CLI_DEFAULTS;
    const struct args_opt extra[] = {
        {"upstream", ARGS_STRING, &upstream, 0, 0, "HOST:PORT",
         "the origin to forward to (required)"},
        FWD_CLI_OPTIONS(d, "upstream"),
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct fwd_config cfg = {0};
    struct fwd_upstream *ups = NULL;
    struct loop *loop = NULL;
    struct fwd *f = NULL;
    int sigfd = -1, rc, status = 1;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &srv, extra, "proxy",
                         "Reverse proxy: forwards every HTTP/1.1 request to --upstream, streaming "
                         "bodies both ways, with a keep-alive pool of upstream connections.");
    if (rc >= 0)
        return rc;
    if (fwd_parse_common_options(&d, true, &cfg) < 0)
        return 2;
    if (upstream == NULL) {
        log_error("--upstream is required (try --help)");
        return 2;
    }
    rc = fwd_parse_upstreams(upstream, &ups, &cfg.nupstreams);
    if (rc < 0) {
        log_error("--upstream %s: %s", upstream,
                  rc == -EINVAL ? "expected HOST:PORT" : strerror(-rc));
        /* 2 for the user's mistake, 1 for a failure to start. */
        return rc == -EINVAL || rc == -EADDRNOTAVAIL ? 2 : 1;
    }
    if (cfg.nupstreams != 1) {
        log_error("--upstream takes one HOST:PORT (the lb takes several)");
        free(ups);
        return 2;
    }
    cfg.host = srv.host;
    cfg.port = srv.port;
    cfg.upstreams = ups;
    cfg.via_name = "osnet-proxy";

    /* Writing to a connection the peer has reset must fail with EPIPE, not
     * kill the process; SIGTERM and SIGINT come through a signalfd. */
    rc = sig_ignore_pipe();
    if (rc == 0)
        rc = loop_create(&loop);
    if (rc == 0)
        rc = sig_watch_stop(loop, &sigfd);
    if (rc < 0) {
        log_error("cannot set up the event loop: %s", strerror(-rc));
        goto out;
    }
    rc = fwd_create(loop, &cfg, NULL, &f);
    if (rc < 0)
        goto out; /* the acceptor said why */
    log_info("forwarding to %s", ups[0].name);
    rc = loop_run(loop);
    if (rc < 0) {
        log_error("epoll_wait: %s", strerror(-rc));
        goto out;
    }
    status = 0;
out:
    fwd_destroy(f);
    if (loop != NULL)
        loop_destroy(loop);
    if (sigfd >= 0)
        close(sigfd);
    free(ups);
    return status;
}
