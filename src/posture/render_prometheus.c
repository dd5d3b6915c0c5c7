/*
 * Prometheus text exposition of a scan, with upstream's metric names and
 * labels: the scan (kubescape_cluster_*), each framework, each control and
 * each resource. Every family is a gauge written once with HELP and TYPE,
 * its samples together, families in the order upstream first writes them.
 * A label set repeated within a family (the same object in two resources)
 * is written once, as the format requires.
 */
#include <math.h>
#include <string.h>

#include "core/map.h"
#include "posture/internal.h"
#include "posture/render_int.h"

enum fam {
    F_CL_SCORE,
    F_CL_RES_FAILED,
    F_CL_RES_SKIPPED,
    F_CL_RES_PASSED,
    F_CL_CTL_FAILED,
    F_CL_CTL_SKIPPED,
    F_CL_CTL_PASSED,
    F_CL_COVERAGE,
    F_FW_SCORE,
    F_FW_RES_FAILED,
    F_FW_RES_SKIPPED,
    F_FW_RES_PASSED,
    F_FW_CTL_FAILED,
    F_FW_CTL_SKIPPED,
    F_FW_CTL_PASSED,
    F_C_SCORE,
    F_C_RES_FAILED,
    F_C_RES_SKIPPED,
    F_C_RES_PASSED,
    F_R_CTL_FAILED,
    F_R_CTL_SKIPPED,
    F_COUNT
};

static const struct {
    const char *name, *help;
} FAM[F_COUNT] = {
        {"kubescape_cluster_complianceScore", "Compliance score of the scan (0-100)"},
        {"kubescape_cluster_count_resources_failed", "Resources that failed a control"},
        {"kubescape_cluster_count_resources_skipped", "Resources with a control to act on"},
        {"kubescape_cluster_count_resources_passed", "Resources that passed every control"},
        {"kubescape_cluster_count_control_failed", "Controls that failed"},
        {"kubescape_cluster_count_control_skipped", "Controls skipped (action required)"},
        {"kubescape_cluster_count_control_passed", "Controls that passed"},
        {"kubescape_cluster_coverage_score", "How complete the scan was (0-100)"},
        {"kubescape_framework_complianceScore", "Compliance score of a framework (0-100)"},
        {"kubescape_framework_count_resources_failed", "Resources that failed in a framework"},
        {"kubescape_framework_count_resources_skipped", "Resources skipped in a framework"},
        {"kubescape_framework_count_resources_passed", "Resources that passed in a framework"},
        {"kubescape_framework_count_control_failed", "Failed controls of a framework"},
        {"kubescape_framework_count_control_skipped", "Skipped controls of a framework"},
        {"kubescape_framework_count_control_passed", "Passed controls of a framework"},
        {"kubescape_control_complianceScore", "Compliance score of a control (0-100)"},
        {"kubescape_control_count_resources_failed", "Resources that failed a control"},
        {"kubescape_control_count_resources_skipped", "Resources a control skipped"},
        {"kubescape_control_count_resources_passed", "Resources that passed a control"},
        {"kubescape_resource_count_controls_failed", "Controls a resource failed"},
        {"kubescape_resource_count_controls_skipped", "Controls skipped on a resource"},
};

typedef struct prom {
    ks_buf samples[F_COUNT];
    ks_map seen[F_COUNT]; /* label sets written, keys in arena */
    enum fam order[F_COUNT];
    size_t norder;
    bool used[F_COUNT];
    ks_arena arena;
    ks_buf labels; /* the label set being built */
    int err;
} prom;

static void sample(prom *p, enum fam f, long value)
{
    if (p->err)
        return;
    if (p->labels.err) {
        p->err = p->labels.err;
        return;
    }
    const char *l = ks_buf_cstr(&p->labels);
    bool created = false;
    ks_map_entry *e = ks_map_upsert(&p->seen[f], l, p->labels.len, &created);
    if (!e) {
        p->err = KS_ENOMEM;
        return;
    }
    if (!created)
        return;
    e->key = ks_arena_strndup(&p->arena, l, p->labels.len);
    if (!e->key) {
        ks_map_del(&p->seen[f], l, p->labels.len, NULL);
        p->err = KS_ENOMEM;
        return;
    }
    if (!p->used[f]) {
        p->used[f] = true;
        p->order[p->norder++] = f;
    }
    ks_buf *b = &p->samples[f];
    ks_buf_printf(b, "%s{", FAM[f].name);
    ks_buf_append(b, l, p->labels.len);
    ks_buf_printf(b, "} %ld\n", value);
    if (b->err)
        p->err = b->err;
}

static void labels_reset(prom *p)
{
    ks_buf_reset(&p->labels);
}

static void label(prom *p, const char *name, const char *val)
{
    ks_buf *b = &p->labels;
    if (b->len)
        ks_buf_putc(b, ',');
    ks_buf_printf(b, "%s=\"", name);
    ps_r_prom_escape(b, val, strlen(val));
    ks_buf_putc(b, '"');
}

/* Score, resources and controls counters of the scan (base F_CL_SCORE) or a
 * framework (base F_FW_SCORE); the labels are set. */
static void totals(prom *p, enum fam base, float compliance, long passed, long failed, long skipped,
                   ps_ccount c)
{
    sample(p, base, ps_r_compliance_int(compliance));
    sample(p, base + 1, failed);
    sample(p, base + 2, skipped);
    sample(p, base + 3, passed);
    sample(p, base + 4, c.failed);
    sample(p, base + 5, c.skipped);
    sample(p, base + 6, c.passed);
}

/* Float32ToIntFloor: floor, but a value within 1e-4 of an integer is it. */
static long coverage_int(float x)
{
    double f = x, r = round(f);
    if (f >= 0 && fabs(f - r) < 1e-4)
        return (long)r;
    return (long)floor(f);
}

static void resources(ps_rview *v, prom *p)
{
    for (size_t i = 0; i < v->nresults && !p->err; i++) {
        const kv_value *r = &v->results->u.items[i];
        const char *id = ps_get_str(r, "resourceID");
        ps_rident who;
        if (!id || !ps_rview_ident(v, id, &who))
            continue;
        long failed = 0, skipped = 0;
        const kv_value *ctls = ps_get(r, "controls");
        for (size_t k = 0; ctls && ctls->kind == KV_ARRAY && k < ctls->len; k++) {
            enum ps_st st = ps_r_rc_status(&ctls->u.items[k]);
            failed += st == PS_ST_FAILED;
            skipped += st == PS_ST_SKIPPED;
        }
        labels_reset(p);
        label(p, "apiVersion", who.api_version);
        label(p, "kind", who.kind);
        label(p, "namespace", who.namespace_);
        label(p, "name", who.name);
        sample(p, F_R_CTL_FAILED, failed);
        sample(p, F_R_CTL_SKIPPED, skipped);
    }
}

static void collect(ps_rview *v, prom *p)
{
    labels_reset(p);
    totals(p, F_CL_SCORE, v->compliance, v->passed, v->failed, v->skipped,
           ps_r_count_controls(v->controls, v->ncontrols));

    /* scanCoverage is in the report only when something was missed */
    const kv_value *cov = ps_get(v->report, "scanCoverage");
    const kv_value *cs = ps_get(cov, "coverageScore");
    long coverage = cs ? coverage_int(ps_r_num_f32(cs)) : v->ncontrols ? 100 : 0;
    sample(p, F_CL_COVERAGE, coverage);

    for (size_t i = 0; i < v->nfws; i++) {
        const ps_rfw *f = &v->fws[i];
        labels_reset(p);
        label(p, "name", f->name);
        totals(p, F_FW_SCORE, f->compliance, f->passed, f->failed, f->skipped,
               ps_r_count_controls(f->controls, f->ncontrols));
    }

    ks_buf link = KS_BUF_INIT;
    for (size_t i = 0; i < v->ncontrols; i++) {
        const ps_rctl *c = &v->controls[i];
        ks_buf_reset(&link);
        ps_r_control_link(&link, c->id);
        labels_reset(p);
        label(p, "name", c->name);
        label(p, "severity", ps_r_severity_name(ps_r_control_score(c)));
        label(p, "link", ks_buf_cstr(&link));
        int score = ps_r_compliance_int(c->compliance);
        if (score >= 0)
            sample(p, F_C_SCORE, score);
        sample(p, F_C_RES_FAILED, c->failed);
        sample(p, F_C_RES_SKIPPED, c->skipped);
        sample(p, F_C_RES_PASSED, c->passed);
    }
    if (link.err && !p->err)
        p->err = link.err;
    ks_buf_free(&link);
    resources(v, p);
}

int ps_render_prometheus(ks_buf *out, const ps_render_in *in, ks_error *err)
{
    ps_rview v;
    int rc = ps_rview_init(&v, in, err);
    if (rc) {
        ps_rview_free(&v);
        return rc;
    }
    prom p;
    memset(&p, 0, sizeof p);
    ks_arena_init(&p.arena, NULL, 0);
    for (size_t f = 0; f < F_COUNT; f++)
        ks_map_init(&p.seen[f]);
    collect(&v, &p);
    rc = p.err;
    for (size_t i = 0; i < p.norder && !rc; i++) {
        enum fam f = p.order[i];
        ks_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", FAM[f].name, FAM[f].help,
                      FAM[f].name);
        ks_buf_append(out, p.samples[f].data ? p.samples[f].data : "", p.samples[f].len);
    }
    if (!rc && out->err)
        rc = out->err;
    if (rc)
        ks_error_set(err, rc, "writing Prometheus metrics: %s", ks_strerror(rc));
    for (size_t f = 0; f < F_COUNT; f++) {
        ks_buf_free(&p.samples[f]);
        ks_map_free(&p.seen[f]);
    }
    ks_buf_free(&p.labels);
    ks_arena_free(&p.arena);
    ps_rview_free(&v);
    return rc;
}
