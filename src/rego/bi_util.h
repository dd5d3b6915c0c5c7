/*
 * Helpers shared by several builtin groups, internal to src/rego: Go's
 * base64 decoder (encoding/base64) as base64.*, io.jwt.* and the PEM
 * readers see it. Pure functions; thread-safe.
 */
#ifndef KS_REGO_BI_UTIL_H
#define KS_REGO_BI_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* The value (0..63) of base64 symbol ch in the standard (+ /) or the URL
 * (- _) alphabet, or -1. */
int rg_b64_symbol(unsigned char ch, bool url);

/* The last symbol of a short final quantum of rem (2 or 3) symbols with the
 * low bits it does not use cleared: Go ignores them, the core decoder
 * insists they are zero. Anything but a symbol comes back as it is. */
char rg_b64_clear_unused(char sym, size_t rem, bool url);

/* Where Go's base64 decoder gives up on s[0..n) (the offset of its
 * CorruptInputError), or -1 when it accepts it. It reads quanta of four
 * symbols, skips '\r' and '\n', and with pad wants '=' padding (a short
 * final quantum is reported at its start). */
long rg_go_b64_error(const char *s, size_t n, bool url, bool pad);

#endif
