#include "match.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* match_pat.next: no occurrence in the rest of the block, or not searched
 * yet in this block. Both are above any offset, so "next < pos" alone
 * tells that an occurrence was passed and the pattern must search again;
 * MATCH_UNKNOWN is also tested for explicitly. */
#define MATCH_NONE    SIZE_MAX
#define MATCH_UNKNOWN (SIZE_MAX - 1)

/* ASCII lower case without a table or a branch, so the folding loop
 * compiles to vector instructions (with the dynamic vector cost model the
 * Makefile gives this component: CFLAGS_comp_grep): bytes 'A'..'Z' get
 * 0x20 added. */
static inline unsigned char fold_byte(unsigned char c)
{
    return (unsigned char)(c + (((unsigned char)(c - 'A') < 26u) << 5));
}

static void fold_copy(char *restrict dst, const char *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)fold_byte((unsigned char)src[i]);
}

/* Newlines in [p, p + n): a plain loop, which the compiler vectorizes
 * (CFLAGS_comp_grep, as above). */
static uintmax_t count_newlines(const char *p, size_t n)
{
    uintmax_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += p[i] == '\n';
    return c;
}

static int add_pattern(struct match *m, const char *s, size_t len, size_t *cap)
{
    struct match_pat *pat;
    char *copy;

    if (len == 0) {
        m->all = true;
        return 0;
    }
    if (m->npat == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        pat = realloc(m->pat, ncap * sizeof(*pat));
        if (pat == NULL)
            return -ENOMEM;
        m->pat = pat;
        *cap = ncap;
    }
    copy = malloc(len);
    if (copy == NULL)
        return -ENOMEM;
    if (m->icase)
        fold_copy(copy, s, len);
    else
        memcpy(copy, s, len);
    m->pat[m->npat].s = copy;
    m->pat[m->npat].len = len;
    m->pat[m->npat].next = MATCH_UNKNOWN;
    m->npat++;
    return 0;
}

int match_init(struct match *m, const char *const *args, size_t n, bool icase)
{
    size_t cap = 0;

    memset(m, 0, sizeof(*m));
    m->icase = icase;
    for (size_t i = 0; i < n; i++) {
        const char *s = args[i];
        for (;;) {
            const char *nl = strchr(s, '\n');
            size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
            if (add_pattern(m, s, len, &cap) < 0) {
                match_free(m);
                return -ENOMEM;
            }
            if (nl == NULL)
                break;
            s = nl + 1;
        }
    }
    return 0;
}

void match_free(struct match *m)
{
    for (size_t i = 0; i < m->npat; i++)
        free(m->pat[i].s);
    free(m->pat);
    free(m->fold);
    memset(m, 0, sizeof(*m));
}

/* The offset of the first occurrence of any pattern in hay[pos, end), or
 * MATCH_NONE. Each pattern searches again only once the scan has moved
 * past its remembered occurrence. */
static size_t find_first(struct match *m, const char *hay, size_t pos, size_t end)
{
    size_t best = MATCH_NONE;

    for (size_t i = 0; i < m->npat; i++) {
        struct match_pat *pt = &m->pat[i];
        if (pt->next == MATCH_UNKNOWN || pt->next < pos) {
            const char *at = memmem(hay + pos, end - pos, pt->s, pt->len);
            pt->next = at != NULL ? (size_t)(at - hay) : MATCH_NONE;
        }
        if (pt->next < best)
            best = pt->next;
    }
    return best;
}

int match_block(struct match *m, bool invert, bool count_lines, const char *p, size_t len,
                uintmax_t *lineno, match_run_fn *fn, void *ctx)
{
    const char *hay = p;
    size_t pos = 0;
    int rc;

    if (m->all) {
        /* Every line matches: one run, or (inverted) none. */
        uintmax_t n = count_newlines(p, len);
        uintmax_t first = *lineno + 1;
        *lineno += n;
        return invert ? 0 : fn(ctx, p, len, n, first);
    }
    if (m->icase) {
        if (m->foldcap < len) {
            char *f = realloc(m->fold, len);
            if (f == NULL)
                return -ENOMEM;
            m->fold = f;
            m->foldcap = len;
        }
        fold_copy(m->fold, p, len);
        hay = m->fold;
    }
    for (size_t i = 0; i < m->npat; i++)
        m->pat[i].next = MATCH_UNKNOWN;

    while (pos < len) {
        size_t hit = find_first(m, hay, pos, len);
        size_t start, end;

        if (hit == MATCH_NONE) {
            start = end = len;
        } else {
            /* Patterns hold no newline, so the occurrence lies within one
             * line: the one around hit. */
            const char *b = memrchr(hay + pos, '\n', hit - pos);
            start = b != NULL ? (size_t)(b - hay) + 1 : pos;
            end = (size_t)((const char *)memchr(hay + hit, '\n', len - hit) - hay) + 1;
        }
        if (invert) {
            /* The lines between pos and the matching line are selected. */
            if (start > pos) {
                uintmax_t n = count_newlines(p + pos, start - pos);
                uintmax_t first = *lineno + 1;
                *lineno += n;
                rc = fn(ctx, p + pos, start - pos, n, first);
                if (rc != 0)
                    return rc;
            }
            if (hit == MATCH_NONE)
                break;
            *lineno += 1;
        } else {
            if (hit == MATCH_NONE) {
                if (count_lines)
                    *lineno += count_newlines(p + pos, len - pos);
                break;
            }
            if (count_lines)
                *lineno += count_newlines(p + pos, start - pos);
            *lineno += 1;
            rc = fn(ctx, p + start, end - start, 1, *lineno);
            if (rc != 0)
                return rc;
        }
        pos = end;
    }
    return 0;
}

bool match_line(const struct match *m, const char *p, size_t len)
{
    if (m->all)
        return true;
    for (size_t i = 0; i < m->npat; i++) {
        const struct match_pat *pt = &m->pat[i];
        for (size_t at = 0; at + pt->len <= len; at++) {
            size_t k = 0;
            while (k < pt->len) {
                unsigned char c = (unsigned char)p[at + k];
                if (m->icase)
                    c = fold_byte(c);
                if (c != (unsigned char)pt->s[k])
                    break;
                k++;
            }
            if (k == pt->len)
                return true;
        }
    }
    return false;
}
