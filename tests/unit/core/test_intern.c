/* Unit tests for core/intern: one canonical copy per distinct string. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/intern.h"

static void test_same_pointer_for_equal_strings(void **state)
{
    (void)state;
    ks_intern t;
    ks_intern_init(&t, NULL);
    char a[] = "metadata";
    char b[] = "metadata";
    const char *pa = ks_intern_get(&t, a, 8);
    const char *pb = ks_intern_get(&t, b, 8);
    assert_non_null(pa);
    assert_ptr_equal(pa, pb);
    /* A copy: not the caller's bytes, NUL-terminated, unaffected later. */
    assert_ptr_not_equal(pa, a);
    assert_ptr_not_equal(pa, b);
    assert_string_equal(pa, "metadata");
    memset(a, 'x', 8);
    assert_string_equal(pa, "metadata");
    assert_int_equal(ks_intern_count(&t), 1);

    const char *pc = ks_intern_get(&t, "meta", 4);
    assert_ptr_not_equal(pc, pa);
    assert_string_equal(pc, "meta");
    /* A prefix of a longer string is its own entry. */
    assert_ptr_equal(ks_intern_get(&t, "metadata!", 8), pa);
    assert_int_equal(ks_intern_count(&t), 2);
    ks_intern_free(&t);
}

static void test_find(void **state)
{
    (void)state;
    ks_intern t;
    ks_intern_init(&t, NULL);
    assert_null(ks_intern_find(&t, "spec", 4));
    const char *p = ks_intern_get(&t, "spec", 4);
    assert_ptr_equal(ks_intern_find(&t, "spec", 4), p);
    assert_null(ks_intern_find(&t, "status", 6));
    assert_int_equal(ks_intern_count(&t), 1); /* find adds nothing */
    ks_intern_free(&t);
}

static void test_empty_and_binary_strings(void **state)
{
    (void)state;
    ks_intern t;
    ks_intern_init(&t, NULL);
    const char *e1 = ks_intern_get(&t, "", 0);
    const char *e2 = ks_intern_get(&t, "ignored", 0);
    assert_non_null(e1);
    assert_ptr_equal(e1, e2);
    assert_string_equal(e1, "");

    const char *z1 = ks_intern_get(&t, "a\0b", 3);
    const char *z2 = ks_intern_get(&t, "a\0c", 3);
    const char *z3 = ks_intern_get(&t, "a", 1);
    assert_ptr_not_equal(z1, z2);
    assert_ptr_not_equal(z1, z3);
    assert_memory_equal(z1, "a\0b\0", 4);
    assert_memory_equal(z2, "a\0c\0", 4);
    assert_ptr_equal(ks_intern_get(&t, "a\0b", 3), z1);
    assert_int_equal(ks_intern_count(&t), 4);
    ks_intern_free(&t);
}

static void test_many_strings_stay_valid(void **state)
{
    (void)state;
    enum { N = 20000 };
    static const char *ptrs[N];
    static KS_MEM_ACCOUNT(acct, "test-intern");
    ks_intern t;
    ks_intern_init(&t, &acct);
    char tmp[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(tmp, sizeof(tmp), "name-%d", i);
        ptrs[i] = ks_intern_get(&t, tmp, (size_t)n);
        assert_non_null(ptrs[i]);
    }
    assert_int_equal(ks_intern_count(&t), N);
    assert_true(ks_mem_current(&acct) > 0); /* copies charged to the account */
    /* Growth of the table moved no copy: old pointers still canonical. */
    for (int i = 0; i < N; i++) {
        int n = snprintf(tmp, sizeof(tmp), "name-%d", i);
        assert_string_equal(ptrs[i], tmp);
        assert_ptr_equal(ks_intern_get(&t, tmp, (size_t)n), ptrs[i]);
        assert_ptr_equal(ks_intern_find(&t, tmp, (size_t)n), ptrs[i]);
    }
    assert_int_equal(ks_intern_count(&t), N);
    ks_intern_free(&t);
    assert_int_equal(ks_mem_current(&acct), 0);
}

static void test_tables_are_independent(void **state)
{
    (void)state;
    ks_intern t1, t2;
    ks_intern_init(&t1, NULL);
    ks_intern_init(&t2, NULL);
    const char *p1 = ks_intern_get(&t1, "kind", 4);
    assert_null(ks_intern_find(&t2, "kind", 4));
    const char *p2 = ks_intern_get(&t2, "kind", 4);
    assert_ptr_not_equal(p1, p2);
    ks_intern_free(&t1);
    assert_string_equal(p2, "kind");
    ks_intern_free(&t2);

    /* A freed table can be used again. */
    ks_intern_init(&t1, NULL);
    assert_string_equal(ks_intern_get(&t1, "x", 1), "x");
    ks_intern_free(&t1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_same_pointer_for_equal_strings),
            cmocka_unit_test(test_find),
            cmocka_unit_test(test_empty_and_binary_strings),
            cmocka_unit_test(test_many_strings_stay_valid),
            cmocka_unit_test(test_tables_are_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
