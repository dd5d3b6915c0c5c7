/*
 * Go's strconv as the string builtins need it: Quote and its variants,
 * AppendFloat for every float format, and on top of them the Rego text of
 * values (OPA's Value.String()).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/goquote.h"
#include "core/error.h"
#include "core/mem.h"
#include "rego/bi_strings.h"

static const char ldigits[] = "0123456789abcdef";
static const char udigits[] = "0123456789ABCDEF";

/* ---- quoting (strconv.Quote is core/goquote.h) ---- */

bool rg_go_can_backquote(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t r;
        size_t w = rg_rune_decode(s + i, n - i, &r);
        i += w;
        if (w > 1) {
            if (r == 0xFEFF)
                return false;
            continue;
        }
        if (r == RG_RUNE_ERROR)
            return false;
        if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F)
            return false;
    }
    return true;
}

/* ---- float formatting (strconv.AppendFloat) ---- */

/* Decimal digits of a float: value = 0.D[0..nd) x 10^dp; nd == 0 is zero. */
typedef struct fdigits {
    char *d;
    size_t nd;
    long dp;
    char small[40];
    char *heap;
} fdigits;

static void fdigits_free(fdigits *g)
{
    ks_xfree(g->heap);
}

/* Shortest digits that read back as |v| (Go's choice). */
static void digits_shortest(fdigits *g, double v)
{
    g->heap = NULL;
    g->d = g->small;
    if (v == 0) {
        g->nd = 0;
        g->dp = 0;
        return;
    }
    kv_value x = {.kind = KV_NUMBER, .sub = KV_NUM_DOUBLE, .u.d = fabs(v)};
    kv_numdigits nd;
    kv_num_digits(&x, &nd);
    memcpy(g->small, nd.digits, nd.ndigits);
    g->nd = nd.ndigits;
    g->dp = (long)nd.exp;
}

/* |v| correctly rounded to ndig >= 1 significant digits (round half to
 * even on the exact binary value, as Go and glibc both do), trailing
 * zeros dropped. */
static int digits_fixed(fdigits *g, double v, int ndig)
{
    g->heap = NULL;
    g->d = g->small;
    if (v == 0) {
        g->nd = 0;
        g->dp = 0;
        return 0;
    }
    size_t need = (size_t)ndig + 16;
    char *buf = g->small;
    if (need > sizeof(g->small)) {
        g->heap = ks_xmalloc(need);
        buf = g->heap;
    }
    snprintf(buf, need, "%.*e", ndig - 1, fabs(v));
    /* d.ddddde[+-]xx: gather the digits in place. */
    size_t nd = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            buf[nd++] = *p;
    long e = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
    while (nd > 0 && buf[nd - 1] == '0')
        nd--;
    g->d = buf;
    g->nd = nd;
    g->dp = e + 1;
    return 0;
}

static void fmt_e(ks_buf *b, bool neg, const fdigits *g, long prec, char fmt)
{
    if (neg)
        ks_buf_putc(b, '-');
    ks_buf_putc(b, g->nd ? g->d[0] : '0');
    if (prec > 0) {
        ks_buf_putc(b, '.');
        long i = 1;
        long m = (long)g->nd < prec + 1 ? (long)g->nd : prec + 1;
        if (i < m) {
            ks_buf_append(b, g->d + i, (size_t)(m - i));
            i = m;
        }
        if (i <= prec)
            ks_buf_fill(b, '0', (size_t)(prec - i + 1));
    }
    ks_buf_putc(b, fmt);
    long exp = g->nd ? g->dp - 1 : 0;
    char sign = '+';
    if (exp < 0) {
        sign = '-';
        exp = -exp;
    }
    ks_buf_putc(b, sign);
    if (exp < 10)
        ks_buf_printf(b, "0%ld", exp);
    else
        ks_buf_printf(b, "%ld", exp);
}

static void fmt_f(ks_buf *b, bool neg, const fdigits *g, long prec)
{
    if (neg)
        ks_buf_putc(b, '-');
    if (g->dp > 0) {
        long m = (long)g->nd < g->dp ? (long)g->nd : g->dp;
        ks_buf_append(b, g->d, (size_t)m);
        if (m < g->dp)
            ks_buf_fill(b, '0', (size_t)(g->dp - m));
    } else {
        ks_buf_putc(b, '0');
    }
    if (prec > 0) {
        ks_buf_putc(b, '.');
        for (long i = 0; i < prec; i++) {
            long j = g->dp + i;
            ks_buf_putc(b, j >= 0 && j < (long)g->nd ? g->d[j] : '0');
        }
    }
}

static void fmt_g(ks_buf *b, bool neg, const fdigits *g, long prec, bool shortest, char fmt)
{
    long eprec = prec;
    if (eprec > (long)g->nd && (long)g->nd >= g->dp)
        eprec = (long)g->nd;
    if (shortest)
        eprec = 6;
    long exp = g->dp - 1;
    if (exp < -4 || exp >= eprec) {
        if (prec > (long)g->nd)
            prec = (long)g->nd;
        fmt_e(b, neg, g, prec - 1, fmt == 'g' ? 'e' : 'E');
        return;
    }
    if (prec > g->dp)
        prec = (long)g->nd;
    fmt_f(b, neg, g, prec - g->dp > 0 ? prec - g->dp : 0);
}

static void float_bits(double v, bool *neg, uint64_t *mant, int *exp)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    *neg = bits >> 63;
    int e = (int)((bits >> 52) & 0x7FF);
    uint64_t m = bits & ((1ULL << 52) - 1);
    if (e == 0)
        e++;
    else
        m |= 1ULL << 52;
    *mant = m;
    *exp = e - 1023;
}

/* %b: mantissa "p" binary exponent. */
static void fmt_b(ks_buf *b, double v)
{
    bool neg;
    uint64_t mant;
    int exp;
    float_bits(v, &neg, &mant, &exp);
    if (neg)
        ks_buf_putc(b, '-');
    exp -= 52;
    ks_buf_printf(b, "%llup%s%d", (unsigned long long)mant, exp >= 0 ? "+" : "", exp);
}

/* %x: hexadecimal mantissa "p" exponent. */
static void fmt_x(ks_buf *b, double v, int prec, char fmt)
{
    bool neg;
    uint64_t mant;
    int exp;
    float_bits(v, &neg, &mant, &exp);
    if (mant == 0)
        exp = 0;
    mant <<= 60 - 52;
    while (mant != 0 && (mant & (1ULL << 60)) == 0) {
        mant <<= 1;
        exp--;
    }
    if (prec >= 0 && prec < 15) {
        unsigned shift = (unsigned)prec * 4;
        uint64_t extra = (mant << shift) & ((1ULL << 60) - 1);
        mant >>= 60 - shift;
        if ((extra | (mant & 1)) > (1ULL << 59))
            mant++;
        mant <<= 60 - shift;
        if (mant & (1ULL << 61)) {
            mant >>= 1;
            exp++;
        }
    }
    const char *hex = fmt == 'X' ? udigits : ldigits;
    if (neg)
        ks_buf_putc(b, '-');
    ks_buf_putc(b, '0');
    ks_buf_putc(b, fmt);
    ks_buf_putc(b, (char)('0' + ((mant >> 60) & 1)));
    mant <<= 4;
    if (prec < 0 && mant != 0) {
        ks_buf_putc(b, '.');
        while (mant != 0) {
            ks_buf_putc(b, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    } else if (prec > 0) {
        ks_buf_putc(b, '.');
        for (int i = 0; i < prec; i++) {
            ks_buf_putc(b, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    }
    ks_buf_putc(b, fmt == 'X' ? 'P' : 'p');
    char sign = '+';
    if (exp < 0) {
        sign = '-';
        exp = -exp;
    }
    ks_buf_putc(b, sign);
    if (exp < 10)
        ks_buf_printf(b, "0%d", exp);
    else
        ks_buf_printf(b, "%d", exp);
}

int rg_go_ftoa(ks_buf *b, double v, char fmt, int prec)
{
    if (!isfinite(v))
        return KS_EINVAL;
    if (fmt == 'b') {
        fmt_b(b, v);
        return b->err;
    }
    if (fmt == 'x' || fmt == 'X') {
        fmt_x(b, v, prec, fmt);
        return b->err;
    }
    bool neg = signbit(v);
    bool shortest = prec < 0;
    fdigits g;
    if (shortest) {
        digits_shortest(&g, v);
        switch (fmt) {
        case 'e':
        case 'E': prec = g.nd > 1 ? (int)g.nd - 1 : 0; break;
        case 'f': prec = (long)g.nd - g.dp > 0 ? (int)((long)g.nd - g.dp) : 0; break;
        default: prec = (int)g.nd; break;
        }
        if (v == 0 && (fmt == 'g' || fmt == 'G'))
            prec = -1;
    } else if (fmt == 'f') {
        /* The fixed form is exactly what C prints. */
        if (neg)
            ks_buf_putc(b, '-');
        int n = snprintf(NULL, 0, "%.*f", prec, fabs(v));
        if (n < 0 || ks_buf_reserve(b, (size_t)n + 1))
            return b->err ? b->err : KS_EINVAL;
        snprintf(b->data + b->len, (size_t)n + 1, "%.*f", prec, fabs(v));
        b->len += (size_t)n;
        return b->err;
    } else {
        if ((fmt == 'g' || fmt == 'G') && prec == 0)
            prec = 1;
        digits_fixed(&g, v, fmt == 'e' || fmt == 'E' ? prec + 1 : prec);
    }
    switch (fmt) {
    case 'e':
    case 'E': fmt_e(b, neg, &g, prec, fmt); break;
    case 'f': fmt_f(b, neg, &g, prec); break;
    default: fmt_g(b, neg, &g, prec, shortest, fmt); break;
    }
    fdigits_free(&g);
    return b->err;
}

/* ---- Rego text of values ---- */

static void write_number(ks_buf *out, const kv_value *v)
{
    switch (v->sub) {
    case KV_NUM_INT: ks_buf_printf(out, "%lld", (long long)v->u.i); break;
    case KV_NUM_DOUBLE: rg_go_ftoa(out, v->u.d, 'g', -1); break;
    default: ks_buf_append(out, v->u.dec->text, v->u.dec->len); break;
    }
}

int rg_value_write_rego(ks_buf *out, const kv_value *v)
{
    struct frame {
        const kv_value *v;
        size_t i;
    } *stack = NULL;
    size_t depth = 0, cap = 0;
    const kv_value *cur = v;
    while (!out->err) {
        if (cur) {
            switch (kv_kind_of(cur)) {
            case KV_NULL: ks_buf_append(out, "null", 4); break;
            case KV_BOOL: ks_buf_puts(out, cur->u.b ? "true" : "false"); break;
            case KV_NUMBER: write_number(out, cur); break;
            case KV_STRING: ks_go_quote(out, cur->u.s, cur->len, '"', false); break;
            case KV_ARRAY:
            case KV_OBJECT:
            case KV_SET:
                if (cur->len == 0) {
                    ks_buf_puts(out, kv_kind_of(cur) == KV_ARRAY    ? "[]"
                                     : kv_kind_of(cur) == KV_OBJECT ? "{}"
                                                                    : "set()");
                    break;
                }
                ks_buf_putc(out, kv_kind_of(cur) == KV_ARRAY ? '[' : '{');
                stack = ks_grow_array(stack, &cap, depth + 1, sizeof *stack);
                stack[depth++] = (struct frame){cur, 0};
                break;
            }
            cur = NULL;
        }
        if (depth == 0)
            break;
        struct frame *top = &stack[depth - 1];
        bool obj = kv_kind_of(top->v) == KV_OBJECT;
        size_t total = obj ? 2 * (size_t)top->v->len : top->v->len;
        if (top->i == total) {
            ks_buf_putc(out, kv_kind_of(top->v) == KV_ARRAY ? ']' : '}');
            depth--;
            continue;
        }
        if (!obj) {
            if (top->i > 0)
                ks_buf_append(out, ", ", 2);
            cur = &top->v->u.items[top->i];
        } else if (top->i % 2 == 0) {
            if (top->i > 0)
                ks_buf_append(out, ", ", 2);
            cur = &top->v->u.members[top->i / 2].key;
        } else {
            ks_buf_append(out, ": ", 2);
            cur = &top->v->u.members[top->i / 2].val;
        }
        top->i++;
    }
    ks_xfree(stack);
    return out->err;
}
