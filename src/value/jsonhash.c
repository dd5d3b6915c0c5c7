/*
 * The canonical hash of a JSON value that Kubescape's storage writes as the
 * kubescape.io/sync-checksum annotation and its synchronizer compares
 * (the SergJa/jsonhash algorithm, spec/storage.md §11.6): order-insensitive
 * for object members and array elements, every number taken as a double.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/digest.h"
#include "value/value.h"

#define HEX KS_SHA256_HEXLEN
#define DIG KS_SHA256_LEN

/* Entries are sorted as binary digests: the hex text of a digest sorts as
 * the digest does ('0'-'9' before 'a'-'f'), and an object entry "hexkey:
 * hexvalue" as the pair of digests, since every part has a fixed width. The
 * hex text is made only while hashing the joined entries. */
static int cmp_entry(const void *a, const void *b, void *width)
{
    return memcmp(a, b, *(size_t *)width);
}

/* Short strings repeat (member names, severities, types): the digests of
 * recent ones are kept in a small direct-mapped cache. */
#define CACHE     512
#define CACHE_MAX 47 /* longer strings are not cached */

typedef struct cache_entry {
    uint8_t len; /* 0: empty slot; else the length of text, tag included */
    char text[CACHE_MAX + 1];
    uint8_t dig[DIG];
} cache_entry;

typedef struct hctx {
    ks_buf path; /* "" for the root, ".a.b" below; kept only with exclusions */
    const char *const *excluded;
    size_t nexcluded;
    cache_entry *cache; /* CACHE entries, or NULL */
    uint8_t *scratch;   /* a stack of the entries of the objects being hashed */
    size_t scratch_len, scratch_cap;
} hctx;

/* SHA-256 of tag+text (tag 's' a string, 'n' a number's bytes), cached. */
static void digest(hctx *c, char tag, const void *text, size_t n, uint8_t out[DIG])
{
    cache_entry *e = NULL;
    if (c->cache && n < CACHE_MAX) {
        uint32_t h = 2166136261u ^ (uint8_t)tag;
        for (size_t i = 0; i < n; i++)
            h = (h ^ ((const uint8_t *)text)[i]) * 16777619u;
        e = &c->cache[h % CACHE];
        if (e->len == n + 1 && e->text[0] == tag && memcmp(e->text + 1, text, n) == 0) {
            memcpy(out, e->dig, DIG);
            return;
        }
    }
    ks_sha256_digest(text, n, out);
    if (e) {
        e->len = (uint8_t)(n + 1);
        e->text[0] = tag;
        memcpy(e->text + 1, text, n);
        memcpy(e->dig, out, DIG);
    }
}

/* Room for n entries of width bytes on the scratch stack; their offset. */
static int scratch_push(hctx *c, size_t n, size_t width, size_t *off)
{
    size_t need = c->scratch_len + n * width;
    if (need > c->scratch_cap || !c->scratch) { /* allocated even for none */
        size_t cap = c->scratch_cap ? c->scratch_cap : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *p = realloc(c->scratch, cap);
        if (!p)
            return KS_ENOMEM;
        c->scratch = p;
        c->scratch_cap = cap;
    }
    *off = c->scratch_len;
    c->scratch_len = need;
    return 0;
}

/* SHA-256 of the entries (n of width bytes, each one or two digests)
 * sorted, written as hex (two digests joined by ':') and joined by '|'. */
/* Most objects and arrays have a few entries: sorted in place by insertion
 * (glibc's qsort_r allocates a merge buffer per call). */
static void sort_entries(uint8_t *ents, size_t n, size_t width)
{
    if (n > 24) {
        qsort_r(ents, n, width, cmp_entry, &width);
        return;
    }
    uint8_t tmp[2 * DIG];
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        if (memcmp(ents + (j - 1) * width, ents + j * width, width) <= 0)
            continue;
        memcpy(tmp, ents + i * width, width);
        while (j > 0 && memcmp(ents + (j - 1) * width, tmp, width) > 0) {
            memcpy(ents + j * width, ents + (j - 1) * width, width);
            j--;
        }
        memcpy(ents + j * width, tmp, width);
    }
}

static int hash_entries(uint8_t *ents, size_t n, size_t width, uint8_t out[DIG])
{
    sort_entries(ents, n, width);
    ks_sha256 ctx;
    ks_sha256_init(&ctx);
    /* The joined text goes to the hash a few KB at a time. */
    char text[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > sizeof(text) - (2 * HEX + 3)) {
            ks_sha256_update(&ctx, text, k);
            k = 0;
        }
        if (i)
            text[k++] = '|';
        ks_hex_encode(ents + i * width, DIG, text + k);
        k += HEX;
        if (width == 2 * DIG) {
            text[k++] = ':';
            ks_hex_encode(ents + i * width + DIG, DIG, text + k);
            k += HEX;
        }
    }
    ks_sha256_update(&ctx, text, k);
    ks_sha256_final(&ctx, out);
    return 0;
}

static bool is_excluded(const hctx *c)
{
    for (size_t i = 0; i < c->nexcluded; i++)
        if (strlen(c->excluded[i]) == c->path.len &&
            memcmp(c->excluded[i], c->path.data, c->path.len) == 0)
            return true;
    return false;
}

static int hash_value(hctx *c, const kv_value *v, int depth, uint8_t out[DIG])
{
    if (depth > KV_DEFAULT_MAX_DEPTH)
        return KS_ELIMIT;
    switch (v->kind) {
    case KV_NULL: digest(c, 's', "null", 4, out); return 0;
    case KV_BOOL: digest(c, 's', v->u.b ? "true" : "false", v->u.b ? 4 : 5, out); return 0;
    case KV_STRING: digest(c, 's', v->u.s, v->len, out); return 0;
    case KV_NUMBER: {
        double d = kv_num_double(v);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        uint8_t be[8];
        for (int i = 0; i < 8; i++)
            be[i] = (uint8_t)(bits >> (56 - 8 * i));
        digest(c, 'n', be, 8, out);
        return 0;
    }
    case KV_ARRAY:
    case KV_SET: { /* elements keep the array's path */
        size_t off, base = c->scratch_len;
        int rc = scratch_push(c, v->len, DIG, &off);
        for (uint32_t i = 0; i < v->len && rc == 0; i++) {
            uint8_t h[DIG];
            rc = hash_value(c, &v->u.items[i], depth + 1, h);
            memcpy(c->scratch + off + (size_t)i * DIG, h, DIG);
        }
        if (rc == 0)
            rc = hash_entries(c->scratch + off, v->len, DIG, out);
        c->scratch_len = base;
        return rc;
    }
    case KV_OBJECT: {
        size_t off, base = c->scratch_len, plen = c->path.len, n = 0;
        int rc = scratch_push(c, v->len, 2 * DIG, &off);
        for (uint32_t i = 0; i < v->len && rc == 0; i++) {
            const kv_member *m = &v->u.members[i];
            if (m->key.kind != KV_STRING)
                continue;
            if (c->nexcluded) {
                ks_buf_putc(&c->path, '.');
                ks_buf_append(&c->path, m->key.u.s, m->key.len);
                if (c->path.err) {
                    rc = c->path.err;
                    break;
                }
                bool skip = is_excluded(c);
                if (skip) {
                    ks_buf_truncate(&c->path, plen);
                    continue;
                }
            }
            uint8_t hk[DIG], hv[DIG];
            digest(c, 's', m->key.u.s, m->key.len, hk);
            rc = hash_value(c, &m->val, depth + 1, hv);
            uint8_t *e = c->scratch + off + n++ * 2 * DIG;
            memcpy(e, hk, DIG);
            memcpy(e + DIG, hv, DIG);
            if (c->nexcluded)
                ks_buf_truncate(&c->path, plen);
        }
        if (rc == 0)
            rc = hash_entries(c->scratch + off, n, 2 * DIG, out);
        c->scratch_len = base;
        return rc;
    }
    }
    return KS_EINVAL;
}

/* The cache and the scratch stack are kept per thread between calls: member
 * names and common values repeat across the objects a server hashes, and a
 * cached entry holds its whole text, so a hit is exact. Freed when the
 * thread ends. */
typedef struct tl_state {
    cache_entry *cache;
    uint8_t *scratch;
    size_t scratch_cap;
} tl_state;

static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

static void tl_free(void *p)
{
    tl_state *t = p;
    free(t->cache);
    free(t->scratch);
    free(t);
}

static void tl_init(void)
{
    if (pthread_key_create(&tl_key, tl_free) != 0)
        tl_key = (pthread_key_t)-1;
}

static tl_state *tl_get(void)
{
    pthread_once(&tl_once, tl_init);
    if (tl_key == (pthread_key_t)-1)
        return NULL;
    tl_state *t = pthread_getspecific(tl_key);
    if (!t && (t = calloc(1, sizeof(*t))) != NULL) {
        t->cache = calloc(CACHE, sizeof(cache_entry));
        if (pthread_setspecific(tl_key, t) != 0) {
            tl_free(t);
            t = NULL;
        }
    }
    return t;
}

int kv_json_hash(const kv_value *v, const char *const *excluded, size_t nexcluded,
                 char out[KS_SHA256_HEXLEN + 1])
{
    tl_state *t = tl_get();
    hctx c = {KS_BUF_INIT, excluded, nexcluded, NULL, NULL, 0, 0};
    if (t) {
        c.cache = t->cache;
        c.scratch = t->scratch;
        c.scratch_cap = t->scratch_cap;
    }
    uint8_t h[DIG];
    int rc = hash_value(&c, v, 0, h);
    ks_buf_free(&c.path);
    if (t) { /* the stack may have grown */
        t->scratch = c.scratch;
        t->scratch_cap = c.scratch_cap;
    } else {
        free(c.scratch);
    }
    if (rc < 0)
        return rc;
    ks_hex_encode(h, DIG, out);
    out[KS_SHA256_HEXLEN] = '\0';
    return 0;
}
