/*
 * material.c - the engine's pool of random bits and statistical masks (see material.h): FIFO
 * queues of opaque shares, wiped as they are consumed, and their serialised form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "material.h"

void material_init(material_pool *p, size_t share_size)
{
    memset(p, 0, sizeof *p);
    p->ss = share_size;
}

static void queue_clear(material_queue *q, size_t ss)
{
    if (q->buf) {
        sodium_memzero(q->buf, q->cap * ss);
        free(q->buf);
    }
    memset(q, 0, sizeof *q);
}

void material_clear(material_pool *p)
{
    queue_clear(&p->bits, p->ss);
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        queue_clear(&p->masks[w], p->ss);
        queue_clear(&p->chains[w], p->ss);
    }
}

size_t material_take(material_pool *p, material_queue *q, uint8_t *out, size_t n)
{
    size_t have = q->len - q->pos, got = n < have ? n : have;
    if (got == 0)
        return 0;
    uint8_t *src = q->buf + q->pos * p->ss;
    memcpy(out, src, got * p->ss);
    sodium_memzero(src, got * p->ss);
    q->pos += got;
    if (q->pos == q->len)
        q->pos = q->len = 0;
    return got;
}

int material_put(material_pool *p, material_queue *q, const uint8_t *src, size_t n)
{
    const size_t ss = p->ss;
    if (n == 0)
        return 0;
    if (q->pos > 0 && q->len + n > q->cap) { /* reuse the consumed front before growing */
        memmove(q->buf, q->buf + q->pos * ss, (q->len - q->pos) * ss);
        sodium_memzero(q->buf + (q->len - q->pos) * ss, q->pos * ss);
        q->len -= q->pos;
        q->pos = 0;
    }
    if (q->len + n > q->cap) {
        size_t cap = q->cap ? q->cap : 1024;
        while (cap < q->len + n)
            cap *= 2;
        if (cap > SIZE_MAX / ss)
            return STOFFEL_ERR_NOMEM;
        /* not realloc: the old block holds secrets and must be wiped, not just released */
        uint8_t *grown = malloc(cap * ss);
        if (!grown)
            return STOFFEL_ERR_NOMEM;
        if (q->len)
            memcpy(grown, q->buf, q->len * ss);
        queue_clear(&(material_queue){q->buf, q->cap, 0, 0}, ss);
        q->buf = grown;
        q->cap = cap;
    }
    memcpy(q->buf + q->len * ss, src, n * ss);
    q->len += n;
    return 0;
}

void material_counts(const material_pool *p, stoffel_mpc_material *out)
{
    stoffel_mpc_material full;
    memset(&full, 0, sizeof full);
    full.struct_size = out->struct_size;
    full.random_bits = p->bits.len - p->bits.pos;
    for (size_t w = 0; w < STOFFEL_MPC_MASK_WIDTHS; w++) {
        full.masks[w] = p->masks[w].len - p->masks[w].pos;
        full.prefix_chains[w] = w ? (p->chains[w].len - p->chains[w].pos) / (2 * w) : 0;
    }
    memcpy(out, &full, out->struct_size < sizeof full ? out->struct_size : sizeof full);
}

static void put_u32(uint8_t *w, uint32_t v) { memcpy(w, &v, 4); }
static void put_u64(uint8_t *w, uint64_t v) { memcpy(w, &v, 8); }
static uint32_t get_u32(const uint8_t *r) { uint32_t v; memcpy(&v, r, 4); return v; }
static uint64_t get_u64(const uint8_t *r) { uint64_t v; memcpy(&v, r, 8); return v; }

/* Shares per unit of a section: one per mask, 2L per chain of length L. */
static size_t unit_shares(int chains, size_t w)
{
    return chains ? 2 * w : 1;
}

static size_t sections_size(const material_pool *p, const material_queue *qs)
{
    size_t size = 4;
    for (size_t w = 1; w < STOFFEL_MPC_MASK_WIDTHS; w++)
        if (qs[w].len > qs[w].pos)
            size += 12 + (qs[w].len - qs[w].pos) * p->ss;
    return size;
}

size_t material_export_size(const material_pool *p)
{
    return 8 + (p->bits.len - p->bits.pos) * p->ss + sections_size(p, p->masks) + sections_size(p, p->chains);
}

/* Writes count (in units) and the shares of q at w; returns the end. */
static uint8_t *export_queue(const material_pool *p, const material_queue *q, size_t unit, uint8_t *w)
{
    size_t n = q->len - q->pos;
    put_u64(w, n / unit);
    if (n)
        memcpy(w + 8, q->buf + q->pos * p->ss, n * p->ss);
    return w + 8 + n * p->ss;
}

static uint8_t *export_sections(const material_pool *p, const material_queue *qs, int chains, uint8_t *w)
{
    uint32_t held = 0;
    for (size_t v = 1; v < STOFFEL_MPC_MASK_WIDTHS; v++)
        held += qs[v].len > qs[v].pos;
    put_u32(w, held);
    w += 4;
    for (uint32_t v = 1; v < STOFFEL_MPC_MASK_WIDTHS; v++)
        if (qs[v].len > qs[v].pos) {
            put_u32(w, v);
            w = export_queue(p, &qs[v], unit_shares(chains, v), w + 4);
        }
    return w;
}

void material_export(const material_pool *p, uint8_t *out)
{
    uint8_t *w = export_queue(p, &p->bits, 1, out);
    w = export_sections(p, p->masks, 0, w);
    export_sections(p, p->chains, 1, w);
}

/* One section's unit count at r, checked against what is left of the input. */
static int read_count(const uint8_t *r, size_t left, size_t ss, size_t unit, uint64_t *count)
{
    if (left < 8)
        return -1;
    *count = get_u64(r);
    return *count > (left - 8) / ss / unit ? -1 : 0;
}

static int check_shares(const uint8_t *r, uint64_t count, size_t ss,
                        int (*valid)(void *, const uint8_t *), void *user, uint64_t *bad)
{
    for (uint64_t k = 0; valid && k < count; k++)
        if (!valid(user, r + k * ss)) {
            *bad = k;
            return -1;
        }
    return 0;
}

/* Checks (append = 0) or appends (append = 1) one list of sections at in + *off. */
static int import_sections(material_pool *p, material_queue *qs, int chains, const uint8_t *in, size_t len,
                           size_t *off, int append, int (*valid)(void *, const uint8_t *), void *user,
                           char *err, size_t err_len)
{
    const char *what = chains ? "prefix-mask chain" : "mask";
    const size_t ss = p->ss;
    if (len - *off < 4) {
        snprintf(err, err_len, "the %s section list is missing (%zu bytes left)", what, len - *off);
        return STOFFEL_ERR_MALFORMED;
    }
    uint32_t sections = get_u32(in + *off), prev = 0; /* ascending: one pool, one serialised form */
    *off += 4;
    for (uint32_t i = 0; i < sections; i++) {
        uint32_t w = len - *off >= 4 ? get_u32(in + *off) : 0;
        uint64_t count = 0, bad = 0;
        if (len - *off < 4 || w <= prev || w >= STOFFEL_MPC_MASK_WIDTHS ||
            read_count(in + *off + 4, len - *off - 4, ss, unit_shares(chains, w), &count) || count == 0) {
            snprintf(err, err_len, "%s section %u is malformed (size %u after %u, %zu bytes left)", what, i, w,
                     prev, len - *off);
            return STOFFEL_ERR_MALFORMED;
        }
        prev = w;
        size_t shares = (size_t)count * unit_shares(chains, w);
        const uint8_t *body = in + *off + 12;
        if (!append && check_shares(body, shares, ss, valid, user, &bad)) {
            snprintf(err, err_len, "share %llu of the %ss of size %u is not an element of this engine's field",
                     (unsigned long long)bad, what, w);
            return STOFFEL_ERR_MALFORMED;
        }
        if (append && material_put(p, &qs[w], body, shares)) {
            snprintf(err, err_len, "out of memory importing preprocessed material");
            return STOFFEL_ERR_NOMEM;
        }
        *off += 12 + shares * ss;
    }
    return 0;
}

int material_import(material_pool *p, const uint8_t *in, size_t len,
                    int (*valid)(void *, const uint8_t *), void *user, char *err, size_t err_len)
{
    const size_t ss = p->ss;
    uint64_t count = 0, bad = 0;
    /* two passes over the same layout: check everything, then append; a malformed input changes
     * nothing */
    for (int append = 0; append < 2; append++) {
        if (read_count(in, len, ss, 1, &count)) {
            snprintf(err, err_len, "the random-bit section announces more shares than the %zu bytes hold", len);
            return STOFFEL_ERR_MALFORMED;
        }
        if (!append && check_shares(in + 8, count, ss, valid, user, &bad)) {
            snprintf(err, err_len, "random bit %llu is not an element of this engine's field",
                     (unsigned long long)bad);
            return STOFFEL_ERR_MALFORMED;
        }
        if (append && material_put(p, &p->bits, in + 8, count)) {
            snprintf(err, err_len, "out of memory importing preprocessed material");
            return STOFFEL_ERR_NOMEM;
        }
        size_t off = 8 + count * ss;
        int rc = import_sections(p, p->masks, 0, in, len, &off, append, valid, user, err, err_len);
        if (rc == 0)
            rc = import_sections(p, p->chains, 1, in, len, &off, append, valid, user, err, err_len);
        if (rc)
            return rc;
        if (off != len) {
            snprintf(err, err_len, "%zu bytes follow the last section", len - off);
            return STOFFEL_ERR_MALFORMED;
        }
    }
    return 0;
}
