/*
 * Internals shared by the output formats of `kso scan` (render_*.c): a
 * read-only view of a JSON v2 report, the status, severity and score rules
 * the upstream printers apply, the assisted-remediation path lines, text
 * escaping for XML, HTML and Prometheus, and a locator of Kubescape paths
 * ("spec.containers[0].image") in YAML source text.
 */
#ifndef KS_POSTURE_RENDER_INT_H
#define KS_POSTURE_RENDER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "posture/render.h"
#include "value/value.h"

/* Statuses in upstream's order of precedence (apis.Compare). */
enum ps_st { PS_ST_UNKNOWN, PS_ST_PASSED, PS_ST_SKIPPED, PS_ST_FAILED };

/* A control summary (summaryDetails.controls[ID] or a framework's). */
typedef struct ps_rctl {
    const char *id;
    const char *name;
    const kv_value *doc;    /* control document of the library, or NULL */
    enum ps_st status;      /* statusInfo.status, else status */
    const char *sub_status; /* "" when none */
    const char *info;       /* "" when none */
    long passed, failed, skipped;
    float score_factor;
    float compliance; /* -1 when the summary has none */
} ps_rctl;

typedef struct ps_rfw {
    const char *name;
    ps_rctl *controls; /* sorted by ID */
    size_t ncontrols;
    long passed, failed, skipped;
    float compliance;
} ps_rfw;

/* A resources[] entry. */
typedef struct ps_rres {
    const char *id;
    const kv_value *obj;    /* the (redacted) object, or NULL */
    const kv_value *source; /* source{path, relativePath, ...}, or NULL */
} ps_rres;

/* The identity of a resource as upstream's IMetadata reads it. Strings are
 * never NULL. */
typedef struct ps_rident {
    const char *api_version, *kind, *name, *namespace_;
    bool vector; /* a RegoResponseVector (subject with relatedObjects) */
} ps_rident;

typedef struct ps_rview {
    const ps_render_in *in;
    const kv_value *report, *summary;
    ps_rctl *controls; /* summaryDetails.controls, sorted by ID */
    size_t ncontrols;
    ps_rfw *fws; /* summaryDetails.frameworks, in report order */
    size_t nfws;
    const kv_value *results; /* results[] (sorted by resourceID upstream) */
    size_t nresults;
    ps_rres *res; /* resources[], sorted by ID */
    size_t nres;
    long passed, failed, skipped; /* summaryDetails.ResourceCounters */
    float compliance;
    ks_arena arena;
} ps_rview;

/* Reads the report of in into v. KS_EINVAL with a message when the report
 * is not an object or has no summaryDetails. Free with ps_rview_free. */
int ps_rview_init(ps_rview *v, const ps_render_in *in, ks_error *err);
void ps_rview_free(ps_rview *v);

const ps_rctl *ps_rview_control(const ps_rview *v, const char *id);
const ps_rres *ps_rview_resource(const ps_rview *v, const char *id);
/* The identity of a resource: from its object when the report has it, else
 * from a Kubernetes resource ID (group/version/namespace/kind/name); false
 * when neither tells. */
bool ps_rview_ident(ps_rview *v, const char *id, ps_rident *out);

/* Control-level counts of a counters-less set of controls. */
typedef struct ps_ccount {
    long all, passed, failed, skipped;
} ps_ccount;
ps_ccount ps_r_count_controls(const ps_rctl *c, size_t n);

/* ---- statuses, severities, scores ---- */

enum ps_st ps_r_status_of(const kv_value *s); /* a status string value */
const char *ps_r_status_name(enum ps_st s);
/* The status of a results[].controls[] entry (its status, else its rules'). */
enum ps_st ps_r_rc_status(const kv_value *rc);
const char *ps_r_rc_sub_status(const kv_value *rc);

int ps_r_severity_rank(float score); /* 4 Critical .. 0 Unknown */
const char *ps_r_severity_name(float score);
/* baseScore of the control document, else the summary's scoreFactor. */
float ps_r_control_score(const ps_rctl *c);
const char *ps_r_control_text(const ps_rctl *c, const char *field); /* "" when absent */

/* cautils.ComplianceScoreToInt: rounded, but never 100 below 100. */
int ps_r_compliance_int(float x);
/* cautils.ComplianceScoreToString with prec decimals. */
void ps_r_compliance_str(float x, int prec, char *buf, size_t n);
/* https://hub.armosec.io/docs/<id lower-cased, dots as dashes> */
void ps_r_control_link(ks_buf *b, const char *id);
float ps_r_num_f32(const kv_value *v); /* 0 when not a number */
long ps_r_num_long(const kv_value *v); /* 0 when not an integer */
/* The report's generationTime as Go's UTC "2006-01-02T15:04:05Z" (frac < 0:
 * RFC3339Nano); false when absent or not RFC 3339. buf: KS_TIME_BUFSZ. */
bool ps_r_report_time(const kv_value *report, int frac, char *buf);

/* ---- resources ---- */

void ps_r_rident_of(const kv_value *obj, ps_rident *out);
/* Document index of a file resource: the suffix of object.sourcePath
 * ("rel/path.yaml:2"); -1 when there is none. */
int ps_r_source_doc_index(const kv_value *obj);
/* source.relativePath, or NULL. */
const char *ps_r_source_rel(const ps_rres *r);

/* ---- assisted remediation ---- */

enum {
    PS_PATHS_REDACT = 1 << 0,     /* secret values as [redacted] (pretty-printer) */
    PS_PATHS_CONTAINERS = 1 << 1, /* " (container-name)" after container paths */
};
/* The assisted-remediation lines of a results[].controls[] entry, as
 * upstream lists them: fix paths as path=value, delete paths, review paths
 * and then the failed paths not already listed, review and failed paths
 * with " (current: value)" read from obj (may be NULL). Strings and array in
 * arena a. */
int ps_r_remediation_lines(ks_arena *a, const kv_value *rc, const kv_value *obj, unsigned flags,
                           const char ***out, size_t *n);
/* The first path of that list without values (fix, else delete, review,
 * failed), or NULL: the one SARIF locates. */
const char *ps_r_remediation_first(const kv_value *rc);

/* ---- text ---- */

/* Go encoding/xml escaping (attributes and character data alike). */
void ps_r_xml_escape(ks_buf *b, const char *s, size_t n);
/* HTML text and attribute escaping; invalid UTF-8 and control characters
 * become U+FFFD. */
void ps_r_html_escape(ks_buf *b, const char *s, size_t n);
/* Prometheus label value escaping (backslash, double quote, newline). */
void ps_r_prom_escape(ks_buf *b, const char *s, size_t n);
/* Go's json.MarshalIndent(v, "", "  ") layout of compact JSON text s. */
void ps_r_json_indent(ks_buf *b, const char *s, size_t n);
/* Terminal-safe text: control characters (escape sequences included) and
 * invalid UTF-8 become '?'. */
void ps_r_term_text(ks_buf *b, const char *s, size_t n);

/* ---- YAML locations ---- */

typedef struct ps_yindex ps_yindex;

/* Indexes the nodes of every document of a YAML (or JSON) stream: their
 * positions, keys and scalar texts. KS_EPARSE when the text is not YAML,
 * KS_ELIMIT past depth 1000, KS_ENOMEM. Free with ps_yindex_free. */
int ps_yindex_build(const char *text, size_t n, ps_yindex **out);
void ps_yindex_free(ps_yindex *x);
size_t ps_yindex_ndocs(const ps_yindex *x);
/* The root node of document doc, or -1. */
int32_t ps_yindex_root(const ps_yindex *x, size_t doc);
/* The node of an object with this kind, name and namespace in document doc:
 * its root or an item of a List; -1 when none. */
int32_t ps_yindex_find_object(const ps_yindex *x, size_t doc, const char *kind, const char *name,
                              const char *namespace_);
/* Position (1-based) of the node a Kubescape path names below node base
 * ("a.b[0].c", "=value" ignored), or of its deepest existing ancestor below
 * base, as upstream's resolver falls back step by step; false when not even
 * the first step exists. */
bool ps_yindex_locate(const ps_yindex *x, int32_t base, const char *path, int *line, int *col);
/* The position of a node (1-based); false for no node. */
bool ps_yindex_pos(const ps_yindex *x, int32_t node, int *line, int *col);

#endif
