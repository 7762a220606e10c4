/* hcl.c: Vault's HCL subset to JSON (the grammar and the JSON shape are in vouch_hcl.h).
 * A lexer with one token of lookahead and a recursive-descent parser: each call deeper is
 * a container deeper in the JSON it builds, and the depth is checked on entry, so the
 * recursion never goes past max_depth (itself at most HCL_DEPTH_LIMIT). */
#include "internal.h"
#include "vouch_hcl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HCL_DEPTH_LIMIT 256

enum {
    T_EOF, T_IDENT, T_STRING, T_HEREDOC, T_NUMBER,
    T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COMMA, T_ASSIGN,
    T_ERROR, /* the lexer failed; the reason is already in the diag */
};

typedef struct {
    const uint8_t *src;
    size_t len;
    size_t pos;        /* where the lexer reads next */
    size_t max_depth;
    vouch_diag *d;
    int status;        /* 0 until the first failure, which is the one reported */
    /* the current token */
    int type;
    size_t start, end; /* its bytes (identifiers and numbers are read from here) */
    char *buf;         /* a string's or heredoc's decoded text, NUL-terminated */
    size_t buflen, bufcap;
} hparser;

/* ---- failures ---- */

/* Line and column (1-based; columns count characters, not bytes) of a byte offset. */
static void position(const hparser *h, size_t off, size_t *line, size_t *col) {
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off && i < h->len; i++) {
        if (h->src[i] == '\n') {
            l++;
            c = 1;
        } else if ((h->src[i] & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

__attribute__((format(printf, 3, 4)))
static void fail_at(hparser *h, size_t off, const char *fmt, ...) {
    if (h->status) return;
    h->status = VOUCH_E_DER;
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    size_t line, col;
    position(h, off, &line, &col);
    vouch_fail(h->d, VOUCH_E_DER, -1, "line %zu, column %zu: %s", line, col, reason);
}

static void fail_nomem(hparser *h) {
    if (h->status) return;
    h->status = VOUCH_E_NOMEM;
    vouch_fail(h->d, VOUCH_E_NOMEM, -1, "out of memory converting HCL");
}

/* ---- the text: no NUL, valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF) ---- */

static int check_text(hparser *h) {
    const uint8_t *s = h->src;
    size_t n = h->len, i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c == 0) {
            fail_at(h, i, "NUL byte (a policy is text)");
            return -1;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t more;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) more = 1;
        else if (c == 0xe0) more = 2, lo = 0xa0;
        else if (c == 0xed) more = 2, hi = 0x9f;
        else if (c >= 0xe1 && c <= 0xef) more = 2;
        else if (c == 0xf0) more = 3, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3) more = 3;
        else if (c == 0xf4) more = 3, hi = 0x8f;
        else more = 0;
        bool ok = more > 0 && n - i > more;
        for (size_t k = 1; ok && k <= more; k++) {
            uint8_t b = s[i + k];
            if (k == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80) ok = false;
        }
        if (!ok) {
            fail_at(h, i, "invalid UTF-8 (byte 0x%02x)", c);
            return -1;
        }
        i += more + 1;
    }
    return 0;
}

/* ---- the lexer ---- */

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_ident_start(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_ident_char(uint8_t c) { return is_ident_start(c) || is_digit(c) || c == '-' || c == '.'; }
static bool is_anchor_char(uint8_t c) { return is_ident_start(c) || is_digit(c); }

static bool buf_put(hparser *h, const void *p, size_t n) {
    if (h->buflen + n + 1 > h->bufcap) {
        size_t cap = h->bufcap ? h->bufcap : 64;
        while (cap < h->buflen + n + 1) cap *= 2;
        char *b = realloc(h->buf, cap);
        if (!b) {
            fail_nomem(h);
            return false;
        }
        h->buf = b;
        h->bufcap = cap;
    }
    memcpy(h->buf + h->buflen, p, n);
    h->buflen += n;
    h->buf[h->buflen] = 0;
    return true;
}

static bool buf_codepoint(hparser *h, uint32_t cp) {
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) u[0] = (uint8_t)cp, n = 1;
    else if (cp < 0x800) u[0] = (uint8_t)(0xc0 | cp >> 6), u[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        u[0] = (uint8_t)(0xe0 | cp >> 12), u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), u[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
    else
        u[0] = (uint8_t)(0xf0 | cp >> 18), u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f)),
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (uint8_t)(0x80 | (cp & 0x3f)), n = 4;
    return buf_put(h, u, n);
}

static int hexval(uint8_t c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A double-quoted string from h->start; one line at most. */
static int lex_string(hparser *h) {
    const uint8_t *s = h->src;
    size_t p = h->start + 1;
    h->buflen = 0;
    if (!buf_put(h, "", 0)) return T_ERROR;
    for (;;) {
        if (p >= h->len || s[p] == '\n') {
            fail_at(h, h->start, "unterminated string (a string ends with \" on its own line)");
            return T_ERROR;
        }
        uint8_t c = s[p];
        if (c == '"') {
            h->pos = p + 1;
            return T_STRING;
        }
        if (c != '\\') {
            size_t q = p + 1;
            while (q < h->len && s[q] != '"' && s[q] != '\\' && s[q] != '\n') q++;
            if (!buf_put(h, s + p, q - p)) return T_ERROR;
            p = q;
            continue;
        }
        if (p + 1 >= h->len) {
            fail_at(h, h->start, "unterminated string");
            return T_ERROR;
        }
        uint8_t e = s[p + 1], out = 0;
        switch (e) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'a': out = 7; break;
        case 'b': out = 8; break;
        case 'f': out = 12; break;
        case 'v': out = 11; break;
        case 'u':
        case 'U': {
            size_t digits = e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (size_t k = 0; k < digits; k++) {
                int v = p + 2 + k < h->len ? hexval(s[p + 2 + k]) : -1;
                if (v < 0) {
                    fail_at(h, p, "bad escape: \\%c needs %zu hexadecimal digits", e, digits);
                    return T_ERROR;
                }
                cp = cp << 4 | (uint32_t)v;
            }
            if (cp == 0) {
                fail_at(h, p, "bad escape: \\%c0000 would put a NUL character in a string", e);
                return T_ERROR;
            }
            if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
                fail_at(h, p, "bad escape: U+%04X is not a Unicode scalar value", (unsigned)cp);
                return T_ERROR;
            }
            if (!buf_codepoint(h, cp)) return T_ERROR;
            p += 2 + digits;
            continue;
        }
        default:
            if (e > 0x20 && e < 0x7f) fail_at(h, p, "bad escape \\%c (known: \\\" \\\\ \\n \\r \\t \\a \\b \\f \\v \\uXXXX \\UXXXXXXXX)", e);
            else fail_at(h, p, "bad escape: a backslash before byte 0x%02x", e);
            return T_ERROR;
        }
        if (!buf_put(h, &out, 1)) return T_ERROR;
        p += 2;
    }
}

static bool heredoc_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

/* <<ANCHOR or <<-ANCHOR, a newline, lines, and a line holding the anchor alone (spaces
 * before it and carriage returns after it allowed, as HCL has it). */
static int lex_heredoc(hparser *h) {
    const uint8_t *s = h->src;
    size_t p = h->start + 1;
    if (p >= h->len || s[p] != '<') {
        fail_at(h, h->start, "unexpected '<' (a heredoc starts with <<)");
        return T_ERROR;
    }
    p++;
    bool indented = p < h->len && s[p] == '-';
    if (indented) p++;
    size_t a0 = p;
    while (p < h->len && is_anchor_char(s[p])) p++;
    size_t alen = p - a0;
    if (alen == 0) {
        fail_at(h, h->start, "a heredoc needs an anchor of letters and digits after <<%s", indented ? "-" : "");
        return T_ERROR;
    }
    if (p + 1 < h->len && s[p] == '\r' && s[p + 1] == '\n') p++;
    if (p >= h->len || s[p] != '\n') {
        fail_at(h, h->start, "a heredoc's anchor must end its line");
        return T_ERROR;
    }
    size_t body = p + 1, line = body, close_ws = 0;
    for (;;) {
        const uint8_t *nl = line < h->len ? memchr(s + line, '\n', h->len - line) : NULL;
        size_t le = nl ? (size_t)(nl - s) : h->len;
        size_t q = line;
        while (q < le && heredoc_space(s[q])) q++;
        if (le - q >= alen && memcmp(s + q, s + a0, alen) == 0) {
            size_t r = q + alen;
            while (r < le && s[r] == '\r') r++;
            if (r == le) {
                close_ws = q - line;
                h->pos = nl ? le + 1 : le;
                break;
            }
        }
        if (!nl) {
            fail_at(h, h->start, "unterminated heredoc: no line with %.*s alone closes it", (int)(alen > 64 ? 64 : alen), (const char *)s + a0);
            return T_ERROR;
        }
        line = le + 1;
    }
    /* the text is [body, line): whole lines, each with its newline */
    h->buflen = 0;
    if (!buf_put(h, "", 0)) return T_ERROR;
    size_t strip = 0;
    if (indented && close_ws > 0) {
        strip = close_ws;
        for (size_t l = body; l < line;) {
            const uint8_t *nl = memchr(s + l, '\n', line - l);
            if (line - l < close_ws || memcmp(s + l, s + line, close_ws) != 0) {
                strip = 0; /* a line less indented than the closing one: the text as it is */
                break;
            }
            l = (size_t)(nl - s) + 1;
        }
    }
    for (size_t l = body; l < line;) {
        const uint8_t *nl = memchr(s + l, '\n', line - l);
        size_t next = (size_t)(nl - s) + 1;
        if (!buf_put(h, s + l + strip, next - l - strip)) return T_ERROR;
        l = next;
    }
    return T_HEREDOC;
}

/* JSON's number grammar; whatever touches it must not be a letter or digit. */
static int lex_number(hparser *h) {
    const uint8_t *s = h->src;
    size_t p = h->start, n = h->len;
    bool ok = true;
    if (s[p] == '-') p++;
    if (p < n && s[p] == '0') p++;
    else if (p < n && is_digit(s[p])) while (p < n && is_digit(s[p])) p++;
    else ok = false;
    if (ok && p < n && s[p] == '.') {
        p++;
        if (p >= n || !is_digit(s[p])) ok = false;
        while (p < n && is_digit(s[p])) p++;
    }
    if (ok && p < n && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < n && (s[p] == '+' || s[p] == '-')) p++;
        if (p >= n || !is_digit(s[p])) ok = false;
        while (p < n && is_digit(s[p])) p++;
    }
    if (!ok || (p < n && is_ident_char(s[p]))) {
        fail_at(h, h->start, "malformed number (decimal numbers only: no hexadecimal, octal or leading zeros)");
        return T_ERROR;
    }
    h->pos = h->end = p;
    return T_NUMBER;
}

static void lex(hparser *h) {
    const uint8_t *s = h->src;
    if (h->status) {
        h->type = T_ERROR;
        return;
    }
    for (;;) {
        if (h->pos >= h->len) {
            h->type = T_EOF;
            h->start = h->end = h->len;
            return;
        }
        uint8_t c = s[h->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            h->pos++;
        } else if (c == '#' || (c == '/' && h->pos + 1 < h->len && s[h->pos + 1] == '/')) {
            const uint8_t *nl = memchr(s + h->pos, '\n', h->len - h->pos);
            h->pos = nl ? (size_t)(nl - s) + 1 : h->len;
        } else if (c == '/' && h->pos + 1 < h->len && s[h->pos + 1] == '*') {
            size_t p = h->pos + 2;
            while (p + 1 < h->len && !(s[p] == '*' && s[p + 1] == '/')) p++;
            if (p + 1 >= h->len) {
                fail_at(h, h->pos, "unterminated comment (/* without */)");
                h->type = T_ERROR;
                return;
            }
            h->pos = p + 2;
        } else {
            break;
        }
    }
    size_t p = h->start = h->pos;
    uint8_t c = s[p];
    h->end = p + 1;
    switch (c) {
    case '{': h->type = T_LBRACE; break;
    case '}': h->type = T_RBRACE; break;
    case '[': h->type = T_LBRACK; break;
    case ']': h->type = T_RBRACK; break;
    case ',': h->type = T_COMMA; break;
    case '=': h->type = T_ASSIGN; break;
    case '"': h->type = lex_string(h); return;
    case '<': h->type = lex_heredoc(h); return;
    default:
        if (c == '-' || is_digit(c)) {
            h->type = lex_number(h);
            return;
        }
        if (is_ident_start(c)) {
            while (h->end < h->len && is_ident_char(s[h->end])) h->end++;
            h->pos = h->end;
            h->type = T_IDENT;
            return;
        }
        if (c > 0x20 && c < 0x7f) fail_at(h, p, "unexpected character '%c'", c);
        else if (c < 0x80) fail_at(h, p, "unexpected control character 0x%02x", c);
        else fail_at(h, p, "unexpected character (outside strings and comments only ASCII is allowed)");
        h->type = T_ERROR;
        return;
    }
    h->pos = p + 1;
}

static const char *describe(const hparser *h, char *tmp, size_t n) {
    switch (h->type) {
    case T_EOF: return "the end of the document";
    case T_STRING: return "a string";
    case T_HEREDOC: return "a heredoc";
    case T_NUMBER: return "a number";
    case T_LBRACE: return "'{'";
    case T_RBRACE: return "'}'";
    case T_LBRACK: return "'['";
    case T_RBRACK: return "']'";
    case T_COMMA: return "','";
    case T_ASSIGN: return "'='";
    case T_IDENT: {
        size_t l = h->end - h->start;
        snprintf(tmp, n, "'%.*s'", (int)(l > 64 ? 64 : l), (const char *)h->src + h->start);
        return tmp;
    }
    default: return "an error";
    }
}

/* The current key or label (an identifier or a string), as a new C string. */
static char *token_text(hparser *h) {
    const char *p = h->type == T_IDENT ? (const char *)h->src + h->start : h->buf;
    size_t n = h->type == T_IDENT ? h->end - h->start : h->buflen;
    char *t = malloc(n + 1);
    if (!t) {
        fail_nomem(h);
        return NULL;
    }
    memcpy(t, p, n);
    t[n] = 0;
    return t;
}

/* ---- the parser ---- */

static json_t *parse_value(hparser *h, size_t depth);

/* Where a block's body goes: the list at keys[0] / keys[1] / ... in `blocks` (the
 * objects that blocks make, kept apart from assignments until the body ends), made when
 * new. NULL (and a failure) when the key was assigned, or an earlier block under it had
 * a different number of labels. */
static json_t *block_slot(hparser *h, json_t *out, json_t *blocks, char **keys, size_t n, size_t key_at) {
    if (json_object_get(out, keys[0]) && !json_object_get(blocks, keys[0])) {
        fail_at(h, key_at, "duplicate key \"%.64s\": it is assigned, and a block uses it too", keys[0]);
        return NULL;
    }
    if (!json_object_get(out, keys[0]) && json_object_set_new(out, keys[0], json_null())) {
        fail_nomem(h); /* a place holder, for document order */
        return NULL;
    }
    json_t *cur = blocks;
    for (size_t i = 0; i < n; i++) {
        bool last = i == n - 1;
        json_t *next = json_object_get(cur, keys[i]);
        if (!next) {
            next = last ? json_array() : json_object();
            if (!next || json_object_set_new(cur, keys[i], next)) {
                fail_nomem(h);
                return NULL;
            }
        } else if (last ? !json_is_array(next) : !json_is_object(next)) {
            fail_at(h, key_at, "block \"%.64s\" has %zu label%s, and an earlier one with the same names a different number",
                    keys[0], n - 1, n == 2 ? "" : "s");
            return NULL;
        }
        cur = next;
    }
    return cur;
}

/* A block object or list of bodies from `blocks`, as it goes into the JSON: a list of one
 * body becomes the body. A new reference, or NULL. Recursion as deep as the labels. */
static json_t *unwrap(json_t *v) {
    if (json_is_array(v)) return json_incref(json_array_size(v) == 1 ? json_array_get(v, 0) : v);
    for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        json_t *u = unwrap(json_object_iter_value(it));
        if (!u || json_object_iter_set_new(v, it, u)) return NULL;
    }
    return json_incref(v);
}

/* A body (the document, a block's or an object's) whose opening brace is at open_at, up
 * to (not past) `closing`: T_EOF for the document, T_RBRACE for the others. */
static json_t *parse_body(hparser *h, size_t depth, int closing, size_t open_at) {
    if (depth > h->max_depth) {
        fail_at(h, open_at, "nested deeper than %zu levels", h->max_depth);
        return NULL;
    }
    json_t *out = json_object(), *blocks = json_object();
    char **keys = NULL;
    size_t nkeys = 0;
    char tmp[80];
    if (!out || !blocks) {
        fail_nomem(h);
        goto fail;
    }
    keys = calloc(h->max_depth + 2, sizeof *keys);
    if (!keys) {
        fail_nomem(h);
        goto fail;
    }
    for (;;) {
        if (h->type == T_ERROR) goto fail;
        if (h->type == closing) break;
        if (h->type == T_EOF) {
            fail_at(h, open_at, "'{' never closed");
            goto fail;
        }
        if (h->type != T_IDENT && h->type != T_STRING) {
            fail_at(h, h->start, "expected a key, found %s", describe(h, tmp, sizeof tmp));
            goto fail;
        }
        size_t key_at = h->start;
        if (!(keys[0] = token_text(h))) goto fail;
        nkeys = 1;
        lex(h);
        if (h->type == T_ASSIGN) {
            if (json_object_get(out, keys[0])) {
                fail_at(h, key_at, "duplicate key \"%.64s\"", keys[0]);
                goto fail;
            }
            lex(h);
            json_t *v = parse_value(h, depth + 1);
            if (!v) goto fail;
            if (json_object_set_new(out, keys[0], v)) {
                fail_nomem(h);
                goto fail;
            }
        } else {
            while (h->type == T_STRING || h->type == T_IDENT) {
                if (nkeys > h->max_depth) {
                    fail_at(h, key_at, "nested deeper than %zu levels", h->max_depth);
                    goto fail;
                }
                if (!(keys[nkeys] = token_text(h))) goto fail;
                nkeys++;
                lex(h);
            }
            if (h->type == T_ERROR) goto fail;
            if (h->type != T_LBRACE) {
                if (nkeys == 1) fail_at(h, h->start, "expected '=' or '{' after \"%.64s\", found %s", keys[0], describe(h, tmp, sizeof tmp));
                else fail_at(h, h->start, "expected '{' after the labels of \"%.64s\", found %s", keys[0], describe(h, tmp, sizeof tmp));
                goto fail;
            }
            size_t open = h->start;
            json_t *list = block_slot(h, out, blocks, keys, nkeys, key_at);
            if (!list) goto fail;
            lex(h);
            json_t *b = parse_body(h, depth + nkeys + 1, T_RBRACE, open);
            if (!b) goto fail;
            if (json_array_append_new(list, b)) {
                fail_nomem(h);
                goto fail;
            }
            lex(h); /* past the '}' */
        }
        for (size_t i = 0; i < nkeys; i++) free(keys[i]), keys[i] = NULL;
        nkeys = 0;
        if (h->type == T_COMMA) lex(h);
    }
    for (void *it = json_object_iter(blocks); it; it = json_object_iter_next(blocks, it)) {
        json_t *u = unwrap(json_object_iter_value(it));
        if (!u || json_object_set_new(out, json_object_iter_key(it), u)) {
            fail_nomem(h);
            goto fail;
        }
    }
    free(keys);
    json_decref(blocks);
    return out;
fail:
    if (keys)
        for (size_t i = 0; i < nkeys; i++) free(keys[i]);
    free(keys);
    json_decref(out);
    json_decref(blocks);
    return NULL;
}

static json_t *parse_list(hparser *h, size_t depth) {
    size_t open = h->start;
    char tmp[80];
    if (depth > h->max_depth) {
        fail_at(h, open, "nested deeper than %zu levels", h->max_depth);
        return NULL;
    }
    json_t *a = json_array();
    if (!a) {
        fail_nomem(h);
        return NULL;
    }
    lex(h);
    for (;;) {
        if (h->type == T_ERROR) break;
        if (h->type == T_RBRACK) {
            lex(h);
            return a;
        }
        if (h->type == T_EOF) {
            fail_at(h, open, "'[' never closed");
            break;
        }
        json_t *v = parse_value(h, depth + 1);
        if (!v) break;
        if (json_array_append_new(a, v)) {
            fail_nomem(h);
            break;
        }
        if (h->type == T_COMMA) {
            lex(h);
        } else if (h->type != T_RBRACK && h->type != T_ERROR) {
            if (h->type == T_EOF) fail_at(h, open, "'[' never closed");
            else fail_at(h, h->start, "expected ',' or ']' in a list, found %s", describe(h, tmp, sizeof tmp));
            break;
        }
    }
    json_decref(a);
    return NULL;
}

static json_t *parse_number(hparser *h) {
    json_error_t err;
    json_t *v = json_loadb((const char *)h->src + h->start, h->end - h->start, JSON_DECODE_ANY, &err);
    if (!v) fail_at(h, h->start, "number out of range");
    return v;
}

/* A value from the current token; afterwards the token after it is current. */
static json_t *parse_value(hparser *h, size_t depth) {
    json_t *v = NULL;
    char tmp[80];
    switch (h->type) {
    case T_STRING:
    case T_HEREDOC:
        if (!(v = json_stringn(h->buf, h->buflen))) fail_nomem(h);
        break;
    case T_NUMBER:
        v = parse_number(h);
        break;
    case T_IDENT: {
        size_t n = h->end - h->start;
        const char *w = (const char *)h->src + h->start;
        if (n == 4 && memcmp(w, "true", 4) == 0) v = json_true();
        else if (n == 5 && memcmp(w, "false", 5) == 0) v = json_false();
        else fail_at(h, h->start, "unquoted word %s: strings need double quotes (true and false are the only bare words)", describe(h, tmp, sizeof tmp));
        break;
    }
    case T_LBRACK:
        return parse_list(h, depth);
    case T_LBRACE: {
        size_t open = h->start;
        lex(h);
        v = parse_body(h, depth, T_RBRACE, open);
        break; /* the lex() below steps past the '}' */
    }
    case T_ERROR:
        return NULL;
    default:
        fail_at(h, h->start, "expected a value, found %s", describe(h, tmp, sizeof tmp));
        return NULL;
    }
    if (v) lex(h);
    return v;
}

int vouch_hcl_to_json(const uint8_t *data, size_t len, size_t max_depth, size_t max_bytes, json_t **out, vouch_diag *d) {
    if (!out || (!data && len) || max_depth == 0 || max_depth > HCL_DEPTH_LIMIT)
        return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > max_bytes) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "HCL of %zu bytes; at most %zu are accepted", len, max_bytes);
    hparser h = {.src = data ? data : (const uint8_t *)"", .len = len, .max_depth = max_depth, .d = d};
    if (check_text(&h) != 0) return h.status;
    lex(&h);
    json_t *root = parse_body(&h, 1, T_EOF, 0);
    free(h.buf);
    if (!root) return h.status ? h.status : vouch_fail(d, VOUCH_E_INTERNAL, -1, "HCL conversion failed");
    *out = root;
    return 0;
}
