/*
 * The Kubernetes REST client of client.h on one libcurl easy handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "core/mem.h"
#include "kube/client.h"
#include "net/curl.h"

#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_RETRIES    5
#define DEFAULT_BACKOFF_MS 10000L
#define DEFAULT_MAX_BODY   ((size_t)256 << 20)
#define FIRST_BACKOFF_MS   100L
#define ERROR_BODY_KEEP    (64u << 10)
#define MAX_TOKEN          (1u << 20)
#define DEFAULT_PAGE_LIMIT 500u

struct kube_client {
    CURL *h;
    ks_arena arena; /* the copied configuration */
    char *server;   /* what URLs start with */
    char *connect_to;
    char *proxy;
    bool insecure;
    char *ca_file, *cert_file, *key_file;
    char *tmpdir; /* inline PEM written here, removed at free */
    char *token, *token_file;
    struct timespec token_mtime;
    off_t token_size;
    char *username, *password;
    struct curl_slist *impersonation;
    kube_client_opts o;
    char errbuf[CURL_ERROR_SIZE];
    long last_status; /* of the last kube_request */
};

static char *adup(ks_arena *a, const char *s)
{
    return s ? ks_arena_strndup(a, s, strlen(s)) : NULL;
}

/* Writes len bytes to DIR/name (created 0600, never over a file); the path. */
static int write_private(kube_client *c, const char *name, const char *data, size_t len,
                         char **path, ks_error *err)
{
    if (!c->tmpdir) {
        const char *t = getenv("TMPDIR");
        char tmpl[4096];
        snprintf(tmpl, sizeof tmpl, "%s/kso-kube-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpl))
            return ks_error_set(err, KS_EIO, "%s: cannot make a private directory: %s", tmpl,
                                strerror(errno));
        c->tmpdir = adup(&c->arena, tmpl);
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", c->tmpdir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ks_error_set(err, KS_EIO, "%s: %s", p, strerror(errno));
    int rc = ks_fd_write_all(fd, data, len);
    if (close(fd) != 0 || rc != 0)
        return ks_error_set(err, KS_EIO, "%s: cannot write: %s", p, strerror(errno));
    *path = adup(&c->arena, p);
    return 0;
}

static void remove_private(kube_client *c)
{
    if (!c->tmpdir)
        return;
    static const char *const names[] = {"ca.crt", "client.crt", "client.key"};
    char p[4200];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", c->tmpdir, names[i]);
        unlink(p);
    }
    rmdir(c->tmpdir);
    c->tmpdir = NULL;
}

/* Reads the token file again when it changed since the last read. */
static int refresh_token(kube_client *c, ks_error *err)
{
    if (!c->token_file)
        return 0;
    struct stat st;
    if (stat(c->token_file, &st) != 0)
        return c->token ? 0 : ks_error_set(err, KS_EIO, "%s: %s", c->token_file, strerror(errno));
    if (c->token && st.st_mtim.tv_sec == c->token_mtime.tv_sec &&
        st.st_mtim.tv_nsec == c->token_mtime.tv_nsec && st.st_size == c->token_size)
        return 0;
    char *data = NULL;
    size_t len = 0;
    int rc = ks_file_read(c->token_file, MAX_TOKEN, &data, &len, err);
    if (rc)
        return c->token ? 0 : rc; /* keep the token we have over a failed re-read */
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
        data[--len] = '\0';
    ks_xfree(c->token);
    c->token = data;
    c->token_mtime = st.st_mtim;
    c->token_size = st.st_size;
    return 0;
}

const char *kube_client_server(const kube_client *c)
{
    return c->server;
}

/* scheme://host[:port] of url as host and port, for CURLOPT_CONNECT_TO. */
static int split_server(const char *url, char *host, size_t hsize, long *port)
{
    bool https = strncmp(url, "https://", 8) == 0;
    const char *p = url + (https ? 8 : 7);
    size_t n = strcspn(p, "/");
    const char *colon = NULL;
    if (*p == '[') {
        const char *close = memchr(p, ']', n);
        if (!close)
            return KS_EINVAL;
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', n);
    }
    size_t hl = colon ? (size_t)(colon - p) : n;
    if (hl == 0 || hl >= hsize)
        return KS_EINVAL;
    memcpy(host, p, hl);
    host[hl] = '\0';
    *port = colon ? strtol(colon + 1, NULL, 10) : (https ? 443 : 80);
    return *port > 0 && *port < 65536 ? 0 : KS_EINVAL;
}

int kube_client_new(const kube_client_config *cfg, const kube_client_opts *opts, kube_client **out,
                    ks_error *err)
{
    *out = NULL;
    int irc = net_curl_init(err);
    if (irc)
        return irc;
    if (!cfg || !cfg->server)
        return ks_error_set(err, KS_EINVAL, "kube client: no server");
    kube_client *c = ks_xcalloc(1, sizeof(*c));
    ks_arena_init(&c->arena, NULL, 0);
    if (opts)
        c->o = *opts;
    if (!c->o.timeout_ms)
        c->o.timeout_ms = DEFAULT_TIMEOUT_MS;
    if (!c->o.max_retries)
        c->o.max_retries = DEFAULT_RETRIES;
    if (c->o.max_retries < 0)
        c->o.max_retries = 0;
    if (!c->o.max_backoff_ms)
        c->o.max_backoff_ms = DEFAULT_BACKOFF_MS;
    if (!c->o.max_body)
        c->o.max_body = DEFAULT_MAX_BODY;
    c->o.user_agent = adup(&c->arena, c->o.user_agent ? c->o.user_agent : "kso");
    c->server = adup(&c->arena, cfg->server);
    c->proxy = adup(&c->arena, cfg->proxy_url);
    c->insecure = cfg->insecure;
    c->username = adup(&c->arena, cfg->username);
    c->password = adup(&c->arena, cfg->password);
    c->token_file = adup(&c->arena, cfg->token_file);
    if (cfg->token && !cfg->token_file)
        c->token = ks_xstrndup(cfg->token, strlen(cfg->token));
    int rc = 0;
    if (cfg->tls_server_name && strncmp(cfg->server, "https://", 8) == 0) {
        /* the URL names the certificate's host; the connection goes to the
         * configured one */
        char host[256];
        long port;
        if (split_server(cfg->server, host, sizeof host, &port) != 0) {
            rc = ks_error_set(err, KS_EINVAL, "kube client: bad server URL %s", cfg->server);
        } else {
            ks_buf b = KS_BUF_INIT;
            ks_buf_printf(&b, "%s:%ld:%s:%ld", cfg->tls_server_name, port, host, port);
            c->connect_to = adup(&c->arena, ks_buf_cstr(&b));
            ks_buf_reset(&b);
            const char *rest = cfg->server + 8 + strcspn(cfg->server + 8, "/");
            ks_buf_printf(&b, "https://%s:%ld%s", cfg->tls_server_name, port, rest);
            c->server = adup(&c->arena, ks_buf_cstr(&b));
            ks_buf_free(&b);
        }
    }
    if (rc == 0 && cfg->ca_pem && !c->insecure)
        rc = cfg->ca_file ? (c->ca_file = adup(&c->arena, cfg->ca_file), 0)
                          : write_private(c, "ca.crt", cfg->ca_pem, cfg->ca_len, &c->ca_file, err);
    if (rc == 0 && cfg->cert_pem)
        rc = cfg->cert_file ? (c->cert_file = adup(&c->arena, cfg->cert_file), 0)
                            : write_private(c, "client.crt", cfg->cert_pem, cfg->cert_len,
                                            &c->cert_file, err);
    if (rc == 0 && cfg->key_pem)
        rc = cfg->key_file ? (c->key_file = adup(&c->arena, cfg->key_file), 0)
                           : write_private(c, "client.key", cfg->key_pem, cfg->key_len,
                                           &c->key_file, err);
    if (rc == 0)
        rc = refresh_token(c, err);
    if (rc == 0 && cfg->impersonate_user) {
        ks_buf b = KS_BUF_INIT;
        ks_buf_printf(&b, "Impersonate-User: %s", cfg->impersonate_user);
        c->impersonation = curl_slist_append(c->impersonation, ks_buf_cstr(&b));
        for (size_t i = 0; i < cfg->nimpersonate_groups; i++) {
            ks_buf_reset(&b);
            ks_buf_printf(&b, "Impersonate-Group: %s", cfg->impersonate_groups[i]);
            c->impersonation = curl_slist_append(c->impersonation, ks_buf_cstr(&b));
        }
        ks_buf_free(&b);
    }
    if (rc == 0 && !(c->h = curl_easy_init()))
        rc = ks_error_set(err, KS_ENOMEM, "libcurl: cannot make a handle");
    if (rc) {
        kube_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void kube_client_free(kube_client *c)
{
    if (!c)
        return;
    if (c->h)
        curl_easy_cleanup(c->h);
    curl_slist_free_all(c->impersonation);
    remove_private(c);
    ks_xfree(c->token);
    ks_arena_free(&c->arena);
    ks_xfree(c);
}

void kube_response_free(kube_response *r)
{
    if (r)
        ks_buf_free(&r->body);
}

/* ---- one attempt ---- */

typedef struct attempt {
    kube_client *c;
    kube_response *r;
    net_curl_body body;
} attempt;

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    attempt *t = ctx;
    size_t len = size * n;
    static const char ra[] = "retry-after:";
    if (len > sizeof ra && strncasecmp(p, ra, sizeof ra - 1) == 0) {
        char *end;
        long v = strtol(p + sizeof ra - 1, &end, 10);
        if (end != p + sizeof ra - 1 && v >= 0)
            t->r->retry_after_s = v;
    }
    return len;
}

/* Reason and message of a Status body; of another body, its first line as
 * the message. */
static void read_status(kube_response *r)
{
    if (!r->body.len)
        return;
    size_t line = strcspn(r->body.data, "\r\n");
    if (r->body.data[0] != '{') {
        snprintf(r->message, sizeof r->message, "%.*s", (int)(line < 200 ? line : 200),
                 r->body.data);
        return;
    }
    ks_arena a;
    ks_arena_init(&a, NULL, 1u << 20);
    kv_json_opts jo = {.source = "response"};
    kv_value v;
    ks_error ignored;
    if (kv_json_parse(&a, r->body.data, r->body.len, &jo, &v, &ignored) == 0 &&
        v.kind == KV_OBJECT) {
        const kv_value *kind = kv_obj_get(&v, "kind", 4);
        if (kind && kind->kind == KV_STRING && strcmp(kind->u.s, "Status") == 0) {
            const kv_value *reason = kv_obj_get(&v, "reason", 6);
            const kv_value *msg = kv_obj_get(&v, "message", 7);
            if (reason && reason->kind == KV_STRING)
                snprintf(r->reason, sizeof r->reason, "%s", reason->u.s);
            if (msg && msg->kind == KV_STRING)
                snprintf(r->message, sizeof r->message, "%s", msg->u.s);
        }
    }
    ks_arena_free(&a);
}

/* How a watch stream is read instead of into the response body. */
typedef struct stream_io {
    curl_write_callback write;
    void *ctx;
    long timeout_ms;
    curl_xferinfo_callback progress;
} stream_io;

static CURLcode perform(kube_client *c, const char *method, const char *path,
                        const char *content_type, const void *body, size_t len, attempt *t,
                        const stream_io *sio)
{
    CURL *h = c->h;
    curl_easy_reset(h);
    ks_buf url = KS_BUF_INIT;
    ks_buf_printf(&url, "%s%s", c->server, path);
    struct curl_slist *hdrs = NULL;
    for (struct curl_slist *s = c->impersonation; s; s = s->next)
        hdrs = curl_slist_append(hdrs, s->data);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    ks_buf hv = KS_BUF_INIT;
    if (body) {
        ks_buf_printf(&hv, "Content-Type: %s", content_type ? content_type : "application/json");
        hdrs = curl_slist_append(hdrs, ks_buf_cstr(&hv));
    }
    if (c->token) {
        ks_buf_reset(&hv);
        ks_buf_printf(&hv, "Authorization: Bearer %s", c->token);
        hdrs = curl_slist_append(hdrs, ks_buf_cstr(&hv));
    }
    struct curl_slist *connect_to = NULL;
    if (c->connect_to)
        connect_to = curl_slist_append(NULL, c->connect_to);
    curl_easy_setopt(h, CURLOPT_URL, ks_buf_cstr(&url));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->o.user_agent);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     c->o.timeout_ms < 15000 ? c->o.timeout_ms : 15000L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    t->body = (net_curl_body){
            .h = h, .buf = &t->r->body, .max = c->o.max_body, .error_keep = ERROR_BODY_KEEP};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sio ? sio->write : net_curl_body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sio ? sio->ctx : (void *)&t->body);
    if (sio) {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, sio->timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sio->progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, sio->ctx);
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (connect_to)
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
    if (c->proxy) { /* the cluster's proxy-url: NO_PROXY does not apply, as in client-go */
        curl_easy_setopt(h, CURLOPT_PROXY, c->proxy);
        curl_easy_setopt(h, CURLOPT_NOPROXY, "");
    }
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (c->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    }
    if (c->cert_file) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
    }
    if (c->username && !c->token) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
    }
    c->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t->r->status);
    curl_slist_free_all(hdrs);
    curl_slist_free_all(connect_to);
    ks_buf_free(&url);
    ks_buf_free(&hv);
    return rc;
}

static bool idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static bool retryable(const char *method, long status, long retry_after)
{
    if (status == 429)
        return true;
    if (status == 500 || status == 502 || status == 503 || status == 504)
        return idempotent(method) || strcmp(method, "DELETE") == 0 || retry_after > 0;
    return false;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int request(kube_client *c, const char *method, const char *path, const char *content_type,
                   const void *body, size_t len, kube_response *r, ks_error *err)
{
    memset(r, 0, sizeof(*r));
    ks_buf_init(&r->body, 0);
    long backoff = FIRST_BACKOFF_MS;
    for (;;) {
        int rc = refresh_token(c, err);
        if (rc)
            return rc;
        ks_buf_reset(&r->body);
        r->status = 0;
        r->reason[0] = r->message[0] = '\0';
        r->retry_after_s = 0;
        attempt t = {.c = c, .r = r};
        CURLcode cc = perform(c, method, path, content_type, body, len, &t, NULL);
        r->attempts++;
        bool last = r->attempts > c->o.max_retries;
        if (t.body.too_big)
            return ks_error_set(err, KS_ELIMIT, "%s %s: response larger than %zu bytes", method,
                                path, c->o.max_body);
        if (cc != CURLE_OK) {
            if (!last && idempotent(method) &&
                (cc == CURLE_COULDNT_CONNECT || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
                 cc == CURLE_GOT_NOTHING || cc == CURLE_OPERATION_TIMEDOUT)) {
                sleep_ms(backoff);
                backoff = backoff * 2 < c->o.max_backoff_ms ? backoff * 2 : c->o.max_backoff_ms;
                continue;
            }
            return ks_error_set(err, KS_EIO, "%s %s%s: %s", method, c->server, path,
                                c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
        }
        if (r->status >= 200 && r->status < 300)
            return 0;
        read_status(r);
        if (!last && retryable(method, r->status, r->retry_after_s)) {
            long wait = r->retry_after_s > 0 ? r->retry_after_s * 1000 : backoff;
            sleep_ms(wait < c->o.max_backoff_ms ? wait : c->o.max_backoff_ms);
            backoff = backoff * 2 < c->o.max_backoff_ms ? backoff * 2 : c->o.max_backoff_ms;
            continue;
        }
        int code = r->status == 404   ? KS_ENOENT
                   : r->status == 409 ? KS_EEXIST
                   : r->status == 410 ? KS_ERANGE
                                      : KS_EIO;
        return ks_error_set(err, code, "%s %s: %ld %s%s%s", method, path, r->status,
                            r->reason[0] ? r->reason : "error", r->message[0] ? ": " : "",
                            r->message);
    }
}

int kube_request(kube_client *c, const char *method, const char *path, const char *content_type,
                 const void *body, size_t len, kube_response *r, ks_error *err)
{
    int rc = request(c, method, path, content_type, body, len, r, err);
    c->last_status = r->status;
    return rc;
}

long kube_client_last_status(const kube_client *c)
{
    return c->last_status;
}

/* ---- LIST by pages ---- */

int kube_request_patch(kube_client *c, const char *path, kube_patch_type type, const void *body,
                       size_t len, kube_response *resp, ks_error *err)
{
    const char *ct = kube_patch_content_type(type);
    if (!ct) {
        memset(resp, 0, sizeof *resp);
        return ks_error_set(err, KS_EINVAL, "PATCH %s: unknown patch type %d", path, (int)type);
    }
    return kube_request(c, "PATCH", path, ct, body, len, resp, err);
}

int kube_list(kube_client *c, const char *path, unsigned limit, kube_page_fn fn, void *ctx,
              ks_error *err)
{
    if (!limit)
        limit = DEFAULT_PAGE_LIMIT;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_buf url = KS_BUF_INIT, cont = KS_BUF_INIT;
    int rc = 0;
    bool more = true;
    const char *sep = strchr(path, '?') ? "&" : "?";
    while (more && rc == 0) {
        ks_buf_reset(&url);
        ks_buf_printf(&url, "%s%slimit=%u", path, sep, limit);
        if (cont.len) {
            char *esc = curl_easy_escape(c->h, cont.data, (int)cont.len);
            ks_buf_printf(&url, "&continue=%s", esc ? esc : "");
            curl_free(esc);
        }
        kube_response r;
        rc = kube_request(c, "GET", ks_buf_cstr(&url), NULL, NULL, 0, &r, err);
        if (rc == 0) {
            kv_json_opts jo = {.source = path};
            kv_value list;
            rc = kv_json_parse(&a, r.body.data ? r.body.data : "", r.body.len, &jo, &list, err);
            if (rc == 0 && list.kind != KV_OBJECT)
                rc = ks_error_set(err, KS_EPARSE, "GET %s: the answer is not a list", path);
            if (rc == 0)
                rc = fn(ctx, &list, err);
            const kv_value *md = rc == 0 ? kv_obj_get(&list, "metadata", 8) : NULL;
            const kv_value *ct = md && md->kind == KV_OBJECT ? kv_obj_get(md, "continue", 8) : NULL;
            ks_buf_reset(&cont);
            if (ct && ct->kind == KV_STRING && ct->len)
                ks_buf_append(&cont, ct->u.s, ct->len);
            more = cont.len > 0;
        }
        kube_response_free(&r);
        ks_arena_reset(&a);
    }
    ks_buf_free(&url);
    ks_buf_free(&cont);
    ks_arena_free(&a);
    return rc;
}

/* ---- WATCH ---- */

typedef struct wstate {
    kube_client *c;
    kube_response *r;
    kube_event_fn fn;
    void *ctx;
    const atomic_bool *stop;
    char *rv;
    size_t rvsize;
    ks_buf line;
    ks_arena a;
    bool error_body; /* a non-2xx answer: its body is kept, not parsed */
    int rc;          /* what ended the stream from our side */
    ks_error *err;
    long events;
} wstate;

static void set_rv(wstate *w, const kv_value *obj)
{
    const kv_value *md = obj && obj->kind == KV_OBJECT ? kv_obj_get(obj, "metadata", 8) : NULL;
    const kv_value *rv = md && md->kind == KV_OBJECT ? kv_obj_get(md, "resourceVersion", 15) : NULL;
    if (rv && rv->kind == KV_STRING && rv->len && rv->len < w->rvsize)
        memcpy(w->rv, rv->u.s, (size_t)rv->len + 1);
}

/* One event line; 0 to go on. */
static int watch_line(wstate *w)
{
    ks_arena_reset(&w->a);
    kv_json_opts jo = {.source = "watch event"};
    kv_value ev;
    int rc = kv_json_parse(&w->a, w->line.data, w->line.len, &jo, &ev, w->err);
    if (rc)
        return rc;
    const kv_value *type = ev.kind == KV_OBJECT ? kv_obj_get(&ev, "type", 4) : NULL;
    const kv_value *obj = ev.kind == KV_OBJECT ? kv_obj_get(&ev, "object", 6) : NULL;
    if (!type || type->kind != KV_STRING || !obj || obj->kind != KV_OBJECT)
        return ks_error_set(w->err, KS_EPARSE, "watch event without type or object: %.200s",
                            w->line.data);
    if (strcmp(type->u.s, "ERROR") == 0) {
        const kv_value *code = kv_obj_get(obj, "code", 4);
        const kv_value *msg = kv_obj_get(obj, "message", 7);
        long cv = code && code->kind == KV_NUMBER ? (long)kv_num_double(code) : 0;
        const char *m = msg && msg->kind == KV_STRING ? msg->u.s : "";
        w->r->status = cv;
        snprintf(w->r->message, sizeof w->r->message, "%s", m);
        return ks_error_set(w->err, cv == 410 ? KS_ERANGE : KS_EIO, "watch: ERROR %ld: %s", cv, m);
    }
    set_rv(w, obj);
    w->events++;
    return w->fn(w->ctx, type->u.s, obj, w->err);
}

static size_t on_watch(char *p, size_t size, size_t n, void *ctx)
{
    wstate *w = ctx;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(w->c->h, CURLINFO_RESPONSE_CODE, &status);
    w->r->status = status;
    if (status < 200 || status > 299) {
        w->error_body = true;
        size_t room = w->r->body.len < ERROR_BODY_KEEP ? ERROR_BODY_KEEP - w->r->body.len : 0;
        if (room)
            ks_buf_append(&w->r->body, p, len < room ? len : room);
        return len;
    }
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t k = (nl ? (size_t)(nl - p) : len) - i;
        if (w->line.len + k > w->c->o.max_body) {
            w->rc = ks_error_set(w->err, KS_ELIMIT, "watch event larger than %zu bytes",
                                 w->c->o.max_body);
            return 0;
        }
        ks_buf_append(&w->line, p + i, k);
        i += k;
        if (!nl)
            break;
        i++;
        if (w->line.len && (w->rc = watch_line(w)) != 0)
            return 0; /* ends the transfer */
        ks_buf_reset(&w->line);
    }
    return len;
}

static int on_watch_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
    (void)a, (void)b, (void)c2, (void)d;
    wstate *w = ctx;
    return w->stop && atomic_load(w->stop) ? 1 : 0;
}

int kube_watch(kube_client *c, const char *path, char *rv, size_t rvsize, int timeout_s,
               kube_event_fn fn, void *ctx, const atomic_bool *stop, kube_response *r,
               ks_error *err)
{
    memset(r, 0, sizeof(*r));
    ks_buf_init(&r->body, 0);
    int rc = refresh_token(c, err);
    if (rc)
        return rc;
    if (timeout_s <= 0)
        timeout_s = 300;
    ks_buf url = KS_BUF_INIT;
    ks_buf_printf(&url, "%s%swatch=true&allowWatchBookmarks=true&timeoutSeconds=%d", path,
                  strchr(path, '?') ? "&" : "?", timeout_s);
    if (rv && rv[0]) {
        char *esc = curl_easy_escape(c->h, rv, 0);
        ks_buf_printf(&url, "&resourceVersion=%s", esc ? esc : "");
        curl_free(esc);
    }
    wstate w = {.c = c,
                .r = r,
                .fn = fn,
                .ctx = ctx,
                .stop = stop,
                .rv = rv,
                .rvsize = rvsize,
                .err = err};
    ks_buf_init(&w.line, 0);
    ks_arena_init(&w.a, NULL, 0);
    stream_io sio = {.write = on_watch,
                     .ctx = &w,
                     .timeout_ms = ((long)timeout_s + 30) * 1000,
                     .progress = on_watch_progress};
    attempt t = {.c = c, .r = r};
    CURLcode cc = perform(c, "GET", ks_buf_cstr(&url), NULL, NULL, 0, &t, &sio);
    r->attempts = 1;
    if (w.rc) {
        rc = w.rc;
    } else if (stop && atomic_load(stop)) {
        rc = 0;
    } else if (cc != CURLE_OK) {
        rc = ks_error_set(err, KS_EIO, "watch %s: %s", path,
                          c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
    } else if (w.error_body || r->status < 200 || r->status > 299) {
        read_status(r);
        rc = ks_error_set(err, r->status == 410 ? KS_ERANGE : KS_EIO, "watch %s: %ld %s%s%s", path,
                          r->status, r->reason[0] ? r->reason : "error", r->message[0] ? ": " : "",
                          r->message);
    } else if (w.line.len) {
        rc = watch_line(&w); /* a last line without its newline */
    }
    ks_buf_free(&w.line);
    ks_arena_free(&w.a);
    ks_buf_free(&url);
    return rc;
}
