/* clear_engine.h - the clear test engine of nl_clear_test (see clear_engine.c). */
#ifndef STOFFEL_TEST_CLEAR_ENGINE_H
#define STOFFEL_TEST_CLEAR_ENGINE_H

#include <stoffel/mpc.h>

int clear_engine_new(stoffel_mpc_field_id id, uint64_t seed, stoffel_mpc_engine **out);
void clear_engine_free(stoffel_mpc_engine *e);
/* Rounds (execute calls with a MUL or an OPEN) and multiplications so far. */
uint64_t clear_engine_rounds(const stoffel_mpc_engine *e);
uint64_t clear_engine_muls(const stoffel_mpc_engine *e);

#endif
