/*
 * JUnit XML, as upstream's junit printer writes it with Go's encoding/xml
 * (xml.MarshalIndent, two spaces): <testsuites name="Kubescape Scanning">,
 * one <testsuite> per framework (or one named "kubescape" for a scan of
 * controls) with the compliance score as a property, one <testcase> per
 * control sorted by ID; a failed control carries a <failure> listing its
 * failed resources, a skipped one a <skipped> with its reason.
 */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "posture/internal.h"
#include "posture/render_int.h"

static void attr(ks_buf *b, const char *name, const char *val)
{
    ks_buf_putc(b, ' ');
    ks_buf_puts(b, name);
    ks_buf_puts(b, "=\"");
    ps_r_xml_escape(b, val, strlen(val));
    ks_buf_putc(b, '"');
}

static void attr_long(ks_buf *b, const char *name, long v)
{
    ks_buf_printf(b, " %s=\"%ld\"", name, v);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "apiVersion: v1; kind: Pod; namespace: ns; name: x; sourcePath: a.yaml" */
static void resource_line(ps_rview *v, const char *id, ks_buf *b)
{
    ps_rident r;
    if (!ps_rview_ident(v, id, &r)) {
        ks_buf_puts(b, "resourceID: ");
        ks_buf_puts(b, id);
        return;
    }
    ks_buf_printf(b, "apiVersion: %s; kind: %s; ", r.api_version, r.kind);
    if (*r.namespace_)
        ks_buf_printf(b, "namespace: %s; ", r.namespace_);
    ks_buf_printf(b, "name: %s", r.name);
    const char *src = ps_r_source_rel(ps_rview_resource(v, id));
    if (src)
        ks_buf_printf(b, "; sourcePath: %s", src);
}

/* The failure text: remediation, docs link and the sorted, distinct lines
 * of the resources the control failed on. */
static int failure(ps_rview *v, const ps_rctl *c, ks_buf *b)
{
    size_t cap = v->nresults ? v->nresults : 1, n = 0;
    char **lines = calloc(cap, sizeof *lines);
    if (!lines)
        return KS_ENOMEM;
    ks_buf line = KS_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < v->nresults && !rc; i++) {
        const kv_value *r = &v->results->u.items[i];
        const char *rid = ps_get_str(r, "resourceID");
        const kv_value *ctls = ps_get(r, "controls");
        if (!rid || !ctls || ctls->kind != KV_ARRAY)
            continue;
        bool failed = false;
        for (size_t k = 0; k < ctls->len && !failed; k++) {
            const kv_value *rc_ = &ctls->u.items[k];
            failed = ps_str_eq(ps_get(rc_, "controlID"), c->id) &&
                     ps_r_rc_status(rc_) == PS_ST_FAILED;
        }
        if (!failed)
            continue;
        ks_buf_reset(&line);
        resource_line(v, rid, &line);
        if (line.err || !(lines[n] = ks_buf_detach(&line, NULL)))
            rc = KS_ENOMEM;
        else
            n++;
    }
    ks_buf_free(&line);
    qsort(lines, n, sizeof *lines, cmp_str);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (distinct == 0 || strcmp(lines[i], lines[distinct - 1]) != 0)
            lines[distinct++] = lines[i];
        else
            free(lines[i]);
    if (!rc) {
        ks_buf msg = KS_BUF_INIT;
        ks_buf_printf(&msg, "%s failed on %zu resource(s)", c->name, distinct);
        ks_buf_puts(b, "      <failure");
        attr(b, "message", ks_buf_cstr(&msg));
        attr(b, "type", "Control");
        ks_buf_putc(b, '>');
        ks_buf_free(&msg);
        ks_buf text = KS_BUF_INIT;
        ks_buf_puts(&text, "Remediation: ");
        ks_buf_puts(&text, ps_r_control_text(c, "remediation"));
        ks_buf_puts(&text, "\nMore details: ");
        ps_r_control_link(&text, c->id);
        ks_buf_puts(&text, "\n\n");
        for (size_t i = 0; i < distinct; i++) {
            if (i)
                ks_buf_putc(&text, '\n');
            ks_buf_puts(&text, lines[i]);
        }
        ps_r_xml_escape(b, ks_buf_cstr(&text), text.len);
        rc = text.err;
        ks_buf_free(&text);
        ks_buf_puts(b, "</failure>\n");
    }
    for (size_t i = 0; i < distinct; i++)
        free(lines[i]);
    free(lines);
    return rc;
}

static int testcase(ps_rview *v, const char *suite, const ps_rctl *c, ks_buf *b)
{
    ks_buf cls = KS_BUF_INIT;
    ks_buf_printf(&cls, "%s/%s", suite, c->id);
    ks_buf_puts(b, "    <testcase");
    attr(b, "classname", ks_buf_cstr(&cls));
    attr(b, "name", c->name);
    ks_buf_free(&cls);
    int rc = 0;
    if (c->status == PS_ST_FAILED) {
        ks_buf_puts(b, ">\n");
        rc = failure(v, c, b);
        ks_buf_puts(b, "    </testcase>\n");
    } else if (c->status == PS_ST_SKIPPED) {
        /* "<subStatus>: <info>", either alone when the other is empty */
        ks_buf msg = KS_BUF_INIT;
        const char *sub = c->sub_status, *info = c->info;
        while (*sub == ' ')
            sub++;
        while (*info == ' ')
            info++;
        ks_buf_puts(&msg, sub);
        while (msg.len && msg.data[msg.len - 1] == ' ')
            ks_buf_truncate(&msg, msg.len - 1);
        size_t sublen = msg.len;
        if (*info) {
            if (sublen)
                ks_buf_puts(&msg, ": ");
            ks_buf_puts(&msg, info);
            while (msg.len > sublen && msg.data[msg.len - 1] == ' ')
                ks_buf_truncate(&msg, msg.len - 1);
        }
        ks_buf_puts(b, ">\n      <skipped");
        attr(b, "message", ks_buf_cstr(&msg));
        ks_buf_puts(b, "></skipped>\n    </testcase>\n");
        ks_buf_free(&msg);
    } else {
        ks_buf_puts(b, "></testcase>\n");
    }
    return rc;
}

static int testsuite(ps_rview *v, long id, const char *name, const char *classname,
                     const ps_rctl *ctl, size_t n, float compliance, const char *stamp, ks_buf *b)
{
    ps_ccount k = ps_r_count_controls(ctl, n);
    ks_buf_puts(b, "  <testsuite");
    attr_long(b, "tests", k.all);
    attr(b, "name", name);
    attr_long(b, "errors", 0);
    attr_long(b, "failures", k.failed);
    attr_long(b, "id", id);
    attr_long(b, "skipped", k.skipped);
    if (stamp)
        attr(b, "timestamp", stamp);
    char score[64];
    ps_r_compliance_str(compliance, 2, score, sizeof score);
    ks_buf_puts(b, ">\n    <properties>\n      <property name=\"complianceScore\"");
    attr(b, "value", score);
    ks_buf_puts(b, "></property>\n    </properties>\n");
    /* controls come sorted by ID from the view */
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = testcase(v, classname, &ctl[i], b);
    ks_buf_puts(b, "  </testsuite>\n");
    return rc;
}

int ps_render_junit(ks_buf *out, const ps_render_in *in, ks_error *err)
{
    ps_rview v;
    int rc = ps_rview_init(&v, in, err);
    if (rc) {
        ps_rview_free(&v);
        return rc;
    }
    char stamp[KS_TIME_BUFSZ];
    const char *ts = ps_r_report_time(v.report, 0, stamp) ? stamp : NULL;
    ks_buf body = KS_BUF_INIT;
    long tests = 0, failures = 0;
    if (v.nfws == 0) {
        ps_ccount k = ps_r_count_controls(v.controls, v.ncontrols);
        tests = k.all;
        failures = k.failed;
        rc = testsuite(&v, 0, "kubescape", "Kubescape", v.controls, v.ncontrols, v.compliance, ts,
                       &body);
    }
    for (size_t i = 0; i < v.nfws && !rc; i++) {
        const ps_rfw *f = &v.fws[i];
        ps_ccount k = ps_r_count_controls(f->controls, f->ncontrols);
        tests += k.all;
        failures += k.failed;
        rc = testsuite(&v, (long)i, f->name, f->name, f->controls, f->ncontrols, f->compliance, ts,
                       &body);
    }
    if (!rc && body.err)
        rc = body.err;
    if (!rc) {
        ks_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
        attr_long(out, "errors", 0);
        attr_long(out, "failures", failures);
        attr_long(out, "tests", tests);
        attr(out, "name", "Kubescape Scanning");
        ks_buf_puts(out, ">\n");
        ks_buf_append(out, body.data ? body.data : "", body.len);
        ks_buf_puts(out, "</testsuites>\n");
        if (out->err)
            rc = ks_error_set(err, out->err, "writing JUnit XML: %s", ks_strerror(out->err));
    } else {
        rc = ks_error_set(err, rc, "writing JUnit XML: %s", ks_strerror(rc));
    }
    ks_buf_free(&body);
    ps_rview_free(&v);
    return rc;
}
