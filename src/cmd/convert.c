/* kso convert: YAML to JSON and JSON to YAML, multi-document aware. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/arena.h"
#include "core/file.h"
#include "core/log.h"
#include "core/vec.h"
#include "value/value.h"

enum fmt { FMT_AUTO, FMT_JSON, FMT_YAML };

typedef struct convert_opts {
    enum fmt from, to;
    bool compact, canonical, array, first, escape_html, yaml11, keep_empty;
    unsigned indent;
    const char *output;
    size_t max_size, max_depth;
} convert_opts;

typedef KS_VEC(kv_value) value_vec;

typedef struct doc_sink {
    value_vec *docs;
    const convert_opts *o;
    size_t taken;
} doc_sink;

#define STOP_READING (-1000) /* a callback's "enough", not an error */

static const char usage[] =
        "Usage: kso convert [flags] [FILE...]\n"
        "\n"
        "Converts YAML to JSON and JSON to YAML. Reads each FILE (\"-\" or none: standard\n"
        "input); every document of a YAML stream and every value of a JSON stream is\n"
        "converted. Output is written only when all input was read without error.\n"
        "\n"
        "Flags:\n"
        "  -t, --to FORMAT      json or yaml (default: the other format of the first input)\n"
        "  -f, --from FORMAT    json, yaml or auto (default auto: .json/.yaml/.yml by name,\n"
        "                       else JSON when the text starts with '{' or '[')\n"
        "      --compact        JSON: one line per document\n"
        "      --indent N       JSON: indent N spaces (1-16, default 2)\n"
        "      --canonical      JSON: compact with normalised numbers (byte-stable, for\n"
        "                       hashing); object keys are always sorted\n"
        "      --escape-html    JSON: escape <, > and & as Go's json.Marshal does\n"
        "      --array          write all documents as one JSON array or YAML sequence\n"
        "      --first          only the first document of each input\n"
        "      --keep-empty     keep empty YAML documents (as null) instead of skipping\n"
        "      --yaml11         read scalars as kubectl does (sigs.k8s.io/yaml, go-yaml v2):\n"
        "                       y/n/yes/no/on/off are booleans, timestamps stay as\n"
        "                       written, the last of duplicate keys wins; the default is\n"
        "                       go-yaml v3, as upstream Kubescape reads manifests\n"
        "  -o, --output FILE    write to FILE (atomically) instead of standard output\n"
        "      --max-size SIZE  largest input accepted (default 256Mi)\n"
        "      --max-depth N    deepest nesting accepted (default 1000)\n"
        "  -h, --help           show this help\n";

static int parse_fmt(const char *s, enum fmt *out, bool allow_auto)
{
    if (strcmp(s, "json") == 0)
        *out = FMT_JSON;
    else if (strcmp(s, "yaml") == 0 || strcmp(s, "yml") == 0)
        *out = FMT_YAML;
    else if (allow_auto && strcmp(s, "auto") == 0)
        *out = FMT_AUTO;
    else
        return KS_EINVAL;
    return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum fmt detect(const char *path, const char *data, size_t len)
{
    if (has_suffix(path, ".json"))
        return FMT_JSON;
    if (has_suffix(path, ".yaml") || has_suffix(path, ".yml"))
        return FMT_YAML;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        return (c == '{' || c == '[') ? FMT_JSON : FMT_YAML;
    }
    return FMT_YAML;
}

static int on_yaml_doc(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    doc_sink *sink = ctx;
    if (info->empty && !sink->o->keep_empty)
        return 0;
    ks_vec_push(sink->docs, *doc);
    sink->taken++;
    return sink->o->first ? STOP_READING : 0;
}

static int read_input(ks_arena *a, const char *path, const convert_opts *o, value_vec *docs,
                      enum fmt *first_fmt, ks_error *err)
{
    const char *name = ks_file_display_name(path);
    char *data = NULL;
    size_t len = 0;
    int rc = ks_file_read(path, o->max_size, &data, &len, err);
    if (rc)
        return rc;
    enum fmt f = o->from != FMT_AUTO ? o->from : detect(path, data, len);
    if (*first_fmt == FMT_AUTO)
        *first_fmt = f;
    if (f == FMT_JSON) {
        kv_json_opts jo = {.max_depth = o->max_depth, .source = name};
        size_t pos = 0;
        for (;;) {
            kv_value v;
            rc = kv_json_parse_next(a, data, len, &pos, &jo, &v, err);
            if (rc == KS_ENOENT) {
                rc = 0;
                break;
            }
            if (rc)
                break;
            ks_vec_push(docs, v);
            if (o->first)
                break;
        }
    } else {
        kv_yaml_opts yo = {.max_depth = o->max_depth,
                           .source = name,
                           /* as sigs.k8s.io/yaml.YAMLToJSON: v2 scalars, last duplicate key wins */
                           .flags = o->yaml11 ? KV_YAML_BOOL11 | KV_YAML_DUP_LAST_WINS : 0};
        doc_sink sink = {.docs = docs, .o = o};
        rc = kv_yaml_parse_stream(a, data, len, &yo, on_yaml_doc, &sink, err);
        if (rc == STOP_READING)
            rc = 0;
    }
    ks_xfree(data);
    return rc;
}

static int write_output(ks_buf *out, ks_arena *a, const value_vec *docs, const convert_opts *o,
                        enum fmt to)
{
    unsigned jflags = 0;
    if (o->canonical)
        jflags |= KV_JSON_CANONICAL;
    else if (!o->compact)
        jflags |= KV_JSON_INDENT(o->indent);
    if (o->escape_html)
        jflags |= KV_JSON_ESCAPE_HTML;

    if (o->array) {
        kv_value arr;
        if (kv_array_new(a, docs->v, docs->len, &arr))
            return KS_ELIMIT;
        int rc = to == FMT_JSON ? kv_json_write(out, &arr, jflags) : kv_yaml_write(out, &arr, 0);
        if (rc == 0 && to == FMT_JSON)
            ks_buf_putc(out, '\n');
        return rc ? rc : out->err;
    }
    for (size_t i = 0; i < docs->len; i++) {
        int rc;
        if (to == FMT_JSON) {
            rc = kv_json_write(out, &docs->v[i], jflags);
            ks_buf_putc(out, '\n');
        } else {
            if (i > 0)
                ks_buf_puts(out, "---\n");
            rc = kv_yaml_write(out, &docs->v[i], 0);
        }
        if (rc)
            return rc;
    }
    return out->err;
}

int cmd_convert(int argc, char **argv)
{
    convert_opts o = {.indent = 2, .max_size = 256u << 20, .max_depth = KV_DEFAULT_MAX_DEPTH};
    enum {
        OPT_COMPACT = 256,
        OPT_INDENT,
        OPT_CANONICAL,
        OPT_ESCAPE_HTML,
        OPT_ARRAY,
        OPT_FIRST,
        OPT_KEEP_EMPTY,
        OPT_YAML11,
        OPT_MAX_SIZE,
        OPT_MAX_DEPTH,
    };
    static const struct option longopts[] = {
            {"to", required_argument, NULL, 't'},
            {"from", required_argument, NULL, 'f'},
            {"output", required_argument, NULL, 'o'},
            {"compact", no_argument, NULL, OPT_COMPACT},
            {"indent", required_argument, NULL, OPT_INDENT},
            {"canonical", no_argument, NULL, OPT_CANONICAL},
            {"escape-html", no_argument, NULL, OPT_ESCAPE_HTML},
            {"array", no_argument, NULL, OPT_ARRAY},
            {"first", no_argument, NULL, OPT_FIRST},
            {"keep-empty", no_argument, NULL, OPT_KEEP_EMPTY},
            {"yaml11", no_argument, NULL, OPT_YAML11},
            {"max-size", required_argument, NULL, OPT_MAX_SIZE},
            {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    bool to_set = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":t:f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (parse_fmt(optarg, &o.to, false))
                return kso_usage_error("convert", "--to must be json or yaml, not '%s'", optarg);
            to_set = true;
            break;
        case 'f':
            if (parse_fmt(optarg, &o.from, true))
                return kso_usage_error("convert", "--from must be json, yaml or auto, not '%s'",
                                       optarg);
            break;
        case 'o': o.output = optarg; break;
        case OPT_COMPACT: o.compact = true; break;
        case OPT_INDENT: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 16)
                return kso_usage_error("convert", "--indent must be 1 to 16, not '%s'", optarg);
            o.indent = (unsigned)n;
            break;
        }
        case OPT_CANONICAL: o.canonical = true; break;
        case OPT_ESCAPE_HTML: o.escape_html = true; break;
        case OPT_ARRAY: o.array = true; break;
        case OPT_FIRST: o.first = true; break;
        case OPT_KEEP_EMPTY: o.keep_empty = true; break;
        case OPT_YAML11: o.yaml11 = true; break;
        case OPT_MAX_SIZE:
            if (kso_parse_size(optarg, &o.max_size) || o.max_size == 0)
                return kso_usage_error("convert",
                                       "--max-size must be a size such as 64Mi, not "
                                       "'%s'",
                                       optarg);
            break;
        case OPT_MAX_DEPTH: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 10000)
                return kso_usage_error("convert", "--max-depth must be 1 to 10000, not '%s'",
                                       optarg);
            o.max_depth = (size_t)n;
            break;
        }
        case 'h': fputs(usage, stdout); return KSO_EXIT_OK;
        case ':': return kso_usage_error("convert", "flag '%s' needs a value", argv[optind - 1]);
        default: return kso_usage_error("convert", "unknown flag '%s'", argv[optind - 1]);
        }
    }
    if (o.output && strcmp(o.output, "-") == 0)
        o.output = NULL;

    ks_arena arena;
    ks_arena_init(&arena, NULL, 0);
    value_vec docs = {0};
    ks_error err = {0};
    ks_buf out = KS_BUF_INIT;
    enum fmt first_fmt = FMT_AUTO;
    int code = KSO_EXIT_OK;

    char *stdin_only[] = {"-"};
    char **inputs = optind < argc ? argv + optind : stdin_only;
    int ninputs = optind < argc ? argc - optind : 1;
    for (int i = 0; i < ninputs; i++) {
        size_t before = docs.len;
        if (read_input(&arena, inputs[i], &o, &docs, &first_fmt, &err)) {
            code = kso_report("convert", &err, KSO_EXIT_INPUT);
            goto out;
        }
        ks_log_debug("convert", "read input", KS_F_STR("input", ks_file_display_name(inputs[i])),
                     KS_F_INT("documents", docs.len - before));
    }
    enum fmt to = to_set ? o.to : (first_fmt == FMT_JSON ? FMT_YAML : FMT_JSON);
    int rc = write_output(&out, &arena, &docs, &o, to);
    if (rc) {
        ks_error_set(&err, rc, "cannot write the output: %s",
                     rc == KS_ELIMIT ? "nesting deeper than the writer allows (JSON 10000 "
                                       "levels, YAML about 1000)"
                                     : ks_strerror(rc));
        code = kso_report("convert", &err, KSO_EXIT_INPUT);
        goto out;
    }
    ks_log_debug("convert", "converted", KS_F_INT("documents", docs.len),
                 KS_F_STR("to", to == FMT_JSON ? "json" : "yaml"), KS_F_INT("bytes", out.len),
                 KS_F_INT("arenaBytes", ks_arena_used(&arena)));
    if (o.output) {
        if (ks_file_write_atomic(o.output, out.data, out.len, 0644, &err))
            code = kso_report("convert", &err, KSO_EXIT_INPUT);
    } else if (ks_fd_write_all(STDOUT_FILENO, out.data, out.len) != 0) {
        ks_error_set(&err, KS_EIO, "cannot write to standard output");
        code = kso_report("convert", &err, KSO_EXIT_INPUT);
    }
out:
    ks_buf_free(&out);
    ks_vec_free(&docs);
    ks_arena_free(&arena);
    return code;
}
