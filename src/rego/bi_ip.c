/* IP addresses and CIDR networks with Go's net semantics (see bi_ip.h). */
#include "rego/bi_ip.h"

#include <stdio.h>
#include <string.h>

#include "core/ascii.h"

static const uint8_t v4_in_v6[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Dotted IPv4 in s[0..n): four decimal fields 0..255, no leading zeros. */
static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
    unsigned val = 0, digits = 0, field = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            if (digits == 1 && val == 0)
                return false; /* leading zero */
            val = val * 10 + (unsigned)(ch - '0');
            digits++;
            if (val > 255)
                return false;
        } else if (ch == '.') {
            if (digits == 0 || i == n - 1 || field == 3)
                return false;
            out[field++] = (uint8_t)val;
            val = 0;
            digits = 0;
        } else {
            return false;
        }
    }
    if (field < 3 || digits == 0)
        return false;
    out[3] = (uint8_t)val;
    return true;
}

/* IPv6 text in s[0..n) with an optional trailing dotted IPv4 part. A zone
 * ("%eth0") makes *zone true; the address is still parsed. */
static bool parse_v6(const char *s, size_t n, uint8_t ip[16], bool *zone)
{
    const char *pct = memchr(s, '%', n);
    *zone = false;
    if (pct) {
        if ((size_t)(pct - s) == n - 1)
            return false; /* empty zone */
        *zone = true;
        n = (size_t)(pct - s);
    }
    memset(ip, 0, 16);
    int ellipsis = -1;
    size_t p = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        ellipsis = 0;
        p = 2;
        if (p == n)
            return true;
    }
    int i = 0;
    while (i < 16) {
        size_t off = 0;
        uint32_t acc = 0;
        int h;
        while (p + off < n && (h = ks_hexval(s[p + off])) >= 0) {
            acc = (acc << 4) + (uint32_t)h;
            if (off > 3)
                return false; /* more than four digits */
            off++;
        }
        if (off == 0)
            return false;
        if (p + off < n && s[p + off] == '.') {
            /* Trailing IPv4: only in place of the last two groups. */
            if ((ellipsis < 0 && i != 12) || i + 4 > 16)
                return false;
            if (!parse_v4(s + p, n - p, ip + i))
                return false;
            p = n;
            i += 4;
            break;
        }
        ip[i] = (uint8_t)(acc >> 8);
        ip[i + 1] = (uint8_t)acc;
        i += 2;
        p += off;
        if (p == n)
            break;
        if (s[p] != ':' || p + 1 == n)
            return false;
        p++;
        if (s[p] == ':') {
            if (ellipsis >= 0)
                return false; /* a second "::" */
            ellipsis = i;
            p++;
            if (p == n)
                break;
        }
    }
    if (p != n)
        return false; /* trailing garbage */
    if (i < 16) {
        if (ellipsis < 0)
            return false; /* too short */
        int shift = 16 - i;
        for (int j = i - 1; j >= ellipsis; j--)
            ip[j + shift] = ip[j];
        memset(ip + ellipsis, 0, (size_t)shift);
    } else if (ellipsis >= 0) {
        return false; /* "::" must stand for at least one group */
    }
    return true;
}

bool rg_ip_parse_addr(const char *s, size_t n, uint8_t out[16], bool *v6)
{
    /* The first '.', ':' or '%' decides the family, as netip.ParseAddr. */
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            memcpy(out, v4_in_v6, 12);
            *v6 = false;
            return parse_v4(s, n, out + 12);
        }
        if (s[i] == ':') {
            bool zone;
            *v6 = true;
            return parse_v6(s, n, out, &zone) && !zone;
        }
        if (s[i] == '%')
            return false;
    }
    return false;
}

bool rg_ip_parse(const char *s, size_t n, rg_ip *out)
{
    bool v6;
    out->len = 0;
    if (!rg_ip_parse_addr(s, n, out->b, &v6))
        return false;
    out->len = 16;
    return true;
}

static void make_mask(unsigned ones, unsigned len, uint8_t *m)
{
    for (unsigned i = 0; i < len; i++) {
        if (ones >= 8) {
            m[i] = 0xff;
            ones -= 8;
        } else {
            m[i] = (uint8_t) ~(0xffu >> ones);
            ones = 0;
        }
    }
}

bool rg_cidr_parse(const char *s, size_t n, rg_ipnet *net, rg_ip *addr)
{
    const char *slash = memchr(s, '/', n);
    if (!slash)
        return false;
    size_t alen = (size_t)(slash - s);
    uint8_t b[16];
    bool v6;
    if (!rg_ip_parse_addr(s, alen, b, &v6))
        return false;
    /* The prefix length: decimal digits only (leading zeros allowed). */
    const char *m = slash + 1;
    size_t mlen = n - alen - 1;
    unsigned ones = 0;
    if (mlen == 0)
        return false;
    for (size_t i = 0; i < mlen; i++) {
        if (m[i] < '0' || m[i] > '9')
            return false;
        ones = ones * 10 + (unsigned)(m[i] - '0');
        if (ones > 128)
            return false;
    }
    unsigned bits = v6 ? 128 : 32;
    if (ones > bits)
        return false;
    if (addr) {
        addr->len = 16;
        memcpy(addr->b, b, 16);
    }
    uint8_t mask[16];
    net->masklen = (uint8_t)(bits / 8);
    net->ones = (uint8_t)ones;
    make_mask(ones, net->masklen, mask);
    /* IP.Mask: a 4-byte mask applies to the IPv4 part of the address. */
    const uint8_t *src = v6 ? b : b + 12;
    net->ip.len = net->masklen;
    for (unsigned i = 0; i < net->masklen; i++)
        net->ip.b[i] = src[i] & mask[i];
    return true;
}

rg_ip rg_ip_to4(const rg_ip *ip)
{
    rg_ip r = {0};
    if (ip->len == 4) {
        r = *ip;
    } else if (ip->len == 16 && memcmp(ip->b, v4_in_v6, 12) == 0) {
        r.len = 4;
        memcpy(r.b, ip->b + 12, 4);
    }
    return r;
}

/* Go's networkNumberAndMask: the network's address (4 bytes when IPv4 or
 * IPv4-mapped) and a mask of the same length; false when they cannot
 * agree. */
static bool net_number_and_mask(const rg_ipnet *net, rg_ip *nn, uint8_t m[16])
{
    uint8_t full[16];
    *nn = rg_ip_to4(&net->ip);
    if (nn->len == 0) {
        *nn = net->ip;
        if (nn->len != 16)
            return false;
    }
    make_mask(net->ones, net->masklen, full);
    if (net->masklen == 4) {
        if (nn->len != 4)
            return false;
        memcpy(m, full, 4);
    } else if (nn->len == 4) {
        memcpy(m, full + 12, 4);
    } else {
        memcpy(m, full, 16);
    }
    return true;
}

bool rg_ipnet_contains(const rg_ipnet *net, const rg_ip *ip)
{
    rg_ip nn;
    uint8_t m[16];
    if (!net_number_and_mask(net, &nn, m))
        return false;
    rg_ip x = rg_ip_to4(ip);
    if (x.len == 0)
        x = *ip;
    if (x.len != nn.len)
        return false;
    for (unsigned i = 0; i < x.len; i++)
        if ((nn.b[i] & m[i]) != (x.b[i] & m[i]))
            return false;
    return true;
}

rg_ip rg_ipnet_last(const rg_ipnet *net)
{
    rg_ip last = {.len = net->masklen};
    uint8_t mask[16];
    make_mask(net->ones, net->masklen, mask);
    /* The address is right-aligned in the mask's length, as a number. */
    unsigned off = net->ip.len > net->masklen ? net->ip.len - net->masklen : 0;
    unsigned pad = net->ip.len < net->masklen ? net->masklen - net->ip.len : 0;
    for (unsigned i = 0; i < net->masklen; i++) {
        uint8_t v = i < pad ? 0 : net->ip.b[off + i - pad];
        last.b[i] = v | (uint8_t)~mask[i];
    }
    return last;
}

size_t rg_ip_format(const rg_ip *ip, char *buf)
{
    rg_ip v4 = rg_ip_to4(ip);
    int n;
    if (ip->len == 0)
        return (size_t)snprintf(buf, RG_IP_BUFSZ, "<nil>");
    if (v4.len == 4)
        return (size_t)snprintf(buf, RG_IP_BUFSZ, "%u.%u.%u.%u", v4.b[0], v4.b[1], v4.b[2],
                                v4.b[3]);
    /* RFC 5952: the first longest run of two or more zero groups is "::". */
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip->b[2 * i] << 8 | ip->b[2 * i + 1];
    int zs = -1, ze = -1;
    for (int i = 0; i < 8; i++) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i >= 2 && j - i > ze - zs) {
            zs = i;
            ze = j;
        }
    }
    size_t len = 0;
    for (int i = 0; i < 8; i++) {
        if (i == zs) {
            buf[len++] = ':';
            buf[len++] = ':';
            i = ze;
            if (i >= 8)
                break;
        } else if (i > 0) {
            buf[len++] = ':';
        }
        n = snprintf(buf + len, RG_IP_BUFSZ - len, "%x", g[i]);
        len += (size_t)n;
    }
    buf[len] = '\0';
    return len;
}

size_t rg_ipnet_format(const rg_ipnet *net, char *buf)
{
    rg_ip nn;
    uint8_t m[16];
    if (!net_number_and_mask(net, &nn, m))
        return (size_t)snprintf(buf, RG_IP_BUFSZ, "<nil>");
    /* A mask taken from a shorter 16-byte prefix may be all zeros here. */
    unsigned ones = 0;
    for (unsigned i = 0; i < nn.len; i++)
        for (unsigned bit = 0x80; bit && (m[i] & bit); bit >>= 1)
            ones++;
    size_t len = rg_ip_format(&nn, buf);
    len += (size_t)snprintf(buf + len, RG_IP_BUFSZ - len, "/%u", ones);
    return len;
}
