/*
 * Time zones for the time.* builtins: IANA zones read from the system's
 * TZif files (/usr/share/zoneinfo), with the lookup rules of Go's time
 * package, which OPA's builtins inherit: transitions from the file, and past
 * the last one the POSIX TZ rule of the file's footer.
 *
 * A zone is loaded into one heap block (rg_tz_free releases it) and is
 * read-only afterwards, so a loaded zone may be shared between threads.
 * NULL stands for UTC everywhere. Loading reads files; lookups are pure.
 * Nothing here touches the process's TZ or calls tzset.
 */
#ifndef KS_REGO_BI_TZ_H
#define KS_REGO_BI_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct rg_tz rg_tz;

/* The zone in effect at an instant. abbr points into the zone (or a static
 * string) and is not NUL-terminated. [start, end) is the span of Unix
 * seconds over which it holds. */
typedef struct rg_tzinfo {
    const char *abbr;
    size_t abbr_len;
    int offset; /* seconds east of UTC */
    int64_t start, end;
    bool dst;
} rg_tzinfo;

/* Go's time.LoadLocation: "" and "UTC" give UTC (*out NULL), "Local" the
 * local zone (TZ, else /etc/localtime), other names the TZif file under
 * $ZONEINFO or the system zoneinfo directories. On failure returns a
 * negative code with Go's message in err ("unknown time zone X", "time:
 * invalid location name", ...). */
int rg_tz_load(const char *name, size_t n, rg_tz **out, ks_buf *err);
/* The local zone as Go's time.Local: from $TZ, else /etc/localtime; UTC
 * when neither loads. Never fails; *out may be NULL (UTC). */
void rg_tz_load_local(rg_tz **out);
/* Parses TZif data (versions 1 to 3); NULL when malformed. */
rg_tz *rg_tz_from_data(const uint8_t *data, size_t n);
void rg_tz_free(rg_tz *tz);

/* The zone in effect at Unix second sec (Go's Location.lookup). */
void rg_tz_lookup(const rg_tz *tz, int64_t sec, rg_tzinfo *out);
/* Go's Location.lookupName: the offset of the zone abbreviation name around
 * Unix second at, if the location has such a zone. */
bool rg_tz_lookup_name(const rg_tz *tz, const char *name, size_t n, int64_t at, int *offset);

#endif
