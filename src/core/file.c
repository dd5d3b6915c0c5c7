#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

const char *ks_file_display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int ks_fd_read_all(int fd, const char *name, size_t max, char **data, size_t *len, ks_error *err)
{
    ks_buf b;
    ks_buf_init(&b, max);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if (max && (size_t)st.st_size > max) {
            ks_buf_free(&b);
            return ks_error_at(err, KS_ELIMIT, name, 0, 0, 0,
                               "file is %lld bytes, more than the limit of %zu",
                               (long long)st.st_size, max);
        }
        ks_buf_reserve(&b, (size_t)st.st_size);
    }
    for (;;) {
        /* Read into free room; with none left, read into a small stack
         * buffer first, so a file that fits exactly is not grown at EOF. */
        char small[4096];
        size_t room = b.cap ? b.cap - b.len - 1 : 0;
        char *dst = room ? b.data + b.len : small;
        size_t want = room ? room : sizeof(small);
        ssize_t r = read(fd, dst, want);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            ks_buf_free(&b);
            return ks_error_at(err, KS_EIO, name, 0, 0, 0, "read failed: %s", strerror(e));
        }
        if (r == 0)
            break;
        if (max && (size_t)r > max - b.len) {
            ks_buf_free(&b);
            return ks_error_at(err, KS_ELIMIT, name, 0, 0, 0,
                               "input is larger than the limit of %zu bytes", max);
        }
        if (room) {
            b.len += (size_t)r;
            b.data[b.len] = '\0';
        } else {
            ks_buf_append(&b, small, (size_t)r);
        }
    }
    *data = ks_buf_detach(&b, len);
    return 0;
}

int ks_file_read(const char *path, size_t max, char **data, size_t *len, ks_error *err)
{
    if (strcmp(path, "-") == 0)
        return ks_fd_read_all(STDIN_FILENO, "<stdin>", max, data, len, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return ks_error_at(err, e == ENOENT ? KS_ENOENT : KS_EIO, path, 0, 0, 0, "cannot open: %s",
                           strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return ks_error_at(err, KS_EINVAL, path, 0, 0, 0, "is a directory");
    }
    int rc = ks_fd_read_all(fd, path, max, data, len, err);
    close(fd);
    return rc;
}

int ks_fd_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return KS_EIO;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int sync_parent_dir(const char *path)
{
    ks_buf dir = KS_BUF_INIT;
    const char *slash = strrchr(path, '/');
    if (!slash)
        ks_buf_puts(&dir, ".");
    else if (slash == path)
        ks_buf_puts(&dir, "/");
    else
        ks_buf_append(&dir, path, (size_t)(slash - path));
    int fd = open(ks_buf_cstr(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ks_buf_free(&dir);
    if (fd < 0)
        return KS_EIO;
    int rc = fsync(fd) == 0 ? 0 : KS_EIO;
    close(fd);
    return rc;
}

bool ks_path_is_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

int ks_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         ks_error *err)
{
    if (ks_path_is_special(path)) {
        /* /dev/null, /dev/stdout, a FIFO: written into, never replaced */
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
            return ks_error_at(err, KS_EIO, path, 0, 0, 0, "cannot open: %s", strerror(errno));
        int wrc = ks_fd_write_all(fd, data, len);
        if (close(fd) != 0 || wrc != 0)
            return ks_error_at(err, KS_EIO, path, 0, 0, 0, "write failed: %s", strerror(errno));
        return 0;
    }
    ks_buf tmp = KS_BUF_INIT;
    ks_buf_printf(&tmp, "%s.tmp.XXXXXX", path);
    int rc = 0;
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = ks_error_at(err, KS_EIO, path, 0, 0, 0, "cannot create temporary file: %s",
                         strerror(errno));
        goto out;
    }
    if (fchmod(fd, mode) != 0 || ks_fd_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = ks_error_at(err, KS_EIO, path, 0, 0, 0, "write failed: %s", strerror(errno));
        close(fd);
        goto out_unlink;
    }
    if (close(fd) != 0) {
        rc = ks_error_at(err, KS_EIO, path, 0, 0, 0, "write failed: %s", strerror(errno));
        goto out_unlink;
    }
    if (rename(tmp.data, path) != 0) {
        rc = ks_error_at(err, KS_EIO, path, 0, 0, 0, "cannot replace: %s", strerror(errno));
        goto out_unlink;
    }
    if (sync_parent_dir(path) != 0)
        rc = ks_error_at(err, KS_EIO, path, 0, 0, 0, "cannot sync directory: %s", strerror(errno));
    goto out;
out_unlink:
    unlink(tmp.data);
out:
    ks_buf_free(&tmp);
    return rc;
}

int ks_mkdir_p(const char *path, unsigned mode, ks_error *err)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_puts(&p, path);
    int rc = 0;
    for (size_t i = 1; i <= p.len; i++) {
        if (i < p.len && p.data[i] != '/')
            continue;
        char saved = p.data[i];
        p.data[i] = '\0';
        if (mkdir(p.data, mode) != 0 && errno != EEXIST) {
            rc = ks_error_at(err, KS_EIO, p.data, 0, 0, 0, "cannot create directory: %s",
                             strerror(errno));
            break;
        }
        p.data[i] = saved;
    }
    if (rc == 0 && !ks_is_dir(path))
        rc = ks_error_at(err, KS_EIO, path, 0, 0, 0, "exists and is not a directory");
    ks_buf_free(&p);
    return rc;
}

bool ks_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
