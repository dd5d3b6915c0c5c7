/*
 * The human summary of a scan (upstream's pretty-printer for framework and
 * control scans): the frameworks and their scores, control counts, failed
 * resources by severity, then a control table per framework (Severity,
 * Control name, Failed resources, All Resources, Compliance score, with the
 * framework's totals as footer) and the overall compliance score. Passed
 * controls are listed only with verbose (or when nothing failed). Verbose
 * output starts with every resource: its identity, control counts and a
 * table of its failed controls with the assisted-remediation paths.
 *
 * Tables are drawn with rounded box characters and sized from their
 * content alone (no terminal width is asked), so output is the same on any
 * terminal. Colour (ANSI 256-colour severities) only when asked; report
 * text is made terminal-safe (no control characters or escape sequences).
 */
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "posture/internal.h"
#include "posture/render_int.h"

#define NAME_MAX_RUNES 50
#define MAX_COLS       6

enum align { AL_LEFT, AL_CENTER, AL_RIGHT };

typedef struct cell {
    const char *text; /* terminal-safe, lines separated by '\n' */
    int colour;       /* ANSI 256 colour, 0 for none */
} cell;

typedef struct table {
    ks_arena *a;
    size_t ncols;
    cell *cells; /* nrows x ncols */
    size_t nrows, cap;
    enum align align[MAX_COLS];
    bool header, footer, sep_rows;
    int err;
} table;

static void table_init(table *t, ks_arena *a, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->a = a;
    t->ncols = ncols;
}

/* Adds a row of ncols texts (NULL as ""). */
static cell *table_row(table *t)
{
    if (t->err)
        return NULL;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        cell *c = ks_arena_calloc(t->a, cap * t->ncols, sizeof *c);
        if (!c) {
            t->err = KS_ENOMEM;
            return NULL;
        }
        if (t->nrows)
            memcpy(c, t->cells, t->nrows * t->ncols * sizeof *c);
        t->cells = c;
        t->cap = cap;
    }
    cell *row = &t->cells[t->nrows++ * t->ncols];
    for (size_t i = 0; i < t->ncols; i++)
        row[i] = (cell){.text = ""};
    return row;
}

/* Terminal-safe copy of s in the arena, each line made safe alone. */
static const char *safe(ks_arena *a, const char *s)
{
    ks_buf b = KS_BUF_INIT;
    for (const char *p = s;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        ps_r_term_text(&b, p, n);
        if (!nl)
            break;
        ks_buf_putc(&b, '\n');
        p = nl + 1;
    }
    const char *r = b.err ? NULL : ks_arena_strndup(a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    return r ? r : "";
}

/* At most max code points, then "..." (utils.TruncateName). */
static const char *truncate_name(ks_arena *a, const char *s)
{
    size_t n = strlen(s), i = 0, runes = 0;
    while (i < n && runes < NAME_MAX_RUNES) {
        uint32_t c;
        size_t w = ks_utf8_decode((const unsigned char *)s + i, n - i, &c);
        i += w ? w : 1;
        runes++;
    }
    if (i >= n)
        return s;
    char *r = ks_arena_alloc_bytes(a, i + 4);
    if (!r)
        return s;
    memcpy(r, s, i);
    memcpy(r + i, "...", 4);
    return r;
}

static size_t width_of(const char *s, size_t n)
{
    return ks_utf8_count(s, n);
}

/* The widest line of a cell. */
static size_t cell_width(const char *s)
{
    size_t w = 0;
    for (const char *p = s;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t lw = width_of(p, n);
        if (lw > w)
            w = lw;
        if (!nl)
            return w;
        p = nl + 1;
    }
}

static size_t cell_lines(const char *s)
{
    size_t n = 1;
    for (const char *p = s; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

/* Line k of a cell, or "" past its end. */
static const char *cell_line(const char *s, size_t k, size_t *len)
{
    const char *p = s;
    for (size_t i = 0; i < k; i++) {
        p = strchr(p, '\n');
        if (!p) {
            *len = 0;
            return "";
        }
        p++;
    }
    const char *nl = strchr(p, '\n');
    *len = nl ? (size_t)(nl - p) : strlen(p);
    return p;
}

static void rule_line(ks_buf *b, const size_t *w, size_t ncols, const char *l, const char *m,
                      const char *r)
{
    ks_buf_puts(b, l);
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            ks_buf_puts(b, m);
        for (size_t i = 0; i < w[c] + 2; i++)
            ks_buf_puts(b, "─");
    }
    ks_buf_puts(b, r);
    ks_buf_putc(b, '\n');
}

static void colour_on(ks_buf *b, int colour)
{
    ks_buf_printf(b, "\x1b[1;38;5;%dm", colour);
}

static void row_lines(ks_buf *b, const table *t, const cell *row, const size_t *w, enum align force,
                      bool forced, bool colour)
{
    size_t nl = 1;
    for (size_t c = 0; c < t->ncols; c++) {
        size_t k = cell_lines(row[c].text);
        if (k > nl)
            nl = k;
    }
    for (size_t k = 0; k < nl; k++) {
        ks_buf_puts(b, "│");
        for (size_t c = 0; c < t->ncols; c++) {
            size_t len;
            const char *s = cell_line(row[c].text, k, &len);
            size_t tw = width_of(s, len), pad = w[c] - tw, left = 0;
            enum align al = forced ? force : t->align[c];
            if (al == AL_CENTER)
                left = pad / 2;
            else if (al == AL_RIGHT)
                left = pad;
            ks_buf_putc(b, ' ');
            ks_buf_fill(b, ' ', left);
            bool col = colour && row[c].colour && len;
            if (col)
                colour_on(b, row[c].colour);
            ks_buf_append(b, s, len);
            if (col)
                ks_buf_puts(b, "\x1b[0m");
            ks_buf_fill(b, ' ', pad - left);
            ks_buf_puts(b, " │");
        }
        ks_buf_putc(b, '\n');
    }
}

static void table_render(ks_buf *b, const table *t, bool colour)
{
    size_t w[MAX_COLS] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = cell_width(t->cells[r * t->ncols + c].text);
            if (cw > w[c])
                w[c] = cw;
        }
    rule_line(b, w, t->ncols, "╭", "┬", "╮");
    for (size_t r = 0; r < t->nrows; r++) {
        bool head = t->header && r == 0, foot = t->footer && r == t->nrows - 1 && r > 0;
        if (r > 0 && ((t->header && r == 1) || foot || t->sep_rows))
            rule_line(b, w, t->ncols, "├", "┼", "┤");
        row_lines(b, t, &t->cells[r * t->ncols], w, head ? AL_LEFT : AL_CENTER, head || foot,
                  colour);
    }
    rule_line(b, w, t->ncols, "╰", "┴", "╯");
}

/* ---- the summary ---- */

static int severity_colour(float score)
{
    static const int colours[] = {16, 220, 166, 196, 1};
    return colours[ps_r_severity_rank(score)];
}

typedef struct pretty {
    ps_rview *v;
    ks_buf *out;
    ks_arena *a;
    bool colour, verbose;
    const char **infos; /* distinct infos of skipped controls, in control-ID order */
    size_t ninfos;
} pretty;

/* "*", "**", ... for the info of a skipped control. */
static size_t info_stars(const pretty *p, const char *info)
{
    for (size_t i = 0; i < p->ninfos; i++)
        if (strcmp(p->infos[i], info) == 0)
            return i + 1;
    return 0;
}

static void collect_infos(pretty *p)
{
    p->infos = p->v->ncontrols ? ks_arena_calloc(p->a, p->v->ncontrols, sizeof *p->infos) : NULL;
    if (!p->infos)
        return;
    for (size_t i = 0; i < p->v->ncontrols; i++) {
        const ps_rctl *c = &p->v->controls[i];
        if (c->status == PS_ST_SKIPPED && *c->info && !info_stars(p, c->info))
            p->infos[p->ninfos++] = c->info;
    }
}

static void score_text(const pretty *p, const ps_rctl *c, ks_buf *b)
{
    if (c->status == PS_ST_SKIPPED) {
        ks_buf_puts(b, "Action Required");
        size_t stars = info_stars(p, c->info);
        if (stars) {
            ks_buf_putc(b, ' ');
            ks_buf_fill(b, '*', stars);
        }
        return;
    }
    int s = ps_r_compliance_int(c->compliance);
    if (s < 0)
        ks_buf_puts(b, "N/A");
    else
        ks_buf_printf(b, "%d%%", s);
}

static int cmp_rank_id(const void *x, const void *y)
{
    const ps_rctl *a = *(const ps_rctl *const *)x, *b = *(const ps_rctl *const *)y;
    int ra = ps_r_severity_rank(ps_r_control_score(a)),
        rb = ps_r_severity_rank(ps_r_control_score(b));
    return ra != rb ? rb - ra : strcmp(a->id, b->id);
}

static const char *dup(pretty *p, const ks_buf *b)
{
    const char *s = ks_arena_strndup(p->a, ks_buf_cstr(b), b->len);
    return s ? s : "";
}

/* The control table of a framework (or of the scan's controls). */
static int control_table(pretty *p, const ps_rctl *ctl, size_t n, long passed, long failed,
                         long skipped, float compliance)
{
    table t;
    table_init(&t, p->a, 5);
    t.header = t.footer = true;
    t.align[0] = AL_CENTER;
    t.align[1] = AL_LEFT;
    t.align[2] = t.align[3] = t.align[4] = AL_CENTER;
    cell *h = table_row(&t);
    if (!h)
        return KS_ENOMEM;
    h[0].text = "Severity";
    h[1].text = "Control name";
    h[2].text = "Failed resources";
    h[3].text = "All Resources";
    h[4].text = "Compliance score";
    /* passed controls only when verbose or when no resource failed */
    bool all = p->verbose || p->v->failed == 0;
    const ps_rctl **order = n ? ks_arena_calloc(p->a, n, sizeof *order) : NULL;
    if (n && !order)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = &ctl[i];
    if (n)
        qsort(order, n, sizeof *order, cmp_rank_id);
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const ps_rctl *c = order[i];
        if (!all && c->status == PS_ST_PASSED)
            continue;
        cell *r = table_row(&t);
        if (!r)
            break;
        float score = ps_r_control_score(c);
        r[0] = (cell){ps_r_severity_name(score), severity_colour(score)};
        r[1].text = truncate_name(p->a, safe(p->a, c->name));
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%ld", c->failed);
        r[2].text = dup(p, &b);
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%ld", c->passed + c->failed + c->skipped);
        r[3].text = dup(p, &b);
        ks_buf_reset(&b);
        score_text(p, c, &b);
        r[4].text = dup(p, &b);
    }
    cell *f = table_row(&t);
    if (f) {
        char s[64];
        ps_r_compliance_str(compliance, 2, s, sizeof s);
        f[0].text = " ";
        f[1].text = "Resource Summary";
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%ld", failed);
        f[2].text = dup(p, &b);
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%ld", passed + failed + skipped);
        f[3].text = dup(p, &b);
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%s%%", s);
        f[4].text = dup(p, &b);
    }
    ks_buf_free(&b);
    if (t.err)
        return t.err;
    table_render(p->out, &t, p->colour);
    return 0;
}

/* A two-column table of names and numbers, the names right-aligned. */
static int counts_table(pretty *p, const char *const *names, const long *vals, const int *colours,
                        size_t n)
{
    table t;
    table_init(&t, p->a, 2);
    t.align[0] = AL_RIGHT;
    t.align[1] = AL_LEFT;
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        cell *r = table_row(&t);
        if (!r)
            break;
        r[0].text = names[i];
        ks_buf_reset(&b);
        ks_buf_printf(&b, "%ld", vals[i]);
        r[1] = (cell){dup(p, &b), colours ? colours[i] : 0};
    }
    ks_buf_free(&b);
    if (t.err)
        return t.err;
    table_render(p->out, &t, p->colour);
    return 0;
}

/* What a live scan could not collect (scanCoverage), when something was
 * missed: the coverage score and each resource type with the reason. */
static void coverage(ks_buf *o, const kv_value *cov)
{
    if (!cov)
        return;
    char s[64];
    ps_r_compliance_str(ps_r_num_f32(ps_get(cov, "coverageScore")), 2, s, sizeof s);
    ks_buf_printf(o, "Scan coverage: %s%% (%ld of %ld controls evaluated)\n", s,
                  ps_r_num_long(ps_get(cov, "evaluatedControls")),
                  ps_r_num_long(ps_get(cov, "totalControls")));
    static const char *const keys[] = {"failedGVRPulls", "partialGVRPulls"};
    for (size_t k = 0; k < 2; k++) {
        const kv_value *l = ps_get(cov, keys[k]);
        for (size_t i = 0; l && l->kind == KV_ARRAY && i < l->len; i++) {
            const kv_value *p = &l->u.items[i];
            const char *gvr = ps_get_str(p, "gvr"), *sel = ps_get_str(p, "selector");
            const char *err = ps_get_str(p, "error");
            if (i == 10) {
                ks_buf_printf(o, "  ... and %u more (the JSON report lists them)\n",
                              (unsigned)(l->len - 10));
                break;
            }
            ks_buf_puts(o, "  not collected: ");
            ps_r_term_text(o, gvr ? gvr : "", gvr ? strlen(gvr) : 0);
            if (sel && *sel) {
                ks_buf_puts(o, " (");
                ps_r_term_text(o, sel, strlen(sel));
                ks_buf_putc(o, ')');
            }
            if (err && *err) {
                /* the server's answer, its first line, cut at 160 */
                size_t n = strcspn(err, "\n");
                ks_buf_puts(o, ": ");
                ps_r_term_text(o, err, n > 160 ? 160 : n);
            }
            ks_buf_putc(o, '\n');
        }
    }
    ks_buf_putc(o, '\n');
}

static int summary(pretty *p)
{
    ps_rview *v = p->v;
    ks_buf *o = p->out;
    ps_ccount k = ps_r_count_controls(v->controls, v->ncontrols);
    if (k.all == 0) {
        ks_buf_puts(o, "\nNo control was evaluated: make sure the scanned paths hold Kubernetes "
                       "manifests (Deployments, Pods, ...).\n");
        return 0;
    }
    char s[64];
    if (v->nfws == 1 && *v->fws[0].name) {
        ks_buf_puts(o, "Framework scanned: ");
        ps_r_term_text(o, v->fws[0].name, strlen(v->fws[0].name));
        ks_buf_puts(o, "\n\n");
    } else if (v->nfws > 1) {
        ks_buf_puts(o, "Frameworks scanned: ");
        for (size_t i = 0; i < v->nfws; i++) {
            ps_r_compliance_str(v->fws[i].compliance, 2, s, sizeof s);
            ps_r_term_text(o, v->fws[i].name, strlen(v->fws[i].name));
            ks_buf_printf(o, " (compliance score: %s)%s", s, i + 1 < v->nfws ? ", " : "\n\n");
        }
    }
    static const char *const cnames[] = {"Controls", "Passed", "Failed", "Action Required"};
    long cvals[] = {k.all, k.passed, k.failed, k.skipped};
    int rc = counts_table(p, cnames, cvals, NULL, 4);
    if (rc)
        return rc;
    ks_buf_puts(o, "\nFailed resources by severity:\n\n");
    const kv_value *sc = ps_get(v->summary, "resourcesSeverityCounters");
    static const char *const snames[] = {"Critical", "High", "Medium", "Low"};
    static const int scol[] = {1, 196, 166, 220};
    long svals[] = {ps_r_num_long(ps_get(sc, "criticalSeverity")),
                    ps_r_num_long(ps_get(sc, "highSeverity")),
                    ps_r_num_long(ps_get(sc, "mediumSeverity")),
                    ps_r_num_long(ps_get(sc, "lowSeverity"))};
    rc = counts_table(p, snames, svals, scol, 4);
    if (rc)
        return rc;
    ks_buf_putc(o, '\n');
    if (!p->verbose)
        ks_buf_puts(o, "Run with '--verbose'/'-v' to see control failures for each resource.\n\n");
    if (v->nfws == 0) {
        rc = control_table(p, v->controls, v->ncontrols, v->passed, v->failed, v->skipped,
                           v->compliance);
    }
    for (size_t i = 0; i < v->nfws && !rc; i++) {
        const ps_rfw *f = &v->fws[i];
        ps_r_compliance_str(f->compliance, 2, s, sizeof s);
        if (i)
            ks_buf_putc(o, '\n');
        ps_r_term_text(o, f->name, strlen(f->name));
        ks_buf_printf(o, " (compliance score: %s%%):\n", s);
        rc = control_table(p, f->controls, f->ncontrols, f->passed, f->failed, f->skipped,
                           f->compliance);
    }
    if (rc)
        return rc;
    ks_buf_putc(o, '\n');
    for (size_t i = 0; i < p->ninfos; i++) {
        ks_buf_fill(o, '*', i + 1);
        ks_buf_putc(o, ' ');
        ps_r_term_text(o, p->infos[i], strlen(p->infos[i]));
        ks_buf_putc(o, '\n');
    }
    if (p->ninfos)
        ks_buf_putc(o, '\n');
    coverage(o, ps_get(v->report, "scanCoverage"));
    ps_r_compliance_str(v->compliance, 2, s, sizeof s);
    ks_buf_printf(o, "Overall compliance score: %s%%\n", s);
    return 0;
}

/* ---- the resources (verbose) ---- */

static void field(ks_buf *o, const char *name, const char *val)
{
    ks_buf_puts(o, name);
    ks_buf_puts(o, ": ");
    ps_r_term_text(o, val, strlen(val));
    ks_buf_putc(o, '\n');
}

static int resource(pretty *p, const kv_value *result)
{
    ps_rview *v = p->v;
    ks_buf *o = p->out;
    const char *id = ps_get_str(result, "resourceID");
    if (!id)
        return 0;
    const ps_rres *res = ps_rview_resource(v, id);
    ps_rident who;
    bool known = ps_rview_ident(v, id, &who);
    ks_buf_putc(o, '\n');
    ks_buf_fill(o, '#', 80);
    ks_buf_putc(o, '\n');
    const char *src = ps_r_source_rel(res);
    if (src)
        field(o, "Source", src);
    if (!known) {
        field(o, "Resource", id);
    } else {
        field(o, "ApiVersion", who.api_version);
        field(o, "Kind", who.kind);
        field(o, "Name", who.name);
        if (*who.namespace_)
            field(o, "Namespace", who.namespace_);
    }
    const kv_value *rel = who.vector && res ? ps_get(res->obj, "relatedObjects") : NULL;
    if (rel && rel->kind == KV_ARRAY && rel->len) {
        ks_buf_puts(o, "Related: ");
        for (size_t i = 0; i < rel->len; i++) {
            ps_rident r;
            ps_r_rident_of(&rel->u.items[i], &r);
            if (i)
                ks_buf_puts(o, ", ");
            ps_r_term_text(o, r.kind, strlen(r.kind));
            ks_buf_putc(o, ' ');
            if (*r.namespace_) {
                ps_r_term_text(o, r.namespace_, strlen(r.namespace_));
                ks_buf_putc(o, '/');
            }
            ps_r_term_text(o, r.name, strlen(r.name));
        }
        ks_buf_putc(o, '\n');
    }
    const kv_value *ctls = ps_get(result, "controls");
    size_t n = ctls && ctls->kind == KV_ARRAY ? ctls->len : 0;
    long failed = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        enum ps_st st = ps_r_rc_status(&ctls->u.items[i]);
        failed += st == PS_ST_FAILED;
        skipped += st == PS_ST_SKIPPED;
    }
    ks_buf_printf(o, "\nControls: %zu (Failed: %ld, action required: %ld)\n", n, failed, skipped);
    if (!failed)
        return 0;
    ks_buf_putc(o, '\n');
    table t;
    table_init(&t, p->a, 4);
    t.header = t.sep_rows = true;
    cell *h = table_row(&t);
    if (!h)
        return KS_ENOMEM;
    h[0].text = "Severity";
    h[1].text = "Control name";
    h[2].text = "Docs";
    h[3].text = "Assisted remediation";
    ks_buf b = KS_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const kv_value *rc_ = &ctls->u.items[i];
        const char *cid = ps_get_str(rc_, "controlID");
        if (!cid || ps_r_rc_status(rc_) != PS_ST_FAILED)
            continue;
        const ps_rctl *c = ps_rview_control(v, cid);
        const char **lines = NULL;
        size_t nl = 0;
        rc = ps_r_remediation_lines(p->a, rc_, res ? res->obj : NULL,
                                    PS_PATHS_REDACT | PS_PATHS_CONTAINERS, &lines, &nl);
        cell *r = table_row(&t);
        if (!r)
            break;
        if (c) {
            float score = ps_r_control_score(c);
            r[0] = (cell){ps_r_severity_name(score), severity_colour(score)};
        }
        const char *name = ps_get_str(rc_, "name");
        r[1].text = safe(p->a, name && *name ? name : c ? c->name : "");
        ks_buf_reset(&b);
        ps_r_control_link(&b, cid);
        r[2].text = safe(p->a, ks_buf_cstr(&b));
        ks_buf_reset(&b);
        for (size_t k = 0; k < nl; k++) {
            if (k)
                ks_buf_putc(&b, '\n');
            ps_r_term_text(&b, lines[k], strlen(lines[k]));
        }
        r[3].text = dup(p, &b);
    }
    if (!rc)
        rc = t.err ? t.err : b.err;
    ks_buf_free(&b);
    if (!rc)
        table_render(o, &t, p->colour);
    return rc;
}

int ps_render_pretty(ks_buf *out, const ps_render_in *in, ks_error *err)
{
    ps_rview v;
    int rc = ps_rview_init(&v, in, err);
    if (rc) {
        ps_rview_free(&v);
        return rc;
    }
    pretty p = {.v = &v, .out = out, .a = &v.arena, .colour = in->color, .verbose = in->verbose};
    collect_infos(&p);
    for (size_t i = 0; p.verbose && i < v.nresults && !rc; i++)
        rc = resource(&p, &v.results->u.items[i]);
    if (!rc) {
        ks_buf_putc(out, '\n');
        if (p.colour)
            ks_buf_puts(out, "\x1b[1;38;5;238m");
        for (int i = 0; i < 50; i++)
            ks_buf_puts(out, "─");
        if (p.colour)
            ks_buf_puts(out, "\x1b[0m");
        ks_buf_puts(out, "\n\n");
        if (in->target && *in->target) {
            ks_buf_puts(out, "Scanned: ");
            ps_r_term_text(out, in->target, strlen(in->target));
            ks_buf_puts(out, "\n\n");
        }
        rc = summary(&p);
    }
    if (!rc && out->err)
        rc = out->err;
    if (rc)
        ks_error_set(err, rc, "writing the summary: %s", ks_strerror(rc));
    ps_rview_free(&v);
    return rc;
}
