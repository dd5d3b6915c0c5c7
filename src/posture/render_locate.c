/*
 * Where a Kubescape path ("spec.template.spec.containers[0].image") lies in
 * a manifest's YAML text, for SARIF locations. The text is read once into a
 * flat index of nodes (position, key or sequence index, scalar text) from
 * libfyaml's event stream, so deep or hostile input costs no recursion, and
 * each path is then a walk down the index.
 *
 * Positions follow the upstream resolver (a yq query over gopkg.in/yaml.v3
 * nodes): a mapping or sequence is where its first key or entry starts, a
 * scalar where its text starts; a path that does not exist falls back to
 * its deepest existing ancestor.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "posture/render_int.h"

#define MAX_DEPTH 1000
#define NO_TEXT   UINT32_MAX

enum { YN_SCALAR, YN_MAP, YN_SEQ, YN_ALIAS };

typedef struct ynode {
    int32_t next;       /* next sibling, or -1 */
    int32_t first;      /* first child, or -1 */
    int32_t last;       /* last child, or -1 */
    int32_t index;      /* position in a parent sequence; -1 under a mapping */
    uint32_t key, klen; /* key text in the pool (klen NO_TEXT: not a plain key) */
    uint32_t val, vlen; /* scalar text in the pool (vlen NO_TEXT: none) */
    int line, col;
    uint8_t kind;
} ynode;

struct ps_yindex {
    ynode *nodes;
    size_t n, cap;
    int32_t *docs; /* root node of each document, or -1 */
    size_t ndocs, capdocs;
    ks_buf pool;
};

typedef struct frame {
    int32_t node; /* the container's node, or -1 for a skipped subtree */
    bool map;
    bool want_key; /* a mapping waiting for its next key */
    uint32_t key, klen;
    int32_t next_index;
} frame;

static int32_t new_node(ps_yindex *x, uint8_t kind, const struct fy_mark *m)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 256;
        if (cap > INT32_MAX)
            return -1;
        ynode *nn = realloc(x->nodes, cap * sizeof *nn);
        if (!nn)
            return -1;
        x->nodes = nn;
        x->cap = cap;
    }
    ynode *y = &x->nodes[x->n];
    memset(y, 0, sizeof *y);
    y->next = y->first = y->last = y->index = -1;
    y->klen = y->vlen = NO_TEXT;
    y->kind = kind;
    y->line = m ? m->line + 1 : 1;
    y->col = m ? m->column + 1 : 1;
    return (int32_t)x->n++;
}

static void add_child(ps_yindex *x, int32_t parent, int32_t child)
{
    ynode *p = &x->nodes[parent];
    if (p->last < 0)
        p->first = child;
    else
        x->nodes[p->last].next = child;
    p->last = child;
}

/* The text of a scalar token into the pool: plain and block scalars as
 * libfyaml gives them, quoted ones only when they need no unescaping. */
static bool scalar_text(ps_yindex *x, const char *src, size_t n, struct fy_token *t, uint32_t *off,
                        uint32_t *len)
{
    const char *s = NULL;
    size_t sl = 0;
    enum fy_scalar_style st = fy_token_scalar_style(t);
    if (st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED) {
        /* libfyaml's marks enclose the text between the quotes */
        const struct fy_mark *a = fy_token_start_mark(t), *b = fy_token_end_mark(t);
        if (!a || !b || b->input_pos > n || a->input_pos > b->input_pos)
            return false;
        s = src + a->input_pos;
        sl = b->input_pos - a->input_pos;
        for (size_t i = 0; i < sl; i++)
            if (s[i] == '\\' || s[i] == '\'' || s[i] == '\n' || s[i] == '\r')
                return false;
    } else {
        s = fy_token_get_text(t, &sl);
        if (!s)
            return false;
    }
    if (x->pool.len > UINT32_MAX - sl - 1 || sl >= NO_TEXT)
        return false;
    *off = (uint32_t)x->pool.len;
    *len = (uint32_t)sl;
    ks_buf_append(&x->pool, s, sl);
    ks_buf_putc(&x->pool, '\0');
    return x->pool.err == 0;
}

static int push_doc(ps_yindex *x, int32_t root)
{
    if (x->ndocs == x->capdocs) {
        size_t cap = x->capdocs ? x->capdocs * 2 : 8;
        int32_t *nd = realloc(x->docs, cap * sizeof *nd);
        if (!nd)
            return KS_ENOMEM;
        x->docs = nd;
        x->capdocs = cap;
    }
    x->docs[x->ndocs++] = root;
    return 0;
}

/* One event of the stream. */
static int on_event(ps_yindex *x, const char *src, size_t n, struct fy_event *e, frame *stk,
                    size_t *depth, int32_t *root)
{
    frame *top = *depth ? &stk[*depth - 1] : NULL;
    bool start = e->type == FYET_MAPPING_START || e->type == FYET_SEQUENCE_START;
    bool node = start || e->type == FYET_SCALAR || e->type == FYET_ALIAS;
    if (e->type == FYET_DOCUMENT_START) {
        *depth = 0;
        *root = -1;
        return 0;
    }
    if (e->type == FYET_DOCUMENT_END)
        return push_doc(x, *root);
    if (e->type == FYET_MAPPING_END || e->type == FYET_SEQUENCE_END) {
        if (!*depth)
            return 0;
        --*depth;
        top = *depth ? &stk[*depth - 1] : NULL;
        /* the end of a complex key: its value comes next */
        if (stk[*depth].node < 0 && top && top->node >= 0 && top->map && top->want_key)
            top->want_key = false;
        return 0;
    }
    if (!node)
        return 0;
    if (*depth >= MAX_DEPTH)
        return KS_ELIMIT;
    if (top && top->node < 0) { /* inside a skipped subtree */
        if (start)
            stk[(*depth)++] = (frame){.node = -1};
        return 0;
    }
    if (top && top->map && top->want_key) {
        top->klen = NO_TEXT;
        if (e->type == FYET_SCALAR) {
            scalar_text(x, src, n, e->scalar.value, &top->key, &top->klen);
            top->want_key = false;
        } else if (start) {
            stk[(*depth)++] = (frame){.node = -1}; /* a complex key: not a path step */
        } else {
            top->want_key = false;
        }
        return 0;
    }
    uint8_t kind = e->type == FYET_MAPPING_START    ? YN_MAP
                   : e->type == FYET_SEQUENCE_START ? YN_SEQ
                   : e->type == FYET_SCALAR         ? YN_SCALAR
                                                    : YN_ALIAS;
    int32_t id = new_node(x, kind, fy_event_start_mark(e));
    if (id < 0)
        return KS_ENOMEM;
    ynode *y = &x->nodes[id];
    if (kind == YN_SCALAR) {
        scalar_text(x, src, n, e->scalar.value, &y->val, &y->vlen);
        /* a quoted scalar starts at its quote, as gopkg.in/yaml.v3 says */
        enum fy_scalar_style st = fy_token_scalar_style(e->scalar.value);
        if ((st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED) && y->col > 1)
            y->col--;
    }
    if (!top) {
        *root = id;
    } else {
        if (top->map) {
            x->nodes[id].key = top->key;
            x->nodes[id].klen = top->klen;
            top->want_key = true;
        } else {
            x->nodes[id].index = top->next_index++;
        }
        add_child(x, top->node, id);
    }
    if (start)
        stk[(*depth)++] = (frame){.node = id, .map = kind == YN_MAP, .want_key = kind == YN_MAP};
    return x->pool.err;
}

int ps_yindex_build(const char *text, size_t n, ps_yindex **out)
{
    *out = NULL;
    ps_yindex *x = calloc(1, sizeof *x);
    frame *stk = calloc(MAX_DEPTH + 1, sizeof *stk);
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = NULL;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    struct fy_parser *fyp = NULL;
    int rc = 0;
    if (!x || !stk || !diag) {
        rc = KS_ENOMEM;
        goto out;
    }
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE,
                               .diag = diag};
    fyp = fy_parser_create(&cfg);
    if (!fyp || fy_parser_set_string(fyp, n ? text : "", n) != 0) {
        rc = KS_ENOMEM;
        goto out;
    }
    size_t depth = 0;
    int32_t root = -1;
    struct fy_event *e;
    while ((e = fy_parser_parse(fyp))) {
        rc = on_event(x, text, n, e, stk, &depth, &root);
        fy_parser_event_free(fyp, e);
        if (rc)
            break;
    }
    if (!rc && fy_parser_get_stream_error(fyp))
        rc = KS_EPARSE;
out:
    if (fyp)
        fy_parser_destroy(fyp);
    if (diag)
        fy_diag_destroy(diag);
    free(stk);
    if (rc) {
        ps_yindex_free(x);
        return rc;
    }
    *out = x;
    return 0;
}

void ps_yindex_free(ps_yindex *x)
{
    if (!x)
        return;
    free(x->nodes);
    free(x->docs);
    ks_buf_free(&x->pool);
    free(x);
}

size_t ps_yindex_ndocs(const ps_yindex *x)
{
    return x ? x->ndocs : 0;
}

int32_t ps_yindex_root(const ps_yindex *x, size_t doc)
{
    return x && doc < x->ndocs ? x->docs[doc] : -1;
}

static int32_t child_by_key(const ps_yindex *x, int32_t node, const char *key, size_t klen)
{
    if (node < 0 || x->nodes[node].kind != YN_MAP)
        return -1;
    for (int32_t c = x->nodes[node].first; c >= 0; c = x->nodes[c].next) {
        const ynode *y = &x->nodes[c];
        if (y->klen == klen && memcmp(x->pool.data + y->key, key, klen) == 0)
            return c;
    }
    return -1;
}

static int32_t child_by_index(const ps_yindex *x, int32_t node, long index)
{
    if (node < 0 || x->nodes[node].kind != YN_SEQ)
        return -1;
    for (int32_t c = x->nodes[node].first; c >= 0; c = x->nodes[c].next)
        if (x->nodes[c].index == index)
            return c;
    return -1;
}

/* Whether a scalar child of node has the text s. */
static bool scalar_is(const ps_yindex *x, int32_t node, const char *key, const char *s)
{
    int32_t c = child_by_key(x, node, key, strlen(key));
    if (c < 0 || x->nodes[c].kind != YN_SCALAR || x->nodes[c].vlen == NO_TEXT)
        return false;
    return x->nodes[c].vlen == strlen(s) &&
           memcmp(x->pool.data + x->nodes[c].val, s, x->nodes[c].vlen) == 0;
}

static bool object_is(const ps_yindex *x, int32_t node, const char *kind, const char *name,
                      const char *ns)
{
    if (node < 0 || !scalar_is(x, node, "kind", kind))
        return false;
    int32_t md = child_by_key(x, node, "metadata", 8);
    if (!scalar_is(x, md, "name", name))
        return false;
    /* a manifest without a namespace matches any: the scan may default it */
    return !*ns || child_by_key(x, md, "namespace", 9) < 0 || scalar_is(x, md, "namespace", ns);
}

int32_t ps_yindex_find_object(const ps_yindex *x, size_t doc, const char *kind, const char *name,
                              const char *namespace_)
{
    int32_t root = ps_yindex_root(x, doc);
    if (root < 0)
        return -1;
    if (object_is(x, root, kind, name, namespace_))
        return root;
    int32_t items = child_by_key(x, root, "items", 5);
    if (items < 0 || x->nodes[items].kind != YN_SEQ)
        return -1;
    for (int32_t c = x->nodes[items].first; c >= 0; c = x->nodes[c].next)
        if (object_is(x, c, kind, name, namespace_))
            return c;
    return -1;
}

/* One step: a key (a dotted part, or [text] that is not a number) or an
 * index ([digits]). Returns false at the end of the path. */
typedef struct step {
    const char *key;
    size_t klen;
    long index; /* -1 for a key step */
} step;

static bool next_step(const char **pp, const char *end, step *s)
{
    const char *p = *pp;
    while (p < end && *p == '.')
        p++;
    if (p >= end)
        return false;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close)
            close = end;
        const char *q = p + 1;
        long idx = 0;
        while (q < close && *q >= '0' && *q <= '9' && idx < 100000000)
            idx = idx * 10 + (*q++ - '0');
        s->key = p + 1;
        s->klen = (size_t)(close - p - 1);
        s->index = q == close && close > p + 1 ? idx : -1;
        *pp = close < end ? close + 1 : end;
        return true;
    }
    const char *q = p;
    while (q < end && *q != '.' && *q != '[')
        q++;
    s->key = p;
    s->klen = (size_t)(q - p);
    s->index = -1;
    *pp = q;
    return true;
}

bool ps_yindex_pos(const ps_yindex *x, int32_t node, int *line, int *col)
{
    if (!x || node < 0 || (size_t)node >= x->n)
        return false;
    *line = x->nodes[node].line;
    *col = x->nodes[node].col;
    return true;
}

bool ps_yindex_locate(const ps_yindex *x, int32_t base, const char *path, int *line, int *col)
{
    if (!x || base < 0 || (size_t)base >= x->n || !path)
        return false;
    const char *end = path + strcspn(path, "=");
    const char *p = path;
    int32_t cur = base, best = -1;
    step s;
    for (int guard = 0; guard < 4096 && next_step(&p, end, &s); guard++) {
        int32_t c = s.index >= 0 ? child_by_index(x, cur, s.index)
                                 : child_by_key(x, cur, s.key, s.klen);
        if (c < 0)
            break;
        cur = best = c;
    }
    if (best < 0)
        return false;
    *line = x->nodes[best].line;
    *col = x->nodes[best].col;
    return true;
}
