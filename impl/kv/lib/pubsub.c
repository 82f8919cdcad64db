/* Publish/subscribe registry: see pubsub.h. */
#include "pubsub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dict.h"
#include "server.h"

/* A channel or a pattern with at least one subscriber. Its name is stored
 * after the struct, in the same allocation. */
struct topic {
    struct dict_node node; /* key: the name */
    int pattern;
    struct pubsub_sub *head, *tail; /* subscribers, oldest first */
    size_t nsubs;
    struct topic *prev, *next; /* patterns only: every pattern, oldest first */
    char name[];
};

/* One client's subscription to one topic, in two lists at once. */
struct pubsub_sub {
    struct topic *topic;
    struct client *client;
    struct pubsub_sub *tprev, *tnext; /* the topic's subscribers */
    struct pubsub_sub *cprev, *cnext; /* the client's subscriptions */
};

struct pubsub {
    struct dict channels;
    struct dict patterns;
    struct topic *pat_head, *pat_tail; /* delivery order of patterns */
};

int pubsub_create(struct pubsub **out, const uint8_t seed[16])
{
    struct pubsub *ps = calloc(1, sizeof(*ps));

    if (ps == NULL)
        return -ENOMEM;
    if (dict_init(&ps->channels, seed) < 0) {
        free(ps);
        return -ENOMEM;
    }
    if (dict_init(&ps->patterns, seed) < 0) {
        dict_free(&ps->channels, NULL, NULL);
        free(ps);
        return -ENOMEM;
    }
    *out = ps;
    return 0;
}

void pubsub_destroy(struct pubsub *ps)
{
    if (ps == NULL)
        return;
    /* Every client was dropped, so every topic was freed with its last
     * subscriber: the tables hold nothing. */
    dict_free(&ps->channels, NULL, NULL);
    dict_free(&ps->patterns, NULL, NULL);
    free(ps);
}

static struct topic *topic_of(struct dict_node *n)
{
    return (struct topic *)((char *)n - offsetof(struct topic, node));
}

static struct dict *table_of(struct pubsub *ps, int pattern)
{
    return pattern ? &ps->patterns : &ps->channels;
}

static struct topic *topic_find(struct pubsub *ps, int pattern, const char *name, size_t n)
{
    struct dict_node *d = dict_find(table_of(ps, pattern), name, n);

    return d != NULL ? topic_of(d) : NULL;
}

/* The subscription of c to t, or NULL. Walks the shorter of the two lists
 * that would hold it: a client with one channel among thousands of
 * subscribers, or with thousands of channels of one subscriber each, is
 * checked in one step. */
static struct pubsub_sub *sub_find(const struct client *c, const struct topic *t)
{
    const struct pubsub_client *pc = &c->ps;
    size_t mine = t->pattern ? pc->npatterns : pc->nchannels;

    if (t->nsubs <= mine) {
        for (struct pubsub_sub *s = t->head; s != NULL; s = s->tnext)
            if (s->client == c)
                return s;
    } else {
        for (struct pubsub_sub *s = t->pattern ? pc->pat_head : pc->chan_head; s != NULL;
             s = s->cnext)
            if (s->topic == t)
                return s;
    }
    return NULL;
}

int pubsub_subscribe(struct pubsub *ps, struct client *c, int pattern, const char *name,
                     size_t n)
{
    struct topic *t = topic_find(ps, pattern, name, n);
    struct pubsub_client *pc = &c->ps;
    struct pubsub_sub *s;

    if (t != NULL && sub_find(c, t) != NULL)
        return 0;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    if (t == NULL) {
        t = calloc(1, sizeof(*t) + (n ? n : 1));
        if (t == NULL) {
            free(s);
            return -ENOMEM;
        }
        if (n > 0)
            memcpy(t->name, name, n);
        t->pattern = pattern;
        t->node.key = t->name;
        t->node.klen = n;
        dict_insert(table_of(ps, pattern), &t->node); /* cannot fail */
        if (pattern) {
            t->prev = ps->pat_tail;
            if (ps->pat_tail != NULL)
                ps->pat_tail->next = t;
            else
                ps->pat_head = t;
            ps->pat_tail = t;
        }
    }
    s->topic = t;
    s->client = c;
    /* Last in the topic's list: delivery follows subscription order. */
    s->tprev = t->tail;
    if (t->tail != NULL)
        t->tail->tnext = s;
    else
        t->head = s;
    t->tail = s;
    t->nsubs++;
    /* Last in the client's list. */
    struct pubsub_sub **head = pattern ? &pc->pat_head : &pc->chan_head;
    struct pubsub_sub **tail = pattern ? &pc->pat_tail : &pc->chan_tail;
    s->cprev = *tail;
    if (*tail != NULL)
        (*tail)->cnext = s;
    else
        *head = s;
    *tail = s;
    if (pattern)
        pc->npatterns++;
    else
        pc->nchannels++;
    return 1;
}

/* Unlinks s from both lists and frees it, and its topic if that was the
 * last subscriber. */
static void sub_remove(struct pubsub *ps, struct pubsub_sub *s)
{
    struct topic *t = s->topic;
    struct pubsub_client *pc = &s->client->ps;

    if (s->tprev != NULL)
        s->tprev->tnext = s->tnext;
    else
        t->head = s->tnext;
    if (s->tnext != NULL)
        s->tnext->tprev = s->tprev;
    else
        t->tail = s->tprev;
    t->nsubs--;

    struct pubsub_sub **head = t->pattern ? &pc->pat_head : &pc->chan_head;
    struct pubsub_sub **tail = t->pattern ? &pc->pat_tail : &pc->chan_tail;
    if (s->cprev != NULL)
        s->cprev->cnext = s->cnext;
    else
        *head = s->cnext;
    if (s->cnext != NULL)
        s->cnext->cprev = s->cprev;
    else
        *tail = s->cprev;
    if (t->pattern)
        pc->npatterns--;
    else
        pc->nchannels--;
    free(s);

    if (t->nsubs > 0)
        return;
    dict_remove(table_of(ps, t->pattern), t->name, t->node.klen);
    if (t->pattern) {
        if (t->prev != NULL)
            t->prev->next = t->next;
        else
            ps->pat_head = t->next;
        if (t->next != NULL)
            t->next->prev = t->prev;
        else
            ps->pat_tail = t->prev;
    }
    free(t);
}

int pubsub_unsubscribe(struct pubsub *ps, struct client *c, int pattern, const char *name,
                       size_t n)
{
    struct topic *t = topic_find(ps, pattern, name, n);
    struct pubsub_sub *s = t != NULL ? sub_find(c, t) : NULL;

    if (s == NULL)
        return 0;
    sub_remove(ps, s);
    return 1;
}

int pubsub_oldest(const struct client *c, int pattern, const char **name, size_t *n)
{
    const struct pubsub_sub *s = pattern ? c->ps.pat_head : c->ps.chan_head;

    if (s == NULL)
        return 0;
    *name = s->topic->name;
    *n = s->topic->node.klen;
    return 1;
}

size_t pubsub_name_bytes(const struct client *c, int pattern)
{
    size_t n = 0;

    for (const struct pubsub_sub *s = pattern ? c->ps.pat_head : c->ps.chan_head; s != NULL;
         s = s->cnext)
        n += s->topic->node.klen;
    return n;
}

size_t pubsub_count(const struct client *c)
{
    return c->ps.nchannels + c->ps.npatterns;
}

/* Decimal digits of v. */
static size_t digits(size_t v)
{
    size_t d = 1;

    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Bytes of the bulk string "$<n>\r\n<n bytes>\r\n". */
static size_t bulk_size(size_t n)
{
    return 1 + digits(n) + 2 + n + 2;
}

/* Writes that bulk string at p (bulk_size(n) bytes) and returns its end. */
static char *put_bulk(char *p, const char *s, size_t n)
{
    char head[32];
    int h = snprintf(head, sizeof(head), "$%zu\r\n", n);

    memcpy(p, head, (size_t)h);
    p += h;
    if (n > 0)
        memcpy(p, s, n);
    memcpy(p + n, "\r\n", 2);
    return p + n + 2;
}

/* Queues one message for c: [message, ch, msg], or [pmessage, pat, ch,
 * msg] when pat is not NULL. Returns 1 if it was queued, 0 if c is (now)
 * marked to be closed instead: over the limit, or out of memory (a
 * subscriber that silently misses a message would be worse than one that
 * is disconnected), or is going anyway. */
static int deliver(struct client *c, const struct topic *pat, const char *ch, size_t chlen,
                   const char *msg, size_t mlen, size_t limit)
{
    size_t size = pat != NULL ? 4 + bulk_size(8) + bulk_size(pat->node.klen) : 4 + bulk_size(7);
    char *tail, *p;
    size_t avail;

    /* A subscriber that is going (marked, or closing after QUIT) would
     * never read it: not delivered, not counted. */
    if (c->flags & (CLIENT_DEAD | CLIENT_CLOSE_AFTER_REPLY | CLIENT_LINGER))
        return 0;
    size += bulk_size(chlen) + bulk_size(mlen);
    if (limit > 0 && (size > limit || buf_len(&c->out) > limit - size)) {
        client_kill(c, "pubsub output over --pubsub-limit");
        return 0;
    }
    if (buf_reserve(&c->out, size, &tail, &avail) < 0) {
        client_kill(c, "out of memory for a published message");
        return 0;
    }
    if (pat != NULL) {
        p = put_bulk(tail + 4, "pmessage", 8);
        p = put_bulk(p, pat->name, pat->node.klen);
        memcpy(tail, "*4\r\n", 4);
    } else {
        p = put_bulk(tail + 4, "message", 7);
        memcpy(tail, "*3\r\n", 4);
    }
    p = put_bulk(p, ch, chlen);
    put_bulk(p, msg, mlen);
    buf_commit(&c->out, size);
    client_mark_dirty(c);
    return 1;
}

size_t pubsub_publish(struct pubsub *ps, const char *ch, size_t chlen, const char *msg,
                      size_t mlen, size_t limit)
{
    struct topic *t = topic_find(ps, 0, ch, chlen);
    size_t n = 0;

    /* Delivering never unlinks anything: a subscriber over its limit is
     * only marked, so walking the lists is safe. */
    if (t != NULL)
        for (struct pubsub_sub *s = t->head; s != NULL; s = s->tnext)
            n += (size_t)deliver(s->client, NULL, ch, chlen, msg, mlen, limit);
    for (struct topic *p = ps->pat_head; p != NULL; p = p->next) {
        if (!db_glob_match(p->name, p->node.klen, ch, chlen))
            continue;
        for (struct pubsub_sub *s = p->head; s != NULL; s = s->tnext)
            n += (size_t)deliver(s->client, p, ch, chlen, msg, mlen, limit);
    }
    return n;
}

void pubsub_drop(struct pubsub *ps, struct client *c)
{
    while (c->ps.chan_head != NULL)
        sub_remove(ps, c->ps.chan_head);
    while (c->ps.pat_head != NULL)
        sub_remove(ps, c->ps.pat_head);
}
