/* Unit tests for loop: readiness callbacks, stop, removal during a batch,
 * one-shot timers, the before-wait hook. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct probe {
    int calls;
    int last_fd;
    uint32_t last_events;
    int stop_after; /* stop the loop on this call (0: never) */
    int other_fd;   /* a watch to remove when called (-1: none) */
};

static void on_io(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    struct probe *p = ctx;

    p->calls++;
    p->last_fd = fd;
    p->last_events = events;
    if (p->other_fd >= 0) {
        assert_int_equal(loop_remove(loop, p->other_fd), 0);
        p->other_fd = -1;
    }
    if (p->calls == p->stop_after)
        loop_stop(loop);
}

static void on_timer_stop(struct loop *loop, void *ctx)
{
    int *fired = ctx;

    (*fired)++;
    loop_stop(loop);
}

static void on_timer_count(struct loop *loop, void *ctx)
{
    int *fired = ctx;

    (void)loop;
    (*fired)++;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_pipe_readiness_fires(void **state)
{
    struct probe p = {.stop_after = 1, .other_fd = -1};
    struct loop *loop;
    int fds[2];

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(loop_add(loop, fds[0], EPOLLIN, on_io, &p), 0);
    assert_int_equal(write(fds[1], "x", 1), 1);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.last_fd, fds[0]);
    assert_true(p.last_events & EPOLLIN);
    close(fds[0]);
    close(fds[1]);
    loop_destroy(loop);
}

/* An fd with nothing to read must not fire; the timer ends the run. */
static void test_idle_fd_does_not_fire(void **state)
{
    struct probe p = {.other_fd = -1};
    struct loop_timer *t;
    struct loop *loop;
    int fired = 0, fds[2];

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(loop_add(loop, fds[0], EPOLLIN, on_io, &p), 0);
    assert_int_equal(loop_timer_create(loop, on_timer_stop, &fired, &t), 0);
    assert_int_equal(loop_timer_arm(t, 30), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(fired, 1);
    assert_int_equal(p.calls, 0);
    loop_timer_destroy(t);
    close(fds[0]);
    close(fds[1]);
    loop_destroy(loop);
}

/* Level-triggered: unread data fires again on every iteration, until a
 * callback stops the loop. */
static void test_stop_from_callback(void **state)
{
    struct probe p = {.stop_after = 3, .other_fd = -1};
    struct loop *loop;
    int fds[2];

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "x", 1), 1);
    assert_int_equal(loop_add(loop, fds[0], EPOLLIN, on_io, &p), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(p.calls, 3);
    /* The stop request was consumed: a new run goes on until the next. */
    p.stop_after = 5;
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(p.calls, 5);
    close(fds[0]);
    close(fds[1]);
    loop_destroy(loop);
}

static void test_modify_and_remove(void **state)
{
    struct probe p = {.stop_after = 1, .other_fd = -1};
    struct loop *loop;
    int fds[2];

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(fds), 0);
    /* The write end of an empty pipe is writable, not readable. */
    assert_int_equal(loop_add(loop, fds[1], EPOLLIN, on_io, &p), 0);
    assert_int_equal(loop_add(loop, fds[1], EPOLLIN, on_io, &p), -EEXIST);
    assert_int_equal(loop_modify(loop, fds[1], EPOLLOUT), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(p.calls, 1);
    assert_true(p.last_events & EPOLLOUT);

    assert_int_equal(loop_remove(loop, fds[1]), 0);
    assert_int_equal(loop_remove(loop, fds[1]), -ENOENT);
    assert_int_equal(loop_modify(loop, fds[1], EPOLLIN), -ENOENT);
    assert_int_equal(loop_add(loop, -1, EPOLLIN, on_io, &p), -EBADF);
    close(fds[0]);
    close(fds[1]);
    loop_destroy(loop);
}

/* Two readable pipes, each callback removes the other: whichever runs
 * first, the second event of the same batch must not be delivered. */
static void test_remove_during_batch(void **state)
{
    struct probe pa = {.other_fd = -1}, pb = {.other_fd = -1};
    struct loop_timer *t;
    struct loop *loop;
    int a[2], b[2], fired = 0;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    pa.other_fd = b[0];
    pb.other_fd = a[0];
    assert_int_equal(loop_add(loop, a[0], EPOLLIN, on_io, &pa), 0);
    assert_int_equal(loop_add(loop, b[0], EPOLLIN, on_io, &pb), 0);
    assert_int_equal(write(a[1], "x", 1), 1);
    assert_int_equal(write(b[1], "x", 1), 1);
    assert_int_equal(loop_timer_create(loop, on_timer_stop, &fired, &t), 0);
    assert_int_equal(loop_timer_arm(t, 30), 0);
    assert_int_equal(loop_run(loop), 0);
    /* The survivor is level-triggered and fires on every iteration; the
     * removed one never does. */
    assert_true(pa.calls == 0 || pb.calls == 0);
    assert_true(pa.calls + pb.calls >= 1);
    loop_timer_destroy(t);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    loop_destroy(loop);
}

static void test_timer_fires_once_after_delay(void **state)
{
    struct loop_timer *t, *guard;
    struct loop *loop;
    int fired = 0, guard_fired = 0;
    uint64_t start;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(loop_timer_create(loop, on_timer_count, &fired, &t), 0);
    assert_int_equal(loop_timer_create(loop, on_timer_stop, &guard_fired, &guard), 0);
    assert_int_equal(loop_timer_armed(t), 0);
    assert_int_equal(loop_timer_arm(t, 40), 0);
    assert_int_equal(loop_timer_armed(t), 1);
    assert_int_equal(loop_timer_arm(guard, 150), 0);
    start = now_ms();
    assert_int_equal(loop_run(loop), 0);
    assert_true(now_ms() - start >= 150);
    /* One-shot: fired once in 150 ms, not every 40 ms. */
    assert_int_equal(fired, 1);
    assert_int_equal(loop_timer_armed(t), 0);
    loop_timer_destroy(t);
    loop_timer_destroy(guard);
    loop_destroy(loop);
}

static void test_timer_disarm_and_zero(void **state)
{
    struct loop_timer *t, *now;
    struct loop *loop;
    int fired = 0, now_fired = 0;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(loop_timer_create(loop, on_timer_count, &fired, &t), 0);
    assert_int_equal(loop_timer_create(loop, on_timer_stop, &now_fired, &now), 0);
    assert_int_equal(loop_timer_arm(t, 10), 0);
    assert_int_equal(loop_timer_disarm(t), 0);
    assert_int_equal(loop_timer_armed(t), 0);
    /* Let the disarmed deadline pass before the zero timer stops the loop. */
    usleep(30 * 1000);
    assert_int_equal(loop_timer_arm(now, 0), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(now_fired, 1);
    assert_int_equal(fired, 0);
    loop_timer_destroy(t);
    loop_timer_destroy(now);
    loop_destroy(loop);
}

struct rearm {
    struct loop_timer *t;
    int fired;
};

static void on_timer_rearm(struct loop *loop, void *ctx)
{
    struct rearm *r = ctx;

    if (++r->fired == 3)
        loop_stop(loop);
    else
        assert_int_equal(loop_timer_arm(r->t, 5), 0);
}

static void test_timer_rearm_from_callback(void **state)
{
    struct rearm r = {0};
    struct loop *loop;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(loop_timer_create(loop, on_timer_rearm, &r, &r.t), 0);
    assert_int_equal(loop_timer_arm(r.t, 5), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(r.fired, 3);
    loop_timer_destroy(r.t);
    loop_destroy(loop);
}

/* The before-wait hook: what it saw each time it was called. */
struct hook {
    int calls;
    int io_calls_seen[4]; /* probe calls (both pipes) at each hook call */
    struct probe *pa, *pb;
    int stop_at;              /* stop the loop on this call (0: never) */
    int add_fd;               /* a watch to add on the first call (-1: none) */
    int remove_fd;            /* a watch to remove on the second call (-1: none) */
    struct loop_timer *timer; /* armed to fire at once on the second call */
};

static void on_before_wait(struct loop *loop, void *ctx)
{
    struct hook *h = ctx;

    if (h->calls < 4)
        h->io_calls_seen[h->calls] = h->pa->calls + (h->pb != NULL ? h->pb->calls : 0);
    h->calls++;
    if (h->calls == 1 && h->add_fd >= 0)
        assert_int_equal(loop_add(loop, h->add_fd, EPOLLIN, on_io, h->pa), 0);
    if (h->calls == 2 && h->remove_fd >= 0)
        assert_int_equal(loop_remove(loop, h->remove_fd), 0);
    if (h->calls == 2 && h->timer != NULL)
        assert_int_equal(loop_timer_arm(h->timer, 0), 0);
    if (h->calls == h->stop_at)
        loop_stop(loop);
}

/* Reads what a pipe holds, so that it fires once per write. */
static void on_io_drain(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    char byte;

    assert_int_equal(read(fd, &byte, 1), 1);
    on_io(loop, fd, events, ctx);
}

/* Two pipes ready at once come back from one epoll_wait(): the hook runs
 * before it, and once after both callbacks, not after each. */
static void test_before_wait_once_per_batch(void **state)
{
    struct probe pa = {.other_fd = -1}, pb = {.other_fd = -1};
    struct hook h = {.pa = &pa, .pb = &pb, .stop_at = 2, .add_fd = -1, .remove_fd = -1};
    struct loop *loop;
    int a[2], b[2];

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(a), 0);
    assert_int_equal(pipe(b), 0);
    assert_int_equal(loop_add(loop, a[0], EPOLLIN, on_io_drain, &pa), 0);
    assert_int_equal(loop_add(loop, b[0], EPOLLIN, on_io_drain, &pb), 0);
    assert_int_equal(write(a[1], "x", 1), 1);
    assert_int_equal(write(b[1], "x", 1), 1);
    loop_set_before_wait(loop, on_before_wait, &h);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(h.calls, 2);
    assert_int_equal(h.io_calls_seen[0], 0); /* before the first wait */
    assert_int_equal(h.io_calls_seen[1], 2); /* after both callbacks */
    assert_int_equal(pa.calls, 1);
    assert_int_equal(pb.calls, 1);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    loop_destroy(loop);
}

/* The hook may add a watch (its events come in the next wait) and remove
 * one; a stop from a callback ends the run without calling the hook; a
 * NULL hook removes it. */
static void test_before_wait_changes_watches(void **state)
{
    struct probe p = {.other_fd = -1};
    struct hook h = {.pa = &p, .stop_at = 3, .add_fd = -1, .remove_fd = -1};
    struct loop_timer *t;
    struct loop *loop;
    int fds[2], fired = 0;

    (void)state;
    assert_int_equal(loop_create(&loop), 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "x", 1), 1);
    /* Call 1 adds the readable pipe, its callback runs in the first batch;
     * call 2 removes it (level-triggered, it would fire again) and arms a
     * timer; call 3, after the timer's batch, stops. */
    assert_int_equal(loop_timer_create(loop, on_timer_count, &fired, &t), 0);
    h.add_fd = fds[0];
    h.remove_fd = fds[0];
    h.timer = t;
    loop_set_before_wait(loop, on_before_wait, &h);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(h.calls, 3);
    assert_int_equal(p.calls, 1);
    assert_int_equal(fired, 1);
    assert_int_equal(h.io_calls_seen[1], 1);

    /* A callback stops the run: the hook is not called after it. */
    h = (struct hook){.pa = &p, .add_fd = -1, .remove_fd = -1};
    p = (struct probe){.stop_after = 1, .other_fd = -1};
    assert_int_equal(loop_add(loop, fds[0], EPOLLIN, on_io, &p), 0);
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(p.calls, 1);
    assert_int_equal(h.calls, 1); /* only before the first wait */

    /* Removed: the pipe is still readable, the hook is not called. */
    loop_set_before_wait(loop, NULL, NULL);
    p.calls = 0;
    p.stop_after = 1;
    assert_int_equal(loop_run(loop), 0);
    assert_int_equal(p.calls, 1);
    assert_int_equal(h.calls, 1);
    loop_timer_destroy(t);
    close(fds[0]);
    close(fds[1]);
    loop_destroy(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_readiness_fires),
        cmocka_unit_test(test_idle_fd_does_not_fire),
        cmocka_unit_test(test_stop_from_callback),
        cmocka_unit_test(test_modify_and_remove),
        cmocka_unit_test(test_remove_during_batch),
        cmocka_unit_test(test_timer_fires_once_after_delay),
        cmocka_unit_test(test_timer_disarm_and_zero),
        cmocka_unit_test(test_timer_rearm_from_callback),
        cmocka_unit_test(test_before_wait_once_per_batch),
        cmocka_unit_test(test_before_wait_changes_watches),
    };

    /* A loop that never stops fails the run instead of hanging it. */
    alarm(30);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
