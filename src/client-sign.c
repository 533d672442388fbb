/*
 * client-sign.c: signatures for a client opened elsewhere without its keys
 * (sceau_client_open_remote), made by the process that holds them
 * (sceau-agent, doc/agent-protocol.md, SIGN and SIGN_TOKEN).
 *
 * The signer checks what it signs: a statement of one of the three kinds
 * this device makes (a request, a certificate, a vlob), with this
 * organization and this device as author.  So a process that reaches the
 * agent can make the device act, but only as the device acts, never sign
 * bytes of another form or in another device's name.
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "cert.h"
#include "client-internal.h"
#include "errors.h"
#include "manifest.h"
#include "reqsign.h"
#include "sign.h"

/* org and author of the statement are c's organization and device. */
static int
is_own(const struct sceau_client *c, const char *org, const char *author)
{
	if (strcmp(org, c->info.org_id) == 0 &&
	    strcmp(author, c->info.device_id) == 0)
		return 0;
	sceau_message("the statement is not one of device %s of %s",
	    c->info.device_id, c->info.org_id);
	return SCEAU_ERR_AGENT_REFUSED;
}

/* Whose statement tbs is: a request, a certificate or a vlob. */
static int
statement_author(const struct sceau_client *c, const uint8_t *tbs, size_t n)
{
	char org[SCEAU_ORG_ID_MAX + 1], dev[SCEAU_ID_LEN + 1];
	struct sceau_vlob_header h;
	struct sceau_cert *cert;
	int r;

	if (sceau_reqsign_tbs_author(tbs, n, org, dev) == 0)
		return is_own(c, org, dev);
	if (sceau_vlob_tbs_parse(tbs, n, &h) == 0)
		return is_own(c, h.org_id, h.author);
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_cert_tbs_decode(tbs, n, 0, cert) == 0) {
		r = is_own(c, cert->org_id, cert->author);
	} else {
		sceau_message("not a request, certificate or vlob statement");
		r = SCEAU_ERR_AGENT_REFUSED;
	}
	sceau_free(cert);
	return r;
}

int
sceau_client_sign_statement(struct sceau_client *c, const uint8_t *tbs,
    size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	int r;

	memset(sig, 0, SCEAU_SIGN_SIG_LEN);
	if (c->keys.device_key == NULL || c->remote.sign != NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = statement_author(c, tbs, n)) != 0)
		return r;
	return sceau_sign(c->keys.device_key, tbs, n, sig);
}

int
sceau_client_token_sign_statement(struct sceau_client *c, const uint8_t *tbs,
    size_t n, char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	sceau_cert_token_signer signer;
	struct sceau_cert *cert;
	int r;

	alg[0] = '\0';
	if (c->remote.sign != NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_cert_tbs_decode(tbs, n, 1, cert) != 0) {
		sceau_message("not a certificate's token statement");
		r = SCEAU_ERR_AGENT_REFUSED;
	} else {
		r = is_own(c, cert->org_id, cert->author);
	}
	sceau_free(cert);
	if (r != 0)
		return r;
	if ((signer = client_token_signer(c, &r)) == NULL) {
		if (r == 0) {
			sceau_message("this device is not bound to a card");
			r = SCEAU_ERR_AGENT_REFUSED;
		}
		return r;
	}
	return signer(c, tbs, n, alg, sig);
}
