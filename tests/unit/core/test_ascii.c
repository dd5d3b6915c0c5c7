/*
 * core/ascii.h: hexadecimal digits and comma-separated lists.
 */
#include <stdio.h>
#include <string.h>

#include "core/ascii.h"
#include "testutil.h"

static void test_hexval(void **state)
{
    (void)state;
    assert_int_equal(ks_hexval('0'), 0);
    assert_int_equal(ks_hexval('9'), 9);
    assert_int_equal(ks_hexval('a'), 10);
    assert_int_equal(ks_hexval('F'), 15);
    assert_int_equal(ks_hexval('g'), -1);
    assert_int_equal(ks_hexval(' '), -1);
}

/* Items of list, joined with '|' ("<>" for an empty one). */
static void items(const char *list, char *out, size_t cap)
{
    size_t n, k = 0;
    out[0] = '\0';
    for (const char *p = list, *it; ks_list_next(&p, &it, &n);) {
        if (n)
            k += (size_t)snprintf(out + k, cap - k, "%s%.*s", k ? "|" : "", (int)n, it);
        else
            k += (size_t)snprintf(out + k, cap - k, "%s<>", k ? "|" : "");
        assert_true(k < cap);
    }
}

static void test_list_next(void **state)
{
    (void)state;
    char out[128];
    items("a,b", out, sizeof out);
    assert_string_equal(out, "a|b");
    items("  kube-system , default ,x", out, sizeof out);
    assert_string_equal(out, "kube-system|default|x");
    items("a,,b, ,", out, sizeof out);
    assert_string_equal(out, "a|<>|b|<>");
    items("", out, sizeof out);
    assert_string_equal(out, "");
    items("   ", out, sizeof out);
    assert_string_equal(out, "<>");
    items(NULL, out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hexval),
            cmocka_unit_test(test_list_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
