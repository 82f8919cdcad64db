/* BREAKS: PSUM-008 */
/* The sum is printed after tp_wait and the program returns from main
 * without tp_destroy: exit() ends the process while the workers sleep on
 * the empty queue, never joined.
 */
#include "common.h"

static int run_no_destroy(uint64_t n, unsigned k, u128 *total)
{
    static struct ps_job jobs[PS_MAX_K];
    tp_pool *pool;
    int err = tp_create(&pool, k, k);
    if (err) {
        fprintf(stderr, "%s: tp_create: %s\n", ps_prog, strerror(-err));
        return 1;
    }
    for (unsigned w = 0; w < k; w++) {
        jobs[w].r = ps.range(n, k, w);
        tp_submit(pool, ps_task, &jobs[w]);
    }
    tp_wait(pool);
    u128 sum = 0;
    for (unsigned w = 0; w < k; w++)
        sum += jobs[w].sum;
    *total = sum; /* BUG: the pool is left running */
    return 0;
}

int main(int argc, char **argv)
{
    ps.run = run_no_destroy;
    return ps_main(argc, argv);
}
