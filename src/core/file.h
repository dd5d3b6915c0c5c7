/*
 * Files: whole-file reads with a size limit, atomic writes, directories.
 *
 * ks_file_read reads a path ("-" for standard input) into a heap buffer the
 * caller frees with ks_xfree; the buffer has a NUL after the data. Writes go
 * to a temporary file in the same directory, are fsynced, then renamed over
 * the target, so a reader sees the old content or the new, never half.
 * Errors name the path and the system's reason. Thread-safe.
 */
#ifndef KS_CORE_FILE_H
#define KS_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* max 0 means no limit. Fails with KS_ELIMIT past max bytes. */
int ks_file_read(const char *path, size_t max, char **data, size_t *len, ks_error *err);
int ks_fd_read_all(int fd, const char *name, size_t max, char **data, size_t *len, ks_error *err);

/* A path that exists and is neither a regular file nor a directory (a
 * device such as /dev/null, a FIFO) is written into directly: replacing it
 * with a renamed file would destroy it. */
int ks_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         ks_error *err);

/* Whether path exists and is neither a regular file nor a directory. */
bool ks_path_is_special(const char *path);

/* Writes all of data to fd, retrying short writes. */
int ks_fd_write_all(int fd, const void *data, size_t len);

/* Creates path and its missing parents. */
int ks_mkdir_p(const char *path, unsigned mode, ks_error *err);

bool ks_is_dir(const char *path);

/* The name a path is shown by in messages: "<stdin>" for "-". */
const char *ks_file_display_name(const char *path);

#endif
