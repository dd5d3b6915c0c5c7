/* kube_patch_json (RFC 6902) and kube_patch_merge (RFC 7386): the kinds of
 * case the RFCs' appendices walk through (written here in our own words),
 * JSON Pointer escapes, array positions, every error, atomicity and the
 * operation limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/patch.h"
#include "testutil.h"

/* tables list only the fields a case needs */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* Objects in results must keep their members strictly sorted. */
static void check_sorted(const kv_value *v)
{
    if (v->kind == KV_OBJECT) {
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                assert_true(kv_compare(&v->u.members[i - 1].key, &v->u.members[i].key) < 0);
            check_sorted(&v->u.members[i].val);
        }
    } else if (v->kind == KV_ARRAY) {
        for (size_t i = 0; i < v->len; i++)
            check_sorted(&v->u.items[i]);
    }
}

typedef int (*patch_fn)(ks_arena *a, const kv_value *doc, const kv_value *patch, kv_value *out,
                        ks_error *err);

typedef struct pcase {
    const char *doc, *patch, *want; /* want NULL: an error */
    int code;
    const char *msg; /* substring of the error */
} pcase;

static void run_cases(ks_arena *a, patch_fn fn, const pcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kv_value doc = tu_json(a, cases[i].doc);
        kv_value patch = tu_json(a, cases[i].patch);
        char *before = tu_to_json(&doc, KV_JSON_CANONICAL);
        kv_value out;
        ks_error err;
        ks_error_clear(&err);
        int rc = fn(a, &doc, &patch, &out, &err);
        if (cases[i].want) {
            if (rc != 0)
                fail_msg("case %zu (%s): %s", i, cases[i].patch, err.msg);
            check_sorted(&out);
            kv_value want = tu_json(a, cases[i].want);
            if (!kv_equal(&out, &want)) {
                char *got = tu_to_json(&out, 0);
                fail_msg("case %zu (%s):\n got: %s\nwant: %s", i, cases[i].patch, got,
                         cases[i].want);
            }
        } else {
            if (rc != cases[i].code)
                fail_msg("case %zu (%s): rc %d, want %d (%s)", i, cases[i].patch, rc, cases[i].code,
                         err.msg);
            if (cases[i].msg && !strstr(err.msg, cases[i].msg))
                fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
        }
        /* the input document is never changed */
        char *after = tu_to_json(&doc, KV_JSON_CANONICAL);
        assert_string_equal(before, after);
        ks_xfree(before);
        ks_xfree(after);
    }
}

static void test_json_patch_ops(void **state)
{
    static const pcase cases[] = {
            /* adding a member, an element, a nested object, an array */
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2}]", "{\"a\":1,\"b\":2}"},
            {"{\"l\":[\"x\",\"z\"]}", "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":\"y\"}]",
             "{\"l\":[\"x\",\"y\",\"z\"]}"},
            {"{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/-\",\"value\":2}]", "{\"l\":[1,2]}"},
            {"{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":2}]", "{\"l\":[1,2]}"},
            {"{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/0\",\"value\":0}]", "{\"l\":[0,1]}"},
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/c\",\"value\":{\"d\":\"e\"}}]",
             "{\"a\":1,\"c\":{\"d\":\"e\"}}"},
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":[[\"x\"]]}]",
             "{\"a\":1,\"b\":[[\"x\"]]}"},
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":null}]", "{\"a\":null}"},
            /* add replaces an existing member */
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":3}]", "{\"a\":3}"},
            /* removing */
            {"{\"a\":1,\"b\":2}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", "{\"a\":1}"},
            {"{\"l\":[1,2,3]}", "[{\"op\":\"remove\",\"path\":\"/l/1\"}]", "{\"l\":[1,3]}"},
            {"{\"a\":{\"b\":{\"c\":1,\"d\":2}}}", "[{\"op\":\"remove\",\"path\":\"/a/b/c\"}]",
             "{\"a\":{\"b\":{\"d\":2}}}"},
            /* replacing */
            {"{\"a\":1,\"b\":2}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":5}]",
             "{\"a\":5,\"b\":2}"},
            {"{\"l\":[1,2]}", "[{\"op\":\"replace\",\"path\":\"/l/1\",\"value\":{}}]",
             "{\"l\":[1,{}]}"},
            {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]", "[1]"},
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":{\"x\":1}}]", "{\"x\":1}"},
            /* as kube-apiserver: replace sets a member that is missing */
            {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":2}]",
             "{\"a\":1,\"b\":2}"},
            /* moving a member and an element */
            {"{\"s\":{\"x\":1,\"y\":2},\"t\":{\"z\":3}}",
             "[{\"op\":\"move\",\"from\":\"/s/x\",\"path\":\"/t/x\"}]",
             "{\"s\":{\"y\":2},\"t\":{\"x\":1,\"z\":3}}"},
            {"{\"l\":[1,2,3,4]}", "[{\"op\":\"move\",\"from\":\"/l/1\",\"path\":\"/l/3\"}]",
             "{\"l\":[1,3,4,2]}"},
            {"{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]", "{\"a\":1}"},
            /* copying */
            {"{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]",
             "{\"a\":{\"b\":1},\"c\":{\"b\":1}}"},
            {"{\"l\":[1,2]}", "[{\"op\":\"copy\",\"from\":\"/l/0\",\"path\":\"/l/-\"}]",
             "{\"l\":[1,2,1]}"},
            /* testing (numbers compare by value) */
            {"{\"a\":\"s\",\"b\":[1,2,{\"c\":true}]}",
             "[{\"op\":\"test\",\"path\":\"/a\",\"value\":\"s\"},"
             "{\"op\":\"test\",\"path\":\"/b\",\"value\":[1,2,{\"c\":true}]}]",
             "{\"a\":\"s\",\"b\":[1,2,{\"c\":true}]}"},
            {"{\"n\":1}", "[{\"op\":\"test\",\"path\":\"/n\",\"value\":1.0}]", "{\"n\":1}"},
            /* members the operation does not know are ignored */
            {"{}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1,\"extra\":true}]", "{\"a\":1}"},
            /* pointer escapes: ~1 is '/', ~0 is '~', decoded once */
            {"{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
             "{\"/\":9,\"~1\":10}"},
            {"{}", "[{\"op\":\"add\",\"path\":\"/a~1b\",\"value\":1}]", "{\"a/b\":1}"},
            {"{\"\":{\"\":1}}", "[{\"op\":\"replace\",\"path\":\"//\",\"value\":2}]",
             "{\"\":{\"\":2}}"},
            /* a sequence; each operation sees the result of the last */
            {"{\"a\":[]}",
             "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":1},"
             "{\"op\":\"add\",\"path\":\"/a/-\",\"value\":2},"
             "{\"op\":\"remove\",\"path\":\"/a/0\"},"
             "{\"op\":\"test\",\"path\":\"/a\",\"value\":[2]}]",
             "{\"a\":[2]}"},
            /* containers this patch built are changed in place: a copy
             * must not see later changes to its source, nor the source
             * changes to the copy, and a copied item must not move under
             * the insertion that places it */
            {"{\"l\":[1,2,3]}",
             "[{\"op\":\"add\",\"path\":\"/l/-\",\"value\":4},"
             "{\"op\":\"copy\",\"from\":\"/l/2\",\"path\":\"/l/0\"}]",
             "{\"l\":[3,1,2,3,4]}"},
            {"{\"a\":{\"b\":[1]}}",
             "[{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":2},"
             "{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"},"
             "{\"op\":\"add\",\"path\":\"/c/b/-\",\"value\":3},"
             "{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":4},"
             "{\"op\":\"add\",\"path\":\"/a/x\",\"value\":5}]",
             "{\"a\":{\"b\":[1,2,4],\"x\":5},\"c\":{\"b\":[1,2,3]}}"},
            {"{\"l\":[0,1,2,3,4]}",
             "[{\"op\":\"remove\",\"path\":\"/l/0\"},"
             "{\"op\":\"move\",\"from\":\"/l/0\",\"path\":\"/l/3\"},"
             "{\"op\":\"move\",\"from\":\"/l/3\",\"path\":\"/l/0\"},"
             "{\"op\":\"replace\",\"path\":\"/l/1\",\"value\":9},"
             "{\"op\":\"copy\",\"from\":\"/l\",\"path\":\"/l/-\"},"
             "{\"op\":\"add\",\"path\":\"/l/4/0\",\"value\":7}]",
             "{\"l\":[1,9,3,4,[7,1,9,3,4]]}"},
            /* an empty patch */
            {"{\"a\":1}", "[]", "{\"a\":1}"},
    };
    run_cases(*state, kube_patch_json, cases, sizeof cases / sizeof *cases);
}

static void test_json_patch_errors(void **state)
{
    static const pcase cases[] = {
            {"{}", "{\"op\":\"add\"}", NULL, KS_EPARSE, "must be an array"},
            {"{}", "[1]", NULL, KS_EPARSE, "operation 0: must be an object"},
            {"{}", "[{\"path\":\"/a\"}]", NULL, KS_EINVAL, "missing \"op\""},
            {"{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", NULL, KS_EINVAL,
             "unknown operation \"frob\""},
            {"{}", "[{\"op\":\"add\",\"value\":1}]", NULL, KS_EINVAL, "missing \"path\""},
            {"{}", "[{\"op\":\"add\",\"path\":3,\"value\":1}]", NULL, KS_EINVAL,
             "\"path\" must be a string"},
            {"{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", NULL, KS_EINVAL, "missing \"value\""},
            {"{}", "[{\"op\":\"test\",\"path\":\"/a\"}]", NULL, KS_EINVAL, "missing \"value\""},
            {"{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", NULL, KS_EINVAL,
             "must be empty or start with '/'"},
            {"{}", "[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]", NULL, KS_EINVAL,
             "'~' must be followed by '0' or '1'"},
            {"{}", "[{\"op\":\"add\",\"path\":\"/a~\",\"value\":1}]", NULL, KS_EINVAL, "'~'"},
            /* the target's parent must exist */
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b/c\",\"value\":1}]", NULL, KS_EINVAL,
             "operation 0 (add): path \"/b/c\": the document has no member or item \"b\""},
            {"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL, KS_EINVAL,
             "(remove): path \"/b\""},
            {"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b/c\",\"value\":1}]", NULL, KS_EINVAL,
             "(replace)"},
            {"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", NULL, KS_EINVAL,
             "cannot change a member of a number"},
            /* array positions */
            {"{\"l\":[1]}", "[{\"op\":\"add\",\"path\":\"/l/2\",\"value\":1}]", NULL, KS_EINVAL,
             "out of range"},
            {"{\"l\":[1]}", "[{\"op\":\"replace\",\"path\":\"/l/1\",\"value\":1}]", NULL, KS_EINVAL,
             "out of range"},
            {"{\"l\":[1]}", "[{\"op\":\"remove\",\"path\":\"/l/-\"}]", NULL, KS_EINVAL,
             "not an array index"},
            {"{\"l\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/l/01\",\"value\":1}]", NULL, KS_EINVAL,
             "not an array index"},
            {"{\"l\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/l/-1\",\"value\":1}]", NULL, KS_EINVAL,
             "not an array index"},
            {"{\"l\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/l/99999999999\",\"value\":1}]", NULL,
             KS_EINVAL, "not an array index"},
            {"{\"l\":[[1]]}", "[{\"op\":\"add\",\"path\":\"/l/x/0\",\"value\":1}]", NULL, KS_EINVAL,
             "no member or item \"x\""},
            /* the root */
            {"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", NULL, KS_EINVAL,
             "cannot remove the whole document"},
            /* move and copy */
            {"{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", NULL,
             KS_EINVAL, "cannot move a value into itself"},
            {"{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/b\"}]", NULL, KS_EINVAL,
             "\"from\" does not exist"},
            {"{\"a\":1}", "[{\"op\":\"copy\",\"path\":\"/b\"}]", NULL, KS_EINVAL,
             "missing \"from\""},
            /* test */
            {"{\"a\":\"s\"}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":\"t\"}]", NULL,
             KS_EINVAL, "test failed: the value is \"s\""},
            {"{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]", NULL,
             KS_EINVAL, "test failed"},
            {"{}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":null}]", NULL, KS_EINVAL,
             "does not exist"},
            /* a later failure undoes nothing visible: the input stays as it was */
            {"{\"a\":1}",
             "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},"
             "{\"op\":\"test\",\"path\":\"/b\",\"value\":3}]",
             NULL, KS_EINVAL, "operation 1 (test)"},
    };
    run_cases(*state, kube_patch_json, cases, sizeof cases / sizeof *cases);
}

static void test_json_patch_limits(void **state)
{
    /* KUBE_PATCH_MAX_OPS operations pass; one more is refused */
    ks_buf b = KS_BUF_INIT;
    ks_buf_putc(&b, '[');
    for (int i = 0; i <= KUBE_PATCH_MAX_OPS; i++)
        ks_buf_puts(&b, i ? ",{\"op\":\"add\",\"path\":\"/l/-\",\"value\":1}"
                          : "{\"op\":\"add\",\"path\":\"/l/-\",\"value\":1}");
    ks_buf_putc(&b, ']');
    kv_value too_many = tu_json(*state, b.data);
    kv_value doc = tu_json(*state, "{\"l\":[]}");
    kv_value out;
    ks_error err;
    assert_int_equal(kube_patch_json(*state, &doc, &too_many, &out, &err), KS_ELIMIT);
    assert_string_equal(err.msg, "The allowed maximum operations in a JSON patch is 10000, got "
                                 "10001");
    kv_value ok = too_many;
    ok.len--;
    assert_int_equal(kube_patch_json(*state, &doc, &ok, &out, &err), 0);
    assert_int_equal(kv_path(&out, "l")->len, KUBE_PATCH_MAX_OPS);
    ks_buf_free(&b);

    /* many operations on one wide array and one wide object stay linear:
     * 10,000 of them on 100,000 items fit in 64 MiB (copying the array for
     * each would take about 10 GB) */
    {
        ks_buf d = KS_BUF_INIT, p = KS_BUF_INIT;
        ks_buf_puts(&d, "{\"l\":[");
        for (int i = 0; i < 100000; i++)
            ks_buf_printf(&d, "%s%d", i ? "," : "", i);
        ks_buf_puts(&d, "],\"m\":{");
        for (int i = 0; i < 20000; i++)
            ks_buf_printf(&d, "%s\"k%d\":%d", i ? "," : "", i, i);
        ks_buf_puts(&d, "}}");
        ks_buf_putc(&p, '[');
        for (int i = 0; i < KUBE_PATCH_MAX_OPS; i++)
            ks_buf_printf(&p, "%s{\"op\":\"add\",\"path\":\"/%s\",\"value\":%d}", i ? "," : "",
                          i % 2 ? "l/-" : (i % 4 ? "m/k5" : "m/new"), i);
        ks_buf_putc(&p, ']');
        kv_value wide = tu_json(*state, d.data), ops = tu_json(*state, p.data), res;
        ks_arena bounded;
        ks_arena_init(&bounded, NULL, 64u << 20);
        assert_int_equal(kube_patch_json(&bounded, &wide, &ops, &res, &err), 0);
        assert_int_equal(kv_path(&res, "l")->len, 100000 + KUBE_PATCH_MAX_OPS / 2);
        assert_int_equal(kv_path(&res, "m")->len, 20001);
        int64_t last;
        assert_true(kv_num_int64(kv_path(&res, "m.new"), &last));
        assert_int_equal(last, KUBE_PATCH_MAX_OPS - 4);
        assert_int_equal(kv_path(&wide, "l")->len, 100000); /* the input is untouched */
        ks_arena_free(&bounded);
        ks_buf_free(&d);
        ks_buf_free(&p);
    }

    /* an arena at its limit gives KS_ELIMIT, never a crash */
    ks_arena small;
    ks_arena_init(&small, NULL, 4096);
    kv_value big = tu_json(*state, "[{\"op\":\"add\",\"path\":\"/l/0\",\"value\":1}]");
    kv_value items[2000];
    for (int i = 0; i < 2000; i++)
        items[i] = kv_int(i);
    kv_value arr, wrapped;
    assert_int_equal(kv_array_new(*state, items, 2000, &arr), 0);
    kv_member m = {kv_str_ref("l", 1), arr};
    assert_int_equal(kv_object_new(*state, &m, 1, KV_DUP_ERROR, &wrapped, NULL), 0);
    assert_int_equal(kube_patch_json(&small, &wrapped, &big, &out, &err), KS_ELIMIT);
    ks_arena_free(&small);
}

static void test_merge_patch(void **state)
{
    static const pcase cases[] = {
            {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
            {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
            {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
            {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
            {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
            {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
            {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
            {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
            {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
            {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
            {"{\"a\":\"foo\"}", "null", "null"},
            {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
            {"{\"e\":null}", "{\"a\":1}", "{\"a\":1,\"e\":null}"},
            /* as kube-apiserver: nulls inside new arrays' objects are pruned,
             * except where an array replaces an object */
            {"{}", "{\"a\":[{\"b\":null,\"c\":[{\"d\":null}]},null]}",
             "{\"a\":[{\"c\":[{}]},null]}"},
            {"{\"a\":[1]}", "{\"a\":[{\"b\":null}]}", "{\"a\":[{}]}"},
            {"{\"a\":{\"x\":1}}", "{\"a\":[{\"b\":null}]}", "{\"a\":[{\"b\":null}]}"},
            {"{\"a\":1}", "[{\"b\":null},null]", "[{},null]"},
            {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
            {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
            {"{\"a\":1,\"c\":3,\"e\":5}", "{\"b\":2,\"c\":null,\"d\":4,\"f\":6}",
             "{\"a\":1,\"b\":2,\"d\":4,\"e\":5,\"f\":6}"},
            {"{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"x\":[1]}}",
             "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{\"x\":[]}}",
             "{\"metadata\":{\"labels\":{\"b\":\"2\",\"c\":\"3\"}},\"spec\":{\"x\":[]}}"},
    };
    run_cases(*state, kube_patch_merge, cases, sizeof cases / sizeof *cases);

    /* nesting past the limit is refused */
    kv_value v = tu_json(*state, "{}");
    for (int i = 0; i < KUBE_PATCH_MAX_DEPTH + 2; i++) {
        kv_member m = {kv_str_ref("a", 1), v};
        assert_int_equal(kv_object_new(*state, &m, 1, KV_DUP_ERROR, &v, NULL), 0);
    }
    kv_value doc = tu_json(*state, "{}"), out;
    ks_error err;
    assert_int_equal(kube_patch_merge(*state, &doc, &v, &out, &err), KS_ELIMIT);
}

static void test_patch_entry(void **state)
{
    kube_patch_type t;
    assert_int_equal(kube_patch_type_parse("application/json-patch+json", 27, &t), 0);
    assert_int_equal(t, KUBE_PATCH_JSON);
    const char *ct = "application/merge-patch+json; charset=utf-8";
    assert_int_equal(kube_patch_type_parse(ct, strlen(ct), &t), 0);
    assert_int_equal(t, KUBE_PATCH_MERGE);
    ct = "Application/Strategic-Merge-Patch+JSON";
    assert_int_equal(kube_patch_type_parse(ct, strlen(ct), &t), 0);
    assert_int_equal(t, KUBE_PATCH_STRATEGIC);
    ct = "application/apply-patch+yaml";
    assert_int_equal(kube_patch_type_parse(ct, strlen(ct), &t), 0);
    assert_int_equal(t, KUBE_PATCH_APPLY);
    ct = "application/json";
    assert_int_equal(kube_patch_type_parse(ct, strlen(ct), &t), KS_EUNSUPPORTED);
    assert_int_equal(kube_patch_type_parse("", 0, &t), KS_EUNSUPPORTED);

    kv_value doc = tu_json(*state, "{\"a\":1}"), out;
    ks_error err;
    const char *body = "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2}]";
    assert_int_equal(
            kube_patch(*state, KUBE_PATCH_JSON, &doc, body, strlen(body), 0, NULL, &out, &err), 0);
    assert_non_null(kv_path(&out, "b"));
    body = "{\"a\":";
    assert_int_equal(
            kube_patch(*state, KUBE_PATCH_MERGE, &doc, body, strlen(body), 0, NULL, &out, &err),
            KS_EPARSE);
    body = "{\"a\":2}";
    assert_int_equal(
            kube_patch(*state, KUBE_PATCH_MERGE, &doc, body, strlen(body), 3, NULL, &out, &err),
            KS_ELIMIT);
    assert_int_equal(
            kube_patch(*state, KUBE_PATCH_MERGE, NULL, body, strlen(body), 0, NULL, &out, &err),
            KS_EINVAL);
    body = "metadata:\n  name: x\nspec:\n  enabled: yes\n  n: null\n";
    assert_int_equal(
            kube_patch(*state, KUBE_PATCH_APPLY, NULL, body, strlen(body), 0, NULL, &out, &err), 0);
    kv_value want = tu_json(*state, "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"enabled\":true}}");
    assert_true(kv_equal(&out, &want));
    body = "a: [";
    assert_int_equal(
            kube_patch(*state, KUBE_PATCH_APPLY, &doc, body, strlen(body), 0, NULL, &out, &err),
            KS_EPARSE);
}

/* Under every arena limit from tiny to ample, each patch type either gives
 * the unlimited result or fails cleanly with KS_ELIMIT. */
static void test_arena_limit_sweep(void **state)
{
    (void)state;
    static const kube_merge_key keys[] = {{"spec.containers", "name"},
                                          {"metadata.finalizers", NULL}};
    static const kube_patch_schema schema = {keys, 2};
    const char *doc_text =
            "{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"b\":\"2\"},"
            "\"finalizers\":[\"f1\",\"f2\"]},\"spec\":{\"containers\":[{\"name\":"
            "\"a\",\"image\":\"1\"},{\"name\":\"b\",\"image\":\"1\"}],\"l\":[1,2,3]}}";
    static const struct {
        kube_patch_type type;
        const char *body;
    } cases[] = {
            {KUBE_PATCH_JSON,
             "[{\"op\":\"add\",\"path\":\"/spec/l/-\",\"value\":{\"x\":[1,2]}},"
             "{\"op\":\"move\",\"from\":\"/metadata/labels/a\",\"path\":\"/metadata/z\"},"
             "{\"op\":\"copy\",\"from\":\"/spec\",\"path\":\"/copy\"},"
             "{\"op\":\"remove\",\"path\":\"/spec/containers/0\"}]"},
            {KUBE_PATCH_MERGE, "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{"
                               "\"n\":[{\"q\":null}]}}"},
            {KUBE_PATCH_STRATEGIC,
             "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"f1\"],\"finalizers\":"
             "[\"f3\"]},\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":"
             "\"b\"},{\"name\":\"a\"}],\"containers\":[{\"name\":\"c\"},{\"name\":\"b\","
             "\"image\":\"2\"}],\"m\":{\"$patch\":\"replace\",\"k\":1}}}"},
            {KUBE_PATCH_APPLY,
             "metadata:\n  labels:\n    c: \"3\"\nspec:\n  containers:\n  - name: b\n"
             "    image: \"2\"\n  - name: d\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ks_arena big;
        ks_arena_init(&big, NULL, 0);
        kv_value doc = tu_json(&big, doc_text), full, out;
        ks_error err;
        size_t before = ks_arena_used(&big);
        if (kube_patch(&big, cases[i].type, &doc, cases[i].body, strlen(cases[i].body), 0, &schema,
                       &full, &err))
            fail_msg("case %zu: %s", i, err.msg);
        size_t used = ks_arena_used(&big) - before;
        bool failed = false, succeeded = false;
        for (size_t limit = 64; limit < used * 3 + 4096; limit += limit / 8 + 64) {
            ks_arena a;
            ks_arena_init(&a, NULL, limit);
            ks_error_clear(&err);
            int rc = kube_patch(&a, cases[i].type, &doc, cases[i].body, strlen(cases[i].body), 0,
                                &schema, &out, &err);
            if (rc == 0) {
                succeeded = true;
                assert_true(kv_equal(&out, &full));
            } else {
                failed = true;
                if (rc != KS_ELIMIT)
                    fail_msg("case %zu, limit %zu: rc %d (%s)", i, limit, rc, err.msg);
                assert_int_equal(err.code, KS_ELIMIT);
                assert_true(err.msg[0] != '\0');
            }
            ks_arena_free(&a);
        }
        assert_true(failed && succeeded);
        ks_arena_free(&big);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_json_patch_ops),    cmocka_unit_test(test_json_patch_errors),
            cmocka_unit_test(test_json_patch_limits), cmocka_unit_test(test_merge_patch),
            cmocka_unit_test(test_patch_entry),       cmocka_unit_test(test_arena_limit_sweep),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
