/*
 * Numbers with OPA's semantics: the operations of bi_num.h over the int32
 * window, exact integers and the 64-bit float. Big integers are in
 * bi_bigint.c; this file is the dispatch between the three forms and the
 * float's conversions from and to decimal text.
 */
#include "rego/bi_num.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

const char *rg_num_strerror(int rc)
{
    switch (rc) {
    case RG_NUM_EDIVZERO: return "divide by zero";
    case RG_NUM_EMODZERO: return "modulo by zero";
    case RG_NUM_EMODFLOAT: return "modulo on floating-point number";
    case RG_NUM_ERANGE: return "number too large";
    case RG_NUM_ENOTINT: return "integer number required";
    case RG_NUM_ENOMEM: return "out of memory";
    case RG_NUM_ESYNTAX: return "invalid syntax";
    case RG_NUM_EFLOAT64: return "value out of range";
    case RG_NUM_ETOOBIG: return "invalid number: number too big";
    default: return "arithmetic error";
    }
}

bool rg_num_is_int(const kv_value *x)
{
    if (x->sub == KV_NUM_INT)
        return true;
    if (x->sub == KV_NUM_DOUBLE)
        return x->u.d == truncl(x->u.d);
    const kv_decimal *d = x->u.dec;
    return d->exp >= (int64_t)d->ndigits;
}

int rg_num_compare(const kv_value *x, const kv_value *y)
{
    return kv_compare(x, y);
}

/* ---- the float: decimal text in ---- */

static bool float_ok(long double f)
{
    return isfinite(f) && (f == 0 || fabsl(f) >= LDBL_MIN);
}

int rg_num_to_float(const kv_value *x, long double *out)
{
    if (x->sub == KV_NUM_INT) {
        *out = (long double)x->u.i;
        return RG_NUM_OK;
    }
    kv_numdigits nd;
    kv_num_digits(x, &nd);
    /* The decimal exponent is bounded by the value model (1e9), so the text
     * is "-DIGITSe-NNNNNNNNNN" at most: no locale-dependent '.'. */
    int64_t e = nd.exp - (int64_t)nd.ndigits;
    if (nd.exp > 4940 || nd.exp < -4940)
        return RG_NUM_ERANGE;
    ks_buf b = KS_BUF_INIT;
    if (nd.neg)
        ks_buf_putc(&b, '-');
    ks_buf_append(&b, nd.digits, nd.ndigits);
    ks_buf_printf(&b, "e%lld", (long long)e);
    if (b.err) {
        ks_buf_free(&b);
        return RG_NUM_ENOMEM;
    }
    long double f = strtold(ks_buf_cstr(&b), NULL);
    ks_buf_free(&b);
    if (!float_ok(f) || f == 0)
        return RG_NUM_ERANGE;
    *out = f;
    return RG_NUM_OK;
}

/* ---- the float: shortest decimal text out (Go's big.Float.Text) ---- */

/* A decimal as Go's math/big keeps it: value = 0.MANT x 10^exp, no
 * trailing zeros in mant; zero has no digits. */
typedef struct decimal {
    char *mant;
    size_t len;
    int64_t exp;
} decimal;

static char dec_at(const decimal *d, int64_t i)
{
    return i >= 0 && (size_t)i < d->len ? d->mant[i] : '0';
}

static void dec_trim(decimal *d)
{
    while (d->len > 0 && d->mant[d->len - 1] == '0')
        d->len--;
    if (d->len == 0)
        d->exp = 0;
}

/* d = N x 2^e2 exactly, with pow the precomputed 2^e2 (e2 >= 0) or 5^-e2. */
static int dec_init(decimal *d, const rg_bigint *n, const rg_bigint *pow, int64_t e2)
{
    rg_bigint t = RG_BIGINT_INIT;
    int rc = rg_big_mul(&t, n, pow);
    ks_buf b = KS_BUF_INIT;
    if (rc == RG_NUM_OK)
        rc = rg_big_write(&b, &t);
    rg_big_free(&t);
    if (rc == RG_NUM_OK && b.err)
        rc = RG_NUM_ENOMEM;
    if (rc != RG_NUM_OK) {
        ks_buf_free(&b);
        return rc;
    }
    d->len = b.len;
    d->mant = ks_buf_detach(&b, NULL);
    d->exp = (int64_t)d->len + (e2 < 0 ? e2 : 0);
    if (d->len == 1 && d->mant[0] == '0')
        d->len = 0;
    dec_trim(d);
    return RG_NUM_OK;
}

static void dec_round_up(decimal *d, size_t n)
{
    if (n >= d->len)
        return;
    while (n > 0 && d->mant[n - 1] >= '9')
        n--;
    if (n == 0) {
        d->mant[0] = '1';
        d->len = 1;
        d->exp++;
        return;
    }
    d->mant[n - 1]++;
    d->len = n;
}

static void dec_round_down(decimal *d, size_t n)
{
    if (n >= d->len)
        return;
    d->len = n;
    dec_trim(d);
}

static void dec_round(decimal *d, size_t n)
{
    if (n >= d->len)
        return;
    bool up;
    if (d->mant[n] == '5' && n + 1 == d->len)
        up = n > 0 && ((d->mant[n - 1] - '0') & 1) != 0;
    else
        up = d->mant[n] >= '5';
    if (up)
        dec_round_up(d, n);
    else
        dec_round_down(d, n);
}

/* Go's roundShortest: the shortest digits of d between the decimals of
 * x - 1/2 ulp and x + 1/2 ulp (inclusive for an even mantissa), walking
 * the three digit strings side by side as Go does. */
static void dec_round_shortest(decimal *d, const decimal *lower, const decimal *upper,
                               bool inclusive)
{
    for (size_t i = 0; i < d->len; i++) {
        char l = dec_at(lower, (int64_t)i);
        char u = dec_at(upper, (int64_t)i);
        char m = d->mant[i];
        bool okdown = l != m || (inclusive && i + 1 == lower->len);
        bool okup = m != u && (inclusive || m + 1 < u || i + 1 < upper->len);
        if (okdown && okup) {
            dec_round(d, i + 1);
            return;
        }
        if (okdown) {
            dec_round_down(d, i + 1);
            return;
        }
        if (okup) {
            dec_round_up(d, i + 1);
            return;
        }
    }
}

static void big_set_u128(rg_bigint *z, unsigned __int128 v)
{
    rg_big_set_i64(z, 0);
    rg_bigint t = RG_BIGINT_INIT;
    for (int k = 3; k >= 0; k--) {
        rg_big_lsh(z, z, 32);
        rg_big_set_i64(&t, (int64_t)(uint32_t)(v >> (32 * k)));
        rg_big_add(z, z, &t);
    }
    rg_big_free(&t);
}

/* The shortest digits of |f| at precision prec. */
static int shortest(long double f, unsigned prec, decimal *d)
{
    int e;
    long double fr = frexpl(fabsl(f), &e);
    uint64_t m = (uint64_t)ldexpl(fr, 64);
    /* The mantissa with one bit more than prec: its lsb is half an ulp. */
    unsigned __int128 mm;
    int64_t e2;
    if (prec >= 64) {
        mm = (unsigned __int128)m << 1;
        e2 = (int64_t)e - 65;
    } else {
        mm = m >> (63 - prec);
        e2 = (int64_t)e - (int64_t)prec - 1;
    }
    rg_bigint pow = RG_BIGINT_INIT, n = RG_BIGINT_INIT;
    decimal lower = {0}, upper = {0};
    int rc;
    rg_big_set_i64(&pow, 1);
    if (e2 >= 0) {
        rc = rg_big_lsh(&pow, &pow, (uint64_t)e2);
    } else {
        rg_bigint five = RG_BIGINT_INIT;
        rg_big_set_i64(&five, 5);
        rc = RG_NUM_OK;
        /* 5^k by squaring */
        for (uint64_t k = (uint64_t)-e2; k && rc == RG_NUM_OK; k >>= 1) {
            if (k & 1)
                rc = rg_big_mul(&pow, &pow, &five);
            if (k > 1 && rc == RG_NUM_OK)
                rc = rg_big_mul(&five, &five, &five);
        }
        rg_big_free(&five);
    }
    if (rc == RG_NUM_OK) {
        big_set_u128(&n, mm);
        rc = dec_init(d, &n, &pow, e2);
    }
    if (rc == RG_NUM_OK) {
        big_set_u128(&n, mm - 1);
        rc = dec_init(&lower, &n, &pow, e2);
    }
    if (rc == RG_NUM_OK) {
        big_set_u128(&n, mm + 1);
        rc = dec_init(&upper, &n, &pow, e2);
    }
    if (rc == RG_NUM_OK)
        dec_round_shortest(d, &lower, &upper, (mm & 2) == 0);
    ks_xfree(lower.mant);
    ks_xfree(upper.mant);
    rg_big_free(&pow);
    rg_big_free(&n);
    return rc;
}

/* Go's fmtF with prec digits after the point. */
static void fmt_f(ks_buf *out, const decimal *d, int64_t prec)
{
    if (d->exp > 0) {
        size_t m = d->len < (size_t)d->exp ? d->len : (size_t)d->exp;
        ks_buf_append(out, d->mant, m);
        ks_buf_fill(out, '0', (size_t)d->exp - m);
    } else {
        ks_buf_putc(out, '0');
    }
    if (prec > 0) {
        ks_buf_putc(out, '.');
        for (int64_t i = 0; i < prec; i++)
            ks_buf_putc(out, dec_at(d, d->exp + i));
    }
}

/* Go's fmtE with all the digits of d. */
static void fmt_e(ks_buf *out, const decimal *d)
{
    ks_buf_putc(out, d->len ? d->mant[0] : '0');
    if (d->len > 1) {
        ks_buf_putc(out, '.');
        ks_buf_append(out, d->mant + 1, d->len - 1);
    }
    int64_t x = d->len ? d->exp - 1 : 0;
    ks_buf_printf(out, "e%c%02lld", x < 0 ? '-' : '+', (long long)(x < 0 ? -x : x));
}

int rg_float_write(ks_buf *out, long double f, unsigned prec)
{
    if (signbit(f))
        ks_buf_putc(out, '-');
    if (f == 0) {
        ks_buf_putc(out, '0');
        return out->err ? RG_NUM_ENOMEM : RG_NUM_OK;
    }
    decimal d = {0};
    int rc = shortest(f, prec, &d);
    if (rc != RG_NUM_OK) {
        ks_xfree(d.mant);
        return rc;
    }
    int64_t nd = (int64_t)d.len;
    if (fabsl(f) == truncl(fabsl(f))) {
        fmt_f(out, &d, nd - d.exp > 0 ? nd - d.exp : 0);
    } else {
        int64_t x = d.exp - 1;
        if (x < -4 || x >= 6)
            fmt_e(out, &d);
        else
            fmt_f(out, &d, nd - d.exp > 0 ? nd - d.exp : 0);
    }
    ks_xfree(d.mant);
    return out->err ? RG_NUM_ENOMEM : RG_NUM_OK;
}

static int parse_text(ks_arena *a, const ks_buf *b, kv_value *out)
{
    int rc = kv_number_parse(a, b->data, b->len, out);
    if (rc == KS_ERANGE)
        return RG_NUM_ERANGE;
    return rc < 0 ? RG_NUM_ENOMEM : RG_NUM_OK;
}

int rg_num_from_float(ks_arena *a, long double f, unsigned prec, kv_value *out)
{
    if (!float_ok(f))
        return RG_NUM_ERANGE;
    /* Integers below 2^prec print exactly. */
    if (f == truncl(f) && fabsl(f) < (prec >= 64 ? 0x1p63L : ldexpl(1, (int)prec))) {
        *out = kv_int((int64_t)f);
        return RG_NUM_OK;
    }
    ks_buf b = KS_BUF_INIT;
    int rc = rg_float_write(&b, f, prec);
    if (rc == RG_NUM_OK)
        rc = parse_text(a, &b, out);
    ks_buf_free(&b);
    return rc;
}

int rg_float_mul53(long double x, long double y, long double *out)
{
    if (x == 0 || y == 0) {
        *out = (signbit(x) != signbit(y)) ? -0.0L : 0.0L;
        return RG_NUM_OK;
    }
    int ex, ey;
    long double fx = frexpl(fabsl(x), &ex), fy = frexpl(fabsl(y), &ey);
    uint64_t mx = (uint64_t)ldexpl(fx, 64), my = (uint64_t)ldexpl(fy, 64);
    unsigned __int128 p = (unsigned __int128)mx * my; /* value p x 2^(ex+ey-128) */
    int bits = 128;
    while (!(p >> (bits - 1)))
        bits--;
    int shift = bits - 53;
    unsigned __int128 q = p >> shift;
    unsigned __int128 rem = p & (((unsigned __int128)1 << shift) - 1);
    unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    if (q >> 53) {
        q >>= 1;
        shift++;
    }
    long double r = ldexpl((long double)(uint64_t)q, ex + ey - 128 + shift);
    if (!float_ok(r) || r == 0)
        return RG_NUM_ERANGE;
    *out = signbit(x) != signbit(y) ? -r : r;
    return RG_NUM_OK;
}

/* ---- dispatch ---- */

enum arith_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_REM };

static bool small_int(const kv_value *x, int64_t *v)
{
    if (x->sub != KV_NUM_INT || x->u.i < INT32_MIN || x->u.i > INT32_MAX)
        return false;
    *v = x->u.i;
    return true;
}

static int exact(ks_arena *a, enum arith_op op, const kv_value *x, const kv_value *y, kv_value *out)
{
    int64_t xi, yi, r;
    if (kv_num_int64(x, &xi) && kv_num_int64(y, &yi)) {
        bool ovf;
        switch (op) {
        case OP_ADD: ovf = __builtin_add_overflow(xi, yi, &r); break;
        case OP_SUB: ovf = __builtin_sub_overflow(xi, yi, &r); break;
        case OP_MUL: ovf = __builtin_mul_overflow(xi, yi, &r); break;
        default:
            if (yi == 0)
                return RG_NUM_EMODZERO;
            ovf = false;
            r = yi == -1 ? 0 : xi % yi;
            break;
        }
        if (!ovf) {
            *out = kv_int(r);
            return RG_NUM_OK;
        }
    }
    rg_bigint bx = RG_BIGINT_INIT, by = RG_BIGINT_INIT;
    int rc = rg_big_from_num(&bx, x);
    if (rc == RG_NUM_OK)
        rc = rg_big_from_num(&by, y);
    if (rc == RG_NUM_OK) {
        switch (op) {
        case OP_ADD: rc = rg_big_add(&bx, &bx, &by); break;
        case OP_SUB: rc = rg_big_sub(&bx, &bx, &by); break;
        case OP_MUL: rc = rg_big_mul(&bx, &bx, &by); break;
        default:
            rc = rg_big_sign(&by) == 0 ? RG_NUM_EMODZERO : rg_big_divmod(NULL, &bx, &bx, &by);
            break;
        }
    }
    if (rc == RG_NUM_OK)
        rc = rg_big_to_num(a, &bx, out);
    rg_big_free(&bx);
    rg_big_free(&by);
    return rc;
}

static int arith(ks_arena *a, enum arith_op op, const kv_value *x, const kv_value *y, kv_value *out)
{
    int64_t xi, yi;
    if (small_int(x, &xi) && small_int(y, &yi)) {
        switch (op) {
        case OP_ADD: *out = kv_int(xi + yi); return RG_NUM_OK;
        case OP_SUB: *out = kv_int(xi - yi); return RG_NUM_OK;
        case OP_MUL: *out = kv_int(xi * yi); return RG_NUM_OK;
        case OP_DIV:
            if (yi == 0)
                return RG_NUM_EDIVZERO;
            if (xi != 0 && xi % yi == 0) {
                *out = kv_int(xi / yi);
                return RG_NUM_OK;
            }
            break;
        case OP_REM:
            if (yi == 0)
                return RG_NUM_EMODZERO;
            *out = kv_int(xi % yi);
            return RG_NUM_OK;
        }
    }
    if (op != OP_DIV && rg_num_is_int(x) && rg_num_is_int(y))
        return exact(a, op, x, y, out);
    if (op == OP_REM)
        return RG_NUM_EMODFLOAT;
    long double fx, fy, r;
    int rc = rg_num_to_float(x, &fx);
    if (rc == RG_NUM_OK)
        rc = rg_num_to_float(y, &fy);
    if (rc != RG_NUM_OK)
        return rc;
    switch (op) {
    case OP_ADD: r = fx + fy; break;
    case OP_SUB: r = fx - fy; break;
    case OP_MUL: r = fx * fy; break;
    default:
        if (fy == 0)
            return RG_NUM_EDIVZERO;
        r = fx / fy;
        break;
    }
    /* A zero product or quotient of non-zero operands underflowed. */
    if (r == 0 && (op == OP_MUL || op == OP_DIV) && fx != 0 && fy != 0)
        return RG_NUM_ERANGE;
    return rg_num_from_float(a, r, 64, out);
}

int rg_num_add(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return arith(a, OP_ADD, x, y, out);
}

int rg_num_sub(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return arith(a, OP_SUB, x, y, out);
}

int rg_num_mul(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return arith(a, OP_MUL, x, y, out);
}

int rg_num_div(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return arith(a, OP_DIV, x, y, out);
}

int rg_num_rem(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return arith(a, OP_REM, x, y, out);
}

/* An integral float as an exact number (OPA: big.Float.SetInt, whose
 * precision holds every bit, so all digits print). */
static int int_float_to_num(ks_arena *a, long double f, kv_value *out)
{
    if (!isfinite(f))
        return RG_NUM_ERANGE;
    if (fabsl(f) < 0x1p63L) {
        *out = kv_int((int64_t)f);
        return RG_NUM_OK;
    }
    int e;
    long double fr = frexpl(fabsl(f), &e);
    uint64_t m = (uint64_t)ldexpl(fr, 64);
    rg_bigint z = RG_BIGINT_INIT, t = RG_BIGINT_INIT;
    rg_big_set_i64(&z, (int64_t)(m >> 32));
    rg_big_lsh(&z, &z, 32);
    rg_big_set_i64(&t, (int64_t)(m & 0xffffffffu));
    rg_big_add(&z, &z, &t);
    int rc = rg_big_lsh(&z, &z, (uint64_t)(e - 64));
    z.neg = f < 0 && z.n > 0;
    if (rc == RG_NUM_OK)
        rc = rg_big_to_num(a, &z, out);
    rg_big_free(&z);
    rg_big_free(&t);
    return rc;
}

enum unary_op { OP_ABS, OP_ROUND, OP_CEIL, OP_FLOOR };

static int unary(ks_arena *a, enum unary_op op, const kv_value *x, kv_value *out)
{
    int64_t xi;
    if (small_int(x, &xi)) {
        *out = kv_int(op == OP_ABS && xi < 0 ? -xi : xi);
        return RG_NUM_OK;
    }
    long double f;
    int rc = rg_num_to_float(x, &f);
    if (rc != RG_NUM_OK)
        return rc;
    long double i;
    switch (op) {
    case OP_ABS: return rg_num_from_float(a, fabsl(f), 64, out);
    case OP_ROUND: i = truncl(signbit(f) ? f - 0.5L : f + 0.5L); break;
    case OP_CEIL:
        /* Go's big.Int has no -0: the integer part of -0.5 is +0, and
         * OPA's ceil then adds one. */
        i = truncl(f) + 0.0L;
        if (!(signbit(i) || f == i))
            i += 1;
        break;
    default:
        i = truncl(f) + 0.0L;
        if (!(!signbit(i) || f == i))
            i -= 1;
        break;
    }
    return int_float_to_num(a, i, out);
}

int rg_num_abs(ks_arena *a, const kv_value *x, kv_value *out)
{
    return unary(a, OP_ABS, x, out);
}

int rg_num_round(ks_arena *a, const kv_value *x, kv_value *out)
{
    return unary(a, OP_ROUND, x, out);
}

int rg_num_ceil(ks_arena *a, const kv_value *x, kv_value *out)
{
    return unary(a, OP_CEIL, x, out);
}

int rg_num_floor(ks_arena *a, const kv_value *x, kv_value *out)
{
    return unary(a, OP_FLOOR, x, out);
}

/* ---- Go's ParseFloat syntax (OPA's to_number) ---- */

static bool is_digit(char ch, bool hex)
{
    return (ch >= '0' && ch <= '9') ||
           (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')));
}

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Go's underscoreOK: underscores only between digits (or after a base
 * prefix). */
static bool underscores_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    bool hex = false;
    if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s[1]) == 'x';
    }
    for (; i < n; i++) {
        if (is_digit(s[i], hex)) {
            saw = '0';
            continue;
        }
        if (s[i] == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

/* Go's strconv.ParseFloat(s, 64) syntax (decimal and hexadecimal forms,
 * underscores), writing the number to json as JSON number text (decimal)
 * or C hex-float text for strtold (*hex). */
static int parse_go_float(const char *s, size_t n, ks_buf *json, bool *hex)
{
    size_t i = 0;
    bool underscores = false;
    *hex = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        if (s[i] == '-')
            ks_buf_putc(json, '-');
        i++;
    }
    if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
        *hex = true;
        ks_buf_append(json, "0x", 2);
        i += 2;
    }
    size_t int_start = json->len;
    bool sawdot = false, sawdigits = false, frac = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '_') {
            underscores = true;
        } else if (ch == '.') {
            if (sawdot)
                break;
            sawdot = true;
        } else if (is_digit(ch, *hex)) {
            sawdigits = true;
            if (sawdot && !frac) {
                if (json->len == int_start)
                    ks_buf_putc(json, '0');
                ks_buf_putc(json, '.');
                frac = true;
            }
            /* JSON has no leading zeros */
            if (!*hex && !sawdot && ch == '0' && json->len == int_start)
                continue;
            ks_buf_putc(json, ch);
        } else {
            break;
        }
    }
    if (!sawdigits)
        return RG_NUM_ESYNTAX;
    if (json->len == int_start)
        ks_buf_putc(json, '0');
    char expch = *hex ? 'p' : 'e';
    if (i < n && lower(s[i]) == expch) {
        i++;
        if (i >= n)
            return RG_NUM_ESYNTAX;
        ks_buf_putc(json, expch);
        if (s[i] == '+' || s[i] == '-')
            ks_buf_putc(json, s[i++]);
        if (i >= n || s[i] < '0' || s[i] > '9')
            return RG_NUM_ESYNTAX;
        for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++) {
            if (s[i] == '_')
                underscores = true;
            else
                ks_buf_putc(json, s[i]);
        }
    } else if (*hex) {
        return RG_NUM_ESYNTAX;
    }
    if (i != n || (underscores && !underscores_ok(s, i)))
        return RG_NUM_ESYNTAX;
    if (json->err)
        return RG_NUM_ESYNTAX;
    /* Out of range: beyond the largest float64 once rounded. */
    double d = strtod(ks_buf_cstr(json), NULL);
    return isinf(d) ? RG_NUM_EFLOAT64 : RG_NUM_OK;
}

/* OPA's ast.NumberChecked: a number written with an exponent whose binary
 * exponent is beyond +-1e5 is refused ("number too big"). The check runs
 * only where the exponent and the text are long (Go's smallExponent). */
static bool number_too_big(const char *s, size_t n, const kv_value *num)
{
    size_t i = 0;
    while (i < n && (s[i] | 0x20) != 'e')
        i++;
    if (i == n)
        return false;
    char *end;
    char tmp[32];
    size_t tl = n - i - 1;
    if (tl > 0 && tl < sizeof(tmp)) {
        memcpy(tmp, s + i + 1, tl);
        tmp[tl] = '\0';
        long long e = strtoll(tmp, &end, 10);
        bool atoi_ok = *end == '\0' && tmp[0] != ' ' && (tmp[0] != '+' || tmp[1] != '\0');
        if (atoi_ok && (long long)i + (e < 0 ? -e : e) <= 25000)
            return false;
    }
    kv_numdigits nd;
    kv_num_digits(num, &nd);
    if (nd.ndigits == 1 && nd.digits[0] == '0')
        return false;
    /* log2|x| with |x| = 0.D x 10^exp */
    char lead[20];
    size_t ln = nd.ndigits < 18 ? nd.ndigits : 18;
    memcpy(lead, nd.digits, ln);
    lead[ln] = '\0';
    long double l10 = log10l(strtold(lead, NULL)) - (long double)ln + (long double)nd.exp;
    long double l2 = l10 * 3.32192809488736234787L;
    return l2 >= 100000.0L || l2 < -100001.0L;
}

int rg_num_parse_go(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    ks_buf json = KS_BUF_INIT;
    bool hex;
    int rc = parse_go_float(s, n, &json, &hex);
    if (rc == RG_NUM_OK && hex) {
        /* OPA keeps the text; its value to 64 bits is the closest we hold
         * (Go's float64 of a number too small is 0 too). */
        long double f = strtold(ks_buf_cstr(&json), NULL);
        rc = rg_num_from_float(a, f, 64, out);
        if (rc == RG_NUM_ERANGE) {
            *out = kv_int(0);
            rc = RG_NUM_OK;
        }
    } else if (rc == RG_NUM_OK) {
        int prc = kv_number_parse(a, json.data, json.len, out);
        if (prc == KS_ERANGE || (prc == 0 && number_too_big(s, n, out)))
            rc = RG_NUM_ETOOBIG;
        else if (prc < 0)
            rc = RG_NUM_ENOMEM;
    }
    ks_buf_free(&json);
    return rc;
}
