#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/mem.h"

char *tu_read_fixture(const char *rel, size_t *len)
{
    ks_buf path = KS_BUF_INIT;
    if (rel[0] == '/')
        ks_buf_puts(&path, rel);
    else
        ks_buf_printf(&path, "%s/%s", KS_TEST_DATA_DIR, rel);
    char *data = NULL;
    ks_error err = {0};
    if (ks_file_read(path.data, 0, &data, len, &err) != 0) {
        ks_buf msg = KS_BUF_INIT;
        ks_error_format(&err, &msg);
        fail_msg("cannot read fixture: %s", ks_buf_cstr(&msg));
    }
    ks_buf_free(&path);
    return data;
}

kv_value tu_json(ks_arena *a, const char *text)
{
    kv_value v;
    ks_error err = {0};
    if (kv_json_parse(a, text, strlen(text), NULL, &v, &err) != 0) {
        ks_buf msg = KS_BUF_INIT;
        ks_error_format(&err, &msg);
        fail_msg("JSON parse failed: %s\n  input: %s", ks_buf_cstr(&msg), text);
    }
    return v;
}

kv_value tu_yaml(ks_arena *a, const char *text)
{
    kv_value v;
    ks_error err = {0};
    if (kv_yaml_parse(a, text, strlen(text), NULL, &v, &err) != 0) {
        ks_buf msg = KS_BUF_INIT;
        ks_error_format(&err, &msg);
        fail_msg("YAML parse failed: %s\n  input: %s", ks_buf_cstr(&msg), text);
    }
    return v;
}

char *tu_to_json(const kv_value *v, unsigned flags)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kv_json_write(&b, v, flags);
    if (rc)
        fail_msg("JSON write failed: %s", ks_strerror(rc));
    return ks_buf_detach(&b, NULL);
}

char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    ks_buf path = KS_BUF_INIT;
    ks_buf_printf(&path, "%s/kso-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(path.data))
        fail_msg("mkdtemp failed");
    return ks_buf_detach(&path, NULL);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_arena_setup(void **state)
{
    ks_arena *a = ks_xmalloc(sizeof(*a));
    ks_arena_init(a, NULL, 0);
    *state = a;
    return 0;
}

int tu_arena_teardown(void **state)
{
    ks_arena_free(*state);
    ks_xfree(*state);
    return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void tu_rng_seed(uint64_t seed)
{
    rng_state = seed;
}

uint64_t tu_rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void tu_arena_limit_sweep(tu_parse_fn parse, const char *src, size_t n)
{
    ks_arena big;
    ks_arena_init(&big, NULL, 0);
    kv_value full;
    ks_error err = {0};
    if (parse(&big, src, n, &full, &err) != 0)
        fail_msg("unlimited parse failed: %s", err.msg);
    size_t used = ks_arena_used(&big);
    bool failed = false, succeeded = false;
    for (size_t limit = 256; limit < used * 3; limit += limit / 8 + 256) {
        ks_arena a;
        ks_arena_init(&a, NULL, limit);
        kv_value v;
        ks_error_clear(&err);
        int rc = parse(&a, src, n, &v, &err);
        if (rc == 0) {
            succeeded = true;
            assert_true(kv_equal(&v, &full));
        } else {
            failed = true;
            if (rc != KS_ELIMIT)
                fail_msg("limit %zu: rc %d (%s)", limit, rc, err.msg);
            assert_int_equal(err.code, KS_ELIMIT);
            assert_true(err.line >= 1);
            assert_non_null(strstr(err.msg, "memory limit"));
        }
        ks_arena_free(&a);
    }
    assert_true(failed && succeeded);
    ks_arena_free(&big);
}
