/*
 * output.c: errors, usage and JSON output of the sceau program.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "errors.h"
#include "i18n.h"

/* Codes whose exit status is not the one of their range. */
static const struct {
	int code;
	int status;
} exit_table[] = {
    {SCEAU_ERR_SIGNATURE_INVALID, CLI_EXIT_TAMPERED},
    {SCEAU_ERR_DECRYPT_FAILED, CLI_EXIT_TAMPERED},
    {SCEAU_ERR_STREAM_TRUNCATED, CLI_EXIT_TAMPERED},
    {SCEAU_ERR_NOT_FOUND, CLI_EXIT_NOT_FOUND},
    {SCEAU_ERR_ORG_UNKNOWN, CLI_EXIT_NOT_FOUND},
    {SCEAU_ERR_NO_DEVICE, CLI_EXIT_NOT_FOUND},
    {SCEAU_ERR_INVITATION_UNKNOWN, CLI_EXIT_NOT_FOUND},
    {SCEAU_ERR_CONFLICT, CLI_EXIT_CONFLICT},
    {SCEAU_ERR_WRONG_PASSWORD, CLI_EXIT_AUTH},
    {SCEAU_ERR_KEYRING, CLI_EXIT_AUTH},
    {SCEAU_ERR_AUTH_FAILED, CLI_EXIT_AUTH},
    {SCEAU_ERR_ADMIN_AUTH, CLI_EXIT_AUTH},
    {SCEAU_ERR_PERMISSION, CLI_EXIT_REFUSED},
    {SCEAU_ERR_DATA_TAMPERED, CLI_EXIT_TAMPERED},
    {SCEAU_ERR_DATA_ROLLBACK, CLI_EXIT_TAMPERED},
    {SCEAU_ERR_FORBIDDEN, CLI_EXIT_REFUSED},
    {SCEAU_ERR_PROFILE_LOCKED, CLI_EXIT_REFUSED},
    {SCEAU_ERR_EXISTS, CLI_EXIT_REFUSED},
    {SCEAU_ERR_TIMEOUT, CLI_EXIT_UNREACHABLE},
    {SCEAU_ERR_INSECURE_URL, CLI_EXIT_FAILURE},
    {SCEAU_ERR_BAD_LINK, CLI_EXIT_FAILURE},
    {SCEAU_ERR_REVOCATION_UNREACHABLE, CLI_EXIT_UNREACHABLE},
    {SCEAU_ERR_AGENT_UNREACHABLE, CLI_EXIT_UNREACHABLE},
    {SCEAU_ERR_AGENT_LOCKED, CLI_EXIT_AUTH},
    {SCEAU_ERR_POLICY_REFUSED, CLI_EXIT_REFUSED},
};

int
cli_exit_code(int r)
{
	size_t i;

	if (r == 0)
		return CLI_EXIT_OK;
	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++) {
		if (exit_table[i].code == r)
			return exit_table[i].status;
	}
	/* By range (errors.h): transport, server, records, tokens, policy. */
	if (r <= -200 && r > -300)
		return CLI_EXIT_UNREACHABLE;
	if (r <= -300 && r > -400)
		return CLI_EXIT_REFUSED;
	if (r <= -400 && r > -500)
		return CLI_EXIT_TAMPERED;
	if (r <= -500 && r > -600)
		return CLI_EXIT_AUTH;
	if (r <= -600 && r > -800)
		return CLI_EXIT_REFUSED;
	return CLI_EXIT_FAILURE;
}

int
cli_error(struct cli *cli, int r, const char *fmt, ...)
{
	const char *detail = sceau_last_message();
	const char *name = sceau_errname(r);
	char ctx[512];
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	(void)vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (cli->json) {
		j = json_pack("{s:{s:s, s:i, s:s, s:s, s:s}}", "error", "code",
		    name != NULL ? name : "SCEAU_ERR_UNKNOWN", "value", r,
		    "message", sceau_strerror(r), "context", ctx, "detail",
		    detail);
		if (j != NULL)
			(void)cli_print_json(cli, j);
	} else if (detail[0] != '\0') {
		(void)fprintf(stderr, "%s: %s: %s (%s)\n", cli->progname, ctx,
		    sceau_strerror(r), detail);
	} else {
		(void)fprintf(stderr, "%s: %s: %s\n", cli->progname, ctx,
		    sceau_strerror(r));
	}
	return cli_exit_code(r);
}

int
cli_usage_error(struct cli *cli, const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "%s %s: %s\n", cli->progname, cmd, msg);
	(void)fprintf(stderr, _("Run '%s %s --help' for its options.\n"),
	    cli->progname, cmd);
	return CLI_EXIT_USAGE;
}

int
cli_print_json(struct cli *cli, json_t *j)
{
	int r;

	(void)cli;
	r = json_dumpf(j, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (r != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		return CLI_EXIT_FAILURE;
	return CLI_EXIT_OK;
}

int
cli_common_option(struct cli *cli, int opt)
{
	if (opt == CLI_OPT_JSON) {
		cli->json = 1;
		return 1;
	}
	return 0;
}

void
cli_print_usage(
    FILE *f, const char *cmd, const char *synopsis, const char *text)
{
	(void)fprintf(f, _("Usage: %s %s %s\n"), PACKAGE, cmd, synopsis);
	if (text != NULL && text[0] != '\0')
		(void)fprintf(f, "\n%s", text);
}
