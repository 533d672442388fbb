/*
 * manifest.h: vlobs (signed, encrypted versions of workspace records) and
 * the manifests inside them (workspace root, folders, files).
 *
 * Formats: doc/workspaces.md.  A vlob is verified (signature), then
 * decrypted (workspace key), then parsed; nothing is parsed before its
 * signature verifies, and the plaintext repeats the vlob id so that a
 * manifest cannot be moved.
 */
#ifndef SCEAU_MANIFEST_H
#define SCEAU_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "sign.h"

#define SCEAU_VLOB_MAX (4 * 1024 * 1024) /* encoded vlob */
#define SCEAU_NAME_MAX_BYTES 255 /* a file or folder name */
#define SCEAU_BLOCK_SIZE (512 * 1024) /* plaintext bytes per block */
#define SCEAU_BLOCK_ID_LEN 16
#define SCEAU_BLOCK_OVERHEAD (12 + 16) /* nonce + tag */
#define SCEAU_BLOCK_MAX (1024 * 1024) /* ciphertext bytes of one block */
#define SCEAU_FOLDER_ENTRIES_MAX 100000
#define SCEAU_FILE_BLOCKS_MAX 30000 /* 15 GiB files at 512 KiB */

enum sceau_manifest_type {
	SCEAU_MANIFEST_ROOT = 1,
	SCEAU_MANIFEST_FOLDER = 2,
	SCEAU_MANIFEST_FILE = 3,
};

/* The clear fields of a vlob; pointers lent from the encoded blob. */
struct sceau_vlob_header {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char realm_id[SCEAU_ID_LEN + 1];
	char vlob_id[SCEAU_ID_LEN + 1];
	uint64_t version;
	uint64_t timestamp; /* author's clock, microseconds */
	char author[SCEAU_ID_LEN + 1];
	uint32_t key_index;
	const uint8_t *ciphertext; /* nonce || ciphertext || tag */
	size_t ciphertext_len;
};

/*
 * Parses what a signer is asked to sign for a vlob (the domain, the clear
 * fields and the ciphertext, no signature): for a signer that signs for
 * another process (sceau-agent), which checks h's organization and author.
 * h->ciphertext points into tbs.  SCEAU_ERR_INVALID_FORMAT.
 */
int sceau_vlob_tbs_parse(
    const uint8_t *tbs, size_t n, struct sceau_vlob_header *h) SCEAU_WUR;

/*
 * Parses the clear fields without any cryptography: for the server, which
 * checks where a vlob claims to belong.  The signature is NOT verified.
 * SCEAU_ERR_INVALID_FORMAT.
 */
int sceau_vlob_parse(const uint8_t *blob, size_t n, struct sceau_vlob_header *h)
    SCEAU_WUR;

/*
 * Verifies the signature with the author's verify key vk, then parses.
 * SCEAU_ERR_SIGNATURE_INVALID, SCEAU_ERR_INVALID_FORMAT.
 */
int sceau_vlob_verify(const uint8_t *blob, size_t n,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_vlob_header *h)
    SCEAU_WUR;

/*
 * Encrypts plaintext under key (the workspace key of h->key_index) and
 * signs the whole with sk; h gives every clear field (its ciphertext
 * fields are ignored).  Appends the vlob to out.
 */
int sceau_vlob_seal(const struct sceau_vlob_header *h, const uint8_t key[32],
    const uint8_t *plaintext, size_t n, const struct sceau_signkey *sk,
    struct sceau_buf *out) SCEAU_WUR;

/*
 * Verifies (vk), then decrypts with key (the workspace key of the vlob's
 * key index, which the caller read from a first sceau_vlob_parse), and
 * appends the plaintext to out.  SCEAU_ERR_SIGNATURE_INVALID,
 * SCEAU_ERR_DECRYPT_FAILED, SCEAU_ERR_INVALID_FORMAT.
 */
int sceau_vlob_open(const uint8_t *blob, size_t n,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], const uint8_t key[32],
    struct sceau_vlob_header *h, struct sceau_buf *out) SCEAU_WUR;

/*
 * The same without the signature, for a blob this device verified before
 * it kept it (its store): AES-GCM under the workspace key, with the clear
 * fields as associated data, still authenticates it against anyone
 * without that key.  SCEAU_ERR_DECRYPT_FAILED, SCEAU_ERR_INVALID_FORMAT.
 */
int sceau_vlob_open_verified(const uint8_t *blob, size_t n,
    const uint8_t key[32], struct sceau_vlob_header *h, struct sceau_buf *out)
    SCEAU_WUR;

/* A block of a file: where it sits, its key, its digest. */
struct sceau_block_desc {
	uint8_t id[SCEAU_BLOCK_ID_LEN];
	uint8_t key[32]; /* AES-256 key of this block only */
	uint64_t offset; /* in the file */
	uint32_t size; /* plaintext bytes */
	uint32_t ct_size; /* ciphertext bytes: size + SCEAU_BLOCK_OVERHEAD */
	uint8_t digest[32]; /* SHA-256 of the ciphertext */
};

struct sceau_manifest_entry {
	char name[SCEAU_NAME_MAX_BYTES + 1];
	char child_id[SCEAU_ID_LEN + 1];
	enum sceau_manifest_type child_type; /* FOLDER or FILE */
};

/*
 * A decoded manifest.  Folder and root use entries (sorted by name, unique
 * names); a file uses size and blocks.  Block keys are secrets: free with
 * sceau_manifest_free(), which wipes them.
 */
struct sceau_manifest {
	enum sceau_manifest_type type;
	char vlob_id[SCEAU_ID_LEN + 1];
	char parent_id[SCEAU_ID_LEN + 1]; /* "" for the root */
	uint64_t created, updated; /* microseconds */
	struct sceau_manifest_entry *entries;
	size_t n_entries, cap_entries;
	uint64_t size;
	uint32_t block_size;
	struct sceau_block_desc *blocks;
	size_t n_blocks, cap_blocks;
};

/* 1 if name is a valid file or folder name (see doc/workspaces.md). */
int sceau_name_valid(const char *name);

/* New empty manifest of type; NULL on ENOMEM or bad arguments. */
struct sceau_manifest *sceau_manifest_new(enum sceau_manifest_type type,
    const char *vlob_id, const char *parent_id, uint64_t now);
void sceau_manifest_free(struct sceau_manifest *m);
/* Deep copy (NULL on ENOMEM). */
struct sceau_manifest *sceau_manifest_dup(const struct sceau_manifest *m);

int sceau_manifest_encode(const struct sceau_manifest *m, struct sceau_buf *out)
    SCEAU_WUR;
/* Decodes and checks every invariant.  SCEAU_ERR_INVALID_FORMAT. */
int sceau_manifest_decode(
    const uint8_t *p, size_t n, struct sceau_manifest **mp) SCEAU_WUR;

/* Folder entries: find (NULL), add (SCEAU_ERR_EXISTS), remove (NOT_FOUND). */
const struct sceau_manifest_entry *sceau_manifest_find(
    const struct sceau_manifest *m, const char *name);
int sceau_manifest_add_entry(struct sceau_manifest *m, const char *name,
    const char *child_id, enum sceau_manifest_type child_type) SCEAU_WUR;
int sceau_manifest_remove_entry(struct sceau_manifest *m, const char *name);
/* File blocks: appends one (in file order). */
int sceau_manifest_add_block(
    struct sceau_manifest *m, const struct sceau_block_desc *b) SCEAU_WUR;

#endif /* SCEAU_MANIFEST_H */
