/* The HTTP server on libmicrohttpd (see server.h).
 *
 * libmicrohttpd runs one thread per connection. A request's state (struct
 * net_request) is made by the URI log callback, which sees the raw request
 * target, and freed by the completion callback. A connection's state (its
 * remote address and client certificate, verified once) lives from the
 * connection-start notification to the close notification. Streaming
 * responses are content-reader callbacks that run in the connection's
 * thread and poll the producer with a bounded wait, checking in between
 * whether the client hung up or the server is stopping. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/ascii.h"
#include "net/server.h"
#include "net/tls.h"

#define MAX_RESPONSE_HEADERS 64
#define MAX_PEM_FILE         (1u << 20)
#define STREAM_BLOCK         (32u << 10)
#define STREAM_MAX_CHUNK     (16u << 20)
/* TLS 1.2 and 1.3 only, as Kubernetes API servers default to, with AEAD
 * ciphers only and AES-128-GCM chosen first whatever the client prefers (as
 * Go's servers do on CPUs with AES instructions): watch streams carry every
 * stored object to every watcher, and AES-128 encrypts them a third faster
 * than AES-256. */
#define TLS_PRIORITIES                                                                  \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:" \
    "+CHACHA20-POLY1305:%SERVER_PRECEDENCE"
#define DISCARD_MAX (1u << 20) /* body bytes read past the limit to answer 413 */

static KS_MEM_ACCOUNT(server_acct, "net_server");

struct net_server {
    struct MHD_Daemon *d;
    net_server_opts o;
    uint16_t port;
    bool tls;
    char *cert, *key, *trust_pem;
    net_tls_trust *trust[NET_SERVER_MAX_CA_BUNDLES];
    char *bundle_name[NET_SERVER_MAX_CA_BUNDLES];
    size_t ntrust;
    atomic_bool stopping;
    pthread_mutex_t mu; /* guards nstreams, last_log and trust verification */
    pthread_cond_t cv;
    int nstreams;
    char last_log[256];
    atomic_uint_fast64_t requests, refused, streams_total;
    atomic_uint open_conns;
};

typedef struct conn_state {
    ks_arena arena;
    bool cert_done;
    net_client_cert cert;
    char remote[INET6_ADDRSTRLEN];
} conn_state;

typedef struct header {
    const char *name, *value;
} header;

typedef struct param {
    const char *name, *value;
} param;

struct net_request {
    net_server *srv;
    struct MHD_Connection *conn;
    conn_state *cs;
    ks_arena arena;
    char *target; /* the raw request target */
    const char *method, *path, *query;
    const char **segs;
    size_t nsegs;
    param *params;
    size_t nparams;
    header *hdrs;
    size_t nhdrs, caphdrs;
    ks_buf body;
    size_t limit;
    size_t discarded; /* body bytes dropped after a refusal */
    bool started;
    bool refused;     /* an error response is queued */
    bool pending_413; /* the body was too large: 413 once it has been read */
};

struct net_response {
    net_request *req;
    int status;
    header hdrs[MAX_RESPONSE_HEADERS];
    size_t nhdrs;
    char *body;
    size_t len;
    bool owned;
    net_stream_next_fn next;
    net_stream_free_fn free_fn;
    void *stream_ctx;
};

typedef struct stream {
    net_server *srv;
    int fd;
    net_stream_next_fn next;
    net_stream_free_fn free_fn;
    void *ctx;
    ks_buf pending;
    size_t off;
    bool ended;
    int why; /* enum net_stream_close, or -1 while open */
} stream;

/* ---- request parsing ---- */

/* Percent-decodes s[0..n) into the arena; NULL on a bad escape or a NUL. */
static const char *decode(ks_arena *a, const char *s, size_t n, bool plus)
{
    char *out = ks_arena_alloc_bytes(a, n + 1);
    size_t j = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? ks_hexval((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? ks_hexval((unsigned char)s[i + 2]) : -1;
            if (lo < 0)
                return NULL;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == '\0')
            return NULL;
        out[j++] = c;
    }
    out[j] = '\0';
    return out;
}

static const char *parse_target(net_request *r)
{
    const char *t = r->target;
    if (t[0] != '/')
        return "request target is not an absolute path";
    const char *q = strchr(t, '?');
    size_t plen = q ? (size_t)(q - t) : strlen(t);
    r->path = ks_arena_strndup(&r->arena, t, plen);
    r->query = q ? q + 1 : "";
    r->segs = ks_arena_alloc(&r->arena, NET_SERVER_MAX_SEGMENTS * sizeof *r->segs);
    r->params = ks_arena_alloc(&r->arena, NET_SERVER_MAX_QUERY_PARAMS * sizeof *r->params);
    if (!r->path || !r->segs || !r->params)
        return "out of memory";
    /* the pieces between slashes after the first, less an empty last one:
     * "/a//b/" is "a", "", "b" */
    for (size_t i = 1; i < plen;) {
        size_t j = i;
        while (j < plen && t[j] != '/')
            j++;
        if (r->nsegs == NET_SERVER_MAX_SEGMENTS)
            return "too many path segments";
        const char *seg = decode(&r->arena, t + i, j - i, false);
        if (!seg)
            return "bad percent-encoding in the path";
        r->segs[r->nsegs++] = seg;
        i = j + 1;
    }
    const char *s = r->query;
    size_t qlen = strlen(s);
    for (size_t i = 0; i < qlen;) {
        size_t j = i;
        while (j < qlen && s[j] != '&')
            j++;
        if (j > i) {
            if (r->nparams == NET_SERVER_MAX_QUERY_PARAMS)
                return "too many query parameters";
            const char *eq = memchr(s + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
            param *p = &r->params[r->nparams];
            p->name = decode(&r->arena, s + i, klen, true);
            p->value = eq ? decode(&r->arena, eq + 1, (size_t)(s + j - eq - 1), true) : "";
            if (!p->name || !p->value)
                return "bad percent-encoding in the query";
            r->nparams++;
        }
        i = j + 1;
    }
    return NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    net_request *r = cls;
    (void)kind;
    if (r->nhdrs == r->caphdrs) {
        size_t cap = r->caphdrs ? r->caphdrs * 2 : 16;
        header *h = ks_arena_alloc(&r->arena, cap * sizeof *h);
        if (!h)
            return MHD_NO;
        if (r->nhdrs)
            memcpy(h, r->hdrs, r->nhdrs * sizeof *h);
        r->hdrs = h;
        r->caphdrs = cap;
    }
    r->hdrs[r->nhdrs++] = (header){key, value ? value : ""};
    return MHD_YES;
}

/* ---- connection state: remote address, client certificate ---- */

static void remote_addr(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "%s", "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], out, (socklen_t)size);
        else
            inet_ntop(AF_INET6, a6, out, (socklen_t)size);
    }
}

static void client_cert(net_server *s, struct MHD_Connection *c, conn_state *cs)
{
    net_client_cert *cc = &cs->cert;
    cs->cert_done = true;
    cc->bundle = -1;
    if (!s->tls)
        return;
    const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(ci->tls_session, &n);
    if (!peers || n == 0)
        return;
    cc->present = true;
    net_tls_der chain[NET_TLS_MAX_CHAIN];
    if (n > NET_TLS_MAX_CHAIN) {
        cc->reason = "certificate chain too long";
        return;
    }
    for (unsigned i = 0; i < n; i++)
        chain[i] = (net_tls_der){peers[i].data, peers[i].size};
    ks_error err;
    ks_error_clear(&err);
    if (net_tls_cert_subject(&chain[0], &cs->arena, &cc->cn, &cc->orgs, &cc->norgs, &err) < 0) {
        cc->cn = NULL;
        cc->orgs = NULL;
        cc->norgs = 0;
        cc->reason = "certificate subject unreadable";
        return;
    }
    /* the reason shown is that of a bundle that knows the issuer, if any */
    const char *reason = "no client CA configured", *why = NULL;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->ntrust; i++) {
        bool ok = net_tls_trust_verify_client(s->trust[i], chain, n, &why);
        if (!ok && (i == 0 || strcmp(why, "unknown issuer") != 0))
            reason = why;
        if (ok) {
            cc->verified = true;
            cc->bundle = (int)i;
            cc->bundle_name = s->bundle_name[i];
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    cc->reason = cc->verified ? NULL : reason;
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    net_server *s = cls;
    (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&s->open_conns, 1);
    else if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        atomic_fetch_sub(&s->open_conns, 1);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_state *cs = ks_xcalloc(1, sizeof *cs);
        ks_arena_init(&cs->arena, &server_acct, 1u << 20);
        cs->remote[0] = '\0';
        *socket_context = cs;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn_state *cs = *socket_context;
        ks_arena_free(&cs->arena);
        ks_xfree(cs);
        *socket_context = NULL;
    }
}

/* ---- responses ---- */

void net_response_status(net_response *resp, int status)
{
    resp->status = status;
}

int net_response_header(net_response *resp, const char *name, const char *value)
{
    if (!name || !*name || !value || strpbrk(name, "\r\n: \t") || strpbrk(value, "\r\n"))
        return KS_EINVAL;
    if (strcasecmp(name, "Content-Length") == 0 || strcasecmp(name, "Transfer-Encoding") == 0)
        return KS_EINVAL;
    if (resp->nhdrs == MAX_RESPONSE_HEADERS)
        return KS_ELIMIT;
    ks_arena *a = &resp->req->arena;
    const char *n = ks_arena_strndup(a, name, strlen(name));
    const char *v = ks_arena_strndup(a, value, strlen(value));
    if (!n || !v)
        return KS_ENOMEM;
    resp->hdrs[resp->nhdrs++] = (header){n, v};
    return 0;
}

static void drop_body(net_response *resp)
{
    if (resp->owned)
        ks_xfree(resp->body);
    resp->body = NULL;
    resp->len = 0;
    resp->owned = false;
}

void net_response_body(net_response *resp, const void *p, size_t n)
{
    drop_body(resp);
    if (n) {
        resp->body = ks_xmalloc(n);
        memcpy(resp->body, p, n);
        resp->len = n;
        resp->owned = true;
    }
}

void net_response_body_owned(net_response *resp, char *p, size_t n)
{
    drop_body(resp);
    resp->body = p;
    resp->len = n;
    resp->owned = p != NULL;
}

void net_response_stream(net_response *resp, net_stream_next_fn next, net_stream_free_fn free_fn,
                         void *ctx)
{
    drop_body(resp);
    if (resp->free_fn)
        resp->free_fn(resp->stream_ctx, NET_STREAM_CLOSED_ERROR);
    resp->next = next;
    resp->free_fn = free_fn;
    resp->stream_ctx = ctx;
}

static bool peer_gone(int fd)
{
    if (fd < 0)
        return false;
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *st = cls;
    net_server *s = st->srv;
    (void)pos;
    for (;;) {
        if (st->off < st->pending.len) {
            size_t n = st->pending.len - st->off;
            if (n > max)
                n = max;
            memcpy(buf, st->pending.data + st->off, n);
            st->off += n;
            return (ssize_t)n;
        }
        if (st->ended)
            return MHD_CONTENT_READER_END_OF_STREAM;
        bool stopping = atomic_load(&s->stopping);
        ks_buf_reset(&st->pending);
        st->off = 0;
        int rc = st->next(st->ctx, &st->pending, s->o.stream_poll_ms, stopping);
        if (rc < 0 || st->pending.err) {
            st->why = NET_STREAM_CLOSED_ERROR;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (rc == NET_STREAM_END) {
            st->ended = true;
            st->why = stopping ? NET_STREAM_CLOSED_STOP : NET_STREAM_CLOSED_END;
        } else if (stopping) {
            st->ended = true;
            st->why = NET_STREAM_CLOSED_STOP;
        } else if (st->pending.len == 0 && peer_gone(st->fd)) {
            st->why = NET_STREAM_CLOSED_CLIENT;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
}

static void stream_free(void *cls)
{
    stream *st = cls;
    net_server *s = st->srv;
    int why = st->why;
    if (why < 0)
        why = atomic_load(&s->stopping) ? NET_STREAM_CLOSED_STOP : NET_STREAM_CLOSED_CLIENT;
    st->free_fn(st->ctx, (enum net_stream_close)why);
    ks_buf_free(&st->pending);
    ks_xfree(st);
    pthread_mutex_lock(&s->mu);
    s->nstreams--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result send_response(net_request *r, net_response *resp)
{
    net_server *s = r->srv;
    struct MHD_Response *m;
    stream *st = NULL;
    int status = resp->status;
    if (!status && resp->next)
        status = 200;
    if (status < 200 || status > 599) /* 1xx are the server's own */
        status = 500;
    if (resp->next) {
        st = ks_xcalloc(1, sizeof *st);
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        st->srv = s;
        st->fd = ci ? ci->connect_fd : -1;
        st->next = resp->next;
        st->free_fn = resp->free_fn;
        st->ctx = resp->stream_ctx;
        st->why = -1;
        resp->next = NULL;
        resp->free_fn = NULL;
        ks_buf_init(&st->pending, STREAM_MAX_CHUNK);
        pthread_mutex_lock(&s->mu);
        s->nstreams++;
        pthread_mutex_unlock(&s->mu);
        atomic_fetch_add(&s->streams_total, 1);
        m = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, st,
                                              stream_free);
        if (!m) {
            st->why = NET_STREAM_CLOSED_ERROR;
            stream_free(st);
            return MHD_NO;
        }
    } else if (resp->owned) {
        m = MHD_create_response_from_buffer_with_free_callback(resp->len, resp->body, ks_xfree);
        if (!m)
            return MHD_NO;
        resp->owned = false;
    } else {
        m = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!m)
            return MHD_NO;
    }
    for (size_t i = 0; i < resp->nhdrs; i++)
        MHD_add_response_header(m, resp->hdrs[i].name, resp->hdrs[i].value);
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)status, m);
    if (ok != MHD_YES && st)
        st->why = NET_STREAM_CLOSED_ERROR;
    MHD_destroy_response(m); /* a stream that was not queued is freed here */
    return ok;
}

static void default_error(net_response *resp, int status, const char *msg)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "%s\n", msg);
    size_t len = 0;
    char *body = ks_buf_detach(&b, &len);
    net_response_status(resp, status);
    net_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
    net_response_body_owned(resp, body, len);
}

static enum MHD_Result send_error(net_request *r, int status, const char *msg)
{
    net_response resp = {.req = r};
    if (r->srv->o.error)
        r->srv->o.error(r->srv->o.ctx, status, msg, &resp);
    if (!resp.status && !resp.next)
        default_error(&resp, status, msg);
    enum MHD_Result ok = send_response(r, &resp);
    drop_body(&resp);
    if (ok == MHD_YES) {
        r->refused = true;
        atomic_fetch_add(&r->srv->refused, 1);
    }
    return ok;
}

/* ---- the request cycle ---- */

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    net_request *r = ks_xcalloc(1, sizeof *r);
    r->srv = cls;
    r->conn = c;
    ks_arena_init(&r->arena, &server_acct, 0);
    r->target = ks_xstrndup(uri ? uri : "", uri ? strlen(uri) : 0);
    return r;
}

static void request_free(net_request *r)
{
    ks_buf_free(&r->body);
    ks_xfree(r->target);
    ks_arena_free(&r->arena);
    ks_xfree(r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    if (*con_cls)
        request_free(*con_cls);
    *con_cls = NULL;
}

/* An HTTP method is a token (RFC 9110 §5.6.2) */
static bool valid_method(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return false;
    }
    return true;
}

static enum MHD_Result start_request(net_request *r, const char *method)
{
    net_server *s = r->srv;
    const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->cs = ci ? ci->socket_context : NULL;
    if (r->cs && !r->cs->cert_done) {
        remote_addr(r->conn, r->cs->remote, sizeof r->cs->remote);
        client_cert(s, r->conn, r->cs);
    }
    r->method = method;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_header, r);
    const char *bad = valid_method(method) ? parse_target(r) : "invalid method";
    if (bad)
        return send_error(r, 400, bad);
    r->limit = s->o.max_body;
    if (s->o.body_limit) {
        size_t l = s->o.body_limit(s->o.ctx, r);
        if (l)
            r->limit = l;
    }
    ks_buf_init(&r->body, r->limit);
    const char *cl = net_request_header(r, "Content-Length");
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || end == cl || *end || cl[0] == '-')
            return send_error(r, 400, "bad Content-Length");
        if (n > r->limit)
            return send_error(r, 413, "request body too large");
    }
    return MHD_YES;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    net_server *s = cls;
    net_request *r = *con_cls;
    (void)version;
    if (!r) {
        r = uri_log(s, url, c);
        *con_cls = r;
    }
    if (!r->started) {
        r->started = true;
        return start_request(r, method);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->refused || r->pending_413) {
            /* the rest of a refused body is read and dropped (so the
             * client gets its 413), up to a bound; past that the
             * connection is closed */
            r->discarded += n;
            return r->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        if (n > r->limit - r->body.len) {
            r->discarded = r->body.len + n - r->limit;
            ks_buf_free(&r->body);
            if (send_error(r, 413, "request body too large") != MHD_YES)
                r->pending_413 = true; /* queued once the body has been read */
            return MHD_YES;
        }
        ks_buf_append(&r->body, upload, n);
        return MHD_YES;
    }
    if (r->pending_413) {
        r->pending_413 = false;
        return send_error(r, 413, "request body too large");
    }
    if (r->refused)
        return MHD_YES;
    net_response resp = {.req = r};
    atomic_fetch_add(&s->requests, 1);
    s->o.handler(s->o.ctx, r, &resp);
    if (!resp.status && !resp.next) {
        drop_body(&resp);
        return send_error(r, 500, "the handler gave no response");
    }
    enum MHD_Result ok = send_response(r, &resp);
    drop_body(&resp);
    if (resp.free_fn) /* the stream was not taken over */
        resp.free_fn(resp.stream_ctx, NET_STREAM_CLOSED_ERROR);
    return ok;
}

/* ---- request accessors ---- */

const char *net_request_method(const net_request *r)
{
    return r->method;
}

const char *net_request_path(const net_request *r)
{
    return r->path;
}

size_t net_request_nsegments(const net_request *r)
{
    return r->nsegs;
}

const char *net_request_segment(const net_request *r, size_t i)
{
    return i < r->nsegs ? r->segs[i] : NULL;
}

const char *net_request_query_raw(const net_request *r)
{
    return r->query;
}

const char *net_request_query_nth(const net_request *r, const char *name, size_t i)
{
    for (size_t k = 0; k < r->nparams; k++)
        if (strcmp(r->params[k].name, name) == 0 && i-- == 0)
            return r->params[k].value;
    return NULL;
}

const char *net_request_query(const net_request *r, const char *name)
{
    return net_request_query_nth(r, name, 0);
}

const char *net_request_header_nth(const net_request *r, const char *name, size_t i)
{
    for (size_t k = 0; k < r->nhdrs; k++)
        if (strcasecmp(r->hdrs[k].name, name) == 0 && i-- == 0)
            return r->hdrs[k].value;
    return NULL;
}

const char *net_request_header(const net_request *r, const char *name)
{
    return net_request_header_nth(r, name, 0);
}

const char *net_request_body(const net_request *r, size_t *len)
{
    if (len)
        *len = r->body.len;
    return ks_buf_cstr(&r->body);
}

const char *net_request_remote_addr(const net_request *r)
{
    return r->cs ? r->cs->remote : "unknown";
}

const net_client_cert *net_request_client_cert(const net_request *r)
{
    static const net_client_cert none = {.bundle = -1};
    return r->cs ? &r->cs->cert : &none;
}

ks_arena *net_request_arena(const net_request *r)
{
    return &((net_request *)r)->arena;
}

/* ---- the server ---- */

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    net_server *s = cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    pthread_mutex_lock(&s->mu);
    snprintf(s->last_log, sizeof s->last_log, "%s", msg);
    pthread_mutex_unlock(&s->mu);
    ks_log_debug("net", "microhttpd", KS_F_STR("detail", msg));
}

static int load_pem(const char *pem, const char *file, const char *what, char **out, ks_error *err)
{
    size_t len;
    if (pem) {
        *out = ks_xstrndup(pem, strlen(pem));
        return 0;
    }
    int rc = ks_file_read(file, MAX_PEM_FILE, out, &len, err);
    if (rc < 0)
        return ks_error_source(err, file);
    if (strlen(*out) != len) {
        ks_xfree(*out);
        *out = NULL;
        return ks_error_set(err, KS_EINVAL, "%s: %s holds a NUL byte", file, what);
    }
    return 0;
}

static int setup_tls(net_server *s, const net_server_opts *o, ks_error *err)
{
    int rc;
    bool has_cert = o->cert_pem || o->cert_file, has_key = o->key_pem || o->key_file;
    if (!has_cert && !has_key) {
        if (o->nclient_cas)
            return ks_error_set(err, KS_EINVAL, "server: client CAs need a TLS certificate");
        return 0;
    }
    if (!has_cert || !has_key)
        return ks_error_set(err, KS_EINVAL, "server: a TLS certificate needs its key");
    if ((rc = load_pem(o->cert_pem, o->cert_file, "certificate", &s->cert, err)) < 0 ||
        (rc = load_pem(o->key_pem, o->key_file, "key", &s->key, err)) < 0)
        return rc;
    gnutls_certificate_credentials_t cred;
    if ((rc = gnutls_certificate_allocate_credentials(&cred)) < 0)
        return ks_error_set(err, KS_EIO, "server: %s", gnutls_strerror(rc));
    gnutls_datum_t c = {(unsigned char *)s->cert, (unsigned)strlen(s->cert)};
    gnutls_datum_t k = {(unsigned char *)s->key, (unsigned)strlen(s->key)};
    rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0)
        return ks_error_set(err, KS_EINVAL, "server: TLS certificate and key %s%s%s: %s",
                            o->cert_file ? o->cert_file : "(PEM)", o->key_file ? ", " : "",
                            o->key_file ? o->key_file : "", gnutls_strerror(rc));
    s->tls = true;
    if (o->nclient_cas > NET_SERVER_MAX_CA_BUNDLES)
        return ks_error_set(err, KS_ELIMIT, "server: more than %d client CA bundles",
                            NET_SERVER_MAX_CA_BUNDLES);
    ks_buf all = KS_BUF_INIT;
    for (size_t i = 0; i < o->nclient_cas; i++) {
        const net_ca_bundle *b = &o->client_cas[i];
        char *pem;
        const char *name = b->name ? b->name : b->file ? b->file : "client-ca";
        if ((rc = load_pem(b->pem, b->file, name, &pem, err)) < 0)
            break;
        rc = net_tls_trust_new(name, pem, NULL, &s->trust[i], err);
        if (rc == 0) {
            ks_buf_puts(&all, pem);
            ks_buf_putc(&all, '\n');
        }
        ks_xfree(pem);
        if (rc < 0)
            break;
        s->bundle_name[i] = ks_xstrndup(name, strlen(name));
        s->ntrust = i + 1;
    }
    if (rc < 0) {
        ks_buf_free(&all);
        return rc;
    }
    if (s->ntrust)
        s->trust_pem = ks_buf_detach(&all, NULL);
    ks_buf_free(&all);
    return 0;
}

static int parse_bind(const char *bind, uint16_t port, struct sockaddr_storage *ss, unsigned *flags,
                      ks_error *err)
{
    memset(ss, 0, sizeof *ss);
    if (!bind)
        bind = "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return 0;
    }
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *flags |= IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
        return 0;
    }
    return ks_error_set(err, KS_EINVAL, "server: bind address \"%s\" is not an IP literal", bind);
}

static void server_free(net_server *s)
{
    for (size_t i = 0; i < NET_SERVER_MAX_CA_BUNDLES; i++) {
        net_tls_trust_free(s->trust[i]);
        ks_xfree(s->bundle_name[i]);
    }
    ks_xfree(s->cert);
    ks_xfree(s->key);
    ks_xfree(s->trust_pem);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    ks_xfree(s);
}

int net_server_start(const net_server_opts *o, net_server **out, ks_error *err)
{
    *out = NULL;
    if (!o || !o->handler)
        return ks_error_set(err, KS_EINVAL, "server: no handler");
    net_server *s = ks_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->o = *o;
    s->o.client_cas = NULL;
    if (!s->o.max_body)
        s->o.max_body = NET_SERVER_DEFAULT_MAX_BODY;
    if (!s->o.max_conns)
        s->o.max_conns = NET_SERVER_DEFAULT_MAX_CONNS;
    if (!s->o.timeout_s)
        s->o.timeout_s = NET_SERVER_DEFAULT_TIMEOUT_S;
    if (!s->o.max_header_bytes)
        s->o.max_header_bytes = NET_SERVER_DEFAULT_HEADER_BYTES;
    if (s->o.stream_poll_ms <= 0)
        s->o.stream_poll_ms = NET_SERVER_DEFAULT_STREAM_POLL_MS;
    if (s->o.stop_grace_ms <= 0)
        s->o.stop_grace_ms = NET_SERVER_DEFAULT_STOP_GRACE_MS;
    struct sockaddr_storage ss;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    int rc = parse_bind(o->bind, o->port, &ss, &flags, err);
    if (rc == 0)
        rc = setup_tls(s, o, err);
    if (rc < 0) {
        server_free(s);
        return rc;
    }
    struct MHD_OptionItem opts[20];
    size_t n = 0;
#define OPT(o_, v_, p_) (opts[n++] = (struct MHD_OptionItem){(o_), (intptr_t)(v_), (void *)(p_)})
    OPT(MHD_OPTION_CONNECTION_LIMIT, s->o.max_conns, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout_s, NULL);
    /* the connection's memory pool holds the request line and headers
     * (plus a little for the write buffer) */
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->o.max_header_bytes + 8192, NULL);
    OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
    OPT(MHD_OPTION_URI_LOG_CALLBACK, uri_log, s);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, completed, s);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s);
    OPT(MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, s);
    OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s);
    if (s->tls) {
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert);
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, s->key);
        OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, TLS_PRIORITIES);
        if (s->trust_pem)
            OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, s->trust_pem);
        flags |= MHD_USE_TLS;
    }
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
    s->d = MHD_start_daemon(flags, o->port, NULL, NULL, access_cb, s, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!s->d) {
        int e = errno;
        rc = ks_error_set(err, KS_EIO, "server: cannot listen on %s port %u: %s",
                          o->bind ? o->bind : "127.0.0.1", (unsigned)o->port,
                          s->last_log[0] ? s->last_log : strerror(e));
        server_free(s);
        return rc;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (di && getsockname(di->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
        s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                    : ((struct sockaddr_in *)&bound)->sin_port);
    *out = s;
    return 0;
}

uint16_t net_server_port(const net_server *s)
{
    return s->port;
}

bool net_server_is_tls(const net_server *s)
{
    return s->tls;
}

void net_server_stats_get(const net_server *s, net_server_stats *out)
{
    net_server *m = (net_server *)s; /* the mutex only */
    out->requests = atomic_load(&s->requests);
    out->refused = atomic_load(&s->refused);
    out->streams = atomic_load(&s->streams_total);
    out->open_conns = atomic_load(&s->open_conns);
    pthread_mutex_lock(&m->mu);
    out->open_streams = (unsigned)s->nstreams;
    pthread_mutex_unlock(&m->mu);
}

void net_server_stop(net_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    MHD_socket lfd = MHD_quiesce_daemon(s->d);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += s->o.stop_grace_ms / 1000;
    until.tv_nsec += (long)(s->o.stop_grace_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (s->nstreams > 0)
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&s->mu);
    MHD_stop_daemon(s->d);
    server_free(s);
}

/* ---- requests made in memory ---- */

struct net_exchange {
    net_request req;
    net_response resp;
    ks_buf streamed;
};

int net_exchange_run(net_handler_fn handler, net_error_fn error, void *ctx, const char *method,
                     const char *target, const char *const *headers, size_t nheaders,
                     const char *body, size_t n, size_t max_stream, net_exchange **out)
{
    net_exchange *x = ks_xcalloc(1, sizeof *x);
    *out = x;
    net_request *r = &x->req;
    ks_arena_init(&r->arena, NULL, 0);
    ks_buf_init(&r->body, 0);
    ks_buf_init(&x->streamed, 0);
    x->resp.req = r;
    r->method = ks_arena_strndup(&r->arena, method, strlen(method));
    r->target = ks_arena_strndup(&r->arena, target, strlen(target));
    if (!r->method || !r->target)
        return KS_ENOMEM;
    for (size_t i = 0; i < nheaders; i++) {
        const char *colon = strchr(headers[i], ':');
        if (!colon)
            continue;
        char *name = ks_arena_strndup(&r->arena, headers[i], (size_t)(colon - headers[i]));
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (!name || collect_header(r, MHD_HEADER_KIND, name, v) != MHD_YES)
            return KS_ENOMEM;
    }
    ks_buf_append(&r->body, body ? body : "", n);
    const char *bad = parse_target(r);
    if (bad) {
        if (error)
            error(ctx, 400, bad, &x->resp);
        else
            x->resp.status = 400;
        return 0;
    }
    handler(ctx, r, &x->resp);
    if (!x->resp.status)
        x->resp.status = x->resp.next ? 200 : 500;
    if (x->resp.next) { /* run the stream until it ends, stalls or passes max_stream */
        enum net_stream_close why = NET_STREAM_CLOSED_END;
        for (int idle = 0; idle < 3;) {
            size_t before = x->streamed.len;
            int rc = x->resp.next(x->resp.stream_ctx, &x->streamed, 0, false);
            if (rc < 0) {
                why = NET_STREAM_CLOSED_ERROR;
                break;
            }
            if (rc == NET_STREAM_END)
                break;
            idle = x->streamed.len == before ? idle + 1 : 0;
            if (x->streamed.len > max_stream) {
                why = NET_STREAM_CLOSED_CLIENT;
                break;
            }
            if (idle == 3)
                why = NET_STREAM_CLOSED_CLIENT;
        }
        x->resp.free_fn(x->resp.stream_ctx, why);
        x->resp.next = NULL;
        x->resp.free_fn = NULL;
    }
    return 0;
}

int net_exchange_status(const net_exchange *x)
{
    return x->resp.status;
}

const char *net_exchange_header(const net_exchange *x, const char *name)
{
    for (size_t i = 0; i < x->resp.nhdrs; i++)
        if (strcasecmp(x->resp.hdrs[i].name, name) == 0)
            return x->resp.hdrs[i].value;
    return NULL;
}

const char *net_exchange_body(const net_exchange *x, size_t *len)
{
    if (x->streamed.len) {
        *len = x->streamed.len;
        return x->streamed.data;
    }
    *len = x->resp.len;
    return x->resp.body ? x->resp.body : "";
}

void net_exchange_free(net_exchange *x)
{
    if (!x)
        return;
    drop_body(&x->resp);
    ks_buf_free(&x->streamed);
    ks_buf_free(&x->req.body);
    ks_arena_free(&x->req.arena);
    ks_xfree(x);
}
