/* status.c - descriptions of libstoffellang's status codes; other codes go to the layer below. */
#include <stoffel/lang.h>

const char *stoffel_lang_strerror(int status)
{
    switch (status) {
    case STOFFEL_LANG_ERR_COMPILE: return "the program has compile errors (see the diagnostics)";
    default: return stoffel_vm_strerror(status);
    }
}
