/*
 * client-members.c: new members and devices: the certificates a greeter
 * signs for them, and the files a new device writes on its computer.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "client.h"
#include "client-internal.h"
#include "errors.h"
#include "paths.h"
#include "secmem.h"

#define META_CA_FILE "ca_file"

/* Signs and submits a user or device certificate with its identity. */
static int
submit_with_identity(struct sceau_client *c, struct sceau_cert *cert,
    const char *email, const char *name)
{
	struct sceau_identity id;
	struct sceau_buf *blob;
	int r;

	if ((r = sceau_identity_init(&id, cert->kind, email, name)) != 0)
		return r;
	if ((blob = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_identity_hash(&id, cert->identity_hash)) == 0 &&
	    (r = sceau_identity_encode(&id, blob)) == 0)
		r = sceau_client_submit(c, cert, blob);
	sceau_buf_free(blob);
	return r;
}

static int
device_cert_bound(struct sceau_client *c, const char *user_id,
    const char *device_id, const char *label, const uint8_t *verify_key,
    const uint8_t *x509_list, size_t x509_list_len)
{
	struct sceau_cert *cert;
	int r;

	if (!sceau_cert_id_valid(user_id) || !sceau_cert_id_valid(device_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	cert->kind = SCEAU_CERT_DEVICE;
	(void)snprintf(cert->user_id, sizeof(cert->user_id), "%s", user_id);
	(void)snprintf(
	    cert->device_id, sizeof(cert->device_id), "%s", device_id);
	memcpy(cert->verify_key, verify_key, SCEAU_SIGN_PUBLIC_LEN);
	cert->x509_list = x509_list;
	cert->x509_list_len = x509_list_len;
	r = submit_with_identity(c, cert, NULL, label);
	sceau_free(cert);
	return r;
}

int
sceau_client_add_member(
    struct sceau_client *c, const struct sceau_new_member *m)
{
	struct sceau_cert *cert;
	int r;

	if (!sceau_cert_id_valid(m->user_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	cert->kind = SCEAU_CERT_USER;
	(void)snprintf(cert->user_id, sizeof(cert->user_id), "%s", m->user_id);
	cert->profile = m->profile;
	if (m->x509_list != NULL) {
		/* A token-backed member: its key is its card's. */
		(void)snprintf(cert->enc_alg, sizeof(cert->enc_alg), "x509");
		memcpy(cert->enc_key, m->enc_x509, sizeof(m->enc_x509));
		cert->enc_key_len = sizeof(m->enc_x509);
	} else {
		(void)snprintf(cert->enc_alg, sizeof(cert->enc_alg), "x25519");
		memcpy(cert->enc_key, m->enc_key, SCEAU_BOX_PUBLIC_LEN);
		cert->enc_key_len = SCEAU_BOX_PUBLIC_LEN;
	}
	r = submit_with_identity(c, cert, m->email, m->name);
	sceau_free(cert);
	if (r != 0)
		return r;
	return device_cert_bound(c, m->user_id, m->device_id, m->device_label,
	    m->verify_key, m->x509_list, m->x509_list_len);
}

int
sceau_client_add_device(struct sceau_client *c, const char *device_id,
    const char *label, const uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN])
{
	return sceau_client_add_device_bound(
	    c, device_id, label, verify_key, NULL, 0);
}

int
sceau_client_add_device_bound(struct sceau_client *c, const char *device_id,
    const char *label, const uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN],
    const uint8_t *x509_list, size_t x509_list_len)
{
	int r;

	if ((r = sceau_client_refresh(c, NULL)) != 0)
		return r;
	return device_cert_bound(c, sceau_client_info(c)->user_id, device_id,
	    label, verify_key, x509_list, x509_list_len);
}

int
sceau_client_create_device(const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts,
    struct sceau_store **storep)
{
	char path[SCEAU_PATHS_MAX];
	struct sceau_store *st = NULL;
	int r;

	if (storep != NULL)
		*storep = NULL;
	if ((r = sceau_paths_device_file(info->org_id, info->device_id,
	         SCEAU_PATHS_KEY_FILE, 1, path)) != 0 ||
	    (r = sceau_keyfile_write(path, info, device_key, user_key, auth)) !=
	        0 ||
	    (r = sceau_paths_device_file(info->org_id, info->device_id,
	         SCEAU_PATHS_STORE_FILE, 1, path)) != 0 ||
	    (r = sceau_store_open(path, &st)) != 0)
		goto out;
	if (opts != NULL && opts->ca_file != NULL &&
	    (r = sceau_store_meta_set(
	         st, META_CA_FILE, opts->ca_file, strlen(opts->ca_file))) != 0)
		goto out;
	if (storep != NULL) {
		*storep = st;
		st = NULL;
	}
	r = 0;
out:
	sceau_store_close(st);
	return r;
}

void
client_forget_device(const char *org_id, const char *device_id)
{
	char path[SCEAU_PATHS_MAX];
	static const char *const files[] = {SCEAU_PATHS_KEY_FILE,
	    SCEAU_PATHS_STORE_FILE, SCEAU_PATHS_STORE_FILE "-wal",
	    SCEAU_PATHS_STORE_FILE "-shm", SCEAU_PATHS_ENROLL_FILE};
	size_t i;

	for (i = 0; i < SCEAU_NELEM(files); i++) {
		if (sceau_paths_device_file(
		        org_id, device_id, files[i], 0, path) == 0)
			(void)unlink(path);
	}
	if (sceau_paths_device_dir(org_id, device_id, 0, path) == 0)
		(void)rmdir(path);
	/* Best effort: a key left behind unlocks a file that is gone. */
	if (sceau_keyfile_keyring_remove(org_id, device_id) != 0)
		sceau_message_clear();
}
