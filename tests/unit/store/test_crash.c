/* A real crash test: a child process writes a burst of creates, updates,
 * deletes and batches from three threads (so writes meet in group commits), announcing each write
 * before it starts and acknowledging it over a pipe once the store returned 0; the parent kills it
 * with SIGKILL at a random point, reopens the store and checks that every acknowledged write is
 * there with its content, that the writes in flight happened entirely or not at all (a batch as a
 * whole), and that no torn object is visible: every body parses and matches its metadata row, and
 * no file is left that no row names. Several rounds on the same directory. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

#define RES      "containerprofiles"
#define NOBJ     24
#define NTHREADS 3 /* child writer threads; thread t owns objects t, t+3, ... */

enum { OP_CREATE = 1, OP_UPDATE, OP_DELETE };
enum { REC_INTENT = 1, REC_ACK };

typedef struct rec {
    uint32_t kind, op, idx, gen, thread, pad;
    uint64_t rv;
} rec;

typedef struct state {
    bool exists;
    uint32_t gen;
    uint64_t rv;
} state;

static void name_of(uint32_t idx, char out[16])
{
    snprintf(out, 16, "obj-%u", idx);
}

static const char *ns_of(uint32_t idx)
{
    return idx % 3 == 0 ? "" : idx % 3 == 1 ? "alpha" : "beta";
}

static void send_rec(int fd, rec r)
{
    if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
        _exit(4);
}

/* Reads gen from a body; -1 when it does not parse or has none. */
static int64_t body_gen(ks_arena *a, const char *json, size_t len, kv_value *out)
{
    ks_error err;
    if (kv_json_parse(a, json, len, NULL, out, &err) != 0)
        return -1;
    const kv_value *g = kv_path(out, "spec.gen");
    int64_t v;
    return g && kv_num_int64(g, &v) ? v : -1;
}

static int do_op(kstore *s, ks_arena *a, state *st, uint32_t idx, uint32_t op, uint32_t gen,
                 uint64_t *rv)
{
    char name[16];
    name_of(idx, name);
    const char *ns = ns_of(idx);
    ks_error err;
    kstore_result r;
    int rc;
    if (op == OP_DELETE) {
        rc = kstore_delete(s, RES, ns, name, st->rv, &r, &err);
    } else {
        ks_buf b = KS_BUF_INIT;
        /* ~2 KB bodies so writes take a while */
        ks_buf_printf(&b,
                      "{\"kind\":\"ContainerProfile\",\"metadata\":{\"name\":\"%s\"%s%s%s},"
                      "\"spec\":{\"gen\":%u,\"pad\":\"",
                      name, *ns ? ",\"namespace\":\"" : "", ns, *ns ? "\"" : "", gen);
        ks_buf_fill(&b, 'p', 2000);
        ks_buf_puts(&b, "\"}}");
        kv_value v;
        if (kv_json_parse(a, b.data, b.len, NULL, &v, &err) != 0)
            _exit(5);
        ks_buf_free(&b);
        rc = op == OP_CREATE ? kstore_create(s, RES, ns, name, &v, &r, &err)
                             : kstore_update(s, RES, ns, name, &v, st->rv, &r, &err);
    }
    if (rc) {
        fprintf(stderr, "child: op %u on %s: %s\n", op, name, err.msg);
        return rc;
    }
    *rv = r.rv;
    return 0;
}

/* splitmix64 per child thread (tu_rng is one global sequence) */
static uint64_t xrng(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t pick_op(const state *st, uint64_t *rng)
{
    if (!st->exists)
        return OP_CREATE;
    return xrng(rng) % 5 == 0 ? OP_DELETE : OP_UPDATE;
}

static void apply(state *st, uint32_t op, uint32_t gen, uint64_t rv)
{
    st->exists = op != OP_DELETE;
    st->gen = op == OP_DELETE ? 0 : gen;
    st->rv = op == OP_DELETE ? 0 : rv;
}

typedef struct writer {
    kstore *s;
    int fd;
    uint32_t t;
    uint32_t gen;
    uint64_t rng;
    state *st;
} writer;

/* One child thread: single writes to its own objects; thread 0 also writes
 * batches. Writes of the threads meet in group commits. */
static void *child_writer(void *arg)
{
    writer *wr = arg;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_error err;
    for (;;) {
        ks_arena_reset(&a);
        bool batch = wr->t == 0 && xrng(&wr->rng) % 4 == 0;
        uint32_t n = batch ? 2 + (uint32_t)(xrng(&wr->rng) % 5) : 1;
        rec done[8];
        if (batch && kstore_batch_begin(wr->s, &err) != 0)
            _exit(3);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t idx = wr->t + NTHREADS * (uint32_t)(xrng(&wr->rng) % (NOBJ / NTHREADS));
            uint32_t op = pick_op(&wr->st[idx], &wr->rng);
            wr->gen++;
            send_rec(wr->fd, (rec){REC_INTENT, op, idx, wr->gen, wr->t, 0, 0});
            uint64_t rv;
            if (do_op(wr->s, &a, &wr->st[idx], idx, op, wr->gen, &rv) != 0)
                _exit(3);
            apply(&wr->st[idx], op, wr->gen, rv);
            done[k] = (rec){REC_ACK, op, idx, wr->gen, wr->t, 0, rv};
        }
        if (batch && kstore_batch_commit(wr->s, &err) != 0)
            _exit(3);
        for (uint32_t k = 0; k < n; k++)
            send_rec(wr->fd, done[k]);
    }
    return NULL;
}

_Noreturn static void child(const char *dir, int fd, uint64_t seed, uint32_t gen)
{
    kstore *s;
    ks_error err;
    if (kstore_open(&(kstore_opts){.dir = dir}, &s, &err) != 0)
        _exit(2);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    static state st[NOBJ];
    for (uint32_t i = 0; i < NOBJ; i++) {
        char name[16];
        name_of(i, name);
        ks_buf b = KS_BUF_INIT;
        uint64_t rv;
        st[i] = (state){0};
        if (kstore_get_json(s, RES, ns_of(i), name, false, &b, &rv, &err) == 0) {
            kv_value v;
            int64_t g = body_gen(&a, b.data, b.len, &v);
            st[i] = (state){true, (uint32_t)g, rv};
        }
        ks_buf_free(&b);
    }
    static writer wr[NTHREADS];
    pthread_t th[NTHREADS];
    for (uint32_t t = 0; t < NTHREADS; t++) {
        wr[t] = (writer){s, fd, t, gen + t * 100000u, seed + t, st};
        if (pthread_create(&th[t], NULL, child_writer, &wr[t]) != 0)
            _exit(6);
    }
    pthread_join(th[0], NULL);
    _exit(7);
}

typedef struct check_ctx {
    ks_arena *a;
    size_t n;
    kstore *s;
} check_ctx;

/* Every full body parses and its metadata equals the metadata row's. */
static int check_item(void *ctx, const kstore_item *it)
{
    check_ctx *c = ctx;
    kv_value body;
    int64_t g = body_gen(c->a, it->json, it->len, &body);
    assert_true(g >= 0);
    ks_buf meta = KS_BUF_INIT;
    ks_error err;
    uint64_t rv;
    assert_int_equal(kstore_get_json(c->s, RES, it->ns, it->name, true, &meta, &rv, &err), 0);
    assert_int_equal(rv, it->rv);
    kv_value m;
    assert_int_equal(kv_json_parse(c->a, meta.data, meta.len, NULL, &m, &err), 0);
    assert_true(kv_equal(kv_obj_get(&m, "metadata", 8), kv_obj_get(&body, "metadata", 8)));
    ks_buf_free(&meta);
    c->n++;
    return 0;
}

/* Body files that rows name: those in bodies/ less the free ones. */
static size_t count_files(kstore *s, const char *dir)
{
    ks_buf p = KS_BUF_INIT;
    size_t n = 0;
    ks_buf_printf(&p, "%s/bodies", dir);
    DIR *d = opendir(ks_buf_cstr(&p));
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
        closedir(d);
    }
    ks_buf_free(&p);
    kstore_stats st;
    kstore_stats_get(s, &st);
    return n - st.spares;
}

static void verify(const char *dir, state *acked, rec *pending, size_t npending,
                   uint64_t max_acked_rv)
{
    kstore *s;
    ks_error err;
    if (kstore_open(&(kstore_opts){.dir = dir}, &s, &err) != 0)
        fail_msg("reopen: %s", err.msg);
    assert_true(kstore_revision(s) >= max_acked_rv);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    state found[NOBJ];
    for (uint32_t i = 0; i < NOBJ; i++) {
        char name[16];
        name_of(i, name);
        ks_buf b = KS_BUF_INIT;
        uint64_t rv;
        found[i] = (state){0};
        int rc = kstore_get_json(s, RES, ns_of(i), name, false, &b, &rv, &err);
        if (rc == 0) {
            kv_value v;
            int64_t g = body_gen(&a, b.data, b.len, &v);
            assert_true(g >= 0);
            found[i] = (state){true, (uint32_t)g, rv};
        } else {
            assert_int_equal(rc, KS_ENOENT);
        }
        ks_buf_free(&b);
    }
    /* each object: as acknowledged, or with its writes in flight applied */
    state applied[NOBJ];
    memcpy(applied, acked, sizeof(applied));
    bool touched[NOBJ] = {false}, batch_touched[NOBJ] = {false};
    for (size_t k = 0; k < npending; k++) {
        apply(&applied[pending[k].idx], pending[k].op, pending[k].gen, 0);
        touched[pending[k].idx] = true;
        /* thread 0's writes in flight may be a batch: all or none */
        batch_touched[pending[k].idx] = pending[k].thread == 0;
    }
    bool all_old = true, all_new = true;
    for (uint32_t i = 0; i < NOBJ; i++) {
        bool is_old =
                found[i].exists == acked[i].exists &&
                (!found[i].exists || (found[i].gen == acked[i].gen && found[i].rv == acked[i].rv));
        bool is_new = found[i].exists == applied[i].exists &&
                      (!found[i].exists ||
                       (found[i].gen == applied[i].gen &&
                        (!touched[i] ? found[i].rv == applied[i].rv : found[i].rv > acked[i].rv)));
        if (!is_old && !is_new)
            fail_msg("object %u: found exists=%d gen=%u rv=%llu, acknowledged exists=%d gen=%u "
                     "rv=%llu",
                     i, found[i].exists, found[i].gen, (unsigned long long)found[i].rv,
                     acked[i].exists, acked[i].gen, (unsigned long long)acked[i].rv);
        if (batch_touched[i]) {
            all_old &= is_old;
            all_new &= is_new;
        }
    }
    assert_true(all_old || all_new);
    /* no torn object; no stray file */
    check_ctx c = {.a = &a, .s = s};
    assert_int_equal(kstore_list(s, RES, NULL, check_item, &c, NULL, &err), 0);
    size_t live = 0;
    for (uint32_t i = 0; i < NOBJ; i++)
        live += found[i].exists;
    assert_int_equal(c.n, live);
    assert_int_equal(count_files(s, dir), live);
    memcpy(acked, found, sizeof(found));
    kstore_close(s);
    ks_arena_free(&a);
}

static void test_crash_rounds(void **state_)
{
    (void)state_;
    char *dir = tu_tmpdir();
    state acked[NOBJ] = {{0}};
    tu_rng_seed(20261127);
    size_t total_acks = 0;
    for (int round = 0; round < 16; round++) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        uint64_t seed = tu_rng();
        size_t kill_after = round == 0 ? 0 : (size_t)(tu_rng() % 400);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            child(dir, p[1], seed, (uint32_t)(round + 1) * 1000000u);
        }
        close(p[1]);
        rec pending[16];
        size_t npending = 0, acks = 0;
        uint64_t max_rv = 0;
        for (uint32_t i = 0; i < NOBJ; i++)
            if (acked[i].rv > max_rv)
                max_rv = acked[i].rv;
        bool killed = false;
        for (;;) {
            if (!killed && acks >= kill_after) {
                /* a random delay puts the kill at a random step of a write */
                struct timespec d = {0, (long)(tu_rng() % 3000) * 1000L};
                nanosleep(&d, NULL);
                kill(pid, SIGKILL);
                killed = true;
            }
            rec r;
            ssize_t got = read(p[0], &r, sizeof(r));
            if (got < 0 && errno == EINTR)
                continue;
            if (got == 0)
                break;
            assert_int_equal(got, sizeof(r));
            if (r.kind == REC_INTENT) {
                assert_true(npending < 16);
                pending[npending++] = r;
            } else {
                size_t k = 0;
                while (k < npending && pending[k].gen != r.gen)
                    k++;
                assert_true(k < npending);
                memmove(pending + k, pending + k + 1, (npending - k - 1) * sizeof(*pending));
                npending--;
                apply(&acked[r.idx], r.op, r.gen, r.rv);
                if (r.rv > max_rv)
                    max_rv = r.rv;
                acks++;
            }
        }
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
            fail_msg("child ended by itself (status %d)", status);
        total_acks += acks;
        verify(dir, acked, pending, npending, max_rv);
    }
    assert_true(total_acks > 100);
    tu_rmtree(dir);
    ks_xfree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_crash_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
