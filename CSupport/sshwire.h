/* sshwire.h: the SSH wire format (RFC 4251 section 5), internal to the core (sshwire.c):
 * a strict reader over a byte span and a writer appending to a vbuf. The bottom of the
 * SSH layers: sshwire.c <- sshkey.c <- sshcert.c (scripts/check-c-layers.sh checks that
 * calls only go down). */
#ifndef VOUCH_SSHWIRE_H
#define VOUCH_SSHWIRE_H

#include "internal.h"

/* ---- reading: each returns 0, or VOUCH_E_SSH_MALFORMED when the field is malformed
 * or does not fit in what remains ---- */
typedef struct {
    const uint8_t *p, *end;
} vsshr;
int vsshr_u32(vsshr *r, uint32_t *v);
int vsshr_u64(vsshr *r, uint64_t *v);
int vsshr_string(vsshr *r, vspan *s);
int vsshr_text(vsshr *r, vspan *s);   /* a string without NUL bytes */
int vsshr_mpint(vsshr *r, vspan *s);  /* non-negative and minimal */

/* ---- writing: each appends to b and returns 0, or VOUCH_E_NOMEM (a string of 2^32
 * bytes or more: VOUCH_E_ARG) ---- */
int vsshw_u32(vbuf *b, uint32_t v);
int vsshw_u64(vbuf *b, uint64_t v);
int vsshw_string(vbuf *b, const void *p, size_t n);
int vsshw_cstr(vbuf *b, const char *s);
int vsshw_mpint(vbuf *b, const uint8_t *v, size_t n); /* unsigned big-endian in */
/* A string written in place: vsshw_open writes a length to be patched and notes where,
 * vsshw_close patches it with what was written since. */
int vsshw_open(vbuf *b, size_t *at);
void vsshw_close(vbuf *b, size_t at);

#endif
