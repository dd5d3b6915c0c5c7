/*
 * Globs for the glob.* and regex.globs_match builtins.
 *
 * glob.match patterns (the syntax of github.com/gobwas/glob, which OPA uses:
 * `*` `**` `?` `[abc]` `[a-z]` `[!...]` `{a,b}` `\x`) are translated into an
 * equivalent Go-syntax regex, matched with bi_re2; errors are worded and
 * positioned as gobwas/glob reports them ("glob: syntax error at 1:
 * unexpected end of input").
 *
 * regex.globs_match decides whether two "glob-style regexes" (`.`, `[...]`,
 * `*`, `+`, `\`) have a common non-empty match, by the same walk as
 * github.com/yashtewari/glob-intersection, which OPA uses.
 *
 * Pure functions; thread-safe. Errors: -1 and the message appended to err.
 */
#ifndef KS_REGO_BI_GLOB_H
#define KS_REGO_BI_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Appends to re the regex (Go syntax) that fully matches what pat[0..n)
 * matches with separators sep[0..nsep) (none when nsep is 0). 0, or -1 with
 * the syntax error in err. */
int rg_glob_to_regex(const char *pat, size_t n, const uint32_t *sep, size_t nsep, ks_buf *re,
                     ks_buf *err);

/* gobwas/glob's QuoteMeta: a backslash before each of * ? \ [ ] { }. */
void rg_glob_quote_meta(ks_buf *out, const char *s, size_t n);

/* Whether the globs a and b have a common non-empty match (*res). 0, or -1
 * with the error in err (a malformed glob; or a search past its step
 * budget, which the Go library does not have). */
int rg_globs_intersect(const char *a, size_t an, const char *b, size_t bn, bool *res, ks_buf *err);

#endif
