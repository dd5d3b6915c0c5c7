/* kube/selector.h: label selector grammar and validation with the API
 * server's exact 400 messages, matching tables, canonical text; field
 * selectors with escapes, supported fields, matching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/selector.h"
#include "testutil.h"

#define KEY_RE                                                                                  \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "      \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RE                                                                                \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "          \
    "'my_value',  or '12345', regex used for validation is "                                    \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define DNS_RE                                                                                \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "     \
    "regex used for validation is "                                                           \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define URP "unable to parse requirement: "

static char *canon(ks_arena *a, const char *text)
{
    kube_label_sel sel;
    ks_error err;
    if (kube_sel_parse(a, text, strlen(text), NULL, &sel, &err) != 0)
        fail_msg("%s: %s", text, err.msg);
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(kube_sel_write(&sel, &b), 0);
    char *s = ks_arena_strndup(a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    return s;
}

static void test_label_valid(void **state)
{
    static const struct {
        const char *in, *canon;
    } cases[] = {
            {"", ""},
            {"   ", ""},
            {"a=b", "a=b"},
            {"a==b", "a==b"},
            {"a!=b", "a!=b"},
            {" a = b , c ", "a=b,c"},
            {"\ta\t!=\tb", "a!=b"},
            {"x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"},
            {"a in (b)", "a in (b)"},
            {"a in (c,b,c)", "a in (b,c)"},
            {"a in (,)", "a in ()"},
            {"a in (b,)", "a in (,b)"},
            {"a in (in, notin)", "a in (in,notin)"},
            {"in=notin", "in=notin"},
            {"!a", "!a"},
            {"!a,b", "!a,b"},
            {"b=c,a in (y,x)", "a in (x,y),b=c"},
            /* sorted by key, stable: one key's requirements keep their order */
            {"b=1,a=3,a=2", "a=3,a=2,b=1"},
            {"a=3,a=2,!a,a", "a=3,a=2,!a,a"},
            {"a=", "a="},
            {"a=,b", "a=,b"},
            {"a>5,a<10", "a>5,a<10"},
            {"example.com/app=web", "example.com/app=web"},
            {"app.kubernetes.io/name in (web, api)", "app.kubernetes.io/name in (api,web)"},
            {"A_b.c-D=1.2_x-Y", "A_b.c-D=1.2_x-Y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = canon(*state, cases[i].in);
        if (strcmp(got, cases[i].canon) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].in, got, cases[i].canon);
        /* the canonical text reads back to itself */
        char *again = canon(*state, got);
        assert_string_equal(again, got);
    }
}

static void test_label_errors(void **state)
{
    char long_name[70], long_value[70], long_prefix[300];
    memset(long_name, 'a', 64);
    memcpy(long_name + 64, "=b", 3);
    memset(long_value, 'v', 64);
    long_value[64] = '\0';
    char long_value_sel[80];
    snprintf(long_value_sel, sizeof long_value_sel, "a=%s", long_value);
    memset(long_prefix, 'p', 254);
    memcpy(long_prefix + 254, "/n", 3);

    static char want_long_name[200], want_long_value[600], want_long_prefix[1200];
    snprintf(want_long_name, sizeof want_long_name,
             URP "<nil>: Invalid value: \"%.64s\": name part must be no more than 63 bytes",
             long_name);
    snprintf(want_long_value, sizeof want_long_value,
             URP "values[0][a]: Invalid value: \"%s\": must be no more than 63 bytes", long_value);
    snprintf(want_long_prefix, sizeof want_long_prefix,
             URP "<nil>: Invalid value: \"%s\": prefix part must be no more than 253 bytes",
             long_prefix);

    const struct {
        const char *in;
        int code;
        const char *msg;
        size_t offset;
    } cases[] = {
            {"a b", KS_EPARSE, URP "found 'b', expected: in, notin, =, ==, !=, gt, lt", 2},
            {"a=b c", KS_EPARSE, "found 'c', expected: ',' or 'end of string'", 4},
            {"a=b,", KS_EPARSE, "found '', expected: identifier after ','", 4},
            {"a=b,,c", KS_EPARSE, "found ',', expected: identifier after ','", 4},
            {",a", KS_EPARSE, "found ',', expected: !, identifier, or 'end of string'", 0},
            {"=a", KS_EPARSE, "found '=', expected: !, identifier, or 'end of string'", 0},
            {"a in b", KS_EPARSE, URP "found 'b' expected: '('", 5},
            {"a in (b", KS_EPARSE, URP "found '', expected: ',' or ')'", 7},
            {"a in (b c)", KS_EPARSE, URP "found 'c', expected: ',' or ')'", 8},
            {"a in (=", KS_EPARSE, URP "found '=', expected: ',', ')' or identifier", 6},
            {"a in (b,=)", KS_EPARSE, URP "found '=', expected: ',', or identifier", 8},
            {"a notin", KS_EPARSE, URP "found '' expected: '('", 7},
            {"!", KS_EPARSE, URP "found '', expected: identifier", 1},
            {"!!a", KS_EPARSE, URP "found '!', expected: identifier", 1},
            {"a=(", KS_EPARSE, URP "found '(', expected: identifier", 2},
            {"a==!=b", KS_EPARSE, URP "found '!=', expected: identifier", 3},
            {"!a=b", KS_EPARSE, "found '=', expected: ',' or 'end of string'", 2},
            {"-a=b", KS_EINVAL, URP "<nil>: Invalid value: \"-a\": name part " KEY_RE, 0},
            {"a=-b", KS_EINVAL, URP "values[0][a]: Invalid value: \"-b\": " VALUE_RE, 0},
            {"a>x", KS_EINVAL,
             URP "values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be "
                 "an integer",
             0},
            {"a>-3", KS_EINVAL, URP "values[0][a]: Invalid value: \"-3\": " VALUE_RE, 0},
            {"a<99999999999999999999", KS_EINVAL,
             URP "values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, "
                 "the value must be an integer",
             0},
            {"a>-x", KS_EINVAL,
             URP "[values[0]: Invalid value: \"-x\": for 'Gt', 'Lt' operators, the value must be "
                 "an integer, values[0][a]: Invalid value: \"-x\": " VALUE_RE "]",
             0},
            {"a in (-y,-x)", KS_EINVAL,
             URP "[values[0][a]: Invalid value: \"-x\": " VALUE_RE
                 ", values[1][a]: Invalid value: \"-y\": " VALUE_RE "]",
             0},
            {"a/b/c", KS_EINVAL,
             URP "<nil>: Invalid value: \"a/b/c\": a valid label key " KEY_RE
                 " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
             0},
            {"/a", KS_EINVAL, URP "<nil>: Invalid value: \"/a\": prefix part must be non-empty", 0},
            {"Ex.com/a", KS_EINVAL, URP "<nil>: Invalid value: \"Ex.com/a\": prefix part " DNS_RE,
             0},
            {"a..b-/a", KS_EINVAL, URP "<nil>: Invalid value: \"a..b-/a\": prefix part " DNS_RE, 0},
            {"a/", KS_EINVAL,
             URP "<nil>: Invalid value: \"a/\": name part must be non-empty; name part " KEY_RE, 0},
            {"caf\xc3\xa9\x01\xff", KS_EINVAL,
             URP "<nil>: Invalid value: \"caf\xc3\xa9\\x01\\xff\": name part " KEY_RE, 0},
            {"a\"b", KS_EINVAL, URP "<nil>: Invalid value: \"a\\\"b\": name part " KEY_RE, 0},
            {long_name, KS_EINVAL, want_long_name, 0},
            {long_value_sel, KS_EINVAL, want_long_value, 0},
            {long_prefix, KS_EINVAL, want_long_prefix, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kube_label_sel sel;
        ks_error err;
        int rc = kube_sel_parse(*state, cases[i].in, strlen(cases[i].in), NULL, &sel, &err);
        if (rc != cases[i].code)
            fail_msg("%s: rc %d, want %d (%s)", cases[i].in, rc, cases[i].code, err.msg);
        assert_non_null(sel.error);
        if (strcmp(sel.error, cases[i].msg) != 0)
            fail_msg("%s:\n got: %s\nwant: %s", cases[i].in, sel.error, cases[i].msg);
        assert_int_equal(sel.error_len, strlen(cases[i].msg));
        assert_int_equal(strncmp(err.msg, sel.error, sizeof err.msg - 1), 0);
        assert_string_equal(err.source, "labelSelector");
        if (err.offset != cases[i].offset)
            fail_msg("%s: offset %zu, want %zu", cases[i].in, err.offset, cases[i].offset);
    }
}

static void test_label_limits(void **state)
{
    kube_label_sel sel;
    ks_error err;
    kube_sel_limits lim = {.max_len = 16, .max_reqs = 3};
    assert_int_equal(kube_sel_parse(*state, "a,b,c", 5, &lim, &sel, &err), 0);
    assert_int_equal(kube_sel_parse(*state, "a,b,c,d", 7, &lim, &sel, &err), KS_ELIMIT);
    assert_non_null(strstr(sel.error, "more than 3 requirements"));
    assert_int_equal(kube_sel_parse(*state, "abcdefghijklmnopq", 17, &lim, &sel, &err), KS_ELIMIT);
    assert_non_null(strstr(err.msg, "longer than 16 bytes"));
    /* an embedded NUL is refused, not taken as the end */
    assert_int_equal(kube_sel_parse(*state, "a\0,=", 4, NULL, &sel, &err), KS_EPARSE);
    assert_int_equal(err.offset, 1);

    /* the default limits: a long but legal selector parses; the same past
     * the limit does not, and nothing is quadratic in between */
    size_t n = KUBE_SEL_DEFAULT_MAX_LEN;
    char *big = malloc(n + 2);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 2 ? ',' : 'x';
    big[n - 1] = 'x';
    assert_int_equal(kube_sel_parse(*state, big, n - 1, NULL, &sel, &err), KS_ELIMIT);
    assert_non_null(strstr(err.msg, "more than 256 requirements"));
    memset(big, 'a', n + 1);
    big[0] = 'k', big[1] = ' ', big[2] = 'i', big[3] = 'n', big[4] = ' ', big[5] = '(';
    for (size_t i = 6; i < n - 1; i++)
        big[i] = i % 2 ? ',' : 'v';
    big[n - 1] = ')';
    assert_int_equal(kube_sel_parse(*state, big, n, NULL, &sel, &err), 0);
    assert_int_equal(sel.n, 1);
    assert_int_equal(sel.reqs[0].nvalues, 1);
    assert_int_equal(kube_sel_parse(*state, big, n + 1, NULL, &sel, &err), KS_ELIMIT);
    free(big);
}

static void test_label_match(void **state)
{
    kv_value pod = tu_json(*state, "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\","
                                   "\"tier\":\"\",\"n\":\"5\",\"neg\":\"-7\",\"bad\":\"x1\","
                                   "\"example.com/team\":\"blue\",\"num\":3}}}");
    kv_value bare = tu_json(*state, "{\"metadata\":{\"name\":\"q\"}}");
    static const struct {
        const char *sel;
        bool pod, bare;
    } cases[] = {
            {"", true, true},
            {"app=web", true, false},
            {"app==web", true, false},
            {"app=api", false, false},
            {"app!=api", true, true},
            {"app!=web", false, true},
            {"app in (api,web)", true, false},
            {"app notin (api,web)", false, true},
            {"app notin (api)", true, true},
            {"app", true, false},
            {"!app", false, true},
            {"tier=", true, false},
            {"tier", true, false},
            {"tier in ()", true, false},
            {"missing=", false, false},
            {"missing!=x", true, true},
            {"n>4", true, false},
            {"n>5", false, false},
            {"n<6", true, false},
            {"neg<0", true, false},
            {"neg>0", false, false},
            {"bad>0", false, false},
            {"bad<0", false, false},
            {"missing<100", false, false},
            {"example.com/team=blue,app=web", true, false},
            {"example.com/team=blue,app=api", false, false},
            {"num=3", false, false}, /* not a string label */
            {"num", true, false},
            {"num!=3", true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kube_label_sel sel;
        ks_error err;
        if (kube_sel_parse(*state, cases[i].sel, strlen(cases[i].sel), NULL, &sel, &err))
            fail_msg("%s: %s", cases[i].sel, err.msg);
        if (kube_sel_match(&sel, &pod) != cases[i].pod)
            fail_msg("%s on pod: want %d", cases[i].sel, cases[i].pod);
        if (kube_sel_match(&sel, &bare) != cases[i].bare)
            fail_msg("%s on bare: want %d", cases[i].sel, cases[i].bare);
    }
    /* labels given directly; NULL and non-objects are empty */
    kube_label_sel sel;
    ks_error err;
    assert_int_equal(kube_sel_parse(*state, "!a", 2, NULL, &sel, &err), 0);
    assert_true(kube_sel_match_labels(&sel, NULL));
    kv_value arr = tu_json(*state, "[\"a\"]");
    assert_true(kube_sel_match_labels(&sel, &arr));
    assert_true(kube_sel_match(&sel, &arr));
}

static void test_label_checks(void **state)
{
    assert_null(kube_label_key_check(*state, "app.kubernetes.io/name", 22));
    assert_null(kube_label_value_check(*state, "", 0));
    const char *m = kube_label_value_check(*state, "a b", 3);
    assert_non_null(m);
    assert_string_equal(m, VALUE_RE);
    m = kube_label_key_check(*state, "x/-", 3);
    assert_string_equal(m, "name part " KEY_RE);
}

static const char *const fields_ns[] = {"metadata.name", "metadata.namespace"};

static void test_field_parse(void **state)
{
    static const struct {
        const char *in;
        int code;
        const char *msg;
        size_t nterms;
    } cases[] = {
            {"", 0, NULL, 0},
            {",,", 0, NULL, 0},
            {"metadata.name=x", 0, NULL, 1},
            {"metadata.name==x", 0, NULL, 1},
            {"metadata.namespace!=y", 0, NULL, 1},
            {"metadata.name=x,metadata.namespace=y,", 0, NULL, 2},
            {"metadata.name=", 0, NULL, 1},
            /* a term with neither field nor value selects everything */
            {"=", 0, NULL, 0},
            {"!=,==", 0, NULL, 0},
            {"metadata.name=x,=", 0, NULL, 1},
            {"metadata.name=a\\,b\\=c\\\\", 0, NULL, 1},
            {"spec.foo=x", KS_EINVAL, "field label not supported: spec.foo", 0},
            {"=x", KS_EINVAL, "field label not supported: ", 0},
            {"z=1,a=2", KS_EINVAL, "field label not supported: a", 0},
            {"abc", KS_EPARSE, "invalid selector: 'abc'; can't understand 'abc'", 0},
            {"a=1,zz", KS_EPARSE, "invalid selector: 'a=1,zz'; can't understand 'zz'", 0},
            {"metadata.name=a=b", KS_EPARSE,
             "invalid field selector: unescaped character in value: 61", 0},
            {"metadata.name=a\\x", KS_EPARSE,
             "invalid field selector: invalid escape sequence: \\x", 0},
            {"metadata.name=a\\", KS_EPARSE, "invalid field selector: invalid escape sequence: \\",
             0},
            {"metadata.name=a\\\xc3\xa9", KS_EPARSE,
             "invalid field selector: invalid escape sequence: \\\xc3\xa9", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kube_field_sel sel;
        ks_error err;
        int rc = kube_fsel_parse(*state, cases[i].in, strlen(cases[i].in), fields_ns, 2, NULL, &sel,
                                 &err);
        if (rc != cases[i].code)
            fail_msg("%s: rc %d, want %d (%s)", cases[i].in, rc, cases[i].code, err.msg);
        if (rc == 0) {
            assert_int_equal(sel.n, cases[i].nterms);
            continue;
        }
        if (strcmp(sel.error, cases[i].msg) != 0)
            fail_msg("%s:\n got: %s\nwant: %s", cases[i].in, sel.error, cases[i].msg);
        assert_string_equal(err.source, "fieldSelector");
    }
    /* unescaping and operators */
    kube_field_sel sel;
    ks_error err;
    const char *s = "metadata.namespace!=ns,metadata.name==a\\,b\\=c\\\\";
    assert_int_equal(kube_fsel_parse(*state, s, strlen(s), fields_ns, 2, NULL, &sel, &err), 0);
    assert_int_equal(sel.n, 2);
    assert_string_equal(sel.terms[0].field.s, "metadata.name");
    assert_string_equal(sel.terms[0].value.s, "a,b=c\\");
    assert_false(sel.terms[0].neq);
    assert_string_equal(sel.terms[1].field.s, "metadata.namespace");
    assert_true(sel.terms[1].neq);
    kube_str v;
    assert_true(kube_fsel_exact(&sel, "metadata.name", &v));
    assert_string_equal(v.s, "a,b=c\\");
    assert_false(kube_fsel_exact(&sel, "metadata.namespace", &v));
    /* an embedded NUL is refused (the message could not carry it) */
    assert_int_equal(kube_fsel_parse(*state, "a\0=b", 4, fields_ns, 2, NULL, &sel, &err),
                     KS_EPARSE);
    assert_int_equal(err.offset, 1);
    /* limits */
    kube_sel_limits lim = {.max_len = 20, .max_reqs = 1};
    s = "metadata.name=a,metadata.name=b";
    assert_int_equal(kube_fsel_parse(*state, s, strlen(s), fields_ns, 2, &lim, &sel, &err),
                     KS_ELIMIT);
    lim.max_len = 100;
    assert_int_equal(kube_fsel_parse(*state, s, strlen(s), fields_ns, 2, &lim, &sel, &err),
                     KS_ELIMIT);
    assert_non_null(strstr(sel.error, "more than 1 terms"));
}

static bool get_upper_name(void *ctx, const kv_value *obj, kube_str field, kube_str *value)
{
    (void)obj;
    (void)field;
    *value = (kube_str){ctx, strlen(ctx)};
    return true;
}

static void test_field_match(void **state)
{
    kv_value ns = tu_json(*state, "{\"metadata\":{\"name\":\"a\",\"namespace\":\"default\"}}");
    kv_value cl = tu_json(*state, "{\"metadata\":{\"name\":\"b\"}}");
    static const struct {
        const char *sel;
        bool ns, cl;
    } cases[] = {
            {"", true, true},
            {"metadata.name=a", true, false},
            {"metadata.name!=a", false, true},
            {"metadata.namespace=default", true, false},
            {"metadata.namespace=", false, true},
            {"metadata.namespace!=", true, false},
            {"metadata.name=a,metadata.namespace=default", true, false},
            {"metadata.name=a,metadata.namespace=other", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kube_field_sel sel;
        ks_error err;
        if (kube_fsel_parse(*state, cases[i].sel, strlen(cases[i].sel), fields_ns, 2, NULL, &sel,
                            &err))
            fail_msg("%s: %s", cases[i].sel, err.msg);
        if (kube_fsel_match(&sel, &ns, NULL, NULL) != cases[i].ns)
            fail_msg("%s on namespaced: want %d", cases[i].sel, cases[i].ns);
        if (kube_fsel_match(&sel, &cl, NULL, NULL) != cases[i].cl)
            fail_msg("%s on cluster-scoped: want %d", cases[i].sel, cases[i].cl);
    }
    /* a caller's getter */
    kube_field_sel sel;
    ks_error err;
    assert_int_equal(kube_fsel_parse(*state, "metadata.name=B", 15, fields_ns, 2, NULL, &sel, &err),
                     0);
    assert_true(kube_fsel_match(&sel, &ns, get_upper_name, "B"));
    assert_false(kube_fsel_match(&sel, &ns, get_upper_name, "A"));
    /* the path getter on odd shapes */
    kube_str v;
    kv_value odd = tu_json(*state, "{\"metadata\":{\"name\":5,\"x\":{\"y\":\"z\"}}}");
    assert_false(kube_fsel_get_path(NULL, &odd, (kube_str){"metadata.name", 13}, &v));
    assert_false(kube_fsel_get_path(NULL, &odd, (kube_str){"metadata.name.more", 18}, &v));
    assert_true(kube_fsel_get_path(NULL, &odd, (kube_str){"metadata.x.y", 12}, &v));
    assert_int_equal(v.n, 1);
}

/* Under every arena limit, a parse gives the same selector or KS_ELIMIT. */
static void test_arena_limit_sweep(void **state)
{
    (void)state;
    static const char *const inputs[] = {"x in (foo,,baz),y,z notin (),!w,app.kubernetes.io/n=v",
                                         "a=b,-bad=c", "metadata.name=a\\,b,metadata.namespace!=x"};
    static const char *const fields[] = {"metadata.name", "metadata.namespace"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        ks_arena big;
        ks_arena_init(&big, NULL, 0);
        kube_label_sel full;
        kube_field_sel ffull;
        ks_error err;
        int want = kube_sel_parse(&big, inputs[i], strlen(inputs[i]), NULL, &full, &err);
        int fwant =
                kube_fsel_parse(&big, inputs[i], strlen(inputs[i]), fields, 2, NULL, &ffull, &err);
        ks_buf canon = KS_BUF_INIT;
        if (want == 0)
            kube_sel_write(&full, &canon);
        bool failed = false;
        for (size_t limit = 64; limit < ks_arena_used(&big) * 3 + 8192; limit += limit / 8 + 64) {
            ks_arena a;
            ks_arena_init(&a, NULL, limit);
            kube_label_sel sel;
            int rc = kube_sel_parse(&a, inputs[i], strlen(inputs[i]), NULL, &sel, &err);
            if (rc == KS_ELIMIT) {
                failed = true;
            } else {
                assert_int_equal(rc, want);
                if (rc == 0) {
                    ks_buf b = KS_BUF_INIT;
                    kube_sel_write(&sel, &b);
                    assert_string_equal(ks_buf_cstr(&b), ks_buf_cstr(&canon));
                    ks_buf_free(&b);
                } else {
                    assert_string_equal(sel.error, full.error);
                }
            }
            kube_field_sel fsel;
            rc = kube_fsel_parse(&a, inputs[i], strlen(inputs[i]), fields, 2, NULL, &fsel, &err);
            if (rc != KS_ELIMIT) {
                assert_int_equal(rc, fwant);
                if (rc == 0)
                    assert_int_equal(fsel.n, ffull.n);
            }
            ks_arena_free(&a);
        }
        assert_true(failed);
        ks_buf_free(&canon);
        ks_arena_free(&big);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_label_valid),  cmocka_unit_test(test_label_errors),
            cmocka_unit_test(test_label_limits), cmocka_unit_test(test_label_match),
            cmocka_unit_test(test_label_checks), cmocka_unit_test(test_field_parse),
            cmocka_unit_test(test_field_match),  cmocka_unit_test(test_arena_limit_sweep),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
