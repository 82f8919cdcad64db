/* VARIANTS: asan tsan */
/* Millions of tiny tasks from several submitting threads: each must run
 * exactly once (specs/threadpool.md, TP-007), with no data race on the
 * way (TP-014, in the tsan build). Each task has an id and adds one to
 * its own counter; at the end every counter must be 1. */
#include <sched.h>

#include "libcheck.h"
#include "threadpool.h"
#include "tp_util.h"

#define SUBMITTERS 4

static atomic_uchar *seen; /* seen[id]: how many times task id ran */
static atomic_long ran;

static void id_task(void *arg)
{
    atomic_fetch_add_explicit(&seen[(uintptr_t)arg], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ran, 1, memory_order_relaxed);
}

struct submitter {
    pthread_t th;
    tp_pool *p;
    long first, n; /* ids first .. first + n - 1 */
    bool try_only; /* tp_try_submit, retried on -EAGAIN, instead of tp_submit */
    int err;       /* the first unexpected return, 0 if none */
    atomic_int done;
};

static void *submitter_main(void *arg)
{
    struct submitter *s = arg;
    for (long i = 0; i < s->n; i++) {
        void *id = (void *)(uintptr_t)(s->first + i);
        int r;
        if (s->try_only) {
            while ((r = tp_try_submit(s->p, id_task, id)) == -EAGAIN)
                sched_yield();
        } else {
            r = tp_submit(s->p, id_task, id);
        }
        if (r != 0) {
            s->err = r;
            break;
        }
    }
    atomic_store(&s->done, 1);
    return NULL;
}

/* What became of the tasks, for a failure message. */
static void report(unsigned w, size_t c, long total, const char *what)
{
    long zero = 0, more = 0, first_bad = -1;
    for (long id = 0; id < total; id++) {
        unsigned char k = atomic_load(&seen[id]);
        if (k != 1 && first_bad < 0)
            first_bad = id;
        zero += k == 0;
        more += k > 1;
    }
    if (!zero && !more && !what)
        return;
    fail_msg("w=%u c=%zu, %ld tasks from %d submitters%s%s: %ld runs, %ld tasks never ran, "
             "%ld ran more than once (first: task %ld, %d runs)",
             w, c, total, SUBMITTERS, what ? ": " : "", what ? what : "", atomic_load(&ran), zero,
             more, first_bad, first_bad < 0 ? 1 : (int)atomic_load(&seen[first_bad]));
}

/* Runs `total` tasks through a pool of w workers and capacity c from
 * SUBMITTERS threads (half blocking, half trying), then checks each ran
 * once. A pool that loses tasks may also hang its submitters or tp_wait:
 * the check gives up when no task has run for TPC_DEADLINE_MS, and says
 * what it saw. */
static void run_once_each(unsigned w, size_t c, long total)
{
    static struct submitter subs[SUBMITTERS];
    static struct bg waiter;
    seen = calloc((size_t)total, 1);
    assert_non_null(seen);
    atomic_store(&ran, 0);
    static tp_pool *p;
    p = NULL;
    assert_int_equal(tp_create(&p, w, c), 0);
    long per = total / SUBMITTERS;
    for (int i = 0; i < SUBMITTERS; i++) {
        subs[i] = (struct submitter){.p = p,
                                     .first = i * per,
                                     .n = i == SUBMITTERS - 1 ? total - i * per : per,
                                     .try_only = i % 2 == 1};
        assert_int_equal(pthread_create(&subs[i].th, NULL, submitter_main, &subs[i]), 0);
    }
    long last = -1;
    uint64_t stalled_since = lc_now_ns();
    for (int i = 0; i < SUBMITTERS;) {
        if (atomic_load(&subs[i].done)) {
            pthread_join(subs[i].th, NULL);
            if (subs[i].err)
                fail_msg("w=%u c=%zu: a submitter got %d from %s", w, c, subs[i].err,
                         subs[i].try_only ? "tp_try_submit" : "tp_submit");
            i++;
            continue;
        }
        long now = atomic_load(&ran);
        if (now != last) {
            last = now;
            stalled_since = lc_now_ns();
        } else if (lc_now_ns() - stalled_since > (uint64_t)lc_ms(TPC_DEADLINE_MS) * 1000000u) {
            report(w, c, total, "the submitters are stuck (no task ran for a long while)");
        }
        lc_sleep_ms(5);
    }
    bg_start(&waiter, BG_WAIT, p);
    if (!bg_finish(&waiter, TPC_DEADLINE_MS))
        report(w, c, total, "every submit returned, but tp_wait did not return");
    assert_int_equal(waiter.ret, 0);
    report(w, c, total, NULL);
    tp_destroy(p);
    free(seen);
    seen = NULL;
}

/* REQ: TP-007 TP-014 */
/* TIMEOUT: 180 */
static void millions_of_tasks_each_run_once(void **state)
{
    (void)state;
    run_once_each(4, 64, lc_scale(2000000));
}

/* REQ: TP-007 TP-014 */
/* TIMEOUT: 180 */
static void small_queues_under_contention(void **state)
{
    (void)state;
    static const struct {
        unsigned w;
        size_t c;
    } cases[] = {{1, 1}, {8, 1}, {8, 2}, {2, 64}, {3, 7}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_once_each(cases[i].w, cases[i].c, lc_scale(200000));
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(millions_of_tasks_each_run_once),
    cmocka_unit_test(small_queues_under_contention),
)
/* clang-format on */
