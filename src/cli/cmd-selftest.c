/*
 * cmd-selftest.c: "sceau selftest": known answers and tamper checks of
 * the cryptography layer, as a power-on self-test.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "selftest.h"

struct report_state {
	struct cli *cli;
	json_t *results;
	unsigned int passed, failed;
};

static void
report(const char *name, int result, void *arg)
{
	struct report_state *st = arg;

	if (result == 0)
		st->passed++;
	else
		st->failed++;
	if (st->results != NULL) {
		(void)json_array_append_new(st->results,
		    json_pack("{s:s, s:b, s:s}", "name", name, "ok",
		        result == 0, "message", sceau_strerror(result)));
	} else if (result == 0) {
		(void)printf(_("ok      %s\n"), name);
	} else {
		(void)printf(
		    _("FAILED  %s: %s\n"), name, sceau_strerror(result));
	}
}

int
cmd_selftest(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS};
	struct report_state st = {.cli = cli};
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "selftest", "[--json]",
			    _("Runs known-answer and tampering tests of every "
			      "cryptographic primitive.\n"));
			return CLI_EXIT_OK;
		}
		if (!cli_common_option(cli, ch))
			return cli_usage_error(
			    cli, "selftest", _("bad option"));
	}
	if (cli->json && (st.results = json_array()) == NULL)
		return CLI_EXIT_FAILURE;
	r = sceau_selftest_run(report, &st);
	if (cli->json) {
		(void)cli_print_json(cli,
		    json_pack("{s:o, s:I, s:I}", "tests", st.results, "passed",
		        (json_int_t)st.passed, "failed",
		        (json_int_t)st.failed));
	} else {
		(void)printf(_("%u passed, %u failed\n"), st.passed, st.failed);
	}
	if (r != 0 || st.failed > 0)
		return CLI_EXIT_FAILURE;
	return CLI_EXIT_OK;
}
