/* Internal to src/value: YAML scalar resolution and decoding, used by the
 * YAML reader (yaml_read.c). */
#ifndef KS_VALUE_YAML_SCALAR_H
#define KS_VALUE_YAML_SCALAR_H

#include <stdbool.h>
#include <stddef.h>

#include "value/value.h"

/* What a plain scalar resolves to. */
typedef enum kv__yres { RES_STR, RES_NULL, RES_BOOL, RES_NUM, RES_NAN_INF } kv__yres;

/* Resolves a plain scalar as go-yaml v3 does (yaml11: as go-yaml v2, with
 * y/n/yes/no/on/off booleans). Booleans go to *bval, numbers (exact) to
 * *num, allocated in a. Timestamps resolve as RES_STR (kv__yaml_timestamp
 * gives their JSON text). */
kv__yres kv__yaml_resolve(ks_arena *a, const char *s, size_t n, bool yaml11, bool *bval,
                          kv_value *num);

/* A plain scalar that go-yaml v3 reads as a timestamp, as Go marshals it
 * (RFC 3339 with nanoseconds): its length in out (40 bytes), or 0. */
size_t kv__yaml_timestamp(const char *s, size_t n, char *out);

/* The decoded bytes of a !!binary scalar; KS_EPARSE for bad base64. */
int kv__yaml_binary(ks_arena *a, const char *s, size_t n, kv_value *out);

/* Quoted scalars decoded from their source text raw[0..rn) (quotes
 * included), per YAML 1.2 7.3: the string in a, its length in *len; NULL
 * when out of memory or (double-quoted) with *bad at an invalid escape. */
char *kv__yaml_single_quoted(ks_arena *a, const char *raw, size_t rn, size_t *len);
char *kv__yaml_double_quoted(ks_arena *a, const char *raw, size_t rn, size_t *len,
                             const char **bad);

#endif
