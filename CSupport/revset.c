/* revset.c: the revocation set. Lookup costs one SipHash of the serial and, usually, one
 * cache line of slots; the arena is touched only when a 32-bit tag matches. About 9.4
 * bytes of slots (load factor at most 0.85) plus 1 + length bytes of arena per serial. */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_of(const vrevset *s, const uint8_t *p, size_t n) {
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, p, n, s->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

/* Lemire's multiply-shift: a slot in [0, cap) from the low 32 bits, without a division */
static inline size_t slot_of(uint64_t h, size_t cap) { return (size_t)(((h & 0xffffffffu) * (uint64_t)cap) >> 32); }

static size_t capacity_for(size_t n) {
    size_t cap = n + n / 6 + 16; /* load factor about 0.85 */
    return cap;
}

int revset_init(vrevset *s, size_t expected, size_t arena_hint) {
    vouch_ensure_init();
    memset(s, 0, sizeof *s);
    randombytes_buf(s->key, sizeof s->key);
    s->cap = capacity_for(expected);
    s->slots = calloc(s->cap, sizeof *s->slots);
    s->arena_cap = arena_hint ? arena_hint : 64;
    s->arena = malloc(s->arena_cap);
    if (!s->slots || !s->arena) { revset_free(s); return VOUCH_E_NOMEM; }
    return 0;
}

void revset_free(vrevset *s) {
    free(s->slots);
    free(s->arena);
    memset(s, 0, sizeof *s);
}

static int grow(vrevset *s) {
    size_t ncap = s->cap * 2;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (!ns) return VOUCH_E_NOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t v = s->slots[i];
        if (!v) continue;
        uint32_t off = (uint32_t)v - 1;
        uint64_t h = hash_of(s, s->arena + off + 1, s->arena[off]);
        size_t j = slot_of(h, ncap);
        while (ns[j]) j = j + 1 == ncap ? 0 : j + 1;
        ns[j] = v;
    }
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

static inline bool entry_is(const vrevset *s, uint64_t v, const uint8_t *p, size_t n) {
    const uint8_t *e = s->arena + ((uint32_t)v - 1);
    return e[0] == n && memcmp(e + 1, p, n) == 0;
}

int revset_add(vrevset *s, const uint8_t *p, size_t n) {
    if (n == 0 || n > 255) return VOUCH_E_DER;
    if ((s->count + 1) * 20 > s->cap * 17) {
        int rc = grow(s);
        if (rc) return rc;
    }
    uint64_t h = hash_of(s, p, n);
    uint64_t tag = h & 0xffffffff00000000ull;
    size_t j = slot_of(h, s->cap);
    while (s->slots[j]) {
        if ((s->slots[j] & 0xffffffff00000000ull) == tag && entry_is(s, s->slots[j], p, n)) return 0;
        j = j + 1 == s->cap ? 0 : j + 1;
    }
    if (s->arena_len + 1 + n > s->arena_cap) {
        size_t ncap = s->arena_cap * 2 + 1 + n;
        if (ncap > 0xfffffff0u) return VOUCH_E_NOMEM; /* offsets are 32 bits */
        uint8_t *na = realloc(s->arena, ncap);
        if (!na) return VOUCH_E_NOMEM;
        s->arena = na;
        s->arena_cap = ncap;
    }
    uint32_t off = (uint32_t)s->arena_len;
    s->arena[off] = (uint8_t)n;
    memcpy(s->arena + off + 1, p, n);
    s->arena_len += 1 + n;
    s->slots[j] = tag | (uint64_t)(off + 1);
    s->count++;
    return 0;
}

int revset_contains(const vrevset *s, const uint8_t *p, size_t n) {
    if (!s->count || n == 0 || n > 255) return 0;
    uint64_t h = hash_of(s, p, n);
    uint64_t tag = h & 0xffffffff00000000ull;
    size_t j = slot_of(h, s->cap);
    for (;;) {
        uint64_t v = s->slots[j];
        if (!v) return 0;
        if ((v & 0xffffffff00000000ull) == tag && entry_is(s, v, p, n)) return 1;
        j = j + 1 == s->cap ? 0 : j + 1;
    }
}

size_t revset_memory(const vrevset *s) { return s->cap * sizeof *s->slots + s->arena_cap; }
