/*
 * Replays inputs through a fuzz target without libFuzzer (gcc builds): each
 * argument is a file or a directory of files. Exits non-zero when an input
 * cannot be read; a failing check aborts with the input's name printed.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/file.h"
#include "core/mem.h"
#include "fuzz.h"

static int replay_file(const char *path, size_t *count)
{
    char *data;
    size_t len;
    ks_error err;
    if (ks_file_read(path, 0, &data, &len, &err) != 0) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        return 1;
    }
    fprintf(stderr, "replay %s\n", path);
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    ks_xfree(data);
    (*count)++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue; /* libFuzzer flags, ignored here */
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            failed = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed |= replay_file(argv[i], &count);
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            failed = 1;
            continue;
        }
        struct dirent *de;
        char path[4096];
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
            failed |= replay_file(path, &count);
        }
        closedir(d);
    }
    printf("replayed %zu inputs\n", count);
    return failed;
}
