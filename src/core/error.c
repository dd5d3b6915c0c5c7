#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ks_strerror(int code)
{
    switch (code) {
    case KS_OK: return "success";
    case KS_ENOMEM: return "out of memory";
    case KS_EINVAL: return "invalid argument";
    case KS_EIO: return "input/output error";
    case KS_ENOENT: return "not found";
    case KS_EPARSE: return "parse error";
    case KS_ELIMIT: return "limit exceeded";
    case KS_ETYPE: return "type error";
    case KS_ERANGE: return "out of range";
    case KS_EEXIST: return "already exists";
    case KS_EUNSUPPORTED: return "not supported";
    case KS_EUSAGE: return "usage error";
    default: return "unknown error";
    }
}

void ks_error_clear(ks_error *e)
{
    if (e)
        memset(e, 0, sizeof(*e));
}

static void copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int ks_error_set(ks_error *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    ks_error_clear(e);
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

int ks_error_at(ks_error *e, int code, const char *source, int line, int col, size_t offset,
                const char *fmt, ...)
{
    if (!e)
        return code;
    ks_error_clear(e);
    e->code = code;
    e->line = line;
    e->col = col;
    e->offset = offset;
    if (source)
        copy_trunc(e->source, sizeof(e->source), source);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

int ks_error_source(ks_error *e, const char *source)
{
    if (!e)
        return 0;
    if (!e->source[0] && source)
        copy_trunc(e->source, sizeof(e->source), source);
    return e->code;
}

void ks_error_format(const ks_error *e, ks_buf *out)
{
    size_t start = out->len;
    if (e->source[0]) {
        ks_buf_puts(out, e->source);
        ks_buf_putc(out, ':');
    }
    if (e->line > 0) {
        ks_buf_printf(out, "%d:", e->line);
        if (e->col > 0)
            ks_buf_printf(out, "%d:", e->col);
    }
    if (out->len > start)
        ks_buf_putc(out, ' ');
    ks_buf_puts(out, e->msg[0] ? e->msg : ks_strerror(e->code));
}
