/* Go's time layouts, durations and calendar arithmetic (see bi_gotime.h). */
#include "rego/bi_gotime.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/time.h"

#define SECS_PER_DAY 86400

const char *const rg_go_weekdays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
const char *const rg_go_months[12] = {"January",   "February", "March",    "April",
                                      "May",       "June",     "July",     "August",
                                      "September", "October",  "November", "December"};
static const char *const short_weekdays[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const short_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- calendar ---- */

void rg_gotime_civil(int64_t sec, const rg_tz *loc, rg_civil *out)
{
    rg_tz_lookup(loc, sec, &out->zone);
    int64_t local = sec + out->zone.offset;
    int64_t days = floor_div(local, SECS_PER_DAY);
    int64_t rem = local - days * SECS_PER_DAY;
    unsigned m, d;
    ks_civil_from_days(days, &out->year, &m, &d);
    out->month = (int)m;
    out->day = (int)d;
    out->yday = (int)(days - ks_days_from_civil(out->year, 1, 1) + 1);
    out->wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
    out->hour = (int)(rem / 3600);
    out->min = (int)(rem / 60 % 60);
    out->sec = (int)(rem % 60);
}

typedef __int128 i128;

/* Carries lo into hi so that 0 <= lo < base. */
static void norm(i128 *hi, i128 *lo, i128 base)
{
    if (*lo < 0) {
        i128 n = (-*lo - 1) / base + 1;
        *hi -= n;
        *lo += n * base;
    }
    if (*lo >= base) {
        i128 n = *lo / base;
        *hi += n;
        *lo -= n * base;
    }
}

/* Years beyond this are far outside any instant int64 nanoseconds hold;
 * Go would overflow there, we refuse. */
#define YEAR_LIMIT ((i128)1000000000000)

bool rg_gotime_date(i128 year, i128 month, i128 day, i128 hour, i128 min, i128 sec, i128 nsec,
                    const rg_tz *loc, int64_t *usec, int32_t *unsec)
{
    i128 m = month - 1;
    norm(&year, &m, 12);
    norm(&sec, &nsec, 1000000000);
    norm(&min, &sec, 60);
    norm(&hour, &min, 60);
    norm(&day, &hour, 24);
    if (year > YEAR_LIMIT || year < -YEAR_LIMIT || day > 400 * YEAR_LIMIT ||
        day < -400 * YEAR_LIMIT)
        return false;
    i128 days = (i128)ks_days_from_civil((int64_t)year, (unsigned)m + 1, 1) + day - 1;
    i128 usecs = days * SECS_PER_DAY + hour * 3600 + min * 60 + sec;
    if (usecs > INT64_MAX / 2 || usecs < INT64_MIN / 2)
        return false;
    /* The offset in effect at that wall time: look it up as if the wall
     * time were UTC, then again if the result falls outside that zone's
     * span (near a transition). */
    rg_tzinfo z;
    rg_tz_lookup(loc, (int64_t)usecs, &z);
    int offset = z.offset;
    if (offset != 0) {
        int64_t utc = (int64_t)usecs - offset;
        if (utc < z.start || utc >= z.end) {
            rg_tz_lookup(loc, utc, &z);
            offset = z.offset;
        }
        usecs -= offset;
    }
    *usec = (int64_t)usecs;
    *unsec = (int32_t)nsec;
    return true;
}

/* ---- layouts ---- */

enum {
    STD_NONE = 0,
    STD_LONG_MONTH,    /* January */
    STD_MONTH,         /* Jan */
    STD_NUM_MONTH,     /* 1 */
    STD_ZERO_MONTH,    /* 01 */
    STD_LONG_WEEKDAY,  /* Monday */
    STD_WEEKDAY,       /* Mon */
    STD_DAY,           /* 2 */
    STD_UNDER_DAY,     /* _2 */
    STD_ZERO_DAY,      /* 02 */
    STD_UNDER_YEARDAY, /* __2 */
    STD_ZERO_YEARDAY,  /* 002 */
    STD_HOUR,          /* 15 */
    STD_HOUR12,        /* 3 */
    STD_ZERO_HOUR12,   /* 03 */
    STD_MINUTE,        /* 4 */
    STD_ZERO_MINUTE,   /* 04 */
    STD_SECOND,        /* 5 */
    STD_ZERO_SECOND,   /* 05 */
    STD_LONG_YEAR,     /* 2006 */
    STD_YEAR,          /* 06 */
    STD_PM,            /* PM */
    STD_PM_LOWER,      /* pm */
    STD_TZ,            /* MST */
    STD_ISO_TZ,        /* Z0700 */
    STD_ISO_SECONDS_TZ,
    STD_ISO_SHORT_TZ,
    STD_ISO_COLON_TZ,
    STD_ISO_COLON_SECONDS_TZ,
    STD_NUM_TZ, /* -0700 */
    STD_NUM_SECONDS_TZ,
    STD_NUM_SHORT_TZ,
    STD_NUM_COLON_TZ,
    STD_NUM_COLON_SECONDS_TZ,
    STD_FRAC0, /* .000: that many digits */
    STD_FRAC9, /* .999: up to that many, trailing zeros dropped */
};

/* One step through a layout: literal text, then an element (or none at the
 * end), then the rest. */
typedef struct chunk {
    size_t prefix; /* bytes of literal text */
    int std;
    size_t start, len; /* the element's text in the layout */
    int digits;        /* fractional second digits */
    char sep;          /* fractional second separator */
} chunk;

static bool has(const char *l, size_t n, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return n >= i + k && memcmp(l + i, lit, k) == 0;
}

static bool is_digit_at(const char *s, size_t n, size_t i)
{
    return i < n && s[i] >= '0' && s[i] <= '9';
}

static chunk found(size_t i, int std, size_t len)
{
    return (chunk){.prefix = i, .std = std, .start = i, .len = len};
}

/* Go's nextStdChunk. */
static chunk next_chunk(const char *l, size_t n)
{
    static const int std0x[] = {STD_ZERO_MONTH,  STD_ZERO_DAY,    STD_ZERO_HOUR12,
                                STD_ZERO_MINUTE, STD_ZERO_SECOND, STD_YEAR};
    for (size_t i = 0; i < n; i++) {
        switch (l[i]) {
        case 'J':
            if (has(l, n, i, "Jan")) {
                if (has(l, n, i, "January"))
                    return found(i, STD_LONG_MONTH, 7);
                if (!(i + 3 < n && l[i + 3] >= 'a' && l[i + 3] <= 'z'))
                    return found(i, STD_MONTH, 3);
            }
            break;
        case 'M':
            if (has(l, n, i, "Mon")) {
                if (has(l, n, i, "Monday"))
                    return found(i, STD_LONG_WEEKDAY, 6);
                if (!(i + 3 < n && l[i + 3] >= 'a' && l[i + 3] <= 'z'))
                    return found(i, STD_WEEKDAY, 3);
            }
            if (has(l, n, i, "MST"))
                return found(i, STD_TZ, 3);
            break;
        case '0':
            if (i + 1 < n && l[i + 1] >= '1' && l[i + 1] <= '6')
                return found(i, std0x[l[i + 1] - '1'], 2);
            if (has(l, n, i, "002"))
                return found(i, STD_ZERO_YEARDAY, 3);
            break;
        case '1':
            if (i + 1 < n && l[i + 1] == '5')
                return found(i, STD_HOUR, 2);
            return found(i, STD_NUM_MONTH, 1);
        case '2':
            if (has(l, n, i, "2006"))
                return found(i, STD_LONG_YEAR, 4);
            return found(i, STD_DAY, 1);
        case '_':
            if (i + 1 < n && l[i + 1] == '2') {
                /* "_2006" is a literal '_' and the long year. */
                if (has(l, n, i + 1, "2006")) {
                    chunk c = found(i + 1, STD_LONG_YEAR, 4);
                    return c;
                }
                return found(i, STD_UNDER_DAY, 2);
            }
            if (has(l, n, i, "__2"))
                return found(i, STD_UNDER_YEARDAY, 3);
            break;
        case '3': return found(i, STD_HOUR12, 1);
        case '4': return found(i, STD_MINUTE, 1);
        case '5': return found(i, STD_SECOND, 1);
        case 'P':
            if (has(l, n, i, "PM"))
                return found(i, STD_PM, 2);
            break;
        case 'p':
            if (has(l, n, i, "pm"))
                return found(i, STD_PM_LOWER, 2);
            break;
        case '-':
            if (has(l, n, i, "-070000"))
                return found(i, STD_NUM_SECONDS_TZ, 7);
            if (has(l, n, i, "-07:00:00"))
                return found(i, STD_NUM_COLON_SECONDS_TZ, 9);
            if (has(l, n, i, "-0700"))
                return found(i, STD_NUM_TZ, 5);
            if (has(l, n, i, "-07:00"))
                return found(i, STD_NUM_COLON_TZ, 6);
            if (has(l, n, i, "-07"))
                return found(i, STD_NUM_SHORT_TZ, 3);
            break;
        case 'Z':
            if (has(l, n, i, "Z070000"))
                return found(i, STD_ISO_SECONDS_TZ, 7);
            if (has(l, n, i, "Z07:00:00"))
                return found(i, STD_ISO_COLON_SECONDS_TZ, 9);
            if (has(l, n, i, "Z0700"))
                return found(i, STD_ISO_TZ, 5);
            if (has(l, n, i, "Z07:00"))
                return found(i, STD_ISO_COLON_TZ, 6);
            if (has(l, n, i, "Z07"))
                return found(i, STD_ISO_SHORT_TZ, 3);
            break;
        case '.':
        case ',':
            if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
                char ch = l[i + 1];
                size_t j = i + 1;
                while (j < n && l[j] == ch)
                    j++;
                /* Only a run that ends the digits is a fractional second. */
                if (!is_digit_at(l, n, j)) {
                    chunk c = found(i, ch == '0' ? STD_FRAC0 : STD_FRAC9, j - i);
                    c.digits = (int)((j - (i + 1)) & 0xfff);
                    c.sep = l[i];
                    return c;
                }
            }
            break;
        default: break;
        }
    }
    return (chunk){.prefix = n, .std = STD_NONE, .start = n};
}

/* Go's appendInt: x in decimal, zero-padded to width digits. */
static void append_int(ks_buf *b, int64_t x, int width)
{
    char digits[24];
    int nd = 0;
    uint64_t u = (uint64_t)x;
    if (x < 0) {
        ks_buf_putc(b, '-');
        u = -(uint64_t)x;
    }
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    for (int pad = width - nd; pad > 0; pad--)
        ks_buf_putc(b, '0');
    while (nd > 0)
        ks_buf_putc(b, digits[--nd]);
}

static void append_nano(ks_buf *b, int32_t nsec, int std, int digits, char sep)
{
    bool trim = std == STD_FRAC9;
    if (trim && (digits == 0 || nsec == 0))
        return;
    char buf[10];
    for (int i = 8; i >= 0; i--) {
        buf[i] = (char)('0' + nsec % 10);
        nsec /= 10;
    }
    int len = digits < 9 ? digits : 9;
    if (trim)
        while (len > 0 && buf[len - 1] == '0')
            len--;
    if (trim && len == 0)
        return;
    ks_buf_putc(b, sep);
    ks_buf_append(b, buf, (size_t)len);
}

static bool is_iso_tz(int std)
{
    return std == STD_ISO_TZ || std == STD_ISO_COLON_TZ || std == STD_ISO_SECONDS_TZ ||
           std == STD_ISO_SHORT_TZ || std == STD_ISO_COLON_SECONDS_TZ;
}

static void append_zone(ks_buf *b, int std, int offset)
{
    if (offset == 0 && is_iso_tz(std)) {
        ks_buf_putc(b, 'Z');
        return;
    }
    int zone = offset / 60, abs = offset;
    if (zone < 0) {
        ks_buf_putc(b, '-');
        zone = -zone;
        abs = -abs;
    } else {
        ks_buf_putc(b, '+');
    }
    append_int(b, zone / 60, 2);
    bool colon = std == STD_ISO_COLON_TZ || std == STD_NUM_COLON_TZ ||
                 std == STD_ISO_COLON_SECONDS_TZ || std == STD_NUM_COLON_SECONDS_TZ;
    if (colon)
        ks_buf_putc(b, ':');
    if (std != STD_NUM_SHORT_TZ && std != STD_ISO_SHORT_TZ)
        append_int(b, zone % 60, 2);
    if (std == STD_ISO_SECONDS_TZ || std == STD_NUM_SECONDS_TZ || std == STD_NUM_COLON_SECONDS_TZ ||
        std == STD_ISO_COLON_SECONDS_TZ) {
        if (std == STD_NUM_COLON_SECONDS_TZ || std == STD_ISO_COLON_SECONDS_TZ)
            ks_buf_putc(b, ':');
        append_int(b, abs % 60, 2);
    }
}

void rg_gotime_format(ks_buf *b, int64_t sec, int32_t nsec, const rg_tz *loc, const char *layout,
                      size_t n)
{
    rg_civil t;
    rg_gotime_civil(sec, loc, &t);
    while (n > 0) {
        chunk c = next_chunk(layout, n);
        ks_buf_append(b, layout, c.prefix);
        if (c.std == STD_NONE)
            break;
        layout += c.start + c.len;
        n -= c.start + c.len;
        int hr12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
        switch (c.std) {
        case STD_YEAR: append_int(b, (t.year < 0 ? -t.year : t.year) % 100, 2); break;
        case STD_LONG_YEAR: append_int(b, t.year, 4); break;
        case STD_MONTH: ks_buf_puts(b, short_months[t.month - 1]); break;
        case STD_LONG_MONTH: ks_buf_puts(b, rg_go_months[t.month - 1]); break;
        case STD_NUM_MONTH: append_int(b, t.month, 0); break;
        case STD_ZERO_MONTH: append_int(b, t.month, 2); break;
        case STD_WEEKDAY: ks_buf_puts(b, short_weekdays[t.wday]); break;
        case STD_LONG_WEEKDAY: ks_buf_puts(b, rg_go_weekdays[t.wday]); break;
        case STD_DAY: append_int(b, t.day, 0); break;
        case STD_UNDER_DAY:
            if (t.day < 10)
                ks_buf_putc(b, ' ');
            append_int(b, t.day, 0);
            break;
        case STD_ZERO_DAY: append_int(b, t.day, 2); break;
        case STD_UNDER_YEARDAY:
            if (t.yday < 100)
                ks_buf_puts(b, t.yday < 10 ? "  " : " ");
            append_int(b, t.yday, 0);
            break;
        case STD_ZERO_YEARDAY: append_int(b, t.yday, 3); break;
        case STD_HOUR: append_int(b, t.hour, 2); break;
        case STD_HOUR12: append_int(b, hr12, 0); break;
        case STD_ZERO_HOUR12: append_int(b, hr12, 2); break;
        case STD_MINUTE: append_int(b, t.min, 0); break;
        case STD_ZERO_MINUTE: append_int(b, t.min, 2); break;
        case STD_SECOND: append_int(b, t.sec, 0); break;
        case STD_ZERO_SECOND: append_int(b, t.sec, 2); break;
        case STD_PM: ks_buf_puts(b, t.hour >= 12 ? "PM" : "AM"); break;
        case STD_PM_LOWER: ks_buf_puts(b, t.hour >= 12 ? "pm" : "am"); break;
        case STD_TZ:
            if (t.zone.abbr_len > 0) {
                ks_buf_append(b, t.zone.abbr, t.zone.abbr_len);
            } else {
                int zone = t.zone.offset / 60;
                ks_buf_putc(b, zone < 0 ? '-' : '+');
                if (zone < 0)
                    zone = -zone;
                append_int(b, zone / 60, 2);
                append_int(b, zone % 60, 2);
            }
            break;
        case STD_FRAC0:
        case STD_FRAC9: append_nano(b, nsec, c.std, c.digits, c.sep); break;
        default: append_zone(b, c.std, t.zone.offset); break;
        }
    }
}

/* ---- parsing ---- */

typedef struct str {
    const char *p;
    size_t n;
} str;

static void advance(str *s, size_t k)
{
    s->p += k;
    s->n -= k;
}

/* Go's atoi: an optional sign and digits, nothing else. */
static bool go_atoi(str s, int64_t *x)
{
    bool neg = false;
    if (s.n > 0 && (s.p[0] == '-' || s.p[0] == '+')) {
        neg = s.p[0] == '-';
        advance(&s, 1);
    }
    uint64_t q;
    if (!rg_go_leading_int(&s.p, &s.n, &q) || s.n > 0)
        return false;
    *x = neg ? -(int64_t)q : (int64_t)q;
    return true;
}

/* One or two digits (exactly two when fixed). */
static bool getnum(str *s, bool fixed, int *v)
{
    if (!is_digit_at(s->p, s->n, 0))
        return false;
    if (!is_digit_at(s->p, s->n, 1)) {
        if (fixed)
            return false;
        *v = s->p[0] - '0';
        advance(s, 1);
        return true;
    }
    *v = (s->p[0] - '0') * 10 + (s->p[1] - '0');
    advance(s, 2);
    return true;
}

static bool getnum3(str *s, bool fixed, int *v)
{
    int i = 0, x = 0;
    for (; i < 3 && is_digit_at(s->p, s->n, (size_t)i); i++)
        x = x * 10 + (s->p[i] - '0');
    if (i == 0 || (fixed && i != 3))
        return false;
    *v = x;
    advance(s, (size_t)i);
    return true;
}

static void cutspace(str *s)
{
    while (s->n > 0 && s->p[0] == ' ')
        advance(s, 1);
}

/* Removes the literal prefix from value, runs of spaces matching runs of
 * spaces. On failure value is left where the mismatch is. */
static bool skip(str *value, str prefix)
{
    while (prefix.n > 0) {
        if (prefix.p[0] == ' ') {
            if (value->n > 0 && value->p[0] != ' ')
                return false;
            cutspace(&prefix);
            cutspace(value);
            continue;
        }
        if (value->n == 0 || value->p[0] != prefix.p[0])
            return false;
        advance(&prefix, 1);
        advance(value, 1);
    }
    return true;
}

/* Case-insensitive ASCII match of equal-length strings, as Go's match. */
static bool match_fold(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c1 = (unsigned char)a[i], c2 = (unsigned char)b[i];
        if (c1 != c2) {
            c1 |= 'a' - 'A';
            c2 |= 'a' - 'A';
            if (c1 != c2 || c1 < 'a' || c1 > 'z')
                return false;
        }
    }
    return true;
}

static int lookup_name(const char *const *tab, int count, str *value)
{
    for (int i = 0; i < count; i++) {
        size_t k = strlen(tab[i]);
        if (value->n >= k && match_fold(value->p, tab[i], k)) {
            advance(value, k);
            return i;
        }
    }
    return -1;
}

/* A fractional second: value starts with the separator; nbytes counts it.
 * Sets *range_err for a negative fraction. */
static bool parse_nanoseconds(str value, size_t nbytes, int *ns, const char **range_err)
{
    if (value.p[0] != '.' && value.p[0] != ',')
        return false;
    if (nbytes > 10)
        nbytes = 10;
    int64_t x;
    if (!go_atoi((str){value.p + 1, nbytes - 1}, &x))
        return false;
    if (x < 0) {
        *range_err = "fractional second";
        return true;
    }
    for (size_t i = 0; i < 10 - nbytes; i++)
        x *= 10;
    *ns = (int)x;
    return true;
}

/* A signed hour offset "+3" or "-11" (at most 23) at the start of value;
 * its length or 0. */
static size_t parse_signed_offset(str value)
{
    if (value.n == 0 || (value.p[0] != '-' && value.p[0] != '+'))
        return 0;
    str rest = {value.p + 1, value.n - 1};
    uint64_t x;
    if (!rg_go_leading_int(&rest.p, &rest.n, &x) || rest.n == value.n - 1 || x > 23)
        return 0;
    return value.n - rest.n;
}

/* Go's parseTimeZone: the length of a zone abbreviation at the start. */
static size_t parse_time_zone(str v)
{
    if (v.n < 3)
        return 0;
    if (v.n >= 4 && (memcmp(v.p, "ChST", 4) == 0 || memcmp(v.p, "MeST", 4) == 0))
        return 4;
    if (memcmp(v.p, "GMT", 3) == 0) {
        if (v.n == 3)
            return 3;
        return 3 + parse_signed_offset((str){v.p + 3, v.n - 3});
    }
    if (v.p[0] == '+' || v.p[0] == '-')
        return parse_signed_offset(v);
    size_t upper = 0;
    while (upper < 6 && upper < v.n && v.p[upper] >= 'A' && v.p[upper] <= 'Z')
        upper++;
    switch (upper) {
    case 5: return v.p[4] == 'T' ? 5 : 0;
    case 4: return (v.p[3] == 'T' || memcmp(v.p, "WITA", 4) == 0) ? 4 : 0;
    case 3: return 3;
    default: return 0;
    }
}

static int parse_error(ks_buf *err, str layout, str value, str elem_layout, str elem_value,
                       const char *msg, str msg_value)
{
    ks_buf_reset(err);
    ks_buf_puts(err, "parsing time ");
    rg_go_time_quote(err, value.p, value.n);
    if (msg) {
        ks_buf_puts(err, msg);
        if (msg_value.p)
            rg_go_time_quote(err, msg_value.p, msg_value.n);
    } else {
        ks_buf_puts(err, " as ");
        rg_go_time_quote(err, layout.p, layout.n);
        ks_buf_puts(err, ": cannot parse ");
        rg_go_time_quote(err, elem_value.p, elem_value.n);
        ks_buf_puts(err, " as ");
        rg_go_time_quote(err, elem_layout.p, elem_layout.n);
    }
    return KS_EPARSE;
}

/* Parses a numeric zone offset for the TZ elements; false when malformed. */
static bool parse_offset(int std, str *value, int *offset, const char **range_err)
{
    const char *v = value->p;
    size_t n = value->n;
    str hh, mm = {"00", 2}, ss = {"00", 2};
    size_t used;
    if (std == STD_ISO_COLON_TZ || std == STD_NUM_COLON_TZ) {
        if (n < 6 || v[3] != ':')
            return false;
        hh = (str){v + 1, 2};
        mm = (str){v + 4, 2};
        used = 6;
    } else if (std == STD_NUM_SHORT_TZ || std == STD_ISO_SHORT_TZ) {
        if (n < 3)
            return false;
        hh = (str){v + 1, 2};
        used = 3;
    } else if (std == STD_ISO_COLON_SECONDS_TZ || std == STD_NUM_COLON_SECONDS_TZ) {
        if (n < 9 || v[3] != ':' || v[6] != ':')
            return false;
        hh = (str){v + 1, 2};
        mm = (str){v + 4, 2};
        ss = (str){v + 7, 2};
        used = 9;
    } else if (std == STD_ISO_SECONDS_TZ || std == STD_NUM_SECONDS_TZ) {
        if (n < 7)
            return false;
        hh = (str){v + 1, 2};
        mm = (str){v + 3, 2};
        ss = (str){v + 5, 2};
        used = 7;
    } else {
        if (n < 5)
            return false;
        hh = (str){v + 1, 2};
        mm = (str){v + 3, 2};
        used = 5;
    }
    advance(value, used);
    int hr = 0, min = 0, sec = 0;
    bool ok = getnum(&hh, true, &hr) && getnum(&mm, true, &min) && getnum(&ss, true, &sec);
    if (hr > 24)
        *range_err = "time zone offset hour";
    if (min > 60)
        *range_err = "time zone offset minute";
    if (sec > 60)
        *range_err = "time zone offset second";
    *offset = (hr * 60 + min) * 60 + sec;
    if (v[0] == '-')
        *offset = -*offset;
    else if (v[0] != '+')
        ok = false;
    return ok;
}

/* The fields parse reads, before they make a date. */
typedef struct parsed {
    int64_t year;
    int month, day, yday, hour, min, sec, nsec;
    bool am, pm, utc;
    int zone_offset; /* -1: none (so an offset of -1s is none, as in Go) */
    str zone_name;
} parsed;

/* Reads one layout element c from *vp into t; layout is the rest of the
 * layout after it. False when the value does not fit the element; a range
 * error goes to *range_err. */
static bool parse_element(parsed *t, chunk c, str layout, str *vp, const char **range_err)
{
    str value = *vp;
    bool ok = true;
    switch (c.std) {
    case STD_YEAR:
        if (value.n < 2) {
            ok = false;
            break;
        }
        ok = go_atoi((str){value.p, 2}, &t->year);
        advance(&value, 2);
        if (ok)
            t->year += t->year >= 69 ? 1900 : 2000;
        break;
    case STD_LONG_YEAR:
        if (value.n < 4 || !is_digit_at(value.p, value.n, 0)) {
            ok = false;
            break;
        }
        ok = go_atoi((str){value.p, 4}, &t->year);
        advance(&value, 4);
        break;
    case STD_MONTH:
        t->month = lookup_name(short_months, 12, &value) + 1;
        ok = t->month > 0;
        break;
    case STD_LONG_MONTH:
        t->month = lookup_name(rg_go_months, 12, &value) + 1;
        ok = t->month > 0;
        break;
    case STD_NUM_MONTH:
    case STD_ZERO_MONTH:
        ok = getnum(&value, c.std == STD_ZERO_MONTH, &t->month);
        if (ok && (t->month <= 0 || t->month > 12))
            *range_err = "month";
        break;
    case STD_WEEKDAY: ok = lookup_name(short_weekdays, 7, &value) >= 0; break;
    case STD_LONG_WEEKDAY: ok = lookup_name(rg_go_weekdays, 7, &value) >= 0; break;
    case STD_DAY:
    case STD_UNDER_DAY:
    case STD_ZERO_DAY:
        if (c.std == STD_UNDER_DAY && value.n > 0 && value.p[0] == ' ')
            advance(&value, 1);
        ok = getnum(&value, c.std == STD_ZERO_DAY, &t->day);
        break;
    case STD_UNDER_YEARDAY:
    case STD_ZERO_YEARDAY:
        for (int i = 0; i < 2; i++)
            if (c.std == STD_UNDER_YEARDAY && value.n > 0 && value.p[0] == ' ')
                advance(&value, 1);
        ok = getnum3(&value, c.std == STD_ZERO_YEARDAY, &t->yday);
        break;
    case STD_HOUR:
        t->hour = 0;
        ok = getnum(&value, false, &t->hour);
        if (t->hour < 0 || t->hour >= 24)
            *range_err = "hour";
        break;
    case STD_HOUR12:
    case STD_ZERO_HOUR12:
        t->hour = 0;
        ok = getnum(&value, c.std == STD_ZERO_HOUR12, &t->hour);
        if (t->hour < 0 || t->hour > 12)
            *range_err = "hour";
        break;
    case STD_MINUTE:
    case STD_ZERO_MINUTE:
        t->min = 0;
        ok = getnum(&value, c.std == STD_ZERO_MINUTE, &t->min);
        if (t->min < 0 || t->min >= 60)
            *range_err = "minute";
        break;
    case STD_SECOND:
    case STD_ZERO_SECOND:
        t->sec = 0;
        ok = getnum(&value, c.std == STD_ZERO_SECOND, &t->sec);
        if (!ok)
            break;
        if (t->sec < 0 || t->sec >= 60) {
            *range_err = "second";
            break;
        }
        /* A fraction after the seconds is accepted even when the layout
         * has none, unless the layout's next element is one. */
        if (value.n >= 2 && (value.p[0] == '.' || value.p[0] == ',') &&
            is_digit_at(value.p, value.n, 1)) {
            chunk nc = next_chunk(layout.p, layout.n);
            if (nc.std == STD_FRAC0 || nc.std == STD_FRAC9)
                break;
            size_t k = 2;
            while (k < value.n && is_digit_at(value.p, value.n, k))
                k++;
            ok = parse_nanoseconds(value, k, &t->nsec, range_err);
            advance(&value, k);
        }
        break;
    case STD_PM:
    case STD_PM_LOWER:
        if (value.n < 2) {
            ok = false;
            break;
        }
        if (memcmp(value.p, c.std == STD_PM ? "PM" : "pm", 2) == 0)
            t->pm = true;
        else if (memcmp(value.p, c.std == STD_PM ? "AM" : "am", 2) == 0)
            t->am = true;
        else
            ok = false;
        advance(&value, 2);
        break;
    case STD_ISO_TZ:
    case STD_ISO_SHORT_TZ:
    case STD_ISO_COLON_TZ:
    case STD_ISO_SECONDS_TZ:
    case STD_ISO_COLON_SECONDS_TZ:
        if (value.n >= 1 && value.p[0] == 'Z') {
            advance(&value, 1);
            t->utc = true;
            break;
        }
        ok = parse_offset(c.std, &value, &t->zone_offset, range_err);
        break;
    case STD_NUM_TZ:
    case STD_NUM_SHORT_TZ:
    case STD_NUM_COLON_TZ:
    case STD_NUM_SECONDS_TZ:
    case STD_NUM_COLON_SECONDS_TZ:
        ok = parse_offset(c.std, &value, &t->zone_offset, range_err);
        break;
    case STD_TZ: {
        if (value.n >= 3 && memcmp(value.p, "UTC", 3) == 0) {
            t->utc = true;
            advance(&value, 3);
            break;
        }
        size_t k = parse_time_zone(value);
        if (k == 0) {
            ok = false;
            break;
        }
        t->zone_name = (str){value.p, k};
        advance(&value, k);
        break;
    }
    case STD_FRAC0: {
        size_t nd = 1 + (size_t)c.digits;
        if (value.n < nd) {
            ok = false;
            break;
        }
        ok = parse_nanoseconds(value, nd, &t->nsec, range_err);
        advance(&value, nd);
        break;
    }
    case STD_FRAC9: {
        if (value.n < 2 || (value.p[0] != '.' && value.p[0] != ',') ||
            !is_digit_at(value.p, value.n, 1))
            break; /* omitted */
        size_t i = 0;
        while (i + 1 < value.n && is_digit_at(value.p, value.n, i + 1))
            i++;
        ok = parse_nanoseconds(value, 1 + i, &t->nsec, range_err);
        advance(&value, 1 + i);
        break;
    }
    default: break;
    }
    *vp = value;
    return ok;
}

int rg_gotime_parse(const char *layout_p, size_t ln, const char *value_p, size_t vn,
                    const rg_tz *local, int64_t *out_sec, int32_t *out_nsec, ks_buf *err)
{
    str alayout = {layout_p, ln}, avalue = {value_p, vn};
    str layout = alayout, value = avalue, none = {NULL, 0};
    const char *range_err = NULL;
    parsed t = {.month = -1, .day = -1, .yday = -1, .zone_offset = -1};

    for (;;) {
        chunk c = next_chunk(layout.p, layout.n);
        str prefix = {layout.p, c.prefix};
        str stdstr = {layout.p + c.start, c.len};
        if (!skip(&value, prefix))
            return parse_error(err, alayout, avalue, prefix, value, NULL, none);
        if (c.std == STD_NONE) {
            if (value.n != 0)
                return parse_error(err, alayout, avalue, none, value, ": extra text: ", value);
            break;
        }
        advance(&layout, c.start + c.len);
        str hold = value;
        bool ok = parse_element(&t, c, layout, &value, &range_err);
        if (range_err) {
            char msg[64];
            snprintf(msg, sizeof msg, ": %s out of range", range_err);
            return parse_error(err, alayout, avalue, stdstr, value, msg, none);
        }
        if (!ok)
            return parse_error(err, alayout, avalue, stdstr, hold, NULL, none);
    }
    if (t.pm && t.hour < 12)
        t.hour += 12;
    else if (t.am && t.hour == 12)
        t.hour = 0;

    if (t.yday >= 0) {
        int m = 0, d = 0;
        if (ks_days_in_month(t.year, 2) == 29) {
            if (t.yday == 31 + 29) {
                m = 2;
                d = 29;
            } else if (t.yday > 31 + 29) {
                t.yday--;
            }
        }
        if (t.yday < 1 || t.yday > 365)
            return parse_error(err, alayout, avalue, none, value, ": day-of-year out of range",
                               none);
        if (m == 0) {
            static const int before[] = {0,   31,  59,  90,  120, 151, 181,
                                         212, 243, 273, 304, 334, 365};
            m = (t.yday - 1) / 31 + 1;
            if (before[m] < t.yday)
                m++;
            d = t.yday - before[m - 1];
        }
        if (t.month >= 0 && t.month != m)
            return parse_error(err, alayout, avalue, none, value,
                               ": day-of-year does not match month", none);
        t.month = m;
        if (t.day >= 0 && t.day != d)
            return parse_error(err, alayout, avalue, none, value,
                               ": day-of-year does not match day", none);
        t.day = d;
    } else {
        if (t.month < 0)
            t.month = 1;
        if (t.day < 0)
            t.day = 1;
    }
    if (t.day < 1 || (unsigned)t.day > ks_days_in_month(t.year, (unsigned)t.month))
        return parse_error(err, alayout, avalue, none, value, ": day out of range", none);

    int64_t usecs = ks_days_from_civil(t.year, (unsigned)t.month, (unsigned)t.day) * SECS_PER_DAY +
                    t.hour * 3600 + t.min * 60 + t.sec;
    if (!t.utc && t.zone_offset != -1) {
        usecs -= t.zone_offset;
    } else if (!t.utc && t.zone_name.p) {
        /* A zone abbreviation counts only when the local zone knows it;
         * otherwise the time is kept as if UTC. */
        int off;
        if (rg_tz_lookup_name(local, t.zone_name.p, t.zone_name.n, usecs, &off))
            usecs -= off;
    }
    *out_sec = usecs;
    *out_nsec = t.nsec;
    return 0;
}
