/* Internals of the object store shared by its files (not a public header). */
#ifndef KS_STORE_INTERNAL_H
#define KS_STORE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "core/digest.h"
#include "store/store.h"

/* ---- SQLite statements ---- */

enum {
    /* reader and writer */
    ST_GET,     /* seq, rv, uid, meta, body_size, body_hash by key */
    ST_GET_SEQ, /* namespace, name, rv, meta by seq */
    ST_LIST_ALL,
    ST_LIST_NS,
    ST_COUNT_ALL,
    ST_COUNT_NS,
    ST_READ_COUNT,
    /* writer only */
    ST_INSERT = ST_READ_COUNT,
    ST_UPDATE,
    ST_DELETE,
    ST_SET_REV,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT
};

typedef struct kstore_conn {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    bool busy;
} kstore_conn;

int kstore_conn_open(kstore *s, kstore_conn *c, bool writer, ks_error *err);
void kstore_conn_close(kstore_conn *c);
/* Prepared statement i of c, reset and unbound. */
sqlite3_stmt *kstore_stmt(kstore_conn *c, int i);
int kstore_sqlite_err(kstore_conn *c, int code, const char *what, ks_error *err);

/* ---- the watch hub ---- */

struct kstore_event_data {
    atomic_size_t refs;
    kstore_event_type type;
    uint64_t rv;
    char *res, *ns, *name;
    char *json;
    size_t len;
    char *meta;
    size_t meta_len;
    char *prev_meta; /* MODIFIED: the replaced version's metadata-only JSON */
    size_t prev_meta_len;
    /* renderings shared by every watcher (kstore_event_cache_put) */
    _Atomic(char *) cache[KSTORE_EVENT_CACHE_SLOTS];
    size_t cache_len[KSTORE_EVENT_CACHE_SLOTS];
};

typedef struct kstore_hub {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    kstore_event_data **ring; /* ring[pos % cap] for pos in [first, next) */
    size_t cap;
    uint64_t first, next; /* positions of the oldest kept and the next event */
    size_t bytes, max_bytes;
    uint64_t expired_rv; /* events with rv <= this are gone */
    size_t watchers;
    uint64_t dropped, published;
} kstore_hub;

int kstore_hub_init(kstore_hub *h, size_t cap, size_t max_bytes, uint64_t rev);
void kstore_hub_destroy(kstore_hub *h);
/* Takes the caller's reference to d. Never waits for a watcher. Watchers
 * waiting for events learn of it at the next kstore_hub_wake: a group of
 * events is published, then the watchers woken once, after the writer lock
 * is released. */
void kstore_hub_publish(kstore_hub *h, kstore_event_data *d);
void kstore_hub_wake(kstore_hub *h);
void kstore_event_data_unref(kstore_event_data *d);

/* ---- the store ---- */

/* A write staged in the open transaction. */
typedef struct kstore_staged {
    uint64_t new_fid; /* body file written (freed on abort); 0: none */
    uint64_t old_fid; /* body file superseded (freed after commit); 0: none */
    char *old_path;   /* a schema-1 body superseded (unlinked after commit); may be NULL */
    kstore_event_data *ev;
    /* a single write's caller waiting for the group commit */
    int *result;
    bool *done;
    ks_error *err;
} kstore_staged;

struct kstore {
    char *dir;
    kstore_opts o;
    pthread_mutex_t wmu; /* the writer lock */
    kstore_conn w;
    atomic_uint_fast64_t rev; /* last committed revision */
    uint64_t pending_rev;     /* revision of the last staged write */

    /* the open transaction: an explicit batch, or a group of single writes */
    bool txn_open;
    atomic_int waiting;   /* single writers waiting for wmu */
    pthread_cond_t gcond; /* a group was committed (with wmu) */
    kstore_staged *staged;
    size_t nstaged, staged_cap;
    bool wake_pending; /* events published since the watchers were last woken */

    pthread_mutex_t pmu; /* the read pool */
    pthread_cond_t pcond;
    kstore_conn *readers;
    size_t nreaders;

    /* body files are <dir>/bodies/<id>, ids from this counter */
    atomic_uint_fast64_t file_next;
    /* resourceVersion placeholder while rendering: random, so no stored
     * value can contain it */
    char rv_nonce[33];

    /* free body files: made ahead, or superseded bodies, for the next
     * writes to rewrite instead of creating and unlinking files. Files made
     * ahead are kept open (spare_fd, else -1), up to KSTORE_SPARE_FDS, and
     * are empty. */
    uint64_t *spare; /* their ids, up to KSTORE_SPARE_MAX */
    int *spare_fd;
    size_t nspare, nspare_fds;
    pthread_mutex_t smu; /* the free list (taken inside the writer lock, or alone) */

    int lock_fd; /* <dir>/lock, flocked while open */
    atomic_uint_fast64_t n_writes, n_commits;
    atomic_size_t n_spares;

    kstore_hub hub;
};

#define KSTORE_SPARE_MAX 1024
/* Writers make empty free files ahead, in batches with one directory sync,
 * while fewer than this many are ready: creating a file is the slowest part
 * of a write on some file systems. */
#define KSTORE_SPARE_LOW   32
#define KSTORE_SPARE_BATCH 8
#define KSTORE_SPARE_FDS   48

/* Makes empty free files when few are left; called without the writer
 * lock. */
void kstore_spare_refill(kstore *s);

/* ---- bodies and identifiers (body.c) ---- */

/* Schema-1 bodies: "<dir>/objects/<res>/<ns or _cluster>" */
void kstore_body_dir(const kstore *s, const char *res, const char *ns, ks_buf *out);
/* The body file of a row: "<dir>/bodies/<fid>", or for a schema-1 row (fid
 * 0) "<body dir>/<stem>.<rv>.json". */
void kstore_body_path(const kstore *s, const char *res, const char *ns, const char *name,
                      uint64_t fid, uint64_t rv, ks_buf *out);

/* A write made ready without the writer lock: the object rendered, hashed
 * and (by kstore_body_write) durable in its body file. Body files do not
 * carry the resourceVersion, which is known only under the writer lock: the
 * body is stored with "resourceVersion":"" and rv_at, the offset of the
 * value's place, is kept in the object's row; readers splice the row's rv in
 * (kstore_splice). */
typedef struct kstore_prepared {
    ks_buf body;  /* the object's JSON, resourceVersion "" */
    ks_buf meta;  /* {apiVersion, kind, metadata}, resourceVersion "" */
    size_t rv_at; /* in body: where the resourceVersion digits go */
    size_t meta_rv_at;
    uint8_t hash[KS_SHA256_LEN]; /* of body */
    const char *uid;             /* metadata.uid or "" (in the arena given) */
    uint64_t fid;                /* the body file, once written; 0 before */
} kstore_prepared;

/* Checks that obj's metadata.name and .namespace, when present, are name and
 * ns, and renders obj into p (whose buffers it initialises; free with
 * kstore_prepared_free). */
int kstore_prepare(kstore *s, ks_arena *a, const kv_value *obj, const char *ns, const char *name,
                   kstore_prepared *p, ks_error *err);
/* Writes p's body into a free body file (made when there is none),
 * fdatasynced; sets p->fid. */
int kstore_body_write(kstore *s, kstore_prepared *p, ks_error *err);
/* Frees p's buffers; a body file still in p (never staged) is freed. */
void kstore_prepared_free(kstore *s, kstore_prepared *p);
/* Appends json with rv's digits inserted at rv_at (rv_at < 0: json as is,
 * the form of schema-1 bodies, which carry their resourceVersion). */
int kstore_splice(const char *json, size_t len, int64_t rv_at, uint64_t rv, ks_buf *out);
int kstore_fsync_dir(const char *path, ks_error *err);
/* A body file no row names any more (or not yet) becomes free, or is
 * unlinked when there are enough. A reader that opened it before may then
 * see it rewritten, which is why reads check the body's hash. fid 0: none. */
void kstore_body_release(kstore *s, uint64_t fid);
/* Closes the free list's open descriptors and empties it (at close). */
void kstore_spare_close(kstore *s);

/* Rewrites stored JSON text (full or metadata-only) with resourceVersion rv. */
int kstore_rerender(const char *json, size_t len, uint64_t rv, ks_buf *out, ks_error *err);

/* The row of a key as the read connections see it: found, and the body's
 * hash. For a writer's check, without the writer lock, that an update
 * changes nothing. */
int kstore_row_hash(kstore *s, const char *res, const char *ns, const char *name, bool *found,
                    uint8_t hash[KS_SHA256_LEN], ks_error *err);

/* The file-name stem of a name: the name itself, or for names over 200
 * characters a prefix, '~' and a hash, so file names fit NAME_MAX. */
#define KSTORE_STEM_MAX 224
void kstore_body_stem(const char *name, char out[KSTORE_STEM_MAX]);
/* Parses a schema-1 body name "<stem>.<rv>.json"; false when f is not one. */
bool kstore_parse_body_name(const char *f, char stem[KSTORE_STEM_MAX], uint64_t *rv);

/* Recovery at open (recover.c). */
int kstore_recover(kstore *s, ks_error *err);

#endif
