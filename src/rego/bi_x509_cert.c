/*
 * Certificates and certificate requests as the JSON Go's encoding/json
 * makes of x509.Certificate and x509.CertificateRequest (see bi_x509.h).
 * The DER is walked here, so raw fields, extension order and names come
 * out exactly as Go's parser keeps them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/jsonstr.h"
#include "core/time.h"
#include "core/utf8.h"
#include "rego/bi_x509.h"

enum {
    T_BOOL = 0x01,
    T_INT = 0x02,
    T_BITS = 0x03,
    T_OCTETS = 0x04,
    T_NULL = 0x05,
    T_OID = 0x06,
    T_UTF8 = 0x0c,
    T_NUMERIC = 0x12,
    T_PRINTABLE = 0x13,
    T_T61 = 0x14,
    T_IA5 = 0x16,
    T_UTCTIME = 0x17,
    T_GENTIME = 0x18,
    T_BMP = 0x1e,
    T_SEQ = 0x30,
    T_SET = 0x31,
};

/* A JSON array being built: "null" when empty, as Go's nil slices. */
typedef struct jlist {
    ks_buf b;
    size_t n;
} jlist;

static ks_buf *jl_item(jlist *l)
{
    if (l->n++)
        ks_buf_putc(&l->b, ',');
    return &l->b;
}

static void jl_str(jlist *l, const void *s, size_t n)
{
    ks_json_quote(jl_item(l), s, n, 0);
}

static void jl_emit(ks_buf *j, const char *key, jlist *l)
{
    rg_x509_json_key(j, key);
    if (!l->n) {
        ks_buf_puts(j, "null");
    } else {
        ks_buf_putc(j, '[');
        ks_buf_append(j, l->b.data, l->b.len);
        ks_buf_putc(j, ']');
    }
    if (l->b.err)
        j->err = l->b.err;
    ks_buf_free(&l->b);
}

static bool oid_is(rg_x509_der oid, const char *text)
{
    char buf[128];
    return rg_x509_oid_text(oid, buf, sizeof buf) && strcmp(buf, text) == 0;
}

static void put_bool(ks_buf *j, const char *key, bool v)
{
    rg_x509_json_key(j, key);
    ks_buf_puts(j, v ? "true" : "false");
}

static void put_int(ks_buf *j, const char *key, long long v)
{
    rg_x509_json_key(j, key);
    ks_buf_printf(j, "%lld", v);
}

static int fail(ks_buf *msg, const char *text)
{
    if (msg && msg->len == 0)
        ks_buf_puts(msg, text);
    return -1;
}

/* ---- strings ---- */

static void utf8_put(ks_buf *b, uint32_t cp)
{
    char enc[4];
    ks_buf_append(b, enc, ks_utf8_encode(cp, enc));
}

/* An ASN.1 string value as UTF-8 JSON (Go's parseASN1String); -1 for
 * types Go refuses. */
static int put_asn1_string(ks_buf *j, unsigned tag, rg_x509_der v)
{
    if (tag == T_UTF8 || tag == T_PRINTABLE || tag == T_IA5 || tag == T_NUMERIC) {
        ks_json_quote(j, (const char *)v.p, v.n, 0);
        return 0;
    }
    ks_buf u = KS_BUF_INIT;
    if (tag == T_T61) {
        for (size_t i = 0; i < v.n; i++)
            utf8_put(&u, v.p[i]);
    } else if (tag == T_BMP) {
        if (v.n % 2)
            return -1;
        for (size_t i = 0; i + 1 < v.n; i += 2) {
            uint32_t cp = (uint32_t)v.p[i] << 8 | v.p[i + 1];
            if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < v.n) {
                uint32_t lo = (uint32_t)v.p[i + 2] << 8 | v.p[i + 3];
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                }
            }
            utf8_put(&u, cp);
        }
    } else {
        return -1;
    }
    ks_json_quote(j, u.data ? u.data : "", u.len, 0);
    ks_buf_free(&u);
    return 0;
}

/* ---- names ---- */

static int put_name(ks_buf *j, rg_x509_der name, ks_buf *msg)
{
    static const struct {
        unsigned arc;
        const char *field;
        bool single;
    } attrs[] = {{6, "Country", false},
                 {10, "Organization", false},
                 {11, "OrganizationalUnit", false},
                 {7, "Locality", false},
                 {8, "Province", false},
                 {9, "StreetAddress", false},
                 {17, "PostalCode", false},
                 {5, "SerialNumber", true},
                 {3, "CommonName", true}};
    enum { NATTR = sizeof attrs / sizeof attrs[0] };
    jlist lists[NATTR], names = {0};
    memset(lists, 0, sizeof lists);
    int rc = 0;
    rg_x509_der rdns = name;
    while (rdns.n && rc == 0) {
        rg_x509_der set;
        if (rg_x509_der_expect(&rdns, T_SET, &set, NULL)) {
            rc = fail(msg, "x509: invalid RDNSequence");
            break;
        }
        while (set.n) {
            rg_x509_der atv, oid, val;
            unsigned vtag;
            if (rg_x509_der_expect(&set, T_SEQ, &atv, NULL) ||
                rg_x509_der_expect(&atv, T_OID, &oid, NULL) ||
                rg_x509_der_next(&atv, &vtag, &val, NULL)) {
                rc = fail(msg, "x509: invalid RDNSequence: invalid attribute");
                break;
            }
            ks_buf *it = jl_item(&names);
            ks_buf_puts(it, "{\"Type\":");
            rg_x509_json_oid(it, oid);
            ks_buf_puts(it, ",\"Value\":");
            size_t mark = it->len;
            if (put_asn1_string(it, vtag, val)) {
                rc = fail(msg, "x509: invalid RDNSequence: invalid attribute value: "
                               "asn1: syntax error: unsupported string type");
                break;
            }
            ks_buf_putc(it, '}');
            uint8_t prefix[] = {0x55, 0x04};
            if (oid.n == 3 && memcmp(oid.p, prefix, 2) == 0) {
                for (size_t k = 0; k < NATTR; k++) {
                    if (attrs[k].arc != oid.p[2])
                        continue;
                    if (attrs[k].single) {
                        lists[k].b.len = 0;
                        lists[k].n = 0;
                    }
                    ks_buf *dst = jl_item(&lists[k]);
                    ks_buf_append(dst, it->data + mark, it->len - 1 - mark);
                }
            }
        }
    }
    ks_buf_putc(j, '{');
    for (size_t k = 0; k < NATTR; k++) {
        if (attrs[k].single) {
            rg_x509_json_key(j, attrs[k].field);
            if (lists[k].n)
                ks_buf_append(j, lists[k].b.data, lists[k].b.len);
            else
                ks_buf_puts(j, "\"\"");
            ks_buf_free(&lists[k].b);
        } else {
            jl_emit(j, attrs[k].field, &lists[k]);
        }
    }
    rg_x509_json_key(j, "ExtraNames");
    ks_buf_puts(j, "null");
    jl_emit(j, "Names", &names);
    rg_x509_json_close(j, '}');
    return rc;
}

/* ---- algorithms and keys ---- */

static int sig_algorithm(rg_x509_der alg)
{
    static const struct {
        const char *oid;
        int go;
    } map[] = {
            {"1.2.840.113549.1.1.2", 1},   {"1.2.840.113549.1.1.4", 2},
            {"1.2.840.113549.1.1.5", 3},   {"1.3.14.3.2.29", 3},
            {"1.2.840.113549.1.1.11", 4},  {"1.2.840.113549.1.1.12", 5},
            {"1.2.840.113549.1.1.13", 6},  {"1.2.840.10040.4.3", 7},
            {"2.16.840.1.101.3.4.3.2", 8}, {"1.2.840.10045.4.1", 9},
            {"1.2.840.10045.4.3.2", 10},   {"1.2.840.10045.4.3.3", 11},
            {"1.2.840.10045.4.3.4", 12},   {"1.3.101.112", 16},
    };
    rg_x509_der seq = alg, oid;
    if (rg_x509_der_expect(&seq, T_OID, &oid, NULL))
        return 0;
    char text[128];
    if (!rg_x509_oid_text(oid, text, sizeof text))
        return 0;
    if (strcmp(text, "1.2.840.113549.1.1.10") == 0) {
        /* RSASSA-PSS: the hash named in the parameters. */
        static const uint8_t sha2[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02};
        for (size_t i = 0; i + sizeof sha2 < seq.n; i++)
            if (memcmp(seq.p + i, sha2, sizeof sha2) == 0) {
                uint8_t h = seq.p[i + sizeof sha2];
                return h >= 1 && h <= 3 ? 12 + h : 0;
            }
        return 0;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(text, map[i].oid) == 0)
            return map[i].go;
    return 0;
}

static void put_uint_member(ks_buf *j, const char *key, rg_x509_der v)
{
    rg_x509_json_key(j, key);
    rg_x509_json_integer(j, v);
}

/* The public key of a SubjectPublicKeyInfo: its Go algorithm number, and
 * the key's JSON in j ("null" when unknown). */
static int put_public_key(ks_buf *j, rg_x509_der spki, int *algo, ks_buf *msg)
{
    rg_x509_der alg, bits, oid, params = {0};
    unsigned ptag = 0;
    if (rg_x509_der_expect(&spki, T_SEQ, &alg, NULL) ||
        rg_x509_der_expect(&spki, T_BITS, &bits, NULL) ||
        rg_x509_der_expect(&alg, T_OID, &oid, NULL) || bits.n < 1)
        return fail(msg, "x509: malformed spki");
    if (alg.n)
        rg_x509_der_next(&alg, &ptag, &params, NULL);
    rg_x509_der key = {bits.p + 1, bits.n - 1};
    if (oid_is(oid, "1.2.840.113549.1.1.1")) {
        rg_x509_der seq, n, e;
        if (rg_x509_der_expect(&key, T_SEQ, &seq, NULL) ||
            rg_x509_der_expect(&seq, T_INT, &n, NULL) || rg_x509_der_expect(&seq, T_INT, &e, NULL))
            return fail(msg, "x509: invalid RSA public key");
        if (n.n == 0 || (n.p[0] & 0x80))
            return fail(msg, "x509: RSA modulus is not a positive number");
        if (e.n == 0 || (e.p[0] & 0x80))
            return fail(msg, "x509: RSA public exponent is not a positive number");
        *algo = 1;
        ks_buf_putc(j, '{');
        put_uint_member(j, "N", n);
        put_uint_member(j, "E", e);
        rg_x509_json_close(j, '}');
    } else if (oid_is(oid, "1.2.840.10045.2.1")) {
        static const struct {
            const char *oid;
            size_t size;
        } curves[] = {{"1.3.132.0.33", 28},
                      {"1.2.840.10045.3.1.7", 32},
                      {"1.3.132.0.34", 48},
                      {"1.3.132.0.35", 66}};
        size_t size = 0;
        for (size_t i = 0; ptag == T_OID && i < 4; i++)
            if (oid_is(params, curves[i].oid))
                size = curves[i].size;
        if (!size)
            return fail(msg, "x509: unsupported elliptic curve");
        if (key.n != 1 + 2 * size || key.p[0] != 4)
            return fail(msg, "x509: failed to unmarshal elliptic curve point");
        *algo = 3;
        ks_buf_puts(j, "{\"Curve\":{}");
        rg_x509_json_key(j, "X");
        rg_x509_json_bigint(j, key.p + 1, size, false);
        rg_x509_json_key(j, "Y");
        rg_x509_json_bigint(j, key.p + 1 + size, size, false);
        rg_x509_json_close(j, '}');
    } else if (oid_is(oid, "1.3.101.112")) {
        if (key.n != 32)
            return fail(msg, "x509: wrong Ed25519 public key size");
        *algo = 4;
        rg_x509_json_bytes(j, key.p, key.n);
    } else if (oid_is(oid, "1.2.840.10040.4.1")) {
        rg_x509_der y, p, q, g;
        if (rg_x509_der_expect(&key, T_INT, &y, NULL) || ptag != T_SEQ ||
            rg_x509_der_expect(&params, T_INT, &p, NULL) ||
            rg_x509_der_expect(&params, T_INT, &q, NULL) ||
            rg_x509_der_expect(&params, T_INT, &g, NULL))
            return fail(msg, "x509: invalid DSA public key");
        *algo = 2;
        ks_buf_putc(j, '{');
        put_uint_member(j, "P", p);
        put_uint_member(j, "Q", q);
        put_uint_member(j, "G", g);
        put_uint_member(j, "Y", y);
        rg_x509_json_close(j, '}');
    } else {
        *algo = 0;
        ks_buf_puts(j, "null");
    }
    return 0;
}

/* ---- general names ---- */

static void put_ip(jlist *l, const uint8_t *p, size_t n)
{
    char text[INET6_ADDRSTRLEN + 8];
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (n == 16 && memcmp(p, v4mapped, 12) == 0) {
        p += 12;
        n = 4;
    }
    if (n == 4)
        snprintf(text, sizeof text, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    else if (n != 16 || !inet_ntop(AF_INET6, p, text, sizeof text))
        snprintf(text, sizeof text, "?");
    jl_str(l, text, strlen(text));
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static void unescape(ks_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n + 0 && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            ks_buf_putc(out, (char)(hi << 4 | lo));
            i += 2;
        } else {
            ks_buf_putc(out, s[i]);
        }
    }
}

/* Go's url.escape in path or fragment mode. */
static void escape(ks_buf *out, const char *s, size_t n, bool fragment)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr("-_.~$&+,/:;=@", c) || (fragment && strchr("?!()*", c));
        if (keep && c) {
            ks_buf_putc(out, (char)c);
        } else {
            ks_buf_putc(out, '%');
            ks_buf_putc(out, hex[c >> 4]);
            ks_buf_putc(out, hex[c & 15]);
        }
    }
}

/* Decoded text and, when escaping it back differs, the raw text. */
static void put_escaped_pair(ks_buf *j, const char *key, const char *rawkey, const char *s,
                             size_t n, bool fragment)
{
    ks_buf dec = KS_BUF_INIT, again = KS_BUF_INIT;
    unescape(&dec, s, n);
    escape(&again, dec.data ? dec.data : "", dec.len, fragment);
    rg_x509_json_key(j, key);
    ks_json_quote(j, dec.data ? dec.data : "", dec.len, 0);
    rg_x509_json_key(j, rawkey);
    bool same = again.len == n && (n == 0 || memcmp(again.data, s, n) == 0);
    ks_json_quote(j, same ? "" : s, same ? 0 : n, 0);
    ks_buf_free(&dec);
    ks_buf_free(&again);
}

/* A URI as Go's url.URL after url.Parse. */
static void put_url(ks_buf *j, const char *s, size_t n)
{
    const char *frag = memchr(s, '#', n);
    size_t rest_n = frag ? (size_t)(frag - s) : n;
    const char *fs = frag ? frag + 1 : "";
    size_t fn = frag ? n - rest_n - 1 : 0;
    size_t sl = 0;
    ks_buf scheme = KS_BUF_INIT;
    if (rest_n && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) {
        size_t i = 1;
        while (i < rest_n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                              (s[i] >= '0' && s[i] <= '9') || strchr("+-.", s[i])))
            i++;
        if (i < rest_n && s[i] == ':') {
            for (size_t k = 0; k < i; k++)
                ks_buf_putc(&scheme, (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k] | 0x20 : s[k]));
            sl = i + 1;
        }
    }
    const char *r = s + sl;
    size_t rn = rest_n - sl;
    bool force = false;
    const char *q = memchr(r, '?', rn);
    const char *qs = "";
    size_t qn = 0;
    if (q) {
        qs = q + 1;
        qn = rn - (size_t)(q - r) - 1;
        rn = (size_t)(q - r);
        if (qn == 0 && !memchr(qs, '?', qn))
            force = true;
    }
    const char *opaque = "", *host = "";
    size_t on = 0, hn = 0;
    bool user = false, omit = false;
    if ((rn == 0 || r[0] != '/') && scheme.len) {
        opaque = r;
        on = rn;
        rn = 0;
    } else if (rn >= 2 && r[0] == '/' && r[1] == '/' && !(rn >= 3 && r[2] == '/')) {
        const char *a = r + 2;
        const char *slash = memchr(a, '/', rn - 2);
        size_t an = slash ? (size_t)(slash - a) : rn - 2;
        host = a;
        hn = an;
        for (size_t i = an; i-- > 0;)
            if (a[i] == '@') {
                user = true;
                host = a + i + 1;
                hn = an - i - 1;
                break;
            }
        r = a + an;
        rn = rn - 2 - an;
    } else if (scheme.len && rn >= 3 && r[0] == '/' && r[1] == '/' && r[2] == '/') {
        omit = true;
        r += 2;
        rn -= 2;
    }
    ks_buf_putc(j, '{');
    put_bool(j, "ForceQuery", force);
    put_escaped_pair(j, "Fragment", "RawFragment", fs, fn, true);
    rg_x509_json_key(j, "Host");
    ks_buf hb = KS_BUF_INIT;
    unescape(&hb, host, hn);
    ks_json_quote(j, hb.data ? hb.data : "", hb.len, 0);
    ks_buf_free(&hb);
    put_bool(j, "OmitHost", omit);
    rg_x509_json_key(j, "Opaque");
    ks_json_quote(j, opaque, on, 0);
    put_escaped_pair(j, "Path", "RawPath", r, rn, false);
    rg_x509_json_key(j, "RawQuery");
    ks_json_quote(j, force ? "" : qs, force ? 0 : qn, 0);
    rg_x509_json_key(j, "Scheme");
    ks_json_quote(j, scheme.data ? scheme.data : "", scheme.len, 0);
    rg_x509_json_key(j, "User");
    ks_buf_puts(j, user ? "{}" : "null");
    rg_x509_json_close(j, '}');
    ks_buf_free(&scheme);
}

typedef struct sans {
    jlist dns, email, ip, uri, uristr;
} sans;

static int parse_sans(rg_x509_der v, sans *s, ks_buf *msg)
{
    rg_x509_der seq;
    if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
        return fail(msg, "x509: invalid subject alternative names");
    while (seq.n) {
        unsigned tag;
        rg_x509_der gn;
        if (rg_x509_der_next(&seq, &tag, &gn, NULL))
            return fail(msg, "x509: invalid subject alternative name");
        switch (tag) {
        case 0x81: jl_str(&s->email, gn.p, gn.n); break;
        case 0x82: jl_str(&s->dns, gn.p, gn.n); break;
        case 0x86:
            put_url(jl_item(&s->uri), (const char *)gn.p, gn.n);
            jl_str(&s->uristr, gn.p, gn.n);
            break;
        case 0x87:
            if (gn.n != 4 && gn.n != 16)
                return fail(msg, "x509: cannot parse IP address of length");
            put_ip(&s->ip, gn.p, gn.n);
            break;
        default: break;
        }
    }
    return 0;
}

/* ---- extensions ---- */

typedef struct certx {
    jlist exts, eku, unknown_eku, ocsp, issuing, crldp, policies, policy_ids, unhandled;
    jlist perm_dns, excl_dns, perm_email, excl_email, perm_ip, excl_ip, perm_uri, excl_uri;
    sans san;
    long long key_usage, max_path;
    bool bc_valid, is_ca, perm_critical;
    rg_x509_der skid, akid;
    bool has_skid, has_akid;
} certx;

static const char *const eku_oids[] = {
        "2.5.29.37.0",
        "1.3.6.1.5.5.7.3.1",
        "1.3.6.1.5.5.7.3.2",
        "1.3.6.1.5.5.7.3.3",
        "1.3.6.1.5.5.7.3.4",
        "1.3.6.1.5.5.7.3.5",
        "1.3.6.1.5.5.7.3.6",
        "1.3.6.1.5.5.7.3.7",
        "1.3.6.1.5.5.7.3.8",
        "1.3.6.1.5.5.7.3.9",
        "1.3.6.1.4.1.311.10.3.3",
        "2.16.840.1.113730.4.1",
        "1.3.6.1.4.1.311.2.1.22",
        "1.3.6.1.4.1.311.61.1.1",
};

static int eku_of(rg_x509_der oid)
{
    char text[128];
    if (!rg_x509_oid_text(oid, text, sizeof text))
        return -1;
    for (size_t i = 0; i < sizeof eku_oids / sizeof eku_oids[0]; i++)
        if (strcmp(text, eku_oids[i]) == 0)
            return (int)i;
    return -1;
}

static int parse_constraints(rg_x509_der v, bool permitted, certx *x, ks_buf *msg)
{
    rg_x509_der trees = v;
    while (trees.n) {
        rg_x509_der sub, gn;
        unsigned tag;
        if (rg_x509_der_expect(&trees, T_SEQ, &sub, NULL) ||
            rg_x509_der_next(&sub, &tag, &gn, NULL))
            return fail(msg, "x509: invalid NameConstraints extension");
        switch (tag) {
        case 0x82: jl_str(permitted ? &x->perm_dns : &x->excl_dns, gn.p, gn.n); break;
        case 0x81: jl_str(permitted ? &x->perm_email : &x->excl_email, gn.p, gn.n); break;
        case 0x86: jl_str(permitted ? &x->perm_uri : &x->excl_uri, gn.p, gn.n); break;
        case 0x87: {
            if (gn.n != 8 && gn.n != 32)
                return fail(msg, "x509: IP constraint contained value of length");
            size_t half = gn.n / 2;
            jlist ipl = {0};
            put_ip(&ipl, gn.p, half);
            ks_buf *it = jl_item(permitted ? &x->perm_ip : &x->excl_ip);
            ks_buf_puts(it, "{\"IP\":");
            ks_buf_append(it, ipl.b.data, ipl.b.len);
            ks_buf_puts(it, ",\"Mask\":");
            rg_x509_json_bytes(it, gn.p + half, half);
            ks_buf_putc(it, '}');
            ks_buf_free(&ipl.b);
            break;
        }
        default: break;
        }
    }
    return 0;
}

static int parse_extension(rg_x509_der oid, bool critical, rg_x509_der v, certx *x, ks_buf *msg)
{
    char text[128];
    if (!rg_x509_oid_text(oid, text, sizeof text))
        return fail(msg, "x509: malformed extension OID field");
    bool unhandled = false;
    rg_x509_der seq, item;
    if (strcmp(text, "2.5.29.15") == 0) {
        rg_x509_der bits;
        if (rg_x509_der_expect(&v, T_BITS, &bits, NULL) || bits.n < 1)
            return fail(msg, "x509: invalid key usage");
        long long u = 0;
        for (size_t i = 0; i < 9 && i < (bits.n - 1) * 8; i++)
            if (bits.p[1 + i / 8] & (0x80 >> (i % 8)))
                u |= 1LL << i;
        x->key_usage = u;
    } else if (strcmp(text, "2.5.29.19") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid basic constraints");
        rg_x509_der b, n;
        if (rg_x509_der_expect(&seq, T_BOOL, &b, NULL) == 0)
            x->is_ca = b.n == 1 && b.p[0];
        x->max_path = -1;
        if (rg_x509_der_expect(&seq, T_INT, &n, NULL) == 0) {
            long long m = 0;
            for (size_t i = 0; i < n.n && i < 8; i++)
                m = m << 8 | n.p[i];
            x->max_path = m;
        }
        x->bc_valid = true;
    } else if (strcmp(text, "2.5.29.17") == 0) {
        if (parse_sans(v, &x->san, msg))
            return -1;
    } else if (strcmp(text, "2.5.29.30") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid NameConstraints extension");
        x->perm_critical = critical;
        if (rg_x509_der_expect(&seq, 0xa0, &item, NULL) == 0 &&
            parse_constraints(item, true, x, msg))
            return -1;
        if (rg_x509_der_expect(&seq, 0xa1, &item, NULL) == 0 &&
            parse_constraints(item, false, x, msg))
            return -1;
    } else if (strcmp(text, "2.5.29.31") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid CRL distribution points");
        while (seq.n) {
            rg_x509_der dp, dpn, full;
            if (rg_x509_der_expect(&seq, T_SEQ, &dp, NULL))
                return fail(msg, "x509: invalid CRL distribution point");
            if (rg_x509_der_expect(&dp, 0xa0, &dpn, NULL) ||
                rg_x509_der_expect(&dpn, 0xa0, &full, NULL))
                continue;
            while (full.n) {
                unsigned tag;
                rg_x509_der gn;
                if (rg_x509_der_next(&full, &tag, &gn, NULL))
                    return fail(msg, "x509: invalid CRL distribution point");
                if (tag == 0x86)
                    jl_str(&x->crldp, gn.p, gn.n);
            }
        }
    } else if (strcmp(text, "2.5.29.35") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid authority key identifier");
        if (rg_x509_der_expect(&seq, 0x80, &item, NULL) == 0) {
            x->akid = item;
            x->has_akid = true;
        }
    } else if (strcmp(text, "2.5.29.37") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid extended key usages");
        while (seq.n) {
            if (rg_x509_der_expect(&seq, T_OID, &item, NULL))
                return fail(msg, "x509: invalid extended key usages");
            int k = eku_of(item);
            if (k >= 0)
                ks_buf_printf(jl_item(&x->eku), "%d", k);
            else
                rg_x509_json_oid(jl_item(&x->unknown_eku), item);
        }
    } else if (strcmp(text, "2.5.29.14") == 0) {
        if (rg_x509_der_expect(&v, T_OCTETS, &item, NULL))
            return fail(msg, "x509: invalid subject key identifier");
        x->skid = item;
        x->has_skid = true;
    } else if (strcmp(text, "2.5.29.32") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid certificate policies");
        while (seq.n) {
            rg_x509_der pi, poid;
            char ptext[128];
            if (rg_x509_der_expect(&seq, T_SEQ, &pi, NULL) ||
                rg_x509_der_expect(&pi, T_OID, &poid, NULL) ||
                !rg_x509_oid_text(poid, ptext, sizeof ptext))
                return fail(msg, "x509: invalid certificate policies");
            jl_str(&x->policies, ptext, strlen(ptext));
            rg_x509_json_oid(jl_item(&x->policy_ids), poid);
        }
    } else if (strcmp(text, "1.3.6.1.5.5.7.1.1") == 0) {
        if (rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            return fail(msg, "x509: invalid authority info access");
        while (seq.n) {
            rg_x509_der ad, method, gn;
            unsigned tag;
            if (rg_x509_der_expect(&seq, T_SEQ, &ad, NULL) ||
                rg_x509_der_expect(&ad, T_OID, &method, NULL) ||
                rg_x509_der_next(&ad, &tag, &gn, NULL))
                return fail(msg, "x509: invalid authority info access");
            if (tag != 0x86)
                continue;
            if (oid_is(method, "1.3.6.1.5.5.7.48.1"))
                jl_str(&x->ocsp, gn.p, gn.n);
            else if (oid_is(method, "1.3.6.1.5.5.7.48.2"))
                jl_str(&x->issuing, gn.p, gn.n);
        }
    } else {
        unhandled = true;
    }
    if (critical && unhandled)
        rg_x509_json_oid(jl_item(&x->unhandled), oid);
    return 0;
}

/* Reads the Extensions SEQUENCE into x, listing each in x->exts. */
static int parse_extensions(rg_x509_der exts, certx *x, ks_buf *msg)
{
    while (exts.n) {
        rg_x509_der ext, oid, b, v;
        bool critical = false;
        if (rg_x509_der_expect(&exts, T_SEQ, &ext, NULL) ||
            rg_x509_der_expect(&ext, T_OID, &oid, NULL))
            return fail(msg, "x509: malformed extension");
        if (rg_x509_der_expect(&ext, T_BOOL, &b, NULL) == 0)
            critical = b.n == 1 && b.p[0];
        if (rg_x509_der_expect(&ext, T_OCTETS, &v, NULL))
            return fail(msg, "x509: malformed extension value field");
        ks_buf *it = jl_item(&x->exts);
        ks_buf_puts(it, "{\"Critical\":");
        ks_buf_puts(it, critical ? "true" : "false");
        ks_buf_puts(it, ",\"Id\":");
        rg_x509_json_oid(it, oid);
        ks_buf_puts(it, ",\"Value\":");
        rg_x509_json_bytes(it, v.p, v.n);
        ks_buf_putc(it, '}');
        if (parse_extension(oid, critical, v, x, msg))
            return -1;
    }
    return 0;
}

static void certx_free(certx *x)
{
    jlist *all[] = {&x->exts,     &x->eku,        &x->unknown_eku, &x->ocsp,      &x->issuing,
                    &x->crldp,    &x->policies,   &x->policy_ids,  &x->unhandled, &x->perm_dns,
                    &x->excl_dns, &x->perm_email, &x->excl_email,  &x->perm_ip,   &x->excl_ip,
                    &x->perm_uri, &x->excl_uri,   &x->san.dns,     &x->san.email, &x->san.ip,
                    &x->san.uri,  &x->san.uristr};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        ks_buf_free(&all[i]->b);
}

/* ---- times ---- */

static int parse_time(rg_x509_der *in, int64_t *secs, char out[32])
{
    unsigned tag;
    rg_x509_der t;
    if (rg_x509_der_next(in, &tag, &t, NULL))
        return -1;
    size_t yl = tag == T_UTCTIME ? 2 : tag == T_GENTIME ? 4 : 0;
    if (!yl || t.n != yl + 11 || t.p[t.n - 1] != 'Z')
        return -1;
    int v[7] = {0};
    const uint8_t *p = t.p;
    for (size_t i = 0; i < t.n - 1; i++)
        if (p[i] < '0' || p[i] > '9')
            return -1;
    int y = 0;
    for (size_t i = 0; i < yl; i++)
        y = y * 10 + (p[i] - '0');
    if (yl == 2)
        y += y < 50 ? 2000 : 1900;
    p += yl;
    for (int i = 0; i < 5; i++)
        v[i] = (p[2 * i] - '0') * 10 + (p[2 * i + 1] - '0');
    if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > (int)ks_days_in_month(y, (unsigned)v[0]) ||
        v[2] > 23 || v[3] > 59 || v[4] > 59)
        return -1;
    *secs = ks_days_from_civil(y, (unsigned)v[0], (unsigned)v[1]) * 86400 + v[2] * 3600 +
            v[3] * 60 + v[4];
    int n = snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, v[0], v[1], v[2], v[3], v[4]);
    return n > 0 && n < 32 ? 0 : -1;
}

/* ---- certificates ---- */

typedef struct certparts {
    rg_x509_der raw, tbs, sigalg, sig, serial, issuer, subject, spki, exts;
    int version;
    bool has_exts;
    int64_t nb, na;
    char nbt[32], nat[32];
} certparts;

static int cert_split(const uint8_t *der, size_t n, certparts *c, ks_buf *msg)
{
    rg_x509_der in = {der, n}, cert, tbs, v, alg2;
    memset(c, 0, sizeof *c);
    if (rg_x509_der_expect(&in, T_SEQ, &cert, &c->raw))
        return fail(msg, "x509: malformed certificate");
    if (rg_x509_der_expect(&cert, T_SEQ, &tbs, &c->tbs))
        return fail(msg, "x509: malformed tbs certificate");
    if (rg_x509_der_expect(&cert, T_SEQ, &c->sigalg, NULL))
        return fail(msg, "x509: malformed algorithm identifier");
    if (rg_x509_der_expect(&cert, T_BITS, &c->sig, NULL) || c->sig.n < 1)
        return fail(msg, "x509: malformed signature");
    c->version = 0;
    if (rg_x509_der_expect(&tbs, 0xa0, &v, NULL) == 0) {
        rg_x509_der iv;
        if (rg_x509_der_expect(&v, T_INT, &iv, NULL) || iv.n != 1)
            return fail(msg, "x509: malformed version");
        c->version = iv.p[0];
    }
    if (c->version > 2)
        return fail(msg, "x509: invalid version");
    c->version++;
    if (rg_x509_der_expect(&tbs, T_INT, &c->serial, NULL))
        return fail(msg, "x509: malformed serial number");
    if (rg_x509_der_expect(&tbs, T_SEQ, &alg2, NULL))
        return fail(msg, "x509: malformed signature algorithm identifier");
    if (rg_x509_der_expect(&tbs, T_SEQ, &v, &c->issuer))
        return fail(msg, "x509: malformed issuer");
    rg_x509_der validity;
    if (rg_x509_der_expect(&tbs, T_SEQ, &validity, NULL))
        return fail(msg, "x509: malformed validity");
    if (parse_time(&validity, &c->nb, c->nbt) || parse_time(&validity, &c->na, c->nat))
        return fail(msg, "x509: malformed validity");
    if (rg_x509_der_expect(&tbs, T_SEQ, &v, &c->subject))
        return fail(msg, "x509: malformed subject");
    if (rg_x509_der_expect(&tbs, T_SEQ, &v, &c->spki))
        return fail(msg, "x509: malformed spki");
    rg_x509_der_expect(&tbs, 0x81, &v, NULL);
    rg_x509_der_expect(&tbs, 0xa1, &v, NULL);
    rg_x509_der_expect(&tbs, 0x82, &v, NULL);
    rg_x509_der_expect(&tbs, 0xa2, &v, NULL);
    if (rg_x509_der_expect(&tbs, 0xa3, &v, NULL) == 0) {
        if (c->version != 3 || rg_x509_der_expect(&v, T_SEQ, &c->exts, NULL))
            return fail(msg, "x509: malformed extensions");
        c->has_exts = true;
    }
    return 0;
}

static rg_x509_der contents_of(rg_x509_der elem)
{
    rg_x509_der in = elem, c = {0};
    unsigned tag;
    rg_x509_der_next(&in, &tag, &c, NULL);
    return c;
}

int rg_x509_cert_json(ks_buf *j, const uint8_t *der, size_t n, bool uri_strings, size_t *used,
                      ks_buf *msg)
{
    certparts c;
    if (cert_split(der, n, &c, msg))
        return -1;
    *used = c.raw.n;
    certx x;
    memset(&x, 0, sizeof x);
    int rc = 0;
    if (c.has_exts && parse_extensions(c.exts, &x, msg)) {
        rc = -1;
        goto out;
    }
    ks_buf pk = KS_BUF_INIT;
    int algo = 0;
    if (put_public_key(&pk, contents_of(c.spki), &algo, msg)) {
        ks_buf_free(&pk);
        rc = -1;
        goto out;
    }
    ks_buf_putc(j, '{');
    rg_x509_json_key(j, "AuthorityKeyId");
    rg_x509_json_bytes(j, x.has_akid ? x.akid.p : NULL, x.akid.n);
    put_bool(j, "BasicConstraintsValid", x.bc_valid);
    jl_emit(j, "CRLDistributionPoints", &x.crldp);
    jl_emit(j, "DNSNames", &x.san.dns);
    jl_emit(j, "EmailAddresses", &x.san.email);
    jl_emit(j, "ExcludedDNSDomains", &x.excl_dns);
    jl_emit(j, "ExcludedEmailAddresses", &x.excl_email);
    jl_emit(j, "ExcludedIPRanges", &x.excl_ip);
    jl_emit(j, "ExcludedURIDomains", &x.excl_uri);
    jl_emit(j, "ExtKeyUsage", &x.eku);
    jl_emit(j, "Extensions", &x.exts);
    rg_x509_json_key(j, "ExtraExtensions");
    ks_buf_puts(j, "null");
    jl_emit(j, "IPAddresses", &x.san.ip);
    put_int(j, "InhibitAnyPolicy", 0);
    put_bool(j, "InhibitAnyPolicyZero", false);
    put_int(j, "InhibitPolicyMapping", 0);
    put_bool(j, "InhibitPolicyMappingZero", false);
    put_bool(j, "IsCA", x.is_ca);
    rg_x509_json_key(j, "Issuer");
    if (put_name(j, contents_of(c.issuer), msg))
        rc = -1;
    jl_emit(j, "IssuingCertificateURL", &x.issuing);
    put_int(j, "KeyUsage", x.key_usage);
    put_int(j, "MaxPathLen", x.max_path);
    put_bool(j, "MaxPathLenZero", x.bc_valid && x.max_path == 0);
    rg_x509_json_key(j, "NotAfter");
    ks_json_quote(j, c.nat, strlen(c.nat), 0);
    rg_x509_json_key(j, "NotBefore");
    ks_json_quote(j, c.nbt, strlen(c.nbt), 0);
    jl_emit(j, "OCSPServer", &x.ocsp);
    jl_emit(j, "PermittedDNSDomains", &x.perm_dns);
    put_bool(j, "PermittedDNSDomainsCritical", x.perm_critical);
    jl_emit(j, "PermittedEmailAddresses", &x.perm_email);
    jl_emit(j, "PermittedIPRanges", &x.perm_ip);
    jl_emit(j, "PermittedURIDomains", &x.perm_uri);
    jl_emit(j, "Policies", &x.policies);
    jl_emit(j, "PolicyIdentifiers", &x.policy_ids);
    rg_x509_json_key(j, "PolicyMappings");
    ks_buf_puts(j, "null");
    rg_x509_json_key(j, "PublicKey");
    ks_buf_append(j, pk.data ? pk.data : "null", pk.data ? pk.len : 4);
    ks_buf_free(&pk);
    put_int(j, "PublicKeyAlgorithm", algo);
    rg_x509_json_key(j, "Raw");
    rg_x509_json_bytes(j, c.raw.p, c.raw.n);
    rg_x509_json_key(j, "RawIssuer");
    rg_x509_json_bytes(j, c.issuer.p, c.issuer.n);
    rg_x509_json_key(j, "RawSubject");
    rg_x509_json_bytes(j, c.subject.p, c.subject.n);
    rg_x509_json_key(j, "RawSubjectPublicKeyInfo");
    rg_x509_json_bytes(j, c.spki.p, c.spki.n);
    rg_x509_json_key(j, "RawTBSCertificate");
    rg_x509_json_bytes(j, c.tbs.p, c.tbs.n);
    put_int(j, "RequireExplicitPolicy", 0);
    put_bool(j, "RequireExplicitPolicyZero", false);
    rg_x509_json_key(j, "SerialNumber");
    rg_x509_json_integer(j, c.serial);
    rg_x509_json_key(j, "Signature");
    rg_x509_json_bytes(j, c.sig.p + 1, c.sig.n - 1);
    put_int(j, "SignatureAlgorithm", sig_algorithm(c.sigalg));
    rg_x509_json_key(j, "Subject");
    if (put_name(j, contents_of(c.subject), msg))
        rc = -1;
    rg_x509_json_key(j, "SubjectKeyId");
    rg_x509_json_bytes(j, x.has_skid ? x.skid.p : NULL, x.skid.n);
    if (uri_strings)
        jl_emit(j, "URIStrings", &x.san.uristr);
    jl_emit(j, "URIs", &x.san.uri);
    jl_emit(j, "UnhandledCriticalExtensions", &x.unhandled);
    jl_emit(j, "UnknownExtKeyUsage", &x.unknown_eku);
    put_int(j, "Version", c.version);
    rg_x509_json_close(j, '}');
out:
    certx_free(&x);
    return rc;
}

int rg_x509_cert_info_read(const uint8_t *der, size_t n, rg_x509_cert_info *info)
{
    certparts c;
    memset(info, 0, sizeof *info);
    if (cert_split(der, n, &c, NULL))
        return -1;
    info->not_before = c.nb;
    info->not_after = c.na;
    rg_x509_der exts = c.exts;
    while (c.has_exts && exts.n) {
        rg_x509_der ext, oid, b, v, seq, item;
        if (rg_x509_der_expect(&exts, T_SEQ, &ext, NULL) ||
            rg_x509_der_expect(&ext, T_OID, &oid, NULL))
            return -1;
        rg_x509_der_expect(&ext, T_BOOL, &b, NULL);
        if (rg_x509_der_expect(&ext, T_OCTETS, &v, NULL))
            return -1;
        if (!oid_is(oid, "2.5.29.37") || rg_x509_der_expect(&v, T_SEQ, &seq, NULL))
            continue;
        while (seq.n && rg_x509_der_expect(&seq, T_OID, &item, NULL) == 0) {
            int k = eku_of(item);
            if (k < 0)
                info->nunknown_eku++;
            else if (info->neku < sizeof info->eku / sizeof info->eku[0])
                info->eku[info->neku++] = k;
        }
    }
    return 0;
}

/* ---- certificate requests ---- */

/* A value of an attribute as Go's asn1 "any" decodes it; -1 to skip. */
static int put_any(ks_buf *j, unsigned tag, rg_x509_der v)
{
    switch (tag) {
    case T_OCTETS:
    case T_BITS: rg_x509_json_bytes(j, v.p, v.n); return 0;
    case T_INT: rg_x509_json_integer(j, v); return 0;
    case T_BOOL: ks_buf_puts(j, v.n == 1 && v.p[0] ? "true" : "false"); return 0;
    case T_OID: rg_x509_json_oid(j, v); return 0;
    default: return put_asn1_string(j, tag, v);
    }
}

int rg_x509_csr_json(ks_buf *j, const uint8_t *der, size_t n, ks_buf *msg)
{
    rg_x509_der in = {der, n}, csr, raw, info, tbs, sigalg, sig, ver, subj, subject, spki, attrs;
    if (rg_x509_der_expect(&in, T_SEQ, &csr, &raw) ||
        rg_x509_der_expect(&csr, T_SEQ, &info, &tbs) ||
        rg_x509_der_expect(&csr, T_SEQ, &sigalg, NULL) ||
        rg_x509_der_expect(&csr, T_BITS, &sig, NULL) || sig.n < 1)
        return fail(msg, "asn1: structure error: tags don't match");
    if (in.n)
        return fail(msg, "x509: trailing data");
    if (rg_x509_der_expect(&info, T_INT, &ver, NULL) ||
        rg_x509_der_expect(&info, T_SEQ, &subj, &subject) ||
        rg_x509_der_expect(&info, T_SEQ, &attrs, &spki))
        return fail(msg, "asn1: structure error: tags don't match");
    bool has_attrs = rg_x509_der_expect(&info, 0xa0, &attrs, NULL) == 0;
    certx x;
    memset(&x, 0, sizeof x);
    jlist attributes = {0};
    int rc = 0;
    while (has_attrs && attrs.n && rc == 0) {
        rg_x509_der attr, oid, set;
        if (rg_x509_der_expect(&attrs, T_SEQ, &attr, NULL) ||
            rg_x509_der_expect(&attr, T_OID, &oid, NULL) ||
            rg_x509_der_expect(&attr, T_SET, &set, NULL))
            break;
        bool ext_req = oid_is(oid, "1.2.840.113549.1.9.14");
        /* Go's AttributeTypeAndValueSET: a SET of SEQUENCEs of
         * {OID, value}; attributes of other shapes are left out. */
        ks_buf one = KS_BUF_INIT;
        bool ok = true;
        ks_buf_puts(&one, "{\"Type\":");
        rg_x509_json_oid(&one, oid);
        ks_buf_puts(&one, ",\"Value\":[");
        rg_x509_der sets = set;
        size_t ns = 0;
        while (sets.n && ok) {
            rg_x509_der seq, atv, aoid, val;
            unsigned vtag;
            if (rg_x509_der_expect(&sets, T_SEQ, &seq, NULL)) {
                ok = false;
                break;
            }
            if (ext_req && parse_extensions(seq, &x, msg)) {
                rc = -1;
                break;
            }
            ks_buf_puts(&one, ns++ ? ",[" : "[");
            size_t na = 0;
            while (seq.n) {
                if (rg_x509_der_expect(&seq, T_SEQ, &atv, NULL) ||
                    rg_x509_der_expect(&atv, T_OID, &aoid, NULL) ||
                    rg_x509_der_next(&atv, &vtag, &val, NULL) || atv.n) {
                    ok = false;
                    break;
                }
                ks_buf_puts(&one, na++ ? ",{\"Type\":" : "{\"Type\":");
                rg_x509_json_oid(&one, aoid);
                ks_buf_puts(&one, ",\"Value\":");
                if (put_any(&one, vtag, val)) {
                    ok = false;
                    break;
                }
                ks_buf_putc(&one, '}');
            }
            ks_buf_putc(&one, ']');
        }
        ks_buf_puts(&one, "]}");
        if (ok && rc == 0)
            ks_buf_append(jl_item(&attributes), one.data, one.len);
        ks_buf_free(&one);
    }
    ks_buf pk = KS_BUF_INIT;
    int algo = 0;
    if (rc == 0 && put_public_key(&pk, contents_of(spki), &algo, msg))
        rc = -1;
    if (rc == 0) {
        ks_buf_putc(j, '{');
        jl_emit(j, "Attributes", &attributes);
        jl_emit(j, "DNSNames", &x.san.dns);
        jl_emit(j, "EmailAddresses", &x.san.email);
        jl_emit(j, "Extensions", &x.exts);
        rg_x509_json_key(j, "ExtraExtensions");
        ks_buf_puts(j, "null");
        jl_emit(j, "IPAddresses", &x.san.ip);
        rg_x509_json_key(j, "PublicKey");
        ks_buf_append(j, pk.data ? pk.data : "null", pk.data ? pk.len : 4);
        put_int(j, "PublicKeyAlgorithm", algo);
        rg_x509_json_key(j, "Raw");
        rg_x509_json_bytes(j, raw.p, raw.n);
        rg_x509_json_key(j, "RawSubject");
        rg_x509_json_bytes(j, subject.p, subject.n);
        rg_x509_json_key(j, "RawSubjectPublicKeyInfo");
        rg_x509_json_bytes(j, spki.p, spki.n);
        rg_x509_json_key(j, "RawTBSCertificateRequest");
        rg_x509_json_bytes(j, tbs.p, tbs.n);
        rg_x509_json_key(j, "Signature");
        rg_x509_json_bytes(j, sig.p + 1, sig.n - 1);
        put_int(j, "SignatureAlgorithm", sig_algorithm(sigalg));
        rg_x509_json_key(j, "Subject");
        if (put_name(j, subj, msg))
            rc = -1;
        jl_emit(j, "URIs", &x.san.uri);
        rg_x509_json_key(j, "Version");
        rg_x509_json_integer(j, ver);
        rg_x509_json_close(j, '}');
    }
    ks_buf_free(&pk);
    ks_buf_free(&attributes.b);
    certx_free(&x);
    return rc;
}
