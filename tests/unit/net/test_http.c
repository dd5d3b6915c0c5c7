/* net/http.h against a canned HTTP server on loopback: one thread that
 * answers each connection from a fixed script chosen by the request path,
 * including the ways servers misbehave (short bodies, oversized bodies,
 * redirect loops, silence). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/http.h"
#include "testutil.h"

typedef struct server {
    int fd;
    int port;
    pthread_t th;
    atomic_bool stop;
    atomic_int requests;
    char last_head[2048]; /* request head of the last request */
    pthread_mutex_t mu;
} server;

static server S;

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s)
{
    send_all(fd, s, strlen(s));
}

static void respond(int fd, const char *head)
{
    char path[512] = "";
    const char *sp = strchr(head, ' ');
    if (sp) {
        size_t n = strcspn(sp + 1, " \r\n");
        if (n >= sizeof path)
            n = sizeof path - 1;
        memcpy(path, sp + 1, n);
        path[n] = '\0';
    }
    /* a proxied request names the whole URL: answer by its path */
    const char *p = path;
    if (strncmp(p, "http://", 7) == 0) {
        p = strchr(p + 7, '/');
        if (!p)
            p = "/";
    }
    if (strcmp(p, "/ok") == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    } else if (strcmp(p, "/404") == 0) {
        send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
                     "not here\n");
    } else if (strcmp(p, "/short") == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n"
                     "0123456789");
    } else if (strcmp(p, "/big") == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n");
        char buf[2000];
        memset(buf, 'x', sizeof buf);
        send_all(fd, buf, sizeof buf);
    } else if (strcmp(p, "/chunked") == 0) {
        send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        char chunk[512];
        memset(chunk, 'y', sizeof chunk);
        for (int i = 0; i < 3; i++) {
            send_str(fd, "200\r\n");
            send_all(fd, chunk, sizeof chunk);
            send_str(fd, "\r\n");
        }
        send_str(fd, "0\r\n\r\n");
    } else if (strcmp(p, "/redirect") == 0) {
        send_str(fd, "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n");
    } else if (strcmp(p, "/loop") == 0) {
        send_str(fd, "HTTP/1.1 301 Moved Permanently\r\nLocation: /loop\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n");
    } else if (strcmp(p, "/silent") == 0) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        poll(&pf, 1, 3000); /* until the client gives up */
    } else if (strcmp(p, "/echo") == 0) {
        char resp[4096];
        int n = snprintf(resp, sizeof resp,
                         "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                         strlen(head), head);
        send_all(fd, resp, (size_t)n);
    } else {
        send_str(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n");
    }
}

static void *serve(void *arg)
{
    (void)arg;
    while (!atomic_load(&S.stop)) {
        struct pollfd pf = {.fd = S.fd, .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        int c = accept(S.fd, NULL, NULL);
        if (c < 0)
            continue;
        char head[2048];
        size_t n = 0;
        while (n + 1 < sizeof head) {
            ssize_t r = recv(c, head + n, sizeof head - 1 - n, 0);
            if (r <= 0)
                break;
            n += (size_t)r;
            head[n] = '\0';
            if (strstr(head, "\r\n\r\n"))
                break;
        }
        head[n] = '\0';
        pthread_mutex_lock(&S.mu);
        memcpy(S.last_head, head, n + 1);
        pthread_mutex_unlock(&S.mu);
        atomic_fetch_add(&S.requests, 1);
        respond(c, head);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

static int server_start(void **state)
{
    (void)state;
    /* the tests set the proxy environment themselves */
    static const char *const vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY",
                                       "no_proxy",    "NO_PROXY",   "SSL_CERT_FILE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    memset(&S, 0, sizeof S);
    pthread_mutex_init(&S.mu, NULL);
    S.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (S.fd < 0 || bind(S.fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(S.fd, 64) != 0 ||
        getsockname(S.fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    S.port = ntohs(a.sin_port);
    return pthread_create(&S.th, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state)
{
    (void)state;
    atomic_store(&S.stop, true);
    pthread_join(S.th, NULL);
    close(S.fd);
    pthread_mutex_destroy(&S.mu);
    return 0;
}

static void url_of(char *out, size_t size, const char *path)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", S.port, path);
}

static void last_head(char *out, size_t size)
{
    pthread_mutex_lock(&S.mu);
    snprintf(out, size, "%s", S.last_head);
    pthread_mutex_unlock(&S.mu);
}

static void test_get_ok(void **state)
{
    (void)state;
    char url[128];
    url_of(url, sizeof url, "/ok");
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get(url, NULL, &r, &err), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 5);
    assert_string_equal(r.body, "hello");
    assert_string_equal(r.final_url, url);
    net_http_response_free(&r);
    /* a body exactly at the limit is fine */
    net_http_opts o = {.max_body = 5};
    assert_int_equal(net_http_get(url, &o, &r, &err), 0);
    net_http_response_free(&r);
}

static void test_status_error(void **state)
{
    (void)state;
    char url[128], want[256];
    url_of(url, sizeof url, "/404");
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get(url, NULL, &r, &err), KS_EIO);
    assert_int_equal(r.status, 404);
    snprintf(want, sizeof want, "GET %s: HTTP 404 Not Found", url);
    assert_string_equal(err.msg, want);
    assert_string_equal(r.body, "not here\n"); /* kept for diagnostics */
    net_http_response_free(&r);
}

static void test_truncated(void **state)
{
    (void)state;
    char url[128];
    url_of(url, sizeof url, "/short");
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get(url, NULL, &r, &err), KS_EIO);
    assert_non_null(strstr(err.msg, url));
    assert_non_null(strstr(err.msg, "truncated body"));
    assert_non_null(strstr(err.msg, "after 10 of 100 bytes"));
    net_http_response_free(&r);
}

static void test_oversized(void **state)
{
    (void)state;
    const char *paths[] = {"/big", "/chunked"}; /* announced, and not */
    for (size_t i = 0; i < 2; i++) {
        char url[128];
        url_of(url, sizeof url, paths[i]);
        net_http_opts o = {.max_body = 1000};
        net_http_response r;
        ks_error err = {0};
        assert_int_equal(net_http_get(url, &o, &r, &err), KS_ELIMIT);
        assert_non_null(strstr(err.msg, url));
        assert_non_null(strstr(err.msg, "larger than the limit of 1000 bytes"));
        assert_true(r.len <= 1000);
        net_http_response_free(&r);
        /* under a larger limit the same body is fine */
        o.max_body = 4096;
        assert_int_equal(net_http_get(url, &o, &r, &err), 0);
        assert_true(r.len == 2000 || r.len == 1536);
        net_http_response_free(&r);
    }
}

static void test_redirects(void **state)
{
    (void)state;
    char url[128], ok[128];
    url_of(url, sizeof url, "/redirect");
    url_of(ok, sizeof ok, "/ok");
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get(url, NULL, &r, &err), 0);
    assert_string_equal(r.body, "hello");
    assert_string_equal(r.final_url, ok);
    net_http_response_free(&r);

    net_http_opts no = {.max_redirects = -1};
    assert_int_equal(net_http_get(url, &no, &r, &err), KS_EIO);
    assert_int_equal(r.status, 302);
    assert_non_null(strstr(err.msg, "HTTP 302 Found"));
    net_http_response_free(&r);

    url_of(url, sizeof url, "/loop");
    net_http_opts few = {.max_redirects = 3};
    int before = atomic_load(&S.requests);
    assert_int_equal(net_http_get(url, &few, &r, &err), KS_EIO);
    assert_non_null(strstr(err.msg, "too many redirects"));
    assert_int_equal(atomic_load(&S.requests) - before, 4); /* the first and three more */
    net_http_response_free(&r);
}

static void test_timeout(void **state)
{
    (void)state;
    char url[128];
    url_of(url, sizeof url, "/silent");
    net_http_opts o = {.timeout_ms = 300};
    net_http_response r;
    ks_error err = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(net_http_get(url, &o, &r, &err), KS_EIO);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(strstr(err.msg, "timed out"));
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    net_http_response_free(&r);
}

static void test_unreachable_and_bad_urls(void **state)
{
    (void)state;
    /* a port nobody listens on: bind one, then close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get(url, NULL, &r, &err), KS_EIO);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(err.msg, url));
    net_http_response_free(&r);

    assert_int_equal(net_http_get("file:///etc/passwd", NULL, &r, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "not an http:// or https:// URL"));
    net_http_response_free(&r);
    assert_int_equal(net_http_get("gopher://127.0.0.1/", NULL, &r, &err), KS_EINVAL);
    net_http_response_free(&r);
}

static void test_explicit_proxy(void **state)
{
    (void)state;
    char proxy[128], head[2048];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", S.port);
    /* a host that does not resolve: only the proxy can answer */
    net_http_opts o = {.proxy = proxy};
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get("http://kso-test.invalid/ok", &o, &r, &err), 0);
    assert_string_equal(r.body, "hello");
    net_http_response_free(&r);
    last_head(head, sizeof head);
    assert_non_null(strstr(head, "GET http://kso-test.invalid/ok HTTP/1.1\r\n"));
    /* NO_PROXY does not apply to an explicit proxy */
    setenv("NO_PROXY", "kso-test.invalid", 1);
    assert_int_equal(net_http_get("http://kso-test.invalid/ok", &o, &r, &err), 0);
    net_http_response_free(&r);
    unsetenv("NO_PROXY");
    /* "" means no proxy at all, whatever the environment says */
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    net_http_opts none = {.proxy = ""};
    char url[128];
    url_of(url, sizeof url, "/ok");
    assert_int_equal(net_http_get(url, &none, &r, &err), 0);
    net_http_response_free(&r);
    unsetenv("http_proxy");
}

static void test_environment_proxy(void **state)
{
    (void)state;
    char proxy[128], head[2048];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", S.port);
    net_http_response r;
    ks_error err = {0};
    const char *vars[] = {"http_proxy", "HTTP_PROXY"};
    for (size_t i = 0; i < 2; i++) {
        setenv(vars[i], proxy, 1);
        assert_int_equal(net_http_get("http://kso-test.invalid/echo", NULL, &r, &err), 0);
        last_head(head, sizeof head);
        assert_non_null(strstr(head, "GET http://kso-test.invalid/echo HTTP/1.1\r\n"));
        net_http_response_free(&r);
        /* NO_PROXY exempts the host: then it must be resolved, and cannot be */
        setenv("NO_PROXY", "kso-test.invalid", 1);
        int before = atomic_load(&S.requests);
        assert_int_equal(net_http_get("http://kso-test.invalid/echo", NULL, &r, &err), KS_EIO);
        assert_int_equal(atomic_load(&S.requests), before);
        net_http_response_free(&r);
        unsetenv("NO_PROXY");
        unsetenv(vars[i]);
    }
}

static void test_request_headers(void **state)
{
    (void)state;
    char url[128];
    url_of(url, sizeof url, "/echo");
    const char *h[] = {"X-Kso-Test: yes", "Accept: application/json"};
    net_http_opts o = {.user_agent = "kso-test/1", .headers = h, .nheaders = 2};
    net_http_response r;
    ks_error err = {0};
    assert_int_equal(net_http_get(url, &o, &r, &err), 0);
    assert_non_null(strstr(r.body, "GET /echo HTTP/1.1\r\n"));
    assert_non_null(strstr(r.body, "\r\nUser-Agent: kso-test/1\r\n"));
    assert_non_null(strstr(r.body, "\r\nX-Kso-Test: yes\r\n"));
    assert_non_null(strstr(r.body, "\r\nAccept: application/json\r\n"));
    net_http_response_free(&r);
    assert_int_equal(net_http_get(url, NULL, &r, &err), 0);
    assert_non_null(strstr(r.body, "\r\nUser-Agent: kso\r\n"));
    net_http_response_free(&r);
}

static void test_redact(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
            {"http://user:secret@proxy:3128", "http://user:***@proxy:3128"},
            {"https://user@host/x", "https://user@host/x"},
            {"https://host/a@b:c", "https://host/a@b:c"},
            {"http://u:p:q@h/p?x=@", "http://u:***@h/p?x=@"},
            {"host:8080", "host:8080"},
            {"http://a:b@c@d/", "http://a:***@d/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[256];
        net_http_redact_url(cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
    char small[8];
    net_http_redact_url("http://long.example/", small, sizeof small);
    assert_string_equal(small, "http://");
}

static void *many_gets(void *arg)
{
    const char *url = arg;
    for (int i = 0; i < 10; i++) {
        net_http_response r;
        ks_error err = {0};
        if (net_http_get(url, NULL, &r, &err) != 0 || strcmp(r.body, "hello") != 0) {
            net_http_response_free(&r);
            return (void *)1;
        }
        net_http_response_free(&r);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    char url[128];
    url_of(url, sizeof url, "/ok");
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, many_gets, url), 0);
    for (int i = 0; i < 4; i++) {
        void *res;
        pthread_join(th[i], &res);
        assert_null(res);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_get_ok),
            cmocka_unit_test(test_status_error),
            cmocka_unit_test(test_truncated),
            cmocka_unit_test(test_oversized),
            cmocka_unit_test(test_redirects),
            cmocka_unit_test(test_timeout),
            cmocka_unit_test(test_unreachable_and_bad_urls),
            cmocka_unit_test(test_explicit_proxy),
            cmocka_unit_test(test_environment_proxy),
            cmocka_unit_test(test_request_headers),
            cmocka_unit_test(test_redact),
            cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
