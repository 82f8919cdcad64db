/* gtrace.h - what the green checks share: tasks record what happened in a
 * trace (a list of small numbers), the main code compares it with what the
 * spec says once green_run has returned. Tasks never call cmocka's
 * assertions: a failed assertion longjmps out of the task's stack.
 *
 * Everything is static inline so a file that uses only part of it compiles
 * without warnings. */
#ifndef OSNET_CHECK_GTRACE_H
#define OSNET_CHECK_GTRACE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "green.h"
#include "libcheck.h"

#define TRACE_MAX 4096

static int trace_buf[TRACE_MAX];
static int trace_len;

static inline void trace_reset(void)
{
    trace_len = 0;
}

static inline void rec(int v)
{
    if (trace_len < TRACE_MAX)
        trace_buf[trace_len++] = v;
}

/* Appends "a b c" of the trace (or of want) to buf. */
static inline void trace_format(char *buf, size_t size, const int *v, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used + 16 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? " " : "", v[i]);
    if (n > 0 && used + 16 >= size)
        snprintf(buf + used, size - used, " ...");
}

/* Fails the test unless the trace is exactly want[0..n). */
static inline void trace_expect(const char *what, const int *want, int n)
{
    int same = trace_len == n;
    for (int i = 0; same && i < n; i++)
        same = trace_buf[i] == want[i];
    if (!same) {
        char w[512], g[512];
        trace_format(w, sizeof w, want, n);
        trace_format(g, sizeof g, trace_buf, trace_len);
        fail_msg("%s:\n  expected: %s\n  got:      %s", what, w, g);
    }
}

#define TRACE_EXPECT(what, ...)                                                                    \
    do {                                                                                           \
        static const int want_[] = {__VA_ARGS__};                                                  \
        trace_expect(what, want_, (int)(sizeof want_ / sizeof want_[0]));                          \
    } while (0)

/* Spawns and fails the test if spawning fails. */
static inline int spawn_ok(green_fn fn, void *arg, size_t stack)
{
    int id = green_spawn(fn, arg, stack);
    if (id <= 0)
        fail_msg("green_spawn returned %d", id);
    return id;
}

/* Runs the scheduler and fails the test unless it returns `want`. */
static inline void run_expect(int want)
{
    int rc = green_run();
    if (rc != want)
        fail_msg("green_run returned %d, expected %d", rc, want);
}

/* A number as an argument or a return value. */
#define P(n) ((void *)(intptr_t)(n))
#define N(p) ((int)(intptr_t)(p))

/* The number of lines of /proc/self/maps (every mapping), or -1. */
static inline int count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return -1;
    int n = 0, c;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* The task stacks mapped now: in /proc/self/maps, a PROT_NONE mapping of
 * at most 16 pages (a guard page) directly followed by a read-write one of
 * at least GREEN_STACK_MIN bytes (the stack above it). Counting these
 * rather than every line (count_maps) leaves out the sanitizer's and
 * malloc's own mappings, which come and go as they please, so that even
 * one stack too many shows; -1 if the file cannot be read. */
static inline int count_stacks(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return -1;
    unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
    unsigned long lo, hi, guard_end = 0;
    char perms[8], line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        if (guard_end == lo && perms[0] == 'r' && perms[1] == 'w' && hi - lo >= GREEN_STACK_MIN)
            n++;
        guard_end = strncmp(perms, "---", 3) == 0 && hi - lo <= 16 * page ? hi : 0;
    }
    fclose(f);
    return n;
}

#endif
