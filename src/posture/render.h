/*
 * Renders a finished posture scan in the output formats of `kso scan`.
 *
 * Every renderer reads the same two inputs and nothing else: the scan
 * report in upstream Kubescape's JSON v2 shape (spec configscan_rego.md
 * §6.1: summaryDetails, results, resources with their redacted objects and
 * file sources) and the control documents of the library the scan used
 * (descriptions, remediation, baseScore, category), so a report read back
 * from a JSON file renders exactly as a fresh one.
 *
 * Lifetime: nothing is retained; output is appended to a ks_buf. Renderers
 * are pure functions of their inputs and the options (no clock, no
 * environment), so output is deterministic. Thread-safety: reentrant.
 *
 * Errors: 0, KS_ENOMEM / KS_ELIMIT when the buffer cannot grow, KS_EINVAL
 * with a message in err when the report lacks a field the format needs.
 */
#ifndef KS_POSTURE_RENDER_H
#define KS_POSTURE_RENDER_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "value/value.h"

typedef struct ps_render_in {
    const kv_value *report;    /* JSON v2 report */
    const kv_value *controls;  /* object: controlID -> control document */
    const char *target;        /* what was scanned, for headings: "framework NSA,MITRE" */
    bool verbose;              /* pretty-printer: list every resource, not only failed ones */
    bool color;                /* pretty-printer: ANSI colours */
    const char *k8s_namespace; /* k8s-objects: namespace for cluster-scoped resources
                                * (the operator namespace; NULL: "kubescape") */
} ps_render_in;

/* Human summary: per-framework control table (severity, control name,
 * failed and all resources, compliance score), then totals. */
int ps_render_pretty(ks_buf *out, const ps_render_in *in, ks_error *err);

/* JUnit XML: one testsuite per framework, one testcase per control. */
int ps_render_junit(ks_buf *out, const ps_render_in *in, ks_error *err);

/* SARIF 2.1.0: one rule per control, one result per failed resource and
 * control, located in the source file (line/column from the failed or fix
 * path, else line 1). */
int ps_render_sarif(ks_buf *out, const ps_render_in *in, ks_error *err);

/* Prometheus text exposition (HELP and TYPE for every metric). */
int ps_render_prometheus(ks_buf *out, const ps_render_in *in, ks_error *err);

/* A self-contained HTML page (no external assets). */
int ps_render_html(ks_buf *out, const ps_render_in *in, ks_error *err);

/* WorkloadConfigurationScan and WorkloadConfigurationScanSummary objects
 * (spdx.softwarecomposition.kubescape.io/v1beta1, spec storage.md §3.4-3.5)
 * for every resource of the report, as a JSON `kind: List`. */
int ps_render_k8s_objects(ks_buf *out, const ps_render_in *in, ks_error *err);

#endif
