/* sshkey.c: SSH keys. The key-type table; OpenSSH public keys (wire blob and
 * authorized_keys line: parse, encode, fingerprint) and SSH signature verification; and CA
 * private keys: OpenSSH's private key format (openssh-key-v1), PEM and PKCS#8 through
 * OpenSSL, generation, and signing with the fastest vetted primitive per key: libsodium
 * for Ed25519, nettle for P-384, OpenSSL (with ready contexts) for RSA, P-256 and P-521.
 * Parsing is strict: nothing may follow a key's last field. Built on sshwire.c only;
 * certificates (sshcert.c) build on it. */
#define _GNU_SOURCE /* memmem */
#include "internal.h"
#include "vouch_base64.h"
#include "sshkey_internal.h"
#include "sshwire.h"
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

/* ---- key types ---- */

static const struct {
    int kind;
    const char *name, *cert_name, *curve; /* curve: the ECDSA identifier inside the key */
} TYPES[] = {
    {VOUCH_SSH_RSA, "ssh-rsa", "ssh-rsa-cert-v01@openssh.com", NULL},
    {VOUCH_SSH_ECDSA_P256, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "nistp256"},
    {VOUCH_SSH_ECDSA_P384, "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "nistp384"},
    {VOUCH_SSH_ECDSA_P521, "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com", "nistp521"},
    {VOUCH_SSH_ED25519, "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", NULL},
    {VOUCH_SSH_SK_ECDSA, "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "nistp256"},
    {VOUCH_SSH_SK_ED25519, "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com", NULL},
};
enum { NTYPES = sizeof TYPES / sizeof TYPES[0] };

int vssh_type_by_name(vspan n, bool cert) {
    for (int i = 0; i < NTYPES; i++) {
        const char *t = cert ? TYPES[i].cert_name : TYPES[i].name;
        if (strlen(t) == n.n && memcmp(t, n.p, n.n) == 0) return i;
    }
    return -1;
}

static int type_index(int kind) {
    for (int i = 0; i < NTYPES; i++)
        if (TYPES[i].kind == kind) return i;
    return -1;
}

static const char *vssh_type_name(int kind) { int i = type_index(kind); return i < 0 ? "unknown" : TYPES[i].name; }
const char *vssh_cert_type_name(int kind) { int i = type_index(kind); return i < 0 ? "unknown" : TYPES[i].cert_name; }
int vssh_type_kind(int ti) { return TYPES[ti].kind; }

static vkey_type ec_curve(int kind) {
    return kind == VOUCH_SSH_ECDSA_P256 || kind == VOUCH_SSH_SK_ECDSA ? VKEY_P256
         : kind == VOUCH_SSH_ECDSA_P384 ? VKEY_P384 : kind == VOUCH_SSH_ECDSA_P521 ? VKEY_P521 : VKEY_UNKNOWN;
}

/* ---- public keys ---- */

struct vouch_ssh_pubkey {
    int kind;
    int bits;
    uint8_t *blob;
    size_t bloblen;
    vpubkey *key; /* for verifying signatures made with it (not for sk keys) */
};

void vouch_ssh_pubkey_free(vouch_ssh_pubkey *k) {
    if (!k) return;
    free(k->blob);
    vpubkey_free(k->key);
    free(k);
}

int vouch_ssh_pubkey_kind(const vouch_ssh_pubkey *k) { return k ? k->kind : 0; }
const char *vouch_ssh_pubkey_type_name(const vouch_ssh_pubkey *k) { return k ? vssh_type_name(k->kind) : "unknown"; }
int vouch_ssh_pubkey_bits(const vouch_ssh_pubkey *k) { return k ? k->bits : 0; }
const uint8_t *vouch_ssh_pubkey_blob(const vouch_ssh_pubkey *k, size_t *len) {
    if (!k) return NULL;
    if (len) *len = k->bloblen;
    return k->blob;
}

static int bit_length(vspan v) {
    if (!v.n) return 0;
    int b = (int)(v.n - 1) * 8;
    for (uint8_t x = v.p[0]; x; x >>= 1) b++;
    return b;
}

/* Reads the fields of key type `ti` from r (after its type string) into a new key whose
 * blob is the type name followed by exactly those fields. */
int vssh_read_key_fields(vsshr *r, int ti, vouch_ssh_pubkey **out, vouch_diag *d) {
    const uint8_t *start = r->p;
    int kind = TYPES[ti].kind;
    vspan a, b, app;
    vbuf spki = {0};
    int rc = 0, bits = 0;
    switch (kind) {
    case VOUCH_SSH_RSA:
        if (vsshr_mpint(r, &a) || vsshr_mpint(r, &b)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "ssh-rsa key: bad e or n");
        bits = bit_length(b);
        if (bits < 2048) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "RSA key of %d bits; at least 2048 are required", bits);
        if (bits > 16384) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "RSA key of %d bits is larger than supported", bits);
        if (a.n == 0 || !(a.p[a.n - 1] & 1) || (a.n == 1 && a.p[0] < 3)) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "bad RSA exponent");
        rc = vspki_from_rsa(b.p, b.n, a.p, a.n, &spki);
        break;
    case VOUCH_SSH_ECDSA_P256: case VOUCH_SSH_ECDSA_P384: case VOUCH_SSH_ECDSA_P521: case VOUCH_SSH_SK_ECDSA: {
        size_t size = ec_curve(kind) == VKEY_P256 ? 32 : ec_curve(kind) == VKEY_P384 ? 48 : 66;
        if (vsshr_text(r, &a) || strlen(TYPES[ti].curve) != a.n || memcmp(a.p, TYPES[ti].curve, a.n) != 0)
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: the curve name is not %s", TYPES[ti].name, TYPES[ti].curve);
        if (vsshr_string(r, &b) || b.n != 1 + 2 * size || b.p[0] != 0x04)
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: the point is not an uncompressed point of %zu bytes", TYPES[ti].name,
                              1 + 2 * size);
        bits = (int)(size == 66 ? 521 : size * 8);
        rc = vspki_from_ec(ec_curve(kind), b.p, b.n, &spki);
        break;
    }
    case VOUCH_SSH_ED25519: case VOUCH_SSH_SK_ED25519:
        if (vsshr_string(r, &a) || a.n != 32) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: the key is not 32 bytes", TYPES[ti].name);
        bits = 256;
        rc = vspki_from_ed25519(a.p, &spki);
        break;
    default:
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "unsupported key type");
    }
    if (!rc && (kind == VOUCH_SSH_SK_ECDSA || kind == VOUCH_SSH_SK_ED25519)) {
        if (vsshr_text(r, &app) || app.n == 0) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: bad application", TYPES[ti].name);
    }
    vpubkey *vk = NULL;
    if (!rc) {
        int k = vpubkey_new((vspan){spki.p, spki.n}, &vk);
        if (k == VOUCH_E_WEAK_KEY)
            rc = vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "%s", kind == VOUCH_SSH_RSA ? "the RSA modulus has the ROCA fingerprint (CVE-2017-15361)"
                                                                                  : "the EC point is not on its curve");
        else if (k) rc = vouch_fail(d, k, -1, "unusable %s key", TYPES[ti].name);
    }
    free(spki.p);
    if (rc) {
        vpubkey_free(vk);
        return rc;
    }
    if (kind == VOUCH_SSH_SK_ECDSA || kind == VOUCH_SSH_SK_ED25519) { /* verified by a security key's own format */
        vpubkey_free(vk);
        vk = NULL;
    }
    vouch_ssh_pubkey *k = calloc(1, sizeof *k);
    vbuf blob = {0};
    if (!k || vsshw_cstr(&blob, TYPES[ti].name) || vbuf_put(&blob, start, (size_t)(r->p - start))) {
        free(k), free(blob.p), vpubkey_free(vk);
        return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    *k = (vouch_ssh_pubkey){kind, bits, blob.p, blob.n, vk};
    *out = k;
    return 0;
}

int vouch_ssh_pubkey_parse(const uint8_t *blob, size_t len, vouch_ssh_pubkey **out, vouch_diag *d) {
    if (!out || (!blob && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    vouch_ensure_init();
    vsshr r = {blob, blob + len};
    vspan t;
    if (vsshr_text(&r, &t)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the key does not start with its type");
    int ti = vssh_type_by_name(t, false);
    if (ti < 0) {
        if (vssh_type_by_name(t, true) >= 0) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "a certificate, not a public key");
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "unknown key type %.*s", (int)(t.n > 60 ? 60 : t.n), (const char *)t.p);
    }
    vouch_ssh_pubkey *k = NULL;
    int rc = vssh_read_key_fields(&r, ti, &k, d);
    if (rc) return rc;
    if (r.p != r.end) {
        vouch_ssh_pubkey_free(k);
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%zu bytes after the key", (size_t)(r.end - r.p));
    }
    *out = k;
    return 0;
}

/* Splits "TYPE BASE64 [COMMENT]" and decodes the base64. */
static int split_line(const char *line, size_t len, bool cert, vspan *type, uint8_t **blob, size_t *bloblen, vouch_diag *d) {
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    size_t i = 0;
    while (i < len && line[i] == ' ') i++;
    size_t ts = i;
    while (i < len && line[i] != ' ' && line[i] != '\t') i++;
    *type = (vspan){(const uint8_t *)line + ts, i - ts};
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t bs = i;
    while (i < len && line[i] != ' ' && line[i] != '\t') i++;
    if (type->n == 0 || i == bs) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "not a key line: expected TYPE BASE64 [COMMENT]");
    if (vssh_type_by_name(*type, cert) < 0) {
        int n = (int)(type->n > 60 ? 60 : type->n);
        if (memchr(type->p, '=', type->n) || memchr(type->p, '"', type->n))
            return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "options before the key type (as in authorized_keys) are not accepted");
        if (vssh_type_by_name(*type, !cert) >= 0)
            return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, cert ? "a public key, not a certificate" : "a certificate, not a public key");
        for (int k = 0; k < n; k++)
            if ((unsigned char)type->p[k] < 0x20 || type->p[k] >= 0x7f) n = k;
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "unknown %s type %.*s", cert ? "certificate" : "key", n, (const char *)type->p);
    }
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)line[k] < 0x20 && line[k] != '\t') return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "control characters in the key line");
    *blob = malloc(i - bs);
    if (!*blob) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    if (vb64_decode((vspan){(const uint8_t *)line + bs, i - bs}, *blob, i - bs, bloblen)) {
        free(*blob);
        *blob = NULL;
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the key's base64 is malformed");
    }
    return 0;
}

static bool blob_type_is(const uint8_t *blob, size_t len, vspan type) {
    vsshr r = {blob, blob + len};
    vspan t;
    return !vsshr_string(&r, &t) && vspan_eq(t, type);
}

/* The blob of a key or certificate line (at most limit bytes), whose type must be the
 * line's: the caller parses it and frees it. */
int vssh_line_blob(const char *line, size_t len, bool cert, uint8_t **blob, size_t *n, vouch_diag *d) {
    const char *what = cert ? "certificate" : "key";
    size_t limit = cert ? 128 * 1024 : 64 * 1024;
    if (!line && len) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    if (len > limit) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a %s line of %zu bytes", what, len);
    vspan type;
    int rc = split_line(line, len, cert, &type, blob, n, d);
    if (rc) return rc;
    if (blob_type_is(*blob, *n, type)) return 0;
    free(*blob);
    return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the line's type does not match the %s inside it", what);
}

int vouch_ssh_pubkey_parse_line(const char *line, size_t len, vouch_ssh_pubkey **out, vouch_diag *d) {
    if (!out) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    uint8_t *blob;
    size_t n;
    int rc = vssh_line_blob(line, len, false, &blob, &n, d);
    if (rc) return rc;
    rc = vouch_ssh_pubkey_parse(blob, n, out, d);
    free(blob);
    return rc;
}

static int line_of(const char *type, const uint8_t *blob, size_t n, const char *comment, char **out) {
    char *b64;
    if (vb64_encode_alloc(blob, n, VOUCH_BASE64_STANDARD, &b64, NULL)) return VOUCH_E_NOMEM;
    size_t cap = strlen(type) + strlen(b64) + (comment ? strlen(comment) : 0) + 4;
    *out = malloc(cap);
    if (!*out) { free(b64); return VOUCH_E_NOMEM; }
    snprintf(*out, cap, "%s %s%s%s\n", type, b64, comment && *comment ? " " : "", comment && *comment ? comment : "");
    free(b64);
    return 0;
}

int vouch_ssh_pubkey_line(const vouch_ssh_pubkey *k, const char *comment, char **out) {
    if (!k || !out) return VOUCH_E_ARG;
    /* a newline in the comment would start another authorized_keys line */
    for (const char *c = comment; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) return VOUCH_E_ARG;
    return line_of(vssh_type_name(k->kind), k->blob, k->bloblen, comment, out);
}

void vouch_ssh_pubkey_fingerprint(const vouch_ssh_pubkey *k, char *buf, size_t cap) {
    if (!k || cap < 60) { if (cap) buf[0] = 0; return; }
    uint8_t h[32];
    vouch_ensure_init();
    crypto_hash_sha256(h, k->blob, k->bloblen);
    char b64[64];
    size_t n;
    if (vouch_base64_encode(h, 32, VOUCH_BASE64_STANDARD_UNPADDED, b64, sizeof b64, &n)) b64[0] = 0;
    snprintf(buf, cap, "SHA256:%s", b64);
}

/* ---- signatures ---- */

/* Verifies an SSH signature (string alg, string blob) of data under key. */
int vssh_verify(const vouch_ssh_pubkey *key, const uint8_t *data, size_t len, vspan sig, const char **alg_out, vouch_diag *d) {
    vsshr r = {sig.p, sig.p + sig.n};
    vspan alg, blob;
    if (vsshr_text(&r, &alg) || vsshr_string(&r, &blob) || r.p != r.end) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed signature");
    static const char *NAMES[] = {"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                                  "ecdsa-sha2-nistp521", "ssh-ed25519"};
    int ai = -1;
    for (int i = 0; i < 7; i++)
        if (strlen(NAMES[i]) == alg.n && memcmp(NAMES[i], alg.p, alg.n) == 0) ai = i;
    if (ai < 0) return vouch_fail(d, VOUCH_E_WEAK_ALGORITHM, -1, "unknown signature algorithm %.*s", (int)(alg.n > 40 ? 40 : alg.n), (const char *)alg.p);
    if (alg_out) *alg_out = NAMES[ai];
    if (ai == 2) return vouch_fail(d, VOUCH_E_WEAK_ALGORITHM, -1, "ssh-rsa (SHA-1) signatures are refused");
    int kind = key->kind;
    bool fits = (ai <= 1 && kind == VOUCH_SSH_RSA) || (ai == 3 && kind == VOUCH_SSH_ECDSA_P256) ||
                (ai == 4 && kind == VOUCH_SSH_ECDSA_P384) || (ai == 5 && kind == VOUCH_SSH_ECDSA_P521) ||
                (ai == 6 && kind == VOUCH_SSH_ED25519);
    if (!fits || !key->key) return vouch_fail(d, VOUCH_E_KEY_ALGORITHM_MISMATCH, -1, "a %s signature from a %s key", NAMES[ai], vssh_type_name(kind));
    int rc;
    if (ai <= 1) {
        rc = vpubkey_verify(key->key, ai == 0 ? VSIG_RSA_SHA512 : VSIG_RSA_SHA256, data, len, blob.p, blob.n);
    } else if (ai == 6) {
        rc = vpubkey_verify(key->key, VSIG_ED25519, data, len, blob.p, blob.n);
    } else { /* ECDSA: mpint r, mpint s inside the blob */
        vsshr s = {blob.p, blob.p + blob.n};
        vspan rv, sv;
        size_t size = ai == 3 ? 32 : ai == 4 ? 48 : 66;
        if (vsshr_mpint(&s, &rv) || vsshr_mpint(&s, &sv) || s.p != s.end) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed ECDSA signature");
        uint8_t rs[132] = {0};
        vspan parts[2] = {rv, sv};
        for (int k = 0; k < 2; k++) {
            vspan v = parts[k];
            if (v.n > size && v.p[0] == 0) v.p++, v.n--;
            if (v.n > size) return vouch_fail(d, VOUCH_E_BAD_SIGNATURE, -1, "ECDSA signature value too large");
            memcpy(rs + k * size + (size - v.n), v.p, v.n);
        }
        rc = vpubkey_verify_ecdsa_raw(key->key, ai == 3 ? VSIG_ECDSA_SHA256 : ai == 4 ? VSIG_ECDSA_SHA384 : VSIG_ECDSA_SHA512, data, len,
                                      rs, 2 * size);
    }
    return rc ? vouch_fail(d, VOUCH_E_BAD_SIGNATURE, -1, "the %s signature does not verify", NAMES[ai]) : 0;
}

/* ---- CA private keys ---- */

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
static int public_blob(vouch_ssh_privkey *k, vbuf *b) {
    int rc = 0;
    if (k->kind == VOUCH_SSH_ED25519) {
        rc = vsshw_cstr(b, "ssh-ed25519");
        if (!rc) rc = vsshw_string(b, k->ed25519 + 32, 32);
    } else if (k->kind == VOUCH_SSH_RSA) {
        BIGNUM *n = NULL, *e = NULL;
        uint8_t *nb = NULL, *eb = NULL;
        size_t nn = 0, en = 0;
        if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 || EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
            bn_bytes(n, &nb, &nn) || bn_bytes(e, &eb, &en))
            rc = VOUCH_E_INTERNAL;
        if (!rc) rc = vsshw_cstr(b, "ssh-rsa");
        if (!rc) rc = vsshw_mpint(b, eb, en);
        if (!rc) rc = vsshw_mpint(b, nb, nn);
        BN_free(n), BN_free(e), free(nb), free(eb);
    } else {
        uint8_t pt[1 + 2 * 66];
        size_t n = 0;
        /* a key may store its point compressed; OpenSSH wants it uncompressed */
        if (EVP_PKEY_set_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1 ||
            EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n) != 1 || n != 1 + 2 * field_size(k->kind) ||
            pt[0] != 0x04)
            return VOUCH_E_INTERNAL;
        rc = vsshw_cstr(b, vssh_type_name(k->kind));
        if (!rc) rc = vsshw_cstr(b, curve_id(k->kind));
        if (!rc) rc = vsshw_string(b, pt, n);
    }
    return rc;
}

/* Finishes a key: checks strength, derives the public half, readies nettle for P-384.
 * `generated`: an RSA key rsa_generate made and tested itself (its primes are known to be
 * primes), which skips OpenSSL's full pairwise check: that one tests both primes again
 * with 64 Miller-Rabin rounds each, a fifth of the time a key takes to make. */
static int finish(vouch_ssh_privkey *k, vouch_diag *d, bool generated) {
    if (k->kind == VOUCH_SSH_RSA) {
        int bits = EVP_PKEY_get_bits(k->pkey);
        if (bits < 2048) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "RSA key of %d bits; at least 2048 are required", bits);
        if (bits > 8192) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "RSA key of %d bits; a CA key has at most 8192", bits);
    }
    if (k->pkey && !(generated && k->kind == VOUCH_SSH_RSA)) {
        /* the public half must be the private half's (a damaged PEM file can carry another point) */
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        int ok = c && EVP_PKEY_pairwise_check(c) == 1;
        EVP_PKEY_CTX_free(c);
        ERR_clear_error();
        if (!ok) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "the private key does not match its public key (a damaged key)");
    }
    vbuf b = {0};
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

static vouch_ssh_privkey *from_pkey(EVP_PKEY *p, vouch_diag *d, int *rc, bool generated) {
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
    if (!*rc) *rc = finish(k, d, generated);
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
    *out = from_pkey(p, d, &rc, false);
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
static int read_openssh_private(vsshr *r, vouch_ssh_privkey **out, vouch_diag *d) {
    vspan type;
    if (vsshr_text(r, &type)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: no key type in the private section");
#define IS(t) (type.n == strlen(t) && memcmp(type.p, t, type.n) == 0)
    if (IS("ssh-ed25519")) {
        vspan pk, sk;
        if (vsshr_string(r, &pk) || pk.n != 32 || vsshr_string(r, &sk) || sk.n != 64 || memcmp(sk.p + 32, pk.p, 32) != 0)
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
        int rc = finish(k, d, false);
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
            if (vsshr_mpint(r, &v[i]) || !(bn[i] = i < 2 ? BN_new() : BN_secure_new()) || !BN_bin2bn(v[i].p, (int)v[i].n, bn[i]))
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
        if (vsshr_text(r, &curve) || curve.n != 8 || memcmp(curve.p, curve_id(kind), 8) != 0 || vsshr_string(r, &q) ||
            vsshr_mpint(r, &dv) || !(bn[0] = BN_secure_new()) || !BN_bin2bn(dv.p, (int)dv.n, bn[0]))
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
    *out = from_pkey(p, d, &rc, false);
    return rc;
}

static int load_openssh(const uint8_t *data, size_t len, vouch_ssh_privkey **out, vouch_diag *d) {
    size_t pos = 0;
    char label[64];
    vspan body;
    if (vpem_next(data, len, &pos, label, sizeof label, &body) != 1 || strcmp(label, "OPENSSH PRIVATE KEY") != 0)
        return vouch_fail(d, VOUCH_E_PEM, -1, "malformed OpenSSH private key armour");
    uint8_t *raw = malloc(body.n ? body.n : 1);
    size_t n = 0;
    if (!raw) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    int rc = 0;
    if (vb64_decode(body, raw, body.n, &n)) rc = vouch_fail(d, VOUCH_E_PEM, -1, "OpenSSH key: bad base64");
    static const char MAGIC[] = "openssh-key-v1";
    vsshr r = {raw, raw};
    vspan cipher, kdf, kdfopts, pub, priv;
    uint32_t nkeys, c1, c2;
    if (!rc && (n < sizeof MAGIC || memcmp(raw, MAGIC, sizeof MAGIC) != 0)) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "not an openssh-key-v1 key");
    if (!rc) r = (vsshr){raw + sizeof MAGIC, raw + n};
    if (!rc && (vsshr_text(&r, &cipher) || vsshr_text(&r, &kdf) || vsshr_string(&r, &kdfopts) || vsshr_u32(&r, &nkeys) ||
                vsshr_string(&r, &pub) || vsshr_string(&r, &priv) || r.p != r.end))
        rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: malformed");
    if (!rc && (cipher.n != 4 || memcmp(cipher.p, "none", 4) != 0))
        rc = vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "the key is encrypted: decrypt it first (ssh-keygen -p -N '' -f KEY)");
    if (!rc && (kdf.n != 4 || memcmp(kdf.p, "none", 4) != 0 || kdfopts.n != 0)) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: a KDF without a cipher");
    if (!rc && nkeys != 1) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key file with %u keys; one is expected", nkeys);
    vsshr pr = {priv.p, priv.p + priv.n};
    if (!rc && (priv.n % 8 != 0 || vsshr_u32(&pr, &c1) || vsshr_u32(&pr, &c2) || c1 != c2))
        rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: the check values differ (a wrong passphrase or a damaged key)");
    if (!rc) rc = read_openssh_private(&pr, out, d);
    vspan comment;
    if (!rc && vsshr_text(&pr, &comment)) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: no comment");
    for (uint8_t i = 1; !rc && pr.p != pr.end; i++, pr.p++) /* padding 1, 2, 3, ... */
        if (*pr.p != i) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "OpenSSH key: bad padding");
    if (!rc) { /* the public key in the header is the private key's */
        size_t bl = 0;
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

/* ---- generating RSA keys ---- */

/* A prime of `bits` bits from OpenSSL's own generator (random from the private DRBG, the
 * two top bits set, a sieve of 2048 small primes, then 64 Miller-Rabin rounds: OpenSSL
 * 3.0's count for primes up to 2048 bits) with p - 1 prime to e = 65537, that is p mod e
 * != 1 since e is prime. */
static int rsa_prime(BIGNUM *p, int bits, BN_CTX *ctx) {
    for (int i = 0; i < 64; i++) {
        if (BN_generate_prime_ex2(p, bits, 0, NULL, NULL, NULL, ctx) != 1) return 0;
        BN_ULONG r = BN_mod_word(p, RSA_F4);
        if (r == (BN_ULONG)-1) return 0;
        if (r != 1) return 1;
    }
    return 0;
}

/* A signature made with the new key verifies under its public half (FIPS 140's pairwise
 * consistency test). It shows that n and e go with d or with the CRT values, not with
 * both: OpenSSL 3.0 signs through the CRT, checks the result against e, and when it is
 * wrong signs again with d, so a wrong d or a wrong CRT value alone still verifies;
 * rsa_generate checks those itself. */
static bool rsa_sign_check(EVP_PKEY *p) {
    static const uint8_t digest[32] = {0x76, 0x6f, 0x75, 0x63, 0x68}; /* any 32 bytes */
    uint8_t sig[1024];
    size_t sl = sizeof sig;
    EVP_PKEY_CTX *s = EVP_PKEY_CTX_new(p, NULL), *v = EVP_PKEY_CTX_new(p, NULL);
    bool ok = s && v && EVP_PKEY_sign_init(s) == 1 && EVP_PKEY_CTX_set_rsa_padding(s, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_CTX_set_signature_md(s, EVP_sha256()) == 1 && EVP_PKEY_sign(s, sig, &sl, digest, sizeof digest) == 1 &&
              EVP_PKEY_verify_init(v) == 1 && EVP_PKEY_CTX_set_rsa_padding(v, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_CTX_set_signature_md(v, EVP_sha256()) == 1 && EVP_PKEY_verify(v, sig, sl, digest, sizeof digest) == 1;
    EVP_PKEY_CTX_free(s);
    EVP_PKEY_CTX_free(v);
    return ok;
}

/* A new RSA key of `bits` bits with e = 65537, made as FIPS 186-4 B.3.3 says (random
 * probable primes), which is how OpenSSL 1.1.1 and BoringSSL make keys: primes p and q
 * of bits/2 bits each (so n has exactly `bits` bits), |p - q| > 2^(bits/2 - 100),
 * d = e^-1 mod lcm(p - 1, q - 1) with d > 2^(bits/2) (B.3.1), then the CRT values.
 * OpenSSL 3.0's EVP_PKEY_keygen makes primes as B.3.6 says (from auxiliary primes), and
 * there every candidate pays a constant-time GCD before any sieve: measured 4 to 5 times
 * slower (BENCHMARKS.md, ssh_keygen_rsa2048). Secret numbers are OpenSSL "secure"
 * BIGNUMs (wiped when freed) and flagged constant-time for the divisions and inverses. */
static EVP_PKEY *rsa_generate(int bits) {
    const int half = bits / 2;
    EVP_PKEY *out = NULL;
    BN_CTX *ctx = BN_CTX_secure_new();
    OSSL_PARAM_BLD *bld = NULL;
    BIGNUM *e = BN_new(), *n = BN_new(), *bound = BN_new();
    BIGNUM *s[11] = {0}; /* p, q, d, dp, dq, qinv, p - 1, q - 1, gcd, lcm, scratch */
    bool ok = ctx && e && n && bound && BN_set_word(e, RSA_F4) && BN_lshift(bound, BN_value_one(), half - 100);
    for (int i = 0; i < 11 && ok; i++) ok = (s[i] = BN_secure_new()) != NULL;
    if (!ok) goto done;
    BIGNUM *p = s[0], *q = s[1], *d = s[2], *dp = s[3], *dq = s[4], *qinv = s[5], *p1 = s[6], *q1 = s[7], *g = s[8], *lcm = s[9],
           *t = s[10];
    for (int i = 0; i < 11; i++) BN_set_flags(s[i], BN_FLG_CONSTTIME);
    for (int attempt = 0; attempt < 8 && !out; attempt++) {
        if (!rsa_prime(p, half, ctx)) goto done;
        int tries = 0;
        do {
            if (++tries > 8 || !rsa_prime(q, half, ctx) || !BN_sub(t, p, q)) goto done;
        } while (BN_ucmp(t, bound) <= 0);
        if (!BN_mul(n, p, q, ctx) || BN_num_bits(n) != bits) continue;
        if (!BN_sub(p1, p, BN_value_one()) || !BN_sub(q1, q, BN_value_one()) || !BN_gcd(g, p1, q1, ctx) ||
            !BN_mul(t, p1, q1, ctx) || !BN_div(lcm, NULL, t, g, ctx) || !BN_mod_inverse(d, e, lcm, ctx))
            goto done;
        if (BN_num_bits(d) <= half) continue; /* B.3.1: d > 2^(nlen/2); next to never */
        if (!BN_mod(dp, d, p1, ctx) || !BN_mod(dq, d, q1, ctx) || !BN_mod_inverse(qinv, q, p, ctx)) goto done;
        /* d and the CRT values are the inverses they should be (what the test signature
         * cannot show, and what the OpenSSH file carries): four products, next to nothing */
        if (!BN_mod_mul(t, d, e, lcm, ctx) || !BN_is_one(t) || !BN_mod_mul(t, dp, e, p1, ctx) || !BN_is_one(t) ||
            !BN_mod_mul(t, dq, e, q1, ctx) || !BN_is_one(t) || !BN_mod_mul(t, qinv, q, p, ctx) || !BN_is_one(t))
            goto done;
        OSSL_PARAM_BLD_free(bld);
        if (!(bld = OSSL_PARAM_BLD_new()) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv))
            goto done;
        out = pkey_from_params("RSA", bld);
        if (!out) goto done;
    }
    if (out && !rsa_sign_check(out)) {
        EVP_PKEY_free(out);
        out = NULL;
    }
done:
    for (int i = 0; i < 11; i++) BN_clear_free(s[i]);
    BN_free(e), BN_free(n), BN_free(bound);
    OSSL_PARAM_BLD_free(bld);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return out;
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
        int rc = finish(k, d, false);
        if (rc) { vouch_ssh_privkey_free(k); return rc; }
        *out = k;
        return 0;
    }
    EVP_PKEY *p = NULL;
    if (kind == VOUCH_SSH_RSA) {
        if (bits == 0) bits = 4096;
        if (bits != 2048 && bits != 3072 && bits != 4096) return vouch_fail(d, VOUCH_E_ARG, -1, "RSA keys of 2048, 3072 or 4096 bits");
        p = rsa_generate(bits);
        if (!p) return vouch_fail(d, VOUCH_E_INTERNAL, -1, "key generation failed");
        int rc;
        *out = from_pkey(p, d, &rc, true);
        return rc;
    } else if (kind == VOUCH_SSH_ECDSA_P256 || kind == VOUCH_SSH_ECDSA_P384 || kind == VOUCH_SSH_ECDSA_P521) {
        p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", kind == VOUCH_SSH_ECDSA_P256 ? "P-256" : kind == VOUCH_SSH_ECDSA_P384 ? "P-384" : "P-521");
    } else {
        return vouch_fail(d, VOUCH_E_ARG, -1, "generate RSA, ECDSA or Ed25519 keys");
    }
    if (!p) return vouch_fail(d, VOUCH_E_INTERNAL, -1, "key generation failed");
    int rc;
    *out = from_pkey(p, d, &rc, false);
    return rc;
}

/* ---- writing OpenSSH's format ---- */

static int put_bn(vbuf *b, EVP_PKEY *p, const char *name) {
    BIGNUM *v = NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    int rc = EVP_PKEY_get_bn_param(p, name, &v) == 1 && !bn_bytes(v, &bytes, &n) ? vsshw_mpint(b, bytes, n) : VOUCH_E_INTERNAL;
    if (bytes) sodium_memzero(bytes, n);
    free(bytes);
    BN_clear_free(v);
    return rc;
}

int vouch_ssh_privkey_openssh(const vouch_ssh_privkey *k, const char *comment, char **out, size_t *outlen) {
    if (!k || !out) return VOUCH_E_ARG;
    *out = NULL;
    vbuf priv = {.secret = true}, whole = {.secret = true};
    uint32_t check;
    vouch_random((uint8_t *)&check, sizeof check);
    int rc = vsshw_u32(&priv, check) || vsshw_u32(&priv, check);
    size_t publen = 0;
    const uint8_t *pub = vouch_ssh_pubkey_blob(k->pub, &publen);
    if (!rc) rc = vsshw_cstr(&priv, vssh_type_name(k->kind));
    if (!rc && k->kind == VOUCH_SSH_ED25519) {
        rc = vsshw_string(&priv, k->ed25519 + 32, 32);
        if (!rc) rc = vsshw_string(&priv, k->ed25519, 64);
    } else if (!rc && k->kind == VOUCH_SSH_RSA) {
        const char *names[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
                               OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2};
        for (int i = 0; i < 6 && !rc; i++) rc = put_bn(&priv, k->pkey, names[i]);
    } else if (!rc) {
        vsshr r = {pub, pub + publen};
        vspan t, curve, q;
        vsshr_string(&r, &t), vsshr_string(&r, &curve), vsshr_string(&r, &q);
        rc = vsshw_string(&priv, curve.p, curve.n);
        if (!rc) rc = vsshw_string(&priv, q.p, q.n);
        if (!rc) rc = put_bn(&priv, k->pkey, OSSL_PKEY_PARAM_PRIV_KEY);
    }
    if (!rc) rc = vsshw_cstr(&priv, comment ? comment : "");
    for (uint8_t i = 1; !rc && priv.n % 8; i++) rc = vbuf_put(&priv, &i, 1);
    static const char MAGIC[] = "openssh-key-v1";
    if (!rc) rc = vbuf_put(&whole, MAGIC, sizeof MAGIC);
    if (!rc) rc = vsshw_cstr(&whole, "none") || vsshw_cstr(&whole, "none") || vsshw_string(&whole, "", 0) || vsshw_u32(&whole, 1);
    if (!rc) rc = vsshw_string(&whole, pub, publen);
    if (!rc) rc = vsshw_string(&whole, priv.p, priv.n);
    if (!rc) {
        size_t b64len = vouch_base64_encoded_len(whole.n, VOUCH_BASE64_STANDARD);
        char *b64 = NULL;
        size_t cap = b64len + b64len / 70 + 128;
        char *text = malloc(cap);
        if (!text || vb64_encode_alloc(whole.p, whole.n, VOUCH_BASE64_STANDARD, &b64, NULL)) {
            rc = VOUCH_E_NOMEM;
        } else {
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
int vssh_sign_append(const vouch_ssh_privkey *ck, const uint8_t *data, size_t len, int rsa_sha256, vbuf *out) {
    vouch_ssh_privkey *k = (vouch_ssh_privkey *)ck; /* only the context pool changes */
    if (!k || !out || (!data && len)) return VOUCH_E_ARG;
    uint8_t s[1024], r[66];
    size_t sl = 0;
    const char *alg = vssh_type_name(k->kind);
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
        vbuf inner = {.p = s, .n = 0, .cap = sizeof s};
        if (!rc) rc = vsshw_mpint(&inner, r, size) || vsshw_mpint(&inner, sv, size) ? VOUCH_E_INTERNAL : 0;
        sl = inner.n;
    }
    if (rc) return rc;
    size_t al = strlen(alg);
    return vsshw_u32(out, (uint32_t)(8 + al + sl)) || vsshw_string(out, alg, al) || vsshw_string(out, s, sl) ? VOUCH_E_NOMEM : 0;
}

int vouch_ssh_privkey_sign(const vouch_ssh_privkey *k, const uint8_t *data, size_t len, int rsa_sha256, uint8_t **sig, size_t *siglen) {
    if (!k || !sig || !siglen || (!data && len)) return VOUCH_E_ARG;
    *sig = NULL;
    vbuf b = {0};
    int rc = vssh_sign_append(k, data, len, rsa_sha256, &b);
    if (rc) { free(b.p); return rc; }
    /* the caller gets the blob itself, without the outer length */
    memmove(b.p, b.p + 4, b.n - 4);
    *sig = b.p;
    *siglen = b.n - 4;
    return 0;
}

/* ---- ssh-agent: the request that loads a key with its certificate ---- */

/* The agent's add-identity request (RFC 9987, draft-miller-ssh-agent): uint32 length,
 * byte SSH_AGENTC_ADD_IDENTITY (17) or, with a lifetime, SSH_AGENTC_ADD_ID_CONSTRAINED
 * (25); the key as OpenSSH serializes a certified private key (the certificate type
 * name, the certificate's blob, then the private fields: the public ones are in the
 * certificate); string comment; and the lifetime constraint (byte 1, uint32 seconds).
 * The buffer is secret: grown without leaving copies, wiped on failure; the caller wipes
 * and frees it with vouch_ssh_secret_free. */
int vouch_ssh_agent_add_request(const vouch_ssh_privkey *k, const uint8_t *cert, size_t certlen, const char *comment,
                                uint32_t lifetime, uint8_t **out, size_t *outlen, vouch_diag *d) {
    if (!k || !out || !outlen || !cert) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    *outlen = 0;
    size_t publen = 0;
    const uint8_t *pub = vouch_ssh_pubkey_blob(k->pub, &publen);
    vsshr pr = {pub, pub + publen};
    vspan ptype;
    if (vsshr_string(&pr, &ptype)) return vouch_fail(d, VOUCH_E_INTERNAL, -1, "the key's public blob is malformed");
    vspan fields = {pr.p, (size_t)(pr.end - pr.p)}; /* the public fields, after the type name */
    /* the certificate must certify this very key: its type, a nonce, then the same public fields */
    vsshr r = {cert, cert + certlen};
    vspan ctype, nonce;
    if (vsshr_text(&r, &ctype) || vsshr_string(&r, &nonce))
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the certificate does not start with its type and nonce");
    int ti = vssh_type_by_name(ctype, true);
    if (ti < 0 || TYPES[ti].kind != k->kind)
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the certificate is not a %s certificate", vssh_type_name(k->kind));
    if ((size_t)(r.end - r.p) < fields.n || memcmp(r.p, fields.p, fields.n) != 0)
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the certificate certifies another key");
    for (const char *c = comment; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) return vouch_fail(d, VOUCH_E_ARG, -1, "control characters in the comment");
    vbuf m = {.secret = true};
    size_t at = 0;
    uint8_t code = lifetime ? 25 : 17;
    int rc = vsshw_open(&m, &at) || vbuf_put(&m, &code, 1) ? VOUCH_E_NOMEM : 0;
    if (!rc) rc = vsshw_cstr(&m, vssh_cert_type_name(k->kind)) || vsshw_string(&m, cert, certlen);
    if (!rc && k->kind == VOUCH_SSH_ED25519) { /* string public key, string seed || public key */
        rc = vsshw_string(&m, k->ed25519 + 32, 32) || vsshw_string(&m, k->ed25519, 64);
    } else if (!rc && k->kind == VOUCH_SSH_RSA) { /* d, iqmp, p, q (n and e are in the certificate) */
        const char *names[] = {OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_FACTOR1,
                               OSSL_PKEY_PARAM_RSA_FACTOR2};
        for (int i = 0; i < 4 && !rc; i++) rc = put_bn(&m, k->pkey, names[i]);
    } else if (!rc) { /* ECDSA: the scalar (the curve and point are in the certificate) */
        rc = put_bn(&m, k->pkey, OSSL_PKEY_PARAM_PRIV_KEY);
    }
    if (!rc) rc = vsshw_cstr(&m, comment ? comment : "");
    if (!rc && lifetime) {
        uint8_t constraint = 1; /* SSH_AGENT_CONSTRAIN_LIFETIME */
        rc = vbuf_put(&m, &constraint, 1) || vsshw_u32(&m, lifetime);
    }
    if (!rc) vsshw_close(&m, at);
    ERR_clear_error();
    if (rc) {
        if (m.p) sodium_memzero(m.p, m.cap);
        free(m.p);
        return vouch_fail(d, rc == VOUCH_E_INTERNAL ? VOUCH_E_INTERNAL : VOUCH_E_NOMEM, -1, "cannot encode the key for the agent");
    }
    *out = m.p;
    *outlen = m.n;
    return 0;
}
