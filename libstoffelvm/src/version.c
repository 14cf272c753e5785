/* version.c - the version of libstoffelvm as built (from meson's project version, not the header). */
#include <stoffel/vm.h>

const char *stoffel_vm_version(void)
{
    return STOFFEL_VM_BUILD_VERSION;
}

unsigned stoffel_vm_version_number(void)
{
    return STOFFEL_VM_BUILD_VERSION_MAJOR * 10000u + STOFFEL_VM_BUILD_VERSION_MINOR * 100u +
           STOFFEL_VM_BUILD_VERSION_PATCH;
}
