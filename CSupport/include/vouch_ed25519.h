/* vouch_ed25519.h: Ed25519 signatures through libsodium (access tokens; SSH CA keys).
 * A secret key is libsodium's 64 bytes: the 32-byte seed, then the public key. */
#ifndef VOUCH_ED25519_H
#define VOUCH_ED25519_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_ED25519_PUBLICKEYBYTES 32u
#define VOUCH_ED25519_SECRETKEYBYTES 64u
#define VOUCH_ED25519_SEEDBYTES 32u
#define VOUCH_ED25519_SIGBYTES 64u

/* A new key pair from the operating system's random source. 0. */
int vouch_ed25519_keypair(uint8_t pk[VOUCH_ED25519_PUBLICKEYBYTES], uint8_t sk[VOUCH_ED25519_SECRETKEYBYTES]);
/* The key pair of a 32-byte seed. 0. */
int vouch_ed25519_from_seed(const uint8_t seed[VOUCH_ED25519_SEEDBYTES], uint8_t pk[VOUCH_ED25519_PUBLICKEYBYTES],
                            uint8_t sk[VOUCH_ED25519_SECRETKEYBYTES]);
/* A detached signature of msg. 0. */
int vouch_ed25519_sign(const uint8_t sk[VOUCH_ED25519_SECRETKEYBYTES], const uint8_t *msg, size_t len,
                       uint8_t sig[VOUCH_ED25519_SIGBYTES]);
/* 0 when sig is pk's signature of msg, else VOUCH_E_BAD_SIGNATURE (libsodium refuses
 * non-canonical signatures and small-order keys). */
int vouch_ed25519_verify(const uint8_t pk[VOUCH_ED25519_PUBLICKEYBYTES], const uint8_t *msg, size_t len,
                         const uint8_t sig[VOUCH_ED25519_SIGBYTES]);

#ifdef __cplusplus
}
#endif
#endif
