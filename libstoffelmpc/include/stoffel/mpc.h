/*
 * stoffel/mpc.h - the public API of libstoffelmpc: prime fields, Shamir sharing, robust reconstruction, preprocessing, Beaver multiplication, comparisons, fixed point, client input/output and broadcast, as sans-I/O protocol state machines with a simulator and a network driver.
 *
 * Conventions (see stoffel/status.h): functions return 0 or a negative status code; handles are
 * opaque and come with a matching _free; a function that returns memory says who frees it.
 */
#ifndef STOFFEL_MPC_H
#define STOFFEL_MPC_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the headers this program was compiled against. */
#define STOFFEL_MPC_VERSION_MAJOR 0
#define STOFFEL_MPC_VERSION_MINOR 1
#define STOFFEL_MPC_VERSION_PATCH 0
#define STOFFEL_MPC_VERSION_STRING "0.1.0"

/*
 * Returns the version of the library actually loaded, as a static "MAJOR.MINOR.PATCH" string.
 * Compare it with STOFFEL_MPC_VERSION_STRING to detect a header/library mismatch. Never fails.
 */
STOFFEL_API const char *stoffel_mpc_version(void);

/*
 * Returns the version of the library actually loaded as one number,
 * MAJOR * 10000 + MINOR * 100 + PATCH. Never fails.
 */
STOFFEL_API unsigned stoffel_mpc_version_number(void);

/*
 * Returns a static, human-readable description of a status code: a common code (stoffel/status.h),
 * one of this library's own codes, or a code of a library below it. Unknown codes give
 * "unknown status code". The string is never freed by the caller.
 */
STOFFEL_API const char *stoffel_mpc_strerror(int status);


/* ============================================================================================== */
/* Status codes of libstoffelmpc (-200 .. -299).                                                   */
/* ============================================================================================== */
enum {
    STOFFEL_MPC_ERR_BOUND = -200,          /* n, t violate the security bound (n >= 2t+1, robust n >= 3t+1) */
    STOFFEL_MPC_ERR_NOT_IN_FIELD = -201,   /* an encoded field element is >= p */
    STOFFEL_MPC_ERR_CAPACITY = -202,       /* the field is too small for k + kappa bits */
    STOFFEL_MPC_ERR_INCONSISTENT = -203,   /* shares do not lie on one polynomial of the expected degree */
    STOFFEL_MPC_ERR_DECODE = -204,         /* robust reconstruction could not correct the errors */
    STOFFEL_MPC_ERR_PREPROCESSING = -205,  /* preprocessing material ran out or could not be generated */
    STOFFEL_MPC_ERR_PEER = -206,           /* a peer misbehaved (wrong message, wrong share, gone) */
    STOFFEL_MPC_ERR_OVERFLOW = -207        /* a clear value does not fit the requested encoding */
};

/* ============================================================================================== */
/* Prime fields.                                                                                  */
/* ============================================================================================== */

/* The fields a program can compute in. Elements cross the API as canonical little-endian byte
 * strings of stoffel_mpc_field_elem_size() bytes; decoding rejects values >= p. */
typedef enum {
    STOFFEL_MPC_FIELD_BLS12_381 = 0, /* BLS12-381 scalar field (255 bits), the default */
    STOFFEL_MPC_FIELD_BN254 = 1,     /* BN254 Fr (254 bits) */
    STOFFEL_MPC_FIELD_ED25519 = 2,   /* ed25519 / ristretto255 scalar field, 2^252 + ... (253 bits) */
    STOFFEL_MPC_FIELD_P128 = 3,      /* the fast field: a prime of at most 128 bits */
    STOFFEL_MPC_FIELD_GOLDILOCKS = 4 /* 2^64 - 2^32 + 1 */
} stoffel_mpc_field_id;

/* An immutable prime field. Safe to share between threads once created. */
typedef struct stoffel_mpc_field stoffel_mpc_field;

/* Creates a field handle. On success *out is owned by the caller (free with
 * stoffel_mpc_field_free). Errors: STOFFEL_ERR_INVALID_ARG (unknown id), STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_mpc_field_new(stoffel_mpc_field_id id, stoffel_mpc_field **out);

/* Finds a field by name: "bls12-381" (also "bls12-381-fr"), "bn254", "ed25519" (also
 * "curve25519", "ristretto255"), "p128", "goldilocks"; case-insensitive. STOFFEL_ERR_NOT_FOUND
 * when no field has that name. */
STOFFEL_API int stoffel_mpc_field_id_from_name(const char *name, stoffel_mpc_field_id *out);

/* Frees a field handle; NULL is a no-op. */
STOFFEL_API void stoffel_mpc_field_free(stoffel_mpc_field *field);

/* The field's id, canonical name (static string), bit length of p, and element size in bytes. */
STOFFEL_API stoffel_mpc_field_id stoffel_mpc_field_get_id(const stoffel_mpc_field *field);
STOFFEL_API const char *stoffel_mpc_field_name(const stoffel_mpc_field *field);
STOFFEL_API unsigned stoffel_mpc_field_bits(const stoffel_mpc_field *field);
STOFFEL_API size_t stoffel_mpc_field_elem_size(const stoffel_mpc_field *field);

/* Encodes a signed integer: x >= 0 as x, x < 0 as p - |x|. out has elem_size bytes. */
STOFFEL_API void stoffel_mpc_field_from_i64(const stoffel_mpc_field *field, int64_t x, uint8_t *out);

/* Encodes an unsigned integer. STOFFEL_MPC_ERR_OVERFLOW if x >= p (only for fields under 64 bits). */
STOFFEL_API int stoffel_mpc_field_from_u64(const stoffel_mpc_field *field, uint64_t x, uint8_t *out);

/* Decodes an element as the centred residue (values above (p-1)/2 are negative) and returns its
 * low 64 bits in two's complement in *out; *fits is set to 1 when the centred value lies in
 * [INT64_MIN, INT64_MAX]. STOFFEL_MPC_ERR_NOT_IN_FIELD if the bytes encode a value >= p. */
STOFFEL_API int stoffel_mpc_field_to_i64(const stoffel_mpc_field *field, const uint8_t *elem,
                                         int64_t *out, int *fits);

/* Vector arithmetic on canonical encodings: `count` packed elements of elem_size bytes each.
 * out may alias an input. Every input element is checked: STOFFEL_MPC_ERR_NOT_IN_FIELD names the
 * first one >= p (nothing is written then). Internally the library works on Montgomery-form
 * limb vectors; these functions convert at the boundary, so hosts should batch. */
STOFFEL_API int stoffel_mpc_field_add_vec(const stoffel_mpc_field *field, const uint8_t *a,
                                          const uint8_t *b, uint8_t *out, size_t count);
STOFFEL_API int stoffel_mpc_field_sub_vec(const stoffel_mpc_field *field, const uint8_t *a,
                                          const uint8_t *b, uint8_t *out, size_t count);
STOFFEL_API int stoffel_mpc_field_mul_vec(const stoffel_mpc_field *field, const uint8_t *a,
                                          const uint8_t *b, uint8_t *out, size_t count);
/* out[k] = c * a[k] for one scalar c. */
STOFFEL_API int stoffel_mpc_field_scale_vec(const stoffel_mpc_field *field, const uint8_t *a,
                                            const uint8_t *c, uint8_t *out, size_t count);
/* *out (one element) = sum_k a[k] * b[k]. */
STOFFEL_API int stoffel_mpc_field_inner_product(const stoffel_mpc_field *field, const uint8_t *a,
                                                const uint8_t *b, size_t count, uint8_t *out);
/* out[k] = a[k]^-1 (Montgomery's trick: one inversion for the whole vector). A zero element gives
 * STOFFEL_ERR_INVALID_ARG naming its index. Not constant time: public values only. */
STOFFEL_API int stoffel_mpc_field_batch_inv(const stoffel_mpc_field *field, const uint8_t *a,
                                            uint8_t *out, size_t count);

/* ============================================================================================== */
/* The MPC engine: what the VM (and any host) computes with.                                      */
/* ============================================================================================== */
/*
 * An engine is one party's view of an MPC session: its id, n, t, the field, and operations on
 * shares. A share is an opaque byte string of stoffel_mpc_engine_share_size() bytes whose layout
 * belongs to the engine (a networked party engine holds one field element; the simulated engine
 * holds all n parties' shares of the value). Callers allocate share buffers of that size and
 * never look inside.
 *
 * Local operations (public sharing, add, sub, negate, public add/multiply) complete at once.
 * Interactive operations are submitted as a batch of requests to stoffel_mpc_engine_execute(),
 * which runs them concurrently: independent requests in one batch share communication rounds.
 * This is how the VM turns straight-line secret code into few rounds (DESIGN.md, cost model).
 *
 * Engines: the simulated engine (stoffel_mpc_engine_new_simulated, all parties in this process,
 * real protocol state machines under a seeded scheduler), the networked engine (with libstoffelnet)
 * and a host engine built from a table of callbacks (stoffel_mpc_engine_new_from_ops).
 * An engine handle is used by one thread at a time.
 */
typedef struct stoffel_mpc_engine stoffel_mpc_engine;

/* Security mode of a session. */
typedef enum {
    STOFFEL_MPC_SEMI_HONEST = 0, /* honest majority, n >= 2t+1; aborts on detected inconsistency */
    STOFFEL_MPC_ROBUST = 1       /* n >= 3t+1; online phase corrects up to t wrong shares */
} stoffel_mpc_security;

/* Kinds of interactive request. Operand and result conventions per kind:
 *   MUL            a, b: shares; out: shares of a*b.
 *   OPEN           a: shares; out: field elements (the opened values, known to every party).
 *   RANDOM         out: shares of uniformly random field elements (no inputs).
 *   RANDOM_BIT     out: shares of uniformly random bits 0/1.
 *   RANDOM_INT     out: shares of uniformly random integers in [0, 2^bits).
 *   LT LE GT GE    a, b: shares of integers of `bits` bits (two's complement when is_signed);
 *   EQ NE          out: shares of 0/1. Fixed-point values compare as their k-bit integers.
 *   DIV REM        a, b: integer shares of `bits` bits; out: truncating quotient / remainder with
 *                  the dividend's sign; a zero divisor gives quotient 0 and remainder a.
 *   DIV_PUBLIC     a: integer shares; b: public field elements (the divisors, non-zero integers);
 *   REM_PUBLIC     out: exact truncating quotient / remainder.
 *   TRUNC          a: shares of signed `bits`-bit integers; out: exact floor(a / 2^shift).
 *   TRUNC_PR       as TRUNC, probabilistic rounding (Catrina-Saxena TruncPr): cheaper.
 *   FIXED_DIV      a, b: fixed-point shares (bits = k total, shift = f fractional); out: a / b.
 *   OUTPUT         a: shares; sends them to the client `client_id`, who reconstructs (no out).
 * Nonlinear kinds added by the nonlinear protocols (src/nonlinear):
 *   FIXED_MUL      a, b: fixed-point shares (bits = k, shift = f); out: a * b with probabilistic
 *                  rounding (TruncPr): the error is below 2^-f. Needs 2k + kappa + 1 field bits.
 *   SELECT         a: shares of bits c; b: 2*count shares, the `then` values followed by the
 *                  `else` values; out: c ? then : else (one multiplication round).
 *   MIN MAX        a, b: integers of `bits` bits (is_signed as for LT); out: the smaller / larger.
 *   ABS            a: signed `bits`-bit integers; out: |a| (|min| = 2^(bits-1), not wrapped).
 *   SIGN           a: signed `bits`-bit integers; out: -1, 0 or 1.
 *   BIT_DECOMPOSE  a: integers of `bits` bits; out: count*bits shares of 0/1, element-major (bit i of
 *                  element e at index e*bits + i), two's complement for negative values.
 *   BIT_COMPOSE    a: count*bits shares of bits, element-major; out: sum_i 2^i bit_i (local).
 * Core kinds for semi-honest engines (stoffel_mpc_engine_supports says whether an engine has
 * them; the simulated and networked engines do in semi-honest mode, not in robust mode):
 *   MUL_RESHARE    as MUL, by degree reduction: parties 0..2t reshare their local products
 *                  (Gennaro-Rabin-Rabin): one round, no triple, but a dealer's mistake would go
 *                  unnoticed, hence semi-honest only.
 *   DEALT_RANDOM   out: (t+1)*count shares, dealer-major (dealing d of element e at d*count + e):
 *                  parties 0..t each deal `count` uniformly random integers in [0, 2^bits) that
 *                  only the dealer knows (bits from 1 to the field's bit length minus 2). The XOR
 *                  of t+1 dealt bits, or the sum of t+1 dealt integers, is unknown to any t
 *                  parties: random bits and statistical masks without triples.
 */
typedef enum {
    STOFFEL_MPC_OP_MUL = 0,
    STOFFEL_MPC_OP_OPEN,
    STOFFEL_MPC_OP_RANDOM,
    STOFFEL_MPC_OP_RANDOM_BIT,
    STOFFEL_MPC_OP_RANDOM_INT,
    STOFFEL_MPC_OP_LT,
    STOFFEL_MPC_OP_LE,
    STOFFEL_MPC_OP_GT,
    STOFFEL_MPC_OP_GE,
    STOFFEL_MPC_OP_EQ,
    STOFFEL_MPC_OP_NE,
    STOFFEL_MPC_OP_DIV,
    STOFFEL_MPC_OP_REM,
    STOFFEL_MPC_OP_DIV_PUBLIC,
    STOFFEL_MPC_OP_REM_PUBLIC,
    STOFFEL_MPC_OP_TRUNC,
    STOFFEL_MPC_OP_TRUNC_PR,
    STOFFEL_MPC_OP_FIXED_DIV,
    STOFFEL_MPC_OP_OUTPUT,
    STOFFEL_MPC_OP_FIXED_MUL,
    STOFFEL_MPC_OP_SELECT,
    STOFFEL_MPC_OP_MIN,
    STOFFEL_MPC_OP_MAX,
    STOFFEL_MPC_OP_ABS,
    STOFFEL_MPC_OP_SIGN,
    STOFFEL_MPC_OP_BIT_DECOMPOSE,
    STOFFEL_MPC_OP_BIT_COMPOSE,
    STOFFEL_MPC_OP_MUL_RESHARE,
    STOFFEL_MPC_OP_DEALT_RANDOM,
    STOFFEL_MPC_OP_KIND_COUNT
} stoffel_mpc_op_kind;

/* One interactive request: `count` elements, each operand array holding count shares (or count
 * field elements where the kind says "public"), packed back to back. Buffers are the caller's. */
typedef struct {
    stoffel_mpc_op_kind kind;
    size_t count;
    const uint8_t *a;
    const uint8_t *b;
    uint8_t *out;
    uint32_t bits;     /* operand bit width for comparisons, division, truncation; fixed-point k */
    uint32_t shift;    /* truncation amount; fixed-point f */
    uint8_t is_signed; /* 1 when integer operands are two's-complement signed */
    uint64_t client_id; /* OUTPUT: the receiving client */
} stoffel_mpc_request;

/* Counters of everything an engine did, for `stoffel run --stats` and benchmarks. */
typedef struct {
    size_t struct_size;           /* set to sizeof(stoffel_mpc_stats) before the call */
    uint64_t rounds;              /* online communication rounds */
    uint64_t preprocessing_rounds;
    uint64_t messages_sent;       /* by this party (simulated engine: by the busiest party) */
    uint64_t bytes_sent;          /* by this party (simulated engine: by the busiest party) */
    uint64_t triples_used;
    uint64_t random_shares_used;
    uint64_t random_bits_used;
    uint64_t multiplications;
    uint64_t openings;
    uint64_t comparisons;
    uint64_t online_ns;           /* time spent in interactive operations */
    uint64_t preprocessing_ns;    /* time spent generating preprocessing material */
    /* Added in 0.1 (struct_size tells which fields the caller knows): */
    uint64_t dealt_randoms;       /* DEALT_RANDOM values received, one per dealer and element (the
                                   * randomness of semi-honest random bits and masks) */
} stoffel_mpc_stats;

/* Engine topology. */
STOFFEL_API uint32_t stoffel_mpc_engine_party_id(const stoffel_mpc_engine *engine);
STOFFEL_API uint32_t stoffel_mpc_engine_n(const stoffel_mpc_engine *engine);
STOFFEL_API uint32_t stoffel_mpc_engine_t(const stoffel_mpc_engine *engine);
STOFFEL_API stoffel_mpc_security stoffel_mpc_engine_security(const stoffel_mpc_engine *engine);
/* Borrowed; valid as long as the engine. */
STOFFEL_API const stoffel_mpc_field *stoffel_mpc_engine_field(const stoffel_mpc_engine *engine);
/* Static protocol name, e.g. "honeybadger-mpc". */
STOFFEL_API const char *stoffel_mpc_engine_protocol_name(const stoffel_mpc_engine *engine);
/* Bytes of one share. */
STOFFEL_API size_t stoffel_mpc_engine_share_size(const stoffel_mpc_engine *engine);
/* 1 if the engine can serve requests of this kind, else 0. */
STOFFEL_API int stoffel_mpc_engine_supports(const stoffel_mpc_engine *engine, stoffel_mpc_op_kind kind);

/* Local operations on `count` shares (all buffers packed; out may alias an input). */
/* Public sharing of public field elements (every party knows the value). */
STOFFEL_API int stoffel_mpc_engine_share_public(stoffel_mpc_engine *engine, const uint8_t *values,
                                                uint8_t *out, size_t count);
STOFFEL_API int stoffel_mpc_engine_add(stoffel_mpc_engine *engine, const uint8_t *a,
                                       const uint8_t *b, uint8_t *out, size_t count);
STOFFEL_API int stoffel_mpc_engine_sub(stoffel_mpc_engine *engine, const uint8_t *a,
                                       const uint8_t *b, uint8_t *out, size_t count);
STOFFEL_API int stoffel_mpc_engine_neg(stoffel_mpc_engine *engine, const uint8_t *a, uint8_t *out,
                                       size_t count);
/* a + c and a * c for public field elements c. */
STOFFEL_API int stoffel_mpc_engine_add_public(stoffel_mpc_engine *engine, const uint8_t *a,
                                              const uint8_t *c, uint8_t *out, size_t count);
STOFFEL_API int stoffel_mpc_engine_mul_public(stoffel_mpc_engine *engine, const uint8_t *a,
                                              const uint8_t *c, uint8_t *out, size_t count);

/* Runs a batch of interactive requests concurrently and blocks until all are done. Independent
 * requests in one call share rounds. Errors: STOFFEL_ERR_UNSUPPORTED (a kind the engine cannot
 * serve), STOFFEL_MPC_ERR_PREPROCESSING, STOFFEL_MPC_ERR_PEER, STOFFEL_ERR_TIMEOUT, ...; details
 * in stoffel_mpc_engine_last_error(). */
STOFFEL_API int stoffel_mpc_engine_execute(stoffel_mpc_engine *engine, stoffel_mpc_request *requests,
                                           size_t count);

/* Client inputs held by this engine (ClientStore). Clients are indexed 0..count-1 in ascending
 * client id order; client_input_get writes one share of input `input_index` of that client. */
STOFFEL_API size_t stoffel_mpc_engine_client_count(const stoffel_mpc_engine *engine);
STOFFEL_API int stoffel_mpc_engine_client_id(const stoffel_mpc_engine *engine, size_t client_index,
                                             uint64_t *client_id);
STOFFEL_API int stoffel_mpc_engine_client_input_count(const stoffel_mpc_engine *engine,
                                                      size_t client_index, size_t *count);
STOFFEL_API int stoffel_mpc_engine_client_input_get(stoffel_mpc_engine *engine, size_t client_index,
                                                    size_t input_index, uint8_t *share_out);

/* Fills *stats (set stats->struct_size first). */
STOFFEL_API int stoffel_mpc_engine_get_stats(const stoffel_mpc_engine *engine, stoffel_mpc_stats *stats);

/* The message of the last failed call on this engine ("" if none); valid until the next call. */
STOFFEL_API const char *stoffel_mpc_engine_last_error(const stoffel_mpc_engine *engine);

/* The statistical security parameter kappa of the masking protocols (comparisons, equality,
 * truncation, division, fixed point): every masked value they open is within statistical
 * distance 2^-kappa of uniform. Default 40; the simulated engine takes it from its config. */
STOFFEL_API uint32_t stoffel_mpc_engine_kappa(const stoffel_mpc_engine *engine);

/* Sets kappa for the requests that follow (every party of a session must set the same value).
 * Errors: STOFFEL_ERR_INVALID_ARG when kappa < 40, or when the field cannot hold even a 1-bit
 * comparison with it (kappa + 3 >= bits of p); the message names the sizes. A request of width k
 * that needs k + kappa + 1 >= bits of p then fails with STOFFEL_MPC_ERR_CAPACITY, naming k, kappa
 * and the field. */
STOFFEL_API int stoffel_mpc_engine_set_kappa(stoffel_mpc_engine *engine, uint32_t kappa);

/* ---- Preprocessed random bits and masks: the nonlinear protocols' material. ------------------ */
/*
 * Besides triples and random sharings, the nonlinear protocols (comparisons, equality,
 * truncation, division, fixed point, random bits and integers) consume three kinds of
 * preprocessing: shared random bits; on semi-honest engines that have DEALT_RANDOM, statistical
 * masks, each the sum of t+1 dealt integers below 2^width, which hides a value kappa bits
 * narrower; and for equality tests, the mask chains of an unbounded fan-in prefix product (2L
 * shares for a product of length L). The engine keeps a pool of all three. A request takes what
 * it needs from the pool first (first in, first out) and makes only what the pool lacks, in
 * preprocessing rounds of its own; with a full pool it runs its online rounds only. Every party
 * of a session holds the same pool: it is filled by collective calls and consumed by collective
 * requests. The networked engine exports and imports it with its triples
 * (stoffel_mpc_engine_net_pool_export), so a party runtime keeps it between sessions.
 */

/* Mask widths and chain lengths run from 1 to STOFFEL_MPC_MASK_WIDTHS - 1. */
#define STOFFEL_MPC_MASK_WIDTHS 256

/* Amounts of material: held by a pool, demanded by requests, or wanted. */
typedef struct {
    size_t struct_size;                              /* sizeof(stoffel_mpc_material) */
    uint64_t random_bits;                            /* shared random bits */
    uint64_t masks[STOFFEL_MPC_MASK_WIDTHS];         /* masks[w]: statistical masks of width w */
    uint64_t prefix_chains[STOFFEL_MPC_MASK_WIDTHS]; /* prefix_chains[L]: prefix-product mask
                                                      * chains of length L */
} stoffel_mpc_material;

/* Local: what the engine's pool holds now (set out->struct_size first). Errors:
 * STOFFEL_ERR_INVALID_ARG. */
STOFFEL_API int stoffel_mpc_engine_material_held(const stoffel_mpc_engine *engine,
                                                 stoffel_mpc_material *out);

/* Local: the material these requests will take when executed on this engine (operand pointers
 * are ignored; kind, count, bits, shift and is_signed matter), exact for this engine's field,
 * kappa, threshold and mode. The library measures it by running each request once on a private
 * clear-text engine of the same shape and scaling by its count, so it costs about one request's
 * local work and no communication. Core kinds need none. Errors: those execute() would give for
 * a malformed request (message names the request), STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_mpc_engine_material_demand(stoffel_mpc_engine *engine,
                                                   const stoffel_mpc_request *requests,
                                                   size_t count, stoffel_mpc_material *out);

/* Collective: makes the material these requests will take (stoffel_mpc_engine_material_demand)
 * and adds it to the pool, so that executing them later needs no preprocessing round. Every party
 * makes the same call. Errors: as stoffel_mpc_engine_material_demand and execute()
 * (STOFFEL_MPC_ERR_PEER, STOFFEL_ERR_TIMEOUT, ...; after a failure the parties' pools may differ:
 * end the session). */
STOFFEL_API int stoffel_mpc_engine_preprocess_for(stoffel_mpc_engine *engine,
                                                  const stoffel_mpc_request *requests,
                                                  size_t count);

/* Collective: makes material until the pool holds at least `levels` of each kind (what it holds
 * already counts). Every party makes the same call. Errors: STOFFEL_ERR_UNSUPPORTED (masks asked
 * of an engine without DEALT_RANDOM: its protocols make masks from random bits, so ask for bits),
 * STOFFEL_ERR_INVALID_ARG (struct_size, a mask width the field cannot hold, or a chain of length
 * 0: the message names it), and as execute(). */
STOFFEL_API int stoffel_mpc_engine_material_top_up(stoffel_mpc_engine *engine,
                                                   const stoffel_mpc_material *levels);

/* Frees an engine and zeroes every secret it holds; NULL is a no-op. */
STOFFEL_API void stoffel_mpc_engine_free(stoffel_mpc_engine *engine);

/* ---- A host engine from a table of callbacks. ----------------------------------------------- */
/*
 * A host that runs MPC its own way (another runtime, a hardware enclave, a test double) supplies
 * the engine operations as callbacks; the VM and the nonlinear protocols (comparisons, division,
 * truncation, random bits: built over MUL / OPEN / RANDOM) then run on it unchanged. Initialise
 * the struct with stoffel_mpc_engine_ops_defaults() and set what you provide; struct_size lets the
 * struct grow. Every callback gets user_data first and returns 0 or a negative status; the
 * message of a failed callback is taken from last_error (if set).
 */
typedef struct {
    size_t struct_size;              /* sizeof(stoffel_mpc_engine_ops) */
    uint32_t party_id, n, t;
    stoffel_mpc_security security;   /* bound checked like the simulated engine's */
    stoffel_mpc_field_id field;
    size_t share_size;               /* bytes of one share in the host's own layout (> 0) */
    const char *protocol_name;       /* static string; default "host" */
    void *user_data;
    /* required */
    int (*share_public)(void *user_data, const uint8_t *values, uint8_t *out, size_t count);
    int (*add)(void *user_data, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count);
    int (*sub)(void *user_data, const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count);
    int (*neg)(void *user_data, const uint8_t *a, uint8_t *out, size_t count);
    int (*add_public)(void *user_data, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count);
    int (*mul_public)(void *user_data, const uint8_t *a, const uint8_t *c, uint8_t *out, size_t count);
    /* Runs a batch of core requests (kinds MUL, OPEN, RANDOM, OUTPUT only; the library serves
     * the nonlinear kinds over these). */
    int (*execute)(void *user_data, stoffel_mpc_request *requests, size_t count);
    /* optional (NULL: MUL, OPEN and RANDOM supported, OUTPUT not) */
    int (*supports)(void *user_data, stoffel_mpc_op_kind kind);
    /* optional ClientStore (NULL: no clients) */
    size_t (*client_count)(void *user_data);
    int (*client_id)(void *user_data, size_t client_index, uint64_t *client_id);
    int (*client_input_count)(void *user_data, size_t client_index, size_t *count);
    int (*client_input_get)(void *user_data, size_t client_index, size_t input_index, uint8_t *share_out);
    /* optional: fills counters the host keeps (struct_size is set) */
    int (*get_stats)(void *user_data, stoffel_mpc_stats *stats);
    /* optional: message of the last failed callback */
    const char *(*last_error)(void *user_data);
    /* optional: called by stoffel_mpc_engine_free */
    void (*destroy)(void *user_data);
} stoffel_mpc_engine_ops;

/* Fills *ops with zeros, struct_size, n = 3, t = 1, BLS12-381, semi-honest. */
STOFFEL_API void stoffel_mpc_engine_ops_defaults(stoffel_mpc_engine_ops *ops);

/* Creates an engine that forwards to the callbacks (copied; user_data is borrowed until the
 * engine is freed). Errors: STOFFEL_ERR_INVALID_ARG (missing required callback, bad struct_size,
 * share_size 0, party_id >= n: the message names it), STOFFEL_MPC_ERR_BOUND, STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_mpc_engine_new_from_ops(const stoffel_mpc_engine_ops *ops,
                                                stoffel_mpc_engine **out, char *error_buf,
                                                size_t error_len);

/* ---- The simulated engine: all n parties in this process. ------------------------------------ */

/* Configuration of a simulated session; initialise with stoffel_mpc_sim_config_defaults(). */
typedef struct {
    size_t struct_size;             /* sizeof(stoffel_mpc_sim_config) */
    uint32_t n;                     /* parties (default 3) */
    uint32_t t;                     /* threshold (default 1) */
    stoffel_mpc_field_id field;     /* default STOFFEL_MPC_FIELD_BLS12_381 */
    stoffel_mpc_security security;  /* default semi-honest; robust needs n >= 3t+1 */
    uint64_t seed;                  /* scheduler and randomness seed: same seed, same run */
    uint32_t kappa;                 /* statistical security parameter (default 40) */
    /* Added in 0.1: scheduler faults and tuning (struct_size tells the library which fields the
     * caller knows; older callers get the defaults). */
    uint32_t reorder;               /* 1: deliver ready messages in a seeded random order (default 0) */
    uint32_t delay_permille;        /* chance per message of a random delay, 0..1000 (default 0) */
    uint32_t drop_permille;         /* chance per message of loss followed by a retransmission (default 0) */
    uint32_t record_transcript;     /* 1: hash every delivered message (default 1; benchmarks turn it off) */
    size_t prep_batch;              /* triples / random shares generated per preprocessing run when a
                                     * pool runs short (default 4096) */
    uint32_t check_openings;        /* semi-honest openings: 0 (default) each party sends its share to
                                     * the t parties after it and reconstructs from exactly t+1 (half
                                     * the bytes at n = 3; a wrong share is not detected, a crashed
                                     * party stalls the opening until the timeout fails it); 1 every
                                     * party sends to all and checks the extra shares (a wrong share
                                     * aborts, a crashed party is tolerated). Robust mode ignores it. */
} stoffel_mpc_sim_config;

/* Fills *config with the defaults above (struct_size included). */
STOFFEL_API void stoffel_mpc_sim_config_defaults(stoffel_mpc_sim_config *config);

/* Creates a simulated engine. Errors: STOFFEL_MPC_ERR_BOUND (message names the bound),
 * STOFFEL_ERR_INVALID_ARG, STOFFEL_ERR_NOMEM. *out is owned by the caller. On failure, when
 * error_buf is not NULL, a message is written there (NUL-terminated, truncated to error_len). */
STOFFEL_API int stoffel_mpc_engine_new_simulated(const stoffel_mpc_sim_config *config,
                                                 stoffel_mpc_engine **out, char *error_buf,
                                                 size_t error_len);

/* Simulated clients: client `client_id` secret-shares `count` field elements with the mask
 * protocol (the parties learn nothing). They then appear in the engine's ClientStore. */
STOFFEL_API int stoffel_mpc_engine_sim_client_input(stoffel_mpc_engine *engine, uint64_t client_id,
                                                    const uint8_t *values, size_t count);

/* What client `client_id` reconstructed from OUTPUT requests so far: up to *count field elements
 * copied to values; *count is set to the number available. */
STOFFEL_API int stoffel_mpc_engine_sim_client_output(const stoffel_mpc_engine *engine,
                                                     uint64_t client_id, uint8_t *values,
                                                     size_t *count);

/* Runs the parties' preprocessing now: at least `triples` Beaver triples and `randoms` random
 * sharings (rounded up to the extraction width n - t). Execute() also does this lazily when a pool
 * runs short. Errors: STOFFEL_MPC_ERR_PREPROCESSING (details in last_error), STOFFEL_ERR_UNSUPPORTED
 * for a non-simulated engine. */
STOFFEL_API int stoffel_mpc_engine_sim_preprocess(stoffel_mpc_engine *engine, size_t triples,
                                                  size_t randoms);

/* Crashes party `party`: it stops sending and receiving after `after_steps` more message
 * deliveries (0 = now). Its shares in results read as zero from then on. Robust mode tolerates up
 * to t crashed parties in the online phase; preprocessing waits for every dealer and fails. */
STOFFEL_API int stoffel_mpc_engine_sim_crash_party(stoffel_mpc_engine *engine, uint32_t party,
                                                   uint64_t after_steps);

/* How a simulated party behaves in the online phase (openings and outputs). */
typedef enum {
    STOFFEL_MPC_SIM_HONEST = 0,
    STOFFEL_MPC_SIM_WRONG_SHARES = 1, /* sends a wrong (random offset) value for every share */
    STOFFEL_MPC_SIM_GARBAGE = 2,      /* sends payloads that are not share vectors at all */
    STOFFEL_MPC_SIM_BAD_DEALER = 3    /* deals preprocessing "sharings" of the wrong degree */
} stoffel_mpc_sim_behaviour;

/* Makes `party` misbehave from now on. In robust mode up to t wrong-share or garbage parties are
 * corrected (and blamed, see stoffel_mpc_engine_sim_blame), and a bad dealer makes preprocessing
 * abort with STOFFEL_MPC_ERR_PREPROCESSING (the degree checks catch it); in semi-honest mode a
 * wrong share aborts the operation with STOFFEL_MPC_ERR_INCONSISTENT or STOFFEL_MPC_ERR_PEER, and
 * dealing is trusted (semi-honest parties deal correctly by assumption). */
STOFFEL_API int stoffel_mpc_engine_sim_set_liar(stoffel_mpc_engine *engine, uint32_t party,
                                                stoffel_mpc_sim_behaviour behaviour);

/* BLAKE2b-256 of every message delivered so far (sender, recipient, bytes) in delivery order:
 * the same seed and the same calls give the same hash. STOFFEL_ERR_STATE when the config turned
 * record_transcript off. */
STOFFEL_API int stoffel_mpc_engine_sim_transcript_hash(const stoffel_mpc_engine *engine,
                                                       uint8_t out[32]);

/* How many times the live honest parties caught `party` sending a wrong or malformed share
 * (the robust decoder names the liars). */
STOFFEL_API int stoffel_mpc_engine_sim_blame(const stoffel_mpc_engine *engine, uint32_t party,
                                             uint64_t *count);

/* ============================================================================================== */
/* Networked engine and clients (src/netengine): the same protocols over libstoffelnet.          */
/* ============================================================================================== */
/*
 * One party process runs one networked engine over its stoffel_net endpoint (QUIC, or the
 * in-memory transport in tests). Every party of the session must create its engine with the same
 * n, t, field, security mode and session id, and then make the same sequence of collective calls
 * (execute, preprocess, accept_inputs) with the same shapes: instance ids are derived from that
 * sequence, so no coordination message is needed for them. execute() and the other blocking calls
 * drive the caller's libevent base until the batch completes; every wait is bounded by
 * timeout_ms and a timeout names the parties that did not answer. After a collective call fails
 * the parties' states (instance counters, preprocessing pools) may differ: end the session (free
 * the engines) and start a new one with a fresh session id. A share of this engine is one field
 * element (stoffel_mpc_engine_share_size() = field element size).
 *
 * Clients are known by the SHA-256 fingerprint of their certificate (the transport authenticates
 * it); their MPC client id is stoffel_mpc_client_id_from_key(fingerprint). A client gives input
 * with the mask protocol (stoffel_mpc_client_input): the parties admit waiting clients in the order
 * party 0 announces (stoffel_mpc_engine_net_accept_inputs), send the client their shares of fresh
 * random masks, and receive m = x + r. OUTPUT requests store the parties' shares for the client,
 * which fetches them later (stoffel_mpc_client_fetch_outputs) and reconstructs them itself.
 */

/* Configuration of a networked party engine or client; initialise with
 * stoffel_mpc_net_config_defaults(). */
typedef struct {
    size_t struct_size;             /* sizeof(stoffel_mpc_net_config) */
    uint32_t n;                     /* parties (default 3); must match the endpoint's network */
    uint32_t t;                     /* threshold (default 1) */
    stoffel_mpc_field_id field;     /* default STOFFEL_MPC_FIELD_BLS12_381 */
    stoffel_mpc_security security;  /* default semi-honest; robust needs n >= 3t+1 */
    uint64_t session_id;            /* the same at every party and client of one computation */
    uint32_t timeout_ms;            /* bound on every wait for other parties (default 30000) */
    size_t prep_batch;              /* triples / random sharings generated when a pool runs short
                                     * (default 4096) */
    size_t max_early_frames;        /* frames buffered for protocol instances not created yet
                                     * (default 4096); beyond it frames are refused */
    size_t max_early_bytes;         /* and their total size (default 256 MiB); clients together
                                     * may use at most 256 frames and 64 MiB of it */
} stoffel_mpc_net_config;

/* Fills *config with the defaults above (struct_size included). */
STOFFEL_API void stoffel_mpc_net_config_defaults(stoffel_mpc_net_config *config);

/* The MPC client id of the client whose certificate fingerprint is key: its first 8 bytes read
 * little-endian. Never fails. */
STOFFEL_API uint64_t stoffel_mpc_client_id_from_key(const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN]);

/*
 * Creates this process's party engine over net, a party endpoint (stoffel_net_my_id() >= 0) that
 * runs on base. The engine borrows base and net (both must outlive it), installs its own message
 * and state callbacks on net (replacing any), and never frees them. The caller starts the endpoint
 * (stoffel_net_start) before the first collective call; waiting for the links
 * (stoffel_net_wait_connected) is optional, messages queue until a link is up. Errors:
 * STOFFEL_MPC_ERR_BOUND, STOFFEL_ERR_INVALID_ARG (config, or n differs from the endpoint's party
 * count, or net is a client endpoint), STOFFEL_ERR_NOMEM; a message goes to error_buf when it is
 * not NULL. *out is owned by the caller (stoffel_mpc_engine_free; free the engine before net).
 */
STOFFEL_API int stoffel_mpc_engine_new_networked(const stoffel_mpc_net_config *config,
                                                 struct event_base *base, stoffel_net *net,
                                                 stoffel_mpc_engine **out, char *error_buf,
                                                 size_t error_len);

/* A host's handler for frames on the engine's endpoint that are not the engine's: it sees every
 * arriving frame first (peer as the transport authenticated it; data valid during the call only)
 * and returns 1 if the frame is its own (consumed), 0 to let the engine decode it. It runs inside
 * the transport's message callback: it may send and queue work, but must not run the event loop
 * or call the engine. */
typedef int (*stoffel_mpc_net_foreign_fn)(void *user, const stoffel_net_peer *peer,
                                          const uint8_t *data, size_t len);

/* Installs fn (NULL removes it) as the handler of foreign frames on a networked engine's
 * endpoint, so a host can run its own protocol (for example the party runtime's requests) on the
 * same endpoint. Errors: STOFFEL_ERR_INVALID_ARG (engine NULL), STOFFEL_ERR_UNSUPPORTED (not a
 * networked engine). */
STOFFEL_API int stoffel_mpc_engine_net_set_foreign_handler(stoffel_mpc_engine *engine,
                                                           stoffel_mpc_net_foreign_fn fn,
                                                           void *user);

/* Collective: generates at least `triples` Beaver triples and `randoms` random sharings with the
 * other parties now (execute() also does this lazily). Errors: STOFFEL_MPC_ERR_PREPROCESSING,
 * STOFFEL_ERR_TIMEOUT (message names the silent parties), STOFFEL_ERR_UNSUPPORTED (not a
 * networked engine). */
STOFFEL_API int stoffel_mpc_engine_net_preprocess(stoffel_mpc_engine *engine, size_t triples,
                                                  size_t randoms);

/* Collective: runs the input protocol for the next `clients` client submissions, in the order
 * party 0 admits them (first come, first served at party 0; the other parties follow its
 * announcements). Afterwards the inputs are in the ClientStore (stoffel_mpc_engine_client_*),
 * clients in ascending id order. Waits at most timeout_ms (negative: the config's timeout_ms) for
 * everything. Errors: STOFFEL_ERR_TIMEOUT, STOFFEL_MPC_ERR_PEER (a client sent a bad masked
 * value, or party 0's announcement disagrees with this party's state), STOFFEL_ERR_LIMIT. */
STOFFEL_API int stoffel_mpc_engine_net_accept_inputs(stoffel_mpc_engine *engine, size_t clients,
                                                     int timeout_ms);

/* Runs the event loop until every output stored for a client by OUTPUT requests has been sent to
 * that client after it asked for its outputs, and acknowledged by the transport, or timeout_ms
 * passes (STOFFEL_ERR_TIMEOUT; the message names the clients still waited for). */
STOFFEL_API int stoffel_mpc_engine_net_serve_outputs(stoffel_mpc_engine *engine, int timeout_ms);

/* ---- State kept between sessions (src/netengine/net_restore.c). A host that persists client
 * inputs and preprocessing (the party runtime) runs every collective operation in a fresh session
 * and moves this state into the new engine before the operation starts. ---- */

/* Local: appends `count` shares (share_size bytes each, as stoffel_mpc_engine_client_input_get
 * wrote them in an earlier session with the same field) to client client_id's inputs in the
 * ClientStore, which stays in ascending client id order. Every party must restore the same
 * clients with the same counts. Errors: STOFFEL_ERR_INVALID_ARG (count 0 or NULL shares),
 * STOFFEL_ERR_LIMIT (count > 65536), STOFFEL_MPC_ERR_NOT_IN_FIELD (a share is not an element of
 * this engine's field: the bytes come from another field or were damaged; nothing is added),
 * STOFFEL_ERR_UNSUPPORTED (not a networked engine), STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_mpc_engine_net_restore_input(stoffel_mpc_engine *engine, uint64_t client_id,
                                                     const uint8_t *shares, size_t count);

/* Local: how many unused Beaver triples and random sharings the engine holds (either pointer may
 * be NULL). STOFFEL_ERR_INVALID_ARG when engine is not a networked engine. */
STOFFEL_API int stoffel_mpc_engine_net_pool_size(const stoffel_mpc_engine *engine, size_t *triples,
                                                 size_t *randoms);

/* Local: copies the unused preprocessing material into *bytes (malloc'd, *len bytes; free it
 * after zeroing: it holds this party's secret shares): the triples, the random sharings, and the
 * random bits, masks and prefix-mask chains (stoffel_mpc_engine_material_held). Format:
 * "NEPOOL2\0", u32 element size, u64 triples, u64 randoms (little-endian), the a, b, c and random
 * share vectors, then u64 bits and the bits' shares, u32 mask widths and per width (ascending)
 * u32 width, u64 count and the shares, u32 chain lengths and per length (ascending) u32 L,
 * u64 chains and 2L shares per chain. The engine keeps its pools. Errors: STOFFEL_ERR_INVALID_ARG, STOFFEL_ERR_UNSUPPORTED,
 * STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_mpc_engine_net_pool_export(stoffel_mpc_engine *engine, uint8_t **bytes,
                                                   size_t *len);

/* Local: appends exported material (from an engine of the same field and the same parties) to
 * the engine's pools, to be consumed before anything generated later. All parties must import
 * material exported at the same point of their common call sequence, or the triples no longer
 * match. Exports of version 1 ("NEPOOL1\0": triples and random sharings only) are accepted.
 * Errors: STOFFEL_ERR_MALFORMED (not an export, another field, a length that disagrees with the
 * header, a share that is not an element of the field; nothing is imported),
 * STOFFEL_ERR_UNSUPPORTED, STOFFEL_ERR_NOMEM. */
STOFFEL_API int stoffel_mpc_engine_net_pool_import(stoffel_mpc_engine *engine, const uint8_t *bytes,
                                                   size_t len);

/* Local: the outputs OUTPUT requests stored for clients in this session, in the order they were
 * produced: how many, and output `index`'s client, value count and this party's shares (count x
 * share_size bytes written to shares when it is not NULL; secret). Errors: STOFFEL_ERR_NOT_FOUND
 * (index), STOFFEL_ERR_INVALID_ARG (not a networked engine). */
STOFFEL_API size_t stoffel_mpc_engine_net_output_count(const stoffel_mpc_engine *engine);
STOFFEL_API int stoffel_mpc_engine_net_output_get(stoffel_mpc_engine *engine, size_t index,
                                                  uint64_t *client_id, size_t *count, uint8_t *shares);

/* Local: stores `count` output shares (from stoffel_mpc_engine_net_output_get of an earlier
 * session) for client client_id under the next instance id, to be served as if an OUTPUT request
 * of this session had produced them (stoffel_mpc_engine_net_serve_outputs). Every party must
 * restore the same outputs in the same order. Errors: as stoffel_mpc_engine_net_restore_input. */
STOFFEL_API int stoffel_mpc_engine_net_restore_output(stoffel_mpc_engine *engine, uint64_t client_id,
                                                      const uint8_t *shares, size_t count);

/* A client of a networked session (data provider and output receiver). */
typedef struct stoffel_mpc_client stoffel_mpc_client;

/*
 * Creates a client over net, a client endpoint (stoffel_net_quic_client_new or
 * stoffel_net_mem_client_new) on base, whose certificate fingerprint (in-memory: the key it was
 * created with) is key. base and net are borrowed and must outlive the client; its callbacks are
 * replaced. The caller starts net. config must match the parties' (n, t, field, security,
 * session_id). Errors: STOFFEL_MPC_ERR_BOUND, STOFFEL_ERR_INVALID_ARG, STOFFEL_ERR_NOMEM (message
 * in error_buf when not NULL). Free with stoffel_mpc_client_free.
 */
STOFFEL_API int stoffel_mpc_client_new(const stoffel_mpc_net_config *config,
                                       struct event_base *base, stoffel_net *net,
                                       const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                       stoffel_mpc_client **out, char *error_buf,
                                       size_t error_len);

/* This client's MPC id (stoffel_mpc_client_id_from_key of its key). */
STOFFEL_API uint64_t stoffel_mpc_client_id(const stoffel_mpc_client *client);

/*
 * Secret-shares `count` (1..65536) canonical field elements with the mask protocol and blocks
 * until it is done: asks every party for input, reconstructs its masks r from their shares (the
 * only thing it learns), sends every party the same m = x + r. Returns once m is handed to the
 * transport and acknowledged. Errors: STOFFEL_MPC_ERR_NOT_IN_FIELD, STOFFEL_ERR_LIMIT,
 * STOFFEL_ERR_TIMEOUT (no admission or masks within timeout_ms; the message names the parties),
 * STOFFEL_MPC_ERR_INCONSISTENT / STOFFEL_MPC_ERR_DECODE (mask shares do not reconstruct).
 */
STOFFEL_API int stoffel_mpc_client_input(stoffel_mpc_client *client, const uint8_t *values,
                                         size_t count, int timeout_ms);

/*
 * Asks the parties for this client's outputs and blocks until `count` output values are
 * reconstructed (robustly in robust mode: up to t wrong shares are corrected) or timeout_ms
 * passes. values receives the first `count` output values of this client (counted over the whole
 * session, so a later call with a larger count returns the earlier values again first) as
 * canonical field elements, in the order the parties produced them. The parties answer while
 * they run any engine call or stoffel_mpc_engine_net_serve_outputs.
 * Errors: STOFFEL_ERR_TIMEOUT (message: how many values arrived, which parties were silent),
 * STOFFEL_MPC_ERR_INCONSISTENT, STOFFEL_MPC_ERR_DECODE, STOFFEL_ERR_INVALID_ARG.
 */
STOFFEL_API int stoffel_mpc_client_fetch_outputs(stoffel_mpc_client *client, uint8_t *values,
                                                 size_t count, int timeout_ms);

/* Installs fn (NULL removes it) as the handler of frames on the client's endpoint that are not
 * the client's (same contract as stoffel_mpc_engine_net_set_foreign_handler), so a host can read
 * its own protocol's answers while the client runs. STOFFEL_ERR_INVALID_ARG for a NULL client. */
STOFFEL_API int stoffel_mpc_client_set_foreign_handler(stoffel_mpc_client *client,
                                                       stoffel_mpc_net_foreign_fn fn, void *user);

/* The message of the last failed call on this client ("" if none); valid until the next call. */
STOFFEL_API const char *stoffel_mpc_client_last_error(const stoffel_mpc_client *client);

/* Frees a client and zeroes its secrets; NULL is a no-op. Free it before its endpoint. */
STOFFEL_API void stoffel_mpc_client_free(stoffel_mpc_client *client);

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_MPC_H */
