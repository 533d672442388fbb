/*
 * cmd-token.c: "sceau token list" and "sceau token show URI": the PKCS#11
 * modules, slots and tokens this computer has, and the certificate (and,
 * after login, the key) a token URI names.  Both work without any
 * organization or device: they are what an administrator runs to check a
 * smartcard setup (doc/tokens.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli.h"
#include "commands.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "i18n.h"
#include "token.h"

enum {
	OPT_MODULE = 0x1300,
	OPT_PIN_FILE,
	OPT_LOGIN,
};

/* ---------------------------------------------------------------- list */

static json_t *
flags_json(unsigned long flags)
{
	const char *names[16];
	size_t i, n = sceau_token_flag_names(flags, names, SCEAU_NELEM(names));
	json_t *a = json_array();

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(names[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
token_json(const struct sceau_token_info *ti)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o?, s:s, s:s}", "label",
	    ti->label, "manufacturer", ti->manufacturer, "model", ti->model,
	    "serial", ti->serial, "flags", flags_json(ti->flags), "pin",
	    sceau_token_pin_state_name(ti->pin_state), "uri", ti->uri);
}

static json_t *
slot_json(const struct sceau_token_slot *s)
{
	json_t *o, *tok = NULL;

	if (s->token_present && (tok = token_json(&s->info)) == NULL)
		return NULL;
	o = json_pack("{s:I, s:s, s:b, s:b}", "slot_id",
	    (json_int_t)s->info.slot_id, "description",
	    s->info.slot_description, "token_present", s->token_present,
	    "token_initialized", s->token_initialized);
	if (o == NULL ||
	    (tok != NULL && json_object_set_new(o, "token", tok))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
module_json(const struct sceau_token_module *m)
{
	json_t *o, *slots = json_array();
	size_t i;

	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", m->name, "path",
	    m->path, "description", m->description, "manufacturer",
	    m->manufacturer, "slots", slots);
	for (i = 0; o != NULL && i < m->nslots; i++) {
		if (json_array_append_new(slots, slot_json(&m->slots[i])) !=
		    0) {
			json_decref(o);
			return NULL;
		}
	}
	if (o != NULL && m->failed &&
	    json_object_set_new(
	        o, "error", json_string(sceau_errname(m->error)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
list_json(struct cli *cli, const struct sceau_token_list *l)
{
	json_t *mods = json_array(), *o;
	size_t i;

	o = json_pack("{s:o}", "modules", mods);
	for (i = 0; o != NULL && i < l->nmodules; i++) {
		if (json_array_append_new(mods, module_json(&l->modules[i]))) {
			json_decref(o);
			o = NULL;
		}
	}
	return o != NULL ? cli_print_json(cli, o) : CLI_EXIT_FAILURE;
}

/* The PIN state as a user reads it; NULL when there is nothing to say. */
static const char *
pin_state_text(enum sceau_token_pin_state st)
{
	switch (st) {
	case SCEAU_TOKEN_PIN_COUNT_LOW:
		return _("a wrong PIN was entered: few tries left");
	case SCEAU_TOKEN_PIN_FINAL_TRY:
		return _("one try left before the PIN locks");
	case SCEAU_TOKEN_PIN_LOCKED:
		return _("PIN locked");
	case SCEAU_TOKEN_PIN_OK:
		break;
	}
	return NULL;
}

static void
print_token(const struct sceau_token_info *ti, const char *indent)
{
	const char *names[16], *pin;
	size_t i, n;

	(void)printf(_("%sToken \"%s\": %s %s, serial %s\n"), indent, ti->label,
	    ti->manufacturer, ti->model, ti->serial);
	n = sceau_token_flag_names(ti->flags, names, SCEAU_NELEM(names));
	(void)printf(_("%s  flags:"), indent);
	for (i = 0; i < n; i++)
		(void)printf(" %s", names[i]);
	(void)printf("\n");
	if ((pin = pin_state_text(ti->pin_state)) != NULL)
		(void)printf(_("%s  PIN: %s\n"), indent, pin);
	(void)printf(_("%s  URI: %s\n"), indent, ti->uri);
}

static void
list_text(const struct sceau_token_list *l)
{
	const struct sceau_token_module *m;
	const struct sceau_token_slot *s;
	size_t i, k;

	if (l->nmodules == 0)
		(void)printf(
		    _("No PKCS#11 module is registered with p11-kit.\n"));
	for (i = 0; i < l->nmodules; i++) {
		m = &l->modules[i];
		(void)printf(_("Module %s (%s): %s, %s\n"), m->name, m->path,
		    m->description, m->manufacturer);
		if (m->failed)
			(void)printf(_("  cannot be listed: %s\n"),
			    sceau_strerror(m->error));
		for (k = 0; k < m->nslots; k++) {
			s = &m->slots[k];
			(void)printf(_("  Slot 0x%lx: %s\n"), s->info.slot_id,
			    s->info.slot_description);
			if (!s->token_present)
				(void)printf(_("    no token\n"));
			else if (!s->token_initialized)
				(void)printf(_("    token not initialized\n"));
			else
				print_token(&s->info, "    ");
		}
	}
}

static int
cmd_token_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"module", required_argument, NULL, OPT_MODULE},
	    CLI_COMMON_OPTIONS,
	};
	struct sceau_token_list *l;
	const char *module = NULL;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "token list", _("[OPTIONS]"),
			    _("Lists the PKCS#11 modules registered with "
			      "p11-kit, "
			      "their slots and tokens.\n"
			      "  --module NAME|PATH      only this module (a "
			      "path must be allowed)\n"
			      "  --json                  machine-readable "
			      "output\n"));
			return CLI_EXIT_OK;
		}
		if (cli_common_option(cli, ch))
			continue;
		if (ch == OPT_MODULE)
			module = optarg;
		else
			return cli_usage_error(
			    cli, "token list", _("bad option"));
	}
	if (optind != argc)
		return cli_usage_error(
		    cli, "token list", _("no argument is expected"));
	if ((r = cli_ws_policy_apply(NULL)) != 0 ||
	    (r = sceau_token_list(module, &l)) != 0)
		return cli_error(cli, r, _("listing tokens"));
	r = cli->json ? list_json(cli, l) : (list_text(l), CLI_EXIT_OK);
	sceau_token_list_free(l);
	return r;
}

/* ---------------------------------------------------------------- show */

/* A name in RFC 2253 form; NULL on failure. */
static json_t *
name_json(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	json_t *s = NULL;
	long n;

	if (b != NULL && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) >= 0)
		s = json_stringn(p, (size_t)n);
	BIO_free(b);
	return s;
}

static json_t *
time_json(const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return json_string(buf);
}

static json_t *
serial_json(const ASN1_INTEGER *i)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(i, NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	json_t *s = hex != NULL ? json_string(hex) : NULL;

	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

/* The certificate's addresses: subjectAltName email, emailAddress. */
static json_t *
emails_json(X509 *x)
{
	STACK_OF(OPENSSL_STRING) *st = X509_get1_email(x);
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < sk_OPENSSL_STRING_num(st); i++) {
		if (json_array_append_new(
		        a, json_string(sk_OPENSSL_STRING_value(st, i))) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	X509_email_free(st);
	return a;
}

static json_t *
cert_json(const uint8_t *der, size_t len)
{
	enum sceau_token_key_type type = SCEAU_TOKEN_KEY_NONE;
	const unsigned char *p = der;
	uint8_t md[SCEAU_SHA256_LEN];
	char hex[2 * SCEAU_SHA256_LEN + 1];
	unsigned int bits = 0;
	json_t *o = NULL;
	X509 *x;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    sceau_hash_sha256(der, len, md) != 0)
		goto out;
	sceau_enc_hex_fixed(md, sizeof(md), hex);
	/* An unsupported key is shown as such, not refused. */
	if (sceau_token_cert_key_type(der, len, &type, &bits) != 0)
		sceau_message_clear();
	o = json_pack("{s:o?, s:o?, s:o?, s:o?, s:o?, s:s?, s:i, s:s, s:o?}",
	    "subject", name_json(X509_get_subject_name(x)), "issuer",
	    name_json(X509_get_issuer_name(x)), "serial",
	    serial_json(X509_get0_serialNumber(x)), "not_before",
	    time_json(X509_get0_notBefore(x)), "not_after",
	    time_json(X509_get0_notAfter(x)), "key_type",
	    sceau_token_key_type_name(type), "key_bits", (int)bits, "sha256",
	    hex, "emails", emails_json(x));
out:
	X509_free(x);
	ERR_clear_error();
	return o;
}

struct show_args {
	const char *uri;
	const char *pin_file;
	int login;
};

static int
parse_show(struct cli *cli, int argc, char **argv, struct show_args *a)
{
	static const struct option opts[] = {
	    {"pin-file", required_argument, NULL, OPT_PIN_FILE},
	    {"login", no_argument, NULL, OPT_LOGIN},
	    CLI_COMMON_OPTIONS,
	};
	int ch;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_print_usage(stdout, "token show",
			    _("URI [OPTIONS]"),
			    _("Shows the token a PKCS#11 URI names and its "
			      "certificate; with\n"
			      "--login, also checks its private key and which "
			      "key wrapping it does.\n"
			      "  --login                 log in (PIN from "
			      "$SCEAU_PINENTRY or the terminal)\n"
			      "  --pin-file FILE         log in with the PIN "
			      "on "
			      "the first line of FILE\n"
			      "  --json                  machine-readable "
			      "output\n"));
			return -1;
		}
		if (cli_common_option(cli, ch))
			continue;
		if (ch == OPT_PIN_FILE)
			a->pin_file = optarg;
		else if (ch == OPT_LOGIN)
			a->login = 1;
		else
			return cli_usage_error(
			    cli, "token show", _("bad option"));
	}
	if (optind != argc - 1)
		return cli_usage_error(
		    cli, "token show", _("one token URI is needed"));
	a->uri = argv[optind];
	a->login |= a->pin_file != NULL;
	return 0;
}

/* Logs in; on a wrong PIN, says what the token tells of the tries left. */
static int
show_login(struct cli *cli, struct sceau_token *t, const char *pin_file)
{
	const struct sceau_token_info *ti = sceau_token_info(t);
	struct cli_secret pin = {NULL, 0};
	const char *state;
	int r;

	if ((r = cli_pin_read(ti->label, pin_file, &pin)) != 0)
		return cli_error(cli, r, _("reading the PIN"));
	r = sceau_token_login(t, pin.data, pin.len);
	cli_secret_free(&pin);
	if (r == 0)
		return 0;
	/* The tries left, in the user's language. */
	if ((r == SCEAU_ERR_WRONG_PIN || r == SCEAU_ERR_PIN_LOCKED) &&
	    (state = pin_state_text(sceau_token_info(t)->pin_state)) != NULL)
		sceau_message("%s", state);
	return cli_error(cli, r, _("logging in to token \"%s\""), ti->label);
}

/* What the private key is and does (logged in): into o. */
static int
show_key(struct cli *cli, struct sceau_token *t, json_t *o)
{
	int r, alg = 0;

	if ((r = sceau_token_find_key(t)) != 0 ||
	    (r = sceau_token_oaep_probe(t, &alg)) != 0)
		return cli_error(cli, r, _("using the private key"));
	if (json_object_set_new(o, "private_key", json_true()) != 0 ||
	    json_object_set_new(
	        o, "wrap", json_string(sceau_token_wrap_alg_name(alg))) != 0 ||
	    json_object_set_new(o, "signature",
	        json_string(sceau_token_sig_alg(sceau_token_key_type(t)))) != 0)
		return CLI_EXIT_FAILURE;
	return 0;
}

static void
show_cert(const json_t *c)
{
	const json_t *emails = json_object_get(c, "emails");
	size_t i;

	(void)printf(_("Subject:     %s\n"), cli_json_str(c, "subject", "?"));
	(void)printf(_("Issuer:      %s\n"), cli_json_str(c, "issuer", "?"));
	(void)printf(_("Serial:      %s\n"), cli_json_str(c, "serial", "?"));
	(void)printf(_("Valid:       from %s to %s\n"),
	    cli_json_str(c, "not_before", "?"),
	    cli_json_str(c, "not_after", "?"));
	(void)printf(_("Key:         %s, %d bits\n"),
	    cli_json_str(c, "key_type", _("unsupported")),
	    (int)json_integer_value(json_object_get(c, "key_bits")));
	(void)printf(_("SHA-256:     %s\n"), cli_json_str(c, "sha256", "?"));
	for (i = 0; i < json_array_size(emails); i++)
		(void)printf(_("Email:       %s\n"),
		    json_string_value(json_array_get(emails, i)));
}

static void
show_text(const struct sceau_token_info *ti, const json_t *o)
{
	const json_t *c = json_object_get(o, "certificate");
	const char *pin = pin_state_text(ti->pin_state);

	(void)printf(_("Token:       \"%s\": %s %s, serial %s\n"), ti->label,
	    ti->manufacturer, ti->model, ti->serial);
	(void)printf(_("Module:      %s\n"), ti->module);
	(void)printf(_("URI:         %s\n"), ti->uri);
	if (pin != NULL)
		(void)printf(_("PIN:         %s\n"), pin);
	if (json_is_null(c))
		(void)printf(_("Certificate: none\n"));
	else
		show_cert(c);
	if (json_is_true(json_object_get(o, "private_key")))
		(void)printf(_("Private key: present; signs %s, unwraps %s\n"),
		    cli_json_str(o, "signature", "?"),
		    cli_json_str(o, "wrap", "?"));
}

/* Everything shown, gathered while the token is open. */
static int
show_gather(struct cli *cli, struct sceau_token *t, const struct show_args *a,
    json_t **op)
{
	const uint8_t *der;
	json_t *o, *cert = NULL;
	size_t len;
	int r;

	*op = NULL;
	r = sceau_token_certificate(t, &der, &len);
	if (r != 0 && r != SCEAU_ERR_TOKEN_NO_CERT)
		return cli_error(cli, r, _("reading the certificate"));
	if (r == 0 && (cert = cert_json(der, len)) == NULL)
		return cli_error(
		    cli, SCEAU_ERR_CERT_FORMAT, _("reading the certificate"));
	o = json_pack("{s:o, s:s, s:I, s:o}", "token",
	    token_json(sceau_token_info(t)), "module",
	    sceau_token_info(t)->module, "slot_id",
	    (json_int_t)sceau_token_info(t)->slot_id, "certificate",
	    cert != NULL ? cert : json_null());
	if (o == NULL)
		return CLI_EXIT_FAILURE;
	if (a->login &&
	    ((r = show_login(cli, t, a->pin_file)) != 0 ||
	        (r = show_key(cli, t, o)) != 0)) {
		json_decref(o);
		return r;
	}
	if (json_object_set_new(o, "token_operations",
	        json_integer((json_int_t)sceau_token_ops(t))) != 0) {
		json_decref(o);
		return CLI_EXIT_FAILURE;
	}
	*op = o;
	return 0;
}

static int
cmd_token_show(struct cli *cli, int argc, char **argv)
{
	struct sceau_token_info info;
	struct sceau_token *t;
	struct show_args a;
	json_t *o;
	int r;

	if ((r = parse_show(cli, argc, argv, &a)) != 0)
		return r < 0 ? CLI_EXIT_OK : r;
	if ((r = cli_ws_policy_apply(NULL)) != 0 ||
	    (r = sceau_token_open(a.uri, &t)) != 0)
		return cli_error(cli, r, _("opening the token"));
	r = show_gather(cli, t, &a, &o);
	info = *sceau_token_info(t);
	sceau_token_close(t);
	if (r != 0)
		return r;
	if (cli->json)
		return cli_print_json(cli, o);
	show_text(&info, o);
	json_decref(o);
	return CLI_EXIT_OK;
}

int
cmd_token(struct cli *cli, int argc, char **argv)
{
	static const struct cli_subcommand table[] = {
	    {"list", cmd_token_list,
	        N_("list the PKCS#11 modules, slots and tokens")},
	    {"show", cmd_token_show,
	        N_("show a token's certificate (and key, after login)")},
	    {NULL, NULL, NULL},
	};

	return cli_dispatch(cli, "token", table, argc, argv);
}
