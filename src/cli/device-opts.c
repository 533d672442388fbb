/*
 * device-opts.c: the options that choose and unlock a device (--org,
 * --device, --password-file, --ca-file, --insecure-http), shared by every
 * command that acts as a member of an organization; and those that name
 * and protect a new device (--name, --device-label, --keyring, --token,
 * --pki-ca, --pki-intermediates), shared by bootstrap, claim and enroll.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "client.h"
#include "errors.h"
#include "i18n.h"
#include "paths.h"
#include "token.h"
#include "wspolicy.h"
#include "x509.h"

int
cli_device_option(struct cli_device_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case CLI_OPT_ORG:
		o->org = arg;
		return 1;
	case CLI_OPT_DEVICE:
		o->device = arg;
		return 1;
	case CLI_OPT_PASSWORD_FILE:
		o->password_file = arg;
		return 1;
	case CLI_OPT_CA_FILE:
		o->ca_file = arg;
		return 1;
	case CLI_OPT_PIN_FILE:
		o->pin_file = arg;
		return 1;
	case CLI_OPT_INSECURE_HTTP:
		o->insecure_http = 1;
		return 1;
	default:
		return 0;
	}
}

const char *
cli_host_label(char *buf, size_t size)
{
	if (gethostname(buf, size) != 0 || buf[0] == '\0')
		(void)snprintf(buf, size, "device");
	buf[size - 1] = '\0';
	return buf;
}

int
cli_new_device_option(struct cli_new_device *n, int ch, const char *arg)
{
	switch (ch) {
	case CLI_OPT_NAME:
		n->name = arg;
		return 1;
	case CLI_OPT_LABEL:
		n->label = arg;
		return 1;
	case CLI_OPT_TOKEN:
		n->token = arg;
		return 1;
	case CLI_OPT_PKI_CA:
		n->pki_ca = arg;
		return 1;
	case CLI_OPT_PKI_INTERMEDIATES:
		n->pki_intermediates = arg;
		return 1;
	case CLI_OPT_KEYRING:
		n->keyring = 1;
		return 1;
	default:
		return 0;
	}
}

int
cli_new_device_check(struct cli *cli, const char *cmd,
    const struct cli_new_device *n, const struct cli_device_opts *dev)
{
	if ((n->keyring ? 1 : 0) + (dev->password_file != NULL ? 1 : 0) +
	        (n->token != NULL ? 1 : 0) >
	    1)
		return cli_usage_error(cli, cmd,
		    _("--keyring, --password-file and --token exclude each "
		      "other"));
	return 0;
}

int
cli_new_device_auth(struct cli *cli, struct cli_new_device *n,
    const struct cli_device_opts *dev, struct sceau_keyfile_auth *auth)
{
	int r;

	if (n->label == NULL)
		n->label = cli_host_label(n->host, sizeof(n->host));
	memset(auth, 0, sizeof(*auth));
	if ((r = cli_ws_policy_link(n->link)) != 0)
		return cli_error(cli, r, _("joining the organization"));
	if ((r = cli_ws_policy_auth(n->token != NULL ? SCEAU_KEYFILE_TOKEN
	             : n->keyring                    ? SCEAU_KEYFILE_KEYRING
	                          : SCEAU_KEYFILE_PASSWORD)) != 0)
		return cli_error(cli, r, _("protecting the new device"));
	if (n->token != NULL) {
		if ((r = cli_token_open_login(n->token, dev->pin_file, auth)) !=
		    0)
			return cli_error(cli, r, _("opening the card"));
		return 0;
	}
	if (n->keyring) {
		auth->kind = SCEAU_KEYFILE_KEYRING;
		return 0;
	}
	auth->kind = SCEAU_KEYFILE_PASSWORD;
	if ((r = cli_secret_read(_("New password for this device: "),
	         dev->password_file, &n->pw)) != 0)
		return cli_error(cli, r, _("reading the password"));
	auth->password = n->pw.data;
	auth->password_len = n->pw.len;
	return 0;
}

void
cli_client_opts(const struct cli_device_opts *o, struct sceau_client_opts *co)
{
	memset(co, 0, sizeof(*co));
	co->ca_file = o->ca_file != NULL ? o->ca_file : getenv("SCEAU_CA_FILE");
	co->allow_insecure_http = o->insecure_http;
	sceau_client_pki_env(co);
	/*
	 * The policy's PKI rules over the environment's.  An invalid policy
	 * is refused by the check every device's opening and creation
	 * makes first (cli_device_info, cli_new_device_auth).
	 */
	if (cli_ws_policy_apply(co) != 0)
		sceau_message_clear();
}

int
cli_token_open_login(
    const char *uri, const char *pin_file, struct sceau_keyfile_auth *auth)
{
	struct cli_secret pin = {NULL, 0};
	struct sceau_token *t;
	int r;

	if ((r = sceau_token_open(uri, &t)) != 0)
		return r;
	if ((r = cli_pin_read(_("PIN of the card: "), pin_file, &pin)) == 0)
		r = sceau_token_login(t, pin.data, pin.len);
	cli_secret_free(&pin);
	if (r != 0) {
		sceau_token_close(t);
		return r;
	}
	auth->kind = SCEAU_KEYFILE_TOKEN;
	auth->token = t;
	auth->token_uri = uri;
	return 0;
}

/* Opens the device's token by the key file's URI and logs in. */
static int
token_auth(const struct cli_device_opts *o,
    const struct sceau_keyfile_info *info, struct sceau_keyfile_auth *auth)
{
	struct cli_secret pin = {NULL, 0};
	struct sceau_token *t;
	char label[256];
	int r;

	if ((r = sceau_token_open(info->token_uri, &t)) != 0)
		return r;
	(void)snprintf(label, sizeof(label),
	    _("PIN of the card of device "
	      "\"%s\" of %s: "),
	    info->device_label, info->org_id);
	if ((r = cli_pin_read(label, o->pin_file, &pin)) == 0)
		r = sceau_token_login(t, pin.data, pin.len);
	cli_secret_free(&pin);
	if (r != 0) {
		sceau_token_close(t);
		return r;
	}
	auth->token = t;
	return 0;
}

/* Reads what unlocks the device: its password, or nothing (keyring). */
static int
device_auth(const struct cli_device_opts *o,
    const struct sceau_keyfile_info *info, struct sceau_keyfile_auth *auth,
    struct cli_secret *pw)
{
	char prompt[256];
	int r;

	memset(auth, 0, sizeof(*auth));
	auth->kind = info->protection;
	if (info->protection == SCEAU_KEYFILE_TOKEN)
		return token_auth(o, info, auth);
	if (info->protection != SCEAU_KEYFILE_PASSWORD)
		return 0;
	(void)snprintf(prompt, sizeof(prompt),
	    _("Password of device \"%s\" of %s: "), info->device_label,
	    info->org_id);
	if ((r = cli_secret_read(prompt, o->password_file, pw)) != 0)
		return r;
	auth->password = pw->data;
	auth->password_len = pw->len;
	return 0;
}

int
cli_device_info(
    const struct sceau_paths_device *d, struct sceau_keyfile_info *info)
{
	char path[SCEAU_PATHS_MAX];
	int r;

	if ((r = sceau_paths_device_file(d->org_id, d->device_id,
	         SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_read_info(path, info)) != 0)
		return r;
	return sceau_wspolicy_device(info);
}

/* An opened device, once the policy let it work offline (or it synced). */
static int
opened(struct cli *cli, struct sceau_client **cp)
{
	int r;

	if ((r = cli_ws_policy_offline(*cp)) == 0)
		return 0;
	sceau_client_close(*cp);
	*cp = NULL;
	return cli_error(cli, r, _("opening the device"));
}

int
cli_open_client(
    struct cli *cli, const struct cli_device_opts *o, struct sceau_client **cp)
{
	struct sceau_keyfile_info info;
	struct sceau_paths_device d;
	struct sceau_keyfile_auth auth;
	struct sceau_client_opts co;
	struct cli_secret pw = {NULL, 0};
	int r;

	*cp = NULL;
	cli_client_opts(o, &co);
	if ((r = sceau_paths_find_device(o->org, o->device, &d)) != 0)
		return cli_error(cli, r, _("choosing the device"));
	if ((r = cli_device_info(&d, &info)) != 0)
		return cli_error(cli, r, _("opening the device"));
	/* An agent runs: the keys stay there, and no secret is asked. */
	if ((r = cli_agent_client(&d, &co, cp)) == 0)
		return opened(cli, cp);
	if (r != SCEAU_ERR_AGENT_UNREACHABLE)
		return cli_error(
		    cli, r, _("opening the device through the agent"));
	sceau_message_clear();
	if ((r = device_auth(o, &info, &auth, &pw)) != 0)
		return cli_error(cli, r, _("unlocking the device"));
	r = sceau_client_open(d.org_id, d.device_id, &auth, &co, cp);
	cli_secret_free(&pw);
	if (r != 0)
		return cli_error(cli, r, _("opening the device"));
	/* A card whose certificate is revoked or expired unlocks nothing. */
	if ((r = sceau_client_token_check(*cp, &co, NULL)) != 0) {
		sceau_client_close(*cp);
		*cp = NULL;
		return cli_error(cli, r, _("checking the card's certificate"));
	}
	return opened(cli, cp);
}

static const char *const device_help =
    N_("  --org ORG               the organization (if this computer has "
       "several)\n"
       "  --device ID             the device to act as (if several)\n"
       "  --password-file FILE    the device's password, from FILE\n"
       "  --pin-file FILE         the PIN of a token-backed device's card\n"
       "  --ca-file FILE          trust anchors of the server's TLS "
       "certificate\n"
       "  --insecure-http         allow plain HTTP to a non-loopback server\n"
       "  --json                  machine-readable output\n");

static void
setup_usage(const struct cli_setup *s)
{
	char text[4096];
	size_t n, i;

	n = (size_t)snprintf(text, sizeof(text), "%s\n", _(s->what));
	for (i = 0;
	     s->opts != NULL && s->opts[i].name != NULL && n < sizeof(text);
	     i++)
		n += (size_t)snprintf(
		    text + n, sizeof(text) - n, "%s", _(s->opts[i].help));
	if (n < sizeof(text))
		(void)snprintf(
		    text + n, sizeof(text) - n, "%s", _(device_help));
	cli_print_usage(stdout, s->cmd, _(s->synopsis), text);
}

/* The getopt table: the command's own options, then the shared ones. */
static int
setup_options(const struct cli_setup *s, struct option *o, size_t max)
{
	static const struct option shared[] = {
	    CLI_DEVICE_OPTIONS,
	    CLI_COMMON_OPTIONS,
	};
	size_t n = 0, i;

	for (i = 0; s->opts != NULL && s->opts[i].name != NULL; i++) {
		if (i >= CLI_OPTS_MAX)
			return SCEAU_ERR_INTERNAL;
		o[n].name = s->opts[i].name;
		o[n].has_arg =
		    s->opts[i].valp != NULL ? required_argument : no_argument;
		o[n].flag = NULL;
		o[n].val = CLI_OPT_OWN + (int)i;
		n++;
	}
	if (n + sizeof(shared) / sizeof(shared[0]) > max)
		return SCEAU_ERR_INTERNAL;
	memcpy(o + n, shared, sizeof(shared));
	return 0;
}

/*
 * Commands that change workspaces: "sceau mount" keeps its device's
 * folders in memory, which they would overwrite (doc/mount.md).  Reading
 * (cat, export) is fine: the block cache's writers take turns.
 */
static int
mount_refuses(const char *cmd)
{
	static const char *const cmds[] = {
	    "import", "sync", "restore", "mkdir", "rm", "mv", NULL};
	size_t i;

	for (i = 0; cmds[i] != NULL; i++)
		if (strcmp(cmd, cmds[i]) == 0)
			return 1;
	return 0;
}

int
cli_setup_parse(struct cli *cli, int argc, char **argv,
    const struct cli_setup *s, struct cli_device_opts *dev)
{
	struct option o[CLI_OPTS_MAX + 16];
	const struct cli_opt *own;
	int ch;

	memset(dev, 0, sizeof(*dev));
	if (setup_options(s, o, sizeof(o) / sizeof(o[0])) != 0)
		return CLI_EXIT_FAILURE;
	while ((ch = getopt_long(argc, argv, "", o, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			setup_usage(s);
			return -1;
		}
		if (ch >= CLI_OPT_OWN && ch < CLI_OPT_OWN + CLI_OPTS_MAX) {
			own = &s->opts[ch - CLI_OPT_OWN];
			if (own->valp != NULL)
				*own->valp = optarg;
			else
				*own->flagp = 1;
		} else if (!cli_common_option(cli, ch) &&
		    !cli_device_option(dev, ch, optarg))
			return cli_usage_error(cli, s->cmd, _("bad option"));
	}
	if (argc - optind < s->nargs || argc - optind > s->nargs + s->nargs_opt)
		return cli_usage_error(
		    cli, s->cmd, _("wrong number of arguments"));
	return 0;
}

int
cli_member_setup(struct cli *cli, int argc, char **argv,
    const struct cli_setup *s, struct sceau_client **cp)
{
	struct cli_device_opts dev;
	int r;

	*cp = NULL;
	if ((r = cli_setup_parse(cli, argc, argv, s, &dev)) != 0)
		return r;
	if ((r = cli_open_client(cli, &dev, cp)) != 0)
		return r;
	if (mount_refuses(s->cmd) && cli_device_mounted(*cp)) {
		sceau_client_close(*cp);
		*cp = NULL;
		sceau_message(_("\"sceau mount\" serves this device: work in "
		                "its folder, or unmount it first"));
		return cli_error(cli, SCEAU_ERR_EXISTS, "%s", s->cmd);
	}
	if (s->refresh && (r = sceau_client_refresh(*cp, NULL)) != 0) {
		r = cli_error(cli, r, _("updating the organization's records"));
		sceau_client_close(*cp);
		*cp = NULL;
		return r;
	}
	return 0;
}

const char *
cli_setup_value(const struct cli_setup *s, const char *name)
{
	size_t i;

	for (i = 0; s->opts != NULL && s->opts[i].name != NULL; i++)
		if (strcmp(s->opts[i].name, name) == 0)
			return s->opts[i].valp != NULL ? *s->opts[i].valp
			                               : NULL;
	return NULL;
}

int
cli_setup_at(struct cli *cli, const struct cli_setup *s, uint64_t *at_us)
{
	const char *v = cli_setup_value(s, "at");

	*at_us = 0;
	if (v != NULL && sceau_conf_parse_date(v, at_us) != 0)
		return cli_usage_error(cli, s->cmd, _("bad date '%s'"), v);
	return 0;
}

int
cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	/* Digits only: strtoull would take a sign and leading spaces. */
	if (s[0] < '0' || s[0] > '9')
		return SCEAU_ERR_INVALID_ARGUMENT;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return SCEAU_ERR_INVALID_ARGUMENT;
	*v = (uint64_t)x;
	return 0;
}
