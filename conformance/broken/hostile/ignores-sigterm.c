/* HOSTILE: ignores SIGTERM: a correct echo server that only SIGKILL stops */
/* Every polite way to end a process (SIGTERM, SIGINT, SIGHUP, SIGQUIT) is
 * ignored. The harness must not wait for it forever: after the stop timeout
 * it kills the sandbox with SIGKILL and fails the stop requirement with "did
 * not exit within ... of SIGTERM". (conformance/broken/echo/ignores-sigterm is
 * the learner's version of this bug; this one ignores every signal it can.)
 */
#include "../echo/common.h"

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    echo_ignore_sigpipe();
    /* HOSTILE: only SIGKILL (and SIGSTOP) cannot be ignored */
    int polite[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof polite / sizeof polite[0]; i++)
        signal(polite[i], SIG_IGN);
    int lfd = echo_listen(o.host, o.port, 1);
    return echo_serve_threads(lfd, echo_copy);
}
