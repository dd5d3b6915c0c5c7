/* GraphQL lexer (internal to the graphql builtins): gqlparser's lexer
 * package, token for token, with its positions and error messages. */
#ifndef KS_REGO_BI_GRAPHQL_LEX_H
#define KS_REGO_BI_GRAPHQL_LEX_H

#include "rego/bi_graphql.h"

enum rg_gql_tok {
    RG_GQL_T_INVALID = 0,
    RG_GQL_T_EOF,
    RG_GQL_T_BANG,
    RG_GQL_T_DOLLAR,
    RG_GQL_T_AMP,
    RG_GQL_T_PARENL,
    RG_GQL_T_PARENR,
    RG_GQL_T_SPREAD,
    RG_GQL_T_COLON,
    RG_GQL_T_EQUALS,
    RG_GQL_T_AT,
    RG_GQL_T_BRACKETL,
    RG_GQL_T_BRACKETR,
    RG_GQL_T_BRACEL,
    RG_GQL_T_BRACER,
    RG_GQL_T_PIPE,
    RG_GQL_T_NAME,
    RG_GQL_T_INT,
    RG_GQL_T_FLOAT,
    RG_GQL_T_STRING,
    RG_GQL_T_BLOCKSTRING,
    RG_GQL_T_COMMENT,
};

typedef struct rg_gql_token {
    int kind;
    rg_gql_str value;
    int line, col;
    const char *file;
    const char *errmsg; /* the lexer's error, for RG_GQL_T_INVALID */
} rg_gql_token;

typedef struct rg_gql_lexer {
    ks_arena *a;
    const char *in;
    size_t n;
    const char *file;
    size_t start, end;              /* bytes */
    int64_t start_runes, end_runes; /* characters */
    int64_t line_start_runes;       /* characters */
    int line;
    bool oom;
} rg_gql_lexer;

void rg_gql_lexer_init(rg_gql_lexer *l, ks_arena *a, const char *in, size_t n, const char *file);
rg_gql_token rg_gql_lex(rg_gql_lexer *l);

/* Kind.String(): "<EOF>", "{", "Name", ... */
const char *rg_gql_tok_kind(int kind);
/* Token.String(): the kind, then the quoted value when there is one. */
void rg_gql_tok_string(ks_buf *b, const rg_gql_token *t);

/* The block string value algorithm of gqlparser (BlockStringValue). */
rg_gql_str rg_gql_block_value(ks_arena *a, const char *raw, size_t n);

#endif
