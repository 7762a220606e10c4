/* cert.c: the lean certificate reader. A login's leaf (and any presented intermediate)
 * is read here as views into its DER: no OpenSSL X509 object, no allocation. It checks
 * DER strictly and records what verification needs; policy lives in verify.c. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* 2.5.29.x */
#define EXT(x) {0x55, 0x1d, (x)}
static const uint8_t OID_SKI[] = EXT(14), OID_KU[] = EXT(15), OID_SAN[] = EXT(17), OID_BC[] = EXT(19),
                     OID_NC[] = EXT(30), OID_CP[] = EXT(32), OID_PM[] = EXT(33), OID_AKI[] = EXT(35),
                     OID_PC[] = EXT(36), OID_EKU[] = EXT(37), OID_IAP[] = EXT(54), OID_CRLDP[] = EXT(31);
static const uint8_t OID_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t OID_ANY_EKU[] = {0x55, 0x1d, 0x25, 0x00};
static const uint8_t OID_SERVER_AUTH[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t OID_CLIENT_AUTH[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};

#define FAIL(msg) do { *why = (msg); return VOUCH_E_DER; } while (0)

static bool utf8_valid(vspan v) {
    const uint8_t *p = v.p, *e = v.p + v.n;
    while (p < e) {
        uint8_t c = *p++;
        if (c < 0x80) continue;
        int n;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
        else return false;
        if (e - p < n) return false;
        for (int i = 0; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        p += n;
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

/* Attribute values in names: strings must be well formed for their type. */
static bool string_valid(int tag, vspan v) {
    switch (tag) {
    case DER_UTF8: return utf8_valid(v);
    case 0x13: /* PrintableString */
        for (size_t i = 0; i < v.n; i++) {
            uint8_t c = v.p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(" '()+,-./:=?", c)) || c == 0)
                return false;
        }
        return true;
    case 0x16: /* IA5String */
        for (size_t i = 0; i < v.n; i++)
            if (v.p[i] & 0x80) return false;
        return true;
    case 0x1e: return v.n % 2 == 0; /* BMPString */
    case 0x1c: return v.n % 4 == 0; /* UniversalString */
    case 0x12: case 0x14: return true; /* NumericString, TeletexString (VisibleString is in neither RFC 5280 nor OpenSSL) */
    default: return false; /* only the string types of RFC 5280's DirectoryString and friends */
    }
}

int vname_check(vspan name_tlv, bool *empty) {
    vder_reader r = vder_of(name_tlv), s;
    vspan body;
    if (vder_expect(&r, DER_SEQUENCE, &body, NULL) || !vder_done(&r)) return VOUCH_E_DER;
    *empty = body.n == 0;
    s = vder_of(body);
    while (!vder_done(&s)) {
        vspan rdn, atv, oid, val;
        if (vder_expect(&s, DER_SET, &rdn, NULL) || rdn.n == 0) return VOUCH_E_DER;
        vder_reader a = vder_of(rdn);
        while (!vder_done(&a)) {
            if (vder_expect(&a, DER_SEQUENCE, &atv, NULL)) return VOUCH_E_DER;
            vder_reader v = vder_of(atv);
            int t;
            if (vder_expect(&v, DER_OID, &oid, NULL) || oid.n == 0 || vder_next(&v, &t, &val, NULL) || !vder_done(&v) ||
                !string_valid(t, val))
                return VOUCH_E_DER;
        }
    }
    return 0;
}

/* Names that get matched against an operator's allowed lists: printable ASCII only, so
 * no NUL or control byte can make two programs read different names. */
static bool printable_ascii(vspan v) {
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] < 0x20 || v.p[i] > 0x7e) return false;
    return true;
}

static bool tlvs_well_formed(vspan content) {
    vder_reader r = vder_of(content);
    while (!vder_done(&r))
        if (vder_next(&r, NULL, NULL, NULL)) return false;
    return true;
}

bool vdns_name_valid(vspan v) {
    if (v.n == 0 || v.n > 253) return false;
    size_t label = 0;
    bool digits_only = true; /* of the last label: a top-level label is never all digits (RFC 3696), so no IPv4 literal */
    for (size_t i = 0; i <= v.n; i++) {
        if (i == v.n || v.p[i] == '.') {
            if (label == 0 || label > 63) return false; /* empty label: leading, trailing or double dot */
            if (v.p[i - 1] == '-' || v.p[i - label] == '-') return false;
            if (i == v.n && digits_only) return false;
            label = 0;
            digits_only = true;
            continue;
        }
        uint8_t c = v.p[i];
        if (c < '0' || c > '9') digits_only = false;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  (c == '*' && i == 0 && v.n > 2 && v.p[1] == '.');
        if (!ok) return false;
        label++;
    }
    return true;
}

/* rfc822Name in a certificate: a mailbox, local@domain, one '@', a valid domain. */
static bool mailbox_valid(vspan v) {
    const uint8_t *at = memchr(v.p, '@', v.n);
    if (!at || at == v.p || memchr(at + 1, '@', (size_t)(v.p + v.n - at - 1))) return false;
    vspan domain = {at + 1, (size_t)(v.p + v.n - at - 1)};
    return vdns_name_valid(domain) && domain.p[0] != '*';
}

/* The names a certificate's subjectAltName gives for its subject must be valid names:
 * they are matched against operators' allowed lists and name constraints. */
static const char *san_names_problem(vspan seq) {
    vder_reader r = vder_of(seq);
    int t;
    vspan v;
    while (!vder_done(&r) && !vder_next(&r, &t, &v, NULL)) {
        if (t == DER_CTX_PRIM(2) && !vdns_name_valid(v)) return "a subjectAltName dNSName is not a valid host name";
        if (t == DER_CTX_PRIM(1) && !mailbox_valid(v)) return "a subjectAltName rfc822Name is not a valid mailbox";
    }
    return NULL;
}

static int general_names_check(vspan seq, bool constraint, const char **why);

/* GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree { base GeneralName,
 * minimum [0] DEFAULT 0, maximum [1] OPTIONAL }: checked for shape; OpenSSL's decoder
 * (truststore.c, verify.c) reads the rest. */
static bool subtrees_valid(vspan subtrees) {
    if (subtrees.n == 0) return false;
    vder_reader r = vder_of(subtrees);
    while (!vder_done(&r)) {
        vspan st;
        const char *why;
        if (vder_expect(&r, DER_SEQUENCE, &st, NULL) || st.n == 0) return false;
        vder_reader s = vder_of(st);
        vspan base;
        if (vder_next(&s, NULL, NULL, &base) || general_names_check(base, true, &why)) return false;
        if (!tlvs_well_formed((vspan){s.p, (size_t)(s.end - s.p)})) return false;
    }
    return true;
}

int vgeneral_names_check(vspan seq, const char **why) { return general_names_check(seq, false, why); }

/* In name constraints an iPAddress is an address and a mask (8 or 32 bytes). */
static int general_names_check(vspan seq, bool constraint, const char **why) {
    vder_reader r = vder_of(seq);
    while (!vder_done(&r)) {
        int t;
        vspan v;
        if (vder_next(&r, &t, &v, NULL)) FAIL("unreadable GeneralName");
        switch (t) {
        case DER_CTX(0): { /* otherName: type-id OID, [0] EXPLICIT value */
            vder_reader o = vder_of(v);
            vspan inner;
            if (vder_expect(&o, DER_OID, NULL, NULL) || vder_expect(&o, DER_CTX(0), &inner, NULL) || !vder_done(&o) ||
                !tlvs_well_formed(inner) || inner.n == 0)
                FAIL("bad otherName");
            break;
        }
        case DER_CTX_PRIM(1): case DER_CTX_PRIM(2): case DER_CTX_PRIM(6):
            if (v.n == 0 || !printable_ascii(v)) FAIL("rfc822Name, dNSName or URI empty or not printable ASCII");
            break;
        case DER_CTX(3): case DER_CTX(5): /* x400Address, ediPartyName: read, never matched */
            if (!tlvs_well_formed(v)) FAIL("bad x400Address or ediPartyName");
            break;
        case DER_CTX(4): { /* directoryName: [4] EXPLICIT Name */
            vder_reader o = vder_of(v);
            vspan name;
            bool empty;
            if (vder_expect(&o, DER_SEQUENCE, NULL, &name) || !vder_done(&o) || vname_check(name, &empty))
                FAIL("bad directoryName");
            break;
        }
        case DER_CTX_PRIM(7):
            if (constraint ? v.n != 8 && v.n != 32 : v.n != 4 && v.n != 16)
                FAIL(constraint ? "iPAddress constraint of neither 8 nor 32 bytes" : "iPAddress of neither 4 nor 16 bytes");
            break;
        case DER_CTX_PRIM(8):
            if (!vder_oid_valid(v)) FAIL("bad registeredID");
            break;
        default:
            FAIL("not a GeneralName");
        }
    }
    return 0;
}

static int read_bool(vder_reader *r, bool *out) {
    vspan b;
    if (vder_peek(r) != DER_BOOLEAN) { *out = false; return 0; }
    if (vder_expect(r, DER_BOOLEAN, &b, NULL) || b.n != 1 || (b.p[0] != 0 && b.p[0] != 0xff)) return VOUCH_E_DER;
    *out = b.p[0] == 0xff;
    return 0;
}

/* SkipCerts ::= INTEGER (0..MAX): a minimal, non-negative integer. */
static bool skip_certs(vspan n) { return n.n > 0 && vder_integer_minimal(n) && !(n.p[0] & 0x80); }

static int parse_extension(vcert *c, vspan oid, bool critical, vspan val, const char **why) {
    vder_reader r = vder_of(val);
    if (OID_IS(oid, OID_BC)) {
        vspan seq;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r)) FAIL("bad basicConstraints");
        vder_reader s = vder_of(seq);
        bool ca;
        if (read_bool(&s, &ca)) FAIL("bad basicConstraints cA flag");
        c->has_bc = true;
        c->bc_critical = critical;
        c->is_ca = ca;
        if (!vder_done(&s)) {
            vspan pl;
            if (vder_expect(&s, DER_INTEGER, &pl, NULL) || !vder_done(&s)) FAIL("bad basicConstraints pathLen");
            int64_t v = vder_small_uint(pl);
            if (v < 0 || v > 1000000) FAIL("bad basicConstraints pathLen");
            c->pathlen = (int)v;
        }
        return 0;
    }
    if (OID_IS(oid, OID_KU)) {
        vspan bits;
        if (vder_expect(&r, DER_BIT_STRING, &bits, NULL) || !vder_done(&r) || bits.n < 2 || bits.n > 3 || bits.p[0] > 7)
            FAIL("bad keyUsage");
        if (bits.p[bits.n - 1] & ((1u << bits.p[0]) - 1)) FAIL("keyUsage has bits set in its unused bits (not DER)");
        c->has_ku = true;
        c->ku_critical = critical;
        c->ku = bits.p[1] | (bits.n == 3 ? (unsigned)bits.p[2] << 8 : 0);
        if (c->ku == 0) FAIL("keyUsage with no bit set");
        return 0;
    }
    if (OID_IS(oid, OID_EKU)) {
        vspan seq, p;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r) || seq.n == 0) FAIL("bad extKeyUsage");
        vder_reader s = vder_of(seq);
        c->has_eku = true;
        while (!vder_done(&s)) {
            if (vder_expect(&s, DER_OID, &p, NULL) || p.n == 0) FAIL("bad extKeyUsage purpose");
            if (OID_IS(p, OID_CLIENT_AUTH)) c->eku_client_auth = true;
            if (OID_IS(p, OID_SERVER_AUTH)) c->eku_server_auth = true;
            if (OID_IS(p, OID_ANY_EKU)) c->eku_any = true;
        }
        return 0;
    }
    if (OID_IS(oid, OID_SKI)) {
        if (vder_expect(&r, DER_OCTET_STRING, &c->ski, NULL) || !vder_done(&r)) FAIL("bad subjectKeyIdentifier");
        c->has_ski = true;
        c->ski_critical = critical;
        return 0;
    }
    if (OID_IS(oid, OID_AKI)) {
        vspan seq, part;
        int t;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r)) FAIL("bad authorityKeyIdentifier");
        vder_reader s = vder_of(seq);
        c->has_aki = true;
        c->aki_critical = critical;
        while (!vder_done(&s)) {
            if (vder_next(&s, &t, &part, NULL)) FAIL("bad authorityKeyIdentifier");
            if (t == DER_CTX_PRIM(0)) c->aki_keyid = part;
            else if (t == DER_CTX(1) && part.n && !vgeneral_names_check(part, why)) c->aki_issuer = part;
            else if (t == DER_CTX_PRIM(2)) c->aki_serial = part;
            else FAIL("bad authorityKeyIdentifier field");
        }
        return 0;
    }
    if (OID_IS(oid, OID_SAN)) {
        vspan seq, whole;
        if (vder_expect(&r, DER_SEQUENCE, &seq, &whole) || !vder_done(&r)) FAIL("bad subjectAltName");
        int rc = vgeneral_names_check(seq, why);
        if (rc) return rc;
        c->san_problem = san_names_problem(seq);
        c->has_san = true;
        c->san_critical = critical;
        c->san_empty = seq.n == 0;
        c->san = whole;
        return 0;
    }
    if (OID_IS(oid, OID_NC)) {
        vspan seq, whole;
        if (vder_expect(&r, DER_SEQUENCE, &seq, &whole) || !vder_done(&r)) FAIL("bad nameConstraints");
        /* RFC 5280 4.2.1.10: permittedSubtrees [0] and/or excludedSubtrees [1], at least one */
        vder_reader s = vder_of(seq);
        vspan sub;
        bool any = false;
        if (vder_peek(&s) == DER_CTX(0)) {
            if (vder_expect(&s, DER_CTX(0), &sub, NULL) || !subtrees_valid(sub)) FAIL("bad nameConstraints permittedSubtrees");
            any = true;
        }
        if (vder_peek(&s) == DER_CTX(1)) {
            if (vder_expect(&s, DER_CTX(1), &sub, NULL) || !subtrees_valid(sub)) FAIL("bad nameConstraints excludedSubtrees");
            any = true;
        }
        if (!vder_done(&s) || !any) FAIL("nameConstraints must hold permittedSubtrees or excludedSubtrees");
        c->has_nc = true;
        c->nc_critical = critical;
        c->nc = whole;
        return 0;
    }
    /* The policy extensions are understood as OpenSSL's default does (recognised, policy
     * processing off), and read strictly all the same: what is not well formed is refused. */
    if (OID_IS(oid, OID_PC)) {
        /* PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL,
         *   inhibitPolicyMapping [1] SkipCerts OPTIONAL }, not empty (RFC 5280 4.2.1.11) */
        vspan seq, n;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r) || seq.n == 0) FAIL("bad policyConstraints");
        vder_reader s = vder_of(seq);
        if (vder_peek(&s) == DER_CTX_PRIM(0) && (vder_expect(&s, DER_CTX_PRIM(0), &n, NULL) || !skip_certs(n)))
            FAIL("bad policyConstraints requireExplicitPolicy");
        if (vder_peek(&s) == DER_CTX_PRIM(1) && (vder_expect(&s, DER_CTX_PRIM(1), &n, NULL) || !skip_certs(n)))
            FAIL("bad policyConstraints inhibitPolicyMapping");
        if (!vder_done(&s)) FAIL("bad policyConstraints");
        c->has_pc = true;
        c->pc_critical = critical;
        return 0;
    }
    if (OID_IS(oid, OID_CP)) {
        /* certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation { policyIdentifier
         *   OID, policyQualifiers SEQUENCE SIZE (1..MAX) OF { OID, ANY } OPTIONAL }; an OID once */
        vspan seq, info, ids[64];
        size_t nids = 0;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r) || seq.n == 0) FAIL("bad certificatePolicies");
        vder_reader s = vder_of(seq);
        while (!vder_done(&s)) {
            vspan id, quals, q;
            if (vder_expect(&s, DER_SEQUENCE, &info, NULL)) FAIL("bad certificatePolicies PolicyInformation");
            vder_reader pi = vder_of(info);
            if (vder_expect(&pi, DER_OID, &id, NULL) || !vder_oid_valid(id)) FAIL("bad certificatePolicies policyIdentifier");
            for (size_t k = 0; k < nids; k++)
                if (vspan_eq(ids[k], id)) FAIL("a policy appears twice in certificatePolicies");
            if (nids == 64) FAIL("more than 64 certificate policies");
            ids[nids++] = id;
            if (!vder_done(&pi)) {
                if (vder_expect(&pi, DER_SEQUENCE, &quals, NULL) || !vder_done(&pi) || quals.n == 0)
                    FAIL("bad certificatePolicies policyQualifiers");
                vder_reader qs = vder_of(quals);
                while (!vder_done(&qs)) {
                    vspan qid;
                    if (vder_expect(&qs, DER_SEQUENCE, &q, NULL)) FAIL("bad certificatePolicies PolicyQualifierInfo");
                    vder_reader qi = vder_of(q);
                    if (vder_expect(&qi, DER_OID, &qid, NULL) || !vder_oid_valid(qid) || vder_next(&qi, NULL, NULL, NULL) ||
                        !vder_done(&qi))
                        FAIL("bad certificatePolicies PolicyQualifierInfo");
                }
            }
        }
        return 0;
    }
    if (OID_IS(oid, OID_PM)) {
        /* PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { issuerDomainPolicy OID,
         *   subjectDomainPolicy OID } */
        vspan seq, m, a, b;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r) || seq.n == 0) FAIL("bad policyMappings");
        vder_reader s = vder_of(seq);
        while (!vder_done(&s)) {
            if (vder_expect(&s, DER_SEQUENCE, &m, NULL)) FAIL("bad policyMappings");
            vder_reader pm = vder_of(m);
            if (vder_expect(&pm, DER_OID, &a, NULL) || vder_expect(&pm, DER_OID, &b, NULL) || !vder_done(&pm) ||
                !vder_oid_valid(a) || !vder_oid_valid(b))
                FAIL("bad policyMappings");
        }
        return 0;
    }
    if (OID_IS(oid, OID_IAP)) {
        /* InhibitAnyPolicy ::= SkipCerts ::= INTEGER (0..MAX) */
        vspan n;
        if (vder_expect(&r, DER_INTEGER, &n, NULL) || !vder_done(&r) || !skip_certs(n)) FAIL("bad inhibitAnyPolicy");
        return 0;
    }
    if (OID_IS(oid, OID_CRLDP)) {
        /* read, never used (revocation comes from pushed CRLs), but read strictly as OpenSSL
         * does: CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint */
        vspan seq, dp;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r) || seq.n == 0) FAIL("bad cRLDistributionPoints");
        vder_reader s = vder_of(seq);
        while (!vder_done(&s)) {
            if (vder_expect(&s, DER_SEQUENCE, &dp, NULL)) FAIL("bad cRLDistributionPoints");
            vder_reader d = vder_of(dp);
            vspan part;
            if (vder_peek(&d) == DER_CTX(0)) { /* distributionPoint: fullName [0] or nameRelativeToCRLIssuer [1] */
                vspan name;
                int t;
                if (vder_expect(&d, DER_CTX(0), &part, NULL)) FAIL("bad distributionPoint");
                vder_reader n = vder_of(part);
                if (vder_next(&n, &t, &name, NULL) || !vder_done(&n)) FAIL("bad distributionPoint");
                if (t == DER_CTX(0) ? name.n == 0 || vgeneral_names_check(name, why) : t != DER_CTX(1) || name.n == 0)
                    FAIL("bad distributionPoint name");
            }
            if (vder_peek(&d) == DER_CTX_PRIM(1) && (vder_expect(&d, DER_CTX_PRIM(1), &part, NULL) || part.n == 0 || part.p[0] > 7))
                FAIL("bad distributionPoint reasons");
            if (vder_peek(&d) == DER_CTX(2) &&
                (vder_expect(&d, DER_CTX(2), &part, NULL) || part.n == 0 || vgeneral_names_check(part, why)))
                FAIL("bad distributionPoint cRLIssuer");
            if (!vder_done(&d)) FAIL("bad distributionPoint");
        }
        return 0; /* RFC 5280 4.2.1.13: SHOULD be non-critical; critical, it is understood all the same */
    }
    if (OID_IS(oid, OID_AIA)) {
        /* AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF { accessMethod OID, accessLocation GeneralName } */
        vspan seq, ad;
        if (vder_expect(&r, DER_SEQUENCE, &seq, NULL) || !vder_done(&r) || seq.n == 0) FAIL("bad authorityInfoAccess");
        vder_reader s = vder_of(seq);
        while (!vder_done(&s)) {
            vspan loc;
            if (vder_expect(&s, DER_SEQUENCE, &ad, NULL)) FAIL("bad authorityInfoAccess");
            vder_reader a = vder_of(ad);
            if (vder_expect(&a, DER_OID, NULL, NULL) || vder_next(&a, NULL, NULL, &loc) || !vder_done(&a) ||
                vgeneral_names_check(loc, why))
                FAIL("bad authorityInfoAccess accessDescription");
        }
        /* RFC 5280 4.2.2.1: MUST be non-critical; understood all the same (Go accepts it),
         * and the verifier's profile rules warn about it */
        c->aia_critical = critical;
        return 0;
    }
    if (critical && !c->unknown_critical) {
        c->unknown_critical = true;
        /* dotted form of the OID for the refusal message */
        char *o = c->unknown_critical_oid;
        size_t cap = sizeof c->unknown_critical_oid, used = 0;
        uint64_t v = 0;
        for (size_t i = 0; i < oid.n && used + 24 < cap; i++) {
            v = (v << 7) | (oid.p[i] & 0x7f);
            if (oid.p[i] & 0x80) continue;
            if (used == 0) {
                unsigned first = v < 40 ? 0 : v < 80 ? 1 : 2;
                used += (size_t)snprintf(o + used, cap - used, "%u.%llu", first, (unsigned long long)(v - 40 * first));
            } else {
                used += (size_t)snprintf(o + used, cap - used, ".%llu", (unsigned long long)v);
            }
            v = 0;
        }
    }
    return 0;
}

bool vcert_akid_matches(const vcert *child, const vcert *parent) {
    if (!child->has_aki) return true;
    if (child->aki_keyid.p && parent->has_ski && !vspan_eq(child->aki_keyid, parent->ski)) return false;
    if (child->aki_serial.p && !vspan_eq(child->aki_serial, parent->serial)) return false;
    if (child->aki_issuer.p) {
        /* one of the GeneralNames must be a directoryName [4] equal to the parent's issuer */
        vder_reader r = vder_of(child->aki_issuer);
        bool found = false;
        while (!vder_done(&r)) {
            int t;
            vspan gn;
            if (vder_next(&r, &t, &gn, NULL)) return false;
            if (t == DER_CTX(4) && vspan_eq(gn, parent->issuer)) found = true;
        }
        if (!found) return false;
    }
    return true;
}

static bool seen_before(vspan *seen, size_t n, vspan oid) {
    for (size_t i = 0; i < n; i++)
        if (vspan_eq(seen[i], oid)) return true;
    return false;
}

/* A UniqueIdentifier ([n] IMPLICIT BIT STRING): primitive, with a valid unused-bits count
 * whose bits are zero. */
static bool unique_id(vder_reader *r, int tag) {
    vspan v;
    if (vder_expect(r, tag, &v, NULL) || v.n == 0 || v.p[0] > 7 || (v.n == 1 && v.p[0] != 0)) return false;
    return v.n == 1 || (v.p[v.n - 1] & ((1u << v.p[0]) - 1)) == 0;
}

int vcert_parse(const uint8_t *der, size_t len, vcert *c, const char **why) {
    static const char *unused;
    if (!why) why = &unused;
    memset(c, 0, sizeof *c);
    c->pathlen = -1;
    vspan all = {der, len}, body, sigbits, tbsbody;
    vder_reader r = vder_of(all), s, t;
    int tag;
    if (vder_expect(&r, DER_SEQUENCE, &body, &c->whole) || !vder_done(&r)) FAIL("not a DER certificate");
    s = vder_of(body);
    if (vder_expect(&s, DER_SEQUENCE, &tbsbody, &c->tbs)) FAIL("missing tbsCertificate");
    vspan alg_content;
    if (vder_expect(&s, DER_SEQUENCE, &alg_content, &c->outer_alg)) FAIL("missing signatureAlgorithm");
    if (vder_expect(&s, DER_BIT_STRING, &sigbits, NULL) || !vder_done(&s)) FAIL("missing signatureValue");
    if (sigbits.n < 1 || sigbits.p[0] != 0) FAIL("signatureValue has unused bits");
    c->sig_value.p = sigbits.p + 1;
    c->sig_value.n = sigbits.n - 1;
    c->sig_alg = vsig_from_algid(alg_content);

    t = vder_of(tbsbody);
    c->version = 1;
    if (vder_peek(&t) == DER_CTX(0)) {
        vspan vw, vi;
        if (vder_expect(&t, DER_CTX(0), &vw, NULL)) FAIL("bad version");
        vder_reader v = vder_of(vw);
        if (vder_expect(&v, DER_INTEGER, &vi, NULL) || !vder_done(&v)) FAIL("bad version");
        int64_t ver = vder_small_uint(vi);
        if (ver != 1 && ver != 2) FAIL("version must be v2 or v3 when encoded (v1 is the DER default)");
        c->version = (int)ver + 1;
    }
    if (vder_expect(&t, DER_INTEGER, &c->serial, NULL) || !vder_integer_minimal(c->serial)) FAIL("bad serialNumber");
    vspan inner_content;
    if (vder_expect(&t, DER_SEQUENCE, &inner_content, &c->inner_alg)) FAIL("bad signature algorithm in tbsCertificate");
    if (vder_expect(&t, DER_SEQUENCE, NULL, &c->issuer) || vname_check(c->issuer, &c->issuer_empty)) FAIL("bad issuer name");
    vspan validity, tv;
    if (vder_expect(&t, DER_SEQUENCE, &validity, NULL)) FAIL("bad validity");
    vder_reader vr = vder_of(validity);
    if (vder_next(&vr, &tag, &tv, NULL) || vder_time(tag, tv, &c->not_before)) FAIL("bad notBefore time");
    if (vder_next(&vr, &tag, &tv, NULL) || vder_time(tag, tv, &c->not_after) || !vder_done(&vr)) FAIL("bad notAfter time");
    if (vder_expect(&t, DER_SEQUENCE, NULL, &c->subject) || vname_check(c->subject, &c->subject_empty)) FAIL("bad subject name");
    if (vder_expect(&t, DER_SEQUENCE, NULL, &c->spki)) FAIL("bad subjectPublicKeyInfo");
    int krc = vspki_inspect(c->spki, &c->key_type, &c->key_bits);
    if (krc == VOUCH_E_DER) FAIL("bad subjectPublicKeyInfo");
    /* unsupported or weak keys are readable certificates: refused by policy later */
    /* issuerUniqueID [1] and subjectUniqueID [2]: IMPLICIT BIT STRING, so primitive in DER
     * (a constructed [1] or [2] is BER that OpenSSL and Go refuse) */
    if (vder_peek(&t) == DER_CTX_PRIM(1) || vder_peek(&t) == DER_CTX(1)) {
        if (c->version < 2 || !unique_id(&t, DER_CTX_PRIM(1))) FAIL("bad issuerUniqueID");
    }
    if (vder_peek(&t) == DER_CTX_PRIM(2) || vder_peek(&t) == DER_CTX(2)) {
        if (c->version < 2 || !unique_id(&t, DER_CTX_PRIM(2))) FAIL("bad subjectUniqueID");
    }
    if (vder_peek(&t) == DER_CTX(3)) {
        vspan ew, exts;
        if (c->version != 3) FAIL("extensions require a v3 certificate");
        if (vder_expect(&t, DER_CTX(3), &ew, NULL)) FAIL("bad extensions");
        vder_reader e = vder_of(ew);
        if (vder_expect(&e, DER_SEQUENCE, &exts, NULL) || !vder_done(&e) || exts.n == 0) FAIL("bad extensions");
        c->has_extensions = true;
        vder_reader x = vder_of(exts);
        vspan seen[64];
        size_t nseen = 0;
        while (!vder_done(&x)) {
            vspan ext, oid, val;
            bool critical;
            if (vder_expect(&x, DER_SEQUENCE, &ext, NULL)) FAIL("bad extension");
            vder_reader f = vder_of(ext);
            if (vder_expect(&f, DER_OID, &oid, NULL) || oid.n == 0) FAIL("bad extension id");
            if (read_bool(&f, &critical)) FAIL("bad extension critical flag");
            if (vder_expect(&f, DER_OCTET_STRING, &val, NULL) || !vder_done(&f)) FAIL("bad extension value");
            if (nseen == 64) FAIL("more than 64 extensions");
            if (seen_before(seen, nseen, oid)) FAIL("duplicate extension");
            seen[nseen++] = oid;
            int rc = parse_extension(c, oid, critical, val, why);
            if (rc) return rc;
        }
    }
    if (!vder_done(&t)) FAIL("trailing data in tbsCertificate");
    return 0;
}

static const struct { uint8_t oid[10]; uint8_t n; const char *name; } NAMES[] = {
    {{0x55, 0x04, 0x03}, 3, "CN"}, {{0x55, 0x04, 0x06}, 3, "C"}, {{0x55, 0x04, 0x07}, 3, "L"},
    {{0x55, 0x04, 0x08}, 3, "ST"}, {{0x55, 0x04, 0x0a}, 3, "O"}, {{0x55, 0x04, 0x0b}, 3, "OU"},
    {{0x55, 0x04, 0x05}, 3, "serialNumber"},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9, "emailAddress"},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10, "DC"},
};

void vname_format(vspan name, char *buf, size_t cap) {
    if (!cap) return;
    buf[0] = 0;
    size_t used = 0;
    vspan body;
    vder_reader r = vder_of(name);
    if (vder_expect(&r, DER_SEQUENCE, &body, NULL)) { snprintf(buf, cap, "(unreadable name)"); return; }
    /* RDNs are printed most specific first (RFC 4514 order): collect, then walk back */
    vspan rdns[32];
    size_t n = 0;
    vder_reader s = vder_of(body);
    while (!vder_done(&s) && n < 32) {
        if (vder_expect(&s, DER_SET, &rdns[n], NULL)) break;
        n++;
    }
    for (size_t k = n; k-- > 0;) {
        vder_reader a = vder_of(rdns[k]);
        vspan atv;
        while (!vder_done(&a) && !vder_expect(&a, DER_SEQUENCE, &atv, NULL)) {
            vder_reader v = vder_of(atv);
            vspan oid, val;
            int t;
            if (vder_expect(&v, DER_OID, &oid, NULL) || vder_next(&v, &t, &val, NULL)) break;
            const char *label = NULL;
            for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
                if (vder_oid_is(oid, NAMES[i].oid, NAMES[i].n)) label = NAMES[i].name;
            if (used && used + 1 < cap) buf[used++] = ',';
            used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "%s=", label ? label : "OID");
            for (size_t i = 0; i < val.n && used + 5 < cap; i++) {
                uint8_t ch = val.p[i];
                if (ch >= 0x20 && ch < 0x7f && ch != ',' && ch != '\\') buf[used++] = (char)ch;
                else used += (size_t)snprintf(buf + used, cap - used, "\\%02X", ch);
            }
            if (used >= cap) { buf[cap - 1] = 0; return; }
            buf[used] = 0;
        }
    }
    if (n == 0) snprintf(buf, cap, "(empty name)");
}
