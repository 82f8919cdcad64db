/* Cooperative green threads and their channel (see specs/green.h,
 * specs/green.md, and impl/green/README.md for pictures).
 *
 * The pieces, in the order of this file:
 *   - the context switch: green_ctx_switch, twenty instructions of
 *     x86-64 assembly that save one stack's registers and load another's;
 *   - task records, found by id in a small hash table;
 *   - stacks: mmap'd, with a PROT_NONE guard page below, and the SIGSEGV
 *     handler (on its own signal stack) that reports an overflow;
 *   - each switch announced to AddressSanitizer, when it is there;
 *   - the scheduler: a FIFO run queue, a list of sleepers ordered by wake
 *     time, green_run's loop, and the task side (yield, sleep, join);
 *   - gchan: a ring buffer with two queues of parked tasks.
 *
 * Every switch goes through the scheduler: a task that stops running
 * switches to green_run's loop (on the caller's stack), which picks the
 * next task and switches to it. That costs two switches where one would
 * do, but it gives one place that decides what runs next, and a task that
 * ends can have its stack freed by code that is not running on it. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "green.h"

#if !defined(__x86_64__)
#error "green.c switches stacks with x86-64 System V assembly"
#endif

/* AddressSanitizer keeps track of which stack the thread runs on; it has
 * to be told when we switch (see switch_begin and switch_end below). GCC
 * says so with __SANITIZE_ADDRESS__, clang with __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define GREEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GREEN_ASAN 1
#endif
#endif
#ifdef GREEN_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define FIBER_START(save, bottom, size)  __sanitizer_start_switch_fiber(save, bottom, size)
#define FIBER_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#define STACK_FORGET(addr, size)         ASAN_UNPOISON_MEMORY_REGION(addr, size)
#else
#define FIBER_START(save, bottom, size)  ((void)0)
#define FIBER_FINISH(save, bottom, size) ((void)0)
#define STACK_FORGET(addr, size)         ((void)0)
#endif

/* ---- The context switch ---------------------------------------------- */

/*
 * green_ctx_switch(&from_sp, to_sp) saves the running context on the
 * current stack, stores the stack pointer in *from_sp, loads to_sp and
 * resumes the context saved there. It returns when someone switches back
 * to from_sp.
 *
 * Only what the x86-64 System V ABI calls callee-saved needs saving: the
 * caller of green_ctx_switch (compiled C) already assumes that every other
 * register is clobbered by a call. That is rbx, rbp, r12-r15, the stack
 * pointer, and the control bits of MXCSR (SSE rounding mode, exception
 * masks) and of the x87 control word. The instruction pointer needs no
 * slot of its own: it is the return address the `call` pushed, and `ret`
 * pops the other context's.
 *
 * A saved context, from the saved stack pointer upwards:
 *   sp+0   MXCSR (4 bytes)    sp+4  x87 control word (2 bytes, 2 unused)
 *   sp+8   r15   sp+16 r14   sp+24 r13   sp+32 r12   sp+40 rbx   sp+48 rbp
 *   sp+56  return address
 * task_stack_init builds the same picture on a new stack.
 */
void green_ctx_switch(void **from_sp, void *to_sp) __attribute__((visibility("hidden")));

/* Laid out by hand, one instruction a line with its comment beside it. */
/* clang-format off */
__asm__(
    ".pushsection .text\n"
    ".globl green_ctx_switch\n"
    ".hidden green_ctx_switch\n"
    ".type green_ctx_switch, @function\n"
    ".p2align 4\n"
    "green_ctx_switch:\n"
    /* rdi = from_sp (where to store our stack pointer), rsi = to_sp. The
     * call that got us here pushed the return address. */
    "    pushq %rbp\n"         /* the six callee-saved registers ...      */
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"         /* ... go on the stack we are leaving      */
    "    subq $8, %rsp\n"      /* 8 bytes for the two control words       */
    "    stmxcsr (%rsp)\n"     /* SSE control/status register (32 bits)   */
    "    fnstcw 4(%rsp)\n"     /* x87 control word (16 bits)              */
    "    movq %rsp, (%rdi)\n"  /* *from_sp = rsp: this context is saved   */
    "    movq %rsi, %rsp\n"    /* rsp = to_sp: now on the other stack     */
    "    ldmxcsr (%rsp)\n"     /* its SSE control bits ...                */
    "    fldcw 4(%rsp)\n"      /* ... and its x87 control word            */
    "    addq $8, %rsp\n"      /* drop the control-word slot              */
    "    popq %r15\n"          /* its callee-saved registers, in the      */
    "    popq %r14\n"          /* reverse order of the pushes             */
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"                /* pops its return address: it resumes     */
    ".size green_ctx_switch, .-green_ctx_switch\n"
    ".popsection\n");
/* clang-format on */

/* ---- Tasks ------------------------------------------------------------ */

enum task_state {
    TASK_RUNNABLE, /* in the run queue */
    TASK_RUNNING,  /* the current task */
    TASK_SLEEPING, /* in the sleep list */
    TASK_BLOCKED,  /* in green_join, or parked on a gchan */
    TASK_DONE,     /* its function returned; the record waits for a join */
};

struct task {
    int id;
    enum task_state state;
    green_fn fn;
    void *arg;
    void *ret;          /* what fn returned, for green_join */
    void *sp;           /* the saved stack pointer while it is not running */
    unsigned char *map; /* the mapping: guard page, then the stack */
    size_t map_len;
    struct task *next;   /* link in the one queue it is in (run queue,
                          * sleep list or a gchan's parked queue) */
    struct task *hnext;  /* link in its hash table bucket */
    struct task *joiner; /* the task waiting in green_join for it */
    uint64_t wake_ns;    /* sleeping: CLOCK_MONOTONIC time to wake up */
    void *msg;           /* gchan: the message handed over while parked */
    int op_result;       /* gchan: what the parked operation returns */
    void *fake_stack;    /* ASan only: its use-after-return stack */
};

/* A FIFO of tasks linked through task.next. */
struct taskq {
    struct task *head;
    struct task *tail;
};

static void taskq_push(struct taskq *q, struct task *t)
{
    t->next = NULL;
    if (q->tail != NULL)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
}

static struct task *taskq_pop(struct taskq *q)
{
    struct task *t = q->head;

    if (t != NULL) {
        q->head = t->next;
        if (q->head == NULL)
            q->tail = NULL;
        t->next = NULL;
    }
    return t;
}

/* The whole state of the library: one OS thread runs it (green.h). */
static struct {
    struct task *current;  /* the running task, NULL in the main code */
    struct taskq run;      /* runnable tasks, the next to run first */
    struct task *sleepers; /* sleeping tasks, earliest wake-up first */
    size_t live;           /* tasks spawned and not yet ended */
    int last_id;           /* ids are 1, 2, 3, ... never reused */
    void *sched_sp;        /* green_run's context while a task runs */
    size_t page;           /* the page size, once known */
    /* Every task record (live, or ended and not yet joined), by id. */
    struct task **table;
    size_t records;
    /* ASan only: green_run's fake stack, and its stack's bounds as ASan
     * reported them when we left it. */
    void *sched_fake_stack;
    const void *sched_bottom;
    size_t sched_size;
} g;

/* ---- The record table ------------------------------------------------- */

/* Records by id: a fixed array of buckets, chained, made at the first
 * spawn and freed when the last record goes. A fixed size keeps it simple
 * (it never has to grow, so there is no failure to handle half-way
 * through a spawn); with ids given in order, the chains stay even, n /
 * TABLE_SIZE long for n records. */
#define TABLE_SIZE 1024

static struct task **table_bucket(int id)
{
    return &g.table[(unsigned)id % TABLE_SIZE];
}

/* Makes sure the table exists; 0 or -ENOMEM. */
static int table_ensure(void)
{
    if (g.table == NULL)
        g.table = calloc(TABLE_SIZE, sizeof(*g.table));
    return g.table != NULL ? 0 : -ENOMEM;
}

/* Adds t; table_ensure has succeeded before. */
static void table_insert(struct task *t)
{
    struct task **b = table_bucket(t->id);

    t->hnext = *b;
    *b = t;
    g.records++;
}

static struct task *table_find(int id)
{
    struct task *t = NULL;

    if (g.table != NULL && id > 0)
        for (t = *table_bucket(id); t != NULL; t = t->hnext)
            if (t->id == id)
                break;
    return t;
}

/* Frees the table once it holds nothing, so that nothing of the library
 * stays allocated when every task has been dealt with. */
static void table_release_if_empty(void)
{
    if (g.records == 0) {
        free(g.table);
        g.table = NULL;
    }
}

/* Removes t and frees its record; its stack is gone already. */
static void table_remove(struct task *t)
{
    struct task **p = table_bucket(t->id);

    while (*p != t)
        p = &(*p)->hnext;
    *p = t->hnext;
    free(t);
    g.records--;
    table_release_if_empty();
}

/* Frees the records of ended tasks that no task joined (green_run does it
 * before returning: nobody can join them any more from the main code, and
 * they would otherwise pile up). */
static void table_free_unjoined(void)
{
    for (size_t i = 0; g.table != NULL && i < TABLE_SIZE; i++) {
        struct task *t = g.table[i], *next;

        for (; t != NULL; t = next) {
            next = t->hnext;
            if (t->state == TASK_DONE && t->joiner == NULL)
                table_remove(t); /* may free the table: the loop checks */
        }
    }
}

/* ---- Stacks ----------------------------------------------------------- */

/*
 * A task's mapping, low addresses first:
 *
 *   map                map + page                         map + map_len
 *   | guard (PROT_NONE) | stack (read/write), grows down <- top      |
 *
 * A push or a local below the stack's lowest byte lands in the guard
 * page, and the kernel sends SIGSEGV instead of letting the task write
 * over whatever lies below.
 */
static int stack_alloc(struct task *t, size_t size)
{
    unsigned char *map;

    t->map_len = size + g.page;
    /* MAP_NORESERVE: a 64 MiB stack that a task uses 8 KiB of should not
     * be counted against the commit limit. MAP_STACK documents intent
     * (and keeps the mapping out of transparent huge pages). */
    map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED)
        return -ENOMEM;
    /* mprotect can only fail here for want of kernel memory (splitting
     * the mapping in two, or the vm.max_map_count limit). */
    if (mprotect(map, g.page, PROT_NONE) != 0) {
        munmap(map, t->map_len);
        return -ENOMEM;
    }
    t->map = map;
    return 0;
}

static void stack_free(struct task *t)
{
    /* ASan marks the redzones around a function's locals in its shadow
     * memory and clears them when the function returns. The frame of
     * task_main never returns, so its marks would stay, and a later
     * mapping at the same address would inherit them. */
    STACK_FORGET(t->map + g.page, t->map_len - g.page);
    munmap(t->map, t->map_len);
    t->map = NULL;
}

static void task_main(void) __attribute__((noreturn));

/*
 * Lays out on t's new stack the context green_ctx_switch expects (see
 * its picture), so that the first switch to t "returns" into task_main
 * with the stack aligned as if task_main had been called: the ABI wants
 * rsp + 8 to be a multiple of 16 at a function's first instruction.
 */
static void task_stack_init(struct task *t)
{
    uint64_t *sp = (uint64_t *)(void *)(t->map + t->map_len); /* page-aligned top */
    uint32_t mxcsr;
    uint16_t fpucw;

    /* A task starts with the floating-point modes of the code that
     * spawned it, as a thread does. */
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpucw));

    *--sp = 0;                             /* task_main's return address: none (ends backtraces) */
    *--sp = (uintptr_t)task_main;          /* popped by green_ctx_switch's ret */
    *--sp = 0;                             /* rbp: 0 ends the frame-pointer chain */
    *--sp = 0;                             /* rbx */
    *--sp = 0;                             /* r12 */
    *--sp = 0;                             /* r13 */
    *--sp = 0;                             /* r14 */
    *--sp = 0;                             /* r15 */
    *--sp = mxcsr | (uint64_t)fpucw << 32; /* the control-word slot */
    t->sp = sp;
}

/* ---- The overflow report ---------------------------------------------- */

/* The signal handler needs a stack of its own: when a task overflows,
 * its stack pointer points into the guard page, and the kernel could not
 * push the signal frame there. 64 KiB is well above MINSIGSTKSZ on any
 * x86-64 (AVX-512 state included). Static, so that installing the handler
 * cannot fail for want of memory. */
static unsigned char alt_stack[64 * 1024] __attribute__((aligned(16)));
static stack_t saved_alt_stack;
static struct sigaction saved_segv;

/* Writes all of s to stderr, with write(2) only: async-signal-safe. */
static void write_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/*
 * SIGSEGV while tasks run. A fault inside the running task's guard page
 * is a stack overflow: report it and die of SIGSEGV. Any other fault is
 * not ours to explain: the handler that was there before (the default, or
 * a sanitizer's) gets it.
 *
 * Only async-signal-safe calls: write, memcpy, sigaction, raise. No
 * printf: it may need a lock the interrupted code holds, or allocate.
 */
static void segv_handler(int sig, siginfo_t *si, void *ucontext)
{
    const struct task *t = g.current;
    uintptr_t addr = (uintptr_t)si->si_addr;
    /* write, sigaction and raise may set errno; when the handler returns
     * to the interrupted code, that code must find its own errno again. */
    int saved_errno = errno;
    (void)ucontext;

    if (t != NULL && addr >= (uintptr_t)t->map && addr < (uintptr_t)t->map + g.page) {
        static const char head[] = "green: task ", tail[] = " overflowed its stack\n";
        char line[sizeof(head) + 10 + sizeof(tail)], digits[10];
        size_t n = sizeof(head) - 1, d = 0;
        unsigned id = (unsigned)t->id;

        memcpy(line, head, n);
        do { /* the id in decimal, last digit first */
            digits[d++] = (char)('0' + id % 10);
            id /= 10;
        } while (id > 0);
        while (d > 0)
            line[n++] = digits[--d];
        memcpy(line + n, tail, sizeof(tail) - 1);
        write_all(line, n + sizeof(tail) - 1);

        /* Die of the signal, as if nobody had caught it: the default
         * action ends the process with SIGSEGV (and a core dump, where
         * they are enabled, showing the overflowing frame). The signal is
         * blocked while this handler runs, so the raise takes effect when
         * the handler returns. */
        struct sigaction dfl = {.sa_handler = SIG_DFL};

        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        raise(sig);
        errno = saved_errno;
        return;
    }
    /* Not a stack overflow: put the previous handler back. Returning
     * re-runs the faulting instruction, which faults again, into that
     * handler. A SIGSEGV sent with kill() would not come back that way:
     * send it again. */
    sigaction(sig, &saved_segv, NULL);
    if (si->si_code <= 0)
        raise(sig);
    errno = saved_errno;
}

/*
 * Installs the handler and its stack for the duration of green_run: 0, or
 * -EPERM when green_run cannot take over SIGSEGV from where it is called.
 *
 * With these arguments the one way either call can fail is sigaltstack's
 * EPERM: the thread is running on its current alternate signal stack,
 * i.e. green_run was called from a signal handler, whose stack cannot be
 * swapped from under it. That is "not callable from here", green_run's
 * -EPERM, so every failure is reported as -EPERM, one of the codes green.h
 * lists. (sigaltstack's ENOMEM, a stack below the minimum, cannot happen:
 * see alt_stack; sigaction fails only on a bad signal number or pointer.)
 */
static int guard_handler_install(void)
{
    stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof(alt_stack), .ss_flags = 0};
    struct sigaction sa = {.sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK};

    sigemptyset(&sa.sa_mask);
    if (sigaltstack(&ss, &saved_alt_stack) != 0)
        return -EPERM;
    if (sigaction(SIGSEGV, &sa, &saved_segv) != 0) {
        sigaltstack(&saved_alt_stack, NULL);
        return -EPERM;
    }
    return 0;
}

/* Puts back what guard_handler_install replaced. */
static void guard_handler_remove(void)
{
    sigaction(SIGSEGV, &saved_segv, NULL);
    sigaltstack(&saved_alt_stack, NULL);
}

/* ---- Switching, with AddressSanitizer told about it -------------------- */

/*
 * ASan must know the bounds of the stack the thread runs on (to tell a
 * stack address from a heap one in its reports, and to clean up after a
 * noreturn call), so each switch is announced: FIBER_START just before,
 * with the bounds of the stack we go to, and FIBER_FINISH just after, on
 * the new stack, which also tells the bounds of the stack we came from.
 * A context that leaves for good passes NULL to FIBER_START so that ASan
 * frees its fake stack (where it moves locals to catch use after return).
 * Without ASan both are empty.
 */

/* From the running task back to green_run's loop. The task has been put
 * where it belongs (run queue, sleep list, a parked queue) or has ended;
 * this returns when the scheduler switches to it again. */
static void switch_to_scheduler(struct task *t)
{
    FIBER_START(t->state == TASK_DONE ? NULL : &t->fake_stack, g.sched_bottom, g.sched_size);
    green_ctx_switch(&t->sp, g.sched_sp);
    FIBER_FINISH(t->fake_stack, &g.sched_bottom, &g.sched_size);
}

/* From green_run's loop into task t, until t switches back. */
static void switch_to_task(struct task *t)
{
    FIBER_START(&g.sched_fake_stack, t->map + g.page, t->map_len - g.page);
    g.current = t;
    t->state = TASK_RUNNING;
    green_ctx_switch(&g.sched_sp, t->sp);
    g.current = NULL;
    FIBER_FINISH(g.sched_fake_stack, NULL, NULL);
}

/* ---- The scheduler ---------------------------------------------------- */

/* A task that can run again: to the back of the run queue. Never switches:
 * the caller (a task or the main code) goes on. */
static void make_runnable(struct task *t)
{
    t->state = TASK_RUNNABLE;
    taskq_push(&g.run, t);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Moves every sleeper whose wake-up time has come to the run queue, the
 * earliest first; the list is kept in that order. */
static void wake_sleepers(void)
{
    uint64_t now;

    if (g.sleepers == NULL)
        return;
    now = now_ns();
    while (g.sleepers != NULL && g.sleepers->wake_ns <= now) {
        struct task *t = g.sleepers;

        g.sleepers = t->next;
        make_runnable(t);
    }
}

/* The OS thread sleeps until the first sleeper's wake-up time. A signal
 * may cut the sleep short (EINTR): the caller's loop looks again. */
static void sleep_until_first_wakeup(void)
{
    struct timespec ts = {
        .tv_sec = (time_t)(g.sleepers->wake_ns / 1000000000u),
        .tv_nsec = (long)(g.sleepers->wake_ns % 1000000000u),
    };

    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * Where every task starts (green_ctx_switch "returns" here the first
 * time). Runs the function, records the result, wakes the joiner, and
 * leaves for good: the scheduler frees this stack once we are off it.
 */
static void task_main(void)
{
    struct task *t = g.current;

    FIBER_FINISH(NULL, &g.sched_bottom, &g.sched_size); /* a new fiber */
    t->ret = t->fn(t->arg);
    t->state = TASK_DONE;
    g.live--;
    if (t->joiner != NULL)
        make_runnable(t->joiner);
    switch_to_scheduler(t);
    __builtin_unreachable(); /* nobody switches to an ended task */
}

/* Creates a task running fn(arg); returns its id, -EINVAL or -ENOMEM. */
int green_spawn(green_fn fn, void *arg, size_t stack_size)
{
    struct task *t;
    int err;

    if (fn == NULL)
        return -EINVAL;
    if (stack_size == 0)
        stack_size = GREEN_STACK_DEFAULT;
    if (stack_size < GREEN_STACK_MIN || stack_size > GREEN_STACK_MAX)
        return -EINVAL;
    if (g.page == 0)
        g.page = (size_t)sysconf(_SC_PAGESIZE);
    stack_size = (stack_size + g.page - 1) & ~(g.page - 1);

    err = table_ensure();
    if (err != 0)
        return err;
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        err = -ENOMEM;
        goto fail;
    }
    err = stack_alloc(t, stack_size);
    if (err != 0)
        goto fail;
    /* Nothing can fail from here on, so the id is taken now: a failed
     * spawn uses none. */
    t->id = ++g.last_id;
    t->fn = fn;
    t->arg = arg;
    task_stack_init(t);
    table_insert(t);
    g.live++;
    make_runnable(t);
    return t->id;

fail:
    free(t);
    table_release_if_empty(); /* it may have been made for this task alone */
    return err;
}

/*
 * The scheduler loop: returns 0 when no task is left, -EDEADLK when tasks
 * are left but none is runnable or sleeping, -EPERM from a task (or from
 * a signal handler: see guard_handler_install).
 */
int green_run(void)
{
    int ret, err;

    if (g.current != NULL)
        return -EPERM;
    err = guard_handler_install();
    if (err != 0)
        return err;
    for (;;) {
        struct task *t;

        wake_sleepers();
        t = taskq_pop(&g.run);
        if (t == NULL) {
            if (g.sleepers != NULL) {
                sleep_until_first_wakeup();
                continue;
            }
            ret = g.live > 0 ? -EDEADLK : 0;
            break;
        }
        switch_to_task(t);
        if (t->state == TASK_DONE)
            stack_free(t); /* we are on green_run's stack, not on t's */
    }
    table_free_unjoined();
    guard_handler_remove();
    return ret;
}

/* The running task's id, 0 outside any task. */
int green_self(void)
{
    return g.current != NULL ? g.current->id : 0;
}

/* The caller to the back of the run queue; 0 or -EPERM. */
int green_yield(void)
{
    struct task *t = g.current;

    if (t == NULL)
        return -EPERM;
    make_runnable(t);
    switch_to_scheduler(t);
    return 0;
}

/* Parks the caller for at least ms milliseconds; 0 or -EPERM. */
int green_sleep_ms(unsigned ms)
{
    struct task *t = g.current, **p;

    if (t == NULL)
        return -EPERM;
    if (ms == 0)
        return green_yield();
    t->wake_ns = now_ns() + (uint64_t)ms * 1000000u;
    /* Sorted insert after every sleeper that wakes no later: equal times
     * keep the order in which the tasks went to sleep. */
    for (p = &g.sleepers; *p != NULL && (*p)->wake_ns <= t->wake_ns; p = &(*p)->next)
        ;
    t->next = *p;
    *p = t;
    t->state = TASK_SLEEPING;
    switch_to_scheduler(t);
    return 0;
}

/* Waits for task id to end and takes its return value; 0, -EPERM,
 * -EDEADLK (id is the caller) or -ESRCH. */
int green_join(int id, void **ret)
{
    struct task *self = g.current, *t;

    if (self == NULL)
        return -EPERM;
    if (id == self->id)
        return -EDEADLK;
    t = table_find(id);
    if (t == NULL || t->joiner != NULL)
        return -ESRCH; /* no such task, joined already, or someone waits */
    if (t->state != TASK_DONE) {
        t->joiner = self;
        self->state = TASK_BLOCKED;
        switch_to_scheduler(self); /* task_main wakes us when t ends */
    }
    if (ret != NULL)
        *ret = t->ret;
    table_remove(t);
    return 0;
}

/* ---- gchan ------------------------------------------------------------ */

/*
 * A ring buffer and two queues of parked tasks. A parked task is never
 * woken to try again: the task that makes its operation possible does the
 * operation for it, then makes it runnable with the result in op_result.
 *   - a send that finds a parked receiver hands the message to it (the
 *     buffer is then empty: receivers park only on an empty buffer);
 *   - a receive that frees a slot moves the first parked sender's message
 *     into it (senders park only on a full buffer, so it stays full).
 * So the parked tasks are served exactly in the order they parked, and a
 * message handed over cannot be taken by another task before the woken
 * one runs.
 */
struct gchan {
    size_t capacity;
    size_t head;  /* index of the oldest message */
    size_t count; /* messages buffered */
    bool closed;
    struct taskq senders;   /* parked in gchan_send: the buffer is full */
    struct taskq receivers; /* parked in gchan_recv: the buffer is empty */
    void *slots[];
};

/* An open, empty channel of capacity messages in *out; 0, -EINVAL, -ENOMEM. */
int gchan_create(struct gchan **out, size_t capacity)
{
    struct gchan *ch;

    if (out == NULL || capacity == 0 || capacity > GCHAN_CAPACITY_MAX)
        return -EINVAL;
    ch = malloc(sizeof(*ch) + capacity * sizeof(ch->slots[0]));
    if (ch == NULL)
        return -ENOMEM;
    *ch = (struct gchan){.capacity = capacity};
    *out = ch;
    return 0;
}

static void ring_push(struct gchan *ch, void *msg)
{
    ch->slots[(ch->head + ch->count) % ch->capacity] = msg;
    ch->count++;
}

static void *ring_pop(struct gchan *ch)
{
    void *msg = ch->slots[ch->head];

    ch->head = (ch->head + 1) % ch->capacity;
    ch->count--;
    return msg;
}

/* The part of a send that never parks: 0, -EPIPE, or -EAGAIN (full). */
static int send_now(struct gchan *ch, void *msg)
{
    struct task *r;

    if (ch->closed)
        return -EPIPE;
    r = taskq_pop(&ch->receivers);
    if (r != NULL) {
        r->msg = msg;
        r->op_result = 0;
        make_runnable(r);
        return 0;
    }
    if (ch->count == ch->capacity)
        return -EAGAIN;
    ring_push(ch, msg);
    return 0;
}

/* The part of a receive that never parks: 0, -EPIPE, or -EAGAIN (empty). */
static int recv_now(struct gchan *ch, void **msg)
{
    struct task *s;

    if (ch->count == 0)
        return ch->closed ? -EPIPE : -EAGAIN;
    *msg = ring_pop(ch);
    s = taskq_pop(&ch->senders);
    if (s != NULL) {
        ring_push(ch, s->msg);
        s->op_result = 0;
        make_runnable(s);
    }
    return 0;
}

/* Parks the running task t on q until another task completes its
 * operation; returns the result that task left. */
static int park(struct taskq *q, struct task *t)
{
    taskq_push(q, t);
    t->state = TASK_BLOCKED;
    switch_to_scheduler(t);
    return t->op_result;
}

/* Appends msg, parking while full; 0, -EPIPE, -EINVAL or -EPERM. */
int gchan_send(struct gchan *ch, void *msg)
{
    struct task *t = g.current;
    int ret;

    if (ch == NULL)
        return -EINVAL;
    if (t == NULL)
        return -EPERM;
    ret = send_now(ch, msg);
    if (ret == -EAGAIN) {
        t->msg = msg;
        ret = park(&ch->senders, t);
    }
    return ret;
}

/* Takes the oldest message, parking while empty; 0, -EPIPE, -EINVAL or
 * -EPERM. */
int gchan_recv(struct gchan *ch, void **msg)
{
    struct task *t = g.current;
    int ret;

    if (ch == NULL || msg == NULL)
        return -EINVAL;
    if (t == NULL)
        return -EPERM;
    ret = recv_now(ch, msg);
    if (ret == -EAGAIN) {
        ret = park(&ch->receivers, t);
        if (ret == 0)
            *msg = t->msg;
    }
    return ret;
}

/* gchan_send without parking: 0, -EAGAIN, -EPIPE or -EINVAL. */
int gchan_try_send(struct gchan *ch, void *msg)
{
    if (ch == NULL)
        return -EINVAL;
    return send_now(ch, msg);
}

/* gchan_recv without parking: 0, -EAGAIN, -EPIPE or -EINVAL. */
int gchan_try_recv(struct gchan *ch, void **msg)
{
    if (ch == NULL || msg == NULL)
        return -EINVAL;
    return recv_now(ch, msg);
}

/* Closes the channel and wakes every parked task with -EPIPE; 0, -EPIPE
 * (closed already) or -EINVAL. */
int gchan_close(struct gchan *ch)
{
    struct task *t;

    if (ch == NULL)
        return -EINVAL;
    if (ch->closed)
        return -EPIPE;
    ch->closed = true;
    /* A parked sender's message was never added; a parked receiver found
     * the buffer empty, and nothing can come now. Both fail. */
    while ((t = taskq_pop(&ch->senders)) != NULL) {
        t->op_result = -EPIPE;
        make_runnable(t);
    }
    while ((t = taskq_pop(&ch->receivers)) != NULL) {
        t->op_result = -EPIPE;
        make_runnable(t);
    }
    return 0;
}

/* Frees the channel; no task may be parked on it. */
void gchan_destroy(struct gchan *ch)
{
    free(ch);
}
