/*
 * cmd-org.c: "sceau org bootstrap": create the first admin and device of
 * an organization from its bootstrap link; "sceau org export-history":
 * the organization's signed history, for auditors (doc/audit.md).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"

enum {
	OPT_EMAIL = 0x1200,
	OPT_PROFILE_CHANGE,
	OPT_ROOT_KEY_OUT,
};

struct bootstrap_args {
	struct cli_device_opts dev;
	struct cli_new_device nd;
	const char *email, *root_key_out;
	int profile_change;
};

static void
bootstrap_usage(FILE *f)
{
	cli_print_usage(f, "org bootstrap",
	    _("LINK --email EMAIL --name NAME [OPTIONS]"),
	    _("Creates the first administrator and device of a new "
	      "organization,\n"
	      "from the bootstrap link its server administrator gave.\n"
	      "\n"
	      "  --email EMAIL           the administrator's email\n"
	      "  --name NAME             the administrator's name\n"
	      "  --device-label LABEL    name of this device (default: host "
	      "name)\n"
	      "  --password-file FILE    protect the device with the password "
	      "in FILE\n"
	      "  --keyring               protect the device with this "
	      "computer's keyring\n"
	      "  --allow-profile-change  let admins change profiles later "
	      "(permanent)\n"
	      "  --root-key-out FILE     keep the root key in FILE, for "
	      "offline storage\n"
	      "  --token URI             a token-backed administrator: the "
	      "smartcard\n"
	      "                          (PKCS#11 URI) protects this device "
	      "and "
	      "signs\n"
	      "  --pin-file FILE         the card's PIN, from FILE\n"
	      "  --pki-ca FILE           the organization's PKI trust anchors "
	      "(PEM)\n"
	      "  --pki-intermediates FILE  certificates between the card's and "
	      "an anchor\n"
	      "  --ca-file FILE          trust anchors of the server's TLS "
	      "certificate\n"
	      "  --insecure-http         allow plain HTTP to a non-loopback "
	      "server\n"
	      "  --json                  machine-readable output\n"));
}

static int
parse_bootstrap(
    struct cli *cli, int argc, char **argv, struct bootstrap_args *a)
{
	static const struct option opts[] = {
	    {"email", required_argument, NULL, OPT_EMAIL},
	    {"name", required_argument, NULL, CLI_OPT_NAME},
	    {"device-label", required_argument, NULL, CLI_OPT_LABEL},
	    {"keyring", no_argument, NULL, CLI_OPT_KEYRING},
	    {"allow-profile-change", no_argument, NULL, OPT_PROFILE_CHANGE},
	    {"root-key-out", required_argument, NULL, OPT_ROOT_KEY_OUT},
	    {"token", required_argument, NULL, CLI_OPT_TOKEN},
	    {"pki-ca", required_argument, NULL, CLI_OPT_PKI_CA},
	    {"pki-intermediates", required_argument, NULL,
	        CLI_OPT_PKI_INTERMEDIATES},
	    CLI_DEVICE_OPTIONS,
	    CLI_COMMON_OPTIONS,
	};
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			bootstrap_usage(stdout);
			return -1;
		}
		if (cli_common_option(cli, ch) ||
		    cli_device_option(&a->dev, ch, optarg) ||
		    cli_new_device_option(&a->nd, ch, optarg))
			continue;
		switch (ch) {
		case OPT_EMAIL:
			a->email = optarg;
			break;
		case OPT_PROFILE_CHANGE:
			a->profile_change = 1;
			break;
		case OPT_ROOT_KEY_OUT:
			a->root_key_out = optarg;
			break;
		default:
			return cli_usage_error(
			    cli, "org bootstrap", _("bad option"));
		}
	}
	if (optind != argc - 1 || a->email == NULL || a->nd.name == NULL)
		return cli_usage_error(cli, "org bootstrap",
		    _("a link, --email and --name are needed"));
	if ((r = cli_new_device_check(cli, "org bootstrap", &a->nd, &a->dev)) !=
	    0)
		return r;
	if (a->nd.token != NULL && a->nd.pki_ca == NULL)
		return cli_usage_error(cli, "org bootstrap",
		    _("--token needs --pki-ca: the organization's PKI"));
	return 0;
}

static int
print_result(struct cli *cli, struct sceau_client *c)
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);

	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "org_id",
		        info->org_id, "server", info->server_url, "user_id",
		        info->user_id, "device_id", info->device_id,
		        "device_label", info->device_label));
	(void)printf(_("Organization %s created on %s.\n"), info->org_id,
	    info->server_url);
	(void)printf(_("You are its first administrator (user %s),\n"
	               "on device \"%s\" (%s).\n"),
	    info->user_id, info->device_label, info->device_id);
	return CLI_EXIT_OK;
}

static int
cmd_org_bootstrap(struct cli *cli, int argc, char **argv)
{
	struct bootstrap_args a;
	struct sceau_bootstrap_params p;
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co;
	struct sceau_client *c = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = parse_bootstrap(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	a.nd.link = argv[optind];
	if ((r = cli_new_device_auth(cli, &a.nd, &a.dev, &auth)) != 0)
		return r;
	memset(&p, 0, sizeof(p));
	p.link = argv[optind];
	p.email = a.email;
	p.name = a.nd.name;
	p.device_label = a.nd.label;
	p.auth = &auth;
	p.allow_profile_change = a.profile_change;
	p.root_key_out = a.root_key_out;
	p.pki_anchors = a.nd.pki_ca;
	p.pki_intermediates = a.nd.pki_intermediates;
	cli_client_opts(&a.dev, &co);
	r = sceau_client_bootstrap(&p, &co, &c);
	cli_secret_free(&a.nd.pw);
	if (r != 0)
		return cli_error(cli, r, _("bootstrapping the organization"));
	r = print_result(cli, c);
	sceau_client_close(c);
	return r;
}

static void
export_progress(void *arg, const struct sceau_client_history *st)
{
	const struct cli *cli = arg;

	if (cli->json || !isatty(2))
		return;
	(void)fputc('\r', stderr);
	(void)fprintf(stderr,
	    _("%llu certificates, %llu versions of %llu workspaces..."),
	    (unsigned long long)st->certificates,
	    (unsigned long long)st->versions,
	    (unsigned long long)st->realms + 1);
}

static int
export_print(
    struct cli *cli, const char *file, const struct sceau_client_history *st)
{
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "file", file,
		        "certificates", (json_int_t)st->certificates,
		        "versions", (json_int_t)st->versions, "workspaces",
		        (json_int_t)st->realms, "workspaces_skipped",
		        (json_int_t)st->realms_skipped, "crls",
		        (json_int_t)st->crls));
	if (isatty(2))
		(void)fputc('\n', stderr);
	(void)printf(_("Exported %llu certificates, %llu versions of %llu "
	               "workspaces and %llu CRLs to %s.\n"),
	    (unsigned long long)st->certificates,
	    (unsigned long long)st->versions, (unsigned long long)st->realms,
	    (unsigned long long)st->crls, file);
	if (st->realms_skipped > 0)
		(void)printf(_("%llu workspaces where you have no role are not "
		               "in it: their members can export them.\n"),
		    (unsigned long long)st->realms_skipped);
	return CLI_EXIT_OK;
}

static int
cmd_org_export_history(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"org export-history",
	    N_("FILE [OPTIONS]"),
	    N_("Exports the organization's history to FILE (- for standard "
	       "output), for\n"
	       "auditors (sceau-audit verify): every certificate, every "
	       "version of the\n"
	       "workspaces you have a role in, as signed and still encrypted, "
	       "and the CRLs\n"
	       "this computer used.\n"),
	    1, 0, 1, NULL};
	struct sceau_client_history st;
	struct sceau_client *c;
	const char *file;
	FILE *f;
	int r, fd;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	file = argv[optind];
	if (strcmp(file, "-") == 0)
		f = stdout;
	else if ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	              0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		sceau_message("%s: %s", file, strerror(errno));
		sceau_client_close(c);
		return cli_error(cli, SCEAU_ERR_SYSTEM, _("writing %s"), file);
	}
	r = sceau_client_export_history(c, f, &st, export_progress, cli);
	sceau_client_close(c);
	if (fflush(f) != 0 && r == 0) {
		sceau_message("%s: %s", file, strerror(errno));
		r = SCEAU_ERR_SYSTEM;
	}
	if (f != stdout && fclose(f) != 0 && r == 0) {
		sceau_message("%s: %s", file, strerror(errno));
		r = SCEAU_ERR_SYSTEM;
	}
	if (r != 0)
		return cli_error(
		    cli, r, _("exporting the history to %s"), file);
	return export_print(cli, file, &st);
}

int
cmd_org(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"bootstrap", cmd_org_bootstrap,
	        N_("create an organization's first admin and device")},
	    {"export-history", cmd_org_export_history,
	        N_("export the organization's signed history for auditors")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "org", table, argc, argv);
}
