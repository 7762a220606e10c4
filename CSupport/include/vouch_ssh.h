/* vouch_ssh.h: OpenSSH public keys and certificates (PROTOCOL.certkeys), byte-exact with
 * OpenSSH: parse and encode keys (wire blob, authorized_keys line), build and sign user
 * and host certificates, parse certificates and check their signature. CA private keys
 * are in vouch_sshkey.h. */
#ifndef VOUCH_SSH_H
#define VOUCH_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VOUCH_SSH_RSA = 1,          /* ssh-rsa */
    VOUCH_SSH_ECDSA_P256 = 2,   /* ecdsa-sha2-nistp256 */
    VOUCH_SSH_ECDSA_P384 = 3,   /* ecdsa-sha2-nistp384 */
    VOUCH_SSH_ECDSA_P521 = 4,   /* ecdsa-sha2-nistp521 */
    VOUCH_SSH_ED25519 = 5,      /* ssh-ed25519 */
    VOUCH_SSH_SK_ECDSA = 6,     /* sk-ecdsa-sha2-nistp256@openssh.com */
    VOUCH_SSH_SK_ED25519 = 7,   /* sk-ssh-ed25519@openssh.com */
} vouch_ssh_key_type;

#define VOUCH_SSH_CERT_USER 1u
#define VOUCH_SSH_CERT_HOST 2u

/* ---- public keys ---- */

typedef struct vouch_ssh_pubkey vouch_ssh_pubkey;

/* From the wire blob (string type, then the type's fields, nothing after). RSA under
 * 2048 bits, EC points off their curve, unknown types and any malformed length are
 * refused with the reason. The caller frees *out with vouch_ssh_pubkey_free. */
int vouch_ssh_pubkey_parse(const uint8_t *blob, size_t len, vouch_ssh_pubkey **out, vouch_diag *diag);
/* From an authorized_keys-style line: "TYPE BASE64 [COMMENT]" (leading options are not
 * accepted; the type must match the blob's). */
int vouch_ssh_pubkey_parse_line(const char *line, size_t len, vouch_ssh_pubkey **out, vouch_diag *diag);
void vouch_ssh_pubkey_free(vouch_ssh_pubkey *k);

int vouch_ssh_pubkey_kind(const vouch_ssh_pubkey *k);                     /* a vouch_ssh_key_type */
const char *vouch_ssh_pubkey_type_name(const vouch_ssh_pubkey *k);        /* "ssh-ed25519", static */
int vouch_ssh_pubkey_bits(const vouch_ssh_pubkey *k);
/* Borrowed wire blob, valid while k lives. */
const uint8_t *vouch_ssh_pubkey_blob(const vouch_ssh_pubkey *k, size_t *len);
/* "TYPE BASE64 COMMENT\n" (comment optional) into a new NUL-terminated string the caller
 * frees with free(). */
int vouch_ssh_pubkey_line(const vouch_ssh_pubkey *k, const char *comment, char **out);
/* OpenSSH's SHA256 fingerprint ("SHA256:" + unpadded base64), into buf (>= 60 bytes). */
void vouch_ssh_pubkey_fingerprint(const vouch_ssh_pubkey *k, char *buf, size_t cap);

/* ---- certificates ---- */

typedef struct {
    const vouch_ssh_pubkey *key;        /* the subject's key */
    uint32_t type;                      /* VOUCH_SSH_CERT_USER or _HOST */
    uint64_t serial;
    const char *key_id;
    const char *const *principals;      /* none: valid for any principal */
    size_t nprincipals;
    uint64_t valid_after, valid_before; /* Unix seconds; valid_after <= now < valid_before */
    const char *const *option_names;    /* critical options: force-command, source-address */
    const char *const *option_values;
    size_t noptions;
    const char *const *extensions;      /* flags: permit-pty, ... (no data) */
    size_t nextensions;
    int rsa_sha256;                     /* an RSA CA signs rsa-sha2-256 instead of rsa-sha2-512 */
} vouch_ssh_cert_request;

typedef struct vouch_ssh_cert vouch_ssh_cert;

/* Parses a certificate blob (any of the -cert-v01@openssh.com types for the key types
 * above), checks its structure (options sorted and unique, no trailing data) and its
 * signature under the signature key it carries. */
int vouch_ssh_cert_parse(const uint8_t *blob, size_t len, vouch_ssh_cert **out, vouch_diag *diag);
/* The same from a line "TYPE-cert-v01@openssh.com BASE64 [COMMENT]". */
int vouch_ssh_cert_parse_line(const char *line, size_t len, vouch_ssh_cert **out, vouch_diag *diag);
void vouch_ssh_cert_free(vouch_ssh_cert *c);

/* Borrowed views, valid while c lives. */
const uint8_t *vouch_ssh_cert_blob(const vouch_ssh_cert *c, size_t *len);
const char *vouch_ssh_cert_type_name(const vouch_ssh_cert *c);
/* The certificate type name for a key type ("ssh-ed25519-cert-v01@openssh.com"), static. */
const char *vouch_ssh_cert_type_name_for(int kind);
const vouch_ssh_pubkey *vouch_ssh_cert_key(const vouch_ssh_cert *c);
const vouch_ssh_pubkey *vouch_ssh_cert_signature_key(const vouch_ssh_cert *c);
const char *vouch_ssh_cert_signature_algorithm(const vouch_ssh_cert *c); /* "rsa-sha2-512", ... */
const uint8_t *vouch_ssh_cert_nonce(const vouch_ssh_cert *c, size_t *len);
uint64_t vouch_ssh_cert_serial(const vouch_ssh_cert *c);
uint32_t vouch_ssh_cert_kind(const vouch_ssh_cert *c);
const char *vouch_ssh_cert_key_id(const vouch_ssh_cert *c);
uint64_t vouch_ssh_cert_valid_after(const vouch_ssh_cert *c);
uint64_t vouch_ssh_cert_valid_before(const vouch_ssh_cert *c);
size_t vouch_ssh_cert_principal_count(const vouch_ssh_cert *c);
const char *vouch_ssh_cert_principal(const vouch_ssh_cert *c, size_t i);
/* Critical options (is_extension 0) or extensions (1): name, and the value inside the
 * data field ("" for flags). */
size_t vouch_ssh_cert_option_count(const vouch_ssh_cert *c, int is_extension);
const char *vouch_ssh_cert_option_name(const vouch_ssh_cert *c, int is_extension, size_t i);
const char *vouch_ssh_cert_option_value(const vouch_ssh_cert *c, int is_extension, size_t i);
/* The option's data field exactly as encoded (empty for a flag; else a string holding the
 * value), borrowed from the certificate. */
const uint8_t *vouch_ssh_cert_option_data(const vouch_ssh_cert *c, int is_extension, size_t i, size_t *len);

/* Encodes a certificate again from its parsed fields (the test that parsing loses
 * nothing: the bytes equal the original). New buffer, freed with free(). */
int vouch_ssh_cert_encode(const vouch_ssh_cert *c, uint8_t **out, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
