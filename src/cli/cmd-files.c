/*
 * cmd-files.c: the small file commands that share one shape (open the
 * workspace of a path, act, commit): "sceau ls", "mkdir", "rm", "mv",
 * "stat".  Import, export, cat, sync and history have files of their own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "ws.h"

/*
 * Parses, opens the client (offline), and the workspace of argv[optind]
 * (as it was at the date of --at when the command takes it).
 */
static int
path_setup(struct cli *cli, int argc, char **argv,
    const struct cli_setup *setup, struct sceau_client **cp, struct cli_ws *ws)
{
	uint64_t at = 0;
	int r;

	*cp = NULL;
	if ((r = cli_member_setup(cli, argc, argv, setup, cp)) != 0)
		return r;
	if ((r = cli_setup_at(cli, setup, &at)) != 0) {
		sceau_client_close(*cp);
		*cp = NULL;
		return r;
	}
	if ((r = cli_ws_open_at(cli, *cp, argv[optind], at, ws)) != 0) {
		sceau_client_close(*cp);
		*cp = NULL;
	}
	return r;
}

/* Commits, closes, reports; r: the status so far. */
static int
finish(struct cli *cli, struct sceau_client *c, struct cli_ws *ws, int r)
{
	int r2;

	if (r != 0)
		sceau_ws_abort(ws->w);
	else if ((r2 = cli_ws_close(cli, ws)) != 0)
		r = r2;
	ws->w = NULL;
	sceau_client_close(c);
	return r;
}

static const char *
type_name(enum sceau_manifest_type t)
{
	return t == SCEAU_MANIFEST_FILE ? "file" : "folder";
}

static json_t *
describe(struct sceau_ws *w, const char *name, const struct sceau_manifest *m)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "name", name,
	    "type", type_name(m->type), "id", m->vlob_id, "size",
	    (json_int_t)m->size, "created", (json_int_t)m->created, "updated",
	    (json_int_t)m->updated);

	(void)w;
	if (o != NULL && m->type != SCEAU_MANIFEST_FILE)
		(void)json_object_set_new(
		    o, "entries", json_integer((json_int_t)m->n_entries));
	return o;
}

static void
print_entry(const json_t *o)
{
	char when[32];
	time_t t = (time_t)(json_integer_value(json_object_get(o, "updated")) /
	    1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
		(void)snprintf(when, sizeof(when), "?");
	(void)printf("%-6s %12lld  %s  %s\n", cli_json_str(o, "type", "?"),
	    (long long)json_integer_value(json_object_get(o, "size")), when,
	    cli_json_str(o, "name", "?"));
}

int
cmd_ls(struct cli *cli, int argc, char **argv)
{
	const char *at = NULL;
	const struct cli_opt opts[] = {{"at",
	                                   N_("  --at DATE               as it "
	                                      "was then (from the server)\n"),
	                                   NULL, &at},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"ls", N_("/WORKSPACE[/PATH]"),
	    N_("Lists a folder, or shows a file (works offline).\n"), 1, 0, 0,
	    opts};
	const struct sceau_manifest *m, *child;
	struct sceau_client *c;
	struct cli_ws ws;
	json_t *arr;
	size_t i;
	int r;

	if ((r = path_setup(cli, argc, argv, &setup, &c, &ws)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((arr = json_array()) == NULL)
		return finish(cli, c, &ws, CLI_EXIT_FAILURE);
	if ((r = sceau_ws_lookup(ws.w, ws.path, &m)) != 0) {
		json_decref(arr);
		return finish(
		    cli, c, &ws, cli_error(cli, r, "%s", argv[optind]));
	}
	if (m->type == SCEAU_MANIFEST_FILE)
		(void)json_array_append_new(arr, describe(ws.w, ws.path, m));
	for (i = 0; m->type != SCEAU_MANIFEST_FILE && i < m->n_entries; i++) {
		struct sceau_manifest_entry e = m->entries[i];

		if ((r = sceau_ws_manifest(ws.w, e.child_id, &child)) != 0) {
			json_decref(arr);
			return finish(cli, c, &ws,
			    cli_error(cli, r, "%s/%s", argv[optind], e.name));
		}
		(void)json_array_append_new(arr, describe(ws.w, e.name, child));
		/* Loading a child may reload the folder: find it again. */
		if ((r = sceau_ws_lookup(ws.w, ws.path, &m)) != 0)
			break;
	}
	r = finish(cli, c, &ws, r);
	if (r == 0 && cli->json)
		return cli_print_json(cli, json_pack("{s:o}", "entries", arr));
	for (i = 0; r == 0 && i < json_array_size(arr); i++)
		print_entry(json_array_get(arr, i));
	json_decref(arr);
	return r;
}

int
cmd_stat(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"stat", N_("/WORKSPACE/PATH"),
	    N_("Shows a file's or folder's details.\n"), 1, 0, 0, NULL};
	const struct sceau_manifest *m;
	struct sceau_client *c;
	struct cli_ws ws;
	json_t *o = NULL;
	int r;

	if ((r = path_setup(cli, argc, argv, &setup, &c, &ws)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = sceau_ws_lookup(ws.w, ws.path, &m)) == 0) {
		o = describe(ws.w, ws.path, m);
		if (o != NULL && m->type == SCEAU_MANIFEST_FILE)
			(void)json_object_set_new(
			    o, "blocks", json_integer((json_int_t)m->n_blocks));
	} else {
		r = cli_error(cli, r, "%s", argv[optind]);
	}
	r = finish(cli, c, &ws, r);
	if (r != 0 || o == NULL) {
		json_decref(o);
		return r != 0 ? r : CLI_EXIT_FAILURE;
	}
	if (cli->json)
		return cli_print_json(cli, o);
	(void)printf(_("%s: %s, %lld bytes, id %s\n"), argv[optind],
	    cli_json_str(o, "type", "?"),
	    (long long)json_integer_value(json_object_get(o, "size")),
	    cli_json_str(o, "id", "?"));
	json_decref(o);
	return CLI_EXIT_OK;
}

int
cmd_mkdir(struct cli *cli, int argc, char **argv)
{
	int parents = 0, r;
	struct cli_opt opts[] = {
	    {"parents",
	        N_("  --parents               create missing parents too\n"),
	        &parents, NULL},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"mkdir", N_("/WORKSPACE/PATH [OPTIONS]"),
	    N_("Creates a folder (works offline).\n"), 1, 0, 0, opts};
	struct sceau_client *c;
	struct cli_ws ws;

	if ((r = path_setup(cli, argc, argv, &setup, &c, &ws)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = sceau_ws_mkdir(ws.w, ws.path, parents)) != 0)
		r = cli_error(cli, r, _("creating %s"), argv[optind]);
	return finish(cli, c, &ws, r);
}

int
cmd_rm(struct cli *cli, int argc, char **argv)
{
	int recursive = 0, r;
	struct cli_opt opts[] = {{"recursive",
	                             N_("  --recursive             remove a "
	                                "folder and its content\n"),
	                             &recursive, NULL},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"rm", N_("/WORKSPACE/PATH [OPTIONS]"),
	    N_("Removes a file or folder (history keeps it: see restore).\n"),
	    1, 0, 0, opts};
	struct sceau_client *c;
	struct cli_ws ws;

	if ((r = path_setup(cli, argc, argv, &setup, &c, &ws)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = sceau_ws_rm(ws.w, ws.path, recursive)) != 0)
		r = cli_error(cli, r, _("removing %s"), argv[optind]);
	return finish(cli, c, &ws, r);
}

int
cmd_mv(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"mv",
	    N_("/WORKSPACE/SOURCE /WORKSPACE/DESTINATION"),
	    N_("Moves or renames within a workspace (works offline).\n"), 2, 0,
	    0, NULL};
	struct sceau_client *c;
	struct cli_ws ws, dst;
	int r;

	if ((r = path_setup(cli, argc, argv, &setup, &c, &ws)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&dst, 0, sizeof(dst));
	/* The destination must be in the same workspace. */
	if (cli_split_ws_arg(argv[optind + 1], dst.name, sizeof(dst.name),
	        dst.path, sizeof(dst.path)) != 0 ||
	    cli_find_realm(c, dst.name, dst.realm) != 0 ||
	    strcmp(dst.realm, ws.realm) != 0)
		return finish(cli, c, &ws,
		    cli_usage_error(cli, "mv",
		        _("both paths must be in the same workspace")));
	if ((r = sceau_ws_mv(ws.w, ws.path, dst.path)) != 0)
		r = cli_error(cli, r, _("moving %s"), argv[optind]);
	return finish(cli, c, &ws, r);
}
