#include "response.h"

#include <string.h>

#include "httpdate.h"

const char *resp_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* Where the next byte goes in the caller's memory. */
struct cursor {
    char *p;
};

static void put(struct cursor *w, const char *s, size_t n)
{
    memcpy(w->p, s, n);
    w->p += n;
}

static void put_str(struct cursor *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_u64(struct cursor *w, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        *w->p++ = tmp[--n];
}

/* Every fixed piece of a head fits in this many bytes: the status line,
 * Server, Date, Content-Length, Last-Modified, Accept-Ranges, Content-Range
 * and Connection with their CRLFs, and the final CRLF. */
#define FIXED_MAX 512

size_t resp_head_size(const struct resp_head *h)
{
    size_t n = FIXED_MAX;

    if (h->content_type != NULL)
        n += strlen(h->content_type) + 18;
    if (h->location != NULL)
        n += h->location_len + 14;
    if (h->allow != NULL)
        n += strlen(h->allow) + 11;
    if (h->extra != NULL)
        n += h->extra_len + 2;
    return n;
}

size_t resp_head_write(const struct resp_head *h, const char *date, char *out)
{
    struct cursor w = {out};

    put_str(&w, "HTTP/1.1 ");
    put_u64(&w, (uint64_t)h->status);
    put(&w, " ", 1);
    put_str(&w, resp_reason(h->status));
    put_str(&w, "\r\nServer: osnet\r\nDate: ");
    put(&w, date, HTTPDATE_LEN);
    if (h->content_type != NULL) {
        put_str(&w, "\r\nContent-Type: ");
        put_str(&w, h->content_type);
    }
    if (!h->no_length) {
        put_str(&w, "\r\nContent-Length: ");
        put_u64(&w, h->content_length);
    }
    if (h->has_last_modified) {
        char lm[HTTPDATE_LEN + 1];
        httpdate_format(h->last_modified, lm);
        put_str(&w, "\r\nLast-Modified: ");
        put(&w, lm, HTTPDATE_LEN);
    }
    if (h->accept_ranges)
        put_str(&w, "\r\nAccept-Ranges: bytes");
    if (h->content_range) {
        put_str(&w, "\r\nContent-Range: bytes ");
        if (h->range_unsatisfiable) {
            put(&w, "*", 1);
        } else {
            put_u64(&w, h->range_first);
            put(&w, "-", 1);
            put_u64(&w, h->range_first + h->range_len - 1);
        }
        put(&w, "/", 1);
        put_u64(&w, h->range_size);
    }
    if (h->location != NULL) {
        put_str(&w, "\r\nLocation: ");
        put(&w, h->location, h->location_len);
    }
    if (h->allow != NULL) {
        put_str(&w, "\r\nAllow: ");
        put_str(&w, h->allow);
    }
    if (h->conn == RESP_CONN_CLOSE)
        put_str(&w, "\r\nConnection: close");
    else if (h->conn == RESP_CONN_KEEP_ALIVE)
        put_str(&w, "\r\nConnection: keep-alive");
    put_str(&w, "\r\n");
    if (h->extra != NULL)
        put(&w, h->extra, h->extra_len);
    put_str(&w, "\r\n");
    return (size_t)(w.p - out);
}

size_t resp_error_body(int status, char *out)
{
    struct cursor w = {out};

    put_u64(&w, (uint64_t)status);
    put(&w, " ", 1);
    put_str(&w, resp_reason(status));
    put(&w, "\n", 1);
    return (size_t)(w.p - out);
}
