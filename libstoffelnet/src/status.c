/* status.c - descriptions of the common status codes (stoffel/status.h) and of libstoffelnet's own. */
#include <stoffel/net.h>

const char *stoffel_net_strerror(int status)
{
    switch (status) {
    case STOFFEL_OK: return "success";
    case STOFFEL_ERR_NOMEM: return "out of memory";
    case STOFFEL_ERR_INVALID_ARG: return "invalid argument";
    case STOFFEL_ERR_MALFORMED: return "malformed input";
    case STOFFEL_ERR_LIMIT: return "limit exceeded";
    case STOFFEL_ERR_IO: return "input/output error";
    case STOFFEL_ERR_TIMEOUT: return "timed out";
    case STOFFEL_ERR_STATE: return "operation not valid in the current state";
    case STOFFEL_ERR_UNSUPPORTED: return "operation not supported";
    case STOFFEL_ERR_NOT_FOUND: return "not found";
    case STOFFEL_ERR_CANCELLED: return "cancelled";
    case STOFFEL_ERR_INTERNAL: return "internal error (a bug in Stoffel-C)";
    case STOFFEL_NET_ERR_PEER_REFUSED: return "peer refused (certificate not pinned, not allowed or not valid)";
    case STOFFEL_NET_ERR_HANDSHAKE: return "TLS/QUIC handshake failed";
    case STOFFEL_NET_ERR_CLOSED: return "connection closed";
    case STOFFEL_NET_ERR_CONFIG: return "invalid network configuration";
    case STOFFEL_NET_ERR_CRYPTO: return "key or certificate operation failed";
    case STOFFEL_NET_ERR_CONSENSUS: return "the parties disagree on the network (consensus gate)";
    default: return "unknown status code";
    }
}
