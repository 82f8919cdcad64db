#include "accesslog.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALOG_BUF (128 * 1024)

int alog_init(struct alog *l, int fd)
{
    struct stat st;

    l->fd = fd;
    l->len = 0;
    l->cap = 0;
    l->buf = NULL;
    l->atomic = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (fd < 0)
        return 0;
    l->buf = malloc(ALOG_BUF);
    if (l->buf == NULL)
        return -ENOMEM;
    l->cap = ALOG_BUF;
    return 0;
}

void alog_free(struct alog *l)
{
    free(l->buf);
    l->buf = NULL;
    l->len = l->cap = 0;
}

/* Copies s[0..n) (at most ALOG_FIELD_MAX bytes of it) escaped; "-" when
 * empty and dash is set. Returns the bytes written. */
static size_t put_field(char *out, const char *s, size_t n, bool dash)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;

    if ((s == NULL || n == 0) && dash) {
        out[0] = '-';
        return 1;
    }
    if (n > ALOG_FIELD_MAX)
        n = ALOG_FIELD_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out[len++] = '\\';
            out[len++] = 'x';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 15];
        } else {
            out[len++] = (char)c;
        }
    }
    return len;
}

static size_t put_str(char *out, const char *s)
{
    size_t n = strlen(s);

    memcpy(out, s, n);
    return n;
}

static size_t put_u64(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0, len = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        out[len++] = tmp[--n];
    return len;
}

size_t alog_format(const struct alog_entry *e, char *out, size_t cap)
{
    size_t n = 0;

    if (cap < ALOG_LINE_MAX)
        return 0;
    n += put_field(out + n, e->peer, strlen(e->peer), true);
    n += put_str(out + n, " - - [");
    n += put_str(out + n, e->time);
    n += put_str(out + n, "] \"");
    n += put_field(out + n, e->request, e->request_len, false);
    n += put_str(out + n, "\" ");
    n += put_u64(out + n, (uint64_t)e->status);
    out[n++] = ' ';
    n += put_u64(out + n, e->bytes);
    n += put_str(out + n, " \"");
    n += put_field(out + n, e->referer, e->referer_len, true);
    n += put_str(out + n, "\" \"");
    n += put_field(out + n, e->agent, e->agent_len, true);
    n += put_str(out + n, "\"\n");
    return n;
}

void alog_add(struct alog *l, const struct alog_entry *e)
{
    if (l->fd < 0)
        return;
    if (l->cap - l->len < ALOG_LINE_MAX)
        alog_flush(l);
    l->len += alog_format(e, l->buf + l->len, l->cap - l->len);
}

/* write() all of p[0..n), retrying short writes and EINTR. */
static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

void alog_flush(struct alog *l)
{
    size_t off = 0;

    if (l->fd < 0 || l->len == 0)
        return;
    if (l->atomic) {
        write_all(l->fd, l->buf, l->len);
    } else {
        while (off < l->len) {
            /* The longest run of whole lines within PIPE_BUF; a single line
             * longer than that goes alone. */
            size_t end = off, limit = off + PIPE_BUF < l->len ? off + PIPE_BUF : l->len;
            for (size_t i = off; i < limit; i++)
                if (l->buf[i] == '\n')
                    end = i + 1;
            if (end == off) {
                const char *nl = memchr(l->buf + off, '\n', l->len - off);
                end = nl != NULL ? (size_t)(nl - l->buf) + 1 : l->len;
            }
            write_all(l->fd, l->buf + off, end - off);
            off = end;
        }
    }
    l->len = 0;
}
