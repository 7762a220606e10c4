/* spki.c: SubjectPublicKeyInfo DER built from a key's parts (JWKs, OpenSSH keys), so
 * that every public key, whatever its source, becomes a vpubkey the same way. */
#include "internal.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>


int vbuf_put(vbuf *b, const void *d, size_t n) {
    if (n == 0) return 0;
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2 + 64;
        uint8_t *q;
        if (b->secret) {
            if (!(q = malloc(cap))) return VOUCH_E_NOMEM;
            if (b->n) memcpy(q, b->p, b->n);
            if (b->p) sodium_memzero(b->p, b->cap);
            free(b->p);
        } else if (!(q = realloc(b->p, cap))) {
            return VOUCH_E_NOMEM;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    return 0;
}

/* Appends tag, length, content. */
int vbuf_tlv(vbuf *b, uint8_t tag, const uint8_t *c, size_t n) {
    uint8_t h[6];
    size_t hl = 0;
    h[hl++] = tag;
    if (n < 0x80) h[hl++] = (uint8_t)n;
    else if (n < 0x100) h[hl++] = 0x81, h[hl++] = (uint8_t)n;
    else if (n < 0x10000) h[hl++] = 0x82, h[hl++] = (uint8_t)(n >> 8), h[hl++] = (uint8_t)n;
    else return VOUCH_E_JWK_INVALID;
    int rc = vbuf_put(b, h, hl);
    return rc ? rc : vbuf_put(b, c, n);
}

/* An unsigned big-endian integer as a DER INTEGER (leading zeros dropped, sign byte added). */
static int dint(vbuf *b, const uint8_t *v, size_t n) {
    while (n > 1 && v[0] == 0) v++, n--;
    if (n && (v[0] & 0x80)) {
        uint8_t *t = malloc(n + 1);
        if (!t) return VOUCH_E_NOMEM;
        t[0] = 0;
        memcpy(t + 1, v, n);
        int rc = vbuf_tlv(b, 0x02, t, n + 1);
        free(t);
        return rc;
    }
    return vbuf_tlv(b, 0x02, v, n);
}

static const uint8_t ALG_RSA[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
static const uint8_t ALG_EC[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t CURVE_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t CURVE_P384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t CURVE_P521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t ALG_ED25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

/* SEQUENCE { SEQUENCE { algorithm }, BIT STRING { 0, key } } */
static int spki(vbuf *out, const uint8_t *alg, size_t alglen, const uint8_t *key, size_t keylen) {
    vbuf a = {0}, bits = {0}, body = {0};
    int rc = vbuf_tlv(&a, 0x30, alg, alglen);
    uint8_t zero = 0;
    if (!rc) rc = vbuf_put(&bits, &zero, 1);
    if (!rc) rc = vbuf_put(&bits, key, keylen);
    if (!rc) rc = vbuf_put(&body, a.p, a.n);
    if (!rc) rc = vbuf_tlv(&body, 0x03, bits.p, bits.n);
    if (!rc) rc = vbuf_tlv(out, 0x30, body.p, body.n);
    free(a.p), free(bits.p), free(body.p);
    return rc;
}


int vspki_from_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen, vbuf *out) {
    vbuf seq = {0}, body = {0};
    int rc = dint(&body, n, nlen);
    if (!rc) rc = dint(&body, e, elen);
    if (!rc) rc = vbuf_tlv(&seq, 0x30, body.p, body.n);
    if (!rc) rc = spki(out, ALG_RSA, sizeof ALG_RSA, seq.p, seq.n);
    free(seq.p), free(body.p);
    return rc;
}

int vspki_from_ec(vkey_type curve, const uint8_t *point, size_t len, vbuf *out) {
    const uint8_t *c = curve == VKEY_P256 ? CURVE_P256 : curve == VKEY_P384 ? CURVE_P384 : curve == VKEY_P521 ? CURVE_P521 : NULL;
    size_t clen = curve == VKEY_P256 ? sizeof CURVE_P256 : sizeof CURVE_P384;
    if (!c) return VOUCH_E_ARG;
    uint8_t alg[sizeof ALG_EC + 10];
    memcpy(alg, ALG_EC, sizeof ALG_EC);
    memcpy(alg + sizeof ALG_EC, c, clen);
    return spki(out, alg, sizeof ALG_EC + clen, point, len);
}

int vspki_from_ed25519(const uint8_t pk[32], vbuf *out) { return spki(out, ALG_ED25519, sizeof ALG_ED25519, pk, 32); }
