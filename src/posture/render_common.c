/*
 * What the output formats share: a view of the JSON v2 report, statuses,
 * severities and compliance scores as the upstream printers compute them,
 * the assisted-remediation lines, and text escaping.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "core/utf8.h"
#include "posture/internal.h"
#include "posture/render_int.h"

/* ---- numbers and statuses ---- */

float ps_r_num_f32(const kv_value *v)
{
    if (!v || v->kind != KV_NUMBER)
        return 0;
    double d = kv_num_double(v);
    if (d != d)
        return 0;
    if (d > 3.4e38)
        return 3.4e38f;
    if (d < -3.4e38)
        return -3.4e38f;
    return (float)d;
}

long ps_r_num_long(const kv_value *v)
{
    int64_t i;
    if (!v || v->kind != KV_NUMBER || !kv_num_int64(v, &i))
        return 0;
    if (i > 0x7fffffffL)
        return 0x7fffffffL;
    if (i < -0x7fffffffL)
        return -0x7fffffffL;
    return (long)i;
}

enum ps_st ps_r_status_of(const kv_value *s)
{
    if (ps_str_eq(s, "passed"))
        return PS_ST_PASSED;
    if (ps_str_eq(s, "failed"))
        return PS_ST_FAILED;
    if (ps_str_eq(s, "skipped"))
        return PS_ST_SKIPPED;
    return PS_ST_UNKNOWN;
}

const char *ps_r_status_name(enum ps_st s)
{
    switch (s) {
    case PS_ST_PASSED: return "passed";
    case PS_ST_FAILED: return "failed";
    case PS_ST_SKIPPED: return "skipped";
    default: return "unknown";
    }
}

static const char *str_or_empty(const kv_value *obj, const char *key)
{
    const char *s = ps_get_str(obj, key);
    return s ? s : "";
}

enum ps_st ps_r_rc_status(const kv_value *rc)
{
    enum ps_st st = ps_r_status_of(ps_get(ps_get(rc, "status"), "status"));
    if (st != PS_ST_UNKNOWN)
        return st;
    /* A control without a computed status takes its rules' (passed when
     * there are none), as upstream's old-report path does. */
    st = PS_ST_PASSED;
    const kv_value *rules = ps_get(rc, "rules");
    for (size_t i = 0; rules && rules->kind == KV_ARRAY && i < rules->len; i++) {
        enum ps_st r = ps_r_status_of(ps_get(&rules->u.items[i], "status"));
        if (r > st)
            st = r;
    }
    return st;
}

const char *ps_r_rc_sub_status(const kv_value *rc)
{
    return str_or_empty(ps_get(rc, "status"), "subStatus");
}

int ps_r_severity_rank(float score)
{
    if (score >= 9)
        return 4;
    if (score >= 7)
        return 3;
    if (score >= 4)
        return 2;
    if (score >= 1)
        return 1;
    return 0;
}

const char *ps_r_severity_name(float score)
{
    static const char *const names[] = {"Unknown", "Low", "Medium", "High", "Critical"};
    return names[ps_r_severity_rank(score)];
}

float ps_r_control_score(const ps_rctl *c)
{
    return c->score_factor;
}

const char *ps_r_control_text(const ps_rctl *c, const char *field)
{
    return c->doc ? str_or_empty(c->doc, field) : "";
}

int ps_r_compliance_int(float x)
{
    double r = round((double)x);
    if (r > 1e9)
        r = 1e9;
    if (r < -1e9)
        r = -1e9;
    int i = (int)r;
    if (i >= 100 && x < 100)
        return 99;
    return i;
}

void ps_r_compliance_str(float x, int prec, char *buf, size_t n)
{
    snprintf(buf, n, "%.*f", prec, (double)x);
    if (x < 100 && strtod(buf, NULL) >= 100)
        snprintf(buf, n, "%.*f", prec, 100 - pow(10, -prec));
}

void ps_r_control_link(ks_buf *b, const char *id)
{
    ks_buf_puts(b, "https://hub.armosec.io/docs/");
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (c == '.')
            c = '-';
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        ks_buf_putc(b, c);
    }
}

bool ps_r_report_time(const kv_value *report, int frac, char *buf)
{
    const kv_value *t = ps_get(report, "generationTime");
    int64_t ns;
    if (!t || t->kind != KV_STRING || ks_time_parse(t->u.s, t->len, &ns) != 0)
        return false;
    ks_time_format(ns, frac, buf);
    return true;
}

/* ---- the report view ---- */

static void read_control(ps_rview *v, const char *key, const kv_value *cs, ps_rctl *c)
{
    memset(c, 0, sizeof *c);
    const char *id = ps_get_str(cs, "controlID");
    c->id = id && *id ? id : key;
    c->doc = v->in->controls ? ps_get(v->in->controls, c->id) : NULL;
    if (c->doc && c->doc->kind != KV_OBJECT)
        c->doc = NULL;
    c->name = ps_get_str(cs, "name");
    if (!c->name || !*c->name)
        c->name = c->doc ? str_or_empty(c->doc, "name") : "";
    const kv_value *si = ps_get(cs, "statusInfo");
    c->status = ps_r_status_of(ps_get(si, "status"));
    if (c->status == PS_ST_UNKNOWN)
        c->status = ps_r_status_of(ps_get(cs, "status"));
    c->sub_status = str_or_empty(si, "subStatus");
    c->info = str_or_empty(si, "info");
    const kv_value *rc = ps_get(cs, "ResourceCounters");
    c->passed = ps_r_num_long(ps_get(rc, "passedResources"));
    c->failed = ps_r_num_long(ps_get(rc, "failedResources"));
    c->skipped = ps_r_num_long(ps_get(rc, "skippedResources"));
    const kv_value *sf = ps_get(cs, "scoreFactor");
    if (sf && sf->kind == KV_NUMBER)
        c->score_factor = ps_r_num_f32(sf);
    else if (c->doc)
        c->score_factor = ps_r_num_f32(ps_get(c->doc, "baseScore"));
    const kv_value *cmp = ps_get(cs, "complianceScore");
    c->compliance = cmp && cmp->kind == KV_NUMBER ? ps_r_num_f32(cmp) : -1;
}

/* Reads a controls map (object, sorted by key already) into an array. */
static int read_controls(ps_rview *v, const kv_value *map, ps_rctl **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!map || map->kind != KV_OBJECT || map->len == 0)
        return 0;
    ps_rctl *c = ks_arena_calloc(&v->arena, map->len, sizeof *c);
    if (!c)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < map->len; i++) {
        const kv_member *m = &map->u.members[i];
        if (m->key.kind != KV_STRING || m->val.kind != KV_OBJECT)
            continue;
        read_control(v, m->key.u.s, &m->val, &c[k++]);
    }
    *out = c;
    *n = k;
    return 0;
}

static void read_counters(const kv_value *obj, long *passed, long *failed, long *skipped)
{
    const kv_value *rc = ps_get(obj, "ResourceCounters");
    *passed = ps_r_num_long(ps_get(rc, "passedResources"));
    *failed = ps_r_num_long(ps_get(rc, "failedResources"));
    *skipped = ps_r_num_long(ps_get(rc, "skippedResources"));
}

static int cmp_res(const void *x, const void *y)
{
    return strcmp(((const ps_rres *)x)->id, ((const ps_rres *)y)->id);
}

int ps_rview_init(ps_rview *v, const ps_render_in *in, ks_error *err)
{
    memset(v, 0, sizeof *v);
    ks_arena_init(&v->arena, NULL, 0);
    v->in = in;
    v->report = in ? in->report : NULL;
    if (!v->report || v->report->kind != KV_OBJECT)
        return ks_error_set(err, KS_EINVAL, "the scan report is not a JSON object");
    v->summary = ps_get(v->report, "summaryDetails");
    if (!v->summary || v->summary->kind != KV_OBJECT)
        return ks_error_set(err, KS_EINVAL, "the scan report has no summaryDetails object");
    int rc = read_controls(v, ps_get(v->summary, "controls"), &v->controls, &v->ncontrols);
    if (rc)
        return ks_error_set(err, rc, "reading the report: %s", ks_strerror(rc));
    read_counters(v->summary, &v->passed, &v->failed, &v->skipped);
    v->compliance = ps_r_num_f32(ps_get(v->summary, "complianceScore"));

    const kv_value *fws = ps_get(v->summary, "frameworks");
    if (fws && fws->kind == KV_ARRAY && fws->len) {
        v->fws = ks_arena_calloc(&v->arena, fws->len, sizeof *v->fws);
        if (!v->fws)
            return ks_error_set(err, KS_ENOMEM, "reading the report: out of memory");
        for (size_t i = 0; i < fws->len; i++) {
            const kv_value *f = &fws->u.items[i];
            if (f->kind != KV_OBJECT)
                continue;
            ps_rfw *w = &v->fws[v->nfws++];
            w->name = str_or_empty(f, "name");
            rc = read_controls(v, ps_get(f, "controls"), &w->controls, &w->ncontrols);
            if (rc)
                return ks_error_set(err, rc, "reading the report: %s", ks_strerror(rc));
            read_counters(f, &w->passed, &w->failed, &w->skipped);
            w->compliance = ps_r_num_f32(ps_get(f, "complianceScore"));
        }
    }

    v->results = ps_get(v->report, "results");
    if (v->results && v->results->kind == KV_ARRAY)
        v->nresults = v->results->len;
    else
        v->results = NULL;

    const kv_value *res = ps_get(v->report, "resources");
    if (res && res->kind == KV_ARRAY && res->len) {
        v->res = ks_arena_calloc(&v->arena, res->len, sizeof *v->res);
        if (!v->res)
            return ks_error_set(err, KS_ENOMEM, "reading the report: out of memory");
        for (size_t i = 0; i < res->len; i++) {
            const kv_value *r = &res->u.items[i];
            const char *id = ps_get_str(r, "resourceID");
            if (!id)
                continue;
            ps_rres *e = &v->res[v->nres++];
            e->id = id;
            e->obj = ps_get(r, "object");
            if (e->obj && e->obj->kind != KV_OBJECT)
                e->obj = NULL;
            e->source = ps_get(r, "source");
            if (e->source && e->source->kind != KV_OBJECT)
                e->source = NULL;
        }
        qsort(v->res, v->nres, sizeof *v->res, cmp_res);
    }
    return 0;
}

void ps_rview_free(ps_rview *v)
{
    ks_arena_free(&v->arena);
}

const ps_rctl *ps_rview_control(const ps_rview *v, const char *id)
{
    size_t lo = 0, hi = v->ncontrols;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->controls[mid].id, id);
        if (c == 0)
            return &v->controls[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* controlIDs that differ from their keys: a linear look */
    for (size_t i = 0; i < v->ncontrols; i++)
        if (strcmp(v->controls[i].id, id) == 0)
            return &v->controls[i];
    return NULL;
}

const ps_rres *ps_rview_resource(const ps_rview *v, const char *id)
{
    ps_rres key = {.id = id};
    return v->nres ? bsearch(&key, v->res, v->nres, sizeof *v->res, cmp_res) : NULL;
}

ps_ccount ps_r_count_controls(const ps_rctl *c, size_t n)
{
    ps_ccount k = {0};
    for (size_t i = 0; i < n; i++) {
        switch (c[i].status) {
        case PS_ST_PASSED: k.passed++; break;
        case PS_ST_FAILED: k.failed++; break;
        case PS_ST_SKIPPED: k.skipped++; break;
        default: break;
        }
    }
    k.all = k.passed + k.failed + k.skipped;
    return k;
}

/* ---- resources ---- */

static bool is_vector(const kv_value *o)
{
    return ps_get(o, "kind") && ps_get(o, "name") && ps_get(o, "relatedObjects");
}

void ps_r_rident_of(const kv_value *obj, ps_rident *out)
{
    memset(out, 0, sizeof *out);
    if (obj && obj->kind == KV_OBJECT) {
        out->kind = ps_get_str(obj, "kind");
        if (is_vector(obj)) {
            out->vector = true;
            out->api_version = ps_get_str(obj, "apiVersion");
            if (!out->api_version)
                out->api_version = ps_get_str(obj, "apiGroup");
            out->name = ps_get_str(obj, "name");
            out->namespace_ = ps_get_str(obj, "namespace");
        } else {
            const kv_value *md = ps_get(obj, "metadata");
            out->api_version = ps_get_str(obj, "apiVersion");
            out->name = ps_get_str(md, "name");
            out->namespace_ = ps_get_str(md, "namespace");
        }
    }
    if (!out->api_version)
        out->api_version = "";
    if (!out->kind)
        out->kind = "";
    if (!out->name)
        out->name = "";
    if (!out->namespace_)
        out->namespace_ = "";
}

bool ps_rview_ident(ps_rview *v, const char *id, ps_rident *out)
{
    ps_r_rident_of(NULL, out);
    const ps_rres *r = ps_rview_resource(v, id);
    if (r && r->obj) {
        ps_r_rident_of(r->obj, out);
        return true;
    }
    /* group/version/namespace/kind/name, after "path=<hash>/api=" for the
     * objects of files */
    const char *part[5];
    size_t len[5], k = 0;
    const char *p = id;
    const char *api = strstr(id, "/api=");
    if (strncmp(id, "path=", 5) == 0 && api)
        p = api + 5;
    for (;;) {
        const char *sl = strchr(p, '/');
        if (k == 5)
            return false;
        part[k] = p;
        len[k++] = sl ? (size_t)(sl - p) : strlen(p);
        if (!sl)
            break;
        p = sl + 1;
    }
    if (k != 5 || !len[1] || !len[3] || !len[4])
        return false;
    memset(out, 0, sizeof *out);
    out->api_version = len[0] ? ks_arena_strndup(&v->arena, part[0], len[0] + 1 + len[1])
                              : ks_arena_strndup(&v->arena, part[1], len[1]);
    out->namespace_ = ks_arena_strndup(&v->arena, part[2], len[2]);
    out->kind = ks_arena_strndup(&v->arena, part[3], len[3]);
    out->name = ks_arena_strndup(&v->arena, part[4], len[4]);
    return out->api_version && out->namespace_ && out->kind && out->name;
}

int ps_r_source_doc_index(const kv_value *obj)
{
    const kv_value *sp = ps_get(obj, "sourcePath");
    if (!sp || sp->kind != KV_STRING)
        return -1;
    const char *colon = NULL;
    for (size_t i = 0; i < sp->len; i++)
        if (sp->u.s[i] == ':')
            colon = sp->u.s + i;
    if (!colon || !colon[1])
        return -1;
    long n = 0;
    for (const char *p = colon + 1; p < sp->u.s + sp->len; p++) {
        if (*p < '0' || *p > '9' || n > 100000000)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return (int)n;
}

const char *ps_r_source_rel(const ps_rres *r)
{
    const char *s = r ? ps_get_str(r->source, "relativePath") : NULL;
    return s && *s ? s : NULL;
}

/* ---- current values of paths (upstream's pathvalue.go) ---- */

/* One step of a path: key, and [index] when the part has one (-1 else). */
static const kv_value *value_at_path(const kv_value *obj, const char *path)
{
    if (!obj || obj->kind != KV_OBJECT || obj->len == 0 || !*path)
        return NULL;
    if (*path == '.')
        path++;
    size_t end = strcspn(path, "=");
    const kv_value *cur = obj;
    bool any = false;
    size_t i = 0;
    while (i < end) {
        size_t j = i;
        while (j < end && path[j] != '.')
            j++;
        if (j > i) {
            const char *part = path + i;
            size_t plen = j - i;
            const char *br = memchr(part, '[', plen);
            size_t klen = br ? (size_t)(br - part) : plen;
            long index = -1;
            if (br) {
                const char *close = memchr(br, ']', plen - klen);
                if (close && close > br + 1) {
                    long n = 0;
                    const char *q = br + 1;
                    for (; q < close && *q >= '0' && *q <= '9' && n < 100000000; q++)
                        n = n * 10 + (*q - '0');
                    if (q == close)
                        index = n;
                }
            }
            any = true;
            if (cur->kind == KV_OBJECT) {
                const kv_value *next = kv_obj_get(cur, part, klen);
                if (!next)
                    return NULL;
                if (index >= 0) {
                    if (next->kind != KV_ARRAY || (size_t)index >= next->len)
                        return NULL;
                    next = &next->u.items[index];
                }
                cur = next;
            } else {
                if (index < 0 || cur->kind != KV_ARRAY || (size_t)index >= cur->len)
                    return NULL;
                cur = &cur->u.items[index];
            }
        }
        i = j + 1;
    }
    return any ? cur : NULL;
}

/* A number as Go's strconv.FormatFloat(f, 'f', -1, 64): integers plainly,
 * other values in positional notation. */
static void put_number(ks_buf *b, const kv_value *v)
{
    int64_t i;
    if (kv_num_int64(v, &i)) {
        ks_buf_printf(b, "%lld", (long long)i);
        return;
    }
    kv_numdigits d;
    kv_num_digits(v, &d);
    if (d.neg)
        ks_buf_putc(b, '-');
    if (d.exp <= 0) {
        ks_buf_puts(b, "0.");
        if (d.exp < -4000)
            d.exp = -4000;
        ks_buf_fill(b, '0', (size_t)(-d.exp));
        ks_buf_append(b, d.digits, d.ndigits);
    } else if ((size_t)d.exp >= d.ndigits) {
        ks_buf_append(b, d.digits, d.ndigits);
        ks_buf_fill(b, '0', (size_t)d.exp - d.ndigits > 4000 ? 4000 : (size_t)d.exp - d.ndigits);
    } else {
        ks_buf_append(b, d.digits, (size_t)d.exp);
        ks_buf_putc(b, '.');
        ks_buf_append(b, d.digits + d.exp, d.ndigits - (size_t)d.exp);
    }
}

/* anyToString: false for values upstream cannot show. */
static bool value_text(ks_buf *b, const kv_value *v)
{
    switch (v->kind) {
    case KV_NULL: ks_buf_puts(b, "null"); return true;
    case KV_BOOL: ks_buf_puts(b, v->u.b ? "true" : "false"); return true;
    case KV_STRING:
        if (v->len == 0)
            ks_buf_puts(b, "\"\"");
        else
            ks_buf_append(b, v->u.s, v->len);
        return true;
    case KV_NUMBER: put_number(b, v); return true;
    case KV_OBJECT:
    case KV_ARRAY:
    case KV_SET: return kv_json_write(b, v, KV_JSON_ESCAPE_HTML) == 0;
    default: return false;
    }
}

static bool has_prefix(const char *s, size_t n, const char *p)
{
    size_t m = strlen(p);
    return n >= m && memcmp(s, p, m) == 0;
}

/* Secret data and container env values keep their values out of output. */
static bool sensitive_path(const char *kind, const char *path)
{
    size_t n = strcspn(path, "=");
    while (n && *path == '.') {
        path++;
        n--;
    }
    if (strcmp(kind, "Secret") == 0)
        return (n == 4 && has_prefix(path, n, "data")) || has_prefix(path, n, "data.") ||
               (n == 10 && has_prefix(path, n, "stringData")) || has_prefix(path, n, "stringData.");
    static const char tail[] = "].value";
    size_t tl = sizeof tail - 1;
    if (n < tl || memcmp(path + n - tl, tail, tl) != 0)
        return false;
    const char *env = NULL;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(path + i, "env[", 4) == 0)
            env = path + i;
    if (!env)
        return false;
    const char *d = env + 4, *e = path + n - tl;
    if (d >= e)
        return false;
    for (; d < e; d++)
        if (*d < '0' || *d > '9')
            return false;
    return true;
}

/* The pod spec's container list of a kind of container, as upstream's
 * workload accessors find it. */
static const kv_value *containers_of(const kv_value *obj, const char *kind, const char *list,
                                     size_t listlen)
{
    const kv_value *spec = ps_get(obj, "spec");
    if (strcmp(kind, "CronJob") == 0)
        spec = ps_get(ps_get(ps_get(ps_get(spec, "jobTemplate"), "spec"), "template"), "spec");
    else if (strcmp(kind, "Pod") != 0 && strcmp(kind, "Namespace") != 0)
        spec = ps_get(ps_get(spec, "template"), "spec");
    if (!spec || spec->kind != KV_OBJECT)
        return NULL;
    const kv_value *l = kv_obj_get(spec, list, listlen);
    return l && l->kind == KV_ARRAY ? l : NULL;
}

/* " (name)" for the first spec.<containers|initContainers|ephemeralContainers>[N]
 * of a path line whose container has a name. */
static void container_suffix(ks_buf *b, const char *line, const kv_value *obj, const char *kind)
{
    static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
    for (const char *p = line; (p = strstr(p, "spec.")); p++) {
        const char *q = p + 5;
        for (size_t k = 0; k < 3; k++) {
            size_t ln = strlen(lists[k]);
            if (strncmp(q, lists[k], ln) != 0 || q[ln] != '[')
                continue;
            const char *d = q + ln + 1;
            long idx = 0;
            const char *e = d;
            while (*e >= '0' && *e <= '9' && idx < 100000000)
                idx = idx * 10 + (*e++ - '0');
            if (e == d || *e != ']')
                continue;
            const kv_value *cs = containers_of(obj, kind, lists[k], ln);
            if (!cs || (size_t)idx >= cs->len)
                return;
            const char *name = ps_get_str(&cs->u.items[idx], "name");
            ks_buf_puts(b, " (");
            ks_buf_puts(b, name ? name : "");
            ks_buf_putc(b, ')');
            return;
        }
    }
}

typedef struct lines {
    ks_arena *a;
    const char **v;
    size_t n, cap;
    int err;
} lines;

static void lines_add(lines *l, const char *s, size_t n)
{
    if (l->err)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        const char **nv = ks_arena_alloc(l->a, cap * sizeof *nv);
        if (!nv) {
            l->err = KS_ENOMEM;
            return;
        }
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = cap;
    }
    char *c = ks_arena_strndup(l->a, s, n);
    if (!c) {
        l->err = KS_ENOMEM;
        return;
    }
    l->v[l->n++] = c;
}

enum path_field { PF_FAILED, PF_FIX, PF_DELETE, PF_REVIEW };

static const char *path_of(const kv_value *p, enum path_field f)
{
    switch (f) {
    case PF_FAILED: return ps_get_str(p, "failedPath");
    case PF_DELETE: return ps_get_str(p, "deletePath");
    case PF_REVIEW: return ps_get_str(p, "reviewPath");
    case PF_FIX: return ps_get_str(ps_get(p, "fixPath"), "path");
    }
    return NULL;
}

/* Iterates over the non-empty paths of one field in every rule of a
 * results[].controls[] entry, in order. */
typedef struct path_it {
    const kv_value *rules;
    size_t ri, pi;
    enum path_field field;
} path_it;

static void path_it_init(path_it *it, const kv_value *rc, enum path_field f)
{
    it->rules = ps_get(rc, "rules");
    if (it->rules && it->rules->kind != KV_ARRAY)
        it->rules = NULL;
    it->ri = it->pi = 0;
    it->field = f;
}

static const char *path_next(path_it *it, const kv_value **pobj)
{
    for (; it->rules && it->ri < it->rules->len; it->ri++, it->pi = 0) {
        const kv_value *paths = ps_get(&it->rules->u.items[it->ri], "paths");
        if (!paths || paths->kind != KV_ARRAY)
            continue;
        while (it->pi < paths->len) {
            const kv_value *p = &paths->u.items[it->pi++];
            const char *s = path_of(p, it->field);
            if (s && *s) {
                if (pobj)
                    *pobj = p;
                return s;
            }
        }
    }
    return NULL;
}

/* path, with " (current: value)" when obj has a value there. */
static void enriched(ks_buf *b, const char *path, const kv_value *obj, const char *kind,
                     unsigned flags)
{
    ks_buf_puts(b, path);
    bool sens = sensitive_path(kind, path);
    if (sens && (flags & PS_PATHS_REDACT)) {
        ks_buf_puts(b, " (current: [redacted])");
        return;
    }
    if (sens)
        return;
    const kv_value *val = value_at_path(obj, path);
    if (!val)
        return;
    size_t mark = b->len;
    ks_buf_puts(b, " (current: ");
    if (!value_text(b, val)) {
        ks_buf_truncate(b, mark);
        return;
    }
    ks_buf_putc(b, ')');
}

static size_t dedup_len(const char *s)
{
    const char *c = strstr(s, " (current: ");
    return c ? (size_t)(c - s) : strlen(s);
}

int ps_r_remediation_lines(ks_arena *a, const kv_value *rc, const kv_value *obj, unsigned flags,
                           const char ***out, size_t *n)
{
    lines l = {.a = a};
    ps_rident id;
    ps_r_rident_of(obj, &id);
    ks_buf b = KS_BUF_INIT;
    path_it it;
    const kv_value *pobj;
    const char *p;
    path_it_init(&it, rc, PF_FIX);
    while ((p = path_next(&it, &pobj))) {
        const char *val = ps_get_str(ps_get(pobj, "fixPath"), "value");
        ks_buf_reset(&b);
        ks_buf_puts(&b, p);
        ks_buf_putc(&b, '=');
        if ((flags & PS_PATHS_REDACT) && sensitive_path(id.kind, p))
            ks_buf_puts(&b, "[redacted]");
        else
            ks_buf_puts(&b, val ? val : "");
        lines_add(&l, ks_buf_cstr(&b), b.len);
    }
    path_it_init(&it, rc, PF_DELETE);
    while ((p = path_next(&it, NULL)))
        lines_add(&l, p, strlen(p));
    path_it_init(&it, rc, PF_REVIEW);
    while ((p = path_next(&it, NULL))) {
        ks_buf_reset(&b);
        enriched(&b, p, obj, id.kind, flags);
        lines_add(&l, ks_buf_cstr(&b), b.len);
    }
    size_t listed = l.n;
    path_it_init(&it, rc, PF_FAILED);
    while ((p = path_next(&it, NULL))) {
        ks_buf_reset(&b);
        enriched(&b, p, obj, id.kind, flags);
        const char *s = ks_buf_cstr(&b);
        size_t k = dedup_len(s);
        bool seen = false;
        for (size_t i = 0; i < listed && !seen; i++)
            seen = dedup_len(l.v[i]) == k && memcmp(l.v[i], s, k) == 0;
        if (!seen)
            lines_add(&l, s, b.len);
    }
    if ((flags & PS_PATHS_CONTAINERS) && obj) {
        for (size_t i = 0; i < l.n && !l.err; i++) {
            ks_buf_reset(&b);
            ks_buf_puts(&b, l.v[i]);
            size_t before = b.len;
            container_suffix(&b, l.v[i], obj, id.kind);
            if (b.len != before) {
                char *c = ks_arena_strndup(a, ks_buf_cstr(&b), b.len);
                if (!c)
                    l.err = KS_ENOMEM;
                else
                    l.v[i] = c;
            }
        }
    }
    int err = l.err ? l.err : b.err;
    ks_buf_free(&b);
    *out = l.v;
    *n = err ? 0 : l.n;
    return err;
}

const char *ps_r_remediation_first(const kv_value *rc)
{
    static const enum path_field order[] = {PF_FIX, PF_DELETE, PF_REVIEW, PF_FAILED};
    for (size_t k = 0; k < 4; k++) {
        path_it it;
        path_it_init(&it, rc, order[k]);
        const char *p = path_next(&it, NULL);
        if (p)
            return p;
    }
    return NULL;
}

/* ---- text escaping ---- */

static bool xml_char(uint32_t c)
{
    return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static const char REPLACEMENT[] = "\xef\xbf\xbd";

void ps_r_xml_escape(ks_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, last = 0;
    while (i < n) {
        uint32_t c;
        size_t w = ks_utf8_decode(p + i, n - i, &c);
        const char *esc = NULL;
        if (w == 0) {
            esc = REPLACEMENT;
            w = 1;
        } else {
            switch (c) {
            case '"': esc = "&#34;"; break;
            case '\'': esc = "&#39;"; break;
            case '&': esc = "&amp;"; break;
            case '<': esc = "&lt;"; break;
            case '>': esc = "&gt;"; break;
            case '\t': esc = "&#x9;"; break;
            case '\n': esc = "&#xA;"; break;
            case '\r': esc = "&#xD;"; break;
            default:
                if (!xml_char(c))
                    esc = REPLACEMENT;
            }
        }
        if (esc) {
            ks_buf_append(b, s + last, i - last);
            ks_buf_puts(b, esc);
            last = i + w;
        }
        i += w;
    }
    ks_buf_append(b, s + last, n - last);
}

void ps_r_html_escape(ks_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        size_t w = ks_utf8_decode(p + i, n - i, &c);
        if (w == 0) {
            ks_buf_puts(b, REPLACEMENT);
            i++;
            continue;
        }
        switch (c) {
        case '&': ks_buf_puts(b, "&amp;"); break;
        case '<': ks_buf_puts(b, "&lt;"); break;
        case '>': ks_buf_puts(b, "&gt;"); break;
        case '"': ks_buf_puts(b, "&quot;"); break;
        case '\'': ks_buf_puts(b, "&#39;"); break;
        default:
            if ((c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0))
                ks_buf_puts(b, REPLACEMENT);
            else
                ks_buf_append(b, s + i, w);
        }
        i += w;
    }
}

void ps_r_prom_escape(ks_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '\\': ks_buf_puts(b, "\\\\"); break;
        case '"': ks_buf_puts(b, "\\\""); break;
        case '\n': ks_buf_puts(b, "\\n"); break;
        default: ks_buf_putc(b, s[i]);
        }
    }
}

void ps_r_term_text(ks_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        size_t w = ks_utf8_decode(p + i, n - i, &c);
        if (w == 0 || c < 0x20 || (c >= 0x7f && c < 0xa0)) {
            ks_buf_putc(b, '?');
            i += w ? w : 1;
            continue;
        }
        ks_buf_append(b, s + i, w);
        i += w;
    }
}

void ps_r_json_indent(ks_buf *b, const char *s, size_t n)
{
    int depth = 0;
    bool str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (str) {
            ks_buf_putc(b, c);
            if (c == '\\' && i + 1 < n)
                ks_buf_putc(b, s[++i]);
            else if (c == '"')
                str = false;
            continue;
        }
        switch (c) {
        case '"':
            str = true;
            ks_buf_putc(b, c);
            break;
        case '{':
        case '[':
            ks_buf_putc(b, c);
            if (i + 1 < n && (s[i + 1] == '}' || s[i + 1] == ']')) {
                ks_buf_putc(b, s[++i]);
                break;
            }
            depth++;
            ks_buf_putc(b, '\n');
            ks_buf_fill(b, ' ', (size_t)depth * 2);
            break;
        case '}':
        case ']':
            depth--;
            ks_buf_putc(b, '\n');
            ks_buf_fill(b, ' ', depth > 0 ? (size_t)depth * 2 : 0);
            ks_buf_putc(b, c);
            break;
        case ',':
            ks_buf_putc(b, c);
            ks_buf_putc(b, '\n');
            ks_buf_fill(b, ' ', depth > 0 ? (size_t)depth * 2 : 0);
            break;
        case ':': ks_buf_puts(b, ": "); break;
        default: ks_buf_putc(b, c);
        }
    }
}
