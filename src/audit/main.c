/*
 * main.c: sceau-audit, the auditor's tool (doc/audit.md): global
 * options, then one subcommand.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "i18n.h"
#include "log.h"

struct audit_cmd {
	const char *name;
	audit_cmd_fn fn;
	void (*usage)(FILE *f);
	const char *summary;
};

static const struct audit_cmd cmds[] = {
    {"verify", audit_cmd_verify, audit_usage_verify,
        N_("verify an organization's history, exported by a member or the "
           "server")},
    {"report", audit_cmd_report, audit_usage_report,
        N_("report who did what and when, from a history export")},
    {"verify-log", audit_cmd_verify_log, audit_usage_verify_log,
        N_("verify an export of the server's signed access log")},
    {"verify-report", audit_cmd_verify_report, audit_usage_verify_report,
        N_("verify the XML signature of a report")},
};

static void
usage(FILE *f)
{
	size_t i;

	(void)fprintf(
	    f, _("Usage: %s [--json] COMMAND [ARGUMENTS]\n"), AUDIT_PROG);
	(void)fputs(_("\n"
	              "Verifies, offline, what a sceau server or organization "
	              "exported.\n"
	              "\n"
	              "Commands:\n"),
	    f);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		(void)fprintf(
		    f, "  %-13s  %s\n", cmds[i].name, _(cmds[i].summary));
	(void)fputs(_("\n"
	              "Options:\n"
	              "  --json                output JSON\n"
	              "  -V, --version         show the version and exit\n"
	              "  -h, --help            show this help and exit\n"
	              "\n"
	              "Exit status: 0 verified, 1 violations found, 2 usage "
	              "or input error.\n"),
	    f);
}

static int
audit_dispatch(const struct audit_opts *o, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (argc > 1 &&
		    (strcmp(argv[1], "--help") == 0 ||
		        strcmp(argv[1], "-h") == 0)) {
			cmds[i].usage(stdout);
			return AUDIT_EXIT_OK;
		}
		return cmds[i].fn(o, argc, argv);
	}
	(void)fprintf(
	    stderr, _("%s: unknown command '%s'\n"), AUDIT_PROG, argv[0]);
	usage(stderr);
	return AUDIT_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct audit_opts o;
	int i;

	memset(&o, 0, sizeof(o));
	sceau_i18n_init();
	sceau_log_init(AUDIT_PROG, SCEAU_LOG_WARNING);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.json = 1;
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return AUDIT_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0) {
			(void)printf("%s %s\n", AUDIT_PROG, PACKAGE_VERSION);
			return AUDIT_EXIT_OK;
		} else {
			(void)fprintf(stderr, _("%s: unknown option '%s'\n"),
			    AUDIT_PROG, argv[i]);
			usage(stderr);
			return AUDIT_EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return AUDIT_EXIT_USAGE;
	}
	return audit_dispatch(&o, argc - i, argv + i);
}
