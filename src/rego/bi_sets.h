/*
 * Set algebra on the value model's sorted sets, shared by the arithmetic
 * minus (numbers and sets) and the set builtins. Results are built in the
 * arena by merging, in linear time; they may share the operands' items.
 * Return 0 or KS_ELIMIT (arena limit).
 */
#ifndef KS_REGO_BI_SETS_H
#define KS_REGO_BI_SETS_H

#include "core/arena.h"
#include "value/value.h"

/* x - y, x & y, x | y for sets x and y. */
int rg_set_diff(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
int rg_set_and(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);
int rg_set_or(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out);

#endif
