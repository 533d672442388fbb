/*
 * xmldsig.c: XML-DSig of sceau-audit's reports (xmldsig.h), on xmlsec1
 * and its OpenSSL backend.
 *
 * Verification trusts only the auditor's PEM file: KeyInfo may name the
 * key by an X.509 certificate only (never KeyValue, KeyName or
 * RetrievalMethod), the certificate must chain to the trusted file, the
 * one Reference must have URI="" (the whole document: no signature
 * wrapping through Id attributes) and only the transforms and algorithms
 * a report uses are allowed (no XPath, no XSLT, no URI outside it).
 */
#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "buf.h"
#include "errors.h"
#include "i18n.h"
#include "log.h"
#include "policy.h"
#include "xmldsig.h"

/* At most this many certificates in the trusted PEM file. */
#define XS_TRUST_MAX_CERTS 256

static int xs_state; /* 0: not set up, 1: set up, -1: setting up failed */

/* What xmlsec complained about during one operation (its error callback). */
static struct {
	int key_not_found;
	int forbidden;
	char last[256];
} xs_err;

static void
xs_on_error(const char *file, int line, const char *func,
    const char *error_object, const char *error_subject, int reason,
    const char *msg)
{
	(void)file;
	(void)line;
	(void)func;
	(void)error_object;
	if (reason == XMLSEC_ERRORS_R_KEY_NOT_FOUND ||
	    reason == XMLSEC_ERRORS_R_CERT_VERIFY_FAILED ||
	    reason == XMLSEC_ERRORS_R_CERT_NOT_FOUND ||
	    reason == XMLSEC_ERRORS_R_CERT_ISSUER_FAILED ||
	    reason == XMLSEC_ERRORS_R_CERT_HAS_EXPIRED ||
	    reason == XMLSEC_ERRORS_R_CERT_NOT_YET_VALID ||
	    reason == XMLSEC_ERRORS_R_CERT_REVOKED)
		xs_err.key_not_found = 1;
	if (reason == XMLSEC_ERRORS_R_TRANSFORM_DISABLED ||
	    reason == XMLSEC_ERRORS_R_INVALID_URI_TYPE ||
	    reason == XMLSEC_ERRORS_R_KEYDATA_DISABLED)
		xs_err.forbidden = 1;
	(void)snprintf(xs_err.last, sizeof(xs_err.last), "%s%s%s",
	    error_subject != NULL ? error_subject : "",
	    error_subject != NULL ? ": " : "", msg != NULL ? msg : "");
}

static void
xs_err_clear(void)
{
	memset(&xs_err, 0, sizeof(xs_err));
}

int
audit_xmldsig_init(void)
{
	if (xs_state != 0)
		return xs_state == 1 ? 0 : -1;
	xs_state = -1;
	xmlInitParser();
	if (xmlSecInit() < 0) {
		error_f("xmlsec: initialization failed");
		return -1;
	}
	if (xmlSecCheckVersion() != 1) {
		error_f("xmlsec: the library is not the version built with");
		xmlSecShutdown();
		return -1;
	}
	if (xmlSecCryptoAppInit(NULL) < 0) {
		error_f("xmlsec: OpenSSL backend initialization failed");
		xmlSecShutdown();
		return -1;
	}
	if (xmlSecCryptoInit() < 0) {
		error_f("xmlsec-openssl: initialization failed");
		(void)xmlSecCryptoAppShutdown();
		xmlSecShutdown();
		return -1;
	}
	xmlSecErrorsSetCallback(xs_on_error);
	xs_state = 1;
	return 0;
}

void
audit_xmldsig_shutdown(void)
{
	if (xs_state != 1)
		return;
	(void)xmlSecCryptoShutdown();
	(void)xmlSecCryptoAppShutdown();
	(void)xmlSecShutdown();
	xs_state = 0;
}

const char *
audit_xmldsig_reason(int result)
{
	switch (result) {
	case AUDIT_XMLDSIG_VALID:
		return N_("the signature verifies");
	case AUDIT_XMLDSIG_CHANGED:
		return N_("signature does not verify: the report was changed "
		          "after signing");
	case AUDIT_XMLDSIG_UNSIGNED:
		return N_("no signature");
	case AUDIT_XMLDSIG_SEVERAL:
		return N_("more than one signature");
	case AUDIT_XMLDSIG_MISPLACED:
		return N_(
		    "the signature is not the last element of the report");
	case AUDIT_XMLDSIG_MALFORMED:
		return N_("malformed signature");
	case AUDIT_XMLDSIG_UNTRUSTED:
		return N_("signer not trusted");
	case AUDIT_XMLDSIG_NOT_XML:
		return N_("not XML");
	case AUDIT_XMLDSIG_DOCTYPE:
		return N_("a DOCTYPE is not allowed in a report");
	case AUDIT_XMLDSIG_TOO_LARGE:
		return N_("larger than 256 MiB");
	case AUDIT_XMLDSIG_FORBIDDEN:
		return N_(
		    "the signature does not cover the whole report or uses "
		    "an algorithm not allowed");
	case AUDIT_XMLDSIG_UNREADABLE:
		return N_("cannot read the report");
	case AUDIT_XMLDSIG_BAD_TRUST:
		return N_("no certificate in the trusted PEM file");
	case AUDIT_XMLDSIG_INTERNAL:
	default:
		return N_("internal error of the signature library");
	}
}

/* -------------------------------------------------------------------- */
/* Signing                                                               */
/* -------------------------------------------------------------------- */

/* Without a passphrase an encrypted key fails: never a terminal prompt. */
static int
xs_no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The certificate loaded with the key (xmlsec keeps it as the key's
 * certificate, or as the only certificate of its X.509 data). */
static X509 *
xs_key_cert(xmlSecKeyPtr key)
{
	xmlSecKeyDataPtr data =
	    xmlSecKeyGetData(key, xmlSecOpenSSLKeyDataX509Id);
	X509 *cert;

	if (data == NULL)
		return NULL;
	if ((cert = xmlSecOpenSSLKeyDataX509GetKeyCert(data)) != NULL)
		return cert;
	if (xmlSecOpenSSLKeyDataX509GetCertsSize(data) != 1)
		return NULL;
	return xmlSecOpenSSLKeyDataX509GetCert(data, 0);
}

/* The private key and its certificate, which must hold its public key. */
static xmlSecKeyPtr
xs_load_signer(const char *key_path, const char *cert_path, const char *pass)
{
	xmlSecKeyPtr key;
	EVP_PKEY *pk;
	X509 *cert;

	key = xmlSecCryptoAppKeyLoad(key_path, xmlSecKeyDataFormatPem, pass,
	    pass == NULL ? (void *)xs_no_pass : NULL, NULL);
	if (key == NULL) {
		error_f("%s: not a PEM private key (or wrong passphrase): %s",
		    key_path, xs_err.last);
		return NULL;
	}
	if ((xmlSecKeyGetType(key) & xmlSecKeyDataTypePrivate) == 0) {
		error_f("%s: not a private key", key_path);
		goto fail;
	}
	if (xmlSecCryptoAppKeyCertLoad(key, cert_path, xmlSecKeyDataFormatPem) <
	    0) {
		error_f(
		    "%s: not a PEM certificate: %s", cert_path, xs_err.last);
		goto fail;
	}
	pk = xmlSecOpenSSLEvpKeyDataGetEvp(xmlSecKeyGetValue(key));
	cert = xs_key_cert(key);
	if (pk == NULL || cert == NULL ||
	    EVP_PKEY_eq(pk, X509_get0_pubkey(cert)) != 1) {
		error_f("%s: the certificate is not the key's", cert_path);
		goto fail;
	}
	return key;
fail:
	xmlSecKeyDestroy(key);
	return NULL;
}

/* The signature template: the algorithm follows the key's type. */
static xmlNodePtr
xs_template(xmlDocPtr doc, xmlSecKeyPtr key)
{
	xmlSecTransformId alg;
	xmlNodePtr sig, ref, ki, x509;

	if (xmlSecKeyCheckId(key, xmlSecOpenSSLKeyDataRsaId))
		alg = xmlSecOpenSSLTransformRsaSha256Id;
	else if (xmlSecKeyCheckId(key, xmlSecOpenSSLKeyDataEcdsaId))
		alg = xmlSecOpenSSLTransformEcdsaSha256Id;
	else {
		error_f("signing key: neither RSA nor EC");
		return NULL;
	}
	sig = xmlSecTmplSignatureCreateNsPref(
	    doc, xmlSecTransformExclC14NId, alg, NULL, BAD_CAST "ds");
	if (sig == NULL)
		return NULL;
	ref = xmlSecTmplSignatureAddReference(
	    sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
	if (ref == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ==
	        NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) ==
	        NULL ||
	    (ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL)) == NULL ||
	    (x509 = xmlSecTmplKeyInfoAddX509Data(ki)) == NULL ||
	    xmlSecTmplX509DataAddCertificate(x509) == NULL) {
		xmlFreeNode(sig);
		return NULL;
	}
	return sig;
}

int
audit_xmldsig_sign(xmlDocPtr doc, const char *key_pem_path,
    const char *cert_pem_path, const char *pass)
{
	xmlSecDSigCtxPtr ctx = NULL;
	xmlSecKeyPtr key;
	xmlNodePtr root, sig;
	int r = -1;

	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL ||
	    key_pem_path == NULL || cert_pem_path == NULL) {
		error_f("nothing to sign");
		return -1;
	}
	if (audit_xmldsig_init() != 0)
		return -1;
	xs_err_clear();
	if ((key = xs_load_signer(key_pem_path, cert_pem_path, pass)) == NULL)
		return -1;
	if ((sig = xs_template(doc, key)) == NULL) {
		xmlSecKeyDestroy(key);
		return -1;
	}
	if (xmlAddChild(root, sig) == NULL) {
		xmlFreeNode(sig);
		xmlSecKeyDestroy(key);
		return -1;
	}
	if ((ctx = xmlSecDSigCtxCreate(NULL)) == NULL) {
		xmlSecKeyDestroy(key);
		goto out;
	}
	ctx->signKey = key; /* the context owns it now */
	if (xmlSecDSigCtxSign(ctx, sig) < 0) {
		error_f("xmlsec: signing failed: %s", xs_err.last);
		goto out;
	}
	r = 0;
out:
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx);
	if (r != 0) {
		xmlUnlinkNode(sig);
		xmlFreeNode(sig);
	}
	return r;
}

/* -------------------------------------------------------------------- */
/* Verification                                                          */
/* -------------------------------------------------------------------- */

static void
xs_copy(char *dst, size_t size, const char *src)
{
	if (size > 0)
		(void)snprintf(dst, size, "%s", src);
}

/* Reads and parses the report: no network, no DTD, no entity expansion. */
static int
xs_parse(const char *path, xmlDocPtr *docp)
{
	struct sceau_buf *b;
	xmlDocPtr doc = NULL;
	size_t n;
	int r;

	*docp = NULL;
	if ((b = sceau_buf_new()) == NULL)
		return AUDIT_XMLDSIG_INTERNAL;
	r = sceau_buf_load_file(path, AUDIT_XMLDSIG_MAX_BYTES, b);
	n = sceau_buf_len(b);
	if (r == SCEAU_ERR_FILE_TOO_LARGE)
		r = AUDIT_XMLDSIG_TOO_LARGE;
	else if (r != 0)
		r = AUDIT_XMLDSIG_UNREADABLE;
	else if (sceau_xml_has_doctype(sceau_buf_ptr(b), n))
		r = AUDIT_XMLDSIG_DOCTYPE;
	else if (n == 0 || n > (size_t)0x7fffffff)
		r = AUDIT_XMLDSIG_NOT_XML;
	else
		doc = xmlReadMemory((const char *)sceau_buf_ptr(b), (int)n,
		    NULL, NULL,
		    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	sceau_buf_free(b);
	if (r != 0)
		return r;
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		xmlFreeDoc(doc);
		return AUDIT_XMLDSIG_NOT_XML;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		xmlFreeDoc(doc);
		return AUDIT_XMLDSIG_DOCTYPE;
	}
	*docp = doc;
	return 0;
}

/* The number of ds:Signature elements under root (root included), the
 * last one found in *found. */
static size_t
xs_count_signatures(xmlNodePtr root, xmlNodePtr *found)
{
	xmlNodePtr n = root;
	size_t count = 0;

	*found = NULL;
	while (n != NULL) {
		if (n->type == XML_ELEMENT_NODE &&
		    xmlSecCheckNodeName(n, xmlSecNodeSignature, xmlSecDSigNs)) {
			count++;
			*found = n;
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	return count;
}

/* Exactly one ds:Signature, the last element child of the root. */
static int
xs_find_signature(xmlDocPtr doc, xmlNodePtr *sigp)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t n = xs_count_signatures(root, sigp);

	if (n == 0)
		return AUDIT_XMLDSIG_UNSIGNED;
	if (n > 1)
		return AUDIT_XMLDSIG_SEVERAL;
	if (*sigp == root || (*sigp)->parent != root ||
	    xmlLastElementChild(root) != *sigp)
		return AUDIT_XMLDSIG_MISPLACED;
	return 0;
}

/* Each certificate of the PEM file, trusted, into mngr, and kept in
 * *pinned (for a trust that is the signer's certificate itself). */
static int
xs_load_trust(
    xmlSecKeysMngrPtr mngr, const char *path, STACK_OF(X509) * *pinned)
{
	unsigned char *der;
	X509 *cert;
	BIO *bio;
	int len, r = 0;

	if ((*pinned = sk_X509_new_null()) == NULL)
		return AUDIT_XMLDSIG_INTERNAL;
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		ERR_clear_error();
		return AUDIT_XMLDSIG_BAD_TRUST;
	}
	while (r == 0 && sk_X509_num(*pinned) < XS_TRUST_MAX_CERTS &&
	    (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		der = NULL;
		len = i2d_X509(cert, &der);
		if (len <= 0 ||
		    xmlSecCryptoAppKeysMngrCertLoadMemory(mngr, der,
		        (xmlSecSize)len, xmlSecKeyDataFormatDer,
		        xmlSecKeyDataTypeTrusted) < 0)
			r = AUDIT_XMLDSIG_INTERNAL;
		OPENSSL_free(der);
		if (sk_X509_push(*pinned, cert) <= 0) {
			X509_free(cert);
			r = AUDIT_XMLDSIG_INTERNAL;
		}
	}
	ERR_clear_error();
	BIO_free(bio);
	if (r == 0 && sk_X509_num(*pinned) == 0)
		r = AUDIT_XMLDSIG_BAD_TRUST;
	return r;
}

/* Only what a report's signature uses: X.509 key data, URI="", these
 * transforms. */
static int
xs_restrict(xmlSecDSigCtxPtr ctx)
{
	if (xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData,
	        (xmlSecPtr)xmlSecOpenSSLKeyDataX509Id) < 0)
		return -1;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	if (xmlSecDSigCtxEnableReferenceTransform(
	        ctx, xmlSecTransformEnvelopedId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(
	        ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(
	        ctx, xmlSecTransformInclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(
	        ctx, xmlSecTransformSha256Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(
	        ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(
	        ctx, xmlSecTransformInclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(
	        ctx, xmlSecOpenSSLTransformRsaSha256Id) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(
	        ctx, xmlSecOpenSSLTransformEcdsaSha256Id) < 0)
		return -1;
	return 0;
}

/* The one reference is URI="" (the whole document, root included) and
 * verified. */
static int
xs_check_reference(xmlSecDSigCtxPtr ctx)
{
	xmlSecDSigReferenceCtxPtr ref;

	if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1)
		return AUDIT_XMLDSIG_FORBIDDEN;
	ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
	if (ref == NULL || ref->origin != xmlSecDSigReferenceOriginSignedInfo ||
	    ref->uri == NULL || ref->uri[0] != '\0')
		return AUDIT_XMLDSIG_FORBIDDEN;
	if (ref->status != xmlSecDSigStatusSucceeded)
		return AUDIT_XMLDSIG_CHANGED;
	return 0;
}

/* The signer certificate's subject, RFC 2253: the pinned one, or the
 * one xmlsec verified. */
static void
xs_signer(X509 *pin, xmlSecKeyPtr key, char *out, size_t size)
{
	X509 *cert = pin;
	BIO *bio;
	char *p;
	long len;

	if (cert == NULL && key != NULL)
		cert = xs_key_cert(key);
	if (cert == NULL || size == 0 || (bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(
	        bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_get_mem_data(bio, &p)) > 0)
		(void)snprintf(out, size, "%.*s",
		    (int)((size_t)len < size ? (size_t)len : size - 1), p);
	BIO_free(bio);
}

/* The trusted certificate whose public key is the one that verified the
 * signature, or NULL. */
static X509 *
xs_pinned_signer(xmlSecKeyPtr key, STACK_OF(X509) * pinned)
{
	EVP_PKEY *pk;
	X509 *c;
	int i;

	if (key == NULL ||
	    (pk = xmlSecOpenSSLEvpKeyDataGetEvp(xmlSecKeyGetValue(key))) ==
	        NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(pinned); i++) {
		c = sk_X509_value(pinned, i);
		if (EVP_PKEY_eq(pk, X509_get0_pubkey(c)) == 1)
			return c;
	}
	return NULL;
}

/*
 * One verification of sig.  pinned == NULL: the embedded certificate
 * must chain to the trusted ones (xmlsec's X.509 store).  Otherwise the
 * certificate is not verified by xmlsec but the key that verified the
 * signature must be the key of one of the pinned certificates.
 */
static int
xs_verify_node(xmlSecKeysMngrPtr mngr, xmlNodePtr sig, STACK_OF(X509) * pinned,
    char *signer, size_t signer_size)
{
	xmlSecDSigCtxPtr ctx;
	X509 *pin = NULL;
	int r;

	if ((ctx = xmlSecDSigCtxCreate(mngr)) == NULL)
		return AUDIT_XMLDSIG_INTERNAL;
	xs_err_clear();
	if (pinned != NULL)
		ctx->keyInfoReadCtx.flags |=
		    XMLSEC_KEYINFO_FLAGS_X509DATA_DONT_VERIFY_CERTS;
	if (xs_restrict(ctx) != 0) {
		r = AUDIT_XMLDSIG_INTERNAL;
	} else if (xmlSecDSigCtxVerify(ctx, sig) < 0) {
		if (xs_err.forbidden)
			r = AUDIT_XMLDSIG_FORBIDDEN;
		else if (xs_err.key_not_found || ctx->signKey == NULL)
			r = AUDIT_XMLDSIG_UNTRUSTED;
		else
			r = AUDIT_XMLDSIG_MALFORMED;
	} else if (pinned != NULL &&
	    (pin = xs_pinned_signer(ctx->signKey, pinned)) == NULL) {
		r = AUDIT_XMLDSIG_UNTRUSTED;
	} else if (ctx->status != xmlSecDSigStatusSucceeded) {
		r = AUDIT_XMLDSIG_CHANGED;
	} else if ((r = xs_check_reference(ctx)) == 0) {
		xs_signer(pin, ctx->signKey, signer, signer_size);
	}
	if (r != 0)
		debug_f("xmlsec: %s", xs_err.last);
	xmlSecDSigCtxDestroy(ctx);
	return r;
}

int
audit_xmldsig_verify(const char *xml_path, const char *trusted_pem_path,
    char *signer, size_t signer_size, char *why, size_t why_size)
{
	xmlSecKeysMngrPtr mngr = NULL;
	STACK_OF(X509) *pinned = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr sig = NULL;
	int r;

	xs_copy(signer, signer_size, "");
	xs_copy(why, why_size, "");
	if (audit_xmldsig_init() != 0) {
		r = AUDIT_XMLDSIG_INTERNAL;
		goto out;
	}
	if ((r = xs_parse(xml_path, &doc)) != 0 ||
	    (r = xs_find_signature(doc, &sig)) != 0)
		goto out;
	if ((mngr = xmlSecKeysMngrCreate()) == NULL ||
	    xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0) {
		r = AUDIT_XMLDSIG_INTERNAL;
		goto out;
	}
	if ((r = xs_load_trust(mngr, trusted_pem_path, &pinned)) != 0)
		goto out;
	/* A CA first; then the signer's own certificate, pinned. */
	r = xs_verify_node(mngr, sig, NULL, signer, signer_size);
	if (r == AUDIT_XMLDSIG_UNTRUSTED)
		r = xs_verify_node(mngr, sig, pinned, signer, signer_size);
out:
	if (r != 0)
		xs_copy(signer, signer_size, "");
	xs_copy(why, why_size, audit_xmldsig_reason(r));
	if (mngr != NULL)
		xmlSecKeysMngrDestroy(mngr);
	sk_X509_pop_free(pinned, X509_free);
	xmlFreeDoc(doc);
	return r;
}
