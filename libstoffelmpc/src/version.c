/* version.c - the version of libstoffelmpc as built (from meson's project version, not the header). */
#include <stoffel/mpc.h>

const char *stoffel_mpc_version(void)
{
    return STOFFEL_MPC_BUILD_VERSION;
}

unsigned stoffel_mpc_version_number(void)
{
    return STOFFEL_MPC_BUILD_VERSION_MAJOR * 10000u + STOFFEL_MPC_BUILD_VERSION_MINOR * 100u +
           STOFFEL_MPC_BUILD_VERSION_PATCH;
}
