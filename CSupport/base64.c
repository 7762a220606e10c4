/* base64.c: the core's one base64 (RFC 4648), for every caller in C and, through
 * vouch_base64.h, in Swift. Decoding is strict and table-driven: the standard alphabet
 * (PEM bodies: padded, CR/LF skipped) and the URL-safe one (JWS, JWK members, Vouch's own
 * tokens and keys: no padding, no whitespace), both refusing non-canonical trailing bits.
 * Encoding is libsodium's sodium_bin2base64. */
#include "internal.h"
#include "vouch_base64.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* 0..63 for the alphabet, 64 for CR/LF (skipped), 65 for '=', 255 for anything else. */
static const uint8_t B64[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  64, 255, 255,  64, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255, 255, 255,  63,
     52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255, 255,  65, 255, 255,
    255,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
     15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255, 255,
    255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
     41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

int vb64_decode(vspan text, uint8_t *out, size_t cap, size_t *outlen) {
    const uint8_t *p = text.p, *end = text.p + text.n;
    size_t o = 0;
    uint32_t acc = 0;
    int nacc = 0, pad = 0;
    while (p < end) {
        /* fast path: four alphabet characters in a row */
        if (end - p >= 4 && nacc == 0 && !pad) {
            uint8_t a = B64[p[0]], b = B64[p[1]], c = B64[p[2]], d = B64[p[3]];
            if ((a | b | c | d) < 64) {
                if (o + 3 > cap) return VOUCH_E_PEM;
                uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
                out[o] = (uint8_t)(v >> 16);
                out[o + 1] = (uint8_t)(v >> 8);
                out[o + 2] = (uint8_t)v;
                o += 3;
                p += 4;
                continue;
            }
        }
        uint8_t v = B64[*p++];
        if (v == 64) continue;
        if (v == 255) return VOUCH_E_PEM;
        if (v == 65) { /* '=' may only end the final quantum */
            if (nacc < 2) return VOUCH_E_PEM;
            pad++;
            if (nacc + pad == 4) {
                if (nacc == 2) {
                    if (acc & 0xf) return VOUCH_E_PEM; /* non-canonical trailing bits */
                    if (o + 1 > cap) return VOUCH_E_PEM;
                    out[o++] = (uint8_t)(acc >> 4);
                } else {
                    if (acc & 0x3) return VOUCH_E_PEM;
                    if (o + 2 > cap) return VOUCH_E_PEM;
                    out[o++] = (uint8_t)(acc >> 10);
                    out[o++] = (uint8_t)(acc >> 2);
                }
                nacc = 0;
                acc = 0;
            }
            continue;
        }
        if (pad) return VOUCH_E_PEM; /* data after padding */
        acc = acc << 6 | v;
        if (++nacc == 4) {
            if (o + 3 > cap) return VOUCH_E_PEM;
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            nacc = 0;
            acc = 0;
        }
    }
    if (nacc != 0) return VOUCH_E_PEM; /* PEM base64 is always padded to whole quanta */
    /* a padded final quantum followed by more text was refused above; padding must end it */
    *outlen = o;
    return 0;
}


/* 0..63 for the URL-safe alphabet, 64 for anything else */
static const uint8_t B64URL[256] = {
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    64, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 63,
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64};

int vb64url_decode_alloc(const char *s, size_t n, uint8_t **out, size_t *outlen) {
    *out = NULL;
    if (n % 4 == 1) return VOUCH_E_JWT_MALFORMED;
    uint8_t *o = malloc(n / 4 * 3 + 3);
    if (!o) return VOUCH_E_NOMEM;
    const uint8_t *p = (const uint8_t *)s;
    size_t k = 0, i = 0;
    for (; i + 4 <= n; i += 4) { /* whole quanta: four characters, three bytes */
        uint32_t a = B64URL[p[i]], b = B64URL[p[i + 1]], c = B64URL[p[i + 2]], d = B64URL[p[i + 3]];
        if ((a | b | c | d) & 64) { free(o); return VOUCH_E_JWT_MALFORMED; }
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        o[k++] = (uint8_t)(v >> 16), o[k++] = (uint8_t)(v >> 8), o[k++] = (uint8_t)v;
    }
    uint32_t acc = 0;
    int bits = 0;
    for (; i < n; i++) {
        uint32_t v = B64URL[p[i]];
        if (v & 64) { free(o); return VOUCH_E_JWT_MALFORMED; }
        acc = acc << 6 | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (uint8_t)(acc >> bits);
        }
    }
    if (acc & ((1u << bits) - 1)) { free(o); return VOUCH_E_JWT_MALFORMED; } /* non-canonical trailing bits */
    *out = o;
    *outlen = k;
    return 0;
}


static int sodium_variant(int variant) {
    switch (variant) {
    case VOUCH_BASE64_STANDARD: return sodium_base64_VARIANT_ORIGINAL;
    case VOUCH_BASE64_URL: return sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    case VOUCH_BASE64_STANDARD_UNPADDED: return sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    default: return -1;
    }
}

size_t vouch_base64_encoded_len(size_t n, int variant) {
    int v = sodium_variant(variant);
    return v < 0 ? 0 : sodium_base64_encoded_len(n, v);
}

int vouch_base64_encode(const uint8_t *in, size_t n, int variant, char *out, size_t cap, size_t *outlen) {
    int v = sodium_variant(variant);
    if (v < 0 || (!in && n) || !out || !outlen) return VOUCH_E_ARG;
    size_t need = sodium_base64_encoded_len(n, v); /* with the terminating NUL */
    if (cap < need) return VOUCH_E_TOO_LARGE;
    vouch_ensure_init();
    sodium_bin2base64(out, cap, in ? in : (const uint8_t *)"", n, v);
    *outlen = need - 1;
    return 0;
}

int vb64_encode_alloc(const uint8_t *in, size_t n, int variant, char **out, size_t *outlen) {
    size_t cap = vouch_base64_encoded_len(n, variant), len = 0;
    *out = cap ? malloc(cap) : NULL;
    if (!*out) return cap ? VOUCH_E_NOMEM : VOUCH_E_ARG;
    int rc = vouch_base64_encode(in, n, variant, *out, cap, &len);
    if (rc) { free(*out); *out = NULL; return rc; }
    if (outlen) *outlen = len;
    return 0;
}

int vouch_base64_decode(const char *in, size_t n, int variant, uint8_t *out, size_t cap, size_t *outlen) {
    if ((variant != VOUCH_BASE64_STANDARD && variant != VOUCH_BASE64_URL) || (!in && n) || !out || !outlen) return VOUCH_E_ARG;
    if (cap < vouch_base64_decoded_max(n)) return VOUCH_E_TOO_LARGE;
    if (variant == VOUCH_BASE64_STANDARD) {
        /* the strict PEM decoder, minus its line breaks: a value is one line */
        if (memchr(in, '\n', n) || memchr(in, '\r', n)) return VOUCH_E_PEM;
        return vb64_decode((vspan){(const uint8_t *)in, n}, out, cap, outlen);
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = vb64url_decode_alloc(in, n, &buf, &len);
    if (rc) return rc == VOUCH_E_NOMEM ? rc : VOUCH_E_PEM;
    memcpy(out, buf, len);
    *outlen = len;
    sodium_memzero(buf, len); /* decoded bytes may be a secret */
    free(buf);
    return 0;
}
