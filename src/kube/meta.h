/*
 * API machinery objects of meta.k8s.io as kube-apiserver renders them:
 * Status (errors), Table (kubectl get), PartialObjectMetadata(List)
 * (metadata clients), and Accept header negotiation that chooses among
 * them.
 *
 * Ownership: objects are built in the arena given; they copy the strings
 * they are given and share the subtrees of the objects they are given
 * (which must outlive them). Pure functions; thread-safe given separate
 * arenas.
 *
 * Errors: builders return 0 or KS_ELIMIT (the arena's limit). Parsers
 * return 0, or KS_EUNSUPPORTED (406: nothing acceptable) / KS_EINVAL (a bad
 * parameter) with the API server's message in the ks_error.
 */
#ifndef KS_KUBE_META_H
#define KS_KUBE_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "value/value.h"

/* ---- Status ---- */

typedef struct kube_status_cause {
    const char *reason;  /* "FieldValueInvalid"...; NULL: omitted */
    const char *message; /* NULL: omitted */
    const char *field;   /* "metadata.name"; NULL: omitted */
} kube_status_cause;

typedef struct kube_status_details {
    const char *name, *group, *kind, *uid; /* NULL or "": omitted */
    const kube_status_cause *causes;
    size_t ncauses;
    int retry_after_seconds; /* 0: omitted */
} kube_status_details;

/* A meta.k8s.io/v1 Status: kind Status, apiVersion v1, metadata {}, status
 * "Failure" (or "Success" for a 2xx code), message, reason, details (only
 * when given), code. Empty strings are omitted, as Go omits them. */
int kube_status(ks_arena *a, int code, const char *reason, const char *message,
                const kube_status_details *details, kv_value *out);

/* The usual ones. group is the API group ("" for the core group), resource
 * the plural; messages name "<resource>.<group>" as the server does. */
int kube_status_not_found(ks_arena *a, const char *group, const char *resource, const char *name,
                          kv_value *out);
int kube_status_already_exists(ks_arena *a, const char *group, const char *resource,
                               const char *name, kv_value *out);
/* why NULL: "the object has been modified; please apply your changes to
 * the latest version and try again". */
int kube_status_conflict(ks_arena *a, const char *group, const char *resource, const char *name,
                         const char *why, kv_value *out);
/* 422 for kind.group "name" with field causes; the message aggregates
 * "field: message" of every cause as the server does. */
int kube_status_invalid(ks_arena *a, const char *group, const char *kind, const char *name,
                        const kube_status_cause *causes, size_t ncauses, kv_value *out);
int kube_status_bad_request(ks_arena *a, const char *message, kv_value *out);
/* 405 "<action> is not supported on resources of kind \"<resource>.<group>\"" */
int kube_status_method_not_allowed(ks_arena *a, const char *group, const char *resource,
                                   const char *action, kv_value *out);
int kube_status_gone(ks_arena *a, const char *message, kv_value *out);
/* 410 Expired "too old resource version: <requested> (<current>)" */
int kube_status_expired(ks_arena *a, const char *requested, const char *current, kv_value *out);
/* 413 "Request entity too large: <message>" */
int kube_status_too_large(ks_arena *a, const char *message, kv_value *out);
/* 429 with details.retryAfterSeconds */
int kube_status_too_many_requests(ks_arena *a, const char *message, int retry_after_seconds,
                                  kv_value *out);
/* 401; message NULL: "not authorized" */
int kube_status_unauthorized(ks_arena *a, const char *message, kv_value *out);
/* 403 "<resource>.<group> \"<name>\" is forbidden: <why>" (name or
 * resource may be empty, as the server words it then) */
int kube_status_forbidden(ks_arena *a, const char *group, const char *resource, const char *name,
                          const char *why, kv_value *out);
int kube_status_unavailable(ks_arena *a, const char *message, kv_value *out);
/* 500 "Internal error occurred: <message>" with the message as a cause */
int kube_status_internal(ks_arena *a, const char *message, kv_value *out);
/* 500 ServerTimeout for a lock or queue timeout, with retryAfterSeconds */
int kube_status_server_timeout(ks_arena *a, const char *group, const char *resource,
                               const char *operation, int retry_after_seconds, kv_value *out);
int kube_status_not_acceptable(ks_arena *a, const char *message, kv_value *out);
int kube_status_unsupported_media_type(ks_arena *a, const char *message, kv_value *out);

/* ---- Table and PartialObjectMetadata ---- */

typedef enum kube_include {
    KUBE_INCLUDE_METADATA, /* rows carry PartialObjectMetadata (the default) */
    KUBE_INCLUDE_OBJECT,   /* rows carry the whole object */
    KUBE_INCLUDE_NONE,     /* rows carry null */
} kube_include;

/* The includeObject query parameter ("" is Metadata). KS_EINVAL with
 * "unrecognized includeObject value: \"x\"" (a 400). */
int kube_include_parse(const char *s, size_t n, kube_include *out, ks_error *err);

typedef struct kube_list_meta {
    const char *resource_version; /* NULL or "": omitted */
    const char *cont;             /* the continue token; NULL or "": omitted */
    bool has_remaining;
    int64_t remaining_item_count;
} kube_list_meta;

/* The default table convertor's Table for objs[0..n): columns Name and
 * Created At (unless no_headers), one row per object with cells [name,
 * creationTimestamp in RFC 3339 UTC] and the object as include says.
 * version is the meta.k8s.io version asked for ("v1" or "v1beta1"). lm may
 * be NULL (for one object, its own resourceVersion is used). */
int kube_table(ks_arena *a, const kv_value *objs, size_t n, const char *version,
               kube_include include, bool no_headers, const kube_list_meta *lm, kv_value *out);

/* PartialObjectMetadata of obj: apiVersion meta.k8s.io/<version>, kind,
 * and obj's whole metadata. */
int kube_pom(ks_arena *a, const kv_value *obj, const char *version, kv_value *out);
/* PartialObjectMetadataList of objs[0..n) with list metadata lm (may be
 * NULL). */
int kube_pom_list(ks_arena *a, const kv_value *objs, size_t n, const char *version,
                  const kube_list_meta *lm, kv_value *out);

/* ---- Accept negotiation ---- */

enum {
    KUBE_MEDIA_JSON = 1 << 0,     /* application/json */
    KUBE_MEDIA_YAML = 1 << 1,     /* application/yaml */
    KUBE_MEDIA_PROTOBUF = 1 << 2, /* application/vnd.kubernetes.protobuf */
};

typedef enum kube_target {
    KUBE_TARGET_OBJECT,   /* the resource itself */
    KUBE_TARGET_TABLE,    /* as=Table */
    KUBE_TARGET_POM,      /* as=PartialObjectMetadata */
    KUBE_TARGET_POM_LIST, /* as=PartialObjectMetadataList */
} kube_target;

typedef struct kube_accept {
    unsigned media;      /* one KUBE_MEDIA_* */
    kube_target target;  /* what to convert to */
    const char *version; /* meta.k8s.io version of a conversion: "v1" or "v1beta1" */
    bool pretty;         /* pretty=1 */
    bool stream_watch;   /* stream=watch */
} kube_accept;

/* Chooses a representation for the Accept header h[0..n) among the media
 * types in supported (a KUBE_MEDIA_* mask; serialised in the order JSON,
 * YAML, protobuf), as kube-apiserver does: clauses in goautoneg's order
 * (by q-value, but a specific type before a wildcard one), as/g/v/sv
 * parameters for meta.k8s.io
 * conversions (Table only as JSON or YAML), an empty header meaning the
 * first supported type; at most 64 clauses are read. KS_EUNSUPPORTED with
 * "only the following media types are accepted: ..." when nothing fits. */
int kube_accept_parse(const char *h, size_t n, unsigned supported, kube_accept *out, ks_error *err);

/* The Content-Type name of one KUBE_MEDIA_* ("application/json"). */
const char *kube_media_name(unsigned media);

#endif
