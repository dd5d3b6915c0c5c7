/* Unit tests for core/buf: growth, maximum, sticky errors, detach. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"

static void test_empty_buffer(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(b.len, 0);
    assert_string_equal(ks_buf_cstr(&b), "");
    ks_buf_free(&b); /* freeing an unused buffer is fine */
    ks_buf_init(&b, 10);
    assert_int_equal(b.max, 10);
    assert_string_equal(ks_buf_cstr(&b), "");
    ks_buf_free(&b);
}

static void test_append_keeps_nul_and_embedded_nuls(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(ks_buf_puts(&b, "abc"), 0);
    assert_int_equal(ks_buf_append(&b, "\0def", 4), 0);
    assert_int_equal(ks_buf_putc(&b, 'g'), 0);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "abc\0defg", 9); /* NUL after len */
    assert_int_equal(ks_buf_append(&b, NULL, 0), 0);
    assert_int_equal(b.len, 8);
    ks_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_growth_many_appends(void **state)
{
    (void)state;
    size_t heap0 = ks_mem_current(&ks_mem_heap);
    ks_buf b = KS_BUF_INIT;
    for (int i = 0; i < 100000; i++)
        assert_int_equal(ks_buf_putc(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap > b.len);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    assert_int_equal(b.data[b.len], '\0');
    assert_true(ks_mem_current(&ks_mem_heap) >= heap0 + 100000);
    ks_buf_free(&b);
    assert_int_equal(ks_mem_current(&ks_mem_heap), heap0);
}

static void test_printf_small_and_large(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(ks_buf_printf(&b, "%d-%s-%c", 42, "x", 'y'), 0);
    assert_string_equal(b.data, "42-x-y");

    /* Around the 256-byte boundary of the first formatting attempt and
     * much larger, appended to existing content. */
    const size_t sizes[] = {254, 255, 256, 257, 1000, 70000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        ks_buf_reset(&b);
        ks_buf_puts(&b, "pre:");
        assert_int_equal(ks_buf_printf(&b, "%*s|%zu", (int)sizes[k], "r", sizes[k]), 0);
        char tail[32];
        int tn = snprintf(tail, sizeof(tail), "|%zu", sizes[k]);
        assert_int_equal(b.len, 4 + sizes[k] + (size_t)tn);
        assert_memory_equal(b.data, "pre:", 4);
        assert_int_equal(b.data[4 + sizes[k] - 1], 'r');
        assert_int_equal(b.data[4], sizes[k] > 1 ? ' ' : 'r');
        assert_string_equal(b.data + 4 + sizes[k], tail);
        assert_int_equal(strlen(b.data), b.len);
    }
    ks_buf_free(&b);
}

static void test_max_exact_fit_then_sticky_error(void **state)
{
    (void)state;
    ks_buf b;
    ks_buf_init(&b, 10);
    assert_int_equal(ks_buf_puts(&b, "0123456789"), 0); /* len == max is allowed */
    assert_int_equal(b.len, 10);
    assert_int_equal(ks_buf_putc(&b, 'x'), KS_ELIMIT);
    assert_int_equal(b.err, KS_ELIMIT);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");

    /* Sticky: nothing is appended any more, even what would fit. */
    ks_buf_truncate(&b, 5);
    assert_int_equal(ks_buf_puts(&b, "ab"), KS_ELIMIT);
    assert_int_equal(ks_buf_putc(&b, 'c'), KS_ELIMIT);
    assert_int_equal(ks_buf_printf(&b, "%d", 1), KS_ELIMIT);
    assert_int_equal(ks_buf_fill(&b, 'z', 1), KS_ELIMIT);
    assert_int_equal(ks_buf_reserve(&b, 0), KS_ELIMIT);
    assert_string_equal(b.data, "01234");

    /* Reset clears the error and keeps the maximum. */
    ks_buf_reset(&b);
    assert_int_equal(b.err, 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(ks_buf_cstr(&b), "");
    assert_int_equal(ks_buf_puts(&b, "abc"), 0);
    assert_int_equal(ks_buf_puts(&b, "0123456789"), KS_ELIMIT);
    assert_string_equal(b.data, "abc");
    ks_buf_free(&b);
    /* free keeps the maximum too */
    assert_int_equal(b.max, 10);
    assert_int_equal(b.err, 0);
    ks_buf_free(&b);
}

static void test_putc_respects_max(void **state)
{
    (void)state;
    /* putc's inline fast path must stop at the maximum like append. */
    const size_t maxes[] = {1, 10, 63, 64, 65, 100, 1000};
    for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
        ks_buf b;
        ks_buf_init(&b, maxes[k]);
        for (size_t i = 0; i < maxes[k]; i++)
            assert_int_equal(ks_buf_putc(&b, 'p'), 0);
        assert_int_equal(ks_buf_putc(&b, 'p'), KS_ELIMIT);
        assert_int_equal(b.len, maxes[k]);
        assert_int_equal(strlen(b.data), maxes[k]);
        ks_buf_free(&b);

        /* Also after room was reserved up front. */
        ks_buf_init(&b, maxes[k]);
        assert_int_equal(ks_buf_reserve(&b, maxes[k]), 0);
        ks_buf_fill(&b, 'f', maxes[k]);
        assert_int_equal(ks_buf_putc(&b, 'p'), KS_ELIMIT);
        assert_int_equal(b.len, maxes[k]);
        ks_buf_free(&b);
    }
}

static void test_max_with_printf_and_fill(void **state)
{
    (void)state;
    ks_buf b;
    ks_buf_init(&b, 300);
    assert_int_equal(ks_buf_printf(&b, "%300s", "x"), 0);
    assert_int_equal(b.len, 300);
    ks_buf_free(&b);

    ks_buf_init(&b, 300);
    assert_int_equal(ks_buf_printf(&b, "%301s", "x"), KS_ELIMIT);
    assert_int_equal(b.len, 0);
    ks_buf_free(&b);

    ks_buf_init(&b, 20);
    assert_int_equal(ks_buf_printf(&b, "%25d", 7), KS_ELIMIT); /* short path */
    assert_int_equal(b.len, 0);
    ks_buf_free(&b);

    ks_buf_init(&b, 8);
    assert_int_equal(ks_buf_fill(&b, '-', 8), 0);
    assert_string_equal(b.data, "--------");
    assert_int_equal(ks_buf_fill(&b, '-', 1), KS_ELIMIT);
    ks_buf_free(&b);
}

static void test_reserve_overflow(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "abc");
    assert_int_equal(ks_buf_reserve(&b, SIZE_MAX), KS_ELIMIT);
    assert_int_equal(ks_buf_reserve(&b, SIZE_MAX - 2), KS_ELIMIT);
    assert_int_equal(b.err, KS_ELIMIT);
    assert_string_equal(b.data, "abc");
    ks_buf_free(&b);

    ks_buf_init(&b, 0);
    assert_int_equal(ks_buf_reserve(&b, 1000), 0);
    assert_true(b.cap >= 1001);
    assert_int_equal(b.len, 0);
    char *before = b.data;
    for (int i = 0; i < 1000; i++)
        ks_buf_putc(&b, 'q');
    assert_ptr_equal(b.data, before); /* reserved room needs no regrowth */
    ks_buf_free(&b);
}

static void test_fill_truncate(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(ks_buf_fill(&b, 'x', 0), 0);
    assert_int_equal(ks_buf_fill(&b, 'x', 3), 0);
    ks_buf_puts(&b, "yz");
    assert_string_equal(b.data, "xxxyz");
    ks_buf_truncate(&b, 10); /* longer than len: nothing happens */
    assert_string_equal(b.data, "xxxyz");
    ks_buf_truncate(&b, 2);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "xx");
    ks_buf_truncate(&b, 0);
    assert_string_equal(ks_buf_cstr(&b), "");
    ks_buf_free(&b);

    ks_buf_truncate(&b, 0); /* on an empty, never-allocated buffer */
    assert_int_equal(b.len, 0);
}

static void test_detach(void **state)
{
    (void)state;
    size_t heap0 = ks_mem_current(&ks_mem_heap);
    ks_buf b;
    ks_buf_init(&b, 100);
    ks_buf_puts(&b, "hello");
    size_t len = 0;
    char *s = ks_buf_detach(&b, &len);
    assert_int_equal(len, 5);
    assert_string_equal(s, "hello");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);

    /* The buffer is usable again and independent of the detached string. */
    ks_buf_puts(&b, "again");
    assert_string_equal(s, "hello");
    assert_string_equal(b.data, "again");
    ks_xfree(s);
    ks_buf_free(&b);

    /* Detaching an empty buffer gives an empty heap string. */
    s = ks_buf_detach(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 0);
    assert_string_equal(s, "");
    ks_xfree(s);
    s = ks_buf_detach(&b, NULL);
    ks_xfree(s);
    assert_int_equal(ks_mem_current(&ks_mem_heap), heap0);
}

static void test_detach_clears_error(void **state)
{
    (void)state;
    ks_buf b;
    ks_buf_init(&b, 2);
    ks_buf_puts(&b, "abc");
    assert_int_equal(b.err, KS_ELIMIT);
    char *s = ks_buf_detach(&b, NULL);
    assert_int_equal(b.err, 0);
    assert_int_equal(ks_buf_puts(&b, "ab"), 0);
    ks_xfree(s);
    ks_buf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    ks_buf_fill(&b, 'a', 5000);
    char *data = b.data;
    size_t cap = b.cap;
    ks_buf_reset(&b);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    ks_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_empty_buffer),
            cmocka_unit_test(test_append_keeps_nul_and_embedded_nuls),
            cmocka_unit_test(test_growth_many_appends),
            cmocka_unit_test(test_printf_small_and_large),
            cmocka_unit_test(test_max_exact_fit_then_sticky_error),
            cmocka_unit_test(test_putc_respects_max),
            cmocka_unit_test(test_max_with_printf_and_fill),
            cmocka_unit_test(test_reserve_overflow),
            cmocka_unit_test(test_fill_truncate),
            cmocka_unit_test(test_detach),
            cmocka_unit_test(test_detach_clears_error),
            cmocka_unit_test(test_reset_keeps_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
