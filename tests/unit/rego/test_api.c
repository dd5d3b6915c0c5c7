/* The Rego library's public API: compile once, evaluate many times from
 * several threads, errors with positions, limits. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rego/builtin.h"
#include "rego/rego.h"
#include "testutil.h"

static rego_policy *compile_src(const char *src, ks_error *err)
{
    rego_policy *pol = rego_policy_new();
    if (rego_policy_add_module(pol, "p.rego", src, strlen(src), 1, err) < 0 ||
        rego_policy_compile(pol, err) < 0) {
        rego_policy_free(pol);
        return NULL;
    }
    return pol;
}

typedef struct collect {
    char json[4096];
    int n;
} collect;

static int on_result(void *ctx, const rego_result *r)
{
    collect *c = ctx;
    ks_buf b = KS_BUF_INIT;
    kv_json_write(&b, &r->exprs[0], 0);
    snprintf(c->json, sizeof c->json, "%s", b.data);
    ks_buf_free(&b);
    c->n++;
    return 0;
}

static const char policy[] =
        "package k\n"
        "import rego.v1\n"
        "deny contains msg if {\n"
        "  some c in input.spec.containers\n"
        "  c.securityContext.privileged == true\n"
        "  msg := sprintf(\"container %s is privileged\", [c.name])\n"
        "}\n"
        "extra := [regex.match(`^c[0-9]+$`, \"c12\"),\n"
        "  time.format([0, \"Europe/Paris\"]), json.marshal({\"a\": [1]}),\n"
        "  yaml.unmarshal(\"a: [1, 2]\"), net.cidr_contains(\"10.0.0.0/8\", "
        "\"10.1.2.3\"),\n"
        "  base64.decode(\"aGk=\"), glob.match(\"*.x\", [], \"a.x\"),\n"
        "  semver.compare(\"1.2.3\", \"1.10.0\"), units.parse_bytes(\"1Ki\")]\n";

static void test_eval_basic(void **state)
{
    (void)state;
    ks_error err = {0};
    rego_policy *pol = compile_src(policy, &err);
    assert_non_null(pol);
    rego_query *q;
    assert_int_equal(rego_query_new(pol, "data.k.deny", 11, &q, &err), 0);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value in = tu_json(&a, "{\"spec\":{\"containers\":[{\"name\":\"x\",\"securityContext\":"
                              "{\"privileged\":true}},{\"name\":\"y\"}]}}");
    rego_eval_opts o = {.input = &in};
    collect c = {0};
    assert_int_equal(rego_eval(q, &o, on_result, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.json, "[\"container x is privileged\"]");
    rego_query_free(q);
    rego_policy_free(pol);
    ks_arena_free(&a);
}

/* Compiled policies are shared read-only by concurrent evaluations. */
typedef struct job {
    const rego_query *q;
    const rego_query *extra;
    int index;
    int ok;
} job;

static const char extra_want[] = "[true,\"1970-01-01T01:00:00+01:00\",\"{\\\"a\\\":[1]}\","
                                 "{\"a\":[1,2]},true,\"hi\",true,-1,1024]";

static void *worker(void *arg)
{
    job *j = arg;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    for (int round = 0; round < 200; round++) {
        char buf[256];
        int n = (j->index + round) % 5;
        ks_buf b = KS_BUF_INIT;
        ks_buf_puts(&b, "{\"spec\":{\"containers\":[");
        for (int i = 0; i < n; i++)
            ks_buf_printf(&b, "%s{\"name\":\"c%d\",\"securityContext\":{\"privileged\":true}}",
                          i ? "," : "", i);
        ks_buf_puts(&b, "]}}");
        kv_value in;
        if (kv_json_parse(&a, b.data, b.len, NULL, &in, NULL) < 0)
            return NULL;
        ks_buf_free(&b);
        rego_eval_opts o = {.input = &in};
        collect c = {0};
        ks_error err = {0};
        if (rego_eval(j->q, &o, on_result, &c, &err) < 0 || c.n != 1)
            return NULL;
        /* n messages, sorted */
        int count = 0;
        for (const char *p = c.json; (p = strstr(p, "privileged")); p++)
            count++;
        snprintf(buf, sizeof buf, "%d", count);
        if (count != n)
            return NULL;
        collect x = {0};
        if (rego_eval(j->extra, &o, on_result, &x, &err) < 0 || x.n != 1 ||
            strcmp(x.json, extra_want) != 0) {
            fprintf(stderr, "extra: %s\n", x.json);
            return NULL;
        }
        ks_arena_reset(&a);
    }
    ks_arena_free(&a);
    j->ok = 1;
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    ks_error err = {0};
    rego_policy *pol = compile_src(policy, &err);
    assert_non_null(pol);
    rego_query *q, *extra;
    assert_int_equal(rego_query_new(pol, "data.k.deny", 11, &q, &err), 0);
    assert_int_equal(rego_query_new(pol, "data.k.extra", 12, &extra, &err), 0);
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){q, extra, i, 0};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(jobs[i].ok);
    }
    rego_query_free(extra);
    rego_query_free(q);
    rego_policy_free(pol);
}

static void expect_compile_error(const char *src, const char *code, int line)
{
    ks_error err = {0};
    rego_policy *pol = compile_src(src, &err);
    assert_null(pol);
    assert_non_null(strstr(err.msg, code));
    assert_string_equal(err.source, "p.rego");
    assert_int_equal(err.line, line);
    assert_true(err.col > 0);
}

static void test_compile_errors(void **state)
{
    (void)state;
    expect_compile_error("package k\np := [1,\n", "rego_parse_error", 3);
    expect_compile_error("package k\nimport rego.v1\n\np if { x > 1 }\n", "rego_unsafe_var_error",
                         4);
    expect_compile_error("package k\nimport rego.v1\np if q\nq if p\n", "rego_recursion_error", 3);
    expect_compile_error("package k\nimport rego.v1\np if { nosuch.fn(1) }\n", "rego_type_error",
                         3);
    expect_compile_error("package k\nimport rego.v1\np if { count(1) }\n",
                         "count: invalid argument(s)", 3);
    expect_compile_error("package k\np { true }\n", "`if` keyword is required", 2);
}

static int expect_eval_error(const char *src, const char *query, const rego_eval_opts *o,
                             const char *want)
{
    ks_error err = {0};
    rego_policy *pol = compile_src(src, &err);
    assert_non_null(pol);
    rego_query *q;
    assert_int_equal(rego_query_new(pol, query, strlen(query), &q, &err), 0);
    collect c = {0};
    int rc = rego_eval(q, o, on_result, &c, &err);
    assert_true(rc < 0);
    assert_non_null(strstr(err.msg, want));
    rego_query_free(q);
    rego_policy_free(pol);
    return rc;
}

static void test_eval_errors_and_limits(void **state)
{
    (void)state;
    rego_eval_opts o = {0};
    expect_eval_error("package k\np := 1\np := 2\n", "data.k.p", &o,
                      "eval_conflict_error: rule data.k.p produced conflicting values");
    expect_eval_error("package k\nimport rego.v1\nf(x) := 1\nf(x) := 2\n", "x := data.k.f(1)", &o,
                      "function data.k.f produced conflicting values for the same inputs");
    o.max_steps = 1000;
    expect_eval_error("package k\n",
                      "x := count([1 | some a in numbers.range(1, 100); "
                      "some b in numbers.range(1, 100)])",
                      &o, "step limit");
    o.max_steps = 0;
    o.max_memory = 1 << 20;
    expect_eval_error("package k\n",
                      "x := [[a, b] | some a in numbers.range(1, 500); "
                      "some b in numbers.range(1, 500)]",
                      &o, "memory");
    o.max_memory = 0;
    o.strict_builtin_errors = true;
    expect_eval_error("package k\n", "x := to_number(\"nope\")", &o, "to_number");
}

/* A helper called once per iteration gives its memory back when it returns
 * a boolean: 20,000 calls that each build arrays, a comprehension, a string
 * and argument lists with unbound variables run within a 2 MiB evaluation
 * limit that keeping every call's garbage (several MiB) would exceed. */
static void test_eval_calls_reuse_memory(void **state)
{
    (void)state;
    static const char src[] = "package k\n"
                              "import rego.v1\n"
                              "big(x) if {\n"
                              "  a := [x, x, x, x, x, x, x, x]\n"
                              "  b := [y | some y in a; y > 0]\n"
                              "  some k; a[k] == x\n"
                              "  sprintf(\"%d-%d\", [x, count(b)]) != \"\"\n"
                              "}\n"
                              "n := count([i | some i in numbers.range(1, 20000); big(i)])\n";
    ks_error err = {0};
    rego_policy *pol = compile_src(src, &err);
    assert_non_null(pol);
    rego_query *q;
    assert_int_equal(rego_query_new(pol, "data.k.n", 8, &q, &err), 0);
    rego_eval_opts o = {0};
    o.max_memory = 2 << 20;
    collect c = {0};
    assert_int_equal(rego_eval(q, &o, on_result, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.json, "20000");
    rego_query_free(q);
    rego_policy_free(pol);

    /* A call that fills the rule cache keeps its memory: the cached value
     * must survive the allocations made after the call. */
    static const char src2[] = "package k\n"
                               "import rego.v1\n"
                               "r := [sprintf(\"v%d\", [x]) | some x in numbers.range(1, 3)]\n"
                               "f(x) if count(r) == x\n"
                               "g(x) := [x, x] if x > 100\n"
                               "p := [f(3), [g(y) | some y in numbers.range(1, 200)][50], r]\n";
    pol = compile_src(src2, &err);
    assert_non_null(pol);
    assert_int_equal(rego_query_new(pol, "data.k.p", 8, &q, &err), 0);
    c = (collect){0};
    assert_int_equal(rego_eval(q, &o, on_result, &c, &err), 0);
    assert_string_equal(c.json, "[true,[151,151],[\"v1\",\"v2\",\"v3\"]]");
    rego_query_free(q);
    rego_policy_free(pol);
}

/* A host builtin, as Kubescape registers image.parse_normalized_name. */
static int normalize(struct rg_bctx *c, const kv_value *args, kv_value *out)
{
    if (args[0].kind != KV_STRING)
        return RG_UNDEF;
    static const char prefix[] = "docker.io/library/";
    ks_buf b = KS_BUF_INIT;
    if (!memchr(args[0].u.s, '/', args[0].len))
        ks_buf_puts(&b, prefix);
    ks_buf_append(&b, args[0].u.s, args[0].len);
    kv_value v;
    int rc = kv_str_copy(c->arena, b.data, b.len, &v);
    ks_buf_free(&b);
    *out = v;
    return rc < 0 ? RG_EHALT : RG_OK;
}

static void test_host_builtin(void **state)
{
    (void)state;
    ks_error err = {0};
    rego_policy *pol = rego_policy_new();
    assert_int_equal(rego_policy_add_builtin(pol, "image.parse_normalized_name", 1, normalize), 0);
    const char *src = "package k\nimport rego.v1\n"
                      "p := [image.parse_normalized_name(\"nginx\"), "
                      "image.parse_normalized_name(\"ghcr.io/a/b\")]\n"
                      "q := image.parse_normalized_name(1)\n";
    assert_int_equal(rego_policy_add_module(pol, "p.rego", src, strlen(src), 1, &err), 0);
    assert_int_equal(rego_policy_compile(pol, &err), 0);
    rego_query *q;
    assert_int_equal(rego_query_new(pol, "data.k", 6, &q, &err), 0);
    collect c = {0};
    assert_int_equal(rego_eval(q, NULL, on_result, &c, &err), 0);
    assert_string_equal(c.json, "{\"p\":[\"docker.io/library/nginx\",\"ghcr.io/a/b\"]}");
    rego_query_free(q);
    rego_policy_free(pol);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_eval_basic),     cmocka_unit_test(test_threads),
            cmocka_unit_test(test_compile_errors), cmocka_unit_test(test_eval_errors_and_limits),
            cmocka_unit_test(test_host_builtin),   cmocka_unit_test(test_eval_calls_reuse_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
