/*
 * The storage role: the aggregated API server of the
 * spdx.softwarecomposition.kubescape.io/v1beta1 group (spec/storage.md).
 * This header joins the role's files: the kinds the group serves and their
 * behaviour, the configuration, and the server.
 *
 * Errors: 0 or a negative KS_E* code with a message in the ks_error.
 */
#ifndef KSO_CMD_STORAGE_H
#define KSO_CMD_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "kube/apigroup.h"
#include "kube/apiserver.h"
#include "net/server.h"
#include "store/store.h"

#define SPDX_GROUP         "spdx.softwarecomposition.kubescape.io"
#define SPDX_VERSION       "v1beta1"
#define SPDX_SCHEMA_PREFIX "com.github.kubescape.storage.pkg.apis.softwarecomposition.v1beta1."

/* Upstream's queue defaults for kinds without a queue of their own. */
#define SPDX_DEFAULT_QUEUE_LENGTH 100
#define SPDX_DEFAULT_WORKER_COUNT 2
#define SPDX_DEFAULT_MAX_OBJECT   400000

/* How a kind is served. */
enum spdx_virtual {
    SPDX_STORED = 0,
    SPDX_VIRTUAL_VULN_SUMMARY, /* vulnerabilitysummaries: sums of VulnerabilityManifestSummaries */
    SPDX_VIRTUAL_CONFIG_SUMMARY, /* configurationscansummaries: sums of
                                    WorkloadConfigurationScanSummaries */
    SPDX_VIRTUAL_NETPOL,         /* generatednetworkpolicies: from NetworkNeighborhoods */
};

typedef struct spdx_kind {
    kube_resource res;
    enum spdx_virtual virt;
    /* queue and size limits (spec §9, chart values) */
    uint32_t queue_length;
    uint32_t worker_count;
    uint64_t max_object_size;
    bool seccomp; /* served only when seccomp profiles are not a CRD */
} spdx_kind;

extern const spdx_kind spdx_kinds[];
extern const size_t spdx_nkinds;
const spdx_kind *spdx_kind_find(const char *plural, size_t n);

/* Configuration: $CONFIG_DIR/config.json with upstream's keys (spec
 * storage.md §10.2), then command-line flags. */
typedef struct spdx_kind_limits {
    uint32_t queue_length, worker_count;
    uint64_t max_object_size;
} spdx_kind_limits;

typedef struct spdx_config {
    char default_namespace[64];
    bool disable_virtual_crds;
    bool disable_seccomp_endpoint;
    int64_t max_application_profile_size;
    int64_t max_network_neighborhood_size;
    char bind_address[64];
    int bind_port;
    char tls_client_ca_file[512];
    char tls_server_cert_file[512];
    char tls_server_key_file[512];
    bool queue_manager_enabled;
    spdx_kind_limits limits[32]; /* per spdx_kinds entry */
    char cleanup_interval[32];   /* kept for the cleanup pass (not yet run) */
} spdx_config;

/* Defaults: the Helm chart's values (queue manager on, per-kind limits). */
void spdx_config_defaults(spdx_config *c);
/* Reads a config.json over c. A missing file is not an error when
 * optional; an unknown key is ignored (as viper does); a value of the wrong
 * type is an error naming the key. */
int spdx_config_load(spdx_config *c, const char *path, bool optional, ks_error *err);

/* The schema document compiled in (src/cmd/storage/schemas.json). */
extern const char kso_storage_schemas[];
extern const size_t kso_storage_schemas_len;

/* Builds the API group of the served kinds: all of them, or without the
 * virtual kinds and/or seccomp profiles as the configuration says. The
 * resource table lives in res (capacity spdx_nkinds). */
int spdx_apigroup(kube_apigroup *g, kube_resource *res, bool virtual_kinds, bool seccomp,
                  ks_error *err);

/* ---- the server (server.c) ---- */

typedef struct spdx_server_opts {
    const spdx_config *cfg;
    const char *data_dir;
    const char *bind;
    uint16_t port;
    const char *cert_file, *key_file; /* or PEM: */
    const char *cert_pem, *key_pem;   /* none: a self-signed certificate */
    const net_ca_bundle *cas;         /* trusted client-certificate CAs */
    size_t ncas;
    kube_auth_opts auth;
    int bookmark_interval_ms; /* 0: the API server's default */
    size_t watch_cache_bytes; /* bytes of recent events watches can resume from; 0: 16 MiB */
} spdx_server_opts;

typedef struct spdx_server {
    spdx_config cfg;
    kstore *store;
    kube_apigroup group;
    bool have_group;
    kube_resource res[32];
    kube_limits limits[32];
    kube_apiserver *api;
    net_server *http;
} spdx_server;

int spdx_server_start(const spdx_server_opts *o, spdx_server **out, ks_error *err);
/* The API server options of the group: the store, the kinds' hooks and
 * limits (sv's store, group and limits set); auth and timings left 0. */
void spdx_apiserver_opts(spdx_server *sv, kube_apiserver_opts *ao);
uint16_t spdx_server_port(const spdx_server *sv);
void spdx_server_stop(spdx_server *sv);

/* ---- the kinds' behaviour (hooks.c, virtual.c): kube_hooks, ctx = the
 * spdx_server ---- */

int spdx_prepare(void *ctx, const kube_resource *r, kube_write_op op, const kv_value *old,
                 kv_value *obj, ks_arena *a, kube_problem *p);
bool spdx_is_virtual(void *ctx, const kube_resource *r);
int spdx_virtual_get(void *ctx, const kube_resource *r, const char *ns, const char *name, bool full,
                     ks_arena *a, kv_value *out, ks_error *err);
int spdx_virtual_list(void *ctx, const kube_resource *r, const char *ns, bool full, ks_arena *a,
                      int (*fn)(void *fctx, const kv_value *obj), void *fctx, ks_error *err);
/* The kubescape.io/sync-checksum of an object (kv_json_hash of it without
 * managedFields, resourceVersion, and the checksum and last-applied
 * annotations). */
int spdx_sync_checksum(ks_arena *a, const kv_value *obj, char out[65]);

#endif
