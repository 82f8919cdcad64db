#include "listeners.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* Opens a listening socket on addr with SO_REUSEPORT, so that every worker
 * can have one on the same address. Returns it or a negative errno. */
static int listen_reuseport(const struct sockaddr *addr, socklen_t len)
{
    int one = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    int rc;

    if (fd < 0)
        return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        bind(fd, addr, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

/* SO_REUSEPORT lets any later socket of the same user with the option set
 * join the port, so a second copy of the server started by mistake would
 * bind without an error and quietly take part of the traffic. A probe
 * socket without SO_REUSEPORT is refused (EADDRINUSE) by a port someone
 * listens on. Returns 0 when addr looks free, or a negative errno. The
 * port could still be taken between the probe and the real bind; that
 * window is a few system calls wide. */
static int probe_free(const struct sockaddr *addr, socklen_t len)
{
    int one = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    int rc = 0;

    if (fd < 0)
        return -errno;
    /* SO_REUSEADDR: connections of an earlier run in TIME_WAIT do not
     * make the port busy. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, addr, len) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

int listeners_open(const char *host, unsigned port, int *fds, unsigned n)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    struct addrinfo *res, *ai;
    char service[16];
    int rc = -EADDRNOTAVAIL;

    snprintf(service, sizeof(service), "%u", port);
    if (getaddrinfo(host != NULL && host[0] != '\0' ? host : NULL, service, &hints, &res) != 0)
        return -EADDRNOTAVAIL;
    fds[0] = -1;
    for (ai = res; ai != NULL && fds[0] < 0; ai = ai->ai_next) {
        fds[0] = port != 0 ? probe_free(ai->ai_addr, ai->ai_addrlen) : 0;
        if (fds[0] == 0)
            fds[0] = listen_reuseport(ai->ai_addr, ai->ai_addrlen);
        if (fds[0] < 0)
            rc = fds[0];
    }
    freeaddrinfo(res);
    if (fds[0] < 0)
        return rc;
    /* Port 0 became a real port: the others must join that one. */
    if (getsockname(fds[0], (struct sockaddr *)&ss, &sl) < 0) {
        rc = -errno;
        close(fds[0]);
        return rc;
    }
    for (unsigned i = 1; i < n; i++) {
        fds[i] = listen_reuseport((struct sockaddr *)&ss, sl);
        if (fds[i] < 0) {
            rc = fds[i];
            while (i-- > 0)
                close(fds[i]);
            return rc;
        }
    }
    return 0;
}
