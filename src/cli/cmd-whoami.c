/*
 * cmd-whoami.c: "sceau whoami": this device, its user, its organization.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"

/* Everything whoami shows, gathered while the client is open. */
static json_t *
describe_self(struct sceau_client *c)
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);
	const struct sceau_chain_user *u;
	json_t *o, *user = NULL;

	/* A new device knows nothing yet: learn the records once. */
	if (sceau_client_self(c) == NULL && sceau_client_refresh(c, NULL) != 0)
		sceau_message_clear();
	if ((u = sceau_client_self(c)) != NULL &&
	    (user = cli_describe_user(c, u)) == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "org_id", info->org_id,
	    "server", info->server_url, "user_id", info->user_id, "device_id",
	    info->device_id, "device_label", info->device_label, "protection",
	    sceau_keyfile_protection_name(info->protection));
	if (o == NULL ||
	    (user != NULL && json_object_set_new(o, "user", user) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
cmd_whoami(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"whoami", "[OPTIONS]",
	    N_("Shows this device, its user and its organization (from the "
	       "local records: works offline).\n"),
	    0, 0, 0, NULL};
	struct sceau_client *c;
	const json_t *user;
	json_t *o;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	o = describe_self(c);
	sceau_client_close(c);
	if (o == NULL)
		return CLI_EXIT_FAILURE;
	if (cli->json)
		return cli_print_json(cli, o);
	user = json_object_get(o, "user");
	(void)printf(_("Organization: %s (%s)\n"),
	    cli_json_str(o, "org_id", "?"), cli_json_str(o, "server", "?"));
	(void)printf(_("User:         %s <%s>, %s\n"),
	    cli_json_str(user, "name", "?"), cli_json_str(user, "email", "?"),
	    cli_json_str(user, "profile", "?"));
	(void)printf(_("Device:       %s (%s), protected by %s\n"),
	    cli_json_str(o, "device_label", "?"),
	    cli_json_str(o, "device_id", "?"),
	    cli_json_str(o, "protection", "?"));
	json_decref(o);
	return CLI_EXIT_OK;
}
