/* The canonical JSON hash of Kubescape's sync-checksum (spec/storage.md
 * §11.6). */
#include <string.h>

#include "testutil.h"

static void expect_hash(ks_arena *a, const char *json, const char *const *ex, size_t nex,
                        const char *want)
{
    kv_value v = tu_json(a, json);
    char h[65];
    assert_int_equal(kv_json_hash(&v, ex, nex, h), 0);
    assert_string_equal(h, want);
}

static void hash_of(ks_arena *a, const char *json, const char *const *ex, size_t nex, char h[65])
{
    kv_value v = tu_json(a, json);
    assert_int_equal(kv_json_hash(&v, ex, nex, h), 0);
}

static void test_vectors(void **state)
{
    ks_arena *a = *state;
    /* the published vector */
    expect_hash(a, "{\"a\":1}", NULL, 0,
                "077a4489fa38ebf95f62823b47160302d32628d32141d4e3a5871995765945c2");
    /* scalars: SHA-256 of their text, of "null", of the IEEE-754 big-endian
     * double for numbers */
    expect_hash(a, "\"\"", NULL, 0,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_hash(a, "null", NULL, 0,
                "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
    /* [] hashes like "" */
    expect_hash(a, "[]", NULL, 0,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_properties(void **state)
{
    ks_arena *a = *state;
    char h1[65], h2[65];
    /* arrays are order-insensitive; every number is a double */
    hash_of(a, "[1, 2, \"x\"]", NULL, 0, h1);
    hash_of(a, "[\"x\", 2, 1.0]", NULL, 0, h2);
    assert_string_equal(h1, h2);
    hash_of(a, "[1, 1]", NULL, 0, h1);
    hash_of(a, "[1]", NULL, 0, h2);
    assert_string_not_equal(h1, h2);
    /* an excluded path is left out entirely, wherever it is */
    static const char *const ex[] = {".status.conditions"};
    hash_of(a, "{\"status\":{\"conditions\":[1,2],\"x\":1}}", ex, 1, h1);
    hash_of(a, "{\"status\":{\"x\":1}}", ex, 1, h2);
    assert_string_equal(h1, h2);
    hash_of(a, "{\"status\":{\"conditions\":[1,2],\"x\":1}}", NULL, 0, h1);
    assert_string_not_equal(h1, h2);
    /* a path is not a prefix match, and array elements keep the array's path */
    hash_of(a, "{\"status\":{\"conditionsX\":1}}", ex, 1, h1);
    hash_of(a, "{\"status\":{}}", ex, 1, h2);
    assert_string_not_equal(h1, h2);
    hash_of(a, "{\"status\":[{\"conditions\":1}]}", ex, 1, h1);
    hash_of(a, "{\"status\":[{}]}", ex, 1, h2);
    assert_string_equal(h1, h2);
    /* key and value are bound: swapping values changes the hash */
    hash_of(a, "{\"a\":\"b\",\"c\":\"d\"}", NULL, 0, h1);
    hash_of(a, "{\"a\":\"d\",\"c\":\"b\"}", NULL, 0, h2);
    assert_string_not_equal(h1, h2);
}

/* Many member names, repeated across items: the names' hashes are cached,
 * and no name may be taken for another. */
static void test_many_names(void **state)
{
    ks_arena *a = *state;
    ks_buf b = KS_BUF_INIT, c = KS_BUF_INIT;
    ks_buf_putc(&b, '[');
    ks_buf_putc(&c, '[');
    for (int i = 0; i < 600; i++) {
        ks_buf_printf(&b, "%s{\"k%d\":%d,\"common\":\"x\"}", i ? "," : "", i % 300, i);
        /* the same items, one name changed in the last item */
        ks_buf_printf(&c, "%s{\"k%d\":%d,\"common\":\"x\"}", i ? "," : "",
                      i == 599 ? 1000 : i % 300, i);
    }
    ks_buf_putc(&b, ']');
    ks_buf_putc(&c, ']');
    char h1[65], h2[65], h3[65];
    hash_of(a, ks_buf_cstr(&b), NULL, 0, h1);
    hash_of(a, ks_buf_cstr(&b), NULL, 0, h2);
    hash_of(a, ks_buf_cstr(&c), NULL, 0, h3);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    /* an item's hash does not depend on the names hashed before it */
    char one[65], alone[65];
    hash_of(a, "[{\"k299\":599,\"common\":\"x\"}]", NULL, 0, alone);
    hash_of(a, "[{\"k0\":1,\"common\":\"x\"},{\"k299\":599,\"common\":\"x\"}]", NULL, 0, one);
    assert_string_not_equal(one, alone);
    ks_buf_free(&b);
    ks_buf_free(&c);
}

/* Arrays and objects of every size around the sort's switch from insertion
 * to qsort hash the same in any order. */
static void test_orders(void **state)
{
    ks_arena *a = *state;
    for (int n = 1; n <= 40; n++) {
        ks_buf fwd = KS_BUF_INIT, rev = KS_BUF_INIT, mix = KS_BUF_INIT;
        ks_buf ofwd = KS_BUF_INIT, orev = KS_BUF_INIT;
        ks_buf_putc(&fwd, '[');
        ks_buf_putc(&rev, '[');
        ks_buf_putc(&mix, '[');
        ks_buf_putc(&ofwd, '{');
        ks_buf_putc(&orev, '{');
        for (int i = 0; i < n; i++) {
            int r = n - 1 - i, m = (i * 7 + 3) % n;
            ks_buf_printf(&fwd, "%s\"v%d\"", i ? "," : "", i);
            ks_buf_printf(&rev, "%s\"v%d\"", i ? "," : "", r);
            ks_buf_printf(&mix, "%s\"v%d\"", i ? "," : "", n % 7 ? m : i);
            ks_buf_printf(&ofwd, "%s\"k%d\":%d", i ? "," : "", i, i * i);
            ks_buf_printf(&orev, "%s\"k%d\":%d", i ? "," : "", r, r * r);
        }
        ks_buf_putc(&fwd, ']');
        ks_buf_putc(&rev, ']');
        ks_buf_putc(&mix, ']');
        ks_buf_putc(&ofwd, '}');
        ks_buf_putc(&orev, '}');
        char h1[65], h2[65], h3[65];
        hash_of(a, ks_buf_cstr(&fwd), NULL, 0, h1);
        hash_of(a, ks_buf_cstr(&rev), NULL, 0, h2);
        hash_of(a, ks_buf_cstr(&mix), NULL, 0, h3);
        assert_string_equal(h1, h2);
        if (n % 7)
            assert_string_equal(h1, h3);
        hash_of(a, ks_buf_cstr(&ofwd), NULL, 0, h1);
        hash_of(a, ks_buf_cstr(&orev), NULL, 0, h2);
        assert_string_equal(h1, h2);
        ks_buf_free(&fwd);
        ks_buf_free(&rev);
        ks_buf_free(&mix);
        ks_buf_free(&ofwd);
        ks_buf_free(&orev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_vectors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_properties, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_many_names, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_orders, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
