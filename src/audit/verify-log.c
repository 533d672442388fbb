/*
 * verify-log.c: sceau-audit verify-log EXPORT --key KEY: checks an export
 * of the server's access log (sceau-server --export-log) against the log
 * key the auditor pinned (sceau-server --log-key-public), one line at a
 * time (alog.h), and reports every violation and a summary.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "alog.h"
#include "audit.h"
#include "buf.h"
#include "encoding.h"
#include "i18n.h"
#include "json.h"

struct vl_state {
	const struct audit_opts *o;
	json_t *findings; /* --json */
};

void
audit_usage_verify_log(FILE *f)
{
	(void)fprintf(f, _("Usage: %s [--json] verify-log EXPORT --key KEY\n"),
	    AUDIT_PROG);
	(void)fputs(_("\n"
	              "Verifies an export of the server's access log: each "
	              "record's hash, the\n"
	              "chain, the sequence numbers and each checkpoint's "
	              "signature.\n"
	              "\n"
	              "Options:\n"
	              "  -k, --key KEY         the log's public key: 64 hex "
	              "digits, or a file\n"
	              "                        holding them\n"
	              "  --json                output JSON\n"
	              "  -h, --help            show this help and exit\n"),
	    f);
}

static const char *
vl_describe(const struct sceau_alog_finding *f, char *out, size_t n)
{
	unsigned long long seq = (unsigned long long)f->seq;

	switch (f->what) {
	case SCEAU_ALOG_REMOVED:
		if (f->count > 1)
			(void)snprintf(out, n,
			    _("records %llu to %llu removed"), seq,
			    seq + (unsigned long long)f->count - 1);
		else
			(void)snprintf(out, n, _("record %llu removed"), seq);
		break;
	case SCEAU_ALOG_ALTERED:
		(void)snprintf(out, n, _("record %llu altered"), seq);
		break;
	case SCEAU_ALOG_REORDERED:
		(void)snprintf(out, n, _("record %llu out of its place"), seq);
		break;
	case SCEAU_ALOG_BAD_SIGNATURE:
		(void)snprintf(out, n,
		    _("checkpoint after record %llu: bad signature"), seq);
		break;
	case SCEAU_ALOG_CHECKPOINT_MISMATCH:
		(void)snprintf(out, n,
		    _("checkpoint at record %llu does not match the records"),
		    seq);
		break;
	case SCEAU_ALOG_CHECKPOINT_REMOVED:
		(void)snprintf(out, n,
		    _("the checkpoint of records %llu to %llu removed"), seq,
		    seq + (unsigned long long)f->count - 1);
		break;
	case SCEAU_ALOG_MALFORMED:
	default:
		(void)snprintf(out, n, _("line %llu malformed"),
		    (unsigned long long)f->line);
		break;
	}
	return out;
}

static void
vl_finding(void *arg, const struct sceau_alog_finding *f)
{
	struct vl_state *st = arg;
	char text[256];
	json_t *j;

	vl_describe(f, text, sizeof(text));
	if (!st->o->json) {
		(void)printf(_("seq %llu: %s: %s (%s)\n"),
		    (unsigned long long)f->seq,
		    sceau_alog_violation_name(f->what), text, f->detail);
		return;
	}
	j = json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "kind",
	    sceau_alog_violation_name(f->what), "seq", (json_int_t)f->seq,
	    "count", (json_int_t)f->count, "line", (json_int_t)f->line,
	    "message", text, "detail", f->detail);
	if (j != NULL)
		(void)json_array_append_new(st->findings, j);
}

/* Feeds the export to v, line by line; a line past the limit is fed
 * truncated (it then fails to parse and is reported). */
static int
vl_feed(FILE *f, struct sceau_alog_verifier *v)
{
	char line[SCEAU_ALOG_LINE_MAX + 2];
	size_t n;
	int c, r;

	while (fgets(line, sizeof(line), f) != NULL) {
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n') {
			line[--n] = '\0';
		} else if (n == sizeof(line) - 1) {
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		if ((r = sceau_alog_verify_line(v, line, n)) != 0)
			return r;
	}
	return ferror(f) ? -1 : 0;
}

static void
vl_summary_text(const char *path, const struct sceau_alog_summary *s)
{
	char t1[32], t2[32];

	audit_time_text(s->first_time_us, t1);
	audit_time_text(s->last_time_us, t2);
	(void)printf(_("%s: %llu record(s), seq %llu to %llu, %s to %s\n"),
	    path, (unsigned long long)s->records,
	    (unsigned long long)s->first_seq, (unsigned long long)s->last_seq,
	    t1, t2);
	(void)printf(_("checkpoints: %llu; signed up to record %llu\n"),
	    (unsigned long long)s->checkpoints,
	    (unsigned long long)s->signed_upto);
	if (s->unsigned_tail > 0)
		(void)printf(_("unsigned tail: %llu record(s) after the last "
		               "checkpoint (not yet signed: not an error)\n"),
		    (unsigned long long)s->unsigned_tail);
	if (s->violations == 0)
		(void)printf(_("verified: no violation\n"));
	else
		(void)printf(
		    _("VIOLATIONS: %llu\n"), (unsigned long long)s->violations);
}

static void
vl_summary_json(
    const char *path, const struct sceau_alog_summary *s, json_t *findings)
{
	char t1[32], t2[32];
	json_t *j;

	audit_time_text(s->first_time_us, t1);
	audit_time_text(s->last_time_us, t2);
	j = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:s, s:s, s:I, s:I, "
	              "s:O}",
	    "export", path, "ok", s->violations == 0, "records",
	    (json_int_t)s->records, "checkpoints", (json_int_t)s->checkpoints,
	    "first_seq", (json_int_t)s->first_seq, "last_seq",
	    (json_int_t)s->last_seq, "first_time", t1, "last_time", t2,
	    "signed_upto", (json_int_t)s->signed_upto, "unsigned_tail",
	    (json_int_t)s->unsigned_tail, "violations", findings);
	audit_json_print(j);
}

static int
vl_args(int argc, char **argv, struct audit_opts *o, const char **path,
    const char **key)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
		if (ch == 'k')
			*key = optarg;
		else if (ch == 'j')
			o->json = 1;
		else
			return -1;
	}
	if (optind != argc - 1 || *key == NULL) {
		(void)fprintf(stderr,
		    _("%s: verify-log takes an export and "
		      "--key\n"),
		    AUDIT_PROG);
		return -1;
	}
	*path = argv[optind];
	return 0;
}

int
audit_cmd_verify_log(const struct audit_opts *go, int argc, char **argv)
{
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_alog_verifier *v = NULL;
	struct sceau_alog_summary sum;
	struct audit_opts o = *go;
	struct vl_state st = {&o, NULL};
	const char *path = NULL, *key = NULL;
	FILE *f = NULL;
	int r, ex = AUDIT_EXIT_USAGE;

	if (vl_args(argc, argv, &o, &path, &key) != 0) {
		audit_usage_verify_log(stderr);
		return AUDIT_EXIT_USAGE;
	}
	if (audit_key_parse(key, pk) != 0) {
		(void)fprintf(stderr,
		    _("%s: %s: not a log key (64 hex digits)\n"), AUDIT_PROG,
		    key);
		return AUDIT_EXIT_USAGE;
	}
	if ((f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r")) == NULL) {
		(void)fprintf(stderr, _("%s: cannot read %s: %s\n"), AUDIT_PROG,
		    path, strerror(errno));
		return AUDIT_EXIT_USAGE;
	}
	if ((st.findings = json_array()) == NULL ||
	    sceau_alog_verifier_new(pk, vl_finding, &st, &v) != 0)
		goto out;
	if ((r = vl_feed(f, v)) != 0) {
		(void)fprintf(
		    stderr, _("%s: cannot read %s\n"), AUDIT_PROG, path);
		goto out;
	}
	sceau_alog_verify_end(v, &sum);
	if (o.json)
		vl_summary_json(path, &sum, st.findings);
	else
		vl_summary_text(path, &sum);
	ex = sum.violations == 0 ? AUDIT_EXIT_OK : AUDIT_EXIT_VIOLATIONS;
out:
	sceau_alog_verifier_free(v);
	json_decref(st.findings);
	if (f != stdin)
		(void)fclose(f);
	return ex;
}
