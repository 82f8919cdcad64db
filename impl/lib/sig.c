#include "sig.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

void sig_stop_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
}

static int set_action(int signo, void (*handler)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) < 0)
        return -errno;
    return 0;
}

int sig_block_stop(void)
{
    sigset_t set;
    int rc;

    /* Block first, so a signal arriving between the two steps stays pending
     * instead of killing the process with the default action. */
    sig_stop_set(&set);
    rc = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (rc != 0)
        return -rc;
    rc = set_action(SIGTERM, SIG_DFL);
    if (rc == 0)
        rc = set_action(SIGINT, SIG_DFL);
    return rc;
}

int sig_wait_stop(void)
{
    sigset_t set;
    int signo, rc;

    sig_stop_set(&set);
    rc = sigwait(&set, &signo);
    if (rc != 0)
        return -rc;
    return signo;
}

int sig_open_stopfd(void)
{
    sigset_t set;
    int rc, fd;

    rc = sig_block_stop();
    if (rc < 0)
        return rc;
    sig_stop_set(&set);
    fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    return fd;
}

int sig_read_stopfd(int fd)
{
    struct signalfd_siginfo si;
    ssize_t n;

    do {
        n = read(fd, &si, sizeof(si));
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
    if (n != (ssize_t)sizeof(si))
        return -EIO;
    return (int)si.ssi_signo;
}

static void on_stop_signal(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    int signo = sig_read_stopfd(fd);

    (void)events;
    (void)ctx;
    if (signo <= 0)
        return;
    log_info("%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    loop_stop(loop);
}

int sig_watch_stop(struct loop *loop, int *fd_out)
{
    int fd = sig_open_stopfd();
    int rc;

    if (fd < 0)
        return fd;
    rc = loop_add(loop, fd, EPOLLIN, on_stop_signal, NULL);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int sig_ignore_pipe(void)
{
    return set_action(SIGPIPE, SIG_IGN);
}
