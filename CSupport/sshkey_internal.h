/* sshkey_internal.h: what the rest of the core's SSH code (sshcert.c) uses of sshkey.c
 * beyond the public API in vouch_ssh.h and vouch_sshkey.h: the key-type table, reading a
 * key's fields from inside a certificate, key lines, signatures. Internal to the core. */
#ifndef VOUCH_SSHKEY_INTERNAL_H
#define VOUCH_SSHKEY_INTERNAL_H

#include "sshwire.h" /* and internal.h */
#include "vouch_ssh.h"
#include "vouch_sshkey.h"

/* ---- the key-type table ---- */
/* The table index of a key type name (cert: of a certificate type name, such as
 * "ssh-ed25519-cert-v01@openssh.com"), or -1. */
int vssh_type_by_name(vspan name, bool cert);
/* The vouch_ssh_key_type of table index ti (from vssh_type_by_name). */
int vssh_type_kind(int ti);
/* The certificate type name of a vouch_ssh_key_type, "unknown" for others (static). */
const char *vssh_cert_type_name(int kind);

/* ---- public keys ---- */
/* Reads the fields of the key type at table index ti from r (after its type string) into
 * a new key whose blob is the type name followed by exactly those fields. */
int vssh_read_key_fields(vsshr *r, int ti, vouch_ssh_pubkey **out, vouch_diag *d);
/* The blob of a key (cert false) or certificate (cert true) line "TYPE BASE64 [COMMENT]",
 * whose type must be the line's: a new buffer the caller parses and frees. */
int vssh_line_blob(const char *line, size_t len, bool cert, uint8_t **blob, size_t *n, vouch_diag *d);
/* ---- signatures ---- */
/* Verifies an SSH signature (string alg, string blob) of data under key. Once the
 * algorithm is known, *alg_out (when alg_out is non-NULL) gets its static name. */
int vssh_verify(const vouch_ssh_pubkey *key, const uint8_t *data, size_t len, vspan sig, const char **alg_out, vouch_diag *d);
/* Appends the signature blob (string algorithm, string signature) of data, as an SSH
 * string, to out: rsa-sha2-512 for RSA keys (rsa-sha2-256 when rsa_sha256). data may
 * point into out: it is read before out grows. */
int vssh_sign_append(const vouch_ssh_privkey *k, const uint8_t *data, size_t len, int rsa_sha256, vbuf *out);

#endif
