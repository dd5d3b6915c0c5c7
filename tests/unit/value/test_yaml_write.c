/* YAML writer: kubectl -o yaml layout, quoting of strings that would read
 * back as something else, block scalars, and write -> read round trips. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *to_yaml(const kv_value *v)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kv_yaml_write(&b, v, 0);
    if (rc)
        fail_msg("kv_yaml_write: %d", rc);
    return ks_buf_detach(&b, NULL);
}

/* Writes v, checks the text, reads it back and checks the value. */
static void expect_yaml(ks_arena *a, const kv_value *v, const char *want)
{
    char *got = to_yaml(v);
    if (want && strcmp(got, want) != 0)
        fail_msg("want:\n%s\ngot:\n%s", want, got);
    kv_value back;
    ks_error err;
    ks_error_clear(&err);
    if (kv_yaml_parse(a, got, strlen(got), NULL, &back, &err) != 0)
        fail_msg("written YAML does not read back (%d:%d %s):\n%s", err.line, err.col, err.msg,
                 got);
    if (!kv_equal(&back, v)) {
        char *j1 = tu_to_json(v, 0), *j2 = tu_to_json(&back, 0);
        fail_msg("written:\n%s\nreads back as %s, not %s", got, j2, j1);
    }
    /* YAML 1.1 readers (KV_YAML_BOOL11) read it the same. */
    kv_yaml_opts o11 = {.flags = KV_YAML_BOOL11};
    assert_int_equal(kv_yaml_parse(a, got, strlen(got), &o11, &back, &err), 0);
    assert_true(kv_equal(&back, v));
    ks_xfree(got);
}

static void test_kubectl_layout(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(
            a, "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
               "\"namespace\":\"default\",\"labels\":{\"app\":\"web\",\"app.kubernetes.io/"
               "version\":\"1.25\"},\"annotations\":{}},\"spec\":{\"replicas\":3,\"selector\":{"
               "\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{"
               "\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:"
               "1.25\",\"args\":[\"--port=8080\",\"-v\"],\"ports\":[{\"containerPort\":80,"
               "\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":"
               "\"128Mi\"}},\"env\":[]}],\"nodeSelector\":null,\"tolerations\":[[1,2],[]]}}}}");
    expect_yaml(a, &v,
                "apiVersion: apps/v1\n"
                "kind: Deployment\n"
                "metadata:\n"
                "  annotations: {}\n"
                "  labels:\n"
                "    app: web\n"
                "    app.kubernetes.io/version: \"1.25\"\n"
                "  name: web\n"
                "  namespace: default\n"
                "spec:\n"
                "  replicas: 3\n"
                "  selector:\n"
                "    matchLabels:\n"
                "      app: web\n"
                "  template:\n"
                "    metadata:\n"
                "      labels:\n"
                "        app: web\n"
                "    spec:\n"
                "      containers:\n"
                "      - args:\n"
                "        - --port=8080\n"
                "        - -v\n"
                "        env: []\n"
                "        image: nginx:1.25\n"
                "        name: web\n"
                "        ports:\n"
                "        - containerPort: 80\n"
                "          protocol: TCP\n"
                "        resources:\n"
                "          limits:\n"
                "            cpu: 500m\n"
                "            memory: 128Mi\n"
                "      nodeSelector: null\n"
                "      tolerations:\n"
                "      - - 1\n"
                "        - 2\n"
                "      - []\n");
}

static void test_roots(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(a, "[]");
    expect_yaml(a, &v, "[]\n");
    v = tu_json(a, "{}");
    expect_yaml(a, &v, "{}\n");
    v = tu_json(a, "\"hello\"");
    expect_yaml(a, &v, "hello\n");
    v = tu_json(a, "null");
    expect_yaml(a, &v, "null\n");
    v = tu_json(a, "true");
    expect_yaml(a, &v, "true\n");
    v = tu_json(a, "-1.5e-7");
    expect_yaml(a, &v, "-1.5e-7\n");
    v = tu_json(a, "[1,\"a\",[],{},{\"k\":\"v\",\"l\":[null]}]");
    expect_yaml(a, &v, "- 1\n- a\n- []\n- {}\n- k: v\n  l:\n  - null\n");
    v = tu_json(a, "[[[\"deep\"]]]");
    expect_yaml(a, &v, "- - - deep\n");
    /* A literal block at the root is indented (column 0 could be "---"). */
    v = tu_json(a, "\"---\\n...\\n\"");
    expect_yaml(a, &v, "|\n  ---\n  ...\n");
    v = tu_json(a, "\"---\"");
    expect_yaml(a, &v, NULL);
    v = tu_json(a, "\"--- x\"");
    expect_yaml(a, &v, NULL);
}

static void test_numbers_and_scalars(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(a, "{\"i\":-42,\"d\":0.5,\"big\":12345678901234567890,\"huge\":1E400,"
                            "\"g\":1e21,\"t\":true,\"f\":false,\"n\":null,\"z\":-0,\"m\":1e-7}");
    /* (The key "n" is a YAML 1.1 boolean, so it is quoted.) */
    expect_yaml(a, &v,
                "big: 12345678901234567890\nd: 0.5\nf: false\ng: 1e+21\nhuge: 1E400\ni: -42\n"
                "m: 1e-7\n\"n\": null\nt: true\nz: 0\n");
    /* Sets are written as sequences (and read back as arrays). */
    kv_value items[] = {kv_int(2), kv_int(1)};
    kv_value set;
    assert_int_equal(kv_set_new(a, items, 2, &set), 0);
    char *t = to_yaml(&set);
    assert_string_equal(t, "- 1\n- 2\n");
    ks_xfree(t);
    /* Non-string keys are written as their JSON text, quoted as needed. */
    kv_member m[] = {{kv_int(1), kv_str_ref("one", 3)}, {kv_bool(true), kv_null()}};
    kv_value o;
    assert_int_equal(kv_object_new(a, m, 2, KV_DUP_ERROR, &o, NULL), 0);
    t = to_yaml(&o);
    assert_string_equal(t, "\"true\": null\n\"1\": one\n");
    ks_xfree(t);
}

/* Strings and the style they are written in. */
static void test_quoting(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *s, *yaml;
    } cases[] = {
            /* plain */
            {"hello", "hello"},
            {"nginx:1.25", "nginx:1.25"},
            {"http://example.com/a?b=c#d", "http://example.com/a?b=c#d"},
            {"a b c", "a b c"},
            {"-x", "-x"},
            {"--port=80", "--port=80"},
            {"a:b", "a:b"},
            {"a# b", "a# b"},
            {"100m", "100m"},
            {"v1", "v1"},
            {"it's", "it's"},
            {"\\", "\\"},
            {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"},
            /* would read as another type: double-quoted */
            {"", "\"\""},
            {"true", "\"true\""},
            {"True", "\"True\""},
            {"false", "\"false\""},
            {"null", "\"null\""},
            {"Null", "\"Null\""},
            {"~", "\"~\""},
            {"1", "\"1\""},
            {"-1", "\"-1\""},
            {"1.5", "\"1.5\""},
            {"1e3", "\"1e3\""},
            {"0x10", "\"0x10\""},
            {"0o17", "\"0o17\""},
            {"0644", "\"0644\""},
            {"1_000", "\"1_000\""},
            {".5", "\".5\""},
            {"+1", "\"+1\""},
            {".inf", "\".inf\""},
            {"-.Inf", "\"-.Inf\""},
            {".NaN", "\".NaN\""},
            {"12:30", "\"12:30\""},
            {"2024-01-15", "\"2024-01-15\""},
            {"2024-01-15T10:00:00Z", "\"2024-01-15T10:00:00Z\""},
            /* YAML 1.1 words, for readers that still know them */
            {"yes", "\"yes\""},
            {"No", "\"No\""},
            {"on", "\"on\""},
            {"OFF", "\"OFF\""},
            {"y", "\"y\""},
            {"N", "\"N\""},
            {"<<", "\"<<\""},
            {"=", "\"=\""},
            /* indicators and blanks: single-quoted */
            {"a: b", "'a: b'"},
            {"key:", "'key:'"},
            {"- item", "'- item'"},
            {"-", "'-'"},
            {"?", "'?'"},
            {":", "':'"},
            {"#comment", "'#comment'"},
            {"a #b", "'a #b'"},
            {"*alias", "'*alias'"},
            {"&anchor", "'&anchor'"},
            {"!tag", "'!tag'"},
            {"|", "'|'"},
            {">", "'>'"},
            {"%x", "'%x'"},
            {"@x", "'@x'"},
            {"`x", "'`x'"},
            {"[x]", "'[x]'"},
            {"{x}", "'{x}'"},
            {",x", "',x'"},
            {"\"q\"", "'\"q\"'"},
            {"'q'", "'''q'''"},
            {" lead", "' lead'"},
            {"trail ", "'trail '"},
            {"--- x", "'--- x'"},
            /* escapes: double-quoted */
            {"tab\there", "\"tab\\there\""},
            {"\x01", "\"\\x01\""},
            {"\x7f", "\"\\x7F\""},
            {"bell\a", "\"bell\\x07\""},
            {"cr\r", "\"cr\\r\""},
            {"\xc2\x85", "\"\\u0085\""},
            {"\xe2\x80\xa8", "\"\\u2028\""},
            {"\xef\xbb\xbfx", "\"\\uFEFFx\""},
            {" \n", "\" \\n\""},
            {"\n", "\"\\n\""},
            {"\n\n", "\"\\n\\n\""},
            {"a\n ", "\"a\\n \""},
            {" a\nb", "\" a\\nb\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_value s = kv_str_ref(cases[i].s, strlen(cases[i].s));
        kv_member m = {kv_str_ref("k", 1), s};
        kv_value o;
        assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &o, NULL), 0);
        char want[128];
        snprintf(want, sizeof(want), "k: %s\n", cases[i].yaml);
        expect_yaml(a, &o, want);
        /* As a key and as a sequence item. */
        kv_member km = {s, kv_int(1)};
        assert_int_equal(kv_object_new(a, &km, 1, KV_DUP_ERROR, &o, NULL), 0);
        snprintf(want, sizeof(want), "%s: 1\n", cases[i].yaml);
        expect_yaml(a, &o, want);
        kv_value arr;
        assert_int_equal(kv_array_new(a, &s, 1, &arr), 0);
        snprintf(want, sizeof(want), "- %s\n", cases[i].yaml);
        expect_yaml(a, &arr, want);
    }
    /* NUL bytes. */
    kv_value nul = kv_str_ref("a\0b", 3);
    kv_member m = {kv_str_ref("k", 1), nul};
    kv_value o;
    assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &o, NULL), 0);
    expect_yaml(a, &o, "k: \"a\\0b\"\n");
    /* Bytes that are not UTF-8 are kept, as !!binary. */
    kv_value bad = kv_str_ref("a\xff", 2);
    m.val = bad;
    assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &o, NULL), 0);
    expect_yaml(a, &o, "k: !!binary Yf8=\n");
}

static void test_literal_blocks(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *s, *yaml;
    } cases[] = {
            {"line1\nline2", "k: |-\n  line1\n  line2\n"},
            {"line1\nline2\n", "k: |\n  line1\n  line2\n"},
            {"a\n\n", "k: |+\n  a\n\n"},
            {"a\n\n\n", "k: |+\n  a\n\n\n"},
            {"a\n\nb\n", "k: |\n  a\n\n  b\n"},
            {"\nleading blank\n", "k: |\n\n  leading blank\n"},
            {"x\n\ty", "k: |-\n  x\n  \ty\n"},
            {"line\n  indented\n", "k: |\n  line\n    indented\n"},
            {"#!/bin/sh\necho \"hi\" # c\nexit 0\n",
             "k: |\n  #!/bin/sh\n  echo \"hi\" # c\n  exit 0\n"},
            {"---\nkind: X\n...\n", "k: |\n  ---\n  kind: X\n  ...\n"},
            {"key: value\n- item\n", "k: |\n  key: value\n  - item\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_member m = {kv_str_ref("k", 1), kv_str_ref(cases[i].s, strlen(cases[i].s))};
        kv_value o;
        assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &o, NULL), 0);
        expect_yaml(a, &o, cases[i].yaml);
    }
    /* Nested: the block is indented under its key, wherever it is. */
    kv_value v = tu_json(a, "{\"data\":{\"script.sh\":\"a\\nb\\n\"},\"list\":[\"x\\ny\",{\"k\":"
                            "\"p\\nq\"}]}");
    expect_yaml(a, &v,
                "data:\n  script.sh: |\n    a\n    b\nlist:\n- |-\n  x\n  y\n- k: |-\n    p\n"
                "    q\n");
    /* A multi-line key cannot be a block: it is double-quoted. */
    kv_member km = {kv_str_ref("a\nb", 3), kv_int(1)};
    kv_value o;
    assert_int_equal(kv_object_new(a, &km, 1, KV_DUP_ERROR, &o, NULL), 0);
    expect_yaml(a, &o, "\"a\\nb\": 1\n");
}

/* Strings that are not UTF-8 are written as !!binary (as go-yaml does) and
 * read back as the same bytes, as values and as keys. */
static void test_binary_strings(void **state)
{
    ks_arena *a = *state;
    kv_value s = kv_str_ref("\xff\xfe ok", 5);
    expect_yaml(a, &s, "!!binary //4gb2s=\n");
    kv_member m = {kv_str_ref("k\x80", 2), kv_str_ref("v", 1)};
    kv_value obj;
    assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &obj, NULL), 0);
    expect_yaml(a, &obj, "!!binary a4A=: v\n");
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(kv_yaml_write(&b, &obj, 0), 0);
    kv_value back;
    ks_error err;
    assert_int_equal(kv_yaml_parse(a, b.data, b.len, NULL, &back, &err), 0);
    assert_true(kv_equal(&obj, &back));
    ks_buf_free(&b);
}

static void test_buffer_limit(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(a, "{\"a\":[1,2,3],\"b\":\"x\\ny\"}");
    char *full = to_yaml(&v);
    size_t n = strlen(full);
    for (size_t max = 1; max < n + 3; max++) {
        ks_buf b;
        ks_buf_init(&b, max);
        int rc = kv_yaml_write(&b, &v, 0);
        if (max < n && rc != KS_ELIMIT)
            fail_msg("max %zu: rc %d", max, rc);
        if (max >= n) {
            assert_int_equal(rc, 0);
            assert_string_equal(ks_buf_cstr(&b), full);
        }
        ks_buf_free(&b);
    }
    ks_xfree(full);
    /* A non-finite double is refused and nothing is left behind. */
    kv_value bad[] = {kv_int(1), {.kind = KV_NUMBER, .sub = KV_NUM_DOUBLE, .u.d = INFINITY}};
    kv_value arr;
    assert_int_equal(kv_array_new(a, bad, 2, &arr), 0);
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "keep");
    assert_int_equal(kv_yaml_write(&b, &arr, 0), KS_EINVAL);
    assert_string_equal(ks_buf_cstr(&b), "keep");
    ks_buf_free(&b);
}

/* ---- random round trips ---- */

static const char *const nasty[] = {"",
                                    "x",
                                    "true",
                                    "False",
                                    "yes",
                                    "NO",
                                    "null",
                                    "~",
                                    "1",
                                    "-1.5",
                                    "1e3",
                                    "0x1F",
                                    "0o17",
                                    "0644",
                                    "1_000",
                                    ".inf",
                                    ".nan",
                                    "12:30",
                                    "2024-01-01",
                                    "<<",
                                    "=",
                                    " x",
                                    "x ",
                                    "a\nb",
                                    "a\n",
                                    "a\n\n",
                                    "\n",
                                    "\n\nx",
                                    " \nx",
                                    "x\n ",
                                    "#",
                                    "- x",
                                    "-",
                                    "---",
                                    "...",
                                    "--- x",
                                    "a: b",
                                    "a #b",
                                    "key:",
                                    "'",
                                    "\"",
                                    "\\",
                                    "\t",
                                    "a\tb",
                                    "\x01",
                                    "\x7f",
                                    "\xc3\xa9",
                                    "\xe2\x80\xa8",
                                    "@",
                                    "%",
                                    "`",
                                    "[a]",
                                    "{a}",
                                    "&a",
                                    "*a",
                                    "!a",
                                    "|",
                                    ">",
                                    "?",
                                    ":",
                                    ",",
                                    "a,b",
                                    "a\r\nb",
                                    "\r",
                                    "x\n\ty",
                                    "  indented\nnext",
                                    "last line\n  more",
                                    "\xef\xbb\xbf",
                                    "0.1.0",
                                    "v1.2.3",
                                    "100Mi",
                                    "500m",
                                    "+",
                                    "._",
                                    "1e400"};

static kv_value gen(ks_arena *a, int depth)
{
    unsigned pick = (unsigned)(tu_rng() % (depth >= 4 ? 4 : 7));
    size_t nn = sizeof(nasty) / sizeof(nasty[0]);
    switch (pick) {
    case 0: return tu_rng() % 2 ? kv_null() : kv_bool(tu_rng() & 1);
    case 1: {
        static const char *const nums[] = {"0",       "-7",
                                           "3.25",    "1e21",
                                           "1e-7",    "12345678901234567890",
                                           "1E400",   "0.1000000000000000000001",
                                           "-1.5e300"};
        const char *t = nums[tu_rng() % (sizeof(nums) / sizeof(nums[0]))];
        kv_value v;
        assert_int_equal(kv_number_parse(a, t, strlen(t), &v), 0);
        return v;
    }
    case 2:
    case 3: {
        /* A nasty string, sometimes two joined. */
        const char *s1 = nasty[tu_rng() % nn];
        if (tu_rng() % 3)
            return kv_str_ref(s1, strlen(s1));
        const char *s2 = nasty[tu_rng() % nn];
        size_t l1 = strlen(s1), l2 = strlen(s2);
        char *t = ks_arena_alloc_bytes(a, l1 + l2 + 1);
        memcpy(t, s1, l1);
        memcpy(t + l1, s2, l2);
        t[l1 + l2] = '\0';
        return kv_str_ref(t, l1 + l2);
    }
    case 4: {
        kv_value items[4], out;
        size_t n = tu_rng() % 5;
        for (size_t i = 0; i < n; i++)
            items[i] = gen(a, depth + 1);
        assert_int_equal(kv_array_new(a, items, n, &out), 0);
        return out;
    }
    default: {
        kv_member m[4];
        size_t n = tu_rng() % 5;
        for (size_t i = 0; i < n; i++) {
            const char *k = nasty[tu_rng() % nn];
            m[i].key = kv_str_ref(k, strlen(k));
            m[i].val = gen(a, depth + 1);
        }
        kv_value out;
        assert_int_equal(kv_object_new(a, m, n, KV_DUP_LAST_WINS, &out, NULL), 0);
        return out;
    }
    }
}

static void test_random_round_trip(void **state)
{
    ks_arena *a = *state;
    tu_rng_seed(424242);
    for (int i = 0; i < 1500; i++) {
        kv_value v = gen(a, 0);
        expect_yaml(a, &v, NULL);
        /* And through JSON, which must agree. */
        char *j = tu_to_json(&v, 0);
        kv_value back = tu_json(a, j);
        assert_true(kv_equal(&back, &v));
        ks_xfree(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_kubectl_layout, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_roots, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_numbers_and_scalars, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_quoting, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_literal_blocks, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_binary_strings, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_buffer_limit, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_random_round_trip, tu_arena_setup,
                                            tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
