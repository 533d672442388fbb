/*
 * cmd-invite.c: "sceau invite user|device|list|cancel", "sceau greet" and
 * "sceau claim": invitations and their code exchange (doc/invitations.md).
 *
 * The exchange asks people for codes.  On a terminal, each side shows
 * its code and asks for the other's among numbered choices.  Otherwise
 * (scripts, tests) the same questions are lines: with --json, one JSON
 * object per event on standard output ({"event":"code",...},
 * {"event":"choices",...}), and the answer is read as one line from
 * standard input (a choice's number or the code itself).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "client-invite.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"

/* ------------------------------------------------------------ invite */

static void
print_date(uint64_t us, char *out, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		(void)snprintf(out, size, "?");
}

static json_t *
invitation_json(const struct sceau_invitation *inv)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b}",
	    "invitation_id", inv->id, "kind", sceau_invite_kind_name(inv->kind),
	    "email", inv->email, "inviter", inv->inviter, "created_by",
	    inv->created_by, "created", (json_int_t)inv->created_us, "expires",
	    (json_int_t)inv->expires_us, "expired", inv->expired);

	if (o != NULL && inv->link[0] != '\0' &&
	    (json_object_set_new(o, "link", json_string(inv->link)) != 0 ||
	        json_object_set_new(o, "mailed", json_boolean(inv->mailed)) !=
	            0 ||
	        (inv->mail_error[0] != '\0' &&
	            json_object_set_new(
	                o, "mail_error", json_string(inv->mail_error)) != 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
invite_created(struct cli *cli, const struct sceau_invitation *inv)
{
	char date[64];

	if (cli->json)
		return cli_print_json(cli, invitation_json(inv));
	print_date(inv->expires_us, date, sizeof(date));
	if (inv->kind == SCEAU_INVITE_USER)
		(void)printf(_("Invitation %s created for %s (expires %s).\n"),
		    inv->id, inv->email, date);
	else
		(void)printf(_("Invitation %s created for a new device "
		               "(expires %s).\n"),
		    inv->id, date);
	if (inv->mailed)
		(void)printf(_("The link was mailed to %s.\n"), inv->email);
	else if (inv->mail_error[0] != '\0')
		(void)printf(_("No mail was sent (%s).\n"), inv->mail_error);
	(void)printf(_("Link: %s\n"), inv->link);
	(void)printf(_("Then run: sceau greet %s\n"), inv->id);
	return CLI_EXIT_OK;
}

/* no_mail: the user's --no-mail flag (user invitations). */
static int
invite_common(struct cli *cli, int argc, char **argv,
    enum sceau_invite_kind kind, const struct cli_setup *setup,
    const int *no_mail)
{
	struct sceau_invitation inv;
	struct sceau_client *c;
	const char *lang, *email;
	int r, mail;

	if ((r = cli_member_setup(cli, argc, argv, setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	lang = cli_setup_value(setup, "lang");
	if (kind == SCEAU_INVITE_USER) {
		email = argv[optind];
		mail = !*no_mail;
	} else {
		email = cli_setup_value(setup, "mail");
		mail = email != NULL;
	}
	if (lang != NULL && strcmp(lang, "en") != 0 &&
	    strcmp(lang, "fr") != 0) {
		sceau_client_close(c);
		return cli_usage_error(
		    cli, setup->cmd, _("--lang: \"en\" or \"fr\""));
	}
	r = sceau_client_invite(c, kind, email, mail, lang, &inv);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(cli, r, _("creating the invitation"));
	return invite_created(cli, &inv);
}

static int
cmd_invite_user(struct cli *cli, int argc, char **argv)
{
	const char *lang = NULL;
	int no_mail = 0;
	struct cli_opt opts[] = {
	    {"no-mail",
	        N_("  --no-mail               do not mail the link (pass it "
	           "on yourself)\n"),
	        &no_mail, NULL},
	    {"lang", N_("  --lang en|fr            language of the mail\n"),
	        NULL, &lang},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"invite user", N_("EMAIL [OPTIONS]"),
	    N_("Invites a new member: the server mails the link to EMAIL.\n"
	       "Then greet them with \"sceau greet ID\": you exchange short "
	       "codes.\nAdministrators only.\n"),
	    1, 0, 1, opts};

	(void)lang;
	return invite_common(
	    cli, argc, argv, SCEAU_INVITE_USER, &setup, &no_mail);
}

static int
cmd_invite_device(struct cli *cli, int argc, char **argv)
{
	const char *lang = NULL, *mail = NULL;
	struct cli_opt opts[] = {
	    {"mail", N_("  --mail EMAIL            also mail the link there\n"),
	        NULL, &mail},
	    {"lang", N_("  --lang en|fr            language of the mail\n"),
	        NULL, &lang},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"invite device", N_("[OPTIONS]"),
	    N_("Invites a new device of yours: run \"sceau claim LINK\" on "
	       "it,\nand \"sceau greet ID\" here.\n"),
	    0, 0, 1, opts};

	(void)lang;
	(void)mail;
	return invite_common(
	    cli, argc, argv, SCEAU_INVITE_DEVICE, &setup, NULL);
}

static int
cmd_invite_list(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"invite list", N_("[OPTIONS]"),
	    N_("Lists the pending invitations you may greet or cancel.\n"), 0,
	    0, 0, NULL};
	struct sceau_invitation *list = NULL;
	struct sceau_client *c;
	char date[64];
	json_t *arr;
	size_t i, n = 0;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = sceau_client_invite_list(c, &list, &n);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(cli, r, _("listing the invitations"));
	if (cli->json) {
		if ((arr = json_array()) == NULL)
			r = CLI_EXIT_FAILURE;
		for (i = 0; i < n && r == 0; i++)
			if (json_array_append_new(
			        arr, invitation_json(&list[i])) != 0)
				r = CLI_EXIT_FAILURE;
		sceau_free(list);
		if (r != 0) {
			json_decref(arr);
			return r;
		}
		return cli_print_json(
		    cli, json_pack("{s:o}", "invitations", arr));
	}
	for (i = 0; i < n; i++) {
		print_date(list[i].expires_us, date, sizeof(date));
		(void)printf("%s  %-6s  %-30s  %s%s\n", list[i].id,
		    sceau_invite_kind_name(list[i].kind),
		    list[i].email[0] != '\0' ? list[i].email : "-", date,
		    list[i].expired ? _(" (expired)") : "");
	}
	if (n == 0)
		(void)printf(_("No pending invitation.\n"));
	sceau_free(list);
	return CLI_EXIT_OK;
}

static int
cmd_invite_cancel(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"invite cancel",
	    N_("ID [OPTIONS]"),
	    N_("Cancels a pending invitation: its link stops working.\n"), 1, 0,
	    0, NULL};
	struct sceau_client *c;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	r = sceau_client_invite_cancel(c, argv[optind]);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("cancelling invitation %s"), argv[optind]);
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s}", "invitation_id", argv[optind],
		        "status", "cancelled"));
	(void)printf(_("Invitation %s is cancelled.\n"), argv[optind]);
	return CLI_EXIT_OK;
}

int
cmd_invite(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"user", cmd_invite_user, N_("invite a new member by email")},
	    {"device", cmd_invite_device, N_("invite a new device of yours")},
	    {"list", cmd_invite_list, N_("list the pending invitations")},
	    {"cancel", cmd_invite_cancel, N_("cancel a pending invitation")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "invite", table, argc, argv);
}

/* ------------------------------------------------ the exchange's face */

static volatile sig_atomic_t xstop;

static void
on_signal(int sig)
{
	(void)sig;
	xstop = 1;
}

/*
 * SIGINT and SIGTERM stop the exchange, and the other side is told
 * ("cancelled").  No SA_RESTART: a prompt waiting for an answer returns.
 */
static void
catch_signals(struct sceau_exchange_opts *xo)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	xo->cancel = &xstop;
}

struct xui {
	struct cli *cli;
	int tty; /* ask on a terminal */
	int ask; /* greeter: confirm the claimer (terminal only) */
};

/* One JSON event line on standard output, flushed. */
static void
xui_event(json_t *j)
{
	if (j == NULL)
		return;
	(void)json_dumpf(j, stdout, JSON_COMPACT);
	(void)fputc('\n', stdout);
	(void)fflush(stdout);
	json_decref(j);
}

static void
xui_status(void *arg, const char *what)
{
	struct xui *u = arg;

	if (u->cli->json)
		xui_event(
		    json_pack("{s:s, s:s}", "event", "status", "status", what));
	else
		(void)fprintf(stderr, "%s...\n", _(what));
}

static void
xui_invitation(void *arg, const struct sceau_invitation *inv)
{
	struct xui *u = arg;
	char date[64];

	if (u->cli->json) {
		json_t *o = invitation_json(inv);

		if (o != NULL &&
		    json_object_set_new(
		        o, "event", json_string("invitation")) == 0)
			xui_event(o);
		else
			json_decref(o);
		return;
	}
	print_date(inv->expires_us, date, sizeof(date));
	if (inv->kind == SCEAU_INVITE_USER)
		(void)fprintf(stderr,
		    _("Invitation %s of %s, from %s (expires %s).\n"), inv->id,
		    inv->email, inv->inviter[0] != '\0' ? inv->inviter : "?",
		    date);
	else
		(void)fprintf(stderr,
		    _("Invitation %s of a new device, from %s (expires %s).\n"),
		    inv->id, inv->inviter[0] != '\0' ? inv->inviter : "?",
		    date);
}

static int
xui_show_code(void *arg, const char *mine)
{
	struct xui *u = arg;

	if (u->cli->json)
		xui_event(
		    json_pack("{s:s, s:s}", "event", "code", "code", mine));
	else
		(void)printf(_("Your code: %s\n"
		               "Read it to the other person, who must pick it "
		               "among several.\n"),
		    mine);
	(void)fflush(stdout);
	return 0;
}

/* A line from standard input, without its newline. */
static int
read_line(char *out, size_t size)
{
	size_t n;

	if (fgets(out, (int)size, stdin) == NULL)
		return -1;
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

static int
xui_pick(void *arg,
    const char choices[SCEAU_INVITE_CHOICES][SCEAU_INVITE_CODE_LEN + 1],
    char *out, size_t outlen)
{
	struct xui *u = arg;
	char line[64];
	size_t i;

	if (u->cli->json) {
		json_t *arr = json_array();

		for (i = 0; arr != NULL && i < SCEAU_INVITE_CHOICES; i++)
			(void)json_array_append_new(
			    arr, json_string(choices[i]));
		xui_event(json_pack(
		    "{s:s, s:o}", "event", "choices", "choices", arr));
	} else {
		(void)printf(_("Which code does the other person read to "
		               "you?\n"));
		for (i = 0; i < SCEAU_INVITE_CHOICES; i++)
			(void)printf("  %zu) %s\n", i + 1, choices[i]);
		(void)printf(_("Your answer (1-%d, or the code): "),
		    SCEAU_INVITE_CHOICES);
		(void)fflush(stdout);
	}
	if (read_line(line, sizeof(line)) != 0)
		return -1;
	if (line[0] >= '1' && line[0] < '1' + SCEAU_INVITE_CHOICES &&
	    line[1] == '\0')
		(void)snprintf(
		    out, outlen, "%s", choices[(size_t)(line[0] - '1')]);
	else
		(void)snprintf(out, outlen, "%s", line);
	return 0;
}

static int
xui_review(void *arg, const struct sceau_invitation *inv,
    const struct sceau_invite_claim *claim, enum sceau_profile *profile)
{
	struct xui *u = arg;
	char line[16];

	if (u->cli->json) {
		xui_event(json_pack("{s:s, s:s, s:s, s:s, s:s}", "event",
		    "claimer", "name", claim->name, "email", inv->email,
		    "device_label", claim->label, "profile",
		    inv->kind == SCEAU_INVITE_USER
		        ? sceau_profile_name(*profile)
		        : ""));
		return 0;
	}
	if (inv->kind == SCEAU_INVITE_USER)
		(void)printf(_("The claimer is %s <%s>, on device \"%s\"; "
		               "profile: %s.\n"),
		    claim->name, inv->email, claim->label,
		    sceau_profile_name(*profile));
	else
		(void)printf(_("The new device is \"%s\".\n"), claim->label);
	if (!u->ask)
		return 0;
	(void)printf(_("Accept? [y/N] "));
	(void)fflush(stdout);
	if (read_line(line, sizeof(line)) != 0)
		return -1;
	return line[0] == 'y' || line[0] == 'Y' || line[0] == 'o' ||
	        line[0] == 'O'
	    ? 0
	    : -1;
}

static void
xui_init(struct xui *u, struct sceau_exchange_ui *ui, struct cli *cli)
{
	u->cli = cli;
	u->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	u->ask = u->tty && !cli->json;
	memset(ui, 0, sizeof(*ui));
	ui->arg = u;
	ui->status = xui_status;
	ui->invitation = xui_invitation;
	ui->show_code = xui_show_code;
	ui->pick_code = xui_pick;
	ui->review = xui_review;
}

static int
parse_timeout(struct cli *cli, const char *cmd, const char *s, uint64_t *ms)
{
	uint64_t v;

	*ms = 0;
	if (s == NULL)
		return 0;
	if (cli_parse_uint(s, 1, 86400, &v) != 0)
		return cli_usage_error(
		    cli, cmd, _("--timeout: seconds, 1 to 86400"));
	*ms = v * 1000;
	return 0;
}

/* ------------------------------------------------------------- greet */

int
cmd_greet(struct cli *cli, int argc, char **argv)
{
	const char *profile = NULL, *timeout = NULL;
	struct cli_opt opts[] = {
	    {"profile",
	        N_("  --profile P             admin, member (default) or "
	           "external\n"),
	        NULL, &profile},
	    {"timeout",
	        N_("  --timeout SECONDS       give up after this long "
	           "(default 600)\n"),
	        NULL, &timeout},
	    {NULL, NULL, NULL, NULL}};
	struct cli_setup setup = {"greet", N_("ID [OPTIONS]"),
	    N_("Greets the person or device that claims invitation ID: you "
	       "both\nsee a code and pick the other's; then this device signs "
	       "their\ncertificates.\n"),
	    1, 0, 1, opts};
	struct sceau_exchange_opts xo;
	struct sceau_greet_result res;
	struct sceau_exchange_ui ui;
	struct sceau_client *c;
	struct xui u;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&xo, 0, sizeof(xo));
	profile = cli_setup_value(&setup, "profile");
	if ((profile != NULL &&
	        (xo.profile = sceau_profile_from_name(profile)) == 0) ||
	    parse_timeout(cli, "greet", cli_setup_value(&setup, "timeout"),
	        &xo.timeout_ms) != 0) {
		sceau_client_close(c);
		return cli_usage_error(cli, "greet", _("bad option value"));
	}
	xui_init(&u, &ui, cli);
	catch_signals(&xo);
	r = sceau_client_greet(c, argv[optind], &ui, &xo, &res);
	sceau_client_close(c);
	if (r != 0)
		return cli_error(
		    cli, r, _("greeting invitation %s"), argv[optind]);
	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "event", "done",
		        "kind", sceau_invite_kind_name(res.kind), "user_id",
		        res.user_id, "device_id", res.device_id, "profile",
		        sceau_profile_name(res.profile), "claimer_done",
		        res.claimer_done));
	if (res.kind == SCEAU_INVITE_USER)
		(void)printf(_("User %s joined as %s, with device %s.\n"),
		    res.user_id, sceau_profile_name(res.profile),
		    res.device_id);
	else
		(void)printf(_("Device %s joined.\n"), res.device_id);
	if (!res.claimer_done)
		(void)printf(_("The claimer did not confirm: it may have to "
		               "claim again.\n"));
	return CLI_EXIT_OK;
}

/* ------------------------------------------------------------- claim */

enum {
	OPT_TIMEOUT = 0x1200,
};

struct claim_args {
	struct cli_device_opts dev;
	struct cli_new_device nd;
	const char *timeout;
};

static void
claim_usage(FILE *f)
{
	cli_print_usage(f, "claim", _("LINK [OPTIONS]"),
	    _("Joins an organization with the link of an invitation: you and "
	      "the\nperson who greets you each see a code and pick the "
	      "other's.\n"
	      "\n"
	      "  --name NAME             your name (a user invitation)\n"
	      "  --device-label LABEL    name of this device (default: host "
	      "name)\n"
	      "  --password-file FILE    protect the device with the password "
	      "in FILE\n"
	      "  --keyring               protect the device with this "
	      "computer's keyring\n"
	      "  --token URI             with a smartcard: it protects the "
	      "device, is\n"
	      "                          bound to it, and is a new user's key\n"
	      "  --pin-file FILE         the card's PIN, from FILE\n"
	      "  --pki-intermediates FILE  certificates between the card's and "
	      "an anchor\n"
	      "  --timeout SECONDS       give up after this long (default "
	      "600)\n"
	      "  --ca-file FILE          trust anchors of the server's TLS "
	      "certificate\n"
	      "  --insecure-http         allow plain HTTP to a non-loopback "
	      "server\n"
	      "  --json                  events and result as JSON lines\n"));
}

static int
parse_claim(struct cli *cli, int argc, char **argv, struct claim_args *a)
{
	static const struct option opts[] = {
	    {"name", required_argument, NULL, CLI_OPT_NAME},
	    {"device-label", required_argument, NULL, CLI_OPT_LABEL},
	    {"keyring", no_argument, NULL, CLI_OPT_KEYRING},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"token", required_argument, NULL, CLI_OPT_TOKEN},
	    {"pki-intermediates", required_argument, NULL,
	        CLI_OPT_PKI_INTERMEDIATES},
	    CLI_DEVICE_OPTIONS,
	    CLI_COMMON_OPTIONS,
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			claim_usage(stdout);
			return -1;
		}
		if (cli_common_option(cli, ch) ||
		    cli_device_option(&a->dev, ch, optarg) ||
		    cli_new_device_option(&a->nd, ch, optarg))
			continue;
		if (ch == OPT_TIMEOUT)
			a->timeout = optarg;
		else
			return cli_usage_error(cli, "claim", _("bad option"));
	}
	if (optind != argc - 1)
		return cli_usage_error(cli, "claim", _("a link is needed"));
	return cli_new_device_check(cli, "claim", &a->nd, &a->dev);
}

static int
claim_result(struct cli *cli, struct sceau_client *c)
{
	const struct sceau_keyfile_info *info = sceau_client_info(c);

	if (cli->json)
		return cli_print_json(cli,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "event", "done",
		        "org_id", info->org_id, "server", info->server_url,
		        "user_id", info->user_id, "device_id", info->device_id,
		        "device_label", info->device_label));
	(void)printf(_("You joined organization %s on %s,\n"
	               "as user %s on device \"%s\" (%s).\n"),
	    info->org_id, info->server_url, info->user_id, info->device_label,
	    info->device_id);
	return CLI_EXIT_OK;
}

int
cmd_claim(struct cli *cli, int argc, char **argv)
{
	struct claim_args a;
	struct sceau_claim_params p;
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co;
	struct sceau_exchange_opts xo;
	struct sceau_exchange_ui ui;
	struct sceau_client *c = NULL;
	struct xui u;
	int r;

	memset(&a, 0, sizeof(a));
	memset(&xo, 0, sizeof(xo));
	if ((r = parse_claim(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = parse_timeout(cli, "claim", a.timeout, &xo.timeout_ms)) != 0)
		return r;
	a.nd.link = argv[optind];
	if ((r = cli_new_device_auth(cli, &a.nd, &a.dev, &auth)) != 0)
		return r;
	memset(&p, 0, sizeof(p));
	p.link = argv[optind];
	p.name = a.nd.name;
	p.device_label = a.nd.label;
	p.auth = &auth;
	p.pki_intermediates = a.nd.pki_intermediates;
	cli_client_opts(&a.dev, &co);
	xui_init(&u, &ui, cli);
	catch_signals(&xo);
	r = sceau_claim(&p, &co, &ui, &xo, &c);
	cli_secret_free(&a.nd.pw);
	if (r != 0)
		return cli_error(cli, r, _("claiming the invitation"));
	r = claim_result(cli, c);
	sceau_client_close(c);
	return r;
}
