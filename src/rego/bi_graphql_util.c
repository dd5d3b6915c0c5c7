/* GraphQL helpers shared by the graphql builtins: arena lists and maps,
 * gqlparser-style errors and their Go error strings, type helpers. */
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "rego/bi_graphql.h"

int rg_gql_list_push(ks_arena *a, rg_gql_list *l, void *item)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        void **v = ks_arena_alloc(a, cap * sizeof(void *));
        if (!v)
            return KS_ENOMEM;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof(void *));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = item;
    return 0;
}

bool rg_gql_streq_c(rg_gql_str a, const char *b)
{
    size_t n = strlen(b);
    return a.n == n && (n == 0 || memcmp(a.s, b, n) == 0);
}

int rg_gql_strcmp(rg_gql_str a, rg_gql_str b)
{
    size_t m = a.n < b.n ? a.n : b.n;
    int c = m ? memcmp(a.s, b.s, m) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

void rg_gql_quote(ks_buf *b, rg_gql_str s)
{
    kv_value v = kv_str_ref(s.s ? s.s : "", s.n);
    rg_value_write_rego(b, &v);
}

/* ---- errors ---- */

static int add_error(rg_gql_errs *e, const rg_gql_pos *pos, bool nil_is_minus1, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));

static int add_error(rg_gql_errs *e, const rg_gql_pos *pos, bool nil_is_minus1, const char *fmt,
                     va_list ap)
{
    rg_gql_err *er = ks_arena_calloc(e->arena, 1, sizeof(*er));
    ks_buf b = KS_BUF_INIT;
    ks_buf_vprintf(&b, fmt, ap);
    char *msg = er && !b.err ? ks_arena_strndup(e->arena, ks_buf_cstr(&b), b.len) : NULL;
    if (!msg || rg_gql_list_push(e->arena, &e->list, er) < 0) {
        ks_buf_free(&b);
        e->oom = true;
        return KS_ENOMEM;
    }
    er->msg = (rg_gql_str){msg, b.len};
    ks_buf_free(&b);
    if (pos && pos->set) {
        er->has_loc = true;
        er->line = pos->line;
        er->col = pos->col;
        er->file = pos->file;
    } else if (nil_is_minus1) {
        er->has_loc = true;
        er->line = -1;
        er->col = -1;
    }
    return KS_EPARSE;
}

int rg_gql_errorf(rg_gql_errs *e, const rg_gql_pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = add_error(e, pos, false, fmt, ap);
    va_end(ap);
    return rc;
}

int rg_gql_errorposf(rg_gql_errs *e, const rg_gql_pos *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = add_error(e, pos, true, fmt, ap);
    va_end(ap);
    return rc;
}

int rg_gql_error_raw(rg_gql_errs *e, int code, const char *msg)
{
    if (!e->raw)
        e->raw = msg;
    return code;
}

int rg_gql_errs_string(const rg_gql_errs *e, ks_buf *out)
{
    if (e->oom)
        return ks_buf_puts(out, "out of memory");
    if (e->raw)
        return ks_buf_puts(out, e->raw);
    for (size_t i = 0; i < e->list.n; i++) {
        const rg_gql_err *er = e->list.v[i];
        ks_buf_puts(out, er->file && *er->file ? er->file : "input");
        if (er->has_loc)
            ks_buf_printf(out, ":%d:%d", er->line, er->col);
        ks_buf_puts(out, ": ");
        ks_buf_append(out, er->msg.s, er->msg.n);
        if (e->is_list)
            ks_buf_putc(out, '\n');
    }
    return out->err;
}

/* ---- a string map in the arena (open addressing, grows by doubling) ---- */

struct rg_gql_tmap {
    ks_arena *a;
    rg_gql_str *keys;
    void **vals;
    size_t cap, count;
};

rg_gql_tmap *rg_gql_tmap_new(ks_arena *a)
{
    rg_gql_tmap *m = ks_arena_calloc(a, 1, sizeof(*m));
    if (m)
        m->a = a;
    return m;
}

static size_t tmap_slot(const rg_gql_tmap *m, rg_gql_str key)
{
    size_t i = (size_t)ks_hash_bytes(key.s, key.n, 0) & (m->cap - 1);
    while (m->keys[i].s && !rg_gql_streq(m->keys[i], key))
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *rg_gql_tmap_get(const rg_gql_tmap *m, rg_gql_str key)
{
    if (!m || !m->cap)
        return NULL;
    size_t i = tmap_slot(m, key);
    return m->keys[i].s ? m->vals[i] : NULL;
}

int rg_gql_tmap_put(rg_gql_tmap *m, rg_gql_str key, void *val)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        rg_gql_str *keys = ks_arena_calloc(m->a, cap, sizeof(*keys));
        void **vals = ks_arena_calloc(m->a, cap, sizeof(*vals));
        if (!keys || !vals)
            return KS_ENOMEM;
        rg_gql_tmap old = *m;
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
        for (size_t i = 0; i < old.cap; i++) {
            if (old.keys[i].s) {
                size_t j = tmap_slot(m, old.keys[i]);
                m->keys[j] = old.keys[i];
                m->vals[j] = old.vals[i];
            }
        }
    }
    size_t i = tmap_slot(m, key);
    if (!m->keys[i].s) {
        m->keys[i] = key.s ? key : (rg_gql_str){"", 0};
        m->count++;
    }
    m->vals[i] = val;
    return 0;
}

/* ---- types ---- */

rg_gql_str rg_gql_type_name(const rg_gql_type *t)
{
    while (t && t->named.n == 0 && t->elem)
        t = t->elem;
    return t ? t->named : (rg_gql_str){"", 0};
}

void rg_gql_type_string(ks_buf *b, const rg_gql_type *t)
{
    if (!t) {
        ks_buf_puts(b, "<nil>");
        return;
    }
    if (t->named.n) {
        ks_buf_append(b, t->named.s, t->named.n);
    } else if (t->elem) {
        ks_buf_putc(b, '[');
        rg_gql_type_string(b, t->elem);
        ks_buf_putc(b, ']');
    } else {
        ks_buf_puts(b, "[]");
    }
    if (t->nonnull)
        ks_buf_putc(b, '!');
}

bool rg_gql_def_is(const rg_gql_def *d, const char *kind)
{
    return d && rg_gql_streq_c(d->kind, kind);
}

bool rg_gql_type_compatible(const rg_gql_type *t, const rg_gql_type *other)
{
    for (;;) {
        if (!t || !other || !rg_gql_streq(t->named, other->named))
            return false;
        if (t->elem && !other->elem)
            return false;
        if (t->elem && !rg_gql_type_compatible(t->elem, other->elem))
            return false;
        if (other->nonnull)
            return t->nonnull;
        return true;
    }
}

/* ---- Go's sort.Slice (pattern-defeating quicksort), reproduced step for
 * step: it is not stable, and messages list suggestions in its order ---- */

typedef struct gsort {
    rg_gql_str *items;
    size_t *keys;
} gsort;

static bool gs_less(const gsort *g, size_t i, size_t j)
{
    return g->keys[i] < g->keys[j];
}

static void gs_swap(const gsort *g, size_t i, size_t j)
{
    rg_gql_str t = g->items[i];
    g->items[i] = g->items[j];
    g->items[j] = t;
    size_t k = g->keys[i];
    g->keys[i] = g->keys[j];
    g->keys[j] = k;
}

static void gs_insertion(const gsort *g, size_t a, size_t b)
{
    for (size_t i = a + 1; i < b; i++)
        for (size_t j = i; j > a && gs_less(g, j, j - 1); j--)
            gs_swap(g, j, j - 1);
}

static void gs_sift_down(const gsort *g, size_t lo, size_t hi, size_t first)
{
    size_t root = lo;
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= hi)
            return;
        if (child + 1 < hi && gs_less(g, first + child, first + child + 1))
            child++;
        if (!gs_less(g, first + root, first + child))
            return;
        gs_swap(g, first + root, first + child);
        root = child;
    }
}

static void gs_heap(const gsort *g, size_t a, size_t b)
{
    size_t hi = b - a;
    for (size_t i = (hi - 1) / 2 + 1; i-- > 0;)
        gs_sift_down(g, i, hi, a);
    for (size_t i = hi; i-- > 0;) {
        gs_swap(g, a, a + i);
        gs_sift_down(g, 0, i, a);
    }
}

static size_t bit_len(size_t x)
{
    size_t n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

static void gs_break_patterns(const gsort *g, size_t a, size_t b)
{
    size_t len = b - a;
    if (len < 8)
        return;
    uint64_t random = len;
    size_t modulus = (size_t)1 << bit_len(len);
    for (size_t idx = a + (len / 4) * 2 - 1; idx <= a + (len / 4) * 2 + 1; idx++) {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        size_t other = (size_t)random & (modulus - 1);
        if (other >= len)
            other -= len;
        gs_swap(g, idx, a + other);
    }
}

static size_t gs_median(const gsort *g, size_t a, size_t b, size_t c, int *swaps)
{
    size_t t;
    if (gs_less(g, b, a)) {
        ++*swaps;
        t = a, a = b, b = t;
    }
    if (gs_less(g, c, b)) {
        ++*swaps;
        t = b, b = c, c = t;
    }
    if (gs_less(g, b, a)) {
        ++*swaps;
        t = a, a = b, b = t;
    }
    (void)c;
    return b;
}

enum { HINT_UNKNOWN, HINT_INCREASING, HINT_DECREASING };

static size_t gs_choose_pivot(const gsort *g, size_t a, size_t b, int *hint)
{
    size_t l = b - a;
    int swaps = 0;
    size_t i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
    if (l >= 8) {
        if (l >= 50) {
            i = gs_median(g, i - 1, i, i + 1, &swaps);
            j = gs_median(g, j - 1, j, j + 1, &swaps);
            k = gs_median(g, k - 1, k, k + 1, &swaps);
        }
        j = gs_median(g, i, j, k, &swaps);
    }
    *hint = swaps == 0 ? HINT_INCREASING : swaps == 12 ? HINT_DECREASING : HINT_UNKNOWN;
    return j;
}

static bool gs_partial_insertion(const gsort *g, size_t a, size_t b)
{
    size_t i = a + 1;
    for (int step = 0; step < 5; step++) {
        while (i < b && !gs_less(g, i, i - 1))
            i++;
        if (i == b)
            return true;
        if (b - a < 50)
            return false;
        gs_swap(g, i, i - 1);
        if (i - a >= 2)
            for (size_t j = i - 1; j >= 1 && gs_less(g, j, j - 1); j--)
                gs_swap(g, j, j - 1);
        if (b - i >= 2)
            for (size_t j = i + 1; j < b && gs_less(g, j, j - 1); j++)
                gs_swap(g, j, j - 1);
    }
    return false;
}

/* Elements equal to the pivot first, then greater ones. Indices are kept
 * signed as in Go: j may step below a. */
static size_t gs_partition_equal(const gsort *g, size_t a, size_t b, size_t pivot)
{
    gs_swap(g, a, pivot);
    ptrdiff_t i = (ptrdiff_t)a + 1, j = (ptrdiff_t)b - 1;
    for (;;) {
        while (i <= j && !gs_less(g, a, (size_t)i))
            i++;
        while (i <= j && gs_less(g, a, (size_t)j))
            j--;
        if (i > j)
            break;
        gs_swap(g, (size_t)i, (size_t)j);
        i++;
        j--;
    }
    return (size_t)i;
}

static size_t gs_partition(const gsort *g, size_t a, size_t b, size_t pivot, bool *already)
{
    gs_swap(g, a, pivot);
    ptrdiff_t i = (ptrdiff_t)a + 1, j = (ptrdiff_t)b - 1;
    while (i <= j && gs_less(g, (size_t)i, a))
        i++;
    while (i <= j && !gs_less(g, (size_t)j, a))
        j--;
    if (i > j) {
        gs_swap(g, (size_t)j, a);
        *already = true;
        return (size_t)j;
    }
    gs_swap(g, (size_t)i, (size_t)j);
    i++;
    j--;
    for (;;) {
        while (i <= j && gs_less(g, (size_t)i, a))
            i++;
        while (i <= j && !gs_less(g, (size_t)j, a))
            j--;
        if (i > j)
            break;
        gs_swap(g, (size_t)i, (size_t)j);
        i++;
        j--;
    }
    gs_swap(g, (size_t)j, a);
    *already = false;
    return (size_t)j;
}

static void gs_pdq(const gsort *g, size_t a, size_t b, size_t limit)
{
    bool was_balanced = true, was_partitioned = true;
    for (;;) {
        size_t len = b - a;
        if (len <= 12) {
            gs_insertion(g, a, b);
            return;
        }
        if (limit == 0) {
            gs_heap(g, a, b);
            return;
        }
        if (!was_balanced) {
            gs_break_patterns(g, a, b);
            limit--;
        }
        int hint;
        size_t pivot = gs_choose_pivot(g, a, b, &hint);
        if (hint == HINT_DECREASING) {
            for (size_t i = a, j = b - 1; i < j; i++, j--)
                gs_swap(g, i, j);
            pivot = (b - 1) - (pivot - a);
            hint = HINT_INCREASING;
        }
        if (was_balanced && was_partitioned && hint == HINT_INCREASING &&
            gs_partial_insertion(g, a, b))
            return;
        if (a > 0 && !gs_less(g, a - 1, pivot)) {
            a = gs_partition_equal(g, a, b, pivot);
            continue;
        }
        bool already;
        size_t mid = gs_partition(g, a, b, pivot, &already);
        was_partitioned = already;
        size_t left = mid - a, right = b - mid;
        size_t balance = len / 8;
        if (left < right) {
            was_balanced = left >= balance;
            gs_pdq(g, a, mid, limit);
            a = mid + 1;
        } else {
            was_balanced = right >= balance;
            gs_pdq(g, mid + 1, b, limit);
            b = mid;
        }
    }
}

void rg_gql_go_sort(rg_gql_str *items, size_t *keys, size_t n)
{
    gsort g = {items, keys};
    if (n > 1)
        gs_pdq(&g, 0, n, bit_len(n));
}
