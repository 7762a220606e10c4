/* vouch_bench.h: raw-primitive baselines and OpenSSL peers for `vouch-bench`, measured
 * in the same process as Vouch's own figures. Each vb_* timing function runs its loop
 * for about `seconds` and returns operations per second. */
#ifndef VOUCH_BENCH_H
#define VOUCH_BENCH_H
#include <stddef.h>
#include <stdint.h>

/* Raw: one signature verification of the leaf's signature with its issuer's key, using a
 * prepared EVP_PKEY_CTX and a precomputed digest (what `openssl speed` measures). */
double vb_raw_verify_leaf(const char *leaf_pem, const char *issuer_pem, double seconds);

/* Peer: OpenSSL's X509_verify_cert, leaf (and `untrusted`, may be NULL) parsed from PEM
 * each time as in a login, trust store built once. */
double vb_openssl_verify_chain(const char *root_pem, const char *untrusted_pem, const char *leaf_pem, double seconds);

/* Builds a DER CRL of `n` random 20-byte serials issued and signed by the CA; the serials
 * (20 bytes each) go to `serials` (caller allocates n * 20). Caller frees *der. */
int vb_crl_build(const char *ca_pem, const char *ca_key_pem, size_t n, uint8_t **der, size_t *vder_len, uint8_t *serials);

/* Peer: d2i_X509_CRL of the DER (seconds per load, out: bytes per serial it keeps, measured
 * with mallinfo2), and X509_CRL_get0_by_serial nanoseconds per lookup of the given serials. */
double vb_openssl_crl_load_seconds(const uint8_t *der, size_t len, double *bytes_per_serial);
double vb_openssl_crl_lookup_ns(const uint8_t *der, size_t len, const uint8_t *serials, size_t n, size_t lookups);

/* Raw: nanoseconds per random read from a table of `bytes`, each read's address taken
 * from the one before (so no two overlap): the memory latency a hash-table lookup that
 * misses the cache pays once. */
double vb_random_read_ns(size_t bytes, size_t reads);

/* Raw: verifications per second of a compact JWS's signature over its signing input with
 * the public key (PEM), the digest precomputed where the algorithm has one. backend 0:
 * OpenSSL EVP_PKEY_verify with a prepared context; 1: nettle (P-384); 2: libsodium
 * (Ed25519). -1 if the signature does not verify. */
double vb_raw_jws_verify(const char *token, const char *pub_pem, int backend, double seconds);

/* A certificate's TBS bytes and signature bytes (malloc'd copies). 0 or -1. */
int vb_cert_tbs_and_signature(const char *pem, uint8_t **tbs, size_t *tbs_len, uint8_t **sig, size_t *sig_len);

/* Raw: signatures per second of `body` (an SSH certificate's signed part) with the private
 * key (PEM / PKCS#8), as the fastest vetted primitive for its type makes them: libsodium
 * for Ed25519, nettle for P-384, OpenSSL with a prepared context for RSA (SHA-512) and
 * P-256; the digest of the body is part of each signature. -1 on error. */
double vb_raw_ssh_sign(const char *key_pem, const uint8_t *body, size_t len, double seconds);

/* Peer: runs argv (argv[0] an absolute path, NULL-terminated) as a process, one after the
 * other, as a shell loop would (posix_spawn, waitpid), output discarded; processes per
 * second, -1 if one fails. */
double vb_spawn_rate(const char *const *argv, double seconds);

/* Raw: RSA keys of `bits` bits made per second by OpenSSL's EVP_PKEY_keygen (what
 * `openssl genpkey -algorithm RSA` runs), for at least `seconds` and `min_keys` keys. */
double vb_raw_rsa_keygen(int bits, double seconds, int min_keys);

double vb_now(void);
#endif
