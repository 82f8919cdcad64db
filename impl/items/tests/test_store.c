/* Unit tests for the item stores: every case runs against the memory
 * store and against SQLite in a fresh temporary directory, since api.c
 * must not be able to tell them apart. A few cases only make sense for
 * SQLite (a restart, injected write errors) and run on it alone. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"

#define BIG_MAX 1000000

struct fixture {
    int sqlite;
    char dir[64];
    char path[96];
    struct store *s;
};

/* The I/O failure injected into SQLite now (see inject()).
 * FAULT_SYNC_THEN_WRITE_EIO: the next fdatasync fails, and from then on
 * every write (a failed COMMIT's fsync, then its scrub's write). */
enum fault {
    FAULT_NONE,
    FAULT_WRITE_EIO,
    FAULT_WRITE_ENOSPC,
    FAULT_SYNC_EIO,
    FAULT_SYNC_THEN_WRITE_EIO
};

static volatile enum fault fault;

static const int backend_memory = 0;
static const int backend_sqlite = 1;

static int store_open(struct fixture *f, uint64_t max_items, struct store **out)
{
    char err[256];

    if (!f->sqlite)
        return store_mem_open(max_items, out);
    int rc = store_sqlite_open(f->path, max_items, out, err, sizeof(err));
    if (rc != STORE_OK)
        print_error("store_sqlite_open: %s\n", err);
    return rc;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->sqlite = *(const int *)*state;
    if (f->sqlite) {
        snprintf(f->dir, sizeof(f->dir), "/tmp/osnet-store-XXXXXX");
        if (mkdtemp(f->dir) == NULL)
            goto fail;
        snprintf(f->path, sizeof(f->path), "%s/items.db", f->dir);
    }
    if (store_open(f, BIG_MAX, &f->s) != STORE_OK)
        goto fail;
    *state = f;
    return 0;
fail:
    if (f->dir[0] != '\0')
        rmdir(f->dir);
    free(f);
    return -1;
}

static void remove_db_files(const struct fixture *f)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[128];

    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    fault = FAULT_NONE; /* a failed assertion may have left it on */
    if (f->s != NULL)
        f->s->ops->close(f->s);
    if (f->sqlite)
        remove_db_files(f);
    free(f);
    return 0;
}

/* Closes the store and opens it again on the same file with max_items. */
static void reopen(struct fixture *f, uint64_t max_items)
{
    f->s->ops->close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f, max_items, &f->s), STORE_OK);
}

static int file_exists(const struct fixture *f, const char *suffix)
{
    char p[128];

    snprintf(p, sizeof(p), "%s%s", f->path, suffix);
    return access(p, F_OK) == 0;
}

static struct item make(const char *name, double price, int64_t quantity, unsigned ntags, ...)
{
    struct item it;
    va_list ap;

    memset(&it, 0, sizeof(it));
    snprintf(it.name, sizeof(it.name), "%s", name);
    it.price = price;
    it.quantity = quantity;
    it.ntags = ntags;
    va_start(ap, ntags);
    for (unsigned i = 0; i < ntags; i++)
        snprintf(it.tags[i], sizeof(it.tags[i]), "%s", va_arg(ap, const char *));
    va_end(ap);
    return it;
}

static int64_t create(struct store *s, struct item it)
{
    it.id = -1;
    assert_int_equal(s->ops->create(s, &it), STORE_OK);
    assert_true(it.id >= 1);
    return it.id;
}

static void assert_item_equal(const struct item *a, const struct item *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->name, b->name);
    assert_memory_equal(&a->price, &b->price, sizeof(double));
    assert_int_equal(a->quantity, b->quantity);
    assert_int_equal(a->ntags, b->ntags);
    for (unsigned i = 0; i < a->ntags; i++)
        assert_string_equal(a->tags[i], b->tags[i]);
}

static uint64_t count(struct store *s)
{
    uint64_t n = ~(uint64_t)0;

    assert_int_equal(s->ops->count(s, &n), STORE_OK);
    return n;
}

/* REQ: ITEMS-011 */
/* REQ: ITEMS-087 */
static void test_create_gives_increasing_ids(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    int64_t prev = 0;

    assert_int_equal(count(s), 0);
    for (int i = 0; i < 5; i++) {
        char name[24];
        struct item it, got;

        snprintf(name, sizeof(name), "item %d", i);
        it = make(name, 1.5 + i, i, 2, "office", "blue");
        it.id = create(s, it);
        assert_true(it.id > prev);
        prev = it.id;
        assert_int_equal(s->ops->get(s, it.id, &got), STORE_OK);
        assert_item_equal(&got, &it);
        assert_int_equal(count(s), (uint64_t)i + 1);
    }
    assert_int_equal(s->ops->ping(s), STORE_OK);
}

/* REQ: ITEMS-040 */
/* REQ: ITEMS-050 */
static void test_get_replace_remove(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct item it = make("pen", 1.5, 3, 3, "a", "b", "a"), got;

    assert_int_equal(s->ops->get(s, 1, &got), STORE_ENOTFOUND);
    assert_int_equal(s->ops->remove(s, 1), STORE_ENOTFOUND);
    it.id = 1;
    assert_int_equal(s->ops->replace(s, &it), STORE_ENOTFOUND);
    assert_int_equal(count(s), 0); /* a replace of nothing creates nothing */

    it.id = create(s, it);
    struct item other = make("cup", 2, 0, 0);
    other.id = create(s, other);

    /* Every field changes, and fewer tags replace more. */
    struct item nw = make("pencil", 0.25, 1000000000, 1, "x");
    nw.id = it.id;
    assert_int_equal(s->ops->replace(s, &nw), STORE_OK);
    assert_int_equal(s->ops->get(s, it.id, &got), STORE_OK);
    assert_item_equal(&got, &nw);
    assert_int_equal(s->ops->get(s, other.id, &got), STORE_OK);
    assert_item_equal(&got, &other);
    assert_int_equal(count(s), 2);

    assert_int_equal(s->ops->remove(s, it.id), STORE_OK);
    assert_int_equal(s->ops->get(s, it.id, &got), STORE_ENOTFOUND);
    assert_int_equal(s->ops->remove(s, it.id), STORE_ENOTFOUND);
    assert_int_equal(s->ops->replace(s, &nw), STORE_ENOTFOUND);
    assert_int_equal(count(s), 1);
    assert_int_equal(s->ops->get(s, other.id, &got), STORE_OK);
    assert_int_equal(s->ops->get(s, 0, &got), STORE_ENOTFOUND);
    assert_int_equal(s->ops->get(s, INT64_MAX, &got), STORE_ENOTFOUND);
}

/* REQ: ITEMS-011 */
/* REQ: ITEMS-112 */
static void test_ids_never_reused(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    int64_t a = create(s, make("a", 1, 0, 0));
    int64_t b = create(s, make("b", 1, 0, 0));

    /* Deleting the largest id must not hand it out again. */
    assert_int_equal(s->ops->remove(s, b), STORE_OK);
    int64_t c = create(s, make("c", 1, 0, 0));
    assert_true(c > b);
    assert_int_equal(s->ops->remove(s, a), STORE_OK);
    assert_int_equal(s->ops->remove(s, c), STORE_OK);
    assert_int_equal(count(s), 0);
    int64_t d = create(s, make("d", 1, 0, 0));
    assert_true(d > c);
    if (!f->sqlite)
        return;
    /* Nor after a restart, with the largest one deleted before it. */
    assert_int_equal(s->ops->remove(s, d), STORE_OK);
    reopen(f, BIG_MAX);
    int64_t e = create(f->s, make("e", 1, 0, 0));
    assert_true(e > d);
}

/* REQ: ITEMS-019 */
/* REQ: ITEMS-044 */
static void test_unique_names(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct item pen = make("pen", 1, 0, 0), cup = make("cup", 2, 0, 0), got;

    pen.id = create(s, pen);
    struct item again = make("pen", 9, 9, 0);
    assert_int_equal(s->ops->create(s, &again), STORE_ECONFLICT);
    assert_int_equal(count(s), 1);
    /* Names differing in one byte are different names. */
    create(s, make("Pen", 1, 0, 0));
    create(s, make("pen ", 1, 0, 0));
    cup.id = create(s, cup);

    /* Replacing cup with pen's name: refused, cup unchanged. */
    struct item clash = make("pen", 5, 5, 1, "t");
    clash.id = cup.id;
    assert_int_equal(s->ops->replace(s, &clash), STORE_ECONFLICT);
    assert_int_equal(s->ops->get(s, cup.id, &got), STORE_OK);
    assert_item_equal(&got, &cup);

    /* Keeping one's own name is no conflict. */
    struct item same = make("pen", 7, 1, 0);
    same.id = pen.id;
    assert_int_equal(s->ops->replace(s, &same), STORE_OK);
    assert_int_equal(s->ops->get(s, pen.id, &got), STORE_OK);
    assert_item_equal(&got, &same);

    /* A name given up by a rename or a delete is free again. */
    struct item renamed = make("cup2", 2, 0, 0);
    renamed.id = cup.id;
    assert_int_equal(s->ops->replace(s, &renamed), STORE_OK);
    create(s, make("cup", 3, 0, 0));
    assert_int_equal(s->ops->remove(s, pen.id), STORE_OK);
    create(s, make("pen", 4, 0, 0));
    assert_int_equal(count(s), 5);
}

/* Lists with (after, max) and checks the ids and more. */
static void list_expect(struct store *s, int64_t after, size_t max, const int64_t *ids, size_t n,
                        int more)
{
    struct item out[8];
    size_t got = 99;
    int m = -1;

    assert_true(max <= 8);
    assert_int_equal(s->ops->list(s, after, out, max, &got, &m), STORE_OK);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i].id, ids[i]);
    assert_int_equal(m, more);
}

/* REQ: ITEMS-030 */
/* REQ: ITEMS-032 */
/* REQ: ITEMS-034 */
static void test_list_pages(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    int64_t id[6];

    list_expect(s, 0, 5, NULL, 0, 0);
    list_expect(s, 0, 0, NULL, 0, 0);
    for (int i = 0; i < 4; i++) {
        char name[16];

        snprintf(name, sizeof(name), "n%d", i);
        id[i] = create(s, make(name, 1, 0, 0));
    }
    /* Four items in pages of two: the second page holds the last item, so
     * it says no more, although it is full. */
    list_expect(s, 0, 2, &id[0], 2, 1);
    list_expect(s, id[1], 2, &id[2], 2, 0);
    list_expect(s, id[3], 2, NULL, 0, 0);
    /* A page larger than what is left, and a page of everything. */
    list_expect(s, id[0], 5, &id[1], 3, 0);
    list_expect(s, 0, 4, &id[0], 4, 0);
    list_expect(s, 0, 3, &id[0], 3, 1);
    list_expect(s, -5, 1, &id[0], 1, 1);
    /* max 0 still says whether anything is after. */
    list_expect(s, 0, 0, NULL, 0, 1);
    list_expect(s, id[3], 0, NULL, 0, 0);

    /* Keyset: a cursor whose item was deleted still works, deleted items
     * are skipped, new items come at the end. */
    assert_int_equal(s->ops->remove(s, id[1]), STORE_OK);
    assert_int_equal(s->ops->remove(s, id[2]), STORE_OK);
    list_expect(s, id[1], 1, &id[3], 1, 0);
    id[4] = create(s, make("n4", 1, 0, 0));
    int64_t want[] = {id[0], id[3], id[4]};
    list_expect(s, 0, 2, want, 2, 1);
    list_expect(s, id[3], 2, &want[2], 1, 0);
    /* The page holding the last item says no more; removing the last
     * item makes the page before it the last one. */
    assert_int_equal(s->ops->remove(s, id[4]), STORE_OK);
    list_expect(s, 0, 2, want, 2, 0);
}

/* REQ: ITEMS-120 */
static void test_max_items(void **state)
{
    struct fixture *f = *state;

    reopen(f, 3);
    struct store *s = f->s;
    int64_t a = create(s, make("a", 1, 0, 0));
    create(s, make("b", 1, 0, 0));
    int64_t c = create(s, make("c", 1, 0, 0));
    struct item d = make("d", 1, 0, 0), got;
    assert_int_equal(s->ops->create(s, &d), STORE_EFULL);
    assert_int_equal(count(s), 3);
    list_expect(s, c, 8, NULL, 0, 0);
    /* A replace is no create: allowed when full. */
    struct item a2 = make("a2", 2, 0, 0);
    a2.id = a;
    assert_int_equal(s->ops->replace(s, &a2), STORE_OK);

    assert_int_equal(s->ops->remove(s, a), STORE_OK);
    int64_t e = create(s, make("d", 1, 0, 0));
    assert_true(e > c);
    assert_int_equal(s->ops->create(s, &d), STORE_EFULL);
    assert_int_equal(s->ops->get(s, e, &got), STORE_OK);
    assert_int_equal(count(s), 3);
}

/* REQ: ITEMS-013 */
static void test_utf8_round_trip(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct item it =
        make("crème brûlée \xf0\x9f\x8d\xae \"q\" \\ ,;", 999999.99, 7, 10, "日本語", "a,b",
             "\"quoted\"", "[]", "back\\slash", "\xf0\x9f\x98\x80", "", "dup", "dup", "new\nline");
    struct item got, page[8];
    size_t n;
    int more;

    /* The longest name and tags: 100 and 30 characters of 4 bytes. */
    struct item big = make("", 1000000, 0, 0);
    big.ntags = ITEM_TAGS_MAX;
    for (int i = 0; i < ITEM_NAME_MAX; i++)
        memcpy(big.name + 4 * i, "\xf0\x90\x8d\x88", 4);
    for (int t = 0; t < ITEM_TAGS_MAX; t++)
        for (int i = 0; i < ITEM_TAG_MAX; i++)
            memcpy(big.tags[t] + 4 * i, t % 2 ? "\xf0\x9f\x8d\x95" : "\xf0\x9f\x8c\x8d", 4);
    assert_int_equal(strlen(big.name), ITEM_NAME_BYTES - 1);
    assert_int_equal(strlen(big.tags[9]), ITEM_TAG_BYTES - 1);

    it.id = create(s, it);
    big.id = create(s, big);
    struct item zero = make("zero", 0, 0, 0);
    zero.id = create(s, zero);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(s->ops->get(s, it.id, &got), STORE_OK);
        assert_item_equal(&got, &it);
        assert_int_equal(s->ops->get(s, big.id, &got), STORE_OK);
        assert_item_equal(&got, &big);
        assert_int_equal(s->ops->list(s, 0, page, 8, &n, &more), STORE_OK);
        assert_int_equal(n, 3);
        assert_item_equal(&page[0], &it);
        assert_item_equal(&page[1], &big);
        assert_item_equal(&page[2], &zero);
        if (!f->sqlite)
            break;
        reopen(f, BIG_MAX);
        s = f->s;
    }
}

/* REQ: ITEMS-110 */
/* REQ: ITEMS-111 */
/* REQ: ITEMS-113 */
static void test_survives_reopen(void **state)
{
    struct fixture *f = *state;

    struct store *s = f->s;
    struct item a = make("a", 1.25, 1, 1, "x"), b = make("b", 2, 2, 0), c = make("c", 3, 3, 0);
    struct item got;

    a.id = create(s, a);
    b.id = create(s, b);
    c.id = create(s, c);
    struct item b2 = make("b2", 0.1, 20, 2, "y", "z");
    b2.id = b.id;
    assert_int_equal(s->ops->replace(s, &b2), STORE_OK);
    assert_int_equal(s->ops->remove(s, c.id), STORE_OK);
    assert_true(file_exists(f, "-wal"));

    /* close() closes every connection: the last one checkpoints the log
     * into the database and deletes it. */
    f->s->ops->close(f->s);
    f->s = NULL;
    assert_false(file_exists(f, "-wal"));
    assert_int_equal(store_open(f, BIG_MAX, &f->s), STORE_OK);
    s = f->s;
    assert_int_equal(count(s), 2);
    assert_int_equal(s->ops->get(s, a.id, &got), STORE_OK);
    assert_item_equal(&got, &a);
    assert_int_equal(s->ops->get(s, b2.id, &got), STORE_OK);
    assert_item_equal(&got, &b2);
    assert_int_equal(s->ops->get(s, c.id, &got), STORE_ENOTFOUND);
}

/* The store's part of ITEMS-114: an error and a message, no store. */
static void test_open_fails_cleanly(void **state)
{
    struct fixture *f = *state;
    struct store *s = NULL;
    char err[256] = "";

    /* A directory that does not exist, and a "directory" that is a file. */
    char p[160];
    snprintf(p, sizeof(p), "%s/missing/items.db", f->dir);
    assert_int_equal(store_sqlite_open(p, 10, &s, err, sizeof(err)), STORE_EIO);
    assert_null(s);
    assert_non_null(strstr(err, p));
    snprintf(p, sizeof(p), "%s/items.db/x.db", f->dir);
    assert_int_not_equal(store_sqlite_open(p, 10, &s, err, sizeof(err)), STORE_OK);
    assert_null(s);
}

#define THREADS    4
#define PER_THREAD 200

struct worker {
    struct store *s;
    int n;
    int64_t ids[PER_THREAD];
    int failed;
};

static void *creator(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < PER_THREAD; i++) {
        struct item it;
        struct item got;

        memset(&it, 0, sizeof(it));
        snprintf(it.name, sizeof(it.name), "thread %d item %d", w->n, i);
        it.price = i;
        it.quantity = w->n;
        if (w->s->ops->create(w->s, &it) != STORE_OK || (i > 0 && it.id <= w->ids[i - 1])) {
            w->failed = 1;
            return NULL;
        }
        w->ids[i] = it.id;
        /* Readers beside the writers: each sees its own item. */
        if (w->s->ops->get(w->s, it.id, &got) != STORE_OK || strcmp(got.name, it.name) != 0) {
            w->failed = 1;
            return NULL;
        }
    }
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* REQ: ITEMS-121 */
static void test_concurrent_creates(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct worker *w = calloc(THREADS, sizeof(*w));
    pthread_t t[THREADS];
    int64_t all[THREADS * PER_THREAD];
    struct item *page = calloc(100, sizeof(*page));

    assert_non_null(w);
    assert_non_null(page);
    for (int i = 0; i < THREADS; i++) {
        w[i].s = s;
        w[i].n = i;
        assert_int_equal(pthread_create(&t[i], NULL, creator, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_false(w[i].failed);
        memcpy(&all[i * PER_THREAD], w[i].ids, sizeof(w[i].ids));
    }
    qsort(all, THREADS * PER_THREAD, sizeof(all[0]), cmp_id);
    for (int i = 1; i < THREADS * PER_THREAD; i++)
        assert_true(all[i] > all[i - 1]);
    assert_int_equal(count(s), THREADS * PER_THREAD);

    /* Walk the list a page at a time: exactly the ids created, in order. */
    int64_t after = 0;
    size_t seen = 0, n;
    int more = 1;
    while (more) {
        assert_int_equal(s->ops->list(s, after, page, 100, &n, &more), STORE_OK);
        for (size_t i = 0; i < n; i++) {
            assert_true(seen < THREADS * PER_THREAD);
            assert_int_equal(page[i].id, all[seen]);
            seen++;
        }
        if (n > 0)
            after = page[n - 1].id;
        assert_true(n > 0 || !more);
    }
    assert_int_equal(seen, THREADS * PER_THREAD);
    free(page);
    free(w);
    if (f->sqlite) {
        /* The threads made the pool open several connections: close()
         * closes them all, so the WAL is checkpointed and gone. */
        f->s->ops->close(f->s);
        f->s = NULL;
        assert_false(file_exists(f, "-wal"));
    }
}

/* Injected I/O failures, in the two calls strace shows SQLite writing
 * and syncing with: pwrite64 and fdatasync.
 *
 * SQLite's unix VFS makes most of its system calls through a table a
 * program may change (xSetSystemCall), which is how SQLite's own tests
 * inject I/O errors: pwrite64 is in it. fdatasync is not, but
 * libsqlite3.so calls it through the dynamic linker, so a definition in
 * this program takes its place. */
static sqlite3_syscall_ptr real_pwrite64;

static ssize_t faulty_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    if (fault == FAULT_WRITE_EIO || fault == FAULT_WRITE_ENOSPC) {
        errno = fault == FAULT_WRITE_EIO ? EIO : ENOSPC;
        return -1;
    }
    return ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite64)(fd, buf, n, off);
}

int fdatasync(int fd)
{
    if (fault == FAULT_SYNC_EIO || fault == FAULT_SYNC_THEN_WRITE_EIO) {
        if (fault == FAULT_SYNC_THEN_WRITE_EIO)
            fault = FAULT_WRITE_EIO;
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fdatasync, fd);
}

static void inject(enum fault f)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);

    assert_non_null(vfs);
    assert_true(vfs->iVersion >= 3);
    if (real_pwrite64 == NULL) {
        real_pwrite64 = vfs->xGetSystemCall(vfs, "pwrite64");
        assert_non_null(real_pwrite64);
        assert_int_equal(vfs->xSetSystemCall(vfs, "pwrite64", (sqlite3_syscall_ptr)faulty_pwrite64),
                         SQLITE_OK);
    }
    fault = f;
}

/* One pass: with the fault on, every change fails with want and changes
 * nothing; once it is off, the store works again. */
static void fault_pass(struct fixture *f, enum fault kind, const char *tag, int want)
{
    struct store *s = f->s;
    char name[3][32];

    snprintf(name[0], sizeof(name[0]), "a-%s", tag);
    snprintf(name[1], sizeof(name[1]), "b-%s", tag);
    snprintf(name[2], sizeof(name[2]), "renamed-%s", tag);
    struct item a = make(name[0], 1, 1, 1, "t"), b = make(name[1], 2, 2, 0), got;
    struct item a2 = make(name[2], 9, 9, 0);

    a.id = create(s, a);
    a2.id = a.id;
    uint64_t before = count(s);
    inject(kind);
    assert_int_equal(s->ops->create(s, &b), want);
    assert_int_equal(s->ops->replace(s, &a2), want);
    assert_int_equal(s->ops->remove(s, a.id), want);
    /* Reads still work while writes fail. */
    assert_int_equal(s->ops->get(s, a.id, &got), STORE_OK);
    assert_item_equal(&got, &a);
    assert_int_equal(count(s), before);
    inject(FAULT_NONE);

    /* Nothing of the failed calls was kept, and the store works again
     * without being reopened: b's name is free, a is as it was. */
    assert_int_equal(count(s), before);
    assert_int_equal(s->ops->get(s, a.id, &got), STORE_OK);
    assert_item_equal(&got, &a);
    b.id = create(s, b);
    assert_true(b.id > a.id);
    assert_int_equal(s->ops->replace(s, &a2), STORE_OK);
    assert_int_equal(s->ops->remove(s, b.id), STORE_OK);
    assert_int_equal(s->ops->get(s, a.id, &got), STORE_OK);
    assert_item_equal(&got, &a2);
    assert_int_equal(count(s), before);
}

/* REQ: ITEMS-130 */
/* REQ: ITEMS-131 */
static void test_write_errors_roll_back_and_recover(void **state)
{
    struct fixture *f = *state;

    fault_pass(f, FAULT_WRITE_EIO, "eio", STORE_EIO);
    fault_pass(f, FAULT_WRITE_ENOSPC, "nospc", STORE_EFULL);
    fault_pass(f, FAULT_SYNC_EIO, "sync", STORE_EIO);

    /* And what was written after the faults is on disk. */
    reopen(f, BIG_MAX);
    struct item page[8];
    size_t n;
    int more;
    assert_int_equal(f->s->ops->list(f->s, 0, page, 8, &n, &more), STORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(page[0].name, "renamed-eio");
    assert_string_equal(page[1].name, "renamed-nospc");
    assert_string_equal(page[2].name, "renamed-sync");
}

/* Runs child(f) in a forked process that must end killed by SIGKILL (a
 * crash with a fault still on), then reopens the database and checks that
 * only the item "kept" survived: the change answered with an error must
 * not come back with the restart. */
static void crash_then_only_kept(struct fixture *f, void (*child)(struct fixture *))
{
    struct item page[4];
    size_t n;
    int more, status;
    pid_t pid;

    f->s->ops->close(f->s);
    f->s = NULL;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child(f);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status))
        fail_msg("child stopped at step %d", WEXITSTATUS(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    assert_int_equal(store_open(f, BIG_MAX, &f->s), STORE_OK);
    assert_int_equal(f->s->ops->list(f->s, 0, page, 4, &n, &more), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].name, "kept");
    assert_int_equal(count(f->s), 1);
}

/* In a child: one create that works, one whose fsync fails, then SIGKILL
 * with the fault still on. Exits with the number of the step that went
 * wrong. */
static void fsync_fault_child(struct fixture *f)
{
    struct store *s;
    struct item kept = make("kept", 1, 0, 0), lost = make("lost", 2, 0, 0), got;

    if (store_open(f, BIG_MAX, &s) != STORE_OK)
        _exit(1);
    if (s->ops->create(s, &kept) != STORE_OK)
        _exit(2);
    inject(FAULT_SYNC_EIO);
    if (s->ops->create(s, &lost) != STORE_EIO)
        _exit(3);
    if (s->ops->get(s, kept.id + 1, &got) != STORE_ENOTFOUND)
        _exit(4);
    kill(getpid(), SIGKILL);
    _exit(5);
}

/* REQ: ITEMS-130 */
/* REQ: ITEMS-131 */
static void test_failed_fsync_leaves_no_trace(void **state)
{
    struct fixture *f = *state;

    /* A failed fsync of the WAL leaves the whole transaction in the file,
     * unseen; a restart must not bring back the item answered with an
     * error. */
    crash_then_only_kept(f, fsync_fault_child);
    create(f->s, make("lost", 2, 0, 0));
}

/* In a child: a create whose fsync fails and whose scrub cannot write
 * either, then, once the fault is gone, a write that writes nothing of
 * its own (a DELETE of an absent id), then SIGKILL. Exits with the number
 * of the step that went wrong. */
static void scrub_fault_child(struct fixture *f)
{
    struct store *s;
    struct item kept = make("kept", 1, 0, 0), lost = make("lost", 2, 0, 0), got;

    if (store_open(f, BIG_MAX, &s) != STORE_OK)
        _exit(1);
    if (s->ops->create(s, &kept) != STORE_OK)
        _exit(2);
    inject(FAULT_SYNC_THEN_WRITE_EIO);
    if (s->ops->create(s, &lost) != STORE_EIO)
        _exit(3);
    inject(FAULT_NONE);
    if (s->ops->remove(s, kept.id + 1000) != STORE_ENOTFOUND)
        _exit(4);
    if (s->ops->get(s, kept.id + 1, &got) != STORE_ENOTFOUND)
        _exit(5);
    kill(getpid(), SIGKILL);
    _exit(6);
}

/* REQ: ITEMS-130 */
/* REQ: ITEMS-131 */
static void test_failed_scrub_is_retried(void **state)
{
    /* The scrub after a failed fsync could not write: it must be done
     * before the next write transaction, even one that changes nothing,
     * or a kill -9 brings the change answered with an error back. */
    crash_then_only_kept(*state, scrub_fault_child);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(store_strerror(STORE_ENOTFOUND), "not found");
    for (int e = STORE_OK; e >= STORE_ENOMEM; e--)
        assert_non_null(store_strerror(e));
    assert_non_null(store_strerror(-100));
}

/* Each case once per backend, named after it in the report. */
/* clang-format off */
#define ON(backend, f) {#backend ": " #f, f, setup, teardown, (void *)&backend_##backend}
#define BOTH(f)        ON(memory, f), ON(sqlite, f)
/* clang-format on */

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_create_gives_increasing_ids),
        BOTH(test_get_replace_remove),
        BOTH(test_ids_never_reused),
        BOTH(test_unique_names),
        BOTH(test_list_pages),
        BOTH(test_max_items),
        BOTH(test_utf8_round_trip),
        ON(sqlite, test_survives_reopen),
        ON(sqlite, test_open_fails_cleanly),
        BOTH(test_concurrent_creates),
        ON(sqlite, test_write_errors_roll_back_and_recover),
        ON(sqlite, test_failed_fsync_leaves_no_trace),
        ON(sqlite, test_failed_scrub_is_retried),
        cmocka_unit_test(test_strerror),
    };

    return cmocka_run_group_tests_name("items store", tests, NULL, NULL);
}
