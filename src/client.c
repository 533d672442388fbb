/*
 * client.c: a device of an organization: open, refresh the chain from the
 * untrusted server, submit certificates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "client.h"
#include "client-internal.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "paths.h"
#include "secmem.h"
#include "token.h"
#include "hash.h"
#include "x509.h"

#define PAGE 1000
#define SUBMIT_TRIES 5
#define META_CA_FILE "ca_file"
#define META_LAST_CONTACT "last_contact"

uint64_t
sceau_client_now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
sceau_client_close(struct sceau_client *c)
{
	if (c == NULL)
		return;
	client_realm_keys_free(c);
	sceau_http_free(c->http);
	if (c->remote.free != NULL)
		c->remote.free(c->remote.arg);
	sceau_token_close(c->token);
	sceau_chain_free(c->chain);
	sceau_store_close(c->store);
	sceau_keyfile_keys_free(&c->keys);
	sceau_memzero(c, sizeof(*c));
	sceau_free(c);
}

const struct sceau_chain *
sceau_client_chain(const struct sceau_client *c)
{
	return c->chain;
}

const struct sceau_keyfile_info *
sceau_client_info(const struct sceau_client *c)
{
	return &c->info;
}

struct sceau_http *
sceau_client_http(struct sceau_client *c)
{
	return c->http;
}

struct sceau_store *
sceau_client_store(struct sceau_client *c)
{
	return c->store;
}

const struct sceau_keyfile_keys *
sceau_client_keys(const struct sceau_client *c)
{
	return &c->keys;
}

struct sceau_token *
sceau_client_token(const struct sceau_client *c)
{
	return c->token;
}

/* The signature on the token, over what sceau_cert_sign_token gives. */
static int
token_sign_cb(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	struct sceau_client *c = arg;
	const char *a = NULL;
	int r;

	if ((r = sceau_token_sign(c->token, tbs, n, sig, &a)) != 0)
		return r;
	(void)snprintf(alg, SCEAU_CERT_TOKEN_ALG_MAX + 1, "%s", a);
	return 0;
}

/* The same, by the process that holds the token (sceau-agent). */
static int
remote_token_sign_cb(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	struct sceau_client *c = arg;

	return c->remote.token_sign(c->remote.arg, tbs, n, alg, sig);
}

/*
 * How token-backed devices check their card's certificate as they
 * unlock (until workstation policy says it): CRLs fetched and checked
 * unless SCEAU_PKI_CRL_FETCH=0; SCEAU_PKI_OCSP=off|aia|URL (off);
 * SCEAU_PKI_SOFT_FAIL=1 accepts unreachable sources; SCEAU_PKI_REMOTE=1
 * fetches from hosts that are not loopback.
 */
void
sceau_client_pki_env(struct sceau_client_opts *co)
{
	const char *v;

	co->pki_no_crl_fetch =
	    (v = getenv("SCEAU_PKI_CRL_FETCH")) != NULL && strcmp(v, "0") == 0;
	co->pki_soft_fail =
	    (v = getenv("SCEAU_PKI_SOFT_FAIL")) != NULL && strcmp(v, "1") == 0;
	co->pki_remote_fetch =
	    (v = getenv("SCEAU_PKI_REMOTE")) != NULL && strcmp(v, "1") == 0;
	co->pki_ocsp = SCEAU_X509_OCSP_OFF;
	if ((v = getenv("SCEAU_PKI_OCSP")) == NULL || strcmp(v, "off") == 0)
		return;
	if (strcmp(v, "aia") == 0) {
		co->pki_ocsp = SCEAU_X509_OCSP_AIA;
	} else {
		co->pki_ocsp = SCEAU_X509_OCSP_URL;
		co->pki_ocsp_url = v;
	}
}

int
client_pki_trust(const uint8_t *anchors, size_t anchors_len,
    const uint8_t *list, size_t list_len, const struct sceau_client_opts *opts,
    struct sceau_x509_trust **tp)
{
	char cache[SCEAU_PATHS_MAX + 16];
	int r;

	/* The workstation's anchors, when its policy names them. */
	if (opts != NULL && opts->pki_anchors_file != NULL) {
		anchors = NULL;
		anchors_len = 0;
	}
	if ((r = sceau_x509_list_trust(
	         anchors, anchors_len, list, list_len, tp)) != 0)
		return r;
	if (opts != NULL && opts->pki_anchors_file != NULL &&
	    (r = sceau_x509_trust_add_anchors_file(
	         *tp, opts->pki_anchors_file)) != 0)
		return r;
	if (opts != NULL && opts->pki_crl_max_age_s != 0)
		sceau_x509_trust_set_crl_grace(*tp,
		    opts->pki_crl_max_age_s > INT64_MAX
		        ? INT64_MAX
		        : (int64_t)opts->pki_crl_max_age_s);
	sceau_x509_trust_set_usage(
	    *tp, SCEAU_X509_USAGE_SIGN | SCEAU_X509_USAGE_UNWRAP);
	sceau_x509_trust_set_soft_fail(
	    *tp, opts != NULL && opts->pki_soft_fail);
	sceau_x509_trust_set_remote_fetch(
	    *tp, opts != NULL && opts->pki_remote_fetch);
	if (opts == NULL || !opts->pki_no_crl_fetch) {
		if ((r = sceau_paths_data_dir(cache)) != 0)
			return r;
		(void)strncat(
		    cache, "/pki-cache", sizeof(cache) - strlen(cache) - 1);
		if ((r = sceau_x509_trust_set_crl_fetch(*tp, 1, cache, 0)) != 0)
			return r;
		sceau_x509_trust_set_crl_check(*tp, SCEAU_X509_CRL_CHECK_ALL);
	}
	if (opts != NULL && opts->pki_ocsp != SCEAU_X509_OCSP_OFF &&
	    (r = sceau_x509_trust_set_ocsp(*tp,
	         (enum sceau_x509_ocsp_mode)opts->pki_ocsp,
	         opts->pki_ocsp == SCEAU_X509_OCSP_URL ? opts->pki_ocsp_url
	                                               : NULL)) != 0)
		return r;
	return 0;
}

int
client_card_list(
    struct sceau_token *t, const char *intermediates, struct sceau_buf *out)
{
	const uint8_t *ders[SCEAU_CERT_X509_MAX], *der;
	size_t lens[SCEAU_CERT_X509_MAX], n = 1, pos = 0;
	struct sceau_buf *more = NULL;
	struct sceau_cert l;
	int r;

	if ((r = sceau_token_certificate(t, &ders[0], &lens[0])) != 0)
		return r;
	memset(&l, 0, sizeof(l));
	if (intermediates != NULL) {
		if ((more = sceau_buf_new()) == NULL)
			return SCEAU_ERR_ALLOC;
		if ((r = sceau_x509_load_bundle(intermediates, more)) != 0) {
			sceau_buf_free(more);
			return r;
		}
		l.x509_list = sceau_buf_ptr(more);
		l.x509_list_len = sceau_buf_len(more);
		while (n < SCEAU_CERT_X509_MAX &&
		    sceau_cert_x509_next(&l, &pos, &der, &lens[n]))
			ders[n++] = der;
	}
	r = sceau_cert_x509_encode(ders, lens, n, out);
	sceau_buf_free(more);
	return r;
}

/* The trust a card's certificate is checked against, as opts say. */
static int
token_trust(struct sceau_client *c, const struct sceau_chain_device *d,
    const struct sceau_client_opts *opts, struct sceau_x509_trust **tp)
{
	const uint8_t *p;
	size_t n;

	p = NULL;
	n = 0;
	if (!sceau_chain_x509_anchors(c->chain, &p, &n) &&
	    (opts == NULL || opts->pki_anchors_file == NULL)) {
		sceau_message("the organization names no PKI trust anchors");
		return SCEAU_ERR_CERT_UNTRUSTED;
	}
	return client_pki_trust(p, n, d->x509_list, d->x509_list_len, opts, tp);
}

int
sceau_client_token_check(struct sceau_client *c,
    const struct sceau_client_opts *opts, struct sceau_x509_result *res)
{
	const struct sceau_chain_device *d;
	struct sceau_x509_result *own = NULL;
	struct sceau_x509_trust *t = NULL;
	uint8_t fp[SCEAU_CERT_HASH_LEN];
	const uint8_t *der;
	size_t len;
	int r;

	if (c->token == NULL)
		return 0;
	d = sceau_chain_device(c->chain, c->info.device_id);
	if (d == NULL || !d->token_bound) {
		sceau_message("this device is not bound to a card in the "
		              "organization's records");
		return SCEAU_ERR_KEY_INVALID;
	}
	if ((r = sceau_token_certificate(c->token, &der, &len)) != 0 ||
	    (r = sceau_hash_sha256(der, len, fp)) != 0)
		return r;
	if (sceau_timingsafe_bcmp(fp, d->x509_fingerprint, sizeof(fp)) != 0) {
		sceau_message("this card is not the one this device is bound "
		              "to");
		return SCEAU_ERR_KEY_INVALID;
	}
	if (res == NULL && (res = own = sceau_calloc(1, sizeof(*own))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = token_trust(c, d, opts, &t)) == 0)
		r = sceau_x509_verify(t, der, len, NULL, NULL, 0, res);
	sceau_x509_trust_free(t);
	sceau_free(own);
	return r;
}

sceau_cert_token_signer
client_token_signer(struct sceau_client *c, int *r)
{
	const struct sceau_chain_device *d = c->chain != NULL
	    ? sceau_chain_device(c->chain, c->info.device_id)
	    : NULL;

	*r = 0;
	if (d == NULL || !d->token_bound)
		return NULL;
	if (c->remote.sign != NULL)
		return remote_token_sign_cb;
	if (c->token == NULL) {
		sceau_message("this device acts with its token: unlock it "
		              "with the token");
		*r = SCEAU_ERR_TOKEN_NOT_LOGGED_IN;
		return NULL;
	}
	return token_sign_cb;
}

const struct sceau_chain_user *
sceau_client_self(const struct sceau_client *c)
{
	return sceau_chain_user(c->chain, c->info.user_id);
}

/* ------------------------------------------------------------- opening */

static int
replay_cb(void *arg, uint64_t index, const uint8_t *env, size_t n,
    const uint8_t *identity, size_t idn, uint64_t server_time)
{
	struct sceau_client *c = arg;
	int r;

	(void)identity;
	(void)idn;
	/* Our own validated copy: the signatures were checked when stored. */
	if ((r = sceau_chain_append_trusted(
	         c->chain, env, n, server_time, NULL)) != 0) {
		sceau_message("local store: certificate %llu no longer "
		              "validates",
		    (unsigned long long)index);
		return SCEAU_ERR_STORE_CORRUPT;
	}
	return 0;
}

/* The CA file: the caller's, else the one remembered at bootstrap. */
static int
connect_http(struct sceau_client *c, const struct sceau_client_opts *opts)
{
	struct sceau_http_opts ho = {0};
	struct sceau_buf *ca = NULL;
	char *ca_file = NULL;
	int r;

	if (opts != NULL) {
		ho.ca_file = opts->ca_file;
		ho.allow_insecure_http = opts->allow_insecure_http;
	}
	if (ho.ca_file == NULL) {
		if ((ca = sceau_buf_new()) == NULL)
			return SCEAU_ERR_ALLOC;
		if (sceau_store_meta_get(c->store, META_CA_FILE, ca) == 0 &&
		    sceau_buf_len(ca) > 0)
			ca_file = sceau_buf_dup_cstring(ca);
		ho.ca_file = ca_file;
	}
	if ((r = sceau_http_new(c->info.server_url, &ho, &c->http)) == 0)
		r = sceau_http_set_device(c->http, c->info.org_id,
		    c->info.device_id, c->keys.device_key);
	sceau_free(ca_file);
	sceau_buf_free(ca);
	return r;
}

/* Rebuilds the chain from the open store. */
static int
rebuild_chain(struct sceau_client *c)
{
	int r;

	if ((r = sceau_chain_new(
	         c->info.org_id, c->info.root_verify_key, &c->chain)) != 0)
		return r;
	return sceau_store_cert_foreach(c->store, 1, replay_cb, c);
}

/* Rebuilds the chain from the open store, and connects. */
static int
start(struct sceau_client *c, const struct sceau_client_opts *opts)
{
	int r;

	if ((r = rebuild_chain(c)) != 0)
		return r;
	return connect_http(c, opts);
}

/* Opens the store of the device c->info names. */
static int
open_store(struct sceau_client *c)
{
	char path[SCEAU_PATHS_MAX];
	int r;

	if ((r = sceau_paths_device_file(c->info.org_id, c->info.device_id,
	         SCEAU_PATHS_STORE_FILE, 1, path)) != 0)
		return r;
	return sceau_store_open(path, &c->store);
}

/* Opens the store of an unlocked device and rebuilds its chain. */
static int
open_state(struct sceau_client *c, const struct sceau_client_opts *opts)
{
	int r;

	if ((r = open_store(c)) != 0)
		return r;
	return start(c, opts);
}

/*
 * The device key of a remote client: a remote signing key with the
 * device's public key in the chain (the one the server and members check).
 */
static int
remote_device_key(struct sceau_client *c)
{
	const struct sceau_chain_device *d =
	    sceau_chain_device(c->chain, c->info.device_id);
	const uint8_t *vk =
	    c->remote.has_device_vk ? c->remote.device_vk : NULL;

	if (d != NULL && vk != NULL &&
	    sceau_timingsafe_bcmp(d->verify_key, vk, sizeof(d->verify_key)) !=
	        0) {
		sceau_message("the agent's key of device %s is not the one in "
		              "the organization's records",
		    c->info.device_id);
		return SCEAU_ERR_KEY_INVALID;
	}
	if (d != NULL)
		vk = d->verify_key;
	if (vk == NULL) {
		sceau_message("device %s is not in the organization's records "
		              "on this computer",
		    c->info.device_id);
		return SCEAU_ERR_KEY_INVALID;
	}
	return sceau_sign_remote(
	    vk, c->remote.sign, c->remote.arg, &c->keys.device_key);
}

void
sceau_client_local_change(struct sceau_client *c, const char *realm_id)
{
	if (c->remote.changed != NULL)
		c->remote.changed(c->remote.arg, realm_id);
}

int
sceau_client_open_remote(const char *org, const char *device,
    const struct sceau_client_remote *rm, const struct sceau_client_opts *opts,
    struct sceau_client **cp)
{
	struct sceau_paths_device found;
	char path[SCEAU_PATHS_MAX];
	struct sceau_client *c;
	int r;

	*cp = NULL;
	if (rm == NULL || rm->sign == NULL || rm->token_sign == NULL ||
	    rm->realm_key == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_paths_find_device(org, device, &found)) != 0 ||
	    (c = sceau_calloc(1, sizeof(*c))) == NULL) {
		if (rm->free != NULL)
			rm->free(rm->arg);
		return r != 0 ? r : SCEAU_ERR_ALLOC;
	}
	c->remote = *rm;
	if ((r = sceau_paths_device_file(found.org_id, found.device_id,
	         SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_read_info(path, &c->info)) != 0 ||
	    (r = open_store(c)) != 0 || (r = rebuild_chain(c)) != 0 ||
	    (r = remote_device_key(c)) != 0 ||
	    (r = connect_http(c, opts)) != 0) {
		sceau_client_close(c);
		return r;
	}
	*cp = c;
	return 0;
}

int
sceau_client_open(const char *org, const char *device,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts,
    struct sceau_client **cp)
{
	struct sceau_paths_device found;
	char path[SCEAU_PATHS_MAX];
	struct sceau_client *c;
	int r;

	*cp = NULL;
	if ((r = sceau_paths_find_device(org, device, &found)) != 0)
		return r;
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL) {
		if (auth != NULL && auth->kind == SCEAU_KEYFILE_TOKEN)
			sceau_token_close(auth->token);
		return SCEAU_ERR_ALLOC;
	}
	/* The token is the client's from now on, whatever happens. */
	if (auth != NULL && auth->kind == SCEAU_KEYFILE_TOKEN)
		c->token = auth->token;
	if ((r = sceau_paths_device_file(found.org_id, found.device_id,
	         SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_open(path, auth, &c->info, &c->keys)) != 0 ||
	    (r = open_state(c, opts)) != 0) {
		sceau_client_close(c);
		return r;
	}
	*cp = c;
	return 0;
}

int
sceau_client_open_keys(const struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys, const struct sceau_client_opts *opts,
    struct sceau_client **cp)
{
	struct sceau_client *c;
	int r;

	*cp = NULL;
	if (keys->device_key == NULL) {
		sceau_keyfile_keys_free(keys);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL) {
		sceau_keyfile_keys_free(keys);
		return SCEAU_ERR_ALLOC;
	}
	c->info = *info;
	c->keys = *keys;
	keys->device_key = NULL;
	keys->user_key = NULL;
	if ((r = sceau_store_open_memory(&c->store)) != 0 ||
	    (r = start(c, opts)) != 0) {
		sceau_client_close(c);
		return r;
	}
	*cp = c;
	return 0;
}

/* ------------------------------------------------------------- refresh */

/* Checks an identity blob against the certificate that vouches for it. */
static int
check_identity(const struct sceau_cert *cert, const uint8_t *blob, size_t n)
{
	struct sceau_identity id;
	int r;

	if (cert->kind != SCEAU_CERT_USER && cert->kind != SCEAU_CERT_DEVICE)
		return SCEAU_ERR_CHAIN_IDENTITY;
	r = sceau_identity_decode(blob, n, cert->identity_hash, &id);
	if (r == 0 && id.kind != cert->kind)
		r = SCEAU_ERR_CHAIN_IDENTITY;
	if (r != 0)
		sceau_message("certificate %llu: %s",
		    (unsigned long long)cert->index,
		    "identity data does not match the certificate");
	return r;
}

/* Decodes a base64 field of a certificate entry into out. */
static int
entry_blob(const json_t *e, const char *key, size_t max, int optional,
    struct sceau_buf *out)
{
	const json_t *v = json_object_get(e, key);

	if (optional && (v == NULL || json_is_null(v)))
		return 0;
	if (sceau_json_get_b64(e, key, SCEAU_B64_STD, max, out) != 0)
		return SCEAU_ERR_PROTOCOL;
	return 0;
}

/* The server's copy of our last certificate must be ours, byte for byte. */
static int
check_same_as_stored(
    struct sceau_client *c, uint64_t index, const struct sceau_buf *env)
{
	struct sceau_buf *mine;
	int r;

	if ((mine = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_store_cert_get(c->store, index, mine, NULL, NULL);
	if (r == 0 && sceau_buf_equals(mine, env) != 0) {
		sceau_message("the server's certificate %llu differs from the "
		              "one this device validated before",
		    (unsigned long long)index);
		r = SCEAU_ERR_CHAIN_FORK;
	}
	sceau_buf_free(mine);
	return r;
}

/* Validates and stores one new certificate of a page. */
static int
take_entry(struct sceau_client *c, const json_t *e, struct sceau_buf *env,
    struct sceau_buf *idb)
{
	struct sceau_cert cert;
	int64_t index, stime;
	int r;

	sceau_buf_reset(env);
	sceau_buf_reset(idb);
	if (sceau_json_get_int(e, "index", 1, INT64_MAX, &index) != 0 ||
	    sceau_json_get_int(e, "server_time", 0, INT64_MAX, &stime) != 0 ||
	    (r = entry_blob(e, "certificate", SCEAU_CERT_MAX, 0, env)) != 0 ||
	    (r = entry_blob(e, "identity", SCEAU_CERT_IDENTITY_MAX, 1, idb)) !=
	        0)
		return SCEAU_ERR_PROTOCOL;
	if ((uint64_t)index <= sceau_chain_last_index(c->chain))
		return check_same_as_stored(c, (uint64_t)index, env);
	if ((r = sceau_chain_append(c->chain, sceau_buf_ptr(env),
	         sceau_buf_len(env), (uint64_t)stime, &cert)) != 0) {
		/* Stored by the server, yet against the policy: tampering. */
		if (r == SCEAU_ERR_POLICY_REFUSED)
			r = SCEAU_ERR_CHAIN_NOT_ALLOWED;
		else if (r == SCEAU_ERR_POLICY_INVALID)
			r = SCEAU_ERR_CHAIN_INVALID;
		return r;
	}
	/*
	 * A mismatched identity is dropped, not stored: the certificate
	 * itself is valid, the server lied about who it names.
	 */
	if (sceau_buf_len(idb) > 0 &&
	    check_identity(&cert, sceau_buf_ptr(idb), sceau_buf_len(idb)) !=
	        0) {
		warn_f("certificate %llu: identity data from the server "
		       "refused",
		    (unsigned long long)cert.index);
		sceau_buf_reset(idb);
	}
	/*
	 * Another client of this device (the agent's background sync,
	 * another command) may have stored it since this one opened: the
	 * same bytes are fine, others mean the server showed two histories.
	 */
	if ((r = check_same_as_stored(c, cert.index, env)) !=
	    SCEAU_ERR_NOT_FOUND)
		return r;
	sceau_message_clear();
	return sceau_store_cert_put(c->store, cert.index, sceau_buf_ptr(env),
	    sceau_buf_len(env),
	    sceau_buf_len(idb) > 0 ? sceau_buf_ptr(idb) : NULL,
	    sceau_buf_len(idb), (uint64_t)stime);
}

/* Processes one page; *last receives the server's last index. */
static int
take_page(struct sceau_client *c, const json_t *resp, uint64_t *last,
    size_t *count, uint64_t *added)
{
	struct sceau_buf *env = sceau_buf_new(), *idb = sceau_buf_new();
	int64_t srv_last;
	json_t *certs;
	size_t i;
	int r = SCEAU_ERR_PROTOCOL;

	*count = 0;
	if (env == NULL || idb == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (sceau_json_get_int(resp, "last_index", 0, INT64_MAX, &srv_last) !=
	        0 ||
	    sceau_json_get_array(resp, "certificates", PAGE, &certs) != 0)
		goto out;
	*last = (uint64_t)srv_last;
	if (*last < sceau_chain_last_index(c->chain)) {
		sceau_message(
		    "the server claims %llu certificates; this device "
		    "validated %llu",
		    (unsigned long long)*last,
		    (unsigned long long)sceau_chain_last_index(c->chain));
		r = SCEAU_ERR_CHAIN_ROLLBACK;
		goto out;
	}
	for (i = 0; i < json_array_size(certs); i++) {
		uint64_t before = sceau_chain_last_index(c->chain);

		if ((r = take_entry(c, json_array_get(certs, i), env, idb)) !=
		    0)
			goto out;
		if (sceau_chain_last_index(c->chain) > before)
			(*added)++;
	}
	*count = json_array_size(certs);
	r = 0;
out:
	sceau_buf_free(env);
	sceau_buf_free(idb);
	return r;
}

static int
fetch_page(struct sceau_client *c, uint64_t from, uint64_t *last, size_t *count,
    uint64_t *added)
{
	char path[SCEAU_ORG_ID_MAX + 96];
	json_t *resp = NULL;
	int r, r2;

	(void)snprintf(path, sizeof(path), "/v1/%s/certificates?from=%llu",
	    c->info.org_id, (unsigned long long)from);
	if ((r = sceau_http_json(c->http, "GET", path, NULL, &resp)) != 0)
		return r;
	/* Whatever validated is kept, even if a later one fails. */
	if ((r = sceau_store_begin(c->store)) != 0)
		goto out;
	r = take_page(c, resp, last, count, added);
	if ((r2 = sceau_store_commit(c->store)) != 0 && r == 0)
		r = r2;
out:
	json_decref(resp);
	return r;
}

/*
 * When the device last brought its records up to date with its server;
 * a write at most once a minute (a mount refreshes often).
 */
static int
note_contact(struct sceau_client *c)
{
	uint64_t now = sceau_client_now_us() / 1000000, last;
	char text[24];

	if (sceau_client_last_contact(c, &last) == 0 && last <= now &&
	    now - last < 60)
		return 0;
	(void)snprintf(text, sizeof(text), "%llu", (unsigned long long)now);
	return sceau_store_meta_set(
	    c->store, META_LAST_CONTACT, text, strlen(text));
}

int
sceau_client_refresh(struct sceau_client *c, uint64_t *added)
{
	uint64_t last = 0, n = 0, mine, from;
	size_t count = 0;
	int r;

	if (added != NULL)
		*added = 0;
	for (;;) {
		mine = sceau_chain_last_index(c->chain);
		/* Ask for our last one too, to compare it with our copy. */
		from = mine == 0 ? 1 : mine;
		if ((r = fetch_page(c, from, &last, &count, &n)) != 0)
			break;
		if (mine > 0 && count == 0) {
			sceau_message("the server no longer shows certificate "
			              "%llu",
			    (unsigned long long)mine);
			r = SCEAU_ERR_CHAIN_ROLLBACK;
			break;
		}
		if (sceau_chain_last_index(c->chain) >= last ||
		    sceau_chain_last_index(c->chain) == mine)
			break;
	}
	if (r == 0 && sceau_chain_last_index(c->chain) < last) {
		sceau_message("the server announced %llu certificates but "
		              "served %llu",
		    (unsigned long long)last,
		    (unsigned long long)sceau_chain_last_index(c->chain));
		r = SCEAU_ERR_CHAIN_INDEX;
	}
	if (r == 0)
		r = note_contact(c);
	if (added != NULL)
		*added = n;
	return r;
}

int
sceau_client_last_contact(struct sceau_client *c, uint64_t *secs)
{
	struct sceau_buf *b;
	char text[24];
	size_t n;
	int r;

	*secs = 0;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_store_meta_get(c->store, META_LAST_CONTACT, b);
	n = sceau_buf_len(b);
	if (r == 0 && n > 0 && n < sizeof(text)) {
		memcpy(text, sceau_buf_ptr(b), n);
		text[n] = '\0';
		*secs = strtoull(text, NULL, 10);
	}
	sceau_buf_free(b);
	return r == SCEAU_ERR_NOT_FOUND ? 0 : r;
}

/* -------------------------------------------------------------- submit */

int
sceau_client_post_certificate(struct sceau_client *c,
    const struct sceau_buf *env, const struct sceau_buf *identity)
{
	json_t *req, *resp = NULL;
	char path[SCEAU_ORG_ID_MAX + 32];
	int r;

	if ((req = json_object()) == NULL ||
	    sceau_json_set_b64(req, "certificate", sceau_buf_ptr(env),
	        sceau_buf_len(env), SCEAU_B64_STD) != 0)
		goto nomem;
	if (identity != NULL
	        ? sceau_json_set_b64(req, "identity", sceau_buf_ptr(identity),
	              sceau_buf_len(identity), SCEAU_B64_STD) != 0
	        : json_object_set_new(req, "identity", json_null()) != 0)
		goto nomem;
	(void)snprintf(
	    path, sizeof(path), "/v1/%s/certificates", c->info.org_id);
	r = sceau_http_json(c->http, "POST", path, req, &resp);
	json_decref(req);
	json_decref(resp);
	return r;
nomem:
	json_decref(req);
	return SCEAU_ERR_ALLOC;
}

/*
 * Our own act is checked against our chain before it leaves: a refusal
 * here is the rules saying no (FORBIDDEN), not a server lying.
 */
static int
check_own_act(struct sceau_client *c, const struct sceau_buf *env)
{
	int r =
	    sceau_chain_check(c->chain, sceau_buf_ptr(env), sceau_buf_len(env));

	if (r == SCEAU_ERR_CHAIN_NOT_ALLOWED)
		return SCEAU_ERR_FORBIDDEN;
	if (r == SCEAU_ERR_CHAIN_INVALID)
		return SCEAU_ERR_INVALID_ARGUMENT;
	return r;
}

/*
 * Signs cert (kind-specific fields set by the caller) as the next
 * certificate and submits it; on a conflict (someone else's certificate
 * got that index first) refreshes and signs again.
 */
int
sceau_client_submit(struct sceau_client *c, struct sceau_cert *cert,
    const struct sceau_buf *identity)
{
	sceau_cert_token_signer signer;
	struct sceau_buf *env;
	int r, tries;

	if ((env = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	for (tries = 0; tries < SUBMIT_TRIES; tries++) {
		sceau_buf_reset(env);
		(void)snprintf(
		    cert->org_id, sizeof(cert->org_id), "%s", c->info.org_id);
		(void)snprintf(cert->author, sizeof(cert->author), "%s",
		    c->info.device_id);
		cert->index = sceau_chain_last_index(c->chain) + 1;
		memcpy(cert->prev_hash, sceau_chain_last_hash(c->chain),
		    SCEAU_CERT_HASH_LEN);
		cert->timestamp = SCEAU_MAX(sceau_client_now_us(),
		    sceau_chain_last_timestamp(c->chain));
		signer = client_token_signer(c, &r);
		if (r != 0 ||
		    (r = sceau_cert_sign_token(
		         cert, c->keys.device_key, signer, c, env)) != 0 ||
		    (r = check_own_act(c, env)) != 0)
			break;
		r = sceau_client_post_certificate(c, env, identity);
		if (r != SCEAU_ERR_CONFLICT)
			break;
		if ((r = sceau_client_refresh(c, NULL)) != 0)
			break;
	}
	sceau_buf_free(env);
	if (r != 0)
		return r;
	/* Read it back: the chain now holds what the server stored. */
	return sceau_client_refresh(c, NULL);
}

static int
act_on_user(struct sceau_client *c, enum sceau_cert_kind kind,
    const char *user_id, enum sceau_profile p)
{
	struct sceau_cert *cert;
	int r;

	if (!sceau_cert_id_valid(user_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	cert->kind = kind;
	(void)snprintf(cert->user_id, sizeof(cert->user_id), "%s", user_id);
	cert->profile = p;
	r = sceau_client_submit(c, cert, NULL);
	sceau_free(cert);
	return r;
}

int
sceau_client_revoke_user(struct sceau_client *c, const char *user_id)
{
	return act_on_user(c, SCEAU_CERT_USER_REVOKE, user_id, 0);
}

int
sceau_client_set_profile(
    struct sceau_client *c, const char *user_id, enum sceau_profile p)
{
	return act_on_user(c, SCEAU_CERT_USER_UPDATE, user_id, p);
}

int
sceau_client_revoke_device(struct sceau_client *c, const char *device_id)
{
	struct sceau_cert *cert;
	int r;

	if (!sceau_cert_id_valid(device_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	cert->kind = SCEAU_CERT_DEVICE_REVOKE;
	(void)snprintf(
	    cert->device_id, sizeof(cert->device_id), "%s", device_id);
	r = sceau_client_submit(c, cert, NULL);
	sceau_free(cert);
	return r;
}

/* ------------------------------------------------------------ identity */

int
sceau_client_identity(struct sceau_client *c, uint64_t index,
    const uint8_t hash[SCEAU_CERT_HASH_LEN], struct sceau_identity *id)
{
	struct sceau_buf *b;
	int r;

	memset(id, 0, sizeof(*id));
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_store_cert_get(c->store, index, NULL, b, NULL)) == 0) {
		if (sceau_buf_len(b) == 0)
			r = SCEAU_ERR_NOT_FOUND;
		else
			r = sceau_identity_decode(
			    sceau_buf_ptr(b), sceau_buf_len(b), hash, id);
	}
	sceau_buf_free(b);
	return r;
}

int
sceau_client_find_user(struct sceau_client *c, const char *id_or_email,
    const struct sceau_chain_user **up)
{
	const struct sceau_chain_user *u;
	struct sceau_identity id;
	size_t i;

	*up = NULL;
	if ((u = sceau_chain_user(c->chain, id_or_email)) != NULL) {
		*up = u;
		return 0;
	}
	for (i = 0; i < sceau_chain_user_count(c->chain); i++) {
		u = sceau_chain_user_at(c->chain, i);
		if (sceau_client_identity(
		        c, u->created_index, u->identity_hash, &id) == 0 &&
		    strcasecmp(id.email, id_or_email) == 0) {
			*up = u;
			return 0;
		}
	}
	sceau_message("no user \"%s\" in this organization", id_or_email);
	return SCEAU_ERR_NOT_FOUND;
}
