/* Reads: GET, LIST and counts through the pool of read connections. */
#include <string.h>

#include "core/file.h"
#include "core/mem.h"
#include "store/internal.h"

/* Rows LIST reads per query; the connection is given back between chunks so
 * a slow callback holds neither a connection nor a read snapshot. */
#define LIST_CHUNK 64
/* Attempts at reading a body that a concurrent update replaced. */
#define BODY_RETRIES 16

static int reader_get(kstore *s, kstore_conn **out, ks_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&s->pmu);
    for (;;) {
        for (size_t i = 0; i < s->nreaders; i++) {
            if (!s->readers[i].busy) {
                s->readers[i].busy = true;
                *out = &s->readers[i];
                goto out;
            }
        }
        if (s->nreaders < s->o.max_readers) {
            kstore_conn *c = &s->readers[s->nreaders];
            if ((rc = kstore_conn_open(s, c, false, err)) != 0)
                goto out;
            s->nreaders++;
            c->busy = true;
            *out = c;
            goto out;
        }
        pthread_cond_wait(&s->pcond, &s->pmu);
    }
out:
    pthread_mutex_unlock(&s->pmu);
    return rc;
}

static void reader_put(kstore *s, kstore_conn *c)
{
    pthread_mutex_lock(&s->pmu);
    c->busy = false;
    pthread_cond_signal(&s->pcond);
    pthread_mutex_unlock(&s->pmu);
}

/* Where a row's body is: its file's id, the offset of its resourceVersion
 * (-1: in the file) and its hash. */
typedef struct bref {
    uint64_t fid;
    int64_t rv_at;
    uint8_t hash[KS_SHA256_LEN];
} bref;

static void bref_read(sqlite3_stmt *st, int col, bref *b)
{
    memset(b->hash, 0, KS_SHA256_LEN);
    if (sqlite3_column_bytes(st, col) == KS_SHA256_LEN)
        memcpy(b->hash, sqlite3_column_blob(st, col), KS_SHA256_LEN);
    b->fid = (uint64_t)sqlite3_column_int64(st, col + 1); /* 0: schema 1, by rv */
    b->rv_at = sqlite3_column_int64(st, col + 2);
}

/* Looks up the row of a key: rv, where its body is (when b is not NULL)
 * and, when meta is not NULL, the metadata JSON appended to it. */
static int lookup(kstore *s, const char *res, const char *ns, const char *name, uint64_t *rv,
                  bref *b, ks_buf *meta, ks_error *err)
{
    kstore_conn *c;
    int rc = reader_get(s, &c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = kstore_stmt(c, ST_GET);
    sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW) {
        *rv = (uint64_t)sqlite3_column_int64(st, 1);
        if (b)
            bref_read(st, 5, b);
        if (meta && ks_buf_append(meta, sqlite3_column_text(st, 3),
                                  (size_t)sqlite3_column_bytes(st, 3)) != 0)
            rc = ks_error_set(err, KS_ELIMIT, "%s/%s: metadata too large", ns, name);
    } else if (sr == SQLITE_DONE) {
        rc = ks_error_set(err, KS_ENOENT, "%s %s/%s not found", res, ns, name);
    } else {
        rc = kstore_sqlite_err(c, sr, "get", err);
    }
    sqlite3_reset(st);
    reader_put(s, c);
    return rc;
}

int kstore_row_hash(kstore *s, const char *res, const char *ns, const char *name, bool *found,
                    uint8_t hash[KS_SHA256_LEN], ks_error *err)
{
    uint64_t rv = 0;
    bref b = {0};
    int rc = lookup(s, res, ns, name, &rv, &b, NULL, err);
    *found = rc == 0 && b.rv_at >= 0; /* a schema-1 body's hash covers its rv */
    if (*found)
        memcpy(hash, b.hash, KS_SHA256_LEN);
    return rc == KS_ENOENT ? 0 : rc;
}

/* Appends the body of (res, ns, name) with its resourceVersion; *rv is the
 * version found. When have_rv, *rv and *b are the row's already. The body
 * must match the row's hash: a body replaced (its file recycled) between the
 * row lookup and the read is looked up again, as is one whose file is
 * already gone. */
static int read_body(kstore *s, const char *res, const char *ns, const char *name, uint64_t *rv,
                     bref *b, bool have_rv, ks_buf *out, ks_error *err)
{
    ks_buf path = KS_BUF_INIT;
    int rc = 0;
    for (int attempt = 0; attempt < BODY_RETRIES; attempt++) {
        if (!have_rv && (rc = lookup(s, res, ns, name, rv, b, NULL, err)) != 0)
            break;
        have_rv = false;
        ks_buf_reset(&path);
        kstore_body_path(s, res, ns, name, b->fid, *rv, &path);
        char *data;
        size_t len;
        ks_error ferr;
        uint8_t got[KS_SHA256_LEN];
        rc = ks_file_read(ks_buf_cstr(&path), s->o.max_body, &data, &len, &ferr);
        if (rc == 0) {
            ks_sha256_digest(data, len, got);
            if (memcmp(got, b->hash, KS_SHA256_LEN) != 0) {
                ks_xfree(data);
                rc = ks_error_set(err, KS_EIO, "%s %s/%s: body does not match its checksum", res,
                                  ns, name);
                continue;
            }
            if (kstore_splice(data, len, b->rv_at, *rv, out) != 0)
                rc = ks_error_set(err, KS_ELIMIT, "%s %s/%s: body of %zu bytes too large", res, ns,
                                  name, len);
            ks_xfree(data);
            break;
        }
        if (rc != KS_ENOENT) {
            if (err)
                *err = ferr;
            break;
        }
        rc = ks_error_set(err, KS_EIO, "%s %s/%s: body file missing", res, ns, name);
    }
    ks_buf_free(&path);
    return rc;
}

int kstore_get_json(kstore *s, const char *res, const char *ns, const char *name, bool meta_only,
                    ks_buf *out, uint64_t *rv, ks_error *err)
{
    int rc = kstore_check_key(res, ns, name, err);
    if (rc)
        return rc;
    uint64_t v = 0;
    bref b;
    if (meta_only)
        rc = lookup(s, res, ns, name, &v, NULL, out, err);
    else
        rc = read_body(s, res, ns, name, &v, &b, false, out, err);
    if (rc == 0 && rv)
        *rv = v;
    return rc;
}

int kstore_get(kstore *s, const char *res, const char *ns, const char *name, bool meta_only,
               ks_arena *a, kv_value *out, uint64_t *rv, ks_error *err)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kstore_get_json(s, res, ns, name, meta_only, &b, rv, err);
    if (rc == 0)
        rc = kv_json_parse(a, ks_buf_cstr(&b), b.len, NULL, out, err);
    ks_buf_free(&b);
    return rc;
}

typedef struct row {
    uint64_t seq, rv;
    bref b;
    char *ns, *name, *meta;
    size_t meta_len;
} row;

/* Reads up to max rows after *after into rows (strings in a). */
static int list_chunk(kstore *s, const char *res, const kstore_list_opts *o, uint64_t after,
                      size_t max, ks_arena *a, row *rows, size_t *n, ks_error *err)
{
    kstore_conn *c;
    int rc = reader_get(s, &c, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = kstore_stmt(c, o->ns ? ST_LIST_NS : ST_LIST_ALL);
    sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)after);
    sqlite3_bind_int64(st, 3, (int64_t)max);
    if (o->ns)
        sqlite3_bind_text(st, 4, o->ns, -1, SQLITE_STATIC);
    *n = 0;
    int sr;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
        row *r = &rows[(*n)++];
        r->seq = (uint64_t)sqlite3_column_int64(st, 0);
        r->ns = ks_arena_strndup(a, (const char *)sqlite3_column_text(st, 1),
                                 (size_t)sqlite3_column_bytes(st, 1));
        r->name = ks_arena_strndup(a, (const char *)sqlite3_column_text(st, 2),
                                   (size_t)sqlite3_column_bytes(st, 2));
        r->rv = (uint64_t)sqlite3_column_int64(st, 3);
        bref_read(st, 5, &r->b);
        r->meta = NULL;
        r->meta_len = 0;
        if (o->meta_only) {
            r->meta_len = (size_t)sqlite3_column_bytes(st, 4);
            r->meta = ks_arena_strndup(a, (const char *)sqlite3_column_text(st, 4), r->meta_len);
        }
        if (!r->ns || !r->name || (o->meta_only && !r->meta)) {
            rc = ks_error_set(err, KS_ENOMEM, "out of memory listing %s", res);
            break;
        }
    }
    if (rc == 0 && sr != SQLITE_DONE)
        rc = kstore_sqlite_err(c, sr, "list", err);
    sqlite3_reset(st);
    reader_put(s, c);
    return rc;
}

int kstore_list(kstore *s, const char *res, const kstore_list_opts *o, kstore_item_fn fn, void *ctx,
                kstore_list_info *info, ks_error *err)
{
    kstore_list_opts dflt = {0};
    if (!o)
        o = &dflt;
    int rc = kstore_check_key(res, o->ns ? o->ns : "", "x", err);
    if (rc)
        return rc;
    kstore_list_info li = {.revision = kstore_revision(s), .last_seq = o->after_seq};
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_buf body = KS_BUF_INIT;
    row rows[LIST_CHUNK];
    bool stopped = false;
    for (;;) {
        size_t want = LIST_CHUNK;
        if (o->limit && o->limit - li.count < want)
            want = o->limit - li.count;
        if (want == 0)
            break;
        size_t n;
        ks_arena_reset(&a);
        if ((rc = list_chunk(s, res, o, li.last_seq, want, &a, rows, &n, err)) != 0)
            goto out;
        for (size_t i = 0; i < n && !stopped; i++) {
            kstore_item it = {.seq = rows[i].seq,
                              .rv = rows[i].rv,
                              .ns = rows[i].ns,
                              .name = rows[i].name,
                              .json = rows[i].meta,
                              .len = rows[i].meta_len};
            if (!o->meta_only) {
                ks_buf_reset(&body);
                rc = read_body(s, res, it.ns, it.name, &it.rv, &rows[i].b, true, &body, err);
                if (rc == KS_ENOENT) { /* deleted since the chunk was read */
                    rc = 0;
                    li.last_seq = it.seq;
                    continue;
                }
                if (rc)
                    goto out;
                it.json = ks_buf_cstr(&body);
                it.len = body.len;
            }
            li.last_seq = it.seq;
            li.count++;
            rc = fn(ctx, &it);
            if (rc < 0)
                goto out;
            if (rc > 0)
                stopped = true;
            rc = 0;
        }
        if (stopped || n < want)
            break;
    }
    /* Whether anything follows the last item given. */
    if (stopped || (o->limit && li.count == o->limit)) {
        size_t n;
        ks_arena_reset(&a);
        if ((rc = list_chunk(s, res, o, li.last_seq, 1, &a, rows, &n, err)) != 0)
            goto out;
        li.more = n > 0;
    }
out:
    if (info)
        *info = li;
    ks_buf_free(&body);
    ks_arena_free(&a);
    return rc;
}

int kstore_count(kstore *s, const char *res, const char *ns, uint64_t *count, ks_error *err)
{
    int rc = kstore_check_key(res, ns ? ns : "", "x", err);
    if (rc)
        return rc;
    kstore_conn *c;
    if ((rc = reader_get(s, &c, err)) != 0)
        return rc;
    sqlite3_stmt *st = kstore_stmt(c, ns ? ST_COUNT_NS : ST_COUNT_ALL);
    sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
    if (ns)
        sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW)
        *count = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = kstore_sqlite_err(c, sr, "count", err);
    sqlite3_reset(st);
    reader_put(s, c);
    return rc;
}
