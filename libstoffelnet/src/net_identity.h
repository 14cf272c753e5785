/* net_identity.h - the identity structure and the peer-certificate check (private). */
#ifndef STOFFEL_NET_IDENTITY_H
#define STOFFEL_NET_IDENTITY_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "net_internal.h"

struct stoffel_net_identity {
    gnutls_x509_crt_t crt;
    gnutls_x509_privkey_t key;
    uint8_t *cert_der;
    size_t cert_der_len;
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN]; /* SHA-256 of cert_der */
};

/* Computes the certificate's fingerprint into fp, then checks that it parses, is within its
 * validity period and is correctly self-signed. Returns 0 or STOFFEL_NET_ERR_PEER_REFUSED with the
 * reason in why. */
int net_check_peer_certificate(const uint8_t *der, size_t der_len,
                               uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN], char *why, size_t why_len);

#endif
