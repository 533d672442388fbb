/*
 * wspolicy.c: the workstation policy (/etc/sceau/policy.xml, sceau-policy(5))
 * as the CLI enforces it, through the rules every program shares
 * (src/wspolicy.c): servers, organizations and authentication methods of
 * the devices it creates and opens, PKCS#11 modules, PKI checks, the
 * block cache's size and offline work; and whether workspaces may be
 * mounted.  A refusal names the rule (SCEAU_ERR_POLICY_REFUSED).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "errors.h"
#include "i18n.h"
#include "keyfile.h"
#include "link.h"
#include "policy.h"
#include "wspolicy.h"

int
cli_ws_policy(const struct sceau_policy **pp)
{
	return sceau_wspolicy_get(pp);
}

int
cli_ws_policy_apply(struct sceau_client_opts *co)
{
	return sceau_wspolicy_apply(co);
}

int
cli_ws_policy_auth(int protection)
{
	return sceau_wspolicy_auth(protection);
}

int
cli_ws_policy_link(const char *link)
{
	struct sceau_link l;
	struct sceau_buf *url;
	int r;

	/* A link that does not parse is refused later, by what uses it. */
	if (link == NULL || sceau_link_parse(link, &l) != 0) {
		sceau_message_clear();
		return cli_ws_policy_apply(NULL);
	}
	if ((url = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
	} else if ((r = sceau_link_base_url(&l.server, url)) == 0 &&
	    (r = sceau_buf_put_u8(url, 0)) == 0 &&
	    (r = sceau_wspolicy_server((const char *)sceau_buf_ptr(url))) ==
	        0) {
		r = sceau_wspolicy_org(l.org_id);
	}
	sceau_buf_free(url);
	sceau_link_clear(&l);
	return r;
}

int
cli_ws_policy_offline(struct sceau_client *c)
{
	uint64_t last;
	int r;

	if (sceau_wspolicy_offline_days() == 0)
		return 0;
	if ((r = sceau_client_last_contact(c, &last)) != 0)
		return r;
	if (sceau_wspolicy_offline(last, sceau_client_now_us() / 1000000) == 0)
		return 0;
	/* Too long without the server: reaching it now lifts the limit. */
	if (sceau_client_refresh(c, NULL) == 0)
		return 0;
	sceau_message_clear();
	return sceau_wspolicy_offline(last, sceau_client_now_us() / 1000000);
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
