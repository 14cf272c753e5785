/* consumer.c - a program outside the tree that uses the installed libraries through pkg-config
 * only (built by install_test.sh). It calls into libstoffelvm and libstoffelmpc and checks that
 * the loaded libraries match the headers it was compiled against. */
#include <stdio.h>
#include <string.h>

#include <stoffel/mpc.h>
#include <stoffel/vm.h>

int main(void)
{
    if (strcmp(stoffel_vm_version(), STOFFEL_VM_VERSION_STRING) != 0 ||
        strcmp(stoffel_mpc_version(), STOFFEL_MPC_VERSION_STRING) != 0) {
        fprintf(stderr, "version mismatch: vm %s/%s mpc %s/%s\n", stoffel_vm_version(),
                STOFFEL_VM_VERSION_STRING, stoffel_mpc_version(), STOFFEL_MPC_VERSION_STRING);
        return 1;
    }
    printf("consumer: libstoffelvm %s, libstoffelmpc %s, %s\n", stoffel_vm_version(),
           stoffel_mpc_version(), stoffel_vm_strerror(STOFFEL_ERR_TIMEOUT));
    return 0;
}
