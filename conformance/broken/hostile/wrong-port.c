/* HOSTILE: wrong port: a correct echo server, on a port the kernel picked */
/* It parses --port and then binds port 0, so it listens and serves, but
 * somewhere nobody will look. The harness must give up after one readiness
 * timeout and stop it; afterwards nothing may still listen on either port.
 * (Port 0 rather than a fixed one: it can never collide with another test's.)
 */
#include "../echo/common.h"

int main(int argc, char **argv)
{
    struct echo_opts o;
    echo_parse_args(argc, argv, &o);
    echo_ignore_sigpipe();
    int lfd = echo_listen(o.host, "0", 1); /* HOSTILE: o.port is never used */
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char port[NI_MAXSERV] = "?";
    /* Say where it really is: the test checks that this port is closed too. */
    if (getsockname(lfd, (struct sockaddr *)&ss, &len) == 0)
        getnameinfo((struct sockaddr *)&ss, len, NULL, 0, port, sizeof port, NI_NUMERICSERV);
    fprintf(stderr, "wrong-port: asked for port %s, listening on port %s\n", o.port, port);
    return echo_serve_threads(lfd, echo_copy);
}
