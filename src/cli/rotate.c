/*
 * rotate.c: after an act that took a reader away (a revocation, an
 * unshare) and in "sceau sync": the workspace keys this owner rotates
 * now, or that the organization policy lets wait (doc/workspaces.md,
 * "Rotation after a revocation").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "errors.h"
#include "i18n.h"

struct rotate_run {
	struct cli *cli;
	struct sceau_client *c;
	json_t *arr;
	uint64_t now_us;
};

static void
rotated(void *arg, const struct sceau_rotation *rot)
{
	struct rotate_run *run = arg;
	char name[SCEAU_NAME_MAX_BYTES + 1];
	unsigned long long wait_s;
	json_t *o;

	if (sceau_client_realm_name(
	        run->c, rot->realm_id, name, sizeof(name)) != 0)
		(void)snprintf(name, sizeof(name), "%s", rot->realm_id);
	wait_s = rot->due_us > run->now_us
	    ? (rot->due_us - run->now_us + 999999u) / 1000000u
	    : 0;
	if (rot->result != 0)
		o = json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "realm_id",
		    rot->realm_id, "name", name, "cause_index",
		    (json_int_t)rot->cause_index, "error", "code",
		    sceau_errname(rot->result), "message",
		    sceau_strerror(rot->result));
	else if (rot->key_index != 0)
		o = json_pack("{s:s, s:s, s:I, s:i}", "realm_id", rot->realm_id,
		    "name", name, "cause_index", (json_int_t)rot->cause_index,
		    "key_index", (int)rot->key_index);
	else
		o = json_pack("{s:s, s:s, s:I, s:I}", "realm_id", rot->realm_id,
		    "name", name, "cause_index", (json_int_t)rot->cause_index,
		    "due_in_s", (json_int_t)wait_s);
	if (o != NULL)
		(void)json_array_append_new(run->arr, o);
	if (run->cli->json)
		return;
	if (rot->result != 0)
		(void)fprintf(stderr,
		    _("%s: rotating the key of workspace %s: %s\n"),
		    run->cli->progname, name, sceau_strerror(rot->result));
	else if (rot->key_index != 0)
		(void)printf(_("Workspace %s now uses key %u: who lost access "
		               "cannot read what is written next.\n"),
		    name, rot->key_index);
	else
		(void)printf(_("Workspace %s: its key rotates in %llu s "
		               "(organization policy).\n"),
		    name, wait_s);
}

json_t *
cli_rotate_due(struct cli *cli, struct sceau_client *c)
{
	struct rotate_run run;
	int r;

	run.cli = cli;
	run.c = c;
	run.now_us = sceau_client_now_us();
	if ((run.arr = json_array()) == NULL)
		return NULL;
	r = sceau_client_rotate_due(c, run.now_us, rotated, &run, NULL);
	/* Each failure is in the array, and said: the act itself was done. */
	(void)r;
	return run.arr;
}
