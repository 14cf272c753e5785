/* status.c - descriptions of libstoffelvm's status codes; other codes go to the layer below. */
#include <stoffel/vm.h>

const char *stoffel_vm_strerror(int status)
{
    switch (status) {
    case STOFFEL_VM_ERR_RUNTIME: return "the program failed at run time";
    case STOFFEL_VM_ERR_TYPE: return "an operation got a value of the wrong type";
    case STOFFEL_VM_ERR_OVERFLOW: return "integer overflow";
    case STOFFEL_VM_ERR_DIV_ZERO: return "division or modulo by zero";
    case STOFFEL_VM_ERR_NO_ENGINE: return "a secret operation needs an MPC engine, and none is attached";
    case STOFFEL_VM_ERR_DUPLICATE: return "a name was defined twice";
    case STOFFEL_VM_ERR_ARITY: return "a function was called with the wrong number of arguments";
    default: return stoffel_mpc_strerror(status);
    }
}
