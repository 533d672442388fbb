/*
 * describe.c: users and devices as JSON objects, the one representation
 * behind both --json and human output of user, device and whoami.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "encoding.h"
#include "errors.h"
#include "x509.h"

/* Identity fields, when this device may see them (not for externals). */
static int
add_identity(struct sceau_client *c, json_t *o, uint64_t index,
    const uint8_t *hash, int user)
{
	struct sceau_identity id;
	int r;

	r = sceau_client_identity(c, index, hash, &id);
	if (r == SCEAU_ERR_NOT_FOUND || r == SCEAU_ERR_CHAIN_IDENTITY) {
		/* Hidden from us, or withheld by the server: say so. */
		return json_object_set_new(o, "identity_hidden", json_true());
	}
	if (r != 0)
		return r;
	if (user && json_object_set_new(o, "email", json_string(id.email)) != 0)
		return SCEAU_ERR_ALLOC;
	if (json_object_set_new(
	        o, user ? "name" : "label", json_string(id.name)) != 0)
		return SCEAU_ERR_ALLOC;
	return 0;
}

json_t *
cli_describe_user(struct sceau_client *c, const struct sceau_chain_user *u)
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	json_t *o;
	size_t i, ndev = 0;

	for (i = 0; i < sceau_chain_device_count(ch); i++) {
		const struct sceau_chain_device *d =
		    sceau_chain_device_at(ch, i);

		if (strcmp(d->user_id, u->user_id) == 0 &&
		    d->revoked_index == 0)
			ndev++;
	}
	o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "user_id", u->user_id,
	    "profile", sceau_profile_name(u->profile), "status",
	    u->revoked_index != 0 ? "revoked" : "active", "active_devices",
	    (json_int_t)ndev, "created_index", (json_int_t)u->created_index);
	if (o == NULL)
		return NULL;
	if (u->revoked_index != 0 &&
	    json_object_set_new(o, "revoked_index",
	        json_integer((json_int_t)u->revoked_index)) != 0)
		goto fail;
	if (add_identity(c, o, u->created_index, u->identity_hash, 1) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* A card-bound device: its card's certificate subject and fingerprint. */
static int
add_card(json_t *o, const struct sceau_chain_device *d)
{
	char fp[2 * SCEAU_CERT_HASH_LEN + 1], subject[SCEAU_X509_NAME_MAX + 1];
	struct sceau_x509 *x = NULL;
	const uint8_t *der;
	struct sceau_cert l;
	size_t pos = 0, len;
	json_t *card;

	sceau_enc_hex_fixed(d->x509_fingerprint, SCEAU_CERT_HASH_LEN, fp);
	subject[0] = '\0';
	memset(&l, 0, sizeof(l));
	l.x509_list = d->x509_list;
	l.x509_list_len = d->x509_list_len;
	if (sceau_cert_x509_next(&l, &pos, &der, &len) &&
	    sceau_x509_parse_der(der, len, &x) == 0 &&
	    sceau_x509_subject(x, subject, sizeof(subject)) != 0)
		subject[0] = '\0';
	sceau_x509_free(x);
	sceau_message_clear();
	if ((card = json_pack(
	         "{s:s, s:s}", "fingerprint", fp, "subject", subject)) == NULL)
		return -1;
	return json_object_set_new(o, "card", card);
}

json_t *
cli_describe_device(struct sceau_client *c, const struct sceau_chain_device *d)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:b}", "device_id", d->device_id,
	    "user_id", d->user_id, "status",
	    d->revoked_index != 0 ? "revoked" : "active", "this_device",
	    strcmp(d->device_id, sceau_client_info(c)->device_id) == 0);
	if (o == NULL)
		return NULL;
	if (add_identity(c, o, d->created_index, d->identity_hash, 0) != 0 ||
	    (d->token_bound && add_card(o, d) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
cli_author(
    struct sceau_client *c, const char *device_id, char *out, size_t size)
{
	const struct sceau_chain *ch = sceau_client_chain(c);
	const struct sceau_chain_device *d = sceau_chain_device(ch, device_id);
	const struct sceau_chain_user *u;
	struct sceau_identity du, uu;

	(void)snprintf(out, size, "%s", device_id);
	if (d == NULL || (u = sceau_chain_user(ch, d->user_id)) == NULL ||
	    sceau_client_identity(c, d->created_index, d->identity_hash, &du) !=
	        0 ||
	    sceau_client_identity(c, u->created_index, u->identity_hash, &uu) !=
	        0)
		return; /* unknown, or hidden from this device */
	(void)snprintf(out, size, "%s (%s)", uu.name, du.name);
}

const char *
cli_json_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}
