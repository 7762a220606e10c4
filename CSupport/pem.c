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

int vpem_next(const uint8_t *in, size_t len, size_t *pos, char *label, size_t labellen, vspan *body) {
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


static bool blank(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return false;
    return true;
}

int vcerts_decode(const uint8_t *in, size_t len, const char *label, uint8_t *buf, size_t cap, vspan *out,
                 size_t maxn, size_t *n, vouch_diag *d, int base) {
    *n = 0;
    size_t skip = 0;
    while (skip < len && (in[skip] == ' ' || in[skip] == '\t' || in[skip] == '\r' || in[skip] == '\n')) skip++;
    if (skip == len) return 0;
    size_t used = 0;
    if (in[skip] == 0x30) { /* DER, one certificate after another */
        vder_reader r = {in + skip, in + len};
        while (!vder_done(&r)) {
            vspan whole;
            if (vder_expect(&r, DER_SEQUENCE, NULL, &whole))
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
        int rc = vpem_next(in, len, &pos, lab, sizeof lab, &body);
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
        if (vb64_decode(body, buf + used, cap - used, &got) || got == 0)
            return vouch_fail(d, VOUCH_E_PEM, base + (int)*n, "PEM block %d has invalid base64", base + (int)*n);
        out[*n].p = buf + used;
        out[*n].n = got;
        used += got;
        (*n)++;
    }
}

void vfmt_time(int64_t t, char *buf, size_t cap) {
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
