/*
 * sceau.c: the sceau program: global options and subcommand dispatch.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errors.h"
#include "i18n.h"
#include "log.h"
#include "secmem.h"

static void
usage(FILE *f)
{
	size_t i;

	(void)fprintf(f, _("Usage: %s [OPTIONS] COMMAND [ARGS...]\n"), PACKAGE);
	(void)fputs(_("\n"
	              "Zero-trust, end-to-end encrypted file sharing.\n"
	              "\n"
	              "Options:\n"
	              "  --json         machine-readable output (JSON)\n"
	              "  -v, --verbose  more log messages (repeatable)\n"
	              "  -q, --quiet    only errors\n"
	              "  -V, --version  show versions and exit\n"
	              "  -h, --help     show this help and exit\n"
	              "\n"
	              "Commands:\n"),
	    f);
	for (i = 0; cli_commands[i].name != NULL; i++)
		(void)fprintf(f, "  %-14s %s\n", cli_commands[i].name,
		    _(cli_commands[i].summary));
	(void)fprintf(f,
	    _("\nRun '%s COMMAND --help' for the options of a command.\n"),
	    PACKAGE);
}

static const struct cli_command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; cli_commands[i].name != NULL; i++) {
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	}
	return NULL;
}

static enum sceau_log_level
log_level_for(const struct cli *cli)
{
	if (cli->quiet)
		return SCEAU_LOG_ERROR;
	if (cli->verbose >= 2)
		return SCEAU_LOG_TRACE;
	if (cli->verbose == 1)
		return SCEAU_LOG_DEBUG;
	return SCEAU_LOG_WARNING;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli cli = {.progname = PACKAGE};
	const struct cli_command *cmd;
	int ch, version = 0;

	sceau_i18n_init();
	/*
	 * The workstation policy's PKCS#11 modules and block cache size, for
	 * the whole process.  An invalid policy is refused by the check
	 * each command that opens a device or a token makes.
	 */
	if (cli_ws_policy_apply(NULL) != 0)
		sceau_message_clear();
	/* "+": stop at the command name; what follows is the command's. */
	while ((ch = getopt_long(argc, argv, "+vqVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			cli.json = 1;
			break;
		case 'v':
			cli.verbose++;
			break;
		case 'q':
			cli.quiet = 1;
			break;
		case 'V':
			version = 1;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	sceau_log_init(PACKAGE, log_level_for(&cli));
	/*
	 * Unlocked keys, passphrases and workspace keys live in this
	 * process: no core dump, no ptrace by the same uid, OpenSSL's
	 * secure heap.  A failure is reported, not fatal (some containers
	 * refuse the secure heap's mlock).
	 */
	if (sceau_secmem_harden_process() != 0)
		sceau_message_clear();
	argc -= optind;
	argv += optind;
	if (version) {
		cmd = find_command("version");
		return cmd->fn(&cli, 0, NULL);
	}
	if (argc < 1) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((cmd = find_command(argv[0])) == NULL) {
		(void)fprintf(
		    stderr, _("%s: unknown command '%s'\n"), PACKAGE, argv[0]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	/* Each command parses its own options with getopt from index 1. */
	optind = 0;
	return cmd->fn(&cli, argc, argv);
}
