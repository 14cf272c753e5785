/* status.c - descriptions of libstoffelmpc's status codes; other codes go to the layer below. */
#include <stoffel/mpc.h>

const char *stoffel_mpc_strerror(int status)
{
    switch (status) {
    case STOFFEL_MPC_ERR_BOUND: return "the number of parties and the threshold violate the security bound";
    case STOFFEL_MPC_ERR_NOT_IN_FIELD: return "an encoded field element is not below the field's prime";
    case STOFFEL_MPC_ERR_CAPACITY: return "the field is too small for the requested bit widths";
    case STOFFEL_MPC_ERR_INCONSISTENT: return "shares do not lie on one polynomial of the expected degree";
    case STOFFEL_MPC_ERR_DECODE: return "robust reconstruction could not correct the wrong shares";
    case STOFFEL_MPC_ERR_PREPROCESSING: return "preprocessing material ran out or could not be generated";
    case STOFFEL_MPC_ERR_PEER: return "a peer misbehaved";
    case STOFFEL_MPC_ERR_OVERFLOW: return "a value does not fit the requested encoding";
    default: return stoffel_net_strerror(status);
    }
}
