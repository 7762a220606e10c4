/* secret.c: random bytes, constant-time equality, SHA-256 and sealing (libsodium). */
#include "internal.h"
#include "vouch_secret.h"

#include <sodium.h>

int vouch_random(uint8_t *out, size_t len) {
    vouch_ensure_init();
    randombytes_buf(out, len);
    return 0;
}

int vouch_equal(const uint8_t *a, const uint8_t *b, size_t len) {
    vouch_ensure_init();
    return len == 0 || sodium_memcmp(a, b, len) == 0;
}

int vouch_sha256(const uint8_t *in, size_t len, uint8_t out[VOUCH_SHA256_BYTES]) {
    vouch_ensure_init();
    crypto_hash_sha256(out, in, len);
    return 0;
}

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

int vouch_seal(const uint8_t key[VOUCH_SEAL_KEYBYTES], const uint8_t *ad, size_t adlen, const uint8_t *msg, size_t len,
               uint8_t *out) {
    if (!key || !out || (!msg && len) || (!ad && adlen)) return VOUCH_E_ARG;
    vouch_ensure_init();
    randombytes_buf(out, NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE, &clen, msg, len, ad, adlen, NULL, out, key);
    return 0;
}

int vouch_open(const uint8_t key[VOUCH_SEAL_KEYBYTES], const uint8_t *ad, size_t adlen, const uint8_t *sealed, size_t len,
               uint8_t *out) {
    if (!key || !sealed || len < VOUCH_SEAL_OVERHEAD || (!ad && adlen)) return VOUCH_E_ARG;
    vouch_ensure_init();
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, sealed + NONCE, len - NONCE, ad, adlen, sealed, key))
        return VOUCH_E_BAD_SIGNATURE;
    return 0;
}
