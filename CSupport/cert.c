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
    der_reader r = der_of(name_tlv), s;
    vspan body;
    if (der_expect(&r, DER_SEQUENCE, &body, NULL) || !der_done(&r)) return VOUCH_E_DER;
    *empty = body.n == 0;
    s = der_of(body);
    while (!der_done(&s)) {
        vspan rdn, atv, oid, val;
        if (der_expect(&s, DER_SET, &rdn, NULL) || rdn.n == 0) return VOUCH_E_DER;
        der_reader a = der_of(rdn);
        while (!der_done(&a)) {
            if (der_expect(&a, DER_SEQUENCE, &atv, NULL)) return VOUCH_E_DER;
            der_reader v = der_of(atv);
            int t;
            if (der_expect(&v, DER_OID, &oid, NULL) || oid.n == 0 || der_next(&v, &t, &val, NULL) || !der_done(&v) ||
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
    der_reader r = der_of(content);
    while (!der_done(&r))
        if (der_next(&r, NULL, NULL, NULL)) return false;
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
    der_reader r = der_of(seq);
    int t;
    vspan v;
    while (!der_done(&r) && !der_next(&r, &t, &v, NULL)) {
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
    der_reader r = der_of(subtrees);
    while (!der_done(&r)) {
        vspan st;
        const char *why;
        if (der_expect(&r, DER_SEQUENCE, &st, NULL) || st.n == 0) return false;
        der_reader s = der_of(st);
        vspan base;
        if (der_next(&s, NULL, NULL, &base) || general_names_check(base, true, &why)) return false;
        if (!tlvs_well_formed((vspan){s.p, (size_t)(s.end - s.p)})) return false;
    }
    return true;
}

int vgeneral_names_check(vspan seq, const char **why) { return general_names_check(seq, false, why); }

/* In name constraints an iPAddress is an address and a mask (8 or 32 bytes). */
static int general_names_check(vspan seq, bool constraint, const char **why) {
    der_reader r = der_of(seq);
    while (!der_done(&r)) {
        int t;
        vspan v;
        if (der_next(&r, &t, &v, NULL)) FAIL("unreadable GeneralName");
        switch (t) {
        case DER_CTX(0): { /* otherName: type-id OID, [0] EXPLICIT value */
            der_reader o = der_of(v);
            vspan inner;
            if (der_expect(&o, DER_OID, NULL, NULL) || der_expect(&o, DER_CTX(0), &inner, NULL) || !der_done(&o) ||
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
            der_reader o = der_of(v);
            vspan name;
            bool empty;
            if (der_expect(&o, DER_SEQUENCE, NULL, &name) || !der_done(&o) || vname_check(name, &empty))
                FAIL("bad directoryName");
            break;
        }
        case DER_CTX_PRIM(7):
            if (constraint ? v.n != 8 && v.n != 32 : v.n != 4 && v.n != 16)
                FAIL(constraint ? "iPAddress constraint of neither 8 nor 32 bytes" : "iPAddress of neither 4 nor 16 bytes");
            break;
        case DER_CTX_PRIM(8):
            if (!der_oid_valid(v)) FAIL("bad registeredID");
            break;
        default:
            FAIL("not a GeneralName");
        }
    }
    return 0;
}

static int read_bool(der_reader *r, bool *out) {
    vspan b;
    if (der_peek(r) != DER_BOOLEAN) { *out = false; return 0; }
    if (der_expect(r, DER_BOOLEAN, &b, NULL) || b.n != 1 || (b.p[0] != 0 && b.p[0] != 0xff)) return VOUCH_E_DER;
    *out = b.p[0] == 0xff;
    return 0;
}

static int parse_extension(vcert *c, vspan oid, bool critical, vspan val, const char **why) {
    der_reader r = der_of(val);
    if (OID_IS(oid, OID_BC)) {
        vspan seq;
        if (der_expect(&r, DER_SEQUENCE, &seq, NULL) || !der_done(&r)) FAIL("bad basicConstraints");
        der_reader s = der_of(seq);
        bool ca;
        if (read_bool(&s, &ca)) FAIL("bad basicConstraints cA flag");
        c->has_bc = true;
        c->bc_critical = critical;
        c->is_ca = ca;
        if (!der_done(&s)) {
            vspan pl;
            if (der_expect(&s, DER_INTEGER, &pl, NULL) || !der_done(&s)) FAIL("bad basicConstraints pathLen");
            int64_t v = der_small_uint(pl);
            if (v < 0 || v > 1000000) FAIL("bad basicConstraints pathLen");
            c->pathlen = (int)v;
        }
        return 0;
    }
    if (OID_IS(oid, OID_KU)) {
        vspan bits;
        if (der_expect(&r, DER_BIT_STRING, &bits, NULL) || !der_done(&r) || bits.n < 2 || bits.n > 3 || bits.p[0] > 7)
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
        if (der_expect(&r, DER_SEQUENCE, &seq, NULL) || !der_done(&r) || seq.n == 0) FAIL("bad extKeyUsage");
        der_reader s = der_of(seq);
        c->has_eku = true;
        while (!der_done(&s)) {
            if (der_expect(&s, DER_OID, &p, NULL) || p.n == 0) FAIL("bad extKeyUsage purpose");
            if (OID_IS(p, OID_CLIENT_AUTH)) c->eku_client_auth = true;
            if (OID_IS(p, OID_SERVER_AUTH)) c->eku_server_auth = true;
            if (OID_IS(p, OID_ANY_EKU)) c->eku_any = true;
        }
        return 0;
    }
    if (OID_IS(oid, OID_SKI)) {
        if (der_expect(&r, DER_OCTET_STRING, &c->ski, NULL) || !der_done(&r)) FAIL("bad subjectKeyIdentifier");
        c->has_ski = true;
        c->ski_critical = critical;
        return 0;
    }
    if (OID_IS(oid, OID_AKI)) {
        vspan seq, part;
        int t;
        if (der_expect(&r, DER_SEQUENCE, &seq, NULL) || !der_done(&r)) FAIL("bad authorityKeyIdentifier");
        der_reader s = der_of(seq);
        c->has_aki = true;
        c->aki_critical = critical;
        while (!der_done(&s)) {
            if (der_next(&s, &t, &part, NULL)) FAIL("bad authorityKeyIdentifier");
            if (t == DER_CTX_PRIM(0)) c->aki_keyid = part;
            else if (t == DER_CTX(1) && part.n && !vgeneral_names_check(part, why)) c->aki_issuer = part;
            else if (t == DER_CTX_PRIM(2)) c->aki_serial = part;
            else FAIL("bad authorityKeyIdentifier field");
        }
        return 0;
    }
    if (OID_IS(oid, OID_SAN)) {
        vspan seq, whole;
        if (der_expect(&r, DER_SEQUENCE, &seq, &whole) || !der_done(&r)) FAIL("bad subjectAltName");
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
        if (der_expect(&r, DER_SEQUENCE, &seq, &whole) || !der_done(&r)) FAIL("bad nameConstraints");
        /* RFC 5280 4.2.1.10: permittedSubtrees [0] and/or excludedSubtrees [1], at least one */
        der_reader s = der_of(seq);
        vspan sub;
        bool any = false;
        if (der_peek(&s) == DER_CTX(0)) {
            if (der_expect(&s, DER_CTX(0), &sub, NULL) || !subtrees_valid(sub)) FAIL("bad nameConstraints permittedSubtrees");
            any = true;
        }
        if (der_peek(&s) == DER_CTX(1)) {
            if (der_expect(&s, DER_CTX(1), &sub, NULL) || !subtrees_valid(sub)) FAIL("bad nameConstraints excludedSubtrees");
            any = true;
        }
        if (!der_done(&s) || !any) FAIL("nameConstraints must hold permittedSubtrees or excludedSubtrees");
        c->has_nc = true;
        c->nc_critical = critical;
        c->nc = whole;
        return 0;
    }
    if (OID_IS(oid, OID_PC)) {
        c->has_pc = true;
        c->pc_critical = critical;
        return 0;
    }
    if (OID_IS(oid, OID_CP) || OID_IS(oid, OID_PM) || OID_IS(oid, OID_IAP))
        return 0; /* understood as OpenSSL does: recognised, policy processing off */
    if (OID_IS(oid, OID_CRLDP)) {
        /* read, never used (revocation comes from pushed CRLs), but read strictly as OpenSSL
         * does: CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint */
        vspan seq, dp;
        if (der_expect(&r, DER_SEQUENCE, &seq, NULL) || !der_done(&r) || seq.n == 0) FAIL("bad cRLDistributionPoints");
        der_reader s = der_of(seq);
        while (!der_done(&s)) {
            if (der_expect(&s, DER_SEQUENCE, &dp, NULL)) FAIL("bad cRLDistributionPoints");
            der_reader d = der_of(dp);
            vspan part;
            if (der_peek(&d) == DER_CTX(0)) { /* distributionPoint: fullName [0] or nameRelativeToCRLIssuer [1] */
                vspan name;
                int t;
                if (der_expect(&d, DER_CTX(0), &part, NULL)) FAIL("bad distributionPoint");
                der_reader n = der_of(part);
                if (der_next(&n, &t, &name, NULL) || !der_done(&n)) FAIL("bad distributionPoint");
                if (t == DER_CTX(0) ? name.n == 0 || vgeneral_names_check(name, why) : t != DER_CTX(1) || name.n == 0)
                    FAIL("bad distributionPoint name");
            }
            if (der_peek(&d) == DER_CTX_PRIM(1) && (der_expect(&d, DER_CTX_PRIM(1), &part, NULL) || part.n == 0 || part.p[0] > 7))
                FAIL("bad distributionPoint reasons");
            if (der_peek(&d) == DER_CTX(2) &&
                (der_expect(&d, DER_CTX(2), &part, NULL) || part.n == 0 || vgeneral_names_check(part, why)))
                FAIL("bad distributionPoint cRLIssuer");
            if (!der_done(&d)) FAIL("bad distributionPoint");
        }
        return 0; /* RFC 5280 4.2.1.13: SHOULD be non-critical; critical, it is understood all the same */
    }
    if (OID_IS(oid, OID_AIA)) {
        /* AuthorityInfoAccessSyntax ::= SEQUENCE SIZE (1..MAX) OF { accessMethod OID, accessLocation GeneralName } */
        vspan seq, ad;
        if (der_expect(&r, DER_SEQUENCE, &seq, NULL) || !der_done(&r) || seq.n == 0) FAIL("bad authorityInfoAccess");
        der_reader s = der_of(seq);
        while (!der_done(&s)) {
            vspan loc;
            if (der_expect(&s, DER_SEQUENCE, &ad, NULL)) FAIL("bad authorityInfoAccess");
            der_reader a = der_of(ad);
            if (der_expect(&a, DER_OID, NULL, NULL) || der_next(&a, NULL, NULL, &loc) || !der_done(&a) ||
                vgeneral_names_check(loc, why))
                FAIL("bad authorityInfoAccess accessDescription");
        }
        if (!critical) return 0;
        /* RFC 5280 4.2.2.1: MUST be non-critical; marked critical it is refused as unknown */
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
    if (child->aki_keyid.p && parent->has_ski && !span_eq(child->aki_keyid, parent->ski)) return false;
    if (child->aki_serial.p && !span_eq(child->aki_serial, parent->serial)) return false;
    if (child->aki_issuer.p) {
        /* one of the GeneralNames must be a directoryName [4] equal to the parent's issuer */
        der_reader r = der_of(child->aki_issuer);
        bool found = false;
        while (!der_done(&r)) {
            int t;
            vspan gn;
            if (der_next(&r, &t, &gn, NULL)) return false;
            if (t == DER_CTX(4) && span_eq(gn, parent->issuer)) found = true;
        }
        if (!found) return false;
    }
    return true;
}

static bool seen_before(vspan *seen, size_t n, vspan oid) {
    for (size_t i = 0; i < n; i++)
        if (span_eq(seen[i], oid)) return true;
    return false;
}

int vcert_parse(const uint8_t *der, size_t len, vcert *c, const char **why) {
    static const char *unused;
    if (!why) why = &unused;
    memset(c, 0, sizeof *c);
    c->pathlen = -1;
    vspan all = {der, len}, body, sigbits, tbsbody;
    der_reader r = der_of(all), s, t;
    int tag;
    if (der_expect(&r, DER_SEQUENCE, &body, &c->whole) || !der_done(&r)) FAIL("not a DER certificate");
    s = der_of(body);
    if (der_expect(&s, DER_SEQUENCE, &tbsbody, &c->tbs)) FAIL("missing tbsCertificate");
    vspan alg_content;
    if (der_expect(&s, DER_SEQUENCE, &alg_content, &c->outer_alg)) FAIL("missing signatureAlgorithm");
    if (der_expect(&s, DER_BIT_STRING, &sigbits, NULL) || !der_done(&s)) FAIL("missing signatureValue");
    if (sigbits.n < 1 || sigbits.p[0] != 0) FAIL("signatureValue has unused bits");
    c->sig_value.p = sigbits.p + 1;
    c->sig_value.n = sigbits.n - 1;
    c->sig_alg = vsig_from_algid(alg_content);

    t = der_of(tbsbody);
    c->version = 1;
    if (der_peek(&t) == DER_CTX(0)) {
        vspan vw, vi;
        if (der_expect(&t, DER_CTX(0), &vw, NULL)) FAIL("bad version");
        der_reader v = der_of(vw);
        if (der_expect(&v, DER_INTEGER, &vi, NULL) || !der_done(&v)) FAIL("bad version");
        int64_t ver = der_small_uint(vi);
        if (ver != 1 && ver != 2) FAIL("version must be v2 or v3 when encoded (v1 is the DER default)");
        c->version = (int)ver + 1;
    }
    if (der_expect(&t, DER_INTEGER, &c->serial, NULL) || !der_integer_minimal(c->serial)) FAIL("bad serialNumber");
    vspan inner_content;
    if (der_expect(&t, DER_SEQUENCE, &inner_content, &c->inner_alg)) FAIL("bad signature algorithm in tbsCertificate");
    if (der_expect(&t, DER_SEQUENCE, NULL, &c->issuer) || vname_check(c->issuer, &c->issuer_empty)) FAIL("bad issuer name");
    vspan validity, tv;
    if (der_expect(&t, DER_SEQUENCE, &validity, NULL)) FAIL("bad validity");
    der_reader vr = der_of(validity);
    if (der_next(&vr, &tag, &tv, NULL) || der_time(tag, tv, &c->not_before)) FAIL("bad notBefore time");
    if (der_next(&vr, &tag, &tv, NULL) || der_time(tag, tv, &c->not_after) || !der_done(&vr)) FAIL("bad notAfter time");
    if (der_expect(&t, DER_SEQUENCE, NULL, &c->subject) || vname_check(c->subject, &c->subject_empty)) FAIL("bad subject name");
    if (der_expect(&t, DER_SEQUENCE, NULL, &c->spki)) FAIL("bad subjectPublicKeyInfo");
    int krc = vspki_inspect(c->spki, &c->key_type, &c->key_bits);
    if (krc == VOUCH_E_DER) FAIL("bad subjectPublicKeyInfo");
    /* unsupported or weak keys are readable certificates: refused by policy later */
    if (der_peek(&t) == DER_CTX_PRIM(1) || der_peek(&t) == DER_CTX(1)) {
        if (c->version < 2 || der_next(&t, NULL, NULL, NULL)) FAIL("bad issuerUniqueID");
    }
    if (der_peek(&t) == DER_CTX_PRIM(2) || der_peek(&t) == DER_CTX(2)) {
        if (c->version < 2 || der_next(&t, NULL, NULL, NULL)) FAIL("bad subjectUniqueID");
    }
    if (der_peek(&t) == DER_CTX(3)) {
        vspan ew, exts;
        if (c->version != 3) FAIL("extensions require a v3 certificate");
        if (der_expect(&t, DER_CTX(3), &ew, NULL)) FAIL("bad extensions");
        der_reader e = der_of(ew);
        if (der_expect(&e, DER_SEQUENCE, &exts, NULL) || !der_done(&e) || exts.n == 0) FAIL("bad extensions");
        c->has_extensions = true;
        der_reader x = der_of(exts);
        vspan seen[64];
        size_t nseen = 0;
        while (!der_done(&x)) {
            vspan ext, oid, val;
            bool critical;
            if (der_expect(&x, DER_SEQUENCE, &ext, NULL)) FAIL("bad extension");
            der_reader f = der_of(ext);
            if (der_expect(&f, DER_OID, &oid, NULL) || oid.n == 0) FAIL("bad extension id");
            if (read_bool(&f, &critical)) FAIL("bad extension critical flag");
            if (der_expect(&f, DER_OCTET_STRING, &val, NULL) || !der_done(&f)) FAIL("bad extension value");
            if (nseen == 64) FAIL("more than 64 extensions");
            if (seen_before(seen, nseen, oid)) FAIL("duplicate extension");
            seen[nseen++] = oid;
            int rc = parse_extension(c, oid, critical, val, why);
            if (rc) return rc;
        }
    }
    if (!der_done(&t)) FAIL("trailing data in tbsCertificate");
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
    der_reader r = der_of(name);
    if (der_expect(&r, DER_SEQUENCE, &body, NULL)) { snprintf(buf, cap, "(unreadable name)"); return; }
    /* RDNs are printed most specific first (RFC 4514 order): collect, then walk back */
    vspan rdns[32];
    size_t n = 0;
    der_reader s = der_of(body);
    while (!der_done(&s) && n < 32) {
        if (der_expect(&s, DER_SET, &rdns[n], NULL)) break;
        n++;
    }
    for (size_t k = n; k-- > 0;) {
        der_reader a = der_of(rdns[k]);
        vspan atv;
        while (!der_done(&a) && !der_expect(&a, DER_SEQUENCE, &atv, NULL)) {
            der_reader v = der_of(atv);
            vspan oid, val;
            int t;
            if (der_expect(&v, DER_OID, &oid, NULL) || der_next(&v, &t, &val, NULL)) break;
            const char *label = NULL;
            for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
                if (oid_is(oid, NAMES[i].oid, NAMES[i].n)) label = NAMES[i].name;
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
