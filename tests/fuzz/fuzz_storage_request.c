/*
 * The storage server's request path: an HTTP request (method, target with
 * path and query, headers, body) built in memory the way the net server
 * builds it, through the API server (routing, negotiation, selectors,
 * pagination tokens, bodies, patches, watches) over a real store in a
 * scratch directory. Checks: no crash, a status in 200..599, an error
 * answer is a JSON Status, a JSON answer parses.
 *
 * Input: "METHOD TARGET\n" then "Header: value" lines, an empty line, and
 * the body.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/storage/storage.h"
#include "fuzz.h"

static spdx_server *server(void)
{
    static spdx_server *sv;
    if (sv)
        return sv;
    char tmpl[] = "/tmp/fuzz-storage-XXXXXX";
    char *dir = mkdtemp(tmpl);
    FUZZ_CHECK(dir != NULL, "mkdtemp");
    static spdx_config cfg;
    spdx_config_defaults(&cfg);
    cfg.queue_manager_enabled = false;
    sv = ks_xcalloc(1, sizeof *sv);
    sv->cfg = cfg;
    ks_error err = {0};
    kstore_opts so = {.dir = dir};
    FUZZ_CHECK(kstore_open(&so, &sv->store, &err) == 0, err.msg);
    FUZZ_CHECK(spdx_apigroup(&sv->group, sv->res, true, true, &err) == 0, err.msg);
    kube_apiserver_opts ao;
    spdx_apiserver_opts(sv, &ao);
    ao.limits = NULL; /* no queues: one request at a time */
    ao.auth.allow_anonymous = true;
    ao.watch_timeout_s = 1;
    FUZZ_CHECK(kube_apiserver_new(&ao, &sv->api, &err) == 0, err.msg);
    return sv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    if (strlen(text) != size) { /* the first lines are text */
        char *nul = memchr(text, '\0', size);
        char *nl = memchr(text, '\n', size);
        if (!nl || nul < nl) {
            free(text);
            return 0;
        }
    }
    char *line_end = strchr(text, '\n');
    char *space = strchr(text, ' ');
    if (!line_end || !space || space > line_end) {
        free(text);
        return 0;
    }
    *space = '\0';
    *line_end = '\0';
    const char *method = text, *target = space + 1;
    const char *headers[32];
    size_t nh = 0;
    char *p = line_end + 1;
    const char *body = "";
    size_t blen = 0;
    while (p < text + size) {
        char *e = memchr(p, '\n', (size_t)(text + size - p));
        if (!e) {
            body = p;
            blen = (size_t)(text + size - p);
            break;
        }
        *e = '\0';
        if (*p == '\0') { /* the blank line: the rest is the body */
            body = e + 1;
            blen = (size_t)(text + size - body);
            break;
        }
        if (nh < 32)
            headers[nh++] = p;
        p = e + 1;
    }
    spdx_server *sv = server();
    net_exchange *x = NULL;
    int rc = net_exchange_run(kube_apiserver_handle, kube_apiserver_net_error, sv->api, method,
                              target, headers, nh, body, blen, 1 << 20, &x);
    FUZZ_CHECK(rc == 0, "exchange");
    int status = net_exchange_status(x);
    FUZZ_CHECK(status >= 200 && status <= 599, "status out of range");
    const char *ct = net_exchange_header(x, "Content-Type");
    size_t n;
    const char *out = net_exchange_body(x, &n);
    if (ct && strncmp(ct, "application/json", 16) == 0 && n && !strstr(target, "watch")) {
        ks_arena a;
        ks_arena_init(&a, NULL, 0);
        kv_value v;
        ks_error err = {0};
        FUZZ_CHECK(kv_json_parse(&a, out, n, NULL, &v, &err) == 0, "a JSON answer does not parse");
        if (status >= 400) {
            const kv_value *kind = kv_obj_get(&v, "kind", 4);
            FUZZ_CHECK(kind && kind->kind == KV_STRING && strcmp(kind->u.s, "Status") == 0,
                       "an error answer is not a Status");
        }
        ks_arena_free(&a);
    }
    net_exchange_free(x);
    free(text);
    return 0;
}
