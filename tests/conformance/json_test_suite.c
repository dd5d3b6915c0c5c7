/*
 * Runs the parsing cases of JSONTestSuite (test_parsing/) through
 * kv_json_parse:
 *   y_*  must be accepted, and must survive write -> parse -> equal and a
 *        byte-stable canonical form;
 *   n_*  must be rejected with a positioned error, without crashing;
 *   i_*  must behave as the expectations file says (accept or reject).
 * Usage: json_test_suite SUITE_DIR EXPECTATIONS_FILE
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/file.h"
#include "core/mem.h"
#include "value/value.h"

#define MAX_CASES 1024

typedef struct expect {
    char name[256];
    bool accept;
    bool seen;
} expect;

static expect expects[MAX_CASES];
static size_t nexpects;

static int load_expectations(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char name[256], verdict[32];
        int n = sscanf(line, "%255s %31s", name, verdict);
        if (n <= 0)
            continue;
        if (n != 2 || (strcmp(verdict, "accept") != 0 && strcmp(verdict, "reject") != 0) ||
            nexpects == MAX_CASES) {
            fprintf(stderr, "%s:%d: expected '<file> accept|reject'\n", path, lineno);
            fclose(f);
            return -1;
        }
        expect *e = &expects[nexpects++];
        snprintf(e->name, sizeof e->name, "%s", name);
        e->accept = strcmp(verdict, "accept") == 0;
        e->seen = false;
    }
    fclose(f);
    return 0;
}

static expect *find_expectation(const char *name)
{
    for (size_t i = 0; i < nexpects; i++)
        if (strcmp(expects[i].name, name) == 0)
            return &expects[i];
    return NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Accepted input must round-trip: compact and pretty output parse back to an
 * equal value, and the canonical form is the same when written again. */
static bool check_round_trip(const char *name, const kv_value *v)
{
    static const unsigned modes[] = {0, KV_JSON_PRETTY, KV_JSON_CANONICAL};
    bool ok = true;
    ks_buf canon1;
    ks_buf_init(&canon1, 0);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        ks_arena a;
        ks_arena_init(&a, NULL, 0);
        ks_buf out;
        ks_buf_init(&out, 0);
        ks_error err;
        kv_value back;
        if (kv_json_write(&out, v, modes[m]) != 0 ||
            kv_json_parse(&a, out.data, out.len, NULL, &back, &err) != 0) {
            fprintf(stderr, "FAIL %s: output in mode %u does not parse back\n", name, modes[m]);
            ok = false;
        } else if (!kv_equal(v, &back)) {
            fprintf(stderr, "FAIL %s: round trip in mode %u changed the value\n", name, modes[m]);
            ok = false;
        } else if (modes[m] == KV_JSON_CANONICAL) {
            ks_buf_append(&canon1, out.data, out.len);
            ks_buf again;
            ks_buf_init(&again, 0);
            kv_json_write(&again, &back, KV_JSON_CANONICAL);
            if (again.len != canon1.len || memcmp(again.data, canon1.data, again.len) != 0) {
                fprintf(stderr, "FAIL %s: canonical form is not byte-stable\n", name);
                ok = false;
            }
            ks_buf_free(&again);
        }
        ks_buf_free(&out);
        ks_arena_free(&a);
    }
    ks_buf_free(&canon1);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SUITE_DIR EXPECTATIONS_FILE\n", argv[0]);
        return 2;
    }
    if (load_expectations(argv[2]) != 0)
        return 2;
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "%s: cannot open the suite directory\n", argv[1]);
        return 2;
    }
    char *names[MAX_CASES] = {NULL};
    size_t nnames = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        if (nnames == MAX_CASES) {
            fprintf(stderr, "%s: more than %d cases\n", argv[1], MAX_CASES);
            closedir(d);
            return 2;
        }
        names[nnames++] = ks_xstrndup(de->d_name, len);
    }
    closedir(d);
    qsort(names, nnames, sizeof names[0], cmp_names);

    size_t counts[3][2] = {{0}}; /* [y,n,i][pass,fail] */
    size_t i_accepted = 0;
    char path[4096];
    for (size_t k = 0; k < nnames; k++) {
        const char *name = names[k];
        int cls = name[0] == 'y' ? 0 : name[0] == 'n' ? 1 : name[0] == 'i' ? 2 : -1;
        if (cls < 0 || name[1] != '_') {
            fprintf(stderr, "FAIL %s: not a y_, n_ or i_ case\n", name);
            return 1;
        }
        snprintf(path, sizeof path, "%s/%s", argv[1], name);
        ks_error err;
        char *data;
        size_t len;
        if (ks_file_read(path, 0, &data, &len, &err) != 0) {
            fprintf(stderr, "FAIL %s: %s\n", name, err.msg);
            return 1;
        }
        ks_arena a;
        ks_arena_init(&a, NULL, 0);
        kv_value v;
        kv_json_opts opts = {.source = name};
        int rc = kv_json_parse(&a, data, len, &opts, &v, &err);
        bool accepted = rc == 0;
        bool pass;
        if (cls == 0) {
            pass = accepted && check_round_trip(name, &v);
            if (!accepted)
                fprintf(stderr, "FAIL %s: rejected: %s\n", name, err.msg);
        } else if (cls == 1) {
            pass = !accepted;
            if (accepted)
                fprintf(stderr, "FAIL %s: accepted\n", name);
            else if (err.line < 1 || err.col < 1) {
                fprintf(stderr, "FAIL %s: error without a position: %s\n", name, err.msg);
                pass = false;
            }
        } else {
            expect *e = find_expectation(name);
            if (!e) {
                fprintf(stderr, "FAIL %s: not listed in %s (it was %s)\n", name, argv[2],
                        accepted ? "accepted" : "rejected");
                pass = false;
            } else {
                e->seen = true;
                pass = e->accept == accepted;
                if (!pass)
                    fprintf(stderr, "FAIL %s: %s, expected %s\n", name,
                            accepted ? "accepted" : "rejected", e->accept ? "accept" : "reject");
                if (pass && accepted)
                    pass = check_round_trip(name, &v);
            }
            i_accepted += accepted;
        }
        counts[cls][pass ? 0 : 1]++;
        ks_arena_free(&a);
        ks_xfree(data);
        ks_xfree(names[k]);
    }
    size_t stale = 0;
    for (size_t i = 0; i < nexpects; i++) {
        if (!expects[i].seen) {
            fprintf(stderr, "FAIL %s: listed in %s but not in the suite\n", expects[i].name,
                    argv[2]);
            stale++;
        }
    }
    printf("y_ (must accept): %zu passed, %zu failed\n", counts[0][0], counts[0][1]);
    printf("n_ (must reject): %zu passed, %zu failed\n", counts[1][0], counts[1][1]);
    printf("i_ (as documented): %zu passed, %zu failed (%zu accepted, %zu rejected)\n",
           counts[2][0], counts[2][1], i_accepted, counts[2][0] + counts[2][1] - i_accepted);
    size_t failed = counts[0][1] + counts[1][1] + counts[2][1] + stale;
    if (nnames == 0) {
        fprintf(stderr, "%s: no cases found\n", argv[1]);
        return 1;
    }
    return failed ? 1 : 0;
}
