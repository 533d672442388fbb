/*
 * cmd-enroll.c: "sceau enroll link|submit|finish|list|accept|reject":
 * PKI enrollment (doc/enrollment.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "client-enroll.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "paths.h"
#include "token.h"

static void
date_text(uint64_t us, char *out, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		(void)snprintf(out, size, "?");
}

static int
cmd_enroll_link(struct cli *cli, int argc, char **argv)
{
	const char *days = NULL;
	struct cli_opt opts[] = {
	    {"days",
	        N_("  --days N                how long the link works "
	           "(default 30)\n"),
	        NULL, &days},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"enroll link", N_("[OPTIONS]"),
	    N_("Opens enrollment: people whose smartcard certificate chains to "
	       "the\norganization's PKI may ask to join with this link.  A new "
	       "link\nreplaces the old one.  Administrators only.\n"),
	    0, 0, 1, opts};
	char link[SCEAU_LINK_MAX + 1], date[64];
	struct sceau_client *c;
	uint64_t n = 30, expires;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	days = cli_setup_value(&setup, "days");
	if (days != NULL && cli_parse_uint(days, 1, 365, &n) != 0) {
		sceau_client_close(c);
		return cli_usage_error(
		    cli, "enroll link", _("--days: 1 to 365"));
	}
	r = sceau_client_enroll_link(c, n * 86400, link, &expires);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(cli, r, _("opening enrollment"));
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:I}", "link", link, "expires",
		        (json_int_t)expires));
	date_text(expires, date, sizeof(date));
	(void)printf(_("Enrollment link (until %s):\n%s\n"), date, link);
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------- requester */

struct enroll_args {
	struct cli_device_opts dev;
	struct cli_new_device nd;
};

static void
submit_usage(FILE *f)
{
	cli_print_usage(f, "enroll submit", _("LINK --token URI [OPTIONS]"),
	    _("Asks to join an organization with your smartcard: the request "
	      "is\nsigned on the card; an administrator accepts it; then run "
	      "\"sceau\nenroll finish\".\n"
	      "\n"
	      "  --token URI             the card (PKCS#11 URI)\n"
	      "  --pin-file FILE         its PIN, from FILE\n"
	      "  --name NAME             your name\n"
	      "  --device-label LABEL    name of this device (default: host "
	      "name)\n"
	      "  --pki-ca FILE           the PKI trust anchors this computer "
	      "trusts\n"
	      "  --pki-intermediates FILE  certificates between the card's and "
	      "an anchor\n"
	      "  --ca-file FILE          trust anchors of the server's TLS "
	      "certificate\n"
	      "  --insecure-http         allow plain HTTP to a non-loopback "
	      "server\n"
	      "  --json                  machine-readable output\n"));
}

static int
parse_submit(struct cli *cli, int argc, char **argv, struct enroll_args *a)
{
	static const struct option opts[] = {
	    {"token", required_argument, NULL, CLI_OPT_TOKEN},
	    {"name", required_argument, NULL, CLI_OPT_NAME},
	    {"device-label", required_argument, NULL, CLI_OPT_LABEL},
	    {"pki-ca", required_argument, NULL, CLI_OPT_PKI_CA},
	    {"pki-intermediates", required_argument, NULL,
	        CLI_OPT_PKI_INTERMEDIATES},
	    CLI_DEVICE_OPTIONS,
	    CLI_COMMON_OPTIONS,
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			submit_usage(stdout);
			return -1;
		}
		if (!cli_common_option(cli, ch) &&
		    !cli_device_option(&a->dev, ch, optarg) &&
		    !cli_new_device_option(&a->nd, ch, optarg))
			return cli_usage_error(
			    cli, "enroll submit", _("bad option"));
	}
	if (optind != argc - 1 || a->nd.token == NULL || a->nd.name == NULL ||
	    a->nd.pki_ca == NULL)
		return cli_usage_error(cli, "enroll submit",
		    _("a link, --token, --name and --pki-ca are needed"));
	return 0;
}

static int
cmd_enroll_submit(struct cli *cli, int argc, char **argv)
{
	char org[SCEAU_ORG_ID_MAX + 1], id[SCEAU_ID_LEN + 1];
	struct sceau_keyfile_auth auth;
	struct sceau_enroll_params p;
	struct sceau_client_opts co;
	struct enroll_args a;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = parse_submit(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	a.nd.link = argv[optind];
	if ((r = cli_new_device_auth(cli, &a.nd, &a.dev, &auth)) != 0)
		return r;
	memset(&p, 0, sizeof(p));
	p.link = argv[optind];
	p.name = a.nd.name;
	p.device_label = a.nd.label;
	p.token = auth.token;
	p.token_uri = a.nd.token;
	p.pki_anchors = a.nd.pki_ca;
	p.pki_intermediates = a.nd.pki_intermediates;
	cli_client_opts(&a.dev, &co);
	r = sceau_enroll_submit(&p, &co, org, id);
	sceau_token_close(auth.token);
	if (r != 0)
		return cli_error(cli, r, _("asking to join"));
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s}", "org_id", org, "request_id",
		        id, "status", "pending"));
	(void)printf(_("Request %s sent to %s: an administrator must accept "
	               "it.\nThen run: sceau enroll finish --org %s\n"),
	    id, org, org);
	return CLI_EXIT_OK;
}

static int
cmd_enroll_finish(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_DEVICE_OPTIONS,
	    CLI_COMMON_OPTIONS,
	};
	const struct sceau_keyfile_info *info;
	enum sceau_enroll_state st;
	struct sceau_keyfile_auth auth;
	struct sceau_keyfile_info ki;
	struct sceau_paths_device d;
	struct sceau_client_opts co;
	struct cli_device_opts dev;
	struct sceau_client *c = NULL;
	char path[SCEAU_PATHS_MAX], reason[300];
	int ch, r;

	memset(&dev, 0, sizeof(dev));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "enroll finish", _("[OPTIONS]"),
			    _("Asks whether your request was accepted; once it "
			      "is, this device\njoins (your card and its PIN "
			      "needed).\n\n"
			      "  --org ORG               the organization\n"
			      "  --pin-file FILE         the card's PIN, from "
			      "FILE\n"
			      "  --json                  machine-readable "
			      "output\n"));
			return CLI_EXIT_OK;
		}
		if (!cli_common_option(cli, ch) &&
		    !cli_device_option(&dev, ch, optarg))
			return cli_usage_error(
			    cli, "enroll finish", _("bad option"));
	}
	cli_client_opts(&dev, &co);
	if ((r = sceau_paths_find_device(dev.org, NULL, &d)) != 0 ||
	    (r = sceau_paths_device_file(
	         d.org_id, d.device_id, SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_read_info(path, &ki)) != 0)
		return cli_error(cli, r, _("finding the waiting device"));
	memset(&auth, 0, sizeof(auth));
	if ((r = cli_token_open_login(ki.token_uri, dev.pin_file, &auth)) != 0)
		return cli_error(cli, r, _("opening the card"));
	r = sceau_enroll_finish(
	    d.org_id, auth.token, &co, &st, reason, sizeof(reason), &c);
	if (r != 0)
		return cli_error(cli, r, _("finishing the enrollment"));
	if (st != SCEAU_ENROLL_ACCEPTED) {
		if (cli->json)
			(void)cli_print_json(cli,
			    json_pack("{s:s, s:s}", "status",
			        st == SCEAU_ENROLL_PENDING ? "pending"
			                                   : "rejected",
			        "reason", reason));
		else if (st == SCEAU_ENROLL_PENDING)
			(void)printf(_("Your request is still waiting for an "
			               "administrator.\n"));
		else
			(void)printf(_("Your request was rejected%s%s.\n"),
			    reason[0] != '\0' ? ": " : "", reason);
		return st == SCEAU_ENROLL_PENDING ? CLI_EXIT_OK
		                                  : CLI_EXIT_REFUSED;
	}
	info = sceau_client_info(c);
	if (cli->json)
		r = cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:s}", "status", "accepted",
		        "org_id", info->org_id, "user_id", info->user_id,
		        "device_id", info->device_id));
	else
		(void)printf(_("You joined organization %s as user %s, on "
		               "device %s.\n"),
		    info->org_id, info->user_id, info->device_id);
	sceau_client_close(c);
	return r;
}

/* -------------------------------------------------------------- admin */

static const char *
rev_text(enum sceau_x509_rev_status s)
{
	return sceau_x509_rev_status_name(s);
}

static json_t *
item_json(const struct sceau_enroll_item *it)
{
	return json_pack(
	    "{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:s}",
	    "request_id", it->request_id, "created", (json_int_t)it->created_us,
	    "email", it->req.email, "name", it->req.name, "device_label",
	    it->req.label, "subject", it->subject, "issuer", it->issuer,
	    "serial", it->serial, "signature_ok", it->sig_ok, "valid",
	    it->pki_code == 0, "reason", it->pki_reason, "crl",
	    rev_text(it->crl), "ocsp", rev_text(it->ocsp));
}

static int
cmd_enroll_list(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"enroll list", N_("[OPTIONS]"),
	    N_("Lists the pending enrollment requests, each checked again "
	       "here:\nthe card's signature, its certificate's PKI and "
	       "revocation.\n"),
	    0, 0, 1, NULL};
	struct sceau_enroll_item *items = NULL;
	struct sceau_client_opts co;
	struct sceau_client *c;
	char date[64];
	json_t *arr;
	size_t i, n = 0;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&co, 0, sizeof(co));
	sceau_client_pki_env(&co);
	r = sceau_client_enroll_list(c, &co, &items, &n);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(cli, r, _("listing enrollment requests"));
	if (cli->json) {
		arr = json_array();
		for (i = 0; arr != NULL && i < n; i++)
			if (json_array_append_new(arr, item_json(&items[i])) !=
			    0)
				r = CLI_EXIT_FAILURE;
		sceau_client_enroll_items_free(items, n);
		return r != 0
		    ? r
		    : cli_print_json(cli, json_pack("{s:o}", "requests", arr));
	}
	for (i = 0; i < n; i++) {
		date_text(items[i].created_us, date, sizeof(date));
		(void)printf("%s  %s  %s <%s>\n", items[i].request_id, date,
		    items[i].req.name, items[i].req.email);
		(void)printf(_("    certificate: %s (serial %s)\n"),
		    items[i].subject, items[i].serial);
		(void)printf(_("    issuer:      %s\n"), items[i].issuer);
		(void)printf(_("    verdict:     %s (CRL %s, OCSP %s)\n"),
		    items[i].pki_reason, rev_text(items[i].crl),
		    rev_text(items[i].ocsp));
	}
	if (n == 0)
		(void)printf(_("No pending request.\n"));
	sceau_client_enroll_items_free(items, n);
	return CLI_EXIT_OK;
}

static int
cmd_enroll_accept(struct cli *cli, int argc, char **argv)
{
	const char *profile = NULL;
	struct cli_opt opts[] = {
	    {"profile",
	        N_("  --profile P             admin, member (default) or "
	           "external\n"),
	        NULL, &profile},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"enroll accept", N_("ID [OPTIONS]"),
	    N_("Accepts an enrollment request: checks it again, then adds the "
	       "user\nand the device bound to the card.\n"),
	    1, 0, 1, opts};
	enum sceau_profile p = SCEAU_PROFILE_MEMBER;
	struct sceau_client_opts co;
	struct sceau_client *c;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	profile = cli_setup_value(&setup, "profile");
	if (profile != NULL && (p = sceau_profile_from_name(profile)) == 0) {
		sceau_client_close(c);
		return cli_usage_error(cli, "enroll accept",
		    _("--profile: admin, member or external"));
	}
	memset(&co, 0, sizeof(co));
	sceau_client_pki_env(&co);
	r = sceau_client_enroll_accept(c, &co, argv[optind], p);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("accepting request %s"), argv[optind]);
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s}", "request_id", argv[optind],
		        "status", "accepted", "profile",
		        sceau_profile_name(p)));
	(void)printf(_("Request %s accepted (%s).\n"), argv[optind],
	    sceau_profile_name(p));
	return CLI_EXIT_OK;
}

static int
cmd_enroll_reject(struct cli *cli, int argc, char **argv)
{
	const char *reason = NULL;
	struct cli_opt opts[] = {
	    {"reason", N_("  --reason TEXT           told to the requester\n"),
	        NULL, &reason},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"enroll reject", N_("ID [OPTIONS]"),
	    N_("Rejects an enrollment request.\n"), 1, 0, 0, opts};
	struct sceau_client *c;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = sceau_client_enroll_reject(
	    c, argv[optind], cli_setup_value(&setup, "reason"));
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("rejecting request %s"), argv[optind]);
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s}", "request_id", argv[optind],
		        "status", "rejected"));
	(void)printf(_("Request %s rejected.\n"), argv[optind]);
	return CLI_EXIT_OK;
}

int
cmd_enroll(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"link", cmd_enroll_link, N_("open enrollment: the link to give")},
	    {"submit", cmd_enroll_submit,
	        N_("ask to join with your smartcard")},
	    {"finish", cmd_enroll_finish,
	        N_("join once your request is accepted")},
	    {"list", cmd_enroll_list, N_("list the pending requests")},
	    {"accept", cmd_enroll_accept, N_("accept a request")},
	    {"reject", cmd_enroll_reject, N_("reject a request")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "enroll", table, argc, argv);
}
