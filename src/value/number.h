/* Internal to src/value: number helpers shared by the value and JSON code. */
#ifndef KS_VALUE_NUMBER_H
#define KS_VALUE_NUMBER_H

#include "value/value.h"

/* Shortest decimal digits that read back as |d| (d finite, non-zero), the
 * way Go's strconv.FormatFloat(d, 'g', -1, 64) chooses them; value is
 * 0.DIGITS x 10^exp. digits needs KV_NUM_DIGITS_MAX bytes. */
size_t kv__shortest(double d, char *digits, int64_t *exp);

int kv__num_cmp(const kv_value *a, const kv_value *b);
uint64_t kv__num_hash(const kv_value *v);

/* Writes a number as Go's encoding/json does (ints plainly, floats in 'f'
 * form between 1e-6 and 1e21, else exponent form). Decimals keep their
 * text unless canonical. KS_EINVAL for a non-finite double. */
int kv__num_write(ks_buf *out, const kv_value *v, bool canonical);

#endif
