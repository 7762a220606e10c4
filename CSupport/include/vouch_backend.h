/* vouch_backend.h: where the fastest vetted implementation of a primitive on this
 * machine is not reachable from C (swift-crypto's BoringSSL P-256, about 20% faster than
 * Debian's OpenSSL 3.0), the Swift layer lends it to the core once, before any key is
 * made. Without it the core uses OpenSSL. Parsing and policy stay in C either way. */
#ifndef VOUCH_BACKEND_H
#define VOUCH_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    /* A key from an uncompressed point (0x04 || X || Y, 65 bytes); NULL if unusable. */
    void *(*key_new)(const uint8_t *point, size_t len);
    /* 1 when sig is key's ECDSA-with-SHA-256 signature of msg (hashed by the backend):
     * raw r || s (64 bytes) when der is 0, an ECDSA-Sig-Value when der is 1. */
    int (*verify)(void *key, const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len, int der);
    void (*key_free)(void *key);
} vouch_p256_backend;

/* Installs the P-256 backend (the struct is copied). Call once, before keys are made;
 * keys made before keep OpenSSL. */
void vouch_p256_backend_install(const vouch_p256_backend *backend);

#ifdef __cplusplus
}
#endif
#endif
