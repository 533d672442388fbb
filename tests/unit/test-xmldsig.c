/*
 * test-xmldsig.c: XML-DSig of reports (src/audit/xmldsig.c) with keys
 * and self-signed certificates made here: a signed document verifies
 * against its certificate and names its signer; another certificate, a
 * changed text, a missing file and a file that is not XML are refused
 * with their reason; a certificate that is not the key's leaves the
 * document unsigned; the reasons are distinct and the buffers bounded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "xmldsig.h"

static const char report[] =
    "<?xml version=\"1.0\"?>\n<report organization=\"acme\">"
    "<event seq=\"1\">created</event></report>\n";

static char dir[64];

static void
path(char *out, size_t n, const char *name)
{
	(void)snprintf(out, n, "%s/%s", dir, name);
}

/* NAME.key and NAME.pem: an EC P-256 key and a self-signed certificate. */
static void
make_signer(const char *name, const char *cn)
{
	char p[128];
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *c = X509_new();
	X509_NAME *n;
	FILE *f;

	assert_non_null(k);
	assert_non_null(c);
	assert_int_equal(X509_set_version(c, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(c), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(c), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(c), 86400));
	assert_int_equal(X509_set_pubkey(c, k), 1);
	n = X509_get_subject_name(c);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	                     (const unsigned char *)cn, -1, -1, 0),
	    1);
	assert_int_equal(X509_set_issuer_name(c, n), 1);
	assert_true(X509_sign(c, k, EVP_sha256()) > 0);
	(void)snprintf(p, sizeof(p), "%s/%s.key", dir, name);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(
	    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
	(void)snprintf(p, sizeof(p), "%s/%s.pem", dir, name);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(PEM_write_X509(f, c), 1);
	assert_int_equal(fclose(f), 0);
	X509_free(c);
	EVP_PKEY_free(k);
}

static int
setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "%s/sceau-xmldsig.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL || audit_xmldsig_init() != 0)
		return -1;
	make_signer("a", "Unit Signer");
	make_signer("b", "Someone Else");
	return 0;
}

static int
teardown(void **state)
{
	const char *names[] = {"a.key", "a.pem", "b.key", "b.pem", "signed.xml",
	    "changed.xml", "text.txt"};
	char p[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path(p, sizeof(p), names[i]);
		(void)unlink(p);
	}
	(void)rmdir(dir);
	audit_xmldsig_shutdown();
	audit_xmldsig_shutdown(); /* once only */
	return 0;
}

/* Signs report with key a and saves it as NAME, text replaced by TEXT
 * after signing when not NULL. */
static void
sign_to(const char *name, const char *text)
{
	char k[128], c[128], out[128];
	xmlDocPtr doc;

	path(k, sizeof(k), "a.key");
	path(c, sizeof(c), "a.pem");
	path(out, sizeof(out), name);
	doc = xmlReadMemory(report, (int)strlen(report), NULL, NULL, 0);
	assert_non_null(doc);
	assert_int_equal(audit_xmldsig_sign(doc, k, c, NULL), 0);
	if (text != NULL)
		xmlNodeSetContent(
		    xmlFirstElementChild(xmlDocGetRootElement(doc)),
		    BAD_CAST text);
	assert_true(xmlSaveFile(out, doc) > 0);
	xmlFreeDoc(doc);
}

static void
test_valid_and_signer(void **state)
{
	char f[128], t[128], signer[256], why[256], small[5];

	(void)state;
	sign_to("signed.xml", NULL);
	path(f, sizeof(f), "signed.xml");
	path(t, sizeof(t), "a.pem");
	assert_int_equal(audit_xmldsig_verify(
	                     f, t, signer, sizeof(signer), why, sizeof(why)),
	    AUDIT_XMLDSIG_VALID);
	assert_string_equal(signer, "CN=Unit Signer");
	assert_string_equal(why, "the signature verifies");
	/* Bounded buffers: truncated, NUL-terminated; size 0 is allowed. */
	assert_int_equal(
	    audit_xmldsig_verify(f, t, small, sizeof(small), NULL, 0),
	    AUDIT_XMLDSIG_VALID);
	assert_string_equal(small, "CN=U");
}

static void
test_refused(void **state)
{
	char f[128], t[128], signer[256], why[256];
	FILE *fp;

	(void)state;
	sign_to("changed.xml", "deleted");
	path(f, sizeof(f), "changed.xml");
	path(t, sizeof(t), "a.pem");
	assert_int_equal(audit_xmldsig_verify(
	                     f, t, signer, sizeof(signer), why, sizeof(why)),
	    AUDIT_XMLDSIG_CHANGED);
	assert_string_equal(signer, "");
	assert_non_null(strstr(why, "changed after signing"));
	path(f, sizeof(f), "signed.xml");
	path(t, sizeof(t), "b.pem");
	assert_int_equal(audit_xmldsig_verify(
	                     f, t, signer, sizeof(signer), why, sizeof(why)),
	    AUDIT_XMLDSIG_UNTRUSTED);
	assert_string_equal(why, "signer not trusted");
	path(f, sizeof(f), "missing.xml");
	assert_int_equal(audit_xmldsig_verify(
	                     f, t, signer, sizeof(signer), why, sizeof(why)),
	    AUDIT_XMLDSIG_UNREADABLE);
	path(f, sizeof(f), "text.txt");
	assert_non_null(fp = fopen(f, "w"));
	assert_true(fputs("not < xml\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(audit_xmldsig_verify(
	                     f, t, signer, sizeof(signer), why, sizeof(why)),
	    AUDIT_XMLDSIG_NOT_XML);
	assert_string_equal(why, "not XML");
	/* The trust file is not PEM. */
	path(t, sizeof(t), "signed.xml");
	assert_int_equal(audit_xmldsig_verify(
	                     t, f, signer, sizeof(signer), why, sizeof(why)),
	    AUDIT_XMLDSIG_BAD_TRUST);
}

static void
test_sign_wrong_cert(void **state)
{
	char k[128], c[128];
	xmlDocPtr doc;

	(void)state;
	path(k, sizeof(k), "a.key");
	path(c, sizeof(c), "b.pem");
	doc = xmlReadMemory(report, (int)strlen(report), NULL, NULL, 0);
	assert_non_null(doc);
	assert_int_equal(audit_xmldsig_sign(doc, k, c, NULL), -1);
	assert_int_equal(xmlChildElementCount(xmlDocGetRootElement(doc)), 1);
	assert_int_equal(audit_xmldsig_sign(NULL, k, c, NULL), -1);
	xmlFreeDoc(doc);
}

static void
test_reasons(void **state)
{
	int i, j;

	(void)state;
	for (i = AUDIT_XMLDSIG_VALID; i <= AUDIT_XMLDSIG_INTERNAL; i++) {
		assert_true(strlen(audit_xmldsig_reason(i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(
			    audit_xmldsig_reason(i), audit_xmldsig_reason(j));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_and_signer),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_sign_wrong_cert),
	    cmocka_unit_test(test_reasons),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("xmldsig", tests, setup, teardown);
}
