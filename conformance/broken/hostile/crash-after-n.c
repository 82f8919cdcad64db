/* HOSTILE: crash after n: a correct echo server that dies at its 50th request */
/* It echoes faithfully, counting the reads that bring data (its
 * "requests"); the 50th writes through a NULL pointer and the process dies
 * of SIGSEGV in the middle of a test. The harness must report the crash as
 * the program's failure (not its own error) and start the next test afresh.
 */
#include "../echo/common.h"
#include <stdatomic.h>

#define CRASH_AT 50

static atomic_int requests;

static void serve(int fd)
{
    char buf[ECHO_BUF_SIZE];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (atomic_fetch_add(&requests, 1) + 1 == CRASH_AT) {
            volatile int *null = NULL;
            *null = 1; /* HOSTILE: the crash the program had coming */
        }
        if (echo_send_all(fd, buf, (size_t)n) < 0)
            break;
    }
    close(fd);
}

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    echo_ignore_sigpipe();
    int lfd = echo_listen(o.host, o.port, 1);
    return echo_serve_threads(lfd, serve);
}
