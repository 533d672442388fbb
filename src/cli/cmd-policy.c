/*
 * cmd-policy.c: "sceau policy check FILE": validates a workstation or
 * organization policy (policy/policy.h) and shows the rules it sets;
 * publish, show and explain are in cmd-policy-org.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "errors.h"
#include "i18n.h"
#include "policy.h"

static const char *const profiles[] = {"admin", "member", "external"};
static const char *const roles[] = {
    "", "reader", "contributor", "manager", "owner"};

/* A list of n strings of width w, or nothing when empty (unset). */
static int
set_list(json_t *o, const char *key, const void *list, size_t n, size_t w)
{
	json_t *a;
	size_t i;

	if (n == 0)
		return 0;
	if ((a = json_array()) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (json_array_append_new(
		        a, json_string((const char *)list + i * w)) != 0) {
			json_decref(a);
			return -1;
		}
	return json_object_set_new(o, key, a);
}

/* A -1/0/1 setting as absent/false/true. */
static int
set_bool(json_t *o, const char *key, int v)
{
	return v < 0 ? 0 : json_object_set_new(o, key, json_boolean(v));
}

static int
set_uint(json_t *o, const char *key, uint64_t v)
{
	return v == 0
	    ? 0
	    : json_object_set_new(o, key, json_integer((json_int_t)v));
}

static json_t *
ws_json(const struct sceau_policy_ws *w)
{
	static const char *const ocsp[] = {"", "off", "aia", "url"};
	json_t *o = json_object(), *auth;

	if (o == NULL)
		return NULL;
	if (w->auth != 0 && (auth = json_array()) != NULL) {
		if (w->auth & SCEAU_POLICY_AUTH_PASSWORD)
			(void)json_array_append_new(
			    auth, json_string("password"));
		if (w->auth & SCEAU_POLICY_AUTH_KEYRING)
			(void)json_array_append_new(
			    auth, json_string("keyring"));
		if (w->auth & SCEAU_POLICY_AUTH_TOKEN)
			(void)json_array_append_new(auth, json_string("token"));
		(void)json_object_set_new(o, "authentication", auth);
	}
	if (set_list(o, "servers", w->servers, w->nservers,
	        sizeof(*w->servers)) != 0 ||
	    set_list(o, "organizations", w->orgs, w->norgs, sizeof(*w->orgs)) !=
	        0 ||
	    set_list(o, "pkcs11_modules", w->modules, w->nmodules,
	        sizeof(*w->modules)) != 0 ||
	    (w->anchors[0] != '\0' &&
	        json_object_set_new(o, "anchors", json_string(w->anchors)) !=
	            0) ||
	    set_bool(o, "crl_fetch", w->crl_fetch) != 0 ||
	    set_uint(o, "crl_max_age_s", w->crl_max_age_s) != 0 ||
	    (w->ocsp != SCEAU_POLICY_OCSP_UNSET &&
	        json_object_set_new(o, "ocsp",
	            json_string(w->ocsp == SCEAU_POLICY_OCSP_URL
	                    ? w->ocsp_url
	                    : ocsp[w->ocsp])) != 0) ||
	    set_bool(o, "soft_fail", w->soft_fail) != 0 ||
	    set_uint(o, "offline_cache_max", w->cache_max) != 0 ||
	    set_uint(o, "offline_max_days", w->offline_max_days) != 0 ||
	    set_bool(o, "mount", w->mount) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
org_json(const struct sceau_policy_org *g)
{
	static const char *const tokens[] = {"nobody", "admins", "everyone"};
	json_t *o = json_object(), *c = json_object(), *rules = json_array();
	size_t i;

	if (o == NULL || c == NULL || rules == NULL)
		goto fail;
	for (i = 0; i < 3; i++)
		if (g->ceiling[i] != SCEAU_POLICY_ROLE_UNSET &&
		    json_object_set_new(
		        c, profiles[i], json_string(roles[g->ceiling[i]])) != 0)
			goto fail;
	for (i = 0; i < g->nrules; i++)
		if (json_array_append_new(rules,
		        json_pack("{s:s, s:s, s:b}", "from",
		            profiles[g->rules[i].from], "to",
		            profiles[g->rules[i].to], "allow",
		            g->rules[i].allow)) != 0)
			goto fail;
	if (json_object_set_new(o, "organization", json_string(g->org_id)) !=
	        0 ||
	    set_bool(o, "externals", g->externals) != 0 ||
	    json_object_set(o, "role_ceilings", c) != 0 ||
	    json_object_set(o, "share_rules", rules) != 0 ||
	    set_list(o, "share_domains", g->share_domains, g->nshare_domains,
	        sizeof(*g->share_domains)) != 0 ||
	    (g->token_required >= 0 &&
	        json_object_set_new(o, "token_required",
	            json_string(tokens[g->token_required])) != 0) ||
	    set_uint(o, "max_devices_per_user", g->max_devices) != 0 ||
	    set_uint(o, "invitation_lifetime_s", g->invitation_lifetime_s) !=
	        0 ||
	    set_list(o, "invitation_domains", g->invite_domains,
	        g->ninvite_domains, sizeof(*g->invite_domains)) != 0 ||
	    (g->rotate_s >= 0 &&
	        json_object_set_new(o, "rotate_within_s",
	            json_integer((json_int_t)g->rotate_s)) != 0) ||
	    set_bool(o, "x509_revokes_user", g->x509_revokes_user) != 0)
		goto fail;
	json_decref(c);
	json_decref(rules);
	return o;
fail:
	json_decref(o);
	json_decref(c);
	json_decref(rules);
	return NULL;
}

json_t *
cli_policy_json(const char *file, const struct sceau_policy *p)
{
	json_t *o, *rules;

	rules = p->kind == SCEAU_POLICY_WORKSTATION ? ws_json(&p->ws)
	                                            : org_json(&p->org);
	if (rules == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:I, s:o}", "file", file, "kind",
	    p->kind == SCEAU_POLICY_WORKSTATION ? N_("workstation")
	                                        : N_("organization"),
	    "version", (json_int_t)p->version, "rules", rules);
	return o;
}

static int
cmd_policy_check(struct cli *cli, int argc, char **argv)
{
	static const struct cli_setup setup = {"policy check", "FILE",
	    N_("Validates a workstation or organization policy against "
	       "sceau-policy.xsd and shows the rules it sets.\n"),
	    1, 0, 0, NULL};
	struct cli_device_opts dev;
	struct sceau_policy *p = NULL;
	const char *key, *file;
	json_t *o, *v;
	int r;

	if ((r = cli_setup_parse(cli, argc, argv, &setup, &dev)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	file = argv[optind];
	if ((r = sceau_policy_load(file, &p)) != 0)
		return cli_error(cli, r, _("checking %s"), file);
	o = cli_policy_json(file, p);
	sceau_policy_free(p);
	if (o == NULL)
		return CLI_EXIT_FAILURE;
	if (cli->json)
		return cli_print_json(cli, o);
	/* TRANSLATORS: %s is "workstation" or "organization". */
	(void)printf(_("%s: a valid %s policy, version %lld\n"), file,
	    _(cli_json_str(o, "kind", "?")),
	    (long long)json_integer_value(json_object_get(o, "version")));
	json_object_foreach(json_object_get(o, "rules"), key, v)
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		(void)printf("  %-24s %s\n", key, s != NULL ? s : "?");
		free(s);
	}
	json_decref(o);
	return CLI_EXIT_OK;
}

int
cmd_policy(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"check", cmd_policy_check,
	        N_("validate a policy file and show its rules")},
	    {"publish", cmd_policy_publish,
	        N_("publish the organization's policy (administrators)")},
	    {"show", cmd_policy_show, N_("show the policies in force")},
	    {"explain", cmd_policy_explain,
	        N_("say which rule allows or refuses an act")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "policy", table, argc, argv);
}
