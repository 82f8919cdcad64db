#include "buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation is at least this big so small appends do not realloc
 * at every byte. */
#define BUF_MIN_CAP 1024

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->off = 0;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

const char *buf_peek(const struct buf *b)
{
    /* No arithmetic on NULL: an unused buffer has no storage yet. */
    return b->data != NULL ? b->data + b->off : NULL;
}

size_t buf_len(const struct buf *b)
{
    return b->len;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->off = 0;
        b->len = 0;
        return;
    }
    b->off += n;
    b->len -= n;
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len)
        b->len = len;
    if (b->len == 0)
        b->off = 0; /* empty: the whole storage is free again */
}

int buf_reserve(struct buf *b, size_t n, char **tail, size_t *avail)
{
    size_t want, cap;
    char *p;

    if (n > b->max - b->len)
        return -ENOBUFS;

    if (b->cap - b->off - b->len < n && b->off > 0) {
        /* Compaction: moving the live bytes is cheaper than growing. */
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
    }

    want = b->len + n;
    if (want > b->cap) {
        cap = b->cap > 0 ? b->cap : BUF_MIN_CAP;
        while (cap < want && cap <= b->max / 2)
            cap *= 2;
        if (cap < want || cap > b->max)
            cap = b->max;
        p = realloc(b->data, cap);
        if (p == NULL)
            return -ENOMEM;
        b->data = p;
        b->cap = cap;
    }

    *tail = b->data + b->off + b->len;
    *avail = b->cap - b->off - b->len;
    return 0;
}

void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    char *tail;
    size_t avail;
    int rc;

    if (n == 0)
        return 0;
    rc = buf_reserve(b, n, &tail, &avail);
    if (rc < 0)
        return rc;
    memcpy(tail, p, n);
    buf_commit(b, n);
    return 0;
}
