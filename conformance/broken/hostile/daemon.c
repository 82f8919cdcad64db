/* HOSTILE: daemon: a correct echo server that leaves a daemon holding its port */
/* At start it daemonizes a copy of itself the classic way (fork, setsid,
 * fork again, stdio to /dev/null), and that copy keeps the listening socket
 * and sleeps forever. The server itself serves and stops on SIGTERM as it
 * should, but the daemon is in a session and process group of its own, so
 * signalling the server's process group misses it, and the port stays open
 * after the server is gone. The harness must find it anyway (it is still in
 * the sandbox), kill it, and fail the stop requirement with "left behind".
 */
#include "../echo/common.h"
#include <sys/wait.h>

/* Forks a daemon that holds lfd and sleeps; returns in the caller only. */
static void leave_a_daemon(int lfd)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid > 0) {
        waitpid(pid, NULL, 0); /* the first child exits at once */
        return;
    }
    setsid(); /* HOSTILE: out of the process group the harness signals */
    if (fork() != 0)
        _exit(0); /* the grandchild is reparented, and can never regain a terminal */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    if (chdir("/") < 0)
        _exit(1);
    (void)lfd; /* inherited, never closed: the port stays in LISTEN */
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    echo_ignore_sigpipe();
    int lfd = echo_listen(o.host, o.port, 1);
    leave_a_daemon(lfd);
    return echo_serve_threads(lfd, echo_copy);
}
