/* Validation of NetworkNeighborhood address and DNS patterns (§3.10). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "runtime/profile.h"

/* Literal IPv4 or IPv6 address (no zone), as Go's net.ParseIP; *bits gets
 * 32 or 128. */
static bool parse_ip(const char *s, size_t n, int *bits)
{
    char buf[64];
    unsigned char addr[16];
    if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *bits = 32;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        *bits = 128;
        return true;
    }
    return false;
}

const char *rt_validate_ip_entry(const char *s, size_t n)
{
    int bits;
    if (n == 0)
        return "empty IP entry";
    if (n == 1 && s[0] == '*')
        return NULL;
    const char *slash = memchr(s, '/', n);
    if (slash) {
        size_t an = (size_t)(slash - s);
        const char *m = slash + 1;
        size_t mn = n - an - 1;
        if (!parse_ip(s, an, &bits))
            return "malformed CIDR: the address is not an IP literal";
        if (mn == 0)
            return "malformed CIDR: no prefix length";
        long len = 0;
        for (size_t i = 0; i < mn; i++) {
            if (m[i] < '0' || m[i] > '9')
                return "malformed CIDR: the prefix length is not a decimal number";
            if (len <= 1000)
                len = len * 10 + (m[i] - '0');
        }
        if (len > bits)
            return "malformed CIDR: prefix length out of range";
        return NULL;
    }
    if (!parse_ip(s, n, &bits))
        return "malformed IP (not a literal, not a CIDR)";
    return NULL;
}

const char *rt_validate_dns_entry(const char *s, size_t n)
{
    if (n == 0)
        return "empty DNS entry";
    size_t cn = n;
    if (s[cn - 1] == '.')
        cn--;
    if (cn == 0)
        return "DNS entry is just a trailing dot";
    if (cn == 1 && s[0] == '*')
        return "a lone \"*\" is not a valid DNS pattern: it needs an anchored suffix";
    size_t nlabels = 1;
    for (size_t i = 0; i < cn; i++)
        nlabels += s[i] == '.';
    size_t start = 0, li = 0;
    for (size_t i = 0; i <= cn; i++) {
        if (i < cn && s[i] != '.')
            continue;
        size_t len = i - start;
        const char *l = s + start;
        if (len == 0)
            return "DNS entry has an empty label";
        if (len == 2 && l[0] == '*' && l[1] == '*')
            return "DNS entry contains the reserved recursive wildcard \"**\"";
        if (len == 1 && l[0] == '*' && li != 0 && li != nlabels - 1)
            return "\"*\" is only allowed as the first or the last label; use \"\xe2\x8b\xaf\" "
                   "for one label in the middle";
        start = i + 1;
        li++;
    }
    return NULL;
}

typedef struct vctx {
    ks_arena *a;
    rt_problems *out;
    ks_buf path;
    bool failed; /* out of memory: not valid, not known invalid */
} vctx;

static void problem(vctx *c, const char *value, size_t vlen, const char *msg)
{
    rt_problems *p = c->out;
    if (p->n == RT_MAX_PROBLEMS) {
        p->truncated = true;
        return;
    }
    if (!p->items && !(p->items = ks_arena_calloc(c->a, RT_MAX_PROBLEMS, sizeof(rt_problem)))) {
        c->failed = true;
        return;
    }
    rt_problem *e = &p->items[p->n];
    e->field = ks_arena_strndup(c->a, ks_buf_cstr(&c->path), c->path.len);
    e->value = ks_arena_strndup(c->a, value, vlen);
    e->msg = ks_arena_strndup(c->a, msg, strlen(msg));
    if (e->field && e->value && e->msg && !c->path.err)
        p->n++;
    else
        c->failed = true;
}

typedef const char *(*entry_check)(const char *s, size_t n);

static void check_one(vctx *c, const kv_value *v, entry_check fn)
{
    if (v->kind != KV_STRING) {
        problem(c, "", 0, "must be a string");
        return;
    }
    const char *msg = fn(v->u.s, v->len);
    if (msg)
        problem(c, v->u.s, v->len, msg);
}

static void check_list(vctx *c, const kv_value *n, const char *key, entry_check fn)
{
    const kv_value *l = kv_obj_get(n, key, strlen(key));
    if (!l || l->kind == KV_NULL)
        return;
    size_t mark = c->path.len;
    ks_buf_printf(&c->path, ".%s", key);
    if (l->kind != KV_ARRAY) {
        problem(c, "", 0, "must be an array");
    } else {
        size_t m2 = c->path.len;
        for (uint32_t i = 0; i < l->len; i++) {
            ks_buf_printf(&c->path, "[%u]", i);
            check_one(c, &l->u.items[i], fn);
            ks_buf_truncate(&c->path, m2);
        }
    }
    ks_buf_truncate(&c->path, mark);
}

static void check_single(vctx *c, const kv_value *n, const char *key, entry_check fn)
{
    const kv_value *v = kv_obj_get(n, key, strlen(key));
    if (!v || v->kind == KV_NULL || (v->kind == KV_STRING && v->len == 0))
        return;
    size_t mark = c->path.len;
    ks_buf_printf(&c->path, ".%s", key);
    check_one(c, v, fn);
    ks_buf_truncate(&c->path, mark);
}

static void check_neighbors(vctx *c, const kv_value *container, const char *key)
{
    const kv_value *l = kv_obj_get(container, key, strlen(key));
    if (!l || l->kind == KV_NULL)
        return;
    size_t mark = c->path.len;
    ks_buf_printf(&c->path, ".%s", key);
    if (l->kind != KV_ARRAY) {
        problem(c, "", 0, "must be an array");
        ks_buf_truncate(&c->path, mark);
        return;
    }
    size_t m2 = c->path.len;
    for (uint32_t i = 0; i < l->len; i++) {
        const kv_value *n = &l->u.items[i];
        ks_buf_printf(&c->path, "[%u]", i);
        if (n->kind != KV_OBJECT) {
            problem(c, "", 0, "must be an object");
        } else {
            check_list(c, n, "ipAddresses", rt_validate_ip_entry);
            check_single(c, n, "ipAddress", rt_validate_ip_entry);
            check_list(c, n, "dnsNames", rt_validate_dns_entry);
            check_single(c, n, "dns", rt_validate_dns_entry);
        }
        ks_buf_truncate(&c->path, m2);
    }
    ks_buf_truncate(&c->path, mark);
}

int rt_validate_network_neighborhood(ks_arena *a, const kv_value *nn, rt_problems *out,
                                     ks_error *err)
{
    static const char *const groups[] = {"containers", "initContainers", "ephemeralContainers"};
    memset(out, 0, sizeof(*out));
    vctx c = {.a = a, .out = out};
    ks_buf_init(&c.path, 4096);
    ks_buf_puts(&c.path, "spec");
    if (!nn || nn->kind != KV_OBJECT) {
        problem(&c, "", 0, "must be an object");
        goto out;
    }
    const kv_value *spec = kv_obj_get(nn, "spec", 4);
    if (!spec)
        spec = nn;
    if (spec->kind == KV_NULL)
        goto out;
    if (spec->kind != KV_OBJECT) {
        problem(&c, "", 0, "must be an object");
        goto out;
    }
    for (int g = 0; g < 3; g++) {
        const kv_value *l = kv_obj_get(spec, groups[g], strlen(groups[g]));
        if (!l || l->kind == KV_NULL)
            continue;
        ks_buf_printf(&c.path, ".%s", groups[g]);
        if (l->kind != KV_ARRAY) {
            problem(&c, "", 0, "must be an array");
        } else {
            size_t mark = c.path.len;
            for (uint32_t i = 0; i < l->len; i++) {
                ks_buf_printf(&c.path, "[%u]", i);
                const kv_value *ct = &l->u.items[i];
                if (ct->kind != KV_OBJECT) {
                    problem(&c, "", 0, "must be an object");
                } else {
                    check_neighbors(&c, ct, "egress");
                    check_neighbors(&c, ct, "ingress");
                }
                ks_buf_truncate(&c.path, mark);
            }
        }
        ks_buf_truncate(&c.path, 4);
    }
out:
    ks_buf_free(&c.path);
    if (!c.failed && out->n == 0)
        return 0;
    if (c.failed)
        return ks_error_set(err, KS_ELIMIT, "network neighborhood validation: memory limit");
    return ks_error_set(err, KS_EINVAL, "%s: Invalid value: \"%s\": %s%s", out->items[0].field,
                        out->items[0].value, out->items[0].msg,
                        out->n > 1 ? " (and more problems)" : "");
}
