/*
 * invite.h: the code exchange (SAS) of an invitation, one side of it,
 * with no network: the caller relays the messages (client-invite.c
 * through the server's conduit) and shows the codes.  The protocol is
 * specified in doc/invitations.md; in short:
 *
 *   step 1  greeter -> claimer   G_PK                (X25519, ephemeral)
 *           claimer -> greeter   C_PK, COMMIT = SHA-256(tag, C_PK, C_NONCE)
 *   step 2  greeter -> claimer   G_NONCE             (32 random bytes)
 *   step 3  claimer -> greeter   C_NONCE             (checked against COMMIT)
 *           both: K = HKDF(salt = SHA-256(transcript), X25519 secret)
 *           greeter code, claimer code and session key from K
 *   step 4  claimer -> greeter   sealed CODE_OK      (the claimer picked
 *                                                     the greeter's code)
 *   step 5  greeter -> claimer   sealed CODE_OK      (and the reverse)
 *   step 6  claimer -> greeter   sealed CLAIM        (ids, name, public keys)
 *   step 7  greeter -> claimer   sealed REPLY        (root key; for a device,
 *                                                     the user's secret key)
 *   step 8  claimer -> greeter   sealed DONE         (device written, chain
 *                                                     checked)
 *
 * Every message is binary, parsed through bounded buffers, exact in
 * length (anything after the last field is refused).  Sealed messages
 * are AES-256-GCM under the session key, bound to the invitation id,
 * the step and the sender's side; each (step, side) is sealed once, so
 * a nonce is never reused under one key.
 *
 * The state lives in locked memory and is wiped by sceau_invite_free().
 */
#ifndef SCEAU_INVITE_H
#define SCEAU_INVITE_H

#include <stddef.h>
#include <stdint.h>

#include "box.h"
#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "sign.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sceau_invite_kind {
	SCEAU_INVITE_USER = 1,
	SCEAU_INVITE_DEVICE = 2,
};

enum sceau_invite_side {
	SCEAU_INVITE_GREETER = 1,
	SCEAU_INVITE_CLAIMER = 2,
};

#define SCEAU_INVITE_STEPS 8
#define SCEAU_INVITE_NONCE_LEN 32
#define SCEAU_INVITE_CODE_LEN 4 /* characters of a code */
#define SCEAU_INVITE_CHOICES 4 /* codes shown to pick from */
#define SCEAU_INVITE_MSG_MAX 32768 /* bytes of any message */
/*
 * The code alphabet: Crockford's base 32 (no I, L, O, U), 5 bits a
 * character, 20 bits a code.  When a code is typed, case is ignored and
 * O, I, L read as 0, 1, 1.
 */
#define SCEAU_INVITE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/* "user", "device"; NULL out of range. */
const char *sceau_invite_kind_name(enum sceau_invite_kind k);
/* The kind named s; 0 if unknown. */
enum sceau_invite_kind sceau_invite_kind_from_name(const char *s);
/* "greeter", "claimer"; NULL out of range. */
const char *sceau_invite_side_name(enum sceau_invite_side s);

/* Which side speaks at step (1..SCEAU_INVITE_STEPS); step 1: both. */
int sceau_invite_speaks(enum sceau_invite_side side, unsigned int step);

struct sceau_invite;

/*
 * One side of the exchange of invitation id (32 hex): draws the
 * ephemeral key and nonce.  0, SCEAU_ERR_INVALID_ARGUMENT, _ALLOC, _SECMEM.
 */
int sceau_invite_new(enum sceau_invite_side side, const char *id,
    struct sceau_invite **xp) SCEAU_WUR;
void sceau_invite_free(struct sceau_invite *x);

/*
 * Steps 1 to 3 (in the clear).  _out appends this side's message of step
 * to out (SCEAU_ERR_STREAM_STATE when this side does not speak then or
 * the step is out of order).  _in takes the peer's message of step:
 * SCEAU_ERR_INVALID_FORMAT (malformed), SCEAU_ERR_TRAILING_DATA,
 * SCEAU_ERR_KEY_INVALID (a low-order key), SCEAU_ERR_DATA_TAMPERED (the
 * claimer's nonce does not match its commitment: the exchange was
 * altered).  After step 3 both sides hold the codes and the session key.
 */
int sceau_invite_out(
    struct sceau_invite *x, unsigned int step, struct sceau_buf *out) SCEAU_WUR;
int sceau_invite_in(struct sceau_invite *x, unsigned int step, const uint8_t *m,
    size_t n) SCEAU_WUR;

/*
 * The codes, once step 3 is through: mine (shown to my human, who reads
 * it to the other) and SCEAU_INVITE_CHOICES candidates for the peer's
 * (the right one and random decoys, in random order; the decoys differ
 * from it and from each other).  Codes are NUL-terminated.
 */
int sceau_invite_codes(struct sceau_invite *x,
    char mine[SCEAU_INVITE_CODE_LEN + 1],
    char choices[SCEAU_INVITE_CHOICES][SCEAU_INVITE_CODE_LEN + 1]) SCEAU_WUR;
/*
 * 1 if code (any case, surrounding blanks ignored) is the peer's code,
 * compared in constant time; 0 otherwise (also before step 3).
 */
int sceau_invite_check_peer_code(
    const struct sceau_invite *x, const char *code);

/*
 * Steps 4 to 8: seals plain (the encoded inner message below) as this
 * side's message of step, or opens the peer's.  _open: SCEAU_ERR_
 * DECRYPT_FAILED when the message was altered or the keys differ.
 */
int sceau_invite_seal(struct sceau_invite *x, unsigned int step,
    const struct sceau_buf *plain, struct sceau_buf *out) SCEAU_WUR;
int sceau_invite_open(struct sceau_invite *x, unsigned int step,
    const uint8_t *m, size_t n, struct sceau_buf *plain) SCEAU_WUR;

/* Inner messages (the plaintext of sealed steps). */
enum sceau_invite_inner {
	SCEAU_INVITE_CODE_OK = 1, /* steps 4, 5 */
	SCEAU_INVITE_CLAIM = 2, /* step 6 */
	SCEAU_INVITE_REPLY = 3, /* step 7 */
	SCEAU_INVITE_DONE = 4, /* step 8 */
};

/* What the claimer sends at step 6. */
struct sceau_invite_claim {
	enum sceau_invite_kind kind;
	char user_id[SCEAU_ID_LEN + 1]; /* USER: the new user's id */
	char name[SCEAU_NAME_MAX + 1]; /* USER: the person's name */
	uint8_t user_pk[SCEAU_BOX_PUBLIC_LEN]; /* USER: encryption key */
	char device_id[SCEAU_ID_LEN + 1];
	char label[SCEAU_NAME_MAX + 1]; /* the device's label */
	uint8_t device_vk[SCEAU_SIGN_PUBLIC_LEN];
	/*
	 * A claimer with a smartcard (claim --token): its certificate chain
	 * (an X.509 list, leaf first; lent from the decoded bytes) binds the
	 * new device to the card, and for a user the card's key is the
	 * user's (wrap_alg: the wrap the card undoes).  NULL otherwise.
	 */
	const uint8_t *x509_list;
	size_t x509_list_len;
	uint8_t wrap_alg;
};

/* What the greeter sends at step 7 (the certificates are in the chain). */
struct sceau_invite_reply {
	enum sceau_invite_kind kind;
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN]; /* the organization's */
	char user_id[SCEAU_ID_LEN + 1]; /* DEVICE: whose device */
	int has_user_sk; /* DEVICE: 0 when the user's key is a card */
	uint8_t user_sk[SCEAU_BOX_SECRET_LEN]; /* DEVICE: the user's key */
	enum sceau_profile profile; /* USER: the profile given */
};

/* Appends inner messages to out (which should be a wiped buffer). */
int sceau_invite_encode_code_ok(struct sceau_buf *out) SCEAU_WUR;
int sceau_invite_encode_done(struct sceau_buf *out) SCEAU_WUR;
int sceau_invite_encode_claim(
    const struct sceau_invite_claim *c, struct sceau_buf *out) SCEAU_WUR;
int sceau_invite_encode_reply(
    const struct sceau_invite_reply *r, struct sceau_buf *out) SCEAU_WUR;

/*
 * Parses inner message p[0..n), which must be of type want:
 * SCEAU_ERR_INVALID_FORMAT, SCEAU_ERR_TRAILING_DATA.  claim and reply may
 * be NULL for the types that carry none; reply holds a secret: wipe it
 * (sceau_memzero) when done.
 */
int sceau_invite_decode(const uint8_t *p, size_t n,
    enum sceau_invite_inner want, struct sceau_invite_claim *claim,
    struct sceau_invite_reply *reply) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_INVITE_H */
