/* VARIANTS: asan */
/* green under allocation failure: green_spawn and gchan_create fail with
 * -ENOMEM and leave nothing behind (LeakSanitizer for the malloc family,
 * /proc/self/maps for the stacks' mappings). */
#include "libcheck.h"

#include "green.h"
/* count_maps, count_stacks: one copy, shared with the conformance checks */
#include "../../conformance/green/gtrace.h"

static int ran;

static void *count_run(void *arg)
{
    (void)arg;
    ran++;
    return NULL;
}

/* Spawns under the n-th failure of `kind`, n = 1, 2, ... until a spawn
 * succeeds; returns how many spawns failed. */
static int spawn_until_it_works(enum lc_kind kind, const char *what)
{
    for (long n = 1;; n++) {
        lc_fail_after(kind, n);
        int id = green_spawn(count_run, NULL, 0);
        int fired = lc_fired(kind);
        lc_fail_off();
        if (id > 0) {
            if (fired)
                fail_msg("%s call %ld of green_spawn failed, yet it returned id %d", what, n, id);
            return (int)(n - 1);
        }
        if (id != -ENOMEM)
            fail_msg("%s call %ld of green_spawn failed: it returned %d, expected "
                     "-ENOMEM (%d)",
                     what, n, id, -ENOMEM);
        if (n > 50)
            fail_msg("green_spawn still fails after 50 %s calls", what);
    }
}

/* REQ: GREEN-022 */
static void spawn_fails_cleanly(void **state)
{
    (void)state;
    /* One task first: whatever the implementation sets up once is set up. */
    assert_true(green_spawn(count_run, NULL, 0) > 0);
    assert_int_equal(green_run(), 0);
    ran = 0;
    int maps = count_maps(), stacks = count_stacks();
    int spawned = 0;
    for (int round = 0; round < 10; round++) {
        spawn_until_it_works(LC_MALLOC, "malloc-family");
        spawn_until_it_works(LC_MMAP, "mmap");
        spawned += 2;
    }
    int rc = green_run();
    if (rc != 0 || ran != spawned)
        fail_msg("after spawns that failed, green_run returned %d and ran %d tasks, "
                 "expected 0 and the %d spawns that succeeded",
                 rc, ran, spawned);
    int now = count_stacks();
    if (stacks < 0 || now > stacks + 2)
        fail_msg("10 rounds of failed spawns, then every task ended: %d stacks mapped (a "
                 "guard page and the stack above it, in /proc/self/maps), %d before: a stack "
                 "mapped by a failed spawn is not unmapped",
                 now, stacks);
    /* Whatever a failed spawn mapped, guard page or not; the sanitizer's
     * allocator maps more as it grows: hence the margin. */
    now = count_maps();
    if (now > maps + 6)
        fail_msg("10 rounds of failed spawns left %d more mappings than before (%d, now "
                 "%d): a stack mapped by a failed spawn is not unmapped",
                 now - maps, maps, now);
    /* LeakSanitizer, at exit: nothing a failed spawn allocated is left. */
}

/* What the three spawns made by spawn_inside returned, and whether the
 * failure armed for the first two was delivered (an implementation that
 * makes no such call in green_spawn succeeds instead). */
static int inside_rc[3], inside_fired[2];

static void *spawn_inside(void *arg)
{
    (void)arg;
    static const enum lc_kind kinds[2] = {LC_MALLOC, LC_MMAP};
    for (int i = 0; i < 2; i++) {
        lc_fail_after(kinds[i], 1);
        inside_rc[i] = green_spawn(count_run, NULL, 0);
        inside_fired[i] = lc_fired(kinds[i]);
        lc_fail_off();
    }
    inside_rc[2] = green_spawn(count_run, NULL, 0);
    return NULL;
}

/* REQ: GREEN-022 */
static void spawn_from_a_task_fails_cleanly(void **state)
{
    (void)state;
    ran = 0;
    assert_true(green_spawn(spawn_inside, NULL, 0) > 0);
    int rc = green_run();
    if (rc != 0)
        fail_msg("green_run returned %d after failed spawns inside a task", rc);
    static const char *what[3] = {"its first malloc-family call failing", "its first mmap failing",
                                  "nothing failing"};
    int want_ran = 0;
    for (int i = 0; i < 3; i++) {
        int failed = i < 2 && inside_fired[i];
        int ok = failed ? inside_rc[i] == -ENOMEM : inside_rc[i] > 0;
        if (!ok)
            fail_msg("green_spawn from a task, %s%s, returned %d: expected %s", what[i],
                     i < 2 && !failed ? " (a call it never made)" : "", inside_rc[i],
                     failed ? "-ENOMEM" : "a task id");
        want_ran += !failed;
    }
    if (ran != want_ran)
        fail_msg("%d tasks ran, expected the %d whose spawn succeeded", ran, want_ran);
}

/* REQ: GREEN-023 */
static void gchan_create_fails_cleanly(void **state)
{
    (void)state;
    for (long n = 1;; n++) {
        struct gchan *ch = NULL;
        lc_fail_after(LC_MALLOC, n);
        int rc = gchan_create(&ch, 16);
        int fired = lc_fired(LC_MALLOC);
        lc_fail_off();
        if (rc == 0) {
            if (fired)
                fail_msg("allocation %ld of gchan_create failed, yet it returned 0", n);
            assert_int_equal(gchan_try_send(ch, NULL), 0);
            gchan_destroy(ch);
            break;
        }
        if (rc != -ENOMEM)
            fail_msg("allocation %ld of gchan_create failed: it returned %d, expected "
                     "-ENOMEM",
                     n, rc);
        if (n > 50)
            fail_msg("gchan_create still fails after 50 allocations");
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(spawn_fails_cleanly),
    cmocka_unit_test(spawn_from_a_task_fails_cleanly),
    cmocka_unit_test(gchan_create_fails_cleanly),
)
/* clang-format on */
