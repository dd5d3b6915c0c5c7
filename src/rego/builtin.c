/*
 * Builtin support: error helpers, argument helpers, the per-evaluation cache
 * and the lookup over all builtin tables.
 */
#include "rego/builtin.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/map.h"
#include "core/mem.h"
#include "rego/bcache.h"

const char *rg_kind_name(const kv_value *v)
{
    switch (kv_kind_of(v)) {
    case KV_NULL: return "null";
    case KV_BOOL: return "boolean";
    case KV_NUMBER: return "number";
    case KV_STRING: return "string";
    case KV_ARRAY: return "array";
    case KV_OBJECT: return "object";
    case KV_SET: return "set";
    }
    return "unknown";
}

static int bi_verror(rg_bctx *c, int code, bool prefix, const char *fmt, va_list ap)
{
    c->err_code = code;
    if (c->err_msg) {
        ks_buf_reset(c->err_msg);
        if (prefix && c->name)
            ks_buf_printf(c->err_msg, "%s: ", c->name);
        ks_buf_vprintf(c->err_msg, fmt, ap);
    }
    return RG_EBUILTIN;
}

int rg_bi_error(rg_bctx *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bi_verror(c, code, true, fmt, ap);
    va_end(ap);
    return rc;
}

int rg_bi_error_raw(rg_bctx *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bi_verror(c, code, false, fmt, ap);
    va_end(ap);
    return rc;
}

int rg_bi_type_error(rg_bctx *c, int n, const char *want, const kv_value *got)
{
    return rg_bi_error(c, RG_ERR_TYPE, "operand %d must be %s but got %s", n, want,
                       rg_kind_name(got));
}

int rg_arg_string(rg_bctx *c, const kv_value *args, int i, const char **s, size_t *n)
{
    if (kv_kind_of(&args[i]) != KV_STRING)
        return rg_bi_type_error(c, i + 1, "string", &args[i]);
    *s = args[i].u.s;
    if (n)
        *n = args[i].len;
    return 0;
}

int rg_arg_number(rg_bctx *c, const kv_value *args, int i)
{
    if (kv_kind_of(&args[i]) != KV_NUMBER)
        return rg_bi_type_error(c, i + 1, "number", &args[i]);
    return 0;
}

int rg_arg_int(rg_bctx *c, const kv_value *args, int i, int64_t *out)
{
    if (kv_kind_of(&args[i]) != KV_NUMBER)
        return rg_bi_type_error(c, i + 1, "number", &args[i]);
    if (!kv_num_int64(&args[i], out))
        return rg_bi_error(c, RG_ERR_TYPE, "operand %d must be integer number but got %s", i + 1,
                           "floating-point number");
    return 0;
}

int rg_arg_kind(rg_bctx *c, const kv_value *args, int i, unsigned kinds, const char *want)
{
    if (!(kinds & (1u << kv_kind_of(&args[i]))))
        return rg_bi_type_error(c, i + 1, want, &args[i]);
    return 0;
}

int rg_make_string(rg_bctx *c, const char *s, size_t n, kv_value *out)
{
    return kv_str_copy(c->arena, s, n, out) < 0 ? RG_EHALT : RG_OK;
}

int rg_make_string_buf(rg_bctx *c, ks_buf *b, kv_value *out)
{
    int rc = rg_make_string(c, b->data ? b->data : "", b->len, out);
    ks_buf_reset(b);
    return rc;
}

/* ---- cache ---- */

#define BCACHE_MAX 4096

struct rg_bcache {
    ks_map map;
    struct bentry {
        char *key;
        void *obj;
        void (*free_fn)(void *);
    } * entries;
    size_t n, cap;
};

rg_bcache *rg_bcache_new(void)
{
    rg_bcache *bc = ks_xcalloc(1, sizeof *bc);
    ks_map_init(&bc->map);
    return bc;
}

void rg_bcache_free(rg_bcache *bc)
{
    if (!bc)
        return;
    for (size_t i = 0; i < bc->n; i++) {
        if (bc->entries[i].free_fn)
            bc->entries[i].free_fn(bc->entries[i].obj);
        ks_xfree(bc->entries[i].key);
    }
    ks_xfree(bc->entries);
    ks_map_free(&bc->map);
    ks_xfree(bc);
}

static char *cache_key(const char *kind, const char *key, size_t n, size_t *len)
{
    size_t kl = strlen(kind);
    char *k = ks_xmalloc(kl + 1 + n + 1);
    memcpy(k, kind, kl);
    k[kl] = '\0';
    memcpy(k + kl + 1, key, n);
    k[kl + 1 + n] = '\0';
    *len = kl + 1 + n;
    return k;
}

void *rg_bi_cache_get(rg_bctx *c, const char *kind, const char *key, size_t n)
{
    if (!c->cache)
        return NULL;
    size_t len;
    char *k = cache_key(kind, key, n, &len);
    void *v = ks_map_get(&c->cache->map, k, len);
    ks_xfree(k);
    return v;
}

void *rg_bi_cache_put(rg_bctx *c, const char *kind, const char *key, size_t n, void *obj,
                      void (*free_fn)(void *))
{
    rg_bcache *bc = c->cache;
    if (!bc || bc->n >= BCACHE_MAX) {
        if (free_fn)
            free_fn(obj);
        return NULL;
    }
    size_t len;
    char *k = cache_key(kind, key, n, &len);
    bool created;
    ks_map_entry *e = ks_map_upsert(&bc->map, k, len, &created);
    if (!created) { /* same key cached meanwhile: keep the first */
        ks_xfree(k);
        if (free_fn)
            free_fn(obj);
        return e->val;
    }
    e->val = obj;
    bc->entries = ks_grow_array(bc->entries, &bc->cap, bc->n + 1, sizeof *bc->entries);
    bc->entries[bc->n++] = (struct bentry){k, obj, free_fn};
    return obj;
}

/* ---- lookup ---- */

static const rg_builtin_def *const tables[] = {
        rg_bi_core, rg_bi_strings, rg_bi_regex,  rg_bi_numbers, rg_bi_colls, rg_bi_encoding,
        rg_bi_time, rg_bi_net,     rg_bi_crypto, rg_bi_jwt,     rg_bi_x509,  rg_bi_graphql,
};

static ks_map lookup_map;
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;

static void lookup_init(void)
{
    ks_map_init(&lookup_map);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const rg_builtin_def *d = tables[t]; d->name; d++)
            if (!ks_map_get(&lookup_map, d->name, strlen(d->name)))
                ks_map_put(&lookup_map, d->name, strlen(d->name), (void *)d);
}

const rg_builtin_def *rg_builtin_lookup(const char *name, size_t n)
{
    pthread_once(&lookup_once, lookup_init);
    return ks_map_get(&lookup_map, name, n);
}
