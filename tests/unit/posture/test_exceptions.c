/* Posture exception policies: reading PostureExceptionPolicy arrays as Go
 * does, matching posture policies and designators as kubescape/opa-utils
 * does (regex anchoring and case, labels or annotations, containers,
 * subject vectors, wlid designators), expiry, inline skip annotations,
 * manual-review controls, and the upstream library's system exceptions. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/mem.h"
#include "posture/exceptions.h"
#include "testutil.h"

/* 2025-01-01T00:00:00Z */
#define NOW ((int64_t)1735689600 * 1000000000)

/* JSON written with ' for " (none of the texts needs an apostrophe). */
static kv_value J(ks_arena *a, const char *text)
{
    char *t = ks_xstrndup(text, strlen(text));
    for (char *p = t; *p; p++)
        if (*p == '\'')
            *p = '"';
    kv_value v = tu_json(a, t);
    ks_xfree(t);
    return v;
}

static ps_exceptions *load(ks_arena *a, const char *policies)
{
    kv_value v = J(a, policies);
    ps_exceptions *ex = NULL;
    ks_error err;
    ks_error_clear(&err);
    int rc = ps_exceptions_new(&v, NOW, &ex, &err);
    if (rc)
        fail_msg("ps_exceptions_new: %s", err.msg);
    return ex;
}

/* The error message of loading policies that must fail. */
static const char *load_error(ks_arena *a, const char *policies, ks_error *err)
{
    kv_value v = J(a, policies);
    ps_exceptions *ex = NULL;
    ks_error_clear(err);
    int rc = ps_exceptions_new(&v, NOW, &ex, err);
    assert_true(rc < 0);
    assert_null(ex);
    return err->msg;
}

/* Names of the matched policies, comma separated (static buffer). */
static const char *names_of(const kv_value *matched)
{
    static char buf[2048];
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(matched->kind, KV_ARRAY);
    for (size_t i = 0; i < matched->len; i++) {
        const kv_value *n = kv_obj_get(&matched->u.items[i], "name", 4);
        assert_non_null(n);
        if (i)
            ks_buf_putc(&b, ',');
        ks_buf_append(&b, n->u.s, n->len);
    }
    snprintf(buf, sizeof buf, "%s", ks_buf_cstr(&b));
    ks_buf_free(&b);
    return buf;
}

static const char *match_t(ps_exceptions *ex, ks_arena *a, const ps_exc_target *t)
{
    kv_value m;
    assert_int_equal(ps_exceptions_match(ex, t, a, &m), 0);
    return names_of(&m);
}

/* Matches control/rule on an object given as JSON. */
static const char *match(ps_exceptions *ex, ks_arena *a, const char *control, const char *rule,
                         const char *object)
{
    kv_value o = J(a, object);
    ps_exc_target t = {.control_id = control, .rule_name = rule, .object = &o};
    return match_t(ex, a, &t);
}

static const char POD[] = "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web-1',"
                          "'namespace':'prod','labels':{'app':'web','tier':'front'},"
                          "'annotations':{'team':'blue','owner':'ops'}},"
                          "'spec':{'containers':[{'name':'app'},{'name':'sidecar'}],"
                          "'initContainers':[{'name':'init'}]}}";

/* ---- posture policies ---- */

static void test_control_id_case_insensitive(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'p','posturePolicies':[{'controlID':'c-0016'}],"
                                "'resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "C-0016", "r", POD), "p");
    assert_string_equal(match(ex, a, "c-0016", "r", POD), "p");
    assert_string_equal(match(ex, a, "C-0017", "r", POD), "");
    /* anchored: a prefix is not enough */
    assert_string_equal(match(ex, a, "C-00161", "r", POD), "");
    ps_exceptions_free(ex);
}

static void test_control_id_regex(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'p','posturePolicies':[{'controlID':'c-00[0-4][0-9]'}],"
                                "'resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "C-0049", "r", POD), "p");
    assert_string_equal(match(ex, a, "C-0050", "r", POD), "");
    assert_string_equal(match(ex, a, "XC-0049", "r", POD), "");
    ps_exceptions_free(ex);
}

static void test_catch_all_posture_policies(void **state)
{
    ks_arena *a = *state;
    /* none, an empty entry, only a framework (never compared in the v2 flow),
     * only the deprecated controlName (not read): all match every control */
    ps_exceptions *ex = load(a, "[{'name':'none','resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]},"
                                "{'name':'empty','posturePolicies':[{}],'resources':[{"
                                "'designatorType':'Attributes','attributes':{'kind':'Pod'}}]},"
                                "{'name':'fw','posturePolicies':[{'frameworkName':'NSA'}],"
                                "'resources':[{'designatorType':'Attributes','attributes':{"
                                "'kind':'Pod'}}]},"
                                "{'name':'cname','posturePolicies':[{'controlName':'Foo'}],"
                                "'resources':[{'designatorType':'Attributes','attributes':{"
                                "'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "C-0001", "any", POD), "none,empty,fw,cname");
    ps_exceptions_free(ex);
}

static void test_rule_name_and_two_passes(void **state)
{
    ks_arena *a = *state;
    /* the control ID and the rule name are checked in separate passes: one
     * entry may satisfy each */
    ps_exceptions *ex = load(a, "[{'name':'p','posturePolicies':["
                                "{'controlID':'C-0001','ruleName':'rule-x'},"
                                "{'controlID':'C-0002','ruleName':'Rule-Y.*'}],"
                                "'resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "C-0001", "RULE-X", POD), "p");
    assert_string_equal(match(ex, a, "C-0001", "rule-y-suffix", POD), "p");
    assert_string_equal(match(ex, a, "C-0002", "rule-x", POD), "p");
    assert_string_equal(match(ex, a, "C-0003", "rule-x", POD), "");
    assert_string_equal(match(ex, a, "C-0001", "rule-z", POD), "");
    ps_exceptions_free(ex);
}

static void test_equal_fold_and_bad_pattern(void **state)
{
    ks_arena *a = *state;
    /* "C-00(1" does not compile: only an equal string (ignoring case)
     * matches. "kube" equals "\u212aube" under Unicode folding (KELVIN SIGN). */
    ps_exceptions *ex = load(a, "[{'name':'p1','posturePolicies':[{'controlID':'C-00(1'}],"
                                "'resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]},"
                                "{'name':'p2','posturePolicies':[{'ruleName':'kube'}],"
                                "'resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "c-00(1", "r", POD), "p1");
    assert_string_equal(match(ex, a, "C-001", "r", POD), "");
    assert_string_equal(match(ex, a, "C-9",
                              "\xe2\x84\xaa"
                              "ube",
                              POD),
                        "p2");
    assert_string_equal(match(ex, a, "C-9", "kubf", POD), "");
    assert_int_equal(ps_exceptions_warning_count(ex), 1);
    assert_non_null(strstr(ps_exceptions_warning(ex, 0), "exceptions[0].posturePolicies[0]"
                                                         ".controlID: "));
    ps_exceptions_free(ex);
}

/* ---- designator attributes ---- */

static ps_exceptions *one_designator(ks_arena *a, const char *attributes)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "[{'name':'p','resources':[{'designatorType':'Attributes','attributes':%s}]}]",
             attributes);
    return load(a, buf);
}

static void test_namespace_anchored_case_sensitive(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'namespace':'pro.'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'namespace':'pr'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'namespace':'PROD'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
}

static void test_alternation_not_grouped(void **state)
{
    ks_arena *a = *state;
    /* "^" + "xyz|web" + "$" is "^xyz" or "web$" */
    ps_exceptions *ex = one_designator(a, "{'name':'xyz|b-1'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'xyzzy'}}"),
                        "p");
    assert_string_equal(
            match(ex, a, "C-1", "r", "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'axyz'}}"),
            "");
    ps_exceptions_free(ex);
}

static void test_kind_and_name(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'kind':'Pod','name':'web-[0-9]+'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
                              "{'name':'web-1','namespace':'prod'}}"),
                        "");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web-x'}}"),
                        "");
    ps_exceptions_free(ex);
}

static void test_resource_id(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'resourceID':'/v1/prod/Pod/web-1'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p"); /* computed ID */
    kv_value o = J(a, POD);
    ps_exc_target t = {.control_id = "C-1",
                       .rule_name = "r",
                       .object = &o,
                       .resource_id = "path=123/api=/v1/prod/Pod/web-1"};
    assert_string_equal(match_t(ex, a, &t), "");
    ps_exceptions_free(ex);
}

static void test_path(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'path':'deploy/.*\\\\.yaml:0'}");
    kv_value o = J(a, POD);
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o};
    assert_string_equal(match_t(ex, a, &t), ""); /* no source path: no match */
    t.source_path = "deploy/web.yaml:0";
    assert_string_equal(match_t(ex, a, &t), "p");
    t.source_path = "deploy/web.yaml:1";
    assert_string_equal(match_t(ex, a, &t), "");
    /* the object's own sourcePath member */
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'x'},"
                              "'sourcePath':'deploy/x.yaml:0'}"),
                        "p");
    ps_exceptions_free(ex);
}

static void test_cluster(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'cluster':'prod-.*'}");
    kv_value o = J(a, POD);
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o};
    assert_string_equal(match_t(ex, a, &t), "");
    t.cluster = "prod-eu";
    assert_string_equal(match_t(ex, a, &t), "p"); /* a cluster-only designator: everything */
    t.cluster = "staging";
    assert_string_equal(match_t(ex, a, &t), "");
    ps_exceptions_free(ex);
}

static void test_empty_designators_never_match(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'p','resources':[{'designatorType':'Attributes',"
                                "'attributes':{}},{'designatorType':'Attributes'},"
                                "{'designatorType':'Attributes','attributes':{"
                                "'k8sResourceHash':'abc','name':''}},null]},"
                                "{'name':'q'}]");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
}

static void test_designator_types(void **state)
{
    ks_arena *a = *state;
    /* only "Attributes" and "Attribute" read attributes */
    ps_exceptions *ex = load(a, "[{'name':'a1','resources':[{'designatorType':'Attribute',"
                                "'attributes':{'kind':'Pod'}}]},"
                                "{'name':'a2','resources':[{'designatorType':'attributes',"
                                "'attributes':{'kind':'Pod'}}]},"
                                "{'name':'a3','resources':[{'designatorType':'Wlid',"
                                "'wlid':'wlid://cluster-c/namespace-prod/pod-web-1'}]}]");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "a1");
    ps_exceptions_free(ex);
}

static void test_wlid(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'w','resources':[{'designatorType':'wlid',"
                                "'wlid':'wlid://cluster-c1/namespace-prod/deployment-web'}]},"
                                "{'name':'ww','resources':[{'designatorType':'wildwlid',"
                                "'wlid':'wlid://cluster-c1/namespace-prod'}]},"
                                "{'name':'only-wild','resources':[{'designatorType':'wildwlid',"
                                "'wildwlid':'wlid://cluster-c1/namespace-prod'}]}]");
    kv_value o = J(a, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                      "'namespace':'prod'}}");
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o, .cluster = "c1"};
    /* the kind is restored to its canonical spelling; wildwlid reads wlid */
    assert_string_equal(match_t(ex, a, &t), "w,ww");
    t.cluster = "c2";
    assert_string_equal(match_t(ex, a, &t), "");
    ps_exceptions_free(ex);
}

static void test_namespace_of_namespace(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'namespace':'kube-system'}");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Namespace','metadata':"
                              "{'name':'kube-system'}}"),
                        "p");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Namespace','metadata':"
                              "{'name':'default','namespace':'kube-system'}}"),
                        "");
    ps_exceptions_free(ex);
}

/* ---- labels and annotations ---- */

static void test_labels(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'app':'w.b','tier':'front'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'app':'web','tier':'back'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'app':'web','missing':'.*'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
}

static void test_annotations_instead_of_labels(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'team':'blue'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    ps_exceptions_free(ex);
    /* all keys from one map: a label and an annotation together do not match */
    ex = one_designator(a, "{'app':'web','team':'blue'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
    /* annotation values that are not strings are read as Go's %v */
    ex = one_designator(a, "{'replicas':'1e\\\\+06','on':'true'}");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'x',"
                              "'annotations':{'replicas':1000000,'on':true}}}"),
                        "p");
    ps_exceptions_free(ex);
    /* no labels and no annotations: a label designator never matches */
    ex = one_designator(a, "{'app':'.*'}");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'x',"
                              "'labels':{'app':null}}}"),
                        "");
    ps_exceptions_free(ex);
}

static void test_labels_ignored_on_envelopes(void **state)
{
    ks_arena *a = *state;
    /* host-sensor envelopes are not workloads: label keys are not compared */
    ps_exceptions *ex = one_designator(a, "{'kind':'KubeletInfo','app':'nothing'}");
    assert_string_equal(match(ex, a, "C-1", "r",
                              "{'apiVersion':'hostdata.kubescape.cloud/v1beta0',"
                              "'kind':'KubeletInfo','metadata':{'name':'node-1'},'data':{}}"),
                        "p");
    ps_exceptions_free(ex);
}

/* ---- containers ---- */

static void test_container_name_any(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'containerName':'side.*'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'containerName':'init'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'containerName':'db'}");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "");
    ps_exceptions_free(ex);
}

static void test_container_name_from_failed_paths(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'containerName':'sidecar'}");
    kv_value o = J(a, POD);
    kv_value p0 = J(a, "['spec.containers[0].securityContext.privileged']");
    kv_value p1 = J(a, "['spec.containers[1].image','spec.initContainers[0].image']");
    kv_value pi = J(a, "['spec.initContainers[0].image']");
    kv_value pn = J(a, "['spec.hostNetwork']");
    kv_value pbig = J(a, "['spec.containers[99999999999999999999].image']");
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o};
    t.failed_paths = &p0;
    assert_string_equal(match_t(ex, a, &t), "");
    t.failed_paths = &p1;
    assert_string_equal(match_t(ex, a, &t), "p");
    t.failed_paths = &pi;
    assert_string_equal(match_t(ex, a, &t), "");
    /* no container index in the paths: any container */
    t.failed_paths = &pn;
    assert_string_equal(match_t(ex, a, &t), "p");
    t.failed_paths = &pbig;
    assert_string_equal(match_t(ex, a, &t), "p");
    ps_exceptions_free(ex);
}

static void test_container_name_cronjob(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'containerName':'job'}");
    const char *cj = "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'c'},"
                     "'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':"
                     "[{'name':'other'},{'name':'job'}]}}}}}}";
    kv_value o = J(a, cj);
    kv_value p = J(a, "['spec.jobTemplate.spec.template.spec.containers[1].image']");
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o, .failed_paths = &p};
    assert_string_equal(match_t(ex, a, &t), "p");
    ps_exceptions_free(ex);
}

/* ---- subject vectors ---- */

static const char VECTOR[] =
        "{'kind':'User','name':'alice','namespace':'','apiGroup':'rbac.authorization.k8s.io',"
        "'relatedObjects':[{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'RoleBinding',"
        "'metadata':{'name':'rb-alice','namespace':'team-a','labels':{'owner':'x'}}},"
        "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'Role','metadata':"
        "{'name':'editor','namespace':'team-a'}}]}";

static void test_vector_related_objects(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = one_designator(a, "{'kind':'RoleBinding','name':'rb-.*'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'namespace':'team-a','kind':'Role'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "p");
    ps_exceptions_free(ex);
    /* the vector itself: name, kind and namespace */
    ex = one_designator(a, "{'kind':'User','name':'alice'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'kind':'User','name':'bob'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "");
    ps_exceptions_free(ex);
}

static void test_vector_labels_and_containers(void **state)
{
    ks_arena *a = *state;
    /* a related object's labels count; the vector itself has none to check,
     * so upstream lets a label-only designator through on it */
    ps_exceptions *ex = one_designator(a, "{'kind':'RoleBinding','owner':'x'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "p");
    ps_exceptions_free(ex);
    ex = one_designator(a, "{'owner':'nobody'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "p");
    ps_exceptions_free(ex);
    /* containerName never falls back to the vector */
    ex = one_designator(a, "{'kind':'User','containerName':'.*'}");
    assert_string_equal(match(ex, a, "C-1", "r", VECTOR), "");
    ps_exceptions_free(ex);
}

/* ---- results ---- */

static void test_one_entry_per_matching_designator(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'p','resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}},{'designatorType':'Attributes',"
                                "'attributes':{'namespace':'prod'}},{'designatorType':"
                                "'Attributes','attributes':{'namespace':'dev'}}]},"
                                "{'name':'q','resources':[{'designatorType':'Attributes',"
                                "'attributes':{'name':'web-1'}}]}]");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p,p,q");
    /* the same as indexes, and the documents they name */
    kv_value o = J(a, POD);
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o};
    const size_t *idx;
    size_t n;
    assert_int_equal(ps_exceptions_match_index(ex, &t, a, &idx, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 0);
    assert_int_equal(idx[2], 1);
    const kv_value *q = ps_exceptions_policy(ex, 1);
    assert_non_null(q);
    assert_string_equal(kv_obj_get(q, "name", 4)->u.s, "q");
    assert_null(ps_exceptions_policy(ex, 2));
    ps_exceptions_free(ex);
}

static void test_invalid_designator_regex(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'p','resources':[{'designatorType':'Attributes',"
                                "'attributes':{'name':'web-(1'}},{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "p");
    assert_int_equal(ps_exceptions_warning_count(ex), 1);
    const char *w = ps_exceptions_warning(ex, 0);
    assert_non_null(strstr(w, "exceptions[0].resources[0].attributes.name: "));
    assert_non_null(strstr(w, "missing closing )"));
    ps_exceptions_free(ex);
}

static void test_go_shape_of_results(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'Name':'p','unknown':1,'Actions':['alertOnly'],"
                                "'attributes':{'systemException':true},'reason':'',"
                                "'expirationDate':'2030-06-01T10:00:00.500+02:00',"
                                "'posturePolicies':[{'controlID':'C-1','severityScore':7}],"
                                "'resources':[{'designatorType':'Attributes','attributes':"
                                "{'kind':'Pod','x':null}}]},"
                                "{'name':'q','resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}],'attributes':{},"
                                "'expirationDate':'2030-01-01T00:00:00.000+00:00'}]");
    /* "x": null reads as "", a label key: the object needs label x = "" */
    kv_value o = J(a, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'a','labels':{'x':''}}}");
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &o};
    kv_value m;
    assert_int_equal(ps_exceptions_match(ex, &t, a, &m), 0);
    char *s = tu_to_json(&m, 0);
    assert_string_equal(
            s, "[{\"actions\":[\"alertOnly\"],\"attributes\":{\"systemException\":true},"
               "\"expirationDate\":\"2030-06-01T10:00:00.5+02:00\",\"guid\":\"\",\"name\":\"p\","
               "\"posturePolicies\":[{\"controlID\":\"C-1\",\"frameworkName\":\"\","
               "\"severityScore\":7}],\"reason\":\"\",\"resources\":[{\"attributes\":"
               "{\"kind\":\"Pod\",\"x\":\"\"},\"designatorType\":\"Attributes\"}]},"
               "{\"expirationDate\":\"2030-01-01T00:00:00Z\",\"guid\":\"\",\"name\":\"q\","
               "\"resources\":[{\"attributes\":{\"kind\":\"Pod\"},"
               "\"designatorType\":\"Attributes\"}]}]");
    ks_xfree(s);
    ps_exceptions_free(ex);
}

/* ---- expiry ---- */

static void test_expiry(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex =
            load(a, "[{'name':'past','expirationDate':'2024-12-31T23:59:59Z'},"
                    "{'name':'now','expirationDate':'2025-01-01T00:00:00Z'},"
                    "{'name':'now-offset','expirationDate':"
                    "'2025-01-01T01:00:00+01:00'},"
                    "{'name':'later','expirationDate':'2025-01-01T00:00:00.000000001Z'},"
                    "{'name':'far','expirationDate':'9999-12-31T23:59:59Z'},"
                    "{'name':'never','expirationDate':null}]");
    assert_int_equal(ps_exceptions_count(ex), 3);
    ps_exceptions_free(ex);
}

/* ---- malformed input ---- */

static void test_malformed(void **state)
{
    ks_arena *a = *state;
    ks_error err;
    assert_string_equal(load_error(a, "[{'name':'a'},{'name':5}]", &err),
                        "exceptions[1].name: expected a string, got a number");
    assert_string_equal(load_error(a,
                                   "[{'name':'a','resources':[{'designatorType':'Attributes',"
                                   "'attributes':{'kind':'Pod','name':['x']}}]}]",
                                   &err),
                        "exceptions[0].resources[0].attributes.name: expected a string, got an "
                        "array");
    assert_string_equal(load_error(a,
                                   "[{'posturePolicies':[{'controlID':'C-1'},"
                                   "{'severityScore':1.5}]}]",
                                   &err),
                        "exceptions[0].posturePolicies[1].severityScore: expected an integer");
    assert_string_equal(load_error(a, "[{'expirationDate':'2025-01-01 00:00:00Z'}]", &err),
                        "exceptions[0].expirationDate: not an RFC 3339 time: \"2025-01-01 "
                        "00:00:00Z\"");
    /* an expired policy is still read whole */
    assert_string_equal(load_error(a,
                                   "[{'expirationDate':'2020-01-01T00:00:00Z',"
                                   "'resources':[{'attributes':{'name':1}}]}]",
                                   &err),
                        "exceptions[0].resources[0].attributes.name: expected a string, got a "
                        "number");
    assert_string_equal(load_error(a, "[{'actions':'disable'}]", &err),
                        "exceptions[0].actions: expected an array, got a string");
    assert_string_equal(load_error(a, "[{'resources':[5]}]", &err),
                        "exceptions[0].resources[0]: expected an object, got a number");
    assert_string_equal(load_error(a, "['x']", &err),
                        "exceptions[0]: expected an object, got a string");
    assert_string_equal(load_error(a, "{'name':'x'}", &err),
                        "exceptions: expected an array of exception policies, got an object");
    assert_int_equal(err.code, KS_ETYPE);
}

static void test_add_appends_with_name(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = load(a, "[{'name':'user','resources':[{'designatorType':'Attributes',"
                                "'attributes':{'kind':'Pod'}}]}]");
    kv_value sys = J(a, "[{'name':'system','resources':[{'designatorType':'Attributes',"
                        "'attributes':{'name':'web-1'}}]}]");
    kv_value bad = J(a, "[{'name':'ok'},{'name':'bad','reason':1}]");
    ks_error err;
    assert_int_equal(ps_exceptions_add(ex, &sys, "exceptions.json", NOW, &err), 0);
    assert_int_equal(ps_exceptions_add(ex, &bad, "exceptions.json", NOW, &err), KS_ETYPE);
    assert_string_equal(err.msg, "exceptions.json[1].reason: expected a string, got a number");
    assert_int_equal(ps_exceptions_count(ex), 2); /* nothing of the failed array */
    assert_string_equal(match(ex, a, "C-1", "r", POD), "user,system");
    ps_exceptions_free(ex);
}

/* ---- objectSelector ---- */

static void test_object_selector(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex =
            load(a, "[{'name':'ml','objectSelector':{'matchLabels':{'app':'web'}},"
                    "'resources':[{'designatorType':'Attributes','attributes':{'kind':'Pod'}}]},"
                    "{'name':'ml-no','objectSelector':{'matchLabels':{'app':'db'}},"
                    "'resources':[{'designatorType':'Attributes','attributes':{'kind':'Pod'}}]},"
                    "{'name':'mx','objectSelector':{'matchExpressions':["
                    "{'key':'tier','operator':'In','values':['front','back']},"
                    "{'key':'gone','operator':'DoesNotExist'},"
                    "{'key':'app','operator':'NotIn','values':['db']}]},"
                    "'resources':[{'designatorType':'Attributes','attributes':{'kind':'Pod'}}]},"
                    "{'name':'bad-op','objectSelector':{'matchExpressions':["
                    "{'key':'app','operator':'Like','values':['web']}]},"
                    "'resources':[{'designatorType':'Attributes','attributes':{'kind':'Pod'}}]},"
                    "{'name':'empty','objectSelector':{},"
                    "'resources':[{'designatorType':'Attributes','attributes':{'kind':'Pod'}}]}]");
    assert_string_equal(match(ex, a, "C-1", "r", POD), "ml,mx,empty");
    assert_int_equal(ps_exceptions_warning_count(ex), 1);
    ps_exceptions_free(ex);
}

/* ---- inline exceptions ---- */

static void test_inline(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = NULL;
    ks_error err;
    assert_int_equal(ps_exceptions_new(NULL, NOW, &ex, &err), 0);
    kv_value o = J(a, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                      "'namespace':'prod','annotations':{'kubescape.io/skip-controls':"
                      "' C-0016 , c-0017,,',"
                      "'kubescape.io/skip-reason':'accepted risk'}}}");
    assert_int_equal(ps_exceptions_add_inline(ex, &o, NULL, NOW, &err), 0);
    assert_int_equal(ps_exceptions_count(ex), 1);
    ps_exc_target t = {.control_id = "C-0017", .rule_name = "r", .object = &o};
    kv_value m;
    assert_int_equal(ps_exceptions_match(ex, &t, a, &m), 0);
    char *s = tu_to_json(&m, 0);
    assert_string_equal(
            s, "[{\"actions\":[\"disable\"],\"guid\":\"\",\"name\":"
               "\"inline-apps/v1/prod/Deployment/web\",\"policyType\":\"postureExceptionPolicy\","
               "\"posturePolicies\":[{\"controlID\":\"C-0016\",\"frameworkName\":\"\"},"
               "{\"controlID\":\"c-0017\",\"frameworkName\":\"\"}],\"reason\":\"accepted risk\","
               "\"resources\":[{\"attributes\":{\"kind\":\"Deployment\",\"name\":\"web\","
               "\"namespace\":\"prod\",\"resourceID\":\"apps/v1/prod/Deployment/web\"},"
               "\"designatorType\":\"Attributes\"}]}]");
    ks_xfree(s);
    t.control_id = "C-0018";
    assert_string_equal(match_t(ex, a, &t), "");
    /* a namesake in another namespace is not exempted */
    kv_value other = J(a, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
                          "{'name':'web','namespace':'dev'}}");
    t = (ps_exc_target){.control_id = "C-0016", .rule_name = "r", .object = &other};
    assert_string_equal(match_t(ex, a, &t), "");
    ps_exceptions_free(ex);
}

static void test_inline_expiry(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex = NULL;
    ks_error err;
    assert_int_equal(ps_exceptions_new(NULL, NOW, &ex, &err), 0);
    kv_value expired = J(a, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'a',"
                            "'annotations':{'kubescape.io/skip-controls':'C-1',"
                            "'kubescape.io/skip-expiry':'2024-06-01T00:00:00Z'}}}");
    kv_value future = J(a, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'b',"
                           "'annotations':{'kubescape.io/skip-controls':'C-1',"
                           "'kubescape.io/skip-expiry':'2026-06-01T00:00:00-05:00'}}}");
    kv_value bad = J(a, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'c',"
                        "'annotations':{'kubescape.io/skip-controls':'C-1',"
                        "'kubescape.io/skip-expiry':'tomorrow'}}}");
    kv_value blank = J(a, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'d',"
                          "'annotations':{'kubescape.io/skip-controls':' \\t, '}}}");
    assert_int_equal(ps_exceptions_add_inline(ex, &expired, NULL, NOW, &err), 0);
    assert_int_equal(ps_exceptions_add_inline(ex, &future, NULL, NOW, &err), 0);
    assert_int_equal(ps_exceptions_add_inline(ex, &bad, NULL, NOW, &err), 0);
    assert_int_equal(ps_exceptions_add_inline(ex, &blank, NULL, NOW, &err), 0);
    assert_int_equal(ps_exceptions_count(ex), 1);
    assert_int_equal(ps_exceptions_warning_count(ex), 1);
    assert_non_null(strstr(ps_exceptions_warning(ex, 0), "/v1//Pod/c: kubescape.io/skip-expiry"));
    kv_value m;
    ps_exc_target t = {.control_id = "C-1", .rule_name = "r", .object = &future};
    assert_int_equal(ps_exceptions_match(ex, &t, a, &m), 0);
    assert_int_equal(m.len, 1);
    const kv_value *e = kv_obj_get(&m.u.items[0], "expirationDate", 14);
    assert_non_null(e);
    assert_string_equal(e->u.s, "2026-06-01T00:00:00-05:00");
    t.object = &expired;
    assert_string_equal(match_t(ex, a, &t), "");
    ps_exceptions_free(ex);
}

/* ---- manual-review controls ---- */

static void test_match_control(void **state)
{
    ks_arena *a = *state;
    ps_exceptions *ex =
            load(a, "[{'name':'no-resources','posturePolicies':[{'controlID':'C-00.*'}]},"
                    "{'name':'cluster-only','posturePolicies':[{'controlID':'c-0001'},"
                    "{'controlID':'C-0001'}],'resources':[{'designatorType':'Attributes',"
                    "'attributes':{'cluster':'prod'}}]},"
                    "{'name':'workload','posturePolicies':[{'controlID':'C-0001'}],"
                    "'resources':[{'designatorType':'Attributes','attributes':{'namespace':'x'}}]},"
                    "{'name':'no-posture','resources':[]},"
                    "{'name':'wlid','posturePolicies':[{'controlID':'C-0001'}],"
                    "'resources':[{'designatorType':'Wlid','wlid':'x'}]},"
                    "{'name':'other-type','posturePolicies':[{'controlID':'C-0001'}],"
                    "'resources':[{'designatorType':'Wlid','attributes':{'namespace':'x'}}]}]");
    kv_value m;
    assert_int_equal(ps_exceptions_match_control(ex, "C-0001", "prod", a, &m), 0);
    assert_string_equal(names_of(&m), "no-resources,cluster-only,other-type");
    assert_int_equal(ps_exceptions_match_control(ex, "C-0001", "dev", a, &m), 0);
    assert_string_equal(names_of(&m), "no-resources,other-type");
    assert_int_equal(ps_exceptions_match_control(ex, "C-1001", NULL, a, &m), 0);
    assert_string_equal(names_of(&m), "");
    ps_exceptions_free(ex);
}

/* ---- the upstream library's system exceptions ---- */

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void test_system_exceptions(void **state)
{
    ks_arena *a = *state;
    const char *root = getenv("KSO_REGOLIBRARY_DIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/exceptions", root ? root : "/work/ref/regolibrary");
    DIR *d = opendir(dir);
    if (!d)
        skip();
    char *files[64] = {0};
    size_t nf = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nf < 64) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
            files[nf++] = ks_xstrndup(e->d_name, n);
    }
    closedir(d);
    qsort(files, nf, sizeof *files, cmp_str);
    ps_exceptions *ex = NULL;
    ks_error err;
    assert_int_equal(ps_exceptions_new(NULL, NOW, &ex, &err), 0);
    for (size_t i = 0; i < nf; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        size_t len;
        char *text = tu_read_fixture(path, &len);
        kv_value v;
        assert_int_equal(kv_json_parse(a, text, len, NULL, &v, &err), 0);
        if (ps_exceptions_add(ex, &v, files[i], NOW, &err))
            fail_msg("%s", err.msg);
        ks_xfree(text);
        ks_xfree(files[i]);
    }
    assert_true(ps_exceptions_count(ex) > 10);
    assert_int_equal(ps_exceptions_warning_count(ex), 0);

    /* kube-apiserver's own exception lists c-0013 in lower case */
    const char *apiserver = "{'apiVersion':'v1','kind':'Pod','metadata':"
                            "{'name':'kube-apiserver-node1','namespace':'kube-system'}}";
    assert_string_equal(match(ex, a, "C-0013", "r", apiserver), "exclude-pod-kube-apiserver");
    assert_string_equal(match(ex, a, "C-0057", "r", apiserver), "");
    /* kube-proxy pods: every platform's "C-.*" kube-system exception */
    assert_string_equal(match(ex, a, "C-0057", "r",
                              "{'apiVersion':'v1','kind':'Pod','metadata':"
                              "{'name':'kube-proxy-abc12','namespace':'kube-system'}}"),
                        "exclude-aks-kube-system-pods,exclude-eks-resources,"
                        "exclude-gke-kube-system-resources,"
                        "exclude-minikube-kube-system-resources");
    /* the kube-system Namespace (its namespace is its name) */
    assert_string_equal(match(ex, a, "C-0001", "r",
                              "{'apiVersion':'v1','kind':'Namespace','metadata':"
                              "{'name':'kube-system'}}"),
                        "exclude-aks-kube-system-namespaces,exclude-system-resources,"
                        "exclude-minikube-kube-system-resources");
    /* a system user as a subject vector; minikube's designator also names an
     * apiVersion key, a label the vector is never checked for */
    assert_string_equal(match(ex, a, "C-0035", "r",
                              "{'kind':'User','name':'system:kube-scheduler',"
                              "'relatedObjects':[{'apiVersion':'rbac.authorization.k8s.io/v1',"
                              "'kind':'ClusterRoleBinding','metadata':{'name':"
                              "'system:kube-scheduler'}},{'apiVersion':"
                              "'rbac.authorization.k8s.io/v1','kind':'ClusterRole',"
                              "'metadata':{'name':'system:kube-scheduler'}}]}"),
                        "exclude-aks-kube-system-sa,exclude-system-users-and-groups,"
                        "exclude-system-users-and-groups");
    /* kubescape's storage service account: excepted for c-0034, not c-0007 */
    const char *sa = "{'apiVersion':'v1','kind':'ServiceAccount','metadata':"
                     "{'name':'storage','namespace':'kubescape'}}";
    assert_string_equal(match(ex, a, "C-0034", "r", sa),
                        "exclude-service-accounts,exclude-kubescape-service-accounts");
    assert_string_equal(match(ex, a, "C-0007", "r", sa), "");
    /* an ordinary workload has none */
    assert_string_equal(match(ex, a, "C-0016", "r",
                              "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
                              "{'name':'nginx','namespace':'default'}}"),
                        "");
    ps_exceptions_free(ex);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tu_arena_setup, tu_arena_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
            T(test_control_id_case_insensitive),
            T(test_control_id_regex),
            T(test_catch_all_posture_policies),
            T(test_rule_name_and_two_passes),
            T(test_equal_fold_and_bad_pattern),
            T(test_namespace_anchored_case_sensitive),
            T(test_alternation_not_grouped),
            T(test_kind_and_name),
            T(test_resource_id),
            T(test_path),
            T(test_cluster),
            T(test_empty_designators_never_match),
            T(test_designator_types),
            T(test_wlid),
            T(test_namespace_of_namespace),
            T(test_labels),
            T(test_annotations_instead_of_labels),
            T(test_labels_ignored_on_envelopes),
            T(test_container_name_any),
            T(test_container_name_from_failed_paths),
            T(test_container_name_cronjob),
            T(test_vector_related_objects),
            T(test_vector_labels_and_containers),
            T(test_one_entry_per_matching_designator),
            T(test_invalid_designator_regex),
            T(test_go_shape_of_results),
            T(test_expiry),
            T(test_malformed),
            T(test_add_appends_with_name),
            T(test_object_selector),
            T(test_inline),
            T(test_inline_expiry),
            T(test_match_control),
            T(test_system_exceptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
