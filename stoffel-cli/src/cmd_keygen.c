/*
 * cmd_keygen.c - `stoffel keygen`: creates a party's or client's identity (Ed25519 key pair and
 * self-signed certificate) and prints the fingerprint to pin in the network configuration.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stoffel/net.h>

#include "cli.h"

static const char keygen_usage[] =
    "Usage: stoffel keygen [--out DIR] [--name NAME] [--days N]\n"
    "\n"
    "Creates an identity for a party or client: DIR/NAME.key (private key, PEM, mode 0600)\n"
    "and DIR/NAME.crt (self-signed certificate, PEM), then prints the certificate's SHA-256\n"
    "fingerprint, which goes into the network configuration ([[party]] fingerprint = ...).\n"
    "An existing key file is never overwritten.\n"
    "\n"
    "Options:\n"
    "  --out DIR    directory to write into (default: the current directory)\n"
    "  --name NAME  file name stem and certificate name (default: party)\n"
    "  --days N     validity in days from now (default: 7300)\n";

/* Accepts "--flag value" and "--flag=value"; returns the value or NULL (and advances *i). */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != 0)
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

static bool name_ok(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

int cmd_keygen(int argc, char **argv)
{
    const char *out = ".", *name = "party";
    long days = 7300;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(keygen_usage, stdout);
            return CLI_EXIT_OK;
        } else if ((v = flag_value(argc, argv, &i, "--out"))) {
            if (!*v)
                return cli_usage_error("--out needs a directory");
            out = v;
        } else if ((v = flag_value(argc, argv, &i, "--name"))) {
            if (!name_ok(v))
                return cli_usage_error("--name `%s` must be 1-64 letters, digits, '-', '_' or '.'",
                                       v);
            name = v;
        } else if ((v = flag_value(argc, argv, &i, "--days"))) {
            char *end;
            errno = 0;
            days = strtol(v, &end, 10);
            if (errno || *end || end == v || days < 1 || days > 36500)
                return cli_usage_error("--days `%s` must be a whole number from 1 to 36500", v);
        } else {
            return cli_usage_error("unknown argument `%s`; see `stoffel keygen --help`", argv[i]);
        }
    }
    char cert_path[4096], key_path[4096];
    if (snprintf(cert_path, sizeof cert_path, "%s/%s.crt", out, name) >= (int)sizeof cert_path ||
        snprintf(key_path, sizeof key_path, "%s/%s.key", out, name) >= (int)sizeof key_path)
        return cli_usage_error("--out path is too long");
    stoffel_net_identity_options opts;
    stoffel_net_identity_options_defaults(&opts);
    opts.common_name = name;
    opts.not_before = (int64_t)time(NULL) - 3600;
    opts.not_after = (int64_t)time(NULL) + (int64_t)days * 86400;
    stoffel_net_identity *id = NULL;
    int rc = stoffel_net_identity_generate(&opts, &id);
    if (rc)
        return cli_error("cannot generate a key pair: %s", stoffel_net_strerror(rc));
    char err[512] = "";
    rc = stoffel_net_identity_save(id, cert_path, key_path, err, sizeof err);
    if (rc) {
        stoffel_net_identity_free(id);
        return cli_error("%s", err[0] ? err : stoffel_net_strerror(rc));
    }
    uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN];
    char text[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1];
    stoffel_net_identity_fingerprint(id, fp);
    stoffel_net_fingerprint_format(fp, text);
    stoffel_net_identity_free(id);
    printf("Wrote %s (private key, mode 0600; keep it secret) and %s\n", key_path, cert_path);
    printf("fingerprint = \"%s\"\n", text);
    return CLI_EXIT_OK;
}
