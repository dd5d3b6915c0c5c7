/*
 * Support for the x509 builtins (builtin_x509.c), internal to src/rego:
 * a bounded DER reader, and writers of the JSON text that Go's
 * encoding/json makes of x509.Certificate, x509.CertificateRequest and
 * the private keys of crypto/rsa, crypto/ecdsa and crypto/ed25519 (field
 * names, byte slices as base64, big integers as numbers, times as RFC
 * 3339). The caller parses that text into values.
 *
 * Functions that fail return -1 and append Go's message to msg. Pure and
 * thread-safe; nothing is kept between calls.
 */
#ifndef KS_REGO_BI_X509_H
#define KS_REGO_BI_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/x509.h>

#include "core/buf.h"

/* ---- DER (bi_x509_der.c) ---- */

typedef struct rg_x509_der {
    const uint8_t *p;
    size_t n;
} rg_x509_der;

/* Reads one TLV from *in (single-byte tags, definite lengths): 0 with the
 * tag, the contents and the whole element, *in advanced past it; -1 when
 * malformed or empty. elem may be NULL. */
int rg_x509_der_next(rg_x509_der *in, unsigned *tag, rg_x509_der *content, rg_x509_der *elem);
/* As rg_x509_der_next, requiring the tag. */
int rg_x509_der_expect(rg_x509_der *in, unsigned tag, rg_x509_der *content, rg_x509_der *elem);

/* Dotted text of an OID's contents ("2.5.29.17"); false when malformed. */
bool rg_x509_oid_text(rg_x509_der oid, char *buf, size_t size);

/* ---- JSON pieces (bi_x509_der.c) ---- */

/* "name": (after a comma when the object already has members). */
void rg_x509_json_key(ks_buf *j, const char *name);
/* Closes the object or array opened with '{' or '['. */
void rg_x509_json_close(ks_buf *j, char close);
/* Base64 (standard, padded) of bytes as a JSON string; null when p is NULL. */
void rg_x509_json_bytes(ks_buf *j, const uint8_t *p, size_t n);
/* Unsigned big-endian integer in decimal (negative when neg). */
void rg_x509_json_bigint(ks_buf *j, const uint8_t *p, size_t n, bool neg);
/* A DER INTEGER's contents (two's complement) in decimal. */
void rg_x509_json_integer(ks_buf *j, rg_x509_der v);
/* An OID as Go's asn1.ObjectIdentifier ([2,5,4,3]). */
void rg_x509_json_oid(ks_buf *j, rg_x509_der oid);

/* ---- certificates and requests (bi_x509_cert.c) ---- */

/* Splits the next certificate off concatenated DER as Go's
 * x509.ParseCertificates does, writing its JSON (with "URIStrings" when
 * uri_strings, as OPA's extendedCert). 0 and *used, or -1 and msg. */
int rg_x509_cert_json(ks_buf *j, const uint8_t *der, size_t n, bool uri_strings, size_t *used,
                      ks_buf *msg);
/* x509.ParseCertificateRequest as JSON. */
int rg_x509_csr_json(ks_buf *j, const uint8_t *der, size_t n, ks_buf *msg);

/* Fields of a parsed certificate that verification needs. */
typedef struct rg_x509_cert_info {
    int64_t not_before, not_after; /* seconds since the epoch */
    int eku[16];                   /* Go's ExtKeyUsage values */
    size_t neku;
    size_t nunknown_eku;
} rg_x509_cert_info;

/* Reads validity and extended key usages of one certificate's DER. */
int rg_x509_cert_info_read(const uint8_t *der, size_t n, rg_x509_cert_info *info);

/* ---- private keys (bi_x509_key.c) ---- */

/* A private key as Go's json.Marshal shows it (rsa.PrivateKey with
 * Precomputed, ecdsa.PrivateKey, ed25519.PrivateKey as base64). */
int rg_x509_privkey_json(ks_buf *j, gnutls_x509_privkey_t key, ks_buf *msg);

/* Reads a DER private key as the PEM type says (PKCS#1, PKCS#8, SEC 1),
 * with Go's messages. type NULL: Go's tls parsePrivateKey (any of the
 * three, "tls: failed to parse private key"). */
int rg_x509_privkey_import(gnutls_x509_privkey_t key, const char *type, size_t type_len,
                           const uint8_t *der, size_t n, ks_buf *msg);

#endif
