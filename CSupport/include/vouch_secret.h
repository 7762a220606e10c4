/* vouch_secret.h: secrets at rest and in comparison: random bytes, constant-time
 * equality, SHA-256 of tokens, and sealing under a master key with
 * XChaCha20-Poly1305 (libsodium). Nothing here allocates. */
#ifndef VOUCH_SECRET_H
#define VOUCH_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_SEAL_KEYBYTES 32u
#define VOUCH_SEAL_OVERHEAD 40u /* a random 24-byte nonce before, a 16-byte tag after */
#define VOUCH_SHA256_BYTES 32u

/* Fills out with len bytes from the operating system's random source. 0. */
int vouch_random(uint8_t *out, size_t len);

/* 1 when the len bytes at a and b are equal, else 0, in time that depends on len only. */
int vouch_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* SHA-256 of in. 0. */
int vouch_sha256(const uint8_t *in, size_t len, uint8_t out[VOUCH_SHA256_BYTES]);

/* Seals msg under key, binding `ad` (associated data, such as what the secret is).
 * out must hold len + VOUCH_SEAL_OVERHEAD bytes. 0, or VOUCH_E_ARG. */
int vouch_seal(const uint8_t key[VOUCH_SEAL_KEYBYTES], const uint8_t *ad, size_t adlen, const uint8_t *msg, size_t len,
               uint8_t *out);

/* Opens what vouch_seal made under the same key and ad. out must hold
 * len - VOUCH_SEAL_OVERHEAD bytes. 0, VOUCH_E_BAD_SIGNATURE when the key, ad or bytes
 * differ, or VOUCH_E_ARG when len is too short. */
int vouch_open(const uint8_t key[VOUCH_SEAL_KEYBYTES], const uint8_t *ad, size_t adlen, const uint8_t *sealed, size_t len,
               uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif
