/*
 * gqlparser's OverlappingFieldsCanBeMerged rule: fields with the same
 * response name must be the same field with the same arguments and
 * compatible types, compared within each selection set, between a set and
 * the fragments it spreads, and between those fragments, with gqlparser's
 * memos (per document) so fragment cycles terminate.
 */
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "rego/bi_graphql_val.h"

typedef struct fields_map {
    rg_gql_list seq;   /* rg_gql_str: response names in first-seen order */
    rg_gql_tmap *data; /* response name -> rg_gql_list of rg_gql_sel */
    uint64_t id;
} fields_map;

typedef struct collected {
    fields_map *fm;
    rg_gql_list spreads; /* rg_gql_sel */
} collected;

struct rg_gql_overlap {
    rg_gql_tmap *cache;       /* selection set -> collected */
    rg_gql_tmap *fields_frag; /* (fields map, fragment name) -> exclusivity + 1 */
    rg_gql_tmap *frag_pairs;  /* (fragment name, fragment name) -> exclusivity + 1 */
    uint64_t next_id;
};

typedef struct conflict {
    rg_gql_str response;
    const char *message;
    rg_gql_list subs; /* conflict */
    const rg_gql_pos *pos;
} conflict;

int rg_gql_overlap_init(rg_gql_val *v)
{
    rg_gql_overlap *o = ks_arena_calloc(v->a, 1, sizeof(*o));
    if (!o)
        return KS_ENOMEM;
    o->cache = rg_gql_tmap_new(v->a);
    o->fields_frag = rg_gql_tmap_new(v->a);
    o->frag_pairs = rg_gql_tmap_new(v->a);
    if (!o->cache || !o->fields_frag || !o->frag_pairs)
        return KS_ENOMEM;
    v->overlap = o;
    return 0;
}

/* ---- memos ---- */

/* A memo key: built in buf when it fits, else in the arena. */
typedef struct memo_key {
    char buf[192];
    rg_gql_str key;
} memo_key;

static bool key_build(rg_gql_val *v, memo_key *k, const void *a, size_t an, const void *b,
                      size_t bn)
{
    char *p = an + bn <= sizeof(k->buf) ? k->buf : ks_arena_alloc_bytes(v->a, an + bn);
    if (!p) {
        rg_gql_val_oom(v);
        return false;
    }
    if (an)
        memcpy(p, a, an);
    if (bn)
        memcpy(p + an, b, bn);
    k->key = (rg_gql_str){p, an + bn};
    return true;
}

static bool fm_key(rg_gql_val *v, memo_key *k, const fields_map *fm, rg_gql_str name)
{
    return key_build(v, k, &fm->id, sizeof(fm->id), name.s, name.n);
}

/* (a, b): a's length first, so that ("ab", "c") and ("a", "bc") differ. */
static bool pair_key(rg_gql_val *v, memo_key *k, rg_gql_str a, rg_gql_str b)
{
    uint64_t an = a.n;
    char *p = sizeof(an) + a.n + b.n <= sizeof(k->buf)
                      ? k->buf
                      : ks_arena_alloc_bytes(v->a, sizeof(an) + a.n + b.n);
    if (!p) {
        rg_gql_val_oom(v);
        return false;
    }
    memcpy(p, &an, sizeof(an));
    if (a.n)
        memcpy(p + sizeof(an), a.s, a.n);
    if (b.n)
        memcpy(p + sizeof(an) + a.n, b.s, b.n);
    k->key = (rg_gql_str){p, sizeof(an) + a.n + b.n};
    return true;
}

/* orderedPairSet.Has: being compared as not mutually exclusive covers
 * being compared as exclusive. */
static bool pair_has(rg_gql_tmap *m, rg_gql_str key, bool exclusive)
{
    uintptr_t r = (uintptr_t)rg_gql_tmap_get(m, key);
    if (!r)
        return false;
    if (!exclusive)
        return r == 1;
    return true;
}

static void pair_add(rg_gql_val *v, rg_gql_tmap *m, const memo_key *k, bool exclusive)
{
    void *val = (void *)(uintptr_t)(exclusive ? 2 : 1);
    if (rg_gql_tmap_get(m, k->key)) {
        rg_gql_tmap_put(m, k->key, val); /* the key is there: no allocation */
        return;
    }
    char *durable = ks_arena_memdup(v->a, k->key.s, k->key.n);
    if (!durable || rg_gql_tmap_put(m, (rg_gql_str){durable, k->key.n}, val) < 0)
        rg_gql_val_oom(v);
}

/* ---- collecting fields ---- */

static rg_gql_str response_name(const rg_gql_sel *f)
{
    return f->alias.n ? f->alias : f->name;
}

static bool collect_walk(rg_gql_val *v, const rg_gql_list *ss, collected *c)
{
    if (!rg_gql_val_enter(v))
        return false;
    for (size_t i = 0; i < ss->n && !v->rc; i++) {
        rg_gql_sel *s = ss->v[i];
        if (!rg_gql_val_spend(v, 1))
            break;
        if (s->kind == RG_GQL_FIELD) {
            rg_gql_str rn = response_name(s);
            rg_gql_list *l = rg_gql_tmap_get(c->fm->data, rn);
            if (!l) {
                rg_gql_str *name = ks_arena_alloc(v->a, sizeof(*name));
                l = ks_arena_calloc(v->a, 1, sizeof(*l));
                if (!name || !l || rg_gql_tmap_put(c->fm->data, rn, l) < 0) {
                    rg_gql_val_oom(v);
                    break;
                }
                *name = rn;
                if (rg_gql_list_push(v->a, &c->fm->seq, name) < 0) {
                    rg_gql_val_oom(v);
                    break;
                }
            }
            if (rg_gql_list_push(v->a, l, s) < 0)
                rg_gql_val_oom(v);
        } else if (s->kind == RG_GQL_INLINE) {
            collect_walk(v, &s->selset, c);
        } else if (rg_gql_list_push(v->a, &c->spreads, s) < 0) {
            rg_gql_val_oom(v);
        }
    }
    v->depth--;
    return !v->rc;
}

/* getFieldsAndFragmentNames: the same result for every lookup of one
 * selection set; all empty sets share one. */
static collected *fields_of(rg_gql_val *v, const rg_gql_list *ss)
{
    struct {
        void *first;
        size_t n;
    } id = {ss->n ? (void *)ss->v : NULL, ss->n};
    rg_gql_str key = {(const char *)&id, sizeof(id)};
    if (!rg_gql_val_spend(v, 1))
        return NULL;
    collected *c = rg_gql_tmap_get(v->overlap->cache, key);
    if (c)
        return c;
    key.s = ks_arena_memdup(v->a, &id, sizeof(id));
    c = ks_arena_calloc(v->a, 1, sizeof(*c));
    fields_map *fm = ks_arena_calloc(v->a, 1, sizeof(*fm));
    if (!key.s || !c || !fm || !(fm->data = rg_gql_tmap_new(v->a))) {
        rg_gql_val_oom(v);
        return NULL;
    }
    fm->id = ++v->overlap->next_id;
    c->fm = fm;
    if (!collect_walk(v, ss, c))
        return NULL;
    if (rg_gql_tmap_put(v->overlap->cache, key, c) < 0) {
        rg_gql_val_oom(v);
        return NULL;
    }
    return c;
}

/* ---- comparing ---- */

static bool same_value(rg_gql_val *v, const rg_gql_value *a, const rg_gql_value *b);

static int cmp_child(const rg_gql_child *a, const rg_gql_child *b)
{
    return rg_gql_strcmp(a->name, b->name);
}

/* Children sorted by name, stably (a copy). */
static rg_gql_child **sorted_children(rg_gql_val *v, const rg_gql_list *l)
{
    rg_gql_child **c = ks_arena_alloc(v->a, (l->n + 1) * sizeof(*c));
    if (!c) {
        rg_gql_val_oom(v);
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++) {
        rg_gql_child *x = l->v[i];
        size_t k = i;
        while (k > 0 && cmp_child(x, c[k - 1]) < 0) {
            c[k] = c[k - 1];
            k--;
        }
        c[k] = x;
    }
    return c;
}

static bool same_value(rg_gql_val *v, const rg_gql_value *a, const rg_gql_value *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind || !rg_gql_streq(a->raw, b->raw) || a->children.n != b->children.n)
        return false;
    size_t n = a->children.n;
    if (!rg_gql_val_spend(v, n * (n + 1) + 1) || !rg_gql_val_enter(v))
        return false;
    bool same = true;
    rg_gql_child **ca = (rg_gql_child **)a->children.v, **cb = (rg_gql_child **)b->children.v;
    if (a->kind == RG_GQL_OBJECTV && n) {
        ca = sorted_children(v, &a->children);
        cb = sorted_children(v, &b->children);
        if (!ca || !cb)
            same = false;
    }
    for (size_t i = 0; same && i < n; i++)
        same = rg_gql_streq(ca[i]->name, cb[i]->name) && same_value(v, ca[i]->value, cb[i]->value);
    v->depth--;
    return same;
}

static bool same_arguments(rg_gql_val *v, const rg_gql_list *a1, const rg_gql_list *a2)
{
    if (a1->n != a2->n)
        return false;
    if (!rg_gql_val_spend(v, a1->n * a2->n + 1))
        return false;
    for (size_t i = 0; i < a1->n; i++) {
        const rg_gql_arg *x = a1->v[i];
        bool matched = false;
        for (size_t k = 0; k < a2->n && !matched; k++) {
            const rg_gql_arg *y = a2->v[k];
            matched = rg_gql_streq(x->name, y->name) && same_value(v, x->value, y->value);
        }
        if (!matched)
            return false;
    }
    return true;
}

static bool types_conflict(rg_gql_val *v, const rg_gql_type *t1, const rg_gql_type *t2)
{
    while (t1 && t2) {
        if (t1->nonnull != t2->nonnull || (t1->elem == NULL) != (t2->elem == NULL))
            return true;
        if (!t1->elem)
            break;
        t1 = t1->elem;
        t2 = t2->elem;
    }
    if (!t1 || !t2)
        return false;
    const rg_gql_def *d1 = rg_gql_schema_type(v->schema, t1->named);
    const rg_gql_def *d2 = rg_gql_schema_type(v->schema, t2->named);
    bool leaf1 = rg_gql_def_is(d1, "ENUM") || rg_gql_def_is(d1, "SCALAR");
    bool leaf2 = rg_gql_def_is(d2, "ENUM") || rg_gql_def_is(d2, "SCALAR");
    if (leaf1 || leaf2)
        return !d1 || !d2 || !rg_gql_streq(d1->name, d2->name);
    return false;
}

static void push_conflict(rg_gql_val *v, rg_gql_list *out, conflict *c)
{
    if (!c)
        return;
    if (v->first_error_only) {
        /* Any conflict makes its top-level selection conflict: the verdict
         * is known, so stop here (the message is never shown). */
        rg_gql_val_error(v, c->pos, "Fields \"%.*s\" conflict", (int)c->response.n, c->response.s);
        return;
    }
    if (rg_gql_list_push(v->a, out, c) < 0)
        rg_gql_val_oom(v);
}

static conflict *find_conflict(rg_gql_val *v, bool parent_exclusive, const rg_gql_sel *fa,
                               const rg_gql_sel *fb);

static void between(rg_gql_val *v, rg_gql_list *out, bool exclusive, const fields_map *a,
                    const fields_map *b)
{
    for (size_t i = 0; i < a->seq.n && !v->rc; i++) {
        rg_gql_str rn = *(rg_gql_str *)a->seq.v[i];
        const rg_gql_list *la = rg_gql_tmap_get(a->data, rn);
        const rg_gql_list *lb = rg_gql_tmap_get(b->data, rn);
        if (!lb)
            continue;
        for (size_t x = 0; x < la->n && !v->rc; x++)
            for (size_t y = 0; y < lb->n && rg_gql_val_spend(v, 1); y++)
                push_conflict(v, out, find_conflict(v, exclusive, la->v[x], lb->v[y]));
    }
}

static void within(rg_gql_val *v, rg_gql_list *out, const fields_map *fm)
{
    for (size_t i = 0; i < fm->seq.n && !v->rc; i++) {
        const rg_gql_list *l = rg_gql_tmap_get(fm->data, *(rg_gql_str *)fm->seq.v[i]);
        for (size_t x = 0; x < l->n && !v->rc; x++)
            for (size_t y = x + 1; y < l->n && rg_gql_val_spend(v, 1); y++)
                push_conflict(v, out, find_conflict(v, false, l->v[x], l->v[y]));
    }
}

static void fields_and_fragment(rg_gql_val *v, rg_gql_list *out, bool exclusive,
                                const fields_map *fm, const rg_gql_sel *spread)
{
    memo_key k;
    if (!rg_gql_val_spend(v, 4) || !fm_key(v, &k, fm, spread->name) ||
        pair_has(v->overlap->fields_frag, k.key, exclusive))
        return;
    pair_add(v, v->overlap->fields_frag, &k, exclusive);
    if (!spread->fragdef || v->rc)
        return;
    collected *b = fields_of(v, &spread->fragdef->selset);
    if (!b || b->fm == fm)
        return;
    if (!rg_gql_val_enter(v))
        return;
    between(v, out, exclusive, fm, b->fm);
    for (size_t i = 0; i < b->spreads.n && !v->rc; i++)
        fields_and_fragment(v, out, exclusive, fm, b->spreads.v[i]);
    v->depth--;
}

static void fragments_between(rg_gql_val *v, rg_gql_list *out, bool exclusive, const rg_gql_sel *sa,
                              const rg_gql_sel *sb)
{
    if (rg_gql_streq(sa->name, sb->name) || !rg_gql_val_spend(v, 4))
        return;
    /* gqlparser adds both orders of a pair with the same exclusivity, so
     * one entry under the ordered pair stands for both. */
    memo_key k;
    bool a_first = rg_gql_strcmp(sa->name, sb->name) < 0;
    if (!pair_key(v, &k, a_first ? sa->name : sb->name, a_first ? sb->name : sa->name) ||
        pair_has(v->overlap->frag_pairs, k.key, exclusive))
        return;
    pair_add(v, v->overlap->frag_pairs, &k, exclusive);
    if (!sa->fragdef || !sb->fragdef)
        return;
    collected *a = fields_of(v, &sa->fragdef->selset);
    collected *b = a ? fields_of(v, &sb->fragdef->selset) : NULL;
    if (!b || !rg_gql_val_enter(v))
        return;
    between(v, out, exclusive, a->fm, b->fm);
    for (size_t i = 0; i < b->spreads.n && !v->rc; i++)
        fragments_between(v, out, exclusive, sa, b->spreads.v[i]);
    for (size_t i = 0; i < a->spreads.n && !v->rc; i++)
        fragments_between(v, out, exclusive, a->spreads.v[i], sb);
    v->depth--;
}

static void between_sub_selections(rg_gql_val *v, rg_gql_list *out, bool exclusive,
                                   const rg_gql_list *ssa, const rg_gql_list *ssb)
{
    collected *a = fields_of(v, ssa);
    collected *b = a ? fields_of(v, ssb) : NULL;
    if (!b)
        return;
    between(v, out, exclusive, a->fm, b->fm);
    for (size_t i = 0; i < b->spreads.n && !v->rc; i++)
        fields_and_fragment(v, out, exclusive, a->fm, b->spreads.v[i]);
    for (size_t i = 0; i < a->spreads.n && !v->rc; i++)
        fields_and_fragment(v, out, exclusive, b->fm, a->spreads.v[i]);
    for (size_t i = 0; i < a->spreads.n && !v->rc; i++)
        for (size_t k = 0; k < b->spreads.n && !v->rc; k++)
            fragments_between(v, out, exclusive, a->spreads.v[i], b->spreads.v[k]);
}

static conflict *new_conflict(rg_gql_val *v, rg_gql_str response, const rg_gql_pos *pos)
{
    conflict *c = ks_arena_calloc(v->a, 1, sizeof(*c));
    if (!c) {
        rg_gql_val_oom(v);
        return NULL;
    }
    c->response = response;
    c->pos = pos;
    return c;
}

static const char *arena_printf(rg_gql_val *v, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static const char *arena_printf(rg_gql_val *v, const char *fmt, ...)
{
    ks_buf b = KS_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ks_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return rg_gql_val_keep(v, &b);
}

static conflict *find_conflict(rg_gql_val *v, bool parent_exclusive, const rg_gql_sel *fa,
                               const rg_gql_sel *fb)
{
    if (!fa->objdef || !fb->objdef || !rg_gql_val_spend(v, 1))
        return NULL;
    bool exclusive = parent_exclusive;
    if (!exclusive)
        exclusive = !rg_gql_streq(fa->objdef->name, fb->objdef->name) &&
                    rg_gql_def_is(fa->objdef, "OBJECT") && rg_gql_def_is(fb->objdef, "OBJECT") &&
                    fa->definition && fb->definition;
    rg_gql_str rn = response_name(fa);
    if (!exclusive) {
        if (!rg_gql_streq(fa->name, fb->name)) {
            conflict *c = new_conflict(v, rn, &fb->pos);
            if (c)
                c->message = arena_printf(v, "\"%.*s\" and \"%.*s\" are different fields",
                                          (int)fa->name.n, fa->name.s, (int)fb->name.n, fb->name.s);
            return c;
        }
        if (!same_arguments(v, &fa->args, &fb->args)) {
            if (v->rc)
                return NULL;
            conflict *c = new_conflict(v, rn, &fb->pos);
            if (c)
                c->message = "they have differing arguments";
            return c;
        }
    }
    if (fa->definition && fb->definition &&
        types_conflict(v, fa->definition->type, fb->definition->type)) {
        conflict *c = new_conflict(v, rn, &fb->pos);
        if (c) {
            ks_buf t1 = KS_BUF_INIT, t2 = KS_BUF_INIT;
            rg_gql_type_string(&t1, fa->definition->type);
            rg_gql_type_string(&t2, fb->definition->type);
            c->message = arena_printf(v, "they return conflicting types \"%s\" and \"%s\"",
                                      ks_buf_cstr(&t1), ks_buf_cstr(&t2));
            ks_buf_free(&t1);
            ks_buf_free(&t2);
        }
        return c;
    }
    if (!rg_gql_val_enter(v))
        return NULL;
    rg_gql_list subs = {0};
    between_sub_selections(v, &subs, exclusive, &fa->selset, &fb->selset);
    v->depth--;
    if (subs.n == 0 || v->rc)
        return NULL;
    conflict *c = new_conflict(v, rn, &fb->pos);
    if (c)
        c->subs = subs;
    return c;
}

static void conflict_string(ks_buf *b, const conflict *c)
{
    if (c->subs.n == 0) {
        ks_buf_puts(b, c->message ? c->message : "");
        return;
    }
    for (size_t i = 0; i < c->subs.n; i++) {
        const conflict *s = c->subs.v[i];
        ks_buf_puts(b, "subfields \"");
        ks_buf_append(b, s->response.s, s->response.n);
        ks_buf_puts(b, "\" conflict because ");
        conflict_string(b, s);
        if (i + 1 != c->subs.n)
            ks_buf_puts(b, " and ");
    }
}

void rg_gql_overlap_selset(rg_gql_val *v, const rg_gql_list *selset)
{
    if (v->rc || selset->n == 0)
        return;
    collected *c = fields_of(v, selset);
    if (!c)
        return;
    rg_gql_list out = {0};
    within(v, &out, c->fm);
    for (size_t i = 0; i < c->spreads.n && !v->rc; i++) {
        fields_and_fragment(v, &out, false, c->fm, c->spreads.v[i]);
        for (size_t k = i + 1; k < c->spreads.n && !v->rc; k++)
            fragments_between(v, &out, false, c->spreads.v[i], c->spreads.v[k]);
    }
    for (size_t i = 0; i < out.n && !v->rc; i++) {
        const conflict *cf = out.v[i];
        ks_buf b = KS_BUF_INIT;
        conflict_string(&b, cf);
        if (b.err)
            rg_gql_val_oom(v);
        else
            rg_gql_val_error(v, cf->pos,
                             "Fields \"%.*s\" conflict because %s. Use different aliases on the "
                             "fields to fetch both if this was intentional.",
                             (int)cf->response.n, cf->response.s, ks_buf_cstr(&b));
        ks_buf_free(&b);
    }
}
