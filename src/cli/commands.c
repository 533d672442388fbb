/*
 * commands.c: the table of subcommands of the sceau program.
 */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"

const struct cli_command cli_commands[] = {
    {"help", cmd_help, N_("show the commands, or the help of one")},
    {"selftest", cmd_selftest, N_("run the cryptography self-test")},
    {"version", cmd_version, N_("show versions of sceau and its libraries")},
    {NULL, NULL, NULL},
};
