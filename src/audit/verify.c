/*
 * verify.c: sceau-audit verify EXPORT [--root-key KEY]: checks an
 * organization's history export (sceau org export-history, sceau-server
 * --export-history) offline, through the walk of history.c, and reports
 * every violation and a summary.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "encoding.h"
#include "errors.h"
#include "history.h"
#include "i18n.h"

struct vf_state {
	const struct audit_opts *o;
	json_t *findings; /* --json */
};

void
audit_usage_verify(FILE *f)
{
	(void)fprintf(f,
	    _("Usage: %s [--json] verify EXPORT [--root-key KEY]\n"),
	    AUDIT_PROG);
	(void)fputs(_("\n"
	              "Verifies an organization's history offline: every "
	              "certificate against\n"
	              "the chain (signatures, card signatures, order, hash "
	              "chain, the author's\n"
	              "rights and the policy in force then), identity blobs, "
	              "every version of\n"
	              "every workspace (signature, the author's device and "
	              "role when it was\n"
	              "stored, key, order, times), and cards against the "
	              "export's CRLs.\n"
	              "\n"
	              "Options:\n"
	              "  -r, --root-key KEY    the organization's root verify "
	              "key (64 hex digits,\n"
	              "                        or a file holding them), as "
	              "its founder gave it\n"
	              "  --json                output JSON\n"
	              "  -h, --help            show this help and exit\n"),
	    f);
}

/* What the finding is about: certificate N, or a workspace's vlob. */
static void
vf_where(const struct audit_finding *f, char *out, size_t n)
{
	if (f->index != 0)
		(void)snprintf(out, n, _("certificate %llu"),
		    (unsigned long long)f->index);
	else if (f->vlob[0] != '\0')
		(void)snprintf(out, n, _("workspace %s, vlob %s version %llu"),
		    f->realm, f->vlob, (unsigned long long)f->version);
	else
		(void)snprintf(out, n, _("the export"));
}

static void
vf_finding(void *arg, const struct audit_finding *f)
{
	struct vf_state *st = arg;
	char where[160];
	json_t *j;

	vf_where(f, where, sizeof(where));
	if (!st->o->json) {
		(void)printf(_("line %llu: %s: %s%s%s: %s\n"),
		    (unsigned long long)f->line, f->rule, where,
		    f->author[0] != '\0' ? _(", by device ") : "", f->author,
		    f->detail);
		return;
	}
	j = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s}", "rule",
	    f->rule, "line", (json_int_t)f->line, "index", (json_int_t)f->index,
	    "author", f->author, "workspace", f->realm, "vlob", f->vlob,
	    "version", (json_int_t)f->version, "where", where, "detail",
	    f->detail);
	if (j != NULL)
		(void)json_array_append_new(st->findings, j);
}

static void
vf_summary_text(const char *path, const struct audit_summary *s)
{
	char t0[32], t1[32], t2[32], key[2 * SCEAU_SIGN_PUBLIC_LEN + 1];

	audit_time_text(s->exported_at, t0);
	audit_time_text(s->first_time, t1);
	audit_time_text(s->last_time, t2);
	sceau_enc_hex_fixed(s->root_key, sizeof(s->root_key), key);
	(void)printf(_("%s: organization %s, exported by %s at %s\n"), path,
	    s->org_id, s->exported_by, t0);
	(void)printf(_("root key: %s (%s)\n"), key,
	    s->root_pinned ? _("pinned")
	                   : _("NOT pinned: compare it with the "
	                       "organization's"));
	(void)printf(_("certificates: %llu; versions: %llu in %llu "
	               "workspace(s); %s to %s\n"),
	    (unsigned long long)s->certificates,
	    (unsigned long long)s->versions, (unsigned long long)s->workspaces,
	    t1, t2);
	(void)printf(_("cards: %llu, %llu checked against the export's %llu "
	               "CRL(s)\n"),
	    (unsigned long long)s->cards, (unsigned long long)s->cards_checked,
	    (unsigned long long)s->crls);
	if (s->unverified > 0 || s->unverified_versions > 0)
		(void)printf(
		    _("unverified: %llu certificate(s) after the chain "
		      "broke, %llu version(s) by their authors\n"),
		    (unsigned long long)s->unverified,
		    (unsigned long long)s->unverified_versions);
	if (s->violations == 0)
		(void)printf(_("verified: no violation\n"));
	else
		(void)printf(
		    _("VIOLATIONS: %llu\n"), (unsigned long long)s->violations);
}

static void
vf_summary_json(
    const char *path, const struct audit_summary *s, json_t *findings)
{
	char t0[32], t1[32], t2[32], key[2 * SCEAU_SIGN_PUBLIC_LEN + 1];
	json_t *j;

	audit_time_text(s->exported_at, t0);
	audit_time_text(s->first_time, t1);
	audit_time_text(s->last_time, t2);
	sceau_enc_hex_fixed(s->root_key, sizeof(s->root_key), key);
	j = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, "
	              "s:I, s:I, s:I, s:I, s:I, s:b, s:s, s:s, s:O}",
	    "export", path, "ok", s->violations == 0, "organization", s->org_id,
	    "exported_by", s->exported_by, "exported_at", t0, "root_key", key,
	    "root_key_pinned", s->root_pinned, "certificates",
	    (json_int_t)s->certificates, "versions", (json_int_t)s->versions,
	    "workspaces", (json_int_t)s->workspaces, "crls",
	    (json_int_t)s->crls, "cards", (json_int_t)s->cards, "cards_checked",
	    (json_int_t)s->cards_checked, "unverified",
	    (json_int_t)s->unverified, "unverified_versions",
	    (json_int_t)s->unverified_versions, "complete", s->complete,
	    "first_time", t1, "last_time", t2, "violations", findings);
	audit_json_print(j);
}

static int
vf_args(int argc, char **argv, struct audit_opts *o, const char **path,
    const char **key)
{
	static const struct option opts[] = {
	    {"root-key", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (ch == 'r')
			*key = optarg;
		else if (ch == 'j')
			o->json = 1;
		else
			return -1;
	}
	if (optind != argc - 1) {
		(void)fprintf(
		    stderr, _("%s: verify takes one export\n"), AUDIT_PROG);
		return -1;
	}
	*path = argv[optind];
	return 0;
}

int
audit_cmd_verify(const struct audit_opts *go, int argc, char **argv)
{
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	struct audit_summary sum;
	struct audit_opts o = *go;
	struct vf_state st = {&o, NULL};
	struct audit_walk w = {NULL, vf_finding, NULL, &st};
	const char *path = NULL, *key = NULL;
	FILE *f;
	int ex = AUDIT_EXIT_USAGE;

	if (vf_args(argc, argv, &o, &path, &key) != 0) {
		audit_usage_verify(stderr);
		return AUDIT_EXIT_USAGE;
	}
	if (key != NULL) {
		if (audit_key_parse(key, pk) != 0) {
			(void)fprintf(stderr,
			    _("%s: %s: not a root key (64 hex digits)\n"),
			    AUDIT_PROG, key);
			return AUDIT_EXIT_USAGE;
		}
		w.root_key = pk;
	}
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		(void)fprintf(stderr, _("%s: cannot read %s: %s\n"), AUDIT_PROG,
		    path, strerror(errno));
		return AUDIT_EXIT_USAGE;
	}
	if ((st.findings = json_array()) == NULL)
		goto out;
	if (audit_walk(f, &w, &sum) != 0) {
		(void)fprintf(stderr, _("%s: %s: %s\n"), AUDIT_PROG, path,
		    sceau_last_message());
		goto out;
	}
	if (o.json)
		vf_summary_json(path, &sum, st.findings);
	else
		vf_summary_text(path, &sum);
	ex = sum.violations == 0 ? AUDIT_EXIT_OK : AUDIT_EXIT_VIOLATIONS;
out:
	json_decref(st.findings);
	if (f != stdin)
		(void)fclose(f);
	return ex;
}
