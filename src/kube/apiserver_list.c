/*
 * The API server's collection verbs: LIST (JSON lists streamed page by page
 * from the store, never the whole collection in memory), WATCH (JSON event
 * lines, bookmarks, resume from a resourceVersion, 410 when it is too old)
 * and DELETECOLLECTION, all with label and field selectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/time.h"
#include "kube/apiserver_internal.h"
#include "kube/meta.h"

#define PAGE            200   /* items read from the store per step */
#define MAX_LIMIT       10000 /* largest page a client may ask for */
#define DELETE_BATCH    500
#define WATCH_CHUNK     (64u << 10) /* bytes of events gathered into one chunk */
#define WATCH_GATHER_NS 2000000L    /* pause that lets back-to-back events gather */
#define WATCH_BUSY_NS   20000000L   /* a busy stream's sending interval */

static const char *const field_paths[] = {"metadata.name", "metadata.namespace"};

/* ---- selectors ---- */

static int filter_parse_in(as_req *q, ks_arena *a, as_filter *f)
{
    memset(f, 0, sizeof *f);
    ks_error err = {0};
    const char *ls = as_query(q, "labelSelector");
    if (ls && kube_sel_parse(a, ls, strlen(ls), NULL, &f->labels, &err) < 0) {
        as_bad_request(q, "%.*s", (int)f->labels.error_len,
                       f->labels.error ? f->labels.error : err.msg);
        return -1;
    }
    const char *fs = as_query(q, "fieldSelector");
    size_t nf = q->r->namespaced ? 2 : 1;
    if (fs && kube_fsel_parse(a, fs, strlen(fs), field_paths, nf, NULL, &f->fields, &err) < 0) {
        as_bad_request(q, "%.*s", (int)f->fields.error_len,
                       f->fields.error ? f->fields.error : err.msg);
        return -1;
    }
    return 0;
}

int as_filter_parse(as_req *q, as_filter *f)
{
    return filter_parse_in(q, q->a, f);
}

bool as_filter_match(const as_filter *f, const kv_value *obj)
{
    return kube_sel_match(&f->labels, obj) && kube_fsel_match(&f->fields, obj, NULL, NULL);
}

/* ---- list pages ---- */

/* Walks the store's collection in seq order, filtered. */
typedef struct cursor {
    kube_apiserver *s;
    int ri;
    char *ns;       /* NULL: every namespace */
    uint64_t after; /* seq of the last item read */
    bool meta_only;
    size_t limit;   /* 0: none */
    size_t given;   /* items passed the filter and given */
    bool exhausted; /* the store has no more items */
    uint64_t cont;  /* continue token when the limit stopped the walk */
    as_filter filter;
} cursor;

typedef int (*item_fn)(void *ctx, const kv_value *obj, uint64_t rv);

typedef struct page_ctx {
    cursor *c;
    as_req *q; /* for the views; its arena is the page's */
    item_fn fn;
    void *fctx;
} page_ctx;

static int page_item(void *ctx, const kstore_item *it)
{
    page_ctx *p = ctx;
    cursor *c = p->c;
    if (c->limit && c->given == c->limit) {
        c->cont = c->after; /* more remain after the last one given */
        return 1;
    }
    c->after = it->seq;
    kv_value obj;
    ks_error err = {0};
    int rc = as_parse_view(p->q, it->json, it->len, c->meta_only, &obj, &err);
    if (rc < 0)
        return rc;
    if (!as_filter_match(&c->filter, &obj))
        return 0;
    c->given++;
    return p->fn(p->fctx, &obj, it->rv);
}

/* One step: up to PAGE store items. 0, or a negative code. */
static int cursor_step(cursor *c, as_req *q, item_fn fn, void *fctx, ks_error *err)
{
    page_ctx p = {c, q, fn, fctx};
    kstore_list_opts lo = {
            .ns = c->ns, .after_seq = c->after, .limit = PAGE, .meta_only = c->meta_only};
    kstore_list_info info = {0};
    int rc = kstore_list(c->s->o.store, q->r->plural, &lo, page_item, &p, &info, err);
    if (rc < 0)
        return rc;
    if (c->cont)
        return 0;
    if (!info.more)
        c->exhausted = true;
    return 0;
}

static bool cursor_done(const cursor *c)
{
    return c->exhausted || c->cont;
}

/* ---- LIST ---- */

static bool parse_u64(const char *s, uint64_t *v)
{
    if (!s || !*s)
        return false;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end || s[0] == '-')
        return false;
    *v = x;
    return true;
}

/* Sets up a cursor from the request's limit, continue and selectors; false
 * when answered. */
static bool cursor_init(as_req *q, cursor *c, ks_arena *a)
{
    memset(c, 0, sizeof *c);
    c->s = q->s;
    c->ri = q->ri;
    c->meta_only = !as_full_spec(q);
    if (q->ns) {
        c->ns = ks_arena_strndup(a, q->ns, strlen(q->ns));
    }
    const char *lim = as_query(q, "limit");
    uint64_t l = 0;
    if (lim && *lim && !parse_u64(lim, &l)) {
        as_bad_request(q, "invalid limit %s", lim);
        return false;
    }
    c->limit = l > MAX_LIMIT ? MAX_LIMIT : (size_t)l;
    const char *cont = as_query(q, "continue");
    if (cont && *cont && !parse_u64(cont, &c->after)) {
        char msg[300];
        snprintf(msg, sizeof msg, "continue key is not valid: %.200s", cont);
        as_send_status(q, 400, "BadRequest", msg, NULL);
        return false;
    }
    return filter_parse_in(q, a, &c->filter) == 0;
}

typedef struct collect {
    as_req *q;
    kv_value *items;
    size_t n, cap;
} collect;

static int collect_item(void *ctx, const kv_value *obj, uint64_t rv)
{
    (void)rv;
    collect *k = ctx;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 64;
        kv_value *nv = ks_arena_alloc(k->q->a, cap * sizeof *nv);
        if (!nv)
            return KS_ENOMEM;
        if (k->n)
            memcpy(nv, k->items, k->n * sizeof *nv);
        k->items = nv;
        k->cap = cap;
    }
    k->items[k->n++] = *obj;
    return 0;
}

static int collect_virtual(void *ctx, const kv_value *obj)
{
    return collect_item(ctx, obj, 0);
}

/* {apiVersion, kind: <Kind>List, metadata, items}. */
static int typed_list(as_req *q, const kv_value *items, size_t n, const kube_list_meta *lm,
                      kv_value *out)
{
    ks_arena *a = q->a;
    char gv[256], kind[256];
    snprintf(gv, sizeof gv, "%s/%s", q->s->o.group->group, q->s->o.group->version);
    snprintf(kind, sizeof kind, "%sList", q->r->kind);
    kv_member md[2];
    size_t nmd = 0;
    if (lm->cont && *lm->cont) {
        md[nmd].key = kv_str_ref("continue", 8);
        if (kv_str_copy(a, lm->cont, strlen(lm->cont), &md[nmd++].val) < 0)
            return KS_ELIMIT;
    }
    md[nmd].key = kv_str_ref("resourceVersion", 15);
    if (kv_str_copy(a, lm->resource_version, strlen(lm->resource_version), &md[nmd++].val) < 0)
        return KS_ELIMIT;
    kv_member m[4];
    m[0].key = kv_str_ref("apiVersion", 10);
    m[1].key = kv_str_ref("kind", 4);
    m[2].key = kv_str_ref("metadata", 8);
    m[3].key = kv_str_ref("items", 5);
    if (kv_str_copy(a, gv, strlen(gv), &m[0].val) < 0 ||
        kv_str_copy(a, kind, strlen(kind), &m[1].val) < 0 ||
        kv_object_new(a, md, nmd, KV_DUP_LAST_WINS, &m[2].val, NULL) < 0 ||
        kv_array_new(a, items, n, &m[3].val) < 0)
        return KS_ELIMIT;
    return kv_object_new(a, m, 4, KV_DUP_LAST_WINS, out, NULL);
}

/* The list document around items: kind XList (or a Table, or a
 * PartialObjectMetadataList). */
static void answer_list(as_req *q, const kv_value *items, size_t n, uint64_t rev, uint64_t cont)
{
    char revs[24], conts[24];
    snprintf(revs, sizeof revs, "%llu", (unsigned long long)rev);
    snprintf(conts, sizeof conts, "%llu", (unsigned long long)cont);
    kube_list_meta lm = {.resource_version = revs, .cont = cont ? conts : NULL};
    kv_value out;
    int rc;
    if (q->repr == AS_TABLE)
        rc = kube_table(q->a, items, n, q->mversion, q->include, false, &lm, &out);
    else if (q->repr == AS_POMLIST || q->repr == AS_POM)
        rc = kube_pom_list(q->a, items, n, q->mversion, &lm, &out);
    else
        rc = typed_list(q, items, n, &lm, &out);
    if (rc < 0) {
        as_send_status(q, 500, "InternalError", "could not build the list", NULL);
        return;
    }
    as_repr saved = q->repr;
    if (q->repr != AS_YAML)
        q->repr = AS_JSON;
    as_send_value(q, 200, &out);
    q->repr = saved;
}

/* A streamed JSON list. */
typedef struct lstream {
    cursor c;
    ks_arena a;    /* the stream's own memory: selectors, names */
    ks_arena page; /* one step's objects */
    as_req q;      /* a copy for views; nr is not used after the handler */
    uint64_t rev;
    int phase;       /* 0 header, 1 items, 2 done */
    bool holds_gate; /* the kind's gate, released when the stream ends */
    bool first;
    ks_buf *out;
} lstream;

static int stream_item(void *ctx, const kv_value *obj, uint64_t rv)
{
    (void)rv;
    lstream *ls = ctx;
    if (!ls->first)
        ks_buf_putc(ls->out, ',');
    ls->first = false;
    return kv_json_write(ls->out, obj, 0);
}

static int lstream_next(void *ctx, ks_buf *out, int wait_ms, bool stopping)
{
    (void)wait_ms;
    lstream *ls = ctx;
    if (stopping)
        return KS_EIO;
    if (ls->phase == 0) {
        ks_buf_printf(out, "{\"apiVersion\":\"%s/%s\",\"kind\":\"%sList\",\"items\":[",
                      ls->q.s->o.group->group, ls->q.s->o.group->version, ls->q.r->kind);
        ls->phase = 1;
        return NET_STREAM_MORE;
    }
    ks_arena_reset(&ls->page);
    ls->q.a = &ls->page;
    ls->out = out;
    ks_error err = {0};
    if (cursor_step(&ls->c, &ls->q, stream_item, ls, &err) < 0)
        return KS_EIO; /* the client sees a truncated body, never a wrong one */
    if (!cursor_done(&ls->c))
        return NET_STREAM_MORE;
    ks_buf_printf(out, "],\"metadata\":{\"resourceVersion\":\"%llu\"", (unsigned long long)ls->rev);
    if (ls->c.cont)
        ks_buf_printf(out, ",\"continue\":\"%llu\"", (unsigned long long)ls->c.cont);
    ks_buf_puts(out, "}}");
    return NET_STREAM_END;
}

static void lstream_free(void *ctx, enum net_stream_close why)
{
    (void)why;
    lstream *ls = ctx;
    if (ls->holds_gate)
        as_gate_leave(ls->q.s, ls->q.ri);
    ks_arena_free(&ls->page);
    ks_arena_free(&ls->a);
    ks_xfree(ls);
}

void as_list(as_req *q)
{
    const kube_hooks *h = &q->s->o.hooks;
    uint64_t rev = kstore_revision(q->s->o.store);
    if (h->is_virtual && h->is_virtual(h->ctx, q->r)) {
        as_filter f;
        if (as_filter_parse(q, &f) < 0)
            return;
        collect k = {q, NULL, 0, 0};
        ks_error err = {0};
        if (h->virtual_list(h->ctx, q->r, q->ns, as_full_spec(q), q->a, collect_virtual, &k, &err) <
            0) {
            as_internal(q, &err);
            return;
        }
        size_t m = 0;
        for (size_t i = 0; i < k.n; i++)
            if (as_filter_match(&f, &k.items[i]))
                k.items[m++] = k.items[i];
        answer_list(q, k.items, m, rev, 0);
        return;
    }
    if (q->repr == AS_JSON) {
        lstream *ls = ks_xcalloc(1, sizeof *ls);
        ks_arena_init(&ls->a, NULL, 0);
        ks_arena_init(&ls->page, NULL, 0);
        ls->q = *q;
        ls->q.nr = NULL;
        ls->rev = rev;
        ls->first = true;
        if (!cursor_init(q, &ls->c, &ls->a)) {
            lstream_free(ls, NET_STREAM_CLOSED_ERROR);
            return;
        }
        net_response_status(q->resp, 200);
        as_resp_header(q, "Content-Type", "application/json");
        as_resp_header(q, "Cache-Control", "no-cache, private");
        /* the list's work happens in the stream: it keeps the kind's gate */
        ls->holds_gate = q->resp != NULL;
        q->gate_to_stream = ls->holds_gate;
        net_response_stream(q->resp, lstream_next, lstream_free, ls);
        return;
    }
    /* tables, metadata lists and YAML: one page in memory */
    cursor c;
    if (!cursor_init(q, &c, q->a))
        return;
    collect k = {q, NULL, 0, 0};
    ks_error err = {0};
    while (!cursor_done(&c))
        if (cursor_step(&c, q, collect_item, &k, &err) < 0) {
            as_internal(q, &err);
            return;
        }
    answer_list(q, k.items, k.n, rev, c.cont);
}

/* ---- DELETECOLLECTION ---- */

void as_delete_collection(as_req *q)
{
    const kube_hooks *h = &q->s->o.hooks;
    if (h->is_virtual && h->is_virtual(h->ctx, q->r)) {
        as_send_status(q, 405, "MethodNotAllowed", "computed objects cannot be deleted", NULL);
        return;
    }
    /* a cluster-scoped kind, or one namespace: the router answers 404 for a
     * namespaced kind without one, as kube-apiserver */
    cursor c;
    if (!cursor_init(q, &c, q->a))
        return;
    c.meta_only = true;
    c.limit = 0;
    collect k = {q, NULL, 0, 0};
    ks_error err = {0};
    while (!cursor_done(&c))
        if (cursor_step(&c, q, collect_item, &k, &err) < 0) {
            as_internal(q, &err);
            return;
        }
    kstore *st = q->s->o.store;
    size_t deleted = 0;
    for (size_t i = 0; i < k.n; i += DELETE_BATCH) {
        size_t end = i + DELETE_BATCH < k.n ? i + DELETE_BATCH : k.n;
        if (kstore_batch_begin(st, &err) < 0) {
            as_internal(q, &err);
            return;
        }
        for (size_t j = i; j < end; j++) {
            const kv_value *md = kv_obj_get(&k.items[j], "metadata", 8);
            const kv_value *nm = md ? kv_obj_get(md, "name", 4) : NULL;
            const kv_value *ns = md ? kv_obj_get(md, "namespace", 9) : NULL;
            if (!nm || nm->kind != KV_STRING)
                continue;
            ks_error e2 = {0};
            int rc = kstore_delete(st, q->r->plural, ns && ns->kind == KV_STRING ? ns->u.s : "",
                                   nm->u.s, 0, NULL, &e2);
            if (rc == 0)
                k.items[deleted++] = k.items[j];
        }
        if (kstore_batch_commit(st, &err) < 0) {
            as_internal(q, &err);
            return;
        }
    }
    answer_list(q, k.items, deleted, kstore_revision(st), 0);
}

/* ---- WATCH ---- */

typedef struct wstream {
    kube_apiserver *s;
    as_req q; /* for views; nr is not used after the handler */
    ks_arena a, page;
    kstore_watch *w;
    as_filter filter;
    bool meta_only, bookmarks, table;
    bool filtered; /* a label or field selector was given */
    cursor init;   /* synthetic ADDED events of the current state */
    bool initial;
    bool busy; /* the last chunk carried events: more are likely coming */
    uint64_t last_rv;
    int64_t deadline, next_bookmark; /* monotonic ns */
    char *error_event;               /* an ERROR event to send, then end */
    ks_buf *out;
} wstream;

static int write_event(wstream *ws, const char *type, const kv_value *obj)
{
    ks_buf *out = ws->out;
    ks_buf_printf(out, "{\"type\":\"%s\",\"object\":", type);
    if (ws->table) {
        kv_value t;
        if (kube_table(ws->q.a, obj, 1, ws->q.mversion, ws->q.include, false, NULL, &t) < 0)
            return KS_ENOMEM;
        kv_json_write(out, &t, 0);
    } else if (ws->q.repr == AS_POM || ws->q.repr == AS_POMLIST) {
        /* metadata informers watch PartialObjectMetadata */
        kv_value t;
        if (kube_pom(ws->q.a, obj, ws->q.mversion, &t) < 0)
            return KS_ENOMEM;
        kv_json_write(out, &t, 0);
    } else {
        kv_json_write(out, obj, 0);
    }
    return ks_buf_puts(out, "}\n");
}

static int initial_item(void *ctx, const kv_value *obj, uint64_t rv)
{
    (void)rv;
    return write_event(ctx, "ADDED", obj);
}

/* Writes one event (released here) as the watcher wants it. */
static int send_event(wstream *ws, kstore_event *ev, ks_buf *out)
{
    int rc;
    ws->last_rv = ev->rv;
    kv_value obj;
    ks_error err = {0};
    bool meta = ws->meta_only || ev->type == KSTORE_DELETED;
    /* every unfiltered JSON watcher sends the same line for an event:
     * rendered once, shared through the event */
    bool shared = !ws->filtered && !ws->table && ws->q.repr != AS_POM && ws->q.repr != AS_POMLIST;
    size_t clen;
    const char *line = shared ? kstore_event_cached(ev, meta ? 0 : 1, &clen) : NULL;
    if (line) {
        ks_buf_append(out, line, clen);
        kstore_event_release(ev);
        return 0;
    }
    rc = as_parse_view(&ws->q, meta ? ev->meta : ev->json, meta ? ev->meta_len : ev->len, meta,
                       &obj, &err);
    const char *type = ev->type == KSTORE_ADDED      ? "ADDED"
                       : ev->type == KSTORE_MODIFIED ? "MODIFIED"
                                                     : "DELETED";
    bool now_in = rc == 0 && as_filter_match(&ws->filter, &obj);
    if (rc == 0 && ev->type == KSTORE_MODIFIED && ev->prev_meta && ws->filtered) {
        /* with a selector, an update that moves the object into or out of
         * the selection is an ADDED or a DELETED, as kube-apiserver's watch
         * cache sends them */
        kv_value prev;
        bool was_in =
                as_parse_view(&ws->q, ev->prev_meta, ev->prev_meta_len, true, &prev, &err) == 0 &&
                as_filter_match(&ws->filter, &prev);
        if (!was_in && now_in)
            type = "ADDED";
        else if (was_in && !now_in) {
            type = "DELETED";
            now_in = true;
        }
    }
    if (now_in && shared && rc == 0) {
        ks_buf one = KS_BUF_INIT;
        ks_buf *saved = ws->out;
        ws->out = &one;
        rc = write_event(ws, type, &obj);
        ws->out = saved;
        if (rc >= 0 && !one.err) {
            size_t n;
            char *text = ks_buf_detach(&one, &n);
            line = kstore_event_cache_put(ev, meta ? 0 : 1, text, n, &clen);
            if (line)
                ks_buf_append(out, line, clen);
        }
        ks_buf_free(&one);
    } else if (now_in) {
        rc = write_event(ws, type, &obj);
    }
    kstore_event_release(ev);
    return rc < 0 ? rc : 0;
}

/* Sends ev, then whatever else is already waiting (up to 64 KiB), so a
 * burst of writes goes out in few chunks. After the first event of a quiet
 * stream, a short pause lets the next ones gather instead of waking this
 * thread once per write (with 50 watchers, 50 wake-ups a write); a stream
 * that keeps receiving events is then served once per WATCH_BUSY_NS. Events
 * reach a watcher at most that much later than they could. */
static int drain_events(wstream *ws, kstore_event *ev, ks_buf *out, bool paused)
{
    int rc;
    for (;;) {
        if ((rc = send_event(ws, ev, out)) < 0)
            return rc;
        if (out->len >= WATCH_CHUNK)
            break;
        rc = kstore_watch_next(ws->w, 0, ev);
        if (rc == KSTORE_WATCH_DROPPED || rc == KSTORE_WATCH_CLOSED)
            return out->len ? NET_STREAM_MORE : NET_STREAM_END;
        if (rc == KSTORE_WATCH_TIMEOUT && !paused) {
            struct timespec ts = {0, WATCH_GATHER_NS};
            nanosleep(&ts, NULL);
            paused = true;
            rc = kstore_watch_next(ws->w, 0, ev);
            if (rc == KSTORE_WATCH_DROPPED || rc == KSTORE_WATCH_CLOSED)
                return out->len ? NET_STREAM_MORE : NET_STREAM_END;
        }
        if (rc != KSTORE_WATCH_EVENT)
            break;
    }
    ws->busy = true;
    return NET_STREAM_MORE;
}

/* A BOOKMARK: an object of the watched kind that carries only its
 * resourceVersion, in the representation the watcher asked for (a metadata
 * informer decodes every event as PartialObjectMetadata, bookmarks too, as
 * kube-apiserver transforms them). */
static int send_bookmark(wstream *ws, uint64_t rev)
{
    char text[512];
    int n = snprintf(text, sizeof text,
                     "{\"kind\":\"%s\",\"apiVersion\":\"%s/%s\",\"metadata\":{\"resourceVersion\":"
                     "\"%llu\"}}",
                     ws->q.r->kind, ws->s->o.group->group, ws->s->o.group->version,
                     (unsigned long long)rev);
    if (n < 0 || (size_t)n >= sizeof text)
        return KS_ELIMIT;
    kv_json_opts jo = {.source = "bookmark"};
    kv_value obj;
    ks_error err = {0};
    if (kv_json_parse(ws->q.a, text, (size_t)n, &jo, &obj, &err) < 0)
        return KS_EINVAL;
    return write_event(ws, "BOOKMARK", &obj);
}

static int wstream_next(void *ctx, ks_buf *out, int wait_ms, bool stopping)
{
    wstream *ws = ctx;
    ws->out = out;
    if (stopping)
        return NET_STREAM_END;
    if (ws->error_event) {
        ks_buf_puts(out, ws->error_event);
        return NET_STREAM_END;
    }
    ks_arena_reset(&ws->page);
    ws->q.a = &ws->page;
    if (ws->initial) {
        ks_error err = {0};
        if (cursor_step(&ws->init, &ws->q, initial_item, ws, &err) < 0)
            return KS_EIO;
        if (cursor_done(&ws->init))
            ws->initial = false;
        return NET_STREAM_MORE;
    }
    int64_t now = ks_time_mono();
    if (now >= ws->deadline)
        return NET_STREAM_END;
    if (!ws->w) { /* computed kinds: an idle stream until the deadline */
        struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        return NET_STREAM_MORE;
    }
    kstore_event ev;
    int rc;
    if (ws->busy) {
        /* Under a stream of writes, sleep the whole gathering window and
         * take everything that came: one wake-up per window, not one per
         * write and another for the pause (with 50 watchers the wake-ups
         * cost more than the events). */
        struct timespec ts = {0, WATCH_BUSY_NS};
        nanosleep(&ts, NULL);
        rc = kstore_watch_next(ws->w, 0, &ev);
        if (rc == KSTORE_WATCH_TIMEOUT)
            ws->busy = false; /* the stream went quiet: wait for the next event */
        else if (rc == KSTORE_WATCH_EVENT)
            return drain_events(ws, &ev, out, true);
    }
    if (!ws->busy)
        rc = kstore_watch_next(ws->w, wait_ms, &ev);
    if (rc == KSTORE_WATCH_DROPPED || rc == KSTORE_WATCH_CLOSED)
        return NET_STREAM_END; /* the client watches again, or relists on 410 */
    if (rc == KSTORE_WATCH_TIMEOUT) {
        if (ws->bookmarks && now >= ws->next_bookmark) {
            ws->next_bookmark = now + (int64_t)ws->s->o.bookmark_interval_ms * 1000000;
            uint64_t rev = ws->last_rv > 0 ? ws->last_rv : kstore_revision(ws->s->o.store);
            if (send_bookmark(ws, rev) < 0)
                return KS_EIO;
        }
        return NET_STREAM_MORE;
    }
    if (rc != KSTORE_WATCH_EVENT)
        return KS_EIO;
    return drain_events(ws, &ev, out, false);
}

static void wstream_free(void *ctx, enum net_stream_close why)
{
    (void)why;
    wstream *ws = ctx;
    if (ws->w)
        kstore_watch_close(ws->w);
    ks_xfree(ws->error_event);
    ks_arena_free(&ws->page);
    ks_arena_free(&ws->a);
    ks_xfree(ws);
}

void as_watch(as_req *q)
{
    const kube_hooks *h = &q->s->o.hooks;
    const char *sie = as_query(q, "sendInitialEvents");
    if (sie && strcmp(sie, "true") == 0) {
        kube_problem p = {.code = 422,
                          .reason = "Invalid",
                          .field = "sendInitialEvents",
                          .cause = "FieldValueForbidden",
                          .message = "Forbidden: sendInitialEvents is forbidden for watch unless "
                                     "the WatchList feature gate is enabled"};
        as_send_problem(q, &p, NULL);
        return;
    }
    wstream *ws = ks_xcalloc(1, sizeof *ws);
    ks_arena_init(&ws->a, NULL, 0);
    ks_arena_init(&ws->page, NULL, 0);
    ws->s = q->s;
    ws->q = *q;
    ws->q.nr = NULL;
    ws->table = q->repr == AS_TABLE;
    const char *bm = as_query(q, "allowWatchBookmarks");
    ws->bookmarks = bm && strcmp(bm, "true") == 0;
    const char *rvq = as_query(q, "resourceVersion");
    ws->meta_only = !(rvq && strcmp(rvq, "fullSpec") == 0);
    int64_t now = ks_time_mono();
    const char *ts = as_query(q, "timeoutSeconds");
    uint64_t tsec = 0;
    if (!ts || !parse_u64(ts, &tsec) || tsec == 0)
        tsec = (uint64_t)(q->s->o.watch_timeout_s ? q->s->o.watch_timeout_s : 1800);
    ws->deadline = now + (int64_t)tsec * KS_NS_PER_SEC;
    ws->next_bookmark = now + (int64_t)q->s->o.bookmark_interval_ms * 1000000;
    if (filter_parse_in(q, &ws->a, &ws->filter) < 0) {
        wstream_free(ws, NET_STREAM_CLOSED_ERROR);
        return;
    }
    ws->filtered = ws->filter.labels.n || ws->filter.fields.n;
    net_response_status(q->resp, 200);
    as_resp_header(q, "Content-Type", "application/json");
    as_resp_header(q, "Cache-Control", "no-cache, private");
    if (h->is_virtual && h->is_virtual(h->ctx, q->r)) {
        /* computed objects have no events: an idle watch, as upstream */
        net_response_stream(q->resp, wstream_next, wstream_free, ws);
        return;
    }
    uint64_t from = 0;
    bool numeric = rvq && parse_u64(rvq, &from) && from > 0;
    ks_error err = {0};
    uint64_t rev = kstore_revision(q->s->o.store);
    int rc = kstore_watch_open(q->s->o.store, q->r->plural, q->ns, numeric ? from : rev, &ws->w,
                               &err);
    if (rc == KS_ERANGE) {
        kv_value st;
        char msg[200];
        snprintf(msg, sizeof msg, "too old resource version: %llu (%llu)", (unsigned long long)from,
                 (unsigned long long)rev);
        ks_buf b = KS_BUF_INIT;
        if (kube_status(q->a, 410, "Expired", msg, NULL, &st) == 0) {
            ks_buf_puts(&b, "{\"type\":\"ERROR\",\"object\":");
            kv_json_write(&b, &st, 0);
            ks_buf_puts(&b, "}\n");
        }
        ws->error_event = ks_buf_detach(&b, NULL);
        ws->w = NULL;
        net_response_stream(q->resp, wstream_next, wstream_free, ws);
        return;
    }
    if (rc < 0) {
        wstream_free(ws, NET_STREAM_CLOSED_ERROR);
        as_internal(q, &err);
        return;
    }
    ws->last_rv = numeric ? from : rev;
    if (!numeric && !(rvq && strcmp(rvq, "fullSpec") == 0) &&
        !(rvq && strcmp(rvq, "metadata") == 0)) {
        /* unset or "0": synthetic ADDED events of the current state first */
        memset(&ws->init, 0, sizeof ws->init);
        ws->init.s = q->s;
        ws->init.ri = q->ri;
        ws->init.meta_only = ws->meta_only;
        ws->init.ns = q->ns ? ks_arena_strndup(&ws->a, q->ns, strlen(q->ns)) : NULL;
        ws->init.filter = ws->filter;
        ws->initial = true;
    }
    net_response_stream(q->resp, wstream_next, wstream_free, ws);
}
