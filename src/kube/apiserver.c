/*
 * The API server: setup, routing, authentication, per-kind gates, and the
 * non-resource endpoints (discovery, OpenAPI, health, version). The verbs
 * are in apiserver_rest.c and apiserver_list.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/jsonstr.h"
#include "kube/apiserver_internal.h"
#include "kube/meta.h"

int kube_apiserver_new(const kube_apiserver_opts *o, kube_apiserver **out, ks_error *err)
{
    *out = NULL;
    if (!o->group || !o->store)
        return ks_error_set(err, KS_EINVAL, "API server: a group and a store are required");
    kube_apiserver *s = ks_xcalloc(1, sizeof *s);
    s->o = *o;
    size_t n = o->group->nresources;
    s->limits = ks_xcalloc(n + 1, sizeof *s->limits);
    s->gates = ks_xcalloc(n + 1, sizeof *s->gates);
    s->zero = ks_xcalloc(n + 1, sizeof *s->zero);
    ks_arena_init(&s->arena, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        if (o->limits)
            s->limits[i] = o->limits[i];
        pthread_mutex_init(&s->gates[i].mu, NULL);
        pthread_cond_init(&s->gates[i].cv, NULL);
        const kv_value *schema = kube_schema(o->group, o->group->resources[i].kind);
        int rc = schema ? kube_schema_zero(o->group, schema, &s->arena, &s->zero[i]) : KS_ENOENT;
        if (rc < 0) {
            kube_apiserver_free(s);
            return ks_error_set(err, rc, "API server: no zero value for kind %s",
                                o->group->resources[i].kind);
        }
    }
    if (!s->o.bookmark_interval_ms)
        s->o.bookmark_interval_ms = 30000;
    if (!s->o.watch_timeout_s)
        s->o.watch_timeout_s = 1800;
    *out = s;
    return 0;
}

void kube_apiserver_free(kube_apiserver *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->o.group->nresources; i++) {
        pthread_mutex_destroy(&s->gates[i].mu);
        pthread_cond_destroy(&s->gates[i].cv);
    }
    ks_arena_free(&s->arena);
    ks_xfree(s->zero);
    ks_xfree(s->gates);
    ks_xfree(s->limits);
    ks_xfree(s);
}

/* ---- requests and responses ---- */

const char *as_query(const as_req *q, const char *name)
{
    return q->nr ? net_request_query(q->nr, name) : NULL;
}

const char *as_header(const as_req *q, const char *name)
{
    return q->nr ? net_request_header(q->nr, name) : NULL;
}

void as_resp_header(as_req *q, const char *name, const char *value)
{
    if (q->resp)
        net_response_header(q->resp, name, value);
}

void as_send_value(as_req *q, int code, const kv_value *v)
{
    if (q->inproc) {
        q->inproc->code = code;
        q->inproc->answer = *v;
        return;
    }
    ks_buf b = KS_BUF_INIT;
    bool yaml = q->repr == AS_YAML;
    int rc = yaml ? kv_yaml_write(&b, v, 0) : kv_json_write(&b, v, 0);
    if (rc < 0) {
        ks_buf_free(&b);
        net_response_status(q->resp, 500);
        return;
    }
    net_response_status(q->resp, code);
    net_response_header(q->resp, "Content-Type", yaml ? "application/yaml" : "application/json");
    net_response_header(q->resp, "Cache-Control", "no-cache, private");
    size_t len;
    char *p = ks_buf_detach(&b, &len);
    net_response_body_owned(q->resp, p, len);
}

const char *as_qualified(as_req *q)
{
    const char *plural = q->r ? q->r->plural : "";
    size_t n = strlen(plural) + strlen(q->s->o.group->group) + 2;
    char *p = ks_arena_alloc_bytes(q->a, n);
    if (!p)
        return plural;
    snprintf(p, n, "%s.%s", plural, q->s->o.group->group);
    return p;
}

void as_send_status(as_req *q, int code, const char *reason, const char *msg, const char *name)
{
    kube_status_details d = {.name = name,
                             .group = q->r ? q->s->o.group->group : NULL,
                             .kind = q->r ? q->r->plural : NULL};
    kv_value st;
    if (kube_status(q->a, code, reason, msg, name || q->r ? &d : NULL, &st) < 0) {
        if (q->inproc)
            q->inproc->code = code;
        else
            net_response_status(q->resp, code);
        return;
    }
    as_repr saved = q->repr;
    if (q->repr != AS_YAML)
        q->repr = AS_JSON; /* a Status is never a Table */
    as_send_value(q, code, &st);
    q->repr = saved;
}

void as_send_problem(as_req *q, const kube_problem *p, const char *name)
{
    if (p->code == 422 && p->field) {
        kube_status_cause c = {.reason = p->cause ? p->cause : "FieldValueInvalid",
                               .message = p->message,
                               .field = p->field};
        kube_status_details d = {.name = name,
                                 .group = q->s->o.group->group,
                                 .kind = q->r ? q->r->kind : NULL,
                                 .causes = &c,
                                 .ncauses = 1};
        char msg[1024];
        snprintf(msg, sizeof msg, "%s \"%s\" is invalid: %s: %s", q->r ? q->r->kind : "object",
                 name ? name : "", p->field, p->message);
        kv_value st;
        if (kube_status(q->a, 422, "Invalid", msg, &d, &st) == 0) {
            as_send_value(q, 422, &st);
            return;
        }
    }
    as_send_status(q, p->code ? p->code : 500, p->reason ? p->reason : "InternalError",
                   p->message ? p->message : "", name);
}

void as_not_found(as_req *q, const char *name)
{
    char msg[600];
    snprintf(msg, sizeof msg, "%s \"%s\" not found", as_qualified(q), name);
    as_send_status(q, 404, "NotFound", msg, name);
}

void as_bad_request(as_req *q, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    as_send_status(q, 400, "BadRequest", msg, NULL);
}

void as_internal(as_req *q, const ks_error *err)
{
    as_send_status(q, 500, "InternalError", err && err->msg[0] ? err->msg : "internal error", NULL);
}

/* ---- views ---- */

int as_meta_view(as_req *q, const kv_value *meta, kv_value *out)
{
    const kv_value *zero = &q->s->zero[q->ri];
    kv_value v = *zero;
    static const char *const keep[] = {"apiVersion", "kind", "metadata"};
    for (size_t i = 0; i < 3; i++) {
        const kv_value *m = kv_obj_get(meta, keep[i], strlen(keep[i]));
        if (m && kv_obj_with(q->a, &v, keep[i], strlen(keep[i]), m, &v) < 0)
            return KS_ELIMIT;
    }
    *out = v;
    return 0;
}

int as_parse_view(as_req *q, const char *json, size_t n, bool meta_only, kv_value *out,
                  ks_error *err)
{
    kv_json_opts jo = {.source = "stored object"};
    kv_value v;
    int rc = kv_json_parse(q->a, json, n, &jo, &v, err);
    if (rc < 0)
        return rc;
    if (!meta_only) {
        *out = v;
        return 0;
    }
    return as_meta_view(q, &v, out);
}

bool as_full_spec(as_req *q)
{
    const char *rv = as_query(q, "resourceVersion");
    return rv && strcmp(rv, "fullSpec") == 0;
}

/* ---- authentication ---- */

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* Sets q->user; false when the request may not go on (answered). */
static bool authenticate(as_req *q, bool open)
{
    const kube_auth_opts *a = &q->s->o.auth;
    const net_client_cert *c = net_request_client_cert(q->nr);
    if (c && c->verified && c->bundle_name) {
        if (a->requestheader_bundle && strcmp(c->bundle_name, a->requestheader_bundle) == 0 &&
            (a->nallowed_names == 0 ||
             (c->cn && in_list(c->cn, a->allowed_names, a->nallowed_names)))) {
            static const char *const def_user[] = {"X-Remote-User"};
            const char *const *hs = a->nusername_headers ? a->username_headers : def_user;
            size_t nh = a->nusername_headers ? a->nusername_headers : 1;
            for (size_t i = 0; i < nh && !q->user; i++) {
                const char *u = net_request_header(q->nr, hs[i]);
                if (u && *u)
                    q->user = u;
            }
            if (q->user)
                return true;
        }
        if (a->client_bundle && strcmp(c->bundle_name, a->client_bundle) == 0 && c->cn) {
            q->user = c->cn;
            return true;
        }
    }
    if (open || a->allow_anonymous) {
        q->user = "system:anonymous";
        return true;
    }
    as_send_status(q, 401, "Unauthorized", "Unauthorized", NULL);
    return false;
}

/* ---- gates (per-kind concurrency and queue limits) ---- */

static bool gate_enter(as_req *q)
{
    const kube_limits *l = &q->s->limits[q->ri];
    if (!l->workers)
        return true;
    as_gate *g = &q->s->gates[q->ri];
    pthread_mutex_lock(&g->mu);
    if (g->running >= l->workers) {
        if (g->waiting >= l->queue) {
            pthread_mutex_unlock(&g->mu);
            net_response_header(q->resp, "Retry-After", "1");
            kube_status_details d = {
                    .kind = q->r->plural, .group = q->s->o.group->group, .retry_after_seconds = 1};
            kv_value st;
            if (kube_status(q->a, 429, "TooManyRequests",
                            "Too many requests, please try again later.", &d, &st) == 0)
                as_send_value(q, 429, &st);
            else
                net_response_status(q->resp, 429);
            return false;
        }
        g->waiting++;
        while (g->running >= l->workers)
            pthread_cond_wait(&g->cv, &g->mu);
        g->waiting--;
    }
    g->running++;
    pthread_mutex_unlock(&g->mu);
    return true;
}

void as_gate_leave(kube_apiserver *s, int ri)
{
    if (!s->limits[ri].workers)
        return;
    as_gate *g = &s->gates[ri];
    pthread_mutex_lock(&g->mu);
    g->running--;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

size_t kube_apiserver_body_limit(void *ctx, const net_request *req)
{
    kube_apiserver *s = ctx;
    /* /apis/G/V/[namespaces/NS/]PLURAL[/NAME] */
    size_t n = net_request_nsegments(req);
    if (n < 4 || strcmp(net_request_segment(req, 0), "apis") != 0)
        return 0;
    size_t i = 3;
    if (n >= 6 && strcmp(net_request_segment(req, 3), "namespaces") == 0)
        i = 5;
    const char *plural = net_request_segment(req, i);
    for (size_t k = 0; k < s->o.group->nresources; k++)
        if (strcmp(s->o.group->resources[k].plural, plural) == 0)
            return s->limits[k].max_object_size;
    return 0;
}

void kube_apiserver_net_error(void *ctx, int status, const char *msg, net_response *resp)
{
    (void)ctx;
    ks_arena a;
    ks_arena_init(&a, NULL, 1 << 20);
    const char *reason = status == 413   ? "RequestEntityTooLarge"
                         : status == 400 ? "BadRequest"
                         : status == 429 ? "TooManyRequests"
                                         : "InternalError";
    kv_value st;
    ks_buf b = KS_BUF_INIT;
    if (kube_status(&a, status, reason, msg, NULL, &st) == 0 && kv_json_write(&b, &st, 0) == 0) {
        net_response_status(resp, status);
        net_response_header(resp, "Content-Type", "application/json");
        size_t len;
        char *p = ks_buf_detach(&b, &len);
        net_response_body_owned(resp, p, len);
    } else {
        net_response_status(resp, status);
    }
    ks_buf_free(&b);
    ks_arena_free(&a);
}

/* ---- non-resource endpoints ---- */

static void send_text(as_req *q, int code, const char *ctype, const char *text, size_t n)
{
    net_response_status(q->resp, code);
    net_response_header(q->resp, "Content-Type", ctype);
    net_response_header(q->resp, "Cache-Control", "no-cache, private");
    net_response_body(q->resp, text, n);
}

static void send_buf(as_req *q, int code, const char *ctype, ks_buf *b)
{
    net_response_status(q->resp, code);
    net_response_header(q->resp, "Content-Type", ctype);
    net_response_header(q->resp, "Cache-Control", "no-cache, private");
    size_t len;
    char *p = ks_buf_detach(b, &len);
    net_response_body_owned(q->resp, p, len);
}

/* /livez, /readyz, /healthz and their /<check> sub-paths (ping, store);
 * ?verbose lists the checks as kube-apiserver does. */
static void health(as_req *q, const char *which, const char *check)
{
    /* the store answers a query (its database is open and readable) */
    uint64_t count;
    ks_error err = {0};
    const kube_apigroup *g = q->s->o.group;
    bool ready = strcmp(which, "livez") == 0 || g->nresources == 0 ||
                 kstore_count(q->s->o.store, g->resources[0].plural, NULL, &count, &err) == 0;
    if (check && strcmp(check, "ping") != 0 && strcmp(check, "store") != 0) {
        char msg[256];
        int n = snprintf(msg, sizeof msg, "404 page not found\n");
        send_text(q, 404, "text/plain; charset=utf-8", msg, (size_t)n);
        return;
    }
    if (net_request_query(q->nr, "verbose")) {
        char msg[512];
        int n = snprintf(msg, sizeof msg, "[+]ping ok\n[%c]store %s\n%s check %s\n",
                         ready ? '+' : '-', ready ? "ok" : "failed", which,
                         ready ? "passed" : "failed");
        send_text(q, ready ? 200 : 500, "text/plain; charset=utf-8", msg, (size_t)n);
        return;
    }
    send_text(q, ready ? 200 : 500, "text/plain; charset=utf-8", ready ? "ok" : "not ready",
              ready ? 2 : 9);
}

static bool accepts_aggregated(as_req *q, const char **version)
{
    const char *acc = net_request_header(q->nr, "Accept");
    if (!acc || !strstr(acc, "as=APIGroupDiscoveryList"))
        return false;
    *version = strstr(acc, "v=v2beta1") && !strstr(acc, "v=v2;") && !strstr(acc, "v=v2,")
                       ? "v2beta1"
                       : "v2";
    return true;
}

static void discovery(as_req *q, size_t nseg)
{
    const kube_apigroup *g = q->s->o.group;
    ks_buf b = KS_BUF_INIT;
    const char *ver;
    if (nseg == 1) {
        if (accepts_aggregated(q, &ver)) {
            kube_discovery_aggregated(g, ver, &b);
            char ct[128];
            snprintf(ct, sizeof ct,
                     "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList", ver);
            send_buf(q, 200, ct, &b);
            return;
        }
        kube_discovery_group_list(g, &b);
    } else if (nseg == 2) {
        kube_discovery_group(g, &b);
    } else {
        kube_discovery_resources(g, &b);
    }
    send_buf(q, 200, "application/json", &b);
}

static void openapi(as_req *q, size_t nseg)
{
    const kube_apigroup *g = q->s->o.group;
    const char *v = net_request_segment(q->nr, 1);
    ks_buf b = KS_BUF_INIT;
    if (strcmp(v, "v2") == 0 && nseg == 2) {
        kube_openapi_v2(g, &b);
        send_buf(q, 200, "application/json", &b);
        return;
    }
    if (strcmp(v, "v3") == 0 && nseg == 2) {
        ks_buf doc = KS_BUF_INIT;
        kube_openapi_v3(g, &doc);
        char hash[KS_SHA256_HEXLEN + 1];
        ks_sha256_hex(doc.data, doc.len, hash);
        ks_buf_free(&doc);
        kube_openapi_v3_index(g, hash, &b);
        send_buf(q, 200, "application/json", &b);
        return;
    }
    if (strcmp(v, "v3") == 0 && nseg == 5 && strcmp(net_request_segment(q->nr, 2), "apis") == 0 &&
        strcmp(net_request_segment(q->nr, 3), g->group) == 0 &&
        strcmp(net_request_segment(q->nr, 4), g->version) == 0) {
        kube_openapi_v3(g, &b);
        send_buf(q, 200, "application/json", &b);
        return;
    }
    ks_buf_free(&b);
    send_text(q, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
}

/* ---- representation ---- */

/* Reads Accept; false when nothing acceptable was asked (answered 406). */
static bool negotiate(as_req *q)
{
    kube_accept acc;
    ks_error err = {0};
    const char *h = net_request_header(q->nr, "Accept");
    if (kube_accept_parse(h ? h : "", h ? strlen(h) : 0, KUBE_MEDIA_JSON | KUBE_MEDIA_YAML, &acc,
                          &err) < 0) {
        as_send_status(q, 406, "NotAcceptable", err.msg, NULL);
        return false;
    }
    q->mversion = acc.version ? acc.version : "v1";
    switch (acc.target) {
    case KUBE_TARGET_TABLE: q->repr = AS_TABLE; break;
    case KUBE_TARGET_POM: q->repr = AS_POM; break;
    case KUBE_TARGET_POM_LIST: q->repr = AS_POMLIST; break;
    default: q->repr = acc.media == KUBE_MEDIA_YAML ? AS_YAML : AS_JSON; break;
    }
    q->include = KUBE_INCLUDE_METADATA;
    const char *inc = net_request_query(q->nr, "includeObject");
    if (inc && kube_include_parse(inc, strlen(inc), &q->include, &err) < 0) {
        as_bad_request(q, "%s", err.msg);
        return false;
    }
    return true;
}

/* ---- routing ---- */

static bool valid_dns_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i && i + 1 < n);
        if (!ok)
            return false;
    }
    return true;
}

static void resource_request(as_req *q, size_t nseg)
{
    const kube_apigroup *g = q->s->o.group;
    /* apis G V [watch] [namespaces NS] PLURAL [NAME] */
    size_t i = 3;
    bool legacy_watch = false;
    if (i < nseg && strcmp(net_request_segment(q->nr, i), "watch") == 0) {
        legacy_watch = true;
        i++;
    }
    if (i + 1 < nseg && strcmp(net_request_segment(q->nr, i), "namespaces") == 0) {
        q->ns = net_request_segment(q->nr, i + 1);
        i += 2;
    }
    if (i >= nseg) {
        send_text(q, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
        return;
    }
    const char *plural = net_request_segment(q->nr, i++);
    q->r = kube_apigroup_find(g, plural, strlen(plural));
    if (!q->r || i + 1 < nseg) {
        send_text(q, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
        return;
    }
    q->ri = (int)(q->r - g->resources);
    if (i < nseg)
        q->name = net_request_segment(q->nr, i);
    /* a namespaced kind has no route without its namespace except the
     * all-namespaces list and watch (kube-apiserver: 404) */
    bool ns_missing = q->r->namespaced && !q->ns && (q->name || strcmp(q->method, "GET") != 0);
    if ((q->ns && !q->r->namespaced) || ns_missing) {
        send_text(q, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
        return;
    }
    if (q->ns && !valid_dns_label(q->ns)) {
        as_bad_request(q, "invalid namespace %s", q->ns);
        return;
    }
    if (!negotiate(q))
        return;
    const char *w = net_request_query(q->nr, "watch");
    bool watch = legacy_watch || (w && (strcmp(w, "true") == 0 || strcmp(w, "1") == 0));
    const char *m = q->method;
    bool is_get = strcmp(m, "GET") == 0;
    /* watches and metadata-only reads bypass the gates, as upstream's queue */
    bool gated = !(is_get && watch);
    if (gated && !gate_enter(q))
        return;
    if (is_get && watch)
        as_watch(q);
    else if (is_get && q->name)
        as_get(q);
    else if (is_get)
        as_list(q);
    else if (strcmp(m, "POST") == 0 && !q->name)
        as_create(q);
    else if (strcmp(m, "PUT") == 0 && q->name)
        as_update(q);
    else if (strcmp(m, "PATCH") == 0 && q->name)
        as_patch(q);
    else if (strcmp(m, "DELETE") == 0 && q->name)
        as_delete(q);
    else if (strcmp(m, "DELETE") == 0)
        as_delete_collection(q);
    else {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "the server does not allow this method on the requested resource");
        as_send_status(q, 405, "MethodNotAllowed", msg, NULL);
    }
    if (gated && !q->gate_to_stream)
        as_gate_leave(q->s, q->ri);
}

void kube_apiserver_handle(void *ctx, const net_request *req, net_response *resp)
{
    kube_apiserver *s = ctx;
    as_req q = {.s = s,
                .nr = req,
                .resp = resp,
                .a = net_request_arena(req),
                .method = net_request_method(req),
                .ri = -1};
    size_t nseg = net_request_nsegments(req);
    const char *s0 = nseg ? net_request_segment(req, 0) : "";
    bool open = strcmp(s0, "livez") == 0 || strcmp(s0, "readyz") == 0 ||
                strcmp(s0, "healthz") == 0 || (strcmp(s0, "version") == 0 && nseg == 1);
    if (!authenticate(&q, open))
        return;
    if (open && strcmp(s0, "version") != 0) {
        health(&q, s0, nseg > 1 ? net_request_segment(req, 1) : NULL);
        return;
    }
    if (strcmp(s0, "version") == 0) {
        const char *v = s->o.version_json ? s->o.version_json
                                          : "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":"
                                            "\"v0.0.0-kso\",\"platform\":\"linux/amd64\"}";
        send_text(&q, 200, "application/json", v, strlen(v));
        return;
    }
    bool get = strcmp(q.method, "GET") == 0;
    const kube_apigroup *g = s->o.group;
    if (strcmp(s0, "apis") == 0 && nseg <= 3) {
        if (!get) {
            as_send_status(&q, 405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource", NULL);
            return;
        }
        if ((nseg >= 2 && strcmp(net_request_segment(req, 1), g->group) != 0) ||
            (nseg == 3 && strcmp(net_request_segment(req, 2), g->version) != 0)) {
            send_text(&q, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
            return;
        }
        discovery(&q, nseg);
        return;
    }
    if (strcmp(s0, "apis") == 0 && strcmp(net_request_segment(req, 1), g->group) == 0 &&
        strcmp(net_request_segment(req, 2), g->version) == 0) {
        resource_request(&q, nseg);
        return;
    }
    if (strcmp(s0, "openapi") == 0 && nseg >= 2 && get) {
        openapi(&q, nseg);
        return;
    }
    if (strcmp(s0, "api") == 0 && nseg == 4 && get &&
        strcmp(net_request_segment(req, 1), "v1") == 0 &&
        strcmp(net_request_segment(req, 2), "namespaces") == 0 &&
        valid_dns_label(net_request_segment(req, 3))) {
        /* kubectl asks for the namespace after a NotFound, to say whether
         * the namespace is missing; a server without the core group (used
         * directly, not behind kube-apiserver) has every namespace */
        ks_buf b = KS_BUF_INIT;
        ks_buf_puts(&b, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":");
        const char *ns = net_request_segment(req, 3);
        ks_json_quote(&b, ns, strlen(ns), 0);
        ks_buf_puts(&b, "},\"spec\":{},\"status\":{\"phase\":\"Active\"}}");
        send_buf(&q, 200, "application/json", &b);
        return;
    }
    if (strcmp(s0, "api") == 0 && nseg == 1 && get) {
        /* no core group here; an empty legacy document keeps clients that
         * ask for it (kubectl's discovery) happy */
        static const char api[] = "{\"kind\":\"APIVersions\",\"versions\":[],"
                                  "\"serverAddressByClientCIDRs\":null}";
        send_text(&q, 200, "application/json", api, sizeof api - 1);
        return;
    }
    send_text(&q, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
}
