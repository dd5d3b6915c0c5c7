/* Unit tests for core/error: codes, details and their formatting. */
#include "testutil.h"

#include <string.h>

#include "core/error.h"

static char *formatted(const ks_error *e)
{
    ks_buf b = KS_BUF_INIT;
    ks_error_format(e, &b);
    return ks_buf_detach(&b, NULL);
}

static void assert_format(const ks_error *e, const char *want)
{
    char *s = formatted(e);
    assert_string_equal(s, want);
    ks_xfree(s);
}

static void test_strerror_names(void **state)
{
    (void)state;
    assert_string_equal(ks_strerror(KS_OK), "success");
    assert_string_equal(ks_strerror(KS_EPARSE), "parse error");
    assert_string_equal(ks_strerror(KS_ENOENT), "not found");
    assert_string_equal(ks_strerror(KS_ELIMIT), "limit exceeded");
    assert_string_equal(ks_strerror(12345), "unknown error");
    /* Every code has its own name. */
    const int codes[] = {KS_OK,     KS_ENOMEM, KS_EINVAL, KS_EIO,    KS_ENOENT,       KS_EPARSE,
                         KS_ELIMIT, KS_ETYPE,  KS_ERANGE, KS_EEXIST, KS_EUNSUPPORTED, KS_EUSAGE};
    size_t n = sizeof(codes) / sizeof(codes[0]);
    for (size_t i = 0; i < n; i++) {
        assert_true(codes[i] <= 0);
        assert_string_not_equal(ks_strerror(codes[i]), "unknown error");
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(ks_strerror(codes[i]), ks_strerror(codes[j]));
        }
    }
}

static void test_set_fills_and_returns_code(void **state)
{
    (void)state;
    ks_error e;
    memset(&e, 0x5a, sizeof(e)); /* garbage from an earlier use */
    assert_int_equal(ks_error_set(&e, KS_EINVAL, "bad %s %d", "thing", 7), KS_EINVAL);
    assert_int_equal(e.code, KS_EINVAL);
    assert_string_equal(e.msg, "bad thing 7");
    assert_string_equal(e.source, "");
    assert_int_equal(e.line, 0);
    assert_int_equal(e.col, 0);
    assert_int_equal(e.offset, 0);
    assert_format(&e, "bad thing 7");

    /* A NULL detail is allowed: the code still comes back. */
    assert_int_equal(ks_error_set(NULL, KS_EIO, "x"), KS_EIO);
    assert_int_equal(ks_error_at(NULL, KS_EPARSE, "f", 1, 2, 3, "x"), KS_EPARSE);
    assert_int_equal(ks_error_source(NULL, "f"), 0);
}

static void test_at_formats_source_line_col(void **state)
{
    (void)state;
    ks_error e;
    assert_int_equal(ks_error_at(&e, KS_EPARSE, "deploy.yaml", 12, 5, 301, "unexpected '%c'", '}'),
                     KS_EPARSE);
    assert_string_equal(e.source, "deploy.yaml");
    assert_int_equal(e.line, 12);
    assert_int_equal(e.col, 5);
    assert_int_equal(e.offset, 301);
    assert_format(&e, "deploy.yaml:12:5: unexpected '}'");
}

static void test_format_leaves_out_unknown_parts(void **state)
{
    (void)state;
    ks_error e;
    ks_error_at(&e, KS_EPARSE, "in.json", 3, 0, 0, "oops");
    assert_format(&e, "in.json:3: oops");
    ks_error_at(&e, KS_EPARSE, NULL, 3, 9, 0, "oops");
    assert_format(&e, "3:9: oops");
    ks_error_at(&e, KS_EIO, "in.json", 0, 0, 0, "cannot open");
    assert_format(&e, "in.json: cannot open");
    ks_error_at(&e, KS_EIO, "in.json", 0, 4, 0, "no line"); /* col without line */
    assert_format(&e, "in.json: no line");
    ks_error_at(&e, KS_EIO, "", 0, 0, 0, "plain");
    assert_format(&e, "plain");
}

static void test_format_without_message_uses_code_name(void **state)
{
    (void)state;
    ks_error e;
    ks_error_clear(&e);
    e.code = KS_ENOENT;
    assert_format(&e, "not found");
    ks_error_at(&e, KS_ELIMIT, "big.json", 0, 0, 0, "%s", "");
    assert_format(&e, "big.json: limit exceeded");
}

static void test_format_appends(void **state)
{
    (void)state;
    ks_error e;
    ks_error_at(&e, KS_EPARSE, "a", 1, 1, 0, "m");
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "error: ");
    ks_error_format(&e, &b);
    assert_string_equal(b.data, "error: a:1:1: m");
    ks_buf_free(&b);
}

static void test_source_only_when_unset(void **state)
{
    (void)state;
    ks_error e;
    ks_error_set(&e, KS_EPARSE, "bad");
    assert_int_equal(ks_error_source(&e, "first.yaml"), KS_EPARSE);
    assert_string_equal(e.source, "first.yaml");
    assert_int_equal(ks_error_source(&e, "second.yaml"), KS_EPARSE);
    assert_string_equal(e.source, "first.yaml");
    assert_int_equal(ks_error_source(&e, NULL), KS_EPARSE);
    assert_string_equal(e.source, "first.yaml");
}

static void test_truncation(void **state)
{
    (void)state;
    char longsrc[1000];
    memset(longsrc, 's', sizeof(longsrc) - 1);
    longsrc[sizeof(longsrc) - 1] = '\0';
    ks_error e;
    ks_error_at(&e, KS_EPARSE, longsrc, 1, 1, 0, "%0900d", 5);
    assert_int_equal(strlen(e.source), sizeof(e.source) - 1);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
    assert_int_equal(e.msg[sizeof(e.msg) - 2], '0');

    ks_error_set(&e, KS_EPARSE, "m");
    ks_error_source(&e, longsrc);
    assert_int_equal(strlen(e.source), sizeof(e.source) - 1);
}

static void test_clear_and_copy(void **state)
{
    (void)state;
    ks_error e;
    ks_error_at(&e, KS_EIO, "x", 1, 2, 3, "m");
    ks_error copy = e; /* a plain value */
    ks_error_clear(&e);
    assert_int_equal(e.code, 0);
    assert_string_equal(e.msg, "");
    assert_string_equal(e.source, "");
    assert_format(&copy, "x:1:2: m");
    ks_error_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_strerror_names),
            cmocka_unit_test(test_set_fills_and_returns_code),
            cmocka_unit_test(test_at_formats_source_line_col),
            cmocka_unit_test(test_format_leaves_out_unknown_parts),
            cmocka_unit_test(test_format_without_message_uses_code_name),
            cmocka_unit_test(test_format_appends),
            cmocka_unit_test(test_source_only_when_unset),
            cmocka_unit_test(test_truncation),
            cmocka_unit_test(test_clear_and_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
