/*
 * cmd-user.c: "sceau user list|show|revoke|set-profile".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"

static void
print_user(const json_t *u)
{
	(void)printf("%-32s  %-8s  %-7s  %s <%s>\n",
	    cli_json_str(u, "user_id", "?"), cli_json_str(u, "profile", "?"),
	    cli_json_str(u, "status", "?"),
	    cli_json_str(u, "name", _("(hidden)")),
	    cli_json_str(u, "email", _("hidden")));
}

static int
cmd_user_list(struct cli *cli, int argc, char **argv)
{
	struct sceau_client *c;
	const struct sceau_chain *ch;
	json_t *arr, *o;
	size_t i;
	int all = 0, r;
	struct cli_opt opts[] = {
	    {"all", N_("  --all                   include revoked users\n"),
	        &all, NULL},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"user list", "[OPTIONS]",
	    N_("Lists the users of the organization.\n"), 0, 0, 1, opts};

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	ch = sceau_client_chain(c);
	if ((arr = json_array()) == NULL) {
		sceau_client_close(c);
		return CLI_EXIT_FAILURE;
	}
	for (i = 0; i < sceau_chain_user_count(ch); i++) {
		const struct sceau_chain_user *u = sceau_chain_user_at(ch, i);

		if (u->revoked_index != 0 && !all)
			continue;
		if ((o = cli_describe_user(c, u)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			r = CLI_EXIT_FAILURE;
			break;
		}
	}
	sceau_client_close(c);
	if (r != 0 || cli->json) {
		if (r != 0)
			json_decref(arr);
		return r != 0
		    ? r
		    : cli_print_json(cli, json_pack("{s:o}", "users", arr));
	}
	for (i = 0; i < json_array_size(arr); i++)
		print_user(json_array_get(arr, i));
	json_decref(arr);
	return CLI_EXIT_OK;
}

static int
cmd_user_show(struct cli *cli, int argc, char **argv)
{
	const struct sceau_chain_user *u;
	struct sceau_client *c;
	json_t *o;
	int r;

	static const struct cli_setup setup = {"user show",
	    N_("USER [OPTIONS]"), N_("Shows a user, given by id or email.\n"),
	    1, 0, 1, NULL};

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = sceau_client_find_user(c, argv[optind], &u)) != 0) {
		r = cli_error(cli, r, _("finding user %s"), argv[optind]);
		sceau_client_close(c);
		return r;
	}
	o = cli_describe_user(c, u);
	sceau_client_close(c);
	if (o == NULL)
		return CLI_EXIT_FAILURE;
	if (cli->json)
		return cli_print_json(cli, o);
	print_user(o);
	json_decref(o);
	return CLI_EXIT_OK;
}

/* revoke and set-profile: find the user, then act. */
static int
user_act(struct cli *cli, struct sceau_client *c, const char *who,
    enum sceau_profile p, int revoke)
{
	const struct sceau_chain_user *u;
	char id[SCEAU_ID_LEN + 1];
	json_t *rot;
	int r;

	if ((r = sceau_client_find_user(c, who, &u)) != 0)
		return cli_error(cli, r, _("finding user %s"), who);
	/* The act refreshes the chain: keep the id, not the entry. */
	(void)snprintf(id, sizeof(id), "%s", u->user_id);
	r = revoke ? sceau_client_revoke_user(c, id)
	           : sceau_client_set_profile(c, id, p);
	if (r != 0)
		return cli_error(cli, r,
		    revoke ? _("revoking user %s")
		           : _("changing the profile of user %s"),
		    who);
	if (!revoke) {
		if (cli->json)
			return cli_print_json(cli,
			    json_pack("{s:s, s:s}", "user_id", id, "result",
			        sceau_profile_name(p)));
		(void)printf(
		    _("User %s is now %s.\n"), who, sceau_profile_name(p));
		return CLI_EXIT_OK;
	}
	if (!cli->json)
		(void)printf(_("User %s is revoked: all of its devices lose "
		               "access.\n"),
		    who);
	/* Its workspaces' keys, where this user is an owner. */
	if ((rot = cli_rotate_due(cli, c)) == NULL)
		return CLI_EXIT_FAILURE;
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:o}", "user_id", id, "result",
		        "revoked", "rotations", rot));
	json_decref(rot);
	return CLI_EXIT_OK;
}

static int
cmd_user_revoke(struct cli *cli, int argc, char **argv)
{
	struct sceau_client *c;
	int r;

	static const struct cli_setup setup = {"user revoke",
	    N_("USER [OPTIONS]"),
	    N_("Revokes a user (id or email) and all of its devices.\n"), 1, 0,
	    1, NULL};

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = user_act(cli, c, argv[optind], 0, 1);
	sceau_client_close(c);
	return r;
}

static int
cmd_user_set_profile(struct cli *cli, int argc, char **argv)
{
	struct sceau_client *c;
	enum sceau_profile p;
	int r;

	static const struct cli_setup setup = {"user set-profile",
	    N_("USER admin|member|external [OPTIONS]"),
	    N_("Changes a user's profile, if the organization allows it.\n"), 2,
	    0, 1, NULL};

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((p = sceau_profile_from_name(argv[optind + 1])) == 0) {
		sceau_client_close(c);
		return cli_usage_error(cli, "user set-profile",
		    _("unknown profile '%s'"), argv[optind + 1]);
	}
	r = user_act(cli, c, argv[optind], p, 0);
	sceau_client_close(c);
	return r;
}

int
cmd_user(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"list", cmd_user_list, N_("list the users")},
	    {"show", cmd_user_show, N_("show a user")},
	    {"revoke", cmd_user_revoke,
	        N_("revoke a user and all its devices")},
	    {"set-profile", cmd_user_set_profile,
	        N_("change a user's profile")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "user", table, argc, argv);
}
