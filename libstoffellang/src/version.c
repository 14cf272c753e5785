/* version.c - the version of libstoffellang as built (from meson's project version, not the header). */
#include <stoffel/lang.h>

const char *stoffel_lang_version(void)
{
    return STOFFEL_LANG_BUILD_VERSION;
}

unsigned stoffel_lang_version_number(void)
{
    return STOFFEL_LANG_BUILD_VERSION_MAJOR * 10000u + STOFFEL_LANG_BUILD_VERSION_MINOR * 100u +
           STOFFEL_LANG_BUILD_VERSION_PATCH;
}
