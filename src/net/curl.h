/*
 * What every libcurl user of kso shares (the HTTP client of http.h, the
 * Kubernetes client of kube/client.h): libcurl's one-time initialisation,
 * and a write callback that collects a response body with a bound.
 */
#ifndef KS_NET_CURL_H
#define KS_NET_CURL_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/error.h"

/* curl_global_init, once per process (thread-safe); its failure, named. */
int net_curl_init(ks_error *err);

/* A response body collected by net_curl_body_write (CURLOPT_WRITEDATA):
 * a 2xx body up to max bytes (past it too_big is set and the transfer is
 * aborted with CURLE_WRITE_ERROR); of any other status only the first
 * error_keep bytes, for diagnostics. */
typedef struct net_curl_body {
    CURL *h; /* to read the status from */
    ks_buf *buf;
    size_t max, error_keep;
    bool too_big;
} net_curl_body;

size_t net_curl_body_write(char *p, size_t size, size_t n, void *ctx);

#endif
