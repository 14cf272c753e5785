/*
 * test_protocols.c - protocol state machines driven directly by the simulator driver (the same
 * interface the network driver uses): batch reconstruction (HBMPC Fig. 2) in semi-honest and
 * robust mode, with reordering and with t lying parties (values still exact, liars blamed); Bracha
 * reliable broadcast with an honest dealer, with a crashed party, and with an equivocating dealer
 * (nobody delivers, or everybody delivers the same).
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "rbc.h"
#include "sim.h"
#include "wire.h"
#include "test_util.h"

typedef struct {
    field *F;
    uint32_t n, t;
    mpc_party P[16];
    mpc_sim *sim;
    mpc_rng rng;
} net;

static int net_open(net *w, stoffel_mpc_field_id id, uint32_t n, uint32_t t, int robust, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    if (stoffel_mpc_field_new(id, &w->F))
        return -1;
    w->n = n;
    w->t = t;
    sim_faults f = {1, 100, 30, 1};
    if (sim_new(w->F, n, seed, &f, NULL, &w->sim))
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t key[32] = {(uint8_t)i, (uint8_t)seed};
        if (party_init(&w->P[i], w->F, n, t, i, robust, 42, key))
            return -1;
    }
    rng_init(&w->rng, seed, 99, "test-protocols");
    return 0;
}

static void net_close(net *w)
{
    for (uint32_t i = 0; i < w->n; i++)
        party_free(&w->P[i]);
    sim_free(w->sim);
    stoffel_mpc_field_free(w->F);
}

static void test_batch_open(stoffel_mpc_field_id id, uint32_t n, uint32_t t, int robust, uint32_t liars)
{
    net w;
    CHECK_EQ_INT(net_open(&w, id, n, t, robust, 5 + n + liars), 0);
    const size_t L = w.F->limbs, COUNT = 1001; /* not a multiple of t+1: the last group is padded */
    uint64_t *secrets = malloc(COUNT * L * 8), *store = malloc((size_t)n * COUNT * L * 8);
    uint64_t *rows[16];
    for (uint32_t i = 0; i < n; i++)
        rows[i] = store + (size_t)i * COUNT * L;
    rng_field_vec(&w.rng, w.F, secrets, COUNT);
    CHECK_EQ_INT(shamir_share_vec(&w.P[0].S, &w.rng, secrets, t, COUNT, rows), 0);
    for (uint32_t k = 0; k < liars; k++)
        sim_set_liar(w.sim, n - 1 - 2 * k, SIM_LIAR_WRONG_SHARES);
    sim_set_liars_active(w.sim, liars > 0);
    mpc_proto *inst[16] = {0};
    mpc_outbox out = {0};
    for (uint32_t i = 0; i < n; i++) {
        inst[i] = batch_open_new(&w.P[i], 7, rows[i], COUNT, t, &out);
        CHECK(inst[i] != NULL);
        sim_register(w.sim, inst[i]);
        sim_send(w.sim, party_node(i), MPC_PROTO_OPEN, 42, 7, &out);
    }
    int rc = sim_run(w.sim, inst, n);
    CHECK_MSG(rc == 0, "batch open n=%u t=%u robust=%d liars=%u: %d %s", n, t, robust, liars, rc, sim_error(w.sim));
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const uint64_t *res = batch_open_result(inst[i]);
        CHECK(res && fe_vec_equal(w.F, res, secrets, COUNT));
    }
    /* a liar is named when its shares were needed to decide (with n = 4 the three honest shares
     * may settle everything first); an honest party is never named */
    uint64_t blamed_liars = 0, blamed_honest = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            int liar = 0;
            for (uint32_t k = 0; k < liars; k++)
                liar |= j == n - 1 - 2 * k;
            int honest_i = 1;
            for (uint32_t k = 0; k < liars; k++)
                honest_i &= i != n - 1 - 2 * k;
            if (honest_i)
                *(liar ? &blamed_liars : &blamed_honest) += w.P[i].blame[j];
        }
    CHECK_EQ_INT(blamed_honest, 0);
    if (liars && n >= 7)
        CHECK(blamed_liars > 0);
    for (uint32_t i = 0; i < n; i++) {
        sim_unregister(w.sim, inst[i]);
        inst[i]->ops->destroy(inst[i]);
    }
    outbox_free(&out);
    free(secrets);
    free(store);
    net_close(&w);
}

/* dealer_mode 0: honest; 1: honest dealer, party n-1 crashed; 2: equivocating dealer */
static void test_rbc(uint32_t n, uint32_t t, int dealer_mode)
{
    net w;
    CHECK_EQ_INT(net_open(&w, STOFFEL_MPC_FIELD_GOLDILOCKS, n, t, 1, 77 + dealer_mode), 0);
    const uint8_t msg_a[] = "the masked inputs, version A";
    const uint8_t msg_b[] = "the masked inputs, version B";
    if (dealer_mode == 1)
        sim_crash(w.sim, n - 1, 0);
    mpc_proto *inst[16] = {0};
    mpc_outbox out = {0};
    for (uint32_t i = 0; i < n; i++) {
        int dealing = i == 0 && dealer_mode != 2;
        inst[i] = rbc_new(&w.P[i], 3, 0, dealing ? msg_a : NULL, sizeof msg_a, &out);
        CHECK(inst[i] != NULL);
        if (i == 0 && dealer_mode == 2) {
            /* equivocation: half the parties get A, the others B */
            for (uint32_t j = 0; j < n; j++) {
                uint8_t *buf = outbox_push(&out, party_node(j), 0, sizeof msg_a);
                memcpy(buf, j < n / 2 ? msg_a : msg_b, sizeof msg_a);
            }
        }
        sim_register(w.sim, inst[i]);
        sim_send(w.sim, party_node(i), MPC_PROTO_RBC, 42, 3, &out);
    }
    int rc = sim_run(w.sim, inst, n);
    if (dealer_mode == 2) {
        /* agreement: no two honest parties deliver different payloads */
        const uint8_t *first = NULL;
        size_t flen = 0, delivered = 0;
        for (uint32_t i = 0; i < n; i++) {
            size_t len;
            const uint8_t *r = inst[i]->done ? rbc_result(inst[i], &len) : NULL;
            if (!r)
                continue;
            delivered++;
            if (!first) {
                first = r;
                flen = len;
            } else {
                CHECK(len == flen && memcmp(r, first, len) == 0);
            }
        }
        CHECK(rc == 0 || delivered == 0); /* with n/2 vs n/2 nobody can gather an echo quorum */
        CHECK_EQ_INT(delivered, 0);
    } else {
        CHECK_MSG(rc == 0, "rbc mode %d: %d %s", dealer_mode, rc, sim_error(w.sim));
        for (uint32_t i = 0; i < n; i++) {
            if (dealer_mode == 1 && i == n - 1)
                continue;
            size_t len = 0;
            const uint8_t *r = rbc_result(inst[i], &len);
            CHECK(r && len == sizeof msg_a && memcmp(r, msg_a, len) == 0);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        sim_unregister(w.sim, inst[i]);
        inst[i]->ops->destroy(inst[i]);
    }
    outbox_free(&out);
    net_close(&w);
}

/* Strict envelope decoding: a round trip, and each kind of bad frame rejected with a message that
 * names what is wrong. */
static void test_wire(void)
{
    uint8_t payload[40];
    for (int i = 0; i < 40; i++)
        payload[i] = (uint8_t)i;
    mpc_envelope env = {MPC_PROTO_PREP, 0x1122334455667788ULL, 99, 2, {MPC_ROLE_CLIENT, 4000000000ULL},
                        payload, sizeof payload};
    uint8_t *buf;
    size_t len;
    CHECK_EQ_INT(wire_encode(&env, &buf, &len), 0);
    mpc_envelope back;
    char err[200] = "";
    CHECK_EQ_INT(wire_decode(buf, len, &back, err, sizeof err), 0);
    CHECK(back.protocol == MPC_PROTO_PREP && back.session == env.session && back.instance == 99 &&
          back.round == 2 && back.sender.role == MPC_ROLE_CLIENT && back.sender.id == 4000000000ULL &&
          back.payload_len == 40 && memcmp(back.payload, payload, 40) == 0);
    CHECK_EQ_INT(wire_decode(buf, len - 1, &back, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "truncated") != NULL);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    CHECK_EQ_INT(wire_decode(longer, len + 1, &back, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "trailing") != NULL);
    free(longer);
    buf[1] = 2; /* version 2 */
    CHECK_EQ_INT(wire_decode(buf, len, &back, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "version") != NULL);
    buf[1] = 1;
    buf[2] = 9; /* unknown protocol code */
    CHECK_EQ_INT(wire_decode(buf, len, &back, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "protocol") != NULL);
    buf[2] = 0xa1; /* a string where an integer belongs */
    CHECK_EQ_INT(wire_decode(buf, len, &back, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "'protocol'") != NULL);
    free(buf);
    /* an array header claiming 2^32 - 1 elements: refused before any allocation */
    const uint8_t huge[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ_INT(wire_decode(huge, sizeof huge, &back, err, sizeof err), STOFFEL_ERR_MALFORMED);
}

int main(void)
{
    test_wire();
    test_batch_open(STOFFEL_MPC_FIELD_P128, 3, 1, 0, 0);
    test_batch_open(STOFFEL_MPC_FIELD_BLS12_381, 4, 1, 1, 0);
    test_batch_open(STOFFEL_MPC_FIELD_BLS12_381, 4, 1, 1, 1);
    test_batch_open(STOFFEL_MPC_FIELD_P128, 7, 2, 1, 2);
    test_batch_open(STOFFEL_MPC_FIELD_GOLDILOCKS, 10, 3, 1, 3);
    test_rbc(4, 1, 0);
    test_rbc(4, 1, 1);
    test_rbc(7, 2, 0);
    test_rbc(4, 1, 2);
    test_rbc(7, 2, 2);
    return test_finish();
}
