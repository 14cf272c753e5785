/* format_float.c - Rust-compatible f64 Display (spec §5.1): shortest round-trip digits, expanded
 * to positional notation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int fmt_f64_display(double x, char *buf, size_t len)
{
    if (isnan(x))
        return snprintf(buf, len, "NaN");
    if (isinf(x))
        return snprintf(buf, len, x < 0 ? "-inf" : "inf");
    if (x == 0)
        return snprintf(buf, len, signbit(x) ? "-0" : "0");

    /* Shortest %.{p}e that reads back as the same double. */
    char sci[40];
    for (int p = 0; p <= 17; p++) {
        snprintf(sci, sizeof sci, "%.*e", p, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    /* sci = [-]d[.ddd]e[+-]XX: collect the digits and the decimal exponent. */
    char digits[24];
    size_t nd = 0;
    const char *s = sci;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;

    /* The value is 0.d1d2...dn * 10^(exp10 + 1). */
    char out[400];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    int point = exp10 + 1; /* digits before the decimal point */
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -point; i++)
            out[o++] = '0';
        for (size_t i = 0; i < nd; i++)
            out[o++] = digits[i];
    } else if ((size_t)point >= nd) {
        for (size_t i = 0; i < nd; i++)
            out[o++] = digits[i];
        for (size_t i = nd; i < (size_t)point; i++)
            out[o++] = '0';
    } else {
        for (size_t i = 0; i < nd; i++) {
            if ((int)i == point)
                out[o++] = '.';
            out[o++] = digits[i];
        }
    }
    out[o] = 0;
    return snprintf(buf, len, "%s", out);
}
