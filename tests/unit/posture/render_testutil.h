/* Helpers of the output-format tests (test_render_*.c): fixture reports,
 * rendering by format name, and string checks. */
#ifndef KS_RENDER_TESTUTIL_H
#define KS_RENDER_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "posture/render.h"
#include "testutil.h"

/* tests/data/posture/render: the fixtures; reports name their manifests
 * relative to it. */
#define RENDER_DIR KS_TEST_DATA_DIR "/posture/render"

typedef int (*render_fn)(ks_buf *, const ps_render_in *, ks_error *);

static inline render_fn render_by_name(const char *name)
{
    static const struct {
        const char *name;
        render_fn fn;
    } table[] = {
            {"pretty-printer", ps_render_pretty},
            {"junit", ps_render_junit},
            {"sarif", ps_render_sarif},
            {"prometheus", ps_render_prometheus},
            {"html", ps_render_html},
            {"k8s-objects", ps_render_k8s_objects},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].fn;
    return NULL;
}

static inline kv_value load_json(ks_arena *a, const char *rel)
{
    size_t n;
    char *text = tu_read_fixture(rel, &n);
    kv_value v;
    ks_error err = {0};
    kv_json_opts o = {.source = rel};
    if (kv_json_parse(a, text, n, &o, &v, &err) != 0)
        fail_msg("%s: %s", rel, err.msg);
    ks_xfree(text);
    return v;
}

/* The fixture report and controls of name ("files", "cluster"). */
static inline void load_report(ks_arena *a, const char *name, kv_value *report, kv_value *controls)
{
    char rel[256];
    snprintf(rel, sizeof rel, "posture/render/report-%s.json", name);
    *report = load_json(a, rel);
    *controls = load_json(a, "posture/render/controls.json");
}

/* Renders in the fixture directory (where relative manifest paths resolve);
 * fails the test on an error. Returns a heap string (free). */
static inline char *render(render_fn fn, const ps_render_in *in)
{
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(RENDER_DIR), 0);
    ks_buf out = KS_BUF_INIT;
    ks_error err = {0};
    int rc = fn(&out, in, &err);
    assert_int_equal(chdir(cwd), 0);
    if (rc)
        fail_msg("render failed: %s", err.msg);
    return ks_buf_detach(&out, NULL);
}

/* Occurrences of needle in s. */
static inline size_t count_of(const char *s, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = s; (p = strstr(p, needle)); p += l)
        n++;
    return n;
}

#define assert_contains(s, needle)                                      \
    do {                                                                \
        if (!strstr((s), (needle)))                                     \
            fail_msg("expected to find\n  %s\nin:\n%s", (needle), (s)); \
    } while (0)

#define assert_not_contains(s, needle)                                \
    do {                                                              \
        if (strstr((s), (needle)))                                    \
            fail_msg("did not expect\n  %s\nin:\n%s", (needle), (s)); \
    } while (0)

#endif
