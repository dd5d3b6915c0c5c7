/*
 * Time: clocks and RFC 3339 formatting and parsing (the timestamps of
 * Kubernetes objects, logs and Rego's time.* builtins). Times are int64
 * nanoseconds since the Unix epoch, UTC. Pure functions; thread-safe.
 */
#ifndef KS_CORE_TIME_H
#define KS_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

#define KS_NS_PER_SEC 1000000000LL

/* Wall-clock time. */
int64_t ks_time_now(void);
/* Monotonic time, for durations. */
int64_t ks_time_mono(void);

/* Room for any RFC 3339 text this module writes. */
#define KS_TIME_BUFSZ 40

/* Writes ns as RFC 3339 in UTC: "2006-01-02T15:04:05Z" with frac fraction
 * digits (0..9), or with frac -1 as Go's RFC3339Nano (up to 9 digits,
 * trailing zeros dropped). Returns the length. buf needs KS_TIME_BUFSZ. */
size_t ks_time_format(int64_t ns, int frac, char *buf);

/* Parses RFC 3339 ("2006-01-02T15:04:05.999999999Z07:00"; 't', 'z' and a
 * space separator accepted as RFC 3339 section 5.6 allows). 0, KS_EPARSE, or
 * KS_ERANGE for a valid time outside int64 nanoseconds (about 1678..2261). */
int ks_time_parse(const char *s, size_t n, int64_t *ns);

/* Days in month m (1..12) of year y, proleptic Gregorian; 0 for a bad m. */
unsigned ks_days_in_month(int64_t y, unsigned m);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t ks_days_from_civil(int64_t y, unsigned m, unsigned d);
void ks_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
