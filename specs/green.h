/*
 * green.h - cooperative green threads (tasks) in one OS thread, and a
 * bounded channel that parks tasks instead of threads.
 *
 * This header is part of specs/green.md: an implementation provides
 * exactly these functions, with the behaviour the spec's requirements
 * (GREEN-xxx) give them, and is checked by compiling it against the
 * conformance checks: tools/osnet check green --impl-src my_green.c
 *
 * The model. The program's main code (outside any task) spawns tasks and
 * then calls green_run(), which switches to the tasks one at a time until
 * every task has ended. A task runs until it yields, sleeps, blocks (a
 * join, a gchan send or recv) or ends: nothing ever preempts it. Each task
 * has its own stack, with an inaccessible guard page below it.
 *
 * The run queue is one FIFO of runnable tasks. The scheduler always
 * resumes the task at its head. A task goes to the BACK of the queue when
 * it is spawned, when it yields, and when it is woken (its join target
 * ended, the gchan operation it waits for can proceed, its sleep is over).
 * Waking a task never switches to it at once: the task that woke it keeps
 * running until it yields, sleeps, blocks or ends. Each time the scheduler
 * picks the next task, it first moves every sleeping task whose time has
 * come to the back of the queue, earliest wake-up time first (ties: in
 * the order they went to sleep).
 *
 * When a task's function returns, the task ends: its stack is freed, the
 * value it returned is kept for green_join, and the task joining it (if
 * any) is woken.
 *
 * A task that runs past the bottom of its stack touches the guard page:
 * the process writes a line containing
 *     green: task <id> overflowed its stack
 * (its decimal id) to stderr and dies (abort() or _exit() with a status
 * other than 0): never silent corruption of other memory, as long as the
 * task's frames are smaller than a page (a bigger frame can jump over
 * the guard page; -fstack-clash-protection makes the compiler probe it).
 *
 * Task ids are 1, 2, 3, ... in the order of successful green_spawn calls
 * in the process, never reused; 0 means "not a task" (green_self outside
 * any task).
 *
 * Everything happens in one OS thread: calling green_ or gchan_ functions
 * from two threads is undefined.
 *
 * Functions that can fail return 0 (green_spawn: the new id, > 0) or a
 * negative errno value:
 *   -EINVAL   a NULL argument, a stack size or capacity out of range
 *   -ENOMEM   memory (task record, stack, channel) could not be allocated
 *   -EPERM    a call that can only be made by a task (yield, sleep, join,
 *             gchan_send, gchan_recv), made outside any task; green_run
 *             called from a task
 *   -ESRCH    green_join of an id that is not a task, or is already joined
 *   -EDEADLK  green_join of the caller itself; green_run when every
 *             remaining task is blocked and none sleeps
 *   -EAGAIN   gchan try variants: the channel is full (send) / empty (recv)
 *   -EPIPE    gchan: the channel is closed (send), or closed and empty
 *             (recv)
 */
#ifndef OSNET_GREEN_H
#define OSNET_GREEN_H

#include <stddef.h>

/* The stack a task gets when green_spawn is given 0. */
#define GREEN_STACK_DEFAULT ((size_t)256 * 1024)
/* The smallest and largest stack sizes green_spawn accepts. */
#define GREEN_STACK_MIN ((size_t)16 * 1024)
#define GREEN_STACK_MAX ((size_t)64 * 1024 * 1024)

/* The largest capacity gchan_create accepts. */
#define GCHAN_CAPACITY_MAX ((size_t)1 << 20)

/* What a task runs: the value it returns goes to the task that joins it. */
typedef void *(*green_fn)(void *arg);

/*
 * Creates a task that will run fn(arg) on a stack of stack_size bytes (0:
 * GREEN_STACK_DEFAULT; otherwise GREEN_STACK_MIN to GREEN_STACK_MAX,
 * rounded up to a whole number of pages), plus a guard page below it. The
 * task goes to the back of the run queue; the caller goes on running.
 * Callable from the main code (before or between green_run calls) and
 * from tasks. Returns the task's id (> 0), -EINVAL (fn NULL, stack size
 * out of range) or -ENOMEM (nothing is left allocated).
 */
int green_spawn(green_fn fn, void *arg, size_t stack_size);

/*
 * Runs the scheduler until every task has ended, then returns 0. Returns
 * -EDEADLK as soon as tasks remain but none can run: every one of them is
 * blocked in green_join or a gchan operation and none is sleeping. Those
 * tasks stay as they are: the main code may unblock some of them (a
 * gchan_close, a gchan_try_send) and call green_run again to go on. When
 * it returns, the records of tasks that ended without being joined are
 * freed. -EPERM when called from a task, or from where it cannot install
 * its SIGSEGV handler (a signal handler running on the alternate signal
 * stack: an implementation reports that failure of sigaltstack as -EPERM).
 */
int green_run(void);

/* The id of the task that is running, or 0 outside any task. */
int green_self(void);

/*
 * Moves the calling task to the back of the run queue and runs the task
 * at its head (the caller itself when it is the only runnable task).
 * Returns 0, or -EPERM outside any task.
 */
int green_yield(void);

/*
 * Parks the calling task for at least ms milliseconds (CLOCK_MONOTONIC)
 * while the other tasks run; when no task can run, the OS thread sleeps
 * (no busy waiting). ms = 0 is green_yield(). Returns 0, or -EPERM outside
 * any task.
 */
int green_sleep_ms(unsigned ms);

/*
 * Waits until task id has ended (returns at once when it already has) and
 * stores the value its function returned in *ret (when ret is not NULL).
 * A task can be joined once: its record is freed then. Returns 0, -EPERM
 * outside any task, -EDEADLK when id is the caller, -ESRCH when id is no
 * task, already joined, or already waited for by another task.
 */
int green_join(int id, void **ret);

/* ---- gchan: a bounded channel of pointers between tasks ----------------
 * The semantics of specs/channel.h (FIFO, capacity, close: receivers drain
 * then get -EPIPE, sends fail with -EPIPE), but a task that must wait is
 * parked and the others run. Tasks parked on one channel are woken in the
 * order they parked, each to the back of the run queue. */

/* The channel, opaque. */
struct gchan;

/*
 * Creates an open, empty channel of 1 <= capacity <= GCHAN_CAPACITY_MAX
 * messages in *out. Callable from the main code and from tasks.
 * Returns 0, -EINVAL (out NULL, capacity out of range) or -ENOMEM.
 */
int gchan_create(struct gchan **out, size_t capacity);

/*
 * Appends msg, parking the calling task while the channel is full and
 * open. Returns 0, -EPIPE when the channel is closed (before the call or
 * while the task was parked: msg is not added), -EINVAL (ch NULL), -EPERM
 * outside any task.
 */
int gchan_send(struct gchan *ch, void *msg);

/*
 * Removes the oldest message into *msg, parking the calling task while
 * the channel is empty and open. Returns 0, -EPIPE when the channel is
 * closed and empty, -EINVAL (ch or msg NULL), -EPERM outside any task.
 */
int gchan_recv(struct gchan *ch, void **msg);

/* gchan_send that never parks: 0, -EAGAIN (open and full), -EPIPE, -EINVAL.
 * Callable from the main code too. */
int gchan_try_send(struct gchan *ch, void *msg);

/* gchan_recv that never parks: 0, -EAGAIN (open and empty), -EPIPE (closed
 * and empty), -EINVAL. Callable from the main code too. */
int gchan_try_recv(struct gchan *ch, void **msg);

/*
 * Closes the channel and wakes every task parked on it. Returns 0, -EPIPE
 * when already closed, -EINVAL (ch NULL). Callable from the main code too.
 */
int gchan_close(struct gchan *ch);

/*
 * Frees the channel. The caller guarantees no task is parked on it or
 * will use it. gchan_destroy(NULL) does nothing.
 */
void gchan_destroy(struct gchan *ch);

#endif
