/* BREAKS: CHAN-003 */
/* chan_create allocates the channel, then its buffer; when the second
 * allocation fails it returns -ENOMEM without freeing the first.
 */
#define BROKEN_CHAN_CREATE
#include "common.h"

int chan_create(struct chan **out, size_t capacity)
{
    if (out == NULL || CHAN_BAD_CAPACITY(capacity))
        return -EINVAL;
    struct chan *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->nslots = capacity;
    ch->slots = calloc(ch->nslots, sizeof(ch->slots[0]));
    if (ch->slots == NULL)
        return -ENOMEM; /* BUG: ch is leaked */
    ch->capacity = capacity;
    pthread_mutex_init(&ch->lock, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    *out = ch;
    return 0;
}
