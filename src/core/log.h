/*
 * Structured logging.
 *
 * Two formats: JSON lines for the servers (one object per line on stdout,
 * with "level", "ts" (RFC 3339, UTC), "msg", "component" and free fields, the
 * shape of upstream's zap logs), and a human text mode for the CLI on stderr.
 * Level and format come from ks_log_setup, which the roles call with their
 * --log-level/--log-format flags, falling back to the KS_LOGGER_LEVEL and
 * KS_LOGGER_NAME environment variables that upstream uses ("zap" for JSON,
 * "pretty" for text).
 *
 *     ks_log_info("storage", "listening", KS_F_INT("port", 8443));
 *     ks_log_warn("operator", "scan failed", KS_F_STR("jobId", id), KS_F_ERR(&err));
 *
 * Thread-safe: each record is written with one write(2) call.
 */
#ifndef KS_CORE_LOG_H
#define KS_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum ks_log_level { KS_LOG_DEBUG, KS_LOG_INFO, KS_LOG_WARN, KS_LOG_ERROR, KS_LOG_OFF };
enum ks_log_format { KS_LOG_JSON, KS_LOG_TEXT };

enum ks_log_ftype { KS_LF_STR, KS_LF_INT, KS_LF_DOUBLE, KS_LF_BOOL, KS_LF_ERR };

typedef struct ks_log_field {
    const char *key;
    enum ks_log_ftype type;
    union {
        const char *s;
        int64_t i;
        double d;
        bool b;
        const ks_error *e;
    } v;
} ks_log_field;

#define KS_F_STR(k, x)    ((ks_log_field){.key = (k), .type = KS_LF_STR, .v.s = (x)})
#define KS_F_INT(k, x)    ((ks_log_field){.key = (k), .type = KS_LF_INT, .v.i = (int64_t)(x)})
#define KS_F_DOUBLE(k, x) ((ks_log_field){.key = (k), .type = KS_LF_DOUBLE, .v.d = (x)})
#define KS_F_BOOL(k, x)   ((ks_log_field){.key = (k), .type = KS_LF_BOOL, .v.b = (x)})
/* "error": the formatted ks_error (position included). */
#define KS_F_ERR(x) ((ks_log_field){.key = "error", .type = KS_LF_ERR, .v.e = (x)})

/* Sets level, format and output descriptor (-1: stdout for JSON, stderr for
 * text). Unset level/format (negative) are taken from the environment, else
 * info and the given default. */
void ks_log_setup(int level, int format, int fd);

/* Parses "debug", "info", "warn"/"warning", "error", "off"/"none". */
int ks_log_level_parse(const char *s, enum ks_log_level *out);
/* Parses "json"/"zap" and "text"/"pretty". */
int ks_log_format_parse(const char *s, enum ks_log_format *out);

bool ks_log_enabled(enum ks_log_level level);
enum ks_log_level ks_log_level_get(void);

void ks_log_write(enum ks_log_level level, const char *component, const char *msg,
                  const ks_log_field *fields, size_t nfields);

/* Formats a record into out without writing it (used by tests and by
 * ks_log_write). ts_ns is the record's time. */
void ks_log_format_record(ks_buf *out, enum ks_log_format format, enum ks_log_level level,
                          int64_t ts_ns, const char *component, const char *msg,
                          const ks_log_field *fields, size_t nfields);

/* The first element is a placeholder so an empty field list still compiles. */
#define KS_LOG_FIELDS_(...)  ((const ks_log_field[]){{.key = NULL}, __VA_ARGS__})
#define KS_LOG_NFIELDS_(...) (sizeof(KS_LOG_FIELDS_(__VA_ARGS__)) / sizeof(ks_log_field) - 1)

#define ks_log(level, component, msg, ...)                                             \
    do {                                                                               \
        if (ks_log_enabled(level))                                                     \
            ks_log_write((level), (component), (msg), KS_LOG_FIELDS_(__VA_ARGS__) + 1, \
                         KS_LOG_NFIELDS_(__VA_ARGS__));                                \
    } while (0)

#define ks_log_debug(component, ...) ks_log(KS_LOG_DEBUG, component, __VA_ARGS__)
#define ks_log_info(component, ...)  ks_log(KS_LOG_INFO, component, __VA_ARGS__)
#define ks_log_warn(component, ...)  ks_log(KS_LOG_WARN, component, __VA_ARGS__)
#define ks_log_error(component, ...) ks_log(KS_LOG_ERROR, component, __VA_ARGS__)

#endif
