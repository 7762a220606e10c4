/* der.c: a strict DER reader (single-byte tags, minimal definite lengths), INTEGER and
 * time helpers. Everything works on spans into the caller's buffer; nothing allocates. */
#include "internal.h"

#include <string.h>

bool vder_oid_valid(vspan o) {
    /* X.690: subidentifiers in base 128, minimal (no leading 0x80), the last byte ends one */
    if (o.n == 0 || (o.p[o.n - 1] & 0x80)) return false;
    for (size_t i = 0; i < o.n; i++)
        if (o.p[i] == 0x80 && (i == 0 || !(o.p[i - 1] & 0x80))) return false;
    return true;
}

int vder_next(vder_reader *r, int *tag, vspan *content, vspan *whole) {
    const uint8_t *start = r->p;
    size_t avail = (size_t)(r->end - r->p);
    if (avail < 2) return VOUCH_E_DER;
    int t = r->p[0];
    if ((t & 0x1f) == 0x1f) return VOUCH_E_DER; /* high tag numbers never occur in X.509 */
    size_t len = r->p[1];
    size_t hdr = 2;
    if (len & 0x80) {
        size_t nbytes = len & 0x7f;
        if (nbytes == 0 || nbytes > 4) return VOUCH_E_DER; /* indefinite, or absurd */
        if (avail < 2 + nbytes) return VOUCH_E_DER;
        if (r->p[2] == 0) return VOUCH_E_DER; /* not minimal */
        len = 0;
        for (size_t i = 0; i < nbytes; i++) len = (len << 8) | r->p[2 + i];
        if (len < 0x80) return VOUCH_E_DER; /* should have used the short form */
        hdr += nbytes;
    }
    if (len > avail - hdr) return VOUCH_E_DER;
    if (t == DER_OID && !vder_oid_valid((vspan){start + hdr, len})) return VOUCH_E_DER;
    if (tag) *tag = t;
    if (content) { content->p = start + hdr; content->n = len; }
    if (whole) { whole->p = start; whole->n = hdr + len; }
    r->p = start + hdr + len;
    return 0;
}

int vder_expect(vder_reader *r, int tag, vspan *content, vspan *whole) {
    int t;
    vder_reader save = *r;
    if (vder_next(r, &t, content, whole) != 0) return VOUCH_E_DER;
    if (t != tag) { *r = save; return VOUCH_E_DER; }
    return 0;
}

bool vder_integer_minimal(vspan c) {
    if (c.n == 0) return false;
    if (c.n == 1) return true;
    if (c.p[0] == 0x00 && !(c.p[1] & 0x80)) return false;
    if (c.p[0] == 0xff && (c.p[1] & 0x80)) return false;
    return true;
}

int64_t vder_small_uint(vspan c) {
    if (!vder_integer_minimal(c) || (c.p[0] & 0x80)) return -1;
    if (c.n > 8 || (c.n == 8 && c.p[0] != 0)) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < c.n; i++) v = (v << 8) | c.p[i];
    if (v > ((int64_t)1 << 62)) return -1;
    return v;
}

static int digits(const uint8_t *p, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads and checks the fields of an RFC 5280 time; *days_out (optional) gets the date. */
static int time_fields(int tag, vspan c, int *year_out, int *mon_out, int *day_out, int *secs_out) {
    int year;
    const uint8_t *p = c.p;
    if (tag == DER_UTCTIME) {
        if (c.n != 13 || p[12] != 'Z') return VOUCH_E_DER;
        int yy = digits(p, 2);
        if (yy < 0) return VOUCH_E_DER;
        year = yy >= 50 ? 1900 + yy : 2000 + yy;
        p += 2;
    } else if (tag == DER_GENTIME) {
        if (c.n != 15 || p[14] != 'Z') return VOUCH_E_DER;
        year = digits(p, 4);
        if (year < 0) return VOUCH_E_DER;
        p += 4;
    } else {
        return VOUCH_E_DER;
    }
    int mon = digits(p, 2), day = digits(p + 2, 2), hh = digits(p + 4, 2), mm = digits(p + 6, 2),
        ss = digits(p + 8, 2);
    if (mon < 1 || mon > 12 || day < 1 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return VOUCH_E_DER;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int maxd = mdays[mon - 1] + (mon == 2 && leap);
    if (day > maxd) return VOUCH_E_DER;
    *year_out = year, *mon_out = mon, *day_out = day, *secs_out = hh * 3600 + mm * 60 + ss;
    return 0;
}

bool vder_time_valid(int tag, vspan c) {
    int y, m, d, s;
    return time_fields(tag, c, &y, &m, &d, &s) == 0;
}

int vder_time(int tag, vspan c, int64_t *out) {
    int y, m, d, s;
    if (time_fields(tag, c, &y, &m, &d, &s)) return VOUCH_E_DER;
    *out = days_from_civil(y, m, d) * 86400 + s;
    return 0;
}

bool vspan_eq(vspan a, vspan b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }

bool vder_oid_is(vspan c, const uint8_t *oid, size_t n) { return c.n == n && memcmp(c.p, oid, n) == 0; }
