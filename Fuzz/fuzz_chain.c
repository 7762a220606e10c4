/* fuzz_chain.c: the lean certificate reader, name listing and chain verification on arbitrary input.
 * The first byte picks how the rest is presented (as the chain, as untrusted
 * intermediates after a fixed leaf, or split in two); the trust store is the fixture CA.
 * Every input is verified in the default mode and under VOUCH_VERIFY_STRICT: strict
 * mode may only refuse more, and what it accepts carries no warnings (no CRLs here). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixture.h"
#include "internal.h"
#include "vouch_names.h"
#include "vouch_verify.h"

static vouch_truststore *ts;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ts && vouch_truststore_new((const uint8_t *)FUZZ_CA_PEM, strlen(FUZZ_CA_PEM), &ts, NULL)) abort();
    if (size < 1) return 0;
    uint8_t mode = data[0];
    data++, size--;
    vcert c;
    (void)vcert_parse(data, size, &c, NULL);
    vouch_cert_summary s;
    (void)vouch_cert_summarize(data, size, &s);
    /* names borrow from the input: every one must lie inside it */
    vouch_name names[8];
    size_t count = 0;
    if (vouch_cert_names(data, size, names, 8, &count) == 0)
        for (size_t i = 0; i < count && i < 8; i++)
            if (names[i].value < data || names[i].value + names[i].len > data + size) abort();
    size_t cut = size ? (mode * 131u) % size : 0;
    vouch_verification *v = NULL, *sv = NULL;
    int rc, src;
    switch (mode & 3) {
    case 0:
        rc = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, 0, NULL, 0, data, size, NULL, 0, FUZZ_AT, &v);
        src = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, VOUCH_VERIFY_STRICT, NULL, 0, data, size, NULL, 0, FUZZ_AT, &sv);
        break;
    case 1:
        rc = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, 0, NULL, 0, data, cut, data + cut, size - cut, FUZZ_AT, &v);
        src = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, VOUCH_VERIFY_STRICT, NULL, 0, data, cut, data + cut, size - cut, FUZZ_AT, &sv);
        break;
    default:
        rc = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, 0, NULL, 0, data, size, data, size, FUZZ_AT, &v);
        src = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, VOUCH_VERIFY_STRICT, NULL, 0, data, size, data, size, FUZZ_AT, &sv);
        break;
    }
    if (src == 0 && (rc != 0 || vouch_verification_warning_count(sv) != 0)) abort();
    if (rc == 0) {
        /* whatever was accepted must describe a path that ends at the fixture CA */
        size_t n = vouch_verification_path_length(v);
        const uint8_t *der;
        size_t len;
        int anchor;
        if (n == 0 || vouch_verification_path_cert(v, n - 1, &der, &len, &anchor) || !anchor) abort();
        size_t w = vouch_verification_warning_count(v);
        if (w > VOUCH_MAX_WARNINGS) abort();
        for (size_t i = 0; i < w; i++)
            if (!vouch_verification_warning(v, i) || !vouch_verification_warning(v, i)->detail[0]) abort();
    } else if (vouch_verification_diag(v)->status != rc) {
        abort();
    }
    vouch_verification_free(sv);
    vouch_verification_free(v);
    return 0;
}
