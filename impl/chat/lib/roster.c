#include "roster.h"

#include <string.h>

void roster_init(struct roster *r)
{
    r->head = NULL;
    r->count = 0;
}

void roster_set_nick(struct roster_entry *e, const char *nick, size_t len)
{
    if (len > PROTO_NICK_MAX)
        len = PROTO_NICK_MAX;
    memcpy(e->nick, nick, len);
    e->nick[len] = '\0';
    e->len = len;
}

struct roster_entry *roster_find(const struct roster *r, const char *nick, size_t len,
                                 const struct roster_entry *skip)
{
    for (struct roster_entry *e = r->head; e != NULL; e = e->next)
        if (e != skip && proto_nick_same(e->nick, e->len, nick, len))
            return e;
    return NULL;
}

void roster_insert(struct roster *r, struct roster_entry *e)
{
    struct roster_entry *prev = NULL, *cur = r->head;

    while (cur != NULL && proto_nick_order(cur->nick, cur->len, e->nick, e->len) < 0) {
        prev = cur;
        cur = cur->next;
    }
    e->prev = prev;
    e->next = cur;
    if (prev != NULL)
        prev->next = e;
    else
        r->head = e;
    if (cur != NULL)
        cur->prev = e;
    r->count++;
}

void roster_remove(struct roster *r, struct roster_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        r->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
    r->count--;
}

size_t roster_who_len(const struct roster *r)
{
    size_t n = strlen("WHO") + 1;

    for (const struct roster_entry *e = r->head; e != NULL; e = e->next)
        n += 1 + e->len;
    return n;
}

void roster_who_write(const struct roster *r, char *out)
{
    memcpy(out, "WHO", 3);
    out += 3;
    for (const struct roster_entry *e = r->head; e != NULL; e = e->next) {
        *out++ = ' ';
        memcpy(out, e->nick, e->len);
        out += e->len;
    }
    *out = '\n';
}
