/* Writes: create, update, delete, batches and group commit.
 *
 * A create or update renders, hashes and writes its body file (fdatasynced,
 * under its final name) before it takes the writer lock: body files do not
 * carry the resourceVersion, so none of that waits for the revision. Under
 * the lock it is staged in the open SQLite transaction: its row changed, its
 * revision assigned. Commit stores the revision and commits, then recycles
 * superseded bodies (spare files) and publishes the events in revision
 * order. Abort rolls back and recycles the
 * bodies written.
 *
 * An explicit batch (kstore_batch_begin) holds the writer lock from begin to
 * commit. Single writes use group commit: a writer that has staged its write
 * commits the transaction only when no other writer is waiting for the lock;
 * otherwise it waits (the lock released) for the writer after it to commit,
 * so a burst of writes from many threads shares one commit and one fsync of
 * each directory. Each write's caller returns only after its commit. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/internal.h"

/* The store whose explicit batch this thread holds. */
static _Thread_local kstore *tl_batch;

static int step_done(kstore *s, int st, ks_error *err)
{
    sqlite3_stmt *q = kstore_stmt(&s->w, st);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : kstore_sqlite_err(&s->w, rc, sqlite3_sql(q), err);
}

/* Ends the open transaction (writer lock held): tells every waiting writer
 * its outcome and empties the staged list. */
static void txn_finish(kstore *s, int rc, const ks_error *err)
{
    for (size_t i = 0; i < s->nstaged; i++) {
        kstore_staged *w = &s->staged[i];
        kstore_body_release(s, rc == 0 ? w->old_fid : w->new_fid);
        if (rc == 0 && w->old_path)
            unlink(w->old_path); /* a schema-1 body */
        if (rc == 0) {
            kstore_hub_publish(&s->hub, w->ev);
            w->ev = NULL;
            s->wake_pending = true;
        }
        if (w->done) {
            *w->result = rc;
            if (rc && w->err && err)
                *w->err = *err;
            *w->done = true;
        }
        ks_xfree(w->old_path);
        kstore_event_data_unref(w->ev);
    }
    s->nstaged = 0;
    s->txn_open = false;
    s->pending_rev = atomic_load(&s->rev);
    pthread_cond_broadcast(&s->gcond);
}

/* Releases the writer lock, then wakes the watchers if events were
 * published under it (waking dozens of threads is not done holding it). */
static void writer_unlock(kstore *s)
{
    bool wake = s->wake_pending;
    s->wake_pending = false;
    pthread_mutex_unlock(&s->wmu);
    if (wake)
        kstore_hub_wake(&s->hub);
}

static void txn_abort(kstore *s, int rc, const ks_error *err)
{
    ks_error e;
    step_done(s, ST_ROLLBACK, &e);
    txn_finish(s, rc ? rc : KS_EIO, err);
}

/* Commits the open transaction (writer lock held). */
static int txn_commit(kstore *s, ks_error *err)
{
    ks_error e;
    if (!err)
        err = &e;
    int rc = 0;
    if (s->nstaged > 0) {
        sqlite3_stmt *q = kstore_stmt(&s->w, ST_SET_REV);
        sqlite3_bind_int64(q, 1, (int64_t)s->pending_rev);
        int sr = sqlite3_step(q);
        sqlite3_reset(q);
        if (sr != SQLITE_DONE)
            rc = kstore_sqlite_err(&s->w, sr, "store the revision", err);
    }
    if (rc == 0)
        rc = step_done(s, ST_COMMIT, err);
    if (rc) {
        txn_abort(s, rc, err);
        return rc;
    }
    atomic_store(&s->rev, s->pending_rev);
    if (s->nstaged > 0) {
        atomic_fetch_add(&s->n_writes, s->nstaged);
        atomic_fetch_add(&s->n_commits, 1);
    }
    txn_finish(s, 0, NULL);
    return 0;
}

/* Opens a transaction (writer lock held), committing a group left open by
 * writers waiting for it first. */
static int txn_begin(kstore *s, ks_error *err)
{
    if (s->txn_open)
        return 0;
    int rc = step_done(s, ST_BEGIN, err);
    if (rc == 0) {
        s->txn_open = true;
        s->pending_rev = atomic_load(&s->rev);
    }
    return rc;
}

int kstore_batch_begin(kstore *s, ks_error *err)
{
    if (tl_batch == s)
        return ks_error_set(err, KS_EINVAL, "a batch is already open in this thread");
    pthread_mutex_lock(&s->wmu);
    int rc = 0;
    if (s->txn_open) { /* a group whose writers wait: commit it for them */
        txn_commit(s, NULL);
        if (s->wake_pending) { /* its watchers need not wait for the batch */
            s->wake_pending = false;
            kstore_hub_wake(&s->hub);
        }
    }
    if ((rc = txn_begin(s, err)) != 0) {
        writer_unlock(s);
        return rc;
    }
    tl_batch = s;
    return 0;
}

void kstore_batch_abort(kstore *s)
{
    if (tl_batch != s)
        return;
    ks_error e;
    ks_error_set(&e, KS_EIO, "batch aborted");
    txn_abort(s, KS_EIO, &e);
    tl_batch = NULL;
    writer_unlock(s);
}

int kstore_batch_commit(kstore *s, ks_error *err)
{
    if (tl_batch != s)
        return ks_error_set(err, KS_EINVAL, "no batch is open in this thread");
    int rc = txn_commit(s, err);
    tl_batch = NULL;
    writer_unlock(s);
    return rc;
}

/* Enters a write: joins this thread's batch, or takes the writer lock and
 * joins (or opens) the group transaction. */
static int write_enter(kstore *s, bool *single, ks_error *err)
{
    if (tl_batch == s) {
        *single = false;
        if (s->nstaged >= s->o.max_batch)
            return ks_error_set(err, KS_ELIMIT, "a batch holds at most %zu writes", s->o.max_batch);
        return 0;
    }
    *single = true;
    atomic_fetch_add(&s->waiting, 1);
    pthread_mutex_lock(&s->wmu);
    atomic_fetch_sub(&s->waiting, 1);
    int rc = txn_begin(s, err);
    if (rc)
        writer_unlock(s);
    return rc;
}

/* Leaves a write whose staging returned rc (0 also for a no-op update,
 * which staged nothing). A single write commits the group when nobody waits
 * to join it, else waits for its commit. */
static int write_leave(kstore *s, bool single, size_t nstaged_before, int rc, ks_error *err)
{
    if (!single)
        return rc;
    int result = 0;
    bool done = false, staged = rc == 0 && s->nstaged > nstaged_before;
    if (staged) {
        kstore_staged *w = &s->staged[s->nstaged - 1];
        w->result = &result;
        w->done = &done;
        w->err = err;
    }
    if (atomic_load(&s->waiting) == 0 || s->nstaged >= s->o.max_batch) {
        if (s->nstaged > 0)
            txn_commit(s, NULL);
        else
            txn_abort(s, 0, NULL); /* nothing staged: end the empty transaction */
    } else {
        while (staged && !done)
            pthread_cond_wait(&s->gcond, &s->wmu);
    }
    writer_unlock(s);
    return rc ? rc : result;
}

typedef struct stored {
    bool found;
    uint64_t seq, rv, fid; /* fid: the body file's id, 0 for a schema-1 body */
    int64_t rv_at;         /* -1: the body carries its resourceVersion */
    uint8_t hash[KS_SHA256_LEN];
    char *meta; /* heap */
    size_t meta_len;
} stored;

static int stored_get(kstore *s, const char *res, const char *ns, const char *name, stored *o,
                      ks_error *err)
{
    memset(o, 0, sizeof(*o));
    sqlite3_stmt *st = kstore_stmt(&s->w, ST_GET);
    sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = 0, sr = sqlite3_step(st);
    if (sr == SQLITE_ROW) {
        o->found = true;
        o->seq = (uint64_t)sqlite3_column_int64(st, 0);
        o->rv = (uint64_t)sqlite3_column_int64(st, 1);
        o->meta_len = (size_t)sqlite3_column_bytes(st, 3);
        o->meta = ks_xstrndup((const char *)sqlite3_column_text(st, 3), o->meta_len);
        if (sqlite3_column_bytes(st, 5) == KS_SHA256_LEN)
            memcpy(o->hash, sqlite3_column_blob(st, 5), KS_SHA256_LEN);
        o->fid = (uint64_t)sqlite3_column_int64(st, 6);
        o->rv_at = sqlite3_column_int64(st, 7);
    } else if (sr != SQLITE_DONE) {
        rc = kstore_sqlite_err(&s->w, sr, "get", err);
    }
    sqlite3_reset(st);
    return rc;
}

/* Copies n bytes of src (may be NULL when n is 0) to *p with a NUL; the
 * copy, *p moved past it. */
static char *put_text(char **p, const char *src, size_t n)
{
    char *at = *p;
    if (n)
        memcpy(at, src, n);
    at[n] = '\0';
    *p += n + 1;
    return at;
}

static kstore_event_data *event_new(kstore_event_type type, uint64_t rv, const char *res,
                                    const char *ns, const char *name, const char *json, size_t len,
                                    const char *meta, size_t meta_len, const char *prev,
                                    size_t prev_len)
{
    size_t lr = strlen(res), ln = strlen(ns), lm = strlen(name);
    kstore_event_data *d = ks_xmalloc(sizeof(*d) + lr + ln + lm + len + meta_len + prev_len + 6);
    char *p = (char *)(d + 1);
    atomic_init(&d->refs, 1);
    for (int i = 0; i < KSTORE_EVENT_CACHE_SLOTS; i++) {
        atomic_init(&d->cache[i], NULL);
        d->cache_len[i] = 0;
    }
    d->type = type;
    d->rv = rv;
    d->res = put_text(&p, res, lr);
    d->ns = put_text(&p, ns, ln);
    d->name = put_text(&p, name, lm);
    d->json = put_text(&p, json, len);
    d->len = len;
    d->meta = put_text(&p, meta, meta_len);
    d->meta_len = meta_len;
    d->prev_meta = prev ? put_text(&p, prev, prev_len) : NULL;
    d->prev_meta_len = prev ? prev_len : 0;
    return d;
}

static kstore_staged *stage(kstore *s)
{
    s->staged = ks_grow_array(s->staged, &s->staged_cap, s->nstaged + 1, sizeof(*s->staged));
    kstore_staged *w = &s->staged[s->nstaged];
    memset(w, 0, sizeof(*w));
    return w;
}

/* Create or update of the prepared p, the writer lock held. p's body file
 * moves to the staged write; an update that changes nothing leaves it. */
static int put(kstore *s, bool create, const char *res, const char *ns, const char *name,
               kstore_prepared *p, uint64_t expect_rv, kstore_result *out, ks_buf *body_out,
               ks_error *err)
{
    ks_buf body = KS_BUF_INIT, meta = KS_BUF_INIT, old_path = KS_BUF_INIT;
    stored old;
    kstore_event_data *ev = NULL;
    int rc = stored_get(s, res, ns, name, &old, err);
    if (rc)
        goto out;
    if (create && old.found) {
        rc = ks_error_set(err, KS_EEXIST, "%s %s/%s already exists", res, ns, name);
        goto out;
    }
    if (!create && !old.found) {
        rc = ks_error_set(err, KS_ENOENT, "%s %s/%s not found", res, ns, name);
        goto out;
    }
    if (!create && expect_rv && expect_rv != old.rv) {
        if (out)
            out->conflict = true;
        rc = ks_error_set(err, KS_EEXIST,
                          "%s %s/%s: resourceVersion %" PRIu64 " is not the stored %" PRIu64, res,
                          ns, name, expect_rv, old.rv);
        goto out;
    }
    if (!create && old.rv_at >= 0 && memcmp(p->hash, old.hash, KS_SHA256_LEN) == 0) {
        /* Unchanged, resourceVersion aside: nothing is written. */
        if (out) {
            out->rv = old.rv;
            out->seq = old.seq;
            out->noop = true;
            if (body_out)
                kstore_splice(p->body.data, p->body.len, (int64_t)p->rv_at, old.rv, body_out);
        }
        goto out;
    }
    /* The body file is written before the lock unless this update looked
     * like a no-op then, or this is a batch. */
    if (!p->fid && (rc = kstore_body_write(s, p, err)) != 0)
        goto out;
    uint64_t rv = s->pending_rev + 1;
    if (kstore_splice(p->body.data, p->body.len, (int64_t)p->rv_at, rv, &body) != 0 ||
        kstore_splice(p->meta.data, p->meta.len, (int64_t)p->meta_rv_at, rv, &meta) != 0) {
        rc = ks_error_set(err, KS_ENOMEM, "%s %s/%s: out of memory", res, ns, name);
        goto out;
    }
    ev = event_new(create ? KSTORE_ADDED : KSTORE_MODIFIED, rv, res, ns, name, body.data, body.len,
                   meta.data, meta.len, create ? NULL : old.meta, create ? 0 : old.meta_len);
    sqlite3_stmt *st = kstore_stmt(&s->w, create ? ST_INSERT : ST_UPDATE);
    if (create) {
        sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p->uid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (int64_t)rv);
        sqlite3_bind_text(st, 6, meta.data, (int)meta.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, (int64_t)p->body.len);
        sqlite3_bind_blob(st, 8, p->hash, KS_SHA256_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, (int64_t)p->fid);
        sqlite3_bind_int64(st, 10, (int64_t)p->rv_at);
    } else {
        sqlite3_bind_int64(st, 1, (int64_t)old.seq);
        sqlite3_bind_text(st, 2, p->uid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (int64_t)rv);
        sqlite3_bind_text(st, 4, meta.data, (int)meta.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (int64_t)p->body.len);
        sqlite3_bind_blob(st, 6, p->hash, KS_SHA256_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, (int64_t)p->fid);
        sqlite3_bind_int64(st, 8, (int64_t)p->rv_at);
    }
    int sr = sqlite3_step(st);
    sqlite3_reset(st);
    if (sr != SQLITE_DONE) {
        rc = kstore_sqlite_err(&s->w, sr, create ? "insert" : "update", err);
        goto out;
    }
    uint64_t seq = create ? (uint64_t)sqlite3_last_insert_rowid(s->w.db) : old.seq;
    kstore_staged *w = stage(s);
    w->new_fid = p->fid;
    p->fid = 0;
    if (!create) {
        w->old_fid = old.fid;
        if (!old.fid) {
            kstore_body_path(s, res, ns, name, 0, old.rv, &old_path);
            w->old_path = ks_buf_detach(&old_path, NULL);
        }
    }
    w->ev = ev;
    ev = NULL;
    s->nstaged++;
    s->pending_rev = rv;
    if (out) {
        out->rv = rv;
        out->seq = seq;
        if (body_out)
            ks_buf_append(body_out, body.data, body.len);
    }
out:
    if (ev)
        kstore_event_data_unref(ev);
    ks_xfree(old.meta);
    ks_buf_free(&body);
    ks_buf_free(&meta);
    ks_buf_free(&old_path);
    return rc;
}

static int write_op(kstore *s, bool create, const char *res, const char *ns, const char *name,
                    const kv_value *obj, uint64_t expect_rv, kstore_result *out, ks_buf *body_out,
                    ks_error *err)
{
    if (out)
        memset(out, 0, sizeof(*out));
    int rc = kstore_check_key(res, ns, name, err);
    if (rc)
        return rc;
    if (!obj)
        return ks_error_set(err, KS_EINVAL, "no object given");
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore_prepared p;
    bool single;
    if ((rc = kstore_prepare(s, &a, obj, ns, name, &p, err)) != 0)
        goto out;
    if (tl_batch != s) {
        /* Without the writer lock: files made ahead, and the body written
         * and synced, unless the update looks like a no-op (checked again
         * under the lock, which writes the body if it was not one). */
        kstore_spare_refill(s);
        bool found = false;
        uint8_t have[KS_SHA256_LEN];
        if (create || kstore_row_hash(s, res, ns, name, &found, have, NULL) != 0 || !found ||
            memcmp(have, p.hash, KS_SHA256_LEN) != 0)
            if ((rc = kstore_body_write(s, &p, err)) != 0)
                goto out;
    }
    if ((rc = write_enter(s, &single, err)) != 0)
        goto out;
    size_t before = s->nstaged;
    rc = put(s, create, res, ns, name, &p, expect_rv, out, body_out, err);
    rc = write_leave(s, single, before, rc, err);
out:
    kstore_prepared_free(s, &p);
    ks_arena_free(&a);
    return rc;
}

int kstore_create(kstore *s, const char *res, const char *ns, const char *name, const kv_value *obj,
                  kstore_result *out, ks_error *err)
{
    return write_op(s, true, res, ns, name, obj, 0, out, NULL, err);
}

int kstore_create_json(kstore *s, const char *res, const char *ns, const char *name,
                       const kv_value *obj, kstore_result *out, ks_buf *body, ks_error *err)
{
    return write_op(s, true, res, ns, name, obj, 0, out, body, err);
}

int kstore_update(kstore *s, const char *res, const char *ns, const char *name, const kv_value *obj,
                  uint64_t expect_rv, kstore_result *out, ks_error *err)
{
    return write_op(s, false, res, ns, name, obj, expect_rv, out, NULL, err);
}

int kstore_update_json(kstore *s, const char *res, const char *ns, const char *name,
                       const kv_value *obj, uint64_t expect_rv, kstore_result *out, ks_buf *body,
                       ks_error *err)
{
    return write_op(s, false, res, ns, name, obj, expect_rv, out, body, err);
}

/* Delete, the writer lock held. */
static int del(kstore *s, const char *res, const char *ns, const char *name, uint64_t expect_rv,
               kstore_result *out, ks_error *err)
{
    stored old;
    ks_buf path = KS_BUF_INIT, body = KS_BUF_INIT, meta = KS_BUF_INIT;
    char *data = NULL;
    size_t len = 0;
    int rc = stored_get(s, res, ns, name, &old, err);
    if (rc)
        goto out;
    if (!old.found) {
        rc = ks_error_set(err, KS_ENOENT, "%s %s/%s not found", res, ns, name);
        goto out;
    }
    if (expect_rv && expect_rv != old.rv) {
        if (out)
            out->conflict = true;
        rc = ks_error_set(err, KS_EEXIST,
                          "%s %s/%s: resourceVersion %" PRIu64 " is not the stored %" PRIu64, res,
                          ns, name, expect_rv, old.rv);
        goto out;
    }
    uint64_t rv = s->pending_rev + 1;
    kstore_body_path(s, res, ns, name, old.fid, old.rv, &path);
    /* The DELETED event carries the last state with the deletion's RV. */
    ks_error ferr;
    if (ks_file_read(ks_buf_cstr(&path), s->o.max_body, &data, &len, &ferr) != 0 ||
        (old.rv_at >= 0 ? kstore_splice(data, len, old.rv_at, rv, &body)
                        : kstore_rerender(data, len, rv, &body, &ferr)) != 0) {
        ks_log_warn("store", "deleting an object whose body is unreadable",
                    KS_F_STR("path", ks_buf_cstr(&path)), KS_F_ERR(&ferr));
        ks_buf_reset(&body);
    }
    if (kstore_rerender(old.meta, old.meta_len, rv, &meta, &ferr) != 0) {
        ks_buf_reset(&meta);
        ks_buf_append(&meta, old.meta, old.meta_len);
    }
    if (body.len == 0)
        ks_buf_append(&body, meta.data, meta.len);
    if (body.err || meta.err) {
        rc = ks_error_set(err, KS_ENOMEM, "%s %s/%s: out of memory", res, ns, name);
        goto out;
    }
    sqlite3_stmt *st = kstore_stmt(&s->w, ST_DELETE);
    sqlite3_bind_int64(st, 1, (int64_t)old.seq);
    int sr = sqlite3_step(st);
    sqlite3_reset(st);
    if (sr != SQLITE_DONE) {
        rc = kstore_sqlite_err(&s->w, sr, "delete", err);
        goto out;
    }
    kstore_staged *w = stage(s);
    w->old_fid = old.fid;
    if (!old.fid)
        w->old_path = ks_buf_detach(&path, NULL);
    w->ev = event_new(KSTORE_DELETED, rv, res, ns, name, body.data, body.len, meta.data, meta.len,
                      NULL, 0);
    s->nstaged++;
    s->pending_rev = rv;
    if (out) {
        out->rv = rv;
        out->seq = old.seq;
    }
out:
    ks_xfree(data);
    ks_xfree(old.meta);
    ks_buf_free(&path);
    ks_buf_free(&body);
    ks_buf_free(&meta);
    return rc;
}

int kstore_delete(kstore *s, const char *res, const char *ns, const char *name, uint64_t expect_rv,
                  kstore_result *out, ks_error *err)
{
    if (out)
        memset(out, 0, sizeof(*out));
    int rc = kstore_check_key(res, ns, name, err);
    if (rc)
        return rc;
    bool single;
    if ((rc = write_enter(s, &single, err)) != 0)
        return rc;
    size_t before = s->nstaged;
    rc = del(s, res, ns, name, expect_rv, out, err);
    return write_leave(s, single, before, rc, err);
}
