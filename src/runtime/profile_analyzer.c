/* The dynamic path analyzer: a trie of path segments whose crowded nodes
 * collapse into "⋯", plus Go's path.Clean, pattern matching and the
 * collapse settings. */
#include <string.h>

#include "core/vec.h"
#include "runtime/profile.h"

static const rt_collapse_prefix default_prefixes[] = {
        {"/etc", 4, 100},    {"/etc/apache2", 12, 50}, {"/opt", 4, 50},
        {"/var/run", 8, 50}, {"/app", 4, 50},
};

void rt_collapse_cfg_default(rt_collapse_cfg *cfg)
{
    cfg->open_threshold = RT_OPEN_THRESHOLD;
    cfg->endpoint_threshold = RT_ENDPOINT_THRESHOLD;
    cfg->prefixes = default_prefixes;
    cfg->nprefixes = sizeof(default_prefixes) / sizeof(default_prefixes[0]);
}

static int get_threshold(const kv_value *spec, const char *key, int64_t *out, ks_error *err)
{
    const kv_value *v = kv_obj_get(spec, key, strlen(key));
    *out = 0;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_NUMBER || !kv_num_int64(v, out))
        return ks_error_set(err, KS_ETYPE, "spec.%s: must be an integer", key);
    return 0;
}

int rt_collapse_cfg_from_object(ks_arena *a, const kv_value *obj, rt_collapse_cfg *cfg,
                                ks_error *err)
{
    rt_collapse_cfg_default(cfg);
    if (!obj)
        return 0;
    if (obj->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "CollapseConfiguration: must be an object");
    const kv_value *spec = kv_obj_get(obj, "spec", 4);
    if (!spec || spec->kind == KV_NULL)
        spec = obj;
    if (spec->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "spec: must be an object");
    int64_t t;
    int rc = get_threshold(spec, "openDynamicThreshold", &t, err);
    if (rc)
        return rc;
    cfg->open_threshold = t > 0 ? t : RT_OPEN_THRESHOLD;
    rc = get_threshold(spec, "endpointDynamicThreshold", &t, err);
    if (rc)
        return rc;
    cfg->endpoint_threshold = t > 0 ? t : RT_ENDPOINT_THRESHOLD;

    cfg->prefixes = NULL;
    cfg->nprefixes = 0;
    const kv_value *list = kv_obj_get(spec, "collapseConfigs", 15);
    if (!list || list->kind == KV_NULL)
        return 0;
    if (list->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "spec.collapseConfigs: must be an array");
    if (list->len > RT_MAX_CONFIGS)
        return ks_error_set(err, KS_ELIMIT, "spec.collapseConfigs: more than %d entries",
                            RT_MAX_CONFIGS);
    rt_collapse_prefix *p = ks_arena_calloc(a, list->len ? list->len : 1, sizeof(*p));
    if (!p)
        return ks_error_set(err, KS_ELIMIT, "collapse configuration: memory limit");
    for (uint32_t i = 0; i < list->len; i++) {
        const kv_value *e = &list->u.items[i];
        const kv_value *pre = e->kind == KV_OBJECT ? kv_obj_get(e, "prefix", 6) : NULL;
        const kv_value *th = e->kind == KV_OBJECT ? kv_obj_get(e, "threshold", 9) : NULL;
        if (e->kind != KV_OBJECT)
            return ks_error_set(err, KS_ETYPE, "spec.collapseConfigs[%u]: must be an object", i);
        if (pre && pre->kind != KV_STRING)
            return ks_error_set(err, KS_ETYPE, "spec.collapseConfigs[%u].prefix: must be a string",
                                i);
        if (th && th->kind != KV_NULL && (th->kind != KV_NUMBER || !kv_num_int64(th, &t)))
            return ks_error_set(err, KS_ETYPE,
                                "spec.collapseConfigs[%u].threshold: must be an integer", i);
        p[i].prefix = pre ? pre->u.s : "";
        p[i].len = pre ? pre->len : 0;
        p[i].threshold = (th && th->kind == KV_NUMBER) ? t : 0;
    }
    cfg->prefixes = p;
    cfg->nprefixes = list->len;
    return 0;
}

/* ---- path.Clean ---- */

int rt_path_clean(ks_arena *a, const char *p, size_t n, kv_value *out)
{
    if (n == 0)
        return kv_str_copy(a, ".", 1, out);
    char *b = ks_arena_alloc_bytes(a, n + 1);
    if (!b)
        return KS_ELIMIT;
    bool rooted = p[0] == '/';
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) {
        b[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && b[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    b[w++] = '/';
                b[w++] = '.';
                b[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                b[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                b[w++] = p[r];
        }
    }
    if (w == 0)
        b[w++] = '.';
    b[w] = '\0';
    *out = kv_str_ref(b, w);
    return 0;
}

/* ---- the trie ---- */

typedef struct rt_node rt_node;
struct rt_node {
    const char *name;
    uint32_t len;
    uint32_t nchildren;
    uint32_t cap; /* slots: 0 or a power of two */
    int64_t count;
    rt_node **slots;
};

struct rt_path_analyzer {
    ks_arena *a;
    int64_t threshold;
    rt_collapse_prefix *prefixes;
    size_t nprefixes;
    rt_node roots; /* children: one root node per identifier */
};

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static rt_node *child_get(const rt_node *nd, const char *s, size_t n)
{
    if (!nd->cap)
        return NULL;
    size_t mask = nd->cap - 1;
    for (size_t i = hash_bytes(s, n) & mask;; i = (i + 1) & mask) {
        rt_node *c = nd->slots[i];
        if (!c)
            return NULL;
        if (c->len == n && memcmp(c->name, s, n) == 0)
            return c;
    }
}

static void slot_put(rt_node **slots, uint32_t cap, rt_node *c)
{
    size_t mask = cap - 1;
    size_t i = hash_bytes(c->name, c->len) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = c;
}

/* Adds c (whose name is not there yet). */
static int child_put(ks_arena *a, rt_node *nd, rt_node *c)
{
    if ((nd->nchildren + 1) * 4 > nd->cap * 3) {
        uint32_t cap = nd->cap ? nd->cap * 2 : 4;
        rt_node **slots = ks_arena_calloc(a, cap, sizeof(*slots));
        if (!slots)
            return KS_ELIMIT;
        for (uint32_t i = 0; i < nd->cap; i++)
            if (nd->slots[i])
                slot_put(slots, cap, nd->slots[i]);
        nd->slots = slots;
        nd->cap = cap;
    }
    slot_put(nd->slots, nd->cap, c);
    nd->nchildren++;
    return 0;
}

static rt_node *node_new(ks_arena *a, const char *name, size_t n)
{
    rt_node *c = ks_arena_calloc(a, 1, sizeof(*c));
    if (!c)
        return NULL;
    c->name = name;
    c->len = (uint32_t)n;
    return c;
}

typedef KS_VEC(rt_node *) node_stack;

/* Moves the children of src into dst; children of the same name are merged
 * recursively (their counts added). Iterative: deep tries need no stack. */
static int merge_children(ks_arena *a, rt_node *src, rt_node *dst, node_stack *st)
{
    st->len = 0;
    ks_vec_push(st, src);
    ks_vec_push(st, dst);
    while (st->len) {
        rt_node *d = ks_vec_pop(st);
        rt_node *s = ks_vec_pop(st);
        for (uint32_t i = 0; i < s->cap; i++) {
            rt_node *c = s->slots[i];
            if (!c)
                continue;
            rt_node *have = child_get(d, c->name, c->len);
            if (!have) {
                if (child_put(a, d, c))
                    return KS_ELIMIT;
            } else {
                have->count += c->count;
                ks_vec_push(st, c);
                ks_vec_push(st, have);
            }
        }
    }
    return 0;
}

/* Replaces nd's children by one node named name holding all grandchildren. */
static rt_node *fold_children(ks_arena *a, rt_node *nd, const char *name, size_t n, node_stack *st)
{
    rt_node *f = node_new(a, name, n);
    if (!f)
        return NULL;
    for (uint32_t i = 0; i < nd->cap; i++)
        if (nd->slots[i] && merge_children(a, nd->slots[i], f, st))
            return NULL;
    nd->slots = NULL;
    nd->cap = 0;
    nd->nchildren = 0;
    if (child_put(a, nd, f))
        return NULL;
    return f;
}

static bool prefix_at_boundary(const char *path, size_t n, const char *prefix, size_t plen)
{
    if (plen == 0)
        return true;
    while (plen > 1 && prefix[plen - 1] == '/')
        plen--;
    if (n < plen || memcmp(path, prefix, plen) != 0)
        return false;
    if (n == plen || (plen == 1 && prefix[0] == '/'))
        return true;
    return path[plen] == '/';
}

static int64_t threshold_for(const rt_path_analyzer *pa, const char *path, size_t n)
{
    int64_t best = pa->threshold;
    size_t best_len = 0;
    bool found = false;
    for (size_t i = 0; i < pa->nprefixes; i++) {
        const rt_collapse_prefix *c = &pa->prefixes[i];
        if ((!found || c->len > best_len) && prefix_at_boundary(path, n, c->prefix, c->len)) {
            best = c->threshold;
            best_len = c->len;
            found = true;
        }
    }
    return best;
}

rt_path_analyzer *rt_path_analyzer_new(ks_arena *a, int64_t threshold,
                                       const rt_collapse_prefix *prefixes, size_t nprefixes)
{
    rt_path_analyzer *pa = ks_arena_calloc(a, 1, sizeof(*pa));
    if (!pa)
        return NULL;
    pa->a = a;
    pa->threshold = threshold > 0 ? threshold : RT_OPEN_THRESHOLD;
    if (nprefixes) {
        pa->prefixes = ks_arena_memdup(a, prefixes, nprefixes * sizeof(*prefixes));
        if (!pa->prefixes)
            return NULL;
        pa->nprefixes = nprefixes;
    }
    return pa;
}

static bool is_dyn(const char *s, size_t n)
{
    return n == 3 && memcmp(s, RT_DYNAMIC, 3) == 0;
}

/* The child of nd that segment seg leads to, created when needed. */
static rt_node *step(rt_path_analyzer *pa, rt_node *nd, const char *seg, size_t n,
                     int64_t insert_threshold, node_stack *st)
{
    ks_arena *a = pa->a;
    if (is_dyn(seg, n)) {
        rt_node *d = child_get(nd, RT_DYNAMIC, 3);
        return d ? d : fold_children(a, nd, RT_DYNAMIC, 3, st);
    }
    rt_node *c = child_get(nd, RT_WILDCARD, 1);
    if (c)
        return c;
    c = child_get(nd, RT_DYNAMIC, 3);
    if (c) {
        if (nd->nchildren > 1) {
            nd->slots = NULL;
            nd->cap = nd->nchildren = 0;
            if (child_put(a, nd, c))
                return NULL;
        }
        return c;
    }
    c = child_get(nd, seg, n);
    if (c)
        return c;
    if (insert_threshold == 1)
        return fold_children(a, nd, RT_WILDCARD, 1, st);
    nd->count++;
    char *name = ks_arena_strndup(a, seg, n);
    c = name ? node_new(a, name, n) : NULL;
    if (!c || child_put(a, nd, c))
        return NULL;
    return c;
}

/* Collapses nd's children into "⋯" once they pass the threshold. */
static int update_stats(rt_path_analyzer *pa, rt_node *nd, int64_t threshold, node_stack *st)
{
    if (nd->count > threshold && !child_get(nd, RT_DYNAMIC, 3)) {
        rt_node *d = fold_children(pa->a, nd, RT_DYNAMIC, 3, st);
        if (!d)
            return KS_ELIMIT;
        d->count = d->nchildren;
    }
    return 0;
}

/* Rewrites runs of "⋯/⋯[/⋯...]" into "*", in place; returns the new length. */
static size_t collapse_adjacent(char *b, size_t n)
{
    size_t w = 0, i = 0;
    while (i < n) {
        if (i + 7 <= n && memcmp(b + i, RT_DYNAMIC, 3) == 0 && b[i + 3] == '/' &&
            memcmp(b + i + 4, RT_DYNAMIC, 3) == 0) {
            b[w++] = '*';
            i += 7;
            while (i + 4 <= n && b[i] == '/' && memcmp(b + i + 1, RT_DYNAMIC, 3) == 0)
                i += 4;
            continue;
        }
        b[w++] = b[i++];
    }
    return w;
}

int rt_path_analyzer_add(rt_path_analyzer *pa, const char *root, size_t rootlen, const char *path,
                         size_t n, kv_value *out, ks_error *err)
{
    ks_arena *a = pa->a;
    if (n > RT_MAX_PATH_LEN)
        return ks_error_set(err, KS_ELIMIT, "path of %zu bytes: longer than %d", n,
                            RT_MAX_PATH_LEN);
    kv_value cv;
    if (rt_path_clean(a, path, n, &cv))
        goto nomem;
    const char *p = cv.u.s;
    size_t len = cv.len;

    rt_node *nd = child_get(&pa->roots, root, rootlen);
    if (!nd) {
        char *name = ks_arena_strndup(a, root, rootlen);
        nd = name ? node_new(a, name, rootlen) : NULL;
        if (!nd || child_put(a, &pa->roots, nd))
            goto nomem;
    }
    /* A segment becomes at most "⋯" (3 bytes) longer. */
    size_t nseg = 1;
    for (size_t k = 0; k < len; k++)
        nseg += p[k] == '/';
    char *b = ks_arena_alloc_bytes(a, len + 3 * nseg + 1);
    if (!b)
        goto nomem;
    size_t w = 0, i = 0;
    node_stack st = {0};
    for (;;) {
        size_t start = i;
        while (i < len && p[i] != '/')
            i++;
        int64_t ins = threshold_for(pa, p, start);
        int64_t col = threshold_for(pa, p, i);
        nd = step(pa, nd, p + start, i - start, ins, &st);
        if (!nd || update_stats(pa, nd, col, &st)) {
            ks_vec_free(&st);
            goto nomem;
        }
        memcpy(b + w, nd->name, nd->len);
        w += nd->len;
        if (nd->len == 1 && nd->name[0] == '*')
            break;
        i++;
        if (i > len)
            break;
        b[w++] = '/';
    }
    ks_vec_free(&st);
    w = collapse_adjacent(b, w);
    b[w] = '\0';
    if (out)
        *out = kv_str_ref(b, w);
    return 0;
nomem:
    return ks_error_set(err, KS_ELIMIT, "path analyzer: memory limit");
}

int rt_path_analyzer_collapse(rt_path_analyzer *pa, const kv_value *paths, kv_value *out,
                              ks_error *err)
{
    if (!paths || paths->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "paths: must be an array");
    for (uint32_t i = 0; i < paths->len; i++)
        if (paths->u.items[i].kind != KV_STRING)
            return ks_error_set(err, KS_ETYPE, "paths[%u]: must be a string", i);
    for (int pass = 0; pass < 2; pass++) {
        kv_value *res = NULL;
        if (pass == 1) {
            res = ks_arena_calloc(pa->a, paths->len ? paths->len : 1, sizeof(*res));
            if (!res)
                return ks_error_set(err, KS_ELIMIT, "path analyzer: memory limit");
        }
        for (uint32_t i = 0; i < paths->len; i++) {
            const kv_value *s = &paths->u.items[i];
            int rc = rt_path_analyzer_add(pa, "", 0, s->u.s, s->len, res ? &res[i] : NULL, err);
            if (rc)
                return rc;
        }
        if (pass == 1) {
            kv_value set;
            if (kv_set_new(pa->a, res, paths->len, &set) ||
                kv_array_new(pa->a, set.u.items, set.len, out))
                return ks_error_set(err, KS_ELIMIT, "path analyzer: memory limit");
        }
    }
    return 0;
}

/* ---- matching ---- */

typedef struct seg {
    const char *s;
    size_t n;
} seg;

/* Splits on '/', dropping trailing empty segments but keeping one. */
static size_t split(const char *p, size_t n, seg *out, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '/') {
            if (k == max)
                return SIZE_MAX;
            out[k++] = (seg){p + start, i - start};
            start = i + 1;
        }
    }
    while (k > 1 && out[k - 1].n == 0)
        k--;
    return k;
}

static bool seg_is(const seg *s, const char *lit, size_t n)
{
    return s->n == n && memcmp(s->s, lit, n) == 0;
}

/* Dynamic programming over (pattern position, path position): linear in
 * their product, whatever the number of "*". */
bool rt_path_match(const char *pattern, size_t plen, const char *path, size_t n)
{
    if (plen == 0 || n == 0 || plen > RT_MAX_PATH_LEN || n > RT_MAX_PATH_LEN)
        return false;
    size_t pmax = 1, rmax = 1;
    for (size_t i = 0; i < plen; i++)
        pmax += pattern[i] == '/';
    for (size_t i = 0; i < n; i++)
        rmax += path[i] == '/';
    seg *ps = ks_xmalloc((pmax + rmax) * sizeof(seg));
    seg *rs = ps + pmax;
    size_t np = split(pattern, plen, ps, pmax);
    size_t nr = split(path, n, rs, rmax);
    /* Runs of "*" are one "*". */
    size_t w = 0;
    for (size_t i = 0; i < np; i++) {
        if (w && seg_is(&ps[i], "*", 1) && seg_is(&ps[w - 1], "*", 1))
            continue;
        ps[w++] = ps[i];
    }
    np = w;
    /* ok[j]: pattern suffix from i matches path suffix from j; built from
     * the end of the pattern backwards. */
    bool *cur = ks_xmalloc((nr + 1) * 2 * sizeof(bool));
    bool *next = cur + nr + 1;
    for (size_t j = 0; j <= nr; j++)
        next[j] = j == nr;
    for (size_t i = np; i-- > 0;) {
        const seg *d = &ps[i];
        if (seg_is(d, "*", 1)) {
            if (i == np - 1) {
                for (size_t j = 0; j <= nr; j++)
                    cur[j] = j < nr;
            } else {
                bool any = false;
                for (size_t j = nr + 1; j-- > 0;) {
                    any = any || next[j];
                    cur[j] = any;
                }
            }
        } else {
            bool dyn = is_dyn(d->s, d->n);
            for (size_t j = 0; j <= nr; j++)
                cur[j] = j < nr && (dyn || (d->n == rs[j].n && memcmp(d->s, rs[j].s, d->n) == 0)) &&
                         next[j + 1];
        }
        bool *t = cur;
        cur = next;
        next = t;
    }
    bool r = next[0];
    ks_xfree(cur < next ? cur : next);
    ks_xfree(ps);
    return r;
}
