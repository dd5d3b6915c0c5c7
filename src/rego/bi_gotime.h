/*
 * Go's time package as OPA's time.* builtins see it: layouts for formatting
 * and parsing ("2006-01-02T15:04:05Z07:00" and the rest of the reference
 * time's elements), ParseDuration, calendar arithmetic with Go's
 * normalisation (time.Date, AddDate), and Go's error texts.
 *
 * Instants are Unix seconds plus nanoseconds; zones are rg_tz (NULL is UTC).
 * Pure functions; thread-safe. Errors go into a ks_buf the caller owns.
 */
#ifndef KS_REGO_BI_GOTIME_H
#define KS_REGO_BI_GOTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rego/bi_tz.h"

/* A calendar breakdown of an instant in a zone. */
typedef struct rg_civil {
    int64_t year;
    int month, day; /* 1-based */
    int yday;       /* 1..366 */
    int wday;       /* 0 = Sunday */
    int hour, min, sec;
    rg_tzinfo zone;
} rg_civil;

void rg_gotime_civil(int64_t sec, const rg_tz *loc, rg_civil *out);

/* English names as Go's Weekday.String and Month.String. */
extern const char *const rg_go_weekdays[7];
extern const char *const rg_go_months[12];

/* Go's time.Date: the instant of a wall-clock time in loc, every field
 * normalised into the next (month 13 is January of the next year, day 0 the
 * last day of the previous month, ...). False when the result is beyond
 * any representable year. */
bool rg_gotime_date(__int128 year, __int128 month, __int128 day, __int128 hour, __int128 min,
                    __int128 sec, __int128 nsec, const rg_tz *loc, int64_t *usec, int32_t *unsec);

/* Go's Time.Format for the instant (sec, nsec) in loc. Appends to b. */
void rg_gotime_format(ks_buf *b, int64_t sec, int32_t nsec, const rg_tz *loc, const char *layout,
                      size_t n);

/* Go's time.Parse: value read with layout; zone abbreviations are looked up
 * in local (Go's time.Local). 0 and the instant, or KS_EPARSE with Go's
 * message ("parsing time ...") in err. */
int rg_gotime_parse(const char *layout, size_t ln, const char *value, size_t vn, const rg_tz *local,
                    int64_t *sec, int32_t *nsec, ks_buf *err);

/* Go's time.ParseDuration. 0, or KS_EPARSE with Go's message in err. */
int rg_go_parse_duration(const char *s, size_t n, int64_t *ns, ks_buf *err);

/* Go's leadingInt: the leading decimal digits of s[0..*n) in *x, *s and *n
 * stepped past them; false when the number passes 1<<63. */
bool rg_go_leading_int(const char **s, size_t *n, uint64_t *x);

/* Go's quoting of strings in time's error messages (non-ASCII and control
 * bytes as \xNN), and strconv.Quote (fmt's %q; which code points past ASCII
 * are printable is approximated, without Go's Unicode tables). */
void rg_go_time_quote(ks_buf *b, const char *s, size_t n);

#endif
