/* vouch_jwt.h: JWT logins' hot operation: a compact JWS verified against a cached JWK
 * Set, and its claims checked (exp, nbf, iat with leeway; iss; aud). RS256/384/512,
 * PS256/384/512, ES256/384/512 (raw r||s) and EdDSA (Ed25519); `none` and HMAC are
 * never accepted. A key set is immutable once built and shared by all threads. */
#ifndef VOUCH_JWT_H
#define VOUCH_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Algorithms, as bits of an allowed set. */
enum {
    VOUCH_JWA_RS256 = 1 << 0, VOUCH_JWA_RS384 = 1 << 1, VOUCH_JWA_RS512 = 1 << 2,
    VOUCH_JWA_PS256 = 1 << 3, VOUCH_JWA_PS384 = 1 << 4, VOUCH_JWA_PS512 = 1 << 5,
    VOUCH_JWA_ES256 = 1 << 6, VOUCH_JWA_ES384 = 1 << 7, VOUCH_JWA_ES512 = 1 << 8,
    VOUCH_JWA_EDDSA = 1 << 9,
    VOUCH_JWA_ALL = (1 << 10) - 1
};
/* The bit of an algorithm name ("RS256"), 0 for names Vouch does not verify with. */
unsigned vouch_jwa_from_name(const char *name);

#define VOUCH_JWT_MAX_TOKEN 16384u   /* bytes of a compact JWS */
#define VOUCH_JWT_MAX_DEPTH 10u      /* nesting of the claims */
#define VOUCH_JWT_MAX_MEMBERS 256u   /* members of the claims object */

typedef struct vouch_jwks vouch_jwks;

/* Builds a key set from a JWK Set ({"keys": [...]}) or a single JWK, plus (optional)
 * PEM public keys ("PUBLIC KEY" blocks: Vault's jwt_validation_pubkeys), which get no
 * kid and fit any algorithm of their type. RSA keys need 2048 bits or more; EC points
 * must be on their curve; keys with use "enc" (and a SPIFFE
 * bundle's "x509-svid" authorities) are left out, "jwt-svid" keys verify; "oct" keys, unknown key
 * types and curves, and duplicate members refuse the whole set with the reason.
 * The caller frees *out with vouch_jwks_free. */
int vouch_jwks_new(const uint8_t *json, size_t json_len, const uint8_t *pem, size_t pem_len, vouch_jwks **out,
                   vouch_diag *diag);
void vouch_jwks_free(vouch_jwks *ks);
size_t vouch_jwks_count(const vouch_jwks *ks);

/* The signature layer of vouch_jwt_verify on its own: `sig` (as JWS carries it) over
 * `msg` with alg `alg` and any key of the set that fits it (kid ignored). For test
 * vectors that are not tokens; 0, VOUCH_E_BAD_SIGNATURE, VOUCH_E_JWT_ALGORITHM. */
int vouch_jwks_verify_signature(const vouch_jwks *ks, const char *alg, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                                size_t sig_len);

typedef struct {
    const char *issuer;               /* exact match required when non-NULL */
    const char *const *audiences;     /* when naudiences > 0: aud must name one of them */
    size_t naudiences;
    int64_t now;                      /* Unix seconds */
    int64_t exp_leeway, nbf_leeway;   /* seconds (Vault's defaults: 150, 150) */
    unsigned algorithms;              /* VOUCH_JWA_* bits allowed; 0 means all */
    int require_exp;                  /* a token without exp is refused (logins: 1) */
} vouch_jwt_policy;

typedef struct vouch_jwt vouch_jwt;

/* Verifies `token` (compact JWS) against `ks` and checks its claims under `policy`.
 * Returns 0 or a VOUCH_E_* code; *out (always set unless VOUCH_E_NOMEM / VOUCH_E_ARG)
 * carries the claims on success and the reason in any case; free with vouch_jwt_free.
 * With policy NULL only the signature is checked and the payload need not be JSON
 * (test vectors); logins always pass a policy. */
int vouch_jwt_verify(const vouch_jwks *ks, const char *token, size_t len, const vouch_jwt_policy *policy, vouch_jwt **out);
void vouch_jwt_free(vouch_jwt *t);
const vouch_diag *vouch_jwt_diag(const vouch_jwt *t);
/* Borrowed, valid while t lives: the verified claims (NULL without a policy), header. */
const json_t *vouch_jwt_claims(const vouch_jwt *t);
const json_t *vouch_jwt_header(const vouch_jwt *t);
/* Borrowed: the verified payload bytes. */
const uint8_t *vouch_jwt_payload(const vouch_jwt *t, size_t *len);

/* Decodes a compact JWS's header and payload without verifying anything (for the
 * operator's `vouch jwt inspect`). *header and *payload are new references or NULL when
 * that part is not JSON. 0 or VOUCH_E_JWT_MALFORMED. */
int vouch_jwt_inspect(const char *token, size_t len, json_t **header, json_t **payload, vouch_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
