/*
 * A self-contained HTML page of a scan, with the content of upstream's
 * html printer: the control counts, a table of the controls by severity
 * (failed and all resources, compliance score) and, for every failed
 * resource, its failed controls with documentation links and the assisted
 * remediation paths. Style is inline; there are no scripts, images or other
 * external assets, and every text from the report is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "posture/internal.h"
#include "posture/render_int.h"

static const char STYLE[] =
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em;"
        "color:#1d2330;background:#fff}\n"
        "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #d5d9e0}\n"
        "table{border-collapse:collapse;margin:.6em 0;width:100%}\n"
        "th,td{border:1px solid #d5d9e0;padding:.35em .6em;text-align:left;"
        "vertical-align:top}\n"
        "th{background:#f1f3f6}td.num{text-align:right}\n"
        "td.paths p{margin:0;font-family:ui-monospace,monospace;font-size:.9em;"
        "word-break:break-all}\n"
        ".sev-Critical{color:#8b0000;font-weight:bold}.sev-High{color:#c62828;font-weight:bold}\n"
        ".sev-Medium{color:#d46b08}.sev-Low{color:#8c7b00}.sev-Unknown{color:#555}\n"
        ".st-failed{color:#c62828}.st-passed{color:#2e7d32}.st-skipped{color:#6a4c93}\n"
        ".meta{color:#555}section.resource{margin-top:1.2em}\n"
        "dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.4em 0}\n"
        "dt{font-weight:bold}dd{margin:0}\n";

static void esc(ks_buf *b, const char *s)
{
    ps_r_html_escape(b, s, strlen(s));
}

static void td(ks_buf *b, const char *cls, const char *text)
{
    ks_buf_puts(b, "<td");
    if (cls) {
        ks_buf_puts(b, " class=\"");
        esc(b, cls);
        ks_buf_putc(b, '"');
    }
    ks_buf_putc(b, '>');
    esc(b, text);
    ks_buf_puts(b, "</td>");
}

static void td_long(ks_buf *b, long v)
{
    ks_buf_printf(b, "<td class=\"num\">%ld</td>", v);
}

static void score_cell(ks_buf *b, const ps_rctl *c)
{
    char s[64];
    if (c->status == PS_ST_SKIPPED) {
        td(b, "num", "Action required");
        return;
    }
    int v = ps_r_compliance_int(c->compliance);
    if (v < 0)
        snprintf(s, sizeof s, "N/A");
    else
        snprintf(s, sizeof s, "%d%%", v);
    td(b, "num", s);
}

static int cmp_severity_name(const void *x, const void *y)
{
    const ps_rctl *a = *(const ps_rctl *const *)x, *b = *(const ps_rctl *const *)y;
    int ra = ps_r_severity_rank(ps_r_control_score(a)),
        rb = ps_r_severity_rank(ps_r_control_score(b));
    if (ra != rb)
        return rb - ra;
    int c = strcmp(a->name, b->name);
    return c ? c : strcmp(a->id, b->id);
}

static void summary(ps_rview *v, ks_buf *b)
{
    ps_ccount k = ps_r_count_controls(v->controls, v->ncontrols);
    char score[64];
    ps_r_compliance_str(v->compliance, 2, score, sizeof score);
    ks_buf_puts(b, "<h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th>Controls</th>"
                   "<th>Passed</th><th>Failed</th><th>Action required</th>"
                   "<th>Failed resources</th><th>All resources</th>"
                   "<th>Compliance score</th></tr></thead>\n<tbody><tr>");
    td_long(b, k.all);
    td_long(b, k.passed);
    td_long(b, k.failed);
    td_long(b, k.skipped);
    td_long(b, v->failed);
    td_long(b, v->passed + v->failed + v->skipped);
    ks_buf_printf(b, "<td class=\"num\">%s%%</td></tr></tbody></table>\n", score);
    if (!v->nfws)
        return;
    ks_buf_puts(b, "<h2>Frameworks</h2>\n<table class=\"frameworks\"><thead><tr>"
                   "<th>Framework</th><th>Controls</th><th>Failed controls</th>"
                   "<th>Failed resources</th><th>All resources</th>"
                   "<th>Compliance score</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < v->nfws; i++) {
        const ps_rfw *f = &v->fws[i];
        ps_ccount fk = ps_r_count_controls(f->controls, f->ncontrols);
        ps_r_compliance_str(f->compliance, 2, score, sizeof score);
        ks_buf_puts(b, "<tr>");
        td(b, NULL, f->name);
        td_long(b, fk.all);
        td_long(b, fk.failed);
        td_long(b, f->failed);
        td_long(b, f->passed + f->failed + f->skipped);
        ks_buf_printf(b, "<td class=\"num\">%s%%</td></tr>\n", score);
    }
    ks_buf_puts(b, "</tbody></table>\n");
}

static int controls(ps_rview *v, ks_buf *b)
{
    ks_buf_puts(b, "<h2>Controls</h2>\n<table class=\"controls\"><thead><tr><th>Severity</th>"
                   "<th>Control</th><th>Name</th><th>Status</th><th>Failed resources</th>"
                   "<th>All resources</th><th>Compliance score</th></tr></thead>\n<tbody>\n");
    const ps_rctl **sorted = v->ncontrols ? calloc(v->ncontrols, sizeof *sorted) : NULL;
    if (v->ncontrols && !sorted)
        return KS_ENOMEM;
    for (size_t i = 0; i < v->ncontrols; i++)
        sorted[i] = &v->controls[i];
    if (v->ncontrols)
        qsort(sorted, v->ncontrols, sizeof *sorted, cmp_severity_name);
    ks_buf cls = KS_BUF_INIT, link = KS_BUF_INIT;
    for (size_t i = 0; i < v->ncontrols; i++) {
        const ps_rctl *c = sorted[i];
        const char *sev = ps_r_severity_name(ps_r_control_score(c));
        ks_buf_reset(&cls);
        ks_buf_printf(&cls, "sev-%s", sev);
        ks_buf_reset(&link);
        ps_r_control_link(&link, c->id);
        ks_buf_puts(b, "<tr>");
        td(b, ks_buf_cstr(&cls), sev);
        ks_buf_puts(b, "<td><a href=\"");
        esc(b, ks_buf_cstr(&link));
        ks_buf_puts(b, "\">");
        esc(b, c->id);
        ks_buf_puts(b, "</a></td>");
        td(b, NULL, c->name);
        ks_buf_reset(&cls);
        ks_buf_printf(&cls, "st-%s", ps_r_status_name(c->status));
        ks_buf_puts(b, "<td class=\"");
        esc(b, ks_buf_cstr(&cls));
        ks_buf_puts(b, "\">");
        esc(b, ps_r_status_name(c->status));
        if (*c->sub_status) {
            ks_buf_puts(b, " (");
            esc(b, c->sub_status);
            ks_buf_putc(b, ')');
        }
        ks_buf_puts(b, "</td>");
        td_long(b, c->failed);
        td_long(b, c->passed + c->failed + c->skipped);
        score_cell(b, c);
        ks_buf_puts(b, "</tr>\n");
    }
    ks_buf_puts(b, "</tbody></table>\n");
    int rc = cls.err ? cls.err : link.err;
    ks_buf_free(&cls);
    ks_buf_free(&link);
    free(sorted);
    return rc;
}

typedef struct fres {
    const kv_value *result;
    const char *id;
    ps_rident who;
    size_t pos;
} fres;

static int cmp_ns(const void *x, const void *y)
{
    const fres *a = x, *b = y;
    int c = strcmp(a->who.namespace_, b->who.namespace_);
    return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static void dl_item(ks_buf *b, const char *term, const char *val)
{
    ks_buf_puts(b, "<dt>");
    esc(b, term);
    ks_buf_puts(b, "</dt><dd>");
    esc(b, val);
    ks_buf_puts(b, "</dd>");
}

static int resource(ps_rview *v, const fres *f, ks_buf *b)
{
    const ps_rres *res = ps_rview_resource(v, f->id);
    ks_buf_puts(b, "<section class=\"resource\">\n<h3>");
    esc(b, f->who.kind);
    ks_buf_putc(b, ' ');
    esc(b, f->who.name);
    ks_buf_puts(b, "</h3>\n<dl>");
    dl_item(b, "ApiVersion", f->who.api_version);
    dl_item(b, "Kind", f->who.kind);
    dl_item(b, "Name", f->who.name);
    dl_item(b, "Namespace", f->who.namespace_);
    const char *src = ps_r_source_rel(res);
    if (src)
        dl_item(b, "Source", src);
    ks_buf_puts(b, "</dl>\n<table><thead><tr><th>Severity</th><th>Name</th><th>Docs</th>"
                   "<th>Assisted remediation</th></tr></thead>\n<tbody>\n");
    const kv_value *ctls = ps_get(f->result, "controls");
    ks_buf link = KS_BUF_INIT, cls = KS_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; ctls && ctls->kind == KV_ARRAY && i < ctls->len && !rc; i++) {
        const kv_value *rc_ = &ctls->u.items[i];
        const char *cid = ps_get_str(rc_, "controlID");
        if (!cid || ps_r_rc_status(rc_) != PS_ST_FAILED)
            continue;
        const ps_rctl *c = ps_rview_control(v, cid);
        if (!c)
            continue;
        const char **lines = NULL;
        size_t n = 0;
        rc = ps_r_remediation_lines(&v->arena, rc_, res ? res->obj : NULL, PS_PATHS_CONTAINERS,
                                    &lines, &n);
        const char *sev = ps_r_severity_name(ps_r_control_score(c));
        ks_buf_reset(&cls);
        ks_buf_printf(&cls, "sev-%s", sev);
        ks_buf_reset(&link);
        ps_r_control_link(&link, cid);
        ks_buf_puts(b, "<tr>");
        td(b, ks_buf_cstr(&cls), sev);
        const char *name = ps_get_str(rc_, "name");
        td(b, NULL, name && *name ? name : c->name);
        ks_buf_puts(b, "<td><a href=\"");
        esc(b, ks_buf_cstr(&link));
        ks_buf_puts(b, "\">");
        esc(b, cid);
        ks_buf_puts(b, "</a></td><td class=\"paths\">");
        for (size_t k = 0; k < n; k++) {
            ks_buf_puts(b, "<p>");
            esc(b, lines[k]);
            ks_buf_puts(b, "</p>");
        }
        ks_buf_puts(b, "</td></tr>\n");
    }
    ks_buf_puts(b, "</tbody></table>\n</section>\n");
    if (!rc)
        rc = link.err ? link.err : cls.err;
    ks_buf_free(&link);
    ks_buf_free(&cls);
    return rc;
}

static int failed_resources(ps_rview *v, ks_buf *b)
{
    ks_buf_puts(b, "<h2>Failed resources</h2>\n");
    fres *f = v->nresults ? calloc(v->nresults, sizeof *f) : NULL;
    if (v->nresults && !f)
        return KS_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < v->nresults; i++) {
        const kv_value *r = &v->results->u.items[i];
        const char *id = ps_get_str(r, "resourceID");
        const kv_value *ctls = ps_get(r, "controls");
        bool failed = false;
        for (size_t k = 0; ctls && ctls->kind == KV_ARRAY && k < ctls->len && !failed; k++)
            failed = ps_r_rc_status(&ctls->u.items[k]) == PS_ST_FAILED;
        if (!id || !failed)
            continue;
        f[n] = (fres){.result = r, .id = id, .pos = i};
        if (!ps_rview_ident(v, id, &f[n].who)) {
            ps_r_rident_of(NULL, &f[n].who);
            f[n].who.name = id;
        }
        n++;
    }
    if (n)
        qsort(f, n, sizeof *f, cmp_ns);
    if (!n)
        ks_buf_puts(b, "<p>No resource failed a control.</p>\n");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = resource(v, &f[i], b);
    free(f);
    return rc;
}

int ps_render_html(ks_buf *out, const ps_render_in *in, ks_error *err)
{
    ps_rview v;
    int rc = ps_rview_init(&v, in, err);
    if (rc) {
        ps_rview_free(&v);
        return rc;
    }
    ks_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>Kubescape scan report</title>\n<style>\n");
    ks_buf_puts(out, STYLE);
    ks_buf_puts(out, "</style>\n</head>\n<body>\n<h1>Kubescape scan report</h1>\n"
                     "<p class=\"meta\">");
    bool any = false;
    if (in->target && *in->target) {
        ks_buf_puts(out, "Scanned: ");
        esc(out, in->target);
        any = true;
    }
    const char *cluster = ps_get_str(v.report, "clusterName");
    if (cluster && *cluster) {
        ks_buf_puts(out, any ? " &middot; Cluster: " : "Cluster: ");
        esc(out, cluster);
        any = true;
    }
    char t[KS_TIME_BUFSZ];
    if (ps_r_report_time(v.report, 0, t)) {
        ks_buf_puts(out, any ? " &middot; Generated: " : "Generated: ");
        esc(out, t);
    }
    ks_buf_puts(out, "</p>\n");
    summary(&v, out);
    rc = controls(&v, out);
    if (!rc)
        rc = failed_resources(&v, out);
    ks_buf_puts(out, "</body>\n</html>\n");
    if (!rc && out->err)
        rc = out->err;
    if (rc)
        ks_error_set(err, rc, "writing HTML: %s", ks_strerror(rc));
    ps_rview_free(&v);
    return rc;
}
