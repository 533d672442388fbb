/*
 * cmd-sync.c: "sceau sync [WORKSPACE]": pull, push, merge, for one
 * workspace or every one this user is in; with --watch, again and again
 * as the server announces changes.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "http.h"
#include "i18n.h"
#include "sync.h"

static volatile sig_atomic_t sync_stop;

static void
on_signal(int sig)
{
	(void)sig;
	sync_stop = 1;
}

/* SIGINT and SIGTERM stop the sync at the next step (nothing is lost). */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

struct sync_run {
	struct cli *cli;
	struct sceau_client *c;
	json_t *arr; /* one object per workspace synced (not --watch) */
	json_t *rot; /* the keys rotated first (not --watch) */
	int watch;
};

/* The workspace's name for messages, else its id. */
static void
realm_label(struct sceau_client *c, const char *realm, char *out, size_t n)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];

	if (sceau_client_realm_name(c, realm, name, sizeof(name)) == 0)
		(void)snprintf(out, n, "%s", name);
	else
		(void)snprintf(out, n, "%s", realm);
}

static json_t *
stats_json(const char *realm, const char *name, int result,
    const struct sceau_sync_stats *st, double secs)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
	    "realm_id", realm, "name", name, "blocks_up",
	    (json_int_t)st->blocks_up, "bytes_up", (json_int_t)st->bytes_up,
	    "vlobs_up", (json_int_t)st->vlobs_up, "vlobs_down",
	    (json_int_t)st->vlobs_down, "merges", (json_int_t)st->merges,
	    "conflict_copies", (json_int_t)st->conflict_copies, "seconds",
	    secs);

	if (o != NULL && result != 0)
		(void)json_object_set_new(o, "error",
		    json_pack("{s:s, s:s}", "code", sceau_errname(result),
		        "message", sceau_strerror(result)));
	return o;
}

/* After each workspace's sync: print it (or add it to the JSON). */
static int
report(void *arg, const char *realm, int r, const struct sceau_sync_stats *st,
    double secs)
{
	struct sync_run *run = arg;
	char name[SCEAU_NAME_MAX_BYTES + 1];
	json_t *o;

	/* The server is away: the watch waits and tries again, quietly. */
	if (realm == NULL)
		return 0;
	realm_label(run->c, realm, name, sizeof(name));
	/* The watch says nothing of passes that moved nothing. */
	if (run->watch && r == 0 && st->vlobs_up == 0 && st->vlobs_down == 0 &&
	    st->blocks_up == 0)
		return 0;
	if (run->cli->json && run->watch) { /* a line per sync, to follow */
		if ((o = stats_json(realm, name, r, st, secs)) != NULL)
			(void)cli_print_json(run->cli, o);
		return 0;
	}
	if (r != 0) {
		(void)cli_error(run->cli, r, _("syncing workspace %s"), name);
		return 0;
	}
	if (run->cli->json)
		return (o = stats_json(realm, name, r, st, secs)) != NULL &&
		        json_array_append_new(run->arr, o) == 0
		    ? 0
		    : SCEAU_ERR_ALLOC;
	(void)printf(_("%s: sent %llu blocks (%.1f MB), %llu records; "
	               "received %llu records; %llu merged, %llu conflict "
	               "copies (%.2f s)\n"),
	    name, (unsigned long long)st->blocks_up, (double)st->bytes_up / 1e6,
	    (unsigned long long)st->vlobs_up,
	    (unsigned long long)st->vlobs_down, (unsigned long long)st->merges,
	    (unsigned long long)st->conflict_copies, secs);
	(void)fflush(stdout);
	return 0;
}

static void
retrying(void *arg, const char *realm, int r, unsigned int attempt,
    unsigned int wait_ms)
{
	struct sync_run *run = arg;
	char name[SCEAU_NAME_MAX_BYTES + 1];

	realm_label(run->c, realm, name, sizeof(name));
	(void)fprintf(stderr, _("%s: %s: %s; trying again in %.1f s (%u)\n"),
	    run->cli->progname, name, sceau_strerror(r),
	    (double)wait_ms / 1000.0, attempt);
}

/* --watch: a key rotation made, or one that failed. */
static void
watch_rotated(void *arg, const struct sceau_rotation *rot)
{
	struct sync_run *run = arg;

	if (rot->result != 0)
		(void)fprintf(stderr,
		    _("%s: rotating the key of workspace %s: %s\n"),
		    run->cli->progname, rot->realm_id,
		    sceau_strerror(rot->result));
	else if (rot->key_index != 0 && run->cli->json)
		(void)cli_print_json(run->cli,
		    json_pack("{s:s, s:i}", "rotated", rot->realm_id,
		        "key_index", (int)rot->key_index));
	else if (rot->key_index != 0)
		(void)printf(_("Workspace %s now uses key %u: who lost access "
		               "cannot read what is written next.\n"),
		    rot->realm_id, rot->key_index);
	(void)fflush(stdout);
}

/* --watch, after each pass: the keys due to rotate; when the next is. */
static long
watch_pass(void *arg)
{
	struct sync_run *run = arg;
	uint64_t now = sceau_client_now_us(), next = 0;

	if (sceau_client_rotate_due(run->c, now, watch_rotated, run, &next) !=
	    0)
		sceau_message_clear();
	return next == 0 ? -1 : (long)SCEAU_MIN((next - now) / 1000u, 3600000u);
}

static int
sync_one(
    struct sync_run *run, const char *realm, const struct sceau_sync_opts *base)
{
	struct sceau_sync_stats st;
	struct sceau_sync_opts opts = *base;
	struct cli_progress p;
	double secs;
	int r;

	memset(&st, 0, sizeof(st));
	cli_progress_init(run->cli, &p, _("syncing"));
	opts.progress = &p.ws;
	r = sceau_sync_realm(run->c, realm, &opts, &st);
	secs = cli_progress_end(&p);
	if (report(run, realm, r, &st, secs) != 0 && r == 0)
		r = SCEAU_ERR_ALLOC;
	return r != 0 ? cli_exit_code(r) : 0;
}

static int
sync_all(
    struct sync_run *run, const char *only, const struct sceau_sync_opts *opts)
{
	char realm[SCEAU_ID_LEN + 1];
	const struct sceau_chain *ch;
	size_t i;
	int r, failed = 0;

	if (only != NULL) {
		if ((r = cli_find_realm(run->c, only, realm)) != 0)
			return cli_error(
			    run->cli, r, _("finding workspace %s"), only);
		return sync_one(run, realm, opts);
	}
	ch = sceau_client_chain(run->c);
	for (i = 0; i < sceau_chain_realm_count(ch); i++) {
		(void)snprintf(realm, sizeof(realm), "%s",
		    sceau_chain_realm_at(ch, i)->realm_id);
		if (sceau_chain_realm_role(ch, realm,
		        sceau_client_info(run->c)->user_id) == SCEAU_ROLE_NONE)
			continue;
		/* One workspace failing does not stop the others. */
		if ((r = sync_one(run, realm, opts)) != 0)
			failed = r;
		ch = sceau_client_chain(run->c);
	}
	return failed;
}

int
cmd_sync(struct cli *cli, int argc, char **argv)
{
	const char *retries = NULL, *interval = NULL;
	int watch = 0;
	const struct cli_opt opts[] = {
	    {"watch",
	        N_("  --watch                 keep syncing as changes come, "
	           "until interrupted\n"),
	        &watch, NULL},
	    {"interval",
	        N_("  --interval SECONDS      with --watch: also sync this "
	           "often (default 30)\n"),
	        NULL, &interval},
	    {"retries",
	        N_("  --retries N             when the server is unreachable, "
	           "try N more times (default 2)\n"),
	        NULL, &retries},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"sync", N_("[WORKSPACE] [OPTIONS]"),
	    N_("Sends this device's changes and fetches the others', for one "
	       "workspace or all of yours.\n"),
	    0, 1, 0, opts};
	struct sceau_sync_watch w;
	struct sceau_sync_opts so;
	struct sync_run run;
	char realm[SCEAU_ID_LEN + 1];
	uint64_t v;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &run.c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&so, 0, sizeof(so));
	memset(&w, 0, sizeof(w));
	so.retries = 2;
	so.stop = &sync_stop;
	so.retrying = retrying;
	so.retrying_arg = &run;
	if (retries != NULL) {
		if (cli_parse_uint(retries, 0, 100, &v) != 0) {
			sceau_client_close(run.c);
			return cli_usage_error(
			    cli, "sync", _("bad number '%s'"), retries);
		}
		so.retries = (unsigned int)v;
	}
	if (interval != NULL) {
		if (cli_parse_uint(interval, 1, 86400, &v) != 0) {
			sceau_client_close(run.c);
			return cli_usage_error(
			    cli, "sync", _("bad number '%s'"), interval);
		}
		w.interval_s = (unsigned int)v;
	}
	run.cli = cli;
	run.watch = watch;
	run.rot = NULL;
	run.arr = json_array();
	catch_signals();
	if (run.arr == NULL)
		r = CLI_EXIT_FAILURE;
	else if ((r = sceau_client_refresh(run.c, NULL)) != 0 &&
	    !sceau_http_retryable(r))
		r = cli_error(cli, r, _("updating the organization's records"));
	else if (!watch) {
		/* Keys due to rotate first: what is sent next uses them. */
		if (r == 0 && (run.rot = cli_rotate_due(cli, run.c)) == NULL)
			r = CLI_EXIT_FAILURE;
		else
			/* Unreachable: the sync says so, after its retries. */
			r = sync_all(
			    &run, optind < argc ? argv[optind] : NULL, &so);
	} else if (optind < argc &&
	    (r = cli_find_realm(run.c, argv[optind], realm)) != 0)
		r = cli_error(cli, r, _("finding workspace %s"), argv[optind]);
	else {
		w.realm_id = optind < argc ? realm : NULL;
		w.report = report;
		w.pass = watch_pass;
		w.arg = &run;
		if ((r = sceau_sync_watch(run.c, &so, &w)) != 0)
			r = cli_error(cli, r, _("syncing"));
	}
	sceau_client_close(run.c);
	if (r == 0 && sync_stop)
		r = watch ? CLI_EXIT_OK
		          : cli_error(cli, SCEAU_ERR_INTERRUPTED, _("syncing"));
	if (r == 0 && cli->json && !watch)
		return cli_print_json(cli,
		    json_pack("{s:o, s:o}", "workspaces", run.arr, "rotations",
		        run.rot != NULL ? run.rot : json_array()));
	json_decref(run.arr);
	json_decref(run.rot);
	return r;
}
