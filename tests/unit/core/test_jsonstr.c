/* Unit tests for core/jsonstr: quoting must match Go's encoding/json byte for
 * byte (json.Marshal of a string, with SetEscapeHTML(false) unless the HTML
 * flag is given). Expected strings are what Go produces. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/jsonstr.h"

static void check_quote(const char *in, size_t n, unsigned flags, const char *want)
{
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(ks_json_quote(&b, in, n, flags), 0);
    if (strcmp(ks_buf_cstr(&b), want) != 0)
        fail_msg("quote of %zu bytes (flags %u)\n   got: %s\n  want: %s", n, flags, ks_buf_cstr(&b),
                 want);
    assert_int_equal(b.len, strlen(want));
    ks_buf_free(&b);
}

#define Q(lit, flags, want) check_quote((lit), sizeof(lit) - 1, (flags), (want))

static void test_plain_and_specials(void **state)
{
    (void)state;
    Q("", 0, "\"\"");
    Q("hello, world", 0, "\"hello, world\"");
    Q("a\"b\\c", 0, "\"a\\\"b\\\\c\"");
    Q("/path/to", 0, "\"/path/to\""); /* '/' is not escaped */
    Q("\x7f", 0, "\"\x7f\"");         /* DEL is not a control for JSON */
    Q("'single'", 0, "\"'single'\"");
}

static void test_short_escapes(void **state)
{
    (void)state;
    Q("\b\f\n\r\t", 0, "\"\\b\\f\\n\\r\\t\"");
    Q("line1\nline2", 0, "\"line1\\nline2\"");
}

static void test_other_controls_as_u00xx(void **state)
{
    (void)state;
    Q("\x00", 0, "\"\\u0000\"");
    Q("a\x00z", 0, "\"a\\u0000z\"");
    Q("\x01\x07\x0b\x0e\x1b\x1f", 0, "\"\\u0001\\u0007\\u000b\\u000e\\u001b\\u001f\"");

    /* Every ASCII byte on its own, against the rule. */
    for (unsigned c = 0; c < 0x80; c++) {
        char in[1] = {(char)c};
        char want[16];
        switch (c) {
        case '"': snprintf(want, sizeof(want), "\"\\\"\""); break;
        case '\\': snprintf(want, sizeof(want), "\"\\\\\""); break;
        case '\b': snprintf(want, sizeof(want), "\"\\b\""); break;
        case '\f': snprintf(want, sizeof(want), "\"\\f\""); break;
        case '\n': snprintf(want, sizeof(want), "\"\\n\""); break;
        case '\r': snprintf(want, sizeof(want), "\"\\r\""); break;
        case '\t': snprintf(want, sizeof(want), "\"\\t\""); break;
        default:
            if (c < 0x20)
                snprintf(want, sizeof(want), "\"\\u%04x\"", c);
            else
                snprintf(want, sizeof(want), "\"%c\"", (char)c);
        }
        check_quote(in, 1, 0, want);
    }
}

static void test_line_separators(void **state)
{
    (void)state;
    Q("\xE2\x80\xA8", 0, "\"\\u2028\"");
    Q("a\xE2\x80\xA9z", 0, "\"a\\u2029z\"");
    Q("\xE2\x80\xA8", KS_JSON_ESCAPE_HTML, "\"\\u2028\"");
    /* Neighbours are copied as they are. */
    Q("\xE2\x80\xA7\xE2\x80\xAA", 0, "\"\xE2\x80\xA7\xE2\x80\xAA\"");
}

static void test_valid_utf8_copied(void **state)
{
    (void)state;
    Q("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF", 0,
      "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"");
    /* A literal U+FFFD is valid and kept. */
    Q("\xEF\xBF\xBD", 0, "\"\xEF\xBF\xBD\"");
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    /* Go replaces each byte that does not start a valid sequence. */
    Q("\xFF", 0, "\"\\ufffd\"");
    Q("a\xFF"
      "b",
      0, "\"a\\ufffdb\"");
    Q("\x80", 0, "\"\\ufffd\"");
    Q("\xC0\x80", 0, "\"\\ufffd\\ufffd\"");
    Q("\xED\xA0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\"");
    Q("\xF4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    Q("\xE2\x82", 0, "\"\\ufffd\\ufffd\"");
    Q("\xE2\x82z", 0, "\"\\ufffd\\ufffdz\"");
    Q("\xF0\x9F\x98", 0, "\"\\ufffd\\ufffd\\ufffd\"");
    Q("\xC3\xA9\xC3", 0, "\"\xC3\xA9\\ufffd\"");
    Q("\xE2\x82\xAC\xAC", 0, "\"\xE2\x82\xAC\\ufffd\"");
}

static void test_html_only_with_flag(void **state)
{
    (void)state;
    const char *html = "<a href=\"x\">&amp;</a>";
    check_quote(html, strlen(html), 0, "\"<a href=\\\"x\\\">&amp;</a>\"");
    check_quote(html, strlen(html), KS_JSON_ESCAPE_HTML,
                "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\"");
    /* The flag changes nothing else. */
    Q("\t\xFF\xC3\xA9", KS_JSON_ESCAPE_HTML, "\"\\t\\ufffd\xC3\xA9\"");
    Q("'=+", KS_JSON_ESCAPE_HTML, "\"'=+\"");
}

static void test_appends_and_grows(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "{\"k\":");
    ks_json_quote(&b, "v", 1, 0);
    ks_buf_putc(&b, '}');
    assert_string_equal(b.data, "{\"k\":\"v\"}");
    ks_buf_free(&b);

    /* Worst case: six output bytes per input byte. */
    enum { N = 10000 };
    static char in[N];
    memset(in, 0x01, N);
    assert_int_equal(ks_json_quote(&b, in, N, 0), 0);
    assert_int_equal(b.len, 6 * N + 2);
    assert_memory_equal(b.data + 1, "\\u0001\\u0001", 12);
    assert_memory_equal(b.data + b.len - 7, "\\u0001\"", 7);
    ks_buf_free(&b);
}

/* Strings with every kind of byte at every offset of an eight-byte word,
 * against a byte-at-a-time reference. */
static void reference(ks_buf *b, const unsigned char *s, size_t n)
{
    ks_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\')
            ks_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            ks_buf_puts(b, "\\n");
        else if (c == '\t')
            ks_buf_puts(b, "\\t");
        else if (c == '\r')
            ks_buf_puts(b, "\\r");
        else if (c == '\b')
            ks_buf_puts(b, "\\b");
        else if (c == '\f')
            ks_buf_puts(b, "\\f");
        else if (c < 0x20)
            ks_buf_printf(b, "\\u%04x", c);
        else if (c >= 0x80)
            ks_buf_puts(b, "\\ufffd"); /* a lone byte is not UTF-8 */
        else
            ks_buf_putc(b, (char)c);
    }
    ks_buf_putc(b, '"');
}

static void test_every_byte_every_offset(void **state)
{
    (void)state;
    unsigned char s[40];
    ks_buf got = KS_BUF_INIT, want = KS_BUF_INIT;
    for (unsigned c = 0; c < 256; c++) {
        for (size_t at = 0; at < sizeof(s); at++) {
            memset(s, 'a', sizeof(s));
            s[at] = (unsigned char)c;
            for (size_t n = at + 1; n <= sizeof(s); n += 7) {
                ks_buf_reset(&got);
                ks_buf_reset(&want);
                assert_int_equal(ks_json_quote(&got, (const char *)s, n, 0), 0);
                reference(&want, s, n);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.data, want.data, got.len);
            }
        }
    }
    ks_buf_free(&got);
    ks_buf_free(&want);
}

static void test_buffer_limit_reported(void **state)
{
    (void)state;
    ks_buf b;
    ks_buf_init(&b, 8);
    assert_int_equal(ks_json_quote(&b, "0123456789", 10, 0), KS_ELIMIT);
    ks_buf_free(&b);
    ks_buf_init(&b, 8);
    /* Short input that only grows past the maximum through escaping. */
    assert_int_equal(ks_json_quote(&b, "\x01\x02", 2, 0), KS_ELIMIT);
    assert_true(b.len <= 8);
    ks_buf_free(&b);
    ks_buf_init(&b, 8);
    assert_int_equal(ks_json_quote(&b, "abcdef", 6, 0), 0); /* exactly 8 */
    assert_string_equal(b.data, "\"abcdef\"");
    ks_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_plain_and_specials),
            cmocka_unit_test(test_short_escapes),
            cmocka_unit_test(test_other_controls_as_u00xx),
            cmocka_unit_test(test_line_separators),
            cmocka_unit_test(test_valid_utf8_copied),
            cmocka_unit_test(test_invalid_utf8_replaced),
            cmocka_unit_test(test_html_only_with_flag),
            cmocka_unit_test(test_appends_and_grows),
            cmocka_unit_test(test_buffer_limit_reported),
            cmocka_unit_test(test_every_byte_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
