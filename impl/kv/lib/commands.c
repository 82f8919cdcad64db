/* The command table and every command's handler; see commands.h.
 *
 * Replies and errors are redis 7.0's, word for word (redis-server 7.0.15 is
 * the reference: start one and compare). Checks run in redis's order:
 * unknown command, arity, AOF write error (MISCONF), subscribed mode, then
 * the command's own argument checks.
 *
 * Every change follows prepare -> log -> commit:
 *   1. prepare: look up, check, and allocate everything the change needs
 *      (db_put_prepare, db_reserve_expires, room for the reply); any
 *      -ENOMEM here answers "-OOM out of memory" and changes nothing;
 *   2. log: append the change's record to the AOF (server_log); with
 *      appendfsync always it is written and synced now, and a failure
 *      aborts the prepared change and answers MISCONF;
 *   3. commit: db_put_commit, db_delete, db_set_expire, which cannot fail,
 *      and the reply, whose room was made in step 1.
 * So a change is either complete, logged and answered, or not made at all.
 *
 * What is logged is the change, not the command: relative times become
 * absolute deadlines (SET k v EX 10 -> SET k v PXAT <ms>, EXPIRE ->
 * PEXPIREAT or DEL), INCR and SET KEEPTTL become a SET carrying the key's
 * deadline explicitly, NX/XX/GET are already decided, and only keys that
 * existed are deleted. A record thus means the same whenever it is
 * replayed (a KEEPTTL record would depend on whether the old key had
 * expired by the time of the replay). A command that changes several keys
 * logs one record (MSET, DEL k1 k2), so a torn write cannot leave half of
 * it in the file. */
#include "commands.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "log.h"
#include "pubsub.h"
#include "server.h"

#define CMD_WRITE 0x1u  /* changes the keyspace: refused while the AOF fails */
#define CMD_PUBSUB 0x2u /* allowed in subscribed mode */

struct command {
    const char *name; /* lower case: the name in arity and context errors */
    int arity;        /* as redis: n exactly, -n at least n (the name counts) */
    unsigned flags;
    /* The handler; NULL for a container whose arity requires a
     * subcommand (CONFIG): command_run then always runs a subcommand. */
    void (*proc)(struct client *c);
    /* A container (CONFIG, COMMAND): its subcommands, ending with a NULL
     * name; "config|get" is the name errors show for CONFIG GET. */
    const struct command *subs;
};

/* ---- small helpers ---- */

static struct db *db_of(const struct client *c)
{
    return c->srv->db;
}

/* Argument i compared with a lower-case word, ignoring case. */
static bool arg_is(const struct client *c, size_t i, const char *word)
{
    size_t n = strlen(word);

    return c->argv[i].n == n && strncasecmp(c->argv[i].p, word, n) == 0;
}

/* Argument i as an integer, or the "not an integer" reply and false. */
static bool arg_ll(struct client *c, size_t i, long long *v)
{
    if (resp_parse_ll(c->argv[i].p, c->argv[i].n, v))
        return true;
    reply_error(c, ERR_NOT_INT);
    return false;
}

/* Length of s[0..n) as a C string would see it (up to a NUL), at most max:
 * redis prints arguments with %.*s. */
static int c_len(const char *s, size_t n, size_t max)
{
    const char *z = memchr(s, '\0', n);

    if (z != NULL)
        n = (size_t)(z - s);
    return (int)(n < max ? n : max);
}

/* Bytes of the reply "$<n>\r\n<n bytes>\r\n". */
static size_t bulk_reply_size(size_t n)
{
    char head[32];

    return (size_t)snprintf(head, sizeof(head), "$%zu\r\n", n) + n + 2;
}

/* A record for the AOF: up to argc words, on the stack when few. */
#define REC_INLINE 8
struct record {
    const char **argv;
    size_t *lens;
    size_t argc;
    const char *sv[REC_INLINE];
    size_t sl[REC_INLINE];
};

/* Makes room for cap words. Returns 0 or -ENOMEM. */
static int record_init(struct record *r, size_t cap)
{
    r->argc = 0;
    if (cap <= REC_INLINE) {
        r->argv = r->sv;
        r->lens = r->sl;
        return 0;
    }
    r->argv = malloc(cap * sizeof(*r->argv));
    r->lens = malloc(cap * sizeof(*r->lens));
    if (r->argv == NULL || r->lens == NULL) {
        free(r->argv);
        free(r->lens);
        return -ENOMEM;
    }
    return 0;
}

static void record_add(struct record *r, const char *p, size_t n)
{
    r->argv[r->argc] = p;
    r->lens[r->argc] = n;
    r->argc++;
}

static void record_add_str(struct record *r, const char *s)
{
    record_add(r, s, strlen(s));
}

static void record_free(struct record *r)
{
    if (r->argv != r->sv) {
        free(r->argv);
        free(r->lens);
    }
}

/* Logs a record; on failure answers (OOM, or MISCONF for a failed write
 * under appendfsync always) and returns false: the caller aborts. */
static bool log_record(struct client *c, struct record *r)
{
    int rc = server_log(c, r->argc, r->argv, r->lens);

    if (rc == 0)
        return true;
    if (rc == -ENOMEM)
        reply_error(c, ERR_OOM);
    else
        reply_misconf(c, rc);
    return false;
}

/* Logs "SET key val" with the deadline the key will have (none, or PXAT). */
static bool log_set(struct client *c, const struct resp_arg *key, const char *val, size_t vlen,
                    int64_t deadline)
{
    struct record r;
    char ms[24];

    record_init(&r, 5); /* on the stack: cannot fail */
    record_add_str(&r, "SET");
    record_add(&r, key->p, key->n);
    record_add(&r, val, vlen);
    if (deadline != DB_NO_EXPIRE) {
        record_add_str(&r, "PXAT");
        record_add(&r, ms, (size_t)snprintf(ms, sizeof(ms), "%lld", (long long)deadline));
    }
    return log_record(c, &r);
}

/* ---- connection and server ---- */

static void cmd_ping(struct client *c)
{
    if (c->argc > 2) {
        reply_errorf(c, "ERR wrong number of arguments for 'ping' command");
        return;
    }
    if (pubsub_count(c) > 0) {
        /* Subscribed mode (RESP2): a reply must look like a pushed message. */
        reply_array(c, 2);
        reply_cstr(c, "pong");
        if (c->argc == 2)
            reply_bulk(c, c->argv[1].p, c->argv[1].n);
        else
            reply_bulk(c, "", 0);
        return;
    }
    if (c->argc == 2)
        reply_bulk(c, c->argv[1].p, c->argv[1].n);
    else
        reply_simple(c, "PONG");
}

static void cmd_echo(struct client *c)
{
    reply_bulk(c, c->argv[1].p, c->argv[1].n);
}

static void cmd_quit(struct client *c)
{
    reply_ok(c);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

static void cmd_select(struct client *c)
{
    long long id;

    if (!arg_ll(c, 1, &id))
        return;
    if (id < INT_MIN || id > INT_MAX) {
        reply_error(c, "ERR value is out of range, value must between -2147483648 and "
                       "2147483647");
        return;
    }
    /* One database: the keyspace is db 0. */
    if (id != 0)
        reply_error(c, "ERR DB index is out of range");
    else
        reply_ok(c);
}

/* HELLO [protover [AUTH user pass] [SETNAME name]]: only RESP2 is spoken,
 * there are no passwords (as redis's default user, "default" logs in with
 * any), the name is checked and forgotten. */
static void cmd_hello(struct client *c)
{
    long long ver = 2;
    size_t j = 1;

    if (c->argc >= 2) {
        if (!resp_parse_ll(c->argv[1].p, c->argv[1].n, &ver)) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        j = 2;
        if (ver != 2) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
    }
    for (; j < c->argc; j++) {
        size_t more = c->argc - 1 - j;
        if (arg_is(c, j, "auth") && more >= 2) {
            const struct resp_arg *user = &c->argv[j + 1];
            if (user->n != 7 || memcmp(user->p, "default", 7) != 0) {
                reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            j += 2;
        } else if (arg_is(c, j, "setname") && more >= 1) {
            const struct resp_arg *name = &c->argv[j + 1];
            for (size_t k = 0; k < name->n; k++) {
                if (name->p[k] < '!' || name->p[k] > '~') {
                    reply_error(c, "ERR Client names cannot contain spaces, newlines or special "
                                   "characters.");
                    return;
                }
            }
            j++;
        } else {
            reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'", (int)c->argv[j].n,
                         c->argv[j].p);
            return;
        }
    }
    reply_array(c, 14);
    reply_cstr(c, "server");
    reply_cstr(c, "kv");
    reply_cstr(c, "version");
    reply_cstr(c, "7.0.0");
    reply_cstr(c, "proto");
    reply_int(c, 2);
    reply_cstr(c, "id");
    reply_int(c, (long long)c->id);
    reply_cstr(c, "mode");
    reply_cstr(c, "standalone");
    reply_cstr(c, "role");
    reply_cstr(c, "master");
    reply_cstr(c, "modules");
    reply_array(c, 0);
}

/* "unknown subcommand 'x'. Try CMD HELP." with the command name in upper
 * case, as redis writes it. */
static void reply_unknown_subcommand(struct client *c)
{
    char cmd[16];
    size_t n = c->argv[0].n < sizeof(cmd) - 1 ? c->argv[0].n : sizeof(cmd) - 1;

    for (size_t i = 0; i < n; i++) {
        char ch = c->argv[0].p[i];
        cmd[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    cmd[n] = '\0';
    reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.",
                 c_len(c->argv[1].p, c->argv[1].n, 128), c->argv[1].p, cmd);
}

static const struct command commands[];

/* COMMAND [COUNT | DOCS ... | LIST]: enough for clients that ask (redis-cli
 * asks COMMAND DOCS for its hints; an empty answer is allowed). */
static void cmd_command(struct client *c)
{
    reply_array(c, 0);
}

static void cmd_command_count(struct client *c)
{
    reply_int(c, (long long)command_count());
}

static void cmd_command_docs(struct client *c)
{
    reply_array(c, 0);
}

static void cmd_command_list(struct client *c)
{
    if (c->argc != 2) {
        reply_error(c, ERR_SYNTAX); /* the FILTERBY forms are not supported */
        return;
    }
    reply_array(c, command_count());
    for (size_t i = 0; i < command_count(); i++)
        reply_cstr(c, commands[i].name);
}

/* CONFIG GET parameter-or-glob ...: the options kv was started with, by
 * their redis names, matched case-insensitively. As in redis, a name
 * without glob characters is looked up and answered with the name as the
 * client wrote it (CONFIG GET APPENDONLY -> APPENDONLY, no); a pattern
 * answers the canonical names it matches; a parameter is listed once. */
static void cmd_config_get(struct client *c)
{
    const struct kv_config *cfg = c->srv->cfg;
    char hz[16], maxclients[16], timeout[16], port[16];
    struct {
        const char *name, *value;
        const struct resp_arg *asked; /* the exact name given, if any */
        bool hit;
    } params[] = {
        {"appendonly", cfg->appendonly ? "yes" : "no", NULL, false},
        {"appendfsync", aof_fsync_name(cfg->appendfsync), NULL, false},
        {"save", "", NULL, false},
        {"dir", cfg->dir, NULL, false},
        {"bind", cfg->host, NULL, false},
        {"port", port, NULL, false},
        {"hz", hz, NULL, false},
        {"maxclients", maxclients, NULL, false},
        {"timeout", timeout, NULL, false},
    };
    size_t nparams = sizeof(params) / sizeof(params[0]), hits = 0;
    char pat[128];

    snprintf(hz, sizeof(hz), "%u", cfg->hz);
    snprintf(maxclients, sizeof(maxclients), "%u", c->srv->maxclients); /* as fitted */
    snprintf(timeout, sizeof(timeout), "%u", cfg->timeout);
    snprintf(port, sizeof(port), "%u", cfg->port);
    for (size_t j = 2; j < c->argc; j++) {
        const struct resp_arg *a = &c->argv[j];
        /* Redis reads the argument as a C string: up to a NUL. */
        size_t n = (size_t)c_len(a->p, a->n, sizeof(pat));
        bool glob = false;

        /* Every name is lower case: fold the pattern to match it. */
        for (size_t k = 0; k < n; k++) {
            char ch = a->p[k];
            pat[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
            glob = glob || ch == '*' || ch == '?' || ch == '[';
        }
        for (size_t i = 0; i < nparams; i++) {
            size_t len = strlen(params[i].name);
            if (params[i].hit)
                continue;
            if (glob ? db_glob_match(pat, n, params[i].name, len)
                     : n == len && memcmp(pat, params[i].name, n) == 0) {
                params[i].hit = true;
                params[i].asked = glob ? NULL : a;
                hits++;
            }
        }
    }
    reply_array(c, hits * 2);
    for (size_t i = 0; i < nparams; i++) {
        if (!params[i].hit)
            continue;
        if (params[i].asked != NULL)
            reply_bulk(c, params[i].asked->p, params[i].asked->n);
        else
            reply_cstr(c, params[i].name);
        reply_cstr(c, params[i].value);
    }
}

static const struct command command_subs[] = {
    {"command|count", 2, 0, cmd_command_count, NULL},
    {"command|docs", -2, 0, cmd_command_docs, NULL},
    {"command|list", -2, 0, cmd_command_list, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static const struct command config_subs[] = {
    {"config|get", -3, 0, cmd_config_get, NULL},
    {NULL, 0, 0, NULL, NULL},
};

static void cmd_dbsize(struct client *c)
{
    reply_int(c, (long long)db_size(db_of(c)));
}

static void cmd_flushdb(struct client *c)
{
    struct record r;

    if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "async") && !arg_is(c, 1, "sync"))) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    record_init(&r, 1);
    record_add_str(&r, "FLUSHDB");
    if (!log_record(c, &r))
        return;
    db_flush(db_of(c));
    reply_ok(c);
}

/* ---- strings ---- */

static void cmd_get(struct client *c)
{
    const struct db_entry *e = db_find(db_of(c), c->argv[1].p, c->argv[1].n, server_now_ms());

    if (e != NULL)
        reply_bulk(c, e->val, e->vlen);
    else
        reply_null(c);
}

#define SET_NX 0x01u
#define SET_XX 0x02u
#define SET_GET 0x04u
#define SET_KEEPTTL 0x08u
#define SET_EX 0x10u
#define SET_PX 0x20u
#define SET_EXAT 0x40u
#define SET_PXAT 0x80u
#define SET_TIMES (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

/* SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL],
 * with redis's rules: an option may repeat, two different time options or
 * NX with XX are a syntax error; the time must be > 0 and its deadline fit
 * in 64 bits; with GET the reply is the old value even when NX or XX
 * refuses the write. */
static void cmd_set(struct client *c)
{
    struct db *db = db_of(c);
    const struct resp_arg *key = &c->argv[1], *val = &c->argv[2], *when = NULL;
    unsigned f = 0;
    int64_t now = server_now_ms(), deadline = DB_NO_EXPIRE;
    const struct db_entry *e;
    struct db_put *put;
    long long t;

    for (size_t j = 3; j < c->argc; j++) {
        bool next = j + 1 < c->argc;
        if (arg_is(c, j, "nx") && !(f & SET_XX)) {
            f |= SET_NX;
        } else if (arg_is(c, j, "xx") && !(f & SET_NX)) {
            f |= SET_XX;
        } else if (arg_is(c, j, "get")) {
            f |= SET_GET;
        } else if (arg_is(c, j, "keepttl") && !(f & SET_TIMES)) {
            f |= SET_KEEPTTL;
        } else if (arg_is(c, j, "ex") && !(f & (SET_KEEPTTL | (SET_TIMES & ~SET_EX))) && next) {
            f |= SET_EX;
            when = &c->argv[++j];
        } else if (arg_is(c, j, "px") && !(f & (SET_KEEPTTL | (SET_TIMES & ~SET_PX))) && next) {
            f |= SET_PX;
            when = &c->argv[++j];
        } else if (arg_is(c, j, "exat") && !(f & (SET_KEEPTTL | (SET_TIMES & ~SET_EXAT))) &&
                   next) {
            f |= SET_EXAT;
            when = &c->argv[++j];
        } else if (arg_is(c, j, "pxat") && !(f & (SET_KEEPTTL | (SET_TIMES & ~SET_PXAT))) &&
                   next) {
            f |= SET_PXAT;
            when = &c->argv[++j];
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (when != NULL) {
        if (!resp_parse_ll(when->p, when->n, &t)) {
            reply_error(c, ERR_NOT_INT);
            return;
        }
        bool seconds = f & (SET_EX | SET_EXAT);
        bool relative = f & (SET_EX | SET_PX);
        if (t <= 0 || (seconds && t > LLONG_MAX / 1000)) {
            reply_error(c, "ERR invalid expire time in 'set' command");
            return;
        }
        if (seconds)
            t *= 1000;
        if (relative) {
            if (t > LLONG_MAX - now) {
                reply_error(c, "ERR invalid expire time in 'set' command");
                return;
            }
            t += now;
        }
        deadline = t;
    }

    e = db_find(db, key->p, key->n, now);
    if (((f & SET_NX) && e != NULL) || ((f & SET_XX) && e == NULL)) {
        if (f & SET_GET && e != NULL)
            reply_bulk(c, e->val, e->vlen);
        else
            reply_null(c);
        return;
    }
    if (f & SET_KEEPTTL)
        deadline = e != NULL ? e->expire_at : DB_NO_EXPIRE;

    /* Prepare: the new item and the room for the reply (the old value). */
    if (db_put_prepare(db, key->p, key->n, val->p, val->n, deadline >= 0, &put) < 0) {
        reply_error(c, ERR_OOM);
        return;
    }
    if ((f & SET_GET) && e != NULL && reply_reserve(c, bulk_reply_size(e->vlen)) < 0) {
        db_put_abort(put);
        reply_error(c, ERR_OOM);
        return;
    }
    /* Log. */
    if (!log_set(c, key, val->p, val->n, deadline)) {
        db_put_abort(put);
        return;
    }
    /* Commit: the reply first, while the old value still exists. */
    if (!(f & SET_GET))
        reply_ok(c);
    else if (e != NULL)
        reply_bulk(c, e->val, e->vlen);
    else
        reply_null(c);
    db_put_commit(db, put, deadline);
}

/* INCR, DECR, INCRBY, DECRBY: the value (missing: 0) must be a strict
 * integer, the result must fit; the key keeps its deadline. */
static void incr_by(struct client *c, long long by)
{
    struct db *db = db_of(c);
    const struct resp_arg *key = &c->argv[1];
    const struct db_entry *e = db_find(db, key->p, key->n, server_now_ms());
    long long v = 0;
    int64_t deadline = DB_NO_EXPIRE;
    struct db_put *put;
    char num[24];
    int n;

    if (e != NULL) {
        if (!resp_parse_ll(e->val, e->vlen, &v)) {
            reply_error(c, ERR_NOT_INT);
            return;
        }
        deadline = e->expire_at;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_error(c, "ERR increment or decrement would overflow");
        return;
    }
    v += by;
    n = snprintf(num, sizeof(num), "%lld", v);
    if (db_put_prepare(db, key->p, key->n, num, (size_t)n, deadline >= 0, &put) < 0) {
        reply_error(c, ERR_OOM);
        return;
    }
    if (!log_set(c, key, num, (size_t)n, deadline)) {
        db_put_abort(put);
        return;
    }
    reply_int(c, v); /* fits in the room made before the request */
    db_put_commit(db, put, deadline);
}

static void cmd_incr(struct client *c)
{
    incr_by(c, 1);
}

static void cmd_decr(struct client *c)
{
    incr_by(c, -1);
}

static void cmd_incrby(struct client *c)
{
    long long by;

    if (arg_ll(c, 2, &by))
        incr_by(c, by);
}

static void cmd_decrby(struct client *c)
{
    long long by;

    if (!arg_ll(c, 2, &by))
        return;
    if (by == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_by(c, -by);
}

static void cmd_mget(struct client *c)
{
    struct db *db = db_of(c);
    int64_t now = server_now_ms();

    /* Lazy expiry first: a lookup that deletes a key may invalidate an
     * entry found before it, so the values are read in a second pass, in
     * which nothing is due any more (same now). That pass follows db.h's
     * contract: an entry is valid until the next change to the db, and
     * these lookups change nothing, so each value is valid while its reply
     * is written. */
    for (size_t i = 1; i < c->argc; i++)
        db_find(db, c->argv[i].p, c->argv[i].n, now);
    reply_array(c, c->argc - 1);
    for (size_t i = 1; i < c->argc; i++) {
        const struct db_entry *e = db_find(db, c->argv[i].p, c->argv[i].n, now);
        if (e != NULL)
            reply_bulk(c, e->val, e->vlen);
        else
            reply_null(c);
    }
}

/* MSET k v [k v ...]: every key or none. All items are prepared first; the
 * whole command is one record. */
static void cmd_mset(struct client *c)
{
    struct db *db = db_of(c);
    size_t npairs = (c->argc - 1) / 2;
    struct db_put *one[REC_INLINE], **puts = one;
    struct record r;
    size_t i;

    if (c->argc % 2 == 0) {
        reply_error(c, "ERR wrong number of arguments for 'mset' command");
        return;
    }
    if (npairs > REC_INLINE && (puts = malloc(npairs * sizeof(*puts))) == NULL) {
        reply_error(c, ERR_OOM);
        return;
    }
    for (i = 0; i < npairs; i++) {
        const struct resp_arg *k = &c->argv[1 + 2 * i], *v = &c->argv[2 + 2 * i];
        if (db_put_prepare(db, k->p, k->n, v->p, v->n, false, &puts[i]) < 0)
            break;
    }
    if (i < npairs || record_init(&r, c->argc) < 0) {
        while (i > 0)
            db_put_abort(puts[--i]);
        if (puts != one)
            free(puts);
        reply_error(c, ERR_OOM);
        return;
    }
    record_add_str(&r, "MSET");
    for (size_t j = 1; j < c->argc; j++)
        record_add(&r, c->argv[j].p, c->argv[j].n);
    if (!log_record(c, &r)) {
        for (i = 0; i < npairs; i++)
            db_put_abort(puts[i]);
    } else {
        /* In order: a key named twice ends with its last value. */
        for (i = 0; i < npairs; i++)
            db_put_commit(db, puts[i], DB_NO_EXPIRE);
        reply_ok(c);
    }
    record_free(&r);
    if (puts != one)
        free(puts);
}

/* ---- keys ---- */

/* A key DEL found: its entry (to spot a key named twice) and the argument
 * that named it (entries die as keys are deleted, arguments do not). */
struct found_key {
    const struct db_entry *e;
    size_t arg;
};

static int cmp_found(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct found_key *)a)->e;
    uintptr_t y = (uintptr_t)((const struct found_key *)b)->e;

    return x < y ? -1 : x > y;
}

/* DEL key...: deletes the keys that exist (a key named twice counts once)
 * and logs them as one record. */
static void cmd_del(struct client *c)
{
    struct db *db = db_of(c);
    int64_t now = server_now_ms();
    size_t nkeys = c->argc - 1, found = 0;
    struct found_key one[REC_INLINE], *keys = one;
    struct record r;

    /* Lazy expiry first: a lookup that deletes an expired key may
     * invalidate an entry found before it; in the second pass, at the same
     * now, nothing is due, so it changes nothing and, by db.h's contract
     * (an entry is valid until the next change), every entry it finds stays
     * valid until the deletions below. */
    for (size_t i = 1; i < c->argc; i++)
        db_find(db, c->argv[i].p, c->argv[i].n, now);
    if (nkeys > REC_INLINE && (keys = malloc(nkeys * sizeof(*keys))) == NULL) {
        reply_error(c, ERR_OOM);
        return;
    }
    for (size_t i = 1; i < c->argc; i++) {
        const struct db_entry *e = db_find(db, c->argv[i].p, c->argv[i].n, now);
        if (e != NULL)
            keys[found++] = (struct found_key){e, i};
    }
    /* The same key found twice is the same entry. */
    if (found > 1) {
        size_t u = 1;
        qsort(keys, found, sizeof(*keys), cmp_found);
        for (size_t i = 1; i < found; i++)
            if (keys[i].e != keys[u - 1].e)
                keys[u++] = keys[i];
        found = u;
    }
    if (found == 0) {
        reply_int(c, 0);
    } else if (record_init(&r, found + 1) < 0) {
        reply_error(c, ERR_OOM);
    } else {
        record_add_str(&r, "DEL");
        for (size_t i = 0; i < found; i++)
            record_add(&r, c->argv[keys[i].arg].p, c->argv[keys[i].arg].n);
        if (log_record(c, &r)) {
            reply_int(c, (long long)found);
            for (size_t i = 0; i < found; i++)
                db_delete(db, c->argv[keys[i].arg].p, c->argv[keys[i].arg].n);
        }
        record_free(&r);
    }
    if (keys != one)
        free(keys);
}

static void cmd_exists(struct client *c)
{
    struct db *db = db_of(c);
    int64_t now = server_now_ms();
    long long n = 0;

    for (size_t i = 1; i < c->argc; i++)
        n += db_find(db, c->argv[i].p, c->argv[i].n, now) != NULL;
    reply_int(c, n);
}

#define EXP_NX 0x1u
#define EXP_XX 0x2u
#define EXP_GT 0x4u
#define EXP_LT 0x8u

/* EXPIRE / PEXPIRE key time [NX | XX | GT | LT]. A deadline already past
 * deletes the key (logged as DEL), as redis does. */
static void expire_generic(struct client *c, bool seconds)
{
    struct db *db = db_of(c);
    const struct resp_arg *key = &c->argv[1];
    int64_t now = server_now_ms();
    const struct db_entry *e;
    struct record r;
    unsigned f = 0;
    long long when;
    char ms[24];

    for (size_t j = 3; j < c->argc; j++) {
        if (arg_is(c, j, "nx"))
            f |= EXP_NX;
        else if (arg_is(c, j, "xx"))
            f |= EXP_XX;
        else if (arg_is(c, j, "gt"))
            f |= EXP_GT;
        else if (arg_is(c, j, "lt"))
            f |= EXP_LT;
        else {
            reply_errorf(c, "ERR Unsupported option %.*s", (int)c->argv[j].n, c->argv[j].p);
            return;
        }
    }
    if ((f & EXP_NX) && (f & (EXP_XX | EXP_GT | EXP_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((f & EXP_GT) && (f & EXP_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    if (!arg_ll(c, 2, &when))
        return;
    /* Negative times are allowed (the key goes at once); overflow is not. */
    if (seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            reply_errorf(c, "ERR invalid expire time in '%s' command", "expire");
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - now) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", seconds ? "expire" : "pexpire");
        return;
    }
    when += now;

    if (db_reserve_expires(db, 1) < 0) {
        reply_error(c, ERR_OOM);
        return;
    }
    e = db_find(db, key->p, key->n, now);
    if (e == NULL) {
        reply_int(c, 0);
        return;
    }
    int64_t cur = e->expire_at; /* DB_NO_EXPIRE (-1): never, as redis's -1 */
    if (((f & EXP_NX) && cur != DB_NO_EXPIRE) || ((f & EXP_XX) && cur == DB_NO_EXPIRE) ||
        ((f & EXP_GT) && (cur == DB_NO_EXPIRE || when <= cur)) ||
        ((f & EXP_LT) && cur != DB_NO_EXPIRE && when >= cur)) {
        reply_int(c, 0);
        return;
    }
    record_init(&r, 3);
    if (when <= now) {
        record_add_str(&r, "DEL");
        record_add(&r, key->p, key->n);
        if (!log_record(c, &r))
            return;
        reply_int(c, 1);
        db_delete(db, key->p, key->n);
        return;
    }
    record_add_str(&r, "PEXPIREAT");
    record_add(&r, key->p, key->n);
    record_add(&r, ms, (size_t)snprintf(ms, sizeof(ms), "%lld", when));
    if (!log_record(c, &r))
        return;
    reply_int(c, 1);
    db_set_expire(db, e, when);
}

static void cmd_expire(struct client *c)
{
    expire_generic(c, true);
}

static void cmd_pexpire(struct client *c)
{
    expire_generic(c, false);
}

/* TTL and PTTL: -2 no such key, -1 no deadline, else the time left (TTL
 * rounds to the nearest second, as redis). */
static void ttl_generic(struct client *c, bool ms)
{
    int64_t now = server_now_ms();
    const struct db_entry *e = db_find(db_of(c), c->argv[1].p, c->argv[1].n, now);
    int64_t left;

    if (e == NULL) {
        reply_int(c, -2);
        return;
    }
    if (e->expire_at == DB_NO_EXPIRE) {
        reply_int(c, -1);
        return;
    }
    left = e->expire_at - now;
    if (left < 0)
        left = 0;
    reply_int(c, ms ? left : (left + 500) / 1000);
}

static void cmd_ttl(struct client *c)
{
    ttl_generic(c, false);
}

static void cmd_pttl(struct client *c)
{
    ttl_generic(c, true);
}

static void cmd_persist(struct client *c)
{
    struct db *db = db_of(c);
    const struct resp_arg *key = &c->argv[1];
    const struct db_entry *e = db_find(db, key->p, key->n, server_now_ms());
    struct record r;

    if (e == NULL || e->expire_at == DB_NO_EXPIRE) {
        reply_int(c, 0);
        return;
    }
    record_init(&r, 2);
    record_add_str(&r, "PERSIST");
    record_add(&r, key->p, key->n);
    if (!log_record(c, &r))
        return;
    reply_int(c, 1);
    db_set_expire(db, e, DB_NO_EXPIRE);
}

/* Keys collected by KEYS and SCAN before the reply is written (its length
 * comes first). */
struct key_list {
    const struct resp_arg *match; /* NULL: every key */
    struct {
        const char *p;
        size_t n;
    } *v;
    size_t len, cap;
    bool nomem;
};

static void collect_key(const struct db_entry *e, void *ctx)
{
    struct key_list *kl = ctx;

    if (kl->nomem)
        return;
    if (kl->match != NULL && !db_glob_match(kl->match->p, kl->match->n, e->key, e->klen))
        return;
    if (kl->len == kl->cap) {
        size_t cap = kl->cap ? kl->cap * 2 : 16;
        void *v = realloc(kl->v, cap * sizeof(*kl->v));
        if (v == NULL) {
            kl->nomem = true;
            return;
        }
        kl->v = v;
        kl->cap = cap;
    }
    kl->v[kl->len].p = e->key;
    kl->v[kl->len].n = e->klen;
    kl->len++;
}

static void reply_keys(struct client *c, struct key_list *kl)
{
    if (kl->nomem) {
        reply_error(c, ERR_OOM);
    } else {
        reply_array(c, kl->len);
        for (size_t i = 0; i < kl->len; i++)
            reply_bulk(c, kl->v[i].p, kl->v[i].n);
    }
    free(kl->v);
}

static void cmd_keys(struct client *c)
{
    struct key_list kl = {0};
    const struct resp_arg *pat = &c->argv[1];

    /* "*" matches everything: skip the matcher. */
    kl.match = pat->n == 1 && pat->p[0] == '*' ? NULL : pat;
    db_each(db_of(c), server_now_ms(), collect_key, &kl);
    reply_keys(c, &kl);
}

/* Parses a SCAN cursor as redis does: strtoul() on the argument as a C
 * string (so it ends at a NUL byte), refusing a leading space, anything
 * left after the digits, and a value over 64 bits. Hence "" and "000..."
 * are cursor 0, a sign is accepted and "-1" wraps around to 2^64-1, while
 * "+" alone, " 1", "1 " and "0x10" are invalid. Returns true and the
 * cursor in *out. */
static bool parse_cursor(const char *s, size_t n, uint64_t *out)
{
    const char *z = memchr(s, '\0', n);
    uint64_t u = 0;
    bool neg = false;
    size_t i = 0;

    if (z != NULL)
        n = (size_t)(z - s);
    if (n == 0) {
        *out = 0; /* strtoul("") is 0 with nothing left over */
        return true;
    }
    if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        if (++i == n)
            return false; /* a sign without digits: strtoul reads nothing */
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (u > (UINT64_MAX - d) / 10)
            return false; /* ERANGE */
        u = u * 10 + d;
    }
    *out = neg ? 0 - u : u; /* strtoul negates in unsigned arithmetic */
    return true;
}

/* SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]. Every key is a
 * string: TYPE string filters nothing, any other type everything. */
static void cmd_scan(struct client *c)
{
    struct key_list kl = {0};
    const struct resp_arg *cur = &c->argv[1];
    char num[32];
    uint64_t cursor;
    long long count = 10;
    bool none = false;

    if (!parse_cursor(cur->p, cur->n, &cursor)) {
        reply_error(c, "ERR invalid cursor");
        return;
    }
    for (size_t j = 2; j < c->argc; j++) {
        bool next = j + 1 < c->argc;
        if (arg_is(c, j, "count") && next) {
            if (!arg_ll(c, j + 1, &count))
                return;
            if (count < 1) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
            j++;
        } else if (arg_is(c, j, "match") && next) {
            const struct resp_arg *pat = &c->argv[++j];
            kl.match = pat->n == 1 && pat->p[0] == '*' ? NULL : pat;
        } else if (arg_is(c, j, "type") && next) {
            none = !arg_is(c, ++j, "string");
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    cursor = db_scan(db_of(c), cursor, (size_t)count, server_now_ms(), collect_key, &kl);
    if (none)
        kl.len = 0;
    snprintf(num, sizeof(num), "%llu", (unsigned long long)cursor);
    if (!kl.nomem) {
        reply_array(c, 2);
        reply_cstr(c, num);
    }
    reply_keys(c, &kl);
}

/* ---- pub/sub ---- */

/* Bytes of a reply [kind, name, :count] (count at most 20 digits). */
static size_t sub_reply_size(const char *kind, size_t namelen)
{
    return 4 + bulk_reply_size(strlen(kind)) + bulk_reply_size(namelen) + 24;
}

static void reply_sub(struct client *c, const char *kind, const char *name, size_t n)
{
    reply_array(c, 3);
    reply_cstr(c, kind);
    if (name != NULL)
        reply_bulk(c, name, n);
    else
        reply_null(c);
    reply_int(c, (long long)pubsub_count(c));
}

/* SUBSCRIBE and PSUBSCRIBE: one confirmation per name. The room for every
 * confirmation is made first, so a subscription never goes unconfirmed; a
 * name that cannot be added for lack of memory gets an OOM error in its
 * place. */
static void subscribe_generic(struct client *c, int pattern)
{
    const char *kind = pattern ? "psubscribe" : "subscribe";
    size_t need = 0;

    for (size_t j = 1; j < c->argc; j++)
        need += sub_reply_size(kind, c->argv[j].n);
    if (reply_reserve(c, need) < 0) {
        reply_error(c, ERR_OOM);
        return;
    }
    for (size_t j = 1; j < c->argc; j++) {
        if (pubsub_subscribe(c->srv->pubsub, c, pattern, c->argv[j].p, c->argv[j].n) < 0)
            reply_error(c, ERR_OOM);
        else
            reply_sub(c, kind, c->argv[j].p, c->argv[j].n);
    }
}

/* UNSUBSCRIBE and PUNSUBSCRIBE: the names given, or every one (oldest
 * first); with nothing to leave, one reply with a nil name. The room for
 * every reply is made first, so no subscription is left unconfirmed. */
static void unsubscribe_generic(struct client *c, int pattern)
{
    struct pubsub *ps = c->srv->pubsub;
    const char *kind = pattern ? "punsubscribe" : "unsubscribe";
    size_t count = pattern ? c->ps.npatterns : c->ps.nchannels;
    size_t need = 0;
    const char *name;
    size_t n;

    if (c->argc > 1) {
        for (size_t j = 1; j < c->argc; j++)
            need += sub_reply_size(kind, c->argv[j].n);
    } else {
        /* A name's length takes at most 20 digits in its bulk header. */
        need = count * (sub_reply_size(kind, 0) + 20) + pubsub_name_bytes(c, pattern);
    }
    if (reply_reserve(c, need) < 0) {
        reply_error(c, ERR_OOM);
        return;
    }
    if (c->argc > 1) {
        for (size_t j = 1; j < c->argc; j++) {
            pubsub_unsubscribe(ps, c, pattern, c->argv[j].p, c->argv[j].n);
            reply_sub(c, kind, c->argv[j].p, c->argv[j].n);
        }
        return;
    }
    if (count == 0) {
        reply_sub(c, kind, NULL, 0);
        return;
    }
    while (pubsub_oldest(c, pattern, &name, &n)) {
        /* Written while the name still exists, with the count after
         * leaving. */
        reply_array(c, 3);
        reply_cstr(c, kind);
        reply_bulk(c, name, n);
        reply_int(c, (long long)pubsub_count(c) - 1);
        pubsub_unsubscribe(ps, c, pattern, name, n);
    }
}

static void cmd_subscribe(struct client *c)
{
    subscribe_generic(c, 0);
}

static void cmd_psubscribe(struct client *c)
{
    subscribe_generic(c, 1);
}

static void cmd_unsubscribe(struct client *c)
{
    unsubscribe_generic(c, 0);
}

static void cmd_punsubscribe(struct client *c)
{
    unsubscribe_generic(c, 1);
}

static void cmd_publish(struct client *c)
{
    size_t n = pubsub_publish(c->srv->pubsub, c->argv[1].p, c->argv[1].n, c->argv[2].p,
                              c->argv[2].n, c->srv->cfg->pubsub_limit);

    reply_int(c, (long long)n);
}

/* RESET: back to a fresh connection's state (here: no subscriptions). */
static void cmd_reset(struct client *c)
{
    pubsub_drop(c->srv->pubsub, c);
    reply_simple(c, "RESET");
}

/* ---- the table ---- */

/* Sorted by name: looked up by binary search. */
static const struct command commands[] = {
    {"command", -1, 0, cmd_command, command_subs},
    {"config", -2, 0, NULL, config_subs}, /* arity: a subcommand is required */
    {"dbsize", 1, 0, cmd_dbsize, NULL},
    {"decr", 2, CMD_WRITE, cmd_decr, NULL},
    {"decrby", 3, CMD_WRITE, cmd_decrby, NULL},
    {"del", -2, CMD_WRITE, cmd_del, NULL},
    {"echo", 2, 0, cmd_echo, NULL},
    {"exists", -2, 0, cmd_exists, NULL},
    {"expire", -3, CMD_WRITE, cmd_expire, NULL},
    {"flushdb", -1, CMD_WRITE, cmd_flushdb, NULL},
    {"get", 2, 0, cmd_get, NULL},
    {"hello", -1, 0, cmd_hello, NULL},
    {"incr", 2, CMD_WRITE, cmd_incr, NULL},
    {"incrby", 3, CMD_WRITE, cmd_incrby, NULL},
    {"keys", 2, 0, cmd_keys, NULL},
    {"mget", -2, 0, cmd_mget, NULL},
    {"mset", -3, CMD_WRITE, cmd_mset, NULL},
    {"persist", 2, CMD_WRITE, cmd_persist, NULL},
    {"pexpire", -3, CMD_WRITE, cmd_pexpire, NULL},
    {"ping", -1, CMD_PUBSUB, cmd_ping, NULL},
    {"psubscribe", -2, CMD_PUBSUB, cmd_psubscribe, NULL},
    {"pttl", 2, 0, cmd_pttl, NULL},
    {"publish", 3, 0, cmd_publish, NULL},
    {"punsubscribe", -1, CMD_PUBSUB, cmd_punsubscribe, NULL},
    {"quit", -1, CMD_PUBSUB, cmd_quit, NULL},
    {"reset", 1, CMD_PUBSUB, cmd_reset, NULL},
    {"scan", -2, 0, cmd_scan, NULL},
    {"select", 2, 0, cmd_select, NULL},
    {"set", -3, CMD_WRITE, cmd_set, NULL},
    {"subscribe", -2, CMD_PUBSUB, cmd_subscribe, NULL},
    {"ttl", 2, 0, cmd_ttl, NULL},
    {"unsubscribe", -1, CMD_PUBSUB, cmd_unsubscribe, NULL},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

size_t command_count(void)
{
    return NCOMMANDS;
}

static int cmp_command(const void *key, const void *elem)
{
    return strcmp(key, ((const struct command *)elem)->name);
}

/* The command named name[0..n), case-insensitively, or NULL. */
static const struct command *lookup(const char *name, size_t n)
{
    char lower[16];

    if (n == 0 || n >= sizeof(lower))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        lower[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    lower[n] = '\0';
    if (strlen(lower) != n)
        return NULL; /* a NUL inside the name */
    return bsearch(lower, commands, NCOMMANDS, sizeof(commands[0]), cmp_command);
}

/* "-ERR unknown command 'NAME', with args beginning with: 'a' 'b' ", the
 * arguments quoted until 128 bytes of them are shown, as redis does. */
static void reply_unknown_command(struct client *c)
{
    char args[160];
    size_t len = 0;

    args[0] = '\0';
    for (size_t i = 1; i < c->argc && len < 128; i++) {
        int w = c_len(c->argv[i].p, c->argv[i].n, 128 - len);
        len += (size_t)snprintf(args + len, sizeof(args) - len, "'%.*s' ", w, c->argv[i].p);
    }
    reply_errorf(c, "ERR unknown command '%.*s', with args beginning with: %s",
                 c_len(c->argv[0].p, c->argv[0].n, 128), c->argv[0].p, args);
}

void command_run(struct client *c)
{
    const struct command *cmd = lookup(c->argv[0].p, c->argv[0].n);
    struct aof *aof = c->srv->aof;
    int err;

    if (cmd == NULL) {
        reply_unknown_command(c);
        return;
    }
    if (cmd->subs != NULL && c->argc >= 2) {
        const struct command *sub = cmd->subs;
        size_t prefix = strlen(cmd->name) + 1; /* "config|" */
        while (sub->name != NULL && !arg_is(c, 1, sub->name + prefix))
            sub++;
        if (sub->name == NULL) {
            reply_unknown_subcommand(c);
            return;
        }
        cmd = sub;
    }
    if ((cmd->arity > 0 && c->argc != (size_t)cmd->arity) ||
        (cmd->arity < 0 && c->argc < (size_t)-cmd->arity)) {
        reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd->name);
        return;
    }
    /* After a failed AOF write (everysec, no) changes are refused until
     * the file takes them again; under always each change tries itself. */
    if ((cmd->flags & CMD_WRITE) && aof != NULL &&
        c->srv->cfg->appendfsync != AOF_FSYNC_ALWAYS && (err = aof_error(aof)) != 0) {
        reply_misconf(c, err);
        return;
    }
    if (pubsub_count(c) > 0 && !(cmd->flags & CMD_PUBSUB)) {
        reply_errorf(c,
                     "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                     "QUIT / RESET are allowed in this context",
                     cmd->name);
        return;
    }
    cmd->proc(c);
}

/* ---- replaying the AOF ---- */

static bool rec_is(const struct resp_arg *a, const char *word)
{
    size_t n = strlen(word);

    return a->n == n && strncasecmp(a->p, word, n) == 0;
}

/* Sets key = val with the given deadline while loading. */
static int apply_set(struct db *db, const struct resp_arg *k, const struct resp_arg *v,
                     int64_t deadline)
{
    struct db_put *put;

    if (db_put_prepare(db, k->p, k->n, v->p, v->n, deadline >= 0, &put) < 0)
        return -ENOMEM;
    db_put_commit(db, put, deadline);
    return 0;
}

/* While loading, time stands still: nothing expires during the replay
 * (a record was logged when its key existed; a deadline that passed since
 * is dealt with after the load, by lazy and active expiry). */
#define LOAD_NOW INT64_MIN

int command_apply(void *ctx, size_t argc, const struct resp_arg *argv)
{
    struct server *s = ctx;
    struct db *db = s->db;
    long long ms;

    if (argc >= 3 && rec_is(&argv[0], "set")) {
        int64_t deadline = DB_NO_EXPIRE;
        if (argc == 4 && rec_is(&argv[3], "keepttl"))
            deadline = DB_KEEP_TTL;
        else if (argc == 5 && rec_is(&argv[3], "pxat") && resp_parse_ll(argv[4].p, argv[4].n, &ms) &&
                 ms >= 0)
            deadline = ms;
        else if (argc != 3)
            goto bad;
        return apply_set(db, &argv[1], &argv[2], deadline);
    }
    if (argc >= 3 && argc % 2 == 1 && rec_is(&argv[0], "mset")) {
        for (size_t i = 1; i < argc; i += 2) {
            int rc = apply_set(db, &argv[i], &argv[i + 1], DB_NO_EXPIRE);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (argc >= 2 && rec_is(&argv[0], "del")) {
        for (size_t i = 1; i < argc; i++)
            db_delete(db, argv[i].p, argv[i].n);
        return 0;
    }
    if (argc == 3 && rec_is(&argv[0], "pexpireat") && resp_parse_ll(argv[2].p, argv[2].n, &ms) &&
        ms >= 0) {
        /* Reserving first changes no key, so the entry found after it
         * stays valid for db_set_expire. */
        if (db_reserve_expires(db, 1) < 0)
            return -ENOMEM;
        const struct db_entry *e = db_find(db, argv[1].p, argv[1].n, LOAD_NOW);
        if (e != NULL)
            db_set_expire(db, e, ms);
        return 0;
    }
    if (argc == 2 && rec_is(&argv[0], "persist")) {
        const struct db_entry *e = db_find(db, argv[1].p, argv[1].n, LOAD_NOW);
        if (e != NULL)
            db_set_expire(db, e, DB_NO_EXPIRE);
        return 0;
    }
    if (argc == 1 && rec_is(&argv[0], "flushdb")) {
        db_flush(db);
        return 0;
    }
bad:
    log_error("append-only file: unknown record '%.*s' with %zu arguments",
              c_len(argv[0].p, argv[0].n, 32), argv[0].p, argc);
    return -EBADMSG;
}
