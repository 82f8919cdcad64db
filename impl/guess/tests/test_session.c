/* Unit tests for the guess session table: the game, retransmissions,
 * stale requests, new games, independent clients, idle expiry (on a fake
 * clock) and LRU eviction. Secrets come from a fake source so every answer
 * is known in advance. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "session.h"

struct fake {
    uint64_t now;
    uint32_t next_secret; /* each draw returns this, then adds 1 */
    int fail;             /* when non-zero, draws fail with it */
    unsigned draws;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static int fake_secret(void *ctx, uint32_t max, uint32_t *out)
{
    struct fake *f = ctx;

    if (f->fail != 0)
        return f->fail;
    f->draws++;
    *out = f->next_secret;
    f->next_secret = f->next_secret % max + 1;
    return 0;
}

struct fixture {
    struct fake fake;
    struct session_table *t;
};

/* A table with secrets 1..100, idle 60 s, at most 3 sessions, first secret
 * 42. */
static int setup(void **state)
{
    static struct fixture fx;
    struct session_config cfg = {
        .max = 100,
        .idle_ms = 60000,
        .max_sessions = 3,
        .now_ms = fake_now,
        .secret = fake_secret,
    };

    memset(&fx, 0, sizeof(fx));
    fx.fake.now = 1000000;
    fx.fake.next_secret = 42;
    cfg.ctx = &fx.fake;
    if (session_table_create(&cfg, &fx.t) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    session_table_destroy(fx->t);
    return 0;
}

static struct sockaddr_in v4(const char *ip, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* Sends the request text from addr and checks the reply text. */
#define ASK(fx, addr, req, want)                                                                   \
    ask_check((fx), (const struct sockaddr *)&(addr), sizeof(addr), (req), (want), __LINE__)

static void ask_check(struct fixture *fx, const struct sockaddr *a, socklen_t alen, const char *req,
                      const char *want, int line)
{
    char out[GUESS_REPLY_MAX];
    int n = session_answer(fx->t, a, alen, req, strlen(req), out, sizeof(out));

    if (n < 0)
        fail_msg("line %d: '%s': error %d", line, req, n);
    if ((size_t)n != strlen(want) || memcmp(out, want, (size_t)n) != 0)
        fail_msg("line %d: '%s': expected '%s', got '%.*s'", line, req, want, n, out);
}

static size_t live(const struct fixture *fx)
{
    struct session_stats st;

    session_get_stats(fx->t, &st);
    return st.sessions;
}

/* REQ: GUESS-002 */
static void test_game(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);

    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n");
    ASK(fx, a, "GUESS 2 25\n", "HIGHER 2 2\n");
    ASK(fx, a, "GUESS 3 37", "HIGHER 3 3\n");
    ASK(fx, a, "GUESS 10 43", "LOWER 10 4\n"); /* seqs may skip */
    ASK(fx, a, "GUESS 11 42", "CORRECT 11 5\n");
    assert_int_equal(fx->fake.draws, 1);
    assert_int_equal(live(fx), 1);
}

/* REQ: GUESS-003 */
static void test_duplicate_same_reply(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);

    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n");
    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n");
    ASK(fx, a, "GUESS 1 50\n", "LOWER 1 1\n");
    /* Keyed by seq alone: a retransmission is answered as the first was. */
    ASK(fx, a, "GUESS 1 10", "LOWER 1 1\n");
    ASK(fx, a, "GUESS 2 42", "CORRECT 2 2\n");
    /* The winning request too, and it does not start a new game. */
    ASK(fx, a, "GUESS 2 42", "CORRECT 2 2\n");
    ASK(fx, a, "GUESS 2 42", "CORRECT 2 2\n");
    assert_int_equal(fx->fake.draws, 1);
}

/* REQ: GUESS-004 */
static void test_stale(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);

    ASK(fx, a, "GUESS 5 50", "LOWER 5 1\n");
    ASK(fx, a, "GUESS 4 42", "ERR 4 stale\n"); /* not counted, even if right */
    ASK(fx, a, "GUESS 1 30", "ERR 1 stale\n");
    ASK(fx, a, "GUESS 5 50", "LOWER 5 1\n");
    ASK(fx, a, "GUESS 6 30", "HIGHER 6 2\n");
    ASK(fx, a, "GUESS 5 50", "ERR 5 stale\n"); /* no longer the last one */
    ASK(fx, a, "GUESS 7 42", "CORRECT 7 3\n");
    ASK(fx, a, "GUESS 6 30", "ERR 6 stale\n");
}

/* REQ: GUESS-005 */
static void test_clients_keyed_by_address_and_port(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);
    struct sockaddr_in b = v4("127.0.0.1", 5001); /* same host, other port */
    struct sockaddr_in c = v4("127.0.0.2", 5000); /* same port, other host */

    ASK(fx, a, "GUESS 10 50", "LOWER 10 1\n"); /* secret 42 */
    ASK(fx, b, "GUESS 1 50", "LOWER 1 1\n");   /* secret 43 */
    ASK(fx, c, "GUESS 3 43", "HIGHER 3 1\n");  /* secret 44 */
    ASK(fx, b, "GUESS 2 43", "CORRECT 2 2\n");
    ASK(fx, a, "GUESS 11 43", "LOWER 11 2\n");
    ASK(fx, a, "GUESS 2 42", "ERR 2 stale\n"); /* b's seq means nothing to a */
    ASK(fx, c, "GUESS 4 44", "CORRECT 4 2\n");
    ASK(fx, a, "GUESS 12 42", "CORRECT 12 3\n");
    assert_int_equal(live(fx), 3);
}

/* REQ: GUESS-005 */
static void test_ipv6_clients(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(5000)};
    struct sockaddr_in6 b;
    struct sockaddr_in v = v4("127.0.0.1", 5000);
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    char out[GUESS_REPLY_MAX];

    inet_pton(AF_INET6, "::1", &a.sin6_addr);
    b = a;
    b.sin6_scope_id = 1; /* another interface: another client */
    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n");
    ASK(fx, b, "GUESS 1 30", "HIGHER 1 1\n");
    ASK(fx, v, "GUESS 1 50", "LOWER 1 1\n");
    ASK(fx, a, "GUESS 2 42", "CORRECT 2 2\n");
    assert_int_equal(
        session_answer(fx->t, (struct sockaddr *)&u, sizeof(u), "GUESS 1 1", 9, out, sizeof(out)),
        -EAFNOSUPPORT);
}

/* REQ: GUESS-006 */
static void test_new_game_after_correct(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);

    ASK(fx, a, "GUESS 1 42", "CORRECT 1 1\n");
    assert_int_equal(fx->fake.draws, 1);
    /* The next secret is 43: a new game, tries from 1 again. */
    ASK(fx, a, "GUESS 2 42", "HIGHER 2 1\n");
    assert_int_equal(fx->fake.draws, 2);
    ASK(fx, a, "GUESS 2 42", "HIGHER 2 1\n");
    ASK(fx, a, "GUESS 1 42", "ERR 1 stale\n");
    ASK(fx, a, "GUESS 3 43", "CORRECT 3 2\n");
    ASK(fx, a, "GUESS 9 1", "HIGHER 9 1\n");
    assert_int_equal(fx->fake.draws, 3);
}

/* REQ: GUESS-007 */
static void test_idle_expiry_on_lookup(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);

    ASK(fx, a, "GUESS 5 50", "LOWER 5 1\n");
    /* Exactly --idle later: not idle "for longer than" that yet. */
    fx->fake.now += 60000;
    ASK(fx, a, "GUESS 6 30", "HIGHER 6 2\n");
    /* Every request refreshes the session, retransmissions included. */
    fx->fake.now += 59000;
    ASK(fx, a, "GUESS 6 30", "HIGHER 6 2\n");
    fx->fake.now += 60000;
    ASK(fx, a, "GUESS 7 35", "HIGHER 7 3\n");
    /* One ms more than --idle: forgotten, so a new game (secret 43), and an
     * old seq is no longer stale. */
    fx->fake.now += 60001;
    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n");
    assert_int_equal(fx->fake.draws, 2);
    assert_int_equal(live(fx), 1);
}

/* REQ: GUESS-007 */
static void test_idle_sweep(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);
    struct sockaddr_in b = v4("127.0.0.1", 5001);
    struct session_stats st;

    assert_int_equal(session_next_expiry(fx->t), 0);
    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n");
    assert_int_equal(session_next_expiry(fx->t), 60001);
    fx->fake.now += 30000;
    ASK(fx, b, "GUESS 1 50", "LOWER 1 1\n");
    assert_int_equal(session_next_expiry(fx->t), 30001);

    fx->fake.now += 30000; /* a idle exactly 60 s: kept */
    assert_int_equal(session_expire(fx->t), 0);
    assert_int_equal(live(fx), 2);
    fx->fake.now += 1; /* a idle 60.001 s: forgotten, b kept */
    assert_int_equal(session_expire(fx->t), 1);
    assert_int_equal(live(fx), 1);
    assert_int_equal(session_next_expiry(fx->t), 30000);
    ASK(fx, b, "GUESS 2 43", "CORRECT 2 2\n");

    fx->fake.now += 120000;
    assert_int_equal(session_next_expiry(fx->t), 1);
    assert_int_equal(session_expire(fx->t), 1);
    assert_int_equal(live(fx), 0);
    assert_int_equal(session_next_expiry(fx->t), 0);
    session_get_stats(fx->t, &st);
    assert_int_equal(st.expired, 2);
    assert_int_equal(st.evicted, 0);
}

/* REQ: GUESS-008 */
static void test_lru_eviction(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);
    struct sockaddr_in b = v4("127.0.0.1", 5001);
    struct sockaddr_in c = v4("127.0.0.1", 5002);
    struct sockaddr_in d = v4("127.0.0.1", 5003);
    struct session_stats st;

    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n"); /* secret 42 */
    ASK(fx, b, "GUESS 1 50", "LOWER 1 1\n"); /* secret 43 */
    ASK(fx, c, "GUESS 1 50", "LOWER 1 1\n"); /* secret 44 */
    ASK(fx, a, "GUESS 1 50", "LOWER 1 1\n"); /* a used again: b is the LRU */
    ASK(fx, d, "GUESS 1 50", "LOWER 1 1\n"); /* secret 45; b forgotten */
    assert_int_equal(live(fx), 3);
    ASK(fx, a, "GUESS 2 42", "CORRECT 2 2\n"); /* a and c keep their games */
    ASK(fx, c, "GUESS 2 44", "CORRECT 2 2\n");
    /* b starts over (secret 46), which evicts d, now the LRU. */
    ASK(fx, b, "GUESS 1 50", "LOWER 1 1\n");
    ASK(fx, d, "GUESS 2 45", "HIGHER 2 1\n"); /* d starts over too (47) */
    session_get_stats(fx->t, &st);
    assert_int_equal(st.evicted, 3); /* b, d, then the LRU a for d */
    assert_int_equal(st.sessions, 3);
    assert_int_equal(st.created, 6);
}

/* REQ: GUESS-009 */
static void test_malformed_and_range_change_nothing(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);
    struct sockaddr_in b = v4("127.0.0.1", 5001);

    /* No session is created by a malformed or out-of-range request. */
    ASK(fx, a, "GUESS 0 50", "ERR 0 malformed\n");
    ASK(fx, a, "", "ERR 0 malformed\n");
    ASK(fx, a, "GUESS 4 5 6", "ERR 4 malformed\n");
    ASK(fx, a, "GUESS 4 0", "ERR 4 range\n");
    ASK(fx, a, "GUESS 4 101", "ERR 4 range\n");
    ASK(fx, a, "GUESS 4 99999999999", "ERR 4 range\n");
    assert_int_equal(live(fx), 0);
    assert_int_equal(fx->fake.draws, 0);

    ASK(fx, a, "GUESS 5 50", "LOWER 5 1\n");
    /* Malformed requests neither count, nor change the seq, nor refresh. */
    ASK(fx, a, "GUESS 9 x", "ERR 9 malformed\n");
    ASK(fx, a, "GUESS 5 50", "LOWER 5 1\n");
    ASK(fx, a, "GUESS 6 101", "ERR 6 range\n"); /* not counted */
    ASK(fx, a, "GUESS 6 25", "HIGHER 6 2\n");   /* so seq 6 is still new */
    fx->fake.now += 40000;
    ASK(fx, b, "GUESS 1 50", "LOWER 1 1\n");
    fx->fake.now += 20001; /* a idle 60.001 s, malformed datagrams or not */
    ASK(fx, a, "nonsense", "ERR 0 malformed\n");
    assert_int_equal(session_expire(fx->t), 1);
    ASK(fx, b, "GUESS 2 43", "CORRECT 2 2\n");
}

/* A failing secret source leaves no half-made session behind. */
static void test_secret_failure(void **state)
{
    struct fixture *fx = *state;
    struct sockaddr_in a = v4("127.0.0.1", 5000);
    char out[GUESS_REPLY_MAX];

    fx->fake.fail = -EIO;
    assert_int_equal(
        session_answer(fx->t, (struct sockaddr *)&a, sizeof(a), "GUESS 1 5", 9, out, sizeof(out)),
        -EIO);
    assert_int_equal(live(fx), 0);
    fx->fake.fail = 0;
    ASK(fx, a, "GUESS 1 42", "CORRECT 1 1\n");
    fx->fake.fail = -EIO;
    assert_int_equal(
        session_answer(fx->t, (struct sockaddr *)&a, sizeof(a), "GUESS 2 5", 9, out, sizeof(out)),
        -EIO);
    ASK(fx, a, "GUESS 1 42", "CORRECT 1 1\n"); /* the finished game stands */
}

/* REQ: GUESS-002 */
static void test_random_secret_in_range(void **state)
{
    unsigned seen[4] = {0};
    uint32_t v;

    (void)state;
    for (int i = 0; i < 400; i++) {
        assert_int_equal(session_random_secret(NULL, 3, &v), 0);
        assert_in_range(v, 1, 3);
        seen[v]++;
    }
    /* Each of 1..3 comes up (the chance that one never does is ~1e-70). */
    assert_true(seen[1] > 0 && seen[2] > 0 && seen[3] > 0);
    assert_int_equal(session_random_secret(NULL, 1, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(session_random_secret(NULL, 1000000, &v), 0);
    assert_in_range(v, 1, 1000000);
    assert_int_equal(session_random_secret(NULL, 0, &v), -EINVAL);
}

static void test_create_rejects_zero(void **state)
{
    struct session_config cfg = {.max = 100, .idle_ms = 1000, .max_sessions = 0};
    struct session_table *t = NULL;

    (void)state;
    assert_int_equal(session_table_create(&cfg, &t), -EINVAL);
    cfg.max_sessions = 1;
    cfg.idle_ms = 0;
    assert_int_equal(session_table_create(&cfg, &t), -EINVAL);
    cfg.idle_ms = 1;
    assert_int_equal(session_table_create(&cfg, &t), 0);
    session_table_destroy(t);
    session_table_destroy(NULL);
}

/* Many clients through a large table: every one keeps its own game. */
static void test_many_clients(void **state)
{
    struct fake f = {.now = 1, .next_secret = 1};
    struct session_config cfg = {.max = 1000,
                                 .idle_ms = 1000,
                                 .max_sessions = 5000,
                                 .now_ms = fake_now,
                                 .secret = fake_secret,
                                 .ctx = &f};
    struct session_table *t;
    char want[GUESS_REPLY_MAX], out[GUESS_REPLY_MAX];
    struct session_stats st;

    (void)state;
    assert_int_equal(session_table_create(&cfg, &t), 0);
    for (unsigned round = 1; round <= 2; round++) {
        for (unsigned i = 0; i < 5000; i++) {
            struct sockaddr_in a = v4("10.0.0.1", 1024 + i);
            /* Client i has secret i % 1000 + 1; it guesses exactly that in
             * round 2. */
            char req[48];
            int n =
                snprintf(req, sizeof(req), "GUESS %u %u", round, round == 1 ? 1000 : i % 1000 + 1);
            int m = session_answer(t, (struct sockaddr *)&a, sizeof(a), req, (size_t)n, out,
                                   sizeof(out));
            int w = round == 1 && i % 1000 + 1 == 1000
                        ? snprintf(want, sizeof(want), "CORRECT 1 1\n")
                    : round == 1 ? snprintf(want, sizeof(want), "LOWER 1 1\n")
                    : i % 1000 + 1 == 1000
                        ? snprintf(want, sizeof(want), "LOWER 2 1\n") /* new secret 1 */
                        : snprintf(want, sizeof(want), "CORRECT 2 2\n");
            if (m != w || memcmp(out, want, (size_t)w) != 0)
                fail_msg("client %u round %u: expected '%s', got '%.*s'", i, round, want, m, out);
        }
    }
    session_get_stats(t, &st);
    assert_int_equal(st.sessions, 5000);
    assert_int_equal(st.evicted, 0);
    session_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_game, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_same_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clients_keyed_by_address_and_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_game_after_correct, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_expiry_on_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_and_range_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_failure, setup, teardown),
        cmocka_unit_test(test_random_secret_in_range),
        cmocka_unit_test(test_create_rejects_zero),
        cmocka_unit_test(test_many_clients),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
