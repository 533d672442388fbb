/*
 * fuzz-keyfile.c: the device key file parser (src/keyfile.c), recovery
 * files included: the public header, then the unlock and decrypt path
 * with the password "fuzz".
 *
 * Properties: a refusal is one of the documented codes and leaves the
 * header and keys zeroed; an accepted header holds valid ids and a valid
 * server URL, and decoding agrees with it; a file that unlocks holds a
 * device key, and what it holds seals again (same header, same password)
 * into a file that unlocks to the same keys.
 *
 * Only password files whose Argon2 cost is at most t=2, 64 KiB are
 * decrypted, so that an input cannot cost the fuzzer minutes (the header
 * bounds allow t=64, 4 GiB).  Keyring files stop at the header: the
 * keyring is the machine's, not the fuzzer's.
 *
 * The seeds in corpus/keyfile were written by sceau_keyfile_encode() with
 * the password "fuzz" at t=1, 8 KiB (names say what each holds), plus
 * files cut, altered or built by hand around them (recovery-user-key:
 * password-user-key resealed by hand under the recovery magic, with
 * Python's cryptography, from doc/keyfile.md).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "box.h"
#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "fuzz.h"
#include "keyfile.h"
#include "link.h"
#include "sign.h"

#define FUZZ_PASSWORD "fuzz"
#define FUZZ_T_MAX 2
#define FUZZ_M_MAX 64

static int
fuzz_known_error(int r)
{
	return r == SCEAU_ERR_KEYFILE_FORMAT || r == SCEAU_ERR_KDF_PARAMS ||
	    r == SCEAU_ERR_ALLOC;
}

static int
fuzz_unlock_error(int r)
{
	return fuzz_known_error(r) || r == SCEAU_ERR_WRONG_PASSWORD ||
	    r == SCEAU_ERR_DECRYPT_FAILED || r == SCEAU_ERR_NOT_SUPPORTED ||
	    r == SCEAU_ERR_PASSWORD_HASH || r == SCEAU_ERR_SECMEM;
}

static void
fuzz_check_info(const struct sceau_keyfile_info *in)
{
	struct sceau_link_server srv;

	fuzz_assert(sceau_org_id_valid(in->org_id));
	fuzz_assert(sceau_cert_id_valid(in->user_id));
	fuzz_assert(sceau_cert_id_valid(in->device_id));
	fuzz_assert(sceau_link_url_parse(in->server_url, &srv) == 0);
	fuzz_assert(strlen(in->device_label) <= SCEAU_KEYFILE_LABEL_MAX);
	fuzz_assert(sceau_keyfile_protection_name(in->protection) != NULL);
	fuzz_assert(in->kind == SCEAU_KEYFILE_KIND_DEVICE ||
	    in->kind == SCEAU_KEYFILE_KIND_RECOVERY);
}

static int
fuzz_same_info(
    const struct sceau_keyfile_info *a, const struct sceau_keyfile_info *b)
{
	return strcmp(a->server_url, b->server_url) == 0 &&
	    strcmp(a->org_id, b->org_id) == 0 &&
	    strcmp(a->user_id, b->user_id) == 0 &&
	    strcmp(a->device_id, b->device_id) == 0 &&
	    strcmp(a->device_label, b->device_label) == 0 &&
	    memcmp(a->root_verify_key, b->root_verify_key, 32) == 0 &&
	    a->created == b->created && a->protection == b->protection &&
	    a->kind == b->kind && a->argon2.t_cost == b->argon2.t_cost &&
	    a->argon2.m_cost_kib == b->argon2.m_cost_kib &&
	    a->argon2.parallelism == b->argon2.parallelism;
}

/* Seals what was unlocked again and checks it unlocks the same. */
static void
fuzz_reseal(const struct sceau_keyfile_info *in,
    const struct sceau_keyfile_keys *keys,
    const struct sceau_keyfile_auth *auth)
{
	struct sceau_keyfile_info in2;
	struct sceau_keyfile_keys k2;
	uint8_t a[32], b[32];
	struct sceau_buf *out = sceau_buf_new();

	fuzz_assert(out != NULL);
	fuzz_assert(sceau_keyfile_encode(
	                in, keys->device_key, keys->user_key, auth, out) == 0);
	fuzz_assert(sceau_keyfile_decode(sceau_buf_ptr(out), sceau_buf_len(out),
	                auth, &in2, &k2) == 0);
	fuzz_assert(fuzz_same_info(in, &in2));
	sceau_sign_public(keys->device_key, a);
	sceau_sign_public(k2.device_key, b);
	fuzz_assert(memcmp(a, b, 32) == 0);
	fuzz_assert((keys->user_key == NULL) == (k2.user_key == NULL));
	if (keys->user_key != NULL) {
		sceau_box_public(keys->user_key, a);
		sceau_box_public(k2.user_key, b);
		fuzz_assert(memcmp(a, b, 32) == 0);
	}
	sceau_keyfile_keys_free(&k2);
	sceau_buf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sceau_keyfile_auth auth = {.kind = SCEAU_KEYFILE_PASSWORD,
	    .password = FUZZ_PASSWORD,
	    .password_len = strlen(FUZZ_PASSWORD)};
	struct sceau_keyfile_info info, info2;
	struct sceau_keyfile_keys keys;
	int r;

	r = sceau_keyfile_decode_info(data, size, &info);
	if (r != 0) {
		fuzz_assert(fuzz_known_error(r));
		fuzz_assert(info.org_id[0] == '\0');
		return 0;
	}
	fuzz_check_info(&info);
	if (info.protection != SCEAU_KEYFILE_PASSWORD ||
	    info.argon2.t_cost > FUZZ_T_MAX ||
	    info.argon2.m_cost_kib > FUZZ_M_MAX)
		return 0;
	auth.argon2 = &info.argon2;
	r = sceau_keyfile_decode(data, size, &auth, &info2, &keys);
	if (r != 0) {
		fuzz_assert(fuzz_unlock_error(r));
		fuzz_assert(keys.device_key == NULL && keys.user_key == NULL);
		fuzz_assert(info2.org_id[0] == '\0');
		return 0;
	}
	fuzz_assert(fuzz_same_info(&info, &info2));
	fuzz_assert(keys.device_key != NULL);
	fuzz_reseal(&info, &keys, &auth);
	sceau_keyfile_keys_free(&keys);
	return 0;
}
