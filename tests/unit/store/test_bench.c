/* Store write throughput, a measuring program rather than a test: it runs
 * only when KSO_STORE_BENCH names a scratch directory on the disk to measure
 * (otherwise it is skipped), prints writes/s for ~8 KB objects and asserts
 * nothing about time.
 *
 *   KSO_STORE_BENCH=/var/tmp/kstore-bench build/rel/tests/unit_store_test_bench
 *
 * Cases: creates then updates, from 1 and 8 threads writing one object per
 * call (group commit), and from 1 thread in batches of 100. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

#define RES "sbomsyfts"

typedef struct job {
    kstore *s;
    int thread, count, batch, gen;
    bool update;
} job;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* An SBOM-like object of about 8 KB. */
static kv_value mk(ks_arena *a, const char *name, int gen, size_t *size)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b,
                  "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                  "\"kind\":\"SBOMSyft\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"bench\","
                  "\"uid\":\"%s-uid\"},\"spec\":{\"gen\":%d,\"packages\":[",
                  name, name, gen);
    for (int i = 0; i < 100; i++)
        ks_buf_printf(&b,
                      "%s{\"name\":\"package-%d\",\"version\":\"1.2.%d\","
                      "\"purl\":\"pkg:deb/debian/package-%d@1.2.%d\"}",
                      i ? "," : "", i, i, i, i);
    ks_buf_puts(&b, "]}}");
    if (size)
        *size = b.len;
    kv_value v = tu_json(a, ks_buf_cstr(&b));
    ks_buf_free(&b);
    return v;
}

static void *run(void *arg)
{
    job *j = arg;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    char name[64];
    ks_error err;
    for (int i = 0; i < j->count;) {
        if (j->batch > 1 && kstore_batch_begin(j->s, &err) != 0)
            fail_msg("batch: %s", err.msg);
        for (int k = 0; k < (j->batch > 1 ? j->batch : 1) && i < j->count; k++, i++) {
            snprintf(name, sizeof(name), "t%d-o%d", j->thread, i);
            kv_value v = mk(&a, name, j->gen, NULL);
            int rc = j->update ? kstore_update(j->s, RES, "bench", name, &v, 0, NULL, &err)
                               : kstore_create(j->s, RES, "bench", name, &v, NULL, &err);
            if (rc)
                fail_msg("write %s: %s", name, err.msg);
            ks_arena_reset(&a);
        }
        if (j->batch > 1 && kstore_batch_commit(j->s, &err) != 0)
            fail_msg("commit: %s", err.msg);
    }
    ks_arena_free(&a);
    return NULL;
}

static void measure(const char *root, const char *label, int threads, int per_thread, int batch)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", root, label);
    tu_rmtree(dir);
    kstore *s;
    ks_error err;
    if (kstore_open(&(kstore_opts){.dir = dir}, &s, &err) != 0)
        fail_msg("open %s: %s", dir, err.msg);
    pthread_t th[16];
    job jobs[16];
    for (int pass = 0; pass < 2; pass++) {
        kstore_stats before;
        kstore_stats_get(s, &before);
        double t0 = now();
        for (int t = 0; t < threads; t++) {
            jobs[t] = (job){s, t, per_thread, batch, pass, pass == 1};
            assert_int_equal(pthread_create(&th[t], NULL, run, &jobs[t]), 0);
        }
        for (int t = 0; t < threads; t++)
            pthread_join(th[t], NULL);
        double dt = now() - t0;
        kstore_stats after;
        kstore_stats_get(s, &after);
        uint64_t w = after.writes - before.writes, c = after.commits - before.commits;
        printf("%-22s %-7s %6llu writes %8.0f writes/s  %5.1f writes/commit\n", label,
               pass ? "update" : "create", (unsigned long long)w, (double)w / dt,
               c ? (double)w / (double)c : 0.0);
    }
    kstore_close(s);
    tu_rmtree(dir);
}

static void test_bench(void **state)
{
    (void)state;
    const char *root = getenv("KSO_STORE_BENCH");
    if (!root || !*root)
        skip();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    size_t size;
    mk(&a, "sample", 0, &size);
    ks_arena_free(&a);
    printf("object size %zu bytes\n", size);
    measure(root, "1-thread", 1, 2000, 1);
    measure(root, "8-threads", 8, 500, 1);
    measure(root, "1-thread-batch-100", 1, 4000, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
