/*
 * cmd-workspace.c: "sceau workspace create|list|rename|share|unshare|
 * members|rotate-key|copy-rights".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"

static int
done_json(struct cli *cli, json_t *o, const char *human)
{
	if (cli->json)
		return cli_print_json(cli, o);
	json_decref(o);
	(void)fputs(human, stdout);
	return CLI_EXIT_OK;
}

static int
cmd_ws_create(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace create",
	    N_("NAME [OPTIONS]"),
	    N_("Creates a workspace; you are its owner.\n"), 1, 0, 1, NULL};
	char realm[SCEAU_ID_LEN + 1], line[512];
	struct sceau_client *c;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = sceau_client_realm_create(c, argv[optind], realm);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("creating workspace %s"), argv[optind]);
	(void)snprintf(line, sizeof(line), _("Workspace %s created (%s).\n"),
	    argv[optind], realm);
	return done_json(cli,
	    json_pack("{s:s, s:s}", "realm_id", realm, "name", argv[optind]),
	    line);
}

static json_t *
describe_realm(struct sceau_client *c, const struct sceau_chain_realm *r)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	enum sceau_role role = sceau_chain_realm_role(
	    sceau_client_chain(c), r->realm_id, sceau_client_info(c)->user_id);

	if (sceau_client_realm_name(c, r->realm_id, name, sizeof(name)) != 0)
		(void)snprintf(name, sizeof(name), "%s", "?");
	return json_pack("{s:s, s:s, s:s, s:i}", "realm_id", r->realm_id,
	    "name", name, "role", sceau_role_name(role), "key_index",
	    (int)r->key_count);
}

static int
cmd_ws_list(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace list", "[OPTIONS]",
	    N_("Lists the workspaces shared with you.\n"), 0, 0, 1, NULL};
	const struct sceau_chain *ch;
	struct sceau_client *c;
	json_t *arr, *o;
	size_t i;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	ch = sceau_client_chain(c);
	if ((arr = json_array()) == NULL) {
		sceau_client_close(c);
		return CLI_EXIT_FAILURE;
	}
	for (i = 0; i < sceau_chain_realm_count(ch); i++) {
		const struct sceau_chain_realm *rl =
		    sceau_chain_realm_at(ch, i);

		if (sceau_chain_realm_role(ch, rl->realm_id,
		        sceau_client_info(c)->user_id) == SCEAU_ROLE_NONE)
			continue;
		if ((o = describe_realm(c, rl)) != NULL)
			(void)json_array_append_new(arr, o);
	}
	sceau_client_close(c);
	if (cli->json)
		return cli_print_json(
		    cli, json_pack("{s:o}", "workspaces", arr));
	for (i = 0; i < json_array_size(arr); i++) {
		o = json_array_get(arr, i);
		(void)printf("%-32s  %-11s  %s\n",
		    cli_json_str(o, "realm_id", "?"),
		    cli_json_str(o, "role", "?"), cli_json_str(o, "name", "?"));
	}
	json_decref(arr);
	return CLI_EXIT_OK;
}

/* Opens the client and finds the workspace of argv[optind]. */
static int
ws_setup(struct cli *cli, int argc, char **argv, const struct cli_setup *setup,
    struct sceau_client **cp, char realm[SCEAU_ID_LEN + 1])
{
	int r;

	if ((r = cli_member_setup(cli, argc, argv, setup, cp)) != 0)
		return r;
	if ((r = cli_find_realm(*cp, argv[optind], realm)) != 0) {
		r = cli_error(cli, r, _("finding workspace %s"), argv[optind]);
		sceau_client_close(*cp);
		*cp = NULL;
	}
	return r;
}

static int
cmd_ws_rename(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace rename",
	    N_("WORKSPACE NEW-NAME [OPTIONS]"),
	    N_("Renames a workspace (owners and managers).\n"), 2, 0, 1, NULL};
	char realm[SCEAU_ID_LEN + 1], line[512];
	struct sceau_client *c;
	int r;

	if ((r = ws_setup(cli, argc, argv, &setup, &c, realm)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = sceau_client_realm_rename(c, realm, argv[optind + 1]);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("renaming workspace %s"), argv[optind]);
	(void)snprintf(line, sizeof(line), _("Workspace %s is now %s.\n"),
	    argv[optind], argv[optind + 1]);
	return done_json(cli,
	    json_pack(
	        "{s:s, s:s}", "realm_id", realm, "name", argv[optind + 1]),
	    line);
}

/* share and unshare: role NONE unshares. */
static int
share(struct cli *cli, struct sceau_client *c, const char *realm,
    const char *who, enum sceau_role role)
{
	const struct sceau_chain_user *u;
	char id[SCEAU_ID_LEN + 1], line[512];
	json_t *rot;
	int r;

	if ((r = sceau_client_find_user(c, who, &u)) != 0)
		return cli_error(cli, r, _("finding user %s"), who);
	(void)snprintf(id, sizeof(id), "%s", u->user_id);
	if ((r = sceau_client_realm_share(c, realm, id, role)) != 0)
		return cli_error(cli, r, _("sharing with %s"), who);
	(void)snprintf(line, sizeof(line),
	    role == SCEAU_ROLE_NONE ? _("%s no longer has access.\n")
	                            : _("%s is now %s.\n"),
	    who, sceau_role_name(role));
	if (role != SCEAU_ROLE_NONE)
		return done_json(cli,
		    json_pack("{s:s, s:s, s:s}", "realm_id", realm, "user_id",
		        id, "role", sceau_role_name(role)),
		    line);
	if (!cli->json)
		(void)fputs(line, stdout);
	/* Unshared: the key they had rotates (now, or per policy). */
	if ((rot = cli_rotate_due(cli, c)) == NULL)
		return CLI_EXIT_FAILURE;
	return done_json(cli,
	    json_pack("{s:s, s:s, s:s, s:o}", "realm_id", realm, "user_id", id,
	        "role", sceau_role_name(role), "rotations", rot),
	    "");
}

static int
cmd_ws_share(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace share",
	    N_("WORKSPACE USER owner|manager|contributor|reader [OPTIONS]"),
	    N_("Shares a workspace with a user (by email or id), with a "
	       "role.\n"),
	    3, 0, 1, NULL};
	char realm[SCEAU_ID_LEN + 1];
	struct sceau_client *c;
	enum sceau_role role;
	int r;

	if ((r = ws_setup(cli, argc, argv, &setup, &c, realm)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((role = sceau_role_from_name(argv[optind + 2])) ==
	    SCEAU_ROLE_NONE) {
		sceau_client_close(c);
		return cli_usage_error(cli, "workspace share",
		    _("unknown role '%s'"), argv[optind + 2]);
	}
	r = share(cli, c, realm, argv[optind + 1], role);
	sceau_client_close(c);
	return r;
}

static int
cmd_ws_unshare(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace unshare",
	    N_("WORKSPACE USER [OPTIONS]"),
	    N_("Removes a user's access to a workspace.\n"), 2, 0, 1, NULL};
	char realm[SCEAU_ID_LEN + 1];
	struct sceau_client *c;
	int r;

	if ((r = ws_setup(cli, argc, argv, &setup, &c, realm)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = share(cli, c, realm, argv[optind + 1], SCEAU_ROLE_NONE);
	sceau_client_close(c);
	return r;
}

struct members {
	struct sceau_client *c;
	json_t *arr;
};

static void
add_member(void *arg, const char *user_id, enum sceau_role role)
{
	struct members *m = arg;
	const struct sceau_chain_user *u =
	    sceau_chain_user(sceau_client_chain(m->c), user_id);
	json_t *o = u != NULL ? cli_describe_user(m->c, u) : NULL;

	if (o == NULL)
		return;
	(void)json_object_set_new(
	    o, "role", json_string(sceau_role_name(role)));
	(void)json_array_append_new(m->arr, o);
}

static int
cmd_ws_members(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace members",
	    N_("WORKSPACE [OPTIONS]"), N_("Lists a workspace's members.\n"), 1,
	    0, 1, NULL};
	char realm[SCEAU_ID_LEN + 1];
	struct members m;
	size_t i;
	int r;

	if ((r = ws_setup(cli, argc, argv, &setup, &m.c, realm)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((m.arr = json_array()) == NULL) {
		sceau_client_close(m.c);
		return CLI_EXIT_FAILURE;
	}
	sceau_chain_realm_members(
	    sceau_client_chain(m.c), realm, add_member, &m);
	sceau_client_close(m.c);
	if (cli->json)
		return cli_print_json(cli,
		    json_pack(
		        "{s:s, s:o}", "realm_id", realm, "members", m.arr));
	for (i = 0; i < json_array_size(m.arr); i++) {
		const json_t *o = json_array_get(m.arr, i);

		(void)printf("%-11s  %s <%s>\n", cli_json_str(o, "role", "?"),
		    cli_json_str(o, "name", _("(hidden)")),
		    cli_json_str(o, "email", _("hidden")));
	}
	json_decref(m.arr);
	return CLI_EXIT_OK;
}

static int
cmd_ws_rotate(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace rotate-key",
	    N_("WORKSPACE [OPTIONS]"),
	    N_("Makes a new workspace key for the current members (owners): "
	       "what is written next is unreadable to former members.\n"),
	    1, 0, 1, NULL};
	char realm[SCEAU_ID_LEN + 1], line[256];
	struct sceau_client *c;
	uint32_t index = 0;
	int r;

	if ((r = ws_setup(cli, argc, argv, &setup, &c, realm)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = sceau_client_realm_rotate(c, realm, &index);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("rotating the key of %s"), argv[optind]);
	(void)snprintf(line, sizeof(line), _("Workspace %s now uses key %u.\n"),
	    argv[optind], index);
	return done_json(cli,
	    json_pack("{s:s, s:i}", "realm_id", realm, "key_index", (int)index),
	    line);
}

/* Every workspace where from has a role and to has none: the same role. */
static int
copy_rights(struct cli *cli, struct sceau_client *c, const char *from,
    const char *to, json_t *done)
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	char realm[SCEAU_ID_LEN + 1];
	enum sceau_role role;
	size_t i;
	int r;

	for (i = 0; i < sceau_chain_realm_count(ch); i++) {
		(void)snprintf(realm, sizeof(realm), "%s",
		    sceau_chain_realm_at(ch, i)->realm_id);
		role = sceau_chain_realm_role(ch, realm, from);
		if (role == SCEAU_ROLE_NONE ||
		    sceau_chain_realm_role(ch, realm, to) != SCEAU_ROLE_NONE)
			continue;
		if ((r = sceau_client_realm_share(c, realm, to, role)) != 0)
			return cli_error(
			    cli, r, _("giving rights in %s"), realm);
		/* The act refreshed the chain: look it up again. */
		ch = sceau_client_chain(c);
		(void)json_array_append_new(done,
		    json_pack("{s:s, s:s}", "realm_id", realm, "role",
		        sceau_role_name(role)));
	}
	return 0;
}

static int
cmd_ws_copy_rights(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"workspace copy-rights",
	    N_("FROM-USER TO-USER [OPTIONS]"),
	    N_("Gives TO-USER, in every workspace where FROM-USER has a role "
	       "and TO-USER none, the same role (where you may share).\n"),
	    2, 0, 1, NULL};
	const struct sceau_chain_user *u;
	char from[SCEAU_ID_LEN + 1], to[SCEAU_ID_LEN + 1];
	struct sceau_client *c;
	json_t *done;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((done = json_array()) == NULL) {
		r = CLI_EXIT_FAILURE;
		goto out;
	}
	if ((r = sceau_client_find_user(c, argv[optind], &u)) != 0) {
		r = cli_error(cli, r, _("finding user %s"), argv[optind]);
		goto out;
	}
	(void)snprintf(from, sizeof(from), "%s", u->user_id);
	if ((r = sceau_client_find_user(c, argv[optind + 1], &u)) != 0) {
		r = cli_error(cli, r, _("finding user %s"), argv[optind + 1]);
		goto out;
	}
	(void)snprintf(to, sizeof(to), "%s", u->user_id);
	if ((r = copy_rights(cli, c, from, to, done)) != 0)
		goto out;
	if (cli->json) {
		r = cli_print_json(cli, json_pack("{s:O}", "granted", done));
		goto out;
	}
	(void)printf(P_("%zu workspace shared.\n", "%zu workspaces shared.\n",
	                 json_array_size(done)),
	    json_array_size(done));
out:
	json_decref(done);
	sceau_client_close(c);
	return r;
}

int
cmd_workspace(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"create", cmd_ws_create, N_("create a workspace")},
	    {"list", cmd_ws_list, N_("list your workspaces")},
	    {"rename", cmd_ws_rename, N_("rename a workspace")},
	    {"share", cmd_ws_share, N_("share a workspace with a role")},
	    {"unshare", cmd_ws_unshare, N_("remove a user's access")},
	    {"members", cmd_ws_members, N_("list a workspace's members")},
	    {"rotate-key", cmd_ws_rotate, N_("make a new workspace key")},
	    {"copy-rights", cmd_ws_copy_rights,
	        N_("give a user the roles another user has")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "workspace", table, argc, argv);
}
