/* VARIANTS: asan */
/* channel under allocation failure: chan_create fails cleanly, and a
 * channel that exists never needs memory again. ASan only: LeakSanitizer
 * is what sees a leak on the failure path. */
#include "libcheck.h"

#include <stdint.h>

#include "channel.h"

#define MSG(n) ((void *)(uintptr_t)(n))

/* REQ: CHAN-003 */
static void create_fails_cleanly(void **state)
{
    (void)state;
    size_t caps[] = {1, 64};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        for (long n = 1;; n++) {
            struct chan *ch = NULL;
            lc_fail_after(LC_MALLOC, n);
            int rc = chan_create(&ch, caps[c]);
            int fired = lc_fired(LC_MALLOC);
            lc_fail_off();
            if (rc == 0) {
                if (fired)
                    fail_msg("allocation %ld of chan_create failed, yet it returned 0", n);
                /* It works: one message through, then freed. */
                assert_int_equal(chan_send(ch, MSG(1)), 0);
                void *m;
                assert_int_equal(chan_recv(ch, &m), 0);
                chan_destroy(ch);
                break; /* creation made fewer than n allocations: done */
            }
            if (rc != -ENOMEM)
                fail_msg("allocation %ld of chan_create failed: it returned %d, "
                         "expected -ENOMEM (%d)",
                         n, rc, -ENOMEM);
            if (!fired)
                fail_msg("chan_create returned -ENOMEM with no allocation failed");
            if (n > 100)
                fail_msg("chan_create still fails after 100 allocations");
        }
    }
    /* LeakSanitizer, at exit, fails the test on anything a failed
     * creation left allocated. */
}

/* REQ: CHAN-004 */
static void operations_never_allocate(void **state)
{
    (void)state;
    struct chan *ch;
    assert_int_equal(chan_create(&ch, 8), 0);
    lc_fail_every(LC_MALLOC);
    int ok = 1;
    for (int round = 0; round < 3 && ok; round++) {
        for (int i = 0; i < 8; i++) {
            int rc = i % 2 ? chan_send(ch, MSG(i)) : chan_try_send(ch, MSG(i));
            if (rc != 0) {
                lc_fail_off();
                fail_msg("with every allocation failing, send %d of 8 into a channel of "
                         "capacity 8 returned %d: the buffer must be allocated by "
                         "chan_create",
                         i + 1, rc);
            }
        }
        for (int i = 0; i < 8; i++) {
            void *m = NULL;
            int rc = i % 2 ? chan_recv(ch, &m) : chan_try_recv(ch, &m);
            if (rc != 0 || m != MSG(i)) {
                lc_fail_off();
                fail_msg("with every allocation failing, receive %d returned %d (%p)", i, rc, m);
            }
        }
    }
    int rc = chan_close(ch);
    lc_fail_off();
    assert_int_equal(rc, 0);
    chan_destroy(ch);
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(create_fails_cleanly),
    cmocka_unit_test(operations_never_allocate),
)
/* clang-format on */
