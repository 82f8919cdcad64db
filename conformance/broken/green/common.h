/* Shared, correct green threads for the deliberately broken ones.
 *
 * This header is a whole, correct specs/green.h implementation, written
 * for being bent rather than for speed:
 *
 * - contexts are ucontext_t (makecontext/swapcontext), and every switch
 *   goes through the scheduler's context in green_run: a task that yields,
 *   parks or ends swaps back to green_run, which picks the next one;
 * - each stack is one mmap: a PROT_NONE guard page, then the stack;
 *   a SIGSEGV handler on an alternate signal stack reports a fault inside
 *   the running task's guard page as an overflow;
 * - the run queue is a FIFO list; sleepers are a list sorted by wake-up
 *   time (ties in the order they went to sleep), moved to the run queue
 *   each time the scheduler picks a task; with nothing runnable the
 *   scheduler sleeps in clock_nanosleep until the first wake-up;
 * - every task ever spawned and not yet joined is on the `all` list, which
 *   green_join searches by id;
 * - gchan is a ring buffer with two FIFO lists of parked tasks.
 *
 * Compiled alone (a .c that only includes it) it passes every check.
 * Each broken implementation is a .c that includes this header and changes
 * one piece, marked BUG: a hook macro defined before the #include (each
 * hook below has its correct default), or a whole function: defining
 * BROKEN_<NAME> leaves <name> out of this header and the .c writes its own.
 */
#ifndef OSNET_BROKEN_GREEN_COMMON_H
#define OSNET_BROKEN_GREEN_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "green.h"

enum task_state { T_READY, T_RUNNING, T_SLEEPING, T_BLOCKED, T_DONE };

struct task {
    int id;
    enum task_state state;
    green_fn fn;
    void *arg;
    void *ret;
    ucontext_t ctx;
    char *map; /* guard page + stack, one mapping */
    size_t map_len;
    struct task *next; /* run queue, sleepers or a channel's parked list */
    struct task *all_next;
    struct task *joiner; /* the task parked in green_join on this one */
    bool claimed;        /* a joiner has taken it */
    uint64_t wake_ns;    /* sleeping: when to wake */
    void *msg;           /* gchan: the message being passed */
};

struct tlist {
    struct task *head, *tail;
};

static struct {
    struct tlist runq;
    struct task *sleepers; /* sorted by wake_ns, ties in arrival order */
    struct task *all;      /* every task not yet joined (and freed) */
    struct task *current;  /* NULL in the main code */
    ucontext_t sched;      /* green_run's context */
    int next_id;
    int live; /* tasks spawned and not ended */
    bool handler_set;
} g = {.next_id = 1};

/* ---- hooks, each with its correct default ---- */

/* Where a task goes when spawned, when it yields, and when it is woken. */
#ifndef GREEN_SPAWN_PUSH
#define GREEN_SPAWN_PUSH(t) tlist_push_back(&g.runq, (t))
#endif
#ifndef GREEN_YIELD_PUSH
#define GREEN_YIELD_PUSH(t) tlist_push_back(&g.runq, (t))
#endif
#ifndef GREEN_WAKE_PUSH
#define GREEN_WAKE_PUSH(t) tlist_push_back(&g.runq, (t))
#endif
/* The size of the guard area below each stack (0: no guard page). */
#ifndef GREEN_GUARD
#define GREEN_GUARD ((size_t)sysconf(_SC_PAGESIZE))
#endif
/* The stack size actually mapped for a requested (validated) size. */
#ifndef GREEN_STACK_BYTES
#define GREEN_STACK_BYTES(size) (size)
#endif
/* Whether a requested stack size is refused (0 means the default). */
#ifndef GREEN_BAD_STACK
#define GREEN_BAD_STACK(size)                                                                      \
    ((size) != 0 && ((size) < GREEN_STACK_MIN || (size) > GREEN_STACK_MAX))
#endif
/* What green_spawn does with the task record when the stack fails. */
#ifndef GREEN_SPAWN_UNDO
#define GREEN_SPAWN_UNDO(t) free(t)
#endif
/* How the scheduler waits, with nothing runnable, until time `ns`. */
#ifndef GREEN_IDLE
#define GREEN_IDLE(ns) green_sleep_until(ns)
#endif
/* What green_run returns when tasks remain but none can run. */
#ifndef GREEN_DEADLOCK
#define GREEN_DEADLOCK() (-EDEADLK)
#endif
/* The loop a parked gchan task goes round: `while` re-checks after being
 * woken (another task may have got there first). */
#ifndef GREEN_RECHECK
#define GREEN_RECHECK while
#endif
/* Capacities gchan_create refuses, and the slots it allocates. */
#ifndef GCHAN_BAD_CAPACITY
#define GCHAN_BAD_CAPACITY(c) ((c) == 0 || (c) > GCHAN_CAPACITY_MAX)
#endif
#ifndef GCHAN_SLOTS
#define GCHAN_SLOTS(c) (c)
#endif
#ifndef GCHAN_FULL
#define GCHAN_FULL(ch) ((ch)->count == (ch)->capacity)
#endif
/* Where a task parked on a channel goes in the channel's list. */
#ifndef GCHAN_PARK_PUSH
#define GCHAN_PARK_PUSH(l, t) tlist_push_back((l), (t))
#endif

/* The pieces a broken implementation may replace (BROKEN_STACK_ALLOC,
 * ...), declared here since the others call them. */
static inline int stack_alloc(struct task *t, size_t size);
static inline void stack_free(struct task *t);
static inline void wake_sleepers(void);
static inline void sleep_insert(struct task *t);

/* ---- lists ---- */

static inline void tlist_push_back(struct tlist *l, struct task *t)
{
    t->next = NULL;
    if (l->tail)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
}

static inline void tlist_push_front(struct tlist *l, struct task *t)
{
    t->next = l->head;
    l->head = t;
    if (l->tail == NULL)
        l->tail = t;
}

static inline struct task *tlist_pop(struct tlist *l)
{
    struct task *t = l->head;
    if (t) {
        l->head = t->next;
        if (l->head == NULL)
            l->tail = NULL;
        t->next = NULL;
    }
    return t;
}

static inline uint64_t green_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void green_sleep_until(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* ---- switching ---- */

/* Makes t runnable again (it was parked or sleeping). */
static inline void green_wake(struct task *t)
{
    t->state = T_READY;
    GREEN_WAKE_PUSH(t);
}

/* Gives the CPU back to the scheduler; the caller has already put itself
 * where it will be found (run queue, sleepers, a parked list). */
static inline void green_switch_out(void)
{
    struct task *t = g.current;
    swapcontext(&t->ctx, &g.sched);
}

/* Parks the running task until someone calls green_wake on it. */
static inline void green_park(void)
{
    g.current->state = T_BLOCKED;
    green_switch_out();
}

/* Where every task starts: runs fn, then ends. */
static inline void green_trampoline(void)
{
    struct task *t = g.current;
    t->ret = t->fn(t->arg);
    t->state = T_DONE;
    g.live--;
    if (t->joiner)
        green_wake(t->joiner);
    green_switch_out(); /* never resumed: green_run unmaps the stack */
}

/* ---- the overflow report ---- */

static char green_altstack[64 * 1024];

static inline void green_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    struct task *t = g.current;
    char *addr = si->si_addr;
    if (t && t->map && GREEN_GUARD > 0 && addr >= t->map && addr < t->map + GREEN_GUARD) {
        /* write(2) only: malloc and stdio may be what overflowed. */
        char buf[80], num[16];
        int n = 0, id = t->id;
        do
            num[n++] = (char)('0' + id % 10);
        while ((id /= 10) > 0);
        int len = 0;
        const char *a = "green: task ", *b = " overflowed its stack\n";
        while (*a)
            buf[len++] = *a++;
        while (n > 0)
            buf[len++] = num[--n];
        while (*b)
            buf[len++] = *b++;
        ssize_t w = write(STDERR_FILENO, buf, (size_t)len);
        (void)w;
    }
    /* Back to the default action: returning re-runs the faulting access,
     * which now kills the process with SIGSEGV. */
    signal(sig, SIG_DFL);
}

static inline void green_install_handler(void)
{
    if (g.handler_set)
        return;
    stack_t ss = {.ss_sp = green_altstack, .ss_size = sizeof green_altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = green_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    g.handler_set = true;
}

/* ---- stacks ---- */

#ifndef BROKEN_STACK_ALLOC
/* Maps a guard area and a stack of `size` bytes for t: 0 or -ENOMEM. */
static inline int stack_alloc(struct task *t, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page - 1) / page * page;
    t->map_len = GREEN_GUARD + size;
    void *p = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return -ENOMEM;
    if (GREEN_GUARD > 0 && mprotect(p, GREEN_GUARD, PROT_NONE) != 0) {
        munmap(p, t->map_len);
        return -ENOMEM;
    }
    t->map = p;
    return 0;
}
#endif

#ifndef BROKEN_STACK_FREE
static inline void stack_free(struct task *t)
{
    if (t->map)
        munmap(t->map, t->map_len);
    t->map = NULL;
}
#endif

/* ---- tasks ---- */

#ifndef BROKEN_GREEN_SPAWN
int green_spawn(green_fn fn, void *arg, size_t stack_size)
{
    if (fn == NULL || GREEN_BAD_STACK(stack_size))
        return -EINVAL;
    if (stack_size == 0)
        stack_size = GREEN_STACK_DEFAULT;
    struct task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    if (stack_alloc(t, GREEN_STACK_BYTES(stack_size)) != 0) {
        GREEN_SPAWN_UNDO(t);
        return -ENOMEM;
    }
    getcontext(&t->ctx);
    t->ctx.uc_stack.ss_sp = t->map + GREEN_GUARD;
    t->ctx.uc_stack.ss_size = t->map_len - GREEN_GUARD;
    t->ctx.uc_link = NULL;
    makecontext(&t->ctx, green_trampoline, 0);
    t->fn = fn;
    t->arg = arg;
    t->id = g.next_id++;
    t->state = T_READY;
    t->all_next = g.all;
    g.all = t;
    g.live++;
    GREEN_SPAWN_PUSH(t);
    return t->id;
}
#endif

/* Takes t off the `all` list and frees it. */
static inline void green_forget(struct task *t)
{
    for (struct task **p = &g.all; *p; p = &(*p)->all_next) {
        if (*p == t) {
            *p = t->all_next;
            break;
        }
    }
    stack_free(t);
    free(t);
}

/* Moves every sleeper whose time has come to the run queue. */
#ifndef BROKEN_WAKE_SLEEPERS
static inline void wake_sleepers(void)
{
    if (g.sleepers == NULL)
        return;
    uint64_t now = green_now_ns();
    while (g.sleepers && g.sleepers->wake_ns <= now) {
        struct task *t = g.sleepers;
        g.sleepers = t->next;
        green_wake(t);
    }
}
#endif

#ifndef BROKEN_GREEN_RUN
int green_run(void)
{
    if (g.current)
        return -EPERM;
    green_install_handler();
    for (;;) {
        wake_sleepers();
        struct task *t = tlist_pop(&g.runq);
        if (t == NULL) {
            if (g.sleepers) {
                GREEN_IDLE(g.sleepers->wake_ns);
                continue;
            }
            if (g.live > 0)
                return GREEN_DEADLOCK();
            break;
        }
        g.current = t;
        t->state = T_RUNNING;
        swapcontext(&g.sched, &t->ctx);
        g.current = NULL;
        if (t->state == T_DONE)
            stack_free(t); /* we are on the scheduler's stack now */
    }
    /* Tasks that ended and that nobody joined. */
    for (struct task **p = &g.all; *p;) {
        struct task *t = *p;
        if (t->state == T_DONE && !t->claimed) {
            *p = t->all_next;
            free(t);
        } else {
            p = &t->all_next;
        }
    }
    return 0;
}
#endif

int green_self(void)
{
    return g.current ? g.current->id : 0;
}

#ifndef BROKEN_GREEN_YIELD
int green_yield(void)
{
    if (g.current == NULL)
        return -EPERM;
    g.current->state = T_READY;
    GREEN_YIELD_PUSH(g.current);
    green_switch_out();
    return 0;
}
#endif

#ifndef BROKEN_SLEEP_INSERT
/* Puts t among the sleepers, after every one due no later than it. */
static inline void sleep_insert(struct task *t)
{
    struct task **p = &g.sleepers;
    while (*p && (*p)->wake_ns <= t->wake_ns)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
}
#endif

#ifndef BROKEN_GREEN_SLEEP_MS
int green_sleep_ms(unsigned ms)
{
    if (g.current == NULL)
        return -EPERM;
    if (ms == 0)
        return green_yield();
    struct task *t = g.current;
    t->wake_ns = green_now_ns() + (uint64_t)ms * 1000000u;
    t->state = T_SLEEPING;
    sleep_insert(t);
    green_switch_out();
    return 0;
}
#endif

#ifndef BROKEN_GREEN_JOIN
int green_join(int id, void **ret)
{
    if (g.current == NULL)
        return -EPERM;
    if (id == g.current->id)
        return -EDEADLK;
    struct task *t = g.all;
    while (t && t->id != id)
        t = t->all_next;
    if (t == NULL || t->claimed)
        return -ESRCH;
    t->claimed = true;
    if (t->state != T_DONE) {
        t->joiner = g.current;
        green_park();
    }
    if (ret)
        *ret = t->ret;
    green_forget(t);
    return 0;
}
#endif

/* ---- gchan ---- */

struct gchan {
    void **slots; /* the ring: slots[(head + i) % nslots], i < count */
    size_t nslots;
    size_t capacity, head, count;
    bool closed;
    struct tlist senders, receivers; /* parked tasks, in arrival order */
};

#ifndef BROKEN_GCHAN_CREATE
int gchan_create(struct gchan **out, size_t capacity)
{
    if (out == NULL || GCHAN_BAD_CAPACITY(capacity))
        return -EINVAL;
    struct gchan *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->nslots = GCHAN_SLOTS(capacity);
    ch->slots = calloc(ch->nslots, sizeof(ch->slots[0]));
    if (ch->slots == NULL) {
        free(ch);
        return -ENOMEM;
    }
    ch->capacity = capacity;
    *out = ch;
    return 0;
}
#endif

/* Wakes the first task of a parked list, if any. */
static inline void gchan_wake_one(struct tlist *l)
{
    struct task *t = tlist_pop(l);
    if (t)
        green_wake(t);
}

static inline void gchan_push(struct gchan *ch, void *msg)
{
    ch->slots[(ch->head + ch->count) % ch->nslots] = msg;
    ch->count++;
    gchan_wake_one(&ch->receivers);
}

static inline void *gchan_pop(struct gchan *ch)
{
    void *msg = ch->slots[ch->head];
    ch->head = (ch->head + 1) % ch->nslots;
    ch->count--;
    gchan_wake_one(&ch->senders);
    return msg;
}

#ifndef BROKEN_GCHAN_SEND
int gchan_send(struct gchan *ch, void *msg)
{
    if (ch == NULL)
        return -EINVAL;
    if (g.current == NULL)
        return -EPERM;
    GREEN_RECHECK(!ch->closed && GCHAN_FULL(ch))
    {
        GCHAN_PARK_PUSH(&ch->senders, g.current);
        green_park();
    }
    if (ch->closed)
        return -EPIPE;
    gchan_push(ch, msg);
    return 0;
}
#endif

#ifndef BROKEN_GCHAN_RECV
int gchan_recv(struct gchan *ch, void **msg)
{
    if (ch == NULL || msg == NULL)
        return -EINVAL;
    if (g.current == NULL)
        return -EPERM;
    GREEN_RECHECK(!ch->closed && ch->count == 0)
    {
        GCHAN_PARK_PUSH(&ch->receivers, g.current);
        green_park();
    }
    if (ch->count == 0)
        return -EPIPE;
    *msg = gchan_pop(ch);
    return 0;
}
#endif

#ifndef BROKEN_GCHAN_TRY_SEND
int gchan_try_send(struct gchan *ch, void *msg)
{
    if (ch == NULL)
        return -EINVAL;
    if (ch->closed)
        return -EPIPE;
    if (GCHAN_FULL(ch))
        return -EAGAIN;
    gchan_push(ch, msg);
    return 0;
}
#endif

#ifndef BROKEN_GCHAN_TRY_RECV
int gchan_try_recv(struct gchan *ch, void **msg)
{
    if (ch == NULL || msg == NULL)
        return -EINVAL;
    if (ch->count == 0)
        return ch->closed ? -EPIPE : -EAGAIN;
    *msg = gchan_pop(ch);
    return 0;
}
#endif

#ifndef BROKEN_GCHAN_CLOSE
int gchan_close(struct gchan *ch)
{
    if (ch == NULL)
        return -EINVAL;
    if (ch->closed)
        return -EPIPE;
    ch->closed = true;
    struct task *t;
    while ((t = tlist_pop(&ch->receivers)) != NULL)
        green_wake(t);
    while ((t = tlist_pop(&ch->senders)) != NULL)
        green_wake(t);
    return 0;
}
#endif

#ifndef BROKEN_GCHAN_DESTROY
void gchan_destroy(struct gchan *ch)
{
    if (ch == NULL)
        return;
    free(ch->slots);
    free(ch);
}
#endif

#endif
