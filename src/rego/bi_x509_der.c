/*
 * DER reading and the JSON pieces of Go's encoding/json for the x509
 * builtins (see bi_x509.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/base64.h"
#include "rego/bi_x509.h"

int rg_x509_der_next(rg_x509_der *in, unsigned *tag, rg_x509_der *content, rg_x509_der *elem)
{
    const uint8_t *p = in->p;
    size_t n = in->n;
    if (n < 2 || (p[0] & 0x1f) == 0x1f)
        return -1;
    size_t len = p[1], hdr = 2;
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k || p[2] == 0)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | p[2 + i];
        if (len < 0x80)
            return -1;
        hdr += k;
    }
    if (len > n - hdr)
        return -1;
    *tag = p[0];
    content->p = p + hdr;
    content->n = len;
    if (elem) {
        elem->p = p;
        elem->n = hdr + len;
    }
    in->p += hdr + len;
    in->n -= hdr + len;
    return 0;
}

int rg_x509_der_expect(rg_x509_der *in, unsigned tag, rg_x509_der *content, rg_x509_der *elem)
{
    rg_x509_der save = *in;
    unsigned t;
    if (rg_x509_der_next(in, &t, content, elem) || t != tag) {
        *in = save;
        return -1;
    }
    return 0;
}

/* Walks the arcs of an OID; false when malformed. */
static bool oid_arcs(rg_x509_der oid, uint64_t *arcs, size_t max, size_t *count)
{
    size_t k = 0;
    uint64_t v = 0;
    if (oid.n == 0)
        return false;
    for (size_t i = 0; i < oid.n; i++) {
        if (v == 0 && oid.p[i] == 0x80)
            return false;
        if (v >> 56)
            return false;
        v = (v << 7) | (oid.p[i] & 0x7f);
        if (oid.p[i] & 0x80) {
            if (i + 1 == oid.n)
                return false;
            continue;
        }
        if (k == 0) {
            if (k + 2 > max)
                return false;
            arcs[k++] = v < 80 ? v / 40 : 2;
            arcs[k++] = v < 80 ? v % 40 : v - 80;
        } else {
            if (k + 1 > max)
                return false;
            arcs[k++] = v;
        }
        v = 0;
    }
    *count = k;
    return true;
}

bool rg_x509_oid_text(rg_x509_der oid, char *buf, size_t size)
{
    uint64_t arcs[64];
    size_t k;
    if (size == 0 || !oid_arcs(oid, arcs, 64, &k))
        return false;
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < k; i++) {
        int w = snprintf(buf + off, size - off, i ? ".%llu" : "%llu", (unsigned long long)arcs[i]);
        if (w < 0 || (size_t)w >= size - off)
            return false;
        off += (size_t)w;
    }
    return true;
}

void rg_x509_json_key(ks_buf *j, const char *name)
{
    if (j->len && j->data[j->len - 1] != '{' && j->data[j->len - 1] != '[')
        ks_buf_putc(j, ',');
    ks_buf_putc(j, '"');
    ks_buf_puts(j, name);
    ks_buf_puts(j, "\":");
}

void rg_x509_json_close(ks_buf *j, char close)
{
    ks_buf_putc(j, close);
}

void rg_x509_json_bytes(ks_buf *j, const uint8_t *p, size_t n)
{
    if (!p) {
        ks_buf_puts(j, "null");
        return;
    }
    ks_buf_putc(j, '"');
    ks_base64_encode(j, n ? (const char *)p : "", n, 0);
    ks_buf_putc(j, '"');
}

void rg_x509_json_bigint(ks_buf *j, const uint8_t *p, size_t n, bool neg)
{
    while (n > 0 && p[0] == 0) {
        p++;
        n--;
    }
    if (n == 0) {
        ks_buf_putc(j, '0');
        return;
    }
    /* Repeated division by 10^9 over 32-bit limbs: quadratic in the
     * length, which DER sizes bound. */
    size_t nl = (n + 3) / 4;
    ks_buf tmp = KS_BUF_INIT, digits = KS_BUF_INIT;
    if (ks_buf_reserve(&tmp, nl * sizeof(uint32_t))) {
        j->err = tmp.err;
        return;
    }
    uint32_t *limb = (uint32_t *)(void *)tmp.data;
    memset(limb, 0, nl * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        size_t bit = (n - 1 - i) * 8;
        limb[bit / 32] |= (uint32_t)p[i] << (bit % 32);
    }
    size_t top = nl;
    while (top > 0) {
        uint64_t rem = 0;
        for (size_t i = top; i-- > 0;) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        while (top > 0 && limb[top - 1] == 0)
            top--;
        char chunk[10];
        for (int k = 0; k < 9; k++) {
            chunk[k] = (char)('0' + rem % 10);
            rem /= 10;
        }
        ks_buf_append(&digits, chunk, 9);
    }
    size_t len = digits.len;
    while (len > 1 && digits.data[len - 1] == '0')
        len--;
    if (neg)
        ks_buf_putc(j, '-');
    for (size_t i = len; i-- > 0;)
        ks_buf_putc(j, digits.data[i]);
    if (digits.err)
        j->err = digits.err;
    ks_buf_free(&tmp);
    ks_buf_free(&digits);
}

void rg_x509_json_integer(ks_buf *j, rg_x509_der v)
{
    if (v.n == 0 || !(v.p[0] & 0x80)) {
        rg_x509_json_bigint(j, v.p, v.n, false);
        return;
    }
    /* Negative: the magnitude is the two's complement. */
    ks_buf mag = KS_BUF_INIT;
    if (ks_buf_append(&mag, v.p, v.n)) {
        j->err = mag.err;
        return;
    }
    uint8_t *m = (uint8_t *)mag.data;
    for (size_t i = 0; i < v.n; i++)
        m[i] = (uint8_t)~m[i];
    for (size_t i = v.n; i-- > 0;)
        if (++m[i] != 0)
            break;
    rg_x509_json_bigint(j, m, v.n, true);
    ks_buf_free(&mag);
}

void rg_x509_json_oid(ks_buf *j, rg_x509_der oid)
{
    uint64_t arcs[64];
    size_t k = 0;
    if (!oid_arcs(oid, arcs, 64, &k)) {
        ks_buf_puts(j, "[]");
        return;
    }
    ks_buf_putc(j, '[');
    for (size_t i = 0; i < k; i++)
        ks_buf_printf(j, i ? ",%llu" : "%llu", (unsigned long long)arcs[i]);
    ks_buf_putc(j, ']');
}
