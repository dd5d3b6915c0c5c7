/* Rego builtins: arithmetic, aggregates and bits, with OPA v1.22.3's results
 * (checked against the opa binary) for the int32 window, exact big integers
 * and the 64-bit float, and OPA's messages for the errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_num.h"
#include "rego/builtin.h"
#include "testutil.h"

/* JSON with {"$set": [...]} standing for a set. */
static kv_value rego_value(ks_arena *a, kv_value v)
{
    if (v.kind == KV_ARRAY) {
        kv_value *items = ks_arena_alloc(a, (v.len + 1) * sizeof(kv_value));
        for (size_t i = 0; i < v.len; i++)
            items[i] = rego_value(a, v.u.items[i]);
        kv_value out;
        assert_int_equal(kv_array_new(a, items, v.len, &out), 0);
        return out;
    }
    if (v.kind == KV_OBJECT) {
        const kv_value *s = kv_obj_get(&v, "$set", 4);
        kv_value out;
        if (s && v.len == 1) {
            kv_value arr = rego_value(a, *s);
            assert_int_equal(kv_set_new(a, arr.u.items, arr.len, &out), 0);
            return out;
        }
        kv_member *m = ks_arena_alloc(a, (v.len + 1) * sizeof(kv_member));
        for (size_t i = 0; i < v.len; i++)
            m[i] = (kv_member){rego_value(a, v.u.members[i].key),
                               rego_value(a, v.u.members[i].val)};
        assert_int_equal(kv_object_new(a, m, v.len, KV_DUP_LAST_WINS, &out, NULL), 0);
        return out;
    }
    return v;
}

static uint64_t seed = 7;

/* Calls builtin name with the arguments of a JSON array; returns the code
 * and sets *out to the result's JSON or the error message (heap). */
static int call(ks_arena *a, const char *name, const char *args_json, char **out)
{
    const rg_builtin_def *def = rg_builtin_lookup(name, strlen(name));
    if (!def)
        fail_msg("no builtin %s", name);
    kv_value args = rego_value(a, tu_json(a, args_json));
    assert_int_equal(args.kind, KV_ARRAY);
    assert_int_equal(args.len, def->nargs);
    ks_buf err = KS_BUF_INIT;
    rg_bctx c = {.arena = a, .name = def->name, .err_msg = &err, .seed = seed};
    kv_value res;
    int rc = def->fn(&c, args.u.items, &res);
    *out = NULL;
    if (rc == RG_OK)
        *out = tu_to_json(&res, 0);
    else if (rc != RG_UNDEF)
        *out = ks_buf_detach(&err, NULL);
    ks_buf_free(&err);
    return rc;
}

#define expect(a, name, args, want)     expect_at(a, name, args, want, __LINE__)
#define expect_err(a, name, args, want) expect_err_at(a, name, args, want, __LINE__)

static void expect_at(ks_arena *a, const char *name, const char *args, const char *want, int line)
{
    char *got = NULL;
    int rc = call(a, name, args, &got);
    if (rc != RG_OK || strcmp(got, want) != 0)
        fail_msg("line %d: %s(%s): rc %d, want %s, got %s", line, name, args, rc, want,
                 got ? got : "(null)");
    ks_xfree(got);
}

static void expect_err_at(ks_arena *a, const char *name, const char *args, const char *want,
                          int line)
{
    char *got = NULL;
    int rc = call(a, name, args, &got);
    if (rc != RG_EBUILTIN || strcmp(got ? got : "", want) != 0)
        fail_msg("line %d: %s(%s): rc %d, want error %s, got %s", line, name, args, rc, want,
                 got ? got : "(null)");
    ks_xfree(got);
}

static void expect_undef(ks_arena *a, const char *name, const char *args)
{
    char *got = NULL;
    int rc = call(a, name, args, &got);
    if (rc != RG_UNDEF)
        fail_msg("%s(%s): rc %d (%s), want undefined", name, args, rc, got ? got : "");
    ks_xfree(got);
}

static void test_int32_window(void **state)
{
    ks_arena *a = *state;
    expect(a, "plus", "[2, 3]", "5");
    expect(a, "plus", "[2147483647, 1]", "2147483648");
    expect(a, "minus", "[-2147483648, 1]", "-2147483649");
    expect(a, "mul", "[2147483647, 2147483647]", "4611686014132420609");
    expect(a, "mul", "[-2147483648, -2147483648]", "4611686018427387904");
    expect(a, "plus", "[2147483648, 1]", "2147483649");
    expect(a, "plus", "[10.00, 5]", "15");
    expect(a, "plus", "[1e30, 1]", "1000000000000000000000000000001");
}

static void test_float(void **state)
{
    ks_arena *a = *state;
    /* big.Float at 64 bits, written as the shortest text that reads back
     * at that precision */
    expect(a, "plus", "[0.1, 0.2]", "0.3");
    expect(a, "mul", "[0.1, 3]", "0.3");
    expect(a, "div", "[1, 3]", "0.33333333333333333334");
    expect(a, "div", "[2, 3]", "0.6666666666666666667");
    expect(a, "div", "[-1, 3]", "-0.33333333333333333334");
    expect(a, "div", "[10, 4]", "2.5");
    expect(a, "div", "[1, 4]", "0.25");
    expect(a, "div", "[6, 3]", "2");
    expect(a, "div", "[-6, 3]", "-2");
    expect(a, "div", "[0, 5]", "0");
    expect(a, "div", "[3.0, 1.5]", "2");
    expect(a, "div", "[1, 3000000]", "3.3333333333333333333e-07");
    expect(a, "div", "[22, 7]", "3.1428571428571428572");
    expect(a, "mul", "[1.1, 1.1]", "1.21");
    expect(a, "plus", "[1.5, 2.5]", "4");
    expect(a, "plus", "[1, 2.5]", "3.5");
    expect(a, "mul", "[2.5, 4]", "10");
    expect(a, "minus", "[0.3, 0.1]", "0.20000000000000000002");
    /* exponents beyond float64: integral results are written out in full */
    char *got = NULL;
    assert_int_equal(call(a, "mul", "[1e308, 10]", &got), RG_OK);
    assert_int_equal(strlen(got), 310);
    assert_memory_equal(got, "10000000000", 11);
    ks_xfree(got);
    expect(a, "plus", "[1e-400, 0]", "1e-400");
    expect(a, "mul", "[1.5e-300, 2]", "3e-300");
    expect(a, "div", "[1, 7e-10]", "1.4285714285714285714e+09");
    /* integers are rounded to 64 bits of mantissa on the float path */
    expect(a, "div", "[18446744073709551618, 2]", "9223372036854775809");
    expect(a, "div", "[36893488147419103238, 2]", "18446744073709551620");
    expect(a, "plus", "[9007199254740993.5, 1]", "9.0071992547409945e+15");
}

static void test_bigint(void **state)
{
    ks_arena *a = *state;
    expect(a, "plus", "[18446744073709551617, 1]", "18446744073709551618");
    expect(a, "minus", "[18446744073709551617, 1]", "18446744073709551616");
    expect(a, "mul", "[18446744073709551617, 2]", "36893488147419103234");
    expect(a, "plus", "[123456789012345678901234567890, 1]", "123456789012345678901234567891");
    expect(a, "minus", "[-18446744073709551617, 1]", "-18446744073709551618");
    expect(a, "plus", "[9223372036854775807, 1]", "9223372036854775808");
    expect(a, "mul", "[9223372036854775808, 2]", "18446744073709551616");
    expect(a, "minus", "[-9223372036854775808, 1]", "-9223372036854775809");
    expect(a, "mul", "[12345678901234567890, 98765432109876543210]",
           "1219326311370217952237463801111263526900");
    expect(a, "plus", "[1e400, -1e400]", "0");
    expect(a, "minus", "[1e40, 1]", "9999999999999999999999999999999999999999");
}

static void test_div_rem(void **state)
{
    ks_arena *a = *state;
    expect_err(a, "div", "[1, 0]", "div: divide by zero");
    expect_err(a, "div", "[1, 0.0]", "div: divide by zero");
    expect_err(a, "div", "[1.5, 0]", "div: divide by zero");
    expect_err(a, "rem", "[1, 0]", "rem: modulo by zero");
    expect_err(a, "rem", "[18446744073709551617, 0]", "rem: modulo by zero");
    expect_err(a, "rem", "[7.5, 2]", "rem: modulo on floating-point number");
    expect_err(a, "rem", "[7, 0.5]", "rem: modulo on floating-point number");
    expect(a, "rem", "[-7, 3]", "-1");
    expect(a, "rem", "[-17, 5]", "-2");
    expect(a, "rem", "[17, -5]", "2");
    expect(a, "rem", "[4.0, 3]", "1");
    expect(a, "rem", "[-9223372036854775808, -1]", "0");
    /* a divisor that is a non-zero multiple of 2^64 is not zero */
    expect(a, "rem", "[10, 18446744073709551616]", "10");
    expect(a, "rem", "[7, 340282366920938463463374607431768211456]", "7");
    expect(a, "rem", "[100, -18446744073709551616]", "100");
    expect(a, "rem", "[18446744073709551617, 18446744073709551616]", "1");
    expect(a, "rem", "[-340282366920938463463374607431768211457, 18446744073709551616]", "-1");
    expect(a, "rem", "[1e30, 7]", "1");
}

static void test_unary(void **state)
{
    ks_arena *a = *state;
    expect(a, "round", "[2.5]", "3");
    expect(a, "round", "[-2.5]", "-3");
    expect(a, "round", "[2.4]", "2");
    expect(a, "round", "[-0.4]", "0");
    expect(a, "round", "[-5]", "-5");
    expect(a, "round", "[10.00]", "10");
    expect(a, "abs", "[-5]", "5");
    expect(a, "abs", "[-2147483648]", "2147483648");
    expect(a, "abs", "[-9223372036854775808]", "9223372036854775808");
    expect(a, "abs", "[-2.5]", "2.5");
    expect(a, "abs", "[-0.1]", "0.1");
    expect(a, "ceil", "[1.5]", "2");
    expect(a, "ceil", "[-1.5]", "-1");
    expect(a, "floor", "[1.5]", "1");
    expect(a, "floor", "[-1.5]", "-2");
    /* OPA's results on (-1, 0): the integer part is +0 */
    expect(a, "ceil", "[-0.5]", "1");
    expect(a, "floor", "[-0.5]", "0");
    /* outside the int32 window these go through the 64-bit float */
    expect(a, "abs", "[-12345678901234567890123]", "12345678901234567890000");
    expect(a, "ceil", "[12345678901234567890123.5]", "12345678901234567889920");
    expect(a, "floor", "[-12345678901234567890123]", "-12345678901234567889920");
    expect(a, "round", "[123456789012345678901.5]", "123456789012345678904");
    expect(a, "ceil", "[1.000000000000000000001]", "1");
    expect(a, "round", "[0.49999999999999999999]", "1");
    expect_err(a, "round", "[\"a\"]", "round: operand 1 must be number but got string");
    expect_err(a, "abs", "[null]", "abs: operand 1 must be number but got null");
}

static void test_operand_types(void **state)
{
    ks_arena *a = *state;
    expect_err(a, "plus", "[\"a\", 1]", "plus: operand 1 must be number but got string");
    expect_err(a, "plus", "[1, null]", "plus: operand 2 must be number but got null");
    expect_err(a, "mul", "[1, [1]]", "mul: operand 2 must be number but got array");
    expect_err(a, "div", "[{}, 1]", "div: operand 1 must be number but got object");
    /* minus: numbers or sets, with OPA's choice of message */
    expect(a, "minus", "[{\"$set\": [1, 2, 3]}, {\"$set\": [2, 9]}]", "[1,3]");
    expect(a, "minus", "[{\"$set\": [1]}, {\"$set\": [1]}]", "[]");
    expect_err(a, "minus", "[{\"$set\": [1]}, 1]", "minus: operand 2 must be set but got number");
    expect_err(a, "minus", "[1, {\"$set\": [1]}]", "minus: operand 2 must be number but got set");
    expect_err(a, "minus", "[\"a\", 1]",
               "minus: operand 1 must be one of {number, set} but got string");
    expect_err(a, "minus", "[{\"$set\": [1]}, \"a\"]",
               "minus: operand 2 must be number but got string");
}

static void test_limits(void **state)
{
    ks_arena *a = *state;
    /* exact integers up to RG_NUM_MAX_DIGITS digits */
    expect_err(a, "plus", "[1e10001, 1]", "plus: number too large");
    expect_err(a, "mul", "[1e6000, 1e6000]", "mul: number too large");
    char *got = NULL;
    assert_int_equal(call(a, "mul", "[1e4000, 1e4000]", &got), RG_OK);
    assert_int_equal(strlen(got), 8001);
    ks_xfree(got);
    /* floats within long double's range */
    expect_err(a, "mul", "[1e4932, 2.5]", "mul: number too large");
    expect_err(a, "mul", "[1.5e-4000, 1e-1000]", "mul: number too large");
    expect_err(a, "plus", "[1e5000, 0.5]", "plus: number too large");
    expect_err(a, "bits.lsh", "[1, 40000]", "bits.lsh: number too large");
    expect(a, "bits.lsh", "[0, 18446744073709551615]", "0");
}

static void test_range(void **state)
{
    ks_arena *a = *state;
    expect(a, "numbers.range", "[0, 0]", "[0]");
    expect(a, "numbers.range", "[-2, 3]", "[-2,-1,0,1,2,3]");
    expect(a, "numbers.range", "[2, -3]", "[2,1,0,-1,-2,-3]");
    expect(a, "numbers.range", "[49649733057, 49649733060]",
           "[49649733057,49649733058,49649733059,49649733060]");
    /* (1e30 itself is held as a double, which JSON writes as 1e+30) */
    expect(a, "numbers.range", "[1e30, 1000000000000000000000000000002]",
           "[1e+30,1000000000000000000000000000001,1000000000000000000000000000002]");
    expect(a, "numbers.range_step", "[0, 10, 2]", "[0,2,4,6,8,10]");
    expect(a, "numbers.range_step", "[0, -10, 2]", "[0,-2,-4,-6,-8,-10]");
    expect(a, "numbers.range_step", "[10, 3, 2]", "[10,8,6,4]");
    expect(a, "numbers.range_step", "[2, 5, 2]", "[2,4]");
    expect(a, "numbers.range_step", "[0, 10, 99999999999999999999]", "[0]");
    expect(a, "numbers.range_step", "[9223372036854775807, 9223372036854775809, 1]",
           "[9223372036854775807,9223372036854775808,9223372036854775809]");
    expect(a, "numbers.range_step",
           "[-9223372036854775808, 9223372036854775807, 9223372036854775807]",
           "[-9223372036854775808,-1,9223372036854775806]");
    expect_err(a, "numbers.range", "[3.14, 4]",
               "numbers.range: operand 1 must be integer number but got floating-point number");
    expect_err(a, "numbers.range", "[3, 3.14]",
               "numbers.range: operand 2 must be integer number but got floating-point number");
    expect_err(a, "numbers.range", "[\"a\", 1]",
               "numbers.range: operand 1 must be integer but got string");
    expect_err(a, "numbers.range_step", "[0, 10, -2]",
               "numbers.range_step: numbers.range_step: step must be a positive integer");
    expect_err(a, "numbers.range_step", "[0, 10, 0]",
               "numbers.range_step: numbers.range_step: step must be a positive integer");
    expect_err(a, "numbers.range_step", "[0, 10, \"x\"]",
               "numbers.range_step: operand 3 must be integer but got string");
    /* bounded output */
    expect_err(a, "numbers.range", "[0, 100000000]",
               "numbers.range: range of more than 10000000 numbers");
    expect_err(a, "numbers.range", "[1e30, 0]",
               "numbers.range: range of more than 10000000 numbers");
    expect(a, "numbers.range_step", "[0, 100000000000, 10000000000]",
           "[0,10000000000,20000000000,30000000000,40000000000,50000000000,60000000000,"
           "70000000000,80000000000,90000000000,100000000000]");
}

static int64_t rand_value(ks_arena *a, const char *args)
{
    char *got = NULL;
    assert_int_equal(call(a, "rand.intn", args, &got), RG_OK);
    int64_t v = strtoll(got, NULL, 10);
    ks_xfree(got);
    return v;
}

static void test_rand(void **state)
{
    ks_arena *a = *state;
    const rg_builtin_def *d = rg_builtin_lookup("rand.intn", 9);
    assert_non_null(d);
    assert_true(d->flags & RG_BI_NONDET);
    /* the same arguments give the same number within an evaluation */
    int64_t v = rand_value(a, "[\"key\", 100]");
    assert_true(v >= 0 && v < 100);
    assert_int_equal(rand_value(a, "[\"key\", 100]"), v);
    assert_int_equal(rand_value(a, "[\"key\", -100]"), v);
    expect(a, "rand.intn", "[\"key\", 0]", "0");
    expect(a, "rand.intn", "[\"key\", 1]", "0");
    /* other seeds give other sequences */
    int differ = 0;
    uint64_t saved = seed;
    for (seed = 1; seed < 20; seed++)
        differ += rand_value(a, "[\"key\", 1000000]") != rand_value(a, "[\"other\", 1000000]");
    seed = saved;
    assert_true(differ > 10);
    expect_err(a, "rand.intn", "[1, 10]", "rand.intn: operand 1 must be string but got number");
    expect_err(a, "rand.intn", "[\"a\", 1.5]",
               "rand.intn: operand 2 must be integer number but got floating-point number");
}

static void test_bits(void **state)
{
    ks_arena *a = *state;
    expect(a, "bits.or", "[12, 10]", "14");
    expect(a, "bits.and", "[12, 10]", "8");
    expect(a, "bits.xor", "[12, 10]", "6");
    expect(a, "bits.negate", "[-5]", "4");
    expect(a, "bits.negate", "[0]", "-1");
    expect(a, "bits.and", "[-5, 12]", "8");
    expect(a, "bits.xor", "[-5, 12]", "-9");
    expect(a, "bits.lsh", "[1, 100]", "1267650600228229401496703205376");
    expect(a, "bits.rsh", "[-5, 1]", "-3");
    expect(a, "bits.rsh", "[-5, 100]", "-1");
    expect(a, "bits.rsh", "[5, 100]", "0");
    expect(a, "bits.or", "[1e3, 1]", "1001");
    /* two's complement of unbounded width on big integers */
    expect(a, "bits.and", "[-18446744073709551617, 340282366920938463463374607431768211455]",
           "340282366920938463444927863358058659839");
    expect(a, "bits.or", "[-18446744073709551617, 18446744073709551616]", "-1");
    expect(a, "bits.negate", "[18446744073709551616]", "-18446744073709551617");
    expect(a, "bits.rsh", "[-340282366920938463463374607431768211457, 64]",
           "-18446744073709551617");
    /* Go shifts by the count's low 64 bits */
    expect(a, "bits.lsh", "[1, 18446744073709551617]", "2");
    expect_err(a, "bits.lsh", "[1, -1]",
               "bits.lsh: operand 2 must be an unsigned integer number but got a negative integer");
    expect_err(a, "bits.rsh", "[1, -1]",
               "bits.rsh: operand 2 must be an unsigned integer number but got a negative integer");
    expect_err(a, "bits.lsh", "[1.5, 2]",
               "bits.lsh: operand 1 must be integer number but got floating-point number");
    expect_err(a, "bits.or", "[\"a\", 2]", "bits.or: operand 1 must be integer but got string");
    expect_err(a, "bits.negate", "[true]",
               "bits.negate: operand 1 must be integer but got boolean");
}

static void test_count(void **state)
{
    ks_arena *a = *state;
    expect(a, "count", "[\"h\\u00e9llo\"]", "5");
    expect(a, "count", "[\"\\u4e16\\ud83d\\ude00\"]", "2");
    expect(a, "count", "[\"\"]", "0");
    expect(a, "count", "[[1, 2]]", "2");
    expect(a, "count", "[{\"a\": 1}]", "1");
    expect(a, "count", "[{\"$set\": [1, 2, 2]}]", "2");
    expect_err(a, "count", "[1]",
               "count: operand 1 must be one of {array, object, set, string} but got number");
    /* each byte of invalid UTF-8 counts as one, as Go's []rune does */
    const rg_builtin_def *d = rg_builtin_lookup("count", 5);
    ks_buf err = KS_BUF_INIT;
    rg_bctx c = {.arena = a, .name = "count", .err_msg = &err};
    kv_value s = kv_str_ref("a\xe2\x82\xff\xed\xa0\x80z", 8), out;
    assert_int_equal(d->fn(&c, &s, &out), RG_OK);
    assert_int_equal(out.u.i, 8);
    ks_buf_free(&err);
}

static void test_sum_product(void **state)
{
    ks_arena *a = *state;
    expect(a, "sum", "[[1, 2, 3]]", "6");
    expect(a, "sum", "[[]]", "0");
    expect(a, "sum", "[{\"$set\": []}]", "0");
    expect(a, "sum", "[[9223372036854775807, 1]]", "9223372036854775808");
    expect(a, "sum", "[[-9223372036854775808, -1]]", "-9223372036854775809");
    expect(a, "sum", "[{\"$set\": [9223372036854775807, 1, 2]}]", "9223372036854775810");
    expect(a, "sum", "[[18446744073709551617, 1]]", "18446744073709551618");
    expect(a, "sum", "[[1.5, 2.5]]", "4");
    expect(a, "sum", "[[1, 2.5]]", "3.5");
    expect(a, "sum", "[[0.1, 0.2]]", "0.3");
    expect(a, "sum", "[{\"$set\": [0.1, 0.2, 0.3]}]", "0.6");
    expect(a, "product", "[[]]", "1");
    expect(a, "product", "[[2, 3, 4]]", "24");
    expect(a, "product", "[[18446744073709551617, 2]]", "36893488147419103234");
    expect(a, "product", "[[1.5, 2]]", "3");
    /* OPA's float product keeps big.NewFloat(1)'s 53 bits */
    expect(a, "product", "[[0.1, 3]]", "0.30000000000000004");
    expect(a, "product", "[[1.1, 1.1, 1.1]]", "1.3310000000000002");
    expect(a, "product", "[[9007199254740993, 1.5]]", "13510798882111488");
    expect_err(a, "sum", "[[1, \"a\"]]",
               "sum: operand 1 must be array of numbers but got array containing string");
    expect_err(a, "sum", "[[1.5, null]]",
               "sum: operand 1 must be array of numbers but got array containing null");
    expect_err(a, "sum", "[{\"$set\": [1, \"a\"]}]",
               "sum: operand 1 must be set of numbers but got set containing string");
    expect_err(a, "product", "[[2, \"x\"]]",
               "product: operand 1 must be array of numbers but got array containing string");
    expect_err(a, "sum", "[{\"a\": 1}]",
               "sum: operand 1 must be one of {set, array} but got object");
    expect_err(a, "product", "[\"ab\"]",
               "product: operand 1 must be one of {set, array} but got string");
}

static void test_max_min_sort(void **state)
{
    ks_arena *a = *state;
    expect_undef(a, "max", "[[]]");
    expect_undef(a, "min", "[{\"$set\": []}]");
    expect(a, "max", "[[1, \"a\", null, [1], 3]]", "[1]");
    expect(a, "min", "[[1, \"a\", null, [1]]]", "null");
    expect(a, "max", "[{\"$set\": [3, 1, 2]}]", "3");
    expect(a, "min", "[{\"$set\": [3, 1, 2]}]", "1");
    expect(a, "max", "[[1, 1.5, 18446744073709551617, -1e400]]", "18446744073709551617");
    expect(a, "min", "[[1, 1.5, 18446744073709551617, -1e400]]", "-1e400");
    expect(a, "sort", "[[3, 1, \"a\", null, [1], {\"a\": 1}, false, {\"$set\": []}]]",
           "[null,false,1,3,\"a\",[1],{\"a\":1},[]]");
    expect(a, "sort", "[{\"$set\": [3, 1]}]", "[1,3]");
    expect(a, "sort", "[[]]", "[]");
    expect_err(a, "max", "[1]", "max: operand 1 must be one of {set, array} but got number");
    expect_err(a, "sort", "[1]", "sort: operand 1 must be one of {set, array} but got number");
}

static void test_all_any(void **state)
{
    ks_arena *a = *state;
    expect(a, "all", "[[true, true]]", "true");
    expect(a, "all", "[[]]", "true");
    expect(a, "all", "[[true, 1]]", "false");
    expect(a, "all", "[{\"$set\": [true]}]", "true");
    expect(a, "any", "[{\"$set\": []}]", "false");
    expect(a, "any", "[[false, true]]", "true");
    expect(a, "any", "[[\"true\", 1]]", "false");
    expect_err(a, "all", "[1]", "all: operand 1 must be one of {array, set} but got number");
    expect_err(a, "any", "[\"x\"]", "any: operand 1 must be one of {array, set} but got string");
}

/* ---- bi_num.h directly ---- */

static char *float_text(long double f, unsigned prec)
{
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(rg_float_write(&b, f, prec), RG_NUM_OK);
    return ks_buf_detach(&b, NULL);
}

static void test_float_text(void **state)
{
    (void)state;
    struct {
        long double f;
        unsigned prec;
        const char *want;
    } cases[] = {
            {0.0L, 64, "0"},
            {-0.0L, 64, "-0"},
            {0.5L, 64, "0.5"},
            {1.0L / 3, 64, "0.33333333333333333334"},
            {(long double)(1.0 / 3), 53, "0.3333333333333333"},
            {1234567.5L, 64, "1.2345675e+06"},
            {123456.5L, 64, "123456.5"},
            {1e-5L, 64, "1e-05"},
            {0.0001L, 64, "0.0001"},
            {0x1p64L, 64, "18446744073709551616"},
            {0x1p80L, 64, "1208925819614629174700000"},
            {0x1p80L + 0x1p17L, 64, "1208925819614629174800000"},
            {1e30L, 64, "1000000000000000000000000000000"},
            {-2.5L, 64, "-2.5"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = float_text(cases[i].f, cases[i].prec);
        if (strcmp(t, cases[i].want) != 0)
            fail_msg("case %zu: want %s, got %s", i, cases[i].want, t);
        ks_xfree(t);
    }
}

static void big_of(rg_bigint *z, ks_arena *a, const char *text)
{
    kv_value v;
    assert_int_equal(kv_number_parse(a, text, strlen(text), &v), 0);
    assert_int_equal(rg_big_from_num(z, &v), RG_NUM_OK);
}

static void expect_big(const rg_bigint *z, const char *want)
{
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(rg_big_write(&b, z), RG_NUM_OK);
    assert_string_equal(ks_buf_cstr(&b), want);
    ks_buf_free(&b);
}

static void test_bigint_api(void **state)
{
    ks_arena *a = *state;
    rg_bigint x = RG_BIGINT_INIT, y = RG_BIGINT_INIT, q = RG_BIGINT_INIT, r = RG_BIGINT_INIT;
    /* division with multi-limb divisors (Knuth D, including the add-back
     * step's neighbourhood) */
    big_of(&x, a, "340282366920938463463374607431768211455");
    big_of(&y, a, "18446744073709551617");
    assert_int_equal(rg_big_divmod(&q, &r, &x, &y), RG_NUM_OK);
    expect_big(&q, "18446744073709551615");
    expect_big(&r, "0");
    big_of(&x, a, "-1000000000000000000000000000000000000007");
    big_of(&y, a, "123456789012345678901");
    assert_int_equal(rg_big_divmod(&q, &r, &x, &y), RG_NUM_OK);
    expect_big(&q, "-8100000072900000663");
    expect_big(&r, "-50048892931914888644");
    assert_int_equal(rg_big_divmod(&q, &r, &y, &x), RG_NUM_OK);
    expect_big(&q, "0");
    expect_big(&r, "123456789012345678901");
    rg_big_set_i64(&y, 0);
    assert_int_equal(rg_big_divmod(&q, &r, &x, &y), RG_NUM_EDIVZERO);
    /* q*y + r == x on pseudo-random operands */
    tu_rng_seed(11);
    for (int i = 0; i < 200; i++) {
        char bx[80], by[40];
        snprintf(bx, sizeof bx, "%llu%llu%llu", (unsigned long long)tu_rng(),
                 (unsigned long long)tu_rng(), (unsigned long long)tu_rng());
        snprintf(by, sizeof by, "%llu%llu", (unsigned long long)(tu_rng() >> (i % 60)),
                 (unsigned long long)tu_rng() | 1);
        big_of(&x, a, bx);
        big_of(&y, a, by);
        assert_int_equal(rg_big_divmod(&q, &r, &x, &y), RG_NUM_OK);
        assert_true(rg_big_cmp(&r, &y) < 0);
        assert_int_equal(rg_big_mul(&q, &q, &y), RG_NUM_OK);
        assert_int_equal(rg_big_add(&q, &q, &r), RG_NUM_OK);
        assert_int_equal(rg_big_cmp(&q, &x), 0);
    }
    /* non-integers are refused */
    kv_value half;
    assert_int_equal(kv_number_parse(a, "0.5", 3, &half), 0);
    assert_int_equal(rg_big_from_num(&x, &half), RG_NUM_ENOTINT);
    rg_big_free(&x);
    rg_big_free(&y);
    rg_big_free(&q);
    rg_big_free(&r);
}

static void test_num_api(void **state)
{
    ks_arena *a = *state;
    kv_value x, y, out;
    assert_int_equal(kv_number_parse(a, "7", 1, &x), 0);
    assert_int_equal(kv_number_parse(a, "0", 1, &y), 0);
    assert_int_equal(rg_num_div(a, &x, &y, &out), RG_NUM_EDIVZERO);
    assert_string_equal(rg_num_strerror(RG_NUM_EDIVZERO), "divide by zero");
    assert_int_equal(rg_num_rem(a, &x, &y, &out), RG_NUM_EMODZERO);
    assert_int_equal(kv_number_parse(a, "2.5", 3, &y), 0);
    assert_int_equal(rg_num_rem(a, &x, &y, &out), RG_NUM_EMODFLOAT);
    assert_int_equal(rg_num_mul(a, &x, &y, &out), RG_NUM_OK);
    assert_true(out.u.d == 17.5);
    assert_true(rg_num_compare(&x, &y) > 0);
    assert_true(rg_num_is_int(&x));
    assert_false(rg_num_is_int(&y));
    long double f;
    assert_int_equal(rg_num_to_float(&y, &f), RG_NUM_OK);
    assert_true(f == 2.5L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_int32_window), cmocka_unit_test(test_float),
            cmocka_unit_test(test_bigint),       cmocka_unit_test(test_div_rem),
            cmocka_unit_test(test_unary),        cmocka_unit_test(test_operand_types),
            cmocka_unit_test(test_limits),       cmocka_unit_test(test_range),
            cmocka_unit_test(test_rand),         cmocka_unit_test(test_bits),
            cmocka_unit_test(test_count),        cmocka_unit_test(test_sum_product),
            cmocka_unit_test(test_max_min_sort), cmocka_unit_test(test_all_any),
            cmocka_unit_test(test_float_text),   cmocka_unit_test(test_bigint_api),
            cmocka_unit_test(test_num_api),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
