/* YAML reader: YAML 1.2 core schema resolution as go-yaml v3 and the
 * Kubernetes tools apply it, tags, streams of documents, anchors, aliases
 * and merge keys, limits (depth, size, alias expansion, arena) and errors
 * with positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The first document of src as compact JSON (heap string), or fails. */
static char *y2j(ks_arena *a, const char *src, const kv_yaml_opts *o)
{
    kv_value v;
    ks_error err;
    ks_error_clear(&err);
    int rc = kv_yaml_parse(a, src, strlen(src), o, &v, &err);
    if (rc != 0)
        fail_msg("YAML parse failed (%d) at %d:%d: %s\n  input: %s", rc, err.line, err.col, err.msg,
                 src);
    return tu_to_json(&v, 0);
}

static void expect_y2j(ks_arena *a, const char *src, const kv_yaml_opts *o, const char *want)
{
    char *got = y2j(a, src, o);
    if (strcmp(got, want) != 0)
        fail_msg("input: %s\n  want %s\n  got  %s", src, want, got);
    ks_xfree(got);
}

static void expect_error(ks_arena *a, const char *src, const kv_yaml_opts *o, int code, int line,
                         int col, const char *msg_part)
{
    kv_value v;
    ks_error err;
    ks_error_clear(&err);
    int rc = kv_yaml_parse(a, src, strlen(src), o, &v, &err);
    if (rc != code || err.code != code || (line && err.line != line) || (col && err.col != col))
        fail_msg("input: %s\n  got rc %d at %d:%d (%s), want %d at %d:%d", src, rc, err.line,
                 err.col, err.msg, code, line, col);
    if (msg_part && !strstr(err.msg, msg_part))
        fail_msg("input: %s\n  message \"%s\" lacks \"%s\"", src, err.msg, msg_part);
}

/* ---- scalar resolution ---- */

typedef struct scalar_case {
    const char *text; /* as written after "v: " */
    const char *json; /* the value as JSON */
} scalar_case;

static void check_scalars(ks_arena *a, const scalar_case *c, size_t n, const kv_yaml_opts *o)
{
    for (size_t i = 0; i < n; i++) {
        char src[160], want[160];
        snprintf(src, sizeof(src), "v: %s\n", c[i].text);
        snprintf(want, sizeof(want), "{\"v\":%s}", c[i].json);
        expect_y2j(a, src, o, want);
        /* In a flow sequence as well (when the text allows it). */
        if (!strpbrk(c[i].text, ",[]{}#\"'")) {
            snprintf(src, sizeof(src), "[%s]", c[i].text);
            snprintf(want, sizeof(want), "[%s]", c[i].json);
            if (c[i].text[0] != '\0')
                expect_y2j(a, src, o, want);
        }
    }
}

static void test_core_schema(void **state)
{
    static const scalar_case cases[] = {
            /* null */
            {"~", "null"},
            {"null", "null"},
            {"Null", "null"},
            {"NULL", "null"},
            {"", "null"},
            {"nULL", "\"nULL\""},
            {"nil", "\"nil\""},
            /* booleans: only the YAML 1.2 words */
            {"true", "true"},
            {"True", "true"},
            {"TRUE", "true"},
            {"false", "false"},
            {"False", "false"},
            {"FALSE", "false"},
            {"tRUE", "\"tRUE\""},
            {"yes", "\"yes\""},
            {"Yes", "\"Yes\""},
            {"no", "\"no\""},
            {"NO", "\"NO\""},
            {"on", "\"on\""},
            {"off", "\"off\""},
            {"y", "\"y\""},
            {"n", "\"n\""},
            /* integers, in Go's base-0 syntax after '_' goes */
            {"0", "0"},
            {"-0", "0"},
            {"+12", "12"},
            {"-12", "-12"},
            {"0x1F", "31"},
            {"0X1f", "31"},
            {"-0x10", "-16"},
            {"0o17", "15"},
            {"0O17", "15"},
            {"0644", "420"},
            {"00", "0"},
            {"0b101", "5"},
            {"-0b11", "-3"},
            {"1_000", "1000"},
            {"1__000_", "1000"},
            {"0xFF_FF", "65535"},
            {"09", "9"},
            {"0x", "\"0x\""},
            {"0b", "\"0b\""},
            {"0o", "\"0o\""},
            {"0b2", "\"0b2\""},
            {"0x1G", "\"0x1G\""},
            {"_1", "\"_1\""},
            /* 64-bit boundaries; beyond them integers stay exact */
            {"9223372036854775807", "9223372036854775807"},
            {"-9223372036854775808", "-9223372036854775808"},
            {"0x7FFFFFFFFFFFFFFF", "9223372036854775807"},
            {"-0x8000000000000000", "-9223372036854775808"},
            {"0xFFFFFFFFFFFFFFFF", "18446744073709551615"},
            {"12345678901234567890", "12345678901234567890"},
            {"123456789012345678901234567890", "123456789012345678901234567890"},
            {"0x10000000000000000", "\"0x10000000000000000\""},
            {"-0x8000000000000001", "\"-0x8000000000000001\""},
            /* floats */
            {"1.5", "1.5"},
            {"-1.5", "-1.5"},
            {"1e3", "1000"},
            {"1.5E+3", "1500"},
            {"1.", "1"},
            {".5", "0.5"},
            {"-.5", "-0.5"},
            {"+.5", "0.5"},
            {"1_000.5", "1000.5"},
            {"6.02e23", "6.02e+23"},
            {"1e-7", "1e-7"},
            {"007.5", "7.5"},
            {"0.1000000000000000000001", "0.1000000000000000000001"},
            {"1e400", "1e400"},
            {"1e999999999", "1e999999999"},
            /* numbers JSON cannot hold exactly stay text, as in go-yaml */
            {"1e1000000000", "\"1e1000000000\""},
            {"1e", "\"1e\""},
            {"1.2.3", "\"1.2.3\""},
            {".", "\".\""},
            {".e3", "\".e3\""},
            {".Nan", "\".Nan\""},
            {"-.inf1", "\"-.inf1\""},
            /* other strings */
            {"1:2", "\"1:2\""},
            {"0.1.0", "\"0.1.0\""},
            {"v1", "\"v1\""},
            {"1Gi", "\"1Gi\""},
            {"100m", "\"100m\""},
            {"+", "\"+\""},
            /* timestamps: go-yaml v3 makes times of them, which Go
             * marshals as RFC 3339 (tests/oracle/yaml-cases has more) */
            {"2024-01-15", "\"2024-01-15T00:00:00Z\""},
            {"2024-1-5", "\"2024-01-05T00:00:00Z\""},
            {"2024-01-15T10:00:00Z", "\"2024-01-15T10:00:00Z\""},
            {"2024-01-15t10:00:00.500+01:00", "\"2024-01-15T10:00:00.5+01:00\""},
            {"2024-01-15 10:00:00", "\"2024-01-15T10:00:00Z\""},
            {"2024-02-30", "\"2024-02-30\""},
            {"2024-01-15T10:00:00", "\"2024-01-15T10:00:00\""},
            {"2001-12-14 21:59:43.10 -5", "\"2001-12-14 21:59:43.10 -5\""},
            {"'2024-01-15'", "\"2024-01-15\""},
            /* quoted scalars are always strings */
            {"\"true\"", "\"true\""},
            {"'123'", "\"123\""},
            {"\"null\"", "\"null\""},
            {"\"\"", "\"\""},
            {"''", "\"\""},
            {"\"0x10\"", "\"0x10\""},
            {"'~'", "\"~\""},
    };
    check_scalars(*state, cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

static void test_bool11(void **state)
{
    static const scalar_case cases[] = {
            {"y", "true"},    {"Y", "true"},      {"yes", "true"},    {"Yes", "true"},
            {"YES", "true"},  {"on", "true"},     {"On", "true"},     {"ON", "true"},
            {"n", "false"},   {"N", "false"},     {"no", "false"},    {"No", "false"},
            {"NO", "false"},  {"off", "false"},   {"Off", "false"},   {"OFF", "false"},
            {"true", "true"}, {"False", "false"}, {"yEs", "\"yEs\""}, {"'yes'", "\"yes\""},
            {"oN", "\"oN\""},
    };
    kv_yaml_opts o = {.flags = KV_YAML_BOOL11};
    check_scalars(*state, cases, sizeof(cases) / sizeof(cases[0]), &o);
    /* go-yaml v2 (sigs.k8s.io/yaml) keeps timestamps as written. */
    static const scalar_case v2[] = {{"2024-1-5", "\"2024-1-5\""}};
    check_scalars(*state, v2, 1, &o);
}

static void test_nan_inf_rejected(void **state)
{
    ks_arena *a = *state;
    const char *words[] = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf", ".INF",
                           "+.inf", "-.inf", "-.Inf", "-.INF", "+.INF"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        char src[64];
        snprintf(src, sizeof(src), "a: 1\nb: [x, %s]\n", words[i]);
        expect_error(a, src, NULL, KS_EPARSE, 2, 8, "cannot be represented in JSON");
    }
    expect_error(a, "v: !!float .inf", NULL, KS_EPARSE, 1, 12, "JSON");
    /* Quoted, they are only strings. */
    expect_y2j(a, "v: '.inf'", NULL, "{\"v\":\".inf\"}");
    expect_y2j(a, "v: !!str .nan", NULL, "{\"v\":\".nan\"}");
}

static void test_libfyaml_double_free_guard(void **state)
{
    /* inputs that make libfyaml 0.7.12 free a key twice are refused with a
     * position; their look-alikes without explicit keys are read */
    ks_arena *a = *state;
    const char *msg = "a tab between ':' and an indicator";
    expect_error(a, "? 0a:\t::eRUE..].NULL&\n", NULL, KS_EPARSE, 1, 5, msg);
    expect_error(a, "x: 1\n? k\n:\t- a\n", NULL, KS_EPARSE, 3, 1, msg);
    expect_error(a, "- ? k\n  : \t?\n", NULL, KS_EPARSE, 2, 3, msg);
    expect_y2j(a, "a:\t|\n  text\n", NULL, "{\"a\":\"text\\n\"}");
    expect_y2j(a, "? a\n: b\n", NULL, "{\"a\":\"b\"}");
    expect_y2j(a, "? a\n: \tb\n", NULL, "{\"a\":\"b\"}");
}

static void test_tags(void **state)
{
    ks_arena *a = *state;
    expect_y2j(a,
               "a: !!str 123\nb: !!str true\nc: !!int \"12\"\nd: !!float 1\ne: !!bool true\n"
               "f: !!null ~\ng: !!timestamp 2024-01-01\nh: ! 12\ni: !local 12\nk: !!str\n"
               "l: !<tag:yaml.org,2002:int> \"7\"\nm: !!str ~\nn: !!float 2.5\n",
               NULL,
               "{\"a\":\"123\",\"b\":\"true\",\"c\":12,\"d\":1,\"e\":true,\"f\":null,\"g\":"
               "\"2024-01-01T00:00:00Z\",\"h\":\"12\",\"i\":12,\"k\":\"\",\"l\":7,\"m\":\"~\","
               "\"n\":2.5}");
    /* !!binary is decoded, as go-yaml does (blanks and breaks ignored);
     * bytes that are not UTF-8 are written as U+FFFD in JSON, as Go does. */
    expect_y2j(a, "data: !!binary |\n  aGVsbG8g\n  d29ybGQ=\n", NULL, "{\"data\":\"hello world\"}");
    expect_y2j(a, "data: !!binary \"aGVs bG8=\"\n", NULL, "{\"data\":\"hello\"}");
    expect_y2j(a, "data: !!binary /w==\n", NULL, "{\"data\":\"\\ufffd\"}");
    expect_y2j(a, "data: !!binary \"\"\n", NULL, "{\"data\":\"\"}");
    expect_error(a, "data: !!binary not-base64!\n", NULL, KS_EPARSE, 1, 0, "base64");
    /* Tags that the text does not fit. */
    expect_error(a, "a: !!int abc", NULL, KS_EPARSE, 1, 10, "cannot read \"abc\" as !!int");
    expect_error(a, "a: !!int 1.5", NULL, KS_EPARSE, 1, 10, "!!int");
    expect_error(a, "a: !!bool yes", NULL, KS_EPARSE, 1, 11, "!!bool");
    expect_error(a, "a: !!null 0", NULL, KS_EPARSE, 1, 11, "!!null");
    expect_error(a, "a: !!float x", NULL, KS_EPARSE, 1, 12, "!!float");
    expect_error(a, "a: !!set 1", NULL, KS_EPARSE, 1, 10, "not valid on a scalar");
}

static void test_strings_and_blocks(void **state)
{
    ks_arena *a = *state;
    expect_y2j(a,
               "lit: |\n  line1\n  line2\nfold: >\n  a\n  b\n\n  c\nstrip: |-\n  x\n"
               "keep: |+\n  y\n\nind: |2\n    four\nfoldstrip: >-\n  p\n  q\n",
               NULL,
               "{\"fold\":\"a b\\nc\\n\",\"foldstrip\":\"p q\",\"ind\":\"  four\\n\",\"keep\":"
               "\"y\\n\\n\",\"lit\":\"line1\\nline2\\n\",\"strip\":\"x\"}");
    expect_y2j(a, "dq: \"\\x41\\u00e9\\U0001F600\\t\\n\\/ \\\\ \\\" \\0\"\n", NULL,
               "{\"dq\":\"A\xc3\xa9\xf0\x9f\x98\x80\\t\\n/ \\\\ \\\" \\u0000\"}");
    expect_y2j(a, "sq: 'it''s'\nsq2: 'a''''b'\n", NULL, "{\"sq\":\"it's\",\"sq2\":\"a''b\"}");
    expect_y2j(a, "folded: 'one\n  two\n\n  three'\n", NULL, "{\"folded\":\"one two\\nthree\"}");
    expect_y2j(a, "plain: one\n  two\n", NULL, "{\"plain\":\"one two\"}");
    expect_y2j(a, "u: \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\n", NULL,
               "{\"u\":\"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}");
    expect_y2j(a, "url: http://example.com:8080/a#b\nhash: a #comment\n", NULL,
               "{\"hash\":\"a\",\"url\":\"http://example.com:8080/a#b\"}");
    /* Scalars at the root. */
    expect_y2j(a, "hello", NULL, "\"hello\"");
    expect_y2j(a, "42", NULL, "42");
    expect_y2j(a, "--- |\n  text\n", NULL, "\"text\\n\"");
}

/* Double-quoted scalars are decoded by our own code (libfyaml 0.7 folds
 * some wrongly): escapes, folding, escaped line breaks, all line-break
 * styles. */
static void test_double_quoted(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *yaml, *json;
    } cases[] = {
            /* the libfyaml bug: an escaped backslash, a tab, a break */
            {"a: \"\\\\\t\n  b\"\n", "{\"a\":\"\\\\ b\"}"},
            {"{a: \"\\\\\t\r\\\\\t\r:e,\t\"}\n", "{\"a\":\"\\\\ \\\\ :e,\\t\"}"},
            /* every escape of YAML 1.2 */
            {"a: \"\\0\\a\\b\\t\\\t\\n\\v\\f\\r\\e\\ \\\"\\/\\\\\"\n",
             "{\"a\":\"\\u0000\\u0007\\b\\t\\t\\n\\u000b\\f\\r\\u001b \\\"/\\\\\"}"},
            {"a: \"\\N\\_\\L\\P\"\n", "{\"a\":\"\xc2\x85\xc2\xa0\\u2028\\u2029\"}"},
            {"a: \"\\x41\\u00e9\\U0001F600\"\n", "{\"a\":\"A\xc3\xa9\xf0\x9f\x98\x80\"}"},
            /* folding: blanks around breaks go, one break is a space, more
             * are newlines; escaped blanks stay */
            {"a: \"one  \n   two\"\n", "{\"a\":\"one two\"}"},
            {"a: \"one\n\n\n  two\"\n", "{\"a\":\"one\\n\\ntwo\"}"},
            {"a: \"one\\t\n  two\"\n", "{\"a\":\"one\\t two\"}"},
            {"a: \"one\\ \n  two\"\n", "{\"a\":\"one  two\"}"},
            {"a: \"  lead and trail  \"\n", "{\"a\":\"  lead and trail  \"}"},
            /* an escaped break joins the lines */
            {"a: \"con\\\n    tinued\"\n", "{\"a\":\"continued\"}"},
            {"a: \"keep \\\n  space\"\n", "{\"a\":\"keep space\"}"},
            /* CRLF and CR breaks fold like LF */
            {"a: \"x\r\n  y\"\r\n", "{\"a\":\"x y\"}"},
            {"a: \"x\r\r  y\"\r", "{\"a\":\"x\\ny\"}"},
            /* quotes and keys */
            {"\"k\\\"q\": \"\"\n", "{\"k\\\"q\":\"\"}"},
            {"- \"a\"\n- \"b\\\"\"\n", "[\"a\",\"b\\\"\"]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_y2j(a, cases[i].yaml, NULL, cases[i].json);
    expect_error(a, "a: \"bad \\q\"\n", NULL, KS_EPARSE, 1, 0, "escape");
}

/* Mapping keys are strings, converted as sigs.k8s.io/yaml converts them. */
static void test_keys(void **state)
{
    ks_arena *a = *state;
    expect_y2j(a, "1: a\ntrue: b\n~: c\n1.5: d\n0x10: e\n-0: f\n\"k\": g\n", NULL,
               "{\"0\":\"f\",\"1\":\"a\",\"1.5\":\"d\",\"16\":\"e\",\"k\":\"g\",\"null\":\"c\","
               "\"true\":\"b\"}");
    expect_error(a, "? [a]\n: 1\n", NULL, KS_EPARSE, 1, 3, "mapping key must be a scalar");
    expect_error(a, "? {a: 1}\n: 1\n", NULL, KS_EPARSE, 1, 3, "mapping key must be a scalar");
    expect_error(a, "a: &m {x: 1}\n*m : 2\n", NULL, KS_EPARSE, 2, 0,
                 "mapping key must be a scalar");
    /* Keys that convert to the same string are duplicates. */
    expect_error(a, "1: a\n0x1: b\n", NULL, KS_EPARSE, 2, 1, "\"1\" more than once");
}

/* ---- documents ---- */

typedef struct doc_log {
    int count;
    char text[8][128];
    kv_yaml_doc info[8];
    int stop_at; /* index at which to return stop_rc, or -1 */
    int stop_rc;
    int release; /* return KV_YAML_RELEASE */
} doc_log;

static int log_doc(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    doc_log *l = ctx;
    assert_true(l->count < 8);
    char *t = tu_to_json(doc, 0);
    snprintf(l->text[l->count], sizeof(l->text[0]), "%s", t);
    ks_xfree(t);
    l->info[l->count] = *info;
    l->count++;
    if (l->stop_at == (int)info->index)
        return l->stop_rc;
    return l->release ? KV_YAML_RELEASE : 0;
}

static void test_streams(void **state)
{
    ks_arena *a = *state;
    const char *src = "# leading comment\n"
                      "a: 1\n"
                      "---\n"
                      "b: 2\n"
                      "---\n"
                      "---\n"
                      "- x\n"
                      "...\n"
                      "--- null\n"
                      "---\n"
                      "c\n";
    doc_log log = {.stop_at = -1};
    ks_error err;
    assert_int_equal(kv_yaml_parse_stream(a, src, strlen(src), NULL, log_doc, &log, &err), 0);
    assert_int_equal(log.count, 6);
    static const char *const want[] = {"{\"a\":1}", "{\"b\":2}", "null",
                                       "[\"x\"]",   "null",      "\"c\""};
    /* The implicit first document starts at its content, after the comment. */
    static const int lines[] = {2, 3, 5, 6, 9, 10};
    static const bool empty[] = {false, false, true, false, false, false};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(log.text[i], want[i]);
        assert_int_equal(log.info[i].index, i);
        assert_int_equal(log.info[i].line, lines[i]);
        assert_int_equal(log.info[i].empty, empty[i]);
    }

    /* An empty stream has no documents; kv_yaml_parse gives null. */
    memset(&log, 0, sizeof(log));
    log.stop_at = -1;
    assert_int_equal(kv_yaml_parse_stream(a, "", 0, NULL, log_doc, &log, &err), 0);
    assert_int_equal(log.count, 0);
    assert_int_equal(kv_yaml_parse_stream(a, "# only a comment\n", 17, NULL, log_doc, &log, &err),
                     0);
    assert_int_equal(log.count, 0);
    kv_value v = kv_int(1);
    assert_int_equal(kv_yaml_parse(a, "", 0, NULL, &v, &err), 0);
    assert_int_equal(v.kind, KV_NULL);
    /* Markers alone make empty documents. */
    assert_int_equal(kv_yaml_parse_stream(a, "---\n...\n---\n", 12, NULL, log_doc, &log, &err), 0);
    assert_int_equal(log.count, 2);
    assert_true(log.info[0].empty && log.info[1].empty);
    assert_int_equal(log.info[1].line, 3);

    /* A callback error stops the stream with that error. */
    memset(&log, 0, sizeof(log));
    log.stop_at = 1;
    log.stop_rc = KS_ETYPE;
    assert_int_equal(kv_yaml_parse_stream(a, src, strlen(src), NULL, log_doc, &log, &err),
                     KS_ETYPE);
    assert_int_equal(log.count, 2);

    /* Releasing each document keeps memory flat; values stay right. */
    memset(&log, 0, sizeof(log));
    log.stop_at = -1;
    log.release = 1;
    size_t before = ks_arena_used(a);
    assert_int_equal(kv_yaml_parse_stream(a, src, strlen(src), NULL, log_doc, &log, &err), 0);
    assert_int_equal(log.count, 6);
    assert_string_equal(log.text[3], "[\"x\"]");
    assert_true(ks_arena_used(a) <= before + 64);

    /* kv_yaml_parse reads the first document only. */
    expect_y2j(a, "a: 1\n---\nb: 2\n", NULL, "{\"a\":1}");
    expect_y2j(a, "a: 1\n---\n[unclosed\n", NULL, "{\"a\":1}");
    /* A stream reports errors in later documents after the earlier ones. */
    memset(&log, 0, sizeof(log));
    log.stop_at = -1;
    ks_error_clear(&err);
    assert_int_equal(kv_yaml_parse_stream(a, "a: 1\n---\nb: [\n", 14, NULL, log_doc, &log, &err),
                     KS_EPARSE);
    assert_int_equal(log.count, 1);
    assert_true(err.line >= 3);
}

/* A release per document lets a long stream run in a small arena. */
static int count_and_release(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    (void)info;
    int *n = ctx;
    int64_t i;
    assert_true(kv_num_int64(kv_obj_get(doc, "i", 1), &i));
    assert_int_equal(i, *n);
    (*n)++;
    return KV_YAML_RELEASE;
}

static void test_stream_release_in_small_arena(void **state)
{
    (void)state;
    ks_buf src = KS_BUF_INIT;
    for (int i = 0; i < 2000; i++)
        ks_buf_printf(&src, "---\ni: %d\nname: item-%d\nlabels: {a: b, c: d}\nlist: [1, 2, 3]\n", i,
                      i);
    ks_arena small;
    ks_arena_init(&small, NULL, 256 * 1024);
    int n = 0;
    ks_error err;
    int rc = kv_yaml_parse_stream(&small, src.data, src.len, NULL, count_and_release, &n, &err);
    if (rc)
        fail_msg("rc %d: %s", rc, err.msg);
    assert_int_equal(n, 2000);
    ks_arena_free(&small);
    ks_buf_free(&src);
}

/* ---- anchors, aliases, merges ---- */

static void test_anchors(void **state)
{
    ks_arena *a = *state;
    expect_y2j(a, "base: &b {x: 1, y: [1, 2]}\nuse: *b\nscalar: &s hello\nagain: *s\n", NULL,
               "{\"again\":\"hello\",\"base\":{\"x\":1,\"y\":[1,2]},\"scalar\":\"hello\","
               "\"use\":{\"x\":1,\"y\":[1,2]}}");
    /* A redefined anchor: aliases see the latest definition. */
    expect_y2j(a, "a: &x 1\nb: *x\nc: &x 2\nd: *x\n", NULL, "{\"a\":1,\"b\":1,\"c\":2,\"d\":2}");
    /* Anchors do not cross documents. */
    /* (libfyaml places an alias after its '*'.) */
    expect_error(a, "a: *nope\n", NULL, KS_EPARSE, 1, 5, "alias *nope refers to no anchor");
    doc_log log = {.stop_at = -1};
    ks_error err;
    const char *two = "a: &x 1\n---\nb: *x\n";
    ks_error_clear(&err);
    assert_int_equal(kv_yaml_parse_stream(a, two, strlen(two), NULL, log_doc, &log, &err),
                     KS_EPARSE);
    assert_int_equal(err.line, 3);
    /* An anchor cannot refer to itself while open. */
    expect_error(a, "a: &r [*r]\n", NULL, KS_EPARSE, 1, 0, "refers to no anchor");
    /* Aliases as keys: scalar ones are fine. */
    expect_y2j(a, "k: &k name\n*k : v\n", NULL, "{\"k\":\"name\",\"name\":\"v\"}");
}

static void test_merge_keys(void **state)
{
    ks_arena *a = *state;
    const char *src = "base: &base {a: 1, b: 2}\n"
                      "over: &over {b: 3, c: 4}\n"
                      "m1:\n  <<: *base\n  b: 9\n"
                      "m2:\n  <<: [*base, *over]\n"
                      "m3:\n  <<: [*over, *base]\n  d: 5\n"
                      "m4:\n  <<: {x: 1}\n  \"<<\": q\n"
                      "m5:\n  b: 0\n  <<: *base\n";
    expect_y2j(a, src, NULL,
               "{\"base\":{\"a\":1,\"b\":2},\"m1\":{\"a\":1,\"b\":9},\"m2\":{\"a\":1,\"b\":2,"
               "\"c\":4},\"m3\":{\"a\":1,\"b\":3,\"c\":4,\"d\":5},\"m4\":{\"<<\":\"q\",\"x\":1},"
               "\"m5\":{\"a\":1,\"b\":0},\"over\":{\"b\":3,\"c\":4}}");
    /* Nested merges. */
    expect_y2j(a, "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n", NULL,
               "{\"a\":{\"x\":1},\"b\":{\"x\":1,\"y\":2},\"c\":{\"x\":1,\"y\":2,\"z\":3}}");
    expect_error(a, "a: {<<: 1}", NULL, KS_EPARSE, 1, 9, "must be a mapping");
    expect_error(a, "a: {<<: [1]}", NULL, KS_EPARSE, 1, 9, "may hold only mappings");
    /* Explicit keys are still checked for duplicates... */
    expect_error(a, "base: &b {a: 0}\nm: {<<: *b, x: 1, x: 2}\n", NULL, KS_EPARSE, 2, 19,
                 "\"x\" more than once");
    /* ...and with KV_YAML_DUP_LAST_WINS the last of them wins, merged keys
     * or not. */
    kv_yaml_opts o = {.flags = KV_YAML_DUP_LAST_WINS};
    expect_y2j(a, "base: &b {a: 0, x: 7}\nm: {<<: *b, x: 1, x: 2}\n", &o,
               "{\"base\":{\"a\":0,\"x\":7},\"m\":{\"a\":0,\"x\":2}}");
    expect_y2j(a, "m: {x: 1, x: 2}\n", &o, "{\"m\":{\"x\":2}}");
}

/* ---- duplicate keys ---- */

static void test_duplicate_keys(void **state)
{
    ks_arena *a = *state;
    expect_error(a, "a: 1\nb: 2\na: 3\n", NULL, KS_EPARSE, 3, 1, "\"a\" more than once");
    expect_error(a, "x:\n  k: 1\n  other: 0\n  k: 2\n", NULL, KS_EPARSE, 4, 3,
                 "\"k\" more than once");
    expect_error(a, "{a: 1, b: 0, a: 2}", NULL, KS_EPARSE, 1, 14, "\"a\" more than once");
    expect_error(a, "- {q: 1}\n- k: 1\n  k: 1\n", NULL, KS_EPARSE, 3, 3, "\"k\"");
    kv_yaml_opts o = {.flags = KV_YAML_DUP_LAST_WINS, .source = "dup.yaml"};
    expect_y2j(a, "a: 1\nb: 2\na: 3\n", &o, "{\"a\":3,\"b\":2}");
    expect_y2j(a, "x:\n  k: 1\n  k: 2\n  k: 3\n", &o, "{\"x\":{\"k\":3}}");
    /* The source name is reported. */
    kv_value v;
    ks_error err;
    kv_yaml_opts named = {.source = "manifests/app.yaml"};
    assert_int_equal(kv_yaml_parse(a, "a: 1\na: 2\n", 10, &named, &v, &err), KS_EPARSE);
    assert_string_equal(err.source, "manifests/app.yaml");
    ks_buf b = KS_BUF_INIT;
    ks_error_format(&err, &b);
    assert_true(strncmp(ks_buf_cstr(&b), "manifests/app.yaml:2:1: ", 24) == 0);
    ks_buf_free(&b);
}

/* ---- syntax errors ---- */

static void test_syntax_errors(void **state)
{
    ks_arena *a = *state;
    expect_error(a, "a: b: c", NULL, KS_EPARSE, 1, 5, NULL);
    expect_error(a, "- a\nb: 1", NULL, KS_EPARSE, 2, 1, NULL);
    expect_error(a, "a:\n\tb: 1", NULL, KS_EPARSE, 2, 1, "tab");
    expect_error(a, "a: \"abc", NULL, KS_EPARSE, 1, 5, "closing quote");
    expect_error(a, "key: [a, b]]", NULL, KS_EPARSE, 1, 12, NULL);
    expect_error(a, "a:\n  - b\n c: 1", NULL, KS_EPARSE, 3, 2, "indentation");
    expect_error(a, "a: [1, 2\nb: 3", NULL, KS_EPARSE, 0, 0, "closing bracket");
    expect_error(a, "a: 'x", NULL, KS_EPARSE, 1, 0, NULL);
    expect_error(a, "{a: 1", NULL, KS_EPARSE, 0, 0, NULL);
    expect_error(a, "a: \"\\q\"", NULL, KS_EPARSE, 1, 0, NULL);
    /* An unsupported YAML version is refused (libfyaml leaves no
     * diagnostic for it, so there is no position to report). */
    expect_error(a, "%YAML 2.0\n---\na: 1\n", NULL, KS_EPARSE, 0, 0, NULL);
    /* Every other error has a position. */
    const char *bad[] = {"a: b: c",         "[",  "]", "{",  "}",      "a: [", "a: {b",
                         "- - -\n  x: : :", "\"", "'", "!!", "a: |\nb"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kv_value v;
        ks_error err;
        ks_error_clear(&err);
        int rc = kv_yaml_parse(a, bad[i], strlen(bad[i]), NULL, &v, &err);
        if (rc == 0)
            continue; /* some are valid YAML after all */
        if (rc != KS_EPARSE || err.line < 1 || err.col < 1 || err.msg[0] == '\0')
            fail_msg("%s: rc %d at %d:%d (%s)", bad[i], rc, err.line, err.col, err.msg);
    }
}

/* ---- limits ---- */

static void test_depth_limit(void **state)
{
    ks_arena *a = *state;
    ks_buf src = KS_BUF_INIT;
    ks_buf_fill(&src, '[', KV_DEFAULT_MAX_DEPTH);
    ks_buf_fill(&src, ']', KV_DEFAULT_MAX_DEPTH);
    kv_value v;
    ks_error err;
    assert_int_equal(kv_yaml_parse(a, src.data, src.len, NULL, &v, &err), 0);
    ks_buf_reset(&src);
    ks_buf_fill(&src, '[', KV_DEFAULT_MAX_DEPTH + 1);
    ks_buf_fill(&src, ']', KV_DEFAULT_MAX_DEPTH + 1);
    ks_error_clear(&err);
    assert_int_equal(kv_yaml_parse(a, src.data, src.len, NULL, &v, &err), KS_ELIMIT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, KV_DEFAULT_MAX_DEPTH + 1);
    ks_buf_free(&src);

    kv_yaml_opts o = {.max_depth = 3};
    expect_y2j(a, "a:\n  b:\n    c: 1\n", &o, "{\"a\":{\"b\":{\"c\":1}}}");
    expect_error(a, "a:\n  b:\n    c:\n      d: 1\n", &o, KS_ELIMIT, 4, 7, "nesting");
    expect_error(a, "- - - - 1\n", &o, KS_ELIMIT, 1, 7, "nesting");
    expect_y2j(a, "- - - 1\n", &o, "[[[1]]]");
}

static void test_size_limit(void **state)
{
    ks_arena *a = *state;
    kv_yaml_opts o = {.max_size = 8};
    expect_y2j(a, "a: 12345", &o, "{\"a\":12345}");
    expect_error(a, "a: 123456", &o, KS_ELIMIT, 0, 0, "more than the limit");
}

static void test_alias_bomb(void **state)
{
    ks_arena *a = *state;
    const char *bomb = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
                       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                       "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                       "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                       "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    size_t before = ks_arena_used(a);
    expect_error(a, bomb, NULL, KS_ELIMIT, 0, 0, "alias");
    /* It failed small: anchored nodes are shared, not copied. */
    assert_true(ks_arena_used(a) - before < (1u << 20));

    /* A lower budget. */
    kv_yaml_opts o = {.max_alias_nodes = 10};
    expect_y2j(a, "a: &l [1, 2, 3, 4]\nb: [*l, *l]\n", &o,
               "{\"a\":[1,2,3,4],\"b\":[[1,2,3,4],[1,2,3,4]]}");
    expect_error(a, "a: &l [1, 2, 3, 4]\nb: [*l, *l, *l]\n", &o, KS_ELIMIT, 2, 14, "10 nodes");
    /* The budget is per document. */
    doc_log log = {.stop_at = -1};
    ks_error err;
    const char *docs = "a: &l [1, 2, 3, 4]\nb: [*l, *l]\n---\na: &l [1, 2, 3, 4]\nb: [*l, *l]\n";
    assert_int_equal(kv_yaml_parse_stream(a, docs, strlen(docs), &o, log_doc, &log, &err), 0);
    assert_int_equal(log.count, 2);
}

static int yaml_parse(ks_arena *a, const char *src, size_t n, kv_value *out, ks_error *err)
{
    return kv_yaml_parse(a, src, n, NULL, out, err);
}

static void test_arena_limit(void **state)
{
    (void)state;
    ks_buf src = KS_BUF_INIT;
    ks_buf_puts(&src, "anchor: &x {k: [1, 2, 3]}\nitems:\n");
    for (int i = 0; i < 200; i++)
        ks_buf_printf(&src,
                      "- name: pod-%d\n  big: 123456789012345678901234567890%d\n  ref: *x\n"
                      "  text: |\n    line one %d\n    line two\n  'quoted %d': \"v\\n\"\n",
                      i, i % 10, i, i);
    tu_arena_limit_sweep(yaml_parse, src.data, src.len);
    ks_buf_free(&src);
}

/* An arena that ran into its limit once (and was rewound) still reads
 * YAML: the reader must not take the arena's sticky failure flag for its
 * own. */
static void test_arena_after_failure(void **state)
{
    (void)state;
    ks_arena l;
    ks_arena_init(&l, NULL, 1 << 16);
    ks_arena_mark m = ks_arena_mark_get(&l);
    assert_null(ks_arena_alloc(&l, 1 << 20));
    ks_arena_rewind(&l, m);
    kv_value v;
    ks_error err;
    const char *src = "a: 1\nb: x\nc: 1e400\n";
    assert_int_equal(kv_yaml_parse(&l, src, strlen(src), NULL, &v, &err), 0);
    char *t = tu_to_json(&v, 0);
    assert_string_equal(t, "{\"a\":1,\"b\":\"x\",\"c\":1e400}");
    ks_xfree(t);
    ks_arena_free(&l);
}

/* JSON is YAML: the same values through either reader. */
static void test_json_is_yaml(void **state)
{
    ks_arena *a = *state;
    const char *texts[] = {
            "{\"a\":1,\"b\":[true,false,null],\"c\":\"s\",\"d\":{\"e\":-1.5e-7}}",
            "[1, 2.5, \"x\\ny\", {\"k\": []}, {}]",
            "{\"big\":12345678901234567890,\"tiny\":0.1000000000000000000001,\"u\":\"\\u00e9\"}",
            "{\"esc\":\"\\t\\\"\\\\\\/\\b\\f\",\"empty\":\"\",\"nul\":null}",
            "\"just a string\"",
            "-12",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        kv_value j = tu_json(a, texts[i]);
        kv_value y = tu_yaml(a, texts[i]);
        if (!kv_equal(&j, &y))
            fail_msg("%s reads differently as YAML", texts[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_core_schema, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_bool11, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_nan_inf_rejected, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_libfyaml_double_free_guard, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_tags, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_double_quoted, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_strings_and_blocks, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_keys, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_streams, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_stream_release_in_small_arena, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_anchors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_merge_keys, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_duplicate_keys, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_syntax_errors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_depth_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_size_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_alias_bomb, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_arena_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_arena_after_failure, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_json_is_yaml, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
