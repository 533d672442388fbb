/*
 * policy.c: policy documents through libxml2: parse (no DOCTYPE, no
 * network), validate against the compiled-in schema, then read the
 * validated tree into struct sceau_policy.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "policy.h"
#include "policy/policy-xsd.h"

#define TEXT_MAX (SCEAU_POLICY_URL_MAX + 1)

/* The first error of a parse or a validation, with where it is. */
struct perr {
	const char *name;
	char msg[512];
	int set;
};

static void
perr_set(struct perr *p, int line, const char *what)
{
	size_t n;

	if (p->set)
		return;
	p->set = 1;
	(void)snprintf(p->msg, sizeof(p->msg), "%s:%d: %s", p->name, line,
	    what != NULL ? what : "invalid");
	n = strlen(p->msg);
	while (n > 0 && (p->msg[n - 1] == '\n' || p->msg[n - 1] == ' '))
		p->msg[--n] = '\0';
}

static void
on_xml_error(void *arg, xmlErrorPtr e)
{
	int line;

	if (e == NULL)
		return;
	/* Schema errors name the node rather than a line. */
	line = e->line;
	if (line == 0 && e->node != NULL)
		line = (int)xmlGetLineNo((xmlNodePtr)e->node);
	perr_set(arg, line, e->message);
}

static int
invalid(struct perr *p)
{
	sceau_message("%s", p->set ? p->msg : "policy: invalid document");
	return SCEAU_ERR_POLICY_INVALID;
}

/* ------------------------------------------------------------- values */

int
sceau_policy_duration(const char *s, uint64_t *secs)
{
	uint64_t v = 0, mult;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i == 0 || s[i] == '\0' || s[i + 1] != '\0')
		return SCEAU_ERR_INVALID_ARGUMENT;
	switch (s[i]) {
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	*secs = v * mult; /* at most 999999 days: no overflow */
	return 0;
}

int
sceau_policy_size(const char *s, uint64_t *bytes)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 12; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i == 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (s[i] != '\0') {
		static const char units[] = "KMGT";
		const char *u = strchr(units, s[i]);

		if (u == NULL || s[i + 1] != '\0')
			return SCEAU_ERR_INVALID_ARGUMENT;
		shift = 10 * (unsigned int)(u - units + 1);
	}
	if (shift > 0 && v > (UINT64_MAX >> shift))
		return SCEAU_ERR_INVALID_ARGUMENT;
	*bytes = v << shift;
	return 0;
}

/* The text of element e into out[size] (the schema bounds it). */
static int
text_of(xmlNodePtr e, char *out, size_t size, struct perr *p)
{
	xmlChar *t = xmlNodeGetContent(e);
	size_t n;

	out[0] = '\0';
	if (t == NULL)
		return SCEAU_ERR_ALLOC;
	n = strlen((const char *)t);
	if (n >= size) {
		xmlFree(t);
		perr_set(p, (int)xmlGetLineNo(e), "value too long");
		return invalid(p);
	}
	memcpy(out, t, n + 1);
	xmlFree(t);
	return 0;
}

static int
is(xmlNodePtr e, const char *name)
{
	return e->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)e->name, name) == 0;
}

static int
yes_no(xmlNodePtr e, int *out, struct perr *p)
{
	char v[8];
	int r;

	if ((r = text_of(e, v, sizeof(v), p)) != 0)
		return r;
	*out = strcmp(v, "yes") == 0;
	return 0;
}

static int
duration_of(xmlNodePtr e, uint64_t *secs, struct perr *p)
{
	char v[16];
	int r;

	if ((r = text_of(e, v, sizeof(v), p)) != 0)
		return r;
	if (sceau_policy_duration(v, secs) != 0) {
		perr_set(p, (int)xmlGetLineNo(e), "bad duration");
		return invalid(p);
	}
	return 0;
}

static int
uint_of(xmlNodePtr e, unsigned int max, unsigned int *out, struct perr *p)
{
	char v[16], *end;
	unsigned long x;
	int r;

	if ((r = text_of(e, v, sizeof(v), p)) != 0)
		return r;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || x > max) {
		perr_set(p, (int)xmlGetLineNo(e), "bad number");
		return invalid(p);
	}
	*out = (unsigned int)x;
	return 0;
}

/*
 * Appends the text of e to a list of at most max entries of width w
 * (allocated at the first one).
 */
static int
list_add(
    xmlNodePtr e, void *listp, size_t *n, size_t max, size_t w, struct perr *p)
{
	char **list = listp;
	int r;

	if (*list == NULL && (*list = sceau_calloc(max, w)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (*n >= max) {
		perr_set(p, (int)xmlGetLineNo(e), "too many entries");
		return invalid(p);
	}
	if ((r = text_of(e, *list + *n * w, w, p)) != 0)
		return r;
	(*n)++;
	return 0;
}

/* Calls f on each element child of e; stops at an error. */
static int
each_child(xmlNodePtr e, int (*f)(xmlNodePtr, void *, struct perr *), void *arg,
    struct perr *p)
{
	xmlNodePtr c;
	int r;

	for (c = e->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && (r = f(c, arg, p)) != 0)
			return r;
	return 0;
}

/* ---------------------------------------------------- workstation */

static int
ws_auth(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_ws *ws = arg;
	char v[16];
	int r;

	if ((r = text_of(c, v, sizeof(v), p)) != 0)
		return r;
	ws->auth |= strcmp(v, "password") == 0 ? SCEAU_POLICY_AUTH_PASSWORD
	    : strcmp(v, "keyring") == 0        ? SCEAU_POLICY_AUTH_KEYRING
	                                       : SCEAU_POLICY_AUTH_TOKEN;
	return 0;
}

static int
ws_pki(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_ws *ws = arg;
	int r;

	if (is(c, "anchors"))
		return text_of(c, ws->anchors, sizeof(ws->anchors), p);
	if (is(c, "crl-fetch"))
		return yes_no(c, &ws->crl_fetch, p);
	if (is(c, "crl-max-age"))
		return duration_of(c, &ws->crl_max_age_s, p);
	if (is(c, "soft-fail"))
		return yes_no(c, &ws->soft_fail, p);
	/* ocsp */
	if ((r = text_of(c, ws->ocsp_url, sizeof(ws->ocsp_url), p)) != 0)
		return r;
	if (strcmp(ws->ocsp_url, "off") == 0)
		ws->ocsp = SCEAU_POLICY_OCSP_OFF;
	else if (strcmp(ws->ocsp_url, "aia") == 0)
		ws->ocsp = SCEAU_POLICY_OCSP_AIA;
	else
		ws->ocsp = SCEAU_POLICY_OCSP_URL;
	if (ws->ocsp != SCEAU_POLICY_OCSP_URL)
		ws->ocsp_url[0] = '\0';
	return 0;
}

static int
ws_offline(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_ws *ws = arg;
	char v[16];
	int r;

	if (is(c, "max-days"))
		return uint_of(c, 65535, &ws->offline_max_days, p);
	if ((r = text_of(c, v, sizeof(v), p)) != 0)
		return r;
	if (sceau_policy_size(v, &ws->cache_max) != 0) {
		perr_set(p, (int)xmlGetLineNo(c), "bad size");
		return invalid(p);
	}
	return 0;
}

/* A list element's entries: servers, organizations, PKCS#11 modules. */
static int
ws_list(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_ws *ws = arg;

	if (is(c, "server"))
		return list_add(c, &ws->servers, &ws->nservers,
		    SCEAU_POLICY_SERVERS_MAX, sizeof(*ws->servers), p);
	if (is(c, "organization"))
		return list_add(c, &ws->orgs, &ws->norgs, SCEAU_POLICY_ORGS_MAX,
		    sizeof(*ws->orgs), p);
	return list_add(c, &ws->modules, &ws->nmodules,
	    SCEAU_POLICY_MODULES_MAX, sizeof(*ws->modules), p);
}

static int
ws_section(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_ws *ws = arg;

	if (is(c, "servers") || is(c, "organizations") || is(c, "pkcs11"))
		return each_child(c, ws_list, ws, p);
	if (is(c, "authentication"))
		return each_child(c, ws_auth, ws, p);
	if (is(c, "pki"))
		return each_child(c, ws_pki, ws, p);
	if (is(c, "offline"))
		return each_child(c, ws_offline, ws, p);
	return yes_no(c, &ws->mount, p); /* mount */
}

/* --------------------------------------------------- organization */

static int
profile_of(const char *s)
{
	return strcmp(s, "admin") == 0 ? SCEAU_POLICY_ADMIN
	    : strcmp(s, "member") == 0 ? SCEAU_POLICY_MEMBER
	                               : SCEAU_POLICY_EXTERNAL;
}

static enum sceau_policy_role
role_of(const char *s)
{
	return strcmp(s, "owner") == 0      ? SCEAU_POLICY_OWNER
	    : strcmp(s, "manager") == 0     ? SCEAU_POLICY_MANAGER
	    : strcmp(s, "contributor") == 0 ? SCEAU_POLICY_CONTRIBUTOR
	                                    : SCEAU_POLICY_READER;
}

/* An attribute the schema requires, into out[size]. */
static int
attr_of(xmlNodePtr e, const char *name, char *out, size_t size, struct perr *p)
{
	xmlChar *v = xmlGetProp(e, (const xmlChar *)name);
	size_t n;

	out[0] = '\0';
	if (v == NULL || (n = strlen((const char *)v)) >= size) {
		xmlFree(v);
		perr_set(p, (int)xmlGetLineNo(e), "bad attribute");
		return invalid(p);
	}
	memcpy(out, v, n + 1);
	xmlFree(v);
	return 0;
}

static int
org_sharing(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_org *o = arg;
	struct sceau_policy_share_rule *rule;
	char a[16], b[16], v[8];
	int r;

	if (is(c, "externals"))
		return yes_no(c, &o->externals, p);
	if (is(c, "domain"))
		return list_add(c, &o->share_domains, &o->nshare_domains,
		    SCEAU_POLICY_DOMAINS_MAX, sizeof(*o->share_domains), p);
	if (is(c, "ceiling")) {
		if ((r = attr_of(c, "profile", a, sizeof(a), p)) != 0 ||
		    (r = attr_of(c, "max", b, sizeof(b), p)) != 0)
			return r;
		o->ceiling[profile_of(a)] = role_of(b);
		return 0;
	}
	/* rule (the schema allows at most SCEAU_POLICY_RULES_MAX) */
	if (o->nrules >= SCEAU_POLICY_RULES_MAX) {
		perr_set(p, (int)xmlGetLineNo(c), "too many rules");
		return invalid(p);
	}
	if ((r = attr_of(c, "from", a, sizeof(a), p)) != 0 ||
	    (r = attr_of(c, "to", b, sizeof(b), p)) != 0 ||
	    (r = attr_of(c, "allow", v, sizeof(v), p)) != 0)
		return r;
	rule = &o->rules[o->nrules++];
	rule->from = (enum sceau_policy_profile)profile_of(a);
	rule->to = (enum sceau_policy_profile)profile_of(b);
	rule->allow = strcmp(v, "yes") == 0;
	return 0;
}

static int
org_devices(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_org *o = arg;
	char v[16];
	int r;

	if (is(c, "max-per-user"))
		return uint_of(c, 65535, &o->max_devices, p);
	if ((r = text_of(c, v, sizeof(v), p)) != 0)
		return r;
	o->token_required = strcmp(v, "everyone") == 0 ? 2
	    : strcmp(v, "admins") == 0                 ? 1
	                                               : 0;
	return 0;
}

static int
org_invitations(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_org *o = arg;

	if (is(c, "lifetime"))
		return duration_of(c, &o->invitation_lifetime_s, p);
	return list_add(c, &o->invite_domains, &o->ninvite_domains,
	    SCEAU_POLICY_DOMAINS_MAX, sizeof(*o->invite_domains), p);
}

static int
org_revocation(xmlNodePtr c, void *arg, struct perr *p)
{
	struct sceau_policy_org *o = arg;
	uint64_t s;
	char v[16];
	int r;

	if (is(c, "x509-revokes-user"))
		return yes_no(c, &o->x509_revokes_user, p);
	if ((r = text_of(c, v, sizeof(v), p)) != 0)
		return r;
	if (strcmp(v, "now") == 0) {
		o->rotate_s = 0;
		return 0;
	}
	if ((r = duration_of(c, &s, p)) != 0)
		return r;
	o->rotate_s = (int64_t)s;
	return 0;
}

static int
org_section(xmlNodePtr c, void *arg, struct perr *p)
{
	if (is(c, "sharing"))
		return each_child(c, org_sharing, arg, p);
	if (is(c, "devices"))
		return each_child(c, org_devices, arg, p);
	if (is(c, "invitations"))
		return each_child(c, org_invitations, arg, p);
	return each_child(c, org_revocation, arg, p);
}

/* ---------------------------------------------------------- document */

static struct sceau_policy *
policy_new(void)
{
	struct sceau_policy *pol = sceau_calloc(1, sizeof(*pol));

	if (pol == NULL)
		return NULL;
	pol->ws.crl_fetch = pol->ws.soft_fail = pol->ws.mount = -1;
	pol->org.externals = pol->org.token_required = -1;
	pol->org.x509_revokes_user = -1;
	pol->org.rotate_s = -1;
	return pol;
}

void
sceau_policy_free(struct sceau_policy *p)
{
	if (p == NULL)
		return;
	sceau_free(p->ws.servers);
	sceau_free(p->ws.orgs);
	sceau_free(p->ws.modules);
	sceau_free(p->org.share_domains);
	sceau_free(p->org.invite_domains);
	sceau_free(p);
}

/* Validates doc against the compiled-in schema. */
static int
validate(xmlDocPtr doc, struct perr *p)
{
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaValidCtxtPtr vc = NULL;
	xmlSchemaPtr schema = NULL;
	int rc = -1;

	if ((pc = xmlSchemaNewMemParserCtxt(
	         policy_xsd, sizeof(policy_xsd) - 1)) == NULL)
		return SCEAU_ERR_ALLOC;
	schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (schema == NULL) {
		sceau_message("policy: the built-in schema does not load");
		return SCEAU_ERR_INTERNAL;
	}
	if ((vc = xmlSchemaNewValidCtxt(schema)) != NULL) {
		xmlSchemaSetValidStructuredErrors(vc, on_xml_error, p);
		rc = xmlSchemaValidateDoc(vc, doc);
		xmlSchemaFreeValidCtxt(vc);
	}
	xmlSchemaFree(schema);
	if (vc == NULL)
		return SCEAU_ERR_ALLOC;
	return rc == 0 ? 0 : invalid(p);
}

/* Reads the validated tree. */
static int
read_doc(xmlDocPtr doc, struct sceau_policy *pol, struct perr *p)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char v[16];
	int r;

	if ((r = attr_of(root, "version", v, sizeof(v), p)) != 0)
		return r;
	/* The schema made it an unsignedInt. */
	pol->version = (uint32_t)strtoul(v, NULL, 10);
	if (is(root, "workstation-policy")) {
		pol->kind = SCEAU_POLICY_WORKSTATION;
		return each_child(root, ws_section, &pol->ws, p);
	}
	pol->kind = SCEAU_POLICY_ORGANIZATION;
	if ((r = attr_of(root, "organization", pol->org.org_id,
	         sizeof(pol->org.org_id), p)) != 0)
		return r;
	return each_child(root, org_section, &pol->org, p);
}

int
sceau_xml_has_doctype(const uint8_t *xml, size_t n)
{
	static const char needle[] = "<!DOCTYPE";
	size_t i, k = sizeof(needle) - 1;

	for (i = 0; i + k <= n; i++)
		if (xml[i] == '<' && memcmp(xml + i, needle, k) == 0)
			return 1;
	return 0;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

int
sceau_policy_parse(
    const uint8_t *xml, size_t n, const char *name, struct sceau_policy **pp)
{
	struct perr p = {name != NULL ? name : "policy", "", 0};
	struct sceau_policy *pol = NULL;
	xmlDocPtr doc = NULL;
	int r;

	*pp = NULL;
	/*
	 * The chain parses policies on any thread (the agent's syncs, the
	 * server's requests): libxml2 must be set up once before that.
	 */
	(void)pthread_once(&xml_once, xmlInitParser);
	if (n > SCEAU_POLICY_MAX) {
		sceau_message(
		    "%s: larger than %d bytes", p.name, SCEAU_POLICY_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	if (sceau_xml_has_doctype(xml, n)) {
		perr_set(&p, 1, "a DOCTYPE is not allowed in a policy");
		return invalid(&p);
	}
	xmlSetStructuredErrorFunc(&p, on_xml_error);
	doc = xmlReadMemory((const char *)xml, (int)n, p.name, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOCDATA);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL || doc->intSubset != NULL || doc->extSubset != NULL ||
	    xmlDocGetRootElement(doc) == NULL) {
		perr_set(&p, 1, "not a well-formed XML document");
		r = invalid(&p);
		goto out;
	}
	if ((r = validate(doc, &p)) != 0)
		goto out;
	if ((pol = policy_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = read_doc(doc, pol, &p)) != 0)
		goto out;
	*pp = pol;
	pol = NULL;
out:
	sceau_policy_free(pol);
	xmlFreeDoc(doc);
	return r;
}

int
sceau_policy_load(const char *path, struct sceau_policy **pp)
{
	struct sceau_buf *b;
	int r;

	*pp = NULL;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_load_file(path, SCEAU_POLICY_MAX, b)) == 0)
		r = sceau_policy_parse(
		    sceau_buf_ptr(b), sceau_buf_len(b), path, pp);
	else if (r == SCEAU_ERR_FILE_TOO_LARGE)
		r = SCEAU_ERR_LIMIT_EXCEEDED;
	sceau_buf_free(b);
	return r;
}
