/* vouch_error.h: the one status enum every vouch_* function returns, and its strings.
 * 0 is success; every failure is a negative VOUCH_E_* code. Codes are stable: the
 * Swift layer, the CLI's exit status and (later) HTTP error codes derive from them. */
#ifndef VOUCH_ERROR_H
#define VOUCH_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VOUCH_OK = 0,
    /* unusable input or environment: the caller gave us something we cannot read */
    VOUCH_E_NOMEM = -1,
    VOUCH_E_ARG = -2,              /* a NULL pointer or impossible argument */
    VOUCH_E_EMPTY = -3,            /* no certificate / CRL found in the input */
    VOUCH_E_TOO_LARGE = -4,        /* input over the size limit */
    VOUCH_E_PEM = -5,              /* malformed PEM armour or base64 */
    VOUCH_E_DER = -6,              /* malformed or non-canonical DER */
    VOUCH_E_WRONG_BLOCK = -7,      /* a PEM block of another kind (e.g. a private key) */
    VOUCH_E_UNSUPPORTED_KEY = -8,  /* a public key type we do not verify with */
    VOUCH_E_SSH_MALFORMED = -9,    /* a malformed OpenSSH key, certificate or private key file */
    /* refusals: the input is readable, and our rules say no */
    VOUCH_E_WEAK_KEY = -20,        /* RSA under 2048 bits, explicit EC parameters */
    VOUCH_E_WEAK_ALGORITHM = -21,  /* SHA-1 / MD5 signature, or one we do not accept */
    VOUCH_E_BAD_SIGNATURE = -22,
    VOUCH_E_EXPIRED = -23,
    VOUCH_E_NOT_YET_VALID = -24,
    VOUCH_E_UNKNOWN_ISSUER = -25,
    VOUCH_E_NOT_CA = -26,          /* an issuer without basicConstraints CA:TRUE */
    VOUCH_E_PATH_LENGTH = -27,     /* pathLenConstraint exceeded */
    VOUCH_E_KEY_USAGE = -28,
    VOUCH_E_EXT_KEY_USAGE = -29,
    VOUCH_E_NAME_CONSTRAINTS = -30,
    VOUCH_E_CRITICAL_EXTENSION = -31, /* an unknown extension marked critical */
    VOUCH_E_REVOKED = -32,
    VOUCH_E_CHAIN_TOO_LONG = -33,
    VOUCH_E_MALFORMED_CERT = -34,  /* well-formed DER that breaks RFC 5280's rules */
    VOUCH_E_CRL_ISSUER_UNKNOWN = -35,
    VOUCH_E_CRL_SIGNATURE = -36,
    VOUCH_E_CRL_UNSUPPORTED = -37, /* delta or indirect CRLs, unknown critical CRL extensions */
    VOUCH_E_KEY_ALGORITHM_MISMATCH = -38, /* signature algorithm does not fit the issuer key */
    /* JWT / JWKS */
    VOUCH_E_JWT_MALFORMED = -40,   /* not a compact JWS, bad base64url, bad JSON in header or claims */
    VOUCH_E_JWT_ALGORITHM = -41,   /* alg none, HMAC, unknown, not allowed, or not the key's */
    VOUCH_E_JWT_UNKNOWN_KEY = -42, /* no key in the set for this kid / algorithm */
    VOUCH_E_JWT_EXPIRED = -43,
    VOUCH_E_JWT_NOT_YET_VALID = -44, /* nbf or iat in the future */
    VOUCH_E_JWT_ISSUER = -45,
    VOUCH_E_JWT_AUDIENCE = -46,
    VOUCH_E_JWT_CRIT = -47,        /* a critical header parameter Vouch does not understand */
    VOUCH_E_JWK_INVALID = -48,     /* a JWK Set that cannot be used, with the reason */
    VOUCH_E_JWT_CLAIMS = -49,      /* claims missing or of the wrong type (exp) */
    VOUCH_E_INTERNAL = -99
} vouch_status;

/* A short, stable, human-readable name of a status ("certificate expired"). Static storage. */
const char *vouch_strerror(int status);

/* The stable machine code of a status ("expired", "unknown_issuer"). Static storage. */
const char *vouch_status_code(int status);

/* 1 when the status means the input could not be used at all (exit 2 in the CLI),
 * 0 when it is a refusal by the rules (exit 1) or success. */
int vouch_status_is_input_error(int status);

/* Where a refusal happened, and why, in words a person can act on. Filled by the
 * functions that take a `vouch_diag *` (which may be NULL). */
typedef struct {
    int status;        /* the same value the function returned */
    int index;         /* which certificate: 0 = leaf / first in input; -1 = not about one */
    char detail[320];  /* NUL-terminated sentence; may be empty */
} vouch_diag;

#ifdef __cplusplus
}
#endif
#endif
