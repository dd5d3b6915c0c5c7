/*
 * The API server's object verbs: get, create, update (PUT), patch, delete
 * and deletecollection, with the metadata rules kube-apiserver applies
 * (names, generateName, namespaces, uid, creationTimestamp,
 * resourceVersion preconditions) and the role's hooks.
 */
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "core/time.h"
#include "kube/apiserver_internal.h"
#include "kube/meta.h"
#include "kube/patch.h"

#define PATCH_RETRIES 5

/* ---- helpers ---- */

static const kv_value *member(const kv_value *o, const char *k)
{
    return o && o->kind == KV_OBJECT ? kv_obj_get(o, k, strlen(k)) : NULL;
}

static const char *str_member(const kv_value *o, const char *k)
{
    const kv_value *v = member(o, k);
    return v && v->kind == KV_STRING ? v->u.s : NULL;
}

/* obj with metadata.<key> set (val) or removed (NULL). */
static int set_meta(as_req *q, kv_value *obj, const char *key, const kv_value *val)
{
    const kv_value *md = member(obj, "metadata");
    kv_value nm;
    if (kv_obj_with(q->a, md, key, strlen(key), val, &nm) < 0)
        return KS_ELIMIT;
    return kv_obj_with(q->a, obj, "metadata", 8, &nm, obj);
}

static int set_meta_str(as_req *q, kv_value *obj, const char *key, const char *s)
{
    kv_value v;
    if (kv_str_copy(q->a, s, strlen(s), &v) < 0)
        return KS_ELIMIT;
    return set_meta(q, obj, key, &v);
}

static void rv_string(uint64_t rv, char buf[24])
{
    snprintf(buf, 24, "%llu", (unsigned long long)rv);
}

/* Parses a resourceVersion; false unless a positive decimal. */
static bool rv_parse(const char *s, uint64_t *rv)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *rv = v;
    return v > 0;
}

static bool dry_run(as_req *q)
{
    const char *d = as_query(q, "dryRun");
    return d && strcmp(d, "All") == 0;
}

static bool is_virtual(as_req *q)
{
    const kube_hooks *h = &q->s->o.hooks;
    return h->is_virtual && h->is_virtual(h->ctx, q->r);
}

static void read_only(as_req *q)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s objects are computed by the server and cannot be written",
             q->r->kind);
    as_send_status(q, 405, "MethodNotAllowed", msg, q->name);
}

/* The request body as an object (JSON, or YAML when the Content-Type says
 * so); false when answered with an error. */
static bool read_body(as_req *q, kv_value *out)
{
    if (q->inproc) {
        *out = *q->inproc->body;
        return true;
    }
    size_t n;
    const char *body = net_request_body(q->nr, &n);
    const char *ct = as_header(q, "Content-Type");
    bool yaml =
            ct && (strncmp(ct, "application/yaml", 16) == 0 || strncmp(ct, "text/yaml", 9) == 0);
    ks_error err = {0};
    int rc;
    if (yaml) {
        kv_yaml_opts yo = {.source = "request body"};
        rc = kv_yaml_parse(q->a, body, n, &yo, out, &err);
    } else {
        kv_json_opts jo = {.source = "request body"};
        rc = kv_json_parse(q->a, body, n, &jo, out, &err);
    }
    if (rc < 0) {
        as_bad_request(q, "%s", err.msg);
        return false;
    }
    if (out->kind != KV_OBJECT) {
        as_bad_request(q, "the request body must be a JSON object, not %s",
                       kv_kind_name(kv_kind_of(out)));
        return false;
    }
    return true;
}

/* ---- metadata rules ---- */

static bool dns_subdomain(const char *s, const char **why)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253) {
        *why = "must be no more than 253 characters";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        bool edge = i == 0 || i + 1 == n || s[i - 1] == '.' || s[i + 1] == '.';
        if (!alnum && !((c == '-' || c == '.') && !edge)) {
            *why = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                   "characters, '-' or '.', and must start and end with an alphanumeric character "
                   "(e.g. 'example.com', regex used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
            return false;
        }
    }
    return true;
}

static void invalid(as_req *q, const char *name, const char *field, const char *cause,
                    const char *msg)
{
    kube_problem p = {
            .code = 422, .reason = "Invalid", .message = msg, .field = field, .cause = cause};
    as_send_problem(q, &p, name);
}

/* Random lower-case suffix for generateName, from the alphabet Kubernetes
 * uses (no vowels, no ambiguous characters). */
static void random_suffix(char out[6])
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char r[5];
    gnutls_rnd(GNUTLS_RND_NONCE, r, sizeof r);
    for (int i = 0; i < 5; i++)
        out[i] = alphabet[r[i] % (sizeof alphabet - 1)];
    out[5] = '\0';
}

static void new_uid(char out[37])
{
    unsigned char u[16];
    gnutls_rnd(GNUTLS_RND_NONCE, u, sizeof u);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

/* Decodes obj as the kind's Go type does: unknown fields dropped (an
 * error with fieldValidation=Strict, a Warning header otherwise, as
 * kube-apiserver), a wrong JSON type refused. False when answered. */
static bool decode(as_req *q, kv_value *obj)
{
    const char *fv = as_query(q, "fieldValidation");
    if (fv && strcmp(fv, "Strict") != 0 && strcmp(fv, "Warn") != 0 && strcmp(fv, "Ignore") != 0) {
        as_bad_request(q, "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\"");
        return false;
    }
    const char *unknown[8];
    size_t nunknown = 0;
    ks_error err = {0};
    kv_value out;
    int rc = kube_schema_prune(q->s->o.group, q->r->kind, obj, q->a, &out, unknown, 8, &nunknown,
                               &err);
    const char *gv = q->s->o.group->version;
    if (rc < 0) {
        as_bad_request(q, "%s in version \"%s\" cannot be handled as a %s: %s", q->r->kind, gv,
                       q->r->kind, err.msg);
        return false;
    }
    if (nunknown && fv && strcmp(fv, "Strict") == 0) {
        ks_buf b = KS_BUF_INIT;
        ks_buf_printf(&b, "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
                      q->r->kind, gv, q->r->kind);
        for (size_t i = 0; i < nunknown && i < 8; i++)
            ks_buf_printf(&b, "%sunknown field \"%s\"", i ? ", " : "", unknown[i]);
        if (nunknown > 8)
            ks_buf_printf(&b, " and %zu more", nunknown - 8);
        as_bad_request(q, "%s", ks_buf_cstr(&b));
        ks_buf_free(&b);
        return false;
    }
    if (nunknown && !(fv && strcmp(fv, "Ignore") == 0)) {
        for (size_t i = 0; i < nunknown && i < 8; i++) {
            char w[600];
            snprintf(w, sizeof w, "299 - \"unknown field \\\"%s\\\"\"", unknown[i]);
            as_resp_header(q, "Warning", w);
        }
    }
    *obj = out;
    return true;
}

/* Checks apiVersion and kind (filled when absent) and the namespace; false
 * when answered. */
static bool check_type(as_req *q, kv_value *obj)
{
    const kube_apigroup *g = q->s->o.group;
    char gv[256];
    snprintf(gv, sizeof gv, "%s/%s", g->group, g->version);
    const char *av = str_member(obj, "apiVersion");
    const char *kind = str_member(obj, "kind");
    if (av && strcmp(av, gv) != 0) {
        as_bad_request(
                q, "the API version in the data (%s) does not match the expected API version (%s)",
                av, gv);
        return false;
    }
    if (kind && strcmp(kind, q->r->kind) != 0) {
        as_bad_request(q, "the kind in the data (%s) does not match the expected kind (%s)", kind,
                       q->r->kind);
        return false;
    }
    kv_value v;
    if (kv_str_copy(q->a, gv, strlen(gv), &v) < 0 ||
        kv_obj_with(q->a, obj, "apiVersion", 10, &v, obj) < 0)
        goto oom;
    v = kv_str_ref(q->r->kind, strlen(q->r->kind));
    if (kv_obj_with(q->a, obj, "kind", 4, &v, obj) < 0)
        goto oom;
    const kv_value *md = member(obj, "metadata");
    if (md && md->kind != KV_OBJECT) {
        as_bad_request(q, "metadata must be an object");
        return false;
    }
    const char *ons = str_member(md, "namespace");
    if (q->r->namespaced) {
        if (ons && *ons && strcmp(ons, q->ns) != 0) {
            as_bad_request(q, "the namespace of the provided object does not match the namespace "
                              "sent on the request");
            return false;
        }
        if (set_meta_str(q, obj, "namespace", q->ns) < 0)
            goto oom;
    } else if (ons && set_meta(q, obj, "namespace", NULL) < 0) {
        goto oom;
    }
    /* fields the server owns or drops (upstream drops managedFields) */
    static const char *const drop[] = {"managedFields", "deletionTimestamp",
                                       "deletionGracePeriodSeconds", "selfLink"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        if (member(member(obj, "metadata"), drop[i]) && set_meta(q, obj, drop[i], NULL) < 0)
            goto oom;
    /* labels must be valid */
    const kv_value *labels = member(member(obj, "metadata"), "labels");
    if (labels && labels->kind == KV_OBJECT) {
        for (uint32_t i = 0; i < labels->len; i++) {
            const kv_member *m = &labels->u.members[i];
            const char *why = kube_label_key_check(q->a, m->key.u.s, m->key.len);
            if (!why && m->val.kind != KV_STRING)
                why = "label values must be strings";
            if (!why)
                why = kube_label_value_check(q->a, m->val.u.s, m->val.len);
            if (why) {
                char field[320];
                snprintf(field, sizeof field, "metadata.labels");
                invalid(q, str_member(member(obj, "metadata"), "name"), field, NULL, why);
                return false;
            }
        }
    }
    return true;
oom:
    as_send_status(q, 500, "InternalError", "out of memory building the object", NULL);
    return false;
}

/* Runs the role's prepare hook; -1 answered, 0 store obj, 1 keep old. */
static int prepare(as_req *q, kube_write_op op, const kv_value *old, kv_value *obj,
                   const char *name)
{
    const kube_hooks *h = &q->s->o.hooks;
    if (!h->prepare)
        return 0;
    kube_problem p = {0};
    int rc = h->prepare(h->ctx, q->r, op, old, obj, q->a, &p);
    if (rc < 0) {
        if (!p.code)
            p = (kube_problem){.code = 500,
                               .reason = "InternalError",
                               .message = "the object could not be processed"};
        as_send_problem(q, &p, name);
        return -1;
    }
    return rc;
}

static void conflict(as_req *q, const char *name, const char *why)
{
    char msg[900];
    snprintf(msg, sizeof msg, "Operation cannot be fulfilled on %s \"%s\": %s", as_qualified(q),
             name, why);
    as_send_status(q, 409, "Conflict", msg, name);
}

/* Whether the answer to a write can be the store's own JSON of the object
 * (a JSON client over HTTP), which saves rendering it again. */
static bool reuse_stored(const as_req *q)
{
    return !q->inproc && q->resp && q->repr == AS_JSON;
}

static void answer_stored(as_req *q, int code, ks_buf *json)
{
    if (json->err) {
        ks_buf_free(json);
        as_send_status(q, 500, "InternalError", "out of memory answering", NULL);
        return;
    }
    net_response_status(q->resp, code);
    net_response_header(q->resp, "Content-Type", "application/json");
    net_response_header(q->resp, "Cache-Control", "no-cache, private");
    size_t len;
    char *p = ks_buf_detach(json, &len);
    net_response_body_owned(q->resp, p, len);
}

/* The stored object with the write's resourceVersion, as answered. */
static void answer_written(as_req *q, int code, kv_value *obj, uint64_t rv)
{
    char b[24];
    rv_string(rv, b);
    if (set_meta_str(q, obj, "resourceVersion", b) < 0) {
        as_send_status(q, 500, "InternalError", "out of memory", NULL);
        return;
    }
    as_send_value(q, code, obj);
}

/* ---- get ---- */

static void answer_one(as_req *q, const kv_value *obj)
{
    if (q->repr == AS_TABLE || q->repr == AS_POM) {
        kv_value out;
        int rc = q->repr == AS_TABLE
                         ? kube_table(q->a, obj, 1, q->mversion, q->include, false, NULL, &out)
                         : kube_pom(q->a, obj, q->mversion, &out);
        if (rc < 0) {
            as_send_status(q, 500, "InternalError", "could not build the table", NULL);
            return;
        }
        as_repr saved = q->repr;
        q->repr = AS_JSON;
        as_send_value(q, 200, &out);
        q->repr = saved;
        return;
    }
    as_send_value(q, 200, obj);
}

void as_get(as_req *q)
{
    ks_error err = {0};
    kv_value obj;
    const char *rvq = as_query(q, "resourceVersion");
    bool meta_only = rvq && strcmp(rvq, "metadata") == 0;
    if (is_virtual(q)) {
        const kube_hooks *h = &q->s->o.hooks;
        int rc = h->virtual_get(h->ctx, q->r, q->ns, q->name, as_full_spec(q) || !meta_only, q->a,
                                &obj, &err);
        if (rc == KS_ENOENT)
            as_not_found(q, q->name);
        else if (rc < 0)
            as_internal(q, &err);
        else
            answer_one(q, &obj);
        return;
    }
    ks_buf b = KS_BUF_INIT;
    int rc = kstore_get_json(q->s->o.store, q->r->plural, q->ns ? q->ns : "", q->name, meta_only,
                             &b, NULL, &err);
    if (rc == KS_ENOENT) {
        ks_buf_free(&b);
        as_not_found(q, q->name);
        return;
    }
    if (rc == 0)
        rc = as_parse_view(q, b.data, b.len, meta_only, &obj, &err);
    ks_buf_free(&b);
    if (rc < 0) {
        as_internal(q, &err);
        return;
    }
    answer_one(q, &obj);
}

/* ---- create ---- */

static void create_obj(as_req *q, kv_value obj, int ok_code)
{
    const kv_value *md = member(&obj, "metadata");
    const char *name = str_member(md, "name");
    const char *gen = str_member(md, "generateName");
    char buf[300];
    if ((!name || !*name) && gen && *gen) {
        char sfx[6];
        random_suffix(sfx);
        snprintf(buf, sizeof buf, "%.*s%s", 58, gen, sfx);
        name = buf;
        if (set_meta_str(q, &obj, "name", name) < 0)
            goto oom;
    }
    if (!name || !*name) {
        invalid(q, "", "metadata.name", "FieldValueRequired",
                "Required value: name or generateName is required");
        return;
    }
    const char *why;
    if (!dns_subdomain(name, &why)) {
        char msg[600];
        snprintf(msg, sizeof msg, "Invalid value: \"%s\": %s", name, why);
        invalid(q, name, "metadata.name", NULL, msg);
        return;
    }
    char uid[37], ts[KS_TIME_BUFSZ];
    new_uid(uid);
    ks_time_format(ks_time_now(), 0, ts);
    if (set_meta_str(q, &obj, "uid", uid) < 0 ||
        set_meta_str(q, &obj, "creationTimestamp", ts) < 0 ||
        set_meta(q, &obj, "resourceVersion", NULL) < 0)
        goto oom;
    if (prepare(q, KUBE_WRITE_CREATE, NULL, &obj, name) < 0)
        return;
    if (dry_run(q)) {
        as_send_value(q, ok_code, &obj);
        return;
    }
    ks_error err = {0};
    kstore_result res;
    ks_buf stored = KS_BUF_INIT;
    int rc = kstore_create_json(q->s->o.store, q->r->plural, q->ns ? q->ns : "", name, &obj, &res,
                                reuse_stored(q) ? &stored : NULL, &err);
    if (rc == 0 && stored.len) {
        answer_stored(q, ok_code, &stored);
        return;
    }
    ks_buf_free(&stored);
    if (rc == KS_EEXIST) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s \"%s\" already exists", as_qualified(q), name);
        as_send_status(q, 409, "AlreadyExists", msg, name);
        return;
    }
    if (rc == KS_EINVAL) {
        invalid(q, name, "metadata.name", NULL, err.msg);
        return;
    }
    if (rc < 0) {
        as_internal(q, &err);
        return;
    }
    answer_written(q, ok_code, &obj, res.rv);
    return;
oom:
    as_send_status(q, 500, "InternalError", "out of memory building the object", NULL);
}

void as_create(as_req *q)
{
    if (is_virtual(q)) {
        read_only(q);
        return;
    }
    if (q->r->namespaced && !q->ns) {
        as_send_status(q, 405, "MethodNotAllowed",
                       "create needs a namespace: POST to /namespaces/<namespace>/<resource>",
                       NULL);
        return;
    }
    kv_value obj;
    if (!read_body(q, &obj) || !check_type(q, &obj) || !decode(q, &obj))
        return;
    create_obj(q, obj, 201);
}

/* ---- update ---- */

/* Stores obj over the object q->name whose stored version is old (rv
 * old_rv): identity kept, hook run, precondition expect_rv. */
static int update_obj(as_req *q, kv_value obj, const kv_value *old, uint64_t expect_rv,
                      bool answer_conflict)
{
    const kv_value *omd = member(old, "metadata");
    static const char *const keep[] = {"uid", "creationTimestamp"};
    for (size_t i = 0; i < 2; i++) {
        const kv_value *v = member(omd, keep[i]);
        if (v && set_meta(q, &obj, keep[i], v) < 0)
            goto oom;
    }
    if (set_meta(q, &obj, "resourceVersion", NULL) < 0)
        goto oom;
    int p = prepare(q, KUBE_WRITE_UPDATE, old, &obj, q->name);
    if (p < 0)
        return 0;
    if (p == 1)
        obj = *old; /* the role keeps the stored object */
    if (dry_run(q)) {
        answer_written(q, 200, &obj, expect_rv);
        return 0;
    }
    ks_error err = {0};
    kstore_result res;
    ks_buf stored = KS_BUF_INIT;
    int rc = kstore_update_json(q->s->o.store, q->r->plural, q->ns ? q->ns : "", q->name, &obj,
                                expect_rv, &res, reuse_stored(q) ? &stored : NULL, &err);
    if (rc == 0 && stored.len) {
        answer_stored(q, 200, &stored);
        return 0;
    }
    ks_buf_free(&stored);
    if (rc == KS_ENOENT) {
        as_not_found(q, q->name);
        return 0;
    }
    if (rc == KS_EEXIST && res.conflict) {
        if (!answer_conflict)
            return 1; /* the caller retries */
        conflict(q, q->name,
                 "the object has been modified; please apply your changes to the latest version "
                 "and try again");
        return 0;
    }
    if (rc < 0) {
        as_internal(q, &err);
        return 0;
    }
    answer_written(q, 200, &obj, res.rv);
    return 0;
oom:
    as_send_status(q, 500, "InternalError", "out of memory building the object", NULL);
    return 0;
}

/* Reads the stored full object: 1 found, 0 missing (answered 404 when
 * answer_missing), -1 answered with an error. */
static int load(as_req *q, kv_value *obj, uint64_t *rv, bool answer_missing)
{
    ks_error err = {0};
    int rc = kstore_get(q->s->o.store, q->r->plural, q->ns ? q->ns : "", q->name, false, q->a, obj,
                        rv, &err);
    if (rc == KS_ENOENT) {
        if (answer_missing)
            as_not_found(q, q->name);
        return 0;
    }
    if (rc < 0) {
        as_internal(q, &err);
        return -1;
    }
    return 1;
}

void as_update(as_req *q)
{
    if (is_virtual(q)) {
        read_only(q);
        return;
    }
    kv_value obj;
    if (!read_body(q, &obj) || !check_type(q, &obj) || !decode(q, &obj))
        return;
    const char *name = str_member(member(&obj, "metadata"), "name");
    if (!name || strcmp(name, q->name) != 0) {
        as_bad_request(q, "the name of the object (%s) does not match the name on the URL (%s)",
                       name ? name : "", q->name);
        return;
    }
    uint64_t want;
    const char *rvs = str_member(member(&obj, "metadata"), "resourceVersion");
    if (!rv_parse(rvs, &want)) {
        invalid(q, q->name, "metadata.resourceVersion", "FieldValueInvalid",
                "Invalid value: 0x0: must be specified for an update");
        return;
    }
    kv_value old;
    uint64_t old_rv;
    if (load(q, &old, &old_rv, true) != 1)
        return;
    update_obj(q, obj, &old, want, true);
}

/* ---- patch ---- */

void as_patch(as_req *q)
{
    if (is_virtual(q)) {
        read_only(q);
        return;
    }
    const char *ct = as_header(q, "Content-Type");
    kube_patch_type type;
    if (!ct || kube_patch_type_parse(ct, strlen(ct), &type) < 0) {
        char msg[400];
        snprintf(msg, sizeof msg,
                 "the body of the request was in an unknown format - accepted "
                 "media types include: application/json-patch+json, "
                 "application/merge-patch+json, application/apply-patch+yaml, "
                 "application/strategic-merge-patch+json");
        as_send_status(q, 415, "UnsupportedMediaType", msg, NULL);
        return;
    }
    kube_merge_key *keys = NULL;
    size_t nkeys = 0;
    kube_schema_merge_keys(q->s->o.group, q->r->kind, q->a, &keys, &nkeys);
    kube_patch_schema schema = {keys, nkeys};
    size_t n;
    const char *body = net_request_body(q->nr, &n);
    for (int attempt = 0; attempt < PATCH_RETRIES; attempt++) {
        kv_value old;
        uint64_t old_rv = 0;
        int found = load(q, &old, &old_rv, type != KUBE_PATCH_APPLY);
        if (found < 0 || (found == 0 && type != KUBE_PATCH_APPLY))
            return;
        bool exists = found == 1;
        ks_error err = {0};
        kv_value out;
        int rc = kube_patch(q->a, type, exists ? &old : NULL, body, n, 0, &schema, &out, &err);
        if (rc < 0) {
            if (rc == KS_EINVAL)
                invalid(q, q->name, "patch", NULL, err.msg);
            else if (rc == KS_ELIMIT)
                as_send_status(q, 413, "RequestEntityTooLarge", err.msg, q->name);
            else
                as_bad_request(q, "%s", err.msg);
            return;
        }
        if (out.kind != KV_OBJECT) {
            as_bad_request(q, "the patch did not give an object");
            return;
        }
        if (!check_type(q, &out) || !decode(q, &out))
            return;
        const char *name = str_member(member(&out, "metadata"), "name");
        if (name && strcmp(name, q->name) != 0) {
            as_bad_request(q, "the name of the object (%s) does not match the name on the URL (%s)",
                           name, q->name);
            return;
        }
        if (!exists) { /* apply creates */
            if (!name && set_meta_str(q, &out, "name", q->name) < 0) {
                as_send_status(q, 500, "InternalError", "out of memory", NULL);
                return;
            }
            create_obj(q, out, 201);
            return;
        }
        /* a resourceVersion in the patch is a precondition */
        uint64_t want = old_rv;
        const char *prv = str_member(member(&out, "metadata"), "resourceVersion");
        uint64_t given;
        bool pinned = prv && rv_parse(prv, &given) && given != old_rv;
        if (pinned)
            want = given;
        if (update_obj(q, out, &old, want, pinned || attempt + 1 == PATCH_RETRIES) == 0)
            return;
    }
}

/* ---- delete ---- */

/* DeleteOptions preconditions from the body (optional). */
static bool delete_options(as_req *q, const char **uid, uint64_t *rv)
{
    *uid = NULL;
    *rv = 0;
    size_t n = 0;
    if (q->nr)
        net_request_body(q->nr, &n);
    if (n == 0)
        return true;
    kv_value o;
    if (!read_body(q, &o))
        return false;
    const kv_value *pre = member(&o, "preconditions");
    *uid = str_member(pre, "uid");
    const char *rvs = str_member(pre, "resourceVersion");
    if (rvs && !rv_parse(rvs, rv)) {
        as_bad_request(q, "invalid resourceVersion precondition %s", rvs);
        return false;
    }
    return true;
}

void as_delete(as_req *q)
{
    if (is_virtual(q)) {
        read_only(q);
        return;
    }
    const char *uid;
    uint64_t want;
    if (!delete_options(q, &uid, &want))
        return;
    kv_value old;
    uint64_t old_rv;
    if (load(q, &old, &old_rv, true) != 1)
        return;
    const char *ouid = str_member(member(&old, "metadata"), "uid");
    if (uid && (!ouid || strcmp(uid, ouid) != 0)) {
        char why[300];
        snprintf(why, sizeof why,
                 "Precondition failed: UID in precondition: %s, UID in object meta: %s", uid,
                 ouid ? ouid : "");
        conflict(q, q->name, why);
        return;
    }
    if (dry_run(q)) {
        as_send_value(q, 200, &old);
        return;
    }
    ks_error err = {0};
    kstore_result res;
    int rc = kstore_delete(q->s->o.store, q->r->plural, q->ns ? q->ns : "", q->name,
                           want ? want : old_rv, &res, &err);
    if (rc == KS_ENOENT) {
        as_not_found(q, q->name);
        return;
    }
    if (rc == KS_EEXIST) {
        char why[300];
        snprintf(why, sizeof why,
                 "Precondition failed: ResourceVersion in precondition: %llu, ResourceVersion in "
                 "object meta: %llu",
                 (unsigned long long)want, (unsigned long long)old_rv);
        conflict(q, q->name, why);
        return;
    }
    if (rc < 0) {
        as_internal(q, &err);
        return;
    }
    answer_written(q, 200, &old, res.rv);
}

/* ---- writes from inside the process ---- */

int kube_apiserver_put(kube_apiserver *s, const char *plural, const kv_value *obj, ks_arena *a,
                       ks_error *err)
{
    const kube_apigroup *g = s->o.group;
    const kube_resource *r = kube_apigroup_find(g, plural, strlen(plural));
    if (!r)
        return ks_error_set(err, KS_ENOENT, "no resource %s in %s", plural, g->group);
    const kv_value *md = member(obj, "metadata");
    const char *name = str_member(md, "name"), *ns = str_member(md, "namespace");
    if (!name || (r->namespaced && (!ns || !*ns)))
        return ks_error_set(err, KS_EINVAL, "%s: objects need metadata.name%s", plural,
                            r->namespaced ? " and metadata.namespace" : "");
    as_inproc in = {.body = obj};
    as_req q = {.s = s,
                .a = a,
                .method = "PUT",
                .r = r,
                .ri = (int)(r - g->resources),
                .ns = r->namespaced ? ns : NULL,
                .name = name,
                .repr = AS_JSON,
                .user = "system:kso",
                .inproc = &in};
    if (is_virtual(&q))
        return ks_error_set(err, KS_EINVAL, "%s objects are computed and read-only", r->kind);
    for (int attempt = 0; attempt < PATCH_RETRIES; attempt++) {
        kv_value body = *obj;
        if (!check_type(&q, &body) || !decode(&q, &body))
            break;
        kv_value old;
        uint64_t old_rv;
        int found = load(&q, &old, &old_rv, false);
        if (found < 0)
            break;
        if (found == 0) {
            create_obj(&q, body, 201);
            if (in.code != 409)
                break;
            continue; /* created meanwhile: replace it */
        }
        if (update_obj(&q, body, &old, old_rv, attempt + 1 == PATCH_RETRIES) == 0)
            break;
    }
    if (in.code >= 200 && in.code < 300)
        return 0;
    const kv_value *msg = member(&in.answer, "message");
    return ks_error_set(err, in.code == 422 || in.code == 400 ? KS_EINVAL : KS_EIO, "%s %s/%s: %s",
                        r->kind, ns ? ns : "", name,
                        msg && msg->kind == KV_STRING ? msg->u.s : "the write failed");
}
