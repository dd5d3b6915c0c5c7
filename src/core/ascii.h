/* ASCII character helpers that do not depend on the locale (unlike
 * <ctype.h>). Pure; thread-safe. */
#ifndef KS_CORE_ASCII_H
#define KS_CORE_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

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

/* The next item of a comma-separated list ("a, b,,c"), spaces around it
 * trimmed: *p is where to go on from (NULL or "" when done), the item is
 * *item / *len (possibly empty). False when the list is exhausted.
 *   for (const char *p = list, *it; ks_list_next(&p, &it, &n);) ... */
static inline bool ks_list_next(const char **p, const char **item, size_t *len)
{
    const char *s = *p;
    if (!s || !*s)
        return false;
    const char *c = strchr(s, ',');
    size_t n = c ? (size_t)(c - s) : strlen(s);
    while (n && *s == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    *item = s;
    *len = n;
    *p = c ? c + 1 : NULL;
    return true;
}

#endif
