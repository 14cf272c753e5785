/*
 * cmd_run.c - `stoffel run FILE.stflb`: runs a program's entry function on the in-process
 * simulated MPC engine (all parties in this process) and prints `Program returned: <value>`.
 * Thin: flags are parsed here; loading, running, MPC and formatting are library calls.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stoffel/vm.h>

#include "cli.h"
#include "lang_cli.h"
#include "party_cli.h"
#include "project.h"
#include "run_processes.h"
#include "vm_input.h"

#define MAX_INPUTS 256

static const char usage[] =
    "Usage: stoffel run FILE.stflb [options]\n\n"
    "Runs a compiled program on the in-process simulated MPC engine and prints\n"
    "`Program returned: <value>`.\n\n"
    "Options:\n"
    "  --entry F               entry function (default main; aliases --entrypoint, --function)\n"
    "  --input NAME=VALUE      value of the entry's parameter NAME (repeatable; alias --inputs)\n"
    "  --client-input SLOT=V   a client input value for client SLOT (repeatable, appends per slot)\n"
    "  --parties N             number of simulated parties (default 3; alias --n-parties)\n"
    "  --threshold T           corruption threshold (default 1)\n"
    "  --stats                 print rounds, bytes, preprocessing use and time to stderr\n"
    "  --processes [N]         run on N real `stoffel party` processes on 127.0.0.1 over QUIC\n"
    "                          (default: the parties of --parties or Stoffel.toml), stopped after\n"
    "  --trace                 print every executed instruction to stderr\n\n"
    "Values: 42, 7u8, -3i16, 2.5, true, \"text\", 0xdeadbeef (bytes), [1, 2], {a: 1}, 1,2,3\n";

typedef struct {
    const char *name;
    const char *value;
} named_input;

static int trace_hook(void *ud, const stoffel_vm_event *ev)
{
    (void)ud;
    if (ev->kind == STOFFEL_VM_EVENT_INSTRUCTION)
        fprintf(stderr, "[trace] %*s%s@%zu: %s\n", (int)(ev->depth > 0 ? ev->depth - 1 : 0) * 2, "", ev->function, ev->ip, ev->text);
    else if (ev->kind == STOFFEL_VM_EVENT_CALL)
        fprintf(stderr, "[trace] %*scall %s (%zu args)\n", (int)(ev->depth > 0 ? ev->depth - 1 : 0) * 2, "", ev->callee, ev->nargs);
    return 0;
}

/* Accepts `--flag value` and `--flag=value`. Returns the value or NULL. */
static const char *flag_value(int argc, char **argv, int *i, const char *const *names)
{
    for (const char *const *n = names; *n; n++) {
        size_t len = strlen(*n);
        if (strcmp(argv[*i], *n) == 0) {
            if (*i + 1 >= argc)
                return NULL;
            return argv[++*i];
        }
        if (strncmp(argv[*i], *n, len) == 0 && argv[*i][len] == '=')
            return argv[*i] + len + 1;
    }
    return NULL;
}

static int is_flag(const char *arg, const char *const *names)
{
    for (const char *const *n = names; *n; n++) {
        size_t len = strlen(*n);
        if (strcmp(arg, *n) == 0 || (strncmp(arg, *n, len) == 0 && arg[len] == '='))
            return 1;
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Feeds `--client-input SLOT=VALUE` values to the simulated engine, grouped by slot in order. */
static int feed_clients(stoffel_vm *vm, stoffel_mpc_engine *engine, const named_input *ci, size_t nci)
{
    const stoffel_mpc_field *f = stoffel_mpc_engine_field(engine);
    size_t es = stoffel_mpc_field_elem_size(f);
    for (size_t i = 0; i < nci; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(ci[k].name, ci[i].name) == 0;
        if (seen)
            continue;
        char *end;
        unsigned long long slot = strtoull(ci[i].name, &end, 10);
        if (*end || !*ci[i].name)
            return cli_usage_error("--client-input needs SLOT=VALUE with a numeric slot, got `%s`", ci[i].name);
        uint8_t *vals = malloc(es * (nci + 64));
        size_t n = 0, cap = nci + 64;
        if (!vals)
            return cli_error("out of memory");
        for (size_t k = i; k < nci; k++) {
            if (strcmp(ci[k].name, ci[i].name) != 0)
                continue;
            stoffel_vm_value v;
            char err[256], *owned = NULL;
            int prc = vm_input_parse(vm, ci[k].value, &v, &owned, err, sizeof err);
            free(owned); /* client inputs are numbers: a string is refused below */
            if (owned)
                v = stoffel_vm_value_unit();
            if (prc) {
                free(vals);
                return cli_usage_error("--client-input %s: %s", ci[k].name, err);
            }
            stoffel_vm_value items[64];
            size_t nitems = 0;
            if (v.kind == STOFFEL_VM_ARRAY) {
                size_t len = 0;
                stoffel_vm_table_length(vm, &v, &len);
                for (size_t j = 0; j < len && nitems < 64; j++) {
                    stoffel_vm_value key = stoffel_vm_value_int(STOFFEL_VM_I64, (int64_t)j);
                    stoffel_vm_table_get(vm, &v, &key, &items[nitems]);
                    nitems++;
                }
            } else {
                items[nitems++] = v;
            }
            for (size_t j = 0; j < nitems; j++) {
                stoffel_vm_value x = items[j];
                if (n == cap) {
                    free(vals);
                    return cli_usage_error("too many client inputs for slot %s", ci[i].name);
                }
                if (x.kind == STOFFEL_VM_BOOL)
                    stoffel_mpc_field_from_i64(f, x.as.b, vals + n * es);
                else if (x.kind >= STOFFEL_VM_I64 && x.kind <= STOFFEL_VM_I8)
                    stoffel_mpc_field_from_i64(f, x.as.i, vals + n * es);
                else if (x.kind >= STOFFEL_VM_U8 && x.kind <= STOFFEL_VM_U64)
                    stoffel_mpc_field_from_u64(f, x.as.u, vals + n * es);
                else {
                    free(vals);
                    return cli_usage_error("--client-input %s=%s: client inputs are integers or booleans (fix64 inputs are raw integers scaled by 2^16)", ci[k].name, ci[k].value);
                }
                n++;
            }
        }
        int rc = stoffel_mpc_engine_sim_client_input(engine, (uint64_t)slot, vals, n);
        free(vals);
        if (rc)
            return cli_error("client %llu input failed: %s", slot, stoffel_mpc_engine_last_error(engine));
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    static const char *const entry_flags[] = {"--entry", "--entrypoint", "--function", NULL};
    static const char *const input_flags[] = {"--input", "--inputs", NULL};
    static const char *const client_flags[] = {"--client-input", NULL};
    static const char *const parties_flags[] = {"--parties", "--n-parties", NULL};
    static const char *const threshold_flags[] = {"--threshold", NULL};
    const char *path = NULL, *entry = "main";
    named_input inputs[MAX_INPUTS], clients[MAX_INPUTS];
    size_t ninputs = 0, nclients = 0;
    unsigned long parties = 3, threshold = 1;
    int stats = 0, trace = 0;
    int mpc_given = 0, robust = 0; /* bit 0: --parties, bit 1: --threshold (they beat Stoffel.toml) */
    long processes = -1;           /* --processes [N]: -1 = simulated, 0 = N from the parties */
    char project_prog[4096];

    if (run_network_requested(argc, argv))
        return cmd_run_network(argc, argv); /* the running parties of a network (run_network.c) */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        }
        if (is_flag(a, entry_flags)) {
            if (!(v = flag_value(argc, argv, &i, entry_flags)))
                return cli_usage_error("%s needs a function name", a);
            for (const char *c = v; *c; c++)
                if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == ':' || *c == '.'))
                    return cli_usage_error("--entry takes a function name, not `%s` (arguments go in --input NAME=VALUE)", v);
            entry = v;
        } else if (is_flag(a, input_flags) || is_flag(a, client_flags)) {
            int client = is_flag(a, client_flags);
            if (!(v = flag_value(argc, argv, &i, client ? client_flags : input_flags)))
                return cli_usage_error("%s needs NAME=VALUE", a);
            const char *eq = strchr(v, '=');
            if (!eq || eq == v)
                return cli_usage_error("%s needs NAME=VALUE, got `%s`", a, v);
            if (strchr(eq + 1, '=') && eq[1] != '"')
                return cli_usage_error("`%s` holds more than one `=`: repeat %s for each value", v, a);
            named_input *arr = client ? clients : inputs;
            size_t *n = client ? &nclients : &ninputs;
            if (*n >= MAX_INPUTS)
                return cli_usage_error("too many %s flags", a);
            char *name = strndup(v, (size_t)(eq - v));
            arr[(*n)++] = (named_input){name, eq + 1};
        } else if (is_flag(a, parties_flags) || is_flag(a, threshold_flags)) {
            int is_t = is_flag(a, threshold_flags);
            if (!(v = flag_value(argc, argv, &i, is_t ? threshold_flags : parties_flags)))
                return cli_usage_error("%s needs a number", a);
            char *end;
            unsigned long x = strtoul(v, &end, 10);
            if (*end || !*v || x > 1000)
                return cli_usage_error("%s needs a number, got `%s`", a, v);
            mpc_given |= is_t ? 2 : 1;
            if (is_t)
                threshold = x;
            else
                parties = x;
        } else if (!strncmp(a, "--processes", 11) && (!a[11] || a[11] == '=')) {
            if ((processes = run_processes_count_flag(argc, argv, &i)) < 0)
                return CLI_EXIT_USAGE;
        } else if (!strcmp(a, "--stats")) {
            stats = 1;
        } else if (!strcmp(a, "--trace") || !strcmp(a, "--trace-instr")) {
            trace = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("unknown option `%s` for `stoffel run` (see `stoffel run --help`)", a);
        } else if (!path) {
            path = a;
        } else if (strchr(a, '=')) {
            return cli_usage_error("named inputs must use --input NAME=VALUE ... Try: stoffel run --input %s", a);
        } else {
            return cli_usage_error("unexpected argument `%s` (one program file per run)", a);
        }
    }
    int prc = path ? 1 : project_run_defaults(project_prog, sizeof project_prog, mpc_given, &parties, &threshold, &robust);
    if (prc < 0)
        return CLI_EXIT_ERROR;
    if (prc == 0)
        path = project_prog; /* the project around the current directory (Stoffel.toml) */
    if (!path)
        return cli_usage_error("`stoffel run` needs a program file (stoffel run FILE.stflb) or a project "
                               "(Stoffel.toml) around the current directory");
    if (processes >= 0) { /* real party processes (run_processes.c) instead of the simulator */
        int prc_status = run_processes(path, processes ? (unsigned long)processes : parties, threshold, robust, argc, argv);
        for (size_t k = 0; k < ninputs; k++)
            free((char *)inputs[k].name);
        for (size_t k = 0; k < nclients; k++)
            free((char *)clients[k].name);
        return prc_status;
    }
    size_t plen = strlen(path);
    char err[512];
    stoffel_vm_program *prog = NULL;
    if (plen >= 5 && strcmp(path + plen - 5, ".stfl") == 0) {
        /* source code: compiled on the fly by libstoffellang (diagnostics on stderr) */
        if (lang_cli_compile_to_program(path, &prog) != 0)
            return CLI_EXIT_ERROR;
    } else if (stoffel_vm_program_load_file(path, &prog, err, sizeof err)) {
        return cli_error("cannot load %s: %s", path, err);
    }

    stoffel_mpc_sim_config cfg;
    stoffel_mpc_sim_config_defaults(&cfg);
    cfg.n = (uint32_t)parties;
    cfg.t = (uint32_t)threshold;
    cfg.security = robust ? STOFFEL_MPC_ROBUST : STOFFEL_MPC_SEMI_HONEST;
    stoffel_mpc_engine *engine = NULL;
    if (stoffel_mpc_engine_new_simulated(&cfg, &engine, err, sizeof err)) {
        stoffel_vm_program_free(prog);
        return cli_error("cannot start the simulated MPC engine (%lu parties, threshold %lu): %s", parties, threshold, err);
    }
    stoffel_vm *vm = NULL;
    int status = CLI_EXIT_ERROR;
    stoffel_vm_memory_store *store = NULL;
    stoffel_vm_value *args = NULL;
    char *owned[MAX_INPUTS] = {0};
    if (stoffel_vm_new(prog, NULL, &vm, err, sizeof err)) {
        cli_error("%s", err);
        goto done;
    }
    stoffel_vm_attach_engine(vm, engine);
    if (stoffel_vm_memory_store_new(&store) == 0)
        stoffel_vm_set_storage(vm, stoffel_vm_memory_store_interface(), store);
    if (trace)
        stoffel_vm_set_hook(vm, trace_hook, NULL);
    if ((status = feed_clients(vm, engine, clients, nclients)) != 0)
        goto done;
    status = CLI_EXIT_ERROR;

    /* Bind --input values to the entry's parameters by name. */
    size_t fi;
    if (stoffel_vm_program_find_function(prog, entry, &fi)) {
        cli_error("%s has no function `%s`", path, entry);
        goto done;
    }
    stoffel_vm_function_info info;
    stoffel_vm_program_function(prog, fi, &info);
    if (info.param_count > MAX_INPUTS) {
        cli_error("`%s` takes %zu parameters; stoffel run passes at most %d", entry, info.param_count, MAX_INPUTS);
        goto done;
    }
    args = calloc(info.param_count + 1, sizeof *args);
    for (size_t k = 0; k < ninputs; k++) {
        int known = 0;
        for (size_t p = 0; p < info.param_count; p++)
            known |= strcmp(info.param_names[p], inputs[k].name) == 0;
        if (!known) {
            status = cli_usage_error("`%s` has no parameter `%s`%s", entry, inputs[k].name, info.param_count ? "" : " (it takes no inputs)");
            goto done;
        }
    }
    for (size_t p = 0; p < info.param_count; p++) {
        const named_input *in = NULL;
        for (size_t k = 0; k < ninputs; k++)
            if (strcmp(info.param_names[p], inputs[k].name) == 0)
                in = &inputs[k];
        if (!in) {
            status = cli_usage_error("missing input for parameter `%s` of `%s`: pass --input %s=VALUE", info.param_names[p], entry, info.param_names[p]);
            goto done;
        }
        if (vm_input_parse(vm, in->value, &args[p], &owned[p], err, sizeof err)) {
            status = cli_usage_error("--input %s: %s", in->name, err);
            goto done;
        }
    }

    double t0 = now_ms();
    stoffel_vm_value result;
    if (stoffel_vm_execute(vm, entry, args, info.param_count, &result)) {
        cli_error("%s", stoffel_vm_last_error(vm));
        goto done;
    }
    double wall = now_ms() - t0;
    stoffel_vm_value shown = result;
    /* A returned share (or share object) is opened first; other values pass through. */
    if ((result.kind == STOFFEL_VM_SHARE || result.kind == STOFFEL_VM_OBJECT) && stoffel_vm_reveal(vm, &result, &shown)) {
        cli_error("%s", stoffel_vm_last_error(vm));
        goto done;
    }
    char *text = NULL;
    if (stoffel_vm_format_value(vm, &shown, STOFFEL_VM_FORMAT_RESULT, &text)) {
        cli_error("%s", stoffel_vm_last_error(vm));
        goto done;
    }
    printf("Program returned: %s\n", text);
    stoffel_vm_bytes_free(text);
    if (stats) {
        fflush(stdout); /* the program's output and result come before the stats, even on a pipe */
        stoffel_mpc_stats ms = {.struct_size = sizeof ms};
        stoffel_vm_stats vs = {.struct_size = sizeof vs};
        stoffel_mpc_engine_get_stats(engine, &ms);
        stoffel_vm_get_stats(vm, &vs);
        fprintf(stderr,
                "stats: parties=%lu threshold=%lu rounds=%llu preprocessing_rounds=%llu messages_sent=%llu bytes_sent=%llu "
                "triples=%llu random_shares=%llu random_bits=%llu dealt_randoms=%llu multiplications=%llu openings=%llu comparisons=%llu "
                "online_ms=%.3f preprocessing_ms=%.3f instructions=%llu calls=%llu mpc_batches=%llu wall_ms=%.3f\n",
                parties, threshold, (unsigned long long)ms.rounds, (unsigned long long)ms.preprocessing_rounds,
                (unsigned long long)ms.messages_sent, (unsigned long long)ms.bytes_sent, (unsigned long long)ms.triples_used,
                (unsigned long long)ms.random_shares_used, (unsigned long long)ms.random_bits_used,
                (unsigned long long)ms.dealt_randoms,
                (unsigned long long)ms.multiplications, (unsigned long long)ms.openings, (unsigned long long)ms.comparisons,
                (double)ms.online_ns / 1e6, (double)ms.preprocessing_ns / 1e6, (unsigned long long)vs.instructions,
                (unsigned long long)vs.calls, (unsigned long long)vs.mpc_batches, wall);
    }
    status = CLI_EXIT_OK;
done:
    for (size_t k = 0; k < MAX_INPUTS; k++)
        free(owned[k]);
    free(args);
    stoffel_vm_free(vm);
    stoffel_vm_memory_store_free(store);
    stoffel_mpc_engine_free(engine);
    stoffel_vm_program_free(prog);
    for (size_t k = 0; k < ninputs; k++)
        free((char *)inputs[k].name);
    for (size_t k = 0; k < nclients; k++)
        free((char *)clients[k].name);
    return status;
}
