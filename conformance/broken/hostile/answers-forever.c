/* HOSTILE: answers forever: every connection gets an endless stream (chargen) */
/* A character generator (RFC 864) where an echo server should be: whatever the
 * client sends, it answers with the same 72-character lines, forever, as fast
 * as the client reads. A test must notice the wrong bytes without reading
 * until the stream ends (it never does), and must not keep what it reads.
 */
#include "../echo/common.h"

/* One line of RFC 864's rotating pattern: 72 printable characters starting
 * at printable character `first`, then CR LF. */
static void chargen_line(char *line, int first)
{
    for (int i = 0; i < 72; i++)
        line[i] = (char)(' ' + (first + i) % 95);
    line[72] = '\r';
    line[73] = '\n';
}

static void serve(int fd)
{
    char buf[74 * 95];
    for (int i = 0; i < 95; i++)
        chargen_line(buf + 74 * i, i);
    /* HOSTILE: never reads, never stops: only a failed send (the client
     * went away) ends the stream. */
    while (echo_send_all(fd, buf, sizeof buf) == 0)
        ;
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
