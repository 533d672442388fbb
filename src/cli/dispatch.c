/*
 * dispatch.c: command groups ("sceau user list", "sceau server freeze").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"

static void
group_usage(FILE *f, const char *group, const struct cli_subcommand *table)
{
	size_t i;
	int w = 14;

	(void)fprintf(
	    f, _("Usage: %s %s COMMAND [OPTIONS] [ARGS...]\n"), PACKAGE, group);
	(void)fprintf(f, "\n%s", _("Commands:\n"));
	/* The names' column fits the longest one. */
	for (i = 0; table[i].name != NULL; i++)
		w = SCEAU_MAX(w, (int)strlen(table[i].name));
	for (i = 0; table[i].name != NULL; i++)
		(void)fprintf(
		    f, "  %-*s %s\n", w, table[i].name, _(table[i].summary));
	(void)fprintf(f,
	    _("\nRun '%s %s COMMAND --help' for the options of a command.\n"),
	    PACKAGE, group);
}

int
cli_dispatch(struct cli *cli, const char *group,
    const struct cli_subcommand *table, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		group_usage(stderr, group, table);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		group_usage(stdout, group, table);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--json") == 0) {
		cli->json = 1;
		return cli_dispatch(cli, group, table, argc - 1, argv + 1);
	}
	for (i = 0; table[i].name != NULL; i++) {
		if (strcmp(table[i].name, argv[1]) == 0) {
			optind = 0;
			return table[i].fn(cli, argc - 1, argv + 1);
		}
	}
	(void)fprintf(stderr, _("%s %s: unknown command '%s'\n"), PACKAGE,
	    group, argv[1]);
	group_usage(stderr, group, table);
	return CLI_EXIT_USAGE;
}
