/*
 * The scan engine's working state (internal to src/posture): the selected
 * controls, one evaluation per rule, and per-resource verdicts.
 */
#ifndef KS_POSTURE_SCAN_H
#define KS_POSTURE_SCAN_H

#include "posture/internal.h"

/* The Kubescape version rules' useFrom/useUntil gates are compared with. */
#define PS_KUBESCAPE_VERSION "v4.0.0"

enum { PS_ST_NONE = 0, PS_ST_PASSED, PS_ST_SKIPPED, PS_ST_FAILED };

/* One rule's verdict for one resource. */
typedef struct ps_verdict {
    const char *id;
    int status;            /* PS_ST_* */
    const char *substatus; /* "" or a sub-status */
    kv_value paths;        /* array of PosturePaths objects, or null */
    kv_value related;      /* array of related resource IDs, or null */
} ps_verdict;

/* One evaluation: a rule with one control's fixed inputs. */
typedef struct ps_eval {
    const ps_rule *rule;
    const kv_value *fixed;
    ks_arena arena;
    kv_value config; /* postureControlInputs given to the rule (controlConfigurations) */
    kv_value data;
    kv_value added; /* objects the enumerator or the rule produced (vectors) */
    kv_value *prod; /* ...while evaluating, each once (prod_ids); added at the end */
    size_t nprod, capprod;
    ks_map prod_ids;
    const char *error; /* evaluation error: the input resources are skipped */
    bool whole;        /* a control using it needs the whole cluster at once */
    ks_map by_id;      /* id -> ps_verdict */
    ps_verdict **list; /* in order of first verdict */
    size_t nlist, caplist;
} ps_eval;

typedef struct ps_sel {
    ps_control *control;
    ps_eval **evals; /* per enabled rule, in the control's rule order */
    size_t nevals;
    bool norules; /* out of the scan's scope but kept (manual review) */
} ps_sel;

typedef struct ps_scan_ctx {
    const ps_library *lib;
    const ps_resources *rs;
    const ps_scan_opts *opts;
    unsigned scope;
    const char *version;
    const kv_value *inputs;
    size_t max_memory;
    uint64_t max_steps;
    size_t large; /* more resources than this: per-namespace evaluation */
    ps_framework **fws;
    size_t nfws;
    ps_sel *sel; /* sorted by control ID */
    size_t nsel, capsel;
    ps_eval *evals;
    size_t nevals;
} ps_scan_ctx;

/* Selects the controls of a scan (no evaluation): enough to ask which
 * resource types it needs. Free with ps_scan_ctx_free. */
int ps_scan_select(ps_scan_ctx *S, const ps_library *lib, const ps_resources *rs,
                   const ps_scan_opts *opts, ks_error *err);
/* Calls fn for each match and dynamicMatch entry of every enabled rule of
 * the selected controls; a non-zero return stops the walk and is returned. */
typedef int (*ps_match_fn)(void *ctx, const ps_match *m);
int ps_scan_foreach_match(const ps_scan_ctx *S, ps_match_fn fn, void *ctx);
/* Does a selected rule take objects of this type (resource: the plural)? */
bool ps_scan_wants(const ps_scan_ctx *S, const char *group, const char *version, const char *kind,
                   const char *resource);
/* Does a selected rule name this API group explicitly? */
bool ps_scan_names_group(const ps_scan_ctx *S, const char *group);
/* Does the rule take objects of the type a collection failure is about
 * (for a discovery failure: does it name the group)? */
bool ps_rule_needs(const ps_rule *rule, const ps_pull *p);

/* Selects controls and runs every evaluation. */
int ps_scan_prepare(ps_scan_ctx *S, const ps_library *lib, const ps_resources *rs,
                    const ps_scan_opts *opts, ks_error *err);
void ps_scan_ctx_free(ps_scan_ctx *S);
int ps_eval_run(ps_eval *e, const ps_scan_ctx *S);
bool ps_skip_namespace(const ps_scan_opts *o, const char *ns);

/* "Critical", "High", "Medium", "Low" or "Unknown" for a baseScore. */
const char *ps_severity_name(double score);
/* A copy of obj with secrets, env values, status and managed fields
 * removed (spec §4.8). */
int ps_redact(ks_arena *a, const kv_value *obj, kv_value *out);

#endif
