#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"

void ks_buf_init(ks_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void ks_buf_free(ks_buf *b)
{
    ks_xfree(b->data);
    size_t max = b->max;
    ks_buf_init(b, max);
}

void ks_buf_reset(ks_buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *ks_buf_detach(ks_buf *b, size_t *len)
{
    char *p = b->data;
    if (!p)
        p = ks_xcalloc(1, 1);
    if (len)
        *len = b->len;
    size_t max = b->max;
    ks_buf_init(b, max);
    return p;
}

int ks_buf_reserve(ks_buf *b, size_t extra)
{
    if (b->err)
        return b->err;
    size_t limit = b->max ? b->max : SIZE_MAX / 2;
    if (extra > limit || b->len > limit - extra) {
        b->err = KS_ELIMIT;
        return b->err;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap;
    if (b->cap == 0) {
        ncap = need < 64 ? 64 : need; /* a first reservation is usually the size */
    } else {
        ncap = b->cap;
        while (ncap < need)
            ncap *= 2;
    }
    /* Never more room than max allows: ks_buf_putc's fast path writes
     * whenever there is room, without looking at max. */
    if (b->max && ncap - 1 > b->max)
        ncap = b->max + 1;
    b->data = ks_xrealloc(b->data, ncap);
    b->cap = ncap;
    return 0;
}

int ks_buf_append(ks_buf *b, const void *p, size_t n)
{
    int rc = ks_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ks_buf_puts(ks_buf *b, const char *s)
{
    return ks_buf_append(b, s, strlen(s));
}

int ks_buf_putc_slow(ks_buf *b, char c)
{
    return ks_buf_append(b, &c, 1);
}

int ks_buf_fill(ks_buf *b, char c, size_t n)
{
    int rc = ks_buf_reserve(b, n);
    if (rc)
        return rc;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

void ks_buf_truncate(ks_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

int ks_buf_vprintf(ks_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return b->err;
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = KS_EINVAL;
        return b->err;
    }
    if ((size_t)n < sizeof(small))
        return ks_buf_append(b, small, (size_t)n);
    int rc = ks_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int ks_buf_printf(ks_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ks_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}
