/*
 * Rego builtins: graphql.parse, graphql.parse_and_verify,
 * graphql.parse_query, graphql.parse_schema, graphql.is_valid and
 * graphql.schema_is_valid, as OPA v1.22.3 implements them on gqlparser
 * (see bi_graphql.h): the same ASTs, the same verdicts, the same messages.
 *
 * Each call works in a scratch arena with a memory limit, freed before it
 * returns; only the results are built in the evaluation's arena. Inputs
 * longer than RG_GQL_MAX_INPUT bytes are refused.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "rego/bi_graphql.h"

/* Largest GraphQL document (query or schema) accepted. */
#define RG_GQL_MAX_INPUT (1u << 20)
/* Memory one call may use for parsing and validation. */
#define RG_GQL_MAX_MEMORY ((size_t)256 << 20)

typedef struct gql_call {
    rg_bctx *c;
    ks_arena tmp;
    rg_gql_errs err;
} gql_call;

static void call_init(gql_call *g, rg_bctx *c)
{
    memset(g, 0, sizeof(*g));
    g->c = c;
    ks_arena_init(&g->tmp, NULL, RG_GQL_MAX_MEMORY);
    g->err.arena = &g->tmp;
}

static void call_reset_errors(gql_call *g)
{
    g->err = (rg_gql_errs){.arena = &g->tmp};
}

static int call_done(gql_call *g, int rc)
{
    ks_arena_free(&g->tmp);
    return rc;
}

static bool parse_uint(const char *s, size_t n, unsigned long long *out)
{
    if (n == 0)
        return false;
    unsigned long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (~0ULL - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* OPA's formatGqlParserError on Go's error text. */
static void format_gql_error(ks_buf *out, const char *s, size_t n)
{
    size_t colon[3];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 3; i++)
        if (s[i] == ':')
            colon[k++] = i;
    unsigned long long row, col;
    if (k == 3 && parse_uint(s + colon[0] + 1, colon[1] - colon[0] - 1, &row) &&
        parse_uint(s + colon[1] + 1, colon[2] - colon[1] - 1, &col)) {
        const char *m = s + colon[2] + 1;
        size_t mn = n - (colon[2] + 1);
        while (mn && *m == ' ') {
            m++;
            mn--;
        }
        if (mn >= 2 && m[mn - 2] == '.' && m[mn - 1] == '\n')
            mn -= 2;
        ks_buf_append(out, m, mn);
        ks_buf_printf(out, " in GraphQL string at location %llu:%llu", row, col);
        return;
    }
    ks_buf_puts(out, "GraphQL parse error: ");
    ks_buf_append(out, s, n);
}

/* Reports the collected error: gqlparser's errors formatted as OPA formats
 * them (format), or the text as is, after prefix. */
static int report(gql_call *g, const char *prefix, bool format)
{
    if (g->err.oom)
        return rg_bi_error(g->c, RG_ERR_BUILTIN, "graphql: out of memory");
    ks_buf text = KS_BUF_INIT, msg = KS_BUF_INIT;
    rg_gql_errs_string(&g->err, &text);
    if (prefix)
        ks_buf_puts(&msg, prefix);
    if (format)
        format_gql_error(&msg, ks_buf_cstr(&text), text.len);
    else
        ks_buf_append(&msg, ks_buf_cstr(&text), text.len);
    int rc = msg.err || text.err ? rg_bi_error(g->c, RG_ERR_BUILTIN, "graphql: out of memory")
                                 : rg_bi_error(g->c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
    ks_buf_free(&text);
    ks_buf_free(&msg);
    return rc;
}

/* Our own refusals (limits, memory, ASTs gqlparser would crash on) are
 * errors from every builtin, even those that otherwise answer false. */
static bool refused(const gql_call *g, int rc)
{
    return rc == KS_ENOMEM || rc == KS_ELIMIT || g->err.oom ||
           (g->err.raw && strncmp(g->err.raw, "json:", 5) != 0);
}

static int report_refusal(gql_call *g)
{
    return report(g, NULL, false);
}

/* What loading an operand gave: a document (LOAD_OK), an operand of the
 * wrong type, or an invalid document (described in g->err: a parse error,
 * or a decoding error when raw). Negative: an error reported already. */
enum { LOAD_OK = 0, LOAD_TYPE = 1, LOAD_INVALID = 2 };

static int load_result(gql_call *g, int rc)
{
    if (rc == 0)
        return LOAD_OK;
    return refused(g, rc) ? report_refusal(g) : LOAD_INVALID;
}

static int check_size(gql_call *g, const kv_value *v)
{
    if (v->len <= RG_GQL_MAX_INPUT)
        return 0;
    return rg_bi_error(g->c, RG_ERR_BUILTIN, "graphql: document larger than %u bytes",
                       RG_GQL_MAX_INPUT);
}

/* The query operand: a string to parse or an AST object to decode. */
static int load_query(gql_call *g, const kv_value *v, rg_gql_querydoc **doc)
{
    if (v->kind == KV_STRING) {
        int rc = check_size(g, v);
        if (rc < 0)
            return rc;
        return load_result(g, rg_gql_parse_query(&g->tmp, v->u.s, v->len, doc, &g->err));
    }
    if (v->kind == KV_OBJECT)
        return load_result(g, rg_gql_query_from_value(&g->tmp, v, doc, &g->err));
    return LOAD_TYPE;
}

static int load_schema(gql_call *g, const kv_value *v, rg_gql_schemadoc **doc)
{
    if (v->kind == KV_STRING) {
        int rc = check_size(g, v);
        if (rc < 0)
            return rc;
        return load_result(g,
                           rg_gql_parse_schema(&g->tmp, v->u.s, v->len, "", false, doc, &g->err));
    }
    if (v->kind == KV_OBJECT)
        return load_result(g, rg_gql_schema_from_value(&g->tmp, v, doc, &g->err));
    return LOAD_TYPE;
}

/* Reports an invalid document the way graphql.parse does: parse errors
 * formatted, decoding errors as Go's json package words them. */
static int report_invalid(gql_call *g)
{
    return report(g, NULL, !g->err.raw);
}

/* ---- graphql.parse_query, graphql.parse_schema ---- */

static int bi_parse_query(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc < 0)
        return rc;
    gql_call g;
    call_init(&g, c);
    rg_gql_querydoc *doc = NULL;
    rc = load_query(&g, &args[0], &doc);
    if (rc < 0)
        return call_done(&g, rc);
    if (rc == LOAD_INVALID)
        return call_done(&g, report_invalid(&g));
    if (rg_gql_query_to_value(c->arena, &g.tmp, doc, out) < 0)
        return call_done(&g, rg_bi_error(c, RG_ERR_BUILTIN, "graphql: out of memory"));
    return call_done(&g, RG_OK);
}

static int bi_parse_schema(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc < 0)
        return rc;
    gql_call g;
    call_init(&g, c);
    rg_gql_schemadoc *doc = NULL;
    rc = load_schema(&g, &args[0], &doc);
    if (rc < 0)
        return call_done(&g, rc);
    if (rc == LOAD_INVALID)
        return call_done(&g, report_invalid(&g));
    if (rg_gql_schema_to_value(c->arena, &g.tmp, doc, out) < 0)
        return call_done(&g, rg_bi_error(c, RG_ERR_BUILTIN, "graphql: out of memory"));
    return call_done(&g, RG_OK);
}

/* ---- graphql.parse, graphql.parse_and_verify ---- */

typedef struct parsed {
    kv_value query_ast, schema_ast;
} parsed;

/* How far parse_and_validate got before the input proved invalid. */
enum { STAGE_QUERY, STAGE_SCHEMA, STAGE_CONVERSION, STAGE_VALIDATION };

/* The common path of parse and parse_and_verify. RG_OK with both ASTs;
 * RG_UNDEF when the input is invalid (*stage says where; *bad_operand is
 * the operand of the wrong type, else -1); negative for errors reported
 * already. */
static int parse_and_validate(gql_call *g, const kv_value *args, bool first_error_only, parsed *p,
                              int *stage, int *bad_operand)
{
    rg_gql_querydoc *qdoc = NULL;
    rg_gql_schemadoc *sdoc = NULL;
    rg_gql_schema *schema = NULL;
    *bad_operand = -1;
    *stage = STAGE_QUERY;
    int rc = load_query(g, &args[0], &qdoc);
    if (rc != LOAD_OK) {
        if (rc == LOAD_TYPE)
            *bad_operand = 0;
        return rc < 0 ? rc : RG_UNDEF;
    }
    *stage = STAGE_SCHEMA;
    rc = load_schema(g, &args[1], &sdoc);
    if (rc != LOAD_OK) {
        if (rc == LOAD_TYPE)
            *bad_operand = 1;
        return rc < 0 ? rc : RG_UNDEF;
    }
    /* OPA converts the schema before building it (which modifies it) */
    if (rg_gql_schema_to_value(g->c->arena, &g->tmp, sdoc, &p->schema_ast) < 0)
        return rg_bi_error(g->c, RG_ERR_BUILTIN, "graphql: out of memory");
    *stage = STAGE_CONVERSION;
    rc = rg_gql_schema_build(&g->tmp, sdoc, &schema, &g->err);
    if (rc < 0)
        return refused(g, rc) ? report_refusal(g) : RG_UNDEF;
    if (rg_gql_query_to_value(g->c->arena, &g->tmp, qdoc, &p->query_ast) < 0)
        return rg_bi_error(g->c, RG_ERR_BUILTIN, "graphql: out of memory");
    *stage = STAGE_VALIDATION;
    rc = rg_gql_validate(&g->tmp, schema, qdoc, first_error_only, &g->err);
    if (rc < 0)
        return refused(g, rc) ? report_refusal(g) : RG_UNDEF;
    return RG_OK;
}

static int bi_parse(rg_bctx *c, const kv_value *args, kv_value *out)
{
    gql_call g;
    call_init(&g, c);
    parsed p;
    int stage, bad;
    int rc = parse_and_validate(&g, args, false, &p, &stage, &bad);
    if (rc < 0)
        return call_done(&g, rc);
    if (rc == RG_UNDEF) {
        if (bad >= 0)
            return call_done(&g, rg_bi_type_error(c, bad, "one of {string, object}", &args[bad]));
        if (stage == STAGE_CONVERSION)
            return call_done(
                    &g,
                    report(&g, "Error in gqlparser SchemaDocument to Schema conversion: ", false));
        return call_done(&g, report_invalid(&g));
    }
    kv_value items[2] = {p.query_ast, p.schema_ast};
    if (kv_array_new(c->arena, items, 2, out) < 0)
        return call_done(&g, rg_bi_error(c, RG_ERR_BUILTIN, "graphql: out of memory"));
    return call_done(&g, RG_OK);
}

static int bi_parse_and_verify(rg_bctx *c, const kv_value *args, kv_value *out)
{
    gql_call g;
    call_init(&g, c);
    parsed p;
    int stage, bad;
    int rc = parse_and_validate(&g, args, true, &p, &stage, &bad);
    if (rc < 0)
        return call_done(&g, rc);
    kv_value items[3];
    if (rc == RG_UNDEF) {
        items[0] = kv_bool(false);
        items[1] = items[2] = (kv_value){.kind = KV_OBJECT};
    } else {
        items[0] = kv_bool(true);
        items[1] = p.query_ast;
        items[2] = p.schema_ast;
    }
    if (kv_array_new(c->arena, items, 3, out) < 0)
        return call_done(&g, rg_bi_error(c, RG_ERR_BUILTIN, "graphql: out of memory"));
    return call_done(&g, RG_OK);
}

/* ---- graphql.is_valid, graphql.schema_is_valid ---- */

/* 1 valid, 0 invalid, negative for an error reported already. */
static int check_schema(gql_call *g, const kv_value *v, rg_gql_schema **schema)
{
    rg_gql_schemadoc *sdoc = NULL;
    int rc = load_schema(g, v, &sdoc);
    if (rc != LOAD_OK)
        return rc < 0 ? rc : 0;
    rc = rg_gql_schema_build(&g->tmp, sdoc, schema, &g->err);
    if (rc < 0)
        return refused(g, rc) ? report_refusal(g) : 0;
    return 1;
}

static int bi_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    gql_call g;
    call_init(&g, c);
    rg_gql_querydoc *qdoc = NULL;
    rg_gql_schema *schema = NULL;
    int rc = load_query(&g, &args[0], &qdoc);
    if (rc < 0)
        return call_done(&g, rc);
    if (rc == LOAD_OK) {
        call_reset_errors(&g);
        rc = check_schema(&g, &args[1], &schema);
        if (rc < 0)
            return call_done(&g, rc);
        if (rc == 1) {
            call_reset_errors(&g);
            rc = rg_gql_validate(&g.tmp, schema, qdoc, true, &g.err);
            if (rc < 0 && refused(&g, rc))
                return call_done(&g, report_refusal(&g));
            *out = kv_bool(rc == 0);
            return call_done(&g, RG_OK);
        }
    }
    *out = kv_bool(false);
    return call_done(&g, RG_OK);
}

static int bi_schema_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    gql_call g;
    call_init(&g, c);
    rg_gql_schema *schema = NULL;
    int rc = check_schema(&g, &args[0], &schema);
    if (rc < 0)
        return call_done(&g, rc);
    *out = kv_bool(rc == 1);
    return call_done(&g, RG_OK);
}

#define STR_OR_OBJ (RG_T_STR | RG_T_OBJ)

const rg_builtin_def rg_bi_graphql[] = {
        {"graphql.parse", 2, 0, {STR_OR_OBJ, STR_OR_OBJ}, RG_T_ARR, bi_parse},
        {"graphql.parse_and_verify", 2, 0, {STR_OR_OBJ, STR_OR_OBJ}, RG_T_ARR, bi_parse_and_verify},
        {"graphql.parse_query", 1, 0, {RG_T_STR}, RG_T_OBJ, bi_parse_query},
        {"graphql.parse_schema", 1, 0, {RG_T_STR}, RG_T_OBJ, bi_parse_schema},
        {"graphql.is_valid", 2, 0, {STR_OR_OBJ, STR_OR_OBJ}, RG_T_BOOL, bi_is_valid},
        {"graphql.schema_is_valid", 1, 0, {STR_OR_OBJ}, RG_T_BOOL, bi_schema_is_valid},
        {0},
};
