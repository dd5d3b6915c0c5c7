/* Construction, access, comparison and hashing of values. */
#include "value/value.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "value/number.h"

const char *kv_kind_name(kv_kind k)
{
    static const char *const names[] = {"null",  "boolean", "number", "string",
                                        "array", "object",  "set"};
    return (unsigned)k <= KV_SET ? names[k] : "invalid";
}

int kv_str_copy(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    if (n > KV_MAX_LEN)
        return KS_ELIMIT;
    char *p = ks_arena_strndup(a, s, n);
    if (!p)
        return KS_ELIMIT;
    *out = kv_str_ref(p, n);
    return 0;
}

/* Copies items[0..n) into the arena (NULL for none). */
static int copy_items(ks_arena *a, const kv_value *items, size_t n, kv_value **copy)
{
    *copy = NULL;
    if (n > KV_MAX_LEN)
        return KS_ELIMIT;
    if (n && !(*copy = ks_arena_memdup(a, items, n * sizeof(*items))))
        return KS_ELIMIT;
    return 0;
}

int kv_array_new(ks_arena *a, const kv_value *items, size_t n, kv_value *out)
{
    kv_value *copy;
    int rc = copy_items(a, items, n, &copy);
    if (rc)
        return rc;
    *out = (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = copy};
    return 0;
}

/* ---- ordering ---- */

static inline int str_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

int kv_compare(const kv_value *a, const kv_value *b)
{
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    switch ((kv_kind)a->kind) {
    case KV_NULL: return 0;
    case KV_BOOL: return (int)a->u.b - (int)b->u.b;
    case KV_NUMBER: return kv__num_cmp(a, b);
    case KV_STRING: return str_cmp(a->u.s, a->len, b->u.s, b->len);
    case KV_ARRAY:
    case KV_SET: {
        uint32_t n = a->len < b->len ? a->len : b->len;
        for (uint32_t i = 0; i < n; i++) {
            int c = kv_compare(&a->u.items[i], &b->u.items[i]);
            if (c)
                return c;
        }
        return (a->len > b->len) - (a->len < b->len);
    }
    case KV_OBJECT: {
        uint32_t n = a->len < b->len ? a->len : b->len;
        for (uint32_t i = 0; i < n; i++) {
            int c = kv_compare(&a->u.members[i].key, &b->u.members[i].key);
            if (c)
                return c;
            c = kv_compare(&a->u.members[i].val, &b->u.members[i].val);
            if (c)
                return c;
        }
        return (a->len > b->len) - (a->len < b->len);
    }
    }
    return 0;
}

bool kv_equal(const kv_value *a, const kv_value *b)
{
    if (a->kind != b->kind)
        return false;
    switch ((kv_kind)a->kind) {
    case KV_NULL: return true;
    case KV_BOOL: return a->u.b == b->u.b;
    case KV_NUMBER:
        if (a->sub == KV_NUM_INT && b->sub == KV_NUM_INT)
            return a->u.i == b->u.i;
        return kv__num_cmp(a, b) == 0;
    case KV_STRING: return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
    case KV_ARRAY:
    case KV_SET:
        if (a->len != b->len)
            return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (!kv_equal(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case KV_OBJECT:
        if (a->len != b->len)
            return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (!kv_equal(&a->u.members[i].key, &b->u.members[i].key) ||
                !kv_equal(&a->u.members[i].val, &b->u.members[i].val))
                return false;
        return true;
    }
    return false;
}

uint64_t kv_hash(const kv_value *v)
{
    uint64_t h = ks_hash_u64(v->kind);
    switch ((kv_kind)v->kind) {
    case KV_NULL: return h;
    case KV_BOOL: return ks_hash_combine(h, v->u.b);
    case KV_NUMBER: return ks_hash_combine(h, kv__num_hash(v));
    case KV_STRING: return ks_hash_bytes(v->u.s, v->len, h);
    case KV_ARRAY:
    case KV_SET:
        for (uint32_t i = 0; i < v->len; i++)
            h = ks_hash_combine(h, kv_hash(&v->u.items[i]));
        return ks_hash_combine(h, v->len);
    case KV_OBJECT:
        for (uint32_t i = 0; i < v->len; i++) {
            h = ks_hash_combine(h, kv_hash(&v->u.members[i].key));
            h = ks_hash_combine(h, kv_hash(&v->u.members[i].val));
        }
        return ks_hash_combine(h, v->len);
    }
    return h;
}

/* ---- sorting ---- */

static int value_cmp(const void *x, const void *y)
{
    return kv_compare(x, y);
}

/* Stable sort by key: insertion sort for the small objects of real
 * documents, a merge sort beyond. Stability keeps duplicate keys in input
 * order, so first- and last-wins are well defined. */
static void sort_members(kv_member *m, size_t n)
{
    if (n <= 24) {
        for (size_t i = 1; i < n; i++) {
            if (kv_compare(&m[i - 1].key, &m[i].key) <= 0)
                continue;
            kv_member x = m[i];
            size_t j = i;
            while (j > 0 && kv_compare(&m[j - 1].key, &x.key) > 0) {
                m[j] = m[j - 1];
                j--;
            }
            m[j] = x;
        }
        return;
    }
    /* Check for sorted input first: common in canonical JSON. */
    size_t i = 1;
    while (i < n && kv_compare(&m[i - 1].key, &m[i].key) <= 0)
        i++;
    if (i == n)
        return;
    /* Stable merge sort through a scratch copy. */
    kv_member *tmp = ks_xmalloc(n * sizeof(*m));
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = kv_compare(&m[b].key, &m[a].key) < 0 ? m[b++] : m[a++];
            while (a < mid)
                tmp[k++] = m[a++];
            while (b < hi)
                tmp[k++] = m[b++];
        }
        memcpy(m, tmp, n * sizeof(*m));
    }
    ks_xfree(tmp);
}

int kv_object_new(ks_arena *a, const kv_member *members, size_t n, enum kv_dup dup, kv_value *out,
                  kv_value *dup_key)
{
    if (n > KV_MAX_LEN)
        return KS_ELIMIT;
    kv_member *m = NULL;
    if (n) {
        m = ks_arena_memdup(a, members, n * sizeof(*members));
        if (!m)
            return KS_ELIMIT;
    }
    sort_members(m, n);
    /* Collapse equal keys (adjacent after a stable sort). */
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        if (w > 0 && kv_equal(&m[w - 1].key, &m[r].key)) {
            if (dup == KV_DUP_ERROR) {
                if (dup_key)
                    *dup_key = m[r].key;
                return KS_EEXIST;
            }
            if (dup == KV_DUP_LAST_WINS)
                m[w - 1] = m[r];
            continue;
        }
        m[w++] = m[r];
    }
    *out = (kv_value){.kind = KV_OBJECT, .len = (uint32_t)w, .u.members = m};
    return 0;
}

int kv_set_new(ks_arena *a, const kv_value *items, size_t n, kv_value *out)
{
    kv_value *v;
    int rc = copy_items(a, items, n, &v);
    if (rc)
        return rc;
    if (n > 1)
        qsort(v, n, sizeof(*v), value_cmp);
    size_t w = 0;
    for (size_t r = 0; r < n; r++)
        if (w == 0 || !kv_equal(&v[w - 1], &v[r]))
            v[w++] = v[r];
    *out = (kv_value){.kind = KV_SET, .len = (uint32_t)w, .u.items = v};
    return 0;
}

/* ---- access ---- */

/* Compares a member key with a string key, honouring the kind order. */
static inline int key_cmp_str(const kv_value *k, const char *s, size_t n)
{
    if (k->kind != KV_STRING)
        return k->kind < KV_STRING ? -1 : 1;
    return str_cmp(k->u.s, k->len, s, n);
}

const char *kv_obj_str(const kv_value *obj, const char *key)
{
    const kv_value *v = obj ? kv_obj_get(obj, key, strlen(key)) : NULL;
    return v && v->kind == KV_STRING ? v->u.s : NULL;
}

const kv_value *kv_obj_get(const kv_value *obj, const char *key, size_t n)
{
    if (obj->kind != KV_OBJECT)
        return NULL;
    size_t lo = 0, hi = obj->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp_str(&obj->u.members[mid].key, key, n);
        if (c == 0)
            return &obj->u.members[mid].val;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const kv_value *kv_obj_get_value(const kv_value *obj, const kv_value *key)
{
    if (obj->kind != KV_OBJECT)
        return NULL;
    if (key->kind == KV_STRING)
        return kv_obj_get(obj, key->u.s, key->len);
    size_t lo = 0, hi = obj->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kv_compare(&obj->u.members[mid].key, key);
        if (c == 0)
            return &obj->u.members[mid].val;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const kv_value *kv_arr_at(const kv_value *arr, size_t i)
{
    if ((arr->kind != KV_ARRAY && arr->kind != KV_SET) || i >= arr->len)
        return NULL;
    return &arr->u.items[i];
}

bool kv_set_has(const kv_value *set, const kv_value *v)
{
    if (set->kind != KV_SET)
        return false;
    size_t lo = 0, hi = set->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = kv_compare(&set->u.items[mid], v);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

double kv_num_double(const kv_value *v)
{
    switch (v->sub) {
    case KV_NUM_INT: return (double)v->u.i;
    case KV_NUM_DOUBLE: return v->u.d;
    default: return v->u.dec->approx;
    }
}

bool kv_num_int64(const kv_value *v, int64_t *out)
{
    if (v->kind != KV_NUMBER || v->sub != KV_NUM_INT)
        return false; /* canonical: integers in range are always ints */
    *out = v->u.i;
    return true;
}

/* ---- paths ---- */

static bool parse_index(const char *s, size_t n, size_t *out)
{
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
        return false;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

const kv_value *kv_path(const kv_value *v, const char *path)
{
    char small[256];
    ks_buf big = KS_BUF_INIT; /* keys longer than small (label keys reach 317) */
    const char *p = path;
    while (v && *p) {
        if (*p == '[') {
            const char *close = strchr(p, ']');
            size_t idx;
            if (!close || !parse_index(p + 1, (size_t)(close - p - 1), &idx)) {
                v = NULL;
                break;
            }
            v = kv_arr_at(v, idx);
            p = close + 1;
            if (*p == '.')
                p++;
            continue;
        }
        size_t n = 0;
        while (*p && *p != '.' && *p != '[') {
            if (*p == '\\' && p[1])
                p++;
            if (n == sizeof(small)) {
                ks_buf_reset(&big);
                ks_buf_append(&big, small, n);
            }
            if (n >= sizeof(small))
                ks_buf_putc(&big, *p);
            else
                small[n] = *p;
            n++;
            p++;
        }
        v = kv_obj_get(v, n > sizeof(small) ? big.data : small, n);
        if (*p == '.')
            p++;
    }
    ks_buf_free(&big);
    return v;
}

const kv_value *kv_pointer(const kv_value *v, const char *ptr, size_t n)
{
    if (n == 0)
        return v;
    if (ptr[0] != '/')
        return NULL;
    ks_buf tok = KS_BUF_INIT;
    size_t i = 1;
    while (v) {
        ks_buf_reset(&tok);
        while (i < n && ptr[i] != '/') {
            if (ptr[i] == '~' && i + 1 < n && (ptr[i + 1] == '0' || ptr[i + 1] == '1')) {
                ks_buf_putc(&tok, ptr[i + 1] == '0' ? '~' : '/');
                i += 2;
            } else if (ptr[i] == '~') {
                v = NULL; /* "~" must be followed by 0 or 1 */
                goto out;
            } else {
                ks_buf_putc(&tok, ptr[i++]);
            }
        }
        if (v->kind == KV_OBJECT) {
            v = kv_obj_get(v, ks_buf_cstr(&tok), tok.len);
        } else if (v->kind == KV_ARRAY) {
            size_t idx;
            v = parse_index(ks_buf_cstr(&tok), tok.len, &idx) ? kv_arr_at(v, idx) : NULL;
        } else {
            v = NULL;
        }
        if (i >= n)
            break;
        i++; /* the '/' */
    }
out:
    ks_buf_free(&tok);
    return v;
}

const kv_value *kv_lookup(const kv_value *v, const kv_value *steps, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        const kv_value *s = &steps[i];
        if (v->kind == KV_OBJECT) {
            v = kv_obj_get_value(v, s);
        } else if (v->kind == KV_ARRAY && s->kind == KV_NUMBER) {
            int64_t idx;
            v = (kv_num_int64(s, &idx) && idx >= 0) ? kv_arr_at(v, (size_t)idx) : NULL;
        } else {
            v = NULL;
        }
    }
    return v;
}

/* ---- building from another value ---- */

int kv_obj_set(ks_arena *a, const kv_value *obj, const kv_value *key, const kv_value *val,
               kv_value *out)
{
    size_t len = obj && obj->kind == KV_OBJECT ? obj->len : 0;
    const kv_member *mm = len ? obj->u.members : NULL;
    size_t lo = 0, hi = len;
    bool found = false;
    while (lo < hi) { /* members are sorted by key */
        size_t mid = lo + (hi - lo) / 2;
        int c = kv_compare(&mm[mid].key, key);
        if (c == 0) {
            lo = mid;
            found = true;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = val ? len + !found : len - found;
    kv_member *m = ks_arena_alloc(a, (n ? n : 1) * sizeof *m);
    if (!m)
        return KS_ELIMIT;
    if (lo)
        memcpy(m, mm, lo * sizeof *m);
    size_t k = lo, rest = lo + found;
    if (val) {
        m[k].key = *key;
        m[k++].val = *val;
    }
    if (len > rest)
        memcpy(m + k, mm + rest, (len - rest) * sizeof *m);
    *out = (kv_value){.kind = KV_OBJECT, .len = (uint32_t)n, .u.members = m};
    return 0;
}

int kv_obj_with(ks_arena *a, const kv_value *obj, const char *key, size_t n, const kv_value *val,
                kv_value *out)
{
    kv_value k;
    if (kv_str_copy(a, key, n, &k) < 0)
        return KS_ELIMIT;
    return kv_obj_set(a, obj, &k, val, out);
}

/* ---- copying ---- */

int kv_clone(ks_arena *a, const kv_value *v, kv_value *out)
{
    switch ((kv_kind)v->kind) {
    case KV_NULL:
    case KV_BOOL: *out = *v; return 0;
    case KV_NUMBER:
        *out = *v;
        if (v->sub == KV_NUM_DECIMAL) {
            size_t size = sizeof(kv_decimal) + v->u.dec->len + v->u.dec->ndigits + 2;
            kv_decimal *d = ks_arena_memdup(a, v->u.dec, size);
            if (!d)
                return KS_ELIMIT;
            out->u.dec = d;
        }
        return 0;
    case KV_STRING: return kv_str_copy(a, v->u.s, v->len, out);
    case KV_ARRAY:
    case KV_SET: {
        *out = *v;
        if (!v->len)
            return 0;
        kv_value *items = ks_arena_alloc(a, v->len * sizeof(kv_value));
        if (!items)
            return KS_ELIMIT;
        for (uint32_t i = 0; i < v->len; i++) {
            int rc = kv_clone(a, &v->u.items[i], &items[i]);
            if (rc)
                return rc;
        }
        out->u.items = items;
        return 0;
    }
    case KV_OBJECT: {
        *out = *v;
        if (!v->len)
            return 0;
        kv_member *m = ks_arena_alloc(a, v->len * sizeof(kv_member));
        if (!m)
            return KS_ELIMIT;
        for (uint32_t i = 0; i < v->len; i++) {
            int rc = kv_clone(a, &v->u.members[i].key, &m[i].key);
            if (rc == 0)
                rc = kv_clone(a, &v->u.members[i].val, &m[i].val);
            if (rc)
                return rc;
        }
        out->u.members = m;
        return 0;
    }
    }
    return KS_EINVAL;
}
