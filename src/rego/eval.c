/*
 * The Rego evaluator: top-down, with backtracking through continuations.
 *
 * Every evaluation step takes a continuation (kont) that it calls once per
 * solution; a continuation returns 0 to ask for more solutions, RG_STOP to
 * end the search successfully (negation, existence checks, complete rules
 * with constant values), or a negative error. Variables live in frame slots
 * bound through a trail that is unwound on backtracking. Terms without
 * unbound variables take a direct path (eval_det) that needs no
 * continuation; only references that iterate and patterns that bind go
 * through the continuation path.
 *
 * Rule values are cached per evaluation by rule-tree node, except while a
 * `with` modifier is active. All values are allocated in the evaluation's
 * arena.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/time.h"
#include "rego/bcache.h"
#include "rego/policy.h"

static KS_MEM_ACCOUNT(rego_eval_acct, "rego-eval");
#include "rego/parse.h"

#define KV_UNBOUND 0xff
#define RG_STOP    2

typedef struct ev ev;
typedef struct frame {
    kv_value *slots;
    uint32_t n;
    struct frame *next; /* on the free list */
} frame;

#define FRAME_FREE_SIZES 64 /* frames of fewer slots are recycled */

typedef struct kont kont;
struct kont {
    int (*fn)(ev *E, kont *k, const kv_value *v);
};

typedef struct override {
    int kind; /* 0 input, 1 data path, 2 function */
    const kv_value *path;
    uint32_t npath;
    kv_value value;
    const void *callee; /* kind 2 */
    rg_term *repl;      /* kind 2: replacement term (a function ref or a value) */
    frame *fr;
} override;

typedef struct ncache {
    uint8_t state; /* 0 unknown, 1 busy, 2 defined, 3 undefined */
    kv_value v;
} ncache;

struct ev {
    const rego_policy *pol;
    ks_arena *a;
    kv_value input;
    bool has_input;
    kv_value data;
    KS_VEC(kv_value *) trail;
    ncache *cache;
    uint32_t ncache;
    int with_depth;
    KS_VEC(override) ov;
    ks_error *err;
    bool strict;
    rg_bctx bctx;
    ks_buf bierr;
    bool have_bierr;
    ks_error bierr_first;
    uint64_t steps, max_steps;
    int depth, max_depth;
    const rego_eval_opts *opts;
    /* the query's expressions and the values of its calls (a call's
     * result is the expression's value in the output, as in OPA) */
    const rg_body *qbody;
    kv_value *qvals;
    frame *free_frames[FRAME_FREE_SIZES];
    const rg_rule *cur_rule; /* the rule being evaluated, for rego.metadata.* */
    const rg_node *cur_node;
    /* Counts stores of arena memory into state that outlives the step that
     * allocated it (the rule cache, fresh frames that go to the free list);
     * a function call that changed nothing here and returned a scalar leaves
     * nothing behind, and its memory is given back (call_func). */
    uint64_t escapes;
};

static int eval_body(ev *E, frame *fr, const rg_body *b, uint32_t i, kont *k);
static int step(ev *E, rg_loc loc);
static int eval_term(ev *E, frame *fr, const rg_term *t, kont *k);
static int eval_det(ev *E, frame *fr, const rg_term *t, kv_value *out);
static int unify_tv(ev *E, frame *fr, const rg_term *t, const kv_value *v, kont *k);
static int node_value(ev *E, const rg_node *n, const kv_value *base, kv_value *out);
static int call_func(ev *E, const rg_node *n, const kv_value *args, uint32_t nargs, kv_value *out,
                     rg_loc loc);

/* ---- errors ---- */

static const char *file_of(ev *E, rg_loc loc)
{
    return loc.file < E->pol->files.len ? E->pol->files.v[loc.file] : "";
}

__attribute__((format(printf, 3, 4))) static int eval_fail(ev *E, rg_loc loc, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ks_error_at(E->err, KS_EINVAL, file_of(E, loc), (int)loc.line, (int)loc.col, 0, "%s", msg);
    return KS_EINVAL;
}

static int oom(ev *E, rg_loc loc)
{
    return eval_fail(E, loc, "eval_internal_error: evaluation memory limit reached");
}

/* ---- bindings ---- */

static inline bool is_bound(const frame *fr, int32_t slot)
{
    return fr->slots[slot].kind != KV_UNBOUND;
}

static inline void bind(ev *E, frame *fr, int32_t slot, const kv_value *v)
{
    fr->slots[slot] = *v;
    ks_vec_push(&E->trail, &fr->slots[slot]);
}

static inline size_t trail_mark(ev *E)
{
    return E->trail.len;
}

static inline void undo(ev *E, size_t mark)
{
    while (E->trail.len > mark)
        E->trail.v[--E->trail.len]->kind = KV_UNBOUND;
}

static frame *frame_new(ev *E, uint32_t n)
{
    frame *fr = n < FRAME_FREE_SIZES ? E->free_frames[n] : NULL;
    if (fr) {
        E->free_frames[n] = fr->next;
    } else {
        fr = ks_arena_alloc(E->a, sizeof *fr + (n ? n : 1) * sizeof(kv_value));
        if (!fr)
            return NULL;
        E->escapes++; /* it will join the free list */
        fr->slots = (kv_value *)(fr + 1);
    }
    fr->n = n;
    fr->next = NULL;
    for (uint32_t i = 0; i < n; i++)
        fr->slots[i].kind = KV_UNBOUND;
    return fr;
}

/* Gives a frame back once nothing can refer to it: every binding made in it
 * has been undone (bindings are undone by the function that made them). */
static void frame_release(ev *E, frame *fr)
{
    if (fr->n < FRAME_FREE_SIZES) {
        fr->next = E->free_frames[fr->n];
        E->free_frames[fr->n] = fr;
    }
}

/* Whether t holds variables that are not bound yet (outside closures). */
static bool has_unbound(const frame *fr, const rg_term *t)
{
    switch (t->type) {
    case RG_VALUE: return false;
    case RG_VAR: return t->vkind == RG_VK_LOCAL && !is_bound(fr, t->u.var.slot);
    case RG_REF:
    case RG_ARRAY:
    case RG_SET:
    case RG_CALL:
        for (uint32_t i = t->type == RG_CALL ? 1 : 0; i < t->u.list.n; i++)
            if (has_unbound(fr, t->u.list.items[i]))
                return true;
        return false;
    case RG_OBJECT:
        for (uint32_t i = 0; i < t->u.obj.n; i++)
            if (has_unbound(fr, t->u.obj.keys[i]) || has_unbound(fr, t->u.obj.vals[i]))
                return true;
        return false;
    default: return false;
    }
}

/* ---- steps and limits ---- */

static int step(ev *E, rg_loc loc)
{
    if (E->max_steps && ++E->steps > E->max_steps)
        return eval_fail(E, loc, "eval_cancel_error: evaluation step limit (%llu) reached",
                         (unsigned long long)E->max_steps);
    return 0;
}

/* ---- value helpers ---- */

static bool truthy(const kv_value *v)
{
    return !(v->kind == KV_BOOL && !v->u.b);
}

/* v[key] for a single key; NULL when undefined. */
static const kv_value *index_value(const kv_value *v, const kv_value *key)
{
    switch (v->kind) {
    case KV_OBJECT: return kv_obj_get_value(v, key);
    case KV_ARRAY: {
        int64_t i;
        if (key->kind != KV_NUMBER || !kv_num_int64(key, &i) || i < 0 || (uint64_t)i >= v->len)
            return NULL;
        return &v->u.items[i];
    }
    case KV_SET: {
        /* binary search for the element itself */
        uint32_t lo = 0, hi = v->len;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            int c = kv_compare(&v->u.items[mid], key);
            if (c == 0)
                return &v->u.items[mid];
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return NULL;
    }
    default: return NULL;
    }
}

/* ---- overrides (with) ---- */

static const override *find_data_override(ev *E, const kv_value *path, uint32_t n, uint32_t *len)
{
    for (size_t i = E->ov.len; i-- > 0;) {
        const override *o = &E->ov.v[i];
        if (o->kind != 1 || o->npath > n)
            continue;
        bool eq = true;
        for (uint32_t j = 0; j < o->npath && eq; j++)
            eq = kv_equal(&o->path[j], &path[j]);
        if (eq) {
            *len = o->npath;
            return o;
        }
    }
    return NULL;
}

/* ---- references ---- */

static int walk_value(ev *E, frame *fr, const rg_term *ref, uint32_t i, const kv_value *v, kont *k);

/* Iterates v (array, object or set) unifying the key term with each key. */
typedef struct iterk {
    kont k;
    const rg_term *ref;
    frame *fr;
    uint32_t idx;
    const kv_value *elem;
    kont *next;
} iterk;

static int iter_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    iterk *ik = (iterk *)kk;
    return walk_value(E, ik->fr, ik->ref, ik->idx + 1, ik->elem, ik->next);
}

static int walk_value(ev *E, frame *fr, const rg_term *ref, uint32_t i, const kv_value *v, kont *k)
{
    for (; i < ref->u.list.n; i++) {
        const rg_term *kt = ref->u.list.items[i];
        if (!has_unbound(fr, kt)) {
            kv_value key;
            int rc = eval_det(E, fr, kt, &key);
            if (rc != RG_OK)
                return rc < 0 ? rc : 0;
            v = index_value(v, &key);
            if (!v)
                return 0;
            continue;
        }
        /* iterate */
        iterk ik = {{iter_cont}, ref, fr, i, NULL, k};
        switch (v->kind) {
        case KV_ARRAY:
            for (uint32_t j = 0; j < v->len; j++) {
                int src = step(E, kt->loc);
                if (src < 0)
                    return src;
                kv_value idx = kv_int(j);
                ik.elem = &v->u.items[j];
                int rc = unify_tv(E, fr, kt, &idx, &ik.k);
                if (rc)
                    return rc;
            }
            return 0;
        case KV_OBJECT:
            for (uint32_t j = 0; j < v->len; j++) {
                int src = step(E, kt->loc);
                if (src < 0)
                    return src;
                ik.elem = &v->u.members[j].val;
                int rc = unify_tv(E, fr, kt, &v->u.members[j].key, &ik.k);
                if (rc)
                    return rc;
            }
            return 0;
        case KV_SET:
            for (uint32_t j = 0; j < v->len; j++) {
                int src = step(E, kt->loc);
                if (src < 0)
                    return src;
                ik.elem = &v->u.items[j];
                int rc = unify_tv(E, fr, kt, &v->u.items[j], &ik.k);
                if (rc)
                    return rc;
            }
            return 0;
        default: return 0;
        }
    }
    return k->fn(E, k, v);
}

/* Walks the data document through the rule tree. path holds the keys so far
 * (for with overrides). */
static int patch_value(ev *E, const kv_value *doc, const kv_value *path, uint32_t n,
                       const kv_value *v, kv_value *out);

/* Whether an override lies strictly below path[0..n). */
static bool override_below(ev *E, const kv_value *path, uint32_t n)
{
    for (size_t i = 0; i < E->ov.len; i++) {
        const override *o = &E->ov.v[i];
        if (o->kind != 1 || o->npath <= n)
            continue;
        bool eq = true;
        for (uint32_t j = 0; j < n && eq; j++)
            eq = kv_equal(&o->path[j], &path[j]);
        if (eq)
            return true;
    }
    return false;
}

/* The document at path[0..n): the rule tree node's value over the base
 * document, with `with data...` overrides below the path patched in. */
static int data_doc(ev *E, const rg_node *node, const kv_value *base, const kv_value *path,
                    uint32_t n, kv_value *out)
{
    int rc = RG_UNDEF;
    if (node) {
        rc = node_value(E, node, base, out);
        if (rc < 0)
            return rc;
    } else if (base) {
        *out = *base;
        rc = RG_OK;
    }
    if (!E->ov.len || !override_below(E, path, n))
        return rc;
    kv_value cur = rc == RG_OK ? *out : (kv_value){.kind = KV_OBJECT};
    for (size_t i = 0; i < E->ov.len; i++) {
        const override *o = &E->ov.v[i];
        if (o->kind != 1 || o->npath <= n)
            continue;
        bool eq = true;
        for (uint32_t j = 0; j < n && eq; j++)
            eq = kv_equal(&o->path[j], &path[j]);
        if (!eq)
            continue;
        kv_value nv;
        if (patch_value(E, &cur, o->path + n, o->npath - n, &o->value, &nv) < 0)
            return oom(E, (rg_loc){0, 0, 0});
        cur = nv;
    }
    *out = cur;
    return RG_OK;
}

/* A member of a base document: as in OPA's store, an integer key also finds
 * the member named by its decimal text (data[2] is data["2"]). */
static const kv_value *base_get(const kv_value *obj, const kv_value *key)
{
    const kv_value *v = kv_obj_get_value(obj, key);
    int64_t i;
    if (v || key->kind != KV_NUMBER || !kv_num_int64(key, &i))
        return v;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)i);
    return kv_obj_get(obj, buf, (size_t)n);
}

static int walk_data(ev *E, frame *fr, const rg_term *ref, uint32_t i, const rg_node *node,
                     const kv_value *base, kv_value *path, kont *k)
{
    /* path[0..i-1) are the keys after data */
    if (E->ov.len) {
        uint32_t olen;
        const override *o = find_data_override(E, path, i - 1, &olen);
        if (o && olen == i - 1)
            return walk_value(E, fr, ref, i, &o->value, k);
        if (o) {
            /* an override above this point: keep walking inside its value */
            const kv_value *v = &o->value;
            for (uint32_t j = olen; j < i - 1 && v; j++)
                v = index_value(v, &path[j]);
            return v ? walk_value(E, fr, ref, i, v, k) : 0;
        }
    }
    bool below = E->ov.len && override_below(E, path, i - 1);
    const rg_term *kt = i < ref->u.list.n ? ref->u.list.items[i] : NULL;
    if (!node && !below) {
        if (!base)
            return 0;
        /* base documents keep stepping here: their integer keys are strings */
        if (!kt || base->kind != KV_OBJECT || has_unbound(fr, kt))
            return walk_value(E, fr, ref, i, base, k);
    }
    if (kt && !(node && node->kind != -1) && !has_unbound(fr, kt)) {
        kv_value key;
        int rc = eval_det(E, fr, kt, &key);
        if (rc != RG_OK)
            return rc < 0 ? rc : 0;
        path[i - 1] = key;
        const rg_node *child =
                node && key.kind == KV_STRING ? rg_node_child(node, key.u.s, key.len) : NULL;
        const kv_value *nb = base && base->kind == KV_OBJECT ? base_get(base, &key) : NULL;
        if (!child && !nb && !E->ov.len)
            return 0;
        return walk_data(E, fr, ref, i + 1, child, nb, path, k);
    }
    /* the whole document here: rule values, base data, overrides */
    kv_value v;
    int rc = data_doc(E, node, base, path, i - 1, &v);
    if (rc != RG_OK)
        return rc < 0 ? rc : 0;
    return walk_value(E, fr, ref, i, &v, k);
}

static int eval_ref(ev *E, frame *fr, const rg_term *ref, kont *k)
{
    const rg_term *h = ref->u.list.items[0];
    if (h->type == RG_VAR) {
        if (h->vkind == RG_VK_INPUT) {
            if (!E->has_input)
                return 0;
            return walk_value(E, fr, ref, 1, &E->input, k);
        }
        if (h->vkind == RG_VK_DATA) {
            kv_value stack_path[16];
            kv_value *path = ref->u.list.n <= 16
                                     ? stack_path
                                     : ks_arena_alloc(E->a, (ref->u.list.n + 1) * sizeof *path);
            if (!path)
                return oom(E, ref->loc);
            return walk_data(E, fr, ref, 1, E->pol->root, &E->data, path, k);
        }
        if (!is_bound(fr, h->u.var.slot))
            return eval_fail(E, ref->loc, "eval_internal_error: unbound ref head");
        return walk_value(E, fr, ref, 1, &fr->slots[h->u.var.slot], k);
    }
    kv_value hv;
    int rc = eval_det(E, fr, h, &hv);
    if (rc != RG_OK)
        return rc < 0 ? rc : 0;
    return walk_value(E, fr, ref, 1, &hv, k);
}

/* ---- deterministic evaluation ---- */

typedef struct onek {
    kont k;
    kv_value v;
    bool found;
} onek;

static int one_cont(ev *E, kont *kk, const kv_value *v)
{
    (void)E;
    onek *o = (onek *)kk;
    o->v = *v;
    o->found = true;
    return RG_STOP;
}

/* Collects the single value of a ref (refs without unbound vars have at most
 * one). */
static int eval_ref_det(ev *E, frame *fr, const rg_term *ref, kv_value *out)
{
    onek o = {{one_cont}, {0}, false};
    int rc = eval_ref(E, fr, ref, &o.k);
    if (rc < 0)
        return rc;
    if (!o.found)
        return RG_UNDEF;
    *out = o.v;
    return RG_OK;
}

static int eval_comprehension(ev *E, frame *fr, const rg_term *t, kv_value *out);
static int eval_call_det(ev *E, frame *fr, const rg_term *const *items, uint32_t n,
                         const void *callee, int ckind, const rg_term *op, rg_loc loc,
                         kv_value *out);

static int eval_det(ev *E, frame *fr, const rg_term *t, kv_value *out)
{
    int rc;
    switch (t->type) {
    case RG_VALUE: *out = t->u.v; return RG_OK;
    case RG_VAR:
        if (t->vkind == RG_VK_INPUT) {
            if (!E->has_input)
                return RG_UNDEF;
            *out = E->input;
            return RG_OK;
        }
        if (t->vkind == RG_VK_DATA) {
            onek o = {{one_cont}, {0}, false};
            rg_term one = *t;
            rg_term *items[1] = {&one};
            rg_term r = {.type = RG_REF, .loc = t->loc};
            r.u.list.items = items;
            r.u.list.n = 1;
            if ((rc = eval_ref(E, fr, &r, &o.k)) < 0)
                return rc;
            if (!o.found)
                return RG_UNDEF;
            *out = o.v;
            return RG_OK;
        }
        if (!is_bound(fr, t->u.var.slot))
            return eval_fail(E, t->loc, "eval_internal_error: var %.*s is unbound",
                             (int)t->u.var.len, t->u.var.name);
        *out = fr->slots[t->u.var.slot];
        return RG_OK;
    case RG_REF: return eval_ref_det(E, fr, t, out);
    case RG_ARRAY:
    case RG_SET: {
        uint32_t n = t->u.list.n;
        kv_value *items = ks_arena_alloc(E->a, (n ? n : 1) * sizeof *items);
        if (!items)
            return oom(E, t->loc);
        for (uint32_t i = 0; i < n; i++)
            if ((rc = eval_det(E, fr, t->u.list.items[i], &items[i])) != RG_OK)
                return rc;
        rc = t->type == RG_ARRAY ? kv_array_new(E->a, items, n, out)
                                 : kv_set_new(E->a, items, n, out);
        return rc < 0 ? oom(E, t->loc) : RG_OK;
    }
    case RG_OBJECT: {
        uint32_t n = t->u.obj.n;
        kv_member *m = ks_arena_alloc(E->a, (n ? n : 1) * sizeof *m);
        if (!m)
            return oom(E, t->loc);
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = eval_det(E, fr, t->u.obj.keys[i], &m[i].key)) != RG_OK)
                return rc;
            if ((rc = eval_det(E, fr, t->u.obj.vals[i], &m[i].val)) != RG_OK)
                return rc;
        }
        kv_value dup;
        rc = kv_object_new(E->a, m, n, KV_DUP_ERROR, out, &dup);
        if (rc == KS_EEXIST) {
            /* equal duplicates are fine; different values conflict */
            for (uint32_t i = 0; i < n; i++)
                for (uint32_t j = i + 1; j < n; j++)
                    if (kv_equal(&m[i].key, &m[j].key) && !kv_equal(&m[i].val, &m[j].val))
                        return eval_fail(E, t->loc,
                                         "eval_conflict_error: object keys must be unique");
            rc = kv_object_new(E->a, m, n, KV_DUP_LAST_WINS, out, NULL);
        }
        return rc < 0 ? oom(E, t->loc) : RG_OK;
    }
    case RG_CALL:
        return eval_call_det(E, fr, (const rg_term *const *)t->u.list.items + 1, t->u.list.n - 1,
                             t->callee, t->vkind, t->u.list.items[0], t->loc, out);
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP: return eval_comprehension(E, fr, t, out);
    }
    return RG_UNDEF;
}

/* ---- general term evaluation (may iterate) ---- */

/* Evaluates a list of terms one after the other (each may iterate), then
 * finishes: builds the array, set or object, or calls the function. */
typedef struct arrk {
    kont k;
    const rg_term *t;
    frame *fr;
    rg_term *const *terms;
    uint32_t n;
    uint32_t i;
    kv_value *items;
    kont *next;
    const uint32_t *order; /* evaluation order of the terms (iterating refs first) */
    bool borrow;           /* an array of call arguments: items lent, not copied */
} arrk;

static int arr_elem_cont(ev *E, kont *kk, const kv_value *v);
static int call_term_finish(ev *E, const rg_term *t, kv_value *args, uint32_t n, kont *k);

static int arr_step(ev *E, arrk *ak)
{
    const rg_term *t = ak->t;
    if (ak->i == ak->n) {
        kv_value out;
        int rc;
        switch (t->type) {
        case RG_ARRAY:
            if (ak->borrow) { /* read by the call and forgotten */
                out = (kv_value){.kind = KV_ARRAY, .len = ak->n, .u.items = ak->items};
                rc = 0;
                break;
            }
            rc = kv_array_new(E->a, ak->items, ak->n, &out);
            break;
        case RG_SET: rc = kv_set_new(E->a, ak->items, ak->n, &out); break;
        case RG_OBJECT: {
            /* items: keys then values */
            uint32_t m = ak->n / 2;
            kv_member mem_stack[4]; /* kv_object_new copies the members */
            kv_member *mem = m <= 4 ? mem_stack : ks_arena_alloc(E->a, (m + 1) * sizeof *mem);
            if (!mem)
                return oom(E, t->loc);
            for (uint32_t i = 0; i < m; i++) {
                mem[i].key = ak->items[i];
                mem[i].val = ak->items[m + i];
            }
            for (uint32_t i = 0; i < m; i++)
                for (uint32_t j = i + 1; j < m; j++)
                    if (kv_equal(&mem[i].key, &mem[j].key) && !kv_equal(&mem[i].val, &mem[j].val))
                        return eval_fail(E, t->loc,
                                         "eval_conflict_error: object keys must be unique");
            rc = kv_object_new(E->a, mem, m, KV_DUP_LAST_WINS, &out, NULL);
            break;
        }
        default: /* RG_CALL */ return call_term_finish(E, t, ak->items, ak->n, ak->next);
        }
        if (rc < 0)
            return oom(E, t->loc);
        return ak->next->fn(E, ak->next, &out);
    }
    return eval_term(E, ak->fr, ak->terms[ak->order[ak->i]], &ak->k);
}

static int arr_elem_cont(ev *E, kont *kk, const kv_value *v)
{
    arrk *ak = (arrk *)kk;
    uint32_t i = ak->i;
    ak->items[ak->order[i]] = *v;
    ak->i++;
    int rc = arr_step(E, ak);
    ak->i = i;
    return rc;
}

/* Evaluates the terms of a composite or of a call's arguments, each solution
 * at a time. The per-solution values are copied into the result (arrays,
 * sets, objects) or read by the call, so short lists work on the stack. */
static int eval_list_as(ev *E, frame *fr, const rg_term *t, rg_term *const *terms, uint32_t n,
                        bool borrow, kont *k)
{
    kv_value items_stack[8];
    uint32_t order_stack[8];
    kv_value *items = n <= 8 ? items_stack : ks_arena_alloc(E->a, (n + 1) * sizeof *items);
    uint32_t *order = n <= 8 ? order_stack : ks_arena_alloc(E->a, (n + 1) * sizeof *order);
    if (!items || !order)
        return oom(E, t->loc);
    /* terms that bind variables by iterating (refs with unbound keys) go
     * first, so `x == xs[x]` binds x before it is read */
    uint32_t m = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++) {
            bool binds = terms[i]->type == RG_REF && has_unbound(fr, terms[i]);
            if (binds == (pass == 0))
                order[m++] = i;
        }
    arrk ak = {{arr_elem_cont}, t, fr, terms, n, 0, items, k, order, borrow};
    return arr_step(E, &ak);
}

static int eval_list(ev *E, frame *fr, const rg_term *t, rg_term *const *terms, uint32_t n, kont *k)
{
    return eval_list_as(E, fr, t, terms, n, false, k);
}

static bool is_relation_call(const rg_term *t)
{
    return t->type == RG_CALL && t->vkind == RG_CALLEE_BUILTIN &&
           (((const rg_builtin_def *)t->callee)->flags & RG_BI_RELATION);
}

static int eval_term(ev *E, frame *fr, const rg_term *t, kont *k)
{
    if (!is_relation_call(t) && !has_unbound(fr, t)) {
        kv_value v;
        int rc = eval_det(E, fr, t, &v);
        if (rc != RG_OK)
            return rc < 0 ? rc : 0;
        return k->fn(E, k, &v);
    }
    switch (t->type) {
    case RG_REF: return eval_ref(E, fr, t, k);
    case RG_ARRAY:
    case RG_SET: return eval_list(E, fr, t, t->u.list.items, t->u.list.n, k);
    case RG_CALL: return eval_list(E, fr, t, t->u.list.items + 1, t->u.list.n - 1, k);
    case RG_OBJECT: {
        uint32_t n = t->u.obj.n;
        rg_term **terms = ks_arena_alloc(E->a, (2 * n + 1) * sizeof *terms);
        if (!terms)
            return oom(E, t->loc);
        memcpy(terms, t->u.obj.keys, n * sizeof *terms);
        memcpy(terms + n, t->u.obj.vals, n * sizeof *terms);
        return eval_list(E, fr, t, terms, 2 * n, k);
    }
    case RG_VAR:
        return eval_fail(E, t->loc, "rego_unsafe_var_error: var %.*s is unsafe", (int)t->u.var.len,
                         t->u.var.name);
    default:
        return eval_fail(E, t->loc, "eval_internal_error: cannot evaluate term with unbound vars");
    }
}

/* ---- unification ---- */

/* Unifies the terms ts[i] with the values vs[i] one after the other. */
typedef struct unik {
    kont k;
    frame *fr;
    rg_term *const *ts;
    const kv_value *const *vs;
    uint32_t n;
    uint32_t i;
    kont *next;
} unik;

static int unify_seq_step(ev *E, unik *u);

static int unify_seq_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    unik *u = (unik *)kk;
    uint32_t i = u->i;
    u->i++;
    int rc = unify_seq_step(E, u);
    u->i = i;
    return rc;
}

static int unify_seq_step(ev *E, unik *u)
{
    if (u->i == u->n)
        return u->next->fn(E, u->next, NULL);
    return unify_tv(E, u->fr, u->ts[u->i], u->vs[u->i], &u->k);
}

/* An array or object pattern against a value of the same kind and size:
 * elements pair by index, members by key (keys are evaluated). */
static int unify_composite(ev *E, frame *fr, const rg_term *t, const kv_value *v, kont *k)
{
    uint32_t n = t->type == RG_ARRAY ? t->u.list.n : t->u.obj.n;
    const kv_value **vs = ks_arena_alloc(E->a, (n + 1) * sizeof *vs);
    if (!vs)
        return oom(E, t->loc);
    for (uint32_t i = 0; i < n; i++) {
        if (t->type == RG_ARRAY) {
            vs[i] = &v->u.items[i];
            continue;
        }
        kv_value key;
        int rc = eval_det(E, fr, t->u.obj.keys[i], &key);
        if (rc != RG_OK)
            return rc < 0 ? rc : 0;
        if (!(vs[i] = kv_obj_get_value(v, &key)))
            return 0;
    }
    unik u = {{unify_seq_cont},
              fr,
              t->type == RG_ARRAY ? t->u.list.items : t->u.obj.vals,
              vs,
              n,
              0,
              k};
    return unify_seq_step(E, &u);
}

typedef struct eqk {
    kont k;
    const kv_value *v;
    kont *next;
} eqk;

static int eq_cont(ev *E, kont *kk, const kv_value *got)
{
    eqk *q = (eqk *)kk;
    if (!kv_equal(got, q->v))
        return 0;
    return q->next->fn(E, q->next, NULL);
}

/* Unifies term t with value v, binding t's unbound vars. */
static int unify_tv(ev *E, frame *fr, const rg_term *t, const kv_value *v, kont *k)
{
    switch (t->type) {
    case RG_VALUE: return kv_equal(&t->u.v, v) ? k->fn(E, k, NULL) : 0;
    case RG_VAR:
        if (t->vkind == RG_VK_LOCAL) {
            if (!is_bound(fr, t->u.var.slot)) {
                size_t m = trail_mark(E);
                bind(E, fr, t->u.var.slot, v);
                int rc = k->fn(E, k, NULL);
                undo(E, m);
                return rc;
            }
            return kv_equal(&fr->slots[t->u.var.slot], v) ? k->fn(E, k, NULL) : 0;
        }
        break;
    case RG_ARRAY:
        if (has_unbound(fr, t)) {
            if (v->kind != KV_ARRAY || v->len != t->u.list.n)
                return 0;
            return unify_composite(E, fr, t, v, k);
        }
        break;
    case RG_OBJECT:
        if (has_unbound(fr, t)) {
            if (v->kind != KV_OBJECT || v->len != t->u.obj.n)
                return 0;
            return unify_composite(E, fr, t, v, k);
        }
        break;
    default: break;
    }
    eqk q = {{eq_cont}, v, k};
    return eval_term(E, fr, t, &q.k);
}

typedef struct unify2k {
    kont k;
    frame *fr;
    const rg_term *other;
    kont *next;
} unify2k;

static int unify2_cont(ev *E, kont *kk, const kv_value *v)
{
    unify2k *u = (unify2k *)kk;
    return unify_tv(E, u->fr, u->other, v, u->next);
}

static bool is_pattern_unbound(const frame *fr, const rg_term *t)
{
    return (t->type == RG_VAR || t->type == RG_ARRAY || t->type == RG_OBJECT) && has_unbound(fr, t);
}

/* Unifies two terms: evaluates the side that can be evaluated and binds the
 * other; arrays with unbound vars on both sides go element by element. */
static int unify_tt(ev *E, frame *fr, const rg_term *a, const rg_term *b, kont *k);

typedef struct pairk {
    kont k;
    frame *fr;
    rg_term *const *as, *const *bs; /* pairs to unify, in order */
    uint32_t n;
    uint32_t i;
    kont *next;
} pairk;

static int pair_step(ev *E, pairk *p);

static int pair_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    pairk *p = (pairk *)kk;
    uint32_t i = p->i;
    p->i++;
    int rc = pair_step(E, p);
    p->i = i;
    return rc;
}

static int pair_step(ev *E, pairk *p)
{
    if (p->i == p->n)
        return p->next->fn(E, p->next, NULL);
    return unify_tt(E, p->fr, p->as[p->i], p->bs[p->i], &p->k);
}

/* Unifies the pairs (as[i], bs[i]), those with an evaluable side first. */
static int unify_pairs(ev *E, frame *fr, rg_term **as, rg_term **bs, uint32_t n, kont *k)
{
    rg_term **oa = ks_arena_alloc(E->a, (2 * n + 1) * sizeof *oa);
    if (!oa)
        return oom(E, (rg_loc){0, 0, 0});
    rg_term **ob = oa + n;
    uint32_t m = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++) {
            bool both = is_pattern_unbound(fr, as[i]) && is_pattern_unbound(fr, bs[i]);
            if (both == (pass == 1)) {
                oa[m] = as[i];
                ob[m] = bs[i];
                m++;
            }
        }
    pairk p = {{pair_cont}, fr, oa, ob, n, 0, k};
    return pair_step(E, &p);
}

static int unify_tt(ev *E, frame *fr, const rg_term *a, const rg_term *b, kont *k)
{
    bool pa = is_pattern_unbound(fr, a), pb = is_pattern_unbound(fr, b);
    if (pa && pb && a->type == RG_ARRAY && b->type == RG_ARRAY) {
        if (a->u.list.n != b->u.list.n)
            return 0;
        return unify_pairs(E, fr, a->u.list.items, b->u.list.items, a->u.list.n, k);
    }
    if (pa && pb && a->type == RG_OBJECT && b->type == RG_OBJECT) {
        uint32_t n = a->u.obj.n;
        if (n != b->u.obj.n)
            return 0;
        rg_term **bs = ks_arena_alloc(E->a, (n + 1) * sizeof *bs);
        if (!bs)
            return oom(E, a->loc);
        for (uint32_t i = 0; i < n; i++) {
            kv_value ka;
            int rc = eval_det(E, fr, a->u.obj.keys[i], &ka);
            if (rc != RG_OK)
                return rc < 0 ? rc : 0;
            bs[i] = NULL;
            for (uint32_t j = 0; j < n && !bs[i]; j++) {
                kv_value kb;
                if ((rc = eval_det(E, fr, b->u.obj.keys[j], &kb)) < 0)
                    return rc;
                if (rc == RG_OK && kv_equal(&ka, &kb))
                    bs[i] = b->u.obj.vals[j];
            }
            if (!bs[i])
                return 0;
        }
        return unify_pairs(E, fr, a->u.obj.vals, bs, n, k);
    }
    if (pa && pb && a->type == RG_VAR && b->type == RG_VAR)
        return eval_fail(E, a->loc, "rego_unsafe_var_error: var %.*s is unsafe", (int)a->u.var.len,
                         a->u.var.name);
    /* x = [input[i]]: the composite's refs bind its vars as it is
     * evaluated, then the value binds x */
    if (pa && pb && a->type == RG_VAR) {
        unify2k u = {{unify2_cont}, fr, a, k};
        return eval_term(E, fr, b, &u.k);
    }
    if (pa && pb && b->type == RG_VAR) {
        unify2k u = {{unify2_cont}, fr, b, k};
        return eval_term(E, fr, a, &u.k);
    }
    if (pa && !pb) {
        unify2k u = {{unify2_cont}, fr, a, k};
        return eval_term(E, fr, b, &u.k);
    }
    unify2k u = {{unify2_cont}, fr, b, k};
    return eval_term(E, fr, a, &u.k);
}

/* ---- calls ---- */

static int builtin_error(ev *E, rg_loc loc, int rc)
{
    static const char *const codes[] = {"eval_builtin_error", "eval_type_error",
                                        "eval_conflict_error", "eval_internal_error",
                                        "eval_cancel_error"};
    const char *code = (unsigned)E->bctx.err_code < 5 ? codes[E->bctx.err_code] : codes[0];
    const char *msg = E->bierr.data ? E->bierr.data : "";
    if (rc == RG_EHALT || E->strict)
        return eval_fail(E, loc, "%s: %s", code, msg);
    if (!E->have_bierr) {
        E->have_bierr = true;
        ks_error_at(&E->bierr_first, KS_EINVAL, file_of(E, loc), (int)loc.line, (int)loc.col, 0,
                    "%s: %s", code, msg);
    }
    return RG_UNDEF;
}

static const override *find_func_override(ev *E, const void *callee)
{
    for (size_t i = E->ov.len; i-- > 0;)
        if (E->ov.v[i].kind == 2 && E->ov.v[i].callee == callee)
            return &E->ov.v[i];
    return NULL;
}

static int call_builtin(ev *E, const rg_builtin_def *bi, const kv_value *args, uint32_t nargs,
                        kv_value *out, rg_loc loc)
{
    (void)nargs;
    rg_bctx *c = &E->bctx;
    c->name = bi->name;
    c->file = file_of(E, loc);
    c->line = (int)loc.line;
    c->col = (int)loc.col;
    c->err_code = 0;
    ks_buf_reset(&E->bierr);
    int rc = bi->fn(c, args, out);
    if (rc == RG_OK || rc == RG_UNDEF)
        return rc;
    if (rc == RG_EBUILTIN || rc == RG_EHALT)
        return builtin_error(E, loc, rc);
    return rc;
}

/* Calls a callee with evaluated args. */
static int invoke(ev *E, const void *callee, int ckind, const kv_value *args, uint32_t nargs,
                  kv_value *out, rg_loc loc, frame *fr)
{
    if (E->ov.len) {
        override *o = (override *)find_func_override(E, callee);
        if (o) {
            const rg_term *r = o->repl;
            if (r->type == RG_CALL || (r->callee && r->vkind)) {
                /* the replacement sees the original (and outer mocks) */
                const void *saved = o->callee;
                o->callee = NULL;
                int rc = invoke(E, r->callee, r->vkind, args, nargs, out, loc, fr);
                o->callee = saved;
                return rc;
            }
            return eval_det(E, o->fr, r, out);
        }
    }
    if (ckind == RG_CALLEE_FUNC)
        return call_func(E, callee, args, nargs, out, loc);
    return call_builtin(E, callee, args, nargs, out, loc);
}

static int eval_call_det(ev *E, frame *fr, const rg_term *const *items, uint32_t n,
                         const void *callee, int ckind, const rg_term *op, rg_loc loc,
                         kv_value *out)
{
    (void)op;
    kv_value argv[8];
    kv_value *args = n <= 8 ? argv : ks_arena_alloc(E->a, n * sizeof *args);
    if (!args)
        return oom(E, loc);
    for (uint32_t i = 0; i < n; i++) {
        int rc = eval_det(E, fr, items[i], &args[i]);
        if (rc != RG_OK)
            return rc;
    }
    return invoke(E, callee, ckind, args, n, out, loc, fr);
}

typedef struct relk {
    ev *E;
    kont *next;
} relk;

static int rel_emit(rg_bctx *c, const kv_value *v)
{
    relk *x = c->emit_ctx;
    return x->next->fn(x->E, x->next, v);
}

/* A call term whose arguments have been evaluated: relational builtins
 * (walk) produce each result in turn, the rest one. */
static int call_term_finish(ev *E, const rg_term *t, kv_value *args, uint32_t n, kont *k)
{
    if (is_relation_call(t) && !(E->ov.len && find_func_override(E, t->callee))) {
        const rg_builtin_def *bi = t->callee;
        relk x = {E, k};
        rg_bctx *c = &E->bctx;
        void *saved_ctx = c->emit_ctx;
        int (*saved_emit)(rg_bctx *, const kv_value *) = c->emit;
        c->emit_ctx = &x;
        c->emit = rel_emit;
        c->name = bi->name;
        ks_buf_reset(&E->bierr);
        kv_value out;
        int rc = bi->fn(c, args, &out);
        c->emit_ctx = saved_ctx;
        c->emit = saved_emit;
        if (rc == RG_EBUILTIN || rc == RG_EHALT) {
            rc = builtin_error(E, t->loc, rc);
            return rc == RG_UNDEF ? 0 : rc;
        }
        return rc == RG_UNDEF ? 0 : rc;
    }
    kv_value out;
    int rc = invoke(E, t->callee, t->vkind, args, n, &out, t->loc, NULL);
    if (rc != RG_OK)
        return rc < 0 ? rc : 0;
    return k->fn(E, k, &out);
}

/* ---- rules ---- */

enum { MODE_COMPLETE, MODE_SET, MODE_OBJECT, MODE_FUNC };

typedef KS_VEC(kv_value) valvec;

typedef struct rulek {
    kont k;
    const rg_rule *r;
    frame *fr;
    int mode;
    bool found;
    kv_value v;
    const rg_rule *first_rule;
    valvec *keys; /* SET: elements; OBJECT: pairs (path array, value) */
    const rg_node *node;
    uint64_t produced; /* solutions so far */
} rulek;

static int rule_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    rulek *rk = (rulek *)kk;
    const rg_rule *r = rk->r;
    kv_value v;
    int rc;
    switch (rk->mode) {
    case MODE_SET:
        if ((rc = eval_det(E, rk->fr, r->key, &v)) != RG_OK)
            return rc < 0 ? rc : 0;
        ks_vec_push(rk->keys, v);
        return 0;
    case MODE_OBJECT: {
        const rg_term *ref = r->ref;
        uint32_t np = ref->u.list.n - r->prefix;
        kv_value *path = ks_arena_alloc(E->a, (np + 1) * sizeof *path);
        if (!path)
            return oom(E, r->loc);
        for (uint32_t i = 0; i < np; i++)
            if ((rc = eval_det(E, rk->fr, ref->u.list.items[r->prefix + i], &path[i])) != RG_OK)
                return rc < 0 ? rc : 0;
        bool set_leaf = r->kind == RG_RK_SET;
        const rg_term *vt = set_leaf ? r->key : r->value;
        if (vt) {
            if ((rc = eval_det(E, rk->fr, vt, &v)) != RG_OK)
                return rc < 0 ? rc : 0;
        } else {
            v = kv_bool(true);
        }
        kv_value pv;
        if (kv_array_new(E->a, path, np, &pv) < 0)
            return oom(E, r->loc);
        ks_vec_push(rk->keys, pv);
        ks_vec_push(rk->keys, v);
        ks_vec_push(rk->keys, kv_bool(set_leaf));
        return 0;
    }
    default:
        if (r->value) {
            if ((rc = eval_det(E, rk->fr, r->value, &v)) != RG_OK)
                return rc < 0 ? rc : 0;
        } else {
            v = kv_bool(true);
        }
        rk->produced++;
        if (!rk->found) {
            rk->found = true;
            rk->v = v;
            rk->first_rule = r;
            if (r->value == NULL || r->value->type == RG_VALUE)
                return RG_STOP;
            return 0;
        }
        if (!kv_equal(&rk->v, &v)) {
            if (rk->mode == MODE_FUNC)
                return eval_fail(E, r->loc,
                                 "eval_conflict_error: function %s produced conflicting values "
                                 "for the same inputs",
                                 rk->node->path);
            return eval_fail(E, r->loc, "eval_conflict_error: rule %s produced conflicting values",
                             rk->node->path);
        }
        return 0;
    }
}

typedef struct bodyk0 {
    kont k;
    const rg_body *body;
    frame *fr;
    kont *next;
} bodyk0;

static int body0_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    bodyk0 *b = (bodyk0 *)kk;
    return eval_body(E, b->fr, b->body, 0, b->next);
}

/* Evaluates one rule chain (a rule and its else members). For complete
 * rules and functions stops at the first member that produces a value. */
static int eval_chain(ev *E, const rg_rule *first, const kv_value *args, uint32_t nargs, rulek *rk)
{
    for (const rg_rule *r = first; r; r = r->els) {
        frame *fr = frame_new(E, first->nslots);
        if (!fr)
            return oom(E, r->loc);
        rk->r = r;
        rk->fr = fr;
        const rg_rule *saved_rule = E->cur_rule;
        const rg_node *saved_node = E->cur_node;
        E->cur_rule = r;
        E->cur_node = rk->node;
        uint64_t before = rk->produced;
        int rc;
        bool simple = true;
        for (uint32_t i = 0; i < nargs && simple; i++)
            simple = first->args[i]->type == RG_VAR;
        if (nargs && simple) {
            /* plain variable parameters: bind them (the frame is fresh) */
            for (uint32_t i = 0; i < nargs; i++)
                fr->slots[first->args[i]->u.var.slot] = args[i];
            rc = eval_body(E, fr, r->body, 0, &rk->k);
        } else if (nargs) {
            /* unify the argument patterns, then run the body */
            rg_term at = {.type = RG_ARRAY, .loc = r->loc};
            at.u.list.items = first->args;
            at.u.list.n = first->nargs;
            kv_value av = {.kind = KV_ARRAY, .len = nargs, .u.items = args};
            bodyk0 b = {{body0_cont}, r->body, fr, &rk->k};
            rc = unify_tv(E, fr, &at, &av, &b.k);
        } else {
            rc = eval_body(E, fr, r->body, 0, &rk->k);
        }
        frame_release(E, fr);
        E->cur_rule = saved_rule;
        E->cur_node = saved_node;
        if (rc < 0)
            return rc;
        if (rk->mode == MODE_SET || rk->mode == MODE_OBJECT) {
            /* else does not apply to multi-value rules */
            return 0;
        }
        if (rk->produced > before)
            return 0; /* this member gave the chain's value: no else */
    }
    return 0;
}

static int depth_enter(ev *E, rg_loc loc)
{
    if (++E->depth > E->max_depth) {
        E->depth--;
        return eval_fail(E, loc, "eval_cancel_error: rule evaluation depth limit (%d) reached",
                         E->max_depth);
    }
    return 0;
}

static int cmp_pairs(const void *a, const void *b)
{
    const kv_value *x = a, *y = b;
    return kv_compare(&x[0], &y[0]);
}

/* Builds a nested object from sorted (path, value, set-leaf) triples
 * [lo, hi) at depth d. Single-value leaves must agree; set leaves (from
 * `p[x].q contains v`) collect their values into a set. */
static int build_nested(ev *E, kv_value *tr, size_t lo, size_t hi, uint32_t d, kv_value *out,
                        rg_loc loc)
{
    typedef KS_VEC(kv_member) memvec;
    memvec m = {0};
    size_t i = lo;
    int rc = 0;
    while (i < hi) {
        const kv_value *key = &tr[3 * i].u.items[d];
        size_t j = i;
        while (j < hi && kv_equal(&tr[3 * j].u.items[d], key))
            j++;
        /* group [i, j) */
        kv_value val;
        bool leaf = false, deeper = false, sets = false, singles = false;
        for (size_t x = i; x < j; x++) {
            if (tr[3 * x].len == d + 1) {
                leaf = true;
                if (tr[3 * x + 2].u.b)
                    sets = true;
                else
                    singles = true;
            } else {
                deeper = true;
            }
        }
        if ((leaf && deeper) || (sets && singles)) {
            rc = eval_fail(E, loc, "eval_conflict_error: object keys must be unique");
            goto out;
        }
        if (sets) {
            valvec elems = {0};
            for (size_t x = i; x < j; x++)
                ks_vec_push(&elems, tr[3 * x + 1]);
            rc = kv_set_new(E->a, elems.v, elems.len, &val) < 0 ? oom(E, loc) : 0;
            ks_vec_free(&elems);
            if (rc < 0)
                goto out;
        } else if (leaf) {
            val = tr[3 * i + 1];
            for (size_t x = i + 1; x < j; x++)
                if (!kv_equal(&tr[3 * x + 1], &val)) {
                    rc = eval_fail(E, loc, "eval_conflict_error: object keys must be unique");
                    goto out;
                }
        } else if ((rc = build_nested(E, tr, i, j, d + 1, &val, loc)) < 0) {
            goto out;
        }
        ks_vec_push(&m, ((kv_member){*key, val}));
        i = j;
    }
    if (kv_object_new(E->a, m.v, m.len, KV_DUP_LAST_WINS, out, NULL) < 0)
        rc = oom(E, loc);
out:
    ks_vec_free(&m);
    return rc;
}

/* Merges virtual values over a base object: keys of both, recursing when
 * both sides are objects. */
static int merge_objects(ev *E, const kv_value *base, const kv_value *virt, kv_value *out)
{
    if (!base || base->kind != KV_OBJECT || virt->kind != KV_OBJECT) {
        *out = *virt;
        return 0;
    }
    typedef KS_VEC(kv_member) memvec;
    memvec m = {0};
    for (uint32_t i = 0; i < base->len; i++)
        ks_vec_push(&m, base->u.members[i]);
    for (uint32_t i = 0; i < virt->len; i++) {
        const kv_member *vm = &virt->u.members[i];
        bool merged = false;
        for (size_t j = 0; j < m.len; j++)
            if (kv_equal(&m.v[j].key, &vm->key)) {
                /* both objects: merged; otherwise the base document wins,
                 * as in OPA */
                if (m.v[j].val.kind == KV_OBJECT && vm->val.kind == KV_OBJECT) {
                    kv_value mv;
                    merge_objects(E, &m.v[j].val, &vm->val, &mv);
                    m.v[j].val = mv;
                } else if (m.v[j].val.kind == KV_SET && vm->val.kind == KV_SET) {
                    /* set leaves of multi-value ref heads: union */
                    valvec u = {0};
                    for (uint32_t x = 0; x < m.v[j].val.len; x++)
                        ks_vec_push(&u, m.v[j].val.u.items[x]);
                    for (uint32_t x = 0; x < vm->val.len; x++)
                        ks_vec_push(&u, vm->val.u.items[x]);
                    kv_value uv;
                    int urc = kv_set_new(E->a, u.v, u.len, &uv);
                    ks_vec_free(&u);
                    if (urc < 0)
                        return KS_ENOMEM;
                    m.v[j].val = uv;
                }
                merged = true;
                break;
            }
        if (!merged)
            ks_vec_push(&m, *vm);
    }
    int rc = kv_object_new(E->a, m.v, m.len, KV_DUP_LAST_WINS, out, NULL);
    ks_vec_free(&m);
    return rc < 0 ? KS_ENOMEM : 0;
}

/* Merges two virtual documents of the same path (ref-head rules at several
 * depths): objects merge recursively, sets unite, other values must be
 * equal (OPA: object keys must be unique). */
static int merge_virtual(ev *E, const kv_value *a, const kv_value *b, kv_value *out, rg_loc loc)
{
    if (a->kind == KV_SET && b->kind == KV_SET) {
        valvec u = {0};
        for (uint32_t x = 0; x < a->len; x++)
            ks_vec_push(&u, a->u.items[x]);
        for (uint32_t x = 0; x < b->len; x++)
            ks_vec_push(&u, b->u.items[x]);
        int rc = kv_set_new(E->a, u.v, u.len, out) < 0 ? oom(E, loc) : 0;
        ks_vec_free(&u);
        return rc;
    }
    if (a->kind != KV_OBJECT || b->kind != KV_OBJECT) {
        if (!kv_equal(a, b))
            return eval_fail(E, loc, "eval_conflict_error: object keys must be unique");
        *out = *a;
        return 0;
    }
    typedef KS_VEC(kv_member) memvec;
    memvec m = {0};
    for (uint32_t i = 0; i < a->len; i++)
        ks_vec_push(&m, a->u.members[i]);
    int rc = 0;
    for (uint32_t i = 0; i < b->len && rc == 0; i++) {
        const kv_member *bm = &b->u.members[i];
        bool found = false;
        for (size_t j = 0; j < m.len && !found; j++)
            if (kv_equal(&m.v[j].key, &bm->key)) {
                kv_value mv;
                rc = merge_virtual(E, &m.v[j].val, &bm->val, &mv, loc);
                m.v[j].val = mv;
                found = true;
            }
        if (!found)
            ks_vec_push(&m, *bm);
    }
    if (rc == 0 && kv_object_new(E->a, m.v, m.len, KV_DUP_LAST_WINS, out, NULL) < 0)
        rc = oom(E, loc);
    ks_vec_free(&m);
    return rc;
}

static int node_compute(ev *E, const rg_node *n, const kv_value *base, kv_value *out)
{
    int rc = 0;
    switch (n->kind) {
    case RG_RK_COMPLETE: {
        rulek rk = {.k = {rule_cont}, .mode = MODE_COMPLETE, .node = n};
        for (uint32_t i = 0; i < n->nrules; i++) {
            if (n->rules[i]->is_else)
                continue;
            if ((rc = eval_chain(E, n->rules[i], NULL, 0, &rk)) < 0)
                return rc;
        }
        if (!rk.found && n->dflt && (rc = eval_chain(E, n->dflt, NULL, 0, &rk)) < 0)
            return rc;
        if (rk.found) {
            *out = rk.v;
            return RG_OK;
        }
        return RG_UNDEF;
    }
    case RG_RK_SET: {
        valvec keys = {0};
        rulek rk = {.k = {rule_cont}, .mode = MODE_SET, .node = n, .keys = &keys};
        for (uint32_t i = 0; i < n->nrules && rc >= 0; i++)
            rc = eval_chain(E, n->rules[i], NULL, 0, &rk);
        if (rc >= 0 && kv_set_new(E->a, keys.v, keys.len, out) < 0)
            rc = oom(E, n->nrules ? n->rules[0]->loc : (rg_loc){0, 0, 0});
        ks_vec_free(&keys);
        return rc < 0 ? rc : RG_OK;
    }
    case RG_RK_OBJECT: {
        valvec pairs = {0};
        rulek rk = {.k = {rule_cont}, .mode = MODE_OBJECT, .node = n, .keys = &pairs};
        rg_loc loc = n->rules[0]->loc;
        for (uint32_t i = 0; i < n->nrules && rc >= 0; i++) {
            const rg_rule *r = n->rules[i];
            if (r->is_else)
                continue;
            if (r->prefix) /* ref heads with variables */
                rc = eval_chain(E, r, NULL, 0, &rk);
        }
        /* complete rules at deeper static paths are children (below) */
        if (rc < 0) {
            ks_vec_free(&pairs);
            return rc;
        }
        size_t np = pairs.len / 3;
        if (np > 1)
            qsort(pairs.v, np, 3 * sizeof(kv_value), cmp_pairs);
        kv_value obj;
        rc = build_nested(E, pairs.v, 0, np, 0, &obj, loc);
        ks_vec_free(&pairs);
        if (rc < 0)
            return rc;
        /* children (static ref heads) merge in */
        if (n->nchildren) {
            typedef KS_VEC(kv_member) memvec;
            memvec m = {0};
            for (uint32_t i = 0; i < n->nchildren; i++) {
                kv_value cv;
                const kv_value *cb = base && base->kind == KV_OBJECT
                                             ? kv_obj_get_value(base, &n->children[i]->key)
                                             : NULL;
                rc = node_value(E, n->children[i], cb, &cv);
                if (rc < 0) {
                    ks_vec_free(&m);
                    return rc;
                }
                if (rc == RG_OK && !(n->children[i]->kind == RG_RK_FUNC && n->children[i]->nargs))
                    ks_vec_push(&m, ((kv_member){n->children[i]->key, cv}));
            }
            kv_value co;
            rc = kv_object_new(E->a, m.v, m.len, KV_DUP_LAST_WINS, &co, NULL);
            ks_vec_free(&m);
            if (rc < 0)
                return oom(E, loc);
            if ((rc = merge_virtual(E, &obj, &co, &obj, loc)) < 0)
                return rc;
        }
        *out = obj;
        return RG_OK;
    }
    case RG_RK_FUNC:
        /* f() := 1: a function of no arguments is also a document */
        if (n->nargs == 0)
            return call_func(E, n, NULL, 0, out, n->nrules ? n->rules[0]->loc : (rg_loc){0, 0, 0});
        return RG_UNDEF;
    default: {
        /* a package or intermediate node: children over the base document */
        typedef KS_VEC(kv_member) memvec;
        memvec m = {0};
        for (uint32_t i = 0; i < n->nchildren; i++) {
            const rg_node *c = n->children[i];
            if (c->kind == RG_RK_FUNC && c->nargs)
                continue;
            kv_value cv;
            const kv_value *cb =
                    base && base->kind == KV_OBJECT ? kv_obj_get_value(base, &c->key) : NULL;
            rc = node_value(E, c, cb, &cv);
            if (rc < 0) {
                ks_vec_free(&m);
                return rc;
            }
            if (rc == RG_OK)
                ks_vec_push(&m, ((kv_member){c->key, cv}));
        }
        kv_value virt;
        rc = kv_object_new(E->a, m.v, m.len, KV_DUP_LAST_WINS, &virt, NULL);
        ks_vec_free(&m);
        if (rc < 0)
            return oom(E, (rg_loc){0, 0, 0});
        if (base && base->kind == KV_OBJECT) {
            if (merge_objects(E, base, &virt, out) < 0)
                return oom(E, (rg_loc){0, 0, 0});
            return RG_OK;
        }
        if (base && n->nchildren == 0) {
            *out = *base;
            return RG_OK;
        }
        *out = virt;
        return RG_OK;
    }
    }
}

static int node_value(ev *E, const rg_node *n, const kv_value *base, kv_value *out)
{
    bool use_cache = E->with_depth == 0 && n->kind != -1;
    ncache *c = &E->cache[n->id];
    if (use_cache) {
        if (c->state == 2) {
            *out = c->v;
            return RG_OK;
        }
        if (c->state == 3)
            return RG_UNDEF;
    }
    if (c->state == 1 && n->kind != -1)
        return eval_fail(E, n->nrules ? n->rules[0]->loc : (rg_loc){0, 0, 0},
                         "rego_recursion_error: rule %s is recursive", n->path);
    rg_loc loc = n->nrules ? n->rules[0]->loc : (rg_loc){0, 0, 0};
    int rc = depth_enter(E, loc);
    if (rc < 0)
        return rc;
    uint8_t saved = c->state;
    if (n->kind != -1)
        c->state = 1;
    rc = node_compute(E, n, base, out);
    E->depth--;
    c->state = saved;
    if (rc < 0)
        return rc;
    if (use_cache) {
        c->state = rc == RG_OK ? 2 : 3;
        if (rc == RG_OK) {
            c->v = *out;
            E->escapes++;
        }
    }
    return rc;
}

/* Whether v holds no pointer (into the arena or anywhere). */
static bool is_immediate(const kv_value *v)
{
    switch (v->kind) {
    case KV_NULL:
    case KV_BOOL: return true;
    case KV_NUMBER: return v->sub != KV_NUM_DECIMAL;
    default: return false;
    }
}

static int call_func_eval(ev *E, const rg_node *n, const kv_value *args, uint32_t nargs,
                          kv_value *out, rg_loc loc);

/* A function call's garbage (its frames' values, comprehensions, builtin
 * results) is given back when the call leaves nothing behind: its result is
 * undefined or an immediate value, and it stored nothing into longer-lived
 * state. Helper predicates called once per combination of resources (a
 * rule joining workloads, service accounts, roles and bindings) then run
 * in constant memory instead of keeping every iteration's garbage. */
static int call_func(ev *E, const rg_node *n, const kv_value *args, uint32_t nargs, kv_value *out,
                     rg_loc loc)
{
    ks_arena_mark m = ks_arena_mark_get(E->a);
    uint64_t escapes = E->escapes;
    int rc = call_func_eval(E, n, args, nargs, out, loc);
    if (E->escapes == escapes && (rc == RG_UNDEF || (rc == RG_OK && is_immediate(out))))
        ks_arena_rewind_keep(E->a, m);
    return rc;
}

static int call_func_eval(ev *E, const rg_node *n, const kv_value *args, uint32_t nargs,
                          kv_value *out, rg_loc loc)
{
    int rc = depth_enter(E, loc);
    if (rc < 0)
        return rc;
    rulek rk = {.k = {rule_cont}, .mode = MODE_FUNC, .node = n};
    for (uint32_t i = 0; i < n->nrules && rc >= 0; i++) {
        if (n->rules[i]->is_else)
            continue;
        rc = eval_chain(E, n->rules[i], args, nargs, &rk);
    }
    E->depth--;
    if (rc < 0)
        return rc;
    if (!rk.found && n->dflt && (rc = eval_chain(E, n->dflt, args, nargs, &rk)) < 0)
        return rc;
    if (rk.found) {
        *out = rk.v;
        return RG_OK;
    }
    return RG_UNDEF;
}

/* ---- comprehensions ---- */

typedef struct compk {
    kont k;
    const rg_term *t;
    frame *fr;
    valvec *vals;
} compk;

static int comp_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    compk *ck = (compk *)kk;
    kv_value v;
    int rc;
    if (ck->t->type == RG_OCOMP) {
        kv_value key;
        if ((rc = eval_det(E, ck->fr, ck->t->u.comp.key, &key)) != RG_OK)
            return rc < 0 ? rc : 0;
        if ((rc = eval_det(E, ck->fr, ck->t->u.comp.val, &v)) != RG_OK)
            return rc < 0 ? rc : 0;
        for (size_t i = 0; i < ck->vals->len; i += 2)
            if (kv_equal(&ck->vals->v[i], &key)) {
                if (!kv_equal(&ck->vals->v[i + 1], &v))
                    return eval_fail(E, ck->t->loc,
                                     "eval_conflict_error: object keys must be unique");
                return 0;
            }
        ks_vec_push(ck->vals, key);
        ks_vec_push(ck->vals, v);
        return 0;
    }
    if ((rc = eval_det(E, ck->fr, ck->t->u.comp.val, &v)) != RG_OK)
        return rc < 0 ? rc : 0;
    ks_vec_push(ck->vals, v);
    return 0;
}

static int eval_comprehension(ev *E, frame *fr, const rg_term *t, kv_value *out)
{
    valvec vals = {0};
    compk ck = {{comp_cont}, t, fr, &vals};
    size_t mark = trail_mark(E);
    int rc = eval_body(E, fr, t->u.comp.body, 0, &ck.k);
    undo(E, mark);
    if (rc < 0) {
        ks_vec_free(&vals);
        return rc;
    }
    if (t->type == RG_ACOMP)
        rc = kv_array_new(E->a, vals.v, vals.len, out);
    else if (t->type == RG_SCOMP)
        rc = kv_set_new(E->a, vals.v, vals.len, out);
    else
        rc = kv_object_new(E->a, (kv_member *)vals.v, vals.len / 2, KV_DUP_LAST_WINS, out, NULL);
    ks_vec_free(&vals);
    return rc < 0 ? oom(E, t->loc) : RG_OK;
}

/* ---- expressions ---- */

static int stop_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)E;
    (void)kk;
    (void)unused;
    return RG_STOP;
}

typedef struct truthk {
    kont k;
    kont *next;
} truthk;

static int truth_cont(ev *E, kont *kk, const kv_value *v)
{
    truthk *tk = (truthk *)kk;
    if (!truthy(v))
        return 0;
    return tk->next->fn(E, tk->next, NULL);
}

typedef struct callk {
    kont k;
    const rg_expr *e;
    frame *fr;
    kont *next;
} callk;

static int emit_cont(rg_bctx *c, const kv_value *v);

typedef struct emitctx {
    ev *E;
    const rg_expr *e;
    frame *fr;
    kont *next;
    bool has_out;
} emitctx;

static int emit_cont(rg_bctx *c, const kv_value *v)
{
    emitctx *x = c->emit_ctx;
    if (x->has_out)
        return unify_tv(x->E, x->fr, x->e->terms[x->e->n - 1], v, x->next);
    return truthy(v) ? x->next->fn(x->E, x->next, NULL) : 0;
}

/* Continuation receiving the evaluated input arguments (as an array). */
static int call_args_cont(ev *E, kont *kk, const kv_value *argv)
{
    callk *ck = (callk *)kk;
    const rg_expr *e = ck->e;
    const rg_term *op = e->terms[0];
    uint32_t nin = e->nargs >= 0 ? (uint32_t)e->nargs : e->n - 1;
    bool has_out = e->nargs >= 0 && e->n - 1 == (uint32_t)e->nargs + 1;
    kv_value out;
    int rc;
    if (op->vkind == RG_CALLEE_BUILTIN && (e->builtin->flags & RG_BI_RELATION) &&
        !(E->ov.len && find_func_override(E, e->builtin))) {
        emitctx x = {E, e, ck->fr, ck->next, has_out};
        rg_bctx *c = &E->bctx;
        void *saved_ctx = c->emit_ctx;
        int (*saved_emit)(rg_bctx *, const kv_value *) = c->emit;
        c->emit_ctx = &x;
        c->emit = emit_cont;
        c->name = e->builtin->name;
        ks_buf_reset(&E->bierr);
        rc = e->builtin->fn(c, argv->u.items, &out);
        c->emit_ctx = saved_ctx;
        c->emit = saved_emit;
        if (rc == RG_EBUILTIN || rc == RG_EHALT) {
            rc = builtin_error(E, e->loc, rc);
            return rc == RG_UNDEF ? 0 : rc;
        }
        return rc == RG_UNDEF ? 0 : rc;
    }
    rc = invoke(E, op->callee, op->vkind, argv->u.items, nin, &out, e->loc, ck->fr);
    if (rc != RG_OK)
        return rc < 0 ? rc : 0;
    if (E->qvals && !has_out)
        for (uint32_t i = 0; i < E->qbody->n; i++)
            if (E->qbody->exprs[i] == e)
                E->qvals[i] = out;
    if (op->vkind == RG_CALLEE_BUILTIN && (e->builtin->flags & RG_BI_VOID))
        return ck->next->fn(E, ck->next, NULL);
    if (has_out)
        return unify_tv(E, ck->fr, e->terms[e->n - 1], &out, ck->next);
    return truthy(&out) ? ck->next->fn(E, ck->next, NULL) : 0;
}

typedef struct somek {
    kont k;
    const rg_expr *e;
    frame *fr;
    kont *next;
    const kv_value *val;
} somek;

static int somein_val_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    somek *sk = (somek *)kk;
    return unify_tv(E, sk->fr, sk->e->terms[1], sk->val, sk->next);
}

static int somein_domain_cont(ev *E, kont *kk, const kv_value *dom)
{
    somek *sk = (somek *)kk;
    const rg_expr *e = sk->e;
    somek inner = {{somein_val_cont}, e, sk->fr, sk->next, NULL};
    uint32_t n = dom->len;
    for (uint32_t i = 0; i < n; i++) {
        kv_value key;
        const kv_value *val;
        switch (dom->kind) {
        case KV_ARRAY:
            key = kv_int(i);
            val = &dom->u.items[i];
            break;
        case KV_OBJECT:
            key = dom->u.members[i].key;
            val = &dom->u.members[i].val;
            break;
        case KV_SET:
            key = dom->u.items[i];
            val = &dom->u.items[i];
            break;
        default: return 0;
        }
        inner.val = val;
        int src = step(E, e->loc);
        if (src < 0)
            return src;
        int rc = e->terms[0] ? unify_tv(E, sk->fr, e->terms[0], &key, &inner.k)
                             : unify_tv(E, sk->fr, e->terms[1], val, sk->next);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct everyk {
    kont k;
    const rg_expr *e;
    frame *fr;
    kont *next;
} everyk;

static int every_domain_cont(ev *E, kont *kk, const kv_value *dom)
{
    everyk *ek = (everyk *)kk;
    const rg_expr *e = ek->e;
    kont stop = {stop_cont};
    if (dom->kind != KV_ARRAY && dom->kind != KV_OBJECT && dom->kind != KV_SET)
        return 0; /* not iterable: every is false */
    for (uint32_t i = 0; i < dom->len; i++) {
        kv_value key;
        const kv_value *val;
        switch (dom->kind) {
        case KV_ARRAY:
            key = kv_int(i);
            val = &dom->u.items[i];
            break;
        case KV_OBJECT:
            key = dom->u.members[i].key;
            val = &dom->u.members[i].val;
            break;
        case KV_SET:
            key = dom->u.items[i];
            val = &dom->u.items[i];
            break;
        default: return 0;
        }
        size_t mark = trail_mark(E);
        int rc = 0;
        bool ok = true;
        if (e->terms[0]) {
            if (has_unbound(ek->fr, e->terms[0])) {
                if (e->terms[0]->type == RG_VAR)
                    bind(E, ek->fr, e->terms[0]->u.var.slot, &key);
            } else {
                kv_value kvv;
                if (eval_det(E, ek->fr, e->terms[0], &kvv) != RG_OK || !kv_equal(&kvv, &key))
                    ok = false;
            }
        }
        if (ok && e->terms[1]->type == RG_VAR && has_unbound(ek->fr, e->terms[1]))
            bind(E, ek->fr, e->terms[1]->u.var.slot, val);
        if (ok)
            rc = eval_body(E, ek->fr, e->body, 0, &stop);
        undo(E, mark);
        if (rc < 0)
            return rc;
        if (rc != RG_STOP)
            return 0; /* the body failed for this element */
    }
    return ek->next->fn(E, ek->next, NULL);
}

static int eval_expr_inner(ev *E, frame *fr, const rg_expr *e, kont *k);

typedef struct withk {
    kont k;
    size_t ov_len;
    kv_value saved_input;
    bool saved_has_input;
    kv_value new_input;
    bool new_has_input;
    kont *next;
} withk;

static int with_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    withk *wk = (withk *)kk;
    /* pop the overrides for the rest of the body, then restore */
    size_t n = E->ov.len - wk->ov_len;
    override *tmp = n ? ks_xmalloc(n * sizeof *tmp) : NULL;
    if (n)
        memcpy(tmp, E->ov.v + wk->ov_len, n * sizeof *tmp);
    E->ov.len = wk->ov_len;
    E->input = wk->saved_input;
    E->has_input = wk->saved_has_input;
    E->with_depth--;
    int rc = wk->next->fn(E, wk->next, NULL);
    E->with_depth++;
    E->input = wk->new_input;
    E->has_input = wk->new_has_input;
    for (size_t i = 0; i < n; i++)
        ks_vec_push(&E->ov, tmp[i]);
    ks_xfree(tmp);
    return rc;
}

/* Sets v at path inside doc (objects created as needed). */
static int patch_value(ev *E, const kv_value *doc, const kv_value *path, uint32_t n,
                       const kv_value *v, kv_value *out)
{
    if (n == 0) {
        *out = *v;
        return 0;
    }
    typedef KS_VEC(kv_member) memvec;
    memvec m = {0};
    const kv_value *child = NULL;
    if (doc && doc->kind == KV_OBJECT) {
        for (uint32_t i = 0; i < doc->len; i++) {
            if (kv_equal(&doc->u.members[i].key, &path[0]))
                child = &doc->u.members[i].val;
            else
                ks_vec_push(&m, doc->u.members[i]);
        }
    }
    kv_value nv;
    int rc = patch_value(E, child, path + 1, n - 1, v, &nv);
    if (rc == 0) {
        ks_vec_push(&m, ((kv_member){path[0], nv}));
        rc = kv_object_new(E->a, m.v, m.len, KV_DUP_LAST_WINS, out, NULL) < 0 ? KS_ENOMEM : 0;
    }
    ks_vec_free(&m);
    return rc;
}

/* Resolves a with target or replacement naming a function or builtin. */
static const void *callee_of(ev *E, const rg_term *t, int *kind)
{
    ks_buf name = KS_BUF_INIT;
    const rg_term *h = t->type == RG_REF ? t->u.list.items[0] : t;
    if (h->type != RG_VAR) {
        ks_buf_free(&name);
        return NULL;
    }
    if (h->vkind == RG_VK_DATA && t->type == RG_REF) {
        const rg_node *n = E->pol->root;
        for (uint32_t i = 1; i < t->u.list.n && n; i++) {
            const rg_term *s = t->u.list.items[i];
            if (s->type != RG_VALUE || s->u.v.kind != KV_STRING)
                return NULL;
            n = rg_node_child(n, s->u.v.u.s, s->u.v.len);
        }
        if (n && n->kind == RG_RK_FUNC) {
            *kind = RG_CALLEE_FUNC;
            return n;
        }
        return NULL;
    }
    ks_buf_append(&name, h->u.var.name, h->u.var.len);
    if (t->type == RG_REF)
        for (uint32_t i = 1; i < t->u.list.n; i++) {
            const rg_term *s = t->u.list.items[i];
            if (s->type != RG_VALUE || s->u.v.kind != KV_STRING) {
                ks_buf_free(&name);
                return NULL;
            }
            ks_buf_putc(&name, '.');
            ks_buf_append(&name, s->u.v.u.s, s->u.v.len);
        }
    const rg_builtin_def *bi = rg_policy_builtin(E->pol, name.data, name.len);
    ks_buf_free(&name);
    if (bi) {
        *kind = RG_CALLEE_BUILTIN;
        return bi;
    }
    return NULL;
}

static int eval_with(ev *E, frame *fr, const rg_expr *e, kont *k)
{
    withk wk = {{with_cont}, E->ov.len, E->input, E->has_input, {0}, false, k};
    kv_value input = E->input;
    bool has_input = E->has_input;
    for (uint32_t i = 0; i < e->nwith; i++) {
        const rg_with *w = &e->with[i];
        const rg_term *tg = w->target;
        const rg_term *h = tg->type == RG_REF ? tg->u.list.items[0] : tg;
        int kind = 0;
        const void *callee = NULL;
        if (h->type == RG_VAR && h->vkind != RG_VK_INPUT)
            callee = callee_of(E, tg, &kind);
        if (callee) {
            override o = {.kind = 2, .callee = callee, .repl = w->value, .fr = fr};
            int rk = 0;
            const void *rc2 = callee_of(E, w->value, &rk);
            if (rc2) {
                rg_term *rt = ks_arena_calloc(E->a, 1, sizeof *rt);
                rt->type = RG_CALL;
                rt->callee = rc2;
                rt->vkind = (uint8_t)rk;
                o.repl = rt;
            }
            ks_vec_push(&E->ov, o);
            continue;
        }
        kv_value v;
        int rc = eval_det(E, fr, w->value, &v);
        if (rc != RG_OK) {
            E->ov.len = wk.ov_len;
            E->input = wk.saved_input;
            E->has_input = wk.saved_has_input;
            return rc < 0 ? rc : 0;
        }
        uint32_t np = tg->type == RG_REF ? tg->u.list.n - 1 : 0;
        kv_value *path = ks_arena_alloc(E->a, (np + 1) * sizeof *path);
        for (uint32_t j = 0; j < np; j++) {
            if ((rc = eval_det(E, fr, tg->u.list.items[j + 1], &path[j])) != RG_OK)
                return rc < 0 ? rc : 0;
        }
        if (h->vkind == RG_VK_INPUT) {
            kv_value ni;
            if (patch_value(E, has_input ? &input : NULL, path, np, &v, &ni) < 0)
                return oom(E, e->loc);
            input = ni;
            has_input = true;
        } else {
            override o = {.kind = 1, .path = path, .npath = np, .value = v};
            ks_vec_push(&E->ov, o);
        }
    }
    wk.new_input = input;
    wk.new_has_input = has_input;
    E->input = input;
    E->has_input = has_input;
    E->with_depth++;
    int rc = eval_expr_inner(E, fr, e, &wk.k);
    E->with_depth--;
    E->ov.len = wk.ov_len;
    E->input = wk.saved_input;
    E->has_input = wk.saved_has_input;
    return rc;
}

static int eval_expr_inner(ev *E, frame *fr, const rg_expr *e, kont *k)
{
    switch (e->type) {
    case RG_E_TERM: {
        truthk tk = {{truth_cont}, k};
        return eval_term(E, fr, e->terms[0], &tk.k);
    }
    case RG_E_SOMEIN: {
        somek sk = {{somein_domain_cont}, e, fr, k, NULL};
        return eval_term(E, fr, e->terms[2], &sk.k);
    }
    case RG_E_EVERY: {
        everyk ek = {{every_domain_cont}, e, fr, k};
        return eval_term(E, fr, e->terms[2], &ek.k);
    }
    case RG_E_CALL: {
        const rg_term *op = e->terms[0];
        if (!op->callee) /* eq, assign */
            return unify_tt(E, fr, e->terms[1], e->terms[2], k);
        uint32_t nin = e->nargs >= 0 ? (uint32_t)e->nargs : e->n - 1;
        callk ck = {{call_args_cont}, e, fr, k};
        bool det = nin <= 8;
        for (uint32_t i = 0; det && i < nin; i++)
            det = !is_relation_call(e->terms[1 + i]) && !has_unbound(fr, e->terms[1 + i]);
        if (det) {
            /* the common case: arguments on the stack, no allocation */
            kv_value args[8];
            for (uint32_t i = 0; i < nin; i++) {
                int rc = eval_det(E, fr, e->terms[1 + i], &args[i]);
                if (rc != RG_OK)
                    return rc < 0 ? rc : 0;
            }
            kv_value av = {.kind = KV_ARRAY, .len = nin, .u.items = args};
            return call_args_cont(E, &ck.k, &av);
        }
        rg_term at = {.type = RG_ARRAY, .loc = e->loc};
        at.u.list.items = e->terms + 1;
        at.u.list.n = nin;
        return eval_list_as(E, fr, &at, at.u.list.items, nin, true, &ck.k);
    }
    case RG_E_GROUP:
    case RG_E_LOGIC: {
        /* each operand runs on its own; at most one success, no bindings */
        kont stop = {stop_cont};
        size_t mark = trail_mark(E);
        int rc = eval_body(E, fr, e->body, 0, &stop);
        undo(E, mark);
        if (rc < 0)
            return rc;
        bool ok = rc == RG_STOP;
        if (e->type == RG_E_LOGIC && (e->nargs == 0 ? ok : !ok)) {
            rc = eval_body(E, fr, e->body2, 0, &stop);
            undo(E, mark);
            if (rc < 0)
                return rc;
            ok = rc == RG_STOP;
        }
        return ok ? k->fn(E, k, NULL) : 0;
    }
    default: return k->fn(E, k, NULL);
    }
}

static int eval_expr(ev *E, frame *fr, const rg_expr *e, kont *k)
{
    int rc = step(E, e->loc);
    if (rc < 0)
        return rc;
    if (e->negated) {
        kont stop = {stop_cont};
        size_t mark = trail_mark(E);
        rc = e->nwith ? eval_with(E, fr, e, &stop) : eval_expr_inner(E, fr, e, &stop);
        undo(E, mark);
        if (rc < 0)
            return rc;
        if (rc == RG_STOP)
            return 0;
        return k->fn(E, k, NULL);
    }
    if (e->nwith)
        return eval_with(E, fr, e, k);
    return eval_expr_inner(E, fr, e, k);
}

typedef struct bodyk {
    kont k;
    frame *fr;
    const rg_body *b;
    uint32_t i;
    kont *next;
} bodyk;

static int body_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    bodyk *bk = (bodyk *)kk;
    return eval_body(E, bk->fr, bk->b, bk->i + 1, bk->next);
}

static int eval_body(ev *E, frame *fr, const rg_body *b, uint32_t i, kont *k)
{
    if (i == b->n)
        return k->fn(E, k, NULL);
    bodyk bk = {{body_cont}, fr, b, i, k};
    return eval_expr(E, fr, b->exprs[i], &bk.k);
}

/* ---- queries ---- */

typedef struct queryk {
    kont k;
    const rego_query *q;
    frame *fr;
    rego_result_fn fn;
    void *ctx;
    const char **names;
    kv_value *values;
    kv_value *exprs;
} queryk;

static int query_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    queryk *qk = (queryk *)kk;
    const rego_query *q = qk->q;
    size_t nv = 0;
    for (size_t i = 0; i < q->vars.len; i++) {
        int32_t s = q->vars.v[i].slot;
        if (!is_bound(qk->fr, s))
            continue;
        qk->names[nv] = q->vars.v[i].name;
        qk->values[nv] = qk->fr->slots[s];
        nv++;
    }
    for (uint32_t i = 0; i < q->body->n; i++) {
        const rg_expr *e = q->body->exprs[i];
        qk->exprs[i] = kv_bool(true);
        if (e->type == RG_E_CALL && !e->negated && E->qvals[i].kind != KV_UNBOUND)
            qk->exprs[i] = E->qvals[i];
        if (e->type == RG_E_TERM && !e->negated) {
            kv_value v;
            int rc = eval_det(E, qk->fr, e->terms[0], &v);
            if (rc < 0)
                return rc;
            if (rc == RG_OK)
                qk->exprs[i] = v;
        }
    }
    rego_result r = {qk->exprs, q->body->n, qk->names, qk->values, nv};
    return qk->fn(qk->ctx, &r) ? RG_STOP : 0;
}

/* ---- rego.metadata ---- */

static bool meta_scope_is(const kv_value *meta, const char *scope)
{
    const kv_value *s = meta ? kv_obj_get(meta, "scope", 5) : NULL;
    return s && s->kind == KV_STRING && s->len == strlen(scope) && !memcmp(s->u.s, scope, s->len);
}

/* ["testing", "p"] from the node of data.testing.p. */
static int node_path_value(ev *E, const rg_node *n, kv_value *out)
{
    valvec parts = {0};
    for (const rg_node *x = n; x && x->parent; x = x->parent)
        ks_vec_push(&parts, x->key);
    for (size_t i = 0; i < parts.len / 2; i++) {
        kv_value t = parts.v[i];
        parts.v[i] = parts.v[parts.len - 1 - i];
        parts.v[parts.len - 1 - i] = t;
    }
    int rc = kv_array_new(E->a, parts.v, parts.len, out);
    ks_vec_free(&parts);
    return rc;
}

static int meta_entry(ev *E, const kv_value *path, const kv_value *meta, kv_value *out)
{
    kv_member m[2] = {{kv_str_ref("path", 4), *path}};
    size_t n = 1;
    if (meta)
        m[n++] = (kv_member){kv_str_ref("annotations", 11), *meta};
    return kv_object_new(E->a, m, n, KV_DUP_LAST_WINS, out, NULL);
}

/* rego.metadata.rule() and rego.metadata.chain() for the rule being
 * evaluated: its rule-scope annotations; the chain adds the document-scope
 * annotations of the same rule and the package annotations. */
static int eval_metadata(rg_bctx *c, bool chain, kv_value *out)
{
    ev *E = c->eval;
    const rg_rule *r = E->cur_rule;
    const rg_node *n = E->cur_node;
    if (!r || !n) {
        *out = (kv_value){.kind = chain ? KV_ARRAY : KV_OBJECT};
        return RG_OK;
    }
    /* annotations are written on the first member of an else chain */
    const rg_rule *first = r;
    for (uint32_t i = 0; i < n->nrules; i++)
        for (const rg_rule *x = n->rules[i]; x; x = x->els)
            if (x == r)
                first = n->rules[i];
    const kv_value *rule_meta = meta_scope_is(first->meta, "rule") ? first->meta : NULL;
    if (!chain) {
        *out = rule_meta ? *rule_meta : (kv_value){.kind = KV_OBJECT};
        return RG_OK;
    }
    valvec entries = {0};
    kv_value path, e;
    int rc = node_path_value(E, n, &path);
    if (rc == 0 && (rc = meta_entry(E, &path, rule_meta, &e)) == 0)
        ks_vec_push(&entries, e);
    for (uint32_t i = 0; rc == 0 && i < n->nrules; i++)
        if (meta_scope_is(n->rules[i]->meta, "document")) {
            if ((rc = meta_entry(E, &path, n->rules[i]->meta, &e)) == 0)
                ks_vec_push(&entries, e);
            break;
        }
    /* the package: annotations of any module of the same package */
    const rg_module *mod = first->module;
    const rg_node *pkg = n;
    for (uint32_t j = 0; pkg && j < first->ref->u.list.n; j++)
        pkg = pkg->parent;
    for (size_t i = 0; rc == 0 && mod && pkg && i < E->pol->modules.len; i++) {
        const rg_module *m2 = E->pol->modules.v[i];
        if (!m2->pkg_meta || m2->package->u.list.n != mod->package->u.list.n)
            continue;
        bool same = true;
        for (uint32_t j = 1; j < m2->package->u.list.n && same; j++)
            same = kv_equal(&m2->package->u.list.items[j]->u.v,
                            &mod->package->u.list.items[j]->u.v);
        if (!same)
            continue;
        kv_value ppath;
        if ((rc = node_path_value(E, pkg, &ppath)) == 0 &&
            (rc = meta_entry(E, &ppath, m2->pkg_meta, &e)) == 0)
            ks_vec_push(&entries, e);
        break;
    }
    if (rc == 0)
        rc = kv_array_new(E->a, entries.v, entries.len, out);
    ks_vec_free(&entries);
    return rc < 0 ? RG_EHALT : RG_OK;
}

typedef struct valuek {
    kont k;
    queryk *qk;
} valuek;

static int value_cont(ev *E, kont *kk, const kv_value *unused)
{
    (void)unused;
    valuek *vk = (valuek *)kk;
    return query_cont(E, &vk->qk->k, NULL);
}

/* As opa eval: the message alone, on standard error. */
static void default_print(void *ctx, const char *file, int line, const char *msg, size_t n)
{
    (void)ctx;
    (void)file;
    (void)line;
    fprintf(stderr, "%.*s\n", (int)n, msg);
}

int rego_eval(const rego_query *q, const rego_eval_opts *opts, rego_result_fn fn, void *ctx,
              ks_error *err)
{
    rego_eval_opts dflt = {0};
    if (!opts)
        opts = &dflt;
    ks_arena arena;
    ks_arena_init(&arena, &rego_eval_acct, opts->max_memory ? opts->max_memory : (size_t)1 << 30);
    ev E = {0};
    E.pol = q->pol;
    E.a = &arena;
    E.opts = opts;
    E.err = err;
    E.strict = opts->strict_builtin_errors;
    E.max_steps = opts->max_steps;
    E.max_depth = opts->max_depth ? opts->max_depth : 1000;
    if (opts->input) {
        E.input = *opts->input;
        E.has_input = true;
    }
    E.data = opts->data ? *opts->data : (kv_value){.kind = KV_OBJECT};
    E.ncache = (uint32_t)q->pol->nodes.len;
    E.cache = ks_xcalloc(E.ncache ? E.ncache : 1, sizeof *E.cache);
    ks_buf_init(&E.bierr, 4096);
    E.bctx.arena = &arena;
    E.bctx.strict = E.strict;
    E.bctx.now_ns = opts->now_ns ? opts->now_ns : ks_time_now();
    E.bctx.seed = opts->seed;
    E.bctx.host = opts->host;
    E.bctx.print = opts->print ? opts->print : default_print;
    E.bctx.print_ctx = opts->print_ctx;
    E.bctx.err_msg = &E.bierr;
    E.bctx.eval = &E;
    E.bctx.cache = rg_bcache_new();
    E.bctx.metadata = eval_metadata;
    int rc = 0;
    frame *fr = frame_new(&E, q->nslots);
    const char **names = ks_arena_alloc(&arena, (q->vars.len + 1) * sizeof *names);
    kv_value *values = ks_arena_alloc(&arena, (q->vars.len + 1) * sizeof *values);
    kv_value *exprs = ks_arena_alloc(&arena, (q->body->n + 1) * sizeof *exprs);
    if (!fr || !names || !values || !exprs) {
        rc = ks_error_set(err, KS_ENOMEM, "eval_internal_error: out of memory");
        goto out;
    }
    E.qbody = q->body;
    E.qvals = ks_arena_alloc(&arena, (q->body->n + 1) * sizeof *E.qvals);
    if (!E.qvals) {
        rc = ks_error_set(err, KS_ENOMEM, "eval_internal_error: out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < q->body->n; i++)
        E.qvals[i].kind = KV_UNBOUND;
    queryk qk = {{query_cont}, q, fr, fn, ctx, names, values, exprs};
    const rg_expr *e0 = q->body->exprs[0];
    if (q->body->n == 1 && e0->type == RG_E_TERM && !e0->negated && !e0->nwith) {
        /* a query that is one term reports its value, false included (OPA) */
        valuek vk = {{value_cont}, &qk};
        rc = eval_term(&E, fr, e0->terms[0], &vk.k);
    } else {
        rc = eval_body(&E, fr, q->body, 0, &qk.k);
    }
    if (rc == RG_STOP)
        rc = 0;
    if (rc >= 0 && E.strict && E.have_bierr) {
        if (err)
            *err = E.bierr_first;
        rc = KS_EINVAL;
    }
out:
    rg_bcache_free(E.bctx.cache);
    ks_buf_free(&E.bierr);
    ks_vec_free(&E.trail);
    ks_vec_free(&E.ov);
    ks_xfree(E.cache);
    ks_arena_free(&arena);
    return rc < 0 ? rc : 0;
}
