/*
 * The builtins Kubescape registers for its rules (spec configscan_rego.md
 * §3.8): image.parse_normalized_name, cosign.verify, cosign.has_signature.
 */
#include <string.h>

#include "posture/hostbi.h"
#include "rego/builtin.h"

/* ---- Docker reference grammar (distribution/reference) ---- */

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* path-component: [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)* */
static bool path_component_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]))
        return false;
    while (i < n) {
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == n)
            return true;
        size_t sep = i;
        if (s[i] == '.')
            i++;
        else if (s[i] == '_')
            i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
        else if (s[i] == '-')
            while (i < n && s[i] == '-')
                i++;
        else
            return false;
        if (i == sep || i == n || !is_lower_alnum(s[i]))
            return false;
    }
    return true;
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9], joined
 * by dots, optional :port; or an IPv6 address in brackets. */
static bool domain_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return false;
        for (const char *p = s + 1; p < close; p++)
            if (!is_alnum(*p) && *p != ':' && *p != '.')
                return false;
        i = (size_t)(close - s) + 1;
    } else {
        for (;;) {
            size_t st = i;
            while (i < n && (is_alnum(s[i]) || s[i] == '-'))
                i++;
            if (i == st || s[st] == '-' || s[i - 1] == '-')
                return false;
            if (i < n && s[i] == '.') {
                i++;
                continue;
            }
            break;
        }
    }
    if (i < n && s[i] == ':') {
        size_t st = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == st)
            return false;
    }
    return i == n;
}

/* tag: [\w][\w.-]{0,127} */
static bool tag_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool w = is_alnum(c) || c == '_';
        if (!w && (i == 0 || (c != '.' && c != '-')))
            return false;
    }
    return true;
}

/* digest: algorithm ":" hex{32,} */
static bool digest_ok(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s)
        return false;
    for (const char *p = s; p < colon; p++)
        if (!is_alnum(*p) && *p != '-' && *p != '_' && *p != '+' && *p != '.')
            return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    size_t hex = n - (size_t)(colon - s) - 1;
    if (hex < 32)
        return false;
    for (const char *p = colon + 1; p < s + n; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
            return false;
    return true;
}

int ps_normalize_image(const char *s, size_t n, ks_buf *out, const char **why)
{
    const char *name = s, *end = s + n;
    const char *at = memchr(s, '@', n);
    const char *digest = NULL, *tag = NULL;
    size_t dlen = 0, tlen = 0;
    if (at) {
        digest = at + 1;
        dlen = (size_t)(end - digest);
        end = at;
        if (!digest_ok(digest, dlen)) {
            *why = "invalid reference format";
            return -1;
        }
    }
    /* a tag is the part after the last ':' that follows the last '/' */
    const char *slash = NULL;
    for (const char *p = name; p < end; p++)
        if (*p == '/')
            slash = p;
    const char *colon = NULL;
    for (const char *p = slash ? slash : name; p < end; p++)
        if (*p == ':')
            colon = p;
    if (colon) {
        tag = colon + 1;
        tlen = (size_t)(end - tag);
        end = colon;
        if (!tag_ok(tag, tlen)) {
            *why = "invalid reference format";
            return -1;
        }
    }
    size_t nlen = (size_t)(end - name);
    if (nlen == 0) {
        *why = "repository name must have at least one component";
        return -1;
    }
    /* domain */
    const char *first = memchr(name, '/', nlen);
    const char *domain = "docker.io", *path = name;
    size_t domlen = 9, plen = nlen;
    bool has_domain = false;
    if (first) {
        size_t fl = (size_t)(first - name);
        bool lower = true;
        for (size_t i = 0; i < fl; i++)
            lower &= !(name[i] >= 'A' && name[i] <= 'Z');
        if (memchr(name, '.', fl) || memchr(name, ':', fl) ||
            (fl == 9 && memcmp(name, "localhost", 9) == 0) || !lower) {
            has_domain = true;
            domain = name;
            domlen = fl;
            path = first + 1;
            plen = nlen - fl - 1;
        }
    }
    if (has_domain && domlen == 15 && memcmp(domain, "index.docker.io", 15) == 0) {
        domain = "docker.io";
        domlen = 9;
    }
    if (has_domain && !domain_ok(domain, domlen)) {
        *why = "invalid reference format";
        return -1;
    }
    for (size_t i = 0; i < plen; i++)
        if (path[i] >= 'A' && path[i] <= 'Z') {
            *why = "invalid reference format: repository name (library/...) must be lowercase";
            return -1;
        }
    /* path components */
    for (size_t i = 0; i <= plen;) {
        const char *sl = memchr(path + i, '/', plen - i);
        size_t cl = sl ? (size_t)(sl - (path + i)) : plen - i;
        if (!path_component_ok(path + i, cl)) {
            *why = "invalid reference format";
            return -1;
        }
        i += cl + 1;
        if (!sl)
            break;
    }
    bool library = domlen == 9 && memcmp(domain, "docker.io", 9) == 0 && !memchr(path, '/', plen);
    if (domlen + 1 + (library ? 8 : 0) + plen > 255) {
        *why = "repository name must not be more than 255 characters";
        return -1;
    }
    ks_buf_append(out, domain, domlen);
    ks_buf_putc(out, '/');
    if (library)
        ks_buf_puts(out, "library/");
    ks_buf_append(out, path, plen);
    if (tag) {
        ks_buf_putc(out, ':');
        ks_buf_append(out, tag, tlen);
    }
    if (digest) {
        ks_buf_putc(out, '@');
        ks_buf_append(out, digest, dlen);
    }
    return out->err ? out->err : 0;
}

static int bi_parse_normalized_name(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf b = KS_BUF_INIT;
    const char *why = NULL;
    rc = ps_normalize_image(s, n, &b, &why);
    if (rc) {
        ks_buf_free(&b);
        if (why)
            return rg_bi_error(c, RG_ERR_BUILTIN, "%s", why);
        return rc;
    }
    rc = kv_str_copy(c->arena, ks_buf_cstr(&b), b.len, out);
    ks_buf_free(&b);
    return rc ? rc : RG_OK;
}

/* Signature checks need the image's registry, which a posture scan never
 * contacts: stop the rule's evaluation so its resources are reported as
 * not evaluated instead of silently unsigned (upstream answers false when
 * it cannot reach the registry). */
static int bi_cosign_offline(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)args;
    (void)out;
    rg_bi_error(c, RG_ERR_BUILTIN,
                "image signatures are not checked: this needs registry access, which kso's posture "
                "scan does not do");
    return RG_EHALT;
}

int ps_register_host_builtins(rego_policy *pol)
{
    int rc = rego_policy_add_builtin(pol, "image.parse_normalized_name", 1,
                                     bi_parse_normalized_name);
    if (!rc)
        rc = rego_policy_add_builtin(pol, "cosign.verify", 2, bi_cosign_offline);
    if (!rc)
        rc = rego_policy_add_builtin(pol, "cosign.has_signature", 1, bi_cosign_offline);
    return rc;
}
