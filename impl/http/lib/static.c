#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "httpdate.h"

ssize_t static_normalize(const char *p, size_t n, char *out, bool *dir_form)
{
    ssize_t dn;
    size_t i = 0, len = 0;

    *dir_form = false;
    if (n == 0 || p[0] != '/')
        return -1;
    /* Decode first, normalize after: "%2e%2e" and "%2F" are then plain ".."
     * and "/", and no encoding can smuggle a segment past the checks. */
    dn = http_percent_decode(p, n, out, 0, 0);
    if (dn < 0)
        return -1;

    /* Segments are copied left to right over the decoded bytes in place:
     * the write position len never passes the read position i. */
    while (i < (size_t)dn) {
        size_t start, seg;

        while (i < (size_t)dn && out[i] == '/')
            i++;
        start = i;
        while (i < (size_t)dn && out[i] != '/')
            i++;
        seg = i - start;
        *dir_form = seg == 0 || (seg == 1 && out[start] == '.') ||
                    (seg == 2 && out[start] == '.' && out[start + 1] == '.');
        if (seg == 0 || (seg == 1 && out[start] == '.'))
            continue;
        if (seg == 2 && out[start] == '.' && out[start + 1] == '.') {
            if (len == 0)
                return -1; /* would climb above the root */
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* the '/' before the dropped segment */
            continue;
        }
        if (len > 0)
            out[len++] = '/';
        memmove(out + len, out + start, seg);
        len += seg;
    }
    out[len] = '\0';
    return (ssize_t)len;
}

static const struct {
    const char *ext;
    const char *type;
} mime_table[] = {
    {"html", "text/html"},        {"htm", "text/html"},
    {"css", "text/css"},          {"js", "application/javascript"},
    {"json", "application/json"}, {"txt", "text/plain"},
    {"png", "image/png"},         {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
    {"svg", "image/svg+xml"},     {"ico", "image/x-icon"},
    {"pdf", "application/pdf"},   {"wasm", "application/wasm"},
    {"xml", "text/xml"},
};

const char *static_mime(const char *name, size_t n)
{
    size_t dot = n;

    for (size_t i = n; i > 0; i--) {
        if (name[i - 1] == '/')
            break;
        if (name[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    }
    if (dot < n) {
        const char *ext = name + dot + 1;
        size_t elen = n - dot - 1;
        for (size_t i = 0; i < sizeof(mime_table) / sizeof(mime_table[0]); i++)
            if (strlen(mime_table[i].ext) == elen && strncasecmp(ext, mime_table[i].ext, elen) == 0)
                return mime_table[i].type;
    }
    return "application/octet-stream";
}

/* Reads a decimal number at s[*i..n), saturating at UINT64_MAX (a position
 * that large is past any end anyway). Returns the number of digits read. */
static size_t read_u64(const char *s, size_t n, size_t *i, uint64_t *v)
{
    size_t start = *i;

    *v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        unsigned d = (unsigned)(s[*i] - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
        (*i)++;
    }
    return *i - start;
}

enum range_result static_range(const char *s, size_t n, uint64_t size, uint64_t *first,
                               uint64_t *len)
{
    uint64_t a = 0, b = UINT64_MAX;
    size_t i = 6;
    bool suffix = false;

    /* The unit is case-insensitive (RFC 9110 §14.1); a list may carry
     * spaces around its one element. */
    if (n < 6 || strncasecmp(s, "bytes=", 6) != 0 || memchr(s, ',', n) != NULL)
        return RANGE_IGNORE;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (i < n && s[i] == '-')
        suffix = true;
    else if (read_u64(s, n, &i, &a) == 0)
        return RANGE_IGNORE;
    if (i >= n || s[i] != '-')
        return RANGE_IGNORE;
    i++;
    if (i < n && read_u64(s, n, &i, &b) == 0)
        return RANGE_IGNORE;
    if (i != n || (suffix && b == UINT64_MAX))
        return RANGE_IGNORE;

    if (suffix) {
        /* "-n": the last n bytes, the whole file when n >= size. */
        if (b == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        a = b >= size ? 0 : size - b;
        b = size - 1;
    } else {
        if (a >= size || a > b)
            return RANGE_UNSATISFIABLE;
        if (b >= size)
            b = size - 1;
    }
    *first = a;
    *len = b - a + 1;
    return RANGE_OK;
}

/* 1 while openat2() may exist, 0 once it answered ENOSYS (an old kernel) or
 * EPERM (a seccomp filter that does not know it). Threads may race to clear
 * it; they all write the same value. */
static atomic_int have_openat2 = 1;

/* openat2() answers EAGAIN when a rename or mount raced with a RESOLVE_BENEATH
 * lookup of ".." (a symbolic link may hold one); trying again is the cure. */
#define OPENAT2_TRIES 4

int static_open(int root_fd, const char *path)
{
    const char *rel = path[0] != '\0' ? path : ".";
    int fd;

    if (atomic_load_explicit(&have_openat2, memory_order_relaxed)) {
        struct open_how how = {
            .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        for (int i = 0; i < OPENAT2_TRIES; i++) {
            fd = (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
            if (fd >= 0)
                return fd;
            if (errno != EAGAIN)
                break;
        }
        if (errno != ENOSYS && errno != EPERM)
            return -errno;
        atomic_store_explicit(&have_openat2, 0, memory_order_relaxed);
    }
    fd = openat(root_fd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

/* Maps an open() failure to a status: a missing name, a file where a
 * directory was needed, a link loop or a link out of the root is 404 (the
 * client learns nothing about what lies outside), no permission is 403.
 * Anything else (EMFILE, ENOMEM, EIO...) is the server's own trouble, not
 * the client's: 0, and the caller answers 500. */
static int open_status(int err)
{
    switch (err) {
    case -EACCES:
    case -EPERM:
        return 403;
    case -ENOENT:
    case -ENOTDIR:
    case -ELOOP:
    case -EXDEV:
    case -ENAMETOOLONG:
    case -ENXIO:
    case -ENODEV:
        return 404;
    default:
        return 0;
    }
}

/* Applies If-Modified-Since, If-Range and Range to an open regular file:
 * sets out->status (200, 206, 304 or 416) and the fields that go with it. */
static void conditional(const struct http_request *req, const struct stat *st,
                        struct static_reply *out)
{
    time_t since;

    out->size = (uint64_t)st->st_size;
    out->mtime = st->st_mtime;
    out->first = 0;
    out->len = out->size;
    out->status = 200;
    /* An invalid date is ignored (RFC 9110 §13.1.3), and so is one in the
     * future (RFC 7232 §3.3 called it invalid: a clock that runs ahead must
     * not make a client keep a stale copy); a date at or after the file's
     * mtime means the client's copy is current. */
    if (req->if_modified_since && httpdate_parse(req->ims.p, req->ims.n, &since) == 0 &&
        st->st_mtime <= since && since <= time(NULL)) {
        out->status = 304;
        return;
    }
    if (req->range.n > 0) {
        const struct http_header *ir = http_find_header(req, "If-Range");
        char lm[HTTPDATE_LEN + 1];

        /* If-Range: the range holds only for the representation the client
         * has, named by its Last-Modified date (we send no ETag). */
        httpdate_format(st->st_mtime, lm);
        if (ir != NULL &&
            (ir->value.n != HTTPDATE_LEN || memcmp(ir->value.p, lm, HTTPDATE_LEN) != 0))
            return;
        switch (static_range(req->range.p, req->range.n, out->size, &out->first, &out->len)) {
        case RANGE_OK:
            out->status = 206;
            break;
        case RANGE_UNSATISFIABLE:
            out->status = 416;
            break;
        case RANGE_IGNORE:
            break;
        }
    }
}

/* Writes the Location of the 301 for the directory path[0..n) (as made by
 * static_normalize) into out: "/" path "/", then "?" query when there is
 * one. The path is built from the normalized bytes, not copied from the
 * request, so it is percent-encoded again here: whatever the client wrote
 * ("//host/dir", "/a/../dir", an absolute-form target), the value is a
 * path-absolute reference to this server, never "//host/..." (which a
 * browser would take for another host). out holds 3 * n + query.n + 3
 * bytes. Returns the length. */
static size_t location(const char *path, size_t n, struct http_str query, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    static const char keep[] = "-._~!$&'()*+,;=:@/";
    size_t len = 0;

    out[len++] = '/';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        /* RFC 3986 §3.3: pchar and '/' stay, the rest is escaped. */
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            memchr(keep, c, sizeof(keep) - 1) != NULL) {
            out[len++] = (char)c;
        } else {
            out[len++] = '%';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 15];
        }
    }
    out[len++] = '/';
    if (query.n > 0) {
        out[len++] = '?';
        memcpy(out + len, query.p, query.n);
        len += query.n;
    }
    return len;
}

int static_serve(int root_fd, const struct http_request *req, char *scratch,
                 struct static_reply *out)
{
    struct stat st;
    bool dir_form;
    ssize_t plen;
    int fd;

    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
        out->status = 405;
        return 0;
    }
    plen = static_normalize(req->path.p, req->path.n, scratch, &dir_form);
    if (plen < 0) {
        out->status = 400;
        return 0;
    }
    fd = static_open(root_fd, scratch);
    if (fd < 0) {
        out->status = open_status(fd);
        return out->status != 0 ? 0 : fd;
    }
    if (fstat(fd, &st) < 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        int dfd = fd;

        if (!dir_form && plen > 0) {
            /* "/dir" -> "/dir/": relative names in its index.html must
             * resolve inside the directory. The query goes along. */
            close(fd);
            out->status = 301;
            out->location = scratch + plen + 1;
            out->location_len = location(scratch, (size_t)plen, req->query, scratch + plen + 1);
            return 0;
        }
        fd = static_open(dfd, "index.html");
        close(dfd);
        if (fd < 0) {
            out->status = open_status(fd);
            return out->status != 0 ? 0 : fd;
        }
        if (fstat(fd, &st) < 0)
            goto fail;
        out->mime = "text/html";
    } else {
        out->mime = static_mime(scratch, (size_t)plen);
    }
    if (!S_ISREG(st.st_mode)) {
        /* A FIFO, socket or device (or an index.html that is a directory):
         * nothing a static server should read. */
        close(fd);
        out->status = S_ISDIR(st.st_mode) ? 404 : 403;
        return 0;
    }
    conditional(req, &st, out);
    if ((out->status == 200 || out->status == 206) && req->method == HTTP_GET && out->len > 0)
        out->fd = fd;
    else
        close(fd);
    return 0;
fail:
    plen = -errno;
    close(fd);
    return (int)plen;
}
