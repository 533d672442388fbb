/*
 * policy-rules.c: the organization policy's rules as decisions, shared by
 * the chain (src/chain.c: every client, the server and sceau-audit), the
 * client's checks before it acts, and "sceau policy explain".
 *
 * Each check returns 0 (allowed) or SCEAU_ERR_POLICY_REFUSED and writes
 * the rule that decided into rule[SCEAU_POLICY_RULE_MAX]: the refusing
 * one ("sharing.externals=forbidden"), or what allowed it, with
 * "(default)" when the policy leaves the rule out.  A NULL policy (none
 * published yet) allows everything, by default.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "policy.h"

static const char *const profile_names[] = {"admin", "member", "external"};
static const char *const role_names[] = {
    "none", "reader", "contributor", "manager", "owner"};

const char *
sceau_policy_profile_name(enum sceau_policy_profile p)
{
	return (unsigned int)p < 3 ? profile_names[p] : "?";
}

const char *
sceau_policy_role_name(enum sceau_policy_role r)
{
	return (unsigned int)r < 5 ? role_names[r] : "?";
}

static int
say(char rule[SCEAU_POLICY_RULE_MAX], int refused, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(rule, SCEAU_POLICY_RULE_MAX, fmt, ap);
	va_end(ap);
	return refused ? SCEAU_ERR_POLICY_REFUSED : 0;
}

static const struct sceau_policy_org *
org_of(const struct sceau_policy *p)
{
	return p != NULL && p->kind == SCEAU_POLICY_ORGANIZATION ? &p->org
	                                                         : NULL;
}

/* 1 if email's domain (after the last '@') is one of the n domains. */
static int
domain_listed(const char *email,
    const char (*domains)[SCEAU_POLICY_DOMAIN_MAX + 1], size_t n)
{
	const char *at = email != NULL ? strrchr(email, '@') : NULL;
	size_t i;

	if (at == NULL || at[1] == '\0')
		return 0;
	for (i = 0; i < n; i++)
		if (strcasecmp(at + 1, domains[i]) == 0)
			return 1;
	return 0;
}

int
sceau_policy_check_profile(const struct sceau_policy *p,
    enum sceau_policy_profile prof, char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_policy_org *o = org_of(p);

	if (prof != SCEAU_POLICY_EXTERNAL)
		return say(rule, 0, "profiles.%s=allowed",
		    sceau_policy_profile_name(prof));
	if (o == NULL || o->externals < 0)
		return say(rule, 0, "sharing.externals=allowed (default)");
	return say(rule, !o->externals, "sharing.externals=%s",
	    o->externals ? "allowed" : "forbidden");
}

/* The highest role a profile may hold, without the policy. */
static enum sceau_policy_role
natural_ceiling(enum sceau_policy_profile prof)
{
	return prof == SCEAU_POLICY_EXTERNAL ? SCEAU_POLICY_CONTRIBUTOR
	                                     : SCEAU_POLICY_OWNER;
}

int
sceau_policy_check_share(const struct sceau_policy *p,
    enum sceau_policy_profile from, enum sceau_policy_profile to,
    enum sceau_policy_role role, const char *to_email,
    char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_policy_org *o = org_of(p);
	enum sceau_policy_role max;
	size_t i;
	int r;

	/* Taking a role away is always allowed. */
	if (role == SCEAU_POLICY_ROLE_UNSET)
		return say(rule, 0, "unsharing is always allowed");
	if ((r = sceau_policy_check_profile(p, to, rule)) != 0)
		return r;
	if (o == NULL)
		return say(rule, 0, "no organization policy (default)");
	max = o->ceiling[to] != SCEAU_POLICY_ROLE_UNSET ? o->ceiling[to]
	                                                : natural_ceiling(to);
	if (role > max)
		return say(rule, 1, "sharing.ceiling(%s)=%s",
		    sceau_policy_profile_name(to), sceau_policy_role_name(max));
	for (i = 0; i < o->nrules; i++) {
		if (o->rules[i].from == from && o->rules[i].to == to &&
		    !o->rules[i].allow)
			return say(rule, 1, "sharing.rule(%s->%s)=no",
			    sceau_policy_profile_name(from),
			    sceau_policy_profile_name(to));
	}
	/* Domains: checked where the address is known (NULL: not here). */
	if (o->nshare_domains > 0 && to_email != NULL &&
	    !domain_listed(to_email, o->share_domains, o->nshare_domains))
		return say(rule, 1, "sharing.domain=%s%s", o->share_domains[0],
		    o->nshare_domains > 1 ? ",..." : "");
	return say(rule, 0,
	    "sharing.ceiling(%s)=%s%s, sharing.rule(%s->%s)=yes",
	    sceau_policy_profile_name(to), sceau_policy_role_name(max),
	    o->ceiling[to] != SCEAU_POLICY_ROLE_UNSET ? "" : " (default)",
	    sceau_policy_profile_name(from), sceau_policy_profile_name(to));
}

int
sceau_policy_check_device(const struct sceau_policy *p,
    enum sceau_policy_profile prof, int token_bound, unsigned int active,
    char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_policy_org *o = org_of(p);

	if (o == NULL)
		return say(rule, 0, "no organization policy (default)");
	if (!token_bound &&
	    (o->token_required == 2 ||
	        (o->token_required == 1 && prof == SCEAU_POLICY_ADMIN)))
		return say(rule, 1, "devices.token-required=%s",
		    o->token_required == 2 ? "everyone" : "admins");
	if (o->max_devices > 0 && active >= o->max_devices)
		return say(rule, 1, "devices.max-per-user=%u", o->max_devices);
	return say(rule, 0,
	    "devices.token-required=%s%s, devices.max-per-user=%s",
	    o->token_required == 2       ? "everyone"
	        : o->token_required == 1 ? "admins"
	                                 : "nobody",
	    o->token_required < 0 ? " (default)" : "",
	    o->max_devices > 0 ? "set" : "unlimited (default)");
}

int
sceau_policy_check_invitation(const struct sceau_policy *p, const char *email,
    char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_policy_org *o = org_of(p);

	if (o == NULL || o->ninvite_domains == 0)
		return say(rule, 0, "invitations.domain=any (default)");
	if (email == NULL ||
	    !domain_listed(email, o->invite_domains, o->ninvite_domains))
		return say(rule, 1, "invitations.domain=%s%s",
		    o->invite_domains[0], o->ninvite_domains > 1 ? ",..." : "");
	return say(rule, 0, "invitations.domain=%s%s", o->invite_domains[0],
	    o->ninvite_domains > 1 ? ",..." : "");
}

uint64_t
sceau_policy_invitation_lifetime(const struct sceau_policy *p, uint64_t dflt)
{
	const struct sceau_policy_org *o = org_of(p);

	return o != NULL && o->invitation_lifetime_s > 0
	    ? o->invitation_lifetime_s
	    : dflt;
}

uint64_t
sceau_policy_rotate_delay(const struct sceau_policy *p)
{
	const struct sceau_policy_org *o = org_of(p);

	return o != NULL && o->rotate_s > 0 ? (uint64_t)o->rotate_s : 0;
}

int
sceau_policy_x509_revokes_user(const struct sceau_policy *p)
{
	const struct sceau_policy_org *o = org_of(p);

	return o != NULL && o->x509_revokes_user == 1;
}
