/*
 * channel.h - a bounded multi-producer multi-consumer channel of pointers.
 *
 * This header is part of specs/channel.md: an implementation provides
 * exactly these functions, with the behaviour the spec's requirements
 * (CHAN-xxx) give them, and is checked by compiling it against the
 * conformance checks: tools/osnet check channel --impl-src my_channel.c
 *
 * A channel holds at most `capacity` messages. A message is a `void *`
 * the channel never dereferences (NULL is a valid message): what it points
 * to belongs to the sender until a receiver gets the pointer. Any number
 * of threads may send and receive on one channel at the same time.
 *
 * Every function that can fail returns 0 or a negative errno value:
 *   -EINVAL  a NULL channel or out-pointer, a capacity out of range
 *   -ENOMEM  memory could not be allocated, or a mutex or condition
 *            variable could not be initialised (chan_create only: POSIX
 *            lets pthread_mutex_init and pthread_cond_init fail with
 *            ENOMEM or EAGAIN, both reported as -ENOMEM)
 *   -EAGAIN  try variants only: the channel is full (send) / empty (recv)
 *   -EPIPE   the channel is closed (send), or closed and empty (recv)
 */
#ifndef OSNET_CHANNEL_H
#define OSNET_CHANNEL_H

#include <stddef.h>

/* The largest capacity chan_create accepts (2^20 messages). */
#define CHAN_CAPACITY_MAX ((size_t)1 << 20)

/* The channel, opaque: only pointers to it cross this interface. */
struct chan;

/*
 * Creates an open, empty channel that buffers up to `capacity` messages
 * (1 <= capacity <= CHAN_CAPACITY_MAX) and stores it in *out.
 * Returns 0, -EINVAL (out is NULL, capacity 0 or too large; *out is left
 * untouched) or -ENOMEM (memory, a mutex or a condition variable could
 * not be had; nothing is left allocated).
 */
int chan_create(struct chan **out, size_t capacity);

/*
 * Appends msg to the channel, blocking while the channel is full and
 * open. Returns 0 once msg is in the channel, or -EPIPE when the channel
 * is closed (before the call or while the caller was blocked): msg was
 * then not added. -EINVAL when ch is NULL.
 */
int chan_send(struct chan *ch, void *msg);

/*
 * Removes the oldest message and stores it in *msg, blocking while the
 * channel is empty and open. Returns 0, or -EPIPE when the channel is
 * closed and empty (messages sent before the close are still delivered
 * first). -EINVAL when ch or msg is NULL.
 */
int chan_recv(struct chan *ch, void **msg);

/*
 * chan_send that never blocks: returns 0 (msg added), -EAGAIN (the
 * channel is open and full; msg not added), -EPIPE (closed) or -EINVAL.
 */
int chan_try_send(struct chan *ch, void *msg);

/*
 * chan_recv that never blocks: returns 0 (*msg set), -EAGAIN (the
 * channel is open and empty), -EPIPE (closed and empty) or -EINVAL.
 * *msg is written only when 0 is returned.
 */
int chan_try_recv(struct chan *ch, void **msg);

/*
 * Closes the channel: from now on every send fails with -EPIPE, receivers
 * get the messages still buffered and then -EPIPE. Every thread blocked
 * in chan_send or chan_recv on it is woken. Returns 0, -EPIPE when the
 * channel was already closed, -EINVAL when ch is NULL.
 */
int chan_close(struct chan *ch);

/*
 * Frees the channel (open or closed). The caller guarantees that no
 * thread is inside, or will later call, any chan_ function on it.
 * Messages still buffered are dropped (the pointers, not what they point
 * to: the channel never frees a message). chan_destroy(NULL) does nothing.
 */
void chan_destroy(struct chan *ch);

#endif
