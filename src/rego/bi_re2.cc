/*
 * Go regexp semantics on RE2 (see bi_re2.h).
 *
 * RE2's parser and Go's regexp/syntax are the same design (Go's is a port),
 * so most patterns parse alike and fail with the same error at the same
 * place. A pre-pass over the pattern handles what differs: named groups are
 * resolved here (Go accepts (?<n>) and repeated names, validates names as
 * ASCII words) and given to RE2 as plain groups; \C (any byte) and (?P not
 * followed by < are errors in Go. A Go-only error is reported only when RE2
 * finds nothing wrong before it (by compiling the text before it).
 */
#include "rego/bi_re2.h"

#include <re2/re2.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct rg_re {
    RE2 *re;
    int ngroups;
    std::vector<std::string> names; /* index 1..ngroups */
};

namespace
{

/* Go's error codes (regexp/syntax ErrorCode) for RE2's. */
const char *go_code(RE2::ErrorCode c)
{
    switch (c) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorUnexpectedParen: return "unexpected )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    case RE2::ErrorPatternTooLarge: return "expression too large";
    default: return "regexp/syntax: internal error";
    }
}

/* Width of the UTF-8 sequence at s[0..n) by Go's rules, 0 when invalid. */
size_t utf8_width(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t w;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        w = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        w = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        w = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < w)
        return 0;
    for (size_t i = 1; i < w; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return w;
}

bool is_word_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The pattern as RE2 is to see it, and the group names. */
struct prepass {
    std::string out;
    std::vector<std::string> names{std::string()};
    /* The first Go-only error: where it is in pat and in out, and its text. */
    bool err = false;
    size_t err_out = 0, err_pos = 0;
    std::string err_code, err_arg;

    void fail(size_t pos, const char *code, std::string arg)
    {
        if (err)
            return;
        err = true;
        err_pos = pos;
        err_out = out.size();
        err_code = code;
        err_arg = std::move(arg);
    }
};

/* Copies one character at p[i] (checking its UTF-8); returns the next i. */
size_t copy_char(prepass &pp, const std::string &p, size_t i)
{
    size_t w = utf8_width(reinterpret_cast<const unsigned char *>(p.data()) + i, p.size() - i);
    if (w == 0) {
        pp.fail(i, "invalid UTF-8", p.substr(i));
        w = 1;
    }
    pp.out.append(p, i, w);
    return i + w;
}

/* A character class from p[i] == '['; returns the index after it. */
size_t scan_class(prepass &pp, const std::string &p, size_t i)
{
    size_t n = p.size();
    pp.out += '[';
    i++;
    if (i < n && p[i] == '^')
        pp.out += p[i++];
    bool first = true;
    while (i < n && (p[i] != ']' || first)) {
        first = false;
        if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
            size_t k = p.find(":]", i + 2);
            if (k != std::string::npos) {
                pp.out.append(p, i, k + 2 - i);
                i = k + 2;
                continue;
            }
        }
        if (p[i] == '\\') {
            pp.out += '\\';
            i++;
            if (i >= n)
                break;
        }
        i = copy_char(pp, p, i);
    }
    if (i < n)
        pp.out += p[i++];
    return i;
}

/* Go refuses parse trees higher than 1000; nested capturing groups are
 * what makes them high (non-capturing ones leave no node behind). */
const int max_depth = 1000;

void scan(prepass &pp, const std::string &p)
{
    size_t n = p.size(), i = 0;
    int depth = 0;            /* capturing groups open */
    std::vector<char> groups; /* open groups: 1 capturing, 0 not */
    while (i < n) {
        if (depth >= max_depth)
            pp.fail(i, "expression nests too deeply", p);
        char c = p[i];
        if (c == '\\') {
            if (i + 1 >= n) {
                pp.out += c; /* RE2 reports the trailing backslash */
                break;
            }
            if (p[i + 1] == 'C') {
                pp.fail(i, "invalid escape sequence", "\\C");
            } else if (p[i + 1] == 'Q') {
                size_t e = p.find("\\E", i + 2);
                size_t end = e == std::string::npos ? n : e;
                pp.out.append("\\Q");
                for (size_t j = i + 2; j < end;)
                    j = copy_char(pp, p, j);
                if (e != std::string::npos)
                    pp.out.append("\\E");
                i = e == std::string::npos ? n : e + 2;
                continue;
            }
            pp.out += c;
            i = copy_char(pp, p, i + 1);
        } else if (c == '[') {
            i = scan_class(pp, p, i);
        } else if (c == '(' && i + 1 < n && p[i + 1] == '?') {
            bool with_p = n - i > 4 && p[i + 2] == 'P' && p[i + 3] == '<';
            bool plain = n - i > 3 && p[i + 2] == '<';
            if (!with_p && !plain) {
                if (i + 2 < n && p[i + 2] == 'P')
                    pp.fail(i, "invalid or unsupported Perl syntax", "(?P");
                /* flags: (?flags) alone, or a (?flags:...) group */
                size_t j = i + 2;
                while (j < n && strchr("imsU-", p[j]) && p[j] != '\0')
                    j++;
                if (j < n && p[j] == ':')
                    groups.push_back(0);
                if (j < n && (p[j] == ':' || p[j] == ')'))
                    j++;
                pp.out.append(p, i, j - i);
                i = j;
                continue;
            }
            size_t start = i + (with_p ? 4 : 3);
            size_t end = p.find('>', i);
            if (end == std::string::npos) {
                pp.fail(i, "invalid named capture", p.substr(i));
                pp.out.append(p, i, std::string::npos);
                break;
            }
            std::string name = p.substr(start, end - start);
            bool ok = !name.empty();
            for (char ch : name)
                ok = ok && is_word_ascii(ch);
            if (!ok) {
                size_t j = 0;
                while (j < name.size()) {
                    size_t w = utf8_width(reinterpret_cast<const unsigned char *>(name.data()) + j,
                                          name.size() - j);
                    if (w == 0)
                        break;
                    j += w;
                }
                if (j < name.size())
                    pp.fail(i, "invalid UTF-8", name.substr(j));
                else
                    pp.fail(i, "invalid named capture", p.substr(i, end + 1 - i));
            }
            pp.names.push_back(name);
            groups.push_back(1);
            depth++;
            /* a name of our own: RE2 wants unique ones, and a bare "(" would
             * join a following "?" */
            pp.out += "(?P<g" + std::to_string(pp.names.size() - 1) + ">";
            i = end + 1;
        } else if (c == '(') {
            pp.names.emplace_back();
            pp.out += c;
            i++;
            groups.push_back(1);
            depth++;
        } else if (c == ')') {
            pp.out += c;
            i++;
            if (!groups.empty()) {
                depth -= groups.back();
                groups.pop_back();
            }
        } else {
            i = copy_char(pp, p, i);
        }
    }
}

RE2::Options go_options()
{
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingUTF8);
    o.set_posix_syntax(false);
    o.set_longest_match(false);
    o.set_log_errors(false);
    o.set_max_mem(RG_RE_MAX_MEM);
    o.set_literal(false);
    o.set_never_nl(false);
    o.set_dot_nl(false);
    o.set_never_capture(false);
    o.set_case_sensitive(true);
    return o;
}

void report(ks_buf *err, const std::string &code, const std::string &arg)
{
    if (!err)
        return;
    ks_buf_puts(err, "error parsing regexp: ");
    ks_buf_append(err, code.data(), code.size());
    ks_buf_puts(err, ": `");
    ks_buf_append(err, arg.data(), arg.size());
    ks_buf_putc(err, '`');
}

/* RE2's error in Go's words; args that are the whole (rewritten) pattern
 * become the pattern as written. */
/* Whether s ends with a counted repetition {n}, {n,} or {n,m} that Go
 * refuses (counts above 1000, or m < n); *start is where it begins. */
bool bad_count_suffix(const std::string &s, size_t *start)
{
    size_t open = s.rfind('{');
    if (open == std::string::npos || s.empty() || s.back() != '}')
        return false;
    long v[2] = {-1, -1};
    int k = 0;
    bool comma = false;
    for (size_t i = open + 1; i + 1 < s.size(); i++) {
        char c = s[i];
        if (c == ',' && !comma && v[0] >= 0) {
            comma = true;
            k = 1;
        } else if (c >= '0' && c <= '9') {
            v[k] = (v[k] < 0 ? 0 : v[k]) * 10 + (c - '0');
            if (v[k] > 100000)
                v[k] = 100000;
        } else {
            return false;
        }
    }
    if (v[0] < 0)
        return false;
    *start = open;
    if (!comma)
        return v[0] > 1000;
    return v[0] > 1000 || v[1] > 1000 || (v[1] >= 0 && v[0] > v[1]);
}

/* RE2's error in Go's words; for unbalanced parentheses Go shows the
 * whole pattern as written. */
void report_re2(ks_buf *err, const RE2 &re, const std::string &pat, const std::string &compiled)
{
    std::string arg = re.error_arg();
    RE2::ErrorCode code = re.error_code();
    size_t start;
    bool whole = code == RE2::ErrorMissingParen || code == RE2::ErrorUnexpectedParen;
    if (code == RE2::ErrorPatternTooLarge || (whole && arg == compiled)) {
        arg = pat;
    } else if (code == RE2::ErrorRepeatSize && arg.size() > 1 && arg.back() == '?' &&
               arg[arg.size() - 2] == '}') {
        arg.pop_back(); /* Go leaves the non-greedy mark out */
    } else if (code == RE2::ErrorRepeatOp &&
               bad_count_suffix(arg.back() == '?' ? arg.substr(0, arg.size() - 1) : arg, &start)) {
        /* Go checks the count before the operator it follows */
        code = RE2::ErrorRepeatSize;
        arg = arg.substr(start);
        if (arg.back() == '?')
            arg.pop_back();
    }
    report(err, go_code(code), arg);
}

rg_re *compile(const std::string &pat, ks_buf *err)
{
    prepass pp;
    scan(pp, pat);
    RE2::Options o = go_options();
    if (pp.err) {
        /* RE2 may find an error before the Go-only one. */
        std::string head = pp.out.substr(0, pp.err_out);
        RE2 re(head, o);
        RE2::ErrorCode c = re.error_code();
        if (c == RE2::ErrorBadPerlOp && re.error_arg() == "(?" && head.size() >= 2 &&
            head.compare(head.size() - 2, 2, "(?") == 0) {
            /* the text was cut right after "(?": Go's error names the
             * character that follows (an ASCII '(' or '\\' here) */
            report(err, go_code(c), "(?" + pat.substr(pp.err_pos, 1));
            return nullptr;
        }
        if (c != RE2::NoError && c != RE2::ErrorMissingParen && c != RE2::ErrorMissingBracket &&
            c != RE2::ErrorPatternTooLarge) {
            report_re2(err, re, pat, head);
            return nullptr;
        }
        report(err, pp.err_code, pp.err_arg);
        return nullptr;
    }
    std::unique_ptr<RE2> re(new RE2(pp.out, o));
    if (!re->ok()) {
        report_re2(err, *re, pat, pp.out);
        return nullptr;
    }
    std::unique_ptr<rg_re> r(new rg_re);
    r->ngroups = re->NumberOfCapturingGroups();
    r->names = std::move(pp.names);
    r->names.resize(static_cast<size_t>(r->ngroups) + 1);
    r->re = re.release();
    return r.release();
}

} // namespace

extern "C" rg_re *rg_re_compile(const char *pat, size_t n, ks_buf *err)
{
    try {
        return compile(std::string(pat, n), err);
    } catch (...) {
        if (err)
            ks_buf_puts(err, "error parsing regexp: out of memory");
        return nullptr;
    }
}

extern "C" void rg_re_free(void *p)
{
    rg_re *r = static_cast<rg_re *>(p);
    if (!r)
        return;
    delete r->re;
    delete r;
}

extern "C" int rg_re_ngroups(const rg_re *re)
{
    return re->ngroups;
}

extern "C" const char *rg_re_group_name(const rg_re *re, int i, size_t *len)
{
    if (i < 1 || i > re->ngroups) {
        *len = 0;
        return "";
    }
    const std::string &s = re->names[static_cast<size_t>(i)];
    *len = s.size();
    return s.c_str();
}

extern "C" int rg_re_find(const rg_re *re, const char *text, size_t n, size_t pos, int64_t *caps,
                          int ncap)
{
    try {
        std::vector<re2::StringPiece> sub(static_cast<size_t>(ncap < 1 ? 1 : ncap));
        re2::StringPiece t(text, n);
        while (pos <= n) {
            if (!re->re->Match(t, pos, n, RE2::UNANCHORED, sub.data(),
                               static_cast<int>(sub.size())))
                return 0;
            size_t s = static_cast<size_t>(sub[0].data() - text);
            /* RE2 may place an empty match inside a character (between two
             * non-word bytes, for \B); Go looks at character boundaries only. */
            if (s < n && (static_cast<unsigned char>(text[s]) & 0xc0) == 0x80) {
                pos = s + 1;
                while (pos < n && (static_cast<unsigned char>(text[pos]) & 0xc0) == 0x80)
                    pos++;
                continue;
            }
            for (int i = 0; i < ncap; i++) {
                if (sub[static_cast<size_t>(i)].data() == nullptr) {
                    caps[2 * i] = caps[2 * i + 1] = -1;
                } else {
                    caps[2 * i] = sub[static_cast<size_t>(i)].data() - text;
                    caps[2 * i + 1] =
                            caps[2 * i] + static_cast<int64_t>(sub[static_cast<size_t>(i)].size());
                }
            }
            return 1;
        }
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int rg_re_is_name_rune(uint32_t c)
{
    if (c < 0x80)
        return is_word_ascii(static_cast<char>(c));
    try {
        static const RE2 name_re("[\\p{L}\\p{Nd}]", go_options());
        char buf[4];
        size_t w;
        if (c < 0x800) {
            buf[0] = static_cast<char>(0xc0 | (c >> 6));
            buf[1] = static_cast<char>(0x80 | (c & 0x3f));
            w = 2;
        } else if (c < 0x10000) {
            buf[0] = static_cast<char>(0xe0 | (c >> 12));
            buf[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            buf[2] = static_cast<char>(0x80 | (c & 0x3f));
            w = 3;
        } else {
            buf[0] = static_cast<char>(0xf0 | (c >> 18));
            buf[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
            buf[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            buf[3] = static_cast<char>(0x80 | (c & 0x3f));
            w = 4;
        }
        return RE2::FullMatch(re2::StringPiece(buf, w), name_re) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}
