/* BREAKS: PSUM-007 */
/* No pool: a thread per range, each joined before the next one starts.
 * K threads are created, but never more than one at a time.
 */
#include "common.h"

static void *range_thread(void *arg)
{
    ps_task(arg);
    return NULL;
}

static int run_one_by_one(uint64_t n, unsigned k, u128 *total)
{
    u128 sum = 0;
    for (unsigned w = 0; w < k; w++) {
        struct ps_job job = {ps.range(n, k, w), 0};
        pthread_t t;
        int err = pthread_create(&t, NULL, range_thread, &job);
        if (err) {
            fprintf(stderr, "%s: pthread_create: %s\n", ps_prog, strerror(err));
            return 1;
        }
        pthread_join(t, NULL); /* BUG: one worker at a time */
        sum += job.sum;
    }
    *total = sum;
    return 0;
}

int main(int argc, char **argv)
{
    ps.run = run_one_by_one;
    return ps_main(argc, argv);
}
