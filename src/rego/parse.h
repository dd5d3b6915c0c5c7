/* The Rego parser (internal): source text to the syntax tree of ast.h. */
#ifndef KS_REGO_PARSE_H
#define KS_REGO_PARSE_H

#include "core/error.h"
#include "rego/ast.h"

/* Parses a module. version: 0 (v0 syntax; future.keywords and rego.v1
 * imports turn keywords on) or 1. Errors carry file:line:col and a message
 * starting with "rego_parse_error: ". */
int rg_parse_module(ks_arena *a, const char *file, uint32_t file_index, const char *src, size_t n,
                    int version, rg_module **out, ks_error *err);

/* Parses a query (a body) as written on a command line: expressions
 * separated by newlines or ';'. */
int rg_parse_query(ks_arena *a, const char *file, uint32_t file_index, const char *src, size_t n,
                   int version, rg_body **out, ks_error *err);

/* Parses a single term (for input_term in test cases, data values). */
int rg_parse_term(ks_arena *a, const char *src, size_t n, rg_term **out, ks_error *err);

/* Term constructors shared with the compiler. */
rg_term *rg_term_new(ks_arena *a, int type, rg_loc loc);
rg_term *rg_term_var(ks_arena *a, const char *name, size_t len, rg_loc loc);
rg_term *rg_term_value(ks_arena *a, kv_value v, rg_loc loc);
rg_term *rg_term_string(ks_arena *a, const char *s, size_t len, rg_loc loc);
rg_term *rg_term_list(ks_arena *a, int type, rg_term **items, uint32_t n, rg_loc loc);

/* Whether a term is ground (recomputes and stores t->ground for composites). */
bool rg_term_is_ground(rg_term *t);
/* Turns ground composite terms into RG_VALUE terms (in place). */
int rg_term_fold(ks_arena *a, rg_term *t);

#endif
