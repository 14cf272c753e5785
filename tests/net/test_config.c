/*
 * test_config.c - the network configuration file: a valid file read exactly, and every kind of
 * wrong content rejected with the place and a fix.
 */
#include <stdio.h>
#include <unistd.h>

#include <stoffel/net.h>

#include "test_util.h"

#define FP0 "sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define FP2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define FP1 "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static void test_valid(void)
{
    const char *text = "[network]\nparties = 3\nthreshold = 1\n\n"
                       "[[party]]\nid = 1\naddress = \"[::1]:9001\"\nfingerprint = \"" FP1 "\"\n"
                       "[[party]]\nid = 0\naddress = \"127.0.0.1:9000\"\nfingerprint = \"" FP0 "\"\n"
                       "[[party]]\nid = 2\naddress = \"localhost:9002\"\nfingerprint = \"" FP2 "\"\n"
                       "[[client]]\nname = \"alice\"\nfingerprint = \"" FP0 "\"\n";
    stoffel_net_config *cfg = NULL;
    char err[256] = "";
    CHECK_EQ_INT(stoffel_net_config_parse(text, strlen(text), "net.toml", &cfg, err, sizeof err), 0);
    CHECK_MSG(cfg != NULL, "%s", err);
    if (!cfg)
        return;
    CHECK_EQ_INT(stoffel_net_config_party_count(cfg), 3);
    CHECK_EQ_INT(stoffel_net_config_threshold(cfg), 1);
    const char *host;
    uint16_t port;
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    CHECK_EQ_INT(stoffel_net_config_party(cfg, 0, &host, &port, fp), 0);
    CHECK_EQ_STR(host, "127.0.0.1");
    CHECK_EQ_INT(port, 9000);
    for (int i = 0; i < 32; i++)
        CHECK_EQ_INT(fp[i], i);
    CHECK_EQ_INT(stoffel_net_config_party(cfg, 1, &host, &port, fp), 0);
    CHECK_EQ_STR(host, "::1");
    CHECK_EQ_INT(port, 9001);
    CHECK_EQ_INT(fp[31], 0xaa);
    CHECK_EQ_INT(stoffel_net_config_party(cfg, 3, &host, &port, fp), STOFFEL_ERR_INVALID_ARG);
    char text_fp[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1];
    stoffel_net_fingerprint_format(fp, text_fp);
    CHECK_EQ_STR(text_fp, "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    stoffel_net_config_free(cfg);
}

static void expect(const char *text, int status, const char *msg)
{
    stoffel_net_config *cfg = NULL;
    char err[300] = "";
    CHECK_EQ_INT(stoffel_net_config_parse(text, strlen(text), "net.toml", &cfg, err, sizeof err),
                 status);
    CHECK(cfg == NULL);
    CHECK_MSG(strstr(err, msg) != NULL, "got \"%s\", want \"%s\"", err, msg);
}

#define PARTY(id, addr, fp) "[[party]]\nid = " id "\naddress = \"" addr "\"\nfingerprint = \"" fp "\"\n"

static void test_invalid(void)
{
    expect("", STOFFEL_NET_ERR_CONFIG, "no parties: add one [[party]] table");
    expect("[network\n", STOFFEL_ERR_MALFORMED, "net.toml:1:9: expected ']'");
    expect(PARTY("1", "127.0.0.1:1", FP0), STOFFEL_NET_ERR_CONFIG,
           "net.toml:2:6: party id 1 is out of range; ids must be 0..0");
    expect(PARTY("0", "127.0.0.1:1", FP0) PARTY("0", "127.0.0.1:2", FP1), STOFFEL_NET_ERR_CONFIG,
           "net.toml:6:6: party id 0 appears twice");
    expect(PARTY("0", "127.0.0.1:1", FP0) PARTY("1", "127.0.0.1:2", FP0), STOFFEL_NET_ERR_CONFIG,
           "parties 0 and 1 pin the same fingerprint");
    expect(PARTY("0", "example.com:1", FP0), STOFFEL_NET_ERR_CONFIG,
           "net.toml:3:11: address \"example.com:1\" is not host:port");
    expect(PARTY("0", "127.0.0.1:70000", FP0), STOFFEL_NET_ERR_CONFIG, "is not host:port");
    expect(PARTY("0", "127.0.0.1:1", "sha256:abc"), STOFFEL_NET_ERR_CONFIG,
           "net.toml:4:15: fingerprint is not \"sha256:\" followed by 64 hex digits");
    expect("[[party]]\nid = 0\nfingerprint = \"" FP0 "\"\n", STOFFEL_NET_ERR_CONFIG,
           "needs address = \"host:port\"");
    expect("[[party]]\nid = \"0\"\n", STOFFEL_NET_ERR_CONFIG, "net.toml:2:6: [[party]] needs an integer id");
    expect(PARTY("0", "127.0.0.1:1", FP0) "port = 5\n", STOFFEL_NET_ERR_CONFIG,
           "net.toml:5:8: unknown key 'port' in [[party]]");
    expect("[network]\nparties = 3\n" PARTY("0", "127.0.0.1:1", FP0), STOFFEL_NET_ERR_CONFIG,
           "net.toml:2:11: [network] parties = that number but there are 1 [[party]] tables");
    expect("[network]\nthreshold = 1\n" PARTY("0", "127.0.0.1:1", FP0) PARTY("1", "127.0.0.1:2", FP1),
           STOFFEL_NET_ERR_CONFIG, "net.toml:2:13: threshold must be an integer t >= 1 with parties >= 2t+1");
    expect("[networks]\n" PARTY("0", "127.0.0.1:1", FP0), STOFFEL_NET_ERR_CONFIG,
           "unknown section 'networks'");
    expect(PARTY("0", "127.0.0.1:1", FP0) "[[client]]\nfingerprint = 5\n", STOFFEL_NET_ERR_CONFIG,
           "[[client]] needs fingerprint");
}

static void test_fingerprints(void)
{
    uint8_t fp[32];
    CHECK_EQ_INT(stoffel_net_fingerprint_parse(FP0 + 7, fp), 0); /* prefix optional */
    CHECK_EQ_INT(fp[1], 1);
    CHECK_EQ_INT(stoffel_net_fingerprint_parse("00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:"
                                               "10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f",
                                               fp), 0);
    CHECK_EQ_INT(fp[31], 0x1f);
    CHECK_EQ_INT(stoffel_net_fingerprint_parse(FP0 "00", fp), STOFFEL_ERR_MALFORMED);
    CHECK_EQ_INT(stoffel_net_fingerprint_parse("sha256:zz", fp), STOFFEL_ERR_MALFORMED);
    CHECK_EQ_INT(stoffel_net_fingerprint_parse("", fp), STOFFEL_ERR_MALFORMED);
}

static void test_load_file(void)
{
    stoffel_net_config *cfg = NULL;
    char err[300] = "";
    CHECK_EQ_INT(stoffel_net_config_load("/nonexistent/net.toml", &cfg, err, sizeof err),
                 STOFFEL_ERR_IO);
    CHECK(strstr(err, "/nonexistent/net.toml: cannot open") != NULL);
    char path[64];
    snprintf(path, sizeof path, "/tmp/stoffel_cfg_%d.toml", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(PARTY("0", "localhost:0", FP0), f);
    fclose(f);
    CHECK_EQ_INT(stoffel_net_config_load(path, &cfg, err, sizeof err), 0);
    stoffel_net_config_free(cfg);
    remove(path);
}

int main(void)
{
    test_valid();
    test_invalid();
    test_fingerprints();
    test_load_file();
    return test_finish();
}
