/*
 * Rego builtins: arithmetic, aggregates and bits (see builtin.h for the
 * contract). The arithmetic itself is bi_num.h's, with OPA's int32 window,
 * exact big integers and 64-bit float; here are the operand checks and
 * OPA's messages around it.
 */
#include "rego/builtin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/utf8.h"
#include "rego/bi_num.h"
#include "rego/bi_sets.h"

/* Most numbers numbers.range and numbers.range_step make. */
#define RANGE_MAX 10000000

static int num_error(rg_bctx *c, int rc)
{
    if (rc == RG_NUM_ENOMEM) {
        rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
        return RG_EHALT;
    }
    return rg_bi_error(c, RG_ERR_BUILTIN, "%s", rg_num_strerror(rc));
}

static int num_result(rg_bctx *c, int rc)
{
    return rc == RG_NUM_OK ? RG_OK : num_error(c, rc);
}

static int no_memory(rg_bctx *c)
{
    return num_error(c, RG_NUM_ENOMEM);
}

/* ---- arithmetic ---- */

typedef int (*binop_fn)(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
typedef int (*unop_fn)(ks_arena *a, const kv_value *x, kv_value *out);

static int binop(rg_bctx *c, const kv_value *args, kv_value *out, binop_fn fn)
{
    int rc = rg_arg_number(c, args, 0);
    if (rc == 0)
        rc = rg_arg_number(c, args, 1);
    if (rc < 0)
        return rc;
    return num_result(c, fn(c->arena, &args[0], &args[1], out));
}

static int unop(rg_bctx *c, const kv_value *args, kv_value *out, unop_fn fn)
{
    int rc = rg_arg_number(c, args, 0);
    if (rc < 0)
        return rc;
    return num_result(c, fn(c->arena, &args[0], out));
}

static int bi_plus(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return binop(c, args, out, rg_num_add);
}

static int bi_mul(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return binop(c, args, out, rg_num_mul);
}

static int bi_div(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return binop(c, args, out, rg_num_div);
}

static int bi_rem(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return binop(c, args, out, rg_num_rem);
}

static int bi_abs(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return unop(c, args, out, rg_num_abs);
}

static int bi_round(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return unop(c, args, out, rg_num_round);
}

static int bi_ceil(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return unop(c, args, out, rg_num_ceil);
}

static int bi_floor(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return unop(c, args, out, rg_num_floor);
}

static int bi_minus(rg_bctx *c, const kv_value *args, kv_value *out)
{
    kv_kind k1 = kv_kind_of(&args[0]), k2 = kv_kind_of(&args[1]);
    if (k1 == KV_NUMBER && k2 == KV_NUMBER)
        return num_result(c, rg_num_sub(c->arena, &args[0], &args[1], out));
    if (k1 == KV_SET && k2 == KV_SET)
        return rg_set_diff(c->arena, &args[0], &args[1], out) < 0 ? no_memory(c) : RG_OK;
    if (k1 != KV_NUMBER && k1 != KV_SET)
        return rg_bi_type_error(c, 1, "one of {number, set}", &args[0]);
    /* OPA's quirk: the wanted kind is the other operand's when the second
     * is a number, else "number". */
    if (k2 == KV_NUMBER)
        return rg_bi_type_error(c, 2, "set", &args[1]);
    return rg_bi_type_error(c, 2, "number", &args[1]);
}

/* ---- integers operands (OPA's BigIntOperand) ---- */

static int big_arg(rg_bctx *c, const kv_value *args, int i, rg_bigint *z)
{
    if (kv_kind_of(&args[i]) != KV_NUMBER)
        return rg_bi_type_error(c, i + 1, "integer", &args[i]);
    int rc = rg_big_from_num(z, &args[i]);
    if (rc == RG_NUM_ENOTINT)
        return rg_bi_error(c, RG_ERR_TYPE, "operand %d must be integer number but got %s", i + 1,
                           "floating-point number");
    return rc == RG_NUM_OK ? 0 : num_error(c, rc);
}

/* ---- numbers.range, numbers.range_step ---- */

static int range_too_large(rg_bctx *c)
{
    return rg_bi_error(c, RG_ERR_BUILTIN, "range of more than %d numbers", RANGE_MAX);
}

static int range_small(rg_bctx *c, int64_t x, int64_t y, int64_t step, kv_value *out)
{
    __int128 diff = x <= y ? (__int128)y - x : (__int128)x - y;
    __int128 n = diff / step + 1;
    if (n > RANGE_MAX)
        return range_too_large(c);
    kv_value *items = ks_arena_alloc(c->arena, (size_t)n * sizeof(kv_value));
    if (!items)
        return no_memory(c);
    for (__int128 k = 0; k < n; k++)
        items[k] = kv_int((int64_t)(x <= y ? x + k * step : x - k * step));
    *out = (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = items};
    return RG_OK;
}

static int range_big(rg_bctx *c, rg_bigint *x, const rg_bigint *y, const rg_bigint *step,
                     kv_value *out)
{
    bool up = rg_big_cmp(x, y) <= 0;
    rg_bigint diff = RG_BIGINT_INIT, q = RG_BIGINT_INIT;
    int64_t n = 0;
    int rc = up ? rg_big_sub(&diff, y, x) : rg_big_sub(&diff, x, y);
    if (rc == RG_NUM_OK)
        rc = rg_big_divmod(&q, NULL, &diff, step);
    bool small = rc == RG_NUM_OK && rg_big_to_i64(&q, &n) && n < RANGE_MAX;
    rg_big_free(&diff);
    rg_big_free(&q);
    if (rc != RG_NUM_OK)
        return num_error(c, rc);
    if (!small)
        return range_too_large(c);
    n++;
    kv_value *items = ks_arena_alloc(c->arena, (size_t)n * sizeof(kv_value));
    if (!items)
        return no_memory(c);
    for (int64_t k = 0; k < n && rc == RG_NUM_OK; k++) {
        rc = rg_big_to_num(c->arena, x, &items[k]);
        if (rc == RG_NUM_OK)
            rc = up ? rg_big_add(x, x, step) : rg_big_sub(x, x, step);
    }
    if (rc != RG_NUM_OK)
        return num_error(c, rc);
    *out = (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = items};
    return RG_OK;
}

static int range(rg_bctx *c, const kv_value *args, bool has_step, kv_value *out)
{
    rg_bigint x = RG_BIGINT_INIT, y = RG_BIGINT_INIT, step = RG_BIGINT_INIT;
    int rc = big_arg(c, args, 0, &x);
    if (rc == 0)
        rc = big_arg(c, args, 1, &y);
    if (rc == 0) {
        if (has_step)
            rc = big_arg(c, args, 2, &step);
        else
            rg_big_set_i64(&step, 1);
    }
    if (rc == 0 && rg_big_sign(&step) <= 0)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "numbers.range_step: step must be a positive integer");
    int64_t xi, yi, si;
    if (rc == 0) {
        if (rg_big_to_i64(&x, &xi) && rg_big_to_i64(&y, &yi) && rg_big_to_i64(&step, &si))
            rc = range_small(c, xi, yi, si, out);
        else
            rc = range_big(c, &x, &y, &step, out);
    }
    rg_big_free(&x);
    rg_big_free(&y);
    rg_big_free(&step);
    return rc;
}

static int bi_numbers_range(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return range(c, args, false, out);
}

static int bi_numbers_range_step(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return range(c, args, true, out);
}

/* ---- rand.intn ---- */

/* The same (string, n) gives the same number within an evaluation, as
 * OPA's cache does: the number is derived from the evaluation's seed. */
static int bi_rand_intn(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t len;
    int64_t n;
    int rc = rg_arg_string(c, args, 0, &s, &len);
    if (rc == 0)
        rc = rg_arg_int(c, args, 1, &n);
    if (rc < 0)
        return rc;
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    if (m == 0) {
        *out = kv_int(0);
        return RG_OK;
    }
    uint64_t h = ks_hash_combine(ks_hash_bytes(s, len, c->seed), m);
    h = ks_hash_u64(h);
    *out = kv_int((int64_t)(h % m));
    return RG_OK;
}

/* ---- bits ---- */

enum bits_op { B_OR, B_AND, B_XOR, B_LSH, B_RSH, B_NEG };

static int bits(rg_bctx *c, const kv_value *args, kv_value *out, enum bits_op op)
{
    rg_bigint x = RG_BIGINT_INIT, y = RG_BIGINT_INIT;
    int rc = big_arg(c, args, 0, &x);
    if (rc == 0 && op != B_NEG)
        rc = big_arg(c, args, 1, &y);
    if (rc == 0 && (op == B_LSH || op == B_RSH) && rg_big_sign(&y) < 0)
        rc = rg_bi_error(c, RG_ERR_TYPE,
                         "operand 2 must be an unsigned integer number but got a negative integer");
    if (rc == 0) {
        int nrc;
        switch (op) {
        case B_OR: nrc = rg_big_or(&x, &x, &y); break;
        case B_AND: nrc = rg_big_and(&x, &x, &y); break;
        case B_XOR: nrc = rg_big_xor(&x, &x, &y); break;
        /* Go shifts by the low 64 bits of the count (big.Int.Uint64). */
        case B_LSH: nrc = rg_big_lsh(&x, &x, rg_big_low64(&y)); break;
        case B_RSH: nrc = rg_big_rsh(&x, &x, rg_big_low64(&y)); break;
        default: nrc = rg_big_not(&x, &x); break;
        }
        if (nrc == RG_NUM_OK)
            nrc = rg_big_to_num(c->arena, &x, out);
        rc = num_result(c, nrc);
    }
    rg_big_free(&x);
    rg_big_free(&y);
    return rc;
}

static int bi_bits_or(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return bits(c, args, out, B_OR);
}

static int bi_bits_and(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return bits(c, args, out, B_AND);
}

static int bi_bits_xor(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return bits(c, args, out, B_XOR);
}

static int bi_bits_negate(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return bits(c, args, out, B_NEG);
}

static int bi_bits_lsh(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return bits(c, args, out, B_LSH);
}

static int bi_bits_rsh(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return bits(c, args, out, B_RSH);
}

/* ---- aggregates ---- */

static int bi_count(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const kv_value *v = &args[0];
    switch (kv_kind_of(v)) {
    case KV_ARRAY:
    case KV_OBJECT:
    case KV_SET: *out = kv_int(v->len); return RG_OK;
    case KV_STRING: *out = kv_int((int64_t)ks_utf8_count(v->u.s, v->len)); return RG_OK;
    default: return rg_bi_type_error(c, 1, "one of {array, object, set, string}", v);
    }
}

static int collection_arg(rg_bctx *c, const kv_value *args)
{
    return rg_arg_kind(c, args, 0, RG_T_SET | RG_T_ARR, "one of {set, array}");
}

/* OPA's element error: "operand 1 must be array of numbers but got array
 * containing string". */
static int numbers_only(rg_bctx *c, const kv_value *coll)
{
    const char *kind = rg_kind_name(coll);
    for (size_t i = 0; i < coll->len; i++)
        if (kv_kind_of(&coll->u.items[i]) != KV_NUMBER)
            return rg_bi_error(c, RG_ERR_TYPE,
                               "operand 1 must be %s of numbers but got %s containing %s", kind,
                               kind, rg_kind_name(&coll->u.items[i]));
    return 0;
}

static bool all_ints(const kv_value *coll)
{
    for (size_t i = 0; i < coll->len; i++)
        if (kv_kind_of(&coll->u.items[i]) != KV_NUMBER || !rg_num_is_int(&coll->u.items[i]))
            return false;
    return true;
}

/* Sum or product of integers, exactly. */
static int exact_fold(rg_bctx *c, const kv_value *coll, bool product, kv_value *out)
{
    rg_bigint acc = RG_BIGINT_INIT, x = RG_BIGINT_INIT;
    rg_big_set_i64(&acc, product ? 1 : 0);
    int rc = RG_NUM_OK;
    for (size_t i = 0; i < coll->len && rc == RG_NUM_OK; i++) {
        rc = rg_big_from_num(&x, &coll->u.items[i]);
        if (rc == RG_NUM_OK)
            rc = product ? rg_big_mul(&acc, &acc, &x) : rg_big_add(&acc, &acc, &x);
    }
    if (rc == RG_NUM_OK)
        rc = rg_big_to_num(c->arena, &acc, out);
    rg_big_free(&acc);
    rg_big_free(&x);
    return num_result(c, rc);
}

static int bi_sum(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = collection_arg(c, args);
    if (rc < 0)
        return rc;
    const kv_value *coll = &args[0];
    int64_t s = 0, v;
    size_t i = 0;
    for (; i < coll->len; i++) {
        const kv_value *x = &coll->u.items[i];
        if (kv_kind_of(x) != KV_NUMBER || !kv_num_int64(x, &v) || __builtin_add_overflow(s, v, &s))
            break;
    }
    if (i == coll->len) {
        *out = kv_int(s);
        return RG_OK;
    }
    if (all_ints(coll))
        return exact_fold(c, coll, false, out);
    rc = numbers_only(c, coll);
    if (rc < 0)
        return rc;
    /* big.Float accumulation at 64 bits */
    long double acc = 0, f;
    for (i = 0; i < coll->len; i++) {
        int nrc = rg_num_to_float(&coll->u.items[i], &f);
        if (nrc != RG_NUM_OK)
            return num_error(c, nrc);
        acc += f;
        if (!isfinite(acc))
            return num_error(c, RG_NUM_ERANGE);
    }
    return num_result(c, rg_num_from_float(c->arena, acc, 64, out));
}

static int bi_product(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = collection_arg(c, args);
    if (rc < 0)
        return rc;
    const kv_value *coll = &args[0];
    if (all_ints(coll))
        return exact_fold(c, coll, true, out);
    rc = numbers_only(c, coll);
    if (rc < 0)
        return rc;
    /* OPA starts from big.NewFloat(1), whose precision (53 bits) the
     * product keeps: each step rounds to 53 bits, and so does the text. */
    long double acc = 1, f;
    for (size_t i = 0; i < coll->len; i++) {
        int nrc = rg_num_to_float(&coll->u.items[i], &f);
        if (nrc == RG_NUM_OK)
            nrc = rg_float_mul53(acc, f, &acc);
        if (nrc != RG_NUM_OK)
            return num_error(c, nrc);
    }
    return num_result(c, rg_num_from_float(c->arena, acc, 53, out));
}

static int extreme(rg_bctx *c, const kv_value *args, kv_value *out, int sign)
{
    int rc = collection_arg(c, args);
    if (rc < 0)
        return rc;
    const kv_value *coll = &args[0];
    if (coll->len == 0)
        return RG_UNDEF;
    if (kv_kind_of(coll) == KV_SET) {
        *out = coll->u.items[sign > 0 ? coll->len - 1 : 0];
        return RG_OK;
    }
    const kv_value *best = &coll->u.items[0];
    for (size_t i = 1; i < coll->len; i++)
        if (kv_compare(&coll->u.items[i], best) * sign > 0)
            best = &coll->u.items[i];
    *out = *best;
    return RG_OK;
}

static int bi_max(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return extreme(c, args, out, 1);
}

static int bi_min(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return extreme(c, args, out, -1);
}

static int cmp_values(const void *a, const void *b)
{
    return kv_compare(a, b);
}

static int bi_sort(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = collection_arg(c, args);
    if (rc < 0)
        return rc;
    const kv_value *coll = &args[0];
    kv_value *items = NULL;
    if (coll->len) {
        items = ks_arena_memdup(c->arena, coll->u.items, coll->len * sizeof(kv_value));
        if (!items)
            return no_memory(c);
        if (kv_kind_of(coll) == KV_ARRAY)
            qsort(items, coll->len, sizeof(kv_value), cmp_values);
    }
    *out = (kv_value){.kind = KV_ARRAY, .len = coll->len, .u.items = items};
    return RG_OK;
}

static int bi_all(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR | RG_T_SET, "one of {array, set}");
    if (rc < 0)
        return rc;
    bool all = true;
    for (size_t i = 0; i < args[0].len && all; i++) {
        const kv_value *x = &args[0].u.items[i];
        all = kv_kind_of(x) == KV_BOOL && x->u.b;
    }
    *out = kv_bool(all);
    return RG_OK;
}

static int bi_any(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR | RG_T_SET, "one of {array, set}");
    if (rc < 0)
        return rc;
    bool any = false;
    for (size_t i = 0; i < args[0].len && !any; i++) {
        const kv_value *x = &args[0].u.items[i];
        any = kv_kind_of(x) == KV_BOOL && x->u.b;
    }
    *out = kv_bool(any);
    return RG_OK;
}

#define N RG_T_NUM
#define NUM1(name, fn)         \
    {                          \
        name, 1, 0, {N}, N, fn \
    }
#define NUM2(name, fn)            \
    {                             \
        name, 2, 0, {N, N}, N, fn \
    }

const rg_builtin_def rg_bi_numbers[] = {
        NUM2("plus", bi_plus),
        {"minus", 2, 0, {N | RG_T_SET, N | RG_T_SET}, N | RG_T_SET, bi_minus},
        NUM2("mul", bi_mul),
        NUM2("div", bi_div),
        NUM2("rem", bi_rem),
        NUM1("abs", bi_abs),
        NUM1("round", bi_round),
        NUM1("ceil", bi_ceil),
        NUM1("floor", bi_floor),
        {"numbers.range", 2, 0, {N, N}, RG_T_ARR, bi_numbers_range},
        {"numbers.range_step", 3, 0, {N, N, N}, RG_T_ARR, bi_numbers_range_step},
        {"rand.intn", 2, RG_BI_NONDET, {RG_T_STR, N}, N, bi_rand_intn},
        NUM2("bits.or", bi_bits_or),
        NUM2("bits.and", bi_bits_and),
        NUM2("bits.xor", bi_bits_xor),
        NUM1("bits.negate", bi_bits_negate),
        NUM2("bits.lsh", bi_bits_lsh),
        NUM2("bits.rsh", bi_bits_rsh),
        {"count", 1, 0, {RG_T_SET | RG_T_ARR | RG_T_OBJ | RG_T_STR}, N, bi_count},
        {"sum", 1, 0, {RG_T_SET | RG_T_ARR}, N, bi_sum},
        {"product", 1, 0, {RG_T_SET | RG_T_ARR}, N, bi_product},
        {"max", 1, 0, {RG_T_SET | RG_T_ARR}, RG_T_ANY, bi_max},
        {"min", 1, 0, {RG_T_SET | RG_T_ARR}, RG_T_ANY, bi_min},
        {"sort", 1, 0, {RG_T_ARR | RG_T_SET}, RG_T_ARR, bi_sort},
        {"all", 1, 0, {RG_T_SET | RG_T_ARR}, RG_T_BOOL, bi_all},
        {"any", 1, 0, {RG_T_SET | RG_T_ARR}, RG_T_BOOL, bi_any},
        {0},
};
