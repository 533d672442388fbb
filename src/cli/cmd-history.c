/*
 * cmd-history.c: "sceau history" (the versions of a file or folder) and
 * "sceau restore" (a past version back, or a deleted file).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "ws.h"

static void
print_version(struct sceau_client *c, const struct sceau_ws_version *v)
{
	char when[32], who[2 * SCEAU_NAME_MAX_BYTES + 8];
	time_t t = (time_t)(v->server_time / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(when, sizeof(when), "?");
	cli_author(c, v->author, who, sizeof(who));
	(void)printf(
	    "%6llu  %s  %s\n", (unsigned long long)v->version, when, who);
}

int
cmd_history(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"history", N_("/WORKSPACE/PATH"),
	    N_("Lists the versions of a file or folder, with their time and "
	       "author device (from the server).\n"),
	    1, 0, 0, NULL};
	struct sceau_ws_version *v = NULL;
	char who[2 * SCEAU_NAME_MAX_BYTES + 8];
	struct sceau_client *c;
	struct cli_ws ws;
	json_t *arr;
	size_t i, n = 0;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = cli_ws_open(cli, c, argv[optind], &ws)) != 0) {
		sceau_client_close(c);
		return r;
	}
	r = sceau_ws_history(ws.w, ws.path, &v, &n);
	sceau_ws_abort(ws.w);
	if (r != 0) {
		sceau_client_close(c);
		return cli_error(cli, r, _("history of %s"), argv[optind]);
	}
	if (!cli->json) {
		for (i = 0; i < n; i++)
			print_version(c, &v[i]);
		sceau_free(v);
		sceau_client_close(c);
		return CLI_EXIT_OK;
	}
	arr = json_array();
	for (i = 0; arr != NULL && i < n; i++) {
		cli_author(c, v[i].author, who, sizeof(who));
		(void)json_array_append_new(arr,
		    json_pack("{s:I, s:I, s:s, s:s, s:I}", "version",
		        (json_int_t)v[i].version, "server_time",
		        (json_int_t)v[i].server_time, "author", v[i].author,
		        "author_name", who, "size", (json_int_t)v[i].size));
	}
	sceau_free(v);
	sceau_client_close(c);
	return cli_print_json(cli, json_pack("{s:o}", "versions", arr));
}

int
cmd_restore(struct cli *cli, int argc, char **argv)
{
	const char *at = NULL, *ver = NULL;
	const struct cli_opt opts[] = {
	    {"version",
	        N_("  --version N             version N (see history)\n"), NULL,
	        &ver},
	    {"at",
	        N_("  --at DATE               the version current at DATE\n"),
	        NULL, &at},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"restore",
	    N_("/WORKSPACE/PATH (--version N | --at DATE)"),
	    N_("Makes a past version of a file or folder the current one; a "
	       "deleted file comes back from its folder as it was at DATE.\n"),
	    1, 0, 0, opts};
	struct sceau_client *c;
	uint64_t version = 0, at_us = 0;
	struct cli_ws ws;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if (ver != NULL && cli_parse_uint(ver, 1, INT64_MAX, &version) != 0) {
		sceau_client_close(c);
		return cli_usage_error(
		    cli, "restore", _("bad version '%s'"), ver);
	}
	if ((r = cli_setup_at(cli, &setup, &at_us)) != 0) {
		sceau_client_close(c);
		return r;
	}
	if ((version == 0) == (at_us == 0)) {
		sceau_client_close(c);
		return cli_usage_error(
		    cli, "restore", _("give either --version N or --at DATE"));
	}
	if ((r = cli_ws_open(cli, c, argv[optind], &ws)) != 0) {
		sceau_client_close(c);
		return r;
	}
	if ((r = sceau_ws_restore(ws.w, ws.path, version, at_us)) != 0) {
		sceau_ws_abort(ws.w);
		sceau_client_close(c);
		return cli_error(cli, r, _("restoring %s"), argv[optind]);
	}
	r = cli_ws_close(cli, &ws);
	sceau_client_close(c);
	if (r != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s}", "path", argv[optind], "result",
		        "restored"));
	(void)printf(_("%s restored (sync sends it).\n"), argv[optind]);
	return CLI_EXIT_OK;
}
