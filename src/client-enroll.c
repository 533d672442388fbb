/*
 * client-enroll.c: PKI enrollment, client side (client-enroll.h,
 * doc/enrollment.md).
 *
 * A requester's waiting device is a key file protected by its card, with
 * the root key left zero until the organization accepts it, and beside it
 * "enroll.json": the request id, the poll secret, and the anchors this
 * computer trusts, which decide at the end whether the organization that
 * answers is one the person's PKI vouches for.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "client-enroll.h"
#include "client-internal.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "json.h"
#include "paths.h"
#include "random.h"
#include "secmem.h"
#include "token.h"

#define PATH_LEN 256
#define ENROLL_STATE_FILE SCEAU_PATHS_ENROLL_FILE
#define ENROLL_STATE_MAX (256 * 1024)

/* --------------------------------------------------------- admin side */

int
sceau_client_enroll_link(struct sceau_client *c, uint64_t lifetime_s,
    char link[SCEAU_LINK_MAX + 1], uint64_t *expires_us)
{
	char path[PATH_LEN];
	json_t *req, *resp = NULL;
	int64_t exp;
	const char *l;
	int r;

	(void)snprintf(path, sizeof(path), "/v1/%s/enrollment",
	    sceau_client_info(c)->org_id);
	if ((req = json_pack("{s:I}", "lifetime", (json_int_t)lifetime_s)) ==
	    NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_http_json(sceau_client_http(c), "POST", path, req, &resp);
	json_decref(req);
	if (r == 0 &&
	    (sceau_json_get_string(resp, "link", SCEAU_LINK_MAX, &l) != 0 ||
	        sceau_json_get_int(resp, "expires", 0, INT64_MAX, &exp) != 0)) {
		sceau_message("malformed reply to the enrollment link");
		r = SCEAU_ERR_PROTOCOL;
	}
	if (r == 0) {
		(void)snprintf(link, SCEAU_LINK_MAX + 1, "%s", l);
		*expires_us = (uint64_t)exp;
	}
	json_decref(resp);
	return r;
}

/* The card's signature, the payload, the email, the certificate's PKI. */
static int
check_request(struct sceau_client *c, const struct sceau_client_opts *opts,
    struct sceau_enroll_item *it)
{
	struct sceau_x509_result *res = NULL;
	struct sceau_x509_trust *t = NULL;
	struct sceau_x509 *leaf = NULL;
	struct sceau_buf *tbs = NULL;
	struct sceau_enroll_env e;
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = sceau_enroll_open(sceau_buf_ptr(it->request),
	         sceau_buf_len(it->request), &e)) != 0 ||
	    (r = sceau_x509_parse_der(e.leaf, e.leaf_len, &leaf)) != 0)
		return SCEAU_ERR_DATA_TAMPERED;
	if (sceau_x509_subject(leaf, it->subject, sizeof(it->subject)) != 0 ||
	    sceau_x509_issuer(leaf, it->issuer, sizeof(it->issuer)) != 0 ||
	    sceau_x509_serial(leaf, it->serial, sizeof(it->serial)) != 0)
		sceau_message_clear(); /* shown as "" */
	if ((tbs = sceau_buf_new()) == NULL ||
	    (res = sceau_calloc(1, sizeof(*res))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_enroll_tbs(e.payload, e.payload_len, tbs)) != 0 ||
	    sceau_x509_verify_signature(leaf, e.alg, sceau_buf_ptr(tbs),
	        sceau_buf_len(tbs), e.sig, e.sig_len) != 0 ||
	    sceau_enroll_decode(&e, &it->req) != 0 ||
	    strcmp(it->req.org_id, sceau_client_info(c)->org_id) != 0 ||
	    !sceau_x509_has_email(leaf, it->req.email)) {
		/* Whatever the server said, this request is not the card's. */
		it->pki_code = SCEAU_ERR_SIGNATURE_INVALID;
		(void)snprintf(it->pki_reason, sizeof(it->pki_reason),
		    "the card's signature, or its email, does not match");
		r = 0;
		goto out;
	}
	it->sig_ok = 1;
	if (!sceau_chain_x509_anchors(c->chain, &p, &n)) {
		it->pki_code = SCEAU_ERR_CERT_UNTRUSTED;
		(void)snprintf(it->pki_reason, sizeof(it->pki_reason),
		    "the organization names no PKI trust anchors");
		goto out;
	}
	if ((r = client_pki_trust(
	         p, n, e.x509_list, e.x509_list_len, opts, &t)) != 0)
		goto out;
	it->pki_code =
	    sceau_x509_verify(t, e.leaf, e.leaf_len, NULL, NULL, 0, res);
	(void)snprintf(it->pki_reason, sizeof(it->pki_reason), "%s",
	    it->pki_code == 0 ? "valid" : res->reason);
	it->crl = res->crl_status;
	it->ocsp = res->ocsp_status;
	sceau_message_clear();
out:
	sceau_x509_trust_free(t);
	sceau_free(res);
	sceau_buf_free(tbs);
	sceau_x509_free(leaf);
	return r;
}

void
sceau_client_enroll_items_free(struct sceau_enroll_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		sceau_buf_free(items[i].request);
	sceau_free(items);
}

static int
item_from_json(struct sceau_client *c, const struct sceau_client_opts *opts,
    const json_t *o, struct sceau_enroll_item *it)
{
	const char *id;
	int64_t created;

	if (sceau_json_get_string(o, "request_id", SCEAU_ID_LEN, &id) != 0 ||
	    !sceau_cert_id_valid(id) ||
	    sceau_json_get_int(o, "created", 0, INT64_MAX, &created) != 0 ||
	    (it->request = sceau_buf_new()) == NULL ||
	    sceau_json_get_b64(o, "request", SCEAU_B64_STD, SCEAU_ENROLL_MAX,
	        it->request) != 0) {
		sceau_message("malformed enrollment request from the server");
		return SCEAU_ERR_PROTOCOL;
	}
	memcpy(it->request_id, id, SCEAU_ID_LEN + 1);
	it->created_us = (uint64_t)created;
	return check_request(c, opts, it);
}

int
sceau_client_enroll_list(struct sceau_client *c,
    const struct sceau_client_opts *opts, struct sceau_enroll_item **items,
    size_t *n)
{
	char path[PATH_LEN];
	json_t *resp = NULL, *arr;
	size_t i, m;
	int r;

	*items = NULL;
	*n = 0;
	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	(void)snprintf(
	    path, sizeof(path), "/v1/%s/enroll", sceau_client_info(c)->org_id);
	if ((r = sceau_http_json(
	         sceau_client_http(c), "GET", path, NULL, &resp)) != 0)
		return r;
	if (sceau_json_get_array(resp, "requests", 10000, &arr) != 0) {
		json_decref(resp);
		return SCEAU_ERR_PROTOCOL;
	}
	m = json_array_size(arr);
	if (m > 0 && (*items = sceau_calloc(m, sizeof(**items))) == NULL) {
		json_decref(resp);
		return SCEAU_ERR_ALLOC;
	}
	for (i = 0; i < m && r == 0; i++)
		r = item_from_json(
		    c, opts, json_array_get(arr, i), &(*items)[i]);
	json_decref(resp);
	if (r != 0) {
		sceau_client_enroll_items_free(*items, m);
		*items = NULL;
		return r;
	}
	*n = m;
	return 0;
}

static int
decide(struct sceau_client *c, const char *id, const char *decision,
    const char *reason)
{
	char path[PATH_LEN];
	json_t *req, *resp = NULL;
	int r;

	if (!sceau_cert_id_valid(id)) {
		sceau_message("%s: not a request id", id);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	(void)snprintf(path, sizeof(path), "/v1/%s/enroll/%s/decide",
	    sceau_client_info(c)->org_id, id);
	if ((req = json_pack("{s:s, s:s}", "decision", decision, "reason",
	         reason != NULL ? reason : "")) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_http_json(sceau_client_http(c), "POST", path, req, &resp);
	json_decref(req);
	json_decref(resp);
	return r;
}

/* The user and device of an accepted request, bound to its card. */
static int
admit(struct sceau_client *c, const struct sceau_enroll_item *it,
    enum sceau_profile profile)
{
	struct sceau_new_member m;
	struct sceau_enroll_env e;
	int r;

	if ((r = sceau_enroll_open(sceau_buf_ptr(it->request),
	         sceau_buf_len(it->request), &e)) != 0)
		return r;
	memset(&m, 0, sizeof(m));
	memcpy(m.user_id, it->req.user_id, sizeof(m.user_id));
	m.email = it->req.email;
	m.name = it->req.name;
	m.profile = profile;
	memcpy(m.device_id, it->req.device_id, sizeof(m.device_id));
	m.device_label = it->req.label;
	memcpy(m.verify_key, it->req.device_vk, sizeof(m.verify_key));
	m.x509_list = e.x509_list;
	m.x509_list_len = e.x509_list_len;
	memcpy(m.enc_x509, it->req.leaf_fingerprint, SCEAU_CERT_HASH_LEN);
	m.enc_x509[SCEAU_CERT_HASH_LEN] = it->req.wrap_alg;
	return sceau_client_add_member(c, &m);
}

int
sceau_client_enroll_accept(struct sceau_client *c,
    const struct sceau_client_opts *opts, const char *id,
    enum sceau_profile profile)
{
	struct sceau_enroll_item *items;
	size_t i, n;
	int r;

	if ((r = sceau_client_enroll_list(c, opts, &items, &n)) != 0)
		return r;
	for (i = 0; i < n && strcmp(items[i].request_id, id) != 0; i++)
		;
	if (i == n) {
		sceau_message("no pending request %s", id);
		r = SCEAU_ERR_NOT_FOUND;
	} else if (!items[i].sig_ok) {
		sceau_message("request %s: %s", id, items[i].pki_reason);
		r = SCEAU_ERR_SIGNATURE_INVALID;
	} else if (items[i].pki_code != 0) {
		sceau_message("request %s: %s: %s", id, items[i].subject,
		    items[i].pki_reason);
		r = items[i].pki_code;
	} else if ((r = admit(c, &items[i], profile)) == 0) {
		r = decide(c, id, "accepted", "");
	}
	sceau_client_enroll_items_free(items, n);
	return r;
}

int
sceau_client_enroll_reject(
    struct sceau_client *c, const char *id, const char *reason)
{
	return decide(c, id, "rejected", reason);
}

/* ----------------------------------------------------- requester side */

struct submit {
	struct sceau_link link;
	struct sceau_signkey *device_key;
	struct sceau_enroll_req req;
	uint8_t secret[SCEAU_ENROLL_SECRET_LEN];
	struct sceau_buf *list, *anchors, *env;
	struct sceau_keyfile_info info;
};

static void
submit_free(struct submit *s)
{
	sceau_sign_free(s->device_key);
	sceau_buf_free(s->list);
	sceau_buf_free(s->anchors);
	sceau_buf_free(s->env);
	sceau_link_clear(&s->link);
	sceau_memzero(s, sizeof(*s));
}

/* The email of the card's certificate (the request must name it). */
static int
card_email(const uint8_t *der, size_t len, char email[SCEAU_EMAIL_MAX + 1])
{
	struct sceau_x509 *x;
	int r;

	if ((r = sceau_x509_parse_der(der, len, &x)) != 0)
		return r;
	r = sceau_x509_email(x, email);
	sceau_x509_free(x);
	if (r != 0)
		sceau_message("the card's certificate names no email");
	return r;
}

/* The request, signed on the card, into s->env. */
static int
submit_make(const struct sceau_enroll_params *p, struct submit *s)
{
	struct sceau_buf *payload = NULL, *tbs = NULL, *sig = NULL;
	struct sceau_enroll_req *q = &s->req;
	const uint8_t *der;
	const char *alg = NULL;
	size_t len;
	int r, wrap = 0;

	if ((s->list = sceau_buf_new()) == NULL ||
	    (s->anchors = sceau_buf_new()) == NULL ||
	    (s->env = sceau_buf_new()) == NULL ||
	    (payload = sceau_buf_new()) == NULL ||
	    (tbs = sceau_buf_new()) == NULL ||
	    (sig = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_x509_load_bundle(p->pki_anchors, s->anchors)) != 0 ||
	    (r = client_card_list(p->token, p->pki_intermediates, s->list)) !=
	        0 ||
	    (r = sceau_token_certificate(p->token, &der, &len)) != 0 ||
	    (r = sceau_hash_sha256(der, len, q->leaf_fingerprint)) != 0 ||
	    (r = sceau_token_oaep_probe(p->token, &wrap)) != 0 ||
	    (r = card_email(der, len, q->email)) != 0 ||
	    (r = sceau_sign_generate(&s->device_key)) != 0 ||
	    (r = sceau_cert_new_id(q->user_id)) != 0 ||
	    (r = sceau_cert_new_id(q->device_id)) != 0 ||
	    (r = sceau_random_bytes(s->secret, sizeof(s->secret))) != 0 ||
	    (r = sceau_hash_sha256(
	         s->secret, sizeof(s->secret), q->poll_hash)) != 0)
		goto out;
	(void)snprintf(q->org_id, sizeof(q->org_id), "%s", s->link.org_id);
	q->timestamp = sceau_client_now_us();
	(void)snprintf(q->name, sizeof(q->name), "%s", p->name);
	(void)snprintf(q->label, sizeof(q->label), "%s", p->device_label);
	sceau_sign_public(s->device_key, q->device_vk);
	q->wrap_alg = (uint8_t)wrap;
	if ((r = sceau_enroll_encode_payload(q, payload)) != 0 ||
	    (r = sceau_enroll_tbs(
	         sceau_buf_ptr(payload), sceau_buf_len(payload), tbs)) != 0 ||
	    (r = sceau_token_sign(p->token, sceau_buf_ptr(tbs),
	         sceau_buf_len(tbs), sig, &alg)) != 0)
		goto out;
	r = sceau_enroll_seal(sceau_buf_ptr(s->list), sceau_buf_len(s->list),
	    sceau_buf_ptr(payload), sceau_buf_len(payload), alg,
	    sceau_buf_ptr(sig), sceau_buf_len(sig), s->env);
out:
	sceau_buf_free(payload);
	sceau_buf_free(tbs);
	sceau_buf_free(sig);
	return r;
}

/* Posts the request; the server's id into request_id. */
static int
submit_post(struct submit *s, const struct sceau_client_opts *opts,
    char request_id[SCEAU_ID_LEN + 1])
{
	struct sceau_http_opts ho = {0};
	struct sceau_http *h = NULL;
	struct sceau_buf *url;
	char path[PATH_LEN];
	const char *id;
	json_t *req = NULL, *resp = NULL;
	int r;

	if ((url = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (opts != NULL) {
		ho.ca_file = opts->ca_file;
		ho.allow_insecure_http = opts->allow_insecure_http;
	}
	if ((r = sceau_link_base_url(&s->link.server, url)) != 0 ||
	    (r = sceau_buf_put_u8(url, 0)) != 0 ||
	    (r = sceau_http_new((const char *)sceau_buf_ptr(url), &ho, &h)) !=
	        0)
		goto out;
	(void)snprintf(s->info.server_url, sizeof(s->info.server_url), "%s",
	    sceau_http_base_url(h));
	(void)snprintf(path, sizeof(path), "/v1/%s/enroll", s->link.org_id);
	if ((req = json_object()) == NULL ||
	    sceau_json_set_string(req, "token", s->link.token) != 0 ||
	    sceau_json_set_b64(req, "request", sceau_buf_ptr(s->env),
	        sceau_buf_len(s->env), SCEAU_B64_STD) != 0) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_http_json(h, "POST", path, req, &resp)) != 0)
		goto out;
	if (sceau_json_get_string(resp, "request_id", SCEAU_ID_LEN, &id) != 0 ||
	    !sceau_cert_id_valid(id)) {
		sceau_message("malformed reply to the enrollment request");
		r = SCEAU_ERR_PROTOCOL;
		goto out;
	}
	memcpy(request_id, id, SCEAU_ID_LEN + 1);
out:
	json_decref(req);
	json_decref(resp);
	sceau_http_free(h);
	sceau_buf_free(url);
	return r;
}

/* enroll.json: request id, poll secret, the anchors trusted here. */
static int
state_write(const struct submit *s, const char *request_id)
{
	char path[SCEAU_PATHS_MAX];
	struct sceau_buf *b = NULL;
	json_t *j;
	int r;

	if ((r = sceau_paths_device_file(s->info.org_id, s->info.device_id,
	         ENROLL_STATE_FILE, 1, path)) != 0)
		return r;
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "request_id", request_id) != 0 ||
	    sceau_json_set_b64(j, "secret", s->secret, sizeof(s->secret),
	        SCEAU_B64_STD) != 0 ||
	    sceau_json_set_b64(j, "anchors", sceau_buf_ptr(s->anchors),
	        sceau_buf_len(s->anchors), SCEAU_B64_STD) != 0 ||
	    (b = sceau_buf_new()) == NULL || sceau_json_dump(j, b) != 0)
		r = SCEAU_ERR_ALLOC;
	else
		r = sceau_buf_write_file_atomic(path, 0600, b);
	json_decref(j);
	sceau_buf_free(b);
	return r;
}

int
sceau_enroll_submit(const struct sceau_enroll_params *p,
    const struct sceau_client_opts *opts, char org[SCEAU_ORG_ID_MAX + 1],
    char request_id[SCEAU_ID_LEN + 1])
{
	struct sceau_keyfile_auth auth;
	struct submit *s;
	int r;

	if (p->token == NULL || p->token_uri == NULL || p->name == NULL ||
	    p->device_label == NULL || p->pki_anchors == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_link_parse(p->link, &s->link)) != 0)
		goto out;
	if (s->link.action != SCEAU_LINK_ENROLL) {
		sceau_message("this link is not an enrollment link");
		r = SCEAU_ERR_BAD_LINK;
		goto out;
	}
	if ((r = submit_make(p, s)) != 0 ||
	    (r = submit_post(s, opts, request_id)) != 0)
		goto out;
	/* The waiting device: its key file under the card, root key zero. */
	(void)snprintf(
	    s->info.org_id, sizeof(s->info.org_id), "%s", s->link.org_id);
	memcpy(s->info.user_id, s->req.user_id, sizeof(s->info.user_id));
	memcpy(s->info.device_id, s->req.device_id, sizeof(s->info.device_id));
	(void)snprintf(s->info.device_label, sizeof(s->info.device_label), "%s",
	    p->device_label);
	s->info.created = sceau_client_now_us();
	memset(&auth, 0, sizeof(auth));
	auth.kind = SCEAU_KEYFILE_TOKEN;
	auth.token = p->token;
	auth.token_uri = p->token_uri;
	if ((r = sceau_client_create_device(
	         &s->info, s->device_key, NULL, &auth, opts, NULL)) != 0 ||
	    (r = state_write(s, request_id)) != 0) {
		client_forget_device(s->info.org_id, s->info.device_id);
		goto out;
	}
	(void)snprintf(org, SCEAU_ORG_ID_MAX + 1, "%s", s->link.org_id);
out:
	submit_free(s);
	sceau_free(s);
	return r;
}

/* ------------------------------------------------------------- finish */

struct finish {
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
	char request_id[SCEAU_ID_LEN + 1];
	uint8_t secret[SCEAU_ENROLL_SECRET_LEN];
	struct sceau_buf *anchors;
	struct sceau_keyfile_info info;
};

static int
state_read(struct finish *f)
{
	char path[SCEAU_PATHS_MAX];
	struct sceau_buf *b;
	const char *id;
	json_t *j = NULL;
	int r;

	if ((r = sceau_paths_device_file(
	         f->org, f->device, ENROLL_STATE_FILE, 0, path)) != 0)
		return r;
	if (access(path, F_OK) != 0) {
		sceau_message("this device waits for no enrollment");
		return SCEAU_ERR_NOT_FOUND;
	}
	if ((b = sceau_buf_new()) == NULL ||
	    (f->anchors = sceau_buf_new()) == NULL) {
		sceau_buf_free(b);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = sceau_buf_load_file(path, ENROLL_STATE_MAX, b)) == 0 &&
	    (r = sceau_json_parse_buf(b, NULL, &j)) == 0 &&
	    ((r = sceau_json_get_string(j, "request_id", SCEAU_ID_LEN, &id)) !=
	            0 ||
	        (r = sceau_json_get_b64_fixed(j, "secret", SCEAU_B64_STD,
	             f->secret, sizeof(f->secret))) != 0 ||
	        (r = sceau_json_get_b64(j, "anchors", SCEAU_B64_STD,
	             ENROLL_STATE_MAX, f->anchors)) != 0)) {
		sceau_message("%s is damaged", path);
		r = SCEAU_ERR_STORE_CORRUPT;
	}
	if (r == 0)
		memcpy(f->request_id, id, SCEAU_ID_LEN + 1);
	json_decref(j);
	sceau_buf_free(b);
	return r;
}

/* The server's decision, asked with the poll secret. */
static int
poll_status(struct finish *f, const struct sceau_client_opts *opts,
    enum sceau_enroll_state *state, char *reason, size_t reason_size)
{
	struct sceau_http_opts ho = {0};
	struct sceau_http *h = NULL;
	char path[PATH_LEN];
	const char *st, *why = "";
	json_t *req = NULL, *resp = NULL;
	int r;

	if (opts != NULL) {
		ho.ca_file = opts->ca_file;
		ho.allow_insecure_http = opts->allow_insecure_http;
	}
	if ((r = sceau_http_new(f->info.server_url, &ho, &h)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "/v1/%s/enroll/status", f->org);
	if ((req = json_object()) == NULL ||
	    sceau_json_set_string(req, "request_id", f->request_id) != 0 ||
	    sceau_json_set_b64(req, "secret", f->secret, sizeof(f->secret),
	        SCEAU_B64_STD) != 0) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_http_json(h, "POST", path, req, &resp)) != 0)
		goto out;
	if (sceau_json_get_string(resp, "status", 16, &st) != 0 ||
	    sceau_json_get_string_opt(resp, "reason", 256, &why) != 0) {
		r = SCEAU_ERR_PROTOCOL;
		goto out;
	}
	(void)snprintf(reason, reason_size, "%s", why);
	*state = strcmp(st, "accepted") == 0 ? SCEAU_ENROLL_ACCEPTED
	    : strcmp(st, "rejected") == 0    ? SCEAU_ENROLL_REJECTED
	                                     : SCEAU_ENROLL_PENDING;
out:
	json_decref(req);
	json_decref(resp);
	sceau_http_free(h);
	return r;
}

/*
 * The root key the organization names (its first certificate, asked as
 * this device, not yet trusted: the chain and the PKI check decide).
 */
static int
fetch_root(struct finish *f, struct sceau_token *token,
    const struct sceau_client_opts *opts, uint8_t root[SCEAU_SIGN_PUBLIC_LEN])
{
	struct sceau_keyfile_auth auth = {.kind = SCEAU_KEYFILE_TOKEN};
	struct sceau_keyfile_keys keys;
	struct sceau_client *tc = NULL;
	struct sceau_buf *env = NULL;
	struct sceau_cert cert;
	char path[SCEAU_PATHS_MAX];
	json_t *resp = NULL, *arr;
	int r;

	auth.token = token;
	if ((r = sceau_paths_device_file(
	         f->org, f->device, SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_open(path, &auth, &f->info, &keys)) != 0 ||
	    (r = sceau_client_open_keys(&f->info, &keys, opts, &tc)) != 0)
		return r;
	(void)snprintf(
	    path, sizeof(path), "/v1/%s/certificates?from=1", f->org);
	if ((r = sceau_http_json(
	         sceau_client_http(tc), "GET", path, NULL, &resp)) != 0)
		goto out;
	if (sceau_json_get_array(resp, "certificates", 100000, &arr) != 0 ||
	    json_array_size(arr) == 0 || (env = sceau_buf_new()) == NULL ||
	    sceau_json_get_b64(json_array_get(arr, 0), "certificate",
	        SCEAU_B64_STD, SCEAU_CERT_MAX, env) != 0 ||
	    sceau_cert_decode_trusted(
	        sceau_buf_ptr(env), sceau_buf_len(env), &cert) != 0 ||
	    cert.kind != SCEAU_CERT_ORG) {
		sceau_message("the organization's first certificate is missing "
		              "or malformed");
		r = SCEAU_ERR_PROTOCOL;
		goto out;
	}
	memcpy(root, cert.root_verify_key, SCEAU_SIGN_PUBLIC_LEN);
out:
	sceau_buf_free(env);
	json_decref(resp);
	sceau_client_close(tc);
	return r;
}

/*
 * This device's certificate was signed by an administrator's device bound
 * to a card whose certificate the anchors trusted here vouch for (now, and
 * not revoked): the PKI, not the server, says the organization is genuine.
 */
static int
check_vouched(struct sceau_client *c, const struct finish *f,
    const struct sceau_client_opts *opts)
{
	const struct sceau_chain_device *d, *ad;
	const struct sceau_chain_user *au;
	struct sceau_x509_result *res = NULL;
	struct sceau_x509_trust *t = NULL;
	struct sceau_buf *env = NULL;
	struct sceau_cert cert, l;
	const uint8_t *der;
	size_t pos = 0, len;
	int r;

	d = sceau_chain_device(sceau_client_chain(c), f->device);
	if (d == NULL || !d->token_bound || (env = sceau_buf_new()) == NULL ||
	    sceau_store_cert_get(sceau_client_store(c), d->created_index, env,
	        NULL, NULL) != 0 ||
	    sceau_cert_decode_trusted(
	        sceau_buf_ptr(env), sceau_buf_len(env), &cert) != 0 ||
	    (ad = sceau_chain_device(sceau_client_chain(c), cert.author)) ==
	        NULL ||
	    !ad->token_bound ||
	    (au = sceau_chain_user(sceau_client_chain(c), ad->user_id)) ==
	        NULL ||
	    au->profile != SCEAU_PROFILE_ADMIN) {
		sceau_buf_free(env);
		sceau_message("this device was not added by an administrator "
		              "with a card");
		return SCEAU_ERR_DATA_TAMPERED;
	}
	sceau_buf_free(env);
	memset(&l, 0, sizeof(l));
	l.x509_list = ad->x509_list;
	l.x509_list_len = ad->x509_list_len;
	if (!sceau_cert_x509_next(&l, &pos, &der, &len))
		return SCEAU_ERR_DATA_TAMPERED;
	if ((res = sceau_calloc(1, sizeof(*res))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = client_pki_trust(sceau_buf_ptr(f->anchors),
	         sceau_buf_len(f->anchors), ad->x509_list, ad->x509_list_len,
	         opts, &t)) == 0)
		r = sceau_x509_verify(t, der, len, NULL, NULL, 0, res);
	if (r != 0 && r != SCEAU_ERR_ALLOC) {
		sceau_message("the administrator who accepted you (%s) is not "
		              "vouched for by the PKI this computer trusts: %s",
		    res->subject, res->reason);
		r = SCEAU_ERR_DATA_TAMPERED;
	}
	sceau_x509_trust_free(t);
	sceau_free(res);
	return r;
}

static int
finish_accepted(struct finish *f, struct sceau_token *token,
    const struct sceau_client_opts *opts, struct sceau_client **cp)
{
	struct sceau_keyfile_auth auth = {.kind = SCEAU_KEYFILE_TOKEN};
	struct sceau_keyfile_keys keys;
	uint8_t root[SCEAU_SIGN_PUBLIC_LEN];
	char path[SCEAU_PATHS_MAX];
	int r;

	/* The token is consumed: the client's, or closed here. */
	auth.token = token;
	auth.token_uri = f->info.token_uri;
	if ((r = fetch_root(f, token, opts, root)) != 0 ||
	    (r = sceau_paths_device_file(
	         f->org, f->device, SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_open(path, &auth, &f->info, &keys)) != 0) {
		sceau_token_close(token);
		return r;
	}
	/* The root key goes in the key file; the chain is checked from it. */
	memcpy(f->info.root_verify_key, root, sizeof(root));
	auth.token_uri = f->info.token_uri;
	r = sceau_keyfile_write(path, &f->info, keys.device_key, NULL, &auth);
	sceau_keyfile_keys_free(&keys);
	if (r != 0) {
		sceau_token_close(token);
		return r;
	}
	if ((r = sceau_client_open(f->org, f->device, &auth, opts, cp)) != 0)
		return r;
	if ((r = sceau_client_refresh(*cp, NULL)) != 0 ||
	    (r = check_vouched(*cp, f, opts)) != 0) {
		sceau_client_close(*cp);
		*cp = NULL;
	}
	return r;
}

int
sceau_enroll_finish(const char *org, struct sceau_token *token,
    const struct sceau_client_opts *opts, enum sceau_enroll_state *state,
    char *reason, size_t reason_size, struct sceau_client **cp)
{
	struct sceau_paths_device d;
	char path[SCEAU_PATHS_MAX];
	struct finish *f;
	int r;

	*cp = NULL;
	*state = SCEAU_ENROLL_PENDING;
	reason[0] = '\0';
	if ((f = sceau_calloc(1, sizeof(*f))) == NULL) {
		sceau_token_close(token);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = sceau_paths_find_device(org, NULL, &d)) != 0)
		goto out;
	(void)snprintf(f->org, sizeof(f->org), "%s", d.org_id);
	(void)snprintf(f->device, sizeof(f->device), "%s", d.device_id);
	if ((r = sceau_paths_device_file(
	         f->org, f->device, SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_read_info(path, &f->info)) != 0 ||
	    (r = state_read(f)) != 0 ||
	    (r = poll_status(f, opts, state, reason, reason_size)) != 0)
		goto out;
	if (*state == SCEAU_ENROLL_REJECTED) {
		client_forget_device(f->org, f->device);
		goto out;
	}
	if (*state != SCEAU_ENROLL_ACCEPTED)
		goto out;
	r = finish_accepted(f, token, opts, cp);
	token = NULL; /* the client's (or closed by it) */
	if (r != 0) {
		client_forget_device(f->org, f->device);
		goto out;
	}
	if (sceau_paths_device_file(
	        f->org, f->device, ENROLL_STATE_FILE, 0, path) == 0)
		(void)unlink(path);
out:
	sceau_token_close(token);
	sceau_buf_free(f->anchors);
	sceau_memzero(f, sizeof(*f));
	sceau_free(f);
	return r;
}
