/* fuzz_jwks.c: JWK Set (and PEM public key) parsing on arbitrary input: no crash, no
 * leak; a set that loads holds at least one key. */
#include <stdint.h>
#include <stdlib.h>

#include "vouch_jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vouch_jwks *ks = NULL;
    vouch_diag d;
    size_t cut = size ? data[0] % (size + 1) : 0; /* the first byte splits JSON from PEM */
    int rc = vouch_jwks_new(data, cut, data + cut, size - cut, &ks, &d);
    if (rc == 0 && (!ks || vouch_jwks_count(ks) == 0)) abort();
    if (rc != 0 && ks) abort();
    vouch_jwks_free(ks);
    return 0;
}
