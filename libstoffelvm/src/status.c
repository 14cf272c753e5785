/* status.c - descriptions of libstoffelvm's status codes; other codes go to the layer below. */
#include <stoffel/vm.h>

const char *stoffel_vm_strerror(int status)
{
    switch (status) {
    default: return stoffel_mpc_strerror(status);
    }
}
