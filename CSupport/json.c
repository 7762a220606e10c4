/* json.c: jansson with Vouch's limits. */
#include "internal.h"
#include "vouch_json.h"

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
