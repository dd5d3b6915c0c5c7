/* Opens: collapsing paths with the analyzer, merging flags, folding the
 * literals that a surviving pattern covers. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/map.h"
#include "core/vec.h"
#include "runtime/profile.h"

typedef KS_VEC(kv_value) value_vec;

typedef struct open_entry {
    kv_value path;
    const kv_value *orig; /* the input open kept as is, or NULL when built here */
    value_vec flags;      /* current flags */
    bool merged;          /* flags must be sorted and deduplicated */
} open_entry;

static int nomem(ks_error *err)
{
    return ks_error_set(err, KS_ELIMIT, "opens: memory limit");
}

static int check_open(const kv_value *o, uint32_t i, ks_error *err)
{
    if (o->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "opens[%u]: must be an object", i);
    const kv_value *p = kv_obj_get(o, "path", 4);
    if (p && p->kind != KV_STRING && p->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "opens[%u].path: must be a string", i);
    const kv_value *f = kv_obj_get(o, "flags", 5);
    if (f && f->kind != KV_ARRAY && f->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "opens[%u].flags: must be an array", i);
    if (f && f->kind == KV_ARRAY)
        for (uint32_t j = 0; j < f->len; j++)
            if (f->u.items[j].kind != KV_STRING)
                return ks_error_set(err, KS_ETYPE, "opens[%u].flags[%u]: must be a string", i, j);
    return 0;
}

static kv_value open_path(const kv_value *o)
{
    const kv_value *p = kv_obj_get(o, "path", 4);
    return (p && p->kind == KV_STRING) ? *p : kv_str_ref("", 0);
}

static void set_flags(value_vec *flags, const kv_value *o)
{
    const kv_value *f = kv_obj_get(o, "flags", 5);
    flags->len = 0;
    if (f && f->kind == KV_ARRAY)
        for (uint32_t j = 0; j < f->len; j++)
            ks_vec_push(flags, f->u.items[j]);
}

static void add_flags(open_entry *e, const value_vec *more)
{
    for (size_t j = 0; j < more->len; j++)
        ks_vec_push(&e->flags, more->v[j]);
    e->merged = true;
}

static int cmp_value(const void *x, const void *y)
{
    return kv_compare(x, y);
}

static int cmp_entry(const void *x, const void *y)
{
    const open_entry *a = *(open_entry *const *)x, *b = *(open_entry *const *)y;
    return kv_compare(&a->path, &b->path);
}

static bool contains(const kv_value *s, const char *lit, size_t n)
{
    if (s->len < n)
        return false;
    for (size_t i = 0; i + n <= s->len; i++)
        if (memcmp(s->u.s + i, lit, n) == 0)
            return true;
    return false;
}

/* ---- the pattern trie used to fold literals ---- */

typedef struct pnode {
    int pattern; /* index of the best pattern ending here, or -1 */
    bool star;
} pnode;

typedef struct ptrie {
    ks_arena *a;
    KS_VEC(pnode) nodes;
    ks_map edges; /* key: parent index (8 bytes) + segment -> child index + 1 */
    open_entry **entries;
    size_t budget;
    int best;
} ptrie;

static const char *edge_key(ptrie *t, size_t parent, const char *s, size_t n, size_t *klen)
{
    char *k = ks_arena_alloc_bytes(t->a, n + sizeof(parent));
    if (!k)
        return NULL;
    memcpy(k, &parent, sizeof(parent));
    memcpy(k + sizeof(parent), s, n);
    *klen = n + sizeof(parent);
    return k;
}

static long edge_get(ptrie *t, size_t parent, const char *s, size_t n)
{
    char stackbuf[256];
    size_t klen = n + sizeof(parent);
    char *k = klen <= sizeof(stackbuf) ? stackbuf : ks_xmalloc(klen);
    memcpy(k, &parent, sizeof(parent));
    memcpy(k + sizeof(parent), s, n);
    void *v = ks_map_get(&t->edges, k, klen);
    if (k != stackbuf)
        ks_xfree(k);
    return v ? (long)(uintptr_t)v - 1 : -1;
}

/* Better pattern for flag folding: longer, then first in byte order. */
static bool better(ptrie *t, int cand, int cur)
{
    if (cur < 0)
        return true;
    const kv_value *a = &t->entries[cand]->path, *b = &t->entries[cur]->path;
    if (a->len != b->len)
        return a->len > b->len;
    return kv_compare(a, b) < 0;
}

static int ptrie_add(ptrie *t, int idx)
{
    const kv_value *p = &t->entries[idx]->path;
    size_t node = 0, start = 0, n = p->len;
    /* Trailing slashes do not count, a run of "*" is one "*". */
    while (n > 1 && p->u.s[n - 1] == '/')
        n--;
    bool prev_star = false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p->u.s[i] != '/')
            continue;
        const char *s = p->u.s + start;
        size_t len = i - start;
        start = i + 1;
        bool star = len == 1 && s[0] == '*';
        if (star && prev_star)
            continue;
        prev_star = star;
        long c = edge_get(t, node, s, len);
        if (c < 0) {
            size_t klen;
            const char *k = edge_key(t, node, s, len, &klen);
            if (!k)
                return KS_ELIMIT;
            ks_vec_push(&t->nodes, ((pnode){.pattern = -1, .star = star}));
            c = (long)t->nodes.len - 1;
            ks_map_put(&t->edges, k, klen, (void *)(uintptr_t)(c + 1));
        }
        node = (size_t)c;
    }
    if (better(t, idx, t->nodes.v[node].pattern))
        t->nodes.v[node].pattern = idx;
    return 0;
}

static void candidate(ptrie *t, int pat)
{
    if (pat >= 0 && better(t, pat, t->best))
        t->best = pat;
}

/* Walks the pattern trie along the literal's segments seg[j..m) (a literal
 * has no "*" or "⋯" of its own), noting every pattern that ends where the
 * literal does. Bounded by t->budget steps in all. */
static int visit(ptrie *t, size_t node, const char **seg, const size_t *len, size_t j, size_t m)
{
    if (t->budget == 0)
        return KS_ELIMIT;
    t->budget--;
    if (j == m && !t->nodes.v[node].star)
        candidate(t, t->nodes.v[node].pattern);
    int rc;
    long c;
    if (j < m) {
        if ((c = edge_get(t, node, seg[j], len[j])) >= 0 &&
            (rc = visit(t, (size_t)c, seg, len, j + 1, m)))
            return rc;
        if ((c = edge_get(t, node, RT_DYNAMIC, 3)) >= 0 &&
            (rc = visit(t, (size_t)c, seg, len, j + 1, m)))
            return rc;
    }
    if ((c = edge_get(t, node, "*", 1)) >= 0) {
        /* A trailing "*" takes one or more segments, a middle one zero or
         * more. */
        if (j < m)
            candidate(t, t->nodes.v[c].pattern);
        for (size_t k = j; k <= m; k++)
            if ((rc = visit(t, (size_t)c, seg, len, k, m)))
                return rc;
    }
    return 0;
}

/* Index of the best pattern covering the literal path, -1 for none. */
static int cover(ptrie *t, const kv_value *path, ks_error *err, int *rc)
{
    *rc = 0;
    if (path->len == 0)
        return -1;
    size_t n = path->len, m = 1;
    while (n > 1 && path->u.s[n - 1] == '/')
        n--;
    for (size_t i = 0; i < n; i++)
        m += path->u.s[i] == '/';
    const char **seg = ks_xmalloc(m * (sizeof(*seg) + sizeof(size_t)));
    size_t *len = (size_t *)(seg + m);
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || path->u.s[i] == '/') {
            seg[k] = path->u.s + start;
            len[k++] = i - start;
            start = i + 1;
        }
    t->best = -1;
    if (visit(t, 0, seg, len, 0, k)) {
        *rc = ks_error_set(err, KS_ELIMIT,
                           "opens: patterns too complex to fold literals into (at %s)", path->u.s);
    }
    ks_xfree(seg);
    return t->best;
}

static int consolidate(ks_arena *a, open_entry **es, size_t n, ks_error *err)
{
    ptrie t = {.a = a, .entries = es};
    ks_map_init(&t.edges);
    ks_vec_push(&t.nodes, ((pnode){.pattern = -1}));
    int rc = 0;
    size_t npat = 0, work = 0;
    for (size_t i = 0; i < n; i++) {
        work += es[i]->path.len + 1;
        if (contains(&es[i]->path, "*", 1) || contains(&es[i]->path, RT_DYNAMIC, 3)) {
            npat++;
            if ((rc = ptrie_add(&t, (int)i))) {
                rc = nomem(err);
                goto out;
            }
        }
    }
    if (npat == 0)
        goto out;
    t.budget = 64 * work + 1000000;
    for (size_t i = 0; i < n; i++) {
        open_entry *e = es[i];
        if (contains(&e->path, "*", 1) || contains(&e->path, RT_DYNAMIC, 3))
            continue;
        int p = cover(&t, &e->path, err, &rc);
        if (rc)
            goto out;
        if (p >= 0) {
            add_flags(es[p], &e->flags);
            e->path.kind = KV_NULL; /* dropped */
        }
    }
out:
    ks_vec_free(&t.nodes);
    ks_map_free(&t.edges);
    return rc;
}

static int build_open(ks_arena *a, open_entry *e, kv_value *out)
{
    if (e->orig && !e->merged) {
        *out = *e->orig;
        return 0;
    }
    size_t nf = e->flags.len;
    kv_value flags;
    if (e->merged && nf) {
        qsort(e->flags.v, nf, sizeof(kv_value), cmp_value);
        size_t w = 1;
        for (size_t i = 1; i < nf; i++)
            if (!kv_equal(&e->flags.v[i], &e->flags.v[w - 1]))
                e->flags.v[w++] = e->flags.v[i];
        nf = w;
    }
    if (kv_array_new(a, e->flags.v, nf, &flags))
        return KS_ELIMIT;
    kv_value o;
    if (kv_obj_with(a, e->orig, "path", 4, &e->path, &o) ||
        kv_obj_with(a, &o, "flags", 5, &flags, out))
        return KS_ELIMIT;
    return 0;
}

int rt_analyze_opens(ks_arena *a, const kv_value *opens, int64_t threshold,
                     const rt_collapse_prefix *prefixes, size_t nprefixes, kv_value *out,
                     ks_error *err)
{
    if (!opens || opens->kind == KV_NULL) {
        *out = kv_null();
        return 0;
    }
    if (opens->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "opens: must be an array");
    if (opens->len > RT_MAX_LIST_LEN)
        return ks_error_set(err, KS_ELIMIT, "opens: more than %d entries", RT_MAX_LIST_LEN);
    int rc;
    for (uint32_t i = 0; i < opens->len; i++)
        if ((rc = check_open(&opens->u.items[i], i, err)))
            return rc;
    rt_path_analyzer *pa = rt_path_analyzer_new(a, threshold, prefixes, nprefixes);
    if (!pa)
        return nomem(err);
    for (uint32_t i = 0; i < opens->len; i++) {
        kv_value p = open_path(&opens->u.items[i]);
        if ((rc = rt_path_analyzer_add(pa, "opens", 5, p.u.s, p.len, NULL, err)))
            return rc;
    }

    ks_map byPath;
    ks_map_init(&byPath);
    KS_VEC(open_entry *) list = {0};
    open_entry *pool = ks_xcalloc(opens->len ? opens->len : 1, sizeof(*pool));
    size_t used = 0;
    for (uint32_t i = 0; i < opens->len; i++) {
        const kv_value *o = &opens->u.items[i];
        kv_value p = open_path(o), r;
        if ((rc = rt_path_analyzer_add(pa, "opens", 5, p.u.s, p.len, &r, err)))
            goto out;
        bool created;
        ks_map_entry *me = ks_map_upsert(&byPath, r.u.s, r.len, &created);
        open_entry *e = me->val;
        if (created) {
            e = &pool[used++];
            me->val = e;
            ks_vec_push(&list, e);
        }
        if (!kv_equal(&r, &p)) {
            if (!created) {
                value_vec more = {0};
                set_flags(&more, o);
                add_flags(e, &more);
                ks_vec_free(&more);
            } else {
                e->path = r;
                set_flags(&e->flags, o);
            }
        } else {
            /* The literal replaces whatever was recorded under its path. */
            e->path = p;
            e->orig = o;
            e->merged = false;
            set_flags(&e->flags, o);
        }
    }
    if (list.len)
        qsort(list.v, list.len, sizeof(list.v[0]), cmp_entry);
    if ((rc = consolidate(a, list.v, list.len, err)))
        goto out;
    kv_value *items = ks_arena_calloc(a, list.len ? list.len : 1, sizeof(*items));
    if (!items) {
        rc = nomem(err);
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < list.len; i++) {
        if (list.v[i]->path.kind == KV_NULL)
            continue;
        if (build_open(a, list.v[i], &items[k++])) {
            rc = nomem(err);
            goto out;
        }
    }
    if (kv_array_new(a, items, k, out))
        rc = nomem(err);
out:
    for (size_t i = 0; i < used; i++)
        ks_vec_free(&pool[i].flags);
    ks_xfree(pool);
    ks_vec_free(&list);
    ks_map_free(&byPath);
    return rc;
}
