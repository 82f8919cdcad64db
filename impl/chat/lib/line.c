#include "line.h"

#include <errno.h>
#include <string.h>

/* Content and a trailing "\r" that the next byte may reveal as a line end. */
#define PARTIAL_MAX (LINE_CONTENT_MAX + 1)

void line_init(struct line_framer *f)
{
    buf_init(&f->partial, PARTIAL_MAX);
    f->discarding = false;
    f->release = false;
}

void line_free(struct line_framer *f)
{
    buf_free(&f->partial);
    f->discarding = false;
    f->release = false;
}

void line_done(struct line_framer *f)
{
    if (f->release) {
        buf_free(&f->partial);
        f->release = false;
    }
}

size_t line_pending(const struct line_framer *f)
{
    return f->release ? 0 : buf_len(&f->partial);
}

/* Drops the partial line and starts discarding through the next "\n" if
 * that "\n" is still to come. Returns consumed, for the caller's return. */
static ssize_t too_long(struct line_framer *f, bool discard, size_t consumed,
                        enum line_event *ev)
{
    buf_free(&f->partial);
    f->release = false;
    f->discarding = discard;
    *ev = LINE_TOO_LONG;
    return (ssize_t)consumed;
}

ssize_t line_feed(struct line_framer *f, const char *data, size_t n, enum line_event *ev,
                  const char **line, size_t *len)
{
    const char *nl, *p;
    size_t held, seg, plen;
    int rc;

    line_done(f);
    *ev = LINE_NONE;
    if (n == 0)
        return 0;
    nl = memchr(data, '\n', n);
    if (f->discarding) {
        if (nl == NULL)
            return (ssize_t)n;
        f->discarding = false;
        return nl - data + 1;
    }
    held = buf_len(&f->partial);
    if (nl == NULL) {
        /* One byte past the maximum is allowed only if it is a "\r" that a
         * "\n" may follow. */
        if (held + n > PARTIAL_MAX || (held + n == PARTIAL_MAX && data[n - 1] != '\r'))
            return too_long(f, true, n, ev);
        rc = buf_append(&f->partial, data, n);
        if (rc < 0)
            return rc;
        return (ssize_t)n;
    }
    seg = (size_t)(nl - data);
    if (held == 0) {
        p = data;
        plen = seg;
    } else {
        if (held + seg > PARTIAL_MAX)
            return too_long(f, false, seg + 1, ev);
        rc = buf_append(&f->partial, data, seg);
        if (rc < 0)
            return rc;
        p = buf_peek(&f->partial);
        plen = buf_len(&f->partial);
        f->release = true;
    }
    if (plen > 0 && p[plen - 1] == '\r')
        plen--;
    if (plen > LINE_CONTENT_MAX)
        return too_long(f, false, seg + 1, ev);
    *ev = LINE_READY;
    *line = p;
    *len = plen;
    return (ssize_t)(seg + 1);
}
