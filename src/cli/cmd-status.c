/*
 * cmd-status.c: "sceau status": is the server reachable, are the local
 * records up to date and valid, is this device still active.
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "token.h"

static size_t
count_active_users(const struct sceau_chain *ch)
{
	size_t i, n = 0;

	for (i = 0; i < sceau_chain_user_count(ch); i++)
		n += sceau_chain_user_at(ch, i)->revoked_index == 0;
	return n;
}

/* The agent's background sync, a line per workspace. */
static void
print_sync(const json_t *sync)
{
	const json_t *e;
	size_t i;

	if (sync == NULL)
		return;
	(void)printf(_("Sync:         in the background, by sceau-agent\n"));
	json_array_foreach(sync, i, e)
	{
		const char *ws = cli_json_str(e, "workspace", "");

		(void)printf("  %-24s %s", ws[0] != '\0' ? ws : _("(device)"),
		    cli_json_str(e, "state", "?"));
		if (json_integer_value(json_object_get(e, "pending")) > 0)
			(void)printf(" (%lld)",
			    (long long)json_integer_value(
			        json_object_get(e, "pending")));
		if (json_object_get(e, "error") != NULL)
			(void)printf(" [%s]", cli_json_str(e, "error", ""));
		(void)printf("\n");
	}
}

static void
print_status(const json_t *o)
{
	(void)printf(_("Organization: %s\n"), cli_json_str(o, "org_id", "?"));
	(void)printf(_("Server:       %s (%s)\n"),
	    cli_json_str(o, "server", "?"),
	    cli_json_str(o, "server_state", "?"));
	(void)printf(_("Records:      %lld certificates, %lld active users\n"),
	    (long long)json_integer_value(json_object_get(o, "certificates")),
	    (long long)json_integer_value(json_object_get(o, "active_users")));
	(void)printf(_("This device:  %s\n"), cli_json_str(o, "device", "?"));
	if (json_object_get(o, "error") != NULL)
		(void)printf(_("Error:        %s (%s)\n"),
		    cli_json_str(o, "error", "?"),
		    cli_json_str(o, "error_detail", ""));
	print_sync(json_object_get(o, "sync"));
}

/* The state after a refresh that returned rr. */
static json_t *
describe_state(struct sceau_client *c, int rr)
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	const struct sceau_chain_device *d;
	const char *state, *dev;
	json_t *o;

	d = sceau_chain_device(ch, sceau_client_info(c)->device_id);
	state = rr == 0                                 ? "up to date"
	    : cli_exit_code(rr) == CLI_EXIT_UNREACHABLE ? "offline"
	                                                : "error";
	dev = d == NULL             ? "unknown"
	    : d->revoked_index != 0 ? "revoked"
	                            : "active";
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "org_id",
	    sceau_client_info(c)->org_id, "server",
	    sceau_client_info(c)->server_url, "server_state", state,
	    "certificates", (json_int_t)sceau_chain_last_index(ch),
	    "active_users", (json_int_t)count_active_users(ch), "device", dev);
	if (o == NULL || rr == 0)
		return o;
	if (json_object_set_new(o, "error", json_string(sceau_strerror(rr))) !=
	        0 ||
	    json_object_set_new(o, "error_code",
	        json_string(
	            sceau_errname(rr) != NULL ? sceau_errname(rr) : "")) != 0 ||
	    json_object_set_new(
	        o, "error_detail", json_string(sceau_last_message())) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * What a token-backed device spends on its card (token operations):
 * unlocking, then (with --workspace) reading that workspace's root
 * folder, then reading each of its entries.
 */
static int
token_costs(struct cli *cli, struct sceau_client *c, const char *ws,
    unsigned long unlock, json_t *o)
{
	const struct sceau_manifest *root, *m;
	unsigned long before, after_ws;
	char names[64][SCEAU_ID_LEN + 1];
	struct cli_ws w;
	size_t i, n;
	json_t *t;
	int r;

	if (sceau_client_token(c) == NULL)
		return 0;
	before = sceau_token_ops_total();
	after_ws = before;
	n = 0;
	if (ws != NULL) {
		if ((r = cli_ws_open(cli, c, ws, &w)) != 0)
			return r;
		if ((r = sceau_ws_lookup(w.w, "/", &root)) != 0) {
			(void)cli_ws_close(cli, &w);
			return cli_error(cli, r, _("reading %s"), ws);
		}
		after_ws = sceau_token_ops_total();
		for (i = 0; i < root->n_entries && n < 64; i++)
			(void)snprintf(names[n++], sizeof(names[0]), "%s",
			    root->entries[i].child_id);
		for (i = 0; i < n; i++) {
			if ((r = sceau_ws_manifest(w.w, names[i], &m)) != 0)
				break;
		}
		if ((r = cli_ws_close(cli, &w)) != 0)
			return r;
	}
	if ((t = json_pack("{s:I, s:I, s:I, s:I}", "unlock", (json_int_t)unlock,
	         "workspace", (json_int_t)(after_ws - before), "files",
	         (json_int_t)(sceau_token_ops_total() - after_ws), "entries",
	         (json_int_t)n)) == NULL ||
	    json_object_set_new(o, "token_ops", t) != 0)
		return CLI_EXIT_FAILURE;
	return 0;
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	const char *ws = NULL;
	struct cli_opt opts[] = {
	    {"workspace",
	        N_("  --workspace /NAME       a token-backed device: also read "
	           "this workspace\n"
	           "                          and count the card's "
	           "operations\n"),
	        NULL, &ws},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"status", "[OPTIONS]",
	    N_("Fetches the organization's new records and shows the state.\n"),
	    0, 0, 0, opts};
	struct sceau_client *c;
	unsigned long unlock;
	json_t *o, *sync;
	int r, rr;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	unlock = sceau_token_ops_total();
	rr = sceau_client_refresh(c, NULL);
	o = describe_state(c, rr);
	if (o != NULL && (sync = cli_agent_sync_json(c)) != NULL &&
	    json_object_set_new(o, "sync", sync) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o != NULL && rr == 0 &&
	    (r = token_costs(cli, c, cli_setup_value(&setup, "workspace"),
	         unlock, o)) != 0) {
		json_decref(o);
		sceau_client_close(c);
		return r;
	}
	sceau_client_close(c);
	if (o == NULL)
		return CLI_EXIT_FAILURE;
	if (cli->json) {
		(void)cli_print_json(cli, o);
	} else {
		print_status(o);
		json_decref(o);
	}
	/* Offline is a state, not a failure; tampering or revocation is. */
	if (rr == 0 || cli_exit_code(rr) == CLI_EXIT_UNREACHABLE)
		return CLI_EXIT_OK;
	return cli_exit_code(rr);
}
