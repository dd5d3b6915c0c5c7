/* Round trips over a corpus of Kubernetes manifests and API responses
 * (tests/data/k8s/), and over large and deep documents built here:
 *
 *   YAML (every document) -> value -> JSON compact / pretty -> value: equal
 *   canonical JSON: the same bytes written twice and after a re-read
 *   JSON files: kv_json_parse equals kv_yaml_parse of the same text
 *   kv_yaml_write -> kv_yaml_parse: equal, and the written text is stable
 *
 * Set KS_ROUNDTRIP_EXTRA_DIR to also run every file of another directory
 * (for example the output of tests/data/k8s/gen-large). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "testutil.h"

typedef struct docs {
    kv_value *v;
    kv_yaml_doc *info;
    size_t n, vcap, icap;
} docs;

static int collect(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    docs *d = ctx;
    d->v = ks_grow_array(d->v, &d->vcap, d->n + 1, sizeof(*d->v));
    d->info = ks_grow_array(d->info, &d->icap, d->n + 1, sizeof(*d->info));
    d->v[d->n] = *doc;
    d->info[d->n] = *info;
    d->n++;
    return 0;
}

static void docs_free(docs *d)
{
    ks_xfree(d->v);
    ks_xfree(d->info);
    free(d);
}

/* Reads every document of text into out (emptied first). */
static void read_stream(ks_arena *a, const char *name, const char *text, size_t len, docs *out)
{
    out->n = 0;
    kv_yaml_opts o = {.source = name};
    ks_error err;
    ks_error_clear(&err);
    int rc = kv_yaml_parse_stream(a, text, len, &o, collect, out, &err);
    if (rc) {
        ks_buf m = KS_BUF_INIT;
        ks_error_format(&err, &m);
        fail_msg("%s: %s", name, ks_buf_cstr(&m));
    }
}

static char *write_json(const kv_value *v, unsigned flags, size_t *len)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kv_json_write(&b, v, flags);
    if (rc)
        fail_msg("kv_json_write: %d", rc);
    return ks_buf_detach(&b, len);
}

static char *write_yaml(const kv_value *v, size_t *len)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kv_yaml_write(&b, v, 0);
    if (rc)
        fail_msg("kv_yaml_write: %d", rc);
    return ks_buf_detach(&b, len);
}

static kv_value reread_json(ks_arena *a, const char *what, const char *text, size_t len)
{
    kv_value v;
    ks_error err;
    ks_error_clear(&err);
    if (kv_json_parse(a, text, len, NULL, &v, &err) != 0)
        fail_msg("%s: written JSON does not parse at %d:%d: %s", what, err.line, err.col, err.msg);
    return v;
}

/* Every round trip of one value. */
static void roundtrip_value(ks_arena *a, const kv_value *doc, const char *what)
{
    static const unsigned forms[] = {0, KV_JSON_PRETTY, KV_JSON_INDENT(4), KV_JSON_ESCAPE_HTML,
                                     KV_JSON_PRETTY | KV_JSON_ESCAPE_HTML};
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        size_t n;
        char *text = write_json(doc, forms[f], &n);
        kv_value back = reread_json(a, what, text, n);
        if (!kv_equal(&back, doc))
            fail_msg("%s: JSON (flags 0x%x) reads back different", what, forms[f]);
        assert_true(kv_hash(&back) == kv_hash(doc));
        ks_xfree(text);
    }

    /* Canonical JSON is byte-stable. */
    size_t n1, n2, n3;
    char *c1 = write_json(doc, KV_JSON_CANONICAL, &n1);
    char *c2 = write_json(doc, KV_JSON_CANONICAL, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(c1, c2, n1);
    kv_value back = reread_json(a, what, c1, n1);
    assert_true(kv_equal(&back, doc));
    char *c3 = write_json(&back, KV_JSON_CANONICAL, &n3);
    if (n1 != n3 || memcmp(c1, c3, n1) != 0)
        fail_msg("%s: canonical JSON changes after a re-read", what);
    ks_xfree(c1);
    ks_xfree(c2);
    ks_xfree(c3);

    /* YAML out and in; the written text is a fixed point. */
    size_t y1n, y2n;
    char *y1 = write_yaml(doc, &y1n);
    kv_value yback;
    ks_error err;
    ks_error_clear(&err);
    kv_yaml_opts o = {.source = "written"};
    if (kv_yaml_parse(a, y1, y1n, &o, &yback, &err) != 0)
        fail_msg("%s: written YAML does not read back at %d:%d: %s\n%.2000s", what, err.line,
                 err.col, err.msg, y1);
    if (!kv_equal(&yback, doc))
        fail_msg("%s: written YAML reads back different", what);
    char *y2 = write_yaml(&yback, &y2n);
    assert_int_equal(y1n, y2n);
    assert_memory_equal(y1, y2, y1n);
    ks_xfree(y1);
    ks_xfree(y2);

    kv_value clone;
    assert_int_equal(kv_clone(a, doc, &clone), 0);
    assert_true(kv_equal(&clone, doc));
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Reads a file of the corpus and runs every round trip; returns the number
 * of documents. */
static size_t roundtrip_file(const char *path, const char *name)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    size_t len;
    char *text = tu_read_fixture(path, &len);
    docs *d = calloc(1, sizeof(*d));
    read_stream(&a, name, text, len, d);
    if (d->n == 0)
        fail_msg("%s: no documents", name);
    for (size_t i = 0; i < d->n; i++) {
        char what[300];
        snprintf(what, sizeof(what), "%s document %zu (line %d)", name, i, d->info[i].line);
        assert_int_equal(d->info[i].index, i);
        assert_true(d->info[i].line >= 1);
        if (d->info[i].empty) {
            assert_int_equal(d->v[i].kind, KV_NULL);
            continue;
        }
        roundtrip_value(&a, &d->v[i], what);
    }

    /* All documents as one JSON stream, read back with kv_json_parse_next. */
    ks_buf stream = KS_BUF_INIT;
    for (size_t i = 0; i < d->n; i++) {
        kv_json_write(&stream, &d->v[i], i % 2 ? KV_JSON_PRETTY : 0);
        ks_buf_putc(&stream, '\n');
    }
    size_t pos = 0, k = 0;
    kv_value v;
    ks_error err;
    int rc;
    while ((rc = kv_json_parse_next(&a, stream.data, stream.len, &pos, NULL, &v, &err)) == 0) {
        assert_true(k < d->n);
        if (!kv_equal(&v, &d->v[k]))
            fail_msg("%s: document %zu differs in a JSON stream", name, k);
        k++;
    }
    assert_int_equal(rc, KS_ENOENT);
    assert_int_equal(k, d->n);
    ks_buf_free(&stream);

    /* JSON is YAML: both readers agree on JSON files. */
    if (has_suffix(name, ".json")) {
        kv_json_opts jo = {.source = name};
        ks_error_clear(&err);
        if (kv_json_parse(&a, text, len, &jo, &v, &err) != 0)
            fail_msg("%s: %s", name, err.msg);
        assert_int_equal(d->n, 1);
        if (!kv_equal(&v, &d->v[0]))
            fail_msg("%s: kv_json_parse and kv_yaml_parse disagree", name);
    }
    size_t n = d->n;
    docs_free(d);
    ks_xfree(text);
    ks_arena_free(&a);
    return n;
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Runs every .yaml, .yml and .json file of dir, in name order. Returns
 * the number of files. */
static size_t roundtrip_dir(const char *dir, size_t *ndocs)
{
    DIR *dp = opendir(dir);
    if (!dp)
        fail_msg("cannot open %s", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!has_suffix(de->d_name, ".yaml") && !has_suffix(de->d_name, ".yml") &&
            !has_suffix(de->d_name, ".json"))
            continue;
        if (n == cap)
            names = ks_grow_array(names, &cap, n + 1, sizeof(*names));
        names[n++] = ks_xstrndup(de->d_name, strlen(de->d_name));
    }
    closedir(dp);
    if (n == 0)
        fail_msg("%s: no .yaml, .yml or .json files", dir);
    qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        *ndocs += roundtrip_file(path, names[i]);
        ks_xfree(names[i]);
    }
    ks_xfree(names);
    return n;
}

static void test_corpus(void **state)
{
    (void)state;
    size_t ndocs = 0;
    size_t nfiles = roundtrip_dir(KS_TEST_DATA_DIR "/k8s", &ndocs);
    assert_true(nfiles >= 17);
    assert_true(ndocs >= 30);
    const char *extra = getenv("KS_ROUNDTRIP_EXTRA_DIR");
    if (extra && *extra)
        roundtrip_dir(extra, &ndocs);
}

/* ---- what the corpus holds, checked value by value ---- */

static docs *load(ks_arena *a, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "k8s/%s", name);
    size_t len;
    char *text = tu_read_fixture(rel, &len);
    docs *d = calloc(1, sizeof(*d));
    read_stream(a, name, text, len, d);
    /* Values point into the arena, not into the text. */
    memset(text, 0, len);
    ks_xfree(text);
    return d;
}

static const kv_value *at(const kv_value *v, const char *path)
{
    const kv_value *r = kv_path(v, path);
    if (!r)
        fail_msg("no %s", path);
    return r;
}

static void expect_str(const kv_value *v, const char *path, const char *want)
{
    const kv_value *s = at(v, path);
    if (s->kind != KV_STRING || s->len != strlen(want) || memcmp(s->u.s, want, s->len) != 0) {
        char *got = tu_to_json(s, 0);
        fail_msg("%s: want \"%s\", got %s", path, want, got);
    }
}

static void expect_int(const kv_value *v, const char *path, int64_t want)
{
    int64_t i;
    const kv_value *n = at(v, path);
    if (!kv_num_int64(n, &i) || i != want) {
        char *got = tu_to_json(n, 0);
        fail_msg("%s: want %lld, got %s", path, (long long)want, got);
    }
}

static void expect_bool(const kv_value *v, const char *path, bool want)
{
    const kv_value *b = at(v, path);
    if (b->kind != KV_BOOL || b->u.b != want)
        fail_msg("%s: want %s", path, want ? "true" : "false");
}

static void test_manifest_values(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);

    docs *d = load(&a, "deployment.yaml");
    assert_int_equal(d->n, 1);
    const kv_value *dep = &d->v[0];
    expect_str(dep, "kind", "Deployment");
    expect_int(dep, "spec.replicas", 3);
    expect_str(dep, "metadata.labels.app\\.kubernetes\\.io/version", "2.14.0");
    expect_str(dep, "spec.strategy.rollingUpdate.maxSurge", "25%");
    expect_int(dep, "spec.strategy.rollingUpdate.maxUnavailable", 0);
    /* 0644 is octal, as Kubernetes reads it. */
    expect_int(dep, "spec.template.spec.volumes[1].configMap.defaultMode", 420);
    expect_str(dep, "spec.template.spec.containers[0].env[4].value", "false");
    expect_str(dep, "spec.template.spec.containers[0].resources.limits.cpu", "1");
    expect_str(dep, "spec.template.spec.containers[0].readinessProbe.httpGet.port", "http");
    expect_int(dep, "spec.template.spec.containers[0].livenessProbe.httpGet.port", 8080);
    expect_str(dep, "spec.template.spec.containers[0].lifecycle.preStop.exec.command[2]",
               "sleep 10");
    expect_bool(dep, "spec.template.spec.automountServiceAccountToken", false);
    expect_str(dep,
               "spec.template.spec.affinity.podAntiAffinity."
               "preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm."
               "labelSelector.matchExpressions[0].values[0]",
               "storefront");
    docs_free(d);

    d = load(&a, "statefulset.yaml");
    expect_int(&d->v[0], "spec.template.spec.volumes[0].configMap.defaultMode", 493);
    expect_str(&d->v[0], "spec.volumeClaimTemplates[0].spec.resources.requests.storage", "50Gi");
    docs_free(d);

    d = load(&a, "configmap.yaml");
    const kv_value *cm = &d->v[0];
    expect_str(cm, "data.app\\.yaml",
               "server:\n  listen: \":8080\"\n  readTimeout: 15s\nfeatures:\n  checkout-v2: true\n"
               "  search-suggest: false\n# comment inside the data is data\nupstreams:\n"
               "  - http://orders-api.shop.svc:8080\n  - http://search.shop.svc:9200\n");
    const kv_value *nginx = at(cm, "data.nginx\\.conf");
    assert_true(nginx->len > 100 && nginx->u.s[nginx->len - 1] == '}');
    expect_str(cm, "data.motd",
               "Welcome to the storefront. Maintenance every Sunday 02:00-04:00 UTC.\n"
               "Contact: sre@example.com\n");
    expect_str(cm, "data.keep-trailing", "two trailing newlines follow\n\n");
    expect_str(cm, "data.log\\.properties", "log.level=INFO\nlog.format=json\nlog.sampling=0.25\n");
    expect_str(cm, "data.yes-is-a-string", "yes");
    expect_str(cm, "data.tilde-string", "~");
    expect_str(cm, "data.empty", "");
    expect_str(cm, "data.unicode",
               "Gr\xc3\xbc\xc3\x9f"
               "e, \xe4\xb8\x96\xe7\x95\x8c \xe2\x80\x94 \xe2\x9c\x93");
    expect_str(cm, "data.with-tabs", "col1\tcol2\tcol3");
    expect_bool(cm, "immutable", false);
    docs_free(d);

    d = load(&a, "cronjob.yaml");
    expect_str(&d->v[0], "spec.schedule", "30 2 * * 1-5");
    expect_str(&d->v[0], "spec.jobTemplate.spec.template.spec.containers[0].command[2]",
               "echo \"starting report for $(date -u +%F)\"\npython3 -m report \\\n"
               "  --since=24h \\\n  --output=s3://reports/nightly/\necho done\n");
    expect_str(&d->v[0], "spec.jobTemplate.spec.template.spec.containers[0].env[1].value", "no");
    docs_free(d);

    d = load(&a, "rbac.yaml");
    assert_int_equal(d->n, 6);
    static const char *const kinds[] = {"ServiceAccount", "Role",        "RoleBinding",
                                        "ClusterRole",    "ClusterRole", "ClusterRoleBinding"};
    for (size_t i = 0; i < 6; i++)
        expect_str(&d->v[i], "kind", kinds[i]);
    expect_str(&d->v[1], "rules[0].apiGroups[0]", "");
    expect_str(&d->v[4], "rules[0].verbs[0]", "*");
    expect_str(&d->v[3], "rules[1].nonResourceURLs[1]", "/healthz/*");
    docs_free(d);

    d = load(&a, "stack.yaml");
    assert_int_equal(d->n, 8);
    assert_true(d->info[1].empty);
    assert_int_equal(d->v[1].kind, KV_NULL);
    for (size_t i = 0; i < d->n; i++)
        if (i != 1)
            assert_false(d->info[i].empty);
    assert_int_equal(d->info[0].line, 3);
    expect_str(&d->v[3], "spec.template.spec.containers[0].env[1].value", "0x10");
    expect_str(&d->v[3], "spec.template.spec.containers[0].env[3].value", "null");
    expect_str(&d->v[4], "spec.metrics[1].pods.target.averageValue", "1k");
    expect_str(&d->v[5], "spec.minAvailable", "50%");
    expect_str(&d->v[7], "spec.hard.count/secrets", "100");
    docs_free(d);

    d = load(&a, "service.yaml");
    assert_int_equal(d->n, 3);
    expect_str(&d->v[1], "spec.clusterIP", "None");
    expect_str(&d->v[0], "spec.ports[0].targetPort", "http");
    expect_int(&d->v[0], "spec.ports[1].targetPort", 8443);
    docs_free(d);

    d = load(&a, "list.yaml");
    expect_str(&d->v[0], "kind", "List");
    assert_int_equal(at(&d->v[0], "items")->len, 3);
    expect_str(&d->v[0], "items[0].spec.containers[0].command[1]", "3600");
    expect_bool(&d->v[0], "items[0].spec.containers[0].securityContext.privileged", true);
    assert_int_equal(at(&d->v[0], "items[1].data")->kind, KV_OBJECT);
    docs_free(d);

    d = load(&a, "crd.yaml");
    const kv_value *schema = at(&d->v[0], "spec.versions[1].schema.openAPIV3Schema");
    expect_str(schema,
               "properties.spec.properties.targets.items.properties.source.properties.volume."
               "properties.snapshot.properties.consistency.properties.freeze.properties.hooks."
               "items.properties.onError.default",
               "Fail");
    expect_str(schema, "properties.spec.properties.schedule.pattern",
               "^(@(hourly|daily|weekly)|(\\S+\\s+){4}\\S+)$");
    expect_bool(schema,
                "properties.spec.properties.targets.items.properties.source.properties.volume."
                "properties.snapshot.properties.consistency.properties.freeze.properties.hooks."
                "items.properties.timeout.x-kubernetes-int-or-string",
                true);
    expect_str(schema, "properties.status.properties.conditions.items.properties.status.enum[0]",
               "True");
    expect_int(schema, "properties.spec.properties.retention.default.keepDaily", 7);
    expect_str(&d->v[0], "status.conditions[0].status", "True");
    docs_free(d);

    d = load(&a, "values.yaml");
    const kv_value *vals = &d->v[0];
    expect_int(vals, "storefront.replicaCount", 3);
    expect_str(vals, "storefront.image.repository", "shop/storefront");
    expect_str(vals, "storefront.image.tag", "2.14.0");
    expect_str(vals, "storefront.image.pullPolicy", "IfNotPresent");
    expect_str(vals, "storefront.resources.limits.memory", "256Mi");
    expect_str(vals, "storefront.labels.app\\.kubernetes\\.io/managed-by", "Helm");
    expect_bool(vals, "storefront.podSecurityContext.runAsNonRoot", true);
    expect_int(vals, "orders.replicaCount", 2);
    expect_bool(vals, "orders.metrics.enabled", true);
    expect_str(vals, "orders.image.repository", "shop/orders");
    expect_str(vals, "orders.image.tag", "");
    expect_str(vals, "orders.resources.limits.cpu", "1");
    expect_str(vals, "orders.resources.requests.cpu", "100m");
    expect_int(vals, "orders.env.MAX_CONNS", 100);
    expect_str(vals, "orders.env.ENABLE_TRACING", "off");
    expect_int(vals, "worker.replicaCount", 0);
    assert_int_equal(at(vals, "postgresql.primary.persistence.storageClass")->kind, KV_NULL);
    assert_null(kv_path(vals, "storefront.<<"));
    docs_free(d);

    d = load(&a, "podlist.json");
    const kv_value *pl = &d->v[0];
    expect_int(pl, "metadata.remainingItemCount", 41);
    expect_str(pl, "items[0].status.containerStatuses[0].lastState.terminated.message",
               "container used > 512Mi & was killed");
    const kv_value *owners = at(pl, "items[0].metadata.managedFields[0].fieldsV1.f:metadata."
                                    "f:ownerReferences");
    assert_non_null(kv_obj_get(owners, "k:{\"uid\":\"0d6e0b8c-1f4b-4a7e-8a55-3c2f4e6d9a70\"}",
                               strlen("k:{\"uid\":\"0d6e0b8c-1f4b-4a7e-8a55-3c2f4e6d9a70\"}")));
    expect_str(pl, "items[0].metadata.managedFields[1].subresource", "status");
    assert_int_equal(at(pl, "items[0].status.conditions[0].lastProbeTime")->kind, KV_NULL);
    expect_int(pl, "items[1].metadata.deletionGracePeriodSeconds", 30);
    docs_free(d);

    d = load(&a, "apiresourcelist.json");
    expect_str(&d->v[0], "groupVersion", "apps/v1");
    assert_int_equal(at(&d->v[0], "resources")->len, 12);
    expect_str(&d->v[0], "resources[3].storageVersionHash", "8aSe+NMegvE=");
    docs_free(d);

    ks_arena_free(&a);
}

/* ---- large and deep documents, generated with a fixed seed ---- */

static const char *pick(const char *const *list, size_t n)
{
    return list[tu_rng() % n];
}

#define PICK(list) pick(list, sizeof(list) / sizeof(list[0]))

static void hex(ks_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ks_buf_putc(b, "0123456789abcdef"[tu_rng() % 16]);
}

static void stamp(ks_buf *b)
{
    ks_buf_printf(b, "\"2024-%02d-%02dT%02d:%02d:%02dZ\"", (int)(tu_rng() % 12 + 1),
                  (int)(tu_rng() % 28 + 1), (int)(tu_rng() % 24), (int)(tu_rng() % 60),
                  (int)(tu_rng() % 60));
}

/* An API-server style PodList as compact JSON. */
static void gen_podlist(ks_buf *b, int npods)
{
    static const char *const apps[] = {"storefront",    "orders-api", "search",  "payments",
                                       "node-exporter", "report",     "coredns", "cart"};
    static const char *const nss[] = {"default", "shop", "payments", "monitoring", "kube-system"};
    static const char *const values[] = {"true",
                                         "1",
                                         "",
                                         "null",
                                         "0x10",
                                         "multi\\nline",
                                         "plain",
                                         "quote \\\"x\\\"",
                                         "\\u00e9\xe6\x97\xa5",
                                         "\\u003chtml\\u003e \\u0026",
                                         "yes",
                                         "- item",
                                         "a: b",
                                         "#x",
                                         " lead",
                                         "1e400"};
    static const char *const phases[] = {"Running", "Running",   "Running",
                                         "Pending", "Succeeded", "Failed"};
    ks_buf_puts(b, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
                   "\"resourceVersion\":\"48213377\"},\"items\":[");
    for (int i = 0; i < npods; i++) {
        const char *app = PICK(apps);
        ks_buf_puts(b, i ? ",{" : "{");
        ks_buf_printf(b, "\"metadata\":{\"name\":\"%s-", app);
        hex(b, 10);
        ks_buf_printf(b, "-%d\",\"namespace\":\"%s\",\"uid\":\"", i, PICK(nss));
        hex(b, 8);
        ks_buf_putc(b, '-');
        hex(b, 4);
        ks_buf_puts(b, "\",\"resourceVersion\":\"");
        ks_buf_printf(b, "%d\",\"creationTimestamp\":", 40000000 + i * 7);
        stamp(b);
        ks_buf_printf(b, ",\"labels\":{\"app.kubernetes.io/name\":\"%s\",\"pod-template-hash\":\"",
                      app);
        hex(b, 10);
        ks_buf_puts(b, "\"},\"managedFields\":[{\"manager\":\"kube-controller-manager\","
                       "\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":");
        stamp(b);
        ks_buf_printf(b,
                      ",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":"
                      "{\".\":{},\"f:app.kubernetes.io/name\":{}}},\"f:spec\":{"
                      "\"f:containers\":{\"k:{\\\"name\\\":\\\"%s\\\"}\":{\".\":{},"
                      "\"f:image\":{}}}}}}]},",
                      app);
        ks_buf_puts(b, "\"spec\":{\"containers\":[");
        int nc = (int)(tu_rng() % 3) + 1;
        for (int c = 0; c < nc; c++) {
            ks_buf_printf(b,
                          "%s{\"name\":\"%s-%d\",\"image\":\"registry.example.com/%s:%d.%d.%d\","
                          "\"ports\":[{\"containerPort\":%d,\"protocol\":\"TCP\"}],"
                          "\"resources\":{\"requests\":{\"cpu\":\"%dm\",\"memory\":\"%dMi\"}},"
                          "\"env\":[",
                          c ? "," : "", app, c, app, (int)(tu_rng() % 10), (int)(tu_rng() % 30),
                          (int)(tu_rng() % 100), 8080 + c, (int)(tu_rng() % 20 + 1) * 50,
                          (int)(tu_rng() % 8 + 1) * 64);
            int ne = (int)(tu_rng() % 4);
            for (int e = 0; e < ne; e++)
                ks_buf_printf(b, "%s{\"name\":\"VAR_%d\",\"value\":\"%s\"}", e ? "," : "", e,
                              PICK(values));
            ks_buf_puts(b, "]");
            if (tu_rng() % 3 == 0)
                ks_buf_printf(b, ",\"securityContext\":{\"privileged\":%s,\"runAsUser\":%d}",
                              tu_rng() % 5 == 0 ? "true" : "false", (int)(tu_rng() % 3) * 5000);
            ks_buf_puts(b, "}");
        }
        ks_buf_printf(b,
                      "],\"nodeName\":\"worker-%d\",\"terminationGracePeriodSeconds\":%d,"
                      "\"priority\":%d},",
                      (int)(tu_rng() % 40), (int)(tu_rng() % 3 + 1) * 15,
                      (int)(tu_rng() % 2) * 1000000000);
        ks_buf_printf(b, "\"status\":{\"phase\":\"%s\",\"podIP\":\"10.%d.%d.%d\",\"startTime\":",
                      PICK(phases), (int)(tu_rng() % 256), (int)(tu_rng() % 256),
                      (int)(tu_rng() % 254 + 1));
        stamp(b);
        ks_buf_printf(b,
                      ",\"containerStatuses\":[{\"ready\":%s,\"restartCount\":%d,"
                      "\"usage\":%s}]}}",
                      tu_rng() % 2 ? "true" : "false", (int)(tu_rng() % 20),
                      tu_rng() % 4 ? "0.25" : "12345678901234567890123");
    }
    ks_buf_puts(b, "]}");
}

static void test_large_podlist(void **state)
{
    (void)state;
    tu_rng_seed(20240611);
    ks_buf src = KS_BUF_INIT;
    gen_podlist(&src, 2000);
    assert_true(src.len > 2500000);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value list = tu_json(&a, src.data);
    assert_int_equal(kv_path(&list, "items")->len, 2000);
    roundtrip_value(&a, &list, "generated PodList");

    /* The same pods as YAML streams of 50 documents each. */
    ks_buf stream = KS_BUF_INIT;
    const kv_value *items = kv_path(&list, "items");
    docs *d = calloc(1, sizeof(*d));
    ks_arena da;
    ks_arena_init(&da, NULL, 0);
    size_t count = 0;
    for (uint32_t base = 0; base < items->len; base += 50) {
        uint32_t end = base + 50 < items->len ? base + 50 : items->len;
        ks_buf_reset(&stream);
        for (uint32_t i = base; i < end; i++) {
            ks_buf_puts(&stream, "---\n");
            assert_int_equal(kv_yaml_write(&stream, &items->u.items[i], 0), 0);
        }
        ks_arena_mark m = ks_arena_mark_get(&da);
        read_stream(&da, "pods", stream.data, stream.len, d);
        assert_int_equal(d->n, end - base);
        for (size_t i = 0; i < d->n; i++)
            if (!kv_equal(&d->v[i], &items->u.items[base + i]))
                fail_msg("pod %zu differs after YAML", base + i);
        count += d->n;
        ks_arena_rewind(&da, m);
    }
    assert_int_equal(count, 2000);
    docs_free(d);
    ks_arena_free(&da);
    ks_buf_free(&stream);
    ks_buf_free(&src);
    ks_arena_free(&a);
}

/* A document nested about 200 levels, mappings and sequences in turn, as
 * block YAML written here (not by kv_yaml_write) and as JSON. */
static void test_deep_document(void **state)
{
    (void)state;
    enum { DEPTH = 200 };
    ks_buf y = KS_BUF_INIT, j = KS_BUF_INIT;
    for (int level = 0; level < DEPTH; level++) {
        int indent = level * 2;
        if (level % 2 == 0) {
            ks_buf_fill(&y, ' ', indent);
            ks_buf_printf(&y, "level: %d\n", level);
            ks_buf_fill(&y, ' ', indent);
            ks_buf_puts(&y, "child:\n");
            ks_buf_printf(&j, "{\"level\":%d,\"child\":", level);
        } else {
            ks_buf_fill(&y, ' ', indent);
            ks_buf_printf(&y, "- %d\n", level);
            ks_buf_fill(&y, ' ', indent);
            ks_buf_puts(&y, "-\n");
            ks_buf_printf(&j, "[%d,", level);
        }
    }
    ks_buf_fill(&y, ' ', DEPTH * 2);
    ks_buf_puts(&y, "leaf: [1, 2.5, x, null, true]\n");
    ks_buf_puts(&j, "{\"leaf\":[1,2.5,\"x\",null,true]}");
    for (int level = DEPTH - 1; level >= 0; level--)
        ks_buf_putc(&j, level % 2 == 0 ? '}' : ']');

    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value fromy = tu_yaml(&a, y.data);
    kv_value fromj = tu_json(&a, j.data);
    if (!kv_equal(&fromy, &fromj))
        fail_msg("deep document: YAML and JSON differ");
    const kv_value *p = &fromy;
    int depth = 0;
    while (p->kind == KV_OBJECT || p->kind == KV_ARRAY) {
        p = p->kind == KV_OBJECT ? (kv_obj_get(p, "child", 5) ? kv_obj_get(p, "child", 5)
                                                              : kv_obj_get(p, "leaf", 4))
                                 : kv_arr_at(p, 1);
        depth++;
        if (depth > DEPTH + 5)
            break;
    }
    /* The levels, the leaf mapping and its sequence. */
    assert_int_equal(depth, DEPTH + 2);
    roundtrip_value(&a, &fromy, "deep document");

    /* The default depth limit holds 1000; a lower one refuses it. */
    kv_json_opts jo = {.max_depth = 100};
    kv_value v;
    ks_error err;
    assert_int_equal(kv_json_parse(&a, j.data, j.len, &jo, &v, &err), KS_ELIMIT);
    kv_yaml_opts yo = {.max_depth = 100};
    assert_int_equal(kv_yaml_parse(&a, y.data, y.len, &yo, &v, &err), KS_ELIMIT);
    assert_int_equal(err.line, 201);
    ks_arena_free(&a);
    ks_buf_free(&y);
    ks_buf_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_corpus),
            cmocka_unit_test(test_manifest_values),
            cmocka_unit_test(test_large_podlist),
            cmocka_unit_test(test_deep_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
