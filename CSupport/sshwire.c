/* sshwire.c: the SSH wire format (RFC 4251 section 5): a reader over a byte span (uint32,
 * uint64, string, text, mpint) and a writer appending to a vbuf, with nested strings
 * written in place. Reading is strict: every length is checked against what remains, and
 * mpints are minimal and non-negative. The bottom layer of the SSH code: it knows nothing
 * of keys or certificates (sshkey.c builds on it, sshcert.c on both). */
#include "sshwire.h"

#include <string.h>

/* ---- reading ---- */

int vsshr_u32(vsshr *r, uint32_t *v) {
    if (r->end - r->p < 4) return VOUCH_E_SSH_MALFORMED;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    return 0;
}

int vsshr_u64(vsshr *r, uint64_t *v) {
    uint32_t hi, lo;
    if (vsshr_u32(r, &hi) || vsshr_u32(r, &lo)) return VOUCH_E_SSH_MALFORMED;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

int vsshr_string(vsshr *r, vspan *s) {
    uint32_t n;
    if (vsshr_u32(r, &n) || (size_t)(r->end - r->p) < n) return VOUCH_E_SSH_MALFORMED;
    s->p = r->p;
    s->n = n;
    r->p += n;
    return 0;
}

int vsshr_text(vsshr *r, vspan *s) {
    if (vsshr_string(r, s)) return VOUCH_E_SSH_MALFORMED;
    return memchr(s->p, 0, s->n) ? VOUCH_E_SSH_MALFORMED : 0; /* no NUL inside names and texts */
}

int vsshr_mpint(vsshr *r, vspan *s) {
    if (vsshr_string(r, s)) return VOUCH_E_SSH_MALFORMED;
    if (s->n && (s->p[0] & 0x80)) return VOUCH_E_SSH_MALFORMED;                         /* negative */
    if (s->n > 1 && s->p[0] == 0 && !(s->p[1] & 0x80)) return VOUCH_E_SSH_MALFORMED;    /* not minimal */
    if (s->n == 1 && s->p[0] == 0) return VOUCH_E_SSH_MALFORMED;                        /* zero is the empty string */
    return 0;
}

/* ---- writing ---- */

int vsshw_u32(vbuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return vbuf_put(b, x, 4);
}

int vsshw_u64(vbuf *b, uint64_t v) { return vsshw_u32(b, (uint32_t)(v >> 32)) || vsshw_u32(b, (uint32_t)v) ? VOUCH_E_NOMEM : 0; }

int vsshw_string(vbuf *b, const void *p, size_t n) {
    if (n > 0xffffffffu) return VOUCH_E_ARG;
    return vsshw_u32(b, (uint32_t)n) || vbuf_put(b, p, n) ? VOUCH_E_NOMEM : 0;
}

int vsshw_cstr(vbuf *b, const char *s) { return vsshw_string(b, s, strlen(s)); }

/* A string written in place: open writes a length to be patched, close patches it with
 * what was written since (no separate buffer to build and copy). */
int vsshw_open(vbuf *b, size_t *at) {
    *at = b->n;
    return vsshw_u32(b, 0);
}

void vsshw_close(vbuf *b, size_t at) {
    size_t n = b->n - at - 4;
    uint8_t *x = b->p + at;
    x[0] = (uint8_t)(n >> 24), x[1] = (uint8_t)(n >> 16), x[2] = (uint8_t)(n >> 8), x[3] = (uint8_t)n;
}

int vsshw_mpint(vbuf *b, const uint8_t *v, size_t n) {
    while (n && v[0] == 0) v++, n--;
    if (n && (v[0] & 0x80)) {
        uint8_t zero = 0;
        return vsshw_u32(b, (uint32_t)n + 1) || vbuf_put(b, &zero, 1) || vbuf_put(b, v, n) ? VOUCH_E_NOMEM : 0;
    }
    return vsshw_string(b, v, n);
}
