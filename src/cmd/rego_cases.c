/*
 * kso rego test-cases: runs conformance cases in OPA's YAML test-case
 * format (v1/test/cases/testdata in the OPA module) the way OPA's own
 * runner does (topdown/exported_test.go): modules named test-N.rego,
 * results compared as sets of binding objects with sets turned into arrays,
 * errors matched by code or by message substring.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/vec.h"
#include "rego/parse.h"
#include "rego/rego.h"
#include "value/value.h"

int rego_test_cases_cmd(int argc, char **argv);

static KS_MEM_ACCOUNT(cases_acct, "rego-cases");

typedef KS_VEC(char *) strvec;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void collect(const char *path, strvec *out)
{
    DIR *d = opendir(path);
    if (!d) {
        if (has_suffix(path, ".yaml") || has_suffix(path, ".yml"))
            ks_vec_push(out, ks_xstrndup(path, strlen(path)));
        return;
    }
    closedir(d);
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            ks_buf p = KS_BUF_INIT;
            ks_buf_printf(&p, "%s/%s", path, ents[i]->d_name);
            collect(p.data, out);
            ks_buf_free(&p);
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
}

/* Round-trips through JSON: sets become arrays, as OPA's ast.JSON does. */
static int to_json_value(ks_arena *a, const kv_value *v, kv_value *out)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kv_json_write(&b, v, 0);
    if (rc == 0)
        rc = kv_json_parse(a, b.data, b.len, NULL, out, NULL);
    ks_buf_free(&b);
    return rc;
}

typedef struct case_run {
    ks_arena *a;
    KS_VEC(kv_value) got;
    bool sort_bindings;
    bool ignore_generated;
} case_run;

static int cmp_values(const void *x, const void *y)
{
    return kv_compare(x, y);
}

static int on_result(void *ctx, const rego_result *r)
{
    case_run *cr = ctx;
    KS_VEC(kv_member) m = {0};
    for (size_t i = 0; i < r->nvars; i++) {
        const char *name = r->names[i];
        if (cr->ignore_generated && !strncmp(name, "__localq", 8))
            continue;
        kv_value k, v;
        kv_str_copy(cr->a, name, strlen(name), &k);
        if (to_json_value(cr->a, &r->values[i], &v) < 0)
            continue;
        if (cr->sort_bindings && v.kind == KV_ARRAY && v.len > 1) {
            kv_value *items = ks_arena_memdup(cr->a, v.u.items, v.len * sizeof *items);
            qsort(items, v.len, sizeof *items, cmp_values);
            kv_array_new(cr->a, items, v.len, &v);
        }
        ks_vec_push(&m, ((kv_member){k, v}));
    }
    kv_value obj;
    kv_object_new(cr->a, m.v, m.len, KV_DUP_LAST_WINS, &obj, NULL);
    ks_vec_free(&m);
    ks_vec_push(&cr->got, obj);
    return 0;
}

/* A string member (values' strings are NUL-terminated), or NULL. */
static bool bool_of(const kv_value *o, const char *key)
{
    const kv_value *v = kv_obj_get(o, key, strlen(key));
    return v && v->kind == KV_BOOL && v->u.b;
}

/* Error text the way OPA's Error() prints it: "file:row: code: message". */
static void error_text(const ks_error *e, ks_buf *out)
{
    if (e->line > 0)
        ks_buf_printf(out, "%s:%d: ", e->source, e->line);
    ks_buf_puts(out, e->msg);
}

enum outcome { PASS, FAIL, SKIP };

static enum outcome run_case(const kv_value *tc, int version, ks_buf *why)
{
    const char *query = kv_obj_str(tc, "query");
    const kv_value *want_result = kv_obj_get(tc, "want_result", 11);
    const char *want_error = kv_obj_str(tc, "want_error");
    const char *want_code = kv_obj_str(tc, "want_error_code");
    if (!query || (!want_result && !want_error && !want_code)) {
        ks_buf_puts(why, "no query or expectation");
        return SKIP;
    }
    if (kv_obj_get(tc, "env", 3)) {
        ks_buf_puts(why, "needs environment variables");
        return SKIP;
    }
    ks_arena a;
    ks_arena_init(&a, &cases_acct, (size_t)2 << 30);
    rego_policy *pol = rego_policy_new();
    rego_query *q = NULL;
    ks_error err = {0};
    int rc = 0;
    enum outcome res = FAIL;
    const kv_value *mods = kv_obj_get(tc, "modules", 7);
    for (uint32_t i = 0; mods && mods->kind == KV_ARRAY && i < mods->len && rc == 0; i++) {
        char name[32];
        snprintf(name, sizeof name, "test-%u.rego", i);
        const kv_value *m = &mods->u.items[i];
        if (m->kind != KV_STRING)
            continue;
        rc = rego_policy_add_module(pol, name, m->u.s, m->len, version, &err);
    }
    if (rc == 0)
        rc = rego_policy_compile(pol, &err);
    if (rc == 0)
        rc = rego_query_new(pol, query, strlen(query), &q, &err);
    kv_value input;
    bool has_input = false;
    const kv_value *iterm = kv_obj_get(tc, "input_term", 10);
    if (rc == 0 && iterm && iterm->kind == KV_STRING) {
        rg_term *t;
        rc = rg_parse_term(&a, iterm->u.s, iterm->len, &t, &err);
        if (rc == 0 && (rg_term_fold(&a, t) < 0 || t->type != RG_VALUE))
            rc = ks_error_set(&err, KS_EINVAL, "input_term is not a constant");
        if (rc == 0) {
            input = t->u.v;
            has_input = true;
        }
    } else if (kv_obj_get(tc, "input", 5)) {
        input = *kv_obj_get(tc, "input", 5);
        has_input = true;
    }
    case_run cr = {.a = &a,
                   .sort_bindings = bool_of(tc, "sort_bindings"),
                   .ignore_generated = bool_of(tc, "ignore_generated_vars")};
    if (rc == 0) {
        rego_eval_opts eo = {0};
        eo.input = has_input ? &input : NULL;
        eo.data = kv_obj_get(tc, "data", 4);
        eo.strict_builtin_errors = bool_of(tc, "strict_error");
        eo.max_steps = 50u * 1000 * 1000;
        eo.max_memory = (size_t)1 << 30;
        rc = rego_eval(q, &eo, on_result, &cr, &err);
    }
    if (rc < 0) {
        ks_buf text = KS_BUF_INIT;
        error_text(&err, &text);
        if (want_code) {
            size_t n = strlen(want_code);
            if (!strncmp(err.msg, want_code, n) && err.msg[n] == ':' &&
                (!want_error || strstr(text.data, want_error)))
                res = PASS;
            else
                ks_buf_printf(why, "want error code %s, got: %s", want_code, text.data);
        } else if (want_error) {
            if (strstr(text.data, want_error))
                res = PASS;
            else
                ks_buf_printf(why, "want error containing \"%s\", got: %s", want_error, text.data);
        } else {
            ks_buf_printf(why, "unexpected error: %s", text.data);
        }
        ks_buf_free(&text);
    } else if (want_code || want_error) {
        ks_buf_printf(why, "want error %s, got %zu result(s)", want_code ? want_code : want_error,
                      cr.got.len);
    } else {
        kv_value got, want;
        kv_value want_json;
        to_json_value(&a, want_result, &want_json);
        kv_set_new(&a, cr.got.v, cr.got.len, &got);
        if (want_json.kind == KV_ARRAY)
            kv_set_new(&a, want_json.u.items, want_json.len, &want);
        else
            want = want_json;
        if (kv_equal(&got, &want)) {
            res = PASS;
        } else {
            ks_buf g = KS_BUF_INIT, w = KS_BUF_INIT;
            kv_json_write(&g, &got, 0);
            kv_json_write(&w, &want, 0);
            ks_buf_printf(why, "want %.600s\n      got  %.600s", w.data, g.data);
            ks_buf_free(&g);
            ks_buf_free(&w);
        }
    }
    ks_vec_free(&cr.got);
    rego_query_free(q);
    rego_policy_free(pol);
    ks_arena_free(&a);
    return res;
}

int rego_test_cases_cmd(int argc, char **argv)
{
    const char *expected_path = NULL, *write_path = NULL, *filter = NULL;
    bool verbose = false, strict = false;
    int force_version = -1;
    strvec paths = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--expected-failures") && i + 1 < argc)
            expected_path = argv[++i];
        else if (!strcmp(a, "--write-failures") && i + 1 < argc)
            write_path = argv[++i];
        else if (!strcmp(a, "--filter") && i + 1 < argc)
            filter = argv[++i];
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            verbose = true;
        else if (!strcmp(a, "--strict"))
            strict = true;
        else if (!strcmp(a, "--v0"))
            force_version = 0;
        else if (!strcmp(a, "--v1"))
            force_version = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs("Usage: kso rego test-cases [flags] PATH...\n"
                  "\n"
                  "Runs OPA-format conformance cases (YAML files with a cases: list) found in\n"
                  "each PATH (files or directories, recursive). Files under a v0/ directory\n"
                  "are parsed as Rego v0, the rest as v1. Prints per-file and total counts.\n"
                  "\n"
                  "Flags:\n"
                  "  --expected-failures FILE  notes (\"v1/topic/name\") expected to fail\n"
                  "  --strict                  also fail when an expected failure passes\n"
                  "  --write-failures FILE     write the notes that failed to FILE\n"
                  "  --filter TEXT             only cases whose note contains TEXT\n"
                  "  --v0, --v1                parse every module with this dialect\n"
                  "  -v, --verbose             print why each case failed\n",
                  stdout);
            return KSO_EXIT_OK;
        } else if (a[0] == '-') {
            return kso_usage_error("rego test-cases", "unknown flag %s", a);
        } else {
            collect(a, &paths);
        }
    }
    if (!paths.len)
        return kso_usage_error("rego test-cases", "no case files found");
    kso_names x;
    kso_names_load(expected_path, &x); /* an unreadable list: no expected failures */
    FILE *wf = write_path ? fopen(write_path, "w") : NULL;
    size_t tp = 0, tf = 0, ts = 0, unexpected = 0, fixed = 0;
    ks_arena a;
    ks_arena_init(&a, &cases_acct, 0);
    for (size_t fi = 0; fi < paths.len; fi++) {
        const char *path = paths.v[fi];
        int version = force_version >= 0 ? force_version : strstr(path, "/v0/") ? 0 : 1;
        const char *dialect = version == 0 ? "v0" : "v1";
        char *data;
        size_t len;
        ks_error err = {0};
        kv_value doc;
        kv_yaml_opts yo = {.source = path, .flags = KV_YAML_DUP_LAST_WINS}; /* OPA: YAML 1.2 */
        if (ks_file_read(path, 64u << 20, &data, &len, &err) < 0 ||
            kv_yaml_parse(&a, data, len, &yo, &doc, &err) < 0) {
            kso_report("rego test-cases", &err, KSO_EXIT_INPUT);
            tf++;
            unexpected++;
            continue;
        }
        ks_xfree(data);
        const kv_value *cases = kv_obj_get(&doc, "cases", 5);
        size_t p = 0, f = 0, s = 0;
        for (uint32_t ci = 0; cases && cases->kind == KV_ARRAY && ci < cases->len; ci++) {
            const kv_value *tc = &cases->u.items[ci];
            const char *note = kv_obj_str(tc, "note");
            if (!note)
                note = "?";
            if (filter && !strstr(note, filter))
                continue;
            ks_buf id = KS_BUF_INIT, why = KS_BUF_INIT;
            ks_buf_printf(&id, "%s/%s", dialect, note);
            enum outcome o = run_case(tc, version, &why);
            bool exp = kso_names_has(&x, id.data, id.len);
            if (o == PASS) {
                p++;
                if (exp) {
                    fixed++;
                    fprintf(stderr, "FIXED (remove from expected failures): %s\n", id.data);
                }
            } else if (o == SKIP) {
                s++;
            } else {
                f++;
                if (wf)
                    fprintf(wf, "%s\n", id.data);
                if (!exp) {
                    unexpected++;
                    fprintf(stderr, "FAIL %s (%s)\n", id.data, path);
                    if (verbose)
                        fprintf(stderr, "      %s\n", why.data ? why.data : "");
                } else if (verbose) {
                    fprintf(stderr, "xfail %s\n      %s\n", id.data, why.data ? why.data : "");
                }
            }
            ks_buf_free(&id);
            ks_buf_free(&why);
        }
        printf("%-5s pass %4zu  fail %4zu  skip %3zu  %s\n", f ? "FAIL" : "ok", p, f, s, path);
        tp += p;
        tf += f;
        ts += s;
        ks_arena_reset(&a);
    }
    size_t total = tp + tf + ts;
    printf("total: %zu cases, pass %zu (%.1f%%), fail %zu, skip %zu; unexpected failures %zu, "
           "fixed %zu\n",
           total, tp, total ? 100.0 * (double)tp / (double)total : 0.0, tf, ts, unexpected, fixed);
    if (wf)
        fclose(wf);
    ks_arena_free(&a);
    for (size_t i = 0; i < paths.len; i++)
        ks_xfree(paths.v[i]);
    ks_vec_free(&paths);
    kso_names_free(&x);
    return unexpected || (strict && fixed) ? KSO_EXIT_FAILED : KSO_EXIT_OK;
}
