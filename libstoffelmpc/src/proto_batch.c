/*
 * proto_batch.c - batch reconstruction (HoneyBadgerMPC, Lu et al. CCS 2019, Fig. 2; spec mpc.md
 * 3.4): opens B degree-d sharings in two rounds with O(n) field elements per party per group of
 * d+1 values, instead of O(n) per value.
 *
 * The values are cut into groups of d+1 (the last one zero-padded). For group g the values are the
 * coefficients of Y_g(X) = sum_k x_{g,k} X^k. Round 0: each party evaluates its shares of Y_g at
 * beta_j = j+1 (a degree-d sharing of Y_g(beta_j), by linearity) and sends party j that share, one
 * element per group. Party j reconstructs Y_g(beta_j) (robustly in robust mode). Round 1: party j
 * sends the clear Y_g(beta_j) to everyone. Everyone then interpolates Y_g, robustly decoding
 * (Gao) the groups where a fast consistency check fails, and reads the values off its
 * coefficients.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto.h"

typedef struct {
    mpc_proto base;
    mpc_party *P;
    uint32_t degree, K;    /* K = degree + 1 values per group */
    size_t count, groups;
    collector ycol;        /* round 0: shares of Y_g(beta_self) */
    uint64_t *yrecv;       /* n x groups: Y_g(beta_j) announced by party j */
    uint8_t *yhave;
    uint32_t nyhave;
    uint64_t *out;         /* groups * K values */
} batch_proto;

static const mpc_proto_ops batch_ops;

/* Coefficients of the Lagrange basis polynomials for the points beta_{idx[r]} (r < K):
 * L[r*K + k] is the coefficient of X^k in L_r(X), so coef_k = sum_r L[r*K + k] * y_r. */
static int inverse_vandermonde(const field *F, const uint32_t *idx, uint32_t K, uint64_t *L)
{
    const size_t W = F->limbs;
    uint64_t *poly = calloc((size_t)(K + 1) * W, sizeof(uint64_t));
    uint64_t *b = malloc((size_t)K * W * sizeof(uint64_t));
    if (!poly || !b) {
        free(poly);
        free(b);
        return STOFFEL_ERR_NOMEM;
    }
    for (uint32_t r = 0; r < K; r++)
        fe_set_u64(F, b + r * W, (uint64_t)idx[r] + 1);
    uint64_t t[FIELD_MAX_LIMBS], den[FIELD_MAX_LIMBS];
    for (uint32_t r = 0; r < K; r++) {
        /* poly = prod_{s != r} (X - b_s), built one factor at a time (degree grows to K-1) */
        memset(poly, 0, (size_t)(K + 1) * W * sizeof(uint64_t));
        fe_set_one(F, poly);
        uint32_t deg = 0;
        fe_set_one(F, den);
        for (uint32_t s = 0; s < K; s++) {
            if (s == r)
                continue;
            /* multiply by (X - b_s): new[i] = old[i-1] - b_s * old[i] */
            for (uint32_t i = deg + 2; i-- > 0;) {
                fe_mul(F, t, poly + i * W, b + s * W);
                fe_neg(F, t, t);
                if (i > 0)
                    fe_add(F, t, t, poly + (i - 1) * W);
                fe_copy(F, poly + i * W, t);
            }
            deg++;
            uint64_t diff[FIELD_MAX_LIMBS];
            fe_sub(F, diff, b + r * W, b + s * W);
            fe_mul(F, den, den, diff);
        }
        (void)deg;
        fe_inv(F, den, den);
        for (uint32_t k = 0; k < K; k++)
            fe_mul(F, L + ((size_t)r * K + k) * W, poly + k * W, den);
    }
    free(poly);
    free(b);
    return 0;
}

/* Fast path over the announcements of the parties not caught lying: interpolate Y_g through the
 * first K of them, check the next t (robust; semi-honest: every other one), and accept every
 * group not yet done where all agree. Any K+t announcements on one degree-d polynomial include K
 * honest ones, so an accepted group is right. Returns 0, or STOFFEL_ERR_NOMEM. */
static int batch_fast_pass(batch_proto *bp, const uint8_t *suspect, uint8_t *done, size_t *remaining,
                           uint64_t *L, uint64_t *coef, uint64_t *tmp, uint8_t *ok, uint64_t *lk)
{
    mpc_party *P = bp->P;
    const field *F = P->F;
    const size_t W = F->limbs, G = bp->groups;
    const uint32_t K = bp->K;
    uint32_t idx[SHAMIR_MAX_PARTIES], m = 0;
    for (uint32_t j = 0; j < P->n; j++)
        if (bp->yhave[j] && !suspect[j])
            idx[m++] = j;
    uint32_t check = P->robust ? K + P->t : m;
    if (m < check || m < K)
        return 0; /* too few unsuspected announcements to trust a fast result */
    if (inverse_vandermonde(F, idx, K, L))
        return STOFFEL_ERR_NOMEM;
    const uint64_t *rows[SHAMIR_MAX_PARTIES];
    for (uint32_t r = 0; r < K; r++)
        rows[r] = bp->yrecv + (size_t)idx[r] * G * W;
    for (uint32_t k = 0; k < K; k++) {
        for (uint32_t r = 0; r < K; r++)
            fe_copy(F, lk + r * W, L + ((size_t)r * K + k) * W);
        fe_vec_lincomb(F, coef + (size_t)k * G * W, rows, lk, K, G);
    }
    memset(ok, 1, G);
    for (uint32_t j = K; j < check; j++) {
        const uint64_t *co = shamir_lagrange(&P->S, idx, K, (int)idx[j]);
        if (!co)
            return STOFFEL_ERR_NOMEM;
        fe_vec_lincomb(F, tmp, rows, co, K, G);
        const uint64_t *yj = bp->yrecv + (size_t)idx[j] * G * W;
        for (size_t g = 0; g < G; g++)
            ok[g] &= (uint8_t)fe_equal(F, tmp + g * W, yj + g * W);
    }
    for (size_t g = 0; g < G; g++) {
        if (done[g] || !ok[g])
            continue;
        /* value g*K + k is coefficient k of group g */
        for (uint32_t k = 0; k < K; k++)
            fe_copy(F, bp->out + (g * K + k) * W, coef + ((size_t)k * G + g) * W);
        done[g] = 1;
        (*remaining)--;
    }
    return 0;
}

static int batch_finish(batch_proto *bp, int final)
{
    mpc_party *P = bp->P;
    const field *F = P->F;
    const size_t W = F->limbs, G = bp->groups;
    const uint32_t K = bp->K, need = P->robust ? K + P->t : P->n;
    if (bp->nyhave < need && !(final && bp->nyhave >= K))
        return final ? proto_fail(&bp->base, STOFFEL_ERR_TIMEOUT,
                                  "batch reconstruction: only %u of the parties announced their values",
                                  bp->nyhave)
                     : 0;
    uint32_t idx[SHAMIR_MAX_PARTIES], m = 0;
    for (uint32_t j = 0; j < P->n; j++)
        if (bp->yhave[j])
            idx[m++] = j;
    const size_t G1 = G ? G : 1;
    uint64_t *L = malloc((size_t)K * K * W * sizeof(uint64_t));
    uint64_t *coef = malloc((size_t)K * G1 * W * sizeof(uint64_t));
    uint64_t *tmp = malloc(G1 * W * sizeof(uint64_t));
    uint8_t *ok = malloc(G1), *done = calloc(G1, 1);
    uint64_t *lk = malloc((size_t)K * W * sizeof(uint64_t));
    uint64_t *v = malloc((size_t)P->n * W * sizeof(uint64_t));
    uint64_t *gc = malloc((size_t)K * W * sizeof(uint64_t));
    uint8_t *liars = calloc(P->n, 1), *suspect = calloc(P->n, 1);
    int rc = 0;
    size_t remaining = G;
    if (!L || !coef || !tmp || !ok || !done || !lk || !v || !gc || !liars || !suspect) {
        rc = proto_fail(&bp->base, STOFFEL_ERR_NOMEM, "out of memory");
        goto out;
    }
    int run_fast = 1;
    while (remaining > 0 && rc == 0) {
        if (run_fast) {
            run_fast = 0;
            if (batch_fast_pass(bp, suspect, done, &remaining, L, coef, tmp, ok, lk)) {
                rc = proto_fail(&bp->base, STOFFEL_ERR_NOMEM, "out of memory");
                break;
            }
            continue;
        }
        size_t g = 0;
        while (done[g])
            g++;
        if (!P->robust) {
            rc = proto_fail(&bp->base, STOFFEL_MPC_ERR_INCONSISTENT,
                            "batch reconstruction: announced values of group %zu are inconsistent (semi-honest mode aborts)", g);
            break;
        }
        /* Gao decoding of this group over every announcement; liars it names leave the fast set */
        for (uint32_t r = 0; r < m; r++)
            fe_copy(F, v + r * W, bp->yrecv + ((size_t)idx[r] * G + g) * W);
        memset(liars, 0, P->n);
        int d = robust_decode_poly(&P->S, v, idx, m, bp->degree, P->t, gc, NULL, liars, NULL);
        if (d == STOFFEL_MPC_ERR_DECODE && m < P->n && !final) {
            rc = 1; /* wait for more announcements */
            break;
        }
        if (d) {
            rc = proto_fail(&bp->base, STOFFEL_MPC_ERR_DECODE,
                            "batch reconstruction: group %zu cannot be decoded (more than t wrong announcements)", g);
            break;
        }
        for (uint32_t k = 0; k < K; k++)
            fe_copy(F, bp->out + (g * K + k) * W, gc + k * W);
        done[g] = 1;
        remaining--;
        for (uint32_t i = 0; i < P->n; i++)
            if (liars[i] && !suspect[i]) {
                suspect[i] = 1;
                P->blame[i]++;
                run_fast = 1;
            }
    }
    if (rc == 0)
        bp->base.done = 1;
    if (rc == 1)
        rc = 0;
out:
    free(L);
    free(coef);
    free(tmp);
    free(ok);
    free(done);
    free(lk);
    free(v);
    free(gc);
    free(liars);
    free(suspect);
    return rc < 0 ? rc : 0;
}

static int announce(batch_proto *bp, mpc_outbox *out)
{
    mpc_party *P = bp->P;
    const size_t W = P->F->limbs, bytes = bp->groups * W * sizeof(uint64_t);
    for (uint32_t j = 0; j < P->n; j++) {
        if (j == P->self)
            continue;
        uint8_t *buf = outbox_push(out, party_node(j), 1, bytes);
        if (!buf)
            return proto_fail(&bp->base, STOFFEL_ERR_NOMEM, "out of memory");
        memcpy(buf, bp->ycol.out, bytes);
    }
    memcpy(bp->yrecv + (size_t)P->self * bp->groups * W, bp->ycol.out, bytes);
    if (!bp->yhave[P->self]) {
        bp->yhave[P->self] = 1;
        bp->nyhave++;
    }
    return 0;
}

static int batch_round0_progress(batch_proto *bp, int final, mpc_outbox *out)
{
    if (bp->ycol.complete)
        return 0;
    char msg[200] = "";
    int r = collector_try(&bp->ycol, final, msg, sizeof msg);
    if (r < 0)
        return proto_fail(&bp->base, r, "batch reconstruction, round 1: %s", msg);
    if (r == 1) {
        int rc = announce(bp, out);
        if (rc)
            return rc;
        return batch_finish(bp, 0);
    }
    return 0;
}

static int batch_receive(mpc_proto *p, mpc_node from, uint32_t round, const uint8_t *payload, size_t len,
                         mpc_outbox *out)
{
    batch_proto *bp = (batch_proto *)p;
    mpc_party *P = bp->P;
    const size_t W = P->F->limbs;
    if (p->done || p->status || from.role != MPC_ROLE_PARTY || from.id >= P->n)
        return 0;
    uint32_t j = (uint32_t)from.id;
    if (round == 0) {
        int rc = collector_add(&bp->ycol, j, payload, len);
        if (rc == STOFFEL_ERR_MALFORMED) {
            P->blame[j]++;
            if (!P->robust)
                return proto_fail(p, STOFFEL_MPC_ERR_PEER, "party %u sent a malformed share vector", j);
            return 0;
        }
        return rc ? 0 : batch_round0_progress(bp, 0, out);
    }
    if (round == 1) {
        if (bp->yhave[j])
            return 0;
        uint64_t *row = bp->yrecv + (size_t)j * bp->groups * W;
        if (len != bp->groups * W * sizeof(uint64_t)) {
            P->blame[j]++;
            return P->robust ? 0 : proto_fail(p, STOFFEL_MPC_ERR_PEER, "party %u announced a malformed vector", j);
        }
        memcpy(row, payload, len);
        if (fe_vec_first_noncanonical(P->F, row, bp->groups) != bp->groups) {
            P->blame[j]++;
            return P->robust ? 0 : proto_fail(p, STOFFEL_MPC_ERR_PEER, "party %u announced non-field values", j);
        }
        bp->yhave[j] = 1;
        bp->nyhave++;
        /* announcements can overtake our own round 0: finish only after we announced too */
        return bp->ycol.complete ? batch_finish(bp, 0) : 0;
    }
    return 0;
}

static int batch_timeout(mpc_proto *p, mpc_outbox *out)
{
    batch_proto *bp = (batch_proto *)p;
    if (p->done || p->status)
        return 0;
    if (!bp->ycol.complete)
        return batch_round0_progress(bp, 1, out) ? p->status : (bp->ycol.complete ? batch_finish(bp, 1) : 0);
    return batch_finish(bp, 1);
}

static void batch_destroy(mpc_proto *p)
{
    batch_proto *bp = (batch_proto *)p;
    collector_free(&bp->ycol);
    free(bp->yrecv);
    free(bp->yhave);
    free(bp->out);
    free(bp);
}

static const mpc_proto_ops batch_ops = {"batch-open", batch_receive, batch_timeout, batch_destroy};

mpc_proto *batch_open_new(mpc_party *P, uint64_t instance, const uint64_t *shares, size_t count,
                          uint32_t degree, mpc_outbox *out)
{
    const field *F = P->F;
    const size_t W = F->limbs;
    batch_proto *bp = calloc(1, sizeof *bp);
    if (!bp)
        return NULL;
    proto_init(&bp->base, &batch_ops, MPC_PROTO_OPEN, P->session, instance, party_node(P->self));
    bp->P = P;
    bp->degree = degree;
    bp->K = degree + 1;
    bp->count = count;
    bp->groups = (count + bp->K - 1) / bp->K;
    size_t G = bp->groups ? bp->groups : 1;
    bp->yrecv = calloc((size_t)P->n * G * W, sizeof(uint64_t));
    bp->yhave = calloc(P->n, 1);
    bp->out = calloc(G * bp->K * W, sizeof(uint64_t));
    /* columns: col_k[g] = x[g*K + k] (zero padding past count) */
    uint64_t *cols = calloc((size_t)bp->K * G * W, sizeof(uint64_t));
    uint64_t *z = malloc(G * W * sizeof(uint64_t));
    uint64_t *pw = malloc((size_t)bp->K * W * sizeof(uint64_t));
    int ok = bp->yrecv && bp->yhave && bp->out && cols && z && pw &&
             collector_init(&bp->ycol, F, &P->S, P->n, P->t, degree, P->robust, bp->groups, P->cache) == 0;
    if (ok) {
        bp->ycol.blame = P->blame;
        for (size_t v = 0; v < count; v++)
            fe_copy(F, cols + ((v % bp->K) * G + v / bp->K) * W, shares + v * W);
        const uint64_t *colp[SHAMIR_MAX_PARTIES];
        for (uint32_t k = 0; k < bp->K; k++)
            colp[k] = cols + (size_t)k * G * W;
        for (uint32_t j = 0; j < P->n && ok; j++) {
            /* share of Y_g(beta_j) = sum_k x_{g,k} beta_j^k */
            fe_set_one(F, pw);
            for (uint32_t k = 1; k < bp->K; k++)
                fe_mul(F, pw + k * W, pw + (k - 1) * W, P->S.alpha + (size_t)j * W);
            fe_vec_lincomb(F, z, colp, pw, bp->K, bp->groups);
            if (j == P->self) {
                collector_add_own(&bp->ycol, j, z);
                continue;
            }
            uint8_t *buf = outbox_push(out, party_node(j), 0, bp->groups * W * sizeof(uint64_t));
            if (!buf)
                ok = 0;
            else
                memcpy(buf, z, bp->groups * W * sizeof(uint64_t));
        }
    }
    if (cols) {
        sodium_memzero(cols, (size_t)bp->K * G * W * sizeof(uint64_t));
        free(cols);
    }
    free(z);
    free(pw);
    if (!ok) {
        batch_destroy(&bp->base);
        return NULL;
    }
    batch_round0_progress(bp, 0, out);
    return &bp->base;
}

const uint64_t *batch_open_result(const mpc_proto *p)
{
    return p->done ? ((const batch_proto *)p)->out : NULL;
}
