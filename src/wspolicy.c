/*
 * wspolicy.c: the workstation policy as every program of the computer
 * applies it (wspolicy.h, sceau-policy(5)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "blockcache.h"
#include "client.h"
#include "errors.h"
#include "i18n.h"
#include "keyfile.h"
#include "link.h"
#include "policy.h"
#include "token.h"
#include "wspolicy.h"
#include "x509.h"

#define WS_POLICY_FILE SYSCONFDIR "/sceau/policy.xml"

static struct sceau_policy *loaded;
static int load_result = 1; /* 1: not loaded yet */
static char load_error[512]; /* why it is invalid, said at each call */
/* The <pkcs11> paths, as the token layer takes them. */
static const char *module_ptrs[SCEAU_POLICY_MODULES_MAX];

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
sceau_wspolicy_get(const struct sceau_policy **pp)
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
			else
				(void)snprintf(load_error, sizeof(load_error),
				    "%s", sceau_last_message());
		}
	}
	/* An invalid policy stops everything: it is never taken as none. */
	if (load_result != 0) {
		sceau_message("%s", load_error);
		return load_result;
	}
	*pp = loaded;
	return 0;
}

/*
 * url as scheme, host and port (sceau_link_url_parse()), a final '/'
 * left out.  0, or -1 for what is no server base URL.
 */
static int
url_server(const char *url, struct sceau_link_server *srv)
{
	char buf[SCEAU_POLICY_URL_MAX + 1];
	size_t n = strlen(url);
	int r;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, url, n);
	buf[n] = '\0';
	r = sceau_link_url_parse(buf, srv);
	sceau_message_clear();
	return r == 0 ? 0 : -1;
}

static int
same_server(
    const struct sceau_link_server *a, const struct sceau_link_server *b)
{
	return a->port == b->port && a->no_ssl == b->no_ssl &&
	    strcasecmp(a->host, b->host) == 0;
}

/* The policy's list of n entries of size bytes each, as text. */
static void
list_text(const char *list, size_t n, size_t size, char *out, size_t outsize)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < n && len < outsize; i++)
		len += (size_t)snprintf(out + len, outsize - len, "%s%s",
		    i > 0 ? "," : "", list + i * size);
	if (len >= outsize && outsize > 4)
		memcpy(out + outsize - 4, "...", 4);
}

int
sceau_wspolicy_server(const char *url)
{
	const struct sceau_policy *p;
	struct sceau_link_server want, srv;
	char list[512];
	size_t i;
	int r;

	if ((r = sceau_wspolicy_get(&p)) != 0)
		return r;
	if (p == NULL || p->ws.nservers == 0)
		return 0;
	if (url_server(url, &want) == 0)
		for (i = 0; i < p->ws.nservers; i++)
			if (url_server(p->ws.servers[i], &srv) == 0 &&
			    same_server(&want, &srv))
				return 0;
	list_text(p->ws.servers[0], p->ws.nservers, sizeof(p->ws.servers[0]),
	    list, sizeof(list));
	sceau_message(_("policy: servers=%s (the server %s may not be used "
	                "on this computer)"),
	    list, url);
	return SCEAU_ERR_POLICY_REFUSED;
}

int
sceau_wspolicy_org(const char *org_id)
{
	const struct sceau_policy *p;
	char list[512];
	size_t i;
	int r;

	if ((r = sceau_wspolicy_get(&p)) != 0)
		return r;
	if (p == NULL || p->ws.norgs == 0)
		return 0;
	for (i = 0; i < p->ws.norgs; i++)
		if (strcmp(p->ws.orgs[i], org_id) == 0)
			return 0;
	list_text(p->ws.orgs[0], p->ws.norgs, sizeof(p->ws.orgs[0]), list,
	    sizeof(list));
	sceau_message(_("policy: organizations=%s (organization %s may not be "
	                "used on this computer)"),
	    list, org_id);
	return SCEAU_ERR_POLICY_REFUSED;
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
sceau_wspolicy_auth(int protection)
{
	const struct sceau_policy *p;
	char allowed[64];
	int r;

	if ((r = sceau_wspolicy_get(&p)) != 0)
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
sceau_wspolicy_device(const struct sceau_keyfile_info *info)
{
	int r;

	if ((r = sceau_wspolicy_server(info->server_url)) != 0 ||
	    (r = sceau_wspolicy_org(info->org_id)) != 0)
		return r;
	return sceau_wspolicy_auth((int)info->protection);
}

/* <pki> over what the environment said. */
static void
apply_pki(const struct sceau_policy_ws *w, struct sceau_client_opts *co)
{
	if (w->anchors[0] != '\0')
		co->pki_anchors_file = w->anchors;
	if (w->crl_fetch >= 0)
		co->pki_no_crl_fetch = !w->crl_fetch;
	if (w->crl_max_age_s != 0)
		co->pki_crl_max_age_s = w->crl_max_age_s;
	if (w->soft_fail >= 0)
		co->pki_soft_fail = w->soft_fail;
	switch (w->ocsp) {
	case SCEAU_POLICY_OCSP_OFF:
		co->pki_ocsp = SCEAU_X509_OCSP_OFF;
		co->pki_ocsp_url = NULL;
		break;
	case SCEAU_POLICY_OCSP_AIA:
		co->pki_ocsp = SCEAU_X509_OCSP_AIA;
		co->pki_ocsp_url = NULL;
		break;
	case SCEAU_POLICY_OCSP_URL:
		co->pki_ocsp = SCEAU_X509_OCSP_URL;
		co->pki_ocsp_url = w->ocsp_url;
		break;
	default:
		break;
	}
}

int
sceau_wspolicy_apply(struct sceau_client_opts *co)
{
	const struct sceau_policy *p;
	size_t i;
	int r;

	if ((r = sceau_wspolicy_get(&p)) != 0 || p == NULL)
		return r;
	if (co != NULL)
		apply_pki(&p->ws, co);
	for (i = 0; i < p->ws.nmodules && i < SCEAU_POLICY_MODULES_MAX; i++)
		module_ptrs[i] = p->ws.modules[i];
	sceau_token_policy_modules(module_ptrs, i);
	sceau_blockcache_set_limit(p->ws.cache_max);
	return 0;
}

unsigned int
sceau_wspolicy_offline_days(void)
{
	const struct sceau_policy *p;

	if (sceau_wspolicy_get(&p) != 0 || p == NULL)
		return 0;
	return p->ws.offline_max_days;
}

int
sceau_wspolicy_offline(uint64_t last_s, uint64_t now_s)
{
	const struct sceau_policy *p;
	uint64_t max;
	int r;

	if ((r = sceau_wspolicy_get(&p)) != 0)
		return r;
	if (p == NULL || p->ws.offline_max_days == 0)
		return 0;
	max = (uint64_t)p->ws.offline_max_days * 86400;
	/* A record ahead of the clock is a clock set back: not stale. */
	if (last_s != 0 && (last_s >= now_s || now_s - last_s <= max))
		return 0;
	if (last_s == 0)
		sceau_message(_("policy: offline max-days=%u (this device has "
		                "no record of reaching its server: it must "
		                "reach it before it works offline)"),
		    p->ws.offline_max_days);
	else
		sceau_message(_("policy: offline max-days=%u (this device last "
		                "reached its server %llu days ago: it must "
		                "reach it again before it works offline)"),
		    p->ws.offline_max_days,
		    (unsigned long long)((now_s - last_s) / 86400));
	return SCEAU_ERR_POLICY_REFUSED;
}
