/* Unit tests for the protocol words: nick rules, nick comparison and the
 * classification of a joined client's lines. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "proto.h"

static bool valid(const char *s)
{
    return proto_nick_valid(s, strlen(s));
}

/* REQ: CHAT-003 */
static void test_nick_rules(void **state)
{
    (void)state;
    assert_true(valid("a"));
    assert_true(valid("Alice"));
    assert_true(valid("z9_-Q"));
    assert_true(valid("abcdefghijklmnop")); /* 16 bytes */
    assert_false(valid(""));
    assert_false(valid("abcdefghijklmnopq")); /* 17 bytes */
    assert_false(valid("9lives"));
    assert_false(valid("_x"));
    assert_false(valid("-x"));
    assert_false(valid("a b"));
    assert_false(valid("a.b"));
    assert_false(valid("caf\xc3\xa9"));
    assert_false(valid("/quit"));
    assert_false(proto_nick_valid("ab\0c", 4));
}

/* REQ: CHAT-003 */
static void test_nick_same_ignores_ascii_case_only(void **state)
{
    (void)state;
    assert_true(proto_nick_same("Alice", 5, "aLICE", 5));
    assert_true(proto_nick_same("a-1_Z", 5, "A-1_z", 5));
    assert_false(proto_nick_same("alice", 5, "alice2", 6));
    assert_false(proto_nick_same("a_", 2, "a-", 2));
    /* '@' and '`' are one bit away from 'A' and 'a' but are no letters. */
    assert_false(proto_nick_same("@", 1, "`", 1));
    assert_false(proto_nick_same("[", 1, "{", 1));
}

/* REQ: CHAT-005 */
static void test_nick_order_is_byte_order(void **state)
{
    (void)state;
    assert_true(proto_nick_order("Zed", 3, "alice", 5) < 0); /* 'Z' < 'a' */
    assert_true(proto_nick_order("a-", 2, "a0", 2) < 0);
    assert_true(proto_nick_order("a9", 2, "aA", 2) < 0);
    assert_true(proto_nick_order("aZ", 2, "a_", 2) < 0);
    assert_true(proto_nick_order("a_", 2, "aa", 2) < 0);
    assert_true(proto_nick_order("bob", 3, "bobby", 5) < 0);
    assert_true(proto_nick_order("bobby", 5, "bob", 3) > 0);
    assert_int_equal(proto_nick_order("bob", 3, "bob", 3), 0);
}

static enum proto_cmd parse(const char *line, const char **arg, size_t *arglen)
{
    *arg = NULL;
    *arglen = 99;
    return proto_parse(line, strlen(line), arg, arglen);
}

/* REQ: CHAT-004 */
/* REQ: CHAT-005 */
/* REQ: CHAT-006 */
/* REQ: CHAT-011 */
static void test_parse_commands(void **state)
{
    const char *arg;
    size_t n;

    (void)state;
    assert_int_equal(parse("", &arg, &n), PROTO_EMPTY);
    assert_int_equal(parse("hello", &arg, &n), PROTO_MSG);
    assert_int_equal(parse(" /who", &arg, &n), PROTO_MSG);
    assert_int_equal(parse("/who", &arg, &n), PROTO_WHO);
    assert_int_equal(parse("/quit", &arg, &n), PROTO_QUIT);
    assert_int_equal(parse("/nick bob", &arg, &n), PROTO_NICK);
    assert_int_equal(n, 3);
    assert_memory_equal(arg, "bob", 3);
    /* The argument is passed on as it is; the nick rules refuse it later. */
    assert_int_equal(parse("/nick b c", &arg, &n), PROTO_NICK);
    assert_int_equal(n, 3);
    assert_int_equal(parse("/nick", &arg, &n), PROTO_NICK);
    assert_int_equal(n, 0);
    assert_int_equal(parse("/nick ", &arg, &n), PROTO_NICK);
    assert_int_equal(n, 0);
    assert_int_equal(parse("/nickname", &arg, &n), PROTO_UNKNOWN);
    assert_int_equal(parse("/", &arg, &n), PROTO_UNKNOWN);
    assert_int_equal(parse("/WHO", &arg, &n), PROTO_UNKNOWN);
    assert_int_equal(parse("/who x", &arg, &n), PROTO_UNKNOWN);
    assert_int_equal(parse("/quit now", &arg, &n), PROTO_UNKNOWN);
    assert_int_equal(parse("/me waves", &arg, &n), PROTO_UNKNOWN);
    assert_int_equal(proto_parse("/who\0", 5, &arg, &n), PROTO_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nick_rules),
        cmocka_unit_test(test_nick_same_ignores_ascii_case_only),
        cmocka_unit_test(test_nick_order_is_byte_order),
        cmocka_unit_test(test_parse_commands),
    };

    return cmocka_run_group_tests_name("chat protocol words", tests, NULL, NULL);
}
