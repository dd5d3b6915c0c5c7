/*
 * A small informer: LIST then WATCH of one collection into a local cache,
 * with a callback per change, as client-go's reflector and store do.
 *
 * The first LIST (page by page) reports every object as added. The watch
 * then resumes from the last resourceVersion seen whenever the server ends
 * the stream or the connection fails (waiting with backoff, or Retry-After
 * after a 429). When the resourceVersion has expired (410) it lists again
 * and reports the difference with the cache: objects that appeared as
 * added, those whose resourceVersion changed as modified, those that are
 * gone as deleted. Events that repeat what the cache holds (an ADDED of an
 * object already there with the same resourceVersion, a DELETED of one not
 * there) are not reported: no change is lost or reported twice.
 *
 * The cache keeps each object's JSON text under "namespace/name" (or
 * "name"). One thread runs the informer; kube_informer_run returns when
 * *stop becomes true (0), the callback fails (its code), or the first LIST
 * fails after the client's own retries (a 403, for instance). A LIST after
 * a 410 that fails is tried again with backoff until it works or *stop.
 */
#ifndef KS_KUBE_INFORMER_H
#define KS_KUBE_INFORMER_H

#include <stdatomic.h>

#include "core/map.h"
#include "kube/client.h"

typedef enum kube_change { KUBE_ADDED = 1, KUBE_MODIFIED, KUBE_DELETED } kube_change;

/* obj: the object (for DELETED its last state), valid during the call. */
typedef int (*kube_informer_fn)(void *ctx, kube_change change, const char *key, const kv_value *obj,
                                ks_error *err);

typedef struct kube_informer_opts {
    const char *path;    /* the collection, with its selector query if any */
    unsigned page_limit; /* LIST page size; 0: 500 */
    int watch_timeout_s; /* each watch asks the server to end it then; 0: 300 */
    long max_backoff_ms; /* 0: 10 s */
    kube_informer_fn fn;
    void *ctx;
    void (*synced)(void *ctx); /* after the first LIST has been reported */
} kube_informer_opts;

typedef struct kube_informer_stats {
    long lists;   /* LISTs, the first included */
    long watches; /* watch streams opened */
    long expired; /* 410s that made it list again */
    long errors;  /* failed watch attempts (connection, 429, 5xx) */
    size_t objects;
} kube_informer_stats;

typedef struct kube_informer {
    ks_map cache; /* key -> heap JSON text of the object */
    kube_informer_stats stats;
} kube_informer;

void kube_informer_init(kube_informer *inf);
void kube_informer_free(kube_informer *inf);

/* The cached JSON text of key ("namespace/name"), NULL when not cached;
 * valid until the informer changes it (call it from the informer's thread,
 * in the callback, or after kube_informer_run returned). */
const char *kube_informer_get(const kube_informer *inf, const char *key, size_t *len);

int kube_informer_run(kube_informer *inf, kube_client *c, const kube_informer_opts *o,
                      const atomic_bool *stop, ks_error *err);

#endif
