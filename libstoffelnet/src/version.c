/* version.c - the version of libstoffelnet as built (from meson's project version, not the header). */
#include <stoffel/net.h>

const char *stoffel_net_version(void)
{
    return STOFFEL_NET_BUILD_VERSION;
}

unsigned stoffel_net_version_number(void)
{
    return STOFFEL_NET_BUILD_VERSION_MAJOR * 10000u + STOFFEL_NET_BUILD_VERSION_MINOR * 100u +
           STOFFEL_NET_BUILD_VERSION_PATCH;
}
