/* vouch_krl.h: OpenSSH Key Revocation Lists (PROTOCOL.krl), offline: build one
 * (deterministic bytes that ssh-keygen -Q and sshd's RevokedKeys read), parse one (strictly;
 * what ssh-keygen -k writes included: serial lists, ranges and bitmaps, key IDs, explicit
 * keys, SHA-1 and SHA-256 fingerprints), read what it holds, and check a certificate or a
 * key against it with the reason, as sshd decides.
 *
 * Parsing rules (every refusal is VOUCH_E_SSH_MALFORMED with the reason, or
 * VOUCH_E_TOO_LARGE past VOUCH_KRL_MAX_SIZE):
 *  - the magic "SSHKRL\n\0", format version 1, flags 0; the header's reserved string and a
 *    certificate section's reserved string are ignored, as PROTOCOL.krl says;
 *  - every section and subsection length is checked, and nothing may follow the last entry
 *    of one; unknown section and subsection types are refused (as OpenSSH does);
 *  - signature sections (type 4) are refused: OpenSSH never verified them and 9.4 and
 *    later refuse KRLs that carry them; sign a KRL with `ssh-keygen -Y sign` instead;
 *  - extension sections (255, and certificate subsection 0x39) marked critical are refused;
 *    others are skipped and listed (vouch_krl_extension_name);
 *  - serial 0, ranges whose start is above their end and bitmaps that would reach serial 0
 *    or wrap past 2^64-1 are refused (as OpenSSH refuses them); serial lists may come in
 *    any order (as OpenSSH accepts them); bitmaps are minimal mpints of at most 2049 bytes
 *    (OpenSSH's bignum limit);
 *  - SHA-1 and SHA-256 hashes are 20 and 32 bytes and, within a section, strictly
 *    ascending as PROTOCOL.krl requires (OpenSSH itself does not check);
 *  - key-ID, explicit-key and fingerprint sections hold at least one entry, a certificate
 *    section at least one subsection (PROTOCOL.krl's "at least one");
 *  - a CA key or explicit key is a public key blob, never a certificate: key types the core
 *    knows must parse as keys (a weak or over-large key is kept: it can match nothing Vouch
 *    accepts, and revoking it is no error); other types must at least be a type name and
 *    whole SSH strings.
 * The content is then normalised as OpenSSH loads it: sections of the same CA merged,
 * serials coalesced into sorted ranges, key IDs and keys sorted and unique. */
#ifndef VOUCH_KRL_H
#define VOUCH_KRL_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"
#include "vouch_ssh.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_KRL_MAX_SIZE (16u * 1024u * 1024u) /* a KRL to parse or build */
#define VOUCH_KRL_MAX_ITEMS (1u << 22)           /* serial ranges, key IDs, keys and hashes */

/* Serials lo..hi, both included; lo >= 1. */
typedef struct {
    uint64_t lo, hi;
} vouch_krl_range;

/* ---- building ---- */

/* What one CA revokes. */
typedef struct {
    const uint8_t *ca_key;   /* the CA's public key blob; NULL with length 0: any CA */
    size_t ca_key_len;
    const vouch_krl_range *serials;
    size_t nserials;
    const char *const *key_ids; /* 1 to 1024 bytes each, no control characters */
    size_t nkey_ids;
} vouch_krl_ca_spec;

typedef struct {
    uint64_t version;           /* krl_version: grows with every KRL the issuer makes */
    uint64_t generated_date;    /* Unix seconds */
    const char *comment;        /* NULL or at most 1024 bytes without control characters */
    const vouch_krl_ca_spec *cas;
    size_t ncas;
    /* Public key blobs (never certificates), revoked by their SHA-256 fingerprint: every
     * certificate of the key is revoked too, and a revoked CA key revokes what it signed. */
    const uint8_t *const *keys;
    const size_t *key_lens;
    size_t nkeys;
    const uint8_t *sha256;      /* nsha256 raw SHA-256 key fingerprints, 32 bytes each, back to back */
    size_t nsha256;
    const uint8_t *sha1;        /* nsha1 raw SHA-1 key fingerprints, 20 bytes each */
    size_t nsha1;
} vouch_krl_spec;

/* Encodes a KRL: header (flags 0, no signature), then one certificate section per CA
 * (sorted by key blob, the any-CA section first; sections of the same CA merged; a CA
 * with nothing revoked left out) holding its serials ascending and coalesced (runs of 3 or
 * more as a range subsection, others in serial lists) and its key IDs sorted and unique;
 * then the SHA-1 and SHA-256 sections, sorted and unique. The same spec gives the same
 * bytes. Blobs must parse as public keys. New buffer, freed with free(). */
int vouch_krl_encode(const vouch_krl_spec *spec, uint8_t **out, size_t *len, vouch_diag *diag);

/* ---- parsing and reading ---- */

typedef struct vouch_krl vouch_krl;

int vouch_krl_parse(const uint8_t *data, size_t len, vouch_krl **out, vouch_diag *diag);
void vouch_krl_free(vouch_krl *krl);

uint64_t vouch_krl_version(const vouch_krl *krl);
uint64_t vouch_krl_generated_date(const vouch_krl *krl);
const char *vouch_krl_comment(const vouch_krl *krl);

/* The CAs, in the order their first section came; borrowed views, valid while krl lives. */
size_t vouch_krl_ca_count(const vouch_krl *krl);
/* The CA's key blob; *len 0 for the any-CA section. */
const uint8_t *vouch_krl_ca_key(const vouch_krl *krl, size_t ca, size_t *len);
size_t vouch_krl_serial_range_count(const vouch_krl *krl, size_t ca);
vouch_krl_range vouch_krl_serial_range(const vouch_krl *krl, size_t ca, size_t i);
size_t vouch_krl_key_id_count(const vouch_krl *krl, size_t ca);
const char *vouch_krl_key_id(const vouch_krl *krl, size_t ca, size_t i);
/* Explicitly revoked keys (KRL_SECTION_EXPLICIT_KEY), sorted. */
size_t vouch_krl_key_count(const vouch_krl *krl);
const uint8_t *vouch_krl_key(const vouch_krl *krl, size_t i, size_t *len);
/* Revoked key fingerprints: SHA-256 (sha256 1, 32 bytes) or SHA-1 (0, 20 bytes), ascending. */
size_t vouch_krl_hash_count(const vouch_krl *krl, int sha256);
const uint8_t *vouch_krl_hash(const vouch_krl *krl, int sha256, size_t i);
/* Non-critical extensions that were skipped: name, and *ca the certificate section's CA
 * (-1 for a top-level extension section). */
size_t vouch_krl_extension_count(const vouch_krl *krl);
const char *vouch_krl_extension_name(const vouch_krl *krl, size_t i, long *ca);

/* ---- checking ---- */

typedef enum {
    VOUCH_KRL_NOT_REVOKED = 0,
    VOUCH_KRL_BY_SHA1 = 1,      /* the key's SHA-1 fingerprint is listed */
    VOUCH_KRL_BY_SHA256 = 2,    /* the key's SHA-256 fingerprint is listed */
    VOUCH_KRL_BY_KEY = 3,       /* the key is listed explicitly */
    VOUCH_KRL_BY_KEY_ID = 4,    /* the certificate's key ID is listed for its CA (or any CA) */
    VOUCH_KRL_BY_SERIAL = 5,    /* the certificate's serial is listed for its CA (or any CA) */
} vouch_krl_reason;

typedef struct {
    int reason;                 /* a vouch_krl_reason */
    int ca_key;                 /* 1: the certificate's CA key is what is revoked (by SHA-1, SHA-256, key) */
    long ca;                    /* BY_KEY_ID, BY_SERIAL: the CA index that matched (maybe the any-CA one); else -1 */
    vouch_krl_range range;      /* BY_SERIAL: the listed range that holds the serial */
} vouch_krl_verdict;

/* As sshd (ssh_krl_check_key): the key (a certificate's own key) by SHA-1, SHA-256 and
 * explicit key; then a certificate by key ID and serial (serial 0 is never revoked) under
 * its CA's section and the any-CA section; then its CA key as a key. Returns 0 when not
 * revoked, VOUCH_E_REVOKED with the verdict (and the reason in diag) when revoked.
 * verdict and diag may be NULL. */
int vouch_krl_check_key(const vouch_krl *krl, const vouch_ssh_pubkey *key, vouch_krl_verdict *verdict, vouch_diag *diag);
int vouch_krl_check_cert(const vouch_krl *krl, const vouch_ssh_cert *cert, vouch_krl_verdict *verdict, vouch_diag *diag);
/* The same for a public key or certificate blob (a certificate's signature is checked
 * first); a blob that is neither gives its parse error. */
int vouch_krl_check_blob(const vouch_krl *krl, const uint8_t *blob, size_t len, vouch_krl_verdict *verdict, vouch_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
