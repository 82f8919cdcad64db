/* Unit tests for args: server options, custom options, error messages. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

#define ARGV(...) ((char *[]){"prog", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))
#define PARSE_SERVER(srv, extra, err, ...)                                                     \
    args_parse_server(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), srv, extra, err, sizeof(err))

static void test_server_defaults(void **state)
{
    struct args_server srv = {.host = "junk", .port = 1, .help = true};
    char err[128] = "";
    char *argv[] = {"prog", NULL};

    (void)state;
    assert_int_equal(args_parse_server(1, argv, &srv, NULL, err, sizeof(err)), 0);
    assert_string_equal(srv.host, "127.0.0.1");
    assert_int_equal(srv.port, 7007);
    assert_false(srv.help);
}

static void test_server_values(void **state)
{
    struct args_server srv;
    char err[128] = "";

    (void)state;
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--host", "::1", "--port", "0"), 0);
    assert_string_equal(srv.host, "::1");
    assert_int_equal(srv.port, 0);
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--port=65535", "--host=0.0.0.0"), 0);
    assert_int_equal(srv.port, 65535);
    assert_string_equal(srv.host, "0.0.0.0");
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--help"), 0);
    assert_true(srv.help);
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "-h"), 0);
    assert_true(srv.help);
}

/* A server's main() goes on (-1) with the options parsed, exits 0 after
 * printing the usage for --help, and exits 2 on a usage error. */
static void test_server_cli(void **state)
{
    struct args_server srv;

    (void)state;
    assert_int_equal(args_server_cli(ARGC("--port", "0"), ARGV("--port", "0"), &srv, NULL,
                                     "prog", "summary"),
                     -1);
    assert_int_equal(srv.port, 0);
    assert_int_equal(args_server_cli(ARGC("--help"), ARGV("--help"), &srv, NULL, "prog", "summary"),
                     0);
    assert_int_equal(args_server_cli(ARGC("--port", "x"), ARGV("--port", "x"), &srv, NULL, "prog",
                                     "summary"),
                     2);
    assert_int_equal(args_server_cli(ARGC("--nope"), ARGV("--nope"), &srv, NULL, "prog", "summary"),
                     2);
}

static void test_bad_port(void **state)
{
    static const char *const bad[] = {"abc", "65536", "-1", "", "80x", " 80", "+80",
                                      "99999999999999999999999"};
    struct args_server srv;
    char err[128], want[128];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {"prog", "--port", (char *)bad[i], NULL};
        assert_int_equal(args_parse_server(3, argv, &srv, NULL, err, sizeof(err)), -EINVAL);
        snprintf(want, sizeof(want), "--port: expected 0..65535, got '%s'", bad[i]);
        assert_string_equal(err, want);
    }
}

static void test_usage_errors(void **state)
{
    struct args_server srv;
    char err[128];

    (void)state;
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--port"), -EINVAL);
    assert_string_equal(err, "--port: missing value");
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--nope"), -EINVAL);
    assert_string_equal(err, "unknown option '--nope'");
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--nope=3"), -EINVAL);
    assert_string_equal(err, "unknown option '--nope'");
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "7007"), -EINVAL);
    assert_string_equal(err, "unexpected argument '7007'");
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "-p"), -EINVAL);
    assert_string_equal(err, "unexpected argument '-p'");
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--help=yes"), -EINVAL);
    assert_string_equal(err, "--help: takes no value");
    /* A prefix is not a match. */
    assert_int_equal(PARSE_SERVER(&srv, NULL, err, "--ho", "x"), -EINVAL);
    assert_string_equal(err, "unknown option '--ho'");
}

static void test_custom_options(void **state)
{
    size_t high = 256 * 1024;
    unsigned workers = 4;
    bool verbose = false;
    const char *name = "default";
    const struct args_opt extra[] = {
        {"high-water", ARGS_SIZE, &high, 1, 1ULL << 30, "BYTES", "pause point"},
        {"workers", ARGS_UINT, &workers, 1, 64, "N", "worker count"},
        {"verbose", ARGS_FLAG, &verbose, 0, 0, NULL, "say more"},
        {"name", ARGS_STRING, &name, 0, 0, "NAME", "a name"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    struct args_server srv;
    char err[160];

    (void)state;
    /* Options that do not appear keep their defaults. */
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--port", "9"), 0);
    assert_int_equal(high, 256 * 1024);
    assert_int_equal(workers, 4);
    assert_false(verbose);
    assert_string_equal(name, "default");

    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "4k", "--workers=8",
                                  "--verbose", "--name", "x", "--port", "1"),
                     0);
    assert_int_equal(high, 4096);
    assert_int_equal(workers, 8);
    assert_true(verbose);
    assert_string_equal(name, "x");
    assert_int_equal(srv.port, 1);

    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "3M"), 0);
    assert_int_equal(high, 3 << 20);
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "1g"), 0);
    assert_int_equal(high, 1 << 30);
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "123"), 0);
    assert_int_equal(high, 123);

    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "0"), -EINVAL);
    assert_string_equal(err, "--high-water: expected a byte count 1..1g "
                             "(suffix k, m or g allowed), got '0'");
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "2g"), -EINVAL);
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "4kb"), -EINVAL);
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "k"), -EINVAL);
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--high-water", "17179869184g"), -EINVAL);
    assert_int_equal(PARSE_SERVER(&srv, extra, err, "--workers", "65"), -EINVAL);
    assert_string_equal(err, "--workers: expected 1..64, got '65'");
    assert_int_equal(high, 123);
}

static void test_plain_table(void **state)
{
    unsigned n = 1;
    bool json = false;
    bool help = false;
    const struct args_opt opts[] = {
        {"connections", ARGS_UINT, &n, 1, 100, "N", "how many"},
        {"json", ARGS_FLAG, &json, 0, 0, NULL, "JSON output"},
        {"help", ARGS_FLAG, &help, 0, 0, NULL, "help"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    char *argv[] = {"prog", "--connections", "10", "--json", "-h", NULL};
    char *bad[] = {"prog", "--host", "x", NULL};
    char err[128];

    (void)state;
    assert_int_equal(args_parse(5, argv, opts, err, sizeof(err)), 0);
    assert_int_equal(n, 10);
    assert_true(json);
    assert_true(help);
    /* Only the table's options exist: no built-in --host here. */
    assert_int_equal(args_parse(3, bad, opts, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unknown option '--host'");
}

static void test_usage_text(void **state)
{
    size_t high = 1;
    const struct args_opt extra[] = {
        {"high-water", ARGS_SIZE, &high, 1, 100, "BYTES", "pause point"},
        {NULL, ARGS_FLAG, NULL, 0, 0, NULL, NULL},
    };
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    (void)state;
    assert_non_null(out);
    args_usage_server(out, "echo-x", "An echo server.", extra);
    fclose(out);
    assert_non_null(strstr(text, "usage: echo-x"));
    assert_non_null(strstr(text, "An echo server."));
    assert_non_null(strstr(text, "--host HOST"));
    assert_non_null(strstr(text, "--port PORT"));
    assert_non_null(strstr(text, "--high-water BYTES"));
    assert_non_null(strstr(text, "pause point"));
    /* --help comes last. */
    assert_true(strstr(text, "--help") > strstr(text, "--high-water"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_defaults),
        cmocka_unit_test(test_server_values),
        cmocka_unit_test(test_server_cli),
        cmocka_unit_test(test_bad_port),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_custom_options),
        cmocka_unit_test(test_plain_table),
        cmocka_unit_test(test_usage_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
