/*
 * cmd-pki.c: "sceau pki check": validates an X.509 certificate against
 * the organization's CAs (chain, validity, usage, CRLs, OCSP), as a
 * device unlock or a PKI enrollment would, and shows it (doc/pki.md).
 * Needs no device: it reads files and, when asked, fetches revocation.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "conf.h"
#include "commands.h"
#include "encoding.h"
#include "errors.h"
#include "i18n.h"
#include "x509.h"

enum {
	OPT_CA = 0x1300,
	OPT_UNTRUSTED,
	OPT_CRL,
	OPT_CRL_FETCH,
	OPT_OCSP,
	OPT_CACHE_DIR,
	OPT_AT,
	OPT_EKU,
	OPT_UNWRAP,
	OPT_SOFT_FAIL,
	OPT_REMOTE,
};

#define PKI_LIST_MAX 16 /* --ca, --untrusted, --crl given at most */

struct pki_args {
	const char *cert;
	const char *ca[PKI_LIST_MAX], *untrusted[PKI_LIST_MAX],
	    *crl[PKI_LIST_MAX];
	size_t nca, nuntrusted, ncrl;
	const char *ocsp, *cache_dir, *at, *eku;
	int crl_fetch, unwrap, soft_fail, remote;
};

static void
pki_check_usage(FILE *f)
{
	cli_print_usage(f, "pki check", _("CERT [OPTIONS]"),
	    _("Validates the X.509 certificate in the file CERT (PEM or DER)\n"
	      "against the organization's CAs, and shows it.  Exits 0 when it\n"
	      "is valid, 6 when it is refused, 5 when its revocation could\n"
	      "not be checked.\n"
	      "\n"
	      "  --ca FILE               trust anchors (PEM or DER; repeat)\n"
	      "  --untrusted FILE        intermediate certificates (repeat)\n"
	      "  --crl FILE|URL          a CRL, or where to fetch one "
	      "(repeat)\n"
	      "  --crl-fetch             fetch each certificate's CRL from "
	      "its\n"
	      "                          distribution points\n"
	      "  --cache-dir DIR         keep fetched CRLs there until their\n"
	      "                          next update\n"
	      "  --ocsp auto|URL|off     ask the certificate's OCSP "
	      "responder,\n"
	      "                          or this one (default: off)\n"
	      "  --soft-fail             accept when a CRL or responder "
	      "cannot\n"
	      "                          be reached (default: refuse)\n"
	      "  --remote-fetch          fetch from hosts other than loopback\n"
	      "  --at DATE               validate at DATE "
	      "(YYYY-MM-DD[THH:MM])\n"
	      "  --require-eku smartcard|client  extended key usage required\n"
	      "  --unwrap                the key must also unwrap keys\n"
	      "  --json                  machine-readable output\n"));
}

static int
pki_push(struct cli *cli, const char **list, size_t *n, const char *v)
{
	if (*n >= PKI_LIST_MAX)
		return cli_usage_error(cli, "pki check",
		    _("an option is repeated too many times"));
	list[(*n)++] = v;
	return 0;
}

static int
pki_option(struct cli *cli, int ch, const char *arg, struct pki_args *a)
{
	switch (ch) {
	case OPT_CA:
		return pki_push(cli, a->ca, &a->nca, arg);
	case OPT_UNTRUSTED:
		return pki_push(cli, a->untrusted, &a->nuntrusted, arg);
	case OPT_CRL:
		return pki_push(cli, a->crl, &a->ncrl, arg);
	case OPT_CRL_FETCH:
		a->crl_fetch = 1;
		return 0;
	case OPT_OCSP:
		a->ocsp = arg;
		return 0;
	case OPT_CACHE_DIR:
		a->cache_dir = arg;
		return 0;
	case OPT_AT:
		a->at = arg;
		return 0;
	case OPT_EKU:
		a->eku = arg;
		return 0;
	case OPT_UNWRAP:
		a->unwrap = 1;
		return 0;
	case OPT_SOFT_FAIL:
		a->soft_fail = 1;
		return 0;
	case OPT_REMOTE:
		a->remote = 1;
		return 0;
	default:
		return cli_usage_error(cli, "pki check", _("bad option"));
	}
}

/* Parses the command line; -1 after --help, else 0 or an exit status. */
static int
pki_parse(struct cli *cli, int argc, char **argv, struct pki_args *a)
{
	static const struct option opts[] = {
	    {"ca", required_argument, NULL, OPT_CA},
	    {"untrusted", required_argument, NULL, OPT_UNTRUSTED},
	    {"crl", required_argument, NULL, OPT_CRL},
	    {"crl-fetch", no_argument, NULL, OPT_CRL_FETCH},
	    {"ocsp", required_argument, NULL, OPT_OCSP},
	    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
	    {"at", required_argument, NULL, OPT_AT},
	    {"require-eku", required_argument, NULL, OPT_EKU},
	    {"unwrap", no_argument, NULL, OPT_UNWRAP},
	    {"soft-fail", no_argument, NULL, OPT_SOFT_FAIL},
	    {"remote-fetch", no_argument, NULL, OPT_REMOTE},
	    CLI_COMMON_OPTIONS,
	};
	int ch, r;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			pki_check_usage(stdout);
			return -1;
		}
		if (cli_common_option(cli, ch))
			continue;
		if ((r = pki_option(cli, ch, optarg, a)) != 0)
			return r;
	}
	if (optind != argc - 1)
		return cli_usage_error(
		    cli, "pki check", _("one certificate file is needed"));
	a->cert = argv[optind];
	if (a->nca == 0)
		return cli_usage_error(cli, "pki check",
		    _("--ca is needed: the organization's CAs"));
	return 0;
}

/* The settings of the command line, on t. */
static int
pki_settings(
    struct cli *cli, const struct pki_args *a, struct sceau_x509_trust *t)
{
	uint64_t at_us = 0;
	int r = 0;

	if (a->at != NULL && sceau_conf_parse_date(a->at, &at_us) != 0)
		return cli_usage_error(cli, "pki check", _("bad --at date"));
	sceau_x509_trust_set_time(t, (int64_t)(at_us / 1000000));
	if (a->eku == NULL)
		sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_NONE);
	else if (strcmp(a->eku, "smartcard") == 0)
		sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_SMARTCARD_LOGON);
	else if (strcmp(a->eku, "client") == 0)
		sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_CLIENT_AUTH);
	else
		return cli_usage_error(cli, "pki check",
		    _("--require-eku: \"smartcard\" or \"client\""));
	if (a->ocsp == NULL || strcmp(a->ocsp, "off") == 0)
		r = sceau_x509_trust_set_ocsp(t, SCEAU_X509_OCSP_OFF, NULL);
	else if (strcmp(a->ocsp, "auto") == 0)
		r = sceau_x509_trust_set_ocsp(t, SCEAU_X509_OCSP_AIA, NULL);
	else
		r = sceau_x509_trust_set_ocsp(t, SCEAU_X509_OCSP_URL, a->ocsp);
	if (r != 0)
		return cli_usage_error(cli, "pki check",
		    _("--ocsp: \"auto\", \"off\" or an http:// URL"));
	if (a->unwrap)
		sceau_x509_trust_set_usage(t, SCEAU_X509_USAGE_UNWRAP);
	sceau_x509_trust_set_soft_fail(t, a->soft_fail);
	sceau_x509_trust_set_remote_fetch(t, a->remote);
	if ((a->crl_fetch || a->cache_dir != NULL) &&
	    (r = sceau_x509_trust_set_crl_fetch(
	         t, a->crl_fetch, a->cache_dir, 0)) != 0)
		return cli_error(cli, r, "--cache-dir");
	return 0;
}

static int
pki_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0;
}

/* The trust of the command line: anchors, intermediates, CRLs. */
static int
pki_trust(
    struct cli *cli, const struct pki_args *a, struct sceau_x509_trust **tp)
{
	struct sceau_x509_trust *t;
	size_t i;
	int r;

	if ((r = sceau_x509_trust_new(&t)) != 0)
		return cli_error(cli, r, _("preparing the validation"));
	*tp = t;
	for (i = 0; i < a->nca; i++) {
		if ((r = sceau_x509_trust_add_anchors_file(t, a->ca[i])) != 0)
			return cli_error(cli, r, "--ca %s", a->ca[i]);
	}
	for (i = 0; i < a->nuntrusted; i++) {
		if ((r = sceau_x509_trust_add_intermediates_file(
		         t, a->untrusted[i])) != 0)
			return cli_error(
			    cli, r, "--untrusted %s", a->untrusted[i]);
	}
	for (i = 0; i < a->ncrl; i++) {
		r = pki_is_url(a->crl[i])
		    ? sceau_x509_trust_add_crl_url(t, a->crl[i])
		    : sceau_x509_trust_add_crl_file(t, a->crl[i]);
		if (r != 0)
			return cli_error(cli, r, "--crl %s", a->crl[i]);
	}
	return pki_settings(cli, a, t);
}

/* ------------------------------------------------------------------ */
/* Showing it. */

/* The certificate's own details (NULL on ENOMEM). */
static json_t *
pki_describe(const struct sceau_x509 *c)
{
	char subject[SCEAU_X509_NAME_MAX + 1], issuer[SCEAU_X509_NAME_MAX + 1],
	    serial[SCEAU_X509_SERIAL_MAX + 1], email[SCEAU_X509_EMAIL_MAX + 1],
	    nb[32], na[32], hex[2 * SCEAU_X509_FINGERPRINT_LEN + 1];
	uint8_t fp[SCEAU_X509_FINGERPRINT_LEN];
	struct sceau_x509_key_info ki;
	int64_t before = 0, after = 0;

	if (sceau_x509_subject(c, subject, sizeof(subject)) != 0)
		subject[0] = '\0';
	if (sceau_x509_issuer(c, issuer, sizeof(issuer)) != 0)
		issuer[0] = '\0';
	if (sceau_x509_serial(c, serial, sizeof(serial)) != 0)
		serial[0] = '\0';
	if (sceau_x509_email(c, email) != 0)
		email[0] = '\0';
	if (sceau_x509_key_info(c, &ki) != 0)
		(void)snprintf(ki.description, sizeof(ki.description), "?");
	if (sceau_x509_validity(c, &before, &after) != 0)
		before = after = 0;
	if (sceau_x509_fingerprint(c, fp) != 0)
		memset(fp, 0, sizeof(fp));
	sceau_enc_hex_fixed(fp, sizeof(fp), hex);
	sceau_x509_time_text(before, nb);
	sceau_x509_time_text(after, na);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "subject",
	    subject, "issuer", issuer, "serial", serial, "not_before", nb,
	    "not_after", na, "email", email, "key", ki.description, "sha256",
	    hex);
}

static json_t *
pki_path(const struct sceau_x509_result *res)
{
	char hex[2 * SCEAU_X509_FINGERPRINT_LEN + 1];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < res->chain_len; i++) {
		sceau_enc_hex_fixed(
		    res->chain[i].fingerprint, SCEAU_X509_FINGERPRINT_LEN, hex);
		if (json_array_append_new(arr,
		        json_pack("{s:I, s:s, s:s, s:s}", "depth",
		            (json_int_t)i, "subject", res->chain[i].subject,
		            "serial", res->chain[i].serial, "sha256", hex)) !=
		    0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *
pki_revocation(const struct sceau_x509_result *res)
{
	char when[32];
	json_t *o;

	o = json_pack("{s:s, s:b, s:s, s:b}", "crl",
	    sceau_x509_rev_status_name(res->crl_status), "crl_all",
	    res->crl_checked_all, "ocsp",
	    sceau_x509_rev_status_name(res->ocsp_status), "skipped",
	    res->revocation_skipped);
	if (o != NULL && res->revocation_time != 0) {
		sceau_x509_time_text(res->revocation_time, when);
		if (json_object_set_new(o, "revoked_at", json_string(when)) !=
		        0 ||
		    json_object_set_new(o, "reason",
		        json_string(sceau_x509_reason_name(
		            res->revocation_reason))) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *
pki_error(int r, const struct sceau_x509_result *res)
{
	const char *name = sceau_errname(r);

	return json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:s}", "code",
	    name != NULL ? name : "SCEAU_ERR_UNKNOWN", "value", r, "message",
	    sceau_strerror(r), "detail", sceau_last_message(), "depth",
	    res->depth, "subject", res->subject, "serial", res->serial,
	    "reason", res->reason);
}

/* Everything, as one JSON object; NULL on ENOMEM. */
static json_t *
pki_verdict(
    const struct sceau_x509 *c, int r, const struct sceau_x509_result *res)
{
	json_t *o;

	o = json_pack("{s:b, s:o, s:o, s:o}", "valid", r == 0, "certificate",
	    pki_describe(c), "path", pki_path(res), "revocation",
	    pki_revocation(res));
	if (o != NULL && r != 0 &&
	    json_object_set_new(o, "error", pki_error(r, res)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A revocation status name (x509.h), in the user's language. */
static const char *
pki_status_word(const char *name)
{
	static const char *const words[][2] = {
	    {"good", N_("good")},
	    {"revoked", N_("revoked")},
	    {"unknown", N_("unknown to the responder")},
	    {"unreachable", N_("unreachable")},
	    {"revoked-later", N_("revoked after that date")},
	    {"not-checked", N_("not checked")},
	};
	size_t i;

	for (i = 0; i < SCEAU_NELEM(words); i++) {
		if (strcmp(name, words[i][0]) == 0)
			return _(words[i][1]);
	}
	return name;
}

static void
pki_print(const json_t *o)
{
	const json_t *c = json_object_get(o, "certificate"),
	             *rev = json_object_get(o, "revocation"), *p;
	size_t i;

	(void)printf(_("Certificate: %s\n"), cli_json_str(c, "subject", "?"));
	(void)printf(_("Issuer:      %s\n"), cli_json_str(c, "issuer", "?"));
	(void)printf(_("Serial:      %s\n"), cli_json_str(c, "serial", "?"));
	(void)printf(_("Valid:       %s to %s\n"),
	    cli_json_str(c, "not_before", "?"),
	    cli_json_str(c, "not_after", "?"));
	(void)printf(_("Email:       %s\n"), cli_json_str(c, "email", ""));
	(void)printf(_("Key:         %s\n"), cli_json_str(c, "key", "?"));
	(void)printf(_("SHA-256:     %s\n"), cli_json_str(c, "sha256", "?"));
	json_array_foreach(json_object_get(o, "path"), i, p)(void) printf(
	    _("Path %zu:      %s\n"), i, cli_json_str(p, "subject", "?"));
	(void)printf(_("CRL:         %s\n"),
	    pki_status_word(cli_json_str(rev, "crl", "?")));
	if (json_is_true(json_object_get(rev, "crl_all")))
		(void)printf(
		    _("             (every certificate of the path)\n"));
	(void)printf(_("OCSP:        %s\n"),
	    pki_status_word(cli_json_str(rev, "ocsp", "?")));
	if (json_object_get(rev, "reason") != NULL)
		(void)printf(_("Revoked:     %s (%s)\n"),
		    cli_json_str(rev, "revoked_at", "?"),
		    cli_json_str(rev, "reason", "?"));
	if (json_is_true(json_object_get(rev, "skipped")))
		(void)printf(_("Warning:     a revocation source could not be "
		               "reached; accepted (--soft-fail)\n"));
	if (json_is_true(json_object_get(o, "valid")))
		(void)printf(_("Verdict:     valid\n"));
	else
		(void)printf(_("Verdict:     refused\n"));
}

static int
pki_check(struct cli *cli, const struct pki_args *a)
{
	struct sceau_x509_trust *t = NULL;
	struct sceau_x509_result res;
	struct sceau_x509 *c = NULL;
	const uint8_t *der;
	size_t n;
	json_t *o;
	int r, status;

	if ((r = sceau_x509_load_file(a->cert, &c)) != 0)
		return cli_error(cli, r, _("reading %s"), a->cert);
	if ((status = pki_trust(cli, a, &t)) != 0)
		goto out;
	sceau_x509_der(c, &der, &n);
	r = sceau_x509_verify(t, der, n, NULL, NULL, 0, &res);
	if ((o = pki_verdict(c, r, &res)) == NULL) {
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	if (cli->json) {
		status = cli_print_json(cli, o);
	} else {
		pki_print(o);
		json_decref(o);
		if (r != 0)
			(void)cli_error(cli, r, _("checking %s"), a->cert);
	}
	if (r != 0)
		status = cli_exit_code(r);
out:
	sceau_x509_trust_free(t);
	sceau_x509_free(c);
	return status;
}

static int
cmd_pki_check(struct cli *cli, int argc, char **argv)
{
	struct pki_args a;
	int r;

	if ((r = pki_parse(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	return pki_check(cli, &a);
}

int
cmd_pki(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"check", cmd_pki_check,
	        N_("validate a certificate against the organization's CAs")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "pki", table, argc, argv);
}
