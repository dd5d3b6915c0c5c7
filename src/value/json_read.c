/*
 * JSON reader: strict RFC 8259, building values straight into an arena.
 *
 * The hot path of the system (storage bodies, kube LIST pages, SBOMs), so it
 * is written for speed: one pass, no recursion (an explicit stack of open
 * containers), strings scanned 16 bytes at a time with SSE2, object keys
 * deduplicated through a small per-document cache, integers converted while
 * they are scanned. Objects are built here rather than by kv_object_new,
 * with the same result: every key is a string, so members are ordered by the
 * first eight bytes of their keys taken as one integer, and the bytes are
 * only compared when those are equal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ascii.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "value/value.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Slots of the key cache: one per 256 bytes of input within these bounds
 * (powers of two), so that a small document does not pay for a large
 * table and a large one does not thrash a small one. */
#define KEY_CACHE_MIN    256
#define KEY_CACHE_MAX    4096
#define KEY_CACHE_MAXLEN 64

typedef struct frame {
    size_t base;  /* first stack slot of this container */
    size_t start; /* offset of its opening bracket */
    bool is_obj;
} frame;

/* A cached key: its text in the input (which outlives the parse) and the
 * decoded copy in the arena that every occurrence shares. */
typedef struct key_slot {
    const unsigned char *raw;
    const char *s;
    uint64_t prefix; /* key_prefix of s */
    uint32_t rawlen, len;
} key_slot;

typedef struct parser {
    const unsigned char *start, *p, *end;
    ks_arena *a;
    ks_error *err;
    const char *source;
    size_t max_depth;
    enum kv_dup dup;
    kv_value *stk;
    uint64_t *prefix; /* beside stk: key_prefix of the keys on it */
    size_t sp, scap;
    frame *fr;
    size_t fp, fcap;
    key_slot *keys;  /* lazily allocated cache */
    size_t kmask;    /* its slot count - 1 */
    uint32_t *order; /* scratch for sorting members */
    size_t ocap;
} parser;

/* ---- errors ---- */

/* Errors are off the hot path and kept out of line; the scanning functions
 * on it are inlined into the parse loop (an eighth fewer instructions). */
#define COLD __attribute__((cold, noinline))
#define HOT  inline __attribute__((always_inline))

static int fail_at(parser *ps, int code, const unsigned char *at, const char *fmt, ...)
        __attribute__((format(printf, 4, 5))) COLD;

static int fail_at(parser *ps, int code, const unsigned char *at, const char *fmt, ...)
{
    if (!ps->err)
        return code;
    int line = 1;
    const unsigned char *ls = ps->start;
    for (const unsigned char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            line++;
            ls = q + 1;
        }
    }
    int col = (int)ks_utf8_count((const char *)ls, (size_t)(at - ls)) + 1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ks_error_at(ps->err, code, ps->source, line, col, (size_t)(at - ps->start), "%s", msg);
}

static COLD int fail_mem(parser *ps)
{
    return fail_at(ps, KS_ELIMIT, ps->p, "document exceeds the memory limit");
}

static const char *describe(parser *ps, const unsigned char *at, char buf[16])
{
    if (at >= ps->end)
        return "end of input";
    unsigned char c = *at;
    if (c >= 0x21 && c < 0x7f)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static COLD int fail_unexpected(parser *ps, const unsigned char *at, const char *wanted)
{
    char b[16];
    return fail_at(ps, KS_EPARSE, at, "unexpected %s, expected %s", describe(ps, at, b), wanted);
}

/* ---- scanning helpers ---- */

static const unsigned char is_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

static inline void skip_ws(parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end;
    while (p < end && is_ws[*p])
        p++;
    ps->p = p;
}

static inline int push(parser *ps, kv_value v)
{
    if (ps->sp == ps->scap) {
        size_t cap = ps->scap;
        ps->stk = ks_grow_array(ps->stk, &ps->scap, ps->sp + 1, sizeof(*ps->stk));
        ps->prefix = ks_grow_array(ps->prefix, &cap, ps->sp + 1, sizeof(*ps->prefix));
    }
    ps->stk[ps->sp++] = v;
    return 0;
}

/* ---- key bytes ---- */

static inline uint64_t load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static inline uint32_t load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BE64(x) (x)
#define BE32(x) (x)
#else
#define BE64(x) __builtin_bswap64(x)
#define BE32(x) __builtin_bswap32(x)
#endif

/* The first eight bytes of s[0..n) as a big-endian integer, zero-padded:
 * prefixes compare as integers the way the strings compare with memcmp.
 * Reads only s[0..n). */
static inline uint64_t key_prefix(const void *s, size_t n)
{
    const unsigned char *b = s;
    if (n >= 8)
        return BE64(load64(b));
    if (n >= 4) {
        uint64_t hi = BE32(load32(b)), lo = BE32(load32(b + n - 4));
        return (hi << 32) | (lo << (8 * (8 - n)));
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (56 - 8 * i);
    return v;
}

/* Whether a[0..n) and b[0..n) hold the same bytes. */
static inline bool bytes_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
    if (n >= 8) {
        if (load64(a) != load64(b) || load64(a + n - 8) != load64(b + n - 8))
            return false;
        return n <= 16 || memcmp(a + 8, b + 8, n - 16) == 0;
    }
    if (n >= 4)
        return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Hash of a key's text for the cache: its first and last eight bytes and
 * its length are enough to spread the keys of real documents. */
static inline uint64_t key_hash(const unsigned char *s, size_t n, uint64_t prefix)
{
    uint64_t tail = n > 8 ? load64(s + n - 8) : 0;
    __uint128_t r = (__uint128_t)(prefix ^ 0x9e3779b97f4a7c15ULL) *
                    (tail ^ (uint64_t)n ^ 0xd6e8feb86659fd93ULL);
    uint64_t h = (uint64_t)r ^ (uint64_t)(r >> 64);
    return h ^ (h >> 32);
}

/* ---- strings ---- */

/* Scans a string body from ps->p (after the quote) to the closing quote,
 * validating UTF-8 and control characters. Sets *len of the raw body and
 * *escaped when it holds backslashes; leaves ps->p after the closing
 * quote. */
static HOT int scan_string(parser *ps, size_t *len, bool *escaped)
{
    const unsigned char *s = ps->p, *p = s, *end = ps->end;
    bool esc = false;
    for (;;) {
#ifdef __SSE2__
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i bslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(0x20);
        while (p + 16 <= end) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            /* Signed compare: bytes >= 0x80 are negative, so one test
             * catches control characters and non-ASCII. */
            __m128i hit =
                    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
            int mask = _mm_movemask_epi8(hit);
            if (mask) {
                p += __builtin_ctz((unsigned)mask);
                goto special;
            }
            p += 16;
        }
#endif
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
            p++;
#ifdef __SSE2__
    special:
#endif
        if (p >= end)
            return fail_at(ps, KS_EPARSE, s - 1, "unterminated string");
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            esc = true;
            if (p + 1 < end && p[1] >= 0x80) /* not an escape, and not to be skipped */
                return fail_at(ps, KS_EPARSE, p, "invalid escape in string");
            p += 2; /* the escape is checked when it is decoded */
            if (p > end)
                return fail_at(ps, KS_EPARSE, s - 1, "unterminated string");
            continue;
        }
        if (c < 0x20)
            return fail_at(ps, KS_EPARSE, p, "control character 0x%02x in string (must be escaped)",
                           c);
        uint32_t cp;
        size_t n = ks_utf8_decode(p, (size_t)(end - p), &cp);
        if (n == 0)
            return fail_at(ps, KS_EPARSE, p, "invalid UTF-8 in string");
        p += n;
    }
    *len = (size_t)(p - s);
    *escaped = esc;
    ps->p = p + 1;
    return 0;
}

static bool hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
    if (end - p < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = ks_hexval(p[i]);
        if (h < 0)
            return false;
        v = (v << 4) | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* Decodes the escapes of a scanned body into dst (room for len bytes: the
 * decoded form is never longer). Returns the decoded length or -1. */
static long unescape(parser *ps, const unsigned char *s, size_t len, char *dst)
{
    const unsigned char *p = s, *end = s + len;
    char *w = dst;
    while (p < end) {
        const unsigned char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs)
            bs = end;
        memcpy(w, p, (size_t)(bs - p));
        w += bs - p;
        p = bs;
        if (p >= end)
            break;
        unsigned char e = p[1];
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!hex4(p + 2, end, &cp)) {
                fail_at(ps, KS_EPARSE, p, "invalid \\u escape (needs four hex digits)");
                return -1;
            }
            p += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, end, &lo) &&
                    lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                } else {
                    cp = 0xFFFD; /* lone high surrogate, as Go decodes it */
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* lone low surrogate */
            }
            /* A 6-byte escape decodes to at most 4 bytes, a 12-byte pair to
             * 4, and U+FFFD to 3: the output never passes the input. */
            w += ks_utf8_encode(cp, w);
            continue;
        }
        default: {
            char b[16];
            fail_at(ps, KS_EPARSE, p, "invalid escape \\%s in string",
                    e >= 0x21 && e < 0x7f ? (snprintf(b, sizeof(b), "%c", e), b) : "?");
            return -1;
        }
        }
        p += 2;
    }
    return w - dst;
}

/* Copies the scanned body s[0..len) into the arena, decoding its escapes. */
static int string_copy(parser *ps, const unsigned char *s, size_t len, bool escaped, kv_value *out)
{
    if (len > KV_MAX_LEN)
        return fail_at(ps, KS_ELIMIT, s - 1, "string longer than %u bytes", KV_MAX_LEN);
    char *dst = ks_arena_alloc_bytes(ps->a, len + 1);
    if (!dst)
        return fail_mem(ps);
    size_t n = len;
    if (escaped) {
        long r = unescape(ps, s, len, dst);
        if (r < 0)
            return ps->err ? ps->err->code : KS_EPARSE;
        n = (size_t)r;
    } else {
        memcpy(dst, s, len);
    }
    dst[n] = '\0';
    *out = kv_str_ref(dst, n);
    return 0;
}

/* A string value from ps->p (after the quote). */
static int parse_string(parser *ps, kv_value *out)
{
    const unsigned char *s = ps->p;
    size_t len = 0;
    bool escaped = false;
    int rc = scan_string(ps, &len, &escaped);
    if (rc)
        return rc;
    return string_copy(ps, s, len, escaped, out);
}

/* An object key from ps->p (after the quote), pushed with its prefix. Keys
 * of up to KEY_CACHE_MAXLEN bytes of text share one copy per distinct text
 * while it stays in the cache. */
static HOT int parse_key_string(parser *ps)
{
    const unsigned char *s = ps->p;
    size_t len = 0;
    bool escaped = false;
    int rc = scan_string(ps, &len, &escaped);
    if (rc)
        return rc;
    kv_value k;
    uint64_t prefix;
    if (len <= KEY_CACHE_MAXLEN) {
        if (!ps->keys) {
            size_t slots = KEY_CACHE_MIN, input = (size_t)(ps->end - ps->start);
            while (slots < KEY_CACHE_MAX && slots * 256 < input)
                slots *= 2;
            ps->keys = ks_xcalloc(slots, sizeof(key_slot));
            ps->kmask = slots - 1;
        }
        uint64_t raw_prefix = key_prefix(s, len);
        key_slot *slot = &ps->keys[key_hash(s, len, raw_prefix) & ps->kmask];
        if (slot->raw && slot->rawlen == len && bytes_equal(slot->raw, s, len)) {
            k = kv_str_ref(slot->s, slot->len);
            prefix = slot->prefix;
        } else {
            if ((rc = string_copy(ps, s, len, escaped, &k)))
                return rc;
            prefix = escaped ? key_prefix(k.u.s, k.len) : raw_prefix;
            *slot = (key_slot){
                    .raw = s, .s = k.u.s, .prefix = prefix, .rawlen = (uint32_t)len, .len = k.len};
        }
    } else {
        if ((rc = string_copy(ps, s, len, escaped, &k)))
            return rc;
        prefix = key_prefix(k.u.s, k.len);
    }
    push(ps, k);
    ps->prefix[ps->sp - 1] = prefix;
    return 0;
}

/* ---- numbers ---- */

static int parse_number(parser *ps, kv_value *out)
{
    const unsigned char *s = ps->p, *p = s, *end = ps->end;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9')
        return fail_unexpected(ps, p, "a digit");
    int64_t v = 0;
    const unsigned char *digits = p;
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9')
            return fail_at(ps, KS_EPARSE, s, "number with a leading zero");
    } else {
        while (p < end && *p >= '0' && *p <= '9' && p - digits < 18)
            v = v * 10 + (*p++ - '0');
    }
    if (p >= end || (*p != '.' && *p != 'e' && *p != 'E' && (*p < '0' || *p > '9'))) {
        ps->p = p;
        *out = kv_int(neg ? -v : v);
        return 0;
    }
    /* Fractions, exponents and long integers take the exact path. */
    while (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
                       *p == '+' || *p == '-'))
        p++;
    int rc = kv_number_parse(ps->a, (const char *)s, (size_t)(p - s), out);
    if (rc == KS_EPARSE)
        return fail_at(ps, KS_EPARSE, s, "malformed number");
    if (rc == KS_ERANGE)
        return fail_at(ps, KS_ERANGE, s, "number out of range (decimal exponent beyond 1e9)");
    if (rc)
        return fail_mem(ps);
    ps->p = p;
    return 0;
}

/* ---- containers ---- */

static int open_frame(parser *ps, bool is_obj)
{
    if (ps->fp >= ps->max_depth)
        return fail_at(ps, KS_ELIMIT, ps->p, "nesting deeper than %zu levels", ps->max_depth);
    if (ps->fp == ps->fcap)
        ps->fr = ks_grow_array(ps->fr, &ps->fcap, ps->fp + 1, sizeof(*ps->fr));
    ps->fr[ps->fp++] =
            (frame){.base = ps->sp, .start = (size_t)(ps->p - ps->start), .is_obj = is_obj};
    ps->p++;
    return 0;
}

/* Order of the keys of members a and b of the object whose members start
 * at stk, with their prefixes at prefix: kv_compare on strings, decided by
 * the prefixes unless they are equal. */
static inline int member_cmp(const kv_value *stk, const uint64_t *prefix, size_t a, size_t b)
{
    uint64_t pa = prefix[2 * a], pb = prefix[2 * b];
    if (pa != pb)
        return pa < pb ? -1 : 1;
    const kv_value *ka = &stk[2 * a], *kb = &stk[2 * b];
    size_t la = ka->len, lb = kb->len;
    /* Equal prefixes: the first min(la, lb, 8) bytes are equal. */
    if (la > 8 && lb > 8 && ka->u.s != kb->u.s) {
        int c = memcmp(ka->u.s + 8, kb->u.s + 8, (la < lb ? la : lb) - 8);
        if (c)
            return c < 0 ? -1 : 1;
    }
    return (la > lb) - (la < lb);
}

/* Stable sort of the member indexes ord[0..n), with tmp[0..n) as scratch:
 * insertion sort for the small objects of real documents, merge sort
 * beyond. */
static void sort_members(const kv_value *stk, const uint64_t *prefix, uint32_t *ord, uint32_t *tmp,
                         size_t n)
{
    if (n <= 24) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = ord[i];
            size_t j = i;
            while (j > 0 && member_cmp(stk, prefix, ord[j - 1], x) > 0) {
                ord[j] = ord[j - 1];
                j--;
            }
            ord[j] = x;
        }
        return;
    }
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = member_cmp(stk, prefix, ord[b], ord[a]) < 0 ? ord[b++] : ord[a++];
            while (a < mid)
                tmp[k++] = ord[a++];
            while (b < hi)
                tmp[k++] = ord[b++];
        }
        memcpy(ord, tmp, n * sizeof(*ord));
    }
}

/* Where key (decoded) occurs for the second time among the keys of the
 * object whose text starts at obj ('{', already parsed and valid): for
 * pointing a duplicate-key error at the duplicate. Error path only. */
static COLD const unsigned char *second_key(parser *ps, const unsigned char *obj,
                                            const kv_value *key)
{
    const unsigned char *p = obj + 1, *end = ps->end;
    int depth = 1, seen = 0;
    bool want_key = true; /* after '{' or ',' at depth 1 */
    while (p < end && depth > 0) {
        unsigned char c = *p;
        if (c == '"') {
            const unsigned char *s = ++p;
            bool esc = false;
            while (p < end && *p != '"') {
                esc |= *p == '\\';
                p += *p == '\\' ? 2 : 1;
            }
            if (depth == 1 && want_key) {
                size_t n = (size_t)(p - s);
                bool same;
                if (!esc) {
                    same = n == key->len && memcmp(s, key->u.s, n) == 0;
                } else {
                    char *tmp = ks_xmalloc(n + 1);
                    long m = unescape(ps, s, n, tmp);
                    same = m == (long)key->len && memcmp(tmp, key->u.s, (size_t)m) == 0;
                    ks_xfree(tmp);
                }
                if (same && ++seen == 2)
                    return s - 1;
                want_key = false;
            }
            p++;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        else if (c == ',' && depth == 1)
            want_key = true;
        p++;
    }
    return obj;
}

/* The object of the members on the stack from f->base: sorted by key,
 * duplicate keys treated as ps->dup says, as kv_object_new does. */
static int build_object(parser *ps, const frame *f, kv_value *out)
{
    size_t n = (ps->sp - f->base) / 2;
    if (n == 0) { /* the stack may not even be allocated yet */
        *out = (kv_value){.kind = KV_OBJECT};
        return 0;
    }
    if (n > KV_MAX_LEN)
        return fail_mem(ps);
    const kv_value *stk = &ps->stk[f->base];
    const uint64_t *prefix = &ps->prefix[f->base];
    kv_member *m = ks_arena_alloc(ps->a, n * sizeof(*m));
    if (!m)
        return fail_mem(ps);

    /* Keys in order and distinct, as in canonical JSON: copy as they are. */
    size_t i = 1;
    while (i < n && member_cmp(stk, prefix, i - 1, i) < 0)
        i++;
    if (i == n) {
        memcpy(m, stk, n * sizeof(*m));
        *out = (kv_value){.kind = KV_OBJECT, .len = (uint32_t)n, .u.members = m};
        return 0;
    }

    if (2 * n > ps->ocap)
        ps->order = ks_grow_array(ps->order, &ps->ocap, 2 * n, sizeof(*ps->order));
    uint32_t *ord = ps->order;
    for (size_t k = 0; k < n; k++)
        ord[k] = (uint32_t)k;
    sort_members(stk, prefix, ord, ord + n, n);

    /* Equal keys are now adjacent, in input order. */
    size_t w = 0;
    for (size_t r = 0; r < n; r++) {
        const kv_member *src = (const kv_member *)(const void *)&stk[2 * (size_t)ord[r]];
        if (w > 0 && member_cmp(stk, prefix, ord[r - 1], ord[r]) == 0) {
            if (ps->dup == KV_DUP_ERROR)
                return fail_at(ps, KS_EPARSE, second_key(ps, ps->start + f->start, &src->key),
                               "duplicate key \"%.*s\" in object",
                               (int)(src->key.len > 100 ? 100 : src->key.len), src->key.u.s);
            if (ps->dup == KV_DUP_LAST_WINS)
                m[w - 1] = *src;
            continue;
        }
        m[w++] = *src;
    }
    *out = (kv_value){.kind = KV_OBJECT, .len = (uint32_t)w, .u.members = m};
    return 0;
}

static int close_frame(parser *ps)
{
    frame f = ps->fr[--ps->fp];
    size_t count = ps->sp - f.base;
    kv_value v;
    if (f.is_obj) {
        int rc = build_object(ps, &f, &v);
        if (rc)
            return rc;
    } else {
        /* The stack is not allocated until the first value is pushed. */
        const kv_value *items = count ? &ps->stk[f.base] : NULL;
        if (kv_array_new(ps->a, items, count, &v))
            return fail_mem(ps);
    }
    ps->sp = f.base;
    ps->p++;
    return push(ps, v);
}

/* An empty object or array at ps->p ('{' or '['): pushed without a frame,
 * ps->p left after it. Half of the objects of a Kubernetes list are the
 * empty ones of managedFields. The depth limit applies as to any other. */
static bool empty_container(parser *ps, unsigned char close)
{
    const unsigned char *q = ps->p + 1;
    while (q < ps->end && is_ws[*q])
        q++;
    if (q >= ps->end || *q != close || ps->fp >= ps->max_depth)
        return false;
    ps->p = q + 1;
    push(ps, (kv_value){.kind = close == '}' ? KV_OBJECT : KV_ARRAY});
    return true;
}

static HOT int parse_key(parser *ps)
{
    if (ps->p >= ps->end || *ps->p != '"')
        return fail_unexpected(ps, ps->p, "a string key");
    ps->p++;
    int rc = parse_key_string(ps);
    if (rc)
        return rc;
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':')
        return fail_unexpected(ps, ps->p, "':' after object key");
    ps->p++;
    return 0;
}

/* true, false or null: the word n bytes long, pushed as v. */
static inline int literal(parser *ps, const char *word, size_t n, kv_value v)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail_unexpected(ps, ps->p, "a value");
    ps->p += n;
    push(ps, v);
    return 0;
}

/* Parses one value at ps->p into ps->stk[0]. */
static int parse_root(parser *ps)
{
    int rc;
    for (;;) {
        /* A value. */
        skip_ws(ps);
        if (ps->p >= ps->end)
            return fail_unexpected(ps, ps->p, "a value");
        switch (*ps->p) {
        case '{':
        case '[': {
            bool is_obj = *ps->p == '{';
            unsigned char close = is_obj ? '}' : ']';
            if (empty_container(ps, close))
                break;
            if ((rc = open_frame(ps, is_obj)))
                return rc;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == close) {
                if ((rc = close_frame(ps)))
                    return rc;
                break;
            }
            if (is_obj && (rc = parse_key(ps)))
                return rc;
            continue;
        }
        case '"': {
            ps->p++;
            kv_value v;
            if ((rc = parse_string(ps, &v)))
                return rc;
            push(ps, v);
            break;
        }
        case 't':
            if ((rc = literal(ps, "true", 4, kv_bool(true))))
                return rc;
            break;
        case 'f':
            if ((rc = literal(ps, "false", 5, kv_bool(false))))
                return rc;
            break;
        case 'n':
            if ((rc = literal(ps, "null", 4, kv_null())))
                return rc;
            break;
        default:
            if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
                kv_value v;
                if ((rc = parse_number(ps, &v)))
                    return rc;
                push(ps, v);
                break;
            }
            return fail_unexpected(ps, ps->p, "a value");
        }

        /* After a value: close containers or move to the next element. */
        for (;;) {
            if (ps->fp == 0)
                return 0;
            skip_ws(ps);
            if (ps->p >= ps->end)
                return fail_at(ps, KS_EPARSE, ps->p,
                               "unexpected end of input in %s opened at "
                               "offset %zu",
                               ps->fr[ps->fp - 1].is_obj ? "object" : "array",
                               ps->fr[ps->fp - 1].start);
            unsigned char c = *ps->p;
            if (ps->fr[ps->fp - 1].is_obj) {
                if (c == ',') {
                    ps->p++;
                    skip_ws(ps);
                    if ((rc = parse_key(ps)))
                        return rc;
                    break;
                }
                if (c == '}') {
                    if ((rc = close_frame(ps)))
                        return rc;
                    continue;
                }
                return fail_unexpected(ps, ps->p, "',' or '}' in object");
            }
            if (c == ',') {
                ps->p++;
                break;
            }
            if (c == ']') {
                if ((rc = close_frame(ps)))
                    return rc;
                continue;
            }
            return fail_unexpected(ps, ps->p, "',' or ']' in array");
        }
    }
}

static void parser_init(parser *ps, ks_arena *a, const char *src, size_t n, const kv_json_opts *o,
                        ks_error *err)
{
    memset(ps, 0, sizeof(*ps));
    ps->start = (const unsigned char *)src;
    ps->p = ps->start;
    ps->end = ps->start + n;
    ps->a = a;
    ps->err = err;
    ps->source = o ? o->source : NULL;
    ps->max_depth = o && o->max_depth ? o->max_depth : KV_DEFAULT_MAX_DEPTH;
    ps->dup = o ? o->dup : KV_DUP_LAST_WINS;
}

static void parser_free(parser *ps)
{
    ks_xfree(ps->stk);
    ks_xfree(ps->prefix);
    ks_xfree(ps->fr);
    ks_xfree(ps->keys);
    ks_xfree(ps->order);
}

static int check_input(parser *ps, const kv_json_opts *o, size_t n)
{
    if (o && o->max_size && n > o->max_size)
        return fail_at(ps, KS_ELIMIT, ps->start, "input is %zu bytes, more than the limit of %zu",
                       n, o->max_size);
    if (n >= 3 && ps->start[0] == 0xEF && ps->start[1] == 0xBB && ps->start[2] == 0xBF)
        return fail_at(ps, KS_EPARSE, ps->start, "byte order mark is not allowed in JSON");
    return 0;
}

int kv_json_parse(ks_arena *a, const char *src, size_t n, const kv_json_opts *opts, kv_value *out,
                  ks_error *err)
{
    parser ps;
    parser_init(&ps, a, src, n, opts, err);
    int rc = check_input(&ps, opts, n);
    if (rc == 0)
        rc = parse_root(&ps);
    if (rc == 0) {
        skip_ws(&ps);
        if (ps.p < ps.end)
            rc = fail_unexpected(&ps, ps.p, "end of input after the JSON value");
    }
    if (rc == 0)
        *out = ps.stk[0];
    parser_free(&ps);
    return rc;
}

int kv_json_parse_next(ks_arena *a, const char *src, size_t n, size_t *pos,
                       const kv_json_opts *opts, kv_value *out, ks_error *err)
{
    parser ps;
    parser_init(&ps, a, src, n, opts, err);
    int rc = *pos == 0 ? check_input(&ps, opts, n) : 0;
    ps.p = ps.start + *pos;
    skip_ws(&ps);
    if (rc == 0 && ps.p >= ps.end) {
        *pos = n;
        parser_free(&ps);
        return KS_ENOENT;
    }
    if (rc == 0)
        rc = parse_root(&ps);
    if (rc == 0) {
        *out = ps.stk[0];
        skip_ws(&ps);
        *pos = (size_t)(ps.p - ps.start);
    }
    parser_free(&ps);
    return rc;
}
