/*
 * test_secret.c - secret execution on the simulated MPC engine for n=3,t=1 and n=5,t=1: share
 * arithmetic by operand kind, reveal with decoding per share type, client input and output,
 * comparisons (also a whole array at once, Share.batch_lt) and divisions, the resumable
 * NEED_MPC interface (whole-array builtins included),
 * and the cost model: k independent multiplications, comparisons, or mixed multiplications,
 * comparisons and reveals in straight-line code take as many rounds as one.
 */
#include <stdio.h>
#include <string.h>

#include <stoffel/vm.h>

#include "test_util.h"
#include "vm_text_asm.h"

static stoffel_mpc_engine *engine_new(uint32_t n, uint32_t t)
{
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = n;
    cfg.t = t;
    cfg.seed = 42;
    stoffel_mpc_engine *e = NULL;
    char err[256];
    int rc = stoffel_mpc_engine_new_simulated(&cfg, &e, err, sizeof err);
    CHECK_MSG(rc == 0, "simulated engine n=%u t=%u: %s", n, t, err);
    return e;
}

static uint64_t rounds(stoffel_mpc_engine *e)
{
    stoffel_mpc_stats st = {.struct_size = sizeof st};
    stoffel_mpc_engine_get_stats(e, &st);
    return st.rounds;
}

static stoffel_mpc_engine *E;
static uint32_t N, T;

static void expect(const char *src, int status, const char *result, const char *printed, int line)
{
    char res[4096], out[8192];
    int rc = run_main_engine(src, E, res, sizeof res, out, sizeof out);
    if (status == 0)
        CHECK_MSG(rc == 0 && strcmp(res, result) == 0, "n=%u line %d: rc %d, got \"%s\", want \"%s\"", N, line, rc, res, result);
    else
        CHECK_MSG(rc == status && strstr(res, result), "n=%u line %d: rc %d (want %d), \"%s\" lacks \"%s\"", N, line, rc, status, res, result);
    if (printed)
        CHECK_MSG(strcmp(out, printed) == 0, "n=%u line %d: printed \"%s\", want \"%s\"", N, line, out, printed);
}
#define OK(src, want) expect(src, 0, want, NULL, __LINE__)
#define OKP(src, want, printed) expect(src, 0, want, printed, __LINE__)
#define ERR(src, status, needle) expect(src, status, needle, NULL, __LINE__)

static void test_arithmetic(void)
{
    /* share x share (interactive), + share, - clear, clear - share, x clear (local) */
    OK("fn main\n LDI r16 i64 6\n LDI r17 i64 7\n MUL r18 r16 r17\n ADD r19 r18 r16\n MOV r0 r19\n RET r0\n", "48");
    OK("fn main\n LDI r16 i64 6\n LDI r1 i64 10\n SUB r17 r16 r1\n MOV r0 r17\n RET r0\n", "-4");
    OK("fn main\n LDI r16 i64 6\n LDI r1 i64 10\n SUB r17 r1 r16\n MOV r0 r17\n RET r0\n", "4");
    OK("fn main\n LDI r16 i64 -6\n LDI r1 i64 9\n MUL r17 r16 r1\n ADD r17 r17 r1\n MOV r0 r17\n RET r0\n", "-45");
    /* A share written to a clear register is not revealed; MOV secret -> clear is. */
    OKP("fn main\n LDI r16 i64 5\n MOV r17 r16\n MUL r1 r16 r17\n PUSHARG r1\n CALL print\n MOV r16 r1\n MOV r0 r16\n RET r0\n", "25",
        "Share(SecretInt { bit_length: 64 })\n");
    /* Bool shares: AND/OR/XOR/NOT on 1-bit shares. */
    OK("fn main\n LDI r16 bool true\n LDI r17 bool false\n OR r18 r16 r17\n AND r19 r16 r17\n XOR r20 r16 r16\n NOT r21 r17\n"
       " MOV r1 r18\n MOV r2 r19\n MOV r3 r20\n MOV r4 r21\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n PUSHARG r4\n CALL print\n RET r1\n", "true");
    OKP("fn main\n LDI r16 bool true\n LDI r17 bool false\n OR r18 r16 r17\n AND r19 r16 r17\n XOR r20 r16 r16\n NOT r21 r17\n"
        " MOV r1 r18\n MOV r2 r19\n MOV r3 r20\n MOV r4 r21\n PUSHARG r1\n PUSHARG r2\n PUSHARG r3\n PUSHARG r4\n CALL print\n RET r1\n", "true",
        "true false false true\n");
    /* Typed shares decode to their width: -5 as SecretInt{8} opens as int8. */
    OKP("fn main\n LDI r1 i64 -5\n LDI r2 i64 8\n PUSHARG r1\n PUSHARG r2\n CALL Share.from_clear_int\n MOV r16 r0\n MOV r3 r16\n"
        " PUSHARG r3\n CALL print\n RET r3\n", "-5", "-5i8\n");
    OKP("fn main\n LDI r1 i64 300\n LDI r2 i64 8\n PUSHARG r1\n PUSHARG r2\n CALL Share.from_clear_uint\n PUSHARG r0\n CALL Share.open\n"
        " MOV r3 r0\n PUSHARG r3\n CALL print\n RET r3\n", "44", "44u8\n");
    /* Share objects: fields, type, and methods dispatched on the receiver. */
    OKP("fn main\n LDI r1 i64 9\n PUSHARG r1\n CALL Share.from_clear\n MOV r2 r0\n LDI r3 str \"__share_type\"\n PUSHARG r2\n PUSHARG r3\n"
        " CALL get_field\n PUSHARG r0\n CALL print\n PUSHARG r2\n CALL open\n RET r0\n", "9", "SecretInt\n");
    OK("fn main\n LDI r1 i64 9\n PUSHARG r1\n CALL Share.from_clear\n MOV r2 r0\n PUSHARG r2\n PUSHARG r2\n CALL Share.mul\n"
       " PUSHARG r0\n CALL Share.get_type\n RET r0\n", "\"SecretInt\"");
    /* Share type mismatch and unsupported operations. */
    ERR("fn main\n LDI r1 i64 1\n LDI r2 i64 8\n PUSHARG r1\n PUSHARG r2\n CALL Share.from_clear_int\n MOV r16 r0\n LDI r17 i64 1\n"
        " ADD r18 r16 r17\n RET r0\n", STOFFEL_VM_ERR_TYPE, "ShareTypeMismatch");
    ERR("fn main\n LDI r16 i64 1\n LDI r17 i64 1\n CMP r16 r17\n RET r0\n", STOFFEL_VM_ERR_TYPE, "CMP on secret shares is not supported");
    ERR("fn main\n LDI r16 i64 1\n LDI r1 i64 1\n SHL r17 r16 r1\n RET r0\n", STOFFEL_VM_ERR_TYPE, "SHL is not supported on secret shares");
    ERR("fn main\n LDI r16 i64 1\n LDI r1 f64 1.5\n ADD r17 r16 r1\n RET r0\n", STOFFEL_VM_ERR_TYPE, "ADD is not defined for share and float");
    ERR("fn main\n LDI r16 str \"x\"\n RET r0\n", STOFFEL_VM_ERR_TYPE, "cannot share a string");
    /* Argument errors of the whole-array builtins, randomness and client output. */
    ERR("fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL Share.from_clear\n MOV r2 r0\n CALL create_array\n MOV r3 r0\n"
        " PUSHARG r3\n PUSHARG r2\n CALL array_push\n CALL create_array\n MOV r4 r0\n PUSHARG r3\n PUSHARG r4\n CALL Share.batch_mul\n RET r0\n",
        STOFFEL_VM_ERR_RUNTIME, "Share.batch_mul: arrays differ in length (1 and 0)");
    ERR("fn main\n CALL create_array\n MOV r3 r0\n LDI r1 i64 2\n PUSHARG r3\n PUSHARG r1\n CALL array_push\n PUSHARG r3\n CALL Share.batch_open\n RET r0\n",
        STOFFEL_VM_ERR_TYPE, "Share.batch_open: element 0 is not a share");
    ERR("fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL Share.batch_open\n RET r0\n", STOFFEL_VM_ERR_TYPE,
        "Share.batch_open: argument 1 must be an array of shares, got int64");
    ERR("fn main\n LDI r1 i64 0\n PUSHARG r1\n CALL Share.random_int\n RET r0\n", STOFFEL_VM_ERR_RUNTIME,
        "Share.random_int: bit length must be 1..64, got 0");
    ERR("fn main\n LDI r1 i64 1\n PUSHARG r1\n CALL Share.random\n RET r0\n", STOFFEL_VM_ERR_ARITY, "Share.random expects 0 arguments, got 1");
    ERR("fn main\n LDI r1 i64 1\n LDI r2 str \"x\"\n PUSHARG r1\n PUSHARG r2\n CALL MpcOutput.send_to_client\n RET r0\n",
        STOFFEL_VM_ERR_TYPE, "MpcOutput.send_to_client: argument 2 must be an array of shares, got string");
    /* Mpc.* facts. */
    char want[64];
    snprintf(want, sizeof want, "%u", N);
    OK("fn main\n CALL Mpc.n_parties\n RET r0\n", want);
    snprintf(want, sizeof want, "%u", T);
    OK("fn main\n CALL Mpc.threshold\n RET r0\n", want);
    OK("fn main\n CALL Mpc.is_ready\n RET r0\n", "true");
}

static void test_fixed_and_nonlinear(void)
{
    int trunc = stoffel_mpc_engine_supports(E, STOFFEL_MPC_OP_TRUNC);
    int lt = stoffel_mpc_engine_supports(E, STOFFEL_MPC_OP_LT);
    int div = stoffel_mpc_engine_supports(E, STOFFEL_MPC_OP_DIV);
    int divp = stoffel_mpc_engine_supports(E, STOFFEL_MPC_OP_DIV_PUBLIC);
    /* Fixed point: a clear float x int share is local; share x share needs truncation. */
    OK("fn main\n LDI r16 i64 3\n LDI r1 f64 1.5\n MUL r17 r16 r1\n MOV r0 r17\n RET r0\n", "4.5");
    OK("fn main\n LDI r16 f64 1.25\n LDI r17 f64 -2.5\n ADD r18 r16 r17\n MOV r0 r18\n RET r0\n", "-1.25");
    const char *fmul = "fn main\n LDI r16 f64 1.5\n LDI r17 f64 2.25\n MUL r18 r16 r17\n MOV r0 r18\n RET r0\n";
    if (trunc)
        OK(fmul, "3.375");
    else
        ERR(fmul, STOFFEL_ERR_UNSUPPORTED, "secret truncation is not supported by this engine");
    const char *cmp = "fn main\n LDI r16 i64 3\n LDI r17 i64 -4\n PUSHARG r16\n PUSHARG r17\n CALL Share.lt\n MOV r1 r0\n"
                      " PUSHARG r16\n PUSHARG r17\n CALL Share.gt\n MOV r2 r0\n LDI r3 i64 3\n PUSHARG r16\n PUSHARG r3\n CALL Share.eq\n"
                      " MOV r16 r0\n MOV r4 r16\n MOV r16 r1\n MOV r5 r16\n MOV r16 r2\n MOV r6 r16\n"
                      " PUSHARG r5\n PUSHARG r6\n PUSHARG r4\n CALL print\n RET r4\n";
    if (lt)
        OKP(cmp, "true", "false true true\n");
    else
        ERR(cmp, STOFFEL_ERR_UNSUPPORTED, "secret comparison is not supported by this engine");
    const char *sdiv = "fn main\n LDI r16 i64 -17\n LDI r17 i64 5\n DIV r18 r16 r17\n MOD r19 r16 r17\n MOV r1 r18\n MOV r2 r19\n"
                       " PUSHARG r1\n PUSHARG r2\n CALL print\n RET r1\n";
    if (div)
        OKP(sdiv, "-3", "-3 -2\n");
    else
        ERR(sdiv, STOFFEL_ERR_UNSUPPORTED, "is not supported by this engine");
    const char *pdiv = "fn main\n LDI r16 i64 -17\n LDI r1 i64 5\n DIV r18 r16 r1\n MOV r2 r18\n RET r2\n";
    if (divp)
        OK(pdiv, "-3");
    else
        ERR(pdiv, STOFFEL_ERR_UNSUPPORTED, "secret integer division is not supported by this engine");
}

static void test_clients(void)
{
    stoffel_mpc_engine *e = engine_new(N, T);
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(e);
    size_t es = stoffel_mpc_field_elem_size(f);
    uint8_t vals[2 * 64];
    stoffel_mpc_field_from_i64(f, 10, vals);
    stoffel_mpc_field_from_i64(f, -3, vals + es);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_input(e, 7, vals, 2), 0);
    stoffel_mpc_field_from_i64(f, 100, vals);
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_input(e, 3, vals, 1), 0);
    /* Clients are indexed by ascending id: index 0 = client 3, index 1 = client 7. */
    char res[256], out[256];
    int rc = run_main_engine("fn main\n CALL ClientStore.get_number_clients\n MOV r5 r0\n"
                             " LDI r1 i64 1\n LDI r2 i64 0\n PUSHARG r1\n PUSHARG r2\n CALL ClientStore.take_share\n MOV r16 r0\n"
                             " LDI r2 i64 1\n PUSHARG r1\n PUSHARG r2\n CALL ClientStore.take_share\n MOV r17 r0\n"
                             " LDI r1 i64 0\n LDI r2 i64 0\n PUSHARG r1\n PUSHARG r2\n CALL ClientStore.take_share\n MOV r18 r0\n"
                             " MUL r19 r16 r17\n ADD r19 r19 r18\n LDI r3 i64 7\n PUSHARG r3\n PUSHARG r19\n CALL MpcOutput.send_to_client\n"
                             " MOV r4 r19\n PUSHARG r5\n CALL print\n RET r4\n",
                             e, res, sizeof res, out, sizeof out);
    CHECK_MSG(rc == 0 && strcmp(res, "70") == 0, "client program: %d %s", rc, res);
    CHECK_EQ_STR(out, "2\n");
    uint8_t got[64];
    size_t count = 1;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(e, 7, got, &count), 0);
    CHECK_EQ_INT(count, 1);
    int64_t x = 0;
    int fits = 0;
    stoffel_mpc_field_to_i64(f, got, &x, &fits);
    CHECK_EQ_INT(x, 70);
    rc = run_main_engine("fn main\n LDI r1 i64 5\n LDI r2 i64 0\n PUSHARG r1\n PUSHARG r2\n CALL ClientStore.take_share\n RET r0\n",
                         e, res, sizeof res, out, sizeof out);
    CHECK_MSG(rc == STOFFEL_ERR_NOT_FOUND && strstr(res, "no client at index 5 (2 clients have inputs)"), "%d %s", rc, res);
    stoffel_mpc_engine_free(e);
}

/* k independent multiplications, each product then revealed: rounds must not grow with k. */
static uint64_t rounds_for(int k)
{
    char src[8192];
    size_t n = (size_t)snprintf(src, sizeof src, "fn main\n LDI r16 i64 3\n LDI r17 i64 5\n");
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " MUL r%d r16 r17\n", 18 + i);
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " MOV r%d r%d\n", 1 + i, 18 + i);
    n += (size_t)snprintf(src + n, sizeof src - n, " LDI r0 i64 0\n");
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " ADD r0 r0 r%d\n", 1 + i);
    snprintf(src + n, sizeof src - n, " RET r0\n");
    stoffel_mpc_engine *e = engine_new(N, T);
    uint64_t before = rounds(e);
    char res[256];
    int rc = run_main_engine(src, e, res, sizeof res, NULL, 0);
    char want[32];
    snprintf(want, sizeof want, "%d", 15 * k);
    CHECK_MSG(rc == 0 && strcmp(res, want) == 0, "k=%d: %d %s", k, rc, res);
    uint64_t r = rounds(e) - before;
    stoffel_mpc_engine_free(e);
    return r;
}

static void test_one_round(void)
{
    uint64_t r1 = rounds_for(1), r8 = rounds_for(8), r12 = rounds_for(12);
    CHECK_MSG(r1 > 0 && r1 == r8 && r8 == r12, "rounds: k=1 %llu, k=8 %llu, k=12 %llu", (unsigned long long)r1,
              (unsigned long long)r8, (unsigned long long)r12);
    /* Exactly: one round for the batched multiplications, one for the batched openings. */
    CHECK_EQ_INT(r8, 2);
}

/* a = 3 and b = 5 as 8-bit shares in r17 and r18 (8-bit comparisons are the cheapest). */
#define TWO_SMALL_SHARES                                                                             \
    "fn main\n LDI r2 i64 8\n LDI r1 i64 3\n PUSHARG r1\n PUSHARG r2\n CALL Share.from_clear_int\n MOV r16 r0\n" \
    " MOV r17 r16\n LDI r1 i64 5\n PUSHARG r1\n PUSHARG r2\n CALL Share.from_clear_int\n MOV r16 r0\n MOV r18 r16\n"

/*
 * k independent secret comparisons in straight-line code, written the way the compiler writes
 * them (CALL Share.lt; MOV r16 r0; MOV rX r16), then revealed: the comparisons form one batch
 * and the reveals another, whatever k is. Kinds rotate lt, gt, le, ge.
 */
static uint64_t compare_rounds_for(int k)
{
    static const char *const kinds[] = {"lt", "gt", "le", "ge"};
    static const char *const want[] = {"true", "false", "false", "true"};
    char src[8192], printed[256], expect_printed[256] = "";
    size_t n = (size_t)snprintf(src, sizeof src, "%s", TWO_SMALL_SHARES);
    for (int i = 0; i < k; i++) {
        /* lt(a, b), gt(a, b), le(b, a), ge(b, a) */
        int swap = i % 4 >= 2;
        n += (size_t)snprintf(src + n, sizeof src - n, " PUSHARG r%d\n PUSHARG r%d\n CALL Share.%s\n MOV r16 r0\n MOV r%d r16\n",
                              swap ? 18 : 17, swap ? 17 : 18, kinds[i % 4], 19 + i);
    }
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " MOV r%d r%d\n", 3 + i, 19 + i);
    for (int i = 0; i < k; i++) {
        n += (size_t)snprintf(src + n, sizeof src - n, " PUSHARG r%d\n", 3 + i);
        strcat(expect_printed, want[i % 4]);
        strcat(expect_printed, i + 1 < k ? " " : "\n");
    }
    snprintf(src + n, sizeof src - n, " CALL print\n RET r3\n");
    stoffel_mpc_engine *e = engine_new(N, T);
    uint64_t before = rounds(e);
    char res[256];
    int rc = run_main_engine(src, e, res, sizeof res, printed, sizeof printed);
    CHECK_MSG(rc == 0 && strcmp(res, "true") == 0, "n=%u k=%d: %d %s", N, k, rc, res);
    CHECK_MSG(strcmp(printed, expect_printed) == 0, "n=%u k=%d: printed \"%s\", want \"%s\"", N, k, printed, expect_printed);
    uint64_t r = rounds(e) - before;
    stoffel_mpc_engine_free(e);
    return r;
}

/*
 * k multiplications, k comparisons and k reveals, all independent, queued together: one batch
 * (the engine runs the multiplications and openings in one round next to the comparison
 * protocol), then one batch revealing the products and comparison bits.
 */
static uint64_t mixed_rounds_for(int k)
{
    char src[8192], printed[256], expect_printed[256] = "";
    size_t n = (size_t)snprintf(src, sizeof src, "%s", TWO_SMALL_SHARES);
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " MUL r%d r17 r18\n", 19 + i);
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " PUSHARG r17\n PUSHARG r18\n CALL Share.lt\n MOV r16 r0\n MOV r%d r16\n", 22 + i);
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " MOV r%d r18\n", 1 + i); /* reveal b */
    for (int i = 0; i < k; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, " MOV r%d r%d\n MOV r%d r%d\n", 4 + i, 19 + i, 7 + i, 22 + i);
    for (int i = 0; i < k; i++) {
        n += (size_t)snprintf(src + n, sizeof src - n, " PUSHARG r%d\n PUSHARG r%d\n PUSHARG r%d\n", 1 + i, 4 + i, 7 + i);
        strcat(expect_printed, i + 1 < k ? "5i8 15i8 true " : "5i8 15i8 true\n");
    }
    snprintf(src + n, sizeof src - n, " CALL print\n RET r4\n");
    stoffel_mpc_engine *e = engine_new(N, T);
    uint64_t before = rounds(e);
    char res[256];
    int rc = run_main_engine(src, e, res, sizeof res, printed, sizeof printed);
    CHECK_MSG(rc == 0 && strcmp(res, "15") == 0, "n=%u k=%d: %d %s", N, k, rc, res);
    CHECK_MSG(strcmp(printed, expect_printed) == 0, "n=%u k=%d: printed \"%s\", want \"%s\"", N, k, printed, expect_printed);
    uint64_t r = rounds(e) - before;
    stoffel_mpc_engine_free(e);
    return r;
}

static void test_compare_rounds(void)
{
    if (!stoffel_mpc_engine_supports(E, STOFFEL_MPC_OP_LT))
        return;
    uint64_t c1 = compare_rounds_for(1), c6 = compare_rounds_for(6);
    CHECK_MSG(c1 > 1 && c1 == c6, "n=%u comparison rounds: k=1 %llu, k=6 %llu", N, (unsigned long long)c1, (unsigned long long)c6);
    uint64_t m1 = mixed_rounds_for(1), m3 = mixed_rounds_for(3);
    CHECK_MSG(m1 == m3, "n=%u mixed rounds: k=1 %llu, k=3 %llu", N, (unsigned long long)m1, (unsigned long long)m3);
    /* The multiplications and the reveal of b share the batch of the comparisons: at most the
     * one round of the engine's core requests is added (it runs them before the comparison). */
    CHECK_MSG(m1 <= c1 + 1, "n=%u mixed %llu vs comparisons alone %llu", N, (unsigned long long)m1, (unsigned long long)c1);
}

/*
 * Share.batch_lt over k pairs (bits-bit signed shares from Share.from_clear_int): every result
 * equals the clear comparison, and the whole array costs the rounds of one pair (one request).
 * Pairs cycle through below, equal, above and negative values.
 */
static uint64_t batch_lt_rounds_for(int k, int bits)
{
    static const int64_t xs[] = {3, 5, -7, 0, -128, 100, 42, -1};
    static const int64_t ys[] = {5, 5, -8, -1, 127, 100, 41, 1};
    static char src[65536];
    char printed[1024], want[1024] = "[";
    size_t n = (size_t)snprintf(src, 65536, "fn main\n LDI r9 i64 %d\n CALL create_array\n MOV r5 r0\n CALL create_array\n MOV r6 r0\n", bits);
    for (int i = 0; i < k; i++) {
        int64_t x = xs[i % 8], y = ys[i % 8];
        n += (size_t)snprintf(src + n, 65536 - n,
                              " LDI r1 i64 %lld\n PUSHARG r1\n PUSHARG r9\n CALL Share.from_clear_int\n MOV r2 r0\n"
                              " PUSHARG r5\n PUSHARG r2\n CALL array_push\n"
                              " LDI r1 i64 %lld\n PUSHARG r1\n PUSHARG r9\n CALL Share.from_clear_int\n MOV r2 r0\n"
                              " PUSHARG r6\n PUSHARG r2\n CALL array_push\n",
                              (long long)x, (long long)y);
        strcat(want, x < y ? "true" : "false");
        strcat(want, i + 1 < k ? ", " : "]\n");
    }
    snprintf(src + n, 65536 - n,
             " PUSHARG r5\n PUSHARG r6\n CALL Share.batch_lt\n MOV r7 r0\n PUSHARG r7\n CALL Share.batch_open\n"
             " MOV r8 r0\n PUSHARG r8\n CALL print\n PUSHARG r7\n CALL array_length\n RET r0\n");
    stoffel_mpc_engine *e = engine_new(N, T);
    uint64_t before = rounds(e);
    char res[256], len[16];
    int rc = run_main_engine(src, e, res, sizeof res, printed, sizeof printed);
    snprintf(len, sizeof len, "%d", k);
    CHECK_MSG(rc == 0 && strcmp(res, len) == 0, "n=%u batch_lt k=%d: %d %s", N, k, rc, res);
    CHECK_MSG(strcmp(printed, want) == 0, "n=%u batch_lt k=%d bits=%d: printed \"%s\", want \"%s\"", N, k, bits, printed, want);
    uint64_t r = rounds(e) - before;
    stoffel_mpc_engine_free(e);
    return r;
}

static void test_batch_lt(void)
{
    if (!stoffel_mpc_engine_supports(E, STOFFEL_MPC_OP_LT))
        return;
    /* (print shows up to 16 elements) */
    for (int bits = 8; bits <= 32; bits += 24) {
        uint64_t r1 = batch_lt_rounds_for(1, bits), r16 = batch_lt_rounds_for(16, bits);
        CHECK_MSG(r1 > 1 && r1 == r16, "n=%u batch_lt rounds at %d bits: k=1 %llu, k=16 %llu", N, bits,
                  (unsigned long long)r1, (unsigned long long)r16);
    }
    /* empty arrays: an empty result and no interaction */
    OK("fn main\n CALL create_array\n MOV r5 r0\n PUSHARG r5\n PUSHARG r5\n CALL Share.batch_lt\n PUSHARG r0\n"
       " CALL array_length\n RET r0\n", "0");
    /* argument errors name the builtin, the argument or element, and the fix */
    ERR("fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL Share.from_clear\n MOV r2 r0\n CALL create_array\n MOV r3 r0\n"
        " PUSHARG r3\n PUSHARG r2\n CALL array_push\n CALL create_array\n MOV r4 r0\n PUSHARG r3\n PUSHARG r4\n CALL Share.batch_lt\n RET r0\n",
        STOFFEL_VM_ERR_RUNTIME, "Share.batch_lt: arrays differ in length (1 and 0)");
    ERR("fn main\n CALL create_array\n MOV r3 r0\n LDI r1 i64 2\n PUSHARG r3\n PUSHARG r1\n CALL array_push\n PUSHARG r3\n"
        " PUSHARG r3\n CALL Share.batch_lt\n RET r0\n", STOFFEL_VM_ERR_TYPE, "Share.batch_lt: element 0 is not a share");
    ERR("fn main\n LDI r1 i64 2\n PUSHARG r1\n PUSHARG r1\n CALL Share.batch_lt\n RET r0\n", STOFFEL_VM_ERR_TYPE,
        "Share.batch_lt: argument 1 must be an array of shares, got int64");
    /* pair 0 signed, pair 1 unsigned: one request cannot hold both */
    ERR("fn main\n LDI r9 i64 8\n CALL create_array\n MOV r5 r0\n LDI r1 i64 1\n PUSHARG r1\n PUSHARG r9\n"
        " CALL Share.from_clear_int\n MOV r2 r0\n PUSHARG r5\n PUSHARG r2\n CALL array_push\n"
        " LDI r1 u64 1\n PUSHARG r1\n PUSHARG r9\n CALL Share.from_clear_uint\n MOV r2 r0\n PUSHARG r5\n PUSHARG r2\n"
        " CALL array_push\n PUSHARG r5\n PUSHARG r5\n CALL Share.batch_lt\n RET r0\n",
        STOFFEL_VM_ERR_TYPE, "Share.batch_lt: pair 1 has another kind of share than pair 0");
}

/* Engine counters that only interactive work changes (not the timers). */
static void engine_work(stoffel_mpc_engine *e, uint64_t w[6])
{
    stoffel_mpc_stats st = {.struct_size = sizeof st};
    stoffel_mpc_engine_get_stats(e, &st);
    w[0] = st.rounds;
    w[1] = st.messages_sent;
    w[2] = st.multiplications;
    w[3] = st.openings;
    w[4] = st.random_shares_used;
    w[5] = st.random_bits_used;
}

/*
 * Whole-array builtins, randomness and client output in resumable mode: each joins the pending
 * batch and is handed to the host; stoffel_vm_run itself never makes the engine work.
 */
static void test_resumable_builtins(void)
{
    stoffel_vm_program *p = tasm_build(
        "fn main\n LDI r1 i64 2\n PUSHARG r1\n CALL Share.from_clear\n MOV r2 r0\n"
        " LDI r1 i64 7\n PUSHARG r1\n CALL Share.from_clear\n MOV r3 r0\n"
        " CALL create_array\n MOV r4 r0\n PUSHARG r4\n PUSHARG r2\n PUSHARG r3\n CALL array_push\n"
        " CALL create_array\n MOV r5 r0\n PUSHARG r5\n PUSHARG r3\n PUSHARG r3\n CALL array_push\n"
        " PUSHARG r4\n PUSHARG r5\n CALL Share.batch_mul\n MOV r6 r0\n"
        " CALL Share.random\n MOV r7 r0\n"
        " LDI r1 i64 8\n PUSHARG r1\n CALL Share.random_int\n MOV r8 r0\n"
        " PUSHARG r2\n CALL Share.open_field\n MOV r9 r0\n"
        " LDI r1 i64 5\n PUSHARG r1\n PUSHARG r3\n CALL MpcOutput.send_to_client\n"
        " PUSHARG r6\n CALL Share.batch_open\n MOV r10 r0\n"
        " PUSHARG r9\n CALL array_length\n MOV r11 r0\n PUSHARG r9\n LDI r1 i64 0\n PUSHARG r1\n CALL get_field\n MOV r12 r0\n"
        " PUSHARG r8\n CALL Share.get_type\n MOV r13 r0\n"
        " PUSHARG r10\n PUSHARG r11\n PUSHARG r12\n PUSHARG r13\n CALL print\n RET r10\n");
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, NULL, 0), 0);
    tasm_output out = {.len = 0};
    stoffel_vm_set_output(vm, tasm_sink, &out);
    stoffel_mpc_engine *e = engine_new(N, T);
    stoffel_vm_attach_engine(vm, e);
    CHECK_EQ_INT(stoffel_vm_start(vm, "main", NULL, 0), 0);
    int batches = 0;
    stoffel_vm_run_state st;
    for (;;) {
        uint64_t w0[6], w1[6];
        engine_work(e, w0);
        CHECK_EQ_INT(stoffel_vm_run(vm, &st), 0);
        engine_work(e, w1);
        CHECK_MSG(memcmp(w0, w1, sizeof w0) == 0, "n=%u: the engine worked inside stoffel_vm_run (batch %d)", N, batches);
        if (st == STOFFEL_VM_RUN_DONE)
            break;
        stoffel_mpc_request *reqs;
        size_t nreq;
        CHECK_EQ_INT(stoffel_vm_pending_mpc(vm, &reqs, &nreq), 0);
        if (batches == 0) {
            /* batch_mul, random, random_int, open_field, client output: one batch, in call order */
            static const stoffel_mpc_op_kind kinds[] = {STOFFEL_MPC_OP_MUL, STOFFEL_MPC_OP_RANDOM, STOFFEL_MPC_OP_RANDOM_INT,
                                                        STOFFEL_MPC_OP_OPEN, STOFFEL_MPC_OP_OUTPUT};
            CHECK_EQ_INT(nreq, 5);
            for (size_t i = 0; i < nreq && i < 5; i++)
                CHECK_MSG(reqs[i].kind == kinds[i], "request %zu has kind %d", i, (int)reqs[i].kind);
            CHECK(nreq >= 1 && reqs[0].count == 2);
        }
        if (batches == 1)
            CHECK(nreq == 1 && reqs[0].kind == STOFFEL_MPC_OP_OPEN && reqs[0].count == 2);
        batches++;
        CHECK_EQ_INT(stoffel_vm_complete_mpc(vm, stoffel_mpc_engine_execute(e, reqs, nreq)), 0);
        if (batches > 10)
            break;
    }
    CHECK_EQ_INT(batches, 2);
    size_t es = stoffel_mpc_field_elem_size(stoffel_mpc_engine_field(e));
    char want[128];
    snprintf(want, sizeof want, "[14, 49] %zu 2u8 SecretInt\n", es); /* 2 little-endian: first byte 2 */
    CHECK_EQ_STR(out.buf, want);
    uint8_t got[64];
    size_t count = 1;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(e, 5, got, &count), 0);
    int64_t x = 0;
    int fits = 0;
    stoffel_mpc_field_to_i64(stoffel_mpc_engine_field(e), got, &x, &fits);
    CHECK(count == 1 && x == 7);
    stoffel_vm_free(vm);
    stoffel_mpc_engine_free(e);
    stoffel_vm_program_free(p);

    /* Client output runs even when nothing reads its result (before the frame returns). */
    e = engine_new(N, T);
    char res[256];
    int rc = run_main_engine("fn main\n LDI r1 i64 6\n LDI r2 i64 9\n PUSHARG r2\n CALL Share.from_clear\n MOV r3 r0\n"
                             " PUSHARG r1\n PUSHARG r3\n CALL MpcOutput.send_to_client\n LDI r0 i64 1\n RET r0\n",
                             e, res, sizeof res, NULL, 0);
    CHECK_MSG(rc == 0 && strcmp(res, "1") == 0, "%d %s", rc, res);
    count = 1;
    CHECK_EQ_INT(stoffel_mpc_engine_sim_client_output(e, 6, got, &count), 0);
    stoffel_mpc_field_to_i64(stoffel_mpc_engine_field(e), got, &x, &fits);
    CHECK(count == 1 && x == 9);
    stoffel_mpc_engine_free(e);
}

/* The host drives the MPC batches itself through the resumable interface. */
static void test_resumable(void)
{
    stoffel_vm_program *p = tasm_build("fn main\n LDI r16 i64 4\n LDI r17 i64 5\n MUL r18 r16 r17\n MUL r19 r16 r16\n"
                                       " ADD r20 r18 r19\n MOV r0 r20\n RET r0\n");
    stoffel_vm *vm;
    CHECK_EQ_INT(stoffel_vm_new(p, NULL, &vm, NULL, 0), 0);
    stoffel_mpc_engine *e = engine_new(N, T);
    stoffel_vm_attach_engine(vm, e);
    CHECK_EQ_INT(stoffel_vm_start(vm, "main", NULL, 0), 0);
    int batches = 0;
    stoffel_vm_run_state st;
    size_t first_count = 0;
    for (;;) {
        CHECK_EQ_INT(stoffel_vm_run(vm, &st), 0);
        if (st == STOFFEL_VM_RUN_DONE)
            break;
        stoffel_mpc_request *reqs;
        size_t n;
        CHECK_EQ_INT(stoffel_vm_pending_mpc(vm, &reqs, &n), 0);
        if (batches == 0) {
            first_count = n;
            CHECK(n == 1 && reqs[0].kind == STOFFEL_MPC_OP_MUL && reqs[0].count == 2);
        }
        batches++;
        CHECK_EQ_INT(stoffel_vm_run(vm, &st), STOFFEL_ERR_STATE); /* must complete first */
        CHECK_EQ_INT(stoffel_vm_complete_mpc(vm, stoffel_mpc_engine_execute(e, reqs, n)), 0);
        if (batches > 10)
            break;
    }
    CHECK_EQ_INT(first_count, 1);
    CHECK_EQ_INT(batches, 2); /* the two products together, then the opening */
    stoffel_vm_value r;
    CHECK_EQ_INT(stoffel_vm_result(vm, &r), 0);
    CHECK(r.kind == STOFFEL_VM_I64 && r.as.i == 36);
    /* A failed batch ends the run with the engine's message. */
    CHECK_EQ_INT(stoffel_vm_start(vm, "main", NULL, 0), 0);
    CHECK_EQ_INT(stoffel_vm_run(vm, &st), 0);
    CHECK_EQ_INT(st, STOFFEL_VM_RUN_NEED_MPC);
    CHECK_EQ_INT(stoffel_vm_complete_mpc(vm, STOFFEL_MPC_ERR_PEER), STOFFEL_MPC_ERR_PEER);
    CHECK(strstr(stoffel_vm_last_error(vm), "secret multiplication failed") != NULL);
    stoffel_vm_free(vm);
    stoffel_mpc_engine_free(e);
    stoffel_vm_program_free(p);
}

static void test_no_engine(void)
{
    char res[512];
    int rc = run_main("fn main\n CALL Mpc.party_id\n RET r0\n", res, sizeof res, NULL, 0);
    CHECK_MSG(rc == STOFFEL_VM_ERR_NO_ENGINE && strstr(res, "Mpc.party_id needs an MPC engine, and none is configured (MpcEngineNotConfigured)"), "%s", res);
    rc = run_main("fn main\n CALL Mpc.is_ready\n RET r0\n", res, sizeof res, NULL, 0);
    CHECK_MSG(rc == 0 && strcmp(res, "false") == 0, "%s", res);
}

int main(void)
{
    static const uint32_t configs[][2] = {{3, 1}, {5, 1}};
    for (size_t i = 0; i < 2; i++) {
        N = configs[i][0];
        T = configs[i][1];
        E = engine_new(N, T);
        if (!E)
            continue;
        test_arithmetic();
        test_fixed_and_nonlinear();
        test_clients();
        test_one_round();
        test_compare_rounds();
        test_batch_lt();
        test_resumable();
        test_resumable_builtins();
        stoffel_mpc_engine_free(E);
    }
    test_no_engine();
    return test_finish();
}
