/*
 * Big integers for the Rego numbers (bi_num.h): sign and magnitude in
 * base-2^32 limbs on the heap, schoolbook multiplication, Knuth's
 * algorithm D for division, two's complement views for the bitwise
 * operations. Sizes are bounded (BIG_MAX_LIMBS), so every operation is
 * at worst quadratic in a few thousand limbs.
 */
#include "rego/bi_num.h"

#include <string.h>

#include "core/mem.h"

/* Room for RG_NUM_MAX_DIGITS digits, and for the exact decimal expansion
 * of any long double (about 38,300 bits for the smallest normal ones). */
#define BIG_MAX_LIMBS 1300

static int reserve(rg_bigint *z, size_t n)
{
    if (n > BIG_MAX_LIMBS)
        return RG_NUM_ERANGE;
    if (n > z->cap) {
        size_t c = n < 4 ? 4 : n;
        z->d = ks_xrealloc(z->d, c * sizeof(uint32_t));
        z->cap = (uint32_t)c;
    }
    return RG_NUM_OK;
}

static void norm(rg_bigint *z)
{
    while (z->n && z->d[z->n - 1] == 0)
        z->n--;
    if (z->n == 0)
        z->neg = false;
}

/* Replaces z's limbs with buf[0..n) (taking ownership). */
static void take(rg_bigint *z, uint32_t *buf, size_t n, size_t cap, bool neg)
{
    ks_xfree(z->d);
    z->d = buf;
    z->n = (uint32_t)n;
    z->cap = (uint32_t)cap;
    z->neg = neg;
    norm(z);
}

void rg_big_free(rg_bigint *z)
{
    ks_xfree(z->d);
    *z = (rg_bigint)RG_BIGINT_INIT;
}

void rg_big_set_i64(rg_bigint *z, int64_t v)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    reserve(z, 2);
    z->d[0] = (uint32_t)u;
    z->d[1] = (uint32_t)(u >> 32);
    z->n = 2;
    z->neg = v < 0;
    norm(z);
}

bool rg_big_to_i64(const rg_bigint *x, int64_t *out)
{
    if (x->n > 2)
        return false;
    uint64_t u = rg_big_low64(x);
    if (x->neg) {
        if (u > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)((uint64_t)0 - u);
    } else {
        if (u > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)u;
    }
    return true;
}

uint64_t rg_big_low64(const rg_bigint *x)
{
    uint64_t u = x->n > 0 ? x->d[0] : 0;
    if (x->n > 1)
        u |= (uint64_t)x->d[1] << 32;
    return u;
}

static int mag_cmp(const rg_bigint *x, const rg_bigint *y)
{
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    for (size_t i = x->n; i-- > 0;)
        if (x->d[i] != y->d[i])
            return x->d[i] < y->d[i] ? -1 : 1;
    return 0;
}

int rg_big_cmp(const rg_bigint *x, const rg_bigint *y)
{
    int sx = rg_big_sign(x), sy = rg_big_sign(y);
    if (sx != sy)
        return sx < sy ? -1 : 1;
    int c = mag_cmp(x, y);
    return sx < 0 ? -c : c;
}

/* z = m*z + add, in place. */
static int mul_small_add(rg_bigint *z, uint32_t m, uint32_t add)
{
    int rc = reserve(z, (size_t)z->n + 1);
    if (rc != RG_NUM_OK)
        return rc;
    uint64_t carry = add;
    for (size_t i = 0; i < z->n; i++) {
        uint64_t t = (uint64_t)z->d[i] * m + carry;
        z->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    z->d[z->n++] = (uint32_t)carry;
    norm(z);
    return RG_NUM_OK;
}

/* z /= dv in place; returns the remainder. */
static uint32_t div_small(rg_bigint *z, uint32_t dv)
{
    uint64_t r = 0;
    for (size_t i = z->n; i-- > 0;) {
        uint64_t t = (r << 32) | z->d[i];
        z->d[i] = (uint32_t)(t / dv);
        r = t % dv;
    }
    norm(z);
    return (uint32_t)r;
}

/* |z| = |x| + |y|, sign neg. z may alias either. */
static int add_mag(rg_bigint *z, const rg_bigint *x, const rg_bigint *y, bool neg)
{
    if (x->n < y->n) {
        const rg_bigint *t = x;
        x = y;
        y = t;
    }
    size_t xn = x->n, yn = y->n;
    int rc = reserve(z, xn + 1);
    if (rc != RG_NUM_OK)
        return rc;
    uint64_t carry = 0;
    for (size_t i = 0; i < xn; i++) {
        uint64_t s = (uint64_t)x->d[i] + (i < yn ? y->d[i] : 0) + carry;
        z->d[i] = (uint32_t)s;
        carry = s >> 32;
    }
    z->d[xn] = (uint32_t)carry;
    z->n = (uint32_t)(xn + 1);
    z->neg = neg;
    norm(z);
    return RG_NUM_OK;
}

/* |z| = |x| - |y| for |x| >= |y|, sign neg. */
static int sub_mag(rg_bigint *z, const rg_bigint *x, const rg_bigint *y, bool neg)
{
    size_t xn = x->n, yn = y->n;
    int rc = reserve(z, xn);
    if (rc != RG_NUM_OK)
        return rc;
    int64_t borrow = 0;
    for (size_t i = 0; i < xn; i++) {
        int64_t s = (int64_t)x->d[i] - (i < yn ? y->d[i] : 0) - borrow;
        borrow = s < 0;
        z->d[i] = (uint32_t)(s + (borrow << 32));
    }
    z->n = (uint32_t)xn;
    z->neg = neg;
    norm(z);
    return RG_NUM_OK;
}

static int add_signed(rg_bigint *z, const rg_bigint *x, const rg_bigint *y, bool yneg)
{
    if (x->neg == yneg)
        return add_mag(z, x, y, x->neg);
    if (mag_cmp(x, y) >= 0)
        return sub_mag(z, x, y, x->neg);
    return sub_mag(z, y, x, yneg);
}

int rg_big_add(rg_bigint *z, const rg_bigint *x, const rg_bigint *y)
{
    return add_signed(z, x, y, y->neg);
}

int rg_big_sub(rg_bigint *z, const rg_bigint *x, const rg_bigint *y)
{
    return add_signed(z, x, y, y->n ? !y->neg : false);
}

int rg_big_mul(rg_bigint *z, const rg_bigint *x, const rg_bigint *y)
{
    size_t xn = x->n, yn = y->n;
    if (xn == 0 || yn == 0) {
        z->n = 0;
        z->neg = false;
        return RG_NUM_OK;
    }
    if (xn + yn - 1 > BIG_MAX_LIMBS)
        return RG_NUM_ERANGE;
    size_t rn = xn + yn;
    uint32_t *r = ks_xcalloc(rn, sizeof(uint32_t));
    for (size_t i = 0; i < xn; i++) {
        uint64_t carry = 0, xi = x->d[i];
        for (size_t j = 0; j < yn; j++) {
            uint64_t t = xi * y->d[j] + r[i + j] + carry;
            r[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        r[i + yn] = (uint32_t)carry;
    }
    if (rn - (r[rn - 1] == 0) > BIG_MAX_LIMBS) {
        ks_xfree(r);
        return RG_NUM_ERANGE;
    }
    take(z, r, rn, rn, x->neg != y->neg);
    return RG_NUM_OK;
}

/* Knuth's algorithm D (as in Hacker's Delight, divmnu): q = u / v and
 * r = u % v for magnitudes, m >= n >= 2 limbs, v[n-1] != 0. q has m-n+1
 * limbs, r has n. */
static void divmnu(uint32_t *q, uint32_t *r, const uint32_t *u, size_t m, const uint32_t *v,
                   size_t n)
{
    const uint64_t b = (uint64_t)1 << 32;
    int s = __builtin_clz(v[n - 1]);
    uint32_t *vn = ks_xmalloc(n * sizeof(uint32_t));
    uint32_t *un = ks_xmalloc((m + 1) * sizeof(uint32_t));
    for (size_t i = n - 1; i > 0; i--)
        vn[i] = (v[i] << s) | (s ? (uint32_t)((uint64_t)v[i - 1] >> (32 - s)) : 0);
    vn[0] = v[0] << s;
    un[m] = s ? (uint32_t)((uint64_t)u[m - 1] >> (32 - s)) : 0;
    for (size_t i = m - 1; i > 0; i--)
        un[i] = (u[i] << s) | (s ? (uint32_t)((uint64_t)u[i - 1] >> (32 - s)) : 0);
    un[0] = u[0] << s;

    for (size_t j = m - n + 1; j-- > 0;) {
        uint64_t num = ((uint64_t)un[j + n] << 32) | un[j + n - 1];
        uint64_t qhat = num / vn[n - 1];
        uint64_t rhat = num - qhat * vn[n - 1];
        while (qhat >= b || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
            qhat--;
            rhat += vn[n - 1];
            if (rhat >= b)
                break;
        }
        int64_t k = 0, t;
        for (size_t i = 0; i < n; i++) {
            uint64_t p = qhat * vn[i];
            t = (int64_t)un[i + j] - k - (int64_t)(p & 0xffffffffu);
            un[i + j] = (uint32_t)t;
            k = (int64_t)(p >> 32) - (t >> 32);
        }
        t = (int64_t)un[j + n] - k;
        un[j + n] = (uint32_t)t;
        q[j] = (uint32_t)qhat;
        if (t < 0) {
            q[j]--;
            uint64_t c = 0;
            for (size_t i = 0; i < n; i++) {
                uint64_t w = (uint64_t)un[i + j] + vn[i] + c;
                un[i + j] = (uint32_t)w;
                c = w >> 32;
            }
            un[j + n] += (uint32_t)c;
        }
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (un[i] >> s) | (s ? (uint32_t)((uint64_t)un[i + 1] << (32 - s)) : 0);
    ks_xfree(vn);
    ks_xfree(un);
}

int rg_big_divmod(rg_bigint *q, rg_bigint *r, const rg_bigint *x, const rg_bigint *y)
{
    if (y->n == 0)
        return RG_NUM_EDIVZERO;
    bool qneg = x->neg != y->neg, rneg = x->neg;
    size_t m = x->n, n = y->n;
    if (mag_cmp(x, y) < 0) {
        if (r && r != x) {
            int rc = reserve(r, m);
            if (rc != RG_NUM_OK)
                return rc;
            if (m)
                memcpy(r->d, x->d, m * sizeof(uint32_t));
            r->n = (uint32_t)m;
            r->neg = rneg;
            norm(r);
        }
        if (q) {
            q->n = 0;
            q->neg = false;
        }
        return RG_NUM_OK;
    }
    uint32_t *qd = ks_xcalloc(m - n + 1, sizeof(uint32_t));
    uint32_t *rd = ks_xcalloc(n, sizeof(uint32_t));
    if (n == 1) {
        uint64_t rem = 0;
        for (size_t i = m; i-- > 0;) {
            uint64_t t = (rem << 32) | x->d[i];
            qd[i] = (uint32_t)(t / y->d[0]);
            rem = t % y->d[0];
        }
        rd[0] = (uint32_t)rem;
    } else {
        divmnu(qd, rd, x->d, m, y->d, n);
    }
    if (q)
        take(q, qd, m - n + 1, m - n + 1, qneg);
    else
        ks_xfree(qd);
    if (r)
        take(r, rd, n, n, rneg);
    else
        ks_xfree(rd);
    return RG_NUM_OK;
}

/* ---- bitwise ---- */

/* x in two's complement over w limbs (w > x->n). */
static void to_tc(uint32_t *out, size_t w, const rg_bigint *x)
{
    uint64_t carry = 1;
    for (size_t i = 0; i < w; i++) {
        uint32_t v = i < x->n ? x->d[i] : 0;
        if (!x->neg) {
            out[i] = v;
            continue;
        }
        uint64_t s = (uint64_t)(uint32_t)~v + carry;
        out[i] = (uint32_t)s;
        carry = s >> 32;
    }
}

/* z from a two's complement value over w limbs (takes buf). */
static void from_tc(rg_bigint *z, uint32_t *buf, size_t w)
{
    bool neg = (buf[w - 1] >> 31) != 0;
    if (neg) {
        uint64_t carry = 1;
        for (size_t i = 0; i < w; i++) {
            uint64_t s = (uint64_t)(uint32_t)~buf[i] + carry;
            buf[i] = (uint32_t)s;
            carry = s >> 32;
        }
    }
    take(z, buf, w, w, neg);
}

enum { BIT_AND, BIT_OR, BIT_XOR };

static int bitwise(rg_bigint *z, const rg_bigint *x, const rg_bigint *y, int op)
{
    size_t w = (x->n > y->n ? x->n : y->n) + 1;
    if (w > BIG_MAX_LIMBS)
        return RG_NUM_ERANGE;
    uint32_t *a = ks_xmalloc(w * sizeof(uint32_t));
    uint32_t *b = ks_xmalloc(w * sizeof(uint32_t));
    to_tc(a, w, x);
    to_tc(b, w, y);
    for (size_t i = 0; i < w; i++)
        a[i] = op == BIT_AND ? (a[i] & b[i]) : op == BIT_OR ? (a[i] | b[i]) : (a[i] ^ b[i]);
    ks_xfree(b);
    from_tc(z, a, w);
    return RG_NUM_OK;
}

int rg_big_and(rg_bigint *z, const rg_bigint *x, const rg_bigint *y)
{
    return bitwise(z, x, y, BIT_AND);
}

int rg_big_or(rg_bigint *z, const rg_bigint *x, const rg_bigint *y)
{
    return bitwise(z, x, y, BIT_OR);
}

int rg_big_xor(rg_bigint *z, const rg_bigint *x, const rg_bigint *y)
{
    return bitwise(z, x, y, BIT_XOR);
}

int rg_big_not(rg_bigint *z, const rg_bigint *x)
{
    rg_bigint one = RG_BIGINT_INIT;
    rg_big_set_i64(&one, 1);
    int rc = rg_big_add(z, x, &one); /* -x-1 = -(x+1) */
    rg_big_free(&one);
    if (rc == RG_NUM_OK && z->n)
        z->neg = !z->neg;
    return rc;
}

static uint64_t bitlen(const rg_bigint *x)
{
    if (x->n == 0)
        return 0;
    return (uint64_t)(x->n - 1) * 32 + (uint64_t)(32 - __builtin_clz(x->d[x->n - 1]));
}

/* |z| = |x| << s, sign kept. */
static int lsh_mag(rg_bigint *z, const rg_bigint *x, uint64_t s)
{
    if (x->n == 0) {
        z->n = 0;
        z->neg = false;
        return RG_NUM_OK;
    }
    if (s > (uint64_t)BIG_MAX_LIMBS * 32 || bitlen(x) + s > (uint64_t)BIG_MAX_LIMBS * 32)
        return RG_NUM_ERANGE;
    size_t q = (size_t)(s / 32), bits = (size_t)(s % 32);
    size_t rn = x->n + q + 1;
    uint32_t *r = ks_xcalloc(rn, sizeof(uint32_t));
    for (size_t i = 0; i < x->n; i++) {
        uint64_t v = (uint64_t)x->d[i] << bits;
        r[i + q] |= (uint32_t)v;
        r[i + q + 1] |= (uint32_t)(v >> 32);
    }
    take(z, r, rn, rn, x->neg);
    return RG_NUM_OK;
}

/* |z| = |x| >> s (truncating the magnitude), sign kept. */
static void rsh_mag(rg_bigint *z, const rg_bigint *x, uint64_t s)
{
    if (s >= bitlen(x)) {
        z->n = 0;
        z->neg = false;
        return;
    }
    size_t q = (size_t)(s / 32), bits = (size_t)(s % 32);
    size_t rn = x->n - q;
    uint32_t *r = ks_xcalloc(rn, sizeof(uint32_t));
    for (size_t i = 0; i < rn; i++) {
        uint64_t v = x->d[i + q];
        if (i + q + 1 < x->n)
            v |= (uint64_t)x->d[i + q + 1] << 32;
        r[i] = (uint32_t)(v >> bits);
    }
    take(z, r, rn, rn, x->neg);
}

int rg_big_lsh(rg_bigint *z, const rg_bigint *x, uint64_t s)
{
    return lsh_mag(z, x, s);
}

int rg_big_rsh(rg_bigint *z, const rg_bigint *x, uint64_t s)
{
    if (!x->neg) {
        rsh_mag(z, x, s);
        return RG_NUM_OK;
    }
    /* floor(x / 2^s) = -(((|x| - 1) >> s) + 1) */
    rg_bigint one = RG_BIGINT_INIT, t = RG_BIGINT_INIT;
    rg_big_set_i64(&one, 1);
    int rc = sub_mag(&t, x, &one, false);
    if (rc == RG_NUM_OK) {
        rsh_mag(&t, &t, s);
        rc = add_mag(z, &t, &one, true);
    }
    rg_big_free(&one);
    rg_big_free(&t);
    return rc;
}

/* ---- decimal ---- */

static const uint32_t pow10_u32[] = {1,      10,      100,      1000,      10000,
                                     100000, 1000000, 10000000, 100000000, 1000000000};

int rg_big_from_num(rg_bigint *z, const kv_value *x)
{
    int64_t i;
    if (kv_num_int64(x, &i)) {
        rg_big_set_i64(z, i);
        return RG_NUM_OK;
    }
    if (!rg_num_is_int(x))
        return RG_NUM_ENOTINT;
    kv_numdigits nd;
    kv_num_digits(x, &nd);
    if (nd.exp > RG_NUM_MAX_DIGITS)
        return RG_NUM_ERANGE;
    z->n = 0;
    z->neg = false;
    int rc = RG_NUM_OK;
    for (size_t k = 0; k < nd.ndigits && rc == RG_NUM_OK;) {
        size_t len = nd.ndigits - k < 9 ? nd.ndigits - k : 9;
        uint32_t chunk = 0;
        for (size_t j = 0; j < len; j++)
            chunk = chunk * 10 + (uint32_t)(nd.digits[k + j] - '0');
        rc = mul_small_add(z, pow10_u32[len], chunk);
        k += len;
    }
    for (int64_t zeros = nd.exp - (int64_t)nd.ndigits; zeros > 0 && rc == RG_NUM_OK;) {
        int64_t step = zeros < 9 ? zeros : 9;
        rc = mul_small_add(z, pow10_u32[step], 0);
        zeros -= step;
    }
    if (rc == RG_NUM_OK)
        z->neg = nd.neg && z->n > 0;
    return rc;
}

int rg_big_write(ks_buf *out, const rg_bigint *x)
{
    if (x->n == 0)
        return ks_buf_putc(out, '0') < 0 ? RG_NUM_ENOMEM : RG_NUM_OK;
    rg_bigint t = RG_BIGINT_INIT;
    reserve(&t, x->n);
    memcpy(t.d, x->d, x->n * sizeof(uint32_t));
    t.n = x->n;
    /* base-1e9 chunks, least significant first */
    size_t nchunks = 0, cap = (size_t)x->n * 32 / 29 + 2;
    uint32_t *chunks = ks_xmalloc(cap * sizeof(uint32_t));
    while (t.n)
        chunks[nchunks++] = div_small(&t, 1000000000u);
    if (x->neg)
        ks_buf_putc(out, '-');
    ks_buf_printf(out, "%u", chunks[nchunks - 1]);
    for (size_t k = nchunks - 1; k-- > 0;)
        ks_buf_printf(out, "%09u", chunks[k]);
    ks_xfree(chunks);
    rg_big_free(&t);
    return out->err ? RG_NUM_ENOMEM : RG_NUM_OK;
}

int rg_big_to_num(ks_arena *a, const rg_bigint *x, kv_value *out)
{
    int64_t i;
    if (rg_big_to_i64(x, &i)) {
        *out = kv_int(i);
        return RG_NUM_OK;
    }
    ks_buf b = KS_BUF_INIT;
    int rc = rg_big_write(&b, x);
    if (rc == RG_NUM_OK && b.len - (x->neg ? 1 : 0) > RG_NUM_MAX_DIGITS)
        rc = RG_NUM_ERANGE;
    if (rc == RG_NUM_OK) {
        int prc = kv_number_parse(a, b.data, b.len, out);
        if (prc < 0)
            rc = prc == KS_ERANGE ? RG_NUM_ERANGE : RG_NUM_ENOMEM;
    }
    ks_buf_free(&b);
    return rc;
}
