/*
 * A small unsigned big integer for the integers past 64 bits that
 * format_int and sprintf print in bases 2, 8, 10 and 16, as Go's big.Int
 * does. Schoolbook arithmetic on 32-bit limbs; inputs are capped at
 * RG_BIG_MAX_DIGITS decimal digits so that the quadratic steps stay cheap.
 */
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "rego/bi_strings.h"

void rg_sbig_free(rg_sbig *x)
{
    ks_xfree(x->limb);
    *x = (rg_sbig){0};
}

static void big_reserve(rg_sbig *x, size_t n)
{
    if (n > x->cap)
        x->limb = ks_grow_array(x->limb, &x->cap, n, sizeof *x->limb);
}

static void big_trim(rg_sbig *x)
{
    while (x->n > 0 && x->limb[x->n - 1] == 0)
        x->n--;
}

bool rg_sbig_is_zero(const rg_sbig *x)
{
    return x->n == 0;
}

/* x = x * m + a */
static void big_mul_add(rg_sbig *x, uint32_t m, uint32_t a)
{
    uint64_t carry = a;
    for (size_t i = 0; i < x->n; i++) {
        uint64_t t = (uint64_t)x->limb[i] * m + carry;
        x->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        big_reserve(x, x->n + 1);
        x->limb[x->n++] = (uint32_t)carry;
    }
}

/* x /= d, returning the remainder. */
static uint32_t big_div_small(rg_sbig *x, uint32_t d)
{
    uint64_t rem = 0;
    for (size_t i = x->n; i-- > 0;) {
        uint64_t cur = (rem << 32) | x->limb[i];
        x->limb[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    big_trim(x);
    return (uint32_t)rem;
}

int rg_sbig_from_digits(rg_sbig *x, const char *d, size_t n)
{
    x->n = 0;
    while (n > 0 && *d == '0') {
        d++;
        n--;
    }
    if (n > RG_BIG_MAX_DIGITS)
        return KS_ELIMIT;
    big_reserve(x, n / 9 + 2);
    size_t first = n % 9 ? n % 9 : 9;
    for (size_t i = 0; i < n;) {
        size_t k = i == 0 ? first : 9;
        uint32_t chunk = 0, scale = 1;
        for (size_t j = 0; j < k; j++) {
            chunk = chunk * 10 + (uint32_t)(d[i + j] - '0');
            scale *= 10;
        }
        big_mul_add(x, scale, chunk);
        i += k;
    }
    return 0;
}

int rg_sbig_from_u64(rg_sbig *x, uint64_t u)
{
    big_reserve(x, 2);
    x->limb[0] = (uint32_t)u;
    x->limb[1] = (uint32_t)(u >> 32);
    x->n = 2;
    big_trim(x);
    return 0;
}

int rg_sbig_shl(rg_sbig *x, uint64_t k)
{
    if (x->n == 0)
        return 0;
    if (k > (uint64_t)RG_BIG_MAX_DIGITS * 4)
        return KS_ELIMIT;
    size_t words = (size_t)(k / 32);
    unsigned bits = (unsigned)(k % 32);
    size_t n = x->n + words + 1;
    big_reserve(x, n);
    x->limb[x->n] = 0;
    for (size_t i = x->n + 1; i-- > 0;) {
        uint32_t hi = x->limb[i] << bits;
        uint32_t lo = bits && i > 0 ? x->limb[i - 1] >> (32 - bits) : 0;
        x->limb[i + words] = hi | lo;
    }
    memset(x->limb, 0, words * sizeof *x->limb);
    x->n = n;
    big_trim(x);
    return 0;
}

static unsigned big_bit(const rg_sbig *x, uint64_t i)
{
    size_t w = (size_t)(i / 32);
    return w < x->n ? (x->limb[w] >> (i % 32)) & 1 : 0;
}

int rg_sbig_write(ks_buf *b, const rg_sbig *x, int base)
{
    static const char hex[] = "0123456789abcdef";
    if (x->n == 0)
        return ks_buf_putc(b, '0');
    if (base == 10) {
        rg_sbig t = {0};
        big_reserve(&t, x->n);
        memcpy(t.limb, x->limb, x->n * sizeof *x->limb);
        t.n = x->n;
        /* 9 digits at a time, least significant first */
        size_t nchunks = 0, cap = 0;
        uint32_t *chunks = NULL;
        do {
            chunks = ks_grow_array(chunks, &cap, nchunks + 1, sizeof *chunks);
            chunks[nchunks++] = big_div_small(&t, 1000000000u);
        } while (t.n > 0);
        ks_buf_printf(b, "%u", chunks[nchunks - 1]);
        for (size_t i = nchunks - 1; i-- > 0;)
            ks_buf_printf(b, "%09u", chunks[i]);
        ks_xfree(chunks);
        rg_sbig_free(&t);
        return b->err;
    }
    unsigned per = base == 2 ? 1 : base == 8 ? 3 : 4;
    uint64_t nbits = (uint64_t)(x->n - 1) * 32;
    for (uint32_t top = x->limb[x->n - 1]; top; top >>= 1)
        nbits++;
    uint64_t ndig = (nbits + per - 1) / per;
    ks_buf_reserve(b, (size_t)ndig);
    for (uint64_t k = ndig; k-- > 0;) {
        unsigned v = 0;
        for (unsigned j = per; j-- > 0;)
            v = (v << 1) | big_bit(x, k * per + j);
        ks_buf_putc(b, hex[v]);
    }
    return b->err;
}

int rg_sbig_write_words(ks_buf *b, const rg_sbig *x)
{
    ks_buf_putc(b, '[');
    for (size_t i = 0; i < x->n; i += 2) {
        uint64_t w = x->limb[i];
        if (i + 1 < x->n)
            w |= (uint64_t)x->limb[i + 1] << 32;
        ks_buf_printf(b, i ? " %llu" : "%llu", (unsigned long long)w);
    }
    return ks_buf_putc(b, ']');
}

int rg_sbig_from_number(rg_sbig *x, bool *neg, const kv_value *v)
{
    if (v->sub == KV_NUM_INT)
        return 1;
    kv_numdigits d;
    kv_num_digits(v, &d);
    if (d.exp < (int64_t)d.ndigits) /* has a fraction (or is zero) */
        return 1;
    if (d.exp > RG_BIG_MAX_DIGITS)
        return KS_ELIMIT;
    char *text = ks_xmalloc((size_t)d.exp);
    memcpy(text, d.digits, d.ndigits);
    memset(text + d.ndigits, '0', (size_t)d.exp - d.ndigits);
    int rc = rg_sbig_from_digits(x, text, (size_t)d.exp);
    ks_xfree(text);
    *neg = d.neg;
    return rc;
}
