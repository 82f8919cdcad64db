/* Replays a fuzz harness's saved inputs without libFuzzer: main() feeds
 * every file of fuzz/corpus/<name>/ and fuzz/regressions/<name>/ to the
 * harness's LLVMFuzzerTestOneInput(), one cmocka test per file.
 *
 * Built with gcc and ASan+UBSan as build/tests/fuzz/replay_<name> (the name
 * comes from the binary's own name), it runs in `make unit`, so every
 * input that once crashed a parser, and every input the fuzzers kept, is
 * checked again by `make check` in seconds, on a machine without clang.
 * Paths are relative to the repository's root, where make runs it.
 *
 * A harness reports a broken property with abort(), and a sanitizer ends
 * the process: neither returns to cmocka, so the file being replayed is
 * named on stderr first (the test log's tail shows it). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input being replayed, for the messages of a crash. */
static const char *current;

static void name_current(void)
{
    if (current != NULL)
        fprintf(stderr, "fuzz replay: the input was %s\n", current);
}

static void on_abort(int sig)
{
    name_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads the whole file at path into a malloc'ed buffer of exactly its size
 * (so ASan sees a read past its end). */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *data;

    assert_non_null(f);
    assert_int_equal(fstat(fileno(f), &st), 0);
    *size = (size_t)st.st_size;
    data = malloc(*size ? *size : 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, *size, f), *size);
    fclose(f);
    return data;
}

static void replay_one(void **state)
{
    const char *path = *state;
    size_t size;
    uint8_t *data = read_file(path, &size);

    current = path;
    LLVMFuzzerTestOneInput(data, size);
    current = NULL;
    free(data);
}

/* Adds a test for every regular file in dir to *tests (count *n). Returns
 * the number added, or -1 when dir cannot be read (a missing folder of
 * regressions is fine: -ENOENT returns 0 when `optional`). */
static int add_dir(const char *dir, int optional, struct CMUnitTest **tests, size_t *n)
{
    struct dirent **names;
    int k = scandir(dir, &names, NULL, alphasort), added = 0;

    if (k < 0) {
        if (optional && errno == ENOENT)
            return 0;
        fprintf(stderr, "fuzz replay: cannot read %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < k; i++) {
        char *path = NULL;
        struct stat st;

        if (names[i]->d_name[0] != '.' && asprintf(&path, "%s/%s", dir, names[i]->d_name) > 0 &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            struct CMUnitTest *t = realloc(*tests, (*n + 1) * sizeof(**tests));
            if (t == NULL) {
                fprintf(stderr, "fuzz replay: out of memory\n");
                exit(1);
            }
            *tests = t;
            t[*n] = (struct CMUnitTest){path, replay_one, NULL, NULL, path};
            (*n)++;
            added++;
        } else {
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return added;
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
    struct CMUnitTest *tests = NULL;
    size_t n = 0;
    char corpus[256], regressions[256], group[256];

    (void)argc;
    if (strncmp(name, "replay_", 7) == 0)
        name += 7;
    snprintf(corpus, sizeof(corpus), "fuzz/corpus/%s", name);
    snprintf(regressions, sizeof(regressions), "fuzz/regressions/%s", name);
    snprintf(group, sizeof(group), "fuzz-replay-%s", name);
    /* An empty or missing corpus would make this test pass without
     * testing anything: that is a failure. */
    if (add_dir(corpus, 0, &tests, &n) <= 0 || add_dir(regressions, 1, &tests, &n) < 0) {
        fprintf(stderr, "fuzz replay: no inputs in %s (run from the repository's root)\n", corpus);
        return 1;
    }
    signal(SIGABRT, on_abort);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(name_current);
#endif
    int rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    /* Freed, so that LeakSanitizer's report at exit is about the harness. */
    for (size_t i = 0; i < n; i++)
        free((void *)tests[i].initial_state);
    free(tests);
    /* rc counts the failed inputs: 256 of them must not exit 0. */
    return rc != 0;
}
