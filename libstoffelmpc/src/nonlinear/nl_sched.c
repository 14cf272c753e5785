/*
 * nl_sched.c - runs independent nonlinear protocols of one batch concurrently, so that their
 * communication rounds share engine execute calls (DESIGN.md, cost model: a batch of {LT, EQ,
 * MUL, OPEN} takes the rounds of its deepest member, not their sum).
 *
 * Each protocol is written as straight-line code that blocks on its rounds (nl_round_run). To
 * interleave several of them without rewriting each as a state machine, every job runs on its
 * own thread used as a coroutine: exactly one thread runs at any time (a baton passed under one
 * mutex), so the engine is still used by one thread at a time and the order of every call is
 * fixed. The scheduler resumes the jobs in index order; each runs until it posts its next round
 * or finishes; then the posted rounds (and, the first time, the batch's core requests) go to the
 * engine as one execute call, and the jobs resume with its status. All parties run the same
 * jobs in the same order, so they issue identical execute sequences.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <flint/flint.h>

#include "nl_internal.h"

#define NL_TASK_MSG 512
#define SCHED_MAIN ((size_t)-1)

typedef struct nl_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t turn;                    /* the task allowed to run, or SCHED_MAIN */
    char engine_msg[NL_TASK_MSG];   /* the failed merged round's engine message */
} nl_sched;

struct nl_task {
    nl_sched *s;
    size_t index;
    nl_ctx ctx;
    nonlinear_cost cost;
    char msg[NL_TASK_MSG];
    nl_job_fn fn;
    void *arg;
    pthread_t thread;
    int ctx_ready;
    int started;
    /* posted round (valid while the task waits in nl_task_round) */
    stoffel_mpc_request *req;
    size_t count;
    int preprocessing;
    int posted;
    int round_rc;
    /* outcome */
    int finished;
    int rc;
};

/* Called with s->mu held: hands the baton to `to` and waits until it comes back to `me`. */
static void pass_baton(nl_sched *s, size_t to, size_t me)
{
    s->turn = to;
    pthread_cond_broadcast(&s->cv);
    while (s->turn != me)
        pthread_cond_wait(&s->cv, &s->mu);
}

int nl_task_round(struct nl_task *task, stoffel_mpc_request *req, size_t count, int preprocessing,
                  const char **detail)
{
    nl_sched *s = task->s;
    pthread_mutex_lock(&s->mu);
    task->req = req;
    task->count = count;
    task->preprocessing = preprocessing;
    task->posted = 1;
    pass_baton(s, SCHED_MAIN, task->index);
    task->posted = 0;
    int rc = task->round_rc;
    pthread_mutex_unlock(&s->mu);
    *detail = s->engine_msg;
    return rc;
}

static void *task_main(void *p)
{
    struct nl_task *task = p;
    nl_sched *s = task->s;
    pthread_mutex_lock(&s->mu);
    while (s->turn != task->index)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    /* runs alone: every other thread waits for the baton */
    task->rc = task->fn(&task->ctx, task->arg);
    /* FLINT keeps per-thread caches; release this thread's before it ends */
    flint_cleanup();
    pthread_mutex_lock(&s->mu);
    task->finished = 1;
    s->turn = SCHED_MAIN;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Sets up task i's own context (constants, message buffer, cost). */
static int task_init(nl_ctx *parent, struct nl_task *task, nl_sched *s, size_t i, nl_job_fn fn,
                     void *arg)
{
    memset(task, 0, sizeof *task);
    task->s = s;
    task->index = i;
    task->fn = fn;
    task->arg = arg;
    int rc = nl_ctx_init(&task->ctx, parent->engine, &task->cost, task->msg, sizeof task->msg);
    task->ctx_ready = 1;
    task->ctx.kappa = parent->kappa;
    task->ctx.task = task;
    return rc;
}

/* Gathers the posted rounds (and the core requests) into one request array. */
static stoffel_mpc_request *merge_round(struct nl_task *tasks, size_t count,
                                        stoffel_mpc_request *core, size_t ncore, size_t *total,
                                        int *all_prep)
{
    size_t n = ncore;
    *all_prep = ncore == 0;
    for (size_t i = 0; i < count; i++)
        if (tasks[i].posted) {
            n += tasks[i].count;
            *all_prep &= tasks[i].preprocessing;
        }
    *total = n;
    stoffel_mpc_request *all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return NULL;
    size_t off = 0;
    if (ncore) {
        memcpy(all, core, ncore * sizeof *all);
        off = ncore;
    }
    for (size_t i = 0; i < count; i++)
        if (tasks[i].posted) {
            memcpy(all + off, tasks[i].req, tasks[i].count * sizeof *all);
            off += tasks[i].count;
        }
    return all;
}

int nl_run_concurrent(nl_ctx *ctx, nl_job_fn *fns, void **args, size_t count,
                      stoffel_mpc_request *core, size_t ncore)
{
    nl_sched s;
    memset(&s, 0, sizeof s);
    s.turn = SCHED_MAIN;
    struct nl_task *tasks = calloc(count ? count : 1, sizeof *tasks);
    if (!tasks)
        return nl_fail(ctx, STOFFEL_ERR_NOMEM, "out of memory for %zu concurrent requests", count);
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    int rc = 0, failed = 0;
    char fail_msg[NL_TASK_MSG] = "";
    for (size_t i = 0; i < count && rc == 0; i++) {
        rc = task_init(ctx, &tasks[i], &s, i, fns[i], args[i]);
        if (rc == 0 && pthread_create(&tasks[i].thread, NULL, task_main, &tasks[i]) != 0)
            rc = STOFFEL_ERR_NOMEM;
        if (rc == 0)
            tasks[i].started = 1;
    }
    if (rc) {
        nl_fail(ctx, rc, "could not start %zu concurrent requests (threads or memory exhausted)",
                count);
        failed = 1;
        /* the started tasks still run to their end: they see the aborted first round */
    }
    pthread_mutex_lock(&s.mu);
    int core_pending = ncore > 0 && !failed;
    for (;;) {
        /* let every unfinished task run up to its next round (or its end) */
        size_t live = 0;
        for (size_t i = 0; i < count; i++) {
            if (!tasks[i].started || tasks[i].finished)
                continue;
            pass_baton(&s, i, SCHED_MAIN);
            if (tasks[i].finished) {
                if (tasks[i].rc && !failed) {
                    failed = 1;
                    rc = tasks[i].rc;
                    memcpy(fail_msg, tasks[i].msg, sizeof fail_msg);
                }
            } else {
                live++;
            }
        }
        if (live == 0 && !core_pending)
            break;
        int round_rc;
        if (failed) {
            /* a job failed: the others unwind without more communication */
            round_rc = STOFFEL_ERR_STATE;
            snprintf(s.engine_msg, sizeof s.engine_msg,
                     "not run: another request of the batch failed");
        } else {
            size_t total = 0;
            int all_prep = 0;
            stoffel_mpc_request *all =
                merge_round(tasks, count, core_pending ? core : NULL, core_pending ? ncore : 0,
                            &total, &all_prep);
            if (!all) {
                round_rc = STOFFEL_ERR_NOMEM;
                snprintf(s.engine_msg, sizeof s.engine_msg, "out of memory merging a round");
            } else {
                round_rc = stoffel_mpc_engine_execute(ctx->engine, all, total);
                snprintf(s.engine_msg, sizeof s.engine_msg, "%s",
                         round_rc ? stoffel_mpc_engine_last_error(ctx->engine) : "");
                free(all);
                if (ctx->cost) {
                    ctx->cost->rounds++;
                    if (all_prep)
                        ctx->cost->preprocessing_rounds++;
                }
            }
            if (round_rc && core_pending) {
                /* the core requests failed with the round: report the engine's message */
                failed = 1;
                rc = round_rc;
                snprintf(fail_msg, sizeof fail_msg, "%s", s.engine_msg);
            }
            core_pending = 0;
        }
        for (size_t i = 0; i < count; i++)
            if (tasks[i].posted)
                tasks[i].round_rc = round_rc;
    }
    pthread_mutex_unlock(&s.mu);
    for (size_t i = 0; i < count; i++) {
        if (tasks[i].started)
            pthread_join(tasks[i].thread, NULL);
        if (ctx->cost) {
            ctx->cost->random_bits += tasks[i].cost.random_bits;
            ctx->cost->comparisons += tasks[i].cost.comparisons;
        }
        if (tasks[i].ctx_ready)
            nl_ctx_clear(&tasks[i].ctx);
    }
    if (failed && fail_msg[0])
        nl_fail(ctx, rc, "%s", fail_msg);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cv);
    free(tasks);
    return rc;
}
