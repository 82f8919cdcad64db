/* VARIANTS: asan */
/* mempool: allocation traces replayed against each allocator, in both
 * modes, in the manner of the CS:APP malloc lab driver (specs/mempool.md,
 * "Allocation traces"). The traces are the .rep files of
 * conformance/mempool/traces/, written by make_traces.py or by hand
 * (edge-*.rep); a name with "arena" in it is an arena trace.
 *
 * The driver keeps every live block in an array sorted by address: a new
 * block must be aligned, and its extent must end before the next live
 * block starts and start after the previous one ends, which keeps all
 * live extents disjoint. Each block is filled with its id's pattern,
 * checked again before it is freed, reset or rewound, and every 1000
 * operations for all live blocks. Whether an allocation must succeed is
 * the driver's own computation (the pool's count, the arena's rule),
 * never the trace's say.
 */
#include <dirent.h>

#include "libcheck.h"
#include "mempool.h"
#include "mpcheck.h"

enum { MAX_ID = 1000000, CHECK_EVERY = 1000, MAX_MARKS = 64 };

struct op {
    char cmd; /* a f r m w */
    uint32_t id;
    size_t size, align;
    int line;
};

struct trace {
    char name[256];
    bool arena;
    size_t block_size, count, capacity;
    struct op *ops;
    size_t nops;
    uint32_t max_id;
};

/* A live allocation as the driver knows it. */
struct block {
    char *p;
    size_t len;    /* bytes filled with the pattern */
    size_t extent; /* bytes that must not overlap another block */
    uint64_t seq;  /* allocation order, for rewind */
    bool live;
};

static void trace_free(struct trace *t)
{
    free(t->ops);
    t->ops = NULL;
}

/* Reads and checks a trace file; a malformed one fails the test (it is
 * ours to fix, not the implementation's fault). */
static void trace_load(struct trace *t, const char *dir, const char *file)
{
    char path[1024], line[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(t->name, sizeof t->name, "traces/%s", file);
    FILE *f = fopen(path, "r");
    if (!f) {
        print_error("%s: %s\n", path, strerror(errno));
        fail();
    }
    size_t cap = 1024;
    t->ops = malloc(cap * sizeof *t->ops);
    assert_non_null(t->ops);
    t->nops = 0;
    t->max_id = 0;
    bool header = false;
    for (int ln = 1; fgets(line, sizeof line, f); ln++) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char cmd[16];
        unsigned long long x = 0, y = 0, z = 0;
        int n = sscanf(line, "%15s %llu %llu %llu", cmd, &x, &y, &z);
        if (n <= 0)
            continue;
        bool ok = true;
        if (!header) {
            if (!strcmp(cmd, "pool") && n == 3 && x > 0 && y > 0) {
                t->arena = false;
                t->block_size = x;
                t->count = y;
            } else if (!strcmp(cmd, "arena") && n == 2 && x > 0) {
                t->arena = true;
                t->capacity = x;
            } else {
                ok = false;
            }
            header = true;
        } else {
            struct op o = {cmd[0], (uint32_t)x, y, n == 4 ? z : 1, ln};
            if (cmd[1] != '\0')
                ok = false;
            else if (o.cmd == 'a')
                ok = (n == 3 || (n == 4 && t->arena)) && x < MAX_ID && y > 0 &&
                     (t->arena || y <= t->block_size);
            else if (o.cmd == 'f')
                ok = n == 2 && x < MAX_ID;
            else if (o.cmd == 'r' || o.cmd == 'm' || o.cmd == 'w')
                ok = n == 1 && t->arena;
            else
                ok = false;
            if (ok) {
                if (t->nops == cap) {
                    cap *= 2;
                    struct op *more = realloc(t->ops, cap * sizeof *more);
                    assert_non_null(more);
                    t->ops = more;
                }
                t->ops[t->nops++] = o;
                if (o.id > t->max_id)
                    t->max_id = o.id;
            }
        }
        if (!ok) {
            print_error("%s:%d: malformed trace line\n", t->name, ln);
            fclose(f);
            fail();
        }
    }
    fclose(f);
    if (!header) {
        print_error("%s: empty trace\n", t->name);
        fail();
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The names of the trace files of one kind, sorted. */
static size_t trace_files(bool arena, char names[][256], size_t max)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/traces", LC_SRCDIR);
    DIR *d = opendir(dir);
    if (!d) {
        print_error("%s: %s\n", dir, strerror(errno));
        fail();
    }
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".rep") != 0 || len >= 256)
            continue;
        bool is_arena = strstr(e->d_name, "arena") != NULL;
        if (is_arena != arena)
            continue;
        assert_true(n < max);
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    if (n == 0) {
        print_error("no %s traces in %s\n", arena ? "arena" : "pool", dir);
        fail();
    }
    return n;
}

/* The driver's state while one trace is replayed on one allocator. */
struct run {
    const struct trace *t;
    const char *who;       /* "mp_pool (MP_DEBUG)" ... */
    struct block *blocks;  /* by id */
    struct extent *sorted; /* live extents by address */
    size_t nsorted, nlive;
    uint64_t seq;
    const struct op *op;
};

#define FAIL_AT(r, ...)                                                                            \
    do {                                                                                           \
        print_error("%s line %d (%s): ", (r)->t->name, (r)->op->line, (r)->who);                   \
        print_error(__VA_ARGS__);                                                                  \
        fail();                                                                                    \
    } while (0)

/* Index in sorted of the first extent at or above addr. */
static size_t lower_bound(const struct run *r, uintptr_t addr)
{
    size_t lo = 0, hi = r->nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->sorted[mid].at < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A new block: aligned, overlapping no live one, filled. */
static void took(struct run *r, uint32_t id, char *p, size_t len, size_t extent, size_t align)
{
    struct block *b = &r->blocks[id];
    if (b->live)
        FAIL_AT(r, "id %u is already live (a malformed trace)\n", id);
    if (!aligned(p, align))
        FAIL_AT(r, "block %u at %p is not aligned to %zu\n", id, (void *)p, align);
    uintptr_t at = (uintptr_t)p;
    size_t i = lower_bound(r, at);
    if (i < r->nsorted && at + extent > r->sorted[i].at)
        FAIL_AT(r, "block %u [%p, +%zu) overlaps live block %u [%#lx, +%zu)\n", id, (void *)p,
                extent, r->sorted[i].id, (unsigned long)r->sorted[i].at, r->sorted[i].len);
    if (i > 0 && r->sorted[i - 1].at + r->sorted[i - 1].len > at)
        FAIL_AT(r, "block %u [%p, +%zu) overlaps live block %u [%#lx, +%zu)\n", id, (void *)p,
                extent, r->sorted[i - 1].id, (unsigned long)r->sorted[i - 1].at,
                r->sorted[i - 1].len);
    memmove(&r->sorted[i + 1], &r->sorted[i], (r->nsorted - i) * sizeof *r->sorted);
    r->sorted[i] = (struct extent){at, extent, id};
    r->nsorted++;
    *b = (struct block){p, len, extent, r->seq++, true};
    r->nlive++;
    fill(p, len, id);
}

/* A block about to be freed or released: its pattern, then forgotten. */
static void dropping(struct run *r, uint32_t id)
{
    struct block *b = &r->blocks[id];
    if (!intact(b->p, b->len, id, r->t->name))
        FAIL_AT(r, "block %u changed while it was live\n", id);
    size_t i = lower_bound(r, (uintptr_t)b->p);
    assert_true(i < r->nsorted && r->sorted[i].id == id);
    memmove(&r->sorted[i], &r->sorted[i + 1], (r->nsorted - i - 1) * sizeof *r->sorted);
    r->nsorted--;
    b->live = false;
    r->nlive--;
}

static void check_all(struct run *r)
{
    for (size_t i = 0; i < r->nsorted; i++) {
        const struct block *b = &r->blocks[r->sorted[i].id];
        if (!intact(b->p, b->len, r->sorted[i].id, r->t->name))
            FAIL_AT(r, "block %u changed while it was live\n", r->sorted[i].id);
    }
}

static void run_init(struct run *r, const struct trace *t, const char *who)
{
    r->t = t;
    r->who = who;
    r->blocks = calloc((size_t)t->max_id + 1, sizeof *r->blocks);
    r->sorted = calloc(t->nops + 1, sizeof *r->sorted);
    assert_true(r->blocks && r->sorted);
    r->nsorted = r->nlive = 0;
    r->seq = 0;
}

static void run_end(struct run *r)
{
    free(r->blocks);
    free(r->sorted);
}

/* Replays a pool trace on a pool of kind k. */
static void replay_pool(const struct trace *t, const struct kind *k, unsigned flags)
{
    char who[64];
    snprintf(who, sizeof who, "%s, %s", k->name, MODE_NAME(flags));
    struct run r;
    run_init(&r, t, who);
    void *p = make_pool(k, t->block_size, t->count, flags);
    size_t want_align = block_align(t->block_size);
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *o = r.op = &t->ops[i];
        if (o->cmd == 'a') {
            char *b = k->alloc(p);
            bool must = r.nlive < t->count;
            if (must && !b)
                FAIL_AT(&r, "alloc returned NULL with %zu of %zu blocks live\n", r.nlive, t->count);
            if (!must && b)
                FAIL_AT(&r, "alloc returned %p with all %zu blocks live\n", (void *)b, t->count);
            if (b)
                took(&r, o->id, b, o->size, t->block_size, want_align);
        } else if (o->cmd == 'f' && r.blocks[o->id].live) {
            void *b = r.blocks[o->id].p;
            dropping(&r, o->id);
            int err = k->free(p, b);
            if (err != 0)
                FAIL_AT(&r, "free of live block %u returned %d (%s)\n", o->id, err, strerror(-err));
        }
        size_t avail = k->available(p);
        if (avail != t->count - r.nlive)
            FAIL_AT(&r, "available returned %zu with %zu of %zu blocks live\n", avail, r.nlive,
                    t->count);
        if (i % CHECK_EVERY == CHECK_EVERY - 1)
            check_all(&r);
    }
    check_all(&r);
    k->destroy(p);
    run_end(&r);
}

static size_t align_up(size_t m, size_t a)
{
    return (m + a - 1) & ~(a - 1);
}

/* Replays an arena trace. */
static void replay_arena(const struct trace *t, unsigned flags)
{
    char who[64];
    snprintf(who, sizeof who, "mp_arena, %s", MODE_NAME(flags));
    struct run r;
    run_init(&r, t, who);
    struct mp_arena *a = make_arena(t->capacity, flags);
    char *base = NULL;
    struct {
        size_t mark;
        uint64_t seq;
    } marks[MAX_MARKS];
    size_t nmarks = 0;
    for (size_t i = 0; i < t->nops; i++) {
        const struct op *o = r.op = &t->ops[i];
        size_t m = mp_arena_mark(a);
        if (o->cmd == 'a') {
            size_t off = align_up(m, o->align);
            bool must = off <= t->capacity && o->size <= t->capacity - off;
            char *p = mp_arena_alloc(a, o->size, o->align);
            if (must && !p)
                FAIL_AT(&r, "alloc(%zu, %zu) at fill level %zu of %zu returned NULL\n", o->size,
                        o->align, m, t->capacity);
            if (!must && p)
                FAIL_AT(&r,
                        "alloc(%zu, %zu) at fill level %zu of %zu returned %p: it "
                        "does not fit\n",
                        o->size, o->align, m, t->capacity, (void *)p);
            if (p && !base && m == 0)
                base = p;
            if (p && base && p != base + off)
                FAIL_AT(&r,
                        "alloc(%zu, %zu) at fill level %zu returned start + %td, "
                        "expected start + %zu\n",
                        o->size, o->align, m, p - base, off);
            if (p)
                took(&r, o->id, p, o->size, o->size, o->align);
            size_t now = mp_arena_mark(a), want = p ? off + o->size : m;
            if (now != want)
                FAIL_AT(&r, "mark is %zu after alloc(%zu, %zu) at %zu, expected %zu\n", now,
                        o->size, o->align, m, want);
        } else if (o->cmd == 'f') {
            if (r.blocks[o->id].live)
                dropping(&r, o->id);
        } else if (o->cmd == 'r') {
            check_all(&r);
            while (r.nsorted)
                dropping(&r, r.sorted[r.nsorted - 1].id);
            mp_arena_reset(a);
            nmarks = 0;
            if (mp_arena_mark(a) != 0)
                FAIL_AT(&r, "mark is %zu after reset\n", mp_arena_mark(a));
        } else if (o->cmd == 'm') {
            if (nmarks == MAX_MARKS)
                FAIL_AT(&r, "more than %d marks (a malformed trace)\n", MAX_MARKS);
            marks[nmarks].mark = m;
            marks[nmarks++].seq = r.seq;
        } else if (o->cmd == 'w') {
            if (nmarks == 0)
                FAIL_AT(&r, "rewind without a mark (a malformed trace)\n");
            nmarks--;
            for (size_t j = r.nsorted; j-- > 0;)
                if (r.blocks[r.sorted[j].id].seq >= marks[nmarks].seq)
                    dropping(&r, r.sorted[j].id);
            int err = mp_arena_rewind(a, marks[nmarks].mark);
            if (err != 0 || mp_arena_mark(a) != marks[nmarks].mark)
                FAIL_AT(&r, "rewind to %zu (fill level %zu) returned %d, mark now %zu\n",
                        marks[nmarks].mark, m, err, mp_arena_mark(a));
        }
        if (i % CHECK_EVERY == CHECK_EVERY - 1)
            check_all(&r);
    }
    check_all(&r);
    mp_arena_destroy(a);
    run_end(&r);
}

enum { MAX_TRACES = 64 };

static void replay_pools(const struct kind *k)
{
    static char names[MAX_TRACES][256];
    size_t n = trace_files(false, names, MAX_TRACES);
    for (size_t i = 0; i < n; i++) {
        struct trace t;
        trace_load(&t, LC_SRCDIR "/traces", names[i]);
        if (t.arena) {
            print_error("%s: an arena trace; name it *arena*\n", t.name);
            fail();
        }
        for (size_t m = 0; m < NMODES; m++)
            replay_pool(&t, k, MODES[m]);
        trace_free(&t);
    }
}

/* REQ: MP-010 MP-011 MP-012 MP-013 MP-014 MP-015 */
/* TIMEOUT: 120 */
static void pool_replays_every_trace(void **state)
{
    (void)state;
    replay_pools(&KINDS[0]);
}

/* REQ: MP-010 MP-011 MP-012 MP-013 MP-014 MP-015 */
/* TIMEOUT: 120 */
static void bitmap_replays_every_trace(void **state)
{
    (void)state;
    replay_pools(&KINDS[1]);
}

/* REQ: MP-020 MP-021 MP-022 MP-023 MP-025 MP-026 MP-027 */
/* TIMEOUT: 120 */
static void arena_replays_every_trace(void **state)
{
    (void)state;
    static char names[MAX_TRACES][256];
    size_t n = trace_files(true, names, MAX_TRACES);
    for (size_t i = 0; i < n; i++) {
        struct trace t;
        trace_load(&t, LC_SRCDIR "/traces", names[i]);
        if (!t.arena) {
            print_error("%s: a pool trace named *arena*\n", t.name);
            fail();
        }
        for (size_t m = 0; m < NMODES; m++)
            replay_arena(&t, MODES[m]);
        trace_free(&t);
    }
}

/* clang-format off */
LIBCHECK_MAIN(
    cmocka_unit_test(pool_replays_every_trace),
    cmocka_unit_test(bitmap_replays_every_trace),
    cmocka_unit_test(arena_replays_every_trace),
)
/* clang-format on */
