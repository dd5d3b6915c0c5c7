/* The kinds of spdx.softwarecomposition.kubescape.io/v1beta1 (spec/storage.md
 * §2.2) with upstream's queue and size limits (§9, chart values).
 *
 * Singular names: upstream swapped the singular and plural of four kinds,
 * so its discovery gives a plural as singularName (containerprofiles,
 * sbomsyfts, sbomsyftfiltereds, seccompprofiles) and `kubectl get
 * containerprofile` does not resolve. We publish the real singulars; see
 * docs/compat.md. */
#include <string.h>

#include "cmd/storage/storage.h"

#define MB 1000000u

const spdx_kind spdx_kinds[] = {
        {{"applicationprofiles", "applicationprofile", "ApplicationProfile", true},
         SPDX_STORED,
         50,
         2,
         20 * MB,
         false},
        {{"collapseconfigurations", "collapseconfiguration", "CollapseConfiguration", false},
         SPDX_STORED,
         100,
         2,
         400000,
         false},
        {{"configurationscansummaries", "configurationscansummary", "ConfigurationScanSummary",
          false},
         SPDX_VIRTUAL_CONFIG_SUMMARY,
         100,
         2,
         400000,
         false},
        {{"containerprofiles", "containerprofile", "ContainerProfile", true},
         SPDX_STORED,
         50,
         2,
         2500000,
         false},
        {{"generatednetworkpolicies", "generatednetworkpolicy", "GeneratedNetworkPolicy", true},
         SPDX_VIRTUAL_NETPOL,
         100,
         2,
         400000,
         false},
        {{"knownservers", "knownserver", "KnownServer", false}, SPDX_STORED, 100, 2, 400000, false},
        {{"networkneighborhoods", "networkneighborhood", "NetworkNeighborhood", true},
         SPDX_STORED,
         50,
         2,
         10 * MB,
         false},
        {{"openvulnerabilityexchangecontainers", "openvulnerabilityexchangecontainer",
          "OpenVulnerabilityExchangeContainer", true},
         SPDX_STORED,
         50,
         1,
         500000,
         false},
        {{"sbomsyftfiltereds", "sbomsyftfiltered", "SBOMSyftFiltered", true},
         SPDX_STORED,
         50,
         1,
         50 * MB,
         false},
        {{"sbomsyfts", "sbomsyft", "SBOMSyft", true}, SPDX_STORED, 50, 1, 100 * MB, false},
        {{"seccompprofiles", "seccompprofile", "SeccompProfile", true},
         SPDX_STORED,
         100,
         2,
         400000,
         true},
        {{"vulnerabilitymanifests", "vulnerabilitymanifest", "VulnerabilityManifest", true},
         SPDX_STORED,
         50,
         1,
         50 * MB,
         false},
        {{"vulnerabilitymanifestsummaries", "vulnerabilitymanifestsummary",
          "VulnerabilityManifestSummary", true},
         SPDX_STORED,
         100,
         2,
         400000,
         false},
        {{"vulnerabilitysummaries", "vulnerabilitysummary", "VulnerabilitySummary", false},
         SPDX_VIRTUAL_VULN_SUMMARY,
         100,
         2,
         400000,
         false},
        {{"workloadconfigurationscans", "workloadconfigurationscan", "WorkloadConfigurationScan",
          true},
         SPDX_STORED,
         100,
         2,
         400000,
         false},
        {{"workloadconfigurationscansummaries", "workloadconfigurationscansummary",
          "WorkloadConfigurationScanSummary", true},
         SPDX_STORED,
         100,
         2,
         400000,
         false},
};
const size_t spdx_nkinds = sizeof spdx_kinds / sizeof spdx_kinds[0];

const spdx_kind *spdx_kind_find(const char *plural, size_t n)
{
    for (size_t i = 0; i < spdx_nkinds; i++)
        if (strlen(spdx_kinds[i].res.plural) == n &&
            memcmp(spdx_kinds[i].res.plural, plural, n) == 0)
            return &spdx_kinds[i];
    return NULL;
}

int spdx_apigroup(kube_apigroup *g, kube_resource *res, bool virtual_kinds, bool seccomp,
                  ks_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < spdx_nkinds; i++) {
        const spdx_kind *k = &spdx_kinds[i];
        if ((k->virt != SPDX_STORED && !virtual_kinds) || (k->seccomp && !seccomp))
            continue;
        if (k->virt == SPDX_VIRTUAL_NETPOL)
            continue; /* generated network policies come with the network profiles */
        res[n++] = k->res;
    }
    memset(g, 0, sizeof *g);
    g->group = SPDX_GROUP;
    g->version = SPDX_VERSION;
    g->resources = res;
    g->nresources = n;
    g->schema_prefix = SPDX_SCHEMA_PREFIX;
    return kube_apigroup_init(g, kso_storage_schemas, kso_storage_schemas_len,
                              "(built-in storage schemas)", err);
}
