/* ASCII character helpers that do not depend on the locale (unlike
 * <ctype.h>). Pure; thread-safe. */
#ifndef KS_CORE_ASCII_H
#define KS_CORE_ASCII_H

/* The value of a hexadecimal digit, or -1. */
static inline int ks_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
