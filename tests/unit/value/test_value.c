/* Construction, access and copying of values; arena limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void test_value_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(kv_value), 16);
    kv_value v = kv_null();
    assert_int_equal(kv_kind_of(&v), KV_NULL);
    v = kv_bool(true);
    assert_int_equal(kv_kind_of(&v), KV_BOOL);
    assert_true(v.u.b);
    v = kv_int(-5);
    assert_int_equal(v.sub, KV_NUM_INT);
    assert_true(v.u.i == -5);
}

static void test_str_copy(void **state)
{
    ks_arena *a = *state;
    char src[] = {'a', '\0', 'b', 'c'};
    kv_value s;
    assert_int_equal(kv_str_copy(a, src, sizeof(src), &s), 0);
    assert_int_equal(s.kind, KV_STRING);
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.u.s, src, 4);
    assert_int_equal(s.u.s[4], '\0'); /* NUL-terminated after len bytes */
    assert_ptr_not_equal(s.u.s, src);
    src[0] = 'x';
    assert_int_equal(s.u.s[0], 'a');
    assert_int_equal(kv_str_copy(a, "", 0, &s), 0);
    assert_int_equal(s.len, 0);
    assert_int_equal(s.u.s[0], '\0');
}

static void test_object_new_duplicates(void **state)
{
    ks_arena *a = *state;
    kv_member m[] = {
            {kv_str_ref("b", 1), kv_int(1)}, {kv_str_ref("a", 1), kv_int(2)},
            {kv_str_ref("b", 1), kv_int(3)}, {kv_str_ref("c", 1), kv_int(4)},
            {kv_str_ref("b", 1), kv_int(5)},
    };
    kv_value o, dup = kv_null();
    assert_int_equal(kv_object_new(a, m, 5, KV_DUP_LAST_WINS, &o, NULL), 0);
    assert_int_equal(o.len, 3);
    char *t = tu_to_json(&o, 0);
    assert_string_equal(t, "{\"a\":2,\"b\":5,\"c\":4}");
    ks_xfree(t);
    assert_int_equal(kv_object_new(a, m, 5, KV_DUP_FIRST_WINS, &o, NULL), 0);
    t = tu_to_json(&o, 0);
    assert_string_equal(t, "{\"a\":2,\"b\":1,\"c\":4}");
    ks_xfree(t);
    assert_int_equal(kv_object_new(a, m, 5, KV_DUP_ERROR, &o, &dup), KS_EEXIST);
    assert_int_equal(dup.kind, KV_STRING);
    assert_string_equal(dup.u.s, "b");
    assert_int_equal(kv_object_new(a, m, 5, KV_DUP_ERROR, &o, NULL), KS_EEXIST);
    /* The input array is not reordered. */
    assert_string_equal(m[0].key.u.s, "b");
    assert_true(m[0].val.u.i == 1);
    /* Keys equal as numbers are duplicates too. */
    kv_member nm[] = {{kv_int(1), kv_str_ref("x", 1)}, {tu_json(a, "1.0"), kv_str_ref("y", 1)}};
    assert_int_equal(kv_object_new(a, nm, 2, KV_DUP_LAST_WINS, &o, NULL), 0);
    assert_int_equal(o.len, 1);
    assert_string_equal(o.u.members[0].val.u.s, "y");
    /* Empty. */
    assert_int_equal(kv_object_new(a, NULL, 0, KV_DUP_ERROR, &o, NULL), 0);
    assert_int_equal(o.kind, KV_OBJECT);
    assert_int_equal(o.len, 0);
}

/* Large objects take the merge sort: it must stay stable so first- and
 * last-wins hold, and handle already sorted input. */
static void test_object_new_large(void **state)
{
    ks_arena *a = *state;
    enum { N = 300 };
    kv_member *m = malloc(N * sizeof(*m));
    char(*keys)[8] = malloc(N * sizeof(*keys));
    for (int i = 0; i < N; i++) {
        /* 100 distinct keys, each three times, in scrambled order. */
        int k = (i * 37) % 100;
        int n = snprintf(keys[i], sizeof(keys[i]), "k%03d", k);
        m[i].key = kv_str_ref(keys[i], (size_t)n);
        m[i].val = kv_int(i);
    }
    kv_value last, first, dup;
    assert_int_equal(kv_object_new(a, m, N, KV_DUP_LAST_WINS, &last, NULL), 0);
    assert_int_equal(kv_object_new(a, m, N, KV_DUP_FIRST_WINS, &first, NULL), 0);
    assert_int_equal(last.len, 100);
    assert_int_equal(first.len, 100);
    for (int k = 0; k < 100; k++) {
        char key[8];
        int n = snprintf(key, sizeof(key), "k%03d", k);
        int64_t lo = -1, hi = -1;
        for (int i = 0; i < N; i++)
            if ((i * 37) % 100 == k) {
                if (lo < 0)
                    lo = i;
                hi = i;
            }
        const kv_value *v = kv_obj_get(&first, key, (size_t)n);
        assert_non_null(v);
        assert_true(v->u.i == lo);
        v = kv_obj_get(&last, key, (size_t)n);
        assert_non_null(v);
        assert_true(v->u.i == hi);
    }
    for (uint32_t i = 1; i < last.len; i++)
        assert_true(kv_compare(&last.u.members[i - 1].key, &last.u.members[i].key) < 0);
    assert_int_equal(kv_object_new(a, m, N, KV_DUP_ERROR, &first, &dup), KS_EEXIST);

    /* Already sorted, no duplicates. */
    for (int i = 0; i < N; i++) {
        int n = snprintf(keys[i], sizeof(keys[i]), "s%04d", i);
        m[i].key = kv_str_ref(keys[i], (size_t)n);
        m[i].val = kv_int(i);
    }
    assert_int_equal(kv_object_new(a, m, N, KV_DUP_ERROR, &first, NULL), 0);
    assert_int_equal(first.len, N);
    assert_true(kv_obj_get(&first, "s0299", 5)->u.i == 299);
    free(m);
    free(keys);
}

static void test_obj_str(void **state)
{
    ks_arena *a = *state;
    kv_value o = tu_json(a, "{\"s\":\"text\",\"n\":1,\"z\":null,\"e\":\"\"}");
    assert_string_equal(kv_obj_str(&o, "s"), "text");
    assert_string_equal(kv_obj_str(&o, "e"), "");
    assert_null(kv_obj_str(&o, "n")); /* not a string */
    assert_null(kv_obj_str(&o, "z"));
    assert_null(kv_obj_str(&o, "missing"));
    assert_null(kv_obj_str(NULL, "s"));
    kv_value arr = tu_json(a, "[\"s\"]");
    assert_null(kv_obj_str(&arr, "s")); /* not an object */
}

static void test_array_and_set(void **state)
{
    ks_arena *a = *state;
    kv_value items[] = {kv_int(3), kv_str_ref("a", 1), kv_int(3), kv_null()};
    kv_value arr, set;
    assert_int_equal(kv_array_new(a, items, 4, &arr), 0);
    assert_int_equal(arr.kind, KV_ARRAY);
    assert_int_equal(arr.len, 4);
    items[0] = kv_int(99); /* copies, not references */
    assert_true(kv_arr_at(&arr, 0)->u.i == 3);
    assert_null(kv_arr_at(&arr, 4));
    assert_int_equal(kv_set_new(a, items, 4, &set), 0);
    assert_int_equal(set.len, 4); /* 99, "a", 3, null: no duplicate now */
    items[0] = kv_int(3);
    assert_int_equal(kv_set_new(a, items, 4, &set), 0);
    assert_int_equal(set.len, 3);
    assert_int_equal(kv_arr_at(&set, 0)->kind, KV_NULL);
    assert_true(kv_arr_at(&set, 1)->u.i == 3);
    assert_int_equal(kv_arr_at(&set, 2)->kind, KV_STRING);
    assert_null(kv_arr_at(&set, 3));
    kv_value s = kv_str_ref("x", 1);
    assert_null(kv_arr_at(&s, 0));
    assert_int_equal(kv_array_new(a, NULL, 0, &arr), 0);
    assert_int_equal(arr.len, 0);
    assert_int_equal(kv_set_new(a, NULL, 0, &set), 0);
    assert_int_equal(set.kind, KV_SET);
    assert_int_equal(set.len, 0);
}

static void test_obj_get(void **state)
{
    ks_arena *a = *state;
    /* Keys of several kinds: they sort by kind first. */
    kv_member m[] = {
            {kv_str_ref("name", 4), kv_int(1)}, {kv_int(1), kv_int(2)},
            {kv_str_ref("1", 1), kv_int(3)},    {kv_null(), kv_int(4)},
            {tu_json(a, "[1,2]"), kv_int(5)},   {kv_str_ref("", 0), kv_int(6)},
            {kv_bool(true), kv_int(7)},         {kv_str_ref("a\0b", 3), kv_int(8)},
    };
    kv_value o;
    assert_int_equal(kv_object_new(a, m, 8, KV_DUP_ERROR, &o, NULL), 0);
    assert_true(kv_obj_get(&o, "name", 4)->u.i == 1);
    assert_true(kv_obj_get(&o, "1", 1)->u.i == 3);
    assert_true(kv_obj_get(&o, "", 0)->u.i == 6);
    assert_true(kv_obj_get(&o, "a\0b", 3)->u.i == 8);
    assert_null(kv_obj_get(&o, "a", 1));
    assert_null(kv_obj_get(&o, "nam", 3));
    assert_null(kv_obj_get(&o, "names", 5));
    kv_value k = kv_int(1);
    assert_true(kv_obj_get_value(&o, &k)->u.i == 2);
    k = tu_json(a, "1.0");
    assert_true(kv_obj_get_value(&o, &k)->u.i == 2);
    k = kv_null();
    assert_true(kv_obj_get_value(&o, &k)->u.i == 4);
    k = kv_bool(true);
    assert_true(kv_obj_get_value(&o, &k)->u.i == 7);
    k = tu_json(a, "[1,2.0]");
    assert_true(kv_obj_get_value(&o, &k)->u.i == 5);
    k = kv_str_ref("name", 4);
    assert_true(kv_obj_get_value(&o, &k)->u.i == 1);
    k = kv_bool(false);
    assert_null(kv_obj_get_value(&o, &k));
    k = kv_int(2);
    assert_null(kv_obj_get_value(&o, &k));
    kv_value arr = tu_json(a, "[1]");
    assert_null(kv_obj_get(&arr, "x", 1));
    assert_null(kv_obj_get_value(&arr, &k));
    /* Binary search over a large object. */
    kv_value big = tu_json(a, "{\"k00\":0,\"k01\":1,\"k02\":2,\"k03\":3,\"k04\":4,\"k05\":5,"
                              "\"k06\":6,\"k07\":7,\"k08\":8,\"k09\":9,\"k10\":10}");
    for (int i = 0; i <= 10; i++) {
        char key[8];
        int n = snprintf(key, sizeof(key), "k%02d", i);
        const kv_value *v = kv_obj_get(&big, key, (size_t)n);
        assert_non_null(v);
        assert_true(v->u.i == i);
    }
}

static void test_obj_with(void **state)
{
    ks_arena *a = *state;
    kv_value o = tu_json(a, "{\"b\":1,\"d\":2}");
    kv_value v = kv_str_ref("x", 1), out;
    assert_int_equal(kv_obj_with(a, &o, "c", 1, &v, &out), 0);
    char *j = tu_to_json(&out, 0);
    assert_string_equal(j, "{\"b\":1,\"c\":\"x\",\"d\":2}"); /* sorted */
    ks_xfree(j);
    assert_int_equal(kv_obj_with(a, &out, "b", 1, &v, &out), 0);   /* replaced */
    assert_int_equal(kv_obj_with(a, &out, "d", 1, NULL, &out), 0); /* removed */
    j = tu_to_json(&out, 0);
    assert_string_equal(j, "{\"b\":\"x\",\"c\":\"x\"}");
    ks_xfree(j);
    j = tu_to_json(&o, 0); /* the original is untouched */
    assert_string_equal(j, "{\"b\":1,\"d\":2}");
    ks_xfree(j);
    kv_value num = kv_int(3);
    assert_int_equal(kv_obj_with(a, &num, "k", 1, &num, &out), 0); /* a non-object is {} */
    j = tu_to_json(&out, 0);
    assert_string_equal(j, "{\"k\":3}");
    ks_xfree(j);
    assert_int_equal(kv_obj_with(a, NULL, "k", 1, NULL, &out), 0);
    assert_int_equal(out.len, 0);
    /* kv_obj_set: keys of any kind, order kept, removal of a missing key */
    kv_value o2 = tu_json(a, "{\"a\":1,\"c\":3,\"e\":5}");
    kv_value kd = kv_str_ref("d", 1), ka = kv_str_ref("a", 1), kz = kv_str_ref("z", 1);
    assert_int_equal(kv_obj_set(a, &o2, &kd, &num, &out), 0);
    assert_int_equal(kv_obj_set(a, &out, &ka, NULL, &out), 0);
    assert_int_equal(kv_obj_set(a, &out, &kz, NULL, &out), 0);
    j = tu_to_json(&out, 0);
    assert_string_equal(j, "{\"c\":3,\"d\":3,\"e\":5}");
    ks_xfree(j);
    kv_value one = kv_int(1), s1;
    kv_value sk[] = {kv_int(2)};
    assert_int_equal(kv_set_new(a, sk, 1, &s1), 0);
    assert_int_equal(kv_obj_set(a, NULL, &one, &s1, &out), 0); /* a number key */
    assert_non_null(kv_obj_get_value(&out, &one));
}

static void test_clone(void **state)
{
    ks_arena *dst = *state;
    ks_arena src;
    ks_arena_init(&src, NULL, 0);
    const char *text = "{\"s\":\"hello\\u0000world\",\"n\":[1,0.5,12345678901234567890,1e400],"
                       "\"o\":{\"deep\":[[{}],[]]},\"b\":true,\"z\":null,\"e\":\"\"}";
    kv_value orig = tu_json(&src, text);
    kv_value set_items[] = {kv_int(2), orig, kv_str_ref("lit", 3)};
    kv_value set;
    assert_int_equal(kv_set_new(&src, set_items, 3, &set), 0);
    kv_member km[] = {{kv_int(7), set}, {kv_str_ref("k", 1), orig}};
    kv_value top;
    assert_int_equal(kv_object_new(&src, km, 2, KV_DUP_ERROR, &top, NULL), 0);
    char *before = tu_to_json(&top, 0);
    uint64_t hash = kv_hash(&top);

    kv_value copy;
    assert_int_equal(kv_clone(dst, &top, &copy), 0);
    assert_true(kv_equal(&copy, &top));
    /* The copy must not point into the source arena. */
    ks_arena_free(&src);
    char *after = tu_to_json(&copy, 0);
    assert_string_equal(before, after);
    assert_true(kv_hash(&copy) == hash);
    const kv_value *dec = kv_path(kv_obj_get(&copy, "k", 1), "n[2]");
    assert_non_null(dec);
    assert_int_equal(dec->sub, KV_NUM_DECIMAL);
    assert_string_equal(dec->u.dec->text, "12345678901234567890");
    ks_xfree(before);
    ks_xfree(after);
}

static void test_arena_limit(void **state)
{
    (void)state;
    ks_arena small;
    ks_arena_init(&small, NULL, 4096);
    static char big[8192];
    memset(big, 'x', sizeof(big));
    kv_value v;
    assert_int_equal(kv_str_copy(&small, big, sizeof(big), &v), KS_ELIMIT);
    kv_value items[600];
    for (int i = 0; i < 600; i++)
        items[i] = kv_int(i);
    assert_int_equal(kv_array_new(&small, items, 600, &v), KS_ELIMIT);
    assert_int_equal(kv_set_new(&small, items, 600, &v), KS_ELIMIT);
    kv_member m[300];
    for (int i = 0; i < 300; i++)
        m[i] = (kv_member){kv_int(i), kv_null()};
    assert_int_equal(kv_object_new(&small, m, 300, KV_DUP_ERROR, &v, NULL), KS_ELIMIT);
    /* Clone into a full arena fails cleanly. */
    ks_arena roomy;
    ks_arena_init(&roomy, NULL, 0);
    kv_value arr;
    assert_int_equal(kv_array_new(&roomy, items, 600, &arr), 0);
    assert_int_equal(kv_clone(&small, &arr, &v), KS_ELIMIT);
    kv_value num;
    assert_int_equal(kv_number_parse(&roomy, "1e400", 5, &num), 0);
    /* Decimals take arena memory: they fail at the limit, after some fit. */
    char text[1000];
    memset(text, '1', sizeof(text));
    int rc = 0, fitted = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        rc = kv_number_parse(&small, text, sizeof(text), &num);
        fitted += rc == 0;
    }
    assert_int_equal(rc, KS_ELIMIT);
    assert_true(fitted >= 1);
    ks_arena_free(&roomy);
    ks_arena_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_value_layout, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_str_copy, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_obj_str, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_object_new_duplicates, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_object_new_large, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_array_and_set, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_obj_get, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_clone, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_obj_with, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_arena_limit, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
