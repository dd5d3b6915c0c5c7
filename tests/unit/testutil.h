/* Helpers for the unit tests: cmocka, fixture files, value shorthands. */
#ifndef KS_TESTUTIL_H
#define KS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "value/value.h"

/* Reads tests/data/<rel> (or an absolute path); fails the test if missing.
 * The buffer is NUL-terminated; free with ks_xfree. */
char *tu_read_fixture(const char *rel, size_t *len);

/* Parses JSON text (NUL-terminated) into a, failing the test on error. */
kv_value tu_json(ks_arena *a, const char *text);
/* Parses the first YAML document, failing the test on error. */
kv_value tu_yaml(ks_arena *a, const char *text);
/* Compact JSON of v as a heap string (ks_xfree). */
char *tu_to_json(const kv_value *v, unsigned flags);

/* A deterministic pseudo-random sequence (splitmix64) for property tests:
 * seed it at the start of each test so failures reproduce. */
void tu_rng_seed(uint64_t seed);
uint64_t tu_rng(void);

/* A reader under test: parses src[0..n) into *out in a. */
typedef int (*tu_parse_fn)(ks_arena *a, const char *src, size_t n, kv_value *out, ks_error *err);

/* Parses src with arena limits from small to three times what it needs:
 * each parse must either give the same value as an unlimited parse or fail
 * with KS_ELIMIT, a position and "memory limit" in the message, and both
 * outcomes must occur. */
void tu_arena_limit_sweep(tu_parse_fn parse, const char *src, size_t n);

/* cmocka group fixtures: *state is a fresh unlimited arena. */
int tu_arena_setup(void **state);
int tu_arena_teardown(void **state);

/* Makes a fresh temporary directory; returns its path (ks_xfree). */
char *tu_tmpdir(void);
/* Removes a directory tree. */
void tu_rmtree(const char *path);

#endif
