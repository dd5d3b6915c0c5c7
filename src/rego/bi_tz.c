/* Time zones from TZif files with Go's lookup rules (see bi_tz.h). */
#include "rego/bi_tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/mem.h"
#include "core/time.h"

#define ALPHA        INT64_MIN
#define OMEGA        INT64_MAX
#define SECS_PER_DAY 86400

/* Largest zone file read, as Go's time package. */
#define TZ_FILE_MAX (10u << 20)

typedef struct tz_zone {
    int32_t offset;
    bool dst;
    uint32_t abbr;     /* offset of the abbreviation in abbrs */
    uint32_t abbr_len; /* up to its NUL */
} tz_zone;

struct rg_tz {
    size_t nzone, ntx;
    tz_zone *zones;
    int64_t *when;  /* transition times, ascending */
    uint8_t *index; /* zone taking effect at each transition */
    char *abbrs;
    char *extend; /* POSIX TZ rule for times past the last transition */
    size_t nextend;
};

void rg_tz_free(rg_tz *tz)
{
    if (!tz)
        return;
    ks_xfree(tz->zones);
    ks_xfree(tz->when);
    ks_xfree(tz->index);
    ks_xfree(tz->abbrs);
    ks_xfree(tz->extend);
    ks_xfree(tz);
}

/* ---- TZif ---- */

typedef struct reader {
    const uint8_t *p;
    size_t n;
    bool err;
} reader;

static const uint8_t *take(reader *r, size_t k)
{
    if (r->err || r->n < k) {
        r->err = true;
        r->n = 0;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += k;
    r->n -= k;
    return p;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool read_counts(reader *r, size_t n[6])
{
    for (int i = 0; i < 6; i++) {
        const uint8_t *p = take(r, 4);
        if (!p)
            return false;
        n[i] = be32(p);
    }
    return true;
}

enum { N_UTCLOCAL, N_STDWALL, N_LEAP, N_TIME, N_ZONE, N_CHAR };

rg_tz *rg_tz_from_data(const uint8_t *data, size_t len)
{
    reader r = {data, len, false};
    const uint8_t *p = take(&r, 4);
    if (!p || memcmp(p, "TZif", 4) != 0)
        return NULL;
    p = take(&r, 16);
    if (!p || (p[0] != 0 && p[0] != '2' && p[0] != '3'))
        return NULL;
    bool is64 = p[0] != 0;
    size_t n[6];
    if (!read_counts(&r, n))
        return NULL;
    if (is64) {
        /* Skip the 32-bit data and the second header's magic and version. */
        take(&r, n[N_TIME] * 5 + n[N_ZONE] * 6 + n[N_CHAR] + n[N_LEAP] * 8 + n[N_STDWALL] +
                         n[N_UTCLOCAL] + 20);
        if (!read_counts(&r, n))
            return NULL;
    }
    size_t size = is64 ? 8 : 4;
    const uint8_t *txtimes = take(&r, n[N_TIME] * size);
    const uint8_t *txzones = take(&r, n[N_TIME]);
    const uint8_t *zonedata = take(&r, n[N_ZONE] * 6);
    const uint8_t *abbrev = take(&r, n[N_CHAR]);
    take(&r, n[N_LEAP] * (size + 4));
    take(&r, n[N_STDWALL]);
    take(&r, n[N_UTCLOCAL]);
    if (r.err || n[N_ZONE] == 0)
        return NULL;

    rg_tz *tz = ks_xcalloc(1, sizeof *tz);
    if (r.n > 2 && r.p[0] == '\n' && r.p[r.n - 1] == '\n') {
        tz->nextend = r.n - 2;
        tz->extend = ks_xstrndup((const char *)r.p + 1, tz->nextend);
    }
    tz->abbrs = ks_xmalloc(n[N_CHAR] + 1);
    memcpy(tz->abbrs, abbrev, n[N_CHAR]);
    tz->abbrs[n[N_CHAR]] = '\0';
    tz->nzone = n[N_ZONE];
    tz->zones = ks_xcalloc(tz->nzone, sizeof *tz->zones);
    for (size_t i = 0; i < tz->nzone; i++) {
        const uint8_t *z = zonedata + 6 * i;
        tz->zones[i].offset = (int32_t)be32(z);
        tz->zones[i].dst = z[4] != 0;
        if (z[5] >= n[N_CHAR])
            goto bad;
        tz->zones[i].abbr = z[5];
        tz->zones[i].abbr_len = (uint32_t)strlen(tz->abbrs + z[5]);
    }
    tz->ntx = n[N_TIME] ? n[N_TIME] : 1;
    tz->when = ks_xcalloc(tz->ntx, sizeof *tz->when);
    tz->index = ks_xcalloc(tz->ntx, 1);
    if (n[N_TIME] == 0)
        tz->when[0] = ALPHA; /* one zone for all time */
    for (size_t i = 0; i < n[N_TIME]; i++) {
        const uint8_t *t = txtimes + size * i;
        tz->when[i] = is64 ? (int64_t)((uint64_t)be32(t) << 32 | be32(t + 4)) : (int32_t)be32(t);
        if (txzones[i] >= tz->nzone)
            goto bad;
        tz->index[i] = txzones[i];
    }
    return tz;
bad:
    rg_tz_free(tz);
    return NULL;
}

/* ---- POSIX TZ rules (the TZif footer), as Go's tzset ---- */

typedef struct span {
    const char *p;
    size_t n;
} span;

static bool tzset_name(span *s, span *name)
{
    if (s->n == 0)
        return false;
    if (s->p[0] != '<') {
        for (size_t i = 0; i < s->n; i++) {
            char ch = s->p[i];
            if ((ch >= '0' && ch <= '9') || ch == ',' || ch == '-' || ch == '+') {
                if (i < 3)
                    return false;
                *name = (span){s->p, i};
                s->p += i;
                s->n -= i;
                return true;
            }
        }
        if (s->n < 3)
            return false;
        *name = *s;
        s->p += s->n;
        s->n = 0;
        return true;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i] == '>') {
            *name = (span){s->p + 1, i - 1};
            s->p += i + 1;
            s->n -= i + 1;
            return true;
        }
    }
    return false;
}

static bool tzset_num(span *s, int min, int max, int *num)
{
    if (s->n == 0)
        return false;
    int v = 0;
    for (size_t i = 0; i < s->n; i++) {
        char ch = s->p[i];
        if (ch < '0' || ch > '9') {
            if (i == 0 || v < min)
                return false;
            *num = v;
            s->p += i;
            s->n -= i;
            return true;
        }
        v = v * 10 + (ch - '0');
        if (v > max)
            return false;
    }
    if (v < min)
        return false;
    *num = v;
    s->p += s->n;
    s->n = 0;
    return true;
}

static bool tzset_offset(span *s, int *off)
{
    if (s->n == 0)
        return false;
    bool neg = false;
    if (s->p[0] == '+' || s->p[0] == '-') {
        neg = s->p[0] == '-';
        s->p++;
        s->n--;
    }
    int h, m, sec;
    if (!tzset_num(s, 0, 24 * 7, &h))
        return false;
    *off = h * 3600;
    if (s->n > 0 && s->p[0] == ':') {
        s->p++;
        s->n--;
        if (!tzset_num(s, 0, 59, &m))
            return false;
        *off += m * 60;
        if (s->n > 0 && s->p[0] == ':') {
            s->p++;
            s->n--;
            if (!tzset_num(s, 0, 59, &sec))
                return false;
            *off += sec;
        }
    }
    if (neg)
        *off = -*off;
    return true;
}

enum rule_kind { RULE_JULIAN, RULE_DOY, RULE_MONTH_WEEK_DAY };

typedef struct tz_rule {
    enum rule_kind kind;
    int day, week, mon;
    int time; /* seconds after local midnight */
} tz_rule;

static bool tzset_rule(span *s, tz_rule *r)
{
    if (s->n == 0)
        return false;
    memset(r, 0, sizeof *r);
    if (s->p[0] == 'J') {
        s->p++;
        s->n--;
        if (!tzset_num(s, 1, 365, &r->day))
            return false;
        r->kind = RULE_JULIAN;
    } else if (s->p[0] == 'M') {
        s->p++;
        s->n--;
        if (!tzset_num(s, 1, 12, &r->mon) || s->n == 0 || s->p[0] != '.')
            return false;
        s->p++;
        s->n--;
        if (!tzset_num(s, 1, 5, &r->week) || s->n == 0 || s->p[0] != '.')
            return false;
        s->p++;
        s->n--;
        if (!tzset_num(s, 0, 6, &r->day))
            return false;
        r->kind = RULE_MONTH_WEEK_DAY;
    } else {
        if (!tzset_num(s, 0, 365, &r->day))
            return false;
        r->kind = RULE_DOY;
    }
    if (s->n == 0 || s->p[0] != '/') {
        r->time = 2 * 3600;
        return true;
    }
    s->p++;
    s->n--;
    return tzset_offset(s, &r->time);
}

static bool is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days of a non-leap year before month m (1..13). */
static int days_before(int m)
{
    static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
    return before[m - 1];
}

/* Seconds from the start of the year (local time at offset off) to the
 * rule's moment. */
static int64_t rule_time(int64_t year, const tz_rule *r, int off)
{
    int64_t s = 0;
    switch (r->kind) {
    case RULE_JULIAN:
        s = (int64_t)(r->day - 1) * SECS_PER_DAY;
        if (is_leap(year) && r->day >= 60)
            s += SECS_PER_DAY;
        break;
    case RULE_DOY: s = (int64_t)r->day * SECS_PER_DAY; break;
    case RULE_MONTH_WEEK_DAY: {
        /* Zeller's congruence for the weekday of the month's first day. */
        int64_t m1 = (r->mon + 9) % 12 + 1;
        int64_t yy0 = r->mon <= 2 ? year - 1 : year;
        int64_t yy1 = yy0 / 100, yy2 = yy0 % 100;
        int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
        if (dow < 0)
            dow += 7;
        int64_t d = r->day - dow;
        if (d < 0)
            d += 7;
        for (int i = 1; i < r->week; i++) {
            if (d + 7 >= ks_days_in_month(year, (unsigned)r->mon))
                break;
            d += 7;
        }
        d += days_before(r->mon);
        if (is_leap(year) && r->mon > 2)
            d++;
        s = d * SECS_PER_DAY;
        break;
    }
    }
    return s + r->time - off;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The zone a POSIX TZ rule gives at Unix second sec; lasttx is the last
 * transition of the file, the start of the rule's reign. */
static bool tzset(const char *rule, size_t len, int64_t lasttx, int64_t sec, rg_tzinfo *out)
{
    span s = {rule, len}, std_name, dst_name;
    int std_off, dst_off;
    if (!tzset_name(&s, &std_name) || !tzset_offset(&s, &std_off))
        return false;
    std_off = -std_off;
    if (s.n == 0 || s.p[0] == ',') {
        *out = (rg_tzinfo){std_name.p, std_name.n, std_off, lasttx, OMEGA, false};
        return true;
    }
    if (!tzset_name(&s, &dst_name))
        return false;
    if (s.n == 0 || s.p[0] == ',') {
        dst_off = std_off + 3600;
    } else {
        if (!tzset_offset(&s, &dst_off))
            return false;
        dst_off = -dst_off;
    }
    if (s.n == 0)
        s = (span){",M3.2.0,M11.1.0", 15};
    if (s.p[0] != ',' && s.p[0] != ';')
        return false;
    s.p++;
    s.n--;
    tz_rule start_rule, end_rule;
    if (!tzset_rule(&s, &start_rule) || s.n == 0 || s.p[0] != ',')
        return false;
    s.p++;
    s.n--;
    if (!tzset_rule(&s, &end_rule) || s.n > 0)
        return false;

    int64_t days = floor_div(sec, SECS_PER_DAY), year;
    unsigned mon, mday;
    ks_civil_from_days(days, &year, &mon, &mday);
    int64_t yday = days - ks_days_from_civil(year, 1, 1) + 1;
    int64_t ysec = (yday - 1) * SECS_PER_DAY + sec % SECS_PER_DAY;
    int64_t ystart = sec - ysec;

    int64_t start = rule_time(year, &start_rule, std_off);
    int64_t end = rule_time(year, &end_rule, dst_off);
    bool std_dst = false, dst_dst = true;
    if (end < start) {
        int64_t t = start;
        start = end;
        end = t;
        span n = std_name;
        std_name = dst_name;
        dst_name = n;
        int o = std_off;
        std_off = dst_off;
        dst_off = o;
        std_dst = true;
        dst_dst = false;
    }
    if (ysec < start)
        *out = (rg_tzinfo){std_name.p, std_name.n, std_off, ystart, start + ystart, std_dst};
    else if (ysec >= end)
        *out = (rg_tzinfo){
                std_name.p, std_name.n, std_off, end + ystart, ystart + 365 * SECS_PER_DAY,
                std_dst};
    else
        *out = (rg_tzinfo){dst_name.p, dst_name.n, dst_off, start + ystart, end + ystart, dst_dst};
    return true;
}

/* ---- lookup ---- */

static void zone_info(const rg_tz *tz, size_t zi, rg_tzinfo *out)
{
    const tz_zone *z = &tz->zones[zi];
    out->abbr = tz->abbrs + z->abbr;
    out->abbr_len = z->abbr_len;
    out->offset = z->offset;
    out->dst = z->dst;
}

/* The zone for times before the first transition. */
static size_t first_zone(const rg_tz *tz)
{
    bool used = false;
    for (size_t i = 0; i < tz->ntx; i++)
        used |= tz->index[i] == 0;
    if (!used)
        return 0;
    if (tz->ntx > 0 && tz->zones[tz->index[0]].dst) {
        for (size_t zi = tz->index[0]; zi-- > 0;)
            if (!tz->zones[zi].dst)
                return zi;
    }
    for (size_t zi = 0; zi < tz->nzone; zi++)
        if (!tz->zones[zi].dst)
            return zi;
    return 0;
}

void rg_tz_lookup(const rg_tz *tz, int64_t sec, rg_tzinfo *out)
{
    if (!tz) {
        *out = (rg_tzinfo){"UTC", 3, 0, ALPHA, OMEGA, false};
        return;
    }
    if (tz->ntx == 0 || sec < tz->when[0]) {
        zone_info(tz, first_zone(tz), out);
        out->start = ALPHA;
        out->end = tz->ntx > 0 ? tz->when[0] : OMEGA;
        return;
    }
    size_t lo = 0, hi = tz->ntx;
    int64_t end = OMEGA;
    while (hi - lo > 1) {
        size_t m = lo + (hi - lo) / 2;
        if (sec < tz->when[m]) {
            end = tz->when[m];
            hi = m;
        } else {
            lo = m;
        }
    }
    zone_info(tz, tz->index[lo], out);
    out->start = tz->when[lo];
    out->end = end;
    if (lo == tz->ntx - 1 && tz->extend) {
        rg_tzinfo ext;
        if (tzset(tz->extend, tz->nextend, out->start, sec, &ext))
            *out = ext;
    }
}

bool rg_tz_lookup_name(const rg_tz *tz, const char *name, size_t n, int64_t at, int *offset)
{
    if (!tz)
        return false;
    for (size_t i = 0; i < tz->nzone; i++) {
        const tz_zone *z = &tz->zones[i];
        if (z->abbr_len == n && memcmp(tz->abbrs + z->abbr, name, n) == 0) {
            rg_tzinfo then;
            rg_tz_lookup(tz, at - z->offset, &then);
            if (then.abbr_len == n && memcmp(then.abbr, name, n) == 0) {
                *offset = then.offset;
                return true;
            }
        }
    }
    for (size_t i = 0; i < tz->nzone; i++) {
        const tz_zone *z = &tz->zones[i];
        if (z->abbr_len == n && memcmp(tz->abbrs + z->abbr, name, n) == 0) {
            *offset = z->offset;
            return true;
        }
    }
    return false;
}

/* ---- loading ---- */

/* Reads a zone file; 0 or an errno value (EFBIG past TZ_FILE_MAX). */
static int read_file(const char *path, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
        close(fd);
        return e;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = ks_xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > TZ_FILE_MAX) {
                ks_xfree(buf);
                close(fd);
                return EFBIG;
            }
            cap *= 2;
            buf = ks_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            ks_xfree(buf);
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
}

/* Go's spelling of the system errors a zone file read can meet. */
static const char *errno_text(int e)
{
    switch (e) {
    case EISDIR: return "is a directory";
    case ENOTDIR: return "not a directory";
    case EACCES: return "permission denied";
    case ENAMETOOLONG: return "file name too long";
    case ELOOP: return "too many levels of symbolic links";
    case EINVAL: return "invalid argument";
    default: return "input/output error";
    }
}

/* Tries dir/name. 0 with *out on success, KS_ENOENT when there is no such
 * file, or another error with its message in err (when err is empty). */
static int load_from(const char *dir, const char *name, size_t n, rg_tz **out, ks_buf *err)
{
    ks_buf path = KS_BUF_INIT;
    ks_buf_puts(&path, dir);
    if (dir[0] != '\0')
        ks_buf_putc(&path, '/');
    ks_buf_append(&path, name, n);
    uint8_t *data = NULL;
    size_t len = 0;
    int e = path.err ? ENAMETOOLONG : read_file(ks_buf_cstr(&path), &data, &len);
    int rc = 0;
    if (e == ENOENT) {
        rc = KS_ENOENT;
    } else if (e == EFBIG) {
        if (err->len == 0)
            ks_buf_printf(err, "time: file %s is too large", ks_buf_cstr(&path));
        rc = KS_ELIMIT;
    } else if (e != 0) {
        if (err->len == 0)
            ks_buf_puts(err, errno_text(e));
        rc = KS_EIO;
    } else if (!(*out = rg_tz_from_data(data, len))) {
        if (err->len == 0)
            ks_buf_puts(err, "malformed time zone information");
        rc = KS_EPARSE;
    }
    ks_xfree(data);
    ks_buf_free(&path);
    return rc;
}

static const char *const zone_dirs[] = {
        "/usr/share/zoneinfo",
        "/usr/share/lib/zoneinfo",
        "/usr/lib/locale/TZ",
        "/etc/zoneinfo",
};

/* Go's loadLocation over the system directories (and $ZONEINFO first when
 * use_env): the first file that parses wins; the error is the first that
 * was not "no such file". */
static int load_named(const char *name, size_t n, bool use_env, rg_tz **out, ks_buf *err)
{
    ks_buf_reset(err);
    const char *env = use_env ? getenv("ZONEINFO") : NULL;
    size_t envlen = env ? strlen(env) : 0;
    if (envlen > 0 && !(envlen > 4 && strcmp(env + envlen - 4, ".zip") == 0)) {
        if (load_from(env, name, n, out, err) == 0)
            return 0;
    }
    for (size_t i = 0; i < sizeof zone_dirs / sizeof zone_dirs[0]; i++)
        if (load_from(zone_dirs[i], name, n, out, err) == 0)
            return 0;
    if (err->len == 0) {
        ks_buf_puts(err, "unknown time zone ");
        ks_buf_append(err, name, n);
    }
    return KS_ENOENT;
}

int rg_tz_load(const char *name, size_t n, rg_tz **out, ks_buf *err)
{
    *out = NULL;
    if (n == 0 || (n == 3 && memcmp(name, "UTC", 3) == 0))
        return 0;
    if (n == 5 && memcmp(name, "Local", 5) == 0) {
        rg_tz_load_local(out);
        return 0;
    }
    bool dotdot = false;
    for (size_t i = 0; i + 1 < n; i++)
        dotdot |= name[i] == '.' && name[i + 1] == '.';
    if (dotdot || name[0] == '/' || name[0] == '\\') {
        ks_buf_reset(err);
        ks_buf_puts(err, "time: invalid location name");
        return KS_EINVAL;
    }
    if (memchr(name, '\0', n)) {
        ks_buf_reset(err);
        ks_buf_puts(err, errno_text(EINVAL));
        return KS_EINVAL;
    }
    return load_named(name, n, true, out, err);
}

void rg_tz_load_local(rg_tz **out)
{
    *out = NULL;
    ks_buf err = KS_BUF_INIT;
    const char *tz = getenv("TZ");
    if (!tz) {
        load_from("", "/etc/localtime", 14, out, &err);
    } else if (tz[0] != '\0') {
        if (tz[0] == ':')
            tz++;
        if (tz[0] == '/')
            load_from("", tz, strlen(tz), out, &err);
        else if (tz[0] != '\0' && strcmp(tz, "UTC") != 0)
            load_named(tz, strlen(tz), false, out, &err);
    }
    ks_buf_free(&err);
}
