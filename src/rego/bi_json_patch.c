/*
 * json.patch, json.filter and json.remove as OPA v1.22 does them.
 *
 * json.patch applies RFC 6902 operations to an edit tree the way OPA's
 * internal edittree package does, including what that design makes
 * observable: objects and sets remember deleted keys (a second delete is
 * "already deleted", not "does not exist"), sets are content-addressed
 * (a value is its own path), and a step into an array element that has
 * not been touched yet reads the element at that index of the original
 * array. Nodes live in c->arena; nothing is freed before the evaluation
 * ends.
 *
 * json.filter and json.remove turn their paths into a tree of objects with
 * null leaves and walk the value against it.
 */
#include <stdio.h>
#include <string.h>

#include "core/goquote.h"
#include "rego/bi_json.h"

/* Deepest edit tree a patch may build (a node per path step). */
#define MAX_TREE_DEPTH 1000

/* ---- printing values as OPA's Value.String() ---- */

void bi_json_write_rego(ks_buf *b, const kv_value *v)
{
    switch (kv_kind_of(v)) {
    case KV_STRING: ks_go_quote(b, v->u.s, v->len, '"', false); return;
    case KV_ARRAY:
    case KV_SET:
        if (v->kind == KV_SET && v->len == 0) {
            ks_buf_puts(b, "set()");
            return;
        }
        ks_buf_putc(b, v->kind == KV_SET ? '{' : '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_append(b, ", ", 2);
            bi_json_write_rego(b, &v->u.items[i]);
        }
        ks_buf_putc(b, v->kind == KV_SET ? '}' : ']');
        return;
    case KV_OBJECT:
        ks_buf_putc(b, '{');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_append(b, ", ", 2);
            bi_json_write_rego(b, &v->u.members[i].key);
            ks_buf_append(b, ": ", 2);
            bi_json_write_rego(b, &v->u.members[i].val);
        }
        ks_buf_putc(b, '}');
        return;
    default: kv_json_write(b, v, 0); return;
    }
}

static const char *go_type(const kv_value *v)
{
    switch (kv_kind_of(v)) {
    case KV_NULL: return "ast.Null";
    case KV_BOOL: return "ast.Boolean";
    case KV_NUMBER: return "ast.Number";
    case KV_STRING: return "ast.String";
    case KV_ARRAY: return "*ast.Array";
    case KV_OBJECT: return "*ast.object";
    case KV_SET: return "*ast.set";
    }
    return "?";
}

/* rg_bi_error with "%v"-style values: fmt has %V for a value printed as
 * OPA prints it; other text is literal. */
static int fail_v(rg_bctx *c, const char *fmt, const kv_value *v1, const kv_value *v2)
{
    ks_buf m = KS_BUF_INIT;
    const kv_value *vs[2] = {v1, v2};
    int k = 0;
    for (const char *p = fmt; *p; p++) {
        if (p[0] == '%' && p[1] == 'V' && k < 2) {
            bi_json_write_rego(&m, vs[k++]);
            p++;
        } else if (p[0] == '%' && p[1] == 'T' && k > 0) {
            ks_buf_puts(&m, go_type(vs[k - 1]));
            p++;
        } else {
            ks_buf_putc(&m, *p);
        }
    }
    int rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&m));
    ks_buf_free(&m);
    return rc;
}

static int fail_s(rg_bctx *c, const char *msg)
{
    return rg_bi_error(c, RG_ERR_BUILTIN, "%s", msg);
}

static bool is_composite(const kv_value *v)
{
    return v->kind == KV_ARRAY || v->kind == KV_OBJECT || v->kind == KV_SET;
}

/* ---- paths ---- */

/* OPA's parsePath: a "/"-separated string (leading slashes dropped, ~1 and
 * ~0 unescaped) or an array of segments. Steps are allocated in a. */
static int parse_path(rg_bctx *c, const kv_value *p, const kv_value **steps, size_t *n)
{
    if (p->kind == KV_ARRAY) {
        *steps = p->u.items;
        *n = p->len;
        return 0;
    }
    if (p->kind != KV_STRING)
        return rg_bi_error(c, RG_ERR_TYPE,
                           "operand 2 must be one of {set, array} containing string paths or "
                           "array of path segments but got %s",
                           rg_kind_name(p));
    *n = 0;
    *steps = NULL;
    if (p->len == 0)
        return 0;
    const char *s = p->u.s, *end = s + p->len;
    while (s < end && *s == '/')
        s++;
    size_t count = 1;
    for (const char *q = s; q < end; q++)
        count += *q == '/';
    kv_value *out = ks_arena_alloc(c->arena, count * sizeof *out);
    if (!out)
        return RG_EHALT;
    ks_buf seg = KS_BUF_INIT;
    size_t k = 0;
    for (;;) {
        const char *slash = memchr(s, '/', (size_t)(end - s));
        const char *e = slash ? slash : end;
        ks_buf_reset(&seg);
        for (const char *q = s; q < e; q++) {
            if (q[0] == '~' && q + 1 < e && q[1] == '1') {
                ks_buf_putc(&seg, '/');
                q++;
            } else if (q[0] == '~' && q + 1 < e && q[1] == '0') {
                ks_buf_putc(&seg, '~');
                q++;
            } else {
                ks_buf_putc(&seg, *q);
            }
        }
        if (kv_str_copy(c->arena, ks_buf_cstr(&seg), seg.len, &out[k++])) {
            ks_buf_free(&seg);
            return RG_EHALT;
        }
        if (!slash)
            break;
        s = slash + 1;
    }
    ks_buf_free(&seg);
    *steps = out;
    *n = k;
    return 0;
}

/* ---- an index of keys: slot i holds keys[i], found by hash ----
 *
 * Objects, sets and path trees look children up by key; a linear scan is
 * fine for a few, so the index is built once there are more than 8. */

typedef struct keyidx {
    uint32_t *slots; /* 1-based positions, 0 empty; NULL: no index yet */
    size_t cap;      /* a power of two */
} keyidx;

/* The key of position i, in whatever array holds them. */
typedef const kv_value *(*key_at_fn)(const void *base, size_t i);

static void keyidx_put(keyidx *x, const kv_value *key, size_t i)
{
    size_t mask = x->cap - 1, h = (size_t)kv_hash(key) & mask;
    while (x->slots[h])
        h = (h + 1) & mask;
    x->slots[h] = (uint32_t)(i + 1);
}

/* Position of key among n keys, or -1. */
static long keyidx_find(const keyidx *x, const void *base, key_at_fn at, size_t n,
                        const kv_value *key)
{
    if (!x->slots) {
        for (size_t i = 0; i < n; i++)
            if (kv_equal(at(base, i), key))
                return (long)i;
        return -1;
    }
    size_t mask = x->cap - 1;
    for (size_t h = (size_t)kv_hash(key) & mask; x->slots[h]; h = (h + 1) & mask)
        if (kv_equal(at(base, x->slots[h] - 1), key))
            return (long)(x->slots[h] - 1);
    return -1;
}

/* Records that position n-1 was just added. 0 or -1 (out of memory). */
static int keyidx_added(keyidx *x, ks_arena *a, const void *base, key_at_fn at, size_t n)
{
    if (n <= 8)
        return 0;
    if (x->slots && n * 2 <= x->cap) {
        keyidx_put(x, at(base, n - 1), n - 1);
        return 0;
    }
    size_t cap = 32;
    while (cap < n * 4)
        cap *= 2;
    uint32_t *slots = ks_arena_alloc(a, cap * sizeof *slots);
    if (!slots)
        return -1;
    memset(slots, 0, cap * sizeof *slots);
    x->slots = slots;
    x->cap = cap;
    for (size_t i = 0; i < n; i++)
        keyidx_put(x, at(base, i), i);
    return 0;
}

/* ---- the edit tree ---- */

typedef struct enode enode;

enum { CH_SCALAR, CH_NODE, CH_DEL_SCALAR, CH_DEL_NODE };

typedef struct echild {
    kv_value key;
    int state;
    kv_value val; /* CH_SCALAR */
    enode *node;  /* CH_NODE */
} echild;

/* A position of an edited array: an original element (ORIG) or an
 * inserted child. */
enum { SLOT_ORIG, SLOT_SCALAR, SLOT_NODE };
typedef struct eslot {
    int kind;
    kv_value val;
    enode *node;
} eslot;

struct enode {
    bool deleted; /* OPA's nil value */
    kv_value value;
    /* objects and sets */
    echild *ch;
    size_t nch, cap;
    keyidx idx;
    /* arrays */
    eslot *slots;
    size_t nslots, scap;
    bool *elim; /* per original element: eliminated */
};

typedef struct etree {
    rg_bctx *c;
    ks_buf tmp;
} etree;

static void *alloc(etree *t, size_t n)
{
    void *p = ks_arena_alloc(t->c->arena, n ? n : 1);
    if (p)
        memset(p, 0, n);
    return p;
}

#define NOMEM(t) rg_bi_error((t)->c, RG_ERR_INTERNAL, "out of memory")

static int node_reset(etree *t, enode *e, const kv_value *v)
{
    e->deleted = false;
    e->value = *v;
    e->nch = 0;
    e->idx = (keyidx){0};
    e->nslots = 0;
    if (v->kind == KV_ARRAY) {
        e->scap = v->len ? v->len : 1;
        e->slots = alloc(t, e->scap * sizeof *e->slots);
        e->elim = alloc(t, (v->len ? v->len : 1) * sizeof *e->elim);
        if (!e->slots || !e->elim)
            return NOMEM(t);
        e->nslots = v->len; /* all SLOT_ORIG (0) */
    }
    return 0;
}

static enode *node_new(etree *t, const kv_value *v)
{
    enode *e = alloc(t, sizeof *e);
    if (!e || node_reset(t, e, v))
        return NULL;
    return e;
}

static enode *node_deleted(etree *t)
{
    enode *e = alloc(t, sizeof *e);
    if (e)
        e->deleted = true;
    return e;
}

/* -- child lookup for objects and sets -- */

static const kv_value *echild_key(const void *base, size_t i)
{
    return &((const echild *)base)[i].key;
}

static echild *child_find(enode *e, const kv_value *key)
{
    long i = keyidx_find(&e->idx, e->ch, echild_key, e->nch, key);
    return i < 0 ? NULL : &e->ch[i];
}

/* The entry for key, created (state CH_SCALAR, null) when missing. */
static echild *child_get(etree *t, enode *e, const kv_value *key)
{
    echild *ch = child_find(e, key);
    if (ch)
        return ch;
    if (e->nch == e->cap) {
        size_t ncap = e->cap ? e->cap * 2 : 4;
        echild *n = alloc(t, ncap * sizeof *n);
        if (!n)
            return NULL;
        if (e->nch)
            memcpy(n, e->ch, e->nch * sizeof *n);
        e->ch = n;
        e->cap = ncap;
    }
    ch = &e->ch[e->nch++];
    memset(ch, 0, sizeof *ch);
    ch->key = *key;
    if (keyidx_added(&e->idx, t->c->arena, e->ch, echild_key, e->nch))
        return NULL;
    return ch;
}

static void child_set(etree *t, echild *ch, const kv_value *v, enode *node)
{
    (void)t;
    if (is_composite(v)) {
        ch->state = CH_NODE;
        ch->node = node;
    } else {
        ch->state = CH_SCALAR;
        ch->val = *v;
    }
}

/* -- rendering -- */

static int render(etree *t, enode *e, kv_value *out, bool *nil, size_t depth);

static int render_child(etree *t, const echild *ch, kv_value *out, size_t depth)
{
    if (ch->state == CH_SCALAR) {
        *out = ch->val;
        return 0;
    }
    bool nil;
    return render(t, ch->node, out, &nil, depth + 1);
}

static int render(etree *t, enode *e, kv_value *out, bool *nil, size_t depth)
{
    *nil = e->deleted;
    if (e->deleted) {
        *out = kv_null();
        return 0;
    }
    const kv_value *x = &e->value;
    int rc;
    if (depth > MAX_TREE_DEPTH)
        return rg_bi_error(t->c, RG_ERR_BUILTIN, "patch nests deeper than %d levels",
                           MAX_TREE_DEPTH);
    if (x->kind == KV_OBJECT || x->kind == KV_SET) {
        if (e->nch == 0) {
            *out = *x;
            return 0;
        }
        bool obj = x->kind == KV_OBJECT;
        size_t cap = x->len + e->nch, k = 0;
        kv_member *m = obj ? alloc(t, cap * sizeof *m) : NULL;
        kv_value *items = obj ? NULL : alloc(t, cap * sizeof *items);
        if (!m && !items)
            return NOMEM(t);
        for (size_t i = 0; i < e->nch; i++) {
            const echild *ch = &e->ch[i];
            if (ch->state == CH_DEL_SCALAR || ch->state == CH_DEL_NODE)
                continue;
            kv_value v;
            if ((rc = render_child(t, ch, &v, depth)))
                return rc;
            if (obj)
                m[k++] = (kv_member){ch->key, v};
            else
                items[k++] = v;
        }
        for (uint32_t i = 0; i < x->len; i++) {
            const kv_value *key = obj ? &x->u.members[i].key : &x->u.items[i];
            if (child_find(e, key))
                continue;
            if (obj)
                m[k++] = x->u.members[i];
            else
                items[k++] = *key;
        }
        rc = obj ? kv_object_new(t->c->arena, m, k, KV_DUP_LAST_WINS, out, NULL)
                 : kv_set_new(t->c->arena, items, k, out);
        return rc ? NOMEM(t) : 0;
    }
    if (x->kind == KV_ARRAY) {
        kv_value *items = alloc(t, (e->nslots ? e->nslots : 1) * sizeof *items);
        if (!items)
            return NOMEM(t);
        size_t orig = 0;
        for (size_t i = 0; i < e->nslots; i++) {
            const eslot *s = &e->slots[i];
            if (s->kind == SLOT_ORIG) {
                while (orig < x->len && e->elim[orig])
                    orig++;
                if (orig >= x->len)
                    return rg_bi_error(t->c, RG_ERR_INTERNAL, "edit tree bookkeeping broken");
                items[i] = x->u.items[orig++];
            } else if (s->kind == SLOT_SCALAR) {
                items[i] = s->val;
            } else {
                bool n2;
                if ((rc = render(t, s->node, &items[i], &n2, depth + 1)))
                    return rc;
            }
        }
        return kv_array_new(t->c->arena, items, e->nslots, out) ? NOMEM(t) : 0;
    }
    *out = *x;
    return 0;
}

/* A set node with a composite key in play is rebuilt from its rendering. */
static int collapse(etree *t, enode *e, size_t depth)
{
    kv_value v;
    bool nil;
    int rc = render(t, e, &v, &nil, depth);
    if (rc)
        return rc;
    e->value = v;
    e->nch = 0;
    e->idx = (keyidx){0};
    return 0;
}

/* -- array indexes -- */

static int to_index(etree *t, size_t len, const kv_value *k, int64_t *idx)
{
    if (k->kind == KV_NUMBER) {
        if (!kv_num_int64(k, idx) || k->sub != KV_NUM_INT)
            return fail_s(t->c, "invalid number type for indexing");
        return 0;
    }
    if (k->kind != KV_STRING)
        return fail_s(t->c, "invalid type for indexing");
    const char *s = k->u.s;
    size_t n = k->len;
    if (n == 1 && s[0] == '-') {
        *idx = (int64_t)len;
        return 0;
    }
    /* strconv.ParseInt(s, 10, 64) */
    size_t i = 0;
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= n)
        return fail_s(t->c, "invalid string for indexing");
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail_s(t->c, "invalid string for indexing");
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10)
            return fail_s(t->c, "invalid string for indexing");
        v = v * 10 + d;
    }
    if (!(n == 1 && s[0] == '0') && s[0] == '0')
        return fail_s(t->c, "leading zeros are not allowed in JSON paths");
    *idx = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int slots_reserve(etree *t, enode *e)
{
    if (e->nslots < e->scap)
        return 0;
    size_t ncap = e->scap ? e->scap * 2 : 4;
    eslot *n = alloc(t, ncap * sizeof *n);
    if (!n)
        return NOMEM(t);
    if (e->nslots)
        memcpy(n, e->slots, e->nslots * sizeof *n);
    e->slots = n;
    e->scap = ncap;
    return 0;
}

/* -- the edit operations: Insert, Delete, Unfold -- */

/* Inserts value under key; *child is the node for it. */
static int node_insert(etree *t, enode *e, const kv_value *key, const kv_value *value,
                       enode **child, size_t depth)
{
    int rc;
    if (e->deleted)
        return fail_s(t->c, "deleted node encountered during insert operation");
    enode *n = node_new(t, value);
    if (!n)
        return NOMEM(t);
    switch (kv_kind_of(&e->value)) {
    case KV_OBJECT: {
        echild *ch = child_get(t, e, key);
        if (!ch)
            return NOMEM(t);
        child_set(t, ch, value, n);
        break;
    }
    case KV_SET: {
        if (!kv_equal(key, value))
            return fail_v(t->c, "set key %V does not equal value to be inserted %V", key, value);
        if (is_composite(key) && (rc = collapse(t, e, depth)))
            return rc;
        echild *ch = child_get(t, e, key);
        if (!ch)
            return NOMEM(t);
        child_set(t, ch, value, n);
        break;
    }
    case KV_ARRAY: {
        int64_t idx;
        if ((rc = to_index(t, e->nslots, key, &idx)))
            return rc;
        if (idx < 0 || (uint64_t)idx > e->nslots)
            return fail_s(t->c, "index for array insertion out of bounds");
        if ((rc = slots_reserve(t, e)))
            return rc;
        memmove(&e->slots[idx + 1], &e->slots[idx], (e->nslots - (size_t)idx) * sizeof *e->slots);
        e->nslots++;
        eslot *s = &e->slots[idx];
        memset(s, 0, sizeof *s);
        if (is_composite(value)) {
            s->kind = SLOT_NODE;
            s->node = n;
        } else {
            s->kind = SLOT_SCALAR;
            s->val = *value;
        }
        break;
    }
    default:
        return fail_v(t->c, "expected composite type, found value: %V (type: %T)", &e->value, NULL);
    }
    *child = n;
    return 0;
}

/* Removes key; *gone is the removed node (for move/copy it is not used). */
static int node_delete(etree *t, enode *e, const kv_value *key, size_t depth)
{
    int rc;
    if (e->deleted)
        return fail_s(t->c, "deleted node encountered during delete operation");
    const kv_value *x = &e->value;
    switch (kv_kind_of(x)) {
    case KV_OBJECT:
    case KV_SET: {
        bool set = x->kind == KV_SET;
        if (set && is_composite(key)) {
            if ((rc = collapse(t, e, depth)))
                return rc;
        } else {
            echild *ch = child_find(e, key);
            if (ch && ch->state == CH_DEL_SCALAR)
                return fail_v(t->c, "cannot delete the already deleted scalar node for key %V", key,
                              NULL);
            if (ch && !set && ch->state == CH_DEL_NODE)
                return fail_v(t->c, "cannot delete the already deleted composite node for key %V",
                              key, NULL);
            if (ch && ch->state == CH_SCALAR && (!set || kv_equal(key, &ch->val))) {
                ch->state = CH_DEL_SCALAR;
                return 0;
            }
            if (ch && !set && ch->state == CH_NODE) {
                ch->state = CH_DEL_NODE;
                return 0;
            }
        }
        /* Not edited yet: the key must be in the original value. */
        const kv_value *v = set ? (kv_set_has(x, key) ? key : NULL) : kv_obj_get_value(x, key);
        if (!v)
            return fail_v(t->c, "cannot delete child key %V that does not exist", key, NULL);
        echild *ch = child_get(t, e, key);
        if (!ch)
            return NOMEM(t);
        ch->state = is_composite(v) ? CH_DEL_NODE : CH_DEL_SCALAR;
        return 0;
    }
    case KV_ARRAY: {
        int64_t idx;
        if ((rc = to_index(t, e->nslots, key, &idx)))
            return rc;
        if (idx < 0 || (uint64_t)idx + 1 > e->nslots)
            return fail_s(t->c, "index for array delete out of bounds");
        if (e->slots[idx].kind == SLOT_ORIG) {
            /* The n-th original element still shown goes. */
            size_t nth = 1;
            for (int64_t i = 0; i < idx; i++)
                nth += e->slots[i].kind == SLOT_ORIG;
            for (size_t j = 0, seen = 0; j < x->len; j++) {
                if (!e->elim[j] && ++seen == nth) {
                    e->elim[j] = true;
                    break;
                }
            }
        }
        memmove(&e->slots[idx], &e->slots[idx + 1],
                (e->nslots - (size_t)idx - 1) * sizeof *e->slots);
        e->nslots--;
        return 0;
    }
    default: return fail_v(t->c, "expected composite type, found value: %V (type: %T)", x, NULL);
    }
}

/* Walks steps[0..n) down from e, extending the tree as needed. */
static int node_unfold(etree *t, enode *e, const kv_value *steps, size_t n, enode **out)
{
    int rc;
    for (size_t i = 0; i < n; i++) {
        const kv_value *key = &steps[i];
        if (i >= MAX_TREE_DEPTH)
            return rg_bi_error(t->c, RG_ERR_BUILTIN, "path deeper than %d levels", MAX_TREE_DEPTH);
        if (e->deleted)
            return fail_s(t->c, "nil value encountered where composite value was expected");
        const kv_value *x = &e->value;
        enode *next = NULL;
        switch (kv_kind_of(x)) {
        case KV_OBJECT: {
            echild *ch = child_find(e, key);
            if (ch) {
                if (ch->state == CH_DEL_SCALAR)
                    return fail_v(t->c, "cannot unfold the already deleted scalar node for key %V",
                                  key, NULL);
                if (ch->state == CH_DEL_NODE)
                    return fail_v(t->c,
                                  "cannot unfold the already deleted composite node for key %V",
                                  key, NULL);
                next = ch->state == CH_SCALAR ? node_new(t, &ch->val) : ch->node;
                if (!next)
                    return NOMEM(t);
                break;
            }
            const kv_value *v = kv_obj_get_value(x, key);
            if (!v)
                return fail_v(t->c, "path %V does not exist in object term %V", key, x);
            if ((rc = node_insert(t, e, key, v, &next, i)))
                return rc;
            break;
        }
        case KV_SET: {
            if (is_composite(key)) {
                if ((rc = collapse(t, e, i)))
                    return rc;
            } else {
                echild *ch = child_find(e, key);
                if (ch && (ch->state == CH_SCALAR || ch->state == CH_DEL_SCALAR)) {
                    next = ch->state == CH_SCALAR ? node_new(t, &ch->val) : node_deleted(t);
                    if (!next)
                        return NOMEM(t);
                    break;
                }
            }
            if (!kv_set_has(&e->value, key)) {
                ks_buf m = KS_BUF_INIT;
                ks_buf_puts(&m, "path ");
                if (key->kind == KV_STRING) /* a one-term ref prints a string bare */
                    ks_buf_append(&m, key->u.s, key->len);
                else
                    bi_json_write_rego(&m, key);
                ks_buf_puts(&m, " does not exist in set term ");
                bi_json_write_rego(&m, &e->value);
                rc = fail_s(t->c, ks_buf_cstr(&m));
                ks_buf_free(&m);
                return rc;
            }
            if ((rc = node_insert(t, e, key, key, &next, i)))
                return rc;
            break;
        }
        case KV_ARRAY: {
            int64_t idx;
            if ((rc = to_index(t, e->nslots, key, &idx)))
                return rc;
            if (idx >= 0 && (uint64_t)idx < e->nslots && e->slots[idx].kind != SLOT_ORIG) {
                eslot *s = &e->slots[idx];
                next = s->kind == SLOT_SCALAR ? node_new(t, &s->val) : s->node;
                if (!next)
                    return NOMEM(t);
                break;
            }
            /* OPA looks the index up in the original array. */
            if (idx < 0 || (uint64_t)idx >= x->len) {
                kv_value iv = kv_int(idx);
                return fail_v(t->c, "path %V does not exist in array term %V", &iv, x);
            }
            kv_value iv = kv_int(idx);
            const kv_value *v = &x->u.items[idx];
            if ((rc = node_delete(t, e, &iv, i)) || (rc = node_insert(t, e, &iv, v, &next, i)))
                return rc;
            break;
        }
        default:
            return fail_v(t->c, "expected composite type for path %V, found value: %V (type: %T)",
                          key, x);
        }
        e = next;
    }
    *out = e;
    return 0;
}

static int insert_at(etree *t, enode *root, const kv_value *steps, size_t n, const kv_value *v)
{
    if (n == 0)
        return node_reset(t, root, v);
    enode *dest, *child;
    int rc = node_unfold(t, root, steps, n - 1, &dest);
    return rc ? rc : node_insert(t, dest, &steps[n - 1], v, &child, n);
}

static int delete_at(etree *t, enode *root, const kv_value *steps, size_t n)
{
    if (n == 0) {
        if (root->deleted)
            return fail_s(t->c, "deleted node encountered during delete operation");
        root->deleted = true;
        root->nch = 0;
        root->nslots = 0;
        return 0;
    }
    enode *dest;
    int rc = node_unfold(t, root, steps, n - 1, &dest);
    return rc ? rc : node_delete(t, dest, &steps[n - 1], n);
}

/* The value at a path; *nil when it is a deleted set member. */
static int render_at(etree *t, enode *root, const kv_value *steps, size_t n, kv_value *out,
                     bool *nil)
{
    enode *dest;
    int rc = node_unfold(t, root, steps, n, &dest);
    return rc ? rc : render(t, dest, out, nil, n);
}

static const kv_value *attr(const kv_value *op, const char *name)
{
    return kv_obj_get(op, name, strlen(name));
}

static int apply_op(etree *t, enode *root, const kv_value *op)
{
    rg_bctx *c = t->c;
    int rc;
    if (op->kind != KV_OBJECT)
        return fail_s(c, "must be an array of JSON-Patch objects, but at least one element is "
                         "not an object");
    const kv_value *pathv = attr(op, "path");
    if (!pathv)
        return fail_s(c, "missing required attribute 'path'");
    const kv_value *opv = attr(op, "op");
    if (!opv)
        return fail_s(c, "missing required attribute 'op'");
    if (opv->kind != KV_STRING)
        return rg_bi_error(c, RG_ERR_BUILTIN, "attribute 'op' must be a string but found: %s",
                           rg_kind_name(opv));
    const kv_value *path, *from = NULL;
    size_t np, nf = 0;
    if ((rc = parse_path(c, pathv, &path, &np)))
        return rc;
    const char *name = opv->u.s;
    const kv_value *value = attr(op, "value");
    kv_value chunk;
    bool nil;
    if (!strcmp(name, "add")) {
        if (!value)
            return fail_s(c, "missing required attribute 'value'");
        return insert_at(t, root, path, np, value);
    }
    if (!strcmp(name, "remove"))
        return delete_at(t, root, path, np);
    if (!strcmp(name, "replace")) {
        if ((rc = delete_at(t, root, path, np)))
            return rc;
        if (!value)
            return fail_s(c, "missing required attribute 'value'");
        return insert_at(t, root, path, np, value);
    }
    if (!strcmp(name, "move") || !strcmp(name, "copy")) {
        const kv_value *fromv = attr(op, "from");
        if (!fromv)
            return fail_s(c, "missing required attribute 'from'");
        if ((rc = parse_path(c, fromv, &from, &nf)) ||
            (rc = render_at(t, root, from, nf, &chunk, &nil)))
            return rc;
        if (name[0] == 'm' && (rc = delete_at(t, root, from, nf)))
            return rc;
        if (nil)
            return fail_s(c, "cannot insert nil value into EditTree");
        return insert_at(t, root, path, np, &chunk);
    }
    if (!strcmp(name, "test")) {
        if ((rc = render_at(t, root, path, np, &chunk, &nil)))
            return rc;
        if (!value)
            return fail_s(c, "missing required attribute 'value'");
        if (nil)
            return RG_UNDEF; /* OPA crashes here */
        if (!kv_equal(&chunk, value))
            return fail_v(c, "value from EditTree != patch value.\n\nExpected: %V\n\nFound: %V",
                          value, &chunk);
        return 0;
    }
    ks_buf m = KS_BUF_INIT;
    ks_buf_append(&m, opv->u.s, opv->len);
    rc = rg_bi_error(c, RG_ERR_BUILTIN, "unrecognized op: '%s'", ks_buf_cstr(&m));
    ks_buf_free(&m);
    return rc;
}

int bi_json_patch(rg_bctx *c, const kv_value *target, const kv_value *ops, kv_value *out)
{
    etree t = {.c = c};
    enode *root = node_new(&t, target);
    if (!root)
        return NOMEM(&t);
    for (uint32_t i = 0; i < ops->len; i++) {
        int rc = apply_op(&t, root, &ops->u.items[i]);
        if (rc)
            return rc;
    }
    if (root->deleted)
        return RG_UNDEF; /* OPA crashes on a removed root */
    bool nil;
    return render(&t, root, out, &nil, 0);
}

/* ---- json.filter and json.remove ---- */

/* A tree of paths: an object whose leaves are null (select / drop all
 * below). Built in a kv_value-free form for easy insertion. */
typedef struct ptree ptree;
struct ptree {
    bool leaf;
    kv_value *keys;
    ptree **kids;
    size_t n, cap;
    keyidx idx;
};

static const kv_value *value_at(const void *base, size_t i)
{
    return &((const kv_value *)base)[i];
}

static ptree *pt_find(const ptree *p, const kv_value *key)
{
    long i = keyidx_find(&p->idx, p->keys, value_at, p->n, key);
    return i < 0 ? NULL : p->kids[i];
}

static ptree *pt_child(rg_bctx *c, ptree *p, const kv_value *key)
{
    ptree *q = pt_find(p, key);
    if (q)
        return q;
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 4;
        kv_value *k = ks_arena_alloc(c->arena, ncap * sizeof *k);
        ptree **d = ks_arena_alloc(c->arena, ncap * sizeof *d);
        if (!k || !d)
            return NULL;
        if (p->n) {
            memcpy(k, p->keys, p->n * sizeof *k);
            memcpy(d, p->kids, p->n * sizeof *d);
        }
        p->keys = k;
        p->kids = d;
        p->cap = ncap;
    }
    q = ks_arena_alloc(c->arena, sizeof *q);
    if (!q)
        return NULL;
    memset(q, 0, sizeof *q);
    p->keys[p->n] = *key;
    p->kids[p->n++] = q;
    if (keyidx_added(&p->idx, c->arena, p->keys, value_at, p->n))
        return NULL;
    return q;
}

static int pt_add(rg_bctx *c, ptree *root, const kv_value *path)
{
    const kv_value *steps;
    size_t n;
    int rc = parse_path(c, path, &steps, &n);
    if (rc || n == 0)
        return rc;
    ptree *node = root;
    for (size_t i = 0; i + 1 < n; i++) {
        ptree *q = pt_child(c, node, &steps[i]);
        if (!q)
            return RG_EHALT;
        if (q->leaf)
            return 0; /* a shorter path already takes everything below */
        node = q;
    }
    ptree *q = pt_child(c, node, &steps[n - 1]);
    if (!q)
        return RG_EHALT;
    q->leaf = true; /* drops what longer paths selected below */
    q->n = 0;
    q->idx = (keyidx){0};
    return 0;
}

static int pt_build(rg_bctx *c, const kv_value *paths, ptree *root)
{
    if (paths->kind != KV_ARRAY && paths->kind != KV_SET)
        return rg_bi_type_error(c, 2, "one of {set, array}", paths);
    /* All paths are checked before any is used, as OPA parses them first. */
    for (uint32_t i = 0; i < paths->len; i++) {
        const kv_value *p = &paths->u.items[i];
        if (p->kind != KV_STRING && p->kind != KV_ARRAY) {
            const kv_value *steps;
            size_t n;
            return parse_path(c, p, &steps, &n);
        }
    }
    for (uint32_t i = 0; i < paths->len; i++) {
        int rc = pt_add(c, root, &paths->u.items[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Array elements are selected by their index written as a string. */
static ptree *pt_index(const ptree *p, uint32_t i)
{
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%u", i);
    kv_value k = kv_str_ref(buf, (size_t)n);
    return pt_find(p, &k);
}

static int filter_walk(rg_bctx *c, const kv_value *v, const ptree *f, kv_value *out, size_t depth)
{
    if (f->leaf || !is_composite(v)) {
        *out = *v;
        return 0;
    }
    if (depth > MAX_TREE_DEPTH)
        return rg_bi_error(c, RG_ERR_BUILTIN, "paths nest deeper than %d levels", MAX_TREE_DEPTH);
    size_t k = 0;
    int rc;
    if (v->kind == KV_OBJECT) {
        kv_member *m = ks_arena_alloc(c->arena, (v->len ? v->len : 1) * sizeof *m);
        if (!m)
            return RG_EHALT;
        for (uint32_t i = 0; i < v->len; i++) {
            const ptree *sub = pt_find(f, &v->u.members[i].key);
            if (!sub)
                continue;
            m[k].key = v->u.members[i].key;
            if ((rc = filter_walk(c, &v->u.members[i].val, sub, &m[k].val, depth + 1)))
                return rc;
            k++;
        }
        return kv_object_new(c->arena, m, k, KV_DUP_LAST_WINS, out, NULL) ? RG_EHALT : 0;
    }
    kv_value *items = ks_arena_alloc(c->arena, (v->len ? v->len : 1) * sizeof *items);
    if (!items)
        return RG_EHALT;
    for (uint32_t i = 0; i < v->len; i++) {
        const ptree *sub = v->kind == KV_ARRAY ? pt_index(f, i) : pt_find(f, &v->u.items[i]);
        if (!sub)
            continue;
        if ((rc = filter_walk(c, &v->u.items[i], sub, &items[k], depth + 1)))
            return rc;
        k++;
    }
    rc = v->kind == KV_ARRAY ? kv_array_new(c->arena, items, k, out)
                             : kv_set_new(c->arena, items, k, out);
    return rc ? RG_EHALT : 0;
}

int bi_json_filter(rg_bctx *c, const kv_value *obj, const kv_value *paths, kv_value *out)
{
    ptree root = {0};
    int rc = pt_build(c, paths, &root);
    return rc ? rc : filter_walk(c, obj, &root, out, 0);
}

/* Removes what the leaves of f select; *gone when v itself goes. */
static int remove_walk(rg_bctx *c, const kv_value *v, const ptree *f, kv_value *out, bool *gone,
                       size_t depth)
{
    *gone = false;
    if (!f) {
        *out = *v;
        return 0;
    }
    if (f->leaf) {
        *gone = true;
        return 0;
    }
    if (!is_composite(v)) {
        *out = *v;
        return 0;
    }
    if (depth > MAX_TREE_DEPTH)
        return rg_bi_error(c, RG_ERR_BUILTIN, "paths nest deeper than %d levels", MAX_TREE_DEPTH);
    size_t k = 0;
    int rc;
    bool g;
    if (v->kind == KV_OBJECT) {
        kv_member *m = ks_arena_alloc(c->arena, (v->len ? v->len : 1) * sizeof *m);
        if (!m)
            return RG_EHALT;
        for (uint32_t i = 0; i < v->len; i++) {
            m[k].key = v->u.members[i].key;
            if ((rc = remove_walk(c, &v->u.members[i].val, pt_find(f, &v->u.members[i].key),
                                  &m[k].val, &g, depth + 1)))
                return rc;
            k += !g;
        }
        return kv_object_new(c->arena, m, k, KV_DUP_LAST_WINS, out, NULL) ? RG_EHALT : 0;
    }
    kv_value *items = ks_arena_alloc(c->arena, (v->len ? v->len : 1) * sizeof *items);
    if (!items)
        return RG_EHALT;
    for (uint32_t i = 0; i < v->len; i++) {
        const ptree *sub = v->kind == KV_ARRAY ? pt_index(f, i) : pt_find(f, &v->u.items[i]);
        if ((rc = remove_walk(c, &v->u.items[i], sub, &items[k], &g, depth + 1)))
            return rc;
        k += !g;
    }
    rc = v->kind == KV_ARRAY ? kv_array_new(c->arena, items, k, out)
                             : kv_set_new(c->arena, items, k, out);
    return rc ? RG_EHALT : 0;
}

int bi_json_remove(rg_bctx *c, const kv_value *obj, const kv_value *paths, kv_value *out)
{
    ptree root = {0};
    int rc = pt_build(c, paths, &root);
    if (rc)
        return rc;
    bool gone;
    rc = remove_walk(c, obj, &root, out, &gone, 0);
    return rc ? rc : gone ? RG_UNDEF : 0;
}
