/* Unit tests for deadline: list order, restart, expiry. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "deadline.h"

struct conn {
    int id;
    struct dl_node dl;
};

static void test_expires_oldest_first(void **state)
{
    struct dl_list l = {0};
    struct conn a = {.id = 1}, b = {.id = 2};

    (void)state;
    dl_set(&l, &a.dl, 100, false);
    dl_set(&l, &b.dl, 150, false);
    assert_null(dl_expired(&l, 199, 100));
    assert_ptr_equal(DL_OWNER(dl_expired(&l, 200, 100), struct conn, dl), &a);
    dl_remove(&a.dl);
    assert_null(dl_expired(&l, 200, 100));
    assert_ptr_equal(dl_expired(&l, 250, 100), &b.dl);
    dl_remove(&b.dl);
    assert_null(l.head);
    assert_null(l.tail);
    dl_remove(&b.dl); /* on no list: nothing */
}

static void test_restart_moves_to_tail(void **state)
{
    struct dl_list l = {0};
    struct conn a = {.id = 1}, b = {.id = 2};

    (void)state;
    dl_set(&l, &a.dl, 0, false);
    dl_set(&l, &b.dl, 10, false);
    dl_set(&l, &a.dl, 20, false); /* already there: keeps its start */
    assert_ptr_equal(l.head, &a.dl);
    assert_int_equal(a.dl.since, 0);
    dl_set(&l, &a.dl, 20, true);
    assert_ptr_equal(l.head, &b.dl);
    assert_ptr_equal(l.tail, &a.dl);
    assert_int_equal(a.dl.since, 20);
}

static void test_moves_between_lists(void **state)
{
    struct dl_list idle = {0}, busy = {0};
    struct conn a = {.id = 1};

    (void)state;
    dl_set(&idle, &a.dl, 0, false);
    dl_set(&busy, &a.dl, 5, false);
    assert_null(idle.head);
    assert_ptr_equal(busy.head, &a.dl);
    assert_ptr_equal(a.dl.list, &busy);
    assert_int_equal(a.dl.since, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expires_oldest_first),
        cmocka_unit_test(test_restart_moves_to_tail),
        cmocka_unit_test(test_moves_between_lists),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
