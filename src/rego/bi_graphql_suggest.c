/*
 * Suggestions in validation messages: gqlparser's SuggestionList (options
 * within a typo distance of what was typed, nearest first, in the order of
 * Go's sort.Slice) and OrList.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "rego/bi_graphql_val.h"

/* Code points of s; invalid bytes are U+FFFD each. */
static size_t runes_of(rg_gql_str s, uint32_t *out, bool lower)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n;) {
        uint32_t cp;
        size_t w = ks_utf8_decode((const unsigned char *)s.s + i, s.n - i, &cp);
        if (w == 0) {
            cp = 0xFFFD;
            w = 1;
        }
        if (lower && cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        out[k++] = cp;
        i += w;
    }
    return k;
}

static bool lower_equal(rg_gql_str a, rg_gql_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        unsigned char x = (unsigned char)a.s[i], y = (unsigned char)b.s[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* lexicalDistance: Levenshtein over lower-cased code points, a case change
 * alone counting one. SIZE_MAX when the work limit is reached. */
static size_t lexical_distance(rg_gql_val *v, rg_gql_str a, rg_gql_str b)
{
    if (rg_gql_streq(a, b))
        return 0;
    if (lower_equal(a, b))
        return 1;
    if (!rg_gql_val_spend(v, (a.n + 1) * (b.n + 1)))
        return SIZE_MAX;
    uint32_t *ra = malloc((a.n + 1) * sizeof(uint32_t));
    uint32_t *rb = malloc((b.n + 1) * sizeof(uint32_t));
    size_t *row = malloc((a.n + 2) * sizeof(size_t));
    size_t d = SIZE_MAX;
    if (!ra || !rb || !row) {
        rg_gql_val_oom(v);
        goto out;
    }
    size_t na = runes_of(a, ra, true), nb = runes_of(b, rb, true);
    if (na == 0) {
        d = nb;
        goto out;
    }
    if (nb == 0) {
        d = na;
        goto out;
    }
    for (size_t i = 0; i <= na; i++)
        row[i] = i;
    for (size_t j = 1; j <= nb; j++) {
        size_t prev = row[0];
        row[0] = j;
        for (size_t i = 1; i <= na; i++) {
            size_t cur = row[i];
            size_t best = prev + (ra[i - 1] == rb[j - 1] ? 0 : 1);
            if (row[i - 1] + 1 < best)
                best = row[i - 1] + 1;
            if (cur + 1 < best)
                best = cur + 1;
            row[i] = best;
            prev = cur;
        }
    }
    d = row[na];
out:
    free(ra);
    free(rb);
    free(row);
    return d;
}

typedef struct suggestions {
    rg_gql_str *v;
    size_t n;
} suggestions;

/* SuggestionList: the options within the typo threshold, nearest first. */
static suggestions suggestion_list(rg_gql_val *v, rg_gql_str input, const rg_gql_str *options,
                                   size_t n)
{
    suggestions s = {0};
    if (n == 0)
        return s;
    s.v = ks_arena_alloc(v->a, n * sizeof(rg_gql_str));
    size_t *dist = ks_arena_alloc(v->a, n * sizeof(size_t));
    if (!s.v || !dist) {
        rg_gql_val_oom(v);
        return (suggestions){0};
    }
    size_t threshold = (size_t)(input.n * 4 / 10) + 1;
    size_t in_runes = ks_utf8_count(input.s, input.n);
    for (size_t i = 0; i < n; i++) {
        /* The distance is at least the difference in length: options too
         * long or too short are out without computing it. */
        size_t o_runes = ks_utf8_count(options[i].s, options[i].n);
        size_t diff = in_runes > o_runes ? in_runes - o_runes : o_runes - in_runes;
        if (diff > threshold && !rg_gql_streq(input, options[i]))
            continue;
        size_t d = lexical_distance(v, input, options[i]);
        if (d == SIZE_MAX)
            return (suggestions){0};
        if (d <= threshold) {
            s.v[s.n] = options[i];
            dist[s.n++] = d;
        }
    }
    rg_gql_go_sort(s.v, dist, s.n);
    return s;
}

void rg_gql_or_list(ks_buf *b, const rg_gql_str *items, size_t n, bool quote)
{
    if (n > 5)
        n = 5;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            if (n == 2)
                ks_buf_puts(b, " or ");
            else if (i == n - 1)
                ks_buf_puts(b, ", or ");
            else
                ks_buf_puts(b, ", ");
        }
        if (quote)
            ks_buf_putc(b, '"');
        ks_buf_append(b, items[i].s, items[i].n);
        if (quote)
            ks_buf_putc(b, '"');
    }
}

/* Appends " PREFIX LIST?" when there are suggestions. */
void rg_gql_val_suggest(rg_gql_val *v, ks_buf *msg, const char *prefix, rg_gql_str typed,
                        const rg_gql_str *options, size_t n, bool quote)
{
    suggestions s = suggestion_list(v, typed, options, n);
    if (!s.n)
        return;
    ks_buf_printf(msg, " %s ", prefix);
    rg_gql_or_list(msg, s.v, s.n, quote);
    ks_buf_putc(msg, '?');
}
