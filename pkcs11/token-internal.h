/*
 * token-internal.h: what the files of the token layer share (token.c,
 * token-module.c, token-host.c).  Not for other modules: PKCS#11 types
 * stay inside pkcs11/.
 */
#ifndef SCEAU_TOKEN_INTERNAL_H
#define SCEAU_TOKEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "token.h"

/* Upper bounds on what a module may hand us. */
#define TOKEN_SLOTS_MAX 256
#define TOKEN_OBJECTS_MAX 64
#define TOKEN_ID_MAX 256
#define TOKEN_EC_FIELD_MAX 48 /* P-384 */
#define TOKEN_EC_POINT_MAX (1 + 2 * TOKEN_EC_FIELD_MAX)
#define TOKEN_RSA_BITS_MIN 2048
#define TOKEN_RSA_BITS_MAX 8192

/*
 * The modules of one handle or one listing, loaded through p11-kit: every
 * registered module (modules_load_and_initialize), one of them by name
 * (modules_load, then module_initialize of that one), or one by path
 * (module_load and module_initialize).  p11-kit counts initializations,
 * so finalizing ours leaves other users of a module alone.
 */
struct token_modset {
	CK_FUNCTION_LIST **all; /* registered modules, or NULL */
	CK_FUNCTION_LIST *one; /* the module chosen by name or path */
	CK_FUNCTION_LIST *single[2]; /* { one, NULL } */
	int initialized_all; /* all were initialized (no name, no path) */
	int policy_list; /* all: the policy's modules, each loaded by path */
	char path[1024]; /* when loaded by path */
};

/* Loads by name, by path (allow-list), or all when both are NULL. */
int token_modset_open(
    const char *name, const char *path, struct token_modset **msp) SCEAU_WUR;
/* The NULL-terminated modules to search. */
CK_FUNCTION_LIST **token_modset_modules(struct token_modset *ms);
void token_modset_close(struct token_modset *ms);
/* Display name of module f: its p11-kit name, or the path. */
void token_module_name(
    const struct token_modset *ms, CK_FUNCTION_LIST *f, char *out, size_t size);

/*
 * Maps a PKCS#11 return value to a SCEAU_ERR_* code and leaves "what:
 * message (CKR 0x..)" in sceau_message().  CKR_OK gives 0.
 */
int token_rv_error(CK_RV rv, const char *what);

/* Fills info from the module's slot and token information. */
void token_info_fill(const struct token_modset *ms, CK_FUNCTION_LIST *f,
    CK_SLOT_ID slot, const CK_SLOT_INFO *si, const CK_TOKEN_INFO *ti,
    struct sceau_token_info *info);
enum sceau_token_pin_state token_pin_state(CK_FLAGS flags);

/* Counts one operation on the global counter. */
void token_count_global(void);

/* Host side (token-host.c). */
int token_cert_pubkey(const uint8_t *der, size_t len, EVP_PKEY **pkp,
    enum sceau_token_key_type *type, unsigned int *bits) SCEAU_WUR;
size_t token_ec_field_len(enum sceau_token_key_type type);
/* The uncompressed point of an EC key (1 + 2 * field bytes). */
int token_ec_point(const EVP_PKEY *pk, enum sceau_token_key_type type,
    uint8_t *out, size_t *lenp) SCEAU_WUR;
/* Checks that point[0..len) is a valid point of the key type's curve. */
int token_ec_point_check(
    enum sceau_token_key_type type, const uint8_t *point, size_t len) SCEAU_WUR;
/* The wrap key: HKDF-SHA256(salt = E || R, ikm = shared, info by curve). */
int token_ec_wrap_key(enum sceau_token_key_type type, const uint8_t *e,
    const uint8_t *r, const uint8_t *shared, uint8_t key[32]) SCEAU_WUR;
/* The blob's alg for an EC key type, or 0. */
int token_ec_wrap_alg(enum sceau_token_key_type type);
/* Length of an EC blob for its alg. */
size_t token_ec_wrap_len(enum sceau_token_key_type type);
/* The digest made on the host before C_Sign. */
const char *token_sig_md(enum sceau_token_key_type type);

#endif /* SCEAU_TOKEN_INTERNAL_H */
