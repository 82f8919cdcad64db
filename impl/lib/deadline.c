/* Deadline lists. See deadline.h. */
#include "deadline.h"

void dl_remove(struct dl_node *n)
{
    struct dl_list *l = n->list;

    if (l == NULL)
        return;
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        l->head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        l->tail = n->prev;
    n->prev = n->next = NULL;
    n->list = NULL;
}

void dl_set(struct dl_list *l, struct dl_node *n, uint64_t now, bool restart)
{
    if (n->list == l && !restart)
        return;
    dl_remove(n);
    n->list = l;
    n->since = now;
    n->prev = l->tail;
    n->next = NULL;
    if (l->tail != NULL)
        l->tail->next = n;
    else
        l->head = n;
    l->tail = n;
}

struct dl_node *dl_expired(const struct dl_list *l, uint64_t now, uint64_t timeout_ms)
{
    struct dl_node *n = l->head;

    return n != NULL && now - n->since >= timeout_ms ? n : NULL;
}
