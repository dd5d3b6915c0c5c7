#include "core/time.h"

#include <stdbool.h>
#include <time.h>

#include "core/error.h"

int64_t ks_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * KS_NS_PER_SEC + ts.tv_nsec;
}

int64_t ks_time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * KS_NS_PER_SEC + ts.tv_nsec;
}

/* Howard Hinnant's civil-date algorithms (public domain descriptions). */
int64_t ks_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void ks_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

size_t ks_time_format(int64_t ns, int frac, char *buf)
{
    int64_t secs = ns / KS_NS_PER_SEC;
    int64_t sub = ns % KS_NS_PER_SEC;
    if (sub < 0) {
        sub += KS_NS_PER_SEC;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    ks_civil_from_days(days, &y, &m, &d);
    char *p = buf;
    if (y < 0 || y > 9999) {
        /* Outside RFC 3339; clamp the way a 4-digit year field must. */
        y = y < 0 ? 0 : 9999;
    }
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, rem / 3600, 2);
    *p++ = ':';
    p = put_digits(p, rem / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, rem % 60, 2);
    if (frac > 9)
        frac = 9;
    if (frac < 0) {
        if (sub) {
            int digits = 9;
            int64_t v = sub;
            while (v % 10 == 0) {
                v /= 10;
                digits--;
            }
            *p++ = '.';
            p = put_digits(p, v, digits);
        }
    } else if (frac > 0) {
        int64_t v = sub;
        for (int i = frac; i < 9; i++)
            v /= 10;
        *p++ = '.';
        p = put_digits(p, v, frac);
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - buf);
}

static bool digits(const char *s, size_t n, size_t *i, int count, int64_t *out)
{
    int64_t v = 0;
    for (int k = 0; k < count; k++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return false;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return true;
}

static bool expect(const char *s, size_t n, size_t *i, char c)
{
    if (*i >= n || s[*i] != c)
        return false;
    (*i)++;
    return true;
}

unsigned ks_days_in_month(int64_t y, unsigned m)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mdays[m - 1] + (m == 2 && leap);
}

int ks_time_parse(const char *s, size_t n, int64_t *ns)
{
    size_t i = 0;
    int64_t y, mo, d, h, mi, se, sub = 0;
    if (!digits(s, n, &i, 4, &y) || !expect(s, n, &i, '-') || !digits(s, n, &i, 2, &mo) ||
        !expect(s, n, &i, '-') || !digits(s, n, &i, 2, &d))
        return KS_EPARSE;
    if (i >= n || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
        return KS_EPARSE;
    i++;
    if (!digits(s, n, &i, 2, &h) || !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &mi) ||
        !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &se))
        return KS_EPARSE;
    if (i < n && s[i] == '.') {
        i++;
        int count = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (count < 9) {
                sub = sub * 10 + (s[i] - '0');
                count++;
            }
            i++;
        }
        if (count == 0)
            return KS_EPARSE;
        for (; count < 9; count++)
            sub *= 10;
    }
    int64_t offset = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1;
        i++;
        int64_t oh, om;
        if (!digits(s, n, &i, 2, &oh) || !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &om))
            return KS_EPARSE;
        if (oh > 23 || om > 59)
            return KS_EPARSE;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return KS_EPARSE;
    }
    if (i != n)
        return KS_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60)
        return KS_EPARSE;
    if (d > ks_days_in_month(y, (unsigned)mo))
        return KS_EPARSE;
    if (se == 60) /* leap second: Go rejects it too */
        return KS_EPARSE;
    int64_t days = ks_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset;
    if (secs > INT64_MAX / KS_NS_PER_SEC - 1 || secs < INT64_MIN / KS_NS_PER_SEC + 1)
        return KS_ERANGE;
    *ns = secs * KS_NS_PER_SEC + sub;
    return 0;
}
