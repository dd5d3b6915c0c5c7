/*
 * Rego builtins: net.cidr_* (OPA's cidr.go semantics, on Go's net.ParseCIDR
 * and net.ParseIP, see bi_ip.h), uuid.rfc4122, and net.lookup_ip_addr,
 * which is refused: the engine does no DNS.
 */
#include "rego/builtin.h"

#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/mem.h"
#include "rego/bi_ip.h"

/* net.cidr_expand refuses networks with more addresses than this. */
#define CIDR_EXPAND_BITS 16
#define CIDR_EXPAND_MAX  (1u << CIDR_EXPAND_BITS)

static int net_operand(rg_bctx *c, const kv_value *v, rg_ipnet *net, rg_ip *addr)
{
    if (kv_kind_of(v) != KV_STRING)
        return rg_bi_type_error(c, 1, "string", v);
    if (!rg_cidr_parse(v->u.s, v->len, net, addr))
        return rg_bi_error(c, RG_ERR_BUILTIN, "invalid CIDR address: %.*s", (int)v->len, v->u.s);
    return 0;
}

static bool plain_v6(const rg_ipnet *n)
{
    rg_ip v4 = rg_ip_to4(&n->ip);
    return n->ip.len == 16 && n->masklen == 16 && v4.len == 0;
}

/* Whether a contains b (an address or a network). Both operand errors say
 * "operand 1", as OPA's do. */
static int cidr_contains(rg_bctx *c, const kv_value *a, const kv_value *b, bool *res)
{
    rg_ipnet na = {0}, nb = {0};
    rg_ip ip;
    int rc = net_operand(c, a, &na, NULL);
    if (rc < 0)
        return rc;
    if (kv_kind_of(b) != KV_STRING)
        return rg_bi_type_error(c, 1, "string", b);
    if (rg_ip_parse(b->u.s, b->len, &ip)) {
        *res = rg_ipnet_contains(&na, &ip);
        return 0;
    }
    if (!rg_cidr_parse(b->u.s, b->len, &nb, NULL))
        return rg_bi_error(c, RG_ERR_BUILTIN,
                           "not a valid textual representation of an IP address or CIDR: %.*s",
                           (int)b->len, b->u.s);
    if (plain_v6(&na) && plain_v6(&nb)) {
        /* Compare prefixes: the last address of an IPv6 network may look
         * like an IPv4-mapped one, which Contains would treat as IPv4. */
        *res = na.ones <= nb.ones;
        for (unsigned i = 0; *res && i < na.ones; i++) {
            unsigned byte = i / 8, bit = 0x80u >> (i % 8);
            if ((na.ip.b[byte] & bit) != (nb.ip.b[byte] & bit))
                *res = false;
        }
        return 0;
    }
    *res = false;
    if (rg_ipnet_contains(&na, &nb.ip)) {
        rg_ip last = rg_ipnet_last(&nb);
        *res = rg_ipnet_contains(&na, &last);
    }
    return 0;
}

static int bi_cidr_contains(rg_bctx *c, const kv_value *args, kv_value *out)
{
    bool res = false;
    int rc = cidr_contains(c, &args[0], &args[1], &res);
    if (rc < 0)
        return rc;
    *out = kv_bool(res);
    return RG_OK;
}

static int bi_cidr_intersects(rg_bctx *c, const kv_value *args, kv_value *out)
{
    rg_ipnet a, b;
    int rc = net_operand(c, &args[0], &a, NULL);
    if (rc < 0)
        return rc;
    rc = net_operand(c, &args[1], &b, NULL);
    if (rc < 0)
        return rc;
    *out = kv_bool(rg_ipnet_contains(&a, &b.ip) || rg_ipnet_contains(&b, &a.ip));
    return RG_OK;
}

static int bi_cidr_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    rg_ipnet n;
    (void)c;
    *out = kv_bool(kv_kind_of(&args[0]) == KV_STRING &&
                   rg_cidr_parse(args[0].u.s, args[0].len, &n, NULL));
    return RG_OK;
}

/* ---- net.cidr_contains_matches ---- */

/* The number of elements of a net.cidr_contains_matches operand: a string
 * is one, arrays, sets and objects have theirs, other kinds none. */
static size_t match_count(const kv_value *v)
{
    switch (kv_kind_of(v)) {
    case KV_STRING: return 1;
    case KV_ARRAY:
    case KV_SET:
    case KV_OBJECT: return v->len;
    default: return 0;
    }
}

/* Element i of operand n (1-based): *cidr is the string, or the first item
 * of an array; *key identifies it in the result (the string itself, the
 * array index, the set element or the object key). */
static int match_at(rg_bctx *c, int n, const kv_value *v, size_t i, const kv_value **cidr,
                    kv_value *key)
{
    if (kv_kind_of(v) == KV_STRING) {
        *cidr = v;
        *key = *v;
        return 0;
    }
    const kv_value *el;
    if (kv_kind_of(v) == KV_OBJECT) {
        el = &v->u.members[i].val;
        *key = v->u.members[i].key;
    } else {
        el = &v->u.items[i];
        *key = kv_kind_of(v) == KV_ARRAY ? kv_int((int64_t)i) : *el;
    }
    if (kv_kind_of(el) == KV_ARRAY && el->len > 0)
        *cidr = &el->u.items[0];
    else if (kv_kind_of(el) == KV_STRING)
        *cidr = el;
    else
        return rg_bi_error(c, RG_ERR_BUILTIN,
                           "operand %d: element must be string or non-empty array", n);
    return 0;
}

/* Pairs of keys [k1, k2] where element k1 of the first operand contains
 * element k2 of the second; errors surface in OPA's iteration order. */
static int bi_cidr_contains_matches(rg_bctx *c, const kv_value *args, kv_value *out)
{
    size_t na = match_count(&args[0]), nb = match_count(&args[1]);
    size_t npairs = 0, cap = 0;
    kv_value *pairs = NULL;
    int rc = 0;
    for (size_t i = 0; i < na && rc == 0; i++) {
        const kv_value *ca = NULL, *cb = NULL;
        kv_value pair[2];
        rc = match_at(c, 1, &args[0], i, &ca, &pair[0]);
        for (size_t j = 0; j < nb && rc == 0; j++) {
            bool hit = false;
            rc = match_at(c, 2, &args[1], j, &cb, &pair[1]);
            if (rc == 0)
                rc = cidr_contains(c, ca, cb, &hit);
            if (rc < 0 || !hit)
                continue;
            pairs = ks_grow_array(pairs, &cap, npairs + 1, sizeof *pairs);
            if (kv_array_new(c->arena, pair, 2, &pairs[npairs++]) < 0)
                rc = RG_EHALT;
        }
    }
    if (rc == 0)
        rc = kv_set_new(c->arena, pairs, npairs, out) < 0 ? RG_EHALT : RG_OK;
    ks_xfree(pairs);
    return rc;
}

/* ---- net.cidr_expand ---- */

static void ip_inc(rg_ip *ip)
{
    for (int j = ip->len - 1; j >= 0; j--)
        if (++ip->b[j] != 0)
            break;
}

static int bi_cidr_expand(rg_bctx *c, const kv_value *args, kv_value *out)
{
    rg_ipnet net;
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc < 0)
        return rc;
    rc = net_operand(c, &args[0], &net, NULL);
    if (rc < 0)
        return rc;
    unsigned host_bits = net.masklen * 8u - net.ones;
    if (host_bits > CIDR_EXPAND_BITS)
        return rg_bi_error(c, RG_ERR_BUILTIN, "%.*s has 2^%u addresses, more than the limit of %u",
                           (int)n, s, host_bits, CIDR_EXPAND_MAX);
    size_t count = (size_t)1 << host_bits;
    kv_value *items = ks_xmalloc(count * sizeof *items);
    rg_ip ip = net.ip;
    for (size_t i = 0; i < count; i++) {
        char buf[RG_IP_BUFSZ];
        size_t len = rg_ip_format(&ip, buf);
        if (kv_str_copy(c->arena, buf, len, &items[i]) < 0) {
            ks_xfree(items);
            return RG_EHALT;
        }
        ip_inc(&ip);
    }
    rc = kv_set_new(c->arena, items, count, out) < 0 ? RG_EHALT : RG_OK;
    ks_xfree(items);
    return rc;
}

/* ---- net.cidr_merge ---- */

typedef unsigned __int128 u128;

/* An address range [first, last] in the 16-byte form, and the network it
 * came from while it has not been merged with another. */
typedef struct ip_range {
    u128 first, last;
    bool merged;
    rg_ipnet net;
} ip_range;

static u128 u128_from(const uint8_t b[16])
{
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | b[i];
    return v;
}

static void u128_to(u128 v, uint8_t b[16])
{
    for (int i = 15; i >= 0; i--) {
        b[i] = (uint8_t)v;
        v >>= 8;
    }
}

#define V4_MAPPED_BASE ((u128)0xffff << 32)

static bool is_v4_mapped(u128 v)
{
    return (v >> 32) == 0xffff;
}

static void range_of(const rg_ipnet *net, ip_range *r)
{
    uint8_t b[16];
    unsigned ones = net->ones;
    if (net->masklen == 4) {
        rg_ip v4 = rg_ip_to4(&net->ip);
        memset(b, 0, 10);
        b[10] = b[11] = 0xff;
        memcpy(b + 12, v4.b, 4);
        ones += 96;
    } else {
        memcpy(b, net->ip.b, 16);
    }
    u128 host = ones >= 128 ? 0 : ones == 0 ? ~(u128)0 : ((u128)1 << (128 - ones)) - 1;
    r->first = u128_from(b) & ~host;
    r->last = r->first | host;
    r->merged = false;
    r->net = *net;
}

static int range_cmp(const void *pa, const void *pb)
{
    const ip_range *a = pa, *b = pb;
    if (a->last != b->last)
        return a->last < b->last ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return 0;
}

/* Appends the fewest CIDRs that cover [first, last] exactly; IPv4 when the
 * range starts and ends in the IPv4-mapped space. */
static int emit_cover(rg_bctx *c, u128 first, u128 last, kv_value **items, size_t *n, size_t *cap)
{
    bool v4 = is_v4_mapped(first) && is_v4_mapped(last);
    for (u128 cur = first;;) {
        unsigned k = 0; /* block of 2^k addresses at cur */
        while (k < 128 && ((cur >> k) & 1) == 0) {
            u128 span = k + 1 >= 128 ? ~(u128)0 : ((u128)1 << (k + 1)) - 1;
            if (cur + span < cur || cur + span > last)
                break;
            k++;
        }
        rg_ipnet net = {0};
        u128_to(cur, net.ip.b);
        net.ip.len = 16;
        net.masklen = v4 ? 4 : 16;
        net.ones = (uint8_t)(v4 ? 32 - k : 128 - k);
        char buf[RG_IP_BUFSZ];
        size_t len = rg_ipnet_format(&net, buf);
        *items = ks_grow_array(*items, cap, *n + 1, sizeof **items);
        if (kv_str_copy(c->arena, buf, len, &(*items)[*n]) < 0)
            return RG_EHALT;
        (*n)++;
        u128 size_m1 = k >= 128 ? ~(u128)0 : ((u128)1 << k) - 1;
        if (cur + size_m1 >= last)
            return 0;
        cur += size_m1 + 1;
    }
}

static int merge_element(rg_bctx *c, const kv_value *el, ip_range *r)
{
    rg_ipnet net;
    rg_ip ip;
    if (kv_kind_of(el) != KV_STRING)
        return rg_bi_error(c, RG_ERR_BUILTIN, "element must be string");
    if (rg_ip_parse(el->u.s, el->len, &ip)) {
        rg_ip v4 = rg_ip_to4(&ip);
        if (v4.len == 0)
            return rg_bi_error(c, RG_ERR_BUILTIN, "IPv6 invalid: needs prefix length");
        /* A bare IPv4 address stands for its classful network, the
         * address kept unmasked (Go's IP.DefaultMask). */
        net.ip = ip;
        net.masklen = 4;
        net.ones = v4.b[0] < 0x80 ? 8 : v4.b[0] < 0xc0 ? 16 : 24;
    } else if (!rg_cidr_parse(el->u.s, el->len, &net, NULL)) {
        return rg_bi_error(c, RG_ERR_BUILTIN, "invalid CIDR address: %.*s", (int)el->len, el->u.s);
    }
    range_of(&net, r);
    return 0;
}

static int bi_cidr_merge(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const kv_value *v = &args[0];
    if (kv_kind_of(v) != KV_ARRAY && kv_kind_of(v) != KV_SET)
        return rg_bi_error(c, RG_ERR_BUILTIN, "operand must be an array");
    size_t n = v->len, nout = 0, cap = 0;
    ip_range *r = ks_xmalloc((n ? n : 1) * sizeof *r);
    kv_value *items = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = merge_element(c, &v->u.items[i], &r[i]);
    if (rc < 0)
        goto out;
    qsort(r, n, sizeof *r, range_cmp);
    /* From the highest range down, fold each range into the one above it
     * when it overlaps or touches it (OPA's order and rules: the address
     * before ::ffff:0.0.0.0 is itself, so IPv4 never touches IPv6). */
    for (size_t i = n; i-- > 0;) {
        ip_range cur = r[i];
        while (i > 0) {
            u128 prev = cur.first;
            if (prev != 0 && prev != V4_MAPPED_BASE)
                prev--;
            if (prev > r[i - 1].last)
                break;
            i--;
            if (r[i].first < cur.first)
                cur.first = r[i].first;
            cur.merged = true;
        }
        if (cur.merged) {
            rc = emit_cover(c, cur.first, cur.last, &items, &nout, &cap);
        } else {
            char buf[RG_IP_BUFSZ];
            size_t len = rg_ipnet_format(&cur.net, buf);
            items = ks_grow_array(items, &cap, nout + 1, sizeof *items);
            rc = kv_str_copy(c->arena, buf, len, &items[nout++]) < 0 ? RG_EHALT : 0;
        }
        if (rc < 0)
            goto out;
    }
    rc = kv_set_new(c->arena, items, nout, out) < 0 ? RG_EHALT : RG_OK;
out:
    ks_xfree(r);
    ks_xfree(items);
    return rc;
}

/* ---- uuid.rfc4122, net.lookup_ip_addr ---- */

/* A version 4 UUID drawn from the evaluation's seed and the key: the same
 * key gives the same UUID throughout an evaluation (OPA caches one per
 * key), different seeds give unrelated UUIDs. */
static int bi_uuid_rfc4122(rg_bctx *c, const kv_value *args, kv_value *out)
{
    static const char tag[16] = "uuid.rfc4122/v1";
    uint8_t in[32], d[KS_SHA256_LEN];
    uint64_t h = kv_hash(&args[0]);
    memcpy(in, tag, 16);
    for (int i = 0; i < 8; i++) {
        in[16 + i] = (uint8_t)(c->seed >> (8 * i));
        in[24 + i] = (uint8_t)(h >> (8 * i));
    }
    ks_sha256_digest(in, sizeof in, d);
    d[6] = (d[6] & 0x0f) | 0x40;
    d[8] = (d[8] & 0x3f) | 0x80;
    char hex[33], s[37];
    ks_hex_encode(d, 16, hex);
    size_t len = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            s[len++] = '-';
        s[len++] = hex[i];
    }
    return rg_make_string(c, s, len, out);
}

static int bi_lookup_ip_addr(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    (void)out;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc < 0)
        return rc;
    return rg_bi_error(c, RG_ERR_BUILTIN, "DNS lookups are not supported");
}

const rg_builtin_def rg_bi_net[] = {
        {"net.cidr_contains", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_BOOL, bi_cidr_contains},
        /* Deprecated alias of net.cidr_contains. */
        {"net.cidr_overlap", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_BOOL, bi_cidr_contains},
        {"net.cidr_intersects", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_BOOL, bi_cidr_intersects},
        {"net.cidr_contains_matches",
         2,
         0,
         {RG_T_STR | RG_T_ARR | RG_T_SET | RG_T_OBJ, RG_T_STR | RG_T_ARR | RG_T_SET | RG_T_OBJ},
         RG_T_SET,
         bi_cidr_contains_matches},
        {"net.cidr_expand", 1, 0, {RG_T_STR}, RG_T_SET, bi_cidr_expand},
        {"net.cidr_merge", 1, 0, {RG_T_ARR | RG_T_SET}, RG_T_SET, bi_cidr_merge},
        {"net.cidr_is_valid", 1, 0, {RG_T_STR}, RG_T_BOOL, bi_cidr_is_valid},
        {"net.lookup_ip_addr", 1, RG_BI_NONDET, {RG_T_STR}, RG_T_SET, bi_lookup_ip_addr},
        {"uuid.rfc4122", 1, RG_BI_NONDET, {RG_T_STR}, RG_T_STR, bi_uuid_rfc4122},
        {0},
};
