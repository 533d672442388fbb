/*
 * report.c: sceau-audit report EXPORT: what happened in an organization,
 * from its history export, after verifying it (the walk of history.c):
 * every act (certificate, vlob version) that passes the filters (user,
 * workspace, period, kind), and every violation, in text, JSON, or XML
 * that an X.509 key can sign (XML-DSig, xmldsig.c) for
 * sceau-audit verify-report.  With --names, a member's names of files
 * and folders (report-names.c).  Text and JSON are streamed; XML is built
 * in memory to be signed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "audit.h"
#include "cli.h"
#include "conf.h"
#include "encoding.h"
#include "errors.h"
#include "history.h"
#include "i18n.h"
#include "report.h"
#include "xmldsig.h"

#define RP_KINDS_MAX 16

enum rp_format { RP_TEXT, RP_JSON, RP_XML };

struct rp_args {
	const char *path, *out, *root_key;
	enum rp_format format;
	const char *user, *workspace, *kinds;
	uint64_t since, until; /* microseconds; until 0: none */
	const char *sign_key, *sign_cert, *sign_pass_file;
	const char *names_home, *names_password_file;
};

struct rp_state {
	const struct rp_args *a;
	FILE *f;
	uint64_t shown;
	char kinds[RP_KINDS_MAX][32];
	size_t nkinds;
	struct rp_names *names; /* or NULL */
	xmlDocPtr doc; /* XML */
	xmlNodePtr acts, violations;
	json_t *jviolations; /* JSON */
};

void
audit_usage_report(FILE *f)
{
	(void)fprintf(
	    f, _("Usage: %s [--json] report EXPORT [OPTIONS]\n"), AUDIT_PROG);
	(void)fputs(
	    _("\n"
	      "Reports who did what and when in an organization, from its "
	      "history export,\n"
	      "after verifying it (as sceau-audit verify): every act that "
	      "passes the\n"
	      "filters, then every violation.\n"
	      "\n"
	      "Options:\n"
	      "  -f, --format FORMAT   text (default), json or xml\n"
	      "  -o, --output FILE     write the report to FILE (default: "
	      "standard output)\n"
	      "  --user USER           acts by or about USER (id or email)\n"
	      "  --workspace ID        acts in workspace ID\n"
	      "  --since DATE          acts from DATE (YYYY-MM-DD[THH:MM[:SS]] "
	      "UTC, or @SECONDS)\n"
	      "  --until DATE          acts before DATE\n"
	      "  --kind KINDS          acts of these kinds, comma-separated "
	      "(user, device,\n"
	      "                        user-update, user-revocation, "
	      "device-revocation,\n"
	      "                        workspace-key, workspace-role, "
	      "workspace-name,\n"
	      "                        organization-policy, organization, "
	      "vlob)\n"
	      "  -r, --root-key KEY    the organization's root verify key "
	      "(as for verify)\n"
	      "  --names HOME          name files and folders with the keys "
	      "of the member\n"
	      "                        device in HOME (its sceau data "
	      "directory)\n"
	      "  --password-file FILE  that device's password, from FILE\n"
	      "  --sign-key PEM        sign the XML report with this private "
	      "key (XML-DSig)\n"
	      "  --sign-cert PEM       the signer's X.509 certificate\n"
	      "  --sign-pass-file FILE the private key's passphrase, from "
	      "FILE\n"
	      "  --json                the same as --format json\n"
	      "  -h, --help            show this help and exit\n"
	      "\n"
	      "Exit status: 0 no violation, 1 violations (the report lists "
	      "them), 2 usage\n"
	      "or input error.\n"),
	    f);
}

/* ------------------------------------------------------------ filters */

static int
rp_kinds(struct rp_state *st, const char *list)
{
	static const char *const known[] = {"organization", "user", "device",
	    "user-update", "user-revocation", "device-revocation",
	    "workspace-key", "workspace-role", "workspace-name",
	    "organization-policy", "vlob", NULL};
	const char *p = list, *q;
	size_t n, i;

	while (*p != '\0') {
		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		for (i = 0; known[i] != NULL; i++)
			if (strlen(known[i]) == n &&
			    strncmp(known[i], p, n) == 0)
				break;
		if (known[i] == NULL || st->nkinds == RP_KINDS_MAX) {
			(void)fprintf(stderr, _("%s: unknown kind in '%s'\n"),
			    AUDIT_PROG, list);
			return -1;
		}
		(void)snprintf(st->kinds[st->nkinds++], sizeof(st->kinds[0]),
		    "%s", known[i]);
		p += n + (q != NULL);
	}
	return 0;
}

/* Is u (an id or an email) the user of id and email? */
static int
rp_is(const char *u, const char *id, const char *email)
{
	return (id[0] != '\0' && strcmp(u, id) == 0) ||
	    (email[0] != '\0' && strcmp(u, email) == 0);
}

static int
rp_pass(const struct rp_state *st, const struct audit_act *act)
{
	const struct rp_args *a = st->a;
	uint64_t t = act->server_time != 0 ? act->server_time : act->time;
	size_t i;

	if (a->workspace != NULL && strcmp(a->workspace, act->realm) != 0)
		return 0;
	if (a->user != NULL && !rp_is(a->user, act->user, act->email) &&
	    !rp_is(a->user, act->subject, act->subject_email))
		return 0;
	if (t < a->since || (a->until != 0 && t >= a->until))
		return 0;
	for (i = 0; i < st->nkinds; i++)
		if (strcmp(st->kinds[i], act->kind) == 0)
			break;
	return st->nkinds == 0 || i < st->nkinds;
}

/* ------------------------------------------------------------ acts */

static void
rp_act_text(struct rp_state *st, const struct audit_act *act, const char *when,
    const char *name)
{
	(void)fprintf(st->f, "%s  %-19s %s%s%s", when, act->kind,
	    act->who[0] != '\0' ? act->who : act->user,
	    act->device[0] != '\0' ? _(" on device ") : "",
	    act->device[0] != '\0' ? act->device : _("(root key)"));
	if (act->index != 0)
		(void)fprintf(st->f, _(", certificate %llu"),
		    (unsigned long long)act->index);
	if (act->realm[0] != '\0')
		(void)fprintf(st->f, _(", workspace %s"), act->realm);
	if (act->version != 0)
		(void)fprintf(st->f, _(", vlob %s version %llu"), act->subject,
		    (unsigned long long)act->version);
	else if (act->subject[0] != '\0')
		(void)fprintf(st->f, _(", about %s"),
		    act->subject_who[0] != '\0' ? act->subject_who
		                                : act->subject);
	if (name != NULL)
		(void)fprintf(st->f, " (%s)", name);
	if (act->detail[0] != '\0')
		(void)fprintf(st->f, ": %s", act->detail);
	(void)fputs(act->violation ? _("  [VIOLATION]\n") : "\n", st->f);
}

static json_t *
rp_act_json(const struct audit_act *act, const char *when, const char *name)
{
	json_t *j = json_pack("{s:I, s:s, s:I, s:s, s:I, s:I, s:s, s:s, s:s, "
	                      "s:s, s:s, s:s, s:I, s:s, s:b}",
	    "line", (json_int_t)act->line, "kind", act->kind, "index",
	    (json_int_t)act->index, "time", when, "time_us",
	    (json_int_t)act->time, "server_time_us",
	    (json_int_t)act->server_time, "device", act->device, "user",
	    act->user, "who", act->who, "subject", act->subject, "subject_who",
	    act->subject_who, "workspace", act->realm, "version",
	    (json_int_t)act->version, "detail", act->detail, "violation",
	    act->violation);

	if (j != NULL && name != NULL)
		(void)json_object_set_new(j, "name", json_string(name));
	return j;
}

static void
rp_prop_u64(xmlNodePtr n, const char *key, uint64_t v)
{
	char s[24];

	(void)snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	(void)xmlNewProp(n, BAD_CAST key, BAD_CAST s);
}

static void
rp_prop(xmlNodePtr n, const char *key, const char *v)
{
	if (v != NULL && v[0] != '\0')
		(void)xmlNewProp(n, BAD_CAST key, BAD_CAST v);
}

static void
rp_act_xml(struct rp_state *st, const struct audit_act *act, const char *when,
    const char *name)
{
	xmlNodePtr n = xmlNewChild(st->acts, NULL, BAD_CAST "act", NULL);

	if (n == NULL)
		return;
	rp_prop_u64(n, "line", act->line);
	rp_prop(n, "kind", act->kind);
	if (act->index != 0)
		rp_prop_u64(n, "index", act->index);
	rp_prop(n, "time", when);
	rp_prop_u64(n, "time-us", act->time);
	rp_prop_u64(n, "server-time-us", act->server_time);
	rp_prop(n, "device", act->device);
	rp_prop(n, "user", act->user);
	rp_prop(n, "who", act->who);
	rp_prop(n, "subject", act->subject);
	rp_prop(n, "subject-who", act->subject_who);
	rp_prop(n, "workspace", act->realm);
	if (act->version != 0)
		rp_prop_u64(n, "version", act->version);
	rp_prop(n, "detail", act->detail);
	rp_prop(n, "name", name);
	rp_prop(n, "violation", act->violation ? "true" : "false");
}

static void
rp_act(void *arg, const struct audit_act *act)
{
	struct rp_state *st = arg;
	const char *name = NULL;
	char when[32];
	json_t *j;

	if (!rp_pass(st, act))
		return;
	st->shown++;
	audit_time_text(
	    act->server_time != 0 ? act->server_time : act->time, when);
	if (st->names != NULL && act->version != 0)
		name = rp_names_path(st->names, act->realm, act->subject);
	switch (st->a->format) {
	case RP_TEXT:
		rp_act_text(st, act, when, name);
		break;
	case RP_JSON:
		if ((j = rp_act_json(act, when, name)) == NULL)
			break;
		(void)fputs(st->shown > 1 ? ",\n" : "\n", st->f);
		(void)json_dumpf(j, st->f, JSON_COMPACT);
		json_decref(j);
		break;
	case RP_XML:
		rp_act_xml(st, act, when, name);
		break;
	}
}

/* ------------------------------------------------------ violations */

static void
rp_finding(void *arg, const struct audit_finding *fd)
{
	struct rp_state *st = arg;
	xmlNodePtr n;
	json_t *j;

	if (st->a->format != RP_XML) {
		/* JSON prints them at the end, and text from this copy. */
		j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s}",
		    "rule", fd->rule, "line", (json_int_t)fd->line, "index",
		    (json_int_t)fd->index, "author", fd->author, "workspace",
		    fd->realm, "vlob", fd->vlob, "version",
		    (json_int_t)fd->version, "detail", fd->detail);
		if (j != NULL)
			(void)json_array_append_new(st->jviolations, j);
		return;
	}
	n = xmlNewTextChild(
	    st->violations, NULL, BAD_CAST "violation", BAD_CAST fd->detail);
	if (n == NULL)
		return;
	rp_prop(n, "rule", fd->rule);
	rp_prop_u64(n, "line", fd->line);
	if (fd->index != 0)
		rp_prop_u64(n, "index", fd->index);
	rp_prop(n, "author", fd->author);
	rp_prop(n, "workspace", fd->realm);
	rp_prop(n, "vlob", fd->vlob);
	if (fd->version != 0)
		rp_prop_u64(n, "version", fd->version);
}

/* ------------------------------------------------------ the report */

static json_t *
rp_summary_json(const struct rp_state *st, const struct audit_summary *s)
{
	char t0[32], key[2 * SCEAU_SIGN_PUBLIC_LEN + 1];

	audit_time_text(s->exported_at, t0);
	sceau_enc_hex_fixed(s->root_key, sizeof(s->root_key), key);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, "
	                 "s:I, s:I, s:b}",
	    "export", st->a->path, "organization", s->org_id, "exported_by",
	    s->exported_by, "exported_at", t0, "root_key", key,
	    "root_key_pinned", s->root_pinned, "ok", s->violations == 0,
	    "certificates", (json_int_t)s->certificates, "versions",
	    (json_int_t)s->versions, "violations", (json_int_t)s->violations,
	    "acts_shown", (json_int_t)st->shown, "unverified",
	    (json_int_t)(s->unverified + s->unverified_versions), "complete",
	    s->complete);
}

static void
rp_end_text(struct rp_state *st, const struct audit_summary *s)
{
	char t0[32];
	size_t i;
	const json_t *v;

	audit_time_text(s->exported_at, t0);
	(void)fprintf(st->f,
	    _("\n%llu act(s) shown, of %llu certificate(s) and %llu "
	      "version(s)\n"),
	    (unsigned long long)st->shown, (unsigned long long)s->certificates,
	    (unsigned long long)s->versions);
	(void)fprintf(st->f,
	    _("organization %s, exported by %s at %s; root key %s\n"),
	    s->org_id, s->exported_by, t0,
	    s->root_pinned ? _("pinned") : _("not pinned"));
	json_array_foreach(st->jviolations, i, v)(void)
	    fprintf(st->f, _("VIOLATION line %lld: %s: %s\n"),
	        (long long)json_integer_value(json_object_get(v, "line")),
	        json_string_value(json_object_get(v, "rule")),
	        json_string_value(json_object_get(v, "detail")));
	if (s->violations == 0)
		(void)fprintf(st->f, _("verified: no violation\n"));
	else
		(void)fprintf(st->f, _("VIOLATIONS: %llu\n"),
		    (unsigned long long)s->violations);
}

static int
rp_xml_start(struct rp_state *st)
{
	xmlNodePtr root;
	xmlNsPtr ns;

	if ((st->doc = xmlNewDoc(BAD_CAST "1.0")) == NULL ||
	    (root = xmlNewNode(NULL, BAD_CAST "audit-report")) == NULL)
		return -1;
	(void)xmlDocSetRootElement(st->doc, root);
	if ((ns = xmlNewNs(root, BAD_CAST AUDIT_REPORT_NS, NULL)) == NULL)
		return -1;
	xmlSetNs(root, ns);
	if ((st->acts = xmlNewChild(root, ns, BAD_CAST "acts", NULL)) == NULL ||
	    (st->violations =
	            xmlNewChild(root, ns, BAD_CAST "violations", NULL)) == NULL)
		return -1;
	return 0;
}

static int
rp_xml_end(struct rp_state *st, const struct audit_summary *s)
{
	const struct rp_args *a = st->a;
	xmlNodePtr root = xmlDocGetRootElement(st->doc), sum;
	char t0[32], key[2 * SCEAU_SIGN_PUBLIC_LEN + 1];
	int r = 0;

	audit_time_text(s->exported_at, t0);
	sceau_enc_hex_fixed(s->root_key, sizeof(s->root_key), key);
	rp_prop(root, "organization", s->org_id);
	rp_prop(root, "exported-by", s->exported_by);
	rp_prop(root, "exported-at", t0);
	if ((sum = xmlNewNode(root->ns, BAD_CAST "summary")) == NULL ||
	    xmlAddPrevSibling(st->acts, sum) == NULL)
		return -1;
	rp_prop(sum, "ok", s->violations == 0 ? "true" : "false");
	rp_prop(sum, "root-key", key);
	rp_prop(sum, "root-key-pinned", s->root_pinned ? "true" : "false");
	rp_prop_u64(sum, "certificates", s->certificates);
	rp_prop_u64(sum, "versions", s->versions);
	rp_prop_u64(sum, "violations", s->violations);
	rp_prop_u64(sum, "acts-shown", st->shown);
	rp_prop(sum, "filter-user", a->user);
	rp_prop(sum, "filter-workspace", a->workspace);
	rp_prop(sum, "filter-kind", a->kinds);
	if (a->sign_key != NULL)
		r = rp_sign(
		    st->doc, a->sign_key, a->sign_cert, a->sign_pass_file);
	/* Signed: as signed, without indentation added after. */
	if (r == 0 && xmlDocFormatDump(st->f, st->doc, a->sign_key == NULL) < 0)
		r = -1;
	return r;
}

/* The passphrase: the first line of pass_file, in locked memory. */
int
rp_sign(xmlDocPtr doc, const char *key, const char *cert, const char *pass_file)
{
	struct cli_secret pass = {NULL, 0};
	int r;

	if (pass_file != NULL &&
	    (r = cli_secret_read(NULL, pass_file, &pass)) != 0) {
		(void)fprintf(stderr, _("%s: cannot read %s: %s\n"), AUDIT_PROG,
		    pass_file, sceau_last_message());
		return -1;
	}
	r = audit_xmldsig_init() == 0 &&
	        audit_xmldsig_sign(doc, key, cert, pass.data) == 0
	    ? 0
	    : -1;
	cli_secret_free(&pass);
	if (r != 0)
		(void)fprintf(stderr,
		    _("%s: cannot sign the report with %s and %s\n"),
		    AUDIT_PROG, key, cert);
	return r;
}

static int
rp_opt(struct rp_args *a, struct rp_state *st, int ch, const char *v)
{
	switch (ch) {
	case 'f':
		if (strcmp(v, "text") == 0)
			a->format = RP_TEXT;
		else if (strcmp(v, "json") == 0)
			a->format = RP_JSON;
		else if (strcmp(v, "xml") == 0)
			a->format = RP_XML;
		else
			return -1;
		return 0;
	case 'o':
		a->out = v;
		return 0;
	case 'r':
		a->root_key = v;
		return 0;
	case 'u':
		a->user = v;
		return 0;
	case 'w':
		a->workspace = v;
		return 0;
	case 'k':
		a->kinds = v;
		return rp_kinds(st, v);
	case 's':
		return sceau_conf_parse_date(v, &a->since);
	case 't':
		return sceau_conf_parse_date(v, &a->until);
	case 'K':
		a->sign_key = v;
		return 0;
	case 'C':
		a->sign_cert = v;
		return 0;
	case 'P':
		a->sign_pass_file = v;
		return 0;
	case 'n':
		a->names_home = v;
		return 0;
	case 'p':
		a->names_password_file = v;
		return 0;
	case 'j':
		a->format = RP_JSON;
		return 0;
	}
	return -1;
}

static int
rp_args(int argc, char **argv, struct rp_args *a, struct rp_state *st)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"root-key", required_argument, NULL, 'r'},
	    {"user", required_argument, NULL, 'u'},
	    {"workspace", required_argument, NULL, 'w'},
	    {"kind", required_argument, NULL, 'k'},
	    {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 't'},
	    {"sign-key", required_argument, NULL, 'K'},
	    {"sign-cert", required_argument, NULL, 'C'},
	    {"sign-pass-file", required_argument, NULL, 'P'},
	    {"names", required_argument, NULL, 'n'},
	    {"password-file", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:o:r:", opts, NULL)) != -1) {
		if (ch == '?' || rp_opt(a, st, ch, optarg) != 0) {
			if (ch != '?')
				(void)fprintf(stderr,
				    _("%s: invalid value '%s'\n"), AUDIT_PROG,
				    optarg != NULL ? optarg : "");
			return -1;
		}
	}
	if (optind != argc - 1) {
		(void)fprintf(
		    stderr, _("%s: report takes one export\n"), AUDIT_PROG);
		return -1;
	}
	if ((a->sign_key != NULL) != (a->sign_cert != NULL) ||
	    (a->sign_key != NULL && a->format != RP_XML)) {
		(void)fprintf(stderr,
		    _("%s: --sign-key and --sign-cert go together, with "
		      "--format xml\n"),
		    AUDIT_PROG);
		return -1;
	}
	a->path = argv[optind];
	return 0;
}

/* The walk, with the report's start and end around it. */
static int
rp_run(struct rp_state *st, FILE *in, const uint8_t *pk)
{
	struct audit_walk w = {pk, rp_finding, rp_act, st};
	struct audit_summary s;
	json_t *j;
	int r;

	if (st->a->format == RP_XML && rp_xml_start(st) != 0)
		return AUDIT_EXIT_USAGE;
	if (st->a->format == RP_JSON)
		(void)fputs("{\"acts\": [", st->f);
	if (audit_walk(in, &w, &s) != 0) {
		(void)fprintf(stderr, _("%s: %s: %s\n"), AUDIT_PROG,
		    st->a->path, sceau_last_message());
		return AUDIT_EXIT_USAGE;
	}
	switch (st->a->format) {
	case RP_TEXT:
		rp_end_text(st, &s);
		break;
	case RP_JSON:
		(void)fputs("\n],\n\"violations\": ", st->f);
		(void)json_dumpf(st->jviolations, st->f, JSON_INDENT(2));
		(void)fputs(",\n\"summary\": ", st->f);
		j = rp_summary_json(st, &s);
		(void)json_dumpf(j, st->f, JSON_INDENT(2));
		json_decref(j);
		(void)fputs("}\n", st->f);
		break;
	case RP_XML:
		if ((r = rp_xml_end(st, &s)) != 0)
			return AUDIT_EXIT_USAGE;
		break;
	}
	if (fflush(st->f) != 0 || ferror(st->f)) {
		(void)fprintf(stderr, _("%s: cannot write the report: %s\n"),
		    AUDIT_PROG, strerror(errno));
		return AUDIT_EXIT_USAGE;
	}
	return s.violations == 0 ? AUDIT_EXIT_OK : AUDIT_EXIT_VIOLATIONS;
}

static FILE *
rp_open_out(const char *path)
{
	FILE *f = NULL;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	/* Names and emails of people: readable by its writer only. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && (f = fdopen(fd, "w")) == NULL)
		(void)close(fd);
	if (f == NULL)
		(void)fprintf(stderr, _("%s: cannot write %s: %s\n"),
		    AUDIT_PROG, path, strerror(errno));
	return f;
}

int
audit_cmd_report(const struct audit_opts *go, int argc, char **argv)
{
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	struct rp_args a;
	struct rp_state st;
	FILE *in = NULL;
	int ex = AUDIT_EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	memset(&st, 0, sizeof(st));
	st.a = &a;
	a.format = go->json ? RP_JSON : RP_TEXT;
	if (rp_args(argc, argv, &a, &st) != 0) {
		audit_usage_report(stderr);
		return AUDIT_EXIT_USAGE;
	}
	if (a.root_key != NULL && audit_key_parse(a.root_key, pk) != 0) {
		(void)fprintf(stderr,
		    _("%s: %s: not a root key (64 hex digits)\n"), AUDIT_PROG,
		    a.root_key);
		return AUDIT_EXIT_USAGE;
	}
	if (a.names_home != NULL &&
	    rp_names_load(
	        a.path, a.names_home, a.names_password_file, &st.names) != 0)
		return AUDIT_EXIT_USAGE;
	if ((st.jviolations = json_array()) == NULL ||
	    (in = strcmp(a.path, "-") == 0 ? stdin : fopen(a.path, "r")) ==
	        NULL) {
		(void)fprintf(stderr, _("%s: cannot read %s: %s\n"), AUDIT_PROG,
		    a.path, strerror(errno));
		goto out;
	}
	if ((st.f = rp_open_out(a.out)) == NULL)
		goto out;
	ex = rp_run(&st, in, a.root_key != NULL ? pk : NULL);
	if (st.f != stdout && fclose(st.f) != 0 && ex != AUDIT_EXIT_USAGE) {
		(void)fprintf(stderr, _("%s: cannot write %s: %s\n"),
		    AUDIT_PROG, a.out, strerror(errno));
		ex = AUDIT_EXIT_USAGE;
	}
	/* No half report left behind (unsigned, or cut short). */
	if (st.f != stdout && ex == AUDIT_EXIT_USAGE)
		(void)unlink(a.out);
out:
	if (in != NULL && in != stdin)
		(void)fclose(in);
	xmlFreeDoc(st.doc);
	json_decref(st.jviolations);
	rp_names_free(st.names);
	return ex;
}
