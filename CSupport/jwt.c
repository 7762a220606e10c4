/* jwt.c: compact JWS verification against an immutable JWK Set, and the claims checks
 * of a login (exp, nbf, iat with leeway; iss; aud).
 *
 * Order of work, so that an attacker's bytes meet as little code as possible before the
 * signature has been checked: split and size limits, strict base64url, the header (a
 * small JSON object: alg, kid, crit), the key, the signature over the signing input;
 * only then is the payload parsed as JSON claims. */
#include "internal.h"
#include "vouch_jwt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- algorithms ---- */

static const struct {
    const char *name;
    unsigned bit;
    vsig_alg sig;
    vkey_type key; /* VKEY_UNKNOWN: RSA of any size */
} JWA[] = {
    {"RS256", VOUCH_JWA_RS256, VSIG_RSA_SHA256, VKEY_RSA},     {"RS384", VOUCH_JWA_RS384, VSIG_RSA_SHA384, VKEY_RSA},
    {"RS512", VOUCH_JWA_RS512, VSIG_RSA_SHA512, VKEY_RSA},     {"PS256", VOUCH_JWA_PS256, VSIG_RSA_PSS_SHA256, VKEY_RSA},
    {"PS384", VOUCH_JWA_PS384, VSIG_RSA_PSS_SHA384, VKEY_RSA}, {"PS512", VOUCH_JWA_PS512, VSIG_RSA_PSS_SHA512, VKEY_RSA},
    {"ES256", VOUCH_JWA_ES256, VSIG_ECDSA_SHA256, VKEY_P256},   {"ES384", VOUCH_JWA_ES384, VSIG_ECDSA_SHA384, VKEY_P384},
    {"ES512", VOUCH_JWA_ES512, VSIG_ECDSA_SHA512, VKEY_P521},   {"EdDSA", VOUCH_JWA_EDDSA, VSIG_ED25519, VKEY_ED25519},
};
enum { NJWA = sizeof JWA / sizeof JWA[0] };

static int jwa_index(const char *name) {
    for (int i = 0; i < NJWA; i++)
        if (strcmp(JWA[i].name, name) == 0) return i;
    return -1;
}

unsigned vouch_jwa_from_name(const char *name) {
    int i = name ? jwa_index(name) : -1;
    return i < 0 ? 0 : JWA[i].bit;
}

/* ---- JSON within limits ---- */

static size_t json_depth(const json_t *v, size_t limit) {
    if (!limit) return 1;
    size_t d = 0, i;
    const char *k;
    json_t *m;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, m) { size_t c = json_depth(m, limit - 1); d = c > d ? c : d; }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) { size_t c = json_depth(m, limit - 1); d = c > d ? c : d; }
    } else {
        return 0;
    }
    return d + 1;
}

/* An object of at most max_members members nested at most max_depth deep, or NULL with
 * the reason in `why`. */
static json_t *json_object_from(const uint8_t *p, size_t n, size_t max_depth, size_t max_members, char *why, size_t cap) {
    json_t *v = vjson_load_plain(p, n); /* jansson's values, without its slow lexer */
    if (!v) {
        json_error_t err;
        v = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &err);
        if (!v) {
            snprintf(why, cap, "%s", err.text);
            return NULL;
        }
    }
    if (!json_is_object(v)) snprintf(why, cap, "not a JSON object");
    else if (json_object_size(v) > max_members) snprintf(why, cap, "more than %zu members", max_members);
    else if (json_depth(v, max_depth + 1) > max_depth) snprintf(why, cap, "nested deeper than %zu levels", max_depth);
    else return v;
    json_decref(v);
    return NULL;
}

/* ---- the key set ---- */

typedef struct {
    char *kid;       /* NULL: no kid */
    unsigned alg;    /* the JWK's own alg bit, 0 when it names none */
    vpubkey *key;
} jwk_entry;

struct vouch_jwks {
    jwk_entry *e;
    size_t n;
};

void vouch_jwks_free(vouch_jwks *ks) {
    if (!ks) return;
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->e[i].kid);
        vpubkey_free(ks->e[i].key);
    }
    free(ks->e);
    free(ks);
}

size_t vouch_jwks_count(const vouch_jwks *ks) { return ks ? ks->n : 0; }

static int ks_add(vouch_jwks *ks, const char *kid, unsigned alg, vpubkey *key) {
    jwk_entry *e = realloc(ks->e, (ks->n + 1) * sizeof *e);
    if (!e) return VOUCH_E_NOMEM;
    ks->e = e;
    e[ks->n] = (jwk_entry){kid ? strdup(kid) : NULL, alg, key};
    if (kid && !e[ks->n].kid) return VOUCH_E_NOMEM;
    ks->n++;
    return 0;
}

/* A base64url member of a JWK, decoded; NULL if absent. */
static int jwk_bytes(json_t *jwk, const char *name, uint8_t **out, size_t *n, vouch_diag *d, size_t index) {
    *out = NULL;
    *n = 0;
    json_t *v = json_object_get(jwk, name);
    if (!v) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)index, "key %zu: \"%s\" is missing", index, name);
    if (!json_is_string(v)) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)index, "key %zu: \"%s\" is not a string", index, name);
    int rc = vb64url_decode_alloc(json_string_value(v), json_string_length(v), out, n);
    if (rc == VOUCH_E_NOMEM) return vouch_fail(d, rc, -1, "out of memory");
    if (rc || *n == 0)
        return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)index, "key %zu: \"%s\" is not unpadded base64url", index, name);
    return 0;
}

static const char *PRIVATE_MEMBERS[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

/* Reads one JWK into the set. *skipped is set for keys that are not for signatures. */
static int jwk_add(vouch_jwks *ks, json_t *jwk, size_t i, vouch_diag *d) {
    if (!json_is_object(jwk)) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu is not a JSON object", i);
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    if (!kty) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu has no \"kty\"", i);
    if (strcmp(kty, "oct") == 0)
        return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i,
                          "key %zu is a symmetric (\"oct\") key: Vouch verifies signatures with public keys only", i);
    json_t *use = json_object_get(jwk, "use");
    if (use && !json_is_string(use)) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: \"use\" is not a string", i);
    /* an encryption key, or a SPIFFE bundle's X.509 authority: not for verifying JWTs */
    if (use && (strcmp(json_string_value(use), "enc") == 0 || strcmp(json_string_value(use), "x509-svid") == 0)) return 0;
    /* "sig", or a SPIFFE bundle's JWT authority ("jwt-svid") */
    if (use && strcmp(json_string_value(use), "sig") != 0 && strcmp(json_string_value(use), "jwt-svid") != 0)
        return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: unknown \"use\" %s", i, json_string_value(use));
    json_t *ops = json_object_get(jwk, "key_ops");
    if (ops) {
        bool verify = false;
        size_t k;
        json_t *op;
        if (!json_is_array(ops)) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: \"key_ops\" is not an array", i);
        json_array_foreach(ops, k, op) verify |= json_is_string(op) && strcmp(json_string_value(op), "verify") == 0;
        if (!verify) return 0; /* not a verification key */
    }
    for (size_t k = 0; k < sizeof PRIVATE_MEMBERS / sizeof PRIVATE_MEMBERS[0]; k++)
        if (json_object_get(jwk, PRIVATE_MEMBERS[k]))
            return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i,
                              "key %zu carries private key material (\"%s\"): give Vouch the public key only", i,
                              PRIVATE_MEMBERS[k]);
    json_t *kidv = json_object_get(jwk, "kid");
    if (kidv && !json_is_string(kidv)) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: \"kid\" is not a string", i);
    const char *kid = kidv ? json_string_value(kidv) : NULL;
    json_t *algv = json_object_get(jwk, "alg");
    if (algv && !json_is_string(algv)) return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: \"alg\" is not a string", i);
    unsigned alg = 0;
    if (algv) {
        alg = vouch_jwa_from_name(json_string_value(algv));
        if (!alg)
            return vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: \"alg\" %s is not a signature algorithm Vouch accepts", i,
                              json_string_value(algv));
    }

    vbuf der = {0};
    uint8_t *a = NULL, *b = NULL;
    size_t an = 0, bn = 0;
    int rc;
    vkey_type want;
    if (strcmp(kty, "RSA") == 0) {
        want = VKEY_RSA;
        if ((rc = jwk_bytes(jwk, "n", &a, &an, d, i)) || (rc = jwk_bytes(jwk, "e", &b, &bn, d, i))) goto out;
        rc = vspki_from_rsa(a, an, b, bn, &der);
    } else if (strcmp(kty, "EC") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        size_t size;
        if (!crv) { rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: EC key without \"crv\"", i); goto out; }
        if (strcmp(crv, "P-256") == 0) want = VKEY_P256, size = 32;
        else if (strcmp(crv, "P-384") == 0) want = VKEY_P384, size = 48;
        else if (strcmp(crv, "P-521") == 0) want = VKEY_P521, size = 66;
        else { rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: curve %s is not supported", i, crv); goto out; }
        if ((rc = jwk_bytes(jwk, "x", &a, &an, d, i)) || (rc = jwk_bytes(jwk, "y", &b, &bn, d, i))) goto out;
        if (an != size || bn != size) {
            rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: %s coordinates must be %zu bytes", i, crv, size);
            goto out;
        }
        uint8_t point[1 + 2 * 66];
        point[0] = 0x04;
        memcpy(point + 1, a, size);
        memcpy(point + 1 + size, b, size);
        rc = vspki_from_ec(want, point, 1 + 2 * size, &der);
    } else if (strcmp(kty, "OKP") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        want = VKEY_ED25519;
        if (!crv || strcmp(crv, "Ed25519") != 0) {
            rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: OKP curve %s is not supported (Ed25519 only)", i,
                            crv ? crv : "(none)");
            goto out;
        }
        if ((rc = jwk_bytes(jwk, "x", &a, &an, d, i))) goto out;
        if (an != 32) { rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: Ed25519 \"x\" must be 32 bytes", i); goto out; }
        rc = vspki_from_ed25519(a, &der);
    } else {
        rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: key type %s is not supported", i, kty);
        goto out;
    }
    if (rc) {
        if (rc == VOUCH_E_NOMEM) vouch_fail(d, rc, -1, "out of memory");
        else vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu cannot be encoded", i);
        goto out;
    }
    if (alg) {
        int ai = jwa_index(json_string_value(algv));
        if (JWA[ai].key != want) {
            rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: \"alg\" %s does not fit a %s key", i, JWA[ai].name, kty);
            goto out;
        }
    }
    vpubkey *key = NULL;
    rc = vpubkey_new((vspan){der.p, der.n}, &key);
    if (rc == VOUCH_E_WEAK_KEY) {
        rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: %s", i,
                        want == VKEY_RSA ? "the RSA modulus has the ROCA fingerprint (CVE-2017-15361): it can be factored"
                                         : "the EC point is not on its curve");
    } else if (rc) {
        rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: not a usable public key", i);
    } else if (vpubkey_bits(key) && vpubkey_bits(key) < 2048) {
        rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)i, "key %zu: RSA key of %d bits; at least 2048 are required", i,
                        vpubkey_bits(key));
        vpubkey_free(key);
    } else if ((rc = ks_add(ks, kid, alg, key))) {
        vpubkey_free(key);
        vouch_fail(d, rc, -1, "out of memory");
    }
out:
    free(a), free(b), free(der.p);
    return rc;
}

int vouch_jwks_new(const uint8_t *json, size_t json_len, const uint8_t *pem, size_t pem_len, vouch_jwks **out, vouch_diag *d) {
    if (!out || (!json && json_len) || (!pem && pem_len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (json_len > (1u << 20) || pem_len > (1u << 20)) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a key set is at most 1 MiB");
    vouch_ensure_init();
    vouch_jwks *ks = calloc(1, sizeof *ks);
    if (!ks) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    int rc = 0;
    if (json_len) {
        char why[200];
        json_t *root = json_object_from(json, json_len, 8, 64, why, sizeof why);
        if (!root) {
            rc = vouch_fail(d, VOUCH_E_JWK_INVALID, -1, "the JWK Set is not valid JSON: %s", why);
            goto done;
        }
        json_t *keys = json_object_get(root, "keys");
        if (keys) {
            if (!json_is_array(keys)) rc = vouch_fail(d, VOUCH_E_JWK_INVALID, -1, "\"keys\" is not an array");
            else if (json_array_size(keys) > 256) rc = vouch_fail(d, VOUCH_E_JWK_INVALID, -1, "more than 256 keys");
            for (size_t i = 0; !rc && i < json_array_size(keys); i++) rc = jwk_add(ks, json_array_get(keys, i), i, d);
        } else {
            rc = jwk_add(ks, root, 0, d); /* a single JWK */
        }
        json_decref(root);
        if (rc) goto done;
    }
    size_t pos = 0, npem = 0;
    char label[64];
    vspan body;
    int r;
    while ((r = vpem_next(pem, pem_len, &pos, label, sizeof label, &body)) == 1) {
        if (strcmp(label, "PUBLIC KEY") != 0) {
            rc = vouch_fail(d, VOUCH_E_WRONG_BLOCK, (int)npem, "PEM block %zu is \"%s\": give \"PUBLIC KEY\" blocks", npem, label);
            goto done;
        }
        uint8_t *buf = malloc(body.n);
        size_t n = 0;
        vpubkey *key = NULL;
        if (!buf) { rc = vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory"); goto done; }
        if (vb64_decode(body, buf, body.n, &n)) rc = vouch_fail(d, VOUCH_E_PEM, (int)npem, "PEM block %zu: bad base64", npem);
        else if (vpubkey_new((vspan){buf, n}, &key)) rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)npem, "PEM block %zu: not a usable public key", npem);
        else if (vpubkey_bits(key) && vpubkey_bits(key) < 2048) {
            rc = vouch_fail(d, VOUCH_E_JWK_INVALID, (int)npem, "PEM block %zu: RSA key of %d bits; at least 2048 are required", npem,
                            vpubkey_bits(key));
            vpubkey_free(key);
        } else if ((rc = ks_add(ks, NULL, 0, key))) {
            vpubkey_free(key);
        }
        free(buf);
        if (rc) goto done;
        npem++;
    }
    if (r < 0) { rc = vouch_fail(d, VOUCH_E_PEM, (int)npem, "PEM block %zu: broken armour", npem); goto done; }
    if (ks->n == 0) rc = vouch_fail(d, VOUCH_E_JWK_INVALID, -1, "no signature verification keys were given");
done:
    if (rc) vouch_jwks_free(ks);
    else *out = ks;
    return rc;
}

/* ---- tokens ---- */

struct vouch_jwt {
    int status;
    vouch_diag diag;
    json_t *header;
    json_t *claims;
    uint8_t *payload;
    size_t payload_len;
};

void vouch_jwt_free(vouch_jwt *t) {
    if (!t) return;
    json_decref(t->header);
    json_decref(t->claims);
    free(t->payload);
    free(t);
}

const vouch_diag *vouch_jwt_diag(const vouch_jwt *t) { return t ? &t->diag : NULL; }
const json_t *vouch_jwt_claims(const vouch_jwt *t) { return t && t->status == 0 ? t->claims : NULL; }
const json_t *vouch_jwt_header(const vouch_jwt *t) { return t && t->status == 0 ? t->header : NULL; }
const uint8_t *vouch_jwt_payload(const vouch_jwt *t, size_t *len) {
    if (!t || t->status != 0) return NULL;
    if (len) *len = t->payload_len;
    return t->payload;
}

/* Splits a compact JWS at its two dots; header and payload non-empty (an empty signature
 * is read, so that alg "none" is refused for what it is, and then fails to verify). */
static int split(const char *s, size_t n, size_t dot[2]) {
    /* memchr, not a byte loop: a token is hundreds of bytes, and this runs on each */
    const char *a = n ? memchr(s, '.', n) : NULL;
    if (!a) return VOUCH_E_JWT_MALFORMED;
    size_t i = (size_t)(a - s);
    const char *b = memchr(a + 1, '.', n - i - 1);
    if (!b) return VOUCH_E_JWT_MALFORMED;
    size_t j = (size_t)(b - s);
    if (memchr(b + 1, '.', n - j - 1)) return VOUCH_E_JWT_MALFORMED; /* a third dot */
    dot[0] = i, dot[1] = j;
    if (dot[0] == 0 || dot[1] == dot[0] + 1) return VOUCH_E_JWT_MALFORMED;
    return 0;
}

/* A NumericDate claim: absent (0), a number (1, *v set), or of the wrong type (-1). */
static int numeric_date(const json_t *claims, const char *name, int64_t *v) {
    json_t *c = json_object_get(claims, name);
    if (!c) return 0;
    if (json_is_integer(c)) { *v = (int64_t)json_integer_value(c); return 1; }
    if (json_is_real(c)) {
        double x = json_real_value(c);
        if (!(x > -9.0e18 && x < 9.0e18)) return -1;
        *v = (int64_t)x;
        return 1;
    }
    return -1;
}

static bool later(int64_t now, int64_t t, int64_t leeway) { /* now > t + leeway, without overflow */
    return t <= INT64_MAX - leeway && now > t + leeway;
}

static int check_claims(vouch_jwt *t, const vouch_jwt_policy *p) {
    vouch_diag *d = &t->diag;
    int64_t exp = 0, nbf = 0, iat = 0;
    int has_exp = numeric_date(t->claims, "exp", &exp), has_nbf = numeric_date(t->claims, "nbf", &nbf),
        has_iat = numeric_date(t->claims, "iat", &iat);
    if (has_exp < 0 || has_nbf < 0 || has_iat < 0)
        return vouch_fail(d, VOUCH_E_JWT_CLAIMS, -1, "%s is not a number of seconds",
                          has_exp < 0 ? "exp" : has_nbf < 0 ? "nbf" : "iat");
    if (!has_exp && p->require_exp) return vouch_fail(d, VOUCH_E_JWT_CLAIMS, -1, "the token has no exp: it would never expire");
    if (has_exp && later(p->now, exp, p->exp_leeway))
        return vouch_fail(d, VOUCH_E_JWT_EXPIRED, -1, "expired at %lld (now %lld, leeway %lld s)", (long long)exp,
                          (long long)p->now, (long long)p->exp_leeway);
    if (has_nbf && later(nbf, p->now, p->nbf_leeway))
        return vouch_fail(d, VOUCH_E_JWT_NOT_YET_VALID, -1, "not valid before %lld (now %lld, leeway %lld s)", (long long)nbf,
                          (long long)p->now, (long long)p->nbf_leeway);
    if (has_iat && later(iat, p->now, p->nbf_leeway))
        return vouch_fail(d, VOUCH_E_JWT_NOT_YET_VALID, -1, "issued in the future, at %lld (now %lld, leeway %lld s)",
                          (long long)iat, (long long)p->now, (long long)p->nbf_leeway);
    if (p->issuer) {
        const char *iss = json_string_value(json_object_get(t->claims, "iss"));
        if (!iss) return vouch_fail(d, VOUCH_E_JWT_ISSUER, -1, "the token has no iss; %s was expected", p->issuer);
        if (strcmp(iss, p->issuer) != 0)
            return vouch_fail(d, VOUCH_E_JWT_ISSUER, -1, "issued by %.120s, not by %.120s", iss, p->issuer);
    }
    if (p->naudiences) {
        json_t *aud = json_object_get(t->claims, "aud");
        if (!aud) return vouch_fail(d, VOUCH_E_JWT_AUDIENCE, -1, "the token has no aud");
        size_t n = json_is_array(aud) ? json_array_size(aud) : 1;
        if (!json_is_array(aud) && !json_is_string(aud)) return vouch_fail(d, VOUCH_E_JWT_CLAIMS, -1, "aud is neither a string nor an array");
        for (size_t i = 0; i < n; i++) {
            json_t *a = json_is_array(aud) ? json_array_get(aud, i) : aud;
            if (!json_is_string(a)) return vouch_fail(d, VOUCH_E_JWT_CLAIMS, -1, "aud holds something other than strings");
            for (size_t k = 0; k < p->naudiences; k++)
                if (p->audiences[k] && strcmp(json_string_value(a), p->audiences[k]) == 0) return 0;
        }
        return vouch_fail(d, VOUCH_E_JWT_AUDIENCE, -1, "the token's aud names none of the allowed audiences");
    }
    return 0;
}

static int verify_with(vpubkey *key, int ai, const char *input, size_t inlen, const uint8_t *sig, size_t siglen) {
    if (JWA[ai].sig >= VSIG_ECDSA_SHA256 && JWA[ai].sig <= VSIG_ECDSA_SHA512)
        return vpubkey_verify_ecdsa_raw(key, JWA[ai].sig, (const uint8_t *)input, inlen, sig, siglen);
    return vpubkey_verify(key, JWA[ai].sig, (const uint8_t *)input, inlen, sig, siglen);
}

static int verify(vouch_jwt *t, const vouch_jwks *ks, const char *s, size_t n, const vouch_jwt_policy *p) {
    vouch_diag *d = &t->diag;
    if (n > VOUCH_JWT_MAX_TOKEN)
        return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a token of %zu bytes; at most %u are accepted", n, VOUCH_JWT_MAX_TOKEN);
    size_t dot[2];
    if (split(s, n, dot)) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "not three parts separated by dots");
    uint8_t *hb = NULL, *sig = NULL;
    size_t hn = 0, sn = 0;
    int rc = vb64url_decode_alloc(s, dot[0], &hb, &hn);
    if (rc) return vouch_fail(d, rc, -1, "the header is not unpadded base64url");
    char why[200];
    t->header = json_object_from(hb, hn, 4, 32, why, sizeof why);
    free(hb);
    if (!t->header) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "the header is not valid JSON: %s", why);

    json_t *algv = json_object_get(t->header, "alg");
    const char *alg = json_string_value(algv);
    if (!alg) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "the header has no alg");
    int ai = jwa_index(alg);
    if (strcmp(alg, "none") == 0) return vouch_fail(d, VOUCH_E_JWT_ALGORITHM, -1, "alg none is never accepted");
    if (strncmp(alg, "HS", 2) == 0)
        return vouch_fail(d, VOUCH_E_JWT_ALGORITHM, -1, "%.20s: HMAC algorithms are not accepted for logins", alg);
    if (ai < 0) return vouch_fail(d, VOUCH_E_JWT_ALGORITHM, -1, "alg %.40s is not supported", alg);
    if (p && p->algorithms && !(p->algorithms & JWA[ai].bit))
        return vouch_fail(d, VOUCH_E_JWT_ALGORITHM, -1, "alg %s is not among the allowed algorithms", alg);
    json_t *crit = json_object_get(t->header, "crit");
    if (crit) {
        json_t *c0 = json_is_array(crit) ? json_array_get(crit, 0) : NULL;
        return vouch_fail(d, VOUCH_E_JWT_CRIT, -1, "critical header parameter %.60s is not understood",
                          json_is_string(c0) ? json_string_value(c0) : "(malformed crit)");
    }
    if (json_object_get(t->header, "b64"))
        return vouch_fail(d, VOUCH_E_JWT_CRIT, -1, "b64 (RFC 7797 unencoded payloads) is not supported");
    json_t *kidv = json_object_get(t->header, "kid");
    if (kidv && !json_is_string(kidv)) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "kid is not a string");
    const char *kid = json_string_value(kidv);

    rc = vb64url_decode_alloc(s + dot[1] + 1, n - dot[1] - 1, &sig, &sn);
    if (rc) return vouch_fail(d, rc, -1, "the signature is not unpadded base64url");
    /* the keys this token may name: those with its kid, and keys without one (PEM keys,
     * as Vault's jwt_validation_pubkeys); of the algorithm's key type; and, where a key
     * says its alg, only that alg */
    bool kid_known = false, type_fits = false, tried = false;
    rc = VOUCH_E_BAD_SIGNATURE;
    for (size_t i = 0; i < ks->n && rc; i++) {
        const jwk_entry *e = &ks->e[i];
        if (kid && e->kid && strcmp(e->kid, kid) != 0) continue;
        kid_known = true;
        if (vpubkey_type(e->key) != JWA[ai].key) continue;
        type_fits = true;
        if (e->alg && e->alg != JWA[ai].bit) continue;
        tried = true;
        rc = verify_with(e->key, ai, s, dot[1], sig, sn);
    }
    free(sig);
    if (!kid_known) return vouch_fail(d, VOUCH_E_JWT_UNKNOWN_KEY, -1, "no key with kid %.80s", kid);
    if (!type_fits)
        return vouch_fail(d, VOUCH_E_JWT_ALGORITHM, -1, "alg %s needs a %s key; %s%.80s is of another type", alg,
                          vkey_name(JWA[ai].key), kid ? "the key " : "no key in the set", kid ? kid : "");
    if (!tried) return vouch_fail(d, VOUCH_E_JWT_ALGORITHM, -1, "the key is bound to another alg than %s", alg);
    if (rc == VOUCH_E_NOMEM) return vouch_fail(d, rc, -1, "out of memory");
    if (rc) return vouch_fail(d, VOUCH_E_BAD_SIGNATURE, -1, "the %s signature does not verify", alg);

    /* authenticated from here on */
    rc = vb64url_decode_alloc(s + dot[0] + 1, dot[1] - dot[0] - 1, &t->payload, &t->payload_len);
    if (rc) return vouch_fail(d, rc, -1, "the payload is not unpadded base64url");
    if (!p) return 0;
    t->claims = json_object_from(t->payload, t->payload_len, VOUCH_JWT_MAX_DEPTH, VOUCH_JWT_MAX_MEMBERS, why, sizeof why);
    if (!t->claims) return vouch_fail(d, VOUCH_E_JWT_CLAIMS, -1, "the claims are not a valid JSON object: %s", why);
    return check_claims(t, p);
}

int vouch_jwks_verify_signature(const vouch_jwks *ks, const char *alg, const uint8_t *msg, size_t msg_len, const uint8_t *sig,
                                size_t sig_len) {
    if (!ks || !alg || (!msg && msg_len) || (!sig && sig_len)) return VOUCH_E_ARG;
    int ai = jwa_index(alg);
    if (ai < 0) return VOUCH_E_JWT_ALGORITHM;
    int rc = VOUCH_E_JWT_ALGORITHM;
    for (size_t i = 0; i < ks->n && rc; i++) {
        const jwk_entry *e = &ks->e[i];
        if (vpubkey_type(e->key) != JWA[ai].key || (e->alg && e->alg != JWA[ai].bit)) continue;
        rc = verify_with(e->key, ai, (const char *)msg, msg_len, sig, sig_len) ? VOUCH_E_BAD_SIGNATURE : 0;
    }
    return rc;
}

int vouch_jwt_verify(const vouch_jwks *ks, const char *token, size_t len, const vouch_jwt_policy *policy, vouch_jwt **out) {
    if (!out) return VOUCH_E_ARG;
    *out = NULL;
    if (!ks || (!token && len)) return VOUCH_E_ARG;
    vouch_jwt *t = calloc(1, sizeof *t);
    if (!t) return VOUCH_E_NOMEM;
    *out = t;
    int rc = verify(t, ks, token, len, policy);
    t->status = rc;
    t->diag.status = rc;
    if (rc == 0) {
        t->diag.index = -1;
        t->diag.detail[0] = 0;
    }
    return rc;
}

int vouch_jwt_inspect(const char *token, size_t len, json_t **header, json_t **payload, vouch_diag *d) {
    if (!header || !payload || (!token && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *header = *payload = NULL;
    if (len > VOUCH_JWT_MAX_TOKEN) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a token of %zu bytes", len);
    size_t dot[2];
    if (split(token, len, dot)) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "not three parts separated by dots");
    uint8_t *b = NULL;
    size_t n = 0;
    char why[200];
    if (vb64url_decode_alloc(token, dot[0], &b, &n)) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "the header is not unpadded base64url");
    *header = json_object_from(b, n, 4, 32, why, sizeof why);
    free(b);
    if (!*header) return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "the header is not valid JSON: %s", why);
    if (vb64url_decode_alloc(token + dot[0] + 1, dot[1] - dot[0] - 1, &b, &n)) {
        json_decref(*header);
        *header = NULL;
        return vouch_fail(d, VOUCH_E_JWT_MALFORMED, -1, "the payload is not unpadded base64url");
    }
    *payload = json_object_from(b, n, VOUCH_JWT_MAX_DEPTH, VOUCH_JWT_MAX_MEMBERS, why, sizeof why);
    free(b);
    return 0;
}
