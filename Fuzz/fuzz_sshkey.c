/* fuzz_sshkey.c: OpenSSH public keys (wire blob and authorized_keys line) and CA private
 * key files on arbitrary input: no crash, no leak; a key that parses encodes back to the
 * same blob, and its line parses to the same key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vouch_ssh.h"
#include "vouch_sshkey.h"

static void check_roundtrip(const vouch_ssh_pubkey *k) {
    size_t n;
    const uint8_t *blob = vouch_ssh_pubkey_blob(k, &n);
    char *line = NULL;
    if (vouch_ssh_pubkey_line(k, "c", &line) != 0) abort();
    vouch_ssh_pubkey *again = NULL;
    vouch_diag d;
    if (vouch_ssh_pubkey_parse_line(line, strlen(line), &again, &d) != 0) abort();
    size_t m;
    const uint8_t *b2 = vouch_ssh_pubkey_blob(again, &m);
    if (m != n || memcmp(blob, b2, n) != 0) abort();
    if (vouch_ssh_pubkey_kind(again) != vouch_ssh_pubkey_kind(k) || vouch_ssh_pubkey_bits(again) != vouch_ssh_pubkey_bits(k)) abort();
    char fp[80];
    vouch_ssh_pubkey_fingerprint(k, fp, sizeof fp);
    if (strncmp(fp, "SHA256:", 7) != 0) abort();
    free(line);
    vouch_ssh_pubkey_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    vouch_diag d;
    vouch_ssh_pubkey *k = NULL;
    if (vouch_ssh_pubkey_parse(data, size, &k, &d) == 0) {
        size_t n;
        const uint8_t *blob = vouch_ssh_pubkey_blob(k, &n);
        if (n != size || memcmp(blob, data, size) != 0) abort(); /* nothing lost, nothing added */
        check_roundtrip(k);
        vouch_ssh_pubkey_free(k);
    } else if (k) {
        abort();
    }
    k = NULL;
    if (vouch_ssh_pubkey_parse_line((const char *)data, size, &k, &d) == 0) {
        check_roundtrip(k);
        vouch_ssh_pubkey_free(k);
    } else if (k) {
        abort();
    }
    vouch_ssh_privkey *p = NULL;
    if (vouch_ssh_privkey_load(data, size, &p, &d) == 0) {
        /* a loaded key writes itself out and loads back to the same public key */
        char *text = NULL;
        size_t len = 0;
        if (vouch_ssh_privkey_openssh(p, "", &text, &len) != 0) abort();
        vouch_ssh_privkey *q = NULL;
        if (vouch_ssh_privkey_load((const uint8_t *)text, len, &q, &d) != 0) abort();
        size_t a, b;
        const uint8_t *pa = vouch_ssh_pubkey_blob(vouch_ssh_privkey_public(p), &a);
        const uint8_t *pb = vouch_ssh_pubkey_blob(vouch_ssh_privkey_public(q), &b);
        if (a != b || memcmp(pa, pb, a) != 0) abort();
        vouch_ssh_secret_free(text, len);
        vouch_ssh_privkey_free(q);
        vouch_ssh_privkey_free(p);
    } else if (p) {
        abort();
    }
    return 0;
}
