/* revset.c: the revocation set. A serial is kept as its 64-bit SipHash under a random
 * key per set, in an open-addressing table (load at most 0.8, linear probing): a lookup
 * is one hash and, usually, one cache line. Comparing fingerprints instead of serials
 * never misses a revoked serial (equal serials hash equal); a valid serial could be
 * taken for a revoked one only by a 64-bit collision under a key nobody outside the
 * process knows, with probability about n / 2^64 per lookup (below 1e-12 at ten million
 * serials). The serials themselves are kept, length-prefixed, only for listing.
 *
 * The table is built in one go from all fingerprints, partitioned by slot region first,
 * so that the inserts walk the table in order instead of missing the cache each time. */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { REGIONS = 1024 };

void vrevset_key(vrevset *s) {
    vouch_ensure_init();
    randombytes_buf(s->key, sizeof s->key);
}

uint64_t vrevset_hash(const vrevset *s, const uint8_t *p, size_t n) {
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, p, n, s->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v ? v : 1; /* 0 marks an empty slot */
}

/* Lemire's multiply-shift: a slot in [0, cap) from the low 32 bits, without a division */
static inline size_t slot_of(uint64_t h, size_t cap) { return (size_t)(((h & 0xffffffffu) * (uint64_t)cap) >> 32); }

static void insert(uint64_t *slots, size_t cap, uint64_t h, size_t *count) {
    size_t j = slot_of(h, cap);
    while (slots[j]) {
        if (slots[j] == h) return; /* a duplicate serial */
        j = j + 1 == cap ? 0 : j + 1;
    }
    slots[j] = h;
    (*count)++;
}

/* Zeroed slots. A big table gets its own mapping, aligned to and advised for 2 MiB pages:
 * a lookup then misses the TLB far less often, and loading takes fewer page faults. */
enum { HUGE_PAGE = 2u << 20 };

static uint64_t *slots_alloc(vrevset *s) {
    size_t bytes = s->cap * sizeof *s->slots;
    if (bytes < HUGE_PAGE) return calloc(s->cap, sizeof *s->slots);
    size_t len = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    uint8_t *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uint8_t *aligned = (uint8_t *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (aligned > m) munmap(m, (size_t)(aligned - m));
    size_t tail = (size_t)(m + len + HUGE_PAGE - (aligned + len));
    if (tail) munmap(aligned + len, tail);
#ifdef MADV_HUGEPAGE
    madvise(aligned, len, MADV_HUGEPAGE);
#endif
    s->mapped = len;
    return (uint64_t *)aligned;
}

int vrevset_build(vrevset *s, const uint64_t *hashes, size_t n, uint8_t *arena, size_t arena_len) {
    s->arena = arena;
    s->arena_len = arena_len;
    s->count = 0;
    s->cap = n + n / 4 + 16;
    if (s->cap > (1ull << 32)) return VOUCH_E_NOMEM; /* slot_of maps 32 bits */
    s->slots = slots_alloc(s);
    if (!s->slots) return VOUCH_E_NOMEM;
    if (n < 4 * REGIONS) {
        for (size_t i = 0; i < n; i++) insert(s->slots, s->cap, hashes[i], &s->count);
        return 0;
    }
    /* counting sort by region of the table, then inserts in region order */
    uint64_t *sorted = malloc(n * sizeof *sorted);
    size_t *start = calloc(REGIONS + 1, sizeof *start);
    if (!sorted || !start) {
        free(sorted), free(start);
        return VOUCH_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) start[slot_of(hashes[i], REGIONS) + 1]++;
    for (size_t r = 0; r < REGIONS; r++) start[r + 1] += start[r];
    for (size_t i = 0; i < n; i++) sorted[start[slot_of(hashes[i], REGIONS)]++] = hashes[i];
    for (size_t i = 0; i < n; i++) insert(s->slots, s->cap, sorted[i], &s->count);
    free(sorted);
    free(start);
    return 0;
}

int vrevset_contains(const vrevset *s, const uint8_t *p, size_t n) {
    if (!s->count || n == 0 || n > 255) return 0;
    uint64_t h = vrevset_hash(s, p, n);
    size_t j = slot_of(h, s->cap);
    for (;;) {
        uint64_t v = s->slots[j];
        if (v == h) return 1;
        if (!v) return 0;
        j = j + 1 == s->cap ? 0 : j + 1;
    }
}

size_t vrevset_memory(const vrevset *s) { return s->cap * sizeof *s->slots + s->arena_len; }

void vrevset_free(vrevset *s) {
    if (s->mapped) munmap(s->slots, s->mapped);
    else free(s->slots);
    free(s->arena);
    memset(s, 0, sizeof *s);
}
