/* ed25519.c: Ed25519 through libsodium, which signs and verifies faster than OpenSSL 3.0. */
#include "internal.h"
#include "vouch_ed25519.h"

#include <sodium.h>

int vouch_ed25519_keypair(uint8_t pk[VOUCH_ED25519_PUBLICKEYBYTES], uint8_t sk[VOUCH_ED25519_SECRETKEYBYTES]) {
    vouch_ensure_init();
    return crypto_sign_keypair(pk, sk) ? VOUCH_E_INTERNAL : 0;
}

int vouch_ed25519_from_seed(const uint8_t seed[VOUCH_ED25519_SEEDBYTES], uint8_t pk[VOUCH_ED25519_PUBLICKEYBYTES],
                            uint8_t sk[VOUCH_ED25519_SECRETKEYBYTES]) {
    vouch_ensure_init();
    return crypto_sign_seed_keypair(pk, sk, seed) ? VOUCH_E_INTERNAL : 0;
}

int vouch_ed25519_sign(const uint8_t sk[VOUCH_ED25519_SECRETKEYBYTES], const uint8_t *msg, size_t len,
                       uint8_t sig[VOUCH_ED25519_SIGBYTES]) {
    if (!sk || !sig || (!msg && len)) return VOUCH_E_ARG;
    vouch_ensure_init();
    return crypto_sign_detached(sig, NULL, msg, len, sk) ? VOUCH_E_INTERNAL : 0;
}

int vouch_ed25519_verify(const uint8_t pk[VOUCH_ED25519_PUBLICKEYBYTES], const uint8_t *msg, size_t len,
                         const uint8_t sig[VOUCH_ED25519_SIGBYTES]) {
    if (!pk || !sig || (!msg && len)) return VOUCH_E_ARG;
    vouch_ensure_init();
    return crypto_sign_verify_detached(sig, msg, len, pk) ? VOUCH_E_BAD_SIGNATURE : 0;
}
