/*
 * Control libraries: the upstream source layout, release artifacts,
 * --use-from policy files and the built-in library, all normalised to the
 * release-artifact shape (spec configscan_rego.md §2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/log.h"
#include "posture/internal.h"

#define LIB_FILE_MAX (256u << 20)

/* ---- object editing (values are immutable: these build new objects) ---- */

static int obj_del(ks_arena *a, const kv_value *obj, const char *key, kv_value *out)
{
    return ps_obj_set(a, obj, key, NULL, out);
}

/* Key literals must outlive the values: copy them into the arena. */
static int obj_put(ks_arena *a, kv_value *obj, const char *key, const kv_value *val)
{
    const char *k = ks_arena_strndup(a, key, strlen(key));
    if (!k)
        return KS_ENOMEM;
    return ps_obj_set(a, obj, k, val, obj);
}

/* ---- growable arrays (malloc'd while loading) ---- */

typedef struct vvec {
    kv_value *v;
    size_t n, cap;
} vvec;

static int vvec_push(vvec *x, const kv_value *v)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        kv_value *p = realloc(x->v, cap * sizeof *p);
        if (!p)
            return KS_ENOMEM;
        x->v = p;
        x->cap = cap;
    }
    x->v[x->n++] = *v;
    return 0;
}

/* ---- loading state ---- */

typedef struct loader {
    ps_library *lib;
    ks_error *err;
    vvec rules, controls, frameworks, exceptions, tracks;
    kv_value inputs_doc;
    bool have_inputs;
    ks_buf helpers;
    bool have_helpers;
} loader;

static int parse_json(loader *L, const char *name, const char *data, size_t len, kv_value *out)
{
    kv_json_opts jo = {.source = name};
    return kv_json_parse(&L->lib->arena, data, len, &jo, out, L->err);
}

static int add_rule(loader *L, const kv_value *doc, const char *origin)
{
    const char *name = ps_get_str(doc, "name");
    if (!name || !*name)
        return ks_error_set(L->err, KS_EINVAL, "%s: a rule has no name", origin);
    for (size_t i = 0; i < L->rules.n; i++)
        if (strcmp(ps_get_str(&L->rules.v[i], "name"), name) == 0)
            return 0; /* first wins (the same rule in several framework files) */
    const kv_value *rule = ps_get(doc, "rule");
    if (!rule || rule->kind != KV_STRING)
        return ks_error_set(L->err, KS_EINVAL, "%s: rule %s has no \"rule\" text", origin, name);
    return vvec_push(&L->rules, doc);
}

static int add_control(loader *L, const kv_value *doc, const char *origin)
{
    const char *id = ps_get_str(doc, "controlID");
    if (!id || !*id)
        id = ps_get_str(doc, "id");
    if (!id || !*id)
        return ks_error_set(L->err, KS_EINVAL, "%s: a control has no controlID", origin);
    for (size_t i = 0; i < L->controls.n; i++) {
        const char *x = ps_get_str(&L->controls.v[i], "controlID");
        if (x && ps_strieq(x, id))
            return 0;
    }
    /* Controls carrying their rules (framework files): lift the rules out
     * and keep the names. */
    const kv_value *rules = ps_get(doc, "rules");
    kv_value d = *doc;
    int rc;
    if (!ps_get_str(doc, "controlID")) {
        kv_value idv;
        if ((rc = kv_str_copy(&L->lib->arena, id, strlen(id), &idv)) ||
            (rc = obj_put(&L->lib->arena, &d, "controlID", &idv)))
            return rc;
    }
    if (rules && rules->kind == KV_ARRAY && rules->len > 0) {
        kv_value *names = ks_arena_calloc(&L->lib->arena, rules->len, sizeof *names);
        if (!names)
            return KS_ENOMEM;
        for (size_t i = 0; i < rules->len; i++) {
            const kv_value *r = &rules->u.items[i];
            if ((rc = add_rule(L, r, origin)))
                return rc;
            names[i] = *ps_get(r, "name");
        }
        kv_value arr, empty;
        if ((rc = kv_array_new(&L->lib->arena, names, rules->len, &arr)) ||
            (rc = kv_array_new(&L->lib->arena, NULL, 0, &empty)) ||
            (rc = obj_put(&L->lib->arena, &d, "rulesNames", &arr)) ||
            (rc = obj_put(&L->lib->arena, &d, "rules", &empty)))
            return rc;
    }
    return vvec_push(&L->controls, &d);
}

static int add_framework(loader *L, const kv_value *doc, const char *origin)
{
    const char *name = ps_get_str(doc, "name");
    if (!name || !*name)
        return ks_error_set(L->err, KS_EINVAL, "%s: a framework has no name", origin);
    for (size_t i = 0; i < L->frameworks.n; i++)
        if (ps_strieq(ps_get_str(&L->frameworks.v[i], "name"), name))
            return 0;
    const kv_value *ctrls = ps_get(doc, "controls");
    if (ctrls && ctrls->kind == KV_ARRAY) {
        for (size_t i = 0; i < ctrls->len; i++) {
            int rc = add_control(L, &ctrls->u.items[i], origin);
            if (rc)
                return rc;
        }
    }
    return vvec_push(&L->frameworks, doc);
}

/* ---- the source layout ---- */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && strcmp(s + n - m, x) == 0;
}

static const ps_file *find_file(const ps_file *files, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(files[i].path, path) == 0)
            return &files[i];
    return NULL;
}

/* Path components: a file name starting with "__" is skipped (upstream's
 * export convention), as is anything under a test/ directory. */
static bool skipped_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return has_prefix(base, "__") || strstr(path, "/test/") != NULL;
}

static int load_source_rules(loader *L, const ps_file *files, size_t n, const char *origin)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = files[i].path;
        if (!has_prefix(p, "rules/") || !has_suffix(p, "/rule.metadata.json") || skipped_path(p))
            continue;
        const char *dir_end = p + strlen(p) - strlen("/rule.metadata.json");
        const char *dir_start = p + strlen("rules/");
        if (memchr(dir_start, '/', (size_t)(dir_end - dir_start)) || has_prefix(dir_start, "__"))
            continue;
        kv_value meta;
        int rc = parse_json(L, p, files[i].data, files[i].len, &meta);
        if (rc)
            return rc;
        if (meta.kind != KV_OBJECT)
            return ks_error_set(L->err, KS_EINVAL, "%s/%s: not a JSON object", origin, p);
        char path[1024];
        snprintf(path, sizeof path, "%.*s/raw.rego", (int)(dir_end - p), p);
        const ps_file *raw = find_file(files, n, path);
        if (!raw)
            return ks_error_set(L->err, KS_ENOENT, "%s/%s: missing", origin, path);
        kv_value text;
        if ((rc = kv_str_copy(&L->lib->arena, raw->data, raw->len, &text)) ||
            (rc = obj_put(&L->lib->arena, &meta, "rule", &text)))
            return rc;
        snprintf(path, sizeof path, "%.*s/filter.rego", (int)(dir_end - p), p);
        const ps_file *filt = find_file(files, n, path);
        if (filt) {
            if ((rc = kv_str_copy(&L->lib->arena, filt->data, filt->len, &text)) ||
                (rc = obj_put(&L->lib->arena, &meta, "resourceEnumerator", &text)))
                return rc;
        }
        if ((rc = add_rule(L, &meta, p)))
            return rc;
    }
    return 0;
}

static int load_json_dir(loader *L, const ps_file *files, size_t n, const char *dir,
                         int (*fn)(loader *, const kv_value *, const char *))
{
    for (size_t i = 0; i < n; i++) {
        const char *p = files[i].path;
        if (!has_prefix(p, dir) || !has_suffix(p, ".json") || skipped_path(p))
            continue;
        kv_value doc;
        int rc = parse_json(L, p, files[i].data, files[i].len, &doc);
        if (rc)
            return rc;
        if ((rc = fn(L, &doc, p)))
            return rc;
    }
    return 0;
}

static int src_control(loader *L, const kv_value *doc, const char *origin)
{
    if (doc->kind != KV_OBJECT)
        return ks_error_set(L->err, KS_EINVAL, "%s: not a JSON object", origin);
    return add_control(L, doc, origin);
}

static int src_framework(loader *L, const kv_value *doc, const char *origin)
{
    if (doc->kind != KV_OBJECT)
        return ks_error_set(L->err, KS_EINVAL, "%s: not a JSON object", origin);
    return add_framework(L, doc, origin);
}

static int src_exceptions(loader *L, const kv_value *doc, const char *origin)
{
    if (doc->kind != KV_ARRAY)
        return ks_error_set(L->err, KS_EINVAL, "%s: exceptions must be a JSON array", origin);
    for (size_t i = 0; i < doc->len; i++) {
        int rc = vvec_push(&L->exceptions, &doc->u.items[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_source(loader *L, const ps_file *files, size_t n, const char *origin)
{
    int rc;
    if ((rc = load_source_rules(L, files, n, origin)) ||
        (rc = load_json_dir(L, files, n, "controls/", src_control)) ||
        (rc = load_json_dir(L, files, n, "frameworks/", src_framework)) ||
        (rc = load_json_dir(L, files, n, "exceptions/", src_exceptions)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        const char *p = files[i].path;
        if (has_prefix(p, "attack-tracks/") && has_suffix(p, ".json") && !skipped_path(p)) {
            kv_value doc;
            if ((rc = parse_json(L, p, files[i].data, files[i].len, &doc)) ||
                (rc = vvec_push(&L->tracks, &doc)))
                return rc;
        }
    }
    const ps_file *f = find_file(files, n, "default-config-inputs.json");
    if (f) {
        if ((rc = parse_json(L, f->path, f->data, f->len, &L->inputs_doc)))
            return rc;
        L->have_inputs = true;
    }
    f = find_file(files, n, "categories/mapCategoryNameToID.json");
    if (f && (rc = parse_json(L, f->path, f->data, f->len, &L->lib->categories)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        const char *p = files[i].path;
        if (has_prefix(p, "lib/") && has_suffix(p, ".rego")) {
            ks_buf_append(&L->helpers, files[i].data, files[i].len);
            ks_buf_putc(&L->helpers, '\0');
            L->have_helpers = true;
        }
    }
    return 0;
}

/* ---- finishing: documents to structures ---- */

static unsigned scope_bits(const kv_value *doc)
{
    const kv_value *m = ps_get(ps_get(doc, "scanningScope"), "matches");
    unsigned bits = 0;
    if (!m || m->kind != KV_ARRAY)
        return 0;
    for (size_t i = 0; i < m->len; i++) {
        const kv_value *s = &m->u.items[i];
        if (ps_str_eq(s, "file"))
            bits |= PS_SCOPE_FILE;
        else if (ps_str_eq(s, "cluster"))
            bits |= PS_SCOPE_CLUSTER;
        else if (ps_str_eq(s, "cloud"))
            bits |= PS_SCOPE_CLOUD;
        else if (ps_str_eq(s, "EKS"))
            bits |= PS_SCOPE_EKS;
        else if (ps_str_eq(s, "AKS"))
            bits |= PS_SCOPE_AKS;
        else if (ps_str_eq(s, "GKE"))
            bits |= PS_SCOPE_GKE;
    }
    return bits;
}

static int matches_of(ks_arena *a, const kv_value *arr, ps_match **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!arr || arr->kind != KV_ARRAY || arr->len == 0)
        return 0;
    ps_match *m = ks_arena_calloc(a, arr->len, sizeof *m);
    if (!m)
        return KS_ENOMEM;
    for (size_t i = 0; i < arr->len; i++) {
        const kv_value *e = &arr->u.items[i];
        m[i].groups = ps_get(e, "apiGroups");
        m[i].versions = ps_get(e, "apiVersions");
        m[i].resources = ps_get(e, "resources");
    }
    *out = m;
    *n = arr->len;
    return 0;
}

static bool truthy_attr(const kv_value *v)
{
    return v && ((v->kind == KV_BOOL && v->u.b) || ps_str_eq(v, "true"));
}

static int finish_rule(ks_arena *a, ps_rule *r, const kv_value *doc)
{
    r->doc = *doc;
    r->name = ps_get_str(doc, "name");
    const kv_value *t = ps_get(doc, "rule");
    r->rego = t->u.s;
    r->rego_len = t->len;
    t = ps_get(doc, "resourceEnumerator");
    if (t && t->kind == KV_STRING && t->len > 0) {
        r->filter = t->u.s;
        r->filter_len = t->len;
    }
    int rc;
    if ((rc = matches_of(a, ps_get(doc, "match"), &r->match, &r->nmatch)) ||
        (rc = matches_of(a, ps_get(doc, "dynamicMatch"), &r->dyn, &r->ndyn)))
        return rc;
    const kv_value *attrs = ps_get(doc, "attributes");
    const kv_value *agg = ps_get(attrs, "resourcesAggregator");
    if (ps_str_eq(agg, "subject-role-rolebinding"))
        r->aggregator = PS_AGG_SUBJECTS;
    else if (ps_str_eq(agg, "apiserver-pod"))
        r->aggregator = PS_AGG_APISERVER_POD;
    const kv_value *g = ps_get(attrs, "useFromKubescapeVersion");
    if (g) {
        if (g->kind == KV_STRING)
            r->use_from = g->u.s;
        else if (g->kind != KV_NULL)
            r->bad_gate = true;
    }
    g = ps_get(attrs, "useUntilKubescapeVersion");
    if (g) {
        if (g->kind == KV_STRING)
            r->use_until = g->u.s;
        else if (g->kind != KV_NULL)
            r->bad_gate = true;
    }
    /* controlConfigInputs paths "settings.postureControlInputs.<key>" */
    const kv_value *cci = ps_get(doc, "controlConfigInputs");
    if (cci && cci->kind == KV_ARRAY && cci->len) {
        r->config_keys = ks_arena_calloc(a, cci->len, sizeof *r->config_keys);
        if (!r->config_keys)
            return KS_ENOMEM;
        for (size_t i = 0; i < cci->len; i++) {
            const char *path = ps_get_str(&cci->u.items[i], "path");
            if (!path)
                continue;
            const char *d1 = strchr(path, '.');
            const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
            if (!d2 || strchr(d2 + 1, '.'))
                continue; /* exactly three parts */
            const char *key = d2 + 1;
            bool dup = false;
            for (size_t k = 0; k < r->nconfig; k++)
                dup |= strcmp(r->config_keys[k], key) == 0;
            if (!dup)
                r->config_keys[r->nconfig++] = key;
        }
    }
    return 0;
}

static int cmp_control(const void *x, const void *y)
{
    return strcmp(((const ps_control *)x)->id, ((const ps_control *)y)->id);
}

static ps_rule *find_rule(ps_library *lib, const char *name)
{
    for (size_t i = 0; i < lib->nrules; i++)
        if (strcmp(lib->rules[i].name, name) == 0)
            return &lib->rules[i];
    return NULL;
}

static ps_control *find_control(ps_library *lib, const char *id)
{
    for (size_t i = 0; i < lib->ncontrols; i++)
        if (ps_strieq(lib->controls[i].id, id))
            return &lib->controls[i];
    return NULL;
}

static const char *const whole_cluster_ids[] = {"C-0261", "C-0266", "C-0267", "C-0272"};

static int finish_control(loader *L, ps_control *c, const kv_value *doc)
{
    ps_library *lib = L->lib;
    ks_arena *a = &lib->arena;
    c->doc = *doc;
    c->id = ps_get_str(doc, "controlID");
    c->name = ps_get_str(doc, "name");
    if (!c->name)
        c->name = "";
    const kv_value *bs = ps_get(doc, "baseScore");
    c->base_score = bs && bs->kind == KV_NUMBER ? kv_num_double(bs) : 0;
    c->scope = scope_bits(doc);
    const kv_value *attrs = ps_get(doc, "attributes");
    const kv_value *act = ps_get(attrs, "actionRequired");
    if (ps_str_eq(act, "configuration"))
        c->action = PS_ACT_CONFIGURATION;
    else if (ps_str_eq(act, "manual review"))
        c->action = PS_ACT_MANUAL_REVIEW;
    else if (ps_str_eq(act, "requires review"))
        c->action = PS_ACT_REQUIRES_REVIEW;
    const kv_value *wc = ps_get(attrs, "requiresWholeClusterInput");
    if (wc)
        c->whole_cluster = truthy_attr(wc);
    else
        for (size_t i = 0; i < sizeof whole_cluster_ids / sizeof *whole_cluster_ids; i++)
            c->whole_cluster |= strcmp(c->id, whole_cluster_ids[i]) == 0;
    const kv_value *fi = ps_get(doc, "fixedInput");
    c->fixed_input = fi && fi->kind == KV_OBJECT && fi->len ? fi : NULL;
    const kv_value *names = ps_get(doc, "rulesNames");
    if (names && names->kind == KV_ARRAY && names->len) {
        c->rules = ks_arena_calloc(a, names->len, sizeof *c->rules);
        if (!c->rules)
            return KS_ENOMEM;
        for (size_t i = 0; i < names->len; i++) {
            const kv_value *nm = &names->u.items[i];
            ps_rule *r = nm->kind == KV_STRING ? find_rule(lib, nm->u.s) : NULL;
            if (!r)
                return ks_error_set(L->err, KS_ENOENT,
                                    "control %s names rule %s, which the library does not have",
                                    c->id, nm->kind == KV_STRING ? nm->u.s : "(not a string)");
            c->rules[c->nrules++] = r;
        }
    }
    /* The artifact shape: "rules" emptied, category IDs filled in. */
    kv_value d = *doc;
    kv_value empty;
    int rc;
    if ((rc = kv_array_new(a, NULL, 0, &empty)) || (rc = obj_put(a, &d, "rules", &empty)))
        return rc;
    const kv_value *cat = ps_get(&d, "category");
    if (cat && cat->kind == KV_OBJECT && lib->categories.kind == KV_OBJECT) {
        kv_value nc = *cat;
        const char *cn = ps_get_str(cat, "name");
        const kv_value *cid = cn ? ps_get(&lib->categories, cn) : NULL;
        if (cid && !ps_get(cat, "id") && (rc = obj_put(a, &nc, "id", cid)))
            return rc;
        const kv_value *sub = ps_get(cat, "subCategory");
        if (sub && sub->kind == KV_OBJECT) {
            kv_value ns = *sub;
            const char *sn = ps_get_str(sub, "name");
            const kv_value *sid = sn ? ps_get(&lib->categories, sn) : NULL;
            if (sid && !ps_get(sub, "id") && (rc = obj_put(a, &ns, "id", sid)))
                return rc;
            if ((rc = obj_put(a, &nc, "subCategory", &ns)))
                return rc;
        }
        if ((rc = obj_put(a, &d, "category", &nc)))
            return rc;
    }
    c->doc = d;
    return 0;
}

/* Fills section "id"s with their dotted tree path (export does this). */
static int subsection_ids(ks_arena *a, const kv_value *secs, const char *prefix, kv_value *out)
{
    if (!secs || secs->kind != KV_OBJECT) {
        *out = secs ? *secs : kv_null();
        return 0;
    }
    kv_member *m = ks_arena_calloc(a, secs->len ? secs->len : 1, sizeof *m);
    if (!m)
        return KS_ENOMEM;
    for (size_t i = 0; i < secs->len; i++) {
        const kv_member *s = &secs->u.members[i];
        m[i] = *s;
        if (s->key.kind != KV_STRING || s->val.kind != KV_OBJECT)
            continue;
        ks_buf id = KS_BUF_INIT;
        if (*prefix)
            ks_buf_printf(&id, "%s.", prefix);
        ks_buf_append(&id, s->key.u.s, s->key.len);
        kv_value idv, sub, sec = s->val;
        int rc = kv_str_copy(a, ks_buf_cstr(&id), id.len, &idv);
        if (!rc)
            rc = obj_put(a, &sec, "id", &idv);
        if (!rc && ps_get(&sec, "subSections")) {
            rc = subsection_ids(a, ps_get(&sec, "subSections"), ks_buf_cstr(&id), &sub);
            if (!rc)
                rc = obj_put(a, &sec, "subSections", &sub);
        }
        ks_buf_free(&id);
        if (rc)
            return rc;
        m[i].val = sec;
    }
    return kv_object_new(a, m, secs->len, KV_DUP_LAST_WINS, out, NULL);
}

static int finish_framework(loader *L, ps_framework *f, const kv_value *doc)
{
    ps_library *lib = L->lib;
    ks_arena *a = &lib->arena;
    f->name = ps_get_str(doc, "name");
    f->scope = scope_bits(doc);
    const kv_value *tags = ps_get(doc, "typeTags");
    f->security = tags && tags->kind == KV_ARRAY && tags->len == 1 &&
                  ps_str_eq(&tags->u.items[0], "security");
    const kv_value *active = ps_get(doc, "activeControls");
    const kv_value *ctrls = ps_get(doc, "controls");
    const kv_value *list = active && active->kind == KV_ARRAY ? active : ctrls;
    size_t n = list && list->kind == KV_ARRAY ? list->len : 0;
    f->controls = ks_arena_calloc(a, n ? n : 1, sizeof *f->controls);
    if (!f->controls)
        return KS_ENOMEM;
    int rc;
    for (size_t i = 0; i < n; i++) {
        const kv_value *e = &list->u.items[i];
        const char *id = ps_get_str(e, "controlID");
        if (!id)
            id = ps_get_str(e, "id");
        ps_control *c = id ? find_control(lib, id) : NULL;
        if (!c)
            return ks_error_set(L->err, KS_ENOENT,
                                "framework %s lists control %s, which the library does not have",
                                f->name, id ? id : "(no controlID)");
        bool dup = false;
        for (size_t k = 0; k < f->ncontrols; k++)
            dup |= f->controls[k].control == c;
        if (dup)
            continue;
        kv_value pd = c->doc;
        if (list == active) {
            const kv_value *patch = ps_get(e, "patch");
            for (size_t k = 0; patch && patch->kind == KV_OBJECT && k < patch->len; k++) {
                const kv_member *pm = &patch->u.members[k];
                if (pm->key.kind == KV_STRING &&
                    (rc = ps_obj_set(a, &pd, pm->key.u.s, &pm->val, &pd)))
                    return rc;
            }
        } else {
            /* An artifact's framework controls are already patched. */
            pd = *e;
            kv_value empty;
            if ((rc = kv_array_new(a, NULL, 0, &empty)) ||
                (rc = obj_put(a, &pd, "rules", &empty)) ||
                (rc = obj_del(a, &pd, "rulesNames", &pd)))
                return rc;
        }
        f->controls[f->ncontrols].control = c;
        f->controls[f->ncontrols].doc = pd;
        f->ncontrols++;
    }
    kv_value d = *doc;
    if ((rc = obj_del(a, &d, "activeControls", &d)) || (rc = obj_del(a, &d, "controls", &d)) ||
        (rc = obj_del(a, &d, "ControlsIDs", &d)))
        return rc;
    const kv_value *secs = ps_get(&d, "subSections");
    if (secs && secs->kind == KV_OBJECT) {
        kv_value ns;
        if ((rc = subsection_ids(a, secs, "", &ns)) || (rc = obj_put(a, &d, "subSections", &ns)))
            return rc;
    }
    f->doc = d;
    return 0;
}

static int finish(loader *L, ps_library **out)
{
    ps_library *lib = L->lib;
    ks_arena *a = &lib->arena;
    int rc;
    lib->rules = ks_arena_calloc(a, L->rules.n ? L->rules.n : 1, sizeof *lib->rules);
    lib->controls = ks_arena_calloc(a, L->controls.n ? L->controls.n : 1, sizeof *lib->controls);
    lib->frameworks =
            ks_arena_calloc(a, L->frameworks.n ? L->frameworks.n : 1, sizeof *lib->frameworks);
    if (!lib->rules || !lib->controls || !lib->frameworks)
        return KS_ENOMEM;
    for (size_t i = 0; i < L->rules.n; i++)
        if ((rc = finish_rule(a, &lib->rules[lib->nrules++], &L->rules.v[i])))
            return rc;
    for (size_t i = 0; i < L->controls.n; i++)
        if ((rc = finish_control(L, &lib->controls[lib->ncontrols++], &L->controls.v[i])))
            return rc;
    qsort(lib->controls, lib->ncontrols, sizeof *lib->controls, cmp_control);
    for (size_t i = 1; i < lib->ncontrols; i++)
        if (ps_strieq(lib->controls[i - 1].id, lib->controls[i].id))
            return ks_error_set(L->err, KS_EEXIST, "control %s is defined twice",
                                lib->controls[i].id);
    for (size_t i = 0; i < L->frameworks.n; i++)
        if ((rc = finish_framework(L, &lib->frameworks[lib->nframeworks++], &L->frameworks.v[i])))
            return rc;
    /* Control inputs: CustomerConfig (settings.postureControlInputs) or a
     * flat map. */
    if (!L->have_inputs) {
        /* a library without control inputs (framework files alone): the
         * built-in defaults, as upstream falls back to its defaults */
        const ps_file *f =
                find_file(ps_builtin_files, ps_builtin_nfiles, "default-config-inputs.json");
        if (f && (rc = parse_json(L, f->path, f->data, f->len, &L->inputs_doc)) == 0)
            L->have_inputs = true;
        else if (rc)
            return rc;
    }
    if (L->have_inputs) {
        const kv_value *pci = ps_get(ps_get(&L->inputs_doc, "settings"), "postureControlInputs");
        lib->inputs = pci && pci->kind == KV_OBJECT ? *pci : L->inputs_doc;
        lib->inputs_doc = L->inputs_doc;
    } else {
        if ((rc = kv_object_new(a, NULL, 0, KV_DUP_LAST_WINS, &lib->inputs, NULL)))
            return rc;
        lib->inputs_doc = lib->inputs;
    }
    if (lib->inputs.kind != KV_OBJECT)
        return ks_error_set(L->err, KS_EINVAL, "control inputs: not a JSON object");
    if ((rc = kv_array_new(a, L->exceptions.v, L->exceptions.n, &lib->exceptions)) ||
        (rc = kv_array_new(a, L->tracks.v, L->tracks.n, &lib->attack_tracks)))
        return rc;
    if (L->have_helpers) {
        lib->helpers = ks_arena_memdup(a, L->helpers.data, L->helpers.len);
        lib->helpers_len = L->helpers.len;
    } else {
        lib->helpers = ps_helpers_builtin;
        lib->helpers_len = ps_helpers_builtin_len;
    }
    *out = lib;
    return 0;
}

static void loader_free(loader *L)
{
    free(L->rules.v);
    free(L->controls.v);
    free(L->frameworks.v);
    free(L->exceptions.v);
    free(L->tracks.v);
    ks_buf_free(&L->helpers);
}

static int loader_init(loader *L, ks_error *err)
{
    memset(L, 0, sizeof *L);
    L->err = err;
    L->lib = calloc(1, sizeof *L->lib);
    if (!L->lib)
        return KS_ENOMEM;
    ks_arena_init(&L->lib->arena, NULL, 0);
    L->lib->categories = kv_null();
    return 0;
}

static int loader_done(loader *L, int rc, ps_library **out)
{
    if (!rc)
        rc = finish(L, out);
    if (rc) {
        if (!L->err->msg[0])
            ks_error_set(L->err, rc, "loading the control library: %s", ks_strerror(rc));
        ps_library_free(L->lib);
        *out = NULL;
    }
    loader_free(L);
    return rc;
}

int ps_library_from_files(const ps_file *files, size_t n, const char *origin, ps_library **out,
                          ks_error *err)
{
    loader L;
    int rc = loader_init(&L, err);
    if (rc)
        return rc;
    rc = load_source(&L, files, n, origin);
    return loader_done(&L, rc, out);
}

/* ---- directories ---- */

typedef struct fileset {
    ps_file *f;
    size_t n, cap;
} fileset;

static void fileset_free(fileset *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free((char *)fs->f[i].path);
        free((char *)fs->f[i].data);
    }
    free(fs->f);
}

/* Reads the library files under root/rel (recursively, sorted, no test/
 * directories, only .json and .rego). */
static int read_tree(fileset *fs, const char *root, const char *rel, int depth, ks_error *err)
{
    if (depth > 8)
        return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    char **names;
    size_t nn;
    int rc = ps_dir_names(path, &names, &nn, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < nn && !rc; i++) {
        if (names[i][0] == '.')
            continue;
        char sub[2048], full[4096 + 8];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(names[i], "test") == 0 || strcmp(names[i], "testdata") == 0)
                continue;
            rc = read_tree(fs, root, sub, depth + 1, err);
            continue;
        }
        if (!has_suffix(names[i], ".json") && !has_suffix(names[i], ".rego"))
            continue;
        if (fs->n == fs->cap) {
            size_t c2 = fs->cap ? fs->cap * 2 : 256;
            ps_file *p = realloc(fs->f, c2 * sizeof *p);
            if (!p) {
                rc = KS_ENOMEM;
                break;
            }
            fs->f = p;
            fs->cap = c2;
        }
        char *data;
        size_t len;
        if ((rc = ks_file_read(full, LIB_FILE_MAX, &data, &len, err)))
            break;
        fs->f[fs->n].path = strdup(sub);
        fs->f[fs->n].data = data;
        fs->f[fs->n].len = len;
        if (!fs->f[fs->n].path) {
            free(data);
            rc = KS_ENOMEM;
            break;
        }
        fs->n++;
    }
    ps_names_free(names, nn);
    return rc;
}

static bool file_exists(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int read_json_file(loader *L, const char *path, kv_value *out)
{
    char *data;
    size_t len;
    int rc = ks_file_read(path, LIB_FILE_MAX, &data, &len, L->err);
    if (rc)
        return rc;
    rc = parse_json(L, path, data, len, out);
    free(data);
    return rc;
}

static int read_in_dir(loader *L, const char *dir, const char *name, kv_value *out)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return read_json_file(L, p, out);
}

/* One policy file of --use-from / --use-artifacts-from: a framework (with
 * "controls"), a control ("controlID"), or something else (skipped). */
static int add_policy_doc(loader *L, const kv_value *doc, const char *origin)
{
    if (doc->kind != KV_OBJECT)
        return 0;
    if (ps_get_str(doc, "controlID"))
        return add_control(L, doc, origin);
    const kv_value *c = ps_get(doc, "controls");
    if (ps_get_str(doc, "name") && c && c->kind == KV_ARRAY)
        return add_framework(L, doc, origin);
    return 0;
}

static int load_artifacts(loader *L, const char *dir)
{
    int rc;
    kv_value doc;
    bool split = file_exists(dir, "rules.json") && file_exists(dir, "controls.json");
    if (split) {
        /* rules.json, controls.json, frameworks.json, security_frameworks.json */
        if ((rc = read_in_dir(L, dir, "rules.json", &doc)))
            return rc;
        for (size_t i = 0; doc.kind == KV_ARRAY && i < doc.len; i++)
            if ((rc = add_rule(L, &doc.u.items[i], "rules.json")))
                return rc;
        if ((rc = read_in_dir(L, dir, "controls.json", &doc)))
            return rc;
        for (size_t i = 0; doc.kind == KV_ARRAY && i < doc.len; i++)
            if ((rc = add_control(L, &doc.u.items[i], "controls.json")))
                return rc;
        const char *fwfiles[] = {"frameworks.json", "security_frameworks.json"};
        for (size_t k = 0; k < 2; k++) {
            if (!file_exists(dir, fwfiles[k]))
                continue;
            if ((rc = read_in_dir(L, dir, fwfiles[k], &doc)))
                return rc;
            for (size_t i = 0; doc.kind == KV_ARRAY && i < doc.len; i++)
                if ((rc = add_framework(L, &doc.u.items[i], fwfiles[k])))
                    return rc;
        }
    } else {
        /* kubescape's download layout: one file per framework */
        char **names;
        size_t nn;
        rc = ps_dir_names(dir, &names, &nn, L->err);
        if (rc)
            return rc;
        for (size_t i = 0; i < nn && !rc; i++) {
            if (!has_suffix(names[i], ".json"))
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, names[i]);
            rc = read_json_file(L, p, &doc);
            if (!rc)
                rc = add_policy_doc(L, &doc, names[i]);
        }
        ps_names_free(names, nn);
        if (rc)
            return rc;
    }
    const char *inputs[] = {"default_config_inputs.json", "controls-inputs.json"};
    for (size_t k = 0; k < 2 && !L->have_inputs; k++) {
        if (!file_exists(dir, inputs[k]))
            continue;
        if ((rc = read_in_dir(L, dir, inputs[k], &L->inputs_doc)))
            return rc;
        L->have_inputs = true;
    }
    if (file_exists(dir, "exceptions.json")) {
        if ((rc = read_in_dir(L, dir, "exceptions.json", &doc)) ||
            (rc = src_exceptions(L, &doc, "exceptions.json")))
            return rc;
    }
    const char *tracks[] = {"attack_tracks.json", "attack-tracks.json"};
    for (size_t k = 0; k < 2; k++) {
        if (!file_exists(dir, tracks[k]))
            continue;
        if ((rc = read_in_dir(L, dir, tracks[k], &doc)))
            return rc;
        for (size_t i = 0; doc.kind == KV_ARRAY && i < doc.len; i++)
            if ((rc = vvec_push(&L->tracks, &doc.u.items[i])))
                return rc;
        break;
    }
    return 0;
}

int ps_library_load_dir(const char *dir, ps_library **out, ks_error *err)
{
    *out = NULL;
    if (!ks_is_dir(dir))
        return ks_error_set(err, KS_ENOENT, "%s: not a directory", dir);
    char p[4096];
    snprintf(p, sizeof p, "%s/rules", dir);
    bool source = ks_is_dir(p);
    snprintf(p, sizeof p, "%s/controls", dir);
    source = source && ks_is_dir(p);
    if (source) {
        fileset fs = {0};
        int rc = read_tree(&fs, dir, "", 0, err);
        if (!rc)
            rc = ps_library_from_files(fs.f, fs.n, dir, out, err);
        fileset_free(&fs);
        return rc;
    }
    loader L;
    int rc = loader_init(&L, err);
    if (rc)
        return rc;
    rc = load_artifacts(&L, dir);
    if (!rc && L.frameworks.n == 0 && L.controls.n == 0)
        rc = ks_error_set(err, KS_ENOENT,
                          "%s: no control library here (neither rules/ and controls/ nor framework "
                          "or controls JSON files)",
                          dir);
    return loader_done(&L, rc, out);
}

int ps_library_load_files(const char *const *files, size_t n, ps_library **out, ks_error *err)
{
    loader L;
    int rc = loader_init(&L, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        kv_value doc;
        rc = read_json_file(&L, files[i], &doc);
        if (!rc && doc.kind != KV_OBJECT)
            rc = ks_error_set(err, KS_EINVAL, "%s: not a framework or control (a JSON object)",
                              files[i]);
        if (!rc && !ps_get_str(&doc, "controlID") && !ps_get(&doc, "controls"))
            rc = ks_error_set(
                    err, KS_EINVAL,
                    "%s: neither a framework (\"controls\") nor a control (\"controlID\")",
                    files[i]);
        if (!rc)
            rc = add_policy_doc(&L, &doc, files[i]);
    }
    return loader_done(&L, rc, out);
}

int ps_library_builtin(ps_library **out, ks_error *err)
{
    return ps_library_from_files(ps_builtin_files, ps_builtin_nfiles, "(built-in library)", out,
                                 err);
}

void ps_library_free(ps_library *lib)
{
    if (!lib)
        return;
    ks_arena_free(&lib->arena);
    free(lib);
}

size_t ps_library_framework_count(const ps_library *lib)
{
    return lib->nframeworks;
}

const char *ps_library_framework_name(const ps_library *lib, size_t i)
{
    return i < lib->nframeworks ? lib->frameworks[i].name : NULL;
}

size_t ps_library_control_count(const ps_library *lib)
{
    return lib->ncontrols;
}

const kv_value *ps_library_control(const ps_library *lib, size_t i)
{
    return i < lib->ncontrols ? &lib->controls[i].doc : NULL;
}

const kv_value *ps_library_default_inputs(const ps_library *lib)
{
    return &lib->inputs;
}
