#include <gnutls/gnutls.h>
#include <libfyaml.h>
#include <string.h>

#include "cmd/cmd.h"

const char kso_version[] = KSO_VERSION;
const char kso_git_commit[] = KSO_GIT_COMMIT;

int cmd_version(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
            printf("Usage: kso version\n\nPrints the version of kso and of the libraries it "
                   "runs with.\n");
            return KSO_EXIT_OK;
        }
        return kso_usage_error("version", "unexpected argument '%s'", argv[1]);
    }
    printf("kso version %s\n", kso_version);
    printf("git commit: %s\n", kso_git_commit);
    printf("libfyaml: %s\n", fy_library_version());
    printf("gnutls: %s\n", gnutls_check_version(NULL));
    return KSO_EXIT_OK;
}
