/* HOSTILE: accepts never answers: takes every connection, never reads or writes */
/* It is "ready" (connections succeed), and then every request waits for an
 * answer that never comes. Each test must end by its own timeout with "received
 * 0 bytes", not hang; the open connections die with the process.
 */
#include "../echo/common.h"

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    int lfd = echo_listen(o.host, o.port, 1);
    for (;;) {
        int fd = echo_accept(lfd);
        if (fd < 0)
            return 1;
        /* HOSTILE: fd is kept open and never read or written; when the
         * descriptors run out, echo_accept waits for ones that never come back. */
    }
}
