/*
 * identity.c - key pairs and self-signed certificates (GnuTLS): generation, PEM files (private
 * key written 0600, buffers zeroed), fingerprints, and the checks applied to a peer's certificate
 * during the handshake (parses, within its validity period, correctly self-signed).
 */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net_identity.h"

void stoffel_net_identity_options_defaults(stoffel_net_identity_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
}

static int finish_identity(stoffel_net_identity *id)
{
    gnutls_datum_t der = {0};
    if (gnutls_x509_crt_export2(id->crt, GNUTLS_X509_FMT_DER, &der) < 0)
        return STOFFEL_NET_ERR_CRYPTO;
    id->cert_der = malloc(der.size);
    if (!id->cert_der) {
        gnutls_free(der.data);
        return STOFFEL_ERR_NOMEM;
    }
    memcpy(id->cert_der, der.data, der.size);
    id->cert_der_len = der.size;
    gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, id->fp);
    gnutls_free(der.data);
    return STOFFEL_OK;
}

void stoffel_net_identity_free(stoffel_net_identity *id)
{
    if (!id)
        return;
    if (id->crt)
        gnutls_x509_crt_deinit(id->crt);
    if (id->key)
        gnutls_x509_privkey_deinit(id->key); /* GnuTLS clears the key material */
    free(id->cert_der);
    sodium_memzero(id, sizeof *id);
    free(id);
}

int stoffel_net_identity_generate(const stoffel_net_identity_options *opts,
                                  stoffel_net_identity **out)
{
    if (!out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    stoffel_net_identity_options o;
    stoffel_net_identity_options_defaults(&o);
    if (opts) {
        size_t sz = opts->struct_size < sizeof o ? opts->struct_size : sizeof o;
        memcpy(&o, opts, sz);
    }
    int64_t now = (int64_t)time(NULL);
    int64_t nb = o.not_before ? o.not_before : now - 3600;
    int64_t na = o.not_after ? o.not_after : nb + (int64_t)20 * 365 * 24 * 3600;
    if (na <= nb)
        return STOFFEL_ERR_INVALID_ARG;
    const char *cn = o.common_name ? o.common_name : "stoffel";

    stoffel_net_identity *id = calloc(1, sizeof *id);
    if (!id)
        return STOFFEL_ERR_NOMEM;
    int rc = STOFFEL_NET_ERR_CRYPTO;
    unsigned char serial[16];
    randombytes_buf(serial, sizeof serial);
    serial[0] &= 0x7f; /* positive */
    if (gnutls_x509_privkey_init(&id->key) < 0 ||
        gnutls_x509_privkey_generate(id->key, GNUTLS_PK_EDDSA_ED25519, 0, 0) < 0 ||
        gnutls_x509_crt_init(&id->crt) < 0 || gnutls_x509_crt_set_version(id->crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(id->crt, serial, sizeof serial) < 0 ||
        gnutls_x509_crt_set_activation_time(id->crt, (time_t)nb) < 0 ||
        gnutls_x509_crt_set_expiration_time(id->crt, (time_t)na) < 0 ||
        gnutls_x509_crt_set_dn_by_oid(id->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                      (unsigned)strlen(cn)) < 0 ||
        gnutls_x509_crt_set_key(id->crt, id->key) < 0 ||
        gnutls_x509_crt_set_subject_alt_name(id->crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                             GNUTLS_FSAN_SET) < 0 ||
        gnutls_x509_crt_set_basic_constraints(id->crt, 0, -1) < 0 ||
        gnutls_x509_crt_set_key_usage(id->crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
        gnutls_x509_crt_set_key_purpose_oid(id->crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
        gnutls_x509_crt_set_key_purpose_oid(id->crt, GNUTLS_KP_TLS_WWW_CLIENT, 0) < 0 ||
        gnutls_x509_crt_sign2(id->crt, id->crt, id->key, GNUTLS_DIG_SHA512, 0) < 0)
        goto fail;
    if ((rc = finish_identity(id)))
        goto fail;
    *out = id;
    return STOFFEL_OK;
fail:
    stoffel_net_identity_free(id);
    return rc;
}

/* Reads a whole file into a gnutls datum (caller zeroes and frees it with gnutls_free). */
static int read_file(const char *path, gnutls_datum_t *d, char *errbuf, size_t errbuf_len)
{
    int r = gnutls_load_file(path, d);
    if (r < 0) {
        net_errbuf(errbuf, errbuf_len, "%s: cannot read the file (does it exist?)", path);
        return STOFFEL_ERR_IO;
    }
    return STOFFEL_OK;
}

int stoffel_net_identity_load(const char *cert_path, const char *key_path,
                              stoffel_net_identity **out, char *errbuf, size_t errbuf_len)
{
    if (!cert_path || !key_path || !out)
        return STOFFEL_ERR_INVALID_ARG;
    *out = NULL;
    gnutls_datum_t cd = {0}, kd = {0};
    int rc = read_file(cert_path, &cd, errbuf, errbuf_len);
    if (rc)
        return rc;
    if ((rc = read_file(key_path, &kd, errbuf, errbuf_len))) {
        gnutls_free(cd.data);
        return rc;
    }
    stoffel_net_identity *id = calloc(1, sizeof *id);
    if (!id) {
        rc = STOFFEL_ERR_NOMEM;
        goto done;
    }
    rc = STOFFEL_ERR_MALFORMED;
    if (gnutls_x509_crt_init(&id->crt) < 0 || gnutls_x509_privkey_init(&id->key) < 0) {
        rc = STOFFEL_ERR_NOMEM;
        goto done;
    }
    if (gnutls_x509_crt_import(id->crt, &cd, GNUTLS_X509_FMT_PEM) < 0 &&
        gnutls_x509_crt_import(id->crt, &cd, GNUTLS_X509_FMT_DER) < 0) {
        net_errbuf(errbuf, errbuf_len, "%s: not an X.509 certificate (PEM or DER); generate one "
                   "with `stoffel keygen`", cert_path);
        goto done;
    }
    if (gnutls_x509_privkey_import2(id->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0) < 0 &&
        gnutls_x509_privkey_import2(id->key, &kd, GNUTLS_X509_FMT_DER, NULL, 0) < 0) {
        net_errbuf(errbuf, errbuf_len, "%s: not an unencrypted private key (PEM or DER); "
                   "generate one with `stoffel keygen`", key_path);
        goto done;
    }
    unsigned char kid1[64], kid2[64];
    size_t l1 = sizeof kid1, l2 = sizeof kid2;
    if (gnutls_x509_crt_get_key_id(id->crt, 0, kid1, &l1) < 0 ||
        gnutls_x509_privkey_get_key_id(id->key, 0, kid2, &l2) < 0 || l1 != l2 ||
        memcmp(kid1, kid2, l1) != 0) {
        net_errbuf(errbuf, errbuf_len, "%s does not belong to the certificate %s; use the key "
                   "file written together with that certificate", key_path, cert_path);
        rc = STOFFEL_NET_ERR_CRYPTO;
        goto done;
    }
    if ((rc = finish_identity(id)))
        goto done;
    *out = id;
    id = NULL;
done:
    stoffel_net_identity_free(id);
    gnutls_free(cd.data);
    if (kd.data) {
        sodium_memzero(kd.data, kd.size);
        gnutls_free(kd.data);
    }
    return rc;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int stoffel_net_identity_save(const stoffel_net_identity *id, const char *cert_path,
                              const char *key_path, char *errbuf, size_t errbuf_len)
{
    if (!id || !cert_path || !key_path)
        return STOFFEL_ERR_INVALID_ARG;
    gnutls_datum_t cp = {0}, kp = {0};
    int rc = STOFFEL_NET_ERR_CRYPTO;
    int fd = -1;
    if (gnutls_x509_crt_export2(id->crt, GNUTLS_X509_FMT_PEM, &cp) < 0 ||
        gnutls_x509_privkey_export2_pkcs8(id->key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                          &kp) < 0)
        goto done;
    rc = STOFFEL_ERR_IO;
    /* O_EXCL: never overwrite (or follow a planted link to) an existing key file. */
    fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        net_errbuf(errbuf, errbuf_len, "%s: cannot create the key file: %s%s", key_path,
                   strerror(errno), errno == EEXIST ? " (remove it first if you mean to replace "
                                                      "it)" : "");
        goto done;
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, kp.data, kp.size) != 0 || fsync(fd) != 0) {
        net_errbuf(errbuf, errbuf_len, "%s: cannot write the key file: %s", key_path,
                   strerror(errno));
        close(fd);
        unlink(key_path);
        goto done;
    }
    close(fd);
    fd = open(cert_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, cp.data, cp.size) != 0) {
        net_errbuf(errbuf, errbuf_len, "%s: cannot write the certificate: %s", cert_path,
                   strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    close(fd);
    rc = STOFFEL_OK;
done:
    gnutls_free(cp.data);
    if (kp.data) {
        sodium_memzero(kp.data, kp.size);
        gnutls_free(kp.data);
    }
    return rc;
}

void stoffel_net_identity_fingerprint(const stoffel_net_identity *id,
                                      uint8_t out[STOFFEL_NET_FINGERPRINT_LEN])
{
    if (id && out)
        memcpy(out, id->fp, STOFFEL_NET_FINGERPRINT_LEN);
}

void stoffel_net_fingerprint_format(const uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN],
                                    char out[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    for (size_t i = 0; i < STOFFEL_NET_FINGERPRINT_LEN; i++) {
        out[7 + 2 * i] = hex[fp[i] >> 4];
        out[8 + 2 * i] = hex[fp[i] & 15];
    }
    out[STOFFEL_NET_FINGERPRINT_TEXT_LEN] = 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int stoffel_net_fingerprint_parse(const char *text, uint8_t out[STOFFEL_NET_FINGERPRINT_LEN])
{
    if (!text || !out)
        return STOFFEL_ERR_INVALID_ARG;
    if (strncmp(text, "sha256:", 7) == 0 || strncmp(text, "SHA256:", 7) == 0)
        text += 7;
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    for (size_t i = 0; i < STOFFEL_NET_FINGERPRINT_LEN; i++) {
        if (i > 0 && *text == ':')
            text++;
        int h = hexval(text[0]), l = h >= 0 ? hexval(text[1]) : -1;
        if (h < 0 || l < 0)
            return STOFFEL_ERR_MALFORMED;
        fp[i] = (uint8_t)(h << 4 | l);
        text += 2;
    }
    if (*text)
        return STOFFEL_ERR_MALFORMED;
    memcpy(out, fp, sizeof fp);
    return STOFFEL_OK;
}

/* --- checking a peer's certificate ------------------------------------------------------------ */

/* Reads a DER tag+length at p[0..n): sets *hdr (header length) and *len (content length). */
static bool der_header(const uint8_t *p, size_t n, size_t *hdr, size_t *len)
{
    if (n < 2)
        return false;
    size_t l = p[1], h = 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k)
            return false;
        l = 0;
        for (size_t i = 0; i < k; i++)
            l = l << 8 | p[2 + i];
        h += k;
    }
    if (l > n - h)
        return false;
    *hdr = h;
    *len = l;
    return true;
}

int net_check_peer_certificate(const uint8_t *der, size_t der_len,
                               uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN], char *why, size_t why_len)
{
    gnutls_hash_fast(GNUTLS_DIG_SHA256, der, der_len, fp);
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    int rc = STOFFEL_NET_ERR_PEER_REFUSED;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)der_len};
    if (gnutls_x509_crt_init(&crt) < 0)
        return STOFFEL_ERR_NOMEM;
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
        net_errbuf(why, why_len, "the peer's certificate is not valid X.509");
        goto done;
    }
    time_t now = time(NULL);
    if (gnutls_x509_crt_get_activation_time(crt) > now) {
        net_errbuf(why, why_len, "the peer's certificate is not valid yet");
        goto done;
    }
    if (gnutls_x509_crt_get_expiration_time(crt) < now) {
        net_errbuf(why, why_len, "the peer's certificate has expired (renew it with `stoffel "
                   "keygen` and update the pinned fingerprint)");
        goto done;
    }
    /* The self-signature over the TBSCertificate: Certificate ::= SEQUENCE { tbs, alg, sig }. */
    size_t h, l, th, tl;
    if (!der_header(der, der_len, &h, &l) || der[0] != 0x30 ||
        !der_header(der + h, l, &th, &tl) || der[h] != 0x30) {
        net_errbuf(why, why_len, "the peer's certificate has a malformed structure");
        goto done;
    }
    gnutls_datum_t tbs = {(unsigned char *)der + h, (unsigned)(th + tl)};
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    int algo = gnutls_x509_crt_get_signature_algorithm(crt);
    if (gnutls_x509_crt_get_signature(crt, (char *)sig, &sig_len) < 0 || algo < 0 ||
        gnutls_pubkey_init(&pub) < 0 || gnutls_pubkey_import_x509(pub, crt, 0) < 0) {
        net_errbuf(why, why_len, "the peer's certificate has no usable signature or key");
        goto done;
    }
    gnutls_datum_t sd = {sig, (unsigned)sig_len};
    if (gnutls_pubkey_verify_data2(pub, (gnutls_sign_algorithm_t)algo, 0, &tbs, &sd) < 0) {
        net_errbuf(why, why_len, "the peer's certificate is not correctly self-signed");
        goto done;
    }
    rc = STOFFEL_OK;
done:
    if (pub)
        gnutls_pubkey_deinit(pub);
    gnutls_x509_crt_deinit(crt);
    return rc;
}
