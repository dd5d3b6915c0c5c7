/*
 * Writes a library as the upstream release artifacts (what regolibrary's
 * export produces and what `kubescape scan --use-artifacts-from` reads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "posture/internal.h"

typedef struct exporter {
    const ps_library *lib;
    const char *dir;
    const char *version;
    ks_error *err;
    ks_arena a; /* scratch */
} exporter;

static int write_doc(exporter *E, const char *name, const kv_value *v)
{
    ks_buf b = KS_BUF_INIT;
    int rc = kv_json_write(&b, v, KV_JSON_INDENT(4));
    if (!rc)
        rc = ks_buf_putc(&b, '\n');
    if (rc) {
        ks_buf_free(&b);
        return ks_error_set(E->err, rc, "%s: %s", name, ks_strerror(rc));
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", E->dir, name);
    rc = ks_file_write_atomic(path, b.data, b.len, 0644, E->err);
    ks_buf_free(&b);
    return rc;
}

static int write_text(exporter *E, const char *name, const ks_buf *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", E->dir, name);
    return ks_file_write_atomic(path, b->data ? b->data : "", b->len, 0644, E->err);
}

static int set_member(ks_arena *a, kv_value *obj, const char *key, const kv_value *val)
{
    return ps_obj_set(a, obj, key, val, obj);
}

static int str_val(ks_arena *a, const char *s, kv_value *out)
{
    return kv_str_copy(a, s, strlen(s), out);
}

/* The control as a framework lists it: patched, rules full or empty. */
static int fw_control_doc(exporter *E, const ps_fw_control *fc, bool full_rules, kv_value *out)
{
    kv_value d = fc->doc;
    int rc = set_member(&E->a, &d, "rulesNames", NULL);
    if (rc)
        return rc;
    size_t n = full_rules ? fc->control->nrules : 0;
    kv_value *rules = calloc(n ? n : 1, sizeof *rules);
    if (!rules)
        return KS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        rules[i] = fc->control->rules[i]->doc;
    kv_value arr;
    rc = kv_array_new(&E->a, rules, n, &arr);
    free(rules);
    if (!rc)
        rc = set_member(&E->a, &d, "rules", &arr);
    *out = d;
    return rc;
}

static int framework_doc(exporter *E, const ps_framework *f, bool full_rules, kv_value *out)
{
    kv_value d = f->doc, ver;
    kv_value *ctrls = calloc(f->ncontrols ? f->ncontrols : 1, sizeof *ctrls);
    kv_value *ids = calloc(f->ncontrols ? f->ncontrols : 1, sizeof *ids);
    int rc = ctrls && ids ? 0 : KS_ENOMEM;
    for (size_t i = 0; !rc && i < f->ncontrols; i++) {
        rc = fw_control_doc(E, &f->controls[i], full_rules, &ctrls[i]);
        if (!rc)
            rc = str_val(&E->a, f->controls[i].control->id, &ids[i]);
    }
    kv_value arr, idarr;
    if (!rc)
        rc = kv_array_new(&E->a, ctrls, f->ncontrols, &arr);
    if (!rc)
        rc = kv_array_new(&E->a, ids, f->ncontrols, &idarr);
    if (!rc)
        rc = set_member(&E->a, &d, "controls", &arr);
    if (!rc)
        rc = set_member(&E->a, &d, "ControlsIDs", &idarr);
    if (!rc && E->version) {
        rc = str_val(&E->a, E->version, &ver);
        if (!rc)
            rc = set_member(&E->a, &d, "version", &ver);
    }
    free(ctrls);
    free(ids);
    *out = d;
    return rc;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* controls.json: every control with "rules": [], its rulesNames, and the
 * sorted names of the frameworks that list it. */
static int controls_doc(exporter *E, kv_value *out)
{
    const ps_library *lib = E->lib;
    kv_value *items = calloc(lib->ncontrols ? lib->ncontrols : 1, sizeof *items);
    const char **names = calloc(lib->nframeworks ? lib->nframeworks : 1, sizeof *names);
    kv_value *fwv = calloc(lib->nframeworks ? lib->nframeworks : 1, sizeof *fwv);
    int rc = items && names && fwv ? 0 : KS_ENOMEM;
    for (size_t i = 0; !rc && i < lib->ncontrols; i++) {
        const ps_control *c = &lib->controls[i];
        size_t nn = 0;
        for (size_t f = 0; f < lib->nframeworks; f++)
            for (size_t k = 0; k < lib->frameworks[f].ncontrols; k++)
                if (lib->frameworks[f].controls[k].control == c) {
                    names[nn++] = lib->frameworks[f].name;
                    break;
                }
        qsort(names, nn, sizeof *names, cmp_str);
        for (size_t k = 0; k < nn; k++)
            fwv[k] = kv_str_ref(names[k], strlen(names[k]));
        kv_value arr, d = c->doc;
        rc = kv_array_new(&E->a, fwv, nn, &arr);
        if (!rc)
            rc = set_member(&E->a, &d, "frameworks", &arr);
        items[i] = d;
    }
    if (!rc)
        rc = kv_array_new(&E->a, items, lib->ncontrols, out);
    free(items);
    free(names);
    free(fwv);
    return rc;
}

static int cmp_rule_name(const void *x, const void *y)
{
    return strcmp(ps_get_str((const kv_value *)x, "name"), ps_get_str((const kv_value *)y, "name"));
}

static int rules_doc(exporter *E, kv_value *out)
{
    const ps_library *lib = E->lib;
    kv_value *items = calloc(lib->nrules ? lib->nrules : 1, sizeof *items);
    if (!items)
        return KS_ENOMEM;
    for (size_t i = 0; i < lib->nrules; i++)
        items[i] = lib->rules[i].doc;
    qsort(items, lib->nrules, sizeof *items, cmp_rule_name);
    int rc = kv_array_new(&E->a, items, lib->nrules, out);
    free(items);
    return rc;
}

/* exceptions.json: a policy with several resources becomes one policy per
 * resource named <name>-1, <name>-2, ...; exact duplicates (ignoring the
 * name) are dropped. */
static int exceptions_doc(exporter *E, kv_value *out)
{
    const kv_value *ex = &E->lib->exceptions;
    size_t cap = 16, n = 0;
    kv_value *items = malloc(cap * sizeof *items);
    ks_buf seen = KS_BUF_INIT, key = KS_BUF_INIT;
    int rc = items ? 0 : KS_ENOMEM;
    for (size_t i = 0; !rc && i < ex->len; i++) {
        const kv_value *p = &ex->u.items[i];
        const kv_value *res = ps_get(p, "resources");
        size_t parts = res && res->kind == KV_ARRAY && res->len > 1 ? res->len : 1;
        for (size_t k = 0; !rc && k < parts; k++) {
            kv_value d = *p;
            if (parts > 1) {
                kv_value one, nm;
                char name[512];
                snprintf(name, sizeof name, "%s-%zu",
                         ps_get_str(p, "name") ? ps_get_str(p, "name") : "", k + 1);
                rc = kv_array_new(&E->a, &res->u.items[k], 1, &one);
                if (!rc)
                    rc = set_member(&E->a, &d, "resources", &one);
                if (!rc)
                    rc = str_val(&E->a, name, &nm);
                if (!rc)
                    rc = set_member(&E->a, &d, "name", &nm);
            }
            /* duplicate check on the canonical text without the name */
            kv_value noname = d, empty = kv_str_ref("", 0);
            if (!rc)
                rc = set_member(&E->a, &noname, "name", &empty);
            ks_buf_reset(&key);
            if (!rc)
                rc = kv_json_write(&key, &noname, KV_JSON_CANONICAL);
            if (!rc)
                rc = ks_buf_putc(&key, '\n');
            if (rc)
                break;
            const char *s = ks_buf_cstr(&seen);
            bool dup = false;
            for (const char *q = s; *q;) {
                const char *nl = strchr(q, '\n');
                if ((size_t)(nl - q + 1) == key.len && memcmp(q, key.data, key.len) == 0) {
                    dup = true;
                    break;
                }
                q = nl + 1;
            }
            if (dup)
                continue;
            ks_buf_append(&seen, key.data, key.len);
            if (n == cap) {
                cap *= 2;
                kv_value *np = realloc(items, cap * sizeof *np);
                if (!np) {
                    rc = KS_ENOMEM;
                    break;
                }
                items = np;
            }
            items[n++] = d;
        }
    }
    if (!rc)
        rc = kv_array_new(&E->a, items, n, out);
    free(items);
    ks_buf_free(&seen);
    ks_buf_free(&key);
    return rc;
}

static int tracks_doc(exporter *E, kv_value *out)
{
    const kv_value *t = &E->lib->attack_tracks;
    kv_value *items = calloc(t->len ? t->len : 1, sizeof *items);
    int rc = items ? 0 : KS_ENOMEM;
    for (size_t i = 0; !rc && i < t->len; i++) {
        items[i] = t->u.items[i];
        const kv_value *spec = ps_get(&items[i], "spec");
        if (E->version && spec && spec->kind == KV_OBJECT) {
            kv_value s = *spec, ver;
            rc = str_val(&E->a, E->version, &ver);
            if (!rc)
                rc = set_member(&E->a, &s, "version", &ver);
            if (!rc)
                rc = set_member(&E->a, &items[i], "spec", &s);
        }
    }
    if (!rc)
        rc = kv_array_new(&E->a, items, t->len, out);
    free(items);
    return rc;
}

static void csv_field(ks_buf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        ks_buf_putc(b, '"');
        for (; *s; s++) {
            if (*s == '"')
                ks_buf_putc(b, '"');
            ks_buf_putc(b, *s);
        }
        ks_buf_putc(b, '"');
    } else {
        ks_buf_puts(b, s);
    }
}

static int write_csvs(exporter *E)
{
    const ps_library *lib = E->lib;
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "ControlID,RuleName\r\n");
    for (size_t i = 0; i < lib->ncontrols; i++)
        for (size_t k = 0; k < lib->controls[i].nrules; k++) {
            csv_field(&b, lib->controls[i].id);
            ks_buf_putc(&b, ',');
            csv_field(&b, lib->controls[i].rules[k]->name);
            ks_buf_puts(&b, "\r\n");
        }
    int rc = write_text(E, "ControlID_RuleName.csv", &b);
    ks_buf_reset(&b);
    ks_buf_puts(&b, "frameworkName,ControlID,ControlName\r\n");
    for (size_t f = 0; !rc && f < lib->nframeworks; f++)
        for (size_t k = 0; k < lib->frameworks[f].ncontrols; k++) {
            csv_field(&b, lib->frameworks[f].name);
            ks_buf_putc(&b, ',');
            csv_field(&b, lib->frameworks[f].controls[k].control->id);
            ks_buf_putc(&b, ',');
            csv_field(&b, lib->frameworks[f].controls[k].control->name);
            ks_buf_puts(&b, "\r\n");
        }
    if (!rc)
        rc = write_text(E, "FWName_CID_CName.csv", &b);
    ks_buf_free(&b);
    return rc;
}

int ps_library_export(const ps_library *lib, const char *dir, const char *version, ks_error *err)
{
    exporter E = {.lib = lib, .dir = dir, .version = version, .err = err};
    int rc = ks_mkdir_p(dir, 0755, err);
    if (rc)
        return rc;
    ks_arena_init(&E.a, NULL, 0);
    kv_value doc;
    /* frameworks.json / security_frameworks.json and one file per framework */
    for (int sec = 0; !rc && sec < 2; sec++) {
        kv_value *items = calloc(lib->nframeworks ? lib->nframeworks : 1, sizeof *items);
        size_t n = 0;
        if (!items)
            rc = KS_ENOMEM;
        for (size_t f = 0; !rc && f < lib->nframeworks; f++)
            if (lib->frameworks[f].security == (sec == 1))
                rc = framework_doc(&E, &lib->frameworks[f], false, &items[n++]);
        if (!rc)
            rc = kv_array_new(&E.a, items, n, &doc);
        if (!rc)
            rc = write_doc(&E, sec ? "security_frameworks.json" : "frameworks.json", &doc);
        free(items);
    }
    for (size_t f = 0; !rc && f < lib->nframeworks; f++) {
        char name[512];
        size_t k = 0;
        for (const char *s = lib->frameworks[f].name; *s && k + 6 < sizeof name; s++)
            name[k++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : (*s == '/' ? '_' : *s));
        memcpy(name + k, ".json", 6);
        rc = framework_doc(&E, &lib->frameworks[f], true, &doc);
        if (!rc)
            rc = write_doc(&E, name, &doc);
    }
    if (!rc)
        rc = controls_doc(&E, &doc);
    if (!rc)
        rc = write_doc(&E, "controls.json", &doc);
    if (!rc)
        rc = rules_doc(&E, &doc);
    if (!rc)
        rc = write_doc(&E, "rules.json", &doc);
    if (!rc)
        rc = write_doc(&E, "default_config_inputs.json", &lib->inputs_doc);
    if (!rc)
        rc = write_doc(&E, "controls-inputs.json", &lib->inputs);
    if (!rc)
        rc = tracks_doc(&E, &doc);
    if (!rc)
        rc = write_doc(&E, "attack_tracks.json", &doc);
    if (!rc)
        rc = write_doc(&E, "attack-tracks.json", &doc);
    if (!rc)
        rc = exceptions_doc(&E, &doc);
    if (!rc)
        rc = write_doc(&E, "exceptions.json", &doc);
    if (!rc)
        rc = write_csvs(&E);
    if (rc && !err->msg[0])
        ks_error_set(err, rc, "exporting the library to %s: %s", dir, ks_strerror(rc));
    ks_arena_free(&E.a);
    return rc;
}
