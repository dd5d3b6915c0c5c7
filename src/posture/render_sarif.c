/*
 * SARIF 2.1.0 as upstream's sarif printer writes it (owenrumney/go-sarif):
 * one run of the tool "kubescape", one rule per failed control (short
 * description = name, full = description, help = remediation, level and
 * security-severity from the control's score), one result per failed
 * control of each failed resource that comes from a file. A result points
 * at the manifest by its relative path, at the line and column of the
 * control's first fix (else delete, review, failed) path in the resource's
 * YAML document, falling back to the deepest existing ancestor and then to
 * line 1; each failed path found in the document is a related location.
 *
 * Reading: the manifests named by the report's sources are read (up to 64
 * MiB each) to find lines; a manifest that cannot be read or parsed leaves
 * its results at line 1. Output has no clock: the invocation's times are
 * the report's generationTime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/time.h"
#include "posture/internal.h"
#include "posture/render_int.h"

#define MANIFEST_MAX (64u << 20)

typedef struct failed_res {
    const char *id;
    const kv_value *result;
    const ps_rres *res;
    const char *rel; /* source.relativePath */
    char *path;      /* the file to read (heap) */
} failed_res;

static int cmp_failed(const void *x, const void *y)
{
    const failed_res *a = x, *b = y;
    int c = strcmp(a->path, b->path);
    return c ? c : strcmp(a->id, b->id);
}

static bool is_abs(const char *p)
{
    return p[0] == '/';
}

/* The scan's root when a source has no path of its own. */
static const char *base_path(const ps_rview *v)
{
    const kv_value *tm = ps_get(ps_get(v->report, "metadata"), "targetMetadata");
    const char *s = ps_get_str(ps_get(tm, "directoryContextMetadata"), "basePath");
    if (!s || !*s)
        s = ps_get_str(ps_get(tm, "gitRepoContextMetadata"), "localRootPath");
    return s && *s ? s : NULL;
}

static char *file_of(const ps_rview *v, const ps_rres *r, const char *rel)
{
    const char *base = ps_get_str(r->source, "path");
    if (!base || !*base)
        base = base_path(v);
    ks_buf b = KS_BUF_INIT;
    if (base && !is_abs(rel)) {
        ks_buf_puts(&b, base);
        if (b.len && b.data[b.len - 1] != '/')
            ks_buf_putc(&b, '/');
    }
    ks_buf_puts(&b, rel);
    if (b.err) {
        ks_buf_free(&b);
        return NULL;
    }
    return ks_buf_detach(&b, NULL);
}

/* A relative path as a URI reference: backslashes as slashes, bytes
 * outside RFC 3986's path characters percent-encoded. */
static void uri_ref(ks_buf *b, const char *s)
{
    static const char ok[] = "-._~!$&'()*+,;=@/";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if (c == '\\')
            c = '/';
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c && strchr(ok, (int)c)))
            ks_buf_putc(b, (char)c);
        else
            ks_buf_printf(b, "%%%02X", c);
    }
}

static const char *level_of(float score)
{
    return score >= 9 ? "error" : score >= 4 ? "warning" : "note";
}

typedef struct sarif {
    ps_rview *v;
    ks_buf rules;   /* compact JSON of the rule objects */
    ks_buf results; /* compact JSON of the result objects */
    ps_jw rw, sw;
    const char **rule_ids;
    size_t nrules, caprules;
    ks_arena *a;
    int err;
} sarif;

static long rule_index(sarif *s, const ps_rctl *c)
{
    for (size_t i = 0; i < s->nrules; i++)
        if (strcmp(s->rule_ids[i], c->id) == 0)
            return (long)i;
    if (s->nrules == s->caprules) {
        size_t cap = s->caprules ? s->caprules * 2 : 16;
        const char **n = ks_arena_alloc(s->a, cap * sizeof *n);
        if (!n) {
            s->err = KS_ENOMEM;
            return 0;
        }
        if (s->nrules)
            memcpy(n, s->rule_ids, s->nrules * sizeof *n);
        s->rule_ids = n;
        s->caprules = cap;
    }
    s->rule_ids[s->nrules] = c->id;
    ps_jw *w = &s->rw;
    float score = ps_r_control_score(c);
    char sev[32];
    snprintf(sev, sizeof sev, "%.1f", (double)score);
    ps_jw_obj(w);
    ps_jw_key(w, "id");
    ps_jw_str(w, c->id);
    ps_jw_key(w, "shortDescription");
    ps_jw_obj(w);
    ps_jw_key(w, "text");
    ps_jw_str(w, c->name);
    ps_jw_end_obj(w);
    ps_jw_key(w, "fullDescription");
    ps_jw_obj(w);
    ps_jw_key(w, "text");
    ps_jw_str(w, ps_r_control_text(c, "description"));
    ps_jw_end_obj(w);
    ps_jw_key(w, "defaultConfiguration");
    ps_jw_obj(w);
    ps_jw_key(w, "level");
    ps_jw_str(w, level_of(score));
    ps_jw_end_obj(w);
    ps_jw_key(w, "help");
    ps_jw_obj(w);
    ps_jw_key(w, "text");
    ks_buf help = KS_BUF_INIT;
    ks_buf_puts(&help, "Remediation: ");
    ks_buf_puts(&help, ps_r_control_text(c, "remediation"));
    ps_jw_strn(w, ks_buf_cstr(&help), help.len);
    ks_buf_free(&help);
    ps_jw_end_obj(w);
    ps_jw_key(w, "properties");
    ps_jw_obj(w);
    ps_jw_key(w, "security-severity");
    ps_jw_str(w, sev);
    ps_jw_end_obj(w);
    ps_jw_end_obj(w);
    return (long)s->nrules++;
}

static void physical(ps_jw *w, const char *uri, int line, int col)
{
    ps_jw_key(w, "physicalLocation");
    ps_jw_obj(w);
    ps_jw_key(w, "artifactLocation");
    ps_jw_obj(w);
    ps_jw_key(w, "uri");
    ks_buf u = KS_BUF_INIT;
    uri_ref(&u, uri);
    ps_jw_strn(w, ks_buf_cstr(&u), u.len);
    ks_buf_free(&u);
    ps_jw_end_obj(w);
    ps_jw_key(w, "region");
    ps_jw_obj(w);
    ps_jw_key(w, "startLine");
    ps_jw_int(w, line);
    ps_jw_key(w, "startColumn");
    ps_jw_int(w, col);
    ps_jw_end_obj(w);
    ps_jw_end_obj(w);
}

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The distinct failed paths of a control, sorted. */
static size_t failed_paths(ks_arena *a, const kv_value *rc, const char ***out)
{
    size_t n = 0, cap = 0;
    const char **v = NULL;
    const kv_value *rules = ps_get(rc, "rules");
    for (size_t i = 0; rules && rules->kind == KV_ARRAY && i < rules->len; i++) {
        const kv_value *paths = ps_get(&rules->u.items[i], "paths");
        for (size_t k = 0; paths && paths->kind == KV_ARRAY && k < paths->len; k++) {
            const char *p = ps_get_str(&paths->u.items[k], "failedPath");
            if (!p || !*p)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                const char **nv = ks_arena_alloc(a, cap * sizeof *nv);
                if (!nv)
                    return 0;
                if (n)
                    memcpy(nv, v, n * sizeof *nv);
                v = nv;
            }
            v[n++] = p;
        }
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_cstr);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (d == 0 || strcmp(v[d - 1], v[i]) != 0)
            v[d++] = v[i];
    *out = v;
    return d;
}

/* One result per failed control of a failed resource. */
static void resource_results(sarif *s, const failed_res *f, const ps_yindex *x)
{
    ps_rident who;
    ps_r_rident_of(f->res->obj, &who);
    /* the object's node: in the document its sourcePath names, else the
     * first document that holds it; an item of a List where it is one */
    int32_t base = -1, root = -1;
    int doc = ps_r_source_doc_index(f->res->obj);
    if (x && doc >= 0) {
        root = ps_yindex_root(x, (size_t)doc);
        base = ps_yindex_find_object(x, (size_t)doc, who.kind, who.name, who.namespace_);
        if (base < 0)
            base = root;
    } else if (x) {
        for (size_t d = 0; d < ps_yindex_ndocs(x) && base < 0; d++) {
            root = ps_yindex_root(x, d);
            base = ps_yindex_find_object(x, d, who.kind, who.name, who.namespace_);
        }
    }
    const kv_value *ctls = ps_get(f->result, "controls");
    for (size_t i = 0; ctls && ctls->kind == KV_ARRAY && i < ctls->len && !s->err; i++) {
        const kv_value *rc = &ctls->u.items[i];
        const char *cid = ps_get_str(rc, "controlID");
        if (!cid || ps_r_rc_status(rc) != PS_ST_FAILED)
            continue;
        const ps_rctl *c = ps_rview_control(s->v, cid);
        if (!c)
            continue;
        long ri = rule_index(s, c);
        int line = 1, col = 1;
        const char *first = ps_r_remediation_first(rc);
        /* upstream falls back to line 1 when not even the first step of
         * the path exists; an item of a List falls back to the item */
        if (first && !ps_yindex_locate(x, base, first, &line, &col) &&
            (base == root || !ps_yindex_pos(x, base, &line, &col)))
            line = col = 1;
        const char **lines = NULL;
        size_t nlines = 0;
        if (ps_r_remediation_lines(s->a, rc, f->res->obj, PS_PATHS_CONTAINERS, &lines, &nlines)) {
            s->err = KS_ENOMEM;
            return;
        }
        ks_buf msg = KS_BUF_INIT;
        ks_buf_puts(&msg, ps_r_control_text(c, "description"));
        if (nlines) {
            ks_buf_puts(&msg, "\n\nAffected fields:\n");
            for (size_t k = 0; k < nlines; k++) {
                if (k)
                    ks_buf_putc(&msg, '\n');
                ks_buf_puts(&msg, lines[k]);
            }
        }
        ps_jw *w = &s->sw;
        ps_jw_obj(w);
        ps_jw_key(w, "ruleId");
        ps_jw_str(w, c->id);
        ps_jw_key(w, "ruleIndex");
        ps_jw_int(w, ri);
        ps_jw_key(w, "message");
        ps_jw_obj(w);
        ps_jw_key(w, "text");
        ps_jw_strn(w, ks_buf_cstr(&msg), msg.len);
        ps_jw_end_obj(w);
        if (msg.err)
            s->err = msg.err;
        ks_buf_free(&msg);
        ps_jw_key(w, "locations");
        ps_jw_arr(w);
        ps_jw_obj(w);
        physical(w, f->rel, line, col);
        ps_jw_end_obj(w);
        ps_jw_end_arr(w);
        /* the failed paths found in the manifest, each its own location */
        const char **fp = NULL;
        size_t nfp = base >= 0 ? failed_paths(s->a, rc, &fp) : 0;
        bool any = false;
        for (size_t k = 0; k < nfp; k++) {
            int l, cl;
            if (!ps_yindex_locate(x, base, fp[k], &l, &cl))
                continue;
            if (!any) {
                ps_jw_key(w, "relatedLocations");
                ps_jw_arr(w);
                any = true;
            }
            ps_jw_obj(w);
            physical(w, f->rel, l, cl);
            ps_jw_key(w, "message");
            ps_jw_obj(w);
            ps_jw_key(w, "text");
            ps_jw_str(w, fp[k]);
            ps_jw_end_obj(w);
            ps_jw_end_obj(w);
        }
        if (any)
            ps_jw_end_arr(w);
        ps_jw_end_obj(w);
    }
}

/* The failed resources that come from files, sorted by file then ID. */
static int collect(ps_rview *v, failed_res **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!v->nresults)
        return 0;
    failed_res *f = calloc(v->nresults, sizeof *f);
    if (!f)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < v->nresults; i++) {
        const kv_value *r = &v->results->u.items[i];
        const char *id = ps_get_str(r, "resourceID");
        const ps_rres *res = id ? ps_rview_resource(v, id) : NULL;
        const char *rel = ps_r_source_rel(res);
        if (!rel)
            continue; /* code scanning needs a file for every result */
        const kv_value *ctls = ps_get(r, "controls");
        bool failed = false;
        for (size_t c = 0; ctls && ctls->kind == KV_ARRAY && c < ctls->len && !failed; c++)
            failed = ps_r_rc_status(&ctls->u.items[c]) == PS_ST_FAILED;
        if (!failed)
            continue;
        f[k] = (failed_res){.id = id, .result = r, .res = res, .rel = rel};
        f[k].path = file_of(v, res, rel);
        if (!f[k].path) {
            for (size_t j = 0; j < k; j++)
                free(f[j].path);
            free(f);
            return KS_ENOMEM;
        }
        k++;
    }
    qsort(f, k, sizeof *f, cmp_failed);
    *out = f;
    *n = k;
    return 0;
}

static void write_report(sarif *s, ks_buf *compact)
{
    ps_jw w;
    ps_jw_init(&w, compact);
    ps_jw_obj(&w);
    ps_jw_key(&w, "version");
    ps_jw_str(&w, "2.1.0");
    ps_jw_key(&w, "$schema");
    ps_jw_str(&w, "https://json.schemastore.org/sarif-2.1.0.json");
    ps_jw_key(&w, "runs");
    ps_jw_arr(&w);
    ps_jw_obj(&w);
    ps_jw_key(&w, "tool");
    ps_jw_obj(&w);
    ps_jw_key(&w, "driver");
    ps_jw_obj(&w);
    ps_jw_key(&w, "informationUri");
    ps_jw_str(&w, "https://armosec.io");
    ps_jw_key(&w, "name");
    ps_jw_str(&w, "kubescape");
    ps_jw_key(&w, "rules");
    ps_jw_arr(&w);
    ps_jw_end_arr(&w);
    /* the rules' objects go between the brackets just written */
    ks_buf_truncate(compact, compact->len - 1);
    ks_buf_append(compact, ks_buf_cstr(&s->rules), s->rules.len);
    ks_buf_putc(compact, ']');
    const char *ver = ps_get_str(ps_get(ps_get(s->v->report, "metadata"), "scanMetadata"),
                                 "kubescapeVersion");
    if (ver && *ver) {
        ps_jw_key(&w, "version");
        ps_jw_str(&w, ver);
    }
    ps_jw_end_obj(&w);
    ps_jw_end_obj(&w);
    ps_jw_key(&w, "invocations");
    ps_jw_arr(&w);
    ps_jw_obj(&w);
    char t[KS_TIME_BUFSZ];
    bool has_time = ps_r_report_time(s->v->report, -1, t);
    if (has_time) {
        ps_jw_key(&w, "endTimeUtc");
        ps_jw_str(&w, t);
    }
    ps_jw_key(&w, "executionSuccessful");
    ps_jw_bool(&w, true);
    if (has_time) {
        ps_jw_key(&w, "startTimeUtc");
        ps_jw_str(&w, t);
    }
    ps_jw_end_obj(&w);
    ps_jw_end_arr(&w);
    ps_jw_key(&w, "results");
    ps_jw_arr(&w);
    ps_jw_end_arr(&w);
    ks_buf_truncate(compact, compact->len - 1);
    ks_buf_append(compact, ks_buf_cstr(&s->results), s->results.len);
    ks_buf_putc(compact, ']');
    ps_jw_end_obj(&w);
    ps_jw_end_arr(&w);
    ps_jw_end_obj(&w);
}

int ps_render_sarif(ks_buf *out, const ps_render_in *in, ks_error *err)
{
    ps_rview v;
    int rc = ps_rview_init(&v, in, err);
    if (rc) {
        ps_rview_free(&v);
        return rc;
    }
    sarif s = {.v = &v, .a = &v.arena};
    ks_buf_init(&s.rules, 0);
    ks_buf_init(&s.results, 0);
    ps_jw_init(&s.rw, &s.rules);
    ps_jw_init(&s.sw, &s.results);
    failed_res *f = NULL;
    size_t n = 0;
    rc = collect(&v, &f, &n);
    char *text = NULL;
    size_t len = 0;
    ps_yindex *x = NULL;
    for (size_t i = 0; i < n && !rc && !s.err; i++) {
        if (i == 0 || strcmp(f[i].path, f[i - 1].path) != 0) {
            free(text);
            text = NULL;
            ps_yindex_free(x);
            x = NULL;
            ks_error ferr;
            if (ks_file_read(f[i].path, MANIFEST_MAX, &text, &len, &ferr) == 0 &&
                ps_yindex_build(text, len, &x) != 0)
                x = NULL;
        }
        resource_results(&s, &f[i], x);
    }
    free(text);
    ps_yindex_free(x);
    for (size_t i = 0; i < n; i++)
        free(f[i].path);
    free(f);
    if (!rc)
        rc = s.err ? s.err : s.rules.err ? s.rules.err : s.results.err;
    if (!rc) {
        ks_buf compact = KS_BUF_INIT;
        write_report(&s, &compact);
        if (compact.err)
            rc = compact.err;
        else
            ps_r_json_indent(out, compact.data, compact.len);
        ks_buf_putc(out, '\n');
        ks_buf_free(&compact);
        if (!rc && out->err)
            rc = out->err;
    }
    if (rc)
        ks_error_set(err, rc, "writing SARIF: %s", ks_strerror(rc));
    ks_buf_free(&s.rules);
    ks_buf_free(&s.results);
    ps_rview_free(&v);
    return rc;
}
