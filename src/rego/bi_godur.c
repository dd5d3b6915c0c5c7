/*
 * Go's time.ParseDuration, and the two ways Go quotes strings in the error
 * messages OPA passes on (see bi_gotime.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "rego/bi_gotime.h"

typedef struct str {
    const char *p;
    size_t n;
} str;

static void advance(str *s, size_t k)
{
    s->p += k;
    s->n -= k;
}

/* ---- quoting ---- */

void rg_go_time_quote(ks_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ks_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80 || ch < ' ') {
            char e[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
            ks_buf_append(b, e, 4);
        } else {
            if (ch == '"' || ch == '\\')
                ks_buf_putc(b, '\\');
            ks_buf_putc(b, (char)ch);
        }
    }
    ks_buf_putc(b, '"');
}

bool rg_go_leading_int(const char **s, size_t *n, uint64_t *x)
{
    size_t i = 0;
    *x = 0;
    for (; i < *n; i++) {
        char ch = (*s)[i];
        if (ch < '0' || ch > '9')
            break;
        if (*x > (UINT64_C(1) << 63) / 10)
            return false;
        *x = *x * 10 + (uint64_t)(ch - '0');
        if (*x > (UINT64_C(1) << 63))
            return false;
    }
    *s += i;
    *n -= i;
    return true;
}

/* ---- durations ---- */

static int duration_error(ks_buf *err, const char *msg, str unit, const char *s, size_t n)
{
    ks_buf_reset(err);
    ks_buf_puts(err, "time: ");
    ks_buf_puts(err, msg);
    if (unit.p) {
        rg_go_time_quote(err, unit.p, unit.n);
        ks_buf_puts(err, " in duration");
    }
    ks_buf_putc(err, ' ');
    rg_go_time_quote(err, s, n);
    return KS_EPARSE;
}

static uint64_t unit_ns(str u)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
            {"ns", 1},
            {"us", 1000},
            {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
            {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
            {"ms", 1000000},
            {"s", 1000000000},
            {"m", UINT64_C(60000000000)},
            {"h", UINT64_C(3600000000000)},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == u.n && memcmp(units[i].name, u.p, u.n) == 0)
            return units[i].ns;
    return 0;
}

int rg_go_parse_duration(const char *orig, size_t on, int64_t *ns, ks_buf *err)
{
    str s = {orig, on}, none = {NULL, 0};
    uint64_t d = 0;
    bool neg = false;
    if (s.n > 0 && (s.p[0] == '-' || s.p[0] == '+')) {
        neg = s.p[0] == '-';
        advance(&s, 1);
    }
    if (s.n == 1 && s.p[0] == '0') {
        *ns = 0;
        return 0;
    }
    if (s.n == 0)
        return duration_error(err, "invalid duration", none, orig, on);
    while (s.n > 0) {
        uint64_t v, f = 0;
        double scale = 1;
        if (!(s.p[0] == '.' || (s.p[0] >= '0' && s.p[0] <= '9')))
            return duration_error(err, "invalid duration", none, orig, on);
        size_t before = s.n;
        if (!rg_go_leading_int(&s.p, &s.n, &v))
            return duration_error(err, "invalid duration", none, orig, on);
        bool pre = before != s.n, post = false;
        if (s.n > 0 && s.p[0] == '.') {
            advance(&s, 1);
            size_t fb = s.n;
            bool overflow = false;
            /* Fraction digits; precision stops accumulating on overflow. */
            while (s.n > 0 && s.p[0] >= '0' && s.p[0] <= '9') {
                if (!overflow) {
                    uint64_t y = f * 10 + (uint64_t)(s.p[0] - '0');
                    if (f > ((UINT64_C(1) << 63) - 1) / 10 || y > (UINT64_C(1) << 63)) {
                        overflow = true;
                    } else {
                        f = y;
                        scale *= 10;
                    }
                }
                advance(&s, 1);
            }
            post = fb != s.n;
        }
        if (!pre && !post)
            return duration_error(err, "invalid duration", none, orig, on);
        size_t i = 0;
        while (i < s.n && s.p[i] != '.' && !(s.p[i] >= '0' && s.p[i] <= '9'))
            i++;
        if (i == 0)
            return duration_error(err, "missing unit in duration", none, orig, on);
        str u = {s.p, i};
        advance(&s, i);
        uint64_t unit = unit_ns(u);
        if (unit == 0)
            return duration_error(err, "unknown unit ", u, orig, on);
        if (v > (UINT64_C(1) << 63) / unit)
            return duration_error(err, "invalid duration", none, orig, on);
        v *= unit;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > (UINT64_C(1) << 63))
                return duration_error(err, "invalid duration", none, orig, on);
        }
        d += v;
        if (d > (UINT64_C(1) << 63))
            return duration_error(err, "invalid duration", none, orig, on);
    }
    if (neg) {
        *ns = (int64_t)(0 - d);
        return 0;
    }
    if (d > (uint64_t)INT64_MAX)
        return duration_error(err, "invalid duration", none, orig, on);
    *ns = (int64_t)d;
    return 0;
}
