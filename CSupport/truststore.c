/* truststore.c: trust anchors parsed once (our reader, and OpenSSL's as a second
 * opinion), with their keys ready for verification and an index by subject name. */
#include "internal.h"
#include "vouch_truststore.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void *vnc_decode(vspan der) {
    const unsigned char *p = der.p;
    NAME_CONSTRAINTS *nc = (NAME_CONSTRAINTS *)ASN1_item_d2i(NULL, &p, (long)der.n, ASN1_ITEM_rptr(NAME_CONSTRAINTS));
    if (nc && p != der.p + der.n) {
        NAME_CONSTRAINTS_free(nc);
        return NULL;
    }
    return nc;
}

uint64_t vts_name_hash(const struct vouch_truststore *ts, vspan name) {
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, name.p, name.n, ts->hkey);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

const vanchor *vts_next_by_subject(const struct vouch_truststore *ts, vspan name, uint64_t h, size_t *cursor) {
    size_t mask = ts->index_cap - 1;
    while (*cursor < ts->index_cap) {
        size_t slot = (h + *cursor) & mask;
        (*cursor)++;
        uint32_t v = ts->index[slot];
        if (v == 0) { *cursor = ts->index_cap; return NULL; }
        const vanchor *a = &ts->a[v - 1];
        if (a->subject_hash == h && vspan_eq(a->view.subject, name)) return a;
    }
    return NULL;
}

void vouch_truststore_free(vouch_truststore *ts) {
    if (!ts) return;
    for (size_t i = 0; i < ts->n; i++) {
        vpubkey_free(ts->a[i].key);
        NAME_CONSTRAINTS_free(ts->a[i].nc);
        free(ts->a[i].der);
    }
    free(ts->a);
    free(ts->index);
    vlinkcache_free(ts->links);
    free(ts);
}

int vouch_truststore_new(const uint8_t *data, size_t len, vouch_truststore **out, vouch_diag *d) {
    if (!data && len) return vouch_fail(d, VOUCH_E_ARG, -1, "no data");
    if (!out) return vouch_fail(d, VOUCH_E_ARG, -1, "no output");
    *out = NULL;
    if (len > VOUCH_MAX_BUNDLE)
        return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "CA bundle is %zu bytes; at most %u are accepted", len, VOUCH_MAX_BUNDLE);
    vouch_ensure_init();
    size_t maxn = len / 64 + 1;
    uint8_t *buf = malloc(len ? len : 1);
    vspan *spans = malloc(maxn * sizeof *spans);
    vouch_truststore *ts = calloc(1, sizeof *ts);
    size_t n = 0;
    int rc = VOUCH_E_NOMEM;
    if (!buf || !spans || !ts) goto fail;
    rc = vcerts_decode(data, len, "CERTIFICATE", buf, len, spans, maxn, &n, d, 0);
    if (rc) goto fail;
    if (n == 0) { rc = vouch_fail(d, VOUCH_E_EMPTY, -1, "the CA bundle holds no certificate"); goto fail; }
    ts->a = calloc(n, sizeof *ts->a);
    ts->links = vlinkcache_new();
    ts->index_cap = 8;
    while (ts->index_cap < 2 * n) ts->index_cap <<= 1;
    ts->index = calloc(ts->index_cap, sizeof *ts->index);
    rc = VOUCH_E_NOMEM;
    if (!ts->a || !ts->links || !ts->index) goto fail;
    randombytes_buf(ts->hkey, sizeof ts->hkey);
    for (size_t i = 0; i < n; i++) {
        vanchor *a = &ts->a[i];
        ts->n = i + 1;
        a->der = malloc(spans[i].n);
        if (!a->der) { rc = VOUCH_E_NOMEM; goto fail; }
        memcpy(a->der, spans[i].p, spans[i].n);
        a->len = spans[i].n;
        const char *why = NULL;
        if (vcert_parse(a->der, a->len, &a->view, &why)) {
            rc = vouch_fail(d, VOUCH_E_DER, (int)i, "CA certificate %zu is not a valid certificate: %s", i, why);
            goto fail;
        }
        /* A second opinion: OpenSSL must read it too (name constraints need its objects). */
        const unsigned char *p = a->der;
        X509 *x = d2i_X509(NULL, &p, (long)a->len);
        if (!x || p != a->der + a->len) {
            X509_free(x);
            rc = vouch_fail(d, VOUCH_E_DER, (int)i, "CA certificate %zu is not a valid certificate (OpenSSL cannot read it)", i);
            goto fail;
        }
        if (a->view.has_nc) {
            const unsigned char *q = a->view.nc.p;
            a->nc = vnc_decode(a->view.nc);
            (void)q;
            if (!a->nc) {
                X509_free(x);
                rc = vouch_fail(d, VOUCH_E_DER, (int)i, "CA certificate %zu has unreadable name constraints", i);
                goto fail;
            }
        }
        X509_free(x);
        char subj[256];
        if (a->view.key_type == VKEY_RSA && a->view.key_bits < 2048) {
            vname_format(a->view.subject, subj, sizeof subj);
            rc = vouch_fail(d, VOUCH_E_WEAK_KEY, (int)i, "CA certificate %zu (%s) has a %d-bit RSA key; at least 2048 bits are required",
                            i, subj, a->view.key_bits);
            goto fail;
        }
        if (a->view.key_type == VKEY_UNKNOWN) {
            vname_format(a->view.subject, subj, sizeof subj);
            rc = vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, (int)i,
                            "CA certificate %zu (%s) has a public key type Vouch does not verify with (RSA, ECDSA P-256/384/521, Ed25519 are)",
                            i, subj);
            goto fail;
        }
        {
            rc = vpubkey_new(a->view.spki, &a->key);
            if (rc) {
                vname_format(a->view.subject, subj, sizeof subj);
                rc = vouch_fail(d, rc, (int)i, "CA certificate %zu (%s) has an unusable %s public key", i, subj,
                                vkey_name(a->view.key_type));
                goto fail;
            }
        }
        a->subject_hash = vts_name_hash(ts, a->view.subject);
        size_t slot = a->subject_hash & (ts->index_cap - 1);
        while (ts->index[slot]) slot = (slot + 1) & (ts->index_cap - 1);
        ts->index[slot] = (uint32_t)(i + 1);
    }
    free(buf);
    free(spans);
    *out = ts;
    return 0;
fail:
    free(buf);
    free(spans);
    vouch_truststore_free(ts);
    if (rc == VOUCH_E_NOMEM) vouch_fail(d, rc, -1, "out of memory");
    return rc;
}

size_t vouch_truststore_count(const vouch_truststore *ts) { return ts ? ts->n : 0; }

int vouch_truststore_cert(const vouch_truststore *ts, size_t i, const uint8_t **der, size_t *len) {
    if (!ts || i >= ts->n || !der || !len) return VOUCH_E_ARG;
    *der = ts->a[i].der;
    *len = ts->a[i].len;
    return 0;
}

size_t vouch_truststore_cached_links(const vouch_truststore *ts) { return ts ? vlinkcache_count(ts->links) : 0; }
