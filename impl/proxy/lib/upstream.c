/* Upstream connections, their pool, and the command-line helpers of
 * fwd.h. */
#include "upstream.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

int up_open(const struct fwd_upstream *u, int idx, size_t in_max, size_t out_max,
            struct upconn **out)
{
    struct upconn *c = calloc(1, sizeof(*c));
    int fd, rc;

    if (c == NULL)
        return -ENOMEM;
    fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = -errno;
        free(c);
        return rc;
    }
    /* Request heads and small bodies leave in one write; Nagle would hold
     * the last segment of each until the previous one is acknowledged. */
    net_set_nodelay(fd, true);
    rc = 0;
    if (connect(fd, (const struct sockaddr *)&u->addr, u->addr_len) < 0) {
        if (errno != EINPROGRESS) {
            rc = -errno;
            close(fd);
            free(c);
            return rc;
        }
    } else {
        rc = 1;
    }
    c->fd = fd;
    c->idx = idx;
    c->state = rc == 1 ? U_ACTIVE : U_CONNECTING;
    buf_init(&c->in, in_max);
    buf_init(&c->out, out_max);
    *out = c;
    return rc;
}

int up_connect_error(const struct upconn *c)
{
    return net_socket_error(c->fd);
}

void up_free(struct upconn *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

bool up_idle_alive(const struct upconn *c)
{
    char byte;
    ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void pool_push(struct up_pool *p, struct upconn *c, uint64_t now)
{
    c->state = U_IDLE;
    c->owner = NULL;
    c->idle_since = now;
    buf_free(&c->in);
    buf_free(&c->out);
    c->next = NULL;
    c->prev = p->tail;
    if (p->tail != NULL)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    p->n++;
}

void pool_remove(struct up_pool *p, struct upconn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        p->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        p->tail = c->prev;
    c->prev = c->next = NULL;
    p->n--;
}

struct upconn *pool_pop(struct up_pool *p)
{
    struct upconn *c = p->tail;

    if (c != NULL)
        pool_remove(p, c);
    return c;
}

/* Resolves one "host:port" (host may be "[v6]") into u. */
static int parse_one(const char *s, size_t n, struct fwd_upstream *u)
{
    char host[256], port[8];
    const char *colon, *h = s;
    size_t hn;

    if (n == 0 || n >= sizeof(u->name))
        return -EINVAL;
    colon = memrchr(s, ':', n);
    if (colon == NULL || colon == s + n - 1 || (size_t)(s + n - colon - 1) >= sizeof(port))
        return -EINVAL;
    hn = (size_t)(colon - s);
    if (hn >= 2 && s[0] == '[' && s[hn - 1] == ']') {
        h = s + 1;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof(host))
        return -EINVAL;
    memcpy(host, h, hn);
    host[hn] = '\0';
    memcpy(port, colon + 1, (size_t)(s + n - colon - 1));
    port[s + n - colon - 1] = '\0';
    for (const char *d = port; *d != '\0'; d++)
        if (*d < '0' || *d > '9')
            return -EINVAL;
    long pn = strtol(port, NULL, 10);
    if (pn < 1 || pn > 65535)
        return -EINVAL;

    /* IPv4 first: "localhost" often resolves to ::1 first, and a test
     * server listening on 127.0.0.1 would then refuse every connection. */
    static const int families[] = {AF_INET, AF_INET6};
    int rc = -EADDRNOTAVAIL;
    for (size_t i = 0; i < 2; i++) {
        struct addrinfo hints = {.ai_family = families[i],
                                 .ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_NUMERICSERV},
                        *res;
        int gai = getaddrinfo(host, port, &hints, &res);
        if (gai != 0) {
            /* A name that does not resolve is the user's mistake; a
             * resolver out of memory or unreachable is not. */
            if (gai == EAI_MEMORY)
                rc = -ENOMEM;
            else if (gai == EAI_AGAIN)
                rc = -EAGAIN;
            continue;
        }
        memcpy(&u->addr, res->ai_addr, res->ai_addrlen);
        u->addr_len = res->ai_addrlen;
        freeaddrinfo(res);
        memcpy(u->name, s, n);
        u->name[n] = '\0';
        return 0;
    }
    return rc;
}

int fwd_parse_upstreams(const char *list, struct fwd_upstream **out, unsigned *n)
{
    struct fwd_upstream *ups;
    unsigned count = 1, i = 0;
    const char *p = list;
    int rc;

    if (list == NULL || *list == '\0')
        return -EINVAL;
    for (const char *q = list; *q != '\0'; q++)
        count += *q == ',';
    if (count > FWD_MAX_UPSTREAMS)
        return -EINVAL;
    ups = calloc(count, sizeof(*ups));
    if (ups == NULL)
        return -ENOMEM;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        rc = parse_one(p, len, &ups[i++]);
        if (rc < 0) {
            free(ups);
            return rc;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *out = ups;
    *n = count;
    return 0;
}

int fwd_parse_seconds(const char *s, unsigned *ms)
{
    /* Decimal seconds by hand: strtod() would take exponents, hex, "inf"
     * and the locale's decimal point. */
    uint64_t whole = 0, frac = 0;
    unsigned digits = 0, scale = 1000;
    bool more = false, any = false;
    const char *p = s;

    if (s == NULL)
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++, any = true) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > 86400)
            return -EINVAL;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = true) {
            if (digits < 3) {
                scale /= 10;
                frac += (uint64_t)(*p - '0') * scale;
                digits++;
            } else if (*p != '0') {
                more = true; /* below a millisecond: round up */
            }
        }
    }
    if (!any || *p != '\0')
        return -EINVAL;
    uint64_t v = whole * 1000 + frac + (more ? 1 : 0);
    if (v > 86400 * 1000)
        return -EINVAL;
    *ms = (unsigned)v;
    return 0;
}

int fwd_parse_common_options(const struct fwd_cli *o, bool zero_ok, struct fwd_config *cfg)
{
    const struct {
        const char *name, *value;
        unsigned *ms;
    } t[] = {
        {"connect-timeout", o->connect_timeout, &cfg->connect_timeout_ms},
        {"upstream-timeout", o->upstream_timeout, &cfg->upstream_timeout_ms},
        {"header-timeout", o->header_timeout, &cfg->header_timeout_ms},
        {"idle-timeout", o->idle_timeout, &cfg->idle_timeout_ms},
        {"max-idle", o->max_idle, &cfg->pool_idle_ms},
    };

    if (o->log_level != NULL) {
        int lv = log_parse_level(o->log_level);
        if (lv < 0) {
            log_error("--log-level: expected debug, info, warn or error, got '%s' (try --help)",
                      o->log_level);
            return -EINVAL;
        }
        log_set_level((enum log_level)lv);
    }
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (fwd_parse_seconds(t[i].value, t[i].ms) < 0 || (*t[i].ms == 0 && !zero_ok)) {
            log_error("--%s: expected seconds (such as 5 or 0.5%s), got '%s' (try --help)",
                      t[i].name, zero_ok ? "" : ", more than 0", t[i].value);
            return -EINVAL;
        }
    }
    return 0;
}
