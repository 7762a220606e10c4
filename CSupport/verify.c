/* verify.c: client certificate path verification.
 *
 * The leaf and presented intermediates are read with the lean reader (cert.c); anchors
 * were read once when the store was built. Paths are found depth first: anchors whose
 * subject is the current certificate's issuer end a path, presented intermediates
 * extend it. Each complete path is checked in full (validity, RFC 5280 and the
 * X509_V_FLAG_X509_STRICT rules of OpenSSL 3.0, key and extended key usage for TLS
 * client authentication, path length, signatures, name constraints, revocation) and the
 * first path that passes wins. CA-to-CA signatures come from the verified-link cache
 * after their first check, so a login pays for the leaf's signature only.
 *
 * Rules come in two kinds (vouch_verify.h): security rules refuse; RFC 5280 profile rules
 * that Go's crypto/x509 (what Vault verifies with) and OpenSSL's default mode do not
 * enforce are warnings kept with the accepted path, and refusals under
 * VOUCH_VERIFY_STRICT (OpenSSL's X509_V_FLAG_X509_STRICT set, and a few more).
 *
 * Deliberate choices (see README, "Verification rules"):
 *  - issuer and subject names are matched byte for byte, as Go's crypto/x509 does;
 *  - every anchor is trusted as it is (OpenSSL's -partial_chain), but its validity
 *    period, CA flag, key usage and EKU are still checked;
 *  - policy extensions are recognised, not processed (OpenSSL's default). */
#include "internal.h"
#include "vouch_verify.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CANDIDATE_CHECKS = 64 };

/* A path element: a presented certificate (index >= 0) or an anchor. */
typedef struct {
    const vcert *c;
    const vanchor *anchor; /* non-NULL for the anchor at the end of the path */
    int presented;         /* index into presented certificates, or -1 */
} pelem;

struct vouch_verification {
    int status;
    vouch_diag diag;
    size_t nwarn;
    vouch_diag warn[VOUCH_MAX_WARNINGS];
    uint8_t *buf;
    size_t npres;
    vspan pres[VOUCH_MAX_PRESENTED];
    vcert pview[VOUCH_MAX_PRESENTED];
    size_t pathlen;
    pelem path[VOUCH_MAX_PATH];
};

typedef struct {
    const vouch_truststore *ts;
    const vouch_crl *const *crls;
    size_t ncrls;
    int64_t at;
    vouch_purpose purpose;
    unsigned flags;
    vouch_verification *v;
    /* the warnings of the path being checked */
    size_t nwarn, dropped;
    vouch_diag warn[VOUCH_MAX_WARNINGS];
    pelem path[VOUCH_MAX_PATH];
    bool used[VOUCH_MAX_PRESENTED];
    int checks;
    int best;          /* best refusal so far */
    vouch_diag best_diag;
} vctx;

static void describe(const vcert *c, char *buf, size_t cap) { vname_format(c->subject, buf, cap); }

/* Records a refusal of certificate i of the current path. */
static int refuse(vctx *x, vouch_diag *d, int status, int i, const char *fmt, const char *extra) {
    char subj[200], msg[260];
    describe(x->path[i].c, subj, sizeof subj);
    snprintf(msg, sizeof msg, fmt, extra ? extra : "");
    const char *role = i == 0 ? "leaf" : x->path[i].anchor ? "trusted CA" : "intermediate";
    return vouch_fail(d, status, i, "%s certificate %d (%s): %s", role, i, subj, msg);
}

static void add_warning(vctx *x, const vouch_diag *w) {
    if (x->nwarn < VOUCH_MAX_WARNINGS - 1) x->warn[x->nwarn++] = *w;
    else x->dropped++;
}

/* An RFC 5280 profile rule the certificate breaks: refused under VOUCH_VERIFY_STRICT,
 * otherwise a warning kept with the path. */
static int profile(vctx *x, vouch_diag *d, int i, const char *fmt, const char *extra) {
    if (x->flags & VOUCH_VERIFY_STRICT) return refuse(x, d, VOUCH_E_MALFORMED_CERT, i, fmt, extra);
    vouch_diag w;
    refuse(x, &w, VOUCH_E_MALFORMED_CERT, i, fmt, extra);
    add_warning(x, &w);
    return 0;
}

#define PROFILE(cond, fmt, extra)                          \
    do {                                                   \
        if (cond) {                                        \
            int prc_ = profile(x, d, i, fmt, extra);       \
            if (prc_) return prc_;                         \
        }                                                  \
    } while (0)

static int check_time(vctx *x, vouch_diag *d, int n) {
    char t[40];
    for (int i = 0; i < n; i++) {
        const vcert *c = x->path[i].c;
        if (x->at < c->not_before) {
            vfmt_time(c->not_before, t, sizeof t);
            return refuse(x, d, VOUCH_E_NOT_YET_VALID, i, "not valid before %s", t);
        }
        if (x->at > c->not_after) {
            vfmt_time(c->not_after, t, sizeof t);
            return refuse(x, d, VOUCH_E_EXPIRED, i, "expired at %s", t);
        }
    }
    return 0;
}

static bool self_issued(const vcert *c) { return vspan_eq(c->issuer, c->subject); }

/* The rules, per certificate: security rules first (they refuse whatever the flags),
 * then the RFC 5280 profile rules (OpenSSL 3.0's X509_V_FLAG_X509_STRICT set, which
 * applies to chains, and the MUSTs OpenSSL lets pass), which warn unless strict. */
static int check_rules(vctx *x, vouch_diag *d, int n) {
    int plen = 0; /* non-self-issued intermediates below the current certificate */
    for (int i = 0; i < n; i++) {
        const vcert *c = x->path[i].c;
        const bool anchor = x->path[i].anchor != NULL;
        char buf[64];
        /* ---- security rules ---- */
        if (c->unknown_critical)
            return refuse(x, d, VOUCH_E_CRITICAL_EXTENSION, i, "unknown critical extension %s", c->unknown_critical_oid);
        if (c->key_type == VKEY_UNKNOWN)
            return refuse(x, d, VOUCH_E_UNSUPPORTED_KEY, i, "public key type not supported%s", NULL);
        if (c->key_type == VKEY_RSA && c->key_bits < 2048) {
            snprintf(buf, sizeof buf, "%d", c->key_bits);
            return refuse(x, d, VOUCH_E_WEAK_KEY, i, "RSA key of %s bits; at least 2048 are required", buf);
        }
        if (!anchor && vspki_check_point(c->spki, c->key_type))
            return refuse(x, d, VOUCH_E_WEAK_KEY, i, "the EC public key is not a point on its curve%s", NULL);
        /* negative serials are refused everywhere, as Go's crypto/x509 does since 1.23 (a
         * pinned leaf is an anchor) */
        if (c->serial.p[0] & 0x80) return refuse(x, d, VOUCH_E_MALFORMED_CERT, i, "serialNumber is negative%s", NULL);
        if (i == 0 && x->purpose == VOUCH_PURPOSE_SERVER_AUTH) {
            if (c->has_ku && !(c->ku & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)))
                return refuse(x, d, VOUCH_E_KEY_USAGE, i,
                              "keyUsage allows none of digitalSignature, keyEncipherment, keyAgreement%s", NULL);
        } else if (i == 0) {
            /* the key must be allowed to sign the TLS handshake (RFC 5246 7.4.8, RFC 8446 4.4.3) */
            if (c->has_ku && !(c->ku & (KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT)))
                return refuse(x, d, VOUCH_E_KEY_USAGE, i, "keyUsage allows neither digitalSignature nor keyAgreement%s", NULL);
        } else {
            if (!c->has_bc || !c->is_ca)
                return refuse(x, d, VOUCH_E_NOT_CA, i, "issues certificates but basicConstraints does not say CA:TRUE%s", NULL);
            if (c->has_ku && !(c->ku & KU_KEY_CERT_SIGN))
                return refuse(x, d, VOUCH_E_KEY_USAGE, i, "issues certificates but keyUsage lacks keyCertSign%s", NULL);
        }
        if (c->has_eku && !(x->purpose == VOUCH_PURPOSE_SERVER_AUTH ? c->eku_server_auth : c->eku_client_auth))
            return refuse(x, d, VOUCH_E_EXT_KEY_USAGE, i, "extendedKeyUsage is present without %s",
                          x->purpose == VOUCH_PURPOSE_SERVER_AUTH ? "serverAuth" : "clientAuth");
        /* the signed algorithm must be the one that signs (Go's parser refuses this too) */
        if (n > 1 && !vspan_eq(c->inner_alg, c->outer_alg))
            return refuse(x, d, VOUCH_E_MALFORMED_CERT, i, "signature algorithm differs inside and outside tbsCertificate%s", NULL);
        if (i > 1 && c->pathlen >= 0 && plen > c->pathlen) {
            snprintf(buf, sizeof buf, "%d", c->pathlen);
            return refuse(x, d, VOUCH_E_PATH_LENGTH, i, "pathLenConstraint %s is exceeded by the intermediates below it", buf);
        }
        if (i > 0 && !self_issued(c)) plen++;
        /* name constraints cannot be judged on a name that is not one (Go refuses too) */
        if (c->san_problem && !anchor) {
            bool nc_above = false;
            for (int j = i + 1; j < n; j++) nc_above |= x->path[j].c->has_nc;
            if (nc_above)
                return refuse(x, d, VOUCH_E_NAME_CONSTRAINTS, i, "%s, so the name constraints above it cannot be checked",
                              c->san_problem);
        }

        /* ---- profile rules: RFC 5280 MUSTs for issuers; anchors are trusted as configured ---- */
        if (!anchor) {
            PROFILE(c->serial.n == 1 && c->serial.p[0] == 0, "serialNumber is zero%s", NULL);
            PROFILE(c->serial.n - (c->serial.p[0] == 0) > 20, "serialNumber is longer than 20 octets%s", NULL);
            PROFILE(c->san_problem, "%s", c->san_problem);
            PROFILE(c->has_nc && !c->is_ca, "nameConstraints in a certificate that is not a CA%s", NULL);
            PROFILE(c->has_pc && !c->pc_critical, "policyConstraints must be critical%s", NULL);
            PROFILE(c->aia_critical, "authorityInfoAccess must not be critical%s", NULL);
        }
        if (n > 1) { /* OpenSSL's X509_V_FLAG_X509_STRICT set, which applies to chains */
            PROFILE(c->pathlen >= 0 && !c->is_ca, "pathLenConstraint on a certificate that is not a CA%s", NULL);
            PROFILE(c->pathlen >= 0 && !(c->has_ku && (c->ku & KU_KEY_CERT_SIGN)), "pathLenConstraint without keyUsage keyCertSign%s",
                    NULL);
            PROFILE(c->is_ca && !c->bc_critical, "basicConstraints of a CA must be critical%s", NULL);
            PROFILE(c->is_ca && !c->has_ku, "a CA certificate must carry keyUsage%s", NULL);
            PROFILE(!c->is_ca && c->has_ku && (c->ku & KU_KEY_CERT_SIGN), "keyCertSign on a certificate that is not a CA%s", NULL);
            PROFILE(c->issuer_empty, "empty issuer name%s", NULL);
            PROFILE(c->subject_empty && (c->is_ca || (c->has_ku && (c->ku & KU_CRL_SIGN)) || !c->has_san), "empty subject name%s",
                    NULL);
            PROFILE(c->subject_empty && c->has_san && !c->san_critical, "empty subject with a non-critical subjectAltName%s", NULL);
            PROFILE(c->has_san && c->san_empty, "empty subjectAltName%s", NULL);
            PROFILE(c->has_aki && c->aki_critical, "authorityKeyIdentifier must not be critical%s", NULL);
            PROFILE(c->has_ski && c->ski_critical, "subjectKeyIdentifier must not be critical%s", NULL);
            PROFILE(c->version == 3 && i + 1 < n && (!c->has_aki || c->aki_keyid.n == 0), "missing authorityKeyIdentifier%s", NULL);
            PROFILE(c->version == 3 && c->is_ca && !c->has_ski, "a CA certificate must carry subjectKeyIdentifier%s", NULL);
        }
    }
    return 0;
}

/* The key that signed path certificate i: the anchor's, the one kept with a presented
 * intermediate's cached link, or (first sight of that intermediate) one built now. */
static int issuer_key(vctx *x, vouch_diag *d, int i, vpubkey **key, vpubkey **owned) {
    const pelem *parent = &x->path[i + 1];
    *owned = NULL;
    if (parent->anchor) {
        *key = parent->anchor->key;
        return *key ? 0 : refuse(x, d, VOUCH_E_UNSUPPORTED_KEY, i + 1, "public key type not supported%s", NULL);
    }
    vpubkey *cached = NULL;
    if (vlinkcache_find(x->ts->links, parent->c->whole, x->path[i + 2].c->whole, &cached) && cached) {
        *key = cached;
        return 0;
    }
    int rc = vpubkey_new(parent->c->spki, owned);
    if (rc) return refuse(x, d, rc, i + 1, "public key cannot be used%s", NULL);
    *key = *owned;
    return 0;
}

static int link_verify(vctx *x, vouch_diag *d, int i) {
    const vcert *c = x->path[i].c;
    if (c->sig_alg == VSIG_WEAK)
        return refuse(x, d, VOUCH_E_WEAK_ALGORITHM, i, "signed with %s, which is refused", vsig_name(c->sig_alg));
    if (c->sig_alg == VSIG_UNKNOWN) return refuse(x, d, VOUCH_E_WEAK_ALGORITHM, i, "signed with %s", vsig_name(c->sig_alg));
    vpubkey *key = NULL, *owned = NULL;
    int rc = issuer_key(x, d, i, &key, &owned);
    if (rc) return rc;
    if (!vsig_fits_key(c->sig_alg, vpubkey_type(key)))
        rc = refuse(x, d, VOUCH_E_KEY_ALGORITHM_MISMATCH, i, "signed with %s, which does not fit its issuer's key",
                    vsig_name(c->sig_alg));
    else if (vpubkey_verify(key, c->sig_alg, c->tbs.p, c->tbs.n, c->sig_value.p, c->sig_value.n))
        rc = refuse(x, d, VOUCH_E_BAD_SIGNATURE, i, "signature does not verify under its issuer's key%s", NULL);
    vpubkey_free(owned);
    return rc;
}

/* Top-down, so that a presented intermediate's link, with its key, is cached before
 * the certificate below it needs that key. */
static int check_signatures(vctx *x, vouch_diag *d, int n) {
    vlinkcache *lc = x->ts->links;
    for (int i = n - 2; i >= 0; i--) {
        vspan child = x->path[i].c->whole, parent = x->path[i + 1].c->whole;
        bool ca_link = i > 0; /* every certificate above the leaf passed check_rules as a CA */
        if (ca_link && vlinkcache_find(lc, child, parent, NULL)) continue;
        int rc = link_verify(x, d, i);
        if (rc) return rc;
        if (ca_link) {
            vpubkey *ck = NULL;
            if (vpubkey_new(x->path[i].c->spki, &ck)) ck = NULL;
            if (!vlinkcache_add(lc, child, parent, ck)) vpubkey_free(ck);
        }
    }
    return 0;
}

static bool has_dns_san(X509 *x) {
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++)
        if (sk_GENERAL_NAME_value(gens, i)->type == GEN_DNS) found = true;
    GENERAL_NAMES_free(gens);
    return found;
}

/* RFC 5280 checks a wildcard dNSName as the literal string, so "*.example.com" passes an
 * excluded "bar.example.com" although it stands for that very name (CVE-2025-61727).
 * Refuse a wildcard that covers a name one label below its base that is excluded. */
static bool wildcard_hits_excluded(X509 *leaf, NAME_CONSTRAINTS *nc) {
    if (!nc || !nc->excludedSubtrees) return false;
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    bool hit = false;
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && !hit; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS || g->d.dNSName->length < 3 || memcmp(g->d.dNSName->data, "*.", 2) != 0) continue;
        const char *base = (const char *)g->d.dNSName->data + 1; /* ".example.com" */
        size_t blen = (size_t)g->d.dNSName->length - 1;
        for (int k = 0; k < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees) && !hit; k++) {
            GENERAL_NAME *e = sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, k)->base;
            if (e->type != GEN_DNS) continue;
            const char *ex = (const char *)e->d.dNSName->data;
            size_t elen = (size_t)e->d.dNSName->length;
            if (elen && ex[0] == '.') ex++, elen--;
            /* ex = "label" + base, with one label and no dot before base */
            if (elen <= blen || OPENSSL_strncasecmp(ex + elen - blen, base, blen) != 0) continue;
            hit = memchr(ex, '.', elen - blen) == NULL;
        }
    }
    GENERAL_NAMES_free(gens);
    return hit;
}

/* Name constraints are rare in client PKIs: when a CA in the path has them, OpenSSL's
 * own checker runs on OpenSSL objects (the slow path, about 90 us per certificate). */
static int check_name_constraints(vctx *x, vouch_diag *d, int n) {
    bool any = false;
    for (int j = 1; j < n; j++) any |= x->path[j].c->has_nc;
    if (!any) return 0;
    X509 *objs[VOUCH_MAX_PATH] = {0};
    NAME_CONSTRAINTS *ncs[VOUCH_MAX_PATH] = {0};
    bool owned_nc[VOUCH_MAX_PATH] = {0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        const unsigned char *p = x->path[i].c->whole.p;
        objs[i] = d2i_X509(NULL, &p, (long)x->path[i].c->whole.n);
        if (!objs[i]) rc = refuse(x, d, VOUCH_E_DER, i, "OpenSSL cannot read this certificate%s", NULL);
        /* NAME_CONSTRAINTS_check reads the subjectAltName OpenSSL caches with the other
         * extensions: without this call it sees no SAN at all and lets every name pass */
        else if (X509_get_extension_flags(objs[i]) & EXFLAG_INVALID)
            rc = refuse(x, d, VOUCH_E_DER, i, "OpenSSL cannot read this certificate's extensions%s", NULL);
        if (!rc && x->path[i].c->has_nc) {
            if (x->path[i].anchor) {
                ncs[i] = x->path[i].anchor->nc;
            } else {
                const unsigned char *q = x->path[i].c->nc.p;
                ncs[i] = vnc_decode(x->path[i].c->nc);
                (void)q;
                owned_nc[i] = true;
                if (!ncs[i]) rc = refuse(x, d, VOUCH_E_DER, i, "unreadable nameConstraints%s", NULL);
            }
        }
    }
    for (int i = n - 1; i >= 0 && !rc; i--) {
        if (i > 0 && self_issued(x->path[i].c)) continue;
        for (int j = n - 1; j > i && !rc; j--) {
            if (!ncs[j]) continue;
            int r = NAME_CONSTRAINTS_check(objs[i], ncs[j]);
            if (r == X509_V_OK && i == 0 && !has_dns_san(objs[i])) r = NAME_CONSTRAINTS_check_CN(objs[i], ncs[j]);
            if (r == X509_V_OK && wildcard_hits_excluded(objs[i], ncs[j])) {
                rc = refuse(x, d, VOUCH_E_NAME_CONSTRAINTS, i, "a wildcard dNSName covers a name excluded by certificate %s",
                            j == n - 1 ? "at the top of the path" : "above it");
                break;
            }
            if (r != X509_V_OK) {
                char why[120];
                snprintf(why, sizeof why, "a name is outside the constraints of certificate %d (%s)", j,
                         X509_verify_cert_error_string(r));
                rc = refuse(x, d, VOUCH_E_NAME_CONSTRAINTS, i, "%s", why);
            }
        }
    }
    for (int i = 0; i < n; i++) {
        X509_free(objs[i]);
        if (owned_nc[i]) NAME_CONSTRAINTS_free(ncs[i]);
    }
    return rc;
}

static int check_revocation(vctx *x, vouch_diag *d, int n) {
    for (int i = 0; i < n; i++) {
        const vcert *c = x->path[i].c;
        const vcert *issuer = i + 1 < n ? x->path[i + 1].c : NULL;
        for (size_t k = 0; k < x->ncrls; k++) {
            int r = vcrl_check(x->crls[k], c, issuer);
            if (r == 1) return refuse(x, d, VOUCH_E_REVOKED, i, "revoked by a CRL of its issuer%s", NULL);
            if (r == -2)
                return refuse(x, d, VOUCH_E_INTERNAL, i, "a CRL of its issuer could not be checked (out of memory): refused "
                              "rather than risk a revoked certificate%s", NULL);
            if (r == -1) {
                vouch_diag w;
                char iname[200];
                vname_format(issuer->subject, iname, sizeof iname);
                vouch_fail(&w, VOUCH_E_CRL_SIGNATURE, i + 1,
                           "a CRL of %s does not verify under the key of path certificate %d, which has that name: "
                           "it revokes nothing",
                           iname, i + 1);
                add_warning(x, &w);
            }
        }
    }
    return 0;
}

static int check_path(vctx *x, int n) {
    vouch_diag d;
    int rc;
    if (++x->checks > MAX_CANDIDATE_CHECKS) return VOUCH_E_CHAIN_TOO_LONG;
    x->nwarn = x->dropped = 0;
    if ((rc = check_time(x, &d, n)) || (rc = check_rules(x, &d, n)) || (rc = check_signatures(x, &d, n)) ||
        (rc = check_name_constraints(x, &d, n)) || (rc = check_revocation(x, &d, n))) {
        /* the first refusal of a complete path explains best; unknown issuer is the weakest */
        if (x->best == VOUCH_E_UNKNOWN_ISSUER || x->best == 0) {
            x->best = rc;
            x->best_diag = d;
        }
        return rc;
    }
    x->v->pathlen = (size_t)n;
    memcpy(x->v->path, x->path, sizeof(pelem) * (size_t)n);
    memcpy(x->v->warn, x->warn, sizeof(vouch_diag) * x->nwarn);
    x->v->nwarn = x->nwarn;
    if (x->dropped) {
        vouch_diag *last = &x->v->warn[x->v->nwarn++];
        vouch_fail(last, VOUCH_E_MALFORMED_CERT, -1, "%zu more warnings not listed", x->dropped);
    }
    return 0;
}

static bool same_as_anchor(const vctx *x, const vcert *c) {
    size_t cur = 0;
    const vanchor *a;
    uint64_t h = vts_name_hash(x->ts, c->subject);
    while ((a = vts_next_by_subject(x->ts, c->subject, h, &cur)))
        if (vspan_eq(c->whole, (vspan){a->der, a->len})) return true;
    return false;
}

static void note_unknown_issuer(vctx *x, int depth) {
    if (x->best) return;
    char issuer[200], subj[200];
    const vcert *c = x->path[depth - 1].c;
    vname_format(c->issuer, issuer, sizeof issuer);
    describe(c, subj, sizeof subj);
    x->best = VOUCH_E_UNKNOWN_ISSUER;
    vouch_fail(&x->best_diag, VOUCH_E_UNKNOWN_ISSUER, depth - 1,
               "%s certificate %d (%s): its issuer (%s) is neither a trusted CA nor a presented intermediate",
               depth == 1 ? "leaf" : "intermediate", depth - 1, subj, issuer);
}

/* Extends the path whose last certificate is at depth-1. */
static int extend(vctx *x, int depth) {
    const vcert *c = x->path[depth - 1].c;
    bool candidate = false;
    uint64_t h = vts_name_hash(x->ts, c->issuer);
    size_t cur = 0;
    const vanchor *a;
    while ((a = vts_next_by_subject(x->ts, c->issuer, h, &cur))) {
        if (!vcert_akid_matches(c, &a->view)) continue;
        candidate = true;
        if (depth >= VOUCH_MAX_PATH) break;
        x->path[depth] = (pelem){&a->view, a, -1};
        if (check_path(x, depth + 1) == 0) return 0;
        if (x->checks > MAX_CANDIDATE_CHECKS) return VOUCH_E_CHAIN_TOO_LONG;
    }
    vouch_verification *v = x->v;
    for (size_t p = 1; p < v->npres; p++) {
        if (x->used[p] || !vspan_eq(v->pview[p].subject, c->issuer) || !vcert_akid_matches(c, &v->pview[p])) continue;
        if (same_as_anchor(x, &v->pview[p])) continue; /* reached as an anchor above */
        candidate = true;
        if (depth + 1 >= VOUCH_MAX_PATH) {
            if (!x->best) {
                x->best = VOUCH_E_CHAIN_TOO_LONG;
                vouch_fail(&x->best_diag, VOUCH_E_CHAIN_TOO_LONG, -1, "no path of at most %d certificates reaches a trusted CA",
                           VOUCH_MAX_PATH);
            }
            continue;
        }
        x->used[p] = true;
        x->path[depth] = (pelem){&v->pview[p], NULL, (int)p};
        int rc = extend(x, depth + 1);
        x->used[p] = false;
        if (rc == 0) return 0;
        if (x->checks > MAX_CANDIDATE_CHECKS) return VOUCH_E_CHAIN_TOO_LONG;
    }
    if (!candidate) note_unknown_issuer(x, depth);
    return x->best ? x->best : VOUCH_E_UNKNOWN_ISSUER;
}

static int decode_input(vouch_verification *v, const uint8_t *in, size_t len, size_t offset, int base, size_t *used) {
    size_t n = 0;
    int rc = vcerts_decode(in, len, "CERTIFICATE", v->buf + offset, len, v->pres + v->npres, VOUCH_MAX_PRESENTED - v->npres, &n,
                          &v->diag, base);
    if (rc) return rc;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total = (size_t)(v->pres[v->npres + i].p + v->pres[v->npres + i].n - (v->buf + offset));
    *used = total;
    v->npres += n;
    return 0;
}

int vouch_verify(const vouch_truststore *ts, vouch_purpose purpose, unsigned flags, const vouch_crl *const *crls, size_t ncrls,
                 const uint8_t *chain, size_t chain_len, const uint8_t *untrusted, size_t untrusted_len, int64_t at,
                 vouch_verification **out) {
    if (!out) return VOUCH_E_ARG;
    *out = NULL;
    if (!ts || (purpose != VOUCH_PURPOSE_CLIENT_AUTH && purpose != VOUCH_PURPOSE_SERVER_AUTH) || (flags & ~VOUCH_VERIFY_STRICT) ||
        (!chain && chain_len) || (!untrusted && untrusted_len) || (!crls && ncrls))
        return VOUCH_E_ARG;
    /* not calloc: the certificate views (kilobytes) are written before they are read */
    vouch_verification *v = malloc(sizeof *v);
    if (!v) return VOUCH_E_NOMEM;
    v->status = 0;
    memset(&v->diag, 0, sizeof v->diag);
    v->buf = NULL;
    v->npres = 0;
    v->pathlen = 0;
    v->nwarn = 0;
    *out = v;
    int rc = 0;
    if (chain_len > VOUCH_MAX_INPUT || untrusted_len > VOUCH_MAX_INPUT) {
        rc = vouch_fail(&v->diag, VOUCH_E_TOO_LARGE, -1, "certificate input of %zu bytes; at most %u are accepted",
                        chain_len > untrusted_len ? chain_len : untrusted_len, VOUCH_MAX_INPUT);
        goto done;
    }
    for (size_t k = 0; k < ncrls; k++)
        if (!crls[k] || !vcrl_usable(crls[k])) {
            rc = vouch_fail(&v->diag, VOUCH_E_ARG, -1, "CRL %zu was loaded for inspection only (no trust store, not deferred)", k);
            goto done;
        }
    v->buf = malloc(chain_len + untrusted_len + 1);
    if (!v->buf) { rc = VOUCH_E_NOMEM; vouch_fail(&v->diag, rc, -1, "out of memory"); goto done; }
    size_t used = 0;
    if ((rc = decode_input(v, chain, chain_len, 0, 0, &used))) goto done;
    if (v->npres == 0) { rc = vouch_fail(&v->diag, VOUCH_E_EMPTY, -1, "no client certificate was presented"); goto done; }
    size_t first = v->npres;
    if ((rc = decode_input(v, untrusted, untrusted_len, chain_len, (int)first, &used))) goto done;
    for (size_t i = 0; i < v->npres; i++) {
        const char *why = "";
        if (vcert_parse(v->pres[i].p, v->pres[i].n, &v->pview[i], &why)) {
            rc = vouch_fail(&v->diag, VOUCH_E_DER, (int)i, "%s %zu is not a valid certificate: %s",
                            i == 0 ? "presented certificate" : "presented intermediate", i, why);
            goto done;
        }
    }
    vctx x = {.ts = ts, .crls = crls, .ncrls = ncrls, .at = at, .purpose = purpose, .flags = flags, .v = v};
    x.path[0] = (pelem){&v->pview[0], NULL, 0};
    x.used[0] = true;
    /* the leaf itself may be an anchor (a pinned, typically self-signed certificate) */
    size_t cur = 0;
    const vanchor *a;
    uint64_t h = vts_name_hash(ts, v->pview[0].subject);
    while ((a = vts_next_by_subject(ts, v->pview[0].subject, h, &cur))) {
        if (!vspan_eq(v->pview[0].whole, (vspan){a->der, a->len})) continue;
        x.path[0] = (pelem){&a->view, a, -1};
        if (check_path(&x, 1) == 0) { rc = 0; goto done; }
        x.path[0] = (pelem){&v->pview[0], NULL, 0};
    }
    rc = extend(&x, 1);
    if (rc) {
        if (rc == VOUCH_E_CHAIN_TOO_LONG && x.checks > MAX_CANDIDATE_CHECKS && !x.best) {
            vouch_fail(&v->diag, rc, -1, "gave up after %d candidate paths", MAX_CANDIDATE_CHECKS);
        } else {
            rc = x.best ? x.best : rc;
            v->diag = x.best_diag;
        }
    }
done:
    v->status = rc;
    v->diag.status = rc;
    if (rc == 0) { v->diag.index = -1; v->diag.detail[0] = 0; }
    return rc;
}

void vouch_verification_free(vouch_verification *v) {
    if (!v) return;
    free(v->buf);
    free(v);
}

int vouch_verification_status(const vouch_verification *v) { return v ? v->status : VOUCH_E_ARG; }
size_t vouch_verification_warning_count(const vouch_verification *v) { return v && v->status == 0 ? v->nwarn : 0; }
const vouch_diag *vouch_verification_warning(const vouch_verification *v, size_t i) {
    return v && v->status == 0 && i < v->nwarn ? &v->warn[i] : NULL;
}
const vouch_diag *vouch_verification_diag(const vouch_verification *v) { return v ? &v->diag : NULL; }
size_t vouch_verification_path_length(const vouch_verification *v) { return v && v->status == 0 ? v->pathlen : 0; }

int vouch_verification_path_cert(const vouch_verification *v, size_t i, const uint8_t **der, size_t *len, int *is_anchor) {
    if (!v || v->status != 0 || i >= v->pathlen || !der || !len) return VOUCH_E_ARG;
    *der = v->path[i].c->whole.p;
    *len = v->path[i].c->whole.n;
    if (is_anchor) *is_anchor = v->path[i].anchor != NULL;
    return 0;
}

int vouch_cert_summarize(const uint8_t *der, size_t len, vouch_cert_summary *s) {
    vcert c;
    if (!der || !s) return VOUCH_E_ARG;
    if (vcert_parse(der, len, &c, NULL)) return VOUCH_E_DER;
    memset(s, 0, sizeof *s);
    vname_format(c.subject, s->subject, sizeof s->subject);
    vname_format(c.issuer, s->issuer, sizeof s->issuer);
    size_t o = 0;
    for (size_t i = 0; i < c.serial.n && o + 3 < sizeof s->serial_hex; i++)
        o += (size_t)snprintf(s->serial_hex + o, sizeof s->serial_hex - o, "%02x", c.serial.p[i]);
    s->not_before = c.not_before;
    s->not_after = c.not_after;
    if (c.key_type == VKEY_RSA) snprintf(s->key, sizeof s->key, "RSA-%d", c.key_bits);
    else snprintf(s->key, sizeof s->key, "%s", vkey_name(c.key_type));
    snprintf(s->sig_alg, sizeof s->sig_alg, "%s", vsig_name(c.sig_alg));
    s->is_ca = c.has_bc && c.is_ca;
    return 0;
}
