/*
 * Quoting strings as JSON text, the way Go's encoding/json does: '"', '\\'
 * and control characters escaped (\b \f \n \r \t short forms, others as
 * \u00XX), U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD, and
 * '<', '>', '&' escaped only with KS_JSON_ESCAPE_HTML. Used by the value
 * writer and the JSON logger, so all JSON the system writes quotes alike.
 * Pure; thread-safe.
 */
#ifndef KS_CORE_JSONSTR_H
#define KS_CORE_JSONSTR_H

#include <stddef.h>

#include "core/buf.h"

enum { KS_JSON_ESCAPE_HTML = 1 << 0 };

/* Appends s[0..n) as a quoted JSON string. Returns 0 or the buffer's error. */
int ks_json_quote(ks_buf *b, const char *s, size_t n, unsigned flags);

#endif
