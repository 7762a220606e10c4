/* fuzz_json.c: strict JSON parsing (request bodies, later JWT parts) on arbitrary input:
 * no crash, no leak, and whatever parses is within the limits. */
#include <stdint.h>
#include <stdlib.h>

#include "vouch_json.h"

static size_t depth(const json_t *v) {
    size_t d = 0, i;
    const char *k;
    json_t *m;
    if (json_is_object(v)) json_object_foreach((json_t *)v, k, m) { size_t c = depth(m); d = c > d ? c : d; }
    else if (json_is_array(v)) json_array_foreach(v, i, m) { size_t c = depth(m); d = c > d ? c : d; }
    else return 0;
    return d + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *v = NULL;
    vouch_diag d;
    if (vouch_json_parse(data, size, 8, 1 << 16, &v, &d) == 0) {
        if (!v || depth(v) > 8) abort();
        json_decref(v);
    } else if (v) {
        abort();
    }
    return 0;
}
