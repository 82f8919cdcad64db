/* BREAKS: GREEN-023 */
/* gchan_create allocates the channel, then its ring; when the second
 * allocation fails it returns -ENOMEM without freeing the first.
 */
#define BROKEN_GCHAN_CREATE
#include "common.h"

int gchan_create(struct gchan **out, size_t capacity)
{
    if (out == NULL || GCHAN_BAD_CAPACITY(capacity))
        return -EINVAL;
    struct gchan *ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->nslots = GCHAN_SLOTS(capacity);
    ch->slots = calloc(ch->nslots, sizeof(ch->slots[0]));
    if (ch->slots == NULL)
        return -ENOMEM; /* BUG: ch is leaked */
    ch->capacity = capacity;
    *out = ch;
    return 0;
}
