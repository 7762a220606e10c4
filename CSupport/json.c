/* json.c: jansson with Vouch's limits, and a fast reader for the plain JSON that tokens
 * carry. */
#include "internal.h"
#include "vouch_json.h"

#include <string.h>

static size_t depth(const json_t *v, size_t limit) {
    if (limit == 0) return 1; /* already too deep: stop walking */
    size_t d = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m) {
            size_t c = depth(m, limit - 1);
            if (c > d) d = c;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) {
            size_t c = depth(m, limit - 1);
            if (c > d) d = c;
        }
    } else {
        return 0;
    }
    return d + 1;
}

int vouch_json_parse(const uint8_t *data, size_t len, size_t max_depth, size_t max_bytes, json_t **out, vouch_diag *d) {
    if (!out || (!data && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > max_bytes) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "JSON of %zu bytes; at most %zu are accepted", len, max_bytes);
    json_error_t err;
    json_t *v = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!v) return vouch_fail(d, VOUCH_E_DER, -1, "malformed JSON at line %d, column %d: %s", err.line, err.column, err.text);
    if (depth(v, max_depth + 1) > max_depth) {
        json_decref(v);
        return vouch_fail(d, VOUCH_E_DER, -1, "JSON nested deeper than %zu levels", max_depth);
    }
    *out = v;
    return 0;
}

int vouch_json_type(const json_t *v) { return v ? (int)json_typeof(v) : -1; }

void vouch_json_release(json_t *v) { json_decref(v); }

/* ---- the plain subset, read without jansson's lexer ----
 *
 * jansson reads a character at a time through a stream with UTF-8 checks: about 25 ns a
 * byte, 1.4 us for a JWT header and 2 us for its claims, next to 20 us for an RSA-2048
 * signature check. Most tokens are plain: ASCII strings without escapes, small integers,
 * true, false, null, nested objects and arrays. This reader takes exactly that subset and
 * builds the jansson values json_loadb would build; anything else (an escape, a byte
 * outside printable ASCII, a fraction or exponent, a number of more than 18 digits, a
 * duplicate member, deep nesting, any syntax error) makes it give up with NULL, and the
 * caller asks json_loadb, which gives the same value or the error and its position.
 * Inside the subset the two agree by construction; a differential fuzz run checked it. */

enum { SIMPLE_MAX_DEPTH = 16 };

typedef struct {
    const uint8_t *p, *end;
} sreader;

static void sws(sreader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

/* A string of printable ASCII without escapes; *s, *n: its bytes between the quotes. */
static bool sstring(sreader *r, const char **s, size_t *n) {
    if (r->p >= r->end || *r->p != '"') return false;
    const uint8_t *q = r->p + 1;
    while (q < r->end && *q != '"') {
        if (*q < 0x20 || *q > 0x7e || *q == '\\') return false;
        q++;
    }
    if (q >= r->end) return false;
    *s = (const char *)(r->p + 1);
    *n = (size_t)(q - (r->p + 1));
    r->p = q + 1;
    return true;
}

/* After a number or a literal: the end, white space, or a delimiter. */
static bool sdelimited(const sreader *r) {
    if (r->p >= r->end) return true;
    uint8_t c = *r->p;
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}';
}

static json_t *svalue(sreader *r, int depth);

static json_t *sobject(sreader *r, int depth) {
    json_t *o = json_object();
    if (!o) return NULL;
    r->p++; /* { */
    sws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return o;
    }
    for (;;) {
        const char *k;
        size_t kn;
        if (!sstring(r, &k, &kn) || json_object_getn(o, k, kn)) goto fail; /* a duplicate: jansson says so */
        sws(r);
        if (r->p >= r->end || *r->p != ':') goto fail;
        r->p++;
        sws(r);
        json_t *v = svalue(r, depth + 1);
        if (!v || json_object_setn_new_nocheck(o, k, kn, v)) goto fail;
        sws(r);
        if (r->p >= r->end) goto fail;
        if (*r->p == '}') {
            r->p++;
            return o;
        }
        if (*r->p != ',') goto fail;
        r->p++;
        sws(r);
    }
fail:
    json_decref(o);
    return NULL;
}

static json_t *sarray(sreader *r, int depth) {
    json_t *a = json_array();
    if (!a) return NULL;
    r->p++; /* [ */
    sws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return a;
    }
    for (;;) {
        json_t *v = svalue(r, depth + 1);
        if (!v || json_array_append_new(a, v)) goto fail;
        sws(r);
        if (r->p >= r->end) goto fail;
        if (*r->p == ']') {
            r->p++;
            return a;
        }
        if (*r->p != ',') goto fail;
        r->p++;
        sws(r);
    }
fail:
    json_decref(a);
    return NULL;
}

static json_t *svalue(sreader *r, int depth) {
    if (r->p >= r->end || depth > SIMPLE_MAX_DEPTH) return NULL;
    uint8_t c = *r->p;
    if (c == '{') return sobject(r, depth);
    if (c == '[') return sarray(r, depth);
    if (c == '"') {
        const char *s;
        size_t n;
        return sstring(r, &s, &n) ? json_stringn_nocheck(s, n) : NULL; /* ASCII: valid UTF-8 */
    }
    if (c == '-' || (c >= '0' && c <= '9')) { /* -?(0|[1-9][0-9]*), at most 18 digits: no overflow */
        bool neg = c == '-';
        if (neg) r->p++;
        const uint8_t *start = r->p;
        long long v = 0;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            if (r->p - start == 18) return NULL; /* a 19th digit: jansson's to judge */
            v = v * 10 + (*r->p++ - '0');
        }
        size_t digits = (size_t)(r->p - start);
        if (digits == 0 || (digits > 1 && *start == '0') || !sdelimited(r)) return NULL;
        return json_integer(neg ? -v : v);
    }
    static const struct { const char *text; size_t n; } lit[3] = {{"true", 4}, {"false", 5}, {"null", 4}};
    for (int i = 0; i < 3; i++) {
        if ((size_t)(r->end - r->p) < lit[i].n || memcmp(r->p, lit[i].text, lit[i].n) != 0) continue;
        r->p += lit[i].n;
        if (!sdelimited(r)) return NULL;
        return i == 0 ? json_true() : i == 1 ? json_false() : json_null();
    }
    return NULL;
}

json_t *vjson_load_plain(const uint8_t *data, size_t len) {
    sreader r = {data, data + len};
    sws(&r);
    if (r.p >= r.end || *r.p != '{') return NULL; /* json_loadb's top level: an object here */
    json_t *v = sobject(&r, 1);
    if (!v) return NULL;
    sws(&r);
    if (r.p != r.end) { /* trailing data: jansson refuses it, with the position */
        json_decref(v);
        return NULL;
    }
    return v;
}
