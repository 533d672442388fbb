/*
 * commands.c: the table of subcommands of the sceau program.
 */
#include "config.h"

#include <stddef.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"

const struct cli_command cli_commands[] = {
    {"device", cmd_device, N_("list, revoke and protect devices")},
    {"help", cmd_help, N_("show the commands, or the help of one")},
    {"org", cmd_org, N_("bootstrap an organization")},
    {"selftest", cmd_selftest, N_("run the cryptography self-test")},
    {"server", cmd_server, N_("administer a server's organizations")},
    {"status", cmd_status, N_("fetch new records and show the state")},
    {"user", cmd_user, N_("list, show, revoke users; change profiles")},
    {"version", cmd_version, N_("show versions of sceau and its libraries")},
    {"whoami", cmd_whoami, N_("show this device, its user and organization")},
    {NULL, NULL, NULL},
};
