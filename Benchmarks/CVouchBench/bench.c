/* bench.c: baselines and peers for the benchmarks (see vouch_bench.h). */
#include "vouch_bench.h"

#include <malloc.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

double vb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static X509 *pem_cert(const char *pem) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

double vb_raw_verify_leaf(const char *leaf_pem, const char *issuer_pem, double seconds) {
    X509 *leaf = pem_cert(leaf_pem), *issuer = pem_cert(issuer_pem);
    if (!leaf || !issuer) return -1;
    EVP_PKEY *key = X509_get0_pubkey(issuer);
    const ASN1_BIT_STRING *sig;
    const X509_ALGOR *alg;
    X509_get0_signature(&sig, &alg, leaf);
    unsigned char *tbs = NULL;
    int tbslen = i2d_re_X509_tbs(leaf, &tbs);
    int nid = X509_get_signature_nid(leaf), mdnid = 0, pknid = 0;
    OBJ_find_sigid_algs(nid, &mdnid, &pknid);
    double rate = -1;
    if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) {
        /* Ed25519 has no prehash: the raw operation is EVP_DigestVerify over the TBS */
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        long n = 0;
        double t0 = vb_now(), t;
        do {
            for (int i = 0; i < 64; i++) {
                EVP_DigestVerifyInit(m, NULL, NULL, NULL, key);
                if (EVP_DigestVerify(m, sig->data, (size_t)sig->length, tbs, (size_t)tbslen) != 1) goto out;
            }
            n += 64;
        } while ((t = vb_now() - t0) < seconds);
        rate = (double)n / t;
        EVP_MD_CTX_free(m);
    } else {
        const EVP_MD *md = EVP_get_digestbynid(mdnid);
        unsigned char digest[64];
        unsigned int dlen;
        EVP_Digest(tbs, (size_t)tbslen, digest, &dlen, md, NULL);
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
        EVP_PKEY_verify_init(ctx);
        if (EVP_PKEY_get_id(key) == EVP_PKEY_RSA) EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
        EVP_PKEY_CTX_set_signature_md(ctx, md);
        long n = 0;
        double t0 = vb_now(), t;
        do {
            for (int i = 0; i < 64; i++)
                if (EVP_PKEY_verify(ctx, sig->data, (size_t)sig->length, digest, dlen) != 1) { EVP_PKEY_CTX_free(ctx); goto out; }
            n += 64;
        } while ((t = vb_now() - t0) < seconds);
        rate = (double)n / t;
        EVP_PKEY_CTX_free(ctx);
    }
out:
    OPENSSL_free(tbs);
    X509_free(leaf);
    X509_free(issuer);
    return rate;
}

double vb_openssl_verify_chain(const char *root_pem, const char *untrusted_pem, const char *leaf_pem, double seconds) {
    X509_STORE *store = X509_STORE_new();
    X509 *root = pem_cert(root_pem);
    X509_STORE_add_cert(store, root);
    X509_free(root);
    long n = 0;
    double t0 = vb_now(), t;
    size_t llen = strlen(leaf_pem), ulen = untrusted_pem ? strlen(untrusted_pem) : 0;
    do {
        for (int i = 0; i < 16; i++) {
            BIO *b = BIO_new_mem_buf(leaf_pem, (int)llen);
            X509 *leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
            BIO_free(b);
            STACK_OF(X509) *chain = NULL;
            if (untrusted_pem) {
                chain = sk_X509_new_null();
                b = BIO_new_mem_buf(untrusted_pem, (int)ulen);
                X509 *x;
                while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) sk_X509_push(chain, x);
                ERR_clear_error();
                BIO_free(b);
            }
            X509_STORE_CTX *ctx = X509_STORE_CTX_new();
            X509_STORE_CTX_init(ctx, store, leaf, chain);
            X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
            X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_X509_STRICT);
            X509_VERIFY_PARAM_set_purpose(p, X509_PURPOSE_SSL_CLIENT);
            int ok = X509_verify_cert(ctx);
            X509_STORE_CTX_free(ctx);
            sk_X509_pop_free(chain, X509_free);
            X509_free(leaf);
            if (ok != 1) { X509_STORE_free(store); return -1; }
        }
        n += 16;
    } while ((t = vb_now() - t0) < seconds);
    X509_STORE_free(store);
    return (double)n / t;
}

/* --- a DER CRL written directly: cheap enough for ten million entries --- */
static size_t len_size(size_t n) { return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5; }
static uint8_t *put_hdr(uint8_t *p, uint8_t tag, size_t n) {
    *p++ = tag;
    if (n < 0x80) { *p++ = (uint8_t)n; return p; }
    size_t k = len_size(n) - 1;
    *p++ = (uint8_t)(0x80 | k);
    for (size_t i = k; i-- > 0;) *p++ = (uint8_t)(n >> (8 * i));
    return p;
}

int vb_crl_build(const char *ca_pem, const char *ca_key_pem, size_t n, uint8_t **der, size_t *vder_len, uint8_t *serials) {
    X509 *ca = pem_cert(ca_pem);
    BIO *b = BIO_new_mem_buf(ca_key_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!ca || !key) return -1;
    unsigned char *name = NULL;
    int namelen = i2d_X509_NAME(X509_get_subject_name(ca), &name);
    int rsa = EVP_PKEY_get_id(key) == EVP_PKEY_RSA;
    static const uint8_t RSA256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const uint8_t ECDSA256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    const uint8_t *alg = rsa ? RSA256 : ECDSA256;
    size_t alglen = rsa ? sizeof RSA256 : sizeof ECDSA256;
    static const char T[] = "260101000000Z", T2[] = "361231000000Z";
    const size_t entry = 2 + (2 + 20) + (2 + 13);
    size_t revoked = n * entry;
    size_t tbs_body = 3 + alglen + (size_t)namelen + 15 + 15 + (n ? 1 + len_size(revoked) + revoked : 0);
    size_t tbs_len = 1 + len_size(tbs_body) + tbs_body;
    uint8_t *tbs = malloc(tbs_len), *p = tbs;
    p = put_hdr(p, 0x30, tbs_body);
    *p++ = 0x02, *p++ = 0x01, *p++ = 0x01;
    memcpy(p, alg, alglen), p += alglen;
    memcpy(p, name, (size_t)namelen), p += namelen;
    p = put_hdr(p, 0x17, 13), memcpy(p, T, 13), p += 13;
    p = put_hdr(p, 0x17, 13), memcpy(p, T2, 13), p += 13;
    if (n) {
        p = put_hdr(p, 0x30, revoked);
        RAND_bytes(serials, (int)(n * 20));
        for (size_t i = 0; i < n; i++) {
            uint8_t *s = serials + 20 * i;
            s[0] = (uint8_t)((s[0] & 0x7f) | 0x01); /* positive, minimal, 20 bytes */
            *p++ = 0x30, *p++ = (uint8_t)(entry - 2);
            *p++ = 0x02, *p++ = 20;
            memcpy(p, s, 20), p += 20;
            *p++ = 0x17, *p++ = 13;
            memcpy(p, T, 13), p += 13;
        }
    }
    size_t siglen = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, key);
    EVP_DigestSign(m, NULL, &siglen, tbs, tbs_len);
    uint8_t *sig = malloc(siglen);
    EVP_DigestSign(m, sig, &siglen, tbs, tbs_len);
    EVP_MD_CTX_free(m);
    size_t body = tbs_len + alglen + 1 + len_size(siglen + 1) + siglen + 1;
    *vder_len = 1 + len_size(body) + body;
    *der = malloc(*vder_len);
    p = put_hdr(*der, 0x30, body);
    memcpy(p, tbs, tbs_len), p += tbs_len;
    memcpy(p, alg, alglen), p += alglen;
    p = put_hdr(p, 0x03, siglen + 1);
    *p++ = 0;
    memcpy(p, sig, siglen);
    free(sig);
    free(tbs);
    OPENSSL_free(name);
    EVP_PKEY_free(key);
    X509_free(ca);
    return 0;
}

double vb_openssl_crl_load_seconds(const uint8_t *der, size_t len, double *bytes_per_serial) {
    struct mallinfo2 before = mallinfo2();
    double t0 = vb_now();
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    double t = vb_now() - t0;
    struct mallinfo2 after = mallinfo2();
    if (!crl) return -1;
    int n = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
    if (bytes_per_serial && n > 0) *bytes_per_serial = (double)(after.uordblks - before.uordblks) / n;
    X509_CRL_free(crl);
    return t;
}

double vb_openssl_crl_lookup_ns(const uint8_t *der, size_t len, const uint8_t *serials, size_t n, size_t lookups) {
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    if (!crl || !n) return -1;
    ASN1_INTEGER **ints = malloc(sizeof *ints * n);
    for (size_t i = 0; i < n; i++) {
        BIGNUM *bn = BN_bin2bn(serials + 20 * i, 20, NULL);
        ints[i] = BN_to_ASN1_INTEGER(bn, NULL);
        BN_free(bn);
    }
    X509_REVOKED *r;
    X509_CRL_get0_by_serial(crl, &r, ints[0]); /* OpenSSL sorts lazily on first lookup */
    size_t hits = 0;
    uint64_t x = 88172645463325252ull;
    double t0 = vb_now();
    for (size_t i = 0; i < lookups; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        hits += X509_CRL_get0_by_serial(crl, &r, ints[x % n]) == 1;
    }
    double t = vb_now() - t0;
    for (size_t i = 0; i < n; i++) ASN1_INTEGER_free(ints[i]);
    free(ints);
    X509_CRL_free(crl);
    return hits == lookups ? t / (double)lookups * 1e9 : -1;
}

double vb_random_read_ns(size_t bytes, size_t reads) {
    size_t n = bytes / sizeof(uint64_t);
    if (n < 2) return -1;
    uint64_t *t = malloc(n * sizeof *t);
    if (!t) return -1;
    /* a random cyclic permutation (Sattolo), so the walk visits the whole table */
    for (size_t i = 0; i < n; i++) t[i] = i;
    uint64_t x = 88172645463325252ull;
    for (size_t i = n - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t j = (size_t)(x % i);
        uint64_t tmp = t[i];
        t[i] = t[j];
        t[j] = tmp;
    }
    size_t j = 0;
    double t0 = vb_now();
    for (size_t i = 0; i < reads; i++) j = t[j];
    double ns = (vb_now() - t0) / (double)reads * 1e9;
    free(t);
    return j == (size_t)-1 ? -1 : ns;
}

/* ---- JWS: the raw signature verification of a token's signing input, per backend ---- */
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <sodium.h>

static size_t unb64url(const char *s, size_t n, uint8_t *out) {
    static const char *A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(A, s[i]);
        if (!p) return 0;
        acc = acc << 6 | (uint32_t)(p - A);
        bits += 6;
        if (bits >= 8) bits -= 8, out[k++] = (uint8_t)(acc >> bits);
    }
    return k;
}

double vb_raw_jws_verify(const char *token, const char *pub_pem, int backend, double seconds) {
    const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2) return -1;
    size_t inlen = (size_t)(d2 - token);
    uint8_t sig[1024];
    size_t siglen = unb64url(d2 + 1, strlen(d2 + 1), sig);
    char alg[8] = {0};
    { /* the header's alg, read the quick way: the bench makes its own tokens */
        uint8_t h[256];
        size_t hn = unb64url(token, (size_t)(d1 - token), h);
        h[hn] = 0;
        const char *a = strstr((const char *)h, "\"alg\":\"");
        if (!a) return -1;
        memcpy(alg, a + 7, 5);
    }
    BIO *b = BIO_new_mem_buf(pub_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!key) return -1;
    const EVP_MD *md = strstr(alg, "384") ? EVP_sha384() : strstr(alg, "512") ? EVP_sha512() : EVP_sha256();
    uint8_t digest[64];
    unsigned dlen = 0;
    EVP_Digest(token, inlen, digest, &dlen, md, NULL);
    long n = 0;
    double t0 = vb_now(), t;
    int ok = 1;
    if (backend == 2) { /* libsodium Ed25519 over the signing input */
        uint8_t pk[32];
        size_t pklen = 32;
        EVP_PKEY_get_raw_public_key(key, pk, &pklen);
        do {
            for (int i = 0; i < 64; i++) ok &= crypto_sign_verify_detached(sig, (const uint8_t *)token, inlen, pk) == 0;
            n += 64;
        } while ((t = vb_now() - t0) < seconds);
    } else if (backend == 1) { /* nettle P-384 on the digest */
        BIGNUM *x = NULL, *y = NULL;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        uint8_t xb[48], yb[48];
        BN_bn2binpad(x, xb, 48), BN_bn2binpad(y, yb, 48);
        BN_free(x), BN_free(y);
        mpz_t mx, my;
        mpz_init(mx), mpz_init(my);
        mpz_import(mx, 48, 1, 1, 1, 0, xb), mpz_import(my, 48, 1, 1, 1, 0, yb);
        struct ecc_point pub;
        ecc_point_init(&pub, nettle_get_secp_384r1());
        ok = ecc_point_set(&pub, mx, my);
        do {
            for (int i = 0; i < 16; i++) {
                struct dsa_signature s;
                dsa_signature_init(&s);
                mpz_import(s.r, 48, 1, 1, 1, 0, sig), mpz_import(s.s, 48, 1, 1, 1, 0, sig + 48);
                ok &= ecdsa_verify(&pub, dlen, digest, &s);
                dsa_signature_clear(&s);
            }
            n += 16;
        } while ((t = vb_now() - t0) < seconds);
        ecc_point_clear(&pub);
        mpz_clear(mx), mpz_clear(my);
    } else { /* OpenSSL: a prepared context, the digest precomputed */
        uint8_t der[160];
        size_t derlen = siglen;
        const uint8_t *s = sig;
        if (alg[0] == 'E') { /* r || s to ECDSA-Sig-Value */
            ECDSA_SIG *es = ECDSA_SIG_new();
            ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)siglen / 2, NULL), BN_bin2bn(sig + siglen / 2, (int)siglen / 2, NULL));
            uint8_t *p = der;
            derlen = (size_t)i2d_ECDSA_SIG(es, &p);
            ECDSA_SIG_free(es);
            s = der;
        }
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
        EVP_PKEY_verify_init(c);
        if (alg[0] != 'E') {
            EVP_PKEY_CTX_set_rsa_padding(c, alg[0] == 'P' ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING);
            EVP_PKEY_CTX_set_signature_md(c, md);
            if (alg[0] == 'P') EVP_PKEY_CTX_set_rsa_mgf1_md(c, md), EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST);
        }
        do {
            for (int i = 0; i < 16; i++) ok &= EVP_PKEY_verify(c, s, derlen, digest, dlen) == 1;
            n += 16;
        } while ((t = vb_now() - t0) < seconds);
        EVP_PKEY_CTX_free(c);
    }
    EVP_PKEY_free(key);
    return ok ? (double)n / t : -1;
}

int vb_cert_tbs_and_signature(const char *pem, uint8_t **tbs, size_t *tbs_len, uint8_t **sig, size_t *sig_len) {
    X509 *x = pem_cert(pem);
    if (!x) return -1;
    unsigned char *t = NULL;
    int tl = i2d_re_X509_tbs(x, &t);
    const ASN1_BIT_STRING *s;
    const X509_ALGOR *alg;
    X509_get0_signature(&s, &alg, x);
    *tbs = malloc((size_t)tl);
    *sig = malloc((size_t)s->length);
    memcpy(*tbs, t, (size_t)tl);
    memcpy(*sig, s->data, (size_t)s->length);
    *tbs_len = (size_t)tl;
    *sig_len = (size_t)s->length;
    OPENSSL_free(t);
    X509_free(x);
    return 0;
}

/* ---- SSH certificate signing baselines ---- */

static void vb_random(void *ctx, size_t n, uint8_t *dst) { (void)ctx; randombytes_buf(dst, n); }

/* The fastest SHA-2 calls OpenSSL 3.0 has: the low-level functions (its one-shot SHA256()
 * fetches the algorithm on every call), as the core uses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void vb_sha(int bits, const uint8_t *m, size_t n, uint8_t *out) {
    if (bits == 256) {
        SHA256_CTX c;
        SHA256_Init(&c), SHA256_Update(&c, m, n), SHA256_Final(out, &c);
        return;
    }
    SHA512_CTX c;
    if (bits == 384) SHA384_Init(&c), SHA384_Update(&c, m, n), SHA384_Final(out, &c);
    else SHA512_Init(&c), SHA512_Update(&c, m, n), SHA512_Final(out, &c);
}
#pragma GCC diagnostic pop

double vb_raw_ssh_sign(const char *key_pem, const uint8_t *body, size_t len, double seconds) {
    BIO *b = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!key) return -1;
    double t0 = vb_now(), t = 0;
    long n = 0;
    int id = EVP_PKEY_get_base_id(key), bits = EVP_PKEY_get_bits(key);
    if (id == EVP_PKEY_ED25519) { /* libsodium, the same seed */
        uint8_t seed[32], pk[32], sk[64], sig[64];
        size_t sl = 32;
        EVP_PKEY_get_raw_private_key(key, seed, &sl);
        crypto_sign_seed_keypair(pk, sk, seed);
        do {
            for (int i = 0; i < 16; i++) crypto_sign_detached(sig, NULL, body, len, sk);
            n += 16;
        } while ((t = vb_now() - t0) < seconds);
    } else if (id == EVP_PKEY_EC && bits == 384) { /* nettle, nonces from libsodium's CSPRNG */
        BIGNUM *priv = NULL;
        uint8_t db[48], h[48];
        EVP_PKEY_get_bn_param(key, "priv", &priv);
        BN_bn2binpad(priv, db, 48);
        BN_clear_free(priv);
        mpz_t z;
        mpz_init(z);
        mpz_import(z, 48, 1, 1, 1, 0, db);
        struct ecc_scalar s;
        ecc_scalar_init(&s, nettle_get_secp_384r1());
        ecc_scalar_set(&s, z);
        struct dsa_signature sig;
        dsa_signature_init(&sig);
        do {
            for (int i = 0; i < 16; i++) {
                vb_sha(384, body, len, h);
                ecdsa_sign(&s, NULL, vb_random, 48, h, &sig);
            }
            n += 16;
        } while ((t = vb_now() - t0) < seconds);
        dsa_signature_clear(&sig);
        ecc_scalar_clear(&s);
        mpz_clear(z);
    } else if (id == EVP_PKEY_EC) { /* OpenSSL's fastest ECDSA path: ECDSA_do_sign, no DER encoding */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        EC_KEY *ec = EVP_PKEY_get1_EC_KEY(key);
        uint8_t h[32];
        do {
            for (int i = 0; i < 16; i++) {
                vb_sha(256, body, len, h);
                ECDSA_SIG *sig = ECDSA_do_sign(h, 32, ec);
                if (!sig) { n = -1; break; }
                ECDSA_SIG_free(sig);
            }
            if (n < 0) break;
            n += 16;
        } while ((t = vb_now() - t0) < seconds);
        EC_KEY_free(ec);
#pragma GCC diagnostic pop
    } else { /* OpenSSL with a prepared context: RSA (SHA-512, PKCS#1 v1.5) */
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
        int rsa = id == EVP_PKEY_RSA;
        if (!c || EVP_PKEY_sign_init(c) != 1 ||
            (rsa && (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 || EVP_PKEY_CTX_set_signature_md(c, EVP_sha512()) != 1))) {
            EVP_PKEY_CTX_free(c);
            EVP_PKEY_free(key);
            return -1;
        }
        uint8_t h[64], sig[1024];
        do {
            for (int i = 0; i < 16; i++) {
                size_t sl = sizeof sig;
                vb_sha(rsa ? 512 : 256, body, len, h);
                if (EVP_PKEY_sign(c, sig, &sl, h, rsa ? 64 : 32) != 1) { n = -1; break; }
            }
            if (n < 0) break;
            n += 16;
        } while ((t = vb_now() - t0) < seconds);
        EVP_PKEY_CTX_free(c);
    }
    EVP_PKEY_free(key);
    return n < 0 ? -1 : (double)n / t;
}

double vb_spawn_rate(const char *const *argv, double seconds) {
    extern char **environ;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double t0 = vb_now(), t = 0;
    long n = 0;
    do {
        pid_t pid;
        int status = 0;
        if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) != 0 || waitpid(pid, &status, 0) != pid ||
            !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            n = -1;
            break;
        }
        n++;
    } while ((t = vb_now() - t0) < seconds);
    posix_spawn_file_actions_destroy(&fa);
    return n < 0 ? -1 : (double)n / t;
}

/* ---- RSA key generation: OpenSSL's own ---- */

double vb_raw_rsa_keygen(int bits, double seconds, int min_keys) {
    long n = 0;
    double t0 = vb_now(), t;
    do {
        EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
        if (!p) return -1;
        EVP_PKEY_free(p);
        n++;
    } while ((t = vb_now() - t0) < seconds || n < min_keys);
    return (double)n / t;
}
