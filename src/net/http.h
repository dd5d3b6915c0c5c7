/*
 * HTTP client: GET a URL into memory, with libcurl (GnuTLS build).
 *
 * Every request is bounded: a maximum body size (larger bodies are refused,
 * whether announced by Content-Length or not), connect and total timeouts,
 * a bounded number of redirects (http and https only). A non-2xx final
 * status, a body shorter or longer than its Content-Length, a TLS
 * verification failure or a proxy failure are errors whose message names the
 * URL (credentials in it are masked) and the reason.
 *
 * Proxies: an explicit proxy option wins (and ignores NO_PROXY); otherwise
 * the standard environment, as libcurl reads it: https_proxy/HTTPS_PROXY for
 * https URLs, http_proxy/HTTP_PROXY for http URLs, ALL_PROXY, and
 * no_proxy/NO_PROXY (host names, domain suffixes, IP addresses). CA bundle:
 * the option, else $SSL_CERT_FILE, else the system default.
 *
 * Ownership: a response's body is heap memory released by
 * net_http_response_free. Thread-safe: every call uses its own handle; the
 * only global state is libcurl's one-time initialisation, done on first use.
 *
 * Errors: 0 or a negative KS_E* code (KS_EIO for network, TLS and HTTP
 * status errors, KS_ELIMIT for an oversized body, KS_EINVAL for a bad URL
 * or option) with the message in the ks_error.
 */
#ifndef KS_NET_HTTP_H
#define KS_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define NET_HTTP_DEFAULT_MAX_BODY           (64u << 20)
#define NET_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 15000L
#define NET_HTTP_DEFAULT_TIMEOUT_MS         120000L
#define NET_HTTP_DEFAULT_MAX_REDIRECTS      10

typedef struct net_http_opts {
    size_t max_body;         /* bytes; 0: NET_HTTP_DEFAULT_MAX_BODY */
    long connect_timeout_ms; /* 0: default; the whole request is also bounded by timeout_ms */
    long timeout_ms;         /* whole transfer; 0: default */
    int max_redirects;       /* 0: default; negative: do not follow redirects */
    const char *proxy;       /* proxy URL; NULL: from the environment; "": none at all */
    const char *ca_file;     /* PEM bundle of trusted CAs; NULL: $SSL_CERT_FILE or the system's */
    bool insecure;           /* skip TLS certificate and host name verification */
    const char *user_agent;  /* NULL: "kso" */
    const char *const *headers; /* extra request headers, "Name: value" */
    size_t nheaders;
} net_http_opts;

typedef struct net_http_response {
    long status; /* final HTTP status; 0 when no response was received */
    char *body;  /* NUL-terminated after len bytes; never NULL after a call */
    size_t len;
    char *final_url; /* the URL after redirects (heap), or NULL */
} net_http_response;

/* GETs url. On success resp holds a 2xx response. On failure resp->status
 * still tells the HTTP status when there was one (for example 404), so a
 * caller can try another name; the body of an error response is kept (at
 * most the first 4 KiB) for diagnostics. opts may be NULL. Always release
 * resp with net_http_response_free, whatever the result. */
int net_http_get(const char *url, const net_http_opts *opts, net_http_response *resp,
                 ks_error *err);

void net_http_response_free(net_http_response *resp);

/* Copies url into out with the password of any user:password@ masked
 * ("https://user:***@host/..."), for messages. */
void net_http_redact_url(const char *url, char *out, size_t size);

#endif
