/* vouch_sshkey.h: SSH CA private keys: loaded from OpenSSH's private key format
 * (openssh-key-v1, unencrypted), PEM (PKCS#1, SEC1) or PKCS#8; generated (RSA 2048/4096,
 * ECDSA P-256/P-384, Ed25519) and written in OpenSSH's format so `ssh -i` takes them;
 * and the one operation a CA needs: signing a certificate. Signatures use the fastest
 * vetted primitive per key: libsodium for Ed25519, nettle for P-384, OpenSSL otherwise,
 * with ECDSA nonces from the operating system's random source. A key is immutable once
 * made and may sign from many threads at once. */
#ifndef VOUCH_SSHKEY_H
#define VOUCH_SSHKEY_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"
#include "vouch_ssh.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vouch_ssh_privkey vouch_ssh_privkey;

/* Loads a private key. Encrypted keys are refused (with how to decrypt them), as are
 * RSA keys under 2048 bits and key types a CA does not sign with. Free with
 * vouch_ssh_privkey_free. */
int vouch_ssh_privkey_load(const uint8_t *data, size_t len, vouch_ssh_privkey **out, vouch_diag *diag);
/* A new key: kind VOUCH_SSH_RSA with bits 2048 or 4096 (0: 4096), VOUCH_SSH_ECDSA_P256,
 * VOUCH_SSH_ECDSA_P384, VOUCH_SSH_ED25519. */
int vouch_ssh_privkey_generate(int kind, int bits, vouch_ssh_privkey **out, vouch_diag *diag);
void vouch_ssh_privkey_free(vouch_ssh_privkey *k);

/* Borrowed: the key's public half. */
const vouch_ssh_pubkey *vouch_ssh_privkey_public(const vouch_ssh_privkey *k);
/* The key in OpenSSH's private key format ("-----BEGIN OPENSSH PRIVATE KEY-----"), a new
 * NUL-terminated string the caller frees (after wiping) with vouch_ssh_secret_free. */
int vouch_ssh_privkey_openssh(const vouch_ssh_privkey *k, const char *comment, char **out, size_t *len);
void vouch_ssh_secret_free(char *s, size_t len);

/* An SSH signature (string algorithm, string blob) of data: rsa-sha2-512 for RSA keys
 * (rsa-sha2-256 when rsa_sha256), never ssh-rsa/SHA-1. New buffer, freed with free(). */
int vouch_ssh_privkey_sign(const vouch_ssh_privkey *k, const uint8_t *data, size_t len, int rsa_sha256, uint8_t **sig,
                           size_t *siglen);

/* Builds and signs a certificate (32-byte random nonce; options and extensions sorted
 * as OpenSSH requires; their names and values checked). New blob, freed with free(). */
int vouch_ssh_cert_sign(const vouch_ssh_privkey *ca, const vouch_ssh_cert_request *req, uint8_t **blob, size_t *len,
                        vouch_diag *diag);

/* The ssh-agent request (RFC 9987) that loads k with its certificate (a certificate blob
 * that must certify k) for lifetime seconds (0: no constraint): the whole framed
 * message, SSH_AGENTC_ADD_ID_CONSTRAINED (or SSH_AGENTC_ADD_IDENTITY without a
 * lifetime) with the private fields OpenSSH's agent reads for Ed25519, ECDSA and RSA
 * certificates. A new secret buffer the caller sends, then wipes
 * and frees with vouch_ssh_secret_free((char *)*out, *outlen). */
int vouch_ssh_agent_add_request(const vouch_ssh_privkey *k, const uint8_t *cert, size_t certlen, const char *comment,
                                uint32_t lifetime, uint8_t **out, size_t *outlen, vouch_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
