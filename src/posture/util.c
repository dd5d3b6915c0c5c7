/*
 * Small helpers of the posture module: value access and a JSON text
 * builder for the documents the module writes (reports, artifacts).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/jsonstr.h"
#include "posture/internal.h"

const kv_value *ps_get(const kv_value *obj, const char *key)
{
    if (!obj || obj->kind != KV_OBJECT)
        return NULL;
    return kv_obj_get(obj, key, strlen(key));
}

const char *ps_get_str(const kv_value *obj, const char *key)
{
    const kv_value *v = ps_get(obj, key);
    return v && v->kind == KV_STRING ? v->u.s : NULL;
}

bool ps_str_eq(const kv_value *v, const char *s)
{
    size_t n = strlen(s);
    return v && v->kind == KV_STRING && v->len == n && memcmp(v->u.s, s, n) == 0;
}

bool ps_strieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

/* ---- JSON builder ---- */

void ps_jw_init(ps_jw *w, ks_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->first = 1;
    w->fd = -1;
    w->werr = 0;
}

void ps_jw_flush(ps_jw *w, bool force)
{
    if (w->fd < 0 || (!force && w->b->len < (1u << 20)))
        return;
    if (!w->werr && w->b->len && ks_fd_write_all(w->fd, w->b->data, w->b->len) != 0)
        w->werr = KS_EIO;
    ks_buf_reset(w->b);
}

static void sep(ps_jw *w)
{
    unsigned long long bit = 1ULL << (w->depth & 63);
    if (w->first & bit)
        w->first &= ~bit;
    else
        ks_buf_putc(w->b, ',');
}

static void open(ps_jw *w, char c)
{
    sep(w);
    ks_buf_putc(w->b, c);
    w->depth++;
    w->first |= 1ULL << (w->depth & 63);
}

void ps_jw_obj(ps_jw *w)
{
    open(w, '{');
}

void ps_jw_arr(ps_jw *w)
{
    open(w, '[');
}

void ps_jw_end_obj(ps_jw *w)
{
    w->depth--;
    ks_buf_putc(w->b, '}');
}

void ps_jw_end_arr(ps_jw *w)
{
    w->depth--;
    ks_buf_putc(w->b, ']');
}

void ps_jw_key(ps_jw *w, const char *k)
{
    sep(w);
    ks_json_quote(w->b, k, strlen(k), 0);
    ks_buf_putc(w->b, ':');
    /* the value that follows needs no separator */
    w->first |= 1ULL << (w->depth & 63);
}

void ps_jw_strn(ps_jw *w, const char *s, size_t n)
{
    sep(w);
    ks_json_quote(w->b, s ? s : "", s ? n : 0, 0);
}

void ps_jw_str(ps_jw *w, const char *s)
{
    ps_jw_strn(w, s, s ? strlen(s) : 0);
}

void ps_jw_int(ps_jw *w, long long i)
{
    sep(w);
    ks_buf_printf(w->b, "%lld", i);
}

void ps_jw_f32(ps_jw *w, float f)
{
    char tmp[48];
    sep(w);
    if (f != f || f - f != 0) { /* NaN or infinite: JSON has neither */
        ks_buf_putc(w->b, '0');
        return;
    }
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, (double)f);
        if ((float)strtod(tmp, NULL) == f)
            break;
    }
    /* Go writes exponents as e-07, e+21; %g writes the same form. */
    ks_buf_puts(w->b, tmp);
}

void ps_jw_bool(ps_jw *w, bool b)
{
    sep(w);
    ks_buf_puts(w->b, b ? "true" : "false");
}

void ps_jw_null(ps_jw *w)
{
    sep(w);
    ks_buf_puts(w->b, "null");
}

void ps_jw_value(ps_jw *w, const kv_value *v)
{
    sep(w);
    if (v)
        kv_json_write(w->b, v, 0);
    else
        ks_buf_puts(w->b, "null");
}

int ps_jw_finish(ps_jw *w, ks_arena *a, kv_value *out, ks_error *err)
{
    if (w->b->err)
        return ks_error_set(err, w->b->err, "building a document: %s", ks_strerror(w->b->err));
    kv_json_opts jo = {.source = "(generated)", .max_depth = 10000};
    return kv_json_parse(a, w->b->data ? w->b->data : "null", w->b->data ? w->b->len : 4, &jo, out,
                         err);
}

int ps_obj_set(ks_arena *a, const kv_value *obj, const char *key, const kv_value *val,
               kv_value *out)
{
    return kv_obj_with(a, obj, key, strlen(key), val, out);
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int ps_dir_names(const char *dir, char ***names, size_t *n, ks_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return ks_error_set(err, KS_EIO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            char **p = realloc(*names, cap * sizeof *p);
            if (!p) {
                rc = KS_ENOMEM;
                break;
            }
            *names = p;
        }
        if (!((*names)[*n] = strdup(e->d_name))) {
            rc = KS_ENOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (!rc && *n)
        qsort(*names, *n, sizeof **names, cmp_names);
    if (rc) {
        ps_names_free(*names, *n);
        *names = NULL;
        *n = 0;
        return ks_error_set(err, rc, "%s: %s", dir, ks_strerror(rc));
    }
    return 0;
}

void ps_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
