/* HTTP endpoints: URL paths collapsed per port, duplicates merged, specific
 * ports folded into a ":0" (any port) entry of the same path. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/map.h"
#include "core/vec.h"
#include "runtime/profile.h"

typedef KS_VEC(kv_value) value_vec;

typedef struct ep {
    const kv_value *orig; /* kept as is unless changed; NULL when built here */
    kv_value endpoint;
    kv_value direction; /* string; "" when absent */
    bool internal;
    value_vec methods;
    ks_map *mset; /* the methods as a set, once there are many */
    bool has_methods;
    kv_value headers; /* as given; KV_NULL when absent */
    bool changed;     /* methods or headers merged into it */
    bool removed;
} ep;

typedef struct ctx {
    ks_arena *a;
    ks_buf key;
    ks_error *err;
} ctx;

static int nomem(ks_error *err)
{
    return ks_error_set(err, KS_ELIMIT, "endpoints: memory limit");
}

static bool hexval(char c, int *v)
{
    if (c >= '0' && c <= '9')
        *v = c - '0';
    else if (c >= 'a' && c <= 'f')
        *v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        *v = c - 'A' + 10;
    else
        return false;
    return true;
}

static bool host_char_ok(unsigned char c)
{
    if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("-._~!$&'()*+,;=:[]<>\"%", c) != NULL;
}

static bool userinfo_char_ok(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("-._:~!$&'()*+,;=%@", c) != NULL;
}

/* Whether every '%' starts a two-digit hex escape. */
static bool valid_escapes(const char *s, size_t n)
{
    int v;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '%' && (i + 2 >= n || !hexval(s[i + 1], &v) || !hexval(s[i + 2], &v)))
            return false;
    return true;
}

/* ":<port><collapsed path>" for a URL as upstream reads it (Go's net/url
 * after "http://" is put in front of a URL without a scheme); 1 when the
 * URL is invalid (upstream drops the endpoint). */
static int analyze_url(ctx *c, rt_path_analyzer *pa, const kv_value *url, kv_value *out)
{
    const char *s = url->u.s;
    size_t n = url->len;
    if (n > RT_MAX_PATH_LEN)
        return ks_error_set(c->err, KS_ELIMIT, "endpoint of %zu bytes: longer than %d", n,
                            RT_MAX_PATH_LEN);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 1;
    if (n >= 7 && memcmp(s, "http://", 7) == 0) {
        s += 7;
        n -= 7;
    } else if (n >= 8 && memcmp(s, "https://", 8) == 0) {
        s += 8;
        n -= 8;
    }
    /* Go's url.ParseRequestURI first (no fragment there: a '#' before the
     * path is part of the host and invalid), then url.Parse. */
    const char *q1 = memchr(s, '?', n);
    size_t n1 = q1 ? (size_t)(q1 - s) : n;
    const char *slash = memchr(s, '/', n1);
    size_t alen = slash ? (size_t)(slash - s) : n1;
    if (memchr(s, '#', alen) || !valid_escapes(s + alen, n1 - alen))
        return 1;
    const char *hash = memchr(s, '#', n);
    if (hash && !valid_escapes(hash + 1, n - (size_t)(hash + 1 - s)))
        return 1;
    if (hash)
        n = (size_t)(hash - s);
    const char *q = memchr(s, '?', n);
    if (q)
        n = (size_t)(q - s);
    if (alen > n)
        alen = n;
    const char *host = s;
    size_t hlen = alen;
    for (size_t i = alen; i-- > 0;)
        if (s[i] == '@') {
            for (size_t j = 0; j < i; j++)
                if (!userinfo_char_ok((unsigned char)s[j]))
                    return 1;
            host = s + i + 1;
            hlen = alen - i - 1;
            break;
        }
    const char *port = "";
    size_t plen = 0;
    if (hlen && host[0] == '[') {
        const char *rb = memchr(host, ']', hlen);
        if (!rb)
            return 1;
        size_t after = (size_t)(rb + 1 - host);
        if (after < hlen) {
            if (host[after] != ':')
                return 1;
            port = host + after + 1;
            plen = hlen - after - 1;
        }
    } else {
        for (size_t i = hlen; i-- > 0;)
            if (host[i] == ':') {
                port = host + i + 1;
                plen = hlen - i - 1;
                break;
            }
    }
    for (size_t i = 0; i < hlen; i++)
        if (!host_char_ok((unsigned char)host[i]))
            return 1;
    for (size_t i = 0; i < plen; i++)
        if (port[i] < '0' || port[i] > '9')
            return 1;
    /* The path, percent-decoded. */
    const char *p = s + alen;
    size_t pn = n - alen;
    char *dec = ks_arena_alloc_bytes(c->a, pn + 1);
    if (!dec)
        return nomem(c->err);
    size_t w = 0;
    for (size_t i = 0; i < pn; i++) {
        int hi, lo;
        if (p[i] != '%') {
            dec[w++] = p[i];
            continue;
        }
        if (i + 2 >= pn || !hexval(p[i + 1], &hi) || !hexval(p[i + 2], &lo))
            return 1;
        dec[w++] = (char)(hi * 16 + lo);
        i += 2;
    }
    kv_value r;
    int rc = rt_path_analyzer_add(pa, port, plen, dec, w, &r, c->err);
    if (rc)
        return rc;
    if (r.len == 2 && memcmp(r.u.s, "/.", 2) == 0)
        r = kv_str_ref("/", 1);
    ks_buf_reset(&c->key);
    ks_buf_putc(&c->key, ':');
    ks_buf_append(&c->key, port, plen);
    ks_buf_append(&c->key, r.u.s, r.len);
    if (c->key.err || kv_str_copy(c->a, c->key.data, c->key.len, out))
        return nomem(c->err);
    return 0;
}

static int check_endpoint(const kv_value *e, uint32_t i, ks_error *err)
{
    if (e->kind != KV_OBJECT)
        return ks_error_set(err, KS_ETYPE, "endpoints[%u]: must be an object", i);
    static const char *const strs[] = {"endpoint", "direction"};
    for (int k = 0; k < 2; k++) {
        const kv_value *v = kv_obj_get(e, strs[k], strlen(strs[k]));
        if (v && v->kind != KV_STRING && v->kind != KV_NULL)
            return ks_error_set(err, KS_ETYPE, "endpoints[%u].%s: must be a string", i, strs[k]);
    }
    const kv_value *in = kv_obj_get(e, "internal", 8);
    if (in && in->kind != KV_BOOL && in->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "endpoints[%u].internal: must be a boolean", i);
    const kv_value *m = kv_obj_get(e, "methods", 7);
    if (m && m->kind != KV_ARRAY && m->kind != KV_NULL)
        return ks_error_set(err, KS_ETYPE, "endpoints[%u].methods: must be an array", i);
    if (m && m->kind == KV_ARRAY)
        for (uint32_t j = 0; j < m->len; j++)
            if (m->u.items[j].kind != KV_STRING)
                return ks_error_set(err, KS_ETYPE, "endpoints[%u].methods[%u]: must be a string", i,
                                    j);
    return 0;
}

static kv_value str_field(const kv_value *o, const char *k)
{
    const kv_value *v = kv_obj_get(o, k, strlen(k));
    return (v && v->kind == KV_STRING) ? *v : kv_str_ref("", 0);
}

static void ep_init(ep *e, const kv_value *o)
{
    memset(e, 0, sizeof(*e));
    e->orig = o;
    e->endpoint = str_field(o, "endpoint");
    e->direction = str_field(o, "direction");
    const kv_value *in = kv_obj_get(o, "internal", 8);
    e->internal = in && in->kind == KV_BOOL && in->u.b;
    const kv_value *m = kv_obj_get(o, "methods", 7);
    if (m && m->kind == KV_ARRAY) {
        e->has_methods = true;
        for (uint32_t j = 0; j < m->len; j++)
            ks_vec_push(&e->methods, m->u.items[j]);
    }
    const kv_value *h = kv_obj_get(o, "headers", 7);
    e->headers = h ? *h : kv_null();
}

/* An unambiguous key for (endpoint, direction, internal). */
static const char *ep_key(ctx *c, const kv_value *endpoint, const kv_value *dir, bool internal,
                          size_t *len)
{
    ks_buf_reset(&c->key);
    ks_buf_printf(&c->key, "%u:", endpoint->len);
    ks_buf_append(&c->key, endpoint->u.s, endpoint->len);
    ks_buf_printf(&c->key, "%u:", dir->len);
    ks_buf_append(&c->key, dir->u.s, dir->len);
    ks_buf_putc(&c->key, internal ? 't' : 'f');
    if (c->key.err)
        return NULL;
    *len = c->key.len;
    return ks_arena_memdup(c->a, c->key.data, c->key.len);
}

/* Methods of src appended to dst's unless there already. Past a few
 * methods a set is kept beside the list, so merging many endpoints with
 * many methods stays linear. */
static void merge_methods(ep *dst, const ep *src)
{
    for (size_t i = 0; i < src->methods.len; i++) {
        const kv_value *m = &src->methods.v[i];
        bool have = false;
        if (dst->mset) {
            have = ks_map_get(dst->mset, m->u.s, m->len) != NULL;
        } else {
            for (size_t j = 0; j < dst->methods.len && !have; j++)
                have = kv_equal(&dst->methods.v[j], m);
        }
        if (have)
            continue;
        ks_vec_push(&dst->methods, *m);
        if (dst->mset) {
            ks_map_put(dst->mset, m->u.s, m->len, (void *)1);
        } else if (dst->methods.len > 8) {
            dst->mset = ks_xcalloc(1, sizeof(ks_map));
            ks_map_init(dst->mset);
            for (size_t j = 0; j < dst->methods.len; j++)
                ks_map_put(dst->mset, dst->methods.v[j].u.s, dst->methods.v[j].len, (void *)1);
        }
    }
    dst->has_methods = dst->has_methods || src->has_methods;
    dst->changed = true;
}

static void ep_free(ep *e)
{
    ks_vec_free(&e->methods);
    if (e->mset) {
        ks_map_free(e->mset);
        ks_xfree(e->mset);
        e->mset = NULL;
    }
}

static bool headers_ok(const kv_value *h)
{
    if (h->kind != KV_OBJECT)
        return false;
    for (uint32_t i = 0; i < h->len; i++) {
        const kv_value *v = &h->u.members[i].val;
        if (v->kind == KV_NULL)
            continue;
        if (v->kind != KV_ARRAY)
            return false;
        for (uint32_t j = 0; j < v->len; j++)
            if (v->u.items[j].kind != KV_STRING)
                return false;
    }
    return true;
}

/* Header values of src added to dst's ({name: [values]}); nothing when
 * either is not such an object, as upstream. */
static int merge_headers(ks_arena *a, ep *dst, const ep *src)
{
    if (!headers_ok(&dst->headers) || !headers_ok(&src->headers))
        return 0;
    kv_value h = dst->headers;
    for (uint32_t i = 0; i < src->headers.len; i++) {
        const kv_member *m = &src->headers.u.members[i];
        const kv_value *have = kv_obj_get_value(&h, &m->key);
        kv_value v = m->val;
        if (have && have->kind == KV_ARRAY) {
            size_t n = have->len + (v.kind == KV_ARRAY ? v.len : 0);
            kv_value *items = ks_arena_calloc(a, n ? n : 1, sizeof(*items));
            if (!items)
                return KS_ELIMIT;
            memcpy(items, have->u.items, have->len * sizeof(*items));
            if (v.kind == KV_ARRAY)
                memcpy(items + have->len, v.u.items, v.len * sizeof(*items));
            kv_value set;
            if (kv_set_new(a, items, n, &set) || kv_array_new(a, set.u.items, set.len, &v))
                return KS_ELIMIT;
        }
        if (kv_obj_with(a, &h, m->key.u.s, m->key.len, &v, &h))
            return KS_ELIMIT;
    }
    dst->headers = h;
    dst->changed = true;
    return 0;
}

static int merge_into(ks_arena *a, ep *dst, ep *src)
{
    merge_methods(dst, src);
    return merge_headers(a, dst, src);
}

/* Splits ":<port><path>" into port and path ("/" when there is none). */
static void split_endpoint(const kv_value *e, kv_value *port, kv_value *path)
{
    const char *s = e->u.s;
    size_t n = e->len;
    if (n == 0 || s[0] != ':') {
        *port = kv_str_ref("", 0);
        *path = n ? *e : kv_str_ref("/", 1);
        return;
    }
    const char *sl = memchr(s + 1, '/', n - 1);
    if (!sl) {
        *port = kv_str_ref(s + 1, n - 1);
        *path = kv_str_ref("/", 1);
        return;
    }
    *port = kv_str_ref(s + 1, (size_t)(sl - s - 1));
    *path = kv_str_ref(sl, n - (size_t)(sl - s));
}

static int build_ep(ks_arena *a, const ep *e, kv_value *out)
{
    if (e->orig && !e->changed) {
        *out = *e->orig;
        return 0;
    }
    kv_value o = e->orig ? *e->orig : (kv_value){.kind = KV_OBJECT};
    kv_value v;
    if (kv_obj_with(a, &o, "endpoint", 8, &e->endpoint, &o))
        return KS_ELIMIT;
    if (e->has_methods) {
        if (kv_array_new(a, e->methods.v, e->methods.len, &v) ||
            kv_obj_with(a, &o, "methods", 7, &v, &o))
            return KS_ELIMIT;
    }
    v = kv_bool(e->internal);
    if (kv_obj_with(a, &o, "internal", 8, &v, &o))
        return KS_ELIMIT;
    if (e->direction.len && kv_obj_with(a, &o, "direction", 9, &e->direction, &o))
        return KS_ELIMIT;
    if (e->headers.kind != KV_NULL && kv_obj_with(a, &o, "headers", 7, &e->headers, &o))
        return KS_ELIMIT;
    *out = o;
    return 0;
}

typedef KS_VEC(size_t) index_vec;

/* Upstream's MergeDuplicateEndpoints over eps (in order). */
static int merge_duplicates(ctx *c, ep *eps, size_t n)
{
    ks_map seen, byPath;
    ks_map_init(&seen);
    ks_map_init(&byPath);
    KS_VEC(index_vec *) lists = {0};
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        ep *e = &eps[i];
        if (e->removed)
            continue;
        size_t klen;
        const char *key = ep_key(c, &e->endpoint, &e->direction, e->internal, &klen);
        if (!key)
            goto nomem;
        ep *have = ks_map_get(&seen, key, klen);
        if (have) {
            if (merge_into(c->a, have, e))
                goto nomem;
            e->removed = true;
            continue;
        }
        kv_value port, path;
        split_endpoint(&e->endpoint, &port, &path);
        size_t plen;
        const char *pkey = ep_key(c, &path, &e->direction, e->internal, &plen);
        if (!pkey)
            goto nomem;
        if (port.len == 1 && port.u.s[0] == '0') {
            index_vec *l = ks_map_get(&byPath, pkey, plen);
            for (size_t j = 0; l && j < l->len; j++) {
                ep *s = &eps[l->v[j]];
                size_t sk;
                const char *skey = ep_key(c, &s->endpoint, &s->direction, s->internal, &sk);
                if (!skey)
                    goto nomem;
                if (ks_map_get(&seen, skey, sk) != s)
                    continue;
                if (merge_into(c->a, e, s))
                    goto nomem;
                ks_map_del(&seen, skey, sk, NULL);
                s->removed = true;
            }
            if (l)
                l->len = 0;
            ks_map_put(&seen, key, klen, e);
            continue;
        }
        ks_buf_reset(&c->key);
        ks_buf_puts(&c->key, ":0");
        ks_buf_append(&c->key, path.u.s, path.len);
        kv_value wild;
        if (c->key.err || kv_str_copy(c->a, c->key.data, c->key.len, &wild))
            goto nomem;
        size_t wlen;
        const char *wkey = ep_key(c, &wild, &e->direction, e->internal, &wlen);
        if (!wkey)
            goto nomem;
        if ((have = ks_map_get(&seen, wkey, wlen))) {
            if (merge_into(c->a, have, e))
                goto nomem;
            e->removed = true;
            continue;
        }
        ks_map_put(&seen, key, klen, e);
        bool created;
        ks_map_entry *me = ks_map_upsert(&byPath, pkey, plen, &created);
        if (created) {
            me->val = ks_xcalloc(1, sizeof(index_vec));
            ks_vec_push(&lists, (index_vec *)me->val);
        }
        ks_vec_push((index_vec *)me->val, i);
    }
    goto out;
nomem:
    rc = nomem(c->err);
out:
    for (size_t i = 0; i < lists.len; i++) {
        ks_vec_free(lists.v[i]);
        ks_xfree(lists.v[i]);
    }
    ks_vec_free(&lists);
    ks_map_free(&seen);
    ks_map_free(&byPath);
    return rc;
}

int rt_analyze_endpoints(ks_arena *a, const kv_value *endpoints, int64_t threshold,
                         const rt_collapse_prefix *prefixes, size_t nprefixes, kv_value *out,
                         ks_error *err)
{
    if (!endpoints || endpoints->kind == KV_NULL ||
        (endpoints->kind == KV_ARRAY && endpoints->len == 0)) {
        *out = endpoints ? *endpoints : kv_null();
        return 0;
    }
    if (endpoints->kind != KV_ARRAY)
        return ks_error_set(err, KS_ETYPE, "endpoints: must be an array");
    if (endpoints->len > RT_MAX_LIST_LEN)
        return ks_error_set(err, KS_ELIMIT, "endpoints: more than %d entries", RT_MAX_LIST_LEN);
    int rc;
    uint32_t n = endpoints->len;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = check_endpoint(&endpoints->u.items[i], i, err)))
            return rc;
    rt_path_analyzer *pa = rt_path_analyzer_new(a, threshold, prefixes, nprefixes);
    if (!pa)
        return nomem(err);
    ctx c = {.a = a, .err = err};
    ks_buf_init(&c.key, 0);
    ep *eps = ks_xcalloc(n, sizeof(*eps));
    ks_map first;
    ks_map_init(&first);
    size_t neps = 0;
    kv_value r;
    /* First pass: every URL into the trie. */
    for (uint32_t i = 0; i < n; i++) {
        kv_value url = str_field(&endpoints->u.items[i], "endpoint");
        if ((rc = analyze_url(&c, pa, &url, &r)) < 0)
            goto out;
    }
    /* Second pass: collapsed endpoints; a changed one joins an earlier entry
     * with the same key. */
    for (uint32_t i = 0; i < n; i++) {
        const kv_value *o = &endpoints->u.items[i];
        ep *e = &eps[neps];
        ep_init(e, o);
        if ((rc = analyze_url(&c, pa, &e->endpoint, &r)) != 0) {
            ep_free(e);
            if (rc < 0)
                goto out;
            continue;
        }
        size_t klen;
        const char *key;
        if (!kv_equal(&r, &e->endpoint)) {
            e->endpoint = r;
            key = ep_key(&c, &r, &e->direction, e->internal, &klen);
            if (!key) {
                rc = nomem(err);
                goto out;
            }
            ep *have = ks_map_get(&first, key, klen);
            if (have) {
                rc = merge_into(a, have, e);
                ep_free(e);
                if (rc) {
                    rc = nomem(err);
                    goto out;
                }
                continue;
            }
            e->orig = NULL; /* a new entry of the five fields */
        } else {
            key = ep_key(&c, &r, &e->direction, e->internal, &klen);
            if (!key) {
                rc = nomem(err);
                goto out;
            }
        }
        bool created;
        ks_map_entry *me = ks_map_upsert(&first, key, klen, &created);
        if (created)
            me->val = e;
        neps++;
    }
    if ((rc = merge_duplicates(&c, eps, neps)))
        goto out;
    kv_value *items = ks_arena_calloc(a, neps ? neps : 1, sizeof(*items));
    if (!items) {
        rc = nomem(err);
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < neps; i++)
        if (!eps[i].removed && build_ep(a, &eps[i], &items[k++])) {
            rc = nomem(err);
            goto out;
        }
    if (kv_array_new(a, items, k, out))
        rc = nomem(err);
out:
    for (size_t i = 0; i < neps; i++)
        ep_free(&eps[i]);
    ks_xfree(eps);
    ks_map_free(&first);
    ks_buf_free(&c.key);
    return rc;
}
