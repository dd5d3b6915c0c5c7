/*
 * Patches as the API server applies them to a stored object: JSON Patch
 * (RFC 6902), JSON Merge Patch (RFC 7386), Kubernetes strategic merge patch,
 * and a server-side apply helper.
 *
 * Strategic merge and apply need to know which lists merge by a key. The
 * caller gives a table of {path, merge key}: path is the dotted field names
 * from the object's root to the list ("spec.containers"), where items of
 * lists add no segment ("spec.containers.ports") and "*" matches any one
 * field name; a NULL key declares a list of scalars merged as a set. Lists
 * at other paths are replaced, as for CRD-like types.
 *
 * Ownership: results are built in the arena given; they share unchanged
 * subtrees with the inputs, so the inputs must outlive the result (or be in
 * the same arena). Pure functions; thread-safe given separate arenas.
 *
 * Errors: 0, or a negative code with a message in the ks_error that names
 * the operation (index and op for JSON Patch) and the path:
 *   KS_EPARSE  the patch is malformed (the API server's 400 BadRequest);
 *   KS_EINVAL  the patch does not apply to the document (422: a missing
 *              path, a failed test, a list item without its merge key);
 *   KS_ELIMIT  more operations than allowed (413), nesting too deep, or
 *              the arena's limit;
 *   KS_EUNSUPPORTED  an unknown patch content type (415).
 */
#ifndef KS_KUBE_PATCH_H
#define KS_KUBE_PATCH_H

#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"
#include "value/value.h"

/* As kube-apiserver: at most this many operations in one JSON Patch. */
#define KUBE_PATCH_MAX_OPS 10000
/* Deepest nesting a patch may reach. */
#define KUBE_PATCH_MAX_DEPTH 1000

typedef struct kube_merge_key {
    const char *path; /* "spec.containers", "*" for any one field */
    const char *key;  /* "name"; NULL: a list of scalars merged as a set */
} kube_merge_key;

typedef struct kube_patch_schema {
    const kube_merge_key *keys;
    size_t n;
} kube_patch_schema;

typedef enum kube_patch_type {
    KUBE_PATCH_JSON,      /* application/json-patch+json */
    KUBE_PATCH_MERGE,     /* application/merge-patch+json */
    KUBE_PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
    KUBE_PATCH_APPLY,     /* application/apply-patch+yaml */
} kube_patch_type;

/* The patch type of a request's Content-Type (parameters after ';' are
 * ignored). KS_EUNSUPPORTED for any other type. */
int kube_patch_type_parse(const char *content_type, size_t n, kube_patch_type *out);
/* The Content-Type of a patch type; NULL for a value out of range. */
const char *kube_patch_content_type(kube_patch_type t);

/* RFC 6902: patch is an array of operations (add, remove, replace, move,
 * copy, test) applied in order; all or nothing. As in kube-apiserver,
 * replace on an object member that does not exist adds it. The first
 * change to a container copies it (the input is never touched); later
 * changes to the same container are made in place, so many operations on
 * one wide array cost about what they would on a mutable tree. Unlike
 * kube-apiserver's library (and as RFC 6902 says), the root "" may be
 * replaced, a missing "from" is an error rather than null, and array
 * indexes have no leading zeros. */
int kube_patch_json(ks_arena *a, const kv_value *doc, const kv_value *patch, kv_value *out,
                    ks_error *err);

/* RFC 7386: null deletes, objects merge recursively, anything else
 * replaces; as kube-apiserver, nulls inside a new array's objects are
 * pruned too (except where the array replaces an object). Cost is linear in
 * the patch plus the objects it touches. */
int kube_patch_merge(ks_arena *a, const kv_value *doc, const kv_value *patch, kv_value *out,
                     ks_error *err);

/* Strategic merge patch: as a merge patch, but lists declared in schema
 * merge by their key (patched items replace in place, new ones are
 * appended), and the directives $patch (replace, delete, merge; in maps and
 * in list items), $retainKeys, $deleteFromPrimitiveList/<field> and
 * $setElementOrder/<field> are applied ($setElementOrder orders as upstream
 * does; $deleteFromPrimitiveList applies after the patch's additions to the
 * same list). Where upstream leaves debris, the result is clean: nulls and
 * directives never reach it, and "$patch: replace" on a field the document
 * lacks keeps the patch's content. schema may be NULL. */
int kube_patch_strategic(ks_arena *a, const kv_value *doc, const kv_value *patch,
                         const kube_patch_schema *schema, kv_value *out, ks_error *err);

/* Server-side apply without field ownership: with no live object the
 * applied configuration is the result; otherwise its fields win, keyed
 * lists merge by key, other lists are replaced, fields the configuration
 * does not mention (or sets to null) are kept. schema may be NULL. */
int kube_apply(ks_arena *a, const kv_value *live, const kv_value *applied,
               const kube_patch_schema *schema, kv_value *out, ks_error *err);

/* Parses a request body (JSON, or YAML for apply; at most max_size bytes,
 * 0 for no limit) and applies it with the patch type's rules. doc may be
 * NULL only for KUBE_PATCH_APPLY. */
int kube_patch(ks_arena *a, kube_patch_type type, const kv_value *doc, const char *body, size_t n,
               size_t max_size, const kube_patch_schema *schema, kv_value *out, ks_error *err);

#endif
