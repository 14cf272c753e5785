/* run_processes.h - `stoffel run --processes [N]`: the run on N real party processes on 127.0.0.1. */
#ifndef STOFFEL_CLI_RUN_PROCESSES_H
#define STOFFEL_CLI_RUN_PROCESSES_H

/* Parses the optional count after `--processes` at argv[*i] (advancing *i when it takes the next
 * word). Returns the count, 0 when none was given, or -1 after printing a usage error. */
long run_processes_count_flag(int argc, char **argv, int *i);

/*
 * Runs program (.stfl or .stflb) on n party processes with threshold t: writes a network with
 * `stoffel network init` into a temporary directory, starts n `stoffel party` processes (this
 * binary) on 127.0.0.1 over QUIC, deploys the program, submits every `--client-input SLOT=VALUE`
 * of argv as client SLOT, runs it with `stoffel run --network` (forwarding --input, --entry and
 * --stats) and prints its output. The parties are stopped and reaped on success, on error and on
 * SIGINT/SIGTERM; the directory is removed (kept and named when the run failed and
 * STOFFEL_KEEP_RUN_DIR is set). Returns the CLI exit code.
 */
int run_processes(const char *program, unsigned long n, unsigned long t, int robust, int argc, char **argv);

#endif
