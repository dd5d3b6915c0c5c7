/*
 * A Kubernetes REST client on libcurl: requests by path, errors mapped from
 * the API server's Status objects, retries with backoff, paginated LIST with
 * a callback per page.
 *
 * Transport: HTTPS with the configuration's CA (or the system's), client
 * certificate, bearer token (re-read from its file when the file changes:
 * projected service-account tokens rotate), basic auth, impersonation
 * headers, tls-server-name, and the cluster's proxy-url (NO_PROXY does not
 * apply to it, as in client-go) or else the standard proxy environment
 * (HTTPS_PROXY, NO_PROXY, ...). libcurl's GnuTLS
 * build reads certificates and keys only from files, so PEM given inline
 * (-data fields) is written to a private directory (0700, files 0600) that
 * kube_client_free removes.
 *
 * Retries: 429 always, and 500, 502, 503 and 504 for GET, HEAD and
 * DELETE or when the server sent Retry-After, waiting Retry-After (capped at
 * max_backoff_ms) or an exponential backoff from 100 ms; connection
 * failures for GET and HEAD only. At most max_retries retries; the last
 * answer is the result.
 *
 * Bounds: a request takes at most timeout_ms; a response body at most
 * max_body bytes (KS_ELIMIT past it); an error body is kept up to 64 KiB.
 *
 * A kube_client is used by one thread at a time (it keeps one connection
 * alive); make one per thread.
 */
#ifndef KS_KUBE_CLIENT_H
#define KS_KUBE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "kube/kubeconfig.h"
#include "kube/patch.h"
#include "value/value.h"

typedef struct kube_client kube_client;

typedef struct kube_client_opts {
    long timeout_ms;        /* per attempt; 0: 60 s */
    int max_retries;        /* 0: 5; negative: none */
    long max_backoff_ms;    /* longest wait between attempts; 0: 10 s */
    size_t max_body;        /* 0: 256 MiB */
    const char *user_agent; /* NULL: "kso" */
} kube_client_opts;

typedef struct kube_response {
    long status;  /* the final HTTP status; 0 when none was received */
    ks_buf body;  /* the body (of an error, its first 64 KiB) */
    int attempts; /* requests sent, retries included */
    /* From a Status body of an error: */
    char reason[64];
    char message[512];
    long retry_after_s; /* the last Retry-After, 0 when none */
} kube_response;

int kube_client_new(const kube_client_config *cfg, const kube_client_opts *opts, kube_client **out,
                    ks_error *err);
void kube_client_free(kube_client *c);

/* The server URL the client talks to. */
const char *kube_client_server(const kube_client *c);

/* The HTTP status of the client's last request (kube_request, and so the
 * last page of kube_list): 0 when none was received. */
long kube_client_last_status(const kube_client *c);

/* One request: path is the absolute path with its query
 * ("/api/v1/namespaces?limit=10"); body may be NULL. Returns 0 for a 2xx
 * answer; otherwise a negative code with "METHOD path: STATUS reason:
 * message" (or the transport's reason) in err: KS_ENOENT for 404,
 * KS_EEXIST for 409, KS_ERANGE for 410 (Gone: an expired resourceVersion or
 * continue token), KS_ELIMIT for an oversized body, KS_EIO for the rest.
 * resp is filled either way and must be released with kube_response_free. */
int kube_request(kube_client *c, const char *method, const char *path, const char *content_type,
                 const void *body, size_t len, kube_response *resp, ks_error *err);
void kube_response_free(kube_response *r);

/* PATCH path with body in the given format (kube/patch.h: JSON, merge,
 * strategic merge, or server-side apply, whose path carries fieldManager=
 * and force=true to take fields over); as kube_request otherwise. */
int kube_request_patch(kube_client *c, const char *path, kube_patch_type type, const void *body,
                       size_t len, kube_response *resp, ks_error *err);

/* A LIST page: the parsed list object (items and metadata), valid until the
 * callback returns (the arena is reset between pages). Return 0 to go on, a
 * negative code to stop with it. */
typedef int (*kube_page_fn)(void *ctx, const kv_value *list, ks_error *err);

/* Lists path (a collection, with its own query parameters such as
 * labelSelector, or none) page by page with limit items per page (0: 500),
 * following continue tokens; only one page is in memory at a time. A
 * continue token that expired (410) is KS_ERANGE: the caller relists. */
int kube_list(kube_client *c, const char *path, unsigned limit, kube_page_fn fn, void *ctx,
              ks_error *err);

/* A watch event: type is ADDED, MODIFIED, DELETED or BOOKMARK; obj is
 * valid until the callback returns. Return 0 to go on, a negative code to
 * end the watch with it. */
typedef int (*kube_event_fn)(void *ctx, const char *type, const kv_value *obj, ks_error *err);

/* One watch stream of path (a collection, with its own query or none) from
 * resourceVersion rv (empty: from now), bookmarks allowed, the server asked
 * to end it after timeout_s (0: 300). rv is updated to each event's
 * resourceVersion (bookmarks too), so the caller resumes from it. Returns
 * 0 when the server ended the stream or *stop became true; KS_ERANGE when
 * rv is too old (410, as an answer or an ERROR event: relist); the
 * callback's code; KS_EIO for other failures, with resp->status (429
 * included) and resp->retry_after_s for the caller's backoff. No retries
 * here: the caller resumes. */
int kube_watch(kube_client *c, const char *path, char *rv, size_t rvsize, int timeout_s,
               kube_event_fn fn, void *ctx, const atomic_bool *stop, kube_response *resp,
               ks_error *err);

#endif
