/*
 * xmldsig.h: XML-DSig of sceau-audit's XML reports, on xmlsec1 and its
 * OpenSSL backend (doc/audit.md, "Signed reports").
 *
 * A report carries one enveloped <ds:Signature>, the last child of its
 * root element: exclusive C14N, RSA-SHA256 or ECDSA-SHA256 (from the
 * key), one Reference URI="" (the whole document) with the
 * enveloped-signature transform and a SHA-256 digest, and a KeyInfo
 * holding the signer's X.509 certificate.  The verifier trusts a PEM file
 * of its own: the signer's certificate or the CA certificates the
 * embedded one must chain to; nothing in the report itself is trusted.
 */
#ifndef SCEAU_AUDIT_XMLDSIG_H
#define SCEAU_AUDIT_XMLDSIG_H

#include <stddef.h>

#include <libxml/tree.h>

/* Reports larger than this are refused before parsing. */
#define AUDIT_XMLDSIG_MAX_BYTES ((size_t)256 * 1024 * 1024)

/* What audit_xmldsig_verify found (0: a valid signature). */
enum audit_xmldsig_result {
	AUDIT_XMLDSIG_VALID = 0,
	AUDIT_XMLDSIG_CHANGED, /* the digest or the signature is wrong */
	AUDIT_XMLDSIG_UNSIGNED, /* no ds:Signature */
	AUDIT_XMLDSIG_SEVERAL, /* more than one ds:Signature */
	AUDIT_XMLDSIG_MISPLACED, /* not the last child of the root */
	AUDIT_XMLDSIG_MALFORMED, /* xmlsec cannot read the signature */
	AUDIT_XMLDSIG_UNTRUSTED, /* the signer does not chain to the trust */
	AUDIT_XMLDSIG_NOT_XML, /* not a well-formed document */
	AUDIT_XMLDSIG_DOCTYPE, /* a DOCTYPE (entities, external DTD) */
	AUDIT_XMLDSIG_TOO_LARGE, /* over AUDIT_XMLDSIG_MAX_BYTES */
	AUDIT_XMLDSIG_FORBIDDEN, /* a reference or algorithm not allowed */
	AUDIT_XMLDSIG_UNREADABLE, /* the report cannot be read */
	AUDIT_XMLDSIG_BAD_TRUST, /* the trusted PEM file holds no certificate */
	AUDIT_XMLDSIG_INTERNAL, /* xmlsec or OpenSSL failed (memory...) */
};

/*
 * Sets up libxml2, xmlsec and its OpenSSL backend once (later calls do
 * nothing); 0, or -1 with an error logged.  audit_xmldsig_shutdown()
 * undoes it, once, if it was done.
 */
int audit_xmldsig_init(void);
void audit_xmldsig_shutdown(void);

/*
 * Signs doc: appends an enveloped <ds:Signature> as the last child of its
 * root element.  key_pem_path: the private key in PEM (RSA or EC; pass
 * decrypts it, NULL for an unencrypted key: never a prompt);
 * cert_pem_path: its certificate, embedded in KeyInfo.  0, or -1 with
 * the reason logged; on failure doc is left as it was.
 */
int audit_xmldsig_sign(xmlDocPtr doc, const char *key_pem_path,
    const char *cert_pem_path, const char *pass);

/*
 * Verifies the report at xml_path against trusted_pem_path (one or more
 * PEM certificates: the signer's own, or CAs its embedded certificate
 * must chain to).  Returns AUDIT_XMLDSIG_VALID with the signer's subject
 * (RFC 2253) in signer, or another enum audit_xmldsig_result with its
 * reason, in English, in why (audit_xmldsig_reason()).  Both buffers are
 * always NUL-terminated when their size is not 0.
 */
int audit_xmldsig_verify(const char *xml_path, const char *trusted_pem_path,
    char *signer, size_t signer_size, char *why, size_t why_size);

/* The English reason of a result (marked for translation: _() it). */
const char *audit_xmldsig_reason(int result);

#endif /* SCEAU_AUDIT_XMLDSIG_H */
