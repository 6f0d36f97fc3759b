/*
 * What every libFuzzer target here shares: its entry point's prototype and
 * CHECK, which traps (a crash libFuzzer saves the input for) when a property
 * of the code under test does not hold.
 */
#ifndef MAGPIE_TEST_FUZZ_H
#define MAGPIE_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

#endif
