/* JSON writer: compact, pretty and canonical, with Go encoding/json
 * conventions for strings and numbers. */
#include <string.h>

#include "core/jsonstr.h"
#include "core/mem.h"
#include "value/number.h"
#include "value/value.h"

#define MAX_WRITE_DEPTH 10000

typedef struct writer {
    ks_buf *out;
    unsigned flags;
    unsigned indent; /* 0 for compact */
    unsigned quote_flags;
} writer;

static void newline(writer *w, unsigned depth)
{
    ks_buf_putc(w->out, '\n');
    ks_buf_fill(w->out, ' ', (size_t)depth * w->indent);
}

static int write_value(writer *w, const kv_value *v, unsigned depth);

static int write_key(writer *w, const kv_value *k, unsigned depth)
{
    if (k->kind == KV_STRING)
        return ks_json_quote(w->out, k->u.s, k->len, w->quote_flags);
    /* Non-string keys (Rego objects) are written as their JSON text, which
     * is then quoted: HTML escaping applies once, to the quoted key. */
    ks_buf tmp;
    ks_buf_init(&tmp, w->out->max);
    writer kw = {.out = &tmp,
                 .flags = w->flags & ~(unsigned)(KV_JSON_PRETTY | KV_JSON_ESCAPE_HTML)};
    int rc = write_value(&kw, k, depth);
    if (rc == 0)
        rc = ks_json_quote(w->out, ks_buf_cstr(&tmp), tmp.len, w->quote_flags);
    ks_buf_free(&tmp);
    return rc;
}

/* A container being written: its next item or member. */
typedef struct wframe {
    const kv_value *v;
    uint32_t next;
} wframe;

static int write_scalar(writer *w, const kv_value *v)
{
    ks_buf *out = w->out;
    switch ((kv_kind)v->kind) {
    case KV_NULL: ks_buf_append(out, "null", 4); break;
    case KV_BOOL:
        if (v->u.b)
            ks_buf_append(out, "true", 4);
        else
            ks_buf_append(out, "false", 5);
        break;
    case KV_NUMBER: return kv__num_write(out, v, w->flags & KV_JSON_CANONICAL);
    case KV_STRING: ks_json_quote(out, v->u.s, v->len, w->quote_flags); break;
    case KV_ARRAY:
    case KV_SET:
    case KV_OBJECT: break; /* containers are handled by write_value */
    }
    return 0;
}

/* Iterative, so nesting depth costs heap (a frame per level), not stack:
 * values built by Rego or by a reader with a high depth limit are written
 * safely from threads with small stacks too. */
static int write_value(writer *w, const kv_value *root, unsigned depth0)
{
    ks_buf *out = w->out;
    wframe small[32];
    wframe *st = small;
    size_t cap = sizeof(small) / sizeof(small[0]), sp = 0;
    int rc = 0;
    const kv_value *v = root;
    for (;;) {
        /* Write v: a scalar, or the opening of a container to descend into. */
        if (v->kind == KV_ARRAY || v->kind == KV_SET || v->kind == KV_OBJECT) {
            if (depth0 + sp >= MAX_WRITE_DEPTH) {
                rc = KS_ELIMIT;
                break;
            }
            ks_buf_putc(out, v->kind == KV_OBJECT ? '{' : '[');
            if (sp == cap) {
                size_t ncap = cap * 2;
                wframe *n = ks_xmalloc(ncap * sizeof(*n));
                memcpy(n, st, sp * sizeof(*st));
                if (st != small)
                    ks_xfree(st);
                st = n;
                cap = ncap;
            }
            st[sp++] = (wframe){.v = v, .next = 0};
        } else if ((rc = write_scalar(w, v))) {
            break;
        }
        /* Find the next value to write, closing finished containers. */
        v = NULL;
        while (sp > 0) {
            wframe *f = &st[sp - 1];
            unsigned depth = depth0 + (unsigned)sp - 1;
            if (f->next == f->v->len) {
                if (w->indent && f->v->len)
                    newline(w, depth);
                ks_buf_putc(out, f->v->kind == KV_OBJECT ? '}' : ']');
                sp--;
                continue;
            }
            uint32_t i = f->next++;
            if (i)
                ks_buf_putc(out, ',');
            if (w->indent)
                newline(w, depth + 1);
            if (f->v->kind == KV_OBJECT) {
                if ((rc = write_key(w, &f->v->u.members[i].key, depth + 1)))
                    goto out;
                ks_buf_putc(out, ':');
                if (w->indent)
                    ks_buf_putc(out, ' ');
                v = &f->v->u.members[i].val;
            } else {
                v = &f->v->u.items[i];
            }
            break;
        }
        if (!v)
            break;
    }
out:
    if (st != small)
        ks_xfree(st);
    return rc ? rc : out->err;
}

int kv_json_write(ks_buf *out, const kv_value *v, unsigned flags)
{
    writer w = {.out = out, .flags = flags};
    if (flags & KV_JSON_PRETTY) {
        unsigned n = (flags >> 8) & 0xff;
        w.indent = n ? (n > 16 ? 16 : n) : 2;
    }
    if (flags & KV_JSON_CANONICAL)
        w.indent = 0;
    w.quote_flags = (flags & KV_JSON_ESCAPE_HTML) ? KS_JSON_ESCAPE_HTML : 0;
    size_t start = out->len;
    int rc = write_value(&w, v, w.indent ? (flags >> 16) & 0xff : 0);
    if (rc == 0)
        rc = out->err;
    if (rc && out->err == 0)
        ks_buf_truncate(out, start); /* nothing half-written on a value error */
    return rc;
}
