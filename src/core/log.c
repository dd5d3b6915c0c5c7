#include "core/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/jsonstr.h"
#include "core/time.h"

static atomic_int log_level = KS_LOG_INFO;
static atomic_int log_format = KS_LOG_TEXT;
static atomic_int log_fd = -1;
static atomic_bool log_color = false;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int ks_log_level_parse(const char *s, enum ks_log_level *out)
{
    static const struct {
        const char *name;
        enum ks_log_level level;
    } names[] = {{"debug", KS_LOG_DEBUG},  {"info", KS_LOG_INFO},   {"warn", KS_LOG_WARN},
                 {"warning", KS_LOG_WARN}, {"error", KS_LOG_ERROR}, {"off", KS_LOG_OFF},
                 {"none", KS_LOG_OFF}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return KS_EINVAL;
}

int ks_log_format_parse(const char *s, enum ks_log_format *out)
{
    if (strcasecmp(s, "json") == 0 || strcasecmp(s, "zap") == 0) {
        *out = KS_LOG_JSON;
        return 0;
    }
    if (strcasecmp(s, "text") == 0 || strcasecmp(s, "pretty") == 0) {
        *out = KS_LOG_TEXT;
        return 0;
    }
    return KS_EINVAL;
}

void ks_log_setup(int level, int format, int fd)
{
    if (level < 0) {
        enum ks_log_level l = KS_LOG_INFO;
        const char *env = getenv("KS_LOGGER_LEVEL");
        if (env && *env)
            ks_log_level_parse(env, &l);
        level = (int)l;
    }
    if (format < 0) {
        enum ks_log_format f = KS_LOG_TEXT;
        const char *env = getenv("KS_LOGGER_NAME");
        if (env && *env)
            ks_log_format_parse(env, &f);
        format = (int)f;
    }
    if (fd < 0)
        fd = format == KS_LOG_JSON ? STDOUT_FILENO : STDERR_FILENO;
    atomic_store(&log_level, level);
    atomic_store(&log_format, format);
    atomic_store(&log_fd, fd);
    const char *nc = getenv("NO_COLOR");
    atomic_store(&log_color, format == KS_LOG_TEXT && isatty(fd) && !(nc && *nc));
}

bool ks_log_enabled(enum ks_log_level level)
{
    return level != KS_LOG_OFF &&
           (int)level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

enum ks_log_level ks_log_level_get(void)
{
    return (enum ks_log_level)atomic_load(&log_level);
}

static void field_value_text(ks_buf *out, const ks_log_field *f)
{
    switch (f->type) {
    case KS_LF_INT: ks_buf_printf(out, "%lld", (long long)f->v.i); break;
    case KS_LF_DOUBLE: ks_buf_printf(out, "%.17g", f->v.d); break;
    case KS_LF_BOOL: ks_buf_puts(out, f->v.b ? "true" : "false"); break;
    case KS_LF_STR: ks_buf_puts(out, f->v.s ? f->v.s : ""); break;
    case KS_LF_ERR: ks_error_format(f->v.e, out); break;
    }
}

static void field_json(ks_buf *out, const ks_log_field *f)
{
    ks_buf_putc(out, ',');
    ks_json_quote(out, f->key, strlen(f->key), 0);
    ks_buf_putc(out, ':');
    switch (f->type) {
    case KS_LF_INT:
    case KS_LF_BOOL: field_value_text(out, f); break;
    case KS_LF_DOUBLE: {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%.17g", f->v.d);
        /* JSON has no NaN or infinities. */
        if (strpbrk(tmp, "ni"))
            ks_json_quote(out, tmp, strlen(tmp), 0);
        else
            ks_buf_puts(out, tmp);
        break;
    }
    case KS_LF_STR:
    case KS_LF_ERR: {
        ks_buf tmp = KS_BUF_INIT;
        field_value_text(&tmp, f);
        ks_json_quote(out, ks_buf_cstr(&tmp), tmp.len, 0);
        ks_buf_free(&tmp);
        break;
    }
    }
}

static bool needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
            return true;
    }
    return false;
}

void ks_log_format_record(ks_buf *out, enum ks_log_format format, enum ks_log_level level,
                          int64_t ts_ns, const char *component, const char *msg,
                          const ks_log_field *fields, size_t nfields)
{
    const char *lname = level_names[level <= KS_LOG_OFF ? level : KS_LOG_ERROR];
    if (format == KS_LOG_JSON) {
        char ts[KS_TIME_BUFSZ];
        ks_time_format(ts_ns, 3, ts);
        ks_buf_puts(out, "{\"level\":\"");
        ks_buf_puts(out, lname);
        ks_buf_puts(out, "\",\"ts\":\"");
        ks_buf_puts(out, ts);
        ks_buf_puts(out, "\",\"msg\":");
        ks_json_quote(out, msg, strlen(msg), 0);
        if (component) {
            ks_buf_puts(out, ",\"component\":");
            ks_json_quote(out, component, strlen(component), 0);
        }
        for (size_t i = 0; i < nfields; i++)
            field_json(out, &fields[i]);
        ks_buf_puts(out, "}\n");
        return;
    }

    static const char *const colors[] = {"\033[2m", "\033[36m", "\033[33m", "\033[31m", ""};
    bool color = atomic_load_explicit(&log_color, memory_order_relaxed);
    if (color)
        ks_buf_puts(out, colors[level <= KS_LOG_OFF ? level : KS_LOG_ERROR]);
    ks_buf_puts(out, lname);
    if (color)
        ks_buf_puts(out, "\033[0m");
    ks_buf_puts(out, ": ");
    if (component && strcmp(component, "cli") != 0)
        ks_buf_printf(out, "[%s] ", component);
    ks_buf_puts(out, msg);
    for (size_t i = 0; i < nfields; i++) {
        ks_buf val = KS_BUF_INIT;
        field_value_text(&val, &fields[i]);
        ks_buf_putc(out, ' ');
        ks_buf_puts(out, fields[i].key);
        ks_buf_putc(out, '=');
        if (needs_quotes(ks_buf_cstr(&val), val.len))
            ks_json_quote(out, ks_buf_cstr(&val), val.len, 0);
        else
            ks_buf_append(out, val.data, val.len);
        ks_buf_free(&val);
    }
    ks_buf_putc(out, '\n');
}

void ks_log_write(enum ks_log_level level, const char *component, const char *msg,
                  const ks_log_field *fields, size_t nfields)
{
    if (!ks_log_enabled(level))
        return;
    ks_buf out;
    ks_buf_init(&out, 1 << 20);
    ks_log_format_record(&out, (enum ks_log_format)atomic_load(&log_format), level, ks_time_now(),
                         component, msg, fields, nfields);
    if (out.err) {
        /* The record was larger than 1 MiB: say so instead of cutting it. */
        ks_buf_reset(&out);
        ks_log_format_record(&out, (enum ks_log_format)atomic_load(&log_format), level,
                             ks_time_now(), component, "log record too large, dropped", NULL, 0);
    }
    int fd = atomic_load(&log_fd);
    if (fd < 0)
        fd = STDERR_FILENO;
    size_t off = 0;
    while (off < out.len) {
        ssize_t w = write(fd, out.data + off, out.len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += (size_t)w;
    }
    ks_buf_free(&out);
}
