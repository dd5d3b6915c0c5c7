/* JSON Patch (RFC 6902) with JSON Pointers (RFC 6901). Each operation
 * rebuilds only the spine from the root to the place it changes; all other
 * subtrees are shared with the input. */
#include <string.h>

#include "kube/patch.h"
#include "kube/patch_int.h"

typedef struct jp_ptr {
    kv_value *tok; /* decoded reference tokens */
    size_t n;
    const kv_value *text; /* the pointer as written */
} jp_ptr;

typedef struct jp_ctx {
    ks_arena *a;
    ks_error *err;
    size_t index;   /* operation index */
    const char *op; /* operation name */
} jp_ctx;

enum jp_mode { JP_ADD, JP_REPLACE, JP_REMOVE };

static int op_fail(jp_ctx *c, int code, const jp_ptr *p, const char *fmt, const char *arg)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "json patch operation %zu (%s)", c->index, c->op);
    if (p) {
        ks_buf_puts(&b, ": path ");
        kp_json_snip(&b, p->text, 200);
    }
    ks_buf_puts(&b, ": ");
    ks_buf_printf(&b, fmt, arg ? arg : "");
    int rc = ks_error_set(c->err, code, "%s", ks_buf_cstr(&b));
    ks_buf_free(&b);
    return rc;
}

static int parse_pointer(jp_ctx *c, const kv_value *text, jp_ptr *p)
{
    p->text = text;
    p->n = 0;
    p->tok = NULL;
    const char *s = text->u.s;
    size_t n = text->len;
    if (n == 0)
        return 0;
    if (s[0] != '/')
        return op_fail(c, KS_EINVAL, p, "a JSON pointer must be empty or start with '/'", NULL);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == '/';
    if (count > KUBE_PATCH_MAX_DEPTH)
        return op_fail(c, KS_ELIMIT, p, "the pointer is deeper than the nesting limit", NULL);
    p->tok = ks_arena_alloc(c->a, count * sizeof *p->tok);
    char *buf = ks_arena_alloc_bytes(c->a, n + count);
    if (!p->tok || !buf)
        return kp_nomem(c->err);
    size_t i = 1;
    while (p->n < count) {
        char *start = buf;
        while (i < n && s[i] != '/') {
            if (s[i] == '~') {
                if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
                    *buf++ = s[i + 1] == '0' ? '~' : '/';
                    i += 2;
                    continue;
                }
                return op_fail(c, KS_EINVAL, p, "'~' must be followed by '0' or '1'", NULL);
            }
            *buf++ = s[i++];
        }
        p->tok[p->n++] = kv_str_ref(start, (size_t)(buf - start));
        *buf++ = '\0';
        i++;
    }
    return 0;
}

/* An array index token: "0" or digits without a leading zero. */
static bool array_index(const kv_value *tok, size_t *out)
{
    if (tok->len == 0 || tok->len > 10 || (tok->len > 1 && tok->u.s[0] == '0'))
        return false;
    size_t v = 0;
    for (size_t i = 0; i < tok->len; i++) {
        char ch = tok->u.s[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (size_t)(ch - '0');
    }
    *out = v;
    return true;
}

static const kv_value *child(const kv_value *node, const kv_value *tok)
{
    if (node->kind == KV_OBJECT)
        return kv_obj_get_value(node, tok);
    size_t i;
    if (node->kind == KV_ARRAY && array_index(tok, &i))
        return kv_arr_at(node, i);
    return NULL;
}

static const kv_value *get(const kv_value *doc, const jp_ptr *p)
{
    const kv_value *v = doc;
    for (size_t i = 0; v && i < p->n; i++)
        v = child(v, &p->tok[i]);
    return v;
}

static int missing(jp_ctx *c, const jp_ptr *p, size_t i)
{
    ks_buf what = KS_BUF_INIT;
    kp_json_snip(&what, &p->tok[i], 100);
    int rc = op_fail(c, KS_EINVAL, p, "the document has no member or item %s", ks_buf_cstr(&what));
    ks_buf_free(&what);
    return rc;
}

/* The last step: change container node at token tok. */
static int modify_last(jp_ctx *c, const kv_value *node, const jp_ptr *p, enum jp_mode mode,
                       const kv_value *val, kv_value *out, kv_value *removed)
{
    const kv_value *tok = &p->tok[p->n - 1];
    int rc;
    if (node->kind == KV_OBJECT) {
        bool found;
        size_t i = kp_obj_find(node, tok, &found);
        /* kube-apiserver's JSON Patch (evanphx/json-patch v4) lets replace
         * set a member that is not there, and clients rely on it */
        if (!found && mode == JP_REMOVE)
            return missing(c, p, p->n - 1);
        if (mode == JP_REMOVE) {
            if (removed)
                *removed = node->u.members[i].val;
            rc = kp_obj_remove_at(c->a, node, i, out);
        } else {
            rc = kp_obj_set(c->a, node, tok, val, out);
        }
        return rc ? kp_nomem(c->err) : 0;
    }
    if (node->kind == KV_ARRAY) {
        size_t i;
        if (mode == JP_ADD && tok->len == 1 && tok->u.s[0] == '-') {
            i = node->len;
        } else if (!array_index(tok, &i)) {
            return op_fail(c, KS_EINVAL, p, "not an array index: %s", tok->u.s);
        }
        if (mode == JP_ADD ? i > node->len : i >= node->len)
            return op_fail(c, KS_EINVAL, p, "array index %s is out of range", tok->u.s);
        if (mode == JP_ADD) {
            rc = kp_arr_insert(c->a, node, i, val, out);
        } else if (mode == JP_REPLACE) {
            rc = kp_arr_set(c->a, node, i, val, out);
        } else {
            if (removed)
                *removed = node->u.items[i];
            rc = kp_arr_remove(c->a, node, i, out);
        }
        return rc ? kp_nomem(c->err) : 0;
    }
    return op_fail(c, KS_EINVAL, p, "cannot change a member of a %s",
                   kv_kind_name(kv_kind_of(node)));
}

static int modify(jp_ctx *c, const kv_value *doc, const jp_ptr *p, enum jp_mode mode,
                  const kv_value *val, kv_value *out, kv_value *removed)
{
    if (p->n == 0) {
        if (mode == JP_REMOVE)
            return op_fail(c, KS_EINVAL, p, "cannot remove the whole document", NULL);
        *out = *val;
        return 0;
    }
    /* walk down, remembering the spine */
    const kv_value **spine = ks_arena_alloc(c->a, p->n * sizeof *spine);
    if (!spine)
        return kp_nomem(c->err);
    const kv_value *node = doc;
    for (size_t i = 0; i + 1 < p->n; i++) {
        spine[i] = node;
        node = child(node, &p->tok[i]);
        if (!node)
            return missing(c, p, i);
    }
    kv_value cur;
    int rc = modify_last(c, node, p, mode, val, &cur, removed);
    if (rc)
        return rc;
    /* rebuild upwards */
    for (size_t i = p->n - 1; i-- > 0;) {
        const kv_value *parent = spine[i];
        kv_value up;
        if (parent->kind == KV_OBJECT) {
            rc = kp_obj_set(c->a, parent, &p->tok[i], &cur, &up);
        } else {
            size_t k = 0;
            array_index(&p->tok[i], &k);
            rc = kp_arr_set(c->a, parent, k, &cur, &up);
        }
        if (rc)
            return kp_nomem(c->err);
        cur = up;
    }
    *out = cur;
    return 0;
}

static bool is_prefix(const jp_ptr *from, const jp_ptr *to)
{
    if (from->n >= to->n)
        return false;
    for (size_t i = 0; i < from->n; i++)
        if (!kv_equal(&from->tok[i], &to->tok[i]))
            return false;
    return true;
}

static bool same_pointer(const jp_ptr *x, const jp_ptr *y)
{
    if (x->n != y->n)
        return false;
    for (size_t i = 0; i < x->n; i++)
        if (!kv_equal(&x->tok[i], &y->tok[i]))
            return false;
    return true;
}

static int member_str(jp_ctx *c, const kv_value *op, const char *name, jp_ptr *p)
{
    const kv_value *v = kv_obj_get(op, name, strlen(name));
    if (!v)
        return op_fail(c, KS_EINVAL, NULL, "missing \"%s\"", name);
    if (v->kind != KV_STRING)
        return op_fail(c, KS_EINVAL, NULL, "\"%s\" must be a string", name);
    return parse_pointer(c, v, p);
}

static int apply_op(jp_ctx *c, const kv_value *doc, const kv_value *op, kv_value *out)
{
    const kv_value *name = kv_obj_get(op, "op", 2);
    if (!name || name->kind != KV_STRING)
        return op_fail(c, KS_EINVAL, NULL, "missing \"op\" (a string)", NULL);
    static const char *const ops[] = {"add", "remove", "replace", "move", "copy", "test"};
    size_t which = 6;
    for (size_t i = 0; i < 6; i++)
        if (kp_is_str(name, ops[i], strlen(ops[i])))
            which = i;
    if (which == 6) {
        c->op = "?";
        ks_buf b = KS_BUF_INIT;
        kp_json_snip(&b, name, 60);
        int rc = op_fail(c, KS_EINVAL, NULL, "unknown operation %s", ks_buf_cstr(&b));
        ks_buf_free(&b);
        return rc;
    }
    c->op = ops[which];
    jp_ptr path, from;
    int rc = member_str(c, op, "path", &path);
    if (rc)
        return rc;
    const kv_value *val = NULL;
    if (which == 0 || which == 2 || which == 5) {
        val = kv_obj_get(op, "value", 5);
        if (!val)
            return op_fail(c, KS_EINVAL, &path, "missing \"value\"", NULL);
    }
    kv_value moved;
    switch (which) {
    case 0: return modify(c, doc, &path, JP_ADD, val, out, NULL);
    case 1: return modify(c, doc, &path, JP_REMOVE, NULL, out, NULL);
    case 2: return modify(c, doc, &path, JP_REPLACE, val, out, NULL);
    case 3: /* move */
    case 4: /* copy */
        if ((rc = member_str(c, op, "from", &from)))
            return rc;
        if (!get(doc, &from))
            return op_fail(c, KS_EINVAL, &from, "\"from\" does not exist", NULL);
        if (which == 4)
            return modify(c, doc, &path, JP_ADD, get(doc, &from), out, NULL);
        if (is_prefix(&from, &path))
            return op_fail(c, KS_EINVAL, &path, "cannot move a value into itself", NULL);
        if (same_pointer(&from, &path)) {
            *out = *doc;
            return 0;
        }
        {
            kv_value mid;
            if ((rc = modify(c, doc, &from, JP_REMOVE, NULL, &mid, &moved)))
                return rc;
            return modify(c, &mid, &path, JP_ADD, &moved, out, NULL);
        }
    default: { /* test */
        const kv_value *have = get(doc, &path);
        if (!have)
            return op_fail(c, KS_EINVAL, &path, "the path does not exist", NULL);
        if (!kv_equal(have, val)) {
            ks_buf b = KS_BUF_INIT;
            kp_json_snip(&b, have, 200);
            rc = op_fail(c, KS_EINVAL, &path, "test failed: the value is %s", ks_buf_cstr(&b));
            ks_buf_free(&b);
            return rc;
        }
        *out = *doc;
        return 0;
    }
    }
}

int kube_patch_json(ks_arena *a, const kv_value *doc, const kv_value *patch, kv_value *out,
                    ks_error *err)
{
    if (patch->kind != KV_ARRAY)
        return ks_error_set(err, KS_EPARSE, "json patch: the patch must be an array, not a %s",
                            kv_kind_name(kv_kind_of(patch)));
    if (patch->len > KUBE_PATCH_MAX_OPS)
        return ks_error_set(err, KS_ELIMIT,
                            "The allowed maximum operations in a JSON patch is %d, got %u",
                            KUBE_PATCH_MAX_OPS, patch->len);
    jp_ctx c = {.a = a, .err = err, .op = "?"};
    kv_value cur = *doc;
    for (size_t i = 0; i < patch->len; i++) {
        c.index = i;
        c.op = "?";
        const kv_value *op = &patch->u.items[i];
        if (op->kind != KV_OBJECT)
            return ks_error_set(err, KS_EPARSE,
                                "json patch operation %zu: must be an object, not a %s", i,
                                kv_kind_name(kv_kind_of(op)));
        kv_value next;
        int rc = apply_op(&c, &cur, op, &next);
        if (rc)
            return rc;
        cur = next;
    }
    *out = cur;
    return 0;
}
