#include "backends.h"

#include <errno.h>
#include <string.h>

int lb_table_init(struct lb_table *t, const char *const *names, unsigned n, enum lb_policy policy,
                  bool checks, unsigned rise, unsigned fall, unsigned eject_ms, uint64_t seed)
{
    if (n == 0 || n > LB_MAX_BACKENDS || rise == 0 || fall == 0)
        return -EINVAL;
    if (policy != LB_ROUND_ROBIN && policy != LB_RANDOM && policy != LB_LEAST_CONN)
        return -EINVAL;
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < n; i++) {
        t->b[i].name = names[i];
        t->b[i].up = true;
    }
    t->n = n;
    t->policy = policy;
    t->checks = checks;
    t->rise = rise;
    t->fall = fall;
    t->eject_ms = eject_ms;
    /* xorshift64* is stuck at 0 forever. */
    t->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
    return 0;
}

bool lb_available(const struct lb_table *t, unsigned i, uint64_t now)
{
    return t->b[i].up && now >= t->b[i].ejected_until;
}

/* xorshift64* (Vigna): fast, small, and plenty for spreading requests; the
 * load balancer needs no unpredictability, only uniformity. */
static uint64_t rng_next(struct lb_table *t)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545f4914f6cdd1dULL;
}

/* Returns a uniform number in [0, k) for k > 0. Taking rng % k directly
 * would favour the small results slightly (2^64 is not a multiple of k), so
 * draws below 2^64 mod k, the incomplete last round, are thrown away. */
static unsigned rng_below(struct lb_table *t, unsigned k)
{
    uint64_t threshold = (0 - (uint64_t)k) % k;
    uint64_t r;

    do
        r = rng_next(t);
    while (r < threshold);
    return (unsigned)(r % k);
}

static bool candidate(const struct lb_table *t, unsigned i, uint64_t tried, uint64_t now)
{
    return (tried & (UINT64_C(1) << i)) == 0 && lb_available(t, i, now);
}

/* Round-robin and least-conn both scan from the cursor once around the
 * table, so a backend that comes back or a tie is served in table order,
 * and the cursor moves just past the one chosen. Round-robin takes the
 * first candidate, least-conn the first with the fewest in flight. */
static int scan_from_cursor(struct lb_table *t, uint64_t tried, uint64_t now, bool least)
{
    int best = -1;

    for (unsigned k = 0; k < t->n; k++) {
        unsigned i = (t->next + k) % t->n;

        if (!candidate(t, i, tried, now))
            continue;
        if (best < 0 || (least && t->b[i].active < t->b[best].active))
            best = (int)i;
        if (!least)
            break;
    }
    if (best >= 0)
        t->next = ((unsigned)best + 1) % t->n;
    return best;
}

static int pick_random(struct lb_table *t, uint64_t tried, uint64_t now)
{
    unsigned count = 0, k;

    for (unsigned i = 0; i < t->n; i++)
        count += candidate(t, i, tried, now);
    if (count == 0)
        return -1;
    k = rng_below(t, count);
    for (unsigned i = 0; i < t->n; i++)
        if (candidate(t, i, tried, now) && k-- == 0)
            return (int)i;
    return -1; /* not reached */
}

int lb_choose(struct lb_table *t, uint64_t tried, uint64_t now)
{
    int i;

    switch (t->policy) {
    case LB_RANDOM:
        i = pick_random(t, tried, now);
        break;
    case LB_LEAST_CONN:
        i = scan_from_cursor(t, tried, now, true);
        break;
    default:
        i = scan_from_cursor(t, tried, now, false);
        break;
    }
    if (i >= 0)
        t->b[i].requests++;
    return i;
}

unsigned lb_count_available(const struct lb_table *t, uint64_t now)
{
    unsigned count = 0;

    for (unsigned i = 0; i < t->n; i++)
        count += lb_available(t, i, now);
    return count;
}

void lb_begin(struct lb_table *t, unsigned i)
{
    t->b[i].active++;
}

void lb_end(struct lb_table *t, unsigned i)
{
    if (t->b[i].active > 0)
        t->b[i].active--;
}

enum lb_change lb_check_result(struct lb_table *t, unsigned i, bool pass)
{
    struct lb_backend *b = &t->b[i];

    if (pass) {
        b->fails = 0;
        b->passes++;
        if (!b->up && b->passes >= t->rise) {
            b->up = true;
            return LB_CAME_UP;
        }
    } else {
        b->failures++;
        b->passes = 0;
        b->fails++;
        if (b->up && b->fails >= t->fall) {
            b->up = false;
            return LB_WENT_DOWN;
        }
    }
    return LB_SAME;
}

enum lb_change lb_connect_failed(struct lb_table *t, unsigned i, uint64_t now)
{
    struct lb_backend *b = &t->b[i];
    bool was = lb_available(t, i, now);

    b->failures++;
    /* lb_choose() counted the request, but it never reached the backend:
     * "requests" counts what backends received, and the retry counts it
     * on the one that does. */
    if (b->requests > 0)
        b->requests--;
    if (t->checks) {
        /* The checks own the way back: rise passes from now on, so a
         * pass counted before the failure does not shorten it. */
        b->up = false;
        b->passes = 0;
    } else if (now + t->eject_ms > b->ejected_until) {
        b->ejected_until = now + t->eject_ms;
    }
    return was ? LB_WENT_DOWN : LB_SAME;
}

void lb_upstream_failed(struct lb_table *t, unsigned i)
{
    t->b[i].failures++;
}

static const char *const policy_names[] = {
    [LB_ROUND_ROBIN] = "round-robin",
    [LB_RANDOM] = "random",
    [LB_LEAST_CONN] = "least-conn",
};

int lb_policy_parse(const char *name)
{
    for (unsigned p = 0; p < sizeof(policy_names) / sizeof(policy_names[0]); p++)
        if (strcmp(name, policy_names[p]) == 0)
            return (int)p;
    return -EINVAL;
}

const char *lb_policy_name(enum lb_policy p)
{
    return (unsigned)p < sizeof(policy_names) / sizeof(policy_names[0]) ? policy_names[p] : "?";
}
