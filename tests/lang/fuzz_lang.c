/* fuzz_lang.c - libFuzzer target for the StoffelLang front end: lexer, parser, import resolution
 * (through a resolver that serves the same input for every import) and the checker, plus code
 * generation when the input checks. Any input must give a result or a clean error: no crash, hang
 * or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stoffel/lang.h>

struct input {
    const uint8_t *data;
    size_t size;
};

static int resolve(void *ud, const char *path, char **source, size_t *len)
{
    const struct input *in = ud;
    if (strstr(path, "missing"))
        return STOFFEL_ERR_NOT_FOUND;
    char *s = malloc(in->size + 1);
    if (!s)
        return STOFFEL_ERR_NOMEM;
    memcpy(s, in->data, in->size);
    s[in->size] = 0;
    *source = s;
    *len = in->size;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    stoffel_lang_options o;
    stoffel_lang_options_defaults(&o);
    o.resolver = resolve;
    o.resolver_data = &in;
    o.opt_level = size % 4;
    stoffel_lang_result *r = NULL;
    stoffel_lang_compile((const char *)data, size, "fuzz.stfl", &o, &r);
    if (r) {
        char *text = stoffel_lang_result_render(r, (int)(size & 1));
        free(text);
        stoffel_lang_result_free(r);
    }
    return 0;
}
