/*
 * verify-report.c: sceau-audit verify-report REPORT --trust PEM: checks
 * the XML-DSig of a report (xmldsig.h) against the certificates the
 * auditor trusts (the signer's own, or the CA it must chain to) and says
 * who signed it, or why it does not verify.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "i18n.h"
#include "xmldsig.h"

void
audit_usage_verify_report(FILE *f)
{
	(void)fprintf(f,
	    _("Usage: %s [--json] verify-report REPORT --trust PEM\n"),
	    AUDIT_PROG);
	(void)fputs(
	    _("\n"
	      "Verifies the XML signature of a report: it must cover "
	      "the whole report,\n"
	      "unchanged, and its certificate must be the trusted one or "
	      "chain to it.\n"
	      "\n"
	      "Options:\n"
	      "  -t, --trust PEM       the signer's certificate, or the "
	      "CA certificates\n"
	      "                        its certificate must chain to "
	      "(PEM)\n"
	      "  --json                output JSON\n"
	      "  -h, --help            show this help and exit\n"),
	    f);
}

static int
vr_args(int argc, char **argv, struct audit_opts *o, const char **path,
    const char **trust)
{
	static const struct option opts[] = {
	    {"trust", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (ch == 't')
			*trust = optarg;
		else if (ch == 'j')
			o->json = 1;
		else
			return -1;
	}
	if (optind != argc - 1 || *trust == NULL) {
		(void)fprintf(stderr,
		    _("%s: verify-report takes a report and --trust\n"),
		    AUDIT_PROG);
		return -1;
	}
	*path = argv[optind];
	return 0;
}

/* The reason in JSON stays in English (for programs); text is translated. */
static void
vr_json(int r, const char *signer, const char *why)
{
	json_t *j;

	j = json_pack("{s:b, s:s, s:s}", "valid", r == AUDIT_XMLDSIG_VALID,
	    "signer", signer, "reason", why);
	if (j != NULL)
		(void)json_dumpf(j, stdout, JSON_INDENT(2));
	(void)putchar('\n');
	json_decref(j);
}

static int
vr_exit(int r)
{
	switch (r) {
	case AUDIT_XMLDSIG_VALID:
		return AUDIT_EXIT_OK;
	case AUDIT_XMLDSIG_UNREADABLE:
	case AUDIT_XMLDSIG_BAD_TRUST:
	case AUDIT_XMLDSIG_INTERNAL:
		return AUDIT_EXIT_USAGE;
	default:
		return AUDIT_EXIT_VIOLATIONS;
	}
}

int
audit_cmd_verify_report(const struct audit_opts *go, int argc, char **argv)
{
	struct audit_opts o = *go;
	const char *path = NULL, *trust = NULL;
	char signer[1024], why[256];
	int r, ex;

	if (vr_args(argc, argv, &o, &path, &trust) != 0) {
		audit_usage_verify_report(stderr);
		return AUDIT_EXIT_USAGE;
	}
	r = audit_xmldsig_verify(
	    path, trust, signer, sizeof(signer), why, sizeof(why));
	audit_xmldsig_shutdown();
	ex = vr_exit(r);
	if (o.json)
		vr_json(r, signer, why);
	if (r == AUDIT_XMLDSIG_BAD_TRUST)
		(void)fprintf(
		    stderr, "%s: %s: %s\n", AUDIT_PROG, trust, _(why));
	else if (ex == AUDIT_EXIT_USAGE)
		(void)fprintf(stderr, "%s: %s: %s\n", AUDIT_PROG, path, _(why));
	else if (o.json)
		return ex;
	else if (ex == AUDIT_EXIT_OK)
		(void)printf(_("%s: valid signature by %s\n"), path, signer);
	else
		(void)printf(_("%s: NOT VALID: %s\n"), path, _(why));
	return ex;
}
