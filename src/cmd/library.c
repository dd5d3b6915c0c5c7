/*
 * kso library: control libraries (the built-in one, upstream's).
 *
 *   kso library export [--version TAG] [SRC] OUTDIR
 *   kso library list [SRC]
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "posture/posture.h"

static const char library_usage[] =
        "Usage: kso library export [--version TAG] [SRC] OUTDIR\n"
        "       kso library list [SRC]\n"
        "\n"
        "export  writes the release artifacts of a control library (frameworks.json,\n"
        "        controls.json, rules.json, default_config_inputs.json, exceptions.json,\n"
        "        attack_tracks.json, one <framework>.json each, the CSV tables, and the\n"
        "        controls-inputs.json / attack-tracks.json names that\n"
        "        `kubescape scan --use-artifacts-from` reads)\n"
        "list    prints the frameworks and controls of a library\n"
        "\n"
        "SRC is a library directory in the upstream source layout (rules/, controls/,\n"
        "frameworks/, ...) or in release-artifact form; without SRC, the built-in library.\n";

static int load(const char *src, ps_library **lib, ks_error *err)
{
    return src ? ps_library_load_dir(src, lib, err) : ps_library_builtin(lib, err);
}

static int library_export(int argc, char **argv)
{
    const char *version = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--version") == 0 && i + 1 < argc)
            version = argv[++i];
        else if (strncmp(argv[i], "--version=", 10) == 0)
            version = argv[i] + 10;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(library_usage, stdout);
            return KSO_EXIT_OK;
        } else
            return kso_usage_error("library export", "unknown flag %s", argv[i]);
    }
    int left = argc - i;
    if (left < 1 || left > 2)
        return kso_usage_error("library export", "expected [SRC] OUTDIR");
    const char *src = left == 2 ? argv[i] : NULL, *out = argv[argc - 1];
    ks_error err = {0};
    ps_library *lib = NULL;
    if (load(src, &lib, &err))
        return kso_report("library export", &err, KSO_EXIT_INPUT);
    int rc = ps_library_export(lib, out, version, &err);
    if (!rc)
        fprintf(stderr, "kso library export: %zu frameworks, %zu controls written to %s\n",
                ps_library_framework_count(lib), ps_library_control_count(lib), out);
    ps_library_free(lib);
    return rc ? kso_report("library export", &err, KSO_EXIT_INPUT) : KSO_EXIT_OK;
}

static int library_list(int argc, char **argv)
{
    if (argc > 2)
        return kso_usage_error("library list", "expected [SRC]");
    ks_error err = {0};
    ps_library *lib = NULL;
    if (load(argc == 2 ? argv[1] : NULL, &lib, &err))
        return kso_report("library list", &err, KSO_EXIT_INPUT);
    printf("Frameworks:\n");
    for (size_t f = 0; f < ps_library_framework_count(lib); f++)
        printf("  %s\n", ps_library_framework_name(lib, f));
    printf("Controls:\n");
    for (size_t k = 0; k < ps_library_control_count(lib); k++) {
        const kv_value *c = ps_library_control(lib, k);
        const kv_value *id = kv_obj_get(c, "controlID", 9), *name = kv_obj_get(c, "name", 4);
        printf("  %-8s %s\n", id && id->kind == KV_STRING ? id->u.s : "?",
               name && name->kind == KV_STRING ? name->u.s : "");
    }
    ps_library_free(lib);
    return KSO_EXIT_OK;
}

int cmd_library(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(library_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KSO_EXIT_USAGE : KSO_EXIT_OK;
    }
    if (strcmp(argv[1], "export") == 0)
        return library_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return library_list(argc - 1, argv + 1);
    return kso_usage_error("library", "unknown subcommand %s", argv[1]);
}
