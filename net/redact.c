#include "net/redact.h"

#include <string.h>

bool command_redact(const struct command *cmd, int argc, const struct resp_arg *argv,
                    bool *redacted)
{
    bool any = false;
    if (strcmp(cmd->name, "auth") == 0) {
        for (int j = 1; j < argc; j++)
            redacted[j] = any = true;
    } else if (strcmp(cmd->name, "hello") == 0) {
        for (int j = 2; j < argc; j++) {
            if (arg_is(&argv[j], "auth") && j + 2 < argc) {
                redacted[j + 1] = redacted[j + 2] = any = true;
                j += 2;
            } else if (arg_is(&argv[j], "setname")) {
                j++;
            }
        }
    } else if (strcmp(cmd->name, "config|set") == 0) {
        for (int j = 2; j + 1 < argc; j += 2)
            if (arg_is(&argv[j], "requirepass"))
                redacted[j + 1] = any = true;
    }
    return any;
}
