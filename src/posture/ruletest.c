/*
 * The rule test cases of a source-layout library (rules/<rule>/test/<case>/)
 * run through the engine exactly as the upstream library's test runner
 * runs them (spec configscan_rego.md §10.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "posture/internal.h"

#define CASE_FILE_MAX (64u << 20)
#define PBUF          4096

/* dir/name into out (PBUF bytes); a path too long for it comes out cut,
 * and then fails to open with its name in the error. */
static void pjoin(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PBUF, "%s/%s", dir, name);
    if (n < 0)
        out[0] = '\0';
}

typedef struct names {
    char **v;
    size_t n;
} names;

static void names_free(names *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->v[i]);
    free(x->v);
    x->v = NULL;
    x->n = 0;
}

/* Entries of dir, sorted (os.ReadDir order); dirs_only keeps directories. */
static int list_dir(const char *dir, bool dirs_only, names *out)
{
    ks_error err = {0};
    memset(out, 0, sizeof *out);
    int rc = ps_dir_names(dir, &out->v, &out->n, &err);
    if (rc || !dirs_only)
        return rc ? KS_ENOENT : 0;
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++) {
        char p[PBUF];
        struct stat st;
        pjoin(p, dir, out->v[i]);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            out->v[k++] = out->v[i];
        else
            free(out->v[i]);
    }
    out->n = k;
    return 0;
}

static int read_file_z(const char *path, char **data, size_t *len, ks_error *err)
{
    return ks_file_read(path, CASE_FILE_MAX, data, len, err);
}

/* Every number as Go's json.Unmarshal into interface{} leaves it: a
 * float64, which OPA then formats as a float (KV_NUMF_FLOAT). */
static int as_float64(ks_arena *a, const kv_value *in, kv_value *out, int depth)
{
    if (depth > KV_DEFAULT_MAX_DEPTH)
        return KS_ELIMIT;
    switch (in->kind) {
    case KV_NUMBER: {
        /* OPA reads the float64 back through strconv's shortest %g: integers
         * below 1e6 come out as integers, everything else as a float */
        double d = kv_num_double(in);
        *out = kv_double(d);
        if (!(d == (double)(int64_t)d && d > -1e6 && d < 1e6))
            out->flags |= KV_NUMF_FLOAT;
        return 0;
    }
    case KV_ARRAY: {
        kv_value *items = ks_arena_alloc(a, (in->len + 1) * sizeof *items);
        if (!items)
            return KS_ENOMEM;
        for (size_t i = 0; i < in->len; i++) {
            int rc = as_float64(a, &in->u.items[i], &items[i], depth + 1);
            if (rc)
                return rc;
        }
        return kv_array_new(a, items, in->len, out);
    }
    case KV_OBJECT: {
        kv_member *m = ks_arena_alloc(a, (in->len + 1) * sizeof *m);
        if (!m)
            return KS_ENOMEM;
        for (size_t i = 0; i < in->len; i++) {
            m[i].key = in->u.members[i].key;
            int rc = as_float64(a, &in->u.members[i].val, &m[i].val, depth + 1);
            if (rc)
                return rc;
        }
        return kv_object_new(a, m, in->len, KV_DUP_LAST_WINS, out, NULL);
    }
    default: *out = *in; return 0;
    }
}

/* The input objects of a case: input/ in file-name order, the first YAML
 * document of each (JSON is read as YAML too, as go-yaml v3 does). */
static int read_inputs(ks_arena *a, const char *case_dir, kv_value **objs, size_t *n, ks_error *err)
{
    char dir[PBUF];
    pjoin(dir, case_dir, "input");
    names files;
    *objs = NULL;
    *n = 0;
    if (list_dir(dir, false, &files) != 0)
        return 0; /* no input/: an empty input */
    int rc = 0;
    *objs = ks_arena_alloc(a, (files.n + 1) * sizeof **objs);
    if (!*objs)
        rc = KS_ENOMEM;
    for (size_t i = 0; !rc && i < files.n; i++) {
        char path[PBUF];
        pjoin(path, dir, files.v[i]);
        char *data;
        size_t len;
        if ((rc = read_file_z(path, &data, &len, err)))
            break;
        kv_yaml_opts yo = {.source = ks_arena_strndup(a, path, strlen(path)),
                           .max_size = CASE_FILE_MAX};
        kv_value doc;
        rc = kv_yaml_parse(a, data, len, &yo, &doc, err);
        free(data);
        if (rc)
            break;
        if (doc.kind == KV_NULL) {
            rc = ks_error_set(err, KS_EINVAL, "%s: resource is nil", path);
            break;
        }
        if (doc.kind != KV_OBJECT) {
            rc = ks_error_set(
                    err, KS_EINVAL,
                    "%s: json: cannot unmarshal %s into Go value of type map[string]interface {}",
                    path, kv_kind_name((kv_kind)doc.kind));
            break;
        }
        kv_value f, env;
        if ((rc = as_float64(a, &doc, &f, 0)) || (rc = ps_object_envelope(a, &f, &env)))
            break;
        (*objs)[(*n)++] = env;
    }
    names_free(&files);
    return rc;
}

/* Keeps only the named members of an object. */
static int keep_members(ks_arena *a, const kv_value *obj, const char *const *keep, size_t nkeep,
                        kv_value *out)
{
    kv_member *m = ks_arena_alloc(a, (obj->len + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < obj->len; i++)
        for (size_t q = 0; q < nkeep; q++)
            if (ps_str_eq(&obj->u.members[i].key, keep[q])) {
                m[k++] = obj->u.members[i];
                break;
            }
    return kv_object_new(a, m, k, KV_DUP_LAST_WINS, out, NULL);
}

/* RuleReport.RemoveData(["kind","apiVersion","metadata"], ["name","labels"])
 * on alertObject.k8sApiObjects. */
static int strip_response(ks_arena *a, const kv_value *r, kv_value *out)
{
    static const char *const top[] = {"kind", "apiVersion", "metadata"};
    static const char *const md[] = {"name", "labels"};
    *out = *r;
    const kv_value *ao = ps_get(r, "alertObject");
    const kv_value *k8s = ps_get(ao, "k8sApiObjects");
    if (!k8s || k8s->kind != KV_ARRAY || !k8s->len)
        return 0;
    kv_value *items = ks_arena_alloc(a, k8s->len * sizeof *items);
    if (!items)
        return KS_ENOMEM;
    int rc = 0;
    for (size_t i = 0; !rc && i < k8s->len; i++) {
        const kv_value *o = &k8s->u.items[i];
        items[i] = *o;
        if (o->kind != KV_OBJECT)
            continue;
        rc = keep_members(a, o, top, 3, &items[i]);
        const kv_value *m = rc ? NULL : ps_get(&items[i], "metadata");
        if (m && m->kind == KV_OBJECT) {
            kv_value nm;
            rc = keep_members(a, m, md, 2, &nm);
            kv_member mm[3];
            size_t k = 0;
            for (size_t q = 0; !rc && q < items[i].len; q++) {
                mm[k] = items[i].u.members[q];
                if (ps_str_eq(&mm[k].key, "metadata"))
                    mm[k].val = nm;
                k++;
            }
            if (!rc)
                rc = kv_object_new(a, mm, k, KV_DUP_LAST_WINS, &items[i], NULL);
        }
    }
    kv_value arr, nao;
    if (!rc)
        rc = kv_array_new(a, items, k8s->len, &arr);
    if (rc)
        return rc;
    kv_member am[2];
    size_t an = 0;
    for (size_t q = 0; q < ao->len && an < 2; q++) {
        am[an] = ao->u.members[q];
        if (ps_str_eq(&am[an].key, "k8sApiObjects"))
            am[an].val = arr;
        an++;
    }
    if ((rc = kv_object_new(a, am, an, KV_DUP_LAST_WINS, &nao, NULL)))
        return rc;
    kv_member *rm = ks_arena_alloc(a, r->len * sizeof *rm);
    if (!rm)
        return KS_ENOMEM;
    for (size_t q = 0; q < r->len; q++) {
        rm[q] = r->u.members[q];
        if (ps_str_eq(&rm[q].key, "alertObject"))
            rm[q].val = nao;
    }
    return kv_object_new(a, rm, r->len, KV_DUP_LAST_WINS, out, NULL);
}

/* The rule's responses as the upstream runner compares them: evaluated,
 * then stripped (strip_response). */
static int eval_stripped(const ps_compiled *c, const kv_value *input, const kv_value *data,
                         ks_arena *a, kv_value *out, ks_error *err)
{
    kv_value got;
    int rc = ps_eval_rule(c, input, data, a, &got, err);
    if (rc)
        return rc;
    kv_value *items = ks_arena_alloc(a, (got.len + 1) * sizeof *items);
    if (!items)
        return KS_ENOMEM;
    for (size_t i = 0; i < got.len; i++)
        if ((rc = strip_response(a, &got.u.items[i], &items[i])))
            return rc;
    return kv_array_new(a, items, got.len, out);
}

typedef struct keyed {
    char *text;
    const kv_value *v;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    return strcmp(((const keyed *)a)->text, ((const keyed *)b)->text);
}

/* Multiset equality of normalised responses (sorted by their JSON text,
 * compared as values: numbers numerically, as Go's JSONEq). */
static bool same_responses(const kv_value *got, const kv_value *want)
{
    if (got->len != want->len)
        return false;
    size_t n = got->len;
    keyed *g = calloc(n + 1, sizeof *g), *w = calloc(n + 1, sizeof *w);
    bool same = g && w;
    for (size_t i = 0; same && i < n; i++) {
        ks_buf b1 = KS_BUF_INIT, b2 = KS_BUF_INIT;
        kv_json_write(&b1, &got->u.items[i], KV_JSON_CANONICAL);
        kv_json_write(&b2, &want->u.items[i], KV_JSON_CANONICAL);
        g[i].text = ks_buf_detach(&b1, NULL);
        w[i].text = ks_buf_detach(&b2, NULL);
        g[i].v = &got->u.items[i];
        w[i].v = &want->u.items[i];
        same = g[i].text && w[i].text;
    }
    if (same) {
        qsort(g, n, sizeof *g, cmp_keyed);
        qsort(w, n, sizeof *w, cmp_keyed);
        for (size_t i = 0; same && i < n; i++)
            same = kv_equal(g[i].v, w[i].v);
    }
    for (size_t i = 0; g && w && i < n; i++) {
        free(g[i].text);
        free(w[i].text);
    }
    free(g);
    free(w);
    return same;
}

/* expected.json: an array of responses or a single one. */
static int read_expected(ks_arena *a, const char *path, kv_value *out, ks_error *err)
{
    char *data;
    size_t len;
    int rc = read_file_z(path, &data, &len, err);
    if (rc)
        return rc;
    kv_json_opts jo = {.source = ks_arena_strndup(a, path, strlen(path))};
    kv_value doc;
    rc = kv_json_parse(a, data, len, &jo, &doc, err);
    free(data);
    if (rc)
        return rc;
    const kv_value *items = doc.kind == KV_ARRAY ? doc.u.items : &doc;
    size_t n = doc.kind == KV_ARRAY ? doc.len : 1;
    kv_value *dec = ks_arena_alloc(a, (n + 1) * sizeof *dec);
    if (!dec)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if ((rc = ps_response_decode(a, &items[i], &dec[i], err)))
            return ks_error_set(err, rc, "%s: expected.json doesn't match: %s", path, err->msg);
    return kv_array_new(a, dec, n, out);
}

static void describe(ks_buf *b, const char *what, const kv_value *got, const kv_value *want)
{
    ks_buf_printf(b, "%s differs\n  got:      ", what);
    kv_json_write(b, got, 0);
    ks_buf_puts(b, "\n  expected: ");
    kv_json_write(b, want, 0);
}

typedef struct rule_ctx {
    const char *libdir;
    const kv_value *defaults; /* postureControlInputs */
    const char *helpers;
    size_t helpers_len;
} rule_ctx;

static int run_case(const rule_ctx *R, const ps_compiled *raw, const ps_compiled *filt,
                    const kv_value *meta, const char *case_dir, ks_buf *detail)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_error err = {0};
    kv_value *objs, *agg;
    size_t n, nagg;
    int rc = read_inputs(&a, case_dir, &objs, &n, &err);
    enum ps_aggregator kind = PS_AGG_NONE;
    const kv_value *ag = ps_get(ps_get(meta, "attributes"), "resourcesAggregator");
    if (ps_str_eq(ag, "subject-role-rolebinding"))
        kind = PS_AGG_SUBJECTS;
    else if (ps_str_eq(ag, "apiserver-pod"))
        kind = PS_AGG_APISERVER_POD;
    agg = objs;
    nagg = n;
    if (!rc && kind != PS_AGG_NONE)
        rc = ps_aggregate(&a, kind, objs, n, &agg, &nagg);
    kv_value input, data;
    if (!rc)
        rc = kv_array_new(&a, agg, nagg, &input);
    /* data: defaults overlaid key by key with data.json */
    if (!rc) {
        char path[PBUF];
        pjoin(path, case_dir, "data.json");
        kv_value dj = kv_null();
        struct stat st;
        if (stat(path, &st) == 0) {
            char *text;
            size_t len;
            rc = read_file_z(path, &text, &len, &err);
            kv_json_opts jo = {.source = "data.json"};
            if (!rc) {
                rc = kv_json_parse(&a, text, len, &jo, &dj, &err);
                free(text);
            }
        }
        const kv_value *pci = ps_get(&dj, "postureControlInputs");
        const kv_value *dci = ps_get(&dj, "dataControlInputs");
        ps_jw w;
        ks_buf b = KS_BUF_INIT;
        ps_jw_init(&w, &b);
        ps_jw_obj(&w);
        ps_jw_key(&w, "dataControlInputs");
        if (dci && dci->kind == KV_OBJECT)
            ps_jw_value(&w, dci);
        else {
            ps_jw_obj(&w);
            ps_jw_end_obj(&w);
        }
        ps_jw_key(&w, "postureControlInputs");
        ps_jw_obj(&w);
        for (size_t i = 0; R->defaults && i < R->defaults->len; i++) {
            const kv_member *m = &R->defaults->u.members[i];
            if (m->key.kind != KV_STRING || (pci && ps_get(pci, m->key.u.s)))
                continue;
            ps_jw_key(&w, m->key.u.s);
            ps_jw_value(&w, &m->val);
        }
        for (size_t i = 0; pci && pci->kind == KV_OBJECT && i < pci->len; i++) {
            const kv_member *m = &pci->u.members[i];
            if (m->key.kind != KV_STRING)
                continue;
            ps_jw_key(&w, m->key.u.s);
            ps_jw_value(&w, &m->val);
        }
        ps_jw_end_obj(&w);
        ps_jw_end_obj(&w);
        if (!rc)
            rc = ps_jw_finish(&w, &a, &data, &err);
        ks_buf_free(&b);
    }
    kv_value got, want;
    if (!rc)
        rc = eval_stripped(raw, &input, &data, &a, &got, &err);
    char path[PBUF];
    pjoin(path, case_dir, "expected.json");
    if (!rc)
        rc = read_expected(&a, path, &want, &err);
    bool pass = false;
    if (!rc) {
        pass = same_responses(&got, &want);
        if (!pass)
            describe(detail, "expected.json", &got, &want);
    }
    pjoin(path, case_dir, "expected-filter.json");
    struct stat st;
    if (!rc && pass && stat(path, &st) == 0) {
        if (!filt) {
            ks_buf_puts(detail, "expected-filter.json without filter.rego");
            pass = false;
        } else {
            kv_value fgot, fwant;
            rc = eval_stripped(filt, &input, &data, &a, &fgot, &err);
            if (!rc)
                rc = read_expected(&a, path, &fwant, &err);
            if (!rc) {
                pass = same_responses(&fgot, &fwant);
                if (!pass)
                    describe(detail, "expected-filter.json", &fgot, &fwant);
            }
        }
    }
    if (rc) {
        ks_error_format(&err, detail);
        pass = false;
    }
    ks_arena_free(&a);
    return pass ? 1 : 0;
}

static bool wanted(const ps_ruletest_opts *o, const char *rule)
{
    if (!o || !o->nrules)
        return true;
    for (size_t i = 0; i < o->nrules; i++)
        if (strcmp(o->rules[i], rule) == 0)
            return true;
    return false;
}

static void report(const ps_ruletest_opts *o, const char *name, bool pass, const char *detail)
{
    if (o && o->report)
        o->report(o->report_ctx, name, pass, detail);
}

int ps_ruletest_run(const char *libdir, const ps_ruletest_opts *opts, ps_ruletest_stats *stats,
                    ks_error *err)
{
    memset(stats, 0, sizeof *stats);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    rule_ctx R = {
            .libdir = libdir, .helpers = ps_helpers_builtin, .helpers_len = ps_helpers_builtin_len};
    char path[PBUF];
    /* defaults */
    pjoin(path, libdir, "default-config-inputs.json");
    char *data;
    size_t len;
    int rc = read_file_z(path, &data, &len, err);
    kv_value defaults;
    if (!rc) {
        kv_json_opts jo = {.source = "default-config-inputs.json"};
        rc = kv_json_parse(&a, data, len, &jo, &defaults, err);
        free(data);
    }
    if (rc) {
        ks_arena_free(&a);
        return rc;
    }
    R.defaults = ps_get(ps_get(&defaults, "settings"), "postureControlInputs");
    if (!R.defaults || R.defaults->kind != KV_OBJECT)
        R.defaults = NULL;
    pjoin(path, libdir, "rules");
    names rules;
    if ((rc = list_dir(path, true, &rules))) {
        ks_arena_free(&a);
        return ks_error_set(err, rc, "%s: cannot list rules/", libdir);
    }
    for (size_t i = 0; i < rules.n; i++) {
        if (!wanted(opts, rules.v[i]))
            continue;
        char rdir[PBUF], tdir[PBUF];
        pjoin(rdir, path, rules.v[i]);
        pjoin(tdir, rdir, "test");
        names cases;
        if (list_dir(tdir, true, &cases) != 0)
            continue; /* no test/: nothing to run (as upstream) */
        ks_buf detail = KS_BUF_INIT;
        ks_error e = {0};
        char file[PBUF];
        char *raw_text = NULL, *filt_text = NULL, *meta_text = NULL;
        size_t raw_len = 0, filt_len = 0, meta_len = 0;
        kv_value meta = kv_null();
        ps_compiled raw = {0}, filt = {0};
        bool have_filt = false;
        pjoin(file, rdir, "raw.rego");
        int r1 = read_file_z(file, &raw_text, &raw_len, &e);
        pjoin(file, rdir, "rule.metadata.json");
        if (!r1)
            r1 = read_file_z(file, &meta_text, &meta_len, &e);
        if (!r1) {
            kv_json_opts jo = {.source = "rule.metadata.json"};
            r1 = kv_json_parse(&a, meta_text, meta_len, &jo, &meta, &e);
        }
        if (!r1)
            r1 = ps_compile_rule(rules.v[i], raw_text, raw_len, R.helpers, R.helpers_len, &raw, &e);
        pjoin(file, rdir, "filter.rego");
        struct stat st;
        if (!r1 && stat(file, &st) == 0) {
            r1 = read_file_z(file, &filt_text, &filt_len, &e);
            if (!r1)
                r1 = ps_compile_rule(rules.v[i], filt_text, filt_len, R.helpers, R.helpers_len,
                                     &filt, &e);
            have_filt = r1 == 0;
        }
        for (size_t k = 0; k < cases.n; k++) {
            char cname[PBUF], cdir[PBUF];
            pjoin(cname, rules.v[i], cases.v[k]);
            pjoin(cdir, tdir, cases.v[k]);
            stats->cases++;
            ks_buf_reset(&detail);
            bool pass;
            if (r1) {
                ks_error_format(&e, &detail);
                pass = false;
            } else {
                pass = run_case(&R, &raw, have_filt ? &filt : NULL, &meta, cdir, &detail) == 1;
            }
            stats->passed += pass;
            report(opts, cname, pass, ks_buf_cstr(&detail));
        }
        ps_compiled_free(&raw);
        ps_compiled_free(&filt);
        free(raw_text);
        free(filt_text);
        free(meta_text);
        ks_buf_free(&detail);
        names_free(&cases);
    }
    names_free(&rules);
    ks_arena_free(&a);
    return 0;
}
