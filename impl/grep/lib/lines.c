#include "lines.h"

#include <errno.h>
#include <string.h>

void lines_init(struct lines *l, size_t max)
{
    buf_init(&l->b, max);
    l->scanned = 0;
    l->binary = false;
}

void lines_free(struct lines *l)
{
    buf_free(&l->b);
    l->scanned = 0;
    l->binary = false;
}

void lines_reset(struct lines *l)
{
    buf_consume(&l->b, buf_len(&l->b));
    l->scanned = 0;
    l->binary = false;
}

int lines_reserve(struct lines *l, char **tail, size_t *avail)
{
    int rc;

    /* One byte more than the caller may fill, so that lines_take_last can
     * always append its newline without growing the buffer. */
    rc = buf_reserve(&l->b, LINES_READ_MIN + 1, tail, avail);
    if (rc < 0)
        return rc;
    *avail -= 1;
    return 0;
}

void lines_commit(struct lines *l, size_t n)
{
    char *p = (char *)buf_peek(&l->b) + buf_len(&l->b);
    char *end = p + n;

    buf_commit(&l->b, n);
    if (!l->binary && memchr(p, '\0', n) != NULL)
        l->binary = true;
    if (l->binary) {
        while ((p = memchr(p, '\0', (size_t)(end - p))) != NULL)
            *p++ = '\n';
    }
}

size_t lines_take(struct lines *l, const char **block)
{
    const char *p = buf_peek(&l->b);
    size_t len = buf_len(&l->b);
    const char *nl;
    size_t n;

    if (len == l->scanned)
        return 0;
    /* Only the bytes committed since the last call can hold a newline. */
    nl = memrchr(p + l->scanned, '\n', len - l->scanned);
    if (nl == NULL) {
        l->scanned = len;
        return 0;
    }
    n = (size_t)(nl - p) + 1;
    *block = p;
    /* Consuming only moves an offset: the block's bytes stay where they
     * are until the next lines_reserve compacts the buffer. */
    buf_consume(&l->b, n);
    l->scanned = len - n;
    return n;
}

size_t lines_take_last(struct lines *l, const char **block)
{
    size_t len = buf_len(&l->b);
    char *tail;
    size_t avail;

    if (len == 0)
        return 0;
    /* Cannot fail: lines_reserve kept a spare byte after the last read. */
    if (buf_reserve(&l->b, 1, &tail, &avail) < 0)
        return 0;
    *tail = '\n';
    buf_commit(&l->b, 1);
    *block = buf_peek(&l->b);
    buf_consume(&l->b, len + 1);
    l->scanned = 0;
    return len + 1;
}
