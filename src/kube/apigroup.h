/*
 * An API group as an aggregated API server publishes it: the resources it
 * serves, their OpenAPI schemas, and the documents clients discover them by
 * (the /apis discovery documents, legacy and aggregated, and OpenAPI v2 and
 * v3). Also the Go zero value of a schema type, which a server renders where
 * the Go type system would (metadata-only list views).
 *
 * Schemas are given as one JSON object: {"kinds": [...], "schemas": {NAME:
 * SCHEMA}} with OpenAPI v3 schemas whose "$ref" values are bare schema names,
 * "required" listing the fields Go always emits and "nullable" marking those
 * Go emits as null when unset (tools/gen-storage-schemas writes it).
 *
 * Documents are written as JSON text into a ks_buf. A kube_apigroup is built
 * once and read-only afterwards (thread-safe to share). Errors: 0 or a
 * negative KS_E* code with a message in the ks_error.
 */
#ifndef KS_KUBE_APIGROUP_H
#define KS_KUBE_APIGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "kube/patch.h"
#include "value/value.h"

typedef struct kube_resource {
    const char *plural;   /* URL segment: "vulnerabilitymanifests" */
    const char *singular; /* discovery singularName */
    const char *kind;     /* "VulnerabilityManifest"; its list kind is kind + "List" */
    bool namespaced;
} kube_resource;

typedef struct kube_snode kube_snode; /* a schema compiled for checking (apigroup.c) */

typedef struct kube_apigroup {
    const char *group;   /* "spdx.softwarecomposition.kubescape.io" */
    const char *version; /* "v1beta1" */
    const kube_resource *resources;
    size_t nresources;
    kv_value schemas;          /* the "schemas" object */
    const char *schema_prefix; /* schema name of a kind = prefix + kind */
    ks_arena arena;            /* holds the parsed schemas and their compiled forms */
    /* Set by kube_apigroup_init: each schema reachable from a resource's
     * kinds, by address (open addressing), with its compiled form. */
    struct kube_snode_slot {
        const kv_value *schema;
        kube_snode *node;
    } * snodes;
    size_t snodes_cap, nsnodes;
} kube_apigroup;

/* Parses the schema document (src[0..n), named source for errors) into g,
 * whose other fields the caller sets. Every resource's kind and list kind
 * must have a schema. Free with kube_apigroup_free. */
int kube_apigroup_init(kube_apigroup *g, const char *src, size_t n, const char *source,
                       ks_error *err);
void kube_apigroup_free(kube_apigroup *g);

const kube_resource *kube_apigroup_find(const kube_apigroup *g, const char *plural, size_t n);

/* The discovery documents. */
int kube_discovery_group_list(const kube_apigroup *g, ks_buf *out); /* GET /apis: APIGroupList */
int kube_discovery_group(const kube_apigroup *g, ks_buf *out);      /* GET /apis/G: APIGroup */
int kube_discovery_resources(const kube_apigroup *g, ks_buf *out);  /* GET /apis/G/V */
/* GET /apis with Accept ...;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList
 * (version "v2" or "v2beta1"). */
int kube_discovery_aggregated(const kube_apigroup *g, const char *version, ks_buf *out);

/* OpenAPI: v3 document of the group version, the /openapi/v3 index naming
 * it (with the v3 document's hash for caching), and the v2 document. */
int kube_openapi_v3(const kube_apigroup *g, ks_buf *out);
int kube_openapi_v3_index(const kube_apigroup *g, const char *hash, ks_buf *out);
int kube_openapi_v2(const kube_apigroup *g, ks_buf *out);

/* The schema of a type by name (prefix + kind, or a full name), or NULL. */
const kv_value *kube_schema(const kube_apigroup *g, const char *name);

/* The JSON Go's encoding/json writes for the zero value of a schema type:
 * required fields only, "" / 0 / false for scalars, null for nullable
 * fields, free-form values and date-times, nested structs in full. */
int kube_schema_zero(const kube_apigroup *g, const kv_value *schema, ks_arena *a, kv_value *out);

/* Decodes obj as Go decodes JSON into the kind's type: members the schema
 * does not know are dropped (their paths, "spec.foo" or
 * "spec.items[0].bar", go to unknown, at most max_unknown of them, counted
 * in *nunknown), free-form values (x-kubernetes-preserve-unknown-fields)
 * are kept whole. A value of the wrong JSON type is KS_ETYPE with the path
 * and the expected type in the message. Result in a. */
int kube_schema_prune(const kube_apigroup *g, const char *kind, const kv_value *obj, ks_arena *a,
                      kv_value *out, const char **unknown, size_t max_unknown, size_t *nunknown,
                      ks_error *err);

/* The strategic-merge keys of a kind, as kube/patch.h takes them: for
 * every list field declaring x-kubernetes-patch-merge-key, its dotted path
 * from the object root ("spec.containers"; list items add no segment, map
 * values add "*": "spec.containers.execs") and the key ("name"). In a. */
int kube_schema_merge_keys(const kube_apigroup *g, const char *kind, ks_arena *a,
                           kube_merge_key **out, size_t *n);

#endif
