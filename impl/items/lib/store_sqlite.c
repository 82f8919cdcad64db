/* The SQLite store: a table of items in a WAL database, synchronous=FULL,
 * so a change is on disk (the WAL fsynced) before create/replace/remove
 * return 0. On Linux, SQLite (Debian's 3.40) writes with pwrite64 and
 * syncs with fdatasync: the WAL at each COMMIT, the database file at a
 * checkpoint, the directory when it creates a journal or WAL file.
 *
 * Threads. A connection opened with SQLITE_OPEN_NOMUTEX must be used by
 * one thread at a time, and WAL lets readers run beside a writer only
 * when they use different connections. So the store keeps a small pool:
 * a call takes an idle connection (opening a new one, up to SQL_POOL_MAX,
 * when none is idle), uses it, and gives it back. Each connection has its
 * own prepared statements.
 *
 * Writes. Every write is one explicit transaction (BEGIN IMMEDIATE ..
 * COMMIT), rolled back on any failure, so a failed write leaves nothing
 * half done. Writers of this process queue on write_mu rather than on
 * SQLite's lock: SQLite's busy handler waits by polling with sleeps, a
 * mutex hands over at once and in order. busy_timeout is then only for
 * another process holding the database.
 *
 * Failures. After an I/O error SQLite puts the connection's pager in an
 * error state and distrusts its page cache; once the transaction is
 * rolled back and the last statement reset, the pager drops the cache
 * and starts afresh from the file and the WAL index. So a connection
 * whose transaction ended is fine to use again, and once the fault goes
 * away the store works without a restart (tests/test_store.c injects
 * write errors to check it). The one connection that is not reused is
 * one still inside a transaction because even ROLLBACK failed: it is
 * closed, and the next call opens a fresh one. Closing connections on
 * every error would be worse: when the last one closes, a new one must
 * rebuild the shared-memory WAL index, which needs writes, so reads
 * would fail along with writes for as long as the fault lasts. A COMMIT
 * whose fsync failed needs one more step: see wal_scrub().
 *
 * Counting. max_items is checked inside the create transaction, and
 * count(*) reads the whole table, so the schema keeps the count in a
 * one-row table that triggers update: transactional, and O(1). */

#include "store.h"

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_POOL_MAX 16
#define SQL_BUSY_MS  5000

enum sql_stmt {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INSERT,
    ST_COUNT,
    ST_GET,
    ST_LIST,
    ST_UPDATE,
    ST_DELETE,
    ST_N
};

static const char *const sql_text[ST_N] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INSERT] = "INSERT INTO items (name, price, quantity, tags) VALUES (?1, ?2, ?3, ?4)",
    [ST_COUNT] = "SELECT n FROM items_count",
    [ST_GET] = "SELECT id, name, price, quantity, tags FROM items WHERE id = ?1",
    [ST_LIST] =
        "SELECT id, name, price, quantity, tags FROM items WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_UPDATE] = "UPDATE items SET name = ?2, price = ?3, quantity = ?4, tags = ?5 WHERE id = ?1",
    [ST_DELETE] = "DELETE FROM items WHERE id = ?1",
};

/* AUTOINCREMENT: ids are never reused, even the largest one after it was
 * deleted (plain INTEGER PRIMARY KEY would hand it out again). Tags are a
 * JSON array of strings. The name's UNIQUE compares bytes (BINARY). */
static const char sql_schema[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS items ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  name TEXT NOT NULL UNIQUE,"
    "  price REAL NOT NULL,"
    "  quantity INTEGER NOT NULL,"
    "  tags TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS items_count (n INTEGER NOT NULL);"
    "INSERT INTO items_count SELECT (SELECT count(*) FROM items)"
    "  WHERE NOT EXISTS (SELECT 1 FROM items_count);"
    "CREATE TRIGGER IF NOT EXISTS items_count_insert AFTER INSERT ON items"
    "  BEGIN UPDATE items_count SET n = n + 1; END;"
    "CREATE TRIGGER IF NOT EXISTS items_count_delete AFTER DELETE ON items"
    "  BEGIN UPDATE items_count SET n = n - 1; END;"
    "COMMIT;";

struct sql_conn {
    sqlite3 *db;
    sqlite3_stmt *st[ST_N];
    struct sql_conn *next; /* in the idle list */
};

struct sql_store {
    struct store base;
    char *path;
    uint64_t max_items;
    pthread_mutex_t write_mu; /* one write transaction at a time */
    int scrub_pending;        /* under write_mu: a wal_scrub() failed, retry it */
    pthread_mutex_t mu;       /* guards the pool: idle, nidle, nopen */
    pthread_cond_t cv;        /* a connection came back or a slot freed */
    struct sql_conn *idle;
    unsigned nidle, nopen; /* nopen counts idle ones and those in use */
};

static struct sql_store *sql_of(struct store *s)
{
    return (struct sql_store *)s;
}

/* One SQLite result code (extended codes are on) as a STORE_E* code. */
static int sql_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return STORE_OK;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_UNIQUE ? STORE_ECONFLICT : STORE_EIO;
    case SQLITE_FULL:
        return STORE_EFULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_EBUSY;
    case SQLITE_NOMEM:
        return STORE_ENOMEM;
    case SQLITE_IOERR:
        return rc == SQLITE_IOERR_NOMEM ? STORE_ENOMEM : STORE_EIO;
    default: /* SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_READONLY, ... */
        return STORE_EIO;
    }
}

static void set_err(char *err, size_t errlen, const char *path, sqlite3 *db, int rc)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", path, db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* Runs a statement that returns no rows to its end, then resets it and
 * clears its parameters: the texts are bound SQLITE_STATIC (no copy), so
 * a statement left bound would point at a caller's buffer after the call
 * returned and freed it. Every use binds every parameter again; cleared,
 * a use that forgot one would store NULL (refused: the columns are NOT
 * NULL) rather than read freed memory. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : sql_err(rc);
}

static void conn_close(struct sql_conn *c)
{
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(c->st[i]);
    /* Every statement is finalized, so this closes for real; the last
     * connection to the file checkpoints the WAL and deletes it. */
    sqlite3_close(c->db);
    free(c);
}

/* Opens a connection: WAL, synchronous=FULL (a per-connection setting),
 * busy timeout, the schema when schema is set, the statements. */
static int conn_open(const char *path, int schema, struct sql_conn **out, char *err, size_t errlen)
{
    struct sql_conn *c = calloc(1, sizeof(*c));
    sqlite3_stmt *st = NULL;
    int rc;

    if (c == NULL)
        return STORE_ENOMEM;
    rc = sqlite3_open_v2(path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                             SQLITE_OPEN_EXRESCODE,
                         NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, SQL_BUSY_MS);

    /* journal_mode answers the mode it ended in: a database that cannot
     * do WAL (a read-only directory, a VFS without shared memory) would
     * otherwise silently stay in rollback mode. */
    rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);

        if (mode == NULL || strcmp(mode, "wal") != 0) {
            if (err != NULL && errlen > 0)
                snprintf(err, errlen, "%s: cannot use WAL (journal_mode is %s)", path,
                         mode != NULL ? mode : "unknown");
            sqlite3_finalize(st);
            conn_close(c);
            return STORE_EIO;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        goto fail;
    rc = sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    if (rc == SQLITE_OK && schema) {
        rc = sqlite3_exec(c->db, sql_schema, NULL, NULL, NULL);
        if (rc != SQLITE_OK && !sqlite3_get_autocommit(c->db))
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    for (int i = 0; i < ST_N && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v3(c->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL);
    if (rc != SQLITE_OK)
        goto fail;
    *out = c;
    return STORE_OK;
fail:
    set_err(err, errlen, path, c->db, rc);
    rc = sql_err(rc);
    conn_close(c);
    return rc != STORE_OK ? rc : STORE_EIO;
}

/* Takes a connection for one call: an idle one, else a new one while
 * fewer than SQL_POOL_MAX are open, else waits for one to come back. */
static int pool_take(struct sql_store *s, struct sql_conn **out)
{
    struct sql_conn *c;

    pthread_mutex_lock(&s->mu);
    while (s->idle == NULL && s->nopen >= SQL_POOL_MAX)
        pthread_cond_wait(&s->cv, &s->mu);
    c = s->idle;
    if (c != NULL) {
        s->idle = c->next;
        s->nidle--;
        pthread_mutex_unlock(&s->mu);
        *out = c;
        return STORE_OK;
    }
    /* Hold the slot, and open outside the lock: opening does file I/O. */
    s->nopen++;
    pthread_mutex_unlock(&s->mu);
    int rc = conn_open(s->path, 0, &c, NULL, 0);
    if (rc == STORE_OK) {
        *out = c;
        return STORE_OK;
    }
    pthread_mutex_lock(&s->mu);
    s->nopen--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Gives c back after a call. One still inside a transaction (its
 * ROLLBACK failed too) is closed instead: see the top of the file. */
static void pool_give(struct sql_store *s, struct sql_conn *c)
{
    int drop = !sqlite3_get_autocommit(c->db);

    if (drop)
        conn_close(c);
    pthread_mutex_lock(&s->mu);
    if (drop) {
        s->nopen--;
    } else {
        c->next = s->idle;
        s->idle = c;
        s->nidle++;
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Called after a COMMIT failed with an I/O error, inside write_mu.
 *
 * When it was the fsync of the WAL that failed, every frame of the
 * transaction, its commit frame included, was already written to the
 * file: SQLite only left them out of the WAL index, so no connection sees
 * them. But the operating system keeps those bytes, and if the process is
 * killed now, the next start rebuilds the index from the file, finds a
 * complete transaction and brings back the change that was answered with
 * a 500. The next successful write would overwrite those frames; this
 * makes that happen now, with a transaction that changes a page and
 * changes it back (SQLite writes nothing for an UPDATE that leaves the
 * bytes as they were): its frame breaks the checksum chain the old frames
 * need.
 *
 * If only its own fsync fails, its frame was written all the same and has
 * done the job. If its write fails, the old frames are still whole, and a
 * kill -9 before the next successful write would bring the change back;
 * so the scrub stays pending (s->scrub_pending) and tx_begin() runs it
 * again at the start of the next write transaction, before that one
 * writes anything (a write that writes nothing, such as a DELETE of an
 * absent id, would not overwrite them). Until a scrub succeeds, no other
 * change is written. Returns 0 or the scrub's STORE_E* code. (Against a
 * power cut nothing helps: the failed fsync may or may not have put the
 * frames on disk, which is why a 500 promises nothing about the change.)
 * A rare path: sqlite3_exec, no prepared statements. */
static int wal_scrub(struct sql_store *s, struct sql_conn *c)
{
    int rc = sqlite3_exec(c->db,
                          "BEGIN IMMEDIATE;"
                          "UPDATE items_count SET n = n + 1;"
                          "UPDATE items_count SET n = n - 1;"
                          "COMMIT;",
                          NULL, NULL, NULL);

    if (rc != SQLITE_OK && !sqlite3_get_autocommit(c->db))
        run(c->st[ST_ROLLBACK]);
    /* An fsync that failed again is retried too: harmless, and simpler
     * than telling which step of the COMMIT failed. */
    s->scrub_pending = rc != SQLITE_OK;
    return sql_err(rc);
}

/* Starts a write: takes a connection (*c, NULL when none could be had),
 * waits for this process's other writers, finishes a pending scrub (see
 * wal_scrub()), and runs BEGIN IMMEDIATE. */
static int tx_begin(struct sql_store *s, struct sql_conn **c)
{
    int rc = pool_take(s, c);

    if (rc != STORE_OK) {
        *c = NULL;
        return rc;
    }
    pthread_mutex_lock(&s->write_mu);
    if (s->scrub_pending) {
        rc = wal_scrub(s, *c);
        if (rc != STORE_OK)
            return rc; /* this write fails: the fault is still there */
    }
    return run((*c)->st[ST_BEGIN]);
}

/* Ends a write begun by tx_begin: COMMIT when rc is STORE_OK, else (or
 * when COMMIT fails) ROLLBACK; then gives the connection back. Returns
 * the call's result. */
static int tx_end(struct sql_store *s, struct sql_conn *c, int rc)
{
    int commit_failed = 0;

    if (c == NULL)
        return rc;
    if (rc == STORE_OK) {
        rc = run(c->st[ST_COMMIT]);
        commit_failed = rc == STORE_EIO;
    }
    /* Some errors (SQLITE_FULL, IOERR, NOMEM) already rolled the whole
     * transaction back; ROLLBACK is for what is still open. A failed BEGIN
     * left none open. */
    if (rc != STORE_OK && !sqlite3_get_autocommit(c->db))
        run(c->st[ST_ROLLBACK]);
    if (commit_failed)
        wal_scrub(s, c);
    pthread_mutex_unlock(&s->write_mu);
    pool_give(s, c);
    return rc;
}

/* Runs an UPDATE or DELETE of one id: STORE_ENOTFOUND when no row has it
 * (a replace that changes nothing still counts its row). */
static int run_one_row(struct sql_conn *c, sqlite3_stmt *st)
{
    int rc = run(st);

    if (rc == STORE_OK && sqlite3_changes64(c->db) == 0)
        rc = STORE_ENOTFOUND;
    return rc;
}

/* The tags as a JSON array: any UTF-8 text round-trips, commas and
 * quotes included. Returns a malloc'd string or NULL (out of memory; or
 * a tag that is not UTF-8, which api.c never passes). */
static char *tags_encode(const struct item *it)
{
    json_t *a = json_array();
    char *text = NULL;
    unsigned ntags = it->ntags <= ITEM_TAGS_MAX ? it->ntags : ITEM_TAGS_MAX;

    if (a == NULL)
        return NULL;
    for (unsigned i = 0; i < ntags; i++)
        if (json_array_append_new(a, json_string(it->tags[i])) != 0)
            goto out;
    text = json_dumps(a, JSON_COMPACT);
out:
    json_decref(a);
    return text;
}

static int tags_decode(const char *text, size_t len, struct item *it)
{
    json_error_t jerr;
    json_t *a = json_loadb(text, len, 0, &jerr);
    int rc = STORE_EIO; /* not what tags_encode wrote: the file was changed */

    if (a == NULL)
        return json_error_code(&jerr) == json_error_out_of_memory ? STORE_ENOMEM : STORE_EIO;
    if (!json_is_array(a) || json_array_size(a) > ITEM_TAGS_MAX)
        goto out;
    it->ntags = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *t = json_array_get(a, i);

        if (!json_is_string(t) || json_string_length(t) >= ITEM_TAG_BYTES ||
            strlen(json_string_value(t)) != json_string_length(t))
            goto out;
        memcpy(it->tags[i], json_string_value(t), json_string_length(t) + 1);
        it->ntags++;
    }
    rc = STORE_OK;
out:
    json_decref(a);
    return rc;
}

/* Fills *it from the current row of a SELECT id, name, price, quantity, tags. */
static int row_read(sqlite3_stmt *st, struct item *it)
{
    const char *name = (const char *)sqlite3_column_text(st, 1);
    size_t name_len = (size_t)sqlite3_column_bytes(st, 1);
    const char *tags = (const char *)sqlite3_column_text(st, 4);
    size_t tags_len = (size_t)sqlite3_column_bytes(st, 4);

    /* The columns are NOT NULL: a NULL text means SQLite ran out of memory. */
    if (name == NULL || tags == NULL)
        return sql_err(sqlite3_errcode(sqlite3_db_handle(st)));
    if (name_len >= ITEM_NAME_BYTES)
        return STORE_EIO;
    it->id = sqlite3_column_int64(st, 0);
    memcpy(it->name, name, name_len);
    it->name[name_len] = '\0';
    it->price = sqlite3_column_double(st, 2);
    it->quantity = sqlite3_column_int64(st, 3);
    return tags_decode(tags, tags_len, it);
}

static int bind_item(sqlite3_stmt *st, int first, const struct item *it, const char *tags)
{
    int rc = sqlite3_bind_text(st, first, it->name, -1, SQLITE_STATIC);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(st, first + 1, it->price);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, first + 2, it->quantity);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, first + 3, tags, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK)
        sqlite3_clear_bindings(st); /* not run(): see run() */
    return sql_err(rc);
}

static int sql_count_on(struct sql_conn *c, uint64_t *n)
{
    sqlite3_stmt *st = c->st[ST_COUNT];
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(st, 0);

        *n = v > 0 ? (uint64_t)v : 0;
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_CORRUPT; /* the one row of items_count is gone */
    }
    sqlite3_reset(st);
    return sql_err(rc);
}

static int sql_create(struct store *st, struct item *it)
{
    struct sql_store *s = sql_of(st);
    struct sql_conn *c;
    char *tags = tags_encode(it);
    uint64_t n = 0;
    int64_t id = 0;

    if (tags == NULL)
        return STORE_ENOMEM;
    int rc = tx_begin(s, &c);
    if (rc == STORE_OK)
        rc = sql_count_on(c, &n);
    if (rc == STORE_OK && n >= s->max_items)
        rc = STORE_EFULL;
    if (rc == STORE_OK)
        rc = bind_item(c->st[ST_INSERT], 1, it, tags);
    if (rc == STORE_OK)
        rc = run(c->st[ST_INSERT]);
    if (rc == STORE_OK)
        id = sqlite3_last_insert_rowid(c->db);
    rc = tx_end(s, c, rc);
    if (rc == STORE_OK)
        it->id = id;
    free(tags);
    return rc;
}

static int sql_get(struct store *st, int64_t id, struct item *it)
{
    struct sql_store *s = sql_of(st);
    struct sql_conn *c;
    int rc = pool_take(s, &c);

    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = c->st[ST_GET];
    rc = sql_err(sqlite3_bind_int64(q, 1, id));
    if (rc == STORE_OK) {
        int src = sqlite3_step(q);

        if (src == SQLITE_ROW)
            rc = row_read(q, it);
        else
            rc = src == SQLITE_DONE ? STORE_ENOTFOUND : sql_err(src);
    }
    sqlite3_reset(q);
    pool_give(s, c);
    return rc;
}

static int sql_list(struct store *st, int64_t after, struct item *out, size_t max, size_t *n,
                    int *more)
{
    struct sql_store *s = sql_of(st);
    struct sql_conn *c;
    size_t got = 0;
    int rc = pool_take(s, &c);

    *n = 0;
    *more = 0;
    if (rc != STORE_OK)
        return rc;
    /* One row past the page says whether there is more: one statement,
     * so one consistent snapshot. */
    sqlite3_stmt *q = c->st[ST_LIST];
    sqlite3_int64 limit = max < (size_t)INT64_MAX ? (sqlite3_int64)max + 1 : INT64_MAX;
    rc = sql_err(sqlite3_bind_int64(q, 1, after));
    if (rc == STORE_OK)
        rc = sql_err(sqlite3_bind_int64(q, 2, limit));
    while (rc == STORE_OK) {
        int src = sqlite3_step(q);

        if (src != SQLITE_ROW) {
            rc = src == SQLITE_DONE ? STORE_OK : sql_err(src);
            break;
        }
        if (got == max) {
            *more = 1;
            break;
        }
        rc = row_read(q, &out[got]);
        if (rc == STORE_OK)
            got++;
    }
    sqlite3_reset(q);
    pool_give(s, c);
    if (rc != STORE_OK) {
        *more = 0;
        return rc;
    }
    *n = got;
    return STORE_OK;
}

static int sql_replace(struct store *st, const struct item *it)
{
    struct sql_store *s = sql_of(st);
    struct sql_conn *c;
    char *tags = tags_encode(it);

    if (tags == NULL)
        return STORE_ENOMEM;
    int rc = tx_begin(s, &c);
    if (rc == STORE_OK)
        rc = sql_err(sqlite3_bind_int64(c->st[ST_UPDATE], 1, it->id));
    if (rc == STORE_OK)
        rc = bind_item(c->st[ST_UPDATE], 2, it, tags);
    if (rc == STORE_OK)
        rc = run_one_row(c, c->st[ST_UPDATE]);
    rc = tx_end(s, c, rc);
    free(tags);
    return rc;
}

static int sql_remove(struct store *st, int64_t id)
{
    struct sql_store *s = sql_of(st);
    struct sql_conn *c;
    int rc = tx_begin(s, &c);

    if (rc == STORE_OK)
        rc = sql_err(sqlite3_bind_int64(c->st[ST_DELETE], 1, id));
    if (rc == STORE_OK)
        rc = run_one_row(c, c->st[ST_DELETE]);
    return tx_end(s, c, rc);
}

static int sql_count(struct store *st, uint64_t *n)
{
    struct sql_store *s = sql_of(st);
    struct sql_conn *c;
    int rc = pool_take(s, &c);

    if (rc != STORE_OK)
        return rc;
    rc = sql_count_on(c, n);
    pool_give(s, c);
    return rc;
}

/* A query that reads the database file (a bare SELECT 1 never does), on a
 * connection from the pool, which may have to be opened. */
static int sql_ping(struct store *st)
{
    uint64_t n;

    return sql_count(st, &n);
}

/* Waits for every call still running to give its connection back, then
 * closes them all. */
static void sql_close(struct store *st)
{
    struct sql_store *s = sql_of(st);

    pthread_mutex_lock(&s->mu);
    while (s->nidle < s->nopen)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    while (s->idle != NULL) {
        struct sql_conn *c = s->idle;

        s->idle = c->next;
        conn_close(c);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->write_mu);
    free(s->path);
    free(s);
}

static const struct store_ops sql_ops = {
    .create = sql_create,
    .get = sql_get,
    .list = sql_list,
    .replace = sql_replace,
    .remove = sql_remove,
    .count = sql_count,
    .ping = sql_ping,
    .close = sql_close,
};

int store_sqlite_open(const char *path, uint64_t max_items, struct store **out, char *err,
                      size_t errlen)
{
    struct sql_store *s = calloc(1, sizeof(*s));
    struct sql_conn *c;
    int rc = STORE_ENOMEM;
    int inited = 0;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (s == NULL)
        goto nomem;
    s->path = strdup(path);
    if (s->path == NULL)
        goto fail;
    if (pthread_mutex_init(&s->write_mu, NULL) != 0)
        goto fail;
    inited++;
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        goto fail;
    inited++;
    if (pthread_cond_init(&s->cv, NULL) != 0)
        goto fail;
    inited++;
    /* The first connection creates the schema; it stays in the pool. */
    rc = conn_open(s->path, 1, &c, err, errlen);
    if (rc != STORE_OK)
        goto fail;
    s->base.ops = &sql_ops;
    s->max_items = max_items;
    s->idle = c;
    s->nidle = s->nopen = 1;
    *out = &s->base;
    return STORE_OK;
fail:
    if (inited > 2)
        pthread_cond_destroy(&s->cv);
    if (inited > 1)
        pthread_mutex_destroy(&s->mu);
    if (inited > 0)
        pthread_mutex_destroy(&s->write_mu);
    free(s->path);
    free(s);
nomem:
    if (rc == STORE_ENOMEM && err != NULL && errlen > 0 && err[0] == '\0')
        snprintf(err, errlen, "%s: out of memory", path);
    return rc;
}
