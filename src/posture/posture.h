/*
 * Posture (configuration) scanning: control libraries, resources, rule
 * evaluation, exceptions, statuses and compliance scores, as upstream
 * Kubescape does them (spec configscan_rego.md §2-§6).
 *
 * A ps_library holds frameworks, controls and rules (Rego text and
 * metadata), default control inputs, system exceptions and attack tracks,
 * in the release-artifact shape whatever form it was read from. A
 * ps_resources holds the Kubernetes objects (and host/cloud envelopes) of
 * one scan. ps_scan evaluates the selected controls over the resources and
 * produces the report in upstream's JSON v2 shape (render.h turns it into
 * the other formats).
 *
 * Lifetime: libraries and resource sets are immutable once loaded and may
 * be shared by concurrent scans. A report lives in the arena given to
 * ps_scan. Thread-safety: ps_scan uses worker threads internally and is
 * otherwise reentrant.
 *
 * Errors: 0 or a negative KS_E* code with a message naming the input (file,
 * line, column or JSON path) in the ks_error.
 */
#ifndef KS_POSTURE_POSTURE_H
#define KS_POSTURE_POSTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "value/value.h"

/* ---- control libraries ---- */

typedef struct ps_library ps_library;

/* Reads a library directory in either form: the upstream source layout
 * (rules/NAME/{raw.rego,filter.rego,rule.metadata.json}, and JSON files in
 * controls/, frameworks/, exceptions/ and attack-tracks/, with
 * default-config-inputs.json) or release artifacts (frameworks.json,
 * controls.json, rules.json, default_config_inputs.json or
 * controls-inputs.json, exceptions.json, attack_tracks.json or
 * attack-tracks.json, per-framework <name>.json). */
int ps_library_load_dir(const char *dir, ps_library **out, ks_error *err);

/* Reads policy files as `--use-from` does: each a framework (with its
 * controls and their rules) or a single control. */
int ps_library_load_files(const char *const *files, size_t n, ps_library **out, ks_error *err);

/* The library built into kso (policies/ at build time). */
int ps_library_builtin(ps_library **out, ks_error *err);

void ps_library_free(ps_library *lib);

/* Writes the release artifacts of the library to dir (created if needed):
 * frameworks.json, security_frameworks.json, controls.json, rules.json,
 * default_config_inputs.json, attack_tracks.json, exceptions.json, the two
 * CSV tables and <framework-name-lowercased>.json per framework, plus
 * controls-inputs.json and attack-tracks.json, the names `kubescape scan
 * --use-artifacts-from` reads. version is written into frameworks. */
int ps_library_export(const ps_library *lib, const char *dir, const char *version, ks_error *err);

/* Downloading the upstream release artifacts (regolibrary's GitHub
 * releases, or a mirror of the same layout). */
#define PS_DOWNLOAD_DEFAULT_URL     "https://github.com/kubescape/regolibrary/releases"
#define PS_DOWNLOAD_DEFAULT_VERSION "v2" /* the rolling tag kubescape reads by default */

typedef struct ps_download_opts {
    const char *url;         /* releases base URL; NULL: PS_DOWNLOAD_DEFAULT_URL */
    const char *version;     /* release tag; NULL: the default; "latest": <url>/latest/download */
    const char *proxy;       /* proxy URL; NULL: the environment (HTTPS_PROXY, NO_PROXY, ...) */
    const char *ca_file;     /* trusted CAs (PEM); NULL: the system's */
    bool insecure;           /* skip TLS verification */
    size_t max_file_size;    /* per artifact; 0: 64 MiB */
    long timeout_ms;         /* per request; 0: 120 s */
    long connect_timeout_ms; /* 0: 15 s */
} ps_download_opts;

/* Downloads the release artifacts <url>/download/<version>/<name> (frameworks,
 * security_frameworks (optional), controls, rules, default_config_inputs,
 * exceptions, attack_tracks; each tried as the release's extension-less
 * asset name, then as <name>.json) into a temporary directory beside dir,
 * checks each is JSON of the right shape and that the set loads as a
 * library, adds the files `kubescape download artifacts` writes
 * (<framework>.json, controls-inputs.json, attack-tracks.json), then
 * replaces dir in one rename. On any failure dir is left as it was. An
 * existing dir must be empty or hold release artifacts (it is never
 * replaced otherwise). Errors name the URL or file; network, TLS and HTTP
 * failures are KS_EIO. */
int ps_library_download(const ps_download_opts *o, const char *dir, ks_error *err);

size_t ps_library_framework_count(const ps_library *lib);
const char *ps_library_framework_name(const ps_library *lib, size_t i);
size_t ps_library_control_count(const ps_library *lib);
/* The control document (artifact shape) at i, in control-ID order. */
const kv_value *ps_library_control(const ps_library *lib, size_t i);
/* Default control inputs: object key -> array of strings. */
const kv_value *ps_library_default_inputs(const ps_library *lib);

/* ---- resources ---- */

typedef struct ps_resources ps_resources;

ps_resources *ps_resources_new(void);
void ps_resources_free(ps_resources *rs);

/* Adds the objects of a file or, recursively, of a directory's .yaml, .yml
 * and .json files (sorted by name). YAML streams may hold many documents,
 * JSON files one value (an object or an array of objects); `kind: List` and
 * typed lists (PodList) are expanded. Documents that are not Kubernetes
 * objects (no apiVersion) are skipped; a document with apiVersion but no
 * kind or name is an error naming the file and document. root is what
 * source paths are made relative to (NULL: path itself). */
int ps_resources_add_path(ps_resources *rs, const char *path, const char *root, ks_error *err);

/* Adds the objects of an in-memory YAML or JSON stream (stdin). */
int ps_resources_add_text(ps_resources *rs, const char *name, const char *text, size_t n,
                          ks_error *err);

/* Adds one object (copied). */
int ps_resources_add_object(ps_resources *rs, const kv_value *obj, const char *source,
                            ks_error *err);

size_t ps_resources_count(const ps_resources *rs);

/* ---- scanning ---- */

typedef struct ps_scan_opts {
    /* Frameworks (names, case-insensitive; "all" = every framework) or
     * control IDs; neither: every framework. */
    const char *const *frameworks;
    size_t nframeworks;
    const char *const *controls;
    size_t ncontrols;
    const char *scope;             /* "file" (default), "cluster", "cloud", "EKS", "AKS", "GKE" */
    const char *include_ns;        /* comma list, beats exclude_ns */
    const char *exclude_ns;        /* comma list */
    const kv_value *inputs;        /* control inputs (key -> [strings]); NULL: library defaults */
    const kv_value *exceptions;    /* PostureExceptionPolicy array; NULL: none */
    bool no_system_exceptions;     /* ignore the library's exceptions.json */
    bool inline_exceptions;        /* honour kubescape.io/skip-controls annotations */
    bool keep_resources;           /* put resources[] (redacted objects) in the report */
    const char *cluster_name;      /* for exceptions and the report */
    const char *cloud_provider;    /* data.dataControlInputs.cloudProvider; NULL: "" */
    const char *kubescape_version; /* for rule version gates; NULL: ours */
    int threads;                   /* 0: one per core */
    size_t large_cluster_size;     /* per-namespace evaluation above this many resources; 0: 2500 */
    int64_t now_ns;                /* report time; 0: the clock */
    const char *report_guid;       /* NULL: random */
    /* The report built: with summary_only, no results[] and resources[]
     * (all the pretty-printer needs without --verbose); with stream_fd
     * >= 0 the whole report is also written to that descriptor as compact
     * JSON while it is built (only the summary is kept in memory). A
     * zeroed ps_scan_opts would stream to descriptor 0: start from
     * PS_SCAN_OPTS_INIT or set stream_fd to -1. */
    bool summary_only;
    int stream_fd;
} ps_scan_opts;

/* Scans and builds the JSON v2 report in arena a. Returns KS_ENOENT with
 * a message for an unknown framework or control. Set stream_fd to -1 when
 * not streaming (a zeroed ps_scan_opts streams to descriptor 0 otherwise:
 * use PS_SCAN_OPTS_INIT). */
#define PS_SCAN_OPTS_INIT \
    {                     \
        .stream_fd = -1   \
    }
int ps_scan(const ps_library *lib, const ps_resources *rs, const ps_scan_opts *opts, ks_arena *a,
            kv_value *report, ks_error *err);

/* ---- live clusters ---- */

typedef struct kube_client kube_client;

typedef struct ps_cluster_stats {
    size_t types;      /* resource types listed */
    size_t namespaces; /* namespaces they were listed in */
    size_t lists;      /* LIST pages read */
    size_t objects;    /* objects added */
    size_t failures;   /* collection failures recorded */
} ps_cluster_stats;

/* Adds the objects of the cluster behind c that a scan with opts (its
 * frameworks or controls, scope and namespaces) needs. The resource types
 * are those the selected rules match, found through API discovery, one
 * version per group and resource (the preferred one when it matches).
 * Every LIST is read page by page. Cluster-scoped types are listed once;
 * a namespaced type across the cluster, or namespace by namespace when
 * --include-namespaces names the namespaces or the cluster-wide LIST is
 * refused with 403 (RBAC granted per namespace); --exclude-namespaces
 * leaves objects out, and Namespace objects are filtered by name. When
 * namespaces cannot be listed, the include list names them. Objects get
 * their apiVersion and kind and lose metadata.managedFields and the
 * kubectl.kubernetes.io/last-applied-configuration annotation.
 *
 * Host data (hostdata.kubescape.cloud kinds) comes from the CRs node-agent
 * writes, one per node, turned into the envelopes the rules read.
 *
 * What cannot be collected (a LIST refused with 403, an aggregated API
 * that is down, host data the node agents did not report) is recorded in
 * rs: ps_scan then reports every control that needs it, and found no
 * failure, as skipped / notEvaluated (never passed), and lists it in the
 * report's scanCoverage. A type refused in every namespace is one failure of the
 * whole type; in some, one partial failure per namespace. Returns an
 * error only when discovery fails (the cluster cannot be reached), on
 * memory exhaustion or with more than 100,000 namespaces. st may be NULL. */
int ps_resources_add_cluster(ps_resources *rs, kube_client *c, const ps_library *lib,
                             const ps_scan_opts *opts, ps_cluster_stats *st, ks_error *err);

/* Failed controls of the report at or above a severity ("low", "medium",
 * "high", "critical"); -1 for an unknown severity name. */
int ps_report_failed_at_severity(const kv_value *report, const char *severity);
/* summaryDetails.complianceScore. */
double ps_report_compliance(const kv_value *report);
/* scanCoverage.coverageScore (100 when nothing was missed and some control
 * ran, 0 when none did), with the number of controls not evaluated. */
double ps_report_coverage(const kv_value *report, size_t *not_evaluated);

/* ---- the upstream library's rule test cases (spec §10) ---- */

typedef struct ps_ruletest_opts {
    const char *const *rules; /* only these rules; NULL: all */
    size_t nrules;
    bool verbose;
    void (*report)(void *ctx, const char *name, bool pass, const char *detail);
    void *report_ctx;
} ps_ruletest_opts;

typedef struct ps_ruletest_stats {
    size_t cases, passed;
} ps_ruletest_stats;

/* Runs every rules/<rule>/test/<case> of a source-layout library through
 * the engine following the upstream runner's procedure (spec §10.2). */
int ps_ruletest_run(const char *libdir, const ps_ruletest_opts *opts, ps_ruletest_stats *stats,
                    ks_error *err);

#endif
