/* sshcert.c: OpenSSH certificates (PROTOCOL.certkeys): parse (checking the signature),
 * read the options, re-encode, and build and sign a certificate from a request. Parsing
 * is strict: every length is checked, nothing may follow the signature, and the options
 * of a certificate must be sorted and unique, as OpenSSH writes and requires. Built on
 * sshkey.c (key types, public keys, signatures) and sshwire.c. */
#include "internal.h"
#include "sshkey_internal.h"
#include "sshwire.h"
#include "vouch_ssh.h"
#include "vouch_sshkey.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ---- certificates ---- */

typedef struct {
    char *name, *value; /* value: the string inside the data field, "" for flags */
    vspan raw;          /* the data field as it was */
} ssh_opt;

struct vouch_ssh_cert {
    uint8_t *blob;
    size_t bloblen;
    int kind;
    vspan nonce;
    vouch_ssh_pubkey *key;
    uint64_t serial;
    uint32_t type;
    char *key_id;
    char **principals;
    size_t nprincipals;
    uint64_t valid_after, valid_before;
    ssh_opt *opts[2];
    size_t nopts[2];
    vspan reserved;
    vouch_ssh_pubkey *signature_key;
    const char *sig_alg;
    vspan signature;
};

void vouch_ssh_cert_free(vouch_ssh_cert *c) {
    if (!c) return;
    vouch_ssh_pubkey_free(c->key);
    vouch_ssh_pubkey_free(c->signature_key);
    free(c->key_id);
    for (size_t i = 0; i < c->nprincipals; i++) free(c->principals[i]);
    free(c->principals);
    for (int e = 0; e < 2; e++) {
        for (size_t i = 0; i < c->nopts[e]; i++) free(c->opts[e][i].name), free(c->opts[e][i].value);
        free(c->opts[e]);
    }
    free(c->blob);
    free(c);
}

static char *dup_span(vspan s) {
    char *p = malloc(s.n + 1);
    if (p) memcpy(p, s.p, s.n), p[s.n] = 0;
    return p;
}

static bool printable(vspan s) {
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < 0x20 || s.p[i] == 0x7f) return false;
    return true;
}

static const char *KNOWN_EXTENSIONS[] = {"no-touch-required", "permit-X11-forwarding", "permit-agent-forwarding",
                                         "permit-port-forwarding", "permit-pty", "permit-user-rc"};
enum { MAX_OPTIONS = 256 }; /* per field; OpenSSH sets none, real certificates carry a handful */

/* Reads a packed options or extensions field: sorted, unique (name, data) pairs. */
static int read_options(vspan field, ssh_opt **out, size_t *n, bool extension, vouch_diag *d) {
    const char *what = extension ? "extension" : "critical option";
    vsshr r = {field.p, field.p + field.n};
    vspan prev = {NULL, 0};
    *out = NULL;
    *n = 0;
    while (r.p != r.end) {
        vspan name, data;
        if (vsshr_text(&r, &name) || vsshr_string(&r, &data) || name.n == 0 || !printable(name))
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed %s", what);
        if (prev.p) {
            size_t m = prev.n < name.n ? prev.n : name.n;
            int c = memcmp(prev.p, name.p, m);
            if (c > 0 || (c == 0 && prev.n >= name.n))
                return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%ss are not sorted and unique (%.*s)", what, (int)(name.n > 60 ? 60 : name.n),
                                  (const char *)name.p);
        }
        prev = name;
        /* as sshd: known flags carry no data, force-command and source-address carry a value */
        bool flag = false, valued = false;
        if (extension) {
            for (size_t k = 0; k < sizeof KNOWN_EXTENSIONS / sizeof KNOWN_EXTENSIONS[0]; k++)
                flag |= name.n == strlen(KNOWN_EXTENSIONS[k]) && memcmp(name.p, KNOWN_EXTENSIONS[k], name.n) == 0;
        } else {
            flag = name.n == 15 && memcmp(name.p, "verify-required", 15) == 0;
            valued = (name.n == 13 && memcmp(name.p, "force-command", 13) == 0) || (name.n == 14 && memcmp(name.p, "source-address", 14) == 0);
        }
        if ((flag && data.n) || (valued && !data.n))
            return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "%s %.*s %s", what, (int)name.n, (const char *)name.p,
                              flag ? "is a flag but carries data" : "has no value");
        vspan inner = {(const uint8_t *)"", 0};
        if (data.n) { /* a value: one string inside the data field */
            vsshr dr = {data.p, data.p + data.n};
            if (vsshr_text(&dr, &inner) || dr.p != dr.end)
                return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the data of %s %.*s is not one string", what, (int)(name.n > 60 ? 60 : name.n),
                                  (const char *)name.p);
        }
        if (*n == MAX_OPTIONS) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "more than %d %ss", MAX_OPTIONS, what);
        ssh_opt *o = realloc(*out, (*n + 1) * sizeof *o);
        if (!o) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        *out = o;
        o[*n] = (ssh_opt){dup_span(name), dup_span(inner), data};
        (*n)++; /* counted even when half made, so that the certificate's free releases it */
        if (!o[*n - 1].name || !o[*n - 1].value) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    return 0;
}

static int parse_cert(vouch_ssh_cert *c, vouch_diag *d) {
    vsshr r = {c->blob, c->blob + c->bloblen};
    vspan t, principals, opts, exts, sigkey;
    if (vsshr_text(&r, &t)) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the certificate does not start with its type");
    int ti = vssh_type_by_name(t, true);
    if (ti < 0) return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "not a supported certificate type: %.*s", (int)(t.n > 60 ? 60 : t.n), (const char *)t.p);
    c->kind = vssh_type_kind(ti);
    if (vsshr_string(&r, &c->nonce) || c->nonce.n < 16) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the nonce is missing or shorter than 16 bytes");
    int rc = vssh_read_key_fields(&r, ti, &c->key, d);
    if (rc) return rc;
    uint32_t type;
    vspan keyid;
    if (vsshr_u64(&r, &c->serial) || vsshr_u32(&r, &type) || vsshr_text(&r, &keyid) || vsshr_string(&r, &principals) ||
        vsshr_u64(&r, &c->valid_after) || vsshr_u64(&r, &c->valid_before) || vsshr_string(&r, &opts) || vsshr_string(&r, &exts) ||
        vsshr_string(&r, &c->reserved) || vsshr_string(&r, &sigkey))
        return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "a certificate field is truncated or malformed");
    size_t signed_len = (size_t)(r.p - c->blob);
    if (vsshr_string(&r, &c->signature) || r.p != r.end) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "bad signature field or trailing data");
    if (type != VOUCH_SSH_CERT_USER && type != VOUCH_SSH_CERT_HOST) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "certificate type %u is neither user nor host", type);
    c->type = type;
    if (c->reserved.n) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "the reserved field is not empty");
    if (c->valid_after >= c->valid_before) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "valid after is not before valid before");
    if (!(c->key_id = dup_span(keyid))) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    vsshr pr = {principals.p, principals.p + principals.n};
    while (pr.p != pr.end) {
        vspan p;
        if (vsshr_text(&pr, &p) || c->nprincipals >= 256) return vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, "malformed principals");
        char **np = realloc(c->principals, (c->nprincipals + 1) * sizeof *np);
        if (!np) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
        c->principals = np;
        if (!(np[c->nprincipals++] = dup_span(p))) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    if ((rc = read_options(opts, &c->opts[0], &c->nopts[0], false, d))) return rc;
    if ((rc = read_options(exts, &c->opts[1], &c->nopts[1], true, d))) return rc;
    if ((rc = vouch_ssh_pubkey_parse(sigkey.p, sigkey.n, &c->signature_key, d))) return rc;
    int sigkind = vouch_ssh_pubkey_kind(c->signature_key);
    if (sigkind == VOUCH_SSH_SK_ECDSA || sigkind == VOUCH_SSH_SK_ED25519)
        return vouch_fail(d, VOUCH_E_UNSUPPORTED_KEY, -1, "signatures by security-key CAs are not supported");
    return vssh_verify(c->signature_key, c->blob, signed_len, c->signature, &c->sig_alg, d);
}

int vouch_ssh_cert_parse(const uint8_t *blob, size_t len, vouch_ssh_cert **out, vouch_diag *d) {
    if (!out || (!blob && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > 64 * 1024) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a certificate of %zu bytes", len);
    vouch_ensure_init();
    vouch_ssh_cert *c = calloc(1, sizeof *c);
    if (!c || !(c->blob = malloc(len ? len : 1))) {
        free(c);
        return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    }
    memcpy(c->blob, blob, len);
    c->bloblen = len;
    int rc = parse_cert(c, d);
    if (rc) vouch_ssh_cert_free(c);
    else *out = c;
    return rc;
}

int vouch_ssh_cert_parse_line(const char *line, size_t len, vouch_ssh_cert **out, vouch_diag *d) {
    if (!out) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    uint8_t *blob;
    size_t n;
    int rc = vssh_line_blob(line, len, true, &blob, &n, d);
    if (rc) return rc;
    rc = vouch_ssh_cert_parse(blob, n, out, d);
    free(blob);
    return rc;
}

const uint8_t *vouch_ssh_cert_blob(const vouch_ssh_cert *c, size_t *len) { if (len) *len = c->bloblen; return c->blob; }
const char *vouch_ssh_cert_type_name(const vouch_ssh_cert *c) { return vssh_cert_type_name(c->kind); }
const char *vouch_ssh_cert_type_name_for(int kind) { return vssh_cert_type_name(kind); }
const vouch_ssh_pubkey *vouch_ssh_cert_key(const vouch_ssh_cert *c) { return c->key; }
const vouch_ssh_pubkey *vouch_ssh_cert_signature_key(const vouch_ssh_cert *c) { return c->signature_key; }
const char *vouch_ssh_cert_signature_algorithm(const vouch_ssh_cert *c) { return c->sig_alg; }
const uint8_t *vouch_ssh_cert_nonce(const vouch_ssh_cert *c, size_t *len) { if (len) *len = c->nonce.n; return c->nonce.p; }
uint64_t vouch_ssh_cert_serial(const vouch_ssh_cert *c) { return c->serial; }
uint32_t vouch_ssh_cert_kind(const vouch_ssh_cert *c) { return c->type; }
const char *vouch_ssh_cert_key_id(const vouch_ssh_cert *c) { return c->key_id; }
uint64_t vouch_ssh_cert_valid_after(const vouch_ssh_cert *c) { return c->valid_after; }
uint64_t vouch_ssh_cert_valid_before(const vouch_ssh_cert *c) { return c->valid_before; }
size_t vouch_ssh_cert_principal_count(const vouch_ssh_cert *c) { return c->nprincipals; }
const char *vouch_ssh_cert_principal(const vouch_ssh_cert *c, size_t i) { return i < c->nprincipals ? c->principals[i] : NULL; }
size_t vouch_ssh_cert_option_count(const vouch_ssh_cert *c, int e) { return c->nopts[e ? 1 : 0]; }
const char *vouch_ssh_cert_option_name(const vouch_ssh_cert *c, int e, size_t i) { return i < c->nopts[e ? 1 : 0] ? c->opts[e ? 1 : 0][i].name : NULL; }
const char *vouch_ssh_cert_option_value(const vouch_ssh_cert *c, int e, size_t i) { return i < c->nopts[e ? 1 : 0] ? c->opts[e ? 1 : 0][i].value : NULL; }
const uint8_t *vouch_ssh_cert_option_data(const vouch_ssh_cert *c, int e, size_t i, size_t *len) {
    if (i >= c->nopts[e ? 1 : 0]) { *len = 0; return NULL; }
    vspan raw = c->opts[e ? 1 : 0][i].raw;
    *len = raw.n;
    return raw.p ? raw.p : (const uint8_t *)"";
}

/* The body of a certificate, up to and including the signature key. */
typedef struct {
    int kind;
    vspan key_fields;        /* the subject key's fields after its type string */
    const uint8_t *nonce;
    size_t nonce_len;
    uint64_t serial;
    uint32_t type;
    const char *key_id;
    const char *const *principals;
    size_t nprincipals;
    uint64_t valid_after, valid_before;
    const char *const *opt_names[2];
    const char *const *opt_values[2];  /* NULL entries: flags */
    const vspan *opt_raws[2];          /* re-encoding: the data fields as parsed, or NULL */
    size_t nopts[2];
    vspan sigkey;
} cert_body;

/* raws, when given, are the data fields exactly as parsed (re-encoding keeps their bytes). */
static int write_options(vbuf *b, const char *const *names, const char *const *values, const vspan *raws, size_t n) {
    size_t packed, inner;
    int rc = vsshw_open(b, &packed);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = vsshw_cstr(b, names[i]);
        if (rc) break;
        if (raws) {
            rc = vsshw_string(b, raws[i].p, raws[i].n);
        } else if (values && values[i] && values[i][0]) { /* a value: one string inside the data */
            rc = vsshw_open(b, &inner) || vsshw_cstr(b, values[i]) ? VOUCH_E_NOMEM : 0;
            if (!rc) vsshw_close(b, inner);
        } else {
            rc = vsshw_string(b, "", 0);
        }
    }
    if (!rc) vsshw_close(b, packed);
    return rc;
}

static int write_body(vbuf *b, const cert_body *c) {
    size_t pr;
    int rc = vsshw_cstr(b, vssh_cert_type_name(c->kind));
    if (!rc) rc = vsshw_string(b, c->nonce, c->nonce_len);
    if (!rc) rc = vbuf_put(b, c->key_fields.p, c->key_fields.n);
    if (!rc) rc = vsshw_u64(b, c->serial);
    if (!rc) rc = vsshw_u32(b, c->type);
    if (!rc) rc = vsshw_cstr(b, c->key_id ? c->key_id : "");
    if (!rc) rc = vsshw_open(b, &pr);
    for (size_t i = 0; i < c->nprincipals && !rc; i++) rc = vsshw_cstr(b, c->principals[i]);
    if (!rc) vsshw_close(b, pr);
    if (!rc) rc = vsshw_u64(b, c->valid_after);
    if (!rc) rc = vsshw_u64(b, c->valid_before);
    if (!rc) rc = write_options(b, c->opt_names[0], c->opt_values[0], c->opt_raws[0], c->nopts[0]);
    if (!rc) rc = write_options(b, c->opt_names[1], c->opt_values[1], c->opt_raws[1], c->nopts[1]);
    if (!rc) rc = vsshw_string(b, "", 0); /* reserved */
    if (!rc) rc = vsshw_string(b, c->sigkey.p, c->sigkey.n);
    return rc;
}

/* The key's wire blob. */
static vspan blob_of(const vouch_ssh_pubkey *k) {
    vspan b;
    b.p = vouch_ssh_pubkey_blob(k, &b.n);
    return b;
}

/* The key's fields after its type string. */
static vspan key_fields(const vouch_ssh_pubkey *k) {
    vspan b = blob_of(k);
    vsshr r = {b.p, b.p + b.n};
    vspan t;
    vsshr_string(&r, &t);
    return (vspan){r.p, (size_t)(r.end - r.p)};
}

int vouch_ssh_cert_encode(const vouch_ssh_cert *c, uint8_t **out, size_t *len) {
    if (!c || !out || !len) return VOUCH_E_ARG;
    const char *names[2][MAX_OPTIONS], *values[2][MAX_OPTIONS];
    vspan raws[2][MAX_OPTIONS];
    for (int e = 0; e < 2; e++) {
        if (c->nopts[e] > MAX_OPTIONS) return VOUCH_E_ARG; /* the parser refuses more */
        for (size_t i = 0; i < c->nopts[e]; i++)
            names[e][i] = c->opts[e][i].name, values[e][i] = c->opts[e][i].value, raws[e][i] = c->opts[e][i].raw;
    }
    cert_body body = {c->kind, key_fields(c->key), c->nonce.p, c->nonce.n, c->serial, c->type, c->key_id,
                      (const char *const *)c->principals, c->nprincipals, c->valid_after, c->valid_before,
                      {names[0], names[1]}, {values[0], values[1]}, {raws[0], raws[1]}, {c->nopts[0], c->nopts[1]},
                      blob_of(c->signature_key)};
    vbuf b = {0};
    int rc = write_body(&b, &body);
    if (!rc) rc = vsshw_string(&b, c->signature.p, c->signature.n);
    if (rc) { free(b.p); return rc; }
    *out = b.p;
    *len = b.n;
    return 0;
}

/* ---- signing ---- */


static bool valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 256) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

/* source-address: comma-separated addresses or CIDR ranges. */
static bool valid_source_address(const char *s) {
    if (!*s) return false;
    char item[64];
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (n == 0 || n >= sizeof item) return false;
        memcpy(item, s, n);
        item[n] = 0;
        char *slash = strchr(item, '/');
        long prefix = -1;
        if (slash) {
            char *end;
            *slash = 0;
            prefix = strtol(slash + 1, &end, 10);
            if (*end || end == slash + 1) return false;
        }
        uint8_t buf[16];
        int v4 = inet_pton(AF_INET, item, buf) == 1, v6 = !v4 && inet_pton(AF_INET6, item, buf) == 1;
        if (!v4 && !v6) return false;
        if (slash && (prefix < 0 || prefix > (v4 ? 32 : 128))) return false;
        s += n + (comma ? 1 : 0);
        if (comma && !*s) return false;
    }
    return true;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int vouch_ssh_cert_sign(const vouch_ssh_privkey *ca, const vouch_ssh_cert_request *q, uint8_t **out, size_t *len, vouch_diag *d) {
    if (!ca || !q || !q->key || !out || !len) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (q->type != VOUCH_SSH_CERT_USER && q->type != VOUCH_SSH_CERT_HOST) return vouch_fail(d, VOUCH_E_ARG, -1, "the type is neither user nor host");
    if (q->valid_after >= q->valid_before) return vouch_fail(d, VOUCH_E_ARG, -1, "valid after must be before valid before");
    if (q->key_id && (strlen(q->key_id) > 1024 || !printable((vspan){(const uint8_t *)q->key_id, strlen(q->key_id)})))
        return vouch_fail(d, VOUCH_E_ARG, -1, "the key id must be at most 1024 printable characters");
    if (q->nprincipals > 256) return vouch_fail(d, VOUCH_E_ARG, -1, "at most 256 principals");
    if ((q->nprincipals && !q->principals) || (q->noptions && !q->option_names) || (q->nextensions && !q->extensions))
        return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    for (size_t i = 0; i < q->nprincipals; i++)
        if (!q->principals[i] || !valid_name(q->principals[i]))
            return vouch_fail(d, VOUCH_E_ARG, -1, "principal %zu is empty or has spaces or control characters", i);
    if (q->noptions > 16 || q->nextensions > 32) return vouch_fail(d, VOUCH_E_ARG, -1, "too many options or extensions");
    if (q->type == VOUCH_SSH_CERT_HOST && (q->noptions || q->nextensions))
        return vouch_fail(d, VOUCH_E_ARG, -1, "host certificates carry no critical options or extensions");
    /* options: known ones checked; sorted by name, as OpenSSH requires */
    const char *names[2][32], *values[2][32];
    size_t n[2] = {q->noptions, q->nextensions};
    int kind = vouch_ssh_pubkey_kind(q->key);
    bool sk = kind == VOUCH_SSH_SK_ECDSA || kind == VOUCH_SSH_SK_ED25519;
    for (size_t i = 0; i < q->noptions; i++) {
        const char *name = q->option_names[i], *value = q->option_values ? q->option_values[i] : NULL;
        if (!name || !valid_name(name)) return vouch_fail(d, VOUCH_E_ARG, -1, "critical option %zu has no valid name", i);
        if (strcmp(name, "force-command") == 0) {
            if (!value || !*value) return vouch_fail(d, VOUCH_E_ARG, -1, "force-command needs a command");
        } else if (strcmp(name, "source-address") == 0) {
            if (!value || !valid_source_address(value))
                return vouch_fail(d, VOUCH_E_ARG, -1, "source-address must be a comma-separated list of addresses or CIDR ranges");
        } else if (strcmp(name, "verify-required") == 0) {
            if (value && *value) return vouch_fail(d, VOUCH_E_ARG, -1, "verify-required takes no value");
        } else {
            return vouch_fail(d, VOUCH_E_ARG, -1, "unknown critical option %.60s (known: force-command, source-address, verify-required)", name);
        }
        names[0][i] = name;
    }
    for (size_t i = 0; i < q->nextensions; i++) {
        const char *name = q->extensions[i];
        if (!name || !valid_name(name)) return vouch_fail(d, VOUCH_E_ARG, -1, "extension %zu has no valid name", i);
        bool known = false;
        for (size_t k = 0; k < sizeof KNOWN_EXTENSIONS / sizeof KNOWN_EXTENSIONS[0]; k++) known |= strcmp(name, KNOWN_EXTENSIONS[k]) == 0;
        if (!known && !strchr(name, '@'))
            return vouch_fail(d, VOUCH_E_ARG, -1, "unknown extension %.60s (custom extensions are name@domain)", name);
        if (strcmp(name, "no-touch-required") == 0 && !sk)
            return vouch_fail(d, VOUCH_E_ARG, -1, "no-touch-required applies to security-key (sk-) keys only");
        names[1][i] = name;
        values[1][i] = NULL;
    }
    for (int e = 0; e < 2; e++) {
        /* sort the names; options keep their values alongside */
        for (size_t i = 0; i < n[e]; i++)
            for (size_t j = i + 1; j < n[e]; j++) {
                int c = strcmp(names[e][i], names[e][j]);
                if (c == 0) return vouch_fail(d, VOUCH_E_ARG, -1, "%s %s given twice", e ? "extension" : "critical option", names[e][i]);
            }
        if (e == 0) {
            /* pair values to names before sorting */
            const char *pairs[32][2];
            for (size_t i = 0; i < n[0]; i++) pairs[i][0] = q->option_names[i], pairs[i][1] = q->option_values ? q->option_values[i] : NULL;
            qsort(pairs, n[0], sizeof pairs[0], cmp_str);
            for (size_t i = 0; i < n[0]; i++) names[0][i] = pairs[i][0], values[0][i] = pairs[i][1];
        } else {
            qsort(names[1], n[1], sizeof names[1][0], cmp_str);
        }
    }
    uint8_t nonce[32];
    vouch_random_small(nonce, sizeof nonce);
    const vouch_ssh_pubkey *cak = vouch_ssh_privkey_public(ca);
    cert_body body = {kind, key_fields(q->key), nonce, sizeof nonce, q->serial, q->type, q->key_id,
                      q->principals, q->nprincipals, q->valid_after, q->valid_before,
                      {names[0], names[1]}, {values[0], values[1]}, {NULL, NULL}, {n[0], n[1]}, blob_of(cak)};
    /* one allocation: the body's fixed part and strings, then room for the signature */
    size_t cap = 256 + body.sigkey.n + (q->key_id ? strlen(q->key_id) : 0) + body.key_fields.n + 1024;
    for (size_t i = 0; i < q->nprincipals; i++) cap += 4 + strlen(q->principals[i]);
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < n[e]; i++) cap += 16 + strlen(names[e][i]) + (values[e][i] ? strlen(values[e][i]) : 0);
    vbuf b = {.p = malloc(cap), .n = 0, .cap = cap};
    if (!b.p) return vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory");
    int rc = write_body(&b, &body);
    if (!rc) rc = vssh_sign_append(ca, b.p, b.n, q->rsa_sha256, &b);
    if (rc) {
        free(b.p);
        return vouch_fail(d, rc, -1, "the certificate could not be signed");
    }
    *out = b.p;
    *len = b.n;
    return 0;
}
