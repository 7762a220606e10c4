/* vouch_base64.h: base64 (RFC 4648 section 4 and 5), the one codec Vouch uses: the
 * standard alphabet with padding (PEM, OpenSSH key lines) and the URL-safe alphabet without
 * padding (JWS, JWKs, Vouch's tokens). Decoding is strict: only the alphabet, padding only
 * where the variant has it, no whitespace, zero trailing bits (one text per byte string). */
#ifndef VOUCH_BASE64_H
#define VOUCH_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    VOUCH_BASE64_STANDARD = 0,          /* A-Z a-z 0-9 + /, padded with = */
    VOUCH_BASE64_URL = 1,               /* A-Z a-z 0-9 - _, no padding */
    VOUCH_BASE64_STANDARD_UNPADDED = 2, /* encoding only: OpenSSH's SHA256 fingerprints */
};

/* Bytes needed for the encoding of n bytes, including a terminating NUL. */
size_t vouch_base64_encoded_len(size_t n, int variant);
/* At most this many bytes come out of decoding n characters. */
static inline size_t vouch_base64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

/* Encodes n bytes into out (capacity cap >= vouch_base64_encoded_len), NUL-terminated;
 * *outlen is the text's length without the NUL. 0, VOUCH_E_ARG or VOUCH_E_TOO_LARGE. */
int vouch_base64_encode(const uint8_t *in, size_t n, int variant, char *out, size_t cap, size_t *outlen);
/* Decodes n characters into out (capacity cap >= vouch_base64_decoded_max(n)). 0, or
 * VOUCH_E_PEM when the text is not canonical base64 of the variant (VOUCH_E_ARG,
 * VOUCH_E_TOO_LARGE, VOUCH_E_NOMEM for the caller's mistakes). */
int vouch_base64_decode(const char *in, size_t n, int variant, uint8_t *out, size_t cap, size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif
