/* status.c - descriptions of libstoffelmpc's status codes; other codes go to the layer below. */
#include <stoffel/mpc.h>

const char *stoffel_mpc_strerror(int status)
{
    switch (status) {
    default: return stoffel_net_strerror(status);
    }
}
