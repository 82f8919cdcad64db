/* Unit tests for the roster: sorted by byte value, unique ignoring case,
 * renames, and the WHO line. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "roster.h"

static void add(struct roster *r, struct roster_entry *e, const char *nick)
{
    roster_set_nick(e, nick, strlen(nick));
    roster_insert(r, e);
}

static void who_equals(const struct roster *r, const char *expect)
{
    size_t n = roster_who_len(r);
    char *line = malloc(n + 1);

    assert_non_null(line);
    roster_who_write(r, line);
    line[n] = '\0';
    assert_string_equal(line, expect);
    free(line);
}

/* REQ: CHAT-005 */
static void test_who_sorted_by_byte_value(void **state)
{
    struct roster r;
    struct roster_entry e[6];

    (void)state;
    roster_init(&r);
    who_equals(&r, "WHO\n");
    add(&r, &e[0], "bob");
    add(&r, &e[1], "alice");
    add(&r, &e[2], "Zed");
    add(&r, &e[3], "a_b");
    add(&r, &e[4], "aZ");
    add(&r, &e[5], "bobby");
    assert_int_equal(r.count, 6);
    who_equals(&r, "WHO Zed aZ a_b alice bob bobby\n");
    roster_remove(&r, &e[0]);
    roster_remove(&r, &e[2]);
    who_equals(&r, "WHO aZ a_b alice bobby\n");
    assert_int_equal(r.count, 4);
}

/* REQ: CHAT-003 */
/* REQ: CHAT-004 */
static void test_find_ignores_case_and_skips_self(void **state)
{
    struct roster r;
    struct roster_entry alice, bob;

    (void)state;
    roster_init(&r);
    add(&r, &alice, "Alice");
    add(&r, &bob, "bob");
    assert_ptr_equal(roster_find(&r, "alice", 5, NULL), &alice);
    assert_ptr_equal(roster_find(&r, "ALICE", 5, NULL), &alice);
    assert_ptr_equal(roster_find(&r, "BOB", 3, NULL), &bob);
    assert_null(roster_find(&r, "bo", 2, NULL));
    assert_null(roster_find(&r, "carol", 5, NULL));
    /* Renaming oneself to another case of one's own nick is allowed. */
    assert_null(roster_find(&r, "ALICE", 5, &alice));
    assert_ptr_equal(roster_find(&r, "ALICE", 5, &bob), &alice);
}

/* REQ: CHAT-004 */
static void test_rename_moves_and_releases(void **state)
{
    struct roster r;
    struct roster_entry alice, bob;

    (void)state;
    roster_init(&r);
    add(&r, &alice, "alice");
    add(&r, &bob, "bob");
    roster_remove(&r, &alice);
    add(&r, &alice, "zoe");
    who_equals(&r, "WHO bob zoe\n");
    /* The old nick is free again. */
    assert_null(roster_find(&r, "alice", 5, NULL));
    assert_string_equal(alice.nick, "zoe");
    assert_int_equal(r.count, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_who_sorted_by_byte_value),
        cmocka_unit_test(test_find_ignores_case_and_skips_self),
        cmocka_unit_test(test_rename_moves_and_releases),
    };

    return cmocka_run_group_tests_name("chat roster", tests, NULL, NULL);
}
