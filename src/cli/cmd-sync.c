/*
 * cmd-sync.c: "sceau sync [WORKSPACE]": pull, push, merge, for one
 * workspace or every one this user is in.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "sync.h"

static int
sync_one(
    struct cli *cli, struct sceau_client *c, const char *realm, json_t *arr)
{
	struct sceau_sync_stats st;
	struct sceau_sync_opts opts;
	struct cli_progress p;
	double secs;
	int r;

	memset(&st, 0, sizeof(st));
	memset(&opts, 0, sizeof(opts));
	cli_progress_init(cli, &p, _("syncing"));
	opts.progress = &p.ws;
	r = sceau_sync_realm(c, realm, &opts, &st);
	secs = cli_progress_end(&p);
	if (r != 0)
		return cli_error(cli, r, _("syncing workspace %s"), realm);
	(void)json_array_append_new(arr,
	    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "realm_id",
	        realm, "blocks_up", (json_int_t)st.blocks_up, "bytes_up",
	        (json_int_t)st.bytes_up, "vlobs_up", (json_int_t)st.vlobs_up,
	        "vlobs_down", (json_int_t)st.vlobs_down, "merges",
	        (json_int_t)st.merges, "conflict_copies",
	        (json_int_t)st.conflict_copies, "seconds", secs));
	if (!cli->json)
		(void)printf(_("%s: sent %llu blocks (%.1f MB), %llu records; "
		               "received %llu records; %llu merged, %llu "
		               "conflict copies (%.2f s)\n"),
		    realm, (unsigned long long)st.blocks_up,
		    (double)st.bytes_up / 1e6, (unsigned long long)st.vlobs_up,
		    (unsigned long long)st.vlobs_down,
		    (unsigned long long)st.merges,
		    (unsigned long long)st.conflict_copies, secs);
	return 0;
}

int
cmd_sync(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"sync", N_("[WORKSPACE]"),
	    N_("Sends this device's changes and fetches the others', for one "
	       "workspace or all of yours.\n"),
	    0, NULL, NULL, NULL, 1, NULL, NULL, NULL};
	struct cli_setup one = setup;
	char realm[SCEAU_ID_LEN + 1];
	const struct sceau_chain *ch;
	struct sceau_client *c;
	json_t *arr;
	size_t i;
	int r, failed = 0;

	/* One optional argument: parse with 0 or 1 positional. */
	one.nargs = argc > 1 && argv[argc - 1][0] != '-' ? 1 : 0;
	if ((r = cli_member_setup(cli, argc, argv, &one, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((arr = json_array()) == NULL) {
		sceau_client_close(c);
		return CLI_EXIT_FAILURE;
	}
	ch = sceau_client_chain(c);
	if (one.nargs == 1) {
		if ((r = cli_find_realm(c, argv[optind], realm)) != 0)
			r = cli_error(
			    cli, r, _("finding workspace %s"), argv[optind]);
		else
			r = sync_one(cli, c, realm, arr);
	}
	for (i = 0; one.nargs == 0 && i < sceau_chain_realm_count(ch); i++) {
		(void)snprintf(realm, sizeof(realm), "%s",
		    sceau_chain_realm_at(ch, i)->realm_id);
		if (sceau_chain_realm_role(ch, realm,
		        sceau_client_info(c)->user_id) == SCEAU_ROLE_NONE)
			continue;
		/* One workspace failing does not stop the others. */
		if ((r = sync_one(cli, c, realm, arr)) != 0)
			failed = r;
		ch = sceau_client_chain(c);
	}
	sceau_client_close(c);
	if (r == 0)
		r = failed;
	if (r == 0 && cli->json)
		return cli_print_json(
		    cli, json_pack("{s:o}", "workspaces", arr));
	json_decref(arr);
	return r;
}
