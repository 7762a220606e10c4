/* error.c: strings for vouch_status, and the vouch_diag helpers shared by the core. */
#include "vouch_error.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct { int status; const char *code; const char *text; } entry;

static const entry table[] = {
    {VOUCH_OK, "ok", "ok"},
    {VOUCH_E_NOMEM, "out_of_memory", "out of memory"},
    {VOUCH_E_ARG, "invalid_argument", "invalid argument"},
    {VOUCH_E_EMPTY, "empty_input", "no certificate or CRL found in the input"},
    {VOUCH_E_TOO_LARGE, "input_too_large", "input is larger than allowed"},
    {VOUCH_E_PEM, "malformed_pem", "malformed PEM"},
    {VOUCH_E_DER, "malformed_der", "malformed DER"},
    {VOUCH_E_WRONG_BLOCK, "wrong_pem_block", "unexpected kind of PEM block"},
    {VOUCH_E_UNSUPPORTED_KEY, "unsupported_key", "unsupported public key type"},
    {VOUCH_E_SSH_MALFORMED, "malformed_ssh", "malformed OpenSSH key or certificate"},
    {VOUCH_E_WEAK_KEY, "weak_key", "key too weak"},
    {VOUCH_E_WEAK_ALGORITHM, "weak_algorithm", "signature algorithm not accepted"},
    {VOUCH_E_BAD_SIGNATURE, "bad_signature", "signature does not verify"},
    {VOUCH_E_EXPIRED, "expired", "certificate expired"},
    {VOUCH_E_NOT_YET_VALID, "not_yet_valid", "certificate not yet valid"},
    {VOUCH_E_UNKNOWN_ISSUER, "unknown_issuer", "issuer not trusted"},
    {VOUCH_E_NOT_CA, "issuer_not_ca", "issuer is not a CA"},
    {VOUCH_E_PATH_LENGTH, "path_length_exceeded", "path length constraint exceeded"},
    {VOUCH_E_KEY_USAGE, "key_usage", "key usage does not allow this use"},
    {VOUCH_E_EXT_KEY_USAGE, "extended_key_usage", "extended key usage does not allow client authentication"},
    {VOUCH_E_NAME_CONSTRAINTS, "name_constraints", "name constraints violated"},
    {VOUCH_E_CRITICAL_EXTENSION, "unknown_critical_extension", "unknown critical extension"},
    {VOUCH_E_REVOKED, "revoked", "certificate revoked"},
    {VOUCH_E_CHAIN_TOO_LONG, "chain_too_long", "chain too long"},
    {VOUCH_E_MALFORMED_CERT, "malformed_certificate", "certificate breaks RFC 5280"},
    {VOUCH_E_CRL_ISSUER_UNKNOWN, "crl_issuer_unknown", "CRL issuer not trusted"},
    {VOUCH_E_CRL_SIGNATURE, "crl_bad_signature", "CRL signature does not verify"},
    {VOUCH_E_CRL_UNSUPPORTED, "crl_unsupported", "CRL kind not supported"},
    {VOUCH_E_KEY_ALGORITHM_MISMATCH, "key_algorithm_mismatch", "signature algorithm does not fit the issuer key"},
    {VOUCH_E_JWT_MALFORMED, "malformed_token", "not a well-formed compact JWS"},
    {VOUCH_E_JWT_ALGORITHM, "algorithm_not_allowed", "signature algorithm not allowed"},
    {VOUCH_E_JWT_UNKNOWN_KEY, "unknown_key", "no key to verify this token"},
    {VOUCH_E_JWT_EXPIRED, "token_expired", "token expired"},
    {VOUCH_E_JWT_NOT_YET_VALID, "token_not_yet_valid", "token not yet valid"},
    {VOUCH_E_JWT_ISSUER, "wrong_issuer", "token from another issuer"},
    {VOUCH_E_JWT_AUDIENCE, "wrong_audience", "token for another audience"},
    {VOUCH_E_JWT_CRIT, "unsupported_critical_header", "critical header parameter not understood"},
    {VOUCH_E_JWK_INVALID, "invalid_jwks", "unusable JWK Set"},
    {VOUCH_E_JWT_CLAIMS, "invalid_claims", "claims missing or malformed"},
    {VOUCH_E_INTERNAL, "internal_error", "internal error"},
};

static const entry *find(int status) {
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].status == status) return &table[i];
    return NULL;
}

const char *vouch_strerror(int status) {
    const entry *e = find(status);
    return e ? e->text : "unknown error";
}

const char *vouch_status_code(int status) {
    const entry *e = find(status);
    return e ? e->code : "unknown_error";
}

int vouch_status_is_input_error(int status) {
    return status < 0 && status >= VOUCH_E_SSH_MALFORMED;
}

int vouch_fail(vouch_diag *d, int status, int index, const char *fmt, ...) {
    if (d) {
        d->status = status;
        d->index = index;
        d->detail[0] = 0;
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(d->detail, sizeof d->detail, fmt, ap);
            va_end(ap);
        }
    }
    return status;
}
