/*
 * keyfile.h: the device key file, which holds a device's secrets on disk.
 *
 * A key file has a public header (server, organization, user, device,
 * label, root verify key, creation time, and how the file is protected)
 * and an encrypted part (a versioned list of secrets: the device's
 * Ed25519 seed, the user's X25519 secret key, room for more).  The header
 * is the associated data of the AES-256-GCM encryption, so that no byte
 * of it can change unnoticed.  The format is specified in doc/keyfile.md.
 *
 * Protections:
 *  - SCEAU_KEYFILE_PASSWORD: the key comes from Argon2id over the
 *    password, with the salt and parameters in the header.  A password
 *    check value in the header tells a wrong password
 *    (SCEAU_ERR_WRONG_PASSWORD) from an altered file
 *    (SCEAU_ERR_DECRYPT_FAILED); it tells an attacker nothing the GCM tag
 *    does not.
 *  - SCEAU_KEYFILE_KEYRING: the key is 32 random bytes kept in the Linux
 *    kernel keyring as a "user" key named "sceau:ORG:DEVICE_ID", in the
 *    user's persistent keyring (keyctl_get_persistent(2)), or in the user
 *    keyring when the kernel has no persistent keyrings.  The persistent
 *    keyring survives logouts (it expires after a few days unused) but
 *    never a reboot: a device protected this way is lost at the next
 *    reboot unless the user has another device, or a recovery device, to
 *    re-enroll it.  A missing key is SCEAU_ERR_KEYRING.  The key is
 *    readable by the same uid (it protects the file at rest, from other
 *    users, backups and a stolen disk; not from the user's own processes).
 *  - SCEAU_KEYFILE_TOKEN: reserved (a key wrapped to a PKCS#11 token);
 *    refused with SCEAU_ERR_NOT_SUPPORTED for now.
 *
 * A recovery file (doc/recovery.md) is the key file of a recovery device,
 * protected by a generated passphrase: the same format under another magic
 * ("SCEAUREC"), so that neither kind is taken for the other.
 *
 * Files are written atomically with mode 0600 and read only when they are
 * regular files owned by us and not readable by group or others
 * (SCEAU_ERR_INSECURE_FILE); a recovery file is never written over an
 * existing file, and is read whatever its owner and mode.  Every length is checked against the limits
 * below before anything is allocated; anything malformed is
 * SCEAU_ERR_KEYFILE_FORMAT.  Unlocked keys are returned in locked memory
 * (sign.h, box.h); every intermediate copy is wiped.
 */
#ifndef SCEAU_KEYFILE_H
#define SCEAU_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "box.h"
#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "kdf.h"
#include "sign.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_KEYFILE_MAX 16384 /* whole file */
#define SCEAU_KEYFILE_HEADER_MAX 4096 /* public header */
#define SCEAU_KEYFILE_SECRETS_MAX 8192 /* encrypted part */
#define SCEAU_KEYFILE_ITEM_MAX 2048 /* one secret */
#define SCEAU_KEYFILE_URL_MAX 1024 /* = SCEAU_LINK_MAX */
#define SCEAU_KEYFILE_LABEL_MAX SCEAU_NAME_MAX
#define SCEAU_KEYFILE_KEYRING_DESC_MAX 128
#define SCEAU_KEYFILE_TOKEN_URI_MAX 1023

enum sceau_keyfile_protection {
	SCEAU_KEYFILE_PASSWORD = 1,
	SCEAU_KEYFILE_KEYRING = 2,
	SCEAU_KEYFILE_TOKEN = 3, /* reserved */
};

/* Which file: the magic says (the AEAD binds it, as all the header). */
enum sceau_keyfile_kind {
	SCEAU_KEYFILE_KIND_DEVICE = 0, /* "SCEAUKEY": a device's key file */
	SCEAU_KEYFILE_KIND_RECOVERY = 1, /* "SCEAUREC": a recovery file */
};

/* The public header. */
struct sceau_keyfile_info {
	char server_url[SCEAU_KEYFILE_URL_MAX + 1]; /* link.h base URL */
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	char device_label[SCEAU_KEYFILE_LABEL_MAX + 1]; /* may be "" */
	uint8_t root_verify_key[SCEAU_SIGN_PUBLIC_LEN];
	uint64_t created; /* microseconds since 1970 */
	/* Filled when reading; ignored when writing (the auth decides). */
	enum sceau_keyfile_protection protection;
	/* Filled when reading; sceau_keyfile_encode writes it. */
	enum sceau_keyfile_kind kind;
	struct sceau_kdf_argon2_params argon2; /* PASSWORD only */
	/* TOKEN only, filled when reading: which token, which certificate. */
	char token_uri[SCEAU_KEYFILE_TOKEN_URI_MAX + 1];
	uint8_t token_fingerprint[SCEAU_CERT_HASH_LEN];
};

/*
 * How to lock or unlock a file.  password is borrowed, not copied, and
 * may hold any bytes (password_len of them).  argon2: the cost to write
 * with (NULL: sceau_kdf_argon2_default()); when reading, the header's
 * parameters are used, whatever argon2 says.
 */
struct sceau_token;
struct sceau_keyfile_auth {
	enum sceau_keyfile_protection kind;
	const char *password;
	size_t password_len;
	const struct sceau_kdf_argon2_params *argon2;
	/*
	 * TOKEN: the token (logged in to unlock; its certificate is read to
	 * write), and, to write, the PKCS#11 URI stored in the header.
	 */
	struct sceau_token *token;
	const char *token_uri;
};

/* The unlocked secrets; user_key is NULL when the file holds none. */
struct sceau_keyfile_keys {
	struct sceau_signkey *device_key;
	struct sceau_boxkey *user_key;
};

/* "password", "keyring", "token"; NULL if out of range. */
const char *sceau_keyfile_protection_name(enum sceau_keyfile_protection p);

/* Frees both keys (wiping them) and zeroes k; NULL is allowed. */
void sceau_keyfile_keys_free(struct sceau_keyfile_keys *k);

/*
 * In memory (the file functions below wrap these; the fuzz target drives
 * them directly).
 *
 * sceau_keyfile_encode: appends a key file holding device_key and
 * user_key (may be NULL) under info's header and auth's protection to
 * out.  With SCEAU_KEYFILE_KEYRING the keyring key of info's device is
 * reused when present and valid, else created.
 */
int sceau_keyfile_encode(const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth, struct sceau_buf *out) SCEAU_WUR;

/* Parses and checks the public header only (nothing is decrypted). */
int sceau_keyfile_decode_info(
    const uint8_t *p, size_t n, struct sceau_keyfile_info *info) SCEAU_WUR;

/*
 * Parses, unlocks and decrypts p[0..n).  auth->kind must match the file's
 * protection (SCEAU_ERR_INVALID_ARGUMENT otherwise, so that a caller never
 * sends a password where none is wanted).  On success *info and *keys are
 * filled (keys: free with sceau_keyfile_keys_free); on failure both are
 * zeroed.  SCEAU_ERR_KEYFILE_FORMAT, _WRONG_PASSWORD, _DECRYPT_FAILED,
 * _KEYRING, _NOT_SUPPORTED, _KDF_PARAMS, _ALLOC.
 */
int sceau_keyfile_decode(const uint8_t *p, size_t n,
    const struct sceau_keyfile_auth *auth, struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys) SCEAU_WUR;

/*
 * Device key files: the same, through sceau_buf_write_file_atomic (mode
 * 0600); info->kind is not looked at (a device key file is written).  A
 * file of the other kind is SCEAU_ERR_KEYFILE_FORMAT, and is not
 * decrypted.
 */
int sceau_keyfile_write(const char *path, const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth) SCEAU_WUR;
int sceau_keyfile_read_info(const char *path, struct sceau_keyfile_info *info)
    SCEAU_WUR;
int sceau_keyfile_open(const char *path, const struct sceau_keyfile_auth *auth,
    struct sceau_keyfile_info *info, struct sceau_keyfile_keys *keys) SCEAU_WUR;

/*
 * Recovery files: written with mode 0600 but never over an existing file
 * (SCEAU_ERR_EXISTS), read whatever their owner and mode (they travel on
 * removable media).  info->kind is not looked at when writing.
 */
int sceau_keyfile_write_recovery(const char *path,
    const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth) SCEAU_WUR;
int sceau_keyfile_read_recovery_info(
    const char *path, struct sceau_keyfile_info *info) SCEAU_WUR;
int sceau_keyfile_open_recovery(const char *path,
    const struct sceau_keyfile_auth *auth, struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys) SCEAU_WUR;

/*
 * change-auth (device key files only): unlocks path with old_auth and rewrites it atomically under
 * new_auth, keeping every secret (those this version does not know too).
 * Leaving the keyring protection removes the keyring key once the new
 * file is in place.  If anything fails the old file is still there.
 */
int sceau_keyfile_change_protection(const char *path,
    const struct sceau_keyfile_auth *old_auth,
    const struct sceau_keyfile_auth *new_auth) SCEAU_WUR;

/*
 * Removes the keyring key of a device (when the device is deleted).
 * 0 also when there was none; SCEAU_ERR_KEYRING on a keyring failure.
 */
int sceau_keyfile_keyring_remove(const char *org_id, const char *device_id);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_KEYFILE_H */
