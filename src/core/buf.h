/*
 * String builder: a growable byte buffer with a maximum (git's strbuf, curl's
 * dynbuf). All string assembly goes through it; there is no sprintf here.
 *
 * The buffer always keeps a terminating NUL after len bytes once anything has
 * been written, so data can be used as a C string when the content has no
 * embedded NUL. Errors are sticky: after an append fails (KS_ELIMIT past the
 * maximum), later appends do nothing and return the same error, so a writer
 * can append freely and check b->err once at the end.
 *
 * Memory comes from the heap (charged to ks_mem_heap); release it with
 * ks_buf_free, or take it with ks_buf_detach. Not thread-safe.
 */
#ifndef KS_CORE_BUF_H
#define KS_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ks_buf {
    char *data;
    size_t len;
    size_t cap; /* bytes allocated, the NUL's byte included */
    size_t max; /* largest len allowed; 0 for no limit */
    int err;    /* first error, or 0 */
} ks_buf;

#define KS_BUF_INIT \
    {               \
        0           \
    }

void ks_buf_init(ks_buf *b, size_t max);
void ks_buf_free(ks_buf *b);
/* Empties the buffer, keeps its memory and clears the error. */
void ks_buf_reset(ks_buf *b);
/* Returns the heap string (caller frees with ks_xfree) and empties b. */
char *ks_buf_detach(ks_buf *b, size_t *len);

/* Makes room for extra more bytes. 0, or KS_ELIMIT. */
int ks_buf_reserve(ks_buf *b, size_t extra);

int ks_buf_append(ks_buf *b, const void *p, size_t n);
int ks_buf_puts(ks_buf *b, const char *s);
int ks_buf_putc_slow(ks_buf *b, char c);
int ks_buf_printf(ks_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ks_buf_vprintf(ks_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends n copies of c. */
int ks_buf_fill(ks_buf *b, char c, size_t n);
/* Drops bytes past len (len must not exceed b->len). */
void ks_buf_truncate(ks_buf *b, size_t len);

static inline int ks_buf_putc(ks_buf *b, char c)
{
    if (b->len + 1 < b->cap && !b->err) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return ks_buf_putc_slow(b, c);
}

/* data as a C string; "" for an empty buffer. */
static inline const char *ks_buf_cstr(const ks_buf *b)
{
    return b->data ? b->data : "";
}

#endif
