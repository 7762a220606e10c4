/* names.c: the subject's names of a certificate, as views into its DER. */
#include "internal.h"
#include "vouch_names.h"

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03}, OID_OU[] = {0x55, 0x04, 0x0b}, OID_O[] = {0x55, 0x04, 0x0a};
static const uint8_t OID_EMAIL[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01};

typedef struct {
    vouch_name *out;
    size_t cap, n;
} sink;

static void put(sink *s, int kind, int tag, vspan v) {
    if (s->n < s->cap) s->out[s->n] = (vouch_name){kind, tag, v.p, v.n};
    s->n++;
}

int vouch_cert_names(const uint8_t *der, size_t len, vouch_name *out, size_t cap, size_t *count) {
    vcert c;
    if (!der || !count || (!out && cap)) return VOUCH_E_ARG;
    if (vcert_parse(der, len, &c, NULL)) return VOUCH_E_DER;
    sink s = {out, cap, 0};
    /* subject: vcert_parse checked its structure (vname_check) */
    vspan body;
    vder_reader r = vder_of(c.subject), rdns;
    vder_expect(&r, DER_SEQUENCE, &body, NULL);
    rdns = vder_of(body);
    while (!vder_done(&rdns)) {
        vspan rdn, atv, oid, val;
        int tag;
        if (vder_expect(&rdns, DER_SET, &rdn, NULL)) break;
        vder_reader a = vder_of(rdn);
        while (!vder_done(&a) && !vder_expect(&a, DER_SEQUENCE, &atv, NULL)) {
            vder_reader v = vder_of(atv);
            if (vder_expect(&v, DER_OID, &oid, NULL) || vder_next(&v, &tag, &val, NULL)) break;
            if (OID_IS(oid, OID_CN)) put(&s, VOUCH_NAME_CN, tag, val);
            else if (OID_IS(oid, OID_OU)) put(&s, VOUCH_NAME_OU, tag, val);
            else if (OID_IS(oid, OID_O)) put(&s, VOUCH_NAME_O, tag, val);
            else if (OID_IS(oid, OID_EMAIL)) put(&s, VOUCH_NAME_EMAIL, tag, val);
        }
    }
    if (c.has_san) { /* checked entry by entry by vcert_parse */
        vspan seq;
        vder_reader sr = vder_of(c.san), g;
        vder_expect(&sr, DER_SEQUENCE, &seq, NULL);
        g = vder_of(seq);
        int tag;
        vspan v;
        while (!vder_done(&g) && !vder_next(&g, &tag, &v, NULL)) {
            if (tag == DER_CTX_PRIM(2)) put(&s, VOUCH_NAME_DNS, 0, v);
            else if (tag == DER_CTX_PRIM(1)) put(&s, VOUCH_NAME_EMAIL, 0, v);
            else if (tag == DER_CTX_PRIM(6)) put(&s, VOUCH_NAME_URI, 0, v);
            else if (tag == DER_CTX_PRIM(7)) put(&s, VOUCH_NAME_IP, 0, v);
        }
    }
    put(&s, VOUCH_NAME_SERIAL, 0, c.serial);
    if (c.has_ski) put(&s, VOUCH_NAME_SUBJECT_KEY_ID, 0, c.ski);
    if (c.aki_keyid.p) put(&s, VOUCH_NAME_AUTHORITY_KEY_ID, 0, c.aki_keyid);
    *count = s.n;
    return 0;
}
