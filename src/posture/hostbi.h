/*
 * Kubescape's custom Rego builtins (internal to src/posture).
 */
#ifndef KS_POSTURE_HOSTBI_H
#define KS_POSTURE_HOSTBI_H

#include <stddef.h>

#include "core/buf.h"
#include "rego/rego.h"

/* Docker reference normalisation as distribution/reference's
 * ParseNormalizedNamed(...).String(): "nginx" -> "docker.io/library/nginx",
 * tag and digest kept. Returns 0, or -1 with the reason in *why. */
int ps_normalize_image(const char *s, size_t n, ks_buf *out, const char **why);

/* image.parse_normalized_name, cosign.verify, cosign.has_signature. */
int ps_register_host_builtins(rego_policy *pol);

#endif
