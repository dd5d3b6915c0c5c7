/*
 * Label and field selectors, as a Kubernetes API server reads the
 * labelSelector and fieldSelector query parameters of LIST, WATCH and
 * DELETECOLLECTION.
 *
 * Label selectors follow the full grammar of k8s.io/apimachinery/pkg/labels:
 * "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a" (exists), "!a"
 * (does not exist), "a>1", "a<1", comma-separated requirements; keys and
 * values are validated as label keys and values. Field selectors are
 * comma-separated "path=value", "path==value" and "path!=value" terms with
 * backslash escapes in values; the caller names the field paths it supports.
 *
 * Ownership: parsed selectors (requirements, keys, values, and the message of
 * a failed parse) live in the arena given to the parser. Pure functions; a
 * parsed selector may be matched from any number of threads.
 *
 * Errors: 0, or KS_EPARSE for malformed input, KS_EINVAL for a key, value or
 * field that is not valid, KS_ELIMIT past a limit. The ks_error carries the
 * message and the byte offset; the complete message, exactly as
 * kube-apiserver words it for its 400 answer, is also in the selector's
 * error / error_len (the ks_error's copy may be truncated).
 */
#ifndef KS_KUBE_SELECTOR_H
#define KS_KUBE_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "value/value.h"

/* A string with its length (those the parsers make are also NUL-terminated). */
typedef struct kube_str {
    const char *s;
    size_t n;
} kube_str;

/* Bounds on selectors; a zero field takes its default. */
typedef struct kube_sel_limits {
    size_t max_len;  /* bytes of selector text; default 16384 */
    size_t max_reqs; /* requirements or terms; default 256 */
} kube_sel_limits;

#define KUBE_SEL_DEFAULT_MAX_LEN  16384
#define KUBE_SEL_DEFAULT_MAX_REQS 256

/* ---- label selectors (prefix kube_sel_) ---- */

typedef enum kube_sel_op {
    KUBE_SEL_EQ,         /* "=" */
    KUBE_SEL_DEQ,        /* "==" (same meaning as "=") */
    KUBE_SEL_NEQ,        /* "!=" */
    KUBE_SEL_IN,         /* "in" */
    KUBE_SEL_NOTIN,      /* "notin" */
    KUBE_SEL_EXISTS,     /* "key" */
    KUBE_SEL_NOT_EXISTS, /* "!key" */
    KUBE_SEL_GT,         /* ">" (integer label values) */
    KUBE_SEL_LT,         /* "<" */
} kube_sel_op;

typedef struct kube_sel_req {
    kube_str key;
    kube_sel_op op;
    const kube_str *values; /* sorted, without duplicates */
    size_t nvalues;
} kube_sel_req;

/* Requirements sorted by key (stable), all of which must hold. An empty
 * selector matches everything. */
typedef struct kube_label_sel {
    const kube_sel_req *reqs;
    size_t n;
    const char *error; /* after a failed parse: the whole message */
    size_t error_len;
} kube_label_sel;

/* Parses s[0..n). lim may be NULL. */
int kube_sel_parse(ks_arena *a, const char *s, size_t n, const kube_sel_limits *lim,
                   kube_label_sel *out, ks_error *err);

/* Whether a labels object (metadata.labels; NULL or a non-object counts as
 * no labels) satisfies every requirement. Label values that are not strings
 * never equal a requirement's value. */
bool kube_sel_match_labels(const kube_label_sel *sel, const kv_value *labels);
/* The same against an object's metadata.labels. */
bool kube_sel_match(const kube_label_sel *sel, const kv_value *obj);

/* Appends the selector's canonical text ("a in (x,y),!b,c=d"), which parses
 * back to an equal selector. */
int kube_sel_write(const kube_label_sel *sel, ks_buf *out);

/* Validation as the API server applies it to label keys and values (also
 * used for metadata.labels): NULL when valid, else the message (arena). */
const char *kube_label_key_check(ks_arena *a, const char *k, size_t n);
const char *kube_label_value_check(ks_arena *a, const char *v, size_t n);

/* ---- field selectors (prefix kube_fsel_) ---- */

typedef struct kube_fsel_term {
    kube_str field;
    kube_str value; /* unescaped */
    bool neq;       /* "!=" */
} kube_fsel_term;

typedef struct kube_field_sel {
    const kube_fsel_term *terms; /* sorted by their text, as upstream sorts them */
    size_t n;
    const char *error; /* after a failed parse: the whole message */
    size_t error_len;
} kube_field_sel;

/* Parses s[0..n); every field must be one of supported[0..nsupported)
 * (else KS_EINVAL "field label not supported: X"). lim may be NULL. */
int kube_fsel_parse(ks_arena *a, const char *s, size_t n, const char *const *supported,
                    size_t nsupported, const kube_sel_limits *lim, kube_field_sel *out,
                    ks_error *err);

/* Gets a field's value from an object as a string; false when absent (an
 * absent field compares as ""). */
typedef bool (*kube_fsel_get_fn)(void *ctx, const kv_value *obj, kube_str field, kube_str *value);

/* The default getter: the field is a dotted path into the object
 * ("metadata.name"); strings are taken as they are, other scalars are
 * absent. */
bool kube_fsel_get_path(void *ctx, const kv_value *obj, kube_str field, kube_str *value);

/* Whether obj satisfies every term; get NULL means kube_fsel_get_path. */
bool kube_fsel_match(const kube_field_sel *sel, const kv_value *obj, kube_fsel_get_fn get,
                     void *ctx);

/* The value an "=" or "==" term requires of field, if there is one (as
 * RequiresExactMatch: a LIST for one name). */
bool kube_fsel_exact(const kube_field_sel *sel, const char *field, kube_str *value);

#endif
