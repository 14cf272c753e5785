// headers_cxx.cpp - every public header compiles as C++ (and links: the declarations carry C linkage).
#include <stoffel/status.h>
#include <stoffel/net.h>
#include <stoffel/mpc.h>
#include <stoffel/vm.h>
#include <stoffel/lang.h>

#include <cstring>

int main()
{
    return std::strcmp(stoffel_lang_version(), STOFFEL_LANG_VERSION_STRING) == 0 &&
                   std::strcmp(stoffel_net_version(), STOFFEL_NET_VERSION_STRING) == 0
               ? 0
               : 1;
}
