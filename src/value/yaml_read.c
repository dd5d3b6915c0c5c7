/*
 * YAML reader: libfyaml's event parser, values built here.
 *
 * Scalars resolve the way go-yaml v3 resolves them for upstream Kubescape
 * (YAML 1.2 core schema, plus 0777 octals, 0b binaries and '_' digit
 * separators; timestamps as Go marshals them), or with KV_YAML_BOOL11 as
 * go-yaml v2 / sigs.k8s.io/yaml do; numbers are never rounded. Quoted
 * scalars are decoded from the source (yaml_scalar.c), not by libfyaml.
 * Anchored nodes are shared, not copied, and every alias is charged its
 * node count against a budget, so an alias bomb fails fast and small.
 */
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/map.h"
#include "core/vec.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "value/number.h"
#include "value/yaml_scalar.h"
#include "value/value.h"

#define DEFAULT_ALIAS_NODES 1000000
#define TAG_PREFIX          "tag:yaml.org,2002:"

typedef struct anchor_def {
    kv_value v;
    size_t nodes; /* nodes in the anchored subtree, aliases expanded */
} anchor_def;

typedef struct yframe {
    bool is_map;
    bool pending_merge; /* the last key was << */
    size_t base;        /* first stack slot */
    size_t nodes_start; /* node counter when the container opened */
    const char *anchor; /* arena copy of the anchor name, or NULL */
    size_t anchor_len;
    int line, col;      /* where it opened, 1-based */
    size_t merge_base;  /* first merge source of this frame on the merge stack */
    size_t keypos_base; /* first key position of this frame */
} yframe;

typedef struct ypos {
    int line, col;
} ypos;

typedef struct yparser {
    ks_arena *a;
    const kv_yaml_opts *o;
    unsigned flags;
    size_t max_depth, max_alias_nodes;
    ks_error *err;
    const char *source;
    KS_VEC(kv_value) stk;
    KS_VEC(yframe) fr;
    KS_VEC(kv_value) merges; /* merge sources of open mappings */
    KS_VEC(ypos) keypos;     /* where each key of the open mappings stands */
    ks_map anchors;
    size_t nodes;       /* nodes built in this document, aliases expanded */
    size_t alias_nodes; /* nodes added by aliases in this document */
    bool doc_void;      /* the document had no content at all */
    bool from_alias;    /* the node being added is an alias */
    int last_line;      /* where the last event ended (1-based) */
    int last_col;
    const char *src; /* the input, for re-reading raw scalar text */
    size_t src_len;
} yparser;

static int fail(yparser *yp, int code, int line, int col, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

static int fail(yparser *yp, int code, int line, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ks_error_at(yp->err, code, yp->source, line, col, 0, "%s", msg);
}

/* As fail, at byte off of the UTF-8 source text (before libfyaml has read it). */
static int fail_at(yparser *yp, const char *src, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail_at(yparser *yp, const char *src, size_t off, const char *fmt, ...)
{
    int line = 1;
    size_t bol = 0;
    for (size_t i = 0; i < off; i++)
        if (src[i] == '\n') {
            line++;
            bol = i + 1;
        }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail(yp, KS_EPARSE, line, (int)ks_utf8_count(src + bol, off - bol) + 1, "%s", msg);
}

static void event_pos(struct fy_event *e, int *line, int *col)
{
    const struct fy_mark *m = fy_event_start_mark(e);
    *line = m ? m->line + 1 : 0;
    *col = m ? m->column + 1 : 0;
}

static int fail_mem(yparser *yp, struct fy_event *e)
{
    int line, col;
    event_pos(e, &line, &col);
    return fail(yp, KS_ELIMIT, line, col, "document exceeds the memory limit");
}

static bool eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* A string scalar, or for !!binary the decoded bytes. */
static int make_string(yparser *yp, const char *s, size_t n, bool binary, kv_value *out)
{
    return binary ? kv__yaml_binary(yp->a, s, n, out) : kv_str_copy(yp->a, s, n, out);
}

static int scalar_value(yparser *yp, struct fy_event *e, kv_value *out, bool *is_merge)
{
    int line, col;
    event_pos(e, &line, &col);
    size_t n = 0;
    const char *s = NULL;
    enum fy_scalar_style style = fy_token_scalar_style(e->scalar.value);
    if (style == FYSS_SINGLE_QUOTED) {
        /* The token's start mark is just inside the opening quote; its end
         * mark suffers from the same bug, so the closing quote is found
         * here: the first quote not doubled. */
        const struct fy_mark *sm = fy_token_start_mark(e->scalar.value);
        if (sm && sm->input_pos >= 1 && sm->input_pos <= yp->src_len &&
            yp->src[sm->input_pos - 1] == '\'') {
            const char *raw = yp->src + sm->input_pos - 1, *end = yp->src + yp->src_len;
            const char *q = raw + 1;
            while (q < end && (*q != '\'' || (q + 1 < end && q[1] == '\'')))
                q += *q == '\'' ? 2 : 1;
            size_t rn = (size_t)(q - raw) + 1;
            if (q < end) {
                s = kv__yaml_single_quoted(yp->a, raw, rn, &n);
                if (!s)
                    return fail_mem(yp, e);
            }
        }
    }
    if (style == FYSS_DOUBLE_QUOTED) {
        const struct fy_mark *sm = fy_token_start_mark(e->scalar.value);
        if (sm && sm->input_pos >= 1 && sm->input_pos <= yp->src_len &&
            yp->src[sm->input_pos - 1] == '"') {
            const char *raw = yp->src + sm->input_pos - 1, *end = yp->src + yp->src_len;
            const char *q = raw + 1;
            while (q < end && *q != '"')
                q += *q == '\\' && q + 1 < end ? 2 : 1;
            if (q < end) {
                const char *bad;
                s = kv__yaml_double_quoted(yp->a, raw, (size_t)(q - raw) + 1, &n, &bad);
                if (!s && bad)
                    return fail(yp, KS_EPARSE, line, col, "invalid escape in double-quoted scalar");
                if (!s)
                    return fail_mem(yp, e);
            }
        }
    }
    if ((style == FYSS_LITERAL || style == FYSS_FOLDED) && yp->fr.len) {
        /* libfyaml 0.7 reads a block scalar's first line as content even
         * when it is not indented past the parent collection ("k: |" then
         * a sibling key), returning wrong text and sometimes garbage. YAML
         * says the scalar is empty there; we cannot recover the sibling
         * from libfyaml's events, so this is an error, not a wrong value. */
        const struct fy_mark *sm = fy_token_start_mark(e->scalar.value);
        int parent_col = ks_vec_last(&yp->fr).col - 1;
        if (sm && sm->input_pos <= yp->src_len) {
            const char *p = yp->src + sm->input_pos, *end = yp->src + yp->src_len;
            int cline = sm->line + 1;
            while (p < end) {
                const char *q = p;
                while (q < end && *q == ' ')
                    q++;
                if (q < end && *q != '\n' && *q != '\r') {
                    if ((int)(q - p) <= parent_col)
                        return fail(yp, KS_EPARSE, cline, (int)(q - p) + 1,
                                    "block scalar content must be indented more than its "
                                    "parent (write an empty value as \"\")");
                    break;
                }
                while (q < end && *q != '\n')
                    q++;
                p = q < end ? q + 1 : q;
                cline++;
            }
        }
    }
    /* Quoted scalars are not asked of libfyaml at all (its decoding of long
     * runs of escaped quotes also leaks). */
    if (!s)
        s = fy_token_get_text(e->scalar.value, &n);
    if (!s) {
        s = "";
        n = 0;
    }
    size_t tn = 0;
    const char *tag = e->scalar.tag ? fy_token_get_text(e->scalar.tag, &tn) : NULL;
    const char *want = NULL; /* a core tag asked for: "str", "int", ... */
    size_t wn = 0;
    *is_merge = false;
    if (tag) {
        if (tn > strlen(TAG_PREFIX) && memcmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
            want = tag + strlen(TAG_PREFIX);
            wn = tn - strlen(TAG_PREFIX);
        } else if (tn == 1 && tag[0] == '!') {
            want = "str", wn = 3; /* the non-specific tag: a string */
        }
    }
    if (want && (eq(want, wn, "str") || eq(want, wn, "binary"))) {
        int rc = make_string(yp, s, n, eq(want, wn, "binary"), out);
        if (rc == KS_EPARSE)
            return fail(yp, KS_EPARSE, line, col, "!!binary value is not valid base64");
        if (rc)
            return fail_mem(yp, e);
        return 0;
    }
    if (want && eq(want, wn, "merge")) {
        *is_merge = true;
        return kv_str_copy(yp->a, s, n, out) ? fail_mem(yp, e) : 0;
    }
    if (!want && style != FYSS_PLAIN) {
        if (kv_str_copy(yp->a, s, n, out))
            return fail_mem(yp, e);
        return 0;
    }
    if (!want && n == 2 && memcmp(s, "<<", 2) == 0)
        *is_merge = true;

    bool b = false;
    kv_value num;
    /* The arena's failed flag is sticky (it may be set by an earlier use of
     * the arena): clear it to learn whether this resolution failed. */
    bool failed_before = yp->a->failed;
    yp->a->failed = false;
    kv__yres r = kv__yaml_resolve(yp->a, s, n, (yp->flags & KV_YAML_BOOL11) != 0, &b, &num);
    bool failed_now = yp->a->failed;
    yp->a->failed = failed_before || failed_now;
    if (failed_now)
        return fail_mem(yp, e);
    if (want) {
        bool ok = (eq(want, wn, "null") && r == RES_NULL) ||
                  (eq(want, wn, "bool") && r == RES_BOOL) ||
                  (eq(want, wn, "int") && r == RES_NUM && num.sub != KV_NUM_DOUBLE) ||
                  (eq(want, wn, "float") && (r == RES_NUM || r == RES_NAN_INF)) ||
                  eq(want, wn, "timestamp");
        if (eq(want, wn, "timestamp")) {
            char ts[40];
            size_t tsn = kv__yaml_timestamp(s, n, ts);
            if (!tsn)
                return fail(yp, KS_EPARSE, line, col, "cannot read \"%.*s\" as !!timestamp",
                            (int)(n > 60 ? 60 : n), s);
            /* go-yaml v2 keeps even a tagged timestamp as written */
            if (yp->flags & KV_YAML_BOOL11)
                return kv_str_copy(yp->a, s, n, out) ? fail_mem(yp, e) : 0;
            return kv_str_copy(yp->a, ts, tsn, out) ? fail_mem(yp, e) : 0;
        } else if (!ok && (eq(want, wn, "null") || eq(want, wn, "bool") || eq(want, wn, "int") ||
                           eq(want, wn, "float"))) {
            return fail(yp, KS_EPARSE, line, col, "cannot read \"%.*s\" as !!%.*s",
                        (int)(n > 60 ? 60 : n), s, (int)wn, want);
        } else if (!ok) {
            return fail(yp, KS_EPARSE, line, col, "tag !!%.*s is not valid on a scalar", (int)wn,
                        want);
        }
    }
    switch (r) {
    case RES_NULL: *out = kv_null(); return 0;
    case RES_BOOL: *out = kv_bool(b); return 0;
    case RES_NUM: *out = num; return 0;
    case RES_NAN_INF:
        return fail(yp, KS_EPARSE, line, col, "%.*s cannot be represented in JSON", (int)n, s);
    default: {
        /* go-yaml v3 reads timestamp-like plain scalars as times, which
         * become RFC 3339 strings in JSON; go-yaml v2 (sigs.k8s.io/yaml)
         * keeps the text. */
        char ts[40];
        size_t tsn = (yp->flags & KV_YAML_BOOL11) ? 0 : kv__yaml_timestamp(s, n, ts);
        if (tsn ? kv_str_copy(yp->a, ts, tsn, out) : kv_str_copy(yp->a, s, n, out))
            return fail_mem(yp, e);
        return 0;
    }
    }
}

/* ---- building ---- */

/* A mapping key as a string: scalars convert as sigs.k8s.io/yaml does. */
static int key_to_string(yparser *yp, kv_value *k, int line, int col)
{
    if (k->kind == KV_STRING)
        return 0;
    if (k->kind == KV_ARRAY || k->kind == KV_OBJECT)
        return fail(yp, KS_EPARSE, line, col, "a mapping key must be a scalar, not a %s",
                    k->kind == KV_ARRAY ? "sequence" : "mapping");
    if (k->kind == KV_NULL && (yp->flags & KV_YAML_BOOL11))
        return fail(yp, KS_EPARSE, line, col,
                    "a null mapping key (sigs.k8s.io/yaml cannot convert it to JSON)");
    ks_buf b = KS_BUF_INIT;
    kv_json_write(&b, k, 0);
    int rc = kv_str_copy(yp->a, ks_buf_cstr(&b), b.len, k);
    ks_buf_free(&b);
    return rc ? fail(yp, KS_ELIMIT, line, col, "document exceeds the memory limit") : 0;
}

/* Adds a finished node (scalar, alias or closed container) to the open
 * container, or makes it the document. */
static int add_node(yparser *yp, kv_value v, bool is_merge_key, int line, int col)
{
    if (yp->fr.len == 0) {
        ks_vec_push(&yp->stk, v);
        return 0;
    }
    yframe *f = &ks_vec_last(&yp->fr);
    if (!f->is_map) {
        ks_vec_push(&yp->stk, v);
        return 0;
    }
    bool at_key = ((yp->stk.len - f->base) % 2) == 0 && !f->pending_merge;
    if (at_key) {
        if (is_merge_key) {
            f->pending_merge = true;
            return 0;
        }
        int rc = key_to_string(yp, &v, line, col);
        if (rc)
            return rc;
        ks_vec_push(&yp->stk, v);
        ks_vec_push(&yp->keypos, ((ypos){line, col}));
        return 0;
    }
    if (f->pending_merge) {
        f->pending_merge = false;
        if (v.kind == KV_OBJECT) {
            ks_vec_push(&yp->merges, v);
            return 0;
        }
        if (v.kind == KV_ARRAY && !yp->from_alias) { /* go-yaml: an alias must be a mapping */
            for (uint32_t i = 0; i < v.len; i++) {
                if (v.u.items[i].kind != KV_OBJECT)
                    return fail(yp, KS_EPARSE, line, col,
                                "a merge (<<) sequence may hold only mappings");
                ks_vec_push(&yp->merges, v.u.items[i]);
            }
            return 0;
        }
        return fail(yp, KS_EPARSE, line, col,
                    "a merge (<<) value must be a mapping or a "
                    "sequence of mappings");
    }
    ks_vec_push(&yp->stk, v);
    return 0;
}

static int open_container(yparser *yp, struct fy_event *e, bool is_map, struct fy_token *anchor)
{
    int line, col;
    event_pos(e, &line, &col);
    if (yp->fr.len >= yp->max_depth)
        return fail(yp, KS_ELIMIT, line, col, "nesting deeper than %zu levels", yp->max_depth);
    /* A container in key position cannot become a JSON key. */
    if (yp->fr.len) {
        yframe *p = &ks_vec_last(&yp->fr);
        if (p->is_map && !p->pending_merge && ((yp->stk.len - p->base) % 2) == 0)
            return fail(yp, KS_EPARSE, line, col, "a mapping key must be a scalar, not a %s",
                        is_map ? "mapping" : "sequence");
    }
    yp->nodes++;
    yframe f = {.is_map = is_map,
                .base = yp->stk.len,
                .nodes_start = yp->nodes,
                .line = line,
                .col = col,
                .merge_base = yp->merges.len,
                .keypos_base = yp->keypos.len};
    if (anchor) {
        size_t an;
        const char *at = fy_token_get_text(anchor, &an);
        f.anchor = ks_arena_strndup(yp->a, at, an);
        f.anchor_len = an;
        if (!f.anchor)
            return fail_mem(yp, e);
    }
    ks_vec_push(&yp->fr, f);
    return 0;
}

static int set_anchor(yparser *yp, const char *name, size_t n, kv_value v, size_t nodes,
                      struct fy_event *e)
{
    anchor_def *an = ks_arena_alloc(yp->a, sizeof(*an));
    char *key = ks_arena_strndup(yp->a, name, n);
    if (!an || !key)
        return fail_mem(yp, e);
    an->v = v;
    an->nodes = nodes;
    ks_map_put(&yp->anchors, key, n, an);
    return 0;
}

/* The values on the stack from base up, or NULL when there are none (the
 * stack is not allocated until the first push). Pushes may move it. */
static const kv_value *stack_from(const yparser *yp, size_t base)
{
    return yp->stk.len > base ? yp->stk.v + base : NULL;
}

static int close_container(yparser *yp, struct fy_event *e)
{
    yframe f = ks_vec_pop(&yp->fr);
    size_t count = yp->stk.len - f.base;
    kv_value v, dup = kv_null();
    int rc;
    if (f.is_map) {
        if (f.pending_merge)
            return fail(yp, KS_EPARSE, f.line, f.col, "merge key (<<) without a value");
        /* Merged keys come after explicit ones, earlier sources first, and
         * never override: first wins over the whole list. */
        size_t nmerge = yp->merges.len - f.merge_base;
        size_t explicit_pairs = count / 2;
        if (nmerge) {
            /* The explicit keys first, under the duplicate policy (an
             * error, or the last of them wins), then the merged ones. */
            kv_value expl;
            rc = kv_object_new(
                    yp->a, (const kv_member *)(const void *)stack_from(yp, f.base), explicit_pairs,
                    (yp->flags & KV_YAML_DUP_LAST_WINS) ? KV_DUP_LAST_WINS : KV_DUP_ERROR, &expl,
                    &dup);
            if (rc == KS_EEXIST)
                goto duplicate;
            if (rc)
                return fail_mem(yp, e);
            yp->stk.len = f.base;
            for (uint32_t k = 0; k < expl.len; k++) {
                ks_vec_push(&yp->stk, expl.u.members[k].key);
                ks_vec_push(&yp->stk, expl.u.members[k].val);
            }
            for (size_t i = 0; i < nmerge; i++) {
                const kv_value *src = &yp->merges.v[f.merge_base + i];
                for (uint32_t k = 0; k < src->len; k++) {
                    ks_vec_push(&yp->stk, src->u.members[k].key);
                    ks_vec_push(&yp->stk, src->u.members[k].val);
                }
            }
            rc = kv_object_new(yp->a, (const kv_member *)(const void *)stack_from(yp, f.base),
                               (yp->stk.len - f.base) / 2, KV_DUP_FIRST_WINS, &v, NULL);
        } else {
            rc = kv_object_new(
                    yp->a, (const kv_member *)(const void *)stack_from(yp, f.base), explicit_pairs,
                    (yp->flags & KV_YAML_DUP_LAST_WINS) ? KV_DUP_LAST_WINS : KV_DUP_ERROR, &v,
                    &dup);
            if (rc == KS_EEXIST)
                goto duplicate;
        }
        yp->merges.len = f.merge_base;
    } else {
        rc = kv_array_new(yp->a, stack_from(yp, f.base), count, &v);
    }
    if (rc)
        return fail_mem(yp, e);
    yp->stk.len = f.base;
    yp->keypos.len = f.keypos_base;
    if (f.anchor) {
        rc = set_anchor(yp, f.anchor, f.anchor_len, v, yp->nodes - f.nodes_start + 1, e);
        if (rc)
            return rc;
    }
    return add_node(yp, v, false, f.line, f.col);

duplicate : {
    /* Point at the second occurrence of the key. */
    ypos at = {f.line, f.col};
    int seen = 0;
    for (size_t k = 0; k < count / 2; k++) {
        if (kv_equal(&yp->stk.v[f.base + 2 * k], &dup) && ++seen == 2) {
            at = yp->keypos.v[f.keypos_base + k];
            break;
        }
    }
    return fail(yp, KS_EPARSE, at.line, at.col, "mapping has the key \"%.*s\" more than once",
                (int)(dup.len > 100 ? 100 : dup.len), dup.u.s);
}
}

static int on_alias(yparser *yp, struct fy_event *e)
{
    int line, col;
    event_pos(e, &line, &col);
    size_t n;
    const char *name = fy_token_get_text(e->alias.anchor, &n);
    anchor_def *an = ks_map_get(&yp->anchors, name, n);
    if (!an)
        return fail(yp, KS_EPARSE, line, col, "alias *%.*s refers to no anchor", (int)n, name);
    yp->alias_nodes += an->nodes;
    yp->nodes += an->nodes;
    if (yp->alias_nodes > yp->max_alias_nodes)
        return fail(yp, KS_ELIMIT, line, col,
                    "aliases expand to more than %zu nodes (an alias bomb?)", yp->max_alias_nodes);
    yp->from_alias = true;
    int rc = add_node(yp, an->v, false, line, col);
    yp->from_alias = false;
    return rc;
}

static int on_scalar(yparser *yp, struct fy_event *e)
{
    int line, col;
    event_pos(e, &line, &col);
    /* libfyaml reports a document without content as an empty scalar
     * without a position. */
    if (yp->fr.len == 0 && fy_event_start_mark(e) == NULL && !e->scalar.tag && !e->scalar.anchor)
        yp->doc_void = true;
    kv_value v;
    bool is_merge = false;
    int rc = scalar_value(yp, e, &v, &is_merge);
    if (rc)
        return rc;
    yp->nodes++;
    if (e->scalar.anchor) {
        size_t an;
        const char *at = fy_token_get_text(e->scalar.anchor, &an);
        if ((rc = set_anchor(yp, at, an, v, 1, e)))
            return rc;
    }
    return add_node(yp, v, is_merge, line, col);
}

/* ---- the event loop ---- */

static int diag_error(yparser *yp, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *de;
    while ((de = fy_diag_errors_iterate(diag, &it)))
        if (de->type >= FYET_ERROR)
            return fail(yp, KS_EPARSE, de->line, de->column, "%s", de->msg);
    /* libfyaml 0.7 reports some errors (bad directives, for one) without a
     * diagnostic: say where reading stopped. */
    return fail(yp, KS_EPARSE, yp->last_line ? yp->last_line : 1, yp->last_col ? yp->last_col : 1,
                "malformed YAML after this point (an invalid directive, tag or indentation)");
}

typedef struct stop_first {
    kv_value *out;
    bool got;
} stop_first;

/* libfyaml 0.7.12 (Debian 12) frees a simple key twice when, in a
 * document with explicit ("? ") keys, the ':' of a value is followed by
 * whitespace holding a tab and then an indicator (?, :, |, > or "- "): its
 * scanner recycles the key, then does so again on the indentation error
 * (fy_fetch_value). Such input is refused before it reaches the library.
 * The position of the ':', or n when there is none. */
static size_t tab_hazard(const char *s, size_t n)
{
    bool explicit_key = false;
    for (size_t i = 0; i < n && !explicit_key; i++)
        explicit_key = s[i] == '?' &&
                       (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n' ||
                        s[i - 1] == '-') &&
                       (i + 1 == n || s[i + 1] == ' ' || s[i + 1] == '\t' || s[i + 1] == '\n' ||
                        s[i + 1] == '\r');
    if (!explicit_key)
        return n;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ':')
            continue;
        size_t j = i + 1;
        bool tab = false;
        for (; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
            tab |= s[j] == '\t';
        if (!tab || j == n)
            continue;
        char c = s[j];
        bool dash_entry = c == '-' && (j + 1 == n || s[j + 1] == ' ' || s[j + 1] == '\t' ||
                                       s[j + 1] == '\n' || s[j + 1] == '\r');
        if (c == '?' || c == ':' || c == '|' || c == '>' || dash_entry)
            return i;
    }
    return n;
}

int kv_yaml_parse_stream(ks_arena *a, const char *src, size_t n, const kv_yaml_opts *opts,
                         kv_yaml_doc_fn fn, void *ctx, ks_error *err)
{
    yparser yp = {.a = a, .o = opts, .err = err, .src = src, .src_len = n};
    yp.flags = opts ? opts->flags : 0;
    yp.source = opts ? opts->source : NULL;
    yp.max_depth = opts && opts->max_depth ? opts->max_depth : KV_DEFAULT_MAX_DEPTH;
    yp.max_alias_nodes =
            opts && opts->max_alias_nodes ? opts->max_alias_nodes : DEFAULT_ALIAS_NODES;
    if (opts && opts->max_size && n > opts->max_size)
        return fail(&yp, KS_ELIMIT, 0, 0, "input is %zu bytes, more than the limit of %zu", n,
                    opts->max_size);
    /* Validated here rather than left to libfyaml: invalid UTF-8 inside a
     * directive makes libfyaml 0.7 loop forever, and the position is
     * clearer this way too. */
    size_t bad = ks_utf8_check(src, n);
    bool ctl = false;
    for (size_t i = 0; i < bad; i++) {
        unsigned char c = (unsigned char)src[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            bad = i; /* YAML allows no control characters (nor NUL) */
            ctl = true;
            break;
        }
    }
    if (bad < n)
        return fail_at(&yp, src, bad, "%s (byte 0x%02x)",
                       ctl ? "control character" : "invalid UTF-8", (unsigned char)src[bad]);
    size_t hz = tab_hazard(src, n);
    if (hz < n)
        return fail_at(&yp, src, hz,
                       "a tab between ':' and an indicator in a document with explicit '?' keys "
                       "is not accepted (libfyaml 0.7 frees memory twice on it)");
    ks_map_init(&yp.anchors);

    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = NULL;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    struct fy_parser *fyp = NULL;
    int rc = 0;
    if (!diag) {
        rc = ks_error_set(err, KS_ENOMEM, "cannot create the YAML diagnostics");
        goto out;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE,
                               .diag = diag};
    fyp = fy_parser_create(&cfg);
    if (!fyp || fy_parser_set_string(fyp, n ? src : "", n) != 0) {
        rc = ks_error_set(err, KS_ENOMEM, "cannot create the YAML parser");
        goto out;
    }

    size_t doc_index = 0;
    int doc_line = 0;
    ks_arena_mark doc_mark = ks_arena_mark_get(a);
    bool stop = false;
    struct fy_event *e;
    while (!stop && (e = fy_parser_parse(fyp))) {
        /* An implicit document starts where its first node does (comments
         * and blank lines before it are not part of it). */
        if (doc_line == 0 && yp.fr.len == 0 && yp.stk.len == 0 &&
            (e->type == FYET_SCALAR || e->type == FYET_MAPPING_START ||
             e->type == FYET_SEQUENCE_START || e->type == FYET_ALIAS)) {
            int col;
            event_pos(e, &doc_line, &col);
        }
        switch (e->type) {
        case FYET_DOCUMENT_START: {
            int col;
            event_pos(e, &doc_line, &col);
            doc_mark = ks_arena_mark_get(a);
            ks_map_clear(&yp.anchors);
            yp.nodes = yp.alias_nodes = 0;
            yp.doc_void = false;
            yp.stk.len = yp.fr.len = yp.merges.len = yp.keypos.len = 0;
            break;
        }
        case FYET_DOCUMENT_END: {
            kv_yaml_doc info = {.index = doc_index++, .line = doc_line};
            kv_value doc = yp.stk.len ? yp.stk.v[0] : kv_null();
            info.empty = yp.doc_void || yp.stk.len == 0;
            if (info.line == 0)
                info.line = 1;
            int r = fn(ctx, &doc, &info);
            if (r < 0) {
                rc = r;
                stop = true;
            } else if (r == KV_YAML_RELEASE) {
                ks_map_clear(&yp.anchors);
                ks_arena_rewind(a, doc_mark);
            }
            break;
        }
        case FYET_MAPPING_START: rc = open_container(&yp, e, true, e->mapping_start.anchor); break;
        case FYET_SEQUENCE_START:
            rc = open_container(&yp, e, false, e->sequence_start.anchor);
            break;
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END: rc = close_container(&yp, e); break;
        case FYET_SCALAR: rc = on_scalar(&yp, e); break;
        case FYET_ALIAS: rc = on_alias(&yp, e); break;
        default: break;
        }
        const struct fy_mark *em = fy_event_end_mark(e);
        if (em) {
            yp.last_line = em->line + 1;
            yp.last_col = em->column + 1;
        }
        fy_parser_event_free(fyp, e);
        if (rc)
            stop = true;
    }
    if (!stop && fy_parser_get_stream_error(fyp))
        rc = diag_error(&yp, diag);
out:
    if (fyp)
        fy_parser_destroy(fyp);
    if (diag)
        fy_diag_destroy(diag);
    ks_vec_free(&yp.stk);
    ks_vec_free(&yp.fr);
    ks_vec_free(&yp.merges);
    ks_vec_free(&yp.keypos);
    ks_map_free(&yp.anchors);
    return rc;
}

#define STOP_AFTER_FIRST (-1000)

static int take_first(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    (void)info;
    stop_first *sf = ctx;
    *sf->out = *doc;
    sf->got = true;
    return STOP_AFTER_FIRST;
}

int kv_yaml_parse(ks_arena *a, const char *src, size_t n, const kv_yaml_opts *opts, kv_value *out,
                  ks_error *err)
{
    stop_first sf = {.out = out};
    *out = kv_null();
    int rc = kv_yaml_parse_stream(a, src, n, opts, take_first, &sf, err);
    return rc == STOP_AFTER_FIRST ? 0 : rc;
}
