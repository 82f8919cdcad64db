/* Unit tests for quote_name: file names quoted as GNU cat 9.1 quotes them
 * in its messages (each expected string below is what GNU cat printed for
 * "cat NAME" on a missing file, LC_ALL=C), and the snprintf-style bound. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "quote.h"

static const struct {
    const char *name, *quoted;
} cases[] = {
    {"plain.txt", "plain.txt"},
    {"dir/sub-1/x_y+z,w%", "dir/sub-1/x_y+z,w%"},
    {"a@b", "a@b"},
    {"a]b", "a]b"},
    {"a b", "'a b'"},
    {"c:d", "'c:d'"},
    {"", "''"},
    {"~x", "'~x'"},
    {"x~", "x~"},
    {"#a", "'#a'"},
    {"a#", "a#"},
    {"a=b", "'a=b'"},
    {"a!", "'a!'"},
    {"a?b", "'a?b'"},
    {"a\\b", "'a\\b'"},
    {"{", "'{'"},
    {"a{", "a{"},
    {"x'y", "\"x'y\""},
    {"x'y:z", "\"x'y:z\""},
    {"a b'c", "\"a b'c\""},
    {"it's $5", "'it'\\''s $5'"},
    {"\xe9", "''$'\\351'"},
    {"t\tx", "'t'$'\\t''x'"},
    {"a\nb", "'a'$'\\n''b'"},
    {"\x01\x7f", "''$'\\001\\177'"},
    {"caf\xc3\xa9.txt", "'caf'$'\\303\\251''.txt'"},
};

static void test_cases(void **state)
{
    char out[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = quote_name(cases[i].name, out, sizeof(out));
        if (n != strlen(cases[i].quoted) || strcmp(out, cases[i].quoted) != 0)
            fail_msg("case %zu: got [%s], want [%s]", i, out, cases[i].quoted);
    }
}

/* Like snprintf: the full length comes back, the output is cut and ends
 * with a NUL, and cap 0 writes nothing. */
static void test_bound(void **state)
{
    char out[8];

    (void)state;
    memset(out, 'Z', sizeof(out));
    assert_int_equal(quote_name("a long name", out, 5), strlen("'a long name'"));
    assert_string_equal(out, "'a l");
    assert_int_equal(out[5], 'Z');
    assert_int_equal(quote_name("abc", out, 0), 3);
    assert_int_equal(out[0], '\'');
    assert_int_equal(quote_name("abc", out, 4), 3);
    assert_string_equal(out, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
