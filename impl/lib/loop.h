#ifndef OSNET_LOOP_H
#define OSNET_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

/* A small single-threaded epoll event loop with one-shot timers.
 *
 * Interest masks and reported events are epoll's own (EPOLLIN, EPOLLOUT,
 * EPOLLRDHUP; EPOLLHUP and EPOLLERR are always reported). Watches are
 * level-triggered: a callback that does not drain a socket is called again
 * on the next iteration, which keeps one busy peer from starving the others.
 *
 * Callbacks may add, modify and remove any watch (their own included), close
 * file descriptors and stop the loop. An event already fetched for a watch
 * that a callback removed is not delivered. The loop only ever blocks in
 * epoll_wait(). */

struct loop;
struct loop_timer;

typedef void loop_io_cb(struct loop *loop, int fd, uint32_t events, void *ctx);
typedef void loop_timer_cb(struct loop *loop, void *ctx);
typedef void loop_hook_cb(struct loop *loop, void *ctx);

/* Creates a loop. Returns 0 and stores it in *out, or a negative errno. */
int loop_create(struct loop **out);

/* Frees the loop and its watch records. It does not close the watched file
 * descriptors (they belong to the caller); timers must be destroyed first. */
void loop_destroy(struct loop *loop);

/* Watches fd for the events in mask and calls cb(loop, fd, events, ctx) when
 * any of them is ready. A mask of 0 keeps the watch but reports only errors
 * and hang-ups. Returns 0, -EEXIST if fd is already watched, or a negative
 * errno from epoll_ctl (-EPERM for regular files). */
int loop_add(struct loop *loop, int fd, uint32_t mask, loop_io_cb *cb, void *ctx);

/* Replaces the interest mask of a watched fd. Returns 0, -ENOENT if fd is not
 * watched, or a negative errno. */
int loop_modify(struct loop *loop, int fd, uint32_t mask);

/* Stops watching fd. Call it before closing fd. Returns 0, -ENOENT if fd is
 * not watched, or a negative errno. */
int loop_remove(struct loop *loop, int fd);

/* Runs callbacks until loop_stop() is called. Returns 0 once stopped, or a
 * negative errno if epoll_wait() fails (EINTR is retried). */
int loop_run(struct loop *loop);

/* Makes loop_run() return after the current callback. Callable from any
 * callback; calling it before loop_run() makes the next run return at once.
 * loop_run() clears the request when it returns. */
void loop_stop(struct loop *loop);

/* Makes loop_run() call cb(loop, ctx) before every epoll_wait(): once
 * before the first, then once after the callbacks of each batch of events
 * that epoll_wait() returned (redis's beforeSleep). Work that callbacks
 * only record (replies to send, a log to write) can thus be done once per
 * iteration for all of them, before the loop blocks. The hook may do
 * whatever a callback may: add, modify and remove watches, arm timers,
 * stop the loop (then loop_run() returns without waiting again). A stop
 * requested by a callback ends the run without calling the hook. One hook
 * per loop: a new one replaces the old, a NULL cb removes it. */
void loop_set_before_wait(struct loop *loop, loop_hook_cb *cb, void *ctx);

/* Creates a disarmed one-shot timer (a timerfd watched by the loop) that calls
 * cb(loop, ctx) when it expires. Returns 0 and stores it in *out, or a
 * negative errno. */
int loop_timer_create(struct loop *loop, loop_timer_cb *cb, void *ctx, struct loop_timer **out);

/* Arms the timer to fire once, ms milliseconds from now (0 fires on the next
 * iteration). Re-arming an armed timer moves its deadline. Returns 0 or a
 * negative errno. */
int loop_timer_arm(struct loop_timer *t, unsigned ms);

/* Disarms the timer; a pending expiry is dropped. Returns 0 or a negative
 * errno. */
int loop_timer_disarm(struct loop_timer *t);

/* Returns 1 while the timer is armed and has not fired yet, else 0. */
int loop_timer_armed(const struct loop_timer *t);

/* Stops watching the timer, closes it and frees it. NULL is ignored. */
void loop_timer_destroy(struct loop_timer *t);

#endif
