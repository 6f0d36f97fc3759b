/*
 * Ctrl-C (SIGINT) and SIGTERM stop a run early, and the report is still
 * printed: the handler only sets a flag that the main thread polls.
 */
#ifndef MAGPIE_STRESS_INTERRUPT_H
#define MAGPIE_STRESS_INTERRUPT_H

#include <stdbool.h>

void stress_catch_interrupts(void);
bool stress_interrupted(void);

#endif
