#include "httpdate.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char wdays_long[7][10] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

static void put4(char *p, int v)
{
    put2(p, v / 100);
    put2(p + 2, v % 100);
}

void httpdate_format(time_t t, char *out)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    memcpy(out, wdays[tm.tm_wday], 3);
    memcpy(out + 3, ", ", 2);
    put2(out + 5, tm.tm_mday);
    out[7] = ' ';
    memcpy(out + 8, months[tm.tm_mon], 3);
    out[11] = ' ';
    put4(out + 12, tm.tm_year + 1900);
    out[16] = ' ';
    put2(out + 17, tm.tm_hour);
    out[19] = ':';
    put2(out + 20, tm.tm_min);
    out[22] = ':';
    put2(out + 23, tm.tm_sec);
    memcpy(out + 25, " GMT", 5); /* with the NUL */
}

void httpdate_format_clf(time_t t, char *out)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    put2(out, tm.tm_mday);
    out[2] = '/';
    memcpy(out + 3, months[tm.tm_mon], 3);
    out[6] = '/';
    put4(out + 7, tm.tm_year + 1900);
    out[11] = ':';
    put2(out + 12, tm.tm_hour);
    out[14] = ':';
    put2(out + 15, tm.tm_min);
    out[17] = ':';
    put2(out + 18, tm.tm_sec);
    memcpy(out + 20, " +0000", 7); /* with the NUL */
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (m is
 * 1..12). Counting years from March puts the leap day at the end of the
 * year, so every 400-year era has the same shape. */
static long long days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Reads exactly n decimal digits. Returns the value or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int month_index(const char *s)
{
    for (int i = 0; i < 12; i++)
        if (memcmp(s, months[i], 3) == 0)
            return i;
    return -1;
}

static bool short_wday(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (memcmp(s, wdays[i], 3) == 0)
            return true;
    return false;
}

/* Parses "HH:MM:SS" at s (8 bytes). */
static int parse_clock(const char *s, int *h, int *mi, int *sec)
{
    if (s[2] != ':' || s[5] != ':')
        return -EINVAL;
    *h = digits(s, 2);
    *mi = digits(s + 3, 2);
    *sec = digits(s + 6, 2);
    if (*h < 0 || *h > 23 || *mi < 0 || *mi > 59 || *sec < 0 || *sec > 60)
        return -EINVAL;
    return 0;
}

/* Checks the fields and turns them into a time_t. */
static int make_time(int year, int mon, int day, int h, int mi, int sec, time_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last;

    if (mon < 0 || year < 0 || day < 1)
        return -EINVAL;
    last = mdays[mon] + (mon == 1 && is_leap(year));
    if (day > last)
        return -EINVAL;
    *out = (time_t)(days_from_civil(year, mon + 1, day) * 86400LL + h * 3600LL + mi * 60LL + sec);
    return 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int parse_imf(const char *s, time_t *out)
{
    int h, mi, sec;

    if (!short_wday(s) || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
        return -EINVAL;
    if (parse_clock(s + 17, &h, &mi, &sec) < 0)
        return -EINVAL;
    return make_time(digits(s + 12, 4), month_index(s + 8), digits(s + 5, 2), h, mi, sec, out);
}

/* "Sunday, 06-Nov-94 08:49:37 GMT". RFC 9110 asks for a two-digit year that
 * looks more than 50 years ahead to be read in the past century; a fixed
 * pivot (70..99 -> 19xx, 00..69 -> 20xx) does that until 2020+50. */
static int parse_rfc850(const char *s, size_t n, time_t *out)
{
    const char *comma = memchr(s, ',', n);
    size_t wlen;
    int h, mi, sec, yy;
    bool known = false;

    if (comma == NULL)
        return -EINVAL;
    wlen = (size_t)(comma - s);
    for (int i = 0; i < 7; i++)
        if (strlen(wdays_long[i]) == wlen && memcmp(s, wdays_long[i], wlen) == 0)
            known = true;
    /* After the day name: ", 06-Nov-94 08:49:37 GMT", 24 bytes. */
    if (!known || n - wlen != 24)
        return -EINVAL;
    s = comma;
    if (s[1] != ' ' || s[4] != '-' || s[8] != '-' || s[11] != ' ' || memcmp(s + 20, " GMT", 4) != 0)
        return -EINVAL;
    if (parse_clock(s + 12, &h, &mi, &sec) < 0)
        return -EINVAL;
    yy = digits(s + 9, 2);
    if (yy < 0)
        return -EINVAL;
    return make_time(yy < 70 ? 2000 + yy : 1900 + yy, month_index(s + 5), digits(s + 2, 2), h, mi,
                     sec, out);
}

/* "Sun Nov  6 08:49:37 1994" (the day is space-padded). */
static int parse_asctime(const char *s, time_t *out)
{
    int h, mi, sec, day;

    if (!short_wday(s) || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
        return -EINVAL;
    if (s[8] == ' ')
        day = digits(s + 9, 1);
    else
        day = digits(s + 8, 2);
    if (parse_clock(s + 11, &h, &mi, &sec) < 0)
        return -EINVAL;
    return make_time(digits(s + 20, 4), month_index(s + 4), day, h, mi, sec, out);
}

int httpdate_parse(const char *s, size_t n, time_t *out)
{
    if (n == HTTPDATE_LEN && s[3] == ',')
        return parse_imf(s, out);
    if (n == 24 && s[3] == ' ')
        return parse_asctime(s, out);
    if (n > 24)
        return parse_rfc850(s, n, out);
    return -EINVAL;
}

void httpdate_cache_init(struct httpdate_cache *c)
{
    c->sec = -1;
    c->imf[0] = '\0';
    c->clf[0] = '\0';
}

const struct httpdate_cache *httpdate_now(struct httpdate_cache *c)
{
    time_t now = time(NULL);

    if (now != c->sec) {
        httpdate_format(now, c->imf);
        httpdate_format_clf(now, c->clf);
        c->sec = now;
    }
    return c;
}
