/*
 * test_identity.c - identities: generation, PEM files (key mode 0600, no overwrite), loading,
 * mismatched and garbage files, fingerprints.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stoffel/net.h>

#include "test_util.h"

static char path_cert[64], path_key[64], path_cert2[64], path_key2[64];

static void test_roundtrip(void)
{
    stoffel_net_identity *a = NULL, *b = NULL, *c = NULL;
    char err[300] = "";
    CHECK_EQ_INT(stoffel_net_identity_generate(NULL, &a), 0);
    CHECK_EQ_INT(stoffel_net_identity_generate(NULL, &b), 0);
    uint8_t fa[32], fb[32], fc[32];
    stoffel_net_identity_fingerprint(a, fa);
    stoffel_net_identity_fingerprint(b, fb);
    CHECK(memcmp(fa, fb, 32) != 0);
    CHECK_EQ_INT(stoffel_net_identity_save(a, path_cert, path_key, err, sizeof err), 0);
    struct stat st;
    CHECK(stat(path_key, &st) == 0 && (st.st_mode & 0777) == 0600);
    /* never overwrite a key */
    CHECK_EQ_INT(stoffel_net_identity_save(b, path_cert, path_key, err, sizeof err), STOFFEL_ERR_IO);
    CHECK(strstr(err, "remove it first") != NULL);
    CHECK_EQ_INT(stoffel_net_identity_load(path_cert, path_key, &c, err, sizeof err), 0);
    stoffel_net_identity_fingerprint(c, fc);
    CHECK(memcmp(fa, fc, 32) == 0);
    stoffel_net_identity_free(c);
    /* a key that does not belong to the certificate */
    CHECK_EQ_INT(stoffel_net_identity_save(b, path_cert2, path_key2, err, sizeof err), 0);
    CHECK_EQ_INT(stoffel_net_identity_load(path_cert, path_key2, &c, err, sizeof err),
                 STOFFEL_NET_ERR_CRYPTO);
    CHECK(c == NULL);
    CHECK(strstr(err, "does not belong to the certificate") != NULL);
    /* garbage instead of a certificate or a key */
    FILE *f = fopen(path_cert2, "w");
    fputs("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", f);
    fclose(f);
    CHECK_EQ_INT(stoffel_net_identity_load(path_cert2, path_key, &c, err, sizeof err),
                 STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "not an X.509 certificate") != NULL);
    CHECK_EQ_INT(stoffel_net_identity_load(path_cert, path_cert, &c, err, sizeof err),
                 STOFFEL_ERR_MALFORMED);
    CHECK(strstr(err, "not an unencrypted private key") != NULL);
    CHECK_EQ_INT(stoffel_net_identity_load("/nonexistent.crt", path_key, &c, err, sizeof err),
                 STOFFEL_ERR_IO);
    stoffel_net_identity_free(a);
    stoffel_net_identity_free(b);
}

static void test_options(void)
{
    stoffel_net_identity_options o;
    stoffel_net_identity_options_defaults(&o);
    o.not_before = 2000;
    o.not_after = 1000;
    stoffel_net_identity *id = NULL;
    CHECK_EQ_INT(stoffel_net_identity_generate(&o, &id), STOFFEL_ERR_INVALID_ARG);
    CHECK(id == NULL);
}

int main(void)
{
    int pid = (int)getpid();
    snprintf(path_cert, sizeof path_cert, "/tmp/stoffel_id_%d_a.crt", pid);
    snprintf(path_key, sizeof path_key, "/tmp/stoffel_id_%d_a.key", pid);
    snprintf(path_cert2, sizeof path_cert2, "/tmp/stoffel_id_%d_b.crt", pid);
    snprintf(path_key2, sizeof path_key2, "/tmp/stoffel_id_%d_b.key", pid);
    test_roundtrip();
    test_options();
    unlink(path_cert);
    unlink(path_key);
    unlink(path_cert2);
    unlink(path_key2);
    return test_finish();
}
