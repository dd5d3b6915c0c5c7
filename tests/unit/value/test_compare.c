/* kv_compare, kv_equal and kv_hash: Rego's total order across kinds,
 * numeric equality across representations, hashing consistent with
 * equality, and order properties over random values. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static kv_value set_of(ks_arena *a, const kv_value *items, size_t n)
{
    kv_value s;
    assert_int_equal(kv_set_new(a, items, n, &s), 0);
    return s;
}

/* Checks that v[0..n) is strictly increasing under kv_compare, pairwise. */
static void check_increasing(const kv_value *v, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int want = (i > j) - (i < j);
            int c = sign(kv_compare(&v[i], &v[j]));
            if (c != want) {
                char *x = tu_to_json(&v[i], 0), *y = tu_to_json(&v[j], 0);
                fail_msg("%s: compare(%s, %s) = %d, want %d", what, x, y, c, want);
            }
            if (kv_equal(&v[i], &v[j]) != (i == j))
                fail_msg("%s: kv_equal(#%zu, #%zu) wrong", what, i, j);
        }
    }
}

static void test_kind_order(void **state)
{
    ks_arena *a = *state;
    kv_value one = kv_int(1);
    kv_value v[] = {
            kv_null(),          kv_bool(false),       kv_bool(true),     tu_json(a, "-1e400"),
            kv_int(0),          tu_json(a, "1e400"),  kv_str_ref("", 0), kv_str_ref("zzz", 3),
            tu_json(a, "[]"),   tu_json(a, "[[[]]]"), tu_json(a, "{}"),  tu_json(a, "{\"a\":[]}"),
            set_of(a, NULL, 0), set_of(a, &one, 1),
    };
    check_increasing(v, sizeof(v) / sizeof(v[0]), "kinds");
    assert_string_equal(kv_kind_name(KV_NULL), "null");
    assert_string_equal(kv_kind_name(KV_BOOL), "boolean");
    assert_string_equal(kv_kind_name(KV_NUMBER), "number");
    assert_string_equal(kv_kind_name(KV_STRING), "string");
    assert_string_equal(kv_kind_name(KV_ARRAY), "array");
    assert_string_equal(kv_kind_name(KV_OBJECT), "object");
    assert_string_equal(kv_kind_name(KV_SET), "set");
    assert_string_equal(kv_kind_name((kv_kind)42), "invalid");
}

static void test_strings_bytewise(void **state)
{
    (void)state;
    kv_value v[] = {
            kv_str_ref("", 0),
            kv_str_ref("\0", 1),
            kv_str_ref("A", 1),
            kv_str_ref("Z", 1),
            kv_str_ref("a", 1),
            kv_str_ref("a\0", 2),
            kv_str_ref("a\0b", 3),
            kv_str_ref("aa", 2),
            kv_str_ref("ab", 2),
            kv_str_ref("b", 1),
            kv_str_ref("\x7f", 1),
            kv_str_ref("\xc3\xa9", 2), /* é: bytes above 0x7f sort after ASCII */
            kv_str_ref("\xff", 1),
    };
    check_increasing(v, sizeof(v) / sizeof(v[0]), "strings");
    kv_value x = kv_str_ref("a\0b", 3), y = kv_str_ref("a\0c", 3);
    assert_false(kv_equal(&x, &y));
    assert_true(kv_hash(&x) != kv_hash(&y));
}

static void test_arrays_objects_sets(void **state)
{
    ks_arena *a = *state;
    const char *arrays[] = {"[]",    "[null]", "[0]", "[0,0]",  "[1]",
                            "[1,2]", "[1,3]",  "[2]", "[\"a\"]"};
    kv_value v[16];
    size_t n = sizeof(arrays) / sizeof(arrays[0]);
    for (size_t i = 0; i < n; i++)
        v[i] = tu_json(a, arrays[i]);
    check_increasing(v, n, "arrays");

    /* Objects: sorted key/value pairs compared in turn, then length. */
    const char *objects[] = {"{}",
                             "{\"a\":0}",
                             "{\"a\":1}",
                             "{\"a\":1,\"b\":0}",
                             "{\"a\":1,\"b\":5}",
                             "{\"a\":1,\"c\":0}",
                             "{\"a\":2}",
                             "{\"b\":0,\"a\":3}",
                             "{\"b\":0}"};
    n = sizeof(objects) / sizeof(objects[0]);
    for (size_t i = 0; i < n; i++)
        v[i] = tu_json(a, objects[i]);
    check_increasing(v, n, "objects");

    /* Sets: sorted and free of duplicates, then compared like arrays. */
    kv_value items[] = {kv_int(3), tu_json(a, "1.0"), kv_str_ref("x", 1),
                        kv_int(1), tu_json(a, "3e0"), kv_null()};
    kv_value s = set_of(a, items, 6);
    assert_int_equal(s.len, 4);
    char *text = tu_to_json(&s, 0);
    assert_string_equal(text, "[null,1,3,\"x\"]");
    ks_xfree(text);
    kv_value one = kv_int(1), two = kv_int(2), three = kv_int(3);
    kv_value s12[] = {one, two}, s13[] = {one, three}, s3[] = {three};
    kv_value sets[] = {set_of(a, NULL, 0), set_of(a, &one, 1), set_of(a, s12, 2), set_of(a, s13, 2),
                       set_of(a, s3, 1)};
    check_increasing(sets, 5, "sets");
    assert_true(kv_set_has(&s, &one));
    kv_value one_d = tu_json(a, "10e-1");
    assert_true(kv_set_has(&s, &one_d));
    assert_false(kv_set_has(&s, &two));
    kv_value arr = tu_json(a, "[1]");
    assert_false(kv_set_has(&arr, &one)); /* not a set */
    /* A set and an array with the same items differ. */
    kv_value set1 = set_of(a, &one, 1);
    assert_false(kv_equal(&set1, &arr));
    assert_true(kv_compare(&arr, &set1) < 0);
}

static void test_numeric_equality_in_containers(void **state)
{
    ks_arena *a = *state;
    const char *same[][2] = {
            {"1", "1.0"},
            {"1", "1e0"},
            {"1", "10E-1"},
            {"[1,2.5,-0]", "[1.0,25e-1,0]"},
            {"{\"a\":1,\"b\":[100]}", "{\"b\":[1e2],\"a\":0.1e1}"},
            {"{\"x\":12345678901234567890}", "{\"x\":1.2345678901234567890e19}"},
            {"[1e400]", "[0.1e401]"},
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        kv_value x = tu_json(a, same[i][0]), y = tu_json(a, same[i][1]);
        if (!kv_equal(&x, &y) || kv_compare(&x, &y) != 0)
            fail_msg("%s and %s should be equal", same[i][0], same[i][1]);
        if (kv_hash(&x) != kv_hash(&y))
            fail_msg("%s and %s hash differently", same[i][0], same[i][1]);
    }
    kv_value i1 = kv_int(1), d1 = kv_double(1.0), t1 = tu_json(a, "1e0");
    assert_true(kv_hash(&i1) == kv_hash(&d1) && kv_hash(&d1) == kv_hash(&t1));
    kv_value x = tu_json(a, "[1,2]"), y = tu_json(a, "[1,2.000000000000000000001]");
    assert_false(kv_equal(&x, &y));
    assert_true(kv_compare(&x, &y) < 0);
}

static void test_hash_distinguishes(void **state)
{
    ks_arena *a = *state;
    /* Not required by the contract, but a hash that collides on these
     * would make every map of values slow. */
    const char *texts[] = {"null",      "false", "true",  "0",         "1",
                           "-1",        "0.5",   "\"\"",  "\"0\"",     "[]",
                           "{}",        "[0]",   "[[]]",  "{\"a\":0}", "{\"a\":1}",
                           "{\"b\":0}", "[1,2]", "[2,1]", "1e400",     "12345678901234567890"};
    size_t n = sizeof(texts) / sizeof(texts[0]);
    uint64_t h[32];
    for (size_t i = 0; i < n; i++) {
        kv_value v = tu_json(a, texts[i]);
        h[i] = kv_hash(&v);
        for (size_t j = 0; j < i; j++)
            if (h[i] == h[j])
                fail_msg("%s and %s hash alike", texts[i], texts[j]);
    }
    kv_value e = set_of(a, NULL, 0), arr = tu_json(a, "[]");
    assert_true(kv_hash(&e) != kv_hash(&arr));
}

/* ---- random values ---- */

/* Numbers from a small domain, with several spellings of equal values, so
 * random values are often equal or nearly so. */
static const char *const num_texts[] = {"0",
                                        "-0",
                                        "0.0",
                                        "1",
                                        "1.0",
                                        "1e0",
                                        "2",
                                        "-1",
                                        "0.5",
                                        "5e-1",
                                        "1e400",
                                        "10e399",
                                        "12345678901234567890",
                                        "1.2345678901234567890e19",
                                        "9223372036854775807",
                                        "9223372036854775808",
                                        "-9223372036854775808",
                                        "-9223372036854776000",
                                        "0.1",
                                        "0.1000000000000000000001",
                                        "1e-400",
                                        "1e300",
                                        "1e19"};
static const char *const str_texts[] = {"", "a", "b", "ab", "a\0", "\xc3\xa9", "\x7f"};
static const size_t str_lens[] = {0, 1, 1, 2, 2, 2, 1};

static bool gen_any_keys = true;

static kv_value gen(ks_arena *a, int depth)
{
    unsigned pick = (unsigned)(tu_rng() % (depth >= 3 ? 4 : 8));
    switch (pick) {
    case 0: return kv_null();
    case 1: return kv_bool(tu_rng() & 1);
    case 2:
    case 7: {
        if (tu_rng() % 5 == 0)
            return kv_double((double)(int64_t)(tu_rng() % 9) / 4.0);
        const char *t = num_texts[tu_rng() % (sizeof(num_texts) / sizeof(num_texts[0]))];
        kv_value v;
        assert_int_equal(kv_number_parse(a, t, strlen(t), &v), 0);
        return v;
    }
    case 3: {
        size_t k = tu_rng() % (sizeof(str_texts) / sizeof(str_texts[0]));
        return kv_str_ref(str_texts[k], str_lens[k]);
    }
    case 4:
    case 6: {
        kv_value items[3], out;
        size_t n = tu_rng() % 4;
        for (size_t i = 0; i < n; i++)
            items[i] = gen(a, depth + 1);
        if (pick == 4)
            assert_int_equal(kv_array_new(a, items, n, &out), 0);
        else
            assert_int_equal(kv_set_new(a, items, n, &out), 0);
        return out;
    }
    default: {
        kv_member m[3];
        size_t n = tu_rng() % 4;
        for (size_t i = 0; i < n; i++) {
            size_t k = tu_rng() % 4;
            if (gen_any_keys && tu_rng() % 6 == 0)
                m[i].key = gen(a, 3); /* a non-string key, as Rego allows */
            else
                m[i].key = kv_str_ref(str_texts[k], str_lens[k]);
            m[i].val = gen(a, depth + 1);
        }
        kv_value out;
        assert_int_equal(kv_object_new(a, m, n, KV_DUP_LAST_WINS, &out, NULL), 0);
        return out;
    }
    }
}

static void test_random_order_properties(void **state)
{
    ks_arena *a = *state;
    tu_rng_seed(20240601);
    enum { N = 260 };
    kv_value *v = malloc(N * sizeof(*v));
    uint64_t *h = malloc(N * sizeof(*h));
    for (size_t i = 0; i < N; i++) {
        v[i] = gen(a, 0);
        h[i] = kv_hash(&v[i]);
    }
    static signed char c[N][N];
    size_t equal_pairs = 0;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            c[i][j] = (signed char)sign(kv_compare(&v[i], &v[j]));
            bool eq = kv_equal(&v[i], &v[j]);
            if (eq != (c[i][j] == 0)) {
                char *x = tu_to_json(&v[i], 0), *y = tu_to_json(&v[j], 0);
                fail_msg("equal(%s, %s) = %d but compare = %d", x, y, eq, c[i][j]);
            }
            if (eq && h[i] != h[j]) {
                char *x = tu_to_json(&v[i], 0), *y = tu_to_json(&v[j], 0);
                fail_msg("%s and %s are equal but hash differently", x, y);
            }
            if (eq && i != j)
                equal_pairs++;
        }
    }
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(c[i][i], 0);
        for (size_t j = 0; j < N; j++) {
            if (c[i][j] != -c[j][i]) {
                char *x = tu_to_json(&v[i], 0), *y = tu_to_json(&v[j], 0);
                fail_msg("antisymmetry: %s vs %s", x, y);
            }
        }
    }
    /* Transitivity on every triple. */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            if (c[i][j] <= 0)
                for (size_t k = 0; k < N; k++)
                    if (c[j][k] <= 0 && c[i][k] > 0) {
                        char *x = tu_to_json(&v[i], 0), *y = tu_to_json(&v[j], 0),
                             *z = tu_to_json(&v[k], 0);
                        fail_msg("transitivity: %s <= %s <= %s but not %s <= %s", x, y, z, x, z);
                    }
    /* The domain is small on purpose: the test must see equal values built
     * differently, not only identical ones. */
    assert_true(equal_pairs > N);
    free(v);
    free(h);
}

/* Values equal to each other built in different ways hash alike. */
static void test_random_hash_consistency(void **state)
{
    ks_arena *a = *state;
    tu_rng_seed(777);
    gen_any_keys = false; /* JSON turns them into strings, which sort apart */
    for (int i = 0; i < 400; i++) {
        kv_value v = gen(a, 0);
        /* Through JSON and back: numbers are re-read, objects re-sorted. */
        char *text = tu_to_json(&v, 0);
        kv_value back = tu_json(a, text);
        /* Sets become arrays, so compare against the same conversion of v. */
        char *text2 = tu_to_json(&back, 0);
        assert_string_equal(text, text2);
        kv_value again = tu_json(a, text2);
        assert_true(kv_equal(&back, &again));
        assert_true(kv_hash(&back) == kv_hash(&again));
        kv_value clone;
        assert_int_equal(kv_clone(a, &v, &clone), 0);
        assert_true(kv_equal(&v, &clone));
        assert_int_equal(kv_compare(&v, &clone), 0);
        assert_true(kv_hash(&v) == kv_hash(&clone));
        ks_xfree(text);
        ks_xfree(text2);
    }
    gen_any_keys = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_kind_order, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_strings_bytewise, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_arrays_objects_sets, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_numeric_equality_in_containers, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_hash_distinguishes, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_random_order_properties, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_random_hash_consistency, tu_arena_setup,
                                            tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
