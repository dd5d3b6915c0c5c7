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

/* Makes a fresh temporary directory; returns its path (ks_xfree). */
char *tu_tmpdir(void);
/* Removes a directory tree. */
void tu_rmtree(const char *path);

#endif
