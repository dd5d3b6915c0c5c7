/*
 * Certificates with GnuTLS: self-signed server certificates (what storage
 * serves when no certificate is configured), a small CA for tests and for
 * `kso up` (create a CA, sign client and server certificates whose subject
 * CN and O carry the Kubernetes user and groups), and verification of TLS
 * client certificate chains against a trust bundle.
 *
 * Keys are ECDSA P-256. Certificates are valid from one hour ago (clock
 * skew) for the given number of days.
 *
 * Ownership: PEM strings returned are heap memory the caller releases with
 * ks_xfree. A net_tls_trust is immutable after creation and may be used by
 * many threads at once; release it with net_tls_trust_free.
 *
 * Errors: 0 or a negative KS_E* code with the message in the ks_error
 * (KS_EINVAL for bad arguments or PEM that does not parse, KS_EIO for a
 * GnuTLS failure, KS_ELIMIT past the bounds below).
 */
#ifndef KS_NET_TLS_H
#define KS_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"

#define NET_TLS_MAX_NAMES      64 /* DNS names, IPs or O values per certificate */
#define NET_TLS_MAX_DAYS       36500
#define NET_TLS_MAX_CHAIN      16 /* certificates in a peer's chain */
#define NET_TLS_MAX_BUNDLE_PEM (4u << 20)

/* A self-signed server certificate for "localhost", 127.0.0.1, ::1 and the
 * given DNS names and IP literals (NULL-terminated lists, either may be
 * NULL). CN is the first DNS name given, else "localhost". */
int net_tls_selfsigned(const char *const *dns_names, const char *const *ips, int days,
                       char **cert_pem, char **key_pem, ks_error *err);

/* A certificate authority: a self-signed CA certificate with subject CN. */
int net_tls_ca_create(const char *cn, int days, char **cert_pem, char **key_pem, ks_error *err);

enum net_tls_usage {
    NET_TLS_CLIENT = 1, /* extended key usage clientAuth */
    NET_TLS_SERVER = 2, /* extended key usage serverAuth */
};

typedef struct net_tls_cert_req {
    const char *cn;          /* subject CN (Kubernetes: the user); required */
    const char *const *orgs; /* subject O values (Kubernetes: the groups) */
    size_t norgs;
    const char *const *dns_names; /* subjectAltName DNS entries */
    size_t ndns;
    const char *const *ips; /* subjectAltName IP entries (IPv4/IPv6 literals) */
    size_t nips;
    int days;       /* validity; <= 0: 365 */
    unsigned usage; /* NET_TLS_CLIENT | NET_TLS_SERVER; 0: client */
} net_tls_cert_req;

/* Signs a new certificate (with a new key) by the CA given as PEM. */
int net_tls_sign(const char *ca_cert_pem, const char *ca_key_pem, const net_tls_cert_req *req,
                 char **cert_pem, char **key_pem, ks_error *err);

/* A DER certificate, as a TLS peer sends it. */
typedef struct net_tls_der {
    const unsigned char *data;
    size_t len;
} net_tls_der;

typedef struct net_tls_trust net_tls_trust;

/* A trust bundle from PEM in memory (pem) or a file; it must hold at least
 * one certificate. name is used in messages. */
int net_tls_trust_new(const char *name, const char *pem, const char *file, net_tls_trust **out,
                      ks_error *err);
void net_tls_trust_free(net_tls_trust *t);

/* Verifies a client certificate chain (leaf first) for TLS client
 * authentication: signatures up to a CA of the bundle, validity times, CA
 * constraints, and the clientAuth extended key usage when the leaf has one.
 * Returns true when verified; otherwise *reason (if not NULL) says why, as a
 * static string. */
bool net_tls_trust_verify_client(const net_tls_trust *t, const net_tls_der *chain, size_t n,
                                 const char **reason);

/* The subject CN (NULL if none) and O values of a DER certificate, in
 * memory from a. */
int net_tls_cert_subject(const net_tls_der *cert, ks_arena *a, const char **cn,
                         const char *const **orgs, size_t *norgs, ks_error *err);

#endif
