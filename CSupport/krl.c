/* krl.c: OpenSSH Key Revocation Lists (PROTOCOL.krl): a deterministic encoder, a strict
 * parser that normalises the content as OpenSSH loads it (sections of one CA merged,
 * serials coalesced into sorted ranges, key IDs, keys and hashes sorted and unique), and
 * the check sshd makes (ssh_krl_check_key). The rules are in vouch_krl.h. Built on
 * sshcert.c (certificates), sshkey.c (keys, key types) and sshwire.c; nothing below calls
 * it. Written from PROTOCOL.krl and the observed behaviour of ssh-keygen and sshd. */
#include "internal.h"
#include "sshkey_internal.h"
#include "sshwire.h"
#include "vouch_base64.h"
#include "vouch_krl.h"
#include "vouch_ssh.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    SEC_CERTIFICATES = 1, SEC_EXPLICIT_KEY = 2, SEC_SHA1 = 3, SEC_SIGNATURE = 4, SEC_SHA256 = 5, SEC_EXTENSION = 255,
    SUB_SERIAL_LIST = 0x20, SUB_SERIAL_RANGE = 0x21, SUB_SERIAL_BITMAP = 0x22, SUB_KEY_ID = 0x23, SUB_EXTENSION = 0x39,
};
static const uint8_t MAGIC[8] = {'S', 'S', 'H', 'K', 'R', 'L', '\n', 0};
enum {
    MAX_BITMAP = 2049, /* OpenSSH's largest bignum (SSHBUF_MAX_BIGNUM) plus a sign byte */
    MAX_TEXT = 1024,   /* a comment or key ID we write */
};

/* ---- shared helpers ---- */

/* OpenSSH's blob order: bytes first, then the shorter one first. */
static int blob_cmp(vspan a, vspan b) {
    int c = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);
    if (c) return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

/* Grows *p (an array of size-byte items with *cap slots) to hold n + 1 items. */
static int grow(void *pp, size_t *cap, size_t n, size_t size) {
    void **p = pp;
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    if (nc > SIZE_MAX / size) return VOUCH_E_NOMEM;
    void *q = realloc(*p, nc * size);
    if (!q) return VOUCH_E_NOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

/* qsort, which must not see a NULL array even when it is empty. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    if (n > 1) qsort(base, n, size, cmp);
}

static bool text_ok(const uint8_t *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f) return false;
    return true;
}

static bool ends_with(vspan s, const char *suffix) {
    size_t n = strlen(suffix);
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

static void sha256_of(vspan b, uint8_t out[32]) {
    uint8_t h[64];
    vdigest(0, b.p, b.n, h);
    memcpy(out, h, 32);
}

/* "SHA256:" + unpadded base64 of a blob's SHA-256, as ssh-keygen -l prints. */
static void fingerprint(vspan blob, char *buf, size_t cap) {
    uint8_t h[32];
    char b64[64];
    size_t n;
    sha256_of(blob, h);
    if (vouch_base64_encode(h, 32, VOUCH_BASE64_STANDARD_UNPADDED, b64, sizeof b64, &n)) b64[0] = 0;
    snprintf(buf, cap, "SHA256:%s", b64);
}

/* A key ID fit for a one-line message: control characters become '?'. */
static void printable_copy(const char *s, char *buf, size_t cap) {
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    buf[i] = 0;
}

/* ---- the parsed KRL ---- */

typedef struct {
    size_t ca; /* while parsing: the certificate section's index; then the CA's */
    uint64_t lo, hi;
} krange;

typedef struct {
    size_t ca;
    const char *id;
} kid;

typedef struct {
    long ca;   /* -1: a top-level section */
    const char *name;
} kext;

struct vouch_krl {
    uint8_t *data;          /* the KRL as given: the spans below point into it */
    size_t len;
    char *arena;            /* NUL-terminated copies: comment, key IDs, extension names */
    size_t arena_n;
    uint64_t version, date;
    const char *comment;
    vspan *secs;            /* while parsing: each certificate section's CA key; then the CAs */
    size_t nsecs, capsecs;
    size_t ncas;
    size_t *by_key;         /* CA indices sorted by key blob */
    krange *ranges;         /* sorted by CA, then serial; coalesced */
    size_t nranges, capranges;
    size_t *range_at;       /* ncas + 1 starts into ranges */
    kid *ids;               /* sorted by CA, then ID; unique */
    size_t nids, capids;
    size_t *id_at;
    vspan *keys;            /* explicit keys, sorted, unique */
    size_t nkeys, capkeys;
    const uint8_t **h[2];   /* SHA-1 (0) and SHA-256 (1) hashes into data, sorted, unique */
    size_t nh[2], caph[2];
    kext *exts;
    size_t nexts, capexts;
};

void vouch_krl_free(vouch_krl *k) {
    if (!k) return;
    free(k->data), free(k->arena), free(k->secs), free(k->by_key), free(k->ranges), free(k->range_at), free(k->ids), free(k->id_at);
    free(k->keys), free(k->h[0]), free(k->h[1]), free(k->exts);
    free(k);
}

static const char *arena_put(vouch_krl *k, vspan s) {
    char *p = k->arena + k->arena_n;
    memcpy(p, s.p, s.n);
    p[s.n] = 0;
    k->arena_n += s.n + 1;
    return p;
}

static size_t items(const vouch_krl *k) { return k->nranges + k->nids + k->nkeys + k->nh[0] + k->nh[1]; }

#define OOM(d) vouch_fail(d, VOUCH_E_NOMEM, -1, "out of memory")
#define BAD(d, ...) vouch_fail(d, VOUCH_E_SSH_MALFORMED, -1, __VA_ARGS__)

static int add_range(vouch_krl *k, size_t sec, uint64_t lo, uint64_t hi, vouch_diag *d) {
    if (items(k) >= VOUCH_KRL_MAX_ITEMS) return BAD(d, "KRL: more than %u entries", VOUCH_KRL_MAX_ITEMS);
    if (grow(&k->ranges, &k->capranges, k->nranges, sizeof *k->ranges)) return OOM(d);
    k->ranges[k->nranges++] = (krange){sec, lo, hi};
    return 0;
}

/* An extension section's body: string name, boolean critical, string contents. Critical
 * ones are refused, others listed and skipped. */
static int read_extension(vouch_krl *k, vspan body, long ca, const char *where, vouch_diag *d) {
    vsshr r = {body.p, body.p + body.n};
    vspan name, contents;
    if (vsshr_string(&r, &name) || r.p == r.end) return BAD(d, "KRL: %s extension is truncated", where);
    uint8_t critical = *r.p++;
    if (vsshr_string(&r, &contents)) return BAD(d, "KRL: %s extension is truncated", where);
    if (r.p != r.end) return BAD(d, "KRL: %zu bytes after the %s extension", (size_t)(r.end - r.p), where);
    if (memchr(name.p, 0, name.n)) return BAD(d, "KRL: a %s extension name holds a NUL byte", where);
    const char *shown_name = arena_put(k, name);
    char shown[80];
    printable_copy(shown_name, shown, sizeof shown);
    if (critical) return BAD(d, "KRL: unsupported critical %s extension \"%s\"", where, shown);
    if (grow(&k->exts, &k->capexts, k->nexts, sizeof *k->exts)) return OOM(d);
    k->exts[k->nexts++] = (kext){ca, shown_name};
    return 0;
}

static int read_bitmap(vouch_krl *k, size_t sec, vspan sub, vouch_diag *d) {
    vsshr r = {sub.p, sub.p + sub.n};
    uint64_t offset;
    vspan bm;
    if (vsshr_u64(&r, &offset)) return BAD(d, "KRL: a serial bitmap is truncated");
    if (vsshr_mpint(&r, &bm)) return BAD(d, "KRL: a serial bitmap is not a minimal non-negative mpint");
    if (r.p != r.end) return BAD(d, "KRL: %zu bytes after a serial bitmap", (size_t)(r.end - r.p));
    if (bm.n > MAX_BITMAP) return BAD(d, "KRL: a serial bitmap of %zu bytes (OpenSSH reads at most 2048)", bm.n);
    if (bm.n && bm.p[0] == 0) bm.p++, bm.n--; /* the sign byte */
    if (!bm.n) return 0;
    uint64_t nbits = (uint64_t)(bm.n - 1) * 8;
    for (uint8_t x = bm.p[0]; x; x >>= 1) nbits++;
    if (nbits >= 2 && offset > UINT64_MAX - (nbits - 1)) return BAD(d, "KRL: a serial bitmap at offset %llu runs past serial 2^64-1", (unsigned long long)offset);
    /* bit i of the big-endian integer is serial offset + i; runs of set bits become ranges */
    uint64_t start = 0;
    bool in = false;
    for (uint64_t i = 0; i <= nbits; i++) {
        bool set = i < nbits && (bm.p[bm.n - 1 - i / 8] >> (i % 8) & 1);
        if (set && !in) start = i, in = true;
        if (!set && in) {
            if (offset + start == 0) return BAD(d, "KRL: a serial bitmap revokes serial 0 (OpenSSH refuses it: serial 0 is no serial)");
            int rc = add_range(k, sec, offset + start, offset + i - 1, d);
            if (rc) return rc;
            in = false;
        }
    }
    return 0;
}

static int read_certificates(vouch_krl *k, vspan body, size_t at, vouch_diag *d) {
    vsshr r = {body.p, body.p + body.n};
    vspan ca, reserved;
    if (vsshr_string(&r, &ca) || vsshr_string(&r, &reserved))
        return BAD(d, "KRL: the certificate section at offset %zu has a truncated CA key or reserved field", at);
    if (grow(&k->secs, &k->capsecs, k->nsecs, sizeof *k->secs)) return OOM(d);
    size_t sec = k->nsecs;
    k->secs[k->nsecs++] = ca;
    if (r.p == r.end) return BAD(d, "KRL: the certificate section at offset %zu has no subsection", at);
    while (r.p != r.end) {
        size_t sat = at + 5 + (size_t)(r.p - body.p);
        uint8_t type = *r.p++;
        vspan sub;
        if (vsshr_string(&r, &sub))
            return BAD(d, "KRL: the certificate subsection at offset %zu (type 0x%02x) is truncated: its length runs past its section", sat, type);
        vsshr q = {sub.p, sub.p + sub.n};
        int rc = 0;
        switch (type) {
        case SUB_SERIAL_LIST:
            if (sub.n % 8) return BAD(d, "KRL: the serial list at offset %zu is %zu bytes, not whole 64-bit serials", sat, sub.n);
            while (q.p != q.end && !rc) {
                uint64_t s;
                vsshr_u64(&q, &s);
                if (s == 0) return BAD(d, "KRL: the serial list at offset %zu holds serial 0 (OpenSSH refuses it: serial 0 is no serial)", sat);
                rc = add_range(k, sec, s, s, d);
            }
            break;
        case SUB_SERIAL_RANGE: {
            uint64_t lo, hi;
            if (vsshr_u64(&q, &lo) || vsshr_u64(&q, &hi) || q.p != q.end)
                return BAD(d, "KRL: the serial range at offset %zu is %zu bytes, not two 64-bit serials", sat, sub.n);
            if (lo == 0 || lo > hi)
                return BAD(d, "KRL: the serial range %llu-%llu at offset %zu %s (OpenSSH refuses it)", (unsigned long long)lo,
                           (unsigned long long)hi, sat, lo == 0 ? "starts at serial 0" : "ends before it starts");
            rc = add_range(k, sec, lo, hi, d);
            break;
        }
        case SUB_SERIAL_BITMAP:
            rc = read_bitmap(k, sec, sub, d);
            break;
        case SUB_KEY_ID:
            if (!sub.n) return BAD(d, "KRL: the key ID subsection at offset %zu is empty (it holds at least one)", sat);
            while (q.p != q.end) {
                vspan id;
                if (vsshr_string(&q, &id)) return BAD(d, "KRL: a key ID at offset %zu is truncated", sat);
                if (memchr(id.p, 0, id.n)) return BAD(d, "KRL: a key ID at offset %zu holds a NUL byte", sat);
                if (items(k) >= VOUCH_KRL_MAX_ITEMS) return BAD(d, "KRL: more than %u entries", VOUCH_KRL_MAX_ITEMS);
                if (grow(&k->ids, &k->capids, k->nids, sizeof *k->ids)) return OOM(d);
                k->ids[k->nids++] = (kid){sec, arena_put(k, id)};
            }
            break;
        case SUB_EXTENSION:
            rc = read_extension(k, sub, (long)sec, "certificate section", d);
            break;
        default:
            return BAD(d, "KRL: unknown certificate subsection type 0x%02x at offset %zu", type, sat);
        }
        if (rc) return rc;
    }
    return 0;
}

static int read_hashes(vouch_krl *k, vspan body, int sha256, size_t at, vouch_diag *d) {
    const char *what = sha256 ? "SHA-256" : "SHA-1";
    size_t want = sha256 ? 32 : 20;
    if (!body.n) return BAD(d, "KRL: the %s section at offset %zu is empty (it holds at least one hash)", what, at);
    vsshr r = {body.p, body.p + body.n};
    const uint8_t *prev = NULL;
    while (r.p != r.end) {
        vspan h;
        if (vsshr_string(&r, &h)) return BAD(d, "KRL: a hash in the %s section at offset %zu is truncated", what, at);
        if (h.n != want) return BAD(d, "KRL: a hash of %zu bytes in the %s section at offset %zu (%zu expected)", h.n, what, at, want);
        if (prev && memcmp(prev, h.p, want) >= 0)
            return BAD(d, "KRL: the hashes of the %s section at offset %zu are not in ascending order (PROTOCOL.krl requires it)", what, at);
        prev = h.p;
        if (items(k) >= VOUCH_KRL_MAX_ITEMS) return BAD(d, "KRL: more than %u entries", VOUCH_KRL_MAX_ITEMS);
        if (grow(&k->h[sha256], &k->caph[sha256], k->nh[sha256], sizeof *k->h[0])) return OOM(d);
        k->h[sha256][k->nh[sha256]++] = h.p;
    }
    return 0;
}

/* A CA key or explicit key: a public key blob, not a certificate. Key types the core knows
 * must parse (weak or over-large keys are kept: they match nothing Vouch accepts); other
 * types must be a type name followed by whole SSH strings. */
static int check_key_blob(vspan b, const char *what, vouch_diag *d) {
    vsshr r = {b.p, b.p + b.n};
    vspan t;
    if (vsshr_string(&r, &t) || t.n == 0 || t.n > 128 || !text_ok(t.p, t.n) || memchr(t.p, ' ', t.n))
        return BAD(d, "KRL: %s does not start with a key type name", what);
    if (vssh_type_by_name(t, true) >= 0 || ends_with(t, "-cert-v01@openssh.com"))
        return BAD(d, "KRL: %s is a certificate (%.*s), not a public key", what, (int)t.n, (const char *)t.p);
    if (vssh_type_by_name(t, false) >= 0) {
        vouch_ssh_pubkey *key = NULL;
        vouch_diag kd = {0};
        int rc = vouch_ssh_pubkey_parse(b.p, b.n, &key, &kd);
        vouch_ssh_pubkey_free(key);
        if (rc == 0) return 0;
        if (rc != VOUCH_E_WEAK_KEY && rc != VOUCH_E_UNSUPPORTED_KEY) return vouch_fail(d, rc, -1, "KRL: %s: %s", what, kd.detail);
    }
    while (r.p != r.end)
        if (vsshr_string(&r, &t)) return BAD(d, "KRL: %s (%.*s) is not a sequence of SSH strings", what, (int)(t.n > 60 ? 60 : t.n), (const char *)b.p + 4);
    return 0;
}

/* ---- normalising ---- */

/* A certificate section's CA key and position, for grouping sections of one CA. */
typedef struct {
    vspan key;
    size_t sec;
} ksec;

static int cmp_ksec(const void *a, const void *b) {
    const ksec *x = a, *y = b;
    int c = blob_cmp(x->key, y->key);
    return c ? c : (x->sec > y->sec) - (x->sec < y->sec);
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int cmp_range(const void *a, const void *b) {
    const krange *x = a, *y = b;
    if (x->ca != y->ca) return x->ca < y->ca ? -1 : 1;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return (x->hi > y->hi) - (x->hi < y->hi);
}

static int cmp_id(const void *a, const void *b) {
    const kid *x = a, *y = b;
    if (x->ca != y->ca) return x->ca < y->ca ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int cmp_span(const void *a, const void *b) { return blob_cmp(*(const vspan *)a, *(const vspan *)b); }
static int cmp_h20(const void *a, const void *b) { return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, 20); }
static int cmp_h32(const void *a, const void *b) { return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, 32); }

/* Coalesces sorted ranges in place: overlapping or adjacent ranges of one CA become one. */
static size_t coalesce(krange *r, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o && r[o - 1].ca == r[i].ca && (r[i].lo <= r[o - 1].hi || r[i].lo - 1 == r[o - 1].hi)) {
            if (r[i].hi > r[o - 1].hi) r[o - 1].hi = r[i].hi;
        } else {
            r[o++] = r[i];
        }
    }
    return o;
}

static int normalise(vouch_krl *k, vouch_diag *d) {
    size_t n = k->nsecs, m = n ? n : 1;
    ksec *order = malloc(m * sizeof *order);
    size_t *group = malloc(m * sizeof *group), *first = malloc(m * sizeof *first), *rank = malloc(m * sizeof *rank);
    size_t *map = malloc(m * sizeof *map), *byfirst = malloc(m * sizeof *byfirst);
    vspan *cas = malloc(m * sizeof *cas);
    int rc = 0;
    if (!order || !group || !first || !rank || !map || !byfirst || !cas) { rc = OOM(d); goto out; }
    /* group the sections of one CA: sort them by key, then by position */
    for (size_t i = 0; i < n; i++) order[i] = (ksec){k->secs[i], i};
    sort(order, n, sizeof *order, cmp_ksec);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || blob_cmp(order[i].key, order[i - 1].key) != 0) first[ng++] = order[i].sec;
        group[order[i].sec] = ng - 1;
    }
    /* CA indices by first appearance (as OpenSSH lists them); by_key keeps the key order */
    memcpy(byfirst, first, ng * sizeof *first);
    sort(byfirst, ng, sizeof *byfirst, cmp_size);
    for (size_t i = 0; i < ng; i++) rank[group[byfirst[i]]] = i;
    for (size_t s = 0; s < n; s++) map[s] = rank[group[s]];
    k->ncas = ng;
    if (!(k->by_key = malloc((ng ? ng : 1) * sizeof *k->by_key))) { rc = OOM(d); goto out; }
    for (size_t g = 0; g < ng; g++) k->by_key[g] = rank[g], cas[rank[g]] = k->secs[first[g]];
    free(k->secs);
    k->secs = cas;
    cas = NULL;
    for (size_t c = 0; c < ng; c++) {
        char what[48];
        snprintf(what, sizeof what, "the key of CA %zu", c);
        if (k->secs[c].n && (rc = check_key_blob(k->secs[c], what, d))) goto out;
    }
    /* serials and key IDs by CA */
    for (size_t i = 0; i < k->nranges; i++) k->ranges[i].ca = map[k->ranges[i].ca];
    sort(k->ranges, k->nranges, sizeof *k->ranges, cmp_range);
    k->nranges = coalesce(k->ranges, k->nranges);
    for (size_t i = 0; i < k->nids; i++) k->ids[i].ca = map[k->ids[i].ca];
    sort(k->ids, k->nids, sizeof *k->ids, cmp_id);
    size_t o = 0;
    for (size_t i = 0; i < k->nids; i++)
        if (!o || cmp_id(&k->ids[o - 1], &k->ids[i]) != 0) k->ids[o++] = k->ids[i];
    k->nids = o;
    for (size_t i = 0; i < k->nexts; i++)
        if (k->exts[i].ca >= 0) k->exts[i].ca = (long)map[k->exts[i].ca];
    k->range_at = calloc(ng + 1, sizeof *k->range_at);
    k->id_at = calloc(ng + 1, sizeof *k->id_at);
    if (!k->range_at || !k->id_at) { rc = OOM(d); goto out; }
    for (size_t c = 0, i = 0, j = 0; c <= ng; c++) {
        while (i < k->nranges && k->ranges[i].ca < c) i++;
        while (j < k->nids && k->ids[j].ca < c) j++;
        k->range_at[c] = i, k->id_at[c] = j;
    }
    /* keys and hashes */
    sort(k->keys, k->nkeys, sizeof *k->keys, cmp_span);
    o = 0;
    for (size_t i = 0; i < k->nkeys; i++)
        if (!o || blob_cmp(k->keys[o - 1], k->keys[i]) != 0) k->keys[o++] = k->keys[i];
    k->nkeys = o;
    for (size_t i = 0; i < k->nkeys; i++) {
        char what[48];
        snprintf(what, sizeof what, "revoked key %zu", i);
        if ((rc = check_key_blob(k->keys[i], what, d))) goto out;
    }
    for (int s = 0; s < 2; s++) {
        size_t hl = s ? 32 : 20;
        sort(k->h[s], k->nh[s], sizeof *k->h[s], s ? cmp_h32 : cmp_h20);
        o = 0;
        for (size_t i = 0; i < k->nh[s]; i++)
            if (!o || memcmp(k->h[s][o - 1], k->h[s][i], hl) != 0) k->h[s][o++] = k->h[s][i];
        k->nh[s] = o;
    }
out:
    free(order), free(group), free(first), free(rank), free(map), free(byfirst), free(cas);
    return rc;
}

/* ---- parsing ---- */

static int parse(vouch_krl *k, vouch_diag *d) {
    vsshr r = {k->data, k->data + k->len};
    if (k->len < 8 || memcmp(k->data, MAGIC, 8) != 0) return BAD(d, "not a KRL: it does not start with the magic SSHKRL\\n\\0");
    r.p += 8;
    uint32_t format;
    uint64_t flags;
    vspan reserved, comment;
    if (vsshr_u32(&r, &format)) return BAD(d, "KRL: the header is truncated");
    if (format != 1) return BAD(d, "KRL: format version %u (only version 1 exists)", format);
    if (vsshr_u64(&r, &k->version) || vsshr_u64(&r, &k->date) || vsshr_u64(&r, &flags) || vsshr_string(&r, &reserved) ||
        vsshr_string(&r, &comment))
        return BAD(d, "KRL: the header is truncated or a length in it runs past the end");
    if (flags) return BAD(d, "KRL: flags 0x%llx in the header (none are defined)", (unsigned long long)flags);
    if (memchr(comment.p, 0, comment.n)) return BAD(d, "KRL: the comment holds a NUL byte");
    k->comment = arena_put(k, comment);
    while (r.p != r.end) {
        size_t at = (size_t)(r.p - k->data);
        uint8_t type = *r.p++;
        vspan body;
        if (vsshr_string(&r, &body))
            return BAD(d, "KRL: the %zu bytes at offset %zu are not a whole section (type %u, then a length that runs past the end)",
                       (size_t)(r.end - r.p) + 1, at, type);
        int rc = 0;
        switch (type) {
        case SEC_CERTIFICATES:
            rc = read_certificates(k, body, at, d);
            break;
        case SEC_EXPLICIT_KEY: {
            if (!body.n) return BAD(d, "KRL: the explicit key section at offset %zu is empty (it holds at least one key)", at);
            vsshr q = {body.p, body.p + body.n};
            while (q.p != q.end) {
                vspan key;
                if (vsshr_string(&q, &key)) return BAD(d, "KRL: a key in the explicit key section at offset %zu is truncated", at);
                if (items(k) >= VOUCH_KRL_MAX_ITEMS) return BAD(d, "KRL: more than %u entries", VOUCH_KRL_MAX_ITEMS);
                if (grow(&k->keys, &k->capkeys, k->nkeys, sizeof *k->keys)) return OOM(d);
                k->keys[k->nkeys++] = key;
            }
            break;
        }
        case SEC_SHA1: case SEC_SHA256:
            rc = read_hashes(k, body, type == SEC_SHA256, at, d);
            break;
        case SEC_SIGNATURE:
            return BAD(d, "KRL: a signature section at offset %zu: KRL signatures are not supported (OpenSSH never checked them and "
                          "9.4 and later refuse them); sign the KRL with ssh-keygen -Y sign instead", at);
        case SEC_EXTENSION:
            rc = read_extension(k, body, -1, "KRL", d);
            break;
        default:
            return BAD(d, "KRL: unknown section type %u at offset %zu", type, at);
        }
        if (rc) return rc;
    }
    return normalise(k, d);
}

int vouch_krl_parse(const uint8_t *data, size_t len, vouch_krl **out, vouch_diag *d) {
    if (!out || (!data && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    *out = NULL;
    if (len > VOUCH_KRL_MAX_SIZE) return vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "a KRL of %zu bytes (at most %u)", len, VOUCH_KRL_MAX_SIZE);
    vouch_ensure_init();
    vouch_krl *k = calloc(1, sizeof *k);
    if (!k || !(k->data = malloc(len ? len : 1)) || !(k->arena = malloc(len + 1))) {
        vouch_krl_free(k);
        return OOM(d);
    }
    if (len) memcpy(k->data, data, len);
    k->len = len;
    int rc = parse(k, d);
    if (rc) {
        vouch_krl_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

uint64_t vouch_krl_version(const vouch_krl *k) { return k->version; }
uint64_t vouch_krl_generated_date(const vouch_krl *k) { return k->date; }
const char *vouch_krl_comment(const vouch_krl *k) { return k->comment; }
size_t vouch_krl_ca_count(const vouch_krl *k) { return k->ncas; }
const uint8_t *vouch_krl_ca_key(const vouch_krl *k, size_t ca, size_t *len) {
    if (ca >= k->ncas) { *len = 0; return NULL; }
    *len = k->secs[ca].n;
    return k->secs[ca].p;
}
size_t vouch_krl_serial_range_count(const vouch_krl *k, size_t ca) { return ca < k->ncas ? k->range_at[ca + 1] - k->range_at[ca] : 0; }
vouch_krl_range vouch_krl_serial_range(const vouch_krl *k, size_t ca, size_t i) {
    if (i >= vouch_krl_serial_range_count(k, ca)) return (vouch_krl_range){0, 0};
    const krange *r = &k->ranges[k->range_at[ca] + i];
    return (vouch_krl_range){r->lo, r->hi};
}
size_t vouch_krl_key_id_count(const vouch_krl *k, size_t ca) { return ca < k->ncas ? k->id_at[ca + 1] - k->id_at[ca] : 0; }
const char *vouch_krl_key_id(const vouch_krl *k, size_t ca, size_t i) {
    return i < vouch_krl_key_id_count(k, ca) ? k->ids[k->id_at[ca] + i].id : NULL;
}
size_t vouch_krl_key_count(const vouch_krl *k) { return k->nkeys; }
const uint8_t *vouch_krl_key(const vouch_krl *k, size_t i, size_t *len) {
    if (i >= k->nkeys) { *len = 0; return NULL; }
    *len = k->keys[i].n;
    return k->keys[i].p;
}
size_t vouch_krl_hash_count(const vouch_krl *k, int sha256) { return k->nh[sha256 ? 1 : 0]; }
const uint8_t *vouch_krl_hash(const vouch_krl *k, int sha256, size_t i) { return i < k->nh[sha256 ? 1 : 0] ? k->h[sha256 ? 1 : 0][i] : NULL; }
size_t vouch_krl_extension_count(const vouch_krl *k) { return k->nexts; }
const char *vouch_krl_extension_name(const vouch_krl *k, size_t i, long *ca) {
    if (i >= k->nexts) return NULL;
    if (ca) *ca = k->exts[i].ca;
    return k->exts[i].name;
}

/* ---- checking ---- */

static bool find_hash(const vouch_krl *k, int s, const uint8_t *h) {
    size_t lo = 0, hi = k->nh[s], hl = s ? 32 : 20;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(k->h[s][mid], h, hl);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return false;
}

static bool find_key(const vouch_krl *k, vspan blob) {
    size_t lo = 0, hi = k->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = blob_cmp(k->keys[mid], blob);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return false;
}

/* The CA index of a key blob (the empty blob: the any-CA section), or -1. */
static long find_ca(const vouch_krl *k, vspan key) {
    size_t lo = 0, hi = k->ncas;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = blob_cmp(k->secs[k->by_key[mid]], key);
        if (c == 0) return (long)k->by_key[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}

static bool find_serial(const vouch_krl *k, size_t ca, uint64_t serial, vouch_krl_range *hit) {
    size_t lo = k->range_at[ca], hi = k->range_at[ca + 1];
    while (lo < hi) { /* the first range ending at or after serial */
        size_t mid = lo + (hi - lo) / 2;
        if (k->ranges[mid].hi < serial) lo = mid + 1; else hi = mid;
    }
    if (lo == k->range_at[ca + 1] || k->ranges[lo].lo > serial) return false;
    *hit = (vouch_krl_range){k->ranges[lo].lo, k->ranges[lo].hi};
    return true;
}

static bool find_id(const vouch_krl *k, size_t ca, const char *id) {
    size_t lo = k->id_at[ca], hi = k->id_at[ca + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k->ids[mid].id, id);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return false;
}

/* A plain key by SHA-1, SHA-256 and explicit listing, in sshd's order; the reason or 0. */
static int key_reason(const vouch_krl *k, vspan blob) {
    uint8_t h[32];
    if (k->nh[0]) {
        SHA1(blob.p, blob.n, h);
        if (find_hash(k, 0, h)) return VOUCH_KRL_BY_SHA1;
    }
    if (k->nh[1]) {
        sha256_of(blob, h);
        if (find_hash(k, 1, h)) return VOUCH_KRL_BY_SHA256;
    }
    return find_key(k, blob) ? VOUCH_KRL_BY_KEY : 0;
}

static const char *HOW[] = {"", "by its SHA-1 fingerprint", "by its SHA-256 fingerprint", "explicitly"};

static vspan blob_of(const vouch_ssh_pubkey *key) {
    vspan b;
    b.p = vouch_ssh_pubkey_blob(key, &b.n);
    return b;
}

static int revoked(vouch_krl_verdict *v, vouch_krl_verdict got) {
    if (v) *v = got;
    return VOUCH_E_REVOKED;
}

int vouch_krl_check_key(const vouch_krl *k, const vouch_ssh_pubkey *key, vouch_krl_verdict *v, vouch_diag *d) {
    if (v) *v = (vouch_krl_verdict){VOUCH_KRL_NOT_REVOKED, 0, -1, {0, 0}};
    if (!k || !key) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    int why = key_reason(k, blob_of(key));
    if (!why) return 0;
    char fp[64];
    fingerprint(blob_of(key), fp, sizeof fp);
    vouch_fail(d, VOUCH_E_REVOKED, -1, "the key %s is revoked %s", fp, HOW[why]);
    return revoked(v, (vouch_krl_verdict){why, 0, -1, {0, 0}});
}

int vouch_krl_check_cert(const vouch_krl *k, const vouch_ssh_cert *c, vouch_krl_verdict *v, vouch_diag *d) {
    if (v) *v = (vouch_krl_verdict){VOUCH_KRL_NOT_REVOKED, 0, -1, {0, 0}};
    if (!k || !c) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    char fp[64], cafp[64];
    vspan key = blob_of(vouch_ssh_cert_key(c)), cakey = blob_of(vouch_ssh_cert_signature_key(c));
    int why = key_reason(k, key);
    if (why) {
        fingerprint(key, fp, sizeof fp);
        vouch_fail(d, VOUCH_E_REVOKED, -1, "the certificate's key %s is revoked %s", fp, HOW[why]);
        return revoked(v, (vouch_krl_verdict){why, 0, -1, {0, 0}});
    }
    fingerprint(cakey, cafp, sizeof cafp);
    long cas[2] = {find_ca(k, cakey), find_ca(k, (vspan){(const uint8_t *)"", 0})};
    const char *id = vouch_ssh_cert_key_id(c);
    uint64_t serial = vouch_ssh_cert_serial(c);
    for (int i = 0; i < 2; i++) {
        if (cas[i] < 0) continue;
        char scope[96];
        snprintf(scope, sizeof scope, i ? "for every CA" : "for its CA %s", cafp);
        if (find_id(k, (size_t)cas[i], id)) {
            char shown[128];
            printable_copy(id, shown, sizeof shown);
            vouch_fail(d, VOUCH_E_REVOKED, -1, "the certificate's key ID \"%s\" is revoked %s", shown, scope);
            return revoked(v, (vouch_krl_verdict){VOUCH_KRL_BY_KEY_ID, 0, cas[i], {0, 0}});
        }
        vouch_krl_range hit;
        if (serial != 0 && find_serial(k, (size_t)cas[i], serial, &hit)) {
            char range[64] = "";
            if (hit.lo != hit.hi) snprintf(range, sizeof range, " (in the range %llu-%llu)", (unsigned long long)hit.lo, (unsigned long long)hit.hi);
            vouch_fail(d, VOUCH_E_REVOKED, -1, "the certificate's serial %llu is revoked%s %s", (unsigned long long)serial, range, scope);
            return revoked(v, (vouch_krl_verdict){VOUCH_KRL_BY_SERIAL, 0, cas[i], hit});
        }
    }
    if ((why = key_reason(k, cakey))) {
        vouch_fail(d, VOUCH_E_REVOKED, -1, "the certificate's CA key %s is revoked %s", cafp, HOW[why]);
        return revoked(v, (vouch_krl_verdict){why, 1, -1, {0, 0}});
    }
    return 0;
}

int vouch_krl_check_blob(const vouch_krl *k, const uint8_t *blob, size_t len, vouch_krl_verdict *v, vouch_diag *d) {
    if (v) *v = (vouch_krl_verdict){VOUCH_KRL_NOT_REVOKED, 0, -1, {0, 0}};
    if (!k || (!blob && len)) return vouch_fail(d, VOUCH_E_ARG, -1, "invalid argument");
    vsshr r = {blob, blob + len};
    vspan t;
    int rc;
    if (!vsshr_string(&r, &t) && vssh_type_by_name(t, true) >= 0) {
        vouch_ssh_cert *c = NULL;
        if ((rc = vouch_ssh_cert_parse(blob, len, &c, d))) return rc;
        rc = vouch_krl_check_cert(k, c, v, d);
        vouch_ssh_cert_free(c);
        return rc;
    }
    vouch_ssh_pubkey *key = NULL;
    if ((rc = vouch_ssh_pubkey_parse(blob, len, &key, d))) return rc;
    rc = vouch_krl_check_key(k, key, v, d);
    vouch_ssh_pubkey_free(key);
    return rc;
}

/* ---- building ---- */

#define ARG(d, ...) vouch_fail(d, VOUCH_E_ARG, -1, __VA_ARGS__)

typedef struct {
    vspan key;
    size_t spec; /* index into the spec's CAs */
} eca;

static int cmp_eca(const void *a, const void *b) {
    const eca *x = a, *y = b;
    int c = blob_cmp(x->key, y->key);
    return c ? c : (x->spec > y->spec) - (x->spec < y->spec);
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int cmp_vrange(const void *a, const void *b) {
    const vouch_krl_range *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return (x->hi > y->hi) - (x->hi < y->hi);
}

/* Writes the subsections of one CA: serials ascending (runs of three or more as a range,
 * the others gathered into serial lists), then its key IDs sorted and unique. */
static int write_ca(vbuf *b, vspan key, vouch_krl_range *rs, size_t nr, const char **ids, size_t ni) {
    size_t sect, list = 0;
    bool open = false;
    int rc = vbuf_put(b, (uint8_t[]){SEC_CERTIFICATES}, 1);
    if (!rc) rc = vsshw_open(b, &sect);
    if (!rc) rc = vsshw_string(b, key.p, key.n);
    if (!rc) rc = vsshw_string(b, "", 0); /* reserved */
    for (size_t i = 0; i < nr && !rc; i++) {
        if (rs[i].hi - rs[i].lo >= 2) {
            if (open) vsshw_close(b, list), open = false;
            rc = vbuf_put(b, (uint8_t[]){SUB_SERIAL_RANGE}, 1) || vsshw_u32(b, 16) || vsshw_u64(b, rs[i].lo) || vsshw_u64(b, rs[i].hi) ? VOUCH_E_NOMEM : 0;
            continue;
        }
        if (!open) {
            rc = vbuf_put(b, (uint8_t[]){SUB_SERIAL_LIST}, 1) || vsshw_open(b, &list) ? VOUCH_E_NOMEM : 0;
            open = !rc;
        }
        if (!rc) rc = vsshw_u64(b, rs[i].lo);
        if (!rc && rs[i].hi != rs[i].lo) rc = vsshw_u64(b, rs[i].hi);
    }
    if (open) vsshw_close(b, list);
    if (!rc && ni) {
        size_t sub;
        rc = vbuf_put(b, (uint8_t[]){SUB_KEY_ID}, 1) || vsshw_open(b, &sub) ? VOUCH_E_NOMEM : 0;
        for (size_t i = 0; i < ni && !rc; i++)
            if (i == 0 || strcmp(ids[i - 1], ids[i]) != 0) rc = vsshw_cstr(b, ids[i]);
        if (!rc) vsshw_close(b, sub);
    }
    if (!rc) vsshw_close(b, sect);
    return rc;
}

/* A section of hashes (hl bytes each, n of them back to back, already sorted), unique. */
static int write_hashes(vbuf *b, uint8_t type, const uint8_t *h, size_t n, size_t hl) {
    if (!n) return 0;
    size_t sect;
    int rc = vbuf_put(b, &type, 1) || vsshw_open(b, &sect) ? VOUCH_E_NOMEM : 0;
    for (size_t i = 0; i < n && !rc; i++)
        if (i == 0 || memcmp(h + (i - 1) * hl, h + i * hl, hl) != 0) rc = vsshw_string(b, h + i * hl, hl);
    if (!rc) vsshw_close(b, sect);
    return rc;
}

static int cmp_h20v(const void *a, const void *b) { return memcmp(a, b, 20); }
static int cmp_h32v(const void *a, const void *b) { return memcmp(a, b, 32); }

static int check_text(const char *s, const char *what, size_t i, bool may_be_empty, vouch_diag *d) {
    size_t n = strlen(s);
    if ((!n && !may_be_empty) || n > MAX_TEXT || !text_ok((const uint8_t *)s, n))
        return ARG(d, "%s %zu must be %s to %d bytes without control characters", what, i, may_be_empty ? "0" : "1", MAX_TEXT);
    return 0;
}

static int encode(const vouch_krl_spec *s, vbuf *b, vouch_diag *d) {
    size_t total = s->nkeys + s->nsha256 + s->nsha1;
    if (s->comment && check_text(s->comment, "the comment", 0, true, d)) return VOUCH_E_ARG;
    if ((s->ncas && !s->cas) || (s->nkeys && (!s->keys || !s->key_lens)) || (s->nsha256 && !s->sha256) || (s->nsha1 && !s->sha1))
        return ARG(d, "invalid argument");
    for (size_t i = 0; i < s->ncas; i++) {
        const vouch_krl_ca_spec *c = &s->cas[i];
        if ((!c->ca_key && c->ca_key_len) || (c->nserials && !c->serials) || (c->nkey_ids && !c->key_ids)) return ARG(d, "invalid argument");
        if (c->nserials > VOUCH_KRL_MAX_ITEMS || c->nkey_ids > VOUCH_KRL_MAX_ITEMS) return ARG(d, "more than %u entries", VOUCH_KRL_MAX_ITEMS);
        total += c->nserials + c->nkey_ids;
        if (c->ca_key_len) {
            vouch_ssh_pubkey *k = NULL;
            vouch_diag kd = {0};
            int rc = vouch_ssh_pubkey_parse(c->ca_key, c->ca_key_len, &k, &kd);
            vouch_ssh_pubkey_free(k);
            if (rc) return vouch_fail(d, rc, -1, "CA key %zu: %s", i, kd.detail);
        }
        for (size_t j = 0; j < c->nserials; j++)
            if (c->serials[j].lo == 0 || c->serials[j].lo > c->serials[j].hi)
                return ARG(d, "CA %zu: serial range %llu-%llu: %s", i, (unsigned long long)c->serials[j].lo, (unsigned long long)c->serials[j].hi,
                           c->serials[j].lo == 0 ? "serial 0 cannot be revoked (it is no serial: OpenSSH never checks it)" : "it ends before it starts");
        for (size_t j = 0; j < c->nkey_ids; j++)
            if (!c->key_ids[j] || check_text(c->key_ids[j], "key ID", j, false, d)) return c->key_ids[j] ? VOUCH_E_ARG : ARG(d, "invalid argument");
    }
    if (total > VOUCH_KRL_MAX_ITEMS || s->nkeys > VOUCH_KRL_MAX_ITEMS) return ARG(d, "more than %u entries", VOUCH_KRL_MAX_ITEMS);
    for (size_t i = 0; i < s->nkeys; i++) {
        vouch_ssh_pubkey *k = NULL;
        vouch_diag kd = {0};
        int rc = s->keys[i] || !s->key_lens[i] ? vouch_ssh_pubkey_parse(s->keys[i], s->key_lens[i], &k, &kd) : VOUCH_E_ARG;
        vouch_ssh_pubkey_free(k);
        if (rc) return vouch_fail(d, rc, -1, "revoked key %zu: %s", i, rc == VOUCH_E_ARG ? "invalid argument" : kd.detail);
    }

    /* the header */
    int rc = vbuf_put(b, MAGIC, 8) || vsshw_u32(b, 1) || vsshw_u64(b, s->version) || vsshw_u64(b, s->generated_date) || vsshw_u64(b, 0) ||
             vsshw_string(b, "", 0) || vsshw_cstr(b, s->comment ? s->comment : "") ? VOUCH_E_NOMEM : 0;
    if (rc) return OOM(d);

    /* one section per CA, in key order, the spec's entries for it merged */
    eca *cas = malloc((s->ncas ? s->ncas : 1) * sizeof *cas);
    if (!cas) return OOM(d);
    for (size_t i = 0; i < s->ncas; i++) cas[i] = (eca){{s->cas[i].ca_key ? s->cas[i].ca_key : (const uint8_t *)"", s->cas[i].ca_key_len}, i};
    sort(cas, s->ncas, sizeof *cas, cmp_eca);
    for (size_t i = 0, j; i < s->ncas && !rc; i = j) {
        size_t nr = 0, ni = 0;
        for (j = i; j < s->ncas && blob_cmp(cas[j].key, cas[i].key) == 0; j++) nr += s->cas[cas[j].spec].nserials, ni += s->cas[cas[j].spec].nkey_ids;
        if (!nr && !ni) continue;
        vouch_krl_range *rs = malloc((nr ? nr : 1) * sizeof *rs);
        const char **ids = malloc((ni ? ni : 1) * sizeof *ids);
        if (!rs || !ids) {
            free(rs), free(ids);
            rc = OOM(d);
            break;
        }
        nr = ni = 0;
        for (size_t g = i; g < j; g++) {
            const vouch_krl_ca_spec *c = &s->cas[cas[g].spec];
            if (c->nserials) memcpy(rs + nr, c->serials, c->nserials * sizeof *rs);
            if (c->nkey_ids) memcpy(ids + ni, c->key_ids, c->nkey_ids * sizeof *ids);
            nr += c->nserials, ni += c->nkey_ids;
        }
        sort(rs, nr, sizeof *rs, cmp_vrange);
        size_t o = 0; /* coalesce overlapping and adjacent ranges */
        for (size_t k = 0; k < nr; k++) {
            if (o && (rs[k].lo <= rs[o - 1].hi || rs[k].lo - 1 == rs[o - 1].hi)) {
                if (rs[k].hi > rs[o - 1].hi) rs[o - 1].hi = rs[k].hi;
            } else {
                rs[o++] = rs[k];
            }
        }
        sort(ids, ni, sizeof *ids, cmp_cstr);
        if (write_ca(b, cas[i].key, rs, o, ids, ni)) rc = OOM(d);
        free(rs), free(ids);
    }
    free(cas);
    if (rc) return rc;

    /* the key fingerprints: SHA-1 as given, SHA-256 as given and of the keys */
    uint8_t *h1 = malloc(s->nsha1 ? s->nsha1 * 20 : 1), *h256 = malloc((s->nsha256 + s->nkeys) ? (s->nsha256 + s->nkeys) * 32 : 1);
    if (!h1 || !h256) {
        free(h1), free(h256);
        return OOM(d);
    }
    if (s->nsha1) memcpy(h1, s->sha1, s->nsha1 * 20);
    if (s->nsha256) memcpy(h256, s->sha256, s->nsha256 * 32);
    for (size_t i = 0; i < s->nkeys; i++) sha256_of((vspan){s->keys[i], s->key_lens[i]}, h256 + (s->nsha256 + i) * 32);
    sort(h1, s->nsha1, 20, cmp_h20v);
    sort(h256, s->nsha256 + s->nkeys, 32, cmp_h32v);
    if (write_hashes(b, SEC_SHA1, h1, s->nsha1, 20) || write_hashes(b, SEC_SHA256, h256, s->nsha256 + s->nkeys, 32)) rc = OOM(d);
    free(h1), free(h256);
    if (!rc && b->n > VOUCH_KRL_MAX_SIZE)
        rc = vouch_fail(d, VOUCH_E_TOO_LARGE, -1, "the KRL would be %zu bytes (at most %u)", b->n, VOUCH_KRL_MAX_SIZE);
    return rc;
}

int vouch_krl_encode(const vouch_krl_spec *spec, uint8_t **out, size_t *len, vouch_diag *d) {
    if (!spec || !out || !len) return ARG(d, "invalid argument");
    *out = NULL;
    *len = 0;
    vouch_ensure_init();
    vbuf b = {0};
    int rc = encode(spec, &b, d);
    if (rc) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    *len = b.n;
    return 0;
}
