/* Go's strconv.Quote, QuoteToASCII, QuoteRune and IsPrint: the expected
 * texts are what Go 1.22 prints for fmt.Sprintf("%q"), "%+q" and
 * strconv.QuoteRune. */
#include <string.h>

#include "core/goquote.h"
#include "testutil.h"

static void expect(const char *s, size_t n, char quote, bool ascii, const char *want)
{
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(ks_go_quote(&b, s, n, quote, ascii), 0);
    assert_string_equal(ks_buf_cstr(&b), want);
    ks_buf_free(&b);
}

static void test_quote(void **state)
{
    (void)state;
    expect("abc", 3, '"', false, "\"abc\"");
    expect("a\"b\\c", 5, '"', false, "\"a\\\"b\\\\c\"");
    expect("\x00\x7f", 2, '"', false, "\"\\x00\\x7f\"");
    expect("\a\b\f\n\r\t\v", 7, '"', false, "\"\\a\\b\\f\\n\\r\\t\\v\"");
    expect("h\xc3\xa9llo", 6, '"', false, "\"h\xc3\xa9llo\"");
    expect("h\xc3\xa9llo", 6, '"', true, "\"h\\u00e9llo\"");
    expect("\xe2\x80\x8b", 3, '"', false, "\"\\u200b\""); /* zero width space: not printable */
    expect("\xee\x80\x80", 3, '"', false, "\"\\ue000\""); /* private use */
    expect("\xf0\x9f\x98\x80", 4, '"', false, "\"\xf0\x9f\x98\x80\"");
    expect("\xf0\x9f\x98\x80", 4, '"', true, "\"\\U0001f600\"");
    expect("\xff"
           "a",
           2, '"', false, "\"\\xffa\"");                 /* an invalid byte */
    expect("\xe2\x80", 2, '"', false, "\"\\xe2\\x80\""); /* a truncated sequence */
    expect("'", 1, '\'', false, "'\\''");
    expect("\"", 1, '\'', false, "'\"'");
    expect("", 0, '"', false, "\"\"");
}

static void test_is_print(void **state)
{
    (void)state;
    assert_true(ks_go_is_print(' '));
    assert_true(ks_go_is_print('~'));
    assert_false(ks_go_is_print(0x7f));
    assert_false(ks_go_is_print(0xA0)); /* no-break space: not printable in Go */
    assert_true(ks_go_is_print(0xE9));
    assert_false(ks_go_is_print(0xAD)); /* soft hyphen */
    assert_true(ks_go_is_print(0x1F600));
    assert_false(ks_go_is_print(0x10FFFF));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_quote),
            cmocka_unit_test(test_is_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
