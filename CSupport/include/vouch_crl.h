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

/* Loads one CRL (PEM "X509 CRL" block or DER). When `ts` is non-NULL the CRL's issuer
 * must be in it and the signature must verify; when NULL the signature is not checked
 * (for inspection only: vouch_verify refuses such a CRL). The caller frees *out with
 * vouch_crl_free. Delta CRLs, indirect CRLs and unknown critical extensions are
 * refused. */
int vouch_crl_load(const vouch_truststore *ts, const uint8_t *data, size_t len, vouch_crl **out,
                   vouch_diag *diag);
void vouch_crl_free(vouch_crl *crl);

size_t vouch_crl_count(const vouch_crl *crl);          /* distinct serial numbers */
int vouch_crl_signature_checked(const vouch_crl *crl); /* 1 when loaded against a store */
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
