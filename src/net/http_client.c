/*
 * The HTTP client of http.h on libcurl's easy interface: one handle per
 * request, the body collected into a bounded buffer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/mem.h"
#include "net/curl.h"
#include "net/http.h"

/* What an error response keeps of its body, for diagnostics. */
#define ERROR_BODY_KEEP 4096

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int net_curl_init(ks_error *err)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return ks_error_set(err, KS_EIO, "libcurl initialisation failed: %s",
                            curl_easy_strerror(global_rc));
    return 0;
}

size_t net_curl_body_write(char *p, size_t size, size_t n, void *ctx)
{
    net_curl_body *b = ctx;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        /* an error page: keep its start, drop the rest */
        size_t room = b->buf->len < b->error_keep ? b->error_keep - b->buf->len : 0;
        if (room && ks_buf_append(b->buf, p, len < room ? len : room))
            return 0;
        return len;
    }
    if (len > b->max - b->buf->len) {
        b->too_big = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return ks_buf_append(b->buf, p, len) ? 0 : len;
}

typedef struct transfer {
    CURL *h;
    ks_buf body;
    net_curl_body sink;
    size_t max;
    char reason[128]; /* reason phrase of the last status line */
} transfer;

/* Keeps the reason phrase of the last "HTTP/x y reason" line (redirects and
 * 100-continue bring several). */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    transfer *t = ctx;
    size_t len = size * n;
    if (len > 5 && memcmp(p, "HTTP/", 5) == 0) {
        const char *s = memchr(p, ' ', len); /* before the code */
        const char *r = s ? memchr(s + 1, ' ', len - (size_t)(s + 1 - p)) : NULL; /* after */
        size_t k = 0;
        if (r) {
            for (r++; r < p + len && *r != '\r' && *r != '\n' && k + 1 < sizeof t->reason; r++)
                t->reason[k++] = (*r >= 0x20 && *r < 0x7f) ? *r : '?';
        }
        t->reason[k] = '\0';
    }
    return len;
}

void net_http_redact_url(const char *url, char *out, size_t size)
{
    if (!size)
        return;
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t end = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < end; i++)
        if (auth[i] == '@')
            at = auth + i;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) {
        snprintf(out, size, "%s", url);
        return;
    }
    snprintf(out, size, "%.*s***%s", (int)(colon + 1 - url), url, at);
}

static bool has_scheme(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Sets a string option; libcurl copies it. */
static CURLcode setstr(CURL *h, CURLoption opt, const char *s)
{
    return curl_easy_setopt(h, opt, s);
}

static CURLcode configure(transfer *t, const char *url, const net_http_opts *o,
                          struct curl_slist **hdrs)
{
    CURL *h = t->h;
    CURLcode c = CURLE_OK;
#define SET(opt, val)                          \
    do {                                       \
        if (c == CURLE_OK)                     \
            c = curl_easy_setopt(h, opt, val); \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
    t->sink =
            (net_curl_body){.h = h, .buf = &t->body, .max = t->max, .error_keep = ERROR_BODY_KEEP};
    SET(CURLOPT_WRITEFUNCTION, net_curl_body_write);
    SET(CURLOPT_WRITEDATA, &t->sink);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "kso");
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    long connect_ms =
            o->connect_timeout_ms > 0 ? o->connect_timeout_ms : NET_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    long total_ms = o->timeout_ms > 0 ? o->timeout_ms : NET_HTTP_DEFAULT_TIMEOUT_MS;
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SET(CURLOPT_TIMEOUT_MS, total_ms);
    if (o->max_redirects < 0) {
        SET(CURLOPT_FOLLOWLOCATION, 0L);
    } else {
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS,
            (long)(o->max_redirects ? o->max_redirects : NET_HTTP_DEFAULT_MAX_REDIRECTS));
    }
    /* refuse an announced oversized body before reading it */
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);

    if (o->proxy) {
        SET(CURLOPT_PROXY, o->proxy);
        if (*o->proxy)
            SET(CURLOPT_NOPROXY, ""); /* an explicit proxy has no exceptions */
    } else if (has_scheme(url, "http") && !getenv("http_proxy")) {
        /* libcurl reads only the lower-case http_proxy (a CGI precaution);
         * take the upper-case one as other tools do. NO_PROXY still applies. */
        const char *p = env_nonempty("HTTP_PROXY");
        if (p)
            SET(CURLOPT_PROXY, p);
    }

    const char *ca = o->ca_file ? o->ca_file : env_nonempty("SSL_CERT_FILE");
    if (ca) {
        if (c == CURLE_OK)
            c = setstr(h, CURLOPT_CAINFO, ca);
    }
    if (o->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
        SET(CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
    }
    for (size_t i = 0; c == CURLE_OK && i < o->nheaders; i++) {
        struct curl_slist *n = curl_slist_append(*hdrs, o->headers[i]);
        if (!n)
            c = CURLE_OUT_OF_MEMORY;
        else
            *hdrs = n;
    }
    if (*hdrs)
        SET(CURLOPT_HTTPHEADER, *hdrs);
#undef SET
    return c;
}

static void format_size(char *out, size_t size, size_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(out, size, "%zu MiB", n >> 20);
    else if (n >= (1u << 10) && n % (1u << 10) == 0)
        snprintf(out, size, "%zu KiB", n >> 10);
    else
        snprintf(out, size, "%zu bytes", n);
}

static int transfer_error(transfer *t, CURLcode c, const char *errbuf, const char *shown,
                          const net_http_opts *o, ks_error *err)
{
    char lim[32];
    format_size(lim, sizeof lim, t->max);
    if (t->sink.too_big || c == CURLE_FILESIZE_EXCEEDED)
        return ks_error_set(err, KS_ELIMIT, "GET %s: response body larger than the limit of %s",
                            shown, lim);
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(c);
    if (c == CURLE_PARTIAL_FILE) {
        curl_off_t cl = -1;
        curl_easy_getinfo(t->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        if (cl >= 0)
            return ks_error_set(err, KS_EIO,
                                "GET %s: truncated body: the connection closed after %zu of "
                                "%lld bytes (Content-Length)",
                                shown, t->body.len, (long long)cl);
        return ks_error_set(err, KS_EIO, "GET %s: truncated body: %s", shown, why);
    }
    if (c == CURLE_OPERATION_TIMEDOUT)
        return ks_error_set(err, KS_EIO, "GET %s: timed out: %s", shown, why);
    if (c == CURLE_TOO_MANY_REDIRECTS)
        return ks_error_set(err, KS_EIO, "GET %s: too many redirects: %s", shown, why);
    if (c == CURLE_UNSUPPORTED_PROTOCOL)
        return ks_error_set(err, KS_EIO, "GET %s: unsupported protocol (http and https only): %s",
                            shown, why);
    if (o->proxy && *o->proxy) {
        char p[512];
        net_http_redact_url(o->proxy, p, sizeof p);
        return ks_error_set(err, KS_EIO, "GET %s (through proxy %s): %s", shown, p, why);
    }
    return ks_error_set(err, KS_EIO, "GET %s: %s", shown, why);
}

int net_http_get(const char *url, const net_http_opts *opts, net_http_response *resp, ks_error *err)
{
    static const net_http_opts none = {0};
    const net_http_opts *o = opts ? opts : &none;
    memset(resp, 0, sizeof *resp);
    char shown[1024];
    net_http_redact_url(url, shown, sizeof shown);
    if (!has_scheme(url, "http") && !has_scheme(url, "https"))
        return ks_error_set(err, KS_EINVAL, "%s: not an http:// or https:// URL", shown);
    int irc = net_curl_init(err);
    if (irc)
        return irc;

    transfer t = {.max = o->max_body ? o->max_body : NET_HTTP_DEFAULT_MAX_BODY};
    ks_buf_init(&t.body, 0);
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = 0;
    t.h = curl_easy_init();
    if (!t.h) {
        rc = ks_error_set(err, KS_ENOMEM, "GET %s: cannot create a libcurl handle", shown);
        goto out;
    }
    CURLcode c = curl_easy_setopt(t.h, CURLOPT_ERRORBUFFER, errbuf);
    if (c == CURLE_OK)
        c = configure(&t, url, o, &hdrs);
    if (c != CURLE_OK) {
        rc = ks_error_set(err, c == CURLE_OUT_OF_MEMORY ? KS_ENOMEM : KS_EINVAL,
                          "GET %s: bad request option: %s", shown, curl_easy_strerror(c));
        goto out;
    }
    c = curl_easy_perform(t.h);
    curl_easy_getinfo(t.h, CURLINFO_RESPONSE_CODE, &resp->status);
    const char *eff = NULL;
    if (curl_easy_getinfo(t.h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        resp->final_url = ks_xstrndup(eff, strlen(eff));
    if (t.body.err) {
        rc = ks_error_set(err, KS_ENOMEM, "GET %s: out of memory for the body", shown);
        goto out;
    }
    if (c != CURLE_OK) {
        rc = transfer_error(&t, c, errbuf, shown, o, err);
        goto out;
    }
    if (resp->status < 200 || resp->status > 299) {
        rc = ks_error_set(err, KS_EIO, "GET %s: HTTP %ld%s%s", shown, resp->status,
                          t.reason[0] ? " " : "", t.reason);
        goto out;
    }
    /* libcurl reports a short body as CURLE_PARTIAL_FILE; check both ways */
    curl_off_t cl = -1;
    curl_easy_getinfo(t.h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (cl >= 0 && (curl_off_t)t.body.len != cl) {
        rc = ks_error_set(err, KS_EIO,
                          "GET %s: body of %zu bytes does not match its Content-Length of %lld",
                          shown, t.body.len, (long long)cl);
        goto out;
    }
out:
    resp->body = ks_buf_detach(&t.body, &resp->len);
    curl_slist_free_all(hdrs);
    if (t.h)
        curl_easy_cleanup(t.h);
    ks_buf_free(&t.body);
    return rc;
}

void net_http_response_free(net_http_response *resp)
{
    if (!resp)
        return;
    ks_xfree(resp->body);
    ks_xfree(resp->final_url);
    memset(resp, 0, sizeof *resp);
}
