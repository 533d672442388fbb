/*
 * wspolicy.c: the workstation policy (/etc/sceau/policy.xml, sceau-policy(5))
 * as the CLI enforces it.  Enforced so far: the authentication methods a
 * device may be protected and unlocked by, and whether workspaces may be
 * mounted.  A refusal names the rule (SCEAU_ERR_POLICY_REFUSED).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "errors.h"
#include "i18n.h"
#include "keyfile.h"
#include "policy.h"

#define WS_POLICY_FILE SYSCONFDIR "/sceau/policy.xml"

static struct sceau_policy *loaded;
static int load_result = 1; /* 1: not loaded yet */

static void
free_loaded(void)
{
	sceau_policy_free(loaded);
	loaded = NULL;
}

/*
 * The deployed file when there is one: a user's environment cannot
 * replace it.  Only a computer with none takes $SCEAU_POLICY_FILE (tests,
 * and trying a policy before deploying it).
 */
static const char *
policy_path(void)
{
	const char *e;

	if (access(WS_POLICY_FILE, F_OK) == 0)
		return WS_POLICY_FILE;
	e = secure_getenv("SCEAU_POLICY_FILE");
	return e != NULL && e[0] != '\0' ? e : NULL;
}

int
cli_ws_policy(const struct sceau_policy **pp)
{
	const char *path;
	int r;

	*pp = NULL;
	if (load_result == 1) {
		load_result = 0;
		if ((path = policy_path()) != NULL) {
			r = sceau_policy_load(path, &loaded);
			if (r == 0 &&
			    loaded->kind != SCEAU_POLICY_WORKSTATION) {
				sceau_message(
				    "%s: not a workstation policy", path);
				free_loaded();
				r = SCEAU_ERR_POLICY_INVALID;
			}
			load_result = r;
			if (r == 0)
				(void)atexit(free_loaded);
		}
	}
	/* An invalid policy stops everything: it is never taken as none. */
	if (load_result != 0)
		return load_result;
	*pp = loaded;
	return 0;
}

static unsigned int
auth_bit(int protection)
{
	switch (protection) {
	case SCEAU_KEYFILE_PASSWORD:
		return SCEAU_POLICY_AUTH_PASSWORD;
	case SCEAU_KEYFILE_KEYRING:
		return SCEAU_POLICY_AUTH_KEYRING;
	default:
		return SCEAU_POLICY_AUTH_TOKEN;
	}
}

int
cli_ws_policy_auth(int protection)
{
	const struct sceau_policy *p;
	char allowed[64];
	int r;

	if ((r = cli_ws_policy(&p)) != 0)
		return r;
	if (p == NULL || p->ws.auth == 0 ||
	    (p->ws.auth & auth_bit(protection)) != 0)
		return 0;
	(void)snprintf(allowed, sizeof(allowed), "%s%s%s",
	    (p->ws.auth & SCEAU_POLICY_AUTH_PASSWORD) ? " password" : "",
	    (p->ws.auth & SCEAU_POLICY_AUTH_KEYRING) ? " keyring" : "",
	    (p->ws.auth & SCEAU_POLICY_AUTH_TOKEN) ? " token" : "");
	sceau_message(_("policy: authentication=%s (a device protected by "
	                "its %s is not allowed on this computer)"),
	    allowed + 1, sceau_keyfile_protection_name(protection));
	return SCEAU_ERR_POLICY_REFUSED;
}

int
cli_ws_policy_mount(void)
{
	const struct sceau_policy *p;
	int r;

	if ((r = cli_ws_policy(&p)) != 0)
		return r;
	if (p == NULL || p->ws.mount != 0)
		return 0;
	sceau_message(_("policy: mount=no (workspaces may not be mounted on "
	                "this computer)"));
	return SCEAU_ERR_POLICY_REFUSED;
}
