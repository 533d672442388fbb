/*
 * cmd-help.c: "sceau help [COMMAND]".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"

int
cmd_help(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS};
	char *sub[] = {NULL, (char *)"--help", NULL};
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "help", _("[COMMAND]"),
			    _("Shows the list of commands, or the help of "
			      "COMMAND.\n"));
			return CLI_EXIT_OK;
		}
		if (!cli_common_option(cli, ch))
			return cli_usage_error(cli, "help", _("bad option"));
	}
	if (optind >= argc) {
		(void)printf(_("Commands:\n"));
		for (i = 0; cli_commands[i].name != NULL; i++)
			(void)printf("  %-14s %s\n", cli_commands[i].name,
			    _(cli_commands[i].summary));
		return CLI_EXIT_OK;
	}
	for (i = 0; cli_commands[i].name != NULL; i++) {
		if (strcmp(cli_commands[i].name, argv[optind]) == 0) {
			sub[0] = (char *)cli_commands[i].name;
			optind = 0;
			return cli_commands[i].fn(cli, 2, sub);
		}
	}
	return cli_usage_error(
	    cli, "help", _("unknown command '%s'"), argv[optind]);
}
