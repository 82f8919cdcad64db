#ifndef OSNET_BUF_H
#define OSNET_BUF_H

#include <stddef.h>

/* A bounded growable byte buffer: bytes are appended at the tail and consumed
 * from the front. It never holds more than max bytes, so a peer that sends
 * faster than it reads costs at most max bytes of memory.
 *
 * Consuming only moves an offset; the live bytes are moved back to the start
 * of the storage when the tail needs the room (lazy compaction), so a server
 * that sends a little at a time does not pay a memmove per send.
 *
 *     [ consumed | live bytes ........ | free tail ]
 *     data       data+off              data+off+len  data+cap
 */
struct buf {
    char *data;
    size_t off; /* start of the live bytes */
    size_t len; /* number of live bytes */
    size_t cap; /* allocated size, never above max */
    size_t max; /* the most bytes the buffer may hold */
};

/* Initializes an empty buffer that will hold at most max bytes. Allocates
 * nothing; storage is allocated on first use. */
void buf_init(struct buf *b, size_t max);

/* Releases the storage. The buffer stays usable: it is empty and keeps its
 * max, so a connection can give back its memory while idle. */
void buf_free(struct buf *b);

/* Appends n bytes. Returns 0, -ENOBUFS when the buffer would then hold more
 * than max bytes (nothing is appended), or -ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Returns the first live byte (NULL while no storage is allocated); valid
 * until the next call that changes b. */
const char *buf_peek(const struct buf *b);

/* Returns the number of live bytes. */
size_t buf_len(const struct buf *b);

/* Drops the first n live bytes (all of them if n exceeds the length). */
void buf_consume(struct buf *b, size_t n);

/* Drops live bytes from the end, keeping the first len (nothing happens if
 * len is not less than the length): takes back what was appended since
 * buf_len() returned len, e.g. a reply written only in part. */
void buf_truncate(struct buf *b, size_t len);

/* Makes at least n bytes writable after the live bytes, so a caller can
 * recv() straight into the buffer and then buf_commit() what arrived. On
 * success stores the start of the free tail in *tail and its size (n or
 * more, never more than max minus the length) in *avail, and returns 0.
 * Returns -ENOBUFS when length plus n exceeds max, or -ENOMEM. */
int buf_reserve(struct buf *b, size_t n, char **tail, size_t *avail);

/* Adds n bytes written into the tail returned by buf_reserve() to the live
 * bytes. n must not exceed the avail that buf_reserve() reported. */
void buf_commit(struct buf *b, size_t n);

#endif
