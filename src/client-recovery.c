/*
 * client-recovery.c: recovery devices (doc/recovery.md).  A recovery
 * device is a device of the user like any other, whose key file (the
 * recovery file) is sealed under a generated passphrase and kept offline.
 * From it, on any computer, a new device of the user is enrolled: the
 * recovery device signs its certificate, as one device of a user vouches
 * for another.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "client-internal.h"
#include "errors.h"
#include "log.h"
#include "recovery.h"
#include "secmem.h"

/* "recovery YYYY-MM-DD" (UTC), the default label of a recovery device. */
static void
default_label(char *out, size_t size)
{
	time_t now = (time_t)(sceau_client_now_us() / 1000000);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(out, size, "recovery %Y-%m-%d", &tm) == 0)
		(void)snprintf(out, size, "recovery");
}

/* A label the device certificate's identity accepts. */
static int
check_label(const char *label)
{
	struct sceau_identity id;
	int r = sceau_identity_init(&id, SCEAU_CERT_DEVICE, NULL, label);

	sceau_memzero(&id, sizeof(id));
	return r;
}

/* Password protection under the canonical form of a passphrase. */
static void
passphrase_auth(const char *canon, struct sceau_keyfile_auth *auth)
{
	memset(auth, 0, sizeof(*auth));
	auth->kind = SCEAU_KEYFILE_PASSWORD;
	auth->password = canon;
	auth->password_len = SCEAU_RECOVERY_SYMBOLS;
}

/* Writes the recovery file of a new device key, under a new passphrase. */
static int
write_file(struct sceau_client *c, const char *path,
    const struct sceau_keyfile_info *info, const struct sceau_signkey *dk,
    char *passphrase, size_t size)
{
	struct sceau_keyfile_auth auth;
	char *canon;
	int r;

	if ((canon = sceau_secmem_alloc(SCEAU_RECOVERY_SYMBOLS + 1)) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((r = sceau_recovery_passphrase_new(passphrase, size)) == 0 &&
	    (r = sceau_recovery_passphrase_parse(
	         passphrase, strlen(passphrase), canon)) == 0) {
		passphrase_auth(canon, &auth);
		r = sceau_keyfile_write_recovery(
		    path, info, dk, c->keys.user_key, &auth);
	}
	sceau_secmem_free(canon);
	return r;
}

int
sceau_client_export_recovery(struct sceau_client *c, const char *path,
    const char *label, char *passphrase, size_t size,
    struct sceau_keyfile_info *info)
{
	struct sceau_signkey *dk = NULL;
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN];
	int r;

	*info = c->info;
	info->kind = SCEAU_KEYFILE_KIND_RECOVERY;
	if (label != NULL)
		(void)snprintf(info->device_label, sizeof(info->device_label),
		    "%s", label);
	else
		default_label(info->device_label, sizeof(info->device_label));
	info->created = sceau_client_now_us();
	if (c->remote.sign != NULL) {
		sceau_message("the device's keys are held by sceau-agent: "
		              "export with SCEAU_AGENT_SOCK= (no agent)");
		r = SCEAU_ERR_AGENT_HELD;
		goto out;
	}
	if (c->keys.user_key == NULL) {
		sceau_message(
		    "this user's encryption key is not in the "
		    "device's key file: a recovery file cannot hold it");
		r = SCEAU_ERR_NOT_SUPPORTED;
		goto out;
	}
	if ((label != NULL && (r = check_label(label)) != 0) ||
	    (r = sceau_cert_new_id(info->device_id)) != 0 ||
	    (r = sceau_sign_generate(&dk)) != 0)
		goto out;
	sceau_sign_public(dk, vk);
	/* The file first: a certificate without it would vouch for nothing. */
	if ((r = write_file(c, path, info, dk, passphrase, size)) != 0)
		goto out;
	if ((r = sceau_client_add_device(
	         c, info->device_id, info->device_label, vk)) != 0)
		(void)unlink(path);
out:
	sceau_sign_free(dk);
	if (r != 0) {
		if (passphrase != NULL)
			sceau_memzero(passphrase, size);
		memset(info, 0, sizeof(*info));
	}
	return r;
}

int
sceau_client_recovery_open(const char *path, const char *passphrase, size_t n,
    struct sceau_keyfile_info *info, struct sceau_keyfile_keys *keys)
{
	struct sceau_keyfile_auth auth;
	char *canon;
	int r;

	memset(info, 0, sizeof(*info));
	memset(keys, 0, sizeof(*keys));
	if ((canon = sceau_secmem_alloc(SCEAU_RECOVERY_SYMBOLS + 1)) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((r = sceau_recovery_passphrase_parse(passphrase, n, canon)) != 0)
		goto out;
	passphrase_auth(canon, &auth);
	r = sceau_keyfile_open_recovery(path, &auth, info, keys);
	if (r == SCEAU_ERR_WRONG_PASSWORD)
		sceau_message(
		    "the passphrase does not open this recovery file");
	if (r == 0 && keys->user_key == NULL) {
		sceau_keyfile_keys_free(keys);
		memset(info, 0, sizeof(*info));
		sceau_message("recovery file without the user's key");
		r = SCEAU_ERR_KEYFILE_FORMAT;
	}
out:
	sceau_secmem_free(canon);
	return r;
}

/*
 * The recovery device may still act: it is in the chain, neither it nor
 * its user is revoked, and its keys are the ones the chain knows.
 */
static int
check_recovery_device(struct sceau_client *rc)
{
	const struct sceau_keyfile_info *in = sceau_client_info(rc);
	const struct sceau_keyfile_keys *k = sceau_client_keys(rc);
	const struct sceau_chain_device *d;
	const struct sceau_chain_user *u;
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], ek[SCEAU_BOX_PUBLIC_LEN];

	d = sceau_chain_device(sceau_client_chain(rc), in->device_id);
	u = sceau_chain_user(sceau_client_chain(rc), in->user_id);
	if (d == NULL || u == NULL || strcmp(d->user_id, in->user_id) != 0) {
		sceau_message("the organization's records have no recovery "
		              "device %s of user %s",
		    in->device_id, in->user_id);
		return SCEAU_ERR_NOT_FOUND;
	}
	if (u->revoked_index != 0) {
		sceau_message("user %s was revoked (certificate %llu)",
		    in->user_id, (unsigned long long)u->revoked_index);
		return SCEAU_ERR_USER_REVOKED;
	}
	if (d->revoked_index != 0) {
		sceau_message("recovery device %s was revoked (certificate "
		              "%llu): this recovery file is of no more use",
		    in->device_id, (unsigned long long)d->revoked_index);
		return SCEAU_ERR_DEVICE_REVOKED;
	}
	sceau_sign_public(k->device_key, vk);
	sceau_box_public(k->user_key, ek);
	if (sceau_timingsafe_bcmp(vk, d->verify_key, sizeof(vk)) != 0 ||
	    u->enc_key_len != sizeof(ek) ||
	    sceau_timingsafe_bcmp(ek, u->enc_key, sizeof(ek)) != 0) {
		sceau_message("the recovery file's keys are not the ones "
		              "its certificates name");
		return SCEAU_ERR_KEY_INVALID;
	}
	return 0;
}

/* The server's word for what the chain would show (it is not trusted). */
static void
refused_message(int r, const struct sceau_keyfile_info *rinfo)
{
	if (r != SCEAU_ERR_DEVICE_REVOKED && r != SCEAU_ERR_USER_REVOKED)
		return;
	sceau_message("the server refuses recovery device %s, as %s: this "
	              "recovery file is of no more use",
	    rinfo->device_id,
	    r == SCEAU_ERR_DEVICE_REVOKED ? "revoked" : "of a revoked user");
}

static int
copy_cert(void *arg, uint64_t index, const uint8_t *env, size_t n,
    const uint8_t *identity, size_t idn, uint64_t server_time)
{
	return sceau_store_cert_put(
	    arg, index, env, n, identity, idn, server_time);
}

/*
 * The new device's store gets the chain the recovery device validated.
 * Only a convenience: without it, the first refresh fetches it again.
 */
static void
copy_chain(struct sceau_client *rc, struct sceau_store *st)
{
	int r;

	if ((r = sceau_store_begin(st)) != 0)
		goto fail;
	if ((r = sceau_store_cert_foreach(
	         sceau_client_store(rc), 1, copy_cert, st)) != 0) {
		sceau_store_rollback(st);
		goto fail;
	}
	if ((r = sceau_store_commit(st)) == 0)
		return;
fail:
	warn_f("the new device's store will fetch the chain again: %s",
	    sceau_strerror(r));
	sceau_message_clear();
}

/* Key file and store of the new device, then its certificate. */
static int
enroll(struct sceau_client *rc, const struct sceau_keyfile_info *info,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts)
{
	struct sceau_signkey *dk = NULL;
	struct sceau_store *st = NULL;
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN];
	int r;

	if ((r = sceau_sign_generate(&dk)) != 0)
		return r;
	sceau_sign_public(dk, vk);
	/* Saved before the server hears of it, removed if it refuses. */
	if ((r = sceau_client_create_device(info, dk,
	         sceau_client_keys(rc)->user_key, auth, opts, &st)) != 0)
		goto out;
	if ((r = sceau_client_add_device(
	         rc, info->device_id, info->device_label, vk)) != 0) {
		sceau_store_close(st);
		st = NULL;
		client_forget_device(info->org_id, info->device_id);
		goto out;
	}
	copy_chain(rc, st);
out:
	sceau_store_close(st);
	sceau_sign_free(dk);
	return r;
}

int
sceau_client_recover(const struct sceau_keyfile_info *rinfo,
    struct sceau_keyfile_keys *rkeys, const char *label,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts,
    struct sceau_keyfile_info *info)
{
	struct sceau_client *rc = NULL;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = sceau_client_open_keys(rinfo, rkeys, opts, &rc)) != 0 ||
	    (r = check_label(label)) != 0)
		goto out;
	if ((r = sceau_client_refresh(rc, NULL)) != 0) {
		refused_message(r, rinfo);
		goto out;
	}
	if ((r = check_recovery_device(rc)) != 0)
		goto out;
	*info = *rinfo;
	info->kind = SCEAU_KEYFILE_KIND_DEVICE;
	(void)snprintf(
	    info->device_label, sizeof(info->device_label), "%s", label);
	info->created = sceau_client_now_us();
	if ((r = sceau_cert_new_id(info->device_id)) != 0)
		goto out;
	r = enroll(rc, info, auth, opts);
out:
	sceau_client_close(rc);
	if (r != 0)
		memset(info, 0, sizeof(*info));
	return r;
}
