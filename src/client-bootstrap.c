/*
 * client-bootstrap.c: creating an organization's first admin and device
 * from a bootstrap link (doc/protocol.md, "Anonymous routes").
 *
 * The root key exists only here: it signs the three bootstrap
 * certificates, then is wiped, unless the caller asks to keep it offline.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "client-internal.h"
#include "client.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "link.h"
#include "secmem.h"
#include "hash.h"
#include "x509.h"
#include "token.h"

/* Everything made during a bootstrap, wiped at the end. */
struct boot {
	struct sceau_link link;
	struct sceau_signkey *root;
	struct sceau_signkey *device_key;
	struct sceau_boxkey *user_key;
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	struct sceau_identity user_idt, device_idt;
	struct sceau_buf *env[3];
	struct sceau_buf *idt[3];
	struct sceau_keyfile_info info;
	struct sceau_token *token; /* a token-backed admin's (borrowed) */
	struct sceau_buf *anchors; /* X.509 lists, or NULL */
	struct sceau_buf *binding;
	uint8_t enc_x509[SCEAU_CERT_HASH_LEN + 1]; /* fingerprint, wrap alg */
};

static void
boot_clear(struct boot *b)
{
	size_t i;

	sceau_sign_free(b->root);
	sceau_sign_free(b->device_key);
	sceau_box_free(b->user_key);
	for (i = 0; i < 3; i++) {
		sceau_buf_free(b->env[i]);
		sceau_buf_free(b->idt[i]);
	}
	sceau_buf_free(b->anchors);
	sceau_buf_free(b->binding);
	sceau_link_clear(&b->link);
	sceau_memzero(b, sizeof(*b));
}

static void
cert_header(struct boot *b, struct sceau_cert *c, enum sceau_cert_kind kind,
    uint64_t index, const uint8_t *prev_in)
{
	uint8_t prev[SCEAU_CERT_HASH_LEN];

	/* prev_in may point into c (the previous certificate's hash). */
	if (prev_in != NULL)
		memcpy(prev, prev_in, sizeof(prev));
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	(void)snprintf(c->org_id, sizeof(c->org_id), "%s", b->link.org_id);
	c->index = index;
	if (prev_in != NULL)
		memcpy(c->prev_hash, prev, SCEAU_CERT_HASH_LEN);
	c->timestamp = sceau_client_now_us();
}

/*
 * The PKI of a token-backed admin: the anchors, the card's certificate
 * (with intermediates) for the device's binding, and the user's key: the
 * certificate's fingerprint and the wrap its token undoes.
 */
static int
make_pki(struct boot *b, const struct sceau_bootstrap_params *p)
{
	const uint8_t *der;
	size_t len;
	int r, alg = 0;

	if (p->pki_anchors == NULL) {
		if (b->token != NULL) {
			sceau_message("a token-backed administrator needs the "
			              "organization's PKI trust anchors");
			return SCEAU_ERR_INVALID_ARGUMENT;
		}
		return 0;
	}
	if ((b->anchors = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_x509_load_bundle(p->pki_anchors, b->anchors)) != 0)
		return r;
	if (b->token == NULL)
		return 0;
	if ((b->binding = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_token_certificate(b->token, &der, &len)) != 0 ||
	    (r = sceau_hash_sha256(der, len, b->enc_x509)) != 0 ||
	    (r = sceau_token_oaep_probe(b->token, &alg)) != 0)
		return r;
	b->enc_x509[SCEAU_CERT_HASH_LEN] = (uint8_t)alg;
	return client_card_list(b->token, p->pki_intermediates, b->binding);
}

/* Keys, ids and identities of the first admin and device. */
static int
make_keys(struct boot *b, const struct sceau_bootstrap_params *p)
{
	int r;

	if ((r = sceau_sign_generate(&b->root)) != 0 ||
	    (r = sceau_sign_generate(&b->device_key)) != 0 ||
	    (b->token == NULL && (r = sceau_box_generate(&b->user_key)) != 0) ||
	    (r = sceau_cert_new_id(b->user_id)) != 0 ||
	    (r = sceau_cert_new_id(b->device_id)) != 0 ||
	    (r = sceau_identity_init(
	         &b->user_idt, SCEAU_CERT_USER, p->email, p->name)) != 0 ||
	    (r = sceau_identity_init(&b->device_idt, SCEAU_CERT_DEVICE, NULL,
	         p->device_label)) != 0)
		return r;
	return 0;
}

/* The three certificates, signed by the root key. */
static int
make_certs(struct boot *b, const struct sceau_bootstrap_params *p)
{
	struct sceau_cert c;
	size_t i;
	int r;

	for (i = 0; i < 3; i++) {
		if ((b->env[i] = sceau_buf_new()) == NULL ||
		    (b->idt[i] = sceau_buf_new()) == NULL)
			return SCEAU_ERR_ALLOC;
	}
	cert_header(b, &c, SCEAU_CERT_ORG, 1, NULL);
	sceau_sign_public(b->root, c.root_verify_key);
	c.org_flags =
	    p->allow_profile_change ? SCEAU_ORG_FLAG_PROFILE_CHANGE : 0;
	if (b->anchors != NULL) {
		c.x509_list = sceau_buf_ptr(b->anchors);
		c.x509_list_len = sceau_buf_len(b->anchors);
	}
	if ((r = sceau_cert_sign(&c, b->root, b->env[0])) != 0)
		return r;
	cert_header(b, &c, SCEAU_CERT_USER, 2, c.hash);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", b->user_id);
	c.profile = SCEAU_PROFILE_ADMIN;
	if (b->token != NULL) {
		(void)snprintf(c.enc_alg, sizeof(c.enc_alg), "x509");
		memcpy(c.enc_key, b->enc_x509, sizeof(b->enc_x509));
		c.enc_key_len = sizeof(b->enc_x509);
	} else {
		(void)snprintf(c.enc_alg, sizeof(c.enc_alg), "x25519");
		sceau_box_public(b->user_key, c.enc_key);
		c.enc_key_len = SCEAU_BOX_PUBLIC_LEN;
	}
	if ((r = sceau_identity_hash(&b->user_idt, c.identity_hash)) != 0 ||
	    (r = sceau_identity_encode(&b->user_idt, b->idt[1])) != 0 ||
	    (r = sceau_cert_sign(&c, b->root, b->env[1])) != 0)
		return r;
	cert_header(b, &c, SCEAU_CERT_DEVICE, 3, c.hash);
	(void)snprintf(c.device_id, sizeof(c.device_id), "%s", b->device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", b->user_id);
	sceau_sign_public(b->device_key, c.verify_key);
	if (b->binding != NULL) {
		c.x509_list = sceau_buf_ptr(b->binding);
		c.x509_list_len = sceau_buf_len(b->binding);
	}
	if ((r = sceau_identity_hash(&b->device_idt, c.identity_hash)) != 0 ||
	    (r = sceau_identity_encode(&b->device_idt, b->idt[2])) != 0 ||
	    (r = sceau_cert_sign(&c, b->root, b->env[2])) != 0)
		return r;
	return 0;
}

static json_t *
b64_or_null(const struct sceau_buf *b)
{
	char *s;
	json_t *j;

	if (sceau_buf_len(b) == 0)
		return json_null();
	if ((s = sceau_enc_b64(
	         sceau_buf_ptr(b), sceau_buf_len(b), SCEAU_B64_STD)) == NULL)
		return NULL;
	j = json_string(s);
	sceau_free(s);
	return j;
}

static int
build_request(struct boot *b, json_t **reqp)
{
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN];
	json_t *req, *certs, *idts;
	size_t i;

	*reqp = NULL;
	sceau_sign_public(b->root, root_vk);
	req = json_object();
	certs = json_array();
	idts = json_array();
	if (req == NULL || certs == NULL || idts == NULL ||
	    json_object_set_new(req, "certificates", certs) != 0 ||
	    json_object_set_new(req, "identities", idts) != 0 ||
	    sceau_json_set_string(req, "token", b->link.token) != 0 ||
	    sceau_json_set_b64(req, "root_verify_key", root_vk, sizeof(root_vk),
	        SCEAU_B64_STD) != 0)
		goto fail;
	for (i = 0; i < 3; i++) {
		if (json_array_append_new(certs, b64_or_null(b->env[i])) != 0 ||
		    json_array_append_new(idts, b64_or_null(b->idt[i])) != 0)
			goto fail;
	}
	*reqp = req;
	return 0;
fail:
	json_decref(req);
	return SCEAU_ERR_ALLOC;
}

static int
register_with_server(struct boot *b, struct sceau_http *h)
{
	char path[SCEAU_ORG_ID_MAX + 32];
	json_t *req = NULL, *resp = NULL;
	int r;

	if ((r = build_request(b, &req)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "/v1/%s/bootstrap", b->link.org_id);
	r = sceau_http_json(h, "POST", path, req, &resp);
	json_decref(req);
	json_decref(resp);
	return r;
}

/* Writes the root key for offline keeping: its seed in hex, mode 0600. */
static int
write_root_key(const struct boot *b, const char *path)
{
	uint8_t seed[SCEAU_SIGN_SEED_LEN];
	struct sceau_buf *out;
	int r;

	if ((out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	sceau_sign_seed(b->root, seed);
	if ((r = sceau_buf_putf(
	         out, "sceau-root-key-v1 %s ", b->link.org_id)) == 0 &&
	    (r = sceau_enc_hex_put(out, seed, sizeof(seed))) == 0 &&
	    (r = sceau_buf_put(out, "\n", 1)) == 0)
		r = sceau_buf_write_file_atomic(path, 0600, out);
	sceau_memzero(seed, sizeof(seed));
	sceau_buf_free(out);
	return r;
}

/* Key file, and the store with the three certificates. */
static int
save_device(struct boot *b, const struct sceau_bootstrap_params *p,
    const struct sceau_client_opts *opts, const char *base_url)
{
	struct sceau_store *st = NULL;
	size_t i;
	int r;

	(void)snprintf(
	    b->info.server_url, sizeof(b->info.server_url), "%s", base_url);
	(void)snprintf(
	    b->info.org_id, sizeof(b->info.org_id), "%s", b->link.org_id);
	memcpy(b->info.user_id, b->user_id, sizeof(b->user_id));
	memcpy(b->info.device_id, b->device_id, sizeof(b->device_id));
	(void)snprintf(b->info.device_label, sizeof(b->info.device_label), "%s",
	    p->device_label);
	sceau_sign_public(b->root, b->info.root_verify_key);
	b->info.created = sceau_client_now_us();
	if ((r = sceau_client_create_device(&b->info, b->device_key,
	         b->user_key, p->auth, opts, &st)) != 0)
		return r;
	for (i = 0; i < 3 && r == 0; i++)
		r = sceau_store_cert_put(st, i + 1, sceau_buf_ptr(b->env[i]),
		    sceau_buf_len(b->env[i]),
		    i == 0 ? NULL : sceau_buf_ptr(b->idt[i]),
		    sceau_buf_len(b->idt[i]), 0);
	sceau_store_close(st);
	return r;
}

static int
connect_anonymous(struct boot *b, const struct sceau_client_opts *opts,
    struct sceau_buf *url, struct sceau_http **hp)
{
	struct sceau_http_opts ho = {0};
	char *s;
	int r;

	if ((r = sceau_link_base_url(&b->link.server, url)) != 0)
		return r;
	if (opts != NULL) {
		ho.ca_file = opts->ca_file;
		ho.allow_insecure_http = opts->allow_insecure_http;
	}
	if ((s = sceau_buf_dup_cstring(url)) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_http_new(s, &ho, hp);
	sceau_free(s);
	return r;
}

int
sceau_client_bootstrap(const struct sceau_bootstrap_params *p,
    const struct sceau_client_opts *opts, struct sceau_client **cp)
{
	struct sceau_http *h = NULL;
	struct sceau_buf *url = NULL;
	struct boot *b;
	char *base = NULL;
	int r;

	*cp = NULL;
	if ((b = sceau_calloc(1, sizeof(*b))) == NULL ||
	    (url = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_link_parse(p->link, &b->link)) != 0)
		goto out;
	if (b->link.action != SCEAU_LINK_BOOTSTRAP_ORGANIZATION) {
		sceau_message(
		    "this link is not an organization bootstrap link");
		r = SCEAU_ERR_BAD_LINK;
		goto out;
	}
	if (p->auth != NULL && p->auth->kind == SCEAU_KEYFILE_TOKEN)
		b->token = p->auth->token;
	if ((r = make_pki(b, p)) != 0 || (r = make_keys(b, p)) != 0 ||
	    (r = make_certs(b, p)) != 0 ||
	    (r = connect_anonymous(b, opts, url, &h)) != 0)
		goto out;
	if ((base = sceau_buf_dup_cstring(url)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	/*
	 * Everything is saved before the server hears of it: once the token
	 * is consumed, this device is the only way into the organization.
	 */
	if ((p->root_key_out != NULL &&
	        (r = write_root_key(b, p->root_key_out)) != 0) ||
	    (r = save_device(b, p, opts, base)) != 0)
		goto out;
	if ((r = register_with_server(b, h)) != 0) {
		client_forget_device(b->link.org_id, b->device_id);
		goto out;
	}
	r = sceau_client_open(b->link.org_id, b->device_id, p->auth, opts, cp);
	b->token = NULL; /* the client's now, opened or not */
out:
	/* A token given and not passed on is closed here, as documented. */
	if (b != NULL && b->token != NULL)
		sceau_token_close(b->token);
	sceau_free(base);
	sceau_buf_free(url);
	sceau_http_free(h);
	if (b != NULL) {
		boot_clear(b);
		sceau_free(b);
	}
	return r;
}
