/*
 * Support for the encoding builtins (builtin_encoding.c), internal to
 * src/rego: Go-compatible JSON syntax checking and indentation
 * (bi_json_scan.c), JSON patch / filter / remove (bi_json_patch.c), the
 * YAML builtins (bi_json_yaml.c), and Go net/url, uuid and quoting helpers
 * (bi_json_uri.c).
 *
 * The functions follow the builtin contract of builtin.h: results in
 * c->arena, errors described through rg_bi_error with OPA's messages.
 */
#ifndef KS_REGO_BI_JSON_H
#define KS_REGO_BI_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "rego/builtin.h"
#include "value/value.h"

/* ---- bi_json_scan.c: Go encoding/json syntax ---- */

/* Go's nesting limit for its JSON scanner. */
#define BI_JSON_GO_MAX_DEPTH 10000

/* json.Valid: one JSON text, nothing but whitespace after it. */
bool bi_json_valid(const char *s, size_t n);

/* What a json.Decoder reading a stream makes of s, as OPA's
 * util.UnmarshalJSON uses it: the first value's span [*start, *end) and 0,
 * or -1 with Go's error message appended to msg. */
int bi_json_decode_span(ks_arena *a, const char *s, size_t n, size_t *start, size_t *end,
                        ks_buf *msg);

/* Appends s with each byte that is not part of valid UTF-8 replaced by
 * U+FFFD, as Go's decoders do. */
void bi_json_sanitize_utf8(ks_buf *out, const char *s, size_t n);

/* Appends compact JSON src re-indented as Go's json.Indent does (each
 * line after the first starts with prefix, one indent per level). */
int bi_json_indent(ks_buf *out, const char *src, size_t n, const char *prefix, size_t pn,
                   const char *indent, size_t in);

/* ---- builtin_encoding.c ---- */

/* v with the keys of its objects as OPA's ast.JSON makes them: non-string
 * keys become their JSON text (a collision keeps the later value). */
int bi_json_go_keys(rg_bctx *c, const kv_value *v, kv_value *out, size_t depth);

/* ---- bi_json_yaml.c ---- */

int bi_yaml_marshal(rg_bctx *c, const kv_value *args, kv_value *out);
int bi_yaml_unmarshal(rg_bctx *c, const kv_value *args, kv_value *out);
int bi_yaml_is_valid(rg_bctx *c, const kv_value *args, kv_value *out);

/* ---- bi_json_patch.c ---- */

int bi_json_patch(rg_bctx *c, const kv_value *target, const kv_value *ops, kv_value *out);
/* paths: OPA's operand 2 of json.filter / json.remove (array or set). */
int bi_json_filter(rg_bctx *c, const kv_value *obj, const kv_value *paths, kv_value *out);
int bi_json_remove(rg_bctx *c, const kv_value *obj, const kv_value *paths, kv_value *out);

/* Appends v the way OPA's Value.String() prints it (error messages). */
void bi_json_write_rego(ks_buf *b, const kv_value *v);

/* ---- bi_json_uri.c ---- */

/* Go's url.QueryEscape / url.QueryUnescape (-1: error message in msg). */
void bi_url_query_escape(ks_buf *b, const char *s, size_t n);
int bi_url_query_unescape(ks_buf *b, const char *s, size_t n, ks_buf *msg);

int bi_uri_parse(rg_bctx *c, const kv_value *args, kv_value *out);
int bi_uri_is_valid(rg_bctx *c, const kv_value *args, kv_value *out);
int bi_uuid_parse(rg_bctx *c, const kv_value *args, kv_value *out);

#endif
