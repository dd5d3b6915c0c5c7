/* Rego builtins: arithmetic, aggregates and bits, with OPA v1.22.3's results
 * (checked against the opa binary) for the int32 window, exact big integers
 * and the 64-bit float, and OPA's messages for the errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_num.h"
#include "bitest.h"

static void test_int32_window(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "plus", "[2, 3]", "5");
    bt_expect(a, "plus", "[2147483647, 1]", "2147483648");
    bt_expect(a, "minus", "[-2147483648, 1]", "-2147483649");
    bt_expect(a, "mul", "[2147483647, 2147483647]", "4611686014132420609");
    bt_expect(a, "mul", "[-2147483648, -2147483648]", "4611686018427387904");
    bt_expect(a, "plus", "[2147483648, 1]", "2147483649");
    bt_expect(a, "plus", "[10.00, 5]", "15");
    bt_expect(a, "plus", "[1e30, 1]", "1000000000000000000000000000001");
}

static void test_float(void **state)
{
    ks_arena *a = *state;
    /* big.Float at 64 bits, written as the shortest text that reads back
     * at that precision */
    bt_expect(a, "plus", "[0.1, 0.2]", "0.3");
    bt_expect(a, "mul", "[0.1, 3]", "0.3");
    bt_expect(a, "div", "[1, 3]", "0.33333333333333333334");
    bt_expect(a, "div", "[2, 3]", "0.6666666666666666667");
    bt_expect(a, "div", "[-1, 3]", "-0.33333333333333333334");
    bt_expect(a, "div", "[10, 4]", "2.5");
    bt_expect(a, "div", "[1, 4]", "0.25");
    bt_expect(a, "div", "[6, 3]", "2");
    bt_expect(a, "div", "[-6, 3]", "-2");
    bt_expect(a, "div", "[0, 5]", "0");
    bt_expect(a, "div", "[3.0, 1.5]", "2");
    bt_expect(a, "div", "[1, 3000000]", "3.3333333333333333333e-07");
    bt_expect(a, "div", "[22, 7]", "3.1428571428571428572");
    bt_expect(a, "mul", "[1.1, 1.1]", "1.21");
    bt_expect(a, "plus", "[1.5, 2.5]", "4");
    bt_expect(a, "plus", "[1, 2.5]", "3.5");
    bt_expect(a, "mul", "[2.5, 4]", "10");
    bt_expect(a, "minus", "[0.3, 0.1]", "0.20000000000000000002");
    /* exponents beyond float64: integral results are written out in full */
    char *got = NULL;
    assert_int_equal(bt_call(a, "mul", "[1e308, 10]", &got), RG_OK);
    assert_int_equal(strlen(got), 310);
    assert_memory_equal(got, "10000000000", 11);
    ks_xfree(got);
    bt_expect(a, "plus", "[1e-400, 0]", "1e-400");
    bt_expect(a, "mul", "[1.5e-300, 2]", "3e-300");
    bt_expect(a, "div", "[1, 7e-10]", "1.4285714285714285714e+09");
    /* integers are rounded to 64 bits of mantissa on the float path */
    bt_expect(a, "div", "[18446744073709551618, 2]", "9223372036854775809");
    bt_expect(a, "div", "[36893488147419103238, 2]", "18446744073709551620");
    bt_expect(a, "plus", "[9007199254740993.5, 1]", "9.0071992547409945e+15");
}

static void test_bigint(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "plus", "[18446744073709551617, 1]", "18446744073709551618");
    bt_expect(a, "minus", "[18446744073709551617, 1]", "18446744073709551616");
    bt_expect(a, "mul", "[18446744073709551617, 2]", "36893488147419103234");
    bt_expect(a, "plus", "[123456789012345678901234567890, 1]", "123456789012345678901234567891");
    bt_expect(a, "minus", "[-18446744073709551617, 1]", "-18446744073709551618");
    bt_expect(a, "plus", "[9223372036854775807, 1]", "9223372036854775808");
    bt_expect(a, "mul", "[9223372036854775808, 2]", "18446744073709551616");
    bt_expect(a, "minus", "[-9223372036854775808, 1]", "-9223372036854775809");
    bt_expect(a, "mul", "[12345678901234567890, 98765432109876543210]",
              "1219326311370217952237463801111263526900");
    bt_expect(a, "plus", "[1e400, -1e400]", "0");
    bt_expect(a, "minus", "[1e40, 1]", "9999999999999999999999999999999999999999");
}

static void test_div_rem(void **state)
{
    ks_arena *a = *state;
    bt_expect_err(a, "div", "[1, 0]", "div: divide by zero");
    bt_expect_err(a, "div", "[1, 0.0]", "div: divide by zero");
    bt_expect_err(a, "div", "[1.5, 0]", "div: divide by zero");
    bt_expect_err(a, "rem", "[1, 0]", "rem: modulo by zero");
    bt_expect_err(a, "rem", "[18446744073709551617, 0]", "rem: modulo by zero");
    bt_expect_err(a, "rem", "[7.5, 2]", "rem: modulo on floating-point number");
    bt_expect_err(a, "rem", "[7, 0.5]", "rem: modulo on floating-point number");
    bt_expect(a, "rem", "[-7, 3]", "-1");
    bt_expect(a, "rem", "[-17, 5]", "-2");
    bt_expect(a, "rem", "[17, -5]", "2");
    bt_expect(a, "rem", "[4.0, 3]", "1");
    bt_expect(a, "rem", "[-9223372036854775808, -1]", "0");
    /* a divisor that is a non-zero multiple of 2^64 is not zero */
    bt_expect(a, "rem", "[10, 18446744073709551616]", "10");
    bt_expect(a, "rem", "[7, 340282366920938463463374607431768211456]", "7");
    bt_expect(a, "rem", "[100, -18446744073709551616]", "100");
    bt_expect(a, "rem", "[18446744073709551617, 18446744073709551616]", "1");
    bt_expect(a, "rem", "[-340282366920938463463374607431768211457, 18446744073709551616]", "-1");
    bt_expect(a, "rem", "[1e30, 7]", "1");
}

static void test_unary(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "round", "[2.5]", "3");
    bt_expect(a, "round", "[-2.5]", "-3");
    bt_expect(a, "round", "[2.4]", "2");
    bt_expect(a, "round", "[-0.4]", "0");
    bt_expect(a, "round", "[-5]", "-5");
    bt_expect(a, "round", "[10.00]", "10");
    bt_expect(a, "abs", "[-5]", "5");
    bt_expect(a, "abs", "[-2147483648]", "2147483648");
    bt_expect(a, "abs", "[-9223372036854775808]", "9223372036854775808");
    bt_expect(a, "abs", "[-2.5]", "2.5");
    bt_expect(a, "abs", "[-0.1]", "0.1");
    bt_expect(a, "ceil", "[1.5]", "2");
    bt_expect(a, "ceil", "[-1.5]", "-1");
    bt_expect(a, "floor", "[1.5]", "1");
    bt_expect(a, "floor", "[-1.5]", "-2");
    /* OPA's results on (-1, 0): the integer part is +0 */
    bt_expect(a, "ceil", "[-0.5]", "1");
    bt_expect(a, "floor", "[-0.5]", "0");
    /* outside the int32 window these go through the 64-bit float */
    bt_expect(a, "abs", "[-12345678901234567890123]", "12345678901234567890000");
    bt_expect(a, "ceil", "[12345678901234567890123.5]", "12345678901234567889920");
    bt_expect(a, "floor", "[-12345678901234567890123]", "-12345678901234567889920");
    bt_expect(a, "round", "[123456789012345678901.5]", "123456789012345678904");
    bt_expect(a, "ceil", "[1.000000000000000000001]", "1");
    bt_expect(a, "round", "[0.49999999999999999999]", "1");
    bt_expect_err(a, "round", "[\"a\"]", "round: operand 1 must be number but got string");
    bt_expect_err(a, "abs", "[null]", "abs: operand 1 must be number but got null");
}

static void test_operand_types(void **state)
{
    ks_arena *a = *state;
    bt_expect_err(a, "plus", "[\"a\", 1]", "plus: operand 1 must be number but got string");
    bt_expect_err(a, "plus", "[1, null]", "plus: operand 2 must be number but got null");
    bt_expect_err(a, "mul", "[1, [1]]", "mul: operand 2 must be number but got array");
    bt_expect_err(a, "div", "[{}, 1]", "div: operand 1 must be number but got object");
    /* minus: numbers or sets, with OPA's choice of message */
    bt_expect(a, "minus", "[{\"$set\": [1, 2, 3]}, {\"$set\": [2, 9]}]", "[1,3]");
    bt_expect(a, "minus", "[{\"$set\": [1]}, {\"$set\": [1]}]", "[]");
    bt_expect_err(a, "minus", "[{\"$set\": [1]}, 1]",
                  "minus: operand 2 must be set but got number");
    bt_expect_err(a, "minus", "[1, {\"$set\": [1]}]",
                  "minus: operand 2 must be number but got set");
    bt_expect_err(a, "minus", "[\"a\", 1]",
                  "minus: operand 1 must be one of {number, set} but got string");
    bt_expect_err(a, "minus", "[{\"$set\": [1]}, \"a\"]",
                  "minus: operand 2 must be number but got string");
}

static void test_limits(void **state)
{
    ks_arena *a = *state;
    /* exact integers up to RG_NUM_MAX_DIGITS digits */
    bt_expect_err(a, "plus", "[1e10001, 1]", "plus: number too large");
    bt_expect_err(a, "mul", "[1e6000, 1e6000]", "mul: number too large");
    char *got = NULL;
    assert_int_equal(bt_call(a, "mul", "[1e4000, 1e4000]", &got), RG_OK);
    assert_int_equal(strlen(got), 8001);
    ks_xfree(got);
    /* floats within long double's range */
    bt_expect_err(a, "mul", "[1e4932, 2.5]", "mul: number too large");
    bt_expect_err(a, "mul", "[1.5e-4000, 1e-1000]", "mul: number too large");
    bt_expect_err(a, "plus", "[1e5000, 0.5]", "plus: number too large");
    bt_expect_err(a, "bits.lsh", "[1, 40000]", "bits.lsh: number too large");
    bt_expect(a, "bits.lsh", "[0, 18446744073709551615]", "0");
}

static void test_range(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "numbers.range", "[0, 0]", "[0]");
    bt_expect(a, "numbers.range", "[-2, 3]", "[-2,-1,0,1,2,3]");
    bt_expect(a, "numbers.range", "[2, -3]", "[2,1,0,-1,-2,-3]");
    bt_expect(a, "numbers.range", "[49649733057, 49649733060]",
              "[49649733057,49649733058,49649733059,49649733060]");
    /* (1e30 itself is held as a double, which JSON writes as 1e+30) */
    bt_expect(a, "numbers.range", "[1e30, 1000000000000000000000000000002]",
              "[1e+30,1000000000000000000000000000001,1000000000000000000000000000002]");
    bt_expect(a, "numbers.range_step", "[0, 10, 2]", "[0,2,4,6,8,10]");
    bt_expect(a, "numbers.range_step", "[0, -10, 2]", "[0,-2,-4,-6,-8,-10]");
    bt_expect(a, "numbers.range_step", "[10, 3, 2]", "[10,8,6,4]");
    bt_expect(a, "numbers.range_step", "[2, 5, 2]", "[2,4]");
    bt_expect(a, "numbers.range_step", "[0, 10, 99999999999999999999]", "[0]");
    bt_expect(a, "numbers.range_step", "[9223372036854775807, 9223372036854775809, 1]",
              "[9223372036854775807,9223372036854775808,9223372036854775809]");
    bt_expect(a, "numbers.range_step",
              "[-9223372036854775808, 9223372036854775807, 9223372036854775807]",
              "[-9223372036854775808,-1,9223372036854775806]");
    bt_expect_err(a, "numbers.range", "[3.14, 4]",
                  "numbers.range: operand 1 must be integer number but got floating-point number");
    bt_expect_err(a, "numbers.range", "[3, 3.14]",
                  "numbers.range: operand 2 must be integer number but got floating-point number");
    bt_expect_err(a, "numbers.range", "[\"a\", 1]",
                  "numbers.range: operand 1 must be integer but got string");
    bt_expect_err(a, "numbers.range_step", "[0, 10, -2]",
                  "numbers.range_step: numbers.range_step: step must be a positive integer");
    bt_expect_err(a, "numbers.range_step", "[0, 10, 0]",
                  "numbers.range_step: numbers.range_step: step must be a positive integer");
    bt_expect_err(a, "numbers.range_step", "[0, 10, \"x\"]",
                  "numbers.range_step: operand 3 must be integer but got string");
    /* bounded output */
    bt_expect_err(a, "numbers.range", "[0, 100000000]",
                  "numbers.range: range of more than 10000000 numbers");
    bt_expect_err(a, "numbers.range", "[1e30, 0]",
                  "numbers.range: range of more than 10000000 numbers");
    bt_expect(a, "numbers.range_step", "[0, 100000000000, 10000000000]",
              "[0,10000000000,20000000000,30000000000,40000000000,50000000000,60000000000,"
              "70000000000,80000000000,90000000000,100000000000]");
}

static int64_t rand_value(ks_arena *a, const char *args)
{
    char *got = NULL;
    assert_int_equal(bt_call(a, "rand.intn", args, &got), RG_OK);
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
    bt_expect(a, "rand.intn", "[\"key\", 0]", "0");
    bt_expect(a, "rand.intn", "[\"key\", 1]", "0");
    /* other seeds give other sequences */
    int differ = 0;
    uint64_t saved = bt_seed;
    for (bt_seed = 1; bt_seed < 20; bt_seed++)
        differ += rand_value(a, "[\"key\", 1000000]") != rand_value(a, "[\"other\", 1000000]");
    bt_seed = saved;
    assert_true(differ > 10);
    bt_expect_err(a, "rand.intn", "[1, 10]", "rand.intn: operand 1 must be string but got number");
    bt_expect_err(a, "rand.intn", "[\"a\", 1.5]",
                  "rand.intn: operand 2 must be integer number but got floating-point number");
}

static void test_bits(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "bits.or", "[12, 10]", "14");
    bt_expect(a, "bits.and", "[12, 10]", "8");
    bt_expect(a, "bits.xor", "[12, 10]", "6");
    bt_expect(a, "bits.negate", "[-5]", "4");
    bt_expect(a, "bits.negate", "[0]", "-1");
    bt_expect(a, "bits.and", "[-5, 12]", "8");
    bt_expect(a, "bits.xor", "[-5, 12]", "-9");
    bt_expect(a, "bits.lsh", "[1, 100]", "1267650600228229401496703205376");
    bt_expect(a, "bits.rsh", "[-5, 1]", "-3");
    bt_expect(a, "bits.rsh", "[-5, 100]", "-1");
    bt_expect(a, "bits.rsh", "[5, 100]", "0");
    bt_expect(a, "bits.or", "[1e3, 1]", "1001");
    /* two's complement of unbounded width on big integers */
    bt_expect(a, "bits.and", "[-18446744073709551617, 340282366920938463463374607431768211455]",
              "340282366920938463444927863358058659839");
    bt_expect(a, "bits.or", "[-18446744073709551617, 18446744073709551616]", "-1");
    bt_expect(a, "bits.negate", "[18446744073709551616]", "-18446744073709551617");
    bt_expect(a, "bits.rsh", "[-340282366920938463463374607431768211457, 64]",
              "-18446744073709551617");
    /* Go shifts by the count's low 64 bits */
    bt_expect(a, "bits.lsh", "[1, 18446744073709551617]", "2");
    bt_expect_err(
            a, "bits.lsh", "[1, -1]",
            "bits.lsh: operand 2 must be an unsigned integer number but got a negative integer");
    bt_expect_err(
            a, "bits.rsh", "[1, -1]",
            "bits.rsh: operand 2 must be an unsigned integer number but got a negative integer");
    bt_expect_err(a, "bits.lsh", "[1.5, 2]",
                  "bits.lsh: operand 1 must be integer number but got floating-point number");
    bt_expect_err(a, "bits.or", "[\"a\", 2]", "bits.or: operand 1 must be integer but got string");
    bt_expect_err(a, "bits.negate", "[true]",
                  "bits.negate: operand 1 must be integer but got boolean");
}

static void test_count(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "count", "[\"h\\u00e9llo\"]", "5");
    bt_expect(a, "count", "[\"\\u4e16\\ud83d\\ude00\"]", "2");
    bt_expect(a, "count", "[\"\"]", "0");
    bt_expect(a, "count", "[[1, 2]]", "2");
    bt_expect(a, "count", "[{\"a\": 1}]", "1");
    bt_expect(a, "count", "[{\"$set\": [1, 2, 2]}]", "2");
    bt_expect_err(a, "count", "[1]",
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
    bt_expect(a, "sum", "[[1, 2, 3]]", "6");
    bt_expect(a, "sum", "[[]]", "0");
    bt_expect(a, "sum", "[{\"$set\": []}]", "0");
    bt_expect(a, "sum", "[[9223372036854775807, 1]]", "9223372036854775808");
    bt_expect(a, "sum", "[[-9223372036854775808, -1]]", "-9223372036854775809");
    bt_expect(a, "sum", "[{\"$set\": [9223372036854775807, 1, 2]}]", "9223372036854775810");
    bt_expect(a, "sum", "[[18446744073709551617, 1]]", "18446744073709551618");
    bt_expect(a, "sum", "[[1.5, 2.5]]", "4");
    bt_expect(a, "sum", "[[1, 2.5]]", "3.5");
    bt_expect(a, "sum", "[[0.1, 0.2]]", "0.3");
    bt_expect(a, "sum", "[{\"$set\": [0.1, 0.2, 0.3]}]", "0.6");
    bt_expect(a, "product", "[[]]", "1");
    bt_expect(a, "product", "[[2, 3, 4]]", "24");
    bt_expect(a, "product", "[[18446744073709551617, 2]]", "36893488147419103234");
    bt_expect(a, "product", "[[1.5, 2]]", "3");
    /* OPA's float product keeps big.NewFloat(1)'s 53 bits */
    bt_expect(a, "product", "[[0.1, 3]]", "0.30000000000000004");
    bt_expect(a, "product", "[[1.1, 1.1, 1.1]]", "1.3310000000000002");
    bt_expect(a, "product", "[[9007199254740993, 1.5]]", "13510798882111488");
    bt_expect_err(a, "sum", "[[1, \"a\"]]",
                  "sum: operand 1 must be array of numbers but got array containing string");
    bt_expect_err(a, "sum", "[[1.5, null]]",
                  "sum: operand 1 must be array of numbers but got array containing null");
    bt_expect_err(a, "sum", "[{\"$set\": [1, \"a\"]}]",
                  "sum: operand 1 must be set of numbers but got set containing string");
    bt_expect_err(a, "product", "[[2, \"x\"]]",
                  "product: operand 1 must be array of numbers but got array containing string");
    bt_expect_err(a, "sum", "[{\"a\": 1}]",
                  "sum: operand 1 must be one of {set, array} but got object");
    bt_expect_err(a, "product", "[\"ab\"]",
                  "product: operand 1 must be one of {set, array} but got string");
}

static void test_max_min_sort(void **state)
{
    ks_arena *a = *state;
    bt_expect_undef(a, "max", "[[]]");
    bt_expect_undef(a, "min", "[{\"$set\": []}]");
    bt_expect(a, "max", "[[1, \"a\", null, [1], 3]]", "[1]");
    bt_expect(a, "min", "[[1, \"a\", null, [1]]]", "null");
    bt_expect(a, "max", "[{\"$set\": [3, 1, 2]}]", "3");
    bt_expect(a, "min", "[{\"$set\": [3, 1, 2]}]", "1");
    bt_expect(a, "max", "[[1, 1.5, 18446744073709551617, -1e400]]", "18446744073709551617");
    bt_expect(a, "min", "[[1, 1.5, 18446744073709551617, -1e400]]", "-1e400");
    bt_expect(a, "sort", "[[3, 1, \"a\", null, [1], {\"a\": 1}, false, {\"$set\": []}]]",
              "[null,false,1,3,\"a\",[1],{\"a\":1},[]]");
    bt_expect(a, "sort", "[{\"$set\": [3, 1]}]", "[1,3]");
    bt_expect(a, "sort", "[[]]", "[]");
    bt_expect_err(a, "max", "[1]", "max: operand 1 must be one of {set, array} but got number");
    bt_expect_err(a, "sort", "[1]", "sort: operand 1 must be one of {set, array} but got number");
}

static void test_all_any(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "all", "[[true, true]]", "true");
    bt_expect(a, "all", "[[]]", "true");
    bt_expect(a, "all", "[[true, 1]]", "false");
    bt_expect(a, "all", "[{\"$set\": [true]}]", "true");
    bt_expect(a, "any", "[{\"$set\": []}]", "false");
    bt_expect(a, "any", "[[false, true]]", "true");
    bt_expect(a, "any", "[[\"true\", 1]]", "false");
    bt_expect_err(a, "all", "[1]", "all: operand 1 must be one of {array, set} but got number");
    bt_expect_err(a, "any", "[\"x\"]", "any: operand 1 must be one of {array, set} but got string");
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
    bt_seed = 7;
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
