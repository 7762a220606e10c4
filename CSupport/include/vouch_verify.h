/* vouch_verify.h: verification of a presented client certificate chain against a trust
 * store, at a given time, for TLS client authentication, with revocation from CRLs. */
#ifndef VOUCH_VERIFY_H
#define VOUCH_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_crl.h"
#include "vouch_error.h"
#include "vouch_truststore.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_verification vouch_verification;

/* What the leaf is to be used for. Logins verify VOUCH_PURPOSE_CLIENT_AUTH; the server
 * purpose is for operators checking a server chain with the same rules (and for running
 * test suites written for server certificates). Every certificate whose
 * extendedKeyUsage is present must list the purpose's usage. */
typedef enum {
    VOUCH_PURPOSE_CLIENT_AUTH = 0, /* id-kp-clientAuth; leaf keyUsage: digitalSignature or keyAgreement */
    VOUCH_PURPOSE_SERVER_AUTH = 1, /* id-kp-serverAuth; leaf keyUsage: also keyEncipherment */
} vouch_purpose;

/* How rules apply. The rules come in two kinds (the README's "Verification rules"):
 * security rules (signatures, weak keys and hashes, validity, the CA flag, keyCertSign
 * where keyUsage is present, the leaf's key usage, EKU, path length, name constraints,
 * revocation, unknown critical extensions, strict DER) always refuse; RFC 5280 profile
 * rules for issuers that Go's crypto/x509 and OpenSSL's default mode do not enforce
 * (authority/subject key identifiers present, a CA's basicConstraints critical and its
 * keyUsage present, serial numbers positive and short, well-formed SAN names, ...) are
 * warnings kept with the accepted path, and refusals under VOUCH_VERIFY_STRICT. */
typedef enum {
    VOUCH_VERIFY_STRICT = 1u << 0,
} vouch_verify_flags;

/* At most this many warnings are kept with a path; past it, the last one says how many
 * more there were. */
#define VOUCH_MAX_WARNINGS 8

/* Verifies for `purpose` `chain` (the leaf first, then any intermediates: PEM blocks, or DER
 * certificates back to back) plus optional `untrusted` intermediates in the same forms,
 * at Unix time `at`, under `flags` (vouch_verify_flags). With CRLs, the chain passes only
 * along a path none of whose certificates is revoked (every path is tried, as Vault
 * does). A CRL loaded with VOUCH_CRL_DEFER_ISSUER whose issuer is not a trust anchor is
 * checked here against the issuer certificate the path presents; when that check fails
 * it revokes nothing, and the accepted path carries a warning saying so.
 * Returns 0 when accepted, else the refusal or input error. *out (always set unless
 * the return is VOUCH_E_NOMEM or VOUCH_E_ARG) holds the path or the reason; the caller
 * frees it with vouch_verification_free. */
int vouch_verify(const vouch_truststore *ts, vouch_purpose purpose, unsigned flags, const vouch_crl *const *crls,
                 size_t ncrls, const uint8_t *chain, size_t chain_len, const uint8_t *untrusted, size_t untrusted_len,
                 int64_t at, vouch_verification **out);
void vouch_verification_free(vouch_verification *v);

int vouch_verification_status(const vouch_verification *v);
/* Borrowed: the refusal's diagnostics (status, certificate index in the path or in the
 * input, and a sentence). */
const vouch_diag *vouch_verification_diag(const vouch_verification *v);
/* The accepted path's warnings: profile rules it breaks (without VOUCH_VERIFY_STRICT) and
 * CRLs that could not be checked. Borrowed; index 0..count-1. */
size_t vouch_verification_warning_count(const vouch_verification *v);
const vouch_diag *vouch_verification_warning(const vouch_verification *v, size_t i);
/* Number of certificates in the accepted path (leaf first, anchor last); 0 if refused. */
size_t vouch_verification_path_length(const vouch_verification *v);
/* Borrowed DER of path certificate i; *is_anchor is 1 for the trust store's anchor. */
int vouch_verification_path_cert(const vouch_verification *v, size_t i, const uint8_t **der, size_t *len,
                                 int *is_anchor);

/* A certificate described for people (CLI output, audit logs). */
typedef struct {
    char subject[512];
    char issuer[512];
    char serial_hex[64];
    int64_t not_before, not_after;
    char key[32];      /* "RSA-2048", "ECDSA P-256", "Ed25519" */
    char sig_alg[48];
    int is_ca;
} vouch_cert_summary;

/* Describes one DER certificate. 0, or VOUCH_E_DER. */
int vouch_cert_summarize(const uint8_t *der, size_t len, vouch_cert_summary *out);

#ifdef __cplusplus
}
#endif
#endif
