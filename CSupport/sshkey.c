/* sshkey.c: SSH CA private keys: OpenSSH's private key format (openssh-key-v1), PEM and
 * PKCS#8 through OpenSSL, generation, and signing with the fastest vetted primitive per
 * key: libsodium for Ed25519, nettle for P-384, OpenSSL (with ready contexts) for RSA,
 * P-256 and P-521. */
#define _GNU_SOURCE /* memmem */
#include "internal.h"
#include "vouch_secret.h"
#include "vouch_ssh.h"
#include "vouch_sshkey.h"

#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { POOL = 8 };

struct vouch_ssh_privkey {
    int kind;
    EVP_PKEY *pkey;                   /* RSA and ECDSA */
    EC_KEY *ec;                       /* P-256, P-521: signed with ECDSA_do_sign (no DER round trip) */
    bool has_nettle;                  /* P-384 signs through nettle */
    struct ecc_scalar scalar;
    uint8_t ed25519[64];              /* libsodium's secret key: seed, then public key */
    vouch_ssh_pubkey *pub;
    _Atomic(EVP_PKEY_CTX *) pool[2][POOL]; /* RSA: SHA-512, SHA-256; ECDSA: row 0 */
};

/* OpenSSL 3 deprecates the EC_KEY calls, but ECDSA_do_sign is its own fastest signing
 * path (EVP_PKEY_sign DER-encodes a signature we would decode again). The EC_KEY is
 * read-only once made, so threads share it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static EC_KEY *ec_key_of(EVP_PKEY *p) { return EVP_PKEY_get1_EC_KEY(p); }
static void ec_key_free(EC_KEY *k) { EC_KEY_free(k); }
static ECDSA_SIG *ec_sign(const uint8_t *h, size_t hl, EC_KEY *k) { return ECDSA_do_sign(h, (int)hl, k); }
#pragma GCC diagnostic pop

/* nettle's clear functions free limbs without wiping them */
static void scalar_clear(struct ecc_scalar *s) {
    sodium_memzero(s->p, (size_t)ecc_size(s->ecc) * sizeof *s->p);
    ecc_scalar_clear(s);
}

static void mpz_wipe_clear(mpz_t z) {
    size_t n = mpz_size(z);
    if (n) sodium_memzero(mpz_limbs_modify(z, (mp_size_t)n), n * sizeof(mp_limb_t));
    mpz_clear(z);
}

void vouch_ssh_privkey_free(vouch_ssh_privkey *k) {
    if (!k) return;
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < POOL; i++) EVP_PKEY_CTX_free(atomic_load(&k->pool[h][i]));
    EVP_PKEY_free(k->pkey);
    ec_key_free(k->ec);
    if (k->has_nettle) scalar_clear(&k->scalar);
    vouch_ssh_pubkey_free(k->pub);
    sodium_memzero(k, sizeof *k);
    free(k);
}

const vouch_ssh_pubkey *vouch_ssh_privkey_public(const vouch_ssh_privkey *k) { return k ? k->pub : NULL; }

void vouch_ssh_secret_free(char *s, size_t len) {
    if (!s) return;
    sodium_memzero(s, len);
    free(s);
}

/* ---- the public half ---- */

static int bn_bytes(const BIGNUM *b, uint8_t **out, size_t *n) {
    *n = (size_t)BN_num_bytes(b);
    *out = malloc(*n ? *n : 1);
    if (!*out) return VOUCH_E_NOMEM;
    BN_bn2bin(b, *out);
    return 0;
}

static int ec_kind_of(EVP_PKEY *p) {
    char group[64] = {0};
    size_t gl = 0;
    if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &gl) != 1) return 0;
    if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256")) return VOUCH_SSH_ECDSA_P256;
    if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384")) return VOUCH_SSH_ECDSA_P384;
    if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521")) return VOUCH_SSH_ECDSA_P521;
    return 0;
}

static const char *curve_id(int kind) {
    return kind == VOUCH_SSH_ECDSA_P256 ? "nistp256" : kind == VOUCH_SSH_ECDSA_P384 ? "nistp384" : "nistp521";
}

static size_t field_size(int kind) { return kind == VOUCH_SSH_ECDSA_P256 ? 32 : kind == VOUCH_SSH_ECDSA_P384 ? 48 : 66; }

/* The public key blob of k (from its OpenSSL or libsodium key). */
static int public_blob(vouch_ssh_privkey *k, dbuf *b) {
    int rc = 0;
    if (k->kind == VOUCH_SSH_ED25519) {
        rc = sshw_cstr(b, "ssh-ed25519");
        if (!rc) rc = sshw_string(b, k->ed25519 + 32, 32);
    } else if (k->kind == VOUCH_SSH_RSA) {
        BIGNUM *n = NULL, *e = NULL;
        uint8_t *nb = NULL, *eb = NULL;
        size_t nn = 0, en = 0;
        if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 || EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
            bn_bytes(n, &nb, &nn) || bn_bytes(e, &eb, &en))
            rc = VOUCH_E_INTERNAL;
        if (!rc) rc = sshw_cstr(b, "ssh-rsa");
        if (!rc) rc = sshw_mpint(b, eb, en);
        if (!rc) rc = sshw_mpint(b, nb, nn);
        BN_free(n), BN_free(e), free(nb), free(eb);
    } else {
        uint8_t pt[1 + 2 * 66];
        size_t n = 0;
        /* a key may store its point compressed; OpenSSH wants it uncompressed */
        if (EVP_PKEY_set_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1 ||
            EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n) != 1 || n != 1 + 2 * field_size(k->kind) ||
            pt[0] != 0x04)
            return VOUCH_E_INTERNAL;
        rc = sshw_cstr(b, ssh_type_name(k->kind));
        if (!rc) rc = sshw_cstr(b, curve_id(k->kind));
        if (!rc) rc = sshw_string(b, pt, n);
    }
    return rc;
}

/* Finishes a key: checks strength, derives the public half, readies nettle for P-384. */
static int finish(vouch_ssh_privkey *k, vouch_diag *d) {
    if (k->kind == VOUCH_SSH_RSA) {
        int bits = EVP_PKEY_get_bits(k->pkey);
        if (bits < 2048) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "RSA key of %d bits; at least 2048 are required", bits);
        if (bits > 8192) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "RSA key of %d bits; a CA key has at most 8192", bits);
    }
    if (k->pkey) { /* the public half must be the private half's (a damaged PEM file can carry another point) */
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        int ok = c && EVP_PKEY_pairwise_check(c) == 1;
        EVP_PKEY_CTX_free(c);
        ERR_clear_error();
        if (!ok) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "the private key does not match its public key (a damaged key)");
    }
    dbuf b = {0};
    int rc = public_blob(k, &b);
    if (!rc) rc = vouch_ssh_pubkey_parse(b.p, b.n, &k->pub, d);
    free(b.p);
    if (rc) return d && d->status ? rc : vouch_fail(d, rc, -1, "the key's public half cannot be encoded");
    if ((k->kind == VOUCH_SSH_ECDSA_P256 || k->kind == VOUCH_SSH_ECDSA_P521) && !(k->ec = ec_key_of(k->pkey)))
        return vouch_fail(d, VOUCH_E_INTERNAL, -1, "the ECDSA key cannot be prepared");
    if (k->kind == VOUCH_SSH_ECDSA_P384) {
        BIGNUM *priv = NULL;
        uint8_t db[48];
        if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv) != 1 || BN_bn2binpad(priv, db, 48) != 48) {
            BN_clear_free(priv);
            return vouch_fail(d, VOUCH_E_INTERNAL, -1, "the P-384 key cannot be read");
        }
        BN_clear_free(priv);
        mpz_t z;
        mpz_init(z);
        mpz_import(z, 48, 1, 1, 1, 0, db);
        sodium_memzero(db, sizeof db);
        ecc_scalar_init(&k->scalar, nettle_get_secp_384r1());
        k->has_nettle = ecc_scalar_set(&k->scalar, z) == 1;
        mpz_wipe_clear(z);
        if (!k->has_nettle) {
            scalar_clear(&k->scalar);
            return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "the P-384 private scalar is out of range");
        }
    }
    return 0;
}

static vouch_ssh_privkey *from_pkey(EVP_PKEY *p, vouch_diag *d, int *rc) {
    vouch_ssh_privkey *k = calloc(1, sizeof *k);
    if (!k) { EVP_PKEY_free(p); *rc = vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory"); return NULL; }
    int id = EVP_PKEY_get_base_id(p);
    if (id == EVP_PKEY_ED25519) {
        uint8_t seed[32], pk[32];
        size_t n = 32;
        if (EVP_PKEY_get_raw_private_key(p, seed, &n) != 1 || n != 32) {
            *rc = vouch_fail(d, VOUCH_E_DER, -1, "the Ed25519 key cannot be read");
        } else {
            crypto_sign_seed_keypair(pk, k->ed25519, seed);
            k->kind = VOUCH_SSH_ED25519;
            *rc = 0;
        }
        sodium_memzero(seed, sizeof seed);
        EVP_PKEY_free(p);
    } else if (id == EVP_PKEY_RSA) {
        k->kind = VOUCH_SSH_RSA, k->pkey = p, *rc = 0;
    } else if (id == EVP_PKEY_EC && ec_kind_of(p)) {
        k->kind = ec_kind_of(p), k->pkey = p, *rc = 0;
    } else {
        EVP_PKEY_free(p);
        *rc = vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "a CA key is RSA, ECDSA P-256/P-384/P-521 or Ed25519");
    }
    if (!*rc) *rc = finish(k, d);
    if (*rc) { vouch_ssh_privkey_free(k); return NULL; }
    return k;
}

/* ---- loading ---- */

static int refuse_password(char *buf, int size, int rwflag, void *u) { (void)buf, (void)size, (void)rwflag, (void)u; return -1; }

static int load_pem(const uint8_t *data, size_t len, vouch_ssh_privkey **out, vouch_diag *d) {
    if (memmem(data, len, "ENCRYPTED", 9) || memmem(data, len, "Proc-Type: 4,ENCRYPTED", 22))
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "the key is encrypted: decrypt it first (openssl pkey -in KEY -out PLAIN)");
    BIO *b = BIO_new_mem_buf(data, (int)len);
    EVP_PKEY *p = b ? PEM_read_bio_PrivateKey(b, NULL, refuse_password, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    if (!p) return vouch_fail(d, VOUCH_E_PEM, -1, "not a PEM, PKCS#8 or OpenSSH private key");
    int rc;
    *out = from_pkey(p, d, &rc);
    return rc;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld) {
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *p = NULL;
    if (!params || !c || EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &p, EVP_PKEY_KEYPAIR, params) != 1) p = NULL;
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(c);
    return p;
}

/* Reads the private section of an openssh-key-v1 key: one key, then the comment. */
static int read_openssh_private(sshr *r, vouch_ssh_privkey **out, vouch_diag *d) {
    vspan type;
    if (sshr_text(r, &type)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: no key type in the private section");
#define IS(t) (type.n == strlen(t) && memcmp(type.p, t, type.n) == 0)
    if (IS("ssh-ed25519")) {
        vspan pk, sk;
        if (sshr_string(r, &pk) || pk.n != 32 || sshr_string(r, &sk) || sk.n != 64 || memcmp(sk.p + 32, pk.p, 32) != 0)
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: malformed Ed25519 key");
        vouch_ssh_privkey *k = calloc(1, sizeof *k);
        if (!k) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        uint8_t derived[32];
        crypto_sign_seed_keypair(derived, k->ed25519, sk.p);
        k->kind = VOUCH_SSH_ED25519;
        if (memcmp(derived, pk.p, 32) != 0) {
            vouch_ssh_privkey_free(k);
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the Ed25519 public key does not belong to its private key");
        }
        int rc = finish(k, d);
        if (rc) { vouch_ssh_privkey_free(k); return rc; }
        *out = k;
        return 0;
    }
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn[8] = {0};
    EVP_PKEY *p = NULL;
    int rc = 0;
    if (!bld) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    if (IS("ssh-rsa")) {
        vspan v[6]; /* n, e, d, iqmp, p, q */
        /* the private numbers are "secure" BIGNUMs: OpenSSL then wipes them and the
         * parameters made from them when it frees them */
        for (int i = 0; i < 6 && !rc; i++)
            if (sshr_mpint(r, &v[i]) || !(bn[i] = i < 2 ? BN_new() : BN_secure_new()) || !BN_bin2bn(v[i].p, (int)v[i].n, bn[i]))
                rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: malformed RSA key");
        BN_CTX *ctx = rc ? NULL : BN_CTX_secure_new();
        if (!rc && !ctx) rc = vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        if (!rc) { /* CRT exponents: d mod (p - 1), d mod (q - 1) */
            bn[6] = BN_secure_new(), bn[7] = BN_secure_new();
            BIGNUM *t = BN_secure_new();
            if (!bn[6] || !bn[7] || !t || !BN_sub(t, bn[4], BN_value_one()) || !BN_mod(bn[6], bn[2], t, ctx) ||
                !BN_sub(t, bn[5], BN_value_one()) || !BN_mod(bn[7], bn[2], t, ctx))
                rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: malformed RSA key");
            BN_clear_free(t);
        }
        BN_CTX_free(ctx);
        if (!rc && (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn[0]) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn[1]) ||
                    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, bn[2]) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, bn[4]) ||
                    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, bn[5]) ||
                    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, bn[6]) ||
                    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, bn[7]) ||
                    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bn[3]) || !(p = pkey_from_params("RSA", bld))))
            rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the RSA key cannot be used");
    } else if (IS("ecdsa-sha2-nistp256") || IS("ecdsa-sha2-nistp384") || IS("ecdsa-sha2-nistp521")) {
        int kind = IS("ecdsa-sha2-nistp256") ? VOUCH_SSH_ECDSA_P256 : IS("ecdsa-sha2-nistp384") ? VOUCH_SSH_ECDSA_P384 : VOUCH_SSH_ECDSA_P521;
        vspan curve, q, dv;
        const char *group = kind == VOUCH_SSH_ECDSA_P256 ? "P-256" : kind == VOUCH_SSH_ECDSA_P384 ? "P-384" : "P-521";
        if (sshr_text(r, &curve) || curve.n != 8 || memcmp(curve.p, curve_id(kind), 8) != 0 || sshr_string(r, &q) ||
            sshr_mpint(r, &dv) || !(bn[0] = BN_secure_new()) || !BN_bin2bn(dv.p, (int)dv.n, bn[0]))
            rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: malformed ECDSA key");
        if (!rc && (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
                    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn[0]) ||
                    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q.p, q.n) || !(p = pkey_from_params("EC", bld))))
            rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the ECDSA key cannot be used");
        if (!rc) { /* the public point must belong to the private scalar */
            EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(p, NULL);
            if (!c || EVP_PKEY_pairwise_check(c) != 1) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the ECDSA public point does not belong to its private key");
            EVP_PKEY_CTX_free(c);
        }
    } else {
        rc = vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "OpenSSH key of type %.*s: a CA key is RSA, ECDSA or Ed25519",
                        (int)(type.n > 40 ? 40 : type.n), (const char *)type.p);
    }
#undef IS
    for (int i = 0; i < 8; i++) BN_clear_free(bn[i]);
    OSSL_PARAM_BLD_free(bld);
    ERR_clear_error();
    if (rc) { EVP_PKEY_free(p); return rc; }
    *out = from_pkey(p, d, &rc);
    return rc;
}

static int load_openssh(const uint8_t *data, size_t len, vouch_ssh_privkey **out, vouch_diag *d) {
    size_t pos = 0;
    char label[64];
    vspan body;
    if (pem_next(data, len, &pos, label, sizeof label, &body) != 1 || strcmp(label, "OPENSSH PRIVATE KEY") != 0)
        return vouch_fail(d, VOUCH_E_PEM, -1, "malformed OpenSSH private key armour");
    uint8_t *raw = malloc(body.n ? body.n : 1);
    size_t n = 0;
    if (!raw) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    int rc = 0;
    if (b64_decode(body, raw, body.n, &n)) rc = vouch_fail(d, VOUCH_E_PEM, -1, "OpenSSH key: bad base64");
    static const char MAGIC[] = "openssh-key-v1";
    sshr r = {raw, raw};
    vspan cipher, kdf, kdfopts, pub, priv;
    uint32_t nkeys, c1, c2;
    if (!rc && (n < sizeof MAGIC || memcmp(raw, MAGIC, sizeof MAGIC) != 0)) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "not an openssh-key-v1 key");
    if (!rc) r = (sshr){raw + sizeof MAGIC, raw + n};
    if (!rc && (sshr_text(&r, &cipher) || sshr_text(&r, &kdf) || sshr_string(&r, &kdfopts) || sshr_u32(&r, &nkeys) ||
                sshr_string(&r, &pub) || sshr_string(&r, &priv) || r.p != r.end))
        rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: malformed");
    if (!rc && (cipher.n != 4 || memcmp(cipher.p, "none", 4) != 0))
        rc = vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "the key is encrypted: decrypt it first (ssh-keygen -p -N '' -f KEY)");
    if (!rc && (kdf.n != 4 || memcmp(kdf.p, "none", 4) != 0 || kdfopts.n != 0)) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: a KDF without a cipher");
    if (!rc && nkeys != 1) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key file with %u keys; one is expected", nkeys);
    sshr pr = {priv.p, priv.p + priv.n};
    if (!rc && (priv.n % 8 != 0 || sshr_u32(&pr, &c1) || sshr_u32(&pr, &c2) || c1 != c2))
        rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the check values differ (a wrong passphrase or a damaged key)");
    if (!rc) rc = read_openssh_private(&pr, out, d);
    vspan comment;
    if (!rc && sshr_text(&pr, &comment)) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: no comment");
    for (uint8_t i = 1; !rc && pr.p != pr.end; i++, pr.p++) /* padding 1, 2, 3, ... */
        if (*pr.p != i) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: bad padding");
    if (!rc) { /* the public key in the header is the private key's */
        size_t bl;
        const uint8_t *b = vouch_ssh_pubkey_blob((*out)->pub, &bl);
        if (bl != pub.n || memcmp(b, pub.p, bl) != 0) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the public key does not match the private key");
    }
    if (rc && *out) { vouch_ssh_privkey_free(*out); *out = NULL; }
    sodium_memzero(raw, body.n); /* all of it: a failed decode leaves bytes past n */
    free(raw);
    return rc;
}

int vouch_ssh_privkey_load(const uint8_t *data, size_t len, vouch_ssh_privkey **out, vouch_diag *d) {
    if (!out || (!data && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > 64 * 1024) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a key file of %zu bytes", len);
    if (len == 0) return vouch_fail(d, VOUCH_E_EMPTY, -1, "the key file is empty");
    vouch_ensure_init();
    if (memmem(data, len, "-----BEGIN OPENSSH PRIVATE KEY-----", 35)) return load_openssh(data, len, out, d);
    if (memmem(data, len, "-----BEGIN ", 11)) return load_pem(data, len, out, d);
    return vouch_fail(d, VOUCH_E_PEM, -1, "not a PEM, PKCS#8 or OpenSSH private key");
}

int vouch_ssh_privkey_generate(int kind, int bits, vouch_ssh_privkey **out, vouch_diag *d) {
    if (!out) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    vouch_ensure_init();
    if (kind == VOUCH_SSH_ED25519) {
        vouch_ssh_privkey *k = calloc(1, sizeof *k);
        if (!k) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        uint8_t pk[32];
        crypto_sign_keypair(pk, k->ed25519);
        k->kind = kind;
        int rc = finish(k, d);
        if (rc) { vouch_ssh_privkey_free(k); return rc; }
        *out = k;
        return 0;
    }
    EVP_PKEY *p = NULL;
    if (kind == VOUCH_SSH_RSA) {
        if (bits == 0) bits = 4096;
        if (bits != 2048 && bits != 3072 && bits != 4096) return vouch_fail(d, VOUCH_E_ARG, -1, "RSA keys of 2048, 3072 or 4096 bits");
        p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    } else if (kind == VOUCH_SSH_ECDSA_P256 || kind == VOUCH_SSH_ECDSA_P384 || kind == VOUCH_SSH_ECDSA_P521) {
        p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", kind == VOUCH_SSH_ECDSA_P256 ? "P-256" : kind == VOUCH_SSH_ECDSA_P384 ? "P-384" : "P-521");
    } else {
        return vouch_fail(d, VOUCH_E_ARG, -1, "generate RSA, ECDSA or Ed25519 keys");
    }
    if (!p) return vouch_fail(d, VOUCH_E_INTERNAL, -1, "key generation failed");
    int rc;
    *out = from_pkey(p, d, &rc);
    return rc;
}

/* ---- writing OpenSSH's format ---- */

static int put_bn(dbuf *b, EVP_PKEY *p, const char *name) {
    BIGNUM *v = NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = EVP_PKEY_get_bn_param(p, name, &v) == 1 && !bn_bytes(v, &bytes, &n) ? sshw_mpint(b, bytes, n) : VOUCH_E_INTERNAL;
    if (bytes) sodium_memzero(bytes, n);
    free(bytes);
    BN_clear_free(v);
    return rc;
}

int vouch_ssh_privkey_openssh(const vouch_ssh_privkey *k, const char *comment, char **out, size_t *outlen) {
    if (!k || !out) return VOUCH_E_ARG;
    *out = NULL;
    dbuf priv = {.secret = true}, whole = {.secret = true};
    uint32_t check;
    vouch_random((uint8_t *)&check, sizeof check);
    int rc = sshw_u32(&priv, check) || sshw_u32(&priv, check);
    size_t publen;
    const uint8_t *pub = vouch_ssh_pubkey_blob(k->pub, &publen);
    if (!rc) rc = sshw_cstr(&priv, ssh_type_name(k->kind));
    if (!rc && k->kind == VOUCH_SSH_ED25519) {
        rc = sshw_string(&priv, k->ed25519 + 32, 32);
        if (!rc) rc = sshw_string(&priv, k->ed25519, 64);
    } else if (!rc && k->kind == VOUCH_SSH_RSA) {
        const char *names[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
                               OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2};
        for (int i = 0; i < 6 && !rc; i++) rc = put_bn(&priv, k->pkey, names[i]);
    } else if (!rc) {
        sshr r = {pub, pub + publen};
        vspan t, curve, q;
        sshr_string(&r, &t), sshr_string(&r, &curve), sshr_string(&r, &q);
        rc = sshw_string(&priv, curve.p, curve.n);
        if (!rc) rc = sshw_string(&priv, q.p, q.n);
        if (!rc) rc = put_bn(&priv, k->pkey, OSSL_PKEY_PARAM_PRIV_KEY);
    }
    if (!rc) rc = sshw_cstr(&priv, comment ? comment : "");
    for (uint8_t i = 1; !rc && priv.n % 8; i++) rc = dbuf_put(&priv, &i, 1);
    static const char MAGIC[] = "openssh-key-v1";
    if (!rc) rc = dbuf_put(&whole, MAGIC, sizeof MAGIC);
    if (!rc) rc = sshw_cstr(&whole, "none") || sshw_cstr(&whole, "none") || sshw_string(&whole, "", 0) || sshw_u32(&whole, 1);
    if (!rc) rc = sshw_string(&whole, pub, publen);
    if (!rc) rc = sshw_string(&whole, priv.p, priv.n);
    if (!rc) {
        size_t b64len = sodium_base64_ENCODED_LEN(whole.n, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64len);
        size_t cap = b64len + b64len / 70 + 128;
        char *text = malloc(cap);
        if (!b64 || !text) {
            rc = VOUCH_E_NOMEM;
        } else {
            sodium_bin2base64(b64, b64len, whole.p, whole.n, sodium_base64_VARIANT_ORIGINAL);
            size_t o = (size_t)snprintf(text, cap, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
            size_t total = strlen(b64);
            for (size_t i = 0; i < total; i += 70) {
                size_t m = total - i < 70 ? total - i : 70;
                memcpy(text + o, b64 + i, m), o += m;
                text[o++] = '\n';
            }
            o += (size_t)snprintf(text + o, cap - o, "-----END OPENSSH PRIVATE KEY-----\n");
            *out = text;
            if (outlen) *outlen = o;
            text = NULL;
        }
        if (b64) sodium_memzero(b64, b64len);
        free(b64);
        free(text);
    }
    if (priv.p) sodium_memzero(priv.p, priv.cap);
    if (whole.p) sodium_memzero(whole.p, whole.cap);
    free(priv.p), free(whole.p);
    return rc > 0 ? VOUCH_E_NOMEM : rc;
}

/* ---- signing ---- */

static void random_bytes(void *ctx, size_t n, uint8_t *dst) { (void)ctx; randombytes_buf(dst, n); }

static size_t digest(int bits, const uint8_t *m, size_t n, uint8_t out[64]) { return vdigest(bits == 256 ? 0 : bits == 384 ? 1 : 2, m, n, out); }

static EVP_PKEY_CTX *ctx_take(vouch_ssh_privkey *k, int row) {
    for (int i = 0; i < POOL; i++) {
        EVP_PKEY_CTX *c = atomic_exchange(&k->pool[row][i], NULL);
        if (c) return c;
    }
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k->pkey, NULL);
    if (!c || EVP_PKEY_sign_init(c) != 1) goto fail;
    if (k->kind == VOUCH_SSH_RSA && (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
                                     EVP_PKEY_CTX_set_signature_md(c, row ? EVP_sha256() : EVP_sha512()) != 1))
        goto fail;
    return c;
fail:
    EVP_PKEY_CTX_free(c);
    return NULL;
}

static void ctx_give(vouch_ssh_privkey *k, int row, EVP_PKEY_CTX *c) {
    for (int i = 0; i < POOL; i++) {
        EVP_PKEY_CTX *expected = NULL;
        if (atomic_compare_exchange_strong(&k->pool[row][i], &expected, c)) return;
    }
    EVP_PKEY_CTX_free(c);
}

/* Appends the signature blob (string algorithm, string signature) of data, as an SSH
 * string, to out. data may point into out: it is read before out grows. */
int ssh_sign_append(const vouch_ssh_privkey *ck, const uint8_t *data, size_t len, int rsa_sha256, dbuf *out) {
    vouch_ssh_privkey *k = (vouch_ssh_privkey *)ck; /* only the context pool changes */
    if (!k || !out || (!data && len)) return VOUCH_E_ARG;
    uint8_t s[1024], r[66];
    size_t sl = 0;
    const char *alg = ssh_type_name(k->kind);
    int rc = 0;
    if (k->kind == VOUCH_SSH_ED25519) {
        crypto_sign_detached(s, NULL, data, len, k->ed25519);
        sl = 64;
    } else if (k->kind == VOUCH_SSH_RSA) {
        uint8_t h[64];
        size_t hl = digest(rsa_sha256 ? 256 : 512, data, len, h);
        EVP_PKEY_CTX *c = ctx_take(k, rsa_sha256 ? 1 : 0);
        if (!c) return VOUCH_E_NOMEM;
        sl = sizeof s;
        if (EVP_PKEY_sign(c, s, &sl, h, hl) != 1) rc = VOUCH_E_INTERNAL;
        ctx_give(k, rsa_sha256 ? 1 : 0, c);
        if (rc) ERR_clear_error(); /* a success leaves nothing queued */
        alg = rsa_sha256 ? "rsa-sha2-256" : "rsa-sha2-512";
    } else {
        size_t size = field_size(k->kind);
        uint8_t h[64], sv[66];
        size_t hl = digest(k->kind == VOUCH_SSH_ECDSA_P256 ? 256 : k->kind == VOUCH_SSH_ECDSA_P384 ? 384 : 512, data, len, h);
        if (k->has_nettle) {
            struct dsa_signature ds;
            dsa_signature_init(&ds);
            ecdsa_sign(&k->scalar, NULL, random_bytes, hl, h, &ds);
            size_t rn = 0, sn = 0;
            memset(r, 0, sizeof r), memset(sv, 0, sizeof sv);
            mpz_export(r + size - (mpz_sizeinbase(ds.r, 256)), &rn, 1, 1, 1, 0, ds.r);
            mpz_export(sv + size - (mpz_sizeinbase(ds.s, 256)), &sn, 1, 1, 1, 0, ds.s);
            dsa_signature_clear(&ds);
        } else {
            ECDSA_SIG *es = ec_sign(h, hl, k->ec);
            if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), r, (int)size) < 0 || BN_bn2binpad(ECDSA_SIG_get0_s(es), sv, (int)size) < 0)
                rc = VOUCH_E_INTERNAL;
            ECDSA_SIG_free(es);
            if (rc) ERR_clear_error();
        }
        /* the signature is two mpints, r and s, in a fixed buffer */
        dbuf inner = {s, 0, sizeof s};
        if (!rc) rc = sshw_mpint(&inner, r, size) || sshw_mpint(&inner, sv, size) ? VOUCH_E_INTERNAL : 0;
        sl = inner.n;
    }
    if (rc) return rc;
    size_t al = strlen(alg);
    return sshw_u32(out, (uint32_t)(8 + al + sl)) || sshw_string(out, alg, al) || sshw_string(out, s, sl) ? VOUCH_E_NOMEM : 0;
}

int vouch_ssh_privkey_sign(const vouch_ssh_privkey *k, const uint8_t *data, size_t len, int rsa_sha256, uint8_t **sig, size_t *siglen) {
    if (!k || !sig || !siglen || (!data && len)) return VOUCH_E_ARG;
    *sig = NULL;
    dbuf b = {0};
    int rc = ssh_sign_append(k, data, len, rsa_sha256, &b);
    if (rc) { free(b.p); return rc; }
    /* the caller gets the blob itself, without the outer length */
    memmove(b.p, b.p + 4, b.n - 4);
    *sig = b.p;
    *siglen = b.n - 4;
    return 0;
}
