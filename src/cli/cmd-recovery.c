/*
 * cmd-recovery.c: "sceau device export-recovery|import-recovery":
 * recovery devices (doc/recovery.md).  The passphrase is printed once, by
 * export-recovery, and never logged.
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
#include "recovery.h"
#include "secmem.h"
#include "wspolicy.h"

#define PASSPHRASE_SIZE (SCEAU_RECOVERY_GROUPED_LEN + 1)

/* Characters of a default file name; others become '_'. */
static int
name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '@' || ch == '+' ||
	    ch == '_' || ch == '-';
}

/*
 * sceau-recovery-ORG-USER-YYYY-MM-DD.sceau-recovery, USER being the
 * user's email when this device sees it (its own: always), else its id.
 */
static void
default_file(struct sceau_client *c, char *out, size_t size)
{
	const struct sceau_chain_user *u = sceau_client_self(c);
	const char *who = sceau_client_info(c)->user_id;
	struct sceau_identity id;
	char date[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (u != NULL &&
	    sceau_client_identity(c, u->created_index, u->identity_hash, &id) ==
	        0 &&
	    id.email[0] != '\0')
		who = id.email;
	sceau_message_clear();
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
		(void)snprintf(date, sizeof(date), "0000-00-00");
	(void)snprintf(out, size, "sceau-recovery-%s-%s-%s.sceau-recovery",
	    sceau_client_info(c)->org_id, who, date);
	for (i = 0; out[i] != '\0'; i++)
		if (!name_char(out[i]))
			out[i] = '_';
}

static int
print_export(struct cli *cli, const struct sceau_keyfile_info *info,
    const char *path, const char *passphrase)
{
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "org_id",
		        info->org_id, "user_id", info->user_id, "device_id",
		        info->device_id, "device_label", info->device_label,
		        "file", path, "passphrase", passphrase));
	(void)printf(_("Recovery device \"%s\" (%s) created.\n"
	               "Recovery file: %s\n"
	               "\n"
	               "Its passphrase, shown this once only:\n"
	               "\n"
	               "    %s\n"
	               "\n"),
	    info->device_label, info->device_id, path, passphrase);
	(void)printf(_("Write the passphrase down on paper, and keep it apart "
	               "from the file;\n"
	               "keep the file offline (a USB key in a safe, for "
	               "instance).  Together they\n"
	               "enroll a new device on any computer, even when every "
	               "other device is lost:\n"
	               "    sceau device import-recovery FILE\n"
	               "Anyone who holds both can act as you.  If either is "
	               "lost, revoke the\n"
	               "recovery device:\n"
	               "    sceau device revoke %s\n"),
	    info->device_id);
	return CLI_EXIT_OK;
}

int
cmd_device_export_recovery(struct cli *cli, int argc, char **argv)
{
	const char *out = NULL, *label = NULL;
	const struct cli_opt opts[] = {
	    {"out",
	        N_("  --out FILE              write the recovery file to FILE "
	           "(never over an\n"
	           "                          existing file; default: "
	           "sceau-recovery-ORG-USER-DATE\n"
	           "                          .sceau-recovery here)\n"),
	        NULL, &out},
	    {"label",
	        N_("  --label LABEL           the recovery device's label "
	           "(default: recovery DATE)\n"),
	        NULL, &label},
	    {NULL, NULL, NULL, NULL}};
	const struct cli_setup setup = {"device export-recovery", "[OPTIONS]",
	    N_("Creates a recovery device of your user and writes its "
	       "recovery file, sealed\n"
	       "under a passphrase printed once: with both, a new device can "
	       "be enrolled\n"
	       "on any computer when every other one is lost.\n"),
	    0, 0, 1, opts};
	struct sceau_keyfile_info info;
	struct sceau_client *c;
	char path[4096], *pp;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if (out != NULL)
		(void)snprintf(path, sizeof(path), "%s", out);
	else
		default_file(c, path, sizeof(path));
	if ((pp = sceau_secmem_alloc(PASSPHRASE_SIZE)) == NULL) {
		sceau_client_close(c);
		return cli_error(
		    cli, SCEAU_ERR_SECMEM, _("creating the passphrase"));
	}
	r = sceau_client_export_recovery(
	    c, path, label, pp, PASSPHRASE_SIZE, &info);
	sceau_client_close(c);
	if (r != 0)
		r = cli_error(
		    cli, r, _("exporting a recovery device to %s"), path);
	else
		r = print_export(cli, &info, path, pp);
	sceau_secmem_free(pp);
	return r;
}

/* ------------------------------------------------------------- import */

enum {
	OPT_PASSPHRASE_FILE = 0x1600,
	OPT_LABEL,
	OPT_KEYRING,
};

struct import_args {
	struct cli_device_opts dev; /* --password-file, --ca-file... */
	const char *file, *passphrase_file, *label;
	int keyring;
};

static void
import_usage(void)
{
	cli_print_usage(stdout, "device import-recovery", _("FILE [OPTIONS]"),
	    _("Enrolls a new device of your user on this computer from a "
	      "recovery file and\n"
	      "its passphrase (asked for; case and dashes do not matter).  "
	      "The recovery\n"
	      "file stays valid.\n"
	      "\n"
	      "  --passphrase-file FILE  the passphrase, from FILE\n"
	      "  --label LABEL           name of the new device (default: "
	      "host name)\n"
	      "  --password-file FILE    protect the new device with the "
	      "password in FILE\n"
	      "  --keyring               protect the new device with this "
	      "computer's keyring\n"
	      "  --ca-file FILE          trust anchors of the server's TLS "
	      "certificate\n"
	      "  --insecure-http         allow plain HTTP to a non-loopback "
	      "server\n"
	      "  --json                  machine-readable output\n"));
}

static int
parse_import(struct cli *cli, int argc, char **argv, struct import_args *a)
{
	static const struct option opts[] = {
	    {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
	    {"label", required_argument, NULL, OPT_LABEL},
	    {"keyring", no_argument, NULL, OPT_KEYRING},
	    {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
	    {"ca-file", required_argument, NULL, CLI_OPT_CA_FILE},
	    {"insecure-http", no_argument, NULL, CLI_OPT_INSECURE_HTTP},
	    CLI_COMMON_OPTIONS,
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			import_usage();
			return -1;
		}
		if (ch == OPT_PASSPHRASE_FILE)
			a->passphrase_file = optarg;
		else if (ch == OPT_LABEL)
			a->label = optarg;
		else if (ch == OPT_KEYRING)
			a->keyring = 1;
		else if (!cli_common_option(cli, ch) &&
		    !cli_device_option(&a->dev, ch, optarg))
			return cli_usage_error(
			    cli, "device import-recovery", _("bad option"));
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "device import-recovery",
		    _("one recovery file is needed"));
	if (a->keyring && a->dev.password_file != NULL)
		return cli_usage_error(cli, "device import-recovery",
		    _("--keyring and --password-file exclude each other"));
	a->file = argv[optind];
	return 0;
}

/* Asks for the passphrase and unlocks the recovery file. */
static int
open_recovery(struct cli *cli, const struct import_args *a,
    struct sceau_keyfile_info *rinfo, struct sceau_keyfile_keys *rkeys)
{
	struct cli_secret pp = {NULL, 0};
	char prompt[512];
	int r;

	if ((r = sceau_keyfile_read_recovery_info(a->file, rinfo)) != 0)
		return cli_error(
		    cli, r, _("reading the recovery file %s"), a->file);
	/*
	 * The workstation policy's servers and organizations, and how the
	 * new device is protected, before the passphrase is asked.
	 */
	if ((r = sceau_wspolicy_server(rinfo->server_url)) != 0 ||
	    (r = sceau_wspolicy_org(rinfo->org_id)) != 0 ||
	    (r = cli_ws_policy_auth(a->keyring ? SCEAU_KEYFILE_KEYRING
	                                       : SCEAU_KEYFILE_PASSWORD)) != 0)
		return cli_error(cli, r, _("joining the organization"));
	(void)snprintf(prompt, sizeof(prompt),
	    _("Passphrase of recovery file \"%s\" of %s: "),
	    rinfo->device_label, rinfo->org_id);
	if ((r = cli_secret_read(prompt, a->passphrase_file, &pp)) != 0)
		return cli_error(cli, r, _("reading the passphrase"));
	r = sceau_client_recovery_open(a->file, pp.data, pp.len, rinfo, rkeys);
	cli_secret_free(&pp);
	if (r != 0)
		return cli_error(
		    cli, r, _("opening the recovery file %s"), a->file);
	return 0;
}

static int
print_import(struct cli *cli, const struct sceau_keyfile_info *info,
    const struct sceau_keyfile_info *rinfo)
{
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "org_id",
		        info->org_id, "server", info->server_url, "user_id",
		        info->user_id, "device_id", info->device_id,
		        "device_label", info->device_label,
		        "recovery_device_id", rinfo->device_id));
	(void)printf(_("Device \"%s\" (%s) of user %s in %s is enrolled on "
	               "this computer,\n"
	               "vouched for by recovery device \"%s\" (%s), which "
	               "stays valid.\n"),
	    info->device_label, info->device_id, info->user_id, info->org_id,
	    rinfo->device_label, rinfo->device_id);
	return CLI_EXIT_OK;
}

/* The new device's protection: the keyring, or a new password. */
static int
new_auth(const struct import_args *a, struct sceau_keyfile_auth *auth,
    struct cli_secret *pw)
{
	int r;

	memset(auth, 0, sizeof(*auth));
	auth->kind =
	    a->keyring ? SCEAU_KEYFILE_KEYRING : SCEAU_KEYFILE_PASSWORD;
	if (a->keyring)
		return 0;
	if ((r = cli_secret_read(_("New password for this device: "),
	         a->dev.password_file, pw)) != 0)
		return r;
	auth->password = pw->data;
	auth->password_len = pw->len;
	return 0;
}

int
cmd_device_import_recovery(struct cli *cli, int argc, char **argv)
{
	struct import_args a;
	struct sceau_keyfile_info rinfo, info;
	struct sceau_keyfile_keys rkeys = {NULL, NULL};
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co;
	struct cli_secret pw = {NULL, 0};
	char host[SCEAU_NAME_MAX + 1];
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = parse_import(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = open_recovery(cli, &a, &rinfo, &rkeys)) != 0)
		return r;
	if (a.label == NULL)
		a.label = cli_host_label(host, sizeof(host));
	if ((r = new_auth(&a, &auth, &pw)) != 0) {
		sceau_keyfile_keys_free(&rkeys);
		return cli_error(cli, r, _("reading the password"));
	}
	cli_client_opts(&a.dev, &co);
	r = sceau_client_recover(&rinfo, &rkeys, a.label, &auth, &co, &info);
	cli_secret_free(&pw);
	if (r != 0)
		return cli_error(cli, r,
		    _("enrolling a device from the recovery "
		      "file"));
	return print_import(cli, &info, &rinfo);
}
