/*
 * kube/client.h against real servers (run by tests/kube/client.sh):
 *
 *   kube_client_check cluster KUBECONFIG WORKDIR [RESTART_CMD]
 *     against the test control plane: version, create, 409, 404 with the
 *     Status message, paged LIST with selectors, a service-account token
 *     (tokenFile) refused by RBAC with kube-apiserver's 403 message, a
 *     kubeconfig with inline -data fields, tls-server-name right and wrong,
 *     an informer that sees a create, an update and a delete after its LIST,
 *     discovery with an unavailable APIService, a proxy-url (with
 *     KSO_TEST_PROXY and KSO_TEST_PROXY_LOG, tests/cli/forward_proxy.py),
 *     and (with RESTART_CMD, a shell command that restarts kube-apiserver)
 *     the changes made after the restart, once each.
 *   kube_client_check retry URL
 *     against tests/kube/flaky_server.py: 429 with Retry-After, 503 retried
 *     for GET and not for POST, the retry limit, the body limit, continue
 *     tokens escaped, 410 on an expired continue token; an informer through a
 *     stream end, a 410 ERROR event, a relist that differs from its cache, a
 *     429 and a repeated event: every change once, none lost.
 *
 * Prints "ok" or "FAIL" per check; exits 1 when any failed.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/file.h"
#include "kube/client.h"
#include "kube/discovery.h"
#include "kube/informer.h"

static int g_failed;

static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "ok  " : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    g_failed += !ok;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static kube_client *client_for(const char *kubeconfig, const kube_client_opts *o)
{
    kube_load_opts lo = {.path = kubeconfig, .no_in_cluster = true};
    kube_client_config cfg;
    ks_error err = {0};
    if (kube_config_load(&lo, &cfg, &err) != 0) {
        check(false, "load %s: %s", kubeconfig, err.msg);
        return NULL;
    }
    kube_client *c = NULL;
    if (kube_client_new(&cfg, o, &c, &err) != 0)
        check(false, "client for %s: %s", kubeconfig, err.msg);
    kube_client_config_free(&cfg);
    return c;
}

static int req(kube_client *c, const char *method, const char *path, const char *body,
               kube_response *r, ks_error *err)
{
    return kube_request(c, method, path, body ? "application/json" : NULL, body,
                        body ? strlen(body) : 0, r, err);
}

typedef struct pages {
    int pages, items, max_page;
} pages;

static int count_page(void *ctx, const kv_value *list, ks_error *err)
{
    (void)err;
    pages *p = ctx;
    const kv_value *items = kv_obj_get(list, "items", 5);
    int n = items && items->kind == KV_ARRAY ? (int)items->len : -1;
    p->pages++;
    p->items += n;
    if (n > p->max_page)
        p->max_page = n;
    return 0;
}

static void write_file(const char *path, const char *text)
{
    ks_error err;
    if (ks_file_write_atomic(path, text, strlen(text), 0600, &err) != 0)
        check(false, "write %s: %s", path, err.msg);
}

static char *b64_file(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    ks_error err;
    if (ks_file_read(path, 1 << 20, &data, &len, &err) != 0)
        return NULL;
    ks_buf b = KS_BUF_INIT;
    ks_base64_encode(&b, data, len, 0);
    free(data);
    return ks_buf_detach(&b, NULL);
}

static int count_private_dirs(void)
{
    const char *t = getenv("TMPDIR");
    DIR *d = opendir(t && *t ? t : "/tmp");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, "kso-kube-", 9) == 0;
    if (d)
        closedir(d);
    return n;
}

/* ---- informer runs in a thread, its changes logged ---- */

typedef struct inf_run {
    kube_informer inf;
    kube_client *c;
    kube_informer_opts o;
    atomic_bool stop;
    pthread_mutex_t mu;
    ks_buf log; /* "ADDED ns/a\n..." */
    int changes, synced;
    const char *stop_at; /* a log line that stops the informer */
    int rc;
    ks_error err;
    pthread_t th;
} inf_run;

static int on_change(void *ctx, kube_change ch, const char *key, const kv_value *obj, ks_error *err)
{
    (void)obj, (void)err;
    inf_run *r = ctx;
    static const char *const names[] = {"", "ADDED", "MODIFIED", "DELETED"};
    char line[600];
    snprintf(line, sizeof line, "%s %s", names[ch], key);
    pthread_mutex_lock(&r->mu);
    ks_buf_printf(&r->log, "%s\n", line);
    r->changes++;
    pthread_mutex_unlock(&r->mu);
    if (r->stop_at && strcmp(line, r->stop_at) == 0)
        atomic_store(&r->stop, true);
    return 0;
}

static void on_synced(void *ctx)
{
    inf_run *r = ctx;
    pthread_mutex_lock(&r->mu);
    ks_buf_puts(&r->log, "SYNCED\n");
    r->synced = 1;
    pthread_mutex_unlock(&r->mu);
}

static void *inf_main(void *arg)
{
    inf_run *r = arg;
    r->rc = kube_informer_run(&r->inf, r->c, &r->o, &r->stop, &r->err);
    return NULL;
}

static void inf_start(inf_run *r, kube_client *c, const char *path, const char *stop_at)
{
    memset(r, 0, sizeof(*r));
    kube_informer_init(&r->inf);
    pthread_mutex_init(&r->mu, NULL);
    ks_buf_init(&r->log, 0);
    r->c = c;
    r->stop_at = stop_at;
    r->o = (kube_informer_opts){.path = path,
                                .page_limit = 2,
                                .watch_timeout_s = 60,
                                .max_backoff_ms = 2000,
                                .fn = on_change,
                                .ctx = r,
                                .synced = on_synced};
    pthread_create(&r->th, NULL, inf_main, r);
}

/* Waits until n changes were reported (or 30 s). */
static bool inf_wait(inf_run *r, int n)
{
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&r->mu);
        int have = r->changes;
        pthread_mutex_unlock(&r->mu);
        if (have >= n)
            return true;
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void inf_stop(inf_run *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->th, NULL);
}

static void inf_free(inf_run *r)
{
    kube_informer_free(&r->inf);
    ks_buf_free(&r->log);
    pthread_mutex_destroy(&r->mu);
}

/* ---- discovery ---- */

typedef struct disc {
    int resources, sub, failed;
    bool pods, deployments, clusterroles, broken;
} disc;

static int on_resource(void *ctx, const kube_api_resource *r, const char *gv,
                       const ks_error *failure, ks_error *err)
{
    (void)err;
    disc *d = ctx;
    if (!r) {
        d->failed++;
        d->broken |= strcmp(gv, "broken.example.com/v1") == 0 && failure && failure->msg[0];
        return 0;
    }
    d->resources++;
    d->sub += strchr(r->resource, '/') != NULL;
    d->pods |= !*r->group && strcmp(r->resource, "pods") == 0 && strcmp(r->kind, "Pod") == 0 &&
               r->namespaced && r->listable && r->preferred;
    d->deployments |= strcmp(r->group, "apps") == 0 && strcmp(r->version, "v1") == 0 &&
                      strcmp(r->kind, "Deployment") == 0 && r->namespaced;
    d->clusterroles |= strcmp(r->group, "rbac.authorization.k8s.io") == 0 &&
                       strcmp(r->resource, "clusterroles") == 0 && !r->namespaced;
    return 0;
}

static void cluster(const char *kubeconfig, const char *work, const char *restart)
{
    kube_client *c = client_for(kubeconfig, NULL);
    if (!c)
        return;
    kube_response r;
    ks_error err = {0};
    int rc = req(c, "GET", "/version", NULL, &r, &err);
    check(rc == 0 && strstr(ks_buf_cstr(&r.body), "\"gitVersion\""), "GET /version: %s",
          rc ? err.msg : "200");
    kube_response_free(&r);

    const char *ns =
            "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"kc\"}}";
    rc = req(c, "POST", "/api/v1/namespaces", ns, &r, &err);
    check(rc == 0 && r.status == 201, "create namespace: %ld %s", r.status, rc ? err.msg : "");
    kube_response_free(&r);
    rc = req(c, "POST", "/api/v1/namespaces", ns, &r, &err);
    check(rc == KS_EEXIST && r.status == 409 && strcmp(r.reason, "AlreadyExists") == 0 &&
                  strstr(err.msg, "POST /api/v1/namespaces: 409 AlreadyExists: namespaces \"kc\" "
                                  "already exists"),
          "create again: 409 AlreadyExists (%s)", err.msg);
    check(kube_client_last_status(c) == 409, "the client's last status: %ld",
          kube_client_last_status(c));
    kube_response_free(&r);

    char body[512], path[256];
    for (int i = 0; i < 23; i++) {
        snprintf(body, sizeof body,
                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-%02d\","
                 "\"labels\":{\"i\":\"%d\",\"group\":\"%s\"}},\"data\":{\"k\":\"v\"}}",
                 i, i, i % 2 ? "odd" : "even");
        rc = req(c, "POST", "/api/v1/namespaces/kc/configmaps", body, &r, &err);
        kube_response_free(&r);
        if (rc) {
            check(false, "create configmap %d: %s", i, err.msg);
            break;
        }
    }
    pages p = {0};
    rc = kube_list(c, "/api/v1/namespaces/kc/configmaps?labelSelector=group", 5, count_page, &p,
                   &err);
    check(rc == 0 && p.items == 23 && p.pages == 5 && p.max_page == 5,
          "paged LIST: %d items in %d pages of at most %d (%s)", p.items, p.pages, p.max_page,
          rc ? err.msg : "");
    p = (pages){0};
    rc = kube_list(c, "/api/v1/namespaces/kc/configmaps?labelSelector=group%3Dodd", 4, count_page,
                   &p, &err);
    check(rc == 0 && p.items == 11 && p.pages == 3, "paged LIST with a selector: %d in %d pages",
          p.items, p.pages);

    /* the four patch formats on one object, then its data as they left it */
    static const struct {
        kube_patch_type type;
        const char *path, *body;
    } patches[] = {
            {KUBE_PATCH_MERGE, "", "{\"data\":{\"merge\":\"1\",\"k\":null}}"},
            {KUBE_PATCH_JSON, "", "[{\"op\":\"add\",\"path\":\"/data/json\",\"value\":\"2\"}]"},
            {KUBE_PATCH_STRATEGIC, "", "{\"data\":{\"strategic\":\"3\"}}"},
            {KUBE_PATCH_APPLY, "?fieldManager=kc-test",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-22, namespace: kc}\n"
             "data: {apply: \"4\"}\n"},
    };
    rc = 0;
    for (size_t i = 0; i < sizeof patches / sizeof *patches && rc == 0; i++) {
        snprintf(path, sizeof path, "/api/v1/namespaces/kc/configmaps/cm-22%s", patches[i].path);
        rc = kube_request_patch(c, path, patches[i].type, patches[i].body, strlen(patches[i].body),
                                &r, &err);
        kube_response_free(&r);
    }
    rc = rc ? rc : req(c, "GET", "/api/v1/namespaces/kc/configmaps/cm-22", NULL, &r, &err);
    check(rc == 0 && strstr(ks_buf_cstr(&r.body),
                            "\"data\":{\"apply\":\"4\",\"json\":\"2\",\"merge\":\"1\","
                            "\"strategic\":\"3\"}"),
          "merge, JSON, strategic and apply patches: %s", rc ? err.msg : ks_buf_cstr(&r.body));
    kube_response_free(&r);
    rc = kube_request_patch(c, "/api/v1/namespaces/kc/configmaps/cm-22", KUBE_PATCH_JSON,
                            "[{\"op\":\"test\",\"path\":\"/data/json\",\"value\":\"x\"}]", 47, &r,
                            &err);
    check(rc == KS_EIO && r.status == 422, "a JSON patch whose test fails: 422 (%s)", err.msg);
    kube_response_free(&r);

    /* an informer over the 23: synced, then a create, an update, a delete */
    kube_client *ic = client_for(kubeconfig, NULL);
    inf_run ir;
    inf_start(&ir, ic, "/api/v1/namespaces/kc/configmaps?labelSelector=group", NULL);
    bool synced = inf_wait(&ir, 23);
    rc = req(c, "POST", "/api/v1/namespaces/kc/configmaps",
             "{\"metadata\":{\"name\":\"late\",\"labels\":{\"group\":\"x\"}}}", &r, &err);
    kube_response_free(&r);
    rc = rc ? rc
            : req(c, "PUT", "/api/v1/namespaces/kc/configmaps/cm-00",
                  "{\"metadata\":{\"name\":\"cm-00\",\"labels\":{\"group\":\"even\"}},"
                  "\"data\":{\"k\":\"changed\"}}",
                  &r, &err);
    kube_response_free(&r);
    rc = rc ? rc : req(c, "DELETE", "/api/v1/namespaces/kc/configmaps/cm-01", NULL, &r, &err);
    kube_response_free(&r);
    bool all = inf_wait(&ir, 26);
    /* kube-apiserver stopped and started again under the watch: the
     * informer resumes from its resourceVersion and misses nothing */
    bool restarted = !restart || system(restart) == 0;
    if (restart) {
        rc = rc ? rc
                : req(c, "POST", "/api/v1/namespaces/kc/configmaps",
                      "{\"metadata\":{\"name\":\"after\",\"labels\":{\"group\":\"x\"}}}", &r, &err);
        kube_response_free(&r);
        rc = rc ? rc : req(c, "DELETE", "/api/v1/namespaces/kc/configmaps/cm-02", NULL, &r, &err);
        kube_response_free(&r);
        all = all && inf_wait(&ir, 28);
        struct timespec settle = {1, 0}; /* a repeat would arrive now */
        nanosleep(&settle, NULL);
    }
    inf_stop(&ir);
    const char *log = ks_buf_cstr(&ir.log);
    check(rc == 0 && synced && all && ir.rc == 0 && ir.changes == (restart ? 28 : 26) &&
                  strstr(log, "SYNCED\nADDED kc/late\nMODIFIED kc/cm-00\nDELETED kc/cm-01\n") &&
                  ir.inf.cache.count == 23,
          "informer: 23 added, synced, then added, modified, deleted (%d changes, %zu cached, "
          "%s)",
          ir.changes, ir.inf.cache.count, ir.rc ? ir.err.msg : "ok");
    if (restart)
        check(restarted && strstr(log, "DELETED kc/cm-01\nADDED kc/after\nDELETED kc/cm-02\n") &&
                      ir.inf.stats.errors >= 1,
              "informer across a kube-apiserver restart: the changes after it, once each "
              "(%ld failed watch attempts, %ld LISTs)",
              ir.inf.stats.errors, ir.inf.stats.lists);
    inf_free(&ir);
    kube_client_free(ic);

    rc = req(c, "GET", "/api/v1/namespaces/kc/configmaps/nope", NULL, &r, &err);
    check(rc == KS_ENOENT && r.status == 404 && strcmp(r.reason, "NotFound") == 0 &&
                  strcmp(r.message, "configmaps \"nope\" not found") == 0 && r.attempts == 1,
          "404 NotFound with the Status message (%s)", err.msg);
    kube_response_free(&r);

    /* a service account's token, from a tokenFile: RBAC refuses it */
    rc = req(c, "POST", "/api/v1/namespaces/kc/serviceaccounts",
             "{\"metadata\":{\"name\":\"scanner\"}}", &r, &err);
    kube_response_free(&r);
    rc = rc ? rc
            : req(c, "POST", "/api/v1/namespaces/kc/serviceaccounts/scanner/token",
                  "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
                  "\"spec\":{\"expirationSeconds\":3600}}",
                  &r, &err);
    const char *tok = rc == 0 ? strstr(ks_buf_cstr(&r.body), "\"token\":\"") : NULL;
    check(tok != NULL, "token request: %s", rc ? err.msg : "");
    if (tok) {
        tok += 9;
        char token[4096];
        snprintf(token, sizeof token, "%.*s\n", (int)strcspn(tok, "\""), tok);
        char tf[512], kc[512], cfgtext[2048];
        snprintf(tf, sizeof tf, "%s/sa-token", work);
        write_file(tf, token);
        kube_load_opts lo = {.path = kubeconfig, .no_in_cluster = true};
        kube_client_config cfg;
        kube_config_load(&lo, &cfg, &err);
        snprintf(kc, sizeof kc, "%s/sa.kubeconfig", work);
        snprintf(cfgtext, sizeof cfgtext,
                 "apiVersion: v1\nkind: Config\ncurrent-context: sa\n"
                 "clusters: [{name: k, cluster: {server: '%s', certificate-authority: '%s'}}]\n"
                 "users: [{name: sa, user: {tokenFile: sa-token}}]\n"
                 "contexts: [{name: sa, context: {cluster: k, user: sa, namespace: kc}}]\n",
                 cfg.server, cfg.ca_file);
        kube_client_config_free(&cfg);
        write_file(kc, cfgtext);
        kube_client *sa = client_for(kc, NULL);
        kube_response_free(&r);
        rc = sa ? req(sa, "GET", "/api/v1/namespaces/kc/configmaps", NULL, &r, &err) : -1;
        check(rc == KS_EIO && r.status == 403 && strcmp(r.reason, "Forbidden") == 0 &&
                      strstr(r.message, "User \"system:serviceaccount:kc:scanner\" cannot list "
                                        "resource \"configmaps\""),
              "service-account token from tokenFile: 403 Forbidden (%s)", err.msg);
        kube_client_free(sa);
    }
    kube_response_free(&r);

    /* the admin's credentials inline; the right and a wrong tls-server-name */
    kube_load_opts lo = {.path = kubeconfig, .no_in_cluster = true};
    kube_client_config cfg;
    if (kube_config_load(&lo, &cfg, &err) == 0) {
        char *ca = b64_file(cfg.ca_file), *crt = b64_file(cfg.cert_file),
             *key = b64_file(cfg.key_file);
        for (int k = 0; k < 2; k++) {
            ks_buf t = KS_BUF_INIT;
            ks_buf_printf(&t,
                          "current-context: x\n"
                          "clusters: [{name: k, cluster: {server: '%s', tls-server-name: %s, "
                          "certificate-authority-data: %s}}]\n"
                          "users: [{name: u, user: {client-certificate-data: %s, "
                          "client-key-data: %s}}]\n"
                          "contexts: [{name: x, context: {cluster: k, user: u}}]\n",
                          cfg.server, k ? "wrong.example" : "kubernetes.default", ca, crt, key);
            snprintf(path, sizeof path, "%s/inline.kubeconfig", work);
            write_file(path, ks_buf_cstr(&t));
            ks_buf_free(&t);
            int before = count_private_dirs();
            kube_client_opts o = {.max_retries = -1};
            kube_client *in = client_for(path, &o);
            bool made = count_private_dirs() == before + 1;
            rc = in ? req(in, "GET", "/api/v1/namespaces/kc", NULL, &r, &err) : -1;
            if (k == 0)
                check(rc == 0 && made, "inline -data credentials and tls-server-name (%s)",
                      rc ? err.msg : "200");
            else
                check(rc == KS_EIO && r.status == 0,
                      "a tls-server-name the certificate does not name fails TLS (%s)", err.msg);
            kube_response_free(&r);
            kube_client_free(in);
            check(count_private_dirs() == before, "the private PEM directory is removed");
        }
        free(ca);
        free(crt);
        free(key);
        kube_client_config_free(&cfg);
    }

    /* discovery, with an APIService whose server is not there */
    rc = req(c, "POST", "/apis/apiregistration.k8s.io/v1/apiservices",
             "{\"metadata\":{\"name\":\"v1.broken.example.com\"},\"spec\":{\"group\":"
             "\"broken.example.com\",\"version\":\"v1\",\"groupPriorityMinimum\":100,"
             "\"versionPriority\":10,\"insecureSkipTLSVerify\":true,\"service\":{"
             "\"namespace\":\"kc\",\"name\":\"none\",\"port\":443}}}",
             &r, &err);
    kube_response_free(&r);
    disc d = {0};
    int drc = kube_discover(c, on_resource, &d, &err);
    check(rc == 0 && drc == 0 && d.resources > 40 && d.sub == 0 && d.pods && d.deployments &&
                  d.clusterroles && d.broken,
          "discovery: %d resources, pods, deployments and clusterroles as served, no "
          "subresources, the unavailable group reported (%d) and passed (%s)",
          d.resources, d.failed, drc ? err.msg : "ok");

    /* the cluster's proxy-url: the connection is tunnelled through it,
     * whatever NO_PROXY says */
    const char *proxy = getenv("KSO_TEST_PROXY"), *proxy_log = getenv("KSO_TEST_PROXY_LOG");
    if (proxy && proxy_log && kube_config_load(&lo, &cfg, &err) == 0) {
        ks_buf t = KS_BUF_INIT;
        ks_buf_printf(&t,
                      "current-context: x\n"
                      "clusters: [{name: k, cluster: {server: '%s', proxy-url: '%s', "
                      "certificate-authority: '%s'}}]\n"
                      "users: [{name: u, user: {client-certificate: '%s', client-key: '%s'}}]\n"
                      "contexts: [{name: x, context: {cluster: k, user: u}}]\n",
                      cfg.server, proxy, cfg.ca_file, cfg.cert_file, cfg.key_file);
        snprintf(path, sizeof path, "%s/proxy.kubeconfig", work);
        write_file(path, ks_buf_cstr(&t));
        ks_buf_free(&t);
        setenv("NO_PROXY", "127.0.0.1,localhost", 1);
        kube_client *pc = client_for(path, NULL);
        rc = pc ? req(pc, "GET", "/version", NULL, &r, &err) : -1;
        kube_response_free(&r);
        kube_client_free(pc);
        unsetenv("NO_PROXY");
        char *plog = NULL;
        size_t plen = 0;
        ks_error perr;
        const char *hostport = strstr(cfg.server, "://");
        bool tunnelled = ks_file_read(proxy_log, 1 << 20, &plog, &plen, &perr) == 0 && hostport &&
                         strstr(plog, "CONNECT") && strstr(plog, hostport + 3);
        check(rc == 0 && tunnelled, "proxy-url: the request went through the proxy (%s)",
              rc ? err.msg : (plog ? plog : "no proxy log"));
        free(plog);
        kube_client_config_free(&cfg);
    }

    rc = req(c, "DELETE", "/api/v1/namespaces/kc", NULL, &r, &err);
    check(rc == 0, "delete namespace: %s", rc ? err.msg : "");
    kube_response_free(&r);
    kube_client_free(c);
}

static void retry(const char *url)
{
    kube_client_config cfg = {.server = (char *)url};
    kube_client_opts o = {.max_body = 1 << 20, .max_backoff_ms = 3000};
    kube_client *c = NULL;
    ks_error err = {0};
    if (kube_client_new(&cfg, &o, &c, &err) != 0) {
        check(false, "client: %s", err.msg);
        return;
    }
    kube_response r;
    double t0 = now_s();
    int rc = req(c, "GET", "/r429", NULL, &r, &err);
    double dt = now_s() - t0;
    check(rc == 0 && r.attempts == 3 && dt >= 1.9 && strcmp(ks_buf_cstr(&r.body), "done") == 0,
          "429 with Retry-After: 1 twice, then 200: %d attempts in %.1f s", r.attempts, dt);
    kube_response_free(&r);
    rc = req(c, "GET", "/r503", NULL, &r, &err);
    check(rc == 0 && r.attempts == 2, "503 on a GET is retried: %d attempts", r.attempts);
    kube_response_free(&r);
    rc = req(c, "POST", "/p503", "{}", &r, &err);
    check(rc == KS_EIO && r.attempts == 1 && r.status == 503 &&
                  strstr(err.msg, "503 ServiceUnavailable: try later"),
          "503 on a POST without Retry-After is not: %d attempt (%s)", r.attempts, err.msg);
    kube_response_free(&r);
    kube_client_free(c);

    o.max_retries = 2;
    o.max_backoff_ms = 200;
    kube_client_new(&cfg, &o, &c, &err);
    rc = req(c, "GET", "/always429", NULL, &r, &err);
    check(rc == KS_EIO && r.attempts == 3 && r.status == 429 && r.retry_after_s == 30,
          "retries end after max_retries: %d attempts, Retry-After capped (%s)", r.attempts,
          err.msg);
    kube_response_free(&r);
    rc = req(c, "GET", "/big", NULL, &r, &err);
    check(rc == KS_ELIMIT, "a body over max_body: %s", err.msg);
    kube_response_free(&r);
    pages p = {0};
    rc = kube_list(c, "/list", 2, count_page, &p, &err);
    check(rc == 0 && p.pages == 3 && p.items == 5, "continue tokens followed and escaped: %d/%d %s",
          p.pages, p.items, rc ? err.msg : "");
    p = (pages){0};
    rc = kube_list(c, "/gone", 2, count_page, &p, &err);
    check(rc == KS_ERANGE && p.pages == 1 && strstr(err.msg, "410 Expired"),
          "an expired continue token is an error: %s", err.msg);

    /* the informer through a stream end, a 410 ERROR event, a relist that
     * differs from the cache, a 429 and a repeated ADDED */
    inf_run ir;
    double t1 = now_s();
    inf_start(&ir, c, "/w", "MODIFIED ns/d");
    inf_wait(&ir, 8);
    bool stopped = atomic_load(&ir.stop);
    inf_stop(&ir);
    static const char want[] = "ADDED ns/a\nADDED ns/b\nSYNCED\nADDED ns/c\nMODIFIED ns/a\n"
                               "DELETED ns/b\nMODIFIED ns/c\nADDED ns/d\nMODIFIED ns/d\n";
    check(stopped && ir.rc == 0 && strcmp(ks_buf_cstr(&ir.log), want) == 0 &&
                  ir.inf.stats.lists == 2 && ir.inf.stats.expired == 1 &&
                  ir.inf.stats.errors == 1 && ir.inf.cache.count == 3 && now_s() - t1 >= 0.9,
          "informer: resumes, relists on 410 with the difference, waits out a 429, skips a "
          "repeat:\n%s(lists %ld, expired %ld, errors %ld, %zu cached; %s)",
          ks_buf_cstr(&ir.log), ir.inf.stats.lists, ir.inf.stats.expired, ir.inf.stats.errors,
          ir.inf.cache.count, ir.rc ? ir.err.msg : "ok");
    const char *d = kube_informer_get(&ir.inf, "ns/d", NULL);
    check(d && strstr(d, "\"resourceVersion\":\"8\"") && !kube_informer_get(&ir.inf, "ns/b", NULL),
          "the cache holds the last state of ns/d and not ns/b");
    inf_free(&ir);
    kube_client_free(c);
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "cluster") == 0)
        cluster(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    else if (argc == 3 && strcmp(argv[1], "retry") == 0)
        retry(argv[2]);
    else {
        fprintf(stderr,
                "usage: kube_client_check cluster KUBECONFIG WORKDIR [RESTART_CMD] | retry URL\n");
        return 2;
    }
    printf("kube_client_check: %d failed\n", g_failed);
    return g_failed ? 1 : 0;
}
