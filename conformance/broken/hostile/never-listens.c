/* HOSTILE: never listens: binds its port, forgets listen(), and waits forever */
/* Every connection to its port is refused, so the harness can never see it
 * ready. What this checks is the harness, not the program: one start gives up
 * after the readiness timeout, the starts of later tests give up at once ("not
 * waiting again"), so a whole check ends in about one timeout rather than one
 * per test; and the sleeping process is stopped and gone afterwards.
 */
#include "../echo/common.h"

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    /* A bound socket that is not listening answers a SYN with RST: the
     * client sees "connection refused", exactly as if nothing were there. */
    int fd = broken_bind(o.host, o.port, SOCK_STREAM | SOCK_CLOEXEC, 1);
    fprintf(stderr, "never-listens: bound %s:%s, not listening (fd %d)\n", o.host, o.port, fd);
    for (;;)
        pause(); /* HOSTILE: the listen() that should be here never comes */
}
