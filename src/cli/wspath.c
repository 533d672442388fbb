/*
 * wspath.c: "/WORKSPACE/path/in/it" on the command line: finding the
 * workspace by name (or id) among those this user has a role in, and
 * opening it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "errors.h"
#include "i18n.h"
#include "ws.h"

int
cli_find_realm(struct sceau_client *c, const char *name_or_id,
    char realm[SCEAU_ID_LEN + 1])
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	const char *self = sceau_client_info(c)->user_id;
	char name[SCEAU_NAME_MAX_BYTES + 1];
	size_t i, found = 0;

	realm[0] = '\0';
	for (i = 0; i < sceau_chain_realm_count(ch); i++) {
		const struct sceau_chain_realm *r = sceau_chain_realm_at(ch, i);

		if (sceau_chain_realm_role(ch, r->realm_id, self) ==
		    SCEAU_ROLE_NONE)
			continue;
		if (strcmp(r->realm_id, name_or_id) == 0 ||
		    (sceau_client_realm_name(
		         c, r->realm_id, name, sizeof(name)) == 0 &&
		        strcmp(name, name_or_id) == 0)) {
			if (found++ == 0)
				(void)snprintf(
				    realm, SCEAU_ID_LEN + 1, "%s", r->realm_id);
		}
	}
	sceau_message_clear();
	if (found == 1)
		return 0;
	if (found > 1) {
		sceau_message(
		    _("several workspaces are named \"%s\": use its id"),
		    name_or_id);
		return SCEAU_ERR_AMBIGUOUS_DEVICE;
	}
	sceau_message(_("no workspace \"%s\" here"), name_or_id);
	return SCEAU_ERR_NOT_FOUND;
}

/* Splits "/WS/rest" into the workspace part and "/rest". */
int
cli_split_ws_arg(
    const char *arg, char *ws, size_t wsize, char *path, size_t psize)
{
	const char *p = arg, *slash;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((slash = strchr(p, '/')) == NULL)
		slash = p + strlen(p);
	if ((size_t)(slash - p) >= wsize ||
	    (size_t)snprintf(
	        path, psize, "/%s", *slash == '/' ? slash + 1 : "") >= psize)
		return SCEAU_ERR_INVALID_ARGUMENT;
	(void)snprintf(ws, wsize, "%.*s", (int)(slash - p), p);
	return 0;
}

int
cli_ws_open(struct cli *cli, struct sceau_client *c, const char *arg,
    struct cli_ws *out)
{
	return cli_ws_open_at(cli, c, arg, 0, out);
}

int
cli_ws_open_at(struct cli *cli, struct sceau_client *c, const char *arg,
    uint64_t at_us, struct cli_ws *out)
{
	char name[SCEAU_NAME_MAX_BYTES + 1];
	int r;

	memset(out, 0, sizeof(*out));
	out->c = c;
	if (cli_split_ws_arg(
	        arg, name, sizeof(name), out->path, sizeof(out->path)) != 0)
		return cli_usage_error(
		    cli, "", _("'%s': expected /WORKSPACE/PATH"), arg);
	r = cli_find_realm(c, name, out->realm);
	/* Perhaps shared with us since we last looked: learn, then retry. */
	if (r == SCEAU_ERR_NOT_FOUND && sceau_client_refresh(c, NULL) == 0)
		r = cli_find_realm(c, name, out->realm);
	if (r == 0)
		r = at_us != 0 ? sceau_ws_open_at(c, out->realm, at_us, &out->w)
		               : sceau_ws_open(c, out->realm, &out->w);
	if (r != 0)
		return cli_error(cli, r, _("opening workspace %s"), name);
	(void)snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

int
cli_ws_close(struct cli *cli, struct cli_ws *ws)
{
	int r = sceau_ws_close(ws->w);

	ws->w = NULL;
	if (r != 0)
		return cli_error(
		    cli, r, _("saving changes to workspace %s"), ws->name);
	return 0;
}
