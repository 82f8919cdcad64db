#ifndef OSNET_ITEMS_RATELIMIT_H
#define OSNET_ITEMS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Token buckets, one per client address.
 *
 * A bucket holds at most `burst` tokens, starts full and gains `rate`
 * tokens per second; each request takes one, and a request that finds
 * none is refused with the time until one is back. A full bucket says
 * nothing a missing one would not (a new client starts full too), so
 * buckets that have refilled are dropped: the table holds only clients
 * that have been busy lately, and a sweep at most once a second keeps it
 * that way. The table is bounded; past its bound the least recently used
 * bucket is reclaimed, so a flood of new addresses costs memory up to the
 * bound and no more.
 *
 * Time is an argument (now_ns, any monotonic nanosecond clock), never read
 * here, so tests drive it. Every function is thread-safe: one mutex guards
 * the table, held for a hash lookup and a few additions per request. */

/* Longest key kept (an IPv6 address with a zone fits); longer keys are
 * cut to this many bytes. */
#define RL_KEY_MAX 63

/* The bound the service uses. */
#define RL_MAX_CLIENTS 100000

/* A sweep runs at most this often from rl_take(). */
#define RL_SWEEP_NS 1000000000ull

struct ratelimit;

/* Creates a limiter: rate tokens per second, buckets of burst tokens (0:
 * rate, at least 1), at most max_clients buckets. rate 0 means no limit:
 * every request passes and no bucket is ever kept. Returns 0 and *out, or
 * -ENOMEM. */
int rl_open(unsigned rate, unsigned burst, size_t max_clients, struct ratelimit **out);

/* Frees the limiter. NULL is ignored. */
void rl_close(struct ratelimit *rl);

/* Takes one token from key's bucket (a NUL-terminated address) at time
 * now_ns. Returns 0 when the request may go on, else the seconds until the
 * bucket holds a token again, rounded up (at least 1): the Retry-After
 * value of the 429. Sweeps first when the last sweep is RL_SWEEP_NS old. */
unsigned rl_take(struct ratelimit *rl, const char *key, uint64_t now_ns);

/* Drops every bucket that is full at now_ns. Returns how many remain. */
size_t rl_sweep(struct ratelimit *rl, uint64_t now_ns);

/* Returns the number of buckets held now (no sweep). */
size_t rl_clients(struct ratelimit *rl);

/* SipHash-2-4 of data[0..n) under a 16-byte key: the table's hash,
 * keyed with random bytes so clients cannot aim at one slot. */
uint64_t rl_siphash(const uint8_t key[16], const void *data, size_t n);

#endif
