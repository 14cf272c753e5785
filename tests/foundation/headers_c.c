/* headers_c.c - every public header compiles on its own as strict C11 and calls link. */
#include <stoffel/lang.h>
#include <stoffel/mpc.h>
#include <stoffel/net.h>
#include <stoffel/status.h>
#include <stoffel/vm.h>

#include <string.h>

int main(void)
{
    return strcmp(stoffel_mpc_version(), STOFFEL_MPC_VERSION_STRING) == 0 &&
                   strcmp(stoffel_vm_version(), STOFFEL_VM_VERSION_STRING) == 0
               ? 0
               : 1;
}
