/* Decimal text <-> integers (see num.h). */
#include <errno.h>

#include "num.h"

size_t num_format_u128(unsigned __int128 v, char *buf)
{
    char tmp[NUM_U128_DIGITS];
    size_t n = 0;

    /* Digits come out least significant first: collect them, then reverse.
     * The do-while prints "0" for zero. */
    do {
        tmp[n++] = (char)('0' + (unsigned)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

int num_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    int too_big = 0;

    if (*s == '\0')
        return -EINVAL;
    for (; *s != '\0'; s++) {
        unsigned d;

        if (*s < '0' || *s > '9')
            return -EINVAL;
        d = (unsigned)(*s - '0');
        /* Checked before multiplying, so v never wraps: once the value is
         * past max it only grows, and the rest of the string must still be
         * digits for the answer to be -ERANGE rather than -EINVAL. */
        if (too_big || d > max || v > (max - d) / 10)
            too_big = 1;
        else
            v = v * 10 + d;
    }
    if (too_big)
        return -ERANGE;
    *out = v;
    return 0;
}
