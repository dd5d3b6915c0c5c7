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

#define SPDX_GROUP         "spdx.softwarecomposition.kubescape.io"
#define SPDX_VERSION       "v1beta1"
#define SPDX_SCHEMA_PREFIX "com.github.kubescape.storage.pkg.apis.softwarecomposition.v1beta1."

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

/* The schema document compiled in (src/cmd/storage/schemas.json). */
extern const char kso_storage_schemas[];
extern const size_t kso_storage_schemas_len;

/* Builds the API group of the served kinds: all of them, or without the
 * virtual kinds and/or seccomp profiles as the configuration says. The
 * resource table lives in res (capacity spdx_nkinds). */
int spdx_apigroup(kube_apigroup *g, kube_resource *res, bool virtual_kinds, bool seccomp,
                  ks_error *err);

#endif
