/* Helpers shared by several builtin groups (see bi_util.h). */
#include "rego/bi_util.h"

int rg_b64_symbol(unsigned char ch, bool url)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == (url ? '-' : '+'))
        return 62;
    if (ch == (url ? '_' : '/'))
        return 63;
    return -1;
}

char rg_b64_clear_unused(char sym, size_t rem, bool url)
{
    static const char alphabet[2][65] = {
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    };
    int v = rg_b64_symbol((unsigned char)sym, url);
    if (v < 0)
        return sym;
    return alphabet[url][v & (rem == 2 ? 0x30 : 0x3C)];
}

long rg_go_b64_error(const char *s, size_t n, bool url, bool pad)
{
    size_t si = 0;
    for (;;) {
        for (int j = 0; j < 4;) {
            if (si == n) {
                if (j == 0)
                    return -1;
                if (j == 1 || pad)
                    return (long)(si - (size_t)j);
                return -1;
            }
            unsigned char in = (unsigned char)s[si++];
            if (rg_b64_symbol(in, url) >= 0) {
                j++;
                continue;
            }
            if (in == '\n' || in == '\r')
                continue;
            if (!pad || in != '=' || j < 2)
                return (long)(si - 1);
            if (j == 2) { /* a second '=' must follow */
                while (si < n && (s[si] == '\n' || s[si] == '\r'))
                    si++;
                if (si == n)
                    return (long)n;
                if (s[si] != '=')
                    return (long)(si - 1);
                si++;
            }
            while (si < n && (s[si] == '\n' || s[si] == '\r'))
                si++;
            return si < n ? (long)si : -1;
        }
    }
}
