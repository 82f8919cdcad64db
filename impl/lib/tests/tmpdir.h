#ifndef OSNET_TESTS_TMPDIR_H
#define OSNET_TESTS_TMPDIR_H

/* For unit tests that work on files: a fresh directory under /tmp, open as
 * a descriptor so that the code under test can be handed it (openat and
 * friends) as it is handed /proc, removed with everything in it afterwards.
 *
 * Included, through -Iimpl/lib, as "tests/tmpdir.h". Header-only: static
 * inline functions, with cmocka's setup/teardown pair for tests whose whole
 * state is the directory. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct tmpdir {
    char dir[64]; /* its path */
    int fd;       /* open on it, O_DIRECTORY */
};

/* Makes the directory (prefix "/tmp/NAME.") and opens it. Returns 0, or -1
 * (errno set), with nothing left behind but an empty directory. */
static inline int tmpdir_make(struct tmpdir *t, const char *name)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/%s.XXXXXX", name);
    if (mkdtemp(t->dir) == NULL)
        return -1;
    t->fd = open(t->dir, O_RDONLY | O_DIRECTORY);
    return t->fd < 0 ? -1 : 0;
}

/* Closes the directory and removes it with all it holds (rm -rf: the
 * tests leave trees of their own making). Returns 0, or -1. */
static inline int tmpdir_remove(struct tmpdir *t)
{
    char cmd[128];

    close(t->fd);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* cmocka setup: *state becomes a new struct tmpdir. */
static inline int tmpdir_setup(void **state)
{
    struct tmpdir *t = calloc(1, sizeof(*t));

    if (t == NULL || tmpdir_make(t, "osnet-test") != 0) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

/* cmocka teardown of tmpdir_setup(). */
static inline int tmpdir_teardown(void **state)
{
    struct tmpdir *t = *state;
    int rc = tmpdir_remove(t);

    free(t);
    return rc;
}

#endif
