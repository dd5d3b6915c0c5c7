/*
 * The canonical hash of a JSON value that Kubescape's storage writes as the
 * kubescape.io/sync-checksum annotation and its synchronizer compares
 * (the SergJa/jsonhash algorithm, spec/storage.md §11.6): order-insensitive
 * for object members and array elements, every number taken as a double.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/digest.h"
#include "value/value.h"

#define HEX KS_SHA256_HEXLEN

/* Entries are fixed-width NUL-terminated strings; width passed to qsort_r. */
static int cmp_entry(const void *a, const void *b, void *width)
{
    return memcmp(a, b, *(size_t *)width);
}

/* SHA-256 of the entries sorted and joined with '|'. */
static int hash_entries(char *ents, size_t n, size_t width, uint8_t out[KS_SHA256_LEN])
{
    qsort_r(ents, n, width, cmp_entry, &width);
    ks_sha256 ctx;
    if (ks_sha256_init(&ctx) < 0)
        return KS_EIO;
    for (size_t i = 0; i < n; i++) {
        if (i)
            ks_sha256_update(&ctx, "|", 1);
        ks_sha256_update(&ctx, ents + i * width, width - 1);
    }
    ks_sha256_final(&ctx, out);
    return 0;
}

/* Member names repeat across an object's items ("id", "name", ...): the
 * hex SHA-256 of recent ones is kept in a small direct-mapped cache. */
#define KEY_CACHE     256
#define KEY_CACHE_MAX 48 /* longer names are not cached */

typedef struct key_entry {
    uint8_t len; /* 0: empty slot */
    char key[KEY_CACHE_MAX];
    char hex[HEX];
} key_entry;

typedef struct hctx {
    ks_buf path; /* "" for the root, ".a.b" below */
    const char *const *excluded;
    size_t nexcluded;
    key_entry *keys; /* KEY_CACHE entries, or NULL */
} hctx;

/* hex(SHA-256(key)) into out (HEX bytes). */
static void key_hex(hctx *c, const char *key, size_t n, char *out)
{
    key_entry *e = NULL;
    if (c->keys && n > 0 && n <= KEY_CACHE_MAX) {
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < n; i++)
            h = (h ^ (uint8_t)key[i]) * 16777619u;
        e = &c->keys[h % KEY_CACHE];
        if (e->len == n && memcmp(e->key, key, n) == 0) {
            memcpy(out, e->hex, HEX);
            return;
        }
    }
    uint8_t hk[KS_SHA256_LEN];
    ks_sha256_digest(key, n, hk);
    ks_hex_encode(hk, KS_SHA256_LEN, out);
    if (e) {
        e->len = (uint8_t)n;
        memcpy(e->key, key, n);
        memcpy(e->hex, out, HEX);
    }
}

static bool is_excluded(const hctx *c)
{
    for (size_t i = 0; i < c->nexcluded; i++)
        if (strlen(c->excluded[i]) == c->path.len &&
            memcmp(c->excluded[i], c->path.data, c->path.len) == 0)
            return true;
    return false;
}

static int hash_value(hctx *c, const kv_value *v, int depth, uint8_t out[KS_SHA256_LEN])
{
    if (depth > KV_DEFAULT_MAX_DEPTH)
        return KS_ELIMIT;
    switch (v->kind) {
    case KV_NULL: return ks_sha256_digest("null", 4, out);
    case KV_BOOL:
        return v->u.b ? ks_sha256_digest("true", 4, out) : ks_sha256_digest("false", 5, out);
    case KV_STRING: return ks_sha256_digest(v->u.s, v->len, out);
    case KV_NUMBER: {
        double d = kv_num_double(v);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        uint8_t be[8];
        for (int i = 0; i < 8; i++)
            be[i] = (uint8_t)(bits >> (56 - 8 * i));
        return ks_sha256_digest(be, 8, out);
    }
    case KV_ARRAY:
    case KV_SET: { /* elements keep the array's path */
        size_t width = HEX + 1;
        char *ents = malloc(v->len ? v->len * width : 1);
        if (!ents)
            return KS_ENOMEM;
        int rc = 0;
        for (uint32_t i = 0; i < v->len && rc == 0; i++) {
            uint8_t h[KS_SHA256_LEN];
            rc = hash_value(c, &v->u.items[i], depth + 1, h);
            ks_hex_encode(h, KS_SHA256_LEN, ents + i * width);
            ents[i * width + HEX] = '\0';
        }
        if (rc == 0)
            rc = hash_entries(ents, v->len, width, out);
        free(ents);
        return rc;
    }
    case KV_OBJECT: {
        size_t width = HEX + 1 + HEX + 1;
        char *ents = malloc(v->len ? v->len * width : 1);
        if (!ents)
            return KS_ENOMEM;
        size_t plen = c->path.len, n = 0;
        int rc = 0;
        for (uint32_t i = 0; i < v->len && rc == 0; i++) {
            const kv_member *m = &v->u.members[i];
            if (m->key.kind != KV_STRING)
                continue;
            ks_buf_putc(&c->path, '.');
            ks_buf_append(&c->path, m->key.u.s, m->key.len);
            if (c->path.err) {
                rc = c->path.err;
            } else if (!is_excluded(c)) {
                uint8_t hv[KS_SHA256_LEN];
                rc = hash_value(c, &m->val, depth + 1, hv);
                char *e = ents + n++ * width;
                key_hex(c, m->key.u.s, m->key.len, e);
                e[HEX] = ':';
                ks_hex_encode(hv, KS_SHA256_LEN, e + HEX + 1);
                e[width - 1] = '\0';
            }
            ks_buf_truncate(&c->path, plen);
        }
        if (rc == 0)
            rc = hash_entries(ents, n, width, out);
        free(ents);
        return rc;
    }
    }
    return KS_EINVAL;
}

int kv_json_hash(const kv_value *v, const char *const *excluded, size_t nexcluded,
                 char out[KS_SHA256_HEXLEN + 1])
{
    hctx c = {KS_BUF_INIT, excluded, nexcluded, calloc(KEY_CACHE, sizeof(key_entry))};
    uint8_t h[KS_SHA256_LEN];
    int rc = hash_value(&c, v, 0, h);
    ks_buf_free(&c.path);
    free(c.keys);
    if (rc < 0)
        return rc;
    ks_hex_encode(h, KS_SHA256_LEN, out);
    out[KS_SHA256_HEXLEN] = '\0';
    return 0;
}
