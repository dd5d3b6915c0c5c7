/* The dynamic path analyzer: path cleaning, collapse thresholds at and over
 * the limit, per-prefix overrides and their boundaries, "⋯" versus "*",
 * CollapseConfiguration replacement semantics, pattern matching, and
 * hostile inputs (deep, long, many paths). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "runtime/profile.h"
#include "testutil.h"

#define D RT_DYNAMIC

/* ---- helpers ---- */

/* Builds an array value of the paths fmt % i for i in [0, n), followed by
 * the extra paths (NULL-terminated). */
static kv_value gen_paths(ks_arena *a, const char *fmt, int n, const char *const *extra)
{
    size_t ne = 0;
    while (extra && extra[ne])
        ne++;
    kv_value *items = ks_arena_calloc(a, (size_t)n + ne + 1, sizeof(*items));
    for (int i = 0; i < n; i++) {
        ks_buf b = KS_BUF_INIT;
        ks_buf_printf(&b, fmt, i, i);
        assert_int_equal(kv_str_copy(a, b.data, b.len, &items[i]), 0);
        ks_buf_free(&b);
    }
    for (size_t i = 0; extra && i < ne; i++)
        items[n + i] = kv_str_ref(extra[i], strlen(extra[i]));
    kv_value arr;
    assert_int_equal(kv_array_new(a, items, (size_t)n + ne, &arr), 0);
    return arr;
}

static void expect_collapse(rt_path_analyzer *pa, const kv_value *paths, const char *want_json)
{
    kv_value out;
    ks_error err = {0};
    int rc = rt_path_analyzer_collapse(pa, paths, &out, &err);
    if (rc)
        fail_msg("collapse failed: %s", err.msg);
    char *got = tu_to_json(&out, 0);
    if (strcmp(got, want_json) != 0)
        fail_msg("collapse: got %s, want %s", got, want_json);
    ks_xfree(got);
}

/* ---- path.Clean ---- */

static void test_clean(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *in, *want;
    } cases[] = {
            {"", "."},
            {"/", "/"},
            {".", "."},
            {"./", "."},
            {"//a//b/", "/a/b"},
            {"/a/./b/../c", "/a/c"},
            {"/../a", "/a"},
            {"/..", "/"},
            {"a/../../b", "../b"},
            {"a/b/..", "a"},
            {"../../x", "../../x"},
            {"/a/b/c/../../..", "/"},
            {"abc/./def/", "abc/def"},
            {"/etc/passwd", "/etc/passwd"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kv_value out;
        assert_int_equal(rt_path_clean(a, cases[i].in, strlen(cases[i].in), &out), 0);
        if (strcmp(out.u.s, cases[i].want) != 0)
            fail_msg("clean(%s) = %s, want %s", cases[i].in, out.u.s, cases[i].want);
    }
}

/* ---- thresholds ---- */

static void test_threshold_at_and_over(void **state)
{
    ks_arena *a = *state;
    /* 50 distinct children of /data: at the default limit, kept. */
    rt_path_analyzer *pa = rt_path_analyzer_new(a, 0, NULL, 0);
    kv_value p = gen_paths(a, "/data/f%02d", 50, NULL);
    kv_value out;
    assert_int_equal(rt_path_analyzer_collapse(pa, &p, &out, NULL), 0);
    assert_int_equal(out.len, 50);
    /* 51: over the limit, one pattern. */
    pa = rt_path_analyzer_new(a, 0, NULL, 0);
    p = gen_paths(a, "/data/f%02d", 51, NULL);
    expect_collapse(pa, &p, "[\"/data/" D "\"]");
    /* An explicit threshold: 3 kept, 4 collapsed; other prefixes untouched. */
    static const char *const other[] = {"/keep/a", "/keep/b", NULL};
    pa = rt_path_analyzer_new(a, 3, NULL, 0);
    p = gen_paths(a, "/x/%d", 3, other);
    expect_collapse(pa, &p, "[\"/keep/a\",\"/keep/b\",\"/x/0\",\"/x/1\",\"/x/2\"]");
    pa = rt_path_analyzer_new(a, 3, NULL, 0);
    p = gen_paths(a, "/x/%d", 4, other);
    expect_collapse(pa, &p, "[\"/keep/a\",\"/keep/b\",\"/x/" D "\"]");
}

static void test_dynamic_versus_wildcard(void **state)
{
    ks_arena *a = *state;
    /* Children collapse to one "⋯"; a common leaf below stays literal. */
    rt_path_analyzer *pa = rt_path_analyzer_new(a, 3, NULL, 0);
    kv_value p = gen_paths(a, "/proc/%d/status", 4, NULL);
    expect_collapse(pa, &p, "[\"/proc/" D "/status\"]");
    /* Two crowded levels in a row: "⋯/⋯" becomes "*". */
    pa = rt_path_analyzer_new(a, 3, NULL, 0);
    p = gen_paths(a, "/x/d%d/f%d", 4, NULL);
    expect_collapse(pa, &p, "[\"/x/*\"]");
    /* Two crowded levels apart: two "⋯" with a literal between. */
    pa = rt_path_analyzer_new(a, 3, NULL, 0);
    p = gen_paths(a, "/u/%d/mid/%d", 4, NULL);
    expect_collapse(pa, &p, "[\"/u/" D "/mid/" D "\"]");
    /* An explicit "⋯" segment folds its siblings at once. */
    static const char *const explicit_dyn[] = {"/e/a", "/e/" D, "/e/b/c", NULL};
    pa = rt_path_analyzer_new(a, 50, NULL, 0);
    p = gen_paths(a, "/z/%d", 0, explicit_dyn);
    expect_collapse(pa, &p, "[\"/e/" D "\",\"/e/" D "/c\"]");
    /* An explicit "*" segment takes everything below its parent. */
    static const char *const explicit_star[] = {"/w/*", "/w/a/b/c", "/w/q", NULL};
    pa = rt_path_analyzer_new(a, 50, NULL, 0);
    p = gen_paths(a, "/z/%d", 0, explicit_star);
    expect_collapse(pa, &p, "[\"/w/*\"]");
}

static void test_prefix_overrides(void **state)
{
    ks_arena *a = *state;
    rt_collapse_cfg cfg;
    rt_collapse_cfg_default(&cfg);
    /* /etc allows 100: 60 children stay. */
    rt_path_analyzer *pa = rt_path_analyzer_new(a, 50, cfg.prefixes, cfg.nprefixes);
    kv_value p = gen_paths(a, "/etc/f%02d", 60, NULL);
    kv_value out;
    assert_int_equal(rt_path_analyzer_collapse(pa, &p, &out, NULL), 0);
    assert_int_equal(out.len, 60);
    /* /etcd is not under /etc (prefix must end at a '/'): default 50. */
    pa = rt_path_analyzer_new(a, 50, cfg.prefixes, cfg.nprefixes);
    p = gen_paths(a, "/etcd/f%02d", 60, NULL);
    expect_collapse(pa, &p, "[\"/etcd/" D "\"]");
    /* The longer /etc/apache2 (50) wins over /etc (100). */
    pa = rt_path_analyzer_new(a, 50, cfg.prefixes, cfg.nprefixes);
    p = gen_paths(a, "/etc/apache2/m%02d", 51, NULL);
    expect_collapse(pa, &p, "[\"/etc/apache2/" D "\"]");
    /* 101 under /etc: over its own limit. */
    pa = rt_path_analyzer_new(a, 50, cfg.prefixes, cfg.nprefixes);
    p = gen_paths(a, "/etc/f%03d", 101, NULL);
    expect_collapse(pa, &p, "[\"/etc/" D "\"]");
    /* Threshold 1 turns the first new child into "*". */
    static const rt_collapse_prefix one[] = {{"/instant", 8, 1}};
    static const char *const inst[] = {"/instant/only-child/data", "/instantly/a", NULL};
    pa = rt_path_analyzer_new(a, 50, one, 1);
    p = gen_paths(a, "/z/%d", 0, inst);
    expect_collapse(pa, &p, "[\"/instant/*\",\"/instantly/a\"]");
    /* A trailing '/' in a prefix means the same prefix; "/" covers all. */
    static const rt_collapse_prefix slash[] = {{"/data/", 6, 2}, {"/", 1, 1000}};
    pa = rt_path_analyzer_new(a, 2, slash, 2);
    p = gen_paths(a, "/data/%d", 3, NULL);
    expect_collapse(pa, &p, "[\"/data/" D "\"]");
    pa = rt_path_analyzer_new(a, 2, slash, 2);
    p = gen_paths(a, "/other/%d", 3, NULL);
    expect_collapse(pa, &p, "[\"/other/0\",\"/other/1\",\"/other/2\"]");
}

/* ---- CollapseConfiguration ---- */

static void test_collapse_config(void **state)
{
    ks_arena *a = *state;
    rt_collapse_cfg cfg;
    ks_error err = {0};
    /* Absent: compiled-in defaults. */
    assert_int_equal(rt_collapse_cfg_from_object(a, NULL, &cfg, &err), 0);
    assert_int_equal(cfg.open_threshold, 50);
    assert_int_equal(cfg.endpoint_threshold, 100);
    assert_int_equal(cfg.nprefixes, 5);
    /* Its prefixes replace the defaults; zero thresholds fall back. */
    kv_value obj = tu_json(a, "{\"kind\":\"CollapseConfiguration\",\"spec\":{"
                              "\"openDynamicThreshold\":0,\"collapseConfigs\":"
                              "[{\"prefix\":\"/data\",\"threshold\":5}]}}");
    assert_int_equal(rt_collapse_cfg_from_object(a, &obj, &cfg, &err), 0);
    assert_int_equal(cfg.open_threshold, 50);
    assert_int_equal(cfg.endpoint_threshold, 100);
    assert_int_equal(cfg.nprefixes, 1);
    assert_int_equal(cfg.prefixes[0].threshold, 5);
    rt_path_analyzer *pa = rt_path_analyzer_new(a, cfg.open_threshold, cfg.prefixes, cfg.nprefixes);
    static const char *const more[] = {"/data/1", "/data/2", "/data/3", "/data/4",
                                       "/data/5", "/data/6", NULL};
    /* /etc with 60 children now collapses at the default 50. */
    kv_value p = gen_paths(a, "/etc/f%02d", 60, more);
    expect_collapse(pa, &p, "[\"/data/" D "\",\"/etc/" D "\"]");
    /* An empty list: no overrides at all. */
    obj = tu_json(a, "{\"spec\":{\"openDynamicThreshold\":7,\"endpointDynamicThreshold\":9,"
                     "\"collapseConfigs\":[]}}");
    assert_int_equal(rt_collapse_cfg_from_object(a, &obj, &cfg, &err), 0);
    assert_int_equal(cfg.open_threshold, 7);
    assert_int_equal(cfg.endpoint_threshold, 9);
    assert_int_equal(cfg.nprefixes, 0);
    /* Negative thresholds fall back too. */
    obj = tu_json(a, "{\"spec\":{\"openDynamicThreshold\":-3}}");
    assert_int_equal(rt_collapse_cfg_from_object(a, &obj, &cfg, &err), 0);
    assert_int_equal(cfg.open_threshold, 50);
    assert_int_equal(cfg.nprefixes, 0);
    /* Wrong types are errors naming the field. */
    static const struct {
        const char *json, *field;
    } bad[] = {
            {"{\"spec\":{\"openDynamicThreshold\":\"5\"}}", "openDynamicThreshold"},
            {"{\"spec\":{\"endpointDynamicThreshold\":1.5}}", "endpointDynamicThreshold"},
            {"{\"spec\":{\"collapseConfigs\":{}}}", "collapseConfigs"},
            {"{\"spec\":{\"collapseConfigs\":[7]}}", "collapseConfigs[0]"},
            {"{\"spec\":{\"collapseConfigs\":[{\"prefix\":1,\"threshold\":2}]}}", "prefix"},
            {"{\"spec\":{\"collapseConfigs\":[{\"prefix\":\"/a\",\"threshold\":\"x\"}]}}",
             "threshold"},
            {"{\"spec\":[]}", "spec"},
            {"[]", "CollapseConfiguration"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        obj = tu_json(a, bad[i].json);
        ks_error_clear(&err);
        assert_int_equal(rt_collapse_cfg_from_object(a, &obj, &cfg, &err), KS_ETYPE);
        if (!strstr(err.msg, bad[i].field))
            fail_msg("%s: message '%s' does not name %s", bad[i].json, err.msg, bad[i].field);
    }
}

/* ---- matching ---- */

static void test_path_match(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *path;
        bool want;
    } cases[] = {
            {"/etc/" D, "/etc/passwd", true},
            {"/etc/" D, "/etc", false},
            {"/etc/" D, "/etc/nginx/nginx.conf", false},
            {"/etc/*", "/etc/nginx/nginx.conf", true},
            {"/etc/*", "/etc/passwd", true},
            {"/etc/*", "/etc", false},
            {"/etc/*", "/etc/", false},
            {"/a/*/z", "/a/z", true},
            {"/a/*/z", "/a/b/c/z", true},
            {"/a/*/z", "/a/b/c/y", false},
            {"/a/*/*/z", "/a/z", true},
            {"/a/*/b/*/c", "/a/x/b/y/y/c", true},
            {"/a/*/b/*/c", "/a/x/y/c", false},
            {"/" D "/" D, "/a/b", true},
            {"/" D "/" D, "/a", false},
            {"*", "/", true},
            {"/etc/passwd", "/etc/passwd/", true},
            {"/etc/passwd", "/etc/shadow", false},
            {"", "/a", false},
            {"/a", "", false},
            {"/a/b*", "/a/bc", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = rt_path_match(cases[i].pattern, strlen(cases[i].pattern), cases[i].path,
                                 strlen(cases[i].path));
        if (got != cases[i].want)
            fail_msg("match(%s, %s) = %d, want %d", cases[i].pattern, cases[i].path, got,
                     cases[i].want);
    }
    /* Many "*" segments against a long path: no exponential blowup. */
    ks_buf pat = KS_BUF_INIT, path = KS_BUF_INIT;
    for (int i = 0; i < 200; i++)
        ks_buf_puts(&pat, "/*/x");
    ks_buf_puts(&pat, "/y");
    for (int i = 0; i < 2000; i++)
        ks_buf_puts(&path, "/x");
    assert_false(rt_path_match(pat.data, pat.len, path.data, path.len));
    ks_buf_puts(&path, "/y");
    assert_true(rt_path_match(pat.data, pat.len, path.data, path.len));
    ks_buf_free(&pat);
    ks_buf_free(&path);
}

/* Property: whatever the trie did, the path it returns for an input still
 * matches that input (cleaned). (Reading a path again may give a wider
 * pattern: collapses are lazy, done as walks pass, as upstream's are.) */
static void test_random_paths_still_match(void **state)
{
    ks_arena *a = *state;
    static const char *const segs[] = {"a", "b", "c", "etc", "app", "x1", "x2", "x3", D, "*", ""};
    static const rt_collapse_prefix pre[] = {{"/etc", 4, 3}, {"/app", 4, 1}, {"/a/b", 4, 2}};
    tu_rng_seed(20261127);
    for (int round = 0; round < 60; round++) {
        int64_t threshold = 1 + (int64_t)(tu_rng() % 4);
        rt_path_analyzer *pa = rt_path_analyzer_new(a, threshold, pre, tu_rng() % 4);
        size_t n = 1 + tu_rng() % 80;
        kv_value *paths = ks_arena_calloc(a, n, sizeof(*paths));
        for (size_t i = 0; i < n; i++) {
            ks_buf b = KS_BUF_INIT;
            size_t depth = 1 + tu_rng() % 6;
            for (size_t d = 0; d < depth; d++) {
                ks_buf_putc(&b, '/');
                /* mostly plain segments, sometimes "⋯", "*" or empty */
                uint64_t r = tu_rng() % 100;
                const char *sg = r < 85 ? segs[r % 8] : segs[8 + r % 3];
                ks_buf_puts(&b, sg);
                if (r % 7 == 0)
                    ks_buf_printf(&b, "%d", (int)(tu_rng() % 9));
            }
            assert_int_equal(kv_str_copy(a, ks_buf_cstr(&b), b.len, &paths[i]), 0);
            ks_buf_free(&b);
        }
        for (size_t i = 0; i < n; i++)
            assert_int_equal(
                    rt_path_analyzer_add(pa, "", 0, paths[i].u.s, paths[i].len, NULL, NULL), 0);
        for (size_t i = 0; i < n; i++) {
            kv_value got, clean;
            assert_int_equal(
                    rt_path_analyzer_add(pa, "", 0, paths[i].u.s, paths[i].len, &got, NULL), 0);
            assert_int_equal(rt_path_clean(a, paths[i].u.s, paths[i].len, &clean), 0);
            /* "/" walks two empty segments, the second of which may have
             * become "⋯": "/⋯" (upstream too), which does not match "/". */
            if (clean.len == 1 && clean.u.s[0] == '/')
                continue;
            if (!rt_path_match(got.u.s, got.len, clean.u.s, clean.len) && !kv_equal(&got, &clean))
                fail_msg("round %d: %s became %s, which does not match it", round, clean.u.s,
                         got.u.s);
        }
    }
}

/* ---- hostile input ---- */

static void test_hostile(void **state)
{
    ks_arena *a = *state;
    ks_error err = {0};
    /* 40,000 distinct files in 200 directories: two levels collapse. */
    rt_path_analyzer *pa = rt_path_analyzer_new(a, 0, NULL, 0);
    kv_value *items = ks_arena_calloc(a, 40000, sizeof(*items));
    for (int i = 0; i < 40000; i++) {
        char buf[64];
        int n = snprintf(buf, sizeof(buf), "/srv/d%d/f%d", i % 200, i);
        assert_int_equal(kv_str_copy(a, buf, (size_t)n, &items[i]), 0);
    }
    kv_value p;
    assert_int_equal(kv_array_new(a, items, 40000, &p), 0);
    expect_collapse(pa, &p, "[\"/srv/*\"]");
    /* Two spines 4,000 segments deep with the same names: crowding the
     * root merges them level by level (iteratively, no deep recursion). */
    pa = rt_path_analyzer_new(a, 0, NULL, 0);
    ks_buf deep = KS_BUF_INIT, other = KS_BUF_INIT;
    ks_buf_puts(&deep, "/a");
    ks_buf_puts(&other, "/b");
    for (int i = 0; i < 4000; i++) {
        ks_buf_puts(&deep, "/s");
        ks_buf_puts(&other, "/s");
    }
    kv_value out;
    assert_int_equal(rt_path_analyzer_add(pa, "", 0, deep.data, deep.len, &out, &err), 0);
    assert_int_equal(out.len, deep.len);
    assert_int_equal(rt_path_analyzer_add(pa, "", 0, other.data, other.len, &out, &err), 0);
    for (int i = 0; i < 60; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "/c%d", i);
        assert_int_equal(rt_path_analyzer_add(pa, "", 0, buf, (size_t)n, NULL, &err), 0);
    }
    assert_int_equal(rt_path_analyzer_add(pa, "", 0, deep.data, deep.len, &out, &err), 0);
    assert_int_equal(out.len, deep.len + 2); /* "a" became the 3-byte "⋯" */
    assert_memory_equal(out.u.s, "/" D "/s/s", 8);
    assert_int_equal(rt_path_analyzer_add(pa, "", 0, other.data, other.len, &out, &err), 0);
    assert_memory_equal(out.u.s, "/" D "/s/s", 8);
    ks_buf_free(&other);
    /* A path past the bound is refused with a message. */
    ks_buf_fill(&deep, 'x', RT_MAX_PATH_LEN);
    assert_int_equal(rt_path_analyzer_add(pa, "", 0, deep.data, deep.len, &out, &err), KS_ELIMIT);
    assert_non_null(strstr(err.msg, "longer than"));
    ks_buf_free(&deep);
    /* Non-strings are type errors, not crashes. */
    kv_value bad = tu_json(a, "[\"/a\", 7]");
    ks_error_clear(&err);
    assert_int_equal(rt_path_analyzer_collapse(pa, &bad, &out, &err), KS_ETYPE);
    assert_non_null(strstr(err.msg, "paths[1]"));
    bad = tu_json(a, "{\"a\":1}");
    assert_int_equal(rt_path_analyzer_collapse(pa, &bad, &out, &err), KS_ETYPE);
    /* A full arena is an error too. */
    ks_arena small;
    ks_arena_init(&small, NULL, 64 * 1024);
    pa = rt_path_analyzer_new(&small, 0, NULL, 0);
    assert_non_null(pa);
    int rc = 0;
    for (int i = 0; i < 100000 && !rc; i++) {
        char buf[64];
        int n = snprintf(buf, sizeof(buf), "/m/%d/%d", i, i * 7);
        rc = rt_path_analyzer_add(pa, "", 0, buf, (size_t)n, NULL, &err);
    }
    assert_int_equal(rc, KS_ELIMIT);
    ks_arena_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_clean, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_threshold_at_and_over, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_dynamic_versus_wildcard, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_prefix_overrides, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_collapse_config, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_path_match, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_random_paths_still_match, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_hostile, tu_arena_setup, tu_arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
