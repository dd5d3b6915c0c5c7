/*
 * Error codes and error details.
 *
 * A function that can fail returns int: 0 on success or a negative KS_E* code,
 * and fills an optional ks_error with a message and, for input errors, the
 * name of the input and the position in it, so the user is told where.
 * ks_error is a plain value (no heap memory); copy it freely.
 */
#ifndef KS_CORE_ERROR_H
#define KS_CORE_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

enum ks_errcode {
    KS_OK = 0,
    KS_ENOMEM = -1,        /* out of memory */
    KS_EINVAL = -2,        /* invalid argument or request */
    KS_EIO = -3,           /* read, write or system call failed */
    KS_ENOENT = -4,        /* no such file, object or key */
    KS_EPARSE = -5,        /* malformed input */
    KS_ELIMIT = -6,        /* a configured limit was reached */
    KS_ETYPE = -7,         /* wrong type of value */
    KS_ERANGE = -8,        /* value out of range */
    KS_EEXIST = -9,        /* already exists */
    KS_EUNSUPPORTED = -10, /* valid but not supported */
    KS_EUSAGE = -11,       /* bad command line */
};

typedef struct ks_error {
    int code;
    int line;         /* 1-based; 0 when there is no position */
    int col;          /* 1-based, in characters */
    size_t offset;    /* byte offset into the input */
    char source[256]; /* input name: a path, "<stdin>", a URL; may be empty */
    char msg[512];
} ks_error;

/* Name of a code ("parse error"). */
const char *ks_strerror(int code);

void ks_error_clear(ks_error *e);

/* Fills e (which may be NULL) and returns code. */
int ks_error_set(ks_error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As ks_error_set, with the input's name and position. */
int ks_error_at(ks_error *e, int code, const char *source, int line, int col, size_t offset,
                const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Sets the input name when the error has none yet; returns e->code. */
int ks_error_source(ks_error *e, const char *source);

/* Appends "source:line:col: msg" (parts that are unknown are left out). */
void ks_error_format(const ks_error *e, ks_buf *out);

#endif
