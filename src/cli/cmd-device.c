/*
 * cmd-device.c: "sceau device list|revoke|change-auth"; the recovery
 * subcommands are in cmd-recovery.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "keyfile.h"
#include "paths.h"

static void
print_device(const json_t *d)
{
	(void)printf("%-32s  %-32s  %-7s  %s%s\n",
	    cli_json_str(d, "device_id", "?"), cli_json_str(d, "user_id", "?"),
	    cli_json_str(d, "status", "?"),
	    cli_json_str(d, "label", _("(hidden)")),
	    json_is_true(json_object_get(d, "this_device"))
	        ? _(" (this device)")
	        : "");
}

static int
cmd_device_list(struct cli *cli, int argc, char **argv)
{
	struct sceau_client *c;
	const struct sceau_chain *ch;
	const char *self;
	json_t *arr, *o;
	size_t i;
	int all = 0, r;
	struct cli_opt opts[] = {
	    {"all",
	        N_("  --all                   every user's devices, revoked "
	           "ones too\n"),
	        &all, NULL},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"device list", "[OPTIONS]",
	    N_("Lists your devices (with --all: every device of the "
	       "organization).\n"),
	    0, 0, 1, opts};

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	ch = sceau_client_chain(c);
	self = sceau_client_info(c)->user_id;
	if ((arr = json_array()) == NULL) {
		sceau_client_close(c);
		return CLI_EXIT_FAILURE;
	}
	for (i = 0; i < sceau_chain_device_count(ch); i++) {
		const struct sceau_chain_device *d =
		    sceau_chain_device_at(ch, i);

		if (!all &&
		    (strcmp(d->user_id, self) != 0 || d->revoked_index != 0))
			continue;
		if ((o = cli_describe_device(c, d)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			r = CLI_EXIT_FAILURE;
			break;
		}
	}
	sceau_client_close(c);
	if (r != 0) {
		json_decref(arr);
		return r;
	}
	if (cli->json)
		return cli_print_json(cli, json_pack("{s:o}", "devices", arr));
	for (i = 0; i < json_array_size(arr); i++)
		print_device(json_array_get(arr, i));
	json_decref(arr);
	return CLI_EXIT_OK;
}

static int
cmd_device_revoke(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"device revoke",
	    N_("DEVICE [OPTIONS]"),
	    N_("Revokes a device (a lost or stolen one): it loses access, "
	       "its user does not.\n"),
	    1, 0, 1, NULL};
	struct sceau_client *c;
	char id[SCEAU_ID_LEN + 1];
	json_t *rot = NULL;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	(void)snprintf(id, sizeof(id), "%s", argv[optind]);
	if ((r = sceau_client_revoke_device(c, id)) != 0)
		r = cli_error(cli, r, _("revoking device %s"), argv[optind]);
	if (r == 0 && !cli->json)
		(void)printf(_("Device %s is revoked.\n"), id);
	/* The keys of its user's workspaces, where this user is an owner. */
	if (r == 0 && (rot = cli_rotate_due(cli, c)) == NULL)
		r = CLI_EXIT_FAILURE;
	sceau_client_close(c);
	if (r != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:o}", "device_id", id, "result",
		        "revoked", "rotations", rot));
	json_decref(rot);
	return CLI_EXIT_OK;
}

enum {
	OPT_TO = 0x1500,
	OPT_NEW_PASSWORD_FILE,
};

struct change_args {
	struct cli_device_opts dev;
	const char *to, *new_password_file;
};

static int
parse_change_auth(struct cli *cli, int argc, char **argv, struct change_args *a)
{
	static const struct option opts[] = {
	    {"to", required_argument, NULL, OPT_TO},
	    {"new-password-file", required_argument, NULL,
	        OPT_NEW_PASSWORD_FILE},
	    CLI_DEVICE_OPTIONS,
	    CLI_COMMON_OPTIONS,
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "device change-auth",
			    _("--to password|keyring [OPTIONS]"),
			    _("Changes how this device's keys are protected.\n"
			      "\n"
			      "  --to password|keyring    the new protection\n"
			      "  --new-password-file FILE the new password, "
			      "from FILE\n"
			      "  --password-file FILE     the current "
			      "password, from FILE\n"
			      "  --org ORG, --device ID   which device\n"
			      "  --json                   machine-readable "
			      "output\n"));
			return -1;
		}
		if (ch == OPT_TO)
			a->to = optarg;
		else if (ch == OPT_NEW_PASSWORD_FILE)
			a->new_password_file = optarg;
		else if (!cli_common_option(cli, ch) &&
		    !cli_device_option(&a->dev, ch, optarg))
			return cli_usage_error(
			    cli, "device change-auth", _("bad option"));
	}
	if (optind != argc || a->to == NULL ||
	    (strcmp(a->to, "password") != 0 && strcmp(a->to, "keyring") != 0))
		return cli_usage_error(cli, "device change-auth",
		    _("--to password or --to keyring is needed"));
	return 0;
}

/* Reads the current protection's secret, if any, into auth. */
static int
current_auth(const char *path, const struct change_args *a,
    struct sceau_keyfile_auth *auth, struct cli_secret *pw)
{
	struct sceau_keyfile_info info;
	int r;

	memset(auth, 0, sizeof(*auth));
	if ((r = sceau_keyfile_read_info(path, &info)) != 0)
		return r;
	auth->kind = info.protection;
	if (info.protection != SCEAU_KEYFILE_PASSWORD)
		return 0;
	if ((r = cli_secret_read(
	         _("Current password: "), a->dev.password_file, pw)) != 0)
		return r;
	auth->password = pw->data;
	auth->password_len = pw->len;
	return 0;
}

static int
cmd_device_change_auth(struct cli *cli, int argc, char **argv)
{
	struct change_args a;
	struct sceau_paths_device d;
	struct sceau_keyfile_auth old, new;
	struct cli_secret pw = {NULL, 0}, npw = {NULL, 0};
	char path[SCEAU_PATHS_MAX];
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = parse_change_auth(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&new, 0, sizeof(new));
	new.kind = strcmp(a.to, "keyring") == 0 ? SCEAU_KEYFILE_KEYRING
	                                        : SCEAU_KEYFILE_PASSWORD;
	if ((r = sceau_paths_find_device(a.dev.org, a.dev.device, &d)) != 0 ||
	    (r = sceau_paths_device_file(
	         d.org_id, d.device_id, SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = current_auth(path, &a, &old, &pw)) != 0)
		goto out;
	if (new.kind == SCEAU_KEYFILE_PASSWORD) {
		if ((r = cli_secret_read(
		         _("New password: "), a.new_password_file, &npw)) != 0)
			goto out;
		new.password = npw.data;
		new.password_len = npw.len;
	}
	r = sceau_keyfile_change_protection(path, &old, &new);
out:
	cli_secret_free(&pw);
	cli_secret_free(&npw);
	if (r != 0)
		return cli_error(cli, r, _("changing the device's protection"));
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s}", "device_id", d.device_id,
		        "protection", a.to));
	(void)printf(
	    _("Device %s is now protected by: %s.\n"), d.device_id, a.to);
	return CLI_EXIT_OK;
}

int
cmd_device(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"list", cmd_device_list, N_("list devices")},
	    {"revoke", cmd_device_revoke, N_("revoke a device")},
	    {"change-auth", cmd_device_change_auth,
	        N_("change how this device's keys are protected")},
	    {"export-recovery", cmd_device_export_recovery,
	        N_("create a recovery device and its recovery file")},
	    {"import-recovery", cmd_device_import_recovery,
	        N_("enroll a new device here from a recovery file")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "device", table, argc, argv);
}
