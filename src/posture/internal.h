/*
 * Internal structures of the posture module, shared by its files.
 */
#ifndef KS_POSTURE_INTERNAL_H
#define KS_POSTURE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/map.h"
#include "posture/posture.h"
#include "value/value.h"

/* Scanning scopes (bit per scope name). */
enum {
    PS_SCOPE_FILE = 1 << 0,
    PS_SCOPE_CLUSTER = 1 << 1,
    PS_SCOPE_CLOUD = 1 << 2,
    PS_SCOPE_EKS = 1 << 3,
    PS_SCOPE_AKS = 1 << 4,
    PS_SCOPE_GKE = 1 << 5,
};

enum ps_aggregator { PS_AGG_NONE, PS_AGG_SUBJECTS, PS_AGG_APISERVER_POD };

enum ps_action {
    PS_ACT_NONE,
    PS_ACT_CONFIGURATION,
    PS_ACT_MANUAL_REVIEW,
    PS_ACT_REQUIRES_REVIEW,
};

/* A `match` / `dynamicMatch` entry: lists of apiGroups, apiVersions and
 * resources (kind names or plural resources). */
typedef struct ps_match {
    const kv_value *groups, *versions, *resources; /* arrays of strings */
} ps_match;

typedef struct ps_rule {
    const char *name;
    kv_value doc; /* the rule document (artifact shape: rule, resourceEnumerator, ...) */
    const char *rego;
    size_t rego_len;
    const char *filter; /* NULL: no enumerator */
    size_t filter_len;
    ps_match *match;
    size_t nmatch;
    ps_match *dyn;
    size_t ndyn;
    enum ps_aggregator aggregator;
    const char **config_keys; /* postureControlInputs keys the rule declares */
    size_t nconfig;
    const char *use_from, *use_until; /* kubescape version gates, or NULL */
    bool bad_gate;                    /* a gate that is not a string: the rule is skipped */
    bool whole_cluster;
} ps_rule;

typedef struct ps_control {
    const char *id;
    const char *name;
    double base_score;
    kv_value doc; /* artifact shape, "rules": [] */
    ps_rule **rules;
    size_t nrules;
    enum ps_action action;
    unsigned scope;              /* PS_SCOPE_* bits; 0: always */
    const kv_value *fixed_input; /* object or NULL */
    bool whole_cluster;          /* requiresWholeClusterInput */
} ps_control;

typedef struct ps_fw_control {
    ps_control *control;
    kv_value doc; /* the control as patched by the framework */
} ps_fw_control;

typedef struct ps_framework {
    const char *name;
    kv_value doc; /* framework document without controls */
    ps_fw_control *controls;
    size_t ncontrols;
    unsigned scope;
    bool security; /* typeTags == ["security"]: security_frameworks.json */
} ps_framework;

struct ps_library {
    ks_arena arena;
    ps_framework *frameworks;
    size_t nframeworks;
    ps_control *controls; /* sorted by ID */
    size_t ncontrols;
    ps_rule *rules; /* in load order */
    size_t nrules;
    kv_value inputs;        /* default postureControlInputs (object) */
    kv_value inputs_doc;    /* default_config_inputs.json as read (or synthesised) */
    kv_value exceptions;    /* array */
    kv_value attack_tracks; /* array */
    kv_value categories;    /* object name -> "Cat-N", or null */
    const char *helpers;    /* helper module texts (cautils) */
    size_t helpers_len;
};

/* Files of a source-layout library, read from disk or built in. */
typedef struct ps_file {
    const char *path; /* relative to the library root, '/' separated */
    const char *data;
    size_t len;
} ps_file;

int ps_library_from_files(const ps_file *files, size_t n, const char *origin, ps_library **out,
                          ks_error *err);

/* The helper modules every rule is compiled with (package cautils). */
extern const char ps_helpers_builtin[];
extern const size_t ps_helpers_builtin_len;

/* Built-in library files (generated from policies/ at build time). */
extern const ps_file ps_builtin_files[];
extern const size_t ps_builtin_nfiles;

/* ---- resources ---- */

enum ps_res_type { PS_RES_K8S, PS_RES_HOST, PS_RES_CLOUD, PS_RES_VECTOR, PS_RES_OTHER };

typedef struct ps_resource {
    const char *id;
    kv_value obj; /* the object as rules see it (envelopes re-shaped) */
    enum ps_res_type type;
    const char *api_version, *group, *version, *kind, *name, *namespace_;
    const char *source;     /* file path, or NULL */
    const char *rel_source; /* relative path */
    int doc;                /* document index in the file */
} ps_resource;

typedef struct ps_skipped {
    const char *path, *reason;
} ps_skipped;

/* A resource type a live scan could not collect, wholly or in part. */
typedef struct ps_pull {
    const char *group, *version; /* of the API */
    const char *kind, *resource; /* NULL for a discovery failure of a group version */
    const char *gvr;             /* "group/version/resource", or "discovery:group/version" */
    const char *selector;        /* "": all of it; "metadata.namespace=NS"; "discovery" */
    const char *error;
} ps_pull;

struct ps_resources {
    ks_arena arena;
    ps_resource *items;
    size_t n, cap;
    ks_map by_id;        /* id -> size_t* index */
    bool file_ids;       /* objects read from files get sourcePath and path= IDs */
    ps_skipped *skipped; /* manifests that could not be read or are not objects */
    size_t nskipped, capskipped;
    ps_pull *pulls; /* what a live scan could not collect */
    size_t npulls, cappulls;
    kv_value api_info; /* a live scan's /version answer (clusterAPIServerInfo), or null */
};

/* Records a collection failure (strings copied). */
int ps_resources_add_pull(ps_resources *rs, const ps_pull *p);

/* The resource ID of an object (spec §4.3) in arena a, and its type. */
int ps_object_id(ks_arena *a, const kv_value *obj, const char **id, enum ps_res_type *type);
/* Re-shapes an envelope object as objectsenvelopes.NewObject().GetObject()
 * does (host-sensor and cloud-describe envelopes keep their known keys). */
int ps_object_envelope(ks_arena *a, const kv_value *obj, kv_value *out);
/* Fills the identity fields of r from r->obj. */
int ps_resource_fill(ks_arena *a, ps_resource *r);

/* Subject vectors of the subject-role-rolebinding aggregator / the
 * apiserver pod, from an input array. */
int ps_aggregate(ks_arena *a, enum ps_aggregator agg, const kv_value *in, size_t n, kv_value **out,
                 size_t *nout);

/* ---- rule evaluation ---- */

typedef struct rego_policy rego_policy;
typedef struct rego_query rego_query;

/* A compiled rule (or enumerator): the rule module with the helpers,
 * queried as data.armo_builtins. */
typedef struct ps_compiled {
    rego_policy *pol;
    rego_query *query;
    int version; /* the Rego version that parsed it */
} ps_compiled;

int ps_compile_rule(const char *name, const char *rego, size_t len, const char *helpers,
                    size_t helpers_len, ps_compiled *out, ks_error *err);
void ps_compiled_free(ps_compiled *c);

/* Evaluates a compiled rule on input (an array) with data and decodes the
 * package document into RuleResponse records the way Go's encoding/json
 * does (spec §3.6): *out is an array of normalised response objects in
 * arena a. */
int ps_eval_rule(const ps_compiled *c, const kv_value *input, const kv_value *data, ks_arena *a,
                 kv_value *out, ks_error *err);

typedef struct ps_eval_limits {
    size_t max_memory;
    uint64_t max_steps;
} ps_eval_limits;

/* As ps_eval_rule; with ids_only every alert object (k8sApiObjects[i],
 * relatedObjects[i].object) is replaced by {"id": its resource ID}. */
int ps_eval_rule_mode(const ps_compiled *c, const kv_value *input, const kv_value *data,
                      bool ids_only, const ps_eval_limits *lim, ks_arena *a, kv_value *out,
                      ks_error *err);
int ps_response_decode_mode(ks_arena *a, const kv_value *in, bool ids_only, kv_value *out,
                            ks_error *err);

/* Normalises one decoded RuleResponse (Go struct round trip). */
int ps_response_decode(ks_arena *a, const kv_value *in, kv_value *out, ks_error *err);

/* ---- small value helpers ---- */

/* Member by key, or NULL when absent or when obj is not an object. */
const kv_value *ps_get(const kv_value *obj, const char *key);
/* String member, or NULL when absent or not a string. */
const char *ps_get_str(const kv_value *obj, const char *key);
bool ps_str_eq(const kv_value *v, const char *s);
/* Case-insensitive ASCII comparison. */
bool ps_strieq(const char *a, const char *b);

/* A copy of obj with key set to val (NULL: removed); obj may be null. */
int ps_obj_set(ks_arena *a, const kv_value *obj, const char *key, const kv_value *val,
               kv_value *out);
/* The entries of a directory but . and .., sorted by name (heap strings:
 * ps_names_free). */
int ps_dir_names(const char *dir, char ***names, size_t *n, ks_error *err);
void ps_names_free(char **names, size_t n);

/* A JSON text builder: members and items are separated automatically. */
typedef struct ps_jw {
    ks_buf *b;
    int depth;
    unsigned long long first; /* bit per depth: no item written yet */
    int fd;                   /* >= 0: ps_jw_flush writes the text there */
    int werr;                 /* first write error (KS_EIO) */
} ps_jw;
/* With w->fd set, writes out what was built once it passes 1 MiB. */
void ps_jw_flush(ps_jw *w, bool force);
void ps_jw_init(ps_jw *w, ks_buf *b);
void ps_jw_obj(ps_jw *w);
void ps_jw_end_obj(ps_jw *w);
void ps_jw_arr(ps_jw *w);
void ps_jw_end_arr(ps_jw *w);
void ps_jw_key(ps_jw *w, const char *k);
void ps_jw_str(ps_jw *w, const char *s);
void ps_jw_strn(ps_jw *w, const char *s, size_t n);
void ps_jw_int(ps_jw *w, long long i);
/* A float32 score: the shortest decimal that reads back as the float. */
void ps_jw_f32(ps_jw *w, float f);
void ps_jw_bool(ps_jw *w, bool b);
void ps_jw_null(ps_jw *w);
void ps_jw_value(ps_jw *w, const kv_value *v);
/* Parses the builder's text into arena a. */
int ps_jw_finish(ps_jw *w, ks_arena *a, kv_value *out, ks_error *err);

#endif
