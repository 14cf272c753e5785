/*
 * quic_tls.c - TLS 1.3 for the QUIC transport (GnuTLS through ngtcp2_crypto_gnutls): credentials
 * from the endpoint's identity, client and server sessions with ALPN, and the certificate check
 * that decides during the handshake whether a peer is accepted (pinning, allowlist, validity).
 */
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <stdio.h>
#include <string.h>

#include "quic_internal.h"

#define QUIC_TLS_PRIORITY                                                                      \
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:"       \
    "+AES-256-GCM:+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1"

/* Decides whether the peer's certificate is acceptable on this connection. */
static int verify_peer(gnutls_session_t session)
{
    ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);
    quic_conn *c = ref->user_data;
    quic_endpoint *ep = c->ep;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
    if (!certs || n == 0) {
        snprintf(c->why, sizeof c->why, "the peer presented no certificate");
        return GNUTLS_E_CERTIFICATE_ERROR;
    }
    if (net_check_peer_certificate(certs[0].data, certs[0].size, c->peer_fp, c->why,
                                   sizeof c->why))
        return GNUTLS_E_CERTIFICATE_ERROR;
    char fptext[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1];
    stoffel_net_fingerprint_format(c->peer_fp, fptext);
    if (c->is_dialer) {
        if (c->link->kind == STOFFEL_NET_PEER_PARTY &&
            memcmp(c->peer_fp, c->link->key, STOFFEL_NET_FINGERPRINT_LEN) != 0) {
            snprintf(c->why, sizeof c->why, "party %u presented certificate %s, which is not the "
                     "one pinned for it in the network configuration", c->link->party_id, fptext);
            return GNUTLS_E_CERTIFICATE_ERROR;
        }
        c->peer_party = (int)c->link->party_id;
        c->peer_ok = true;
        return 0;
    }
    gnutls_datum_t alpn = {0};
    if (gnutls_alpn_get_selected_protocol(session, &alpn) < 0) {
        snprintf(c->why, sizeof c->why, "no ALPN protocol negotiated");
        return GNUTLS_E_CERTIFICATE_ERROR;
    }
    if (alpn.size == strlen(QUIC_ALPN_PARTY) && memcmp(alpn.data, QUIC_ALPN_PARTY, alpn.size) == 0) {
        int p = net_config_party_by_fingerprint(ep->cfg, c->peer_fp);
        if (p < 0 || p == ep->net->my_id) {
            snprintf(c->why, sizeof c->why, "refused a party connection from %s: unknown peer "
                     "(certificate not pinned in the network configuration)", fptext);
            return GNUTLS_E_CERTIFICATE_ERROR;
        }
        if ((uint32_t)p < (uint32_t)ep->net->my_id) {
            snprintf(c->why, sizeof c->why, "refused a party connection from party %d: the "
                     "party with the higher id dials", p);
            return GNUTLS_E_CERTIFICATE_ERROR;
        }
        c->link_kind = STOFFEL_NET_PEER_PARTY;
        c->peer_party = p;
    } else {
        if (!net_config_client_allowed(ep->cfg, c->peer_fp)) {
            snprintf(c->why, sizeof c->why, "refused a client connection from %s: certificate "
                     "public key not allowed", fptext);
            return GNUTLS_E_CERTIFICATE_ERROR;
        }
        c->link_kind = STOFFEL_NET_PEER_CLIENT;
        c->peer_party = -1;
    }
    c->peer_ok = true;
    return 0;
}

int quic_tls_cred_new(quic_endpoint *ep)
{
    if (gnutls_certificate_allocate_credentials(&ep->cred) < 0)
        return STOFFEL_ERR_NOMEM;
    gnutls_x509_crt_t crt = ep->id->crt;
    if (gnutls_certificate_set_x509_key(ep->cred, &crt, 1, ep->id->key) < 0)
        return STOFFEL_NET_ERR_CRYPTO;
    gnutls_certificate_set_verify_function(ep->cred, verify_peer);
    return STOFFEL_OK;
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref)
{
    return ((quic_conn *)ref->user_data)->conn;
}

int quic_tls_session_new(quic_conn *c)
{
    unsigned flags = (c->is_dialer ? GNUTLS_CLIENT : GNUTLS_SERVER) | GNUTLS_NO_END_OF_EARLY_DATA;
    if (gnutls_init(&c->tls, flags) < 0)
        return STOFFEL_ERR_NOMEM;
    int r = c->is_dialer ? ngtcp2_crypto_gnutls_configure_client_session(c->tls)
                         : ngtcp2_crypto_gnutls_configure_server_session(c->tls);
    if (r != 0)
        return STOFFEL_NET_ERR_CRYPTO;
    if (gnutls_priority_set_direct(c->tls, QUIC_TLS_PRIORITY, NULL) < 0 ||
        gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->ep->cred) < 0)
        return STOFFEL_NET_ERR_CRYPTO;
    c->conn_ref.get_conn = get_conn;
    c->conn_ref.user_data = c;
    gnutls_session_set_ptr(c->tls, &c->conn_ref);
    if (c->is_dialer) {
        const char *proto = c->link->kind == STOFFEL_NET_PEER_PARTY && c->ep->net->my_id >= 0
                                ? QUIC_ALPN_PARTY : QUIC_ALPN_CLIENT;
        gnutls_datum_t alpn = {(unsigned char *)proto, (unsigned)strlen(proto)};
        if (gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0 ||
            gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, "localhost", 9) < 0)
            return STOFFEL_NET_ERR_CRYPTO;
    } else {
        gnutls_datum_t alpn[2] = {
            {(unsigned char *)QUIC_ALPN_PARTY, (unsigned)strlen(QUIC_ALPN_PARTY)},
            {(unsigned char *)QUIC_ALPN_CLIENT, (unsigned)strlen(QUIC_ALPN_CLIENT)},
        };
        if (gnutls_alpn_set_protocols(c->tls, alpn, 2, GNUTLS_ALPN_MANDATORY) < 0)
            return STOFFEL_NET_ERR_CRYPTO;
        gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUIRE);
    }
    return STOFFEL_OK;
}
