/* crl.c: the streaming CRL walker. One pass checks the structure and counts entries,
 * the issuer's signature is checked over the TBS bytes, and a second pass feeds each
 * serial number straight into the revocation set: no object per revoked entry.
 *
 * A CRL whose issuer is not a trust anchor (the usual PKI: the root is trusted, an
 * intermediate issues the client certificates and the CRL) is deferred: it keeps the
 * hash of its TBS bytes (or, for Ed25519, the bytes) and its signature, and a
 * verification checks it against the key of the path's issuer certificate. The verdict
 * depends on the key alone (not on which certificate of that key a client presents, nor
 * on its keyUsage: applying a CRL only ever refuses more, so a client must not be able to
 * pick a path on which its revocation does not count). Verdicts are remembered per key,
 * so a login pays for the check once; a check that could not be made (out of memory) is
 * not a verdict, and the verification refuses rather than pass a revoked certificate. */
#include "internal.h"
#include "vouch_crl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t OID_CRL_NUMBER[] = {0x55, 0x1d, 0x14}, OID_DELTA[] = {0x55, 0x1d, 0x1b},
                     OID_IDP[] = {0x55, 0x1d, 0x1c}, OID_AKI[] = {0x55, 0x1d, 0x23},
                     OID_REASON[] = {0x55, 0x1d, 0x15}, OID_INVALIDITY[] = {0x55, 0x1d, 0x18},
                     OID_CERT_ISSUER[] = {0x55, 0x1d, 0x1d}, OID_IAN[] = {0x55, 0x1d, 0x12},
                     OID_FRESHEST[] = {0x55, 0x1d, 0x2e}, OID_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};

enum { ISSUER_SLOTS = 8 };
enum { SLOT_EMPTY = 0, SLOT_FILLING, SLOT_VERIFIED, SLOT_FAILED };

/* A deferred CRL's signature, to check when an issuer certificate is presented. */
typedef struct {
    vsig_alg alg;
    uint8_t digest[64];   /* the TBS bytes' hash under alg's hash */
    size_t dlen;
    uint8_t *tbs;         /* Ed25519 only: the TBS bytes themselves */
    size_t tbs_len;
    uint8_t *sig;
    size_t sig_len;
    /* issuer keys seen, by the SHA-256 of their SubjectPublicKeyInfo: filled once each (a
     * slot goes EMPTY -> FILLING -> VERIFIED or FAILED and stays), read without locks,
     * filled under `fill` so that one key takes one slot */
    struct {
        _Atomic int state;
        uint8_t key_hash[32];
    } seen[ISSUER_SLOTS];
    pthread_mutex_t fill;
} deferred_sig;

struct vouch_crl {
    uint8_t *issuer;
    size_t issuer_len;
    int64_t this_update, next_update;
    int checked;            /* the signature verified against a trust store at load */
    deferred_sig *deferred; /* or checked at verification, against the path's issuer */
    vrevset set;
};

#define BAD(msg) vouch_fail(d, VOUCH_E_DER, -1, "CRL is malformed: %s", msg)

/* Walks an Extensions SEQUENCE; `entry` selects the CRL-entry rule set. Sets *remove
 * for an entry whose reasonCode is removeFromCRL. */
static int walk_extensions(vspan exts, bool entry, bool *remove, vouch_diag *d) {
    vder_reader x = vder_of(exts);
    if (exts.n == 0) return BAD("empty extensions");
    while (!vder_done(&x)) {
        vspan ext, oid, val, b;
        bool critical = false;
        if (vder_expect(&x, DER_SEQUENCE, &ext, NULL)) return BAD("bad extension");
        vder_reader f = vder_of(ext);
        if (vder_expect(&f, DER_OID, &oid, NULL)) return BAD("bad extension id");
        if (vder_peek(&f) == DER_BOOLEAN) {
            if (vder_expect(&f, DER_BOOLEAN, &b, NULL) || b.n != 1 || (b.p[0] != 0 && b.p[0] != 0xff))
                return BAD("bad critical flag");
            critical = b.p[0] == 0xff;
        }
        if (vder_expect(&f, DER_OCTET_STRING, &val, NULL) || !vder_done(&f)) return BAD("bad extension value");
        if (entry) {
            if (OID_IS(oid, OID_CERT_ISSUER))
                return vouch_fail(d, VOUCH_E_CRL_UNSUPPORTED, -1, "indirect CRLs (certificateIssuer entries) are not supported");
            if (OID_IS(oid, OID_REASON)) {
                vder_reader r = vder_of(val);
                vspan e;
                if (vder_expect(&r, DER_ENUMERATED, &e, NULL) || !vder_done(&r) || e.n != 1) return BAD("bad reasonCode");
                if (remove) *remove = e.p[0] == 8; /* removeFromCRL */
                continue;
            }
            if (OID_IS(oid, OID_INVALIDITY)) continue;
        } else {
            if (OID_IS(oid, OID_DELTA))
                return vouch_fail(d, VOUCH_E_CRL_UNSUPPORTED, -1, "delta CRLs are not supported; push the full CRL");
            if (OID_IS(oid, OID_IDP)) {
                /* IssuingDistributionPoint: refuse indirect and reason-partitioned CRLs */
                vder_reader r = vder_of(val), s;
                vspan seq, part;
                int t;
                if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r)) return BAD("bad issuingDistributionPoint");
                s = vder_of(seq);
                while (!vder_done(&s)) {
                    if (vder_next(&s, &t, &part, NULL)) return BAD("bad issuingDistributionPoint");
                    if (t == DER_CTX_PRIM(3) || t == DER_CTX(3))
                        return vouch_fail(d, VOUCH_E_CRL_UNSUPPORTED, -1, "CRLs partitioned by reason (onlySomeReasons) are not supported");
                    if (t == DER_CTX_PRIM(4) && part.n == 1 && part.p[0])
                        return vouch_fail(d, VOUCH_E_CRL_UNSUPPORTED, -1, "indirect CRLs are not supported");
                }
                continue;
            }
            if (OID_IS(oid, OID_CRL_NUMBER) && critical)
                return BAD("cRLNumber must not be critical (RFC 5280 5.2.3)");
            if (OID_IS(oid, OID_CRL_NUMBER) || OID_IS(oid, OID_AKI) || OID_IS(oid, OID_IAN) ||
                OID_IS(oid, OID_FRESHEST) || OID_IS(oid, OID_AIA))
                continue;
        }
        if (critical)
            return vouch_fail(d, VOUCH_E_CRL_UNSUPPORTED, -1, "CRL%s has an unknown critical extension", entry ? " entry" : "");
    }
    return 0;
}

/* The common entry, read without the general reader: SEQUENCE { INTEGER, UTCTime or
 * GeneralizedTime } with short-form lengths and no extensions. Returns false for
 * anything else, which walk_entry then reads (and judges) the general way. */
static inline bool fast_entry(vder_reader *r, vspan *serial) {
    const uint8_t *p = r->p;
    size_t avail = (size_t)(r->end - p);
    if (avail < 2 || p[0] != DER_SEQUENCE || p[1] >= 0x80 || (size_t)p[1] + 2 > avail) return false;
    size_t n = p[1];
    if (n < 4 || p[2] != DER_INTEGER || p[3] >= 0x80 || p[3] == 0) return false;
    size_t sl = p[3];
    if (4 + sl + 2 > 2 + n) return false;
    const uint8_t *t = p + 4 + sl;
    size_t tl = t[0] == DER_UTCTIME ? 13 : t[0] == DER_GENTIME ? 15 : 0;
    if (!tl || t[1] != tl || (size_t)(t + 2 + tl - p) != 2 + n) return false;
    vspan s = {p + 4, sl};
    if (!vder_integer_minimal(s) || !vder_time_valid(t[0], (vspan){t + 2, tl})) return false;
    *serial = s;
    r->p = p + 2 + n;
    return true;
}

/* Reads one revokedCertificates entry: the serial, and whether the entry counts. */
static int walk_entry(vder_reader *r, vspan *serial, bool *remove, vouch_diag *d) {
    *remove = false;
    if (fast_entry(r, serial)) return 0;
    vspan ent, t;
    int tag;
    int64_t when;
    if (vder_expect(r, DER_SEQUENCE, &ent, NULL)) return BAD("bad revoked entry");
    vder_reader e = vder_of(ent);
    if (vder_expect(&e, DER_INTEGER, serial, NULL) || !vder_integer_minimal(*serial) || serial->n > 255)
        return BAD("bad revoked serial number");
    if (vder_next(&e, &tag, &t, NULL) || vder_time(tag, t, &when)) return BAD("bad revocationDate");
    if (!vder_done(&e)) {
        vspan exts;
        if (vder_expect(&e, DER_SEQUENCE, &exts, NULL) || !vder_done(&e)) return BAD("bad entry extensions");
        int rc = walk_extensions(exts, true, remove, d);
        if (rc) return rc;
    }
    return 0;
}

/* Keeps what a later signature check needs. 0 or VOUCH_E_NOMEM. */
static int defer_signature(vouch_crl *crl, vsig_alg alg, vspan tbs, vspan sig) {
    deferred_sig *ds = calloc(1, sizeof *ds);
    if (!ds) return VOUCH_E_NOMEM;
    pthread_mutex_init(&ds->fill, NULL);
    ds->alg = alg;
    int h = vsig_hash(alg);
    if (h >= 0) {
        ds->dlen = vdigest(h, tbs.p, tbs.n, ds->digest);
    } else if (!(ds->tbs = malloc(tbs.n ? tbs.n : 1))) {
        free(ds);
        return VOUCH_E_NOMEM;
    } else {
        memcpy(ds->tbs, tbs.p, tbs.n);
        ds->tbs_len = tbs.n;
    }
    if (!(ds->sig = malloc(sig.n ? sig.n : 1))) {
        free(ds->tbs);
        free(ds);
        return VOUCH_E_NOMEM;
    }
    memcpy(ds->sig, sig.p, sig.n);
    ds->sig_len = sig.n;
    crl->deferred = ds;
    return 0;
}

static int load_der(const vouch_truststore *ts, unsigned flags, const uint8_t *der, size_t len, vouch_crl *crl, vouch_diag *d) {
    vspan all = {der, len}, body, tbs, tbsbody, outer_alg, alg_content, sigbits, inner_alg, issuer, t;
    vder_reader r = vder_of(all), s, b;
    int tag;
    if (vder_expect(&r, DER_SEQUENCE, &body, NULL) || !vder_done(&r)) return BAD("not a DER CertificateList");
    s = vder_of(body);
    if (vder_expect(&s, DER_SEQUENCE, &tbsbody, &tbs) || vder_expect(&s, DER_SEQUENCE, &alg_content, &outer_alg) ||
        vder_expect(&s, DER_BIT_STRING, &sigbits, NULL) || !vder_done(&s))
        return BAD("expected tbsCertList, signatureAlgorithm, signatureValue");
    if (sigbits.n < 1 || sigbits.p[0] != 0) return BAD("signatureValue has unused bits");
    b = vder_of(tbsbody);
    if (vder_peek(&b) == DER_INTEGER) {
        vspan v;
        if (vder_expect(&b, DER_INTEGER, &v, NULL) || vder_small_uint(v) != 1) return BAD("version must be v2 when present");
    }
    if (vder_expect(&b, DER_SEQUENCE, NULL, &inner_alg)) return BAD("bad signature algorithm");
    if (!vspan_eq(inner_alg, outer_alg)) return BAD("signature algorithm differs inside and outside tbsCertList");
    bool issuer_empty;
    if (vder_expect(&b, DER_SEQUENCE, NULL, &issuer) || vname_check(issuer, &issuer_empty) || issuer_empty)
        return BAD("bad issuer name");
    if (vder_next(&b, &tag, &t, NULL) || vder_time(tag, t, &crl->this_update)) return BAD("bad thisUpdate");
    crl->next_update = 0;
    if (vder_peek(&b) == DER_UTCTIME || vder_peek(&b) == DER_GENTIME) {
        if (vder_next(&b, &tag, &t, NULL) || vder_time(tag, t, &crl->next_update)) return BAD("bad nextUpdate");
    }
    vspan revoked = {0};
    bool have_revoked = false;
    if (vder_peek(&b) == DER_SEQUENCE) {
        if (vder_expect(&b, DER_SEQUENCE, &revoked, NULL)) return BAD("bad revokedCertificates");
        have_revoked = true;
    }
    if (vder_peek(&b) == DER_CTX(0)) {
        vspan w, exts;
        if (vder_expect(&b, DER_CTX(0), &w, NULL)) return BAD("bad crlExtensions");
        vder_reader x = vder_of(w);
        if (vder_expect(&x, DER_SEQUENCE, &exts, NULL) || !vder_done(&x)) return BAD("bad crlExtensions");
        int rc = walk_extensions(exts, false, NULL, d);
        if (rc) return rc;
    }
    if (!vder_done(&b)) return BAD("trailing data in tbsCertList");

    /* one pass over the entries: structure checked, each serial hashed and kept for
     * listing. An entry takes at least 20 bytes of DER and gives at most its size. */
    vrevset_key(&crl->set);
    size_t max_entries = revoked.n / 20 + 1, count = 0, arena_len = 0;
    uint64_t *hashes = malloc(max_entries * sizeof *hashes);
    uint8_t *arena = malloc(revoked.n + 1);
    if (!hashes || !arena) {
        free(hashes), free(arena);
        return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    vder_reader w = vder_of(revoked);
    while (have_revoked && !vder_done(&w)) {
        vspan serial;
        bool remove;
        int rc = walk_entry(&w, &serial, &remove, d);
        if (rc || count == max_entries) {
            free(hashes), free(arena);
            return rc ? rc : BAD("revoked entries smaller than possible");
        }
        if (remove) continue;
        hashes[count++] = vrevset_hash(&crl->set, serial.p, serial.n);
        arena[arena_len] = (uint8_t)serial.n;
        memcpy(arena + arena_len + 1, serial.p, serial.n);
        arena_len += 1 + serial.n;
    }
    uint8_t *fit = realloc(arena, arena_len ? arena_len : 1);
    if (fit) arena = fit;

    /* the signature, by the issuer in the trust store */
    crl->issuer_len = issuer.n;
    crl->issuer = malloc(issuer.n);
    if (!crl->issuer) {
        free(hashes), free(arena);
        return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    memcpy(crl->issuer, issuer.p, issuer.n);
    char iname[256];
    vname_format(issuer, iname, sizeof iname);
    vsig_alg alg = vsig_from_algid(alg_content);
    int sig = 0;
    if ((ts || (flags & VOUCH_CRL_DEFER_ISSUER)) && (alg == VSIG_WEAK || alg == VSIG_UNKNOWN))
        sig = vouch_fail(d, VOUCH_E_WEAK_ALGORITHM, -1, "CRL from %s is signed with %s", iname, vsig_name(alg));
    bool defer = false;
    if (!sig && ts) {
        size_t cur = 0;
        const vanchor *a;
        int best = VOUCH_E_CRL_ISSUER_UNKNOWN;
        while ((a = vts_next_by_subject(ts, issuer, vts_name_hash(ts, issuer), &cur))) {
            if (a->view.has_ku && !(a->view.ku & KU_CRL_SIGN)) { best = VOUCH_E_KEY_USAGE; continue; }
            if (!a->key || !vsig_fits_key(alg, vpubkey_type(a->key))) { best = VOUCH_E_CRL_SIGNATURE; continue; }
            if (vpubkey_verify(a->key, alg, tbs.p, tbs.n, sigbits.p + 1, sigbits.n - 1) == 0) { best = 0; break; }
            best = VOUCH_E_CRL_SIGNATURE;
        }
        if (best && (flags & VOUCH_CRL_DEFER_ISSUER)) {
            /* no anchor of that name signed it: the issuer may be an intermediate that shares
             * the name (a rolled-over key, another PKI's "Issuing CA"); checked at login */
            defer = true;
        } else if (best == VOUCH_E_CRL_ISSUER_UNKNOWN) {
            sig = vouch_fail(d, best, -1, "CRL issuer %s is not one of the trusted CAs", iname);
        } else if (best == VOUCH_E_KEY_USAGE) {
            sig = vouch_fail(d, VOUCH_E_CRL_SIGNATURE, -1, "CRL issuer %s may not sign CRLs (keyUsage lacks cRLSign)", iname);
        } else if (best) {
            sig = vouch_fail(d, best, -1, "CRL signature does not verify under the key of %s", iname);
        }
        crl->checked = !sig && !defer;
    } else if (!sig && (flags & VOUCH_CRL_DEFER_ISSUER)) {
        defer = true;
    }
    if (defer && (sig = defer_signature(crl, alg, tbs, (vspan){sigbits.p + 1, sigbits.n - 1})))
        vouch_fail(d, sig, -1, "out of memory");
    if (sig) {
        free(hashes), free(arena);
        return sig;
    }

    int rc = vrevset_build(&crl->set, hashes, count, arena, arena_len); /* takes the arena */
    free(hashes);
    return rc ? vouch_fail(d, rc, -1, "out of memory") : 0;
}

int vouch_crl_load(const vouch_truststore *ts, unsigned flags, const uint8_t *data, size_t len, vouch_crl **out, vouch_diag *d) {
    if (!out || (!data && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > (size_t)1 << 30) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "CRL of %zu bytes; at most 1 GiB is accepted", len);
    size_t skip = 0;
    while (skip < len && (data[skip] == ' ' || data[skip] == '\r' || data[skip] == '\n' || data[skip] == '\t')) skip++;
    if (skip == len) return vouch_fail(d, VOUCH_E_EMPTY, -1, "the CRL input is empty");
    vouch_crl *crl = calloc(1, sizeof *crl);
    if (!crl) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    int rc;
    if (data[skip] == 0x30) {
        rc = load_der(ts, flags, data + skip, len - skip, crl, d);
    } else {
        size_t pos = skip;
        char label[72];
        vspan body;
        int got = vpem_next(data, len, &pos, label, sizeof label, &body);
        if (got <= 0) {
            rc = vouch_fail(d, VOUCH_E_PEM, -1, "no PEM block found (expected -----BEGIN X509 CRL-----)");
        } else if (strcmp(label, "X509 CRL") != 0) {
            rc = vouch_fail(d, VOUCH_E_WRONG_BLOCK, -1, "PEM block is a \"%.64s\", expected \"X509 CRL\"", label);
        } else {
            uint8_t *der = malloc(body.n ? body.n : 1);
            size_t dlen = 0;
            if (!der) rc = vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
            else if (vb64_decode(body, der, body.n, &dlen) || dlen == 0) rc = vouch_fail(d, VOUCH_E_PEM, -1, "CRL PEM block has invalid base64");
            else rc = load_der(ts, flags, der, dlen, crl, d);
            free(der);
        }
    }
    if (rc) {
        vouch_crl_free(crl);
        return rc;
    }
    *out = crl;
    return 0;
}

void vouch_crl_free(vouch_crl *crl) {
    if (!crl) return;
    if (crl->deferred) {
        pthread_mutex_destroy(&crl->deferred->fill);
        free(crl->deferred->tbs);
        free(crl->deferred->sig);
        free(crl->deferred);
    }
    vrevset_free(&crl->set);
    free(crl->issuer);
    free(crl);
}

size_t vouch_crl_count(const vouch_crl *crl) { return crl ? crl->set.count : 0; }
int vouch_crl_signature_checked(const vouch_crl *crl) { return crl ? crl->checked : 0; }
int64_t vouch_crl_this_update(const vouch_crl *crl) { return crl ? crl->this_update : 0; }
int64_t vouch_crl_next_update(const vouch_crl *crl) { return crl ? crl->next_update : 0; }
size_t vouch_crl_memory(const vouch_crl *crl) { return crl ? vrevset_memory(&crl->set) : 0; }

void vouch_crl_issuer(const vouch_crl *crl, char *buf, size_t cap) {
    if (!crl || !cap) return;
    vname_format((vspan){crl->issuer, crl->issuer_len}, buf, cap);
}

int vouch_crl_contains(const vouch_crl *crl, const uint8_t *serial, size_t len) {
    return crl && serial ? vrevset_contains(&crl->set, serial, len) : 0;
}

int vouch_crl_next_serial(const vouch_crl *crl, size_t *cursor, const uint8_t **serial, size_t *len) {
    if (!crl || !cursor || !serial || !len || *cursor >= crl->set.arena_len) return 0;
    const uint8_t *e = crl->set.arena + *cursor;
    *serial = e + 1;
    *len = e[0];
    *cursor += 1 + (size_t)e[0];
    return 1;
}

int vouch_crl_is_deferred(const vouch_crl *crl) { return crl && crl->deferred ? 1 : 0; }

size_t vouch_crl_verified_issuers(const vouch_crl *crl) {
    size_t n = 0;
    if (crl && crl->deferred)
        for (int i = 0; i < ISSUER_SLOTS; i++) n += atomic_load_explicit(&crl->deferred->seen[i].state, memory_order_acquire) == SLOT_VERIFIED;
    return n;
}

int vcrl_usable(const vouch_crl *crl) { return crl->checked || crl->deferred; }

/* Checks a deferred CRL's signature under the key of `issuer` (a certificate of a verified
 * path): 0, VOUCH_E_CRL_SIGNATURE (a verdict: the key did not sign it), or another status
 * when the check could not be made. */
static int deferred_verify(const deferred_sig *ds, const vcert *issuer) {
    vpubkey *k = NULL;
    int rc = vpubkey_new(issuer->spki, &k);
    if (rc) return VOUCH_E_INTERNAL; /* the path's own key: it was usable a moment ago */
    if (!vsig_fits_key(ds->alg, vpubkey_type(k))) rc = VOUCH_E_CRL_SIGNATURE;
    else if (ds->tbs) rc = vpubkey_verify(k, ds->alg, ds->tbs, ds->tbs_len, ds->sig, ds->sig_len);
    else rc = vpubkey_verify_digest(k, ds->alg, ds->digest, ds->dlen, ds->sig, ds->sig_len);
    vpubkey_free(k);
    if (rc == VOUCH_E_BAD_SIGNATURE || rc == VOUCH_E_KEY_ALGORITHM_MISMATCH) rc = VOUCH_E_CRL_SIGNATURE;
    return rc;
}

/* The remembered verdict for a key: 0, VOUCH_E_CRL_SIGNATURE, or 1 when there is none. */
static int remembered(deferred_sig *ds, const uint8_t h[32]) {
    for (int i = 0; i < ISSUER_SLOTS; i++) {
        int st = atomic_load_explicit(&ds->seen[i].state, memory_order_acquire);
        if (st == SLOT_EMPTY) return 1;
        if ((st == SLOT_VERIFIED || st == SLOT_FAILED) && memcmp(ds->seen[i].key_hash, h, 32) == 0)
            return st == SLOT_VERIFIED ? 0 : VOUCH_E_CRL_SIGNATURE;
    }
    return 1;
}

/* 0 when the deferred CRL verifies under the key of `issuer`, VOUCH_E_CRL_SIGNATURE when it
 * does not (both remembered per key), VOUCH_E_INTERNAL when it could not be checked. */
static int deferred_check(deferred_sig *ds, const vcert *issuer) {
    uint8_t h[64];
    vdigest(0, issuer->spki.p, issuer->spki.n, h);
    int known = remembered(ds, h);
    if (known != 1) return known;
    int rc = deferred_verify(ds, issuer);
    if (rc && rc != VOUCH_E_CRL_SIGNATURE) return VOUCH_E_INTERNAL; /* no verdict: not remembered */
    pthread_mutex_lock(&ds->fill);
    if (remembered(ds, h) == 1) {
        for (int i = 0; i < ISSUER_SLOTS; i++) {
            if (atomic_load_explicit(&ds->seen[i].state, memory_order_relaxed) != SLOT_EMPTY) continue;
            atomic_store_explicit(&ds->seen[i].state, SLOT_FILLING, memory_order_relaxed);
            memcpy(ds->seen[i].key_hash, h, 32);
            atomic_store_explicit(&ds->seen[i].state, rc ? SLOT_FAILED : SLOT_VERIFIED, memory_order_release);
            break;
        }
    }
    pthread_mutex_unlock(&ds->fill);
    return rc;
}

int vcrl_check(const vouch_crl *crl, const vcert *c, const vcert *issuer) {
    if (c->issuer.n != crl->issuer_len || memcmp(c->issuer.p, crl->issuer, crl->issuer_len) != 0) return 0;
    if (!crl->checked) {
        if (!crl->deferred || !issuer) return 0;
        int rc = deferred_check(crl->deferred, issuer);
        if (rc == VOUCH_E_CRL_SIGNATURE) return -1;
        if (rc) return -2;
    }
    return vrevset_contains(&crl->set, c->serial.p, c->serial.n);
}
