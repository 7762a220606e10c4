/* fuzz_hcl.c: HCL (Vault policy) to JSON on arbitrary input: no crash, no leak; a failure
 * names its line and column; what converts is a JSON object within the depth bound that
 * jansson prints and reads back unchanged (duplicates refused), and converting the same
 * input twice gives the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch_hcl.h"
#include "vouch_json.h"

#define DEPTH 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *a = NULL, *b = NULL;
    vouch_diag da, db;
    int ra = vouch_hcl_to_json(data, size, DEPTH, 1 << 16, &a, &da);
    int rb = vouch_hcl_to_json(data, size, DEPTH, 1 << 16, &b, &db);
    if (ra != rb) abort();
    if (ra != 0) {
        if (a || b || strcmp(da.detail, db.detail) != 0) abort();
        if (ra == VOUCH_E_DER && strncmp(da.detail, "line ", 5) != 0) abort();
        if (ra != VOUCH_E_DER && ra != VOUCH_E_TOO_LARGE && ra != VOUCH_E_NOMEM) abort();
        return 0;
    }
    if (!json_is_object(a) || !json_is_object(b)) abort();
    char *sa = json_dumps(a, JSON_COMPACT), *sb = json_dumps(b, JSON_COMPACT);
    if (!sa || !sb || strcmp(sa, sb) != 0) abort();
    /* jansson reads it back, with duplicate names refused, to an equal value */
    json_error_t err;
    json_t *back = json_loads(sa, JSON_REJECT_DUPLICATES, &err);
    if (!back || !json_equal(back, a)) abort();
    /* and Vouch's strict JSON reader accepts it within the same depth */
    json_t *strict = NULL;
    vouch_diag ds;
    if (vouch_json_parse((const uint8_t *)sa, strlen(sa), DEPTH, SIZE_MAX, &strict, &ds) != 0) abort();
    json_decref(strict);
    json_decref(back);
    free(sa);
    free(sb);
    json_decref(a);
    json_decref(b);
    return 0;
}
