/*
 * kubeconfig and in-cluster configuration (kubeconfig.h): clientcmd's
 * loading and merging rules, its validation, no plugins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/mem.h"
#include "kube/kubeconfig.h"
#include "value/value.h"

#define MAX_FILE  (16u << 20) /* a kubeconfig, CA bundle, certificate, key or token */
#define MAX_FILES 64          /* files in $KUBECONFIG */

/* Returns the error code of a failed step. */
#define TRY(x)          \
    do {                \
        int rc_ = (x);  \
        if (rc_)        \
            return rc_; \
    } while (0)

typedef struct kc_file {
    const char *path;
    const char *dir; /* relative paths in its entries are resolved here */
    kv_value doc;
} kc_file;

typedef struct loader {
    const kube_load_opts *o;
    kube_client_config *c;
    ks_arena *a;
    kc_file files[MAX_FILES];
    size_t nfiles;
} loader;

static const char *env(const kube_load_opts *o, const char *name)
{
    const char *v = o && o->getenv ? o->getenv(name) : getenv(name);
    return v && *v ? v : NULL;
}

static char *adup(ks_arena *a, const char *s, size_t n)
{
    return ks_arena_strndup(a, s, n);
}

static char *adup0(ks_arena *a, const char *s)
{
    return s ? adup(a, s, strlen(s)) : NULL;
}

static bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Reads and parses path into l's next file. */
static int add_file(loader *l, const char *path, ks_error *err)
{
    if (l->nfiles == MAX_FILES)
        return ks_error_set(err, KS_ELIMIT, "KUBECONFIG: more than %d files", MAX_FILES);
    char *data = NULL;
    size_t len = 0;
    int rc = ks_file_read(path, MAX_FILE, &data, &len, err);
    if (rc)
        return rc;
    kc_file *f = &l->files[l->nfiles];
    f->path = adup0(l->a, path);
    const char *slash = strrchr(path, '/');
    f->dir = slash ? adup(l->a, path, (size_t)(slash - path) + (slash == path)) : ".";
    kv_yaml_opts yo = {.max_size = MAX_FILE, .max_alias_nodes = 10000, .source = f->path};
    rc = kv_yaml_parse(l->a, data, len, &yo, &f->doc, err);
    ks_xfree(data);
    if (rc)
        return rc;
    if (f->doc.kind == KV_NULL) { /* an empty file is an empty configuration */
        f->doc = (kv_value){.kind = KV_OBJECT};
    } else if (f->doc.kind != KV_OBJECT) {
        return ks_error_set(err, KS_EPARSE, "%s: a kubeconfig must be a mapping", path);
    }
    l->nfiles++;
    return 0;
}

/* The string at key in obj (NULL when absent or null); an error when it is
 * something else. */
static int str_at(const kc_file *f, const kv_value *obj, const char *what, const char *key,
                  const char **out, ks_error *err)
{
    *out = NULL;
    const kv_value *v = obj && obj->kind == KV_OBJECT ? kv_obj_get(obj, key, strlen(key)) : NULL;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_STRING)
        return ks_error_set(err, KS_EPARSE, "%s: %s: %s must be a string", f->path, what, key);
    *out = v->len ? v->u.s : NULL;
    return 0;
}

static int bool_at(const kc_file *f, const kv_value *obj, const char *what, const char *key,
                   bool *out, ks_error *err)
{
    *out = false;
    const kv_value *v = obj && obj->kind == KV_OBJECT ? kv_obj_get(obj, key, strlen(key)) : NULL;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_BOOL)
        return ks_error_set(err, KS_EPARSE, "%s: %s: %s must be true or false", f->path, what, key);
    *out = v->u.b;
    return 0;
}

/* The entry called name in list ("clusters", "users", "contexts") of the
 * first file that has one: its item ("cluster", "user", "context") and the
 * file. */
static int find_entry(loader *l, const char *list, const char *item, const char *name,
                      const kv_value **out, const kc_file **from, ks_error *err)
{
    for (size_t i = 0; i < l->nfiles; i++) {
        const kc_file *f = &l->files[i];
        const kv_value *arr = kv_obj_get(&f->doc, list, strlen(list));
        if (!arr || arr->kind == KV_NULL)
            continue;
        if (arr->kind != KV_ARRAY)
            return ks_error_set(err, KS_EPARSE, "%s: %s must be a list", f->path, list);
        for (uint32_t k = 0; k < arr->len; k++) {
            const kv_value *e = &arr->u.items[k];
            const char *n;
            if (e->kind != KV_OBJECT)
                return ks_error_set(err, KS_EPARSE, "%s: %s[%u] must be a mapping", f->path, list,
                                    k);
            TRY(str_at(f, e, list, "name", &n, err));
            if (n && strcmp(n, name) == 0) {
                const kv_value *v = kv_obj_get(e, item, strlen(item));
                static const kv_value empty = {.kind = KV_OBJECT};
                if (v && v->kind != KV_OBJECT && v->kind != KV_NULL)
                    return ks_error_set(err, KS_EPARSE, "%s: %s \"%s\": %s must be a mapping",
                                        f->path, list, name, item);
                *out = v && v->kind == KV_OBJECT ? v : &empty;
                *from = f;
                return 0;
            }
        }
    }
    return ks_error_set(err, KS_ENOENT, "%s: no %.*s named \"%s\"", l->c->source,
                        (int)strlen(list) - 1, list, name);
}

static char *resolve_path(loader *l, const kc_file *f, const char *p)
{
    if (p[0] == '/' || p[0] == '\0')
        return adup0(l->a, p);
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "%s/%s", f->dir, p);
    char *s = adup(l->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    return s;
}

/* A file's bytes into the arena (what names the field, for messages). */
static int read_into(loader *l, const char *path, const char *what, char **out, size_t *len,
                     ks_error *err)
{
    char *data = NULL;
    int rc = ks_file_read(path, MAX_FILE, &data, len, err);
    if (rc) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return ks_error_set(err, rc, "%s: %s: %s", what, path, msg);
    }
    *out = adup(l->a, data, *len);
    ks_xfree(data);
    return 0;
}

/* The PEM (or token) of a file/-data pair of fields. */
static int material(loader *l, const kc_file *f, const kv_value *obj, const char *what,
                    const char *file_key, const char *data_key, char **out, size_t *len,
                    char **from_file, ks_error *err)
{
    const char *path, *data;
    TRY(str_at(f, obj, what, file_key, &path, err));
    TRY(str_at(f, obj, what, data_key, &data, err));
    *out = NULL;
    *len = 0;
    if (data) { /* -data wins over the file, as in clientcmd */
        ks_buf b = KS_BUF_INIT;
        size_t bad = 0;
        int rc = ks_base64_decode(&b, data, strlen(data), KS_B64_STD, &bad);
        if (rc) {
            ks_buf_free(&b);
            return ks_error_set(err, KS_EPARSE, "%s: %s: %s is not base64 (at byte %zu)", f->path,
                                what, data_key, bad);
        }
        *out = adup(l->a, b.data ? b.data : "", b.len);
        *len = b.len;
        ks_buf_free(&b);
        return 0;
    }
    if (!path)
        return 0;
    char label[600];
    char *full = resolve_path(l, f, path);
    snprintf(label, sizeof label, "%s: %s: %s", f->path, what, file_key);
    *from_file = full;
    return read_into(l, full, label, out, len, err);
}

static int load_cluster(loader *l, const char *name, ks_error *err)
{
    kube_client_config *c = l->c;
    const kv_value *cl;
    const kc_file *f;
    TRY(find_entry(l, "clusters", "cluster", name, &cl, &f, err));
    char what[300];
    snprintf(what, sizeof what, "cluster \"%s\"", name);
    const char *server, *tsn, *proxy;
    TRY(str_at(f, cl, what, "server", &server, err));
    TRY(str_at(f, cl, what, "tls-server-name", &tsn, err));
    TRY(str_at(f, cl, what, "proxy-url", &proxy, err));
    TRY(bool_at(f, cl, what, "insecure-skip-tls-verify", &c->insecure, err));
    if (!server)
        return ks_error_set(err, KS_EINVAL, "%s: %s has no server", f->path, what);
    size_t n = strlen(server);
    while (n > 0 && server[n - 1] == '/')
        n--;
    ks_buf b = KS_BUF_INIT; /* clientcmd takes a bare host:port as https */
    ks_buf_printf(&b, "%s%.*s", strstr(server, "://") ? "" : "https://", (int)n, server);
    c->server = adup(l->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    if (strncmp(c->server, "https://", 8) != 0 && strncmp(c->server, "http://", 7) != 0)
        return ks_error_set(err, KS_EINVAL, "%s: %s: server \"%s\" is not an http(s) URL", f->path,
                            what, server);
    c->tls_server_name = adup0(l->a, tsn);
    c->proxy_url = adup0(l->a, proxy);
    TRY(material(l, f, cl, what, "certificate-authority", "certificate-authority-data", &c->ca_pem,
                 &c->ca_len, &c->ca_file, err));
    if (c->insecure && c->ca_pem)
        return ks_error_set(err, KS_EINVAL,
                            "%s: %s: specifying a root certificates file with the insecure "
                            "flag is not allowed",
                            f->path, what);
    return 0;
}

static int load_user(loader *l, const char *name, ks_error *err)
{
    kube_client_config *c = l->c;
    const kv_value *u;
    const kc_file *f;
    TRY(find_entry(l, "users", "user", name, &u, &f, err));
    char what[300];
    snprintf(what, sizeof what, "user \"%s\"", name);
    const kv_value *exec = kv_obj_get(u, "exec", 4);
    if (exec && exec->kind != KV_NULL) {
        const char *cmd = NULL;
        TRY(str_at(f, exec, what, "command", &cmd, err));
        return ks_error_set(err, KS_EUNSUPPORTED,
                            "%s: %s gets its credentials from an exec plugin (%s), which kso "
                            "does not run; use a kubeconfig with a token or client certificate",
                            f->path, what, cmd ? cmd : "no command");
    }
    const kv_value *ap = kv_obj_get(u, "auth-provider", 13);
    if (ap && ap->kind != KV_NULL)
        return ks_error_set(err, KS_EUNSUPPORTED,
                            "%s: %s uses an auth-provider plugin, which kso does not run", f->path,
                            what);
    size_t tlen = 0;
    const char *token, *token_file, *user, *pass, *as;
    TRY(str_at(f, u, what, "token", &token, err));
    TRY(str_at(f, u, what, "tokenFile", &token_file, err));
    TRY(str_at(f, u, what, "username", &user, err));
    TRY(str_at(f, u, what, "password", &pass, err));
    TRY(str_at(f, u, what, "as", &as, err));
    TRY(material(l, f, u, what, "client-certificate", "client-certificate-data", &c->cert_pem,
                 &c->cert_len, &c->cert_file, err));
    TRY(material(l, f, u, what, "client-key", "client-key-data", &c->key_pem, &c->key_len,
                 &c->key_file, err));
    if (!c->cert_pem != !c->key_pem)
        return ks_error_set(err, KS_EINVAL, "%s: %s has a client %s without its %s", f->path, what,
                            c->cert_pem ? "certificate" : "key",
                            c->cert_pem ? "key" : "certificate");
    if (token) {
        c->token = adup0(l->a, token);
    } else if (token_file) {
        c->token_file = resolve_path(l, f, token_file);
        char label[600];
        snprintf(label, sizeof label, "%s: %s: tokenFile", f->path, what);
        TRY(read_into(l, c->token_file, label, &c->token, &tlen, err));
        while (tlen && (c->token[tlen - 1] == '\n' || c->token[tlen - 1] == '\r' ||
                        c->token[tlen - 1] == ' '))
            c->token[--tlen] = '\0';
    }
    if (c->token && (user || pass))
        return ks_error_set(err, KS_EINVAL,
                            "%s: %s: username/password or bearer token may be set, but not both",
                            f->path, what);
    c->username = adup0(l->a, user);
    c->password = adup0(l->a, pass);
    c->impersonate_user = adup0(l->a, as);
    const kv_value *groups = kv_obj_get(u, "as-groups", 9);
    if (groups && groups->kind == KV_ARRAY && groups->len) {
        c->impersonate_groups = ks_arena_alloc(l->a, groups->len * sizeof(char *));
        for (uint32_t i = 0; i < groups->len; i++) {
            const kv_value *g = &groups->u.items[i];
            if (g->kind != KV_STRING)
                return ks_error_set(err, KS_EPARSE, "%s: %s: as-groups[%u] must be a string",
                                    f->path, what, i);
            c->impersonate_groups[c->nimpersonate_groups++] = adup(l->a, g->u.s, g->len);
        }
    } else if (groups && groups->kind != KV_NULL && groups->kind != KV_ARRAY) {
        return ks_error_set(err, KS_EPARSE, "%s: %s: as-groups must be a list", f->path, what);
    }
    return 0;
}

static void init_out(kube_client_config *c)
{
    memset(c, 0, sizeof(*c));
    ks_arena_init(&c->arena, NULL, 0);
}

static int fail(kube_client_config *c, int rc)
{
    kube_client_config_free(c);
    return rc;
}

int kube_config_in_cluster(const kube_load_opts *o, kube_client_config *c, ks_error *err)
{
    init_out(c);
    const char *host = env(o, "KUBERNETES_SERVICE_HOST"), *port = env(o, "KUBERNETES_SERVICE_PORT");
    if (!host || !port)
        return fail(c, ks_error_set(err, KS_ENOENT,
                                    "not in a cluster: KUBERNETES_SERVICE_HOST and "
                                    "KUBERNETES_SERVICE_PORT are not set"));
    const char *dir = o && o->sa_dir ? o->sa_dir : KUBE_SA_DIR;
    ks_arena *a = &c->arena;
    ks_buf b = KS_BUF_INIT;
    bool v6 = strchr(host, ':') != NULL;
    ks_buf_printf(&b, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
    c->server = adup(a, ks_buf_cstr(&b), b.len);
    ks_buf_reset(&b);
    ks_buf_printf(&b, "%s/token", dir);
    c->token_file = adup(a, ks_buf_cstr(&b), b.len);
    loader l = {.o = o, .c = c, .a = a};
    size_t len = 0;
    int rc = read_into(&l, c->token_file, "in-cluster service account token", &c->token, &len, err);
    while (rc == 0 && len && (c->token[len - 1] == '\n' || c->token[len - 1] == '\r'))
        c->token[--len] = '\0';
    if (rc == 0) {
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%s/ca.crt", dir);
        rc = read_into(&l, ks_buf_cstr(&b), "in-cluster service account CA", &c->ca_pem, &c->ca_len,
                       err);
    }
    if (rc == 0) {
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%s/namespace", dir);
        char *ns = NULL;
        len = 0;
        ks_error ignored;
        if (file_exists(ks_buf_cstr(&b)) &&
            read_into(&l, ks_buf_cstr(&b), "namespace", &ns, &len, &ignored) == 0) {
            while (len && (ns[len - 1] == '\n' || ns[len - 1] == ' '))
                ns[--len] = '\0';
            c->namespace = len ? ns : NULL;
        }
    }
    ks_buf_free(&b);
    if (rc)
        return fail(c, rc);
    if (!c->namespace)
        c->namespace = adup0(a, "default");
    c->source = adup0(a, "in-cluster");
    c->in_cluster = true;
    return 0;
}

int kube_config_load(const kube_load_opts *o, kube_client_config *c, ks_error *err)
{
    kube_load_opts none = {0};
    if (!o)
        o = &none;
    init_out(c);
    loader l = {.o = o, .c = c, .a = &c->arena};
    ks_buf src = KS_BUF_INIT;
    int rc = 0;
    const char *list = env(o, "KUBECONFIG");
    if (o->path) {
        rc = add_file(&l, o->path, err);
    } else if (list) {
        const char *p = list;
        while (rc == 0 && *p) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n) {
                char *one = adup(l.a, p, n);
                if (file_exists(one))
                    rc = add_file(&l, one, err);
            }
            p += n + (e ? 1 : 0);
        }
    } else if (env(o, "HOME")) {
        ks_buf_printf(&src, "%s/.kube/config", env(o, "HOME"));
        if (file_exists(ks_buf_cstr(&src)))
            rc = add_file(&l, ks_buf_cstr(&src), err);
        ks_buf_reset(&src);
    }
    if (rc) {
        ks_buf_free(&src);
        return fail(c, rc);
    }
    if (l.nfiles == 0) {
        ks_buf_free(&src);
        kube_client_config_free(c);
        if (!o->no_in_cluster && env(o, "KUBERNETES_SERVICE_HOST") &&
            env(o, "KUBERNETES_SERVICE_PORT"))
            return kube_config_in_cluster(o, c, err);
        init_out(c);
        return fail(c, ks_error_set(err, KS_ENOENT,
                                    "no kubeconfig: %s%s, and not running in a cluster "
                                    "(KUBERNETES_SERVICE_HOST is not set)",
                                    list ? "none of the files in KUBECONFIG exists"
                                         : "KUBECONFIG is not set and there is no ",
                                    list ? "" : "~/.kube/config"));
    }
    for (size_t i = 0; i < l.nfiles; i++)
        ks_buf_printf(&src, "%s%s", i ? ":" : "", l.files[i].path);
    c->source = adup(l.a, ks_buf_cstr(&src), src.len);
    ks_buf_free(&src);

    const char *ctx_name = o->context;
    for (size_t i = 0; !ctx_name && i < l.nfiles; i++)
        if ((rc = str_at(&l.files[i], &l.files[i].doc, "kubeconfig", "current-context", &ctx_name,
                         err)) != 0)
            return fail(c, rc);
    if (!ctx_name)
        return fail(c, ks_error_set(err, KS_ENOENT,
                                    "%s: no current-context is set and no context was given",
                                    c->source));
    const kv_value *ctx;
    const kc_file *f;
    if ((rc = find_entry(&l, "contexts", "context", ctx_name, &ctx, &f, err)) != 0)
        return fail(c, rc);
    char what[300];
    snprintf(what, sizeof what, "context \"%s\"", ctx_name);
    const char *cluster, *user, *ns;
    if ((rc = str_at(f, ctx, what, "cluster", &cluster, err)) != 0 ||
        (rc = str_at(f, ctx, what, "user", &user, err)) != 0 ||
        (rc = str_at(f, ctx, what, "namespace", &ns, err)) != 0)
        return fail(c, rc);
    if (!cluster)
        return fail(c, ks_error_set(err, KS_EINVAL, "%s: %s names no cluster", f->path, what));
    c->context = adup0(l.a, ctx_name);
    c->cluster = adup0(l.a, cluster);
    c->user = adup0(l.a, user);
    c->namespace = adup0(l.a, ns ? ns : "default");
    if ((rc = load_cluster(&l, cluster, err)) != 0 ||
        (user && (rc = load_user(&l, user, err)) != 0))
        return fail(c, rc);
    return 0;
}

void kube_client_config_free(kube_client_config *c)
{
    if (!c)
        return;
    ks_arena_free(&c->arena);
    memset(c, 0, sizeof(*c));
}
