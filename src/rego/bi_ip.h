/*
 * IP addresses and CIDR networks for the net.* builtins, with the semantics
 * of Go's net package that OPA's builtins inherit: net.ParseIP (no zones,
 * IPv4 octets without leading zeros), net.ParseCIDR, IP.String (RFC 5952,
 * IPv4-mapped addresses in dotted form) and IPNet.Contains, which treats
 * IPv4-mapped IPv6 addresses as IPv4.
 *
 * An address is kept as Go keeps a net.IP: 4 or 16 bytes (len 0 is nil).
 * Pure functions; thread-safe.
 */
#ifndef KS_REGO_BI_IP_H
#define KS_REGO_BI_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rg_ip {
    uint8_t len; /* 0 (nil), 4 or 16 */
    uint8_t b[16];
} rg_ip;

/* A network as net.ParseCIDR returns it: the address masked (4 bytes for
 * IPv4, 16 for IPv6), the mask of 4 or 16 bytes with ones leading bits. */
typedef struct rg_ipnet {
    rg_ip ip;
    uint8_t masklen; /* bytes of the mask: 4 or 16 */
    uint8_t ones;    /* prefix length */
} rg_ipnet;

/* Room for any text rg_ip_format or rg_ipnet_format writes. */
#define RG_IP_BUFSZ 64

/* Go's netip.ParseAddr: *v6 tells the family as written (an IPv4-mapped
 * "::ffff:1.2.3.4" is IPv6); out gets the 16-byte form. Zones are refused. */
bool rg_ip_parse_addr(const char *s, size_t n, uint8_t out[16], bool *v6);
/* net.ParseIP: the 16-byte form, or false. */
bool rg_ip_parse(const char *s, size_t n, rg_ip *out);
/* net.ParseCIDR: the network, and the address as written (16 bytes) when
 * addr is not NULL. */
bool rg_cidr_parse(const char *s, size_t n, rg_ipnet *net, rg_ip *addr);

/* IP.To4: the 4-byte form of an IPv4 or IPv4-mapped address, else nil. */
rg_ip rg_ip_to4(const rg_ip *ip);
/* IPNet.Contains. */
bool rg_ipnet_contains(const rg_ipnet *net, const rg_ip *ip);
/* The last address of a network (its host bits set), as long as its mask. */
rg_ip rg_ipnet_last(const rg_ipnet *net);

/* IP.String and IPNet.String; return the length written into buf
 * (RG_IP_BUFSZ bytes). */
size_t rg_ip_format(const rg_ip *ip, char *buf);
size_t rg_ipnet_format(const rg_ipnet *net, char *buf);

#endif
