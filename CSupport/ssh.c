/* ssh.c: the SSH wire format (RFC 4251 section 5), OpenSSH public keys and certificates
 * (PROTOCOL.certkeys). Parsing is strict: every length is checked against what remains,
 * mpints are minimal and non-negative, nothing may follow the last field, and the
 * options of a certificate must be sorted and unique, as OpenSSH writes and requires. */
#include "internal.h"
#include "vouch_secret.h"
#include "vouch_ssh.h"
#include "vouch_sshkey.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- wire reading and writing ---- */

int sshr_u32(sshr *r, uint32_t *v) {
    if (r->end - r->p < 4) return VOUCH_E_SSH_MALFORMED;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    return 0;
}

int sshr_u64(sshr *r, uint64_t *v) {
    uint32_t hi, lo;
    if (sshr_u32(r, &hi) || sshr_u32(r, &lo)) return VOUCH_E_SSH_MALFORMED;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

int sshr_string(sshr *r, vspan *s) {
    uint32_t n;
    if (sshr_u32(r, &n) || (size_t)(r->end - r->p) < n) return VOUCH_E_SSH_MALFORMED;
    s->p = r->p;
    s->n = n;
    r->p += n;
    return 0;
}

int sshr_text(sshr *r, vspan *s) {
    if (sshr_string(r, s)) return VOUCH_E_SSH_MALFORMED;
    return memchr(s->p, 0, s->n) ? VOUCH_E_SSH_MALFORMED : 0; /* no NUL inside names and texts */
}

int sshr_mpint(sshr *r, vspan *s) {
    if (sshr_string(r, s)) return VOUCH_E_SSH_MALFORMED;
    if (s->n && (s->p[0] & 0x80)) return VOUCH_E_SSH_MALFORMED;                         /* negative */
    if (s->n > 1 && s->p[0] == 0 && !(s->p[1] & 0x80)) return VOUCH_E_SSH_MALFORMED;    /* not minimal */
    if (s->n == 1 && s->p[0] == 0) return VOUCH_E_SSH_MALFORMED;                        /* zero is the empty string */
    return 0;
}

int sshw_u32(dbuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return dbuf_put(b, x, 4);
}

int sshw_u64(dbuf *b, uint64_t v) { return sshw_u32(b, (uint32_t)(v >> 32)) || sshw_u32(b, (uint32_t)v) ? VOUCH_E_NOMEM : 0; }

int sshw_string(dbuf *b, const void *p, size_t n) {
    if (n > 0xffffffffu) return VOUCH_E_ARG;
    return sshw_u32(b, (uint32_t)n) || dbuf_put(b, p, n) ? VOUCH_E_NOMEM : 0;
}

int sshw_cstr(dbuf *b, const char *s) { return sshw_string(b, s, strlen(s)); }

/* A string written in place: open writes a length to be patched, close patches it with
 * what was written since (no separate buffer to build and copy). */
static int sshw_open(dbuf *b, size_t *at) {
    *at = b->n;
    return sshw_u32(b, 0);
}

static void sshw_close(dbuf *b, size_t at) {
    size_t n = b->n - at - 4;
    uint8_t *x = b->p + at;
    x[0] = (uint8_t)(n >> 24), x[1] = (uint8_t)(n >> 16), x[2] = (uint8_t)(n >> 8), x[3] = (uint8_t)n;
}

int sshw_mpint(dbuf *b, const uint8_t *v, size_t n) {
    while (n && v[0] == 0) v++, n--;
    if (n && (v[0] & 0x80)) {
        uint8_t zero = 0;
        return sshw_u32(b, (uint32_t)n + 1) || dbuf_put(b, &zero, 1) || dbuf_put(b, v, n) ? VOUCH_E_NOMEM : 0;
    }
    return sshw_string(b, v, n);
}

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

static int type_by_name(vspan n, bool cert) {
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

const char *ssh_type_name(int kind) { int i = type_index(kind); return i < 0 ? "unknown" : TYPES[i].name; }
const char *ssh_cert_type_name(int kind) { int i = type_index(kind); return i < 0 ? "unknown" : TYPES[i].cert_name; }

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
const char *vouch_ssh_pubkey_type_name(const vouch_ssh_pubkey *k) { return k ? ssh_type_name(k->kind) : "unknown"; }
int vouch_ssh_pubkey_bits(const vouch_ssh_pubkey *k) { return k ? k->bits : 0; }
const uint8_t *vouch_ssh_pubkey_blob(const vouch_ssh_pubkey *k, size_t *len) {
    if (!k) return NULL;
    if (len) *len = k->bloblen;
    return k->blob;
}
vpubkey *ssh_pubkey_verifier(const vouch_ssh_pubkey *k) { return k ? k->key : NULL; }

static int bit_length(vspan v) {
    if (!v.n) return 0;
    int b = (int)(v.n - 1) * 8;
    for (uint8_t x = v.p[0]; x; x >>= 1) b++;
    return b;
}

/* Reads the fields of key type `ti` from r (after its type string) into a new key whose
 * blob is the type name followed by exactly those fields. */
static int read_key_fields(sshr *r, int ti, vouch_ssh_pubkey **out, vouch_diag *d) {
    const uint8_t *start = r->p;
    int kind = TYPES[ti].kind;
    vspan a, b, app;
    dbuf spki = {0};
    int rc = 0, bits = 0;
    switch (kind) {
    case VOUCH_SSH_RSA:
        if (sshr_mpint(r, &a) || sshr_mpint(r, &b)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "ssh-rsa key: bad e or n");
        bits = bit_length(b);
        if (bits < 2048) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "RSA key of %d bits; at least 2048 are required", bits);
        if (bits > 16384) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "RSA key of %d bits is larger than supported", bits);
        if (a.n == 0 || !(a.p[a.n - 1] & 1) || (a.n == 1 && a.p[0] < 3)) return vouch_fail(d, VOUCH_E_WEAK_KEY, -1, "bad RSA exponent");
        rc = spki_from_rsa(b.p, b.n, a.p, a.n, &spki);
        break;
    case VOUCH_SSH_ECDSA_P256: case VOUCH_SSH_ECDSA_P384: case VOUCH_SSH_ECDSA_P521: case VOUCH_SSH_SK_ECDSA: {
        size_t size = ec_curve(kind) == VKEY_P256 ? 32 : ec_curve(kind) == VKEY_P384 ? 48 : 66;
        if (sshr_text(r, &a) || strlen(TYPES[ti].curve) != a.n || memcmp(a.p, TYPES[ti].curve, a.n) != 0)
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: the curve name is not %s", TYPES[ti].name, TYPES[ti].curve);
        if (sshr_string(r, &b) || b.n != 1 + 2 * size || b.p[0] != 0x04)
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: the point is not an uncompressed point of %zu bytes", TYPES[ti].name,
                              1 + 2 * size);
        bits = (int)(size == 66 ? 521 : size * 8);
        rc = spki_from_ec(ec_curve(kind), b.p, b.n, &spki);
        break;
    }
    case VOUCH_SSH_ED25519: case VOUCH_SSH_SK_ED25519:
        if (sshr_string(r, &a) || a.n != 32) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: the key is not 32 bytes", TYPES[ti].name);
        bits = 256;
        rc = spki_from_ed25519(a.p, &spki);
        break;
    default:
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "unsupported key type");
    }
    if (!rc && (kind == VOUCH_SSH_SK_ECDSA || kind == VOUCH_SSH_SK_ED25519)) {
        if (sshr_text(r, &app) || app.n == 0) rc = vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s key: bad application", TYPES[ti].name);
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
    dbuf blob = {0};
    if (!k || sshw_cstr(&blob, TYPES[ti].name) || dbuf_put(&blob, start, (size_t)(r->p - start))) {
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
    sshr r = {blob, blob + len};
    vspan t;
    if (sshr_text(&r, &t)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the key does not start with its type");
    int ti = type_by_name(t, false);
    if (ti < 0) {
        if (type_by_name(t, true) >= 0) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "a certificate, not a public key");
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "unknown key type %.*s", (int)(t.n > 60 ? 60 : t.n), (const char *)t.p);
    }
    vouch_ssh_pubkey *k = NULL;
    int rc = read_key_fields(&r, ti, &k, d);
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
    if (type_by_name(*type, cert) < 0) {
        int n = (int)(type->n > 60 ? 60 : type->n);
        if (memchr(type->p, '=', type->n) || memchr(type->p, '"', type->n))
            return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "options before the key type (as in authorized_keys) are not accepted");
        if (type_by_name(*type, !cert) >= 0)
            return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, cert ? "a public key, not a certificate" : "a certificate, not a public key");
        for (int k = 0; k < n; k++)
            if ((unsigned char)type->p[k] < 0x20 || type->p[k] >= 0x7f) n = k;
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "unknown %s type %.*s", cert ? "certificate" : "key", n, (const char *)type->p);
    }
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)line[k] < 0x20 && line[k] != '\t') return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "control characters in the key line");
    *blob = malloc(i - bs);
    if (!*blob) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    if (b64_decode((vspan){(const uint8_t *)line + bs, i - bs}, *blob, i - bs, bloblen)) {
        free(*blob);
        *blob = NULL;
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the key's base64 is malformed");
    }
    return 0;
}

static bool blob_type_is(const uint8_t *blob, size_t len, vspan type) {
    sshr r = {blob, blob + len};
    vspan t;
    return !sshr_string(&r, &t) && span_eq(t, type);
}

/* The blob of a key or certificate line (at most limit bytes), whose type must be the
 * line's: the caller parses it and frees it. */
static int line_blob(const char *line, size_t len, bool cert, uint8_t **blob, size_t *n, vouch_diag *d) {
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
    int rc = line_blob(line, len, false, &blob, &n, d);
    if (rc) return rc;
    rc = vouch_ssh_pubkey_parse(blob, n, out, d);
    free(blob);
    return rc;
}

static int base64(const uint8_t *p, size_t n, char **out) {
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    *out = malloc(cap);
    if (!*out) return VOUCH_E_NOMEM;
    sodium_bin2base64(*out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

static int line_of(const char *type, const uint8_t *blob, size_t n, const char *comment, char **out) {
    char *b64;
    if (base64(blob, n, &b64)) return VOUCH_E_NOMEM;
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
    return line_of(ssh_type_name(k->kind), k->blob, k->bloblen, comment, out);
}

void vouch_ssh_pubkey_fingerprint(const vouch_ssh_pubkey *k, char *buf, size_t cap) {
    if (!k || cap < 60) { if (cap) buf[0] = 0; return; }
    uint8_t h[32];
    vouch_ensure_init();
    crypto_hash_sha256(h, k->blob, k->bloblen);
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, h, 32, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    snprintf(buf, cap, "SHA256:%s", b64);
}

/* ---- signatures ---- */

/* Verifies an SSH signature (string alg, string blob) of data under key. */
int ssh_verify(const vouch_ssh_pubkey *key, const uint8_t *data, size_t len, vspan sig, const char **alg_out, vouch_diag *d) {
    sshr r = {sig.p, sig.p + sig.n};
    vspan alg, blob;
    if (sshr_text(&r, &alg) || sshr_string(&r, &blob) || r.p != r.end) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed signature");
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
    if (!fits || !key->key) return vouch_fail(d, VOUCH_E_KEY_ALGORITHM_MISMATCH, -1, "a %s signature from a %s key", NAMES[ai], ssh_type_name(kind));
    int rc;
    if (ai <= 1) {
        rc = vpubkey_verify(key->key, ai == 0 ? VSIG_RSA_SHA512 : VSIG_RSA_SHA256, data, len, blob.p, blob.n);
    } else if (ai == 6) {
        rc = vpubkey_verify(key->key, VSIG_ED25519, data, len, blob.p, blob.n);
    } else { /* ECDSA: mpint r, mpint s inside the blob */
        sshr s = {blob.p, blob.p + blob.n};
        vspan rv, sv;
        size_t size = ai == 3 ? 32 : ai == 4 ? 48 : 66;
        if (sshr_mpint(&s, &rv) || sshr_mpint(&s, &sv) || s.p != s.end) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed ECDSA signature");
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

/* ---- certificates ---- */

typedef struct {
    char *name, *value; /* value: the string inside the data field, "" for flags */
    vspan raw;          /* the data field as it was */
} ssh_opt;

struct vouch_ssh_cert {
    uint8_t *blob;
    size_t bloblen;
    int kind;
    vspan nonce;
    vouch_ssh_pubkey *key;
    uint64_t serial;
    uint32_t type;
    char *key_id;
    char **principals;
    size_t nprincipals;
    uint64_t valid_after, valid_before;
    ssh_opt *opts[2];
    size_t nopts[2];
    vspan reserved;
    vouch_ssh_pubkey *signature_key;
    const char *sig_alg;
    vspan signature;
};

void vouch_ssh_cert_free(vouch_ssh_cert *c) {
    if (!c) return;
    vouch_ssh_pubkey_free(c->key);
    vouch_ssh_pubkey_free(c->signature_key);
    free(c->key_id);
    for (size_t i = 0; i < c->nprincipals; i++) free(c->principals[i]);
    free(c->principals);
    for (int e = 0; e < 2; e++) {
        for (size_t i = 0; i < c->nopts[e]; i++) free(c->opts[e][i].name), free(c->opts[e][i].value);
        free(c->opts[e]);
    }
    free(c->blob);
    free(c);
}

static char *dup_span(vspan s) {
    char *p = malloc(s.n + 1);
    if (p) memcpy(p, s.p, s.n), p[s.n] = 0;
    return p;
}

static bool printable(vspan s) {
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < 0x20 || s.p[i] == 0x7f) return false;
    return true;
}

static const char *KNOWN_EXTENSIONS[] = {"no-touch-required", "permit-X11-forwarding", "permit-agent-forwarding",
                                         "permit-port-forwarding", "permit-pty", "permit-user-rc"};
enum { MAX_OPTIONS = 256 }; /* per field; OpenSSH sets none, real certificates carry a handful */

/* Reads a packed options or extensions field: sorted, unique (name, data) pairs. */
static int read_options(vspan field, ssh_opt **out, size_t *n, bool extension, vouch_diag *d) {
    const char *what = extension ? "extension" : "critical option";
    sshr r = {field.p, field.p + field.n};
    vspan prev = {NULL, 0};
    *out = NULL;
    *n = 0;
    while (r.p != r.end) {
        vspan name, data;
        if (sshr_text(&r, &name) || sshr_string(&r, &data) || name.n == 0 || !printable(name))
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed %s", what);
        if (prev.p) {
            size_t m = prev.n < name.n ? prev.n : name.n;
            int c = memcmp(prev.p, name.p, m);
            if (c > 0 || (c == 0 && prev.n >= name.n))
                return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%ss are not sorted and unique (%.*s)", what, (int)(name.n > 60 ? 60 : name.n),
                                  (const char *)name.p);
        }
        prev = name;
        /* as sshd: known flags carry no data, force-command and source-address carry a value */
        bool flag = false, valued = false;
        if (extension) {
            for (size_t k = 0; k < sizeof KNOWN_EXTENSIONS / sizeof KNOWN_EXTENSIONS[0]; k++)
                flag |= name.n == strlen(KNOWN_EXTENSIONS[k]) && memcmp(name.p, KNOWN_EXTENSIONS[k], name.n) == 0;
        } else {
            flag = name.n == 15 && memcmp(name.p, "verify-required", 15) == 0;
            valued = (name.n == 13 && memcmp(name.p, "force-command", 13) == 0) || (name.n == 14 && memcmp(name.p, "source-address", 14) == 0);
        }
        if ((flag && data.n) || (valued && !data.n))
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s %.*s %s", what, (int)name.n, (const char *)name.p,
                              flag ? "is a flag but carries data" : "has no value");
        vspan inner = {(const uint8_t *)"", 0};
        if (data.n) { /* a value: one string inside the data field */
            sshr dr = {data.p, data.p + data.n};
            if (sshr_text(&dr, &inner) || dr.p != dr.end)
                return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the data of %s %.*s is not one string", what, (int)(name.n > 60 ? 60 : name.n),
                                  (const char *)name.p);
        }
        if (*n == MAX_OPTIONS) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "more than %d %ss", MAX_OPTIONS, what);
        ssh_opt *o = realloc(*out, (*n + 1) * sizeof *o);
        if (!o) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        *out = o;
        o[*n] = (ssh_opt){dup_span(name), dup_span(inner), data};
        (*n)++; /* counted even when half made, so that the certificate's free releases it */
        if (!o[*n - 1].name || !o[*n - 1].value) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    return 0;
}

static int parse_cert(vouch_ssh_cert *c, vouch_diag *d) {
    sshr r = {c->blob, c->blob + c->bloblen};
    vspan t, principals, opts, exts, sigkey;
    if (sshr_text(&r, &t)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the certificate does not start with its type");
    int ti = type_by_name(t, true);
    if (ti < 0) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "not a supported certificate type: %.*s", (int)(t.n > 60 ? 60 : t.n), (const char *)t.p);
    c->kind = TYPES[ti].kind;
    if (sshr_string(&r, &c->nonce) || c->nonce.n < 16) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the nonce is missing or shorter than 16 bytes");
    int rc = read_key_fields(&r, ti, &c->key, d);
    if (rc) return rc;
    uint32_t type;
    vspan keyid;
    if (sshr_u64(&r, &c->serial) || sshr_u32(&r, &type) || sshr_text(&r, &keyid) || sshr_string(&r, &principals) ||
        sshr_u64(&r, &c->valid_after) || sshr_u64(&r, &c->valid_before) || sshr_string(&r, &opts) || sshr_string(&r, &exts) ||
        sshr_string(&r, &c->reserved) || sshr_string(&r, &sigkey))
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "a certificate field is truncated or malformed");
    size_t signed_len = (size_t)(r.p - c->blob);
    if (sshr_string(&r, &c->signature) || r.p != r.end) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "bad signature field or trailing data");
    if (type != VOUCH_SSH_CERT_USER && type != VOUCH_SSH_CERT_HOST) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "certificate type %u is neither user nor host", type);
    c->type = type;
    if (c->reserved.n) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the reserved field is not empty");
    if (c->valid_after >= c->valid_before) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "valid after is not before valid before");
    if (!(c->key_id = dup_span(keyid))) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    sshr pr = {principals.p, principals.p + principals.n};
    while (pr.p != pr.end) {
        vspan p;
        if (sshr_text(&pr, &p) || c->nprincipals >= 256) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed principals");
        char **np = realloc(c->principals, (c->nprincipals + 1) * sizeof *np);
        if (!np) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        c->principals = np;
        if (!(np[c->nprincipals++] = dup_span(p))) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    if ((rc = read_options(opts, &c->opts[0], &c->nopts[0], false, d))) return rc;
    if ((rc = read_options(exts, &c->opts[1], &c->nopts[1], true, d))) return rc;
    if ((rc = vouch_ssh_pubkey_parse(sigkey.p, sigkey.n, &c->signature_key, d))) return rc;
    if (c->signature_key->kind == VOUCH_SSH_SK_ECDSA || c->signature_key->kind == VOUCH_SSH_SK_ED25519)
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "signatures by security-key CAs are not supported");
    return ssh_verify(c->signature_key, c->blob, signed_len, c->signature, &c->sig_alg, d);
}

int vouch_ssh_cert_parse(const uint8_t *blob, size_t len, vouch_ssh_cert **out, vouch_diag *d) {
    if (!out || (!blob && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > 64 * 1024) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a certificate of %zu bytes", len);
    vouch_ensure_init();
    vouch_ssh_cert *c = calloc(1, sizeof *c);
    if (!c || !(c->blob = malloc(len ? len : 1))) {
        free(c);
        return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    memcpy(c->blob, blob, len);
    c->bloblen = len;
    int rc = parse_cert(c, d);
    if (rc) vouch_ssh_cert_free(c);
    else *out = c;
    return rc;
}

int vouch_ssh_cert_parse_line(const char *line, size_t len, vouch_ssh_cert **out, vouch_diag *d) {
    if (!out) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    uint8_t *blob;
    size_t n;
    int rc = line_blob(line, len, true, &blob, &n, d);
    if (rc) return rc;
    rc = vouch_ssh_cert_parse(blob, n, out, d);
    free(blob);
    return rc;
}

const uint8_t *vouch_ssh_cert_blob(const vouch_ssh_cert *c, size_t *len) { if (len) *len = c->bloblen; return c->blob; }
const char *vouch_ssh_cert_type_name(const vouch_ssh_cert *c) { return ssh_cert_type_name(c->kind); }
const char *vouch_ssh_cert_type_name_for(int kind) { return ssh_cert_type_name(kind); }
const vouch_ssh_pubkey *vouch_ssh_cert_key(const vouch_ssh_cert *c) { return c->key; }
const vouch_ssh_pubkey *vouch_ssh_cert_signature_key(const vouch_ssh_cert *c) { return c->signature_key; }
const char *vouch_ssh_cert_signature_algorithm(const vouch_ssh_cert *c) { return c->sig_alg; }
const uint8_t *vouch_ssh_cert_nonce(const vouch_ssh_cert *c, size_t *len) { if (len) *len = c->nonce.n; return c->nonce.p; }
uint64_t vouch_ssh_cert_serial(const vouch_ssh_cert *c) { return c->serial; }
uint32_t vouch_ssh_cert_kind(const vouch_ssh_cert *c) { return c->type; }
const char *vouch_ssh_cert_key_id(const vouch_ssh_cert *c) { return c->key_id; }
uint64_t vouch_ssh_cert_valid_after(const vouch_ssh_cert *c) { return c->valid_after; }
uint64_t vouch_ssh_cert_valid_before(const vouch_ssh_cert *c) { return c->valid_before; }
size_t vouch_ssh_cert_principal_count(const vouch_ssh_cert *c) { return c->nprincipals; }
const char *vouch_ssh_cert_principal(const vouch_ssh_cert *c, size_t i) { return i < c->nprincipals ? c->principals[i] : NULL; }
size_t vouch_ssh_cert_option_count(const vouch_ssh_cert *c, int e) { return c->nopts[e ? 1 : 0]; }
const char *vouch_ssh_cert_option_name(const vouch_ssh_cert *c, int e, size_t i) { return i < c->nopts[e ? 1 : 0] ? c->opts[e ? 1 : 0][i].name : NULL; }
const char *vouch_ssh_cert_option_value(const vouch_ssh_cert *c, int e, size_t i) { return i < c->nopts[e ? 1 : 0] ? c->opts[e ? 1 : 0][i].value : NULL; }
const uint8_t *vouch_ssh_cert_option_data(const vouch_ssh_cert *c, int e, size_t i, size_t *len) {
    if (i >= c->nopts[e ? 1 : 0]) { *len = 0; return NULL; }
    vspan raw = c->opts[e ? 1 : 0][i].raw;
    *len = raw.n;
    return raw.p ? raw.p : (const uint8_t *)"";
}

/* The body of a certificate, up to and including the signature key. */
typedef struct {
    int kind;
    vspan key_fields;        /* the subject key's fields after its type string */
    const uint8_t *nonce;
    size_t nonce_len;
    uint64_t serial;
    uint32_t type;
    const char *key_id;
    const char *const *principals;
    size_t nprincipals;
    uint64_t valid_after, valid_before;
    const char *const *opt_names[2];
    const char *const *opt_values[2];  /* NULL entries: flags */
    const vspan *opt_raws[2];          /* re-encoding: the data fields as parsed, or NULL */
    size_t nopts[2];
    vspan sigkey;
} cert_body;

/* raws, when given, are the data fields exactly as parsed (re-encoding keeps their bytes). */
static int write_options(dbuf *b, const char *const *names, const char *const *values, const vspan *raws, size_t n) {
    size_t packed, inner;
    int rc = sshw_open(b, &packed);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sshw_cstr(b, names[i]);
        if (rc) break;
        if (raws) {
            rc = sshw_string(b, raws[i].p, raws[i].n);
        } else if (values && values[i] && values[i][0]) { /* a value: one string inside the data */
            rc = sshw_open(b, &inner) || sshw_cstr(b, values[i]) ? VOUCH_E_NOMEM : 0;
            if (!rc) sshw_close(b, inner);
        } else {
            rc = sshw_string(b, "", 0);
        }
    }
    if (!rc) sshw_close(b, packed);
    return rc;
}

static int write_body(dbuf *b, const cert_body *c) {
    size_t pr;
    int rc = sshw_cstr(b, ssh_cert_type_name(c->kind));
    if (!rc) rc = sshw_string(b, c->nonce, c->nonce_len);
    if (!rc) rc = dbuf_put(b, c->key_fields.p, c->key_fields.n);
    if (!rc) rc = sshw_u64(b, c->serial);
    if (!rc) rc = sshw_u32(b, c->type);
    if (!rc) rc = sshw_cstr(b, c->key_id ? c->key_id : "");
    if (!rc) rc = sshw_open(b, &pr);
    for (size_t i = 0; i < c->nprincipals && !rc; i++) rc = sshw_cstr(b, c->principals[i]);
    if (!rc) sshw_close(b, pr);
    if (!rc) rc = sshw_u64(b, c->valid_after);
    if (!rc) rc = sshw_u64(b, c->valid_before);
    if (!rc) rc = write_options(b, c->opt_names[0], c->opt_values[0], c->opt_raws[0], c->nopts[0]);
    if (!rc) rc = write_options(b, c->opt_names[1], c->opt_values[1], c->opt_raws[1], c->nopts[1]);
    if (!rc) rc = sshw_string(b, "", 0); /* reserved */
    if (!rc) rc = sshw_string(b, c->sigkey.p, c->sigkey.n);
    return rc;
}

/* The key's fields after its type string. */
static vspan key_fields(const vouch_ssh_pubkey *k) {
    sshr r = {k->blob, k->blob + k->bloblen};
    vspan t;
    sshr_string(&r, &t);
    return (vspan){r.p, (size_t)(r.end - r.p)};
}

int vouch_ssh_cert_encode(const vouch_ssh_cert *c, uint8_t **out, size_t *len) {
    if (!c || !out || !len) return VOUCH_E_ARG;
    const char *names[2][MAX_OPTIONS], *values[2][MAX_OPTIONS];
    vspan raws[2][MAX_OPTIONS];
    for (int e = 0; e < 2; e++) {
        if (c->nopts[e] > MAX_OPTIONS) return VOUCH_E_ARG; /* the parser refuses more */
        for (size_t i = 0; i < c->nopts[e]; i++)
            names[e][i] = c->opts[e][i].name, values[e][i] = c->opts[e][i].value, raws[e][i] = c->opts[e][i].raw;
    }
    cert_body body = {c->kind, key_fields(c->key), c->nonce.p, c->nonce.n, c->serial, c->type, c->key_id,
                      (const char *const *)c->principals, c->nprincipals, c->valid_after, c->valid_before,
                      {names[0], names[1]}, {values[0], values[1]}, {raws[0], raws[1]}, {c->nopts[0], c->nopts[1]},
                      {c->signature_key->blob, c->signature_key->bloblen}};
    dbuf b = {0};
    int rc = write_body(&b, &body);
    if (!rc) rc = sshw_string(&b, c->signature.p, c->signature.n);
    if (rc) { free(b.p); return rc; }
    *out = b.p;
    *len = b.n;
    return 0;
}

/* ---- signing ---- */


static bool valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 256) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

/* source-address: comma-separated addresses or CIDR ranges. */
static bool valid_source_address(const char *s) {
    if (!*s) return false;
    char item[64];
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (n == 0 || n >= sizeof item) return false;
        memcpy(item, s, n);
        item[n] = 0;
        char *slash = strchr(item, '/');
        long prefix = -1;
        if (slash) {
            char *end;
            *slash = 0;
            prefix = strtol(slash + 1, &end, 10);
            if (*end || end == slash + 1) return false;
        }
        uint8_t buf[16];
        int v4 = inet_pton(AF_INET, item, buf) == 1, v6 = !v4 && inet_pton(AF_INET6, item, buf) == 1;
        if (!v4 && !v6) return false;
        if (slash && (prefix < 0 || prefix > (v4 ? 32 : 128))) return false;
        s += n + (comma ? 1 : 0);
        if (comma && !*s) return false;
    }
    return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int vouch_ssh_cert_sign(const vouch_ssh_privkey *ca, const vouch_ssh_cert_request *q, uint8_t **out, size_t *len, vouch_diag *d) {
    if (!ca || !q || !q->key || !out || !len) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (q->type != VOUCH_SSH_CERT_USER && q->type != VOUCH_SSH_CERT_HOST) return vouch_fail(d, VOUCH_E_ARG, -1, "the type is neither user nor host");
    if (q->valid_after >= q->valid_before) return vouch_fail(d, VOUCH_E_ARG, -1, "valid after must be before valid before");
    if (q->key_id && (strlen(q->key_id) > 1024 || !printable((vspan){(const uint8_t *)q->key_id, strlen(q->key_id)})))
        return vouch_fail(d, VOUCH_E_ARG, -1, "the key id must be at most 1024 printable characters");
    if (q->nprincipals > 256) return vouch_fail(d, VOUCH_E_ARG, -1, "at most 256 principals");
    if ((q->nprincipals && !q->principals) || (q->noptions && !q->option_names) || (q->nextensions && !q->extensions))
        return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    for (size_t i = 0; i < q->nprincipals; i++)
        if (!q->principals[i] || !valid_name(q->principals[i]))
            return vouch_fail(d, VOUCH_E_ARG, -1, "principal %zu is empty or has spaces or control characters", i);
    if (q->noptions > 16 || q->nextensions > 32) return vouch_fail(d, VOUCH_E_ARG, -1, "too many options or extensions");
    if (q->type == VOUCH_SSH_CERT_HOST && (q->noptions || q->nextensions))
        return vouch_fail(d, VOUCH_E_ARG, -1, "host certificates carry no critical options or extensions");
    /* options: known ones checked; sorted by name, as OpenSSH requires */
    const char *names[2][32], *values[2][32];
    size_t n[2] = {q->noptions, q->nextensions};
    bool sk = q->key->kind == VOUCH_SSH_SK_ECDSA || q->key->kind == VOUCH_SSH_SK_ED25519;
    for (size_t i = 0; i < q->noptions; i++) {
        const char *name = q->option_names[i], *value = q->option_values ? q->option_values[i] : NULL;
        if (!name || !valid_name(name)) return vouch_fail(d, VOUCH_E_ARG, -1, "critical option %zu has no valid name", i);
        if (strcmp(name, "force-command") == 0) {
            if (!value || !*value) return vouch_fail(d, VOUCH_E_ARG, -1, "force-command needs a command");
        } else if (strcmp(name, "source-address") == 0) {
            if (!value || !valid_source_address(value))
                return vouch_fail(d, VOUCH_E_ARG, -1, "source-address must be a comma-separated list of addresses or CIDR ranges");
        } else if (strcmp(name, "verify-required") == 0) {
            if (value && *value) return vouch_fail(d, VOUCH_E_ARG, -1, "verify-required takes no value");
        } else {
            return vouch_fail(d, VOUCH_E_ARG, -1, "unknown critical option %.60s (known: force-command, source-address, verify-required)", name);
        }
        names[0][i] = name;
    }
    for (size_t i = 0; i < q->nextensions; i++) {
        const char *name = q->extensions[i];
        if (!name || !valid_name(name)) return vouch_fail(d, VOUCH_E_ARG, -1, "extension %zu has no valid name", i);
        bool known = false;
        for (size_t k = 0; k < sizeof KNOWN_EXTENSIONS / sizeof KNOWN_EXTENSIONS[0]; k++) known |= strcmp(name, KNOWN_EXTENSIONS[k]) == 0;
        if (!known && !strchr(name, '@'))
            return vouch_fail(d, VOUCH_E_ARG, -1, "unknown extension %.60s (custom extensions are name@domain)", name);
        if (strcmp(name, "no-touch-required") == 0 && !sk)
            return vouch_fail(d, VOUCH_E_ARG, -1, "no-touch-required applies to security-key (sk-) keys only");
        names[1][i] = name;
        values[1][i] = NULL;
    }
    for (int e = 0; e < 2; e++) {
        /* sort the names; options keep their values alongside */
        for (size_t i = 0; i < n[e]; i++)
            for (size_t j = i + 1; j < n[e]; j++) {
                int c = strcmp(names[e][i], names[e][j]);
                if (c == 0) return vouch_fail(d, VOUCH_E_ARG, -1, "%s %s given twice", e ? "extension" : "critical option", names[e][i]);
            }
        if (e == 0) {
            /* pair values to names before sorting */
            const char *pairs[32][2];
            for (size_t i = 0; i < n[0]; i++) pairs[i][0] = q->option_names[i], pairs[i][1] = q->option_values ? q->option_values[i] : NULL;
            qsort(pairs, n[0], sizeof pairs[0], cmp_str);
            for (size_t i = 0; i < n[0]; i++) names[0][i] = pairs[i][0], values[0][i] = pairs[i][1];
        } else {
            qsort(names[1], n[1], sizeof names[1][0], cmp_str);
        }
    }
    uint8_t nonce[32];
    vouch_random_small(nonce, sizeof nonce);
    const vouch_ssh_pubkey *cak = vouch_ssh_privkey_public(ca);
    cert_body body = {q->key->kind, key_fields(q->key), nonce, sizeof nonce, q->serial, q->type, q->key_id,
                      q->principals, q->nprincipals, q->valid_after, q->valid_before,
                      {names[0], names[1]}, {values[0], values[1]}, {NULL, NULL}, {n[0], n[1]}, {cak->blob, cak->bloblen}};
    /* one allocation: the body's fixed part and strings, then room for the signature */
    size_t cap = 256 + cak->bloblen + (q->key_id ? strlen(q->key_id) : 0) + body.key_fields.n + 1024;
    for (size_t i = 0; i < q->nprincipals; i++) cap += 4 + strlen(q->principals[i]);
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < n[e]; i++) cap += 16 + strlen(names[e][i]) + (values[e][i] ? strlen(values[e][i]) : 0);
    dbuf b = {malloc(cap), 0, cap};
    if (!b.p) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    int rc = write_body(&b, &body);
    if (!rc) rc = ssh_sign_append(ca, b.p, b.n, q->rsa_sha256, &b);
    if (rc) {
        free(b.p);
        return vouch_fail(d, rc, -1, "the certificate could not be signed");
    }
    *out = b.p;
    *len = b.n;
    return 0;
}
