/* pem.c: PEM armour and a strict, table-driven base64 decoder (fast enough that a
 * login's PEM leaf costs well under a microsecond to decode). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char BEGIN[] = "-----BEGIN ";
static const char END[] = "-----END ";
static const char DASH5[] = "-----";

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *needle) {
    size_t n = strlen(needle);
    while ((size_t)(end - p) >= n) {
        const uint8_t *hit = memchr(p, needle[0], (size_t)(end - p) - n + 1);
        if (!hit) return NULL;
        if (memcmp(hit, needle, n) == 0) return hit;
        p = hit + 1;
    }
    return NULL;
}

int pem_next(const uint8_t *in, size_t len, size_t *pos, char *label, size_t labellen, vspan *body) {
    const uint8_t *end = in + len;
    const uint8_t *b = find(in + *pos, end, BEGIN);
    if (!b) { *pos = len; return 0; }
    const uint8_t *lab = b + strlen(BEGIN);
    const uint8_t *labend = find(lab, end, DASH5);
    if (!labend || labend - lab > 64) return VOUCH_E_PEM;
    for (const uint8_t *q = lab; q < labend; q++)
        if (*q < 0x20 || *q > 0x7e) return VOUCH_E_PEM;
    size_t ll = (size_t)(labend - lab);
    const uint8_t *bodystart = labend + 5;
    if (bodystart < end && *bodystart == '\r') bodystart++;
    if (bodystart >= end || *bodystart != '\n') return VOUCH_E_PEM;
    bodystart++;
    const uint8_t *e = find(bodystart, end, END);
    if (!e) return VOUCH_E_PEM;
    const uint8_t *elab = e + strlen(END);
    if ((size_t)(end - elab) < ll + 5 || memcmp(elab, lab, ll) != 0 || memcmp(elab + ll, DASH5, 5) != 0)
        return VOUCH_E_PEM;
    if (label && labellen) {
        size_t c = ll < labellen - 1 ? ll : labellen - 1;
        memcpy(label, lab, c);
        label[c] = 0;
    }
    body->p = bodystart;
    body->n = (size_t)(e - bodystart);
    *pos = (size_t)(elab + ll + 5 - in);
    return 1;
}

/* 0..63 for the alphabet, 64 for CR/LF (skipped), 65 for '=', 255 for anything else. */
static const uint8_t B64[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  64, 255, 255,  64, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255, 255, 255,  63,
     52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255, 255,  65, 255, 255,
    255,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
     15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255, 255,
    255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
     41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

int b64_decode(vspan text, uint8_t *out, size_t cap, size_t *outlen) {
    const uint8_t *p = text.p, *end = text.p + text.n;
    size_t o = 0;
    uint32_t acc = 0;
    int nacc = 0, pad = 0;
    while (p < end) {
        /* fast path: four alphabet characters in a row */
        if (end - p >= 4 && nacc == 0 && !pad) {
            uint8_t a = B64[p[0]], b = B64[p[1]], c = B64[p[2]], d = B64[p[3]];
            if ((a | b | c | d) < 64) {
                if (o + 3 > cap) return VOUCH_E_PEM;
                uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
                out[o] = (uint8_t)(v >> 16);
                out[o + 1] = (uint8_t)(v >> 8);
                out[o + 2] = (uint8_t)v;
                o += 3;
                p += 4;
                continue;
            }
        }
        uint8_t v = B64[*p++];
        if (v == 64) continue;
        if (v == 255) return VOUCH_E_PEM;
        if (v == 65) { /* '=' may only end the final quantum */
            if (nacc < 2) return VOUCH_E_PEM;
            pad++;
            if (nacc + pad == 4) {
                if (nacc == 2) {
                    if (acc & 0xf) return VOUCH_E_PEM; /* non-canonical trailing bits */
                    if (o + 1 > cap) return VOUCH_E_PEM;
                    out[o++] = (uint8_t)(acc >> 4);
                } else {
                    if (acc & 0x3) return VOUCH_E_PEM;
                    if (o + 2 > cap) return VOUCH_E_PEM;
                    out[o++] = (uint8_t)(acc >> 10);
                    out[o++] = (uint8_t)(acc >> 2);
                }
                nacc = 0;
                acc = 0;
            }
            continue;
        }
        if (pad) return VOUCH_E_PEM; /* data after padding */
        acc = acc << 6 | v;
        if (++nacc == 4) {
            if (o + 3 > cap) return VOUCH_E_PEM;
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            nacc = 0;
            acc = 0;
        }
    }
    if (nacc != 0) return VOUCH_E_PEM; /* PEM base64 is always padded to whole quanta */
    /* a padded final quantum followed by more text was refused above; padding must end it */
    *outlen = o;
    return 0;
}

static bool blank(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return false;
    return true;
}

int certs_decode(const uint8_t *in, size_t len, const char *label, uint8_t *buf, size_t cap, vspan *out,
                 size_t maxn, size_t *n, vouch_diag *d, int base) {
    *n = 0;
    size_t skip = 0;
    while (skip < len && (in[skip] == ' ' || in[skip] == '\t' || in[skip] == '\r' || in[skip] == '\n')) skip++;
    if (skip == len) return 0;
    size_t used = 0;
    if (in[skip] == 0x30) { /* DER, one certificate after another */
        der_reader r = {in + skip, in + len};
        while (!der_done(&r)) {
            vspan whole;
            if (der_expect(&r, DER_SEQUENCE, NULL, &whole))
                return vouch_fail(d, VOUCH_E_DER, base + (int)*n, "input %d is not a DER %s", base + (int)*n, label);
            if (*n == maxn)
                return vouch_fail(d, VOUCH_E_CHAIN_TOO_LONG, -1, "more than %zu certificates in one input", maxn);
            if (used + whole.n > cap) return vouch_fail(d, VOUCH_E_INTERNAL, -1, "decode buffer too small");
            memcpy(buf + used, whole.p, whole.n);
            out[*n].p = buf + used;
            out[*n].n = whole.n;
            used += whole.n;
            (*n)++;
        }
        return 0;
    }
    size_t pos = skip;
    char lab[72];
    for (;;) {
        vspan body;
        size_t before = pos;
        int rc = pem_next(in, len, &pos, lab, sizeof lab, &body);
        if (rc < 0) return vouch_fail(d, VOUCH_E_PEM, base + (int)*n, "PEM block %d is broken (armour lines do not match)", base + (int)*n);
        if (rc == 0) {
            if (*n == 0 && !blank(in + before, len - before))
                return vouch_fail(d, VOUCH_E_PEM, -1, "no PEM block found (expected -----BEGIN %s-----)", label);
            return 0;
        }
        if (strcmp(lab, label) != 0)
            return vouch_fail(d, VOUCH_E_WRONG_BLOCK, base + (int)*n, "PEM block %d is a \"%.64s\", expected \"%s\"",
                              base + (int)*n, lab, label);
        if (*n == maxn)
            return vouch_fail(d, VOUCH_E_CHAIN_TOO_LONG, -1, "more than %zu certificates in one input", maxn);
        size_t got;
        if (b64_decode(body, buf + used, cap - used, &got) || got == 0)
            return vouch_fail(d, VOUCH_E_PEM, base + (int)*n, "PEM block %d has invalid base64", base + (int)*n);
        out[*n].p = buf + used;
        out[*n].n = got;
        used += got;
        (*n)++;
    }
}

void fmt_time(int64_t t, char *buf, size_t cap) {
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    /* civil_from_days (Howard Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    snprintf(buf, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m, (long long)d,
             (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
}
