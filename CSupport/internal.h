/* internal.h: what the core's .c files share and callers never see: byte spans, the
 * strict DER reader, X.509 times, the lean certificate view, public keys. */
#ifndef VOUCH_INTERNAL_H
#define VOUCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

/* ---- spans and the DER reader (der.c) ---- */
typedef struct {
    const uint8_t *p;
    size_t n;
} vspan;

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} vder_reader;

enum {
    DER_BOOLEAN = 0x01, DER_INTEGER = 0x02, DER_BIT_STRING = 0x03, DER_OCTET_STRING = 0x04,
    DER_NULL = 0x05, DER_OID = 0x06, DER_ENUMERATED = 0x0a, DER_UTF8 = 0x0c,
    DER_UTCTIME = 0x17, DER_GENTIME = 0x18, DER_SEQUENCE = 0x30, DER_SET = 0x31,
};
#define DER_CTX(n) (0xa0 | (n))      /* [n] constructed */
#define DER_CTX_PRIM(n) (0x80 | (n)) /* [n] primitive */

static inline vder_reader vder_of(vspan s) { vder_reader r = {s.p, s.p + s.n}; return r; }
static inline bool vder_done(const vder_reader *r) { return r->p >= r->end; }
static inline int vder_peek(const vder_reader *r) { return vder_done(r) ? -1 : r->p[0]; }
/* Reads one TLV (single-byte tag, minimal definite length); fills its content and,
 * when `whole` is non-NULL, the whole TLV. Returns 0 or VOUCH_E_DER. */
int vder_next(vder_reader *r, int *tag, vspan *content, vspan *whole);
/* An OBJECT IDENTIFIER's content is well formed (non-empty, minimal base-128). */
bool vder_oid_valid(vspan oid_content);
/* vder_next that also requires the tag. */
int vder_expect(vder_reader *r, int tag, vspan *content, vspan *whole);
/* An INTEGER's content must be minimal (no redundant leading 0x00/0xff). */
bool vder_integer_minimal(vspan c);
/* A non-negative INTEGER's value if it fits 62 bits, else -1. */
int64_t vder_small_uint(vspan c);
/* Parses UTCTime / GeneralizedTime content (RFC 5280 forms: Z, whole seconds) to Unix
 * seconds. Returns 0 or VOUCH_E_DER. */
int vder_time(int tag, vspan c, int64_t *out);
bool vder_time_valid(int tag, vspan c);
bool vspan_eq(vspan a, vspan b);
bool vder_oid_is(vspan oid_content, const uint8_t *oid, size_t n);
#define OID_IS(s, arr) vder_oid_is((s), (arr), sizeof(arr))

/* ---- one-time library initialisation (sig.c): libsodium ---- */
void vouch_ensure_init(void);
/* Random bytes for small unpredictable values such as certificate nonces (at most 256
 * bytes a call is buffered per thread, fork-safe); never for keys. */
void vouch_random_small(uint8_t *out, size_t len);

/* ---- diagnostics (error.c) ---- */
int vouch_fail(vouch_diag *d, int status, int index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- public keys and signature checks (sig.c) ---- */
typedef enum {
    VKEY_UNKNOWN = 0, VKEY_RSA, VKEY_P256, VKEY_P384, VKEY_P521, VKEY_ED25519,
} vkey_type;

typedef enum {
    VSIG_UNKNOWN = 0, VSIG_WEAK, /* SHA-1, MD5, MD2, DSA: recognised and refused */
    VSIG_RSA_SHA256, VSIG_RSA_SHA384, VSIG_RSA_SHA512,
    VSIG_ECDSA_SHA256, VSIG_ECDSA_SHA384, VSIG_ECDSA_SHA512,
    VSIG_ED25519,
    VSIG_RSA_PSS_SHA256, VSIG_RSA_PSS_SHA384, VSIG_RSA_PSS_SHA512, /* JWS PS*: MGF1 with the same hash, salt = hash length */
} vsig_alg;

/* Reads an AlgorithmIdentifier TLV's content into a signature algorithm, checking its
 * parameters (NULL for RSA PKCS#1, absent for ECDSA and Ed25519). */
vsig_alg vsig_from_algid(vspan algid_content);
const char *vsig_name(vsig_alg a);
/* Which key type a signature algorithm needs (VKEY_UNKNOWN for "any ECDSA curve"). */
bool vsig_fits_key(vsig_alg a, vkey_type k);

/* Reads a SubjectPublicKeyInfo (whole TLV) enough to know its type and strength
 * without building an OpenSSL object: RSA modulus bits, named curve. */
int vspki_inspect(vspan spki, vkey_type *type, int *bits);
const char *vkey_name(vkey_type t);
/* For ECDSA keys: 0 when the SPKI's point is on its curve, else VOUCH_E_WEAK_KEY. */
int vspki_check_point(vspan spki, vkey_type type);

typedef struct vpubkey vpubkey;
/* Builds a ready-to-verify key from an SPKI (whole TLV). Owner frees with vpubkey_free. */
int vpubkey_new(vspan spki, vpubkey **out);
void vpubkey_free(vpubkey *k);
vkey_type vpubkey_type(const vpubkey *k);
/* Verifies `sig` over `msg` (hashing it as the algorithm says). Thread-safe: contexts
 * come from a small lock-free pool in the key. 0, VOUCH_E_BAD_SIGNATURE, or a refusal
 * for algorithms that do not fit the key. */
int vpubkey_verify(vpubkey *k, vsig_alg alg, const uint8_t *msg, size_t msglen,
                   const uint8_t *sig, size_t siglen);
/* The same over a message already hashed with the algorithm's hash (`vsig_hash`), for
 * RSA and ECDSA keys; VOUCH_E_ARG for Ed25519, which signs the message itself. */
int vpubkey_verify_digest(vpubkey *k, vsig_alg alg, const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen);
/* Which hash `vdigest` computes for an algorithm (0 SHA-256, 1 SHA-384, 2 SHA-512), or -1
 * for Ed25519 and unknown algorithms. */
int vsig_hash(vsig_alg alg);
/* ECDSA with the signature as JWS carries it: r and s, big-endian, each exactly the
 * curve's size. Refuses r or s of 0 or not below the group order. */
int vpubkey_verify_ecdsa_raw(vpubkey *k, vsig_alg alg, const uint8_t *msg, size_t msglen, const uint8_t *rs, size_t rslen);
/* The size in bytes of the key's curve field (32, 48, 66), 0 for other keys. */
size_t vpubkey_ec_size(const vpubkey *k);
/* An RSA key's modulus bits, 0 for other keys. */
int vpubkey_bits(const vpubkey *k);

/* ---- the lean certificate view (cert.c) ---- */
enum {
    KU_DIGITAL_SIGNATURE = 0x80, KU_NON_REPUDIATION = 0x40, KU_KEY_ENCIPHERMENT = 0x20,
    KU_DATA_ENCIPHERMENT = 0x10, KU_KEY_AGREEMENT = 0x08, KU_KEY_CERT_SIGN = 0x04,
    KU_CRL_SIGN = 0x02, KU_ENCIPHER_ONLY = 0x01, KU_DECIPHER_ONLY = 0x8000,
};

typedef struct {
    vspan whole, tbs, sig_value;   /* sig_value: BIT STRING bytes after the unused-bits byte */
    vspan outer_alg, inner_alg;    /* AlgorithmIdentifier TLVs, compared byte for byte */
    vsig_alg sig_alg;
    int version;                   /* 1, 2 or 3 */
    vspan serial;                  /* INTEGER content */
    vspan issuer, subject;         /* Name TLVs */
    int64_t not_before, not_after;
    vspan spki;                    /* SubjectPublicKeyInfo TLV */
    vkey_type key_type;
    int key_bits;
    bool has_extensions;
    bool has_bc, bc_critical, is_ca;
    int pathlen;                   /* -1 when absent */
    bool has_ku, ku_critical;
    unsigned ku;
    bool has_eku, eku_client_auth, eku_server_auth, eku_any;
    bool has_ski, ski_critical, has_aki, aki_critical;
    vspan ski, aki_keyid;          /* key identifiers' content bytes */
    vspan aki_issuer, aki_serial;  /* authorityCertIssuer [1] content, serial [2] content */
    bool has_san, san_critical, san_empty;
    vspan san;                     /* GeneralNames TLV */
    const char *san_problem;       /* a dNSName or rfc822Name that is not a valid name (static text) */
    bool has_pc, pc_critical;      /* policyConstraints */
    bool has_nc, nc_critical;
    vspan nc;                      /* NameConstraints TLV (the extension's value) */
    bool aia_critical;             /* authorityInfoAccess marked critical (a profile rule) */
    bool unknown_critical;
    char unknown_critical_oid[48];
    bool subject_empty, issuer_empty;
} vcert;

/* Reads one certificate's DER (exactly `len` bytes, no trailing data) into views over
 * those bytes: no allocation, nothing copied. Checks DER strictly. 0 or VOUCH_E_DER
 * (with the reason in `why`, static storage). */
int vcert_parse(const uint8_t *der, size_t len, vcert *out, const char **why);

/* OpenSSL's X509_check_akid: false when the child's authorityKeyIdentifier names another key,
 * serial or issuer than `parent`'s. */
bool vcert_akid_matches(const vcert *child, const vcert *parent);
/* Checks a GeneralNames SEQUENCE's content (subjectAltName, as RFC 5280 4.2.1.6 lays it
 * out): every entry one of the nine GeneralName forms, with IA5 strings in ASCII, IP
 * addresses of 4 or 16 bytes, directory names well formed. 0 or VOUCH_E_DER. */
int vgeneral_names_check(vspan seq_content, const char **why);
/* A dNSName in RFC 5280's preferred name syntax (LDH labels, underscores tolerated),
 * optionally with a leftmost "*" label. */
bool vdns_name_valid(vspan name);
/* Checks a Name TLV's structure (SEQUENCE OF non-empty SET OF {OID, value}). */
int vname_check(vspan name_tlv, bool *empty);
/* Prints the Name TLV as an RFC 2253-style string ("CN=leaf,O=Example"). */
void vname_format(vspan name, char *buf, size_t buflen);

/* ---- DER building and SubjectPublicKeyInfo from key parts (spki.c) ---- */
typedef struct {
    uint8_t *p;
    size_t n, cap;
    bool secret; /* growing copies and wipes, so no freed copy of a secret is left */
} vbuf;
int vbuf_put(vbuf *b, const void *d, size_t n);
/* Appends tag, length (up to 64 KiB), content. */
int vbuf_tlv(vbuf *b, uint8_t tag, const uint8_t *content, size_t n);
/* RSA from big-endian n and e (leading zeros allowed); EC from an uncompressed point. */
int vspki_from_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen, vbuf *out);
int vspki_from_ec(vkey_type curve, const uint8_t *point, size_t len, vbuf *out);
int vspki_from_ed25519(const uint8_t pk[32], vbuf *out);

/* (The SSH code's internal declarations are in sshwire.h and sshkey_internal.h.) */

/* sig.c: SHA-256 (h 0), SHA-384 (1) or SHA-512 (2) of msg through OpenSSL's low-level
 * functions (the one-shot SHA256() of OpenSSL 3.0 fetches its algorithm on every call). */
size_t vdigest(int h, const uint8_t *msg, size_t len, uint8_t out[64]);

/* ---- JSON (json.c) ---- */
/* A JSON object in the plain subset (printable ASCII strings without escapes, integers
 * of at most 18 digits, true, false, null, nesting up to 16): the value json_loadb(...,
 * JSON_REJECT_DUPLICATES, ...) would give, built without its lexer; NULL when the text
 * leaves the subset or is not well formed, and then the caller asks json_loadb. */
struct json_t *vjson_load_plain(const uint8_t *data, size_t len);

/* ---- PEM (pem.c) ---- */
/* Finds the next PEM block at or after *pos. Returns 1 and fills label (NUL-terminated,
 * truncated) and the body span (base64 text between the armour lines); 0 at the end;
 * VOUCH_E_PEM on broken armour. Advances *pos past the block. */
int vpem_next(const uint8_t *in, size_t len, size_t *pos, char *label, size_t labellen,
             vspan *body);
/* ---- base64 (base64.c) ---- */
/* Strict base64 decode (standard alphabet, '=' padding only at the end, CR/LF ignored),
 * into out (capacity cap). 0 or VOUCH_E_PEM. */
int vb64_decode(vspan text, uint8_t *out, size_t cap, size_t *outlen);
/* Strict unpadded base64url into a new buffer (*out, freed by the caller). 0,
 * VOUCH_E_JWT_MALFORMED, or VOUCH_E_NOMEM. */
int vb64url_decode_alloc(const char *s, size_t n, uint8_t **out, size_t *outlen);
/* Encodes into a new NUL-terminated buffer (*out, freed by the caller) in a
 * vouch_base64.h variant; *outlen (may be NULL) without the NUL. 0 or VOUCH_E_NOMEM. */
int vb64_encode_alloc(const uint8_t *in, size_t n, int variant, char **out, size_t *outlen);

/* ---- limits ---- */
#define VOUCH_MAX_INPUT (256u * 1024u)     /* a presented chain, a CA bundle entry */
#define VOUCH_MAX_BUNDLE (8u * 1024u * 1024u)
#define VOUCH_MAX_PRESENTED 16              /* certificates in a presented chain */
#define VOUCH_MAX_PATH 10                   /* certificates in a path, leaf and anchor included */


/* Splits `in` (PEM CERTIFICATE blocks, or DER certificates back to back) into DER
 * spans copied into `buf` (capacity >= len). Blank input gives *n = 0. Returns 0, or
 * VOUCH_E_PEM / VOUCH_E_WRONG_BLOCK / VOUCH_E_DER, or VOUCH_E_CHAIN_TOO_LONG past
 * maxn certificates; diag names the block by position (index_base + i). */
int vcerts_decode(const uint8_t *in, size_t len, const char *label, uint8_t *buf, size_t cap, vspan *out,
                 size_t maxn, size_t *n, vouch_diag *d, int index_base);
/* Formats Unix seconds as 2024-01-02T03:04:05Z. */
void vfmt_time(int64_t t, char *buf, size_t cap);

/* ---- verified-link cache (vlinkcache.c) ---- */
typedef struct vlinkcache vlinkcache;
vlinkcache *vlinkcache_new(void);
void vlinkcache_free(vlinkcache *lc);
size_t vlinkcache_count(const vlinkcache *lc);
/* When the link child->parent was verified before, returns 1 and (if non-NULL)
 * the child's own public key kept with it (NULL if none was kept). */
int vlinkcache_find(vlinkcache *lc, vspan child, vspan parent, vpubkey **child_key);
/* Remembers a verified link; takes ownership of child_key (may be NULL) when it
 * returns 1, leaves it with the caller when it returns 0 (cache full or no memory). */
int vlinkcache_add(vlinkcache *lc, vspan child, vspan parent, vpubkey *child_key);

/* ---- trust store internals shared with verify.c and crl.c (truststore.c) ---- */
typedef struct {
    uint8_t *der;
    size_t len;
    vcert view;     /* views into der */
    vpubkey *key;   /* NULL when the key type is not one we verify with */
    void *nc;       /* OpenSSL NAME_CONSTRAINTS *, decoded once, or NULL */
    uint64_t subject_hash;
} vanchor;

struct vouch_truststore {
    vanchor *a;
    size_t n;
    uint32_t *index;   /* open addressing over subject_hash: anchor index + 1, 0 = empty */
    size_t index_cap;  /* power of two */
    uint8_t hkey[16];  /* SipHash key for subject names */
    vlinkcache *links;
};
/* Decodes a NameConstraints extension value into an OpenSSL NAME_CONSTRAINTS *, or NULL. */
void *vnc_decode(vspan der);
uint64_t vts_name_hash(const struct vouch_truststore *ts, vspan name);
/* Iterates anchors whose subject equals `name`: start with *cursor = 0; returns the
 * anchor or NULL at the end. */
const vanchor *vts_next_by_subject(const struct vouch_truststore *ts, vspan name, uint64_t h, size_t *cursor);

/* ---- CRLs (crl.c) ---- */
struct vouch_crl;
/* Whether verification may use the CRL: its signature was checked at load, or it was
 * deferred (to be checked against the path's issuer certificate). */
int vcrl_usable(const struct vouch_crl *crl);
/* Whether the CRL revokes certificate `c` of a verified path whose next certificate is
 * `issuer` (NULL when c is the anchor): 1 revoked, 0 not (another issuer's CRL, or not
 * listed), -1 when the CRL is deferred and does not verify under `issuer`'s key (it then
 * revokes nothing), -2 when that could not be checked (the caller refuses). Thread-safe. */
int vcrl_check(const struct vouch_crl *crl, const vcert *c, const vcert *issuer);

/* ---- revocation set (revset.c) ---- */
/* Serials as keyed 64-bit SipHash fingerprints in an open-addressing table; the serials
 * themselves, length-prefixed in `arena`, only for listing. */
typedef struct {
    uint64_t *slots;
    size_t cap;
    size_t mapped;   /* bytes of slots' own mapping, or 0 when malloc'd */
    uint8_t *arena;
    size_t arena_len;
    size_t count;
    uint8_t key[16];
} vrevset;
/* A fresh random key for the set's hashes. */
void vrevset_key(vrevset *s);
/* The fingerprint of a serial (INTEGER content) under the set's key; never 0. */
uint64_t vrevset_hash(const vrevset *s, const uint8_t *serial, size_t len);
/* Builds the table from n fingerprints (any order; duplicates collapse) and takes over
 * `arena` (malloc'd, arena_len bytes of length-prefixed serials). 0 or VOUCH_E_NOMEM. */
int vrevset_build(vrevset *s, const uint64_t *hashes, size_t n, uint8_t *arena, size_t arena_len);
int vrevset_contains(const vrevset *s, const uint8_t *serial, size_t len);
size_t vrevset_memory(const vrevset *s);
void vrevset_free(vrevset *s);

#endif
