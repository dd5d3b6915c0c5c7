/*
 * kso rego: the Rego engine on the command line.
 *
 *   kso rego eval [-d PATH]... [-i FILE] [--format json|pretty] QUERY
 *   kso rego check [-d PATH]...
 *   kso rego test-cases [--expected-failures FILE] PATH...
 *
 * eval prints results in the shape of `opa eval --format json`, so the two
 * can be diffed; errors print as OPA does (file:line:col, code, message).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/jsonstr.h"
#include "core/mem.h"
#include "core/vec.h"
#include "rego/parse.h"
#include "rego/rego.h"
#include "value/value.h"

#define MAX_FILE (64u << 20)

static KS_MEM_ACCOUNT(rego_cmd_acct, "rego-cmd");

typedef KS_VEC(char *) strvec;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Collects files under path (recursively, sorted) with one of the suffixes. */
static int collect_files(const char *path, const char *const *suffixes, strvec *out, ks_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return ks_error_at(err, KS_ENOENT, path, 0, 0, 0, "no such file or directory");
    if (!S_ISDIR(st.st_mode)) {
        ks_vec_push(out, ks_xstrndup(path, strlen(path)));
        return 0;
    }
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0)
        return ks_error_at(err, KS_EIO, path, 0, 0, 0, "cannot read directory");
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (rc == 0 && name[0] != '.') {
            ks_buf p = KS_BUF_INIT;
            ks_buf_printf(&p, "%s/%s", path, name);
            struct stat cs;
            if (stat(p.data, &cs) == 0 && S_ISDIR(cs.st_mode)) {
                rc = collect_files(p.data, suffixes, out, err);
            } else {
                for (const char *const *s = suffixes; *s; s++)
                    if (has_suffix(name, *s)) {
                        ks_vec_push(out, ks_xstrndup(p.data, p.len));
                        break;
                    }
            }
            ks_buf_free(&p);
        }
        free(ents[i]);
    }
    free(ents);
    return rc;
}

static void free_strvec(strvec *v)
{
    for (size_t i = 0; i < v->len; i++)
        ks_xfree(v->v[i]);
    ks_vec_free(v);
}

/* Merges b into a (objects recursively; b wins elsewhere). */
static int merge_docs(ks_arena *ar, const kv_value *a, const kv_value *b, kv_value *out)
{
    if (a->kind != KV_OBJECT || b->kind != KV_OBJECT) {
        *out = *b;
        return 0;
    }
    KS_VEC(kv_member) m = {0};
    for (uint32_t i = 0; i < a->len; i++)
        ks_vec_push(&m, a->u.members[i]);
    for (uint32_t i = 0; i < b->len; i++) {
        bool done = false;
        for (size_t j = 0; j < m.len && !done; j++)
            if (kv_equal(&m.v[j].key, &b->u.members[i].key)) {
                kv_value mv;
                merge_docs(ar, &m.v[j].val, &b->u.members[i].val, &mv);
                m.v[j].val = mv;
                done = true;
            }
        if (!done)
            ks_vec_push(&m, b->u.members[i]);
    }
    int rc = kv_object_new(ar, m.v, m.len, KV_DUP_LAST_WINS, out, NULL);
    ks_vec_free(&m);
    return rc;
}

/* ---- OPA-shaped errors ---- */

/* Splits "code: message" from a ks_error message. */
static void split_code(const char *msg, ks_buf *code, ks_buf *rest)
{
    const char *colon = strstr(msg, ": ");
    const char *p = msg;
    bool ok = colon != NULL;
    for (; ok && p < colon; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            ok = false;
    if (ok) {
        ks_buf_append(code, msg, (size_t)(colon - msg));
        ks_buf_puts(rest, colon + 2);
    } else {
        ks_buf_puts(code, "rego_error");
        ks_buf_puts(rest, msg);
    }
}

static void print_error_json(const ks_error *err, FILE *f)
{
    ks_buf code = KS_BUF_INIT, msg = KS_BUF_INIT, out = KS_BUF_INIT;
    split_code(err->msg, &code, &msg);
    ks_arena a;
    ks_arena_init(&a, &rego_cmd_acct, 0);
    kv_value m[3], loc[3], v, lv;
    kv_member mm[3], lm[3];
    kv_str_copy(&a, msg.data ? msg.data : "", msg.len, &m[0]);
    kv_str_copy(&a, code.data ? code.data : "", code.len, &m[1]);
    kv_str_copy(&a, err->source, strlen(err->source), &loc[0]);
    loc[1] = kv_int(err->line);
    loc[2] = kv_int(err->col);
    lm[0] = (kv_member){kv_str_ref("file", 4), loc[0]};
    lm[1] = (kv_member){kv_str_ref("row", 3), loc[1]};
    lm[2] = (kv_member){kv_str_ref("col", 3), loc[2]};
    kv_object_new(&a, lm, 3, KV_DUP_LAST_WINS, &lv, NULL);
    mm[0] = (kv_member){kv_str_ref("message", 7), m[0]};
    mm[1] = (kv_member){kv_str_ref("code", 4), m[1]};
    mm[2] = (kv_member){kv_str_ref("location", 8), lv};
    kv_object_new(&a, mm, err->line ? 3 : 2, KV_DUP_LAST_WINS, &v, NULL);
    kv_value arr, top;
    kv_array_new(&a, &v, 1, &arr);
    kv_member tm = {kv_str_ref("errors", 6), arr};
    kv_object_new(&a, &tm, 1, KV_DUP_LAST_WINS, &top, NULL);
    kv_json_write(&out, &top, KV_JSON_INDENT(2));
    fprintf(f, "%s\n", out.data);
    ks_buf_free(&code);
    ks_buf_free(&msg);
    ks_buf_free(&out);
    ks_arena_free(&a);
}

/* ---- policy loading ---- */

typedef struct loaded {
    rego_policy *pol;
    ks_arena arena; /* data documents */
    kv_value data;
    bool has_data;
} loaded;

static int load_paths(loaded *L, const strvec *paths, int version, ks_error *err)
{
    static const char *const sfx[] = {".rego", ".json", ".yaml", ".yml", NULL};
    L->pol = rego_policy_new();
    ks_arena_init(&L->arena, &rego_cmd_acct, 0);
    L->data = (kv_value){.kind = KV_OBJECT};
    strvec files = {0};
    int rc = 0;
    for (size_t i = 0; i < paths->len && rc == 0; i++)
        rc = collect_files(paths->v[i], sfx, &files, err);
    for (size_t i = 0; i < files.len && rc == 0; i++) {
        const char *f = files.v[i];
        if (has_suffix(f, ".rego")) {
            char *src;
            size_t n;
            if ((rc = ks_file_read(f, MAX_FILE, &src, &n, err)) < 0)
                break;
            rc = rego_policy_add_module(L->pol, f, src, n, version, err);
            ks_xfree(src);
        } else {
            kv_value d;
            if ((rc = kso_read_doc(&L->arena, f, MAX_FILE, &d, err)) < 0)
                break;
            kv_value merged;
            rc = merge_docs(&L->arena, &L->data, &d, &merged);
            L->data = merged;
            L->has_data = true;
        }
    }
    free_strvec(&files);
    if (rc == 0)
        rc = rego_policy_compile(L->pol, err);
    return rc;
}

static void loaded_free(loaded *L)
{
    rego_policy_free(L->pol);
    ks_arena_free(&L->arena);
}

/* ---- eval ---- */

/* Output is assembled as results arrive, in opa's key order, and spilled to
 * a temporary file past SPILL bytes, so a large result set costs disk, not
 * memory; it is printed only when the evaluation succeeded. */
#define SPILL (32u << 20)

typedef struct evalout {
    const rego_query *q;
    bool pretty; /* --format pretty: values only */
    ks_buf buf;
    FILE *spill;
    size_t count;
    int err;
} evalout;

static void out_flush(evalout *o, bool force)
{
    if (o->buf.len < SPILL && !force)
        return;
    if (!o->spill && !force)
        o->spill = tmpfile();
    if (o->spill && o->buf.len && fwrite(o->buf.data, 1, o->buf.len, o->spill) != o->buf.len)
        o->err = KS_EIO;
    if (o->spill)
        ks_buf_reset(&o->buf);
}

static void put_string(ks_buf *b, const char *s, size_t n)
{
    ks_json_quote(b, s, n, KS_JSON_ESCAPE_HTML);
}

static int collect_result(void *ctx, const rego_result *r)
{
    evalout *o = ctx;
    ks_buf *b = &o->buf;
    if (o->pretty) {
        for (size_t i = 0; i < r->nexprs; i++) {
            if (o->count || i)
                ks_buf_putc(b, '\n');
            if (kv_json_write(b, &r->exprs[i], KV_JSON_INDENT(2)) < 0)
                o->err = KS_EINVAL;
        }
        o->count++;
        out_flush(o, false);
        return o->err ? 1 : 0;
    }
    ks_buf_puts(b, o->count ? ",\n    {\n" : "    {\n");
    ks_buf_puts(b, "      \"expressions\": [\n");
    for (size_t i = 0; i < r->nexprs; i++) {
        size_t len;
        int line, col;
        const char *text = rego_query_expr_text(o->q, i, &len, &line, &col);
        ks_buf_puts(b, i ? ",\n        {\n" : "        {\n");
        ks_buf_puts(b, "          \"value\": ");
        if (kv_json_write(b, &r->exprs[i],
                          KV_JSON_INDENT(2) | KV_JSON_DEPTH(5) | KV_JSON_ESCAPE_HTML) < 0)
            o->err = KS_EINVAL;
        ks_buf_puts(b, ",\n          \"text\": ");
        put_string(b, text, len);
        ks_buf_printf(b,
                      ",\n          \"location\": {\n            \"row\": %d,\n"
                      "            \"col\": %d\n          }\n        }",
                      line, col);
    }
    ks_buf_puts(b, "\n      ]");
    if (r->nvars) {
        /* bindings sorted by name, as opa prints them */
        size_t *order = ks_xmalloc(r->nvars * sizeof *order);
        for (size_t i = 0; i < r->nvars; i++)
            order[i] = i;
        for (size_t i = 1; i < r->nvars; i++)
            for (size_t j = i; j > 0 && strcmp(r->names[order[j - 1]], r->names[order[j]]) > 0;
                 j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        ks_buf_puts(b, ",\n      \"bindings\": {\n");
        for (size_t k = 0; k < r->nvars; k++) {
            size_t i = order[k];
            ks_buf_puts(b, k ? ",\n        " : "        ");
            put_string(b, r->names[i], strlen(r->names[i]));
            ks_buf_puts(b, ": ");
            if (kv_json_write(b, &r->values[i],
                              KV_JSON_INDENT(2) | KV_JSON_DEPTH(4) | KV_JSON_ESCAPE_HTML) < 0)
                o->err = KS_EINVAL;
        }
        ks_buf_puts(b, "\n      }");
        ks_xfree(order);
    }
    ks_buf_puts(b, "\n    }");
    o->count++;
    out_flush(o, false);
    return o->err ? 1 : 0;
}

/* Writes the collected output to stdout. */
static int out_finish(evalout *o)
{
    ks_buf tail = KS_BUF_INIT;
    if (o->pretty) {
        if (!o->count)
            ks_buf_puts(&o->buf, "undefined");
        ks_buf_putc(&o->buf, '\n');
    } else if (o->count) {
        ks_buf_puts(&o->buf, "\n  ]\n}\n");
    } else {
        ks_buf_puts(&o->buf, "{}\n");
    }
    if (!o->pretty && o->count)
        ks_buf_puts(&tail, "{\n  \"result\": [\n");
    fwrite(tail.data ? tail.data : "", 1, tail.len, stdout);
    ks_buf_free(&tail);
    if (o->spill) {
        out_flush(o, true);
        rewind(o->spill);
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, o->spill)) > 0)
            if (fwrite(chunk, 1, n, stdout) != n)
                return KS_EIO;
    } else if (o->buf.len && fwrite(o->buf.data, 1, o->buf.len, stdout) != o->buf.len) {
        return KS_EIO;
    }
    return fflush(stdout) ? KS_EIO : 0;
}

static void out_free(evalout *o)
{
    ks_buf_free(&o->buf);
    if (o->spill)
        fclose(o->spill);
}

static const char eval_usage[] =
        "Usage: kso rego eval [flags] QUERY\n"
        "\n"
        "Evaluates a Rego query and prints the results as `opa eval --format json` does.\n"
        "\n"
        "Flags:\n"
        "  -d, --data PATH        policy (.rego) and data (.json, .yaml) files or directories\n"
        "                         (recursive); may be repeated\n"
        "  -i, --input FILE       input document (JSON or YAML)\n"
        "  -f, --format FORMAT    json (default) or pretty\n"
        "      --v0               parse policies as Rego v0 (default v1)\n"
        "      --strict-builtin-errors  builtin errors fail the query instead of being undefined\n"
        "      --max-memory SIZE  evaluation memory limit (default 1Gi)\n"
        "      --max-steps N      expression evaluations before giving up (default 1e9;\n"
        "                         0: unlimited)\n"
        "  -h, --help             show this help\n";

enum { OPT_V0 = 256, OPT_STRICT, OPT_MAXMEM, OPT_MAXSTEPS, OPT_EXPECTED, OPT_VERBOSE, OPT_WRITE };

static int rego_eval_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
            {"data", required_argument, NULL, 'd'},
            {"input", required_argument, NULL, 'i'},
            {"format", required_argument, NULL, 'f'},
            {"v0", no_argument, NULL, OPT_V0},
            {"strict-builtin-errors", no_argument, NULL, OPT_STRICT},
            {"max-memory", required_argument, NULL, OPT_MAXMEM},
            {"max-steps", required_argument, NULL, OPT_MAXSTEPS},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    strvec paths = {0};
    const char *input = NULL, *format = "json";
    int version = 1;
    rego_eval_opts eo = {0};
    eo.max_steps = 1000000000ull; /* a runaway policy ends with an error, not a hang */
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":d:i:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': ks_vec_push(&paths, ks_xstrndup(optarg, strlen(optarg))); break;
        case 'i': input = optarg; break;
        case 'f': format = optarg; break;
        case OPT_V0: version = 0; break;
        case OPT_STRICT: eo.strict_builtin_errors = true; break;
        case OPT_MAXMEM:
            if (kso_parse_size(optarg, &eo.max_memory) || eo.max_memory == 0) {
                free_strvec(&paths);
                return kso_usage_error("rego eval", "--max-memory must be a size, not '%s'",
                                       optarg);
            }
            break;
        case OPT_MAXSTEPS: {
            char *end;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || !*optarg) {
                free_strvec(&paths);
                return kso_usage_error("rego eval", "--max-steps must be a number");
            }
            eo.max_steps = n;
            break;
        }
        case 'h':
            fputs(eval_usage, stdout);
            free_strvec(&paths);
            return KSO_EXIT_OK;
        case ':':
            free_strvec(&paths);
            return kso_usage_error("rego eval", "flag %s needs a value", argv[optind - 1]);
        default:
            free_strvec(&paths);
            return kso_usage_error("rego eval", "unknown flag %s", argv[optind - 1]);
        }
    }
    if (strcmp(format, "json") && strcmp(format, "pretty")) {
        free_strvec(&paths);
        return kso_usage_error("rego eval", "--format must be json or pretty, not '%s'", format);
    }
    if (optind != argc - 1) {
        free_strvec(&paths);
        return kso_usage_error("rego eval", "expected exactly one QUERY argument");
    }
    const char *qtext = argv[optind];
    ks_error err = {0};
    loaded L;
    int code = KSO_EXIT_OK;
    rego_query *q = NULL;
    int rc = load_paths(&L, &paths, version, &err);
    kv_value in;
    if (rc == 0 && input) {
        rc = kso_read_doc(&L.arena, input, MAX_FILE, &in, &err);
        if (rc < 0) {
            kso_report("rego eval", &err, KSO_EXIT_INPUT);
            code = KSO_EXIT_INPUT;
            goto out;
        }
        eo.input = &in;
    }
    if (rc == 0)
        rc = rego_query_new(L.pol, qtext, strlen(qtext), &q, &err);
    evalout o = {.q = q, .pretty = !strcmp(format, "pretty")};
    ks_buf_init(&o.buf, 0);
    if (rc == 0) {
        eo.data = &L.data;
        rc = rego_eval(q, &eo, collect_result, &o, &err);
        if (rc == 0 && o.err)
            rc = ks_error_set(&err, o.err, "cannot write the result (%s)", ks_strerror(o.err));
    }
    if (rc < 0) {
        if (!strcmp(format, "json"))
            print_error_json(&err, stdout);
        else
            kso_report("rego eval", &err, 1);
        code = KSO_EXIT_FAILED;
    } else if (out_finish(&o) < 0) {
        code = KSO_EXIT_FAILED;
    }
    out_free(&o);
out:
    rego_query_free(q);
    loaded_free(&L);
    free_strvec(&paths);
    return code;
}

/* ---- check ---- */

static int rego_check_cmd(int argc, char **argv)
{
    strvec paths = {0};
    int version = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--v0"))
            version = 0;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs("Usage: kso rego check [--v0] PATH...\n\nParses and compiles policies, "
                  "reporting syntax, safety and type errors.\n",
                  stdout);
            free_strvec(&paths);
            return KSO_EXIT_OK;
        } else if (argv[i][0] == '-') {
            free_strvec(&paths);
            return kso_usage_error("rego check", "unknown flag %s", argv[i]);
        } else
            ks_vec_push(&paths, ks_xstrndup(argv[i], strlen(argv[i])));
    }
    if (!paths.len)
        return kso_usage_error("rego check", "expected at least one PATH");
    ks_error err = {0};
    loaded L;
    int rc = load_paths(&L, &paths, version, &err);
    int code = KSO_EXIT_OK;
    if (rc < 0)
        code = kso_report("rego check", &err, KSO_EXIT_FAILED);
    loaded_free(&L);
    free_strvec(&paths);
    return code;
}

/* ---- parse ---- */

static int rego_parse_cmd(int argc, char **argv)
{
    int version = 1;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--v0"))
            version = 0;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs("Usage: kso rego parse [--v0] FILE\n\nPrints the module's syntax tree as "
                  "JSON (the shape of `opa parse --format json`).\n",
                  stdout);
            return KSO_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return kso_usage_error("rego parse", "unknown flag %s", argv[i]);
        } else if (file) {
            return kso_usage_error("rego parse", "expected one FILE");
        } else {
            file = argv[i];
        }
    }
    if (!file)
        return kso_usage_error("rego parse", "expected one FILE");
    ks_error err = {0};
    char *src;
    size_t n;
    if (ks_file_read(file, MAX_FILE, &src, &n, &err) < 0)
        return kso_report("rego parse", &err, KSO_EXIT_INPUT);
    ks_buf out = KS_BUF_INIT;
    int rc = rego_parse_json(file, src, n, version, &out, &err);
    ks_xfree(src);
    if (rc < 0) {
        ks_buf_free(&out);
        return kso_report("rego parse", &err, KSO_EXIT_FAILED);
    }
    printf("%s\n", out.data);
    ks_buf_free(&out);
    return KSO_EXIT_OK;
}

/* ---- test-cases ---- */

int rego_test_cases_cmd(int argc, char **argv);

int cmd_rego(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("Usage: kso rego COMMAND [flags]\n"
              "\n"
              "Commands:\n"
              "  eval        evaluate a query against policies, data and input\n"
              "  parse       print a module's syntax tree as JSON\n"
              "  check       parse and compile policies, reporting errors\n"
              "  test-cases  run conformance cases in OPA's YAML test-case format\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? KSO_EXIT_USAGE : KSO_EXIT_OK;
    }
    if (!strcmp(argv[1], "eval"))
        return rego_eval_cmd(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check"))
        return rego_check_cmd(argc - 1, argv + 1);
    if (!strcmp(argv[1], "parse"))
        return rego_parse_cmd(argc - 1, argv + 1);
    if (!strcmp(argv[1], "test-cases"))
        return rego_test_cases_cmd(argc - 1, argv + 1);
    return kso_usage_error("rego", "unknown command '%s'", argv[1]);
}
