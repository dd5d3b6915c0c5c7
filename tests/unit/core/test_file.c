/* Unit tests for core/file: reads with limits, atomic writes, directories.
 * Everything happens in a fresh temporary directory per test. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/mem.h"

static int setup(void **state)
{
    *state = tu_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    tu_rmtree(*state);
    ks_xfree(*state);
    return 0;
}

/* dir/name as a heap string. */
static char *path_in(const char *dir, const char *name)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "%s/%s", dir, name);
    return ks_buf_detach(&b, NULL);
}

static void write_plain(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ks_fd_write_all(fd, data, n), 0);
    close(fd);
}

static char *error_text(const ks_error *e)
{
    ks_buf b = KS_BUF_INIT;
    ks_error_format(e, &b);
    return ks_buf_detach(&b, NULL);
}

/* Number of directory entries other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void test_read_whole_file(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "a.txt");
    write_plain(p, "hello\0world", 11);
    char *data = NULL;
    size_t len = 0;
    ks_error err;
    assert_int_equal(ks_file_read(p, 0, &data, &len, &err), 0);
    assert_int_equal(len, 11);
    assert_memory_equal(data, "hello\0world", 12); /* NUL after the data */
    ks_xfree(data);
    ks_xfree(p);
}

static void test_read_empty_file(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "empty");
    write_plain(p, "", 0);
    char *data = NULL;
    size_t len = 99;
    assert_int_equal(ks_file_read(p, 10, &data, &len, NULL), 0);
    assert_non_null(data);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    ks_xfree(data);
    ks_xfree(p);
}

static void test_read_large_file(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "big");
    size_t n = 3 * 1024 * 1024 + 17;
    char *src = ks_xmalloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (char)(i * 131 + (i >> 11));
    write_plain(p, src, n);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(ks_file_read(p, n, &data, &len, NULL), 0); /* max == size is fine */
    assert_int_equal(len, n);
    assert_memory_equal(data, src, n);
    assert_int_equal(data[n], '\0');
    ks_xfree(data);
    ks_xfree(src);
    ks_xfree(p);
}

static void test_read_limit_exceeded(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "limited.json");
    char content[100];
    memset(content, 'x', sizeof(content));
    write_plain(p, content, sizeof(content));
    char *data = (char *)"untouched";
    size_t len = 0;
    ks_error err;
    assert_int_equal(ks_file_read(p, 99, &data, &len, &err), KS_ELIMIT);
    assert_int_equal(err.code, KS_ELIMIT);
    assert_string_equal(err.source, p);
    char *msg = error_text(&err);
    assert_non_null(strstr(msg, p));
    assert_non_null(strstr(msg, "99"));
    ks_xfree(msg);

    assert_int_equal(ks_file_read(p, 100, &data, &len, &err), 0);
    assert_int_equal(len, 100);
    ks_xfree(data);
    ks_xfree(p);
}

static void test_read_missing_file(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "does-not-exist.yaml");
    char *data = NULL;
    size_t len = 0;
    ks_error err;
    assert_int_equal(ks_file_read(p, 0, &data, &len, &err), KS_ENOENT);
    assert_int_equal(err.code, KS_ENOENT);
    assert_null(data);
    char *msg = error_text(&err);
    assert_non_null(strstr(msg, p));
    assert_memory_equal(msg, p, strlen(p)); /* "path: cannot open: ..." */
    ks_xfree(msg);
    /* err may be NULL. */
    assert_int_equal(ks_file_read(p, 0, &data, &len, NULL), KS_ENOENT);
    ks_xfree(p);
}

static void test_read_directory_is_error(void **state)
{
    const char *dir = *state;
    char *data = NULL;
    size_t len = 0;
    ks_error err;
    int rc = ks_file_read(dir, 0, &data, &len, &err);
    assert_int_equal(rc, KS_EINVAL);
    assert_string_equal(err.source, dir);
    assert_null(data);
}

static void test_read_unreadable_is_eio(void **state)
{
    const char *dir = *state;
    if (geteuid() == 0)
        skip(); /* root reads anything */
    char *p = path_in(dir, "secret");
    write_plain(p, "x", 1);
    chmod(p, 0);
    char *data = NULL;
    size_t len;
    ks_error err;
    assert_int_equal(ks_file_read(p, 0, &data, &len, &err), KS_EIO);
    assert_string_equal(err.source, p);
    ks_xfree(p);
}

/* A pipe fed with n bytes of a pattern by a writer thread (a pipe's buffer
 * may be smaller than n), so reads see data arrive in pieces. */
struct feed {
    pthread_t thread;
    int rfd, wfd;
    size_t n;
};

static void *feed_main(void *arg)
{
    struct feed *f = arg;
    char chunk[1000];
    for (size_t off = 0; off < f->n;) {
        size_t k = f->n - off < sizeof(chunk) ? f->n - off : sizeof(chunk);
        for (size_t i = 0; i < k; i++)
            chunk[i] = (char)('a' + (off + i) % 26);
        /* Stops when the reader has gone (EPIPE; SIGPIPE is ignored). */
        if (ks_fd_write_all(f->wfd, chunk, k) != 0)
            break;
        off += k;
    }
    close(f->wfd);
    return NULL;
}

static struct feed *feed_start(size_t n)
{
    signal(SIGPIPE, SIG_IGN);
    struct feed *f = ks_xcalloc(1, sizeof(*f));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    f->rfd = fds[0];
    f->wfd = fds[1];
    f->n = n;
    assert_int_equal(pthread_create(&f->thread, NULL, feed_main, f), 0);
    return f;
}

static void feed_end(struct feed *f)
{
    close(f->rfd);
    pthread_join(f->thread, NULL);
    ks_xfree(f);
}

static void test_fd_read_stream(void **state)
{
    (void)state;
    /* A pipe has no size to reserve from: data arrives in pieces. */
    const size_t sizes[] = {0, 1, 4095, 4096, 4097, 10000, 60000, 1000000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct feed *f = feed_start(sizes[k]);
        char *data = NULL;
        size_t len = 0;
        assert_int_equal(ks_fd_read_all(f->rfd, "<pipe>", 0, &data, &len, NULL), 0);
        feed_end(f);
        assert_int_equal(len, sizes[k]);
        for (size_t i = 0; i < len; i++)
            assert_int_equal(data[i], 'a' + i % 26);
        assert_int_equal(data[len], '\0');
        ks_xfree(data);
    }
}

static void test_fd_read_stream_limit(void **state)
{
    (void)state;
    const struct {
        size_t n, max;
        int rc;
    } cases[] = {
            {10000, 9999, KS_ELIMIT},
            {10000, 10000, 0},
            {10000, 5000, KS_ELIMIT},
            {5000, 4096, KS_ELIMIT},
            {4096, 4096, 0},
            {4097, 4096, KS_ELIMIT},
            {1, 1, 0},
            {2, 1, KS_ELIMIT},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct feed *f = feed_start(cases[k].n);
        char *data = NULL;
        size_t len = 0;
        ks_error err;
        int rc = ks_fd_read_all(f->rfd, "<stdin>", cases[k].max, &data, &len, &err);
        feed_end(f);
        if (rc != cases[k].rc)
            fail_msg("%zu bytes, max %zu: %d", cases[k].n, cases[k].max, rc);
        if (rc == 0) {
            assert_int_equal(len, cases[k].n);
            ks_xfree(data);
        } else {
            assert_string_equal(err.source, "<stdin>");
        }
    }
}

static void test_read_dash_is_stdin(void **state)
{
    (void)state;
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    struct feed *f = feed_start(5000);
    assert_true(dup2(f->rfd, STDIN_FILENO) >= 0);
    char *data = NULL;
    size_t len = 0;
    ks_error err;
    int rc = ks_file_read("-", 0, &data, &len, &err);
    assert_true(dup2(saved, STDIN_FILENO) >= 0);
    feed_end(f);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 5000);
    assert_memory_equal(data, "abcdef", 6);
    ks_xfree(data);

    /* Errors name standard input the way users see it. */
    f = feed_start(5000);
    assert_true(dup2(f->rfd, STDIN_FILENO) >= 0);
    rc = ks_file_read("-", 100, &data, &len, &err);
    assert_true(dup2(saved, STDIN_FILENO) >= 0);
    feed_end(f);
    close(saved);
    assert_int_equal(rc, KS_ELIMIT);
    assert_string_equal(err.source, "<stdin>");
}

static void test_write_atomic_creates_and_replaces(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "out.json");
    ks_error err;
    const char *first = "a fairly long first content, longer than the second";
    assert_int_equal(ks_file_write_atomic(p, first, strlen(first), 0644, &err), 0);
    char *data;
    size_t len;
    assert_int_equal(ks_file_read(p, 0, &data, &len, NULL), 0);
    assert_string_equal(data, first);
    ks_xfree(data);

    assert_int_equal(ks_file_write_atomic(p, "short", 5, 0644, &err), 0);
    assert_int_equal(ks_file_read(p, 0, &data, &len, NULL), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "short");
    ks_xfree(data);

    /* Empty content is a valid file. */
    assert_int_equal(ks_file_write_atomic(p, "", 0, 0644, &err), 0);
    assert_int_equal(ks_file_read(p, 0, &data, &len, NULL), 0);
    assert_int_equal(len, 0);
    ks_xfree(data);

    /* Only the target is left: no temporary files. */
    assert_int_equal(count_entries(dir), 1);
    ks_xfree(p);
}

static void test_write_atomic_mode(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "key.pem");
    mode_t old = umask(022);
    assert_int_equal(ks_file_write_atomic(p, "k", 1, 0600, NULL), 0);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(ks_file_write_atomic(p, "k", 1, 0640, NULL), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    umask(old);
    ks_xfree(p);
}

static void test_write_atomic_replaces_other_links_not(void **state)
{
    /* The target is replaced by a new file: a hard link to the old one
     * keeps the old content (a reader never sees a half-written file). */
    const char *dir = *state;
    char *p = path_in(dir, "cfg");
    char *link_path = path_in(dir, "cfg.old");
    write_plain(p, "old", 3);
    assert_int_equal(link(p, link_path), 0);
    assert_int_equal(ks_file_write_atomic(p, "new", 3, 0644, NULL), 0);
    char *data;
    size_t len;
    assert_int_equal(ks_file_read(link_path, 0, &data, &len, NULL), 0);
    assert_string_equal(data, "old");
    ks_xfree(data);
    assert_int_equal(ks_file_read(p, 0, &data, &len, NULL), 0);
    assert_string_equal(data, "new");
    ks_xfree(data);
    assert_int_equal(count_entries(dir), 2);
    ks_xfree(link_path);
    ks_xfree(p);
}

static void test_write_atomic_missing_directory(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "no/such/dir/file");
    ks_error err;
    assert_int_equal(ks_file_write_atomic(p, "x", 1, 0644, &err), KS_EIO);
    assert_string_equal(err.source, p);
    assert_int_equal(count_entries(dir), 0);
    ks_xfree(p);
}

static void test_write_atomic_into_fifo(void **state)
{
    /* a FIFO (like /dev/null, a device) is written into, never replaced by
     * a renamed regular file */
    const char *dir = *state;
    char *p = path_in(dir, "fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    int rd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    assert_true(rd >= 0);
    assert_true(ks_path_is_special(p));
    ks_error err;
    assert_int_equal(ks_file_write_atomic(p, "through", 7, 0644, &err), 0);
    char buf[16];
    assert_int_equal(read(rd, buf, sizeof buf), 7);
    assert_memory_equal(buf, "through", 7);
    close(rd);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_entries(dir), 1); /* no temporary file left */
    char *reg = path_in(dir, "plain");
    assert_false(ks_path_is_special(reg)); /* missing */
    write_plain(reg, "x", 1);
    assert_false(ks_path_is_special(reg));
    assert_false(ks_path_is_special(dir));
    ks_xfree(reg);
    ks_xfree(p);
}

static void test_write_atomic_failed_rename_cleans_up(void **state)
{
    /* The target is a directory: the rename fails after the temporary file
     * was written, and the temporary file must not be left behind. */
    const char *dir = *state;
    char *p = path_in(dir, "target");
    assert_int_equal(mkdir(p, 0755), 0);
    ks_error err;
    assert_int_equal(ks_file_write_atomic(p, "data", 4, 0644, &err), KS_EIO);
    assert_string_equal(err.source, p);
    assert_int_equal(count_entries(dir), 1);
    assert_true(ks_is_dir(p));
    ks_xfree(p);
}

static void test_mkdir_p(void **state)
{
    const char *dir = *state;
    char *p = path_in(dir, "a/b/c/d");
    ks_error err;
    assert_false(ks_is_dir(p));
    assert_int_equal(ks_mkdir_p(p, 0755, &err), 0);
    assert_true(ks_is_dir(p));
    /* Existing: still fine. */
    assert_int_equal(ks_mkdir_p(p, 0755, &err), 0);
    /* A trailing slash and doubled slashes. */
    char *q = path_in(dir, "x//y/z/");
    assert_int_equal(ks_mkdir_p(q, 0755, &err), 0);
    char *z = path_in(dir, "x/y/z");
    assert_true(ks_is_dir(z));
    /* The new directories can hold files. */
    char *f = path_in(p, "file");
    assert_int_equal(ks_file_write_atomic(f, "1", 1, 0644, &err), 0);
    assert_false(ks_is_dir(f));
    ks_xfree(f);
    ks_xfree(z);
    ks_xfree(q);
    ks_xfree(p);
}

static void test_mkdir_p_through_file_fails(void **state)
{
    const char *dir = *state;
    char *file = path_in(dir, "plain");
    write_plain(file, "x", 1);
    ks_error err;
    /* The path itself is a file. */
    assert_int_equal(ks_mkdir_p(file, 0755, &err), KS_EIO);
    assert_string_equal(err.source, file);
    /* A parent is a file. */
    char *under = path_in(dir, "plain/sub/dir");
    assert_int_equal(ks_mkdir_p(under, 0755, &err), KS_EIO);
    assert_non_null(strstr(err.source, "plain"));
    assert_false(ks_is_dir(under));
    ks_xfree(under);
    ks_xfree(file);
}

static void test_is_dir_and_display_name(void **state)
{
    const char *dir = *state;
    assert_true(ks_is_dir(dir));
    assert_true(ks_is_dir("/"));
    char *p = path_in(dir, "f");
    write_plain(p, "", 0);
    assert_false(ks_is_dir(p));
    ks_xfree(p);
    p = path_in(dir, "missing");
    assert_false(ks_is_dir(p));
    ks_xfree(p);

    assert_string_equal(ks_file_display_name("-"), "<stdin>");
    assert_string_equal(ks_file_display_name("a.yaml"), "a.yaml");
    assert_string_equal(ks_file_display_name("--"), "--");
}

static void test_fd_write_all(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(ks_fd_write_all(fds[1], "abc", 3), 0);
    assert_int_equal(ks_fd_write_all(fds[1], "", 0), 0);
    close(fds[1]);
    char buf[8];
    assert_int_equal(read(fds[0], buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "abc", 3);
    close(fds[0]);
    /* A closed descriptor is an error, not a crash. */
    assert_int_equal(ks_fd_write_all(fds[1], "x", 1), KS_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_read_whole_file, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_empty_file, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_large_file, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_limit_exceeded, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_missing_file, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_directory_is_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_unreadable_is_eio, setup, teardown),
            cmocka_unit_test(test_fd_read_stream),
            cmocka_unit_test(test_fd_read_stream_limit),
            cmocka_unit_test(test_read_dash_is_stdin),
            cmocka_unit_test_setup_teardown(test_write_atomic_into_fifo, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_atomic_creates_and_replaces, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_write_atomic_mode, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_atomic_replaces_other_links_not, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_write_atomic_missing_directory, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_atomic_failed_rename_cleans_up, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mkdir_p_through_file_fails, setup, teardown),
            cmocka_unit_test_setup_teardown(test_is_dir_and_display_name, setup, teardown),
            cmocka_unit_test(test_fd_write_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
