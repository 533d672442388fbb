/*
 * cmd-policy-org.c: "sceau policy publish|show|explain": the organization
 * policy as a certificate of the chain (doc/policy.md), and which rule
 * allows or refuses an act.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "chain.h"
#include "cli.h"
#include "client.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "keyfile.h"
#include "policy.h"
#include "wspolicy.h"

int
cmd_policy_publish(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"policy publish",
	    N_("FILE [OPTIONS]"),
	    N_("Publishes FILE as the organization's policy: an administrator "
	       "signs it (on the card when the device is card-backed) and "
	       "every member's client and the server obey it from then "
	       "on.\n"),
	    1, 0, 1, NULL};
	struct sceau_client *c;
	struct sceau_buf *doc = NULL;
	const char *file;
	uint64_t index = 0;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	file = argv[optind];
	if ((doc = sceau_buf_new()) == NULL) {
		r = cli_error(cli, SCEAU_ERR_ALLOC, _("reading %s"), file);
		goto out;
	}
	if ((r = sceau_buf_load_file(file, SCEAU_POLICY_MAX, doc)) != 0 ||
	    (r = sceau_client_policy_publish(c, sceau_buf_ptr(doc),
	         sceau_buf_len(doc), file, &index)) != 0) {
		r = cli_error(cli, r, _("publishing %s"), file);
		goto out;
	}
	{
		const struct sceau_policy *p =
		    sceau_chain_policy(sceau_client_chain(c), NULL);
		unsigned int v = p != NULL ? p->version : 0;

		if (cli->json)
			r = cli_print_json(cli,
			    json_pack("{s:s, s:I, s:I}", "file", file,
			        "version", (json_int_t)v, "index",
			        (json_int_t)index));
		else {
			(void)printf(_("Organization policy version %u is in "
			               "force (certificate %llu).\n"),
			    v, (unsigned long long)index);
			r = CLI_EXIT_OK;
		}
	}
out:
	sceau_buf_free(doc);
	sceau_client_close(c);
	return r;
}

/* The policy in force, as JSON: its certificate and its rules. */
static json_t *
org_policy_json(
    struct sceau_client *c, const struct sceau_policy *p, uint64_t index)
{
	const struct sceau_chain_device *d;
	struct sceau_buf *env;
	struct sceau_cert cert;
	json_t *o = NULL;

	if ((env = sceau_buf_new()) == NULL)
		return NULL;
	if (sceau_store_cert_get(
	        sceau_client_store(c), index, env, NULL, NULL) == 0 &&
	    sceau_cert_decode_trusted(
	        sceau_buf_ptr(env), sceau_buf_len(env), &cert) == 0 &&
	    cert.kind == SCEAU_CERT_ORG_POLICY &&
	    (o = cli_policy_json("chain", p)) != NULL) {
		d = sceau_chain_device(sceau_client_chain(c), cert.author);
		(void)json_object_set_new(
		    o, "index", json_integer((json_int_t)index));
		(void)json_object_set_new(o, "published_us",
		    json_integer((json_int_t)cert.timestamp));
		(void)json_object_set_new(
		    o, "author_device", json_string(cert.author));
		if (d != NULL)
			(void)json_object_set_new(
			    o, "author_user", json_string(d->user_id));
		(void)json_object_set_new(
		    o, "signed_on_token", json_boolean(cert.token_sig != NULL));
		(void)json_object_set_new(o, "document",
		    json_stringn(
		        (const char *)cert.policy_doc, cert.policy_doc_len));
	}
	sceau_buf_free(env);
	return o;
}

static void
print_rules(json_t *rules)
{
	const char *key;
	json_t *v;

	json_object_foreach(rules, key, v)
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		(void)printf("  %-24s %s\n", key, s != NULL ? s : "?");
		free(s);
	}
}

static void
print_shown(json_t *org, json_t *ws)
{
	if (org == NULL) {
		(void)printf(_("Organization policy: none published (every "
		               "rule at its default).\n"));
	} else {
		time_t t = (time_t)(json_integer_value(
		                        json_object_get(org, "published_us")) /
		    1000000);
		char when[32];
		struct tm tm;

		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			(void)snprintf(when, sizeof(when), "?");
		(void)printf(_("Organization policy: version %lld, certificate "
		               "%lld, published %s UTC by device %s%s\n"),
		    (long long)json_integer_value(
		        json_object_get(org, "version")),
		    (long long)json_integer_value(
		        json_object_get(org, "index")),
		    when, cli_json_str(org, "author_device", "?"),
		    json_is_true(json_object_get(org, "signed_on_token"))
		        ? _(" (signed on its card)")
		        : "");
		print_rules(json_object_get(org, "rules"));
	}
	if (ws == NULL) {
		(void)printf(_("Workstation policy: none on this computer.\n"));
	} else {
		(void)printf(_("Workstation policy: version %lld\n"),
		    (long long)json_integer_value(
		        json_object_get(ws, "version")));
		print_rules(json_object_get(ws, "rules"));
	}
}

int
cmd_policy_show(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"policy show", N_("[OPTIONS]"),
	    N_("Shows the organization policy in force (its version, who "
	       "published it and when, and its rules) and this computer's "
	       "workstation policy.\n"),
	    0, 0, 1, NULL};
	const struct sceau_policy *p, *ws;
	struct sceau_client *c;
	json_t *org = NULL, *wsj = NULL;
	uint64_t index;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = cli_ws_policy(&ws)) != 0) {
		r = cli_error(cli, r, _("reading the workstation policy"));
		goto out;
	}
	p = sceau_chain_policy(sceau_client_chain(c), &index);
	if ((p != NULL && (org = org_policy_json(c, p, index)) == NULL) ||
	    (ws != NULL &&
	        (wsj = cli_policy_json("workstation", ws)) == NULL)) {
		r = cli_error(cli, SCEAU_ERR_ALLOC, _("showing the policy"));
		goto out;
	}
	if (cli->json) {
		r = cli_print_json(cli,
		    json_pack("{s:o, s:o}", "organization",
		        org != NULL ? org : json_null(), "workstation",
		        wsj != NULL ? wsj : json_null()));
		org = wsj = NULL;
	} else {
		print_shown(org, wsj);
		r = CLI_EXIT_OK;
	}
out:
	json_decref(org);
	json_decref(wsj);
	sceau_client_close(c);
	return r;
}

/* ------------------------------------------------------------- explain */

struct verdict {
	int r; /* 0 allowed, SCEAU_ERR_POLICY_REFUSED, or an error */
	const char *scope; /* "organization" or "workstation" */
	char rule[SCEAU_POLICY_RULE_MAX];
};

static int
explain_ws(int r, const char *allowed_rule, struct verdict *v)
{
	const char *m = sceau_last_message(), *colon = strstr(m, ": ");

	v->scope = N_("workstation");
	v->r = r;
	/* The refusal's message, "policy: RULE (why)" in any language. */
	if (r == SCEAU_ERR_POLICY_REFUSED)
		(void)snprintf(v->rule, sizeof(v->rule), "%s",
		    colon != NULL ? colon + 2 : m);
	else
		(void)snprintf(v->rule, sizeof(v->rule), "%s", allowed_rule);
	return r == 0 || r == SCEAU_ERR_POLICY_REFUSED ? 0 : r;
}

static int
explain_share(struct cli *cli, struct sceau_client *c, char **args, int n,
    struct verdict *v)
{
	const struct sceau_chain_user *u;
	enum sceau_role role;
	char id[SCEAU_ID_LEN + 1];
	int r;

	if (n != 2)
		return cli_usage_error(
		    cli, "policy explain", _("share takes a user and a role"));
	if ((role = sceau_role_from_name(args[1])) == SCEAU_ROLE_NONE &&
	    strcmp(args[1], "none") != 0)
		return cli_usage_error(
		    cli, "policy explain", _("unknown role '%s'"), args[1]);
	if ((r = sceau_client_find_user(c, args[0], &u)) != 0)
		return cli_error(cli, r, _("finding user %s"), args[0]);
	(void)snprintf(id, sizeof(id), "%s", u->user_id);
	v->r = sceau_client_policy_share(c, id, role, v->rule);
	return v->r == SCEAU_ERR_NOT_FOUND ? v->r : 0;
}

static int
explain_device(struct cli *cli, struct sceau_client *c, char **args, int n,
    struct verdict *v)
{
	const struct sceau_chain_user *self = sceau_client_self(c);
	const struct sceau_chain *chain = sceau_client_chain(c);
	unsigned int active = 0;
	size_t i;

	if (n > 1 ||
	    (n == 1 && strcmp(args[0], "token") != 0 &&
	        strcmp(args[0], "password") != 0 &&
	        strcmp(args[0], "keyring") != 0))
		return cli_usage_error(cli, "policy explain",
		    _("add-device takes token, password or keyring"));
	if (self == NULL)
		return cli_error(
		    cli, SCEAU_ERR_NOT_FOUND, _("finding my user"));
	for (i = 0; i < sceau_chain_device_count(chain); i++) {
		const struct sceau_chain_device *d =
		    sceau_chain_device_at(chain, i);

		active += d->revoked_index == 0 &&
		    strcmp(d->user_id, self->user_id) == 0;
	}
	v->r = sceau_policy_check_device(sceau_chain_policy(chain, NULL),
	    sceau_policy_profile_of(self->profile),
	    n == 1 && strcmp(args[0], "token") == 0, active, v->rule);
	return 0;
}

static int
explain_auth(struct cli *cli, char **args, int n, struct verdict *v)
{
	int prot;

	if (n != 1)
		return cli_usage_error(cli, "policy explain",
		    _("authentication takes password, keyring or token"));
	prot = strcmp(args[0], "password") == 0 ? SCEAU_KEYFILE_PASSWORD
	    : strcmp(args[0], "keyring") == 0   ? SCEAU_KEYFILE_KEYRING
	    : strcmp(args[0], "token") == 0     ? SCEAU_KEYFILE_TOKEN
	                                        : 0;
	if (prot == 0)
		return cli_usage_error(cli, "policy explain",
		    _("authentication takes password, keyring or token"));
	return explain_ws(
	    cli_ws_policy_auth(prot), "authentication=allowed", v);
}

static int
explain_run(struct cli *cli, struct sceau_client *c, const char *action,
    char **args, int n, struct verdict *v)
{
	const struct sceau_policy *p =
	    sceau_chain_policy(sceau_client_chain(c), NULL);

	v->scope = N_("organization");
	if (strcmp(action, "share") == 0)
		return explain_share(cli, c, args, n, v);
	if (strcmp(action, "invite") == 0 && n == 1) {
		v->r = sceau_policy_check_invitation(p, args[0], v->rule);
		return 0;
	}
	if (strcmp(action, "add-user") == 0 && n == 1) {
		enum sceau_profile prof = sceau_profile_from_name(args[0]);

		if (prof == 0)
			return cli_usage_error(cli, "policy explain",
			    _("unknown profile '%s'"), args[0]);
		v->r = sceau_policy_check_profile(
		    p, sceau_policy_profile_of(prof), v->rule);
		return 0;
	}
	if (strcmp(action, "add-device") == 0)
		return explain_device(cli, c, args, n, v);
	if (strcmp(action, "mount") == 0 && n == 0)
		return explain_ws(cli_ws_policy_mount(), "mount=allowed", v);
	if (strcmp(action, "authentication") == 0)
		return explain_auth(cli, args, n, v);
	if (strcmp(action, "server") == 0 && n == 1)
		return explain_ws(
		    sceau_wspolicy_server(args[0]), "servers=allowed", v);
	if (strcmp(action, "organization") == 0 && n == 1)
		return explain_ws(
		    sceau_wspolicy_org(args[0]), "organizations=allowed", v);
	return cli_usage_error(cli, "policy explain",
	    _("unknown action or arguments: '%s' (share USER ROLE, invite "
	      "EMAIL, add-user PROFILE, add-device [token], mount, "
	      "authentication METHOD, server URL, organization ID)"),
	    action);
}

int
cmd_policy_explain(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"policy explain",
	    N_("ACTION [ARGUMENTS] [OPTIONS]"),
	    N_("Says which policy rule allows or refuses an act, without "
	       "doing it.  ACTION: share USER ROLE, invite EMAIL, add-user "
	       "PROFILE, add-device [token], mount, authentication "
	       "password|keyring|token, server URL, organization ID.  Exit "
	       "status 0 when allowed, 6 when refused.\n"),
	    1, 3, 1, NULL};
	struct sceau_client *c;
	struct verdict v;
	int r;

	if ((r = cli_member_setup(cli, argc, argv, &setup, &c)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	memset(&v, 0, sizeof(v));
	r = explain_run(
	    cli, c, argv[optind], argv + optind + 1, argc - optind - 1, &v);
	sceau_client_close(c);
	if (r != 0)
		return r > 0
		    ? r
		    : cli_error(cli, r, _("explaining %s"), argv[optind]);
	if (v.r != 0 && v.r != SCEAU_ERR_POLICY_REFUSED)
		return cli_error(cli, v.r, _("explaining %s"), argv[optind]);
	if (cli->json)
		r = cli_print_json(cli,
		    json_pack("{s:s, s:b, s:s, s:s}", "action", argv[optind],
		        "allowed", v.r == 0, "policy", v.scope, "rule",
		        v.rule));
	else if (v.r == 0)
		(void)printf(_("%s: allowed by the %s policy (%s)\n"),
		    argv[optind], _(v.scope), v.rule);
	else
		(void)printf(_("%s: refused by the %s policy (%s)\n"),
		    argv[optind], _(v.scope), v.rule);
	if (r != 0)
		return r;
	return v.r == 0 ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
}
