/* fuzz_sshcert.c: OpenSSH certificates on arbitrary input: no crash, no leak.
 * The input is tried three ways: as a whole certificate, as a certificate line, and as a
 * certificate body that the harness signs with the fixture CA (so mutations reach every
 * check after the signature). A certificate that parses re-encodes to the same bytes, and
 * signing its fields again yields a certificate that parses to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixture.h"
#include "vouch_ssh.h"
#include "vouch_sshkey.h"

static vouch_ssh_privkey *ca;

static void put_string(uint8_t *p, const uint8_t *s, size_t n) {
    p[0] = (uint8_t)(n >> 24), p[1] = (uint8_t)(n >> 16), p[2] = (uint8_t)(n >> 8), p[3] = (uint8_t)n;
    memcpy(p + 4, s, n);
}

static int same_str(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* The parsed certificate's fields signed again; the new certificate must say the same. */
static void resign(const vouch_ssh_cert *c) {
    size_t np = vouch_ssh_cert_principal_count(c), no = vouch_ssh_cert_option_count(c, 0), ne = vouch_ssh_cert_option_count(c, 1);
    const char **pr = calloc(np + 1, sizeof *pr), **on = calloc(no + 1, sizeof *on), **ov = calloc(no + 1, sizeof *ov),
               **ex = calloc(ne + 1, sizeof *ex);
    if (!pr || !on || !ov || !ex) abort();
    for (size_t i = 0; i < np; i++) pr[i] = vouch_ssh_cert_principal(c, i);
    for (size_t i = 0; i < no; i++) on[i] = vouch_ssh_cert_option_name(c, 0, i), ov[i] = vouch_ssh_cert_option_value(c, 0, i);
    int flags_only = 1;
    for (size_t i = 0; i < ne; i++) {
        ex[i] = vouch_ssh_cert_option_name(c, 1, i);
        if (*vouch_ssh_cert_option_value(c, 1, i)) flags_only = 0; /* valued extensions are not built */
    }
    vouch_ssh_cert_request q = {vouch_ssh_cert_key(c), vouch_ssh_cert_kind(c), vouch_ssh_cert_serial(c), vouch_ssh_cert_key_id(c), pr, np,
                                vouch_ssh_cert_valid_after(c), vouch_ssh_cert_valid_before(c), on, ov, no, ex, ne, 0};
    uint8_t *blob = NULL;
    size_t len = 0;
    vouch_diag d;
    if (flags_only && vouch_ssh_cert_sign(ca, &q, &blob, &len, &d) == 0) {
        vouch_ssh_cert *c2 = NULL;
        if (vouch_ssh_cert_parse(blob, len, &c2, &d) != 0) abort();
        if (vouch_ssh_cert_serial(c2) != q.serial || vouch_ssh_cert_kind(c2) != q.type || !same_str(vouch_ssh_cert_key_id(c2), q.key_id) ||
            vouch_ssh_cert_principal_count(c2) != np || vouch_ssh_cert_option_count(c2, 0) != no || vouch_ssh_cert_option_count(c2, 1) != ne)
            abort();
        for (size_t i = 0; i < np; i++)
            if (!same_str(vouch_ssh_cert_principal(c2, i), pr[i])) abort();
        for (size_t i = 0; i < no; i++) /* the input was sorted, so the order is kept */
            if (!same_str(vouch_ssh_cert_option_name(c2, 0, i), on[i]) || !same_str(vouch_ssh_cert_option_value(c2, 0, i), ov[i])) abort();
        vouch_ssh_cert_free(c2);
        free(blob);
    }
    free(pr), free(on), free(ov), free(ex);
}

static void check(const uint8_t *data, size_t size, vouch_ssh_cert *c) {
    uint8_t *out = NULL;
    size_t n = 0;
    if (vouch_ssh_cert_encode(c, &out, &n) != 0) abort();
    if (data && (n != size || memcmp(out, data, size) != 0)) abort();
    free(out);
    resign(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ca) {
        vouch_diag d;
        if (vouch_ssh_privkey_load((const uint8_t *)FUZZ_SSH_CA_KEY, sizeof FUZZ_SSH_CA_KEY - 1, &ca, &d) != 0) abort();
    }
    vouch_diag d;
    vouch_ssh_cert *c = NULL;
    if (vouch_ssh_cert_parse(data, size, &c, &d) == 0) check(data, size, c);
    else if (c) abort();
    vouch_ssh_cert_free(c);
    c = NULL;
    if (vouch_ssh_cert_parse_line((const char *)data, size, &c, &d) == 0) check(NULL, 0, c);
    else if (c) abort();
    vouch_ssh_cert_free(c);
    c = NULL;

    if (size > 60000) return 0;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    if (vouch_ssh_privkey_sign(ca, data, size, 0, &sig, &siglen) != 0) abort();
    uint8_t *whole = malloc(size + 4 + siglen);
    if (!whole) abort();
    if (size) memcpy(whole, data, size);
    put_string(whole + size, sig, siglen);
    if (vouch_ssh_cert_parse(whole, size + 4 + siglen, &c, &d) == 0) check(whole, size + 4 + siglen, c);
    else if (c) abort();
    vouch_ssh_cert_free(c);
    free(whole);
    free(sig);
    return 0;
}
