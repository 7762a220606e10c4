/* sig.c: signature algorithms and public keys. Keys are parsed once (OpenSSL for RSA
 * and ECDSA, raw bytes for Ed25519 through libsodium) and keep a small lock-free pool
 * of ready verification contexts, because OpenSSL 3's EVP_PKEY_verify_init costs about
 * as much as a third of an RSA-2048 verification. */
#include "internal.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_P384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_P521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
/* 1.2.840.113549.1.1.x */
static const uint8_t OID_PKCS1_PREFIX[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};
/* 1.2.840.10045.4.x */
static const uint8_t OID_ECDSA_PREFIX[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04};
static const uint8_t OID_DSA_SHA1[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03};

static pthread_once_t once = PTHREAD_ONCE_INIT;
/* Curve groups for point checks: built once, read-only afterwards, shared by threads. */
static EC_GROUP *groups[3];
static void init_once(void) {
    if (sodium_init() < 0) abort(); /* no secure randomness: nothing here can work */
    static const int nids[3] = {NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1};
    for (int i = 0; i < 3; i++)
        if (!(groups[i] = EC_GROUP_new_by_curve_name(nids[i]))) abort();
}
void vouch_ensure_init(void) { pthread_once(&once, init_once); }

vsig_alg vsig_from_algid(vspan algid) {
    der_reader r = der_of(algid);
    vspan oid, params = {0};
    int ptag = -1;
    if (der_expect(&r, DER_OID, &oid, NULL)) return VSIG_UNKNOWN;
    if (!der_done(&r)) {
        if (der_next(&r, &ptag, &params, NULL) || !der_done(&r)) return VSIG_UNKNOWN;
    }
    if (oid.n == sizeof OID_PKCS1_PREFIX + 1 && !memcmp(oid.p, OID_PKCS1_PREFIX, sizeof OID_PKCS1_PREFIX)) {
        /* RFC 4055: parameters NULL, and absent must be accepted too */
        bool pok = ptag == -1 || (ptag == DER_NULL && params.n == 0);
        switch (oid.p[oid.n - 1]) {
        case 0x0b: return pok ? VSIG_RSA_SHA256 : VSIG_UNKNOWN;
        case 0x0c: return pok ? VSIG_RSA_SHA384 : VSIG_UNKNOWN;
        case 0x0d: return pok ? VSIG_RSA_SHA512 : VSIG_UNKNOWN;
        case 0x02: case 0x04: case 0x05: return VSIG_WEAK; /* MD2, MD5, SHA-1 */
        default: return VSIG_UNKNOWN;
        }
    }
    if (oid.n >= sizeof OID_ECDSA_PREFIX + 1 && !memcmp(oid.p, OID_ECDSA_PREFIX, sizeof OID_ECDSA_PREFIX)) {
        const uint8_t *t = oid.p + sizeof OID_ECDSA_PREFIX;
        size_t tn = oid.n - sizeof OID_ECDSA_PREFIX;
        if (tn == 1 && t[0] == 0x01) return VSIG_WEAK; /* ecdsa-with-SHA1 */
        if (ptag != -1) return VSIG_UNKNOWN;         /* RFC 5758: parameters absent */
        if (tn == 2 && t[0] == 0x03) {
            if (t[1] == 0x02) return VSIG_ECDSA_SHA256;
            if (t[1] == 0x03) return VSIG_ECDSA_SHA384;
            if (t[1] == 0x04) return VSIG_ECDSA_SHA512;
        }
        return VSIG_UNKNOWN;
    }
    if (OID_IS(oid, OID_ED25519)) return ptag == -1 ? VSIG_ED25519 : VSIG_UNKNOWN;
    if (OID_IS(oid, OID_DSA_SHA1)) return VSIG_WEAK;
    return VSIG_UNKNOWN;
}

const char *vsig_name(vsig_alg a) {
    switch (a) {
    case VSIG_RSA_SHA256: return "sha256WithRSAEncryption";
    case VSIG_RSA_SHA384: return "sha384WithRSAEncryption";
    case VSIG_RSA_SHA512: return "sha512WithRSAEncryption";
    case VSIG_ECDSA_SHA256: return "ecdsa-with-SHA256";
    case VSIG_ECDSA_SHA384: return "ecdsa-with-SHA384";
    case VSIG_ECDSA_SHA512: return "ecdsa-with-SHA512";
    case VSIG_ED25519: return "Ed25519";
    case VSIG_WEAK: return "a SHA-1/MD5/DSA signature algorithm";
    default: return "an unsupported signature algorithm";
    }
}

bool vsig_fits_key(vsig_alg a, vkey_type k) {
    switch (a) {
    case VSIG_RSA_SHA256: case VSIG_RSA_SHA384: case VSIG_RSA_SHA512: return k == VKEY_RSA;
    case VSIG_ECDSA_SHA256: case VSIG_ECDSA_SHA384: case VSIG_ECDSA_SHA512:
        return k == VKEY_P256 || k == VKEY_P384 || k == VKEY_P521;
    case VSIG_ED25519: return k == VKEY_ED25519;
    default: return false;
    }
}

const char *vkey_name(vkey_type t) {
    switch (t) {
    case VKEY_RSA: return "RSA";
    case VKEY_P256: return "ECDSA P-256";
    case VKEY_P384: return "ECDSA P-384";
    case VKEY_P521: return "ECDSA P-521";
    case VKEY_ED25519: return "Ed25519";
    default: return "unknown";
    }
}

static int bit_length(vspan integer) {
    size_t i = 0;
    while (i < integer.n && integer.p[i] == 0) i++;
    if (i == integer.n) return 0;
    int bits = (int)(integer.n - i - 1) * 8;
    for (uint8_t b = integer.p[i]; b; b >>= 1) bits++;
    return bits;
}

int vspki_inspect(vspan spki, vkey_type *type, int *bits) {
    der_reader r = der_of(spki), s, a;
    vspan body, algid, oid, bitstr;
    *type = VKEY_UNKNOWN;
    *bits = 0;
    if (der_expect(&r, DER_SEQUENCE, &body, NULL) || !der_done(&r)) return VOUCH_E_DER;
    s = der_of(body);
    if (der_expect(&s, DER_SEQUENCE, &algid, NULL) || der_expect(&s, DER_BIT_STRING, &bitstr, NULL) || !der_done(&s))
        return VOUCH_E_DER;
    if (bitstr.n < 1 || bitstr.p[0] != 0) return VOUCH_E_DER;
    vspan key = {bitstr.p + 1, bitstr.n - 1};
    a = der_of(algid);
    if (der_expect(&a, DER_OID, &oid, NULL)) return VOUCH_E_DER;
    if (OID_IS(oid, OID_RSA)) {
        vspan nul;
        if (der_expect(&a, DER_NULL, &nul, NULL) || nul.n || !der_done(&a)) return VOUCH_E_DER;
        der_reader k = der_of(key), ks;
        vspan seq, n, e;
        if (der_expect(&k, DER_SEQUENCE, &seq, NULL) || !der_done(&k)) return VOUCH_E_DER;
        ks = der_of(seq);
        if (der_expect(&ks, DER_INTEGER, &n, NULL) || der_expect(&ks, DER_INTEGER, &e, NULL) || !der_done(&ks))
            return VOUCH_E_DER;
        if (!der_integer_minimal(n) || !der_integer_minimal(e) || (n.p[0] & 0x80) || (e.p[0] & 0x80))
            return VOUCH_E_DER;
        *type = VKEY_RSA;
        *bits = bit_length(n);
        return 0;
    }
    if (OID_IS(oid, OID_EC)) {
        vspan curve;
        int t;
        if (der_next(&a, &t, &curve, NULL) || !der_done(&a)) return VOUCH_E_DER;
        if (t != DER_OID) return VOUCH_E_WEAK_KEY; /* explicit or implicit curve parameters */
        if (OID_IS(curve, OID_P256)) { *type = VKEY_P256; *bits = 256; }
        else if (OID_IS(curve, OID_P384)) { *type = VKEY_P384; *bits = 384; }
        else if (OID_IS(curve, OID_P521)) { *type = VKEY_P521; *bits = 521; }
        else return VOUCH_E_UNSUPPORTED_KEY;
        size_t flen = (size_t)(*bits + 7) / 8;
        /* uncompressed points only, as RFC 5480 requires of certificates in practice */
        if (key.n != 1 + 2 * flen || key.p[0] != 0x04) return VOUCH_E_DER;
        return 0;
    }
    if (OID_IS(oid, OID_ED25519)) {
        if (!der_done(&a)) return VOUCH_E_DER;
        if (key.n != 32) return VOUCH_E_DER;
        *type = VKEY_ED25519;
        *bits = 256;
        return 0;
    }
    return VOUCH_E_UNSUPPORTED_KEY;
}

int vspki_check_point(vspan spki, vkey_type type) {
    int gi = type == VKEY_P256 ? 0 : type == VKEY_P384 ? 1 : type == VKEY_P521 ? 2 : -1;
    if (gi < 0) return 0;
    vouch_ensure_init();
    size_t flen = type == VKEY_P256 ? 32 : type == VKEY_P384 ? 48 : 66;
    /* vspki_inspect checked the uncompressed point is the SPKI's last 1 + 2 * flen bytes */
    const uint8_t *pt = spki.p + spki.n - (1 + 2 * flen);
    EC_POINT *p = EC_POINT_new(groups[gi]);
    if (!p) return VOUCH_E_NOMEM;
    int ok = EC_POINT_oct2point(groups[gi], p, pt, 1 + 2 * flen, NULL) == 1; /* checks it is on the curve */
    EC_POINT_free(p);
    if (!ok) ERR_clear_error();
    return ok ? 0 : VOUCH_E_WEAK_KEY;
}

enum { POOL = 8, NHASH = 3 };

struct vpubkey {
    vkey_type type;
    int bits;
    EVP_PKEY *pkey;                         /* RSA and ECDSA */
    uint8_t ed25519[32];
    _Atomic(EVP_PKEY_CTX *) pool[NHASH][POOL]; /* per hash: SHA-256, -384, -512 */
};

int vpubkey_new(vspan spki, vpubkey **out) {
    vouch_ensure_init();
    vkey_type type;
    int bits, rc = vspki_inspect(spki, &type, &bits);
    if (rc) return rc;
    vpubkey *k = calloc(1, sizeof *k);
    if (!k) return VOUCH_E_NOMEM;
    k->type = type;
    k->bits = bits;
    if (type == VKEY_ED25519) {
        /* the BIT STRING is the last 32 bytes of the SPKI */
        memcpy(k->ed25519, spki.p + spki.n - 32, 32);
    } else {
        const unsigned char *p = spki.p;
        k->pkey = d2i_PUBKEY(NULL, &p, (long)spki.n);
        if (!k->pkey || p != spki.p + spki.n) {
            vpubkey_free(k);
            return type == VKEY_RSA ? VOUCH_E_DER : VOUCH_E_WEAK_KEY; /* EC: point not on the curve */
        }
    }
    *out = k;
    return 0;
}

void vpubkey_free(vpubkey *k) {
    if (!k) return;
    for (int h = 0; h < NHASH; h++)
        for (int i = 0; i < POOL; i++) EVP_PKEY_CTX_free(atomic_load(&k->pool[h][i]));
    EVP_PKEY_free(k->pkey);
    free(k);
}

vkey_type vpubkey_type(const vpubkey *k) { return k->type; }

/* OpenSSL 3.0's one-shot SHA256() fetches the algorithm from its provider on every call
 * (about 1 us for a certificate's TBS); the low-level functions run the same assembler
 * without the fetch, in half the time. They are deprecated, not removed, in 3.0. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static size_t digest_of(int h, const uint8_t *msg, size_t len, uint8_t out[64]) {
    if (h == 0) {
        SHA256_CTX c;
        SHA256_Init(&c), SHA256_Update(&c, msg, len), SHA256_Final(out, &c);
        return 32;
    }
    SHA512_CTX c;
    if (h == 1) {
        SHA384_Init(&c), SHA384_Update(&c, msg, len), SHA384_Final(out, &c);
        return 48;
    }
    SHA512_Init(&c), SHA512_Update(&c, msg, len), SHA512_Final(out, &c);
    return 64;
}
#pragma GCC diagnostic pop

static int hash_index(vsig_alg a) {
    switch (a) {
    case VSIG_RSA_SHA256: case VSIG_ECDSA_SHA256: return 0;
    case VSIG_RSA_SHA384: case VSIG_ECDSA_SHA384: return 1;
    case VSIG_RSA_SHA512: case VSIG_ECDSA_SHA512: return 2;
    default: return -1;
    }
}

static EVP_PKEY_CTX *ctx_take(vpubkey *k, int h, vsig_alg alg) {
    for (int i = 0; i < POOL; i++) {
        EVP_PKEY_CTX *c = atomic_exchange(&k->pool[h][i], NULL);
        if (c) return c;
    }
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k->pkey, NULL);
    if (!c) return NULL;
    if (EVP_PKEY_verify_init(c) != 1) goto fail;
    if (k->type == VKEY_RSA) {
        const EVP_MD *md = h == 0 ? EVP_sha256() : h == 1 ? EVP_sha384() : EVP_sha512();
        if (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1) goto fail;
        if (EVP_PKEY_CTX_set_signature_md(c, md) != 1) goto fail;
    }
    (void)alg;
    return c;
fail:
    EVP_PKEY_CTX_free(c);
    return NULL;
}

static void ctx_give(vpubkey *k, int h, EVP_PKEY_CTX *c) {
    for (int i = 0; i < POOL; i++) {
        EVP_PKEY_CTX *expected = NULL;
        if (atomic_compare_exchange_strong(&k->pool[h][i], &expected, c)) return;
    }
    EVP_PKEY_CTX_free(c);
}

int vpubkey_verify(vpubkey *k, vsig_alg alg, const uint8_t *msg, size_t msglen, const uint8_t *sig,
                   size_t siglen) {
    if (alg == VSIG_WEAK || alg == VSIG_UNKNOWN) return VOUCH_E_WEAK_ALGORITHM;
    if (!vsig_fits_key(alg, k->type)) return VOUCH_E_KEY_ALGORITHM_MISMATCH;
    if (k->type == VKEY_ED25519) {
        if (siglen != crypto_sign_BYTES) return VOUCH_E_BAD_SIGNATURE;
        return crypto_sign_verify_detached(sig, msg, msglen, k->ed25519) == 0 ? 0 : VOUCH_E_BAD_SIGNATURE;
    }
    int h = hash_index(alg);
    uint8_t digest[64];
    size_t dlen = digest_of(h, msg, msglen, digest);
    EVP_PKEY_CTX *c = ctx_take(k, h, alg);
    if (!c) return VOUCH_E_NOMEM;
    int ok = EVP_PKEY_verify(c, sig, siglen, digest, dlen);
    ctx_give(k, h, c);
    if (ok != 1) {
        ERR_clear_error(); /* keep OpenSSL's per-thread error queue from growing */
        return VOUCH_E_BAD_SIGNATURE;
    }
    return 0;
}
