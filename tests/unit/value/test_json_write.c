/* JSON writer: compact, pretty and canonical forms, Go encoding/json string
 * escaping, sets and non-string keys, limits. Expected texts were checked
 * against Go's json.Marshal / json.MarshalIndent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void expect_write(const kv_value *v, unsigned flags, const char *want)
{
    char *got = tu_to_json(v, flags);
    if (strcmp(got, want) != 0)
        fail_msg("flags 0x%x:\n  want %s\n  got  %s", flags, want, got);
    ks_xfree(got);
}

static const char *doc_src = "{\"kind\":\"List\",\"items\":[{\"a\":[],\"b\":{},\"c\":[1,[2,[]],"
                             "{\"d\":null}],\"e\":\"x<y>&z\\u2028\\u2029\\u0001\\u007f/\"}],"
                             "\"n\":-1.5e-7,\"t\":true}";

static void test_compact(void **state)
{
    kv_value v = tu_json(*state, doc_src);
    expect_write(&v, 0,
                 "{\"items\":[{\"a\":[],\"b\":{},\"c\":[1,[2,[]],{\"d\":null}],\"e\":\"x<y>&z"
                 "\\u2028\\u2029\\u0001\x7f/\"}],\"kind\":\"List\",\"n\":-1.5e-7,\"t\":true}");
    expect_write(&v, KV_JSON_ESCAPE_HTML,
                 "{\"items\":[{\"a\":[],\"b\":{},\"c\":[1,[2,[]],{\"d\":null}],\"e\":\"x\\u003cy"
                 "\\u003e\\u0026z\\u2028\\u2029\\u0001\x7f/\"}],\"kind\":\"List\",\"n\":-1.5e-"
                 "7,\"t\":true}");
    kv_value s = tu_json(*state, "[null,true,false,0,\"\"]");
    expect_write(&s, 0, "[null,true,false,0,\"\"]");
}

static void test_pretty(void **state)
{
    kv_value v = tu_json(*state, doc_src);
    expect_write(&v, KV_JSON_PRETTY | KV_JSON_ESCAPE_HTML,
                 "{\n  \"items\": [\n    {\n      \"a\": [],\n      \"b\": {},\n      \"c\": "
                 "[\n        1,\n        [\n          2,\n          []\n        ],\n        {\n"
                 "          \"d\": null\n        }\n      ],\n      \"e\": \"x\\u003cy\\u003e"
                 "\\u0026z\\u2028\\u2029\\u0001\x7f/\"\n    }\n  ],\n  \"kind\": \"List\",\n "
                 " \"n\": -1.5e-7,\n  \"t\": true\n}");
    expect_write(&v, KV_JSON_INDENT(4) | KV_JSON_ESCAPE_HTML,
                 "{\n    \"items\": [\n        {\n            \"a\": [],\n            \"b\": {},"
                 "\n            \"c\": [\n                1,\n                [\n           "
                 "         2,\n                    []\n                ],\n                {"
                 "\n                    \"d\": null\n                }\n            ],\n     "
                 "       \"e\": \"x\\u003cy\\u003e\\u0026z\\u2028\\u2029\\u0001\x7f/\"\n     "
                 "   }\n    ],\n    \"kind\": \"List\",\n    \"n\": -1.5e-7,\n    \"t\": true\n"
                 "}");
    kv_value small = tu_json(*state, "{\"a\":[1]}");
    expect_write(&small, KV_JSON_INDENT(2), "{\n  \"a\": [\n    1\n  ]\n}");
    expect_write(&small, KV_JSON_INDENT(1), "{\n \"a\": [\n  1\n ]\n}");
    expect_write(&small, KV_JSON_INDENT(0), "{\n  \"a\": [\n    1\n  ]\n}"); /* the default */
    expect_write(&small, KV_JSON_INDENT(16),
                 "{\n                \"a\": [\n                                1\n          "
                 "      ]\n}");
    /* Past 16 the indentation is clamped. */
    expect_write(&small, KV_JSON_INDENT(40),
                 "{\n                \"a\": [\n                                1\n          "
                 "      ]\n}");
    /* Empty containers and scalars stay on one line. */
    kv_value e = tu_json(*state, "[]");
    expect_write(&e, KV_JSON_PRETTY, "[]");
    e = tu_json(*state, "{}");
    expect_write(&e, KV_JSON_PRETTY, "{}");
    e = tu_json(*state, "\"x\"");
    expect_write(&e, KV_JSON_PRETTY, "\"x\"");
    e = tu_json(*state, "[[],{}]");
    expect_write(&e, KV_JSON_PRETTY, "[\n  [],\n  {}\n]");
}

static void test_canonical(void **state)
{
    ks_arena *a = *state;
    /* Spellings of one value, members in different orders. */
    const char *texts[] = {
            "{\"b\":[1.0,2.50,1E400],\"a\":{\"y\":12345678901234567890,\"x\":-0}}",
            ("{ \"a\" : { \"x\" : 0 , \"y\" : 1.2345678901234567890e19 } , \"b\" : [ 1 , 25e-1 , "
             "10e399 ] }"),
            "{\"a\":{\"x\":-0.0,\"y\":12345678901234567890.000},\"b\":[10E-1,2.5,0.1e401]}",
    };
    const char *want = "{\"a\":{\"x\":0,\"y\":12345678901234567890},\"b\":[1,2.5,1e+400]}";
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        kv_value v = tu_json(a, texts[i]);
        expect_write(&v, KV_JSON_CANONICAL, want);
        /* Pretty is ignored: canonical is compact. */
        expect_write(&v, KV_JSON_CANONICAL | KV_JSON_PRETTY, want);
        /* Written twice: the same bytes; read back and written: the same. */
        char *one = tu_to_json(&v, KV_JSON_CANONICAL);
        char *two = tu_to_json(&v, KV_JSON_CANONICAL);
        assert_string_equal(one, two);
        kv_value back = tu_json(a, one);
        char *three = tu_to_json(&back, KV_JSON_CANONICAL);
        assert_string_equal(one, three);
        ks_xfree(one);
        ks_xfree(two);
        ks_xfree(three);
    }
    /* Without CANONICAL, decimals keep their text. */
    kv_value v = tu_json(a, texts[2]);
    expect_write(&v, 0, "{\"a\":{\"x\":0,\"y\":12345678901234567890.000},\"b\":[1,2.5,0.1e401]}");
}

static void test_string_escapes(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *in;
        size_t len;
        const char *plain, *html;
    } cases[] = {
            {"", 0, "\"\"", "\"\""},
            {"plain text", 10, "\"plain text\"", "\"plain text\""},
            {"<script>&amp;</script>", 22, "\"<script>&amp;</script>\"",
             "\"\\u003cscript\\u003e\\u0026amp;\\u003c/script\\u003e\""},
            {"quote\" back\\ slash/", 19, "\"quote\\\" back\\\\ slash/\"",
             "\"quote\\\" back\\\\ slash/\""},
            {"\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\""},
            {"\x00\x01\x1f\x7f", 4, "\"\\u0000\\u0001\\u001f\x7f\"",
             "\"\\u0000\\u0001\\u001f\x7f\""},
            {"\x0b\x1b", 2, "\"\\u000b\\u001b\"", "\"\\u000b\\u001b\""},
            {"line\xe2\x80\xa8para\xe2\x80\xa9", 14, "\"line\\u2028para\\u2029\"",
             "\"line\\u2028para\\u2029\""},
            {"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\"",
             "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\""},
            /* Bytes that are not UTF-8 become U+FFFD, one per byte, as Go does. */
            {"a\xff"
             "b",
             3, "\"a\\ufffdb\"", "\"a\\ufffdb\""},
            {"\xc0\xaf", 2, "\"\\ufffd\\ufffd\"", "\"\\ufffd\\ufffd\""},
            {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "\"\\ufffd\\ufffd\\ufffd\""},
            {"\xe6\x97", 2, "\"\\ufffd\\ufffd\"", "\"\\ufffd\\ufffd\""},
            /* U+2027 and U+202A stay as they are. */
            {"\xe2\x80\xa7\xe2\x80\xaa", 6, "\"\xe2\x80\xa7\xe2\x80\xaa\"",
             "\"\xe2\x80\xa7\xe2\x80\xaa\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_value s;
        assert_int_equal(kv_str_copy(a, cases[i].in, cases[i].len, &s), 0);
        expect_write(&s, 0, cases[i].plain);
        expect_write(&s, KV_JSON_ESCAPE_HTML, cases[i].html);
        /* As an object key too. */
        kv_member m = {s, kv_int(1)};
        kv_value o;
        assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &o, NULL), 0);
        char want[256];
        snprintf(want, sizeof(want), "{%s:1}", cases[i].plain);
        expect_write(&o, 0, want);
        /* Valid UTF-8 reads back to the same bytes. */
        char *text = tu_to_json(&s, KV_JSON_ESCAPE_HTML);
        kv_value back;
        ks_error err;
        int rc = kv_json_parse(a, text, strlen(text), NULL, &back, &err);
        assert_int_equal(rc, 0);
        if (strstr(cases[i].plain, "ufffd") == NULL)
            assert_true(kv_equal(&back, &s));
        ks_xfree(text);
    }
    /* Long strings with characters to escape at block boundaries. */
    char buf[200];
    for (size_t len = 1; len < 100; len++) {
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)('a' + i % 26);
        buf[len - 1] = '<';
        buf[len / 2] = '\n';
        kv_value s = kv_str_ref(buf, len);
        char *text = tu_to_json(&s, KV_JSON_ESCAPE_HTML);
        kv_value back = tu_json(a, text);
        assert_true(kv_equal(&back, &s));
        assert_null(strchr(text, '<'));
        ks_xfree(text);
    }
}

static void test_sets_and_keys(void **state)
{
    ks_arena *a = *state;
    kv_value items[] = {kv_str_ref("b", 1), kv_int(2), kv_str_ref("a", 1), kv_int(2)};
    kv_value set;
    assert_int_equal(kv_set_new(a, items, 4, &set), 0);
    expect_write(&set, 0, "[2,\"a\",\"b\"]");
    expect_write(&set, KV_JSON_PRETTY, "[\n  2,\n  \"a\",\n  \"b\"\n]");
    kv_value empty;
    assert_int_equal(kv_set_new(a, NULL, 0, &empty), 0);
    expect_write(&empty, 0, "[]");

    /* Non-string keys are written as their (compact) JSON text. */
    kv_value arr_key = tu_json(a, "[1,\"x\",{\"k\":[]}]");
    kv_member m[] = {
            {kv_int(1), kv_str_ref("one", 3)}, {kv_null(), kv_int(0)},
            {kv_bool(true), kv_int(1)},        {arr_key, kv_int(2)},
            {tu_json(a, "1e400"), kv_int(3)},  {set, kv_int(4)},
            {kv_str_ref("s", 1), kv_int(5)},   {tu_json(a, "0.5"), kv_int(6)},
    };
    kv_value o;
    assert_int_equal(kv_object_new(a, m, 8, KV_DUP_ERROR, &o, NULL), 0);
    expect_write(&o, 0,
                 "{\"null\":0,\"true\":1,\"0.5\":6,\"1\":\"one\",\"1e400\":3,\"s\":5,"
                 "\"[1,\\\"x\\\",{\\\"k\\\":[]}]\":2,\"[2,\\\"a\\\",\\\"b\\\"]\":4}");
    expect_write(&o, KV_JSON_PRETTY,
                 "{\n  \"null\": 0,\n  \"true\": 1,\n  \"0.5\": 6,\n  \"1\": \"one\",\n  "
                 "\"1e400\": 3,\n  \"s\": 5,\n  \"[1,\\\"x\\\",{\\\"k\\\":[]}]\": 2,\n  "
                 "\"[2,\\\"a\\\",\\\"b\\\"]\": 4\n}");
    expect_write(&o, KV_JSON_CANONICAL,
                 "{\"null\":0,\"true\":1,\"0.5\":6,\"1\":\"one\",\"1e+400\":3,\"s\":5,"
                 "\"[1,\\\"x\\\",{\\\"k\\\":[]}]\":2,\"[2,\\\"a\\\",\\\"b\\\"]\":4}");
    /* A key written as JSON text is escaped like any string. */
    kv_value html_key = tu_json(a, "[\"<\"]");
    kv_member hm = {html_key, kv_null()};
    assert_int_equal(kv_object_new(a, &hm, 1, KV_DUP_ERROR, &o, NULL), 0);
    expect_write(&o, KV_JSON_ESCAPE_HTML, "{\"[\\\"\\u003c\\\"]\":null}");
}

static void test_appends_and_limits(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(a, "{\"a\":[1,2,3],\"b\":\"0123456789\"}");
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "prefix:");
    assert_int_equal(kv_json_write(&b, &v, 0), 0);
    assert_string_equal(ks_buf_cstr(&b), "prefix:{\"a\":[1,2,3],\"b\":\"0123456789\"}");
    ks_buf_free(&b);

    /* A buffer with a maximum: KS_ELIMIT for every maximum too small. */
    size_t full = strlen("{\"a\":[1,2,3],\"b\":\"0123456789\"}");
    for (size_t max = 1; max < full + 3; max++) {
        ks_buf lim;
        ks_buf_init(&lim, max);
        int rc = kv_json_write(&lim, &v, 0);
        if (max < full) {
            if (rc != KS_ELIMIT)
                fail_msg("max %zu: rc %d", max, rc);
        } else {
            assert_int_equal(rc, 0);
        }
        ks_buf_free(&lim);
    }

    /* Nesting past the writer's bound is refused and leaves nothing. */
    kv_value deep = kv_int(1);
    for (int i = 0; i < 10005; i++) {
        kv_value inner = deep;
        assert_int_equal(kv_array_new(a, &inner, 1, &deep), 0);
    }
    ks_buf d = KS_BUF_INIT;
    ks_buf_puts(&d, "x");
    assert_int_equal(kv_json_write(&d, &deep, 0), KS_ELIMIT);
    assert_string_equal(ks_buf_cstr(&d), "x");
    /* 5000 levels are fine. */
    deep = kv_int(1);
    for (int i = 0; i < 5000; i++) {
        kv_value inner = deep;
        assert_int_equal(kv_array_new(a, &inner, 1, &deep), 0);
    }
    ks_buf_reset(&d);
    assert_int_equal(kv_json_write(&d, &deep, 0), 0);
    assert_int_equal(d.len, 10001);
    ks_buf_free(&d);
}

/* Written JSON reads back equal, in every form. */
static void test_write_read_back(void **state)
{
    ks_arena *a = *state;
    const char *texts[] = {
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
            "\"labels\":{\"app\":\"web\"},\"annotations\":{\"note\":\"multi\\nline\\ttext "
            "\\u2028 <b>\"}},\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{"
            "\"name\":\"c\",\"image\":\"nginx\",\"resources\":{\"limits\":{\"cpu\":0.5,"
            "\"memory\":134217728}}}]}}}}",
            ("[1e400,-12345678901234567890,0.1000000000000000000001,5e-324,1.7976931348623157e308,"
             "-0,9223372036854775807,-9223372036854775808]"),
            "\"\\u0000\\u001f\\ud83d\\ude00\"",
            "[[[[[]]]],{},{\"\":{\"\":[]}}]",
    };
    unsigned flags[] = {0,
                        KV_JSON_PRETTY,
                        KV_JSON_INDENT(3),
                        KV_JSON_CANONICAL,
                        KV_JSON_ESCAPE_HTML,
                        KV_JSON_PRETTY | KV_JSON_ESCAPE_HTML};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        kv_value v = tu_json(a, texts[i]);
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
            char *out = tu_to_json(&v, flags[f]);
            kv_value back = tu_json(a, out);
            if (!kv_equal(&back, &v))
                fail_msg("flags 0x%x: %s does not read back equal", flags[f], out);
            ks_xfree(out);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_compact, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_pretty, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_canonical, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_string_escapes, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_sets_and_keys, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_appends_and_limits, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_write_read_back, tu_arena_setup,
                                            tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
