/* Unit tests for turning /proc/PID/cmdline into ARGS: joining the
 * arguments, and escaping them for display exactly as procps-ng 4.0.2's
 * ps does. Every expected string below is what that ps printed for the
 * same bytes (in LC_ALL=C.UTF-8 unless the test says C). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "escape.h"
#include "procfs.h"

struct join_case {
    const char *in;
    size_t in_len;
    const char *out;
};

#define JC(in, out)                                                                                \
    {                                                                                              \
        in, sizeof(in) - 1, out                                                                    \
    }

static void test_join(void **state)
{
    static const struct join_case cases[] = {
        JC("sleep\0"
           "100\0",
           "sleep 100"),
        JC("a\0\0b\0", "a  b"),               /* an empty argument in the middle */
        JC("a\0b\0\0\0", "a b"),              /* empty ones at the end vanish */
        JC("a\0b \0", "a b "),                /* a space inside an argument stays */
        JC("a\nb\0c\n\0", "a b c "),          /* a newline becomes a space */
        JC("\0a\0", " a"),                    /* an empty argv[0] */
        JC("no terminator", "no terminator"), /* a program that rewrote its argv */
        JC("\0", ""),
        JC("\0\0\0", ""),
        JC("", ""),
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        size_t n;

        memcpy(buf, cases[i].in, cases[i].in_len);
        n = procfs_join_cmdline(buf, cases[i].in_len);
        if (n != strlen(cases[i].out) || memcmp(buf, cases[i].out, n) != 0)
            fail_msg("case %zu: got \"%.*s\", want \"%s\"", i, (int)n, buf, cases[i].out);
    }
}

struct esc_case {
    const char *in;
    const char *out;
};

static void check_escape(const struct esc_case *cases, size_t count, bool utf8)
{
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(cases[i].in);
        char *buf = malloc(len + 1);
        size_t n;

        assert_non_null(buf);
        memcpy(buf, cases[i].in, len + 1);
        n = esc_ps(buf, len, utf8);
        if (n != strlen(cases[i].out) || memcmp(buf, cases[i].out, n) != 0)
            fail_msg("case %zu (%s): got \"%.*s\", want \"%s\"", i, utf8 ? "UTF-8" : "C", (int)n,
                     buf, cases[i].out);
        free(buf);
    }
}

static void test_escape_utf8(void **state)
{
    static const struct esc_case cases[] = {
        {"plain text 123", "plain text 123"},
        {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
         "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"},
        /* ASCII controls: one '?' each. */
        {"a\tb", "a?b"},
        {"esc\x1b[31mred", "esc?[31mred"},
        {"x\x01\x02\x1f\x7fy", "x????y"},
        {"cr\rx", "cr?x"},
        /* Valid characters that are not printable: one '?' each, however
         * many bytes: C1 controls, U+FFFF, U+2028, U+10FFFF. */
        {"c1\xc2\x80\xc2\x9fx", "c1??x"},
        {"\xef\xbf\xbf", "?"},
        {"lsep\xe2\x80\xa8x", "lsep?x"},
        {"max\xf4\x8f\xbf\xbfx", "max?x"},
        /* Printable although invisible: kept, as ps keeps them. */
        {"e\xcc\x81", "e\xcc\x81"},             /* combining acute */
        {"zw\xe2\x80\x8bx", "zw\xe2\x80\x8bx"}, /* zero-width space */
        {"\xef\xbf\xbd", "\xef\xbf\xbd"},       /* U+FFFD itself */
        /* A lead byte whose sequence is broken: one '?' per byte, and the
         * walk goes on normally (the tab after it is still '?'). */
        {"inv2\xc3x", "inv2?x"},
        {"\xc3\t", "??"},
        {"\xe2\x82x\t", "??x?"},
        {"\xe0\x80\x80\t", "????"}, /* overlong */
        {"surr\xed\xa0\x80x", "surr???x"},
        {"\xf4\x90\x80\x80\t", "??"}, /* past U+10FFFF, but glibc decodes it: one '?' */
        /* A byte that starts no sequence, or a sequence cut by the end:
         * from there on, controls are '.' and every byte >= 0x80 is '?',
         * even a valid "é". */
        {"\xff\tb\xc3\xa9", "?.b??"},
        {"lone\x80x", "lone?x"},
        {"\x80\t", "?."},
        {"\xc0\x80\t", "??."},
        {"\xf5\x80\x80\x80\t", "????."},
        {"5byte\xf8\x88\x80\x80\x80x", "5byte?????x"},
        {"trunc\xe2\x82", "trunc??"},
        {"\xe2\xe2\x80\x8b\x1b\xffZ", "????.?Z"},
        {"a\x80\t\xc3\xa9", "a?.??"},
        {"", ""},
    };

    (void)state;
    assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
    assert_true(esc_locale_is_utf8());
    check_escape(cases, sizeof(cases) / sizeof(cases[0]), true);
}

static void test_escape_c_locale(void **state)
{
    static const struct esc_case cases[] = {
        {"plain text", "plain text"},
        {"caf\xc3\xa9 \xe6\x97\xa5", "caf?? ???"},
        {"\xff\t\x01", "?.."},
        {"a\x7f"
         "b\x1b",
         "a.b."},
    };

    (void)state;
    assert_non_null(setlocale(LC_CTYPE, "C"));
    assert_false(esc_locale_is_utf8());
    check_escape(cases, sizeof(cases) / sizeof(cases[0]), false);
}

/* The two passes separately: the first never changes the length, the
 * second never grows it. */
static void test_escape_passes(void **state)
{
    char s[] = "\xe2\x82x\tA\xef\xbf\xbf";
    size_t len = sizeof(s) - 1;

    (void)state;
    assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
    /* Pass 1: the tab is not inside the skipped "\xe2\x82x", so it is '?'. */
    assert_int_equal(esc_ps_bytes(s, len, true), len);
    assert_memory_equal(s, "\xe2\x82x?A\xef\xbf\xbf", len);
    /* Pass 2: the broken lead and its continuation are one '?' each, the
     * noncharacter U+FFFF one '?' for its three bytes. */
    len = esc_ps_chars(s, len, true);
    assert_int_equal(len, 6);
    assert_memory_equal(s, "??x?A?", len);
    /* Pass 2 does nothing outside UTF-8. */
    assert_int_equal(esc_ps_chars(s, len, false), len);
}

/* Random bytes: never longer, never a control byte, never invalid UTF-8
 * left in the output, and printable text untouched. */
static void test_escape_random(void **state)
{
    unsigned seed = 12345;

    (void)state;
    assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
    for (int round = 0; round < 20000; round++) {
        unsigned char s[32];
        size_t len = 1 + round % 31, n;
        mbstate_t st;

        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = (unsigned char)(seed >> 16);
            if (s[i] == 0)
                s[i] = 'a';
        }
        n = esc_ps((char *)s, len, true);
        assert_true(n <= len);
        memset(&st, 0, sizeof(st));
        for (size_t i = 0; i < n;) {
            wchar_t wc;
            size_t k = mbrtowc(&wc, (const char *)s + i, n - i, &st);

            if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
                fail_msg("round %d: invalid UTF-8 left at byte %zu", round, i);
            if (k == 1 && (s[i] < 0x20 || s[i] == 0x7f))
                fail_msg("round %d: control byte left at %zu", round, i);
            i += k;
        }
    }
}

static void test_controls(void **state)
{
    char s[] = "a\nb\tc\x01\x7f\x80\xff\xc3\xa9 d";

    (void)state;
    assert_int_equal(esc_controls(s, sizeof(s) - 1), sizeof(s) - 1);
    assert_memory_equal(s, "a?b?c??\x80\xff\xc3\xa9 d", sizeof(s) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test(test_escape_c_locale),
        cmocka_unit_test(test_escape_passes),
        cmocka_unit_test(test_escape_random),
        cmocka_unit_test(test_controls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
