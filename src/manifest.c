/*
 * manifest.c: vlob encoding (sign, verify, encrypt, decrypt) and the
 * manifests inside (doc/workspaces.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "aead.h"
#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "manifest.h"
#include "random.h"
#include "secmem.h"

#define VLOB_VERSION 1

static const char vlob_domain[] = "sceau-vlob-v1";

/* ---------------------------------------------------------------- vlobs */

/* The clear fields, in order (what the signature and the AAD cover). */
static int
put_header(const struct sceau_vlob_header *h, struct sceau_buf *b)
{
	int r;

	if ((r = sceau_buf_put_u8(b, VLOB_VERSION)) != 0 ||
	    (r = sceau_buf_put_cstring(b, h->org_id)) != 0 ||
	    (r = sceau_buf_put_cstring(b, h->realm_id)) != 0 ||
	    (r = sceau_buf_put_cstring(b, h->vlob_id)) != 0 ||
	    (r = sceau_buf_put_u64(b, h->version)) != 0 ||
	    (r = sceau_buf_put_u64(b, h->timestamp)) != 0 ||
	    (r = sceau_buf_put_cstring(b, h->author)) != 0 ||
	    (r = sceau_buf_put_u32(b, h->key_index)) != 0)
		return r;
	return 0;
}

static int
get_text(struct sceau_buf *b, char *out, size_t max)
{
	const uint8_t *p;
	size_t len;

	out[0] = '\0';
	if (sceau_buf_get_string_direct(b, max, &p, &len) != 0 ||
	    (len > 0 && memchr(p, '\0', len) != NULL))
		return SCEAU_ERR_INVALID_FORMAT;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* The clear fields and the ciphertext, from b. */
static int
get_header(struct sceau_buf *b, struct sceau_vlob_header *h)
{
	uint8_t ver;

	if (sceau_buf_get_u8(b, &ver) != 0 || ver != VLOB_VERSION ||
	    get_text(b, h->org_id, SCEAU_ORG_ID_MAX) != 0 ||
	    !sceau_org_id_valid(h->org_id) ||
	    get_text(b, h->realm_id, SCEAU_ID_LEN) != 0 ||
	    !sceau_cert_id_valid(h->realm_id) ||
	    get_text(b, h->vlob_id, SCEAU_ID_LEN) != 0 ||
	    !sceau_cert_id_valid(h->vlob_id) ||
	    sceau_buf_get_u64(b, &h->version) != 0 || h->version == 0 ||
	    sceau_buf_get_u64(b, &h->timestamp) != 0 ||
	    get_text(b, h->author, SCEAU_ID_LEN) != 0 ||
	    !sceau_cert_id_valid(h->author) ||
	    sceau_buf_get_u32(b, &h->key_index) != 0 || h->key_index == 0 ||
	    sceau_buf_get_string_direct(
	        b, SCEAU_VLOB_MAX, &h->ciphertext, &h->ciphertext_len) != 0 ||
	    h->ciphertext_len < SCEAU_AEAD_NONCE_LEN + SCEAU_AEAD_TAG_LEN)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

/* Parses the clear fields; *signed_len = bytes the signature covers. */
static int
parse_all(const uint8_t *blob, size_t n, struct sceau_vlob_header *h,
    size_t *signed_len, const uint8_t **sig)
{
	struct sceau_buf *b;
	size_t len;
	int r = SCEAU_ERR_INVALID_FORMAT;

	memset(h, 0, sizeof(*h));
	if (n > SCEAU_VLOB_MAX || (b = sceau_buf_from(blob, n)) == NULL)
		return n > SCEAU_VLOB_MAX ? SCEAU_ERR_INVALID_FORMAT
		                          : SCEAU_ERR_ALLOC;
	if (get_header(b, h) != 0)
		goto out;
	*signed_len = n - sceau_buf_len(b);
	if (sceau_buf_get_string_direct(b, SCEAU_SIGN_SIG_LEN, sig, &len) !=
	        0 ||
	    len != SCEAU_SIGN_SIG_LEN || sceau_buf_len(b) != 0)
		goto out;
	r = 0;
out:
	sceau_buf_free(b);
	if (r != 0) {
		memset(h, 0, sizeof(*h));
		sceau_message("vlob malformed");
	}
	return r;
}

int
sceau_vlob_parse(const uint8_t *blob, size_t n, struct sceau_vlob_header *h)
{
	const uint8_t *sig;
	size_t slen;

	return parse_all(blob, n, h, &slen, &sig);
}

int
sceau_vlob_tbs_parse(const uint8_t *tbs, size_t n, struct sceau_vlob_header *h)
{
	struct sceau_buf *b;
	int r = SCEAU_ERR_INVALID_FORMAT;

	memset(h, 0, sizeof(*h));
	if (n < sizeof(vlob_domain) ||
	    memcmp(tbs, vlob_domain, sizeof(vlob_domain)) != 0 ||
	    n - sizeof(vlob_domain) > SCEAU_VLOB_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((b = sceau_buf_from(
	         tbs + sizeof(vlob_domain), n - sizeof(vlob_domain))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (get_header(b, h) == 0 && sceau_buf_len(b) == 0)
		r = 0;
	sceau_buf_free(b);
	if (r != 0)
		memset(h, 0, sizeof(*h));
	return r;
}

/* Verifies sig over domain || blob[0..len) with vk. */
static int
verify_sig(const uint8_t *blob, size_t len, const uint8_t *sig,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN])
{
	struct sceau_buf *tbs;
	int r;

	if ((tbs = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_put(tbs, vlob_domain, sizeof(vlob_domain))) == 0 &&
	    (r = sceau_buf_put(tbs, blob, len)) == 0)
		r = sceau_sign_verify(
		    vk, sceau_buf_ptr(tbs), sceau_buf_len(tbs), sig);
	sceau_buf_free(tbs);
	return r;
}

int
sceau_vlob_verify(const uint8_t *blob, size_t n,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_vlob_header *h)
{
	const uint8_t *sig;
	size_t slen;
	int r;

	/* The clear fields are bounded parsing only; their values are used
	 * only once the signature over them verifies. */
	if ((r = parse_all(blob, n, h, &slen, &sig)) != 0)
		return r;
	if ((r = verify_sig(blob, slen, sig, vk)) != 0) {
		sceau_message("vlob %s version %llu: signature does not verify "
		              "with its author's key",
		    h->vlob_id, (unsigned long long)h->version);
		memset(h, 0, sizeof(*h));
		return r;
	}
	return 0;
}

/* The GCM associated data: the domain, then every clear field. */
static int
build_aad(const struct sceau_vlob_header *h, struct sceau_buf *aad)
{
	int r;

	if ((r = sceau_buf_put(aad, vlob_domain, sizeof(vlob_domain))) != 0)
		return r;
	return put_header(h, aad);
}

int
sceau_vlob_seal(const struct sceau_vlob_header *h, const uint8_t key[32],
    const uint8_t *plaintext, size_t n, const struct sceau_signkey *sk,
    struct sceau_buf *out)
{
	struct sceau_buf *aad = NULL, *v = NULL, *tbs = NULL;
	uint8_t *ct, sig[SCEAU_SIGN_SIG_LEN];
	int r;

	if (n > SCEAU_VLOB_MAX)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if ((aad = sceau_buf_new()) == NULL || (v = sceau_buf_new()) == NULL ||
	    (tbs = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = build_aad(h, aad)) != 0 || (r = put_header(h, v)) != 0 ||
	    (r = sceau_buf_put_u32(v,
	         (uint32_t)(n + SCEAU_AEAD_NONCE_LEN + SCEAU_AEAD_TAG_LEN))) !=
	        0 ||
	    (r = sceau_buf_reserve(
	         v, n + SCEAU_AEAD_NONCE_LEN + SCEAU_AEAD_TAG_LEN, &ct)) != 0 ||
	    (r = sceau_random_bytes(ct, SCEAU_AEAD_NONCE_LEN)) != 0 ||
	    (r = sceau_aead_encrypt(NULL, key, ct, sceau_buf_ptr(aad),
	         sceau_buf_len(aad), plaintext, n, ct + SCEAU_AEAD_NONCE_LEN,
	         ct + SCEAU_AEAD_NONCE_LEN + n)) != 0)
		goto out;
	if ((r = sceau_buf_put(tbs, vlob_domain, sizeof(vlob_domain))) != 0 ||
	    (r = sceau_buf_putb(tbs, v)) != 0 ||
	    (r = sceau_sign(sk, sceau_buf_ptr(tbs), sceau_buf_len(tbs), sig)) !=
	        0 ||
	    (r = sceau_buf_put_string(v, sig, sizeof(sig))) != 0 ||
	    (r = sceau_buf_putb(out, v)) != 0)
		goto out;
	r = 0;
out:
	sceau_buf_free(aad);
	sceau_buf_free(v);
	sceau_buf_free(tbs);
	return r;
}

/* Decrypts the ciphertext of a parsed vlob, its header as AAD. */
static int
vlob_decrypt(const struct sceau_vlob_header *h, const uint8_t key[32],
    struct sceau_buf *out)
{
	struct sceau_buf *aad = NULL;
	size_t ptlen;
	uint8_t *pt;
	int r;

	ptlen = h->ciphertext_len - SCEAU_AEAD_NONCE_LEN - SCEAU_AEAD_TAG_LEN;
	if ((aad = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = build_aad(h, aad)) != 0 ||
	    (r = sceau_buf_reserve(out, ptlen, &pt)) != 0)
		goto out;
	r = sceau_aead_decrypt(NULL, key, h->ciphertext, sceau_buf_ptr(aad),
	    sceau_buf_len(aad), h->ciphertext + SCEAU_AEAD_NONCE_LEN, ptlen,
	    h->ciphertext + SCEAU_AEAD_NONCE_LEN + ptlen, pt);
	if (r != 0) {
		(void)sceau_buf_consume_end(out, ptlen);
		sceau_message("vlob %s version %llu: decryption failed",
		    h->vlob_id, (unsigned long long)h->version);
	}
out:
	sceau_buf_free(aad);
	return r;
}

int
sceau_vlob_open(const uint8_t *blob, size_t n,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], const uint8_t key[32],
    struct sceau_vlob_header *h, struct sceau_buf *out)
{
	int r;

	if ((r = sceau_vlob_verify(blob, n, vk, h)) != 0)
		return r;
	return vlob_decrypt(h, key, out);
}

int
sceau_vlob_open_verified(const uint8_t *blob, size_t n, const uint8_t key[32],
    struct sceau_vlob_header *h, struct sceau_buf *out)
{
	int r;

	if ((r = sceau_vlob_parse(blob, n, h)) != 0)
		return r;
	return vlob_decrypt(h, key, out);
}

/* ------------------------------------------------------------ manifests */

int
sceau_name_valid(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 ||
	    n > SCEAU_NAME_MAX_BYTES || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	return sceau_enc_utf8_valid(name);
}

struct sceau_manifest *
sceau_manifest_new(enum sceau_manifest_type type, const char *vlob_id,
    const char *parent_id, uint64_t now)
{
	struct sceau_manifest *m;

	if (type < SCEAU_MANIFEST_ROOT || type > SCEAU_MANIFEST_FILE ||
	    !sceau_cert_id_valid(vlob_id) ||
	    (type == SCEAU_MANIFEST_ROOT) !=
	        (parent_id == NULL || parent_id[0] == '\0') ||
	    (parent_id != NULL && parent_id[0] != '\0' &&
	        !sceau_cert_id_valid(parent_id)))
		return NULL;
	if ((m = sceau_calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->type = type;
	(void)snprintf(m->vlob_id, sizeof(m->vlob_id), "%s", vlob_id);
	(void)snprintf(m->parent_id, sizeof(m->parent_id), "%s",
	    parent_id == NULL ? "" : parent_id);
	m->created = m->updated = now;
	m->block_size = SCEAU_BLOCK_SIZE;
	return m;
}

void
sceau_manifest_free(struct sceau_manifest *m)
{
	if (m == NULL)
		return;
	sceau_free(m->entries);
	/* Block keys are secrets. */
	sceau_freezero(m->blocks, m->cap_blocks * sizeof(*m->blocks));
	sceau_memzero(m, sizeof(*m));
	sceau_free(m);
}

struct sceau_manifest *
sceau_manifest_dup(const struct sceau_manifest *m)
{
	struct sceau_manifest *d;

	if ((d = sceau_malloc(sizeof(*d))) == NULL)
		return NULL;
	*d = *m;
	d->entries = NULL;
	d->blocks = NULL;
	d->cap_entries = m->n_entries;
	d->cap_blocks = m->n_blocks;
	if ((m->n_entries > 0 &&
	        (d->entries = sceau_reallocarray(
	             NULL, m->n_entries, sizeof(*d->entries))) == NULL) ||
	    (m->n_blocks > 0 &&
	        (d->blocks = sceau_reallocarray(
	             NULL, m->n_blocks, sizeof(*d->blocks))) == NULL)) {
		sceau_manifest_free(d);
		return NULL;
	}
	if (m->n_entries > 0)
		memcpy(
		    d->entries, m->entries, m->n_entries * sizeof(*d->entries));
	if (m->n_blocks > 0)
		memcpy(d->blocks, m->blocks, m->n_blocks * sizeof(*d->blocks));
	return d;
}

/* Index of the first entry whose name is >= name (entries sorted). */
static size_t
entry_pos(const struct sceau_manifest *m, const char *name)
{
	size_t lo = 0, hi = m->n_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(m->entries[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct sceau_manifest_entry *
sceau_manifest_find(const struct sceau_manifest *m, const char *name)
{
	size_t i = entry_pos(m, name);

	if (i < m->n_entries && strcmp(m->entries[i].name, name) == 0)
		return &m->entries[i];
	return NULL;
}

int
sceau_manifest_add_entry(struct sceau_manifest *m, const char *name,
    const char *child_id, enum sceau_manifest_type child_type)
{
	struct sceau_manifest_entry *e;
	size_t i;

	if (m->type == SCEAU_MANIFEST_FILE || !sceau_name_valid(name) ||
	    !sceau_cert_id_valid(child_id) ||
	    (child_type != SCEAU_MANIFEST_FOLDER &&
	        child_type != SCEAU_MANIFEST_FILE))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (sceau_manifest_find(m, name) != NULL)
		return SCEAU_ERR_EXISTS;
	if (m->n_entries >= SCEAU_FOLDER_ENTRIES_MAX)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if (m->n_entries == m->cap_entries) {
		size_t cap = m->cap_entries == 0 ? 16 : m->cap_entries * 2;

		if ((e = sceau_reallocarray(m->entries, cap, sizeof(*e))) ==
		    NULL)
			return SCEAU_ERR_ALLOC;
		m->entries = e;
		m->cap_entries = cap;
	}
	i = entry_pos(m, name);
	memmove(&m->entries[i + 1], &m->entries[i],
	    (m->n_entries - i) * sizeof(*m->entries));
	e = &m->entries[i];
	memset(e, 0, sizeof(*e));
	(void)snprintf(e->name, sizeof(e->name), "%s", name);
	(void)snprintf(e->child_id, sizeof(e->child_id), "%s", child_id);
	e->child_type = child_type;
	m->n_entries++;
	return 0;
}

int
sceau_manifest_remove_entry(struct sceau_manifest *m, const char *name)
{
	size_t i = entry_pos(m, name);

	if (i >= m->n_entries || strcmp(m->entries[i].name, name) != 0)
		return SCEAU_ERR_NOT_FOUND;
	memmove(&m->entries[i], &m->entries[i + 1],
	    (m->n_entries - i - 1) * sizeof(*m->entries));
	m->n_entries--;
	return 0;
}

int
sceau_manifest_add_block(
    struct sceau_manifest *m, const struct sceau_block_desc *b)
{
	struct sceau_block_desc *nb;

	if (m->type != SCEAU_MANIFEST_FILE)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (m->n_blocks >= SCEAU_FILE_BLOCKS_MAX)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if (m->n_blocks == m->cap_blocks) {
		size_t cap = m->cap_blocks == 0 ? 4 : m->cap_blocks * 2;

		/* recalloc: a move must not leave block keys behind. */
		if ((nb = sceau_recalloc(m->blocks, m->cap_blocks * sizeof(*nb),
		         cap * sizeof(*nb))) == NULL)
			return SCEAU_ERR_ALLOC;
		m->blocks = nb;
		m->cap_blocks = cap;
	}
	m->blocks[m->n_blocks++] = *b;
	return 0;
}
