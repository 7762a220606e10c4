/* fuzz_krl.c: OpenSSH KRLs on arbitrary input: no crash, no leak, and what parses holds
 * together. A KRL that parses is read whole, checked against a fixed certificate (serial
 * 5, key ID "fuzz", signed by the fixture CA), its key and the CA key; encoded again from
 * what was read (when the encoder takes it: it refuses what it would never write, such as
 * key IDs with control characters or weak CA keys), and the encoding parses to the same
 * content (explicit keys become SHA-256 fingerprints), gives the same verdicts, and encodes
 * to the same bytes again. The input also drives the encoder directly: serial ranges and
 * key IDs taken from its bytes are encoded, parsed back and compared. */
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fixture.h"
#include "vouch_krl.h"
#include "vouch_ssh.h"
#include "vouch_sshkey.h"

static vouch_ssh_privkey *ca;
static vouch_ssh_cert *cert;

static void setup(void) {
    vouch_diag d;
    if (vouch_ssh_privkey_load((const uint8_t *)FUZZ_SSH_CA_KEY, sizeof FUZZ_SSH_CA_KEY - 1, &ca, &d) != 0) abort();
    vouch_ssh_cert_request q = {vouch_ssh_privkey_public(ca), VOUCH_SSH_CERT_USER, 5, "fuzz", NULL, 0, 0, UINT64_MAX, NULL, NULL, 0, NULL, 0, 0};
    uint8_t *blob;
    size_t len;
    if (vouch_ssh_cert_sign(ca, &q, &blob, &len, &d) != 0 || vouch_ssh_cert_parse(blob, len, &cert, &d) != 0) abort();
    free(blob);
}

/* Revoked or not, for the certificate, its key (the CA's own key here) and a blob. */
static int verdicts(const vouch_krl *k) {
    vouch_krl_verdict v;
    vouch_diag d;
    int a = vouch_krl_check_cert(k, cert, &v, &d), b = vouch_krl_check_key(k, vouch_ssh_privkey_public(ca), NULL, NULL);
    if ((a != 0 && a != VOUCH_E_REVOKED) || (b != 0 && b != VOUCH_E_REVOKED)) abort();
    if ((a == 0) != (v.reason == VOUCH_KRL_NOT_REVOKED)) abort();
    if (v.reason == VOUCH_KRL_BY_SERIAL && !(v.range.lo <= 5 && 5 <= v.range.hi)) abort();
    if (v.reason == VOUCH_KRL_BY_KEY_ID && (v.ca < 0 || (size_t)v.ca >= vouch_krl_ca_count(k))) abort();
    size_t n;
    const uint8_t *blob = vouch_ssh_cert_blob(cert, &n);
    if (vouch_krl_check_blob(k, blob, n, NULL, NULL) != a) abort();
    return (a != 0) | (b != 0) << 1;
}

static int cmp32(const void *a, const void *b) { return memcmp(a, b, 32); }

/* The same CA in two KRLs: its index in b, or -1. */
static long ca_in(const vouch_krl *a, size_t i, const vouch_krl *b) {
    size_t n, m;
    const uint8_t *p = vouch_krl_ca_key(a, i, &n);
    for (size_t j = 0; j < vouch_krl_ca_count(b); j++) {
        const uint8_t *q = vouch_krl_ca_key(b, j, &m);
        if (n == m && (n == 0 || memcmp(p, q, n) == 0)) return (long)j;
    }
    return -1;
}

/* b (an encoding of a) holds what a holds. */
static void same_content(const vouch_krl *a, const vouch_krl *b, int keys_as_hashes) {
    size_t cas = 0;
    for (size_t i = 0; i < vouch_krl_ca_count(a); i++) {
        size_t nr = vouch_krl_serial_range_count(a, i), ni = vouch_krl_key_id_count(a, i);
        if (!nr && !ni) continue;
        cas++;
        long j = ca_in(a, i, b);
        if (j < 0 || vouch_krl_serial_range_count(b, (size_t)j) != nr || vouch_krl_key_id_count(b, (size_t)j) != ni) abort();
        for (size_t r = 0; r < nr; r++) {
            vouch_krl_range x = vouch_krl_serial_range(a, i, r), y = vouch_krl_serial_range(b, (size_t)j, r);
            if (x.lo != y.lo || x.hi != y.hi || x.lo == 0 || x.lo > x.hi) abort();
            if (r && vouch_krl_serial_range(a, i, r - 1).hi + 1 >= x.lo) abort(); /* coalesced and sorted */
        }
        for (size_t r = 0; r < ni; r++)
            if (strcmp(vouch_krl_key_id(a, i, r), vouch_krl_key_id(b, (size_t)j, r)) != 0) abort();
    }
    if (cas != vouch_krl_ca_count(b) || vouch_krl_version(a) != vouch_krl_version(b) ||
        vouch_krl_generated_date(a) != vouch_krl_generated_date(b) || strcmp(vouch_krl_comment(a), vouch_krl_comment(b)) != 0)
        abort();
    if (vouch_krl_hash_count(a, 0) != vouch_krl_hash_count(b, 0)) abort();
    for (size_t i = 0; i < vouch_krl_hash_count(a, 0); i++)
        if (memcmp(vouch_krl_hash(a, 0, i), vouch_krl_hash(b, 0, i), 20) != 0) abort();
    /* SHA-256: a's hashes and (when keys became hashes) its explicit keys' */
    size_t n256 = vouch_krl_hash_count(a, 1), nk = keys_as_hashes ? vouch_krl_key_count(a) : 0;
    uint8_t *h = malloc((n256 + nk) * 32 + 1);
    if (!h) abort();
    for (size_t i = 0; i < n256; i++) memcpy(h + i * 32, vouch_krl_hash(a, 1, i), 32);
    for (size_t i = 0; i < nk; i++) {
        size_t len;
        const uint8_t *k = vouch_krl_key(a, i, &len);
        SHA256(k, len, h + (n256 + i) * 32);
    }
    if (n256 + nk > 1) qsort(h, n256 + nk, 32, cmp32);
    size_t u = 0;
    for (size_t i = 0; i < n256 + nk; i++)
        if (!u || memcmp(h + (u - 1) * 32, h + i * 32, 32) != 0) memmove(h + u++ * 32, h + i * 32, 32);
    if (vouch_krl_hash_count(b, 1) != u) abort();
    for (size_t i = 0; i < u; i++)
        if (memcmp(h + i * 32, vouch_krl_hash(b, 1, i), 32) != 0) abort();
    free(h);
    if (vouch_krl_key_count(b) != (keys_as_hashes ? 0 : vouch_krl_key_count(a)) || vouch_krl_extension_count(b) != 0) abort();
}

/* Encodes spec; when the encoder takes it, the encoding parses, holds what `from` holds
 * (when given), and encodes again to the same bytes. Returns the parsed encoding or NULL. */
static vouch_krl *encode_and_parse(const vouch_krl_spec *spec, uint8_t **out, size_t *len) {
    vouch_diag d;
    int rc = vouch_krl_encode(spec, out, len, &d);
    if (rc) {
        if (*out || d.status != rc) abort();
        return NULL;
    }
    vouch_krl *k = NULL;
    if (vouch_krl_parse(*out, *len, &k, &d) != 0) abort();
    return k;
}

/* The parsed KRL as an encoder spec; its pointers borrow from k and the arrays given. */
static int spec_of(const vouch_krl *k, vouch_krl_spec *s, vouch_krl_ca_spec *cas, vouch_krl_range **ranges, const char ***ids,
                   uint8_t **h256, uint8_t **h1) {
    size_t ncas = vouch_krl_ca_count(k), n256 = vouch_krl_hash_count(k, 1), nk = vouch_krl_key_count(k), n1 = vouch_krl_hash_count(k, 0);
    *h256 = malloc((n256 + nk) * 32 + 1), *h1 = malloc(n1 * 20 + 1);
    if (!*h256 || !*h1) abort();
    for (size_t i = 0; i < n256; i++) memcpy(*h256 + i * 32, vouch_krl_hash(k, 1, i), 32);
    for (size_t i = 0; i < nk; i++) {
        size_t len;
        const uint8_t *b = vouch_krl_key(k, i, &len);
        SHA256(b, len, *h256 + (n256 + i) * 32);
    }
    for (size_t i = 0; i < n1; i++) memcpy(*h1 + i * 20, vouch_krl_hash(k, 0, i), 20);
    for (size_t c = 0; c < ncas; c++) {
        size_t nr = vouch_krl_serial_range_count(k, c), ni = vouch_krl_key_id_count(k, c);
        ranges[c] = malloc(nr * sizeof **ranges + 1), ids[c] = malloc(ni * sizeof **ids + 1);
        if (!ranges[c] || !ids[c]) abort();
        for (size_t i = 0; i < nr; i++) ranges[c][i] = vouch_krl_serial_range(k, c, i);
        for (size_t i = 0; i < ni; i++) ids[c][i] = vouch_krl_key_id(k, c, i);
        cas[c].ca_key = vouch_krl_ca_key(k, c, &cas[c].ca_key_len);
        cas[c].serials = ranges[c], cas[c].nserials = nr, cas[c].key_ids = ids[c], cas[c].nkey_ids = ni;
    }
    *s = (vouch_krl_spec){vouch_krl_version(k), vouch_krl_generated_date(k), vouch_krl_comment(k), cas, ncas, NULL, NULL, 0, *h256, n256 + nk, *h1, n1};
    return 0;
}

static void round_trip(const vouch_krl *k) {
    size_t ncas = vouch_krl_ca_count(k);
    vouch_krl_ca_spec *cas = calloc(ncas + 1, sizeof *cas);
    vouch_krl_range **ranges = calloc(ncas + 1, sizeof *ranges);
    const char ***ids = calloc(ncas + 1, sizeof *ids);
    if (!cas || !ranges || !ids) abort();
    vouch_krl_spec s;
    uint8_t *h256, *h1, *out = NULL, *again = NULL;
    size_t len = 0, alen = 0;
    spec_of(k, &s, cas, ranges, ids, &h256, &h1);
    vouch_krl *e = encode_and_parse(&s, &out, &len);
    if (e) {
        same_content(k, e, 1);
        if ((verdicts(k) != 0) != (verdicts(e) != 0)) abort(); /* the reason may change (explicit key -> SHA-256), not the answer */
        if (verdicts(k) != verdicts(e)) abort();
        /* encoding what the encoding holds gives the same bytes */
        vouch_krl_ca_spec *cas2 = calloc(vouch_krl_ca_count(e) + 1, sizeof *cas2);
        vouch_krl_range **r2 = calloc(vouch_krl_ca_count(e) + 1, sizeof *r2);
        const char ***i2 = calloc(vouch_krl_ca_count(e) + 1, sizeof *i2);
        vouch_krl_spec s2;
        uint8_t *h256b, *h1b;
        if (!cas2 || !r2 || !i2) abort();
        spec_of(e, &s2, cas2, r2, i2, &h256b, &h1b);
        vouch_diag d;
        if (vouch_krl_encode(&s2, &again, &alen, &d) != 0 || alen != len || memcmp(again, out, len) != 0) abort();
        for (size_t c = 0; c < vouch_krl_ca_count(e); c++) free(r2[c]), free(i2[c]);
        free(cas2), free(r2), free(i2), free(h256b), free(h1b), free(again);
        vouch_krl_free(e);
    }
    for (size_t c = 0; c < ncas; c++) free(ranges[c]), free(ids[c]);
    free(cas), free(ranges), free(ids), free(h256), free(h1), free(out);
}

static uint64_t u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

/* The input as an encoder spec for the fixture CA and the any-CA section: 9-byte records
 * (a serial range: start, length from the first byte; or a key ID of the record's bytes). */
static void encoder(const uint8_t *data, size_t size) {
    vouch_krl_range ranges[64];
    char idbuf[64][9];
    const char *ids[64], *any_ids[64];
    size_t nr = 0, ni = 0, na = 0;
    for (size_t i = 0; i + 9 <= size && nr < 64 && ni < 64; i += 9) {
        const uint8_t *p = data + i;
        if (p[0] & 0x80) {
            memcpy(idbuf[ni], p + 1, 8);
            idbuf[ni][8] = 0;
            if (p[0] & 0x40) any_ids[na++] = idbuf[ni];
            else ids[ni - na] = idbuf[ni];
            ni++;
        } else {
            uint64_t lo = u64(p + 1), span = p[0] & 0x0f;
            ranges[nr++] = (vouch_krl_range){lo, lo > UINT64_MAX - span ? UINT64_MAX : lo + span};
        }
    }
    size_t calen;
    const uint8_t *cakey = vouch_ssh_pubkey_blob(vouch_ssh_privkey_public(ca), &calen);
    vouch_krl_ca_spec cas[2] = {{cakey, calen, ranges, nr, ids, ni - na}, {NULL, 0, NULL, 0, any_ids, na}};
    size_t klen;
    const uint8_t *key = vouch_ssh_pubkey_blob(vouch_ssh_cert_key(cert), &klen);
    vouch_krl_spec s = {size, 1, size % 3 ? "fuzz" : NULL, cas, 2, &key, &klen, size % 2, NULL, 0, NULL, 0};
    uint8_t *out = NULL;
    size_t len = 0;
    vouch_krl *k = encode_and_parse(&s, &out, &len);
    if (k) {
        /* every range given is revoked under the CA, every ID too */
        for (size_t i = 0; i < nr; i++) {
            size_t c = 0;
            while (c < vouch_krl_ca_count(k) && vouch_krl_ca_key(k, c, &klen) && klen != calen) c++;
            int found = 0;
            for (size_t r = 0; r < vouch_krl_serial_range_count(k, c); r++) {
                vouch_krl_range x = vouch_krl_serial_range(k, c, r);
                found |= x.lo <= ranges[i].lo && ranges[i].hi <= x.hi;
            }
            if (!found) abort();
        }
        int v = verdicts(k);
        if (size % 2 && v != 3) abort(); /* the certificate's key is revoked: the certificate is */
        round_trip(k);
        vouch_krl_free(k);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ca) setup();
    vouch_krl *k = NULL;
    vouch_diag d;
    if (vouch_krl_parse(data, size, &k, &d) == 0) {
        /* read everything */
        size_t n;
        if (!vouch_krl_comment(k)) abort();
        for (size_t c = 0; c < vouch_krl_ca_count(k); c++) {
            vouch_krl_ca_key(k, c, &n);
            for (size_t i = 0; i < vouch_krl_key_id_count(k, c); i++)
                if (!vouch_krl_key_id(k, c, i)) abort();
        }
        for (size_t i = 0; i < vouch_krl_key_count(k); i++)
            if (!vouch_krl_key(k, i, &n) || n == 0) abort();
        for (size_t i = 0; i < vouch_krl_extension_count(k); i++) {
            long c;
            if (!vouch_krl_extension_name(k, i, &c) || c >= (long)vouch_krl_ca_count(k)) abort();
        }
        verdicts(k);
        round_trip(k);
        vouch_krl_free(k);
    } else if (k || d.status == 0) {
        abort();
    }
    if (size <= 64 * 9) encoder(data, size);
    return 0;
}
