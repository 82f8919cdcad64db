#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Maps a getaddrinfo() error to a negative errno. */
static int gai_to_errno(int gai, int saved_errno)
{
    switch (gai) {
    case EAI_SYSTEM:
        return saved_errno != 0 ? -saved_errno : -EIO;
    case EAI_MEMORY:
        return -ENOMEM;
    case EAI_AGAIN:
        return -EAGAIN;
    default:
        /* EAI_NONAME, EAI_NODATA, EAI_ADDRFAMILY, EAI_SERVICE, ...: there is
         * no address to use. */
        return -EADDRNOTAVAIL;
    }
}

/* Resolves host:port for sockets of the given type (SOCK_STREAM or
 * SOCK_DGRAM). Returns 0 or a negative errno. */
static int resolve(const char *host, unsigned port, int type, bool passive,
                   struct addrinfo **res)
{
    struct addrinfo hints;
    char service[16];
    int rc;

    if (port > 65535)
        return -EINVAL;
    if (host != NULL && host[0] == '\0')
        host = NULL;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    hints.ai_protocol = type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    snprintf(service, sizeof(service), "%u", port);

    errno = 0;
    rc = getaddrinfo(host, service, &hints, res);
    if (rc != 0)
        return gai_to_errno(rc, errno);
    return 0;
}

static int socket_type(int flags)
{
    return SOCK_STREAM | SOCK_CLOEXEC | ((flags & NET_NONBLOCK) ? SOCK_NONBLOCK : 0);
}

int net_listen(const char *host, unsigned port, int backlog, int flags)
{
    struct addrinfo *res, *ai;
    int one = 1;
    int rc, fd = -1;

    rc = resolve(host, port, SOCK_STREAM, true, &res);
    if (rc < 0)
        return rc;

    rc = -EADDRNOTAVAIL;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, socket_type(flags), ai->ai_protocol);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
            bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
            break;
        rc = -errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd >= 0 ? fd : rc;
}

/* A blocking connect() interrupted by a signal goes on in the background;
 * calling connect() again would fail with EALREADY, so wait for the outcome
 * instead. */
static int wait_connected(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};

    while (poll(&pfd, 1, -1) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return net_socket_error(fd);
}

int net_connect(const char *host, unsigned port, int flags)
{
    struct addrinfo *res, *ai;
    int rc, fd = -1;

    rc = resolve(host, port, SOCK_STREAM, false, &res);
    if (rc < 0)
        return rc;

    rc = -EADDRNOTAVAIL;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, socket_type(flags), ai->ai_protocol);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && (flags & NET_NONBLOCK))
            break;
        rc = errno == EINTR ? wait_connected(fd) : -errno;
        if (rc == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd >= 0 ? fd : rc;
}

int net_set_nonblock(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0)
        return -errno;
    fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    if (fcntl(fd, F_SETFL, fl) < 0)
        return -errno;
    return 0;
}

int net_set_nodelay(int fd, bool on)
{
    int v = on ? 1 : 0;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0)
        return -errno;
    return 0;
}

int net_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    switch (ss.ss_family) {
    case AF_INET:
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    case AF_INET6:
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    default:
        return -EAFNOSUPPORT;
    }
}

int net_addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
    char host[INET6_ADDRSTRLEN];
    const void *addr;
    unsigned port;
    int n;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        addr = &sin->sin_addr;
        port = ntohs(sin->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        addr = &sin6->sin6_addr;
        port = ntohs(sin6->sin6_port);
    } else {
        return -EAFNOSUPPORT;
    }
    if (inet_ntop(sa->sa_family, addr, host, sizeof(host)) == NULL)
        return -errno;

    if (sa->sa_family == AF_INET6)
        n = snprintf(out, outlen, "[%s]:%u", host, port);
    else
        n = snprintf(out, outlen, "%s:%u", host, port);
    if (n < 0 || (size_t)n >= outlen)
        return -ENOSPC;
    return 0;
}

int net_local_addr(int fd, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    return net_addr_str((const struct sockaddr *)&ss, out, outlen);
}

/* Opens a UDP socket on each address host:port resolves to, in turn, until
 * bind() (passive) or connect() succeeds. Returns it or the last error. */
static int udp_open(const char *host, unsigned port, int flags, bool passive)
{
    int type = SOCK_DGRAM | SOCK_CLOEXEC | ((flags & NET_NONBLOCK) ? SOCK_NONBLOCK : 0);
    struct addrinfo *res, *ai;
    int rc, fd = -1;

    rc = resolve(host, port, SOCK_DGRAM, passive, &res);
    if (rc < 0)
        return rc;
    rc = -EADDRNOTAVAIL;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, type, ai->ai_protocol);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        /* connect() on UDP only records the peer: it never blocks. */
        if ((passive ? bind(fd, ai->ai_addr, ai->ai_addrlen)
                     : connect(fd, ai->ai_addr, ai->ai_addrlen)) == 0)
            break;
        rc = -errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd >= 0 ? fd : rc;
}

int net_udp_bind(const char *host, unsigned port, int flags)
{
    return udp_open(host, port, flags, true);
}

int net_udp_connect(const char *host, unsigned port, int flags)
{
    return udp_open(host, port, flags, false);
}

int net_socket_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -errno;
    return -err;
}

int net_drain(int fd, char *scratch, size_t len)
{
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(fd, scratch, len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
    }
    return 0;
}

enum net_accept_kind net_accept_classify(int err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    /* accept(2): Linux passes network errors already pending on the new
     * connection to accept(); they concern that connection only. EPERM is a
     * firewall rule refusing it. */
    case ECONNABORTED:
    case EINTR:
    case EPROTO:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ENETDOWN:
    case EPERM:
    case EAGAIN:
        return NET_ACCEPT_TRANSIENT;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
        return NET_ACCEPT_RESOURCES;
    default:
        return NET_ACCEPT_FATAL;
    }
}
