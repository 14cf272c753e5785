/* dispatch.c - routes nonlinear requests to their protocols (see nonlinear.h). */
#include <stdio.h>

#include "nonlinear.h"

int nonlinear_supports(stoffel_mpc_op_kind kind)
{
    (void)kind;
    return 0;
}

int nonlinear_execute(stoffel_mpc_engine *engine, stoffel_mpc_request *requests, size_t count,
                      char *msg, size_t msg_len)
{
    (void)engine;
    (void)count;
    snprintf(msg, msg_len, "MPC operation %d is not supported by this engine yet",
             count ? (int)requests[0].kind : -1);
    return STOFFEL_ERR_UNSUPPORTED;
}
