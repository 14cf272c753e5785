/*
 * bench_lang.c - benchmarks of libstoffellang. Prints JSON lines:
 *   lang.compile_lines_per_s {opt: 0|3}: source lines compiled per second (a generated program of
 *     50,000 lines: functions with arithmetic, loops, branches, lists, objects, secret values);
 *   lang.rounds {program, opt}: online MPC rounds of corpus programs on the simulated engine
 *     (n=3, t=1) at -O0, -O2 and -O3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stoffel/lang.h>
#include <stoffel/vm.h>

#define TARGET_LINES 50000

/* Process CPU time: the compiler is single-threaded, and on a shared machine wall time mostly
 * measures the other processes. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct buf {
    char *p;
    size_t len, cap;
    int lines;
};

static void put(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            exit(1);
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            b->lines++;
}

/* A script of many small functions (about 25 lines each) called from the top level. */
static char *generate(int *lines)
{
    struct buf b = {0};
    char line[512];
    put(&b, "object Pair:\n  a: int64\n  b: int64\n");
    int f = 0;
    while (b.lines < TARGET_LINES - 40) {
        snprintf(line, sizeof line,
                 "def work_%d(n: int64, s: secret int64) -> int64:\n"
                 "  var total = 0\n"
                 "  var xs = [1, 2, 3, %d]\n"
                 "  for i in 0..n:\n"
                 "    if i %% 3 == 0:\n"
                 "      total += i * %d\n"
                 "    elif i %% 3 == 1:\n"
                 "      total -= xs[i %% 4]\n"
                 "    else:\n"
                 "      total = total + (i mod 7) * 2\n"
                 "  var p = Pair(a: total, b: n)\n"
                 "  var k = 0\n"
                 "  while k < 3:\n"
                 "    k += 1\n"
                 "    p.a = p.a + k\n"
                 "  var t = s * %d + 1\n"
                 "  var u = t * s\n"
                 "  var msg = f\"work {total}\"\n"
                 "  append(xs, len(msg))\n"
                 "  if p.a > 100 and p.b < 50:\n"
                 "    return p.a - p.b\n"
                 "  return p.a + xs[0]\n"
                 "\n",
                 f, f, f % 13 + 1, f % 5 + 2);
        put(&b, line);
        f++;
    }
    put(&b, "var s: secret int64 = 3\nvar acc = 0\n");
    for (int i = 0; i < f && b.lines < TARGET_LINES; i++) {
        snprintf(line, sizeof line, "acc = acc + work_%d(%d, s)\n", i, i % 10);
        put(&b, line);
    }
    while (b.lines < TARGET_LINES)
        put(&b, "acc = acc + 1\n");
    *lines = b.lines;
    return b.p;
}

static void bench_compile(const char *src, int lines, int opt)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        stoffel_lang_result *r = NULL;
        double t0 = now_s();
        int rc = stoffel_lang_compile(src, strlen(src), "bench.stfl", &o, &r);
        double dt = now_s() - t0;
        if (rc != 0) {
            char *text = r ? stoffel_lang_result_render(r, 0) : NULL;
            fprintf(stderr, "bench_lang: generated program does not compile:\n%s", text ? text : "");
            free(text);
            stoffel_lang_result_free(r);
            exit(1);
        }
        stoffel_lang_result_free(r);
        if (dt < best)
            best = dt;
    }
    printf("{\"bench\": \"lang.compile_lines_per_s\", \"value\": %.0f, \"unit\": \"lines/s\", \"params\": "
           "{\"opt\": %d, \"lines\": %d, \"clock\": \"cpu\"}}\n",
           lines / best, opt, lines);
}

static void discard_output(void *ud, const char *text, size_t len)
{
    (void)ud;
    (void)text;
    (void)len;
}

static long rounds_of(const char *path, int opt)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char src[1 << 16];
    size_t n = fread(src, 1, sizeof src - 1, f);
    fclose(f);
    src[n] = 0;
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = opt;
    stoffel_lang_result *r = NULL;
    if (stoffel_lang_compile(src, n, path, &o, &r) != 0) {
        stoffel_lang_result_free(r);
        return -1;
    }
    const uint8_t *bytes;
    size_t len;
    stoffel_lang_result_bytecode(r, &bytes, &len);
    stoffel_vm_program *prog = NULL;
    stoffel_vm *vm = NULL;
    stoffel_mpc_engine *eng = NULL;
    long rounds = -1;
    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.seed = 7;
    cfg.record_transcript = 0;
    if (stoffel_vm_program_load(bytes, len, &prog, NULL, 0) == 0 && stoffel_vm_new(prog, NULL, &vm, NULL, 0) == 0 &&
        stoffel_mpc_engine_new_simulated(&cfg, &eng, NULL, 0) == 0) {
        stoffel_vm_attach_engine(vm, eng);
        stoffel_vm_set_output(vm, discard_output, NULL);
        if (stoffel_vm_execute(vm, "main", NULL, 0, NULL) == 0) {
            stoffel_mpc_stats st = {.struct_size = sizeof st};
            stoffel_mpc_engine_get_stats(eng, &st);
            rounds = (long)st.rounds;
        }
    }
    stoffel_vm_free(vm);
    stoffel_mpc_engine_free(eng);
    stoffel_vm_program_free(prog);
    stoffel_lang_result_free(r);
    return rounds;
}

int main(void)
{
    int lines = 0;
    char *src = generate(&lines);
    bench_compile(src, lines, 0);
    bench_compile(src, lines, 3);
    free(src);
    static const char *const programs[] = {"independent_muls", "secret_add_sub", "secret_bool_logic", "secret_mixed_clear",
                                           "many_reveals", "secret_inferred_accumulator", "share_builtins", "opt_inline_rounds",
                                           "opt_reveal_batching_rounds", "opt_schedule_products", "opt_schedule_cubes",
                                           "opt_reveal_loop_locals", "opt_reveal_loop_range", "opt_licm_secret",
                                           "opt_cse_secret", "opt_dce_secret"};
    FILE *out = stdout;
    for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.stfl", LANG_CORPUS_DIR, programs[i]);
        static const int opts[3] = {0, 2, 3};
        for (int k = 0; k < 3; k++) {
            long r = rounds_of(path, opts[k]);
            fprintf(out, "{\"bench\": \"lang.rounds\", \"value\": %ld, \"unit\": \"rounds\", \"params\": "
                         "{\"program\": \"%s\", \"opt\": %d}}\n",
                    r, programs[i], opts[k]);
            fflush(out);
        }
    }
    return 0;
}
