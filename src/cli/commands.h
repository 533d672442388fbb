/*
 * commands.h: entry points of the subcommands (one file each).
 */
#ifndef SCEAU_CLI_COMMANDS_H
#define SCEAU_CLI_COMMANDS_H

#include "cli.h"

int cmd_device(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_org(struct cli *cli, int argc, char **argv);
int cmd_server(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_whoami(struct cli *cli, int argc, char **argv);
int cmd_selftest(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

#endif /* SCEAU_CLI_COMMANDS_H */
