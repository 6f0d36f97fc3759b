// BLOCKTEST, the tests' own blocking command (blocktest_command.c).
#ifndef MAGPIE_TEST_NET_BLOCKTEST_COMMAND_H
#define MAGPIE_TEST_NET_BLOCKTEST_COMMAND_H

#ifdef __cplusplus
extern "C" {
#endif

// Registers BLOCKTEST; before the server starts (command_table_freeze).
int blocktest_register(void);

#ifdef __cplusplus
}
#endif
#endif
