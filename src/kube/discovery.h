/*
 * API discovery through the client: every resource a server serves, group
 * by group and version by version (the legacy /api and /apis documents and
 * each version's APIResourceList), as kubectl api-resources reads them.
 *
 * A group version whose list cannot be read (an aggregated API that is
 * down: 503) is reported through the callback with its error rather than
 * ending the walk, as client-go's discovery returns partial results with
 * ErrGroupDiscoveryFailed; subresources ("pods/log") are left out.
 */
#ifndef KS_KUBE_DISCOVERY_H
#define KS_KUBE_DISCOVERY_H

#include <stdbool.h>

#include "kube/client.h"

typedef struct kube_api_resource {
    const char *group;    /* "" for the core group */
    const char *version;  /* "v1" */
    const char *resource; /* plural: "deployments" */
    const char *kind;     /* "Deployment" */
    bool namespaced;
    bool listable;  /* verbs include list (and watch) */
    bool preferred; /* version is the group's preferred version */
} kube_api_resource;

/* One resource, or (res == NULL) a group version that could not be read:
 * group_version and the error. Return 0 to go on, a negative code to stop
 * with it (and its message in err). The strings are valid during the call. */
typedef int (*kube_resource_fn)(void *ctx, const kube_api_resource *res, const char *group_version,
                                const ks_error *failure, ks_error *err);

/* Walks every group version the server lists. Fails only when /api or
 * /apis cannot be read, or the callback stops. */
int kube_discover(kube_client *c, kube_resource_fn fn, void *ctx, ks_error *err);

#endif
