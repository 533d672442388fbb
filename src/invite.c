/*
 * invite.c: one side of an invitation's code exchange (see invite.h and
 * doc/invitations.md).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "aead.h"
#include "alloc.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "invite.h"
#include "kdf.h"
#include "random.h"
#include "secmem.h"

/* Outer message types (first byte). */
enum {
	MSG_HELLO_GREETER = 1,
	MSG_HELLO_CLAIMER = 2,
	MSG_NONCE = 3,
	MSG_SEALED = 4,
};

#define TAG_COMMIT "sceau-invite-v1 commit"
#define TAG_TRANSCRIPT "sceau-invite-v1 transcript"
#define TAG_SEAL "sceau-invite-v1 seal"
#define INFO_KEY "sceau-invite-v1 session key"
#define INFO_GCODE "sceau-invite-v1 greeter code"
#define INFO_CCODE "sceau-invite-v1 claimer code"
#define CODE_BITS 20
#define STRING_MAX SCEAU_NAME_MAX

struct sceau_invite {
	enum sceau_invite_side side;
	char id[SCEAU_ID_LEN + 1];
	struct sceau_boxkey *eph;
	uint8_t pk[2][SCEAU_BOX_PUBLIC_LEN]; /* [0] greeter, [1] claimer */
	uint8_t nonce[2][SCEAU_INVITE_NONCE_LEN];
	uint8_t commit[SCEAU_SHA256_LEN];
	uint8_t key[SCEAU_AEAD_KEY_LEN];
	uint32_t code[2]; /* greeter's, claimer's */
	int keyed;
	unsigned int sent, received; /* bit k: step k done */
};

const char *
sceau_invite_kind_name(enum sceau_invite_kind k)
{
	switch (k) {
	case SCEAU_INVITE_USER:
		return "user";
	case SCEAU_INVITE_DEVICE:
		return "device";
	}
	return NULL;
}

enum sceau_invite_kind
sceau_invite_kind_from_name(const char *s)
{
	if (s != NULL && strcmp(s, "user") == 0)
		return SCEAU_INVITE_USER;
	if (s != NULL && strcmp(s, "device") == 0)
		return SCEAU_INVITE_DEVICE;
	return (enum sceau_invite_kind)0;
}

const char *
sceau_invite_side_name(enum sceau_invite_side s)
{
	switch (s) {
	case SCEAU_INVITE_GREETER:
		return "greeter";
	case SCEAU_INVITE_CLAIMER:
		return "claimer";
	}
	return NULL;
}

int
sceau_invite_speaks(enum sceau_invite_side side, unsigned int step)
{
	/* Steps 1..8: both, G, C, C, G, C, G, C. */
	static const char who[SCEAU_INVITE_STEPS + 1] = "-bgccgcgc";

	if (step < 1 || step > SCEAU_INVITE_STEPS)
		return 0;
	if (who[step] == 'b')
		return 1;
	return (who[step] == 'g') == (side == SCEAU_INVITE_GREETER);
}

static enum sceau_invite_side
peer_of(enum sceau_invite_side s)
{
	return s == SCEAU_INVITE_GREETER ? SCEAU_INVITE_CLAIMER
	                                 : SCEAU_INVITE_GREETER;
}

/* Index of a side in the pk/nonce/code arrays. */
static int
side_ix(enum sceau_invite_side s)
{
	return s == SCEAU_INVITE_GREETER ? 0 : 1;
}

int
sceau_invite_new(
    enum sceau_invite_side side, const char *id, struct sceau_invite **xp)
{
	struct sceau_invite *x;
	int r;

	*xp = NULL;
	if ((side != SCEAU_INVITE_GREETER && side != SCEAU_INVITE_CLAIMER) ||
	    id == NULL || !sceau_cert_id_valid(id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((x = sceau_secmem_alloc(sizeof(*x))) == NULL)
		return SCEAU_ERR_SECMEM;
	memset(x, 0, sizeof(*x));
	x->side = side;
	memcpy(x->id, id, SCEAU_ID_LEN + 1);
	if ((r = sceau_box_generate(&x->eph)) != 0 ||
	    (r = sceau_random_bytes(
	         x->nonce[side_ix(side)], SCEAU_INVITE_NONCE_LEN)) != 0) {
		sceau_invite_free(x);
		return r;
	}
	sceau_box_public(x->eph, x->pk[side_ix(side)]);
	*xp = x;
	return 0;
}

void
sceau_invite_free(struct sceau_invite *x)
{
	if (x == NULL)
		return;
	sceau_box_free(x->eph);
	sceau_memzero(x, sizeof(*x));
	sceau_secmem_free(x);
}

/* Every step before step is complete on both sides that speak in it. */
static int
steps_before_done(const struct sceau_invite *x, unsigned int step)
{
	unsigned int k;

	for (k = 1; k < step; k++) {
		if (sceau_invite_speaks(x->side, k) && !(x->sent & (1U << k)))
			return 0;
		if (sceau_invite_speaks(peer_of(x->side), k) &&
		    !(x->received & (1U << k)))
			return 0;
	}
	return 1;
}

static int
may(const struct sceau_invite *x, enum sceau_invite_side who, unsigned int step,
    unsigned int done)
{
	if (!sceau_invite_speaks(who, step) || (done & (1U << step)) ||
	    !steps_before_done(x, step))
		return SCEAU_ERR_STREAM_STATE;
	return 0;
}

static int
commitment(const uint8_t pk[SCEAU_BOX_PUBLIC_LEN],
    const uint8_t nonce[SCEAU_INVITE_NONCE_LEN], uint8_t out[SCEAU_SHA256_LEN])
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_put(b, TAG_COMMIT, sizeof(TAG_COMMIT))) == 0 &&
	    (r = sceau_buf_put(b, pk, SCEAU_BOX_PUBLIC_LEN)) == 0 &&
	    (r = sceau_buf_put(b, nonce, SCEAU_INVITE_NONCE_LEN)) == 0)
		r = sceau_hash_sha256(sceau_buf_ptr(b), sceau_buf_len(b), out);
	sceau_buf_free(b);
	return r;
}

static uint32_t
code_bits(const uint8_t b[3])
{
	return (((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2]) &
	    ((1U << CODE_BITS) - 1);
}

/* After step 3: the transcript, the shared secret, keys and codes. */
static int
derive(struct sceau_invite *x)
{
	uint8_t th[SCEAU_SHA256_LEN], shared[32], c[2][3];
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_put(b, TAG_TRANSCRIPT, sizeof(TAG_TRANSCRIPT))) ==
	        0 &&
	    (r = sceau_buf_put(b, x->id, SCEAU_ID_LEN)) == 0 &&
	    (r = sceau_buf_put(b, x->pk, sizeof(x->pk))) == 0 &&
	    (r = sceau_buf_put(b, x->commit, sizeof(x->commit))) == 0 &&
	    (r = sceau_buf_put(b, x->nonce, sizeof(x->nonce))) == 0)
		r = sceau_hash_sha256(sceau_buf_ptr(b), sceau_buf_len(b), th);
	sceau_buf_free(b);
	if (r != 0 ||
	    (r = sceau_box_agree(
	         x->eph, x->pk[side_ix(peer_of(x->side))], shared)) != 0)
		goto out;
	if ((r = sceau_kdf_hkdf_sha256(th, sizeof(th), shared, sizeof(shared),
	         INFO_KEY, strlen(INFO_KEY), x->key, sizeof(x->key))) != 0 ||
	    (r = sceau_kdf_hkdf_sha256(th, sizeof(th), shared, sizeof(shared),
	         INFO_GCODE, strlen(INFO_GCODE), c[0], 3)) != 0 ||
	    (r = sceau_kdf_hkdf_sha256(th, sizeof(th), shared, sizeof(shared),
	         INFO_CCODE, strlen(INFO_CCODE), c[1], 3)) != 0)
		goto out;
	x->code[0] = code_bits(c[0]);
	x->code[1] = code_bits(c[1]);
	x->keyed = 1;
out:
	sceau_memzero(shared, sizeof(shared));
	sceau_memzero(c, sizeof(c));
	sceau_memzero(th, sizeof(th));
	return r;
}

int
sceau_invite_out(
    struct sceau_invite *x, unsigned int step, struct sceau_buf *out)
{
	int me = side_ix(x->side), r;

	if (step > 3 || (r = may(x, x->side, step, x->sent)) != 0)
		return SCEAU_ERR_STREAM_STATE;
	if (step == 1 && x->side == SCEAU_INVITE_GREETER) {
		r = sceau_buf_put_u8(out, MSG_HELLO_GREETER);
		if (r == 0)
			r = sceau_buf_put(out, x->pk[me], SCEAU_BOX_PUBLIC_LEN);
	} else if (step == 1) {
		if ((r = commitment(x->pk[me], x->nonce[me], x->commit)) != 0)
			return r;
		if ((r = sceau_buf_put_u8(out, MSG_HELLO_CLAIMER)) == 0 &&
		    (r = sceau_buf_put(out, x->pk[me], SCEAU_BOX_PUBLIC_LEN)) ==
		        0)
			r = sceau_buf_put(out, x->commit, sizeof(x->commit));
	} else {
		if ((r = sceau_buf_put_u8(out, MSG_NONCE)) == 0)
			r = sceau_buf_put(
			    out, x->nonce[me], SCEAU_INVITE_NONCE_LEN);
	}
	if (r != 0)
		return r;
	x->sent |= 1U << step;
	if (step == 3)
		return derive(x);
	return 0;
}

/* Reads the type byte and n fixed-size fields; nothing may follow. */
static int
parse_fixed(const uint8_t *m, size_t n, uint8_t type, uint8_t *f1, size_t n1,
    uint8_t *f2, size_t n2)
{
	if (n < 1 || m[0] != type)
		return SCEAU_ERR_INVALID_FORMAT;
	if (n < 1 + n1 + n2)
		return SCEAU_ERR_INVALID_FORMAT;
	if (n > 1 + n1 + n2)
		return SCEAU_ERR_TRAILING_DATA;
	memcpy(f1, m + 1, n1);
	if (f2 != NULL)
		memcpy(f2, m + 1 + n1, n2);
	return 0;
}

int
sceau_invite_in(
    struct sceau_invite *x, unsigned int step, const uint8_t *m, size_t n)
{
	int peer = side_ix(peer_of(x->side)), r;
	uint8_t nonce[SCEAU_INVITE_NONCE_LEN], check[SCEAU_SHA256_LEN];

	if (step > 3 || (r = may(x, peer_of(x->side), step, x->received)) != 0)
		return SCEAU_ERR_STREAM_STATE;
	if (step == 1 && x->side == SCEAU_INVITE_CLAIMER)
		r = parse_fixed(m, n, MSG_HELLO_GREETER, x->pk[peer],
		    SCEAU_BOX_PUBLIC_LEN, NULL, 0);
	else if (step == 1)
		r = parse_fixed(m, n, MSG_HELLO_CLAIMER, x->pk[peer],
		    SCEAU_BOX_PUBLIC_LEN, x->commit, sizeof(x->commit));
	else
		r = parse_fixed(m, n, MSG_NONCE, nonce, sizeof(nonce), NULL, 0);
	if (r != 0)
		return r;
	if (step == 3) {
		/* The claimer's nonce must be the one it committed to. */
		if ((r = commitment(x->pk[peer], nonce, check)) != 0)
			return r;
		if (sceau_timingsafe_bcmp(check, x->commit, sizeof(check)) !=
		    0) {
			sceau_message("the claimer's nonce does not match its "
			              "commitment: the exchange was altered");
			return SCEAU_ERR_DATA_TAMPERED;
		}
	}
	if (step >= 2)
		memcpy(x->nonce[peer], nonce, sizeof(nonce));
	sceau_memzero(nonce, sizeof(nonce));
	x->received |= 1U << step;
	if (step == 3)
		return derive(x);
	return 0;
}

static void
code_text(uint32_t v, char out[SCEAU_INVITE_CODE_LEN + 1])
{
	static const char alphabet[] = SCEAU_INVITE_ALPHABET;
	int i;

	for (i = SCEAU_INVITE_CODE_LEN - 1; i >= 0; i--) {
		out[i] = alphabet[v & 31];
		v >>= 5;
	}
	out[SCEAU_INVITE_CODE_LEN] = '\0';
}

int
sceau_invite_codes(struct sceau_invite *x, char mine[SCEAU_INVITE_CODE_LEN + 1],
    char choices[SCEAU_INVITE_CHOICES][SCEAU_INVITE_CODE_LEN + 1])
{
	uint32_t v[SCEAU_INVITE_CHOICES], right, pos, d;
	size_t i, j;
	int r, dup;

	if (!x->keyed)
		return SCEAU_ERR_STREAM_STATE;
	right = x->code[side_ix(peer_of(x->side))];
	for (i = 0; i < SCEAU_INVITE_CHOICES; i++) {
		do {
			if ((r = sceau_random_uniform(1U << CODE_BITS, &d)) !=
			    0)
				return r;
			dup = d == right;
			for (j = 0; j < i; j++)
				dup |= v[j] == d;
		} while (dup);
		v[i] = d;
	}
	if ((r = sceau_random_uniform(SCEAU_INVITE_CHOICES, &pos)) != 0)
		return r;
	v[pos] = right;
	for (i = 0; i < SCEAU_INVITE_CHOICES; i++)
		code_text(v[i], choices[i]);
	code_text(x->code[side_ix(x->side)], mine);
	return 0;
}

int
sceau_invite_check_peer_code(const struct sceau_invite *x, const char *code)
{
	char want[SCEAU_INVITE_CODE_LEN + 1], got[SCEAU_INVITE_CODE_LEN + 1];
	size_t n = 0;
	int ok;

	if (!x->keyed || code == NULL)
		return 0;
	while (isspace((unsigned char)*code))
		code++;
	while (*code != '\0' && !isspace((unsigned char)*code)) {
		int ch = toupper((unsigned char)*code++);

		if (n == SCEAU_INVITE_CODE_LEN)
			return 0;
		got[n++] = (char)(ch == 'O'      ? '0'
		        : ch == 'I' || ch == 'L' ? '1'
		                                 : ch);
	}
	while (isspace((unsigned char)*code))
		code++;
	if (n != SCEAU_INVITE_CODE_LEN || *code != '\0')
		return 0;
	got[n] = '\0';
	code_text(x->code[side_ix(peer_of(x->side))], want);
	ok = sceau_timingsafe_bcmp(want, got, SCEAU_INVITE_CODE_LEN) == 0;
	sceau_memzero(want, sizeof(want));
	return ok;
}

/* "sceau-invite-v1 seal\0" || id || step || side. */
static void
seal_aad(const struct sceau_invite *x, unsigned int step,
    enum sceau_invite_side who, uint8_t *aad, size_t *len)
{
	size_t n = sizeof(TAG_SEAL);

	memcpy(aad, TAG_SEAL, n);
	memcpy(aad + n, x->id, SCEAU_ID_LEN);
	n += SCEAU_ID_LEN;
	aad[n++] = (uint8_t)step;
	aad[n++] = (uint8_t)who;
	*len = n;
}

#define AAD_MAX (sizeof(TAG_SEAL) + SCEAU_ID_LEN + 2)

int
sceau_invite_seal(struct sceau_invite *x, unsigned int step,
    const struct sceau_buf *plain, struct sceau_buf *out)
{
	uint8_t aad[AAD_MAX], *p;
	size_t n = sceau_buf_len(plain), aadlen, need;
	int r;

	if (step < 4 || !x->keyed || (r = may(x, x->side, step, x->sent)) != 0)
		return SCEAU_ERR_STREAM_STATE;
	need = 1 + SCEAU_AEAD_NONCE_LEN + n + SCEAU_AEAD_TAG_LEN;
	if (need > SCEAU_INVITE_MSG_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_reserve(out, need, &p)) != 0)
		return r;
	p[0] = MSG_SEALED;
	seal_aad(x, step, x->side, aad, &aadlen);
	if ((r = sceau_random_bytes(p + 1, SCEAU_AEAD_NONCE_LEN)) != 0 ||
	    (r = sceau_aead_encrypt(NULL, x->key, p + 1, aad, aadlen,
	         sceau_buf_ptr(plain), n, p + 1 + SCEAU_AEAD_NONCE_LEN,
	         p + 1 + SCEAU_AEAD_NONCE_LEN + n)) != 0) {
		(void)sceau_buf_consume_end(out, need);
		return r;
	}
	x->sent |= 1U << step;
	return 0;
}

int
sceau_invite_open(struct sceau_invite *x, unsigned int step, const uint8_t *m,
    size_t n, struct sceau_buf *plain)
{
	enum sceau_invite_side peer = peer_of(x->side);
	uint8_t aad[AAD_MAX], *p;
	size_t aadlen, len;
	int r;

	if (step < 4 || !x->keyed || (r = may(x, peer, step, x->received)) != 0)
		return SCEAU_ERR_STREAM_STATE;
	if (n < 1 + SCEAU_AEAD_NONCE_LEN + SCEAU_AEAD_TAG_LEN ||
	    n > SCEAU_INVITE_MSG_MAX || m[0] != MSG_SEALED)
		return SCEAU_ERR_INVALID_FORMAT;
	len = n - 1 - SCEAU_AEAD_NONCE_LEN - SCEAU_AEAD_TAG_LEN;
	if ((r = sceau_buf_reserve(plain, len, &p)) != 0)
		return r;
	seal_aad(x, step, peer, aad, &aadlen);
	if ((r = sceau_aead_decrypt(NULL, x->key, m + 1, aad, aadlen,
	         m + 1 + SCEAU_AEAD_NONCE_LEN, len,
	         m + 1 + SCEAU_AEAD_NONCE_LEN + len, p)) != 0) {
		(void)sceau_buf_consume_end(plain, len);
		return r;
	}
	x->received |= 1U << step;
	return 0;
}

/* ------------------------------------------------------ inner messages */

static int
put_header(struct sceau_buf *out, enum sceau_invite_inner type)
{
	return sceau_buf_put_u8(out, (uint8_t)type);
}

int
sceau_invite_encode_code_ok(struct sceau_buf *out)
{
	return put_header(out, SCEAU_INVITE_CODE_OK);
}

int
sceau_invite_encode_done(struct sceau_buf *out)
{
	return put_header(out, SCEAU_INVITE_DONE);
}

/* An X.509 list (cert.h): u32 count 1..8, then non-empty DER strings. */
static int
list_valid(const uint8_t *p, size_t n)
{
	struct sceau_buf *b = sceau_buf_from(p, n);
	const uint8_t *der;
	uint32_t m, i;
	size_t len;
	int ok;

	if (b == NULL)
		return 0;
	ok =
	    sceau_buf_get_u32(b, &m) == 0 && m >= 1 && m <= SCEAU_CERT_X509_MAX;
	for (i = 0; ok && i < m; i++)
		ok = sceau_buf_get_string_direct(
		         b, SCEAU_CERT_X509_DER_MAX, &der, &len) == 0 &&
		    len > 0;
	ok = ok && sceau_buf_len(b) == 0;
	sceau_buf_free(b);
	return ok;
}

static int
profile_ok(enum sceau_profile p)
{
	return p == SCEAU_PROFILE_ADMIN || p == SCEAU_PROFILE_MEMBER ||
	    p == SCEAU_PROFILE_EXTERNAL;
}

int
sceau_invite_encode_claim(
    const struct sceau_invite_claim *c, struct sceau_buf *out)
{
	int r, user = c->kind == SCEAU_INVITE_USER;

	if ((!user && c->kind != SCEAU_INVITE_DEVICE) ||
	    !sceau_cert_id_valid(c->device_id) ||
	    !sceau_identity_name_valid(c->label) ||
	    (user &&
	        (!sceau_cert_id_valid(c->user_id) ||
	            !sceau_identity_name_valid(c->name))))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = put_header(out, SCEAU_INVITE_CLAIM)) != 0 ||
	    (r = sceau_buf_put_u8(out, (uint8_t)c->kind)) != 0)
		return r;
	if (user &&
	    ((r = sceau_buf_put_cstring(out, c->user_id)) != 0 ||
	        (r = sceau_buf_put_cstring(out, c->name)) != 0 ||
	        (r = sceau_buf_put(out, c->user_pk, sizeof(c->user_pk))) != 0))
		return r;
	if ((r = sceau_buf_put_cstring(out, c->device_id)) != 0 ||
	    (r = sceau_buf_put_cstring(out, c->label)) != 0 ||
	    (r = sceau_buf_put(out, c->device_vk, sizeof(c->device_vk))) != 0 ||
	    (r = sceau_buf_put_u8(out, c->x509_list != NULL)) != 0)
		return r;
	if (c->x509_list == NULL)
		return 0;
	if (c->wrap_alg < 2 || c->wrap_alg > 5 ||
	    !list_valid(c->x509_list, c->x509_list_len))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put_string(out, c->x509_list, c->x509_list_len)) !=
	    0)
		return r;
	return sceau_buf_put_u8(out, c->wrap_alg);
}

int
sceau_invite_encode_reply(
    const struct sceau_invite_reply *rp, struct sceau_buf *out)
{
	int r;

	if ((rp->kind == SCEAU_INVITE_USER && !profile_ok(rp->profile)) ||
	    (rp->kind == SCEAU_INVITE_DEVICE &&
	        !sceau_cert_id_valid(rp->user_id)) ||
	    (rp->kind != SCEAU_INVITE_USER && rp->kind != SCEAU_INVITE_DEVICE))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = put_header(out, SCEAU_INVITE_REPLY)) != 0 ||
	    (r = sceau_buf_put_u8(out, (uint8_t)rp->kind)) != 0 ||
	    (r = sceau_buf_put(out, rp->root_vk, sizeof(rp->root_vk))) != 0)
		return r;
	if (rp->kind == SCEAU_INVITE_USER)
		return sceau_buf_put_u8(out, (uint8_t)rp->profile);
	if ((r = sceau_buf_put_cstring(out, rp->user_id)) != 0 ||
	    (r = sceau_buf_put_u8(out, rp->has_user_sk != 0)) != 0)
		return r;
	if (!rp->has_user_sk)
		return 0;
	return sceau_buf_put(out, rp->user_sk, sizeof(rp->user_sk));
}

/* A length-prefixed text of at most max bytes into dst[max + 1]. */
static int
get_text(struct sceau_buf *b, char *dst, size_t max, int is_id)
{
	char *s = NULL;
	size_t n;
	int r;

	if ((r = sceau_buf_get_cstring(b, max, &s, &n)) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	memcpy(dst, s, n + 1);
	sceau_free(s);
	if (is_id ? !sceau_cert_id_valid(dst) : !sceau_identity_name_valid(dst))
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

static int
get_kind(struct sceau_buf *b, enum sceau_invite_kind *k)
{
	uint8_t v;

	if (sceau_buf_get_u8(b, &v) != 0 ||
	    (v != SCEAU_INVITE_USER && v != SCEAU_INVITE_DEVICE))
		return SCEAU_ERR_INVALID_FORMAT;
	*k = (enum sceau_invite_kind)v;
	return 0;
}

static int
decode_claim(struct sceau_buf *b, struct sceau_invite_claim *c)
{
	uint8_t card;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = get_kind(b, &c->kind)) != 0)
		return r;
	if (c->kind == SCEAU_INVITE_USER &&
	    ((r = get_text(b, c->user_id, SCEAU_ID_LEN, 1)) != 0 ||
	        (r = get_text(b, c->name, STRING_MAX, 0)) != 0 ||
	        sceau_buf_get(b, c->user_pk, sizeof(c->user_pk)) != 0))
		return SCEAU_ERR_INVALID_FORMAT;
	if ((r = get_text(b, c->device_id, SCEAU_ID_LEN, 1)) != 0 ||
	    (r = get_text(b, c->label, STRING_MAX, 0)) != 0 ||
	    sceau_buf_get(b, c->device_vk, sizeof(c->device_vk)) != 0 ||
	    sceau_buf_get_u8(b, &card) != 0 || card > 1)
		return SCEAU_ERR_INVALID_FORMAT;
	if (!card)
		return 0;
	if (sceau_buf_get_string_direct(b, SCEAU_INVITE_MSG_MAX, &c->x509_list,
	        &c->x509_list_len) != 0 ||
	    !list_valid(c->x509_list, c->x509_list_len) ||
	    sceau_buf_get_u8(b, &c->wrap_alg) != 0 || c->wrap_alg < 2 ||
	    c->wrap_alg > 5)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

static int
decode_reply(struct sceau_buf *b, struct sceau_invite_reply *rp)
{
	uint8_t v;
	int r;

	memset(rp, 0, sizeof(*rp));
	if ((r = get_kind(b, &rp->kind)) != 0 ||
	    sceau_buf_get(b, rp->root_vk, sizeof(rp->root_vk)) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	if (rp->kind == SCEAU_INVITE_USER) {
		if (sceau_buf_get_u8(b, &v) != 0 ||
		    !profile_ok((enum sceau_profile)v))
			return SCEAU_ERR_INVALID_FORMAT;
		rp->profile = (enum sceau_profile)v;
		return 0;
	}
	if ((r = get_text(b, rp->user_id, SCEAU_ID_LEN, 1)) != 0 ||
	    sceau_buf_get_u8(b, &v) != 0 || v > 1)
		return SCEAU_ERR_INVALID_FORMAT;
	rp->has_user_sk = v;
	if (v && sceau_buf_get(b, rp->user_sk, sizeof(rp->user_sk)) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

int
sceau_invite_decode(const uint8_t *p, size_t n, enum sceau_invite_inner want,
    struct sceau_invite_claim *claim, struct sceau_invite_reply *reply)
{
	struct sceau_buf *b;
	uint8_t type;
	int r;

	if (n > SCEAU_INVITE_MSG_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u8(b, &type) != 0 || type != (uint8_t)want)
		r = SCEAU_ERR_INVALID_FORMAT;
	else if (want == SCEAU_INVITE_CLAIM)
		r = claim != NULL ? decode_claim(b, claim)
		                  : SCEAU_ERR_INVALID_ARGUMENT;
	else if (want == SCEAU_INVITE_REPLY)
		r = reply != NULL ? decode_reply(b, reply)
		                  : SCEAU_ERR_INVALID_ARGUMENT;
	else
		r = 0;
	if (r == 0 && sceau_buf_len(b) != 0)
		r = SCEAU_ERR_TRAILING_DATA;
	sceau_buf_free(b);
	if (r != 0 && reply != NULL)
		sceau_memzero(reply, sizeof(*reply));
	return r;
}
