/* sig.c: signature algorithms and public keys. Keys are parsed once (OpenSSL for RSA
 * and ECDSA, raw bytes for Ed25519 through libsodium) and keep a lock-free pool
 * of ready verification contexts, because OpenSSL 3's EVP_PKEY_verify_init costs about
 * as much as a third of an RSA-2048 verification. */
#include "internal.h"
#include "vouch_backend.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
static size_t pool_slots = 8; /* the context pool's row length (see vslot), set once here */
static size_t pool_size(void);
static void init_once(void) {
    if (sodium_init() < 0) abort(); /* no secure randomness: nothing here can work */
    pool_slots = pool_size();
    static const int nids[3] = {NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1};
    for (int i = 0; i < 3; i++)
        if (!(groups[i] = EC_GROUP_new_by_curve_name(nids[i]))) abort();
}
void vouch_ensure_init(void) { pthread_once(&once, init_once); }

vsig_alg vsig_from_algid(vspan algid) {
    vder_reader r = vder_of(algid);
    vspan oid, params = {0};
    int ptag = -1;
    if (vder_expect(&r, DER_OID, &oid, NULL)) return VSIG_UNKNOWN;
    if (!vder_done(&r)) {
        if (vder_next(&r, &ptag, &params, NULL) || !vder_done(&r)) return VSIG_UNKNOWN;
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
    case VSIG_RSA_PSS_SHA256: return "RSASSA-PSS with SHA-256";
    case VSIG_RSA_PSS_SHA384: return "RSASSA-PSS with SHA-384";
    case VSIG_RSA_PSS_SHA512: return "RSASSA-PSS with SHA-512";
    case VSIG_WEAK: return "a SHA-1/MD5/DSA signature algorithm";
    default: return "an unsupported signature algorithm";
    }
}

bool vsig_fits_key(vsig_alg a, vkey_type k) {
    switch (a) {
    case VSIG_RSA_SHA256: case VSIG_RSA_SHA384: case VSIG_RSA_SHA512:
    case VSIG_RSA_PSS_SHA256: case VSIG_RSA_PSS_SHA384: case VSIG_RSA_PSS_SHA512: return k == VKEY_RSA;
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
    vder_reader r = vder_of(spki), s, a;
    vspan body, algid, oid, bitstr;
    *type = VKEY_UNKNOWN;
    *bits = 0;
    if (vder_expect(&r, DER_SEQUENCE, &body, NULL) || !vder_done(&r)) return VOUCH_E_DER;
    s = vder_of(body);
    if (vder_expect(&s, DER_SEQUENCE, &algid, NULL) || vder_expect(&s, DER_BIT_STRING, &bitstr, NULL) || !vder_done(&s))
        return VOUCH_E_DER;
    if (bitstr.n < 1 || bitstr.p[0] != 0) return VOUCH_E_DER;
    vspan key = {bitstr.p + 1, bitstr.n - 1};
    a = vder_of(algid);
    if (vder_expect(&a, DER_OID, &oid, NULL)) return VOUCH_E_DER;
    if (OID_IS(oid, OID_RSA)) {
        vspan nul;
        if (vder_expect(&a, DER_NULL, &nul, NULL) || nul.n || !vder_done(&a)) return VOUCH_E_DER;
        vder_reader k = vder_of(key), ks;
        vspan seq, n, e;
        if (vder_expect(&k, DER_SEQUENCE, &seq, NULL) || !vder_done(&k)) return VOUCH_E_DER;
        ks = vder_of(seq);
        if (vder_expect(&ks, DER_INTEGER, &n, NULL) || vder_expect(&ks, DER_INTEGER, &e, NULL) || !vder_done(&ks))
            return VOUCH_E_DER;
        if (!vder_integer_minimal(n) || !vder_integer_minimal(e) || (n.p[0] & 0x80) || (e.p[0] & 0x80))
            return VOUCH_E_DER;
        *type = VKEY_RSA;
        *bits = bit_length(n);
        return 0;
    }
    if (OID_IS(oid, OID_EC)) {
        vspan curve;
        int t;
        if (vder_next(&a, &t, &curve, NULL) || !vder_done(&a)) return VOUCH_E_DER;
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
        if (!vder_done(&a)) return VOUCH_E_DER;
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

enum { NHASH = 3, NPAD = 2, POOL_MIN = 8, POOL_MAX = 64 };

/* The context pool, per padding and hash: a row of slots made on first use, as many as
 * threads may verify with one key at once (twice the cores, 8 to 64: with fewer, the
 * threads past them would each build and free a context per verification, a third of an
 * RSA-2048 check). Each slot has its own cache line and each thread starts at its own
 * slot, so that once warm a thread takes back the context it gave and no line moves
 * between cores; each RSA context has its own copy of the key, because OpenSSL 3.0 reads
 * a key's lock at every RSA public operation (BN_MONT_CTX_set_locked), one line that
 * every core would otherwise write. */
typedef struct {
    _Atomic(EVP_PKEY_CTX *) c;
    char pad[64 - sizeof(void *)];
} vslot;
static _Thread_local unsigned thread_home; /* 1 + the thread's first slot; 0 until chosen */
static atomic_uint next_home;

struct vpubkey {
    vkey_type type;
    int bits;
    EVP_PKEY *pkey;                         /* RSA and ECDSA */
    uint8_t ed25519[32];
    /* per padding (PKCS#1 v1.5, PSS) and hash (SHA-256, -384, -512); ECDSA uses row 0 */
    _Atomic(vslot *) pool[NPAD][NHASH];
    /* P-384 verifies through nettle, about twice as fast as Debian's OpenSSL 3.0 */
    bool has_nettle;
    struct ecc_point nettle_point;
    /* P-256 through the installed backend (swift-crypto's BoringSSL), when there is one */
    void *p256;
};

static vouch_p256_backend p256_backend;
static _Atomic(int) p256_installed;

static size_t pool_size(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = cores > 0 ? (size_t)cores * 2 : POOL_MIN;
    return n < POOL_MIN ? POOL_MIN : n > POOL_MAX ? POOL_MAX : n;
}

void vouch_p256_backend_install(const vouch_p256_backend *b) {
    if (!b || !b->key_new || !b->verify || !b->key_free || atomic_load(&p256_installed)) return;
    p256_backend = *b;
    atomic_store(&p256_installed, 1);
}

/* ROCA (CVE-2017-15361): Infineon's library made primes whose product is, modulo each
 * small prime p below, a power of 65537. A modulus with that fingerprint for every p is
 * one of its keys, and factorable. The test of Nemec et al.: random moduli pass it with
 * negligible probability. */
static const unsigned ROCA_PRIMES[] = {3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
                                       73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};

static bool roca_fingerprint(const BIGNUM *n) {
    for (size_t i = 0; i < sizeof ROCA_PRIMES / sizeof ROCA_PRIMES[0]; i++) {
        unsigned p = ROCA_PRIMES[i];
        BN_ULONG r = BN_mod_word(n, p);
        if (r == (BN_ULONG)-1) return false;
        unsigned g = 65537 % p, x = 1;
        bool member = false;
        for (unsigned k = 0; k < p && !member; k++) { /* the subgroup generated by 65537 mod p */
            member = x == r;
            x = (unsigned)((unsigned long)x * g % p);
        }
        if (!member) return false;
    }
    return true;
}

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
        if (type == VKEY_RSA) {
            BIGNUM *n = NULL;
            bool roca = EVP_PKEY_get_bn_param(k->pkey, "n", &n) == 1 && roca_fingerprint(n);
            BN_free(n);
            if (roca) {
                vpubkey_free(k);
                return VOUCH_E_WEAK_KEY;
            }
        }
        if (type == VKEY_P256 && atomic_load(&p256_installed)) /* the point: the SPKI's last 65 bytes */
            k->p256 = p256_backend.key_new(spki.p + spki.n - 65, 65);
        if (type == VKEY_P384) {
            /* the uncompressed point is the SPKI's last 97 bytes (vspki_inspect checked it) */
            const uint8_t *pt = spki.p + spki.n - 96;
            mpz_t x, y;
            mpz_init(x), mpz_init(y);
            mpz_import(x, 48, 1, 1, 1, 0, pt);
            mpz_import(y, 48, 1, 1, 1, 0, pt + 48);
            ecc_point_init(&k->nettle_point, nettle_get_secp_384r1());
            k->has_nettle = ecc_point_set(&k->nettle_point, x, y) == 1;
            if (!k->has_nettle) ecc_point_clear(&k->nettle_point);
            mpz_clear(x), mpz_clear(y);
        }
    }
    *out = k;
    return 0;
}

void vpubkey_free(vpubkey *k) {
    if (!k) return;
    for (int pad = 0; pad < NPAD; pad++)
        for (int h = 0; h < NHASH; h++) {
            vslot *row = atomic_load(&k->pool[pad][h]);
            for (size_t i = 0; row && i < pool_slots; i++) EVP_PKEY_CTX_free(atomic_load(&row[i].c));
            free(row);
        }
    if (k->has_nettle) ecc_point_clear(&k->nettle_point);
    if (k->p256) p256_backend.key_free(k->p256);
    EVP_PKEY_free(k->pkey);
    free(k);
}

size_t vpubkey_ec_size(const vpubkey *k) {
    return k->type == VKEY_P256 ? 32 : k->type == VKEY_P384 ? 48 : k->type == VKEY_P521 ? 66 : 0;
}

int vpubkey_bits(const vpubkey *k) { return k->type == VKEY_RSA ? k->bits : 0; }

vkey_type vpubkey_type(const vpubkey *k) { return k->type; }

/* OpenSSL 3.0's one-shot SHA256() fetches the algorithm from its provider on every call
 * (about 1 us for a certificate's TBS); the low-level functions run the same assembler
 * without the fetch, in half the time. They are deprecated, not removed, in 3.0. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
size_t vdigest(int h, const uint8_t *msg, size_t len, uint8_t out[64]) {
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
    case VSIG_RSA_SHA256: case VSIG_ECDSA_SHA256: case VSIG_RSA_PSS_SHA256: return 0;
    case VSIG_RSA_SHA384: case VSIG_ECDSA_SHA384: case VSIG_RSA_PSS_SHA384: return 1;
    case VSIG_RSA_SHA512: case VSIG_ECDSA_SHA512: case VSIG_RSA_PSS_SHA512: return 2;
    default: return -1;
    }
}

static bool is_pss(vsig_alg a) { return a == VSIG_RSA_PSS_SHA256 || a == VSIG_RSA_PSS_SHA384 || a == VSIG_RSA_PSS_SHA512; }

static size_t home_slot(void) {
    if (!thread_home) thread_home = 1 + atomic_fetch_add_explicit(&next_home, 1, memory_order_relaxed);
    return (thread_home - 1) % pool_slots;
}

/* The row of slots for (pad, h), made on first use; NULL only without memory. */
static vslot *pool_row(vpubkey *k, int pad, int h) {
    vslot *row = atomic_load_explicit(&k->pool[pad][h], memory_order_acquire);
    if (row) return row;
    row = aligned_alloc(64, pool_slots * sizeof *row);
    if (!row) return NULL;
    memset(row, 0, pool_slots * sizeof *row);
    vslot *expected = NULL;
    if (atomic_compare_exchange_strong(&k->pool[pad][h], &expected, row)) return row;
    free(row); /* another thread made it first */
    return expected;
}

static EVP_PKEY_CTX *ctx_take(vpubkey *k, int pad, int h) {
    vslot *row = pool_row(k, pad, h);
    size_t home = home_slot();
    for (size_t i = 0; row && i < pool_slots; i++) {
        vslot *x = &row[(home + i) % pool_slots];
        /* read before writing: an empty slot costs no exclusive cache line */
        if (!atomic_load_explicit(&x->c, memory_order_relaxed)) continue;
        EVP_PKEY_CTX *c = atomic_exchange_explicit(&x->c, NULL, memory_order_acquire);
        if (c) return c;
    }
    EVP_PKEY *own = k->type == VKEY_RSA ? EVP_PKEY_dup(k->pkey) : NULL; /* its own lock (see above) */
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(own ? own : k->pkey, NULL);
    EVP_PKEY_free(own); /* the context holds its reference */
    if (!c) return NULL;
    if (EVP_PKEY_verify_init(c) != 1) goto fail;
    if (k->type == VKEY_RSA) {
        const EVP_MD *md = h == 0 ? EVP_sha256() : h == 1 ? EVP_sha384() : EVP_sha512();
        if (EVP_PKEY_CTX_set_rsa_padding(c, pad ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1) goto fail;
        if (EVP_PKEY_CTX_set_signature_md(c, md) != 1) goto fail;
        /* RFC 7518 3.5: MGF1 with the same hash, a salt as long as the hash, and no other */
        if (pad && (EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) != 1))
            goto fail;
    }
    return c;
fail:
    EVP_PKEY_CTX_free(c);
    return NULL;
}

static void ctx_give(vpubkey *k, int pad, int h, EVP_PKEY_CTX *c) {
    vslot *row = atomic_load_explicit(&k->pool[pad][h], memory_order_acquire);
    size_t home = home_slot();
    for (size_t i = 0; row && i < pool_slots; i++) {
        vslot *x = &row[(home + i) % pool_slots];
        EVP_PKEY_CTX *expected = NULL;
        if (!atomic_load_explicit(&x->c, memory_order_relaxed) &&
            atomic_compare_exchange_strong_explicit(&x->c, &expected, c, memory_order_release, memory_order_relaxed))
            return;
    }
    EVP_PKEY_CTX_free(c);
}

/* r, s (big-endian, `n` bytes each): both in [1, order - 1]. */
static const uint8_t ORDER_P256[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
static const uint8_t ORDER_P384[48] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};
static const uint8_t ORDER_P521[66] = {
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09,
    0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38,
    0x64, 0x09};

static bool scalar_in_range(const uint8_t *v, size_t n, const uint8_t *order) {
    bool zero = true;
    for (size_t i = 0; i < n; i++) zero &= v[i] == 0;
    return !zero && memcmp(v, order, n) < 0;
}

/* A DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) from r, s of n bytes each. */
static size_t ecdsa_der(const uint8_t *r, const uint8_t *s, size_t n, uint8_t *out) {
    uint8_t *p = out + 3; /* room for a two-byte length header */
    for (int k = 0; k < 2; k++) {
        const uint8_t *v = k ? s : r;
        size_t skip = 0;
        while (skip + 1 < n && v[skip] == 0) skip++;
        size_t len = n - skip, pad = v[skip] & 0x80 ? 1 : 0;
        *p++ = 0x02, *p++ = (uint8_t)(len + pad);
        if (pad) *p++ = 0;
        memcpy(p, v + skip, len), p += len;
    }
    size_t body = (size_t)(p - (out + 3));
    if (body < 0x80) {
        out[1] = 0x30, out[2] = (uint8_t)body;
        memmove(out, out + 1, body + 2);
        return body + 2;
    }
    out[0] = 0x30, out[1] = 0x81, out[2] = (uint8_t)body;
    return body + 3;
}

static int nettle_p384_verify(const vpubkey *k, const uint8_t *digest, size_t dlen, const uint8_t *r, const uint8_t *s) {
    struct dsa_signature sig;
    dsa_signature_init(&sig);
    mpz_import(sig.r, 48, 1, 1, 1, 0, r);
    mpz_import(sig.s, 48, 1, 1, 1, 0, s);
    int ok = ecdsa_verify(&k->nettle_point, dlen, digest, &sig);
    dsa_signature_clear(&sig);
    return ok ? 0 : VOUCH_E_BAD_SIGNATURE;
}

int vpubkey_verify_ecdsa_raw(vpubkey *k, vsig_alg alg, const uint8_t *msg, size_t msglen, const uint8_t *rs, size_t rslen) {
    size_t n = vpubkey_ec_size(k);
    int h = hash_index(alg);
    if (!n || h < 0 || alg < VSIG_ECDSA_SHA256 || alg > VSIG_ECDSA_SHA512) return VOUCH_E_KEY_ALGORITHM_MISMATCH;
    if (rslen != 2 * n) return VOUCH_E_BAD_SIGNATURE;
    const uint8_t *order = n == 32 ? ORDER_P256 : n == 48 ? ORDER_P384 : ORDER_P521;
    if (!scalar_in_range(rs, n, order) || !scalar_in_range(rs + n, n, order)) return VOUCH_E_BAD_SIGNATURE;
    if (k->p256 && h == 0) return p256_backend.verify(k->p256, msg, msglen, rs, rslen, 0) == 1 ? 0 : VOUCH_E_BAD_SIGNATURE;
    uint8_t digest[64];
    size_t dlen = vdigest(h, msg, msglen, digest);
    /* nettle refuses the rare valid signature whose verification adds a point to itself
     * (Wycheproof's "point duplication"): what it refuses, OpenSSL decides */
    if (k->has_nettle && nettle_p384_verify(k, digest, dlen, rs, rs + n) == 0) return 0;
    uint8_t der[2 * 66 + 16];
    size_t derlen = ecdsa_der(rs, rs + n, n, der);
    EVP_PKEY_CTX *c = ctx_take(k, 0, h);
    if (!c) return VOUCH_E_NOMEM;
    int ok = EVP_PKEY_verify(c, der, derlen, digest, dlen);
    ctx_give(k, 0, h, c);
    if (ok != 1) {
        ERR_clear_error();
        return VOUCH_E_BAD_SIGNATURE;
    }
    return 0;
}

/* The part of a verification after hashing: `digest` is the message's hash under alg. */
static int verify_digest(vpubkey *k, vsig_alg alg, int h, const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen) {
    if (k->has_nettle) { /* an X.509 ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s } */
        vder_reader r = vder_of((vspan){sig, siglen}), q;
        vspan body, iv[2];
        uint8_t rs[96] = {0};
        if (vder_expect(&r, DER_SEQUENCE, &body, NULL) || !vder_done(&r)) return VOUCH_E_BAD_SIGNATURE;
        q = vder_of(body);
        for (int i = 0; i < 2; i++) {
            if (vder_expect(&q, DER_INTEGER, &iv[i], NULL) || !vder_integer_minimal(iv[i]) || (iv[i].p[0] & 0x80))
                return VOUCH_E_BAD_SIGNATURE;
            vspan v = iv[i];
            if (v.n > 1 && v.p[0] == 0) v.p++, v.n--;
            if (v.n > 48) return VOUCH_E_BAD_SIGNATURE;
            memcpy(rs + 48 * i + (48 - v.n), v.p, v.n);
        }
        if (!vder_done(&q) || !scalar_in_range(rs, 48, ORDER_P384) || !scalar_in_range(rs + 48, 48, ORDER_P384))
            return VOUCH_E_BAD_SIGNATURE;
        if (nettle_p384_verify(k, digest, dlen, rs, rs + 48) == 0) return 0;
        /* as in vpubkey_verify_ecdsa_raw: what nettle refuses, OpenSSL decides */
    }
    int pad = is_pss(alg);
    EVP_PKEY_CTX *c = ctx_take(k, pad, h);
    if (!c) return VOUCH_E_NOMEM;
    int ok = EVP_PKEY_verify(c, sig, siglen, digest, dlen);
    ctx_give(k, pad, h, c);
    if (ok != 1) {
        ERR_clear_error(); /* keep OpenSSL's per-thread error queue from growing */
        return VOUCH_E_BAD_SIGNATURE;
    }
    return 0;
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
    if (k->p256 && alg == VSIG_ECDSA_SHA256)
        return p256_backend.verify(k->p256, msg, msglen, sig, siglen, 1) == 1 ? 0 : VOUCH_E_BAD_SIGNATURE;
    uint8_t digest[64];
    size_t dlen = vdigest(h, msg, msglen, digest);
    return verify_digest(k, alg, h, digest, dlen, sig, siglen);
}

int vsig_hash(vsig_alg alg) { return alg == VSIG_ED25519 ? -1 : hash_index(alg); }

int vpubkey_verify_digest(vpubkey *k, vsig_alg alg, const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen) {
    if (alg == VSIG_WEAK || alg == VSIG_UNKNOWN) return VOUCH_E_WEAK_ALGORITHM;
    if (!vsig_fits_key(alg, k->type)) return VOUCH_E_KEY_ALGORITHM_MISMATCH;
    int h = hash_index(alg);
    if (k->type == VKEY_ED25519 || h < 0 || dlen != (size_t)(h == 0 ? 32 : h == 1 ? 48 : 64)) return VOUCH_E_ARG;
    return verify_digest(k, alg, h, digest, dlen, sig, siglen);
}
