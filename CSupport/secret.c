/* secret.c: random bytes, constant-time equality, SHA-256 and sealing (libsodium). */
#include "internal.h"
#include "vouch_secret.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/mman.h>

int vouch_random(uint8_t *out, size_t len) {
    vouch_ensure_init();
    randombytes_buf(out, len);
    return 0;
}

/* Per-thread buffer of random bytes for small unpredictable values (certificate nonces):
 * one getrandom() per ~4 KB instead of one per value. The page is MADV_WIPEONFORK, so a
 * forked child finds it zeroed (empty) and never repeats its parent's bytes; bytes are
 * wiped as they are handed out. Without MADV_WIPEONFORK every call asks libsodium. */
#define RB_PAGE 4096
typedef struct {
    uint32_t used, fill;
    uint8_t bytes[RB_PAGE - 8];
} random_page;

static __thread random_page *tl_page;
static __thread int tl_unbuffered;
static pthread_key_t page_key;
static pthread_once_t page_once = PTHREAD_ONCE_INIT;

static void page_release(void *p) {
    tl_page = NULL; /* a later destructor drawing a nonce maps a fresh page */
    munmap(p, RB_PAGE);
}
static void page_key_init(void) { (void)pthread_key_create(&page_key, page_release); }

void vouch_random_small(uint8_t *out, size_t len) {
    vouch_ensure_init();
    random_page *b = tl_page;
    if (!b && !tl_unbuffered && len <= 256) {
        pthread_once(&page_once, page_key_init);
        void *p = mmap(NULL, RB_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED && madvise(p, RB_PAGE, MADV_WIPEONFORK) == 0 && pthread_setspecific(page_key, p) == 0) {
            tl_page = b = p;
        } else {
            if (p != MAP_FAILED) munmap(p, RB_PAGE);
            tl_unbuffered = 1;
        }
    }
    if (!b || len > 256) {
        randombytes_buf(out, len);
        return;
    }
    if (b->fill - b->used < len || b->fill > sizeof b->bytes) {
        randombytes_buf(b->bytes, sizeof b->bytes);
        b->fill = sizeof b->bytes;
        b->used = 0;
    }
    memcpy(out, b->bytes + b->used, len);
    sodium_memzero(b->bytes + b->used, len);
    b->used += (uint32_t)len;
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
