/*
 * Regular expressions with Go's regexp semantics, on RE2 (C++) behind a
 * plain C interface, for the regex.* builtins.
 *
 * Patterns are read as Go's regexp/syntax reads them (Perl flags: UTF-8,
 * leftmost-first, \d \w \s \b ASCII, ^ $ at text ends unless (?m)); the
 * differences between RE2 and Go are handled here: (?<name>) groups,
 * duplicate group names, \C refused, Go's error messages ("error parsing
 * regexp: missing closing ): `(a`"). Subjects must be valid UTF-8 (see
 * rg_re_sanitize for the others, which Go reads as one U+FFFD per bad byte).
 *
 * A compiled rg_re is immutable and may be used from several threads.
 * Errors are reported as return codes; no C++ exception leaves this module.
 */
#ifndef KS_REGO_BI_RE2_H
#define KS_REGO_BI_RE2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "core/buf.h"

typedef struct rg_re rg_re;

/* RE2's memory budget per pattern (bytes): programs up to about 1.3 million
 * instructions, e.g. \pL{1000}; compiling the largest peaks near 170 MB.
 * Larger patterns fail as Go's "expression too large", though Go's own
 * limit is higher (it counts a character class as one instruction where
 * RE2 compiles it to UTF-8 byte ranges). */
#define RG_RE_MAX_MEM ((int64_t)24 << 20)

/* Compiles pat[0..n). Returns NULL on error, with Go's message appended to
 * err ("error parsing regexp: CODE: `ARG`"). */
rg_re *rg_re_compile(const char *pat, size_t n, ks_buf *err);
/* Frees re (NULL is fine); void * so it can be a cache free function. */
void rg_re_free(void *re);

/* Number of capturing groups (not counting the whole match). */
int rg_re_ngroups(const rg_re *re);
/* Name of group i (1-based); "" for an unnamed group. */
const char *rg_re_group_name(const rg_re *re, int i, size_t *len);

/* Finds the leftmost-first match in text[0..n) (valid UTF-8) that starts at
 * or after byte pos, at a character boundary, the text around pos being the
 * context of ^ and \b. Fills caps[0..2*ncap) with the byte offsets of the
 * whole match and of groups 1..ncap-1 (-1 for a group that did not take
 * part); ncap <= ngroups + 1. Returns 1 for a match, 0 for none, -1 when out
 * of memory. */
int rg_re_find(const rg_re *re, const char *text, size_t n, size_t pos, int64_t *caps, int ncap);

/* Whether c may appear in a $name of a replacement template (Go: a Unicode
 * letter or digit, or '_'). */
int rg_re_is_name_rune(uint32_t c);

#ifdef __cplusplus
}
#endif

#endif
