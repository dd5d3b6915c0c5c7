/*
 * Rego builtins: time.* (OPA's time.go). Timestamps are int64 nanoseconds
 * since the Unix epoch; a timestamp operand may also be [ns, zone] or
 * [ns, zone, layout] with an IANA zone name. Layouts, durations and the
 * calendar follow Go's time package (bi_gotime.h); zones come from the
 * system's zone files (bi_tz.h), cached per evaluation.
 */
#include "core/goquote.h"
#include "rego/builtin.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/time.h"
#include "rego/bi_gotime.h"
#include "rego/bi_tz.h"

#define NS_PER_SEC 1000000000

/* ---- instants ---- */

/* A timestamp operand: the instant, its zone, and the layout given with it
 * (time.format's third element). */
typedef struct tz_time {
    int64_t sec;
    int32_t nsec;
    const rg_tz *loc; /* NULL: UTC */
    rg_tz *owned;     /* loc when not held by the evaluation's cache */
    const char *layout;
    size_t layout_len;
} tz_time;

static void tz_time_done(rg_bctx *c, tz_time *t, const char *name, size_t n)
{
    if (t->owned) {
        /* Keep the zone for the rest of the evaluation if the cache has
         * room; otherwise it is freed here. */
        rg_bi_cache_put(c, "tz", name, n, t->owned, (void (*)(void *))rg_tz_free);
        t->owned = NULL;
    }
}

/* OPA converts the number through a 64-bit-mantissa big.Float and wants an
 * exact int64 from it. */
static bool number_ns(const kv_value *v, int64_t *out)
{
    if (kv_num_int64(v, out))
        return true;
    if (v->sub != KV_NUM_DECIMAL)
        return false; /* doubles here are fractional or beyond int64 */
#if LDBL_MANT_DIG == 64
    long double x = strtold(v->u.dec->text, NULL);
    if (x != x || x >= 0x1p63L || x < -0x1p63L || x != floorl(x))
        return false;
    if (x == 0 && kv_decimal_digits(v->u.dec)[0] != '0')
        return false; /* a tiny nonzero value, not an integer */
    *out = (int64_t)x;
    return true;
#else
    return false;
#endif
}

static int load_zone(rg_bctx *c, const char *name, size_t n, tz_time *t)
{
    t->loc = NULL;
    t->owned = NULL;
    if (n == 0 || (n == 3 && memcmp(name, "UTC", 3) == 0))
        return 0;
    rg_tz *z = rg_bi_cache_get(c, "tz", name, n);
    if (z) {
        t->loc = z;
        return 0;
    }
    ks_buf err = KS_BUF_INIT;
    if (rg_tz_load(name, n, &z, &err) < 0) {
        int rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&err));
        ks_buf_free(&err);
        return rc;
    }
    ks_buf_free(&err);
    t->loc = t->owned = z;
    return 0;
}

#define TZ_TIME_WANT "either number (ns) or [number (ns), string (tz)]"

/* OPA's tzTime: every complaint names operand 1, whichever operand it is. */
static int tz_time_operand(rg_bctx *c, const kv_value *v, tz_time *t, const char **zname,
                           size_t *zlen)
{
    const kv_value *num = v;
    memset(t, 0, sizeof *t);
    *zname = "";
    *zlen = 0;
    if (kv_kind_of(v) == KV_ARRAY) {
        if (v->len == 0)
            return rg_bi_type_error(c, 1, TZ_TIME_WANT, v);
        num = &v->u.items[0];
        if (kv_kind_of(num) != KV_NUMBER)
            return rg_bi_type_error(c, 1, "number", num);
        if (v->len > 1) {
            const kv_value *z = &v->u.items[1];
            if (kv_kind_of(z) != KV_STRING)
                return rg_bi_type_error(c, 1, "string", z);
            int rc = load_zone(c, z->u.s, z->len, t);
            if (rc < 0)
                return rc;
            *zname = z->u.s;
            *zlen = z->len;
        }
        if (v->len > 2) {
            const kv_value *l = &v->u.items[2];
            if (kv_kind_of(l) != KV_STRING) {
                tz_time_done(c, t, *zname, *zlen);
                return rg_bi_type_error(c, 1, "string", l);
            }
            t->layout = l->u.s;
            t->layout_len = l->len;
        }
    } else if (kv_kind_of(v) != KV_NUMBER) {
        return rg_bi_type_error(c, 1, TZ_TIME_WANT, v);
    }
    int64_t ns;
    if (!number_ns(num, &ns)) {
        tz_time_done(c, t, *zname, *zlen);
        return rg_bi_error(c, RG_ERR_BUILTIN, "timestamp too big");
    }
    t->sec = ns / NS_PER_SEC;
    t->nsec = (int32_t)(ns % NS_PER_SEC);
    if (t->nsec < 0) {
        t->sec--;
        t->nsec += NS_PER_SEC;
    }
    return 0;
}

/* Go's toSafeUnixNano: the instant as int64 nanoseconds, if it has one. */
static int ns_result(rg_bctx *c, int64_t sec, int32_t nsec, kv_value *out)
{
    __int128 ns = (__int128)sec * NS_PER_SEC + nsec;
    if (ns > INT64_MAX || ns < INT64_MIN)
        return rg_bi_error(c, RG_ERR_BUILTIN, "time outside of valid range");
    *out = kv_int((int64_t)ns);
    return RG_OK;
}

/* ---- now, parsing ---- */

static int bi_now_ns(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)args;
    *out = kv_int(c->now_ns);
    return RG_OK;
}

/* Layout names OPA accepts for Go's layout constants. */
static const struct {
    const char *name, *layout;
} named_layouts[] = {
        {"ANSIC", "Mon Jan _2 15:04:05 2006"},
        {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
        {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
        {"RFC822", "02 Jan 06 15:04 MST"},
        {"RFC822Z", "02 Jan 06 15:04 -0700"},
        {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
        {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
        {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
        {"RFC3339", "2006-01-02T15:04:05Z07:00"},
        {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
};

static void resolve_layout(const char **layout, size_t *n)
{
    for (size_t i = 0; i < sizeof named_layouts / sizeof named_layouts[0]; i++) {
        if (strlen(named_layouts[i].name) == *n &&
            memcmp(named_layouts[i].name, *layout, *n) == 0) {
            *layout = named_layouts[i].layout;
            *n = strlen(*layout);
            return;
        }
    }
}

static int parse_with(rg_bctx *c, const char *layout, size_t ln, const char *value, size_t vn,
                      kv_value *out)
{
    int64_t sec;
    int32_t nsec;
    ks_buf err = KS_BUF_INIT;
    tz_time local = {0};
    /* Zone abbreviations resolve against the local zone (Go's time.Local):
     * load it only for layouts that have one. */
    if (memmem(layout, ln, "MST", 3) && load_zone(c, "Local", 5, &local) < 0)
        local.loc = NULL;
    int rc = rg_gotime_parse(layout, ln, value, vn, local.loc, &sec, &nsec, &err);
    tz_time_done(c, &local, "Local", 5);
    if (rc < 0) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&err));
        ks_buf_free(&err);
        return rc;
    }
    ks_buf_free(&err);
    return ns_result(c, sec, nsec, out);
}

static int bi_parse_ns(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *layout, *value;
    size_t ln, vn;
    int rc = rg_arg_string(c, args, 0, &layout, &ln);
    if (rc < 0)
        return rc;
    rc = rg_arg_string(c, args, 1, &value, &vn);
    if (rc < 0)
        return rc;
    resolve_layout(&layout, &ln);
    return parse_with(c, layout, ln, value, vn, out);
}

static int bi_parse_rfc3339_ns(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *value;
    size_t vn;
    int rc = rg_arg_string(c, args, 0, &value, &vn);
    if (rc < 0)
        return rc;
    static const char rfc3339[] = "2006-01-02T15:04:05Z07:00";
    return parse_with(c, rfc3339, sizeof rfc3339 - 1, value, vn, out);
}

/* ---- durations ---- */

/* Go's strconv.FormatFloat(x, 'f', -1, 64): the shortest digits that read
 * back as x, in positional notation. */
static void format_float_shortest(ks_buf *b, double x)
{
    char digits[40];
    int exp = 0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(digits, sizeof digits, "%.*e", prec - 1, x);
        if (strtod(digits, NULL) == x || prec == 17)
            break;
    }
    /* digits is "d.ddde[+-]xx": collect the mantissa digits and exponent. */
    char mant[20] = {0};
    size_t nm = 0;
    const char *p = digits;
    if (*p == '-') {
        ks_buf_putc(b, '-');
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            mant[nm++] = *p;
    if (*p == 'e')
        exp = (int)strtol(p + 1, NULL, 10);
    while (nm > 1 && mant[nm - 1] == '0')
        nm--;
    if (nm == 1 && mant[0] == '0') {
        ks_buf_putc(b, '0');
        return;
    }
    if (exp >= 0) {
        for (int i = 0; i <= exp; i++)
            ks_buf_putc(b, (size_t)i < nm ? mant[i] : '0');
        if ((size_t)exp + 1 < nm) {
            ks_buf_putc(b, '.');
            ks_buf_append(b, mant + exp + 1, nm - (size_t)exp - 1);
        }
    } else {
        ks_buf_puts(b, "0.");
        for (int i = 0; i < -exp - 1; i++)
            ks_buf_putc(b, '0');
        ks_buf_append(b, mant, nm);
    }
}

/* OPA's extended durations: segments in days, weeks or years ("1d12h",
 * "2w") are rewritten to hours for Go's ParseDuration. The grammar: an
 * optional sign, then one or more [0-9.]+ followed by a unit ("ms", "us",
 * "µs", "ns" or one lowercase letter). */
static int rewrite_extended(const char *s, size_t n, ks_buf *out)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        ks_buf_putc(out, s[i++]);
    if (i == n)
        return -1;
    while (i < n) {
        size_t d0 = i;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            i++;
        if (i == d0 || i == n)
            return -1;
        size_t u0 = i;
        if (n - i >= 2 && (memcmp(s + i, "ms", 2) == 0 || memcmp(s + i, "us", 2) == 0 ||
                           memcmp(s + i, "ns", 2) == 0))
            i += 2;
        else if (n - i >= 3 && memcmp(s + i, "\xc2\xb5s", 3) == 0)
            i += 3;
        else if (s[i] >= 'a' && s[i] <= 'z')
            i++;
        else
            return -1;
        int hours = 0;
        if (i - u0 == 1)
            hours = s[u0] == 'd' ? 24 : s[u0] == 'w' ? 7 * 24 : s[u0] == 'y' ? 365 * 24 : 0;
        if (hours == 0) {
            ks_buf_append(out, s + d0, i - d0);
            continue;
        }
        /* strconv.ParseFloat of the digits: one point at most, a digit at
         * least, and finite. */
        size_t len = u0 - d0;
        const char *dot = memchr(s + d0, '.', len);
        if ((len == 1 && s[d0] == '.') ||
            (dot && memchr(dot + 1, '.', len - (size_t)(dot - (s + d0)) - 1)))
            return -1;
        char *num = ks_xstrndup(s + d0, len);
        double v = strtod(num, NULL);
        ks_xfree(num);
        if (isinf(v))
            return -1;
        format_float_shortest(out, v * hours);
        ks_buf_putc(out, 'h');
    }
    return 0;
}

static int bi_parse_duration_ns(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc < 0)
        return rc;
    ks_buf err = KS_BUF_INIT, rewritten = KS_BUF_INIT;
    int64_t ns = 0;
    bool extended = memchr(s, 'd', n) || memchr(s, 'w', n) || memchr(s, 'y', n);
    if (n == 0 || (extended && rewrite_extended(s, n, &rewritten) < 0)) {
        ks_buf_puts(&err, "time: invalid duration ");
        ks_go_quote(&err, s, n, '"', false);
        rc = -1;
    } else if (!extended) {
        rc = rg_go_parse_duration(s, n, &ns, &err);
    } else if (rewritten.err) {
        ks_buf_puts(&err, "time: invalid duration ");
        ks_go_quote(&err, s, n, '"', false);
        rc = -1;
    } else {
        rc = rg_go_parse_duration(rewritten.data, rewritten.len, &ns, &err);
        if (rc < 0) {
            /* Go's message names the rewritten text last; name ours. */
            const char *sp = memrchr(err.data, ' ', err.len);
            if (sp)
                ks_buf_truncate(&err, (size_t)(sp - err.data));
            ks_buf_putc(&err, ' ');
            ks_go_quote(&err, s, n, '"', false);
        }
    }
    if (rc < 0)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&err));
    else
        *out = kv_int(ns);
    ks_buf_free(&err);
    ks_buf_free(&rewritten);
    return rc;
}

/* ---- formatting and the calendar ---- */

static int bi_format(rg_bctx *c, const kv_value *args, kv_value *out)
{
    tz_time t;
    const char *zname;
    size_t zlen;
    int rc = tz_time_operand(c, &args[0], &t, &zname, &zlen);
    if (rc < 0)
        return rc;
    const char *layout = t.layout;
    size_t ln = t.layout_len;
    if (ln == 0) {
        layout = "RFC3339Nano";
        ln = 11;
    }
    resolve_layout(&layout, &ln);
    ks_buf b = KS_BUF_INIT;
    rg_gotime_format(&b, t.sec, t.nsec, t.loc, layout, ln);
    tz_time_done(c, &t, zname, zlen);
    rc = b.err ? RG_EHALT : rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

static int civil_of(rg_bctx *c, const kv_value *arg, rg_civil *cv, int32_t *nsec)
{
    tz_time t;
    const char *zname;
    size_t zlen;
    int rc = tz_time_operand(c, arg, &t, &zname, &zlen);
    if (rc < 0)
        return rc;
    rg_gotime_civil(t.sec, t.loc, cv);
    if (nsec)
        *nsec = t.nsec;
    tz_time_done(c, &t, zname, zlen);
    return 0;
}

static int int_array(rg_bctx *c, const int64_t *v, size_t n, kv_value *out)
{
    kv_value items[6];
    for (size_t i = 0; i < n; i++)
        items[i] = kv_int(v[i]);
    return kv_array_new(c->arena, items, n, out) < 0 ? RG_EHALT : RG_OK;
}

static int bi_date(rg_bctx *c, const kv_value *args, kv_value *out)
{
    rg_civil cv;
    int rc = civil_of(c, &args[0], &cv, NULL);
    if (rc < 0)
        return rc;
    int64_t v[3] = {cv.year, cv.month, cv.day};
    return int_array(c, v, 3, out);
}

static int bi_clock(rg_bctx *c, const kv_value *args, kv_value *out)
{
    rg_civil cv;
    int rc = civil_of(c, &args[0], &cv, NULL);
    if (rc < 0)
        return rc;
    int64_t v[3] = {cv.hour, cv.min, cv.sec};
    return int_array(c, v, 3, out);
}

static int bi_weekday(rg_bctx *c, const kv_value *args, kv_value *out)
{
    rg_civil cv;
    int rc = civil_of(c, &args[0], &cv, NULL);
    if (rc < 0)
        return rc;
    const char *name = rg_go_weekdays[cv.wday];
    return rg_make_string(c, name, strlen(name), out);
}

/* Go's AddDate: the wall-clock fields shifted and normalised in the
 * operand's zone. */
static int bi_add_date(rg_bctx *c, const kv_value *args, kv_value *out)
{
    tz_time t;
    const char *zname;
    size_t zlen;
    int rc = tz_time_operand(c, &args[0], &t, &zname, &zlen);
    if (rc < 0)
        return rc;
    int64_t years, months, days;
    if ((rc = rg_arg_int(c, args, 1, &years)) < 0 || (rc = rg_arg_int(c, args, 2, &months)) < 0 ||
        (rc = rg_arg_int(c, args, 3, &days)) < 0) {
        tz_time_done(c, &t, zname, zlen);
        return rc;
    }
    rg_civil cv;
    rg_gotime_civil(t.sec, t.loc, &cv);
    int64_t sec;
    int32_t nsec;
    bool ok = rg_gotime_date((__int128)cv.year + years, (__int128)cv.month + months,
                             (__int128)cv.day + days, cv.hour, cv.min, cv.sec, t.nsec, t.loc, &sec,
                             &nsec);
    tz_time_done(c, &t, zname, zlen);
    if (!ok)
        return rg_bi_error(c, RG_ERR_BUILTIN, "time outside of valid range");
    return ns_result(c, sec, nsec, out);
}

/* The difference between two instants as [years, months, days, hours,
 * minutes, seconds], counted on the calendar of the first operand's zone,
 * from the earlier to the later. */
static int bi_diff(rg_bctx *c, const kv_value *args, kv_value *out)
{
    tz_time t1, t2;
    const char *z1, *z2;
    size_t l1, l2;
    int rc = tz_time_operand(c, &args[0], &t1, &z1, &l1);
    if (rc < 0)
        return rc;
    rc = tz_time_operand(c, &args[1], &t2, &z2, &l2);
    if (rc < 0) {
        tz_time_done(c, &t1, z1, l1);
        return rc;
    }
    const rg_tz *loc = t1.loc;
    int64_t s1 = t1.sec, s2 = t2.sec;
    if (s1 > s2 || (s1 == s2 && t1.nsec > t2.nsec)) {
        s1 = t2.sec;
        s2 = t1.sec;
    }
    rg_civil a, b;
    rg_gotime_civil(s1, loc, &a);
    rg_gotime_civil(s2, loc, &b);
    tz_time_done(c, &t2, z2, l2);
    tz_time_done(c, &t1, z1, l1);
    int64_t year = b.year - a.year, month = b.month - a.month, day = b.day - a.day;
    int64_t hour = b.hour - a.hour, min = b.min - a.min, sec = b.sec - a.sec;
    if (sec < 0) {
        sec += 60;
        min--;
    }
    if (min < 0) {
        min += 60;
        hour--;
    }
    if (hour < 0) {
        hour += 24;
        day--;
    }
    if (day < 0) {
        day += ks_days_in_month(a.year, (unsigned)a.month);
        month--;
    }
    if (month < 0) {
        month += 12;
        year--;
    }
    int64_t v[6] = {year, month, day, hour, min, sec};
    return int_array(c, v, 6, out);
}

#define NS_OR_TZ (RG_T_NUM | RG_T_ARR)

const rg_builtin_def rg_bi_time[] = {
        {"time.now_ns", 0, RG_BI_NONDET, {0}, RG_T_NUM, bi_now_ns},
        {"time.parse_ns", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_NUM, bi_parse_ns},
        {"time.parse_rfc3339_ns", 1, 0, {RG_T_STR}, RG_T_NUM, bi_parse_rfc3339_ns},
        {"time.parse_duration_ns", 1, 0, {RG_T_STR}, RG_T_NUM, bi_parse_duration_ns},
        {"time.format", 1, 0, {NS_OR_TZ}, RG_T_STR, bi_format},
        {"time.date", 1, 0, {NS_OR_TZ}, RG_T_ARR, bi_date},
        {"time.clock", 1, 0, {NS_OR_TZ}, RG_T_ARR, bi_clock},
        {"time.weekday", 1, 0, {NS_OR_TZ}, RG_T_STR, bi_weekday},
        {"time.add_date", 4, 0, {RG_T_NUM, RG_T_NUM, RG_T_NUM, RG_T_NUM}, RG_T_NUM, bi_add_date},
        {"time.diff", 2, 0, {NS_OR_TZ, NS_OR_TZ}, RG_T_ARR, bi_diff},
        {0},
};
