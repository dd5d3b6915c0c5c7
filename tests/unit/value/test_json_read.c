/* JSON reader: values, strict syntax, exact error positions, limits,
 * duplicate keys, string decoding across the block sizes of the scanner,
 * and streams of texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int parse_n(ks_arena *a, const char *src, size_t n, const kv_json_opts *o, kv_value *out,
                   ks_error *err)
{
    ks_error_clear(err);
    return kv_json_parse(a, src, n, o, out, err);
}

static void expect_json_text(const kv_value *v, const char *want)
{
    char *got = tu_to_json(v, 0);
    if (strcmp(got, want) != 0)
        fail_msg("want %s, got %s", want, got);
    ks_xfree(got);
}

/* ---- values ---- */

static void test_values(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(a, "null");
    assert_int_equal(v.kind, KV_NULL);
    v = tu_json(a, " true ");
    assert_true(v.kind == KV_BOOL && v.u.b);
    v = tu_json(a, "\t\r\nfalse\n");
    assert_true(v.kind == KV_BOOL && !v.u.b);
    v = tu_json(a, "\"x\"");
    assert_true(v.kind == KV_STRING && v.len == 1);
    v = tu_json(a, "5");
    assert_true(v.kind == KV_NUMBER && v.u.i == 5);
    v = tu_json(a, "[]");
    assert_true(v.kind == KV_ARRAY && v.len == 0);
    v = tu_json(a, "{}");
    assert_true(v.kind == KV_OBJECT && v.len == 0);
    v = tu_json(a, "[ 1 , [ ] , { } , \"s\" , null , true , false , -2.5 ]");
    expect_json_text(&v, "[1,[],{},\"s\",null,true,false,-2.5]");
    v = tu_json(a, "{\"b\":1,\"a\":{\"d\":[1,{\"z\":null}],\"c\":\"x\"}}");
    expect_json_text(&v, "{\"a\":{\"c\":\"x\",\"d\":[1,{\"z\":null}]},\"b\":1}");
}

static void test_numbers(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *in;
        int sub;
        const char *out;
    } cases[] = {
            {"0", KV_NUM_INT, "0"},
            {"-0", KV_NUM_INT, "0"},
            {"-0.0", KV_NUM_INT, "0"},
            {"1.0", KV_NUM_INT, "1"},
            {"1E2", KV_NUM_INT, "100"},
            {"123456789012345678", KV_NUM_INT, "123456789012345678"},
            {"-123456789012345678", KV_NUM_INT, "-123456789012345678"},
            {"1234567890123456789", KV_NUM_INT, "1234567890123456789"},
            {"9223372036854775807", KV_NUM_INT, "9223372036854775807"},
            {"-9223372036854775808", KV_NUM_INT, "-9223372036854775808"},
            {"9223372036854775808", KV_NUM_DECIMAL, "9223372036854775808"},
            {"12345678901234567890", KV_NUM_DECIMAL, "12345678901234567890"},
            {"1e400", KV_NUM_DECIMAL, "1e400"},
            {"0.1000000000000000000001", KV_NUM_DECIMAL, "0.1000000000000000000001"},
            {"0.5", KV_NUM_DOUBLE, "0.5"},
            {"-1.5e-7", KV_NUM_DOUBLE, "-1.5e-7"},
            {"1e21", KV_NUM_DOUBLE, "1e+21"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[80];
        /* Alone, at the end of the input, and followed by each delimiter. */
        const char *forms[] = {"%s", "[%s]", "[%s,%s]", "{\"k\":%s}", " %s ", "[%s\n]"};
        for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
            snprintf(text, sizeof(text), forms[f], cases[i].in, cases[i].in);
            kv_value v = tu_json(a, text);
            const kv_value *n = &v;
            if (v.kind == KV_ARRAY)
                n = kv_arr_at(&v, 0);
            else if (v.kind == KV_OBJECT)
                n = kv_obj_get(&v, "k", 1);
            assert_non_null(n);
            assert_int_equal(n->kind, KV_NUMBER);
            if (n->sub != cases[i].sub)
                fail_msg("%s: representation %d, want %d", text, n->sub, cases[i].sub);
            char *out = tu_to_json(n, 0);
            if (strcmp(out, cases[i].out) != 0)
                fail_msg("%s: wrote %s, want %s", text, out, cases[i].out);
            ks_xfree(out);
        }
    }
}

/* ---- errors with exact positions ---- */

typedef struct err_case {
    const char *in;
    size_t len; /* 0: strlen */
    int code;
    int line, col;
    size_t offset;
    const char *msg_part;
} err_case;

static void check_error(ks_arena *a, const err_case *c, const kv_json_opts *o)
{
    size_t n = c->len ? c->len : strlen(c->in);
    kv_value v;
    ks_error err;
    int rc = parse_n(a, c->in, n, o, &v, &err);
    if (rc != c->code || err.code != c->code || err.line != c->line || err.col != c->col ||
        err.offset != c->offset)
        fail_msg("%s: got rc %d at %d:%d offset %zu (%s), want %d at %d:%d offset %zu", c->in, rc,
                 err.line, err.col, err.offset, err.msg, c->code, c->line, c->col, c->offset);
    if (c->msg_part && !strstr(err.msg, c->msg_part))
        fail_msg("%s: message \"%s\" lacks \"%s\"", c->in, err.msg, c->msg_part);
}

static void test_syntax_errors(void **state)
{
    ks_arena *a = *state;
    static const err_case cases[] = {
            {"", 0, KS_EPARSE, 1, 1, 0, "end of input"},
            {"  \n ", 0, KS_EPARSE, 2, 2, 4, "expected a value"},
            {"{\"a\":1,}", 0, KS_EPARSE, 1, 8, 7, "'}'"},
            {"[1,2", 0, KS_EPARSE, 1, 5, 4, "array opened at offset 0"},
            {"{\"a\":[1,2]", 0, KS_EPARSE, 1, 11, 10, "object opened at offset 0"},
            {"{\n  \"a\": tru\n}", 0, KS_EPARSE, 2, 8, 9, "'t'"},
            {"[1 2]", 0, KS_EPARSE, 1, 4, 3, "',' or ']'"},
            {"{\"a\" 1}", 0, KS_EPARSE, 1, 6, 5, "':'"},
            {"{\"a\":1 \"b\":2}", 0, KS_EPARSE, 1, 8, 7, "',' or '}'"},
            {"{1:2}", 0, KS_EPARSE, 1, 2, 1, "string key"},
            {"\"abc", 0, KS_EPARSE, 1, 1, 0, "unterminated"},
            {"[\"abc\\", 0, KS_EPARSE, 1, 2, 1, "unterminated"},
            {"[\"a\x01\"]", 0, KS_EPARSE, 1, 4, 3, "control character 0x01"},
            {"\"tab\there\"", 0, KS_EPARSE, 1, 5, 4, "control character 0x09"},
            {"\"\\q\"", 0, KS_EPARSE, 1, 2, 1, "\\q"},
            {"\"ab\\u12G4\"", 0, KS_EPARSE, 1, 4, 3, "\\u"},
            {"\"\\u12\"", 0, KS_EPARSE, 1, 2, 1, "\\u"},
            {"01", 0, KS_EPARSE, 1, 1, 0, "leading zero"},
            {"[-01]", 0, KS_EPARSE, 1, 2, 1, "leading zero"},
            {"-", 0, KS_EPARSE, 1, 2, 1, "digit"},
            {"[-a]", 0, KS_EPARSE, 1, 3, 2, "digit"},
            {"[1.]", 0, KS_EPARSE, 1, 2, 1, "malformed number"},
            {"1e", 0, KS_EPARSE, 1, 1, 0, "malformed number"},
            {"[1.5e+]", 0, KS_EPARSE, 1, 2, 1, "malformed number"},
            {"[0, 1e1000000000]", 0, KS_ERANGE, 1, 5, 4, "out of range"},
            {"[.5]", 0, KS_EPARSE, 1, 2, 1, "expected a value"},
            {"[+1]", 0, KS_EPARSE, 1, 2, 1, "'+'"},
            {"[1,]", 0, KS_EPARSE, 1, 4, 3, "']'"},
            {"[,1]", 0, KS_EPARSE, 1, 2, 1, "','"},
            {"{\"\xc3\xa9\": x}", 0, KS_EPARSE, 1, 7, 7, "'x'"},
            {"{} x", 0, KS_EPARSE, 1, 4, 3, "end of input after the JSON value"},
            {"{}{}", 0, KS_EPARSE, 1, 3, 2, "end of input after"},
            {"nul", 0, KS_EPARSE, 1, 1, 0, "expected a value"},
            {"truex", 0, KS_EPARSE, 1, 5, 4, "'x'"},
            {"[True]", 0, KS_EPARSE, 1, 2, 1, "'T'"},
            {"[NaN]", 0, KS_EPARSE, 1, 2, 1, "'N'"},
            {"[1,\r\n2,\r\n x]", 0, KS_EPARSE, 3, 2, 10, "'x'"},
            {"[1,\f2]", 0, KS_EPARSE, 1, 4, 3, "byte 0x0c"},
            {"[1,\xc2\xa0"
             "2]",
             0, KS_EPARSE, 1, 4, 3, "byte 0xc2"},
            {"[\"a\"\x00]", 6, KS_EPARSE, 1, 5, 4, "byte 0x00"},
            {"// c\n1", 0, KS_EPARSE, 1, 1, 0, "'/'"},
            {"{'a':1}", 0, KS_EPARSE, 1, 2, 1, "'''"},
            {"[1]]", 0, KS_EPARSE, 1, 4, 3, "']'"},
            {"]", 0, KS_EPARSE, 1, 1, 0, "']'"},
            {"\xef\xbb\xbf{}", 0, KS_EPARSE, 1, 1, 0, "byte order mark"},
            {"\"a\xff"
             "b\"",
             0, KS_EPARSE, 1, 3, 2, "UTF-8"},
            {"\"\xc0\xaf\"", 0, KS_EPARSE, 1, 2, 1, "UTF-8"},
            {"\"\xed\xa0\x80\"", 0, KS_EPARSE, 1, 2, 1, "UTF-8"},
            {"\"\xf4\x90\x80\x80\"", 0, KS_EPARSE, 1, 2, 1, "UTF-8"},
            {"\"\xe2\x82\"", 0, KS_EPARSE, 1, 2, 1, "UTF-8"},
            {"\"\xe2\x82", 0, KS_EPARSE, 1, 2, 1, "UTF-8"},
            {"[\xff]", 0, KS_EPARSE, 1, 2, 1, "byte 0xff"},
            {"\"0123456789abcdef0123456789abcdef0123456789\xff\"", 0, KS_EPARSE, 1, 44, 43,
             "UTF-8"},
            {"\"\xe6\x97\xa5\xe6\x9c\xac\x01\"", 0, KS_EPARSE, 1, 4, 7, "control character"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_error(a, &cases[i], NULL);
    /* A backslash before a multi-byte character is an invalid escape,
     * reported at the backslash. */
    kv_value v;
    ks_error err;
    assert_int_equal(parse_n(a, "\"\\\xc3\xa9\"", 5, NULL, &v, &err), KS_EPARSE);
    assert_int_equal(err.col, 2);
    assert_int_equal(err.offset, 1);
    assert_non_null(strstr(err.msg, "invalid escape"));
}

static void test_error_source_and_format(void **state)
{
    ks_arena *a = *state;
    kv_json_opts o = {.source = "pods.json"};
    kv_value v;
    ks_error err;
    const char *src = "{\n  \"kind\": \"Pod\",\n  \"spec\": [1,,2]\n}";
    assert_int_equal(parse_n(a, src, strlen(src), &o, &v, &err), KS_EPARSE);
    assert_string_equal(err.source, "pods.json");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.col, 14);
    assert_int_equal(err.offset, 32);
    ks_buf b = KS_BUF_INIT;
    ks_error_format(&err, &b);
    assert_true(strncmp(ks_buf_cstr(&b), "pods.json:3:14: ", 16) == 0);
    ks_buf_free(&b);
    /* A NULL error is allowed. */
    assert_int_equal(kv_json_parse(a, src, strlen(src), &o, &v, NULL), KS_EPARSE);
    assert_int_equal(kv_json_parse(a, "[", 1, NULL, &v, NULL), KS_EPARSE);
    /* The output is left alone on failure. */
    v = kv_int(7);
    assert_int_equal(kv_json_parse(a, "[1,", 3, NULL, &v, NULL), KS_EPARSE);
    assert_true(v.kind == KV_NUMBER && v.u.i == 7);
}

/* ---- limits ---- */

static char *nested(size_t depth, bool objects)
{
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < depth; i++)
        ks_buf_puts(&b, objects ? "{\"a\":" : "[");
    ks_buf_puts(&b, "1");
    for (size_t i = 0; i < depth; i++)
        ks_buf_putc(&b, objects ? '}' : ']');
    return ks_buf_detach(&b, NULL);
}

static void test_depth_limit(void **state)
{
    ks_arena *a = *state;
    kv_value v;
    ks_error err;
    char *ok = nested(KV_DEFAULT_MAX_DEPTH, false);
    assert_int_equal(parse_n(a, ok, strlen(ok), NULL, &v, &err), 0);
    char *deep = nested(KV_DEFAULT_MAX_DEPTH + 1, false);
    assert_int_equal(parse_n(a, deep, strlen(deep), NULL, &v, &err), KS_ELIMIT);
    assert_int_equal(err.offset, KV_DEFAULT_MAX_DEPTH);
    assert_int_equal(err.col, KV_DEFAULT_MAX_DEPTH + 1);
    assert_non_null(strstr(err.msg, "nesting"));
    ks_xfree(ok);
    ks_xfree(deep);

    kv_json_opts o = {.max_depth = 3};
    assert_int_equal(parse_n(a, "[[[1]]]", 7, &o, &v, &err), 0);
    assert_int_equal(parse_n(a, "[[[[1]]]]", 9, &o, &v, &err), KS_ELIMIT);
    assert_int_equal(err.offset, 3);
    ok = nested(3, true);
    assert_int_equal(parse_n(a, ok, strlen(ok), &o, &v, &err), 0);
    deep = nested(4, true);
    assert_int_equal(parse_n(a, deep, strlen(deep), &o, &v, &err), KS_ELIMIT);
    assert_int_equal(err.offset, 15);
    ks_xfree(ok);
    ks_xfree(deep);
    /* Scalars at the root need no depth. */
    o.max_depth = 1;
    assert_int_equal(parse_n(a, "[]", 2, &o, &v, &err), 0);
    assert_int_equal(parse_n(a, "\"x\"", 3, &o, &v, &err), 0);
    assert_int_equal(parse_n(a, "[{}]", 4, &o, &v, &err), KS_ELIMIT);

    /* A raised limit holds deep documents (no recursion in the reader). */
    o.max_depth = 20000;
    deep = nested(10000, false);
    assert_int_equal(parse_n(a, deep, strlen(deep), &o, &v, &err), 0);
    const kv_value *p = &v;
    size_t d = 0;
    while (p->kind == KV_ARRAY) {
        assert_int_equal(p->len, 1);
        p = kv_arr_at(p, 0);
        d++;
    }
    assert_int_equal(d, 10000);
    ks_xfree(deep);
}

static void test_size_limit(void **state)
{
    ks_arena *a = *state;
    kv_json_opts o = {.max_size = 10};
    kv_value v;
    ks_error err;
    assert_int_equal(parse_n(a, "[1,2,3,45]", 10, &o, &v, &err), 0);
    assert_int_equal(parse_n(a, "[1,2,3,456]", 11, &o, &v, &err), KS_ELIMIT);
    assert_non_null(strstr(err.msg, "11 bytes"));
    size_t pos = 0;
    assert_int_equal(kv_json_parse_next(a, "1 2 3 4 5 6", 11, &pos, &o, &v, &err), KS_ELIMIT);
}

static int json_parse(ks_arena *a, const char *src, size_t n, kv_value *out, ks_error *err)
{
    return kv_json_parse(a, src, n, NULL, out, err);
}

static void test_arena_limit(void **state)
{
    (void)state;
    /* A document with every kind of allocation: strings, escapes, keys,
     * decimals, containers. */
    ks_buf doc = KS_BUF_INIT;
    ks_buf_puts(&doc, "{\"items\":[");
    for (int i = 0; i < 300; i++) {
        ks_buf_printf(&doc,
                      "%s{\"name\":\"pod-%d\",\"k%d\":\"v\\n%d\",\"n\":12345678901234567890%d,"
                      "\"arr\":[%d,0.5,true,null,[]],\"long-key-%0120d\":{}}",
                      i ? "," : "", i, i, i, i % 10, i, i);
    }
    ks_buf_puts(&doc, "]}");
    tu_arena_limit_sweep(json_parse, doc.data, doc.len);
    ks_buf_free(&doc);
}

/* ---- duplicate keys ---- */

static void test_duplicate_keys(void **state)
{
    ks_arena *a = *state;
    const char *src = "{\"a\":1,\"b\":2,\"a\":3}";
    kv_value v;
    ks_error err;
    assert_int_equal(parse_n(a, src, strlen(src), NULL, &v, &err), 0);
    expect_json_text(&v, "{\"a\":3,\"b\":2}");
    kv_json_opts o = {.dup = KV_DUP_FIRST_WINS};
    assert_int_equal(parse_n(a, src, strlen(src), &o, &v, &err), 0);
    expect_json_text(&v, "{\"a\":1,\"b\":2}");
    o.dup = KV_DUP_ERROR;
    assert_int_equal(parse_n(a, src, strlen(src), &o, &v, &err), KS_EPARSE);
    assert_non_null(strstr(err.msg, "duplicate key \"a\""));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.offset, 13); /* at the second "a" */
    assert_int_equal(err.col, 14);
    /* Nested objects and arrays before the duplicate are skipped over, and
     * keys inside them do not count. */
    const char *nested =
            "{\n  \"a\": {\"a\": [\"a\", {\"a\": 0}]},\n  \"b\": \"x,\\\"a\",\n  \"a\": 2\n}";
    assert_int_equal(parse_n(a, nested, strlen(nested), &o, &v, &err), KS_EPARSE);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.col, 3);

    /* Keys equal after unescaping are duplicates. */
    const char *esc = "{\"x\":{\"name\":1,\"na\\u006de\":2}}";
    assert_int_equal(parse_n(a, esc, strlen(esc), &o, &v, &err), KS_EPARSE);
    assert_non_null(strstr(err.msg, "\"name\""));
    /* Positioned at the second key, found by its decoded form. */
    assert_int_equal(err.offset, 15);
    o.dup = KV_DUP_LAST_WINS;
    assert_int_equal(parse_n(a, esc, strlen(esc), &o, &v, &err), 0);
    expect_json_text(&v, "{\"x\":{\"name\":2}}");
    /* Keys that differ only after eight bytes, or by length, are not. */
    const char *close = "{\"abcdefgh1\":1,\"abcdefgh2\":2,\"abcdefgh\":3,\"abcdefg\":4,"
                        "\"abcdefgh\\u0000\":5}";
    o.dup = KV_DUP_ERROR;
    assert_int_equal(parse_n(a, close, strlen(close), &o, &v, &err), 0);
    assert_int_equal(v.len, 5);
    expect_json_text(&v, "{\"abcdefg\":4,\"abcdefgh\":3,\"abcdefgh\\u0000\":5,\"abcdefgh1\":1,"
                         "\"abcdefgh2\":2}");
}

/* Objects the reader builds are the objects kv_object_new builds from the
 * same members, under each duplicate policy, for keys that share long
 * prefixes, differ in length, hold NULs and high bytes, or repeat. */
static void test_objects_match_object_new(void **state)
{
    ks_arena *a = *state;
    static const char *const pool[] = {
            "",
            "a",
            "b",
            "ab",
            "abcdefgh",
            "abcdefghi",
            "abcdefgha",
            "abcdefg",
            "abcdefgh\x01",
            "metadata",
            "metadata.name",
            "metadatb",
            "\xc3\xa9t\xc3\xa9",
            "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzy",
            "A",
            "Z",
            "~"};
    size_t npool = sizeof(pool) / sizeof(pool[0]);
    tu_rng_seed(99);
    for (int round = 0; round < 600; round++) {
        size_t n = round < 300 ? tu_rng() % 8 : tu_rng() % 80;
        kv_member *m = malloc((n ? n : 1) * sizeof(*m));
        ks_buf src = KS_BUF_INIT;
        ks_buf_putc(&src, '{');
        for (size_t i = 0; i < n; i++) {
            const char *k = pool[tu_rng() % npool];
            size_t kl = strlen(k);
            bool nul = tu_rng() % 10 == 0;
            char *key = ks_arena_alloc_bytes(a, kl + 2);
            memcpy(key, k, kl);
            if (nul)
                key[kl++] = '\0';
            key[kl] = '\0';
            m[i].key = kv_str_ref(key, kl);
            m[i].val = kv_int((int64_t)i);
            if (i)
                ks_buf_putc(&src, ',');
            /* Sometimes escape the whole key, to take the slow path. */
            ks_buf_putc(&src, '"');
            bool escape_all = tu_rng() % 4 == 0;
            for (size_t j = 0; j < kl; j++) {
                unsigned char c = (unsigned char)key[j];
                if (c < 0x20 || (escape_all && c < 0x80))
                    ks_buf_printf(&src, "\\u%04x", c);
                else
                    ks_buf_putc(&src, (char)c);
            }
            ks_buf_printf(&src, "\":%zu", i);
        }
        ks_buf_putc(&src, '}');
        for (int d = 0; d < 3; d++) {
            enum kv_dup dup = (enum kv_dup)d;
            kv_json_opts o = {.dup = dup};
            kv_value got, want, dk = kv_null();
            ks_error err;
            int rc1 = parse_n(a, src.data, src.len, &o, &got, &err);
            int rc2 = kv_object_new(a, m, n, dup, &want, &dk);
            if (rc2 == KS_EEXIST) {
                if (rc1 != KS_EPARSE)
                    fail_msg("round %d: %s: no duplicate reported", round, src.data);
                assert_non_null(strstr(err.msg, "duplicate key"));
                continue;
            }
            assert_int_equal(rc2, 0);
            if (rc1 != 0)
                fail_msg("round %d: %s: %s", round, src.data, err.msg);
            if (!kv_equal(&got, &want)) {
                char *g = tu_to_json(&got, 0), *w = tu_to_json(&want, 0);
                fail_msg("round %d dup %d: %s\n  read   %s\n  wanted %s", round, d, src.data, g, w);
            }
            for (uint32_t i = 1; i < got.len; i++)
                assert_true(kv_compare(&got.u.members[i - 1].key, &got.u.members[i].key) < 0);
            for (size_t i = 0; i < n; i++) {
                const kv_value *val = kv_obj_get(&got, m[i].key.u.s, m[i].key.len);
                assert_non_null(val);
            }
        }
        free(m);
        ks_buf_free(&src);
    }
}

/* The same keys over many objects: the key cache must hand out the right
 * text for each, including keys past its length limit and keys that share
 * slots. */
static void test_many_keys(void **state)
{
    ks_arena *a = *state;
    enum { NKEYS = 3000, NOBJ = 400 };
    tu_rng_seed(5);
    ks_buf src = KS_BUF_INIT;
    int *which = malloc(NOBJ * 6 * sizeof(int));
    ks_buf_putc(&src, '[');
    for (int o = 0; o < NOBJ; o++) {
        ks_buf_puts(&src, o ? ",{" : "{");
        for (int j = 0; j < 6; j++) {
            /* Random keys, distinct within the object (k % 6 == j). */
            int k = (int)(tu_rng() % (NKEYS / 6)) * 6 + j;
            which[o * 6 + j] = k;
            if (k % 7 == 0)
                ks_buf_printf(&src, "%s\"key-%d-%070d\":%d", j ? "," : "", k, k, k);
            else
                ks_buf_printf(&src, "%s\"key-%d\":%d", j ? "," : "", k, k);
        }
        ks_buf_putc(&src, '}');
    }
    ks_buf_putc(&src, ']');
    kv_value v = tu_json(a, src.data);
    assert_int_equal(v.len, NOBJ);
    for (int o = 0; o < NOBJ; o++) {
        const kv_value *obj = kv_arr_at(&v, (size_t)o);
        assert_int_equal(obj->len, 6);
        for (int j = 0; j < 6; j++) {
            int k = which[o * 6 + j];
            char key[128];
            int kl = k % 7 == 0 ? snprintf(key, sizeof(key), "key-%d-%070d", k, k)
                                : snprintf(key, sizeof(key), "key-%d", k);
            const kv_value *val = kv_obj_get(obj, key, (size_t)kl);
            if (!val || val->u.i != k)
                fail_msg("object %d: key %s missing or wrong", o, key);
        }
    }
    free(which);
    ks_buf_free(&src);
}

/* ---- strings ---- */

static void test_surrogates(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *in, *want;
        size_t want_len;
    } cases[] = {
            {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4},
            {"\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4},
            {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4},
            {"\"\\ud800\\udc00\"", "\xf0\x90\x80\x80", 4},
            {"\"\\ud83d\"", "\xef\xbf\xbd", 3},
            {"\"\\ude00\"", "\xef\xbf\xbd", 3},
            {"\"\\ud83dx\"", "\xef\xbf\xbdx", 4},
            {"\"\\ud83d\\u0041\"",
             "\xef\xbf\xbd"
             "A",
             4},
            {"\"\\ud83d\\ud83d\\ude00\"", "\xef\xbf\xbd\xf0\x9f\x98\x80", 7},
            {"\"\\ude00\\ud83d\"", "\xef\xbf\xbd\xef\xbf\xbd", 6},
            {"\"\\ud83d\\n\"", "\xef\xbf\xbd\n", 4},
            {"\"\\u0000\"", "\0", 1},
            {"\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9", 4},
            {"\"\\u20ac\"", "\xe2\x82\xac", 3},
            {"\"\\uffff\"", "\xef\xbf\xbf", 3},
            {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
            {"\"\xf0\x9f\x98\x80 \xe6\x97\xa5\"", "\xf0\x9f\x98\x80 \xe6\x97\xa5", 8},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_value v = tu_json(a, cases[i].in);
        assert_int_equal(v.kind, KV_STRING);
        if (v.len != cases[i].want_len || memcmp(v.u.s, cases[i].want, v.len) != 0)
            fail_msg("%s: decoded %u bytes, want %zu", cases[i].in, v.len, cases[i].want_len);
        assert_int_equal(v.u.s[v.len], '\0');
    }
}

/* Strings of every length from 0 to 100 with an escape at every position
 * and at every alignment in the input: the 16-byte scanning must not skip
 * or misplace anything at block boundaries. */
static void test_strings_across_blocks(void **state)
{
    ks_arena *a = *state;
    char body[128], expect[128];
    ks_buf src = KS_BUF_INIT;
    for (size_t len = 0; len <= 100; len++) {
        for (size_t i = 0; i < len; i++)
            body[i] = (char)('a' + (i * 7) % 26);
        /* Plain. */
        for (size_t pad = 0; pad < 17; pad += 4) {
            ks_buf_reset(&src);
            ks_buf_fill(&src, ' ', pad);
            ks_buf_putc(&src, '"');
            ks_buf_append(&src, body, len);
            ks_buf_putc(&src, '"');
            kv_value v;
            ks_error err;
            if (parse_n(a, src.data, src.len, NULL, &v, &err) != 0)
                fail_msg("len %zu pad %zu: %s", len, pad, err.msg);
            assert_int_equal(v.len, len);
            assert_memory_equal(v.u.s, body, len);
        }
        for (size_t k = 0; k < len; k++) {
            static const struct {
                const char *esc, *dec;
            } escs[] = {{"\\n", "\n"},
                        {"\\\"", "\""},
                        {"\\\\", "\\"},
                        {"\\u00e9", "\xc3\xa9"},
                        {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
                        {"\xc3\xa9", "\xc3\xa9"},
                        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}};
            size_t e = k % (sizeof(escs) / sizeof(escs[0]));
            ks_buf_reset(&src);
            ks_buf_fill(&src, ' ', k % 16);
            ks_buf_puts(&src, "[\"");
            ks_buf_append(&src, body, k);
            ks_buf_puts(&src, escs[e].esc);
            ks_buf_append(&src, body + k, len - k);
            ks_buf_puts(&src, "\"]");
            size_t dl = strlen(escs[e].dec);
            memcpy(expect, body, k);
            memcpy(expect + k, escs[e].dec, dl);
            memcpy(expect + k + dl, body + k, len - k);
            kv_value v;
            ks_error err;
            if (parse_n(a, src.data, src.len, NULL, &v, &err) != 0)
                fail_msg("len %zu escape at %zu: %s", len, k, err.msg);
            const kv_value *s = kv_arr_at(&v, 0);
            if (s->len != len + dl || memcmp(s->u.s, expect, len + dl) != 0)
                fail_msg("len %zu escape %s at %zu: wrong text", len, escs[e].esc, k);

            /* A control character at k is an error exactly there. */
            size_t at = src.len - 2 - (len - k) - strlen(escs[e].esc);
            src.data[at] = '\x1f';
            memset(src.data + at + 1, 'x', strlen(escs[e].esc) - 1);
            if (parse_n(a, src.data, src.len, NULL, &v, &err) != KS_EPARSE || err.offset != at)
                fail_msg("len %zu: control character at %zu reported at %zu", len, at, err.offset);
            /* So is a byte that is not UTF-8. */
            src.data[at] = '\x80';
            if (parse_n(a, src.data, src.len, NULL, &v, &err) != KS_EPARSE || err.offset != at)
                fail_msg("len %zu: bad byte at %zu reported at %zu", len, at, err.offset);
            /* And an unterminated string points at its opening quote. */
            src.data[at] = 'x';
            ks_buf_truncate(&src, src.len - 2);
            if (parse_n(a, src.data, src.len, NULL, &v, &err) != KS_EPARSE ||
                err.offset != k % 16 + 1)
                fail_msg("len %zu: unterminated string reported at %zu", len, err.offset);
        }
    }
    ks_buf_free(&src);
}

static void test_big_strings(void **state)
{
    ks_arena *a = *state;
    size_t n = 1 << 20;
    ks_buf src = KS_BUF_INIT;
    ks_buf_puts(&src, "{\"data\":\"");
    for (size_t i = 0; i < n; i++)
        ks_buf_putc(&src, (char)('a' + i % 26));
    ks_buf_puts(&src, "\\n\\u00e9\",\"more\":\"");
    for (size_t i = 0; i < n / 4; i++)
        ks_buf_puts(&src, "\xe6\x97\xa5");
    ks_buf_puts(&src, "\"}");
    kv_value v = tu_json(a, src.data);
    const kv_value *d = kv_obj_get(&v, "data", 4);
    assert_non_null(d);
    assert_int_equal(d->len, n + 3);
    assert_int_equal(d->u.s[n], '\n');
    assert_memory_equal(d->u.s + n + 1, "\xc3\xa9", 2);
    assert_int_equal(d->u.s[12345], 'a' + 12345 % 26);
    const kv_value *m = kv_obj_get(&v, "more", 4);
    assert_int_equal(m->len, 3 * (n / 4));
    ks_buf_free(&src);
}

/* ---- streams ---- */

static void test_parse_next(void **state)
{
    ks_arena *a = *state;
    const char *src = "{\"a\":1} [2]\n3 \"x\"{}[]true null-1  \n\t";
    const char *want[] = {"{\"a\":1}", "[2]", "3", "\"x\"", "{}", "[]", "true", "null", "-1"};
    size_t n = strlen(src), pos = 0;
    kv_value v;
    ks_error err;
    size_t got = 0;
    int rc;
    while ((rc = kv_json_parse_next(a, src, n, &pos, NULL, &v, &err)) == 0) {
        assert_true(got < sizeof(want) / sizeof(want[0]));
        expect_json_text(&v, want[got]);
        got++;
        assert_true(pos <= n);
    }
    assert_int_equal(rc, KS_ENOENT);
    assert_int_equal(got, 9);
    assert_int_equal(pos, n);
    /* Again at the end: still KS_ENOENT. */
    assert_int_equal(kv_json_parse_next(a, src, n, &pos, NULL, &v, &err), KS_ENOENT);

    /* pos moves past the whitespace after each text. */
    pos = 0;
    assert_int_equal(kv_json_parse_next(a, "[1]  [2]", 8, &pos, NULL, &v, &err), 0);
    assert_int_equal(pos, 5);

    /* Empty and blank inputs. */
    pos = 0;
    assert_int_equal(kv_json_parse_next(a, "", 0, &pos, NULL, &v, &err), KS_ENOENT);
    pos = 0;
    assert_int_equal(kv_json_parse_next(a, " \n\t\r ", 5, &pos, NULL, &v, &err), KS_ENOENT);
    assert_int_equal(pos, 5);

    /* Errors are positioned in the whole input; pos stays put. */
    const char *bad = "[1]\n{\"a\":}\n[3]";
    pos = 0;
    assert_int_equal(kv_json_parse_next(a, bad, strlen(bad), &pos, NULL, &v, &err), 0);
    size_t before = pos;
    ks_error_clear(&err);
    assert_int_equal(kv_json_parse_next(a, bad, strlen(bad), &pos, NULL, &v, &err), KS_EPARSE);
    assert_int_equal(pos, before);
    assert_int_equal(err.offset, 9);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 6);

    /* A BOM is refused at the start of a stream. */
    pos = 0;
    assert_int_equal(kv_json_parse_next(a, "\xef\xbb\xbf[]", 5, &pos, NULL, &v, &err), KS_EPARSE);

    /* A stream of many texts, each with its own keys. */
    ks_buf many = KS_BUF_INIT;
    for (int i = 0; i < 500; i++)
        ks_buf_printf(&many, "{\"i\":%d,\"k%d\":\"v%d\"}%s", i, i % 37, i, i % 3 ? "\n" : "");
    pos = 0;
    int count = 0;
    while ((rc = kv_json_parse_next(a, many.data, many.len, &pos, NULL, &v, &err)) == 0) {
        assert_true(kv_obj_get(&v, "i", 1)->u.i == count);
        char k[8];
        int kl = snprintf(k, sizeof(k), "k%d", count % 37);
        const kv_value *s = kv_obj_get(&v, k, (size_t)kl);
        assert_non_null(s);
        char val[16];
        snprintf(val, sizeof(val), "v%d", count);
        assert_string_equal(s->u.s, val);
        count++;
    }
    assert_int_equal(rc, KS_ENOENT);
    assert_int_equal(count, 500);
    ks_buf_free(&many);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_values, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_numbers, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_syntax_errors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_error_source_and_format, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_depth_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_size_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_arena_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_duplicate_keys, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_objects_match_object_new, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_many_keys, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_surrogates, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_strings_across_blocks, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_big_strings, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_parse_next, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
