/*
 * cmd-transfer.c: files in and out: "sceau import", "export", "cat".
 * Import works offline (into the local cache: sync sends it); export and
 * cat read blocks from the local cache, or from the server when this
 * device does not hold them.
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
#include "ws.h"

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"import",
	    N_("LOCAL-PATH /WORKSPACE/PATH [OPTIONS]"),
	    N_("Encrypts a file or a folder tree into a workspace (works "
	       "offline; sync sends it).  A file replaces the file at PATH; a "
	       "folder merges into the folder there.\n"),
	    2, 0, 0, NULL};
	struct sceau_ws_import_stats st;
	struct cli_progress p;
	struct sceau_client *c;
	struct cli_ws ws;
	double secs;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = cli_ws_open(cli, c, argv[optind + 1], &ws)) != 0) {
		sceau_client_close(c);
		return r;
	}
	cli_progress_init(cli, &p, _("importing"));
	r = sceau_ws_import(ws.w, argv[optind], ws.path, &p.ws, &st);
	secs = cli_progress_end(&p);
	if (r != 0) {
		sceau_ws_abort(ws.w);
		sceau_client_close(c);
		return cli_error(cli, r, _("importing %s"), argv[optind]);
	}
	r = cli_ws_close(cli, &ws);
	sceau_client_close(c);
	if (r != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:I, s:I, s:I, s:I, s:f}", "files",
		        (json_int_t)st.files, "folders", (json_int_t)st.folders,
		        "bytes", (json_int_t)st.bytes, "skipped",
		        (json_int_t)st.skipped, "seconds", secs));
	(void)printf(_("Imported %llu files, %llu folders, %.1f MB in %.2f s"),
	    (unsigned long long)st.files, (unsigned long long)st.folders,
	    (double)st.bytes / 1e6, secs);
	if (st.skipped > 0)
		(void)printf(_(" (%llu links or special files skipped)"),
		    (unsigned long long)st.skipped);
	(void)printf("\n");
	return CLI_EXIT_OK;
}

/* export and cat: from the cache if the blocks are here, else the server. */
static int
export_to(struct cli *cli, int argc, char **argv, const struct cli_setup *setup,
    const char *dst_arg_or_null)
{
	struct sceau_ws_source net;
	struct sceau_client *c;
	struct cli_ws ws;
	const char *dst;
	uint64_t at = 0;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	dst = dst_arg_or_null != NULL ? dst_arg_or_null : argv[optind + 1];
	if ((r = cli_setup_at(cli, setup, &at)) != 0) {
		sceau_client_close(c);
		return r;
	}
	if ((r = cli_ws_open_at(cli, c, argv[optind], at, &ws)) != 0) {
		sceau_client_close(c);
		return r;
	}
	/* Blocks held here are read here; the others, from the server. */
	if ((r = sceau_sync_source_new(c, ws.realm, &net)) == 0)
		r = sceau_ws_export(ws.w, ws.path, dst, &net);
	sceau_sync_source_free(&net);
	sceau_ws_abort(ws.w);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(cli, r, _("reading %s"), argv[optind]);
	return CLI_EXIT_OK;
}

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	const char *at = NULL;
	const struct cli_opt opts[] = {{"at",
	                                   N_("  --at DATE               as it "
	                                      "was then (from the server)\n"),
	                                   NULL, &at},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"export",
	    N_("/WORKSPACE/PATH LOCAL-PATH [OPTIONS]"),
	    N_("Decrypts a file or a folder tree of a workspace to LOCAL-PATH "
	       "(\"-\": standard output).\n"),
	    2, 0, 0, opts};

	return export_to(cli, argc, argv, &setup, NULL);
}

int
cmd_cat(struct cli *cli, int argc, char **argv)
{
	const char *at = NULL;
	const struct cli_opt opts[] = {{"at",
	                                   N_("  --at DATE               as it "
	                                      "was then (from the server)\n"),
	                                   NULL, &at},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"cat", N_("/WORKSPACE/PATH"),
	    N_("Writes a file of a workspace to standard output.\n"), 1, 0, 0,
	    opts};

	return export_to(cli, argc, argv, &setup, "-");
}
