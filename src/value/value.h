/*
 * The value model: every Kubernetes object, policy input, rule result and
 * SBOM flows through the system as a kv_value tree.
 *
 * Kinds, in the canonical order Rego uses to compare values of different
 * kinds: null < boolean < number < string < array < object < set.
 *
 * - Numbers are decimal values. Each has one canonical representation: an
 *   exact int64 when the value is an integer in range (1, 1.0 and 1e0 are
 *   all the int 1); otherwise a double when the double's shortest decimal
 *   form is exactly the value (0.5, 1.25, 1e300); otherwise the decimal
 *   text itself (12345678901234567890, 0.1000000000000000000001, 1e400),
 *   with a double approximation beside it. Equality and ordering are
 *   numeric and exact on that decimal value.
 * - Strings carry their length and may hold any bytes.
 * - Objects keep their members sorted by key (with kv_compare), so iteration
 *   and output are deterministic; keys are usually strings but may be any
 *   value (Rego allows it). Sets are sorted and free of duplicates; they
 *   serialise as JSON arrays.
 *
 * Ownership: values are immutable once built and live in the arena that was
 * passed to whatever built them; freeing the arena frees them. A kv_value is
 * 16 bytes and is passed by pointer or copied freely. Containers point at
 * their items; nothing is reference-counted.
 *
 * Errors: constructors that allocate return NULL / KS_ENOMEM or KS_ELIMIT
 * when the arena is at its limit. Thread-safety: built values may be read
 * from any number of threads; building uses one arena, so one thread.
 */
#ifndef KS_VALUE_VALUE_H
#define KS_VALUE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"

typedef enum kv_kind {
    KV_NULL = 0,
    KV_BOOL,
    KV_NUMBER,
    KV_STRING,
    KV_ARRAY,
    KV_OBJECT,
    KV_SET,
} kv_kind;

/* Representation of a number (kv_value.sub). */
enum kv_num_repr { KV_NUM_INT, KV_NUM_DOUBLE, KV_NUM_DECIMAL };

/* Number flags (kv_value.flags): how the number was written, which some
 * consumers must reproduce although the value is the same (OPA's sprintf
 * formats 1.0 as a float64 and 1 as an int64). Equality, ordering and
 * hashing ignore flags. */
enum { KV_NUMF_FLOAT = 1 << 0 /* written with a fraction or an exponent */ };

typedef struct kv_value kv_value;
typedef struct kv_member kv_member;

/* A number kept as its decimal text: value = (neg ? -1 : 1) x 0.DIGITS x
 * 10^exp. text is the original JSON number text; the normalised digits
 * follow its NUL (kv_decimal_digits). */
typedef struct kv_decimal {
    double approx; /* nearest double; may be infinite, or 0 by underflow */
    int64_t exp;
    uint32_t len;     /* of text */
    uint32_t ndigits; /* of the digits, no leading or trailing zeros */
    bool neg;
    char text[];
} kv_decimal;

static inline const char *kv_decimal_digits(const kv_decimal *d)
{
    return d->text + d->len + 1;
}

struct kv_value {
    uint8_t kind;   /* kv_kind */
    uint8_t sub;    /* kv_num_repr for numbers */
    uint16_t flags; /* KV_NUMF_* for numbers; otherwise 0 */
    uint32_t len;   /* string bytes; array, set or object element count */
    union {
        bool b;
        int64_t i;
        double d;
        const kv_decimal *dec;
        const char *s; /* NUL-terminated after len bytes */
        const kv_value *items;
        const kv_member *members;
    } u;
};

struct kv_member {
    kv_value key;
    kv_value val;
};

/* Largest string, array or object a value can hold (len is 32 bits). */
#define KV_MAX_LEN UINT32_MAX

/* ---- scalars (no allocation unless said) ---- */

static inline kv_value kv_null(void)
{
    return (kv_value){.kind = KV_NULL};
}

static inline kv_value kv_bool(bool b)
{
    return (kv_value){.kind = KV_BOOL, .u.b = b};
}

static inline kv_value kv_int(int64_t i)
{
    return (kv_value){.kind = KV_NUMBER, .sub = KV_NUM_INT, .u.i = i};
}

/* A number from a double; integral values in int64 range become ints.
 * d must be finite (JSON and Rego have no NaN or infinities). */
kv_value kv_double(double d);

/* A string pointing at s, which must be NUL-terminated after n bytes and
 * outlive the value (a literal, arena memory). */
static inline kv_value kv_str_ref(const char *s, size_t n)
{
    return (kv_value){.kind = KV_STRING, .len = (uint32_t)n, .u.s = s};
}

/* A string copied into the arena. 0, or KS_ELIMIT (arena limit or n past
 * KV_MAX_LEN). */
int kv_str_copy(ks_arena *a, const char *s, size_t n, kv_value *out);

/* A number from JSON number text ("-12.5e3"), in its canonical
 * representation. KS_EPARSE when the text is not a JSON number, KS_ERANGE
 * when its magnitude is beyond 10^(+-1e9) (refused, never rounded). */
int kv_number_parse(ks_arena *a, const char *s, size_t n, kv_value *out);

/* ---- containers ---- */

/* An array of copies of items[0..n). */
int kv_array_new(ks_arena *a, const kv_value *items, size_t n, kv_value *out);

/* How kv_object_new treats a key given more than once. */
enum kv_dup { KV_DUP_LAST_WINS, KV_DUP_FIRST_WINS, KV_DUP_ERROR };

/* An object of copies of members[0..n), sorted by key. With KV_DUP_ERROR a
 * key given twice fails with KS_EEXIST and the key in *dup_key (if not
 * NULL). */
int kv_object_new(ks_arena *a, const kv_member *members, size_t n, enum kv_dup dup, kv_value *out,
                  kv_value *dup_key);

/* A set of copies of items[0..n): sorted, duplicates dropped. */
int kv_set_new(ks_arena *a, const kv_value *items, size_t n, kv_value *out);

/* ---- access ---- */

static inline kv_kind kv_kind_of(const kv_value *v)
{
    return (kv_kind)v->kind;
}

const char *kv_kind_name(kv_kind k);

/* Member value for a string key, or NULL (binary search). */
const kv_value *kv_obj_get(const kv_value *obj, const char *key, size_t n);
/* The string member key of obj, or NULL when obj is NULL or not an object,
 * or the member is missing or not a string. */
const char *kv_obj_str(const kv_value *obj, const char *key);
/* Member value for any key, or NULL. */
const kv_value *kv_obj_get_value(const kv_value *obj, const kv_value *key);
/* Array or set element, or NULL when out of range. */
const kv_value *kv_arr_at(const kv_value *arr, size_t i);
/* Whether a set contains v. */
bool kv_set_has(const kv_value *set, const kv_value *v);

/* The number as a double (nearest for decimals). */
double kv_num_double(const kv_value *v);
/* True and *out when the number is an integer that fits int64. */
bool kv_num_int64(const kv_value *v, int64_t *out);

/* Decimal digits of a number: the value is (neg ? -1 : 1) x 0.DIGITS x
 * 10^exp, DIGITS without leading or trailing zeros; zero is "0" with exp 0.
 * digits points into out->buf or into the value. */
#define KV_NUM_DIGITS_MAX 32
typedef struct kv_numdigits {
    bool neg;
    int64_t exp;
    size_t ndigits;
    const char *digits;
    char buf[KV_NUM_DIGITS_MAX];
} kv_numdigits;
void kv_num_digits(const kv_value *v, kv_numdigits *out);

/* ---- comparison ---- */

bool kv_equal(const kv_value *a, const kv_value *b);
/* Rego's total order: negative, zero or positive. */
int kv_compare(const kv_value *a, const kv_value *b);
/* Hash consistent with kv_equal (equal values hash equally). */
uint64_t kv_hash(const kv_value *v);

/* ---- paths ---- */

/* Follows a dotted path with [index] steps: "spec.containers[0].image".
 * A key containing '.', '[' or '\\' is written with a backslash before
 * those characters. NULL when any step is missing. */
const kv_value *kv_path(const kv_value *v, const char *path);
/* RFC 6901 JSON pointer: "/spec/containers/0/image", "" is the root. */
const kv_value *kv_pointer(const kv_value *v, const char *ptr, size_t n);
/* Steps given as values: strings step into objects, numbers into arrays
 * (and any value into objects with non-string keys). */
const kv_value *kv_lookup(const kv_value *v, const kv_value *steps, size_t n);

/* ---- building from another value ---- */

/* obj with member key set to *val (replaced or added), or removed when val
 * is NULL; obj NULL or not an object counts as {}. Members are shared with
 * obj (values are immutable). 0 or KS_ELIMIT. */
int kv_obj_with(ks_arena *a, const kv_value *obj, const char *key, size_t n, const kv_value *val,
                kv_value *out);
/* The same for a key of any kind, used as given (it must outlive out). */
int kv_obj_set(ks_arena *a, const kv_value *obj, const kv_value *key, const kv_value *val,
               kv_value *out);

/* ---- canonical hash ---- */

/* The order-insensitive SHA-256 of a JSON value that Kubescape storage
 * writes as kubescape.io/sync-checksum and its synchronizer compares
 * (spec/storage.md §11.6): object members whose path (".a.b" from the root;
 * array elements keep their array's path) is in excluded are left out.
 * out: 64 lowercase hex digits and a NUL. 0, KS_ENOMEM or KS_ELIMIT. */
int kv_json_hash(const kv_value *v, const char *const *excluded, size_t nexcluded, char out[65]);

/* ---- copying ---- */

/* Deep copy of v into arena a (for moving a value out of a short-lived
 * arena). */
int kv_clone(ks_arena *a, const kv_value *v, kv_value *out);

/* ---- JSON ---- */

#define KV_DEFAULT_MAX_DEPTH 1000

typedef struct kv_json_opts {
    size_t max_depth;   /* nesting of arrays and objects; 0: KV_DEFAULT_MAX_DEPTH */
    size_t max_size;    /* input bytes; 0: no limit (the arena's limit still holds) */
    enum kv_dup dup;    /* duplicate keys; default last wins, as Go's decoder */
    const char *source; /* input name for errors */
} kv_json_opts;

/* Parses one JSON text (RFC 8259, strict: UTF-8 validated, no BOM, no
 * trailing content). opts may be NULL. Errors carry line, column and byte
 * offset. Lone UTF-16 surrogates in \u escapes become U+FFFD, as in Go. */
int kv_json_parse(ks_arena *a, const char *src, size_t n, const kv_json_opts *opts, kv_value *out,
                  ks_error *err);

/* Parses the next JSON text of a stream of concatenated or whitespace-
 * separated texts, starting at *pos and leaving *pos after it and the
 * whitespace that follows. Returns 0, KS_ENOENT at the end of the input,
 * or an error positioned relative to src. */
int kv_json_parse_next(ks_arena *a, const char *src, size_t n, size_t *pos,
                       const kv_json_opts *opts, kv_value *out, ks_error *err);

enum {
    KV_JSON_PRETTY = 1 << 0,      /* indented, two spaces (or KV_JSON_INDENT) */
    KV_JSON_CANONICAL = 1 << 1,   /* compact; decimals normalised: byte-stable for hashing */
    KV_JSON_ESCAPE_HTML = 1 << 2, /* escape < > & as Go's json.Marshal does by default */
};
/* Pretty output with n spaces per level (1..16). */
#define KV_JSON_INDENT(n) (KV_JSON_PRETTY | ((unsigned)(n) << 8))
/* Pretty output that starts d levels deep (for a value inside hand-written
 * surrounding JSON): combine with KV_JSON_PRETTY or KV_JSON_INDENT. */
#define KV_JSON_DEPTH(d) (((unsigned)(d)&0xff) << 16)

/* Appends v as JSON, with Go encoding/json conventions: strings quoted as Go
 * does, numbers as Go formats them, sets as arrays, non-string object keys
 * as their JSON text. KS_EINVAL for a non-finite number; KS_ELIMIT for
 * nesting deeper than 10000 levels or when the buffer is full. Nothing is
 * appended on error. Iterative: deep values need no stack. */
int kv_json_write(ks_buf *out, const kv_value *v, unsigned flags);

/* ---- YAML ---- */

enum {
    /* Resolve as go-yaml v2 / sigs.k8s.io/yaml (kubectl, the API server):
     * y/n/yes/no/on/off are booleans and timestamps stay as written. By
     * default scalars resolve as go-yaml v3 (upstream Kubescape's reader):
     * YAML 1.2 core schema, timestamps as RFC 3339 strings. */
    KV_YAML_BOOL11 = 1 << 0,
    KV_YAML_DUP_LAST_WINS = 1 << 1, /* duplicate keys: last wins instead of an error */
};

typedef struct kv_yaml_opts {
    size_t max_depth;       /* 0: KV_DEFAULT_MAX_DEPTH */
    size_t max_size;        /* input bytes; 0: no limit */
    size_t max_alias_nodes; /* nodes aliases may add to one document; 0: 1,000,000 */
    unsigned flags;
    const char *source;
} kv_yaml_opts;

typedef struct kv_yaml_doc {
    size_t index; /* 0-based position in the stream */
    int line;     /* 1-based line where the document starts */
    bool empty;   /* no content at all ("---" alone); the value is null */
} kv_yaml_doc;

/* Called for each document of a stream. Return 0 to go on, KV_YAML_RELEASE
 * to go on and give the document's memory back to the arena (the value must
 * not be used afterwards), or a negative code to stop with that error. */
#define KV_YAML_RELEASE 1
typedef int (*kv_yaml_doc_fn)(void *ctx, const kv_value *doc, const kv_yaml_doc *info);

/* Reads a YAML stream the way Kubernetes tools read manifests: YAML 1.2 core
 * schema, anchors and aliases (bounded by max_alias_nodes, so an expansion
 * bomb is an error), merge keys (<<), scalar keys converted to strings,
 * integers beyond 64 bits kept exact. Errors carry line and column. */
int kv_yaml_parse_stream(ks_arena *a, const char *src, size_t n, const kv_yaml_opts *opts,
                         kv_yaml_doc_fn fn, void *ctx, ks_error *err);

/* The first document of src (null for an empty stream); later documents are
 * not read. */
int kv_yaml_parse(ks_arena *a, const char *src, size_t n, const kv_yaml_opts *opts, kv_value *out,
                  ks_error *err);

/* Appends v as block-style YAML the way kubectl -o yaml writes it: two-space
 * indentation, sequences at their key's indentation, strings quoted only
 * where they would otherwise read back as something else. Sets are written
 * as sequences; strings that are not UTF-8 as !!binary (base64), as go-yaml
 * writes them. */
int kv_yaml_write(ks_buf *out, const kv_value *v, unsigned flags);
/* (KS_ELIMIT when indentation would pass 2000 columns, about 1000 levels of
 * mappings: deeper YAML output grows quadratically.) */

#endif
