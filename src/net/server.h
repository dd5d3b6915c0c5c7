/*
 * HTTP server for every kso role (the storage API server first), on
 * libmicrohttpd with GnuTLS: plain HTTP or HTTPS, optional client
 * certificates verified against named trust bundles, one thread per
 * connection (handlers may block), HTTP/1.1 keep-alive, bounded request
 * bodies, and streaming (chunked) responses for watches.
 *
 * TLS is 1.2 or 1.3 (the Kubernetes default minimum).
 *
 * A request reaches the handler once, after its whole body has arrived.
 * Bodies above the limit are refused with 413 before they are read (by
 * Content-Length when present, else by counting). Paths, query strings and
 * headers are bounded by the options below; malformed ones get a 400 without
 * calling the handler.
 *
 * Ownership: everything a net_request returns lives until the handler
 * returns (streams must copy what they keep); net_request_arena gives
 * memory with that lifetime. A response body is copied, or owned and freed
 * by the server. A stream's context belongs to the stream until its free
 * callback runs, which happens exactly once, in the connection's thread or
 * in net_server_stop.
 *
 * Thread-safety: the handler runs concurrently in many connection threads.
 * net_server_start/net_server_stop must not race each other; net_server_port
 * may be called from any thread.
 *
 * Errors: 0 or a negative KS_E* code with the message in the ks_error
 * (KS_EINVAL for bad options or PEM, KS_EIO when the socket cannot be bound).
 */
#ifndef KS_NET_SERVER_H
#define KS_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"

#define NET_SERVER_DEFAULT_MAX_BODY       (4u << 20)
#define NET_SERVER_DEFAULT_MAX_CONNS      1000
#define NET_SERVER_DEFAULT_TIMEOUT_S      120
#define NET_SERVER_DEFAULT_HEADER_BYTES   (64u << 10)
#define NET_SERVER_DEFAULT_STREAM_POLL_MS 250
#define NET_SERVER_DEFAULT_STOP_GRACE_MS  2000
#define NET_SERVER_MAX_SEGMENTS           64
#define NET_SERVER_MAX_QUERY_PARAMS       128
#define NET_SERVER_MAX_CA_BUNDLES         4

typedef struct net_server net_server;
typedef struct net_request net_request;
typedef struct net_response net_response;

/* A bundle of trusted CA certificates for client certificates: PEM in
 * memory (pem) or a file (file). name is what handlers see ("client-ca",
 * "requestheader-client-ca"). */
typedef struct net_ca_bundle {
    const char *name;
    const char *pem;
    const char *file;
} net_ca_bundle;

/* The TLS client certificate of a request's connection. Unverified
 * certificates are reported with verified false, never as authenticated. */
typedef struct net_client_cert {
    bool present;            /* the client sent a certificate */
    bool verified;           /* its chain verified against one of the bundles */
    int bundle;              /* index in net_server_opts.client_cas; -1 if not verified */
    const char *bundle_name; /* that bundle's name; NULL if not verified */
    const char *cn;          /* subject CN (even when not verified); NULL if none */
    const char *const *orgs; /* subject O values, in certificate order */
    size_t norgs;
    const char *reason; /* why not verified ("unknown issuer", ...); NULL if verified */
} net_client_cert;

/* The handler: fills resp. A response left without a status is a 500 (a
 * stream's default status is 200); statuses outside 200..599 become 500. */
typedef void (*net_handler_fn)(void *ctx, const net_request *req, net_response *resp);

/* Optional: the body limit of one request, called once its headers are in
 * (net_request_body is empty then). 0 means the server's max_body. */
typedef size_t (*net_body_limit_fn)(void *ctx, const net_request *req);

/* Optional: builds the server's own error responses (400, 413, 500) so a
 * role can give them its own format; msg says what went wrong. */
typedef void (*net_error_fn)(void *ctx, int status, const char *msg, net_response *resp);

typedef struct net_server_opts {
    const char *bind; /* IPv4 or IPv6 literal; "::" is dual stack; NULL: "127.0.0.1" */
    uint16_t port;    /* 0: ephemeral (see net_server_port) */
    /* TLS: certificate chain and key, PEM in memory or files. No
     * certificate at all: plain HTTP. */
    const char *cert_pem, *key_pem;
    const char *cert_file, *key_file;
    /* Client certificates are requested (not required) when bundles are
     * given; the first bundle (in order) that verifies the chain wins. */
    const net_ca_bundle *client_cas;
    size_t nclient_cas;
    size_t max_body;         /* bytes; 0: NET_SERVER_DEFAULT_MAX_BODY */
    unsigned max_conns;      /* 0: NET_SERVER_DEFAULT_MAX_CONNS */
    unsigned timeout_s;      /* idle connection timeout; 0: default */
    size_t max_header_bytes; /* request line and headers; 0: default */
    int stream_poll_ms;      /* wait given to stream producers; 0: default */
    int stop_grace_ms;       /* how long stop lets streams end; 0: default */
    net_handler_fn handler;  /* required */
    net_body_limit_fn body_limit;
    net_error_fn error;
    void *ctx; /* passed to the callbacks */
} net_server_opts;

int net_server_start(const net_server_opts *o, net_server **out, ks_error *err);
/* Stops accepting, tells open streams to end (their producers are called
 * with stopping true once more, and the stream ends after that call),
 * waits up to stop_grace_ms for them, closes every connection, waits for
 * running handlers (which must not block forever) and joins every thread,
 * then frees the server. Every stream's free callback has run when it
 * returns. NULL is ignored. */
void net_server_stop(net_server *s);
/* The bound port (useful with port 0). */
uint16_t net_server_port(const net_server *s);
bool net_server_is_tls(const net_server *s);

/* Counters since start (for metrics); memory is in the "net_server"
 * account of core/mem.h. */
typedef struct net_server_stats {
    uint64_t requests;     /* requests that reached the handler */
    uint64_t refused;      /* answered by the server: 400, 413, 500 for no response */
    uint64_t streams;      /* streaming responses started */
    unsigned open_conns;   /* connections open now */
    unsigned open_streams; /* streams open now */
} net_server_stats;

void net_server_stats_get(const net_server *s, net_server_stats *out);

/* ---- the request ---- */

const char *net_request_method(const net_request *r);
/* The path as sent, percent-encoded, without the query. */
const char *net_request_path(const net_request *r);
/* Percent-decoded path segments: the pieces between slashes, less an empty
 * last one. "/" has none, "/a/b" and "/a/b/" are "a", "b", "/a//b" is "a",
 * "", "b" and "//" is "" (so routing never skips an empty name).
 * A segment never contains NUL (such paths are refused), but it may be
 * "." or ".." or hold a decoded '/': dot segments are not resolved, and
 * names taken from segments must be validated by the handler. */
size_t net_request_nsegments(const net_request *r);
const char *net_request_segment(const net_request *r, size_t i);
/* The query as sent, without '?'; "" when there is none. */
const char *net_request_query_raw(const net_request *r);
/* The first decoded value of a query parameter ('+' is a space), "" for a
 * parameter without '='; NULL when absent. net_request_query_nth gives the
 * i-th value of a repeated parameter. */
const char *net_request_query(const net_request *r, const char *name);
const char *net_request_query_nth(const net_request *r, const char *name, size_t i);
/* Header lookup, case-insensitive; _nth for repeated headers. */
const char *net_request_header(const net_request *r, const char *name);
const char *net_request_header_nth(const net_request *r, const char *name, size_t i);
/* The body (NUL-terminated after len bytes; "" when empty). */
const char *net_request_body(const net_request *r, size_t *len);
/* The client's address, "127.0.0.1" or "::1" (IPv4-mapped shown as IPv4). */
const char *net_request_remote_addr(const net_request *r);
/* The TLS client certificate; present false on plain HTTP or without one. */
const net_client_cert *net_request_client_cert(const net_request *r);
/* Memory that lives until the handler returns. */
ks_arena *net_request_arena(const net_request *r);

/* ---- the response ---- */

void net_response_status(net_response *resp, int status);
/* 0, or KS_EINVAL for a name or value with CR, LF or NUL, KS_ELIMIT past 64
 * headers. Content-Length and Transfer-Encoding are the server's. */
int net_response_header(net_response *resp, const char *name, const char *value);
/* Copies n bytes as the body. */
void net_response_body(net_response *resp, const void *p, size_t n);
/* Takes p (heap memory from ks_xmalloc or ks_buf_detach) as the body. */
void net_response_body_owned(net_response *resp, char *p, size_t n);

/* Streaming (chunked) responses. */
enum net_stream_next {
    NET_STREAM_MORE = 0, /* call again (out may be empty if nothing came within wait_ms) */
    NET_STREAM_END = 1,  /* the stream is complete (out may carry its last bytes) */
};
enum net_stream_close {
    NET_STREAM_CLOSED_END,    /* the producer returned NET_STREAM_END */
    NET_STREAM_CLOSED_CLIENT, /* the client went away (or timed out) */
    NET_STREAM_CLOSED_STOP,   /* the server is stopping */
    NET_STREAM_CLOSED_ERROR,  /* the producer failed or the response could not start */
};
/* Appends the next bytes to out, waiting at most wait_ms for them. Returns
 * enum net_stream_next or a negative KS_E* code to abort the connection.
 * stopping is true when the server asks the stream to end now. */
typedef int (*net_stream_next_fn)(void *ctx, ks_buf *out, int wait_ms, bool stopping);
/* Releases ctx; runs exactly once, whatever ended the stream. */
typedef void (*net_stream_free_fn)(void *ctx, enum net_stream_close why);

/* Makes the response a stream. The status and headers set so far are sent
 * first; any body set is dropped. */
void net_response_stream(net_response *resp, net_stream_next_fn next, net_stream_free_fn free_fn,
                         void *ctx);

/* ---- requests made in memory (tests and fuzzing) ---- */

typedef struct net_exchange net_exchange;

/* Builds a request as the server does from a method, a request target
 * ("/a/b?x=1"), headers ("Name: value") and a body, with no connection (no
 * client certificate, remote address "unknown"), and runs handler on it; a
 * target the server refuses is answered by error (400) without calling the
 * handler. A streaming response is run (producers called with wait 0) until
 * it ends, stays silent three times or passes max_stream bytes; its free
 * callback runs. The exchange keeps the response: free it. 0 or KS_ENOMEM
 * (*out is set either way). */
int net_exchange_run(net_handler_fn handler, net_error_fn error, void *ctx, const char *method,
                     const char *target, const char *const *headers, size_t nheaders,
                     const char *body, size_t n, size_t max_stream, net_exchange **out);
int net_exchange_status(const net_exchange *x);
const char *net_exchange_header(const net_exchange *x, const char *name);
/* The body, or everything a stream produced. */
const char *net_exchange_body(const net_exchange *x, size_t *len);
void net_exchange_free(net_exchange *x);

#endif
