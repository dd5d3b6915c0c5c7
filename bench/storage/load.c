/*
 * bench_storage: a load generator for `kso storage` on loopback.
 *
 * Phases, each bounded by a count and a time limit:
 *   1. W watchers on the all-namespaces watch of vulnerabilitymanifests and a
 *      few on single namespaces, from the collection's revision at start,
 *      counting event lines by type;
 *   2. N VulnerabilityManifests of 10-30 KB (grype-like matches built from a
 *      pool of real advisories, bench/storage/gen) created by T writers;
 *   3. U of them updated with PUT, carrying the resourceVersion the create
 *      returned;
 *   4. paged LISTs (limit=500) of the whole collection and of each namespace,
 *      metadata-only (the default) and fullSpec, each page timed;
 *   5. the watchers drained: each must have seen every create and update of
 *      its scope.
 * Prints the figures, then `result: key=value` lines for bench/storage/run.
 * Exit status 1 when a request failed unexpectedly (any status but the one
 * expected, or a transport error), a LIST walk missed objects, or a watcher
 * missed events; 2 on bad usage. Every object is generated from its index and
 * a fixed seed, so runs send the same bytes whatever the thread schedule.
 *
 * The writers and watchers speak HTTP/1.1 over GnuTLS themselves; the
 * listers and the setup requests use one libcurl easy handle per thread
 * (keep-alive). TLS verification is off for the server's self-signed
 * certificate.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

#define API           "/apis/spdx.softwarecomposition.kubescape.io/v1beta1"
#define PLURAL        "vulnerabilitymanifests"
#define MAX_THREADS   256
#define MAX_NS        1000
#define MAX_OBJECTS   1000000
#define MAX_BODY      ((size_t)1 << 30) /* largest response read */
#define MAX_LINE      (64 * 1024)       /* watch line bytes kept for parsing */
#define PAGE_LIMIT    500
#define MAX_PAGES     100000 /* pages per LIST walk */
#define MAX_RECONNECT 50     /* re-watches per watcher */

/* ---- options ---- */

typedef struct opts {
    const char *base; /* https://127.0.0.1:PORT */
    const char *pool_file;
    long n, writers, updates, watchers, ns_watchers, namespaces, listers, list_rounds;
    double create_s, update_s, list_s, drain_s;
    long server_pid;
    uint64_t seed;
} opts;

static opts O = {
        .n = 10000,
        .writers = 8,
        .updates = 2000,
        .watchers = 50,
        .ns_watchers = 4,
        .namespaces = 20,
        .listers = 2,
        .list_rounds = 3,
        .create_s = 90,
        .update_s = 30,
        .list_s = 40,
        .drain_s = 20,
        .seed = 20261127,
};

static atomic_bool g_failed;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static atomic_long g_nfailures;

/* Records a failure; the first 20 are printed. */
static void fail(const char *fmt, ...)
{
    atomic_store(&g_failed, true);
    long k = atomic_fetch_add(&g_nfailures, 1);
    if (k >= 20) {
        if (k == 20)
            fputs("bench_storage: more failures, not shown\n", stderr);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_storage: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double secs(int64_t ns)
{
    return (double)ns / 1e9;
}

/* ---- deterministic generator (splitmix64) ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rng_below(rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* ---- the pool of advisories ---- */

enum { F_ID, F_RELATED, F_PKG, F_FIXED, F_URL, F_DESC, NFIELDS };

typedef struct record {
    const char *f[NFIELDS];
} record;

static record *g_pool;
static size_t g_npool;
static char *g_pool_text;

static int pool_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_storage: %s: %s\n", path, strerror(errno));
        return -1;
    }
    ks_buf b = KS_BUF_INIT;
    ks_buf_init(&b, (size_t)256 << 20);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        ks_buf_append(&b, chunk, got);
    fclose(f);
    if (b.err) {
        fprintf(stderr, "bench_storage: %s: larger than 256 MiB\n", path);
        ks_buf_free(&b);
        return -1;
    }
    size_t cap = 0, lineno = 0;
    g_pool_text = ks_buf_detach(&b, NULL);
    for (char *save = NULL, *line = strtok_r(g_pool_text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        record r;
        char *p = line;
        size_t k = 0;
        for (; k < NFIELDS && p; k++) {
            r.f[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (k != NFIELDS || p) {
            fprintf(stderr, "bench_storage: %s:%zu: want %d tab-separated fields\n", path, lineno,
                    NFIELDS);
            return -1;
        }
        if (g_npool == cap)
            g_pool = ks_grow_array(g_pool, &cap, g_npool + 1, sizeof *g_pool);
        g_pool[g_npool++] = r;
    }
    if (!g_npool) {
        fprintf(stderr, "bench_storage: %s: no records\n", path);
        return -1;
    }
    return 0;
}

/* Without a pool file: synthetic advisories, so a smoke test needs nothing. */
static void pool_synthetic(void)
{
    static const char *const words[] = {"buffer", "overflow", "in",        "the", "parser",
                                        "allows", "remote",   "attackers", "to",  "cause",
                                        "denial", "of",       "service",   "via", "crafted",
                                        "input",  "header",   "request"};
    ks_buf text = KS_BUF_INIT;
    size_t n = 400, cap = 0;
    size_t *off = ks_xcalloc(n * NFIELDS, sizeof *off);
    rng r = {O.seed};
    for (size_t i = 0; i < n; i++) {
        off[i * NFIELDS + F_ID] = text.len;
        ks_buf_printf(&text, "CVE-20%02u-%05u", (unsigned)(15 + i % 10), (unsigned)(1000 + i));
        ks_buf_putc(&text, '\0');
        off[i * NFIELDS + F_RELATED] = text.len;
        ks_buf_printf(&text, "GHSA-%04x-%04x-%04x", (unsigned)rng_below(&r, 65536),
                      (unsigned)rng_below(&r, 65536), (unsigned)rng_below(&r, 65536));
        ks_buf_putc(&text, '\0');
        off[i * NFIELDS + F_PKG] = text.len;
        ks_buf_printf(&text, "github.com/example/lib%zu", i % 97);
        ks_buf_putc(&text, '\0');
        off[i * NFIELDS + F_FIXED] = text.len;
        ks_buf_printf(&text, "1.%zu.%zu", i % 13, i % 7);
        ks_buf_putc(&text, '\0');
        off[i * NFIELDS + F_URL] = text.len;
        ks_buf_printf(&text, "https://example.com/advisories/%zu", i);
        ks_buf_putc(&text, '\0');
        off[i * NFIELDS + F_DESC] = text.len;
        size_t nw = 30 + rng_below(&r, 60);
        for (size_t w = 0; w < nw; w++)
            ks_buf_printf(&text, "%s%s", w ? " " : "",
                          words[rng_below(&r, sizeof words / sizeof *words)]);
        ks_buf_putc(&text, '\0');
    }
    g_pool_text = ks_buf_detach(&text, NULL);
    g_pool = ks_grow_array(NULL, &cap, n, sizeof *g_pool);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < NFIELDS; k++)
            g_pool[i].f[k] = g_pool_text + off[i * NFIELDS + k];
    g_npool = n;
    ks_xfree(off);
}

/* ---- VulnerabilityManifest bodies (spec storage.md §3.1) ---- */

static const char *const severities[] = {"Critical", "High",       "Medium",
                                         "Low",      "Negligible", "Unknown"};
static const char *const workloads[] = {"nginx",   "redis",   "postgres", "api",  "worker",
                                        "gateway", "billing", "search",   "auth", "frontend"};

static void ns_name(char *out, size_t cap, long ns)
{
    snprintf(out, cap, "bench-%02ld", ns);
}

static void obj_name(char *out, size_t cap, long idx)
{
    snprintf(out, cap, "replicaset-%s-%08lx-%s-%05ld", workloads[idx % 10],
             (unsigned long)((uint64_t)idx * 2654435761u & 0xffffffffu), workloads[idx % 10], idx);
}

static void hex(ks_buf *b, rng *r, int n)
{
    for (int i = 0; i < n; i += 16)
        ks_buf_printf(b, "%016" PRIx64, rng_next(r));
}

static void cvss(ks_buf *b, rng *r)
{
    static const char *const av[] = {"N", "A", "L", "P"};
    static const char *const lh[] = {"L", "H"};
    static const char *const cia[] = {"N", "L", "H"};
    unsigned base = 30 + (unsigned)rng_below(r, 70);
    ks_buf_printf(b,
                  "[{\"version\":\"3.1\",\"vector\":\"CVSS:3.1/AV:%s/AC:%s/PR:%s/UI:N/S:U/C:%s/"
                  "I:%s/A:%s\",\"metrics\":{\"baseScore\":%u.%u,\"exploitabilityScore\":%u.%u,"
                  "\"impactScore\":%u.%u}}]",
                  av[rng_below(r, 4)], lh[rng_below(r, 2)], cia[rng_below(r, 3)],
                  cia[rng_below(r, 3)], cia[rng_below(r, 3)], cia[rng_below(r, 3)], base / 10,
                  base % 10, 1 + (unsigned)rng_below(r, 3), (unsigned)rng_below(r, 10),
                  1 + (unsigned)rng_below(r, 5), (unsigned)rng_below(r, 10));
}

static void match(ks_buf *b, rng *r)
{
    const record *v = &g_pool[rng_below(r, g_npool)];
    const char *sev = severities[rng_below(r, 6)];
    unsigned minor = (unsigned)rng_below(r, 20), patch = (unsigned)rng_below(r, 30);
    ks_buf_printf(b,
                  "{\"vulnerability\":{\"id\":\"%s\",\"dataSource\":\"%s\","
                  "\"namespace\":\"github:language:go\",\"severity\":\"%s\",\"urls\":[\"%s\"],"
                  "\"description\":\"%s\",\"cvss\":",
                  v->f[F_ID], v->f[F_URL], sev, v->f[F_URL], v->f[F_DESC]);
    cvss(b, r);
    ks_buf_printf(
            b,
            ",\"fix\":{\"versions\":[\"%s\"],\"state\":\"fixed\"},\"advisories\":[]},"
            "\"relatedVulnerabilities\":[{\"id\":\"%s\","
            "\"dataSource\":\"https://nvd.nist.gov/vuln/detail/%s\",\"namespace\":\"nvd:cpe\","
            "\"severity\":\"%s\",\"urls\":[\"%s\"],\"description\":\"%s\",\"cvss\":",
            v->f[F_FIXED], v->f[F_RELATED], v->f[F_RELATED], sev, v->f[F_URL], v->f[F_DESC]);
    cvss(b, r);
    ks_buf_printf(b,
                  "}],\"matchDetails\":[{\"type\":\"exact-direct-match\","
                  "\"matcher\":\"go-module-matcher\",\"searchedBy\":{\"language\":\"go\","
                  "\"namespace\":\"github:language:go\",\"package\":{\"name\":\"%s\","
                  "\"version\":\"v0.%u.%u\"}},\"found\":{\"versionConstraint\":\"< %s (semver)\","
                  "\"vulnerabilityID\":\"%s\"}}],",
                  v->f[F_PKG], minor, patch, v->f[F_FIXED], v->f[F_RELATED]);
    ks_buf_printf(b,
                  "\"artifact\":{\"name\":\"%s\",\"version\":\"v0.%u.%u\",\"type\":\"go-module\","
                  "\"locations\":[{\"path\":\"/usr/local/bin/%s\",\"layerID\":\"sha256:",
                  v->f[F_PKG], minor, patch, workloads[rng_below(r, 10)]);
    hex(b, r, 64);
    ks_buf_printf(b,
                  "\"}],\"language\":\"go\",\"licenses\":[],\"cpes\":["
                  "\"cpe:2.3:a:%s:%s:v0.%u.%u:*:*:*:*:*:*:*\"],\"purl\":\"pkg:golang/%s@v0.%u.%u\","
                  "\"upstreams\":[]}}",
                  workloads[rng_below(r, 10)], workloads[rng_below(r, 10)], minor, patch,
                  v->f[F_PKG], minor, patch);
}

/* The object of index idx, version gen (0 = as created); rv is the
 * resourceVersion an update carries (0 for a create). */
static void manifest(ks_buf *b, long idx, int gen, uint64_t rv)
{
    rng r = {O.seed ^ ((uint64_t)idx * 0x100000001b3ULL) ^ ((uint64_t)gen << 56)};
    char ns[32], name[128];
    ns_name(ns, sizeof ns, idx % O.namespaces);
    obj_name(name, sizeof name, idx);
    size_t start = b->len, target = 10000 + rng_below(&r, 20001);
    ks_buf_printf(b,
                  "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                  "\"kind\":\"VulnerabilityManifest\",\"metadata\":{\"name\":\"%s\","
                  "\"namespace\":\"%s\",",
                  name, ns);
    if (rv)
        ks_buf_printf(b, "\"resourceVersion\":\"%" PRIu64 "\",", rv);
    ks_buf_printf(b,
                  "\"labels\":{\"kubescape.io/context\":\"filtered\","
                  "\"kubescape.io/workload-api-group\":\"apps\","
                  "\"kubescape.io/workload-api-version\":\"v1\","
                  "\"kubescape.io/workload-kind\":\"ReplicaSet\","
                  "\"kubescape.io/workload-name\":\"%s-%05ld\","
                  "\"kubescape.io/workload-namespace\":\"%s\"},"
                  "\"annotations\":{\"kubescape.io/image-id\":\"docker.io/library/%s@sha256:",
                  workloads[idx % 10], idx, ns, workloads[idx % 10]);
    hex(b, &r, 64);
    ks_buf_printf(b,
                  "\",\"kubescape.io/image-tag\":\"docker.io/library/%s:1.%ld\","
                  "\"kubescape.io/instance-id\":\"apiVersion-apps/v1/namespace-%s/"
                  "kind-ReplicaSet/name-%s-%05ld/containerName-%s\","
                  "\"kubescape.io/status\":\"ready\"}},",
                  workloads[idx % 10], idx % 30, ns, workloads[idx % 10], idx, workloads[idx % 10]);
    ks_buf_printf(b,
                  "\"spec\":{\"metadata\":{\"withRelevancy\":true,\"tool\":{\"name\":\"grype\","
                  "\"version\":\"v0.74.%d\",\"databaseVersion\":\"sha256:",
                  gen);
    hex(b, &r, 64);
    ks_buf_printf(b,
                  "\"},\"report\":{\"createdAt\":\"2026-11-%02dT%02u:%02u:00Z\"}},"
                  "\"payload\":{\"matches\":[",
                  1 + gen % 28, (unsigned)rng_below(&r, 24), (unsigned)rng_below(&r, 60));
    for (int m = 0; b->len - start < target; m++) {
        if (m)
            ks_buf_putc(b, ',');
        match(b, &r);
    }
    ks_buf_printf(b,
                  "],\"source\":{\"type\":\"image\",\"target\":{\"userInput\":"
                  "\"docker.io/library/%s:1.%ld\",\"imageID\":\"sha256:",
                  workloads[idx % 10], idx % 30);
    hex(b, &r, 64);
    ks_buf_printf(b,
                  "\",\"tags\":[\"docker.io/library/%s:1.%ld\"],\"imageSize\":%u}},"
                  "\"distro\":{\"name\":\"debian\",\"version\":\"12\",\"idLike\":[]},"
                  "\"descriptor\":{\"name\":\"grype\",\"version\":\"0.74.%d\","
                  "\"db\":{\"built\":\"2026-11-20T01:02:03Z\",\"schemaVersion\":5}}}},"
                  "\"status\":{}}",
                  workloads[idx % 10], idx % 30, 10000000 + (unsigned)rng_below(&r, 90000000), gen);
}

/* ---- HTTP ---- */

static atomic_long g_status[600]; /* responses by status code */
static atomic_long g_transport;   /* requests without a response */

typedef struct conn {
    CURL *h;
    struct curl_slist *hdrs;
    ks_buf body;
} conn;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    conn *c = ctx;
    return ks_buf_append(&c->body, p, size * n) == 0 ? size * n : 0;
}

static void conn_init(conn *c)
{
    memset(c, 0, sizeof *c);
    ks_buf_init(&c->body, MAX_BODY);
    c->h = curl_easy_init();
    if (!c->h) {
        fputs("bench_storage: curl_easy_init failed\n", stderr);
        exit(1);
    }
    c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    c->hdrs = curl_slist_append(c->hdrs, "Accept: application/json");
    c->hdrs = curl_slist_append(c->hdrs, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 0L);
    /* nothing is verified: do not load the system's CA bundle per handle */
    curl_easy_setopt(c->h, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(c->h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT, 10L);
}

static void conn_free(conn *c)
{
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->hdrs);
    ks_buf_free(&c->body);
}

/* One request; returns the status (0 when there was no response) and its
 * latency in *ns. The response body is in c->body. */
static long request(conn *c, const char *method, const char *path, const ks_buf *payload,
                    long timeout_s, int64_t *ns)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", O.base, path);
    ks_buf_reset(&c->body);
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT, timeout_s);
    if (payload) {
        curl_easy_setopt(c->h, CURLOPT_POST, 1L);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, payload->data);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload->len);
        curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
    } else {
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL);
    }
    int64_t t0 = now_ns();
    CURLcode rc = curl_easy_perform(c->h);
    *ns = now_ns() - t0;
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    if (status > 0 && status < 600) {
        atomic_fetch_add(&g_status[status], 1);
    } else {
        atomic_fetch_add(&g_transport, 1);
        fail("%s %s: %s", method, path, curl_easy_strerror(rc));
        status = 0;
    }
    return status;
}

/* ---- the writers' connections: HTTP/1.1 over GnuTLS, keep-alive ----
 *
 * The writers send thousands of requests a second on the same two cores as
 * the server; libcurl's per-request work was a third of the client's CPU.
 * This is the least a client does: one request at a time, the response read
 * by its Content-Length (the server sends one for these). */

typedef struct rawconn {
    int fd;
    gnutls_session_t tls;
    gnutls_certificate_credentials_t cred;
    ks_buf in;   /* the response being read */
    ks_buf body; /* the last response's body */
} rawconn;

static void raw_close(rawconn *c)
{
    if (c->fd >= 0) {
        gnutls_deinit(c->tls);
        close(c->fd);
    }
    c->fd = -1;
}

static bool raw_connect(rawconn *c)
{
    const char *p = strrchr(O.base, ':');
    char *end = NULL;
    long port = p ? strtol(p + 1, &end, 10) : 0;
    if (!p || end == p + 1 || port <= 0 || port > 65535)
        return false;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct timeval tmo = {.tv_sec = 60}; /* a stuck server fails the request */
    if (c->fd < 0 || setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo) != 0 ||
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof tmo) != 0 ||
        connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return false;
    }
    gnutls_init(&c->tls, GNUTLS_CLIENT);
    gnutls_set_default_priority(c->tls);
    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred); /* nothing verified */
    gnutls_transport_set_int(c->tls, c->fd);
    int rc;
    do
        rc = gnutls_handshake(c->tls);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0) {
        raw_close(c);
        return false;
    }
    return true;
}

static void raw_init(rawconn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    gnutls_certificate_allocate_credentials(&c->cred);
    ks_buf_init(&c->in, MAX_BODY);
    ks_buf_init(&c->body, MAX_BODY);
}

static void raw_free(rawconn *c)
{
    raw_close(c);
    gnutls_certificate_free_credentials(c->cred);
    ks_buf_free(&c->in);
    ks_buf_free(&c->body);
}

static bool raw_send(rawconn *c, const char *p, size_t n)
{
    while (n) {
        ssize_t k = gnutls_record_send(c->tls, p, n);
        if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
            continue;
        if (k < 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Reads one response; its status, or 0. */
static long raw_response(rawconn *c)
{
    ks_buf_reset(&c->in);
    size_t head = 0, want = 0;
    long status = 0;
    for (;;) {
        if (head && c->in.len >= want)
            break;
        if (ks_buf_reserve(&c->in, 64 << 10) != 0)
            return 0;
        ssize_t k = gnutls_record_recv(c->tls, c->in.data + c->in.len, 64 << 10);
        if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
            continue;
        if (k <= 0)
            return 0;
        c->in.len += (size_t)k;
        c->in.data[c->in.len] = '\0';
        if (!head) {
            char *end = strstr(c->in.data, "\r\n\r\n");
            if (!end)
                continue;
            head = (size_t)(end - c->in.data) + 4;
            if (sscanf(c->in.data, "HTTP/1.1 %ld", &status) != 1)
                return 0;
            const char *cl = strcasestr(c->in.data, "\r\ncontent-length:");
            if (!cl || cl > end)
                return 0; /* the writers' responses always carry one */
            want = head + strtoull(cl + 17, NULL, 10);
        }
    }
    ks_buf_reset(&c->body);
    ks_buf_append(&c->body, c->in.data + head, want - head);
    return status;
}

/* One request on c (connecting first when needed, once more when a kept
 * connection was closed); its status and latency, the body in c->body. */
static long raw_request(rawconn *c, const char *method, const char *path, const ks_buf *payload,
                        int64_t *ns)
{
    char hdr[1024];
    int n = snprintf(hdr, sizeof hdr,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Accept: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, payload->len);
    int64_t t0 = now_ns();
    long status = 0;
    for (int attempt = 0; attempt < 2 && !status; attempt++) {
        if (c->fd < 0 && !raw_connect(c))
            break;
        gnutls_record_cork(c->tls);
        bool sent = raw_send(c, hdr, (size_t)n) && raw_send(c, payload->data, payload->len);
        sent = sent && gnutls_record_uncork(c->tls, GNUTLS_RECORD_WAIT) >= 0;
        status = sent ? raw_response(c) : 0;
        if (!status)
            raw_close(c);
    }
    *ns = now_ns() - t0;
    if (status > 0 && status < 600) {
        atomic_fetch_add(&g_status[status], 1);
    } else {
        atomic_fetch_add(&g_transport, 1);
        fail("%s %s: no response", method, path);
        status = 0;
    }
    return status;
}

static void unexpected(const char *method, const char *path, long status, const ks_buf *body)
{
    if (status)
        fail("%s %s: status %ld: %.300s", method, path, status, ks_buf_cstr(body));
}

/* The decimal after the first `"key":"` at or after from; 0 if none. */
static uint64_t find_u64(const char *s, const char *key)
{
    const char *p = s ? strstr(s, key) : NULL;
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* ---- latency samples ---- */

typedef struct samples {
    pthread_mutex_t mu;
    int64_t *v;
    size_t n, cap;
} samples;

static void samples_add(samples *s, int64_t ns)
{
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap)
        s->v = ks_grow_array(s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = ns;
    pthread_mutex_unlock(&s->mu);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile in milliseconds (nearest rank); 0 without samples. */
static double quantile_ms(samples *s, double q)
{
    if (!s->n)
        return 0;
    qsort(s->v, s->n, sizeof *s->v, cmp_i64);
    size_t k = (size_t)(q * (double)s->n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > s->n)
        k = s->n;
    return (double)s->v[k - 1] / 1e6;
}

/* ---- server memory ---- */

static long status_kb(const char *field)
{
    if (O.server_pid <= 0)
        return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", O.server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':')
            kb = strtol(line + fl + 1, NULL, 10);
    fclose(f);
    return kb;
}

static void print_rss(const char *when)
{
    long rss = status_kb("VmRSS"), hwm = status_kb("VmHWM");
    if (rss >= 0)
        printf("  server memory %-14s RSS %6.1f MiB, peak (VmHWM) %6.1f MiB\n", when,
               (double)rss / 1024, (double)hwm / 1024);
}

/* CPU seconds the server has used (user + system), -1 if unknown. */
static double server_cpu_s(void)
{
    if (O.server_pid <= 0)
        return -1;
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", O.server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')'); /* after the command name */
    if (!p)
        return -1;
    /* fields 3.. follow; utime and stime are fields 14 and 15 */
    unsigned long long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double client_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

typedef struct cpu_mark {
    double server, client;
} cpu_mark;

static cpu_mark cpu_now(void)
{
    return (cpu_mark){server_cpu_s(), client_cpu_s()};
}

/* Prints the CPU both sides used since m, and per operation; returns the
 * server's milliseconds per operation (0 if unknown). */
static double print_cpu(const char *key, cpu_mark m, double wall, long ops)
{
    cpu_mark e = cpu_now();
    double srv = e.server - m.server, cli = e.client - m.client;
    if (m.server < 0 || ops <= 0)
        return 0;
    printf("  CPU: server %.2f s (%.0f%% of one core, %.2f ms per request), this client %.2f s\n",
           srv, 100 * srv / wall, 1000 * srv / (double)ops, cli);
    printf("result: %s_server_cpu_ms_per_op=%.2f\n", key, 1000 * srv / (double)ops);
    return 1000 * srv / (double)ops;
}

/* ---- phase 1 and 5: watchers ----
 *
 * Each watcher reads its stream over GnuTLS itself and decodes the chunked
 * transfer by hand: 54 libcurl watchers cost the client as much CPU per
 * write as the server's whole watch fan-out, on the same two cores. A line
 * is classified by its first bytes; only the last one is kept, for the
 * resourceVersion a resumed watch starts from. */

#define WATCH_POLL_MS 200 /* how often a quiet watcher looks at g_stop_watch */

typedef struct watcher {
    pthread_t th;
    long ns; /* -1: all namespaces */
    rawconn c;
    ks_buf line, last; /* the line being read; the last complete one */
    uint64_t from, last_rv;
    atomic_long added, modified, deleted, other, bytes;
    long reconnects, expired;
    atomic_bool ready;
    /* chunked transfer decoding */
    int chunk_state; /* CH_* */
    size_t chunk_left;
    char size_line[24];
    size_t size_len;
} watcher;

enum { CH_SIZE, CH_DATA, CH_CRLF, CH_END };

static atomic_bool g_stop_watch;
static watcher *g_watchers;
static long g_nwatchers;
static atomic_long g_ns_events[MAX_NS]; /* successful writes per namespace */

static void watch_line(watcher *w)
{
    const char *s = ks_buf_cstr(&w->line);
    if (strncmp(s, "{\"type\":\"ADDED\"", 15) == 0)
        atomic_fetch_add(&w->added, 1);
    else if (strncmp(s, "{\"type\":\"MODIFIED\"", 18) == 0)
        atomic_fetch_add(&w->modified, 1);
    else if (strncmp(s, "{\"type\":\"DELETED\"", 17) == 0)
        atomic_fetch_add(&w->deleted, 1);
    else {
        atomic_fetch_add(&w->other, 1);
        if (strncmp(s, "{\"type\":\"ERROR\"", 15) == 0) {
            if (strstr(s, "\"code\":410"))
                w->expired++;
            else
                fail("watch: error event: %.300s", s);
            return;
        }
    }
    ks_buf t = w->last; /* kept for its resourceVersion */
    w->last = w->line;
    w->line = t;
}

/* The revision the next watch resumes from: the last event's. */
static void watch_resume_point(watcher *w)
{
    uint64_t rv = w->last.len ? find_u64(ks_buf_cstr(&w->last), "\"resourceVersion\":\"") : 0;
    if (rv > w->last_rv)
        w->last_rv = rv;
    ks_buf_reset(&w->last);
}

/* Event bytes of the stream: lines end with '\n'. */
static void watch_bytes(watcher *w, const char *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t k = (nl ? (size_t)(nl - p) : len) - i;
        size_t room = MAX_LINE - w->line.len;
        ks_buf_append(&w->line, p + i, k < room ? k : room);
        i += k;
        if (!nl)
            break;
        i++;
        watch_line(w);
        ks_buf_reset(&w->line);
    }
}

/* Decodes the chunked body in p; false on a malformed one. */
static bool watch_chunks(watcher *w, const char *p, size_t len)
{
    for (size_t i = 0; i < len && w->chunk_state != CH_END;) {
        switch (w->chunk_state) {
        case CH_SIZE:
            if (p[i] == '\n') {
                w->size_line[w->size_len] = '\0';
                char *end;
                errno = 0;
                unsigned long long n = strtoull(w->size_line, &end, 16);
                if (end == w->size_line || errno)
                    return false;
                w->chunk_left = (size_t)n;
                w->size_len = 0;
                w->chunk_state = n ? CH_DATA : CH_END;
            } else if (w->size_len + 1 < sizeof w->size_line) {
                w->size_line[w->size_len++] = p[i];
            } else {
                return false;
            }
            i++;
            break;
        case CH_DATA: {
            size_t k = len - i < w->chunk_left ? len - i : w->chunk_left;
            watch_bytes(w, p + i, k);
            i += k;
            w->chunk_left -= k;
            if (!w->chunk_left)
                w->chunk_state = CH_CRLF;
            break;
        }
        case CH_CRLF:
            if (p[i++] == '\n')
                w->chunk_state = CH_SIZE;
            break;
        }
    }
    return true;
}

/* One watch request on w->c; its status (0: no response). The body is
 * read until the server ends it, the connection fails or g_stop_watch. */
static long watch_once(watcher *w, const char *path)
{
    rawconn *c = &w->c;
    if (!raw_connect(c))
        return 0;
    struct timeval tmo = {.tv_usec = WATCH_POLL_MS * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof tmo);
    char req[1200];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n",
                     path);
    if (n < 0 || (size_t)n >= sizeof req || !raw_send(c, req, (size_t)n)) {
        raw_close(c);
        return 0;
    }
    ks_buf_reset(&c->in);
    long status = 0;
    bool head = true;
    w->chunk_state = CH_SIZE;
    w->size_len = 0;
    ks_buf_reset(&w->line);
    while (!atomic_load(&g_stop_watch) && w->chunk_state != CH_END) {
        if (ks_buf_reserve(&c->in, 64 << 10) != 0)
            break;
        ssize_t k = gnutls_record_recv(c->tls, c->in.data + c->in.len, 64 << 10);
        if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
            continue;
        if (k <= 0)
            break;
        atomic_fetch_add(&w->bytes, (long)k);
        if (!head) {
            if (!watch_chunks(w, c->in.data, (size_t)k)) {
                fail("watch %s: malformed chunked body", path);
                break;
            }
            continue;
        }
        c->in.len += (size_t)k;
        c->in.data[c->in.len] = '\0';
        char *end = strstr(c->in.data, "\r\n\r\n");
        if (!end)
            continue;
        size_t hl = (size_t)(end - c->in.data) + 4;
        if (sscanf(c->in.data, "HTTP/1.1 %ld", &status) != 1)
            status = 0;
        const char *te = strcasestr(c->in.data, "\r\ntransfer-encoding: chunked");
        if (status != 200 || !te || te > end)
            break; /* the status is reported; the body does not matter */
        head = false;
        atomic_store(&w->ready, true);
        if (!watch_chunks(w, c->in.data + hl, c->in.len - hl)) {
            fail("watch %s: malformed chunked body", path);
            break;
        }
        ks_buf_reset(&c->in);
    }
    raw_close(c);
    return status;
}

static void *watch_main(void *arg)
{
    watcher *w = arg;
    w->last_rv = w->from;
    ks_buf_init(&w->line, MAX_LINE + 1);
    ks_buf_init(&w->last, MAX_LINE + 1);
    for (int attempt = 0; attempt <= MAX_RECONNECT && !atomic_load(&g_stop_watch); attempt++) {
        char path[1024], ns[32];
        ns_name(ns, sizeof ns, w->ns);
        snprintf(path, sizeof path,
                 API "%s%s/" PLURAL "?watch=true&resourceVersion=%" PRIu64 "&timeoutSeconds=900",
                 w->ns >= 0 ? "/namespaces/" : "", w->ns >= 0 ? ns : "", w->last_rv);
        long status = watch_once(w, path);
        watch_resume_point(w);
        if (atomic_load(&g_stop_watch))
            break;
        if (status != 200) {
            fail("watch %s: status %ld", path, status);
            break;
        }
        w->reconnects++; /* the server ended the stream: resume where it was */
        atomic_store(&w->ready, true);
    }
    atomic_store(&w->ready, true);
    ks_buf_free(&w->line);
    ks_buf_free(&w->last);
    return NULL;
}

static uint64_t collection_revision(conn *c)
{
    int64_t ns;
    long st = request(c, "GET", API "/" PLURAL "?limit=1", NULL, 30, &ns);
    if (st != 200) {
        unexpected("GET", API "/" PLURAL "?limit=1", st, &c->body);
        return 0;
    }
    /* the list's own metadata comes after its items */
    const char *m = strstr(ks_buf_cstr(&c->body), "],\"metadata\":{");
    return find_u64(m ? m : ks_buf_cstr(&c->body), "\"resourceVersion\":\"");
}

static void watchers_start(uint64_t from)
{
    g_nwatchers = O.watchers + O.ns_watchers;
    g_watchers = ks_xcalloc((size_t)g_nwatchers, sizeof *g_watchers);
    for (long i = 0; i < g_nwatchers; i++) {
        watcher *w = &g_watchers[i];
        w->ns = i < O.watchers ? -1 : (i - O.watchers) % O.namespaces;
        w->from = from;
        raw_init(&w->c);
        if (pthread_create(&w->th, NULL, watch_main, w) != 0) {
            fprintf(stderr, "bench_storage: pthread_create failed\n");
            exit(1);
        }
    }
    int64_t deadline = now_ns() + 15 * (int64_t)1000000000;
    long ready = 0;
    while (now_ns() < deadline) {
        ready = 0;
        for (long i = 0; i < g_nwatchers; i++)
            ready += atomic_load(&g_watchers[i].ready);
        if (ready == g_nwatchers)
            break;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    if (ready != g_nwatchers)
        fail("only %ld of %ld watches open after 15 s", ready, g_nwatchers);
}

static long watcher_expected(const watcher *w)
{
    if (w->ns >= 0)
        return atomic_load(&g_ns_events[w->ns]);
    long sum = 0;
    for (long k = 0; k < O.namespaces; k++)
        sum += atomic_load(&g_ns_events[k]);
    return sum;
}

static long watcher_got(watcher *w)
{
    return atomic_load(&w->added) + atomic_load(&w->modified);
}

static void watchers_drain(void)
{
    int64_t t0 = now_ns(), deadline = t0 + (int64_t)(O.drain_s * 1e9);
    for (;;) {
        long behind = 0;
        for (long i = 0; i < g_nwatchers; i++)
            behind += watcher_got(&g_watchers[i]) < watcher_expected(&g_watchers[i]);
        if (!behind || now_ns() >= deadline)
            break;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    int64_t waited = now_ns() - t0;
    atomic_store(&g_stop_watch, true);
    for (long i = 0; i < g_nwatchers; i++)
        pthread_join(g_watchers[i].th, NULL);

    printf("watch: %ld watchers on all namespaces, %ld on one namespace; drained in %.2f s\n",
           O.watchers, O.ns_watchers, secs(waited));
    long missing_w = 0, extra_w = 0, reconnects = 0, expired = 0;
    for (int scope = 0; scope < 2; scope++) {
        long cnt = 0, lo = -1, hi = 0, sum = 0, exp_sum = 0;
        double mb = 0;
        for (long i = 0; i < g_nwatchers; i++) {
            watcher *w = &g_watchers[i];
            if ((w->ns >= 0) != scope)
                continue;
            long got = watcher_got(w), want = watcher_expected(w);
            cnt++;
            sum += got;
            exp_sum += want;
            lo = lo < 0 || got < lo ? got : lo;
            hi = got > hi ? got : hi;
            mb += (double)atomic_load(&w->bytes) / 1048576;
            missing_w += got < want;
            extra_w += got > want;
            reconnects += w->reconnects;
            expired += w->expired;
        }
        if (!cnt)
            continue;
        printf("  %-15s events per watcher: min %ld, max %ld; %ld received of %ld expected; "
               "%.1f MiB read in all\n",
               scope ? "one namespace" : "all namespaces", lo, hi, sum, exp_sum, mb);
    }
    long total = 0;
    for (long i = 0; i < g_nwatchers; i++)
        total += watcher_got(&g_watchers[i]);
    printf("  streams the server ended early (resumed): %ld, 410 Expired: %ld, watchers with "
           "missing events: %ld, with extra events: %ld\n",
           reconnects, expired, missing_w, extra_w);
    printf("result: watch_events=%ld watchers_missing=%ld watch_resumes=%ld\n", total, missing_w,
           reconnects);
    if (missing_w)
        fail("%ld watchers missed events (dropped)", missing_w);
    for (long i = 0; i < g_nwatchers; i++)
        raw_free(&g_watchers[i].c);
    ks_xfree(g_watchers);
}

/* ---- phases 2 and 3: writers ---- */

typedef struct write_phase {
    bool update;
    long count;  /* objects to write */
    long stride; /* update: object index = k * stride */
    int64_t deadline;
    atomic_long next, done, bytes;
    samples lat;
    ks_buf *bodies; /* bodies[k]: made before the phase is timed */
} write_phase;

static uint64_t *g_rv; /* per object: resourceVersion after its last write, 0 if none */

static void *write_main(void *arg)
{
    write_phase *ph = arg;
    rawconn c;
    raw_init(&c);
    for (;;) {
        long k = atomic_fetch_add(&ph->next, 1);
        if (k >= ph->count || now_ns() >= ph->deadline)
            break;
        long idx = ph->update ? k * ph->stride : k;
        if (ph->update && !g_rv[idx])
            continue; /* its create failed */
        char ns[32], name[128], path[512];
        ns_name(ns, sizeof ns, idx % O.namespaces);
        obj_name(name, sizeof name, idx);
        const ks_buf *body = &ph->bodies[k];
        if (ph->update)
            snprintf(path, sizeof path, API "/namespaces/%s/" PLURAL "/%s", ns, name);
        else
            snprintf(path, sizeof path, API "/namespaces/%s/" PLURAL, ns);
        const char *method = ph->update ? "PUT" : "POST";
        int64_t ns_taken;
        long st = raw_request(&c, method, path, body, &ns_taken);
        if (st != (ph->update ? 200 : 201)) {
            unexpected(method, path, st, &c.body);
            continue;
        }
        samples_add(&ph->lat, ns_taken);
        atomic_fetch_add(&ph->done, 1);
        atomic_fetch_add(&ph->bytes, (long)body->len);
        atomic_fetch_add(&g_ns_events[idx % O.namespaces], 1);
        g_rv[idx] = find_u64(ks_buf_cstr(&c.body), "\"resourceVersion\":\"");
        if (!g_rv[idx])
            fail("%s %s: no metadata.resourceVersion in the response", method, path);
    }
    raw_free(&c);
    return NULL;
}

static long run_writes(bool update, long count, long stride, double limit_s)
{
    write_phase ph = {.update = update, .count = count, .stride = stride};
    pthread_mutex_init(&ph.lat.mu, NULL);
    /* The bodies are made first, so that the client's CPU during the phase
     * is that of sending them (as a real writer's would be). */
    ph.bodies = ks_xcalloc((size_t)count, sizeof(*ph.bodies));
    for (long k = 0; k < count; k++) {
        long idx = update ? k * stride : k;
        if (!update || g_rv[idx])
            manifest(&ph.bodies[k], idx, update ? 1 : 0, update ? g_rv[idx] : 0);
    }
    pthread_t th[MAX_THREADS];
    cpu_mark cpu = cpu_now();
    int64_t t0 = now_ns();
    ph.deadline = t0 + (int64_t)(limit_s * 1e9);
    for (long i = 0; i < O.writers; i++)
        pthread_create(&th[i], NULL, write_main, &ph);
    for (long i = 0; i < O.writers; i++)
        pthread_join(th[i], NULL);
    double el = secs(now_ns() - t0);
    long done = atomic_load(&ph.done);
    const char *what = update ? "update" : "create";
    printf("%s: %ld of %ld objects in %.2f s%s: %.0f writes/s, %.1f MB/s of bodies; "
           "latency p50 %.1f ms, p99 %.1f ms\n",
           what, done, count, el, now_ns() >= ph.deadline ? " (time limit reached)" : "",
           (double)done / el, (double)atomic_load(&ph.bytes) / 1e6 / el, quantile_ms(&ph.lat, 0.5),
           quantile_ms(&ph.lat, 0.99));
    print_cpu(what, cpu, el, done);
    if (!update && done)
        printf("  object size: %.1f KB on average\n",
               (double)atomic_load(&ph.bytes) / (double)done / 1000);
    printf("result: %s_writes_per_s=%.0f %s_done=%ld %s_p50_ms=%.1f %s_p99_ms=%.1f\n", what,
           (double)done / el, what, done, what, quantile_ms(&ph.lat, 0.5), what,
           quantile_ms(&ph.lat, 0.99));
    ks_xfree(ph.lat.v);
    pthread_mutex_destroy(&ph.lat.mu);
    for (long k = 0; k < count; k++)
        ks_buf_free(&ph.bodies[k]);
    ks_xfree(ph.bodies);
    return done;
}

/* ---- phase 4: lists ---- */

enum { L_ALL, L_NS, L_NS_FULL, NLIST };
static const char *const list_names[NLIST] = {
        "all namespaces, metadata-only", "one namespace, metadata-only", "one namespace, fullSpec"};
static const char *const list_keys[NLIST] = {"list_all", "list_ns", "list_ns_full"};

typedef struct list_phase {
    long tasks; /* rounds x (1 + 2 x namespaces) */
    int64_t deadline;
    atomic_long next, walks, pages, mismatches;
    atomic_llong bytes[NLIST];
    samples lat[NLIST];
} list_phase;

static void list_walk(list_phase *ph, conn *c, int kind, long nsi)
{
    char ns[32], path[1024];
    ns_name(ns, sizeof ns, nsi);
    long items = 0, want = 0; /* the objects created in scope */
    for (long i = 0; i < O.n; i++)
        if (g_rv[i] && (kind == L_ALL || i % O.namespaces == nsi))
            want++;
    char cont[256] = "";
    for (long page = 0; page < MAX_PAGES; page++) {
        int n = snprintf(path, sizeof path, API "%s%s/" PLURAL "?limit=%d%s%s%s",
                         kind == L_ALL ? "" : "/namespaces/", kind == L_ALL ? "" : ns, PAGE_LIMIT,
                         kind == L_NS_FULL ? "&resourceVersion=fullSpec" : "",
                         cont[0] ? "&continue=" : "", cont);
        if (n < 0 || (size_t)n >= sizeof path)
            return;
        int64_t took;
        long st = request(c, "GET", path, NULL, 120, &took);
        if (st != 200) {
            unexpected("GET", path, st, &c->body);
            return;
        }
        samples_add(&ph->lat[kind], took);
        atomic_fetch_add(&ph->pages, 1);
        atomic_fetch_add(&ph->bytes[kind], (long long)c->body.len);
        const char *body = ks_buf_cstr(&c->body);
        for (const char *p = body; (p = strstr(p, "\"uid\":\"")); p += 7)
            items++;
        if (kind == L_NS_FULL && !strstr(body, "\"matches\":[{"))
            fail("GET %s: fullSpec list without matches", path);
        const char *m = strstr(body, "],\"metadata\":{");
        const char *k = m ? strstr(m, "\"continue\":\"") : NULL;
        cont[0] = '\0';
        if (k) {
            k += 12;
            size_t len = strcspn(k, "\"");
            if (len >= sizeof cont) {
                fail("GET %s: continue token longer than %zu bytes", path, sizeof cont - 1);
                return;
            }
            memcpy(cont, k, len);
            cont[len] = '\0';
        }
        if (!cont[0])
            break;
    }
    atomic_fetch_add(&ph->walks, 1);
    if (items != want) {
        atomic_fetch_add(&ph->mismatches, 1);
        fail("LIST %s (%s): %ld items, want %ld", kind == L_ALL ? "all" : ns, list_names[kind],
             items, want);
    }
}

static void *list_main(void *arg)
{
    list_phase *ph = arg;
    conn c;
    conn_init(&c);
    long per_round = 1 + 2 * O.namespaces;
    for (;;) {
        long t = atomic_fetch_add(&ph->next, 1);
        if (t >= ph->tasks || now_ns() >= ph->deadline)
            break;
        long r = t % per_round;
        if (r == 0)
            list_walk(ph, &c, L_ALL, 0);
        else if (r <= O.namespaces)
            list_walk(ph, &c, L_NS, r - 1);
        else
            list_walk(ph, &c, L_NS_FULL, r - 1 - O.namespaces);
    }
    conn_free(&c);
    return NULL;
}

static void run_lists(void)
{
    list_phase ph = {.tasks = O.list_rounds * (1 + 2 * O.namespaces)};
    for (int k = 0; k < NLIST; k++)
        pthread_mutex_init(&ph.lat[k].mu, NULL);
    pthread_t th[MAX_THREADS];
    cpu_mark cpu = cpu_now();
    int64_t t0 = now_ns();
    ph.deadline = t0 + (int64_t)(O.list_s * 1e9);
    for (long i = 0; i < O.listers; i++)
        pthread_create(&th[i], NULL, list_main, &ph);
    for (long i = 0; i < O.listers; i++)
        pthread_join(th[i], NULL);
    double el = secs(now_ns() - t0);
    printf("list: %ld walks, %ld pages (limit=%d) in %.2f s by %ld threads%s\n",
           atomic_load(&ph.walks), atomic_load(&ph.pages), PAGE_LIMIT, el, O.listers,
           now_ns() >= ph.deadline ? " (time limit reached)" : "");
    print_cpu("list", cpu, el, atomic_load(&ph.pages));
    for (int k = 0; k < NLIST; k++) {
        samples *s = &ph.lat[k];
        double p50 = quantile_ms(s, 0.5), p99 = quantile_ms(s, 0.99);
        printf("  %-31s %5zu pages, p50 %7.1f ms, p99 %7.1f ms, %.0f KB/page\n", list_names[k],
               s->n, p50, p99, s->n ? (double)atomic_load(&ph.bytes[k]) / 1e3 / (double)s->n : 0.0);
        printf("result: %s_pages=%zu %s_p50_ms=%.1f %s_p99_ms=%.1f\n", list_keys[k], s->n,
               list_keys[k], p50, list_keys[k], p99);
        ks_xfree(s->v);
        pthread_mutex_destroy(&s->mu);
    }
}

/* ---- main ---- */

static const char usage[] =
        "Usage: bench_storage [flags] BASE_URL\n"
        "  BASE_URL like https://127.0.0.1:PORT (kso storage with --allow-anonymous)\n"
        "  --pool FILE        advisories from bench/storage/gen (else synthetic ones)\n"
        "  -n N               objects to create (10000)\n"
        "  --updates N        objects to update with PUT (2000)\n"
        "  --writers N        writer threads (8)\n"
        "  --watchers N       watchers on all namespaces (50)\n"
        "  --ns-watchers N    watchers on one namespace each (4)\n"
        "  --namespaces N     namespaces the objects spread over (20)\n"
        "  --listers N        LIST threads (2)\n"
        "  --list-rounds N    rounds of walks: all, each namespace, each with fullSpec (3)\n"
        "  --create-limit S, --update-limit S, --list-limit S, --drain-limit S\n"
        "                     time limits of the phases in seconds (90, 30, 40, 20)\n"
        "  --server-pid PID   report this process's RSS after each phase\n"
        "  --seed N           generator seed\n";

static long opt_long(const char *name, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "bench_storage: %s: want an integer in %ld..%ld, got %s\n", name, lo, hi,
                v);
        exit(2);
    }
    return x;
}

static double opt_secs(const char *name, const char *v)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x > 0 && x <= 3600)) {
        fprintf(stderr, "bench_storage: %s: want seconds in (0, 3600], got %s\n", name, v);
        exit(2);
    }
    return x;
}

static void parse_args(int argc, char **argv)
{
    enum {
        O_POOL = 1000,
        O_UPD,
        O_WR,
        O_WA,
        O_NSW,
        O_NS,
        O_LI,
        O_LR,
        O_CL,
        O_UL,
        O_LL,
        O_DL,
        O_PID,
        O_SEED
    };
    static const struct option lo[] = {
            {"pool", required_argument, NULL, O_POOL},
            {"updates", required_argument, NULL, O_UPD},
            {"writers", required_argument, NULL, O_WR},
            {"watchers", required_argument, NULL, O_WA},
            {"ns-watchers", required_argument, NULL, O_NSW},
            {"namespaces", required_argument, NULL, O_NS},
            {"listers", required_argument, NULL, O_LI},
            {"list-rounds", required_argument, NULL, O_LR},
            {"create-limit", required_argument, NULL, O_CL},
            {"update-limit", required_argument, NULL, O_UL},
            {"list-limit", required_argument, NULL, O_LL},
            {"drain-limit", required_argument, NULL, O_DL},
            {"server-pid", required_argument, NULL, O_PID},
            {"seed", required_argument, NULL, O_SEED},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "n:h", lo, NULL)) != -1) {
        switch (c) {
        case 'n': O.n = opt_long("-n", optarg, 1, MAX_OBJECTS); break;
        case O_POOL: O.pool_file = optarg; break;
        case O_UPD: O.updates = opt_long("--updates", optarg, 0, MAX_OBJECTS); break;
        case O_WR: O.writers = opt_long("--writers", optarg, 1, MAX_THREADS); break;
        case O_WA: O.watchers = opt_long("--watchers", optarg, 0, MAX_THREADS); break;
        case O_NSW: O.ns_watchers = opt_long("--ns-watchers", optarg, 0, MAX_THREADS); break;
        case O_NS: O.namespaces = opt_long("--namespaces", optarg, 1, MAX_NS); break;
        case O_LI: O.listers = opt_long("--listers", optarg, 1, MAX_THREADS); break;
        case O_LR: O.list_rounds = opt_long("--list-rounds", optarg, 0, 1000); break;
        case O_CL: O.create_s = opt_secs("--create-limit", optarg); break;
        case O_UL: O.update_s = opt_secs("--update-limit", optarg); break;
        case O_LL: O.list_s = opt_secs("--list-limit", optarg); break;
        case O_DL: O.drain_s = opt_secs("--drain-limit", optarg); break;
        case O_PID: O.server_pid = opt_long("--server-pid", optarg, 1, 1L << 30); break;
        case O_SEED: O.seed = (uint64_t)opt_long("--seed", optarg, 0, 1L << 62); break;
        case 'h': fputs(usage, stdout); exit(0);
        default: fputs(usage, stderr); exit(2);
        }
    }
    if (optind + 1 != argc) {
        fputs(usage, stderr);
        exit(2);
    }
    O.base = argv[optind];
    if (strlen(O.base) > 200 || strncmp(O.base, "http", 4) != 0) {
        fprintf(stderr, "bench_storage: not a base URL: %.200s\n", O.base);
        exit(2);
    }
    if (O.updates > O.n)
        O.updates = O.n;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (O.pool_file ? pool_load(O.pool_file) < 0 : (pool_synthetic(), 0))
        return 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    g_rv = ks_xcalloc((size_t)O.n, sizeof *g_rv);
    printf("bench_storage: %ld VulnerabilityManifests in %ld namespaces, %ld writers, "
           "%ld+%ld watchers, pool of %zu advisories\n",
           O.n, O.namespaces, O.writers, O.watchers, O.ns_watchers, g_npool);
    print_rss("at start");

    conn c;
    conn_init(&c);
    uint64_t rev = collection_revision(&c);
    conn_free(&c);
    if (atomic_load(&g_failed))
        return 1;
    watchers_start(rev);

    long created = run_writes(false, O.n, 1, O.create_s);
    print_rss("after creates");
    long stride = O.updates ? O.n / O.updates : 1;
    if (O.updates)
        run_writes(true, O.updates, stride, O.update_s);
    print_rss("after updates");
    if (O.list_rounds)
        run_lists();
    print_rss("after lists");
    watchers_drain();
    print_rss("at the end");

    long errors = atomic_load(&g_transport);
    printf("responses by status:");
    for (int s = 0; s < 600; s++)
        if (atomic_load(&g_status[s]))
            printf(" %d: %ld", s, atomic_load(&g_status[s]));
    printf("; without a response: %ld\n", errors);
    printf("result: created=%ld failed=%d failures=%ld\n", created, atomic_load(&g_failed) ? 1 : 0,
           atomic_load(&g_nfailures));
    ks_xfree(g_rv);
    ks_xfree(g_pool);
    ks_xfree(g_pool_text);
    curl_global_cleanup();
    return atomic_load(&g_failed) ? 1 : 0;
}
