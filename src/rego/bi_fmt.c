/*
 * Go's fmt.Sprintf as OPA's sprintf applies it.
 *
 * OPA hands fmt.Sprintf one Go value per array element: an int64 for an
 * integer, a float64 for a number with a fraction or an exponent, a
 * *big.Int for an integer past int64, the string itself for a string, and
 * the Rego text of anything else. This file follows fmt's rules for those
 * four types: flags, width, precision, argument indexes, and the "%!verb"
 * texts for bad verbs, missing and extra arguments.
 *
 * Numbers: our values keep ints and shortest doubles, not OPA's number
 * text, so a number is an int64 when it is an int here, a float64 when it
 * is a double (even an integral one past int64), and for a decimal the text
 * decides as in OPA.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/goquote.h"
#include "core/error.h"
#include "core/mem.h"
#include "rego/bi_strings.h"

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

/* ---- fmt ---- */

enum { ARG_INT, ARG_FLOAT, ARG_STR, ARG_BIG };

typedef struct farg {
    int kind;
    int64_t i;
    double d;
    const char *s;
    size_t n;
    bool neg; /* of a big integer */
    rg_sbig big;
} farg;

typedef struct pp {
    ks_buf *buf;
    /* fmt's flags */
    bool wid_present, prec_present;
    bool minus, plus, sharp, space, zero;
    bool plus_v, sharp_v;
    int wid, prec;
    bool erroring;
} pp;

static void clear_flags(pp *p)
{
    p->wid_present = p->prec_present = false;
    p->minus = p->plus = p->sharp = p->space = p->zero = false;
    p->plus_v = p->sharp_v = false;
    p->wid = p->prec = 0;
}

static void write_padding(pp *p, long n)
{
    if (n <= 0)
        return;
    ks_buf_fill(p->buf, p->zero && !p->minus ? '0' : ' ', (size_t)n);
}

static void pad(pp *p, const char *s, size_t n)
{
    if (!p->wid_present || p->wid == 0) {
        ks_buf_append(p->buf, s, n);
        return;
    }
    long width = p->wid - (long)rg_rune_count(s, n);
    if (!p->minus) {
        write_padding(p, width);
        ks_buf_append(p->buf, s, n);
    } else {
        ks_buf_append(p->buf, s, n);
        write_padding(p, width);
    }
}

static void pad_buf(pp *p, ks_buf *t)
{
    pad(p, t->data ? t->data : "", t->len);
}

static void put_rune(ks_buf *b, uint32_t r)
{
    rg_rune_put(b, r);
}

static void fmt_unicode(pp *p, uint64_t u)
{
    ks_buf t = KS_BUF_INIT;
    int prec = 4;
    if (p->prec_present && p->prec > 4)
        prec = p->prec;
    ks_buf_append(&t, "U+", 2);
    char hex[20];
    int nh = 0;
    uint64_t x = u;
    do {
        hex[nh++] = udigits[x & 0xF];
        x >>= 4;
    } while (x);
    if (prec > nh)
        ks_buf_fill(&t, '0', (size_t)(prec - nh));
    while (nh > 0)
        ks_buf_putc(&t, hex[--nh]);
    if (p->sharp && u <= 0x10FFFF && ks_go_is_print((uint32_t)u)) {
        ks_buf_append(&t, " '", 2);
        put_rune(&t, (uint32_t)u);
        ks_buf_putc(&t, '\'');
    }
    bool old = p->zero;
    p->zero = false;
    pad_buf(p, &t);
    p->zero = old;
    ks_buf_free(&t);
}

static void fmt_integer(pp *p, uint64_t u, int base, bool is_signed, int verb, const char *digits)
{
    bool negative = is_signed && (int64_t)u < 0;
    if (negative)
        u = -u;
    long prec = 0;
    if (p->prec_present) {
        prec = p->prec;
        if (prec == 0 && u == 0) {
            bool old = p->zero;
            p->zero = false;
            write_padding(p, p->wid);
            p->zero = old;
            return;
        }
    } else if (p->zero && !p->minus && p->wid_present) {
        prec = p->wid;
        if (negative || p->plus || p->space)
            prec--;
    }
    char tmp[72];
    size_t nd = 0;
    do {
        tmp[nd++] = digits[u % (unsigned)base];
        u /= (unsigned)base;
    } while (u);
    long zeros = prec > (long)nd ? prec - (long)nd : 0;
    /* left to right: sign, "0o", the # prefix, zeros, digits */
    ks_buf s = KS_BUF_INIT;
    if (negative)
        ks_buf_putc(&s, '-');
    else if (p->plus)
        ks_buf_putc(&s, '+');
    else if (p->space)
        ks_buf_putc(&s, ' ');
    if (verb == 'O')
        ks_buf_append(&s, "0o", 2);
    if (p->sharp) {
        if (base == 2)
            ks_buf_append(&s, "0b", 2);
        else if (base == 16)
            ks_buf_printf(&s, "0%c", digits[16]);
        else if (base == 8 && zeros == 0 && tmp[nd - 1] != '0')
            ks_buf_putc(&s, '0');
    }
    ks_buf_fill(&s, '0', (size_t)zeros);
    while (nd > 0)
        ks_buf_putc(&s, tmp[--nd]);
    bool old = p->zero;
    p->zero = false;
    pad_buf(p, &s);
    p->zero = old;
    ks_buf_free(&s);
}

/* Bytes of s within the precision, counted in runes. */
static size_t truncate_string(const pp *p, const char *s, size_t n)
{
    if (!p->prec_present)
        return n;
    long left = p->prec;
    for (size_t i = 0; i < n;) {
        if (--left < 0)
            return i;
        uint32_t r;
        i += rg_rune_decode(s + i, n - i, &r);
    }
    return n;
}

static void fmt_s(pp *p, const char *s, size_t n)
{
    pad(p, s, truncate_string(p, s, n));
}

static void fmt_sx(pp *p, const char *s, size_t n, const char *digits)
{
    size_t length = n;
    if (p->prec_present && (size_t)p->prec < length)
        length = (size_t)p->prec;
    long width = 2 * (long)length;
    if (width > 0) {
        if (p->space) {
            if (p->sharp)
                width *= 2;
            width += (long)length - 1;
        } else if (p->sharp) {
            width += 2;
        }
    } else {
        if (p->wid_present)
            write_padding(p, p->wid);
        return;
    }
    if (p->wid_present && p->wid > width && !p->minus)
        write_padding(p, p->wid - width);
    ks_buf *b = p->buf;
    if (p->sharp) {
        ks_buf_putc(b, '0');
        ks_buf_putc(b, digits[16]);
    }
    for (size_t i = 0; i < length; i++) {
        if (p->space && i > 0) {
            ks_buf_putc(b, ' ');
            if (p->sharp) {
                ks_buf_putc(b, '0');
                ks_buf_putc(b, digits[16]);
            }
        }
        unsigned char c = (unsigned char)s[i];
        ks_buf_putc(b, digits[c >> 4]);
        ks_buf_putc(b, digits[c & 0xF]);
    }
    if (p->wid_present && p->wid > width && p->minus)
        write_padding(p, p->wid - width);
}

static void fmt_q(pp *p, const char *s, size_t n)
{
    n = truncate_string(p, s, n);
    ks_buf t = KS_BUF_INIT;
    if (p->sharp && rg_go_can_backquote(s, n)) {
        ks_buf_putc(&t, '`');
        ks_buf_append(&t, s, n);
        ks_buf_putc(&t, '`');
    } else {
        ks_go_quote(&t, s, n, '"', p->plus);
    }
    pad_buf(p, &t);
    ks_buf_free(&t);
}

static void fmt_c(pp *p, uint64_t c)
{
    uint32_t r = c > 0x10FFFF ? RG_RUNE_ERROR : (uint32_t)c;
    ks_buf t = KS_BUF_INIT;
    put_rune(&t, r);
    pad_buf(p, &t);
    ks_buf_free(&t);
}

static void fmt_qc(pp *p, uint64_t c)
{
    uint32_t r = c > 0x10FFFF ? RG_RUNE_ERROR : (uint32_t)c;
    if (r >= 0xD800 && r <= 0xDFFF)
        r = RG_RUNE_ERROR;
    ks_buf t = KS_BUF_INIT;
    ks_buf_putc(&t, '\'');
    ks_go_quote_rune(&t, r, '\'', p->plus);
    ks_buf_putc(&t, '\'');
    pad_buf(p, &t);
    ks_buf_free(&t);
}

static void fmt_float(pp *p, double v, int verb, int prec)
{
    if (p->prec_present)
        prec = p->prec;
    ks_buf num = KS_BUF_INIT;
    rg_go_ftoa(&num, v, (char)verb, prec);
    if (num.err) {
        p->buf->err = num.err;
        ks_buf_free(&num);
        return;
    }
    /* sign character, then the unsigned number */
    char sign = '+';
    const char *digits = num.data;
    size_t nd = num.len;
    if (digits[0] == '-' || digits[0] == '+') {
        sign = digits[0];
        digits++;
        nd--;
    }
    if (p->space && sign == '+' && !p->plus)
        sign = ' ';
    ks_buf body = KS_BUF_INIT;
    ks_buf_append(&body, digits, nd);
    if (p->sharp && verb != 'b') {
        long want = 0;
        if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') {
            want = prec;
            if (want == -1)
                want = 6;
        }
        ks_buf tail = KS_BUF_INIT;
        bool has_point = false, nonzero = false;
        size_t cut = body.len;
        for (size_t i = 0; i < body.len; i++) {
            char ch = body.data[i];
            if (ch == '.') {
                has_point = true;
            } else if (ch == 'p' || ch == 'P' ||
                       ((ch == 'e' || ch == 'E') && verb != 'x' && verb != 'X')) {
                cut = i;
                break;
            } else {
                if (ch != '0')
                    nonzero = true;
                if (nonzero)
                    want--;
            }
        }
        ks_buf_append(&tail, body.data + cut, body.len - cut);
        ks_buf_truncate(&body, cut);
        if (!has_point) {
            if (body.len == 1 && body.data[0] == '0')
                want--;
            ks_buf_putc(&body, '.');
        }
        if (want > 0)
            ks_buf_fill(&body, '0', (size_t)want);
        ks_buf_append(&body, tail.data ? tail.data : "", tail.len);
        ks_buf_free(&tail);
    }
    if (p->plus || sign != '+') {
        long len = (long)body.len + 1;
        if (p->zero && !p->minus && p->wid_present && p->wid > len) {
            ks_buf_putc(p->buf, sign);
            write_padding(p, p->wid - len);
            ks_buf_append(p->buf, body.data, body.len);
        } else {
            ks_buf t = KS_BUF_INIT;
            ks_buf_putc(&t, sign);
            ks_buf_append(&t, body.data, body.len);
            pad_buf(p, &t);
            ks_buf_free(&t);
        }
    } else {
        pad_buf(p, &body);
    }
    ks_buf_free(&body);
    ks_buf_free(&num);
}

static void print_arg(pp *p, farg *a, int verb);

static const char *type_name(const farg *a)
{
    switch (a->kind) {
    case ARG_INT: return "int64";
    case ARG_FLOAT: return "float64";
    case ARG_STR: return "string";
    default: return "*big.Int";
    }
}

static void bad_verb(pp *p, farg *a, int verb)
{
    p->erroring = true;
    ks_buf_append(p->buf, "%!", 2);
    put_rune(p->buf, (uint32_t)verb);
    ks_buf_putc(p->buf, '(');
    ks_buf_puts(p->buf, type_name(a));
    ks_buf_putc(p->buf, '=');
    print_arg(p, a, 'v');
    ks_buf_putc(p->buf, ')');
    p->erroring = false;
}

static void verb_integer(pp *p, farg *a, int verb)
{
    uint64_t v = (uint64_t)a->i;
    switch (verb) {
    case 'v':
    case 'd': fmt_integer(p, v, 10, true, verb, ldigits); break;
    case 'b': fmt_integer(p, v, 2, true, verb, ldigits); break;
    case 'o':
    case 'O': fmt_integer(p, v, 8, true, verb, ldigits); break;
    case 'x': fmt_integer(p, v, 16, true, verb, ldigits); break;
    case 'X': fmt_integer(p, v, 16, true, verb, udigits); break;
    case 'c': fmt_c(p, v); break;
    case 'q': fmt_qc(p, v); break;
    case 'U': fmt_unicode(p, v); break;
    default: bad_verb(p, a, verb); break;
    }
}

static void verb_float(pp *p, farg *a, int verb)
{
    switch (verb) {
    case 'v': fmt_float(p, a->d, 'g', -1); break;
    case 'b':
    case 'g':
    case 'G':
    case 'x':
    case 'X': fmt_float(p, a->d, verb, -1); break;
    case 'f':
    case 'e':
    case 'E': fmt_float(p, a->d, verb, 6); break;
    case 'F': fmt_float(p, a->d, 'f', 6); break;
    default: bad_verb(p, a, verb); break;
    }
}

static void verb_string(pp *p, farg *a, int verb)
{
    switch (verb) {
    case 'v':
        if (p->sharp_v)
            fmt_q(p, a->s, a->n);
        else
            fmt_s(p, a->s, a->n);
        break;
    case 's': fmt_s(p, a->s, a->n); break;
    case 'x': fmt_sx(p, a->s, a->n, ldigits); break;
    case 'X': fmt_sx(p, a->s, a->n, udigits); break;
    case 'q': fmt_q(p, a->s, a->n); break;
    default: bad_verb(p, a, verb); break;
    }
}

/* *big.Int's Format method. */
static void big_format(pp *p, farg *a, int verb)
{
    int base;
    switch (verb) {
    case 'b': base = 2; break;
    case 'o':
    case 'O': base = 8; break;
    case 'd':
    case 's':
    case 'v': base = 10; break;
    case 'x':
    case 'X': base = 16; break;
    default:
        ks_buf_append(p->buf, "%!", 2);
        put_rune(p->buf, (uint32_t)verb);
        ks_buf_append(p->buf, "(big.Int=", 9);
        if (a->neg)
            ks_buf_putc(p->buf, '-');
        rg_sbig_write(p->buf, &a->big, 10);
        ks_buf_putc(p->buf, ')');
        return;
    }
    bool f_plus = p->plus || p->plus_v, f_sharp = p->sharp || p->sharp_v;
    const char *sign = a->neg ? "-" : f_plus ? "+" : p->space ? " " : "";
    const char *prefix = "";
    if (f_sharp) {
        switch (verb) {
        case 'b': prefix = "0b"; break;
        case 'o': prefix = "0"; break;
        case 'x': prefix = "0x"; break;
        case 'X': prefix = "0X"; break;
        default: break;
        }
    }
    if (verb == 'O')
        prefix = "0o";
    ks_buf digits = KS_BUF_INIT;
    rg_sbig_write(&digits, &a->big, base);
    if (verb == 'X')
        for (size_t i = 0; i < digits.len; i++)
            if (digits.data[i] >= 'a' && digits.data[i] <= 'z')
                digits.data[i] = (char)(digits.data[i] - 'a' + 'A');
    long left = 0, zeros = 0, right = 0;
    if (p->prec_present) {
        if ((long)digits.len < p->prec) {
            zeros = p->prec - (long)digits.len;
        } else if (digits.len == 1 && digits.data[0] == '0' && p->prec == 0) {
            ks_buf_free(&digits);
            return;
        }
    }
    long length = (long)(strlen(sign) + strlen(prefix) + (size_t)zeros + digits.len);
    if (p->wid_present && length < p->wid) {
        long d = p->wid - length;
        if (p->minus)
            right = d;
        else if (p->zero && !p->prec_present)
            zeros = d;
        else
            left = d;
    }
    ks_buf_fill(p->buf, ' ', (size_t)left);
    ks_buf_puts(p->buf, sign);
    ks_buf_puts(p->buf, prefix);
    ks_buf_fill(p->buf, '0', (size_t)zeros);
    ks_buf_append(p->buf, digits.data ? digits.data : "", digits.len);
    ks_buf_fill(p->buf, ' ', (size_t)right);
    ks_buf_free(&digits);
}

/* What fmt prints for a *big.Int it cannot call methods on (inside a bad
 * verb): the struct behind the pointer. */
static void big_struct(pp *p, farg *a)
{
    if (p->sharp_v) {
        ks_buf_printf(p->buf, "&big.Int{neg:%s, abs:big.nat{", a->neg ? "true" : "false");
        /* words in hexadecimal, Go syntax */
        ks_buf w = KS_BUF_INIT;
        rg_sbig_write_words(&w, &a->big);
        /* w is "[d d ...]" in decimal: rewrite as 0x... */
        const char *s = w.data + 1;
        bool first = true;
        while (*s && *s != ']') {
            char *end;
            unsigned long long x = strtoull(s, &end, 10);
            ks_buf_printf(p->buf, "%s0x%llx", first ? "" : ", ", x);
            first = false;
            s = *end == ' ' ? end + 1 : end;
        }
        ks_buf_free(&w);
        ks_buf_append(p->buf, "}}", 2);
        return;
    }
    /* fields as fmt prints them, each with the verb's flags */
    ks_buf_puts(p->buf, p->plus_v ? "&{neg:" : "&{");
    const char *b = a->neg ? "true" : "false";
    pad(p, b, strlen(b));
    ks_buf_puts(p->buf, p->plus_v ? " abs:[" : " [");
    for (size_t i = 0; i < a->big.n; i += 2) {
        uint64_t w = a->big.limb[i];
        if (i + 1 < a->big.n)
            w |= (uint64_t)a->big.limb[i + 1] << 32;
        if (i > 0)
            ks_buf_putc(p->buf, ' ');
        fmt_integer(p, w, 10, false, 'v', ldigits);
    }
    ks_buf_append(p->buf, "]}", 2);
}

static void print_arg(pp *p, farg *a, int verb)
{
    if (verb == 'T') {
        const char *t = type_name(a);
        fmt_s(p, t, strlen(t));
        return;
    }
    if (verb == 'p') {
        /* Only the *big.Int is a pointer, and its address means nothing
         * here; fmt's verdict on the others is a bad verb. */
        if (a->kind == ARG_BIG) {
            bool sharp = p->sharp;
            p->sharp = !sharp;
            fmt_integer(p, 0xc000010000ULL, 16, false, 'v', ldigits);
            p->sharp = sharp;
        } else
            bad_verb(p, a, verb);
        return;
    }
    switch (a->kind) {
    case ARG_INT: verb_integer(p, a, verb); break;
    case ARG_FLOAT: verb_float(p, a, verb); break;
    case ARG_STR: verb_string(p, a, verb); break;
    default:
        if (p->erroring)
            big_struct(p, a);
        else if (verb == 'w')
            bad_verb(p, a, verb);
        else
            big_format(p, a, verb);
        break;
    }
}

/* ---- the format loop (fmt.Sprintf) ---- */

#define TOO_LARGE 1000000

static bool too_large(int64_t x)
{
    return x > TOO_LARGE || x < -TOO_LARGE;
}

/* fmt's parsenum: *isnum false when there is no number; an overlong number
 * consumes the rest of the format. */
static int parsenum(const char *s, size_t start, size_t end, bool *isnum, size_t *newi)
{
    long num = 0;
    *isnum = false;
    size_t i = start;
    if (start >= end) {
        *newi = end;
        return 0;
    }
    for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
        if (too_large(num)) {
            *isnum = false;
            *newi = end;
            return 0;
        }
        num = num * 10 + (s[i] - '0');
        *isnum = true;
    }
    *newi = i;
    return (int)num;
}

typedef struct loopstate {
    bool reordered, good_argnum;
} loopstate;

/* An explicit argument index "[n]" at format[i]; returns the argument
 * number to use and moves *i past it. */
static size_t arg_number(loopstate *ls, size_t argnum, const char *f, size_t end, size_t *i,
                         size_t nargs, bool *found)
{
    *found = false;
    if (*i >= end || f[*i] != '[')
        return argnum;
    ls->reordered = true;
    /* parseArgNumber */
    size_t wid = 1;
    bool ok = false;
    long index = 0;
    if (end - *i >= 3) {
        for (size_t k = *i + 1; k < end; k++) {
            if (f[k] == ']') {
                bool isnum;
                size_t newi;
                int width = parsenum(f, *i + 1, k, &isnum, &newi);
                if (!isnum || newi != k) {
                    wid = k - *i + 1;
                    ok = false;
                } else {
                    index = (long)width - 1;
                    wid = k - *i + 1;
                    ok = true;
                }
                break;
            }
        }
    }
    if (ok && index >= 0 && (size_t)index < nargs) {
        *i += wid;
        *found = true;
        return (size_t)index;
    }
    ls->good_argnum = false;
    *i += wid;
    *found = ok;
    return argnum;
}

/* fmt's intFromArg: only an int64 argument within limits is a width. */
static int int_from_arg(farg *args, size_t nargs, size_t *argnum, bool *isint)
{
    int num = 0;
    *isint = false;
    if (*argnum < nargs) {
        if (args[*argnum].kind == ARG_INT && !too_large(args[*argnum].i)) {
            num = (int)args[*argnum].i;
            *isint = true;
        }
        (*argnum)++;
    }
    return num;
}

static void do_printf(pp *p, const char *f, size_t end, farg *args, size_t nargs)
{
    loopstate ls = {false, true};
    size_t argnum = 0;
    bool after_index = false;
    size_t i = 0;
    while (i < end && !p->buf->err) {
        ls.good_argnum = true;
        size_t lasti = i;
        while (i < end && f[i] != '%')
            i++;
        if (i > lasti)
            ks_buf_append(p->buf, f + lasti, i - lasti);
        if (i >= end)
            break;
        i++;
        clear_flags(p);
        bool simple_done = false;
        for (; i < end; i++) {
            char c = f[i];
            if (c == '#') {
                p->sharp = true;
            } else if (c == '0') {
                p->zero = true;
            } else if (c == '+') {
                p->plus = true;
            } else if (c == '-') {
                p->minus = true;
            } else if (c == ' ') {
                p->space = true;
            } else {
                if (c >= 'a' && c <= 'z' && argnum < nargs) {
                    if (c == 'v' || c == 'w') {
                        p->sharp_v = p->sharp;
                        p->sharp = false;
                        p->plus_v = p->plus;
                        p->plus = false;
                    }
                    print_arg(p, &args[argnum], c);
                    argnum++;
                    i++;
                    simple_done = true;
                }
                break;
            }
        }
        if (simple_done)
            continue;

        argnum = arg_number(&ls, argnum, f, end, &i, nargs, &after_index);

        if (i < end && f[i] == '*') {
            i++;
            bool ok;
            p->wid = int_from_arg(args, nargs, &argnum, &ok);
            p->wid_present = ok;
            if (!ok)
                ks_buf_puts(p->buf, "%!(BADWIDTH)");
            if (p->wid < 0) {
                p->wid = -p->wid;
                p->minus = true;
                p->zero = false;
            }
            after_index = false;
        } else {
            bool ok;
            p->wid = parsenum(f, i, end, &ok, &i);
            p->wid_present = ok;
            if (after_index && p->wid_present)
                ls.good_argnum = false;
        }

        if (i + 1 < end && f[i] == '.') {
            i++;
            if (after_index)
                ls.good_argnum = false;
            argnum = arg_number(&ls, argnum, f, end, &i, nargs, &after_index);
            if (i < end && f[i] == '*') {
                i++;
                bool ok;
                p->prec = int_from_arg(args, nargs, &argnum, &ok);
                p->prec_present = ok;
                if (p->prec < 0) {
                    p->prec = 0;
                    p->prec_present = false;
                }
                if (!p->prec_present)
                    ks_buf_puts(p->buf, "%!(BADPREC)");
                after_index = false;
            } else {
                bool ok;
                p->prec = parsenum(f, i, end, &ok, &i);
                p->prec_present = true;
                if (!ok)
                    p->prec = 0;
            }
        }

        if (!after_index)
            argnum = arg_number(&ls, argnum, f, end, &i, nargs, &after_index);

        if (i >= end) {
            ks_buf_puts(p->buf, "%!(NOVERB)");
            break;
        }

        uint32_t verb;
        i += rg_rune_decode(f + i, end - i, &verb);

        if (verb == '%') {
            ks_buf_putc(p->buf, '%');
        } else if (!ls.good_argnum) {
            ks_buf_append(p->buf, "%!", 2);
            put_rune(p->buf, verb);
            ks_buf_puts(p->buf, "(BADINDEX)");
        } else if (argnum >= nargs) {
            ks_buf_append(p->buf, "%!", 2);
            put_rune(p->buf, verb);
            ks_buf_puts(p->buf, "(MISSING)");
        } else {
            if (verb == 'v' || verb == 'w') {
                p->sharp_v = p->sharp;
                p->sharp = false;
                p->plus_v = p->plus;
                p->plus = false;
            }
            print_arg(p, &args[argnum], (int)verb);
            argnum++;
        }
    }

    if (!ls.reordered && argnum < nargs) {
        clear_flags(p);
        ks_buf_puts(p->buf, "%!(EXTRA ");
        for (size_t k = argnum; k < nargs; k++) {
            if (k > argnum)
                ks_buf_append(p->buf, ", ", 2);
            ks_buf_puts(p->buf, type_name(&args[k]));
            ks_buf_putc(p->buf, '=');
            print_arg(p, &args[k], 'v');
        }
        ks_buf_putc(p->buf, ')');
    }
}

/* ---- OPA's argument conversion ---- */

static bool has_float_syntax(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
            return true;
    return false;
}

static int convert_arg(farg *a, const kv_value *v, ks_buf *text)
{
    memset(a, 0, sizeof *a);
    switch (kv_kind_of(v)) {
    case KV_STRING:
        a->kind = ARG_STR;
        a->s = v->u.s;
        a->n = v->len;
        return 0;
    case KV_NUMBER:
        if (v->sub == KV_NUM_INT && !(v->flags & KV_NUMF_FLOAT)) {
            a->kind = ARG_INT;
            a->i = v->u.i;
            return 0;
        }
        if (v->sub == KV_NUM_INT) { /* 1.0, 1e2: a float64 in OPA */
            a->kind = ARG_FLOAT;
            a->d = (double)v->u.i;
            return 0;
        }
        if (v->sub == KV_NUM_DOUBLE) {
            a->kind = ARG_FLOAT;
            a->d = v->u.d;
            return 0;
        }
        {
            const kv_decimal *d = v->u.dec;
            if (has_float_syntax(d->text, d->len)) {
                /* json.Number.Float64: out of range is not a float64,
                 * and then the text itself is the argument. */
                errno = 0;
                double x = strtod(d->text, NULL);
                if (isinf(x)) {
                    a->kind = ARG_STR;
                    a->s = d->text;
                    a->n = d->len;
                } else {
                    a->kind = ARG_FLOAT;
                    a->d = x;
                }
                return 0;
            }
            int rc = rg_sbig_from_number(&a->big, &a->neg, v);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                a->kind = ARG_BIG;
                return 0;
            }
            a->kind = ARG_FLOAT;
            a->d = d->approx;
            return 0;
        }
    default: {
        size_t start = text->len;
        int rc = rg_value_write_rego(text, v);
        if (rc)
            return rc;
        a->kind = ARG_STR;
        /* text may move as it grows: keep the offset, fix up later */
        a->s = NULL;
        a->n = text->len - start;
        a->i = (int64_t)start;
        return 0;
    }
    }
}

int rg_go_sprintf(ks_buf *out, const char *format, size_t n, const kv_value *args, size_t nargs)
{
    farg *fa = nargs ? ks_xcalloc(nargs, sizeof *fa) : NULL;
    ks_buf text = KS_BUF_INIT;
    text.max = out->max;
    int rc = 0;
    for (size_t k = 0; k < nargs; k++) {
        rc = convert_arg(&fa[k], &args[k], &text);
        if (rc)
            goto out;
    }
    for (size_t k = 0; k < nargs; k++)
        if (fa[k].kind == ARG_STR && !fa[k].s)
            fa[k].s = text.data + fa[k].i;
    pp p = {.buf = out};
    do_printf(&p, format, n, fa, nargs);
    rc = out->err;
out:
    for (size_t k = 0; k < nargs; k++)
        rg_sbig_free(&fa[k].big);
    ks_xfree(fa);
    ks_buf_free(&text);
    return rc;
}
