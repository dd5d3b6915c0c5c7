/* One container's lists: opens (collapse, flag union, literals kept),
 * endpoints (ports, methods and headers merged, ":0" folding, bad URLs),
 * neighbors merged by identifier, call stacks unified; type errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "runtime/profile.h"
#include "testutil.h"

#define D RT_DYNAMIC

typedef int (*list_fn)(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err);

static int64_t g_threshold;
static const rt_collapse_prefix *g_prefixes;
static size_t g_nprefixes;

static int opens_fn(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err)
{
    return rt_analyze_opens(a, in, g_threshold, g_prefixes, g_nprefixes, out, err);
}

static int endpoints_fn(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err)
{
    return rt_analyze_endpoints(a, in, g_threshold, g_prefixes, g_nprefixes, out, err);
}

typedef struct list_case {
    const char *name, *in, *want; /* want: JSON, or a substring of the error */
    int rc;
} list_case;

static void run_cases(ks_arena *a, list_fn fn, const list_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kv_value in = tu_json(a, cases[i].in), out;
        ks_error err = {0};
        int rc = fn(a, &in, &out, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d (%s), want %d", cases[i].name, rc, err.msg, cases[i].rc);
        if (rc) {
            if (!strstr(err.msg, cases[i].want))
                fail_msg("%s: error '%s' lacks '%s'", cases[i].name, err.msg, cases[i].want);
            continue;
        }
        char *got = tu_to_json(&out, 0);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s:\n got  %s\n want %s", cases[i].name, got, cases[i].want);
        ks_xfree(got);
    }
}

/* ---- opens ---- */

static void test_opens(void **state)
{
    static const rt_collapse_prefix tmp2[] = {{"/tmp", 4, 2}};
    g_threshold = 50;
    g_prefixes = tmp2;
    g_nprefixes = 1;
    static const list_case cases[] = {
            {"flags unioned and sorted when paths fold",
             "[{\"path\":\"/tmp/a\",\"flags\":[\"O_RDONLY\"]},"
             "{\"path\":\"/tmp/b\",\"flags\":[\"O_WRONLY\",\"O_RDONLY\"]},"
             "{\"path\":\"/tmp/c\",\"flags\":[\"O_RDWR\"]}]",
             "[{\"flags\":[\"O_RDONLY\",\"O_RDWR\",\"O_WRONLY\"],\"path\":\"/tmp/" D "\"}]", 0},
            {"two under /tmp stay (threshold 2)",
             "[{\"path\":\"/tmp/b\",\"flags\":[\"Z\",\"A\"]},{\"path\":\"/tmp/a\",\"flags\":[]}]",
             "[{\"flags\":[],\"path\":\"/tmp/a\"},{\"flags\":[\"Z\",\"A\"],\"path\":\"/tmp/b\"}]",
             0},
            {"literals kept as given, sorted by path",
             "[{\"path\":\"/b\",\"flags\":[\"Z\",\"A\"],\"x\":1},{\"path\":\"/a\"}]",
             "[{\"path\":\"/a\"},{\"flags\":[\"Z\",\"A\"],\"path\":\"/b\",\"x\":1}]", 0},
            {"a later duplicate literal replaces the earlier (upstream)",
             "[{\"path\":\"/a\",\"flags\":[\"X\"]},{\"path\":\"/a\",\"flags\":[\"Y\"]}]",
             "[{\"flags\":[\"Y\"],\"path\":\"/a\"}]", 0},
            {"a literal under an explicit pattern folds into it",
             "[{\"path\":\"/etc/" D "\",\"flags\":[\"O_RDONLY\"]},"
             "{\"path\":\"/etc/passwd\",\"flags\":[\"O_WRONLY\"]},"
             "{\"path\":\"/etc/ssl/certs/ca.pem\",\"flags\":[\"O_RDONLY\"]}]",
             "[{\"flags\":[\"O_RDONLY\",\"O_WRONLY\"],\"path\":\"/etc/" D "\"},"
             "{\"flags\":[\"O_RDONLY\"],\"path\":\"/etc/" D "/certs/ca.pem\"}]",
             0},
            {"an uncleaned path is written cleaned, flags as given",
             "[{\"path\":\"/var//log/\",\"flags\":[\"B\",\"A\"]}]",
             "[{\"flags\":[\"B\",\"A\"],\"path\":\"/var/log\"}]", 0},
            {"empty", "[]", "[]", 0},
            {"null", "null", "null", 0},
            {"not an array", "{}", "opens: must be an array", KS_ETYPE},
            {"entry not an object", "[\"/a\"]", "opens[0]: must be an object", KS_ETYPE},
            {"path not a string", "[{\"path\":\"/a\"},{\"path\":5}]",
             "opens[1].path: must be a string", KS_ETYPE},
            {"flag not a string", "[{\"path\":\"/a\",\"flags\":[\"O\",{}]}]",
             "opens[0].flags[1]: must be a string", KS_ETYPE},
            {"flags not an array", "[{\"path\":\"/a\",\"flags\":\"O\"}]",
             "opens[0].flags: must be an array", KS_ETYPE},
    };
    run_cases(*state, opens_fn, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_opens_many(void **state)
{
    ks_arena *a = *state;
    /* 40,000 opens with distinct flags all folding into one pattern: the
     * union is built once, not per entry. */
    kv_value *items = ks_arena_calloc(a, 40000, sizeof(*items));
    for (int i = 0; i < 40000; i++) {
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "{\"path\":\"/data/%d/f\",\"flags\":[\"F%d\"]}", i,
                         i % 1000);
        items[i] = tu_json(a, buf);
        (void)n;
    }
    kv_value in, out;
    assert_int_equal(kv_array_new(a, items, 40000, &in), 0);
    ks_error err = {0};
    assert_int_equal(rt_analyze_opens(a, &in, 50, NULL, 0, &out, &err), 0);
    assert_int_equal(out.len, 1);
    const kv_value *p = kv_obj_get(&out.u.items[0], "path", 4);
    assert_string_equal(p->u.s, "/data/" D "/f");
    const kv_value *f = kv_obj_get(&out.u.items[0], "flags", 5);
    assert_int_equal(f->len, 1000);
}

/* ---- endpoints ---- */

static void test_endpoints(void **state)
{
    g_threshold = 3;
    g_prefixes = NULL;
    g_nprefixes = 0;
    static const list_case cases[] = {
            {"collapse with methods and headers merged",
             "[{\"endpoint\":\":80/users/1\",\"methods\":[\"GET\"],\"internal\":false,"
             "\"direction\":\"inbound\",\"headers\":{\"Host\":[\"a\"]}},"
             "{\"endpoint\":\":80/users/2\",\"methods\":[\"POST\"],\"internal\":false,"
             "\"direction\":\"inbound\",\"headers\":{\"Host\":[\"b\",\"a\"],\"X\":[\"1\"]}},"
             "{\"endpoint\":\":80/users/3\",\"methods\":[\"GET\"],\"internal\":false,"
             "\"direction\":\"inbound\"},"
             "{\"endpoint\":\":80/users/4\",\"methods\":[\"PUT\"],\"internal\":false,"
             "\"direction\":\"inbound\",\"extra\":true}]",
             "[{\"direction\":\"inbound\",\"endpoint\":\":80/users/" D "\","
             "\"headers\":{\"Host\":[\"a\",\"b\"],\"X\":[\"1\"]},\"internal\":false,"
             "\"methods\":[\"GET\",\"POST\",\"PUT\"]}]",
             0},
            {"each port has its own trie",
             "[{\"endpoint\":\":80/u/1\"},{\"endpoint\":\":80/u/2\"},{\"endpoint\":\":443/u/3\"},"
             "{\"endpoint\":\":443/u/4\"},{\"endpoint\":\":443/u/5\"}]",
             "[{\"endpoint\":\":80/u/1\"},{\"endpoint\":\":80/u/2\"},{\"endpoint\":\":443/u/3\"},"
             "{\"endpoint\":\":443/u/4\"},{\"endpoint\":\":443/u/5\"}]",
             0},
            {"different directions or internal flags stay apart",
             "[{\"endpoint\":\":80/a\",\"methods\":[\"GET\"],\"direction\":\"inbound\"},"
             "{\"endpoint\":\":80/a\",\"methods\":[\"PUT\"],\"direction\":\"outbound\"},"
             "{\"endpoint\":\":80/a\",\"methods\":[\"GET\"],\"direction\":\"inbound\","
             "\"internal\":true},"
             "{\"endpoint\":\":80/a\",\"methods\":[\"POST\",\"GET\"],\"direction\":\"inbound\"}]",
             "[{\"direction\":\"inbound\",\"endpoint\":\":80/a\",\"internal\":false,"
             "\"methods\":[\"GET\",\"POST\"]},"
             "{\"direction\":\"outbound\",\"endpoint\":\":80/a\",\"methods\":[\"PUT\"]},"
             "{\"direction\":\"inbound\",\"endpoint\":\":80/a\",\"internal\":true,"
             "\"methods\":[\"GET\"]}]",
             0},
            {"a specific port folds into a later :0",
             "[{\"endpoint\":\":8080/health\",\"methods\":[\"POST\"]},"
             "{\"endpoint\":\":9090/other\",\"methods\":[\"GET\"]},"
             "{\"endpoint\":\":0/health\",\"methods\":[\"GET\"]}]",
             "[{\"endpoint\":\":9090/other\",\"methods\":[\"GET\"]},"
             "{\"endpoint\":\":0/health\",\"internal\":false,\"methods\":[\"GET\",\"POST\"]}]",
             0},
            {"and into an earlier :0",
             "[{\"endpoint\":\":0/health\",\"methods\":[\"GET\"]},"
             "{\"endpoint\":\":8080/health\",\"methods\":[\"HEAD\"]},"
             "{\"endpoint\":\":8080/health\",\"methods\":[\"GET\"],\"direction\":\"outbound\"}]",
             "[{\"endpoint\":\":0/health\",\"internal\":false,\"methods\":[\"GET\",\"HEAD\"]},"
             "{\"direction\":\"outbound\",\"endpoint\":\":8080/health\",\"methods\":[\"GET\"]}]",
             0},
            {"URL forms: scheme, query, fragment, dot segments, no port",
             "[{\"endpoint\":\"http://h:80/p?q=1#f\"},{\"endpoint\":\"localhost/api/../v1/\"},"
             "{\"endpoint\":\"https://[::1]:8443/a%20b\"},{\"endpoint\":\"http://u:p@h:81/"
             "x#%41\"}]",
             "[{\"endpoint\":\":80/p\",\"internal\":false},{\"endpoint\":\":/"
             "v1\",\"internal\":false},"
             "{\"endpoint\":\":8443/a b\",\"internal\":false},"
             "{\"endpoint\":\":81/x\",\"internal\":false}]",
             0},
            {"unparsable URLs are dropped",
             "[{\"endpoint\":\":80/a%zz\"},{\"endpoint\":\":8x/a\"},{\"endpoint\":\":80/"
             "a\\u0001\"},"
             "{\"endpoint\":\"h o/x\"},{\"endpoint\":\"[::1/x\"},{\"endpoint\":\"u@h#f:80/p\"},"
             "{\"endpoint\":\"http://h/p#%zz\"},{\"endpoint\":\"http://a b@h/p\"},"
             "{\"endpoint\":\"[::1]x/p\"},{\"endpoint\":\":80/ok\"}]",
             "[{\"endpoint\":\":80/ok\"}]", 0},
            {"empty", "[]", "[]", 0},
            {"not an array", "\"x\"", "endpoints: must be an array", KS_ETYPE},
            {"method not a string", "[{\"endpoint\":\":80/a\",\"methods\":[1]}]",
             "endpoints[0].methods[0]: must be a string", KS_ETYPE},
            {"internal not a boolean", "[{\"endpoint\":\":80/a\",\"internal\":\"yes\"}]",
             "endpoints[0].internal: must be a boolean", KS_ETYPE},
            {"endpoint not a string", "[{\"endpoint\":80}]",
             "endpoints[0].endpoint: must be a string", KS_ETYPE},
    };
    run_cases(*state, endpoints_fn, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_endpoints_default_threshold(void **state)
{
    ks_arena *a = *state;
    /* 100 distinct ids stay, 101 collapse (endpoint default). */
    for (int n = 100; n <= 101; n++) {
        kv_value *items = ks_arena_calloc(a, (size_t)n, sizeof(*items));
        for (int i = 0; i < n; i++) {
            char buf[96];
            snprintf(buf, sizeof(buf), "{\"endpoint\":\":80/api/items/%d\",\"methods\":[\"GET\"]}",
                     i);
            items[i] = tu_json(a, buf);
        }
        kv_value in, out;
        assert_int_equal(kv_array_new(a, items, (size_t)n, &in), 0);
        rt_collapse_cfg cfg;
        rt_collapse_cfg_default(&cfg);
        assert_int_equal(rt_analyze_endpoints(a, &in, cfg.endpoint_threshold, cfg.prefixes,
                                              cfg.nprefixes, &out, NULL),
                         0);
        assert_int_equal(out.len, n == 100 ? 100 : 1);
    }
}

static void test_endpoints_many(void **state)
{
    ks_arena *a = *state;
    /* 40,000 endpoints with distinct methods folding into one: the method
     * union stays linear. */
    int n = 40000;
    kv_value *items = ks_arena_calloc(a, (size_t)n, sizeof(*items));
    for (int i = 0; i < n; i++) {
        char buf[96];
        snprintf(buf, sizeof(buf), "{\"endpoint\":\":80/api/%d\",\"methods\":[\"M%d\",\"GET\"]}", i,
                 i);
        items[i] = tu_json(a, buf);
    }
    kv_value in, out;
    assert_int_equal(kv_array_new(a, items, (size_t)n, &in), 0);
    ks_error err = {0};
    assert_int_equal(rt_analyze_endpoints(a, &in, 100, NULL, 0, &out, &err), 0);
    assert_int_equal(out.len, 1);
    const kv_value *m = kv_obj_get(&out.u.items[0], "methods", 7);
    assert_int_equal(m->len, n + 1);
    assert_string_equal(m->u.items[0].u.s, "M0");
    assert_string_equal(m->u.items[1].u.s, "GET");
    assert_string_equal(m->u.items[2].u.s, "M1");
    assert_string_equal(kv_obj_get(&out.u.items[0], "endpoint", 8)->u.s, ":80/api/" D);
}

/* ---- neighbors ---- */

static int neighbors_fn(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err)
{
    return rt_merge_neighbors(a, in, out, err);
}

static void test_neighbors(void **state)
{
    static const list_case cases[] = {
            {"merged by identifier",
             "[{\"identifier\":\"x\",\"type\":\"external\",\"dnsNames\":[\"b.com\",\"a.com\"],"
             "\"ports\":[{\"name\":\"TCP-80\",\"protocol\":\"TCP\",\"port\":80}]},"
             "{\"identifier\":\"y\",\"dnsNames\":[\"z\",\"y\"]},"
             "{\"identifier\":\"x\",\"type\":\"internal\",\"dnsNames\":[\"a.com\",\"c.com\"],"
             "\"ports\":[{\"name\":\"TCP-80\",\"port\":8080},{\"name\":\"UDP-53\"}]}]",
             "[{\"dnsNames\":[\"a.com\",\"b.com\",\"c.com\"],\"identifier\":\"x\","
             "\"ports\":[{\"name\":\"TCP-80\",\"port\":80,\"protocol\":\"TCP\"},"
             "{\"name\":\"UDP-53\"}],\"type\":\"external\"},"
             "{\"dnsNames\":[\"z\",\"y\"],\"identifier\":\"y\"}]",
             0},
            {"merged entries without lists get ports []",
             "[{\"identifier\":\"q\"},{\"identifier\":\"q\"}]",
             "[{\"identifier\":\"q\",\"ports\":[]}]", 0},
            {"no identifier is the empty identifier",
             "[{\"dnsNames\":[\"b\"]},{\"identifier\":\"\",\"dnsNames\":[\"a\",\"b\"]}]",
             "[{\"dnsNames\":[\"a\",\"b\"],\"ports\":[]}]", 0},
            {"identifier not a string", "[{\"identifier\":1}]",
             "neighbors[0].identifier: must be a string", KS_ETYPE},
            {"dns name not a string", "[{\"identifier\":\"a\",\"dnsNames\":[null]}]",
             "neighbors[0].dnsNames[0]: must be a string", KS_ETYPE},
            {"port not an object", "[{\"identifier\":\"a\",\"ports\":[\"TCP-80\"]}]",
             "neighbors[0].ports[0]", KS_ETYPE},
            {"not an array", "{}", "neighbors: must be an array", KS_ETYPE},
    };
    run_cases(*state, neighbors_fn, cases, sizeof(cases) / sizeof(cases[0]));
}

/* ---- call stacks ---- */

static int stacks_fn(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err)
{
    return rt_unify_call_stacks(a, in, out, err);
}

#define F(f, l)    "{\"fileID\":\"" f "\",\"lineno\":\"" l "\",\"frameType\":3}"
#define FO(f, l)   "{\"fileID\":\"" f "\",\"frameType\":0,\"lineno\":\"" l "\"}"
#define LEAF(f, l) "{\"children\":[],\"frame\":" FO(f, l) "}"

static void test_call_stacks(void **state)
{
    static const list_case cases[] = {
            {"paths of one call ID unified, sorted by call ID",
             "[{\"callID\":\"c1\",\"callStack\":{\"root\":{\"frame\":" F(
                     "",
                     "") ","
                         "\"children\":[{\"frame\":" F("f1", "1") ",\"children\":[{\"frame\":" F(
                                 "f3",
                                 "3") "}]}]}}},"
                                      "{\"callID\":\"c1\",\"callStack\":{\"root\":{\"children\":[{"
                                      "\"frame\":" F("f1", "1") ",\"children\":[{\"frame\":" F(
                                              "f2",
                                              "2") "}]}]}}},"
                                                   "{\"callID\":\"c0\",\"callStack\":{\"root\":{"
                                                   "\"frame\":" F(
                                                           "f9",
                                                           "9") "}}},"
                                                                "{\"callID\":\"c1\",\"callStack\":{"
                                                                "\"root\":{\"children\":[{"
                                                                "\"frame\":" F(
                                                                        "f1",
                                                                        "1") ",\"children\":[{"
                                                                             "\"frame\":" F(
                                                                                     "f2", "2") "}"
                                                                                                "]"
                                                                                                "}"
                                                                                                "]"
                                                                                                "}"
                                                                                                "}"
                                                                                                "}"
                                                                                                "]",
             "[{\"callID\":\"c0\",\"callStack\":{\"root\":{\"children\":[" LEAF(
                     "f9",
                     "9") "],\"frame\":" FO("",
                                            "") "}}},"
                                                "{\"callID\":\"c1\",\"callStack\":{\"root\":{"
                                                "\"children\":[{\"children\":[" LEAF("f2", "2") "," LEAF(
                                                        "f3",
                                                        "3") "],\"frame\":" FO("f1",
                                                                               "1") "}],"
                                                                                    "\"frame\":" FO(
                                                                                            "",
                                                                                            "") "}}"
                                                                                                "}"
                                                                                                "]",
             0},
            {"longest paths first",
             "[{\"callID\":\"k\",\"callStack\":{\"root\":{\"children\":["
             "{\"frame\":" F("a", "1") "},"
                                       "{\"frame\":" F("b", "1") ",\"children\":[{\"frame\":" F(
                                               "c", "1") "}]}]}}}]",
             "[{\"callID\":\"k\",\"callStack\":{\"root\":{\"children\":["
             "{\"children\":[" LEAF("c", "1") "],\"frame\":" FO("b", "1") "}," LEAF(
                     "a", "1") "],\"frame\":" FO("", "") "}}}]",
             0},
            {"no stack, one empty root",
             "[{\"callID\":\"e\"},{\"callID\":\"e\",\"callStack\":{\"root\":{}}}]",
             "[{\"callID\":\"e\",\"callStack\":{\"root\":{\"children\":[],\"frame\":" FO("",
                                                                                         "") "}}}]",
             0},
            {"lineno not a string",
             "[{\"callID\":\"x\",\"callStack\":{\"root\":{\"frame\":{\"fileID\":\"a\","
             "\"lineno\":7}}}}]",
             "frame.lineno must be a string", KS_ETYPE},
            {"children not an array",
             "[{\"callID\":\"x\",\"callStack\":{\"root\":{\"frame\":" F("a",
                                                                        "1") ",\"children\":{}}}}]",
             "children must be an array", KS_ETYPE},
            {"callID not a string", "[{\"callID\":[]}]", "string callID", KS_ETYPE},
    };
    run_cases(*state, stacks_fn, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_call_stack_bounds(void **state)
{
    ks_arena *a = *state;
    /* A stack deeper than the bound is refused. */
    ks_buf b = KS_BUF_INIT;
    int depth = RT_MAX_STACK_DEPTH + 2;
    ks_buf_puts(&b, "[{\"callID\":\"d\",\"callStack\":{\"root\":");
    for (int i = 0; i < depth; i++)
        ks_buf_printf(&b, "{\"frame\":{\"fileID\":\"f\",\"lineno\":\"%d\"},\"children\":[", i);
    for (int i = 0; i < depth; i++)
        ks_buf_puts(&b, "]}");
    ks_buf_puts(&b, "}}]");
    kv_json_opts opts = {.max_depth = 10000};
    kv_value in, out;
    assert_int_equal(kv_json_parse(a, b.data, b.len, &opts, &in, NULL), 0);
    ks_error err = {0};
    assert_int_equal(rt_unify_call_stacks(a, &in, &out, &err), KS_ELIMIT);
    assert_non_null(strstr(err.msg, "deeper than"));
    ks_buf_free(&b);
    /* 40,000 one-frame stacks under one call ID: one wide root. */
    kv_value *items = ks_arena_calloc(a, 40000, sizeof(*items));
    for (int i = 0; i < 40000; i++) {
        char buf[160];
        snprintf(buf, sizeof(buf),
                 "{\"callID\":\"w\",\"callStack\":{\"root\":{\"children\":[{\"frame\":"
                 "{\"fileID\":\"f\",\"lineno\":\"%d\"}}]}}}",
                 i % 20000);
        items[i] = tu_json(a, buf);
    }
    assert_int_equal(kv_array_new(a, items, 40000, &in), 0);
    assert_int_equal(rt_unify_call_stacks(a, &in, &out, &err), 0);
    assert_int_equal(out.len, 1);
    const kv_value *ch = kv_path(&out.u.items[0], "callStack.root.children");
    assert_non_null(ch);
    assert_int_equal(ch->len, 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_opens, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_opens_many, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_endpoints, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_endpoints_default_threshold, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_endpoints_many, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_neighbors, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_call_stacks, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_call_stack_bounds, tu_arena_setup,
                                            tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
