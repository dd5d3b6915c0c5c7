/* Opening and closing the store, SQLite connections and the read pool. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/internal.h"

/* 2: body files are named by a file id (the body column; 0 in rows of
 * schema 1, named by their rv) and do not carry the resourceVersion, whose
 * place is rv_at (-1 in rows of schema 1, whose bodies carry it). */
#define SCHEMA_VERSION 2

static const char *const schema_sql =
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS objects("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,"
        " uid TEXT NOT NULL, rv INTEGER NOT NULL, meta TEXT NOT NULL,"
        " body_size INTEGER NOT NULL, body_hash BLOB NOT NULL,"
        " body INTEGER NOT NULL DEFAULT 0, rv_at INTEGER NOT NULL DEFAULT -1,"
        " UNIQUE(resource, namespace, name));"
        "CREATE INDEX IF NOT EXISTS objects_res ON objects(resource, seq);"
        "CREATE INDEX IF NOT EXISTS objects_res_ns ON objects(resource, namespace, seq);"
        "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', 2), ('revision', 0);";

/* Schema 1 to 2: the columns added, with the values that mean "schema 1". */
static const char *const migrate_1_2 =
        "BEGIN IMMEDIATE;"
        "ALTER TABLE objects ADD COLUMN body INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE objects ADD COLUMN rv_at INTEGER NOT NULL DEFAULT -1;"
        "UPDATE meta SET value=2 WHERE key='schema';"
        "COMMIT;";

static const char *const stmt_sql[ST_COUNT] = {
        [ST_GET] = "SELECT seq, rv, uid, meta, body_size, body_hash, body, rv_at FROM objects"
                   " WHERE resource=?1 AND namespace=?2 AND name=?3",
        [ST_GET_SEQ] = "SELECT namespace, name, rv, meta FROM objects WHERE seq=?1",
        [ST_LIST_ALL] = "SELECT seq, namespace, name, rv, meta, body_hash, body, rv_at FROM objects"
                        " WHERE resource=?1 AND seq>?2 ORDER BY seq LIMIT ?3",
        [ST_LIST_NS] = "SELECT seq, namespace, name, rv, meta, body_hash, body, rv_at FROM objects"
                       " WHERE resource=?1 AND seq>?2 AND namespace=?4 ORDER BY seq LIMIT ?3",
        [ST_COUNT_ALL] = "SELECT count(*) FROM objects WHERE resource=?1",
        [ST_COUNT_NS] = "SELECT count(*) FROM objects WHERE resource=?1 AND namespace=?2",
        [ST_INSERT] = "INSERT INTO objects(resource, namespace, name, uid, rv, meta, body_size,"
                      " body_hash, body, rv_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        [ST_UPDATE] = "UPDATE objects SET uid=?2, rv=?3, meta=?4, body_size=?5, body_hash=?6,"
                      " body=?7, rv_at=?8 WHERE seq=?1",
        [ST_DELETE] = "DELETE FROM objects WHERE seq=?1",
        [ST_SET_REV] = "UPDATE meta SET value=?1 WHERE key='revision'",
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
};

int kstore_sqlite_err(kstore_conn *c, int code, const char *what, ks_error *err)
{
    return ks_error_set(err, code == SQLITE_NOMEM ? KS_ENOMEM : KS_EIO, "sqlite: %s: %s", what,
                        c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(code));
}

sqlite3_stmt *kstore_stmt(kstore_conn *c, int i)
{
    sqlite3_stmt *st = c->st[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static int exec(kstore_conn *c, const char *sql, ks_error *err)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : kstore_sqlite_err(c, rc, sql, err);
}

/* Brings a schema-1 database to schema 2 (a store written by an older
 * build); newer schemas are refused by read_revision. */
static int migrate(kstore_conn *c, ks_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key='schema'", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return kstore_sqlite_err(c, rc, "read the schema version", err);
    int64_t schema = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (schema != 1)
        return 0;
    if ((rc = exec(c, migrate_1_2, err)) != 0)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int kstore_conn_open(kstore *s, kstore_conn *c, bool writer, ks_error *err)
{
    memset(c, 0, sizeof(*c));
    ks_buf path = KS_BUF_INIT;
    ks_buf_printf(&path, "%s/metadata.sq3", s->dir);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(ks_buf_cstr(&path), &c->db, flags, NULL);
    ks_buf_free(&path);
    if (rc != SQLITE_OK) {
        rc = kstore_sqlite_err(c, rc, "open metadata.sq3", err);
        goto fail;
    }
    sqlite3_busy_timeout(c->db, s->o.busy_timeout_ms);
    /* FULL: a commit is durable when it returns. The superseded body is
     * recycled right after the commit (and soon overwritten), so a commit
     * lost to a power cut, which NORMAL allows in WAL mode, would leave the
     * old row pointing at a body that is gone. Group commit and batches
     * amortise the one WAL sync per commit. */
    if ((rc = exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err)) != 0)
        goto fail;
    if (writer && (rc = exec(c, schema_sql, err)) != 0)
        goto fail;
    if (writer && (rc = migrate(c, err)) != 0)
        goto fail;
    if (!writer && (rc = exec(c, "PRAGMA query_only=1;", err)) != 0)
        goto fail;
    int n = writer ? ST_COUNT : ST_READ_COUNT;
    for (int i = 0; i < n; i++) {
        rc = sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL);
        if (rc != SQLITE_OK) {
            rc = kstore_sqlite_err(c, rc, stmt_sql[i], err);
            goto fail;
        }
    }
    return 0;
fail:
    kstore_conn_close(c);
    return rc;
}

void kstore_conn_close(kstore_conn *c)
{
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    memset(c, 0, sizeof(*c));
}

static int read_revision(kstore *s, uint64_t *rev, ks_error *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->w.db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return kstore_sqlite_err(&s->w, rc, "read meta", err);
    int64_t schema = 0, r = 0;
    sqlite3_bind_text(st, 1, "schema", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        schema = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, "revision", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        r = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (schema != SCHEMA_VERSION)
        return ks_error_set(err, KS_EUNSUPPORTED, "%s/metadata.sq3: schema version %lld, not %d",
                            s->dir, (long long)schema, SCHEMA_VERSION);
    if (r < 0)
        return ks_error_set(err, KS_EPARSE, "%s/metadata.sq3: negative revision", s->dir);
    *rev = (uint64_t)r;
    return 0;
}

/* One kstore per directory, in this process or another: a second one would
 * recover (recycle) files the first is writing. */
static int lock_dir(kstore *s, ks_error *err)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/lock", s->dir);
    int rc = 0;
    s->lock_fd = open(ks_buf_cstr(&p), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        rc = ks_error_set(err, KS_EIO, "%s: %s", ks_buf_cstr(&p), strerror(errno));
    else if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        rc = ks_error_set(err, errno == EWOULDBLOCK ? KS_EEXIST : KS_EIO,
                          "store directory %s is in use (%s)", s->dir, strerror(errno));
    ks_buf_free(&p);
    return rc;
}

/* The resourceVersion placeholder: random, so no stored value contains it
 * (file ids are set by recovery). */
static void draw_nonce(kstore *s)
{
    uint8_t r[16];
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
        /* No entropy source: the nonce still only needs to be absent from
         * the objects written, which a client cannot see or guess. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 40;
        for (size_t i = 0; i < sizeof(r); i++, x = x * 6364136223846793005u + 1442695040888963407u)
            r[i] = (uint8_t)(x >> 56);
    }
    ks_hex_encode(r, sizeof(r), s->rv_nonce);
}

/* The locks and the memory of a store whose files are closed. */
static void store_free(kstore *s)
{
    pthread_cond_destroy(&s->pcond);
    pthread_cond_destroy(&s->gcond);
    pthread_mutex_destroy(&s->pmu);
    pthread_mutex_destroy(&s->smu);
    pthread_mutex_destroy(&s->wmu);
    ks_xfree(s->readers);
    ks_xfree(s->spare);
    ks_xfree(s->spare_fd);
    ks_xfree(s->dir);
    ks_xfree(s);
}

int kstore_open(const kstore_opts *o, kstore **out, ks_error *err)
{
    *out = NULL;
    if (!o || !o->dir || !*o->dir)
        return ks_error_set(err, KS_EINVAL, "store directory not given");
    if (!sqlite3_threadsafe())
        return ks_error_set(err, KS_EUNSUPPORTED, "SQLite was built without thread support");
    kstore *s = ks_xcalloc(1, sizeof(*s));
    s->o = *o;
    if (!s->o.watch_events)
        s->o.watch_events = 10000;
    if (!s->o.watch_bytes)
        s->o.watch_bytes = (size_t)256 << 20;
    if (!s->o.max_body)
        s->o.max_body = (size_t)256 << 20;
    if (!s->o.max_readers)
        s->o.max_readers = 16;
    if (!s->o.max_batch)
        s->o.max_batch = 4096;
    if (s->o.busy_timeout_ms <= 0)
        s->o.busy_timeout_ms = 5000;
    s->dir = ks_xstrndup(o->dir, strlen(o->dir));
    s->o.dir = s->dir;
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->pmu, NULL);
    pthread_mutex_init(&s->smu, NULL);
    pthread_cond_init(&s->pcond, NULL);
    pthread_cond_init(&s->gcond, NULL);
    s->readers = ks_xcalloc(s->o.max_readers, sizeof(*s->readers));
    s->lock_fd = -1;

    int rc;
    s->spare = ks_xcalloc(KSTORE_SPARE_MAX, sizeof(*s->spare));
    s->spare_fd = ks_xcalloc(KSTORE_SPARE_MAX, sizeof(*s->spare_fd));
    ks_buf sub = KS_BUF_INIT;
    ks_buf_printf(&sub, "%s/bodies", s->dir);
    rc = ks_mkdir_p(ks_buf_cstr(&sub), 0755, err);
    ks_buf_free(&sub);
    if (rc != 0 || (rc = lock_dir(s, err)) != 0)
        goto fail;
    if ((rc = kstore_conn_open(s, &s->w, true, err)) != 0)
        goto fail;
    uint64_t rev = 0;
    if ((rc = read_revision(s, &rev, err)) != 0)
        goto fail;
    if ((rc = kstore_recover(s, err)) != 0)
        goto fail;
    draw_nonce(s);
    atomic_store(&s->rev, rev);
    s->pending_rev = rev;
    if ((rc = kstore_hub_init(&s->hub, s->o.watch_events, s->o.watch_bytes, rev)) != 0) {
        rc = ks_error_set(err, rc, "watch ring of %zu events", s->o.watch_events);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    ks_error_source(err, o->dir);
    kstore_conn_close(&s->w);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    store_free(s);
    return rc;
}

void kstore_close(kstore *s)
{
    if (!s)
        return;
    kstore_batch_abort(s); /* when this thread holds a batch */
    for (size_t i = 0; i < s->nreaders; i++)
        kstore_conn_close(&s->readers[i]);
    kstore_conn_close(&s->w);
    close(s->lock_fd);
    kstore_hub_destroy(&s->hub);
    kstore_spare_close(s);
    ks_xfree(s->staged);
    store_free(s);
}

uint64_t kstore_revision(kstore *s)
{
    return atomic_load(&s->rev);
}

void kstore_stats_get(kstore *s, kstore_stats *out)
{
    pthread_mutex_lock(&s->pmu);
    size_t readers = s->nreaders;
    pthread_mutex_unlock(&s->pmu);
    *out = (kstore_stats){.revision = atomic_load(&s->rev),
                          .writes = atomic_load(&s->n_writes),
                          .commits = atomic_load(&s->n_commits),
                          .spares = atomic_load(&s->n_spares),
                          .readers = readers};
}
