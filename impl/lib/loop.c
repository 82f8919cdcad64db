#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_BATCH 128

/* One watched fd. epoll hands back a pointer to it, so a record removed by a
 * callback must outlive the batch of events being dispatched: it is unlinked
 * from the fd table at once but freed only after the batch. */
struct loop_io {
    int fd;
    loop_io_cb *cb; /* NULL once removed */
    void *ctx;
    struct loop_io *next_dead;
};

struct loop {
    int epfd;
    bool stopped;
    struct loop_io **ios; /* indexed by fd */
    size_t nios;
    struct loop_io *dead;
    loop_hook_cb *before_wait; /* NULL: none */
    void *before_wait_ctx;
};

struct loop_timer {
    struct loop *loop;
    int fd;
    bool armed;
    loop_timer_cb *cb;
    void *ctx;
};

int loop_create(struct loop **out)
{
    struct loop *loop = calloc(1, sizeof(*loop));
    int rc;

    if (loop == NULL)
        return -ENOMEM;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        rc = -errno;
        goto fail;
    }
    *out = loop;
    return 0;
fail:
    free(loop);
    return rc;
}

static void free_dead(struct loop *loop)
{
    while (loop->dead != NULL) {
        struct loop_io *io = loop->dead;
        loop->dead = io->next_dead;
        free(io);
    }
}

void loop_destroy(struct loop *loop)
{
    if (loop == NULL)
        return;
    for (size_t i = 0; i < loop->nios; i++)
        free(loop->ios[i]);
    free(loop->ios);
    free_dead(loop);
    close(loop->epfd);
    free(loop);
}

static struct loop_io *lookup(const struct loop *loop, int fd)
{
    if (fd < 0 || (size_t)fd >= loop->nios)
        return NULL;
    return loop->ios[fd];
}

/* Grows the fd table so that index fd exists. */
static int reserve_slot(struct loop *loop, int fd)
{
    size_t n = loop->nios > 0 ? loop->nios : 64;
    struct loop_io **ios;

    if ((size_t)fd < loop->nios)
        return 0;
    while (n <= (size_t)fd)
        n *= 2;
    ios = realloc(loop->ios, n * sizeof(*ios));
    if (ios == NULL)
        return -ENOMEM;
    memset(ios + loop->nios, 0, (n - loop->nios) * sizeof(*ios));
    loop->ios = ios;
    loop->nios = n;
    return 0;
}

int loop_add(struct loop *loop, int fd, uint32_t mask, loop_io_cb *cb, void *ctx)
{
    struct epoll_event ev = {.events = mask};
    struct loop_io *io;
    int rc;

    if (fd < 0)
        return -EBADF;
    if (lookup(loop, fd) != NULL)
        return -EEXIST;
    rc = reserve_slot(loop, fd);
    if (rc < 0)
        return rc;
    io = malloc(sizeof(*io));
    if (io == NULL)
        return -ENOMEM;
    io->fd = fd;
    io->cb = cb;
    io->ctx = ctx;
    io->next_dead = NULL;

    ev.data.ptr = io;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = -errno;
        free(io);
        return rc;
    }
    loop->ios[fd] = io;
    return 0;
}

int loop_modify(struct loop *loop, int fd, uint32_t mask)
{
    struct loop_io *io = lookup(loop, fd);
    struct epoll_event ev = {.events = mask};

    if (io == NULL)
        return -ENOENT;
    ev.data.ptr = io;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
        return -errno;
    return 0;
}

int loop_remove(struct loop *loop, int fd)
{
    struct loop_io *io = lookup(loop, fd);
    int rc = 0;

    if (io == NULL)
        return -ENOENT;
    /* The record goes even if epoll_ctl fails (fd already closed): the
     * kernel drops a closed fd from the epoll set by itself. */
    if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
        rc = -errno;
    loop->ios[fd] = NULL;
    io->cb = NULL;
    io->next_dead = loop->dead;
    loop->dead = io;
    return rc;
}

int loop_run(struct loop *loop)
{
    struct epoll_event events[LOOP_BATCH];
    int rc = 0;

    while (!loop->stopped) {
        int n;

        if (loop->before_wait != NULL) {
            loop->before_wait(loop, loop->before_wait_ctx);
            if (loop->stopped)
                break;
        }
        n = epoll_wait(loop->epfd, events, LOOP_BATCH, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        for (int i = 0; i < n && !loop->stopped; i++) {
            struct loop_io *io = events[i].data.ptr;
            if (io->cb != NULL)
                io->cb(loop, io->fd, events[i].events, io->ctx);
        }
        free_dead(loop);
    }
    loop->stopped = false;
    return rc;
}

void loop_stop(struct loop *loop)
{
    loop->stopped = true;
}

void loop_set_before_wait(struct loop *loop, loop_hook_cb *cb, void *ctx)
{
    loop->before_wait = cb;
    loop->before_wait_ctx = ctx;
}

static void timer_ready(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct loop_timer *t = ctx;
    uint64_t expirations;

    (void)events;
    /* EAGAIN: the timer was disarmed or re-armed after the event was
     * fetched, so this expiry no longer stands. */
    if (read(fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
        return;
    t->armed = false;
    t->cb(loop, t->ctx);
}

int loop_timer_create(struct loop *loop, loop_timer_cb *cb, void *ctx, struct loop_timer **out)
{
    struct loop_timer *t = calloc(1, sizeof(*t));
    int rc;

    if (t == NULL)
        return -ENOMEM;
    t->loop = loop;
    t->cb = cb;
    t->ctx = ctx;
    t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->fd < 0) {
        rc = -errno;
        goto fail;
    }
    rc = loop_add(loop, t->fd, EPOLLIN, timer_ready, t);
    if (rc < 0)
        goto fail;
    *out = t;
    return 0;
fail:
    if (t->fd >= 0)
        close(t->fd);
    free(t);
    return rc;
}

static int timer_set(struct loop_timer *t, unsigned ms)
{
    struct itimerspec its = {
        .it_value = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000},
    };

    if (timerfd_settime(t->fd, 0, &its, NULL) < 0)
        return -errno;
    return 0;
}

int loop_timer_arm(struct loop_timer *t, unsigned ms)
{
    int rc;

    /* An all-zero it_value would disarm the timer; 1 ns fires at once. */
    if (ms == 0) {
        struct itimerspec its = {.it_value = {.tv_nsec = 1}};
        rc = timerfd_settime(t->fd, 0, &its, NULL) < 0 ? -errno : 0;
    } else {
        rc = timer_set(t, ms);
    }
    if (rc == 0)
        t->armed = true;
    return rc;
}

int loop_timer_disarm(struct loop_timer *t)
{
    int rc = timer_set(t, 0);

    if (rc == 0)
        t->armed = false;
    return rc;
}

int loop_timer_armed(const struct loop_timer *t)
{
    return t->armed ? 1 : 0;
}

void loop_timer_destroy(struct loop_timer *t)
{
    if (t == NULL)
        return;
    loop_remove(t->loop, t->fd);
    close(t->fd);
    free(t);
}
