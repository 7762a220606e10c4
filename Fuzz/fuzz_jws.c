/* fuzz_jws.c: compact JWS verification on arbitrary input, against a fixed key set of
 * every key type (and, for half the inputs, a claims policy). Nothing may crash or leak;
 * what verifies (the RFC seeds do) gives back its payload, and claims under a policy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch_jwt.h"

/* Public keys only (RFC 7520's EC and RSA, RFC 8037's Ed25519). */
static const char JWKS[] =
    "{\"keys\":["
    "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-521\","
    "\"x\":\"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt\","
    "\"y\":\"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1\"},"
    "{\"kty\":\"RSA\",\"kid\":\"rsa\",\"e\":\"AQAB\","
    "\"n\":\"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw\"},"
    "{\"kty\":\"OKP\",\"kid\":\"ed\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
    "]}";

static vouch_jwks *ks;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ks && vouch_jwks_new((const uint8_t *)JWKS, strlen(JWKS), NULL, 0, &ks, NULL)) abort();
    if (size < 1) return 0;
    const char *audiences[] = {"vouch"};
    vouch_jwt_policy policy = {.issuer = "https://issuer.example", .audiences = audiences, .naudiences = 1,
                               .now = 1798761600, .exp_leeway = 150, .nbf_leeway = 150, .require_exp = 1};
    vouch_jwt *t = NULL;
    int rc = vouch_jwt_verify(ks, (const char *)data + 1, size - 1, (data[0] & 1) ? &policy : NULL, &t);
    if (!t || vouch_jwt_diag(t)->status != rc) abort();
    if (rc == 0) {
        size_t n = 0;
        if (!vouch_jwt_payload(t, &n) || !vouch_jwt_header(t)) abort();
        if ((data[0] & 1) && !vouch_jwt_claims(t)) abort();
    }
    vouch_jwt_free(t);
    json_t *h = NULL, *p = NULL;
    vouch_diag d;
    (void)vouch_jwt_inspect((const char *)data + 1, size - 1, &h, &p, &d);
    json_decref(h);
    json_decref(p);
    return 0;
}
