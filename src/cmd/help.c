#include <string.h>

#include "cmd/cmd.h"

static void print_overview(FILE *f)
{
    fprintf(f, "kso: the Kubescape operator and CLI, in one binary.\n\n"
               "Usage: kso COMMAND [flags] [args]\n"
               "       ROLE [flags] [args]   (kso called through a symlink named ROLE)\n\n"
               "Commands:\n");
    size_t n;
    const kso_command *c = kso_commands(&n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-10s %s\n", c[i].name, c[i].summary);
    fprintf(f, "\nRun 'kso COMMAND --help' for the flags of a command.\n\n"
               "Exit codes:\n"
               "  0  success\n"
               "  1  the command ran and reports a failure (for example, a scan over its "
               "threshold)\n"
               "  2  usage error: unknown command or flag, bad flag value\n"
               "  3  input error: an input could not be read, parsed or downloaded\n\n"
               "Global flags (anywhere on the command line):\n"
               "  --logger LEVEL       debug, info, warn, error, off (alias --log-level)\n"
               "  --logger-name NAME   pretty (text on stderr, the CLI default) or zap (JSON "
               "lines on stdout)\n\n"
               "Environment:\n"
               "  KS_LOGGER_LEVEL  debug, info, warn, error (default info)\n"
               "  KS_LOGGER_NAME   log format: pretty (text, the CLI default) or zap (JSON "
               "lines)\n");
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return KSO_EXIT_OK;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_overview(stdout);
        return KSO_EXIT_OK;
    }
    const kso_command *c = kso_find_command(argv[1]);
    if (!c)
        return kso_usage_error("help", "unknown command '%s'", argv[1]);
    return c->fn(2, (char *[]){(char *)c->name, "--help", NULL});
}
