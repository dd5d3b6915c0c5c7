/* Unit tests for core/vec: the growable vector macros. */
#include "testutil.h"

#include <string.h>

#include "core/mem.h"
#include "core/vec.h"

static void test_push_pop_last(void **state)
{
    (void)state;
    size_t heap0 = ks_mem_current(&ks_mem_heap);
    KS_VEC(int) v = {0};
    assert_int_equal(v.len, 0);
    for (int i = 0; i < 10000; i++) {
        ks_vec_push(&v, i * 3);
        assert_int_equal(v.len, (size_t)i + 1);
        assert_true(v.cap >= v.len);
        assert_int_equal(ks_vec_last(&v), i * 3);
    }
    for (int i = 0; i < 10000; i++)
        assert_int_equal(v.v[i], i * 3);
    assert_true(ks_mem_current(&ks_mem_heap) >= heap0 + 10000 * sizeof(int));
    for (int i = 9999; i >= 0; i--)
        assert_int_equal(ks_vec_pop(&v), i * 3);
    assert_int_equal(v.len, 0);
    /* Capacity stays after popping; pushing again reuses it. */
    size_t cap = v.cap;
    int *data = v.v;
    ks_vec_push(&v, 7);
    assert_ptr_equal(v.v, data);
    assert_int_equal(v.cap, cap);
    ks_vec_free(&v);
    assert_null(v.v);
    assert_int_equal(v.len, 0);
    assert_int_equal(v.cap, 0);
    assert_int_equal(ks_mem_current(&ks_mem_heap), heap0);
    ks_vec_free(&v); /* twice is fine */
}

struct point {
    double x, y;
    const char *name;
};

static void test_struct_elements(void **state)
{
    (void)state;
    KS_VEC(struct point) v = {0};
    for (int i = 0; i < 100; i++)
        ks_vec_push(&v, ((struct point){.x = i, .y = -i, .name = "p"}));
    assert_int_equal(v.len, 100);
    assert_true(v.v[42].x == 42.0 && v.v[42].y == -42.0);
    struct point last = ks_vec_pop(&v);
    assert_true(last.x == 99.0);
    assert_string_equal(last.name, "p");
    ks_vec_free(&v);
}

static void test_reserve(void **state)
{
    (void)state;
    KS_VEC(char) v = {0};
    ks_vec_reserve(&v, 1000);
    assert_true(v.cap >= 1000);
    assert_int_equal(v.len, 0);
    char *data = v.v;
    for (int i = 0; i < 1000; i++)
        ks_vec_push(&v, (char)i);
    assert_ptr_equal(v.v, data); /* no reallocation within the reservation */
    /* Reserving relative to the length. */
    ks_vec_reserve(&v, 500);
    assert_true(v.cap >= 1500);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v.v[i], (char)i);
    ks_vec_reserve(&v, 0); /* nothing to do */
    ks_vec_free(&v);
}

static void test_macro_arguments_evaluated_once(void **state)
{
    (void)state;
    KS_VEC(int) v = {0};
    int i = 0;
    ks_vec_push(&v, i++);
    ks_vec_push(&v, i++);
    assert_int_equal(i, 2);
    assert_int_equal(v.v[0], 0);
    assert_int_equal(v.v[1], 1);
    ks_vec_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_push_pop_last),
            cmocka_unit_test(test_struct_elements),
            cmocka_unit_test(test_reserve),
            cmocka_unit_test(test_macro_arguments_evaluated_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
