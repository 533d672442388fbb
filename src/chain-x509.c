/*
 * chain-x509.c: the chain's X.509 rules (doc/certificates.md,
 * doc/enrollment.md): token signatures of token-backed authors, device
 * bindings to certificates of the organization's PKI, and the anchors of
 * the organization certificate.
 *
 * Only what validates the same way forever is checked here: signatures,
 * and a binding's path to the anchors at the device certificate's own
 * time, without revocation (which depends on when one asks; devices are
 * checked for it when they unlock, requests when they enroll).
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "chain-internal.h"
#include "errors.h"
#include "x509.h"

/* A token-backed author signed on its token too; others did not. */
static int
check_token_signature(const struct ctx *x, const uint8_t *env, size_t n)
{
	const struct sceau_chain_device *d = x->author_dev;
	struct sceau_x509 *leaf = NULL;
	struct sceau_buf *tbs = NULL;
	const uint8_t *der;
	size_t len;
	int r;

	if (d == NULL || !d->token_bound) {
		if (x->cert->n_extra_sigs == 0)
			return 0;
		return chain_refuse(x, SCEAU_ERR_CERT_SIGNATURE,
		    "carries a token signature, but its author has no token");
	}
	if (x->cert->n_extra_sigs != 1 || x->cert->token_sig == NULL)
		return chain_refuse(x, SCEAU_ERR_CERT_SIGNATURE,
		    "its author is token-backed, and it is not signed on the "
		    "token");
	if (!sceau_cert_x509_leaf(d->x509_list, d->x509_list_len, &der, &len) ||
	    (r = sceau_x509_parse_der(der, len, &leaf)) != 0)
		return chain_refuse(x, SCEAU_ERR_CERT_SIGNATURE,
		    "its author's token certificate does not parse");
	if ((tbs = sceau_buf_new()) == NULL) {
		sceau_x509_free(leaf);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = sceau_cert_token_tbs(env, n, tbs)) == 0)
		r = sceau_x509_verify_signature(leaf, x->cert->token_sig_alg,
		    sceau_buf_ptr(tbs), sceau_buf_len(tbs), x->cert->token_sig,
		    x->cert->token_sig_len);
	sceau_buf_free(tbs);
	sceau_x509_free(leaf);
	if (r == SCEAU_ERR_ALLOC)
		return r;
	if (r != 0)
		return chain_refuse(x, SCEAU_ERR_CERT_SIGNATURE,
		    "its token signature does not verify with its author's "
		    "X.509 certificate");
	return 0;
}

/* Every certificate of an X.509 list parses. */
static int
check_list_parses(const uint8_t *list, size_t n)
{
	struct sceau_x509 *xc;
	struct sceau_cert c;
	const uint8_t *der;
	size_t pos = 0, len;

	memset(&c, 0, sizeof(c));
	c.x509_list = list;
	c.x509_list_len = n;
	while (sceau_cert_x509_next(&c, &pos, &der, &len)) {
		if (sceau_x509_parse_der(der, len, &xc) != 0)
			return SCEAU_ERR_CERT_FORMAT;
		sceau_x509_free(xc);
	}
	return 0;
}

int
sceau_x509_list_trust(const uint8_t *anchors, size_t anchors_len,
    const uint8_t *list, size_t list_len, struct sceau_x509_trust **tp)
{
	struct sceau_cert l;
	const uint8_t *der;
	size_t pos = 0, len;
	int r, first = 1;

	if ((r = sceau_x509_trust_new(tp)) != 0)
		return r;
	memset(&l, 0, sizeof(l));
	l.x509_list = anchors;
	l.x509_list_len = anchors_len;
	while (r == 0 && sceau_cert_x509_next(&l, &pos, &der, &len))
		r = sceau_x509_trust_add_anchor_der(*tp, der, len);
	l.x509_list = list;
	l.x509_list_len = list_len;
	pos = 0;
	while (r == 0 && sceau_cert_x509_next(&l, &pos, &der, &len)) {
		if (!first)
			r = sceau_x509_trust_add_intermediate_der(
			    *tp, der, len);
		first = 0;
	}
	if (r != 0) {
		sceau_x509_trust_free(*tp);
		*tp = NULL;
	}
	return r;
}

/* The trust of the chain's anchors, with a list's intermediates. */
static int
binding_trust(const struct sceau_chain *c, const struct sceau_cert *cert,
    struct sceau_x509_trust **tp)
{
	int r;

	if ((r = sceau_x509_list_trust(c->anchors, c->anchors_len,
	         cert->x509_list, cert->x509_list_len, tp)) != 0)
		return r;
	sceau_x509_trust_set_crl_check(*tp, SCEAU_X509_CRL_CHECK_OFF);
	sceau_x509_trust_set_time(*tp, (int64_t)(cert->timestamp / 1000000));
	sceau_x509_trust_set_usage(*tp, SCEAU_X509_USAGE_SIGN);
	return 0;
}

/* A device's binding: a certificate of the organization's PKI, then. */
static int
check_binding(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;
	struct sceau_x509_result *res;
	struct sceau_x509_trust *t = NULL;
	const uint8_t *der;
	size_t len;
	int r;

	if (x->c->anchors == NULL)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "binds a token certificate, and the organization names no "
		    "PKI trust anchors");
	if (!sceau_cert_x509_leaf(
	        cert->x509_list, cert->x509_list_len, &der, &len))
		return chain_refuse(x, SCEAU_ERR_CERT_FORMAT,
		    "its token certificate list is empty");
	if ((res = sceau_calloc(1, sizeof(*res))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = binding_trust(x->c, cert, &t)) == 0)
		r = sceau_x509_verify(t, der, len, NULL, NULL, 0, res);
	sceau_x509_trust_free(t);
	if (r != 0 && r != SCEAU_ERR_ALLOC) {
		sceau_message(
		    "certificate %llu (device): its token certificate "
		    "%s is not of the organization's PKI: %s",
		    (unsigned long long)cert->index, res->subject, res->reason);
		r = SCEAU_ERR_CHAIN_INVALID;
	}
	sceau_free(res);
	return r;
}

int
chain_x509_check(const struct ctx *x, const uint8_t *env, size_t n)
{
	const struct sceau_cert *cert = x->cert;
	int r;

	if ((r = check_token_signature(x, env, n)) != 0)
		return r;
	if (cert->kind == SCEAU_CERT_ORG && cert->x509_list != NULL &&
	    check_list_parses(cert->x509_list, cert->x509_list_len) != 0)
		return chain_refuse(x, SCEAU_ERR_CERT_FORMAT,
		    "a trust anchor does not parse as an X.509 certificate");
	if (cert->kind == SCEAU_CERT_DEVICE && cert->x509_list != NULL)
		return check_binding(x);
	return 0;
}
