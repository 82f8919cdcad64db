/* Sizes and counts as the command line writes them. */
#include "size.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Reads the digits at *s into *v, moving *s past them. Returns false when
 * there is no digit. A value past `cap` (at most 2^63) is remembered as
 * cap + 1 instead of growing further, so a number of any length is "too
 * large", never a wrapped small one. */
static bool read_digits(const char **s, uint64_t cap, uint64_t *v)
{
    const char *p = *s;

    *v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');

        /* *v <= cap / 10 makes *v * 10 + d at most cap + 9: no overflow. */
        if (*v > cap / 10 || *v * 10 + d > cap)
            *v = cap + 1; /* and stays there, being above cap / 10 */
        else
            *v = *v * 10 + d;
    }
    if (p == *s)
        return false;
    *s = p;
    return true;
}

int loc_parse_size(const char *s, uint64_t *out)
{
    uint64_t v, unit = 1;

    if (!read_digits(&s, LOC_SIZE_MAX, &v))
        return -EINVAL;
    switch (*s) {
    case 'K':
    case 'k':
        unit = (uint64_t)1 << 10;
        break;
    case 'M':
    case 'm':
        unit = (uint64_t)1 << 20;
        break;
    case 'G':
    case 'g':
        unit = (uint64_t)1 << 30;
        break;
    case '\0':
        break;
    default:
        return -EINVAL;
    }
    if (unit != 1) {
        s++;
        if (strcmp(s, "iB") == 0)
            s += 2;
    }
    if (*s != '\0')
        return -EINVAL;
    /* v is at most LOC_SIZE_MAX + 1 here, so the comparison below
     * replaces a multiplication that could overflow. */
    if (v > LOC_SIZE_MAX / unit)
        return -ERANGE;
    v *= unit;
    /* A power of two has exactly one bit set: clearing the lowest set bit
     * (v & (v - 1)) leaves nothing. */
    if (v < LOC_SIZE_MIN || (v & (v - 1)) != 0)
        return -ERANGE;
    *out = v;
    return 0;
}

int loc_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;

    if (!read_digits(&s, max, &v) || *s != '\0')
        return -EINVAL;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

const char *loc_format_size(uint64_t bytes, char *buf)
{
    static const char units[] = "KMG";
    unsigned u = 0;

    while (u < 3 && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, LOC_SIZE_TEXT, "%llu", (unsigned long long)bytes);
    else
        snprintf(buf, LOC_SIZE_TEXT, "%llu%c", (unsigned long long)bytes, units[u - 1]);
    return buf;
}
