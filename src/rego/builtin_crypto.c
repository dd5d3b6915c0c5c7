/*
 * Rego builtins: crypto digests and HMACs (OPA's crypto.md5, crypto.sha1,
 * crypto.sha256, crypto.hmac.*). Digests of the string's bytes, written as
 * lowercase hex. The hashing is Nettle's; nothing here is hand-written
 * cryptography. The x509 and key parsing builtins live elsewhere.
 */
#include "rego/builtin.h"

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "core/digest.h"
#include "rego/bi_aws.h"

/* Largest digest here (SHA-512) and the largest hash context. */
#define DIGEST_MAX 64

static int hex_result(rg_bctx *c, const uint8_t *d, size_t n, kv_value *out)
{
    char hex[2 * DIGEST_MAX + 1];
    ks_hex_encode(d, n, hex);
    return rg_make_string(c, hex, 2 * n, out);
}

static int digest(rg_bctx *c, const kv_value *args, kv_value *out, const struct nettle_hash *h)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc < 0)
        return rc;
    union {
        struct md5_ctx md5;
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
        struct sha512_ctx sha512;
    } ctx;
    uint8_t d[DIGEST_MAX];
    h->init(&ctx);
    h->update(&ctx, n, (const uint8_t *)s);
    h->digest(&ctx, h->digest_size, d);
    return hex_result(c, d, h->digest_size, out);
}

static int bi_md5(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return digest(c, args, out, &nettle_md5);
}

static int bi_sha1(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return digest(c, args, out, &nettle_sha1);
}

static int bi_sha256(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return digest(c, args, out, &nettle_sha256);
}

/* HMAC(key, message) per RFC 2104, with Nettle's generic HMAC over the
 * hash's meta description; keys longer than the block are hashed first
 * there, as Go's crypto/hmac does. */
static int hmac(rg_bctx *c, const kv_value *args, kv_value *out, const struct nettle_hash *h)
{
    const char *msg, *key;
    size_t nmsg, nkey;
    int rc = rg_arg_string(c, args, 0, &msg, &nmsg);
    if (rc < 0)
        return rc;
    rc = rg_arg_string(c, args, 1, &key, &nkey);
    if (rc < 0)
        return rc;
    union {
        struct md5_ctx md5;
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
        struct sha512_ctx sha512;
    } outer, inner, state;
    uint8_t d[DIGEST_MAX];
    nettle_hmac_set_key(&outer, &inner, &state, h, nkey, (const uint8_t *)key);
    nettle_hmac_update(&state, h, nmsg, (const uint8_t *)msg);
    nettle_hmac_digest(&outer, &inner, &state, h, h->digest_size, d);
    return hex_result(c, d, h->digest_size, out);
}

static int bi_hmac_md5(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return hmac(c, args, out, &nettle_md5);
}

static int bi_hmac_sha1(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return hmac(c, args, out, &nettle_sha1);
}

static int bi_hmac_sha256(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return hmac(c, args, out, &nettle_sha256);
}

static int bi_hmac_sha512(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return hmac(c, args, out, &nettle_sha512);
}

/* Constant-time comparison (Go's hmac.Equal): strings of different lengths
 * are unequal at once, equal lengths are compared without an early exit. */
static int bi_hmac_equal(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *a, *b;
    size_t na, nb;
    int rc = rg_arg_string(c, args, 0, &a, &na);
    if (rc < 0)
        return rc;
    rc = rg_arg_string(c, args, 1, &b, &nb);
    if (rc < 0)
        return rc;
    *out = kv_bool(na == nb && nettle_memeql_sec(a, b, na));
    return RG_OK;
}

const rg_builtin_def rg_bi_crypto[] = {
        {"crypto.md5", 1, 0, {RG_T_STR}, RG_T_STR, bi_md5},
        {"crypto.sha1", 1, 0, {RG_T_STR}, RG_T_STR, bi_sha1},
        {"crypto.sha256", 1, 0, {RG_T_STR}, RG_T_STR, bi_sha256},
        {"crypto.hmac.md5", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_STR, bi_hmac_md5},
        {"crypto.hmac.sha1", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_STR, bi_hmac_sha1},
        {"crypto.hmac.sha256", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_STR, bi_hmac_sha256},
        {"crypto.hmac.sha512", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_STR, bi_hmac_sha512},
        {"crypto.hmac.equal", 2, 0, {RG_T_STR, RG_T_STR}, RG_T_BOOL, bi_hmac_equal},
        {"providers.aws.sign_req", 3, 0, {RG_T_OBJ, RG_T_OBJ, RG_T_NUM}, RG_T_OBJ, rg_aws_sign_req},
        {0},
};
