/*
 * material.h - the pool of nonlinear preprocessing an engine holds (stoffel_mpc_material in
 * mpc.h): shared random bits, and statistical masks by width (the sum of t+1 dealt integers below
 * 2^width, semi-honest engines with DEALT_RANDOM only). The protocols take from it first-in
 * first-out and make whatever it lacks on the spot; stoffel_mpc_engine_preprocess_for and
 * _material_top_up fill it ahead of time; the networked engine exports and imports it with its
 * triples. Shares are the engine's opaque share bytes; every byte the pool held is wiped before it
 * is freed or reused.
 *
 * Every party of a session holds the same counts: the pool is filled by collective calls and
 * consumed by collective requests in the same order at every party.
 */
#ifndef STOFFEL_MPC_MATERIAL_H
#define STOFFEL_MPC_MATERIAL_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/mpc.h>

/* Unused shares are buf[pos, len) (in shares of the pool's share size). */
typedef struct {
    uint8_t *buf;
    size_t cap, pos, len;
} material_queue;

typedef struct material_pool {
    size_t ss; /* bytes of one share */
    material_queue bits;
    material_queue masks[STOFFEL_MPC_MASK_WIDTHS];
    /* chains[L]: masks of prefix products of length L, 2L shares per chain (eqz.c) */
    material_queue chains[STOFFEL_MPC_MASK_WIDTHS];
    /* Everything the protocols asked for, served from the pool or not: how the engine measures
     * the demand of a request (material_demand.c). */
    uint64_t asked_bits;
    uint64_t asked_masks[STOFFEL_MPC_MASK_WIDTHS];
    uint64_t asked_chains[STOFFEL_MPC_MASK_WIDTHS];
} material_pool;

void material_init(material_pool *p, size_t share_size);
/* Wipes and frees everything the pool holds; the pool is empty (and usable) afterwards. */
void material_clear(material_pool *p);

/* Copies up to n unused shares of q into out (first in, first out) and wipes them in the pool;
 * returns how many it copied. */
size_t material_take(material_pool *p, material_queue *q, uint8_t *out, size_t n);
/* Appends n shares to q. 0, or STOFFEL_ERR_NOMEM (nothing appended). */
int material_put(material_pool *p, material_queue *q, const uint8_t *src, size_t n);

/* Unused counts in the public struct's shape (every field the caller's struct_size covers). */
void material_counts(const material_pool *p, stoffel_mpc_material *out);

/* Serialised form (little-endian): u64 bits | bits' shares | u32 mask widths held | per width
 * { u32 width, u64 count, shares } | u32 chain lengths held | per length { u32 L, u64 chains,
 * 2L shares per chain }; widths and lengths ascending, sections never empty.
 * material_export writes material_export_size() bytes. */
size_t material_export_size(const material_pool *p);
void material_export(const material_pool *p, uint8_t *out);
/* Appends a serialised pool of the same share size. Checks the whole input first: on a
 * malformed one nothing is appended, STOFFEL_ERR_MALFORMED is returned and err says what is
 * wrong. valid (may be NULL) is asked about every share before anything is appended and returns
 * 0 for a share the engine would refuse (not an element of its field). */
int material_import(material_pool *p, const uint8_t *in, size_t len,
                    int (*valid)(void *user, const uint8_t *share), void *user, char *err,
                    size_t err_len);

#endif
