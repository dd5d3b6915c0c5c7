/* The watch hub: a bounded ring of recent events shared by all watchers.
 *
 * Writers append under the hub mutex (held for O(1) work plus evictions) and
 * broadcast; they never wait for a watcher. Each watcher keeps a cursor (a
 * ring position); one whose next event has been evicted is dropped and told
 * so, and the client relists. Events are refcounted: a watcher holding one
 * keeps its text alive after the ring has let it go. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "store/internal.h"

struct kstore_watch {
    kstore *s;
    char res[64];
    char ns[64];
    bool all_ns;
    uint64_t cursor;   /* ring position of the next event to look at */
    uint64_t after_rv; /* events with rv <= this are skipped */
    int state;         /* 0, KSTORE_WATCH_DROPPED or KSTORE_WATCH_CLOSED */
};

static size_t event_size(const kstore_event_data *d)
{
    return sizeof(*d) + d->len + d->meta_len + d->prev_meta_len;
}

void kstore_event_data_unref(kstore_event_data *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
        for (int i = 0; i < KSTORE_EVENT_CACHE_SLOTS; i++)
            ks_xfree(atomic_load(&d->cache[i]));
        ks_xfree(d);
    }
}

const char *kstore_event_cached(const kstore_event *ev, int slot, size_t *len)
{
    if (!ev->d || slot < 0 || slot >= KSTORE_EVENT_CACHE_SLOTS)
        return NULL;
    char *t = atomic_load_explicit(&ev->d->cache[slot], memory_order_acquire);
    if (t)
        *len = ev->d->cache_len[slot];
    return t;
}

const char *kstore_event_cache_put(const kstore_event *ev, int slot, char *text, size_t len,
                                   size_t *out_len)
{
    if (!ev->d || slot < 0 || slot >= KSTORE_EVENT_CACHE_SLOTS) {
        ks_xfree(text);
        return NULL;
    }
    kstore_event_data *d = ev->d;
    /* the length is written before the pointer is published */
    if (atomic_load_explicit(&d->cache[slot], memory_order_acquire) == NULL) {
        static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&mu);
        if (atomic_load_explicit(&d->cache[slot], memory_order_acquire) == NULL) {
            d->cache_len[slot] = len;
            atomic_store_explicit(&d->cache[slot], text, memory_order_release);
            pthread_mutex_unlock(&mu);
            *out_len = len;
            return text;
        }
        pthread_mutex_unlock(&mu);
    }
    ks_xfree(text);
    *out_len = d->cache_len[slot];
    return atomic_load_explicit(&d->cache[slot], memory_order_acquire);
}

int kstore_hub_init(kstore_hub *h, size_t cap, size_t max_bytes, uint64_t rev)
{
    memset(h, 0, sizeof(*h));
    if (cap > ((size_t)1 << 24))
        return KS_ELIMIT;
    h->ring = ks_xcalloc(cap, sizeof(*h->ring));
    h->cap = cap;
    h->max_bytes = max_bytes;
    h->expired_rv = rev;
    pthread_mutex_init(&h->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    return 0;
}

void kstore_hub_destroy(kstore_hub *h)
{
    if (!h->ring)
        return;
    for (uint64_t p = h->first; p < h->next; p++)
        kstore_event_data_unref(h->ring[p % h->cap]);
    ks_xfree(h->ring);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->mu);
    h->ring = NULL;
}

void kstore_hub_publish(kstore_hub *h, kstore_event_data *d)
{
    size_t sz = event_size(d);
    pthread_mutex_lock(&h->mu);
    while (h->next > h->first && (h->next - h->first >= h->cap || h->bytes + sz > h->max_bytes)) {
        kstore_event_data *old = h->ring[h->first % h->cap];
        h->ring[h->first % h->cap] = NULL;
        h->bytes -= event_size(old);
        h->expired_rv = old->rv;
        h->first++;
        kstore_event_data_unref(old);
    }
    h->ring[h->next % h->cap] = d;
    h->next++;
    h->bytes += sz;
    h->published++;
    pthread_mutex_unlock(&h->mu);
}

void kstore_hub_wake(kstore_hub *h)
{
    /* Without the mutex: an event is in the ring before this is called, and
     * a watcher checks the ring and starts waiting atomically under it, so
     * none misses the wake-up; woken watchers do not then queue on a mutex
     * the waker still holds. */
    pthread_cond_broadcast(&h->cond);
}

int kstore_watch_open(kstore *s, const char *res, const char *ns, uint64_t from_rv,
                      kstore_watch **out, ks_error *err)
{
    *out = NULL;
    int rc = kstore_check_key(res, ns ? ns : "", "x", err);
    if (rc)
        return rc;
    kstore_watch *w = ks_xcalloc(1, sizeof(*w));
    w->s = s;
    memcpy(w->res, res, strlen(res) + 1);
    w->all_ns = ns == NULL;
    if (ns)
        memcpy(w->ns, ns, strlen(ns) + 1);
    w->after_rv = from_rv;
    kstore_hub *h = &s->hub;
    pthread_mutex_lock(&h->mu);
    if (from_rv == 0) {
        w->cursor = h->next;
        w->after_rv = atomic_load(&s->rev);
    } else if (from_rv < h->expired_rv) {
        pthread_mutex_unlock(&h->mu);
        ks_xfree(w);
        return ks_error_set(err, KS_ERANGE,
                            "too old resource version: %llu (oldest available after %llu)",
                            (unsigned long long)from_rv, (unsigned long long)h->expired_rv);
    } else {
        /* First kept event with rv > from_rv (rvs increase along the ring). */
        uint64_t lo = h->first, hi = h->next;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (h->ring[mid % h->cap]->rv <= from_rv)
                lo = mid + 1;
            else
                hi = mid;
        }
        w->cursor = lo;
    }
    h->watchers++;
    pthread_mutex_unlock(&h->mu);
    *out = w;
    return 0;
}

static bool matches(const kstore_watch *w, const kstore_event_data *d)
{
    return d->rv > w->after_rv && strcmp(d->res, w->res) == 0 &&
           (w->all_ns || strcmp(d->ns, w->ns) == 0);
}

int kstore_watch_next(kstore_watch *w, int timeout_ms, kstore_event *ev)
{
    kstore_hub *h = &w->s->hub;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms > 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    int rc;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        if (w->state) {
            rc = w->state;
            break;
        }
        if (w->cursor < h->first) {
            w->state = rc = KSTORE_WATCH_DROPPED;
            h->dropped++;
            break;
        }
        kstore_event_data *d = NULL;
        while (w->cursor < h->next) {
            kstore_event_data *c = h->ring[w->cursor % h->cap];
            w->cursor++;
            if (matches(w, c)) {
                d = c;
                break;
            }
        }
        if (d) {
            atomic_fetch_add(&d->refs, 1);
            *ev = (kstore_event){.type = d->type,
                                 .rv = d->rv,
                                 .res = d->res,
                                 .ns = d->ns,
                                 .name = d->name,
                                 .json = d->json,
                                 .len = d->len,
                                 .meta = d->meta,
                                 .meta_len = d->meta_len,
                                 .prev_meta = d->prev_meta,
                                 .prev_meta_len = d->prev_meta_len,
                                 .d = d};
            rc = KSTORE_WATCH_EVENT;
            break;
        }
        if (timeout_ms == 0) {
            rc = KSTORE_WATCH_TIMEOUT;
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&h->cond, &h->mu);
        } else if (pthread_cond_timedwait(&h->cond, &h->mu, &deadline) == ETIMEDOUT) {
            timeout_ms = 0; /* one last look, then time out */
        }
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void kstore_watch_cancel(kstore_watch *w)
{
    kstore_hub *h = &w->s->hub;
    pthread_mutex_lock(&h->mu);
    if (!w->state)
        w->state = KSTORE_WATCH_CLOSED;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->mu);
}

void kstore_watch_close(kstore_watch *w)
{
    if (!w)
        return;
    kstore_hub *h = &w->s->hub;
    pthread_mutex_lock(&h->mu);
    h->watchers--;
    pthread_mutex_unlock(&h->mu);
    ks_xfree(w);
}

void kstore_event_release(kstore_event *ev)
{
    if (ev && ev->d) {
        kstore_event_data_unref(ev->d);
        ev->d = NULL;
    }
}

void kstore_watch_stats_get(kstore *s, kstore_watch_stats *out)
{
    kstore_hub *h = &s->hub;
    pthread_mutex_lock(&h->mu);
    *out = (kstore_watch_stats){.watchers = h->watchers,
                                .events = (size_t)(h->next - h->first),
                                .bytes = h->bytes,
                                .dropped = h->dropped,
                                .published = h->published};
    pthread_mutex_unlock(&h->mu);
}
