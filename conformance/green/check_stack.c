/* VARIANTS: asan */
/* green: the stack a task gets - all of it usable, and a guard page below
 * it that turns an overflow into a report and a dead process.
 *
 * The overflow check runs without sanitizers (plain) as well as with: an
 * implementation needs a SIGSEGV handler on an alternate signal stack to
 * report the overflow, and the harness lets such a handler replace ASan's
 * own (allow_user_segv_handler=1); the plain build shows what a learner's
 * program does outside ASan, where no other handler is in the way. */
#include "libcheck.h"

#include <limits.h>

#include "green.h"
#include "gtrace.h"

/* How deep the current recursion must reach, in bytes below `top`. */
static uintptr_t top;
static size_t target;
static long damaged;
static size_t reached;

/* Fills a frame of about 1 KiB, recurses until `target` bytes of stack are
 * in use, then checks on the way back that its frame is intact: a stack
 * smaller than promised, or shared with something else, shows here. */
__attribute__((noinline)) static long use_stack(unsigned depth)
{
    volatile unsigned char frame[1000];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (unsigned char)(depth * 31 + i);
    size_t used = top - (uintptr_t)frame;
    long sum = 0;
    if (used < target)
        sum = use_stack(depth + 1);
    else
        reached = used;
    for (size_t i = 0; i < sizeof frame; i++)
        if (frame[i] != (unsigned char)(depth * 31 + i))
            damaged++;
    return sum + frame[depth % sizeof frame];
}

static void *deep_task(void *arg)
{
    volatile char here;
    top = (uintptr_t)&here;
    target = (size_t)N(arg);
    use_stack(0);
    rec(1);
    return NULL;
}

/* The usable size of a stack of `size` bytes: all but 12 KiB (what the
 * implementation's start-up frames, this task's first frame and the last
 * ~1 KiB frame may take). */
static void deep(size_t size)
{
    size_t real = size ? size : GREEN_STACK_DEFAULT;
    trace_reset();
    reached = 0;
    damaged = 0;
    spawn_ok(deep_task, P((intptr_t)(real - 12 * 1024)), size);
    run_expect(0);
    if (trace_len != 1)
        fail_msg("a task with a %zu-byte stack using %zu bytes of it did not finish", real,
                 real - 12 * 1024);
    if (damaged)
        fail_msg("a task with a %zu-byte stack using %zu bytes: %ld bytes of its frames "
                 "changed under it",
                 real, reached, damaged);
}

/* REQ: GREEN-020 */
static void whole_stack_is_usable(void **state)
{
    (void)state;
    deep(64 * 1024);
    deep(0);
    deep(1024 * 1024);
}

static volatile int forever = INT_MAX;

__attribute__((noinline)) static int recurse_without_end(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    if (n == forever)
        return 0;
    return recurse_without_end(n + 1) + pad[0];
}

static void *overflow(void *arg)
{
    (void)arg;
    rec(recurse_without_end(0));
    return NULL;
}

static void *yield_a_bit(void *arg)
{
    (void)arg;
    green_yield();
    return NULL;
}

/* REQ: GREEN-021 */
/* DIES: green: task 2 overflowed its stack */
/* VARIANTS: plain asan */
static void overflow_is_reported(void **state)
{
    (void)state;
    spawn_ok(yield_a_bit, NULL, 0);
    spawn_ok(overflow, NULL, 64 * 1024); /* task 2 */
    spawn_ok(yield_a_bit, NULL, 0);
    green_run();
    fail_msg("task 2 recursed without end, and green_run returned: the process should "
             "have died with a report on stderr");
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(whole_stack_is_usable),
    cmocka_unit_test(overflow_is_reported),
)
/* clang-format on */
