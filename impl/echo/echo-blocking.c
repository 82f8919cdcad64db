/* echo-blocking: TCP echo server with one thread per connection.
 *
 * The main thread blocks in accept(); each connection gets a thread that
 * blocks in recv() and then in send() until everything received has been
 * written back. Backpressure is free: while a client does not read, its
 * thread sits in send() and stops reading, so the server holds at most one
 * buffer (BUF_SIZE) per client. Threads get a small stack so that 10,000
 * connections fit in memory.
 *
 * SIGTERM and SIGINT are blocked in every thread; a dedicated thread takes
 * them with sigwait() and wakes the accept loop by shutting the listening
 * socket down. The main thread then shuts every connection down, which makes
 * each worker's recv() or send() return, and waits for the workers. */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "net.h"
#include "sig.h"

#define STACK_SIZE (128 * 1024)
#define BUF_SIZE (16 * 1024)
#define BACKOFF_MS 100
#define STOP_WAIT_MS 2000

struct conn {
    int fd;
    struct conn *prev, *next;
};

/* Shared by the accept loop, the signal thread and the workers. */
static struct server {
    int listen_fd;
    atomic_bool stopping;
    pthread_attr_t worker_attr;
    pthread_mutex_t lock; /* guards conns, nconns, and closing a conn's fd */
    pthread_cond_t all_gone;
    struct conn *conns;
    size_t nconns;
} srv = {
    .listen_fd = -1,
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Writes all of p, however the kernel splits it. Returns 0 or a negative
 * errno. */
static int send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void conn_link(struct conn *c)
{
    pthread_mutex_lock(&srv.lock);
    c->prev = NULL;
    c->next = srv.conns;
    if (srv.conns != NULL)
        srv.conns->prev = c;
    srv.conns = c;
    srv.nconns++;
    pthread_mutex_unlock(&srv.lock);
}

/* Unlinks, closes and frees c. The close happens under the lock so that the
 * stopping main thread, which shuts down every fd on the list under the same
 * lock, never hits an fd number already reused by a new connection. */
static void conn_release(struct conn *c)
{
    pthread_mutex_lock(&srv.lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv.conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    close(c->fd);
    free(c);
    if (--srv.nconns == 0)
        pthread_cond_signal(&srv.all_gone);
    pthread_mutex_unlock(&srv.lock);
}

static void *worker(void *arg)
{
    struct conn *c = arg;
    char buf[BUF_SIZE];
    ssize_t n;
    int rc;

    for (;;) {
        n = recv(c->fd, buf, sizeof(buf), 0);
        if (n > 0) {
            rc = send_all(c->fd, buf, (size_t)n);
            if (rc < 0) {
                log_debug("fd %d: send: %s, closing", c->fd, strerror(-rc));
                break;
            }
        } else if (n == 0) {
            /* Half-close: every byte received was sent back before this
             * recv(), so nothing is pending and the connection can close. */
            log_debug("fd %d: peer finished, closing", c->fd);
            break;
        } else if (errno != EINTR) {
            log_debug("fd %d: recv: %s, closing", c->fd, strerror(errno));
            break;
        }
    }
    conn_release(c);
    return NULL;
}

static void *signal_waiter(void *arg)
{
    int signo = sig_wait_stop();

    (void)arg;
    if (signo < 0)
        log_error("sigwait: %s; stopping", strerror(-signo));
    else
        log_info("%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    atomic_store(&srv.stopping, true);
    /* On Linux, shutting a listening socket down makes a blocked accept()
     * return (EINVAL); closing it would not, and would free the fd number
     * for reuse while accept() still runs on it. */
    shutdown(srv.listen_fd, SHUT_RD);
    return NULL;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Pauses accepting for BACKOFF_MS; existing connections go on being served
 * by their threads meanwhile. *troubled makes the log appear once per
 * episode of failures, not once per attempt. */
static void backoff(int err, const char *what, bool *troubled)
{
    if (!*troubled) {
        log_msg(net_accept_classify(err) == NET_ACCEPT_FATAL ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN,
                "%s: %s; pausing accept for %d ms (logged once until accept succeeds)", what,
                strerror(err), BACKOFF_MS);
        *troubled = true;
    }
    sleep_ms(BACKOFF_MS);
}

/* Starts a worker thread for fd. Returns 0 or a negative errno; on failure
 * fd is closed. */
static int start_worker(int fd)
{
    struct conn *c = malloc(sizeof(*c));
    pthread_t tid;
    int rc;

    if (c == NULL) {
        close(fd);
        return -ENOMEM;
    }
    c->fd = fd;
    /* Echo what arrived at once, even when it is less than a segment. */
    net_set_nodelay(fd, true);
    conn_link(c);
    rc = pthread_create(&tid, &srv.worker_attr, worker, c);
    if (rc != 0) {
        conn_release(c);
        return -rc;
    }
    return 0;
}

static void accept_loop(void)
{
    bool troubled = false;
    int fd, rc;

    while (!atomic_load(&srv.stopping)) {
        fd = accept4(srv.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (atomic_load(&srv.stopping))
                break;
            if (net_accept_classify(errno) == NET_ACCEPT_TRANSIENT) {
                log_debug("accept: %s (that connection is lost)", strerror(errno));
                continue;
            }
            backoff(errno, "accept", &troubled);
            continue;
        }
        if (troubled) {
            log_info("accept: working again");
            troubled = false;
        }
        rc = start_worker(fd);
        if (rc < 0)
            backoff(-rc, "cannot start a thread", &troubled);
    }
}

/* Shuts every connection down (the peer sees a FIN; the worker's recv()
 * returns 0 or its send() fails) and waits up to STOP_WAIT_MS for the
 * workers to finish. Returns how many are still running. */
static size_t stop_workers(void)
{
    struct timespec deadline;
    size_t left;

    pthread_mutex_lock(&srv.lock);
    if (srv.nconns > 0)
        log_info("closing %zu connections", srv.nconns);
    for (struct conn *c = srv.conns; c != NULL; c = c->next)
        shutdown(c->fd, SHUT_RDWR);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += STOP_WAIT_MS / 1000;
    deadline.tv_nsec += (long)(STOP_WAIT_MS % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    while (srv.nconns > 0) {
        if (pthread_cond_timedwait(&srv.all_gone, &srv.lock, &deadline) == ETIMEDOUT)
            break;
    }
    left = srv.nconns;
    pthread_mutex_unlock(&srv.lock);
    return left;
}

static int server_init(void)
{
    pthread_condattr_t ca;
    int rc;

    rc = pthread_condattr_init(&ca);
    if (rc == 0) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        rc = pthread_cond_init(&srv.all_gone, &ca);
        pthread_condattr_destroy(&ca);
    }
    if (rc != 0)
        return -rc;
    rc = pthread_attr_init(&srv.worker_attr);
    if (rc == 0)
        rc = pthread_attr_setstacksize(&srv.worker_attr, STACK_SIZE);
    if (rc == 0)
        rc = pthread_attr_setdetachstate(&srv.worker_attr, PTHREAD_CREATE_DETACHED);
    return -rc;
}

int main(int argc, char **argv)
{
    char addr[NET_ADDR_MAX];
    struct args_server a;
    pthread_t sig_thread;
    size_t left;
    int rc;

    log_init(argv[0]);
    rc = args_server_cli(argc, argv, &a, NULL, "echo-blocking",
                         "TCP echo server: blocking sockets, one thread per connection.");
    if (rc >= 0)
        return rc;

    /* Before any thread exists, so that every thread inherits the mask. */
    rc = sig_block_stop();
    if (rc == 0)
        rc = sig_ignore_pipe();
    if (rc == 0)
        rc = server_init();
    if (rc < 0) {
        log_error("setup: %s", strerror(-rc));
        return 1;
    }
    srv.listen_fd = net_listen(a.host, a.port, SOMAXCONN, 0);
    if (srv.listen_fd < 0) {
        log_error("cannot listen on %s:%u: %s", a.host, a.port, strerror(-srv.listen_fd));
        return 1;
    }
    rc = net_local_addr(srv.listen_fd, addr, sizeof(addr));
    if (rc == 0)
        rc = -pthread_create(&sig_thread, NULL, signal_waiter, NULL);
    if (rc < 0) {
        log_error("setup: %s", strerror(-rc));
        close(srv.listen_fd);
        return 1;
    }
    log_info("listening on %s", addr);

    accept_loop();
    left = stop_workers();
    pthread_join(sig_thread, NULL);
    close(srv.listen_fd);
    if (left > 0) {
        /* Leaving main() ends them; their sockets close with the process. */
        log_warn("%zu connection threads still running after %d ms", left, STOP_WAIT_MS);
    }
    pthread_attr_destroy(&srv.worker_attr);
    return 0;
}
