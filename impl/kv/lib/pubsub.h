#ifndef OSNET_KV_PUBSUB_H
#define OSNET_KV_PUBSUB_H
#include <stddef.h>
#include <stdint.h>

/* Publish/subscribe, as redis does it (redis.io/docs/manual/pubsub):
 * channels are exact names, patterns are globs (db_glob_match); PUBLISH
 * delivers to the channel's subscribers first, in the order they
 * subscribed, then to the subscribers of each matching pattern, in the
 * order the patterns were first subscribed; a client subscribed to both a
 * channel and a pattern that matches it gets the message twice.
 *
 * Each subscription is one node linked into two lists: the channel's (or
 * pattern's) subscribers and the client's subscriptions. Publishing walks
 * the first; unsubscribing from everything and disconnecting walk the
 * second, so they cost what the client subscribed to, not what the server
 * holds. Channels and patterns are found by name in two hash tables
 * (dict.h), and a channel nobody listens to any more is freed.
 *
 * Messages go straight into each subscriber's output buffer. A subscriber
 * whose pending output would pass the server's --pubsub-limit (it does not
 * read) is not given the message: it is marked to be closed, which the
 * server does after the current command, never while a publish is walking
 * the lists. */

struct client;
struct pubsub;
struct pubsub_sub;

/* A client's subscriptions (embedded in struct client), oldest first. */
struct pubsub_client {
    struct pubsub_sub *chan_head, *chan_tail;
    struct pubsub_sub *pat_head, *pat_tail;
    size_t nchannels, npatterns;
};

/* Creates an empty registry whose tables are keyed with seed. Returns 0
 * and stores it in *out, or -ENOMEM. */
int pubsub_create(struct pubsub **out, const uint8_t seed[16]);

/* Frees the registry. Every client must have been dropped first. NULL is
 * ignored. */
void pubsub_destroy(struct pubsub *ps);

/* Subscribes c to the channel (pattern == 0) or pattern (pattern == 1)
 * name[0..n). Returns 1 if it was added, 0 if c was already subscribed,
 * or -ENOMEM (nothing changed). */
int pubsub_subscribe(struct pubsub *ps, struct client *c, int pattern, const char *name,
                     size_t n);

/* Unsubscribes c from a channel or pattern. Returns 1 if it was
 * subscribed, else 0. */
int pubsub_unsubscribe(struct pubsub *ps, struct client *c, int pattern, const char *name,
                       size_t n);

/* The oldest channel (pattern == 0) or pattern of c: stores its name in
 * *name and *n and returns 1, or returns 0 if c has none. The name stays
 * valid until c unsubscribes from it. */
int pubsub_oldest(const struct client *c, int pattern, const char **name, size_t *n);

/* Total bytes of the names of c's channels (pattern == 0) or patterns. */
size_t pubsub_name_bytes(const struct client *c, int pattern);

/* Channels plus patterns c is subscribed to (the count SUBSCRIBE and
 * UNSUBSCRIBE replies show). */
size_t pubsub_count(const struct client *c);

/* Delivers msg[0..mlen) on channel ch[0..chlen) and returns how many
 * deliveries were made (the reply of PUBLISH). limit is the most bytes a
 * subscriber may have pending (0: no limit). */
size_t pubsub_publish(struct pubsub *ps, const char *ch, size_t chlen, const char *msg,
                      size_t mlen, size_t limit);

/* Unsubscribes c from everything (it is closing). */
void pubsub_drop(struct pubsub *ps, struct client *c);

#endif
