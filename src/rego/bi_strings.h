/*
 * Support for the string builtins (internal to src/rego): Go's rune
 * handling, Unicode case mapping and printability, strconv's quoting and
 * float formatting, fmt's Sprintf over OPA's argument conversion, and a
 * small unsigned big integer for numbers past 64 bits.
 *
 * Everything here mirrors the Go standard library as OPA v1.22.3 uses it,
 * so that results match OPA byte for byte. Pure functions; thread-safe.
 * Writers append to a ks_buf and return its error (0 or KS_ELIMIT).
 */
#ifndef KS_REGO_BI_STRINGS_H
#define KS_REGO_BI_STRINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/goquote.h"
#include "core/buf.h"
#include "rego/builtin.h"
#include "value/value.h"

#define RG_RUNE_ERROR 0xFFFDu

/* ---- runes (bi_strings_unicode.c) ---- */

/* Decodes one rune at s[0..n) (n > 0) as Go's utf8.DecodeRune does: an
 * invalid or truncated sequence is U+FFFD of width 1. Returns the width. */
size_t rg_rune_decode(const char *s, size_t n, uint32_t *r);
/* Appends r as UTF-8 (U+FFFD for surrogates and values past U+10FFFF). */
int rg_rune_put(ks_buf *b, uint32_t r);
/* Runes in s, each invalid byte counting as one (Go's RuneCountInString). */
size_t rg_rune_count(const char *s, size_t n);

bool rg_uni_is_space(uint32_t r); /* unicode.IsSpace */
uint32_t rg_uni_to_lower(uint32_t r);
uint32_t rg_uni_to_upper(uint32_t r);

/* strings.ToLower / strings.ToUpper: invalid bytes become U+FFFD when the
 * string is not all ASCII. */
int rg_str_lower(ks_buf *b, const char *s, size_t n);
int rg_str_upper(ks_buf *b, const char *s, size_t n);

/* ---- quoting (bi_strings_go.c) ---- */

/* strconv.Quote and QuoteRune: ks_go_quote and ks_go_quote_rune
 * (core/goquote.h). */
/* strconv.CanBackquote */
bool rg_go_can_backquote(const char *s, size_t n);

/* ---- float formatting (bi_strings_go.c) ---- */

/* strconv.AppendFloat(v, fmt, prec, 64) for fmt in b e E f g G x X; prec
 * < 0 asks for the shortest form. v must be finite. */
int rg_go_ftoa(ks_buf *b, double v, char fmt, int prec);

/* ---- OPA's sprintf, in bi_fmt.c ---- */

/* fmt.Sprintf(format, args...) after OPA's conversion of each argument
 * (numbers to int64, float64 or *big.Int, strings as they are, other values
 * as their Rego text). Errors: KS_ELIMIT past the buffer's maximum. */
int rg_go_sprintf(ks_buf *out, const char *format, size_t n, const kv_value *args, size_t nargs);

/* ---- unsigned big integers (bi_strings_big.c) ---- */

/* Little-endian 32-bit limbs; n == 0 is zero. Heap memory: rg_sbig_free. */
typedef struct rg_sbig {
    uint32_t *limb;
    size_t n, cap;
} rg_sbig;

/* Largest number of decimal digits accepted from text (about 83,000 bits),
 * so that conversions stay cheap. */
#define RG_BIG_MAX_DIGITS 25000

void rg_sbig_free(rg_sbig *x);
/* From decimal digits (no sign). KS_ELIMIT past RG_BIG_MAX_DIGITS. */
int rg_sbig_from_digits(rg_sbig *x, const char *d, size_t n);
int rg_sbig_from_u64(rg_sbig *x, uint64_t u);
/* x <<= k. */
int rg_sbig_shl(rg_sbig *x, uint64_t k);
bool rg_sbig_is_zero(const rg_sbig *x);
/* Appends x in base 2, 8, 10 or 16 (lower-case digits). */
int rg_sbig_write(ks_buf *b, const rg_sbig *x, int base);
/* Appends x's 64-bit words, least significant first, as Go's %v prints a
 * big.nat: "[w0 w1 ...]". */
int rg_sbig_write_words(ks_buf *b, const rg_sbig *x);

/* An integral number beyond what int64 holds, as a sign and magnitude.
 * Returns 0, 1 when v is not such an integer, or KS_ELIMIT. */
int rg_sbig_from_number(rg_sbig *x, bool *neg, const kv_value *v);

/* ---- builtins defined in bi_strings_units.c ---- */

int rg_bi_units_parse(rg_bctx *c, const kv_value *args, kv_value *out);
int rg_bi_units_parse_bytes(rg_bctx *c, const kv_value *args, kv_value *out);
int rg_bi_semver_is_valid(rg_bctx *c, const kv_value *args, kv_value *out);
int rg_bi_semver_compare(rg_bctx *c, const kv_value *args, kv_value *out);

#endif
