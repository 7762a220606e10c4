/* fuzz_crl.c: the streaming CRL walker and the revocation set on arbitrary input, with
 * and without a trust store (without one the walker reaches the serial pass), and
 * deferred (its signature kept for a later check against a presented issuer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixture.h"
#include "vouch_crl.h"

static vouch_truststore *ts;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ts && vouch_truststore_new((const uint8_t *)FUZZ_CA_PEM, strlen(FUZZ_CA_PEM), &ts, NULL)) abort();
    vouch_crl *crl = NULL;
    vouch_diag d;
    if (vouch_crl_load(NULL, 0, data, size, &crl, &d) == 0) {
        char buf[128];
        vouch_crl_issuer(crl, buf, sizeof buf);
        size_t n = vouch_crl_count(crl);
        /* probe the set with slices of the input: must not crash, answers are 0 or 1 */
        for (size_t i = 0; i + 1 < size && i < 64; i += 7) {
            int r = vouch_crl_contains(crl, data + i, (size - i) % 21 + 1);
            if (r != 0 && r != 1) abort();
        }
        if (n > size) abort(); /* every serial takes at least one input byte */
        vouch_crl_free(crl);
    } else if (d.status == 0) {
        abort();
    }
    if (vouch_crl_load(ts, 0, data, size, &crl, NULL) == 0) {
        if (!vouch_crl_signature_checked(crl) || vouch_crl_is_deferred(crl)) abort();
        vouch_crl_free(crl);
    }
    /* deferred: loads whenever the plain load does and the algorithm is one we verify */
    if (vouch_crl_load(ts, VOUCH_CRL_DEFER_ISSUER, data, size, &crl, NULL) == 0) {
        if (vouch_crl_signature_checked(crl) == vouch_crl_is_deferred(crl) || vouch_crl_verified_issuers(crl) != 0) abort();
        vouch_crl_free(crl);
    }
    return 0;
}
