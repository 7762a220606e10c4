/* vlinkcache.c: the verified-link cache. Once a CA certificate's signature has been
 * checked under its parent's key, the pair is remembered, so a login whose chain
 * carries an intermediate pays for the leaf's signature only.
 * Readers take no locks: slots are atomic pointers to immutable entries. An entry
 * pushed out of its slot stays alive on the `all` list until the cache is freed, and
 * the number of entries ever made is capped, so memory stays bounded without any
 * reclamation scheme. Only links that verified are ever added, so an attacker cannot
 * fill the cache with forged certificates. */
#include "internal.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { SLOTS = 1024, MAX_ENTRIES = 4096 };

typedef struct entry {
    struct entry *next_all;
    vpubkey *child_key;
    size_t child_len, parent_len;
    uint8_t data[]; /* child DER, then parent DER */
} entry;

struct vlinkcache {
    _Atomic(entry *) slots[SLOTS];
    _Atomic(entry *) all;
    atomic_size_t made;
    atomic_size_t live;
    uint8_t key[crypto_shorthash_KEYBYTES];
};

vlinkcache *vlinkcache_new(void) {
    vouch_ensure_init();
    vlinkcache *lc = calloc(1, sizeof *lc);
    if (lc) randombytes_buf(lc->key, sizeof lc->key);
    return lc;
}

void vlinkcache_free(vlinkcache *lc) {
    if (!lc) return;
    entry *e = atomic_load(&lc->all);
    while (e) {
        entry *next = e->next_all;
        vpubkey_free(e->child_key);
        free(e);
        e = next;
    }
    free(lc);
}

size_t vlinkcache_count(const vlinkcache *lc) { return atomic_load(&((vlinkcache *)lc)->live); }

/* Certificates end with their signature value: hashing the last bytes of both is
 * enough to spread them, and the full DER is compared on every hit. */
static size_t slot_of(const vlinkcache *lc, vspan child, vspan parent) {
    uint8_t buf[128];
    size_t a = child.n < 64 ? child.n : 64, b = parent.n < 64 ? parent.n : 64;
    memcpy(buf, child.p + child.n - a, a);
    memcpy(buf + a, parent.p + parent.n - b, b);
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, buf, a + b, lc->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)(v % SLOTS);
}

static bool matches(const entry *e, vspan child, vspan parent) {
    return e->child_len == child.n && e->parent_len == parent.n && memcmp(e->data, child.p, child.n) == 0 &&
           memcmp(e->data + child.n, parent.p, parent.n) == 0;
}

int vlinkcache_find(vlinkcache *lc, vspan child, vspan parent, vpubkey **child_key) {
    entry *e = atomic_load_explicit(&lc->slots[slot_of(lc, child, parent)], memory_order_acquire);
    if (!e || !matches(e, child, parent)) return 0;
    if (child_key) *child_key = e->child_key;
    return 1;
}

int vlinkcache_add(vlinkcache *lc, vspan child, vspan parent, vpubkey *child_key) {
    if (atomic_fetch_add(&lc->made, 1) >= MAX_ENTRIES) return 0;
    entry *e = malloc(sizeof *e + child.n + parent.n);
    if (!e) return 0;
    e->child_key = child_key;
    e->child_len = child.n;
    e->parent_len = parent.n;
    memcpy(e->data, child.p, child.n);
    memcpy(e->data + child.n, parent.p, parent.n);
    entry *head = atomic_load(&lc->all);
    do e->next_all = head;
    while (!atomic_compare_exchange_weak(&lc->all, &head, e));
    entry *old = atomic_exchange_explicit(&lc->slots[slot_of(lc, child, parent)], e, memory_order_acq_rel);
    if (!old) atomic_fetch_add(&lc->live, 1);
    return 1;
}
