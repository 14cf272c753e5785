/* lang_cli.c - helpers shared by the compiler commands (compile, check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "lang_cli.h"

void lang_cli_print_diagnostics(const stoffel_lang_result *r)
{
    const char *no_color = getenv("NO_COLOR");
    int color = isatty(STDERR_FILENO) && !(no_color && no_color[0]);
    char *text = stoffel_lang_result_render(r, color);
    if (text) {
        fputs(text, stderr);
        free(text);
    }
}

int lang_cli_check_extension(const char *path)
{
    size_t n = strlen(path);
    if (n > 5 && strcmp(path + n - 5, ".stfl") == 0)
        return 1;
    fprintf(stderr, "Error: Source files must have .stfl extension. Got '%s'\n", path);
    fputs("Hint: StoffelLang source files end in .stfl (bytecode files end in .stflb)\n", stderr);
    return 0;
}

int lang_cli_backend(const char *name, int *out)
{
    if (!strcasecmp(name, "honeybadger") || !strcasecmp(name, "hb"))
        *out = STOFFEL_LANG_BACKEND_HONEYBADGER;
    else if (!strcasecmp(name, "avss"))
        *out = STOFFEL_LANG_BACKEND_AVSS;
    else
        return -1;
    return 0;
}

int lang_cli_curve(const char *name, int *out)
{
    static const struct { const char *name; int id; } curves[] = {
        {"bls12_381", STOFFEL_LANG_CURVE_BLS12_381}, {"bls12-381", STOFFEL_LANG_CURVE_BLS12_381},
        {"bn254", STOFFEL_LANG_CURVE_BN254}, {"curve25519", STOFFEL_LANG_CURVE_CURVE25519},
        {"ed25519", STOFFEL_LANG_CURVE_ED25519}, {"secp256k1", STOFFEL_LANG_CURVE_SECP256K1},
        {"p-256", STOFFEL_LANG_CURVE_P256}, {"p256", STOFFEL_LANG_CURVE_P256}, {"secp256r1", STOFFEL_LANG_CURVE_P256},
    };
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (!strcasecmp(name, curves[i].name)) {
            *out = curves[i].id;
            return 0;
        }
    return -1;
}

int lang_cli_compile_to_program(const char *path, stoffel_vm_program **out)
{
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.opt_level = 2;
    stoffel_lang_result *r = NULL;
    int rc = stoffel_lang_compile_file(path, &o, &r);
    if (!r) {
        cli_error("cannot compile '%s': %s", path, stoffel_lang_strerror(rc));
        return -1;
    }
    lang_cli_print_diagnostics(r);
    if (rc == 0)
        rc = stoffel_lang_result_program(r, out);
    stoffel_lang_result_free(r);
    return rc;
}
