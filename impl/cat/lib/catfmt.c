#include "catfmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most one step of catfmt_feed writes before checking for room
 * again: a line number (20 digits and a tab), then "^M$\n". */
#define STEP_MAX 32

int catfmt_init(struct catfmt *f, const struct catfmt_opts *o, size_t cap, catfmt_write_fn *write,
                void *ctx)
{
    if (cap < CATFMT_MIN_CAP)
        return -EINVAL;
    memset(f, 0, sizeof(*f));
    f->o = *o;
    if (f->o.nonblank)
        f->o.number = true;
    f->out = malloc(cap);
    if (f->out == NULL)
        return -ENOMEM;
    f->cap = cap;
    f->write = write;
    f->ctx = ctx;
    return 0;
}

void catfmt_free(struct catfmt *f)
{
    free(f->out);
    f->out = NULL;
    f->len = f->cap = 0;
}

int catfmt_flush(struct catfmt *f)
{
    int rc;

    if (f->len == 0)
        return 0;
    rc = f->write(f->ctx, f->out, f->len);
    f->len = 0;
    return rc;
}

static void put(struct catfmt *f, const char *s, size_t n)
{
    memcpy(f->out + f->len, s, n);
    f->len += n;
}

/* "%6ju\t": GNU cat's number column, which simply grows past 999999. */
static void put_number(struct catfmt *f)
{
    f->line++;
    f->len += (size_t)snprintf(f->out + f->len, f->cap - f->len, "%6" PRIuMAX "\t", f->line);
}

static void put_newline(struct catfmt *f)
{
    /* An empty line: the previous byte was a newline too (or nothing). */
    if (++f->newlines > 0) {
        if (f->newlines >= 2) {
            f->newlines = 2; /* "two or more": enough, and no overflow */
            if (f->o.squeeze)
                return;
        }
        if (f->o.number && !f->o.nonblank)
            put_number(f);
    }
    if (f->o.ends) {
        if (f->pending_cr) {
            put(f, "^M", 2);
            f->pending_cr = false;
        }
        put(f, "$", 1);
    }
    put(f, "\n", 1);
}

int catfmt_feed(struct catfmt *f, const char *p, size_t n)
{
    const char *end = p + n;
    int rc;

    while (p < end) {
        const char *stop;

        if (f->cap - f->len < STEP_MAX) {
            rc = catfmt_flush(f);
            if (rc < 0)
                return rc;
        }
        if (*p == '\n') {
            put_newline(f);
            p++;
            continue;
        }
        /* A byte of a line: a CR held back was not the end of a line. */
        if (f->pending_cr) {
            put(f, "\r", 1);
            f->pending_cr = false;
        }
        if (f->newlines >= 0 && f->o.number)
            put_number(f);
        f->newlines = -1;

        /* The rest of the line in this piece, as far as the room goes. */
        stop = memchr(p, '\n', (size_t)(end - p));
        if (stop == NULL)
            stop = end;
        if (!f->o.tabs && !f->o.ends) {
            size_t take = (size_t)(stop - p);
            if (take > f->cap - f->len)
                take = f->cap - f->len;
            put(f, p, take);
            p += take;
            continue;
        }
        /* Each byte takes at most two output bytes ("^I", "^M"). */
        while (p < stop && f->cap - f->len >= 2) {
            char c = *p++;
            if (c == '\t' && f->o.tabs) {
                put(f, "^I", 2);
            } else if (c == '\r' && f->o.ends) {
                if (p == end)
                    f->pending_cr = true; /* the next piece decides */
                else if (*p == '\n')
                    put(f, "^M", 2);
                else
                    put(f, "\r", 1);
            } else {
                f->out[f->len++] = c;
            }
        }
    }
    return 0;
}

int catfmt_finish(struct catfmt *f)
{
    if (f->pending_cr) {
        if (f->len == f->cap) {
            int rc = catfmt_flush(f);
            if (rc < 0)
                return rc;
        }
        put(f, "\r", 1);
        f->pending_cr = false;
    }
    return catfmt_flush(f);
}
