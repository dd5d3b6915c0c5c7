/*
 * The object store behind `kso storage`: Kubernetes objects identified by
 * (resource, namespace, name), metadata in SQLite, full bodies as JSON files,
 * one global revision counter and a watch hub.
 *
 * Layout of the directory given at open:
 *   metadata.sq3   SQLite (WAL): the objects table (seq, resource, namespace,
 *                  name, uid, rv, metadata-only JSON, body size, SHA-256,
 *                  file id and resourceVersion offset) and the meta table
 *                  (schema version, revision)
 *   bodies/<fid>   the full objects' JSON, and free files for the next writes
 * A body file does not carry its resourceVersion, which is assigned under the
 * writer lock: the file holds "resourceVersion":"" and the row the offset the
 * row's rv is spliced in at when the body is read. So a create or update
 * renders and hashes its object and rewrites a free body file in place
 * (fdatasynced) before it takes the writer lock; under the lock it only
 * checks the stored version and stages its row. A group of writes commits in
 * one SQLite transaction (synchronous=FULL), then superseded bodies become
 * free files. No file is created, renamed or unlinked on the write path: free
 * files are made ahead in batches, their directory synced once per batch.
 * Open frees body files no row names and drops rows whose body is missing,
 * so a crash at any point leaves every acknowledged write and no half one.
 * Reads check each body against its row's SHA-256, and look the row up again
 * when a body was superseded and its file rewritten meanwhile.
 * A store of schema 1 (bodies as objects/<res>/<ns>/<name>.<rv>.json with
 * their resourceVersion, spare files in spare/) is migrated at open: its
 * bodies are read where they are until superseded.
 *
 * Revisions: one counter, +1 per successful create, update or delete, kept in
 * SQLite; an object's resourceVersion is the revision of its last write. An
 * update keeps the object's seq (the LIST order and continue token), unlike
 * upstream's INSERT OR REPLACE, so a paged walk never sees an object twice.
 *
 * Ownership: JSON handed out is copied into the caller's buffer or arena, or
 * (watch events) a refcounted shared text released with kstore_event_release.
 * Thread-safety: a kstore is used by any number of threads at once; writes are
 * serialised by one writer mutex, and writes of threads arriving together
 * share one commit (group commit); reads use a pool of SQLite connections of
 * their own and never wait for a writer's fsyncs. A kstore_watch belongs to
 * one thread, except kstore_watch_cancel, which any thread may call.
 * Errors: 0 or a negative KS_E* code with a message in the ks_error.
 */
#ifndef KS_STORE_STORE_H
#define KS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "value/value.h"

typedef struct kstore kstore;
typedef struct kstore_watch kstore_watch;

typedef struct kstore_opts {
    const char *dir;      /* created if missing */
    size_t watch_events;  /* events the watch ring keeps; 0: 10,000 */
    size_t watch_bytes;   /* bytes of event JSON the ring keeps; 0: 256 MiB */
    size_t max_body;      /* largest object JSON; 0: 256 MiB */
    size_t max_readers;   /* read connections in the pool; 0: 16 */
    size_t max_batch;     /* writes in one batch; 0: 4096 */
    int busy_timeout_ms;  /* SQLite busy timeout; 0: 5000 */
    bool no_spares_ahead; /* do not make free body files ahead of writes */
} kstore_opts;

/* Limits of identifiers: resource [a-z0-9-] up to 63, namespace a DNS label
 * (or "" for cluster-scoped), name a DNS subdomain up to 253. */
#define KSTORE_MAX_NAME 253

/* KS_EEXIST when another kstore (in this process or another) has the
 * directory open: it is locked (<dir>/lock) while open. */
int kstore_open(const kstore_opts *o, kstore **out, ks_error *err);
/* Waits for nothing: watches still open must be closed first. */
void kstore_close(kstore *s);

/* 0 when res, ns and name are acceptable identifiers, else KS_EINVAL naming
 * the offending one and the position of the bad character. */
int kstore_check_key(const char *res, const char *ns, const char *name, ks_error *err);
/* Checks a name of known length (from a URL or a body), where an embedded
 * NUL would otherwise cut the C string short: KS_EINVAL for it too. */
int kstore_check_name(const char *name, size_t n, ks_error *err);

/* The outcome of a write. */
typedef struct kstore_result {
    uint64_t rv;   /* the object's resourceVersion after the call */
    uint64_t seq;  /* its LIST position */
    bool noop;     /* update: the object was unchanged; nothing written */
    bool conflict; /* update/delete returned KS_EEXIST: the stored RV differs */
} kstore_result;

/* Writes. obj is the whole object (an object with a "metadata" object whose
 * name, when present, must equal name); the store sets
 * metadata.resourceVersion to the write's revision and derives the
 * metadata-only JSON ({apiVersion, kind, metadata}) itself. out may be NULL.
 *
 * create: KS_EEXIST when the object exists.
 * update: KS_ENOENT when missing; KS_EEXIST with out->conflict when
 *   expect_rv is not 0 and differs from the stored RV (0 = unconditional).
 *   An object equal to the stored one (resourceVersion aside) is not written:
 *   out->noop, RV kept, no event.
 * delete: KS_ENOENT, or the conflict as for update (expect_rv 0 = any).
 * Inside a batch (below) the write is staged: it is visible to later writes
 * of the batch, and to readers and watchers only after kstore_batch_commit. */
int kstore_create(kstore *s, const char *res, const char *ns, const char *name, const kv_value *obj,
                  kstore_result *out, ks_error *err);
int kstore_update(kstore *s, const char *res, const char *ns, const char *name, const kv_value *obj,
                  uint64_t expect_rv, kstore_result *out, ks_error *err);
/* As kstore_create and kstore_update, and the object's JSON as stored
 * (resourceVersion included; for a no-op update, as it was) appended to
 * body, so a caller answering with it need not render it again. */
int kstore_create_json(kstore *s, const char *res, const char *ns, const char *name,
                       const kv_value *obj, kstore_result *out, ks_buf *body, ks_error *err);
int kstore_update_json(kstore *s, const char *res, const char *ns, const char *name,
                       const kv_value *obj, uint64_t expect_rv, kstore_result *out, ks_buf *body,
                       ks_error *err);
int kstore_delete(kstore *s, const char *res, const char *ns, const char *name, uint64_t expect_rv,
                  kstore_result *out, ks_error *err);

/* Batches: the calling thread takes the writer lock and its following writes
 * share one SQLite transaction and one fsync of each directory; commit makes
 * them durable and visible (and publishes their events) together. A write
 * that fails inside a batch changes nothing and the batch goes on. Other
 * threads' writes wait until commit or abort. KS_ELIMIT past max_batch
 * writes. Not nestable: KS_EINVAL when this thread already holds a batch. */
int kstore_batch_begin(kstore *s, ks_error *err);
/* On failure every staged write is undone, as by kstore_batch_abort. */
int kstore_batch_commit(kstore *s, ks_error *err);
void kstore_batch_abort(kstore *s);

/* Reads. meta_only gives the metadata-only JSON, else the full body.
 * KS_ENOENT when missing. rv may be NULL. */
int kstore_get_json(kstore *s, const char *res, const char *ns, const char *name, bool meta_only,
                    ks_buf *out, uint64_t *rv, ks_error *err);
/* As kstore_get_json, parsed into a. */
int kstore_get(kstore *s, const char *res, const char *ns, const char *name, bool meta_only,
               ks_arena *a, kv_value *out, uint64_t *rv, ks_error *err);

/* One LIST item; the pointers are valid during the callback only. */
typedef struct kstore_item {
    uint64_t seq;
    uint64_t rv;
    const char *ns;
    const char *name;
    const char *json; /* metadata-only or full, as asked */
    size_t len;
} kstore_item;

/* Return 0 to go on, a positive value to stop, a negative code to fail. */
typedef int (*kstore_item_fn)(void *ctx, const kstore_item *it);

typedef struct kstore_list_opts {
    const char *ns;     /* NULL: every namespace */
    uint64_t after_seq; /* the continue token: items with seq > after_seq */
    size_t limit;       /* 0: no limit */
    bool meta_only;
} kstore_list_opts;

typedef struct kstore_list_info {
    uint64_t revision; /* the store's revision when the list began: the list's
                          resourceVersion (a watch from it may repeat changes
                          the list already showed, never miss one) */
    uint64_t last_seq; /* seq of the last item given (the next continue token) */
    size_t count;      /* items given */
    bool more;         /* items remain after last_seq */
} kstore_list_info;

/* Items of res in seq order, one at a time (rows are read in small chunks;
 * the list is never held in memory). An object updated during the call is
 * given once, in whichever version was read; one deleted may be left out.
 * info may be NULL. A negative return of fn is returned. */
int kstore_list(kstore *s, const char *res, const kstore_list_opts *o, kstore_item_fn fn, void *ctx,
                kstore_list_info *info, ks_error *err);

/* Objects of res in ns (NULL: all). */
int kstore_count(kstore *s, const char *res, const char *ns, uint64_t *count, ks_error *err);

/* The current revision (of the last committed write). */
uint64_t kstore_revision(kstore *s);

/* Counters since open (for metrics). */
typedef struct kstore_stats {
    uint64_t revision;
    uint64_t writes;  /* committed writes */
    uint64_t commits; /* SQLite commits they took (batches and groups share) */
    size_t spares;    /* free body files */
    size_t readers;   /* read connections open */
} kstore_stats;
void kstore_stats_get(kstore *s, kstore_stats *out);

/* ---- watch ---- */

typedef enum kstore_event_type {
    KSTORE_ADDED = 1,
    KSTORE_MODIFIED,
    KSTORE_DELETED,
} kstore_event_type;

typedef struct kstore_event_data kstore_event_data;

typedef struct kstore_event {
    kstore_event_type type;
    uint64_t rv;
    const char *res;
    const char *ns;
    const char *name;
    const char *json; /* the full object (for DELETED: as last stored,
                         with the deletion's revision as resourceVersion) */
    size_t len;
    const char *meta; /* the metadata-only JSON, likewise */
    size_t meta_len;
    /* MODIFIED: the metadata-only JSON of the version it replaced (what a
     * watch filtered by labels needs to see an object leave or enter its
     * selection); NULL for ADDED and DELETED */
    const char *prev_meta;
    size_t prev_meta_len;
    kstore_event_data *d; /* the shared reference; kstore_event_release */
} kstore_event;

/* kstore_watch_next's results besides an event. */
enum {
    KSTORE_WATCH_EVENT = 0,
    KSTORE_WATCH_TIMEOUT = 1, /* nothing arrived within timeout_ms */
    KSTORE_WATCH_DROPPED = 2, /* the ring overwrote events not yet read */
    KSTORE_WATCH_CLOSED = 3,  /* kstore_watch_cancel was called */
};

/* Events of res (in ns, or all when ns is NULL) with rv > from_rv, in order.
 * from_rv 0 means from now. KS_ERANGE ("too old resource version") when
 * events after from_rv are no longer kept, including every revision before
 * the store was opened (the API server answers 410 Gone). */
int kstore_watch_open(kstore *s, const char *res, const char *ns, uint64_t from_rv,
                      kstore_watch **out, ks_error *err);
/* Waits up to timeout_ms (negative: for ever) for the next event. Returns
 * KSTORE_WATCH_EVENT with *ev filled (release it), or one of the codes above.
 * After DROPPED or CLOSED every further call returns the same. */
int kstore_watch_next(kstore_watch *w, int timeout_ms, kstore_event *ev);
/* Wakes a kstore_watch_next waiting in another thread, which returns
 * KSTORE_WATCH_CLOSED. Thread-safe. */
void kstore_watch_cancel(kstore_watch *w);
/* Frees the watch; no other thread may be using it. */
void kstore_watch_close(kstore_watch *w);
void kstore_event_release(kstore_event *ev);

/* A rendering of an event that every watcher wanting it can share (the API
 * server's event line), kept with the event until its last reference goes:
 * the first watcher renders, the others reuse. Slots are the caller's
 * (0 .. KSTORE_EVENT_CACHE_SLOTS-1). */
#define KSTORE_EVENT_CACHE_SLOTS 2
/* The cached text of slot, or NULL. */
const char *kstore_event_cached(const kstore_event *ev, int slot, size_t *len);
/* Offers text (heap memory from ks_xmalloc or ks_buf_detach, taken) for
 * slot; returns the text cached now (text, or another watcher's that came
 * first, in which case text is freed). */
const char *kstore_event_cache_put(const kstore_event *ev, int slot, char *text, size_t len,
                                   size_t *out_len);

/* Counters of the watch hub. */
typedef struct kstore_watch_stats {
    size_t watchers;
    size_t events;      /* events kept */
    size_t bytes;       /* bytes kept */
    uint64_t dropped;   /* watchers dropped for falling behind */
    uint64_t published; /* events published */
} kstore_watch_stats;
void kstore_watch_stats_get(kstore *s, kstore_watch_stats *out);

#endif
