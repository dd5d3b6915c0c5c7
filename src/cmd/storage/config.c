/* The storage role's configuration file (spec storage.md §10.2): upstream's
 * config.json keys, read as viper reads them (numbers may be quoted, bools
 * may be "true"/"false" strings, unknown keys ignored). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/storage/storage.h"
#include "core/file.h"

void spdx_config_defaults(spdx_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->default_namespace, sizeof c->default_namespace, "kubescape");
    c->max_application_profile_size = 40000;
    c->max_network_neighborhood_size = 40000;
    snprintf(c->bind_address, sizeof c->bind_address, "::");
    c->bind_port = 8443;
    c->queue_manager_enabled = true;
    snprintf(c->cleanup_interval, sizeof c->cleanup_interval, "24h");
    for (size_t i = 0; i < spdx_nkinds && i < 32; i++)
        c->limits[i] = (spdx_kind_limits){spdx_kinds[i].queue_length, spdx_kinds[i].worker_count,
                                          spdx_kinds[i].max_object_size};
}

static int type_error(ks_error *err, const char *path, const char *key, const char *want)
{
    return ks_error_set(err, KS_EINVAL, "%s: \"%s\" must be %s", path, key, want);
}

/* A number, or a string holding one (viper's weak typing). */
static int get_int(const kv_value *v, const char *path, const char *key, int64_t lo, int64_t hi,
                   int64_t *out, ks_error *err)
{
    int64_t x;
    if (v->kind == KV_NUMBER && kv_num_int64(v, &x)) {
        /* ok */
    } else if (v->kind == KV_STRING) {
        char *end;
        errno = 0;
        long long y = strtoll(v->u.s, &end, 10);
        if (errno || end == v->u.s || *end)
            return type_error(err, path, key, "an integer");
        x = y;
    } else {
        return type_error(err, path, key, "an integer");
    }
    if (x < lo || x > hi)
        return ks_error_set(err, KS_ERANGE, "%s: \"%s\" is %lld, outside %lld..%lld", path, key,
                            (long long)x, (long long)lo, (long long)hi);
    *out = x;
    return 0;
}

static int get_bool(const kv_value *v, const char *path, const char *key, bool *out, ks_error *err)
{
    if (v->kind == KV_BOOL) {
        *out = v->u.b;
        return 0;
    }
    if (v->kind == KV_STRING && (strcmp(v->u.s, "true") == 0 || strcmp(v->u.s, "false") == 0)) {
        *out = v->u.s[0] == 't';
        return 0;
    }
    return type_error(err, path, key, "a boolean");
}

static int get_str(const kv_value *v, const char *path, const char *key, char *out, size_t cap,
                   ks_error *err)
{
    if (v->kind != KV_STRING)
        return type_error(err, path, key, "a string");
    if (v->len >= cap)
        return ks_error_set(err, KS_ELIMIT, "%s: \"%s\" is longer than %zu bytes", path, key,
                            cap - 1);
    memcpy(out, v->u.s, v->len + 1);
    return 0;
}

static int kind_queue(spdx_config *c, const char *path, const kv_member *m, ks_error *err)
{
    const spdx_kind *k = spdx_kind_find(m->key.u.s, m->key.len);
    if (!k)
        return 0; /* a kind we do not serve */
    if (m->val.kind != KV_OBJECT)
        return type_error(err, path, "kindQueues", "an object of objects");
    spdx_kind_limits *l = &c->limits[k - spdx_kinds];
    static const char *const keys[] = {"queueLength", "workerCount", "maxObjectSize"};
    for (int i = 0; i < 3; i++) {
        const kv_value *v = kv_obj_get(&m->val, keys[i], strlen(keys[i]));
        int64_t x;
        if (!v)
            continue;
        int rc = get_int(v, path, keys[i], 0, i == 2 ? INT64_MAX : 1000000, &x, err);
        if (rc < 0)
            return rc;
        if (i == 0)
            l->queue_length = (uint32_t)x;
        else if (i == 1)
            l->worker_count = (uint32_t)x;
        else
            l->max_object_size = (uint64_t)x;
    }
    return 0;
}

int spdx_config_load(spdx_config *c, const char *path, bool optional, ks_error *err)
{
    char *text = NULL;
    size_t n = 0;
    int rc = ks_file_read(path, 1 << 20, &text, &n, err);
    if (rc == KS_ENOENT && optional) {
        ks_error_clear(err);
        return 0;
    }
    if (rc < 0)
        return rc;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_json_opts jo = {.source = path};
    kv_value doc;
    rc = kv_json_parse(&a, text, n, &jo, &doc, err);
    ks_xfree(text);
    if (rc < 0)
        goto out;
    if (doc.kind != KV_OBJECT) {
        rc = ks_error_set(err, KS_EINVAL, "%s: the configuration must be a JSON object", path);
        goto out;
    }
    int64_t dq = -1, dw = -1, dm = -1;
    for (uint32_t i = 0; i < doc.len && rc == 0; i++) {
        const kv_member *m = &doc.u.members[i];
        const char *k = m->key.u.s;
        const kv_value *v = &m->val;
        int64_t x;
        if (strcmp(k, "defaultNamespace") == 0)
            rc = get_str(v, path, k, c->default_namespace, sizeof c->default_namespace, err);
        else if (strcmp(k, "disableVirtualCRDs") == 0)
            rc = get_bool(v, path, k, &c->disable_virtual_crds, err);
        else if (strcmp(k, "disableSeccompProfileEndpoint") == 0)
            rc = get_bool(v, path, k, &c->disable_seccomp_endpoint, err);
        else if (strcmp(k, "maxApplicationProfileSize") == 0)
            rc = get_int(v, path, k, 0, INT32_MAX, &c->max_application_profile_size, err);
        else if (strcmp(k, "maxNetworkNeighborhoodSize") == 0)
            rc = get_int(v, path, k, 0, INT32_MAX, &c->max_network_neighborhood_size, err);
        else if (strcmp(k, "serverBindAddress") == 0)
            rc = get_str(v, path, k, c->bind_address, sizeof c->bind_address, err);
        else if (strcmp(k, "serverBindPort") == 0) {
            rc = get_int(v, path, k, 0, 65535, &x, err);
            c->bind_port = (int)x;
        } else if (strcmp(k, "tlsClientCaFile") == 0)
            rc = get_str(v, path, k, c->tls_client_ca_file, sizeof c->tls_client_ca_file, err);
        else if (strcmp(k, "tlsServerCertFile") == 0)
            rc = get_str(v, path, k, c->tls_server_cert_file, sizeof c->tls_server_cert_file, err);
        else if (strcmp(k, "tlsServerKeyFile") == 0)
            rc = get_str(v, path, k, c->tls_server_key_file, sizeof c->tls_server_key_file, err);
        else if (strcmp(k, "queueManagerEnabled") == 0)
            rc = get_bool(v, path, k, &c->queue_manager_enabled, err);
        else if (strcmp(k, "cleanupInterval") == 0)
            rc = get_str(v, path, k, c->cleanup_interval, sizeof c->cleanup_interval, err);
        else if (strcmp(k, "defaultQueueLength") == 0)
            rc = get_int(v, path, k, 0, 1000000, &dq, err);
        else if (strcmp(k, "defaultWorkerCount") == 0)
            rc = get_int(v, path, k, 0, 1000000, &dw, err);
        else if (strcmp(k, "defaultMaxObjectSize") == 0)
            rc = get_int(v, path, k, 0, INT64_MAX, &dm, err);
        else if (strcmp(k, "kindQueues") == 0) {
            if (v->kind != KV_OBJECT)
                rc = type_error(err, path, k, "an object");
            for (uint32_t j = 0; rc == 0 && v->kind == KV_OBJECT && j < v->len; j++)
                rc = kind_queue(c, path, &v->u.members[j], err);
        }
        /* other keys (hostType, excludeJsonPaths, rate limits, debug
         * switches) are accepted and not used */
    }
    if (rc == 0) {
        /* defaultQueueLength and friends: the kinds without a queue of
         * their own, unless kindQueues names them */
        const kv_value *kq = kv_obj_get(&doc, "kindQueues", 10);
        for (size_t i = 0; i < spdx_nkinds; i++) {
            const char *pl = spdx_kinds[i].res.plural;
            bool own = spdx_kinds[i].queue_length != SPDX_DEFAULT_QUEUE_LENGTH;
            if (own || (kq && kq->kind == KV_OBJECT && kv_obj_get(kq, pl, strlen(pl))))
                continue;
            if (dq >= 0)
                c->limits[i].queue_length = (uint32_t)dq;
            if (dw >= 0)
                c->limits[i].worker_count = (uint32_t)dw;
            if (dm >= 0)
                c->limits[i].max_object_size = (uint64_t)dm;
        }
    }
out:
    ks_arena_free(&a);
    return rc;
}
