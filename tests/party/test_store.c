/*
 * test_store.c - the party store: schema creation and refusal of foreign or newer databases,
 * bundles (idempotent, immutable per name), client inputs (unknown program changes nothing),
 * run records (interrupted runs), LocalStorage through a real VM, atomicity of multi-statement
 * changes, and durability of an acknowledged input across a SIGKILL.
 */
#include <signal.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "party_test_util.h"
#include "test_util.h"

static char dir[256], db_path[300];

static stoffel_vm_party_store *open_store(void)
{
    stoffel_vm_party_store *s = NULL;
    char err[512] = "";
    int rc = stoffel_vm_party_store_open(db_path, &s, err, sizeof err);
    CHECK_MSG(rc == 0, "open failed (%d): %s", rc, err);
    return s;
}

static stoffel_vm_bundle *make_bundle(const char *name, int64_t k)
{
    uint8_t *code = NULL;
    size_t len = 0;
    stoffel_vm_bundle *b = NULL;
    CHECK_EQ_INT(party_test_program(k, &code, &len), 0);
    CHECK_EQ_INT(stoffel_vm_bundle_new(name, NULL, code, len, &b, NULL, 0), 0);
    stoffel_vm_bytes_free(code);
    return b;
}

/* Runs one integer query on the database with a separate connection. */
static long long raw_count(const char *sql)
{
    sqlite3 *db = NULL;
    long long v = -1;
    if (sqlite3_open(db_path, &db) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static void test_bundles(void)
{
    stoffel_vm_party_store *s = open_store();
    CHECK_EQ_INT(stoffel_vm_party_store_schema(s), STOFFEL_VM_PARTY_STORE_SCHEMA);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);

    stoffel_vm_bundle *a = make_bundle("stats", 1), *a2 = make_bundle("stats", 2);
    uint8_t ha[32], ha2[32], got[32];
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(s, a, ha), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(s, a, got), 0); /* again: no-op */
    CHECK(memcmp(ha, got, 32) == 0);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM bundles"), 1);

    /* A different bundle under the same name is refused and changes nothing. */
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(s, a2, ha2), STOFFEL_ERR_STATE);
    char hex_a[65], hex_a2[65];
    stoffel_vm_bundle_hash_to_hex(ha, hex_a);
    stoffel_vm_bundle_hash_to_hex(ha2, hex_a2);
    const char *msg = stoffel_vm_party_store_last_error(s);
    CHECK(strstr(msg, "`stats`") && strstr(msg, hex_a) && strstr(msg, hex_a2));
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM bundles"), 1);

    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "stats", got), 0);
    CHECK(memcmp(got, ha, 32) == 0);
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "nope", got), STOFFEL_ERR_NOT_FOUND);
    CHECK(strstr(stoffel_vm_party_store_last_error(s), "`nope`") != NULL);

    stoffel_vm_bundle *back = NULL;
    CHECK_EQ_INT(stoffel_vm_party_store_get_bundle(s, ha, &back), 0);
    CHECK_EQ_STR(stoffel_vm_bundle_name(back), "stats");
    stoffel_vm_bundle_hash(back, got);
    CHECK(memcmp(got, ha, 32) == 0);
    stoffel_vm_bundle_free(back);
    CHECK_EQ_INT(stoffel_vm_party_store_get_bundle(s, ha2, &back), STOFFEL_ERR_NOT_FOUND);
    CHECK(back == NULL && strstr(stoffel_vm_party_store_last_error(s), hex_a2) != NULL);

    /* The same bundle under a second name shares the stored bytes. */
    stoffel_vm_bundle *b = make_bundle("second", 1);
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(s, b, got), 0);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM bundles"), 2);
    stoffel_vm_bundle_free(b);

    stoffel_vm_party_store_close(s);

    /* Reopened: still there. An altered stored bundle is detected by its hash. */
    s = open_store();
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "stats", got), 0);
    CHECK(memcmp(got, ha, 32) == 0);
    stoffel_vm_party_store_close(s);
    CHECK_EQ_INT(raw_exec(db_path, "UPDATE bundles SET entry = 'other' WHERE name = 'second'"), SQLITE_OK);
    s = open_store();
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "second", got), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_get_bundle(s, got, &back), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(stoffel_vm_party_store_last_error(s), "altered") != NULL);
    /* Deploying that bundle again does not claim to hold it: the stored copy is damaged. */
    b = make_bundle("second", 1);
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(s, b, NULL), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(stoffel_vm_party_store_last_error(s), "altered") != NULL);
    stoffel_vm_bundle_free(b);
    stoffel_vm_party_store_close(s);

    stoffel_vm_bundle_free(a);
    stoffel_vm_bundle_free(a2);
}

static void test_inputs_and_runs(void)
{
    stoffel_vm_party_store *s = open_store();
    uint8_t prog[32], unknown[32];
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "stats", prog), 0);
    memset(unknown, 0xab, sizeof unknown);

    uint8_t shares[3 * 32];
    for (size_t i = 0; i < sizeof shares; i++)
        shares[i] = (uint8_t)(i * 7 + 1);
    uint64_t seq = 0;
    /* Unknown program: clear error, nothing stored. */
    CHECK_EQ_INT(stoffel_vm_party_store_put_input(s, unknown, 5, shares, 32, 3, &seq), STOFFEL_ERR_NOT_FOUND);
    CHECK(strstr(stoffel_vm_party_store_last_error(s), "abababab") != NULL);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM inputs"), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_put_input(s, prog, 5, shares, 0, 3, &seq), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(stoffel_vm_party_store_put_input(s, prog, 5, shares, 32, 0, &seq), STOFFEL_ERR_INVALID_ARG);

    CHECK_EQ_INT(stoffel_vm_party_store_put_input(s, prog, 5, shares, 32, 3, &seq), 0);
    CHECK_EQ_INT(seq, 1);
    CHECK_EQ_INT(stoffel_vm_party_store_put_input(s, prog, UINT64_MAX, shares + 32, 32, 2, &seq), 0);
    CHECK_EQ_INT(seq, 2);
    size_t count = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_input_count(s, prog, &count), 0);
    CHECK_EQ_INT(count, 2);
    CHECK_EQ_INT(stoffel_vm_party_store_input_count(s, unknown, &count), 0);
    CHECK_EQ_INT(count, 0);
    stoffel_vm_party_store_close(s);

    s = open_store();
    uint64_t client = 0;
    uint8_t *got = NULL;
    size_t size = 0, n = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_get_input(s, prog, 1, &client, &got, &size, &n), 0);
    CHECK(client == UINT64_MAX && size == 32 && n == 2 && memcmp(got, shares + 32, 64) == 0);
    stoffel_vm_party_secret_free(got, size * n);
    CHECK_EQ_INT(stoffel_vm_party_store_get_input(s, prog, 0, &client, &got, &size, &n), 0);
    CHECK(client == 5 && size == 32 && n == 3 && memcmp(got, shares, 96) == 0);
    stoffel_vm_party_secret_free(got, size * n);
    CHECK_EQ_INT(stoffel_vm_party_store_get_input(s, prog, 2, &client, &got, &size, &n), STOFFEL_ERR_NOT_FOUND);

    /* Runs: begin, finish, read; a second finish is refused; unknown program refused. */
    uint64_t run = 0, run2 = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_begin_run(s, unknown, &run), STOFFEL_ERR_NOT_FOUND);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM runs"), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_begin_run(s, prog, &run), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_finish_run(s, run, STOFFEL_VM_PARTY_RUN_DONE, (const uint8_t *)"42", 2), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_finish_run(s, run, STOFFEL_VM_PARTY_RUN_FAILED, NULL, 0), STOFFEL_ERR_STATE);
    CHECK_EQ_INT(stoffel_vm_party_store_finish_run(s, 999, STOFFEL_VM_PARTY_RUN_DONE, NULL, 0), STOFFEL_ERR_NOT_FOUND);
    /* Output records: per run and client, immutable, for existing runs only. */
    uint8_t out_shares[2 * 32];
    for (size_t i = 0; i < sizeof out_shares; i++)
        out_shares[i] = (uint8_t)(255 - i);
    CHECK_EQ_INT(stoffel_vm_party_store_put_output(s, 999, 5, out_shares, 32, 2), STOFFEL_ERR_NOT_FOUND);
    CHECK_EQ_INT(stoffel_vm_party_store_put_output(s, run, 5, out_shares, 32, 2), 0);
    CHECK_EQ_INT(stoffel_vm_party_store_put_output(s, run, 5, out_shares, 32, 1), STOFFEL_ERR_STATE);
    CHECK_EQ_INT(stoffel_vm_party_store_put_output(s, run, 6, out_shares, 32, 0), STOFFEL_ERR_INVALID_ARG);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM outputs"), 1);
    CHECK_EQ_INT(stoffel_vm_party_store_begin_run(s, prog, &run2), 0);
    CHECK_EQ_INT(run2, run + 1);
    stoffel_vm_party_store_close(s); /* run2 left RUNNING, as after a crash */

    s = open_store();
    stoffel_vm_party_run_state state = STOFFEL_VM_PARTY_RUN_RUNNING;
    uint8_t *result = NULL, which[32];
    size_t result_len = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_get_run(s, run, which, &state, &result, &result_len), 0);
    CHECK(state == STOFFEL_VM_PARTY_RUN_DONE && result_len == 2 && strcmp((char *)result, "42") == 0);
    CHECK(memcmp(which, prog, 32) == 0);
    stoffel_vm_bytes_free(result);
    CHECK_EQ_INT(stoffel_vm_party_store_get_run(s, run2, NULL, &state, &result, &result_len), 0);
    CHECK(state == STOFFEL_VM_PARTY_RUN_FAILED && result && strstr((char *)result, "interrupted") != NULL);
    stoffel_vm_bytes_free(result);
    uint8_t *out_got = NULL;
    size_t out_size = 0, out_n = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_get_output(s, run, 5, &out_got, &out_size, &out_n), 0);
    CHECK(out_size == 32 && out_n == 2 && out_got && out_got[0] == 255 && out_got[63] == 192);
    stoffel_vm_party_secret_free(out_got, out_size * out_n);
    CHECK_EQ_INT(stoffel_vm_party_store_get_output(s, run, 6, &out_got, &out_size, &out_n), STOFFEL_ERR_NOT_FOUND);
    CHECK(out_got == NULL);
    stoffel_vm_party_store_close(s);
}

/* A change made of several statements is all or nothing: a trigger makes the second statement
 * fail, and the first one must not survive. */
static void test_atomicity(void)
{
    CHECK_EQ_INT(raw_exec(db_path, "CREATE TRIGGER fail_names BEFORE INSERT ON bundle_names "
                                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
                 SQLITE_OK);
    stoffel_vm_party_store *s = open_store();
    stoffel_vm_bundle *c = make_bundle("third", 3);
    long long before = raw_count("SELECT count(*) FROM bundles");
    CHECK_EQ_INT(stoffel_vm_party_store_put_bundle(s, c, NULL), STOFFEL_ERR_IO);
    CHECK(strstr(stoffel_vm_party_store_last_error(s), "injected failure") != NULL);
    CHECK_EQ_INT(raw_count("SELECT count(*) FROM bundles"), before);
    /* The handle stays usable after a failed transaction. */
    uint8_t prog[32];
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "stats", prog), 0);
    stoffel_vm_party_store_close(s);
    CHECK_EQ_INT(raw_exec(db_path, "DROP TRIGGER fail_names"), SQLITE_OK);
    stoffel_vm_bundle_free(c);
}

/* An input acknowledged (put_input returned 0) by a process killed right after is on disk. */
static void test_durability_after_sigkill(void)
{
    uint8_t prog[32];
    stoffel_vm_party_store *s = open_store();
    CHECK_EQ_INT(stoffel_vm_party_store_find_bundle(s, "stats", prog), 0);
    size_t before = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_input_count(s, prog, &before), 0);
    stoffel_vm_party_store_close(s);

    int pipefd[2];
    CHECK_EQ_INT(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        stoffel_vm_party_store *cs = NULL;
        uint8_t share[32] = {9, 9, 9};
        if (stoffel_vm_party_store_open(db_path, &cs, NULL, 0) == 0 &&
            stoffel_vm_party_store_put_input(cs, prog, 77, share, 32, 1, NULL) == 0) {
            char ack = 'A';
            if (write(pipefd[1], &ack, 1) != 1)
                _exit(2);
        }
        for (;;)
            pause(); /* never closes the store: the parent kills us */
    }
    close(pipefd[1]);
    char ack = 0;
    ssize_t r = read(pipefd[0], &ack, 1);
    close(pipefd[0]);
    CHECK(r == 1 && ack == 'A');
    kill(pid, SIGKILL);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    CHECK(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);

    s = open_store();
    size_t after = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_input_count(s, prog, &after), 0);
    CHECK_EQ_INT(after, before + 1);
    uint64_t client = 0;
    uint8_t *got = NULL;
    size_t size = 0, n = 0;
    CHECK_EQ_INT(stoffel_vm_party_store_get_input(s, prog, after - 1, &client, &got, &size, &n), 0);
    CHECK(client == 77 && size == 32 && n == 1 && got && got[0] == 9 && got[2] == 9 && got[3] == 0);
    stoffel_vm_party_secret_free(got, size * n);
    stoffel_vm_party_store_close(s);
}

/* LocalStorage.store / load from a real VM program, persisted across reopen, per namespace. */
static int run_storage_program(stoffel_vm_party_store *s, int store_it, char *out, size_t out_len)
{
    stoffel_vm_builder *b = NULL;
    stoffel_vm_fn *fn = NULL;
    int rc = stoffel_vm_builder_new(&b);
    rc = rc ? rc : stoffel_vm_builder_function(b, "main", &fn);
    rc = rc ? rc : stoffel_vm_fn_ldi_string(fn, 1, "counter");
    if (store_it) {
        rc = rc ? rc : stoffel_vm_fn_ldi_i64(fn, 2, 1234);
        rc = rc ? rc : stoffel_vm_fn_pusharg(fn, 1);
        rc = rc ? rc : stoffel_vm_fn_pusharg(fn, 2);
        rc = rc ? rc : stoffel_vm_fn_call(fn, "LocalStorage.store");
    }
    rc = rc ? rc : stoffel_vm_fn_pusharg(fn, 1);
    rc = rc ? rc : stoffel_vm_fn_call(fn, "LocalStorage.load");
    rc = rc ? rc : stoffel_vm_fn_ret(fn, 0);
    stoffel_vm_program *p = NULL;
    rc = rc ? rc : stoffel_vm_builder_build(b, &p);
    stoffel_vm_builder_free(b);
    stoffel_vm *vm = NULL;
    rc = rc ? rc : stoffel_vm_new(p, NULL, &vm, NULL, 0);
    rc = rc ? rc : stoffel_vm_set_storage(vm, stoffel_vm_party_store_storage_interface(), s);
    stoffel_vm_value result;
    rc = rc ? rc : stoffel_vm_execute(vm, "main", NULL, 0, &result);
    if (rc == 0) {
        char *text = NULL;
        rc = stoffel_vm_format_value(vm, &result, STOFFEL_VM_FORMAT_RESULT, &text);
        if (rc == 0)
            snprintf(out, out_len, "%s", text);
        stoffel_vm_bytes_free(text);
    } else if (vm) {
        fprintf(stderr, "storage program: %s\n", stoffel_vm_last_error(vm));
    }
    stoffel_vm_free(vm);
    stoffel_vm_program_free(p);
    return rc;
}

static void test_local_storage(void)
{
    uint8_t ns1[32], ns2[32];
    memset(ns1, 1, sizeof ns1);
    memset(ns2, 2, sizeof ns2);
    stoffel_vm_party_store *s = open_store();
    stoffel_vm_party_store_use_namespace(s, ns1);
    char v[64] = "";
    CHECK_EQ_INT(run_storage_program(s, 1, v, sizeof v), 0);
    CHECK_EQ_STR(v, "1234");
    stoffel_vm_party_store_close(s);

    s = open_store();
    stoffel_vm_party_store_use_namespace(s, ns1);
    v[0] = '\0';
    CHECK_EQ_INT(run_storage_program(s, 0, v, sizeof v), 0); /* load only: from the database */
    CHECK_EQ_STR(v, "1234");
    /* Another namespace does not see it (a missing key loads as Unit). */
    stoffel_vm_party_store_use_namespace(s, ns2);
    CHECK_EQ_INT(run_storage_program(s, 0, v, sizeof v), 0);
    CHECK_EQ_STR(v, "()");

    /* The interface directly: remove reports whether the key existed. */
    const stoffel_vm_storage *iface = stoffel_vm_party_store_storage_interface();
    uint8_t existed = 9;
    stoffel_vm_party_store_use_namespace(s, ns1);
    CHECK_EQ_INT(iface->remove(s, (const uint8_t *)"counter", 7, &existed), 0);
    CHECK_EQ_INT(existed, 1);
    CHECK_EQ_INT(iface->remove(s, (const uint8_t *)"counter", 7, &existed), 0);
    CHECK_EQ_INT(existed, 0);
    const uint8_t *val = NULL;
    size_t val_len = 0;
    CHECK_EQ_INT(iface->get(s, (const uint8_t *)"counter", 7, &val, &val_len), STOFFEL_ERR_NOT_FOUND);
    stoffel_vm_party_store_close(s);
}

static void test_refusals(void)
{
    char path[400], err[512];
    stoffel_vm_party_store *s = NULL;

    /* A newer schema is refused clearly and left untouched. */
    CHECK_EQ_INT(raw_exec(db_path, "PRAGMA user_version = 3"), SQLITE_OK);
    err[0] = '\0';
    CHECK_EQ_INT(stoffel_vm_party_store_open(db_path, &s, err, sizeof err), STOFFEL_ERR_UNSUPPORTED);
    CHECK(s == NULL && strstr(err, "schema version 3") && strstr(err, "newer"));
    CHECK_EQ_INT(raw_count("PRAGMA user_version"), 3);
    CHECK_EQ_INT(raw_exec(db_path, "PRAGMA user_version = 2"), SQLITE_OK);

    /* Another application's SQLite database. */
    snprintf(path, sizeof path, "%s/other.db", dir);
    CHECK_EQ_INT(raw_exec(path, "CREATE TABLE t (x)"), SQLITE_OK);
    CHECK_EQ_INT(stoffel_vm_party_store_open(path, &s, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "not a Stoffel party store") != NULL);

    /* Not SQLite at all. */
    snprintf(path, sizeof path, "%s/text.db", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, it is a text file long enough to have a header........\n", f);
    fclose(f);
    CHECK_EQ_INT(stoffel_vm_party_store_open(path, &s, err, sizeof err), STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "not a Stoffel party store") != NULL);

    /* A directory that does not exist. */
    snprintf(path, sizeof path, "%s/missing/party.db", dir);
    CHECK_EQ_INT(stoffel_vm_party_store_open(path, &s, err, sizeof err), STOFFEL_ERR_IO);
    CHECK(strstr(err, "missing/party.db") != NULL);
}

int main(void)
{
    if (party_test_tmpdir(dir, sizeof dir) != 0) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db_path, sizeof db_path, "%s/party.db", dir);
    test_bundles();
    test_inputs_and_runs();
    test_atomicity();
    test_durability_after_sigkill();
    test_local_storage();
    test_refusals();
    party_test_rmdir(dir);
    return test_finish();
}
