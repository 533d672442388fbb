/*
 * cli.h: what every subcommand of the sceau program shares.
 *
 * One file per subcommand (cmd-NAME.c), each exporting one cli_cmd_fn,
 * listed in commands.c.  Subcommands print through the helpers below so
 * that --json output and error reporting are uniform.
 */
#ifndef SCEAU_CLI_H
#define SCEAU_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "defs.h"

/*
 * Exit status of the sceau program (documented in sceau(1), EXIT STATUS).
 * Scripts rely on them: never renumber.
 */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1, /* any other error */
	CLI_EXIT_USAGE = 2, /* bad command line */
	CLI_EXIT_AUTH = 3, /* wrong password or PIN, locked, no key */
	CLI_EXIT_TAMPERED = 4, /* verification failed: data was altered */
	CLI_EXIT_UNREACHABLE = 5, /* server or agent unreachable */
	CLI_EXIT_REFUSED = 6, /* refused by the server, a role or policy */
	CLI_EXIT_NOT_FOUND = 7, /* no such organization, user, file... */
	CLI_EXIT_CONFLICT = 8, /* concurrent change; retry or merge */
};

struct cli {
	const char *progname;
	int json; /* --json: machine-readable output on stdout */
	int verbose; /* -v, repeatable */
	int quiet; /* -q */
};

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);

struct cli_command {
	const char *name;
	cli_cmd_fn fn;
	const char *summary; /* N_() marked; translated when shown */
};

extern const struct cli_command cli_commands[];

/* Options every subcommand accepts (put at the end of its table). */
#define CLI_OPT_HELP 0x1000
#define CLI_OPT_JSON 0x1001
#define CLI_COMMON_OPTIONS                                                     \
	{"help", no_argument, NULL, CLI_OPT_HELP},                             \
	    {"json", no_argument, NULL, CLI_OPT_JSON},                         \
	{                                                                      \
		NULL, 0, NULL, 0                                               \
	}

/* Maps a SCEAU_ERR_* code to an exit status. */
int cli_exit_code(int r);

/*
 * Reports error r (with the thread's detail message, if any) as
 * "sceau: CONTEXT: MESSAGE (DETAIL)" on stderr, or as a JSON object
 * {"error": {...}} on stdout with --json.  Returns cli_exit_code(r).
 */
int cli_error(struct cli *cli, int r, const char *fmt, ...) SCEAU_PRINTF(3, 4);

/* Reports a usage error for subcommand cmd; returns CLI_EXIT_USAGE. */
int cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
    SCEAU_PRINTF(3, 4);

/* Prints j (then drops the caller's reference) on stdout, one line. */
int cli_print_json(struct cli *cli, json_t *j);

/* Handles the common options; returns 1 if opt was one of them. */
int cli_common_option(struct cli *cli, int opt);

/* Prints "Usage: sceau CMD SYNOPSIS" + text (translated by the caller). */
void cli_print_usage(
    FILE *f, const char *cmd, const char *synopsis, const char *text);

#endif /* SCEAU_CLI_H */
