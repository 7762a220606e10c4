/* fuzz_diff.c: differential harness, our lean verification against OpenSSL 3.0's
 * X509_verify_cert (X509_V_FLAG_PARTIAL_CHAIN, purpose sslclient) on the same chain,
 * twice: Vouch's strict mode against OpenSSL's X509_V_FLAG_X509_STRICT, and Vouch's
 * default mode (profile rules warn) against OpenSSL's default mode. The input is a
 * leaf's tbsCertificate; the harness signs it with the fixture CA's key, so mutations
 * reach every check past the signature.
 *
 * Rules: Vouch must never accept what OpenSSL refuses, with one exception: a critical
 * authorityKeyIdentifier, subjectKeyIdentifier or authorityInfoAccess, which OpenSSL
 * counts as unhandled critical extensions and Go's crypto/x509 accepts; Vouch
 * understands them, accepts them with a warning by default (Go's decision) and refuses
 * them in strict mode. Where Vouch refuses what OpenSSL
 * accepts, the refusal must be one of our deliberate, documented strictnesses:
 *  - stricter DER (non-minimal encodings, explicit v1, time forms) and unreadable input;
 *  - RSA keys under 2048 bits, SHA-1/MD5, unsupported key or signature types;
 *  - issuer names compared byte for byte (OpenSSL compares canonical forms);
 *  - negative serial numbers (both modes);
 *  - in strict mode only, RFC 5280 MUSTs OpenSSL lets pass even in its strict mode:
 *    serial numbers positive and at most 20 octets, subjectAltName dNSNames and
 *    rfc822Names of valid syntax, nameConstraints only in CAs, policyConstraints
 *    critical, authorityInfoAccess never critical. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixture.h"
#include "vouch_verify.h"

static vouch_truststore *ts;
static X509_STORE *store;
static EVP_PKEY *cakey;
/* ecdsa-with-SHA256 AlgorithmIdentifier */
static const uint8_t ALG[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

static void init(void) {
    if (vouch_truststore_new((const uint8_t *)FUZZ_CA_PEM, strlen(FUZZ_CA_PEM), &ts, NULL)) abort();
    BIO *b = BIO_new_mem_buf(FUZZ_CA_PEM, -1);
    X509 *ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    b = BIO_new_mem_buf(FUZZ_CA_KEY_PEM, -1);
    cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    store = X509_STORE_new();
    if (!ca || !cakey || !store || !X509_STORE_add_cert(store, ca)) abort();
    X509_free(ca);
}

static size_t put_len(uint8_t *p, size_t n) {
    if (n < 0x80) { p[0] = (uint8_t)n; return 1; }
    if (n < 0x100) { p[0] = 0x81; p[1] = (uint8_t)n; return 2; }
    if (n < 0x10000) { p[0] = 0x82; p[1] = (uint8_t)(n >> 8); p[2] = (uint8_t)n; return 3; }
    p[0] = 0x83; p[1] = (uint8_t)(n >> 16); p[2] = (uint8_t)(n >> 8); p[3] = (uint8_t)n; return 4;
}

/* OpenSSL's decision: 0 accepted, its error code, or -1 when it cannot parse the chain. */
static int openssl_verify(const uint8_t *cert, size_t certlen, int strict) {
    int theirs = -1;
    const unsigned char *q = cert;
    X509 *x = d2i_X509(NULL, &q, (long)certlen);
    if (x && q == cert + certlen) {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        X509_STORE_CTX_init(ctx, store, x, NULL);
        X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_flags(param, (strict ? X509_V_FLAG_X509_STRICT : 0) | X509_V_FLAG_PARTIAL_CHAIN);
        X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
        X509_VERIFY_PARAM_set_time(param, FUZZ_AT);
        theirs = X509_verify_cert(ctx) == 1 ? 0 : X509_STORE_CTX_get_error(ctx);
        X509_STORE_CTX_free(ctx);
    }
    X509_free(x);
    ERR_clear_error();
    return theirs;
}

/* Whether an accepted chain was warned about a critical extension OpenSSL does not handle
 * when critical (and Go does). */
static int warned_critical_known(const vouch_verification *v) {
    for (size_t i = 0; i < vouch_verification_warning_count(v); i++)
        if (strstr(vouch_verification_warning(v, i)->detail, "must not be critical")) return 1;
    return 0;
}

/* Whether a refusal of what OpenSSL accepts is one of the strictnesses listed above. */
static int deliberate(int ours, const char *detail, int strict) {
    switch (ours) {
    case VOUCH_E_DER: case VOUCH_E_PEM: case VOUCH_E_WEAK_KEY: case VOUCH_E_WEAK_ALGORITHM:
    case VOUCH_E_UNSUPPORTED_KEY: case VOUCH_E_UNKNOWN_ISSUER:
        return 1;
    case VOUCH_E_MALFORMED_CERT:
        if (strstr(detail, "serialNumber is negative")) return 1;
        return strict && (strstr(detail, "serialNumber") || strstr(detail, "subjectAltName") ||
                          strstr(detail, "nameConstraints in a certificate that is not a CA") ||
                          strstr(detail, "policyConstraints must be critical") ||
                          strstr(detail, "authorityInfoAccess must not be critical"));
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *tbs, size_t size) {
    if (!ts) init();
    if (size < 2 || size > 60000) return 0;
    uint8_t sig[80];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, cakey) != 1 ||
        EVP_DigestSign(md, sig, &siglen, tbs, size) != 1) abort();
    EVP_MD_CTX_free(md);
    size_t body = size + sizeof ALG + 2 + 1 + siglen; /* BIT STRING of siglen + 1 */
    uint8_t *cert = malloc(body + 16), *p = cert;
    *p++ = 0x30;
    p += put_len(p, body);
    memcpy(p, tbs, size), p += size;
    memcpy(p, ALG, sizeof ALG), p += sizeof ALG;
    *p++ = 0x03;
    p += put_len(p, siglen + 1);
    *p++ = 0;
    memcpy(p, sig, siglen), p += siglen;
    size_t certlen = (size_t)(p - cert);

    for (int strict = 0; strict < 2; strict++) {
        vouch_verification *v = NULL;
        int ours = vouch_verify(ts, VOUCH_PURPOSE_CLIENT_AUTH, strict ? VOUCH_VERIFY_STRICT : 0, NULL, 0, cert, certlen, NULL, 0,
                                FUZZ_AT, &v);
        int theirs = openssl_verify(cert, certlen, strict);
        if (ours == 0 && theirs == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION && !strict && warned_critical_known(v)) {
            vouch_verification_free(v);
            continue;
        }
        if (ours == 0 && theirs != 0) {
            fprintf(stderr, "Vouch (%s) accepted a chain OpenSSL refuses (OpenSSL: %s)\n", strict ? "strict" : "default",
                    theirs < 0 ? "cannot parse" : X509_verify_cert_error_string(theirs));
            abort();
        }
        if (ours != 0 && theirs == 0 && !deliberate(ours, vouch_verification_diag(v)->detail, strict)) {
            fprintf(stderr, "Vouch (%s) refused a chain OpenSSL accepts: %s: %s\n", strict ? "strict" : "default",
                    vouch_status_code(ours), vouch_verification_diag(v)->detail);
            abort();
        }
        vouch_verification_free(v);
    }
    free(cert);
    return 0;
}
