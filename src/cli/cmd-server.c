/*
 * cmd-server.c: "sceau server ...": the server administrator's commands
 * (create, list, freeze and unfreeze organizations; statistics), with the
 * server's admin token.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "errors.h"
#include "http.h"
#include "i18n.h"
#include "json.h"

enum {
	OPT_SERVER = 0x1300,
	OPT_TOKEN_FILE,
};

struct admin_args {
	const char *server, *token_file, *ca_file;
	int insecure_http;
	const char *org; /* the positional argument, when there is one */
};

static void
admin_usage(FILE *f, const char *cmd, const char *synopsis, const char *what)
{
	char text[2048];

	(void)snprintf(text, sizeof(text), "%s\n%s", what,
	    _("  --server URL            the server (default: $SCEAU_SERVER)\n"
	      "  --admin-token-file FILE the server's admin token (default:\n"
	      "                          $SCEAU_ADMIN_TOKEN_FILE, else asked)\n"
	      "  --ca-file FILE          trust anchors of the server's TLS "
	      "certificate\n"
	      "  --insecure-http         allow plain HTTP to a non-loopback "
	      "server\n"
	      "  --json                  machine-readable output\n"));
	cli_print_usage(f, cmd, synopsis, text);
}

/* Parses the options; want_org: one positional ORG argument. */
static int
parse_admin(struct cli *cli, int argc, char **argv, const char *cmd,
    int want_org, const char *what, struct admin_args *a)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"admin-token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"ca-file", required_argument, NULL, CLI_OPT_CA_FILE},
	    {"insecure-http", no_argument, NULL, CLI_OPT_INSECURE_HTTP},
	    CLI_COMMON_OPTIONS,
	};
	int ch;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			admin_usage(stdout, cmd,
			    want_org ? "ORG [OPTIONS]" : "[OPTIONS]", what);
			return -1;
		}
		if (cli_common_option(cli, ch))
			continue;
		if (ch == OPT_SERVER)
			a->server = optarg;
		else if (ch == OPT_TOKEN_FILE)
			a->token_file = optarg;
		else if (ch == CLI_OPT_CA_FILE)
			a->ca_file = optarg;
		else if (ch == CLI_OPT_INSECURE_HTTP)
			a->insecure_http = 1;
		else
			return cli_usage_error(cli, cmd, _("bad option"));
	}
	if (optind != argc - (want_org ? 1 : 0))
		return cli_usage_error(cli, cmd,
		    want_org ? _("one organization id is needed")
		             : _("no argument is expected"));
	a->org = want_org ? argv[optind] : NULL;
	if (a->server == NULL && (a->server = getenv("SCEAU_SERVER")) == NULL)
		return cli_usage_error(cli, cmd, _("--server is needed"));
	if (a->token_file == NULL)
		a->token_file = getenv("SCEAU_ADMIN_TOKEN_FILE");
	if (a->ca_file == NULL)
		a->ca_file = getenv("SCEAU_CA_FILE");
	return 0;
}

/* Connects with the admin token and runs one JSON request. */
static int
admin_request(struct cli *cli, const struct admin_args *a, const char *method,
    const char *path, const json_t *req, json_t **resp)
{
	struct sceau_http_opts ho = {0};
	struct cli_secret tok = {NULL, 0};
	struct sceau_http *h = NULL;
	int r;

	*resp = NULL;
	ho.ca_file = a->ca_file;
	ho.allow_insecure_http = a->insecure_http;
	if ((r = cli_secret_read(
	         _("Server admin token: "), a->token_file, &tok)) != 0)
		return cli_error(cli, r, _("reading the admin token"));
	if ((r = sceau_http_new(a->server, &ho, &h)) == 0 &&
	    (r = sceau_http_set_bearer(h, tok.data)) == 0)
		r = sceau_http_json(h, method, path, req, resp);
	cli_secret_free(&tok);
	sceau_http_free(h);
	if (r != 0)
		return cli_error(cli, r, "%s %s", method, path);
	return 0;
}

static int
cmd_create_org(struct cli *cli, int argc, char **argv)
{
	struct admin_args a;
	json_t *req, *resp = NULL;
	const char *link = NULL;
	int r;

	if ((r = parse_admin(cli, argc, argv, "server create-org", 1,
	         _("Creates an organization; prints its bootstrap link.\n"),
	         &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((req = json_pack("{s:s}", "org_id", a.org)) == NULL)
		return CLI_EXIT_FAILURE;
	r = admin_request(
	    cli, &a, "POST", "/v1/admin/organizations", req, &resp);
	json_decref(req);
	if (r != 0)
		return r;
	if (sceau_json_get_string(resp, "bootstrap_link", 2048, &link) != 0) {
		json_decref(resp);
		return cli_error(
		    cli, SCEAU_ERR_PROTOCOL, _("creating %s"), a.org);
	}
	if (cli->json)
		return cli_print_json(cli, resp);
	(void)printf(_("Organization %s created.  Bootstrap link (give it to "
	               "its first administrator):\n%s\n"),
	    a.org, link);
	json_decref(resp);
	return CLI_EXIT_OK;
}

static int
cmd_list_orgs(struct cli *cli, int argc, char **argv)
{
	struct admin_args a;
	json_t *resp = NULL, *orgs, *o;
	size_t i;
	int r;

	if ((r = parse_admin(cli, argc, argv, "server list-orgs", 0,
	         _("Lists the organizations of the server.\n"), &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = admin_request(
	         cli, &a, "GET", "/v1/admin/organizations", NULL, &resp)) != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli, resp);
	orgs = json_object_get(resp, "organizations");
	(void)printf("%-24s %-13s %s\n", _("ORGANIZATION"), _("BOOTSTRAPPED"),
	    _("STATE"));
	json_array_foreach(orgs, i, o)
	{
		(void)printf("%-24s %-13s %s\n",
		    json_string_value(json_object_get(o, "org_id")),
		    json_is_true(json_object_get(o, "bootstrapped")) ? _("yes")
		                                                     : _("no"),
		    json_is_true(json_object_get(o, "frozen")) ? _("frozen")
		                                               : _("active"));
	}
	json_decref(resp);
	return CLI_EXIT_OK;
}

static int
freeze(struct cli *cli, int argc, char **argv, int on)
{
	struct admin_args a;
	json_t *resp = NULL;
	char path[256];
	int r;

	if ((r = parse_admin(cli, argc, argv,
	         on ? "server freeze" : "server unfreeze", 1,
	         on ? _("Freezes an organization: its devices are refused.\n")
	            : _("Unfreezes an organization.\n"),
	         &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	(void)snprintf(path, sizeof(path), "/v1/admin/organizations/%s/%s",
	    a.org, on ? "freeze" : "unfreeze");
	if ((r = admin_request(cli, &a, "POST", path, NULL, &resp)) != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli, resp);
	(void)printf(on ? _("Organization %s is frozen.\n")
	                : _("Organization %s is active.\n"),
	    a.org);
	json_decref(resp);
	return CLI_EXIT_OK;
}

static int
cmd_freeze(struct cli *cli, int argc, char **argv)
{
	return freeze(cli, argc, argv, 1);
}

static int
cmd_unfreeze(struct cli *cli, int argc, char **argv)
{
	return freeze(cli, argc, argv, 0);
}

static int
cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = {"users", "active_users", "devices",
	    "active_devices", "certificates", "storage_bytes"};
	struct admin_args a;
	json_t *resp = NULL;
	char path[256];
	size_t i;
	int r;

	if ((r = parse_admin(cli, argc, argv, "server stats", 1,
	         _("Shows an organization's users, devices and storage "
	           "used.\n"),
	         &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	(void)snprintf(
	    path, sizeof(path), "/v1/admin/organizations/%s/stats", a.org);
	if ((r = admin_request(cli, &a, "GET", path, NULL, &resp)) != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli, resp);
	(void)printf(_("Organization %s\n"), a.org);
	for (i = 0; i < SCEAU_NELEM(keys); i++)
		(void)printf("  %-16s %lld\n", keys[i],
		    (long long)json_integer_value(
		        json_object_get(resp, keys[i])));
	json_decref(resp);
	return CLI_EXIT_OK;
}

int
cmd_server(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"create-org", cmd_create_org,
	        N_("create an organization and print its bootstrap link")},
	    {"list-orgs", cmd_list_orgs, N_("list the organizations")},
	    {"freeze", cmd_freeze, N_("freeze an organization")},
	    {"unfreeze", cmd_unfreeze, N_("unfreeze an organization")},
	    {"stats", cmd_stats,
	        N_("show an organization's users, devices and storage")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "server", table, argc, argv);
}
