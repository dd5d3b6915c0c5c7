/* Numbers: canonical representation, exact comparison across
 * representations, digits, and Go encoding/json formatting. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static kv_value num(ks_arena *a, const char *text)
{
    kv_value v;
    int rc = kv_number_parse(a, text, strlen(text), &v);
    if (rc != 0)
        fail_msg("kv_number_parse(\"%s\") = %d", text, rc);
    assert_int_equal(v.kind, KV_NUMBER);
    return v;
}

static void expect_int(ks_arena *a, const char *text, int64_t want)
{
    kv_value v = num(a, text);
    if (v.sub != KV_NUM_INT || v.u.i != want)
        fail_msg("\"%s\": want int %lld, got sub %d", text, (long long)want, v.sub);
}

static void expect_double(ks_arena *a, const char *text, double want)
{
    kv_value v = num(a, text);
    if (v.sub != KV_NUM_DOUBLE || v.u.d != want)
        fail_msg("\"%s\": want double %.17g, got sub %d", text, want, v.sub);
}

static void expect_decimal(ks_arena *a, const char *text)
{
    kv_value v = num(a, text);
    if (v.sub != KV_NUM_DECIMAL)
        fail_msg("\"%s\": want a decimal, got sub %d", text, v.sub);
    /* The original text is kept. */
    assert_int_equal(v.u.dec->len, strlen(text));
    assert_string_equal(v.u.dec->text, text);
}

static char *write_num(const kv_value *v, unsigned flags)
{
    return tu_to_json(v, flags);
}

static void expect_json(const kv_value *v, unsigned flags, const char *want)
{
    char *got = write_num(v, flags);
    if (strcmp(got, want) != 0)
        fail_msg("want %s, got %s", want, got);
    ks_xfree(got);
}

/* ---- canonical representation ---- */

static void test_integers_are_ints(void **state)
{
    ks_arena *a = *state;
    const char *ones[] = {"1",   "1.0",   "1e0",    "10E-1",  "0.1e1",  "100e-2",
                          "1E0", "1.000", "1.0e+0", "0.01E2", "1000e-3"};
    for (size_t i = 0; i < sizeof(ones) / sizeof(ones[0]); i++)
        expect_int(a, ones[i], 1);
    expect_int(a, "0", 0);
    expect_int(a, "-0", 0);
    expect_int(a, "-0.0", 0);
    expect_int(a, "0e10", 0);
    expect_int(a, "-0.000e-5", 0);
    expect_int(a, "0.0e99999999999999999999", 0);
    expect_int(a, "-12", -12);
    expect_int(a, "1.5e1", 15);
    expect_int(a, "123456789012345678", 123456789012345678LL);
    expect_int(a, "1234567890123456789", 1234567890123456789LL);
    expect_int(a, "1e18", 1000000000000000000LL);
    expect_int(a, "9007199254740993", 9007199254740993LL); /* 2^53 + 1: exact */
    expect_int(a, "-9007199254740993", -9007199254740993LL);
    /* -0 is 0 in every respect. */
    kv_value z = num(a, "-0");
    kv_value pz = kv_int(0);
    assert_true(kv_equal(&z, &pz));
    assert_int_equal(kv_hash(&z), kv_hash(&pz));
    expect_json(&z, 0, "0");
}

static void test_int64_boundaries(void **state)
{
    ks_arena *a = *state;
    expect_int(a, "9223372036854775807", INT64_MAX);
    expect_int(a, "-9223372036854775808", INT64_MIN);
    expect_int(a, "9223372036854775807.0", INT64_MAX);
    expect_int(a, "922337203685477580.7e1", INT64_MAX);
    expect_int(a, "9.223372036854775807e18", INT64_MAX);
    expect_int(a, "-9.223372036854775808E+18", INT64_MIN);
    expect_int(a, "-92233720368547758080e-1", INT64_MIN);
    expect_decimal(a, "9223372036854775808");
    expect_decimal(a, "-9223372036854775809");
    expect_decimal(a, "18446744073709551615");
    expect_decimal(a, "18446744073709551616");
    expect_decimal(a, "9223372036854775807.5");

    kv_value max = kv_int(INT64_MAX), min = kv_int(INT64_MIN);
    kv_value above = num(a, "9223372036854775808");
    kv_value below = num(a, "-9223372036854775809");
    assert_true(kv_compare(&max, &above) < 0);
    assert_true(kv_compare(&above, &max) > 0);
    assert_true(kv_compare(&min, &below) > 0);
    assert_true(kv_compare(&below, &min) < 0);
    assert_false(kv_equal(&max, &above));
    expect_json(&max, 0, "9223372036854775807");
    expect_json(&min, 0, "-9223372036854775808");
    expect_json(&above, 0, "9223372036854775808");
    expect_json(&above, KV_JSON_CANONICAL, "9223372036854775808");
    int64_t i;
    assert_true(kv_num_int64(&max, &i));
    assert_true(i == INT64_MAX);
    assert_false(kv_num_int64(&above, &i));
}

/* A double at +-2^63 stands for its shortest decimal form (+-9223372036854776000),
 * not for the int64 boundary it happens to be in binary. */
static void test_two_pow_63(void **state)
{
    ks_arena *a = *state;
    kv_value neg_short = num(a, "-9223372036854776000");
    assert_int_equal(neg_short.sub, KV_NUM_DOUBLE);
    kv_value min = kv_int(INT64_MIN);
    assert_false(kv_equal(&neg_short, &min));
    assert_true(kv_compare(&neg_short, &min) < 0);
    assert_true(kv_compare(&min, &neg_short) > 0);

    kv_value pos_short = num(a, "9223372036854776000");
    assert_int_equal(pos_short.sub, KV_NUM_DOUBLE);
    kv_value max = kv_int(INT64_MAX);
    assert_true(kv_compare(&max, &pos_short) < 0);
    assert_true(kv_compare(&pos_short, &max) > 0);

    /* The exact 2^63 is a decimal, below the double that stands for ...776000. */
    kv_value exact = num(a, "9223372036854775808");
    assert_true(kv_compare(&exact, &pos_short) < 0);
    assert_true(kv_compare(&pos_short, &exact) > 0);
    kv_value d63 = kv_double(-9223372036854775808.0);
    assert_true(kv_equal(&d63, &neg_short));
    assert_int_equal(kv_hash(&d63), kv_hash(&neg_short));
}

static void test_doubles(void **state)
{
    ks_arena *a = *state;
    expect_double(a, "0.5", 0.5);
    expect_double(a, "-0.5", -0.5);
    expect_double(a, "1.25", 1.25);
    expect_double(a, "3.14", 3.14);
    expect_double(a, "0.1", 0.1);
    expect_double(a, "1e300", 1e300);
    expect_double(a, "1E+300", 1e300);
    expect_double(a, "1.5e300", 1.5e300);
    expect_double(a, "2.5e-8", 2.5e-8);
    expect_double(a, "1e19", 1e19);
    expect_double(a, "10000000000000000000", 1e19); /* past int64, exact as a double */
    expect_double(a, "0.30000000000000004", 0.30000000000000004);
    expect_double(a, "1.7976931348623157e308", DBL_MAX);
    expect_double(a, "2.2250738585072014e-308", DBL_MIN);
    expect_double(a, "5e-324", 5e-324);
    expect_double(a, "1e-323", 1e-323);
    /* The same double written at different lengths. */
    kv_value x = num(a, "0.1000");
    kv_value y = num(a, "1e-1");
    assert_true(kv_equal(&x, &y));
    assert_int_equal(kv_hash(&x), kv_hash(&y));
}

static void test_decimals(void **state)
{
    ks_arena *a = *state;
    expect_decimal(a, "12345678901234567890");
    expect_decimal(a, "1e400");
    expect_decimal(a, "-1e400");
    expect_decimal(a, "1e-400");
    expect_decimal(a, "0.1000000000000000000001");
    expect_decimal(a, "3.141592653589793238462643383279");
    expect_decimal(a, "4.9406564584124654e-325");
    /* The 17-digit form of the smallest subnormal is not its shortest form. */
    expect_decimal(a, "4.9406564584124654e-324");
    /* 17 significant digits that are not the double's shortest form. */
    expect_decimal(a, "0.10000000000000001");

    kv_value big = num(a, "12345678901234567890");
    kv_numdigits d;
    kv_num_digits(&big, &d);
    assert_false(d.neg);
    assert_int_equal(d.exp, 20);
    assert_int_equal(d.ndigits, 19);
    assert_memory_equal(d.digits, "1234567890123456789", 19);
    assert_true(kv_num_double(&big) == 12345678901234567890.0);

    kv_value inf = num(a, "1e400");
    assert_true(isinf(kv_num_double(&inf)));
    kv_num_digits(&inf, &d);
    assert_int_equal(d.exp, 401);
    assert_int_equal(d.ndigits, 1);
    kv_value tiny = num(a, "-1e-400");
    assert_true(kv_num_double(&tiny) == 0);
    kv_num_digits(&tiny, &d);
    assert_true(d.neg);
    assert_int_equal(d.exp, -399);

    /* Decimal exponents (of 0.DIGITS) up to +-1e9 are kept exactly... */
    expect_decimal(a, "1e999999999");
    expect_decimal(a, "-1e-1000000001");
    expect_decimal(a, "0.01e1000000001");
    kv_value x = num(a, "1e999999999"), y = num(a, "10e999999998");
    assert_true(kv_equal(&x, &y));
    y = num(a, "1e999999998");
    assert_true(kv_compare(&y, &x) < 0);
    /* ...and beyond they are refused, never clamped into another value. */
    const char *far[] = {"1e1000000000", "1e-1000000002", "1e99999999999999999999",
                         "-1e-99999999999999999999", "123e999999999"};
    for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        kv_value v;
        if (kv_number_parse(a, far[i], strlen(far[i]), &v) != KS_ERANGE)
            fail_msg("%s: want KS_ERANGE", far[i]);
    }
    /* Zero is zero whatever its exponent. */
    expect_int(a, "0e99999999999999999999", 0);
}

static void test_decimal_comparisons(void **state)
{
    ks_arena *a = *state;
    /* In increasing order. */
    const char *order[] = {"-1e400",
                           "-12345678901234567890",
                           "-9223372036854775809",
                           "-9223372036854775808",
                           "-1.5",
                           "-1e-400",
                           "0",
                           "1e-400",
                           "5e-324",
                           "0.1",
                           "0.1000000000000000000001",
                           "0.11",
                           "1",
                           "1.0000000000000000000001",
                           "1.0000000000000002",
                           "9223372036854775807",
                           "9223372036854775808",
                           "12345678901234567000",
                           "12345678901234567890",
                           "12345678901234567891",
                           "1e20",
                           "1.7976931348623157e308",
                           "1e400",
                           "1.0000000000000000001e400",
                           "1e401"};
    size_t n = sizeof(order) / sizeof(order[0]);
    kv_value v[sizeof(order) / sizeof(order[0])];
    for (size_t i = 0; i < n; i++)
        v[i] = num(a, order[i]);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int c = kv_compare(&v[i], &v[j]);
            int want = (i > j) - (i < j);
            if ((c > 0) - (c < 0) != want)
                fail_msg("compare(%s, %s) = %d, want %d", order[i], order[j], c, want);
            assert_int_equal(kv_equal(&v[i], &v[j]), i == j);
        }
    }

    /* Equal decimals written differently: equal and hashing equally. */
    const char *same[][2] = {
            {"12345678901234567890", "1234567890123456789e1"},
            {"12345678901234567890", "1.2345678901234567890e19"},
            {"1e400", "10e399"},
            {"1e400", "0.0001e404"},
            {"0.1000000000000000000001", "1000000000000000000001e-22"},
            {"-1E-400", "-0.1e-399"},
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        kv_value x = num(a, same[i][0]), y = num(a, same[i][1]);
        if (!kv_equal(&x, &y) || kv_compare(&x, &y) != 0)
            fail_msg("%s and %s differ", same[i][0], same[i][1]);
        assert_int_equal(kv_hash(&x), kv_hash(&y));
    }

    /* A decimal against the nearest double of it. */
    kv_value dec = num(a, "12345678901234567890");
    kv_value dbl = kv_double(12345678901234567890.0); /* shortest 12345678901234567000 */
    assert_int_equal(dbl.sub, KV_NUM_DOUBLE);
    assert_true(kv_compare(&dec, &dbl) > 0);
    assert_true(kv_compare(&dbl, &dec) < 0);
}

static void test_parse_errors(void **state)
{
    ks_arena *a = *state;
    const char *bad[] = {"",    "-",        "+1",        "01",   "-01",   "00",    "1.", ".5",
                         "1e",  "1e+",      "1e-",       "1.e3", "0x10",  "1.5.5", " 1", "1 ",
                         "NaN", "Infinity", "-Infinity", "--1",  "1e1.5", "1_000", "١",  "1,5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kv_value v;
        int rc = kv_number_parse(a, bad[i], strlen(bad[i]), &v);
        if (rc != KS_EPARSE)
            fail_msg("kv_number_parse(\"%s\") = %d, want KS_EPARSE", bad[i], rc);
    }
    /* The length bounds the text: trailing bytes are not read. */
    kv_value v;
    assert_int_equal(kv_number_parse(a, "12x", 2, &v), 0);
    assert_true(v.sub == KV_NUM_INT && v.u.i == 12);
}

static void test_kv_double(void **state)
{
    (void)state;
    kv_value v = kv_double(1.0);
    assert_true(v.sub == KV_NUM_INT && v.u.i == 1);
    v = kv_double(-0.0);
    assert_true(v.sub == KV_NUM_INT && v.u.i == 0);
    v = kv_double(0.5);
    assert_true(v.sub == KV_NUM_DOUBLE && v.u.d == 0.5);
    v = kv_double(9007199254740992.0);
    assert_true(v.sub == KV_NUM_INT && v.u.i == 9007199254740992LL);
    v = kv_double(-1e18);
    assert_true(v.sub == KV_NUM_INT && v.u.i == -1000000000000000000LL);
    /* 2^62 stands for its shortest form, 4611686018427388000. */
    v = kv_double(4611686018427387904.0);
    assert_true(v.sub == KV_NUM_INT && v.u.i == 4611686018427388000LL);
    v = kv_double(9223372036854775808.0);
    assert_int_equal(v.sub, KV_NUM_DOUBLE);
    v = kv_double(1e300);
    assert_int_equal(v.sub, KV_NUM_DOUBLE);
    assert_true(kv_num_double(&v) == 1e300);
    int64_t i;
    assert_false(kv_num_int64(&v, &i));
    kv_value s = kv_str_ref("1", 1);
    assert_false(kv_num_int64(&s, &i));
}

static void test_num_digits(void **state)
{
    ks_arena *a = *state;
    kv_numdigits d;
    kv_value v = kv_int(0);
    kv_num_digits(&v, &d);
    assert_false(d.neg);
    assert_int_equal(d.exp, 0);
    assert_int_equal(d.ndigits, 1);
    assert_int_equal(d.digits[0], '0');

    v = kv_int(-120);
    kv_num_digits(&v, &d);
    assert_true(d.neg);
    assert_int_equal(d.exp, 3);
    assert_int_equal(d.ndigits, 2);
    assert_memory_equal(d.digits, "12", 2);

    v = kv_int(INT64_MIN);
    kv_num_digits(&v, &d);
    assert_true(d.neg);
    assert_int_equal(d.exp, 19);
    assert_int_equal(d.ndigits, 19);
    assert_memory_equal(d.digits, "9223372036854775808", 19);

    v = kv_double(0.5);
    kv_num_digits(&v, &d);
    assert_int_equal(d.exp, 0);
    assert_int_equal(d.ndigits, 1);
    assert_int_equal(d.digits[0], '5');

    v = kv_double(-0.00125);
    kv_num_digits(&v, &d);
    assert_true(d.neg);
    assert_int_equal(d.exp, -2);
    assert_memory_equal(d.digits, "125", 3);

    v = num(a, "-0.00012300e-10");
    kv_num_digits(&v, &d);
    assert_true(d.neg);
    assert_int_equal(d.exp, -13);
    assert_int_equal(d.ndigits, 3);
}

/* ---- Go formatting ---- */

/* Doubles and what Go's json.Marshal writes for them (checked with go1.26). */
static const struct {
    uint64_t bits;
    const char *go;
} go_floats[] = {
        {0x444b1ae4d6e2ef50ULL, "1e+21"},
        {0x4415af1d78b58c40ULL, "100000000000000000000"},
        {0x3e7ad7f29abcaf48ULL, "1e-7"},
        {0x3eb0c6f7a0b5ed8dULL, "0.000001"},
        {0x40091eb851eb851fULL, "3.14"},
        {0x7e41eb2d66005835ULL, "1.5e+300"},
        {0xfe41eb2d66005835ULL, "-1.5e+300"},
        {0x3fb999999999999aULL, "0.1"},
        {0x3fd3333333333333ULL, "0.3"},
        {0x3fd3333333333334ULL, "0.30000000000000004"},
        {0x3fd5555555555555ULL, "0.3333333333333333"},
        {0x3fe5555555555555ULL, "0.6666666666666666"},
        {0x40fe240c9fbe76c9ULL, "123456.789"},
        {0x4480f0cf064dd592ULL, "1e+22"},
        {0x3ee9e3abe16fc70dULL, "0.000012345"},
        {0x3ee4f8b588e368f1ULL, "0.00001"},
        {0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7"},
        {0x444b1ae4d6e2ef4fULL, "999999999999999900000"},
        {0x0000000000000001ULL, "5e-324"},
        {0x0000000000000002ULL, "1e-323"},
        {0x0010000000000000ULL, "2.2250738585072014e-308"},
        {0x000fffffffffffffULL, "2.225073858507201e-308"},
        {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
        {0x00005c0ab9347ed7ULL, "5e-310"},
        {0x80006cf631037afbULL, "-5.9191356869134e-310"},
        {0xbfe0000000000000ULL, "-0.5"},
        {0x3ff4000000000000ULL, "1.25"},
        {0x7e37e43c8800759cULL, "1e+300"},
        {0x41678c29dccccccdULL, "12345678.9"},
        {0x4011666666666666ULL, "4.35"},
        {0x3e5ad7f29abcaf48ULL, "2.5e-8"},
        {0x447c7e83209e90b2ULL, "8.41e+21"},
        {0x3ff0000000000001ULL, "1.0000000000000002"},
        {0x3fefffffffffffffULL, "0.9999999999999999"},
        {0x4059200000000000ULL, "100.5"},
        {0x54b249ad2594c37dULL, "1e+100"},
        {0x3c36b082c2148b8eULL, "1.23e-18"},
        {0x3eb0000000000000ULL, "9.5367431640625e-7"},
        {0x3f10000000000000ULL, "0.00006103515625"},
        {0x36a0000000000000ULL, "1.401298464324817e-45"},
        {0xafbf64b1967f8c53ULL, "-1.0590551977833753e-78"},
        {0x8872b44b9fbb971bULL, "-5.664803348173744e-268"},
        {0x4d52f284145b9fe8ULL, "3.1177914365038574e+64"},
        {0x43e0000000000000ULL, "9223372036854776000"},
        {0xc3e0000000000000ULL, "-9223372036854776000"},
};

static void test_go_float_format(void **state)
{
    ks_arena *a = *state;
    for (size_t i = 0; i < sizeof(go_floats) / sizeof(go_floats[0]); i++) {
        double d;
        memcpy(&d, &go_floats[i].bits, sizeof(d));
        kv_value v = kv_double(d);
        char *got = write_num(&v, 0);
        if (strcmp(got, go_floats[i].go) != 0)
            fail_msg("%.17g: Go writes %s, we wrote %s", d, go_floats[i].go, got);
        ks_xfree(got);
        got = write_num(&v, KV_JSON_CANONICAL);
        assert_string_equal(got, go_floats[i].go);
        ks_xfree(got);
        /* Go's text reads back to the same value. */
        kv_value back = num(a, go_floats[i].go);
        if (!kv_equal(&back, &v))
            fail_msg("%s does not read back equal", go_floats[i].go);
        assert_int_equal(kv_hash(&back), kv_hash(&v));
    }
}

static void test_number_output(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *in, *plain, *canonical;
    } cases[] = {
            {"1", "1", "1"},
            {"1.0", "1", "1"},
            {"10E-1", "1", "1"},
            {"-0", "0", "0"},
            {"1e20", "100000000000000000000", "100000000000000000000"},
            {"1e21", "1e+21", "1e+21"},
            {"0.000001", "0.000001", "0.000001"},
            {"1e-7", "1e-7", "1e-7"},
            {"12345678901234567890", "12345678901234567890", "12345678901234567890"},
            {"1E400", "1E400", "1e+400"},
            {"1.0e+400", "1.0e+400", "1e+400"},
            {"-10e-401", "-10e-401", "-1e-400"},
            {"0.1000000000000000000001", "0.1000000000000000000001", "0.1000000000000000000001"},
            {"1000000000000000000000.5", "1000000000000000000000.5",
             "1.0000000000000000000005e+21"},
            {"123456789012345678901.5", "123456789012345678901.5", "123456789012345678901.5"},
            {"0.0000012345678901234567890", "0.0000012345678901234567890",
             "0.000001234567890123456789"},
            {"1.2345678901234567890e-7", "1.2345678901234567890e-7", "1.234567890123456789e-7"},
            {"9223372036854775808.000", "9223372036854775808.000", "9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_value v = num(a, cases[i].in);
        char *p = write_num(&v, 0), *c = write_num(&v, KV_JSON_CANONICAL);
        if (strcmp(p, cases[i].plain) != 0 || strcmp(c, cases[i].canonical) != 0)
            fail_msg("%s: wrote %s / %s, want %s / %s", cases[i].in, p, c, cases[i].plain,
                     cases[i].canonical);
        /* Canonical text reads back equal and is a fixed point. */
        kv_value back = num(a, c);
        assert_true(kv_equal(&back, &v));
        char *c2 = write_num(&back, KV_JSON_CANONICAL);
        assert_string_equal(c, c2);
        ks_xfree(p);
        ks_xfree(c);
        ks_xfree(c2);
    }
}

static void test_nonfinite_double_rejected(void **state)
{
    (void)state;
    kv_value v = {.kind = KV_NUMBER, .sub = KV_NUM_DOUBLE, .u.d = INFINITY};
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "x");
    assert_int_equal(kv_json_write(&b, &v, 0), KS_EINVAL);
    assert_string_equal(ks_buf_cstr(&b), "x"); /* nothing half-written */
    v.u.d = NAN;
    kv_value arr;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value items[2] = {kv_int(1), v};
    assert_int_equal(kv_array_new(&a, items, 2, &arr), 0);
    assert_int_equal(kv_json_write(&b, &arr, KV_JSON_PRETTY), KS_EINVAL);
    assert_string_equal(ks_buf_cstr(&b), "x");
    ks_buf_free(&b);
    ks_arena_free(&a);
}

/* ---- properties over random doubles ---- */

static bool reads_back(const char *digits, size_t nd, int64_t exp, double want)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "0.%.*se%lld", (int)nd, digits, (long long)exp);
    return strtod(buf, NULL) == want;
}

/* The digits of a double read back as it, and no shorter form does. */
static void check_shortest(ks_arena *a, double d)
{
    kv_value v = kv_double(d);
    if (v.sub != KV_NUM_DOUBLE)
        return;
    kv_numdigits nd;
    kv_num_digits(&v, &nd);
    double ad = fabs(d);
    if (!reads_back(nd.digits, nd.ndigits, nd.exp, ad))
        fail_msg("%.17g: digits %.*s e%lld do not read back", d, (int)nd.ndigits, nd.digits,
                 (long long)nd.exp);
    assert_true(nd.ndigits >= 1 && nd.ndigits <= 17);
    assert_true(nd.digits[0] != '0' && nd.digits[nd.ndigits - 1] != '0');
    for (size_t k = 1; k < nd.ndigits; k++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.*e", (int)k - 1, ad);
        if (strtod(buf, NULL) == ad)
            fail_msg("%.17g: %s is shorter than %.*s", d, buf, (int)nd.ndigits, nd.digits);
    }
    /* The written text reads back to the same value. */
    char *text = write_num(&v, 0);
    kv_value back = num(a, text);
    if (!kv_equal(&back, &v) || kv_hash(&back) != kv_hash(&v))
        fail_msg("%.17g: %s does not read back equal", d, text);
    ks_xfree(text);
}

static void test_random_shortest(void **state)
{
    tu_rng_seed(0x9e3779b97f4a7c15ULL);
    ks_arena *a = *state;
    for (int i = 0; i < 6000; i++) {
        uint64_t bits = tu_rng();
        if (i % 4 == 1)
            bits &= 0x800fffffffffffffULL; /* subnormal */
        else if (i % 4 == 2)
            bits &= 0xfff0000000000000ULL | (tu_rng() & 3); /* next to a power of two */
        double d;
        memcpy(&d, &bits, sizeof(d));
        if (!isfinite(d) || d == 0)
            continue;
        check_shortest(a, d);
    }
    /* Few decimals (the digit-count fast path), their neighbours (which
     * miss it), and values where k decimals reach 15 digits. */
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    for (int i = 0; i < 6000; i++) {
        uint64_t m = tu_rng() % (i % 3 == 0 ? 1000 : i % 3 == 1 ? 10000000 : 999999999999999ULL);
        double d = (double)m / p10[tu_rng() % 9];
        if (d == 0)
            continue;
        check_shortest(a, d);
        check_shortest(a, -d);
        check_shortest(a, nextafter(d, INFINITY));
        check_shortest(a, nextafter(d, 0));
    }
    /* Short decimals stay short. */
    for (int i = 0; i < 3000; i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%llue%d", (unsigned long long)(tu_rng() % 100000),
                 (int)(tu_rng() % 600) - 320);
        kv_value v = num(a, buf);
        if (v.sub == KV_NUM_DOUBLE)
            check_shortest(a, v.u.d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_integers_are_ints, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_int64_boundaries, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_two_pow_63, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_doubles, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_decimals, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_decimal_comparisons, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_parse_errors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_kv_double, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_num_digits, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_go_float_format, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_number_output, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_nonfinite_double_rejected, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_random_shortest, tu_arena_setup,
                                            tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
