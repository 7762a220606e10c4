/* vouch_crl.h: certificate revocation lists. A CRL is read by a streaming DER walker:
 * its signature is checked against its issuer in a trust store over the TBS bytes, and
 * its serial numbers go straight into a compact revocation set (open addressing,
 * SipHash with a random key per set), without one object per revoked entry.
 * A loaded CRL is immutable and safe to share between threads. */
#ifndef VOUCH_CRL_H
#define VOUCH_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"
#include "vouch_truststore.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_crl vouch_crl;

typedef enum {
    /* A CRL that no anchor of `ts` signed (or any CRL, when ts is NULL) loads as deferred:
     * vouch_verify checks its signature against the key of the issuer certificate a
     * verified path presents (an intermediate), and until it verifies it revokes nothing. */
    VOUCH_CRL_DEFER_ISSUER = 1u << 0,
} vouch_crl_flags;

/* Loads one CRL (PEM "X509 CRL" block or DER). When `ts` is non-NULL and holds an anchor
 * with the CRL's issuer name, the signature must verify under it (and its keyUsage, if
 * present, allow cRLSign). An issuer `ts` does not hold is refused; with
 * VOUCH_CRL_DEFER_ISSUER, a CRL no anchor of its issuer's name signed is deferred instead
 * (its issuer may be an intermediate that shares the name). When `ts` is NULL without that flag, the signature is not
 * checked (for inspection only: vouch_verify refuses such a CRL). SHA-1 and unknown
 * signature algorithms, delta CRLs, indirect CRLs and unknown critical extensions are
 * refused. The caller frees *out with vouch_crl_free. */
int vouch_crl_load(const vouch_truststore *ts, unsigned flags, const uint8_t *data, size_t len, vouch_crl **out,
                   vouch_diag *diag);
void vouch_crl_free(vouch_crl *crl);

size_t vouch_crl_count(const vouch_crl *crl);          /* distinct serial numbers */
int vouch_crl_signature_checked(const vouch_crl *crl); /* 1 when verified against a store at load */
int vouch_crl_is_deferred(const vouch_crl *crl);       /* 1 when its check waits for a presented issuer */
/* How many distinct issuer certificates a deferred CRL has verified under so far. */
size_t vouch_crl_verified_issuers(const vouch_crl *crl);
int64_t vouch_crl_this_update(const vouch_crl *crl);   /* Unix seconds */
int64_t vouch_crl_next_update(const vouch_crl *crl);   /* Unix seconds; 0 when absent */
size_t vouch_crl_memory(const vouch_crl *crl);         /* bytes held by the revocation set */
/* The issuer name as "CN=...,O=..." into buf (NUL-terminated, truncated to cap). */
void vouch_crl_issuer(const vouch_crl *crl, char *buf, size_t cap);
/* Iterates the revoked serial numbers (DER INTEGER content bytes, borrowed from the
 * CRL) in the order the CRL lists them: start with *cursor = 0; returns 1 and fills
 * serial/len for each, then 0. */
int vouch_crl_next_serial(const vouch_crl *crl, size_t *cursor, const uint8_t **serial, size_t *len);
/* 1 when `serial` (a DER INTEGER's content bytes) is revoked by this CRL, else 0. */
int vouch_crl_contains(const vouch_crl *crl, const uint8_t *serial, size_t len);

#ifdef __cplusplus
}
#endif
#endif
