/*
 * Go's strconv quoting (Quote, QuoteToASCII, QuoteRune) and strconv.IsPrint,
 * byte for byte: error messages that must read as Go's (OPA's builtins,
 * kube-apiserver's validation) quote with these. Pure; thread-safe.
 */
#ifndef KS_CORE_GOQUOTE_H
#define KS_CORE_GOQUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* strconv.IsPrint (Unicode 15.0.0). */
bool ks_go_is_print(uint32_t r);

/* strconv.Quote (quote '"'), QuoteRune (quote '\''), and their ToASCII
 * forms with ascii_only. Invalid UTF-8 bytes are written as \xNN. Returns
 * the buffer's error. */
int ks_go_quote(ks_buf *b, const char *s, size_t n, char quote, bool ascii_only);
/* One rune of the above, without the quotes. */
int ks_go_quote_rune(ks_buf *b, uint32_t r, char quote, bool ascii_only);

#endif
