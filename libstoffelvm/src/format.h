/* format.h - number formatting shared by the disassembler and print/to_string. */
#ifndef STOFFEL_VM_FORMAT_H
#define STOFFEL_VM_FORMAT_H

#include <stddef.h>

/* Rust's `Display` of an f64: the shortest digits that round-trip, positional notation (never an
 * exponent), integral values without a point, "NaN", "inf", "-inf", "-0". Returns the length;
 * buf needs at most 340 bytes for any double (truncated otherwise). */
int fmt_f64_display(double x, char *buf, size_t len);

#endif
