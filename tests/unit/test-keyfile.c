/*
 * test-keyfile.c: the device key file (src/keyfile.c): both protections
 * round trip, every alteration and truncation is refused, files are
 * private, keyring keys come and go, change of protection keeps every
 * secret, and allocation failures clean up.
 *
 * Argon2id runs at its lowest cost (t=1, 8 KiB), given explicitly.  Each
 * test uses a fresh random device id, so keyring keys never collide with
 * a real device's, and removes its keyring key when done.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keyutils.h>

#include "aead.h"
#include "alloc.h"
#include "box.h"
#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "kdf.h"
#include "keyfile.h"
#include "random.h"
#include "sign.h"
#include "testutil.h"

#define PW "correct horse battery staple"
#define PW2 "another one"

static const struct sceau_kdf_argon2_params low_cost = {1, 8, 1};

struct fixture {
	char dir[64];
	char path[128];
	struct sceau_keyfile_info info;
	struct sceau_signkey *dev;
	struct sceau_boxkey *user;
	struct sceau_keyfile_auth pw, pw2, ring;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t rvk[SCEAU_SIGN_PUBLIC_LEN];

	if (f == NULL)
		return -1;
	memcpy(f->dir, "/tmp/sceau-test-keyfile.XXXXXX", 31);
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/device.key", f->dir);
	if (sceau_sign_generate(&f->dev) != 0 ||
	    sceau_box_generate(&f->user) != 0 ||
	    sceau_cert_new_id(f->info.user_id) != 0 ||
	    sceau_cert_new_id(f->info.device_id) != 0 ||
	    sceau_random_bytes(rvk, sizeof(rvk)) != 0)
		return -1;
	(void)snprintf(f->info.server_url, sizeof(f->info.server_url),
	    "https://sceau.example.org:8443");
	(void)snprintf(f->info.org_id, sizeof(f->info.org_id), "acme");
	(void)snprintf(f->info.device_label, sizeof(f->info.device_label),
	    "laptop \xc3\xa9t\xc3\xa9");
	memcpy(f->info.root_verify_key, rvk, sizeof(rvk));
	f->info.created = 1700000000123456ULL;
	f->pw.kind = SCEAU_KEYFILE_PASSWORD;
	f->pw.password = PW;
	f->pw.password_len = strlen(PW);
	f->pw.argon2 = &low_cost;
	f->pw2 = f->pw;
	f->pw2.password = PW2;
	f->pw2.password_len = strlen(PW2);
	f->ring.kind = SCEAU_KEYFILE_KEYRING;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	(void)sceau_keyfile_keyring_remove(f->info.org_id, f->info.device_id);
	(void)nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	sceau_sign_free(f->dev);
	sceau_box_free(f->user);
	free(f);
	return 0;
}

/* The keys unlocked are the keys written. */
static void
check_keys(
    const struct fixture *f, const struct sceau_keyfile_keys *k, int with_user)
{
	uint8_t a[32], b[32];

	assert_non_null(k->device_key);
	sceau_sign_public(f->dev, a);
	sceau_sign_public(k->device_key, b);
	assert_memory_equal(a, b, 32);
	if (!with_user) {
		assert_null(k->user_key);
		return;
	}
	assert_non_null(k->user_key);
	sceau_box_public(f->user, a);
	sceau_box_public(k->user_key, b);
	assert_memory_equal(a, b, 32);
}

static void
check_info(const struct fixture *f, const struct sceau_keyfile_info *in,
    enum sceau_keyfile_protection p)
{
	assert_string_equal(in->server_url, f->info.server_url);
	assert_string_equal(in->org_id, f->info.org_id);
	assert_string_equal(in->user_id, f->info.user_id);
	assert_string_equal(in->device_id, f->info.device_id);
	assert_string_equal(in->device_label, f->info.device_label);
	assert_memory_equal(in->root_verify_key, f->info.root_verify_key, 32);
	assert_true(in->created == f->info.created);
	assert_int_equal(in->protection, p);
	if (p == SCEAU_KEYFILE_PASSWORD) {
		assert_int_equal(in->argon2.t_cost, 1);
		assert_int_equal(in->argon2.m_cost_kib, 8);
		assert_int_equal(in->argon2.parallelism, 1);
	}
}

static struct sceau_buf *
load(const char *path)
{
	struct sceau_buf *b = sceau_buf_new();

	assert_non_null(b);
	assert_int_equal(sceau_buf_load_file(path, 1 << 20, b), 0);
	return b;
}

static int
decode(const struct sceau_buf *b, const struct sceau_keyfile_auth *auth)
{
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	int r;

	r = sceau_keyfile_decode(
	    sceau_buf_ptr(b), sceau_buf_len(b), auth, &in, &k);
	if (r != 0) {
		assert_null(k.device_key);
		assert_null(k.user_key);
		assert_string_equal(in.org_id, "");
	}
	sceau_keyfile_keys_free(&k);
	return r;
}

static void
test_password_round_trip(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	struct stat st;

	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(sceau_keyfile_read_info(f->path, &in), 0);
	check_info(f, &in, SCEAU_KEYFILE_PASSWORD);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k), 0);
	check_info(f, &in, SCEAU_KEYFILE_PASSWORD);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	assert_null(k.device_key);
	sceau_keyfile_keys_free(NULL);

	/* Without a user key (a token holds it). */
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, NULL, &f->pw), 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k), 0);
	check_keys(f, &k, 0);
	sceau_keyfile_keys_free(&k);

	/* Wrong password, wrong kind, no auth. */
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw2, &in, &k),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_null(k.device_key);
	assert_int_equal(sceau_keyfile_open(f->path, &f->ring, &in, &k),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_keyfile_open(f->path, NULL, &in, &k),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_string_equal(
	    sceau_keyfile_protection_name(SCEAU_KEYFILE_TOKEN), "token");
	assert_null(
	    sceau_keyfile_protection_name((enum sceau_keyfile_protection)0));
}

static void
test_default_cost(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_auth a = f->pw;
	struct sceau_keyfile_info in;
	struct sceau_buf *b;

	/* No parameters: the interactive default goes into the header. */
	a.argon2 = NULL;
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(
	    sceau_keyfile_encode(&f->info, f->dev, NULL, &a, b), 0);
	assert_int_equal(
	    sceau_keyfile_decode_info(sceau_buf_ptr(b), sceau_buf_len(b), &in),
	    0);
	assert_int_equal(in.argon2.t_cost, SCEAU_KDF_ARGON2_T_DEFAULT);
	assert_int_equal(in.argon2.m_cost_kib, SCEAU_KDF_ARGON2_M_DEFAULT);
	assert_int_equal(in.argon2.parallelism, SCEAU_KDF_ARGON2_P_DEFAULT);
	sceau_buf_free(b);
}

/* Offsets in a password file (doc/keyfile.md). */
struct layout {
	size_t header_end, salt, check, nonce, ct, tag;
};

static void
file_layout(const struct sceau_buf *b, struct layout *l)
{
	const uint8_t *p = sceau_buf_ptr(b);
	uint32_t h = (uint32_t)p[9] << 24 | (uint32_t)p[10] << 16 |
	    (uint32_t)p[11] << 8 | p[12];

	l->header_end = 13 + h;
	l->check = l->header_end - 16;
	l->salt = l->check - 16;
	l->nonce = l->header_end;
	l->ct = l->nonce + 12 + 4;
	l->tag = sceau_buf_len(b) - 16;
}

static void
flip_and_decode(const struct fixture *f, size_t off, int want)
{
	struct sceau_buf *b = load(f->path);
	uint8_t *p = sceau_buf_mutable_ptr(b);

	tu_flip(p, off, 3);
	if (decode(b, &f->pw) != want)
		fail_msg(
		    "byte %zu flipped: expected %s", off, sceau_errname(want));
	sceau_buf_free(b);
}

static void
test_tampering(void **state)
{
	struct fixture *f = *state;
	struct sceau_buf *b;
	struct layout l;
	const uint8_t *rvk;

	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	b = load(f->path);
	file_layout(b, &l);
	assert_int_equal(decode(b, &f->pw), 0);
	rvk = memmem(
	    sceau_buf_ptr(b), sceau_buf_len(b), f->info.root_verify_key, 32);
	assert_non_null(rvk);
	/* Header bytes are authenticated (AAD). */
	flip_and_decode(
	    f, (size_t)(rvk - sceau_buf_ptr(b)) + 5, SCEAU_ERR_DECRYPT_FAILED);
	flip_and_decode(f, l.header_end - 48 - 1, SCEAU_ERR_DECRYPT_FAILED);
	/* The nonce, the ciphertext and the tag. */
	flip_and_decode(f, l.nonce, SCEAU_ERR_DECRYPT_FAILED);
	flip_and_decode(f, l.ct, SCEAU_ERR_DECRYPT_FAILED);
	flip_and_decode(f, l.tag - 1, SCEAU_ERR_DECRYPT_FAILED);
	flip_and_decode(f, l.tag + 15, SCEAU_ERR_DECRYPT_FAILED);
	/* Salt and check value: indistinguishable from a wrong password. */
	flip_and_decode(f, l.salt, SCEAU_ERR_WRONG_PASSWORD);
	flip_and_decode(f, l.check + 15, SCEAU_ERR_WRONG_PASSWORD);
	/* Structure. */
	flip_and_decode(f, 0, SCEAU_ERR_KEYFILE_FORMAT);
	flip_and_decode(f, 8, SCEAU_ERR_KEYFILE_FORMAT);
	flip_and_decode(f, 13, SCEAU_ERR_KEYFILE_FORMAT);
	/* Out-of-bounds Argon2 cost (t_cost high byte). */
	flip_and_decode(f, l.salt - 12, SCEAU_ERR_KDF_PARAMS);
	sceau_buf_free(b);
}

static void
test_truncation(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_buf *b, *c;
	size_t n, i;

	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	b = load(f->path);
	n = sceau_buf_len(b);
	for (i = 0; i < n; i++) {
		assert_non_null(c = sceau_buf_from(sceau_buf_ptr(b), i));
		if (decode(c, &f->pw) != SCEAU_ERR_KEYFILE_FORMAT)
			fail_msg("file cut at %zu of %zu not refused", i, n);
		sceau_buf_free(c);
	}
	/* One byte too many. */
	assert_int_equal(sceau_buf_put_u8(b, 0), 0);
	assert_int_equal(decode(b, &f->pw), SCEAU_ERR_KEYFILE_FORMAT);
	assert_int_equal(
	    sceau_keyfile_decode_info(NULL, 0, &in), SCEAU_ERR_KEYFILE_FORMAT);
	sceau_buf_free(b);
}

static void
test_file_checks(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	char link[160], big[160];
	struct sceau_buf *b;

	assert_int_equal(
	    sceau_keyfile_open(f->path, &f->pw, &in, &k), SCEAU_ERR_NOT_FOUND);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k),
	    SCEAU_ERR_INSECURE_FILE);
	assert_int_equal(
	    sceau_keyfile_read_info(f->path, &in), SCEAU_ERR_INSECURE_FILE);
	assert_int_equal(chmod(f->path, 0600), 0);
	/* Not through a symbolic link. */
	(void)snprintf(link, sizeof(link), "%s/link.key", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	assert_int_not_equal(sceau_keyfile_open(link, &f->pw, &in, &k), 0);
	/* Too large. */
	(void)snprintf(big, sizeof(big), "%s/big.key", f->dir);
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_reserve(b, SCEAU_KEYFILE_MAX + 1, NULL), 0);
	assert_int_equal(sceau_buf_write_file_atomic(big, 0600, b), 0);
	assert_int_equal(
	    sceau_keyfile_read_info(big, &in), SCEAU_ERR_KEYFILE_FORMAT);
	sceau_buf_free(b);
	/* Bad header on write. */
	in = f->info;
	memcpy(in.org_id, "a/b", 4);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &in, f->dev, NULL, &f->pw),
	    SCEAU_ERR_INVALID_ARGUMENT);
	in = f->info;
	memcpy(in.server_url, "http://x/y", 11);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &in, f->dev, NULL, &f->pw),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* The file written before is still the one there. */
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k), 0);
	sceau_keyfile_keys_free(&k);
}

static void
test_keyring(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	char desc[128];

	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->ring),
	    0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->ring, &in, &k), 0);
	check_info(f, &in, SCEAU_KEYFILE_KEYRING);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	/* The key is where it should be. */
	(void)snprintf(desc, sizeof(desc), "sceau:%s:%s", f->info.org_id,
	    f->info.device_id);
	assert_true(keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc, 0) > 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* Gone from the keyring (a reboot): SCEAU_ERR_KEYRING. */
	assert_int_equal(
	    sceau_keyfile_keyring_remove(f->info.org_id, f->info.device_id), 0);
	assert_int_equal(
	    sceau_keyfile_keyring_remove(f->info.org_id, f->info.device_id), 0);
	assert_int_equal(
	    sceau_keyfile_open(f->path, &f->ring, &in, &k), SCEAU_ERR_KEYRING);
	assert_null(k.device_key);
	/* A key of the right name but another value: altered. */
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, NULL, &f->ring), 0);
	assert_int_equal(
	    sceau_keyfile_keyring_remove(f->info.org_id, f->info.device_id), 0);
	assert_true(add_key("user", desc, "0123456789abcdef0123456789abcdef",
	                32, KEY_SPEC_USER_KEYRING) > 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->ring, &in, &k),
	    SCEAU_ERR_DECRYPT_FAILED);
	/* A key of the wrong size. */
	assert_true(
	    add_key("user", desc, "short", 5, KEY_SPEC_USER_KEYRING) > 0);
	assert_int_equal(
	    sceau_keyfile_open(f->path, &f->ring, &in, &k), SCEAU_ERR_KEYRING);
}

static void
test_keyring_reuse(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	struct sceau_buf *first;

	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->ring),
	    0);
	first = load(f->path);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, NULL, &f->ring), 0);
	/* Both files open: the second write did not replace the key. */
	assert_int_equal(sceau_keyfile_decode(sceau_buf_ptr(first),
	                     sceau_buf_len(first), &f->ring, &in, &k),
	    0);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	assert_int_equal(sceau_keyfile_open(f->path, &f->ring, &in, &k), 0);
	check_keys(f, &k, 0);
	sceau_keyfile_keys_free(&k);
	sceau_buf_free(first);
}

static void
test_change_protection(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	struct sceau_keyfile_auth tok = {.kind = SCEAU_KEYFILE_TOKEN};
	struct sceau_buf *before, *after;
	char desc[128];

	(void)snprintf(desc, sizeof(desc), "sceau:%s:%s", f->info.org_id,
	    f->info.device_id);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	/* A wrong old password changes nothing. */
	before = load(f->path);
	assert_int_equal(
	    sceau_keyfile_change_protection(f->path, &f->pw2, &f->ring),
	    SCEAU_ERR_WRONG_PASSWORD);
	/* A token auth without a token (test-token.c has real ones). */
	assert_int_equal(sceau_keyfile_change_protection(f->path, &f->pw, &tok),
	    SCEAU_ERR_INVALID_ARGUMENT);
	after = load(f->path);
	assert_int_equal(sceau_buf_equals(before, after), 0);
	sceau_buf_free(after);
	/* password -> keyring */
	assert_int_equal(
	    sceau_keyfile_change_protection(f->path, &f->pw, &f->ring), 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_keyfile_open(f->path, &f->ring, &in, &k), 0);
	check_info(f, &in, SCEAU_KEYFILE_KEYRING);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	/* keyring -> keyring keeps the key. */
	assert_int_equal(
	    sceau_keyfile_change_protection(f->path, &f->ring, &f->ring), 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->ring, &in, &k), 0);
	sceau_keyfile_keys_free(&k);
	/* keyring -> password: the keyring key goes. */
	assert_int_equal(
	    sceau_keyfile_change_protection(f->path, &f->ring, &f->pw2), 0);
	assert_true(keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc, 0) < 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k),
	    SCEAU_ERR_WRONG_PASSWORD);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw2, &in, &k), 0);
	check_info(f, &in, SCEAU_KEYFILE_PASSWORD);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	/* password -> password */
	assert_int_equal(
	    sceau_keyfile_change_protection(f->path, &f->pw2, &f->pw), 0);
	assert_int_equal(sceau_keyfile_open(f->path, &f->pw, &in, &k), 0);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	assert_int_equal(sceau_keyfile_change_protection(f->path, NULL, &f->pw),
	    SCEAU_ERR_INVALID_ARGUMENT);
	sceau_buf_free(before);
}

static void
test_token_refused(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_auth tok = {.kind = SCEAU_KEYFILE_TOKEN};
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_keyfile_encode(&f->info, f->dev, NULL, &tok, b),
	    SCEAU_ERR_INVALID_ARGUMENT);
	tok.kind = (enum sceau_keyfile_protection)7;
	assert_int_equal(sceau_keyfile_encode(&f->info, f->dev, NULL, &tok, b),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
}

/*
 * A key file built by hand from doc/keyfile.md, holding extra secret
 * items of a later version: it opens, and change-auth keeps the items.
 */
static void
hand_header(const struct fixture *f, const uint8_t *salt, const uint8_t *chk,
    struct sceau_buf *out)
{
	struct sceau_buf *h = sceau_buf_new(), *pb = sceau_buf_new();

	assert_non_null(h);
	assert_non_null(pb);
	assert_int_equal(sceau_kdf_argon2_params_put(pb, &low_cost), 0);
	assert_int_equal(sceau_buf_put(pb, salt, 16), 0);
	assert_int_equal(sceau_buf_put(pb, chk, 16), 0);
	assert_int_equal(sceau_buf_put_u8(h, SCEAU_KEYFILE_PASSWORD), 0);
	assert_int_equal(sceau_buf_put_cstring(h, f->info.server_url), 0);
	assert_int_equal(sceau_buf_put_cstring(h, f->info.org_id), 0);
	assert_int_equal(sceau_buf_put_cstring(h, f->info.user_id), 0);
	assert_int_equal(sceau_buf_put_cstring(h, f->info.device_id), 0);
	assert_int_equal(sceau_buf_put_cstring(h, f->info.device_label), 0);
	assert_int_equal(
	    sceau_buf_put_string(h, f->info.root_verify_key, 32), 0);
	assert_int_equal(sceau_buf_put_u64(h, f->info.created), 0);
	assert_int_equal(sceau_buf_put_stringb(h, pb), 0);
	assert_int_equal(sceau_buf_put(out, "SCEAUKEY", 8), 0);
	assert_int_equal(sceau_buf_put_u8(out, 1), 0);
	assert_int_equal(sceau_buf_put_stringb(out, h), 0);
	sceau_buf_free(h);
	sceau_buf_free(pb);
}

static void
hand_seal(
    const struct fixture *f, const struct sceau_buf *pt, struct sceau_buf *out)
{
	uint8_t salt[16], kc[48], nonce[12], *ct;
	size_t aadlen;

	assert_int_equal(sceau_random_bytes(salt, 16), 0);
	assert_int_equal(sceau_random_bytes(nonce, 12), 0);
	assert_int_equal(sceau_kdf_argon2id(PW, strlen(PW), salt, 16, NULL, 0,
	                     NULL, 0, &low_cost, kc, sizeof(kc)),
	    0);
	hand_header(f, salt, kc + 32, out);
	assert_int_equal(sceau_buf_put(out, nonce, 12), 0);
	aadlen = sceau_buf_len(out);
	assert_int_equal(
	    sceau_buf_put_u32(out, (uint32_t)sceau_buf_len(pt)), 0);
	assert_int_equal(
	    sceau_buf_reserve(out, sceau_buf_len(pt) + 16, &ct), 0);
	assert_int_equal(sceau_aead_encrypt(NULL, kc, nonce, sceau_buf_ptr(out),
	                     aadlen, sceau_buf_ptr(pt), sceau_buf_len(pt), ct,
	                     ct + sceau_buf_len(pt)),
	    0);
}

/* Decrypts a password file by hand; appends the secrets to pt. */
static void
hand_open(const struct sceau_buf *file, struct sceau_buf *pt)
{
	const uint8_t *p = sceau_buf_ptr(file);
	struct layout l;
	uint8_t kc[48], *out;
	struct sceau_kdf_argon2_params par;
	struct sceau_buf *pb;
	size_t ctlen;

	file_layout(file, &l);
	ctlen = l.tag - l.ct;
	assert_non_null(pb = sceau_buf_from(p + l.salt - 12, 12));
	assert_int_equal(sceau_kdf_argon2_params_get(pb, &par), 0);
	sceau_buf_free(pb);
	assert_int_equal(sceau_kdf_argon2id(PW, strlen(PW), p + l.salt, 16,
	                     NULL, 0, NULL, 0, &par, kc, sizeof(kc)),
	    0);
	assert_int_equal(sceau_buf_reserve(pt, ctlen, &out), 0);
	assert_int_equal(sceau_aead_decrypt(NULL, kc, p + l.nonce, p,
	                     l.nonce + 12, p + l.ct, ctlen, p + l.tag, out),
	    0);
}

static void
put_item(struct sceau_buf *b, uint16_t type, const void *v, size_t n)
{
	assert_int_equal(sceau_buf_put_u16(b, type), 0);
	assert_int_equal(sceau_buf_put_u32(b, (uint32_t)n), 0);
	assert_int_equal(sceau_buf_put(b, v, n), 0);
}

static void
test_hand_built(void **state)
{
	struct fixture *f = *state;
	struct sceau_buf *pt, *file, *got;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	uint8_t seed[32], sk[32];

	assert_non_null(pt = sceau_buf_new());
	assert_non_null(file = sceau_buf_new());
	assert_non_null(got = sceau_buf_new());
	sceau_sign_seed(f->dev, seed);
	sceau_box_secret(f->user, sk);
	assert_int_equal(sceau_buf_put_u8(pt, 1), 0);
	put_item(pt, 77, "later secret", 12);
	put_item(pt, 2, sk, 32);
	put_item(pt, 1, seed, 32);
	put_item(pt, 78, "", 0);
	hand_seal(f, pt, file);
	assert_int_equal(sceau_keyfile_decode(sceau_buf_ptr(file),
	                     sceau_buf_len(file), &f->pw, &in, &k),
	    0);
	check_info(f, &in, SCEAU_KEYFILE_PASSWORD);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	/* change-auth keeps every item, in order. */
	assert_int_equal(sceau_buf_write_file_atomic(f->path, 0600, file), 0);
	assert_int_equal(
	    sceau_keyfile_change_protection(f->path, &f->pw, &f->pw), 0);
	sceau_buf_free(file);
	file = load(f->path);
	hand_open(file, got);
	assert_int_equal(sceau_buf_equals(pt, got), 0);

	/* Refused: repeated item, missing device key, bad sizes, version. */
	sceau_buf_reset(pt);
	assert_int_equal(sceau_buf_put_u8(pt, 1), 0);
	put_item(pt, 1, seed, 32);
	put_item(pt, 1, seed, 32);
	sceau_buf_reset(file);
	hand_seal(f, pt, file);
	assert_int_equal(decode(file, &f->pw), SCEAU_ERR_KEYFILE_FORMAT);
	sceau_buf_reset(pt);
	assert_int_equal(sceau_buf_put_u8(pt, 1), 0);
	put_item(pt, 2, sk, 32);
	sceau_buf_reset(file);
	hand_seal(f, pt, file);
	assert_int_equal(decode(file, &f->pw), SCEAU_ERR_KEYFILE_FORMAT);
	sceau_buf_reset(pt);
	assert_int_equal(sceau_buf_put_u8(pt, 1), 0);
	put_item(pt, 1, seed, 31);
	sceau_buf_reset(file);
	hand_seal(f, pt, file);
	assert_int_equal(decode(file, &f->pw), SCEAU_ERR_KEYFILE_FORMAT);
	sceau_buf_reset(pt);
	assert_int_equal(sceau_buf_put_u8(pt, 2), 0);
	put_item(pt, 1, seed, 32);
	sceau_buf_reset(file);
	hand_seal(f, pt, file);
	assert_int_equal(decode(file, &f->pw), SCEAU_ERR_KEYFILE_FORMAT);
	/* An item longer than what is left. */
	sceau_buf_reset(pt);
	assert_int_equal(sceau_buf_put_u8(pt, 1), 0);
	put_item(pt, 1, seed, 32);
	assert_int_equal(sceau_buf_put_u16(pt, 9), 0);
	assert_int_equal(sceau_buf_put_u32(pt, 100), 0);
	sceau_buf_reset(file);
	hand_seal(f, pt, file);
	assert_int_equal(decode(file, &f->pw), SCEAU_ERR_KEYFILE_FORMAT);
	sceau_buf_free(pt);
	sceau_buf_free(file);
	sceau_buf_free(got);
}

struct torture {
	struct fixture *f;
	const struct sceau_keyfile_auth *auth;
	struct sceau_buf *file;
};

static int
torture_encode(void *arg)
{
	struct torture *t = arg;
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_keyfile_encode(
	    &t->f->info, t->f->dev, t->f->user, t->auth, b);
	sceau_buf_free(b);
	return r;
}

static int
torture_decode(void *arg)
{
	struct torture *t = arg;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	int r;

	r = sceau_keyfile_decode(
	    sceau_buf_ptr(t->file), sceau_buf_len(t->file), t->auth, &in, &k);
	sceau_keyfile_keys_free(&k);
	return r;
}

static int
torture_change(void *arg)
{
	struct torture *t = arg;

	return sceau_keyfile_change_protection(t->f->path, t->auth, t->auth);
}

static void
test_alloc_torture(void **state)
{
	struct fixture *f = *state;
	struct torture t = {f, &f->pw, NULL};

	(void)tu_alloc_torture(torture_encode, &t, 200);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	t.file = load(f->path);
	(void)tu_alloc_torture(torture_decode, &t, 200);
	(void)tu_alloc_torture(torture_change, &t, 200);
	sceau_buf_free(t.file);
	t.auth = &f->ring;
	(void)tu_alloc_torture(torture_encode, &t, 200);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->ring),
	    0);
	t.file = load(f->path);
	(void)tu_alloc_torture(torture_decode, &t, 200);
	sceau_buf_free(t.file);
}

/*
 * Recovery files: another magic, bound by the AEAD; never written over a
 * file; read whatever their mode; neither kind is taken for the other.
 */
static void
test_recovery_kind(void **state)
{
	struct fixture *f = *state;
	struct sceau_keyfile_info in;
	struct sceau_keyfile_keys k;
	struct sceau_buf *b, *before;
	char rpath[160];
	struct stat st;

	(void)snprintf(rpath, sizeof(rpath), "%s/x.sceau-recovery", f->dir);
	assert_int_equal(sceau_keyfile_write_recovery(
	                     rpath, &f->info, f->dev, f->user, &f->pw),
	    0);
	assert_int_equal(stat(rpath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	b = load(rpath);
	assert_memory_equal(sceau_buf_ptr(b), "SCEAUREC", 8);
	/* Never over an existing file. */
	assert_int_equal(sceau_keyfile_write_recovery(
	                     rpath, &f->info, f->dev, f->user, &f->pw2),
	    SCEAU_ERR_EXISTS);
	before = load(rpath);
	assert_int_equal(sceau_buf_equals(b, before), 0);
	sceau_buf_free(before);
	/* Opens as a recovery file, even readable by others. */
	assert_int_equal(chmod(rpath, 0644), 0);
	assert_int_equal(sceau_keyfile_read_recovery_info(rpath, &in), 0);
	assert_int_equal(in.kind, SCEAU_KEYFILE_KIND_RECOVERY);
	assert_int_equal(
	    sceau_keyfile_open_recovery(rpath, &f->pw, &in, &k), 0);
	check_info(f, &in, SCEAU_KEYFILE_PASSWORD);
	assert_int_equal(in.kind, SCEAU_KEYFILE_KIND_RECOVERY);
	check_keys(f, &k, 1);
	sceau_keyfile_keys_free(&k);
	assert_int_equal(sceau_keyfile_open_recovery(rpath, &f->pw2, &in, &k),
	    SCEAU_ERR_WRONG_PASSWORD);
	/* Not a device key file, nor the reverse. */
	assert_int_equal(chmod(rpath, 0600), 0);
	assert_int_equal(sceau_keyfile_open(rpath, &f->pw, &in, &k),
	    SCEAU_ERR_KEYFILE_FORMAT);
	assert_null(k.device_key);
	assert_int_equal(
	    sceau_keyfile_read_info(rpath, &in), SCEAU_ERR_KEYFILE_FORMAT);
	assert_int_equal(
	    sceau_keyfile_change_protection(rpath, &f->pw, &f->pw2),
	    SCEAU_ERR_KEYFILE_FORMAT);
	assert_int_equal(
	    sceau_keyfile_write(f->path, &f->info, f->dev, f->user, &f->pw), 0);
	assert_int_equal(sceau_keyfile_open_recovery(f->path, &f->pw, &in, &k),
	    SCEAU_ERR_KEYFILE_FORMAT);
	assert_int_equal(sceau_keyfile_read_recovery_info(f->path, &in),
	    SCEAU_ERR_KEYFILE_FORMAT);
	/* The magic is authenticated: renamed, the file does not open. */
	memcpy(sceau_buf_mutable_ptr(b), "SCEAUKEY", 8);
	assert_int_equal(decode(b, &f->pw), SCEAU_ERR_DECRYPT_FAILED);
	sceau_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_password_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_cost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keyring, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_keyring_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_change_protection, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_token_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hand_built, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_recovery_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_alloc_torture, setup, teardown),
	};

	return TU_TAP_MAIN("keyfile", tests);
}
