/* JSON Patch (RFC 6902) with JSON Pointers (RFC 6901). Each operation
 * rebuilds only the spine from the root to the place it changes; all other
 * subtrees are shared with the input. Containers this call built itself
 * (and nothing else refers to) are changed in place, with room to grow, so
 * many operations on one wide object or array cost what they would on a
 * mutable tree: the first copies it, the rest do not. */
#include <stdint.h>
#include <string.h>

#include "kube/patch.h"
#include "kube/patch_int.h"

typedef struct jp_ptr {
    kv_value *tok; /* decoded reference tokens */
    size_t n;
    const kv_value *text; /* the pointer as written */
} jp_ptr;

/* The member or item arrays this call allocated, with their capacity. */
typedef struct own_tab {
    struct own {
        const void *p;
        size_t cap;
        size_t epoch; /* owned only while it is the call's epoch */
    } * slots;
    size_t mask, count;
    size_t epoch; /* a copy operation ends an epoch: what existed may be shared */
} own_tab;

typedef struct jp_ctx {
    ks_arena *a;
    ks_error *err;
    size_t index;   /* operation index */
    const char *op; /* operation name */
    own_tab own;
} jp_ctx;

static size_t own_slot(const own_tab *t, const void *p)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15u;
    return (size_t)(h >> 7) & t->mask;
}

/* Capacity of an array this call owns, or 0. */
static size_t own_cap(const jp_ctx *c, const void *p)
{
    if (!p || !c->own.slots)
        return 0;
    for (size_t i = own_slot(&c->own, p); c->own.slots[i].p; i = (i + 1) & c->own.mask)
        if (c->own.slots[i].p == p)
            return c->own.slots[i].epoch == c->own.epoch ? c->own.slots[i].cap : 0;
    return 0;
}

static int own_add(jp_ctx *c, const void *p, size_t cap)
{
    own_tab *t = &c->own;
    if (!t->slots || (t->count + 1) * 2 > t->mask + 1) {
        size_t ncap = t->slots ? (t->mask + 1) * 2 : 64;
        struct own *old = t->slots;
        size_t oldn = t->slots ? t->mask + 1 : 0;
        t->slots = ks_arena_calloc(c->a, ncap, sizeof *t->slots);
        if (!t->slots)
            return KS_ELIMIT;
        t->mask = ncap - 1;
        for (size_t i = 0; i < oldn; i++) {
            if (!old[i].p)
                continue;
            size_t j = own_slot(t, old[i].p);
            while (t->slots[j].p)
                j = (j + 1) & t->mask;
            t->slots[j] = old[i];
        }
    }
    size_t j = own_slot(t, p);
    while (t->slots[j].p)
        j = (j + 1) & t->mask;
    t->slots[j] = (struct own){p, cap, t->epoch};
    t->count++;
    return 0;
}

/* Room for at least n elements of size sz, owned; old[0..len) copied in. */
static void *own_new(jp_ctx *c, const void *old, size_t len, size_t n, size_t sz)
{
    size_t cap = n < 4 ? 4 : n + n / 2;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    if (n > cap)
        return NULL;
    void *p = ks_arena_alloc(c->a, cap * sz);
    if (!p || own_add(c, p, cap))
        return NULL;
    if (len)
        memcpy(p, old, len * sz);
    return p;
}

/* The container edits, in place on owned arrays. */
static int j_obj_set(jp_ctx *c, const kv_value *obj, const kv_value *key, const kv_value *val,
                     kv_value *out)
{
    bool found;
    size_t i = kp_obj_find(obj, key, &found), len = obj->len, n = len + !found;
    kv_member *m = (kv_member *)obj->u.members;
    if (own_cap(c, m) < n && !(m = own_new(c, obj->u.members, len, n, sizeof *m)))
        return KS_ELIMIT;
    if (!found) {
        memmove(m + i + 1, m + i, (len - i) * sizeof *m);
        m[i].key = *key;
    }
    m[i].val = *val;
    *out = kp_members(m, n);
    return 0;
}

static int j_obj_remove(jp_ctx *c, const kv_value *obj, size_t i, kv_value *out)
{
    kv_member *m = (kv_member *)obj->u.members;
    if (!own_cap(c, m) && !(m = own_new(c, obj->u.members, obj->len, obj->len, sizeof *m)))
        return KS_ELIMIT;
    memmove(m + i, m + i + 1, (obj->len - i - 1) * sizeof *m);
    *out = kp_members(m, obj->len - 1);
    return 0;
}

static int j_arr_insert(jp_ctx *c, const kv_value *arr, size_t i, const kv_value *val,
                        kv_value *out)
{
    size_t len = arr->len, n = len + 1;
    kv_value *v = (kv_value *)arr->u.items;
    if (n > UINT32_MAX)
        return KS_ELIMIT;
    if (own_cap(c, v) < n && !(v = own_new(c, arr->u.items, len, n, sizeof *v)))
        return KS_ELIMIT;
    memmove(v + i + 1, v + i, (len - i) * sizeof *v);
    v[i] = *val;
    *out = kp_items(v, n);
    return 0;
}

static int j_arr_set(jp_ctx *c, const kv_value *arr, size_t i, const kv_value *val, kv_value *out)
{
    kv_value *v = (kv_value *)arr->u.items;
    if (!own_cap(c, v) && !(v = own_new(c, arr->u.items, arr->len, arr->len, sizeof *v)))
        return KS_ELIMIT;
    v[i] = *val;
    *out = kp_items(v, arr->len);
    return 0;
}

static int j_arr_remove(jp_ctx *c, const kv_value *arr, size_t i, kv_value *out)
{
    kv_value *v = (kv_value *)arr->u.items;
    if (!own_cap(c, v) && !(v = own_new(c, arr->u.items, arr->len, arr->len, sizeof *v)))
        return KS_ELIMIT;
    memmove(v + i, v + i + 1, (arr->len - i - 1) * sizeof *v);
    *out = kp_items(v, arr->len - 1);
    return 0;
}

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
            rc = j_obj_remove(c, node, i, out);
        } else {
            rc = j_obj_set(c, node, tok, val, out);
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
            rc = j_arr_insert(c, node, i, val, out);
        } else if (mode == JP_REPLACE) {
            rc = j_arr_set(c, node, i, val, out);
        } else {
            if (removed)
                *removed = node->u.items[i];
            rc = j_arr_remove(c, node, i, out);
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
            rc = j_obj_set(c, parent, &p->tok[i], &cur, &up);
        } else {
            size_t k = 0;
            array_index(&p->tok[i], &k);
            rc = j_arr_set(c, parent, k, &cur, &up);
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
        if (which == 4) {
            /* the value is now in two places: nothing built so far may be
             * changed in place any more (a new epoch); and a copy of the
             * value itself, as the add may move the array it sits in */
            kv_value copy = *get(doc, &from);
            c->own.epoch++;
            return modify(c, doc, &path, JP_ADD, &copy, out, NULL);
        }
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
