/*
 * The informer of informer.h: a cache keyed by namespace/name, LIST diffs
 * on relist, watch events filtered against the cache.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "kube/informer.h"

#define RV_MAX 128

typedef struct cached {
    char *json;
    size_t len;
    char rv[RV_MAX];
    unsigned gen; /* the LIST that last saw it */
} cached;

typedef struct run {
    kube_informer *inf;
    const kube_informer_opts *o;
    char rv[RV_MAX];
    unsigned gen;
    ks_buf text;
} run;

void kube_informer_init(kube_informer *inf)
{
    memset(inf, 0, sizeof(*inf));
    ks_map_init(&inf->cache);
}

static void cached_free(cached *e)
{
    if (e) {
        ks_xfree(e->json);
        ks_xfree(e);
    }
}

void kube_informer_free(kube_informer *inf)
{
    ks_map_entry *e;
    for (size_t i = 0; (e = ks_map_next(&inf->cache, &i));) {
        ks_xfree((char *)e->key);
        cached_free(e->val);
    }
    ks_map_free(&inf->cache);
}

const char *kube_informer_get(const kube_informer *inf, const char *key, size_t *len)
{
    const cached *c = ks_map_get(&inf->cache, key, strlen(key));
    if (c && len)
        *len = c->len;
    return c ? c->json : NULL;
}

/* "namespace/name" or "name"; false when the object has no name. */
static bool key_of(const kv_value *obj, char *key, size_t size, const char **rv)
{
    const kv_value *md = obj && obj->kind == KV_OBJECT ? kv_obj_get(obj, "metadata", 8) : NULL;
    const char *name = kv_obj_str(md, "name"), *ns = kv_obj_str(md, "namespace");
    *rv = kv_obj_str(md, "resourceVersion");
    if (!name)
        return false;
    int n = ns && *ns ? snprintf(key, size, "%s/%s", ns, name) : snprintf(key, size, "%s", name);
    return n > 0 && (size_t)n < size;
}

static int report(run *r, kube_change ch, const char *key, const kv_value *obj, ks_error *err)
{
    return r->o->fn ? r->o->fn(r->o->ctx, ch, key, obj, err) : 0;
}

/* Stores obj under key (new or replacing); reports the change when the
 * resourceVersion differs from the cached one. */
static int upsert(run *r, const char *key, const char *rv, const kv_value *obj, ks_error *err)
{
    bool created;
    ks_map_entry *e = ks_map_upsert(&r->inf->cache, key, strlen(key), &created);
    cached *c = e->val;
    if (created) {
        e->key = ks_xstrndup(key, strlen(key));
        c = e->val = ks_xcalloc(1, sizeof(cached));
    }
    c->gen = r->gen;
    if (!created && rv && strcmp(c->rv, rv) == 0)
        return 0; /* what the cache holds already */
    ks_buf_reset(&r->text);
    kv_json_write(&r->text, obj, 0);
    if (r->text.err)
        return ks_error_set(err, KS_ENOMEM, "informer: cannot keep %s", key);
    ks_xfree(c->json);
    c->json = ks_xstrndup(r->text.data, r->text.len);
    c->len = r->text.len;
    snprintf(c->rv, sizeof c->rv, "%s", rv ? rv : "");
    r->inf->stats.objects = r->inf->cache.count;
    return report(r, created ? KUBE_ADDED : KUBE_MODIFIED, key, obj, err);
}

/* Removes key and reports its last state; nothing when it is not cached. */
static int remove_key(run *r, const char *key, ks_error *err)
{
    void *val = NULL;
    ks_map_entry *e = ks_map_find(&r->inf->cache, key, strlen(key));
    if (!e)
        return 0;
    char *k = (char *)e->key;
    ks_map_del(&r->inf->cache, key, strlen(key), &val);
    cached *c = val;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_json_opts jo = {.source = "informer cache"};
    kv_value obj;
    int rc = kv_json_parse(&a, c->json, c->len, &jo, &obj, err);
    if (rc == 0)
        rc = report(r, KUBE_DELETED, k, &obj, err);
    ks_arena_free(&a);
    ks_xfree(k);
    cached_free(c);
    r->inf->stats.objects = r->inf->cache.count;
    return rc;
}

static int on_page(void *ctx, const kv_value *list, ks_error *err)
{
    run *r = ctx;
    const kv_value *items = kv_obj_get(list, "items", 5);
    for (uint32_t i = 0; items && items->kind == KV_ARRAY && i < items->len; i++) {
        char key[512];
        const char *rv;
        if (!key_of(&items->u.items[i], key, sizeof key, &rv))
            continue;
        int rc = upsert(r, key, rv, &items->u.items[i], err);
        if (rc)
            return rc;
    }
    const kv_value *md = kv_obj_get(list, "metadata", 8);
    const char *rv = kv_obj_str(md, "resourceVersion");
    if (rv)
        snprintf(r->rv, sizeof r->rv, "%s", rv);
    return 0;
}

/* LIST, then DELETED for what the LIST no longer has. */
static int relist(run *r, kube_client *c, ks_error *err)
{
    r->gen++;
    r->inf->stats.lists++;
    int rc = kube_list(c, r->o->path, r->o->page_limit, on_page, r, err);
    if (rc)
        return rc;
    char **gone = NULL;
    size_t ngone = 0, cap = 0;
    ks_map_entry *e;
    for (size_t i = 0; (e = ks_map_next(&r->inf->cache, &i));) {
        if (((cached *)e->val)->gen != r->gen) {
            gone = ks_grow_array(gone, &cap, ngone + 1, sizeof(*gone));
            gone[ngone++] = ks_xstrndup(e->key, e->len);
        }
    }
    for (size_t i = 0; i < ngone; i++) {
        if (rc == 0)
            rc = remove_key(r, gone[i], err);
        ks_xfree(gone[i]);
    }
    ks_xfree(gone);
    return rc;
}

static int on_event(void *ctx, const char *type, const kv_value *obj, ks_error *err)
{
    run *r = ctx;
    if (strcmp(type, "BOOKMARK") == 0)
        return 0;
    char key[512];
    const char *rv;
    if (!key_of(obj, key, sizeof key, &rv))
        return 0;
    if (strcmp(type, "DELETED") == 0)
        return remove_key(r, key, err);
    return upsert(r, key, rv, obj, err); /* ADDED or MODIFIED, as the cache says */
}

static bool wait_ms(long ms, const atomic_bool *stop)
{
    for (long left = ms; left > 0 && !(stop && atomic_load(stop)); left -= 50) {
        struct timespec ts = {0, (left < 50 ? left : 50) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return !(stop && atomic_load(stop));
}

int kube_informer_run(kube_informer *inf, kube_client *c, const kube_informer_opts *o,
                      const atomic_bool *stop, ks_error *err)
{
    run r = {.inf = inf, .o = o};
    ks_buf_init(&r.text, 0);
    long max_backoff = o->max_backoff_ms > 0 ? o->max_backoff_ms : 10000;
    long backoff = 100;
    int rc = relist(&r, c, err);
    if (rc == 0 && o->synced)
        o->synced(o->ctx);
    while (rc == 0 && !(stop && atomic_load(stop))) {
        kube_response resp;
        inf->stats.watches++;
        rc = kube_watch(c, o->path, r.rv, sizeof r.rv, o->watch_timeout_s, on_event, &r, stop,
                        &resp, err);
        long retry_after = resp.retry_after_s;
        long status = resp.status;
        kube_response_free(&resp);
        if (rc == 0) {
            backoff = 100; /* the server ended the stream: resume */
        } else if (rc == KS_ERANGE) {
            inf->stats.expired++;
            /* relisted until it works, as client-go's reflector does: the
             * server may be restarting, or a continue token expired */
            while ((rc = relist(&r, c, err)) == KS_EIO || rc == KS_ERANGE) {
                inf->stats.errors++;
                if (!wait_ms(backoff, stop))
                    break;
                backoff = backoff * 2 < max_backoff ? backoff * 2 : max_backoff;
            }
            if (rc == KS_EIO || rc == KS_ERANGE) /* stopped while waiting */
                rc = 0;
        } else if (rc == KS_EIO) {
            /* connection failure, 429 or 5xx: wait, then resume */
            inf->stats.errors++;
            long ms = status == 429 && retry_after > 0 ? retry_after * 1000 : backoff;
            rc = 0;
            if (!wait_ms(ms < max_backoff ? ms : max_backoff, stop))
                break;
            backoff = backoff * 2 < max_backoff ? backoff * 2 : max_backoff;
        }
    }
    ks_buf_free(&r.text);
    return rc;
}
