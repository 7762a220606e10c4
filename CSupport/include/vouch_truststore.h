/* vouch_truststore.h: an immutable set of trust anchors built once from a PEM bundle.
 * Every certificate in the bundle is a trust anchor (as in Vault and Go): a path ends
 * at the first bundle certificate it reaches, and a presented leaf that is itself in
 * the bundle (Vault's "self-signed certificate" case) is trusted as it is.
 * A store is safe to share between threads: verification takes no locks. */
#ifndef VOUCH_TRUSTSTORE_H
#define VOUCH_TRUSTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_truststore vouch_truststore;

/* Builds a store from one or more PEM CERTIFICATE blocks (or one DER certificate).
 * On success *out is a new store the caller frees with vouch_truststore_free.
 * Fails (and names the certificate, by position, in diag) on an empty bundle, broken
 * PEM/DER, non-certificate blocks, unsupported or weak CA keys. */
int vouch_truststore_new(const uint8_t *data, size_t len, vouch_truststore **out, vouch_diag *diag);
void vouch_truststore_free(vouch_truststore *ts);

size_t vouch_truststore_count(const vouch_truststore *ts);
/* Borrowed view of anchor i's DER, valid while the store lives. */
int vouch_truststore_cert(const vouch_truststore *ts, size_t i, const uint8_t **der, size_t *len);
/* How many CA-to-CA links the verified-link cache holds (for tests and metrics). */
size_t vouch_truststore_cached_links(const vouch_truststore *ts);

#ifdef __cplusplus
}
#endif
#endif
