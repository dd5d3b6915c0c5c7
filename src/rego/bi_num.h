/*
 * Number arithmetic with OPA's semantics (v1.22.3), for the arithmetic
 * builtins and the evaluator.
 *
 * OPA computes in the narrowest form that holds the operands exactly: ints
 * of the int32 window in machine arithmetic, integers of any size exactly,
 * everything else in a binary float with a 64-bit mantissa (Go's big.Float
 * at its default precision), whose result is written as the shortest
 * decimal that reads back at that precision. Here the float is the x86-64
 * `long double`, which has that mantissa and rounds the same way; integers
 * are rg_bigint. Results are canonical kv_value numbers built in an arena
 * from OPA's text for them, so they print as OPA prints them.
 *
 * Limits: exact integers up to RG_NUM_MAX_DIGITS decimal digits, floats in
 * the normal range of long double (about 1e-4931 to 1e4932); beyond either
 * an operation fails with RG_NUM_ERANGE instead of going on slowly or
 * losing precision. OPA itself goes further on both (deliberate deviation).
 *
 * Errors: functions return RG_NUM_OK or a negative RG_NUM_E* code;
 * rg_num_strerror gives OPA's message for it. Thread-safe (no state).
 */
#ifndef KS_REGO_BI_NUM_H
#define KS_REGO_BI_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "value/value.h"

enum {
    RG_NUM_OK = 0,
    RG_NUM_EDIVZERO = -1,  /* "divide by zero" */
    RG_NUM_EMODZERO = -2,  /* "modulo by zero" */
    RG_NUM_EMODFLOAT = -3, /* "modulo on floating-point number" */
    RG_NUM_ERANGE = -4,    /* beyond the limits above */
    RG_NUM_ENOTINT = -5,   /* an integer was needed */
    RG_NUM_ENOMEM = -6,    /* the arena is at its limit */
    RG_NUM_ESYNTAX = -7,   /* "invalid syntax" (rg_num_parse_go) */
    RG_NUM_EFLOAT64 = -8,  /* "value out of range" (rg_num_parse_go) */
    RG_NUM_ETOOBIG = -9,   /* "invalid number: number too big" (rg_num_parse_go) */
};

/* Largest exact integer, in decimal digits. */
#define RG_NUM_MAX_DIGITS 10000

/* OPA's message for an RG_NUM_E* code (without the builtin's name). */
const char *rg_num_strerror(int rc);

/* ---- operations on numbers (x, y must be KV_NUMBER) ---- */

int rg_num_add(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
int rg_num_sub(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
int rg_num_mul(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
/* Exact on ints of the int32 window when y divides x, else a float quotient. */
int rg_num_div(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
/* Integers only; the result takes the sign of x (truncated division). */
int rg_num_rem(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);

/* Outside the int32 window these go through the float, as in OPA: abs of
 * a big integer keeps 64 bits of it; round is half away from zero; ceil
 * and floor keep OPA's results on (-1, 0): ceil(-0.5) = 1, floor(-0.5) = 0. */
int rg_num_abs(ks_arena *a, const kv_value *x, kv_value *out);
int rg_num_round(ks_arena *a, const kv_value *x, kv_value *out);
int rg_num_ceil(ks_arena *a, const kv_value *x, kv_value *out);
int rg_num_floor(ks_arena *a, const kv_value *x, kv_value *out);

/* Numeric order: negative, zero or positive (exact). */
int rg_num_compare(const kv_value *x, const kv_value *y);
/* Whether the number is an integer (of any size). */
bool rg_num_is_int(const kv_value *x);

/* A number from text in Go's strconv.ParseFloat syntax, as OPA's
 * to_number reads strings: signs, leading zeros, ".5", "5.", underscores
 * between digits, hexadecimal mantissas with a p exponent. The value is
 * the text's exact decimal value (hexadecimal ones to 64 bits). Errors as
 * ParseFloat's (RG_NUM_ESYNTAX; RG_NUM_EFLOAT64 past float64's range) and
 * OPA's (RG_NUM_ETOOBIG for a binary exponent beyond +-1e5). Infinity and
 * NaN are not numbers here (syntax errors). */
int rg_num_parse_go(ks_arena *a, const char *s, size_t n, kv_value *out);

/* ---- big integers: sign and magnitude, heap memory ---- */

typedef struct rg_bigint {
    uint32_t *d; /* magnitude, little-endian base 2^32, no leading zero limbs */
    uint32_t n;  /* limbs in use; 0 for zero */
    uint32_t cap;
    bool neg; /* never set for zero */
} rg_bigint;

#define RG_BIGINT_INIT    \
    {                     \
        NULL, 0, 0, false \
    }

void rg_big_free(rg_bigint *z);
void rg_big_set_i64(rg_bigint *z, int64_t v);
/* z = x; RG_NUM_ENOTINT when x is not an integer, RG_NUM_ERANGE when it has
 * more than RG_NUM_MAX_DIGITS digits. */
int rg_big_from_num(rg_bigint *z, const kv_value *x);
/* The integer as a number in arena a (RG_NUM_ERANGE past the limit). */
int rg_big_to_num(ks_arena *a, const rg_bigint *x, kv_value *out);
/* Appends the decimal text. */
int rg_big_write(ks_buf *out, const rg_bigint *x);
bool rg_big_to_i64(const rg_bigint *x, int64_t *out);
int rg_big_cmp(const rg_bigint *x, const rg_bigint *y);
static inline int rg_big_sign(const rg_bigint *x)
{
    return x->n == 0 ? 0 : (x->neg ? -1 : 1);
}

/* z may alias x or y. RG_NUM_OK, or RG_NUM_ERANGE when the result would be
 * larger than the limit. */
int rg_big_add(rg_bigint *z, const rg_bigint *x, const rg_bigint *y);
int rg_big_sub(rg_bigint *z, const rg_bigint *x, const rg_bigint *y);
int rg_big_mul(rg_bigint *z, const rg_bigint *x, const rg_bigint *y);
/* Truncated division: q = x / y rounded toward zero, r = x - q*y (either
 * may be NULL). RG_NUM_EDIVZERO for y = 0. */
int rg_big_divmod(rg_bigint *q, rg_bigint *r, const rg_bigint *x, const rg_bigint *y);
/* Bitwise operations on the two's complement of unbounded width, as Go's
 * big.Int: not(x) = -x-1, rsh rounds toward minus infinity. */
int rg_big_and(rg_bigint *z, const rg_bigint *x, const rg_bigint *y);
int rg_big_or(rg_bigint *z, const rg_bigint *x, const rg_bigint *y);
int rg_big_xor(rg_bigint *z, const rg_bigint *x, const rg_bigint *y);
int rg_big_not(rg_bigint *z, const rg_bigint *x);
int rg_big_lsh(rg_bigint *z, const rg_bigint *x, uint64_t s);
int rg_big_rsh(rg_bigint *z, const rg_bigint *x, uint64_t s);
/* The low 64 bits of |x| (Go's big.Int.Uint64). */
uint64_t rg_big_low64(const rg_bigint *x);

/* ---- the float (big.Float at 64-bit precision) ---- */

/* x rounded to 64 bits, as big.Float.SetString does. RG_NUM_ERANGE
 * outside the normal range of long double. */
int rg_num_to_float(const kv_value *x, long double *out);
/* The number OPA makes of a float of precision prec (53 or 64 bits): the
 * shortest decimal that reads back at that precision, in 'f' form when
 * integral ('g' otherwise). f must be finite. */
int rg_num_from_float(ks_arena *a, long double f, unsigned prec, kv_value *out);
/* The same as text (appended). */
int rg_float_write(ks_buf *out, long double f, unsigned prec);
/* round53(x * y): big.Float multiplication into a 53-bit result. */
int rg_float_mul53(long double x, long double y, long double *out);

#endif
