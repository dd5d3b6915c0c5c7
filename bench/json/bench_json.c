/*
 * JSON benchmark: kso's reader and writer (src/value) against jansson, on the
 * same inputs in one run.
 *
 *   bench_json [-n RUNS] FILE...
 *   bench_json [-n RUNS] --kso-parse-only FILE...   (for perf: kso parses only)
 *
 * For each file: parse throughput (kv_json_parse into a fresh arena against
 * json_loadb with default flags), compact write throughput (kv_json_write
 * against json_dumps with JSON_COMPACT), and the peak memory one parse holds.
 * Times are the best of RUNS (default 7) on CLOCK_MONOTONIC; medians are
 * printed beside them. Memory for kso is the bytes the arena reserved from the
 * heap by the end of the parse (chunk headers and unused chunk tails
 * included) plus the peak of the parser's heap scratch; for jansson it is the peak of live bytes
 * requested through json_set_alloc_funcs (malloc's own overhead not counted), measured in a
 * separate parse so the counting does not slow the timed ones.
 *
 * Sanity checks, any failure of which is an error (exit 1): both parsers
 * accept the input, and kso's compact output parses back equal to the tree
 * it was written from. Also reported, not an error: whether kso reads
 * jansson's output as the same value (numbers compared as doubles, since
 * jansson writes doubles with 17 significant digits).
 *
 * Targets for kso's reader are marked, not enforced: parse at least 3x
 * jansson, at least 500 MB/s, peak memory at most 3x the input.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/mem.h"
#include "value/value.h"

#define MAX_RUNS            100
#define TARGET_PARSE_RATIO  3.0
#define TARGET_PARSE_MBS    500.0
#define TARGET_MEM_PER_BYTE 3.0

static KS_MEM_ACCOUNT(bench_acct, "bench-json");

/* ---- timing ---- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct timing {
    double t[MAX_RUNS];
    int n;
} timing;

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double best(const timing *t)
{
    double b = t->t[0];
    for (int i = 1; i < t->n; i++)
        if (t->t[i] < b)
            b = t->t[i];
    return b;
}

static double median(const timing *t)
{
    double s[MAX_RUNS];
    memcpy(s, t->t, sizeof(double) * (size_t)t->n);
    qsort(s, (size_t)t->n, sizeof(double), cmp_double);
    return t->n % 2 ? s[t->n / 2] : (s[t->n / 2 - 1] + s[t->n / 2]) / 2;
}

static double mbs(size_t bytes, double sec)
{
    return sec > 0 ? (double)bytes / 1e6 / sec : 0;
}

/* ---- jansson with a counting allocator ---- */

typedef union alloc_hdr {
    size_t size;
    max_align_t align;
} alloc_hdr;

static size_t jansson_live, jansson_peak;

static void *counting_malloc(size_t n)
{
    alloc_hdr *h = malloc(sizeof(*h) + n);
    if (!h)
        return NULL;
    h->size = n;
    jansson_live += n;
    if (jansson_live > jansson_peak)
        jansson_peak = jansson_live;
    return h + 1;
}

static void counting_free(void *p)
{
    if (!p)
        return;
    alloc_hdr *h = (alloc_hdr *)p - 1;
    jansson_live -= h->size;
    free(h);
}

/* ---- kso peak memory ---- */

/* The heap account's peak only grows; restart it at the current level so the
 * next peak is the parser's own scratch. */
static size_t heap_peak_restart(void)
{
    size_t cur = ks_mem_current(&ks_mem_heap);
    atomic_store_explicit(&ks_mem_heap.peak, cur, memory_order_relaxed);
    return cur;
}

/* ---- one input ---- */

typedef struct result {
    const char *name;
    size_t size;
    double kso_parse, jansson_parse;         /* best seconds */
    double kso_parse_reuse;                  /* best seconds, arena reset and reused */
    double kso_parse_med, jansson_parse_med; /* median seconds */
    double kso_write, jansson_write;
    double kso_write_med, jansson_write_med;
    size_t kso_out, jansson_out; /* compact output bytes */
    size_t kso_mem, kso_arena_reserved, kso_arena_used, kso_scratch, jansson_mem;
    bool roundtrip_ok, agree;
} result;

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int bench_kso_parse(const char *src, size_t n, int runs, result *r)
{
    timing t = {.n = runs};
    for (int i = 0; i < runs; i++) {
        ks_arena a;
        ks_error err;
        kv_value v;
        size_t heap0 = heap_peak_restart();
        double t0 = now_sec();
        ks_arena_init(&a, &bench_acct, 0);
        int rc = kv_json_parse(&a, src, n, NULL, &v, &err);
        t.t[i] = now_sec() - t0;
        if (rc) {
            ks_buf msg = KS_BUF_INIT;
            ks_error_format(&err, &msg);
            fprintf(stderr, "bench_json: %s: kso: %s\n", r->name, ks_buf_cstr(&msg));
            ks_buf_free(&msg);
            ks_arena_free(&a);
            return -1;
        }
        /* Nothing is given back during a parse: what the arena holds now
         * is its peak. */
        r->kso_arena_reserved = a.reserved;
        r->kso_arena_used = ks_arena_used(&a);
        r->kso_scratch = ks_mem_peak(&ks_mem_heap) - heap0;
        ks_arena_free(&a);
    }
    r->kso_mem = r->kso_arena_reserved + r->kso_scratch;
    r->kso_parse = best(&t);
    r->kso_parse_med = median(&t);
    return 0;
}

/* The way a long-running worker parses one document after another: one
 * arena, ks_arena_reset between parses, so its chunks (already faulted in)
 * are reused. The first parse is not timed. */
static int bench_kso_parse_reuse(const char *src, size_t n, int runs, result *r)
{
    timing t = {.n = runs};
    ks_arena a;
    ks_arena_init(&a, &bench_acct, 0);
    int rc = 0;
    for (int i = -1; i < runs && rc == 0; i++) {
        ks_error err;
        kv_value v;
        ks_arena_reset(&a);
        double t0 = now_sec();
        rc = kv_json_parse(&a, src, n, NULL, &v, &err);
        if (i >= 0)
            t.t[i] = now_sec() - t0;
    }
    ks_arena_free(&a);
    if (rc)
        return -1;
    r->kso_parse_reuse = best(&t);
    return 0;
}

static int bench_jansson_parse(const char *src, size_t n, int runs, result *r)
{
    timing t = {.n = runs};
    json_set_alloc_funcs(malloc, free);
    for (int i = 0; i < runs; i++) {
        json_error_t err;
        double t0 = now_sec();
        json_t *root = json_loadb(src, n, 0, &err);
        t.t[i] = now_sec() - t0;
        if (!root) {
            fprintf(stderr, "bench_json: %s: jansson: line %d column %d: %s\n", r->name, err.line,
                    err.column, err.text);
            return -1;
        }
        json_decref(root);
    }
    r->jansson_parse = best(&t);
    r->jansson_parse_med = median(&t);

    /* Memory in a run of its own, through the counting allocator. */
    json_set_alloc_funcs(counting_malloc, counting_free);
    jansson_live = jansson_peak = 0;
    json_t *root = json_loadb(src, n, 0, NULL);
    r->jansson_mem = jansson_peak;
    json_decref(root);
    json_set_alloc_funcs(malloc, free);
    return root ? 0 : -1;
}

static int bench_kso_write(const kv_value *v, int runs, result *r)
{
    timing t = {.n = runs};
    for (int i = 0; i < runs; i++) {
        ks_buf b = KS_BUF_INIT;
        double t0 = now_sec();
        int rc = kv_json_write(&b, v, 0);
        t.t[i] = now_sec() - t0;
        r->kso_out = b.len;
        ks_buf_free(&b);
        if (rc) {
            fprintf(stderr, "bench_json: %s: kso write: %s\n", r->name, ks_strerror(rc));
            return -1;
        }
    }
    r->kso_write = best(&t);
    r->kso_write_med = median(&t);
    return 0;
}

static int bench_jansson_write(const json_t *root, int runs, result *r)
{
    timing t = {.n = runs};
    for (int i = 0; i < runs; i++) {
        double t0 = now_sec();
        char *s = json_dumps(root, JSON_COMPACT);
        t.t[i] = now_sec() - t0;
        if (!s) {
            fprintf(stderr, "bench_json: %s: jansson write failed\n", r->name);
            return -1;
        }
        r->jansson_out = strlen(s);
        free(s);
    }
    r->jansson_write = best(&t);
    r->jansson_write_med = median(&t);
    return 0;
}

/* kv_equal, except that numbers compare as doubles. */
static bool same_value(const kv_value *a, const kv_value *b)
{
    if (a->kind != b->kind || a->len != b->len)
        return false;
    switch ((kv_kind)a->kind) {
    case KV_NUMBER: return kv_num_double(a) == kv_num_double(b);
    case KV_ARRAY:
    case KV_SET:
        for (uint32_t i = 0; i < a->len; i++)
            if (!same_value(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case KV_OBJECT:
        for (uint32_t i = 0; i < a->len; i++)
            if (!kv_equal(&a->u.members[i].key, &b->u.members[i].key) ||
                !same_value(&a->u.members[i].val, &b->u.members[i].val))
                return false;
        return true;
    default: return kv_equal(a, b);
    }
}

/* kso's output must parse back to an equal value; reports whether kso also
 * reads jansson's output as the same value. */
static int check(const kv_value *v, const json_t *jroot, result *r)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_buf b = KS_BUF_INIT;
    kv_value back;
    int rc = kv_json_write(&b, v, 0);
    if (rc == 0)
        rc = kv_json_parse(&a, b.data, b.len, NULL, &back, NULL);
    r->roundtrip_ok = rc == 0 && kv_equal(v, &back);

    char *js = json_dumps(jroot, JSON_COMPACT);
    r->agree =
            js && kv_json_parse(&a, js, strlen(js), NULL, &back, NULL) == 0 && same_value(v, &back);
    free(js);
    ks_buf_free(&b);
    ks_arena_free(&a);
    if (!r->roundtrip_ok) {
        fprintf(stderr, "bench_json: %s: kso output does not parse back equal\n", r->name);
        return -1;
    }
    return 0;
}

static int bench_file(const char *path, int runs, result *r)
{
    char *src;
    size_t n;
    ks_error err;
    r->name = base_name(path);
    if (ks_file_read(path, 0, &src, &n, &err)) {
        fprintf(stderr, "bench_json: %s: %s\n", path, err.msg);
        return -1;
    }
    r->size = n;
    int rc = bench_kso_parse(src, n, runs, r);
    if (rc == 0)
        rc = bench_kso_parse_reuse(src, n, runs, r);
    if (rc == 0)
        rc = bench_jansson_parse(src, n, runs, r);

    /* Trees kept for the write benchmarks and the checks. */
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value v;
    json_t *jroot = NULL;
    if (rc == 0)
        rc = kv_json_parse(&a, src, n, NULL, &v, NULL);
    if (rc == 0) {
        jroot = json_loadb(src, n, 0, NULL);
        rc = jroot ? 0 : -1;
    }
    if (rc == 0)
        rc = bench_kso_write(&v, runs, r);
    if (rc == 0)
        rc = bench_jansson_write(jroot, runs, r);
    if (rc == 0)
        rc = check(&v, jroot, r);
    json_decref(jroot);
    ks_arena_free(&a);
    ks_xfree(src);
    return rc;
}

/* ---- report ---- */

static const char *mark(bool ok)
{
    return ok ? "ok  " : "MISS";
}

static void print_table(const result *rs, int n, int runs)
{
    printf("JSON: kso (src/value) vs jansson %s, best of %d runs; MB/s of the input for parse, "
           "of each output for write\n\n",
           JANSSON_VERSION, runs);
    printf("%-22s %8s | %9s %9s %6s | %9s %9s %6s | %9s %9s\n", "input", "size MB", "kso parse",
           "jansson", "ratio", "kso write", "jansson", "ratio", "kso mem/in", "jansson");
    printf("%-22s %8s | %9s %9s %6s | %9s %9s %6s | %9s %9s\n", "", "", "MB/s", "MB/s", "", "MB/s",
           "MB/s", "", "", "mem/in");
    for (int i = 0; i < 105; i++)
        putchar('-');
    putchar('\n');
    for (int i = 0; i < n; i++) {
        const result *r = &rs[i];
        double kp = mbs(r->size, r->kso_parse), jp = mbs(r->size, r->jansson_parse);
        double kw = mbs(r->kso_out, r->kso_write), jw = mbs(r->jansson_out, r->jansson_write);
        printf("%-22s %8.1f | %9.0f %9.0f %5.2fx | %9.0f %9.0f %5.2fx | %8.2fx %8.2fx\n", r->name,
               (double)r->size / 1e6, kp, jp, jp > 0 ? kp / jp : 0, kw, jw, jw > 0 ? kw / jw : 0,
               (double)r->kso_mem / (double)r->size, (double)r->jansson_mem / (double)r->size);
    }

    printf("\nDetails (median ms; memory in MB):\n");
    for (int i = 0; i < n; i++) {
        const result *r = &rs[i];
        printf("  %s: parse kso %.1f / jansson %.1f ms; write kso %.1f / jansson %.1f ms "
               "(output %.1f / %.1f MB)\n",
               r->name, r->kso_parse_med * 1e3, r->jansson_parse_med * 1e3, r->kso_write_med * 1e3,
               r->jansson_write_med * 1e3, (double)r->kso_out / 1e6, (double)r->jansson_out / 1e6);
        printf("  %*s  kso parse into a reused arena (ks_arena_reset, no fresh pages): "
               "best %.1f ms, %.0f MB/s\n",
               (int)strlen(r->name), "", r->kso_parse_reuse * 1e3,
               mbs(r->size, r->kso_parse_reuse));
        printf("  %*s  memory kso %.1f (arena reserved %.1f, handed out %.1f, parser scratch "
               "%.1f) / jansson %.1f\n",
               (int)strlen(r->name), "", (double)r->kso_mem / 1e6,
               (double)r->kso_arena_reserved / 1e6, (double)r->kso_arena_used / 1e6,
               (double)r->kso_scratch / 1e6, (double)r->jansson_mem / 1e6);
        printf("  %*s  checks: both parsers accept it; kso round trip %s; kso reads jansson's "
               "output as the same value (numbers as doubles): %s\n",
               (int)strlen(r->name), "", r->roundtrip_ok ? "equal" : "DIFFERS",
               r->agree ? "yes" : "no");
    }

    printf("\nTargets for kso's reader (marked, not enforced):\n");
    int missed = 0;
    for (int i = 0; i < n; i++) {
        const result *r = &rs[i];
        double kp = mbs(r->size, r->kso_parse), jp = mbs(r->size, r->jansson_parse);
        double ratio = jp > 0 ? kp / jp : 0, mem = (double)r->kso_mem / (double)r->size;
        bool a = ratio >= TARGET_PARSE_RATIO, b = kp >= TARGET_PARSE_MBS,
             c = mem <= TARGET_MEM_PER_BYTE;
        missed += !a + !b + !c;
        printf("  %-22s [%s] parse %.2fx jansson (>= %.0fx)  [%s] %.0f MB/s (>= %.0f)  "
               "[%s] memory %.2fx input (<= %.0fx)\n",
               r->name, mark(a), ratio, TARGET_PARSE_RATIO, mark(b), kp, TARGET_PARSE_MBS, mark(c),
               mem, TARGET_MEM_PER_BYTE);
    }
    printf("  %s\n", missed ? "some targets missed" : "all targets met");
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_json [-n RUNS] [--kso-parse-only] FILE...\n");
}

/* Only kso's parse, for profiling with perf or callgrind. */
static int kso_parse_only(char **paths, int n, int runs)
{
    for (int i = 0; i < n; i++) {
        result r = {.name = base_name(paths[i])};
        char *src;
        size_t len;
        ks_error err;
        if (ks_file_read(paths[i], 0, &src, &len, &err)) {
            fprintf(stderr, "bench_json: %s: %s\n", paths[i], err.msg);
            return 1;
        }
        r.size = len;
        int rc = bench_kso_parse(src, len, runs, &r);
        ks_xfree(src);
        if (rc)
            return 1;
        printf("%-22s kso parse best %.1f ms (%.0f MB/s), median %.1f ms, memory %.2fx input\n",
               r.name, r.kso_parse * 1e3, mbs(r.size, r.kso_parse), r.kso_parse_med * 1e3,
               (double)r.kso_mem / (double)r.size);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 7, first = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        char *end;
        long v = strtol(argv[2], &end, 10);
        if (*end || v < 1 || v > MAX_RUNS) {
            usage();
            return 2;
        }
        runs = (int)v;
        first = 3;
    }
    bool parse_only = first < argc && strcmp(argv[first], "--kso-parse-only") == 0;
    if (parse_only)
        first++;
    if (first >= argc) {
        usage();
        return 2;
    }
    if (parse_only)
        return kso_parse_only(argv + first, argc - first, runs);
    int n = argc - first;
    result *rs = ks_xcalloc((size_t)n, sizeof(*rs));
    int status = 0, done = 0;
    for (int i = 0; i < n; i++) {
        fprintf(stderr, "bench_json: %s ...\n", argv[first + i]);
        if (bench_file(argv[first + i], runs, &rs[done]) == 0)
            done++;
        else
            status = 1;
    }
    if (done)
        print_table(rs, done, runs);
    ks_xfree(rs);
    return status;
}
