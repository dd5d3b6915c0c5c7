/*
 * Posture exception policies: which PostureExceptionPolicy objects exempt a
 * failed rule on a resource, decided as upstream Kubescape decides it (spec
 * configscan_rego.md §4.5 and §5.1; kubescape/opa-utils exceptions.Processor
 * with armoapi-go designators, kubescape's updateResults, inline
 * kubescape.io/skip-* annotations and manual-review controls).
 *
 * A ps_exceptions is read from JSON arrays of policies the way Go's
 * encoding/json reads []PostureExceptionPolicy: field names match
 * case-insensitively, unknown fields are ignored, null reads as absent, and
 * a value of the wrong type is an error naming the element and the field
 * ("exceptions[3].resources[0].attributes.name: expected a string, got a
 * number"). Expired policies (expirationDate at or before now) are dropped.
 * Every pattern is compiled once, with RE2 in Go syntax. A pattern that does
 * not compile is not an error, because upstream treats it as a pattern that
 * never matches; each one is recorded as a warning naming its field
 * (ps_exceptions_warning).
 *
 * Matching follows upstream's v2 flow exactly:
 * - posturePolicies: none, or an entry with empty frameworkName, controlID
 *   and ruleName, matches every rule; otherwise an entry matches when each
 *   of its non-empty fields equals the target ignoring case or matches it as
 *   `(?i)^FIELD$`. The control ID and the rule name are checked in two
 *   separate passes, so one entry may satisfy the control and another the
 *   rule. frameworkName is never compared (the v2 flow passes none).
 * - resources (designators): a match needs at least one designator whose
 *   every attribute matches the resource, each as the case-sensitive regex
 *   "^" VALUE "$" (the value is not grouped: "a|b" means "^a" or "b$").
 *   designatorType "Attributes"/"Attribute" reads attributes; "wlid" and
 *   "wildwlid" (lower case) read cluster, namespace, kind and name from the
 *   wlid field; any other type never matches, and so does a designator with
 *   none of cluster, namespace, kind, name, resourceID, path or a label key.
 *   Attribute keys other than those (and k8sResourceHash) are label keys: all
 *   must match the object's labels, or all its annotations. containerName
 *   matches the containers named by containers[N] / initContainers[N] in the
 *   failed paths, or any container when the paths name none. Labels and
 *   containers are only checked on Kubernetes objects, not on host or cloud
 *   envelopes or subject vectors. A subject vector matches when one of its
 *   related objects does, and otherwise by its own name, kind and namespace
 *   (never with containerName). The namespace of a Namespace is its name.
 * - objectSelector (matchLabels, matchExpressions), when present and not
 *   empty, must also select the labels of the object the designator matched.
 *   (Carried by kubescape for SecurityException CRDs; the opa-utils release
 *   that evaluates it is not available to us, so this follows the contract
 *   documented in armoapi-go and kubescape.)
 * - A policy is returned once per designator that matches, in input order,
 *   as upstream appends it; each is the policy as Go writes the struct back
 *   (the entries of a report's exception[] array).
 *
 * Lifetime: ps_exceptions owns its memory (the input is copied). Match
 * results are built in the caller's arena and do not point into ex, except
 * ps_exceptions_policy's.
 * Thread-safety: new, add and add_inline modify ex; once they are done,
 * any number of threads may match concurrently.
 *
 * Errors: 0 or a negative KS_E* code with a message in the ks_error.
 */
#ifndef KS_POSTURE_EXCEPTIONS_H
#define KS_POSTURE_EXCEPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "value/value.h"

typedef struct ps_exceptions ps_exceptions;

/* A set holding the policies of the JSON array policies (NULL or null: none),
 * named "exceptions" in errors. now_ns drops the expired ones. */
int ps_exceptions_new(const kv_value *policies, int64_t now_ns, ps_exceptions **out, ks_error *err);

/* Appends the policies of another array (system exceptions after a user's
 * file, say); name prefixes error paths ("exceptions.json[2].name: ...";
 * NULL: "exceptions"). On error nothing is added. */
int ps_exceptions_add(ps_exceptions *ex, const kv_value *policies, const char *name, int64_t now_ns,
                      ks_error *err);

void ps_exceptions_free(ps_exceptions *ex);

/* Policies held (expired ones are not). */
size_t ps_exceptions_count(const ps_exceptions *ex);

/* Warnings: patterns that never match, malformed skip-expiry annotations. */
size_t ps_exceptions_warning_count(const ps_exceptions *ex);
const char *ps_exceptions_warning(const ps_exceptions *ex, size_t i);

/* The inline exception of one resource, as kubescape synthesises it: when
 * metadata.annotations carries kubescape.io/skip-controls (a comma list of
 * control IDs or patterns), appends a "disable" policy named
 * "inline-RESOURCE_ID" whose one designator holds the resource's name,
 * kind, namespace and resourceID (the non-empty ones), with
 * kubescape.io/skip-reason as reason and kubescape.io/skip-expiry (RFC 3339)
 * as expirationDate. An expired one is dropped; a malformed expiry adds no
 * policy and a warning. resource_id NULL: computed from the object. */
int ps_exceptions_add_inline(ps_exceptions *ex, const kv_value *object, const char *resource_id,
                             int64_t now_ns, ks_error *err);

/* One failed rule on one resource. */
typedef struct ps_exc_target {
    const char *control_id;  /* the control, e.g. "C-0016" */
    const char *rule_name;   /* the failed rule */
    const char *resource_id; /* spec §4.3 ID of object; NULL: computed */
    const kv_value *object;  /* Kubernetes object, host/cloud envelope or subject vector */
    const char *source_path; /* file scans: upstream's sourcePath ("dir/file.yaml:0"); NULL:
                              * the object's own sourcePath member, if any */
    const char *cluster;     /* cluster name; NULL: "" */
    /* Path strings of the failure, for containerName. Upstream's v2 flow
     * (resourcesresults.SetExceptions) passes none, so pass NULL to decide
     * exactly as kubescape's JSON report does; the v1 flow passes
     * failedPaths. */
    const kv_value *failed_paths;
} ps_exc_target;

/* The policies that exempt this failure: a JSON array built in arena a
 * (empty when none). The caller applies upstream's preconditions: only
 * failed rules of controls that are not passed. */
int ps_exceptions_match(const ps_exceptions *ex, const ps_exc_target *t, ks_arena *a,
                        kv_value *matched);

/* The same as indexes of the set's policies (*n of them, in arena a), for a
 * caller that keeps one copy of each policy document. */
int ps_exceptions_match_index(const ps_exceptions *ex, const ps_exc_target *t, ks_arena *a,
                              const size_t **idx, size_t *n);

/* Policy i as Go writes it back; it lives as long as ex. */
const kv_value *ps_exceptions_policy(const ps_exceptions *ex, size_t i);

/* Manual-review controls (no resources), as kubescape's
 * applyExceptionsToManualControls: the policies with a posturePolicies entry
 * whose controlID matches control_id as `(?i)^ID$`, and either no resources
 * or a designator without namespace, name, kind, path, resourceID, labels,
 * wlid or wildwlid whose cluster (if any) matches cluster. Each policy at
 * most once. */
int ps_exceptions_match_control(const ps_exceptions *ex, const char *control_id,
                                const char *cluster, ks_arena *a, kv_value *matched);

#endif
