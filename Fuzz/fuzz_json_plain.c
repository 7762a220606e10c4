/* fuzz_json_plain.c: differential harness, the plain-JSON reader of JWT headers and
 * claims (vjson_load_plain, json.c) against the call it stands in for, json_loadb(...,
 * JSON_REJECT_DUPLICATES, ...) as jwt.c makes it, on the same bytes.
 *
 * Rules: when the plain reader gives a value, jansson must accept the same bytes and give
 * the same value: the same types all the way down (an integer is never a real), the same
 * integers, the same string bytes, arrays in the same order, objects with the same keys
 * (compared by length and bytes) in the same insertion order, each key once. When the
 * plain reader gives up (NULL), jwt.c asks json_loadb, so any answer of jansson's is
 * right: the reader may be narrower than JSON, never wider nor different. libFuzzer hands
 * each input in a buffer of exactly its size, so a read past the end shows in ASan. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void fail(const char *why, const uint8_t *data, size_t size) {
    fprintf(stderr, "fuzz_json_plain: %s on %zu bytes: %.*s\n", why, size, (int)(size > 400 ? 400 : size), (const char *)data);
    abort();
}

/* The same value, built the same way (json_equal, and beyond it order and types). */
static int same(const json_t *a, const json_t *b) {
    if (json_typeof(a) != json_typeof(b)) return 0;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) return 0;
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        while (ia && ib) {
            size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
            if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) != 0) return 0;
            if (!same(json_object_iter_value(ia), json_object_iter_value(ib))) return 0;
            ia = json_object_iter_next((json_t *)a, ia);
            ib = json_object_iter_next((json_t *)b, ib);
        }
        return !ia && !ib;
    }
    case JSON_ARRAY: {
        if (json_array_size(a) != json_array_size(b)) return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i))) return 0;
        return 1;
    }
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: /* the plain reader never makes one; jansson's own values compare as it says */
        return json_equal(a, b);
    default: /* true, false, null: the type is the value */
        return 1;
    }
}

static void check(const uint8_t *data, size_t size) {
    json_t *plain = vjson_load_plain(data, size);
    if (!plain) return; /* jwt.c asks json_loadb: whatever it says stands */
    json_error_t err;
    json_t *ref = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (!ref) fail("the plain reader accepts what json_loadb refuses", data, size);
    if (!json_is_object(plain)) fail("the plain reader gives a top level other than an object", data, size);
    if (!json_equal(plain, ref)) fail("json_equal: the two values differ", data, size);
    if (!same(plain, ref)) fail("the two values differ in order, types or key bytes", data, size);
    json_decref(plain);
    json_decref(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check(data, size);
    return 0;
}
