/* Unit tests for static files: path normalization (the root can never be
 * left), MIME types, Range parsing, and static_serve() against a real
 * directory (index.html, 301, 304, 206/416, 405, links out of the root). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpdate.h"
#include "static.h"

/* Normalizes p; returns the result, "ERR" for -1, with "/" appended when
 * *dir_form was set (so one string says both). */
static const char *norm(const char *p)
{
    static char out[1024];
    bool dir;
    ssize_t n = static_normalize(p, strlen(p), out, &dir);

    if (n < 0)
        return "ERR";
    assert_int_equal((size_t)n, strlen(out));
    if (dir)
        strcat(out, "/");
    return out;
}

/* REQ: HTTP-028, HTTP-029 */
static void test_normalize(void **state)
{
    (void)state;
    assert_string_equal(norm("/"), "/");
    assert_string_equal(norm("/a.txt"), "a.txt");
    assert_string_equal(norm("/a/b/c"), "a/b/c");
    assert_string_equal(norm("/dir/"), "dir/");
    assert_string_equal(norm("//a///b//"), "a/b/");
    assert_string_equal(norm("/a/./b/."), "a/b/");
    assert_string_equal(norm("/a/../b"), "b");
    assert_string_equal(norm("/a/b/../../c"), "c");
    assert_string_equal(norm("/a/.."), "/");
    assert_string_equal(norm("/a%20b"), "a b");
    assert_string_equal(norm("/a%2Fb"), "a/b");
    assert_string_equal(norm("/a/%2e%2E/b"), "b");
    assert_string_equal(norm("/..a/b.."), "..a/b..");
    assert_string_equal(norm("/a+b"), "a+b");
    /* Never above the root, however it is spelled. */
    assert_string_equal(norm("/.."), "ERR");
    assert_string_equal(norm("/../etc/passwd"), "ERR");
    assert_string_equal(norm("/a/../../etc/passwd"), "ERR");
    assert_string_equal(norm("/%2e%2e/etc/passwd"), "ERR");
    assert_string_equal(norm("/a%2F..%2F..%2Fetc"), "ERR");
    assert_string_equal(norm("/./../x"), "ERR");
    /* Malformed. */
    assert_string_equal(norm("/a%00b"), "ERR");
    assert_string_equal(norm("/a%zz"), "ERR");
    assert_string_equal(norm("/a%4"), "ERR");
    assert_string_equal(norm("a"), "ERR");
    assert_string_equal(norm("*"), "ERR");
    assert_int_equal(static_normalize("", 0, (char[4]){0}, &(bool){false}), -1);
}

/* REQ: HTTP-031 */
static void test_mime(void **state)
{
    static const char *const cases[][2] = {
        {"index.html", "text/html"},
        {"a.htm", "text/html"},
        {"s.css", "text/css"},
        {"app.js", "application/javascript"},
        {"d.json", "application/json"},
        {"r.txt", "text/plain"},
        {"i.png", "image/png"},
        {"p.jpg", "image/jpeg"},
        {"p.jpeg", "image/jpeg"},
        {"g.gif", "image/gif"},
        {"v.svg", "image/svg+xml"},
        {"favicon.ico", "image/x-icon"},
        {"doc.pdf", "application/pdf"},
        {"m.wasm", "application/wasm"},
        {"feed.xml", "text/xml"},
        {"UPPER.HTML", "text/html"},
        {"x.Json", "application/json"},
        {"a.tar.gz", "application/octet-stream"},
        {"noext", "application/octet-stream"},
        {"dir.html/file", "application/octet-stream"},
        {"trailing.", "application/octet-stream"},
        {"a.htmlx", "application/octet-stream"},
        {"dir/a.css", "text/css"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(static_mime(cases[i][0], strlen(cases[i][0])), cases[i][1]);
}

/* "first+len", "416" or "ignore". */
static const char *range(const char *s, uint64_t size)
{
    static char out[64];
    uint64_t first = 0, len = 0;

    switch (static_range(s, strlen(s), size, &first, &len)) {
    case RANGE_OK:
        snprintf(out, sizeof(out), "%llu+%llu", (unsigned long long)first, (unsigned long long)len);
        return out;
    case RANGE_UNSATISFIABLE:
        return "416";
    case RANGE_IGNORE:
        return "ignore";
    }
    return "?";
}

/* REQ: HTTP-034 */
static void test_range(void **state)
{
    (void)state;
    assert_string_equal(range("bytes=0-0", 10), "0+1");
    assert_string_equal(range("bytes=2-5", 10), "2+4");
    assert_string_equal(range("bytes=2-", 10), "2+8");
    assert_string_equal(range("bytes=-3", 10), "7+3");
    assert_string_equal(range("bytes=-30", 10), "0+10");
    assert_string_equal(range("bytes=5-99999", 10), "5+5");
    assert_string_equal(range("bytes=9-9", 10), "9+1");
    assert_string_equal(range("BYTES=1-2", 10), "1+2");
    assert_string_equal(range("bytes= 1-2 ", 10), "1+2");
    assert_string_equal(range("bytes=0-99999999999999999999999", 10), "0+10");
    /* Unsatisfiable. */
    assert_string_equal(range("bytes=10-", 10), "416");
    assert_string_equal(range("bytes=10-20", 10), "416");
    assert_string_equal(range("bytes=5-2", 10), "416");
    assert_string_equal(range("bytes=-0", 10), "416");
    assert_string_equal(range("bytes=0-", 0), "416");
    assert_string_equal(range("bytes=-5", 0), "416");
    assert_string_equal(range("bytes=99999999999999999999999-", 10), "416");
    /* Not for us: the whole file. */
    assert_string_equal(range("bytes=0-1,3-4", 10), "ignore");
    assert_string_equal(range("items=0-1", 10), "ignore");
    assert_string_equal(range("bytes=", 10), "ignore");
    assert_string_equal(range("bytes=-", 10), "ignore");
    assert_string_equal(range("bytes=a-b", 10), "ignore");
    assert_string_equal(range("bytes=1-2x", 10), "ignore");
    assert_string_equal(range("bytes=1", 10), "ignore");
    assert_string_equal(range("bytes", 10), "ignore");
}

/* ---- static_serve on a real directory ------------------------------------ */

static char root[64];
static int root_fd = -1;

static void put_file(const char *name, const char *content)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static int setup_root(void **state)
{
    char path[256];

    (void)state;
    strcpy(root, "/tmp/osnet-static-XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/dir", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/empty", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/a b", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/fifo", root);
    mkfifo(path, 0644);
    put_file("a.txt", "hello");
    /* A day old, so that "an hour after its mtime" is in the past. */
    snprintf(path, sizeof(path), "%s/a.txt", root);
    if (utimensat(AT_FDCWD, path,
                  (struct timespec[2]){{time(NULL) - 86400, 0}, {time(NULL) - 86400, 0}}, 0) < 0)
        return -1;
    put_file("index.html", "<h1>root</h1>");
    put_file("dir/index.html", "<p>dir</p>");
    put_file("zero.bin", "");
    /* A link that leads out of the root, and one that stays inside. */
    snprintf(path, sizeof(path), "%s/out", root);
    if (symlink("/etc/hostname", path) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/in", root);
    if (symlink("a.txt", path) < 0)
        return -1;
    root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return root_fd >= 0 ? 0 : -1;
}

static int teardown_root(void **state)
{
    char cmd[128];

    (void)state;
    close(root_fd);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Parses a request head (the text, with "\r\n" line ends) and serves it. */
static struct static_reply serve(const char *head)
{
    static char text[4096];
    static struct http_request req;
    static char scratch[8192 + 64];
    struct http_limits lim = {8192, 8192, 65536, 100};
    struct static_reply r;

    snprintf(text, sizeof(text), "%s", head);
    assert_int_equal(http_parse_request(text, strlen(text), 0, &lim, &req), (int)strlen(text));
    assert_int_equal(static_serve(root_fd, &req, scratch, &r), 0);
    return r;
}

static void read_body(struct static_reply *r, const char *expect)
{
    char got[256];

    assert_true(r->fd >= 0);
    assert_int_equal(pread(r->fd, got, r->len, (off_t)r->first), (ssize_t)r->len);
    assert_int_equal(r->len, strlen(expect));
    assert_memory_equal(got, expect, r->len);
    close(r->fd);
    r->fd = -1;
}

/* REQ: HTTP-027, HTTP-029, HTTP-035 */
static void test_serve_files(void **state)
{
    struct static_reply r;

    (void)state;
    r = serve("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.mime, "text/plain");
    assert_int_equal(r.size, 5);
    read_body(&r, "hello");

    r = serve("GET /a.txt?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"); /* the query is ignored */
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");

    r = serve("HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 5);
    assert_int_equal(r.fd, -1); /* no body to send */

    r = serve("GET /zero.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.fd, -1);

    r = serve("GET /in HTTP/1.1\r\nHost: x\r\n\r\n"); /* a link inside the root */
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");

    assert_int_equal(serve("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
    assert_int_equal(serve("GET /a.txt/x HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
    assert_int_equal(serve("GET /../a.txt HTTP/1.1\r\nHost: x\r\n\r\n").status, 400);
    assert_int_equal(serve("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n").status, 400);
    assert_int_equal(serve("GET /out HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
    assert_int_equal(serve("GET /fifo HTTP/1.1\r\nHost: x\r\n\r\n").status, 403);

    r = serve("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(r.status, 405);
    assert_int_equal(serve("DELETE /nope HTTP/1.1\r\nHost: x\r\n\r\n").status, 405);
}

/* REQ: HTTP-030 */
static void test_serve_directories(void **state)
{
    struct static_reply r;

    (void)state;
    r = serve("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.mime, "text/html");
    read_body(&r, "<h1>root</h1>");

    r = serve("GET /dir/ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 200);
    read_body(&r, "<p>dir</p>");

    r = serve("GET /dir HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 301);
    assert_int_equal(r.location_len, 5);
    assert_memory_equal(r.location, "/dir/", 5);

    r = serve("GET /dir?a=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 301);
    assert_int_equal(r.location_len, 9);
    assert_memory_equal(r.location, "/dir/?a=1", 9);

    /* The Location is made from the normalized path: never "//dir/",
     * which a browser reads as the host "dir". */
    r = serve("GET //dir HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 301);
    assert_int_equal(r.location_len, 5);
    assert_memory_equal(r.location, "/dir/", 5);
    r = serve("GET /empty/../a%20b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 301);
    assert_int_equal(r.location_len, 7);
    assert_memory_equal(r.location, "/a%20b/", 7);
    r = serve("GET http://x/dir?q HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 301);
    assert_int_equal(r.location_len, 7);
    assert_memory_equal(r.location, "/dir/?q", 7);

    assert_int_equal(serve("GET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
    assert_int_equal(serve("GET /dir/./ HTTP/1.1\r\nHost: x\r\n\r\n").status, 200);
    r = serve("GET /dir/.. HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(r.status, 200);
    read_body(&r, "<h1>root</h1>");
}

/* REQ: HTTP-032, HTTP-033, HTTP-034 */
static void test_serve_conditional_and_ranges(void **state)
{
    char head[512], lm[HTTPDATE_LEN + 1], later[HTTPDATE_LEN + 1], earlier[HTTPDATE_LEN + 1];
    char future[HTTPDATE_LEN + 1];
    struct static_reply r;
    struct stat st;

    (void)state;
    assert_int_equal(fstatat(root_fd, "a.txt", &st, 0), 0);
    httpdate_format(st.st_mtime, lm);
    httpdate_format(st.st_mtime + 3600, later);
    httpdate_format(st.st_mtime - 3600, earlier);
    httpdate_format(time(NULL) + 3600, future);

    snprintf(head, sizeof(head), "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
             lm);
    r = serve(head);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.fd, -1);
    assert_int_equal(r.mtime, st.st_mtime);
    snprintf(head, sizeof(head), "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
             later);
    assert_int_equal(serve(head).status, 304);
    snprintf(head, sizeof(head), "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
             earlier);
    r = serve(head);
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");
    snprintf(head, sizeof(head), "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
             future);
    r = serve(head); /* a date in the future is not believed */
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");
    r = serve("GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: yesterday\r\n\r\n");
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");

    r = serve("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-3\r\n\r\n");
    assert_int_equal(r.status, 206);
    assert_int_equal(r.size, 5);
    read_body(&r, "ell");
    r = serve("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-2\r\n\r\n");
    assert_int_equal(r.status, 206);
    read_body(&r, "lo");
    r = serve("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=5-\r\n\r\n");
    assert_int_equal(r.status, 416);
    assert_int_equal(r.size, 5);
    assert_int_equal(r.fd, -1);
    r = serve("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0,2-2\r\n\r\n");
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");

    /* If-Range: the range holds only for the version named. */
    snprintf(head, sizeof(head),
             "GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: %s\r\n\r\n", lm);
    r = serve(head);
    assert_int_equal(r.status, 206);
    read_body(&r, "he");
    snprintf(head, sizeof(head),
             "GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: %s\r\n\r\n", earlier);
    r = serve(head);
    assert_int_equal(r.status, 200);
    read_body(&r, "hello");

    r = serve("HEAD /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-2\r\n\r\n");
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 2);
    assert_int_equal(r.fd, -1);
}

/* Out of descriptors is the server's trouble, not a missing file: the
 * error comes back (500), never a 404. */
static void test_serve_out_of_descriptors(void **state)
{
    static char text[] = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    static struct http_request req;
    static char scratch[256];
    struct static_reply r;
    struct rlimit old, low;
    int lowest = dup(0);

    (void)state;
    assert_true(lowest >= 0);
    close(lowest);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t)lowest; /* no new descriptor fits */
    assert_int_equal(http_parse_request(text, strlen(text), 0, NULL, &req), (int)strlen(text));
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int rc = static_serve(root_fd, &req, scratch, &r);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(rc, -EMFILE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_mime),
        cmocka_unit_test(test_range),
        cmocka_unit_test_setup_teardown(test_serve_files, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_serve_directories, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_serve_conditional_and_ranges, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_serve_out_of_descriptors, setup_root, teardown_root),
    };

    return cmocka_run_group_tests_name("http static files", tests, NULL, NULL);
}
