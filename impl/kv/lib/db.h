#ifndef OSNET_KV_DB_H
#define OSNET_KV_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The keyspace of kv: binary-safe keys mapped to binary-safe string values,
 * each with an optional expiry deadline.
 *
 * Keys live in a hash table (dict.c) that grows and shrinks by incremental
 * rehashing, as redis's does, so no single command pays for moving a million
 * keys. Keys with a deadline are also in a min-heap ordered by deadline, so
 * active expiry finds the keys that are due without sampling.
 *
 * Expiry is lazy and active, as in redis:
 *   - lazy: db_find() called at time now deletes a key whose deadline is
 *     <= now and reports it missing, so no command ever sees an expired key;
 *   - active: db_expire_step(), called from a timer, deletes due keys that
 *     nobody looks up, a bounded number per call.
 * Times are Unix milliseconds (int64_t) given by the caller: the db never
 * reads a clock, which keeps it deterministic under test.
 *
 * Changes never fail halfway: everything a change needs is allocated by a
 * prepare step that changes nothing (and can fail with -ENOMEM); its commit
 * step cannot fail. The server logs a change to the append-only file between
 * the two, so a change that could not be logged is simply aborted. */

#define DB_NO_EXPIRE INT64_C(-1)

/* One key. Callers read the fields; only db functions change them. */
struct db_entry {
    const char *key; /* klen bytes, not NUL-terminated */
    size_t klen;
    const char *val; /* vlen bytes, not NUL-terminated */
    size_t vlen;
    int64_t expire_at; /* deadline (Unix ms) or DB_NO_EXPIRE */
};

struct db;

/* Creates an empty keyspace whose hash function is keyed with seed (random
 * per process, so clients cannot choose keys that all collide). Returns 0
 * and stores it in *out, or -ENOMEM. */
int db_create(struct db **out, const uint8_t seed[16]);

/* Frees the keyspace and every key in it. NULL is ignored. */
void db_destroy(struct db *db);

/* Number of keys held, including expired keys not yet reclaimed (redis's
 * DBSIZE counts the same way). */
size_t db_size(const struct db *db);

/* Number of keys with a deadline (expired or not). */
size_t db_expires(const struct db *db);

/* Looks up a key at time now. A key whose deadline is <= now is deleted
 * (lazy expiry) and NULL returned. The entry stays valid until the next
 * call that changes db. */
const struct db_entry *db_find(struct db *db, const char *key, size_t klen, int64_t now);

/* A prepared write of one key: allocated, not yet visible. */
struct db_put;

/* Prepares key = val (both copied). with_deadline says whether the commit
 * may give the key a deadline (expire_at >= 0): only then is a slot of the
 * expiry heap set aside, so a million-key MSET reserves nothing there.
 * Returns 0 and stores the prepared write in *out, or -ENOMEM; nothing in
 * db changes. */
int db_put_prepare(struct db *db, const char *key, size_t klen, const char *val,
                   size_t vlen, bool with_deadline, struct db_put **out);

/* Makes a prepared write visible, replacing any existing value of the key.
 * expire_at is the new deadline (only if prepared with_deadline),
 * DB_NO_EXPIRE for none, or DB_KEEP_TTL to keep the deadline the key had
 * (none if it did not exist; the new item takes the old one's place in
 * the heap). Cannot fail: any room the expiry heap needs was reserved by
 * db_put_prepare. */
#define DB_KEEP_TTL INT64_C(-2)
void db_put_commit(struct db *db, struct db_put *put, int64_t expire_at);

/* Frees a prepared write that will not be committed. NULL is ignored. */
void db_put_abort(struct db_put *put);

/* Deletes a key. Returns 1 if it existed, 0 if not. Cannot fail. Does not
 * look at deadlines: callers delete what db_find() showed them. */
int db_delete(struct db *db, const char *key, size_t klen);

/* Reserves room so that n deadlines can be set by db_set_expire without
 * allocating. Returns 0 or -ENOMEM. */
int db_reserve_expires(struct db *db, size_t n);

/* Sets (expire_at >= 0) or removes (DB_NO_EXPIRE) the deadline of an
 * existing key, as returned by db_find. Cannot fail once one deadline was
 * reserved with db_reserve_expires (removing one needs no room). */
void db_set_expire(struct db *db, const struct db_entry *e, int64_t expire_at);

/* Deletes every key. Cannot fail. */
void db_flush(struct db *db);

/* Active expiry: deletes up to max keys whose deadline is <= now, earliest
 * first. Returns how many it deleted; a return of max means more may be
 * due. */
size_t db_expire_step(struct db *db, int64_t now, size_t max);

/* Called by db_scan for each live key. */
typedef void db_scan_cb(const struct db_entry *e, void *ctx);

/* One step of a SCAN iteration: visits the keys of about count buckets of
 * the table, starting at cursor (0 starts an iteration), calling cb for each
 * key whose deadline is > now (expired keys are skipped, not deleted), and
 * returns the cursor of the next step, 0 when the iteration is complete.
 *
 * The cursor is redis's reverse-binary bucket index: a full iteration
 * visits every key that was present from its start to its end at least
 * once, even when the table grew, shrank or was rehashing in between; a key
 * may be visited more than once. */
uint64_t db_scan(struct db *db, uint64_t cursor, size_t count, int64_t now, db_scan_cb *cb,
                 void *ctx);

/* Calls cb for every key whose deadline is > now, in table order. cb must
 * not change db. */
void db_each(struct db *db, int64_t now, db_scan_cb *cb, void *ctx);

/* Redis's glob match (KEYS, SCAN MATCH, PSUBSCRIBE): '*' any run of bytes,
 * '?' one byte, '[abc]', '[^abc]', '[a-z]' classes, '\' quotes the next
 * byte; binary-safe. Returns 1 if str matches pattern, else 0. */
int db_glob_match(const char *pattern, size_t plen, const char *str, size_t slen);

#endif
